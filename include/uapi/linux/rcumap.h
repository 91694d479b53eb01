/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * rcumap: an RCU-protected hashtable behind the ioctl device /dev/rcumap.
 *
 * Every argument struct starts with a __u32 size that the caller sets to
 * sizeof() the struct it was built against; the kernel reads the struct with
 * copy_struct_from_user(), so structs can grow at the end without new ioctl
 * numbers. The size encoded in the ioctl number is not checked, the size
 * field is. Every flags and reserved field, and every flag bit not defined
 * here, must be zero; keys and values are passed as user pointers in __u64.
 *
 * Keys are 1..max_key_len bytes, values 0..max_value_len bytes, both opaque
 * byte strings (module parameters max_key_len, default 256, and
 * max_value_len, default 65536; RCUMAP_INFO reports the values in force).
 *
 * Errors (returned as -1 with errno set; on any error the map is unchanged):
 *
 *   EFAULT  a struct, key or value pointer is not accessible
 *   EINVAL  size too small, a flags/reserved field or unknown flag bit set,
 *           key_len 0, or a value given to RCUMAP_IOC_DEL
 *   E2BIG   key_len or value_len over the limit; or size larger than this
 *           kernel knows with non-zero bytes past the known struct; or
 *           size larger than a page (refused before the struct is read,
 *           as clone3(2) does)
 *   EEXIST  RCUMAP_IOC_PUT with RCUMAP_NOEXIST on a present key
 *   ENOENT  RCUMAP_IOC_PUT with RCUMAP_EXIST, RCUMAP_IOC_GET or
 *           RCUMAP_IOC_DEL on a missing key
 *   ENOSPC  RCUMAP_IOC_PUT of a new key into a map holding max_entries
 *   ERANGE  RCUMAP_IOC_GET with a buffer smaller than the value; value_len
 *           is set to the length needed, as getxattr(2) does
 *   ENOMEM  the kernel could not allocate memory (with sync=rhashtable,
 *           also: its table could not grow at once; worth a retry)
 *   ENOTTY  unknown ioctl command
 *   EPERM   RCUMAP_IOC_CLEAR on an fd whose opener lacked CAP_SYS_ADMIN
 *           (the capability is the opener's, not the caller's)
 *   EMSGSIZE RCUMAP_IOC_ADD on a key whose value is not 8 bytes
 *   ECANCELED RCUMAP_IOC_CMPXCHG found a value other than the expected
 *           one; the current value is returned as by RCUMAP_IOC_GET
 *   ERANGE  also RCUMAP_IOC_DUMP with a buffer too small for the next
 *           bucket's records; buf_len is set to the size needed
 *
 * The magic number 0xBC is unused in
 * Documentation/userspace-api/ioctl/ioctl-number.rst (Linux 6.12).
 */
#ifndef _UAPI_LINUX_RCUMAP_H
#define _UAPI_LINUX_RCUMAP_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define RCUMAP_ABI_VERSION	2
#define RCUMAP_IOC_MAGIC	0xBC

/* Ceilings for the max_key_len and max_value_len module parameters. */
#define RCUMAP_KEY_LEN_LIMIT	256
#define RCUMAP_VALUE_LEN_LIMIT	(1U << 20)

#define RCUMAP_STRATEGY_LEN	16
#define RCUMAP_STATS_SLOTS	16

/* Command numbers; also the index of a command in rcumap_stats.ops[]. */
enum rcumap_cmd {
	RCUMAP_CMD_INFO = 1,
	RCUMAP_CMD_PUT,
	RCUMAP_CMD_GET,
	RCUMAP_CMD_DEL,
	RCUMAP_CMD_CLEAR,
	RCUMAP_CMD_STATS,
	RCUMAP_CMD_ADD,
	RCUMAP_CMD_CMPXCHG,
	RCUMAP_CMD_DUMP,
	RCUMAP_CMD_BATCH,
};

