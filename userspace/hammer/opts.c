// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line options: parsing, the defaults that depend on the mode, and
 * the combinations that make no sense, refused before anything runs.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hammer.h"
#include "parse.h"

static const struct mode *const modes[] = {
	&mode_mixed, &mode_counters, &mode_lost_update, &mode_owner, &mode_lin,
	&mode_hot,
};

enum {
	OPT_THREADS = 256, OPT_DURATION, OPT_OPS, OPT_KEYS, OPT_KEY_SIZE,
	OPT_VALUE_SIZE, OPT_DIST, OPT_THETA, OPT_MIX, OPT_BATCH, OPT_PIN,
	OPT_SEED, OPT_DEV, OPT_JSON, OPT_MODE, OPT_NO_CLEAR, OPT_SHARED_FD,
	OPT_CHECK_TIMEOUT, OPT_MAX_HISTORY, OPT_TTL, OPT_TOUCH,
	OPT_PRIVATE_KEYS, OPT_READERS, OPT_MAX_LATENCY, OPT_VERSION, OPT_END,
};

static const struct option long_options[] = {
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "ops", required_argument, NULL, OPT_OPS },
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "key-size", required_argument, NULL, OPT_KEY_SIZE },
	{ "value-size", required_argument, NULL, OPT_VALUE_SIZE },
	{ "dist", required_argument, NULL, OPT_DIST },
	{ "zipf-theta", required_argument, NULL, OPT_THETA },
	{ "mix", required_argument, NULL, OPT_MIX },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "pin", no_argument, NULL, OPT_PIN },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "no-clear", no_argument, NULL, OPT_NO_CLEAR },
	{ "shared-fd", no_argument, NULL, OPT_SHARED_FD },
	{ "check-timeout", required_argument, NULL, OPT_CHECK_TIMEOUT },
	{ "max-history", required_argument, NULL, OPT_MAX_HISTORY },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "touch", no_argument, NULL, OPT_TOUCH },
	{ "private-keys", no_argument, NULL, OPT_PRIVATE_KEYS },
	{ "readers", required_argument, NULL, OPT_READERS },
	{ "max-latency", required_argument, NULL, OPT_MAX_LATENCY },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void usage(void)
{
	printf("Usage: rcumap-hammer [OPTIONS]\n"
"       rcumap-hammer --help | --version\n"
"\n"
"Hammer " RCUMAP_DEV_PATH " from many threads; report throughput, latency\n"
"and errors by op; in the verification modes, check the map's answers.\n"
"\n"
"Modes (--mode):\n"
"  mixed             run the --mix and report (the default)\n"
"  counters          ADD random deltas to shared counters: the final values\n"
"                    must equal the sums of what the threads added\n"
"  lost-update       increment shared counters by GET, then PUT; count the\n"
"                    updates lost between the two calls (a lesson: exit 0)\n"
"  owner             each thread writes keys of its own among everyone's and\n"
"                    must always read back its own latest write\n"
"  linearizable      record every op (8-byte values) and check the history\n"
"                    with lincheck\n"
"  hot-key           writers PUT values as long as the map takes to one\n"
"                    key, while --readers GET it and DUMP the map, each\n"
"                    call timed (see --max-latency)\n"
"\n"
"Workload:\n"
"  --threads N       threads (default: the online CPUs, %ld here)\n"
"  --duration SECS   run time (default 5, unless --ops is given)\n"
"  --ops N           ops per thread; with --duration, whichever ends first\n"
"  --keys N          key space (default 1024; counters and lost-update 16,\n"
"                    linearizable 64; hot-key has one key)\n"
"  --key-size B      key length in bytes (default 16)\n"
"  --value-size B    value length (default 64; hot-key: the map's\n"
"                    max_value_len; the counter modes and linearizable\n"
"                    use 8-byte values)\n"
"  --dist D          key popularity: uniform (default) or zipf\n"
"  --zipf-theta T    zipf skew, 0 <= T < 1 (default 0.99)\n"
"  --mix SPEC        percent per op; ops left out are 0, the sum must be\n"
"                    100 (default get=70,put=20,del=5,add=5,cas=0; owner:\n"
"                    get=50,put=30,del=10,add=5,cas=5; linearizable:\n"
"                    get=40,put=25,del=10,add=10,cas=15)\n"
"  --batch N         issue ops N at a time through RCUMAP_IOC_BATCH\n"
"                    (default 1: one ioctl each); cas cannot be batched,\n"
"                    so a default mix gives its cas share to get\n"
"  --seed S          seed of the choices of ops, keys and values (default:\n"
"                    from the clock; always printed)\n"
"  --ttl MS          mixed mode: PUT entries that expire MS milliseconds\n"
"                    later, for the module's reaper to delete (not with\n"
"                    --batch: RCUMAP_IOC_BATCH has no time to live)\n"
"  --touch           GET with RCUMAP_GET_TOUCH, restarting the time to\n"
"                    live of the entry read\n"
"  --private-keys    mixed mode: each thread has --keys keys of its own,\n"
"                    so no two threads ever touch one entry (they still\n"
"                    share buckets)\n"
"  --readers N       hot-key: threads of the --threads that GET and DUMP\n"
"                    (default 1); the others PUT\n"
"\n"
"Setup and output:\n"
"  --dev PATH        the device (default " RCUMAP_DEV_PATH ")\n"
"  --shared-fd       one fd for all threads (default: one per thread)\n"
"  --pin             pin thread i to CPU i %% (CPUs allowed)\n"
"  --no-clear        do not CLEAR the map first (it does by default)\n"
"  --check-timeout S linearizable: time limit of the check (default 30)\n"
"  --max-history N   linearizable: ops recorded at most (default 2000000);\n"
"                    the run stops early when the history is full\n"
"  --max-latency MS  hot-key: fail (status 1) if the worst GET or the\n"
"                    worst DUMP call took longer than MS milliseconds\n"
"  --json            print the report as one JSON object\n"
"  -h, --help        show this help\n"
"  --version         show the version and the rcumap ABI version\n"
"\n"
"Keys are a letter and the key index in decimal, zero-padded to --key-size:\n"
"add uses counter keys \"c...\", the other ops \"k...\", so that add never\n"
"meets a --value-size value (counters and lost-update use counter keys\n"
"only). The mixed and linearizable modes choose PUT and ADD flags at\n"
"random (half ANY, a quarter each NOEXIST and EXIST), owner mode those of\n"
"PUT, so some ops fail by design: ENOENT, EEXIST, ECANCELED, ENOSPC,\n"
"EMSGSIZE and ERANGE are expected outcomes, any other errno fails the\n"
"run. With --batch, latency is per batch. The percentiles are bucket\n"
"bounds (within 3%%); max, the worst call (p100), is exact.\n"
"\n"
"Exit status: 0 ok; 1 verification failed, unexpected errors, or a call\n"
"over --max-latency; 2 the linearizability check could not decide\n"
"(unknown is never pass); 3 setup error (cannot open the device...); 64\n"
"usage error.\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_verror("rcumap-hammer", fmt, ap);
}

static const char *opt_name(int opt)
{
	return option_name(long_options, opt);
}

static uint64_t parse_opt_uint(int opt, const char *arg, uint64_t min,
			       uint64_t max)
{
	return parse_option_uint("rcumap-hammer", long_options, opt, arg, min, max);
}

static double parse_real(int opt, const char *arg, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= min && v < max))
		usage_error("--%s: '%s' is not a number from %g up to %g",
			    opt_name(opt), arg, min, max);
	return v;
}

