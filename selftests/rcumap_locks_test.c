// SPDX-License-Identifier: GPL-2.0
/*
 * How many times an operation takes its bucket's lock, counted by the
 * kernel: /proc/lock_stat (CONFIG_LOCK_STAT) has the acquisitions of each
 * lock class. Under sync=rcu every PUT takes the bucket's lock once at
 * most: an insert, or a replacement with a value of another length, must
 * not first take it to try a rewrite in place and then again to publish;
 * a PUT with RCUMAP_EXIST of a missing key and a GET take it not at all.
 *
 * Nothing else may use rcumap while this runs; the reaper stays idle, as
 * no entry has a time to live.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rcumap_test_util.h"

#define LOCK_STAT	"/proc/lock_stat"
/* The lockdep class of the buckets' locks: spin_lock_init()'s argument. */
#define BUCKET_LOCK	"&map->buckets[i].lock"
#define NR_KEYS		200
/*
 * The acquisitions of lock class @name since the statistics were cleared:
 * the eighth figure after the name (con-bounces, contentions, waittime
 * min, max, total and avg, acq-bounces, acquisitions). Summed over the
 * lines of that name; 0 if it has none. -1 if the file cannot be read.
 */
static long acquisitions(const char *name)
{
	size_t name_len = strlen(name);
	char line[512], *p, *figure;
	long sum = 0;
	FILE *f;
	int i;

	f = fopen(LOCK_STAT, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " ");
		if (strncmp(p, name, name_len) || p[name_len] != ':')
			continue;
		p += name_len + 1;
		for (i = 0; i < 8 && (figure = strtok(p, " \t\n")); i++)
			p = NULL;
		if (i == 8)
			sum += atol(figure);
	}
	fclose(f);
	return sum;
}

/* Zero every lock class's statistics. */
static int clear_lock_stat(void)
{
	FILE *f = fopen(LOCK_STAT, "we");

	if (!f)
		return -errno;
	fputs("0\n", f);
	return fclose(f) ? -errno : 0;
}

FIXTURE(locks) {
	int fd;
};

FIXTURE_SETUP(locks)
{
	if (access(LOCK_STAT, R_OK))
		SKIP(return, "no %s (missing CONFIG_LOCK_STAT?)", LOCK_STAT);
	self->fd = rcumap_test_setup(_metadata, "sync=rcu");
	/*
	 * Lockdep registers a lock class at its first acquisition, and
	 * clearing /proc/lock_stat clears only registered classes: a class
	 * slot left by an rcumap unloaded earlier in the boot may still hold
	 * its figures (3 acquisitions too many, seen once). Take a bucket's
	 * lock once, so the class exists when each test clears it.
	 */
	if (self->fd >= 0) {
		ASSERT_EQ(0, rcumap_put(self->fd, "class", 5, "v", 1,
					RCUMAP_NOEXIST));
		ASSERT_EQ(0, rcumap_del(self->fd, "class", 5));
	}
}

FIXTURE_TEARDOWN(locks)
{
	if (self->fd >= 0)
		rcumap_test_teardown(_metadata, self->fd);
}

static void key_of(char key[16], int i)
{
	snprintf(key, 16, "key%04d", i);
}

/* PUT every key with a value of @len bytes and @flags; all must succeed. */
static void put_all(struct __test_metadata *_metadata, int fd, size_t len,
		    __u32 flags)
{
	char key[16], value[64];
	int i;

	memset(value, 'v', sizeof(value));
	for (i = 0; i < NR_KEYS; i++) {
		key_of(key, i);
		ASSERT_EQ(0, rcumap_put(fd, key, strlen(key), value, len, flags));
	}
}

TEST_F(locks, insert_takes_its_bucket_lock_once)
{
	long n;

	ASSERT_EQ(0, clear_lock_stat());
	put_all(_metadata, self->fd, 8, RCUMAP_ANY);
	n = acquisitions(BUCKET_LOCK);
	EXPECT_EQ(NR_KEYS, n)
		TH_LOG("%d inserts took bucket locks %ld times", NR_KEYS, n);
}

TEST_F(locks, replace_with_another_length_takes_its_bucket_lock_once)
{
	long n;

	put_all(_metadata, self->fd, 8, RCUMAP_NOEXIST);
	ASSERT_EQ(0, clear_lock_stat());
	put_all(_metadata, self->fd, 16, RCUMAP_ANY);
	n = acquisitions(BUCKET_LOCK);
	EXPECT_EQ(NR_KEYS, n)
		TH_LOG("%d replacements took bucket locks %ld times",
		       NR_KEYS, n);
}

TEST_F(locks, rewrite_in_place_takes_its_bucket_lock_once)
{
	long n;

	put_all(_metadata, self->fd, 8, RCUMAP_NOEXIST);
	ASSERT_EQ(0, clear_lock_stat());
	put_all(_metadata, self->fd, 8, RCUMAP_EXIST);
	n = acquisitions(BUCKET_LOCK);
	EXPECT_EQ(NR_KEYS, n)
		TH_LOG("%d rewrites took bucket locks %ld times", NR_KEYS, n);
}

TEST_F(locks, put_exist_of_a_missing_key_and_get_take_no_lock)
{
	char key[16], buf[8];
	size_t len;
	long n;
	int i;

	ASSERT_EQ(0, clear_lock_stat());
	for (i = 0; i < NR_KEYS; i++) {
		key_of(key, i);
		ASSERT_EQ(-ENOENT, rcumap_put(self->fd, key, strlen(key), "v",
					      1, RCUMAP_EXIST));
		len = sizeof(buf);
		ASSERT_EQ(-ENOENT, rcumap_get(self->fd, key, strlen(key), buf,
					      &len));
	}
	n = acquisitions(BUCKET_LOCK);
	EXPECT_EQ(0, n) TH_LOG("bucket locks taken %ld times", n);
}

TEST_HARNESS_MAIN
