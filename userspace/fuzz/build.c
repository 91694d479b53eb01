// SPDX-License-Identifier: GPL-2.0
/*
 * Whole calls: a command, its argument struct and buffers, where each of
 * them lies, and the outcomes that this makes possible.
 *
 * A call is built well-formed first, then perhaps spoiled:
 *
 *   well-formed  valid fields and valid pointers, though at the edges: a
 *                struct or buffer touching a guard page, an input in
 *                read-only memory, the struct of ABI version 1, a size
 *                past the struct with a zero tail, lengths at the limits;
 *                only the map's own answers may come back
 *   defect       one defect (enum defect), so that exactly one errno, or
 *                the normal answers and that errno, may come back
 *   chaos        any number of fields at random boundary values and the
 *                struct anywhere: any documented outcome of the command
 *   race         the struct or a buffer in a racing page: likewise
 *
 * No call ever names a key another thread owns, except a malformed one
 * that must fail and leave it alone (build_owned_attack()); no call of
 * chaos or race may clear the map unless --allow-clear.
 */
#include <string.h>

#include "build.h"
#include "fuzz.h"

/* Pointers to the key command fields of c->args (NULL: no such field). */
struct fields fields_of(struct fz_call *c)
{
	union fz_args *a = &c->args;

	switch (c->cmd) {
	case RCUMAP_CMD_ADD:
		return (struct fields){ &a->add.flags, &a->add.key_len, NULL,
					&a->add.reserved, NULL, &a->add.key,
					NULL };
	case RCUMAP_CMD_CMPXCHG:
		return (struct fields){ &a->cmpxchg.flags, &a->cmpxchg.key_len,
					&a->cmpxchg.value_len, NULL, NULL,
					&a->cmpxchg.key, &a->cmpxchg.value };
	case RCUMAP_CMD_PUT:
	case RCUMAP_CMD_GET:
	case RCUMAP_CMD_DEL:
		return (struct fields){ &a->elem.flags, &a->elem.key_len,
					&a->elem.value_len, &a->elem.reserved,
					&a->elem.ttl_ms, &a->elem.key,
					&a->elem.value };
	default:
		/* every struct starts with size and flags */
		return (struct fields){ .flags = &a->info.flags };
	}
}

/* Inputs: mostly normal memory, some touching a guard page, some RO. */
static enum hz_where good_in(struct fz_thread *t)
{
	unsigned int r = prng_below(&t->rng, 100);

	return r < 80 ? W_NORMAL : r < 92 ? W_EDGE : W_RO;
}

/* Place an input of @len bytes; normal keys and values stay where they are. */
static uint64_t put_in(struct fz_thread *t, struct fz_call *c,
		       enum hz_role role, const char *field, enum hz_where w,
		       const void *src, uint32_t len)
{
	call_ptr(c, field, w);
	if (w == W_NORMAL)
		return (uintptr_t)src;
	return hz_place(t, role, w, src, len, len);
}

/* Place an output buffer the kernel is told is @cap bytes long. */
static uint64_t put_out(struct fz_thread *t, struct fz_call *c,
			enum hz_role role, const char *field, enum hz_where w,
			uint32_t cap)
{
	size_t room = t->hz.r[role].len;
	uint64_t p;

	if (w == W_NORMAL && (uint64_t)cap + 16 > room)
		w = W_EDGE;
	call_ptr(c, field, w);
	p = hz_place(t, role, w, NULL, 0, cap);
	if (w == W_NORMAL)
		call_canary(c, (unsigned char *)(uintptr_t)p + cap, 16);
	return p;
}

/*
 * The key fields of a key command. An owned key stays in the memory of
 * its own that shadow.c keeps the names in: a copy of one in the key
 * region could meet a stale struct of an earlier racing call that points
 * there, and be written by it.
 */
static void well_key(struct fz_thread *t, struct fz_call *c,
		     const struct fz_key *k)
{
	struct fields f = fields_of(c);
	enum hz_where w = good_in(t);

	if (c->owner >= 0)
		w = W_NORMAL;

	*f.key_len = k->len;
	*f.key = put_in(t, c, R_KEY, "key", w, k->bytes, k->len);
}

static uint32_t pick_put_flags(struct fz_thread *t)
{
	unsigned int r = prng_below(&t->rng, 4);

	return r < 2 ? RCUMAP_ANY : r == 2 ? RCUMAP_NOEXIST : RCUMAP_EXIST;
}

/*
 * A DUMP's cursor and buffer size. A DUMP walks buckets until its buffer
 * is full, and under a debug kernel each bucket is dear: a large buffer
 * only starts a little before the end of the table.
 */
