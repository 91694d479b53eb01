// SPDX-License-Identifier: GPL-2.0
/*
 * Functional tests of the rcumap ioctl ABI in <linux/rcumap.h>.
 *
 * One behaviour per test, each on an empty map (rcumap_test_setup()), so no
 * test sees the entries of another; counters are compared as snapshots
 * taken before and after, since a load may be reused. Three fixtures differ only in the
 * module parameters they load with; they are separate fixtures rather than
 * variants of one because variants would run every test under every
 * parameter set, and most behaviours are only meaningful under one.
 *
 * The header promises that a failed call leaves the map unchanged, so most
 * error tests seed the map with two known entries first and check them, and
 * the entry count, after the failure (see seed_map()/assert_seed_intact()).
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rcumap_test_util.h"

/* The module's defaults, for the map loaded without parameters. */
#define DEFAULT_MAX_ENTRIES	65536U
#define DEFAULT_MAX_KEY_LEN	256U
#define DEFAULT_MAX_VALUE_LEN	65536U

#define TINY_MAX_ENTRIES	4U
#define SMALL_MAX_KEY_LEN	8U
#define SMALL_MAX_VALUE_LEN	16U

/* The tests below check the version they were written against. */
static_assert(RCUMAP_ABI_VERSION == 2, "rcumap ABI changed");

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

static struct rcumap_elem make_elem(const void *key, size_t key_len,
				    const void *value, size_t value_len,
				    __u32 flags)
{
	struct rcumap_elem elem = {
		.size = sizeof(elem),
		.flags = flags,
		.key_len = key_len,
		.value_len = value_len,
		.key = (uintptr_t)key,
		.value = (uintptr_t)value,
	};

	return elem;
}

/*
 * Assert that @key maps to exactly @value. The buffer is exactly
 * @value_len bytes: a longer stored value then fails with ERANGE and a
 * shorter one reports a different length, so both are caught without
 * passing a buffer larger than the map's max_value_len.
 */
static void assert_value(struct __test_metadata *_metadata, int fd,
			 const void *key, size_t key_len,
			 const void *value, size_t value_len)
{
	char *buf = value_len ? malloc(value_len) : NULL;
	size_t len = value_len;
	int ret;

	ASSERT_TRUE(buf || !value_len);
	ret = rcumap_get(fd, key, key_len, buf, &len);
	ASSERT_EQ(0, ret)
		TH_LOG("GET of a %zu-byte key: %s (value_len now %zu)",
		       key_len, strerror(-ret), len);
	ASSERT_EQ(value_len, len);
	if (value_len)
		EXPECT_EQ(0, memcmp(buf, value, value_len));
	free(buf);
}

static void assert_str(struct __test_metadata *_metadata, int fd,
		       const char *key, const char *value)
{
	assert_value(_metadata, fd, key, strlen(key), value, strlen(value));
}

static void assert_missing(struct __test_metadata *_metadata, int fd,
			   const void *key, size_t key_len)
{
	char buf[64];
	size_t len = sizeof(buf);

	EXPECT_EQ(-ENOENT, rcumap_get(fd, key, key_len, buf, &len));
}

static void seed_map(struct __test_metadata *_metadata, int fd)
{
	ASSERT_EQ(0, put_str(fd, "alpha", "one", RCUMAP_ANY));
	ASSERT_EQ(0, put_str(fd, "beta", "two", RCUMAP_ANY));
}

/* The map is still exactly what seed_map() made of it. */
static void assert_seed_intact(struct __test_metadata *_metadata, int fd)
{
	EXPECT_EQ(2U, info_entries(_metadata, fd));
	assert_str(_metadata, fd, "alpha", "one");
	assert_str(_metadata, fd, "beta", "two");
}

/*
 * The commands, for tests that treat all of them alike: the size of the
 * struct now, and the smallest size accepted, that of ABI version 1.
 */
struct command {
	const char *name;
	unsigned long ioc;
	size_t size;
	size_t min_size;
};

#define COMMAND(_name, _struct, _last) {				\
	#_name, RCUMAP_IOC_##_name, sizeof(_struct),			\
	offsetof(_struct, _last) + sizeof(((_struct *)0)->_last)	\
}

static const struct command commands[] = {
	COMMAND(INFO, struct rcumap_info, strategy),
	COMMAND(PUT, struct rcumap_elem, value),
	COMMAND(GET, struct rcumap_elem, value),
	COMMAND(DEL, struct rcumap_elem, value),
	COMMAND(CLEAR, struct rcumap_clear, removed),
	COMMAND(STATS, struct rcumap_stats, bytes),
};

/* Room for any command's struct plus a tail the kernel does not know. */
union any_arg {
	struct rcumap_info info;
	struct rcumap_elem elem;
	struct rcumap_clear clear;
	struct rcumap_stats stats;
	__u8 bytes[sizeof(struct rcumap_stats) + 64];
};

/*
 * A valid argument for @cmd on a seeded map, to be spoilt by the caller.
 * Untouched, PUT would add "gamma", DEL would remove "beta" and CLEAR
 * would empty the map: a failing call that did any of that shows in
 * assert_seed_intact().
 */
static void valid_arg(const struct command *cmd, union any_arg *arg)
{
	static char get_buf[64];

	memset(arg, 0, sizeof(*arg));
	switch (cmd->ioc) {
	case RCUMAP_IOC_PUT:
		arg->elem = make_elem("gamma", 5, "three", 5, RCUMAP_ANY);
		break;
	case RCUMAP_IOC_GET:
		arg->elem = make_elem("alpha", 5, get_buf, sizeof(get_buf), 0);
		break;
	case RCUMAP_IOC_DEL:
		arg->elem = make_elem("beta", 4, NULL, 0, 0);
		break;
	}
	/* Every argument struct starts with its __u32 size. */
	arg->info.size = cmd->size;
}

/* ------------------------------------------------------------------ */
/* map: the module's default parameters                                 */
/* ------------------------------------------------------------------ */

FIXTURE(map) {
	int fd;
	int fd2;	/* a second open of the device, if a test needs one */
};

FIXTURE_SETUP(map)
{
	self->fd2 = -1;
	self->fd = rcumap_test_setup(_metadata, "");
}

FIXTURE_TEARDOWN(map)
{
	if (self->fd2 >= 0)
		EXPECT_EQ(0, rcumap_close(self->fd2));
	rcumap_test_teardown(_metadata, self->fd);
}

/* --- INFO --- */

TEST_F(map, info_reports_abi_version_2)
{
	struct rcumap_info info;

	ASSERT_EQ(0, rcumap_info(self->fd, &info));
	EXPECT_EQ(2U, info.abi_version);
}

TEST_F(map, info_reports_default_limits)
{
	struct rcumap_info info;

	ASSERT_EQ(0, rcumap_info(self->fd, &info));
	EXPECT_EQ(DEFAULT_MAX_KEY_LEN, info.max_key_len);
	EXPECT_EQ(DEFAULT_MAX_VALUE_LEN, info.max_value_len);
	EXPECT_EQ(DEFAULT_MAX_ENTRIES, info.max_entries);
}

