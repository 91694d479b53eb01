// SPDX-License-Identifier: GPL-2.0
/*
 * rcumapctl - command-line access to /dev/rcumap through librcumap.
 *
 * Exit status: 0 success, 1 key not found, 2 usage error (or malformed
 * input to load), 3 any other failure, 4 value differs (cas), so that a
 * script can tell a missing key or a lost race from a broken setup.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "librcumap.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum {
	EXIT_NOKEY = 1, EXIT_USAGE = 2, EXIT_ERROR = 3, EXIT_DIFFERS = 4,
};

/* First buffer sizes: values for get and cas, records for dump. */
#define VALUE_BUF_SIZE	4096
#define DUMP_BUF_SIZE	(64 * 1024)
/* PUT operations per RCUMAP_IOC_BATCH call of load. */
#define LOAD_BATCH	256
/* Failed entries load names before it only counts them. */
#define LOAD_REPORT	5

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
};

static const struct {
	const char *name;
	unsigned int bit;
} cmd_options[] = {
	{ "--json",	OPT_JSON },
	{ "--noexist",	OPT_NOEXIST },
	{ "--exist",	OPT_EXIST },
	{ "--raw",	OPT_RAW },
	{ "--hex",	OPT_HEX },
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
	ERRNO_NAME(EISDIR), ERRNO_NAME(EINVAL), ERRNO_NAME(ENOTTY),
	ERRNO_NAME(ENOSPC), ERRNO_NAME(ERANGE), ERRNO_NAME(EMSGSIZE),
	ERRNO_NAME(ECANCELED),
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

/* A growable byte buffer. */
struct buf {
	unsigned char *data;
	size_t cap;
};

/* Make room for at least @size bytes, keeping the contents. */
static int buf_reserve(struct buf *b, size_t size)
{
	void *p;

	if (size <= b->cap)
		return 0;
	if (size < 2 * b->cap)
		size = 2 * b->cap;
	p = realloc(b->data, size);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = size;
	return 0;
}

/*
 * Read @fd to its end, but at most @max bytes: for a key or value, callers
 * pass one byte over the ceiling so that an oversize one reaches the
 * kernel, which then refuses it with E2BIG like any other.
 */
static int read_all(int fd, size_t max, struct blob *b)
{
	struct buf buf = { 0 };
	size_t len = 0, room;
	ssize_t n;
	int ret;

	do {
		/* Always allocates once: "" must not look like ENOMEM. */
		if (len == buf.cap && buf_reserve(&buf, len + 4096)) {
			free(buf.data);
			return -ENOMEM;
		}
		room = (buf.cap < max ? buf.cap : max) - len;
		n = read(fd, buf.data + len, room);
		if (n > 0)
			len += n;
	} while (n > 0 && len < max);
	if (n < 0) {
		ret = -errno;
		free(buf.data);
		return ret;
	}
	b->mem = buf.data;
	b->data = buf.data;
	b->len = len;
	return 0;
}

static const char hex_digits[] = "0123456789abcdef";

static int hex_digit(char ch)
{
	const char *p = ch ? strchr(hex_digits, tolower((unsigned char)ch)) :
			NULL;

	return p ? p - hex_digits : -1;
}

/*
 * Decode the @n hex digits at @s into @out, which may be @s itself.
 * Return NULL, or what is wrong with them.
 */
static const char *hex_to_bytes(const char *s, size_t n, unsigned char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (hex_digit(s[i]) < 0)
			return "not a hex string";
	if (n % 2)
		return "odd number of hex digits";
	for (i = 0; i < n / 2; i++)
		out[i] = hex_digit(s[2 * i]) << 4 | hex_digit(s[2 * i + 1]);
	return NULL;
}

static int hex_decode(const char *s, struct blob *b)
{
	size_t n = strlen(s);
	unsigned char *p = malloc(n / 2 + 1);	/* + 1: "" is not ENOMEM */
	const char *err;

	if (!p)
		return -ENOMEM;
	err = hex_to_bytes(s, n, p);
	if (err)
		usage_error("'%s': %s", s, err);
	b->mem = p;
	b->data = p;
	b->len = n / 2;
	return 0;
}

static int arg_to_blob(const char *arg, size_t limit, struct blob *b)
{
	if (!strcmp(arg, "-"))
		return read_all(STDIN_FILENO, limit + 1, b);
	if (hex_mode)
		return hex_decode(arg, b);
	b->data = arg;
	b->len = strlen(arg);
	return 0;
}

enum bytes_fmt {
	BYTES_RAW,	/* as they are */
	BYTES_HEX,	/* two lower-case hex digits each */
	BYTES_ESC,	/* printable ASCII but '\' as is, the rest as \xHH */
};

static void print_bytes(const unsigned char *p, size_t len,
			enum bytes_fmt fmt)
{
	size_t i;

	if (fmt == BYTES_RAW) {
		fwrite(p, 1, len, stdout);
		return;
	}
	for (i = 0; i < len; i++) {
		if (fmt == BYTES_ESC && p[i] >= 0x20 && p[i] < 0x7f &&
		    p[i] != '\\') {
			putchar(p[i]);
			continue;
		}
		if (fmt == BYTES_ESC)
			fputs("\\x", stdout);
		putchar(hex_digits[p[i] >> 4]);
		putchar(hex_digits[p[i] & 0xf]);
	}
}

/* A value as get prints it: raw or, with --hex, in hex. */
static void print_value(const unsigned char *v, size_t len, bool raw)
{
	print_bytes(v, len, hex_mode ? BYTES_HEX : BYTES_RAW);
	if (!raw)
		putchar('\n');
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

/* The ioctls by number, as rcumap_stats.ops[] counts them. */
static const char *const ioctl_names[] = {
	[RCUMAP_CMD_INFO]	= "info",
	[RCUMAP_CMD_PUT]	= "put",
	[RCUMAP_CMD_GET]	= "get",
	[RCUMAP_CMD_DEL]	= "del",
	[RCUMAP_CMD_CLEAR]	= "clear",
	[RCUMAP_CMD_STATS]	= "stats",
	[RCUMAP_CMD_ADD]	= "add",
	[RCUMAP_CMD_CMPXCHG]	= "cmpxchg",
	[RCUMAP_CMD_DUMP]	= "dump",
	[RCUMAP_CMD_BATCH]	= "batch",
};

/* One counter per ioctl: "ops.get: N" or "ops":{"get":N,...}. */
static void out_group(const char *name, const __u64 *counts)
{
	size_t i;

	if (out.json) {
		out_name(name);
		putchar('{');
		out.first = true;
	}
	out.group = name;
	for (i = RCUMAP_CMD_INFO; i < ARRAY_SIZE(ioctl_names); i++)
		out_u64(ioctl_names[i], counts[i]);
	out.group = NULL;
	if (out.json)
		putchar('}');
}

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
					c->value[0].data, c->value[0].len,
					flags));
}

