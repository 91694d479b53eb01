/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rcumap-hammer - what its parts share: the configuration, the per-thread
 * worker, one operation in flight, and the modes.
 *
 * The worker (worker.c) runs the loop common to every mode: ask the mode for
 * the next operations, issue them through librcumap (one ioctl each, or one
 * RCUMAP_IOC_BATCH), account for them, and hand each result back to the
 * mode, which checks it. A mode is a struct mode: mixed in worker.c,
 * counters and lost-update in verify.c, owner in owner.c, linearizable in
 * lin.c, hot-key in hot.c.
 */
#ifndef HAMMER_H
#define HAMMER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "librcumap.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NSEC_PER_SEC	1000000000ULL

/* Exit status, as documented in --help. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* verification failed or unexpected errors */
	EXIT_UNKNOWN = 2,	/* the linearizability check could not decide */
	EXIT_SETUP = 3,
	EXIT_USAGE = 64,	/* EX_USAGE of sysexits.h */
};

/* The kinds a --mix chooses from, then DUMP, which only hot-key makes. */
enum op_kind {
	OP_GET, OP_PUT, OP_DEL, OP_ADD, OP_CAS, NR_MIX_KINDS,
	OP_DUMP = NR_MIX_KINDS, NR_KINDS
};

/* Latency rows: one per kind, then one for whole RCUMAP_IOC_BATCH calls. */
#define LAT_BATCH	NR_KINDS
#define NR_LAT		(NR_KINDS + 1)

extern const char *const op_names[NR_KINDS];

/* Errnos by slot: the per-op error counters are indexed by these. */
struct errno_info {
	int err;		/* 0 for the last slot: any other errno */
	bool expected;		/* an outcome of a random mix, not a failure */
};

#define NR_ERRS		13
extern const struct errno_info errnos[NR_ERRS];
struct config;
unsigned int errno_slot(int err);
const char *errno_slot_name(unsigned int slot);
bool errno_slot_expected(const struct config *c, unsigned int slot);

enum dist { DIST_UNIFORM, DIST_ZIPF };

struct mode;

struct config {
	const char *dev;
	const struct mode *mode;
	unsigned int threads;
	double duration;	/* seconds; 0: until --ops are done */
	uint64_t ops;		/* per thread; 0: no limit */
	uint32_t keys;
	uint32_t key_size;
	uint32_t value_size;	/* 8 in the modes of 8-byte counters */
	enum dist dist;
	double theta;
	uint8_t mix[NR_MIX_KINDS];	/* percent */
	unsigned int batch;
	uint32_t ttl_ms;	/* PUT: time to live, 0 for none */
	bool touch;		/* GET: with RCUMAP_GET_TOUCH */
	bool private_keys;	/* thread i uses keys i * keys ... */
	bool value_max;		/* hot-key: --value-size is the map's max */
	uint32_t read_size;	/* GET's buffer, if more than value_size */
	unsigned int readers;	/* hot-key: threads 0..readers-1 read */
	uint64_t max_latency;	/* hot-key: the bound in ns, 0 for none */
	bool pin, shared_fd, json, no_clear;
	uint64_t seed;
	double check_timeout;
	uint64_t max_history;
};

/* Gray et al.'s zipfian generator over 0..n-1, as YCSB implements it. */
struct zipf {
	uint32_t n;
	double theta, alpha, zetan, eta, two_point;
};

/* The outcome of a mode's check, for the text and the JSON report. */
#define MAX_DETAILS	20
#define MAX_NUMS	8

struct verdict {
	int status;		/* EXIT_OK, EXIT_FAIL or EXIT_UNKNOWN */
	char summary[512];
	struct {
		const char *name;
		uint64_t val;
	} num[MAX_NUMS];
	unsigned int nnum;
	char detail[MAX_DETAILS][400];
	unsigned int ndetail;
	uint64_t more;		/* details left out */
};

/* One operation: what the mode asks for, and what the map answered. */
struct hop {
	uint8_t kind;		/* enum op_kind */
	uint8_t flags;		/* PUT, ADD: RCUMAP_ANY, _NOEXIST, _EXIST */
	bool counter;		/* a key of the counter space, "c..." not "k..." */
	bool mine;		/* owner mode: one of the thread's own keys */
	uint32_t key;		/* key index */
	/* PUT, CAS: the new value's word; ADD: delta; DUMP: the cursor */
	uint64_t arg;
	uint64_t arg2;		/* CAS: the expected value's word */
	uint32_t exp_len;	/* CAS: the expected value's length */
	/* GET, CAS mismatch: the value's length; DUMP: bytes (ERANGE: needed) */
	uint32_t out_len;
	int err;		/* 0 or the positive errno */
	/* GET, CAS mismatch: the value's word; ADD: sum; DUMP: the cursor */
	uint64_t out;
	const unsigned char *buf;	/* GET, CAS mismatch: the value */
	uint64_t call, ret;	/* CLOCK_MONOTONIC ns around the call */
};

