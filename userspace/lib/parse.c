// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing command-line numbers, shared by the tools.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "parse.h"

/*
 * A whole number in decimal digits alone (no sign, no space, no suffix)
 * from @min to @max, into @out: true, or false and @out untouched.
 */
bool parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

void usage_verror(const char *tool, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", tool);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry '%s --help'.\n", tool);
	exit(64);
}

const char *option_name(const struct option *options, int val)
{
	const struct option *o;

	for (o = options; o->name; o++)
		if (o->val == val)
			return o->name;
	return "?";
}

static void __attribute__((noreturn, format(printf, 2, 3)))
usage_error_of(const char *tool, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_verror(tool, fmt, ap);
}

uint64_t parse_option_uint(const char *tool, const struct option *options,
			   int opt, const char *arg, uint64_t min,
			   uint64_t max)
{
	uint64_t v;

	if (!parse_uint(arg, min, max, &v))
		usage_error_of(tool, "--%s: '%s' is not a whole number from %llu to %llu",
			       option_name(options, opt), arg,
			       (unsigned long long)min, (unsigned long long)max);
	return v;
}
