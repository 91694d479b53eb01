// SPDX-License-Identifier: GPL-2.0
/*
 * rcumapctl - command-line access to /dev/rcumap through librcumap.
 *
 * Exit status: 0 success, 1 key not found, 2 usage error, 3 any other
 * failure, so that a script can tell a missing key from a broken setup.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "librcumap.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum { EXIT_NOKEY = 1, EXIT_USAGE = 2, EXIT_ERROR = 3 };

/*
 * Command options, as bits of struct ctx.opts and struct command.opts; the
 * put options equal their RCUMAP_* flags so that they pass straight through.
 */
enum {
	OPT_NOEXIST	= RCUMAP_NOEXIST,
	OPT_EXIST	= RCUMAP_EXIST,
	OPT_JSON	= 1 << 2,
	OPT_RAW		= 1 << 3,
};

static const struct {
	const char *name;
	unsigned int bit;
} cmd_options[] = {
	{ "--json",	OPT_JSON },
	{ "--noexist",	OPT_NOEXIST },
	{ "--exist",	OPT_EXIST },
	{ "--raw",	OPT_RAW },
};

/* A key or value: @mem is what to free, NULL when @data points into argv. */
struct blob {
	const void *data;
	size_t len;
	void *mem;
};

struct ctx {
	const char *name;	/* command name, for messages */
	int fd;
	unsigned int opts;
	struct blob key;
	struct blob value;
};

struct command {
	const char *name;
	const char *synopsis;
	const char *help;
	int nargs;		/* positional arguments: KEY, then VALUE */
	unsigned int opts;	/* OPT_* bits the command accepts */
	int (*run)(const struct ctx *c);
};

static bool hex_mode;

/* The errors <linux/rcumap.h> documents, plus those of open() and stdio. */
#define ERRNO_NAME(e)	{ e, #e }
static const struct {
	int err;
	const char *name;
} errno_names[] = {
	ERRNO_NAME(EPERM),  ERRNO_NAME(ENOENT), ERRNO_NAME(EIO),
	ERRNO_NAME(E2BIG),  ERRNO_NAME(ENOMEM), ERRNO_NAME(EACCES),
	ERRNO_NAME(EFAULT), ERRNO_NAME(EEXIST), ERRNO_NAME(ENODEV),
	ERRNO_NAME(EINVAL), ERRNO_NAME(ENOTTY), ERRNO_NAME(ENOSPC),
	ERRNO_NAME(ERANGE),
};

/* Print "rcumapctl: WHAT: ENAME: text" for @ret, a negative errno. */
static int report(const char *what, int ret, const char *hint)
{
	const char *name = NULL;
	char num[24];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].err == -ret)
			name = errno_names[i].name;
	if (!name) {
		snprintf(num, sizeof(num), "errno %d", -ret);
		name = num;
	}
	fprintf(stderr, "rcumapctl: %s: %s: %s%s\n", what, name,
		strerror(-ret), hint);
	return EXIT_ERROR;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("rcumapctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'rcumapctl --help'.\n", stderr);
	exit(EXIT_USAGE);
}

/* A missing key is an answer, not a failure: exit 1 without a message. */
static int key_status(const struct ctx *c, int ret)
{
	if (ret == -ENOENT)
		return EXIT_NOKEY;
	return ret ? report(c->name, ret, "") : 0;
}

/*
 * Read all of stdin, but at most @max bytes: callers pass one byte over the
 * ceiling so that an oversize key or value reaches the kernel, which then
 * refuses it with E2BIG like any other.
 */
static int read_stdin(size_t max, struct blob *b)
{
	unsigned char *p = malloc(max);
	size_t len = 0;
	ssize_t n = 0;

	if (!p)
		return -ENOMEM;
	while (len < max && (n = read(STDIN_FILENO, p + len, max - len)) > 0)
		len += n;
	if (n < 0) {
		free(p);
		return -errno;
	}
	b->mem = p;
	b->data = p;
	b->len = len;
	return 0;
}

