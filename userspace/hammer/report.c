// SPDX-License-Identifier: GPL-2.0
/*
 * The report: the settings first (so that the seed is out before anything
 * can go wrong), then throughput, latency and errors per op, the module's
 * STATS, and the mode's verdict; as text, or with --json as one object.
 */
#define _GNU_SOURCE		/* strerrorname_np() */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hammer.h"

/* Indexed by enum rcumap_cmd, like rcumap_stats.ops[]. */
static const char *const cmd_names[] = {
	[RCUMAP_CMD_INFO] = "info", [RCUMAP_CMD_PUT] = "put",
	[RCUMAP_CMD_GET] = "get", [RCUMAP_CMD_DEL] = "del",
	[RCUMAP_CMD_CLEAR] = "clear", [RCUMAP_CMD_STATS] = "stats",
	[RCUMAP_CMD_ADD] = "add", [RCUMAP_CMD_CMPXCHG] = "cmpxchg",
	[RCUMAP_CMD_DUMP] = "dump", [RCUMAP_CMD_BATCH] = "batch",
};

static const double quantiles[] = { 0.5, 0.99, 0.999 };
static const char *const quantile_names[] = { "p50", "p99", "p999" };

/* Static strings only: worker threads call this too. */
const char *errno_name(int err)
{
	const char *name = rcumap_errno_name(err);

	if (!name)
		name = strerrorname_np(err);
	return name ? name : "an unknown errno";
}

void totals_gather(const struct hammer *h, struct totals *t)
{
	const struct worker *w;
	unsigned int i, k, e;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < h->cfg.threads; i++) {
		w = h->workers[i];
		for (k = 0; k < NR_KINDS; k++) {
			t->count[k] += w->count[k];
			for (e = 0; e < NR_ERRS; e++)
				t->errs[k][e] += w->errs[k][e];
		}
		for (k = 0; k < NR_LAT; k++)
			hist_merge(&t->lat[k], &w->lat[k]);
		t->ops += w->done_ops;
		t->failed += w->failed_ops;
		t->unexpected += w->unexpected;
	}
}

static double elapsed_s(const struct hammer *h)
{
	return (h->t_end - h->t_start) / 1e9;
}

static void mix_text(const struct config *c, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int k;

	buf[0] = '\0';
	for (k = 0; k < NR_MIX_KINDS && off < len; k++)
		off += snprintf(buf + off, len - off, "%s%s=%u", k ? "," : "",
				op_names[k], c->mix[k]);
}

/* A latency for people: 850ns, 12.3us, 4.56ms, 2.10s. */
void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < NSEC_PER_SEC)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
}

/* hot-key: who reads, who writes, and the bound. */
static void hot_header(const struct config *c)
{
	printf("readers: %u (GET, and DUMP of the whole map; every call timed), writers: %u (PUT)\n",
	       c->readers, c->threads - c->readers);
	if (c->max_latency)
		printf("bound on the worst GET and the worst DUMP call: %g ms (--max-latency)\n",
		       c->max_latency / 1e6);
	else
		printf("no bound on the calls' latency (--max-latency)\n");
}

