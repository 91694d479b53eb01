// SPDX-License-Identifier: GPL-2.0
/*
 * sync=owner, the channel-owned map of the Go seeds: one kernel thread owns
 * the table and is the only one ever to touch it, so the table itself needs
 * no lock at all. An ioctl caller hands the thread a request (the channel
 * is a lock-free llist) and sleeps until the answer comes back.
 *
 * Copies to and from userspace stay with the caller, as for every other
 * strategy: the thread only moves bytes between kernel buffers and the
 * table. Every operation costs two context switches, and all of them run
 * on one CPU, one after another.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/llist.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "../rcumap.h"

enum rcumap_owner_op {
	RCUMAP_OWNER_UPDATE,
	RCUMAP_OWNER_GET,
	RCUMAP_OWNER_DEL,
	RCUMAP_OWNER_CLEAR,
	RCUMAP_OWNER_DUMP,
	RCUMAP_OWNER_REAP,
};

/**
 * struct rcumap_owner_req - one operation handed to the owner thread
 * @node: link in the owner's queue
 * @done: completed by the owner when @ret (and any output) is set
 * @op: which table operation to run
 * @entry: UPDATE: the new entry
 * @flags: UPDATE: its flags
 * @prepare: UPDATE: its prepare hook
 * @arg: UPDATE: argument of @prepare
 * @touch: GET: restart the entry's time to live
 * @key: GET, DEL: the key
 * @len: GET, DEL: the key's length; DUMP: the number of buckets
 * @index: DUMP: in and out, the bucket
 * @buf: GET, DUMP: the kernel buffer
 * @buf_len: GET, DUMP: its size
 * @out_len: GET: the value's length; DUMP: bytes used; REAP: entries
 *           expired
 * @count: DUMP: records written
 * @ret: the result; CLEAR: entries removed; REAP: entries that may expire
 */
struct rcumap_owner_req {
	struct llist_node node;
	struct completion done;
	enum rcumap_owner_op op;
	struct rcumap_entry *entry;
	u32 flags;
	rcumap_prepare_fn prepare;
	void *arg;
	bool touch;
	const void *key;
	u32 len;
	u32 *index;
	void *buf;
	u32 buf_len;
	u32 *out_len;
	u32 *count;
	s64 ret;
};

/**
 * struct rcumap_owner - the owner thread and its queue
 * @thread: the only task that touches the table
 * @queue: requests not yet taken by @thread
 */
struct rcumap_owner {
	struct task_struct *thread;
	struct llist_head queue;
};

static s64 rcumap_owner_run(struct rcumap *map, struct rcumap_owner_req *req)
{
	switch (req->op) {
	case RCUMAP_OWNER_UPDATE:
		return rcumap_table_update(map, req->entry, req->flags,
					   req->prepare, req->arg);
	case RCUMAP_OWNER_GET:
		return rcumap_table_get(map, req->key, req->len, req->buf,
					req->buf_len, req->out_len, req->touch);
	case RCUMAP_OWNER_DEL:
		return rcumap_table_del(map, req->key, req->len);
	case RCUMAP_OWNER_CLEAR:
		return rcumap_table_clear(map);
	case RCUMAP_OWNER_DUMP:
		return rcumap_dump_buckets(map, req->index, req->len, req->buf,
					   req->buf_len, req->out_len,
					   req->count);
	case RCUMAP_OWNER_REAP:
		return rcumap_table_reap(map, req->out_len);
	}
	return -EINVAL;
}