static const struct mode *parse_mode(const char *arg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(modes); i++)
		if (!strcmp(arg, modes[i]->name))
			return modes[i];
	usage_error("--mode: unknown mode '%s'", arg);
}

static void parse_mix(const char *spec, uint8_t *mix)
{
	char *copy = strdup(spec), *tok, *save, *eq;
	unsigned int i, sum = 0;

	if (!copy)
		usage_error("out of memory");
	memset(mix, 0, NR_MIX_KINDS);
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (eq)
			*eq = '\0';
		for (i = 0; i < NR_MIX_KINDS && strcmp(tok, op_names[i]); i++)
			;
		if (!eq || i == NR_MIX_KINDS)
			usage_error("--mix: '%s' is not OP=PERCENT with OP one of get, put, del, add, cas",
				    tok);
		mix[i] = parse_opt_uint(OPT_MIX, eq + 1, 0, 100);
	}
	free(copy);
	for (i = 0; i < NR_MIX_KINDS; i++)
		sum += mix[i];
	if (sum != 100)
		usage_error("--mix: the percentages add up to %u, not 100", sum);
}

/* hot-key: one key, the map's longest values, a writer at least. */
static void finish_hot(struct config *c, const bool *given)
{
	if (given[OPT_KEYS] || given[OPT_DIST])
		usage_error("--keys and --dist: --mode hot-key has one key");
	c->value_max = !given[OPT_VALUE_SIZE];
	if (c->threads > c->readers)
		return;
	if (given[OPT_THREADS])
		usage_error("--threads: --mode hot-key needs a writer besides the %u readers, at least %u",
			    c->readers, c->readers + 1);
	c->threads = c->readers + 1;
}

