// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl interface: one table maps each command to its argument struct
 * and handler. Every argument starts with its own size and is read with
 * copy_struct_from_user(), so a struct can grow at its end and old and new
 * binaries keep working.
 */
#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "rcumap.h"
#include "rcumap_trace.h"

union rcumap_ucmd_buffer {
	struct rcumap_info info;
	struct rcumap_elem elem;
	struct rcumap_clear clear;
	struct rcumap_stats stats;
	struct rcumap_add add;
	struct rcumap_cmpxchg cmpxchg;
	struct rcumap_dump dump;
	struct rcumap_batch batch;
};

/**
 * struct rcumap_ucmd - one ioctl call in flight
 * @map: the map
 * @ubuffer: the caller's argument struct
 * @user_size: its size field
 * @cmd: the kernel copy of the argument, as long as this kernel knows it
 * @cmd_size: size of @cmd
 */
struct rcumap_ucmd {
	struct rcumap *map;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
	u32 cmd_size;
};

/* Copy the argument struct back: as much of it as the caller knows. */
static int rcumap_ucmd_respond(struct rcumap_ucmd *ucmd)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min(ucmd->user_size, ucmd->cmd_size)))
		return -EFAULT;
	return 0;
}

/*
 * Store one field, at @offset, of the caller's struct, which every
 * caller's size covers (min_size). A command that changes the map stores
 * its results this way, after the struct has been shown writable before the change
 * (rcumap_ucmd_respond(), or a store of the same field): a failed call
 * must leave the map as it was, so once the map has changed nothing may
 * fail but a store into a struct the caller unmaps meanwhile.
 */
static int rcumap_ucmd_put_u64(struct rcumap_ucmd *ucmd, size_t offset,
			       u64 val)
{
	return put_user(val, (u64 __user *)(ucmd->ubuffer + offset));
}

static int rcumap_ucmd_put_u32(struct rcumap_ucmd *ucmd, size_t offset,
			       u32 val)
{
	return put_user(val, (u32 __user *)(ucmd->ubuffer + offset));
}

static int rcumap_ioctl_info(struct rcumap_ucmd *ucmd)
{
	struct rcumap_info *info = ucmd->cmd;
	struct rcumap *map = ucmd->map;

	if (info->flags)
		return -EINVAL;
	info->abi_version = RCUMAP_ABI_VERSION;
	info->max_key_len = map->max_key_len;
	info->max_value_len = map->max_value_len;
	info->max_entries = map->max_entries;
	info->entries = rcumap_map_entries(map);
	strscpy_pad(info->strategy, map->sync->name, sizeof(info->strategy));
	info->buckets = rcumap_map_nr_buckets(map);
	return rcumap_ucmd_respond(ucmd);
}

/* GET, PUT and DEL share struct rcumap_elem; the operations take a request. */
static struct rcumap_req rcumap_req_from_elem(const struct rcumap_elem *elem)
{
	return (struct rcumap_req) {
		.flags = elem->flags,
		.key_len = elem->key_len,
		.value_len = elem->value_len,
		.key = u64_to_user_ptr(elem->key),
		.value = u64_to_user_ptr(elem->value),
		.ttl_ms = elem->ttl_ms,
	};
}

static int rcumap_ioctl_get(struct rcumap_ucmd *ucmd)
{
	struct rcumap_elem *elem = ucmd->cmd;
	struct rcumap_req req = rcumap_req_from_elem(elem);
	int ret;

	if (elem->reserved)
		return -EINVAL;
	ret = rcumap_op_get(ucmd->map, &req);
	if (ret && ret != -ERANGE)
		return ret;
	/*
	 * value_len is the one field GET changes: store just it, with a
	 * fixed-size put_user(), not the whole struct back (every GET pays).
	 */
	if (put_user(req.value_len, &((struct rcumap_elem __user *)
				      ucmd->ubuffer)->value_len))
		return -EFAULT;
	return ret;
}

static int rcumap_ioctl_put(struct rcumap_ucmd *ucmd)
{
	struct rcumap_elem *elem = ucmd->cmd;
	struct rcumap_req req = rcumap_req_from_elem(elem);

	return elem->reserved ? -EINVAL : rcumap_op_put(ucmd->map, &req);
}