/* RCUMAP_IOC_PUT flags: the same values and meaning as BPF_ANY & co. */
#define RCUMAP_ANY	0	/* create a new key or replace an existing one */
#define RCUMAP_NOEXIST	1	/* create only: -EEXIST if the key is present */
#define RCUMAP_EXIST	2	/* replace only: -ENOENT if the key is missing */

/**
 * struct rcumap_info - RCUMAP_IOC_INFO: the map's limits and state
 * @size: sizeof(struct rcumap_info)
 * @flags: must be 0
 * @abi_version: out: RCUMAP_ABI_VERSION of the module
 * @max_key_len: out: longest key accepted, in bytes
 * @max_value_len: out: longest value accepted, in bytes
 * @max_entries: out: most entries the map holds
 * @entries: out: entries in the map now
 * @strategy: out: NUL-terminated name of the synchronisation strategy
 * @buckets: out: buckets in the table now: DUMP cursors run below it
 *
 * @buckets came with ABI version 2.
 */
struct rcumap_info {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 max_key_len;
	__u32 max_value_len;
	__u32 max_entries;
	__u64 entries;
	__u8 strategy[RCUMAP_STRATEGY_LEN];
	__u64 buckets;
};

/* RCUMAP_IOC_GET flags */
#define RCUMAP_GET_TOUCH 1	/* restart the time to live of the entry */

/**
 * struct rcumap_elem - RCUMAP_IOC_PUT, RCUMAP_IOC_GET and RCUMAP_IOC_DEL
 * @size: sizeof(struct rcumap_elem)
 * @flags: PUT: one of RCUMAP_ANY, RCUMAP_NOEXIST, RCUMAP_EXIST; GET: 0 or
 *         RCUMAP_GET_TOUCH; DEL: 0
 * @key_len: length of the key, 1..max_key_len
 * @value_len: PUT: length of the value; GET: in: size of the buffer at
 *             @value, out: length of the value (also on -ERANGE); DEL: 0
 * @key: user pointer to the key
 * @value: user pointer to the value (PUT) or the buffer (GET); DEL: 0
 * @ttl_ms: PUT: 0, or the entry's time to live in milliseconds; else 0
 * @reserved: must be 0
 *
 * An entry PUT with a time to live is deleted once @ttl_ms have passed
 * since its PUT or its last GET with RCUMAP_GET_TOUCH: not earlier, and
 * at most about reap_ms (a module parameter) later, by the module's
 * reaper. Nothing else restarts it: ADD and CMPXCHG keep both the time
 * to live and the moment it started from; PUT sets it anew.
 * @ttl_ms and @reserved came with ABI version 2; a caller built for
 * version 1 passes the smaller struct and gets entries that never expire.
 */
struct rcumap_elem {
	__u32 size;
	__u32 flags;
	__u32 key_len;
	__u32 value_len;
	__u64 key;
	__u64 value;
	__u32 ttl_ms;
	__u32 reserved;
};

/**
 * struct rcumap_clear - RCUMAP_IOC_CLEAR: delete every entry
 * @size: sizeof(struct rcumap_clear)
 * @flags: must be 0
 * @removed: out: number of entries this call deleted
 *
 * Not atomic: entries added while CLEAR runs may survive it.
 */
struct rcumap_clear {
	__u32 size;
	__u32 flags;
	__u64 removed;
};

/**
 * struct rcumap_stats - RCUMAP_IOC_STATS: counters since the module loaded
 * @size: sizeof(struct rcumap_stats)
 * @flags: must be 0
 * @ops: calls by command number (enum rcumap_cmd), including failed ones
 * @failures: calls that returned an error, by command number
 * @hits: RCUMAP_IOC_GET calls that found their key
 * @misses: RCUMAP_IOC_GET calls that did not
 * @entries: entries in the map
 * @bytes: memory held by entries (headers, keys and values), in bytes
 * @strategy: NUL-terminated name of the synchronisation strategy, as in
 *            struct rcumap_info
 * @expired: entries the reaper deleted because their time to live was up
 *
 * @strategy and @expired came with ABI version 2.
 *
 * The counters are per CPU and summed on read, so a snapshot taken while
 * other threads run is not atomic.
 */
