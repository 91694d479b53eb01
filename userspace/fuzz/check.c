// SPDX-License-Identifier: GPL-2.0
/*
 * The expected-errno rules, and the judging of a call once it returned.
 *
 * The rules are those of <linux/rcumap.h>: a command may fail with the
 * errors of a malformed argument (EFAULT, EINVAL, E2BIG) or of the kernel
 * (ENOMEM), and with the errors its own entries of the table name; an
 * unknown command gets ENOTTY and nothing else. A builder (build.c,
 * batch.c, shadow.c) narrows that set for what it knows of its call: a
 * well-formed call on a shared key may have only its "normal" outcomes
 * (outcomes_normal()), a call with one defect only the errno of that
 * defect, an owned key's operation exactly the answer its shadow gives.
 * --forbid-errno takes an outcome out of every set.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"

static const int outcome_errnos[NR_OUTCOMES] = {
	[OC_OK] = 0, [OC_EFAULT] = EFAULT, [OC_EINVAL] = EINVAL,
	[OC_E2BIG] = E2BIG, [OC_EEXIST] = EEXIST, [OC_ENOENT] = ENOENT,
	[OC_ENOSPC] = ENOSPC, [OC_ERANGE] = ERANGE, [OC_ENOMEM] = ENOMEM,
	[OC_ENOTTY] = ENOTTY, [OC_EMSGSIZE] = EMSGSIZE,
	[OC_ECANCELED] = ECANCELED, [OC_EPERM] = EPERM,
};

int outcome_errno(unsigned int oc)
{
	return oc < NR_OUTCOMES ? outcome_errnos[oc] : -1;
}

int errno_outcome(int err)
{
	unsigned int i;

	for (i = 0; i < NR_OUTCOMES; i++)
		if (outcome_errnos[i] == err)
			return i;
	return -1;
}

/*
 * Every outcome the ABI lets a command have, whatever its arguments. EPERM
 * is CLEAR's when the caller lacks CAP_SYS_ADMIN, and nobody else's.
 */
uint32_t outcomes_documented(const struct fz *fz, int cmd)
{
	uint32_t oc = OC(OK) | OC_ARGS;

	switch (cmd) {
	case RCUMAP_CMD_PUT:
		return oc | OC(EEXIST) | OC(ENOENT) | OC(ENOSPC);
	case RCUMAP_CMD_GET:
		return oc | OC(ENOENT) | OC(ERANGE);
	case RCUMAP_CMD_DEL:
		return oc | OC(ENOENT);
	case RCUMAP_CMD_CLEAR:
		return fz->admin ? oc : oc | OC(EPERM);
	case RCUMAP_CMD_ADD:
		return oc | OC(EEXIST) | OC(ENOENT) | OC(ENOSPC) |
		       OC(EMSGSIZE);
	case RCUMAP_CMD_CMPXCHG:
		return oc | OC(ENOENT) | OC(ECANCELED) | OC(ERANGE);
	case RCUMAP_CMD_DUMP:
		return oc | OC(ERANGE);
	case RCUMAP_CMD_INFO:
	case RCUMAP_CMD_STATS:
	case RCUMAP_CMD_BATCH:
		return oc;
	default:
		return OC(ENOTTY);
	}
}

/* The outcomes of PUT's and ADD's flags (as BPF's): a new key or an old. */
static uint32_t outcomes_put_flags(uint32_t flags)
{
	switch (flags) {
	case RCUMAP_NOEXIST:
		return OC(OK) | OC(EEXIST) | OC(ENOSPC);
	case RCUMAP_EXIST:
		return OC(OK) | OC(ENOENT);
	default:
		return OC(OK) | OC(ENOSPC);
	}
}

/**
 * outcomes_normal() - what a well-formed call with valid pointers may give
 * @fz: the tool
 * @cmd: the command
 * @flags: its flags (PUT and ADD: RCUMAP_ANY, _NOEXIST or _EXIST)
 *
 * The answers that depend on the map alone, which other threads change:
 * ENOENT, EEXIST, ENOSPC (the map is full), ERANGE, ECANCELED, EMSGSIZE
 * (ADD on a value not 8 bytes long), and ENOMEM.
 *
 * Return: a set of OC() bits.
 */
