// SPDX-License-Identifier: GPL-2.0
/*
 * sync=rcu, the default: readers walk a chain under rcu_read_lock() alone,
 * taking no lock, doing no atomic operation and writing nothing shared;
 * writers serialise on the bucket's spinlock, and an entry they unlink is
 * freed only after a grace period, when no reader can still hold it.
 */
#include "../rcumap.h"

static void rcumap_rcu_read_lock(struct rcumap *map,
				 struct rcumap_bucket *bucket)
	__acquires(RCU)
{
	rcu_read_lock();
}

static void rcumap_rcu_read_unlock(struct rcumap *map,
				   struct rcumap_bucket *bucket)
	__releases(RCU)
{
	rcu_read_unlock();
}

const struct rcumap_sync_ops rcumap_sync_rcu = {
	.name = "rcu",
	RCUMAP_TABLE_MAP_OPS,
	.lock_reader = rcumap_rcu_read_lock,
	.unlock_reader = rcumap_rcu_read_unlock,
	.lock_writer = rcumap_table_lock_bucket,
	.unlock_writer = rcumap_table_unlock_bucket,
	.lock_held = rcumap_table_bucket_locked,
	.free_entry = rcumap_entry_free_rcu,
	.rcu_readers = true,
	.rewrites = true,
};
