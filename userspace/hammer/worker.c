// SPDX-License-Identifier: GPL-2.0
/*
 * The worker threads: the loop every mode shares, issuing operations one
 * ioctl at a time or RCUMAP_IOC_BATCH at a time, and the accounting; and
 * the mixed mode, which is that loop and nothing more.
 *
 * Everything a worker writes on its hot path is its own (struct worker is
 * cache-line aligned, one allocation per thread): counters, histograms and
 * the mode's per-thread state. The main thread only reads done_ops and
 * failed_ops for the progress line, as relaxed atomics.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hammer.h"

const char *const op_names[NR_KINDS] = {
	[OP_GET] = "get", [OP_PUT] = "put", [OP_DEL] = "del",
	[OP_ADD] = "add", [OP_CAS] = "cas", [OP_DUMP] = "dump",
};

/*
 * The outcomes a random mix produces on a healthy map are expected; the
 * rest mean a malformed request or a broken kernel. ERANGE: a value longer
 * than --value-size, left by an earlier run with --no-clear (or for DUMP,
 * a bucket larger than the buffer, which then grows). EBADMSG is ours: in
 * a mode of 8-byte counters, a value of another length; in any mode, a
 * value whose bytes are not all of one write (torn), unless --no-clear may
 * have left values of other writers; DUMP records that do not parse.
 */
const struct errno_info errnos[NR_ERRS] = {
	{ ENOENT, true },	{ EEXIST, true },	{ ECANCELED, true },
	{ ENOSPC, true },	{ EMSGSIZE, true },	{ ERANGE, true },
	{ E2BIG, false },	{ EINVAL, false },	{ EFAULT, false },
	{ ENOMEM, false },	{ ENOTTY, false },	{ EBADMSG, false },
	{ 0, false },
};

unsigned int errno_slot(int err)
{
	unsigned int i;

	for (i = 0; i < NR_ERRS - 1; i++)
		if (errnos[i].err == err)
			break;
	return i;
}

/* Whether the errno of @slot is an expected outcome in @c's mode. */
bool errno_slot_expected(const struct config *c, unsigned int slot)
{
	return errnos[slot].expected ||
	       (errnos[slot].err == ENOMEM && c->mode->enomem_expected);
}

