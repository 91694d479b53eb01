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
#include <stdint.h>
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

/*
 * The rule, per command: an entry expires TTL_MS after its PUT or its last
 * GET with RCUMAP_GET_TOUCH, and nothing else restarts the time. Each
 * variant PUTs an 8-byte value with TTL_MS to live, then does its command
 * on the key every ACT_MS, far more often than the time to live, for up to
 * ACT_TTLS times the time to live. A command that restarts the time keeps
 * the entry alive through RESTART_TTLS of them; any other must see it
 * expire while it keeps acting: ADD and CMPXCHG replace the entry with a
 * new one, which keeps the old one's time, not a time of its own.
 *
 * The times are generous for a slow guest: the entry must outlive a pause
 * of TTL_MS - ACT_MS between two commands, and the reaper has 9 TTLs past
 * the first to delete it.
 */
#define TTL_MS		1000
#define ACT_MS		50
#define RESTART_TTLS	3
#define ACT_TTLS	10

FIXTURE(ttl_rule) {
	int fd;
};

FIXTURE_VARIANT(ttl_rule) {
	/* one command on the key; 0, or -errno (-ENOENT once it is gone) */
	int (*act)(int fd, uint64_t *value);
	bool restarts;
};

static int act_put_any(int fd, uint64_t *value)
{
	return rcumap_put_ttl(fd, "k", 1, value, sizeof(*value), RCUMAP_ANY,
			      TTL_MS);
}

static int act_put_exist(int fd, uint64_t *value)
{
	return rcumap_put_ttl(fd, "k", 1, value, sizeof(*value),
			      RCUMAP_EXIST, TTL_MS);
}

static int act_get(int fd, uint64_t *value, __u32 flags)
{
	size_t len = sizeof(*value);

	return rcumap_get_flags(fd, "k", 1, value, &len, flags);
}

static int act_get_touch(int fd, uint64_t *value)
{
	return act_get(fd, value, RCUMAP_GET_TOUCH);
}

static int act_get_plain(int fd, uint64_t *value)
{
	return act_get(fd, value, 0);
}

static int act_add(int fd, uint64_t *value)
{
	return rcumap_add(fd, "k", 1, 1, RCUMAP_EXIST, value);
}

/* Replace the value with the next one, as expected. */
static int act_cmpxchg(int fd, uint64_t *value)
{
	uint64_t next = *value + 1, found;
	size_t found_len = sizeof(found);
	int ret = rcumap_cmpxchg(fd, "k", 1, value, sizeof(*value), &next,
				 sizeof(next), &found, &found_len);

	if (!ret)
		*value = next;
	return ret;
}

/* DUMP the whole map, then a plain GET tells whether the key is there. */
static int act_dump(int fd, uint64_t *value)
{
	char buf[4096];
	uint64_t cursor = 0;
	size_t len;
	int ret;

	do {
		len = sizeof(buf);
		ret = rcumap_dump(fd, &cursor, buf, &len, NULL);
	} while (!ret && cursor != RCUMAP_DUMP_END);
	return ret ?: act_get_plain(fd, value);
}

/* A BATCH of one ADD (BATCH has no PUT with a time to live). */
static int act_batch_add(int fd, uint64_t *value)
{
	struct rcumap_batch_op op = {
		.cmd = RCUMAP_CMD_ADD, .flags = RCUMAP_EXIST, .key_len = 1,
		.key = (uintptr_t)"k", .delta = 1,
	};
	int ret = rcumap_batch(fd, &op, 1, NULL, NULL);

	if (!ret && !op.error)
		*value = op.delta;	/* the counter's new value */
	return ret ?: -(int)op.error;
}

/* A BATCH of one GET with RCUMAP_GET_TOUCH. */
static int act_batch_get_touch(int fd, uint64_t *value)
{
	struct rcumap_batch_op op = {
		.cmd = RCUMAP_CMD_GET, .flags = RCUMAP_GET_TOUCH, .key_len = 1,
		.key = (uintptr_t)"k", .value_len = sizeof(*value),
		.value = (uintptr_t)value,
	};
	int ret = rcumap_batch(fd, &op, 1, NULL, NULL);

	return ret ?: -(int)op.error;
}

FIXTURE_VARIANT_ADD(ttl_rule, put_any_restarts) {
	.act = act_put_any, .restarts = true,
};

FIXTURE_VARIANT_ADD(ttl_rule, put_exist_restarts) {
	.act = act_put_exist, .restarts = true,
};

FIXTURE_VARIANT_ADD(ttl_rule, get_touch_restarts) {
	.act = act_get_touch, .restarts = true,
};

FIXTURE_VARIANT_ADD(ttl_rule, batch_get_touch_restarts) {
	.act = act_batch_get_touch, .restarts = true,
};

FIXTURE_VARIANT_ADD(ttl_rule, plain_get_does_not_restart) {
	.act = act_get_plain,
};

FIXTURE_VARIANT_ADD(ttl_rule, add_does_not_restart) {
	.act = act_add,
};

FIXTURE_VARIANT_ADD(ttl_rule, batch_add_does_not_restart) {
	.act = act_batch_add,
};

FIXTURE_VARIANT_ADD(ttl_rule, cmpxchg_does_not_restart) {
	.act = act_cmpxchg,
};

FIXTURE_VARIANT_ADD(ttl_rule, dump_does_not_restart) {
	.act = act_dump,
};

FIXTURE_SETUP(ttl_rule)
{
	char params[32];

	snprintf(params, sizeof(params), "reap_ms=%u", REAP_MS);
	self->fd = rcumap_test_setup(_metadata, params);
}

FIXTURE_TEARDOWN(ttl_rule)
{
	rcumap_test_teardown(_metadata, self->fd);
}

static long ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

TEST_F_TIMEOUT(ttl_rule, entry_expires_ttl_after_put_or_touch_only, 60)
{
	long limit = (variant->restarts ? RESTART_TTLS : ACT_TTLS) * TTL_MS;
	struct timespec start;
	uint64_t value = 0;
	int ret, acts = 0;

	ASSERT_EQ(0, rcumap_put_ttl(self->fd, "k", 1, &value, sizeof(value),
				    RCUMAP_ANY, TTL_MS));
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		rcumap_sleep_ms(ACT_MS);
		ret = variant->act(self->fd, &value);
		acts++;
	} while (!ret && ms_since(&start) < limit);

	if (variant->restarts) {
		EXPECT_EQ(0, ret)
			TH_LOG("expired after %d commands in %ld ms, each restarting a %u ms TTL: %s",
			       acts, ms_since(&start), TTL_MS, strerror(-ret));
	} else {
		EXPECT_EQ(-ENOENT, ret)
			TH_LOG("%d commands in %ld ms kept an entry with a %u ms TTL alive",
			       acts, ms_since(&start), TTL_MS);
	}
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