static int cmd_get(const struct ctx *c)
{
	struct buf b = { 0 };
	size_t len = VALUE_BUF_SIZE;
	int ret;

	/* Another writer may grow the value between two calls: loop. */
	for (;;) {
		ret = buf_reserve(&b, len);
		if (ret)
			break;
		len = b.cap;
		ret = rcumap_get(c->fd, c->key.data, c->key.len, b.data, &len);
		if (ret != -ERANGE)
			break;
	}
	if (!ret)
		print_value(b.data, len, c->opts & OPT_RAW);
	free(b.data);
	return key_status(c, ret);
}

static int cmd_del(const struct ctx *c)
{
	return key_status(c, rcumap_del(c->fd, c->key.data, c->key.len));
}

static int cmd_add(const struct ctx *c)
{
	unsigned int flags = c->opts & (OPT_NOEXIST | OPT_EXIST);
	uint64_t sum;
	int ret = rcumap_add(c->fd, c->key.data, c->key.len, c->delta, flags,
			     &sum);

	if (ret == -EMSGSIZE)
		return report(c->name, ret, " (KEY's value is not 8 bytes)");
	if (!ret)
		printf("%lld\n", (long long)sum);
	return key_status(c, ret);
}

static int cmd_cas(const struct ctx *c)
{
	const struct blob *expected = &c->value[0], *repl = &c->value[1];
	struct buf found = { 0 };
	size_t len = VALUE_BUF_SIZE;
	int ret;

	/* As for get: the value found may not fit, make room and retry. */
	for (;;) {
		ret = buf_reserve(&found, len);
		if (ret)
			break;
		len = found.cap;
		ret = rcumap_cmpxchg(c->fd, c->key.data, c->key.len,
				     expected->data, expected->len,
				     repl->data, repl->len, found.data, &len);
		if (ret != -ERANGE)
			break;
	}
	if (ret == -ECANCELED)
		print_value(found.data, len, c->opts & OPT_RAW);
	free(found.data);
	return ret == -ECANCELED ? EXIT_DIFFERS : key_status(c, ret);
}

