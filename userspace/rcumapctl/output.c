// SPDX-License-Identifier: GPL-2.0
/*
 * The output of info and stats: named numbers and strings, and groups of
 * per-ioctl counters.
 */
#include <stdio.h>

#include "rcumapctl.h"

/*
 * info and stats print the same fields either as "name: value" lines or as
 * one JSON object; building both from one list of calls keeps them alike.
 */
static struct {
	bool json;
	bool first;		/* no comma before the next JSON member */
	const char *group;	/* prefix of plain names, as in "ops.get" */
} out;

void out_begin(bool json)
{
	out.json = json;
	out.first = true;
	if (json)
		putchar('{');
}

void out_end(void)
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

void out_u64(const char *name, unsigned long long v)
{
	out_name(name);
	printf(out.json ? "%llu" : "%llu\n", v);
}

/* The string comes from the kernel: escape what JSON does not allow. */
void out_str(const char *name, const unsigned char *s, size_t len)
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
void out_group(const char *name, const __u64 *counts)
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
