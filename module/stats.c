// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU statistics: every operation bumps a counter of the CPU it runs on,
 * so the GET path never writes a cache line that another CPU also writes.
 * STATS sums them.
 */
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/string.h>

#include "rcumap.h"

/**
 * rcumap_stats_init() - allocate zeroed per-CPU counters
 * @map: the map
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int rcumap_stats_init(struct rcumap *map)
{
	map->stats = alloc_percpu(struct rcumap_cpu_stats);
	return map->stats ? 0 : -ENOMEM;
}

void rcumap_stats_destroy(struct rcumap *map)
{
	free_percpu(map->stats);
	map->stats = NULL;
}

/**
 * rcumap_stats_snapshot() - sum the per-CPU counters
 * @map: the map
 * @out: every field from @ops on is overwritten
 *
 * The other CPUs keep counting while we sum: READ_ONCE() makes each read a
 * single untorn load and tells KCSAN the race is intended. The sum is not an
 * atomic snapshot, which the UAPI documents.
 *
 * Context: any context.
 */
void rcumap_stats_snapshot(struct rcumap *map, struct rcumap_stats *out)
{
	s64 bytes = 0;
	int cpu, i;

	memset_startat(out, 0, ops);
	for_each_possible_cpu(cpu) {
		struct rcumap_cpu_stats *s = per_cpu_ptr(map->stats, cpu);

		for (i = 0; i < RCUMAP_STATS_SLOTS; i++) {
			out->ops[i] += READ_ONCE(s->ops[i]);
			out->failures[i] += READ_ONCE(s->failures[i]);
		}
		out->hits += READ_ONCE(s->hits);
		out->misses += READ_ONCE(s->misses);
		out->expired += READ_ONCE(s->expired);
		bytes += READ_ONCE(s->bytes);
	}
	if (rcumap_bug(RCUMAP_BUG_SHARED_HITS)) {
		/* The lesson's race is between the increments, not here. */
		out->hits = data_race(map->shared_hits);
		/* Nor here. */
		out->misses = data_race(map->shared_misses);
	}
	/* Sums of racing per-CPU deltas can dip below zero for a moment. */
	out->bytes = max_t(s64, bytes, 0);
	out->entries = rcumap_map_entries(map);
	strscpy_pad(out->strategy, map->sync->name, sizeof(out->strategy));
}

/**
 * rcumap_stats_count_get_shared() - LESSON 5 (bug=shared_hits): count a
 * GET in one counter shared by every CPU, with a plain increment
 * @map: the map
 * @hit: whether the GET found its key
 *
 * Two CPUs that increment at once both read the old count and one
 * increment is lost; KCSAN reports the race. Even made atomic it would
 * still bounce one cache line between all readers, the cost the
 * hammer's throughput shows. The fix is what rcumap_stats_count_get()
 * does without the bug: a per-CPU counter, summed when read.
 *
 * Context: any.
 */
noinline void rcumap_stats_count_get_shared(struct rcumap *map, bool hit)
{
	if (hit)
		map->shared_hits++;
	else
		map->shared_misses++;
}
