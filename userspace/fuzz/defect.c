// SPDX-License-Identifier: GPL-2.0
/*
 * Defects: the ways to spoil a well-formed call in one place, and the
 * outcomes each leaves it. A defect the ABI makes fail whatever the map
 * holds is "clean" on a command: that call must fail and change nothing,
 * so it may be aimed at an owned key.
 */
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "fuzz.h"

#define BIT(n)		(1U << (n))
#define ELEM_CMDS	(BIT(RCUMAP_CMD_PUT) | BIT(RCUMAP_CMD_GET) | \
			 BIT(RCUMAP_CMD_DEL))
#define KEY_CMDS	(ELEM_CMDS | BIT(RCUMAP_CMD_ADD) | \
			 BIT(RCUMAP_CMD_CMPXCHG))
#define ALL_CMDS	0x7feU

/**
 * struct defect_info - a way to spoil a call
 * @name: for a report
 * @cmds: the commands it applies to (a bit per command number)
 * @clean: the commands on which it must fail leaving the map as it was,
 *         whatever the map holds: the ones aimed at owned keys
 */
static const struct defect_info {
	const char *name;
	uint32_t cmds;
	uint32_t clean;
} defects[NR_DEFECTS] = {
	[D_ARG_BAD] = { "the struct pointer has no memory", ALL_CMDS, ALL_CMDS },
	[D_ARG_CROSS] = { "the struct runs into a guard page", ALL_CMDS,
			  ALL_CMDS },
	[D_SIZE_SMALL] = { "size below the ABI 1 struct", ALL_CMDS, ALL_CMDS },
	[D_SIZE_TAIL] = { "size past the struct, non-zero tail", ALL_CMDS,
			  ALL_CMDS },
	[D_SIZE_FAULT] = { "size past the struct, into a guard page",
			   ALL_CMDS, ALL_CMDS },
	[D_ARG_RO] = { "the struct is read-only", ALL_CMDS & ~BIT(RCUMAP_CMD_BATCH),
		       BIT(RCUMAP_CMD_ADD) | BIT(RCUMAP_CMD_CLEAR) |
		       BIT(RCUMAP_CMD_GET) },
	[D_FLAGS] = { "an undefined flag", ALL_CMDS & ~BIT(RCUMAP_CMD_BATCH),
		      ALL_CMDS },
	[D_RESERVED] = { "reserved is not 0", ELEM_CMDS | BIT(RCUMAP_CMD_ADD),
			 ALL_CMDS },
	[D_TTL] = { "ttl_ms on GET or DEL",
		    BIT(RCUMAP_CMD_GET) | BIT(RCUMAP_CMD_DEL), ALL_CMDS },
	[D_KEY_LEN0] = { "key_len 0", KEY_CMDS, 0 },
	[D_KEY_LONG] = { "key_len over max_key_len", KEY_CMDS, 0 },
	[D_KEY_BAD] = { "the key pointer has no memory", KEY_CMDS, 0 },
	[D_VAL_LONG] = { "a value length over max_value_len",
			 BIT(RCUMAP_CMD_PUT) | BIT(RCUMAP_CMD_CMPXCHG), ALL_CMDS },
	[D_VAL_BAD] = { "an input value pointer has no memory",
			BIT(RCUMAP_CMD_PUT) | BIT(RCUMAP_CMD_CMPXCHG), ALL_CMDS },
	[D_DEL_VALUE] = { "a value given to DEL", BIT(RCUMAP_CMD_DEL), ALL_CMDS },
	[D_OUT_BAD] = { "the output buffer is not writable",
			BIT(RCUMAP_CMD_GET) | BIT(RCUMAP_CMD_CMPXCHG) |
			BIT(RCUMAP_CMD_DUMP), BIT(RCUMAP_CMD_GET) },
	[D_CURSOR] = { "a DUMP cursor past the buckets", BIT(RCUMAP_CMD_DUMP),
		       ALL_CMDS },
};