static int hex_decode(const char *s, struct blob *b)
{
	size_t n = strlen(s), i;
	unsigned char *p;

	if (strspn(s, "0123456789abcdefABCDEF") != n)
		usage_error("'%s': not a hex string", s);
	if (n % 2)
		usage_error("'%s': odd number of hex digits", s);
	p = malloc(n / 2 + 1);	/* + 1: "" must not look like ENOMEM */
	if (!p)
		return -ENOMEM;
	for (i = 0; i < n / 2; i++) {
		char pair[3] = { s[2 * i], s[2 * i + 1] };

		p[i] = strtoul(pair, NULL, 16);
	}
	b->mem = p;
	b->data = p;
	b->len = n / 2;
	return 0;
}

static int arg_to_blob(const char *arg, size_t limit, struct blob *b)
{
	if (!strcmp(arg, "-"))
		return read_stdin(limit + 1, b);
	if (hex_mode)
		return hex_decode(arg, b);
	b->data = arg;
	b->len = strlen(arg);
	return 0;
}

/*
 * info and stats print the same fields either as "name: value" lines or as
 * one JSON object; building both from one list of calls keeps them alike.
 */
static struct {
	bool json;
	bool first;		/* no comma before the next JSON member */
	const char *group;	/* prefix of plain names, as in "ops.get" */
} out;

static void out_begin(bool json)
{
	out.json = json;
	out.first = true;
	if (json)
		putchar('{');
}

static void out_end(void)
{
	if (out.json)
		puts("}");
}

static void out_name(const char *name)
{
	if (out.json)
		printf("%s\"%s\":", out.first ? "" : ",", name);
	else if (out.group)
		printf("%s.%s: ", out.group, name);
	else
		printf("%s: ", name);
	out.first = false;
}

static void out_u64(const char *name, unsigned long long v)
{
	out_name(name);
	printf(out.json ? "%llu" : "%llu\n", v);
}

/* The string comes from the kernel: escape what JSON does not allow. */
static void out_str(const char *name, const unsigned char *s, size_t len)
{
	size_t i;

	out_name(name);
	if (!out.json) {
		printf("%.*s\n", (int)len, s);
		return;
	}
	putchar('"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			printf("\\%c", s[i]);
		else if (s[i] < 0x20 || s[i] >= 0x7f)
			printf("\\u%04x", s[i]);
		else
			putchar(s[i]);
	}
	putchar('"');
}

static void out_group(const char *name, const __u64 *counts);

static int cmd_info(const struct ctx *c)
{
	struct rcumap_info info;
	int ret = rcumap_info(c->fd, &info);

	if (ret)
		return report(c->name, ret, "");
	out_begin(c->opts & OPT_JSON);
	out_u64("abi_version", info.abi_version);
	out_u64("max_key_len", info.max_key_len);
	out_u64("max_value_len", info.max_value_len);
	out_u64("max_entries", info.max_entries);
	out_u64("entries", info.entries);
	out_str("strategy", info.strategy,
		strnlen((const char *)info.strategy, sizeof(info.strategy)));
	out_end();
	return 0;
}

static int cmd_put(const struct ctx *c)
{
	unsigned int flags = c->opts & (OPT_NOEXIST | OPT_EXIST);

	return key_status(c, rcumap_put(c->fd, c->key.data, c->key.len,
					c->value.data, c->value.len, flags));
}

static void print_value(const unsigned char *v, size_t len, bool raw)
{
	size_t i;

	if (!hex_mode)
		fwrite(v, 1, len, stdout);
	for (i = 0; hex_mode && i < len; i++)
		printf("%02x", v[i]);
	if (!raw)
		putchar('\n');
}