TEST_F(map, info_names_the_strategy_in_force)
{
	struct rcumap_info info;

	ASSERT_EQ(0, rcumap_info(self->fd, &info));
	/* Check the termination before treating it as a C string. */
	ASSERT_NE(NULL, memchr(info.strategy, '\0', sizeof(info.strategy)));
	EXPECT_STREQ(rcumap_sync(), (const char *)info.strategy);
}

TEST_F(map, info_reports_a_power_of_two_of_buckets_for_max_entries)
{
	struct rcumap_info info;

	ASSERT_EQ(0, rcumap_info(self->fd, &info));
	EXPECT_GE(info.buckets, info.max_entries);
	EXPECT_EQ(0U, info.buckets & (info.buckets - 1));
}

TEST_F(map, info_entries_zero_after_load)
{
	EXPECT_EQ(0U, info_entries(_metadata, self->fd));
}

TEST_F(map, info_entries_tracks_puts_replaces_and_dels)
{
	ASSERT_EQ(0, put_str(self->fd, "a", "1", RCUMAP_ANY));
	ASSERT_EQ(0, put_str(self->fd, "b", "2", RCUMAP_ANY));
	ASSERT_EQ(0, put_str(self->fd, "c", "3", RCUMAP_ANY));
	EXPECT_EQ(3U, info_entries(_metadata, self->fd));

	/* A replacement is not a new entry. */
	ASSERT_EQ(0, put_str(self->fd, "b", "22", RCUMAP_ANY));
	EXPECT_EQ(3U, info_entries(_metadata, self->fd));

	ASSERT_EQ(0, rcumap_del(self->fd, "a", 1));
	EXPECT_EQ(2U, info_entries(_metadata, self->fd));
}

/* --- PUT flags --- */

TEST_F(map, put_any_creates_missing_key)
{
	ASSERT_EQ(0, put_str(self->fd, "alpha", "one", RCUMAP_ANY));
	assert_str(_metadata, self->fd, "alpha", "one");
	EXPECT_EQ(1U, info_entries(_metadata, self->fd));
}

TEST_F(map, put_any_replaces_present_key)
{
	ASSERT_EQ(0, put_str(self->fd, "alpha", "one", RCUMAP_ANY));
	ASSERT_EQ(0, put_str(self->fd, "alpha", "uno", RCUMAP_ANY));
	assert_str(_metadata, self->fd, "alpha", "uno");
	EXPECT_EQ(1U, info_entries(_metadata, self->fd));
}

TEST_F(map, put_replace_changes_value_length)
{
	static char big[1000];

	memset(big, 'x', sizeof(big));
	ASSERT_EQ(0, put_str(self->fd, "alpha", "one", RCUMAP_ANY));

	/* Growing and shrinking must both replace the whole value. */
	ASSERT_EQ(0, rcumap_put(self->fd, "alpha", 5, big, sizeof(big),
				RCUMAP_ANY));
	assert_value(_metadata, self->fd, "alpha", 5, big, sizeof(big));
	ASSERT_EQ(0, rcumap_put(self->fd, "alpha", 5, "z", 1, RCUMAP_ANY));
	assert_value(_metadata, self->fd, "alpha", 5, "z", 1);
	ASSERT_EQ(0, rcumap_put(self->fd, "alpha", 5, "", 0, RCUMAP_ANY));
	assert_value(_metadata, self->fd, "alpha", 5, "", 0);
}

TEST_F(map, put_noexist_creates_missing_key)
{
	ASSERT_EQ(0, put_str(self->fd, "alpha", "one", RCUMAP_NOEXIST));
	assert_str(_metadata, self->fd, "alpha", "one");
}

TEST_F(map, put_noexist_on_present_key_fails_eexist)
{
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EEXIST, put_str(self->fd, "alpha", "uno", RCUMAP_NOEXIST));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, put_exist_replaces_present_key)
{
	seed_map(_metadata, self->fd);
	ASSERT_EQ(0, put_str(self->fd, "alpha", "uno", RCUMAP_EXIST));
	assert_str(_metadata, self->fd, "alpha", "uno");
	EXPECT_EQ(2U, info_entries(_metadata, self->fd));
}

TEST_F(map, put_exist_on_missing_key_fails_enoent)
{
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-ENOENT, put_str(self->fd, "gamma", "three", RCUMAP_EXIST));
	assert_missing(_metadata, self->fd, "gamma", 5);
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, put_after_del_creates_key_again)
{
	seed_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_del(self->fd, "alpha", 5));
	/* NOEXIST proves the deleted entry left nothing behind. */
	ASSERT_EQ(0, put_str(self->fd, "alpha", "again", RCUMAP_NOEXIST));
	assert_str(_metadata, self->fd, "alpha", "again");
	EXPECT_EQ(2U, info_entries(_metadata, self->fd));
}

TEST_F(map, put_noexist_with_exist_flags_fails_einval)
{
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EINVAL, put_str(self->fd, "alpha", "uno",
				   RCUMAP_NOEXIST | RCUMAP_EXIST));
	EXPECT_EQ(-EINVAL, put_str(self->fd, "gamma", "three",
				   RCUMAP_NOEXIST | RCUMAP_EXIST));
	assert_missing(_metadata, self->fd, "gamma", 5);
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, put_unknown_flag_bits_fail_einval)
{
	static const unsigned int bad[] = {
		4, 4 | RCUMAP_NOEXIST, 4 | RCUMAP_EXIST, 0x80, 1U << 31,
	};
	unsigned int i;

	seed_map(_metadata, self->fd);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, put_str(self->fd, "alpha", "uno", bad[i]))
			TH_LOG("flags %#x on a present key", bad[i]);
		EXPECT_EQ(-EINVAL, put_str(self->fd, "gamma", "three", bad[i]))
			TH_LOG("flags %#x on a missing key", bad[i]);
	}
	assert_missing(_metadata, self->fd, "gamma", 5);
	assert_seed_intact(_metadata, self->fd);
}

/* --- keys and values --- */

TEST_F(map, put_empty_value_round_trips)
{
	char buf[8];
	size_t len = sizeof(buf);

	ASSERT_EQ(0, rcumap_put(self->fd, "alpha", 5, "", 0, RCUMAP_ANY));
	ASSERT_EQ(0, rcumap_get(self->fd, "alpha", 5, buf, &len));
	EXPECT_EQ(0U, len);
	EXPECT_EQ(1U, info_entries(_metadata, self->fd));
}