struct hammer;

struct worker {
	struct hammer *h;
	unsigned int id;
	int fd;
	pthread_t tid;
	uint64_t rng;
	uint64_t seq;		/* for stamps unique to this thread */
	uint64_t limit;		/* ops to do; 0: no limit */
	struct hop *hops;	/* cfg.batch of them */
	unsigned char *bufs;	/* per hop: key, value, expected, found */
	struct rcumap_batch_op *bops;
	unsigned char *dump_buf;	/* DUMP's records, the mode's to size */
	size_t dump_len;
	void *priv;		/* the mode's: one allocation, freed with w */

	uint64_t count[NR_KINDS];
	uint64_t errs[NR_KINDS][NR_ERRS];
	uint64_t unexpected;
	struct hist lat[NR_LAT];
	/* Also read by the progress line: relaxed atomics, own cache line. */
	uint64_t done_ops __attribute__((aligned(64)));
	uint64_t failed_ops;
};

struct hammer {
	struct config cfg;
	int fd;			/* setup and checks; all threads' with --shared-fd */
	struct rcumap_info info;
	struct rcumap_stats before, after;
	bool cleared;
	__u64 removed;		/* by the CLEAR */
	uint32_t pick_n;	/* key choices the distribution draws from */
	struct zipf zipf;
	uint8_t mix_table[100];	/* percent -> op kind */
	struct worker **workers;
	pthread_barrier_t start;
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	unsigned int finished;	/* under lock */
	int stop;		/* relaxed atomic */
	uint64_t t_start, t_end;
	void *priv;		/* the mode's: one allocation, freed at the end */
};

struct mode {
	const char *name;
	uint32_t default_keys;
	const uint8_t *default_mix;	/* NULL: the mode refuses --mix */
	bool value8;		/* 8-byte counter values: --value-size refused */
	bool batchable;
	/*
	 * ENOMEM is an outcome, not a failure: hot-key's writers replace
	 * values of up to 1 MiB faster than grace periods free the old ones,
	 * and a guest's memory runs out now and then (the documented errno).
	 */
	bool enomem_expected;
	/* Before the threads start (the map is cleared); sets h->pick_n. */
	int (*prepare)(struct hammer *h);
	int (*thread_init)(struct worker *w);
	void (*next)(struct worker *w, struct hop *op);
	void (*done)(struct worker *w, const struct hop *op);
	/* After the threads are joined. */
	void (*finish)(struct hammer *h, struct verdict *v);
};

extern const struct mode mode_mixed, mode_counters, mode_lost_update,
	mode_owner, mode_lin, mode_hot;

/* opts.c */
void parse_options(int argc, char **argv, struct config *cfg);
void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...);

/* keys.c */
static inline uint64_t rng_next(uint64_t *s)
{
	/* splitmix64: one add and a mix; plenty for choosing ops and keys. */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in 0..n-1, by multiplying rather than with a biased modulo. */
static inline uint32_t rng_below(uint64_t *s, uint32_t n)
{
	return ((rng_next(s) >> 32) * n) >> 32;
}

void zipf_init(struct zipf *z, uint32_t n, double theta);
uint32_t zipf_next(const struct zipf *z, uint64_t *rng);
unsigned int key_digits(uint32_t keys);
void key_fill(unsigned char *buf, uint32_t size, bool counter, uint32_t idx);
void key_name(char *buf, size_t len, const struct config *cfg, bool counter,
	      uint32_t idx);
void value_fill(unsigned char *buf, uint32_t len, uint64_t word);
uint64_t value_word(const unsigned char *buf, uint32_t len);
bool value_whole(const unsigned char *buf, uint32_t len);

/* worker.c */
uint64_t now_ns(void);
int worker_create(struct hammer *h, unsigned int id, struct worker **wp);
void worker_destroy(struct worker *w);
void *worker_main(void *arg);
uint32_t pick_key(struct worker *w);
uint8_t pick_kind(struct worker *w);
uint8_t pick_flags(struct worker *w);
int64_t pick_delta(struct worker *w);
uint64_t next_stamp(struct worker *w);
bool hammer_stopped(struct hammer *h);
void hammer_stop(struct hammer *h);

/* verify.c */
void verdict_summary(struct verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void verdict_detail(struct verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void verdict_num(struct verdict *v, const char *name, uint64_t val);

/* All threads' counts, errors and latencies, merged after the run. */
struct totals {
	uint64_t count[NR_KINDS];
	uint64_t errs[NR_KINDS][NR_ERRS];
	uint64_t ops, failed, unexpected;
	struct hist lat[NR_LAT];
};

/* report.c */
const char *errno_name(int err);
void fmt_ns(char *buf, size_t len, uint64_t ns);
void totals_gather(const struct hammer *h, struct totals *t);
void report_header(const struct hammer *h);
void report(const struct hammer *h, const struct totals *t,
	    const struct verdict *v, int status);

#endif /* HAMMER_H */
