// SPDX-License-Identifier: GPL-2.0
/*
 * Functional tests of the rcumap ioctls beyond PUT/GET/DEL: ADD, CMPXCHG,
 * DUMP and BATCH, against the contract in <linux/rcumap.h>.
 *
 * As in rcumap_ioctl_test.c: one behaviour per test, each on an empty map,
 * and fixtures that differ only in their module parameters
 * (so that a behaviour meaningful under one parameter set runs only under
 * that one). A failed call must leave the map unchanged, so error tests
 * seed the map with two known entries and check them afterwards.
 *
 * DUMP output is always walked by dump_walk(), which checks the record
 * format of every buffer the kernel fills: the 8-byte alignment, the
 * record count, and that padding bytes are zero (the buffer is poisoned
 * before each call, so padding the kernel skipped or filled with stale
 * kernel memory shows).
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "rcumap_test_util.h"

#define DEFAULT_MAX_KEY_LEN	256U

#define TINY_MAX_ENTRIES	4U
#define SMALL_MAX_KEY_LEN	8U
/* Below the 8 bytes of an ADD counter. */
#define SMALL_MAX_VALUE_LEN	4U

/* The tests below check the version they were written against. */
static_assert(RCUMAP_ABI_VERSION == 2, "rcumap ABI changed");

/* The value seed_map() gives its counter. */
#define SEED_COUNTER		42U

/* Poison for buffers the kernel fills: unwritten bytes stay this. */
#define POISON			0xa5

#define ALIGN8(x)		(((x) + 7) & ~(size_t)7)

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* Store @value as an 8-byte native-endian value, as ADD keeps counters. */
static void put_u64(struct __test_metadata *_metadata, int fd,
		    const char *key, uint64_t value)
{
	ASSERT_EQ(0, rcumap_put(fd, key, strlen(key), &value, sizeof(value),
				RCUMAP_ANY));
}

/*
 * Assert that @key maps to exactly @value. The buffer is exactly
 * @value_len bytes, so a longer value fails with ERANGE and a shorter one
 * reports another length.
 */
static void assert_value(struct __test_metadata *_metadata, int fd,
			 const char *key, const void *value, size_t value_len)
{
	char *buf = malloc(value_len + 1);
	size_t len = value_len;
	int ret;

	ASSERT_NE(NULL, buf);
	ret = rcumap_get(fd, key, strlen(key), buf, &len);
	ASSERT_EQ(0, ret)
		TH_LOG("GET %s: %s (value_len now %zu)", key, strerror(-ret),
		       len);
	ASSERT_EQ(value_len, len) TH_LOG("GET %s", key);
	EXPECT_EQ(0, memcmp(buf, value, value_len)) TH_LOG("GET %s", key);
	free(buf);
}

static void assert_str(struct __test_metadata *_metadata, int fd,
		       const char *key, const char *value)
{
	assert_value(_metadata, fd, key, value, strlen(value));
}

static void assert_u64(struct __test_metadata *_metadata, int fd,
		       const char *key, uint64_t value)
{
	assert_value(_metadata, fd, key, &value, sizeof(value));
}

static void assert_missing(struct __test_metadata *_metadata, int fd,
			   const char *key)
{
	char buf[64];
	size_t len = sizeof(buf);

	EXPECT_EQ(-ENOENT, rcumap_get(fd, key, strlen(key), buf, &len))
		TH_LOG("GET %s", key);
}

/* A string value and a counter: what a failed call must leave alone. */
static void seed_map(struct __test_metadata *_metadata, int fd)
{
	ASSERT_EQ(0, put_str(fd, "alpha", "one", RCUMAP_NOEXIST));
	put_u64(_metadata, fd, "ctr", SEED_COUNTER);
}

static void assert_seed_intact(struct __test_metadata *_metadata, int fd)
{
	EXPECT_EQ(2U, info_entries(_metadata, fd));
	assert_str(_metadata, fd, "alpha", "one");
	assert_u64(_metadata, fd, "ctr", SEED_COUNTER);
}

/* CMPXCHG with C strings for key, expected and new value. */
static int cmpxchg_str(int fd, const char *key, const char *expected,
		       const char *value, void *found, size_t *found_len)
{
	return rcumap_cmpxchg(fd, key, strlen(key), expected, strlen(expected),
			      value, strlen(value), found, found_len);
}

/* xorshift64: reproducible data for a logged seed. */
static uint64_t next_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

static uint64_t time_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	/* Never 0: xorshift would stay there. */
	return ((uint64_t)ts.tv_sec << 32 ^ ts.tv_nsec ^ getpid()) | 1;
}

/* --- DUMP --- */

typedef void (*dump_fn)(void *arg, const void *key, size_t key_len,
			const void *value, size_t value_len);

/**
 * struct dump_result - what a dump_walk() saw
 * @calls: successful DUMP calls
 * @records: records, over all calls
 * @bytes: buf_len, summed over all calls
 * @grown: calls that needed a larger buffer than asked for (ERANGE)
 * @error: why the walk failed; empty if it did not
 */
struct dump_result {
	unsigned int calls;
	unsigned long records;
	unsigned long bytes;
	unsigned int grown;
	char error[256];
};

static int dump_fail(struct dump_result *res, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->error, sizeof(res->error), fmt, ap);
	va_end(ap);
	return ret;
}

/*
 * Check the records of one DUMP buffer of @len bytes holding @count
 * records and pass each to @fn. Returns 0 or -EBADMSG with res->error set.
 */
static int dump_check_buf(const unsigned char *buf, size_t len,
			  unsigned int count, dump_fn fn, void *arg,
			  struct dump_result *res)
{
	const void *key, *value;
	size_t key_len, value_len, off = 0, start, end, i;
	unsigned int n = 0;
	int ret;

	if (len % 8)
		return dump_fail(res, -EBADMSG, "buf_len %zu is not a multiple of 8",
				 len);
	for (;;) {
		start = off;
		ret = rcumap_dump_next(buf, len, &off, &key, &key_len, &value,
				       &value_len);
		if (ret <= 0)
			break;
		/* Each record, the last one too, is padded to 8 bytes. */
		if (off - start != ALIGN8(sizeof(struct rcumap_dump_rec) +
					  key_len + value_len))
			return dump_fail(res, -EBADMSG,
					 "record at %zu (key %zu, value %zu bytes) takes %zu bytes",
					 start, key_len, value_len, off - start);
		end = (const unsigned char *)value + value_len - buf;
		for (i = end; i < off; i++)
			if (buf[i])
				return dump_fail(res, -EBADMSG,
						 "padding byte %zu of the record at %zu is %#x",
						 i - end, start, buf[i]);
		fn(arg, key, key_len, value, value_len);
		n++;
	}
	if (ret < 0)
		return dump_fail(res, -EBADMSG, "malformed record at %zu of %zu",
				 start, len);
	if (n != count)
		return dump_fail(res, -EBADMSG, "%u records in a buffer said to hold %u",
				 n, count);
	return 0;
}

/*
 * dump_walk() - one complete DUMP, from cursor 0 to RCUMAP_DUMP_END, with a
 * buffer of @buf_size bytes; @fn sees every record.
 *
 * A bucket larger than @buf_size makes the call fail with ERANGE; the walk
 * then repeats that call with the size the kernel asked for, as a caller
 * should. Returns 0, the -errno of a failed call, or -EBADMSG for a
 * malformed buffer; res->error says which.
 */
static int dump_walk(int fd, size_t buf_size, dump_fn fn, void *arg,
		     struct dump_result *res)
{
	unsigned char *buf = malloc(buf_size), *big = NULL, *cur;
	uint64_t cursor = 0, before;
	size_t size = buf_size, len;
	unsigned int count, retries = 0;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	if (!buf)
		return dump_fail(res, -ENOMEM, "no memory for the buffer");
	cur = buf;
	while (cursor != RCUMAP_DUMP_END) {
		memset(cur, POISON, size);
		len = size;
		before = cursor;
		ret = rcumap_dump(fd, &cursor, cur, &len, &count);
		if (ret == -ERANGE && len > size && retries++ < 8) {
			/* The bucket may keep growing: allow a few tries. */
			free(big);
			big = malloc(len);
			if (!big) {
				ret = dump_fail(res, -ENOMEM, "no memory");
				break;
			}
			cur = big;
			size = len;
			res->grown++;
			continue;
		}
		if (ret) {
			dump_fail(res, ret,
				  "DUMP at cursor %" PRIu64 " with %zu bytes: %s (buf_len %zu)",
				  before, size, strerror(-ret), len);
			break;
		}
		if (len > size) {
			ret = dump_fail(res, -EBADMSG, "buf_len %zu > the %zu bytes given",
					len, size);
			break;
		}
		/* The cursor is a bucket index: it only moves forward. */
		if (cursor <= before) {
			ret = dump_fail(res, -EBADMSG, "cursor went from %" PRIu64 " to %" PRIu64,
					before, cursor);
			break;
		}
		ret = dump_check_buf(cur, len, count, fn, arg, res);
		if (ret)
			break;
		res->calls++;
		res->records += count;
		res->bytes += len;
		cur = buf;
		size = buf_size;
		retries = 0;
	}
	free(big);
	free(buf);
	return ret;
}

/* Records counted, for tests that only need the count. */
static void count_rec(void *arg, const void *key, size_t key_len,
		      const void *value, size_t value_len)
{
	(void)key;
	(void)key_len;
	(void)value;
	(void)value_len;
	++*(unsigned long *)arg;
}

/* --- BATCH --- */

