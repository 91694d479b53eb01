// SPDX-License-Identifier: GPL-2.0
/*
 * hot-key mode: an adversary of readers.
 *
 * The writers PUT (RCUMAP_ANY, no time to live) one key, back to back,
 * each time a value of its own (value_fill() of a fresh stamp), all of one
 * length: --value-size, by default the longest the map takes. The
 * readers, threads 0 to --readers - 1, GET that key into a buffer of the
 * map's max_value_len and DUMP the whole map, in turn; the worker times
 * every call. A value that comes back torn, from a GET or in a DUMP, is
 * EBADMSG (worker.c), which fails the run; so does a GET that finds the
 * key missing or of another length, since nothing deletes it and every
 * write is as long. With --max-latency, so does a worst GET or a worst
 * DUMP call longer than the bound.
 *
 * The key is PUT once before the threads start, so that every PUT of the
 * run replaces a value with one as long.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "hammer.h"

struct hot_thread {
	bool dumping;		/* a reader in the middle of a DUMP */
	uint64_t cursor;	/* where that DUMP goes on */
	uint64_t dumps;		/* whole-map DUMPs completed */
	uint64_t wrong;		/* GETs that found none, or one too short or long */
};

static int hot_prepare(struct hammer *h)
{
	const struct config *c = &h->cfg;
	unsigned char key[RCUMAP_KEY_LEN_LIMIT];
	unsigned char *val = malloc(c->value_size + 8);
	int ret;

	if (!val)
		return -ENOMEM;
	h->cfg.read_size = h->info.max_value_len;
	key_fill(key, c->key_size, false, 0);
	value_fill(val, c->value_size, 0);	/* no thread's stamp is 0 */
	ret = rcumap_put(h->fd, key, c->key_size, val, c->value_size,
			 RCUMAP_ANY);
	free(val);
	return ret;
}

/* A reader's DUMP buffer starts with room for the longest record. */
static int hot_thread_init(struct worker *w)
{
	const struct rcumap_info *info = &w->h->info;

	w->priv = calloc(1, sizeof(struct hot_thread));
	if (!w->priv)
		return -ENOMEM;
	if (w->id >= w->h->cfg.readers)
		return 0;
	w->dump_len = (sizeof(struct rcumap_dump_rec) + info->max_key_len +
		       info->max_value_len + 7) & ~(size_t)7;
	w->dump_buf = malloc(w->dump_len);
	return w->dump_buf ? 0 : -ENOMEM;
}

static void hot_next(struct worker *w, struct hop *op)
{
	struct hot_thread *t = w->priv;

	*op = (struct hop){ .kind = OP_PUT, .flags = RCUMAP_ANY };
	if (w->id >= w->h->cfg.readers) {
		op->arg = next_stamp(w);
		return;
	}
	op->kind = t->dumping ? OP_DUMP : OP_GET;
	op->arg = t->cursor;
}

/* ERANGE: a bucket larger than the buffer (--no-clear); make it fit. */
static bool dump_grow(struct worker *w, const struct hop *op)
{
	unsigned char *buf;

	if (op->err != ERANGE || op->out_len <= w->dump_len)
		return false;
	buf = realloc(w->dump_buf, op->out_len);
	if (!buf)
		return false;
	w->dump_buf = buf;
	w->dump_len = op->out_len;
	return true;
}

/* After each GET a whole DUMP; a DUMP that fails is given up. */
static void hot_done(struct worker *w, const struct hop *op)
{
	struct hot_thread *t = w->priv;
	bool end;

	if (op->kind == OP_GET) {
		t->wrong += op->err == ENOENT ||
			    (!op->err && op->out_len != w->h->cfg.value_size);
		t->dumping = true;
		t->cursor = 0;
		return;
	}
	if (op->kind != OP_DUMP || dump_grow(w, op))
		return;
	end = op->err || op->out == RCUMAP_DUMP_END;
	t->dumps += end && !op->err;
	t->dumping = !end;
	t->cursor = op->out;
}

/* The worst call of @kind: each thread's exact maximum, not a bucket. */
static uint64_t worst_call(const struct hammer *h, unsigned int kind)
{
	uint64_t worst = 0;
	unsigned int i;

	for (i = 0; i < h->cfg.threads; i++)
		if (h->workers[i]->lat[kind].max > worst)
			worst = h->workers[i]->lat[kind].max;
	return worst;
}

/* Whether @worst, of the calls @name, broke --max-latency; if so, say so. */
static bool over_bound(const struct config *c, struct verdict *v,
		       const char *name, uint64_t worst)
{
	if (!c->max_latency || worst <= c->max_latency)
		return false;
	verdict_detail(v, "latency bound exceeded: the worst %s call took %.3f ms, over the bound of %g ms (--max-latency)",
		       name, worst / 1e6, c->max_latency / 1e6);
	return true;
}

static void hot_finish(struct hammer *h, struct verdict *v)
{
	const struct config *c = &h->cfg;
	uint64_t writes = 0, gets = 0, dumps = 0, wrong = 0;
	uint64_t worst_get = worst_call(h, OP_GET);
	uint64_t worst_dump = worst_call(h, OP_DUMP);
	unsigned int i, writers = c->threads - c->readers;
	char get[16], dump[16], bound[48] = "";
	const struct hot_thread *t;
	bool over;

	for (i = 0; i < c->threads; i++) {
		t = h->workers[i]->priv;
		writes += h->workers[i]->count[OP_PUT];
		gets += h->workers[i]->count[OP_GET];
		dumps += t->dumps;
		wrong += t->wrong;
	}
	over = over_bound(c, v, "GET", worst_get);
	over |= over_bound(c, v, "DUMP", worst_dump);
	if (wrong)
		verdict_detail(v, "%llu GETs found the key missing or not %u bytes long, though nothing deletes it and every PUT writes that many",
			       (unsigned long long)wrong, c->value_size);
	fmt_ns(get, sizeof(get), worst_get);
	fmt_ns(dump, sizeof(dump), worst_dump);
	if (c->max_latency)
		snprintf(bound, sizeof(bound), "; %s the bound of %g ms",
			 over ? "OVER" : "within", c->max_latency / 1e6);
	verdict_summary(v, "hot-key: %u writer%s PUT %llu values of %u bytes to one key; %u reader%s made %llu GETs (worst %s) and %llu whole-map DUMPs (worst call %s)%s",
			writers, writers == 1 ? "" : "s",
			(unsigned long long)writes, c->value_size, c->readers,
			c->readers == 1 ? "" : "s", (unsigned long long)gets,
			get, (unsigned long long)dumps, dump, bound);
	verdict_num(v, "writes", writes);
	verdict_num(v, "gets", gets);
	verdict_num(v, "dumps", dumps);
	verdict_num(v, "wrong_answers", wrong);
	verdict_num(v, "worst_get_ns", worst_get);
	verdict_num(v, "worst_dump_ns", worst_dump);
	verdict_num(v, "max_latency_ns", c->max_latency);
	if (over || wrong)
		v->status = EXIT_FAIL;
}

const struct mode mode_hot = {
	.name = "hot-key",
	.default_keys = 1,
	.enomem_expected = true,
	.prepare = hot_prepare,
	.thread_init = hot_thread_init,
	.next = hot_next,
	.done = hot_done,
	.finish = hot_finish,
};
