// SPDX-License-Identifier: GPL-2.0
/*
 * rcumap-hammer - the multi-threaded stress tool of rcumap: many threads
 * issue a mix of operations on /dev/rcumap while KCSAN watches the kernel
 * side; the tool reports throughput, latency and errors, and in its
 * verification modes checks that the answers make sense. See --help.
 *
 * This file sets up (options, device, map, mode, threads), runs the clock
 * and the progress line, and ends with the report and the exit status.
 */
#define _GNU_SOURCE		/* pthread_attr_setaffinity_np(), CPU_* */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hammer.h"

/* "rcumap-hammer: WHAT: ENAME: text", the exit status of a setup error. */
static int setup_error(const char *what, int ret, const char *hint)
{
	fprintf(stderr, "rcumap-hammer: %s: %s: %s%s\n", what,
		errno_name(-ret), strerror(-ret), hint);
	return EXIT_SETUP;
}

static int open_map(struct hammer *h)
{
	const struct config *c = &h->cfg;
	int ret = rcumap_open(c->dev);

	if (ret < 0)
		return setup_error(c->dev, ret, ret == -ENOENT ?
				   " (is the rcumap module loaded?)" : "");
	h->fd = ret;
	ret = rcumap_info(h->fd, &h->info);
	if (ret)
		return setup_error("RCUMAP_IOC_INFO", ret, "");
	if (c->value_max)
		h->cfg.value_size = h->info.max_value_len;
	if (c->key_size > h->info.max_key_len)
		usage_error("--key-size: this map takes keys of at most %u bytes",
			    h->info.max_key_len);
	if (c->value_size > h->info.max_value_len)
		usage_error("--value-size: this map takes values of at most %u bytes",
			    h->info.max_value_len);
	if (c->no_clear)
		return 0;
	ret = rcumap_clear(h->fd, &h->removed);
	if (ret)
		return setup_error("RCUMAP_IOC_CLEAR", ret, "");
	h->cleared = true;
	return 0;
}

static int prepare_mode(struct hammer *h)
{
	const struct config *c = &h->cfg;
	unsigned int k, n, i = 0;
	int ret;

	h->pick_n = c->keys;
	ret = c->mode->prepare ? c->mode->prepare(h) : 0;
	if (ret)
		return setup_error(c->mode->name, ret, "");
	if (c->dist == DIST_ZIPF)
		zipf_init(&h->zipf, h->pick_n, c->theta);
	for (k = 0; k < NR_MIX_KINDS; k++)
		for (n = 0; n < c->mix[k]; n++)
			h->mix_table[i++] = k;
	return 0;
}

/* --pin: thread i runs on the (i mod n)th of the n CPUs we may use. */
static int pin_attr(pthread_attr_t *attr, unsigned int i)
{
	cpu_set_t allowed, one;
	int cpu, n = 0, nth;

	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return -errno;
	nth = i % CPU_COUNT(&allowed);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &allowed) && n++ == nth)
			break;
	}
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return -pthread_attr_setaffinity_np(attr, sizeof(one), &one);
}

static int start_thread(struct hammer *h, unsigned int i)
{
	pthread_attr_t attr;
	int ret;

	ret = -pthread_attr_init(&attr);
	if (!ret && h->cfg.pin)
		ret = pin_attr(&attr, i);
	if (!ret)
		ret = -pthread_create(&h->workers[i]->tid, &attr, worker_main,
				      h->workers[i]);
	pthread_attr_destroy(&attr);
	return ret;
}

/* The threads wait at the start barrier until run() joins it. */
static int start_workers(struct hammer *h)
{
	unsigned int i, n = h->cfg.threads;
	pthread_condattr_t cattr;
	int ret;

	h->workers = calloc(n, sizeof(*h->workers));
	if (!h->workers)
		return setup_error("threads", -ENOMEM, "");
	for (i = 0; i < n; i++) {
		ret = worker_create(h, i, &h->workers[i]);
		if (ret)
			return setup_error("thread setup", ret, "");
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&h->done_cond, &cattr);
	pthread_condattr_destroy(&cattr);
	pthread_barrier_init(&h->start, NULL, n + 1);
	ret = rcumap_stats(h->fd, &h->before);
	if (ret)
		return setup_error("RCUMAP_IOC_STATS", ret, "");
	for (i = 0; i < n; i++) {
		ret = start_thread(h, i);
		if (ret)
			return setup_error(h->cfg.pin ? "starting a pinned thread" :
					   "starting a thread", ret, "");
	}
	return 0;
}

