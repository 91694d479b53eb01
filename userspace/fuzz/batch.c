// SPDX-License-Identifier: GPL-2.0
/*
 * RCUMAP_IOC_BATCH: the batch itself, built as build.c builds the other
 * commands, and each of its operations with the outcomes allowed to it,
 * checked once the batch succeeded.
 *
 * The ABI: the ioctl fails only when the batch is malformed (EINVAL,
 * E2BIG: nothing ran) or its operations cannot be read or written back
 * (EFAULT, with some of them carried out); otherwise each operation has
 * its own error, one that the same call on its own could have had, and
 * an operation of a command a batch cannot hold fails with EINVAL.
 */
#include <string.h>

#include "fuzz.h"

#define BOP_SIZE	sizeof(struct rcumap_batch_op)

/*
 * How many operations: mostly a few; around the kernel's chunk of 32; now
 * and then hundreds; and once in 2000 batches RCUMAP_BATCH_MAX, which is
 * dear (thousands of operations under a debug kernel), so rare.
 */
static uint32_t pick_count(struct fz_thread *t)
{
	unsigned int r = prng_below(&t->rng, 2000);

	if (r == 0)
		return RCUMAP_BATCH_MAX;
	if (r < 80)
		return 0;
	if (r < 1500)
		return 1 + prng_below(&t->rng, 8);
	if (r < 1950)
		return 9 + prng_below(&t->rng, 32);
	return 41 + prng_below(&t->rng, 216);
}

/* A command a batch cannot hold. */
static uint32_t pick_bad_cmd(struct fz_thread *t)
{
	static const uint32_t cmds[] = {
		0, RCUMAP_CMD_INFO, RCUMAP_CMD_CLEAR, RCUMAP_CMD_STATS,
		RCUMAP_CMD_CMPXCHG, RCUMAP_CMD_DUMP, RCUMAP_CMD_BATCH, 11, 16,
		255, 0x80000000U, UINT32_MAX,
	};

	return cmds[prng_below(&t->rng, ARRAY_SIZE(cmds))];
}

/* The row of the counters an operation of command @cmd goes to. */
static int bop_row(uint32_t cmd)
{
	switch (cmd) {
	case RCUMAP_CMD_GET:
		return ROW_BOP_GET;
	case RCUMAP_CMD_PUT:
		return ROW_BOP_PUT;
	case RCUMAP_CMD_DEL:
		return ROW_BOP_DEL;
	case RCUMAP_CMD_ADD:
		return ROW_BOP_ADD;
	default:
		return ROW_BOP_BAD;
	}
}

/* Spoil an operation in one way; return the outcomes left to it. */
static uint32_t spoil_op(struct fz_thread *t, struct rcumap_batch_op *op,
			 uint32_t normal, void *out)
{
	unsigned int r = prng_below(&t->rng, 8);

	switch (r) {
	case 0:
		op->reserved = 1 + prng_below(&t->rng, UINT32_MAX);
		return OC(EINVAL) | OC(ENOMEM);
	case 1:
		op->key_len = 0;
		return OC(EINVAL) | OC(ENOMEM);
	case 2:
		op->key_len = pick_key_len_bad(t);
		return OC(E2BIG) | OC(ENOMEM);
	case 3:
		op->key = hz_place(t, R_KEY, hz_pick_bad(t), NULL, 0, 1);
		return OC(EFAULT) | OC(ENOMEM);
	case 4:
		op->flags = op->cmd == RCUMAP_CMD_GET ? 2 + pick_any_u32(t) :
			    op->cmd == RCUMAP_CMD_DEL ? 1 + pick_any_u32(t) :
			    3 + prng_below(&t->rng, UINT32_MAX - 3);
		if (op->cmd == RCUMAP_CMD_GET)
			op->flags &= ~RCUMAP_GET_TOUCH;
		if (!op->flags)
			op->flags = 2;
		return OC(EINVAL) | OC(ENOMEM);
	default:
		break;
	}
	switch (op->cmd) {
	case RCUMAP_CMD_PUT:
		if (r == 5) {
			op->delta = 1 + prng_below(&t->rng, UINT32_MAX);
			return OC(EINVAL) | OC(ENOMEM);
		}
		if (r == 6) {
			op->value_len = pick_value_len_bad(t);
			return OC(E2BIG) | OC(ENOMEM);
		}
		if (!op->value_len)
			op->value_len = 8;
		op->value = hz_place(t, R_VAL, hz_pick_bad(t), NULL, 0, 1);
		return OC(EFAULT) | OC(ENOMEM);
	case RCUMAP_CMD_GET:
		if (r == 5) {
			op->delta = pick_delta(t) | 1;
			return OC(EINVAL);
		}
		op->value = hz_place(t, R_OUT, hz_pick_bad(t), NULL, 0, 1);
		(void)out;
		return normal | OC(EFAULT);
	default:	/* DEL, ADD: no value */
		if (r & 1)
			op->value = (uintptr_t)t->fz->patterns[0];
		else
			op->value_len = 1 + prng_below(&t->rng, 64);
		return OC(EINVAL) | OC(ENOMEM);
	}
}