static void pick_dump(struct fz_thread *t, struct rcumap_dump *d)
{
	static const uint32_t small[] = { 0, 1, 8, 16, 24, 64, 256, 1024 };
	uint64_t buckets = t->fz->info.buckets;
	unsigned int r = prng_below(&t->rng, 100);

	d->buf_len = small[prng_below(&t->rng, ARRAY_SIZE(small))];
	if (r < 30)
		d->cursor = 0;
	else if (r < 45)
		d->cursor = RCUMAP_DUMP_END;
	else
		d->cursor = prng_below(&t->rng, buckets);
	if (r >= 95) {
		d->buf_len = pick_buf_len(t);
		d->cursor = buckets - 1 - prng_below(&t->rng, buckets < 256 ?
						      buckets : 256);
	}
}

/* Fill the fields of a well-formed call of c->cmd on key @k. */
static void well_fields(struct fz_thread *t, struct fz_call *c,
			const struct fz_key *k)
{
	bool big = key_is_big(t->fz, k);
	union fz_args *a = &c->args;
	uint32_t len, cap;

	switch (c->cmd) {
	case RCUMAP_CMD_PUT:
		well_key(t, c, k);
		a->elem.flags = pick_put_flags(t);
		len = pick_value_len(t, big);
		a->elem.value_len = len;
		a->elem.value = put_in(t, c, R_VAL, "value", good_in(t),
				       pick_value(t), len);
		a->elem.ttl_ms = pick_ttl(t);
		break;
	case RCUMAP_CMD_GET:
		well_key(t, c, k);
		a->elem.flags = prng_pct(&t->rng, 20) ? RCUMAP_GET_TOUCH : 0;
		cap = pick_buf_len(t);
		a->elem.value_len = cap;
		a->elem.value = put_out(t, c, R_OUT, "value",
					prng_pct(&t->rng, 85) ? W_NORMAL :
					W_EDGE, cap);
		break;
	case RCUMAP_CMD_DEL:
		well_key(t, c, k);
		break;
	case RCUMAP_CMD_ADD:
		well_key(t, c, k);
		a->add.flags = pick_put_flags(t);
		a->add.delta = pick_delta(t);
		break;
	case RCUMAP_CMD_CMPXCHG:
		well_key(t, c, k);
		len = pick_value_len(t, big);
		a->cmpxchg.expected_len = len;
		a->cmpxchg.expected = put_in(t, c, R_EXP, "expected",
					     good_in(t), pick_value(t),
					     len);
		len = pick_value_len(t, big);
		a->cmpxchg.value_len = len;
		a->cmpxchg.value = put_in(t, c, R_VAL, "value", good_in(t),
					  pick_value(t), len);
		cap = pick_buf_len(t);
		a->cmpxchg.found_len = cap;
		a->cmpxchg.found = put_out(t, c, R_OUT, "found",
					   prng_pct(&t->rng, 85) ? W_NORMAL :
					   W_EDGE, cap);
		break;
	case RCUMAP_CMD_DUMP:
		pick_dump(t, &a->dump);
		cap = a->dump.buf_len;
		a->dump.buf = put_out(t, c, R_OUT, "buf",
				      prng_pct(&t->rng, 85) ? W_NORMAL : W_EDGE,
				      cap);
		break;
	default:
		break;
	}
	c->allowed = outcomes_normal(t->fz, c->cmd, *fields_of(c).flags);
}

/* A valid size field: mostly exact; ABI 1's; larger with a zero tail. */
static void well_plan(struct fz_thread *t, struct fz_call *c, struct plan *p)
{
	uint32_t exact = cmd_size(c->cmd), min = cmd_min_size(c->cmd);
	unsigned int r = prng_below(&t->rng, 100);

	p->w = r < 82 ? W_NORMAL : W_EDGE;
	/* PUT and DEL write nothing back: their struct may be read-only */
	if (r >= 95 && (c->cmd == RCUMAP_CMD_PUT || c->cmd == RCUMAP_CMD_DEL))
		p->w = W_RO;
	p->size = exact;
	p->nonzero_tail = false;
	r = prng_below(&t->rng, 100);
	if (r < 8 && min < exact)
		p->size = min + prng_below(&t->rng, exact - min);
	else if (r < 16 && p->w == W_NORMAL)
		p->size = exact + (prng_pct(&t->rng, 50) ? 8 :
				   1 + prng_below(&t->rng, 1000));
}