struct rcumap_stats {
	__u32 size;
	__u32 flags;
	__u64 ops[RCUMAP_STATS_SLOTS];
	__u64 failures[RCUMAP_STATS_SLOTS];
	__u64 hits;
	__u64 misses;
	__u64 entries;
	__u64 bytes;
	__u8 strategy[RCUMAP_STRATEGY_LEN];
	__u64 expired;
};

/**
 * struct rcumap_add - RCUMAP_IOC_ADD: atomically add to an 8-byte counter
 * @size: sizeof(struct rcumap_add)
 * @flags: RCUMAP_ANY, RCUMAP_NOEXIST or RCUMAP_EXIST, as for PUT
 * @key_len: length of the key
 * @reserved: must be 0
 * @key: user pointer to the key
 * @delta: the signed (two's complement) 64-bit amount to add; an absent
 *         key is created with this value
 * @value: out: the counter's new value
 *
 * The counter is a native-endian __u64 value of exactly 8 bytes; any other
 * length fails with -EMSGSIZE. Sums wrap around.
 */
struct rcumap_add {
	__u32 size;
	__u32 flags;
	__u32 key_len;
	__u32 reserved;
	__u64 key;
	__u64 delta;
	__u64 value;
};

/**
 * struct rcumap_cmpxchg - RCUMAP_IOC_CMPXCHG: replace a value if it is as
 * expected
 * @size: sizeof(struct rcumap_cmpxchg)
 * @flags: must be 0
 * @key_len: length of the key
 * @expected_len: length of the expected value
 * @value_len: length of the new value
 * @found_len: in: size of the buffer at @found; out, on -ECANCELED or
 *             -ERANGE: length of the value found
 * @key: user pointer to the key
 * @expected: user pointer to the value the key must hold
 * @value: user pointer to the new value
 * @found: user pointer to a buffer for the value found on mismatch
 *
 * -ENOENT if the key is missing; -ECANCELED if its value differs from the
 * expected one, with that value copied to @found; -ERANGE instead if it
 * does not fit there.
 */
struct rcumap_cmpxchg {
	__u32 size;
	__u32 flags;
	__u32 key_len;
	__u32 expected_len;
	__u32 value_len;
	__u32 found_len;
	__u64 key;
	__u64 expected;
	__u64 value;
	__u64 found;
};

/**
 * struct rcumap_dump_rec - one entry in the RCUMAP_IOC_DUMP buffer
 * @key_len: bytes of key following this header
 * @value_len: bytes of value following the key
 *
 * The next record starts at the next multiple of 8 bytes.
 */
struct rcumap_dump_rec {
	__u32 key_len;
	__u32 value_len;
};

#define RCUMAP_DUMP_END		(~0ULL)

/**
 * struct rcumap_dump - RCUMAP_IOC_DUMP: copy out entries, a bucket at a time
 * @size: sizeof(struct rcumap_dump)
 * @flags: must be 0
 * @cursor: in: 0 to start, else the cursor a previous call returned;
 *          out: where to go on, or RCUMAP_DUMP_END when done
 * @buf: user pointer to the buffer for records
 * @buf_len: in: size of @buf; out: bytes of records written, or on
 *           -ERANGE the size needed for the next bucket's records
 * @count: out: records written
 *
 * The cursor is a bucket index, so concurrent writers cannot invalidate it.
 * Each call copies whole buckets, each read in one RCU read-side section:
 * an entry present for the whole dump appears exactly once; an entry added
 * or deleted meanwhile may or may not appear; a value replaced meanwhile
 * appears once, old or new.
 */