/*
 * Operation @i of a batch: a GET, PUT, DEL or ADD on a shared key, or a
 * command a batch cannot hold; one in ten with a defect of its own. The
 * GETs all share one output buffer of @cap bytes at @out.
 */
static void build_op(struct fz_thread *t, uint32_t i, void *out, uint32_t cap)
{
	static const unsigned char cmds[] = {
		RCUMAP_CMD_GET, RCUMAP_CMD_GET, RCUMAP_CMD_GET, RCUMAP_CMD_PUT,
		RCUMAP_CMD_PUT, RCUMAP_CMD_PUT, RCUMAP_CMD_DEL, RCUMAP_CMD_ADD,
		RCUMAP_CMD_ADD, 0,
	};
	struct rcumap_batch_op *op = &t->bops[i];
	const struct fz_key *k = pick_key(t, prng_pct(&t->rng, 10));
	uint32_t normal;

	memset(op, 0, sizeof(*op));
	op->cmd = cmds[prng_below(&t->rng, ARRAY_SIZE(cmds))];
	if (!op->cmd || prng_pct(&t->rng, 2))
		op->cmd = pick_bad_cmd(t);
	op->key_len = k->len;
	op->key = (uintptr_t)k->bytes;
	switch (op->cmd) {
	case RCUMAP_CMD_GET:
		op->flags = prng_pct(&t->rng, 20) ? RCUMAP_GET_TOUCH : 0;
		op->value_len = cap;
		op->value = (uintptr_t)out;
		break;
	case RCUMAP_CMD_PUT:
		op->flags = prng_below(&t->rng, 3);
		op->value_len = pick_value_len(t, key_is_big(t->fz, k));
		op->value = (uintptr_t)pick_value(t);
		break;
	case RCUMAP_CMD_ADD:
		op->flags = prng_below(&t->rng, 3);
		op->delta = pick_delta(t);
		break;
	case RCUMAP_CMD_DEL:
		break;
	default:
		t->bop_allowed[i] = OC(EINVAL);
		return;
	}
	normal = outcomes_normal(t->fz, op->cmd, op->flags);
	t->bop_allowed[i] = prng_pct(&t->rng, 10) ?
			    spoil_op(t, op, normal, out) : normal;
}

/* Batch-level defects, as enum defect is to the other commands. */
enum bdefect {
	B_ARG_BAD, B_ARG_CROSS, B_SIZE_SMALL, B_SIZE_TAIL, B_ARG_RO, B_FLAGS,
	B_OP_SIZE, B_COUNT, B_OPS_BAD, B_OPS_CROSS, B_OPS_RO, NR_BDEFECTS
};

static const char *const bdefect_names[NR_BDEFECTS] = {
	[B_ARG_BAD] = "the struct pointer has no memory",
	[B_ARG_CROSS] = "the struct runs into a guard page",
	[B_SIZE_SMALL] = "size below the struct",
	[B_SIZE_TAIL] = "size past the struct, non-zero tail",
	[B_ARG_RO] = "the struct is read-only (the operations run)",
	[B_FLAGS] = "an undefined flag",
	[B_OP_SIZE] = "op_size is not sizeof(struct rcumap_batch_op)",
	[B_COUNT] = "count over RCUMAP_BATCH_MAX",
	[B_OPS_BAD] = "the operations' pointer has no memory",
	[B_OPS_CROSS] = "the operations run into a guard page",
	[B_OPS_RO] = "the operations are read-only (they run)",
};

/*
 * Place the batch struct: normal memory with a canary past it, or where a
 * defect puts it.
 */
static void place_batch(struct fz_thread *t, struct fz_call *c,
			enum hz_where w, bool nonzero_tail)
{
	struct hz_region *r = &t->hz.r[R_ARG];
	uint32_t exact = sizeof(struct rcumap_batch);
	unsigned char *a = r->base;