static struct rcumap_batch_op op_get(const char *key, void *buf, size_t size)
{
	return (struct rcumap_batch_op) {
		.cmd = RCUMAP_CMD_GET,
		.key_len = strlen(key),
		.value_len = size,
		.key = (uintptr_t)key,
		.value = (uintptr_t)buf,
	};
}

static struct rcumap_batch_op op_put(const char *key, const char *value,
				     unsigned int flags)
{
	return (struct rcumap_batch_op) {
		.cmd = RCUMAP_CMD_PUT,
		.flags = flags,
		.key_len = strlen(key),
		.value_len = strlen(value),
		.key = (uintptr_t)key,
		.value = (uintptr_t)value,
	};
}

static struct rcumap_batch_op op_del(const char *key)
{
	return (struct rcumap_batch_op) {
		.cmd = RCUMAP_CMD_DEL,
		.key_len = strlen(key),
		.key = (uintptr_t)key,
	};
}

static struct rcumap_batch_op op_add(const char *key, int64_t delta)
{
	return (struct rcumap_batch_op) {
		.cmd = RCUMAP_CMD_ADD,
		.key_len = strlen(key),
		.key = (uintptr_t)key,
		.delta = (uint64_t)delta,
	};
}

/* Ops the kernel must not touch keep this in their error field. */
#define ERROR_UNTOUCHED		0xdeadU

/* ------------------------------------------------------------------ */
/* map: the module's default parameters                                 */
/* ------------------------------------------------------------------ */

RCUMAP_MAP_FIXTURE(map, "")

/* --- ADD --- */

TEST_F(map, add_creates_missing_key_at_delta)
{
	uint64_t value = 0;

	ASSERT_EQ(0, rcumap_add(self->fd, "hits", 4, 5, RCUMAP_ANY, &value));
	EXPECT_EQ(5U, value);
	assert_u64(_metadata, self->fd, "hits", 5);
	EXPECT_EQ(1U, info_entries(_metadata, self->fd));
}

/* Any 8-byte value is a counter, however it was stored. */
TEST_F(map, add_to_present_8_byte_value_returns_sum)
{
	uint64_t value = 0;

	put_u64(_metadata, self->fd, "hits", 100);
	ASSERT_EQ(0, rcumap_add(self->fd, "hits", 4, 23, RCUMAP_ANY, &value));
	EXPECT_EQ(123U, value);
	ASSERT_EQ(0, rcumap_add(self->fd, "hits", 4, 1000, RCUMAP_ANY,
				&value));
	EXPECT_EQ(1123U, value);
	assert_u64(_metadata, self->fd, "hits", 1123);
	EXPECT_EQ(1U, info_entries(_metadata, self->fd));
}

TEST_F(map, add_negative_delta_subtracts)
{
	uint64_t value = 0;

	put_u64(_metadata, self->fd, "hits", 10);
	ASSERT_EQ(0, rcumap_add(self->fd, "hits", 4, -3, RCUMAP_ANY, &value));
	EXPECT_EQ(7U, value);
	/* Below zero is two's complement, not an error or a clamp. */
	ASSERT_EQ(0, rcumap_add(self->fd, "hits", 4, -8, RCUMAP_ANY, &value));
	EXPECT_EQ((uint64_t)-1, value);
	assert_u64(_metadata, self->fd, "hits", (uint64_t)-1);
}

TEST_F(map, add_wraps_around_at_2_pow_64)
{
	uint64_t value = 0;

	put_u64(_metadata, self->fd, "hits", UINT64_MAX - 1);
	ASSERT_EQ(0, rcumap_add(self->fd, "hits", 4, 3, RCUMAP_ANY, &value));
	EXPECT_EQ(1U, value);
	ASSERT_EQ(0, rcumap_add(self->fd, "hits", 4, INT64_MIN, RCUMAP_ANY,
				&value));
	EXPECT_EQ(1U + (1ULL << 63), value);
	ASSERT_EQ(0, rcumap_add(self->fd, "hits", 4, INT64_MIN, RCUMAP_ANY,
				&value));
	EXPECT_EQ(1U, value);
	assert_u64(_metadata, self->fd, "hits", 1);
}

TEST_F(map, add_value_is_native_endian_u64)
{
	const uint64_t n = 0x0102030405060708ULL;
	unsigned char buf[16];
	size_t len = sizeof(buf);

	ASSERT_EQ(0, rcumap_add(self->fd, "hits", 4, n, RCUMAP_ANY, NULL));
	ASSERT_EQ(0, rcumap_get(self->fd, "hits", 4, buf, &len));
	ASSERT_EQ(8U, len);
	EXPECT_EQ(0, memcmp(buf, &n, sizeof(n)));
}

TEST_F(map, add_noexist_creates_missing_key)
{
	uint64_t value = 0;

	ASSERT_EQ(0, rcumap_add(self->fd, "hits", 4, 9, RCUMAP_NOEXIST,
				&value));
	EXPECT_EQ(9U, value);
	assert_u64(_metadata, self->fd, "hits", 9);
}

TEST_F(map, add_noexist_on_present_key_fails_eexist)
{
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EEXIST, rcumap_add(self->fd, "ctr", 3, 1, RCUMAP_NOEXIST,
				      NULL));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, add_exist_adds_to_present_key)
{
	uint64_t value = 0;

	seed_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_add(self->fd, "ctr", 3, 8, RCUMAP_EXIST, &value));
	EXPECT_EQ(SEED_COUNTER + 8, value);
	assert_u64(_metadata, self->fd, "ctr", SEED_COUNTER + 8);
}

TEST_F(map, add_exist_on_missing_key_fails_enoent)
{
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-ENOENT, rcumap_add(self->fd, "hits", 4, 1, RCUMAP_EXIST,
				      NULL));
	assert_missing(_metadata, self->fd, "hits");
	assert_seed_intact(_metadata, self->fd);
}

/* Empty, shorter, one short, one over and longer than a counter. */
TEST_F(map, add_to_value_not_8_bytes_fails_emsgsize)
{
	static const char value[] = "0123456789abcdef";
	static const size_t lens[] = { 0, 3, 7, 9, 16 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		ASSERT_EQ(0, rcumap_put(self->fd, "blob", 4, value, lens[i],
					RCUMAP_ANY));
		EXPECT_EQ(-EMSGSIZE, rcumap_add(self->fd, "blob", 4, 1,
						RCUMAP_ANY, NULL))
			TH_LOG("ADD to a %zu-byte value", lens[i]);
		EXPECT_EQ(-EMSGSIZE, rcumap_add(self->fd, "blob", 4, 1,
						RCUMAP_EXIST, NULL))
			TH_LOG("ADD EXIST to a %zu-byte value", lens[i]);
		assert_value(_metadata, self->fd, "blob", value, lens[i]);
	}
}

TEST_F(map, add_with_reserved_fails_einval)
{
	struct rcumap_add add = {
		.size = sizeof(add),
		.key_len = 3,
		.key = (uintptr_t)"ctr",
		.delta = 1,
		.reserved = 1,
	};

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_ADD, &add));
	add.reserved = 1U << 31;
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_ADD, &add));
	/* Nor may it create a key. */
	add.key_len = 4;
	add.key = (uintptr_t)"hits";
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_ADD, &add));
	assert_missing(_metadata, self->fd, "hits");
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, add_key_len_zero_fails_einval)
{
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EINVAL, rcumap_add(self->fd, "ctr", 0, 1, RCUMAP_ANY,
				      NULL));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, add_key_over_max_key_len_fails_e2big)
{
	char key[DEFAULT_MAX_KEY_LEN + 1];

	memset(key, 'k', sizeof(key));
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-E2BIG, rcumap_add(self->fd, key, sizeof(key), 1,
				     RCUMAP_ANY, NULL));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, add_bad_key_pointer_fails_efault)
{
	void *page = inaccessible_page(_metadata);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EFAULT, rcumap_add(self->fd, BAD_PTR, 3, 1, RCUMAP_ANY,
				      NULL));
	EXPECT_EQ(-EFAULT, rcumap_add(self->fd, page, 3, 1, RCUMAP_ANY, NULL));
	assert_seed_intact(_metadata, self->fd);
}

/* Failed ADDs count too, and only under ADD: it is not a PUT or GET. */
TEST_F(map, stats_count_add_under_its_own_command)
{
	__u64 ops[RCUMAP_STATS_SLOTS] = {
		[RCUMAP_CMD_ADD] = 4, [RCUMAP_CMD_STATS] = 1,
	};
	__u64 fails[RCUMAP_STATS_SLOTS] = { [RCUMAP_CMD_ADD] = 2 };
	struct rcumap_stats s0, s1;

	seed_map(_metadata, self->fd);
	take_stats(_metadata, self->fd, &s0);
	ASSERT_EQ(0, rcumap_add(self->fd, "ctr", 3, 1, RCUMAP_ANY, NULL));
	ASSERT_EQ(0, rcumap_add(self->fd, "new", 3, 1, RCUMAP_ANY, NULL));
	ASSERT_EQ(-EEXIST, rcumap_add(self->fd, "ctr", 3, 1, RCUMAP_NOEXIST,
				      NULL));
	ASSERT_EQ(-EMSGSIZE, rcumap_add(self->fd, "alpha", 5, 1, RCUMAP_ANY,
					NULL));
	take_stats(_metadata, self->fd, &s1);
	assert_stats_deltas(_metadata, &s0, &s1, ops, fails);
	EXPECT_EQ(s0.hits, s1.hits);
	EXPECT_EQ(s0.misses, s1.misses);
}

/* --- CMPXCHG --- */