TEST_F(map, binary_keys_and_values_with_nul_bytes_are_distinct)
{
	/* Keys equal up to their first NUL, one a prefix of the others. */
	static const char k1[] = { 'k', '\0', 'a' };
	static const char k2[] = { 'k', '\0', 'b' };
	static const char k3[] = { 'k' };
	static const char v1[] = { '\0', 'v', '\0', '\0', '1' };
	static const char v2[] = { '\0', 'v', '\0', '\0', '2', '\0' };
	unsigned char all[256];
	unsigned int i;

	for (i = 0; i < sizeof(all); i++)
		all[i] = i;

	ASSERT_EQ(0, rcumap_put(self->fd, k1, sizeof(k1), v1, sizeof(v1),
				RCUMAP_NOEXIST));
	ASSERT_EQ(0, rcumap_put(self->fd, k2, sizeof(k2), v2, sizeof(v2),
				RCUMAP_NOEXIST));
	ASSERT_EQ(0, rcumap_put(self->fd, k3, sizeof(k3), all, sizeof(all),
				RCUMAP_NOEXIST));
	EXPECT_EQ(3U, info_entries(_metadata, self->fd));
	assert_value(_metadata, self->fd, k1, sizeof(k1), v1, sizeof(v1));
	assert_value(_metadata, self->fd, k2, sizeof(k2), v2, sizeof(v2));
	assert_value(_metadata, self->fd, k3, sizeof(k3), all, sizeof(all));
}

TEST_F(map, put_key_of_max_key_len_accepted)
{
	char key[DEFAULT_MAX_KEY_LEN];
	unsigned int i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = 'a' + i % 26;
	ASSERT_EQ(0, rcumap_put(self->fd, key, sizeof(key), "v", 1,
				RCUMAP_NOEXIST));
	assert_value(_metadata, self->fd, key, sizeof(key), "v", 1);
	/* Only the full-length key may match. */
	assert_missing(_metadata, self->fd, key, sizeof(key) - 1);
}

TEST_F(map, put_value_of_max_value_len_accepted)
{
	unsigned char *value = malloc(DEFAULT_MAX_VALUE_LEN);
	unsigned int i;

	ASSERT_NE(NULL, value);
	for (i = 0; i < DEFAULT_MAX_VALUE_LEN; i++)
		value[i] = i * 7 + i / 256;
	ASSERT_EQ(0, rcumap_put(self->fd, "alpha", 5, value,
				DEFAULT_MAX_VALUE_LEN, RCUMAP_NOEXIST));
	assert_value(_metadata, self->fd, "alpha", 5, value,
		     DEFAULT_MAX_VALUE_LEN);
	free(value);
}

TEST_F(map, put_key_over_max_key_len_fails_e2big)
{
	char key[DEFAULT_MAX_KEY_LEN + 1];

	memset(key, 'k', sizeof(key));
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-E2BIG, rcumap_put(self->fd, key, sizeof(key), "v", 1,
				     RCUMAP_ANY));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, put_value_over_max_value_len_fails_e2big)
{
	char *value = calloc(1, DEFAULT_MAX_VALUE_LEN + 1);

	ASSERT_NE(NULL, value);
	seed_map(_metadata, self->fd);
	/* Neither a new key nor a replacement may get through. */
	EXPECT_EQ(-E2BIG, rcumap_put(self->fd, "gamma", 5, value,
				     DEFAULT_MAX_VALUE_LEN + 1, RCUMAP_ANY));
	EXPECT_EQ(-E2BIG, rcumap_put(self->fd, "alpha", 5, value,
				     DEFAULT_MAX_VALUE_LEN + 1, RCUMAP_ANY));
	assert_missing(_metadata, self->fd, "gamma", 5);
	assert_seed_intact(_metadata, self->fd);
	free(value);
}

TEST_F(map, put_key_len_zero_fails_einval)
{
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EINVAL, rcumap_put(self->fd, "alpha", 0, "v", 1,
				      RCUMAP_ANY));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, get_key_len_zero_fails_einval)
{
	char buf[16];
	size_t len = sizeof(buf);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EINVAL, rcumap_get(self->fd, "alpha", 0, buf, &len));
}

TEST_F(map, del_key_len_zero_fails_einval)
{
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EINVAL, rcumap_del(self->fd, "alpha", 0));
	assert_seed_intact(_metadata, self->fd);
}

/* --- bad user pointers --- */

TEST_F(map, put_bad_key_pointer_fails_efault)
{
	void *page = inaccessible_page(_metadata);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EFAULT, rcumap_put(self->fd, BAD_PTR, 5, "v", 1,
				      RCUMAP_ANY));
	EXPECT_EQ(-EFAULT, rcumap_put(self->fd, page, 5, "v", 1, RCUMAP_ANY));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, put_key_straddling_inaccessible_page_fails_efault)
{
	long psz = getpagesize();
	char *pages = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *key;

	ASSERT_NE(MAP_FAILED, pages);
	ASSERT_EQ(0, mprotect(pages + psz, psz, PROT_NONE));
	/* The first 4 bytes are readable, the last 4 are not. */
	key = pages + psz - 4;
	memcpy(key, "alph", 4);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EFAULT, rcumap_put(self->fd, key, 8, "v", 1, RCUMAP_ANY));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, put_bad_value_pointer_for_new_key_fails_efault)
{
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EFAULT, rcumap_put(self->fd, "gamma", 5, BAD_PTR, 8,
				      RCUMAP_ANY));
	assert_missing(_metadata, self->fd, "gamma", 5);
	assert_seed_intact(_metadata, self->fd);
}

/*
 * NULL is a bad pointer like any other when value_len says there are
 * bytes: were it taken for "no value", the entry would keep the kernel's
 * uninitialised memory and GET would hand it out (found by rcumap-fuzz).
 */
TEST_F(map, put_null_value_with_length_fails_efault_every_way)
{
	struct rcumap_elem elem = make_elem("gamma", 5, NULL, 4096,
					    RCUMAP_NOEXIST);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EFAULT, rcumap_ioctl(self->fd, RCUMAP_IOC_PUT, &elem));
	elem.flags = RCUMAP_ANY;
	elem.ttl_ms = 60000;
	EXPECT_EQ(-EFAULT, rcumap_ioctl(self->fd, RCUMAP_IOC_PUT, &elem));
	EXPECT_EQ(-EFAULT, rcumap_put(self->fd, "alpha", 5, NULL, 8,
				      RCUMAP_ANY));
	assert_missing(_metadata, self->fd, "gamma", 5);
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, put_bad_value_pointer_for_present_key_keeps_old_value)
{
	void *page = inaccessible_page(_metadata);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EFAULT, rcumap_put(self->fd, "alpha", 5, BAD_PTR, 8,
				      RCUMAP_ANY));
	EXPECT_EQ(-EFAULT, rcumap_put(self->fd, "alpha", 5, page, 8,
				      RCUMAP_EXIST));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, get_bad_key_pointer_fails_efault)
{
	char buf[16];
	size_t len = sizeof(buf);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EFAULT, rcumap_get(self->fd, BAD_PTR, 5, buf, &len));
}

