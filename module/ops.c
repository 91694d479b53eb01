// SPDX-License-Identifier: GPL-2.0
/*
 * The map's operations as userspace asks for them: keys and values arrive
 * as user pointers and are checked against the limits and copied in and
 * out here, on behalf of the single-operation ioctls and of BATCH alike.
 * No user copy happens under the RCU read lock or a bucket lock: values
 * pass through a kernel buffer.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "rcumap.h"
#include "rcumap_trace.h"

/*
 * Values up to this size pass through the stack; larger ones through a
 * buffer sized for them.
 *
 * The stack buffers (keys, values) are __uninitialized: a kernel built
 * with INIT_STACK_ALL_ZERO, as Debian's is, would otherwise clear their
 * 400 bytes on every call, for bytes that are always written before they
 * are read and never copied out unwritten.
 */
#define RCUMAP_KBUF_STACK	128

/* A kernel copy of a value: on the stack until a value needs more room. */
struct rcumap_kbuf {
	void *data;
	u32 len;
	void *heap;
	u8 stack[RCUMAP_KBUF_STACK];
};

/* Start with the stack buffer, or as much of it as @len asks for. */
static void rcumap_kbuf_init(struct rcumap_kbuf *kb, u32 len)
{
	kb->data = kb->stack;
	kb->len = min_t(u32, len, sizeof(kb->stack));
	kb->heap = NULL;
}

/* Make room for @len bytes; the old contents are not kept. */
static int rcumap_kbuf_grow(struct rcumap_kbuf *kb, u32 len)
{
	if (len <= kb->len)
		return 0;
	kvfree(kb->heap);
	kb->heap = kvmalloc(len, RCUMAP_GFP_USER);
	kb->data = kb->heap ?: kb->stack;
	kb->len = kb->heap ? len : 0;
	return kb->heap ? 0 : -ENOMEM;
}

/* Free the buffer; the common case, the stack, costs no call. */
static void rcumap_kbuf_free(struct rcumap_kbuf *kb)
{
	if (kb->data != kb->stack)
		kvfree(kb->heap);
}

/* Check a key length: -EINVAL when empty, -E2BIG when over the limit. */
static int rcumap_check_key_len(const struct rcumap *map, u32 key_len)
{
	if (!key_len)
		return -EINVAL;
	return key_len > map->max_key_len ? -E2BIG : 0;
}

/* Validate and copy in the key of a request. */
static int rcumap_copy_key(const struct rcumap *map,
			   const struct rcumap_req *req, u8 *key)
{
	int ret = rcumap_check_key_len(map, req->key_len);

	if (ret)
		return ret;
	if (copy_from_user(key, req->key, req->key_len))
		return -EFAULT;
	return 0;
}

/*
 * Allocate an entry for a value of @value_len bytes, copy in the key and
 * hash it: the strategies' update takes the hash from the entry, and the
 * trace events want it after the entry is published, when it may already
 * be freed. The value is left for the caller to write, every byte of it:
 * the entry's memory is not zeroed, and a GET copies it to userspace.
 */
static int rcumap_entry_with_key(const struct rcumap *map, u32 key_len,
				 const void __user *key, u32 value_len,
				 struct rcumap_entry **entryp)
{
	struct rcumap_entry *entry;
	int ret = rcumap_check_key_len(map, key_len);

	if (ret)
		return ret;
	if (value_len > map->max_value_len)
		return -E2BIG;
	entry = rcumap_entry_alloc(key_len, value_len);
	if (!entry)
		return -ENOMEM;
	if (copy_from_user(entry->data, key, key_len)) {
		rcumap_entry_free(entry);
		return -EFAULT;
	}
	entry->hash = rcumap_hash(map, entry->data, key_len);
	*entryp = entry;
	return 0;
}

/*
 * rcumap_entry_with_key(), and the value copied in from @value: a NULL
 * @value with a non-zero @value_len faults (-EFAULT) like any bad pointer.
 */
static int rcumap_entry_from_user(const struct rcumap *map, u32 key_len,
				  const void __user *key, u32 value_len,
				  const void __user *value,
				  struct rcumap_entry **entryp)
{
	int ret = rcumap_entry_with_key(map, key_len, key, value_len, entryp);

	if (ret)
		return ret;
	if (copy_from_user((*entryp)->data + key_len, value, value_len)) {
		rcumap_entry_free(*entryp);
		return -EFAULT;
	}
	return 0;
}