void report_header(const struct hammer *h)
{
	const struct config *c = &h->cfg;
	char mix[64];

	if (c->json)
		return;
	printf("rcumap-hammer: mode %s, seed %" PRIu64 " (--seed repeats the choices, not the timing)\n",
	       c->mode->name, c->seed);
	printf("map: strategy %.*s, max_entries %u, max_key_len %u, max_value_len %u\n",
	       RCUMAP_STRATEGY_LEN, (const char *)h->info.strategy,
	       h->info.max_entries, h->info.max_key_len, h->info.max_value_len);
	if (h->cleared)
		printf("cleared the map first: removed %llu entries\n",
		       (unsigned long long)h->removed);
	else
		printf("did not clear the map (--no-clear)\n");
	printf("threads: %u, %s, %s\n", c->threads,
	       c->shared_fd ? "one shared fd" : "one fd each",
	       c->pin ? "pinned" : "not pinned");
	if (c->mode == &mode_hot)
		hot_header(c);
	mix_text(c, mix, sizeof(mix));
	if (c->mode == &mode_hot)
		printf("workload: one key");
	else if (c->dist == DIST_ZIPF)
		printf("workload: %u keys (zipf theta %g)", c->keys, c->theta);
	else
		printf("workload: %u keys (uniform)", c->keys);
	printf(", key %u B, value %u B, ", c->key_size, c->value_size);
	if (c->mode->default_mix)
		printf("mix %s, ", mix);
	if (c->batch > 1)
		printf("batches of %u\n", c->batch);
	else
		printf("one ioctl per op\n");
	if (c->duration > 0)
		printf("limit: %g s", c->duration);
	if (c->ops)
		printf("%s%" PRIu64 " ops per thread", c->duration > 0 ? ", " : "limit: ",
		       c->ops);
	printf("\n");
	fflush(stdout);
}

static void text_row(const char *name, uint64_t count, double secs,
		     const struct hist *lat)
{
	char v[16];
	unsigned int q;

	printf("%-6s %12" PRIu64 " %12.1f", name, count, count / secs);
	for (q = 0; q < ARRAY_SIZE(quantiles); q++) {
		if (lat->count)
			fmt_ns(v, sizeof(v), hist_quantile(lat, quantiles[q]));
		printf(" %9s", lat->count ? v : "-");
	}
	fmt_ns(v, sizeof(v), lat->max);
	printf(" %9s\n", lat->count ? v : "-");
}

static void text_ops(const struct hammer *h, const struct totals *t)
{
	double secs = elapsed_s(h);
	unsigned int k;

	printf("\nran %.2f s: %" PRIu64 " ops, %.1f ops/s\n\n", secs, t->ops,
	       t->ops / secs);
	printf("%-6s %12s %12s %9s %9s %9s %9s\n", "op", "count", "ops/s",
	       "p50", "p99", "p999", "max");
	for (k = 0; k < NR_KINDS; k++)
		if (t->count[k])
			text_row(op_names[k], t->count[k], secs, &t->lat[k]);
	if (h->cfg.batch > 1)
		text_row("batch", t->lat[LAT_BATCH].count, secs,
			 &t->lat[LAT_BATCH]);
	printf("%-6s %12" PRIu64 " %12.1f\n", "total", t->ops, t->ops / secs);
}

static void text_errors(const struct config *c, const struct totals *t)
{
	const char *sep;
	unsigned int k, e;

	printf("\nerrors%s\n", t->failed ? " (expected unless marked):" : ": none");
	for (k = 0; k < NR_KINDS; k++) {
		sep = "";
		for (e = 0; e < NR_ERRS; e++) {
			if (!t->errs[k][e])
				continue;
			if (!*sep)
				printf("  %-5s", op_names[k]);
			printf("%s %s %" PRIu64 "%s", sep, errno_slot_name(e),
			       t->errs[k][e],
			       errno_slot_expected(c, e) ? "" : " (UNEXPECTED)");
			sep = ",";
		}
		if (*sep)
			putchar('\n');
	}
}

/* One line of per-command counter increases, leaving out the zeros. */
static void text_cmd_deltas(const char *name, const __u64 *before,
			    const __u64 *after)
{
	bool any = false;
	unsigned int i;

	printf("  %-9s", name);
	for (i = RCUMAP_CMD_INFO; i < ARRAY_SIZE(cmd_names); i++) {
		if (after[i] == before[i])
			continue;
		printf(" %s +%llu", cmd_names[i],
		       (unsigned long long)(after[i] - before[i]));
		any = true;
	}
	puts(any ? "" : " none");
}