TEST_F(map, get_bad_value_buffer_fails_efault)
{
	void *page = inaccessible_page(_metadata);
	size_t len = 64;

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EFAULT, rcumap_get(self->fd, "alpha", 5, BAD_PTR, &len));
	len = 64;
	EXPECT_EQ(-EFAULT, rcumap_get(self->fd, "alpha", 5, page, &len));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, del_bad_key_pointer_fails_efault)
{
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EFAULT, rcumap_del(self->fd, BAD_PTR, 5));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, every_command_with_bad_struct_pointer_fails_efault)
{
	void *page = inaccessible_page(_metadata);
	unsigned int i;

	seed_map(_metadata, self->fd);
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		EXPECT_EQ(-EFAULT, rcumap_ioctl(self->fd, commands[i].ioc,
						BAD_PTR))
			TH_LOG("%s", commands[i].name);
		EXPECT_EQ(-EFAULT, rcumap_ioctl(self->fd, commands[i].ioc,
						page))
			TH_LOG("%s", commands[i].name);
	}
	assert_seed_intact(_metadata, self->fd);
}

/*
 * CLEAR writes its result back: a struct it can read but not write must
 * fail with EFAULT, and per the "map unchanged on error" rule must do so
 * before deleting anything.
 */
TEST_F(map, clear_with_read_only_struct_fails_efault_and_keeps_entries)
{
	struct rcumap_clear *clear = mmap(NULL, getpagesize(),
					  PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, clear);
	clear->size = sizeof(*clear);
	ASSERT_EQ(0, mprotect(clear, getpagesize(), PROT_READ));

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EFAULT, rcumap_ioctl(self->fd, RCUMAP_IOC_CLEAR, clear));
	assert_seed_intact(_metadata, self->fd);
}

/* --- GET --- */

TEST_F(map, get_small_buffer_fails_erange_and_reports_length)
{
	char buf[10];
	size_t len = 4;

	ASSERT_EQ(0, put_str(self->fd, "alpha", "0123456789", RCUMAP_ANY));
	EXPECT_EQ(-ERANGE, rcumap_get(self->fd, "alpha", 5, buf, &len));
	ASSERT_EQ(10U, len);

	/* The reported length is enough. */
	ASSERT_EQ(0, rcumap_get(self->fd, "alpha", 5, buf, &len));
	EXPECT_EQ(10U, len);
	EXPECT_EQ(0, memcmp(buf, "0123456789", 10));
}

TEST_F(map, get_buffer_one_byte_short_fails_erange)
{
	char buf[10];
	size_t len = 9;

	ASSERT_EQ(0, put_str(self->fd, "alpha", "0123456789", RCUMAP_ANY));
	EXPECT_EQ(-ERANGE, rcumap_get(self->fd, "alpha", 5, buf, &len));
	EXPECT_EQ(10U, len);
}

TEST_F(map, get_length_probe_reports_value_length)
{
	size_t len = 0;

	ASSERT_EQ(0, put_str(self->fd, "alpha", "0123456789", RCUMAP_ANY));
	EXPECT_EQ(-ERANGE, rcumap_get(self->fd, "alpha", 5, NULL, &len));
	EXPECT_EQ(10U, len);
}

TEST_F(map, get_length_probe_of_empty_value_succeeds)
{
	size_t len = 0;

	ASSERT_EQ(0, rcumap_put(self->fd, "alpha", 5, "", 0, RCUMAP_ANY));
	EXPECT_EQ(0, rcumap_get(self->fd, "alpha", 5, NULL, &len));
	EXPECT_EQ(0U, len);
}

TEST_F(map, get_larger_buffer_reports_value_length)
{
	char buf[100];
	size_t len = sizeof(buf);

	ASSERT_EQ(0, put_str(self->fd, "alpha", "0123456789", RCUMAP_ANY));
	ASSERT_EQ(0, rcumap_get(self->fd, "alpha", 5, buf, &len));
	EXPECT_EQ(10U, len);
	EXPECT_EQ(0, memcmp(buf, "0123456789", 10));
}

TEST_F(map, get_missing_key_fails_enoent)
{
	char buf[16];
	size_t len = sizeof(buf);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-ENOENT, rcumap_get(self->fd, "gamma", 5, buf, &len));
	/* A prefix or extension of a present key is a different key. */
	len = sizeof(buf);
	EXPECT_EQ(-ENOENT, rcumap_get(self->fd, "alph", 4, buf, &len));
	len = sizeof(buf);
	EXPECT_EQ(-ENOENT, rcumap_get(self->fd, "alphas", 6, buf, &len));
}

/* --- flags on commands that take none --- */

TEST_F(map, get_with_unknown_flags_fails_einval)
{
	char buf[16];
	struct rcumap_elem elem = make_elem("alpha", 5, buf, sizeof(buf),
					    RCUMAP_GET_TOUCH << 1);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_GET, &elem));
	elem = make_elem("alpha", 5, buf, sizeof(buf), 1U << 31);
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_GET, &elem));
}

TEST_F(map, del_with_flags_fails_einval)
{
	struct rcumap_elem elem = make_elem("alpha", 5, NULL, 0,
					    RCUMAP_EXIST);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_DEL, &elem));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, info_with_flags_fails_einval)
{
	struct rcumap_info info = { .size = sizeof(info), .flags = 1 };

	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_INFO, &info));
}

TEST_F(map, clear_with_flags_fails_einval)
{
	struct rcumap_clear clear = { .size = sizeof(clear), .flags = 1 };

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_CLEAR, &clear));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, stats_with_flags_fails_einval)
{
	struct rcumap_stats stats = { .size = sizeof(stats), .flags = 1 };

	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_STATS, &stats));
}

/* --- DEL --- */

TEST_F(map, del_removes_key)
{
	seed_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_del(self->fd, "alpha", 5));
	assert_missing(_metadata, self->fd, "alpha", 5);
	assert_str(_metadata, self->fd, "beta", "two");
	EXPECT_EQ(1U, info_entries(_metadata, self->fd));
}

TEST_F(map, del_missing_key_fails_enoent)
{
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-ENOENT, rcumap_del(self->fd, "gamma", 5));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, del_with_value_pointer_fails_einval)
{
	struct rcumap_elem elem = make_elem("alpha", 5, "x", 0, 0);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_DEL, &elem));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, del_with_value_len_fails_einval)
{
	struct rcumap_elem elem = make_elem("alpha", 5, NULL, 1, 0);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_DEL, &elem));
	assert_seed_intact(_metadata, self->fd);
}

/* --- CLEAR --- */

TEST_F(map, clear_removes_all_and_reports_count)
{
	char key[16];
	__u64 removed = ~0ULL;
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		ASSERT_EQ(0, put_str(self->fd, key, "v", RCUMAP_NOEXIST));
	}
	ASSERT_EQ(0, rcumap_clear(self->fd, &removed));
	EXPECT_EQ(10U, removed);
	EXPECT_EQ(0U, info_entries(_metadata, self->fd));
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		assert_missing(_metadata, self->fd, key, strlen(key));
	}
}

