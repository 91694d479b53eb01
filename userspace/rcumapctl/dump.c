// SPDX-License-Identifier: GPL-2.0
/*
 * dump, and load, which reads back what dump --json writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rcumapctl.h"

/* First size of the buffer for the records of a DUMP call. */
#define DUMP_BUF_SIZE	(64 * 1024)
/* PUT operations per RCUMAP_IOC_BATCH call of load. */
#define LOAD_BATCH	256
/* Failed entries load names before it only counts them. */
#define LOAD_REPORT	5

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

int cmd_dump(const struct ctx *c)
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

int cmd_load(const struct ctx *c)
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

