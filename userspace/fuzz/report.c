// SPDX-License-Identifier: GPL-2.0
/*
 * The counters, the settings printed first, the summary printed last, and
 * the report of an unexpected outcome: the call decoded field by field,
 * where each pointer pointed, and the command line that replays it.
 */
#define _GNU_SOURCE		/* strerrorname_np() */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

static const char *const row_names[NR_ROWS] = {
	[ROW_UNKNOWN] = "unknown cmd", [RCUMAP_CMD_INFO] = "INFO",
	[RCUMAP_CMD_PUT] = "PUT", [RCUMAP_CMD_GET] = "GET",
	[RCUMAP_CMD_DEL] = "DEL", [RCUMAP_CMD_CLEAR] = "CLEAR",
	[RCUMAP_CMD_STATS] = "STATS", [RCUMAP_CMD_ADD] = "ADD",
	[RCUMAP_CMD_CMPXCHG] = "CMPXCHG", [RCUMAP_CMD_DUMP] = "DUMP",
	[RCUMAP_CMD_BATCH] = "BATCH", [ROW_BOP_GET] = "  batch GET",
	[ROW_BOP_PUT] = "  batch PUT", [ROW_BOP_DEL] = "  batch DEL",
	[ROW_BOP_ADD] = "  batch ADD", [ROW_BOP_BAD] = "  batch other",
};

static const char *const style_names[NR_STYLES] = {
	[S_UNKNOWN_CMD] = "unknown command", [S_WELL] = "well-formed",
	[S_DEFECT] = "one defect", [S_CHAOS] = "chaos",
	[S_RACE] = "racing memory", [S_OWNED] = "owned key",
};

const char *cmd_name(int cmd)
{
	return cmd > 0 && cmd <= RCUMAP_CMD_BATCH ? row_names[cmd] : "unknown";
}

/* Static strings only: the threads call this too. */
const char *errno_name(int err)
{
	const char *name = rcumap_errno_name(err);

	if (!name)
		name = strerrorname_np(err);
	return name ? name : "an unknown errno";
}

void stats_count(struct fz_thread *t, int row, int err)
{
	unsigned int slot = err <= 0 ? 0 : err < NR_ERRNO ? err : NR_ERRNO;

	t->st.calls[row]++;
	t->st.res[row][slot]++;
}

/* @sep, then KIND=PERCENT,... */
static void print_mix(FILE *f, const uint8_t *mix, const char *sep)
{
	unsigned int i;

	for (i = 0; i < NR_MIX; i++) {
		if (!mix[i])
			continue;
		fprintf(f, "%s%s=%u", sep, mix_names[i], mix[i]);
		sep = ",";
	}
}

void report_header(const struct fz *fz)
{
	const struct fz_config *c = &fz->cfg;

	printf("rcumap-fuzz %s: %u threads%s, ", RCUMAP_VERSION, c->threads,
	       c->no_race ? "" : " and a racing thread");
	if (c->calls)
		printf("%" PRIu64 " calls", c->calls);
	if (c->calls && c->seconds)
		printf(" or ");
	if (c->seconds)
		printf("%.0f s", c->seconds);
	printf("%s\n", c->calls && c->seconds ? ", whichever comes first" : "");
	printf("seed: %" PRIu64 " (--seed %" PRIu64 " replays the calls)\n",
	       c->seed, c->seed);
	print_mix(stdout, c->mix, "mix: ");
	putchar('\n');
	printf("map: strategy %s, max_key_len %u, max_value_len %u, max_entries %u, %llu buckets, %llu entries\n",
	       (const char *)fz->info.strategy, fz->info.max_key_len,
	       fz->info.max_value_len, fz->info.max_entries,
	       (unsigned long long)fz->info.buckets,
	       (unsigned long long)fz->info.entries);
	printf("CAP_SYS_ADMIN: %s; CLEAR: %s; owned keys: ",
	       fz->admin ? "yes" : "no (CLEAR must fail with EPERM)",
	       c->allow_clear ? "any call" : fz->admin ?
	       "malformed calls only" : "well-formed too (EPERM)");
	if (fz->owned_on)
		printf("%u per thread, checked\n", c->owned);
	else
		printf("none%s\n", c->allow_clear ? " (--allow-clear)" : "");
	fflush(stdout);
}

/* The allowed outcomes, by name, into @buf. */
const char *outcomes_str(uint32_t set, char *buf, size_t size)
{
	size_t n = 0;
	unsigned int i;

	buf[0] = 0;
	for (i = 0; i < NR_OUTCOMES && n < size; i++)
		if (set & (1U << i))
			n += snprintf(buf + n, size - n, "%s%s", n ? " " : "",
				      i == OC_OK ? "success" :
				      errno_name(outcome_errno(i)));
	return n ? buf : "nothing";
}

struct field {
	const char *name;
	unsigned char off, size;
};