/**
 * rcumap_op_get() - copy the value of a key to userspace
 * @map: the map
 * @req: the request; on success and on -ERANGE, @req->value_len is set to
 *       the length of the value
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL, -E2BIG, -EFAULT, -ENOENT, -ERANGE or -ENOMEM.
 */
int rcumap_op_get(struct rcumap *map, struct rcumap_req *req)
{
	u8 key[RCUMAP_KEY_LEN_LIMIT] __uninitialized;
	struct rcumap_kbuf kb __uninitialized;
	u32 value_len = 0;
	int ret;

	if (req->flags & ~RCUMAP_GET_TOUCH || req->ttl_ms || req->delta)
		ret = -EINVAL;
	else
		ret = rcumap_copy_key(map, req, key);
	if (ret) {
		trace_rcumap_get(map, NULL, 0, req->key_len, 0, ret);
		return ret;
	}

	/* The value can change between two lookups, hence the loop. */
	rcumap_kbuf_init(&kb, req->value_len);
	for (;;) {
		ret = map->sync->get(map, key, req->key_len, kb.data, kb.len,
				     &value_len, req->flags & RCUMAP_GET_TOUCH);
		if (ret != -ERANGE || value_len > req->value_len)
			break;
		ret = rcumap_kbuf_grow(&kb, value_len);
		if (ret)
			goto out;
	}
	/* A hit is a GET that found its key, whether the value fit or not. */
	rcumap_stats_count_get(map, ret != -ENOENT);
	if (!ret && copy_to_user(req->value, kb.data, value_len))
		ret = -EFAULT;
	if (!ret || ret == -ERANGE)
		req->value_len = value_len;
out:
	rcumap_kbuf_free(&kb);
	trace_rcumap_get(map, key, 0, req->key_len, value_len, ret);
	return ret;
}

/*
 * A PUT the strategy may do in place (see rcumap_table_rewrite()): key and
 * value, at most RCUMAP_REWRITE_MAX bytes, are copied onto the stack and
 * offered to rewrite; when a new entry has to be published after all, it
 * is made from those copies.
 */
static int rcumap_put_rewrite(struct rcumap *map, struct rcumap_req *req,
			      u32 *hash)
{
	u8 key[RCUMAP_KEY_LEN_LIMIT] __uninitialized;
	u8 value[RCUMAP_REWRITE_MAX] __uninitialized;
	struct rcumap_entry *entry;
	int ret = rcumap_copy_key(map, req, key);

	if (ret)
		return ret;
	if (req->value_len > map->max_value_len)
		return -E2BIG;
	if (copy_from_user(value, req->value, req->value_len))
		return -EFAULT;
	*hash = rcumap_hash(map, key, req->key_len);
	ret = rcumap_table_rewrite(map, *hash, key, req->key_len, value,
				   req->value_len, req->flags);
	if (ret != -EAGAIN)
		return ret;

	entry = rcumap_entry_alloc(req->key_len, req->value_len);
	if (!entry)
		return -ENOMEM;
	memcpy(entry->data, key, req->key_len);
	memcpy(entry->data + req->key_len, value, req->value_len);
	entry->hash = *hash;
	ret = map->sync->update(map, entry, req->flags, NULL, NULL);
	if (ret)
		rcumap_entry_free(entry);
	return ret;
}

/* Any other PUT: a new entry, copied straight from userspace. */
static int rcumap_put_publish(struct rcumap *map, struct rcumap_req *req,
			      u32 *hash)
{
	struct rcumap_entry *entry;
	int ret;

	ret = rcumap_entry_from_user(map, req->key_len, req->key,
				     req->value_len, req->value, &entry);
	if (ret)
		return ret;
	*hash = entry->hash;
	entry->ttl_ms = req->ttl_ms;
	ret = map->sync->update(map, entry, req->flags, NULL, NULL);
	if (ret)
		rcumap_entry_free(entry);
	else if (req->ttl_ms)
		rcumap_reaper_kick(map);
	return ret;
}

/**
 * rcumap_op_put() - store a value
 * @map: the map
 * @req: the request
 *
 * A PUT that may replace a value (RCUMAP_ANY, RCUMAP_EXIST) of at most
 * RCUMAP_REWRITE_MAX bytes and sets no time to live tries a rewrite in
 * place first, when the strategy rewrites; inserts (RCUMAP_NOEXIST),
 * longer values and PUTs with a time to live always publish a new entry.
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL, -E2BIG, -EFAULT, -ENOMEM, -EEXIST, -ENOENT or
 * -ENOSPC.
 */
