// SPDX-License-Identifier: GPL-2.0
/*
 * Who may use the map, and what it hands back: the device node's default
 * mode keeps out everyone but root; CLEAR, which empties the whole map,
 * needs CAP_SYS_ADMIN of the process that opened the file, not of the one
 * calling, so a descriptor passed on is no confused deputy either way; and
 * every struct the module copies out is fully written, its strings padded
 * with zeros, so no byte of kernel memory reaches the caller.
 *
 * The unprivileged side runs in a child that switches to the overflow user
 * (65534): a change of uid away from 0 clears every capability.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rcumap_test_util.h"

#define NOBODY		65534

/* Become NOBODY, without capabilities; returns 0 or -errno. */
static int drop_to_nobody(void)
{
	if (setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -errno;
	return 0;
}

/*
 * take_fd_of_nobody() - a descriptor of the map opened by NOBODY, in this
 * (root) process: a child becomes NOBODY, opens the map and waits; we take
 * a copy of its descriptor with pidfd_getfd(2), as SCM_RIGHTS would hand
 * it over (the test kernels have no AF_UNIX). Returns it or -errno.
 */
static int take_fd_of_nobody(void)
{
	int ready[2], done[2], pidfd, fd = -EIO, child_fd = -1;
	pid_t pid;

	if (pipe(ready) || pipe(done))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		/* Our end of done must close too, for its read to end. */
		close(done[1]);
		child_fd = drop_to_nobody() ?: rcumap_open(NULL);
		if (write(ready[1], &child_fd, sizeof(child_fd)) < 0 ||
		    read(done[0], &child_fd, 1) < 0)
			_exit(1);
		_exit(0);
	}
	if (read(ready[0], &child_fd, sizeof(child_fd)) == sizeof(child_fd) &&
	    child_fd >= 0) {
		pidfd = syscall(SYS_pidfd_open, pid, 0);
		fd = pidfd < 0 ? -errno :
		     syscall(SYS_pidfd_getfd, pidfd, child_fd, 0);
		if (fd < 0 && pidfd >= 0)
			fd = -errno;
		if (pidfd >= 0)
			close(pidfd);
	} else if (child_fd < 0) {
		fd = child_fd;
	}
	close(done[1]);
	waitpid(pid, NULL, 0);
	close(ready[0]);
	close(ready[1]);
	close(done[0]);
	return fd;
}

/*
 * Run @fn(@arg) in a child that became NOBODY; the child's exit status is
 * @fn's return value, a positive errno (0 for success). Returns it, or
 * -1 if the child could not drop privileges or died.
 */
