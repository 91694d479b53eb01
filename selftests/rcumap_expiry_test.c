// SPDX-License-Identifier: GPL-2.0
/*
 * Entry expiry: PUT with a time to live, GET with RCUMAP_GET_TOUCH, and the
 * reaper that deletes expired entries while userspace keeps writing (the
 * session cleaner of the Go seeds). The module is loaded with a short
 * reap_ms so that tests wait little; they poll for what must happen
 * eventually and never assert how fast the guest is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rcumap_test_util.h"

#define REAP_MS		20
/* Long enough that a slow guest never sees it run out between two calls. */
#define LONG_TTL_MS	60000
#define SHORT_TTL_MS	50
/* How long to wait for the reaper before calling it lost. */
#define EXPIRY_WAIT_MS	20000

RCUMAP_MAP_FIXTURE(expiry, "reap_ms=%u", REAP_MS)

static int put_ttl(int fd, const char *key, const char *value, __u32 ttl)
{
	return rcumap_put_ttl(fd, key, strlen(key), value, strlen(value),
			      RCUMAP_ANY, ttl);
}

static bool present(int fd, const char *key)
{
	char buf[64];
	size_t len = sizeof(buf);

	return !rcumap_get(fd, key, strlen(key), buf, &len);
}

/* Wait until @key is gone; false if it is still there after the limit. */
static bool gone_eventually(int fd, const char *key)
{
	unsigned int waited;

	for (waited = 0; waited < EXPIRY_WAIT_MS; waited += 10) {
		if (!present(fd, key))
			return true;
		rcumap_sleep_ms(10);
	}
	return false;
}

/*
 * STATS' count of expired entries once it reaches @want, or as it stands
 * after the wait (-1 if STATS fails); @stats holds the last STATS. The
 * reaper counts an entry just after it unlinks it, so a GET can miss the
 * entry an instant before the count includes it.
 */
static __u64 expired_eventually(int fd, __u64 want, struct rcumap_stats *stats)
{
	unsigned int waited;

	for (waited = 0; waited < EXPIRY_WAIT_MS; waited += 10) {
		if (rcumap_stats(fd, stats))
			return -1;
		if (stats->expired >= want)
			break;
		rcumap_sleep_ms(10);
	}
	return stats->expired;
}

TEST_F(expiry, entry_with_ttl_is_reaped_and_counted)
{
	struct rcumap_stats stats;

	ASSERT_EQ(0, put_ttl(self->fd, "session", "alice", SHORT_TTL_MS));
	EXPECT_TRUE(gone_eventually(self->fd, "session"));
	EXPECT_EQ(1U, expired_eventually(self->fd, 1, &stats));
	EXPECT_EQ(0U, stats.entries);
}

TEST_F(expiry, entry_is_not_reaped_before_its_ttl)
{
	ASSERT_EQ(0, put_ttl(self->fd, "session", "bob", LONG_TTL_MS));
	/* Many reaper periods pass, far less than the time to live. */
	rcumap_sleep_ms(20 * REAP_MS);
	EXPECT_TRUE(present(self->fd, "session"));
}

TEST_F(expiry, entries_without_ttl_outlive_reaped_neighbours)
{
	char key[16];
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ASSERT_EQ(0, put_ttl(self->fd, key, "v", i % 2 ? SHORT_TTL_MS : 0));
	}
	EXPECT_TRUE(gone_eventually(self->fd, "k99"));
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		if (i % 2 == 0) {
			EXPECT_TRUE(present(self->fd, key))
				TH_LOG("%s lost", key);
		} else {
			EXPECT_TRUE(gone_eventually(self->fd, key));
		}
	}
	EXPECT_EQ(50U, info_entries(_metadata, self->fd));
}

TEST_F(expiry, get_touch_keeps_an_entry_alive_and_plain_get_does_not)
{
	char buf[8];
	int i;

	/* 1 s to live: far longer than the 50 ms between two touches. */
	ASSERT_EQ(0, put_ttl(self->fd, "touched", "1", 1000));
	ASSERT_EQ(0, put_ttl(self->fd, "read", "1", 1000));
	for (i = 0; i < 40; i++) {
		size_t len = sizeof(buf);

		ASSERT_EQ(0, rcumap_get_flags(self->fd, "touched", 7, buf, &len,
					      RCUMAP_GET_TOUCH))
			TH_LOG("touched entry expired after %d touches", i);
		len = sizeof(buf);
		rcumap_get(self->fd, "read", 4, buf, &len);
		rcumap_sleep_ms(50);
	}
	/* 2 s passed: the untouched one is gone, then the touched one goes. */
	EXPECT_TRUE(gone_eventually(self->fd, "read"));
	EXPECT_TRUE(gone_eventually(self->fd, "touched"));
}

TEST_F(expiry, put_without_ttl_makes_an_entry_immortal)
{
	ASSERT_EQ(0, put_ttl(self->fd, "k", "mortal", SHORT_TTL_MS));
	ASSERT_EQ(0, put_ttl(self->fd, "k", "immortal", 0));
	rcumap_sleep_ms(SHORT_TTL_MS + 20 * REAP_MS);
	EXPECT_TRUE(present(self->fd, "k"));
}