static void text_stats(const struct hammer *h)
{
	const struct rcumap_stats *b = &h->before, *a = &h->after;

	printf("\nmodule stats, after the run minus before it:\n");
	text_cmd_deltas("ops", b->ops, a->ops);
	text_cmd_deltas("failures", b->failures, a->failures);
	printf("  hits +%llu, misses +%llu; entries %llu -> %llu; bytes %llu -> %llu\n",
	       (unsigned long long)(a->hits - b->hits),
	       (unsigned long long)(a->misses - b->misses),
	       (unsigned long long)b->entries, (unsigned long long)a->entries,
	       (unsigned long long)b->bytes, (unsigned long long)a->bytes);
}

static const char *status_name(int status)
{
	switch (status) {
	case EXIT_OK:
		return "ok";
	case EXIT_UNKNOWN:
		return "unknown";
	default:
		return "failed";
	}
}

static void text_report(const struct hammer *h, const struct totals *t,
			const struct verdict *v, int status)
{
	unsigned int i;

	text_ops(h, t);
	text_errors(&h->cfg, t);
	text_stats(h);
	printf("\n%s\n", v->summary);
	for (i = 0; i < v->ndetail; i++)
		printf("  %s\n", v->detail[i]);
	if (v->more)
		printf("  ... and %llu more\n", (unsigned long long)v->more);
	printf("result: %s", status_name(status));
	if (t->unexpected)
		printf(" (%llu unexpected errors)", (unsigned long long)t->unexpected);
	printf("\n");
}

/*
 * A small JSON writer: each level remembers whether a member was written,
 * which is all the commas need.
 */
static struct {
	int depth;
	bool first[8];
} js;

static void js_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* Start a member (with @key) or an array element (@key NULL). */
static void js_member(const char *key)
{
	if (!js.first[js.depth])
		putchar(',');
	js.first[js.depth] = false;
	if (key) {
		js_string(key);
		putchar(':');
	}
}

static void js_open(const char *key, char bracket)
{
	js_member(key);
	putchar(bracket);
	js.first[++js.depth] = true;
}

static void js_close(char bracket)
{
	putchar(bracket);
	js.depth--;
}

static void js_u64(const char *key, uint64_t v)
{
	js_member(key);
	printf("%" PRIu64, v);
}

static void js_real(const char *key, double v)
{
	js_member(key);
	printf("%.3f", v);
}

static void js_str(const char *key, const char *s)
{
	js_member(key);
	js_string(s);
}

static void js_bool(const char *key, bool v)
{
	js_member(key);
	fputs(v ? "true" : "false", stdout);
}

static void js_config(const struct hammer *h)
{
	const struct config *c = &h->cfg;
	char strategy[RCUMAP_STRATEGY_LEN + 1];
	unsigned int k;

	js_str("mode", c->mode->name);
	js_u64("seed", c->seed);
	js_u64("threads", c->threads);
	js_str("fd", c->shared_fd ? "shared" : "per-thread");
	js_bool("pin", c->pin);
	js_real("duration_s", c->duration);
	js_u64("ops_per_thread", c->ops);
	js_u64("keys", c->keys);
	js_str("dist", c->dist == DIST_ZIPF ? "zipf" : "uniform");
	if (c->dist == DIST_ZIPF)
		js_real("zipf_theta", c->theta);
	js_u64("key_size", c->key_size);
	js_u64("value_size", c->value_size);
	js_open("mix", '{');
	for (k = 0; k < NR_MIX_KINDS; k++)
		js_u64(op_names[k], c->mix[k]);
	js_close('}');
	js_u64("batch", c->batch);
	if (c->mode == &mode_hot) {
		js_u64("readers", c->readers);
		js_u64("max_latency_ns", c->max_latency);
	}
	js_bool("cleared", h->cleared);
	js_u64("removed", h->removed);
	snprintf(strategy, sizeof(strategy), "%.*s", RCUMAP_STRATEGY_LEN,
		 (const char *)h->info.strategy);
	js_open("info", '{');
	js_str("strategy", strategy);
	js_u64("max_entries", h->info.max_entries);
	js_u64("max_key_len", h->info.max_key_len);
	js_u64("max_value_len", h->info.max_value_len);
	js_close('}');
}

