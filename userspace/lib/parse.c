// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing command-line numbers, shared by the tools.
 */
#include <ctype.h>
#include <errno.h>
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
