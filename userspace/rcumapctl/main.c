// SPDX-License-Identifier: GPL-2.0
/*
 * rcumapctl's command line: the global options, the table of commands,
 * their options and arguments, --help and --version, and the messages and
 * exit status.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "rcumapctl.h"

/* The options a command may take, if its struct command.opts has the bit. */
static const struct {
	const char *name;
	unsigned int bit;
} cmd_options[] = {
	{ "--json",	OPT_JSON },
	{ "--noexist",	OPT_NOEXIST },
	{ "--exist",	OPT_EXIST },
	{ "--raw",	OPT_RAW },
	{ "--hex",	OPT_HEX },
	{ "--touch",	OPT_TOUCH },
};

/* Print "rcumapctl: WHAT: ENAME: text" for @ret, a negative errno. */
int report(const char *what, int ret, const char *hint)
{
	const char *name = rcumap_errno_name(-ret);
	char num[24];

	if (!name) {
		snprintf(num, sizeof(num), "errno %d", -ret);
		name = num;
	}
	fprintf(stderr, "rcumapctl: %s: %s: %s%s\n", what, name,
		strerror(-ret), hint);
	return EXIT_ERROR;
}

void __attribute__((noreturn, format(printf, 1, 2)))
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

#define OPT_ADD		(OPT_NOEXIST | OPT_EXIST | OPT_HEX)

static const struct command commands[] = {
	{ "info", "info [--json]",
		"show the map's limits and state", "", OPT_JSON, cmd_info },
	{ "put", "put KEY VALUE [--noexist|--exist] [--ttl=MS]",
		"store VALUE under KEY", "kv", OPT_ADD | OPT_TTL, cmd_put },
	{ "get", "get KEY [--raw] [--touch]",
		"print the value stored under KEY", "k",
		OPT_RAW | OPT_HEX | OPT_TOUCH, cmd_get },
	{ "del", "del KEY",
		"delete KEY", "k", OPT_HEX, cmd_del },
	{ "add", "add KEY DELTA [--noexist|--exist]",
		"add DELTA to a counter, print the sum", "kd", OPT_ADD,
		cmd_add },
	{ "cas", "cas KEY EXPECTED NEW [--raw]",
		"store NEW if KEY holds EXPECTED", "kvv", OPT_RAW | OPT_HEX,
		cmd_cas },
	{ "dump", "dump [--json] [--hex]",
		"print all entries", "", OPT_JSON | OPT_HEX, cmd_dump },
	{ "load", "load FILE",
		"store the entries of a dump --json", "f", 0, cmd_load },
	{ "clear", "clear",
		"delete all entries, print how many", "", 0, cmd_clear },
	{ "stats", "stats [--json]",
		"show the operation counters", "", OPT_JSON, cmd_stats },
};

static void usage(void)
{
	size_t i;

	puts("Usage: rcumapctl [--dev PATH] [--hex] COMMAND [ARGS...]\n"
	     "       rcumapctl --help | --version\n"
	     "\n"
	     "Commands:");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %-45s  %s\n", commands[i].synopsis, commands[i].help);
	puts("\n"
	     "Options:\n"
	     "  --dev PATH   use PATH instead of " RCUMAP_DEV_PATH "; also\n"
	     "               --dev=PATH\n"
	     "  --hex        KEY and VALUE are hex strings, get, cas and dump\n"
	     "               print hex; may also follow put, get, del, add,\n"
	     "               cas and dump\n"
	     "  --noexist    put, add: fail with EEXIST if KEY is present\n"
	     "  --exist      put, add: only change; exit 1 if KEY is missing\n"
	     "  --raw        get, cas: no newline after the value\n"
	     "  --ttl=MS     put: the entry expires MS milliseconds after\n"
	     "               its put or its last get --touch\n"
	     "  --touch      get: restart the entry's time to live\n"
	     "  --json       info, stats: print a JSON object; dump: an array\n"
	     "  -h, --help   show this help\n"
	     "  --version    show the version and the rcumap ABI version\n"
	     "\n"
	     "A KEY or VALUE of '-' is read from standard input as raw bytes,\n"
	     "and so is load's FILE '-'. Put '--' before arguments that start\n"
	     "with '-', but for negative numbers.\n"
	     "\n"
	     "add: the counter is a native-endian 8-byte value (EMSGSIZE if\n"
	     "KEY holds another length), created as DELTA if KEY is missing;\n"
	     "DELTA and the sum are signed 64-bit decimal, sums wrap around.\n"
	     "cas: prints nothing when it stores NEW; when KEY holds another\n"
	     "value, prints that value as get does and exits 4.\n"
	     "\n"
	     "dump prints a line 'KEY<TAB>VALUE' per entry: printable ASCII\n"
	     "as is, '\\' and other bytes as \\xHH; with --hex, both in hex.\n"
	     "dump --json prints [{\"key\":\"HEX\",\"value\":\"HEX\"},...],\n"
	     "one object a line, which load reads back: it puts every entry,\n"
	     "replacing existing keys. dump is not an atomic snapshot: an\n"
	     "entry added, deleted or replaced during the dump may or may not\n"
	     "appear, or appear old or new; one present throughout appears\n"
	     "exactly once.\n"
	     "\n"
	     "Exit status: 0 ok, 1 key not found, 2 usage error or malformed\n"
	     "load input, 3 other error, 4 value differs (cas)."
	     );
}

