// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line options: parsing, the defaults, and the combinations that
 * make no sense, refused before anything runs.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "parse.h"

enum {
	OPT_THREADS = 256, OPT_CALLS, OPT_SECONDS, OPT_SEED, OPT_KEYS,
	OPT_OWNED, OPT_ALLOW_CLEAR, OPT_NO_RACE, OPT_NO_ADMIN, OPT_FORBID,
	OPT_REPORTS, OPT_PROGRESS, OPT_REPLAY, OPT_DEV, OPT_MIX, OPT_VERSION,
	OPT_END,
};

static const struct option long_options[] = {
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "calls", required_argument, NULL, OPT_CALLS },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "owned-keys", required_argument, NULL, OPT_OWNED },
	{ "allow-clear", no_argument, NULL, OPT_ALLOW_CLEAR },
	{ "no-race", no_argument, NULL, OPT_NO_RACE },
	{ "no-cap-sys-admin", no_argument, NULL, OPT_NO_ADMIN },
	{ "forbid-errno", required_argument, NULL, OPT_FORBID },
	{ "reports", required_argument, NULL, OPT_REPORTS },
	{ "progress", required_argument, NULL, OPT_PROGRESS },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "mix", required_argument, NULL, OPT_MIX },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

const char *const mix_names[NR_MIX] = {
	[MIX_UNKNOWN] = "unknown", [RCUMAP_CMD_INFO] = "info",
	[RCUMAP_CMD_PUT] = "put", [RCUMAP_CMD_GET] = "get",
	[RCUMAP_CMD_DEL] = "del", [RCUMAP_CMD_CLEAR] = "clear",
	[RCUMAP_CMD_STATS] = "stats", [RCUMAP_CMD_ADD] = "add",
	[RCUMAP_CMD_CMPXCHG] = "cmpxchg", [RCUMAP_CMD_DUMP] = "dump",
	[RCUMAP_CMD_BATCH] = "batch", [MIX_OWNED] = "owned",
};

/* The default --mix, as --help shows it. */
static const uint8_t default_mix[NR_MIX] = {
	[MIX_UNKNOWN] = 7, [RCUMAP_CMD_INFO] = 7, [RCUMAP_CMD_PUT] = 14,
	[RCUMAP_CMD_GET] = 15, [RCUMAP_CMD_DEL] = 7, [RCUMAP_CMD_CLEAR] = 7,
	[RCUMAP_CMD_STATS] = 3, [RCUMAP_CMD_ADD] = 7,
	[RCUMAP_CMD_CMPXCHG] = 7, [RCUMAP_CMD_DUMP] = 3,
	[RCUMAP_CMD_BATCH] = 7, [MIX_OWNED] = 16,
};

