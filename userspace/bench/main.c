// SPDX-License-Identifier: GPL-2.0
/*
 * rcumap-bench - rcumap against the system call floor and the kernel's BPF
 * hash map, from the same threads, with the same keys, values and number
 * of entries; every figure a JSON line on stdout. vm/bench runs it in a
 * guest booting a stock kernel and makes the tables and plots.
 *
 * This file parses the options, makes the keys, fills the maps and runs
 * the suites asked for.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "bench.h"
#include "parse.h"

enum {
	OPT_ENTRIES = 256, OPT_VALUE_SIZE, OPT_REPS, OPT_SECONDS, OPT_THREADS,
	OPT_BATCH, OPT_MAX_THREADS, OPT_CGROUP, OPT_NO_PREALLOC, OPT_DEV,
};

static const struct option long_options[] = {
	{ "entries", required_argument, NULL, OPT_ENTRIES },
	{ "value-size", required_argument, NULL, OPT_VALUE_SIZE },
	{ "reps", required_argument, NULL, OPT_REPS },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "max-threads", required_argument, NULL, OPT_MAX_THREADS },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "no-prealloc", no_argument, NULL, OPT_NO_PREALLOC },
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: rcumap-bench [OPTIONS] SUITE...\n"
"\n"
"Measure " RCUMAP_DEV_PATH " against getppid() and a BPF hash map with the\n"
"same 16-byte keys, values and entries; print each figure (the median of\n"
"--reps timed repetitions, interleaved, with min, max and quartiles) as a\n"
"JSON line.\n"
"\n"
"Suites:\n"
"  floor     getppid() and RCUMAP_IOC_INFO\n"
"  ops       GET hit and miss, PUT replacing, ADD (8-byte values only),\n"
"            DEL+PUT, on rcumap and on the BPF map, at each --threads\n"
"  batch     RCUMAP_IOC_BATCH of GETs, PUTs, DELs+PUTs at each --batch size,\n"
"            and BPF's UPDATE_BATCH, DELETE_BATCH; DUMP of the whole map\n"
"            against BPF_MAP_LOOKUP_BATCH; one thread\n"
"  scaling   rcumap GET hits at 1..--max-threads threads, with an fd per\n"
"            thread and with one shared fd\n"
"  memory    bytes per entry of rcumap and of BPF maps, filled inside\n"
"            --cgroup, from its memory.current (runs alone, on a fresh map)\n"
"\n"
"Options:\n"
"  --entries N       keys in each map (default 65536); the module must be\n"
"                    loaded with max_entries of at least N\n"
"  --value-size N    bytes per value (default 64)\n"
"  --reps N          timed repetitions of each cell (default 5)\n"
"  --seconds S       length of one repetition (default 0.4)\n"
"  --threads LIST    thread counts of floor and ops (default 1,<CPUs>)\n"
"  --batch LIST      ops per call of the batch suite (default 64,1024)\n"
"  --max-threads N   scaling goes up to N threads (default: the CPUs)\n"
"  --cgroup DIR      the memory suite's cgroup v2 directory\n"
"  --no-prealloc     ops, batch: create the BPF map with BPF_F_NO_PREALLOC\n"
"                    (default: BPF's default, every element preallocated)\n"
"  --dev PATH        the device (default " RCUMAP_DEV_PATH ")\n"
"  -h, --help        this help\n");
}

static unsigned long number(const char *opt, const char *s, unsigned long min,
			    unsigned long max)
{
	uint64_t v;

	if (!parse_uint(s, min, max, &v)) {
		fprintf(stderr, "rcumap-bench: %s: '%s' is not a number in %lu..%lu\n",
			opt, s, min, max);
		exit(64);
	}
	return v;
}

/* A comma-separated list of numbers in @min..@max, at most @cap of them. */
static unsigned int number_list(const char *opt, char *s, unsigned int *out,
				unsigned int cap, unsigned long min,
				unsigned long max)
{
	unsigned int n = 0;
	char *tok, *save;

	for (tok = strtok_r(s, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == cap)
			fatal("%s: at most %u numbers", opt, cap);
		out[n++] = number(opt, tok, min, max);
	}
	if (!n)
		fatal("%s: no numbers", opt);
	return n;
}

