/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness glue shared by the rcumap selftests: skipping when the module
 * cannot be loaded, and the setup/teardown every map fixture does.
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

#endif /* RCUMAP_TEST_UTIL_H */