static int cmd_get(const struct ctx *c)
{
	size_t cap = 4096, len;
	void *buf = NULL, *tmp;
	int ret;

	/* Another writer may grow the value between two calls: loop. */
	do {
		tmp = realloc(buf, cap);
		if (!tmp) {
			ret = -ENOMEM;
			break;
		}
		buf = tmp;
		len = cap;
		ret = rcumap_get(c->fd, c->key.data, c->key.len, buf, &len);
		cap = len;
	} while (ret == -ERANGE);
	if (!ret)
		print_value(buf, len, c->opts & OPT_RAW);
	free(buf);
	return key_status(c, ret);
}

static int cmd_del(const struct ctx *c)
{
	return key_status(c, rcumap_del(c->fd, c->key.data, c->key.len));
}

static int cmd_clear(const struct ctx *c)
{
	__u64 removed;
	int ret = rcumap_clear(c->fd, &removed);

	if (ret)
		return report(c->name, ret, "");
	printf("removed %llu\n", (unsigned long long)removed);
	return 0;
}

static int cmd_stats(const struct ctx *c)
{
	struct rcumap_stats st;
	int ret = rcumap_stats(c->fd, &st);

	if (ret)
		return report(c->name, ret, "");
	out_begin(c->opts & OPT_JSON);
	out_group("ops", st.ops);
	out_group("failures", st.failures);
	out_u64("hits", st.hits);
	out_u64("misses", st.misses);
	out_u64("entries", st.entries);
	out_u64("bytes", st.bytes);
	out_end();
	return 0;
}

/* Indexed by enum rcumap_cmd, like rcumap_stats.ops[]. */
static const struct command commands[] = {
	[RCUMAP_CMD_INFO] = { "info", "info [--json]",
		"show the map's limits and state", 0, OPT_JSON, cmd_info },
	[RCUMAP_CMD_PUT] = { "put", "put KEY VALUE [--noexist|--exist]",
		"store VALUE under KEY", 2, OPT_NOEXIST | OPT_EXIST, cmd_put },
	[RCUMAP_CMD_GET] = { "get", "get KEY [--raw]",
		"print the value stored under KEY", 1, OPT_RAW, cmd_get },
	[RCUMAP_CMD_DEL] = { "del", "del KEY",
		"delete KEY", 1, 0, cmd_del },
	[RCUMAP_CMD_CLEAR] = { "clear", "clear",
		"delete all entries, print how many", 0, 0, cmd_clear },
	[RCUMAP_CMD_STATS] = { "stats", "stats [--json]",
		"show the operation counters", 0, OPT_JSON, cmd_stats },
};

/* One counter per command: "ops.get: N" or "ops":{"get":N,...}. */
static void out_group(const char *name, const __u64 *counts)
{
	size_t i;

	if (out.json) {
		out_name(name);
		putchar('{');
		out.first = true;
	}
	out.group = name;
	for (i = RCUMAP_CMD_INFO; i < ARRAY_SIZE(commands); i++)
		out_u64(commands[i].name, counts[i]);
	out.group = NULL;
	if (out.json)
		putchar('}');
}