static void parse_args(int argc, char **argv, struct options *o)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int c;

	if (cpus < 1)
		cpus = 1;
	if (cpus > MAX_THREADS)
		cpus = MAX_THREADS;
	*o = (struct options){
		.dev = RCUMAP_DEV_PATH, .entries = 65536, .value_size = 64,
		.reps = 5, .seconds = 0.4, .threads = { 1, cpus },
		.nthreads = cpus > 1 ? 2 : 1, .batch = { 64, 1024 },
		.nbatch = 2, .max_threads = cpus,
	};
	while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_ENTRIES:
			o->entries = number("--entries", optarg, 1, 1 << 24);
			break;
		case OPT_VALUE_SIZE:
			o->value_size = number("--value-size", optarg, 8,
					       RCUMAP_VALUE_LEN_LIMIT);
			break;
		case OPT_REPS:
			o->reps = number("--reps", optarg, 1, MAX_REPS);
			break;
		case OPT_SECONDS:
			o->seconds = strtod(optarg, NULL);
			if (o->seconds < 0.01 || o->seconds > 60)
				fatal("--seconds: 0.01..60");
			break;
		case OPT_THREADS:
			o->nthreads = number_list("--threads", optarg,
						  o->threads, MAX_THREADS, 1,
						  MAX_THREADS);
			break;
		case OPT_BATCH:
			o->nbatch = number_list("--batch", optarg, o->batch,
						ARRAY_SIZE(o->batch), 1,
						RCUMAP_BATCH_MAX);
			break;
		case OPT_MAX_THREADS:
			o->max_threads = number("--max-threads", optarg, 1,
						MAX_THREADS);
			break;
		case OPT_CGROUP:
			o->cgroup = optarg;
			break;
		case OPT_NO_PREALLOC:
			o->bpf_flags = BPF_F_NO_PREALLOC;
			break;
		case OPT_DEV:
			o->dev = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(64);
		}
	}
}

/* Each key's bytes once, present ("k...") and never stored ("c..."). */
static void make_keys(struct bench *b)
{
	size_t n = b->opt.entries;
	uint32_t i;

	b->keys = malloc(n * KEY_SIZE);
	b->miss_keys = malloc(n * KEY_SIZE);
	if (!b->keys || !b->miss_keys)
		fatal("out of memory for %zu keys", n);
	for (i = 0; i < n; i++) {
		key_fill(b->keys + i * KEY_SIZE, KEY_SIZE, false, i);
		key_fill(b->miss_keys + i * KEY_SIZE, KEY_SIZE, true, i);
	}
}

enum { FLOOR = 1, OPS = 2, BATCH = 4, SCALING = 8, MEMORY = 16 };

static unsigned int parse_suites(int argc, char **argv)
{
	static const char *const names[] = {
		"floor", "ops", "batch", "scaling", "memory",
	};
	unsigned int suites = 0, i;
	int a;

	for (a = optind; a < argc; a++) {
		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (!strcmp(argv[a], names[i]))
				break;
		if (i == ARRAY_SIZE(names))
			fatal("no suite '%s'", argv[a]);
		suites |= 1U << i;
	}
	if (!suites)
		fatal("no suite given");
	if (suites & MEMORY && suites != MEMORY)
		fatal("the memory suite runs alone");
	return suites;
}

int main(int argc, char **argv)
{
	static const struct backend_cells *const both[] = {
		&rcumap_cells, &bpf_cells,
	};
	const struct backend_cells *single[3];
	struct bench b = { .rcumap_fd = -1, .bpf_fd = -1 };
	unsigned int suites, n = 0;

	parse_args(argc, argv, &b.opt);
	suites = parse_suites(argc, argv);
	make_keys(&b);
	rcumap_setup(&b);
	if (suites == MEMORY) {
		memory_suite(&b);
		return 0;
	}
	if (suites & (OPS | BATCH | SCALING)) {
		fprintf(stderr, "# filling rcumap (sync=%s): %u entries, %u-byte values\n",
			(const char *)b.info.strategy, b.opt.entries,
			b.opt.value_size);
		rcumap_fill(&b);
	}
	if (suites & (OPS | BATCH)) {
		fprintf(stderr, "# filling the BPF hash map\n");
		bpf_setup(&b, b.opt.bpf_flags);
		bpf_fill(&b);
	}
	if (suites & FLOOR)
		single[n++] = &floor_cells;
	if (suites & OPS) {
		single[n++] = &rcumap_cells;
		single[n++] = &bpf_cells;
	}
	plan_single(&b, single, n);
	if (suites & BATCH)
		plan_batches(&b, both, ARRAY_SIZE(both));
	if (suites & SCALING)
		rcumap_plan_scaling(&b);
	plan_run(&b);
	return 0;
}