TEST_F(map, cmpxchg_replaces_expected_value)
{
	char found[16];
	size_t found_len = sizeof(found);

	seed_map(_metadata, self->fd);
	ASSERT_EQ(0, cmpxchg_str(self->fd, "alpha", "one", "uno", found,
				 &found_len));
	assert_str(_metadata, self->fd, "alpha", "uno");
	EXPECT_EQ(2U, info_entries(_metadata, self->fd));
}

TEST_F(map, cmpxchg_can_change_value_length)
{
	static char big[1000];
	char found[16];
	size_t found_len = sizeof(found);

	memset(big, 'x', sizeof(big));
	seed_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_cmpxchg(self->fd, "alpha", 5, "one", 3, big,
				    sizeof(big), found, &found_len));
	assert_value(_metadata, self->fd, "alpha", big, sizeof(big));
	ASSERT_EQ(0, rcumap_cmpxchg(self->fd, "alpha", 5, big, sizeof(big),
				    "", 0, found, &found_len));
	assert_value(_metadata, self->fd, "alpha", "", 0);
}

TEST_F(map, cmpxchg_mismatch_fails_ecanceled_with_current_value)
{
	char found[16];
	size_t found_len = sizeof(found);

	memset(found, '#', sizeof(found));
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-ECANCELED, cmpxchg_str(self->fd, "alpha", "two", "uno",
					  found, &found_len));
	ASSERT_EQ(3U, found_len);
	EXPECT_EQ(0, memcmp(found, "one", 3));
	assert_seed_intact(_metadata, self->fd);
}

/* The copy-out must not stop at the kernel's small stack buffer. */
TEST_F(map, cmpxchg_mismatch_returns_large_current_value)
{
	const size_t n = 5000;
	char *value = malloc(n), *found = malloc(2 * n);
	size_t found_len = 2 * n, i;

	ASSERT_NE(NULL, value);
	ASSERT_NE(NULL, found);
	for (i = 0; i < n; i++)
		value[i] = i * 31 + i / 251;
	ASSERT_EQ(0, rcumap_put(self->fd, "big", 3, value, n, RCUMAP_ANY));
	EXPECT_EQ(-ECANCELED, rcumap_cmpxchg(self->fd, "big", 3, "x", 1, "y", 1,
					     found, &found_len));
	ASSERT_EQ(n, found_len);
	EXPECT_EQ(0, memcmp(found, value, n));
	assert_value(_metadata, self->fd, "big", value, n);
	free(found);
	free(value);
}

/* As GET's ERANGE: only the length comes back, the buffer is not written. */
TEST_F(map, cmpxchg_mismatch_with_small_found_buffer_fails_erange)
{
	char found[8];
	size_t found_len = 2;
	unsigned int i;

	memset(found, '#', sizeof(found));
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-ERANGE, cmpxchg_str(self->fd, "alpha", "two", "uno",
				       found, &found_len));
	EXPECT_EQ(3U, found_len);
	for (i = 0; i < sizeof(found); i++)
		EXPECT_EQ('#', found[i]) TH_LOG("found[%u]", i);

	/* A buffer with no room at all is a length probe. */
	found_len = 0;
	EXPECT_EQ(-ERANGE, cmpxchg_str(self->fd, "alpha", "two", "uno", NULL,
				       &found_len));
	EXPECT_EQ(3U, found_len);
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, cmpxchg_missing_key_fails_enoent)
{
	char found[16];
	size_t found_len = sizeof(found);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-ENOENT, cmpxchg_str(self->fd, "gamma", "", "three", found,
				       &found_len));
	assert_missing(_metadata, self->fd, "gamma");
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, cmpxchg_with_flags_fails_einval)
{
	static const __u32 bad[] = { 1, 2, 1U << 31 };
	char found[16];
	struct rcumap_cmpxchg cx = {
		.size = sizeof(cx),
		.key_len = 5,
		.expected_len = 3,
		.value_len = 3,
		.found_len = sizeof(found),
		.key = (uintptr_t)"alpha",
		.expected = (uintptr_t)"one",
		.value = (uintptr_t)"uno",
		.found = (uintptr_t)found,
	};
	unsigned int i;

	seed_map(_metadata, self->fd);
	/* Unflagged, this call would replace alpha. */
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		cx.flags = bad[i];
		EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_CMPXCHG,
						&cx))
			TH_LOG("flags %#x", bad[i]);
	}
	assert_seed_intact(_metadata, self->fd);
}

/* A prefix or an extension of the value is not the value. */
TEST_F(map, cmpxchg_expected_of_other_length_fails_ecanceled)
{
	static const char *const expected[] = { "on", "one!", "one\0" };
	static const size_t lens[] = { 2, 4, 4 };
	char found[16];
	size_t found_len;
	unsigned int i;

	seed_map(_metadata, self->fd);
	for (i = 0; i < ARRAY_SIZE(expected); i++) {
		found_len = sizeof(found);
		EXPECT_EQ(-ECANCELED,
			  rcumap_cmpxchg(self->fd, "alpha", 5, expected[i],
					 lens[i], "uno", 3, found, &found_len))
			TH_LOG("expected %zu bytes", lens[i]);
		EXPECT_EQ(3U, found_len);
	}
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, cmpxchg_empty_expected_matches_empty_value)
{
	char found[16];
	size_t found_len = sizeof(found);

	ASSERT_EQ(0, rcumap_put(self->fd, "flag", 4, "", 0, RCUMAP_ANY));
	ASSERT_EQ(0, cmpxchg_str(self->fd, "flag", "", "set", found,
				 &found_len));
	assert_str(_metadata, self->fd, "flag", "set");
}

TEST_F(map, cmpxchg_empty_expected_on_nonempty_value_fails_ecanceled)
{
	char found[16];
	size_t found_len = sizeof(found);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-ECANCELED, cmpxchg_str(self->fd, "alpha", "", "uno", found,
					  &found_len));
	EXPECT_EQ(3U, found_len);
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, cmpxchg_key_len_zero_fails_einval)
{
	char found[16];
	size_t found_len = sizeof(found);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EINVAL, rcumap_cmpxchg(self->fd, "alpha", 0, "one", 3,
					  "uno", 3, found, &found_len));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, cmpxchg_bad_key_pointer_fails_efault)
{
	char found[16];
	size_t found_len = sizeof(found);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EFAULT, rcumap_cmpxchg(self->fd, BAD_PTR, 5, "one", 3,
					  "uno", 3, found, &found_len));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, cmpxchg_bad_expected_pointer_fails_efault)
{
	void *page = inaccessible_page(_metadata);
	char found[16];
	size_t found_len = sizeof(found);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EFAULT, rcumap_cmpxchg(self->fd, "alpha", 5, BAD_PTR, 3,
					  "uno", 3, found, &found_len));
	found_len = sizeof(found);
	EXPECT_EQ(-EFAULT, rcumap_cmpxchg(self->fd, "alpha", 5, page, 3,
					  "uno", 3, found, &found_len));
	assert_seed_intact(_metadata, self->fd);
}

/* The expected value matches: only the fault may stop the replacement. */
TEST_F(map, cmpxchg_bad_value_pointer_fails_efault)
{
	void *page = inaccessible_page(_metadata);
	char found[16];
	size_t found_len = sizeof(found);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EFAULT, rcumap_cmpxchg(self->fd, "alpha", 5, "one", 3,
					  BAD_PTR, 3, found, &found_len));
	found_len = sizeof(found);
	EXPECT_EQ(-EFAULT, rcumap_cmpxchg(self->fd, "alpha", 5, "one", 3,
					  page, 3, found, &found_len));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, cmpxchg_bad_found_pointer_on_mismatch_fails_efault)
{
	void *page = inaccessible_page(_metadata);
	size_t found_len = 64;

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EFAULT, cmpxchg_str(self->fd, "alpha", "two", "uno",
				       BAD_PTR, &found_len));
	found_len = 64;
	EXPECT_EQ(-EFAULT, cmpxchg_str(self->fd, "alpha", "two", "uno", page,
				       &found_len));
	assert_seed_intact(_metadata, self->fd);
}

/* @found is written only on a mismatch: a match must not touch it. */
TEST_F(map, cmpxchg_bad_found_pointer_on_match_succeeds)
{
	size_t found_len = 64;

	seed_map(_metadata, self->fd);
	ASSERT_EQ(0, cmpxchg_str(self->fd, "alpha", "one", "uno", BAD_PTR,
				 &found_len));
	assert_str(_metadata, self->fd, "alpha", "uno");
}

/* --- DUMP --- */

TEST_F(map, dump_empty_map_ends_with_no_records)
{
	char buf[64];
	size_t len = sizeof(buf);
	uint64_t cursor = 0;
	unsigned int count = ~0U;

	/* An empty map fits any buffer: one call walks every bucket. */
	ASSERT_EQ(0, rcumap_dump(self->fd, &cursor, buf, &len, &count));
	EXPECT_EQ(RCUMAP_DUMP_END, cursor);
	EXPECT_EQ(0U, count);
	EXPECT_EQ(0U, len);
}

struct dump_set {
	unsigned int n;
	unsigned char (*key)[32];
	size_t *key_len;
	unsigned char (*value)[64];
	size_t *value_len;
	unsigned int *seen;
	unsigned long unknown, wrong_value;
};

/* Keys start with their 4-byte index: that is the set lookup. */
static void dump_set_rec(void *arg, const void *key, size_t key_len,
			 const void *value, size_t value_len)
{
	struct dump_set *set = arg;
	uint32_t i;

	if (key_len < sizeof(i)) {
		set->unknown++;
		return;
	}
	memcpy(&i, key, sizeof(i));
	if (i >= set->n || key_len != set->key_len[i] ||
	    memcmp(key, set->key[i], key_len)) {
		set->unknown++;
		return;
	}
	set->seen[i]++;
	if (value_len != set->value_len[i] ||
	    memcmp(value, set->value[i], value_len))
		set->wrong_value++;
}

