// SPDX-License-Identifier: GPL-2.0
/*
 * BATCH: many GET, PUT, DEL and ADD operations for the price of one system
 * call. The operations run in order, each on its own and each with its own
 * result; the batch is not atomic and stops for nothing but a fault on the
 * operation array itself.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "rcumap.h"

/* Operations copied in, run and copied back at a time. */
#define RCUMAP_BATCH_CHUNK	32

typedef int (*rcumap_op_fn)(struct rcumap *map, struct rcumap_req *req);

static const rcumap_op_fn rcumap_batch_ops[] = {
	[RCUMAP_CMD_GET] = rcumap_op_get,
	[RCUMAP_CMD_PUT] = rcumap_op_put,
	[RCUMAP_CMD_DEL] = rcumap_op_del,
	[RCUMAP_CMD_ADD] = rcumap_op_add,
};

/* Run one operation and record its outcome in it. */
static void rcumap_batch_run(struct rcumap *map, struct rcumap_batch_op *op)
{
	struct rcumap_req req = {
		.flags = op->flags,
		.key_len = op->key_len,
		.value_len = op->value_len,
		.key = u64_to_user_ptr(op->key),
		.value = u64_to_user_ptr(op->value),
		.delta = op->delta,
	};
	int ret;

	if (op->cmd >= ARRAY_SIZE(rcumap_batch_ops) ||
	    !rcumap_batch_ops[op->cmd] || op->reserved) {
		op->error = EINVAL;
		return;
	}
	ret = rcumap_batch_ops[op->cmd](map, &req);
	rcumap_stats_count_op(map, op->cmd, ret);
	op->value_len = req.value_len;
	op->delta = req.delta;
	op->error = -ret;
}

/**
 * rcumap_op_batch() - run a vector of operations
 * @map: the map
 * @cmd: the caller's request; @cmd->done and @cmd->failed are set
 *
 * Each operation is counted in STATS under its own command as well.
 *
 * Context: process context, may sleep.
 * Return: 0 when every operation ran (each may have failed on its own);
 * -EINVAL or -E2BIG for a malformed batch, of which nothing ran; -ENOMEM;
 * -EFAULT if the operation array cannot be read or written back, with
 * @cmd->done operations carried out.
 */
int rcumap_op_batch(struct rcumap *map, struct rcumap_batch *cmd)
{
	struct rcumap_batch_op __user *uops = u64_to_user_ptr(cmd->ops);
	struct rcumap_batch_op *chunk;
	u32 i, n;
	int ret = 0;

	cmd->done = 0;
	cmd->failed = 0;
	if (cmd->flags || cmd->op_size != sizeof(*chunk))
		return -EINVAL;
	if (cmd->count > RCUMAP_BATCH_MAX)
		return -E2BIG;
	chunk = kmalloc_array(RCUMAP_BATCH_CHUNK, sizeof(*chunk), RCUMAP_GFP_USER);
	if (!chunk)
		return -ENOMEM;

	for (i = 0; i < cmd->count; i += n) {
		n = min_t(u32, cmd->count - i, RCUMAP_BATCH_CHUNK);
		if (copy_from_user(chunk, uops + i, n * sizeof(*chunk))) {
			ret = -EFAULT;
			break;
		}
		for (u32 j = 0; j < n; j++) {
			rcumap_batch_run(map, &chunk[j]);
			cmd->failed += !!chunk[j].error;
		}
		cmd->done += n;
		if (copy_to_user(uops + i, chunk, n * sizeof(*chunk))) {
			ret = -EFAULT;
			break;
		}
	}
	kfree(chunk);
	return ret;
}
