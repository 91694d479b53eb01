// SPDX-License-Identifier: GPL-2.0
/*
 * The memory suite: what a full map costs, as the kernel accounts it.
 *
 * The process moves into a cgroup v2 child with the memory controller
 * (--cgroup; the caller mounts and creates it) and reads its
 * memory.current around each step. rcumap charges each entry to the
 * caller's cgroup (GFP_KERNEL_ACCOUNT); its bucket table, allocated at
 * module load, is charged to no one, so it is read from /proc/vmallocinfo
 * instead, where a table of more than a few MiB lands. A BPF map is
 * charged whole to the cgroup that creates it: the default map
 * preallocates its elements at create time, one with BPF_F_NO_PREALLOC
 * allocates them as they are added, so both are measured from before the
 * create to after the fill. Nothing is freed until the process exits, so
 * no deferred free (RCU, BPF's map free work) can land in a measurement.
 *
 * The keys are made before the process moves, so their pages are charged
 * elsewhere; the fill's own buffers (some KiB) are in the figures.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "bench.h"

static FILE *cgroup_file(const char *cgroup, const char *name,
			 const char *mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cgroup, name);
	f = fopen(path, mode);
	if (!f)
		fatal("%s: %s (cgroup2 mounted, +memory in the parent's cgroup.subtree_control?)",
		      path, strerror(errno));
	return f;
}

static void cgroup_enter(const char *cgroup)
{
	FILE *f = cgroup_file(cgroup, "cgroup.procs", "w");

	fprintf(f, "%d\n", getpid());
	if (fclose(f))
		fatal("%s/cgroup.procs: %s", cgroup, strerror(errno));
}

static long long memory_current(const char *cgroup)
{
	FILE *f = cgroup_file(cgroup, "memory.current", "r");
	long long bytes;

	if (fscanf(f, "%lld", &bytes) != 1)
		fatal("%s/memory.current: not a number", cgroup);
	fclose(f);
	return bytes;
}

/* Bytes of the vmalloc areas allocated by @caller; -1 if there are none. */
static long long vmalloc_bytes(const char *caller)
{
	FILE *f = fopen("/proc/vmallocinfo", "r");
	long long sum = -1, size;
	char line[512];

	if (!f)
		fatal("/proc/vmallocinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (strstr(line, caller) &&
		    sscanf(line, "%*s %lld", &size) == 1)
			sum = (sum < 0 ? 0 : sum) + size;
	fclose(f);
	return sum;
}

static void figure(const struct bench *b, const char *backend,
		   const char *flags, const char *part, const char *source,
		   long long bytes)
{
	json_figure_start("memory", backend, b);
	printf(",\"map_flags\":\"%s\",\"part\":\"%s\",\"source\":\"%s\","
	       "\"bytes\":", flags, part, source);
	if (bytes < 0)
		printf("null}\n");
	else
		printf("%lld,\"per_entry\":%.2f}\n", bytes,
		       (double)bytes / b->opt.entries);
}

static void rcumap_memory(struct bench *b)
{
	struct rcumap_stats st;
	long long before;
	int ret;

	if (b->info.entries)
		fatal("the memory suite needs an empty map: load the module afresh");
	before = memory_current(b->opt.cgroup);
	rcumap_fill(b);
	figure(b, "rcumap", "", "entries", "memory.current",
	       memory_current(b->opt.cgroup) - before);
	ret = rcumap_stats(b->rcumap_fd, &st);
	if (ret)
		fatal("RCUMAP_IOC_STATS: %s", strerror(-ret));
	/* What the module counts from its struct sizes, for comparison. */
	figure(b, "rcumap", "", "entries", "RCUMAP_IOC_STATS bytes",
	       st.bytes);
	figure(b, "rcumap", "", "table", "/proc/vmallocinfo",
	       vmalloc_bytes("rcumap_table_init"));
}

/* A BPF map made with @flags, filled; left open until the process exits. */
static void bpf_memory(struct bench *b, uint32_t flags, const char *name)
{
	long long before, created;

	before = memory_current(b->opt.cgroup);
	bpf_setup(b, flags);
	created = memory_current(b->opt.cgroup);
	bpf_fill(b);
	figure(b, "bpf", name, "create", "memory.current", created - before);
	figure(b, "bpf", name, "fill", "memory.current",
	       memory_current(b->opt.cgroup) - created);
}

void memory_suite(struct bench *b)
{
	if (!b->opt.cgroup)
		fatal("the memory suite needs --cgroup");
	cgroup_enter(b->opt.cgroup);
	rcumap_memory(b);
	bpf_memory(b, 0, "0");
	bpf_memory(b, BPF_F_NO_PREALLOC, "BPF_F_NO_PREALLOC");
	fflush(stdout);
}
