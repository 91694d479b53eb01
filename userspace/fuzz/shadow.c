// SPDX-License-Identifier: GPL-2.0
/*
 * Owned keys: the check that the map loses nothing and changes nothing on
 * a failed call.
 *
 * Thread t owns --owned-keys keys, named "\0FZ-t-i" and padded to lengths
 * up to max_key_len; no other key starts with a NUL byte (gen.c). Only
 * thread t writes them, with well-formed calls whose every answer it can
 * predict from its shadow copy of them (shadow_op()): the value a GET
 * returns byte for byte, EEXIST for a PUT RCUMAP_NOEXIST on a present key,
 * the sum of an ADD, and so on. Every thread, t too, also aims malformed
 * calls at them that the ABI says must fail (build_owned_attack()); after
 * each of its own, t reads the key back at once (shadow_attack()), and
 * any change names the failed call that made it. At the end the main
 * thread checks every owned key against its shadow, and DUMPs the map to
 * check that no other key with the prefix exists.
 *
 * CLEAR deletes owned keys too, so with --allow-clear there are none. A
 * CLEAR without CAP_SYS_ADMIN must fail with EPERM, and then changes
 * nothing either: the check stays on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz.h"

#define OWNED_PREFIX	"\0FZ-"
#define OWNED_PREFIX_LEN 4
#define SHADOW_VAL_MAX	4096

struct shadow_key {
	bool present;
	uint32_t len;
	unsigned char *val;
};

/**
 * struct shadow - what a thread's owned keys hold
 * @k: cfg.owned keys
 * @buf: a buffer for the values read back
 * @cap: its size
 * @vmax: the longest value written to an owned key
 */
struct shadow {
	struct shadow_key *k;
	unsigned char *buf;
	uint32_t cap;
	uint32_t vmax;
};

static struct fz_key *owned;		/* threads * owned of them */
static unsigned int owned_per_thread;

const struct fz_key *owned_key(const struct fz *fz, unsigned int owner,
			       unsigned int key)
{
	if (!fz->owned_on || owner >= fz->cfg.threads || key >= fz->cfg.owned)
		return NULL;
	return &owned[owner * owned_per_thread + key];
}

/*
 * The names, in memory of their own that no other buffer shares, so no
 * stale pointer of another call can come to point at one.
 */
static int owned_init(struct fz *fz)
{
	static const uint32_t lens[] = { 16, 24, 32, 64, 128, 255, 256 };
	unsigned int n = fz->cfg.threads * fz->cfg.owned, i;
	uint32_t max = fz->info.max_key_len;
	unsigned char *names;

	owned_per_thread = fz->cfg.owned;
	owned = calloc(n, sizeof(*owned));
	names = mmap(NULL, (size_t)n * RCUMAP_KEY_LEN_LIMIT,
		     PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!owned || names == MAP_FAILED)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct fz_key *k = &owned[i];
		char name[32];
		int len = snprintf(name, sizeof(name), "%u-%u",
				   i / fz->cfg.owned, i % fz->cfg.owned);

		k->bytes = names + (size_t)i * RCUMAP_KEY_LEN_LIMIT;
		k->len = lens[i % fz->cfg.owned % ARRAY_SIZE(lens)];
		if (k->len > max)
			k->len = max;
		memset(k->bytes, '.', k->len);
		memcpy(k->bytes, OWNED_PREFIX, OWNED_PREFIX_LEN);
		memcpy(k->bytes + OWNED_PREFIX_LEN, name, len);
	}
	return 0;
}

int shadow_init(struct fz_thread *t)
{
	struct fz *fz = t->fz;
	struct shadow *s;
	unsigned int i;

	if (!fz->owned_on)
		return 0;
	if (!owned && t->id == 0 && owned_init(fz))
		return -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	t->own = s;
	s->vmax = fz->info.max_value_len < SHADOW_VAL_MAX ?
		  fz->info.max_value_len : SHADOW_VAL_MAX;
	s->cap = fz->info.max_value_len + 64;
	s->buf = malloc(s->cap);
	s->k = calloc(fz->cfg.owned, sizeof(*s->k));
	if (!s->buf || !s->k)
		return -ENOMEM;
	for (i = 0; i < fz->cfg.owned; i++) {
		s->k[i].val = malloc(SHADOW_VAL_MAX);
		if (!s->k[i].val)
			return -ENOMEM;
	}
	return 0;
}

