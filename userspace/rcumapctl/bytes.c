// SPDX-License-Identifier: GPL-2.0
/*
 * Keys and values: from the command line (as they are, or hex with --hex)
 * or standard input, and printed raw, in hex or escaped.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rcumapctl.h"

bool hex_mode;

/* Make room for at least @size bytes, keeping the contents. */
int buf_reserve(struct buf *b, size_t size)
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
int read_all(int fd, size_t max, struct blob *b)
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
const char *hex_to_bytes(const char *s, size_t n, unsigned char *out)
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

int arg_to_blob(const char *arg, size_t limit, struct blob *b)
{
	if (!strcmp(arg, "-"))
		return read_all(STDIN_FILENO, limit + 1, b);
	if (hex_mode)
		return hex_decode(arg, b);
	b->data = arg;
	b->len = strlen(arg);
	return 0;
}

void print_bytes(const unsigned char *p, size_t len, enum bytes_fmt fmt)
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
void print_value(const unsigned char *v, size_t len, bool raw)
{
	print_bytes(v, len, hex_mode ? BYTES_HEX : BYTES_RAW);
	if (!raw)
		putchar('\n');
}
