// SPDX-License-Identifier: GPL-2.0
/*
 * The bucket table: a fixed array of hash chains, shared by the strategies
 * rcu, mutex, rwlock, sharded and none. Which lock a lookup or a change of
 * a bucket takes, and when an unlinked entry may be freed, is the
 * strategy's (its bucket-table hooks); everything else is here, once.
 *
 * Chains are RCU lists whatever the strategy: writers publish a complete
 * entry with one pointer store, so the sync=rcu readers, which take no
 * lock, always see a consistent key and value; under a lock the RCU list
 * primitives cost nothing extra worth measuring.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kcsan-checks.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "rcumap.h"

static struct rcumap_bucket *rcumap_bucket(struct rcumap *map, u32 hash)
{
	return &map->buckets[hash & map->bucket_mask];
}

/*
 * Find @key in @bucket, between the strategy's lock_reader and unlock_reader
 * or lock_writer and unlock_writer. The lockdep condition accepts a writer;
 * an RCU reader passes the check through rcu_read_lock().
 */
static struct rcumap_entry *rcumap_bucket_find(struct rcumap *map,
					       struct rcumap_bucket *bucket,
					       u32 hash, const void *key,
					       u32 key_len)
{
	struct rcumap_entry *entry;

	hlist_for_each_entry_rcu(entry, &bucket->head, node,
				 map->sync->lock_held(map, bucket)) {
		if (rcumap_entry_matches(entry, hash, key, key_len))
			return entry;
	}
	return NULL;
}

/* Whether @entry is linked in @bucket; under the bucket's spinlock. */
static bool rcumap_bucket_holds(struct rcumap_bucket *bucket,
				const struct rcumap_entry *entry)
{
	struct rcumap_entry *pos;

	hlist_for_each_entry_rcu(pos, &bucket->head, node,
				 lockdep_is_held(&bucket->lock)) {
		if (pos == entry)
			return true;
	}
	return false;
}

/* The lock hooks of a strategy whose table needs no lock, or gets none. */
void rcumap_table_unlocked(struct rcumap *map, struct rcumap_bucket *bucket)
{
}

/* The bucket's own spinlock: sync=rcu's writers, and all of sync=sharded. */
void rcumap_table_lock_bucket(struct rcumap *map, struct rcumap_bucket *bucket)
	__acquires(&bucket->lock)
{
	spin_lock(&bucket->lock);
}

void rcumap_table_unlock_bucket(struct rcumap *map,
				struct rcumap_bucket *bucket)
	__releases(&bucket->lock)
{
	spin_unlock(&bucket->lock);
}

bool rcumap_table_bucket_locked(struct rcumap *map,
				struct rcumap_bucket *bucket)
{
	return rcumap_lockdep_is_held(&bucket->lock);
}

/**
 * rcumap_table_init() - allocate an empty bucket table
 * @map: the map, with max_entries set
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int rcumap_table_init(struct rcumap *map)
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
		seqcount_spinlock_init(&map->buckets[i].seq,
				       &map->buckets[i].lock);
	}
	map->bucket_mask = nr_buckets - 1;
	get_random_bytes(&map->hash_key, sizeof(map->hash_key));
	return 0;
}

/**
 * rcumap_table_destroy() - free the bucket table and every entry in it
 * @map: the map; nothing may use it any more
 *
 * With the device gone and no file open, no reader is left, so entries are
 * freed at once. Entries replaced or deleted earlier may still wait in
 * kvfree_rcu(); that runs no module code, so the module text may go first.
 * Safe to call twice, and on a table that was never allocated.
 *
 * Context: process context, may sleep.
 */
void rcumap_table_destroy(struct rcumap *map)
{
	struct rcumap_entry *entry;
	struct hlist_node *next;
	u32 i;

	if (!map->buckets)
		return;
	for (i = 0; i <= map->bucket_mask; i++) {
		hlist_for_each_entry_safe(entry, next, &map->buckets[i].head, node)
			rcumap_entry_free(entry);
		cond_resched();
	}
	kvfree(map->buckets);
	map->buckets = NULL;
}