/* Apply the mode's defaults, then refuse what cannot work together. */
static void finish_config(struct config *c, const bool *given)
{
	const struct mode *m = c->mode;
	uint64_t all_keys;

	if (!given[OPT_DURATION] && !given[OPT_OPS])
		c->duration = 5;
	if (!given[OPT_KEYS])
		c->keys = m->default_keys;
	if (m->value8 && given[OPT_VALUE_SIZE])
		usage_error("--value-size: --mode %s uses 8-byte values", m->name);
	if (m->value8)
		c->value_size = 8;
	if (!m->default_mix && given[OPT_MIX])
		usage_error("--mix: --mode %s makes its own ops", m->name);
	if (m->default_mix && !given[OPT_MIX]) {
		memcpy(c->mix, m->default_mix, NR_MIX_KINDS);
		/* A default mix must not trip the rule below: cas turns get. */
		if (c->batch > 1) {
			c->mix[OP_GET] += c->mix[OP_CAS];
			c->mix[OP_CAS] = 0;
		}
	}
	if (c->batch > 1 && !m->batchable)
		usage_error("--batch: --mode %s needs each result before its next op",
			    m->name);
	if (c->batch > 1 && c->mix[OP_CAS])
		usage_error("--batch: cas cannot be batched (RCUMAP_IOC_BATCH has no CMPXCHG); give a --mix with cas=0");
	if (c->private_keys && m != &mode_mixed)
		usage_error("--private-keys: only with --mode mixed");
	if (c->ttl_ms && m != &mode_mixed)
		usage_error("--ttl: only with --mode mixed: the other modes check that entries stay");
	if (c->ttl_ms && c->batch > 1)
		usage_error("--ttl: not with --batch: RCUMAP_IOC_BATCH has no time to live");
	if (given[OPT_THETA] && c->dist != DIST_ZIPF)
		usage_error("--zipf-theta: only with --dist zipf");
	if (m != &mode_lin && (given[OPT_CHECK_TIMEOUT] || given[OPT_MAX_HISTORY]))
		usage_error("--check-timeout and --max-history: only with --mode linearizable");
	if (m == &mode_hot)
		finish_hot(c, given);
	else if (given[OPT_READERS] || given[OPT_MAX_LATENCY])
		usage_error("--readers and --max-latency: only with --mode hot-key");
	all_keys = c->private_keys ? (uint64_t)c->keys * c->threads : c->keys;
	if (all_keys > UINT32_MAX)
		usage_error("--private-keys: --keys times --threads is over 2^32");
	if (c->key_size < 1 + key_digits(all_keys))
		usage_error("--key-size: %" PRIu64 " keys need keys of at least %u bytes",
			    all_keys, 1 + key_digits(all_keys));
	if (m == &mode_owner && c->keys < c->threads + 1)
		usage_error("--keys: --mode owner needs a key per thread and a shared one, at least %u",
			    c->threads + 1);
}