static int rcumap_ioctl_del(struct rcumap_ucmd *ucmd)
{
	struct rcumap_elem *elem = ucmd->cmd;
	struct rcumap_req req = rcumap_req_from_elem(elem);

	return elem->reserved ? -EINVAL : rcumap_op_del(ucmd->map, &req);
}

static int rcumap_ioctl_add(struct rcumap_ucmd *ucmd)
{
	struct rcumap_add *add = ucmd->cmd;
	struct rcumap_req req = {
		.flags = add->flags,
		.key_len = add->key_len,
		.key = u64_to_user_ptr(add->key),
		.delta = add->delta,
	};
	int ret;

	if (add->reserved)
		return -EINVAL;
	/* Fail on an unwritable struct before the counter changes. */
	if (rcumap_ucmd_put_u64(ucmd, offsetof(struct rcumap_add, value),
				add->value))
		return -EFAULT;
	ret = rcumap_op_add(ucmd->map, &req);
	if (ret)
		return ret;
	return rcumap_ucmd_put_u64(ucmd, offsetof(struct rcumap_add, value),
				   req.delta);
}

static int rcumap_ioctl_cmpxchg(struct rcumap_ucmd *ucmd)
{
	int ret = rcumap_op_cmpxchg(ucmd->map, ucmd->cmd);

	if (ret == -ECANCELED || ret == -ERANGE)
		return rcumap_ucmd_respond(ucmd) ?: ret;
	return ret;
}

static int rcumap_ioctl_dump(struct rcumap_ucmd *ucmd)
{
	int ret = rcumap_op_dump(ucmd->map, ucmd->cmd);

	if (ret && ret != -ERANGE)
		return ret;
	return rcumap_ucmd_respond(ucmd) ?: ret;
}

static int rcumap_ioctl_batch(struct rcumap_ucmd *ucmd)
{
	struct rcumap_batch *batch = ucmd->cmd;
	int ret;

	/*
	 * Fail on an unwritable struct before any operation runs: done must
	 * reach the caller once one has.
	 */
	if (rcumap_ucmd_respond(ucmd))
		return -EFAULT;
	ret = rcumap_op_batch(ucmd->map, batch);
	if (rcumap_ucmd_put_u32(ucmd, offsetof(struct rcumap_batch, done),
				batch->done) ||
	    rcumap_ucmd_put_u32(ucmd, offsetof(struct rcumap_batch, failed),
				batch->failed))
		return -EFAULT;
	return ret;
}

static int rcumap_ioctl_clear(struct rcumap_ucmd *ucmd)
{
	struct rcumap_clear *clear = ucmd->cmd;

	if (clear->flags)
		return -EINVAL;
	/*
	 * Fail on an unwritable struct before deleting anything, not after:
	 * a failed call must leave the map as it was.
	 */
	if (rcumap_ucmd_respond(ucmd))
		return -EFAULT;
	clear->removed = ucmd->map->sync->clear(ucmd->map);
	trace_rcumap_clear(clear->removed);
	return rcumap_ucmd_put_u64(ucmd, offsetof(struct rcumap_clear, removed),
				   clear->removed);
}

static int rcumap_ioctl_stats(struct rcumap_ucmd *ucmd)
{
	struct rcumap_stats *stats = ucmd->cmd;

	if (stats->flags)
		return -EINVAL;
	rcumap_stats_snapshot(ucmd->map, stats);
	return rcumap_ucmd_respond(ucmd);
}

/**
 * struct rcumap_ioctl_op - one command
 * @size: size of the argument struct this kernel knows
 * @min_size: smallest size field accepted: the struct of ABI version 1
 * @ioctl_num: the command; its direction bits are checked, not its size
 * @admin: the command changes the whole map: only for an opener that had
 *	CAP_SYS_ADMIN
 * @execute: the handler
 */
struct rcumap_ioctl_op {
	u32 size;
	u32 min_size;
	unsigned int ioctl_num;
	bool admin;
	int (*execute)(struct rcumap_ucmd *ucmd);
};

#define __RCUMAP_IOCTL_OP(_name, _fn, _struct, _last, _admin)		\
	[RCUMAP_CMD_##_name] = {					\
		.size = sizeof(_struct),				\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = RCUMAP_IOC_##_name,			\
		.admin = _admin,					\
		.execute = _fn,						\
	}
