// SPDX-License-Identifier: GPL-2.0
/*
 * sync=rwlock, Go's sync.RWMutex around a map: one reader-writer lock for
 * the whole table, readers sharing it, writers alone.
 *
 * The primitive is rw_semaphore, not rwlock_t: like sync.RWMutex it sleeps
 * rather than spins, and once a writer waits it makes new readers queue
 * behind it, so a stream of readers cannot starve writers. It also keeps
 * the comparison with sync=mutex, another sleeping lock, like for like.
 * Readers still write the semaphore's count, one cache line for all CPUs,
 * which is what the shootout shows against sync=rcu.
 */
#include "../rcumap.h"

static int rcumap_rwlock_init(struct rcumap *map)
{
	init_rwsem(&map->rwsem);
	return rcumap_table_init(map);
}

static void rcumap_rwlock_read_lock(struct rcumap *map,
				    struct rcumap_bucket *bucket)
{
	down_read(&map->rwsem);
}

static void rcumap_rwlock_read_unlock(struct rcumap *map,
				      struct rcumap_bucket *bucket)
{
	up_read(&map->rwsem);
}

static void rcumap_rwlock_write_lock(struct rcumap *map,
				     struct rcumap_bucket *bucket)
{
	down_write(&map->rwsem);
}

static void rcumap_rwlock_write_unlock(struct rcumap *map,
				       struct rcumap_bucket *bucket)
{
	up_write(&map->rwsem);
}

/* Held for reading or writing: lockdep_is_held() accepts either. */
static bool rcumap_rwlock_held(struct rcumap *map,
			       struct rcumap_bucket *bucket)
{
	return rcumap_lockdep_is_held(&map->rwsem);
}

/* A writer excludes every reader: an unlinked entry can go at once. */
const struct rcumap_sync_ops rcumap_sync_rwlock = {
	.name = "rwlock",
	.init = rcumap_rwlock_init,
	RCUMAP_TABLE_MAP_OPS,
	.lock_reader = rcumap_rwlock_read_lock,
	.unlock_reader = rcumap_rwlock_read_unlock,
	.lock_writer = rcumap_rwlock_write_lock,
	.unlock_writer = rcumap_rwlock_write_unlock,
	.lock_held = rcumap_rwlock_held,
	.free_entry = rcumap_entry_free,
};