static uint64_t clock_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* The options without an argument just set a bool. */
static void parse_flag(struct config *c, int opt)
{
	if (opt == OPT_PIN)
		c->pin = true;
	else if (opt == OPT_JSON)
		c->json = true;
	else if (opt == OPT_NO_CLEAR)
		c->no_clear = true;
	else if (opt == OPT_SHARED_FD)
		c->shared_fd = true;
	else if (opt == OPT_TOUCH)
		c->touch = true;
	else if (opt == OPT_PRIVATE_KEYS)
		c->private_keys = true;
}

static void parse_dist(struct config *c, const char *arg)
{
	if (!strcmp(arg, "zipf"))
		c->dist = DIST_ZIPF;
	else if (strcmp(arg, "uniform"))
		usage_error("--dist: '%s' is neither uniform nor zipf", arg);
}

static void parse_one(struct config *c, int opt, const char *arg)
{
	switch (opt) {
	case OPT_THREADS:
		c->threads = parse_opt_uint(opt, arg, 1, 1024);
		break;
	case OPT_DURATION:
		c->duration = parse_real(opt, arg, 0.001, 1e7);
		break;
	case OPT_OPS:
		c->ops = parse_opt_uint(opt, arg, 1, UINT64_MAX);
		break;
	case OPT_KEYS:
		c->keys = parse_opt_uint(opt, arg, 1, 1U << 24);
		break;
	case OPT_KEY_SIZE:
		c->key_size = parse_opt_uint(opt, arg, 1, RCUMAP_KEY_LEN_LIMIT);
		break;
	case OPT_VALUE_SIZE:
		c->value_size = parse_opt_uint(opt, arg, 0, RCUMAP_VALUE_LEN_LIMIT);
		break;
	case OPT_DIST:
		parse_dist(c, arg);
		break;
	case OPT_THETA:
		c->theta = parse_real(opt, arg, 0, 1);
		break;
	case OPT_MIX:
		parse_mix(arg, c->mix);
		break;
	case OPT_BATCH:
		c->batch = parse_opt_uint(opt, arg, 1, RCUMAP_BATCH_MAX);
		break;
	case OPT_SEED:
		c->seed = parse_opt_uint(opt, arg, 0, UINT64_MAX);
		break;
	case OPT_DEV:
		c->dev = arg;
		break;
	case OPT_MODE:
		c->mode = parse_mode(arg);
		break;
	case OPT_CHECK_TIMEOUT:
		c->check_timeout = parse_real(opt, arg, 0.001, 1e7);
		break;
	case OPT_MAX_HISTORY:
		c->max_history = parse_opt_uint(opt, arg, 1, INT32_MAX / 2);
		break;
	case OPT_TTL:
		c->ttl_ms = parse_opt_uint(opt, arg, 1, UINT32_MAX);
		break;
	case OPT_READERS:
		c->readers = parse_opt_uint(opt, arg, 1, 1023);
		break;
	case OPT_MAX_LATENCY:
		c->max_latency = llround(parse_real(opt, arg, 0.001, 1e9) * 1e6);
		break;
	default:
		parse_flag(c, opt);
		break;
	}
}

void parse_options(int argc, char **argv, struct config *c)
{
	bool given[OPT_END] = { false };
	int opt;

	*c = (struct config){
		.dev = RCUMAP_DEV_PATH,
		.mode = &mode_mixed,
		.threads = sysconf(_SC_NPROCESSORS_ONLN) > 0 ?
			   sysconf(_SC_NPROCESSORS_ONLN) : 1,
		.key_size = 16,
		.value_size = 64,
		.theta = 0.99,
		.batch = 1,
		.seed = clock_seed(),
		.check_timeout = 30,
		.max_history = 2000000,
		.readers = 1,
	};
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		if (opt == 'h') {
			usage();
			exit(EXIT_OK);
		}
		if (opt == OPT_VERSION) {
			rcumap_print_version("rcumap-hammer");
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
	finish_config(c, given);
}
