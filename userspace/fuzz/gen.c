// SPDX-License-Identifier: GPL-2.0
/*
 * The primitive arguments: the pseudo-random streams, the shared key
 * space, value bytes, lengths at and around every limit, and ioctl
 * command numbers in and around rcumap's range.
 *
 * Every choice comes from the calling thread's own stream, and none
 * depends on what an earlier call returned: a thread's calls are a
 * function of the seed, its index and the map's limits alone, which is
 * what lets --replay rebuild one of them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fuzz.h"

/* Keys 0..FZ_BIG_KEYS-1 may hold values longer than 256 bytes. */
#define FZ_BIG_KEYS	8
/* Each key of the shared space sits in a slot this long. */
#define FZ_KEY_SLOT	RCUMAP_KEY_LEN_LIMIT

#define PICK(r, a)	((a)[prng_below((r), ARRAY_SIZE(a))])

/**
 * prng_seed() - start a stream
 * @r: the stream
 * @seed: the run's seed (--seed)
 * @thread: the thread's index
 * @stream: 0 for the calls, 1 for the owned-key operations
 *
 * The xoshiro256** state is the next four outputs of splitmix64 started at
 * @seed + @thread + @stream * 2^63, so that each thread of a run, and each
 * of its streams, draws numbers of its own, and a seed repeats them all.
 */
void prng_seed(struct prng *r, uint64_t seed, unsigned int thread,
	       unsigned int stream)
{
	uint64_t x = seed + thread + ((uint64_t)stream << 63);
	unsigned int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

/* Lengths of the shared keys, cycled through by key index. */
static uint32_t key_len_of(uint32_t i, uint32_t max)
{
	static const uint32_t lens[] = {
		0, 1, 2, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 100, 127,
		128, 129, 200, 255, 0,
	};
	uint32_t len = lens[i % ARRAY_SIZE(lens)];

	/* 0 stands for max_key_len: the first key and every 21st. */
	if (!len || len > max)
		len = max;
	return len;
}

/**
 * keys_init() - make the shared key space and the value patterns
 * @fz: the tool, with its options and the map's limits
 *
 * Key i is key_len_of(i) bytes of splitmix64 output from a fixed start,
 * the same in every run whatever the seed, so that runs reuse their keys
 * instead of filling the map. No key starts with a NUL byte: the keys the
 * threads own do (shadow.c), and so no call on a shared key can touch one.
 *
 * Return: 0 or -ENOMEM.
 */
int keys_init(struct fz *fz)
{
	uint32_t i, j, n = fz->cfg.keys, vmax = fz->info.max_value_len;
	uint64_t x;
	unsigned char *pool;

	fz->keys = calloc(n, sizeof(*fz->keys));
	pool = malloc((size_t)n * FZ_KEY_SLOT);
	if (!fz->keys || !pool)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct fz_key *k = &fz->keys[i];

		k->bytes = pool + (size_t)i * FZ_KEY_SLOT;
		k->len = key_len_of(i, fz->info.max_key_len);
		x = 0x7263756d61702dULL + i;
		for (j = 0; j < FZ_KEY_SLOT; j += 8) {
			uint64_t v = splitmix64(&x);

			memcpy(k->bytes + j, &v, sizeof(v));
		}
		if (!k->bytes[0])
			k->bytes[0] = 'k';
	}
	/* Four value patterns, so that CMPXCHG's expected value often matches. */
	for (i = 0; i < ARRAY_SIZE(fz->patterns); i++) {
		fz->patterns[i] = malloc(vmax + 8);
		if (!fz->patterns[i])
			return -ENOMEM;
		for (j = 0; j < vmax + 8; j++)
			fz->patterns[i][j] = j * 31 + i * 97;
	}
	return 0;
}

/* Whether @k is one of the shared keys that may hold long values. */
bool key_is_big(const struct fz *fz, const struct fz_key *k)
{
	uintptr_t p = (uintptr_t)k, first = (uintptr_t)fz->keys;

	return p >= first && p < first + FZ_BIG_KEYS * sizeof(*k);
}

