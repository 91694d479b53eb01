// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency stress test of rcumap: threads, each with its own fd, mix
 * PUT, GET and DEL for a bounded time over
 *
 *  - 64 shared keys that every thread writes, reads and deletes: a GET
 *    may see any complete value some thread wrote for that key, or
 *    ENOENT, but never a value of another key or one spliced together
 *    from two writes (a reader racing a replacement must see either the
 *    old or the new value, which is what RCU is supposed to guarantee);
 *
 *  - 64 private keys per thread that only their owner touches: every
 *    call on them has exactly one correct outcome, which the owner knows
 *    from its own history, so a lost, duplicated or stale update shows.
 *
 * Afterwards the main thread checks every private key's final value, the
 * entry count and the STATS counters against what the threads did. Run it
 * on a KCSAN/lockdep kernel (see config): those report what the checks
 * here cannot see.
 *
 * Environment: RCUMAP_STRESS_SECONDS (default 5, at most
 * STRESS_MAX_SECONDS), RCUMAP_STRESS_SEED (default: time-based; logged so
 * a failing run can be repeated).
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rcumap_test_util.h"

#define NR_SHARED_KEYS		64
#define NR_PRIVATE_KEYS		64
#define MIN_THREADS		4
#define MAX_THREADS		16

#define DEFAULT_SECONDS		5
#define STRESS_MAX_SECONDS	240
/* Harness timeout: the run, plus setup and the final checks. */
#define STRESS_TIMEOUT		(STRESS_MAX_SECONDS + 40)

#define KEY_MAX			16
/* Longest value make_value() builds: header plus at most 255 filler. */
#define VALUE_MAX		(KEY_MAX + 32 + 255)
/* Read buffer: larger than any value, so GET never sees ERANGE. */
#define READ_BUF		512

/* What a thread believes one of its private keys holds. */
struct private_key {
	bool present;
	unsigned long long seq;		/* of the write it holds */
};

struct op_counts {
	unsigned long long puts, put_fails;
	unsigned long long gets, get_misses;
	unsigned long long dels, del_fails;
};

struct worker {
	pthread_t thread;
	int id;
	int fd;
	unsigned int seed;
	unsigned long long seq;		/* next sequence number to write */
	struct private_key priv[NR_PRIVATE_KEYS];
	struct op_counts n;
	char error[256];		/* first failure, empty if none */
};

/* Set by the main thread at the deadline, or by a worker that failed. */
static atomic_bool stop;

static size_t shared_key(char *buf, unsigned int idx)
{
	return snprintf(buf, KEY_MAX, "shared-%02u", idx);
}

static size_t private_key(char *buf, int writer, unsigned int idx)
{
	return snprintf(buf, KEY_MAX, "priv-%02d-%02u", writer, idx);
}

/*
 * The value @writer stores under @key with sequence number @seq: the key,
 * writer and sequence, then filler whose length (0..255) and bytes both
 * depend on writer and sequence. Replacements therefore change the value
 * size, and a value assembled from parts of two writes cannot match what
 * make_value() rebuilds from its header.
 */
static size_t make_value(char *buf, const char *key, int writer,
			 unsigned long long seq)
{
	size_t len = snprintf(buf, VALUE_MAX, "%s|%d|%llu|", key, writer, seq);
	size_t fill = (seq * 37 + writer * 11) % 256;
	size_t i;

	for (i = 0; i < fill; i++)
		buf[len + i] = 'a' + (seq + writer + i) % 26;
	return len + fill;
}

/*
 * Whether @val (@len bytes) is a complete value some writer stored under
 * @key: its header must name @key and rebuild to exactly @val.
 */
static bool value_is_whole(const char *key, const char *val, size_t len)
{
	char copy[READ_BUF + 1], expect[VALUE_MAX];
	size_t klen = strlen(key);
	unsigned long long seq;
	int writer;

	if (len > READ_BUF || len <= klen || memcmp(val, key, klen) ||
	    val[klen] != '|')
		return false;
	memcpy(copy, val, len);
	copy[len] = '\0';
	if (sscanf(copy + klen, "|%d|%llu|", &writer, &seq) != 2 ||
	    writer < 0 || writer >= MAX_THREADS)
		return false;
	return make_value(expect, key, writer, seq) == len &&
	       !memcmp(expect, val, len);
}

