// SPDX-License-Identifier: GPL-2.0
/*
 * librcumap - thin wrappers over the rcumap ioctls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "librcumap.h"

int rcumap_open(const char *path)
{
	int fd = open(path ? path : RCUMAP_DEV_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int rcumap_close(int fd)
{
	return close(fd) ? -errno : 0;
}

int rcumap_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int rcumap_info(int fd, struct rcumap_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return rcumap_ioctl(fd, RCUMAP_IOC_INFO, info);
}

/* Fill an rcumap_elem; lengths that do not fit the ABI's __u32 are -E2BIG. */
static int rcumap_elem_init(struct rcumap_elem *elem, unsigned int flags,
			    const void *key, size_t key_len,
			    const void *value, size_t value_len)
{
	if (key_len > UINT32_MAX || value_len > UINT32_MAX)
		return -E2BIG;
	memset(elem, 0, sizeof(*elem));
	elem->size = sizeof(*elem);
	elem->flags = flags;
	elem->key_len = key_len;
	elem->value_len = value_len;
	elem->key = (uintptr_t)key;
	elem->value = (uintptr_t)value;
	return 0;
}

int rcumap_put(int fd, const void *key, size_t key_len,
	       const void *value, size_t value_len, unsigned int flags)
{
	struct rcumap_elem elem;
	int ret = rcumap_elem_init(&elem, flags, key, key_len, value, value_len);

	return ret ? ret : rcumap_ioctl(fd, RCUMAP_IOC_PUT, &elem);
}

int rcumap_get(int fd, const void *key, size_t key_len,
	       void *buf, size_t *value_len)
{
	struct rcumap_elem elem;
	size_t cap = *value_len > UINT32_MAX ? UINT32_MAX : *value_len;
	int ret = rcumap_elem_init(&elem, 0, key, key_len, buf, cap);

	if (ret)
		return ret;
	ret = rcumap_ioctl(fd, RCUMAP_IOC_GET, &elem);
	if (!ret || ret == -ERANGE)
		*value_len = elem.value_len;
	return ret;
}

int rcumap_del(int fd, const void *key, size_t key_len)
{
	struct rcumap_elem elem;
	int ret = rcumap_elem_init(&elem, 0, key, key_len, NULL, 0);

	return ret ? ret : rcumap_ioctl(fd, RCUMAP_IOC_DEL, &elem);
}

int rcumap_clear(int fd, __u64 *removed)
{
	struct rcumap_clear clear = { .size = sizeof(clear) };
	int ret = rcumap_ioctl(fd, RCUMAP_IOC_CLEAR, &clear);

	if (!ret && removed)
		*removed = clear.removed;
	return ret;
}

int rcumap_stats(int fd, struct rcumap_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	stats->size = sizeof(*stats);
	return rcumap_ioctl(fd, RCUMAP_IOC_STATS, stats);
}
