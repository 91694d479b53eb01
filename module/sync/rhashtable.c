// SPDX-License-Identifier: GPL-2.0
/*
 * sync=rhashtable, the production reference: the kernel's own resizable
 * RCU hashtable, <linux/rhashtable.h>. Lookups are RCU, like sync=rcu;
 * writers take rhashtable's bucket bit-locks inside its _fast calls.
 *
 * rhashtable offers no "decide under the bucket lock" hook, so an update
 * is optimistic: look the key up under RCU, decide (flags, ADD, CMPXCHG)
 * against what was found, then publish only if that is still what the
 * table holds (rhashtable_replace_fast() of the entry found, or an insert
 * that fails if the key appeared) and otherwise decide again. RCU keeps the
 * entry found from being freed and reused meanwhile, so "still there" is
 * exact.
 *
 * The table starts sized for max_entries (or for as much of it as
 * rhashtable's 16-bit size hint allows) and never shrinks. A DUMP cursor is
 * a bucket index of the current table, so, unlike the bucket table, this
 * strategy keeps DUMP's exactly-once promise only while the table does not
 * grow: a DUMP that runs across a resize (over about 98304 entries) may
 * repeat or miss entries, because every new table rehashes with a new seed.
 */
#include <linux/jhash.h>
#include <linux/rhashtable.h>

#include "../rcumap.h"

/* What a lookup hashes and compares: the key and its hash. */
struct rcumap_rht_key {
	const void *key;
	u32 key_len;
	u32 hash;
};

/* Mix rhashtable's seed into the keyed hash, so a rehash moves chains. */
static u32 rcumap_rht_hashfn(const void *data, u32 len, u32 seed)
{
	const struct rcumap_rht_key *k = data;

	return jhash_1word(k->hash, seed);
}

static u32 rcumap_rht_obj_hashfn(const void *data, u32 len, u32 seed)
{
	const struct rcumap_entry *entry = data;

	return jhash_1word(entry->hash, seed);
}

static int rcumap_rht_obj_cmpfn(struct rhashtable_compare_arg *arg,
				const void *obj)
{
	const struct rcumap_rht_key *k = arg->key;

	return !rcumap_entry_matches(obj, k->hash, k->key, k->key_len);
}

static const struct rhashtable_params rcumap_rht_params = {
	.head_offset = offsetof(struct rcumap_entry, rht_node),
	.hashfn = rcumap_rht_hashfn,
	.obj_hashfn = rcumap_rht_obj_hashfn,
	.obj_cmpfn = rcumap_rht_obj_cmpfn,
};

static struct rcumap_entry *rcumap_rht_lookup(struct rcumap *map,
					      const struct rcumap_rht_key *k)
{
	return rhashtable_lookup(&map->rht, k, rcumap_rht_params);
}

/* The bucket array; under rcu_read_lock(). It never resizes, see above. */
static const struct bucket_table *rcumap_rht_table(struct rcumap *map)
{
	return rht_dereference_rcu(map->rht.tbl, &map->rht);
}

static int rcumap_rht_init(struct rcumap *map)
{
	struct rhashtable_params params = rcumap_rht_params;
	int ret;

	params.nelem_hint = min(map->max_entries, U16_MAX);
	params.automatic_shrinking = false;
	ret = rhashtable_init(&map->rht, &params);
	if (ret)
		return ret;
	get_random_bytes(&map->hash_key, sizeof(map->hash_key));
	return 0;
}

/* DUMP runs over the buckets of the table as it is now. */
static u32 rcumap_rht_nr_buckets(struct rcumap *map)
{
	u32 size;

	rcu_read_lock();
	size = rcumap_rht_table(map)->size;
	rcu_read_unlock();
	return size;
}

static void rcumap_rht_free(void *ptr, void *arg)
{
	rcumap_entry_free(ptr);
}

static void rcumap_rht_destroy(struct rcumap *map)
{
	rhashtable_free_and_destroy(&map->rht, rcumap_rht_free, NULL);
}

/* See the comment at the top: decide, then publish if nothing changed. */
static int rcumap_rht_update(struct rcumap *map, struct rcumap_entry *entry,
			     u32 flags, rcumap_prepare_fn prepare, void *arg)
{
	struct rcumap_rht_key k = {
		.key = entry->data,
		.key_len = entry->key_len,
		.hash = entry->hash,
	};
	struct rcumap_entry *old;
	bool raced;
	int ret;

	do {
		rcu_read_lock();
		old = rcumap_rht_lookup(map, &k);
		ret = rcumap_entry_decide(map, entry, old, flags, prepare, arg);
		raced = false;
		if (!ret && old) {
			ret = rhashtable_replace_fast(&map->rht, &old->rht_node,
						      &entry->rht_node,
						      rcumap_rht_params);
			raced = ret == -ENOENT;
		} else if (!ret) {
			ret = rhashtable_lookup_insert_key(&map->rht, &k,
							   &entry->rht_node,
							   rcumap_rht_params);
			raced = ret == -EEXIST;
			if (ret)
				atomic_dec(&map->nr_entries);
		}
		if (!ret) {
			rcumap_entry_replaced(map, entry, old);
			if (old)
				rcumap_entry_free_rcu(old);
		}
		rcu_read_unlock();
	} while (raced);
	return ret;
}

