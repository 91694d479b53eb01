/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rcumap internals shared by the map, the ioctl layer and the statistics.
 */
#ifndef RCUMAP_H
#define RCUMAP_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/fs.h>
#include <linux/jump_label.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/rhashtable-types.h>
#include <linux/rwsem.h>
#include <linux/seqlock.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/rcumap.h>

/*
 * Memory a caller makes the map allocate: charged to the caller's memory
 * cgroup. A cgroup at its memory.max then fails the call with -ENOMEM
 * rather than invoking the OOM killer (__GFP_RETRY_MAYFAIL; see
 * try_charge_memcg()), and a failure the caller is told of needs no
 * warning in the kernel log.
 */
#define RCUMAP_GFP_USER	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/**
 * struct rcumap_entry - one key and its value
 * @node: link in the bucket's list (the bucket-table strategies)
 * @rht_node: link in the rhashtable (sync=rhashtable)
 * @rcu: defers the free until readers that may see the entry are done
 * @hash: the keyed hash of the key; compared before the key bytes
 * @key_len: bytes of key at the start of @data
 * @value_len: bytes of value following the key in @data
 * @ttl_ms: time to live after @atime, or 0: the entry does not expire
 * @atime: jiffies of the PUT or of the last GET with RCUMAP_GET_TOUCH;
 *         written by readers, so always with WRITE_ONCE() and READ_ONCE()
 * @data: the key, then the value
 *
 * The key, its lengths and time to live never change once the entry is
 * published. A PUT of a value of another length, or with a time to live,
 * publishes a new entry in the old one's place; under sync=rcu a PUT of a
 * value of the same length, at most RCUMAP_REWRITE_MAX bytes, no time to
 * live on either side (rcumap_entry_rewritable()), rewrites the value bytes
 * inside a write section of the bucket's seqcount, which saves an
 * allocation and a free after a grace period (rcumap_table_rewrite()).
 * Readers that take no lock therefore copy such a value with
 * rcumap_entry_copy(). @atime changes after publication too, a single word
 * whose writers race only to store about the same time.
 */
struct rcumap_entry {
	union {
		struct hlist_node node;
		struct rhash_head rht_node;
	};
	struct rcu_head rcu;
	u32 hash;
	u32 key_len;
	u32 value_len;
	u32 ttl_ms;
	unsigned long atime;
	u8 data[];
};

/**
 * struct rcumap_bucket - one hash chain
 * @head: entries whose hash selects this bucket; RCU for readers
 * @lock: serialises the writers of this bucket, and for sync=sharded its
 *        readers too
 * @seq: odd while a writer holding @lock rewrites a value in place
 *       (sync=rcu); its lockless readers copy values in a read section of
 *       it. A seqcount_spinlock_t, not a plain seqcount_t: lockdep checks
 *       that its writers hold @lock, and on PREEMPT_RT, where @lock sleeps
 *       and its holder can be preempted in the write section, a reader
 *       that finds the count odd takes @lock, boosting the writer, instead
 *       of spinning on it.
 */
struct rcumap_bucket {
	struct hlist_head head;
	spinlock_t lock;	/* see the strategy's lock_reader/lock_writer */
	seqcount_spinlock_t seq;
};

/* Per-CPU counters; see struct rcumap_stats in the UAPI for their meaning. */
struct rcumap_cpu_stats {
	u64 ops[RCUMAP_STATS_SLOTS];
	u64 failures[RCUMAP_STATS_SLOTS];
	u64 hits;
	u64 misses;
	u64 expired;
	s64 bytes;	/* this CPU's net change, may be negative */
};

struct rcumap;
struct rcumap_owner;

typedef int (*rcumap_prepare_fn)(struct rcumap_entry *entry,
				 const struct rcumap_entry *old, void *arg);