/*
 * Binary keys (with NUL bytes: the index is little more than zeros) of
 * random length, random values with every tenth one empty, and a buffer
 * that holds only a few records: the walk takes many calls.
 */
TEST_F(map, dump_in_small_chunks_returns_every_entry_once)
{
	const unsigned int n = 1000;
	const size_t buf_size = 512;
	struct dump_set set = { .n = n };
	struct dump_result res;
	uint64_t seed = time_seed(), state = seed;
	unsigned int i, missing = 0, twice = 0;
	size_t j;
	int ret;

	TH_LOG("seed %" PRIu64, seed);
	set.key = calloc(n, sizeof(*set.key));
	set.key_len = calloc(n, sizeof(*set.key_len));
	set.value = calloc(n, sizeof(*set.value));
	set.value_len = calloc(n, sizeof(*set.value_len));
	set.seen = calloc(n, sizeof(*set.seen));
	ASSERT_TRUE(set.key && set.key_len && set.value && set.value_len &&
		    set.seen);

	for (i = 0; i < n; i++) {
		uint32_t idx = i;

		memcpy(set.key[i], &idx, sizeof(idx));
		set.key_len[i] = sizeof(idx) +
				 next_rand(&state) % (sizeof(set.key[i]) - 3);
		for (j = sizeof(idx); j < set.key_len[i]; j++)
			set.key[i][j] = next_rand(&state);
		set.value_len[i] = i % 10 ? next_rand(&state) %
					    (sizeof(set.value[i]) + 1) : 0;
		for (j = 0; j < set.value_len[i]; j++)
			set.value[i][j] = next_rand(&state);
		ASSERT_EQ(0, rcumap_put(self->fd, set.key[i], set.key_len[i],
					set.value[i], set.value_len[i],
					RCUMAP_NOEXIST))
			TH_LOG("PUT of key %u", i);
	}

	ret = dump_walk(self->fd, buf_size, dump_set_rec, &set, &res);
	ASSERT_EQ(0, ret) TH_LOG("%s", res.error);
	TH_LOG("%u calls, %lu records, %u grown", res.calls, res.records,
	       res.grown);
	EXPECT_LT(10U, res.calls);
	EXPECT_EQ(n, res.records);
	EXPECT_EQ(0U, set.unknown);
	EXPECT_EQ(0U, set.wrong_value);
	for (i = 0; i < n; i++) {
		missing += !set.seen[i];
		twice += set.seen[i] > 1;
	}
	EXPECT_EQ(0U, missing);
	EXPECT_EQ(0U, twice);

	free(set.seen);
	free(set.value_len);
	free(set.value);
	free(set.key_len);
	free(set.key);
}

struct layout_entry {
	const char *key;
	size_t value_len;
	unsigned int seen;
};

static void layout_rec(void *arg, const void *key, size_t key_len,
		       const void *value, size_t value_len)
{
	struct layout_entry *e;
	size_t i;

	for (e = arg; e->key; e++) {
		if (key_len != strlen(e->key) || memcmp(key, e->key, key_len))
			continue;
		/* A wrong length or byte makes the entry look seen twice. */
		e->seen += value_len == e->value_len ? 1 : 2;
		for (i = 0; i < value_len; i++)
			if (((const unsigned char *)value)[i] != 0xff) {
				e->seen += 2;
				break;
			}
		return;
	}
}

/*
 * Key plus value lengths of 1 to 8 and 13 bytes: every amount of padding
 * from 7 bytes down to none. Values are 0xff, so padding bytes cannot pass
 * for value bytes; dump_walk() checks the padding is zero.
 */
TEST_F(map, dump_records_are_8_byte_aligned_with_zero_padding)
{
#define LAYOUT(k, n)	{ .key = (k), .value_len = (n) }
	struct layout_entry entries[] = {
		LAYOUT("a", 0), LAYOUT("b", 1), LAYOUT("cc", 1),
		LAYOUT("dd", 2), LAYOUT("eee", 2), LAYOUT("f", 6),
		LAYOUT("ggggggg", 0), LAYOUT("h", 7), LAYOUT("iiiii", 8),
		LAYOUT(NULL, 0),
	};
#undef LAYOUT
	unsigned char ff[16];
	unsigned long bytes = 0;
	struct dump_result res;
	struct layout_entry *e;
	int ret;

	memset(ff, 0xff, sizeof(ff));
	for (e = entries; e->key; e++) {
		ASSERT_EQ(0, rcumap_put(self->fd, e->key, strlen(e->key), ff,
					e->value_len, RCUMAP_NOEXIST));
		bytes += ALIGN8(sizeof(struct rcumap_dump_rec) +
				strlen(e->key) + e->value_len);
	}
	ret = dump_walk(self->fd, 4096, layout_rec, entries, &res);
	ASSERT_EQ(0, ret) TH_LOG("%s", res.error);
	EXPECT_EQ(ARRAY_SIZE(entries) - 1, res.records);
	/* Exactly the records, padded: nothing else between or after them. */
	EXPECT_EQ(bytes, res.bytes);
	for (e = entries; e->key; e++)
		EXPECT_EQ(1U, e->seen) TH_LOG("key %s", e->key);
}

TEST_F(map, dump_buffer_too_small_for_bucket_fails_erange)
{
	const size_t need = ALIGN8(sizeof(struct rcumap_dump_rec) + 5 + 100);
	unsigned char value[100], buf[256];
	unsigned long records = 0;
	struct dump_result res;
	uint64_t cursor = 0;
	unsigned int count = 0;
	size_t len;
	int ret;

	memset(value, 'v', sizeof(value));
	ASSERT_EQ(0, rcumap_put(self->fd, "alpha", 5, value, sizeof(value),
				RCUMAP_NOEXIST));

	len = 64;
	EXPECT_EQ(-ERANGE, rcumap_dump(self->fd, &cursor, buf, &len, &count));
	EXPECT_EQ(need, len);
	len = need - 1;
	EXPECT_EQ(-ERANGE, rcumap_dump(self->fd, &cursor, buf, &len, &count));
	EXPECT_EQ(need, len);
	/* A length probe needs no buffer. */
	len = 0;
	EXPECT_EQ(-ERANGE, rcumap_dump(self->fd, &cursor, NULL, &len, &count));
	ASSERT_EQ(need, len);

	/* The size asked for is enough, from the same cursor. */
	memset(buf, POISON, sizeof(buf));
	ASSERT_EQ(0, rcumap_dump(self->fd, &cursor, buf, &len, &count));
	EXPECT_EQ(1U, count);
	EXPECT_EQ(need, len);
	ret = dump_check_buf(buf, len, count, count_rec, &records, &res);
	EXPECT_EQ(0, ret) TH_LOG("%s", res.error);
	ASSERT_EQ(need, len);
	EXPECT_EQ(0, memcmp(buf + sizeof(struct rcumap_dump_rec) + 5, value,
			    sizeof(value)));

	/* And the entry was the only one. */
	while (cursor != RCUMAP_DUMP_END) {
		len = sizeof(buf);
		ASSERT_EQ(0, rcumap_dump(self->fd, &cursor, buf, &len,
					 &count));
		EXPECT_EQ(0U, count);
	}
}

TEST_F(map, dump_with_flags_fails_einval)
{
	char buf[256];
	struct rcumap_dump dump = {
		.size = sizeof(dump),
		.buf = (uintptr_t)buf,
		.buf_len = sizeof(buf),
	};

	seed_map(_metadata, self->fd);
	dump.flags = 1;
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_DUMP, &dump));
	dump.flags = 1U << 31;
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_DUMP, &dump));
	assert_seed_intact(_metadata, self->fd);
}

/* Nothing is written for an empty map, so the seed is needed here. */
TEST_F(map, dump_bad_buffer_pointer_fails_efault)
{
	void *page = inaccessible_page(_metadata);
	char *ro = mmap(NULL, getpagesize(), PROT_READ,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t cursor = 0;
	size_t len = 4096;

	ASSERT_NE(MAP_FAILED, ro);
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EFAULT, rcumap_dump(self->fd, &cursor, BAD_PTR, &len,
				       NULL));
	len = 4096;
	EXPECT_EQ(-EFAULT, rcumap_dump(self->fd, &cursor, page, &len, NULL));
	/* Readable is not enough: DUMP writes to the buffer. */
	len = getpagesize();
	EXPECT_EQ(-EFAULT, rcumap_dump(self->fd, &cursor, ro, &len, NULL));
	assert_seed_intact(_metadata, self->fd);
}

/* --- BATCH --- */

TEST_F(map, batch_runs_get_put_del_add_with_own_results)
{
	char buf[16];
	struct rcumap_batch_op ops[] = {
		op_get("alpha", buf, sizeof(buf)),
		op_put("gamma", "three", RCUMAP_NOEXIST),
		op_del("alpha"),
		op_add("ctr", 8),
	};
	unsigned int done = ~0U, failed = ~0U, i;

	seed_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_batch(self->fd, ops, ARRAY_SIZE(ops), &done,
				  &failed));
	EXPECT_EQ(ARRAY_SIZE(ops), done);
	EXPECT_EQ(0U, failed);
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		EXPECT_EQ(0U, ops[i].error) TH_LOG("op %u", i);
	EXPECT_EQ(3U, ops[0].value_len);
	EXPECT_EQ(0, memcmp(buf, "one", 3));
	EXPECT_EQ(SEED_COUNTER + 8, ops[3].delta);

	assert_str(_metadata, self->fd, "gamma", "three");
	assert_missing(_metadata, self->fd, "alpha");
	assert_u64(_metadata, self->fd, "ctr", SEED_COUNTER + 8);
}

