// SPDX-License-Identifier: GPL-2.0
/*
 * owner mode: read-your-writes under fire.
 *
 * Keys come in rows of threads + 1: key row * (threads + 1) + t belongs to
 * thread t, the last key of each row is shared. So every thread's keys lie
 * among everyone else's, in the same buckets, while all threads write the
 * shared keys too. Only the owner writes its keys, so it knows what each
 * must hold, and every answer the map gives about them must fit: the
 * latest value written (byte for byte), ENOENT after a delete, EEXIST for
 * PUT NOEXIST on a present key, and so on. A quarter of the ops go to the
 * shared keys, unchecked.
 *
 * A key's state starts unknown (the map may hold an old value with
 * --no-clear) and becomes known with the thread's first write or ENOENT.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hammer.h"

#define OWNER_MSGS	4	/* violations kept per thread */

enum { OWN_UNKNOWN, OWN_ABSENT, OWN_PRESENT };

struct own_key {
	uint8_t state;
	uint32_t len;		/* OWN_PRESENT: the value, as for value_fill() */
	uint64_t word;
};

struct owner_thread {
	uint64_t checked, violations;
	char msg[OWNER_MSGS][400];
	unsigned char *scratch;	/* a value to compare with */
	struct own_key key[];	/* by row */
};

/* What the map must answer to @op on a key in state @s. */
struct expect {
	int err;
	bool may_enospc;	/* the op creates the key: the map may be full */
	struct own_key after;	/* the state if the op works */
};

static int owner_prepare(struct hammer *h)
{
	h->pick_n = h->cfg.keys / (h->cfg.threads + 1);
	return 0;
}

static int owner_thread_init(struct worker *w)
{
	const struct config *c = &w->h->cfg;
	size_t keys = w->h->pick_n * sizeof(struct own_key);
	struct owner_thread *t;

	t = calloc(1, sizeof(*t) + keys + (c->value_size > 8 ? c->value_size : 8));
	w->priv = t;
	if (!t)
		return -ENOMEM;
	t->scratch = (unsigned char *)t->key + keys;
	return 0;
}

static void owner_next(struct worker *w, struct hop *op)
{
	struct owner_thread *t = w->priv;
	unsigned int cols = w->h->cfg.threads + 1;
	uint32_t row = pick_key(w);
	bool shared = !rng_below(&w->rng, 4);
	const struct own_key *s = &t->key[row];

	*op = (struct hop){
		.kind = pick_kind(w),
		.key = row * cols + (shared ? cols - 1 : w->id),
		.mine = !shared,
	};
	if (op->kind == OP_PUT)
		op->flags = pick_flags(w);
	if (op->kind == OP_ADD)
		op->arg = pick_delta(w);
	if (op->kind == OP_PUT || op->kind == OP_CAS)
		op->arg = next_stamp(w);
	if (op->kind != OP_CAS)
		return;
	/* On an own key, expect what it holds: the CAS must work. */
	op->exp_len = w->h->cfg.value_size;
	op->arg2 = next_stamp(w);
	if (op->mine && s->state == OWN_PRESENT) {
		op->exp_len = s->len;
		op->arg2 = s->word;
	}
}

static struct own_key own_present(uint32_t len, uint64_t word)
{
	return (struct own_key){ OWN_PRESENT, len, word };
}

/* The sequential model; ADD always comes with RCUMAP_ANY here. */
static void owner_expect(const struct own_key *s, const struct hop *op,
			 uint32_t value_size, struct expect *e)
{
	bool present = s->state == OWN_PRESENT;

	e->err = present ? 0 : ENOENT;
	e->may_enospc = false;
	e->after = (struct own_key){ .state = OWN_ABSENT };
	switch (op->kind) {
	case OP_GET:
		e->after = *s;
		break;
	case OP_PUT:
		e->err = 0;
		if (op->flags == RCUMAP_NOEXIST && present)
			e->err = EEXIST;
		else if (op->flags == RCUMAP_EXIST && !present)
			e->err = ENOENT;
		e->may_enospc = !present;
		e->after = own_present(value_size, op->arg);
		break;
	case OP_ADD:
		e->err = present && s->len != 8 ? EMSGSIZE : 0;
		e->may_enospc = !present;
		e->after = own_present(8, (present ? s->word : 0) + op->arg);
		break;
	case OP_CAS:
		e->after = own_present(value_size, op->arg);
		break;
	}
}

static void describe_state(char *buf, size_t len, const struct own_key *s)
{
	if (s->state == OWN_PRESENT)
		snprintf(buf, len, "value #%llx (%u bytes)",
			 (unsigned long long)s->word, s->len);
	else
		snprintf(buf, len, "absent");
}

