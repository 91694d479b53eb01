// SPDX-License-Identifier: GPL-2.0
/*
 * The rcumap cells, through librcumap: single operations, BATCH, DUMP, and
 * the fill every suite starts from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* Fill and the batch cells: ops per RCUMAP_IOC_BATCH call. */
#define FILL_CHUNK	1024
/* DUMP: a buffer for this many records, as many as BPF's dump batch. */
#define DUMP_RECORDS	1024

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

void rcumap_setup(struct bench *b)
{
	const struct options *o = &b->opt;
	int ret = rcumap_open(o->dev);

	if (ret < 0)
		fatal("%s: %s%s", o->dev, strerror(-ret),
		      ret == -ENOENT ? " (is the rcumap module loaded?)" : "");
	b->rcumap_fd = ret;
	ret = rcumap_info(b->rcumap_fd, &b->info);
	if (ret)
		fatal("RCUMAP_IOC_INFO: %s", strerror(-ret));
	if (b->info.max_entries < o->entries)
		fatal("the map holds %u entries, --entries asks for %u: load the module with max_entries=%u",
		      b->info.max_entries, o->entries, o->entries);
	if (b->info.max_value_len < o->value_size)
		fatal("the map takes values of up to %u bytes, --value-size is %u: load the module with max_value_len=%u",
		      b->info.max_value_len, o->value_size, o->value_size);
}

int rcumap_thread_fd(struct bthread *t, bool shared)
{
	if (shared)
		return t->b->rcumap_fd;
	t->own_fd = true;
	return rcumap_open(t->b->opt.dev);
}

/*
 * What went wrong in a batch the kernel took: the first op's error, or
 * EPIPE if it stopped short; 0 if nothing did.
 */
static int batch_error(const struct rcumap_batch_op *ops, unsigned int n,
		       unsigned int done, unsigned int failed)
{
	unsigned int i;

	for (i = 0; failed && i < n; i++)
		if (ops[i].error)
			return ops[i].error;
	return done == n ? 0 : EPIPE;
}

/* Run @n batch ops for the fill; any error is fatal. */
static void batch_or_die(struct bench *b, struct rcumap_batch_op *ops,
			 unsigned int n)
{
	unsigned int done = 0, failed = 0;
	int ret = rcumap_batch(b->rcumap_fd, ops, n, &done, &failed);

	if (!ret)
		ret = -batch_error(ops, n, done, failed);
	if (ret)
		fatal("filling the map: RCUMAP_IOC_BATCH of PUTs: %s",
		      strerror(-ret));
}

/*
 * Empty the map, then PUT every key with NOEXIST in batches: each key's
 * value is value_fill()ed from its index. The map must then hold exactly
 * --entries entries.
 */
void rcumap_fill(struct bench *b)
{
	uint32_t v = b->opt.value_size, i, j, n;
	struct rcumap_batch_op *ops = calloc(FILL_CHUNK, sizeof(*ops));
	unsigned char *vals = malloc((size_t)FILL_CHUNK * round8(v));
	int ret;

	if (!ops || !vals)
		fatal("out of memory");
	ret = rcumap_clear(b->rcumap_fd, NULL);
	if (ret)
		fatal("RCUMAP_IOC_CLEAR: %s", strerror(-ret));
	for (i = 0; i < b->opt.entries; i += n) {
		n = b->opt.entries - i < FILL_CHUNK ? b->opt.entries - i :
						       FILL_CHUNK;
		for (j = 0; j < n; j++) {
			value_fill(vals + j * round8(v), v, i + j);
			ops[j] = (struct rcumap_batch_op){
				.cmd = RCUMAP_CMD_PUT, .flags = RCUMAP_NOEXIST,
				.key_len = KEY_SIZE, .value_len = v,
				.key = (uintptr_t)(b->keys +
						   (size_t)(i + j) * KEY_SIZE),
				.value = (uintptr_t)(vals + j * round8(v)),
			};
		}
		batch_or_die(b, ops, n);
	}
	free(ops);
	free(vals);
	ret = rcumap_info(b->rcumap_fd, &b->info);
	if (ret)
		fatal("RCUMAP_IOC_INFO: %s", strerror(-ret));
	if (b->info.entries != b->opt.entries)
		fatal("the map holds %llu entries after the fill, not %u",
		      (unsigned long long)b->info.entries, b->opt.entries);
}

