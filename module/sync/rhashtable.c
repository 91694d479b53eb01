// SPDX-License-Identifier: GPL-2.0
/*
 * sync=rhashtable, the production reference: the kernel's own resizable
 * RCU hashtable, <linux/rhashtable.h>. Lookups are RCU, like sync=rcu;
 * rhashtable's bucket bit-locks, taken inside its _fast calls, keep its
 * chains whole.
 *
 * rhashtable offers no "decide under the bucket lock" hook, so the writers
 * of one key are serialised by one of RCUMAP_RHT_LOCKS spinlocks chosen by
 * the key's hash: under it, an update looks the key up, decides (flags,
 * ADD, CMPXCHG, a slot under max_entries) against what it found, and
 * publishes (rhashtable_replace_fast() of the entry found, or an insert),
 * and a removal unlinks and gives back the slot, so what the update found
 * is still what the table holds when it publishes, and a PUT never fails
 * -ENOSPC for the slot of its own key that another writer held for a
 * moment. Readers take none of these locks.
 *
 * The table starts sized for max_entries (or for as much of it as
 * rhashtable's 16-bit size hint allows), grows by itself as it fills, in
 * rhashtable's worker, and never shrinks. While it grows, entries move
 * from the table to its future table, so CLEAR and the reaper visit them
 * with rhashtable's walker, which follows the move, never by bucket index.
 * A DUMP cursor is a bucket index of the current table, so, unlike the
 * bucket table, this strategy keeps DUMP's exactly-once promise only while
 * the table does not grow: a DUMP that runs across a resize (past about
 * 98304 entries) may repeat or miss entries, because every new table
 * rehashes with a new seed.
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

/* The bucket array now; under rcu_read_lock(). It may grow, see above. */
static const struct bucket_table *rcumap_rht_table(struct rcumap *map)
{
	return rht_dereference_rcu(map->rht.tbl, &map->rht);
}

