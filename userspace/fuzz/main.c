// SPDX-License-Identifier: GPL-2.0
/*
 * rcumap-fuzz - the ioctl fuzzer of rcumap: threads call /dev/rcumap with
 * random and boundary arguments and check that every answer is one the
 * ABI documents for that call, and that failed calls change nothing. See
 * --help.
 *
 * This file sets up (capabilities, device, limits, keys, memory, threads),
 * runs the threads against the clock and the call budget, or replays one
 * call, and ends with the owned-key check, the summary and the exit status.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>

#include "fuzz.h"

/* The calls a thread claims from the budget of --calls at a time. */
#define CLAIM		64

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int setup_error(const char *what, int ret, const char *hint)
{
	fprintf(stderr, "rcumap-fuzz: %s: %s: %s%s\n", what, errno_name(-ret),
		strerror(-ret), hint);
	return EXIT_SETUP;
}

/*
 * CAP_SYS_ADMIN in the effective set (@drop: first take it out of every
 * set), with the raw system calls: the guest has no libcap.
 */
static bool cap_sys_admin(bool drop)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	uint32_t bit = 1U << CAP_SYS_ADMIN;

	if (syscall(SYS_capget, &hdr, data))
		return false;
	if (drop) {
		data[0].effective &= ~bit;
		data[0].permitted &= ~bit;
		data[0].inheritable &= ~bit;
		if (syscall(SYS_capset, &hdr, data))
			return true;
	}
	return data[0].effective & bit;
}

static int open_map(struct fz *fz, int *fd)
{
	int ret = rcumap_open(fz->cfg.dev);

	if (ret < 0)
		return setup_error(fz->cfg.dev, ret, ret == -ENOENT ?
				   " (is the rcumap module loaded?)" : "");
	*fd = ret;
	return 0;
}

static int setup(struct fz *fz, int *fd)
{
	struct fz_config *c = &fz->cfg;
	unsigned int i, j, n;
	int ret, status;

	fz->admin = cap_sys_admin(c->drop_admin);
	if (c->drop_admin && fz->admin)
		return setup_error("giving up CAP_SYS_ADMIN", -EPERM, "");
	status = open_map(fz, fd);
	if (status)
		return status;
	ret = rcumap_info(*fd, &fz->info);
	if (ret)
		return setup_error("RCUMAP_IOC_INFO", ret, "");
	fz->owned_on = c->owned && !c->allow_clear && fz->info.max_key_len >= 16;
	if (c->owned && !fz->owned_on && !c->allow_clear)
		fprintf(stderr, "rcumap-fuzz: max_key_len %u is too short for owned keys: no owned-key check\n",
			fz->info.max_key_len);
	if (keys_init(fz))
		return setup_error("keys", -ENOMEM, "");
	ret = hz_init_process(fz);
	if (ret)
		return setup_error("mapping memory", ret, "");
	ret = shadow_cleanup_start(fz, *fd);
	if (ret)
		return setup_error("deleting the owned keys of an earlier run",
				   ret, "");
	pthread_mutex_init(&fz->lock, NULL);
	for (i = 0, n = 0; i < NR_MIX; i++)
		for (j = 0; j < c->mix[i]; j++)
			fz->mix_table[n++] = i;
	return 0;
}

static int thread_create(struct fz *fz, unsigned int i)
{
	struct fz_thread *t = calloc(1, sizeof(*t));
	int ret;

	if (!t)
		return -ENOMEM;
	fz->threads[i] = t;
	t->fz = fz;
	t->id = i;
	t->fd = -1;
	prng_seed(&t->rng, fz->cfg.seed, i, 0);
	prng_seed(&t->srng, fz->cfg.seed, i, 1);
	t->bops = calloc(RCUMAP_BATCH_MAX + 1, sizeof(*t->bops));
	t->bop_allowed = calloc(RCUMAP_BATCH_MAX + 1,
				sizeof(*t->bop_allowed));
	if (!t->bops || !t->bop_allowed)
		return -ENOMEM;
	ret = hz_init_thread(t);
	if (!ret)
		ret = shadow_init(t);
	if (ret)
		return ret;
	ret = rcumap_open(fz->cfg.dev);
	if (ret < 0)
		return ret;
	t->fd = ret;
	return 0;
}