#define F(type, m)	{ #m, offsetof(type, m), sizeof(((type *)0)->m) }
#define INFO_F(m)	F(struct rcumap_info, m)
#define ELEM_F(m)	F(struct rcumap_elem, m)
#define ADD_F(m)	F(struct rcumap_add, m)
#define CX_F(m)		F(struct rcumap_cmpxchg, m)
#define DUMP_F(m)	F(struct rcumap_dump, m)
#define BATCH_F(m)	F(struct rcumap_batch, m)

static const struct field size_flags[] = {
	INFO_F(size), INFO_F(flags), { NULL, 0, 0 },
};

static const struct field elem_fields[] = {
	ELEM_F(size), ELEM_F(flags), ELEM_F(key_len), ELEM_F(value_len),
	ELEM_F(key), ELEM_F(value), ELEM_F(ttl_ms), ELEM_F(reserved),
	{ NULL, 0, 0 },
};

static const struct field add_fields[] = {
	ADD_F(size), ADD_F(flags), ADD_F(key_len), ADD_F(reserved),
	ADD_F(key), ADD_F(delta), { NULL, 0, 0 },
};

static const struct field cx_fields[] = {
	CX_F(size), CX_F(flags), CX_F(key_len), CX_F(expected_len),
	CX_F(value_len), CX_F(found_len), CX_F(key), CX_F(expected),
	CX_F(value), CX_F(found), { NULL, 0, 0 },
};

static const struct field dump_fields[] = {
	DUMP_F(size), DUMP_F(flags), DUMP_F(cursor), DUMP_F(buf),
	DUMP_F(buf_len), { NULL, 0, 0 },
};

static const struct field batch_fields[] = {
	BATCH_F(size), BATCH_F(flags), BATCH_F(count), BATCH_F(op_size),
	BATCH_F(ops), { NULL, 0, 0 },
};

static const struct field *fields_of_cmd(int cmd)
{
	switch (cmd) {
	case RCUMAP_CMD_PUT:
	case RCUMAP_CMD_GET:
	case RCUMAP_CMD_DEL:
		return elem_fields;
	case RCUMAP_CMD_ADD:
		return add_fields;
	case RCUMAP_CMD_CMPXCHG:
		return cx_fields;
	case RCUMAP_CMD_DUMP:
		return dump_fields;
	case RCUMAP_CMD_BATCH:
		return batch_fields;
	default:
		return size_flags;
	}
}

static const char *where_of(const struct fz_call *c, const char *field)
{
	unsigned int i;

	for (i = 0; i < c->nptrs; i++)
		if (!strcmp(c->ptrs[i].field, field))
			return where_names[c->ptrs[i].where];
	return NULL;
}

static void print_batch_ops(FILE *f, const struct fz_call *c)
{
	uint32_t i, n = c->nbops < 4 ? c->nbops : 4;

	for (i = 0; i < n; i++) {
		const struct rcumap_batch_op *op = &c->bops[i];

		fprintf(f, "    op %u: cmd=%u flags=%#x key_len=%u value_len=%u key=%#llx value=%#llx delta=%#llx reserved=%u\n",
			i, op->cmd, op->flags, op->key_len, op->value_len,
			(unsigned long long)op->key,
			(unsigned long long)op->value,
			(unsigned long long)op->delta, op->reserved);
	}
	if (c->nbops > n)
		fprintf(f, "    ... %u operations in all\n", c->nbops);
}

/**
 * report_call() - print a call as it was made, to replay it by hand
 * @f: where
 * @t: the thread that made it
 * @c: the call
 */
void report_call(FILE *f, const struct fz_thread *t, const struct fz_call *c)
{
	const struct fz_config *cfg = &t->fz->cfg;
	const struct field *fl = fields_of_cmd(c->cmd);
	const unsigned char *a = c->args.bytes;
	const char *w;

	fprintf(f, "  thread %u, call %" PRIu64 ", seed %" PRIu64 ": %s, nr %#lx (dir %lu, type %#lx, nr %lu, size %lu), %s: %s\n",
		t->id, t->index, cfg->seed, c->cmd ? cmd_name(c->cmd) :
		"no rcumap command", c->nr, (unsigned long)_IOC_DIR(c->nr),
		(unsigned long)_IOC_TYPE(c->nr), (unsigned long)_IOC_NR(c->nr),
		(unsigned long)_IOC_SIZE(c->nr), style_names[c->style],
		c->what);
	if (c->owner >= 0)
		fprintf(f, "  on owned key %u of thread %d\n", c->owned_key,
			c->owner);
	fprintf(f, "  arg %p (%s):", c->arg, where_of(c, "arg") ?: "?");
	for (; fl->name && fl->off + fl->size <= c->args_len; fl++) {
		uint64_t v = 0;

		memcpy(&v, a + fl->off, fl->size);
		fprintf(f, " %s=%#llx", fl->name, (unsigned long long)v);
		w = fl->size == 8 ? where_of(c, fl->name) : NULL;
		if (w)
			fprintf(f, " (%s)", w);
	}
	fputc('\n', f);
	if (c->cmd == RCUMAP_CMD_BATCH)
		print_batch_ops(f, c);
	fprintf(f, "  replay: rcumap-fuzz --seed %" PRIu64 " --threads %u --keys %u --owned-keys %u%s%s%s",
		cfg->seed, cfg->threads, cfg->keys, cfg->owned,
		cfg->allow_clear ? " --allow-clear" : "",
		cfg->no_race ? " --no-race" : "",
		cfg->drop_admin ? " --no-cap-sys-admin" : "");
	if (cfg->mix_given)
		print_mix(f, cfg->mix, " --mix ");
	fprintf(f, " --replay %u:%" PRIu64 "\n", t->id, t->index);
}