/*
 * Under the bucket's write lock: decide, then link @entry in place of @old
 * (found by the caller) or at the head of the chain. The caller frees @old
 * after: once freed, its memory may be another entry's, which a writer of
 * another bucket may rightly write while the assertions below still hold.
 */
static int rcumap_bucket_publish(struct rcumap *map,
				 struct rcumap_bucket *bucket,
				 struct rcumap_entry *entry,
				 struct rcumap_entry *old, u32 flags,
				 rcumap_prepare_fn prepare, void *arg)
{
	/*
	 * The write lock makes this the one writer of the links it is about
	 * to rewrite, from the lookup to the store. Tell KCSAN, which then
	 * reports any other writer of them meanwhile (sync=none, the lessons'
	 * unlocked reaper) before the damage shows.
	 */
	ASSERT_EXCLUSIVE_WRITER_SCOPED(bucket->head.first);
	ASSERT_EXCLUSIVE_WRITER_SCOPED(*(old ? &old->node.pprev :
					 &entry->node.pprev));
	int ret = rcumap_entry_decide(map, entry, old, flags, prepare, arg);

	if (ret)
		return ret;
	if (old)
		hlist_replace_rcu(&old->node, &entry->node);
	else
		hlist_add_head_rcu(&entry->node, &bucket->head);
	rcumap_entry_replaced(map, entry, old);
	return 0;
}

/**
 * rcumap_table_update() - insert or replace an entry
 * @map: the map
 * @entry: an entry from rcumap_entry_alloc() with its key and its hash
 *         filled in; the map owns it on success
 * @flags: RCUMAP_ANY, RCUMAP_NOEXIST or RCUMAP_EXIST
 * @prepare: NULL when @entry is complete; else called under the bucket's
 *           write lock with the entry about to be replaced (NULL if the key
 *           is absent) to finish @entry from it, or to refuse the update
 *           with an error, which is returned
 * @arg: passed to @prepare
 *
 * A replacement takes the old entry's place in the chain with a single
 * pointer store (hlist_replace_rcu()), after the new entry is complete: a
 * concurrent reader finds either the old or the new value, never neither.
 * Deciding and publishing under one hold of the write lock is what makes
 * ADD and CMPXCHG atomic.
 *
 * Context: process context; takes the strategy's write lock.
 * Return: 0, -EEXIST, -ENOENT, -ENOSPC or an error of @prepare; on error
 * the map is unchanged and @entry still belongs to the caller.
 */
int rcumap_table_update(struct rcumap *map, struct rcumap_entry *entry,
			u32 flags, rcumap_prepare_fn prepare, void *arg)
{
	const struct rcumap_sync_ops *sync = map->sync;
	struct rcumap_bucket *bucket;
	struct rcumap_entry *old;
	int ret;

	bucket = rcumap_bucket(map, entry->hash);

	sync->lock_writer(map, bucket);
	old = rcumap_bucket_find(map, bucket, entry->hash, entry->data,
				 entry->key_len);
	ret = rcumap_bucket_publish(map, bucket, entry, old, flags, prepare,
				    arg);
	if (!ret && old)
		sync->free_entry(old);
	sync->unlock_writer(map, bucket);
	return ret;
}