	c->args_len = exact;
	call_ptr(c, "arg", w);
	if (w != W_NORMAL) {
		c->arg = (void *)(uintptr_t)hz_place(t, R_ARG, w, &c->args,
						     exact, exact);
		c->out = w == W_EDGE || w == W_RO ? c->arg : NULL;
		return;
	}
	memcpy(a, &c->args, exact);
	if (nonzero_tail) {
		memset(a + exact, 0, c->args.batch.size - exact);
		a[c->args.batch.size - 1] = 0x5a;
	}
	c->arg = a;
	c->out = a;
	call_canary(c, a + (c->args.batch.size < exact ? exact :
			    c->args.batch.size), 16);
}

static void batch_defect(struct fz_thread *t, struct fz_call *c,
			 enum hz_where *w, bool *tail)
{
	struct rcumap_batch *b = &c->args.batch;
	enum bdefect d = prng_below(&t->rng, NR_BDEFECTS);
	size_t len = (size_t)c->nbops * BOP_SIZE;

	if (!c->nbops && d >= B_OPS_BAD)
		d = B_FLAGS;	/* no operation to fault on */
	c->what = bdefect_names[d];
	c->allowed = OC(EFAULT);
	switch (d) {
	case B_ARG_BAD:
		*w = hz_pick_bad(t);
		return;
	case B_ARG_CROSS:
		*w = W_CROSS;
		return;
	case B_SIZE_SMALL:
		b->size = prng_below(&t->rng, sizeof(*b));
		c->allowed = OC(EINVAL);
		return;
	case B_SIZE_TAIL:
		b->size = sizeof(*b) + 1 + prng_below(&t->rng, 256);
		*tail = true;
		c->allowed = OC(E2BIG);
		return;
	case B_ARG_RO:
		*w = W_RO;
		break;
	case B_FLAGS:
		b->flags = 1 + prng_below(&t->rng, UINT32_MAX);
		c->allowed = OC(EINVAL);
		return;
	case B_OP_SIZE:
		b->op_size = prng_pct(&t->rng, 50) ? BOP_SIZE + 8 :
			     prng_below(&t->rng, BOP_SIZE);
		c->allowed = OC(EINVAL);
		return;
	case B_COUNT:
		b->count = prng_pct(&t->rng, 50) ? RCUMAP_BATCH_MAX + 1 :
			   RCUMAP_BATCH_MAX + 1 +
			   prng_below(&t->rng, UINT32_MAX - RCUMAP_BATCH_MAX);
		c->allowed = OC(E2BIG);
		return;
	case B_OPS_BAD:
		b->ops = hz_place(t, R_OPS, hz_pick_bad(t), NULL, 0, len);
		call_ptr(c, "ops", W_UNMAPPED);
		break;
	case B_OPS_CROSS:
		b->ops = hz_place(t, R_OPS, W_CROSS, t->bops, len, len);
		call_ptr(c, "ops", W_CROSS);
		c->ncanaries = 0;
		break;
	default:
		b->ops = hz_place(t, R_OPS, W_RO, t->bops, len, len);
		call_ptr(c, "ops", W_RO);
		c->ncanaries = 0;
		break;
	}
	c->allowed |= OC(ENOMEM);
}

/**
 * build_batch() - make a BATCH call
 * @t: the thread
 * @c: filled in; c->cmd is RCUMAP_CMD_BATCH
 * @style: well-formed (each operation perhaps spoilt on its own), with a
 *         batch-level defect, chaos, or racing
 */