static void usage(void)
{
	printf("Usage: rcumap-fuzz [OPTIONS]\n"
"       rcumap-fuzz --help | --version\n"
"\n"
"Call " RCUMAP_DEV_PATH " from many threads with random and boundary\n"
"arguments, and check every answer against the errors <linux/rcumap.h>\n"
"documents for that call: commands in and around rcumap's range, struct\n"
"sizes and lengths at and past every limit, pointers to unmapped memory,\n"
"to the last bytes before a guard page, to read-only pages, and to pages\n"
"another thread remaps and scribbles on during the call.\n"
"\n"
"Run:\n"
"  --threads N          fuzzing threads (default: the online CPUs, %ld here)\n"
"  --calls N            stop after N calls in all\n"
"  --seconds S          stop after S seconds (default 10 unless --calls);\n"
"                       with --calls, whichever comes first\n"
"  --seed S             the seed of every choice (default: getrandom();\n"
"                       always printed); thread i draws from its own\n"
"                       stream, xoshiro256** seeded by splitmix64 from S + i\n"
"  --keys N             shared keys the calls name (default 1024)\n"
"  --owned-keys N       keys each thread owns and checks, 0 to 64\n"
"                       (default 8; 0: no owned-key check)\n"
"  --allow-clear        well-formed CLEARs too (by default only malformed\n"
"                       ones, which must fail); turns the owned-key check off\n"
"  --no-race            no racing thread, no racing pages\n"
"  --no-cap-sys-admin   give up CAP_SYS_ADMIN before opening the device:\n"
"                       every CLEAR may then fail with EPERM, a\n"
"                       well-formed one must\n"
"  --mix SPEC           percent of the calls per kind, KIND=PERCENT,...;\n"
"                       kinds left out are 0, the sum must be 100; kinds:\n"
"                       unknown (a command rcumap does not have), info,\n"
"                       put, get, del, clear, stats, add, cmpxchg, dump,\n"
"                       batch, owned (calls on owned keys); default\n"
"                       unknown=7,info=7,put=14,get=15,del=7,clear=7,\n"
"                       stats=3,add=7,cmpxchg=7,dump=3,batch=7,owned=16\n"
"\n"
"Checking and output:\n"
"  --forbid-errno E     declare errno E (a name: EINVAL, ...) unexpected\n"
"                       everywhere, to see the check fail; repeatable\n"
"  --reports N          unexpected outcomes printed in full (default 10)\n"
"  --progress S         a progress line on stderr every S seconds (default\n"
"                       1 on a terminal, else 0: none)\n"
"  --replay T:I         make only call I of thread T (with the seed and\n"
"                       options of the run that printed it) and judge it\n"
"  --dev PATH           the device (default " RCUMAP_DEV_PATH ")\n"
"  -h, --help           show this help\n"
"  --version            show the version and the rcumap ABI version\n"
"\n"
"Every call's outcome must be one the ABI allows it: an unknown command\n"
"ENOTTY; a well-formed call with valid pointers success or one of the\n"
"map's own answers (ENOENT, EEXIST, ENOSPC, ERANGE, ECANCELED, EMSGSIZE,\n"
"ENOMEM); a call with one defect that defect's errno; any call an errno\n"
"its command documents. Each thread also owns keys that only it writes,\n"
"with calls whose every answer it predicts, and that every thread hits\n"
"with malformed calls, which must fail and change nothing.\n"
"\n"
"Output: the seed and settings, then a table of calls, successes and\n"
"errors by errno per command, and \"result: ok\" or \"result: failed\".\n"
"Each unexpected outcome is reported on stderr with the call decoded and\n"
"the command line that replays it.\n"
"\n"
"Exit status: 0 ok; 1 an unexpected outcome or a wrong owned key; 3 setup\n"
"error (cannot open the device...); 64 usage error.\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_verror("rcumap-fuzz", fmt, ap);
}

static uint64_t parse_opt_uint(int opt, const char *arg, uint64_t min,
			       uint64_t max)
{
	return parse_option_uint("rcumap-fuzz", long_options, opt, arg, min, max);
}

/* --forbid-errno: an errno of the ABI's table, by name. */
static uint32_t parse_errno(const char *arg)
{
	unsigned int i;

	for (i = 1; i < NR_OUTCOMES; i++)
		if (!strcmp(arg, errno_name(outcome_errno(i))))
			return 1U << i;
	usage_error("--forbid-errno: '%s' is not one of the errnos of <linux/rcumap.h> (EFAULT, EINVAL, ...)",
		    arg);
}

static void parse_mix(const char *spec, uint8_t *mix)
{
	char *copy = strdup(spec), *tok, *save, *eq;
	unsigned int i, sum = 0;

	if (!copy)
		usage_error("out of memory");
	memset(mix, 0, NR_MIX);
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (eq)
			*eq = '\0';
		for (i = 0; i < NR_MIX && strcmp(tok, mix_names[i]); i++)
			;
		if (!eq || i == NR_MIX)
			usage_error("--mix: '%s' is not KIND=PERCENT with KIND one of unknown, info, put, get, del, clear, stats, add, cmpxchg, dump, batch, owned",
				    tok);
		mix[i] = parse_opt_uint(OPT_MIX, eq + 1, 0, 100);
	}
	free(copy);
	for (i = 0; i < NR_MIX; i++)
		sum += mix[i];
	if (sum != 100)
		usage_error("--mix: the percentages add up to %u, not 100", sum);
}

