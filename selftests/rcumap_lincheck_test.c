// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the linearizability checker in userspace/lib/lincheck.c, which
 * judges the histories rcumap-hammer records. No module needed.
 *
 * Hand-written histories pin down the model and the timing rules; random
 * histories of a simulated atomic map, linearizable by construction, check
 * that the search is fast enough for real runs and still finds one bad
 * result among many.
 *
 * Environment: LINCHECK_TEST_OPS (default 100000) sizes the random
 * histories, e.g. smaller under valgrind; LINCHECK_TEST_SEED (default:
 * time-based; logged so a failing run can be repeated).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
/*
 * Nor are the wrappers TEST() expands to in this file: they ignore their
 * variant argument. Our own functions use all of theirs.
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"

#include "lincheck.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#define OPS_DEFAULT	100000
#define THREADS		8
#define KEYS		64
/* Written by nobody: ADD deltas stay far below it. */
#define BAD_VALUE	0xbad0bad0bad0bad0ULL

/* Fields not given are 0: key 0, thread 0, LIN_ANY, err 0. */
#define GET(c, r, ...)	((struct lin_op){ .kind = LIN_GET, .call = (c), .ret = (r), __VA_ARGS__ })
#define PUT(c, r, ...)	((struct lin_op){ .kind = LIN_PUT, .call = (c), .ret = (r), __VA_ARGS__ })
#define DEL(c, r, ...)	((struct lin_op){ .kind = LIN_DEL, .call = (c), .ret = (r), __VA_ARGS__ })
#define ADD(c, r, ...)	((struct lin_op){ .kind = LIN_ADD, .call = (c), .ret = (r), __VA_ARGS__ })
#define CAS(c, r, ...)	((struct lin_op){ .kind = LIN_CAS, .call = (c), .ret = (r), __VA_ARGS__ })

/*
 * Check @ops, which must be well formed, and log the outcome. The verdict
 * is returned as an int: the enum is unsigned, its constants are not, and
 * the harness would warn comparing them.
 */
static int check(struct __test_metadata *_metadata, const struct lin_op *ops,
		 size_t n, struct lin_result *res)
{
	ASSERT_EQ(0, lin_check(ops, n, 0, res));
	TH_LOG("%s in %.3f s: %s", lin_verdict_name(res->verdict),
	       res->seconds, res->why);
	return res->verdict;
}

#define ASSERT_VERDICT(verdict, ops) do { \
	struct lin_result __res; \
	ASSERT_EQ(verdict, check(_metadata, ops, ARRAY_LEN(ops), &__res)); \
} while (0)

TEST(empty_history_passes)
{
	struct lin_result res;

	ASSERT_EQ(LIN_OK, check(_metadata, NULL, 0, &res));
	ASSERT_EQ(0U, res.keys);
}

TEST(sequential_history_passes)
{
	struct lin_op ops[] = {
		GET(0, 10, .err = ENOENT),
		PUT(20, 30, .arg = 5),
		GET(40, 50, .out = 5),
		ADD(60, 70, .arg = 3, .out = 8),
		DEL(80, 90),
		DEL(100, 110, .err = ENOENT),
		ADD(120, 130, .arg = 4, .out = 4),
		CAS(140, 150, .arg2 = 4, .arg = 9),
		GET(160, 170, .out = 9),
	};

	ASSERT_VERDICT(LIN_OK, ops);
}

TEST(ops_are_accepted_in_any_order)
{
	struct lin_op ops[] = {
		GET(40, 50, .out = 7),
		PUT(20, 30, .arg = 7),
		GET(0, 10, .err = ENOENT),
	};

	ASSERT_VERDICT(LIN_OK, ops);
}

TEST(get_overlapping_put_may_see_either_value)
{
	uint64_t seen;

	for (seen = 1; seen <= 2; seen++) {
		struct lin_op ops[] = {
			PUT(0, 10, .arg = 1),
			PUT(20, 40, .arg = 2),
			GET(25, 35, .thread = 1, .out = seen),
		};

		ASSERT_VERDICT(LIN_OK, ops);
	}
}