/**
 * struct rcumap_sync_ops - one synchronisation strategy (module parameter
 * sync=), in the manner of locktorture's lock_torture_ops
 * @name: the value of sync= that selects it; INFO and STATS report it
 * @init: set up an empty map (optional; the bucket table's by default)
 * @destroy: free the map and every entry; no caller is left
 * @update: insert or replace an entry whose key the caller has hashed,
 *          see rcumap_table_update()
 * @get: copy a value out, see rcumap_table_get()
 * @del: delete a key, see rcumap_table_del()
 * @clear: delete every entry, see rcumap_table_clear()
 * @dump_bucket: copy out one bucket, see rcumap_table_dump_bucket()
 * @dump: copy out buckets while they fit (optional; rcumap_dump_buckets()
 *        over @dump_bucket by default)
 * @nr_buckets: buckets DUMP runs over now (optional; the bucket table's
 *              number by default)
 * @reap: delete the entries whose time to live is up, and count them, see
 *        rcumap_table_reap()
 * @lock_reader: bucket table: begin a lookup in @bucket
 * @unlock_reader: bucket table: end it
 * @lock_writer: bucket table: begin a change of @bucket
 * @unlock_writer: bucket table: end it
 * @lock_held: bucket table: whether the caller holds the strategy's lock
 *             on @bucket: the lockdep condition of a chain walk (an RCU
 *             reader passes it through rcu_read_lock() instead)
 * @free_entry: bucket table: free an entry unlinked under @lock_writer
 * @rcu_readers: bucket table: @lock_reader and @unlock_reader are
 *               rcu_read_lock() and rcu_read_unlock(), which the GET path
 *               then calls inline rather than through the hooks
 * @rewrites: bucket table: a PUT that may replace a value rewrites it in
 *            place when it can, with rcumap_table_rewrite(), called
 *            directly (else a PUT always goes through @update); only for a
 *            strategy whose readers take no lock (@rcu_readers) and whose
 *            writers take the bucket's spinlock, the lock of its seqcount
 *
 * The strategies that keep the bucket table (rcu, mutex, rwlock, sharded,
 * none) differ only in the six bucket-table hooks, so the difference
 * between them is all there is to read; rhashtable and owner replace the
 * map operations themselves.
 */
struct rcumap_sync_ops {
	const char *name;
	int (*init)(struct rcumap *map);
	void (*destroy)(struct rcumap *map);
	int (*update)(struct rcumap *map, struct rcumap_entry *entry,
		      u32 flags, rcumap_prepare_fn prepare, void *arg);
	int (*get)(struct rcumap *map, const void *key, u32 key_len,
		   void *buf, u32 buf_len, u32 *value_len, bool touch);
	int (*del)(struct rcumap *map, const void *key, u32 key_len);
	u64 (*clear)(struct rcumap *map);
	int (*dump_bucket)(struct rcumap *map, u32 index, void *buf,
			   u32 buf_len, u32 *used, u32 *count);
	int (*dump)(struct rcumap *map, u32 *index, u32 end, void *buf,
		    u32 buf_len, u32 *used, u32 *count);
	u32 (*nr_buckets)(struct rcumap *map);
	u32 (*reap)(struct rcumap *map, u32 *expired);

	void (*lock_reader)(struct rcumap *map, struct rcumap_bucket *bucket);
	void (*unlock_reader)(struct rcumap *map, struct rcumap_bucket *bucket);
	void (*lock_writer)(struct rcumap *map, struct rcumap_bucket *bucket);
	void (*unlock_writer)(struct rcumap *map, struct rcumap_bucket *bucket);
	bool (*lock_held)(struct rcumap *map, struct rcumap_bucket *bucket);
	void (*free_entry)(struct rcumap_entry *entry);
	bool rcu_readers;
	bool rewrites;
};

/*
 * lockdep_is_held() for the lock_held hooks: only lockdep asks them, and
 * without it lockdep_is_held() has no definition to call.
 */
#define rcumap_lockdep_is_held(lock) \
	(!IS_ENABLED(CONFIG_LOCKDEP) || lockdep_is_held(lock))

/* The map operations of the strategies that keep the bucket table. */
#define RCUMAP_TABLE_MAP_OPS				\
	.update = rcumap_table_update,			\
	.get = rcumap_table_get,			\
	.del = rcumap_table_del,			\
	.clear = rcumap_table_clear,			\
	.dump_bucket = rcumap_table_dump_bucket,		\
	.reap = rcumap_table_reap

extern const struct rcumap_sync_ops rcumap_sync_rcu;
extern const struct rcumap_sync_ops rcumap_sync_mutex;
extern const struct rcumap_sync_ops rcumap_sync_rwlock;
extern const struct rcumap_sync_ops rcumap_sync_sharded;
extern const struct rcumap_sync_ops rcumap_sync_owner;
extern const struct rcumap_sync_ops rcumap_sync_rhashtable;
extern const struct rcumap_sync_ops rcumap_sync_none;

/* sync=rhashtable's writer locks, a power of two: see sync/rhashtable.c. */
#define RCUMAP_RHT_LOCKS	64

