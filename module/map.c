// SPDX-License-Identifier: GPL-2.0
/*
 * The map: a fixed array of hash chains. Lookups walk a chain under
 * rcu_read_lock() alone, so they take no lock, do no atomic operation and
 * write nothing shared. Writers serialise on the bucket's spinlock, publish
 * a complete new entry with one pointer store and free the entry they
 * replaced or deleted only after a grace period, when no reader can still
 * hold it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "rcumap.h"

static u32 rcumap_hash(const struct rcumap *map, const void *key, u32 key_len)
{
	return siphash(key, key_len, &map->hash_key);
}

static struct rcumap_bucket *rcumap_bucket(struct rcumap *map, u32 hash)
{
	return &map->buckets[hash & map->bucket_mask];
}

static size_t rcumap_entry_size(const struct rcumap_entry *entry)
{
	return struct_size(entry, data, entry->key_len + entry->value_len);
}

/*
 * Find @key in @bucket. Readers call this under rcu_read_lock(), writers
 * with the bucket lock held; the lockdep condition accepts either.
 */
static struct rcumap_entry *rcumap_bucket_find(struct rcumap_bucket *bucket,
					       u32 hash, const void *key,
					       u32 key_len)
{
	struct rcumap_entry *entry;

	hlist_for_each_entry_rcu(entry, &bucket->head, node,
				 lockdep_is_held(&bucket->lock)) {
		if (entry->hash == hash && entry->key_len == key_len &&
		    !memcmp(entry->data, key, key_len))
			return entry;
	}
	return NULL;
}

/**
 * rcumap_map_init() - allocate an empty map
 * @map: the map, with max_entries, max_key_len and max_value_len set
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int rcumap_map_init(struct rcumap *map)
{
	u32 i, nr_buckets = roundup_pow_of_two(map->max_entries);

	/* The size comes from a module parameter: fail quietly, say it once. */
	map->buckets = kvcalloc(nr_buckets, sizeof(*map->buckets),
				GFP_KERNEL | __GFP_NOWARN);
	if (!map->buckets) {
		pr_err("cannot allocate %u buckets for max_entries=%u\n",
		       nr_buckets, map->max_entries);
		return -ENOMEM;
	}
	for (i = 0; i < nr_buckets; i++) {
		INIT_HLIST_HEAD(&map->buckets[i].head);
		spin_lock_init(&map->buckets[i].lock);
	}
	map->bucket_mask = nr_buckets - 1;
	atomic_set(&map->nr_entries, 0);
	get_random_bytes(&map->hash_key, sizeof(map->hash_key));
	return 0;
}

/**
 * rcumap_map_destroy() - free the map and every entry in it
 * @map: the map; nothing may use it any more
 *
 * With the device gone and no file open, no reader is left, so entries are
 * freed at once. Entries replaced or deleted earlier may still wait in
 * kvfree_rcu(); that runs no module code, so the module text may go first.
 *
 * Context: process context, may sleep.
 */
void rcumap_map_destroy(struct rcumap *map)
{
	struct rcumap_entry *entry;
	struct hlist_node *next;
	u32 i;

	if (!map->buckets)
		return;
	for (i = 0; i <= map->bucket_mask; i++) {
		hlist_for_each_entry_safe(entry, next, &map->buckets[i].head, node)
			kvfree(entry);
		cond_resched();
	}
	kvfree(map->buckets);
	map->buckets = NULL;
}

/**
 * rcumap_entry_alloc() - allocate an unpublished entry
 * @key_len: bytes of key
 * @value_len: bytes of value
 *
 * One allocation holds the header, key and value, charged to the caller's
 * memory cgroup: the caller decides how much the map holds.
 *
 * Context: process context, may sleep.
 * Return: the entry with its lengths set and its data uninitialised, or NULL.
 */
struct rcumap_entry *rcumap_entry_alloc(u32 key_len, u32 value_len)
{
	struct rcumap_entry *entry;

	entry = kvmalloc(struct_size(entry, data, key_len + value_len),
			 GFP_KERNEL_ACCOUNT);
	if (entry) {
		entry->key_len = key_len;
		entry->value_len = value_len;
	}
	return entry;
}

