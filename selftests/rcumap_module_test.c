// SPDX-License-Identifier: GPL-2.0
/*
 * Lifecycle tests of rcumap.ko: loading with good and bad parameters,
 * unloading while the device is in use, reloading, and the mode of the
 * device node.
 *
 * These tests load and unload the module themselves instead of using the
 * map fixture setup: the load or unload is what they test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rcumap_test_util.h"

/* Assert that no rcumap module and no device node are left behind. */
static void assert_nothing_loaded(struct __test_metadata *_metadata)
{
	EXPECT_EQ(0, rcumap_is_loaded());
	EXPECT_EQ(0, rcumap_wait_dev(false, NULL))
		TH_LOG("%s still present", RCUMAP_DEV_PATH);
}

/* Start a test that loads the module itself from "not loaded". */
static bool start_unloaded(struct __test_metadata *_metadata)
{
	int ret;

	if (!rcumap_skip_unless_loadable(_metadata))
		return false;
	ret = rcumap_unload(true);
	ASSERT_TRUE(ret == 0 || ret == -ENOENT)
		TH_LOG("unloading a leftover rcumap: %s", strerror(-ret));
	return true;
}

/* Leave "not loaded" behind whatever the test did; ENOENT is success. */
static void end_unloaded(struct __test_metadata *_metadata)
{
	int ret = rcumap_unload(true);

	EXPECT_TRUE(ret == 0 || ret == -ENOENT)
		TH_LOG("unloading rcumap: %s", strerror(-ret));
}

static void assert_info_entries(struct __test_metadata *_metadata, int fd,
				__u64 entries)
{
	struct rcumap_info info;

	ASSERT_EQ(0, rcumap_info(fd, &info));
	EXPECT_EQ(entries, info.entries);
}

/* ------------------------------------------------------------------ */
/* Unloading and reloading                                              */
/* ------------------------------------------------------------------ */

/*
 * Tests that load the module themselves. The fds live in the fixture so
 * that teardown can close whatever an aborted test left open before it
 * unloads.
 */
FIXTURE(lifecycle) {
	int fd;
	int fd2;
};

FIXTURE_SETUP(lifecycle)
{
	self->fd = -1;
	self->fd2 = -1;
	start_unloaded(_metadata);
}

FIXTURE_TEARDOWN(lifecycle)
{
	if (self->fd >= 0)
		rcumap_close(self->fd);
	if (self->fd2 >= 0)
		rcumap_close(self->fd2);
	end_unloaded(_metadata);
}

/* Close @fd and mark it closed for the teardown. */
static void close_fd(struct __test_metadata *_metadata, int *fd)
{
	int ret = rcumap_close(*fd);

	*fd = -1;
	ASSERT_EQ(0, ret);
}

TEST_F(lifecycle, unload_refused_while_fd_open_then_succeeds_after_close)
{
	int ret;

	ASSERT_EQ(0, rcumap_load(""));
	self->fd = rcumap_open_dev();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, rcumap_put(self->fd, "k", 1, "v", 1, RCUMAP_ANY));

	ret = rcumap_unload(false);
	EXPECT_EQ(-EWOULDBLOCK, ret) TH_LOG("got %s", strerror(-ret));
	EXPECT_EQ(1, rcumap_is_loaded());
	/* The refused unload must not have torn anything down. */
	assert_info_entries(_metadata, self->fd, 1);

	close_fd(_metadata, &self->fd);
	/* close() drops the last reference before it returns: no retry. */
	ret = rcumap_unload(false);
	EXPECT_EQ(0, ret) TH_LOG("got %s", strerror(-ret));
	assert_nothing_loaded(_metadata);
}

/* The module stays pinned by the open file, not by a particular fd. */
TEST_F(lifecycle, unload_refused_until_last_dup_of_fd_closed)
{
	int ret;

	ASSERT_EQ(0, rcumap_load(""));
	self->fd = rcumap_open_dev();
	ASSERT_LE(0, self->fd);
	self->fd2 = dup(self->fd);
	ASSERT_LE(0, self->fd2);

	close_fd(_metadata, &self->fd);
	ret = rcumap_unload(false);
	EXPECT_EQ(-EWOULDBLOCK, ret) TH_LOG("got %s", strerror(-ret));
	assert_info_entries(_metadata, self->fd2, 0);

	close_fd(_metadata, &self->fd2);
	ret = rcumap_unload(false);
	EXPECT_EQ(0, ret) TH_LOG("got %s", strerror(-ret));
}

#define RELOAD_CYCLES	3
#define RELOAD_ENTRIES	100

