/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness glue shared by the rcumap selftests: skipping when the module
 * cannot be loaded, the setup/teardown every map fixture does, the helpers
 * the tests of the ioctls share, and the first failure of a test's threads.
 *
 * The helpers take the harness's _metadata so that ASSERT_*, EXPECT_* and
 * SKIP work inside them exactly as in a FIXTURE_SETUP() body.
 */
#ifndef RCUMAP_TEST_UTIL_H
#define RCUMAP_TEST_UTIL_H

/*
 * The 6.12 harness is not -Wextra clean (__timeout_handler() ignores its
 * ucontext); keep that from drowning warnings about our own code.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

/*
 * Nor are the wrappers TEST_F() expands to in our files: they keep a local
 * across setjmp(), which -Wextra's -Wclobbered reports at every TEST_F().
 * Our own code never calls setjmp(), so nothing real is hidden.
 */
#pragma GCC diagnostic ignored "-Wclobbered"

#include <stdarg.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "rcumap_kmod.h"

/*
 * rcumap_skip_unless_loadable() - SKIP the current test unless we are root
 * and rcumap.ko is where rcumap_ko_path() looks. Returns false if skipped;
 * the caller then returns, and the harness does not run the test body.
 */
static inline bool
rcumap_skip_unless_loadable(struct __test_metadata *_metadata)
{
	char path[PATH_MAX] = RCUMAP_KO_NAME;
	enum rcumap_loadable how = rcumap_check_loadable(path, sizeof(path));

	if (how == RCUMAP_NOT_ROOT)
		SKIP(return false, "must run as root to load rcumap.ko");
	if (how == RCUMAP_NO_KO)
		SKIP(return false, "rcumap.ko not found at %s (set RCUMAP_KO)",
		     path);
	return true;
}

/* rcumap_open_dev() - open the map once devtmpfs has created the node. */
static inline int rcumap_open_dev(void)
{
	int ret = rcumap_wait_dev(true, NULL);

	return ret ? ret : rcumap_open(NULL);
}

/*
 * rcumap_test_setup() - fresh-load rcumap with @params and open the map.
 *
 * Returns the fd, or -1 after a SKIP. Each test gets its own load so that
 * no test depends on the entries or counters another one left behind.
 */
static inline int rcumap_test_setup(struct __test_metadata *_metadata,
				    const char *params)
{
	int ret, fd;

	if (!rcumap_skip_unless_loadable(_metadata))
		return -1;

	ret = rcumap_fresh_load(params);
	ASSERT_EQ(0, ret)
		TH_LOG("loading rcumap.ko with \"%s\": %s", params,
		       strerror(-ret));

	fd = rcumap_open_dev();
	ASSERT_LE(0, fd)
		TH_LOG("opening %s: %s", RCUMAP_DEV_PATH, strerror(-fd));
	return fd;
}

/*
 * rcumap_test_teardown() - close @fd and unload rcumap.
 *
 * A failed unload is a test failure: with every fd of the test closed, a
 * module that stays busy is leaking a reference.
 */
static inline void rcumap_test_teardown(struct __test_metadata *_metadata,
					int fd)
{
	int ret;

	if (fd >= 0)
		EXPECT_EQ(0, rcumap_close(fd));
	ret = rcumap_unload(true);
	EXPECT_EQ(0, ret)
		TH_LOG("unloading rcumap: %s", strerror(-ret));
}

/*
 * RCUMAP_MAP_FIXTURE(name, params_fmt, ...) - a fixture whose every test
 * gets a fresh load of rcumap with the module parameters printf() makes of
 * @params_fmt and its arguments, and self->fd open on the map. The pragmas
 * let "" ask for the defaults: -Wformat warns of a zero-length format.
 */
#define RCUMAP_MAP_FIXTURE(name, params_fmt, ...)			\
FIXTURE(name) {								\
	int fd;								\
};									\
									\
FIXTURE_SETUP(name)							\
{									\
	char params[64];						\
									\
	_Pragma("GCC diagnostic push")					\
	_Pragma("GCC diagnostic ignored \"-Wformat-zero-length\"")	\
	snprintf(params, sizeof(params), params_fmt, ##__VA_ARGS__);	\
	_Pragma("GCC diagnostic pop")					\
	self->fd = rcumap_test_setup(_metadata, params);		\
}									\
									\
FIXTURE_TEARDOWN(name)							\
{									\
	rcumap_test_teardown(_metadata, self->fd);			\
}

/* An address below mmap_min_addr: never mapped in any process. */
#define BAD_PTR			((void *)1)

/*
 * A page mapped PROT_NONE: an address that faults like an unmapped one
 * but, unlike a munmap()ed page, cannot be reused by a later allocation
 * while the test still relies on it faulting.
 */
static inline void *inaccessible_page(struct __test_metadata *_metadata)
{
	void *page = mmap(NULL, getpagesize(), PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(page != MAP_FAILED);
	return page;
}

static inline int put_str(int fd, const char *key, const char *value,
			  unsigned int flags)
{
	return rcumap_put(fd, key, strlen(key), value, strlen(value), flags);
}

static inline __u64 info_entries(struct __test_metadata *_metadata, int fd)
{
	struct rcumap_info info;

	ASSERT_EQ(0, rcumap_info(fd, &info));
	return info.entries;
}

static inline void take_stats(struct __test_metadata *_metadata, int fd,
			      struct rcumap_stats *stats)
{
	int ret = rcumap_stats(fd, stats);

	ASSERT_EQ(0, ret) TH_LOG("STATS: %s", strerror(-ret));
}

/*
 * Compare two snapshots slot by slot against what the test did between
 * them; @ops/@fails hold the expected deltas by command number and are
 * zero for slots no command uses.
 */
static inline void
assert_stats_deltas(struct __test_metadata *_metadata,
		    const struct rcumap_stats *before,
		    const struct rcumap_stats *after,
		    const __u64 *ops, const __u64 *fails)
{
	unsigned int i;

	for (i = 0; i < RCUMAP_STATS_SLOTS; i++) {
		EXPECT_EQ(ops[i], after->ops[i] - before->ops[i])
			TH_LOG("ops[%u]", i);
		EXPECT_EQ(fails[i], after->failures[i] - before->failures[i])
			TH_LOG("failures[%u]", i);
	}
}

/*
 * rcumap_thread_vfail() - record the failure of one of a test's threads in
 * @error (@size bytes, "" until then) and set @stop, which all the threads
 * poll. Only the first message is kept: later failures are most likely its
 * consequences.
 */
static inline void __attribute__((format(printf, 4, 0)))
rcumap_thread_vfail(char *error, size_t size, atomic_bool *stop,
		    const char *fmt, va_list ap)
{
	if (error[0])
		return;
	vsnprintf(error, size, fmt, ap);
	atomic_store(stop, true);
}

#endif /* RCUMAP_TEST_UTIL_H */