TEST_F(map, clear_empty_map_reports_zero)
{
	__u64 removed = ~0ULL;

	ASSERT_EQ(0, rcumap_clear(self->fd, &removed));
	EXPECT_EQ(0U, removed);
}

TEST_F(map, map_usable_after_clear)
{
	seed_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_clear(self->fd, NULL));
	ASSERT_EQ(0, put_str(self->fd, "alpha", "again", RCUMAP_NOEXIST));
	assert_str(_metadata, self->fd, "alpha", "again");
	EXPECT_EQ(1U, info_entries(_metadata, self->fd));
}

/* --- STATS --- */

TEST_F(map, stats_start_at_zero_after_load)
{
	struct rcumap_stats s;
	unsigned int i;

	/* The fixture may reuse a load whose counters have counted. */
	EXPECT_EQ(0, rcumap_close(self->fd));
	self->fd = rcumap_test_fresh_setup(_metadata, "");
	take_stats(_metadata, self->fd, &s);
	for (i = 0; i < RCUMAP_STATS_SLOTS; i++) {
		/*
		 * Zero, except that STATS may count itself in its own
		 * snapshot: the tests do not depend on which it does.
		 */
		EXPECT_GE(i == RCUMAP_CMD_STATS ? 1U : 0U, s.ops[i])
			TH_LOG("ops[%u]", i);
		EXPECT_EQ(0U, s.failures[i]) TH_LOG("failures[%u]", i);
	}
	EXPECT_EQ(0U, s.hits);
	EXPECT_EQ(0U, s.misses);
	EXPECT_EQ(0U, s.entries);
	EXPECT_EQ(0U, s.bytes);
}

TEST_F(map, stats_count_ops_and_failures_per_command)
{
	__u64 ops[RCUMAP_STATS_SLOTS] = {
		[RCUMAP_CMD_INFO] = 1, [RCUMAP_CMD_PUT] = 4,
		[RCUMAP_CMD_GET] = 2, [RCUMAP_CMD_DEL] = 2,
		[RCUMAP_CMD_CLEAR] = 1,
		/*
		 * Whether a STATS call is in its own snapshot or only in
		 * the next, two snapshots are one call apart.
		 */
		[RCUMAP_CMD_STATS] = 1,
	};
	__u64 fails[RCUMAP_STATS_SLOTS] = {
		[RCUMAP_CMD_PUT] = 3, [RCUMAP_CMD_GET] = 1,
		[RCUMAP_CMD_DEL] = 1,
	};
	struct rcumap_stats s0, s1;
	struct rcumap_info info;
	char buf[16];
	size_t len;

	seed_map(_metadata, self->fd);
	take_stats(_metadata, self->fd, &s0);

	ASSERT_EQ(0, rcumap_info(self->fd, &info));
	ASSERT_EQ(0, put_str(self->fd, "gamma", "three", RCUMAP_ANY));
	ASSERT_EQ(-EEXIST, put_str(self->fd, "gamma", "3", RCUMAP_NOEXIST));
	ASSERT_EQ(-ENOENT, put_str(self->fd, "delta", "4", RCUMAP_EXIST));
	ASSERT_EQ(-EINVAL, put_str(self->fd, "delta", "4",
				   RCUMAP_NOEXIST | RCUMAP_EXIST));
	len = sizeof(buf);
	ASSERT_EQ(0, rcumap_get(self->fd, "alpha", 5, buf, &len));
	len = sizeof(buf);
	ASSERT_EQ(-ENOENT, rcumap_get(self->fd, "delta", 5, buf, &len));
	ASSERT_EQ(0, rcumap_del(self->fd, "gamma", 5));
	ASSERT_EQ(-ENOENT, rcumap_del(self->fd, "gamma", 5));
	ASSERT_EQ(0, rcumap_clear(self->fd, NULL));

	take_stats(_metadata, self->fd, &s1);
	assert_stats_deltas(_metadata, &s0, &s1, ops, fails);
}

/*
 * "Every call" includes calls rejected before they reach the map: bad
 * sizes, flags and pointers still count as a call and a failure of their
 * command. An unknown command has no slot and must not touch any.
 */
TEST_F(map, stats_count_malformed_calls_as_failures)
{
	__u64 ops[RCUMAP_STATS_SLOTS] = {
		[RCUMAP_CMD_INFO] = 1, [RCUMAP_CMD_PUT] = 1,
		[RCUMAP_CMD_GET] = 1, [RCUMAP_CMD_DEL] = 1,
		[RCUMAP_CMD_CLEAR] = 1, [RCUMAP_CMD_STATS] = 1,
	};
	__u64 fails[RCUMAP_STATS_SLOTS] = {
		[RCUMAP_CMD_INFO] = 1, [RCUMAP_CMD_PUT] = 1,
		[RCUMAP_CMD_GET] = 1, [RCUMAP_CMD_DEL] = 1,
		[RCUMAP_CMD_CLEAR] = 1,
	};
	struct rcumap_stats s0, s1;
	union any_arg arg;

	seed_map(_metadata, self->fd);
	take_stats(_metadata, self->fd, &s0);

	valid_arg(&commands[0], &arg);			/* INFO */
	arg.info.size = sizeof(arg.info) + 8;
	arg.bytes[sizeof(arg.info)] = 1;
	ASSERT_EQ(-E2BIG, rcumap_ioctl(self->fd, RCUMAP_IOC_INFO, &arg));
	valid_arg(&commands[1], &arg);			/* PUT */
	arg.elem.size = 0;
	ASSERT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_PUT, &arg));
	ASSERT_EQ(-EFAULT, rcumap_ioctl(self->fd, RCUMAP_IOC_GET, BAD_PTR));
	valid_arg(&commands[3], &arg);			/* DEL */
	arg.elem.value_len = 1;
	ASSERT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_DEL, &arg));
	valid_arg(&commands[4], &arg);			/* CLEAR */
	arg.clear.flags = 1;
	ASSERT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_CLEAR, &arg));
	valid_arg(&commands[0], &arg);
	ASSERT_EQ(-ENOTTY, rcumap_ioctl(self->fd,
					_IOWR(RCUMAP_IOC_MAGIC,
					      RCUMAP_CMD_BATCH + 1,
					      struct rcumap_info), &arg));

	take_stats(_metadata, self->fd, &s1);
	assert_stats_deltas(_metadata, &s0, &s1, ops, fails);
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, stats_count_get_hits_and_misses)
{
	struct rcumap_stats s0, s1;
	static const char *const keys[] = {
		"alpha", "beta", "gamma", "delta", "epsilon",
	};
	char buf[16];
	size_t len;
	unsigned int i;

	seed_map(_metadata, self->fd);
	take_stats(_metadata, self->fd, &s0);

	/* Two hits (alpha, beta) and three misses. */
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		len = sizeof(buf);
		rcumap_get(self->fd, keys[i], strlen(keys[i]), buf, &len);
	}
	/* Neither PUT nor DEL is a hit or a miss. */
	ASSERT_EQ(0, put_str(self->fd, "zeta", "z", RCUMAP_ANY));
	ASSERT_EQ(0, rcumap_del(self->fd, "zeta", 4));
	ASSERT_EQ(-ENOENT, rcumap_del(self->fd, "zeta", 4));

	take_stats(_metadata, self->fd, &s1);
	EXPECT_EQ(2U, s1.hits - s0.hits);
	EXPECT_EQ(3U, s1.misses - s0.misses);
	EXPECT_EQ(5U, s1.ops[RCUMAP_CMD_GET] - s0.ops[RCUMAP_CMD_GET]);
	EXPECT_EQ(3U, s1.failures[RCUMAP_CMD_GET] -
		     s0.failures[RCUMAP_CMD_GET]);
}

