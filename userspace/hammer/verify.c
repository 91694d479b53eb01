// SPDX-License-Identifier: GPL-2.0
/*
 * The verdict of a run, and the two modes on shared counters: counters,
 * where ADD must lose nothing, and lost-update, where GET-then-PUT does.
 *
 * Both read the counters before the run as well as after it, so that they
 * hold with --no-clear too: what counts is the change.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hammer.h"

void verdict_summary(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->summary, sizeof(v->summary), fmt, ap);
	va_end(ap);
}

/* Keep the first MAX_DETAILS lines; count the rest. */
void verdict_detail(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->ndetail == MAX_DETAILS) {
		v->more++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(v->detail[v->ndetail++], sizeof(v->detail[0]), fmt, ap);
	va_end(ap);
}

void verdict_num(struct verdict *v, const char *name, uint64_t val)
{
	if (v->nnum == MAX_NUMS)
		return;
	v->num[v->nnum].name = name;
	v->num[v->nnum++].val = val;
}

struct counter {
	uint64_t value;
	bool present;
};

/* Counter @idx as it is now; -EMSGSIZE if the key holds another value. */
static int read_counter(struct hammer *h, uint32_t idx, struct counter *ctr)
{
	unsigned char key[RCUMAP_KEY_LEN_LIMIT];
	unsigned char buf[8];
	size_t len = sizeof(buf);
	int ret;

	key_fill(key, h->cfg.key_size, true, idx);
	ret = rcumap_get(h->fd, key, h->cfg.key_size, buf, &len);
	ctr->present = !ret;
	ctr->value = 0;
	if (ret == -ENOENT)
		return 0;
	if (ret == -ERANGE || (!ret && len != sizeof(buf)))
		return -EMSGSIZE;
	if (ret)
		return ret;
	memcpy(&ctr->value, buf, sizeof(ctr->value));
	return 0;
}

/* h->priv: the counters before the run. */
static int counters_prepare(struct hammer *h)
{
	struct counter *base = calloc(h->cfg.keys, sizeof(*base));
	char name[RCUMAP_KEY_LEN_LIMIT + 1];
	uint32_t i;
	int ret;

	h->priv = base;
	if (!base)
		return -ENOMEM;
	for (i = 0; i < h->cfg.keys; i++) {
		ret = read_counter(h, i, &base[i]);
		if (ret == -EMSGSIZE) {
			key_name(name, sizeof(name), &h->cfg, true, i);
			fprintf(stderr, "rcumap-hammer: key %s holds a value that is not an 8-byte counter (run without --no-clear)\n",
				name);
		}
		if (ret)
			return ret;
	}
	return 0;
}

/* Per thread and key: what the thread added, and how many ADDs worked. */
struct ctr_sum {
	uint64_t sum;
	uint64_t adds;
};

static int ctr_thread_init(struct worker *w)
{
	w->priv = calloc(w->h->cfg.keys, sizeof(struct ctr_sum));
	return w->priv ? 0 : -ENOMEM;
}

static void counters_next(struct worker *w, struct hop *op)
{
	*op = (struct hop){
		.kind = OP_ADD,
		.counter = true,
		.key = pick_key(w),
		.arg = pick_delta(w),
	};
}

static void counters_done(struct worker *w, const struct hop *op)
{
	struct ctr_sum *t = w->priv;

	if (op->err)
		return;
	t[op->key].sum += op->arg;
	t[op->key].adds++;
}

/* Compare counter @i with what the threads added to it. */
static bool counter_matches(struct hammer *h, uint32_t i, struct verdict *v,
			    uint64_t *adds)
{
	const struct counter *base = h->priv;
	uint64_t sum = base[i].value, n = 0;
	char name[RCUMAP_KEY_LEN_LIMIT + 1];
	struct ctr_sum *t;
	struct counter now;
	unsigned int j;
	int ret;

	for (j = 0; j < h->cfg.threads; j++) {
		t = h->workers[j]->priv;
		sum += t[i].sum;
		n += t[i].adds;
	}
	*adds += n;
	ret = read_counter(h, i, &now);
	key_name(name, sizeof(name), &h->cfg, true, i);
	if (ret) {
		verdict_detail(v, "key %s: expected %llu, GET failed: %s", name,
			       (unsigned long long)sum, errno_name(-ret));
		return false;
	}
	if (now.present != (base[i].present || n))
		verdict_detail(v, "key %s: expected it %s, found it %s", name,
			       now.present ? "absent" : "present",
			       now.present ? "present" : "absent");
	else if (now.value != sum)
		verdict_detail(v, "key %s: expected %llu, got %llu (off by %lld)",
			       name, (unsigned long long)sum,
			       (unsigned long long)now.value,
			       (long long)(now.value - sum));
	else
		return true;
	return false;
}