/* The outcomes of a read-only struct: every answer with outputs faults. */
static uint32_t ro_outcomes(const struct fz *fz, const struct fz_call *c)
{
	uint32_t normal = c->allowed;

	switch (c->cmd) {
	case RCUMAP_CMD_PUT:
	case RCUMAP_CMD_DEL:
		return normal | OC(EFAULT);
	case RCUMAP_CMD_GET:
		return (normal & ~(OC(OK) | OC(ERANGE))) | OC(EFAULT);
	case RCUMAP_CMD_ADD:
		return (normal & ~OC(OK)) | OC(EFAULT);
	case RCUMAP_CMD_CMPXCHG:
		return (normal & ~(OC(ECANCELED) | OC(ERANGE))) | OC(EFAULT);
	case RCUMAP_CMD_CLEAR:
		return fz->admin ? OC(EFAULT) : OC(EFAULT) | OC(EPERM);
	default:
		return OC(EFAULT) | OC(ENOMEM);
	}
}

void spoil_flags(struct fz_thread *t, struct fz_call *c)
{
	uint32_t *flags = fields_of(c).flags, v;

	do {
		v = pick_any_u32(t);
		if (c->cmd == RCUMAP_CMD_PUT || c->cmd == RCUMAP_CMD_ADD) {
			if (v <= RCUMAP_EXIST)
				v += 3;
		} else if (c->cmd == RCUMAP_CMD_GET) {
			v &= ~RCUMAP_GET_TOUCH;
		}
	} while (!v);
	*flags = v;
}

/* An input of c's at a place with no memory for its @len >= 1 bytes. */
uint64_t bad_in(struct fz_thread *t, struct fz_call *c, enum hz_role role,
		const char *field, const void *src, uint32_t len)
{
	enum hz_where w = prng_pct(&t->rng, 30) ? W_CROSS : hz_pick_bad(t);

	call_ptr(c, field, w);
	return hz_place(t, role, w, src, len, len);
}

/* A value input that cannot be read: PUT's value, CMPXCHG's either one. */
static void spoil_value(struct fz_thread *t, struct fz_call *c)
{
	union fz_args *a = &c->args;
	uint32_t *len = &a->elem.value_len;
	__u64 *ptr = &a->elem.value;
	const char *field = "value";

	if (c->cmd == RCUMAP_CMD_CMPXCHG) {
		bool exp = prng_pct(&t->rng, 50);

		len = exp ? &a->cmpxchg.expected_len : &a->cmpxchg.value_len;
		ptr = exp ? &a->cmpxchg.expected : &a->cmpxchg.value;
		field = exp ? "expected" : "value";
	}
	if (!*len)
		*len = 8;
	*ptr = bad_in(t, c, R_VAL, field, pick_value(t), *len);
}

static void spoil_value_len(struct fz_thread *t, struct fz_call *c)
{
	if (c->cmd == RCUMAP_CMD_CMPXCHG && prng_pct(&t->rng, 50))
		c->args.cmpxchg.expected_len = pick_value_len_bad(t);
	else if (c->cmd == RCUMAP_CMD_CMPXCHG)
		c->args.cmpxchg.value_len = pick_value_len_bad(t);
	else
		c->args.elem.value_len = pick_value_len_bad(t);
}

void spoil_out(struct fz_thread *t, struct fz_call *c)
{
	static const char *const names[] = {
		[RCUMAP_CMD_GET] = "value", [RCUMAP_CMD_CMPXCHG] = "found",
		[RCUMAP_CMD_DUMP] = "buf",
	};
	unsigned int r = prng_below(&t->rng, 3);
	enum hz_where w = r == 0 ? W_RO : r == 1 ? W_CROSS : hz_pick_bad(t);
	union fz_args *a = &c->args;
	uint64_t p;

	c->ncanaries = 0;	/* the buffer moves */
	call_ptr(c, names[c->cmd], w);
	if (c->cmd == RCUMAP_CMD_GET) {
		p = hz_place(t, R_OUT, w, NULL, 0, a->elem.value_len);
		a->elem.value = p;
	} else if (c->cmd == RCUMAP_CMD_CMPXCHG) {
		p = hz_place(t, R_OUT, w, NULL, 0, a->cmpxchg.found_len);
		a->cmpxchg.found = p;
	} else {
		p = hz_place(t, R_OUT, w, NULL, 0, a->dump.buf_len);
		a->dump.buf = p;
	}
}

/**
 * apply_defect() - spoil a well-formed call in one way
 * @t: the thread
 * @c: the call, its fields well-formed and c->allowed its normal outcomes
 * @p: the plan of its struct
 * @d: the defect
 *
 * Sets c->allowed to what the defect leaves possible: its one errno (and
 * ENOMEM where the kernel may allocate first), or for an output that
 * cannot be written, the normal outcomes and EFAULT.
 */