/* A new instance must not inherit entries or counters from the last. */
static void assert_fresh_instance(struct __test_metadata *_metadata, int fd)
{
	struct rcumap_stats stats;
	char buf[32];
	size_t len = sizeof(buf);

	assert_info_entries(_metadata, fd, 0);
	EXPECT_EQ(-ENOENT, rcumap_get(fd, "reload-000", 10, buf, &len));
	ASSERT_EQ(0, rcumap_stats(fd, &stats));
	EXPECT_EQ(0U, stats.entries);
	EXPECT_EQ(0U, stats.bytes);
	EXPECT_EQ(0U, stats.ops[RCUMAP_CMD_PUT]);
	EXPECT_EQ(1U, stats.hits + stats.misses);	/* the GET above */
}

TEST_F(lifecycle, reload_cycles_each_start_empty)
{
	char key[16], value[32];
	int cycle, i, ret;

	for (cycle = 0; cycle < RELOAD_CYCLES; cycle++) {
		ret = rcumap_load("");
		ASSERT_EQ(0, ret)
			TH_LOG("cycle %d: load: %s", cycle, strerror(-ret));
		self->fd = rcumap_open_dev();
		ASSERT_LE(0, self->fd) TH_LOG("cycle %d: open", cycle);
		assert_fresh_instance(_metadata, self->fd);

		for (i = 0; i < RELOAD_ENTRIES; i++) {
			snprintf(key, sizeof(key), "reload-%03d", i);
			snprintf(value, sizeof(value), "cycle %d entry %d",
				 cycle, i);
			ASSERT_EQ(0, rcumap_put(self->fd, key, strlen(key),
						value, strlen(value),
						RCUMAP_NOEXIST))
				TH_LOG("cycle %d: %s", cycle, key);
		}
		assert_info_entries(_metadata, self->fd, RELOAD_ENTRIES);

		/* Unloading a full map must free it, not refuse. */
		close_fd(_metadata, &self->fd);
		ret = rcumap_unload(true);
		ASSERT_EQ(0, ret)
			TH_LOG("cycle %d: unload: %s", cycle, strerror(-ret));
		assert_nothing_loaded(_metadata);
	}
}

/* ------------------------------------------------------------------ */
/* Bad parameters                                                       */
/* ------------------------------------------------------------------ */

FIXTURE(bad_params) {
};

FIXTURE_VARIANT(bad_params) {
	const char *params;
};

FIXTURE_VARIANT_ADD(bad_params, max_entries_zero) {
	.params = "max_entries=0",
};

FIXTURE_VARIANT_ADD(bad_params, max_entries_over_ceiling) {
	.params = "max_entries=16777217",
};

FIXTURE_VARIANT_ADD(bad_params, max_entries_not_a_number) {
	.params = "max_entries=abc",
};

FIXTURE_VARIANT_ADD(bad_params, max_entries_negative) {
	.params = "max_entries=-1",
};

FIXTURE_VARIANT_ADD(bad_params, max_key_len_zero) {
	.params = "max_key_len=0",
};

FIXTURE_VARIANT_ADD(bad_params, max_key_len_over_ceiling) {
	.params = "max_key_len=257",
};

FIXTURE_VARIANT_ADD(bad_params, max_value_len_over_ceiling) {
	.params = "max_value_len=1048577",
};

FIXTURE_VARIANT_ADD(bad_params, dev_mode_sticky_bit) {
	.params = "dev_mode=01000",
};

FIXTURE_VARIANT_ADD(bad_params, dev_mode_setuid_bit) {
	.params = "dev_mode=04600",
};

/* One bad value among good ones still fails the whole load. */
FIXTURE_VARIANT_ADD(bad_params, reap_ms_below_10) {
	.params = "reap_ms=9",
};

FIXTURE_VARIANT_ADD(bad_params, reap_ms_over_a_minute) {
	.params = "reap_ms=60001",
};

FIXTURE_VARIANT_ADD(bad_params, bug_unknown) {
	.params = "bug=typo",
};

FIXTURE_VARIANT_ADD(bad_params, bug_in_table_under_rhashtable) {
	.params = "sync=rhashtable bug=add_rmw",
};

/*
 * A lesson's bug under a strategy it does not teach: under sync=owner the
 * owner thread frees entries at once, so add_rmw's unlocked walk would be
 * a use after free, not the lesson's lost update; the others prove nothing
 * there (nothing races, or a lock the strategy takes anyway hides it).
 */
FIXTURE_VARIANT_ADD(bad_params, bug_add_rmw_under_owner) {
	.params = "sync=owner bug=add_rmw",
};

FIXTURE_VARIANT_ADD(bad_params, bug_reaper_unlocked_under_owner) {
	.params = "sync=owner bug=reaper_unlocked",
};