/**
 * struct rcumap - the one map of a loaded module, and its device
 * @sync: the synchronisation strategy
 * @buckets: the hash chains, a power of two of them (bucket table)
 * @bucket_mask: number of buckets minus one
 * @max_entries: most entries the map holds
 * @max_key_len: longest key accepted
 * @max_value_len: longest value accepted
 * @hash_key: random per load, so userspace cannot aim keys at one bucket
 * @stats: per-CPU counters, summed on read
 * @misc: the character device /dev/rcumap
 * @reaper: deletes expired entries, every @reap_ms while any may expire
 * @reap_ms: the reaper's period
 * @mutex: sync=mutex: the one lock
 * @rwsem: sync=rwlock: the one reader-writer lock
 * @owner: sync=owner: the thread that owns the table, and its requests
 * @rht: sync=rhashtable: the table
 * @rht_locks: sync=rhashtable: serialise the writers of each key, chosen by
 *             its hash (see sync/rhashtable.c)
 * @shared_hits: bug=shared_hits: GET hits, one counter for all CPUs
 * @shared_misses: bug=shared_hits: GET misses, likewise
 * @nr_entries: entries in the map; exact, as it enforces @max_entries
 *
 * Everything above @nr_entries is written once at load and only read after,
 * so lookups share those cache lines read-only; @nr_entries, written by
 * every insert and delete, sits on a cache line of its own.
 */
struct rcumap {
	const struct rcumap_sync_ops *sync;
	struct rcumap_bucket *buckets;
	u32 bucket_mask;
	u32 max_entries;
	u32 max_key_len;
	u32 max_value_len;
	hsiphash_key_t hash_key;
	struct rcumap_cpu_stats __percpu *stats;
	struct miscdevice misc;
	struct delayed_work reaper;
	unsigned int reap_ms;
	union {
		struct mutex mutex;	/* sync=mutex: the whole table */
		struct rw_semaphore rwsem;
		struct rcumap_owner *owner;
		struct {	/* sync=rhashtable */
			struct rhashtable rht;
			spinlock_t rht_locks[RCUMAP_RHT_LOCKS]; /* a key's writers */
		};
	};
	u64 shared_hits;
	u64 shared_misses;

	atomic_t nr_entries ____cacheline_aligned_in_smp;
};

/*
 * The keyed hash of a key. HalfSipHash (hsiphash: SipHash-1-3 on 64-bit) is
 * the variant Documentation/security/siphash.rst gives hashtables: keyed
 * per load, so userspace cannot aim keys at one chain, at about half the
 * rounds of siphash, which every operation pays for.
 */
static inline u32 rcumap_hash(const struct rcumap *map, const void *key,
			      u32 key_len)
{
	return hsiphash(key, key_len, &map->hash_key);
}

/* Whether @entry holds @key; the hash first, as it differs soonest. */
static inline bool rcumap_entry_matches(const struct rcumap_entry *entry,
					u32 hash, const void *key, u32 key_len)
{
	return entry->hash == hash && entry->key_len == key_len &&
	       !memcmp(entry->data, key, key_len);
}

/*
 * Values up to this length may be rewritten in place (sync=rcu). Writers
 * copy such a value under the bucket's spinlock, and a reader that a
 * rewrite overlapped copies it again under that lock: both hold it for a
 * copy of a bounded size, never one the caller chooses up to
 * max_value_len (1 MiB). Larger values are always published as new
 * entries, so they never change under a reader.
 */
#define RCUMAP_REWRITE_MAX	128

/* Whether @entry's value may be rewritten in place; fixed at publication. */
static inline bool rcumap_entry_rewritable(const struct rcumap_entry *entry)
{
	return entry->value_len <= RCUMAP_REWRITE_MAX && !entry->ttl_ms;
}

/**
 * rcumap_entry_copy() - copy bytes of an entry's data, never a torn value
 * @entry: the entry, held stable by the caller
 * @bucket: the entry's bucket when the caller holds no lock that excludes
 *          a rewrite in place (sync=rcu's readers); else NULL
 * @buf: where to
 * @offset: first byte of @entry->data
 * @len: bytes to copy
 *
 * One lockless try inside a read section of the bucket's seqcount, begun
 * with raw_read_seqcount(), which does not wait for an odd count to turn
 * even: writers back to back can keep it odd nearly all the time. If a
 * rewrite runs or overlapped the copy, it is made under the bucket's lock.
 * A reader's wait is thus bounded by the writers queued on that fair lock
 * ahead of it, each holding it for one copy of at most RCUMAP_REWRITE_MAX
 * bytes, however many writers keep rewriting the value: retrying the
 * lockless copy until no rewrite overlaps it could starve the reader, in
 * an RCU read section, for as long as the writers persist. This is
 * read_seqbegin_or_lock() for a seqcount_spinlock_t. An entry that is
 * unlinked meanwhile is not written again: its last value, current just
 * before it went, is what the copy under the lock gets.
 *
 * Always inlined: a GET's copy is on the hot path, and a call with the
 * fallback's registers saved cost a GET 22 instructions (make bench).
 *
 * Context: inside the strategy's read lock (rcu_read_lock() for sync=rcu);
 * does not sleep, except that the bucket's lock sleeps on PREEMPT_RT.
 */