/* --replay T:I */
static void parse_replay(struct fz_config *c, const char *arg)
{
	const char *colon = strchr(arg, ':');
	char thread[16];
	uint64_t t;

	if (!colon || colon - arg >= (long)sizeof(thread))
		usage_error("--replay: '%s' is not THREAD:CALL", arg);
	memcpy(thread, arg, colon - arg);
	thread[colon - arg] = 0;
	t = parse_opt_uint(OPT_REPLAY, thread, 0, 1023);
	c->replay_call = parse_opt_uint(OPT_REPLAY, colon + 1, 0, UINT64_MAX);
	c->replay_thread = t;
	c->replay = true;
}

static uint64_t default_seed(void)
{
	struct timespec ts;
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void parse_one(struct fz_config *c, int opt, const char *arg)
{
	switch (opt) {
	case OPT_THREADS:
		c->threads = parse_opt_uint(opt, arg, 1, 1024);
		break;
	case OPT_CALLS:
		c->calls = parse_opt_uint(opt, arg, 1, UINT64_MAX);
		break;
	case OPT_SECONDS:
		c->seconds = parse_opt_uint(opt, arg, 1, 10000000);
		break;
	case OPT_SEED:
		c->seed = parse_opt_uint(opt, arg, 0, UINT64_MAX);
		break;
	case OPT_KEYS:
		c->keys = parse_opt_uint(opt, arg, 1, 1U << 20);
		break;
	case OPT_OWNED:
		c->owned = parse_opt_uint(opt, arg, 0, 64);
		break;
	case OPT_ALLOW_CLEAR:
		c->allow_clear = true;
		break;
	case OPT_NO_RACE:
		c->no_race = true;
		break;
	case OPT_NO_ADMIN:
		c->drop_admin = true;
		break;
	case OPT_FORBID:
		c->forbid |= parse_errno(arg);
		break;
	case OPT_REPORTS:
		c->reports = parse_opt_uint(opt, arg, 0, UINT32_MAX);
		break;
	case OPT_PROGRESS:
		c->progress = parse_opt_uint(opt, arg, 0, 1000000);
		break;
	case OPT_REPLAY:
		parse_replay(c, arg);
		break;
	case OPT_MIX:
		parse_mix(arg, c->mix);
		c->mix_given = true;
		break;
	default:	/* OPT_DEV */
		c->dev = arg;
		break;
	}
}

void parse_options(int argc, char **argv, struct fz_config *c)
{
	bool given[OPT_END] = { false };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int opt;

	*c = (struct fz_config){
		.dev = RCUMAP_DEV_PATH,
		.threads = cpus > 0 ? cpus : 1,
		.seed = default_seed(),
		.keys = 1024,
		.owned = 8,
		.reports = 10,
		.progress = isatty(STDERR_FILENO) ? 1 : 0,
	};
	memcpy(c->mix, default_mix, NR_MIX);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		if (opt == 'h') {
			usage();
			exit(EXIT_OK);
		}
		if (opt == OPT_VERSION) {
			rcumap_print_version("rcumap-fuzz");
			exit(EXIT_OK);
		}
		if (opt == '?')
			usage_error("unknown option or missing argument: '%s'",
				    argv[optind - 1]);
		given[opt] = true;
		parse_one(c, opt, optarg);
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!given[OPT_CALLS] && !given[OPT_SECONDS])
		c->seconds = 10;
	if (c->replay && c->replay_thread >= c->threads)
		usage_error("--replay: thread %u, but --threads %u",
			    c->replay_thread, c->threads);
	if (c->replay && !given[OPT_SEED])
		usage_error("--replay: needs the --seed of the run");
	if (c->allow_clear && given[OPT_OWNED] && c->owned)
		usage_error("--owned-keys: not with --allow-clear, whose CLEARs delete them");
}