FIXTURE_VARIANT_ADD(bad_params, bug_get_unlocked_under_owner) {
	.params = "sync=owner bug=get_unlocked",
};

FIXTURE_VARIANT_ADD(bad_params, bug_add_rmw_under_mutex) {
	.params = "sync=mutex bug=add_rmw",
};

FIXTURE_VARIANT_ADD(bad_params, bug_free_now_under_mutex) {
	.params = "sync=mutex bug=free_now",
};

FIXTURE_VARIANT_ADD(bad_params, sync_unknown) {
	.params = "sync=spinlock",
};

FIXTURE_VARIANT_ADD(bad_params, sync_empty) {
	.params = "sync=",
};

FIXTURE_VARIANT_ADD(bad_params, bad_value_after_good_ones) {
	.params = "max_entries=4 max_key_len=8 max_value_len=1048577",
};

FIXTURE_SETUP(bad_params)
{
	start_unloaded(_metadata);
}

FIXTURE_TEARDOWN(bad_params)
{
	/* If a bad load wrongly succeeded, do not leak it to later tests. */
	end_unloaded(_metadata);
}

TEST_F(bad_params, load_fails_einval_leaving_no_module_or_device)
{
	int ret = rcumap_load(variant->params);

	EXPECT_EQ(-EINVAL, ret)
		TH_LOG("\"%s\": got %s", variant->params, strerror(-ret));
	assert_nothing_loaded(_metadata);
}

/* A failed init must release what it registered (chrdev, class, ...). */
TEST_F(bad_params, good_load_after_failed_one_succeeds)
{
	int fd, ret;

	ASSERT_NE(0, rcumap_load(variant->params));
	ret = rcumap_load("");
	ASSERT_EQ(0, ret) TH_LOG("good load: %s", strerror(-ret));
	fd = rcumap_open_dev();
	ASSERT_LE(0, fd) TH_LOG("open: %s", strerror(-fd));
	assert_info_entries(_metadata, fd, 0);
	ASSERT_EQ(0, rcumap_close(fd));
}

/* ------------------------------------------------------------------ */
/* Parameters at the edges of their ranges                               */
/* ------------------------------------------------------------------ */

FIXTURE(edge_params) {
	int fd;
	char *key;
	char *value;
};

FIXTURE_VARIANT(edge_params) {
	const char *params;
	__u32 max_entries;
	__u32 max_key_len;
	__u32 max_value_len;
};

FIXTURE_VARIANT_ADD(edge_params, lowest) {
	.params = "max_entries=1 max_key_len=1 max_value_len=0",
	.max_entries = 1,
	.max_key_len = 1,
	.max_value_len = 0,
};

/*
 * The largest lengths, and a large map. Not the max_entries ceiling
 * (16777216): lockdep makes every bucket lock's initialisation slow, and a
 * bucket array that size takes minutes to initialise in the emulated
 * guest (a million buckets, 15 s or more on a busy host); bad_params checks
 * that one past the ceiling is refused.
 */
FIXTURE_VARIANT_ADD(edge_params, highest) {
	.params = "max_entries=262144 max_key_len=256 max_value_len=1048576",
	.max_entries = 262144,
	.max_key_len = RCUMAP_KEY_LEN_LIMIT,
	.max_value_len = RCUMAP_VALUE_LEN_LIMIT,
};