/* How much of a @len-byte value to quote in a message; values are not
 * NUL-terminated.
 */
static int shown(size_t len)
{
	return len < 40 ? len : 40;
}

static void __attribute__((format(printf, 2, 3)))
fail(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rcumap_thread_vfail(w->error, sizeof(w->error), &stop, fmt, ap);
	va_end(ap);
}

static const char *flag_name(unsigned int flags)
{
	return flags == RCUMAP_NOEXIST ? "NOEXIST" :
	       flags == RCUMAP_EXIST ? "EXIST" : "ANY";
}

/* --- private keys: one correct outcome per call --- */

static void private_put(struct worker *w, unsigned int idx,
			unsigned int flags)
{
	struct private_key *p = &w->priv[idx];
	char key[KEY_MAX], val[VALUE_MAX];
	size_t klen = private_key(key, w->id, idx);
	unsigned long long seq = w->seq++;
	size_t vlen = make_value(val, key, w->id, seq);
	int want = 0, ret;

	if (flags == RCUMAP_NOEXIST && p->present)
		want = -EEXIST;
	else if (flags == RCUMAP_EXIST && !p->present)
		want = -ENOENT;

	ret = rcumap_put(w->fd, key, klen, val, vlen, flags);
	w->n.puts++;
	if (ret)
		w->n.put_fails++;
	if (ret != want) {
		fail(w, "PUT %s %s: got %d, want %d", flag_name(flags), key,
		     ret, want);
		return;
	}
	if (!ret) {
		p->present = true;
		p->seq = seq;
	}
}

static void private_get(struct worker *w, unsigned int idx, int fd,
			const char *who)
{
	struct private_key *p = &w->priv[idx];
	char key[KEY_MAX], val[VALUE_MAX], buf[READ_BUF];
	size_t klen = private_key(key, w->id, idx);
	size_t len = sizeof(buf), vlen;
	int ret;

	ret = rcumap_get(fd, key, klen, buf, &len);
	w->n.gets++;
	if (!p->present) {
		if (ret != -ENOENT)
			fail(w, "%s: GET %s after its DEL: got %d (len %zu)",
			     who, key, ret, len);
		w->n.get_misses += ret == -ENOENT;
		return;
	}
	if (ret) {
		w->n.get_misses += ret == -ENOENT;
		fail(w, "%s: GET %s holding seq %llu: got %d", who, key,
		     p->seq, ret);
		return;
	}
	vlen = make_value(val, key, w->id, p->seq);
	if (len != vlen || memcmp(buf, val, vlen))
		fail(w, "%s: GET %s: value is not seq %llu's (len %zu, want %zu): %.*s",
		     who, key, p->seq, len, vlen, shown(len), buf);
}

static void private_del(struct worker *w, unsigned int idx)
{
	struct private_key *p = &w->priv[idx];
	char key[KEY_MAX];
	size_t klen = private_key(key, w->id, idx);
	int want = p->present ? 0 : -ENOENT;
	int ret;

	ret = rcumap_del(w->fd, key, klen);
	w->n.dels++;
	if (ret)
		w->n.del_fails++;
	if (ret != want)
		fail(w, "DEL %s: got %d, want %d", key, ret, want);
	else
		p->present = false;
}

/* --- shared keys: any whole value of the right key --- */

static void shared_put(struct worker *w, unsigned int idx,
		       unsigned int flags)
{
	char key[KEY_MAX], val[VALUE_MAX];
	size_t klen = shared_key(key, idx);
	size_t vlen = make_value(val, key, w->id, w->seq++);
	int ret;

	ret = rcumap_put(w->fd, key, klen, val, vlen, flags);
	w->n.puts++;
	if (!ret)
		return;
	w->n.put_fails++;
	/* Another thread may have created or deleted the key meanwhile. */
	if ((flags == RCUMAP_NOEXIST && ret == -EEXIST) ||
	    (flags == RCUMAP_EXIST && ret == -ENOENT))
		return;
	fail(w, "PUT %s %s: got %d", flag_name(flags), key, ret);
}

