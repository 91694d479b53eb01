/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rcumap's trace events, in tracefs under events/rcumap/; see
 * docs/tracing.md. Each is off until enabled, and while off a call site
 * costs a static branch (a no-op) and nothing more: what an event needs
 * beyond what its caller has at hand is computed in TP_fast_assign, which
 * runs only when the event is on.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM rcumap

#if !defined(RCUMAP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define RCUMAP_TRACE_H

#include <linux/tracepoint.h>
#include <linux/types.h>

#include "rcumap.h"

/*
 * One event per map operation, for BATCH's operations too. The key's hash
 * is what the map hashes it to (hsiphash, keyed at load): one key, one hash.
 * GET and DEL have the key at hand but not its hash, which the strategy
 * computes: they pass @key, which is hashed again here, only when the
 * event is on. PUT, ADD and CMPXCHG hashed the key when they built the new
 * entry and pass @hash with a NULL @key, as the entry may be freed by
 * another writer as soon as it is published. A call that failed before
 * its key was read (bad flags or length, a bad pointer) passes neither,
 * and records the hash 0.
 */
DECLARE_EVENT_CLASS(rcumap_op,
		    TP_PROTO(const struct rcumap *map, const void *key,
			     u32 hash, u32 key_len, u32 value_len, int result),
		    TP_ARGS(map, key, hash, key_len, value_len, result),
		    TP_STRUCT__entry(__field(u32, hash)
				     __field(u32, key_len)
				     __field(u32, value_len)
				     __field(int, result)),
		    TP_fast_assign(__entry->hash = key ?
				   rcumap_hash(map, key, key_len) : hash;
				   __entry->key_len = key_len;
				   __entry->value_len = value_len;
				   __entry->result = result;),
		    TP_printk("hash=%08x key_len=%u value_len=%u result=%d",
			      __entry->hash, __entry->key_len,
			      __entry->value_len, __entry->result));

/* value_len: of the value found, on a hit or -ERANGE; else 0. */
DEFINE_EVENT(rcumap_op, rcumap_get,
	     TP_PROTO(const struct rcumap *map, const void *key, u32 hash,
		      u32 key_len, u32 value_len, int result),
	     TP_ARGS(map, key, hash, key_len, value_len, result));

/* value_len: always 0. */
DEFINE_EVENT(rcumap_op, rcumap_del,
	     TP_PROTO(const struct rcumap *map, const void *key, u32 hash,
		      u32 key_len, u32 value_len, int result),
	     TP_ARGS(map, key, hash, key_len, value_len, result));

/* value_len: of the value stored. */
DEFINE_EVENT(rcumap_op, rcumap_put,
	     TP_PROTO(const struct rcumap *map, const void *key, u32 hash,
		      u32 key_len, u32 value_len, int result),
	     TP_ARGS(map, key, hash, key_len, value_len, result));

/* value_len: 8, the counter's. */
DEFINE_EVENT(rcumap_op, rcumap_add,
	     TP_PROTO(const struct rcumap *map, const void *key, u32 hash,
		      u32 key_len, u32 value_len, int result),
	     TP_ARGS(map, key, hash, key_len, value_len, result));

/* value_len: of the new value; -ECANCELED: the value was not the expected. */
DEFINE_EVENT(rcumap_op, rcumap_cmpxchg,
	     TP_PROTO(const struct rcumap *map, const void *key, u32 hash,
		      u32 key_len, u32 value_len, int result),
	     TP_ARGS(map, key, hash, key_len, value_len, result));

/* CLEAR, once it has emptied the map: the entries it deleted. */
TRACE_EVENT(rcumap_clear,
	    TP_PROTO(u64 removed),
	    TP_ARGS(removed),
	    TP_STRUCT__entry(__field(u64, removed)),
	    TP_fast_assign(__entry->removed = removed;),
	    TP_printk("removed=%llu", __entry->removed));

/*
 * One pass of the reaper: the entries it deleted, and those left that may
 * still expire (when 0, the reaper stops until a PUT with a time to live).
 */
TRACE_EVENT(rcumap_reap,
	    TP_PROTO(u32 expired, u32 left),
	    TP_ARGS(expired, left),
	    TP_STRUCT__entry(__field(u32, expired)
			     __field(u32, left)),
	    TP_fast_assign(__entry->expired = expired;
			   __entry->left = left;),
	    TP_printk("expired=%u left=%u", __entry->expired, __entry->left));

#endif /* RCUMAP_TRACE_H */

/*
 * Outside the guard: define_trace.h reads this header again, as
 * TRACE_INCLUDE_PATH/TRACE_INCLUDE_FILE.h, found through the -I$(src) that
 * module/Kbuild gives trace.o, because rcumap is built out of tree.
 */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE rcumap_trace
#include <trace/define_trace.h>
