/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rcumap internals shared by the map, the ioctl layer and the statistics.
 */
#ifndef RCUMAP_H
#define RCUMAP_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/rcumap.h>

/**
 * struct rcumap_entry - one key and its value, immutable once published
 * @node: link in the bucket's RCU list
 * @rcu: defers the free until readers that may see the entry are done
 * @hash: the keyed hash of the key; compared before the key bytes
 * @key_len: bytes of key at the start of @data
 * @value_len: bytes of value following the key in @data
 * @data: the key, then the value
 *
 * A PUT never changes an entry in place: it publishes a new one, so readers
 * need no lock to see a consistent key and value.
 */
struct rcumap_entry {
	struct hlist_node node;
	struct rcu_head rcu;
	u32 hash;
	u32 key_len;
	u32 value_len;
	u8 data[];
};

/**
 * struct rcumap_bucket - one hash chain
 * @head: entries whose hash selects this bucket; RCU for readers
 * @lock: serialises the writers of this bucket
 */
struct rcumap_bucket {
	struct hlist_head head;
	spinlock_t lock;	/* serialises the writers of @head */
};

/* Per-CPU counters; see struct rcumap_stats in the UAPI for their meaning. */
struct rcumap_cpu_stats {
	u64 ops[RCUMAP_STATS_SLOTS];
	u64 failures[RCUMAP_STATS_SLOTS];
	u64 hits;
	u64 misses;
	s64 bytes;	/* this CPU's net change, may be negative */
};

/**
 * struct rcumap - the one map of a loaded module, and its device
 * @buckets: the hash chains, a power of two of them
 * @bucket_mask: number of buckets minus one
 * @max_entries: most entries the map holds
 * @max_key_len: longest key accepted
 * @max_value_len: longest value accepted
 * @hash_key: random per load, so userspace cannot aim keys at one bucket
 * @stats: per-CPU counters, summed on read
 * @misc: the character device /dev/rcumap
 * @nr_entries: entries in the map; exact, as it enforces @max_entries
 *
 * Everything above @nr_entries is written once at load and only read after,
 * so lookups share those cache lines read-only; @nr_entries, written by
 * every insert and delete, sits on a cache line of its own.
 */
struct rcumap {
	struct rcumap_bucket *buckets;
	u32 bucket_mask;
	u32 max_entries;
	u32 max_key_len;
	u32 max_value_len;
	siphash_key_t hash_key;
	struct rcumap_cpu_stats __percpu *stats;
	struct miscdevice misc;

	atomic_t nr_entries ____cacheline_aligned_in_smp;
};

/* The synchronisation discipline of this map, as RCUMAP_IOC_INFO names it. */
#define RCUMAP_STRATEGY_NAME "rcu"

/* map.c */
int rcumap_map_init(struct rcumap *map);
void rcumap_map_destroy(struct rcumap *map);
struct rcumap_entry *rcumap_entry_alloc(u32 key_len, u32 value_len);
void rcumap_entry_free(struct rcumap_entry *entry);
typedef int (*rcumap_prepare_fn)(struct rcumap_entry *entry,
				 const struct rcumap_entry *old, void *arg);
int rcumap_map_update(struct rcumap *map, struct rcumap_entry *entry,
		      u32 flags, rcumap_prepare_fn prepare, void *arg);
int rcumap_map_get(struct rcumap *map, const void *key, u32 key_len,
		   void *buf, u32 buf_len, u32 *value_len);
int rcumap_map_del(struct rcumap *map, const void *key, u32 key_len);
u64 rcumap_map_clear(struct rcumap *map);
int rcumap_map_dump_bucket(struct rcumap *map, u32 index, void *buf,
			   u32 buf_len, u32 *used, u32 *count);

static inline u32 rcumap_map_entries(struct rcumap *map)
{
	return atomic_read(&map->nr_entries);
}

/**
 * struct rcumap_req - one GET, PUT, DEL or ADD, from its own ioctl or BATCH
 * @flags: the operation's flags
 * @key_len: length of the key
 * @value_len: PUT: length of the value; GET: in, size of the buffer at
 *             @value, out, length of the value; DEL, ADD: 0
 * @key: the key
 * @value: PUT: the value; GET: the buffer; DEL, ADD: NULL
 * @delta: ADD: in, the amount to add, out, the new value; else 0
 */
struct rcumap_req {
	u32 flags;
	u32 key_len;
	u32 value_len;
	const void __user *key;
	void __user *value;
	u64 delta;
};

/* ops.c */
int rcumap_op_get(struct rcumap *map, struct rcumap_req *req);
int rcumap_op_put(struct rcumap *map, struct rcumap_req *req);
int rcumap_op_del(struct rcumap *map, struct rcumap_req *req);
int rcumap_op_add(struct rcumap *map, struct rcumap_req *req);
int rcumap_op_cmpxchg(struct rcumap *map, struct rcumap_cmpxchg *cmd);
int rcumap_op_dump(struct rcumap *map, struct rcumap_dump *cmd);

/* batch.c */
int rcumap_op_batch(struct rcumap *map, struct rcumap_batch *cmd);

/* stats.c */
int rcumap_stats_init(struct rcumap *map);
void rcumap_stats_destroy(struct rcumap *map);
void rcumap_stats_snapshot(struct rcumap *map, struct rcumap_stats *out);

static inline void rcumap_stats_count_op(struct rcumap *map, unsigned int nr,
					 bool failed)
{
	this_cpu_inc(map->stats->ops[nr]);
	if (failed)
		this_cpu_inc(map->stats->failures[nr]);
}

static inline void rcumap_stats_count_get(struct rcumap *map, bool hit)
{
	if (hit)
		this_cpu_inc(map->stats->hits);
	else
		this_cpu_inc(map->stats->misses);
}

static inline void rcumap_stats_add_bytes(struct rcumap *map, s64 delta)
{
	this_cpu_add(map->stats->bytes, delta);
}

/* ioctl.c */
long rcumap_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* RCUMAP_H */