/* Free an entry that was never published. */
void rcumap_entry_free(struct rcumap_entry *entry)
{
	kvfree(entry);
}

/**
 * rcumap_map_update() - insert or replace an entry
 * @map: the map
 * @entry: an entry from rcumap_entry_alloc() with its key filled in; the map
 *         owns it on success
 * @flags: RCUMAP_ANY, RCUMAP_NOEXIST or RCUMAP_EXIST
 * @prepare: NULL when @entry is complete; else called with the bucket lock
 *           held and the entry about to be replaced (NULL if the key is
 *           absent) to finish @entry from it, or to refuse the update with
 *           an error, which is returned
 * @arg: passed to @prepare
 *
 * A replacement takes the old entry's place in the chain with a single
 * pointer store (hlist_replace_rcu()), after the new entry is complete: a
 * concurrent reader finds either the old or the new value, never neither.
 * Deciding and publishing under one lock hold is what makes ADD and
 * CMPXCHG atomic.
 *
 * Context: process context; takes the bucket lock.
 * Return: 0, -EEXIST, -ENOENT, -ENOSPC or an error of @prepare; on error
 * the map is unchanged and @entry still belongs to the caller.
 */
int rcumap_map_update(struct rcumap *map, struct rcumap_entry *entry,
		      u32 flags, rcumap_prepare_fn prepare, void *arg)
{
	struct rcumap_bucket *bucket;
	struct rcumap_entry *old;
	s64 delta = rcumap_entry_size(entry);
	int ret = 0;

	entry->hash = rcumap_hash(map, entry->data, entry->key_len);
	bucket = rcumap_bucket(map, entry->hash);

	spin_lock(&bucket->lock);
	old = rcumap_bucket_find(bucket, entry->hash, entry->data,
				 entry->key_len);
	if (old ? flags == RCUMAP_NOEXIST : flags == RCUMAP_EXIST)
		ret = old ? -EEXIST : -ENOENT;
	else if (prepare)
		ret = prepare(entry, old, arg);
	if (!ret && !old &&
	    !atomic_add_unless(&map->nr_entries, 1, map->max_entries))
		ret = -ENOSPC;
	if (!ret) {
		if (old)
			hlist_replace_rcu(&old->node, &entry->node);
		else
			hlist_add_head_rcu(&entry->node, &bucket->head);
	}
	spin_unlock(&bucket->lock);
	if (ret)
		return ret;

	if (old) {
		delta -= rcumap_entry_size(old);
		kvfree_rcu(old, rcu);
	}
	rcumap_stats_add_bytes(map, delta);
	return 0;
}

/**
 * rcumap_map_get() - copy a value out of the map
 * @map: the map
 * @key: the key, in kernel memory
 * @key_len: its length
 * @buf: kernel buffer for the value
 * @buf_len: size of @buf
 * @value_len: out: the value's length, also on -ERANGE
 *
 * The copy is made inside the RCU read-side section into kernel memory; the
 * caller copies to userspace after it, because a user copy can fault and
 * sleep.
 *
 * Context: any context that may enter an RCU read-side section.
 * Return: 0, -ENOENT, or -ERANGE if the value is longer than @buf_len.
 */
int rcumap_map_get(struct rcumap *map, const void *key, u32 key_len,
		   void *buf, u32 buf_len, u32 *value_len)
{
	u32 hash = rcumap_hash(map, key, key_len);
	struct rcumap_entry *entry;
	int ret = -ENOENT;

	rcu_read_lock();
	entry = rcumap_bucket_find(rcumap_bucket(map, hash), hash, key, key_len);
	if (entry) {
		*value_len = entry->value_len;
		ret = -ERANGE;
		if (entry->value_len <= buf_len) {
			memcpy(buf, entry->data + key_len, entry->value_len);
			ret = 0;
		}
	}
	rcu_read_unlock();
	return ret;
}

