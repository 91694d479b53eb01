/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rcumapctl - command-line access to /dev/rcumap through librcumap; what
 * its parts share: main.c parses the command line and runs a command from
 * its table, commands.c and dump.c implement them, bytes.c reads and
 * prints keys and values, output.c prints the fields of info and stats.
 */
#ifndef RCUMAPCTL_H
#define RCUMAPCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "librcumap.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Exit status: 0 success, 1 key not found, 2 usage error (or malformed
 * input to load), 3 any other failure, 4 value differs (cas), so that a
 * script can tell a missing key or a lost race from a broken setup.
 */
enum {
	EXIT_NOKEY = 1, EXIT_USAGE = 2, EXIT_ERROR = 3, EXIT_DIFFERS = 4,
};

/*
 * Command options, as bits of struct ctx.opts and struct command.opts; the
 * put options equal their RCUMAP_* flags so that they pass straight through.
 */
enum {
	OPT_NOEXIST	= RCUMAP_NOEXIST,
	OPT_EXIST	= RCUMAP_EXIST,
	OPT_JSON	= 1 << 2,
	OPT_RAW		= 1 << 3,
	OPT_HEX		= 1 << 4,
	OPT_TOUCH	= 1 << 5,
	OPT_TTL		= 1 << 6,	/* --ttl=MS */
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
	struct blob value[2];	/* VALUE; cas: EXPECTED and NEW */
	int64_t delta;		/* add: DELTA */
	uint32_t ttl_ms;	/* put: --ttl=MS */
	const char *file;	/* load: FILE */
};

/*
 * @args has a letter per positional argument: k KEY, v a value (VALUE, or
 * EXPECTED and then NEW), d DELTA, f FILE.
 */
struct command {
	const char *name;
	const char *synopsis;
	const char *help;
	const char *args;
	unsigned int opts;	/* OPT_* bits the command accepts */
	int (*run)(const struct ctx *c);
};

/* main.c */
int report(const char *what, int ret, const char *hint);
void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...);

/* bytes.c */

/* --hex, before or after the command: KEY and VALUE are hex, output too. */
extern bool hex_mode;

/* A growable byte buffer. */
struct buf {
	unsigned char *data;
	size_t cap;
};

enum bytes_fmt {
	BYTES_RAW,	/* as they are */
	BYTES_HEX,	/* two lower-case hex digits each */
	BYTES_ESC,	/* printable ASCII but '\' as is, the rest as \xHH */
};

int buf_reserve(struct buf *b, size_t size);
int read_all(int fd, size_t max, struct blob *b);
const char *hex_to_bytes(const char *s, size_t n, unsigned char *out);
int arg_to_blob(const char *arg, size_t limit, struct blob *b);
void print_bytes(const unsigned char *p, size_t len, enum bytes_fmt fmt);
void print_value(const unsigned char *v, size_t len, bool raw);

/* output.c */
void out_begin(bool json);
void out_end(void);
void out_u64(const char *name, unsigned long long v);
void out_str(const char *name, const unsigned char *s, size_t len);
void out_group(const char *name, const __u64 *counts);

/* commands.c */
int cmd_info(const struct ctx *c);
int cmd_put(const struct ctx *c);
int cmd_get(const struct ctx *c);
int cmd_del(const struct ctx *c);
int cmd_add(const struct ctx *c);
int cmd_cas(const struct ctx *c);
int cmd_clear(const struct ctx *c);
int cmd_stats(const struct ctx *c);

/* dump.c */
int cmd_dump(const struct ctx *c);
int cmd_load(const struct ctx *c);

#endif /* RCUMAPCTL_H */