static void usage(void)
{
	size_t i;

	puts("Usage: rcumapctl [--dev PATH] [--hex] COMMAND [ARGS...]\n"
	     "\n"
	     "Commands:");
	for (i = RCUMAP_CMD_INFO; i < ARRAY_SIZE(commands); i++)
		printf("  %-33s  %s\n", commands[i].synopsis, commands[i].help);
	puts("\n"
	     "Options:\n"
	     "  --dev PATH   use PATH instead of " RCUMAP_DEV_PATH "\n"
	     "  --hex        KEY and VALUE are hex strings, get prints hex\n"
	     "  --noexist    put: fail with EEXIST if KEY is present\n"
	     "  --exist      put: only replace; exit 1 if KEY is missing\n"
	     "  --raw        get: no newline after the value\n"
	     "  --json       info, stats: print one JSON object\n"
	     "  -h, --help   show this help\n"
	     "\n"
	     "A KEY or VALUE of '-' is read from standard input as raw bytes.\n"
	     "Put '--' before arguments that start with '-'.\n"
	     "Exit status: 0 ok, 1 key not found, 2 usage error, 3 other error."
	     );
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

/* Global options come before the command; return the command's index. */
static int parse_globals(int argc, char **argv, const char **dev)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--hex")) {
			hex_mode = true;
		} else if (!strcmp(argv[i], "--dev")) {
			if (++i == argc)
				usage_error("option '--dev' needs a PATH");
			*dev = argv[i];
		} else if (!strncmp(argv[i], "--dev=", 6)) {
			*dev = argv[i] + 6;
		} else if (is_help(argv[i])) {
			usage();
			exit(0);
		} else {
			usage_error("unknown option '%s'", argv[i]);
		}
	}
	if (i == argc)
		usage_error("missing command");
	return i;
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = RCUMAP_CMD_INFO; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	usage_error("unknown command '%s'", name);
}

static unsigned int find_option(const struct command *cmd, const char *arg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmd_options); i++)
		if (!strcmp(arg, cmd_options[i].name) &&
		    (cmd->opts & cmd_options[i].bit))
			return cmd_options[i].bit;
	usage_error("%s: unknown option '%s'", cmd->name, arg);
}

/*
 * Command options may sit before, between or after the arguments (a lone
 * "-" is an argument: stdin); move the arguments to the front of @argv and
 * return how many there are.
 */
static int parse_cmd_args(const struct command *cmd, int argc, char **argv,
			  unsigned int *opts)
{
	bool options_done = false;
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (options_done || argv[i][0] != '-' || !argv[i][1]) {
			argv[n++] = argv[i];
		} else if (!strcmp(argv[i], "--")) {
			options_done = true;
		} else if (is_help(argv[i])) {
			usage();
			exit(0);
		} else {
			*opts |= find_option(cmd, argv[i]);
		}
	}
	if (n != cmd->nargs)
		usage_error("%s: wrong number of arguments", cmd->name);
	if ((*opts & OPT_NOEXIST) && (*opts & OPT_EXIST))
		usage_error("%s: --noexist and --exist exclude each other",
			    cmd->name);
	return n;
}

/* A full disk or a closed pipe must fail the command, not go unnoticed. */
static int check_stdout(void)
{
	if (fflush(stdout) != EOF && !ferror(stdout))
		return 0;
	return report("stdout", errno ? -errno : -EIO, "");
}

int main(int argc, char **argv)
{
	const char *dev = RCUMAP_DEV_PATH;
	const struct command *cmd;
	struct ctx c = { 0 };
	char **args;
	int i, n, ret = 0;

	i = parse_globals(argc, argv, &dev);
	cmd = find_command(argv[i]);
	c.name = cmd->name;
	args = argv + i + 1;
	n = parse_cmd_args(cmd, argc - i - 1, args, &c.opts);
	if (n == 2 && !strcmp(args[0], "-") && !strcmp(args[1], "-"))
		usage_error("%s: KEY and VALUE cannot both be '-'", c.name);

	/* Bad hex is a usage error, found before the device is opened. */
	if (n >= 1)
		ret = arg_to_blob(args[0], RCUMAP_KEY_LEN_LIMIT, &c.key);
	if (!ret && n == 2)
		ret = arg_to_blob(args[1], RCUMAP_VALUE_LEN_LIMIT, &c.value);
	if (ret)
		return report(c.name, ret, "");

	ret = rcumap_open(dev);
	if (ret < 0)
		return report(dev, ret, ret == -ENOENT ?
			      " (is the rcumap module loaded?)" : "");
	c.fd = ret;
	ret = cmd->run(&c);
	rcumap_close(c.fd);
	free(c.key.mem);
	free(c.value.mem);
	if (check_stdout())
		ret = EXIT_ERROR;
	return ret;
}