TEST_F(map, batch_failing_op_does_not_stop_later_ops)
{
	char buf[16];
	struct rcumap_batch_op ops[] = {
		op_get("missing", buf, sizeof(buf)),
		op_put("alpha", "uno", RCUMAP_NOEXIST),
		op_add("alpha", 1),
		op_del("missing"),
		op_put("gamma", "three", RCUMAP_ANY),
		op_add("ctr", 1),
	};
	static const __u32 want[] = { ENOENT, EEXIST, EMSGSIZE, ENOENT, 0, 0 };
	unsigned int done = 0, failed = 0, i;

	static_assert(ARRAY_SIZE(want) == ARRAY_SIZE(ops), "one per op");
	seed_map(_metadata, self->fd);
	/* Failures of operations are not failures of the batch. */
	ASSERT_EQ(0, rcumap_batch(self->fd, ops, ARRAY_SIZE(ops), &done,
				  &failed));
	EXPECT_EQ(ARRAY_SIZE(ops), done);
	EXPECT_EQ(4U, failed);
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		EXPECT_EQ(want[i], ops[i].error) TH_LOG("op %u", i);
	EXPECT_EQ(SEED_COUNTER + 1, ops[5].delta);

	assert_str(_metadata, self->fd, "alpha", "one");
	assert_str(_metadata, self->fd, "gamma", "three");
	assert_u64(_metadata, self->fd, "ctr", SEED_COUNTER + 1);
}

/* Not atomic: a failure does not roll back what ran before it. */
TEST_F(map, batch_failing_op_does_not_undo_earlier_ops)
{
	char buf[16];
	struct rcumap_batch_op ops[] = {
		op_put("gamma", "three", RCUMAP_NOEXIST),
		op_del("alpha"),
		op_add("ctr", 5),
		op_put("gamma", "tres", RCUMAP_NOEXIST),
		op_get("alpha", buf, sizeof(buf)),
	};
	unsigned int done = 0, failed = 0;

	seed_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_batch(self->fd, ops, ARRAY_SIZE(ops), &done,
				  &failed));
	EXPECT_EQ(ARRAY_SIZE(ops), done);
	EXPECT_EQ(2U, failed);
	EXPECT_EQ(EEXIST, (int)ops[3].error);
	EXPECT_EQ(ENOENT, (int)ops[4].error);

	assert_str(_metadata, self->fd, "gamma", "three");
	assert_missing(_metadata, self->fd, "alpha");
	assert_u64(_metadata, self->fd, "ctr", SEED_COUNTER + 5);
	EXPECT_EQ(2U, info_entries(_metadata, self->fd));
}

TEST_F(map, batch_ops_run_in_order)
{
	char b1[16], b2[16], b3[16];
	struct rcumap_batch_op ops[] = {
		op_put("k", "first", RCUMAP_NOEXIST),
		op_get("k", b1, sizeof(b1)),
		op_put("k", "second!", RCUMAP_EXIST),
		op_get("k", b2, sizeof(b2)),
		op_del("k"),
		op_get("k", b3, sizeof(b3)),
		op_add("k", 3),
		op_add("k", 4),
	};
	unsigned int done = 0, failed = 0;

	ASSERT_EQ(0, rcumap_batch(self->fd, ops, ARRAY_SIZE(ops), &done,
				  &failed));
	EXPECT_EQ(ARRAY_SIZE(ops), done);
	EXPECT_EQ(1U, failed);
	EXPECT_EQ(0U, ops[1].error);
	ASSERT_EQ(5U, ops[1].value_len);
	EXPECT_EQ(0, memcmp(b1, "first", 5));
	EXPECT_EQ(0U, ops[3].error);
	ASSERT_EQ(7U, ops[3].value_len);
	EXPECT_EQ(0, memcmp(b2, "second!", 7));
	EXPECT_EQ(0U, ops[4].error);
	EXPECT_EQ(ENOENT, (int)ops[5].error);
	EXPECT_EQ(3U, ops[6].delta);
	EXPECT_EQ(7U, ops[7].delta);
	assert_u64(_metadata, self->fd, "k", 7);
}

TEST_F(map, batch_get_with_small_buffer_fails_erange_with_length)
{
	char buf[16];
	struct rcumap_batch_op ops[] = {
		op_get("alpha", buf, 2),
		op_get("alpha", NULL, 0),
		op_get("alpha", buf, 3),
	};
	unsigned int failed = 0;

	seed_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_batch(self->fd, ops, ARRAY_SIZE(ops), NULL,
				  &failed));
	EXPECT_EQ(2U, failed);
	EXPECT_EQ(ERANGE, (int)ops[0].error);
	EXPECT_EQ(3U, ops[0].value_len);
	EXPECT_EQ(ERANGE, (int)ops[1].error);
	EXPECT_EQ(3U, ops[1].value_len);
	EXPECT_EQ(0U, ops[2].error);
	EXPECT_EQ(3U, ops[2].value_len);
	EXPECT_EQ(0, memcmp(buf, "one", 3));
}

/*
 * Only GET, PUT, DEL and ADD may be batched. CLEAR in particular must not
 * run: it would empty the map.
 */
TEST_F(map, batch_op_with_unknown_cmd_fails_einval_alone)
{
	static const __u32 bad[] = {
		0, RCUMAP_CMD_INFO, RCUMAP_CMD_CLEAR, RCUMAP_CMD_STATS,
		RCUMAP_CMD_CMPXCHG, RCUMAP_CMD_DUMP, RCUMAP_CMD_BATCH,
		RCUMAP_STATS_SLOTS, 99, ~0U,
	};
	struct rcumap_batch_op ops[ARRAY_SIZE(bad) + 2];
	unsigned int done = 0, failed = 0, i;

	ops[0] = op_put("gamma", "three", RCUMAP_NOEXIST);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ops[i + 1] = op_put("delta", "four", RCUMAP_ANY);
		ops[i + 1].cmd = bad[i];
	}
	ops[i + 1] = op_put("epsilon", "five", RCUMAP_NOEXIST);

	seed_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_batch(self->fd, ops, ARRAY_SIZE(ops), &done,
				  &failed));
	EXPECT_EQ(ARRAY_SIZE(ops), done);
	EXPECT_EQ(ARRAY_SIZE(bad), failed);
	EXPECT_EQ(0U, ops[0].error);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(EINVAL, (int)ops[i + 1].error) TH_LOG("cmd %u", bad[i]);
	EXPECT_EQ(0U, ops[i + 1].error);

	assert_missing(_metadata, self->fd, "delta");
	assert_str(_metadata, self->fd, "gamma", "three");
	assert_str(_metadata, self->fd, "epsilon", "five");
	assert_str(_metadata, self->fd, "alpha", "one");
	assert_u64(_metadata, self->fd, "ctr", SEED_COUNTER);
	EXPECT_EQ(4U, info_entries(_metadata, self->fd));
}

TEST_F(map, batch_op_with_reserved_fails_einval_alone)
{
	char buf[16];
	struct rcumap_batch_op ops[] = {
		op_put("gamma", "three", RCUMAP_NOEXIST),
		op_get("alpha", buf, sizeof(buf)),
		op_del("alpha"),
		op_add("ctr", 1),
		op_put("delta", "four", RCUMAP_NOEXIST),
	};
	unsigned int done = 0, failed = 0, i;

	for (i = 0; i < 4; i++)
		ops[i].reserved = i == 1 ? 1U << 31 : 1;
	seed_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_batch(self->fd, ops, ARRAY_SIZE(ops), &done,
				  &failed));
	EXPECT_EQ(ARRAY_SIZE(ops), done);
	EXPECT_EQ(4U, failed);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(EINVAL, (int)ops[i].error) TH_LOG("op %u", i);
	EXPECT_EQ(0U, ops[4].error);

	assert_missing(_metadata, self->fd, "gamma");
	assert_str(_metadata, self->fd, "delta", "four");
	assert_str(_metadata, self->fd, "alpha", "one");
	assert_u64(_metadata, self->fd, "ctr", SEED_COUNTER);
}

/* delta is ADD's alone: any other operation with one fails by itself. */
TEST_F(map, batch_op_with_delta_other_than_add_fails_einval_alone)
{
	char buf[16];
	struct rcumap_batch_op ops[] = {
		op_get("alpha", buf, sizeof(buf)),
		op_put("gamma", "three", RCUMAP_NOEXIST),
		op_del("alpha"),
		op_put("delta", "four", RCUMAP_NOEXIST),
	};
	unsigned int done = 0, failed = 0, i;

	for (i = 0; i < 3; i++)
		ops[i].delta = i == 0 ? 1ULL << 63 : 1;
	memset(buf, 0x5a, sizeof(buf));
	seed_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_batch(self->fd, ops, ARRAY_SIZE(ops), &done,
				  &failed));
	EXPECT_EQ(ARRAY_SIZE(ops), done);
	EXPECT_EQ(3U, failed);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(EINVAL, (int)ops[i].error) TH_LOG("op %u", i);
	EXPECT_EQ(0U, ops[3].error);
	/* The GET copied nothing out. */
	for (i = 0; i < sizeof(buf); i++)
		EXPECT_EQ(0x5a, buf[i]) TH_LOG("byte %u", i);

	assert_missing(_metadata, self->fd, "gamma");
	assert_str(_metadata, self->fd, "delta", "four");
	assert_str(_metadata, self->fd, "alpha", "one");
	assert_u64(_metadata, self->fd, "ctr", SEED_COUNTER);
}

