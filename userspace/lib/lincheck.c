// SPDX-License-Identifier: GPL-2.0
/*
 * Linearizability checking of map histories: the depth-first search of
 * Wing & Gong as improved by Lowe ("Testing for linearizability", 2017),
 * the way Porcupine implements it. See lincheck.h for the model.
 *
 * A map history is linearizable iff each key's sub-history is (Horn &
 * Kroening's P-compositionality), so keys are checked one at a time, which
 * keeps every search small. For one key, the call and return events are
 * sorted by time into a doubly linked list; calls sort before returns at
 * equal times, since such ops may overlap. The search repeatedly takes a
 * call that comes before the first return in the list - an op that may go
 * next - and applies it to the model; if the recorded result matches, it
 * unlinks ("lifts") the op's call and return and starts over from the head.
 * Reaching a return means no pending op can go next: it backtracks, undoing
 * the last op taken and trying the call after it instead.
 *
 * A cache of the (set of linearized ops, model state) pairs already reached
 * prunes the search, since what can follow depends on nothing else. The set
 * is a bitset over the key's ops numbered in call order. It is closed under
 * real-time order (an op only goes next once every op that returned before
 * its call has gone), so its low words are all ones and its high words all
 * zero; only the words in between go into the cache, which keeps entries
 * small however many ops a key has.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lincheck.h"

#define NIL		(-1)
/* Reading the clock costs more than a search step: do it once per this many. */
#define CLOCK_EVERY	1024
/* List nodes are indexed by int32_t: a head plus two per op. */
#define MAX_OPS		((size_t)(INT32_MAX - 1) / 2)

struct state {
	uint64_t value;		/* 0 while absent, so that equal states are equal */
	bool present;
};

/* Sorted by key, then call time: each key's ops are a slice, in call order. */
struct sorted_op {
	uint64_t call;
	uint32_t key;
	uint32_t idx;		/* into the caller's ops */
};

struct event {
	uint64_t time;
	uint32_t id;		/* the op's position in its key's slice */
	uint32_t is_ret;
};

/* Node 0 is the list head, node i + 1 is event i. */
struct node {
	int32_t prev, next;
	int32_t match;		/* a call's return node; NIL for a return */
	uint32_t id;
};

struct frame {
	int32_t call;
	struct state before;
};

struct bits {
	uint64_t *w;
	size_t n;		/* words in use */
	size_t lo, hi;		/* words below lo are all ones, from hi on zero */
};

struct slot {
	uint64_t hash;
	size_t off;		/* 1 + the entry's offset in the arena; 0: empty */
};

/* Open addressing over entries packed in an arena: header, value, words. */
struct cache {
	struct slot *slots;
	size_t mask, used;
	uint64_t *arena;
	size_t len, cap;
};