static int rcumap_rht_init(struct rcumap *map)
{
	struct rhashtable_params params = rcumap_rht_params;
	int i, ret;

	params.nelem_hint = min(map->max_entries, U16_MAX);
	params.automatic_shrinking = false;
	ret = rhashtable_init(&map->rht, &params);
	if (ret)
		return ret;
	for (i = 0; i < RCUMAP_RHT_LOCKS; i++)
		spin_lock_init(&map->rht_locks[i]);
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

/* The lock of the writers of keys with hash @hash. */
static spinlock_t *rcumap_rht_lock(struct rcumap *map, u32 hash)
{
	return &map->rht_locks[hash & (RCUMAP_RHT_LOCKS - 1)];
}

/* See the comment at the top: decide and publish under the key's lock. */
static int rcumap_rht_update(struct rcumap *map, struct rcumap_entry *entry,
			     u32 flags, rcumap_prepare_fn prepare, void *arg)
{
	struct rcumap_rht_key k = {
		.key = entry->data,
		.key_len = entry->key_len,
		.hash = entry->hash,
	};
	spinlock_t *lock = rcumap_rht_lock(map, entry->hash);
	struct rcumap_entry *old;
	int ret;

	spin_lock(lock);
	rcu_read_lock();
	old = rcumap_rht_lookup(map, &k);
	ret = rcumap_entry_decide(map, entry, old, flags, prepare, arg);
	if (!ret && old) {
		ret = rhashtable_replace_fast(&map->rht, &old->rht_node,
					      &entry->rht_node,
					      rcumap_rht_params);
	} else if (!ret) {
		ret = rhashtable_lookup_insert_key(&map->rht, &k,
						   &entry->rht_node,
						   rcumap_rht_params);
		if (ret)
			atomic_dec(&map->nr_entries);
		/*
		 * -EBUSY: a chain grew too long while the table could not
		 * grow (its worker is behind, or a GFP_ATOMIC table failed).
		 * For the caller that is memory the kernel could not get now.
		 */
		if (ret == -EBUSY)
			ret = -ENOMEM;
	}
	if (!ret) {
		rcumap_entry_replaced(map, entry, old);
		if (old)
			rcumap_entry_free_rcu(old);
	}
	rcu_read_unlock();
	spin_unlock(lock);
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
		ret = rcumap_entry_get(entry, NULL, buf, buf_len, value_len,
				       touch);
	rcu_read_unlock();
	return ret;
}

/*
 * Unlink @entry and give back its slot, unless a writer of its key did
 * first; under its key's lock and rcu_read_lock(). Returns whether this
 * call unlinked it.
 */
static bool rcumap_rht_unlink(struct rcumap *map, struct rcumap_entry *entry)
{
	if (rhashtable_remove_fast(&map->rht, &entry->rht_node,
				   rcumap_rht_params))
		return false;
	rcumap_entry_removed(map, entry);
	rcumap_entry_free_rcu(entry);
	return true;
}

/* rcumap_rht_unlink() under the key's lock; under rcu_read_lock(). */
static bool rcumap_rht_remove(struct rcumap *map, struct rcumap_entry *entry)
{
	spinlock_t *lock = rcumap_rht_lock(map, entry->hash);
	bool removed;

	spin_lock(lock);
	removed = rcumap_rht_unlink(map, entry);
	spin_unlock(lock);
	return removed;
}

static int rcumap_rht_del(struct rcumap *map, const void *key, u32 key_len)
{
	struct rcumap_rht_key k = {
		.key = key,
		.key_len = key_len,
		.hash = rcumap_hash(map, key, key_len),
	};
	spinlock_t *lock = rcumap_rht_lock(map, k.hash);
	struct rcumap_entry *entry;

	spin_lock(lock);
	rcu_read_lock();
	entry = rcumap_rht_lookup(map, &k);
	/* Found under the key's lock: no other writer can unlink it first. */
	if (entry)
		WARN_ON_ONCE(!rcumap_rht_unlink(map, entry));
	rcu_read_unlock();
	spin_unlock(lock);
	return entry ? 0 : -ENOENT;
}

/* Entries a walk visits between two reschedules. */
#define RCUMAP_RHT_WALK_BATCH	64

/**
 * rcumap_rht_walk() - visit every entry, the ones moved by a resize too
 * @map: the map
 * @visit: called with each entry under rcu_read_lock(); it may unlink it
 * @arg: passed to @visit
 *
 * rhashtable's walker follows the table into its future table while it
 * grows, and rewinds (-EAGAIN) when a resize replaced the table it was
 * in: an entry present throughout is visited at least once, some maybe
 * twice. The walk stops every RCUMAP_RHT_WALK_BATCH entries to reschedule,
 * so it holds up no grace period for long. The walker resumes after the
 * entry it visited last, or, when that one is gone, as many entries into
 * the chain as it had visited there: after @visit unlinked entries that
 * count is too many, and entries behind them would be skipped, so the
 * walk resumes at the start of the chain instead.
 *
 * Context: process context, may sleep.
 */
static void rcumap_rht_walk(struct rcumap *map,
			    void (*visit)(struct rcumap *map,
					  struct rcumap_entry *entry,
					  void *arg),
			    void *arg)
{
	struct rhashtable_iter iter;
	struct rcumap_entry *entry;
	unsigned int n = 0;

	rhashtable_walk_enter(&map->rht, &iter);
	rhashtable_walk_start(&iter);
	for (;;) {
		entry = rhashtable_walk_next(&iter);
		if (IS_ERR(entry))	/* -EAGAIN: rewound after a resize */
			continue;
		if (!entry)
			break;
		visit(map, entry, arg);
		if (++n % RCUMAP_RHT_WALK_BATCH)
			continue;
		iter.p = NULL;
		iter.skip = 0;
		rhashtable_walk_stop(&iter);
		cond_resched();
		rhashtable_walk_start(&iter);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

static void rcumap_rht_clear_one(struct rcumap *map,
				 struct rcumap_entry *entry, void *arg)
{
	u64 *removed = arg;

	*removed += rcumap_rht_remove(map, entry);
}

static u64 rcumap_rht_clear(struct rcumap *map)
{
	u64 removed = 0;

	rcumap_rht_walk(map, rcumap_rht_clear_one, &removed);
	return removed;
}

struct rcumap_rht_reap {
	u32 expired;
	u32 mortal;
};

static void rcumap_rht_reap_one(struct rcumap *map, struct rcumap_entry *entry,
				void *arg)
{
	struct rcumap_rht_reap *reap = arg;

	if (!rcumap_entry_expired(entry, jiffies)) {
		/* Maybe counted twice after a rewind: only "any left" matters. */
		reap->mortal += !!entry->ttl_ms;
	} else if (rcumap_rht_remove(map, entry)) {
		rcumap_stats_count_expired(map);
		reap->expired++;
	}
}

/* The reaper: like CLEAR, but only what has expired. */
static u32 rcumap_rht_reap(struct rcumap *map, u32 *expired)
{
	struct rcumap_rht_reap reap = {};

	rcumap_rht_walk(map, rcumap_rht_reap_one, &reap);
	*expired = reap.expired;
	return reap.mortal;
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
			rcumap_entry_dump(entry, NULL, buf, buf_len, used,
					  count);
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
