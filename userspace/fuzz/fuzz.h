/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rcumap-fuzz - what its parts share: the configuration, the per-thread
 * state, one generated call, the outcome sets it is judged by, and the
 * pseudo-random generators.
 *
 * main.c sets up and runs the threads and the clock; opts.c parses the
 * options; gen.c draws the primitive arguments (lengths, keys, values,
 * command numbers); build.c and batch.c build a whole call of each command
 * together with the outcomes its arguments allow, defect.c spoils one in
 * one way (build.h is theirs); check.c holds the errno rules of the ABI
 * and judges each call; hazards.c owns the memory the pointers point into
 * (guard pages, read-only pages, the racing pages and the thread that
 * changes them); shadow.c the keys each thread owns and checks; report.c
 * the counters, the summary and the failure reports.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "librcumap.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NSEC_PER_SEC	1000000000ULL

/* Exit status, as documented in --help. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* an unexpected outcome or a wrong owned key */
	EXIT_SETUP = 3,
	EXIT_USAGE = 64,	/* EX_USAGE of sysexits.h */
};

/*
 * Outcomes a call may have: success and the errnos <linux/rcumap.h>
 * documents. A set of outcomes is a mask of OC() bits; any errno outside
 * this list is never allowed.
 */
enum fz_outcome {
	OC_OK, OC_EFAULT, OC_EINVAL, OC_E2BIG, OC_EEXIST, OC_ENOENT,
	OC_ENOSPC, OC_ERANGE, OC_ENOMEM, OC_ENOTTY, OC_EMSGSIZE,
	OC_ECANCELED, OC_EPERM, NR_OUTCOMES
};

#define OC(x)		(1U << OC_##x)
/* The errors of a malformed argument, possible for every command. */
#define OC_ARGS		(OC(EFAULT) | OC(EINVAL) | OC(E2BIG) | OC(ENOMEM))

int outcome_errno(unsigned int oc);
/* The outcome of an errno (0: success), or -1 if it is none of them. */
int errno_outcome(int err);

/*
 * Rows of the counters: 0 for any command rcumap does not have, the
 * command numbers 1..10, then the operations inside a BATCH by kind.
 */
enum {
	ROW_UNKNOWN = 0,
	ROW_BOP_GET = RCUMAP_CMD_BATCH + 1,
	ROW_BOP_PUT, ROW_BOP_DEL, ROW_BOP_ADD, ROW_BOP_BAD,
	NR_ROWS
};

/* Histogram slots: 0 success, 1..NR_ERRNO-1 that errno, NR_ERRNO others. */
#define NR_ERRNO	134

struct fz_stats {
	uint64_t calls[NR_ROWS];
	uint64_t ns[NR_ROWS];	/* time in the calls */
	uint64_t res[NR_ROWS][NR_ERRNO + 1];
};

/*
 * What --mix weighs: an unknown command (0), each command by its number,
 * and the calls on owned keys.
 */
enum { MIX_UNKNOWN = 0, MIX_OWNED = RCUMAP_CMD_BATCH + 1, NR_MIX };

extern const char *const mix_names[NR_MIX];

struct fz_config {
	const char *dev;
	unsigned int threads;
	uint64_t calls;		/* in all; 0: no limit */
	double seconds;		/* 0: no limit */
	uint64_t seed;
	uint32_t keys;		/* the shared key space */
	unsigned int owned;	/* owned keys per thread; 0: none */
	uint32_t forbid;	/* outcomes declared unexpected everywhere */
	unsigned int reports;	/* unexpected outcomes reported in full */
	double progress;	/* seconds between progress lines; 0: none */
	bool allow_clear;	/* well-formed CLEAR too (no owned keys then) */
	bool no_race;		/* no racing thread */
	bool drop_admin;	/* give up CAP_SYS_ADMIN before opening */
	uint8_t mix[NR_MIX];	/* percent of the calls of each kind */
	bool mix_given;
	bool replay;
	unsigned int replay_thread;
	uint64_t replay_call;
};

/* splitmix64 (Steele, Lea, Flood 2014): seeds the streams. */
static inline uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* xoshiro256** (Blackman, Vigna 2018): one stream per thread and use. */
struct prng {
	uint64_t s[4];
};

static inline uint64_t rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t prng_next(struct prng *r)
{
	uint64_t *s = r->s, result = rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return result;
}

/* A number below @n (n > 0); the tiny modulo bias does not matter here. */
static inline uint64_t prng_below(struct prng *r, uint64_t n)
{
	return prng_next(r) % n;
}

/* True with probability @pct percent. */
static inline bool prng_pct(struct prng *r, unsigned int pct)
{
	return prng_below(r, 100) < pct;
}

void prng_seed(struct prng *r, uint64_t seed, unsigned int thread,
	       unsigned int stream);