struct checker {
	const struct lin_op *ops;
	const struct sorted_op *key_ops;	/* the key being checked */
	double deadline;			/* 0: none */
	uint64_t steps;
	struct event *ev;
	struct node *nodes;
	int32_t *ret_node;
	struct frame *stack;
	struct bits bits;
	struct cache cache;
	/* Where the search got furthest, to explain a violation. */
	size_t best_depth;
	int32_t stuck;				/* a return node, or NIL */
	struct state best_state;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The (positive) errno PUT or ADD with @flags fails with, or 0. */
static int flags_err(uint8_t flags, bool present)
{
	if (flags == LIN_NOEXIST && present)
		return EEXIST;
	return flags == LIN_EXIST && !present ? ENOENT : 0;
}

/* Apply @op to @s; false if the map could not have given @op's result. */
static bool step(const struct lin_op *op, struct state *s)
{
	struct state next = *s;
	uint64_t out = s->value;
	int err = s->present ? 0 : ENOENT;
	bool has_out;

	switch (op->kind) {
	case LIN_PUT:
		err = flags_err(op->flags, s->present);
		next = (struct state){ op->arg, true };
		break;
	case LIN_DEL:
		next = (struct state){ 0, false };
		break;
	case LIN_ADD:
		err = flags_err(op->flags, s->present);
		/* Unsigned addition wraps just like two's complement. */
		next = (struct state){ s->present ? s->value + op->arg : op->arg, true };
		out = next.value;
		break;
	case LIN_CAS:
		if (!err && s->value != op->arg2)
			err = LIN_CAS_MISMATCH;
		next = (struct state){ op->arg, true };
		break;
	}
	/* out holds a result for a GET or ADD that worked, a CAS mismatch. */
	has_out = err ? err == LIN_CAS_MISMATCH :
		  op->kind == LIN_GET || op->kind == LIN_ADD;
	if (op->err != err || (has_out && op->out != out))
		return false;
	if (!err)
		*s = next;
	return true;
}

/* What makes @op impossible to judge, or NULL if it is well formed. */
static const char *malformed(const struct lin_op *op)
{
	bool flagged = op->kind == LIN_PUT || op->kind == LIN_ADD;

	if (op->ret < op->call)
		return "returns before its call";
	if (op->kind > LIN_CAS)
		return "has an unknown kind";
	if (op->flags > (flagged ? LIN_EXIST : LIN_ANY))
		return "has bad flags";
	if (!op->err || op->err == ENOENT || (op->err == EEXIST && flagged) ||
	    (op->err == LIN_CAS_MISMATCH && op->kind == LIN_CAS))
		return NULL;
	return "has an errno the model cannot judge";
}

static int validate(const struct lin_op *ops, size_t n, struct lin_result *res)
{
	const char *why;
	size_t i, len;

	if (n > MAX_OPS) {
		snprintf(res->why, sizeof(res->why), "%zu ops: too many", n);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		why = malformed(&ops[i]);
		if (!why)
			continue;
		len = snprintf(res->why, sizeof(res->why), "op %zu %s: ", i, why);
		lin_op_format(&ops[i], res->why + len, sizeof(res->why) - len);
		return -EINVAL;
	}
	return 0;
}

static void bits_set(struct bits *b, uint32_t i)
{
	b->w[i / 64] |= 1ULL << (i % 64);
	if (i / 64 >= b->hi)
		b->hi = i / 64 + 1;
	while (b->lo < b->n && b->w[b->lo] == ~0ULL)
		b->lo++;
}

static void bits_clear(struct bits *b, uint32_t i)
{
	b->w[i / 64] &= ~(1ULL << (i % 64));
	if (i / 64 < b->lo)
		b->lo = i / 64;
	while (b->hi > b->lo && !b->w[b->hi - 1])
		b->hi--;
}

/* Each word goes through the 64-bit finalizer of MurmurHash3. */
static uint64_t hash_words(const uint64_t *w, size_t n)
{
	uint64_t h = n;

	while (n--) {
		h ^= *w++;
		h ^= h >> 33;
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 33;
		h *= 0xc4ceb9fe1a85ec53ULL;
		h ^= h >> 33;
	}
	return h;
}

/*
 * Move the entries to a table of @n slots, a power of two; after a reset
 * (used == 0) the old slots are stale and nothing is moved.
 */
static int cache_rehash(struct cache *c, size_t n)
{
	struct slot *s = calloc(n, sizeof(*s));
	size_t i, j;

	if (!s)
		return -ENOMEM;
	for (i = 0; c->used && i <= c->mask; i++) {
		if (!c->slots[i].off)
			continue;
		for (j = c->slots[i].hash & (n - 1); s[j].off; j = (j + 1) & (n - 1))
			;
		s[j] = c->slots[i];
	}
	free(c->slots);
	c->slots = s;
	c->mask = n - 1;
	return 0;
}

/* Empty the cache, sized for a key with @m ops; the arena is kept. */
static int cache_reset(struct cache *c, size_t m)
{
	size_t n = 64;

	while (n < 4 * m)
		n *= 2;
	c->used = 0;
	c->len = 0;
	return cache_rehash(c, n);
}

static int cache_grow_arena(struct cache *c, size_t need)
{
	size_t cap = c->cap ? c->cap : 4096;
	uint64_t *a;

	while (cap < need)
		cap *= 2;
	a = realloc(c->arena, cap * sizeof(*a));
	if (!a)
		return -ENOMEM;
	c->arena = a;
	c->cap = cap;
	return 0;
}

/*
 * Remember (@b, @s): 1 if new, 0 if seen before, or -ENOMEM. The entry is
 * built in place at the end of the arena and only kept if it is new.
 */
static int cache_add(struct cache *c, const struct bits *b, const struct state *s)
{
	size_t words = 2 + b->hi - b->lo, i;
	const uint64_t *old;
	uint64_t *e, h;

	if (c->len + words > c->cap && cache_grow_arena(c, c->len + words))
		return -ENOMEM;
	if (2 * (c->used + 1) > c->mask + 1 && cache_rehash(c, 2 * (c->mask + 1)))
		return -ENOMEM;
	e = c->arena + c->len;
	e[0] = (uint64_t)b->lo << 32 | (b->hi - b->lo) << 1 | s->present;
	e[1] = s->value;
	memcpy(e + 2, b->w + b->lo, (b->hi - b->lo) * sizeof(*e));
	h = hash_words(e, words);
	for (i = h & c->mask; c->slots[i].off; i = (i + 1) & c->mask) {
		old = c->arena + c->slots[i].off - 1;
		/* Equal headers mean equal lengths: memcmp stays in bounds. */
		if (c->slots[i].hash == h && old[0] == e[0] &&
		    !memcmp(old, e, words * sizeof(*e)))
			return 0;
	}
	c->slots[i] = (struct slot){ h, c->len + 1 };
	c->len += words;
	c->used++;
	return 1;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int cmp_sorted_op(const void *pa, const void *pb)
{
	const struct sorted_op *a = pa, *b = pb;

	return cmp_u64(a->key, b->key) ?: cmp_u64(a->call, b->call) ?:
	       cmp_u64(a->idx, b->idx);
}

static int cmp_event(const void *pa, const void *pb)
{
	const struct event *a = pa, *b = pb;

	return cmp_u64(a->time, b->time) ?: cmp_u64(a->is_ret, b->is_ret) ?:
	       cmp_u64(a->id, b->id);
}

/* How many ops from @so on share its key. */
static size_t key_len(const struct sorted_op *so, size_t n)
{
	size_t m = 1;

	while (m < n && so[m].key == so[0].key)
		m++;
	return m;
}

/* Set up the event list and empty bitset for the @m ops at @key_ops. */
static void build_list(struct checker *c, const struct sorted_op *key_ops, size_t m)
{
	struct node *nd = c->nodes;
	const struct lin_op *op;
	int32_t k;
	size_t i;

	c->key_ops = key_ops;
	for (i = 0; i < m; i++) {
		op = &c->ops[key_ops[i].idx];
		c->ev[2 * i] = (struct event){ op->call, i, 0 };
		c->ev[2 * i + 1] = (struct event){ op->ret, i, 1 };
	}
	qsort(c->ev, 2 * m, sizeof(*c->ev), cmp_event);
	/* Backwards, so that each return is numbered before its call. */
	for (k = 2 * m; k > 0; k--) {
		const struct event *e = &c->ev[k - 1];

		nd[k] = (struct node){ k - 1, k < (int32_t)(2 * m) ? k + 1 : NIL, NIL, e->id };
		if (e->is_ret)
			c->ret_node[e->id] = k;
		else
			nd[k].match = c->ret_node[e->id];
	}
	nd[0] = (struct node){ NIL, 1, NIL, 0 };
	c->bits.n = (m + 63) / 64;
	c->bits.lo = 0;
	c->bits.hi = 0;
	memset(c->bits.w, 0, c->bits.n * sizeof(*c->bits.w));
	c->best_depth = 0;
	c->stuck = NIL;
}

/* Unlink a call and its return; a call is never last, its return may be. */
static void lift(struct node *nd, int32_t call)
{
	int32_t ret = nd[call].match;

	nd[nd[call].prev].next = nd[call].next;
	nd[nd[call].next].prev = nd[call].prev;
	nd[nd[ret].prev].next = nd[ret].next;
	if (nd[ret].next != NIL)
		nd[nd[ret].next].prev = nd[ret].prev;
}

/* Undo lift(): the unlinked nodes still point at their old neighbours. */
static void unlift(struct node *nd, int32_t call)
{
	int32_t ret = nd[call].match;

	nd[nd[ret].prev].next = ret;
	if (nd[ret].next != NIL)
		nd[nd[ret].next].prev = ret;
	nd[nd[call].prev].next = call;
	nd[nd[call].next].prev = call;
}

static bool timed_out(struct checker *c)
{
	return c->deadline > 0 && ++c->steps % CLOCK_EVERY == 0 &&
	       now_s() > c->deadline;
}

/*
 * Take the op of @call next after the @depth ops on the stack, leaving the
 * model in @s, if its result fits and that leads somewhere not seen yet.
 * Return 1 if taken, 0 if not, or -ENOMEM.
 */
static int take(struct checker *c, int32_t call, size_t *depth, struct state *s)
{
	uint32_t id = c->nodes[call].id;
	struct state next = *s;
	int ret;

	if (!step(&c->ops[c->key_ops[id].idx], &next))
		return 0;
	bits_set(&c->bits, id);
	ret = cache_add(&c->cache, &c->bits, &next);
	if (ret <= 0) {
		bits_clear(&c->bits, id);
		return ret;
	}
	c->stack[(*depth)++] = (struct frame){ call, *s };
	*s = next;
	lift(c->nodes, call);
	return 1;
}

/* Remember the deepest point where no op could go next. */
static void note_stuck(struct checker *c, size_t depth, int32_t ret,
		       const struct state *s)
{
	if (c->stuck != NIL && depth <= c->best_depth)
		return;
	c->best_depth = depth;
	c->stuck = ret;
	c->best_state = *s;
}

/* 1 if the key's ops linearize, 0 if not, -ETIME or -ENOMEM. */
static int search(struct checker *c)
{
	struct node *nd = c->nodes;
	struct state s = { 0, false };
	int32_t e = nd[0].next;
	size_t depth = 0;
	int ret;

	while (nd[0].next != NIL) {
		if (timed_out(c))
			return -ETIME;
		if (nd[e].match != NIL) {
			ret = take(c, e, &depth, &s);
			if (ret < 0)
				return ret;
			e = ret ? nd[0].next : nd[e].next;
			continue;
		}
		/* A return: every op that could go next here has been tried. */
		note_stuck(c, depth, e, &s);
		if (!depth)
			return 0;
		e = c->stack[--depth].call;
		s = c->stack[depth].before;
		bits_clear(&c->bits, nd[e].id);
		unlift(nd, e);
		e = nd[e].next;
	}
	return 1;
}

static void report_violation(const struct checker *c, size_t m,
			     struct lin_result *res)
{
	const struct lin_op *op = &c->ops[c->key_ops[c->nodes[c->stuck].id].idx];
	char state[32] = "absent";
	size_t len;

	if (c->best_state.present)
		snprintf(state, sizeof(state), "= %" PRIu64, c->best_state.value);
	res->verdict = LIN_VIOLATION;
	res->bad_key = op->key;
	len = snprintf(res->why, sizeof(res->why),
		       "key %" PRIu32 ": no linearization of its %zu ops; the longest linearizable prefix (length %zu) leaves the key %s, then cannot place: ",
		       op->key, m, c->best_depth, state);
	if (len < sizeof(res->why))
		lin_op_format(op, res->why + len, sizeof(res->why) - len);
}

/* Check key after key, stopping at the first that fails. */
static int check_keys(struct checker *c, const struct sorted_op *so, size_t n,
		      struct lin_result *res)
{
	size_t i, m;
	int ret;

	for (i = 0; i < n; i += m) {
		m = key_len(so + i, n - i);
		build_list(c, so + i, m);
		ret = cache_reset(&c->cache, m);
		if (!ret)
			ret = search(c);
		if (ret == -ENOMEM)
			return ret;
		if (ret == -ETIME) {
			res->verdict = LIN_UNKNOWN;
			snprintf(res->why, sizeof(res->why),
				 "time limit hit checking key %" PRIu32 " (%zu ops), after %zu keys (%zu ops) passed",
				 so[i].key, m, res->keys, res->ops);
			return 0;
		}
		res->keys++;
		res->ops += m;
		if (!ret) {
			report_violation(c, m, res);
			return 0;
		}
	}
	snprintf(res->why, sizeof(res->why), "all %zu keys (%zu ops) linearize",
		 res->keys, res->ops);
	return 0;
}

/* Allocate for the largest key; every key reuses the same buffers. */
static int checker_alloc(struct checker *c, const struct sorted_op *so, size_t n)
{
	size_t i, m, max = 0;

	for (i = 0; i < n; i += m) {
		m = key_len(so + i, n - i);
		if (m > max)
			max = m;
	}
	c->ev = malloc(2 * max * sizeof(*c->ev));
	c->nodes = malloc((2 * max + 1) * sizeof(*c->nodes));
	c->ret_node = malloc(max * sizeof(*c->ret_node));
	c->stack = malloc(max * sizeof(*c->stack));
	c->bits.w = malloc((max + 63) / 64 * sizeof(*c->bits.w));
	if (!c->ev || !c->nodes || !c->ret_node || !c->stack || !c->bits.w)
		return -ENOMEM;
	return 0;
}

/* Check @n > 0 well-formed ops. */
static int check(const struct lin_op *ops, size_t n, double deadline,
		 struct lin_result *res)
{
	struct checker c = { .ops = ops, .deadline = deadline };
	struct sorted_op *so = malloc(n * sizeof(*so));
	int ret = -ENOMEM;
	size_t i;

	if (so) {
		for (i = 0; i < n; i++)
			so[i] = (struct sorted_op){ ops[i].call, ops[i].key, i };
		qsort(so, n, sizeof(*so), cmp_sorted_op);
		ret = checker_alloc(&c, so, n);
		if (!ret)
			ret = check_keys(&c, so, n, res);
	}
	free(c.ev);
	free(c.nodes);
	free(c.ret_node);
	free(c.stack);
	free(c.bits.w);
	free(c.cache.slots);
	free(c.cache.arena);
	free(so);
	return ret;
}

int lin_check(const struct lin_op *ops, size_t n, double time_limit_s,
	      struct lin_result *res)
{
	double start = now_s();
	int ret;

	memset(res, 0, sizeof(*res));
	ret = validate(ops, n, res);
	if (!ret && n)
		ret = check(ops, n, time_limit_s > 0 ? start + time_limit_s : 0, res);
	if (ret == -ENOMEM)
		snprintf(res->why, sizeof(res->why), "out of memory");
	res->seconds = now_s() - start;
	return ret;
}

const char *lin_verdict_name(enum lin_verdict v)
{
	static const char *const names[] = { "pass", "violation", "unknown" };

	return v <= LIN_UNKNOWN ? names[v] : "?";
}

static void format_result(const struct lin_op *op, char *buf, size_t len)
{
	if (!op->err && (op->kind == LIN_GET || op->kind == LIN_ADD))
		snprintf(buf, len, "%" PRIu64, op->out);
	else if (!op->err)
		snprintf(buf, len, "ok");
	else if (op->kind == LIN_CAS && op->err == LIN_CAS_MISMATCH)
		snprintf(buf, len, "mismatch %" PRIu64, op->out);
	else if (op->err == ENOENT || op->err == EEXIST)
		snprintf(buf, len, "%s", op->err == ENOENT ? "ENOENT" : "EEXIST");
	else
		snprintf(buf, len, "errno %" PRId32, op->err);
}

void lin_op_format(const struct lin_op *op, char *buf, size_t len)
{
	static const char *const kinds[] = { "GET", "PUT", "DEL", "ADD", "CAS" };
	static const char *const flags[] = { "", "(NOEXIST)", "(EXIST)" };
	char args[64] = "", result[48];

	if (op->kind == LIN_PUT)
		snprintf(args, sizeof(args), " %" PRIu64, op->arg);
	else if (op->kind == LIN_ADD)
		snprintf(args, sizeof(args), " %+" PRId64, (int64_t)op->arg);
	else if (op->kind == LIN_CAS)
		snprintf(args, sizeof(args), " expect %" PRIu64 " set %" PRIu64,
			 op->arg2, op->arg);
	format_result(op, result, sizeof(result));
	snprintf(buf, len, "t%u %s%s k%" PRIu32 "%s -> %s [%" PRIu64 ", %" PRIu64 "]",
		 op->thread, op->kind <= LIN_CAS ? kinds[op->kind] : "?",
		 op->flags <= LIN_EXIST ? flags[op->flags] : "(?)", op->key,
		 args, result, op->call, op->ret);
}
