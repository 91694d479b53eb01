/* SPDX-License-Identifier: GPL-2.0 */
/*
 * librcumap - the one userspace door to /dev/rcumap.
 *
 * Every function returns 0 (or a file descriptor) on success and a negative
 * errno on failure; errno itself is left as the system call set it. The
 * errors and their meaning are listed in <linux/rcumap.h>.
 */
#ifndef LIBRCUMAP_H
#define LIBRCUMAP_H

#include <stddef.h>
#include <linux/rcumap.h>

#define RCUMAP_DEV_PATH "/dev/rcumap"

/* Open the map device; @path NULL means RCUMAP_DEV_PATH. */
int rcumap_open(const char *path);
int rcumap_close(int fd);

int rcumap_info(int fd, struct rcumap_info *info);
int rcumap_put(int fd, const void *key, size_t key_len,
	       const void *value, size_t value_len, unsigned int flags);
/*
 * @value_len: in, the size of @buf; out, the length of the value, also when
 * the call fails with -ERANGE because @buf is too small.
 */
int rcumap_get(int fd, const void *key, size_t key_len,
	       void *buf, size_t *value_len);
int rcumap_del(int fd, const void *key, size_t key_len);
/* @removed may be NULL. */
int rcumap_clear(int fd, __u64 *removed);
int rcumap_stats(int fd, struct rcumap_stats *stats);

/*
 * The raw ioctl, for callers that must build the argument themselves
 * (tests of malformed input). @arg's size field is used as given.
 */
int rcumap_ioctl(int fd, unsigned long cmd, void *arg);

#endif /* LIBRCUMAP_H */
