// SPDX-License-Identifier: GPL-2.0
/*
 * The map at the sizes where its structures change shape: full at
 * max_entries under the suite's strategy, and sync=rhashtable filled past
 * the sizes where rhashtable grows its table (75 % of 131072 buckets, the
 * most its 16-bit size hint starts with, is 98304 entries; 200000 entries
 * take it through two resizes). While a resize runs, entries move from
 * the table to its future table: CLEAR, the reaper and DUMP must still
 * find every entry that was there throughout.
 *
 * The maps are filled with BATCHes of PUTs (RCUMAP_BATCH_MAX at a time),
 * which an emulated guest does in seconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rcumap_test_util.h"

#define KEY_LEN		12
/* The full map of every strategy, and its bucket table. */
#define FULL_ENTRIES	4096U
/* Past rhashtable's second resize (98304 and 196608 entries). */
#define GROWN_ENTRIES	200000U
#define GROWN_MAX	400000
/* rhashtable's first resize: past 75 % of its first 131072 buckets. */
#define FIRST_BUCKETS	131072U
#define RESIZE_AT	98304U
/* Past the first resize only, for the expiry test's immortal entries. */
#define IMMORTAL_ENTRIES 100000U
/* Few, so that the resize may move them all before it ends. */
#define MORTAL_ENTRIES	20U
#define MORTAL_TTL_MS	1000
#define RESIZE_REAP_MS	10
/* How long the reaper gets to delete what expired; generous for a guest. */
#define REAP_WAIT_MS	30000

/* Key number @i: fixed length, so DUMP's records can be mapped back. */
static void make_key(char key[KEY_LEN + 1], unsigned int i)
{
	snprintf(key, KEY_LEN + 1, "key%09u", i);
}

/*
 * PUT keys @first .. @first + @count - 1, RCUMAP_BATCH_MAX at a time, each
 * with its number as an 8-byte value. Every operation must succeed.
 */
static void fill(struct __test_metadata *_metadata, int fd,
		 unsigned int first, unsigned int count)
{
	static struct rcumap_batch_op ops[RCUMAP_BATCH_MAX];
	static char keys[RCUMAP_BATCH_MAX][KEY_LEN + 1];
	static uint64_t values[RCUMAP_BATCH_MAX];
	unsigned int done, failed, n, i;

	while (count) {
		n = count < RCUMAP_BATCH_MAX ? count : RCUMAP_BATCH_MAX;
		for (i = 0; i < n; i++) {
			make_key(keys[i], first + i);
			values[i] = first + i;
			ops[i] = (struct rcumap_batch_op) {
				.cmd = RCUMAP_CMD_PUT, .flags = RCUMAP_NOEXIST,
				.key_len = KEY_LEN, .key = (uintptr_t)keys[i],
				.value_len = sizeof(values[i]),
				.value = (uintptr_t)&values[i],
			};
		}
		ASSERT_EQ(0, rcumap_batch(fd, ops, n, &done, &failed));
		ASSERT_EQ(n, done);
		ASSERT_EQ(0U, failed)
			TH_LOG("filling keys %u..%u: %u PUTs failed, the first %s",
			       first, first + n - 1, failed,
			       strerror(ops[0].error ?: ops[n - 1].error));
		first += n;
		count -= n;
	}
}

static __u64 entries(struct __test_metadata *_metadata, int fd)
{
	struct rcumap_stats stats;

	EXPECT_EQ(0, rcumap_stats(fd, &stats));
	return stats.entries;
}

/*
 * DUMP the whole map and check that keys 0 .. @count - 1 each came exactly
 * once, with their values, and nothing else.
 */
static void dump_exactly_once(struct __test_metadata *_metadata, int fd,
			      unsigned int count)
{
	unsigned char *seen = calloc(count, 1);
	size_t buf_len = 1 << 20, len, off, key_len, value_len;
	unsigned int bad = 0, twice = 0, missing = 0, n, i;
	char *buf = malloc(buf_len), key[KEY_LEN + 1];
	const void *k, *v;
	uint64_t cursor = 0, value;

	ASSERT_NE(NULL, seen);
	ASSERT_NE(NULL, buf);
	do {
		len = buf_len;
		ASSERT_EQ(0, rcumap_dump(fd, &cursor, buf, &len, NULL));
		off = 0;
		while (rcumap_dump_next(buf, len, &off, &k, &key_len, &v,
					&value_len) == 1) {
			memcpy(key, k, KEY_LEN);
			key[KEY_LEN] = '\0';
			if (key_len != KEY_LEN || value_len != sizeof(value) ||
			    sscanf(key, "key%9u", &n) != 1 || n >= count) {
				bad++;
				continue;
			}
			memcpy(&value, v, sizeof(value));
			bad += value != n;
			twice += seen[n]++ == 1;
		}
	} while (cursor != RCUMAP_DUMP_END);
	for (i = 0; i < count; i++)
		missing += !seen[i];
	EXPECT_EQ(0U, missing) TH_LOG("%u of %u keys missing from DUMP",
				      missing, count);
	EXPECT_EQ(0U, twice) TH_LOG("%u keys dumped twice", twice);
	EXPECT_EQ(0U, bad) TH_LOG("%u records not ours or wrong", bad);
	free(buf);
	free(seen);
}

