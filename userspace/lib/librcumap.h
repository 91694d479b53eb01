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
#include <stdint.h>
#include <linux/rcumap.h>

#define RCUMAP_DEV_PATH "/dev/rcumap"

/* Open the map device; @path NULL means RCUMAP_DEV_PATH. */
int rcumap_open(const char *path);
int rcumap_close(int fd);

int rcumap_info(int fd, struct rcumap_info *info);
int rcumap_put(int fd, const void *key, size_t key_len,
	       const void *value, size_t value_len, unsigned int flags);
/* PUT an entry that expires @ttl_ms after its PUT or last touching GET. */
int rcumap_put_ttl(int fd, const void *key, size_t key_len,
		   const void *value, size_t value_len, unsigned int flags,
		   uint32_t ttl_ms);
/*
 * @value_len: in, the size of @buf; out, the length of the value, also when
 * the call fails with -ERANGE because @buf is too small.
 */
int rcumap_get(int fd, const void *key, size_t key_len,
	       void *buf, size_t *value_len);
/* GET with flags: RCUMAP_GET_TOUCH restarts the entry's time to live. */
int rcumap_get_flags(int fd, const void *key, size_t key_len,
		     void *buf, size_t *value_len, unsigned int flags);
int rcumap_del(int fd, const void *key, size_t key_len);
/* @removed may be NULL. */
int rcumap_clear(int fd, __u64 *removed);
int rcumap_stats(int fd, struct rcumap_stats *stats);

/* @value: out, the counter's new value; may be NULL. */
int rcumap_add(int fd, const void *key, size_t key_len, int64_t delta,
	       unsigned int flags, uint64_t *value);
/*
 * Replace the value of @key with @value if it is @expected. On -ECANCELED
 * (it is not) the value found is copied to @found and *@found_len set to
 * its length; on -ERANGE only *@found_len is. *@found_len is the size of
 * @found on entry.
 */
int rcumap_cmpxchg(int fd, const void *key, size_t key_len,
		   const void *expected, size_t expected_len,
		   const void *value, size_t value_len,
		   void *found, size_t *found_len);
/*
 * Copy whole buckets of records into @buf, starting at *@cursor (0 at
 * first); *@cursor becomes RCUMAP_DUMP_END when the dump is complete.
 * *@buf_len: in, the size of @buf; out, the bytes written, or on -ERANGE
 * the size needed. @count may be NULL.
 */
int rcumap_dump(int fd, uint64_t *cursor, void *buf, size_t *buf_len,
		unsigned int *count);
/*
 * Walk the records of a DUMP buffer: *@offset starts at 0. Returns 1 and
 * fills the outputs while records remain, 0 at the end, -EINVAL if the
 * buffer is malformed.
 */
int rcumap_dump_next(const void *buf, size_t len, size_t *offset,
		     const void **key, size_t *key_len,
		     const void **value, size_t *value_len);
/*
 * Run @count operations; each gets its own error. @done and @failed may be
 * NULL. Fails only for the batch as a whole (see <linux/rcumap.h>).
 */
int rcumap_batch(int fd, struct rcumap_batch_op *ops, unsigned int count,
		 unsigned int *done, unsigned int *failed);

/*
 * The symbolic name of a positive errno, "EINVAL" for EINVAL, or NULL if
 * it is not one rcumap's tools meet: each caller has its own way of naming
 * the rest.
 */
const char *rcumap_errno_name(int err);

/**
 * rcumap_print_version() - print a tool's --version line on stdout
 * @tool: the tool's name
 *
 * The line is "TOOL VERSION (rcumap ABI N)": VERSION is the release,
 * RCUMAP_VERSION, which the build passes from the Kbuild file; N is the
 * RCUMAP_ABI_VERSION of the <linux/rcumap.h> built against.
 */
void rcumap_print_version(const char *tool);

/*
 * The raw ioctl, for callers that must build the argument themselves
 * (tests of malformed input). @arg's size field is used as given.
 */
int rcumap_ioctl(int fd, unsigned long cmd, void *arg);

#endif /* LIBRCUMAP_H */