uint32_t outcomes_normal(const struct fz *fz, int cmd, uint32_t flags)
{
	uint32_t oc = OC(ENOMEM);

	switch (cmd) {
	case RCUMAP_CMD_PUT:
		return oc | outcomes_put_flags(flags);
	case RCUMAP_CMD_GET:
		return oc | OC(OK) | OC(ENOENT) | OC(ERANGE);
	case RCUMAP_CMD_DEL:
		return oc | OC(OK) | OC(ENOENT);
	case RCUMAP_CMD_CLEAR:
		return oc | (fz->admin ? OC(OK) : OC(EPERM));
	case RCUMAP_CMD_ADD:
		oc |= outcomes_put_flags(flags);
		return flags == RCUMAP_NOEXIST ? oc : oc | OC(EMSGSIZE);
	case RCUMAP_CMD_CMPXCHG:
		return oc | OC(OK) | OC(ENOENT) | OC(ECANCELED) | OC(ERANGE);
	case RCUMAP_CMD_DUMP:
		oc |= OC(OK) | OC(ERANGE);
		/* rhashtable's buckets come and go: a cursor may fall off */
		if (!strcmp((const char *)fz->info.strategy, "rhashtable"))
			oc |= OC(EINVAL);
		return oc;
	default:
		return oc | OC(OK);
	}
}

void call_reset(struct fz_call *c)
{
	c->nr = 0;
	c->arg = NULL;
	c->cmd = 0;
	c->style = S_WELL;
	c->what = "";
	c->allowed = 0;
	c->must_fail_clean = false;
	c->owner = -1;
	c->owned_key = 0;
	c->args_len = 0;
	c->nptrs = 0;
	c->ncanaries = 0;
	c->out = NULL;
	c->check_out = false;
	c->bop_allowed = NULL;
	c->bops = NULL;
	c->nbops = 0;
	c->note = NULL;
	memset(&c->args, 0, sizeof(c->args));
}

/* Name a pointer of the call and where it points now, for a report. */
void call_ptr(struct fz_call *c, const char *field, enum hz_where w)
{
	unsigned int i;

	for (i = 0; i < c->nptrs; i++) {
		if (!strcmp(c->ptrs[i].field, field)) {
			c->ptrs[i].where = w;
			return;
		}
	}
	if (c->nptrs < FZ_MAX_PTRS)
		c->ptrs[c->nptrs++] = (struct fz_ptr){ field, w };
}

/* Fill @len bytes at @p, which the kernel must leave alone, and note them. */
void call_canary(struct fz_call *c, void *p, size_t len)
{
	struct fz_canary *k;

	if (c->ncanaries == FZ_MAX_CANARIES || !len)
		return;
	k = &c->canaries[c->ncanaries++];
	*k = (struct fz_canary){ p, len, 0xa5 };
	memset(p, k->fill, len);
}

/* Issue the call: 0, or -1 with the errno in *@err. */
int issue(struct fz_thread *t, struct fz_call *c, int *err)
{
	uint64_t start = now_ns();
	int ret = rcumap_ioctl(t->fd, c->nr, c->arg);

	t->st.ns[c->cmd] += now_ns() - start;
	*err = -ret;
	return ret ? -1 : 0;
}

/* The first canary byte the kernel changed, or NULL. */
static const unsigned char *canary_hit(const struct fz_call *c)
{
	unsigned int i;
	size_t j;

	for (i = 0; i < c->ncanaries; i++) {
		const struct fz_canary *k = &c->canaries[i];

		for (j = 0; j < k->len; j++)
			if (k->p[j] != k->fill)
				return k->p + j;
	}
	return NULL;
}

/* INFO's answers are the limits the map had when the run started. */
static const char *check_info(const struct fz *fz, const struct fz_call *c)
{
	const struct rcumap_info *got = c->out;
	uint32_t size = c->args.info.size;

	if (size < offsetof(struct rcumap_info, strategy) + RCUMAP_STRATEGY_LEN)
		return NULL;
	if (got->abi_version < 2 || got->max_key_len != fz->info.max_key_len ||
	    got->max_value_len != fz->info.max_value_len ||
	    got->max_entries != fz->info.max_entries)
		return "INFO's limits differ from those at the start";
	if (got->entries > got->max_entries)
		return "INFO reports more entries than max_entries";
	if (!memchr(got->strategy, 0, RCUMAP_STRATEGY_LEN))
		return "INFO's strategy is not NUL-terminated";
	return NULL;
}

