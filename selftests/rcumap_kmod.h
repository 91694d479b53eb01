/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and unloading rcumap.ko for the rcumap selftests.
 *
 * The helpers talk to the module loader directly (finit_module(2) and
 * delete_module(2)) instead of running insmod/rmmod, so the tests need no
 * kmod tools in the guest and see the exact errno the kernel returns.
 * Every helper returns 0 (or a count) on success and -errno on failure.
 */
#ifndef RCUMAP_KMOD_H
#define RCUMAP_KMOD_H

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "librcumap.h"

#define RCUMAP_MODULE_NAME	"rcumap"
#define RCUMAP_KO_NAME		"rcumap.ko"

/*
 * How long the helpers wait for things the kernel finishes asynchronously
 * from our point of view: a reference dropped by a process that is still
 * exiting, or a devtmpfs node being created or removed.
 */
#define RCUMAP_WAIT_MS		1000
#define RCUMAP_POLL_MS		10

static inline void rcumap_sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * rcumap_ko_path() - where the module is: $RCUMAP_KO, else rcumap.ko next
 * to the running test binary, which is where kselftest's install step puts
 * TEST_FILES.
 */
static inline int rcumap_ko_path(char *buf, size_t len)
{
	const char *env = getenv("RCUMAP_KO");
	char exe[PATH_MAX];
	ssize_t n;
	int ret;

	if (env && *env) {
		ret = snprintf(buf, len, "%s", env);
		return ret < 0 || (size_t)ret >= len ? -ENAMETOOLONG : 0;
	}

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	ret = snprintf(buf, len, "%s/%s", dirname(exe), RCUMAP_KO_NAME);
	return ret < 0 || (size_t)ret >= len ? -ENAMETOOLONG : 0;
}

enum rcumap_loadable {
	RCUMAP_LOADABLE,
	RCUMAP_NOT_ROOT,
	RCUMAP_NO_KO,
};

/*
 * rcumap_check_loadable() - can this process load the module at all?
 * @path: filled with the module path, for the SKIP message
 *
 * Tests skip rather than fail when not run as root or when the module was
 * not installed next to them: neither says anything about rcumap.
 */
static inline enum rcumap_loadable rcumap_check_loadable(char *path,
							 size_t len)
{
	if (rcumap_ko_path(path, len))
		return RCUMAP_NO_KO;
	if (geteuid() != 0)
		return RCUMAP_NOT_ROOT;
	if (access(path, R_OK))
		return RCUMAP_NO_KO;
	return RCUMAP_LOADABLE;
}

/*
 * rcumap_sync() - the strategy the suite runs under: $RCUMAP_SYNC, else the
 * module's default. make check runs the whole suite once per strategy.
 */
static inline const char *rcumap_sync(void)
{
	const char *env = getenv("RCUMAP_SYNC");

	return env && *env ? env : "rcu";
}

/*
 * rcumap_full_params() - the parameter string rcumap_load() passes for
 * @params: the suite's strategy is added unless @params choose one.
 */
static inline int rcumap_full_params(char *buf, size_t len,
				     const char *params)
{
	int ret;

	params = params ? params : "";
	ret = snprintf(buf, len, "%s%s %s",
		       strstr(params, "sync=") ? "" : "sync=",
		       strstr(params, "sync=") ? "" : rcumap_sync(), params);
	return ret < 0 || (size_t)ret >= len ? -E2BIG : 0;
}

/*
 * rcumap_load() - finit_module(2) rcumap.ko with @params ("" or NULL: none),
 * under the suite's strategy unless @params chooses one itself.
 */
static inline int rcumap_load(const char *params)
{
	char path[PATH_MAX], all[512];
	int fd, ret;

	ret = rcumap_full_params(all, sizeof(all), params);
	if (ret)
		return ret;
	ret = rcumap_ko_path(path, sizeof(path));
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, all, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * rcumap_unload() - delete_module(2) rcumap without blocking.
 * @wait: retry for up to RCUMAP_WAIT_MS while the module is still in use
 *
 * Tests that check the refusal itself pass @wait false. Teardown passes
 * true: the test's last fd may belong to a child that is still exiting.
 */
static inline int rcumap_unload(bool wait)
{
	unsigned int waited = 0;

	for (;;) {
		if (!syscall(__NR_delete_module, RCUMAP_MODULE_NAME, O_NONBLOCK))
			return 0;
		if (errno != EWOULDBLOCK || !wait || waited >= RCUMAP_WAIT_MS)
			return -errno;
		rcumap_sleep_ms(RCUMAP_POLL_MS);
		waited += RCUMAP_POLL_MS;
	}
}

/*
 * rcumap_fresh_load() - load rcumap with @params into a clean slate: an
 * instance left over from an earlier (possibly crashed) test is unloaded
 * first, so every test starts from an empty map and zeroed counters.
 */
static inline int rcumap_fresh_load(const char *params)
{
	int ret = rcumap_unload(true);

	if (ret && ret != -ENOENT)
		return ret;
	return rcumap_load(params);
}

/*
 * rcumap_is_loaded() - 1 if /proc/modules lists rcumap, 0 if not.
 *
 * Unlike probing with delete_module(2) this does not change what it
 * looks at.
 */
static inline int rcumap_is_loaded(void)
{
	static const char prefix[] = RCUMAP_MODULE_NAME " ";
	char line[512];
	int found = 0;
	FILE *f;

	f = fopen("/proc/modules", "re");
	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, prefix, sizeof(prefix) - 1);
	fclose(f);
	return found;
}

/*
 * rcumap_wait_unused() - wait up to RCUMAP_WAIT_MS until nothing holds a
 * reference to the module (/sys/module/rcumap/refcnt is 0): the last fd
 * of a test may belong to a child that is still exiting.
 * Returns 0, -EBUSY if it stays in use, or -errno.
 */
static inline int rcumap_wait_unused(void)
{
	unsigned int waited = 0;
	int refcnt;
	FILE *f;

	for (;;) {
		f = fopen("/sys/module/" RCUMAP_MODULE_NAME "/refcnt", "re");
		if (!f)
			return -errno;
		if (fscanf(f, "%d", &refcnt) != 1)
			refcnt = -1;
		fclose(f);
		if (refcnt == 0)
			return 0;
		if (refcnt < 0)
			return -EIO;
		if (waited >= RCUMAP_WAIT_MS)
			return -EBUSY;
		rcumap_sleep_ms(RCUMAP_POLL_MS);
		waited += RCUMAP_POLL_MS;
	}
}

/*
 * rcumap_wait_dev() - wait until RCUMAP_DEV_PATH exists (@present) or not.
 * @st: if not NULL and the node exists, its stat
 *
 * devtmpfs creates and removes the node on the module's behalf; allow it
 * RCUMAP_WAIT_MS rather than assuming it is done when init_module returns.
 */
static inline int rcumap_wait_dev(bool present, struct stat *st)
{
	unsigned int waited = 0;
	struct stat tmp;

	for (;;) {
		int exists = !stat(RCUMAP_DEV_PATH, st ? st : &tmp);

		if (!exists && errno != ENOENT)
			return -errno;
		if (exists == present)
			return 0;
		if (waited >= RCUMAP_WAIT_MS)
			return -ETIMEDOUT;
		rcumap_sleep_ms(RCUMAP_POLL_MS);
		waited += RCUMAP_POLL_MS;
	}
}

#endif /* RCUMAP_KMOD_H */