/*
 * The op array itself is fine, so a bad key or value pointer in one op is
 * that op's EFAULT, not the batch's.
 */
TEST_F(map, batch_op_with_bad_pointer_fails_efault_alone)
{
	struct rcumap_batch_op ops[] = {
		op_put("gamma", "three", RCUMAP_NOEXIST),
		op_put("delta", "four", RCUMAP_NOEXIST),
		op_get("alpha", NULL, 16),
		op_add("ctr", 1),
		op_del("alpha"),
		op_put("epsilon", "five", RCUMAP_NOEXIST),
	};
	unsigned int done = 0, failed = 0, i;

	ops[1].value = (uintptr_t)BAD_PTR;
	ops[2].value = (uintptr_t)BAD_PTR;
	ops[3].key = (uintptr_t)BAD_PTR;
	ops[4].key = (uintptr_t)BAD_PTR;
	seed_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_batch(self->fd, ops, ARRAY_SIZE(ops), &done,
				  &failed));
	EXPECT_EQ(ARRAY_SIZE(ops), done);
	EXPECT_EQ(4U, failed);
	for (i = 1; i < 5; i++)
		EXPECT_EQ(EFAULT, (int)ops[i].error) TH_LOG("op %u", i);
	EXPECT_EQ(0U, ops[0].error);
	EXPECT_EQ(0U, ops[5].error);

	assert_missing(_metadata, self->fd, "delta");
	assert_str(_metadata, self->fd, "gamma", "three");
	assert_str(_metadata, self->fd, "epsilon", "five");
	assert_str(_metadata, self->fd, "alpha", "one");
	assert_u64(_metadata, self->fd, "ctr", SEED_COUNTER);
}

TEST_F(map, batch_count_over_max_fails_e2big_and_runs_nothing)
{
	const unsigned int n = RCUMAP_BATCH_MAX + 1;
	struct rcumap_batch_op *ops = calloc(n, sizeof(*ops));
	unsigned int done = 0, i, untouched = 0;

	ASSERT_NE(NULL, ops);
	for (i = 0; i < n; i++) {
		ops[i] = op_add("ctr", 1);
		ops[i].error = ERROR_UNTOUCHED;
	}
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-E2BIG, rcumap_batch(self->fd, ops, n, &done, NULL));
	EXPECT_EQ(0U, done);
	for (i = 0; i < n; i++)
		untouched += ops[i].error == ERROR_UNTOUCHED &&
			     ops[i].delta == 1;
	EXPECT_EQ(n, untouched);
	assert_seed_intact(_metadata, self->fd);

	/* RCUMAP_BATCH_MAX itself is allowed. */
	ASSERT_EQ(0, rcumap_batch(self->fd, ops, n - 1, &done, NULL));
	EXPECT_EQ(n - 1, done);
	assert_u64(_metadata, self->fd, "ctr", SEED_COUNTER + n - 1);
	free(ops);
}

/* A batch built by hand, for the malformed-batch tests. */
static struct rcumap_batch make_batch(struct rcumap_batch_op *ops,
				      unsigned int count)
{
	return (struct rcumap_batch) {
		.size = sizeof(struct rcumap_batch),
		.count = count,
		.op_size = sizeof(*ops),
		.ops = (uintptr_t)ops,
	};
}

TEST_F(map, batch_with_wrong_op_size_fails_einval_and_runs_nothing)
{
	const __u32 sizes[] = {
		0, 1, sizeof(struct rcumap_batch_op) - 8,
		sizeof(struct rcumap_batch_op) + 8,
		2 * sizeof(struct rcumap_batch_op),
	};
	struct rcumap_batch_op ops[4];
	struct rcumap_batch batch;
	unsigned int i;

	/* Room for any size tried: a wrong stride must not fault instead. */
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		ops[i] = op_add("ctr", 1);
	seed_map(_metadata, self->fd);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		batch = make_batch(ops, 1);
		batch.op_size = sizes[i];
		EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_BATCH,
						&batch))
			TH_LOG("op_size %u", sizes[i]);
	}
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, batch_with_flags_fails_einval_and_runs_nothing)
{
	struct rcumap_batch_op ops[] = { op_add("ctr", 1) };
	struct rcumap_batch batch = make_batch(ops, ARRAY_SIZE(ops));

	seed_map(_metadata, self->fd);
	batch.flags = 1;
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_BATCH, &batch));
	batch.flags = 1U << 31;
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_BATCH, &batch));
	assert_seed_intact(_metadata, self->fd);
}

/* done and failed are outputs: the kernel sets them, even to 0. */
TEST_F(map, batch_of_zero_ops_succeeds_with_nothing_done)
{
	struct rcumap_batch batch = make_batch(NULL, 0);

	batch.done = 7;
	batch.failed = 7;
	seed_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_ioctl(self->fd, RCUMAP_IOC_BATCH, &batch));
	EXPECT_EQ(0U, batch.done);
	EXPECT_EQ(0U, batch.failed);
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, batch_bad_ops_pointer_fails_efault)
{
	void *page = inaccessible_page(_metadata);
	unsigned int done = ~0U;

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EFAULT, rcumap_batch(self->fd, BAD_PTR, 3, &done, NULL));
	EXPECT_EQ(0U, done);
	done = ~0U;
	EXPECT_EQ(-EFAULT, rcumap_batch(self->fd, page, 3, &done, NULL));
	EXPECT_EQ(0U, done);
	assert_seed_intact(_metadata, self->fd);
}

/*
 * Ops that can be read but not written back: the batch fails with EFAULT,
 * and done must say truthfully how many took effect.
 */
TEST_F(map, batch_unwritable_ops_fail_efault_and_done_tells_what_ran)
{
	static const char *const keys[] = { "k0", "k1", "k2", "k3" };
	struct rcumap_batch_op *ops = mmap(NULL, getpagesize(),
					   PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int done = ~0U, i;
	char buf[16];
	size_t len;

	ASSERT_NE(MAP_FAILED, ops);
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		ops[i] = op_put(keys[i], "v", RCUMAP_NOEXIST);
	ASSERT_EQ(0, mprotect(ops, getpagesize(), PROT_READ));

	EXPECT_EQ(-EFAULT, rcumap_batch(self->fd, ops, ARRAY_SIZE(keys),
					&done, NULL));
	ASSERT_GE(ARRAY_SIZE(keys), done);
	TH_LOG("done %u of %zu", done, ARRAY_SIZE(keys));
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		len = sizeof(buf);
		EXPECT_EQ(i < done ? 0 : -ENOENT,
			  rcumap_get(self->fd, keys[i], 2, buf, &len))
			TH_LOG("%s", keys[i]);
	}
	EXPECT_EQ(done, info_entries(_metadata, self->fd));
}

/*
 * More ops than the kernel handles at a time (32): later chunks run, in
 * order, and their results are copied back. Each ADD returns the running
 * sum of its counter, so an op run twice, skipped or reordered shows.
 */
TEST_F(map, batch_of_1000_ops_runs_them_all_in_order)
{
	const unsigned int n = 1000, nr_ctr = 7;
	struct rcumap_batch_op *ops = calloc(n, sizeof(*ops));
	static char keys[7][8];
	uint64_t sum[7] = { 0 };
	unsigned int done = 0, failed = ~0U, i, wrong = 0;

	ASSERT_NE(NULL, ops);
	for (i = 0; i < nr_ctr; i++)
		snprintf(keys[i], sizeof(keys[i]), "c%u", i);
	for (i = 0; i < n; i++)
		ops[i] = op_add(keys[i % nr_ctr], i + 1);

	ASSERT_EQ(0, rcumap_batch(self->fd, ops, n, &done, &failed));
	EXPECT_EQ(n, done);
	EXPECT_EQ(0U, failed);
	for (i = 0; i < n; i++) {
		sum[i % nr_ctr] += i + 1;
		if (ops[i].error || ops[i].delta != sum[i % nr_ctr]) {
			if (!wrong++)
				TH_LOG("op %u: error %u, delta %llu, want %" PRIu64,
				       i, ops[i].error,
				       (unsigned long long)ops[i].delta,
				       sum[i % nr_ctr]);
		}
	}
	EXPECT_EQ(0U, wrong);
	for (i = 0; i < nr_ctr; i++)
		assert_u64(_metadata, self->fd, keys[i], sum[i]);
	EXPECT_EQ(nr_ctr, info_entries(_metadata, self->fd));
	free(ops);
}

/*
 * Each op counts under its own command, as if called alone, and the batch
 * once under BATCH; a batch whose ops fail has not failed itself.
 */
TEST_F(map, stats_count_batch_and_each_op_under_its_command)
{
	__u64 ops_delta[RCUMAP_STATS_SLOTS] = {
		[RCUMAP_CMD_GET] = 2, [RCUMAP_CMD_PUT] = 2,
		[RCUMAP_CMD_DEL] = 1, [RCUMAP_CMD_ADD] = 2,
		[RCUMAP_CMD_BATCH] = 1, [RCUMAP_CMD_STATS] = 1,
	};
	__u64 fails[RCUMAP_STATS_SLOTS] = {
		[RCUMAP_CMD_GET] = 1, [RCUMAP_CMD_PUT] = 1,
		[RCUMAP_CMD_ADD] = 1,
	};
	char buf[16];
	struct rcumap_batch_op ops[] = {
		op_get("alpha", buf, sizeof(buf)),
		op_get("missing", buf, sizeof(buf)),
		op_put("gamma", "three", RCUMAP_ANY),
		op_put("gamma", "3", RCUMAP_NOEXIST),
		op_del("gamma"),
		op_add("ctr", 1),
		op_add("alpha", 1),
	};
	struct rcumap_stats s0, s1;
	unsigned int failed = 0;

	seed_map(_metadata, self->fd);
	take_stats(_metadata, self->fd, &s0);
	ASSERT_EQ(0, rcumap_batch(self->fd, ops, ARRAY_SIZE(ops), NULL,
				  &failed));
	ASSERT_EQ(3U, failed);
	take_stats(_metadata, self->fd, &s1);
	assert_stats_deltas(_metadata, &s0, &s1, ops_delta, fails);
	EXPECT_EQ(1U, s1.hits - s0.hits);
	EXPECT_EQ(1U, s1.misses - s0.misses);
}