/* Unlink @entry from its bucket, whose lock is held, and free it later. */
static void rcumap_bucket_remove(struct rcumap *map, struct rcumap_entry *entry)
{
	hlist_del_rcu(&entry->node);
	atomic_dec(&map->nr_entries);
	rcumap_stats_add_bytes(map, -(s64)rcumap_entry_size(entry));
	kvfree_rcu(entry, rcu);
}

/**
 * rcumap_map_del() - delete a key
 * @map: the map
 * @key: the key, in kernel memory
 * @key_len: its length
 *
 * Context: process context; takes the bucket lock.
 * Return: 0 or -ENOENT.
 */
int rcumap_map_del(struct rcumap *map, const void *key, u32 key_len)
{
	u32 hash = rcumap_hash(map, key, key_len);
	struct rcumap_bucket *bucket = rcumap_bucket(map, hash);
	struct rcumap_entry *entry;

	spin_lock(&bucket->lock);
	entry = rcumap_bucket_find(bucket, hash, key, key_len);
	if (entry)
		rcumap_bucket_remove(map, entry);
	spin_unlock(&bucket->lock);
	return entry ? 0 : -ENOENT;
}

/**
 * rcumap_map_clear() - delete every entry
 * @map: the map
 *
 * One bucket at a time, so writers elsewhere in the map carry on; an entry
 * inserted into a bucket already cleared survives.
 *
 * Context: process context, may sleep.
 * Return: the number of entries deleted.
 */
u64 rcumap_map_clear(struct rcumap *map)
{
	struct rcumap_entry *entry;
	struct hlist_node *next;
	u64 removed = 0;
	u32 i;

	for (i = 0; i <= map->bucket_mask; i++) {
		struct rcumap_bucket *bucket = &map->buckets[i];

		spin_lock(&bucket->lock);
		hlist_for_each_entry_safe(entry, next, &bucket->head, node) {
			rcumap_bucket_remove(map, entry);
			removed++;
		}
		spin_unlock(&bucket->lock);
		cond_resched();
	}
	return removed;
}

/* Bytes a DUMP record of @entry takes: header, key, value, padding. */
static u32 rcumap_dump_rec_size(const struct rcumap_entry *entry)
{
	return ALIGN(sizeof(struct rcumap_dump_rec) + entry->key_len +
		     entry->value_len, 8);
}

/**
 * rcumap_map_dump_bucket() - copy one bucket's entries as DUMP records
 * @map: the map
 * @index: the bucket, at most bucket_mask
 * @buf: kernel buffer for the records
 * @buf_len: size of @buf
 * @used: out: bytes written, or on -ERANGE bytes needed
 * @count: out: records written
 *
 * The whole bucket is read in one RCU read-side section, so an entry that
 * stays in the map is copied exactly once, and a replaced one once, old or
 * new. Padding is zeroed: @buf goes to userspace.
 *
 * Context: any context that may enter an RCU read-side section.
 * Return: 0, or -ERANGE if the bucket's records do not fit in @buf_len;
 * then @buf holds only some of them.
 */
int rcumap_map_dump_bucket(struct rcumap *map, u32 index, void *buf,
			   u32 buf_len, u32 *used, u32 *count)
{
	struct rcumap_bucket *bucket = &map->buckets[index];
	struct rcumap_entry *entry;
	u64 need = 0;
	u32 n = 0;

	/* One pass: a second one could meet entries the first did not. */
	rcu_read_lock();
	hlist_for_each_entry_rcu(entry, &bucket->head, node) {
		struct rcumap_dump_rec *rec = buf + need;
		u32 size = rcumap_dump_rec_size(entry);
		u32 data_len = entry->key_len + entry->value_len;

		if (need + size <= buf_len) {
			rec->key_len = entry->key_len;
			rec->value_len = entry->value_len;
			memcpy(rec + 1, entry->data, data_len);
			memset((void *)(rec + 1) + data_len, 0,
			       size - sizeof(*rec) - data_len);
			n++;
		}
		need += size;
	}
	rcu_read_unlock();
	*used = min_t(u64, need, U32_MAX);
	*count = n;
	return need > buf_len ? -ERANGE : 0;
}
