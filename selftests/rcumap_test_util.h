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
 * Which load of rcumap the setup made last: the module file, the full
 * parameters and the change time of the device node, which devtmpfs
 * creates anew on every load, so that a module loaded by anyone else never
 * matches.
 */
#define RCUMAP_LOAD_STAMP	"/tmp/rcumap-selftest-load"

static inline int rcumap_load_identity(char *buf, size_t len,
				       const char *params)
{
	char all[512], ko[PATH_MAX];
	struct stat st;
	int ret;

	ret = rcumap_full_params(all, sizeof(all), params) ?:
	      rcumap_ko_path(ko, sizeof(ko));
	if (ret)
		return ret;
	if (stat(RCUMAP_DEV_PATH, &st))
		return -errno;
	ret = snprintf(buf, len, "%s\n%s\n%lld.%09ld\n", ko, all,
		       (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
	return ret < 0 || (size_t)ret >= len ? -E2BIG : 0;
}

/* Is the loaded module the one the setup last loaded with @params? */
static inline bool rcumap_load_reusable(const char *params)
{
	char want[640 + PATH_MAX], have[640 + PATH_MAX];
	size_t n;
	FILE *f;

	if (rcumap_is_loaded() != 1 || rcumap_wait_unused() ||
	    rcumap_load_identity(want, sizeof(want), params))
		return false;
	f = fopen(RCUMAP_LOAD_STAMP, "re");
	if (!f)
		return false;
	n = fread(have, 1, sizeof(have) - 1, f);
	fclose(f);
	have[n] = '\0';
	return !strcmp(want, have);
}

static inline void rcumap_stamp_load(struct __test_metadata *_metadata,
				     const char *params)
{
	char id[640 + PATH_MAX];
	FILE *f;

	ASSERT_EQ(0, rcumap_load_identity(id, sizeof(id), params));
	f = fopen(RCUMAP_LOAD_STAMP, "we");
	ASSERT_TRUE(f != NULL);
	fputs(id, f);
	ASSERT_EQ(0, fclose(f));
}

/*
 * rcumap_test_fresh_setup() - load rcumap with @params afresh and open the
 * map. Returns the fd, or -1 after a SKIP. For the tests that need zeroed
 * counters or check the load itself.
 */
static inline int rcumap_test_fresh_setup(struct __test_metadata *_metadata,
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
	rcumap_stamp_load(_metadata, params);
	return fd;
}

/*
 * rcumap_test_setup() - an empty map of rcumap loaded with @params, open.
 *
 * Returns the fd, or -1 after a SKIP. The module the previous test left
 * loaded with the same parameters is reused, emptied with CLEAR: under an
 * emulated guest a load and unload cost about a second, most of the time
 * of the ioctl tests. So no test may depend on counters being zero (those
 * call rcumap_test_fresh_setup()) or on what another test left in the
 * map; the statistics tests compare snapshots.
 */
static inline int rcumap_test_setup(struct __test_metadata *_metadata,
				    const char *params)
{
	int ret, fd;

	if (!rcumap_skip_unless_loadable(_metadata))
		return -1;
	if (!rcumap_load_reusable(params))
		return rcumap_test_fresh_setup(_metadata, params);

	fd = rcumap_open_dev();
	ASSERT_LE(0, fd)
		TH_LOG("opening %s: %s", RCUMAP_DEV_PATH, strerror(-fd));
	ret = rcumap_clear(fd, NULL);
	ASSERT_EQ(0, ret) TH_LOG("CLEAR: %s", strerror(-ret));
	return fd;
}

/*
 * rcumap_test_teardown() - close @fd; the module stays loaded for the next
 * test (rcumap_test_setup()).
 *
 * A module still in use once every fd of the test is closed is a test
 * failure: it is leaking a reference.
 */
static inline void rcumap_test_teardown(struct __test_metadata *_metadata,
					int fd)
{
	int ret;

	if (fd >= 0)
		EXPECT_EQ(0, rcumap_close(fd));
	ret = rcumap_wait_unused();
	EXPECT_EQ(0, ret)
		TH_LOG("rcumap still in use after the test: %s",
		       strerror(-ret));
}

/*
 * RCUMAP_MAP_FIXTURE(name, params_fmt, ...) - a fixture whose every test
 * gets an empty map of rcumap loaded with the module parameters printf()
 * makes of @params_fmt and its arguments (rcumap_test_setup()), and
 * self->fd open on it. The pragmas
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
