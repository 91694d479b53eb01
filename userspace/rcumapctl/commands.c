// SPDX-License-Identifier: GPL-2.0
/*
 * The commands that come down to one librcumap call each: info, put, get,
 * del, add, cas, clear and stats (get and cas repeat theirs until the
 * value fits their buffer).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rcumapctl.h"

/* First size of the buffer for the value get and cas print. */
#define VALUE_BUF_SIZE	4096

/* A missing key is an answer, not a failure: exit 1 without a message. */
static int key_status(const struct ctx *c, int ret)
{
	if (ret == -ENOENT)
		return EXIT_NOKEY;
	return ret ? report(c->name, ret, "") : 0;
}

int cmd_info(const struct ctx *c)
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
	out_u64("buckets", info.buckets);
	out_end();
	return 0;
}

int cmd_put(const struct ctx *c)
{
	unsigned int flags = c->opts & (OPT_NOEXIST | OPT_EXIST);

	return key_status(c, rcumap_put_ttl(c->fd, c->key.data, c->key.len,
					    c->value[0].data, c->value[0].len,
					    flags, c->ttl_ms));
}

int cmd_get(const struct ctx *c)
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
		ret = rcumap_get_flags(c->fd, c->key.data, c->key.len, b.data,
				       &len, c->opts & OPT_TOUCH ?
				       RCUMAP_GET_TOUCH : 0);
		if (ret != -ERANGE)
			break;
	}
	if (!ret)
		print_value(b.data, len, c->opts & OPT_RAW);
	free(b.data);
	return key_status(c, ret);
}

int cmd_del(const struct ctx *c)
{
	return key_status(c, rcumap_del(c->fd, c->key.data, c->key.len));
}

int cmd_add(const struct ctx *c)
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

int cmd_cas(const struct ctx *c)
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

int cmd_clear(const struct ctx *c)
{
	__u64 removed;
	int ret = rcumap_clear(c->fd, &removed);

	if (ret)
		return report(c->name, ret, "");
	printf("removed %llu\n", (unsigned long long)removed);
	return 0;
}

int cmd_stats(const struct ctx *c)
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
	out_u64("expired", st.expired);
	out_str("strategy", st.strategy,
		strnlen((const char *)st.strategy, sizeof(st.strategy)));
	out_end();
	return 0;
}