/* The struct where the plan says; its size field; canaries after it. */
static void place_args(struct fz_thread *t, struct fz_call *c,
		       const struct plan *p)
{
	struct hz_region *r = &t->hz.r[R_ARG];
	uint32_t exact = cmd_size(c->cmd), size = p->size;
	unsigned char *a = r->base;
	size_t tail;

	c->args.info.size = size;
	c->args_len = exact;
	call_ptr(c, "arg", p->w);
	if (p->w != W_NORMAL) {
		c->arg = (void *)(uintptr_t)hz_place(t, R_ARG, p->w, &c->args,
						     exact, exact);
		if (p->w == W_EDGE || p->w == W_RO)
			c->out = c->arg;
		return;
	}
	memcpy(a, &c->args, exact);
	c->arg = a;
	c->out = a;
	if (size < exact) {
		/* the kernel reads the whole size field, whatever it says */
		if (size < sizeof(__u32))
			size = sizeof(__u32);
		call_canary(c, a + size, 16);
		return;
	}
	tail = size - exact;
	if (tail > r->len - 16 - exact)
		tail = r->len - 16 - exact;	/* only with a non-zero byte */
	memset(a + exact, 0, tail);
	if (p->nonzero_tail && tail)
		a[exact + (size - exact > tail ? 0 :
			   prng_below(&t->rng, tail))] = 1 + prng_below(&t->rng, 255);
	if (exact + tail == size)
		call_canary(c, a + size, 16);
}

/* Any number of fields at any value: only documented outcomes. */
static void chaos(struct fz_thread *t, struct fz_call *c, struct plan *p)
{
	static const enum hz_where places[] = {
		W_NORMAL, W_NORMAL, W_NORMAL, W_EDGE, W_CROSS, W_RO, W_NULL,
		W_UNMAPPED,
	};
	struct fields f = fields_of(c);
	uint32_t exact = cmd_size(c->cmd);
	uint32_t sizes[] = {
		0, 1, 4, cmd_min_size(c->cmd) - 1, cmd_min_size(c->cmd),
		exact - 1, exact, exact, exact + 1, exact + 8, UINT32_MAX,
	};

	c->what = "many fields at random";
	p->w = places[prng_below(&t->rng, ARRAY_SIZE(places))];
	p->size = sizes[prng_below(&t->rng, ARRAY_SIZE(sizes))];
	/* a huge size in normal memory only ends at a non-zero byte */
	p->nonzero_tail = prng_pct(&t->rng, 30) || p->size > 4096;
	if (prng_pct(&t->rng, 30) || (c->cmd == RCUMAP_CMD_CLEAR &&
				      !t->fz->cfg.allow_clear))
		spoil_flags(t, c);
	if (f.reserved && prng_pct(&t->rng, 20))
		*f.reserved = pick_any_u32(t);
	if (f.ttl && prng_pct(&t->rng, 20))
		*f.ttl = pick_any_u32(t);
	if (f.key_len && prng_pct(&t->rng, 20))
		*f.key_len = prng_pct(&t->rng, 50) ? 0 : pick_key_len_bad(t);
	if (f.key && prng_pct(&t->rng, 20))
		*f.key = bad_in(t, c, R_KEY, "key", NULL, 1);
	if (f.value_len && c->cmd != RCUMAP_CMD_GET && prng_pct(&t->rng, 20))
		*f.value_len = pick_value_len_bad(t);
	if (f.value && c->cmd != RCUMAP_CMD_GET && prng_pct(&t->rng, 20))
		*f.value = bad_in(t, c, R_VAL, "value", NULL, 1);
	if (c->cmd != RCUMAP_CMD_PUT && c->cmd != RCUMAP_CMD_DEL &&
	    prng_pct(&t->rng, 15) && defect_applies(D_OUT_BAD, c->cmd))
		spoil_out(t, c);
	c->allowed = outcomes_documented(t->fz, c->cmd);
}

/* The struct or one of its buffers in a racing page. */
static void race(struct fz_thread *t, struct fz_call *c, struct plan *p)
{
	struct fields f = fields_of(c);

	c->what = "memory changed during the call";
	c->ncanaries = 0;
	c->check_out = false;
	if (!f.key || prng_pct(&t->rng, 50)) {
		p->w = W_RACE;
		p->size = cmd_size(c->cmd);
	} else {
		*f.key = hz_place(t, R_KEY, W_RACE, (void *)(uintptr_t)*f.key,
				  *f.key_len, *f.key_len);
		call_ptr(c, "key", W_RACE);
	}
	c->allowed = outcomes_documented(t->fz, c->cmd);
}