static void shared_get(struct worker *w, unsigned int idx)
{
	char key[KEY_MAX], buf[READ_BUF];
	size_t klen = shared_key(key, idx);
	size_t len = sizeof(buf);
	int ret;

	ret = rcumap_get(w->fd, key, klen, buf, &len);
	w->n.gets++;
	if (ret == -ENOENT) {
		w->n.get_misses++;
		return;
	}
	if (ret)
		fail(w, "GET %s: got %d (len %zu)", key, ret, len);
	else if (!value_is_whole(key, buf, len))
		fail(w, "GET %s: torn or misplaced value (len %zu): %.*s",
		     key, len, shown(len), buf);
}

static void shared_del(struct worker *w, unsigned int idx)
{
	char key[KEY_MAX];
	size_t klen = shared_key(key, idx);
	int ret;

	ret = rcumap_del(w->fd, key, klen);
	w->n.dels++;
	if (!ret)
		return;
	w->n.del_fails++;
	if (ret != -ENOENT)
		fail(w, "DEL %s: got %d", key, ret);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		unsigned int r = rand_r(&w->seed);
		unsigned int idx = (r >> 8) % NR_SHARED_KEYS;
		unsigned int flags = (r >> 16) % 3;	/* ANY, NOEXIST, EXIST */
		bool shared = r & 1;
		/* 40% PUT, 40% GET, 20% DEL: the map stays about half full. */
		unsigned int op = (r >> 1) % 10;

		if (op < 4) {
			if (shared)
				shared_put(w, idx, flags);
			else
				private_put(w, idx % NR_PRIVATE_KEYS, flags);
		} else if (op < 8) {
			if (shared)
				shared_get(w, idx);
			else
				private_get(w, idx % NR_PRIVATE_KEYS, w->fd,
					    "worker");
		} else {
			if (shared)
				shared_del(w, idx);
			else
				private_del(w, idx % NR_PRIVATE_KEYS);
		}
	}
	return NULL;
}

/* RAND_MAX is 2^31 - 1: the bit slices above stay within it. */
static_assert(RAND_MAX >= (1 << 30), "rand_r() range too small");

static int nr_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long n = cpus > 0 ? 2 * cpus : MIN_THREADS;

	if (n < MIN_THREADS)
		n = MIN_THREADS;
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	return n;
}

static long env_long(const char *name, long def)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtol(s, &end, 0);
	return errno || *end ? def : v;
}

FIXTURE(stress) {
	int fd;
	int nr;
	struct worker *w;
};

FIXTURE_SETUP(stress)
{
	self->w = NULL;
	self->nr = 0;
	self->fd = rcumap_test_setup(_metadata, "");
}

FIXTURE_TEARDOWN(stress)
{
	int i;

	/* Worker fds too, or the unload would find the module busy. */
	for (i = 0; i < self->nr; i++)
		if (self->w[i].fd >= 0)
			rcumap_close(self->w[i].fd);
	free(self->w);
	rcumap_test_teardown(_metadata, self->fd);
}

/* Sum the counts of all workers. */
static struct op_counts total_counts(const struct worker *w, int nr)
{
	struct op_counts t = { 0 };
	int i;

	for (i = 0; i < nr; i++) {
		t.puts += w[i].n.puts;
		t.put_fails += w[i].n.put_fails;
		t.gets += w[i].n.gets;
		t.get_misses += w[i].n.get_misses;
		t.dels += w[i].n.dels;
		t.del_fails += w[i].n.del_fails;
	}
	return t;
}

/*
 * With the workers joined the counters are quiescent, so the per-CPU sums
 * must match the calls made exactly: a lost increment is a bug.
 */