/**
 * rcumap_table_rewrite() - replace a value with one of the same length
 * @map: the map
 * @hash: rcumap_hash() of @key
 * @key: the key, in kernel memory
 * @key_len: its length
 * @value: the new value, in kernel memory, at most RCUMAP_REWRITE_MAX bytes
 * @value_len: its length
 * @flags: RCUMAP_ANY or RCUMAP_EXIST (RCUMAP_NOEXIST is the caller's to
 *         send to @update)
 *
 * The PUT that replaces a short value with one as long, the common one,
 * copies the bytes over the old ones under the bucket's write lock, inside
 * a write section of the bucket's seqcount: no allocation, and no free
 * after a grace period, which a new entry costs twice over (the
 * benchmark's "where the time goes"). Readers that take no lock copy such
 * values with rcumap_entry_copy().
 *
 * A lockless look comes first, so that a PUT that cannot rewrite (the key
 * absent, another length, a time to live) goes to @update without having
 * taken the bucket's lock: an insert takes it once. RCU keeps the entry
 * the look found from being freed until the rewrite is done, so under the
 * lock it is enough to check that the entry is still in the chain, by its
 * address. A PUT with RCUMAP_EXIST of a key the look did not find fails
 * there: the key was absent at that moment. Hence only for a strategy
 * whose readers use RCU (sync=rcu), whose write lock is the bucket's
 * spinlock: the lock the seqcount is tied to, taken here directly rather
 * than through the strategy's hook (two indirect calls a PUT need not
 * pay), and which lockdep checks against the seqcount.
 *
 * Context: process context; takes the bucket's lock.
 * Return: 0 when rewritten; -ENOENT for RCUMAP_EXIST on a missing key;
 * -EAGAIN when the key is absent or its entry cannot be rewritten: the
 * caller publishes a new entry with @update.
 */
int rcumap_table_rewrite(struct rcumap *map, u32 hash, const void *key,
			 u32 key_len, const void *value, u32 value_len,
			 u32 flags)
{
	struct rcumap_bucket *bucket = rcumap_bucket(map, hash);
	struct rcumap_entry *entry;
	int ret = -EAGAIN;

	rcu_read_lock();
	entry = rcumap_bucket_find(map, bucket, hash, key, key_len);
	if (!entry && flags == RCUMAP_EXIST) {
		ret = -ENOENT;
	} else if (entry && entry->value_len == value_len &&
		   rcumap_entry_rewritable(entry)) {
		spin_lock(&bucket->lock);
		if (rcumap_bucket_holds(bucket, entry)) {
			write_seqcount_begin(&bucket->seq);
			memcpy(entry->data + key_len, value, value_len);
			write_seqcount_end(&bucket->seq);
			ret = 0;
		}
		spin_unlock(&bucket->lock);
	}
	rcu_read_unlock();
	return ret;
}

/**
 * rcumap_table_get() - copy a value out of the map
 * @map: the map
 * @key: the key, in kernel memory
 * @key_len: its length
 * @buf: kernel buffer for the value
 * @buf_len: size of @buf
 * @value_len: out: the value's length, also on -ERANGE
 * @touch: restart the entry's time to live
 *
 * The copy is made under the strategy's read lock into kernel memory; the
 * caller copies to userspace after it, because a user copy can fault and
 * sleep.
 *
 * Context: process context; takes the strategy's read lock.
 * Return: 0, -ENOENT, or -ERANGE if the value is longer than @buf_len.
 */
int rcumap_table_get(struct rcumap *map, const void *key, u32 key_len,
		     void *buf, u32 buf_len, u32 *value_len, bool touch)
{
	const struct rcumap_sync_ops *sync = map->sync;
	u32 hash = rcumap_hash(map, key, key_len);
	struct rcumap_bucket *bucket = rcumap_bucket(map, hash);
	struct rcumap_entry *entry;
	int ret = -ENOENT;

	/*
	 * LESSON 6 (bug=get_unlocked): walk the chain with no read lock, so
	 * a writer may free the entry under us; with sync=rcu, lockdep's RCU
	 * list check reports "suspicious RCU usage" in rcumap_bucket_find().
	 */
	if (rcumap_bug(RCUMAP_BUG_GET_UNLOCKED)) {
		entry = rcumap_bucket_find(map, bucket, hash, key, key_len);
		return entry ? rcumap_entry_get(entry, bucket, buf, buf_len,
						value_len, touch) : -ENOENT;
	}

	/*
	 * sync=rcu's reader hooks are rcu_read_lock() and rcu_read_unlock():
	 * called here inline, every GET makes two indirect calls fewer.
	 */
	if (sync->rcu_readers) {
		rcu_read_lock();
		entry = rcumap_bucket_find(map, bucket, hash, key, key_len);
		if (entry)
			ret = rcumap_entry_get(entry, bucket, buf, buf_len,
					       value_len, touch);
		rcu_read_unlock();
		return ret;
	}
	/* A lock that excludes writers: no rewrite can overlap the copy. */
	sync->lock_reader(map, bucket);
	entry = rcumap_bucket_find(map, bucket, hash, key, key_len);
	if (entry)
		ret = rcumap_entry_get(entry, NULL, buf, buf_len, value_len,
				       touch);
	sync->unlock_reader(map, bucket);
	return ret;
}

