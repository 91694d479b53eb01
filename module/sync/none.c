// SPDX-License-Identifier: GPL-2.0
/*
 * sync=none, Go's map with no lock at all: a negative control, as
 * locktorture's lock_busted is. Concurrent writers corrupt chains and lose
 * entries, and KCSAN must say so; see docs/lessons/1-concurrent-writes.md.
 * Never use it for anything else; loading it says so loudly.
 *
 * Unlinked entries are never freed, not even at unload: with no
 * synchronisation nothing says when the last reader is done with one, and
 * two writers that unlink the same entry would free it twice. The lesson
 * is the race KCSAN reports; a guest crashed by a use-after-free or a
 * double free would hide it (and is a KASAN lesson). The leak is as large
 * as the number of replacements and deletions the lesson's run makes, and
 * kmemleak is told it is meant (kmemleak_not_leak()), so that the suite's
 * leak checks report only leaks that are not.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kmemleak.h>

#include "../rcumap.h"

static int rcumap_none_init(struct rcumap *map)
{
	pr_warn("*** sync=none: the map has NO synchronisation ***\n");
	pr_warn("*** concurrent callers corrupt it; it exists to be caught by KCSAN ***\n");
	return rcumap_table_init(map);
}

/* See the top of the file: unlinked entries are left alone. */
static void rcumap_none_leak(struct rcumap_entry *entry)
{
	kmemleak_not_leak(entry);
}

/* The bug itself: every caller is told it may touch every bucket. */
static bool rcumap_none_held(struct rcumap *map, struct rcumap_bucket *bucket)
{
	return true;
}

/*
 * No .rewrites: every PUT publishes a new entry, so unsynchronised writers
 * meet in the chain links, where KCSAN sees them. A rewrite in place runs
 * in a seqcount write section, whose accesses KCSAN takes as atomic.
 */
const struct rcumap_sync_ops rcumap_sync_none = {
	.name = "none",
	.init = rcumap_none_init,
	RCUMAP_TABLE_MAP_OPS,
	.lock_reader = rcumap_table_unlocked,
	.unlock_reader = rcumap_table_unlocked,
	.lock_writer = rcumap_table_unlocked,
	.unlock_writer = rcumap_table_unlocked,
	.lock_held = rcumap_none_held,
	.free_entry = rcumap_none_leak,
};