/* A key of the shared space; @big: one that may hold a long value. */
const struct fz_key *pick_key(struct fz_thread *t, bool big)
{
	uint32_t n = t->fz->cfg.keys;

	if (big && n > FZ_BIG_KEYS)
		n = FZ_BIG_KEYS;
	return &t->fz->keys[prng_below(&t->rng, n)];
}

/*
 * A valid value length: 8 bytes often (a counter ADD can add to), around
 * the 128 bytes a kernel stack buffer holds, and for a big key up to
 * max_value_len itself.
 */
uint32_t pick_value_len(struct fz_thread *t, bool big)
{
	static const uint32_t small[] = {
		0, 1, 7, 8, 8, 8, 8, 9, 16, 63, 64, 127, 128, 129, 255, 256,
	};
	uint32_t max = t->fz->info.max_value_len;
	uint32_t big_lens[] = {
		1023, 1024, 4095, 4096, 4097, max / 2, max - 1, max, max,
	};
	uint32_t len;

	if (big && prng_pct(&t->rng, 50))
		len = PICK(&t->rng, big_lens);
	else
		len = PICK(&t->rng, small);
	return len > max ? max : len;
}

/* One of the value patterns, each max_value_len bytes long. */
const unsigned char *pick_value(struct fz_thread *t)
{
	return t->fz->patterns[prng_below(&t->rng, 4)];
}

/* The size of an output buffer: none, tiny, around the values, the limit. */
uint32_t pick_buf_len(struct fz_thread *t)
{
	uint32_t max = t->fz->info.max_value_len;
	uint32_t lens[] = {
		0, 1, 7, 8, 9, 64, 128, 129, 256, 256, 4096, max, max + 1,
	};

	return PICK(&t->rng, lens);
}

/* A key length over max_key_len. */
uint32_t pick_key_len_bad(struct fz_thread *t)
{
	uint32_t max = t->fz->info.max_key_len;
	uint32_t lens[] = { max + 1, max + 2, 4096, 0x80000000U, UINT32_MAX };

	return PICK(&t->rng, lens);
}

/* A value length over max_value_len. */
uint32_t pick_value_len_bad(struct fz_thread *t)
{
	uint32_t max = t->fz->info.max_value_len;
	uint32_t lens[] = { max + 1, max + 4096, 0x80000000U, UINT32_MAX };

	return PICK(&t->rng, lens);
}

uint64_t pick_delta(struct fz_thread *t)
{
	static const uint64_t deltas[] = {
		0, 1, 2, (uint64_t)-1, INT64_MAX, (uint64_t)INT64_MIN,
	};

	if (prng_pct(&t->rng, 50))
		return prng_below(&t->rng, 2001) - 1000;
	if (prng_pct(&t->rng, 50))
		return PICK(&t->rng, deltas);
	return prng_next(&t->rng);
}

/* A PUT's time to live: mostly none; a few that the reaper soon takes. */
uint32_t pick_ttl(struct fz_thread *t)
{
	static const uint32_t ttls[] = { 1, 5, 100, 1000, 60000, UINT32_MAX };

	return prng_pct(&t->rng, 85) ? 0 : PICK(&t->rng, ttls);
}

/* Any 32-bit value, boundaries first. */
uint32_t pick_any_u32(struct fz_thread *t)
{
	static const uint32_t vals[] = {
		0, 1, 2, 3, 4, 7, 8, 0x80, 0xff, 0x100, 0x7fffffff,
		0x80000000U, 0xfffffffeU, UINT32_MAX,
	};

	return prng_pct(&t->rng, 75) ? PICK(&t->rng, vals) :
	       (uint32_t)prng_next(&t->rng);
}

/* The directions of the rcumap commands, by number. */
static unsigned int cmd_dir(int cmd)
{
	switch (cmd) {
	case RCUMAP_CMD_PUT:
	case RCUMAP_CMD_DEL:
		return _IOC_WRITE;
	default:
		return _IOC_READ | _IOC_WRITE;
	}
}

/*
 * The number of an rcumap command: mostly as the header defines it, a
 * quarter with other size bits, which rcumap does not check.
 */