/**
 * rcumap_table_add_racy() - LESSON 2 (bug=add_rmw): ADD as a plain read,
 * then a plain write, of the counter in place
 * @map: the map
 * @key: an entry holding the key and its hash
 * @delta: the amount to add
 * @sum: out: the value written
 *
 * Only the read lock is held, so two callers can read the same old value
 * and both write old + their own delta: one update is lost, and KCSAN
 * reports the race. The correct ADD decides and publishes a new entry
 * under the bucket's write lock (rcumap_table_update() with a prepare
 * hook); a lock-free one would need atomic64_add_return() on a counter
 * that nothing else writes.
 *
 * Context: process context; takes the strategy's read lock.
 * Return: 0, -ENOENT (the caller then creates the counter the correct
 * way) or -EMSGSIZE.
 */
int rcumap_table_add_racy(struct rcumap *map, struct rcumap_entry *key,
			  u64 delta, u64 *sum)
{
	struct rcumap_bucket *bucket = rcumap_bucket(map, key->hash);
	struct rcumap_entry *entry;
	int ret = -ENOENT;
	u64 *counter;

	map->sync->lock_reader(map, bucket);
	entry = rcumap_bucket_find(map, bucket, key->hash, key->data,
				   key->key_len);
	if (entry && entry->value_len != sizeof(*counter)) {
		ret = -EMSGSIZE;
	} else if (entry) {
		counter = (u64 *)(entry->data + entry->key_len);
		*sum = *counter + delta;
		*counter = *sum;
		ret = 0;
	}
	map->sync->unlock_reader(map, bucket);
	return ret;
}

/*
 * Unlink @entry from @bucket and free it. Only under the bucket's write
 * lock, which lockdep checks: a caller without it (the lessons' unlocked
 * reaper) is reported at its first call, before two writers meet in a
 * chain and corrupt it, which is how KCSAN would see it.
 */
static void rcumap_bucket_remove(struct rcumap *map,
				 struct rcumap_bucket *bucket,
				 struct rcumap_entry *entry)
{
	lockdep_assert_once(map->sync->lock_held(map, bucket));
	hlist_del_rcu(&entry->node);
	rcumap_entry_removed(map, entry);
	map->sync->free_entry(entry);
}

/**
 * rcumap_table_del() - delete a key
 * @map: the map
 * @key: the key, in kernel memory
 * @key_len: its length
 *
 * Context: process context; takes the strategy's write lock.
 * Return: 0 or -ENOENT.
 */
int rcumap_table_del(struct rcumap *map, const void *key, u32 key_len)
{
	u32 hash = rcumap_hash(map, key, key_len);
	struct rcumap_bucket *bucket = rcumap_bucket(map, hash);
	struct rcumap_entry *entry;

	map->sync->lock_writer(map, bucket);
	entry = rcumap_bucket_find(map, bucket, hash, key, key_len);
	if (entry)
		rcumap_bucket_remove(map, bucket, entry);
	map->sync->unlock_writer(map, bucket);
	return entry ? 0 : -ENOENT;
}

/**
 * rcumap_table_clear() - delete every entry
 * @map: the map
 *
 * One bucket at a time, so writers elsewhere in the map carry on; an entry
 * inserted into a bucket already cleared survives.
 *
 * Context: process context, may sleep.
 * Return: the number of entries deleted.
 */