/* Where a pointer points: the memory hazards.c sets up. */
enum hz_where {
	W_NORMAL,	/* inside accessible memory, canaries after it */
	W_EDGE,		/* its last byte is the last before a guard page */
	W_CROSS,	/* its last bytes fall on a guard page */
	W_RO,		/* a read-only page, contents in place */
	W_RACE,		/* a page another thread remaps and scribbles on */
	W_NULL,
	W_UNMAPPED,	/* inside a PROT_NONE reservation */
	W_KERNEL,	/* a kernel address */
	W_NONCANON,	/* a non-canonical address */
	W_WRAP,		/* so close to 2^64 that the range wraps */
	NR_WHERE
};

extern const char *const where_names[NR_WHERE];

/* The buffers of a call, each with memory of its own. */
enum hz_role {
	R_ARG, R_KEY, R_VAL, R_EXP, R_OUT, R_OPS, NR_ROLES
};

/* One accessible region ending at a guard page, and its read-only twin. */
struct hz_region {
	unsigned char *base;	/* accessible from here ... */
	size_t len;		/* ... for len bytes; a guard page follows */
	unsigned char *ro;	/* read-only pages as long, then a guard */
	unsigned char *ro_rw;	/* the same pages, writable; or NULL */
	size_t ro_dirty;	/* without ro_rw: bytes of ro made writable */
};

struct hz_arena {
	struct hz_region r[NR_ROLES];
};

/* A pointer of a call, named for a report. */
struct fz_ptr {
	const char *field;
	enum hz_where where;
};

/* An output buffer whose bytes past @len the kernel must not touch. */
struct fz_canary {
	unsigned char *p;	/* the first byte past what it may write */
	size_t len;
	unsigned char fill;	/* every byte of it holds this */
};

#define FZ_MAX_PTRS	5
#define FZ_MAX_CANARIES	3

union fz_args {
	struct rcumap_info info;
	struct rcumap_elem elem;
	struct rcumap_clear clear;
	struct rcumap_stats stats;
	struct rcumap_add add;
	struct rcumap_cmpxchg cmpxchg;
	struct rcumap_dump dump;
	struct rcumap_batch batch;
	unsigned char bytes[512];
};

/* How a call was made; the names are in report.c. */
enum fz_style {
	S_UNKNOWN_CMD, S_WELL, S_DEFECT, S_CHAOS, S_RACE, S_OWNED, NR_STYLES
};

/**
 * struct fz_call - one generated call and what it may return
 * @nr: the ioctl command number
 * @arg: the argument pointer passed
 * @cmd: the rcumap command, or 0 if @nr is not one
 * @style: how it was built
 * @what: the defect or variant, for a report
 * @allowed: the outcomes (OC() bits) it may have
 * @must_fail_clean: it must fail and leave the map as it was (a malformed
 *                   call aimed at an owned key)
 * @owner: the thread whose owned key it names, or -1
 * @owned_key: that key's index
 * @args: the argument struct as built, before the call
 * @args_len: bytes of @args the call was given (at most sizeof(args))
 * @ptrs: the pointers of the call and where they point
 * @canaries: bytes the kernel must leave alone
 * @out: where the argument struct is, when it is readable afterwards
 * @check_out: check the outputs of a success (well-formed calls)
 * @bop_allowed: BATCH: the outcomes allowed to each operation
 * @bops: BATCH: the operations as built
 * @nbops: BATCH: how many were built
 * @note: more to say in a report, or NULL
 */
struct fz_call {
	unsigned long nr;
	void *arg;
	int cmd;
	enum fz_style style;
	const char *what;
	uint32_t allowed;
	bool must_fail_clean;
	int owner;
	unsigned int owned_key;
	union fz_args args;
	uint32_t args_len;
	struct fz_ptr ptrs[FZ_MAX_PTRS];
	unsigned int nptrs;
	struct fz_canary canaries[FZ_MAX_CANARIES];
	unsigned int ncanaries;
	void *out;
	bool check_out;
	uint32_t *bop_allowed;
	struct rcumap_batch_op *bops;
	uint32_t nbops;
	const char *note;
};

/* A key of the shared key space, the same in every run. */
struct fz_key {
	uint32_t len;
	unsigned char *bytes;
};

struct shadow;

/* The tool: set up in main.c, shared by every thread. */
struct fz {
	struct fz_config cfg;
	struct rcumap_info info;
	bool admin;		/* CAP_SYS_ADMIN in the effective set */
	bool owned_on;		/* the owned-key check runs */
	bool stop;		/* atomic: the threads finish */
	uint64_t claimed;	/* atomic: calls handed out under --calls */
	unsigned int finished;	/* atomic: threads done */
	struct fz_thread **threads;
	struct fz_key *keys;	/* cfg.keys of them */
	unsigned char *patterns[4];	/* value bytes, max_value_len each */
	struct hz_race *race;
	uint8_t mix_table[100];	/* a kind for each percent */
	pthread_mutex_t lock;	/* the failure reports */
	uint64_t unexpected;	/* atomic */
	unsigned int reported;
	uint64_t t_start, t_end;
};