static __always_inline void rcumap_entry_copy(const struct rcumap_entry *entry,
					      struct rcumap_bucket *bucket,
					      void *buf, u32 offset, u32 len)
{
	unsigned int seq;

	if (!bucket || !rcumap_entry_rewritable(entry)) {
		memcpy(buf, entry->data + offset, len);
		return;
	}
	seq = raw_read_seqcount(&bucket->seq);
	if (!(seq & 1)) {
		memcpy(buf, entry->data + offset, len);
		if (!read_seqcount_retry(&bucket->seq, seq))
			return;
	}
	spin_lock(&bucket->lock);
	memcpy(buf, entry->data + offset, len);
	spin_unlock(&bucket->lock);
}

/* table.c: the bucket table, under the strategy's bucket-table hooks */
int rcumap_table_init(struct rcumap *map);
void rcumap_table_destroy(struct rcumap *map);
int rcumap_table_update(struct rcumap *map, struct rcumap_entry *entry,
			u32 flags, rcumap_prepare_fn prepare, void *arg);
int rcumap_table_rewrite(struct rcumap *map, u32 hash, const void *key,
			 u32 key_len, const void *value, u32 value_len,
			 u32 flags);
int rcumap_table_get(struct rcumap *map, const void *key, u32 key_len,
		     void *buf, u32 buf_len, u32 *value_len, bool touch);
int rcumap_table_del(struct rcumap *map, const void *key, u32 key_len);
u64 rcumap_table_clear(struct rcumap *map);
int rcumap_table_dump_bucket(struct rcumap *map, u32 index, void *buf,
			     u32 buf_len, u32 *used, u32 *count);
u32 rcumap_table_reap(struct rcumap *map, u32 *expired);

/* entry.c: entries and the pieces every strategy shares */
struct rcumap_entry *rcumap_entry_alloc(u32 key_len, u32 value_len);
void rcumap_entry_free(struct rcumap_entry *entry);
void rcumap_entry_free_rcu(struct rcumap_entry *entry);
size_t rcumap_entry_size(const struct rcumap_entry *entry);
int rcumap_entry_decide(struct rcumap *map, struct rcumap_entry *entry,
			const struct rcumap_entry *old, u32 flags,
			rcumap_prepare_fn prepare, void *arg);
bool rcumap_entry_expired(const struct rcumap_entry *entry,
			  unsigned long now);
void rcumap_entry_dump(const struct rcumap_entry *entry,
		       struct rcumap_bucket *bucket, void *buf, u32 buf_len,
		       u32 *need, u32 *count);
void rcumap_entry_keep_ttl(struct rcumap_entry *entry,
			   const struct rcumap_entry *old);
int rcumap_dump_buckets(struct rcumap *map, u32 *index, u32 end, void *buf,
			u32 buf_len, u32 *used, u32 *count);
void rcumap_entry_replaced(struct rcumap *map, struct rcumap_entry *entry,
			   const struct rcumap_entry *old);
void rcumap_entry_removed(struct rcumap *map,
			  const struct rcumap_entry *entry);

void rcumap_table_unlocked(struct rcumap *map, struct rcumap_bucket *bucket);
void rcumap_table_lock_bucket(struct rcumap *map, struct rcumap_bucket *bucket);
void rcumap_table_unlock_bucket(struct rcumap *map,
				struct rcumap_bucket *bucket);
bool rcumap_table_bucket_locked(struct rcumap *map,
				struct rcumap_bucket *bucket);

/* expiry.c: the reaper */
void rcumap_reaper_init(struct rcumap *map, unsigned int reap_ms);
void rcumap_reaper_kick(struct rcumap *map);
void rcumap_reaper_stop(struct rcumap *map);

/* sync.c: choosing the strategy */
const struct rcumap_sync_ops *rcumap_sync_find(const char *name);

static inline int rcumap_map_init(struct rcumap *map)
{
	atomic_set(&map->nr_entries, 0);
	return map->sync->init ? map->sync->init(map) : rcumap_table_init(map);
}

