// SPDX-License-Identifier: GPL-2.0
/*
 * Timing cells: the plan of runs, their threads, the repetitions and the
 * figures printed from them.
 *
 * The repetitions are interleaved: repetition r of every run in the plan
 * before repetition r + 1 of any, so that a slow spell of the host (the
 * guest is emulated) spreads over all runs instead of sinking one; and
 * the runs of an op on different backends are planned side by side. Each
 * repetition starts fresh threads behind a barrier, lets them run for
 * --seconds while the main thread sleeps, and counts the units each did in
 * the time it measured itself; the figure is the median over the
 * repetitions of the sum of the threads' rates, with min, max and the
 * quartiles as the spread.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static const char *const backend_names[] = {
	[BK_SYSCALL] = "syscall", [BK_RCUMAP] = "rcumap", [BK_BPF] = "bpf",
};

static struct run plan[MAX_RUNS];
static unsigned int nplan;
static pthread_barrier_t start_line;
static int stop;			/* relaxed atomic */

uint64_t bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("rcumap-bench: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Note what failed; the thread stops and the run ends in fatal(). */
int step_failed(struct bthread *t, const char *what, int err)
{
	t->what = what;
	return -err;
}

const unsigned char *next_key(struct bthread *t)
{
	uint32_t i = t->id + t->nthreads * rng_below(&t->rng, t->span);

	return t->b->keys + (size_t)i * KEY_SIZE;
}

const unsigned char *next_miss_key(struct bthread *t)
{
	uint32_t i = t->id + t->nthreads * rng_below(&t->rng, t->span);

	return t->b->miss_keys + (size_t)i * KEY_SIZE;
}

/*
 * Batches take consecutive keys from a random start: all different, so
 * that a batch of DELs finds each of its keys; consecutive in the key
 * table, so that BPF's batch commands can take them in place. Hence batch
 * cells run on one thread.
 */
uint32_t next_run_start(struct bthread *t, uint32_t n)
{
	return rng_below(&t->rng, t->b->opt.entries - n + 1);
}

void plan_add(const struct cell *cell, unsigned int threads, bool shared_fd)
{
	if (nplan == MAX_RUNS)
		fatal("more than %d runs in one plan", MAX_RUNS);
	plan[nplan++] = (struct run){
		.cell = *cell, .threads = threads, .shared_fd = shared_fd,
	};
}

static const struct cell *find_op(const struct backend_cells *c, bool batch,
				  const char *op)
{
	const struct cell *cells = batch ? c->batch : c->single;
	unsigned int i, n = batch ? c->nbatch : c->nsingle;

	for (i = 0; i < n; i++)
		if (!strcmp(cells[i].op, op))
			return &cells[i];
	return NULL;
}

/*
 * The single-op (or, with @batch, batch) cells of @bk[0..@n-1] at @threads
 * threads (and @per_call ops per call), each followed by its counterparts,
 * the cells of the same op in the backends after it: a slow spell of the
 * emulator then hits both sides of a ratio alike. ADD only on 8-byte
 * values.
 */
static void plan_group(const struct bench *b,
		       const struct backend_cells *const *bk, unsigned int n,
		       bool batch, unsigned int threads, unsigned int per_call)
{
	const struct cell *cells, *c;
	unsigned int k, j, m, ncells;
	struct cell cell;

	for (k = 0; k < n; k++) {
		cells = batch ? bk[k]->batch : bk[k]->single;
		ncells = batch ? bk[k]->nbatch : bk[k]->nsingle;
		for (j = 0; j < ncells; j++) {
			for (m = 0; m < k; m++)
				if (find_op(bk[m], batch, cells[j].op))
					break;
			/* Planned already, as the counterpart of that one. */
			if (m < k)
				continue;
			for (m = k; m < n; m++) {
				c = find_op(bk[m], batch, cells[j].op);
				if (!c || (c->value8 && b->opt.value_size != 8))
					continue;
				cell = *c;
				if (batch)
					cell.batch = per_call;
				plan_add(&cell, threads, false);
			}
		}
	}
}

/* Single ops at every --threads count, each thread with its fd. */
void plan_single(const struct bench *b, const struct backend_cells *const *bk,
		 unsigned int n)
{
	unsigned int i;

	for (i = 0; i < b->opt.nthreads; i++)
		plan_group(b, bk, n, false, b->opt.threads[i], 1);
}

/* Batches at every --batch size, then each backend's DUMP; one thread. */
void plan_batches(const struct bench *b,
		  const struct backend_cells *const *bk, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < b->opt.nbatch; i++)
		plan_group(b, bk, n, true, 1, b->opt.batch[i]);
	for (i = 0; i < n; i++)
		if (bk[i]->dump)
			plan_add(bk[i]->dump, 1, false);
}

void scratch_free(struct bthread *t)
{
	free(t->scratch);
}

static void *thread_main(void *arg)
{
	struct bthread *t = arg;
	uint64_t start;
	int ret;

	pthread_barrier_wait(&start_line);
	start = bench_now();
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		ret = t->cell->step(t);
		if (ret < 0) {
			t->err = -ret;
			break;
		}
		t->units += ret;
	}
	t->ns = bench_now() - start;
	return NULL;
}

static int thread_fd(struct bthread *t, bool shared)
{
	switch (t->cell->backend) {
	case BK_RCUMAP:
		return rcumap_thread_fd(t, shared);
	case BK_BPF:
		if (shared)
			return t->b->bpf_fd;
		t->own_fd = true;
		return bpf_thread_fd(t);
	default:
		return -1;
	}
}

static void thread_setup(struct bench *b, const struct run *r,
			 struct bthread *t, unsigned int id, uint64_t seed)
{
	uint32_t v = b->opt.value_size;
	int ret;

