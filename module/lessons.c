// SPDX-License-Identifier: GPL-2.0
/*
 * The training kit's deliberate bugs. Each lesson of docs/lessons/ puts
 * back one named bug, in one small spot marked "LESSON n" in the code,
 * when the module is loaded with bug=NAME; a test proves that the
 * detector (KCSAN, lockdep's RCU checks, or KASAN) catches it. Lesson 1 needs no
 * switch: it is sync=none. Each bug is a static key, off unless chosen,
 * so a module loaded without bug= runs exactly the correct code.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "rcumap.h"

DEFINE_STATIC_KEY_ARRAY_FALSE(rcumap_bugs, RCUMAP_NR_BUGS);

/**
 * struct rcumap_bug_info - one deliberate bug
 * @name: the value of bug= that turns it on
 * @lesson: its lesson in docs/lessons/
 * @what: what it breaks, for the warning at load time
 * @strategies: the strategies under which the bug is the lesson's race and
 *              nothing else, as a string of sync= names: under the others
 *              it cannot race (a lock the strategy takes anyway serialises
 *              it), proves nothing, or does worse harm than the lesson
 *              (under sync=owner, add_rmw walks chains the owner thread
 *              frees at once: a use after free)
 */
struct rcumap_bug_info {
	const char *name;
	unsigned int lesson;
	const char *what;
	const char *strategies;
};

static const struct rcumap_bug_info rcumap_bug_info[RCUMAP_NR_BUGS] = {
	[RCUMAP_BUG_ADD_RMW] = {
		"add_rmw", 2, "ADD reads and writes the counter without the bucket lock",
		/* readers that run side by side */
		"rcu rwlock",
	},
	[RCUMAP_BUG_REAPER_UNLOCKED] = {
		"reaper_unlocked", 3, "the reaper unlinks entries without the writers' lock",
		/* a bucket table whose writers take a lock */
		"rcu mutex rwlock sharded",
	},
	[RCUMAP_BUG_ATIME_PLAIN] = {
		"atime_plain", 4, "GET stores the last-access time with a plain write",
		/* GETs of one entry that run side by side */
		"rcu rwlock rhashtable",
	},
	[RCUMAP_BUG_SHARED_HITS] = {
		"shared_hits", 5, "GET counts hits in one plain counter shared by all CPUs",
		/* counted after the lookup, outside any lock */
		"rcu mutex rwlock sharded owner rhashtable",
	},
	[RCUMAP_BUG_GET_UNLOCKED] = {
		"get_unlocked", 6, "GET walks its chain without rcu_read_lock()",
		/* a bucket table whose readers take a lock or RCU */
		"rcu mutex rwlock sharded",
	},
	[RCUMAP_BUG_FREE_NOW] = {
		"free_now", 7, "deleted entries are freed at once, under their readers",
		/* readers under RCU alone */
		"rcu rhashtable",
	},
};

/* Whether @word is one of the space-separated words of @list. */
static bool rcumap_word_in(const char *word, const char *list)
{
	size_t len = strlen(word);

	while (*list) {
		if (!strncmp(list, word, len) && (!list[len] || list[len] == ' '))
			return true;
		list += strcspn(list, " ");
		list += strspn(list, " ");
	}
	return false;
}

/**
 * rcumap_bug_enable() - turn on the bug a lesson asks for
 * @name: the value of bug=; "" for none
 * @sync: the strategy the map runs under
 *
 * Context: module init.
 * Return: 0, or -EINVAL (with one line saying why) for an unknown name or
 * a bug its lesson does not teach under @sync.
 */
int rcumap_bug_enable(const char *name, const struct rcumap_sync_ops *sync)
{
	const struct rcumap_bug_info *info;
	int i;

	if (!*name)
		return 0;
	for (i = 0; i < RCUMAP_NR_BUGS; i++)
		if (!strcmp(rcumap_bug_info[i].name, name))
			break;
	if (i == RCUMAP_NR_BUGS) {
		pr_err("bug=%s is not a lesson's bug: add_rmw, reaper_unlocked, atime_plain, shared_hits, get_unlocked or free_now\n",
		       name);
		return -EINVAL;
	}
	info = &rcumap_bug_info[i];
	if (!rcumap_word_in(sync->name, info->strategies)) {
		pr_err("bug=%s (lesson %u) does not apply to sync=%s; it needs sync= one of: %s\n",
		       name, info->lesson, sync->name, info->strategies);
		return -EINVAL;
	}
	static_branch_enable(&rcumap_bugs[i]);
	pr_warn("*** bug=%s (lesson %u): deliberately broken: %s ***\n",
		name, info->lesson, info->what);
	return 0;
}