static void check_stats(struct __test_metadata *_metadata,
			const struct rcumap_stats *s0,
			const struct rcumap_stats *s1,
			const struct op_counts *t)
{
#define DELTA(field)	(s1->field - s0->field)
	EXPECT_EQ(t->puts, DELTA(ops[RCUMAP_CMD_PUT]));
	EXPECT_EQ(t->put_fails, DELTA(failures[RCUMAP_CMD_PUT]));
	EXPECT_EQ(t->gets, DELTA(ops[RCUMAP_CMD_GET]));
	EXPECT_EQ(t->get_misses, DELTA(failures[RCUMAP_CMD_GET]));
	EXPECT_EQ(t->gets - t->get_misses, DELTA(hits));
	EXPECT_EQ(t->get_misses, DELTA(misses));
	EXPECT_EQ(t->dels, DELTA(ops[RCUMAP_CMD_DEL]));
	EXPECT_EQ(t->del_fails, DELTA(failures[RCUMAP_CMD_DEL]));
	EXPECT_EQ(1U, DELTA(ops[RCUMAP_CMD_STATS]));
#undef DELTA
}

TEST_F_TIMEOUT(stress, concurrent_put_get_del_keep_values_consistent,
	       STRESS_TIMEOUT)
{
	long seconds = env_long("RCUMAP_STRESS_SECONDS", DEFAULT_SECONDS);
	unsigned int seed = env_long("RCUMAP_STRESS_SEED",
				     time(NULL) ^ getpid());
	unsigned long long priv_present = 0, shared_present = 0;
	struct rcumap_stats s0, s1;
	struct timespec start, now;
	struct rcumap_info info;
	struct op_counts t;
	int i, started, ret;
	unsigned int k;

	if (seconds < 1 || seconds > STRESS_MAX_SECONDS) {
		TH_LOG("RCUMAP_STRESS_SECONDS must be 1..%d, using %d",
		       STRESS_MAX_SECONDS, DEFAULT_SECONDS);
		seconds = DEFAULT_SECONDS;
	}
	self->w = calloc(MAX_THREADS, sizeof(*self->w));
	ASSERT_NE(NULL, self->w);
	for (i = 0; i < MAX_THREADS; i++)
		self->w[i].fd = -1;
	/* Set only now: teardown walks self->w up to self->nr. */
	self->nr = nr_threads();
	TH_LOG("%d threads for %ld s, RCUMAP_STRESS_SEED=%u", self->nr,
	       seconds, seed);

	for (i = 0; i < self->nr; i++) {
		self->w[i].id = i;
		self->w[i].seed = seed + i;
		self->w[i].fd = rcumap_open(NULL);
		ASSERT_LE(0, self->w[i].fd)
			TH_LOG("open for thread %d: %s", i,
			       strerror(-self->w[i].fd));
	}

	ASSERT_EQ(0, rcumap_stats(self->fd, &s0));
	atomic_store(&stop, false);
	for (started = 0; started < self->nr; started++) {
		ret = pthread_create(&self->w[started].thread, NULL,
				     worker_main, &self->w[started]);
		if (ret) {
			/* Join what runs before failing: no stray threads. */
			TH_LOG("pthread_create: %s", strerror(ret));
			atomic_store(&stop, true);
			break;
		}
	}

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		rcumap_sleep_ms(100);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (!atomic_load(&stop) && now.tv_sec - start.tv_sec < seconds);
	atomic_store(&stop, true);
	for (i = 0; i < started; i++)
		pthread_join(self->w[i].thread, NULL);
	ASSERT_EQ(self->nr, started);

	ASSERT_EQ(0, rcumap_stats(self->fd, &s1));

	for (i = 0; i < self->nr; i++) {
		struct op_counts *n = &self->w[i].n;

		TH_LOG("thread %2d: %llu PUT (%llu failed), %llu GET (%llu missed), %llu DEL (%llu failed)",
		       i, n->puts, n->put_fails, n->gets, n->get_misses,
		       n->dels, n->del_fails);
		EXPECT_STREQ("", self->w[i].error)
			TH_LOG("thread %d failed", i);
	}
	t = total_counts(self->w, self->nr);
	TH_LOG("total: %llu PUT, %llu GET, %llu DEL", t.puts, t.gets, t.dels);
	EXPECT_LT(0U, t.puts + t.gets + t.dels);

	check_stats(_metadata, &s0, &s1, &t);

	/* Every private key holds exactly its owner's last write. */
	for (i = 0; i < self->nr; i++) {
		struct worker *w = &self->w[i];

		w->error[0] = '\0';
		for (k = 0; k < NR_PRIVATE_KEYS; k++) {
			private_get(w, k, self->fd, "final check");
			priv_present += w->priv[k].present;
		}
		EXPECT_STREQ("", w->error);
	}

	/* Nothing else is in the map: entries adds up. */
	for (k = 0; k < NR_SHARED_KEYS; k++) {
		char key[KEY_MAX], buf[READ_BUF];
		size_t klen = shared_key(key, k), len = sizeof(buf);

		ret = rcumap_get(self->fd, key, klen, buf, &len);
		if (ret == -ENOENT)
			continue;
		EXPECT_EQ(0, ret) TH_LOG("final GET %s", key);
		EXPECT_TRUE(!ret && value_is_whole(key, buf, len))
			TH_LOG("final value of %s: %.*s", key, shown(len), buf);
		shared_present++;
	}
	ASSERT_EQ(0, rcumap_info(self->fd, &info));
	EXPECT_EQ(priv_present + shared_present, info.entries)
		TH_LOG("%llu private and %llu shared keys present",
		       priv_present, shared_present);
}