u64 rcumap_table_clear(struct rcumap *map)
{
	struct rcumap_entry *entry;
	struct hlist_node *next;
	u64 removed = 0;
	u32 i;

	for (i = 0; i <= map->bucket_mask; i++) {
		struct rcumap_bucket *bucket = &map->buckets[i];

		map->sync->lock_writer(map, bucket);
		hlist_for_each_entry_safe(entry, next, &bucket->head, node) {
			rcumap_bucket_remove(map, bucket, entry);
			removed++;
		}
		map->sync->unlock_writer(map, bucket);
		cond_resched();
	}
	return removed;
}

/**
 * rcumap_table_dump_bucket() - copy one bucket's entries as DUMP records
 * @map: the map
 * @index: the bucket, at most bucket_mask
 * @buf: kernel buffer for the records
 * @buf_len: size of @buf
 * @used: out: bytes written, or on -ERANGE bytes needed
 * @count: out: records written
 *
 * The whole bucket is read under one hold of the read lock, so an entry
 * that stays in the map is copied exactly once, and a replaced one once,
 * old or new.
 *
 * Context: process context; takes the strategy's read lock.
 * Return: 0, or -ERANGE if the bucket's records do not fit in @buf_len;
 * then @buf holds only some of them.
 */
int rcumap_table_dump_bucket(struct rcumap *map, u32 index, void *buf,
			     u32 buf_len, u32 *used, u32 *count)
{
	struct rcumap_bucket *bucket = &map->buckets[index];
	/* Only RCU readers can see a rewrite in place: see rcumap_entry_copy(). */
	struct rcumap_bucket *unlocked = map->sync->rcu_readers ? bucket : NULL;
	struct rcumap_entry *entry;

	*used = 0;
	*count = 0;
	/* One pass: a second one could meet entries the first did not. */
	map->sync->lock_reader(map, bucket);
	hlist_for_each_entry_rcu(entry, &bucket->head, node,
				 map->sync->lock_held(map, bucket))
		rcumap_entry_dump(entry, unlocked, buf, buf_len, used, count);
	map->sync->unlock_reader(map, bucket);
	return *used > buf_len ? -ERANGE : 0;
}

/**
 * rcumap_table_reap() - delete every entry whose time to live is up
 * @map: the map
 * @expired: out: the entries deleted
 *
 * A bucket at a time under its write lock, like CLEAR, so it races with
 * nothing: a writer replacing an entry the reaper is about to delete
 * either goes first (and the reaper sees the new entry) or waits.
 *
 * Context: process context, may sleep; the reaper's work.
 * Return: the entries left that may still expire.
 */
u32 rcumap_table_reap(struct rcumap *map, u32 *expired)
{
	/* LESSON 3 (bug=reaper_unlocked): the cleaner takes no lock. */
	bool unlocked = rcumap_bug(RCUMAP_BUG_REAPER_UNLOCKED);
	struct rcumap_entry *entry;
	struct hlist_node *next;
	u32 i, mortal = 0;

	*expired = 0;
	for (i = 0; i <= map->bucket_mask; i++) {
		struct rcumap_bucket *bucket = &map->buckets[i];
		unsigned long now = jiffies;

		/* A lockless peek: what it misses waits for the next round. */
		if (hlist_empty(&bucket->head))
			continue;
		if (!unlocked)
			map->sync->lock_writer(map, bucket);
		hlist_for_each_entry_safe(entry, next, &bucket->head, node) {
			if (rcumap_entry_expired(entry, now)) {
				rcumap_bucket_remove(map, bucket, entry);
				rcumap_stats_count_expired(map);
				(*expired)++;
			} else if (entry->ttl_ms) {
				mortal++;
			}
		}
		if (!unlocked)
			map->sync->unlock_writer(map, bucket);
		cond_resched();
	}
	return mortal;
}
