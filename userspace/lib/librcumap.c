// SPDX-License-Identifier: GPL-2.0
/*
 * librcumap - thin wrappers over the rcumap ioctls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "librcumap.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * The errors <linux/rcumap.h> documents, those of open() and stdio, and
 * EBADMSG, which rcumap-hammer gives a counter of the wrong length.
 */
#define ERRNO_NAME(e)	{ e, #e }
static const struct {
	int err;
	const char *name;
} errno_names[] = {
	ERRNO_NAME(EPERM),  ERRNO_NAME(ENOENT), ERRNO_NAME(EIO),
	ERRNO_NAME(E2BIG),  ERRNO_NAME(ENOMEM), ERRNO_NAME(EACCES),
	ERRNO_NAME(EFAULT), ERRNO_NAME(EEXIST), ERRNO_NAME(ENODEV),
	ERRNO_NAME(EISDIR), ERRNO_NAME(EINVAL), ERRNO_NAME(ENOTTY),
	ERRNO_NAME(ENOSPC), ERRNO_NAME(ERANGE), ERRNO_NAME(EBADMSG),
	ERRNO_NAME(EMSGSIZE), ERRNO_NAME(ECANCELED),
};

const char *rcumap_errno_name(int err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return NULL;
}

void rcumap_print_version(const char *tool)
{
	printf("%s %s (rcumap ABI %d)\n", tool, RCUMAP_VERSION,
	       RCUMAP_ABI_VERSION);
}

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
	return rcumap_put_ttl(fd, key, key_len, value, value_len, flags, 0);
}

int rcumap_put_ttl(int fd, const void *key, size_t key_len,
		   const void *value, size_t value_len, unsigned int flags,
		   uint32_t ttl_ms)
{
	struct rcumap_elem elem;
	int ret = rcumap_elem_init(&elem, flags, key, key_len, value, value_len);

	elem.ttl_ms = ttl_ms;
	return ret ? ret : rcumap_ioctl(fd, RCUMAP_IOC_PUT, &elem);
}

int rcumap_get(int fd, const void *key, size_t key_len,
	       void *buf, size_t *value_len)
{
	return rcumap_get_flags(fd, key, key_len, buf, value_len, 0);
}

int rcumap_get_flags(int fd, const void *key, size_t key_len,
		     void *buf, size_t *value_len, unsigned int flags)
{
	struct rcumap_elem elem;
	size_t cap = *value_len > UINT32_MAX ? UINT32_MAX : *value_len;
	int ret = rcumap_elem_init(&elem, flags, key, key_len, buf, cap);

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

int rcumap_add(int fd, const void *key, size_t key_len, int64_t delta,
	       unsigned int flags, uint64_t *value)
{
	struct rcumap_add add = {
		.size = sizeof(add),
		.flags = flags,
		.key_len = key_len,
		.key = (uintptr_t)key,
		.delta = (uint64_t)delta,
	};
	int ret;

	if (key_len > UINT32_MAX)
		return -E2BIG;
	ret = rcumap_ioctl(fd, RCUMAP_IOC_ADD, &add);
	if (!ret && value)
		*value = add.value;
	return ret;
}

int rcumap_cmpxchg(int fd, const void *key, size_t key_len,
		   const void *expected, size_t expected_len,
		   const void *value, size_t value_len,
		   void *found, size_t *found_len)
{
	struct rcumap_cmpxchg cx = {
		.size = sizeof(cx),
		.key_len = key_len,
		.expected_len = expected_len,
		.value_len = value_len,
		.found_len = *found_len > UINT32_MAX ? UINT32_MAX : *found_len,
		.key = (uintptr_t)key,
		.expected = (uintptr_t)expected,
		.value = (uintptr_t)value,
		.found = (uintptr_t)found,
	};
	int ret;

	if (key_len > UINT32_MAX || expected_len > UINT32_MAX ||
	    value_len > UINT32_MAX)
		return -E2BIG;
	ret = rcumap_ioctl(fd, RCUMAP_IOC_CMPXCHG, &cx);
	if (ret == -ECANCELED || ret == -ERANGE)
		*found_len = cx.found_len;
	return ret;
}

int rcumap_dump(int fd, uint64_t *cursor, void *buf, size_t *buf_len,
		unsigned int *count)
{
	struct rcumap_dump dump = {
		.size = sizeof(dump),
		.cursor = *cursor,
		.buf = (uintptr_t)buf,
		.buf_len = *buf_len > UINT32_MAX ? UINT32_MAX : *buf_len,
	};
	int ret = rcumap_ioctl(fd, RCUMAP_IOC_DUMP, &dump);

	if (!ret || ret == -ERANGE)
		*buf_len = dump.buf_len;
	if (!ret) {
		*cursor = dump.cursor;
		if (count)
			*count = dump.count;
	}
	return ret;
}

int rcumap_dump_next(const void *buf, size_t len, size_t *offset,
		     const void **key, size_t *key_len,
		     const void **value, size_t *value_len)
{
	const unsigned char *p = (const unsigned char *)buf + *offset;
	struct rcumap_dump_rec rec;
	size_t size;

	if (*offset >= len)
		return 0;
	if (len - *offset < sizeof(rec))
		return -EINVAL;
	memcpy(&rec, p, sizeof(rec));
	size = sizeof(rec) + (size_t)rec.key_len + rec.value_len;
	if (size > len - *offset)
		return -EINVAL;
	*key = p + sizeof(rec);
	*key_len = rec.key_len;
	*value = p + sizeof(rec) + rec.key_len;
	*value_len = rec.value_len;
	/* Records are padded to 8 bytes; the last one may end the buffer. */
	size = (size + 7) & ~(size_t)7;
	*offset = size < len - *offset ? *offset + size : len;
	return 1;
}

int rcumap_batch(int fd, struct rcumap_batch_op *ops, unsigned int count,
		 unsigned int *done, unsigned int *failed)
{
	struct rcumap_batch batch = {
		.size = sizeof(batch),
		.count = count,
		.op_size = sizeof(*ops),
		.ops = (uintptr_t)ops,
	};
	int ret = rcumap_ioctl(fd, RCUMAP_IOC_BATCH, &batch);

	if (done)
		*done = batch.done;
	if (failed)
		*failed = batch.failed;
	return ret;
}