/* librcumap names every errno of the table; the last slot is the rest. */
const char *errno_slot_name(unsigned int slot)
{
	return errnos[slot].err ? rcumap_errno_name(errnos[slot].err) :
				  "other";
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

bool hammer_stopped(struct hammer *h)
{
	return __atomic_load_n(&h->stop, __ATOMIC_RELAXED);
}

void hammer_stop(struct hammer *h)
{
	__atomic_store_n(&h->stop, 1, __ATOMIC_RELAXED);
}

uint32_t pick_key(struct worker *w)
{
	struct hammer *h = w->h;

	if (h->cfg.dist == DIST_ZIPF)
		return zipf_next(&h->zipf, &w->rng);
	return rng_below(&w->rng, h->pick_n);
}

uint8_t pick_kind(struct worker *w)
{
	return w->h->mix_table[rng_below(&w->rng, 100)];
}

/* Half RCUMAP_ANY, a quarter each NOEXIST and EXIST: every path runs. */
uint8_t pick_flags(struct worker *w)
{
	static const uint8_t flags[] = {
		RCUMAP_ANY, RCUMAP_ANY, RCUMAP_NOEXIST, RCUMAP_EXIST,
	};

	return flags[rng_below(&w->rng, ARRAY_SIZE(flags))];
}

int64_t pick_delta(struct worker *w)
{
	return (int64_t)rng_below(&w->rng, 2001) - 1000;
}

/* Unique among all threads' stamps: the thread id on top of a sequence. */
uint64_t next_stamp(struct worker *w)
{
	return (uint64_t)(w->id + 1) << 40 | ++w->seq;
}

/* The buffers of hop @i: key, new value, expected value, value found. */
struct slot {
	unsigned char *key, *val, *exp, *found;
};

/* A counter is 8 bytes, whatever --value-size says; GET may want more. */
static size_t value_cap(const struct config *c)
{
	uint32_t cap = c->value_size > 8 ? c->value_size : 8;

	return c->read_size > cap ? c->read_size : cap;
}

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static size_t slot_stride(const struct config *c)
{
	return round8(c->key_size) + 3 * round8(value_cap(c));
}

static struct slot slot_of(const struct worker *w, unsigned int i)
{
	const struct config *c = &w->h->cfg;
	struct slot s;

	s.key = w->bufs + i * slot_stride(c);
	s.val = s.key + round8(c->key_size);
	s.exp = s.val + round8(value_cap(c));
	s.found = s.exp + round8(value_cap(c));
	return s;
}

static void stage(const struct config *c, const struct hop *op,
		  const struct slot *s)
{
	key_fill(s->key, c->key_size, op->counter, op->key);
	if (op->kind == OP_PUT || op->kind == OP_CAS)
		value_fill(s->val, c->value_size, op->arg);
	if (op->kind == OP_CAS)
		value_fill(s->exp, op->exp_len, op->arg2);
}

/* Note the value a GET or a failed CAS brought back, if any. */
static void take_value(const struct config *c, struct hop *op,
		       const unsigned char *found)
{
	bool has_value = op->kind == OP_GET ? !op->err :
			 op->kind == OP_CAS && op->err == ECANCELED;

	if (!has_value)
		return;
	op->buf = found;
	op->out = value_word(found, op->out_len);
	if (c->mode->value8 && op->out_len != 8)
		op->err = EBADMSG;
	else if (!c->no_clear && !value_whole(found, op->out_len))
		op->err = EBADMSG;
}

/*
 * Walk the records a DUMP brought back: a malformed buffer, or a value
 * not all of one write (unless --no-clear), is EBADMSG.
 */
static void check_dump(const struct config *c, struct hop *op,
		       const unsigned char *buf)
{
	size_t off = 0, key_len, len;
	const void *key, *val;
	int ret;

	if (op->err)
		return;
	for (;;) {
		ret = rcumap_dump_next(buf, op->out_len, &off, &key, &key_len,
				       &val, &len);
		if (ret <= 0 || (!c->no_clear && !value_whole(val, len)))
			break;
	}
	if (ret)
		op->err = EBADMSG;
}

static void call_one(struct worker *w, struct hop *op)
{
	const struct config *c = &w->h->cfg;
	struct slot s = slot_of(w, 0);
	size_t len = op->kind == OP_DUMP ? w->dump_len : value_cap(c);
	int ret;

	stage(c, op, &s);
	op->call = now_ns();
	switch (op->kind) {
	case OP_GET:
		ret = rcumap_get_flags(w->fd, s.key, c->key_size, s.found,
				       &len, c->touch ? RCUMAP_GET_TOUCH : 0);
		break;
	case OP_PUT:
		ret = rcumap_put_ttl(w->fd, s.key, c->key_size, s.val,
				     c->value_size, op->flags, c->ttl_ms);
		break;
	case OP_DEL:
		ret = rcumap_del(w->fd, s.key, c->key_size);
		break;
	case OP_ADD:
		ret = rcumap_add(w->fd, s.key, c->key_size, (int64_t)op->arg,
				 op->flags, &op->out);
		break;
	case OP_DUMP:
		op->out = op->arg;
		ret = rcumap_dump(w->fd, &op->out, w->dump_buf, &len, NULL);
		break;
	default:
		ret = rcumap_cmpxchg(w->fd, s.key, c->key_size, s.exp,
				     op->exp_len, s.val, c->value_size,
				     s.found, &len);
		break;
	}
	op->ret = now_ns();
	op->err = -ret;
	op->out_len = len;
	if (op->kind == OP_DUMP)
		check_dump(c, op, w->dump_buf);
	else
		take_value(c, op, s.found);
}

static void batch_op_init(const struct config *c, const struct hop *op,
			  const struct slot *s, struct rcumap_batch_op *b)
{
	static const uint32_t cmds[] = {
		[OP_GET] = RCUMAP_CMD_GET, [OP_PUT] = RCUMAP_CMD_PUT,
		[OP_DEL] = RCUMAP_CMD_DEL, [OP_ADD] = RCUMAP_CMD_ADD,
	};

	*b = (struct rcumap_batch_op){
		.cmd = cmds[op->kind],
		.flags = op->flags,
		.key_len = c->key_size,
		.key = (uintptr_t)s->key,
	};
	if (op->kind == OP_GET) {
		b->flags = c->touch ? RCUMAP_GET_TOUCH : 0;
		b->value = (uintptr_t)s->found;
		b->value_len = value_cap(c);
	} else if (op->kind == OP_PUT) {
		b->value = (uintptr_t)s->val;
		b->value_len = c->value_size;
	} else if (op->kind == OP_ADD) {
		b->delta = op->arg;
	}
}

/* Every op of a batch gets the batch's call and return times. */
static void call_batch(struct worker *w, unsigned int n)
{
	const struct config *c = &w->h->cfg;
	unsigned int i, done = 0;
	uint64_t call, ret_t;
	struct slot s;
	int ret;

	for (i = 0; i < n; i++) {
		s = slot_of(w, i);
		stage(c, &w->hops[i], &s);
		batch_op_init(c, &w->hops[i], &s, &w->bops[i]);
	}
	call = now_ns();
	ret = rcumap_batch(w->fd, w->bops, n, &done, NULL);
	ret_t = now_ns();
	hist_record(&w->lat[LAT_BATCH], ret_t - call);
	for (i = 0; i < n; i++) {
		struct hop *op = &w->hops[i];

		op->call = call;
		op->ret = ret_t;
		/* Ops past @done did not run: the batch's error is theirs. */
		op->err = i < done || !ret ? (int)w->bops[i].error : -ret;
		op->out_len = w->bops[i].value_len;
		if (op->kind == OP_ADD)
			op->out = w->bops[i].delta;
		take_value(c, op, slot_of(w, i).found);
	}
}

static void account(struct worker *w, const struct hop *op, bool timed)
{
	unsigned int slot;

	w->count[op->kind]++;
	if (timed)
		hist_record(&w->lat[op->kind], op->ret - op->call);
	if (op->err) {
		slot = errno_slot(op->err);
		w->errs[op->kind][slot]++;
		w->unexpected += !errno_slot_expected(&w->h->cfg, slot);
		__atomic_store_n(&w->failed_ops, w->failed_ops + 1,
				 __ATOMIC_RELAXED);
	}
	__atomic_store_n(&w->done_ops, w->done_ops + 1, __ATOMIC_RELAXED);
}

static bool worker_more(struct worker *w)
{
	return !hammer_stopped(w->h) && (!w->limit || w->done_ops < w->limit);
}

void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct hammer *h = w->h;
	const struct mode *m = h->cfg.mode;
	unsigned int i, n;

	pthread_barrier_wait(&h->start);
	while (worker_more(w)) {
		n = h->cfg.batch;
		if (w->limit && w->limit - w->done_ops < n)
			n = w->limit - w->done_ops;
		for (i = 0; i < n; i++)
			m->next(w, &w->hops[i]);
		if (h->cfg.batch > 1)
			call_batch(w, n);
		else
			call_one(w, &w->hops[0]);
		for (i = 0; i < n; i++) {
			account(w, &w->hops[i], h->cfg.batch == 1);
			if (m->done)
				m->done(w, &w->hops[i]);
		}
	}
	pthread_mutex_lock(&h->lock);
	h->finished++;
	pthread_cond_signal(&h->done_cond);
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* Each thread its own stream: the seed and the thread id, mixed. */
static uint64_t thread_seed(uint64_t seed, unsigned int id)
{
	uint64_t s = seed ^ (id + 1) * 0xd1b54a32d192ed03ULL;

	return rng_next(&s);
}

int worker_create(struct hammer *h, unsigned int id, struct worker **wp)
{
	const struct config *c = &h->cfg;
	struct worker *w = aligned_alloc(64, (sizeof(*w) + 63) / 64 * 64);

	*wp = w;
	if (!w)
		return -ENOMEM;
	memset(w, 0, sizeof(*w));
	w->h = h;
	w->id = id;
	w->fd = -1;
	w->rng = thread_seed(c->seed, id);
	w->limit = c->ops;
	w->hops = calloc(c->batch, sizeof(*w->hops));
	w->bufs = calloc(c->batch, slot_stride(c));
	w->bops = calloc(c->batch, sizeof(*w->bops));
	if (!w->hops || !w->bufs || !w->bops)
		return -ENOMEM;
	w->fd = c->shared_fd ? h->fd : rcumap_open(c->dev);
	if (w->fd < 0)
		return w->fd;
	return c->mode->thread_init ? c->mode->thread_init(w) : 0;
}

/* Also undoes a worker_create() that failed half-way. */
void worker_destroy(struct worker *w)
{
	if (!w)
		return;
	if (w->fd >= 0 && w->fd != w->h->fd)
		rcumap_close(w->fd);
	free(w->priv);
	free(w->hops);
	free(w->bufs);
	free(w->bops);
	free(w->dump_buf);
	free(w);
}

/* Values of a "k" key come from four per key, so a CAS often succeeds. */
static uint64_t mixed_word(struct worker *w, uint32_t key)
{
	return (uint64_t)key << 2 | rng_below(&w->rng, 4);
}

static void mixed_next(struct worker *w, struct hop *op)
{
	const struct config *c = &w->h->cfg;
	uint32_t key = pick_key(w) + (c->private_keys ? w->id * c->keys : 0);

	*op = (struct hop){ .kind = pick_kind(w), .key = key };
	switch (op->kind) {
	case OP_PUT:
		op->flags = pick_flags(w);
		op->arg = mixed_word(w, key);
		break;
	case OP_ADD:
		op->counter = true;
		op->flags = pick_flags(w);
		op->arg = pick_delta(w);
		break;
	case OP_CAS:
		op->arg2 = mixed_word(w, key);
		op->exp_len = w->h->cfg.value_size;
		op->arg = mixed_word(w, key);
		break;
	}
}

static const uint8_t mixed_mix[NR_MIX_KINDS] = {
	[OP_GET] = 70, [OP_PUT] = 20, [OP_DEL] = 5, [OP_ADD] = 5,
};

const struct mode mode_mixed = {
	.name = "mixed",
	.default_keys = 1024,
	.default_mix = mixed_mix,
	.batchable = true,
	.next = mixed_next,
};