/* The owner: take every queued request, oldest first, and answer it. */
static int rcumap_owner_thread(void *data)
{
	struct rcumap *map = data;
	struct rcumap_owner_req *req, *next;
	struct llist_node *batch;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		batch = llist_del_all(&map->owner->queue);
		if (!batch) {
			if (kthread_should_stop())
				break;
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		batch = llist_reverse_order(batch);
		llist_for_each_entry_safe(req, next, batch, node) {
			req->ret = rcumap_owner_run(map, req);
			complete(&req->done);
		}
		cond_resched();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* Hand @req to the owner and wait for its answer. */
static s64 rcumap_owner_call(struct rcumap *map, struct rcumap_owner_req *req)
{
	init_completion(&req->done);
	if (llist_add(&req->node, &map->owner->queue))
		wake_up_process(map->owner->thread);
	wait_for_completion(&req->done);
	return req->ret;
}

static int rcumap_owner_update(struct rcumap *map, struct rcumap_entry *entry,
			       u32 flags, rcumap_prepare_fn prepare, void *arg)
{
	struct rcumap_owner_req req = {
		.op = RCUMAP_OWNER_UPDATE, .entry = entry, .flags = flags,
		.prepare = prepare, .arg = arg,
	};

	return rcumap_owner_call(map, &req);
}

static int rcumap_owner_get(struct rcumap *map, const void *key, u32 key_len,
			    void *buf, u32 buf_len, u32 *value_len, bool touch)
{
	struct rcumap_owner_req req = {
		.op = RCUMAP_OWNER_GET, .key = key, .len = key_len,
		.buf = buf, .buf_len = buf_len, .out_len = value_len,
		.touch = touch,
	};

	return rcumap_owner_call(map, &req);
}

static int rcumap_owner_del(struct rcumap *map, const void *key, u32 key_len)
{
	struct rcumap_owner_req req = {
		.op = RCUMAP_OWNER_DEL, .key = key, .len = key_len,
	};

	return rcumap_owner_call(map, &req);
}

static u64 rcumap_owner_clear(struct rcumap *map)
{
	struct rcumap_owner_req req = { .op = RCUMAP_OWNER_CLEAR };

	return rcumap_owner_call(map, &req);
}

/* One request for as many buckets as fit: not one per bucket. */
static int rcumap_owner_dump(struct rcumap *map, u32 *index, u32 end,
			     void *buf, u32 buf_len, u32 *used, u32 *count)
{
	struct rcumap_owner_req req = {
		.op = RCUMAP_OWNER_DUMP, .index = index, .len = end,
		.buf = buf, .buf_len = buf_len, .out_len = used,
		.count = count,
	};

	return rcumap_owner_call(map, &req);
}

static u32 rcumap_owner_reap(struct rcumap *map, u32 *expired)
{
	struct rcumap_owner_req req = {
		.op = RCUMAP_OWNER_REAP, .out_len = expired,
	};

	return rcumap_owner_call(map, &req);
}

static int rcumap_owner_init(struct rcumap *map)
{
	struct task_struct *thread;
	int ret;

	map->owner = kzalloc(sizeof(*map->owner), GFP_KERNEL);
	if (!map->owner)
		return -ENOMEM;
	init_llist_head(&map->owner->queue);
	ret = rcumap_table_init(map);
	if (ret)
		goto err_free_owner;
	thread = kthread_run(rcumap_owner_thread, map, "rcumap_owner");
	if (IS_ERR(thread)) {
		ret = PTR_ERR(thread);
		pr_err("cannot start the owner thread: %d\n", ret);
		goto err_destroy_table;
	}
	map->owner->thread = thread;
	return 0;

err_destroy_table:
	rcumap_table_destroy(map);
err_free_owner:
	kfree(map->owner);
	map->owner = NULL;
	return ret;
}

/* No file is open, so no request is queued: stop the owner, then free. */
static void rcumap_owner_destroy(struct rcumap *map)
{
	kthread_stop(map->owner->thread);
	rcumap_table_destroy(map);
	kfree(map->owner);
	map->owner = NULL;
}

static bool rcumap_owner_is_current(struct rcumap *map,
				    struct rcumap_bucket *bucket)
{
	return current == map->owner->thread;
}

const struct rcumap_sync_ops rcumap_sync_owner = {
	.name = "owner",
	.init = rcumap_owner_init,
	.destroy = rcumap_owner_destroy,
	.update = rcumap_owner_update,
	.get = rcumap_owner_get,
	.del = rcumap_owner_del,
	.clear = rcumap_owner_clear,
	/* Called by rcumap_dump_buckets(), in the owner thread. */
	.dump_bucket = rcumap_table_dump_bucket,
	.dump = rcumap_owner_dump,
	.reap = rcumap_owner_reap,
	.lock_reader = rcumap_table_unlocked,
	.unlock_reader = rcumap_table_unlocked,
	.lock_writer = rcumap_table_unlocked,
	.unlock_writer = rcumap_table_unlocked,
	.lock_held = rcumap_owner_is_current,
	.free_entry = rcumap_entry_free,
};
