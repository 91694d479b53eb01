// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls from a 32-bit process (built with -m32): every argument struct
 * has the same layout on i386 and x86_64, so compat_ptr_ioctl() passes them
 * through unchanged. Each command runs once end to end; the 64-bit tests
 * cover the semantics.
 */
#include <string.h>
#include <sys/utsname.h>

#include "rcumap_test_util.h"

/* The wrapper TEST() expands to ignores its variant argument. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

RCUMAP_MAP_FIXTURE(map, "")

/* A 32-bit build that got the layouts wrong would fail here already. */
TEST(structs_have_the_64_bit_layout)
{
	ASSERT_EQ(4U, sizeof(void *));
	EXPECT_EQ(56U, sizeof(struct rcumap_info));
	EXPECT_EQ(40U, sizeof(struct rcumap_elem));
	EXPECT_EQ(16U, sizeof(struct rcumap_clear));
	EXPECT_EQ(320U, sizeof(struct rcumap_stats));
	EXPECT_EQ(40U, sizeof(struct rcumap_add));
	EXPECT_EQ(56U, sizeof(struct rcumap_cmpxchg));
	EXPECT_EQ(32U, sizeof(struct rcumap_dump));
	EXPECT_EQ(48U, sizeof(struct rcumap_batch_op));
	EXPECT_EQ(32U, sizeof(struct rcumap_batch));
}

TEST_F(map, info_from_32_bit_process)
{
	struct rcumap_info info;

	ASSERT_EQ(0, rcumap_info(self->fd, &info));
	EXPECT_EQ(2U, info.abi_version);
	EXPECT_STREQ(rcumap_sync(), (const char *)info.strategy);
}

TEST_F(map, put_get_del_from_32_bit_process)
{
	char buf[8];
	size_t len = sizeof(buf);

	ASSERT_EQ(0, rcumap_put(self->fd, "k", 1, "value", 5, RCUMAP_ANY));
	len = 2;
	ASSERT_EQ(-ERANGE, rcumap_get(self->fd, "k", 1, buf, &len));
	EXPECT_EQ(5U, len);
	len = sizeof(buf);
	ASSERT_EQ(0, rcumap_get(self->fd, "k", 1, buf, &len));
	EXPECT_EQ(0, memcmp(buf, "value", 5));
	ASSERT_EQ(0, rcumap_del(self->fd, "k", 1));
	EXPECT_EQ(-ENOENT, rcumap_del(self->fd, "k", 1));
}

TEST_F(map, bad_pointer_from_32_bit_process_fails_efault)
{
	EXPECT_EQ(-EFAULT, rcumap_put(self->fd, BAD_PTR, 1, "v", 1,
				      RCUMAP_ANY));
	EXPECT_EQ(0U, info_entries(_metadata, self->fd));
}

TEST_F(map, add_and_cmpxchg_from_32_bit_process)
{
	char found[8];
	size_t found_len = sizeof(found);
	uint64_t sum;

	ASSERT_EQ(0, rcumap_add(self->fd, "n", 1, -5, RCUMAP_ANY, &sum));
	ASSERT_EQ(0, rcumap_add(self->fd, "n", 1, 7, RCUMAP_EXIST, &sum));
	EXPECT_EQ(2U, sum);
	ASSERT_EQ(0, put_str(self->fd, "c", "old", RCUMAP_ANY));
	ASSERT_EQ(-ECANCELED, rcumap_cmpxchg(self->fd, "c", 1, "x", 1,
					     "new", 3, found, &found_len));
	ASSERT_EQ(3U, found_len);
	EXPECT_EQ(0, memcmp(found, "old", 3));
	EXPECT_EQ(0, rcumap_cmpxchg(self->fd, "c", 1, "old", 3, "new", 3,
				    found, &found_len));
}

TEST_F(map, dump_and_batch_from_32_bit_process)
{
	struct rcumap_batch_op ops[2] = {
		{ .cmd = RCUMAP_CMD_PUT, .key_len = 1, .value_len = 1,
		  .key = (uintptr_t)"a", .value = (uintptr_t)"1" },
		{ .cmd = RCUMAP_CMD_ADD, .key_len = 1, .key = (uintptr_t)"b",
		  .delta = 3 },
	};
	unsigned int done, failed, count, seen = 0;
	uint64_t cursor = 0;
	char buf[256];

	ASSERT_EQ(0, rcumap_batch(self->fd, ops, 2, &done, &failed));
	EXPECT_EQ(2U, done);
	EXPECT_EQ(0U, failed);
	EXPECT_EQ(3U, ops[1].delta);
	while (cursor != RCUMAP_DUMP_END) {
		size_t len = sizeof(buf);

		ASSERT_EQ(0, rcumap_dump(self->fd, &cursor, buf, &len, &count));
		seen += count;
	}
	EXPECT_EQ(2U, seen);
}

TEST_HARNESS_MAIN