/**
 * report_unexpected() - count an unexpected outcome and report it
 * @t: the thread
 * @c: the call
 * @ret: what it returned, 0 or -1; 1 if what is wrong is not its outcome
 *       (it has not been made yet)
 * @err: its errno if it failed
 * @fmt: what is wrong
 *
 * The first --reports of them are printed in full on stderr; the rest
 * only counted.
 */
void report_unexpected(struct fz_thread *t, const struct fz_call *c,
		       int ret, int err, const char *fmt, ...)
{
	struct fz *fz = t->fz;
	char allowed[160];
	va_list ap;

	t->unexpected++;
	__atomic_add_fetch(&fz->unexpected, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&fz->lock);
	if (fz->reported++ < fz->cfg.reports) {
		fputs("rcumap-fuzz: UNEXPECTED: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
		if (ret <= 0)
			fprintf(stderr, "  returned %s; allowed: %s\n",
				ret ? errno_name(err) : "success",
				outcomes_str(c->allowed & ~fz->cfg.forbid,
					     allowed, sizeof(allowed)));
		report_call(stderr, t, c);
		if (c->note)
			fprintf(stderr, "  %s\n", c->note);
	}
	pthread_mutex_unlock(&fz->lock);
}

/* "EFAULT 12, EINVAL 3" for a row of the histogram. */
static void print_errors(const uint64_t *res)
{
	bool first = true;
	unsigned int e;

	for (e = 1; e <= NR_ERRNO; e++) {
		if (!res[e])
			continue;
		printf("%s%s %" PRIu64, first ? "" : ", ",
		       e == NR_ERRNO ? "others" : errno_name(e), res[e]);
		first = false;
	}
}

/**
 * report_summary() - the counters of every thread, the verdict
 * @fz: the tool, its threads finished
 * @wrong_keys: owned keys the final check found wrong
 * @owned_checked: owned keys it checked
 */
void report_summary(const struct fz *fz, unsigned int wrong_keys,
		    unsigned int owned_checked)
{
	static struct fz_stats sum;
	double secs = (fz->t_end - fz->t_start) / 1e9;
	uint64_t calls = 0, unexpected = fz->unexpected;
	unsigned int i, r, e;

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < fz->cfg.threads; i++) {
		const struct fz_stats *s = &fz->threads[i]->st;

		for (r = 0; r < NR_ROWS; r++) {
			sum.calls[r] += s->calls[r];
			sum.ns[r] += s->ns[r];
			for (e = 0; e <= NR_ERRNO; e++)
				sum.res[r][e] += s->res[r][e];
		}
	}
	for (r = 0; r <= RCUMAP_CMD_BATCH; r++)
		calls += sum.calls[r];
	printf("calls: %" PRIu64 " in %.1f s, %.0f calls/s, %u threads; %" PRIu64 " changes to racing pages\n",
	       calls, secs, secs > 0 ? calls / secs : 0.0, fz->cfg.threads,
	       hz_race_actions(fz));
	printf("%-13s %11s %11s %8s  %s\n", "command", "calls", "ok",
	       "us/call", "errors by errno");
	for (r = 0; r < NR_ROWS; r++) {
		if (!sum.calls[r] && r > RCUMAP_CMD_BATCH)
			continue;
		printf("%-13s %11" PRIu64 " %11" PRIu64, row_names[r],
		       sum.calls[r], sum.res[r][0]);
		if (r <= RCUMAP_CMD_BATCH && sum.calls[r])
			printf(" %8.0f  ", sum.ns[r] / 1e3 / sum.calls[r]);
		else
			printf(" %8s  ", "");
		print_errors(sum.res[r]);
		putchar('\n');
	}
	printf("unexpected outcomes: %" PRIu64 "\n", unexpected);
	if (fz->owned_on)
		printf("owned keys: %u checked at the end, %u wrong\n",
		       owned_checked, wrong_keys);
	printf("result: %s\n", unexpected || wrong_keys ? "failed" : "ok");
}