FIXTURE_SETUP(edge_params)
{
	int ret;

	self->fd = -1;
	/* One byte over each limit, for the rejection checks. */
	self->key = calloc(1, variant->max_key_len + 1);
	self->value = calloc(1, variant->max_value_len + 1);
	ASSERT_TRUE(self->key && self->value);

	if (!start_unloaded(_metadata))
		return;
	ret = rcumap_load(variant->params);
	ASSERT_EQ(0, ret)
		TH_LOG("\"%s\": %s", variant->params, strerror(-ret));
	self->fd = rcumap_open_dev();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(edge_params)
{
	if (self->fd >= 0)
		EXPECT_EQ(0, rcumap_close(self->fd));
	end_unloaded(_metadata);
	free(self->key);
	free(self->value);
}

/* Loading a large map in the emulated lockdep kernel takes a while. */
TEST_F_TIMEOUT(edge_params, info_reports_the_params, 120)
{
	struct rcumap_info info;

	ASSERT_EQ(0, rcumap_info(self->fd, &info));
	EXPECT_EQ(variant->max_entries, info.max_entries);
	EXPECT_EQ(variant->max_key_len, info.max_key_len);
	EXPECT_EQ(variant->max_value_len, info.max_value_len);
}

TEST_F_TIMEOUT(edge_params, lengths_at_limit_accepted_and_over_limit_e2big, 120)
{
	size_t klen = variant->max_key_len, vlen = variant->max_value_len;
	size_t len = vlen;

	memset(self->key, 'k', klen + 1);
	memset(self->value, 'v', vlen + 1);

	ASSERT_EQ(0, rcumap_put(self->fd, self->key, klen, self->value, vlen,
				RCUMAP_NOEXIST));
	ASSERT_EQ(0, rcumap_get(self->fd, self->key, klen, self->value, &len));
	EXPECT_EQ(vlen, len);

	EXPECT_EQ(-E2BIG, rcumap_put(self->fd, self->key, klen + 1,
				     self->value, vlen, RCUMAP_ANY));
	EXPECT_EQ(-E2BIG, rcumap_put(self->fd, self->key, klen,
				     self->value, vlen + 1, RCUMAP_ANY));
	assert_info_entries(_metadata, self->fd, 1);
}

/* ------------------------------------------------------------------ */
/* Device node mode                                                     */
/* ------------------------------------------------------------------ */

FIXTURE(dev_mode) {
};

FIXTURE_VARIANT(dev_mode) {
	const char *params;
	mode_t mode;
};

FIXTURE_VARIANT_ADD(dev_mode, default_0600) {
	.params = "",
	.mode = 0600,
};

FIXTURE_VARIANT_ADD(dev_mode, world_rw_0666) {
	.params = "dev_mode=0666",
	.mode = 0666,
};

FIXTURE_VARIANT_ADD(dev_mode, owner_ro_0400) {
	.params = "dev_mode=0400",
	.mode = 0400,
};

FIXTURE_SETUP(dev_mode)
{
	start_unloaded(_metadata);
}

FIXTURE_TEARDOWN(dev_mode)
{
	end_unloaded(_metadata);
}

TEST_F(dev_mode, node_has_requested_mode)
{
	struct stat st;
	int ret;

	ret = rcumap_load(variant->params);
	ASSERT_EQ(0, ret)
		TH_LOG("\"%s\": %s", variant->params, strerror(-ret));
	ret = rcumap_wait_dev(true, &st);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", RCUMAP_DEV_PATH, strerror(-ret));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(variant->mode, st.st_mode & 07777)
		TH_LOG("mode %04o, want %04o", st.st_mode & 07777,
		       variant->mode);
}

/* ------------------------------------------------------------------ */
/* Strategies (sync=)                                                   */
/* ------------------------------------------------------------------ */

FIXTURE(strategy) {
};

FIXTURE_VARIANT(strategy) {
	const char *name;
};

FIXTURE_VARIANT_ADD(strategy, rcu) { .name = "rcu" };
FIXTURE_VARIANT_ADD(strategy, mutex) { .name = "mutex" };
FIXTURE_VARIANT_ADD(strategy, rwlock) { .name = "rwlock" };
FIXTURE_VARIANT_ADD(strategy, sharded) { .name = "sharded" };
FIXTURE_VARIANT_ADD(strategy, owner) { .name = "owner" };
FIXTURE_VARIANT_ADD(strategy, rhashtable) { .name = "rhashtable" };
FIXTURE_VARIANT_ADD(strategy, none) { .name = "none" };

FIXTURE_SETUP(strategy)
{
	start_unloaded(_metadata);
}

FIXTURE_TEARDOWN(strategy)
{
	end_unloaded(_metadata);
}

/* Single-threaded, so even sync=none must get this right. */
TEST_F(strategy, loads_names_itself_and_stores)
{
	struct rcumap_stats stats = { 0 };
	struct rcumap_info info;
	char params[64], buf[8];
	size_t len = sizeof(buf);
	int fd, ret;

	snprintf(params, sizeof(params), "sync=%s", variant->name);
	ret = rcumap_load(params);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", params, strerror(-ret));
	fd = rcumap_open_dev();
	ASSERT_LE(0, fd) TH_LOG("open: %s", strerror(-fd));
	ASSERT_EQ(0, rcumap_info(fd, &info));
	EXPECT_STREQ(variant->name, (const char *)info.strategy);
	ASSERT_EQ(0, rcumap_stats(fd, &stats));
	EXPECT_STREQ(variant->name, (const char *)stats.strategy);
	ASSERT_EQ(0, rcumap_put(fd, "k", 1, "v", 1, RCUMAP_NOEXIST));
	ASSERT_EQ(0, rcumap_get(fd, "k", 1, buf, &len));
	EXPECT_EQ(1U, len);
	EXPECT_EQ(0, rcumap_del(fd, "k", 1));
	close(fd);
}

TEST_HARNESS_MAIN