TEST(stale_read_is_violation)
{
	struct lin_op ops[] = {
		PUT(0, 10, .arg = 1),
		PUT(20, 30, .arg = 2),
		GET(40, 50, .thread = 1, .out = 1),
	};

	ASSERT_VERDICT(LIN_VIOLATION, ops);
}

TEST(lost_write_is_violation)
{
	struct lin_op ops[] = {
		PUT(0, 10, .arg = 0),
		ADD(20, 30, .arg = 1, .out = 1),
		ADD(40, 50, .thread = 1, .arg = 1, .out = 2),
		GET(60, 70, .out = 1),
	};

	ASSERT_VERDICT(LIN_VIOLATION, ops);
}

TEST(read_of_never_written_value_is_violation)
{
	struct lin_op ops[] = {
		PUT(0, 10, .arg = 1),
		GET(5, 15, .thread = 1, .out = 42),
	};

	ASSERT_VERDICT(LIN_VIOLATION, ops);
}

TEST(get_after_completed_del_is_violation)
{
	struct lin_op ops[] = {
		PUT(0, 10, .arg = 1),
		DEL(20, 30),
		GET(40, 50, .thread = 1, .out = 1),
	};

	ASSERT_VERDICT(LIN_VIOLATION, ops);
}

TEST(flag_results_consistent_with_state_pass)
{
	struct lin_op ops[] = {
		PUT(0, 10, .flags = LIN_EXIST, .arg = 1, .err = ENOENT),
		ADD(20, 30, .flags = LIN_EXIST, .arg = 1, .err = ENOENT),
		PUT(40, 50, .flags = LIN_NOEXIST, .arg = 2),
		PUT(60, 70, .flags = LIN_NOEXIST, .arg = 3, .err = EEXIST),
		ADD(80, 90, .flags = LIN_NOEXIST, .arg = 3, .err = EEXIST),
		PUT(100, 110, .flags = LIN_EXIST, .arg = 4),
		ADD(120, 130, .flags = LIN_EXIST, .arg = 1, .out = 5),
	};

	ASSERT_VERDICT(LIN_OK, ops);
}

TEST(noexist_put_succeeding_on_present_key_is_violation)
{
	struct lin_op ops[] = {
		PUT(0, 10, .arg = 1),
		PUT(20, 30, .flags = LIN_NOEXIST, .arg = 2),
	};

	ASSERT_VERDICT(LIN_VIOLATION, ops);
}

TEST(noexist_put_failing_on_absent_key_is_violation)
{
	struct lin_op ops[] = {
		PUT(0, 10, .flags = LIN_NOEXIST, .arg = 1, .err = EEXIST),
	};

	ASSERT_VERDICT(LIN_VIOLATION, ops);
}

TEST(exist_put_succeeding_on_absent_key_is_violation)
{
	struct lin_op ops[] = {
		PUT(0, 10, .flags = LIN_EXIST, .arg = 1),
	};

	ASSERT_VERDICT(LIN_VIOLATION, ops);
}

TEST(exist_add_failing_on_present_key_is_violation)
{
	struct lin_op ops[] = {
		PUT(0, 10, .arg = 1),
		ADD(20, 30, .flags = LIN_EXIST, .arg = 1, .err = ENOENT),
	};

	ASSERT_VERDICT(LIN_VIOLATION, ops);
}

TEST(add_wraps_around)
{
	struct lin_op ops[] = {
		PUT(0, 10, .arg = UINT64_MAX),
		ADD(20, 30, .arg = 2, .out = 1),
		ADD(40, 50, .arg = (uint64_t)-3, .out = UINT64_MAX - 1),
	};

	ASSERT_VERDICT(LIN_OK, ops);
}