/* Print the records of one DUMP buffer; *@n counts the entries so far. */
static int dump_records(const void *buf, size_t len, bool json,
			enum bytes_fmt fmt, size_t *n)
{
	const void *key, *value;
	size_t key_len, value_len, offset = 0;
	int ret;

	while ((ret = rcumap_dump_next(buf, len, &offset, &key, &key_len,
				       &value, &value_len)) > 0) {
		if (json) {
			fputs(*n ? ",\n{\"key\":\"" : "\n{\"key\":\"", stdout);
			print_bytes(key, key_len, BYTES_HEX);
			fputs("\",\"value\":\"", stdout);
			print_bytes(value, value_len, BYTES_HEX);
			fputs("\"}", stdout);
		} else {
			print_bytes(key, key_len, fmt);
			putchar('\t');
			print_bytes(value, value_len, fmt);
			putchar('\n');
		}
		(*n)++;
	}
	return ret;
}

static int cmd_dump(const struct ctx *c)
{
	enum bytes_fmt fmt = hex_mode ? BYTES_HEX : BYTES_ESC;
	bool json = c->opts & OPT_JSON;
	struct buf b = { 0 };
	uint64_t cursor = 0;
	size_t len = DUMP_BUF_SIZE, n = 0;
	int ret = 0;

	if (json)
		putchar('[');
	while (cursor != RCUMAP_DUMP_END) {
		ret = buf_reserve(&b, len);
		if (ret)
			break;
		len = b.cap;
		ret = rcumap_dump(c->fd, &cursor, b.data, &len, NULL);
		/* A bucket did not fit: len is what it needs, try it again. */
		if (ret == -ERANGE)
			continue;
		if (!ret)
			ret = dump_records(b.data, len, json, fmt, &n);
		if (ret)
			break;
	}
	free(b.data);
	if (ret)
		return report(c->name, ret, "");
	if (json)
		puts("\n]");
	return 0;
}

/*
 * load reads what dump --json writes, strictly: an array of objects with
 * the members "key" and "value", in either order, each a string of hex
 * digits. Strings are decoded in place, into the text read.
 */
struct json_in {
	const char *name;	/* of the input, for messages */
	char *p;
	char *end;
	unsigned int line;
};

/* Malformed input: the message names the line; load exits 2. */
static int __attribute__((format(printf, 2, 3)))
json_error(const struct json_in *in, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rcumapctl: load: %s:%u: ", in->name, in->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EBADMSG;
}

static int json_expected(const struct json_in *in, const char *what)
{
	unsigned char ch;

	if (in->p == in->end)
		return json_error(in, "expected %s, found end of input", what);
	ch = *in->p;
	if (ch >= 0x20 && ch < 0x7f)
		return json_error(in, "expected %s, found '%c'", what, ch);
	return json_error(in, "expected %s, found byte 0x%02x", what, ch);
}