int rcumap_op_put(struct rcumap *map, struct rcumap_req *req)
{
	u32 hash = 0;
	int ret = -EINVAL;

	if (req->flags > RCUMAP_EXIST || req->delta)
		goto out;
	if (map->sync->rewrites && req->flags != RCUMAP_NOEXIST &&
	    !req->ttl_ms && req->value_len <= RCUMAP_REWRITE_MAX)
		ret = rcumap_put_rewrite(map, req, &hash);
	else
		ret = rcumap_put_publish(map, req, &hash);
out:
	trace_rcumap_put(map, NULL, hash, req->key_len, req->value_len, ret);
	return ret;
}

/**
 * rcumap_op_del() - delete a key
 * @map: the map
 * @req: the request; it carries no value
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL, -E2BIG, -EFAULT or -ENOENT.
 */
int rcumap_op_del(struct rcumap *map, struct rcumap_req *req)
{
	u8 key[RCUMAP_KEY_LEN_LIMIT] __uninitialized;
	int ret;

	if (req->flags || req->value || req->value_len || req->delta ||
	    req->ttl_ms)
		ret = -EINVAL;
	else
		ret = rcumap_copy_key(map, req, key);
	if (ret) {
		trace_rcumap_del(map, NULL, 0, req->key_len, 0, ret);
		return ret;
	}
	ret = map->sync->del(map, key, req->key_len);
	trace_rcumap_del(map, key, 0, req->key_len, 0, ret);
	return ret;
}

struct rcumap_add_arg {
	u64 delta;
	u64 sum;
};

/* Under the bucket lock: the new counter is the old one plus delta. */
static int rcumap_add_prepare(struct rcumap_entry *entry,
			      const struct rcumap_entry *old, void *arg)
{
	struct rcumap_add_arg *add = arg;
	u64 value = 0;

	if (old) {
		if (old->value_len != sizeof(value))
			return -EMSGSIZE;
		memcpy(&value, old->data + old->key_len, sizeof(value));
		rcumap_entry_keep_ttl(entry, old);
	}
	add->sum = value + add->delta;
	memcpy(entry->data + entry->key_len, &add->sum, sizeof(add->sum));
	return 0;
}

/**
 * rcumap_op_add() - add to an 8-byte counter, creating it if absent
 * @map: the map
 * @req: the request: @req->delta in, the counter's new value out
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL, -E2BIG, -EFAULT, -ENOMEM, -EEXIST, -ENOENT, -ENOSPC
 * or -EMSGSIZE.
 */
int rcumap_op_add(struct rcumap *map, struct rcumap_req *req)
{
	struct rcumap_add_arg add = { .delta = req->delta };
	struct rcumap_entry *entry;
	u32 hash = 0;
	int ret = -EINVAL;

	if (req->flags > RCUMAP_EXIST || req->value || req->value_len ||
	    req->ttl_ms)
		goto out;
	/* The counter's value is written by rcumap_add_prepare(). */
	ret = rcumap_entry_with_key(map, req->key_len, req->key, sizeof(u64),
				    &entry);
	if (ret)
		goto out;
	hash = entry->hash;
	ret = -ENOENT;
	/* LESSON 2 (bug=add_rmw): see rcumap_table_add_racy(). */
	if (rcumap_bug(RCUMAP_BUG_ADD_RMW) && req->flags != RCUMAP_NOEXIST)
		ret = rcumap_table_add_racy(map, entry, add.delta, &add.sum);
	if (ret == -ENOENT) {
		ret = map->sync->update(map, entry, req->flags,
					rcumap_add_prepare, &add);
		if (!ret)
			entry = NULL;	/* the map's now */
	}
	rcumap_entry_free(entry);
	if (!ret)
		req->delta = add.sum;
out:
	trace_rcumap_add(map, NULL, hash, req->key_len, sizeof(u64), ret);
	return ret;
}

struct rcumap_cmpxchg_arg {
	struct rcumap_kbuf expected;
	struct rcumap_kbuf found;
	u32 expected_len;
	u32 found_len;
};

/* Under the bucket lock: replace only the expected value. */
static int rcumap_cmpxchg_prepare(struct rcumap_entry *entry,
				  const struct rcumap_entry *old, void *arg)
{
	struct rcumap_cmpxchg_arg *cx = arg;
	const void *value = old->data + old->key_len;

	if (old->value_len == cx->expected_len &&
	    !memcmp(value, cx->expected.data, cx->expected_len)) {
		rcumap_entry_keep_ttl(entry, old);
		return 0;
	}
	cx->found_len = old->value_len;
	if (old->value_len > cx->found.len)
		return -ERANGE;
	memcpy(cx->found.data, value, old->value_len);
	return -ECANCELED;
}