static inline void rcumap_map_destroy(struct rcumap *map)
{
	if (map->sync->destroy)
		map->sync->destroy(map);
	else
		rcumap_table_destroy(map);
}

static inline int rcumap_map_dump(struct rcumap *map, u32 *index, u32 end,
				  void *buf, u32 buf_len, u32 *used,
				  u32 *count)
{
	return (map->sync->dump ?: rcumap_dump_buckets)(map, index, end, buf,
							buf_len, used, count);
}

static inline u32 rcumap_map_nr_buckets(struct rcumap *map)
{
	return map->sync->nr_buckets ? map->sync->nr_buckets(map) :
				       map->bucket_mask + 1;
}

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
 * @ttl_ms: PUT: the time to live, or 0; else 0
 */
struct rcumap_req {
	u32 flags;
	u32 key_len;
	u32 value_len;
	const void __user *key;
	void __user *value;
	u64 delta;
	u32 ttl_ms;
};

/*
 * lessons.c: the training kit's deliberate bugs, chosen by the module
 * parameter bug=; each is a static key, so a module without one pays
 * nothing for them. See docs/lessons/.
 */
enum rcumap_bug {
	RCUMAP_BUG_ADD_RMW,		/* lesson 2 */
	RCUMAP_BUG_REAPER_UNLOCKED,	/* lesson 3 */
	RCUMAP_BUG_ATIME_PLAIN,		/* lesson 4 */
	RCUMAP_BUG_SHARED_HITS,		/* lesson 5 */
	RCUMAP_BUG_GET_UNLOCKED,	/* lesson 6 */
	RCUMAP_BUG_FREE_NOW,		/* lesson 7 */
	RCUMAP_NR_BUGS,
};

extern struct static_key_false rcumap_bugs[RCUMAP_NR_BUGS];
#define rcumap_bug(bug) static_branch_unlikely(&rcumap_bugs[bug])

int rcumap_bug_enable(const char *name, const struct rcumap_sync_ops *sync);
int rcumap_table_add_racy(struct rcumap *map, struct rcumap_entry *key,
			  u64 delta, u64 *sum);

/**
 * rcumap_entry_get() - copy an entry's value into a kernel buffer
 * @entry: the entry, held stable by the caller
 * @bucket: see rcumap_entry_copy()
 * @buf: the buffer
 * @buf_len: its size
 * @value_len: out: the value's length, also on -ERANGE
 * @touch: restart the entry's time to live (RCUMAP_GET_TOUCH)
 *
 * Many readers may touch one entry at once, under no lock: the time is one
 * word, stored with a marked write so the compiler neither tears nor
 * invents stores and KCSAN knows the race is intended; which reader's
 * time wins does not matter. The value is copied by rcumap_entry_copy(),
 * never torn by a rewrite in place.
 *
 * Always inlined into the strategies' GET: the call cost a hit 24
 * instructions (make bench's instruction-counted boot), and a caller that
 * passes a NULL @bucket loses the seqcount branches.
 *
 * Context: any; does not sleep.
 * Return: 0, or -ERANGE if the value is longer than @buf_len.
 */
static __always_inline int rcumap_entry_get(struct rcumap_entry *entry,
					    struct rcumap_bucket *bucket,
					    void *buf, u32 buf_len,
					    u32 *value_len, bool touch)
{
	if (touch && entry->ttl_ms) {
		/* LESSON 4 (bug=atime_plain): a plain store instead. */
		if (rcumap_bug(RCUMAP_BUG_ATIME_PLAIN))
			entry->atime = jiffies;
		else
			WRITE_ONCE(entry->atime, jiffies);
	}
	*value_len = entry->value_len;
	if (entry->value_len > buf_len)
		return -ERANGE;
	rcumap_entry_copy(entry, bucket, buf, entry->key_len, entry->value_len);
	return 0;
}

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

void rcumap_stats_count_get_shared(struct rcumap *map, bool hit);

static inline void rcumap_stats_count_get(struct rcumap *map, bool hit)
{
	if (rcumap_bug(RCUMAP_BUG_SHARED_HITS))
		rcumap_stats_count_get_shared(map, hit);
	else if (hit)
		this_cpu_inc(map->stats->hits);
	else
		this_cpu_inc(map->stats->misses);
}

static inline void rcumap_stats_count_expired(struct rcumap *map)
{
	this_cpu_inc(map->stats->expired);
}

static inline void rcumap_stats_add_bytes(struct rcumap *map, s64 delta)
{
	this_cpu_add(map->stats->bytes, delta);
}

/* ioctl.c */
long rcumap_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* RCUMAP_H */