static void json_skip_space(struct json_in *in)
{
	for (; in->p < in->end; in->p++) {
		if (*in->p == '\n')
			in->line++;
		else if (*in->p != ' ' && *in->p != '\t' && *in->p != '\r')
			break;
	}
}

/* Skip white space, then @ch if it comes next: return whether it did. */
static bool json_eat(struct json_in *in, char ch)
{
	json_skip_space(in);
	if (in->p == in->end || *in->p != ch)
		return false;
	in->p++;
	return true;
}

/* A string on one line; escapes are left to the callers to refuse. */
static int json_string(struct json_in *in, char **s, size_t *len)
{
	char *q;

	if (!json_eat(in, '"'))
		return json_expected(in, "'\"'");
	for (q = in->p; q < in->end && *q != '"' && *q != '\n'; q++)
		;
	if (q == in->end || *q != '"')
		return json_error(in, "unterminated string");
	*s = in->p;
	*len = q - in->p;
	in->p = q + 1;
	return 0;
}

/* {"key":"HEX","value":"HEX"} into a PUT operation. */
static int json_entry(struct json_in *in, struct rcumap_batch_op *op)
{
	static const char *const members[] = { "key", "value" };
	bool seen[2] = { false, false };
	const char *err;
	char *s;
	size_t len;
	int i, m, ret;

	memset(op, 0, sizeof(*op));
	op->cmd = RCUMAP_CMD_PUT;
	op->flags = RCUMAP_ANY;
	if (!json_eat(in, '{'))
		return json_expected(in, "'{'");
	for (i = 0; i < 2; i++) {
		if (i && !json_eat(in, ','))
			return json_expected(in, "','");
		ret = json_string(in, &s, &len);
		if (ret)
			return ret;
		for (m = 0; m < 2; m++)
			if (len == strlen(members[m]) &&
			    !memcmp(s, members[m], len))
				break;
		if (m == 2)
			return json_error(in, "expected \"key\" or \"value\"");
		if (seen[m])
			return json_error(in, "\"%s\" given twice", members[m]);
		seen[m] = true;
		if (!json_eat(in, ':'))
			return json_expected(in, "':'");
		ret = json_string(in, &s, &len);
		if (ret)
			return ret;
		err = hex_to_bytes(s, len, (unsigned char *)s);
		if (err)
			return json_error(in, "%s: %s", members[m], err);
		if (len / 2 > UINT32_MAX)
			return json_error(in, "%s: too long", members[m]);
		if (m == 0) {
			op->key = (uintptr_t)s;
			op->key_len = len / 2;
		} else {
			op->value = (uintptr_t)s;
			op->value_len = len / 2;
		}
	}
	if (!json_eat(in, '}'))
		return json_expected(in, "'}'");
	return 0;
}

/*
 * Parse the whole input into @ops, with the line each entry starts on in
 * @lines; set *@n to the number of entries.
 */
static int json_parse(struct json_in *in, struct buf *ops, struct buf *lines,
		      size_t *n)
{
	struct rcumap_batch_op *op;
	int ret;

	*n = 0;
	if (!json_eat(in, '['))
		return json_expected(in, "'['");
	if (!json_eat(in, ']')) {
		do {
			if (buf_reserve(ops, (*n + 1) * sizeof(*op)) ||
			    buf_reserve(lines, (*n + 1) * sizeof(unsigned int)))
				return -ENOMEM;
			op = (struct rcumap_batch_op *)ops->data + *n;
			json_skip_space(in);
			((unsigned int *)lines->data)[*n] = in->line;
			ret = json_entry(in, op);
			if (ret)
				return ret;
			(*n)++;
		} while (json_eat(in, ','));
		if (!json_eat(in, ']'))
			return json_expected(in, "',' or ']'");
	}
	json_skip_space(in);
	if (in->p != in->end)
		return json_expected(in, "end of input");
	return 0;
}