RCUMAP_MAP_FIXTURE(full, "max_entries=%u", FULL_ENTRIES)

TEST_F_TIMEOUT(full, full_map_refuses_a_new_key_and_clear_empties_it, 120)
{
	char key[KEY_LEN + 1];
	uint64_t value = 1;
	__u64 removed;

	fill(_metadata, self->fd, 0, FULL_ENTRIES);
	EXPECT_EQ(FULL_ENTRIES, entries(_metadata, self->fd));
	make_key(key, FULL_ENTRIES);
	EXPECT_EQ(-ENOSPC, rcumap_put(self->fd, key, KEY_LEN, &value,
				      sizeof(value), RCUMAP_ANY));
	/* A full map still replaces: the key takes no new slot. */
	make_key(key, 7);
	value = 7;
	EXPECT_EQ(0, rcumap_put(self->fd, key, KEY_LEN, &value, sizeof(value),
				RCUMAP_ANY));
	dump_exactly_once(_metadata, self->fd, FULL_ENTRIES);
	ASSERT_EQ(0, rcumap_clear(self->fd, &removed));
	EXPECT_EQ(FULL_ENTRIES, removed);
	EXPECT_EQ(0U, entries(_metadata, self->fd));
}

RCUMAP_MAP_FIXTURE(grown, "sync=rhashtable max_entries=%u", GROWN_MAX)

/*
 * CLEAR right after the fill, while rhashtable's worker may still be
 * moving entries into a bigger table: every entry must go.
 */
TEST_F_TIMEOUT(grown, clear_while_the_table_grows_removes_every_entry, 300)
{
	__u64 removed;

	fill(_metadata, self->fd, 0, GROWN_ENTRIES);
	ASSERT_EQ(0, rcumap_clear(self->fd, &removed));
	EXPECT_EQ(GROWN_ENTRIES, removed);
	EXPECT_EQ(0U, entries(_metadata, self->fd))
		TH_LOG("CLEAR left entries behind");
}

/* Wait until the table has more than @buckets buckets; false after the limit. */
static bool grown_eventually(struct __test_metadata *_metadata, int fd,
			     __u64 buckets)
{
	struct rcumap_info info;
	unsigned int waited;

	for (waited = 0; waited < REAP_WAIT_MS; waited += 100) {
		EXPECT_EQ(0, rcumap_info(fd, &info));
		if (info.buckets > buckets)
			return true;
		rcumap_sleep_ms(100);
	}
	TH_LOG("the table still has %llu buckets after %u ms",
	       (unsigned long long)info.buckets, waited);
	return false;
}

RCUMAP_MAP_FIXTURE(resized, "sync=rhashtable max_entries=%u reap_ms=%u",
		   GROWN_MAX, RESIZE_REAP_MS)

/*
 * A few entries with a time to live, PUT just before the table crosses
 * its first resize, which rhashtable's worker then carries out while the
 * reaper runs every RESIZE_REAP_MS: the reaper must delete every one of
 * them, and only them. A reaper that walked the old table by bucket index
 * met none of them once the worker had moved them, stopped rescheduling
 * itself, and left them for ever. DUMP then sees each immortal entry
 * exactly once.
 */
TEST_F_TIMEOUT(resized, expiry_across_the_resize_reaps_every_mortal_entry,
	       300)
{
	char key[KEY_LEN + 1];
	unsigned int i, waited;
	uint64_t value = 0;
	__u64 left = 0;

	fill(_metadata, self->fd, 0, RESIZE_AT - MORTAL_ENTRIES - 1000);
	for (i = 0; i < MORTAL_ENTRIES; i++) {
		make_key(key, GROWN_MAX + i);
		ASSERT_EQ(0, rcumap_put_ttl(self->fd, key, KEY_LEN, &value,
					    sizeof(value), RCUMAP_ANY,
					    MORTAL_TTL_MS));
	}
	fill(_metadata, self->fd, RESIZE_AT - MORTAL_ENTRIES - 1000,
	     IMMORTAL_ENTRIES - (RESIZE_AT - MORTAL_ENTRIES - 1000));
	for (waited = 0; waited < REAP_WAIT_MS; waited += 100) {
		left = entries(_metadata, self->fd);
		if (left == IMMORTAL_ENTRIES)
			break;
		rcumap_sleep_ms(100);
	}
	EXPECT_EQ(IMMORTAL_ENTRIES, left)
		TH_LOG("%llu entries %u ms after the last TTL ran out",
		       (unsigned long long)left, waited);
	/*
	 * DUMP keeps exactly-once under sync=rhashtable only while the table
	 * does not grow (rcumap(4)): wait until INFO reports the grown table,
	 * which rhashtable installs when its worker has moved every entry.
	 */
	ASSERT_TRUE(grown_eventually(_metadata, self->fd, FIRST_BUCKETS));
	dump_exactly_once(_metadata, self->fd, IMMORTAL_ENTRIES);
}

TEST_HARNESS_MAIN