/* ------------------------------------------------------------------ */
/* tiny_map: max_entries=4 (4 buckets, but for sync=rhashtable's 64)    */
/* ------------------------------------------------------------------ */

RCUMAP_MAP_FIXTURE(tiny_map, "max_entries=%u", TINY_MAX_ENTRIES)

/* Fill the map with counters k0..k3 = 1. */
static void fill_tiny_map(struct __test_metadata *_metadata, int fd)
{
	char key[8];
	unsigned int i;

	for (i = 0; i < TINY_MAX_ENTRIES; i++) {
		snprintf(key, sizeof(key), "k%u", i);
		ASSERT_EQ(0, rcumap_add(fd, key, strlen(key), 1,
					RCUMAP_NOEXIST, NULL));
	}
	ASSERT_EQ(TINY_MAX_ENTRIES, info_entries(_metadata, fd));
}

TEST_F(tiny_map, add_new_key_into_full_map_fails_enospc)
{
	fill_tiny_map(_metadata, self->fd);
	EXPECT_EQ(-ENOSPC, rcumap_add(self->fd, "k4", 2, 1, RCUMAP_ANY, NULL));
	EXPECT_EQ(-ENOSPC, rcumap_add(self->fd, "k4", 2, 1, RCUMAP_NOEXIST,
				      NULL));
	assert_missing(_metadata, self->fd, "k4");
	EXPECT_EQ(TINY_MAX_ENTRIES, info_entries(_metadata, self->fd));
}

TEST_F(tiny_map, add_to_present_key_in_full_map_succeeds)
{
	uint64_t value = 0;

	fill_tiny_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_add(self->fd, "k0", 2, 10, RCUMAP_ANY, &value));
	EXPECT_EQ(11U, value);
	ASSERT_EQ(0, rcumap_add(self->fd, "k3", 2, -1, RCUMAP_EXIST, &value));
	EXPECT_EQ(0U, value);
	assert_u64(_metadata, self->fd, "k0", 11);
	EXPECT_EQ(TINY_MAX_ENTRIES, info_entries(_metadata, self->fd));
}

/*
 * Buckets are max_entries rounded up to a power of two: 0..3 here. Any
 * other cursor is invalid, however far out, except RCUMAP_DUMP_END.
 */
TEST_F(tiny_map, dump_cursor_past_last_bucket_fails_einval)
{
	struct rcumap_info info;
	uint64_t bad[4];
	char buf[256];
	size_t len;
	unsigned int i;

	fill_tiny_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_info(self->fd, &info));
	bad[0] = info.buckets;
	bad[1] = info.buckets + 1;
	bad[2] = 1ULL << 32;
	bad[3] = RCUMAP_DUMP_END - 1;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t cursor = bad[i];

		len = sizeof(buf);
		EXPECT_EQ(-EINVAL, rcumap_dump(self->fd, &cursor, buf, &len,
					       NULL))
			TH_LOG("cursor %#" PRIx64, bad[i]);
	}
}

TEST_F(tiny_map, dump_from_last_bucket_ends_the_dump)
{
	struct rcumap_info info;
	uint64_t cursor;
	char buf[256];
	size_t len = sizeof(buf);

	fill_tiny_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_info(self->fd, &info));
	cursor = info.buckets - 1;
	ASSERT_EQ(0, rcumap_dump(self->fd, &cursor, buf, &len, NULL));
	EXPECT_EQ(RCUMAP_DUMP_END, cursor);
}

/* RCUMAP_DUMP_END is a valid cursor: the dump is done, whatever the map. */
TEST_F(tiny_map, dump_at_end_cursor_returns_no_records)
{
	uint64_t cursor = RCUMAP_DUMP_END;
	char buf[256];
	size_t len = sizeof(buf);
	unsigned int count = ~0U;

	fill_tiny_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_dump(self->fd, &cursor, buf, &len, &count));
	EXPECT_EQ(RCUMAP_DUMP_END, cursor);
	EXPECT_EQ(0U, count);
	EXPECT_EQ(0U, len);
}

/* ------------------------------------------------------------------ */
/* small_limits_map: max_key_len=8 max_value_len=4                       */
/* ------------------------------------------------------------------ */

RCUMAP_MAP_FIXTURE(small_limits_map, "max_key_len=%u max_value_len=%u",
		   SMALL_MAX_KEY_LEN, SMALL_MAX_VALUE_LEN)

/* A counter is a value of 8 bytes, which this map cannot hold. */
TEST_F(small_limits_map, add_fails_e2big_when_counter_exceeds_value_limit)
{
	ASSERT_EQ(0, put_str(self->fd, "alpha", "one", RCUMAP_NOEXIST));
	EXPECT_EQ(-E2BIG, rcumap_add(self->fd, "hits", 4, 1, RCUMAP_ANY,
				     NULL));
	assert_missing(_metadata, self->fd, "hits");
	EXPECT_EQ(1U, info_entries(_metadata, self->fd));
}

TEST_F(small_limits_map, cmpxchg_expected_over_value_limit_fails_e2big)
{
	char found[16];
	size_t found_len = sizeof(found);

	ASSERT_EQ(0, put_str(self->fd, "alpha", "one", RCUMAP_NOEXIST));
	EXPECT_EQ(-E2BIG, cmpxchg_str(self->fd, "alpha", "one!!", "uno",
				      found, &found_len));
	assert_str(_metadata, self->fd, "alpha", "one");
}

TEST_F(small_limits_map, cmpxchg_new_value_over_value_limit_fails_e2big)
{
	char found[16];
	size_t found_len = sizeof(found);

	ASSERT_EQ(0, put_str(self->fd, "alpha", "one", RCUMAP_NOEXIST));
	EXPECT_EQ(-E2BIG, cmpxchg_str(self->fd, "alpha", "one", "uno!!",
				      found, &found_len));
	assert_str(_metadata, self->fd, "alpha", "one");
	/* At the limit it goes through. */
	ASSERT_EQ(0, cmpxchg_str(self->fd, "alpha", "one", "uno!", found,
				 &found_len));
	assert_str(_metadata, self->fd, "alpha", "uno!");
}

/* ------------------------------------------------------------------ */
/* dump_churn: DUMP while writers change the map                         */
/* ------------------------------------------------------------------ */

/*
 * max_entries=4096: a few thousand entries then share buckets, so whole
 * buckets with several entries are copied while writers change them, and
 * a complete dump is 4096 buckets rather than 65536.
 */
#define CHURN_MAX_ENTRIES	4096U
#define NR_STABLE		2000U
#define NR_CHURN		256U
#define NR_WRITERS		2
#define CHURN_MIN_DUMPS		3
#define CHURN_MAX_DUMPS		50
#define CHURN_SECONDS		3
#define CHURN_TIMEOUT		120
#define CHURN_BUF		512

#define CHURN_KEY_MAX		8
/* Header "key|writer|seq|" plus up to 39 bytes of filler. */
#define CHURN_VALUE_MAX		(CHURN_KEY_MAX + 32 + 40)

/* The initial load writes as this writer, with sequence 0. */
#define LOADER			NR_WRITERS

struct writer {
	pthread_t thread;
	int id;
	int fd;
	unsigned int seed;
	/* Next sequence number; every value written has a smaller one. */
	atomic_ulong seq;
	unsigned long puts, dels, replaces;
	char error[256];	/* first failure, empty if none */
};

static atomic_bool churn_stop;

static size_t stable_key(char *buf, unsigned int idx)
{
	return snprintf(buf, CHURN_KEY_MAX, "s%04u", idx);
}

static size_t churn_key(char *buf, unsigned int idx)
{
	return snprintf(buf, CHURN_KEY_MAX, "c%03u", idx);
}

/*
 * The value @writer stores under @key with sequence @seq: a header naming
 * all three, then filler whose length and bytes depend on them. A value
 * can thus be checked to be one that was written for that very key.
 */
static size_t churn_value(char *buf, const char *key, int writer,
			  unsigned long seq)
{
	size_t len = snprintf(buf, CHURN_VALUE_MAX, "%s|%d|%lu|", key, writer,
			      seq);
	size_t fill = (seq * 13 + writer * 7) % 40, i;

	for (i = 0; i < fill; i++)
		buf[len + i] = 'a' + (seq + i) % 26;
	return len + fill;
}

static void __attribute__((format(printf, 2, 3)))
writer_fail(struct writer *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rcumap_thread_vfail(w->error, sizeof(w->error), &churn_stop, fmt, ap);
	va_end(ap);
}

/*
 * Half the time replace a stable key's value, which must exist; else PUT
 * or DEL a churn key, which both writers share.
 */