static void js_op(const char *name, uint64_t count, double secs,
		  const struct hist *lat, const uint64_t *errs)
{
	unsigned int q, e;

	js_open(name, '{');
	js_u64("count", count);
	js_real("ops_per_s", count / secs);
	if (lat->count) {
		js_open("latency_ns", '{');
		for (q = 0; q < ARRAY_SIZE(quantiles); q++)
			js_u64(quantile_names[q], hist_quantile(lat, quantiles[q]));
		js_u64("max", lat->max);
		js_close('}');
	}
	if (errs) {
		js_open("errors", '{');
		for (e = 0; e < NR_ERRS; e++)
			if (errs[e])
				js_u64(errno_slot_name(e), errs[e]);
		js_close('}');
	}
	js_close('}');
}

static void js_ops(const struct hammer *h, const struct totals *t)
{
	double secs = elapsed_s(h);
	unsigned int k;

	js_real("elapsed_s", secs);
	js_open("ops", '{');
	for (k = 0; k < NR_KINDS; k++)
		if (t->count[k])
			js_op(op_names[k], t->count[k], secs, &t->lat[k],
			      t->errs[k]);
	js_close('}');
	if (h->cfg.batch > 1)
		js_op("batches", t->lat[LAT_BATCH].count, secs,
		      &t->lat[LAT_BATCH], NULL);
	js_open("total", '{');
	js_u64("count", t->ops);
	js_real("ops_per_s", t->ops / secs);
	js_u64("failed", t->failed);
	js_u64("unexpected", t->unexpected);
	js_close('}');
}

/* @base NULL: the counters as they are; else their increase over @base. */
static void js_stats(const char *name, const struct rcumap_stats *st,
		     const struct rcumap_stats *base)
{
	static const struct rcumap_stats zero;
	const struct rcumap_stats *b = base ? base : &zero;
	unsigned int i;

	js_open(name, '{');
	js_open("ops", '{');
	for (i = RCUMAP_CMD_INFO; i < ARRAY_SIZE(cmd_names); i++)
		js_u64(cmd_names[i], st->ops[i] - b->ops[i]);
	js_close('}');
	js_open("failures", '{');
	for (i = RCUMAP_CMD_INFO; i < ARRAY_SIZE(cmd_names); i++)
		js_u64(cmd_names[i], st->failures[i] - b->failures[i]);
	js_close('}');
	js_u64("hits", st->hits - b->hits);
	js_u64("misses", st->misses - b->misses);
	if (!base) {
		js_u64("entries", st->entries);
		js_u64("bytes", st->bytes);
	}
	js_close('}');
}

static void js_verdict(const struct verdict *v, int status)
{
	unsigned int i;

	js_open("verify", '{');
	js_str("status", status_name(status));
	js_str("summary", v->summary);
	for (i = 0; i < v->nnum; i++)
		js_u64(v->num[i].name, v->num[i].val);
	js_open("details", '[');
	for (i = 0; i < v->ndetail; i++)
		js_str(NULL, v->detail[i]);
	js_close(']');
	js_u64("more_details", v->more);
	js_close('}');
}

void report(const struct hammer *h, const struct totals *t,
	    const struct verdict *v, int status)
{
	if (!h->cfg.json) {
		text_report(h, t, v, status);
		return;
	}
	js.depth = 0;
	js.first[0] = true;
	js_open(NULL, '{');
	js_config(h);
	js_ops(h, t);
	js_open("stats", '{');
	js_stats("before", &h->before, NULL);
	js_stats("after", &h->after, NULL);
	js_stats("delta", &h->after, &h->before);
	js_close('}');
	js_verdict(v, status);
	js_u64("exit", status);
	js_close('}');
	putchar('\n');
}
