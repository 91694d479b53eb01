// SPDX-License-Identifier: GPL-2.0
/*
 * linearizable mode: record every operation and let lincheck decide if
 * some order of them, each at a point between its call and its return,
 * explains every answer the map gave.
 *
 * Values are 8 bytes so that the model is lincheck's: PUT and CAS write a
 * stamp no other write uses, which keeps the search short; CAS expects the
 * value the thread saw last on the key, so that it works often enough.
 * Every key must start absent: with --no-clear the mode deletes its keys.
 *
 * Each thread records into its own slice of one history of --max-history
 * ops (memory is touched only as it fills). A thread whose slice is full
 * stops the run rather than go on unrecorded: an op left out of the
 * history could explain a later answer, and its absence would read as a
 * violation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hammer.h"
#include "lincheck.h"

struct lin_thread {
	struct lin_op *ops;	/* this thread's slice */
	uint64_t n, cap;
	uint64_t left_out[NR_ERRS];
	bool full;
	uint64_t seen[];	/* by key: the value the thread saw last */
};

static const uint8_t lin_kinds[NR_KINDS] = {
	[OP_GET] = LIN_GET, [OP_PUT] = LIN_PUT, [OP_DEL] = LIN_DEL,
	[OP_ADD] = LIN_ADD, [OP_CAS] = LIN_CAS,
};

static const uint8_t lin_flags[] = {
	[RCUMAP_ANY] = LIN_ANY, [RCUMAP_NOEXIST] = LIN_NOEXIST,
	[RCUMAP_EXIST] = LIN_EXIST,
};

static uint64_t slice_cap(const struct config *c)
{
	return c->max_history / c->threads ? c->max_history / c->threads : 1;
}

static int lin_prepare(struct hammer *h)
{
	const struct config *c = &h->cfg;
	unsigned char key[RCUMAP_KEY_LEN_LIMIT];
	uint32_t i;
	int ret;

	for (i = 0; c->no_clear && i < c->keys; i++) {
		key_fill(key, c->key_size, false, i);
		ret = rcumap_del(h->fd, key, c->key_size);
		if (ret && ret != -ENOENT)
			return ret;
	}
	h->priv = malloc(c->threads * slice_cap(c) * sizeof(struct lin_op));
	return h->priv ? 0 : -ENOMEM;
}

static int lin_thread_init(struct worker *w)
{
	const struct config *c = &w->h->cfg;
	struct lin_thread *t;

	t = calloc(1, sizeof(*t) + c->keys * sizeof(t->seen[0]));
	w->priv = t;
	if (!t)
		return -ENOMEM;
	t->cap = slice_cap(c);
	t->ops = (struct lin_op *)w->h->priv + w->id * t->cap;
	if (!w->limit || w->limit > t->cap)
		w->limit = t->cap;
	return 0;
}

static void lin_next(struct worker *w, struct hop *op)
{
	struct lin_thread *t = w->priv;
	uint32_t key = pick_key(w);

	*op = (struct hop){ .kind = pick_kind(w), .key = key };
	switch (op->kind) {
	case OP_PUT:
		op->flags = pick_flags(w);
		op->arg = next_stamp(w);
		break;
	case OP_ADD:
		op->flags = pick_flags(w);
		op->arg = pick_delta(w);
		break;
	case OP_CAS:
		op->exp_len = 8;
		op->arg2 = t->seen[key];
		op->arg = next_stamp(w);
		break;
	}
}

/* The errnos lincheck's model gives; the map is unchanged by the rest. */
static bool judgeable(const struct hop *op)
{
	return !op->err || op->err == ENOENT ||
	       (op->err == EEXIST && (op->kind == OP_PUT || op->kind == OP_ADD)) ||
	       (op->err == ECANCELED && op->kind == OP_CAS);
}

static void lin_done(struct worker *w, const struct hop *op)
{
	struct lin_thread *t = w->priv;

	if (!judgeable(op)) {
		t->left_out[errno_slot(op->err)]++;
		return;
	}
	if (!op->err)
		t->seen[op->key] = op->kind == OP_PUT || op->kind == OP_CAS ?
				   op->arg : op->out;
	else if (op->err == ECANCELED)
		t->seen[op->key] = op->out;
	t->ops[t->n++] = (struct lin_op){
		.call = op->call,
		.ret = op->ret,
		.key = op->key,
		.kind = lin_kinds[op->kind],
		.flags = lin_flags[op->flags],
		.thread = w->id,
		.err = op->err == ECANCELED ? LIN_CAS_MISMATCH : op->err,
		.arg = op->arg,
		.arg2 = op->arg2,
		.out = op->out,
	};
	if (w->done_ops == t->cap) {
		t->full = true;
		hammer_stop(w->h);
	}
}

