// SPDX-License-Identifier: GPL-2.0
/*
 * rcumap: an RCU-protected hashtable that userspace reaches through the
 * ioctls of /dev/rcumap, for learning, testing and measuring concurrent
 * access to shared kernel data. One map per loaded module, shared by every
 * opener.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>

#include "rcumap.h"

#define RCUMAP_MAX_ENTRIES_LIMIT	SZ_16M

static unsigned int max_entries = 65536;
module_param(max_entries, uint, 0444);
MODULE_PARM_DESC(max_entries,
		 "Most entries the map holds, 1..16777216 (default 65536)");

static unsigned int max_key_len = RCUMAP_KEY_LEN_LIMIT;
module_param(max_key_len, uint, 0444);
MODULE_PARM_DESC(max_key_len, "Longest key in bytes, 1..256 (default 256)");

static unsigned int max_value_len = 65536;
module_param(max_value_len, uint, 0444);
MODULE_PARM_DESC(max_value_len,
		 "Longest value in bytes, 0..1048576 (default 65536)");

static char *sync_name = "rcu";
module_param_named(sync, sync_name, charp, 0444);
MODULE_PARM_DESC(sync,
		 "Synchronisation strategy: rcu, mutex, rwlock, sharded, owner, rhashtable, or none, the negative control (default rcu)");

static char *bug_name = "";
module_param_named(bug, bug_name, charp, 0444);
MODULE_PARM_DESC(bug,
		 "Training only: put back a lesson's bug: add_rmw, reaper_unlocked, atime_plain, shared_hits, get_unlocked or free_now (default none)");

static unsigned int reap_ms = 1000;
module_param(reap_ms, uint, 0444);
MODULE_PARM_DESC(reap_ms,
		 "Period of the reaper of expired entries in ms, 10..60000 (default 1000)");

static ushort dev_mode = 0600;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Mode of /dev/rcumap, at most 0777 (default 0600)");

static struct rcumap rcumap_dev;

static int rcumap_open(struct inode *inode, struct file *file)
{
	/* misc_open() set private_data to our miscdevice. */
	file->private_data = container_of(file->private_data, struct rcumap,
					  misc);
	return 0;
}

static const struct file_operations rcumap_fops = {
	.owner = THIS_MODULE,
	.open = rcumap_open,
	.unlocked_ioctl = rcumap_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static int __init rcumap_check_range(const char *name, unsigned int val,
				     unsigned int min, unsigned int max)
{
	if (val >= min && val <= max)
		return 0;
	pr_err("%s=%u is out of range %u..%u\n", name, val, min, max);
	return -EINVAL;
}

/* Refuse bad parameters with one clear line rather than half a map. */
static int __init rcumap_check_params(void)
{
	if (dev_mode & ~0777) {
		pr_err("dev_mode=%#o has bits outside 0777\n", dev_mode);
		return -EINVAL;
	}
	return rcumap_check_range("max_entries", max_entries, 1,
				  RCUMAP_MAX_ENTRIES_LIMIT) ?:
	       rcumap_check_range("max_key_len", max_key_len, 1,
				  RCUMAP_KEY_LEN_LIMIT) ?:
	       rcumap_check_range("max_value_len", max_value_len, 0,
				  RCUMAP_VALUE_LEN_LIMIT) ?:
	       rcumap_check_range("reap_ms", reap_ms, 10, 60000);
}

static int __init rcumap_init(void)
{
	struct rcumap *map = &rcumap_dev;
	int ret;

	ret = rcumap_check_params();
	if (ret)
		return ret;

	map->sync = rcumap_sync_find(sync_name);
	if (!map->sync) {
		pr_err("sync=%s is not a strategy: rcu, mutex, rwlock, sharded, owner, rhashtable or none\n",
		       sync_name);
		return -EINVAL;
	}
	ret = rcumap_bug_enable(bug_name, map->sync);
	if (ret)
		return ret;
	map->max_entries = max_entries;
	map->max_key_len = max_key_len;
	map->max_value_len = max_value_len;
	rcumap_reaper_init(map, reap_ms);
	ret = rcumap_map_init(map);
	if (ret)
		return ret;
	ret = rcumap_stats_init(map);
	if (ret)
		goto err_destroy_map;

	map->misc = (struct miscdevice) {
		.minor = MISC_DYNAMIC_MINOR,
		.name = KBUILD_MODNAME,
		.fops = &rcumap_fops,
		.mode = dev_mode,
	};
	ret = misc_register(&map->misc);
	if (ret)
		goto err_destroy_stats;
	return 0;

err_destroy_stats:
	rcumap_stats_destroy(map);
err_destroy_map:
	rcumap_map_destroy(map);
	return ret;
}

/*
 * fops.owner pins the module while any file is open, so by now no ioctl can
 * be running: the device goes first so that none can start, then the
 * reaper, which nothing can kick any more, then the map.
 */
static void __exit rcumap_exit(void)
{
	struct rcumap *map = &rcumap_dev;

	misc_deregister(&map->misc);
	rcumap_reaper_stop(map);
	rcumap_stats_destroy(map);
	rcumap_map_destroy(map);
}

module_init(rcumap_init);
module_exit(rcumap_exit);

MODULE_DESCRIPTION("RCU-protected hashtable behind an ioctl device");
MODULE_AUTHOR("The rcumap developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(RCUMAP_VERSION);