/* --help and --version work anywhere on the command line. */
static bool is_info_option(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help") ||
	       !strcmp(arg, "--version");
}

/* Show what @arg, one of is_info_option()'s, asks for and exit. */
static void __attribute__((noreturn)) info_option(const char *arg)
{
	if (!strcmp(arg, "--version"))
		rcumap_print_version("rcumapctl");
	else
		usage();
	exit(0);
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
		} else if (is_info_option(argv[i])) {
			info_option(argv[i]);
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

	for (i = 0; i < ARRAY_SIZE(commands); i++)
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

/* put --ttl=MS: 1..UINT32_MAX milliseconds, all digits. */
static uint32_t parse_ttl(const char *arg)
{
	uint64_t v;

	if (!parse_uint(arg, 1, UINT32_MAX, &v))
		usage_error("'--ttl=%s': MS is not 1..%u", arg, UINT32_MAX);
	return v;
}

/*
 * Command options may sit before, between or after the arguments (a lone
 * "-" is an argument: stdin; so is a negative number); move the arguments
 * to the front of @argv and return how many there are.
 */
static int parse_cmd_args(const struct command *cmd, int argc, char **argv,
			  struct ctx *c)
{
	unsigned int *opts = &c->opts;
	bool options_done = false;
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (options_done || argv[i][0] != '-' || !argv[i][1] ||
		    isdigit((unsigned char)argv[i][1])) {
			argv[n++] = argv[i];
		} else if (!strcmp(argv[i], "--")) {
			options_done = true;
		} else if (is_info_option(argv[i])) {
			info_option(argv[i]);
		} else if (!strncmp(argv[i], "--ttl=", 6) &&
			   (cmd->opts & OPT_TTL)) {
			c->ttl_ms = parse_ttl(argv[i] + 6);
		} else {
			*opts |= find_option(cmd, argv[i]);
		}
	}
	if (n != (int)strlen(cmd->args))
		usage_error("%s: wrong number of arguments", cmd->name);
	if ((*opts & OPT_NOEXIST) && (*opts & OPT_EXIST))
		usage_error("%s: --noexist and --exist exclude each other",
			    cmd->name);
	return n;
}

/* A signed 64-bit decimal, all of @arg; anything else is a usage error. */
static int64_t parse_delta(const char *arg)
{
	const char *digits = arg + (*arg == '-' || *arg == '+');
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (!isdigit((unsigned char)*digits) || *end || errno)
		usage_error("'%s': DELTA is not a signed 64-bit decimal", arg);
	return v;
}

/* Convert the positional arguments as cmd->args says. */
static int parse_args(const struct command *cmd, char **args, int n,
		      struct ctx *c)
{
	struct blob *value = c->value;
	int i, ret = 0, stdin_args = 0;

	for (i = 0; i < n; i++)
		if (strchr("kv", cmd->args[i]) && !strcmp(args[i], "-"))
			stdin_args++;
	if (stdin_args > 1)
		usage_error("%s: only one of KEY and the values can be '-'",
			    c->name);

	for (i = 0; i < n && !ret; i++) {
		switch (cmd->args[i]) {
		case 'k':
			ret = arg_to_blob(args[i], RCUMAP_KEY_LEN_LIMIT,
					  &c->key);
			break;
		case 'v':
			ret = arg_to_blob(args[i], RCUMAP_VALUE_LEN_LIMIT,
					  value++);
			break;
		case 'd':
			c->delta = parse_delta(args[i]);
			break;
		case 'f':
			c->file = args[i];
			break;
		}
	}
	return ret;
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
	int i, n, ret;

	i = parse_globals(argc, argv, &dev);
	cmd = find_command(argv[i]);
	c.name = cmd->name;
	args = argv + i + 1;
	n = parse_cmd_args(cmd, argc - i - 1, args, &c);
	if (c.opts & OPT_HEX)
		hex_mode = true;

	/* A bad hex string or DELTA is a usage error, found before open. */
	ret = parse_args(cmd, args, n, &c);
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
	free(c.value[0].mem);
	free(c.value[1].mem);
	if (check_stdout())
		ret = EXIT_ERROR;
	return ret;
}