static void progress(struct hammer *h, uint64_t now)
{
	uint64_t ops = 0, failed = 0;
	double secs = (now - h->t_start) / 1e9;
	unsigned int i;

	for (i = 0; i < h->cfg.threads; i++) {
		ops += __atomic_load_n(&h->workers[i]->done_ops, __ATOMIC_RELAXED);
		failed += __atomic_load_n(&h->workers[i]->failed_ops,
					  __ATOMIC_RELAXED);
	}
	fprintf(stderr, "\r%5.0f s: %llu ops, %.0f ops/s, %llu failed so far ",
		secs, (unsigned long long)ops, ops / secs,
		(unsigned long long)failed);
}

static struct timespec to_timespec(uint64_t ns)
{
	return (struct timespec){ ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };
}

/* Wait for the threads, waking each second for the progress line. */
static void run(struct hammer *h)
{
	bool tty = isatty(STDERR_FILENO), shown = false;
	uint64_t end = 0, tick, now;
	struct timespec wake;
	unsigned int i;

	pthread_barrier_wait(&h->start);
	h->t_start = now_ns();
	if (h->cfg.duration > 0)
		end = h->t_start + h->cfg.duration * NSEC_PER_SEC;
	tick = h->t_start + NSEC_PER_SEC;
	pthread_mutex_lock(&h->lock);
	while (h->finished < h->cfg.threads) {
		wake = to_timespec(end && end < tick ? end : tick);
		pthread_cond_timedwait(&h->done_cond, &h->lock, &wake);
		now = now_ns();
		if (end && now >= end) {
			hammer_stop(h);
			end = 0;	/* the threads finish their op and go */
		}
		if (now < tick)
			continue;
		tick += NSEC_PER_SEC;
		if (tty)
			progress(h, now);
		shown = tty;
	}
	pthread_mutex_unlock(&h->lock);
	h->t_end = now_ns();
	if (shown)
		fputc('\n', stderr);
	for (i = 0; i < h->cfg.threads; i++)
		pthread_join(h->workers[i]->tid, NULL);
}

static int conclude(struct hammer *h, const struct totals *t,
		    struct verdict *v)
{
	if (h->cfg.mode->finish)
		h->cfg.mode->finish(h, v);
	else
		verdict_summary(v, "%s: %llu ops, %llu failed as a random mix makes them fail, %llu with unexpected errors",
				h->cfg.mode->name, (unsigned long long)t->ops,
				(unsigned long long)(t->failed - t->unexpected),
				(unsigned long long)t->unexpected);
	if (v->status == EXIT_FAIL || t->unexpected)
		return EXIT_FAIL;
	return v->status;
}

static void cleanup(struct hammer *h)
{
	unsigned int i;

	for (i = 0; h->workers && i < h->cfg.threads; i++)
		worker_destroy(h->workers[i]);
	free(h->workers);
	free(h->priv);
	rcumap_close(h->fd);
}

int main(int argc, char **argv)
{
	static struct hammer hammer;
	static struct totals totals;
	struct hammer *h = &hammer;
	struct verdict v = { 0 };
	int status, ret;

	parse_options(argc, argv, &h->cfg);
	status = open_map(h);
	if (!status)
		status = prepare_mode(h);
	if (!status)
		report_header(h);
	if (!status)
		status = start_workers(h);
	if (status)
		return status;
	run(h);
	ret = rcumap_stats(h->fd, &h->after);
	if (ret)
		return setup_error("RCUMAP_IOC_STATS", ret, "");
	totals_gather(h, &totals);
	status = conclude(h, &totals, &v);
	report(h, &totals, &v, status);
	cleanup(h);
	if (fflush(stdout) == EOF && !status)
		status = setup_error("stdout", errno ? -errno : -EIO, "");
	return status;
}