unsigned long cmd_nr(struct fz_thread *t, int cmd)
{
	uint32_t size = cmd_size(cmd);

	if (prng_pct(&t->rng, 25))
		size = prng_below(&t->rng, 1U << _IOC_SIZEBITS);
	return _IOC(cmd_dir(cmd), RCUMAP_IOC_MAGIC, cmd, size);
}

/*
 * Magics of other drivers, none of them one that the VFS answers itself
 * before the driver sees it (do_vfs_ioctl(): 'T' FIONBIO & co., 'X', 'f',
 * 0x94, 0x15 and FIGETBSZ's 0x00): the driver must say ENOTTY to them.
 */
static const unsigned int other_magics[] = {
	0x01, 0x42, 0x7f, 0xab, 0xbb, 0xbd, 0xbe, 0xfe, 0xff,
};

/**
 * pick_unknown_nr() - a command number rcumap does not have
 * @t: the thread
 * @flavour: out: 0 magic 0xBC, a number with no command; 1 a command's
 *           number with other direction bits; 2 another magic
 *
 * Return: the number, which must get ENOTTY.
 */
unsigned long pick_unknown_nr(struct fz_thread *t, uint32_t *flavour)
{
	static const unsigned int nrs[] = {
		0, 11, 12, 13, 14, 15, 16, 17, 20, 31, 32, 63, 64, 127, 128, 255,
	};
	unsigned int dir = prng_below(&t->rng, 4), nr, magic = RCUMAP_IOC_MAGIC;
	uint32_t size = prng_pct(&t->rng, 50) ? sizeof(union fz_args) :
			prng_below(&t->rng, 1U << _IOC_SIZEBITS);
	int cmd;

	*flavour = prng_below(&t->rng, 3);
	switch (*flavour) {
	case 0:
		nr = prng_pct(&t->rng, 80) ? PICK(&t->rng, nrs) :
		     11 + prng_below(&t->rng, 245);
		break;
	case 1:
		cmd = 1 + prng_below(&t->rng, RCUMAP_CMD_BATCH);
		nr = cmd;
		dir = (cmd_dir(cmd) + 1 + prng_below(&t->rng, 3)) & 3;
		break;
	default:
		magic = PICK(&t->rng, other_magics);
		nr = prng_below(&t->rng, 256);
		break;
	}
	return _IOC(dir, magic, nr, size);
}

/* sizeof() the struct of a command, as this tool was built. */
uint32_t cmd_size(int cmd)
{
	static const uint32_t sizes[] = {
		[RCUMAP_CMD_INFO] = sizeof(struct rcumap_info),
		[RCUMAP_CMD_PUT] = sizeof(struct rcumap_elem),
		[RCUMAP_CMD_GET] = sizeof(struct rcumap_elem),
		[RCUMAP_CMD_DEL] = sizeof(struct rcumap_elem),
		[RCUMAP_CMD_CLEAR] = sizeof(struct rcumap_clear),
		[RCUMAP_CMD_STATS] = sizeof(struct rcumap_stats),
		[RCUMAP_CMD_ADD] = sizeof(struct rcumap_add),
		[RCUMAP_CMD_CMPXCHG] = sizeof(struct rcumap_cmpxchg),
		[RCUMAP_CMD_DUMP] = sizeof(struct rcumap_dump),
		[RCUMAP_CMD_BATCH] = sizeof(struct rcumap_batch),
	};

	return cmd > 0 && cmd <= RCUMAP_CMD_BATCH ? sizes[cmd] : 0;
}

/*
 * The smallest size field a command takes: its struct as ABI version 1
 * had it, where <linux/rcumap.h> says which fields came later (INFO's
 * buckets, the elem's ttl_ms and reserved, STATS' strategy and expired);
 * the other structs are as they were.
 */
uint32_t cmd_min_size(int cmd)
{
	switch (cmd) {
	case RCUMAP_CMD_INFO:
		return offsetof(struct rcumap_info, buckets);
	case RCUMAP_CMD_PUT:
	case RCUMAP_CMD_GET:
	case RCUMAP_CMD_DEL:
		return offsetof(struct rcumap_elem, ttl_ms);
	case RCUMAP_CMD_STATS:
		return offsetof(struct rcumap_stats, strategy);
	default:
		return cmd_size(cmd);
	}
}
