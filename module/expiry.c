// SPDX-License-Identifier: GPL-2.0
/*
 * The reaper: delayed work that deletes entries whose time to live is up,
 * the session cleaner of the Go seeds, while userspace keeps writing. It
 * runs every reap_ms for as long as the map holds an entry that can
 * expire, and a PUT with a time to live starts it again.
 */
#include <linux/jiffies.h>
#include <linux/workqueue.h>

#include "rcumap.h"
#include "rcumap_trace.h"

static void rcumap_reaper_work(struct work_struct *work)
{
	struct rcumap *map = container_of(to_delayed_work(work), struct rcumap,
					  reaper);
	u32 expired, mortal;

	mortal = map->sync->reap(map, &expired);
	trace_rcumap_reap(expired, mortal);
	if (mortal)
		rcumap_reaper_kick(map);
}

/**
 * rcumap_reaper_init() - set up the reaper, idle until the first kick
 * @map: the map
 * @reap_ms: its period in milliseconds
 *
 * Context: process context.
 */
void rcumap_reaper_init(struct rcumap *map, unsigned int reap_ms)
{
	map->reap_ms = reap_ms;
	INIT_DELAYED_WORK(&map->reaper, rcumap_reaper_work);
}

/**
 * rcumap_reaper_kick() - have the reaper run within reap_ms
 * @map: the map
 *
 * A no-op while a run is already queued; a kick during a run queues the
 * next one, so no entry that may expire is ever left without a run ahead
 * of it.
 *
 * Context: any.
 */
void rcumap_reaper_kick(struct rcumap *map)
{
	schedule_delayed_work(&map->reaper, msecs_to_jiffies(map->reap_ms));
}

/**
 * rcumap_reaper_stop() - cancel the reaper and wait for a run in progress
 * @map: the map
 *
 * The reaper queues itself again, which cancel_delayed_work_sync() stops
 * too. Called once no ioctl can kick it, before the map is freed.
 *
 * Context: process context, may sleep.
 */
void rcumap_reaper_stop(struct rcumap *map)
{
	cancel_delayed_work_sync(&map->reaper);
}