/*
 * One slot left and two threads that PUT and DEL the same new key: the map
 * is never full for that key, so no PUT of it may fail -ENOSPC. Under
 * sync=rhashtable an insert used to take its slot before it published,
 * so the other thread's PUT found the map full (4,058 ENOSPC in 5 s).
 */
#define SLOT_SECONDS	3

struct slot_race {
	int fd;
	atomic_bool *stop;
	unsigned long puts;
	unsigned long enospc;
	int other;		/* an errno neither ENOSPC nor expected */
};

static void *slot_race_thread(void *arg)
{
	struct slot_race *r = arg;
	int ret;

	while (!atomic_load(r->stop)) {
		ret = rcumap_put(r->fd, "contended", 9, "v", 1, RCUMAP_ANY);
		r->puts++;
		if (ret == -ENOSPC)
			r->enospc++;
		else if (ret && !r->other)
			r->other = -ret;
		ret = rcumap_del(r->fd, "contended", 9);
		if (ret && ret != -ENOENT && !r->other)
			r->other = -ret;
	}
	return NULL;
}

RCUMAP_MAP_FIXTURE(one_slot_left, "max_entries=2")

TEST_F_TIMEOUT(one_slot_left, put_of_one_key_never_fails_enospc_for_its_own_slot,
	       SLOT_SECONDS + 30)
{
	struct slot_race r[2] = { 0 };
	atomic_bool stop = false;
	pthread_t tid[2];
	int t;

	ASSERT_EQ(0, rcumap_put(self->fd, "held", 4, "h", 1, RCUMAP_ANY));
	for (t = 0; t < 2; t++) {
		r[t].fd = rcumap_open(NULL);
		ASSERT_LE(0, r[t].fd);
		r[t].stop = &stop;
		ASSERT_EQ(0, pthread_create(&tid[t], NULL, slot_race_thread,
					    &r[t]));
	}
	sleep(SLOT_SECONDS);
	atomic_store(&stop, true);
	for (t = 0; t < 2; t++) {
		pthread_join(tid[t], NULL);
		close(r[t].fd);
		EXPECT_EQ(0U, r[t].enospc)
			TH_LOG("thread %d: %lu of %lu PUTs failed ENOSPC",
			       t, r[t].enospc, r[t].puts);
		EXPECT_EQ(0, r[t].other)
			TH_LOG("thread %d: %s", t, strerror(r[t].other));
	}
}

