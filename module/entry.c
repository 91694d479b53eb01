// SPDX-License-Identifier: GPL-2.0
/*
 * Entries, and the steps of each operation that are the same whatever the
 * synchronisation strategy: hashing, matching a key, deciding whether an
 * update may go ahead, copying a value or a DUMP record out, and the
 * accounting of entries and bytes. A strategy only chooses where these run.
 */
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "rcumap.h"

size_t rcumap_entry_size(const struct rcumap_entry *entry)
{
	return struct_size(entry, data, entry->key_len + entry->value_len);
}

/**
 * rcumap_entry_alloc() - allocate an unpublished entry
 * @key_len: bytes of key
 * @value_len: bytes of value
 *
 * One allocation holds the header, key and value, charged to the caller's
 * memory cgroup: the caller decides how much the map holds (RCUMAP_GFP_USER).
 *
 * Context: process context, may sleep.
 * Return: the entry with its lengths set and its data uninitialised, or NULL.
 */
struct rcumap_entry *rcumap_entry_alloc(u32 key_len, u32 value_len)
{
	struct rcumap_entry *entry;

	entry = kvmalloc(struct_size(entry, data, key_len + value_len),
			 RCUMAP_GFP_USER);
	if (entry) {
		entry->key_len = key_len;
		entry->value_len = value_len;
		entry->ttl_ms = 0;
	}
	return entry;
}

/*
 * Free an entry no reader can hold: never published, or unlinked under a
 * lock that may sleep, as kvfree() of a vmalloc()ed entry may (under a
 * spinlock, see sync/sharded.c).
 */
void rcumap_entry_free(struct rcumap_entry *entry)
{
	kvfree(entry);
}

/* Free an entry once the readers that may still hold it are done. */
void rcumap_entry_free_rcu(struct rcumap_entry *entry)
{
	/*
	 * LESSON 7 (bug=free_now): free it now, while a lockless reader
	 * may still be copying it; KASAN reports the use after free.
	 */
	if (rcumap_bug(RCUMAP_BUG_FREE_NOW)) {
		kvfree(entry);
		return;
	}
	kvfree_rcu(entry, rcu);
}

/**
 * rcumap_entry_decide() - whether @entry may replace @old or be inserted
 * @map: the map
 * @entry: the new entry, with its key
 * @old: the entry holding the key now, or NULL
 * @flags: RCUMAP_ANY, RCUMAP_NOEXIST or RCUMAP_EXIST
 * @prepare: NULL, or finishes @entry from @old or refuses the update
 * @arg: passed to @prepare
 *
 * Called where the strategy has made @old stable; an insert takes its
 * place under max_entries here, so a caller that then fails to link
 * @entry must give it back with atomic_dec(&map->nr_entries). The entry's
 * time to live starts now unless @prepare keeps @old's
 * (rcumap_entry_keep_ttl()).
 *
 * Context: whatever the strategy's write side allows; does not sleep.
 * Return: 0, -EEXIST, -ENOENT, -ENOSPC or the error of @prepare.
 */
int rcumap_entry_decide(struct rcumap *map, struct rcumap_entry *entry,
			const struct rcumap_entry *old, u32 flags,
			rcumap_prepare_fn prepare, void *arg)
{
	int ret;

	if (old ? flags == RCUMAP_NOEXIST : flags == RCUMAP_EXIST)
		return old ? -EEXIST : -ENOENT;
	/* Not yet published: no reader to race with. */
	entry->atime = jiffies;
	if (prepare) {
		ret = prepare(entry, old, arg);
		if (ret)
			return ret;
	}
	if (!old && !atomic_add_unless(&map->nr_entries, 1, map->max_entries))
		return -ENOSPC;
	return 0;
}

/**
 * rcumap_entry_keep_ttl() - give a new entry the time to live of the one it
 * replaces, as ADD and CMPXCHG do
 * @entry: the new entry, not yet published
 * @old: the entry it replaces, held stable by the caller
 *
 * The time to live runs on from @old's PUT or last touching GET: only
 * those restart it (the UAPI's rule), so a counter ADDed more often than
 * its time to live still expires. @old's @atime may be stored by a
 * touching GET meanwhile, hence READ_ONCE().
 *
 * Context: a prepare hook of rcumap_entry_decide().
 */