/* Run the PUTs, LOAD_BATCH a call, and name the first failed entries. */
static int load_entries(const struct ctx *c, const char *name,
			struct rcumap_batch_op *ops, const unsigned int *lines,
			size_t n)
{
	size_t i, j, count, failed = 0;
	char what[64];
	int ret;

	for (i = 0; i < n; i += count) {
		count = n - i < LOAD_BATCH ? n - i : LOAD_BATCH;
		ret = rcumap_batch(c->fd, ops + i, count, NULL, NULL);
		if (ret) {
			snprintf(what, sizeof(what), " (after %zu entries)", i);
			return report(c->name, ret, what);
		}
		for (j = i; j < i + count; j++) {
			if (!ops[j].error || failed++ >= LOAD_REPORT)
				continue;
			snprintf(what, sizeof(what), "load: %.40s:%u", name,
				 lines[j]);
			report(what, -(int)ops[j].error, "");
		}
	}
	if (failed) {
		fprintf(stderr, "rcumapctl: load: %zu of %zu entries failed\n",
			failed, n);
		return EXIT_ERROR;
	}
	printf("loaded %zu\n", n);
	return 0;
}

static int cmd_load(const struct ctx *c)
{
	bool is_stdin = !strcmp(c->file, "-");
	struct json_in in = { .name = is_stdin ? "<stdin>" : c->file };
	struct buf ops = { 0 }, lines = { 0 };
	struct blob text;
	int fd = STDIN_FILENO, ret;
	size_t n;

	if (!is_stdin) {
		fd = open(c->file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return report(c->file, -errno, "");
	}
	ret = read_all(fd, SIZE_MAX, &text);
	if (!is_stdin)
		close(fd);
	if (ret)
		return report(in.name, ret, "");

	in.p = text.mem;
	in.end = in.p + text.len;
	in.line = 1;
	ret = json_parse(&in, &ops, &lines, &n);
	if (!ret)
		ret = load_entries(c, in.name, (void *)ops.data,
				   (void *)lines.data, n);
	else if (ret == -EBADMSG)
		ret = EXIT_USAGE;
	else
		ret = report(c->name, ret, "");
	free(ops.data);
	free(lines.data);
	free(text.mem);
	return ret;
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

#define OPT_PUT		(OPT_NOEXIST | OPT_EXIST | OPT_HEX)

static const struct command commands[] = {
	{ "info", "info [--json]",
		"show the map's limits and state", "", OPT_JSON, cmd_info },
	{ "put", "put KEY VALUE [--noexist|--exist]",
		"store VALUE under KEY", "kv", OPT_PUT, cmd_put },
	{ "get", "get KEY [--raw]",
		"print the value stored under KEY", "k", OPT_RAW | OPT_HEX,
		cmd_get },
	{ "del", "del KEY",
		"delete KEY", "k", OPT_HEX, cmd_del },
	{ "add", "add KEY DELTA [--noexist|--exist]",
		"add DELTA to a counter, print the sum", "kd", OPT_PUT,
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
	     "\n"
	     "Commands:");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %-33s  %s\n", commands[i].synopsis, commands[i].help);
	puts("\n"
	     "Options:\n"
	     "  --dev PATH   use PATH instead of " RCUMAP_DEV_PATH "\n"
	     "  --hex        KEY and VALUE are hex strings, get, cas and dump\n"
	     "               print hex; may also follow the command\n"
	     "  --noexist    put, add: fail with EEXIST if KEY is present\n"
	     "  --exist      put, add: only change; exit 1 if KEY is missing\n"
	     "  --raw        get, cas: no newline after the value\n"
	     "  --json       info, stats: print a JSON object; dump: an array\n"
	     "  -h, --help   show this help\n"
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

/*
 * Command options may sit before, between or after the arguments (a lone
 * "-" is an argument: stdin; so is a negative number); move the arguments
 * to the front of @argv and return how many there are.
 */
static int parse_cmd_args(const struct command *cmd, int argc, char **argv,
			  unsigned int *opts)
{
	bool options_done = false;
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (options_done || argv[i][0] != '-' || !argv[i][1] ||
		    isdigit((unsigned char)argv[i][1])) {
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
	n = parse_cmd_args(cmd, argc - i - 1, args, &c.opts);
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