void shadow_free(struct fz_thread *t)
{
	struct shadow *s = t->own;
	unsigned int i;

	if (!s)
		return;
	for (i = 0; s->k && i < t->fz->cfg.owned; i++)
		free(s->k[i].val);
	free(s->k);
	free(s->buf);
	free(s);
	t->own = NULL;
}

/* Read owned key @i into s->buf: 0 and its length in *@len, or -errno. */
static int read_back(int fd, const struct fz_key *k, struct shadow *s,
		     size_t *len)
{
	*len = s->cap;
	return rcumap_get(fd, k->bytes, k->len, s->buf, len);
}

/* Whether the map holds what the shadow of key @i says. */
static bool matches(const struct shadow_key *sk, int ret, const void *buf,
		    size_t len)
{
	if (!sk->present)
		return ret == -ENOENT;
	return !ret && len == sk->len && !memcmp(buf, sk->val, len);
}

/* After a wrong answer: take what the map holds as the truth from now on. */
static void resync(struct fz_thread *t, unsigned int i)
{
	const struct fz_key *k = owned_key(t->fz, t->id, i);
	struct shadow *s = t->own;
	struct shadow_key *sk = &s->k[i];
	size_t len;
	int ret = read_back(t->fd, k, s, &len);

	sk->present = !ret && len <= SHADOW_VAL_MAX;
	if (sk->present) {
		sk->len = len;
		memcpy(sk->val, s->buf, len);
	}
}

/* Describe a shadow key for a report: "absent" or "8 bytes 0102...". */
static const char *describe(const struct shadow_key *sk, char *out,
			    size_t size)
{
	size_t i, n;

	if (!sk->present) {
		snprintf(out, size, "absent");
		return out;
	}
	n = snprintf(out, size, "%u bytes ", sk->len);
	for (i = 0; i < sk->len && i < 16 && n + 3 < size; i++)
		n += snprintf(out + n, size - n, "%02x", sk->val[i]);
	if (sk->len > 16 && n + 4 < size)
		snprintf(out + n, size - n, "...");
	return out;
}

/* The outcomes of a PUT or ADD with @flags on a key that is or is not. */
static uint32_t put_outcome(uint32_t flags, bool present)
{
	if (present)
		return flags == RCUMAP_NOEXIST ? OC(EEXIST) : OC(OK);
	return flags == RCUMAP_EXIST ? OC(ENOENT) : OC(OK) | OC(ENOSPC);
}