void rcumap_entry_keep_ttl(struct rcumap_entry *entry,
			   const struct rcumap_entry *old)
{
	entry->ttl_ms = old->ttl_ms;
	entry->atime = READ_ONCE(old->atime);
}

/* Account for @entry having replaced @old (NULL: been inserted). */
void rcumap_entry_replaced(struct rcumap *map, struct rcumap_entry *entry,
			   const struct rcumap_entry *old)
{
	s64 delta = rcumap_entry_size(entry);

	if (old)
		delta -= rcumap_entry_size(old);
	rcumap_stats_add_bytes(map, delta);
}

/* Account for @entry having been unlinked. */
void rcumap_entry_removed(struct rcumap *map, const struct rcumap_entry *entry)
{
	atomic_dec(&map->nr_entries);
	rcumap_stats_add_bytes(map, -(s64)rcumap_entry_size(entry));
}

/**
 * rcumap_dump_buckets() - copy whole buckets as DUMP records, while they fit
 * @map: the map
 * @index: in, the first bucket; out, the first bucket not copied
 * @end: the number of buckets
 * @buf: kernel buffer for the records
 * @buf_len: its size
 * @used: out: bytes written, or on -ERANGE bytes the first bucket needs
 * @count: out: records written
 *
 * Stops at the first bucket that does not fit in what is left of @buf,
 * each bucket read whole by the strategy's dump_bucket.
 *
 * Context: process context, may sleep between buckets.
 * Return: 0, or -ERANGE if not even the first bucket with records fits.
 */
int rcumap_dump_buckets(struct rcumap *map, u32 *index, u32 end, void *buf,
			u32 buf_len, u32 *used, u32 *count)
{
	u32 need, n;

	*used = 0;
	*count = 0;
	for (; *index < end; (*index)++) {
		if (map->sync->dump_bucket(map, *index, buf + *used,
					   buf_len - *used, &need, &n)) {
			if (*used)
				return 0;
			*used = need;
			return -ERANGE;
		}
		*used += need;
		*count += n;
		cond_resched();
	}
	return 0;
}

/**
 * rcumap_entry_expired() - whether an entry's time to live is up
 * @entry: the entry
 * @now: jiffies
 *
 * Context: any; the caller holds @entry stable.
 * Return: true if the entry has a time to live and it has passed.
 */
bool rcumap_entry_expired(const struct rcumap_entry *entry, unsigned long now)
{
	return entry->ttl_ms &&
	       time_after(now, READ_ONCE(entry->atime) +
			       msecs_to_jiffies(entry->ttl_ms));
}

/* Bytes a DUMP record of @entry takes: header, key, value, padding. */
static u32 rcumap_dump_rec_size(const struct rcumap_entry *entry)
{
	return ALIGN(sizeof(struct rcumap_dump_rec) + entry->key_len +
		     entry->value_len, 8);
}

/**
 * rcumap_entry_dump() - append an entry's DUMP record to a kernel buffer
 * @entry: the entry, held stable by the caller
 * @bucket: see rcumap_entry_copy()
 * @buf: the buffer
 * @buf_len: its size
 * @need: in and out: bytes the records so far take, written or not
 * @count: in and out: records written
 *
 * A record that does not fit is not written but still counted in @need,
 * which then tells the caller how big a buffer the bucket needs. Padding
 * is zeroed: @buf goes to userspace.
 *
 * Context: any; does not sleep.
 */
void rcumap_entry_dump(const struct rcumap_entry *entry,
		       struct rcumap_bucket *bucket, void *buf, u32 buf_len,
		       u32 *need, u32 *count)
{
	u32 size = rcumap_dump_rec_size(entry);
	u32 data_len = entry->key_len + entry->value_len;
	struct rcumap_dump_rec *rec = buf + *need;

	if ((u64)*need + size <= buf_len) {
		rec->key_len = entry->key_len;
		rec->value_len = entry->value_len;
		rcumap_entry_copy(entry, bucket, rec + 1, 0, data_len);
		memset((void *)(rec + 1) + data_len, 0,
		       size - sizeof(*rec) - data_len);
		(*count)++;
	}
	*need = min_t(u64, (u64)*need + size, U32_MAX);
}