static int as_nobody(int (*fn)(void *arg), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(drop_to_nobody() ? 255 : fn(arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 255)
		return -1;
	return WEXITSTATUS(status);
}

/* Open the map; the errno, or 0. */
static int open_errno(void *arg)
{
	int fd = rcumap_open(NULL);

	(void)arg;
	return fd < 0 ? -fd : 0;
}

/* CLEAR through the descriptor at *@arg; its errno, or 0. */
static int clear_errno(void *arg)
{
	return -rcumap_clear(*(int *)arg, NULL);
}

/* Open the map and CLEAR it through that descriptor; its errno, or 0. */
static int open_and_clear_errno(void *arg)
{
	int fd = rcumap_open(NULL);

	(void)arg;
	return fd < 0 ? -fd : -rcumap_clear(fd, NULL);
}

/* The module's defaults: the node is root's alone. */
RCUMAP_MAP_FIXTURE(default_node, "")

TEST_F(default_node, is_root_only_mode_0600)
{
	struct stat st;

	ASSERT_EQ(0, stat(RCUMAP_DEV_PATH, &st));
	EXPECT_EQ(0600U, st.st_mode & 07777);
	EXPECT_EQ(0U, st.st_uid);
	EXPECT_EQ(0U, st.st_gid);
}

TEST_F(default_node, cannot_be_opened_by_an_unprivileged_user)
{
	EXPECT_EQ(EACCES, as_nobody(open_errno, NULL));
}

/* A node anyone may open (dev_mode=0666), as udev's 0660 gives a group. */
RCUMAP_MAP_FIXTURE(open_node, "dev_mode=0666")

TEST_F(open_node, clear_fails_eperm_for_an_unprivileged_opener)
{
	ASSERT_EQ(0, put_str(self->fd, "kept", "value", RCUMAP_ANY));
	EXPECT_EQ(EPERM, as_nobody(open_and_clear_errno, NULL));
	/* Nothing was deleted. */
	EXPECT_EQ(1U, info_entries(_metadata, self->fd));
}

TEST_F(open_node, clear_checks_the_opener_not_a_privileged_caller)
{
	int fd;

	ASSERT_EQ(0, put_str(self->fd, "kept", "value", RCUMAP_ANY));
	/* An unprivileged opener's descriptor in root's hands... */
	fd = take_fd_of_nobody();
	ASSERT_LE(0, fd) TH_LOG("taking nobody's fd: %s", strerror(-fd));
	/* ...whose CAP_SYS_ADMIN does not make the descriptor able to. */
	EXPECT_EQ(-EPERM, rcumap_clear(fd, NULL));
	EXPECT_EQ(1U, info_entries(_metadata, self->fd));
	/* Other commands work through it as they would for its opener. */
	EXPECT_EQ(0, put_str(fd, "another", "value", RCUMAP_ANY));
	EXPECT_EQ(0, close(fd));
}

TEST_F(open_node, clear_works_through_a_privileged_openers_fd_passed_on)
{
	ASSERT_EQ(0, put_str(self->fd, "gone", "value", RCUMAP_ANY));
	/* The child inherits self->fd, opened by root, then drops root. */
	EXPECT_EQ(0, as_nobody(clear_errno, &self->fd));
	EXPECT_EQ(0U, info_entries(_metadata, self->fd));
}

/*
 * Fill @buf with a byte no field of a valid answer is made of, so that a
 * byte the module did not write shows.
 */
#define POISON		0xa5

static void assert_padded_string(struct __test_metadata *_metadata,
				 const __u8 *s, size_t size)
{
	size_t len = strnlen((const char *)s, size), i;

	ASSERT_LT(len, size);
	for (i = len; i < size; i++)
		EXPECT_EQ(0, s[i]) TH_LOG("byte %zu of \"%s\"", i, s);
}

TEST_F(default_node, info_is_written_whole_its_name_zero_padded)
{
	struct rcumap_info info;

	memset(&info, POISON, sizeof(info));
	info.size = sizeof(info);
	info.flags = 0;
	ASSERT_EQ(0, rcumap_ioctl(self->fd, RCUMAP_IOC_INFO, &info));
	EXPECT_EQ((__u32)RCUMAP_ABI_VERSION, info.abi_version);
	EXPECT_EQ(0U, info.entries);
	EXPECT_NE(0U, info.buckets);
	EXPECT_NE(0xa5a5a5a5U, info.max_entries);
	assert_padded_string(_metadata, info.strategy, sizeof(info.strategy));
}

TEST_F(default_node, stats_are_written_whole_the_name_zero_padded)
{
	struct rcumap_stats stats;
	unsigned int i;

	memset(&stats, POISON, sizeof(stats));
	stats.size = sizeof(stats);
	stats.flags = 0;
	ASSERT_EQ(0, rcumap_ioctl(self->fd, RCUMAP_IOC_STATS, &stats));
	for (i = 0; i < RCUMAP_STATS_SLOTS; i++) {
		EXPECT_NE(0xa5a5a5a5a5a5a5a5ULL, stats.ops[i]);
		EXPECT_NE(0xa5a5a5a5a5a5a5a5ULL, stats.failures[i]);
	}
	EXPECT_EQ(0U, stats.entries);
	EXPECT_EQ(0U, stats.bytes);
	EXPECT_NE(0xa5a5a5a5a5a5a5a5ULL, stats.expired);
	assert_padded_string(_metadata, stats.strategy,
			     sizeof(stats.strategy));
}

TEST_F(default_node, struct_layouts_have_no_hidden_padding)
{
	/*
	 * Padding the compiler adds is never written by the module's
	 * field-by-field code: the uapi structs must have none. Each size
	 * is the sum of its fields' sizes, as <linux/rcumap.h> lists them
	 * (and the same in a 32-bit process: rcumap_compat_test).
	 */
	EXPECT_EQ(56U, sizeof(struct rcumap_info));
	EXPECT_EQ(40U, sizeof(struct rcumap_elem));
	EXPECT_EQ(16U, sizeof(struct rcumap_clear));
	EXPECT_EQ(320U, sizeof(struct rcumap_stats));
	EXPECT_EQ(40U, sizeof(struct rcumap_add));
	EXPECT_EQ(56U, sizeof(struct rcumap_cmpxchg));
	EXPECT_EQ(8U, sizeof(struct rcumap_dump_rec));
	EXPECT_EQ(32U, sizeof(struct rcumap_dump));
	EXPECT_EQ(48U, sizeof(struct rcumap_batch_op));
	EXPECT_EQ(32U, sizeof(struct rcumap_batch));
}

TEST_HARNESS_MAIN