static void build_unknown(struct fz_thread *t, struct fz_call *c)
{
	static const char *const flavours[] = {
		"magic 0xBC, no such command number",
		"a command's number with other direction bits",
		"another driver's magic",
	};
	uint32_t flavour;
	enum hz_where w = prng_pct(&t->rng, 70) ? W_NORMAL : hz_pick_bad(t);

	c->style = S_UNKNOWN_CMD;
	c->nr = pick_unknown_nr(t, &flavour);
	c->what = flavours[flavour];
	c->allowed = OC(ENOTTY);
	c->args.info.size = pick_any_u32(t);
	c->args_len = sizeof(c->args.info);
	call_ptr(c, "arg", w);
	c->arg = (void *)(uintptr_t)hz_place(t, R_ARG, w, &c->args,
					     sizeof(c->args), sizeof(c->args));
}

/* The last steps of every call: its number, its struct, EPERM's rule. */
static void finish(struct fz_thread *t, struct fz_call *c,
		   const struct plan *p)
{
	c->nr = cmd_nr(t, c->cmd);
	place_args(t, c, p);
	if (c->cmd == RCUMAP_CMD_CLEAR && !t->fz->admin)
		c->allowed |= OC(EPERM);
	hz_seal(t);
}

/**
 * build_call() - make a call of a command on the shared keys
 * @t: the thread
 * @c: filled in
 * @cmd: the command, or 0 for one rcumap does not have
 *
 * Two calls in five are well-formed, two have one defect, the rest are
 * chaos or race on racing memory, as described at the top of this file.
 */
void build_call(struct fz_thread *t, struct fz_call *c, int cmd)
{
	bool clear_ok = t->fz->cfg.allow_clear || !t->fz->admin;
	unsigned int r;
	struct plan p;

	call_reset(c);
	if (!cmd) {
		build_unknown(t, c);
		hz_seal(t);
		return;
	}
	c->cmd = cmd;
	if (cmd == RCUMAP_CMD_BATCH) {
		r = prng_below(&t->rng, 100);
		build_batch(t, c, r < 50 ? S_WELL : r < 85 ? S_DEFECT :
			    r < 95 || t->fz->cfg.no_race ? S_CHAOS : S_RACE);
		hz_seal(t);
		return;
	}
	well_fields(t, c, pick_key(t, prng_pct(&t->rng, 10)));
	well_plan(t, c, &p);
	r = prng_below(&t->rng, 100);
	if (cmd == RCUMAP_CMD_CLEAR && !t->fz->cfg.allow_clear &&
	    (r >= 40 || !clear_ok))
		r = 40;		/* malformed CLEAR only: a defect */
	if (r < 40) {
		c->style = S_WELL;
		c->what = "well-formed";
		c->check_out = true;
	} else if (r < 80) {
		c->style = S_DEFECT;
		apply_defect(t, c, &p, pick_defect(t, cmd, cmd ==
						   RCUMAP_CMD_CLEAR &&
						   !t->fz->cfg.allow_clear));
		c->check_out = true;
	} else if (r < 95 || t->fz->cfg.no_race) {
		c->style = S_CHAOS;
		chaos(t, c, &p);
	} else {
		c->style = S_RACE;
		race(t, c, &p);
	}
	finish(t, c, &p);
}

/**
 * build_owned_attack() - a malformed call on a key another thread owns
 * @t: the thread making it
 * @c: filled in
 * @owner: the thread that owns the key
 * @key: which of its keys
 *
 * A GET, which changes nothing, may be well-formed; PUT, DEL, ADD and
 * CMPXCHG get a defect on which the ABI says they fail, whatever the map
 * holds, and a failure leaves the map unchanged: c->must_fail_clean.
 *
 * Return: false if the owned key cannot be named (none are owned).
 */
bool build_owned_attack(struct fz_thread *t, struct fz_call *c,
			unsigned int owner, unsigned int key)
{
	static const unsigned char cmds[] = {
		RCUMAP_CMD_PUT, RCUMAP_CMD_DEL, RCUMAP_CMD_ADD, RCUMAP_CMD_ADD,
		RCUMAP_CMD_CMPXCHG, RCUMAP_CMD_GET,
	};
	const struct fz_key *k = owned_key(t->fz, owner, key);
	struct plan p;

	if (!k)
		return false;
	call_reset(c);
	c->cmd = cmds[prng_below(&t->rng, ARRAY_SIZE(cmds))];
	c->style = S_OWNED;
	c->owner = owner;
	c->owned_key = key;
	well_fields(t, c, k);
	well_plan(t, c, &p);
	if (c->cmd == RCUMAP_CMD_GET && prng_pct(&t->rng, 50)) {
		c->what = "well-formed";
	} else {
		apply_defect(t, c, &p, pick_defect(t, c->cmd, true));
		c->must_fail_clean = c->cmd != RCUMAP_CMD_GET;
	}
	c->check_out = true;
	finish(t, c, &p);
	return true;
}