TEST_F(expiry, add_and_cmpxchg_keep_the_ttl)
{
	uint64_t one = 1, sum;
	char found[8];
	size_t found_len = sizeof(found);

	ASSERT_EQ(0, rcumap_put_ttl(self->fd, "n", 1, &one, sizeof(one),
				    RCUMAP_ANY, SHORT_TTL_MS));
	ASSERT_EQ(0, rcumap_add(self->fd, "n", 1, 1, RCUMAP_EXIST, &sum));
	ASSERT_EQ(0, put_ttl(self->fd, "c", "old", SHORT_TTL_MS));
	ASSERT_EQ(0, rcumap_cmpxchg(self->fd, "c", 1, "old", 3, "new", 3,
				    found, &found_len));
	EXPECT_TRUE(gone_eventually(self->fd, "n"));
	EXPECT_TRUE(gone_eventually(self->fd, "c"));
}

/* ABI version 1 callers pass the struct without ttl_ms: never expires. */
TEST_F(expiry, put_of_abi_v1_size_never_expires)
{
	struct rcumap_elem elem = {
		.size = offsetof(struct rcumap_elem, ttl_ms),
		.key_len = 2, .value_len = 1,
		.key = (uintptr_t)"v1", .value = (uintptr_t)"x",
	};

	ASSERT_EQ(0, rcumap_ioctl(self->fd, RCUMAP_IOC_PUT, &elem));
	ASSERT_EQ(0, put_ttl(self->fd, "v2", "x", SHORT_TTL_MS));
	EXPECT_TRUE(gone_eventually(self->fd, "v2"));
	EXPECT_TRUE(present(self->fd, "v1"));
}

TEST_F(expiry, ttl_or_reserved_where_not_allowed_fails_einval)
{
	struct rcumap_elem elem = {
		.size = sizeof(elem), .key_len = 1, .key = (uintptr_t)"k",
	};
	char buf[8];

	ASSERT_EQ(0, put_ttl(self->fd, "k", "v", LONG_TTL_MS));
	elem.ttl_ms = 1;
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_DEL, &elem));
	elem.value = (uintptr_t)buf;
	elem.value_len = sizeof(buf);
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_GET, &elem));
	elem.ttl_ms = 0;
	elem.reserved = 1;
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_GET, &elem));
	elem.reserved = 0;
	elem.flags = RCUMAP_GET_TOUCH << 1;
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_GET, &elem));
	elem.flags = 0;
	elem.value = (uintptr_t)"v";
	elem.value_len = 1;
	elem.reserved = 1;
	EXPECT_EQ(-EINVAL, rcumap_ioctl(self->fd, RCUMAP_IOC_PUT, &elem));
	EXPECT_TRUE(present(self->fd, "k"));
	EXPECT_EQ(1U, info_entries(_metadata, self->fd));
}

/*
 * The cleaner racing with writers: one thread keeps putting entries that
 * expire at once while the others keep putting, reading and checking
 * immortal keys of their own in the same buckets. The reaper must delete
 * only the mortal ones: an immortal key missing is a lost entry.
 */
#define RACE_THREADS		3
#define RACE_KEYS		64
#define RACE_SECONDS		3

struct race {
	int fd;
	int id;
	atomic_bool stop;
	atomic_int lost;
};

static void *race_mortal(void *arg)
{
	struct race *r = arg;
	char key[16];
	int i = 0;

	while (!atomic_load(&r->stop)) {
		snprintf(key, sizeof(key), "m%d", i++ % (4 * RACE_KEYS));
		put_ttl(r->fd, key, "x", 1);
	}
	return NULL;
}

static void *race_immortal(void *arg)
{
	struct race *r = arg;
	char key[16];
	int i;

	while (!atomic_load(&r->stop)) {
		for (i = 0; i < RACE_KEYS; i++) {
			snprintf(key, sizeof(key), "t%d-%d", r->id, i);
			if (!present(r->fd, key))
				atomic_fetch_add(&r->lost, 1);
			put_ttl(r->fd, key, "y", 0);
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(expiry, reaper_racing_writers_loses_no_live_entry, 60)
{
	struct race r[RACE_THREADS + 1] = { 0 };
	pthread_t tid[RACE_THREADS + 1];
	char key[16];
	int t, i;

	for (t = 0; t < RACE_THREADS; t++)
		for (i = 0; i < RACE_KEYS; i++) {
			snprintf(key, sizeof(key), "t%d-%d", t, i);
			ASSERT_EQ(0, put_ttl(self->fd, key, "y", 0));
		}
	for (t = 0; t <= RACE_THREADS; t++) {
		r[t].fd = rcumap_open(NULL);
		ASSERT_LE(0, r[t].fd);
		r[t].id = t;
		ASSERT_EQ(0, pthread_create(&tid[t], NULL, t == RACE_THREADS ?
					    race_mortal : race_immortal, &r[t]));
	}
	sleep(RACE_SECONDS);
	for (t = 0; t <= RACE_THREADS; t++)
		atomic_store(&r[t].stop, true);
	for (t = 0; t <= RACE_THREADS; t++) {
		pthread_join(tid[t], NULL);
		EXPECT_EQ(0, atomic_load(&r[t].lost))
			TH_LOG("thread %d found %d of its immortal keys missing",
			       t, atomic_load(&r[t].lost));
		close(r[t].fd);
	}
	for (i = 0; i < 4 * RACE_KEYS; i++) {
		snprintf(key, sizeof(key), "m%d", i);
		EXPECT_TRUE(gone_eventually(self->fd, key));
	}
	EXPECT_EQ((__u64)RACE_THREADS * RACE_KEYS,
		  info_entries(_metadata, self->fd));
}

TEST_HARNESS_MAIN
