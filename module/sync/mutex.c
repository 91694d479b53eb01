// SPDX-License-Identifier: GPL-2.0
/*
 * sync=mutex, Go's sync.Mutex around a map: one sleeping lock serialises
 * every reader and writer of the whole table. Simple and obviously correct;
 * readers wait for each other, so it cannot scale with CPUs.
 */
#include "../rcumap.h"

static int rcumap_mutex_init(struct rcumap *map)
{
	mutex_init(&map->mutex);
	return rcumap_table_init(map);
}

static void rcumap_mutex_destroy(struct rcumap *map)
{
	rcumap_table_destroy(map);
	mutex_destroy(&map->mutex);
}

static void rcumap_mutex_lock(struct rcumap *map, struct rcumap_bucket *bucket)
{
	mutex_lock(&map->mutex);
}

static void rcumap_mutex_unlock(struct rcumap *map,
				struct rcumap_bucket *bucket)
{
	mutex_unlock(&map->mutex);
}

static bool rcumap_mutex_held(struct rcumap *map, struct rcumap_bucket *bucket)
{
	return rcumap_lockdep_is_held(&map->mutex);
}

/* Readers hold the mutex too: an unlinked entry can go at once. */
const struct rcumap_sync_ops rcumap_sync_mutex = {
	.name = "mutex",
	.init = rcumap_mutex_init,
	.destroy = rcumap_mutex_destroy,
	RCUMAP_TABLE_MAP_OPS,
	.lock_reader = rcumap_mutex_lock,
	.unlock_reader = rcumap_mutex_unlock,
	.lock_writer = rcumap_mutex_lock,
	.unlock_writer = rcumap_mutex_unlock,
	.lock_held = rcumap_mutex_held,
	.free_entry = rcumap_entry_free,
};