/* Take a call of the budget: false when it is spent, or time is up. */
static bool take(struct fz_thread *t, uint64_t *budget)
{
	const struct fz *fz = t->fz;
	uint64_t got;

	if (__atomic_load_n(&fz->stop, __ATOMIC_RELAXED))
		return false;
	if (!fz->cfg.calls)
		return true;
	if (!*budget) {
		got = __atomic_fetch_add(&t->fz->claimed, CLAIM,
					 __ATOMIC_RELAXED);
		if (got >= fz->cfg.calls)
			return false;
		*budget = fz->cfg.calls - got < CLAIM ? fz->cfg.calls - got :
			  CLAIM;
	}
	--*budget;
	return true;
}

enum next { NEXT_CALL, NEXT_SHADOW, NEXT_ATTACK };

/* Another thread's owned key: a malformed call must leave it alone. */
static bool foreign_attack(struct fz_thread *t, struct fz_call *c)
{
	unsigned int n = t->fz->cfg.threads, owner = prng_below(&t->rng, n);

	if (owner == t->id)
		owner = (owner + 1) % n;
	return n > 1 && build_owned_attack(t, c, owner,
					   prng_below(&t->rng,
						      t->fz->cfg.owned));
}

/*
 * The next call of a thread, of the kind --mix draws: a call of
 * build_call(); or on owned keys, half of them an operation on one of the
 * thread's own (whose numbers come from the other stream), a quarter a
 * malformed call on one of its own, a quarter on another thread's. The
 * draws are the same whatever the map answered before.
 */
static enum next next_call(struct fz_thread *t, struct fz_call *c)
{
	unsigned int kind = t->fz->mix_table[prng_below(&t->rng, 100)], r;

	if (kind == MIX_OWNED) {
		r = prng_below(&t->rng, 4);
		if (r < 2 && t->fz->owned_on)
			return NEXT_SHADOW;
		if (r == 3 && foreign_attack(t, c))
			return NEXT_CALL;
		if (t->fz->owned_on &&
		    build_owned_attack(t, c, t->id,
				       prng_below(&t->rng, t->fz->cfg.owned)))
			return NEXT_ATTACK;
		kind = RCUMAP_CMD_GET;	/* no owned keys */
	}
	build_call(t, c, kind);
	return NEXT_CALL;
}