static void fill_random(struct prng *r, unsigned char *p, uint32_t len)
{
	uint32_t i;
	uint64_t v;

	for (i = 0; i < len; i += 8) {
		v = prng_next(r);
		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
}

static uint32_t pick_len(struct fz_thread *t)
{
	static const uint32_t lens[] = {
		0, 1, 7, 8, 8, 8, 8, 9, 100, 128, 129, 1000, 4096,
	};
	uint32_t len = lens[prng_below(&t->srng, ARRAY_SIZE(lens))];

	return len > t->own->vmax ? t->own->vmax : len;
}

/* The struct of a call on an owned key, placed without drawing numbers. */
static void place(struct fz_thread *t, struct fz_call *c, const void *args,
		  uint32_t size)
{
	enum hz_where w = prng_pct(&t->srng, 80) ? W_NORMAL : W_EDGE;

	memcpy(&c->args, args, size);
	c->args_len = size;
	call_ptr(c, "arg", w);
	c->arg = (void *)(uintptr_t)hz_place(t, R_ARG, w, args, size, size);
	c->out = c->arg;
	c->nr = _IOC(_IOC_DIR(c->nr), RCUMAP_IOC_MAGIC, c->cmd, size);
	hz_seal(t);
}

/* An input buffer: the shadow's own, or at a guard page, or read-only. */
static uint64_t value_in(struct fz_thread *t, struct fz_call *c,
			 const char *field, const void *src, uint32_t len)
{
	unsigned int r = prng_below(&t->srng, 10);
	enum hz_where w = r < 7 ? W_NORMAL : r < 9 ? W_EDGE : W_RO;

	call_ptr(c, field, w);
	return w == W_NORMAL ? (uintptr_t)src :
	       hz_place(t, R_VAL, w, src, len, len);
}

/*
 * What a refusal of an owned key's call reports: the length of the value
 * (ERANGE of GET and CMPXCHG), and the value itself (ECANCELED).
 */
static const char *check_refusal(const struct fz_call *c, int err,
				 const struct shadow_key *sk,
				 const unsigned char *buf)
{
	const struct rcumap_elem *e = c->out;
	const struct rcumap_cmpxchg *x = c->out;

	if (c->cmd == RCUMAP_CMD_GET && err == ERANGE && e->value_len != sk->len)
		return "GET's ERANGE on an owned key reports another length";
	if (c->cmd != RCUMAP_CMD_CMPXCHG ||
	    (err != ERANGE && err != ECANCELED))
		return NULL;
	if (x->found_len != sk->len)
		return "CMPXCHG on an owned key reports another length found";
	if (err == ECANCELED && memcmp(buf, sk->val, sk->len))
		return "CMPXCHG on an owned key found another value";
	return NULL;
}

/**
 * shadow_op() - one well-formed call on one of the thread's own keys
 * @t: the thread
 *
 * Its outcome must be exactly what the shadow predicts (ENOMEM aside, and
 * ENOSPC for a new key when the map is full), and so must every output;
 * a success updates the shadow.
 */
void shadow_op(struct fz_thread *t)
{
	struct shadow *s = t->own;
	unsigned int i = prng_below(&t->srng, t->fz->cfg.owned);
	const struct fz_key *k = owned_key(t->fz, t->id, i);
	struct shadow_key *sk = &s->k[i];
	unsigned int r = prng_below(&t->srng, 100);
	unsigned char newval[SHADOW_VAL_MAX];
	struct fz_call c;
	uint32_t len = 0;
	char was[64], note[192];
	int ret, err;
	const char *bad = NULL;

	call_reset(&c);
	c.style = S_OWNED;
	c.what = "a call on an owned key, its answer predicted";
	c.owner = t->id;
	c.owned_key = i;
	describe(sk, was, sizeof(was));
	if (r < 30) {
		struct rcumap_elem e = { .size = sizeof(e),
					 .key_len = k->len,
					 .key = (uintptr_t)k->bytes };

		len = pick_len(t);
		fill_random(&t->srng, newval, len);
		e.flags = prng_below(&t->srng, 3);
		e.value_len = len;
		e.value = value_in(t, &c, "value", newval, len);
		c.cmd = RCUMAP_CMD_PUT;
		c.nr = RCUMAP_IOC_PUT;
		c.allowed = put_outcome(e.flags, sk->present) | OC(ENOMEM);
		place(t, &c, &e, sizeof(e));
	} else if (r < 60) {
		struct rcumap_elem e = { .size = sizeof(e),
					 .key_len = k->len,
					 .key = (uintptr_t)k->bytes,
					 .value = (uintptr_t)s->buf };

		e.flags = prng_pct(&t->srng, 20) ? RCUMAP_GET_TOUCH : 0;
		e.value_len = sk->present && sk->len && prng_pct(&t->srng, 15) ?
			      sk->len - 1 : s->cap;
		call_ptr(&c, "value", W_NORMAL);
		c.cmd = RCUMAP_CMD_GET;
		c.nr = RCUMAP_IOC_GET;
		c.allowed = !sk->present ? OC(ENOENT) | OC(ENOMEM) :
			    e.value_len < sk->len ? OC(ERANGE) | OC(ENOMEM) :
			    OC(OK) | OC(ENOMEM);
		place(t, &c, &e, sizeof(e));
	} else if (r < 70) {
		struct rcumap_elem e = { .size = sizeof(e),
					 .key_len = k->len,
					 .key = (uintptr_t)k->bytes };

		c.cmd = RCUMAP_CMD_DEL;
		c.nr = RCUMAP_IOC_DEL;
		c.allowed = (sk->present ? OC(OK) : OC(ENOENT)) | OC(ENOMEM);
		place(t, &c, &e, sizeof(e));
	} else if (r < 85) {
		struct rcumap_add a = { .size = sizeof(a), .key_len = k->len,
					.key = (uintptr_t)k->bytes };

		a.flags = prng_below(&t->srng, 3);
		a.delta = prng_next(&t->srng);
		c.cmd = RCUMAP_CMD_ADD;
		c.nr = RCUMAP_IOC_ADD;
		c.allowed = put_outcome(a.flags, sk->present) | OC(ENOMEM);
		if (sk->present && sk->len != 8 && a.flags != RCUMAP_NOEXIST)
			c.allowed = OC(EMSGSIZE) | OC(ENOMEM);
		place(t, &c, &a, sizeof(a));
	} else {
		struct rcumap_cmpxchg x = { .size = sizeof(x),
					    .key_len = k->len,
					    .key = (uintptr_t)k->bytes,
					    .found = (uintptr_t)s->buf };
		bool same = sk->present && prng_pct(&t->srng, 60);
		unsigned char *exp = same ? sk->val : newval + SHADOW_VAL_MAX / 2;

		len = pick_len(t) / 2;
		fill_random(&t->srng, newval, len);
		x.expected_len = same ? sk->len : pick_len(t) / 2;
		if (!same)
			fill_random(&t->srng, exp, x.expected_len);
		x.expected = value_in(t, &c, "expected", exp, x.expected_len);
		x.value_len = len;
		x.value = (uintptr_t)newval;
		x.found_len = prng_pct(&t->srng, 15) && sk->present && sk->len ?
			      sk->len - 1 : s->cap;
		call_ptr(&c, "found", W_NORMAL);
		c.cmd = RCUMAP_CMD_CMPXCHG;
		c.nr = RCUMAP_IOC_CMPXCHG;
		same = sk->present && x.expected_len == sk->len &&
		       !memcmp(exp, sk->val, sk->len);
		c.allowed = OC(ENOMEM) | (!sk->present ? OC(ENOENT) : same ?
			    OC(OK) : x.found_len < sk->len ? OC(ERANGE) :
			    OC(ECANCELED));
		place(t, &c, &x, sizeof(x));
	}
	snprintf(note, sizeof(note), "the owned key was %s by its shadow; a malformed call of another thread on it may have changed it",
		 was);
	c.note = note;
	ret = issue(t, &c, &err);
	if (!check_call(t, &c, ret, err)) {
		resync(t, i);
		return;
	}
	if (ret) {
		bad = check_refusal(&c, err, sk, s->buf);
		if (bad) {
			report_unexpected(t, &c, ret, err, "%s (the shadow had %s)",
					  bad, was);
			resync(t, i);
		}
		return;
	}
	switch (c.cmd) {
	case RCUMAP_CMD_PUT:
		sk->present = true;
		sk->len = len;
		memcpy(sk->val, newval, len);
		break;
	case RCUMAP_CMD_GET: {
		const struct rcumap_elem *e = c.out;

		if (e->value_len != sk->len || memcmp(s->buf, sk->val, sk->len))
			bad = "GET of an owned key returned another value";
		break;
	}
	case RCUMAP_CMD_DEL:
		sk->present = false;
		break;
	case RCUMAP_CMD_ADD: {
		const struct rcumap_add *a = c.out;
		uint64_t v = 0;

		if (sk->present)
			memcpy(&v, sk->val, 8);
		v += c.args.add.delta;
		if (a->value != v)
			bad = "ADD on an owned key returned another sum";
		sk->present = true;
		sk->len = 8;
		memcpy(sk->val, &v, 8);
		break;
	}
	default:
		sk->len = len;
		memcpy(sk->val, newval, len);
		break;
	}
	if (bad) {
		report_unexpected(t, &c, ret, err, "%s (the shadow had %s)",
				  bad, was);
		resync(t, i);
	}
}

/**
 * shadow_attack() - a malformed call on an owned key, read back around it
 * @t: the thread, which owns the key
 * @c: the call, from build_owned_attack()
 *
 * The key is read before the call, so that a change another thread's
 * malformed call made is told apart from one this call made, and after
 * it; each read is a GET of its own.
 */
void shadow_attack(struct fz_thread *t, struct fz_call *c)
{
	const struct fz_key *k = owned_key(t->fz, t->id, c->owned_key);
	struct shadow *s = t->own;
	struct shadow_key *sk = &s->k[c->owned_key];
	int ret, call_ret, err;
	char was[64];
	size_t len;

	ret = read_back(t->fd, k, s, &len);
	stats_count(t, RCUMAP_CMD_GET, -ret);
	if (!matches(sk, ret, s->buf, len)) {
		report_unexpected(t, c, 1, 0,
				  "before the call below on it, the owned key was not as its shadow has it (%s; GET says %s): another thread's malformed call changed it",
				  describe(sk, was, sizeof(was)),
				  ret ? errno_name(-ret) : "a value");
		resync(t, c->owned_key);
	}
	call_ret = issue(t, c, &err);
	check_call(t, c, call_ret, err);
	ret = read_back(t->fd, k, s, &len);
	stats_count(t, RCUMAP_CMD_GET, -ret);
	if (!matches(sk, ret, s->buf, len)) {
		report_unexpected(t, c, call_ret, err,
				  "the owned key changed across this call, which must fail and change nothing (it was %s, GET says %s; or another thread's malformed call on it came in between)",
				  describe(sk, was, sizeof(was)),
				  ret ? errno_name(-ret) : "a value");
		resync(t, c->owned_key);
	}
}

/* DUMP the whole map; call @fn on each key with the owned prefix. */
static int walk_owned(int fd, void (*fn)(int fd, const void *key,
					 size_t len, void *arg), void *arg)
{
	size_t cap = 1 << 16, len, off, klen, vlen;
	uint64_t cursor = 0;
	const void *key, *value;
	unsigned char *buf = malloc(cap);
	int ret = 0;

	while (buf && cursor != RCUMAP_DUMP_END) {
		len = cap;
		ret = rcumap_dump(fd, &cursor, buf, &len, NULL);
		if (ret == -ERANGE) {
			free(buf);
			cap = len * 2;
			buf = malloc(cap);
			continue;
		}
		if (ret)
			break;
		off = 0;
		while (rcumap_dump_next(buf, len, &off, &key, &klen, &value,
					&vlen) > 0)
			if (klen >= OWNED_PREFIX_LEN &&
			    !memcmp(key, OWNED_PREFIX, OWNED_PREFIX_LEN))
				fn(fd, key, klen, arg);
	}
	free(buf);
	return buf ? ret : -ENOMEM;
}

static void del_key(int fd, const void *key, size_t len, void *arg)
{
	(void)arg;
	rcumap_del(fd, key, len);
}

/* Delete what an earlier run left of owned keys: they all start absent. */
int shadow_cleanup_start(struct fz *fz, int fd)
{
	return fz->owned_on ? walk_owned(fd, del_key, NULL) : 0;
}

static void count_key(int fd, const void *key, size_t len, void *arg)
{
	(void)fd;
	(void)key;
	(void)len;
	++*(unsigned int *)arg;
}

/**
 * shadow_final_check() - every owned key as its shadow has it, and no more
 * @fz: the tool, its threads finished
 * @fd: an open device
 * @keys: out: the owned keys checked
 *
 * Prints each wrong key; then deletes the owned keys.
 *
 * Return: how many were wrong (an owned-looking key nobody owns counts).
 */
unsigned int shadow_final_check(struct fz *fz, int fd, unsigned int *keys)
{
	unsigned int i, j, wrong = 0, present = 0, found = 0;
	char was[64];

	*keys = 0;
	if (!fz->owned_on)
		return 0;
	for (i = 0; i < fz->cfg.threads; i++) {
		struct fz_thread *t = fz->threads[i];

		for (j = 0; j < fz->cfg.owned; j++) {
			const struct fz_key *k = owned_key(fz, i, j);
			struct shadow_key *sk = &t->own->k[j];
			size_t len;
			int ret = read_back(fd, k, t->own, &len);

			++*keys;
			present += sk->present;
			if (matches(sk, ret, t->own->buf, len))
				continue;
			wrong++;
			fprintf(stderr, "rcumap-fuzz: owned key %u of thread %u: %s by its shadow, the map says %s (%zu bytes)\n",
				j, i, describe(sk, was, sizeof(was)),
				ret ? errno_name(-ret) : "a value",
				ret ? (size_t)0 : len);
		}
	}
	if (walk_owned(fd, count_key, &found)) {
		fprintf(stderr, "rcumap-fuzz: cannot DUMP the map to count the owned keys\n");
	} else if (found != present) {
		fprintf(stderr, "rcumap-fuzz: the map holds %u keys with the owned prefix, the shadows %u\n",
			found, present);
		wrong++;
	}
	walk_owned(fd, del_key, NULL);
	return wrong;
}
