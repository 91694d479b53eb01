// SPDX-License-Identifier: GPL-2.0
/*
 * sync=sharded, the sharded map of orcaman/concurrent-map: every bucket is
 * a shard with its own spinlock, taken by readers and writers alike. CPUs
 * working on different buckets never wait for each other, but a reader
 * still writes the lock's cache line, and readers of one bucket queue.
 * Readers hold the bucket lock too, so an unlinked entry can go at once.
 */
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "../rcumap.h"

/*
 * Free an entry unlinked under the bucket's spinlock. No reader can hold
 * it, so a kmalloc()ed one goes at once; but one over a page may have come
 * from vmalloc() (kvmalloc()'s fallback when kmalloc() fails), and
 * vfree() may sleep. That one goes through kvfree_rcu(), which may be
 * called under a spinlock and frees from process context: vfree_atomic()
 * is not exported to modules.
 */
static void rcumap_sharded_free(struct rcumap_entry *entry)
{
	if (is_vmalloc_addr(entry))
		kvfree_rcu(entry, rcu);
	else
		kfree(entry);
}

const struct rcumap_sync_ops rcumap_sync_sharded = {
	.name = "sharded",
	RCUMAP_TABLE_MAP_OPS,
	.lock_reader = rcumap_table_lock_bucket,
	.unlock_reader = rcumap_table_unlock_bucket,
	.lock_writer = rcumap_table_lock_bucket,
	.unlock_writer = rcumap_table_unlock_bucket,
	.lock_held = rcumap_table_bucket_locked,
	.free_entry = rcumap_sharded_free,
};