/* A DUMP's records must fill exactly buf_len bytes, count of them. */
static const char *check_dump(const struct fz *fz, const struct fz_call *c,
			      bool ok)
{
	const struct rcumap_dump *got = c->out;
	uint32_t cap = c->args.dump.buf_len, n = 0;
	const void *key, *value;
	size_t off = 0, klen, vlen;
	int ret;

	if (!ok)
		return got->buf_len > cap ? NULL :
		       "DUMP's ERANGE asks for no more than the buffer had";
	if (got->buf_len > cap)
		return "DUMP wrote more than buf_len";
	if (got->cursor != RCUMAP_DUMP_END && got->cursor > UINT32_MAX)
		return "DUMP's cursor is no bucket index";
	while ((ret = rcumap_dump_next((void *)(uintptr_t)c->args.dump.buf,
				       got->buf_len, &off, &key, &klen,
				       &value, &vlen)) > 0) {
		n++;
		if (!klen || klen > fz->info.max_key_len ||
		    vlen > fz->info.max_value_len)
			return "DUMP gave a record of impossible lengths";
	}
	if (ret < 0)
		return "DUMP's records are malformed";
	return n == got->count ? NULL : "DUMP's count is not its records";
}

/*
 * The outputs of a success (or of an answer with outputs) of a call made
 * well-formed, in memory readable afterwards.
 */
static const char *check_outputs(struct fz_thread *t, struct fz_call *c,
				 int oc)
{
	const struct rcumap_elem *elem = c->out;
	const struct rcumap_cmpxchg *cx = c->out;

	switch (c->cmd) {
	case RCUMAP_CMD_INFO:
		return oc == OC_OK ? check_info(t->fz, c) : NULL;
	case RCUMAP_CMD_GET:
		if (oc == OC_OK && elem->value_len > c->args.elem.value_len)
			return "GET's value_len is over the buffer's size";
		if (oc == OC_ERANGE && elem->value_len <= c->args.elem.value_len)
			return "GET's ERANGE reports a value that fits";
		return NULL;
	case RCUMAP_CMD_CMPXCHG:
		if (oc == OC_ECANCELED && cx->found_len > c->args.cmpxchg.found_len)
			return "CMPXCHG's found_len is over the buffer's size";
		if (oc == OC_ERANGE && cx->found_len <= c->args.cmpxchg.found_len)
			return "CMPXCHG's ERANGE reports a value that fits";
		return NULL;
	case RCUMAP_CMD_DUMP:
		if (oc == OC_OK || oc == OC_ERANGE)
			return check_dump(t->fz, c, oc == OC_OK);
		return NULL;
	case RCUMAP_CMD_BATCH:
		if (oc == OC_OK)
			check_batch_ops(t, c);
		return NULL;
	default:
		return NULL;
	}
}

/**
 * check_call() - judge a call that returned
 * @t: the thread
 * @c: the call
 * @ret: what it returned, 0 or -1
 * @err: the errno when it failed
 *
 * Counts the outcome, then checks it against the call's set of allowed
 * outcomes (less --forbid-errno's), that no canary byte changed, and the
 * outputs of a well-formed call; reports whatever is wrong.
 *
 * Return: true if all is as the ABI says.
 */
bool check_call(struct fz_thread *t, struct fz_call *c, int ret, int err)
{
	uint32_t allowed = c->allowed & ~t->fz->cfg.forbid;
	int oc = ret ? errno_outcome(err) : OC_OK;
	const unsigned char *hit;
	const char *bad = NULL;

	stats_count(t, c->cmd, ret ? err : 0);
	if (oc < 0 || !(allowed & (1U << oc))) {
		report_unexpected(t, c, ret, err, "%s", oc >= 0 &&
				  (c->allowed & (1U << oc)) ?
				  "an outcome --forbid-errno forbids" :
				  "an outcome the ABI does not allow here");
		return false;
	}
	hit = canary_hit(c);
	if (hit) {
		report_unexpected(t, c, ret, err,
				  "the kernel wrote past the buffer it was given (at %p)",
				  (const void *)hit);
		return false;
	}
	if (c->check_out && c->out)
		bad = check_outputs(t, c, oc);
	if (bad) {
		report_unexpected(t, c, ret, err, "%s", bad);
		return false;
	}
	return true;
}
