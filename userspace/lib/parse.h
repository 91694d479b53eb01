/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing command-line numbers, shared by the tools; each tool words its
 * own message around a failure.
 */
#ifndef RCUMAP_PARSE_H
#define RCUMAP_PARSE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

bool parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

struct option;

/*
 * The tools' usage errors: "TOOL: message", then "Try 'TOOL --help'.", on
 * stderr, and exit status 64 (EX_USAGE of sysexits.h).
 */
void usage_verror(const char *tool, const char *fmt, va_list ap)
	__attribute__((noreturn, format(printf, 2, 0)));
/* The long name of option @val in @options, for messages; "?" if none. */
const char *option_name(const struct option *options, int val);
/*
 * parse_uint() of option @opt's @arg, or a usage error naming the option
 * and the range.
 */
uint64_t parse_option_uint(const char *tool, const struct option *options,
			   int opt, const char *arg, uint64_t min,
			   uint64_t max);

#endif /* RCUMAP_PARSE_H */