static int get_hit(struct bthread *t)
{
	size_t len = t->b->opt.value_size;
	int ret = rcumap_get(t->fd, next_key(t), KEY_SIZE, t->buf, &len);

	if (ret)
		return step_failed(t, "RCUMAP_IOC_GET", -ret);
	if (len != t->b->opt.value_size)
		return step_failed(t, "RCUMAP_IOC_GET: value length", EBADMSG);
	return 1;
}

static int get_miss(struct bthread *t)
{
	size_t len = t->b->opt.value_size;
	int ret = rcumap_get(t->fd, next_miss_key(t), KEY_SIZE, t->buf, &len);

	if (ret != -ENOENT)
		return step_failed(t, "RCUMAP_IOC_GET of a missing key",
				   ret ? -ret : EEXIST);
	return 1;
}

static int put_replace(struct bthread *t)
{
	int ret = rcumap_put(t->fd, next_key(t), KEY_SIZE, t->value,
			     t->b->opt.value_size, RCUMAP_EXIST);

	return ret ? step_failed(t, "RCUMAP_IOC_PUT (EXIST)", -ret) : 1;
}

static int add(struct bthread *t)
{
	int ret = rcumap_add(t->fd, next_key(t), KEY_SIZE, 1, RCUMAP_EXIST,
			     NULL);

	return ret ? step_failed(t, "RCUMAP_IOC_ADD (EXIST)", -ret) : 1;
}

/* One unit: the pair, which leaves the map as it was. */
static int del_put(struct bthread *t)
{
	const unsigned char *key = next_key(t);
	int ret = rcumap_del(t->fd, key, KEY_SIZE);

	if (ret)
		return step_failed(t, "RCUMAP_IOC_DEL", -ret);
	ret = rcumap_put(t->fd, key, KEY_SIZE, t->value, t->b->opt.value_size,
			 RCUMAP_NOEXIST);
	return ret ? step_failed(t, "RCUMAP_IOC_PUT (NOEXIST)", -ret) : 1;
}

/* The batch cells: the ops array, and a value buffer per GET. */
static int batch_init(struct bthread *t)
{
	unsigned int n = t->cell->batch;

	if (t->nthreads != 1 || n > t->b->opt.entries || n > RCUMAP_BATCH_MAX)
		return -EINVAL;
	t->scratch = calloc(n, sizeof(struct rcumap_batch_op) +
			       round8(t->b->opt.value_size));
	return t->scratch ? 0 : -ENOMEM;
}

/* Ops @cmd with @flags on @n consecutive keys from @start. */
static struct rcumap_batch_op *batch_build(struct bthread *t, uint32_t cmd,
					   uint32_t flags, uint32_t start)
{
	struct rcumap_batch_op *ops = t->scratch;
	unsigned int n = t->cell->batch, i;
	uint32_t v = t->b->opt.value_size;
	unsigned char *bufs = (unsigned char *)(ops + n);

	for (i = 0; i < n; i++) {
		ops[i] = (struct rcumap_batch_op){
			.cmd = cmd, .flags = flags, .key_len = KEY_SIZE,
			.key = (uintptr_t)(t->b->keys +
					   (size_t)(start + i) * KEY_SIZE),
		};
		if (cmd == RCUMAP_CMD_GET) {
			ops[i].value = (uintptr_t)(bufs + i * round8(v));
			ops[i].value_len = v;
		} else if (cmd == RCUMAP_CMD_PUT) {
			ops[i].value = (uintptr_t)t->value;
			ops[i].value_len = v;
		}
	}
	return ops;
}

/* Run a batch on the thread's fd; the call or any op failing is fatal. */
static int batch_call(struct bthread *t, struct rcumap_batch_op *ops,
		      const char *what)
{
	unsigned int n = t->cell->batch, done = 0, failed = 0;
	int ret = rcumap_batch(t->fd, ops, n, &done, &failed);

	if (!ret)
		ret = -batch_error(ops, n, done, failed);
	return ret ? step_failed(t, what, -ret) : (int)n;
}

