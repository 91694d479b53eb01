// SPDX-License-Identifier: GPL-2.0
/*
 * The synchronisation strategies, chosen at load time by sync= as
 * locktorture chooses its lock by torture_type=. Each lives in sync/.
 */
#include <linux/string.h>

#include "rcumap.h"

static const struct rcumap_sync_ops *const rcumap_sync_all[] = {
	&rcumap_sync_rcu,
	&rcumap_sync_mutex,
	&rcumap_sync_rwlock,
	&rcumap_sync_sharded,
	&rcumap_sync_owner,
	&rcumap_sync_rhashtable,
	&rcumap_sync_none,
};

/**
 * rcumap_sync_find() - look a strategy up by name
 * @name: the value of the sync= module parameter
 *
 * Context: any.
 * Return: the strategy, or NULL if none has that name.
 */
const struct rcumap_sync_ops *rcumap_sync_find(const char *name)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(rcumap_sync_all); i++)
		if (!strcmp(rcumap_sync_all[i]->name, name))
			return rcumap_sync_all[i];
	return NULL;
}