static int rcumap_rht_get(struct rcumap *map, const void *key, u32 key_len,
			  void *buf, u32 buf_len, u32 *value_len, bool touch)
{
	struct rcumap_rht_key k = {
		.key = key,
		.key_len = key_len,
		.hash = rcumap_hash(map, key, key_len),
	};
	struct rcumap_entry *entry;
	int ret = -ENOENT;

	rcu_read_lock();
	entry = rcumap_rht_lookup(map, &k);
	if (entry)
		ret = rcumap_entry_get(entry, buf, buf_len, value_len, touch);
	rcu_read_unlock();
	return ret;
}

/* Unlink @entry unless another writer did first; under rcu_read_lock(). */
static bool rcumap_rht_remove(struct rcumap *map, struct rcumap_entry *entry)
{
	if (rhashtable_remove_fast(&map->rht, &entry->rht_node,
				   rcumap_rht_params))
		return false;
	rcumap_entry_removed(map, entry);
	rcumap_entry_free_rcu(entry);
	return true;
}

static int rcumap_rht_del(struct rcumap *map, const void *key, u32 key_len)
{
	struct rcumap_rht_key k = {
		.key = key,
		.key_len = key_len,
		.hash = rcumap_hash(map, key, key_len),
	};
	struct rcumap_entry *entry;
	bool removed;

	/* Lost a race with a replacement: delete what replaced it. */
	do {
		rcu_read_lock();
		entry = rcumap_rht_lookup(map, &k);
		removed = entry && rcumap_rht_remove(map, entry);
		rcu_read_unlock();
	} while (entry && !removed);
	return entry ? 0 : -ENOENT;
}

static u64 rcumap_rht_clear(struct rcumap *map)
{
	const struct bucket_table *tbl;
	struct rcumap_entry *entry;
	struct rhash_head *pos;
	u64 removed = 0;
	u32 i;

	for (i = 0; i < rcumap_rht_nr_buckets(map); i++) {
		rcu_read_lock();
		tbl = rcumap_rht_table(map);
		rht_for_each_entry_rcu(entry, pos, tbl, i, rht_node)
			removed += rcumap_rht_remove(map, entry);
		rcu_read_unlock();
		cond_resched();
	}
	return removed;
}

/* The reaper: like CLEAR, but only what has expired. */
static u32 rcumap_rht_reap(struct rcumap *map, u32 *expired)
{
	const struct bucket_table *tbl;
	struct rcumap_entry *entry;
	struct rhash_head *pos;
	unsigned long now;
	u32 i, mortal = 0;

	*expired = 0;
	for (i = 0; i < rcumap_rht_nr_buckets(map); i++) {
		rcu_read_lock();
		tbl = rcumap_rht_table(map);
		now = jiffies;
		rht_for_each_entry_rcu(entry, pos, tbl, i, rht_node) {
			if (!rcumap_entry_expired(entry, now)) {
				mortal += !!entry->ttl_ms;
			} else if (rcumap_rht_remove(map, entry)) {
				rcumap_stats_count_expired(map);
				(*expired)++;
			}
		}
		rcu_read_unlock();
		cond_resched();
	}
	return mortal;
}

static int rcumap_rht_dump_bucket(struct rcumap *map, u32 index, void *buf,
				  u32 buf_len, u32 *used, u32 *count)
{
	const struct bucket_table *tbl;
	struct rcumap_entry *entry;
	struct rhash_head *pos;

	*used = 0;
	*count = 0;
	rcu_read_lock();
	tbl = rcumap_rht_table(map);
	if (index < tbl->size)
		rht_for_each_entry_rcu(entry, pos, tbl, index, rht_node)
			rcumap_entry_dump(entry, buf, buf_len, used, count);
	rcu_read_unlock();
	return *used > buf_len ? -ERANGE : 0;
}

const struct rcumap_sync_ops rcumap_sync_rhashtable = {
	.name = "rhashtable",
	.init = rcumap_rht_init,
	.destroy = rcumap_rht_destroy,
	.update = rcumap_rht_update,
	.get = rcumap_rht_get,
	.del = rcumap_rht_del,
	.clear = rcumap_rht_clear,
	.dump_bucket = rcumap_rht_dump_bucket,
	.nr_buckets = rcumap_rht_nr_buckets,
	.reap = rcumap_rht_reap,
};