/* Move the slices together; note what was left out and why. */
static size_t lin_gather(struct hammer *h, struct verdict *v)
{
	struct lin_op *hist = h->priv;
	uint64_t left[NR_ERRS] = { 0 }, sum = 0;
	char list[200] = "";
	struct lin_thread *t;
	bool full = false;
	size_t n = 0, len = 0;
	unsigned int i, e;

	for (i = 0; i < h->cfg.threads; i++) {
		t = h->workers[i]->priv;
		memmove(hist + n, t->ops, t->n * sizeof(*hist));
		n += t->n;
		full |= t->full;
		for (e = 0; e < NR_ERRS; e++)
			left[e] += t->left_out[e];
	}
	if (full)
		verdict_detail(v, "the history is full (--max-history %llu): the run stopped early",
			       (unsigned long long)h->cfg.max_history);
	for (i = 0; i < NR_ERRS; i++) {
		if (left[i] && len < sizeof(list))
			len += snprintf(list + len, sizeof(list) - len, " %s %llu",
					errno_slot_name(i), (unsigned long long)left[i]);
		sum += left[i];
	}
	if (sum)
		verdict_detail(v, "left out %llu ops the model cannot judge:%s",
			       (unsigned long long)sum, list);
	verdict_num(v, "left_out", sum);
	verdict_num(v, "history_ops", n);
	return n;
}

static const int lin_status[] = {
	[LIN_OK] = EXIT_OK, [LIN_VIOLATION] = EXIT_FAIL,
	[LIN_UNKNOWN] = EXIT_UNKNOWN,
};

static void lin_finish(struct hammer *h, struct verdict *v)
{
	char key[RCUMAP_KEY_LEN_LIMIT + 1];
	struct lin_result res = { 0 };
	size_t n = lin_gather(h, v);
	int ret;

	if (isatty(STDERR_FILENO))
		fprintf(stderr, "checking a history of %zu ops (at most %g s)...\n",
			n, h->cfg.check_timeout);
	ret = lin_check(h->priv, n, h->cfg.check_timeout, &res);
	if (ret) {
		/* -EINVAL: we recorded something malformed, a bug of ours. */
		v->status = ret == -EINVAL ? EXIT_FAIL : EXIT_UNKNOWN;
		verdict_summary(v, "linearizable: lincheck failed: %s: %s",
				errno_name(-ret), res.why);
		return;
	}
	v->status = lin_status[res.verdict];
	verdict_num(v, "checked_keys", res.keys);
	verdict_num(v, "checked_ops", res.ops);
	verdict_num(v, "check_ms", (uint64_t)(res.seconds * 1000));
	verdict_summary(v, "linearizable: %s: %s (history of %zu ops, checked in %.2f s)",
			lin_verdict_name(res.verdict), res.why, n, res.seconds);
	if (res.verdict == LIN_UNKNOWN)
		verdict_detail(v, "the search grew too large for the time limit: ops that overlap many others on one key make it so (many threads, few or hot keys, long batches); try fewer threads, more --keys, or a longer --check-timeout");
	if (res.verdict == LIN_VIOLATION) {
		key_name(key, sizeof(key), &h->cfg, false, res.bad_key);
		verdict_detail(v, "the first key whose history fails: %s", key);
	}
}

static const uint8_t lin_mix[NR_MIX_KINDS] = {
	[OP_GET] = 40, [OP_PUT] = 25, [OP_DEL] = 10, [OP_ADD] = 10, [OP_CAS] = 15,
};

const struct mode mode_lin = {
	.name = "linearizable",
	.default_keys = 64,
	.default_mix = lin_mix,
	.value8 = true,
	.batchable = true,
	.prepare = lin_prepare,
	.thread_init = lin_thread_init,
	.next = lin_next,
	.done = lin_done,
	.finish = lin_finish,
};