#define RCUMAP_IOCTL_OP(_name, _fn, _struct, _last)			\
	__RCUMAP_IOCTL_OP(_name, _fn, _struct, _last, false)
#define RCUMAP_IOCTL_ADMIN_OP(_name, _fn, _struct, _last)		\
	__RCUMAP_IOCTL_OP(_name, _fn, _struct, _last, true)

static const struct rcumap_ioctl_op rcumap_ioctl_ops[] = {
	RCUMAP_IOCTL_OP(INFO, rcumap_ioctl_info,
			struct rcumap_info, strategy),
	RCUMAP_IOCTL_OP(PUT, rcumap_ioctl_put,
			struct rcumap_elem, value),
	RCUMAP_IOCTL_OP(GET, rcumap_ioctl_get,
			struct rcumap_elem, value),
	RCUMAP_IOCTL_OP(DEL, rcumap_ioctl_del,
			struct rcumap_elem, value),
	RCUMAP_IOCTL_ADMIN_OP(CLEAR, rcumap_ioctl_clear,
			      struct rcumap_clear, removed),
	RCUMAP_IOCTL_OP(STATS, rcumap_ioctl_stats,
			struct rcumap_stats, bytes),
	RCUMAP_IOCTL_OP(ADD, rcumap_ioctl_add, struct rcumap_add, value),
	RCUMAP_IOCTL_OP(CMPXCHG, rcumap_ioctl_cmpxchg,
			struct rcumap_cmpxchg, found),
	RCUMAP_IOCTL_OP(DUMP, rcumap_ioctl_dump, struct rcumap_dump, count),
	RCUMAP_IOCTL_OP(BATCH, rcumap_ioctl_batch, struct rcumap_batch, failed),
};

static_assert(ARRAY_SIZE(rcumap_ioctl_ops) <= RCUMAP_STATS_SLOTS);

/**
 * rcumap_ioctl() - the device's unlocked_ioctl and, through
 * compat_ptr_ioctl(), compat_ioctl
 * @file: an open /dev/rcumap
 * @cmd: an RCUMAP_IOC_* command
 * @arg: user pointer to the command's argument struct
 *
 * Context: process context, may sleep.
 * Return: 0 or a negative errno from the table in <linux/rcumap.h>.
 */
long rcumap_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct rcumap_ucmd ucmd = {
		.map = file->private_data,
		.ubuffer = (void __user *)arg,
	};
	const struct rcumap_ioctl_op *op;
	/* Written whole by copy_struct_from_user() before any use. */
	union rcumap_ucmd_buffer buf __uninitialized;
	unsigned int nr = _IOC_NR(cmd);
	int ret;

	if (_IOC_TYPE(cmd) != RCUMAP_IOC_MAGIC ||
	    nr >= ARRAY_SIZE(rcumap_ioctl_ops))
		return -ENOTTY;
	op = &rcumap_ioctl_ops[nr];
	if (!op->execute || _IOC_DIR(cmd) != _IOC_DIR(op->ioctl_num))
		return -ENOTTY;

	/*
	 * The opener's capability, not the caller's: an fd handed to a
	 * privileged process must not let it clear the map on the behalf of
	 * an unprivileged opener (a confused deputy).
	 */
	if (op->admin && !file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		ret = -EPERM;
	else
		ret = get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer);
	/*
	 * A caller built against another version of the header passes a
	 * shorter or a longer struct. copy_struct_from_user() checks every
	 * byte past the struct it knows for zero: a size of gigabytes would
	 * fault in and scan that much, in one call that does not reschedule.
	 * As clone3(), openat2() and sched_setattr() do, refuse a size above
	 * a page: no struct of ours will ever grow that large. Tested only
	 * when the size is not ours, so that the common call pays one
	 * comparison for both limits.
	 */
	if (!ret && ucmd.user_size != op->size) {
		if (ucmd.user_size < op->min_size)
			ret = -EINVAL;
		else if (ucmd.user_size > PAGE_SIZE)
			ret = -E2BIG;
	}
	if (!ret)
		ret = copy_struct_from_user(&buf, op->size, ucmd.ubuffer,
					    ucmd.user_size);
	if (!ret) {
		ucmd.cmd = &buf;
		ucmd.cmd_size = op->size;
		ret = op->execute(&ucmd);
	}
	rcumap_stats_count_op(ucmd.map, nr, ret);
	return ret;
}
