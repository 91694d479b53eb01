// SPDX-License-Identifier: GPL-2.0
/*
 * The floor: the cheapest system call there is, getppid(), which glibc
 * does not cache, and the cheapest rcumap ioctl, INFO, which copies a
 * struct in and out and touches no entry. Every op pays at least these.
 */
#include <unistd.h>

#include "bench.h"

static int getppid_step(struct bthread *t)
{
	(void)t;
	getppid();
	return 1;
}

static int info_step(struct bthread *t)
{
	struct rcumap_info info;
	int ret = rcumap_info(t->fd, &info);

	return ret ? step_failed(t, "RCUMAP_IOC_INFO", -ret) : 1;
}

static const struct cell cells[] = {
	CELL("floor", BK_SYSCALL, "getppid", "op", getppid_step),
	CELL("floor", BK_RCUMAP, "info", "op", info_step),
};

const struct backend_cells floor_cells = {
	.single = cells,
	.nsingle = ARRAY_SIZE(cells),
};
