// SPDX-License-Identifier: GPL-2.0
/*
 * The map's memory is charged to the memory cgroup of the process that
 * fills it: a process whose cgroup v2 memory.max is reached gets ENOMEM
 * from PUT, the OOM killer is never invoked, and the map keeps every entry
 * that was put before.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rcumap_test_util.h"

#define CGROOT		"/sys/fs/cgroup"
#define CGDIR		CGROOT "/rcumap-memcg-test"
#define MEMORY_MAX	(8 << 20)
#define VALUE_SIZE	4096
/* Far more than MEMORY_MAX holds: the limit, not this, ends the fill. */
#define MAX_PUTS	100000

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	int ret;

	if (!f)
		return -errno;
	ret = fputs(text, f) < 0 ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

/* The value of @key in the flat-keyed cgroup file @path, or -1. */
static long long read_key(const char *path, const char *key)
{
	char name[64];
	long long value;
	FILE *f = fopen(path, "re");
	long long found = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", name, &value) == 2)
		if (!strcmp(name, key))
			found = value;
	fclose(f);
	return found;
}

/* A cgroup v2 hierarchy with the memory controller for its children. */
static bool have_memcg(void)
{
	struct stat st;

	if (stat(CGROOT "/cgroup.controllers", &st))
		mount("none", CGROOT, "cgroup2", 0, NULL);
	return !write_file(CGROOT "/cgroup.subtree_control", "+memory");
}

FIXTURE(memcg) {
	int fd;
};

FIXTURE_SETUP(memcg)
{
	char max[32];

	self->fd = -1;
	if (!have_memcg())
		SKIP(return, "no cgroup v2 memory controller (missing CONFIG_MEMCG?)");
	self->fd = rcumap_test_setup(_metadata, "max_entries=1048576");
	rmdir(CGDIR);
	ASSERT_EQ(0, mkdir(CGDIR, 0755));
	snprintf(max, sizeof(max), "%d", MEMORY_MAX);
	ASSERT_EQ(0, write_file(CGDIR "/memory.max", max));
}

FIXTURE_TEARDOWN(memcg)
{
	if (self->fd < 0)
		return;
	EXPECT_EQ(0, rcumap_clear(self->fd, NULL));
	EXPECT_EQ(0, rmdir(CGDIR));
	rcumap_test_teardown(_metadata, self->fd);
}

/*
 * In the cgroup: PUT new keys until a PUT fails; report in *@count how
 * many went in, exit with the failure's errno. *@count is a shared page the
 * parent touched: once the cgroup is full, any new page this process needs
 * (a pipe's buffer, say) is charged to it and calls the OOM killer.
 */
static void fill_in_cgroup(int fd, int *count)
{
	static char value[VALUE_SIZE];
	char key[32];
	int i, ret = 0;

	if (write_file(CGDIR "/cgroup.procs", "0"))
		_exit(255);
	for (i = 0; i < MAX_PUTS && !ret; i++) {
		snprintf(key, sizeof(key), "memcg-%06d", i);
		memset(value, i, sizeof(value));
		ret = rcumap_put(fd, key, strlen(key), value, sizeof(value),
				 RCUMAP_NOEXIST);
	}
	*count = i - !!ret;
	_exit(-ret);
}

/*
 * Every PUT past the limit first makes the cgroup reclaim what it can,
 * which under the debug kernels' emulation takes seconds.
 */
TEST_F_TIMEOUT(memcg, put_fails_enomem_at_memory_max_without_an_oom_kill,
	       180)
{
	char key[32], buf[VALUE_SIZE];
	int status, stored, *count;
	size_t len;
	pid_t pid;

	count = mmap(NULL, sizeof(*count), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(count != MAP_FAILED);
	*count = -1;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		fill_in_cgroup(self->fd, count);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	stored = *count;
	munmap(count, sizeof(*count));

	/* The filler was not killed: it ended on its own, with ENOMEM. */
	ASSERT_TRUE(WIFEXITED(status))
		TH_LOG("the filler died of signal %d", WTERMSIG(status));
	EXPECT_EQ(ENOMEM, WEXITSTATUS(status))
		TH_LOG("the fill ended with %s after %d entries",
		       strerror(WEXITSTATUS(status)), stored);
	EXPECT_EQ(0, read_key(CGDIR "/memory.events", "oom_kill"));
	EXPECT_EQ(0, read_key(CGDIR "/memory.events", "oom"));
	EXPECT_LT(0, read_key(CGDIR "/memory.events", "max"));
	/* The limit, not max_entries, stopped it: well short of MAX_PUTS. */
	EXPECT_LT(100, stored);
	EXPECT_GT(MEMORY_MAX / VALUE_SIZE, stored);
	TH_LOG("%d entries of %d bytes fit in memory.max=%d", stored,
	       VALUE_SIZE, MEMORY_MAX);

	/* Every entry put before the failure is there, and no other. */
	EXPECT_EQ((__u64)stored, info_entries(_metadata, self->fd));
	snprintf(key, sizeof(key), "memcg-%06d", stored - 1);
	len = sizeof(buf);
	EXPECT_EQ(0, rcumap_get(self->fd, key, strlen(key), buf, &len));
	EXPECT_EQ((size_t)VALUE_SIZE, len);
	EXPECT_EQ((char)(stored - 1), buf[VALUE_SIZE - 1]);
	snprintf(key, sizeof(key), "memcg-%06d", stored);
	len = sizeof(buf);
	EXPECT_EQ(-ENOENT, rcumap_get(self->fd, key, strlen(key), buf, &len));
}

TEST_HARNESS_MAIN