/*
 * A real-time reader that preempts a writer in the middle of a rewrite in
 * place, on the writer's CPU. Under PREEMPT_RT the bucket's spinlock
 * sleeps, so the writer can be preempted inside its seqcount write
 * section; a reader that spins until the count is even then spins on a CPU
 * the writer needs, until RT throttling (95 % of each second) lets the
 * writer finish: a GET of about a second. A seqcount_spinlock_t reader
 * that finds the count odd takes the bucket's lock instead, boosting the
 * writer, and its GET waits only for that one rewrite. Elsewhere a
 * spinlock holder cannot be preempted, and this passes trivially.
 *
 * The bound, 200 ms, is generous: a GET here takes well under a
 * millisecond, and the reader's priority (10) is below the kernel's
 * interrupt threads (50), whose work may delay it.
 */
#define RT_SECONDS	5
#define RT_BOUND_MS	200
#define RT_VALUE_LEN	128

struct rt_race {
	int fd;
	atomic_bool stop;
	long worst_us;
	unsigned long gets;
	int error;
};

static long us_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000L +
	       (b->tv_nsec - a->tv_nsec) / 1000;
}

static void *rt_writer(void *arg)
{
	struct rt_race *r = arg;
	char value[RT_VALUE_LEN];
	unsigned int i = 0;

	while (!atomic_load(&r->stop)) {
		memset(value, 'a' + i++ % 26, sizeof(value));
		rcumap_put(r->fd, "rt", 2, value, sizeof(value), RCUMAP_ANY);
	}
	return NULL;
}

static void *rt_reader(void *arg)
{
	struct rt_race *r = arg;
	struct timespec t0, t1, nap = { .tv_nsec = 1000000 };
	char buf[RT_VALUE_LEN];
	size_t len;
	int ret;

	while (!atomic_load(&r->stop)) {
		nanosleep(&nap, NULL);
		len = sizeof(buf);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ret = rcumap_get(r->fd, "rt", 2, buf, &len);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ret && !r->error)
			r->error = -ret;
		if (us_between(&t0, &t1) > r->worst_us)
			r->worst_us = us_between(&t0, &t1);
		r->gets++;
	}
	return NULL;
}

RCUMAP_MAP_FIXTURE(rt_reader, "")

TEST_F_TIMEOUT(rt_reader, fifo_reader_preempting_a_rewriter_is_not_livelocked,
	       RT_SECONDS + 30)
{
	struct sched_param fifo = { .sched_priority = 10 };
	struct rt_race r = { .fd = self->fd };
	char value[RT_VALUE_LEN] = { 0 };
	pthread_t writer, reader;
	cpu_set_t cpu0;

	ASSERT_EQ(0, rcumap_put(self->fd, "rt", 2, value, sizeof(value),
				RCUMAP_ANY));
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	ASSERT_EQ(0, pthread_create(&writer, NULL, rt_writer, &r));
	ASSERT_EQ(0, pthread_setaffinity_np(writer, sizeof(cpu0), &cpu0));
	ASSERT_EQ(0, pthread_create(&reader, NULL, rt_reader, &r));
	ASSERT_EQ(0, pthread_setaffinity_np(reader, sizeof(cpu0), &cpu0));
	ASSERT_EQ(0, pthread_setschedparam(reader, SCHED_FIFO, &fifo));
	sleep(RT_SECONDS);
	atomic_store(&r.stop, true);
	pthread_join(reader, NULL);
	pthread_join(writer, NULL);
	TH_LOG("%lu GETs, the worst took %ld us", r.gets, r.worst_us);
	EXPECT_EQ(0, r.error) TH_LOG("GET: %s", strerror(r.error));
	EXPECT_GT(r.gets, 0UL);
	EXPECT_LT(r.worst_us, RT_BOUND_MS * 1000L)
		TH_LOG("the worst of %lu GETs took %ld us", r.gets, r.worst_us);
}

TEST_HARNESS_MAIN