/* A fuzzing thread. */
struct fz_thread {
	struct fz *fz;
	unsigned int id;
	int fd;
	pthread_t tid;
	struct prng rng;	/* every choice of a call */
	struct prng srng;	/* the owned-key operations */
	struct hz_arena hz;
	struct fz_stats st;
	uint64_t index;		/* of the call being made */
	uint64_t done;		/* atomic: calls made, for the progress line */
	uint64_t unexpected;
	struct shadow *own;
	uint32_t *bop_allowed;	/* RCUMAP_BATCH_MAX + 1 of them */
	struct rcumap_batch_op *bops;
};

/* main.c */
uint64_t now_ns(void);

/* opts.c */
void parse_options(int argc, char **argv, struct fz_config *c);
void usage_error(const char *fmt, ...) __attribute__((noreturn,
						      format(printf, 1, 2)));

/* gen.c */
int keys_init(struct fz *fz);
const struct fz_key *pick_key(struct fz_thread *t, bool big);
bool key_is_big(const struct fz *fz, const struct fz_key *k);
uint32_t pick_value_len(struct fz_thread *t, bool big);
const unsigned char *pick_value(struct fz_thread *t);
uint32_t pick_buf_len(struct fz_thread *t);
uint32_t pick_key_len_bad(struct fz_thread *t);
uint32_t pick_value_len_bad(struct fz_thread *t);
uint64_t pick_delta(struct fz_thread *t);
uint32_t pick_ttl(struct fz_thread *t);
uint32_t pick_any_u32(struct fz_thread *t);
unsigned long pick_unknown_nr(struct fz_thread *t, uint32_t *flavour);
unsigned long cmd_nr(struct fz_thread *t, int cmd);
uint32_t cmd_min_size(int cmd);
uint32_t cmd_size(int cmd);

/* build.c */
void build_call(struct fz_thread *t, struct fz_call *c, int cmd);
bool build_owned_attack(struct fz_thread *t, struct fz_call *c,
			unsigned int owner, unsigned int key);

/* batch.c */
void build_batch(struct fz_thread *t, struct fz_call *c, enum fz_style s);
void check_batch_ops(struct fz_thread *t, struct fz_call *c);

/* check.c */
uint32_t outcomes_documented(const struct fz *fz, int cmd);
uint32_t outcomes_normal(const struct fz *fz, int cmd, uint32_t flags);
bool check_call(struct fz_thread *t, struct fz_call *c, int ret, int err);
void call_reset(struct fz_call *c);
void call_ptr(struct fz_call *c, const char *field, enum hz_where w);
void call_canary(struct fz_call *c, void *p, size_t len);
int issue(struct fz_thread *t, struct fz_call *c, int *err);

/* hazards.c */
int hz_init_process(struct fz *fz);
int hz_init_thread(struct fz_thread *t);
void hz_free_thread(struct fz_thread *t);
uint64_t hz_place(struct fz_thread *t, enum hz_role role, enum hz_where w,
		  const void *src, size_t len, size_t cap);
enum hz_where hz_pick_bad(struct fz_thread *t);
void hz_seal(struct fz_thread *t);
bool hz_safe_copy(void *dst, const void *src, size_t len);
int hz_race_start(struct fz *fz);
void hz_race_stop(struct fz *fz);
uint64_t hz_race_actions(const struct fz *fz);

/* shadow.c */
int shadow_init(struct fz_thread *t);
void shadow_free(struct fz_thread *t);
void shadow_op(struct fz_thread *t);
void shadow_attack(struct fz_thread *t, struct fz_call *c);
const struct fz_key *owned_key(const struct fz *fz, unsigned int owner,
			       unsigned int key);
int shadow_cleanup_start(struct fz *fz, int fd);
unsigned int shadow_final_check(struct fz *fz, int fd, unsigned int *keys);

/* report.c */
const char *errno_name(int err);
void stats_count(struct fz_thread *t, int row, int err);
void report_header(const struct fz *fz);
void report_summary(const struct fz *fz, unsigned int wrong_keys,
		    unsigned int owned_checked);
void report_call(FILE *f, const struct fz_thread *t,
		 const struct fz_call *c);
void report_unexpected(struct fz_thread *t, const struct fz_call *c,
		       int ret, int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
const char *cmd_name(int cmd);
const char *outcomes_str(uint32_t set, char *buf, size_t size);

#endif /* FUZZ_H */