void apply_defect(struct fz_thread *t, struct fz_call *c, struct plan *p,
		  enum defect d)
{
	uint32_t exact = cmd_size(c->cmd), min = cmd_min_size(c->cmd);
	static const uint32_t big_sizes[] = { 4096, 65536, UINT32_MAX };
	struct fields f = fields_of(c);

	c->what = defects[d].name;
	p->size = exact;
	p->w = W_NORMAL;
	switch (d) {
	case D_ARG_BAD:
		p->w = hz_pick_bad(t);
		c->allowed = OC(EFAULT);
		return;
	case D_ARG_CROSS:
		p->w = W_CROSS;
		c->allowed = OC(EFAULT);
		return;
	case D_SIZE_SMALL:
		p->size = prng_pct(&t->rng, 50) ? min - 1 :
			  prng_below(&t->rng, min);
		c->allowed = OC(EINVAL);
		return;
	case D_SIZE_TAIL:
	case D_SIZE_FAULT:
		p->size = prng_pct(&t->rng, 50) ?
			  exact + 1 + prng_below(&t->rng, 64) :
			  big_sizes[prng_below(&t->rng, 3)];
		p->nonzero_tail = d == D_SIZE_TAIL;
		p->w = d == D_SIZE_TAIL ? W_NORMAL : W_EDGE;
		c->allowed = d == D_SIZE_TAIL ? OC(E2BIG) : OC(EFAULT);
		/* Over a page: refused before the struct is read. */
		if (p->size > (uint32_t)sysconf(_SC_PAGESIZE))
			c->allowed = OC(E2BIG);
		return;
	case D_ARG_RO:
		p->w = W_RO;
		c->allowed = ro_outcomes(t->fz, c);
		return;
	case D_FLAGS:
		spoil_flags(t, c);
		c->allowed = OC(EINVAL);
		break;
	case D_RESERVED:
		*f.reserved = 1 + prng_below(&t->rng, UINT32_MAX);
		c->allowed = OC(EINVAL);
		break;
	case D_TTL:
		*f.ttl = 1 + prng_below(&t->rng, UINT32_MAX);
		c->allowed = OC(EINVAL);
		break;
	case D_KEY_LEN0:
		*f.key_len = 0;
		c->allowed = OC(EINVAL);
		break;
	case D_KEY_LONG:
		*f.key_len = pick_key_len_bad(t);
		c->allowed = OC(E2BIG);
		break;
	case D_KEY_BAD:
		*f.key = bad_in(t, c, R_KEY, "key",
				(void *)(uintptr_t)*f.key, *f.key_len);
		c->allowed = OC(EFAULT);
		break;
	case D_VAL_LONG:
		spoil_value_len(t, c);
		c->allowed = OC(E2BIG);
		break;
	case D_VAL_BAD:
		spoil_value(t, c);
		c->allowed = OC(EFAULT);
		break;
	case D_DEL_VALUE:
		if (prng_pct(&t->rng, 67))
			c->args.elem.value = (uintptr_t)t->fz->patterns[0];
		if (!c->args.elem.value || prng_pct(&t->rng, 50))
			c->args.elem.value_len = 1 + prng_below(&t->rng, 300);
		c->allowed = OC(EINVAL);
		break;
	case D_OUT_BAD:
		spoil_out(t, c);
		c->allowed |= OC(EFAULT);
		return;
	default:	/* D_CURSOR */
		c->args.dump.cursor = prng_pct(&t->rng, 50) ?
				      RCUMAP_DUMP_END - 1 :
				      1ULL << (32 + prng_below(&t->rng, 32));
		c->allowed = OC(EINVAL);
		break;
	}
	c->allowed |= OC(ENOMEM);
}

/* A defect that applies to c->cmd (and is clean there, if @clean). */
enum defect pick_defect(struct fz_thread *t, int cmd, bool clean)
{
	enum defect d;

	do {
		d = prng_below(&t->rng, NR_DEFECTS);
	} while (!(defects[d].cmds & BIT(cmd)) ||
		 (clean && !(defects[d].clean & BIT(cmd))));
	return d;
}

/* Whether defect @d applies to command @cmd. */
bool defect_applies(enum defect d, int cmd)
{
	return defects[d].cmds & BIT(cmd);
}