static void *worker_main(void *arg)
{
	struct fz_thread *t = arg;
	uint64_t budget = 0;
	struct fz_call *c = malloc(sizeof(*c));
	int ret, err;

	while (c && take(t, &budget)) {
		switch (next_call(t, c)) {
		case NEXT_SHADOW:
			shadow_op(t);
			break;
		case NEXT_ATTACK:
			shadow_attack(t, c);
			/* its two reads of the key count too */
			take(t, &budget);
			take(t, &budget);
			break;
		default:
			ret = issue(t, c, &err);
			check_call(t, c, ret, err);
			break;
		}
		t->index++;
		__atomic_store_n(&t->done, t->index, __ATOMIC_RELAXED);
	}
	free(c);
	__atomic_add_fetch(&t->fz->finished, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void progress(struct fz *fz, bool tty)
{
	double secs = (now_ns() - fz->t_start) / 1e9;
	uint64_t calls = 0;
	unsigned int i;

	for (i = 0; i < fz->cfg.threads; i++)
		calls += __atomic_load_n(&fz->threads[i]->done,
					 __ATOMIC_RELAXED);
	fprintf(stderr, "%s%6.0f s: %llu calls, %.0f calls/s, %llu unexpected%s",
		tty ? "\r" : "rcumap-fuzz: ", secs, (unsigned long long)calls,
		calls / secs,
		(unsigned long long)__atomic_load_n(&fz->unexpected,
						    __ATOMIC_RELAXED),
		tty ? " " : "\n");
}

/* Are the threads done, or the time up? Wait in steps of 100 ms. */
static void run(struct fz *fz)
{
	struct timespec step = { 0, 100000000 };
	uint64_t end = 0, next = 0, now;
	bool tty = isatty(STDERR_FILENO), shown = false;
	unsigned int i;

	if (fz->cfg.seconds)
		end = fz->t_start + fz->cfg.seconds * NSEC_PER_SEC;
	if (fz->cfg.progress)
		next = fz->t_start + fz->cfg.progress * NSEC_PER_SEC;
	for (;;) {
		nanosleep(&step, NULL);
		now = now_ns();
		if (end && now >= end)
			__atomic_store_n(&fz->stop, true, __ATOMIC_RELAXED);
		if (next && now >= next) {
			progress(fz, tty);
			shown = tty;
			next += fz->cfg.progress * NSEC_PER_SEC;
		}
		/* with --calls, the threads stop by themselves */
		if (__atomic_load_n(&fz->stop, __ATOMIC_RELAXED) ||
		    __atomic_load_n(&fz->finished, __ATOMIC_RELAXED) ==
		    fz->cfg.threads)
			break;
	}
	for (i = 0; i < fz->cfg.threads; i++)
		pthread_join(fz->threads[i]->tid, NULL);
	fz->t_end = now_ns();
	__atomic_store_n(&fz->stop, true, __ATOMIC_RELAXED);
	hz_race_stop(fz);
	if (shown)
		fputc('\n', stderr);
}

/* --replay: rebuild thread T's calls up to call I, and make that one. */
static int replay(struct fz *fz)
{
	struct fz_thread *t = fz->threads[fz->cfg.replay_thread];
	struct fz_call *c = malloc(sizeof(*c));
	enum next next = NEXT_CALL;
	int ret, err;
	bool ok;

	if (!c)
		return setup_error("replay", -ENOMEM, "");
	for (t->index = 0; t->index <= fz->cfg.replay_call; t->index++)
		next = next_call(t, c);
	t->index--;
	if (next == NEXT_SHADOW) {
		printf("call %llu of thread %u is an operation on an owned key, whose answer depends on the run's history: not replayed\n",
		       (unsigned long long)t->index, t->id);
		return EXIT_OK;
	}
	report_call(stdout, t, c);
	fflush(stdout);
	ret = issue(t, c, &err);
	ok = check_call(t, c, ret, err);	/* reports on stderr if not */
	printf("returned %s: %s\n", ret ? errno_name(err) : "success",
	       ok ? "as the ABI allows" : "UNEXPECTED");
	printf("result: %s\n", ok ? "ok" : "failed");
	return ok ? EXIT_OK : EXIT_FAIL;
}

int main(int argc, char **argv)
{
	static struct fz fuzz;
	struct fz *fz = &fuzz;
	unsigned int i, wrong, checked;
	int fd = -1, ret, status;

	parse_options(argc, argv, &fz->cfg);
	status = setup(fz, &fd);
	if (status)
		return status;
	fz->threads = calloc(fz->cfg.threads, sizeof(*fz->threads));
	if (!fz->threads)
		return setup_error("threads", -ENOMEM, "");
	for (i = 0; i < fz->cfg.threads; i++) {
		ret = thread_create(fz, i);
		if (ret)
			return setup_error("preparing a thread", ret, "");
	}
	report_header(fz);
	if (fz->cfg.replay)
		return replay(fz);
	if (!fz->cfg.no_race) {
		ret = hz_race_start(fz);
		if (ret)
			return setup_error("starting the racing thread", ret, "");
	}
	fz->t_start = now_ns();
	for (i = 0; i < fz->cfg.threads; i++) {
		ret = -pthread_create(&fz->threads[i]->tid, NULL, worker_main,
				      fz->threads[i]);
		if (ret)
			return setup_error("starting a thread", ret, "");
	}
	run(fz);
	wrong = shadow_final_check(fz, fd, &checked);
	report_summary(fz, wrong, checked);
	status = fz->unexpected || wrong ? EXIT_FAIL : EXIT_OK;
	for (i = 0; i < fz->cfg.threads; i++) {
		rcumap_close(fz->threads[i]->fd);
		hz_free_thread(fz->threads[i]);
		shadow_free(fz->threads[i]);
	}
	rcumap_close(fd);
	if (fflush(stdout) == EOF && !status)
		status = setup_error("stdout", errno ? -errno : -EIO, "");
	return status;
}