	*t = (struct bthread){
		.b = b, .cell = &r->cell, .id = id, .nthreads = r->threads,
		.rng = seed, .span = b->opt.entries / r->threads,
	};
	if (!t->span)
		fatal("%u threads need at least as many entries", r->threads);
	t->value = malloc(v + 8);
	t->buf = malloc(v + 8);
	if (!t->value || !t->buf)
		fatal("out of memory");
	value_fill(t->value, v, seed);
	t->fd = thread_fd(t, r->shared_fd);
	if (t->fd < 0 && r->cell.backend != BK_SYSCALL)
		fatal("%s %s: opening a per-thread fd: %s",
		      backend_names[r->cell.backend], r->cell.op,
		      strerror(-t->fd));
	ret = r->cell.init ? r->cell.init(t) : 0;
	if (ret)
		fatal("%s %s: setting up thread %u: %s",
		      backend_names[r->cell.backend], r->cell.op, id,
		      strerror(-ret));
}

static void thread_teardown(struct bthread *t)
{
	if (t->cell->fini)
		t->cell->fini(t);
	if (t->own_fd && t->fd >= 0)
		close(t->fd);
	free(t->value);
	free(t->buf);
}

/* One repetition of @r: its rate in units per second, all threads summed. */
static double run_once(struct bench *b, struct run *r, uint64_t seed)
{
	struct bthread threads[MAX_THREADS];
	struct timespec nap;
	double rate = 0;
	unsigned int i;
	int ret;

	if (pthread_barrier_init(&start_line, NULL, r->threads + 1))
		fatal("pthread_barrier_init failed");
	__atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
	for (i = 0; i < r->threads; i++) {
		thread_setup(b, r, &threads[i], i, rng_next(&seed));
		ret = pthread_create(&threads[i].tid, NULL, thread_main,
				     &threads[i]);
		if (ret)
			fatal("pthread_create: %s", strerror(ret));
	}
	pthread_barrier_wait(&start_line);
	nap.tv_sec = (time_t)b->opt.seconds;
	nap.tv_nsec = (long)((b->opt.seconds - nap.tv_sec) * 1e9);
	while (nanosleep(&nap, &nap) && errno == EINTR)
		;
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < r->threads; i++)
		pthread_join(threads[i].tid, NULL);
	for (i = 0; i < r->threads; i++) {
		struct bthread *t = &threads[i];

		if (t->err)
			fatal("%s %s, %u thread(s): %s: %s%s%s",
			      backend_names[r->cell.backend], r->cell.op,
			      r->threads, t->what,
			      rcumap_errno_name(t->err) ?: "",
			      rcumap_errno_name(t->err) ? ": " : "",
			      strerror(t->err));
		if (!t->units || !t->ns)
			fatal("%s %s: thread %u did nothing in %.2f s",
			      backend_names[r->cell.backend], r->cell.op, i,
			      b->opt.seconds);
		rate += t->units * 1e9 / t->ns;
		thread_teardown(t);
	}
	pthread_barrier_destroy(&start_line);
	return rate;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Quantile @q of @n sorted values, interpolated between neighbours. */
static double quantile(const double *v, unsigned int n, double q)
{
	double pos = q * (n - 1);
	unsigned int lo = (unsigned int)floor(pos);

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (pos - lo) * (v[lo + 1] - v[lo]);
}

/* The fields every figure starts with; the caller adds the rest and "}". */
void json_figure_start(const char *suite, const char *backend,
		       const struct bench *b)
{
	printf("{\"suite\":\"%s\",\"backend\":\"%s\",\"strategy\":\"%s\","
	       "\"entries\":%u,\"key_size\":%d,\"value_size\":%u",
	       suite, backend, (const char *)b->info.strategy,
	       b->opt.entries, KEY_SIZE, b->opt.value_size);
}

static void print_run(const struct bench *b, struct run *r)
{
	unsigned int i, n = b->opt.reps;
	double s[MAX_REPS];

	memcpy(s, r->ops_s, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	json_figure_start(r->cell.suite, backend_names[r->cell.backend], b);
	printf(",\"op\":\"%s\",\"unit\":\"%s\",\"batch\":%u,\"threads\":%u,"
	       "\"fd\":\"%s\",\"bpf_map_flags\":%u,\"reps\":%u,\"seconds\":%g,"
	       "\"unit_s\":{"
	       "\"median\":%.1f,\"min\":%.1f,\"max\":%.1f,\"q1\":%.1f,"
	       "\"q3\":%.1f},\"samples\":[",
	       r->cell.op, r->cell.unit, r->cell.batch, r->threads,
	       r->shared_fd ? "shared" : "per-thread", b->opt.bpf_flags, n,
	       b->opt.seconds,
	       quantile(s, n, 0.5), s[0], s[n - 1], quantile(s, n, 0.25),
	       quantile(s, n, 0.75));
	for (i = 0; i < n; i++)
		printf("%s%.1f", i ? "," : "", r->ops_s[i]);
	printf("]}\n");
}

/* Run every cell of the plan --reps times, interleaved; print; empty it. */
void plan_run(struct bench *b)
{
	uint64_t seed = 0x5eed;
	unsigned int rep, i;

	for (rep = 0; rep < b->opt.reps; rep++) {
		fprintf(stderr, "# repetition %u of %u: %u runs of %g s\n",
			rep + 1, b->opt.reps, nplan, b->opt.seconds);
		for (i = 0; i < nplan; i++)
			plan[i].ops_s[rep] = run_once(b, &plan[i],
						      rng_next(&seed));
	}
	for (i = 0; i < nplan; i++)
		print_run(b, &plan[i]);
	fflush(stdout);
	nplan = 0;
}