static int batch_get(struct bthread *t)
{
	uint32_t start = next_run_start(t, t->cell->batch);

	return batch_call(t, batch_build(t, RCUMAP_CMD_GET, 0, start),
			  "RCUMAP_IOC_BATCH of GETs");
}

static int batch_put(struct bthread *t)
{
	uint32_t start = next_run_start(t, t->cell->batch);

	return batch_call(t, batch_build(t, RCUMAP_CMD_PUT, RCUMAP_ANY, start),
			  "RCUMAP_IOC_BATCH of PUTs");
}

/*
 * Batches of PUTs are RCUMAP_ANY, on present keys: BPF's UPDATE_BATCH
 * knows no other way. DEL+PUT is like BPF's DELETE_BATCH then
 * UPDATE_BATCH: two calls; a unit a pair.
 */
static int batch_del_put(struct bthread *t)
{
	uint32_t start = next_run_start(t, t->cell->batch);
	int ret;

	ret = batch_call(t, batch_build(t, RCUMAP_CMD_DEL, 0, start),
			 "RCUMAP_IOC_BATCH of DELs");
	if (ret < 0)
		return ret;
	return batch_call(t, batch_build(t, RCUMAP_CMD_PUT, RCUMAP_ANY, start),
			  "RCUMAP_IOC_BATCH of PUTs");
}

static size_t dump_buf_len(const struct bench *b)
{
	return DUMP_RECORDS * round8(sizeof(struct rcumap_dump_rec) +
				     KEY_SIZE + b->opt.value_size);
}

static int dump_init(struct bthread *t)
{
	if (t->nthreads != 1)
		return -EINVAL;
	t->scratch = malloc(dump_buf_len(t->b));
	return t->scratch ? 0 : -ENOMEM;
}

/* The whole map, DUMP_RECORDS records' room per call; a unit a record. */
static int dump(struct bthread *t)
{
	uint64_t cursor = 0, total = 0;
	unsigned int count;
	size_t len;
	int ret;

	while (cursor != RCUMAP_DUMP_END) {
		len = dump_buf_len(t->b);
		ret = rcumap_dump(t->fd, &cursor, t->scratch, &len, &count);
		if (ret)
			return step_failed(t, "RCUMAP_IOC_DUMP", -ret);
		total += count;
	}
	if (total != t->b->opt.entries)
		return step_failed(t, "RCUMAP_IOC_DUMP: record count", EBADMSG);
	return total;
}

/* Planned at every --threads count; ADD only on 8-byte values. */
static const struct cell single_cells[] = {
	CELL("ops", BK_RCUMAP, "get_hit", "op", get_hit),
	CELL("ops", BK_RCUMAP, "get_miss", "op", get_miss),
	CELL("ops", BK_RCUMAP, "put_replace", "op", put_replace),
	{ .suite = "ops", .backend = BK_RCUMAP, .op = "add", .unit = "op",
	  .batch = 1, .step = add, .value8 = true },
	CELL("ops", BK_RCUMAP, "del_put", "pair", del_put),
};

/* Planned at every --batch size, on one thread. */
static const struct cell batch_cells[] = {
	BATCH_CELL(BK_RCUMAP, "batch_get", "op", batch_init, batch_get),
	BATCH_CELL(BK_RCUMAP, "batch_put", "op", batch_init, batch_put),
	BATCH_CELL(BK_RCUMAP, "batch_del_put", "pair", batch_init,
		   batch_del_put),
};

static const struct cell dump_cell = {
	.suite = "batch", .backend = BK_RCUMAP, .op = "dump",
	.unit = "element", .batch = DUMP_RECORDS, .init = dump_init,
	.step = dump, .fini = scratch_free,
};

const struct backend_cells rcumap_cells = {
	.single = single_cells,
	.nsingle = ARRAY_SIZE(single_cells),
	.batch = batch_cells,
	.nbatch = ARRAY_SIZE(batch_cells),
	.dump = &dump_cell,
};

/* GET hits at 1..--max-threads threads, each with its fd and sharing one. */
void rcumap_plan_scaling(struct bench *b)
{
	static const struct cell cell =
		CELL("scaling", BK_RCUMAP, "get_hit", "op", get_hit);
	unsigned int n;

	for (n = 1; n <= b->opt.max_threads; n++) {
		plan_add(&cell, n, false);
		plan_add(&cell, n, true);
	}
}