static void *writer_main(void *arg)
{
	struct writer *w = arg;
	char key[CHURN_KEY_MAX], val[CHURN_VALUE_MAX];
	size_t klen, vlen;
	int ret;

	while (!atomic_load_explicit(&churn_stop, memory_order_relaxed)) {
		unsigned int r = rand_r(&w->seed);
		unsigned int op = r % 10;

		if (op < 5) {
			klen = stable_key(key, (r >> 4) % NR_STABLE);
			vlen = churn_value(val, key, w->id,
					   atomic_fetch_add(&w->seq, 1));
			ret = rcumap_put(w->fd, key, klen, val, vlen,
					 RCUMAP_EXIST);
			w->replaces++;
			if (ret)
				writer_fail(w, "replacing %s: %s", key,
					    strerror(-ret));
		} else if (op < 8) {
			klen = churn_key(key, (r >> 4) % NR_CHURN);
			vlen = churn_value(val, key, w->id,
					   atomic_fetch_add(&w->seq, 1));
			ret = rcumap_put(w->fd, key, klen, val, vlen,
					 RCUMAP_ANY);
			w->puts++;
			if (ret)
				writer_fail(w, "PUT %s: %s", key,
					    strerror(-ret));
		} else {
			klen = churn_key(key, (r >> 4) % NR_CHURN);
			ret = rcumap_del(w->fd, key, klen);
			w->dels++;
			if (ret && ret != -ENOENT)
				writer_fail(w, "DEL %s: %s", key,
					    strerror(-ret));
		}
	}
	return NULL;
}

/* What one complete dump saw. */
struct churn_check {
	struct writer *w;
	unsigned char stable[NR_STABLE];
	unsigned char churn[NR_CHURN];
	unsigned long unknown, bad_value;
	char first[128];	/* the first bad record, for the log */
};

static void churn_note(struct churn_check *c, const char *what,
		       const char *key)
{
	if (!c->first[0])
		snprintf(c->first, sizeof(c->first), "%s: %s", what, key);
}

/* Parse "<prefix><digits>" of exactly the form @make builds, or -1. */
static int churn_key_index(const char *key, char prefix, unsigned int n,
			   size_t (*make)(char *, unsigned int))
{
	char again[CHURN_KEY_MAX];
	unsigned int idx;

	if (key[0] != prefix || sscanf(key + 1, "%u", &idx) != 1 || idx >= n)
		return -1;
	make(again, idx);
	return strcmp(again, key) ? -1 : (int)idx;
}

/* A value some writer stored for @key, with a sequence it has used. */
static bool churn_value_ok(const struct churn_check *c, const char *key,
			   const char *val, size_t len)
{
	char copy[CHURN_VALUE_MAX + 1], again[CHURN_VALUE_MAX];
	size_t klen = strlen(key);
	unsigned long seq;
	int writer;

	if (len > CHURN_VALUE_MAX || len <= klen || memcmp(val, key, klen) ||
	    val[klen] != '|')
		return false;
	memcpy(copy, val, len);
	copy[len] = '\0';
	if (sscanf(copy + klen, "|%d|%lu|", &writer, &seq) != 2 ||
	    writer < 0 || writer > LOADER)
		return false;
	if (writer == LOADER ? seq != 0 : seq >= atomic_load(&c->w[writer].seq))
		return false;
	return churn_value(again, key, writer, seq) == len &&
	       !memcmp(again, val, len);
}

static void churn_rec(void *arg, const void *key, size_t key_len,
		      const void *value, size_t value_len)
{
	struct churn_check *c = arg;
	char k[CHURN_KEY_MAX];
	int idx;

	if (key_len >= sizeof(k) || memchr(key, '\0', key_len)) {
		c->unknown++;
		churn_note(c, "unknown key", "(binary)");
		return;
	}
	memcpy(k, key, key_len);
	k[key_len] = '\0';
	idx = churn_key_index(k, 's', NR_STABLE, stable_key);
	if (idx >= 0) {
		if (c->stable[idx] < UCHAR_MAX)
			c->stable[idx]++;
	} else {
		idx = churn_key_index(k, 'c', NR_CHURN, churn_key);
		if (idx < 0) {
			c->unknown++;
			churn_note(c, "unknown key", k);
			return;
		}
		if (c->churn[idx] < UCHAR_MAX)
			c->churn[idx]++;
	}
	if (!churn_value_ok(c, k, value, value_len)) {
		c->bad_value++;
		churn_note(c, "value never written", k);
	}
}

FIXTURE(dump_churn) {
	int fd;
	struct writer w[NR_WRITERS];
};

FIXTURE_SETUP(dump_churn)
{
	char params[64];
	int i;

	/* Before anything can fail: teardown closes what is open. */
	for (i = 0; i < NR_WRITERS; i++)
		self->w[i].fd = -1;
	snprintf(params, sizeof(params), "max_entries=%u", CHURN_MAX_ENTRIES);
	self->fd = rcumap_test_setup(_metadata, params);
}

FIXTURE_TEARDOWN(dump_churn)
{
	int i;

	/* Writer fds too, or the unload would find the module busy. */
	for (i = 0; i < NR_WRITERS; i++)
		if (self->w[i].fd >= 0)
			rcumap_close(self->w[i].fd);
	rcumap_test_teardown(_metadata, self->fd);
}

static double elapsed_s(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - start->tv_sec +
	       (now.tv_nsec - start->tv_nsec) / 1e9;
}

/*
 * The DUMP guarantee: an entry present for the whole dump appears exactly
 * once, a replaced value once, old or new. Stable keys are never deleted
 * but their values keep being replaced; churn keys come and go; each
 * complete dump must hold every stable key once, each churn key at most
 * once, and nothing else. Nothing asserts while the writers run, so a
 * failure cannot leave them holding the module.
 */
TEST_F_TIMEOUT(dump_churn, dump_under_concurrent_writers_sees_stable_keys_once,
	       CHURN_TIMEOUT)
{
	char key[CHURN_KEY_MAX], val[CHURN_VALUE_MAX];
	unsigned int seed = time(NULL) ^ getpid();
	struct churn_check *c = calloc(1, sizeof(*c));
	unsigned long missing = 0, twice = 0, churn_twice = 0;
	unsigned long unknown = 0, bad_value = 0, records = 0;
	struct dump_result res = { .error = "" };
	int i, started, ret = 0, dumps = 0;
	struct timespec start;
	unsigned int k;
	size_t klen;

	ASSERT_NE(NULL, c);
	TH_LOG("seed %u", seed);
	for (k = 0; k < NR_STABLE; k++) {
		klen = stable_key(key, k);
		ASSERT_EQ(0, rcumap_put(self->fd, key, klen, val,
					churn_value(val, key, LOADER, 0),
					RCUMAP_NOEXIST));
	}
	for (i = 0; i < NR_WRITERS; i++) {
		self->w[i].id = i;
		self->w[i].seed = seed + i;
		atomic_init(&self->w[i].seq, 0);
		self->w[i].fd = rcumap_open(NULL);
		ASSERT_LE(0, self->w[i].fd);
	}

	atomic_store(&churn_stop, false);
	for (started = 0; started < NR_WRITERS; started++) {
		ret = pthread_create(&self->w[started].thread, NULL,
				     writer_main, &self->w[started]);
		if (ret) {
			atomic_store(&churn_stop, true);
			break;
		}
	}

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!atomic_load(&churn_stop) && dumps < CHURN_MAX_DUMPS &&
	       (dumps < CHURN_MIN_DUMPS || elapsed_s(&start) < CHURN_SECONDS)) {
		memset(c, 0, sizeof(*c));
		c->w = self->w;
		ret = dump_walk(self->fd, CHURN_BUF, churn_rec, c, &res);
		if (ret)
			break;
		dumps++;
		records += res.records;
		unknown += c->unknown;
		bad_value += c->bad_value;
		for (k = 0; k < NR_STABLE; k++) {
			missing += !c->stable[k];
			twice += c->stable[k] > 1;
		}
		for (k = 0; k < NR_CHURN; k++)
			churn_twice += c->churn[k] > 1;
		if (missing || twice || churn_twice || unknown || bad_value)
			break;
	}
	atomic_store(&churn_stop, true);
	for (i = 0; i < started; i++)
		pthread_join(self->w[i].thread, NULL);

	TH_LOG("%d dumps in %.1f s, %lu records, last one in %u calls", dumps,
	       elapsed_s(&start), records, res.calls);
	for (i = 0; i < started; i++)
		TH_LOG("writer %d: %lu replaces, %lu PUT, %lu DEL", i,
		       self->w[i].replaces, self->w[i].puts, self->w[i].dels);
	ASSERT_EQ(NR_WRITERS, started) TH_LOG("pthread_create: %s",
					      strerror(ret));
	for (i = 0; i < NR_WRITERS; i++)
		EXPECT_STREQ("", self->w[i].error) TH_LOG("writer %d", i);
	EXPECT_EQ(0, ret) TH_LOG("%s", res.error);
	/* A bad dump ends the loop early: then that is the failure. */
	if (!ret && !missing && !twice && !churn_twice && !unknown &&
	    !bad_value)
		EXPECT_LE(CHURN_MIN_DUMPS, dumps);
	EXPECT_EQ(0U, missing) TH_LOG("stable keys missing from a dump");
	EXPECT_EQ(0U, twice) TH_LOG("stable keys seen twice in a dump");
	EXPECT_EQ(0U, churn_twice) TH_LOG("churn keys seen twice in a dump");
	EXPECT_EQ(0U, unknown) TH_LOG("%s", c->first);
	EXPECT_EQ(0U, bad_value) TH_LOG("%s", c->first);
	/* The writers ran during the dumps, or the test proved nothing. */
	for (i = 0; i < NR_WRITERS; i++)
		EXPECT_LT(0U, self->w[i].replaces) TH_LOG("writer %d", i);
	free(c);
}

TEST_HARNESS_MAIN
