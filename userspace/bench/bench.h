/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rcumap-bench - what its parts share.
 *
 * A cell is one thing measured: an operation on one backend (rcumap through
 * librcumap, a BPF hash map through the bpf(2) system call, or a bare
 * system call), done by some threads for a fixed time. run.c times cells
 * and repeats them, interleaved, and prints each one's median as a JSON
 * line; rcumap.c, bpf.c and floor.c are the cells of each backend;
 * memory.c reads the kernel's accounting; main.c parses the options and
 * runs the suites.
 *
 * Keys and values are made by rcumap-hammer's keys.c, so both tools put the
 * same bytes in the map: 16-byte keys "k000..." for present keys,
 * "c000..." for keys that are never stored (the GET misses).
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../hammer/hammer.h"

#define KEY_SIZE	16
#define MAX_THREADS	64
#define MAX_REPS	64
#define MAX_RUNS	512

struct options {
	const char *dev;
	uint32_t entries;
	uint32_t value_size;
	unsigned int reps;
	double seconds;		/* per repetition of a cell */
	unsigned int threads[MAX_THREADS];	/* thread counts of ops/floor */
	unsigned int nthreads;
	unsigned int batch[8];	/* ops per call of the batch suite */
	unsigned int nbatch;
	unsigned int max_threads;	/* scaling: 1..max_threads */
	const char *cgroup;	/* memory: a cgroup v2 directory */
	uint32_t bpf_flags;	/* ops, batch: the BPF map's map_flags */
};

/* The maps and keys every cell of one run shares. */
struct bench {
	struct options opt;
	int rcumap_fd;		/* setup, and the cells with a shared fd */
	struct rcumap_info info;
	int bpf_fd;		/* -1 until a suite needs the BPF map */
	uint32_t bpf_id;
	/* entries * KEY_SIZE bytes each: keys present, keys never stored */
	unsigned char *keys;
	unsigned char *miss_keys;
};

enum backend { BK_SYSCALL, BK_RCUMAP, BK_BPF };

struct cell;

/* One thread of a cell: what its steps use, and what it did. */
struct bthread {
	struct bench *b;
	const struct cell *cell;
	unsigned int id, nthreads;
	int fd;			/* the cell's backend: rcumap or BPF map fd */
	bool own_fd;		/* opened for this thread, closed after */
	uint64_t rng;
	uint32_t span;		/* its keys: id + nthreads * (0..span-1) */
	unsigned char *value;	/* value_size bytes, for PUT */
	unsigned char *buf;	/* value_size bytes, for GET */
	void *scratch;		/* the cell's own: batch arrays, dump buffer */
	uint64_t units;		/* ops, elements or pairs done */
	uint64_t ns;
	int err;		/* the first error: the cell failed */
	const char *what;	/* the call that failed */
	pthread_t tid;
};

/*
 * A cell: @step does one call's worth of work (or a pair of calls, for
 * DEL+PUT) and returns the units it did, or a negative errno after setting
 * t->what. @init and @fini, if given, set up and free t->scratch. A batch
 * cell's @batch is 0 in its table: plan_batches() sets it. Cells of
 * different backends with the same @op are counterparts, run side by side.
 */
struct cell {
	const char *suite;
	enum backend backend;
	const char *op;
	const char *unit;	/* "op", "element" or "pair" */
	unsigned int batch;	/* ops per call; 1 for single ops */
	int (*init)(struct bthread *t);
	int (*step)(struct bthread *t);
	void (*fini)(struct bthread *t);
	bool value8;		/* an op on 8-byte counters: ADD */
};

/* A single-op cell: @step does one unit. */
#define CELL(s, bk, name, u, fn) \
	{ .suite = (s), .backend = (bk), .op = (name), .unit = (u), \
	  .batch = 1, .step = (fn) }
/* A batch cell: its scratch is freed by scratch_free. */
#define BATCH_CELL(bk, name, u, setup, fn) \
	{ .suite = "batch", .backend = (bk), .op = (name), .unit = (u), \
	  .init = (setup), .step = (fn), .fini = scratch_free }

/* What a backend measures: single ops, batches, a DUMP of the whole map. */
struct backend_cells {
	const struct cell *single;
	unsigned int nsingle;
	const struct cell *batch;
	unsigned int nbatch;
	const struct cell *dump;
};

/* A cell at one thread count and fd sharing, and its repetitions. */
struct run {
	struct cell cell;
	unsigned int threads;
	bool shared_fd;
	double ops_s[MAX_REPS];
};

/* run.c */
uint64_t bench_now(void);
void plan_add(const struct cell *cell, unsigned int threads, bool shared_fd);
void plan_single(const struct bench *b, const struct backend_cells *const *bk,
		 unsigned int n);
void plan_batches(const struct bench *b,
		  const struct backend_cells *const *bk, unsigned int n);
void scratch_free(struct bthread *t);
void plan_run(struct bench *b);
void __attribute__((noreturn, format(printf, 1, 2))) fatal(const char *fmt,
							   ...);
int step_failed(struct bthread *t, const char *what, int err);
/* The key of thread @t's next single operation: present, or never stored. */
const unsigned char *next_key(struct bthread *t);
const unsigned char *next_miss_key(struct bthread *t);
/* The first of @n consecutive present keys, for a batch. */
uint32_t next_run_start(struct bthread *t, uint32_t n);
void json_figure_start(const char *suite, const char *backend,
		       const struct bench *b);

/* rcumap.c */
void rcumap_setup(struct bench *b);
void rcumap_fill(struct bench *b);
extern const struct backend_cells rcumap_cells;
void rcumap_plan_scaling(struct bench *b);
int rcumap_thread_fd(struct bthread *t, bool shared);

/* bpf.c */
void bpf_setup(struct bench *b, uint32_t map_flags);
void bpf_fill(struct bench *b);
extern const struct backend_cells bpf_cells;
int bpf_thread_fd(struct bthread *t);

/* floor.c */
extern const struct backend_cells floor_cells;

/* memory.c */
void memory_suite(struct bench *b);

#endif /* BENCH_H */