/**
 * rcumap_op_cmpxchg() - replace a value if it equals an expected one
 * @map: the map
 * @cmd: the caller's request; @cmd->found_len is set on -ECANCELED and
 *       -ERANGE
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL, -E2BIG, -EFAULT, -ENOMEM, -ENOENT, -ECANCELED or
 * -ERANGE.
 */
int rcumap_op_cmpxchg(struct rcumap *map, struct rcumap_cmpxchg *cmd)
{
	struct rcumap_cmpxchg_arg cx = { .expected_len = cmd->expected_len };
	struct rcumap_entry *entry;
	u32 hash = 0;
	int ret = -EINVAL;

	if (cmd->flags)
		goto out;
	ret = -E2BIG;
	if (cmd->expected_len > map->max_value_len)
		goto out;
	ret = rcumap_entry_from_user(map, cmd->key_len,
				     u64_to_user_ptr(cmd->key), cmd->value_len,
				     u64_to_user_ptr(cmd->value), &entry);
	if (ret)
		goto out;
	hash = entry->hash;

	rcumap_kbuf_init(&cx.expected, cmd->expected_len);
	rcumap_kbuf_init(&cx.found, cmd->found_len);
	ret = rcumap_kbuf_grow(&cx.expected, cmd->expected_len);
	if (!ret && copy_from_user(cx.expected.data,
				   u64_to_user_ptr(cmd->expected),
				   cmd->expected_len))
		ret = -EFAULT;
	/* As for GET: grow the buffer for the value found if it may fit. */
	while (!ret) {
		ret = map->sync->update(map, entry, RCUMAP_EXIST,
					rcumap_cmpxchg_prepare, &cx);
		if (ret != -ERANGE || cx.found_len > cmd->found_len)
			break;
		ret = rcumap_kbuf_grow(&cx.found, cx.found_len);
	}
	if (ret)
		rcumap_entry_free(entry);
	if (ret == -ECANCELED &&
	    copy_to_user(u64_to_user_ptr(cmd->found), cx.found.data,
			 cx.found_len))
		ret = -EFAULT;
	if (ret == -ECANCELED || ret == -ERANGE)
		cmd->found_len = cx.found_len;
	rcumap_kbuf_free(&cx.expected);
	rcumap_kbuf_free(&cx.found);
out:
	trace_rcumap_cmpxchg(map, NULL, hash, cmd->key_len, cmd->value_len,
			     ret);
	return ret;
}

/**
 * rcumap_op_dump() - copy whole buckets of entries to userspace
 * @map: the map
 * @cmd: the caller's request; @cmd->cursor, @cmd->buf_len and @cmd->count
 *       are updated as the UAPI describes
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL, -EFAULT, -ENOMEM, or -ERANGE if not even the first
 * bucket's records fit.
 */
int rcumap_op_dump(struct rcumap *map, struct rcumap_dump *cmd)
{
	u8 __user *ubuf = u64_to_user_ptr(cmd->buf);
	u32 written = 0, count = 0, used = 0, n;
	u32 nr_buckets = rcumap_map_nr_buckets(map);
	u64 index = cmd->cursor;
	struct rcumap_kbuf kb __uninitialized;
	int ret = 0;

	if (cmd->flags)
		return -EINVAL;
	if (index != RCUMAP_DUMP_END && index >= nr_buckets)
		return -EINVAL;

	rcumap_kbuf_init(&kb, cmd->buf_len);
	while (index < nr_buckets) {
		u32 room = cmd->buf_len - written, next = index;

		ret = rcumap_map_dump(map, &next, nr_buckets, kb.data,
				      min(kb.len, room), &used, &n);
		if (ret == -ERANGE && used <= room) {
			/* Fits the caller's buffer, not ours yet: retry. */
			ret = rcumap_kbuf_grow(&kb, used);
			if (ret)
				break;
			continue;
		}
		if (ret)
			break;
		if (used && copy_to_user(ubuf + written, kb.data, used)) {
			ret = -EFAULT;
			break;
		}
		written += used;
		count += n;
		index = next;
	}
	rcumap_kbuf_free(&kb);

	/* A bucket that does not fit ends this call, unless it is the first. */
	if (ret == -ERANGE && count)
		ret = 0;
	if (ret == -ERANGE)
		cmd->buf_len = used;
	if (ret)
		return ret;
	cmd->cursor = index >= nr_buckets ? RCUMAP_DUMP_END : index;
	cmd->buf_len = written;
	cmd->count = count;
	return 0;
}