void build_batch(struct fz_thread *t, struct fz_call *c, enum fz_style style)
{
	struct rcumap_batch *b = &c->args.batch;
	struct hz_region *out = &t->hz.r[R_OUT];
	uint32_t n = pick_count(t), i, cap = pick_buf_len(t);
	enum hz_where w = W_NORMAL, ow;
	bool tail = false;
	size_t len;

	c->style = style;
	c->what = "well-formed";
	for (i = 0; i < n; i++)
		build_op(t, i, out->base, cap);
	call_canary(c, out->base + cap, 16);
	len = (size_t)n * BOP_SIZE;
	ow = prng_pct(&t->rng, 90) ? W_NORMAL : W_EDGE;
	b->size = sizeof(*b);
	b->count = n;
	b->op_size = BOP_SIZE;
	b->ops = hz_place(t, R_OPS, ow, t->bops, len, len);
	call_ptr(c, "ops", ow);
	if (ow == W_NORMAL)
		call_canary(c, (unsigned char *)(uintptr_t)b->ops + len, 16);
	c->bops = t->bops;
	c->bop_allowed = t->bop_allowed;
	c->nbops = n;
	c->allowed = OC(OK) | OC(ENOMEM);
	c->check_out = style == S_WELL;
	if (style == S_DEFECT) {
		batch_defect(t, c, &w, &tail);
	} else if (style == S_CHAOS) {
		c->what = "many fields at random";
		if (prng_pct(&t->rng, 30))
			b->count = pick_any_u32(t) & (n ? ~0U : 0);
		if (prng_pct(&t->rng, 30))
			b->op_size = pick_any_u32(t);
		if (prng_pct(&t->rng, 30))
			b->flags = pick_any_u32(t);
		if (prng_pct(&t->rng, 20))
			b->size = pick_any_u32(t) & 0xff;
		if (b->count > n && b->count <= RCUMAP_BATCH_MAX)
			b->count = n;	/* no more than were built */
		if (b->size > sizeof(*b))
			b->size = sizeof(*b);
		c->allowed = outcomes_documented(t->fz, RCUMAP_CMD_BATCH);
		c->ncanaries = 0;
	} else if (style == S_RACE) {
		c->what = "memory changed during the call";
		w = W_RACE;
		c->ncanaries = 0;
		c->allowed = outcomes_documented(t->fz, RCUMAP_CMD_BATCH);
	}
	c->nr = cmd_nr(t, RCUMAP_CMD_BATCH);
	place_batch(t, c, w, tail);
}

/* An operation of a batch with an outcome not allowed to it. */
static void report_op(struct fz_thread *t, struct fz_call *c, uint32_t i,
		      const struct rcumap_batch_op *got)
{
	const struct rcumap_batch_op *op = &c->bops[i];
	char allowed[160];

	report_unexpected(t, c, 0, 0,
			  "operation %u of the batch %s%s, allowed %s: cmd=%u flags=%#x key_len=%u value_len=%u key=%#llx value=%#llx delta=%#llx reserved=%#x",
			  i, got->error ? "failed with " : "succeeded",
			  got->error ? errno_name(got->error) : "",
			  outcomes_str(c->bop_allowed[i] & ~t->fz->cfg.forbid,
				       allowed, sizeof(allowed)),
			  op->cmd, op->flags, op->key_len, op->value_len,
			  (unsigned long long)op->key,
			  (unsigned long long)op->value,
			  (unsigned long long)op->delta, op->reserved);
}

/**
 * check_batch_ops() - judge each operation of a batch that succeeded
 * @t: the thread
 * @c: the call
 *
 * Every operation must have run, be counted in failed if it failed, and
 * have failed, if at all, with an errno allowed to it; a GET's value_len
 * must be at most its buffer on success and over it on ERANGE.
 */
void check_batch_ops(struct fz_thread *t, struct fz_call *c)
{
	const struct rcumap_batch *got = c->out;
	const struct rcumap_batch_op *ops =
		(const void *)(uintptr_t)c->args.batch.ops;
	uint32_t i, failed = 0;

	if (got->done != c->args.batch.count) {
		report_unexpected(t, c, 0, 0, "BATCH did %u of %u operations",
				  got->done, c->args.batch.count);
		return;
	}
	for (i = 0; i < c->args.batch.count; i++) {
		const struct rcumap_batch_op *op = &ops[i];
		int oc = op->error ? errno_outcome(op->error) : OC_OK;

		stats_count(t, bop_row(op->cmd), op->error);
		failed += !!op->error;
		if (oc < 0 || !(c->bop_allowed[i] & ~t->fz->cfg.forbid &
				(1U << oc))) {
			report_op(t, c, i, op);
			return;
		}
		if (op->cmd == RCUMAP_CMD_GET && c->bops[i].value_len &&
		    ((oc == OC_OK && op->value_len > c->bops[i].value_len) ||
		     (oc == OC_ERANGE &&
		      op->value_len <= c->bops[i].value_len))) {
			report_unexpected(t, c, 0, 0,
					  "operation %u of the batch, a GET, says value_len %u with a buffer of %u",
					  i, op->value_len,
					  c->bops[i].value_len);
			return;
		}
	}
	if (failed != got->failed)
		report_unexpected(t, c, 0, 0,
				  "BATCH says %u operations failed, they say %u",
				  got->failed, failed);
}