/*
 * ERANGE is a GET that found its key: a hit (the UAPI: misses are GETs
 * that did not find their key), whose value did not fit.
 */
TEST_F(map, get_into_a_short_buffer_counts_a_hit_not_a_miss)
{
	char value[64], buf[4];
	struct rcumap_stats s0, s1;
	size_t len = sizeof(buf);

	memset(value, 'v', sizeof(value));
	ASSERT_EQ(0, rcumap_put(self->fd, "long", 4, value, sizeof(value),
				RCUMAP_ANY));
	take_stats(_metadata, self->fd, &s0);
	ASSERT_EQ(-ERANGE, rcumap_get(self->fd, "long", 4, buf, &len));
	EXPECT_EQ(sizeof(value), len);
	take_stats(_metadata, self->fd, &s1);
	EXPECT_EQ(1U, s1.hits - s0.hits);
	EXPECT_EQ(0U, s1.misses - s0.misses);
}

/*
 * A size field above a page fails E2BIG before any of the struct is read,
 * as clone3() and openat2() do, even with nothing but zeroes past the
 * struct, which a kernel that checked them all would accept: here 64 MiB
 * of zero pages (an old module scanned 1 GiB of them in 42 s, in one call,
 * and succeeded). A page exactly, zero past the struct, is still
 * accepted.
 */
#define ZERO_MAP_SIZE	(64U << 20)

TEST_F(map, size_above_a_page_fails_e2big_without_reading_it)
{
	long page = sysconf(_SC_PAGESIZE);
	struct rcumap_info *info;
	union any_arg arg;
	void *zeroes;

	seed_map(_metadata, self->fd);
	zeroes = mmap(NULL, ZERO_MAP_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, zeroes);
	valid_arg(&commands[0], &arg);			/* INFO */
	info = zeroes;
	*info = arg.info;
	info->size = ZERO_MAP_SIZE;
	EXPECT_EQ(-E2BIG, rcumap_ioctl(self->fd, RCUMAP_IOC_INFO, info));
	info->size = page + 1;
	EXPECT_EQ(-E2BIG, rcumap_ioctl(self->fd, RCUMAP_IOC_INFO, info));
	info->size = page;
	EXPECT_EQ(0, rcumap_ioctl(self->fd, RCUMAP_IOC_INFO, info));

	valid_arg(&commands[1], &arg);			/* PUT */
	memcpy(zeroes, &arg.elem, sizeof(arg.elem));
	((struct rcumap_elem *)zeroes)->size = page + 1;
	EXPECT_EQ(-E2BIG, rcumap_ioctl(self->fd, RCUMAP_IOC_PUT, zeroes));
	/* Only the size field needs to be readable. */
	arg.elem.size = 1U << 31;
	EXPECT_EQ(-E2BIG, rcumap_ioctl(self->fd, RCUMAP_IOC_PUT, &arg));
	munmap(zeroes, ZERO_MAP_SIZE);
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, stats_report_entries_and_bytes)
{
	static char big[4096];
	struct rcumap_stats s0, s1, s2, s3, s4;

	take_stats(_metadata, self->fd, &s0);
	EXPECT_EQ(0U, s0.entries);
	EXPECT_EQ(0U, s0.bytes);

	ASSERT_EQ(0, put_str(self->fd, "alpha", "one", RCUMAP_ANY));
	take_stats(_metadata, self->fd, &s1);
	EXPECT_EQ(1U, s1.entries);
	EXPECT_LT(0U, s1.bytes);

	ASSERT_EQ(0, put_str(self->fd, "beta", "two", RCUMAP_ANY));
	take_stats(_metadata, self->fd, &s2);
	EXPECT_EQ(2U, s2.entries);
	EXPECT_LT(s1.bytes, s2.bytes);
	EXPECT_EQ(info_entries(_metadata, self->fd), s2.entries);

	/* A value 4 KiB longer holds more memory, however it is accounted. */
	ASSERT_EQ(0, rcumap_put(self->fd, "alpha", 5, big, sizeof(big),
				RCUMAP_EXIST));
	take_stats(_metadata, self->fd, &s3);
	EXPECT_EQ(2U, s3.entries);
	EXPECT_LT(s2.bytes, s3.bytes);

	ASSERT_EQ(0, rcumap_clear(self->fd, NULL));
	take_stats(_metadata, self->fd, &s4);
	EXPECT_EQ(0U, s4.entries);
	EXPECT_EQ(0U, s4.bytes);
}

/* --- the size field --- */

TEST_F(map, every_command_with_size_too_small_fails_einval)
{
	union any_arg arg;
	unsigned int i, j;

	seed_map(_metadata, self->fd);
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		/* Nothing, the size alone, size and flags, one byte short. */
		const size_t sizes[] = { 0, 4, 8, commands[i].min_size - 1 };

		for (j = 0; j < ARRAY_SIZE(sizes); j++) {
			valid_arg(&commands[i], &arg);
			arg.info.size = sizes[j];
			EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd,
							commands[i].ioc, &arg))
				TH_LOG("%s with size %zu", commands[i].name,
				       sizes[j]);
		}
	}
	assert_seed_intact(_metadata, self->fd);
}

/* A binary built for ABI version 1 works: nothing past its struct is written. */
TEST_F(map, every_command_at_abi_v1_size_succeeds_and_writes_no_further)
{
	union any_arg arg;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		const unsigned char *tail = (unsigned char *)&arg +
					    commands[i].min_size;
		size_t j;

		seed_map(_metadata, self->fd);
		valid_arg(&commands[i], &arg);
		memset((void *)tail, 0xa5, sizeof(arg) - commands[i].min_size);
		arg.info.size = commands[i].min_size;
		EXPECT_EQ(0, rcumap_ioctl(self->fd, commands[i].ioc, &arg))
			TH_LOG("%s with size %zu", commands[i].name,
			       commands[i].min_size);
		for (j = 0; j < sizeof(arg) - commands[i].min_size; j++)
			ASSERT_EQ(0xa5, tail[j])
				TH_LOG("%s wrote byte %zu past its size",
				       commands[i].name, commands[i].min_size + j);
	}
}