TEST(cas_results_consistent_with_state_pass)
{
	struct lin_op ops[] = {
		CAS(0, 10, .arg2 = 1, .arg = 2, .err = ENOENT),
		PUT(20, 30, .arg = 1),
		CAS(40, 50, .arg2 = 7, .arg = 2, .err = LIN_CAS_MISMATCH, .out = 1),
		CAS(60, 70, .arg2 = 1, .arg = 2),
		GET(80, 90, .out = 2),
	};

	ASSERT_VERDICT(LIN_OK, ops);
}

TEST(cas_success_with_wrong_expected_value_is_violation)
{
	struct lin_op ops[] = {
		PUT(0, 10, .arg = 1),
		CAS(20, 30, .arg2 = 7, .arg = 2),
	};

	ASSERT_VERDICT(LIN_VIOLATION, ops);
}

TEST(cas_mismatch_on_expected_value_is_violation)
{
	struct lin_op ops[] = {
		PUT(0, 10, .arg = 1),
		CAS(20, 30, .arg2 = 1, .arg = 2, .err = LIN_CAS_MISMATCH, .out = 1),
	};

	ASSERT_VERDICT(LIN_VIOLATION, ops);
}

TEST(cas_mismatch_reporting_wrong_current_value_is_violation)
{
	struct lin_op ops[] = {
		PUT(0, 10, .arg = 1),
		CAS(20, 30, .arg2 = 7, .arg = 2, .err = LIN_CAS_MISMATCH, .out = 5),
	};

	ASSERT_VERDICT(LIN_VIOLATION, ops);
}

TEST(keys_are_checked_separately)
{
	struct lin_op ops[] = {
		PUT(0, 10, .key = 1, .arg = 1),
		GET(20, 30, .key = 2, .err = ENOENT),
		GET(40, 50, .key = 1, .out = 1),
	};

	ASSERT_VERDICT(LIN_OK, ops);
}

TEST(violation_names_the_bad_key)
{
	struct lin_op ops[] = {
		PUT(0, 10, .key = 3, .arg = 1),
		PUT(0, 10, .key = 2, .arg = 1),
		PUT(0, 10, .key = 1, .arg = 1),
		PUT(20, 30, .key = 2, .arg = 2),
		GET(40, 50, .key = 3, .out = 1),
		GET(40, 50, .key = 2, .out = 1),
		GET(40, 50, .key = 1, .out = 1),
	};
	struct lin_result res;

	ASSERT_EQ(LIN_VIOLATION, check(_metadata, ops, ARRAY_LEN(ops), &res));
	ASSERT_EQ(2U, res.bad_key);
	ASSERT_EQ(2U, res.keys);
}

TEST(violation_report_names_the_op_that_cannot_be_placed)
{
	struct lin_op ops[] = {
		PUT(0, 10, .key = 7, .arg = 1),
		PUT(20, 30, .key = 7, .arg = 2),
		GET(40, 50, .key = 7, .thread = 2, .out = 1),
	};
	struct lin_result res;

	ASSERT_EQ(LIN_VIOLATION, check(_metadata, ops, ARRAY_LEN(ops), &res));
	ASSERT_NE(NULL, strstr(res.why, "key 7:"));
	ASSERT_NE(NULL, strstr(res.why, "prefix (length 2) leaves the key = 2"));
	ASSERT_NE(NULL, strstr(res.why, "t2 GET k7 -> 1 [40, 50]"));
}

TEST(call_at_return_time_overlaps)
{
	struct lin_op ops[] = {
		PUT(0, 10, .arg = 1),
		GET(10, 20, .thread = 1, .err = ENOENT),
	};

	ASSERT_VERDICT(LIN_OK, ops);
}