/*
 * What the map said, or should have said, in words; @value is the value a
 * GET returns, a failed CAS found, or the sum of an ADD.
 */
static void describe_answer(char *buf, size_t len, int err, uint8_t kind,
			    const struct own_key *value)
{
	char found[48];

	if (err == ECANCELED) {
		describe_state(found, sizeof(found), value);
		snprintf(buf, len, "ECANCELED, found %s", found);
	} else if (err) {
		snprintf(buf, len, "%s", errno_name(err));
	} else if (kind == OP_GET) {
		describe_state(buf, len, value);
	} else if (kind == OP_ADD) {
		snprintf(buf, len, "sum #%llx", (unsigned long long)value->word);
	} else {
		snprintf(buf, len, "ok");
	}
}

static void owner_violation(struct worker *w, const struct hop *op,
			    const struct own_key *s, const struct expect *e)
{
	struct owner_thread *t = w->priv;
	struct own_key got = own_present(op->out_len, op->out);
	char key[RCUMAP_KEY_LEN_LIMIT + 1], want[96], was[64], ans[96];

	if (t->violations++ >= OWNER_MSGS)
		return;
	key_name(key, sizeof(key), &w->h->cfg, false, op->key);
	describe_state(was, sizeof(was), s);
	describe_answer(want, sizeof(want), e->err, op->kind,
			op->kind == OP_GET ? s : &e->after);
	describe_answer(ans, sizeof(ans), op->err, op->kind, &got);
	snprintf(t->msg[t->violations - 1], sizeof(t->msg[0]),
		 "thread %u, own key %.64s = %s: %s answered %s, expected %s",
		 w->id, key, was, op_names[op->kind], ans, want);
}

/* Does the answer to @op fit the model's @e for a key in state @s? */
static bool owner_fits(struct worker *w, const struct hop *op,
		       const struct own_key *s, const struct expect *e)
{
	struct owner_thread *t = w->priv;

	if (op->err)
		return op->err == e->err ||
		       (op->err == ENOSPC && !e->err && e->may_enospc);
	if (e->err)
		return false;
	if (op->kind == OP_ADD)
		return op->out == e->after.word;
	if (op->kind != OP_GET)
		return true;
	value_fill(t->scratch, s->len, s->word);
	return op->out_len == s->len && !memcmp(op->buf, t->scratch, s->len);
}

static void owner_done(struct worker *w, const struct hop *op)
{
	struct owner_thread *t = w->priv;
	struct own_key *s;
	struct expect e;

	if (!op->mine)
		return;
	s = &t->key[op->key / (w->h->cfg.threads + 1)];
	owner_expect(s, op, w->h->cfg.value_size, &e);
	if (s->state != OWN_UNKNOWN) {
		t->checked++;
		if (!owner_fits(w, op, s, &e)) {
			owner_violation(w, op, s, &e);
			s->state = OWN_UNKNOWN;
			return;
		}
	}
	if (op->err == ENOENT)
		s->state = OWN_ABSENT;
	else if (!op->err && op->kind != OP_GET)
		*s = e.after;
	/* The sum is checked if the state was known, else learnt. */
	if (!op->err && op->kind == OP_ADD)
		s->word = op->out;
}

static void owner_finish(struct hammer *h, struct verdict *v)
{
	uint64_t checked = 0, bad = 0, shown;
	struct owner_thread *t;
	unsigned int i, j;

	for (i = 0; i < h->cfg.threads; i++) {
		t = h->workers[i]->priv;
		checked += t->checked;
		bad += t->violations;
		shown = t->violations < OWNER_MSGS ? t->violations : OWNER_MSGS;
		for (j = 0; j < shown; j++)
			verdict_detail(v, "%s", t->msg[j]);
		v->more += t->violations - shown;
	}
	verdict_num(v, "checked", checked);
	verdict_num(v, "violations", bad);
	verdict_summary(v, "owner: %llu checked ops on %u threads' own keys (%u rows of %u), %llu violations",
			(unsigned long long)checked, h->cfg.threads, h->pick_n,
			h->cfg.threads + 1, (unsigned long long)bad);
	if (bad)
		v->status = EXIT_FAIL;
}

static const uint8_t owner_mix[NR_MIX_KINDS] = {
	[OP_GET] = 50, [OP_PUT] = 30, [OP_DEL] = 10, [OP_ADD] = 5, [OP_CAS] = 5,
};

const struct mode mode_owner = {
	.name = "owner",
	.default_keys = 1024,
	.default_mix = owner_mix,
	.batchable = true,
	.prepare = owner_prepare,
	.thread_init = owner_thread_init,
	.next = owner_next,
	.done = owner_done,
	.finish = owner_finish,
};