struct rcumap_dump {
	__u32 size;
	__u32 flags;
	__u64 cursor;
	__u64 buf;
	__u32 buf_len;
	__u32 count;
};

/**
 * struct rcumap_batch_op - one operation of RCUMAP_IOC_BATCH
 * @cmd: RCUMAP_CMD_GET, RCUMAP_CMD_PUT, RCUMAP_CMD_DEL or RCUMAP_CMD_ADD
 * @flags: as for that command
 * @key_len: length of the key
 * @value_len: as in struct rcumap_elem; 0 for DEL and ADD
 * @key: user pointer to the key
 * @value: as in struct rcumap_elem; 0 for DEL and ADD
 * @delta: ADD: in, the amount; out, the new value; else must be 0
 * @error: out: 0, or the positive errno this operation failed with
 * @reserved: must be 0
 */
struct rcumap_batch_op {
	__u32 cmd;
	__u32 flags;
	__u32 key_len;
	__u32 value_len;
	__u64 key;
	__u64 value;
	__u64 delta;
	__u32 error;
	__u32 reserved;
};

#define RCUMAP_BATCH_MAX	4096

/**
 * struct rcumap_batch - RCUMAP_IOC_BATCH: many operations in one call
 * @size: sizeof(struct rcumap_batch)
 * @flags: must be 0
 * @count: number of operations, at most RCUMAP_BATCH_MAX
 * @op_size: sizeof(struct rcumap_batch_op)
 * @ops: user pointer to the array of operations
 * @done: out: operations carried out
 * @failed: out: operations whose @error is not 0
 *
 * The operations run in order, each atomic on its own; the batch as a whole
 * is not: other callers may see or change the map between two of them, and
 * an operation that fails neither stops the batch nor undoes the ones
 * before it. The ioctl itself fails only when the batch cannot be read or
 * written back (-EFAULT: nothing ran if this struct is not writable, else
 * @done says how far it got) or is malformed (-EINVAL, -E2BIG: nothing
 * ran).
 */
struct rcumap_batch {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 op_size;
	__u64 ops;
	__u32 done;
	__u32 failed;
};

#define RCUMAP_IOC_INFO	 _IOWR(RCUMAP_IOC_MAGIC, RCUMAP_CMD_INFO, struct rcumap_info)
#define RCUMAP_IOC_PUT	 _IOW(RCUMAP_IOC_MAGIC, RCUMAP_CMD_PUT, struct rcumap_elem)
#define RCUMAP_IOC_GET	 _IOWR(RCUMAP_IOC_MAGIC, RCUMAP_CMD_GET, struct rcumap_elem)
#define RCUMAP_IOC_DEL	 _IOW(RCUMAP_IOC_MAGIC, RCUMAP_CMD_DEL, struct rcumap_elem)
#define RCUMAP_IOC_CLEAR _IOWR(RCUMAP_IOC_MAGIC, RCUMAP_CMD_CLEAR, struct rcumap_clear)
#define RCUMAP_IOC_STATS _IOWR(RCUMAP_IOC_MAGIC, RCUMAP_CMD_STATS, struct rcumap_stats)
#define RCUMAP_IOC_ADD	 _IOWR(RCUMAP_IOC_MAGIC, RCUMAP_CMD_ADD, struct rcumap_add)
#define RCUMAP_IOC_CMPXCHG _IOWR(RCUMAP_IOC_MAGIC, RCUMAP_CMD_CMPXCHG, struct rcumap_cmpxchg)
#define RCUMAP_IOC_DUMP	 _IOWR(RCUMAP_IOC_MAGIC, RCUMAP_CMD_DUMP, struct rcumap_dump)
#define RCUMAP_IOC_BATCH _IOWR(RCUMAP_IOC_MAGIC, RCUMAP_CMD_BATCH, struct rcumap_batch)

#endif /* _UAPI_LINUX_RCUMAP_H */