static void counters_finish(struct hammer *h, struct verdict *v)
{
	uint64_t adds = 0, bad = 0;
	uint32_t i;

	for (i = 0; i < h->cfg.keys; i++)
		bad += !counter_matches(h, i, v, &adds);
	verdict_num(v, "adds", adds);
	verdict_num(v, "keys", h->cfg.keys);
	verdict_num(v, "mismatched_keys", bad);
	if (!bad) {
		verdict_summary(v, "counters: %llu adds over %u keys, all totals match",
				(unsigned long long)adds, h->cfg.keys);
		return;
	}
	v->status = EXIT_FAIL;
	verdict_summary(v, "counters: %llu adds over %u keys, %llu totals do NOT match",
			(unsigned long long)adds, h->cfg.keys,
			(unsigned long long)bad);
}

const struct mode mode_counters = {
	.name = "counters",
	.default_keys = 16,
	.value8 = true,
	.batchable = true,
	.prepare = counters_prepare,
	.thread_init = ctr_thread_init,
	.next = counters_next,
	.done = counters_done,
	.finish = counters_finish,
};

/* lost-update: a GET, then a PUT of what it read plus one. */
struct lost_thread {
	uint64_t incs;		/* PUTs that worked */
	bool pending;		/* a GET read key: its PUT comes next */
	uint32_t key;
	uint64_t value;		/* what that PUT writes */
};

static int lost_thread_init(struct worker *w)
{
	w->priv = calloc(1, sizeof(struct lost_thread));
	return w->priv ? 0 : -ENOMEM;
}

static void lost_next(struct worker *w, struct hop *op)
{
	struct lost_thread *t = w->priv;

	*op = (struct hop){ .kind = OP_GET, .counter = true };
	if (t->pending) {
		op->kind = OP_PUT;
		op->key = t->key;
		op->arg = t->value;
	} else {
		op->key = pick_key(w);
	}
}

/* An absent counter reads as 0; any other failure skips the increment. */
static void lost_done(struct worker *w, const struct hop *op)
{
	struct lost_thread *t = w->priv;

	t->pending = op->kind == OP_GET && (!op->err || op->err == ENOENT);
	t->key = op->key;
	t->value = (op->err ? 0 : op->out) + 1;
	if (op->kind == OP_PUT)
		t->incs += !op->err;
}

static void lost_finish(struct hammer *h, struct verdict *v)
{
	const struct counter *base = h->priv;
	uint64_t incs = 0, expected = 0, observed = 0;
	struct counter now;
	uint32_t i;
	int ret = 0;

	for (i = 0; i < h->cfg.threads; i++)
		incs += ((struct lost_thread *)h->workers[i]->priv)->incs;
	for (i = 0; i < h->cfg.keys && !ret; i++) {
		expected += base[i].value;
		ret = read_counter(h, i, &now);
		observed += now.value;
	}
	expected += incs;
	verdict_num(v, "increments", incs);
	verdict_num(v, "expected", expected);
	verdict_num(v, "observed", observed);
	if (ret || observed > expected) {
		v->status = EXIT_FAIL;
		verdict_summary(v, "lost-update: %s: expected at most %llu, observed %llu",
				ret ? errno_name(-ret) : "more than possible",
				(unsigned long long)expected,
				(unsigned long long)observed);
		return;
	}
	verdict_num(v, "lost", expected - observed);
	verdict_summary(v, "lost-update: %llu increments (GET, then PUT) over %u keys by %u threads: expected total %llu, observed %llu: %llu updates lost (%.1f%%)",
			(unsigned long long)incs, h->cfg.keys, h->cfg.threads,
			(unsigned long long)expected,
			(unsigned long long)observed,
			(unsigned long long)(expected - observed),
			incs ? 100.0 * (expected - observed) / incs : 0.0);
	verdict_detail(v, "No data-race detector (KCSAN) reports this: each system call is itself race-free; the race is between two calls, in userspace's logic, where no two memory accesses conflict.");
}

const struct mode mode_lost_update = {
	.name = "lost-update",
	.default_keys = 16,
	.value8 = true,
	.prepare = counters_prepare,
	.thread_init = lost_thread_init,
	.next = lost_next,
	.done = lost_done,
	.finish = lost_finish,
};