TEST_F(map, every_command_with_nonzero_tail_fails_e2big)
{
	union any_arg arg;
	unsigned int i, j;

	seed_map(_metadata, self->fd);
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		size_t size = commands[i].size;

		/* A non-zero byte at either end of an 8-byte tail. */
		for (j = 0; j < 2; j++) {
			valid_arg(&commands[i], &arg);
			arg.info.size = size + 8;
			arg.bytes[j ? size + 7 : size] = 0xff;
			EXPECT_EQ(-E2BIG, rcumap_ioctl(self->fd,
						       commands[i].ioc, &arg))
				TH_LOG("%s with byte %zu of size %zu set",
				       commands[i].name, j ? size + 7 : size,
				       size + 8);
		}
	}
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(map, every_command_with_zero_tail_succeeds)
{
	const size_t tail = 8;
	union any_arg arg;

	seed_map(_metadata, self->fd);

	valid_arg(&commands[0], &arg);			/* INFO */
	arg.info.size += tail;
	ASSERT_EQ(0, rcumap_ioctl(self->fd, RCUMAP_IOC_INFO, &arg));
	EXPECT_EQ(2U, arg.info.abi_version);
	EXPECT_EQ(2U, arg.info.entries);

	valid_arg(&commands[1], &arg);			/* PUT gamma */
	arg.elem.size += tail;
	ASSERT_EQ(0, rcumap_ioctl(self->fd, RCUMAP_IOC_PUT, &arg));
	assert_str(_metadata, self->fd, "gamma", "three");

	valid_arg(&commands[2], &arg);			/* GET alpha */
	arg.elem.size += tail;
	ASSERT_EQ(0, rcumap_ioctl(self->fd, RCUMAP_IOC_GET, &arg));
	EXPECT_EQ(3U, arg.elem.value_len);
	EXPECT_EQ(0, memcmp((void *)(uintptr_t)arg.elem.value, "one", 3));

	valid_arg(&commands[3], &arg);			/* DEL beta */
	arg.elem.size += tail;
	ASSERT_EQ(0, rcumap_ioctl(self->fd, RCUMAP_IOC_DEL, &arg));
	assert_missing(_metadata, self->fd, "beta", 4);

	valid_arg(&commands[5], &arg);			/* STATS */
	arg.stats.size += tail;
	ASSERT_EQ(0, rcumap_ioctl(self->fd, RCUMAP_IOC_STATS, &arg));
	EXPECT_EQ(2U, arg.stats.entries);

	valid_arg(&commands[4], &arg);			/* CLEAR */
	arg.clear.size += tail;
	ASSERT_EQ(0, rcumap_ioctl(self->fd, RCUMAP_IOC_CLEAR, &arg));
	EXPECT_EQ(2U, arg.clear.removed);
	EXPECT_EQ(0U, info_entries(_metadata, self->fd));
}

/* --- unknown commands --- */

TEST_F(map, unknown_command_number_fails_enotty)
{
	static const unsigned int nrs[] = {
		0, RCUMAP_CMD_BATCH + 1, RCUMAP_STATS_SLOTS, 0xff,
	};
	union any_arg arg;
	unsigned int i;

	seed_map(_metadata, self->fd);
	for (i = 0; i < ARRAY_SIZE(nrs); i++) {
		valid_arg(&commands[0], &arg);
		EXPECT_EQ(-ENOTTY, rcumap_ioctl(self->fd,
						_IOWR(RCUMAP_IOC_MAGIC, nrs[i],
						      struct rcumap_info),
						&arg))
			TH_LOG("_IOWR nr %u", nrs[i]);
		EXPECT_EQ(-ENOTTY, rcumap_ioctl(self->fd,
						_IO(RCUMAP_IOC_MAGIC, nrs[i]),
						&arg))
			TH_LOG("_IO nr %u", nrs[i]);
	}
	assert_seed_intact(_metadata, self->fd);
}

/*
 * Each command's number with another magic must be rejected outright:
 * a PUT, DEL or CLEAR that ignored the magic would show in the seed.
 */
TEST_F(map, known_command_with_other_magic_fails_enotty)
{
	static const unsigned int magics[] = {
		RCUMAP_IOC_MAGIC - 1, RCUMAP_IOC_MAGIC + 1,
	};
	union any_arg arg;
	unsigned int i, j;

	seed_map(_metadata, self->fd);
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		unsigned long ioc = commands[i].ioc;

		for (j = 0; j < ARRAY_SIZE(magics); j++) {
			valid_arg(&commands[i], &arg);
			EXPECT_EQ(-ENOTTY,
				  rcumap_ioctl(self->fd,
					       _IOC(_IOC_DIR(ioc), magics[j],
						    _IOC_NR(ioc),
						    _IOC_SIZE(ioc)),
					       &arg))
				TH_LOG("%s with magic %#x", commands[i].name,
				       magics[j]);
		}
	}
	assert_seed_intact(_metadata, self->fd);
}

/* --- several opens --- */

TEST_F(map, two_fds_see_each_others_writes)
{
	self->fd2 = rcumap_open(NULL);
	ASSERT_LE(0, self->fd2);

	ASSERT_EQ(0, put_str(self->fd, "alpha", "one", RCUMAP_ANY));
	assert_str(_metadata, self->fd2, "alpha", "one");

	ASSERT_EQ(0, put_str(self->fd2, "alpha", "uno", RCUMAP_EXIST));
	assert_str(_metadata, self->fd, "alpha", "uno");

	ASSERT_EQ(0, rcumap_del(self->fd2, "alpha", 5));
	assert_missing(_metadata, self->fd, "alpha", 5);
	EXPECT_EQ(0U, info_entries(_metadata, self->fd));
}

/* ------------------------------------------------------------------ */
/* tiny_map: max_entries=4                                               */
/* ------------------------------------------------------------------ */

RCUMAP_MAP_FIXTURE(tiny_map, "max_entries=%u", TINY_MAX_ENTRIES)

static void tiny_key(char *buf, size_t len, unsigned int i)
{
	snprintf(buf, len, "k%u", i);
}

/* Fill the map with k0..k3 -> "v". */
static void fill_tiny_map(struct __test_metadata *_metadata, int fd)
{
	char key[8];
	unsigned int i;

	for (i = 0; i < TINY_MAX_ENTRIES; i++) {
		tiny_key(key, sizeof(key), i);
		ASSERT_EQ(0, put_str(fd, key, "v", RCUMAP_NOEXIST));
	}
	ASSERT_EQ(TINY_MAX_ENTRIES, info_entries(_metadata, fd));
}