TEST(malformed_op_ret_before_call_is_einval)
{
	struct lin_op ops[] = {
		PUT(0, 10, .arg = 1),
		GET(30, 20, .out = 1),
	};
	struct lin_result res;

	ASSERT_EQ(-EINVAL, lin_check(ops, ARRAY_LEN(ops), 0, &res));
	TH_LOG("%s", res.why);
	ASSERT_NE(NULL, strstr(res.why, "op 1 "));
}

TEST(op_the_model_cannot_judge_is_einval)
{
	struct lin_op bad[] = {
		{ .kind = LIN_CAS + 1 },
		PUT(0, 10, .flags = LIN_EXIST + 1),
		GET(0, 10, .flags = LIN_NOEXIST, .err = ENOENT),
		PUT(0, 10, .err = ENOSPC),
		GET(0, 10, .err = EEXIST),
		PUT(0, 10, .err = LIN_CAS_MISMATCH),
	};
	struct lin_result res;
	size_t i;

	for (i = 0; i < ARRAY_LEN(bad); i++) {
		ASSERT_EQ(-EINVAL, lin_check(&bad[i], 1, 0, &res));
		TH_LOG("%s", res.why);
	}
}

TEST(op_format_shows_kind_args_result_and_times)
{
	struct lin_op ops[] = {
		PUT(1200, 1350, .thread = 3, .key = 7, .arg = 42),
		ADD(1, 2, .flags = LIN_NOEXIST, .arg = (uint64_t)-5, .err = EEXIST),
		CAS(1, 2, .arg2 = 1, .arg = 2, .err = LIN_CAS_MISMATCH, .out = 3),
	};
	static const char *const want[] = {
		"t3 PUT k7 42 -> ok [1200, 1350]",
		"t0 ADD(NOEXIST) k0 -5 -> EEXIST [1, 2]",
		"t0 CAS k0 expect 1 set 2 -> mismatch 3 [1, 2]",
	};
	char buf[160];
	size_t i;

	for (i = 0; i < ARRAY_LEN(ops); i++) {
		lin_op_format(&ops[i], buf, sizeof(buf));
		ASSERT_STREQ(want[i], buf);
	}
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = (*s += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t below(uint64_t *s, uint64_t n)
{
	return rnd(s) % n;
}

static size_t env_size(const char *name, size_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

struct sim_op {
	uint64_t at;		/* when it takes effect */
	struct lin_op op;
};

struct sim_key {
	uint64_t value;
	int present;
};

static int cmp_at(const void *pa, const void *pb)
{
	const struct sim_op *a = pa, *b = pb;

	return a->at < b->at ? -1 : a->at > b->at;
}

/* PUT and ADD flags decide before the map does; a positive errno or 0. */
static int flags_err(uint8_t flags, int present)
{
	if (flags == LIN_NOEXIST && present)
		return EEXIST;
	return flags == LIN_EXIST && !present ? ENOENT : 0;
}

/* Perform @op on @k as a correct map would: fill in its err and out. */
static void apply(struct sim_key *k, struct lin_op *op)
{
	op->out = 0;
	if (op->kind == LIN_PUT || op->kind == LIN_ADD)
		op->err = flags_err(op->flags, k->present);
	else
		op->err = k->present ? 0 : ENOENT;
	if (op->err)
		return;
	switch (op->kind) {
	case LIN_GET:
		op->out = k->value;
		break;
	case LIN_PUT:
		*k = (struct sim_key){ op->arg, 1 };
		break;
	case LIN_DEL:
		*k = (struct sim_key){ 0, 0 };
		break;
	case LIN_ADD:
		*k = (struct sim_key){ k->present ? k->value + op->arg : op->arg, 1 };
		op->out = k->value;
		break;
	case LIN_CAS:
		if (op->arg2 == k->value) {
			k->value = op->arg;
		} else {
			op->err = LIN_CAS_MISMATCH;
			op->out = k->value;
		}
		break;
	}
}

/* Pick a random op with the given thread, key and times, and perform it. */
static void perform(struct sim_key *k, struct lin_op *op, uint64_t *rng,
		    uint64_t write_id)
{
	unsigned int r = below(rng, 100);

	op->kind = r < 40 ? LIN_GET : r < 65 ? LIN_PUT : r < 75 ? LIN_DEL :
		   r < 90 ? LIN_ADD : LIN_CAS;
	if (op->kind == LIN_PUT || op->kind == LIN_ADD)
		op->flags = below(rng, 3);
	op->arg = op->kind == LIN_ADD ? below(rng, 2001) - 1000 : write_id;
	if (op->kind == LIN_CAS)
		op->arg2 = below(rng, 2) ? k->value : write_id - 1;
	apply(k, op);
}

/*
 * @n ops by THREADS threads on @keys keys, linearizable by construction:
 * each thread issues ops back to back, each op takes effect at a point
 * strictly inside its [call, ret], and a correct map performs them in the
 * order of those points. Now and then an op takes long, as when a thread
 * is preempted, so that many ops overlap it.
 */
static struct lin_op *random_history(size_t n, uint32_t keys, uint64_t seed)
{
	struct sim_op *sim = calloc(n, sizeof(*sim));
	struct sim_key *map = calloc(keys, sizeof(*map));
	struct lin_op *ops = calloc(n, sizeof(*ops));
	uint64_t clock[THREADS] = { 0 }, rng = seed, dur;
	size_t i;

	if (!sim || !map || !ops)
		abort();
	for (i = 0; i < n; i++) {
		struct lin_op *op = &sim[i].op;

		op->thread = i % THREADS;
		op->key = below(&rng, keys);
		dur = below(&rng, 64) ? 500 : 50000;
		op->call = clock[op->thread] + below(&rng, 100);
		sim[i].at = op->call + 1 + below(&rng, dur);
		op->ret = sim[i].at + 1 + below(&rng, dur);
		clock[op->thread] = op->ret + 1;
	}
	/* Equal points belong to different threads, hence overlapping ops. */
	qsort(sim, n, sizeof(*sim), cmp_at);
	for (i = 0; i < n; i++) {
		perform(&map[sim[i].op.key], &sim[i].op, &rng,
			(uint64_t)(sim[i].op.thread + 1) << 40 | i);
		ops[i] = sim[i].op;
	}
	free(sim);
	free(map);
	return ops;
}

static uint64_t test_seed(struct __test_metadata *_metadata)
{
	uint64_t seed = env_size("LINCHECK_TEST_SEED", time(NULL));

	TH_LOG("LINCHECK_TEST_SEED=%" PRIu64, seed);
	return seed;
}

/* Whether the map can give @op's recorded result from @k; updates @k. */
static bool result_fits(struct sim_key *k, const struct lin_op *op)
{
	struct lin_op want = *op;
	bool has_out = want.err ? want.err == LIN_CAS_MISMATCH :
			want.kind == LIN_GET || want.kind == LIN_ADD;

	apply(k, &want);
	return want.err == op->err && (!has_out || want.out == op->out);
}

/* Try every order of the ops not in @done that respects real time. */
static bool brute_linearizable(const struct lin_op *ops, size_t n,
			       uint32_t done, struct sim_key *keys)
{
	struct sim_key saved;
	size_t i, j;

	if (done == (1U << n) - 1)
		return true;
	for (i = 0; i < n; i++) {
		if (done & 1U << i)
			continue;
		for (j = 0; j < n; j++)
			if (!(done & 1U << j) && ops[j].ret < ops[i].call)
				break;
		if (j < n)
			continue;
		saved = keys[ops[i].key];
		if (result_fits(&keys[ops[i].key], &ops[i]) &&
		    brute_linearizable(ops, n, done | 1U << i, keys))
			return true;
		keys[ops[i].key] = saved;
	}
	return false;
}

/*
 * Small random histories on two keys, most with one result changed, judged
 * by trying every order that respects real time: lin_check() must agree.
 * Coarse timestamps make many calls and returns coincide.
 */
TEST(agrees_with_exhaustive_search_on_small_histories)
{
	uint64_t rng = test_seed(_metadata), coarse;
	unsigned int verdicts[2] = { 0 }, round;
	struct sim_key keys[2];
	struct lin_result res;
	struct lin_op *ops;
	size_t n, i, j;

	for (round = 0; round < 5000; round++) {
		n = 1 + below(&rng, 8);
		ops = random_history(n, 2, rnd(&rng));
		coarse = 1 + below(&rng, 300);
		for (i = 0; i < n; i++) {
			ops[i].call /= coarse;
			ops[i].ret /= coarse;
		}
		i = below(&rng, n);
		j = below(&rng, n);
		if (below(&rng, 3) == 1)
			ops[i].out = below(&rng, 2) ? ops[j].out : ops[j].arg;
		else if (below(&rng, 2))
			ops[i].err = ops[i].err ? 0 : ENOENT;
		memset(keys, 0, sizeof(keys));
		ASSERT_EQ(0, lin_check(ops, n, 0, &res));
		ASSERT_EQ(brute_linearizable(ops, n, 0, keys),
			  res.verdict == LIN_OK) TH_LOG("round %u: %s", round, res.why);
		verdicts[res.verdict == LIN_OK]++;
		free(ops);
	}
	TH_LOG("%u linearizable, %u not", verdicts[1], verdicts[0]);
}

TEST(random_linearizable_history_passes_quickly)
{
	size_t n = env_size("LINCHECK_TEST_OPS", OPS_DEFAULT);
	struct lin_op *ops = random_history(n, KEYS, test_seed(_metadata));
	struct lin_result res;

	ASSERT_EQ(LIN_OK, check(_metadata, ops, n, &res));
	TH_LOG("%zu ops, %d threads, %d keys: %.3f s", n, THREADS, KEYS,
	       res.seconds);
	ASSERT_EQ(n, res.ops);
	free(ops);
}

TEST(random_history_on_one_hot_key_passes)
{
	size_t n = env_size("LINCHECK_TEST_OPS", OPS_DEFAULT) / 4;
	struct lin_op *ops = random_history(n, 1, test_seed(_metadata));
	struct lin_result res;

	ASSERT_EQ(LIN_OK, check(_metadata, ops, n, &res));
	TH_LOG("%zu ops, %d threads, 1 key: %.3f s", n, THREADS, res.seconds);
	free(ops);
}

TEST(random_history_with_one_corrupted_get_is_violation)
{
	size_t n = env_size("LINCHECK_TEST_OPS", OPS_DEFAULT), i;
	struct lin_op *ops = random_history(n, KEYS, test_seed(_metadata));
	struct lin_result res;

	for (i = n / 2; i < n; i++)
		if (ops[i].kind == LIN_GET && !ops[i].err)
			break;
	ASSERT_LT(i, n);
	ops[i].out = BAD_VALUE;
	ASSERT_EQ(LIN_VIOLATION, check(_metadata, ops, n, &res));
	ASSERT_EQ(ops[i].key, res.bad_key);
	free(ops);
}

/*
 * Always OPS_DEFAULT ops, even under valgrind: the checker reads the clock
 * only every so many search steps, and stops at the first reading.
 */
TEST(time_limit_gives_unknown_never_pass)
{
	size_t n = OPS_DEFAULT;
	struct lin_op *ops = random_history(n, KEYS, test_seed(_metadata));
	struct lin_result res;

	ASSERT_EQ(0, lin_check(ops, n, 1e-9, &res));
	TH_LOG("%s", res.why);
	ASSERT_STREQ("unknown", lin_verdict_name(res.verdict));
	ASSERT_LT(res.ops, n);
	free(ops);
}

TEST_HARNESS_MAIN