TEST_F(tiny_map, info_reports_max_entries_param)
{
	struct rcumap_info info;

	ASSERT_EQ(0, rcumap_info(self->fd, &info));
	EXPECT_EQ(TINY_MAX_ENTRIES, info.max_entries);
	/* Only the parameter given changes. */
	EXPECT_EQ(DEFAULT_MAX_KEY_LEN, info.max_key_len);
	EXPECT_EQ(DEFAULT_MAX_VALUE_LEN, info.max_value_len);
}

TEST_F(tiny_map, put_new_key_into_full_map_fails_enospc)
{
	fill_tiny_map(_metadata, self->fd);
	EXPECT_EQ(-ENOSPC, put_str(self->fd, "k4", "v", RCUMAP_ANY));
	EXPECT_EQ(-ENOSPC, put_str(self->fd, "k4", "v", RCUMAP_NOEXIST));
	assert_missing(_metadata, self->fd, "k4", 2);
	EXPECT_EQ(TINY_MAX_ENTRIES, info_entries(_metadata, self->fd));
}

TEST_F(tiny_map, put_replace_in_full_map_succeeds)
{
	fill_tiny_map(_metadata, self->fd);
	ASSERT_EQ(0, put_str(self->fd, "k0", "any", RCUMAP_ANY));
	ASSERT_EQ(0, put_str(self->fd, "k1", "exist", RCUMAP_EXIST));
	assert_str(_metadata, self->fd, "k0", "any");
	assert_str(_metadata, self->fd, "k1", "exist");
	EXPECT_EQ(TINY_MAX_ENTRIES, info_entries(_metadata, self->fd));
}

/* A present key is not a new key: BPF reports the flag conflict first. */
TEST_F(tiny_map, put_noexist_on_present_key_in_full_map_fails_eexist)
{
	fill_tiny_map(_metadata, self->fd);
	EXPECT_EQ(-EEXIST, put_str(self->fd, "k0", "w", RCUMAP_NOEXIST));
	assert_str(_metadata, self->fd, "k0", "v");
}

/* EXIST never creates, so a full map is irrelevant to it. */
TEST_F(tiny_map, put_exist_on_missing_key_in_full_map_fails_enoent)
{
	fill_tiny_map(_metadata, self->fd);
	EXPECT_EQ(-ENOENT, put_str(self->fd, "k4", "v", RCUMAP_EXIST));
	EXPECT_EQ(TINY_MAX_ENTRIES, info_entries(_metadata, self->fd));
}

TEST_F(tiny_map, del_in_full_map_frees_one_slot)
{
	fill_tiny_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_del(self->fd, "k0", 2));
	EXPECT_EQ(0, put_str(self->fd, "k4", "v", RCUMAP_NOEXIST));
	EXPECT_EQ(-ENOSPC, put_str(self->fd, "k5", "v", RCUMAP_NOEXIST));
	EXPECT_EQ(TINY_MAX_ENTRIES, info_entries(_metadata, self->fd));
}

TEST_F(tiny_map, clear_full_map_frees_every_slot)
{
	char key[8];
	__u64 removed = 0;
	unsigned int i;

	fill_tiny_map(_metadata, self->fd);
	ASSERT_EQ(0, rcumap_clear(self->fd, &removed));
	EXPECT_EQ(TINY_MAX_ENTRIES, removed);
	for (i = TINY_MAX_ENTRIES; i < 2 * TINY_MAX_ENTRIES; i++) {
		tiny_key(key, sizeof(key), i);
		EXPECT_EQ(0, put_str(self->fd, key, "v", RCUMAP_NOEXIST))
			TH_LOG("%s", key);
	}
	EXPECT_EQ(-ENOSPC, put_str(self->fd, "k0", "v", RCUMAP_NOEXIST));
}

/* ------------------------------------------------------------------ */
/* small_limits_map: max_key_len=8 max_value_len=16                      */
/* ------------------------------------------------------------------ */

RCUMAP_MAP_FIXTURE(small_limits_map, "max_key_len=%u max_value_len=%u",
		   SMALL_MAX_KEY_LEN, SMALL_MAX_VALUE_LEN)

TEST_F(small_limits_map, info_reports_limit_params)
{
	struct rcumap_info info;

	ASSERT_EQ(0, rcumap_info(self->fd, &info));
	EXPECT_EQ(SMALL_MAX_KEY_LEN, info.max_key_len);
	EXPECT_EQ(SMALL_MAX_VALUE_LEN, info.max_value_len);
	EXPECT_EQ(DEFAULT_MAX_ENTRIES, info.max_entries);
}

TEST_F(small_limits_map, put_key_at_limit_accepted)
{
	ASSERT_EQ(0, put_str(self->fd, "12345678", "v", RCUMAP_NOEXIST));
	assert_str(_metadata, self->fd, "12345678", "v");
}

TEST_F(small_limits_map, put_key_over_limit_fails_e2big)
{
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-E2BIG, put_str(self->fd, "123456789", "v", RCUMAP_ANY));
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(small_limits_map, put_value_at_limit_accepted)
{
	ASSERT_EQ(0, put_str(self->fd, "k", "0123456789abcdef",
			     RCUMAP_NOEXIST));
	assert_str(_metadata, self->fd, "k", "0123456789abcdef");
}

TEST_F(small_limits_map, put_value_over_limit_fails_e2big)
{
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-E2BIG, put_str(self->fd, "gamma", "0123456789abcdefg",
				  RCUMAP_ANY));
	EXPECT_EQ(-E2BIG, put_str(self->fd, "alpha", "0123456789abcdefg",
				  RCUMAP_ANY));
	assert_missing(_metadata, self->fd, "gamma", 5);
	assert_seed_intact(_metadata, self->fd);
}

TEST_F(small_limits_map, get_key_over_limit_fails_e2big)
{
	char buf[16];
	size_t len = sizeof(buf);

	seed_map(_metadata, self->fd);
	EXPECT_EQ(-E2BIG, rcumap_get(self->fd, "123456789", 9, buf, &len));
}

TEST_F(small_limits_map, del_key_over_limit_fails_e2big)
{
	seed_map(_metadata, self->fd);
	EXPECT_EQ(-E2BIG, rcumap_del(self->fd, "123456789", 9));
	assert_seed_intact(_metadata, self->fd);
}

/*
 * For GET value_len is the size of the caller's buffer, not a value
 * length: like getxattr(2), a buffer larger than any value can be must
 * work, so callers need not know max_value_len.
 */
TEST_F(small_limits_map, get_buffer_larger_than_limit_succeeds)
{
	char buf[4 * SMALL_MAX_VALUE_LEN];
	size_t len = sizeof(buf);

	ASSERT_EQ(0, put_str(self->fd, "k", "0123456789abcdef", RCUMAP_ANY));
	ASSERT_EQ(0, rcumap_get(self->fd, "k", 1, buf, &len));
	EXPECT_EQ(SMALL_MAX_VALUE_LEN, len);
	EXPECT_EQ(0, memcmp(buf, "0123456789abcdef", SMALL_MAX_VALUE_LEN));
}

TEST_HARNESS_MAIN
