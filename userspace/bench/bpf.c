// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF cells: a BPF_MAP_TYPE_HASH with the keys, values and entries of
 * the rcumap map, driven from userspace through the raw bpf(2) system
 * call, so that the static guest binary needs no libbpf. Each call clears
 * and passes the attribute union only up to the last field its command
 * reads, as libbpf does.
 *
 * The map is created with the flags the caller gives: 0 for the operation
 * cells, BPF's default, which preallocates every element at create time.
 * BPF has no ADD: its cell is a LOOKUP then an UPDATE with BPF_EXIST, which
 * is not atomic (a BPF program would add in place; userspace cannot). Its
 * UPDATE_BATCH takes no BPF_EXIST or BPF_NOEXIST (elem_flags may only be
 * BPF_F_LOCK): a batch always updates as BPF_ANY.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#include "bench.h"

/* Elements per BATCH command: the fill's, and DUMP's against the dump. */
#define BPF_CHUNK	1024

#define ATTR_SIZE(field) \
	(offsetof(union bpf_attr, field) + sizeof(((union bpf_attr *)0)->field))
#define ELEM_ATTR_SIZE	ATTR_SIZE(flags)
#define BATCH_ATTR_SIZE	ATTR_SIZE(batch)

static int sys_bpf(int cmd, union bpf_attr *attr, size_t size)
{
	long ret = syscall(__NR_bpf, cmd, attr, size);

	return ret < 0 ? -errno : (int)ret;
}

static int elem(int fd, int cmd, const void *key, void *value, __u64 flags)
{
	union bpf_attr a;

	memset(&a, 0, ELEM_ATTR_SIZE);
	a.map_fd = fd;
	a.key = (uintptr_t)key;
	a.value = (uintptr_t)value;
	a.flags = flags;
	return sys_bpf(cmd, &a, ELEM_ATTR_SIZE);
}

/* A batch command on @n keys (and values): returns 0 when all @n ran. */
static int batch(int fd, int cmd, const void *keys, const void *values,
		 uint32_t n, __u64 elem_flags)
{
	union bpf_attr a;
	int ret;

	memset(&a, 0, BATCH_ATTR_SIZE);
	a.batch.map_fd = fd;
	a.batch.keys = (uintptr_t)keys;
	a.batch.values = (uintptr_t)values;
	a.batch.count = n;
	a.batch.elem_flags = elem_flags;
	ret = sys_bpf(cmd, &a, BATCH_ATTR_SIZE);
	return ret ? ret : a.batch.count == n ? 0 : -EPIPE;
}

void bpf_setup(struct bench *b, uint32_t map_flags)
{
	struct bpf_map_info info = { 0 };
	union bpf_attr a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_HASH;
	a.key_size = KEY_SIZE;
	a.value_size = b->opt.value_size;
	a.max_entries = b->opt.entries;
	a.map_flags = map_flags;
	snprintf(a.map_name, sizeof(a.map_name), "rcumap_bench");
	ret = sys_bpf(BPF_MAP_CREATE, &a, sizeof(a));
	if (ret < 0)
		fatal("bpf(BPF_MAP_CREATE) of a hash map, %u entries of %u bytes: %s%s",
		      b->opt.entries, b->opt.value_size, strerror(-ret),
		      ret == -ENOSYS ? " (no CONFIG_BPF_SYSCALL?)" :
		      ret == -EPERM ? " (not root?)" : "");
	b->bpf_fd = ret;
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = b->bpf_fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uintptr_t)&info;
	ret = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a));
	if (ret)
		fatal("bpf(BPF_OBJ_GET_INFO_BY_FD): %s", strerror(-ret));
	b->bpf_id = info.id;
}

/* Another fd of the map, with a struct file of its own, as open() gives. */
int bpf_thread_fd(struct bthread *t)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_id = t->b->bpf_id;
	return sys_bpf(BPF_MAP_GET_FD_BY_ID, &a, sizeof(a));
}

/* Every key with the value rcumap_fill() gives it, by UPDATE_BATCH. */
void bpf_fill(struct bench *b)
{
	uint32_t v = b->opt.value_size, i, j, n;
	unsigned char *vals = malloc((size_t)BPF_CHUNK * v);
	int ret;

	if (!vals)
		fatal("out of memory");
	for (i = 0; i < b->opt.entries; i += n) {
		n = b->opt.entries - i < BPF_CHUNK ? b->opt.entries - i :
						     BPF_CHUNK;
		for (j = 0; j < n; j++)
			value_fill(vals + (size_t)j * v, v, i + j);
		ret = batch(b->bpf_fd, BPF_MAP_UPDATE_BATCH,
			    b->keys + (size_t)i * KEY_SIZE, vals, n, BPF_ANY);
		if (ret)
			fatal("filling the BPF map: bpf(BPF_MAP_UPDATE_BATCH): %s",
			      strerror(-ret));
	}
	free(vals);
}

static int get_hit(struct bthread *t)
{
	int ret = elem(t->fd, BPF_MAP_LOOKUP_ELEM, next_key(t), t->buf, 0);

	return ret ? step_failed(t, "BPF_MAP_LOOKUP_ELEM", -ret) : 1;
}

static int get_miss(struct bthread *t)
{
	int ret = elem(t->fd, BPF_MAP_LOOKUP_ELEM, next_miss_key(t), t->buf,
		       0);

	if (ret != -ENOENT)
		return step_failed(t, "BPF_MAP_LOOKUP_ELEM of a missing key",
				   ret ? -ret : EEXIST);
	return 1;
}

static int put_replace(struct bthread *t)
{
	int ret = elem(t->fd, BPF_MAP_UPDATE_ELEM, next_key(t), t->value,
		       BPF_EXIST);

	return ret ? step_failed(t, "BPF_MAP_UPDATE_ELEM (BPF_EXIST)", -ret) :
		     1;
}

/* ADD's stand-in: LOOKUP, add 1 to the 8-byte counter, UPDATE. */
static int add(struct bthread *t)
{
	const unsigned char *key = next_key(t);
	uint64_t counter;
	int ret;

	ret = elem(t->fd, BPF_MAP_LOOKUP_ELEM, key, &counter, 0);
	if (ret)
		return step_failed(t, "BPF_MAP_LOOKUP_ELEM", -ret);
	counter++;
	ret = elem(t->fd, BPF_MAP_UPDATE_ELEM, key, &counter, BPF_EXIST);
	return ret ? step_failed(t, "BPF_MAP_UPDATE_ELEM (BPF_EXIST)", -ret) :
		     1;
}

static int del_put(struct bthread *t)
{
	const unsigned char *key = next_key(t);
	int ret = elem(t->fd, BPF_MAP_DELETE_ELEM, key, NULL, 0);

	if (ret)
		return step_failed(t, "BPF_MAP_DELETE_ELEM", -ret);
	ret = elem(t->fd, BPF_MAP_UPDATE_ELEM, key, t->value, BPF_NOEXIST);
	return ret ? step_failed(t, "BPF_MAP_UPDATE_ELEM (BPF_NOEXIST)", -ret) :
		     1;
}

/* The batch cells' values: the thread's value, once per element. */
static int batch_init(struct bthread *t)
{
	unsigned int n = t->cell->batch, i;
	uint32_t v = t->b->opt.value_size;
	unsigned char *vals;

	if (t->nthreads != 1 || n > t->b->opt.entries)
		return -EINVAL;
	vals = malloc((size_t)n * v);
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		memcpy(vals + (size_t)i * v, t->value, v);
	t->scratch = vals;
	return 0;
}

static const unsigned char *run_keys(struct bthread *t)
{
	uint32_t start = next_run_start(t, t->cell->batch);

	return t->b->keys + (size_t)start * KEY_SIZE;
}

static int batch_put(struct bthread *t)
{
	int ret = batch(t->fd, BPF_MAP_UPDATE_BATCH, run_keys(t), t->scratch,
			t->cell->batch, BPF_ANY);

	return ret ? step_failed(t, "BPF_MAP_UPDATE_BATCH", -ret) :
		     (int)t->cell->batch;
}

static int batch_del_put(struct bthread *t)
{
	const unsigned char *keys = run_keys(t);
	int ret;

	ret = batch(t->fd, BPF_MAP_DELETE_BATCH, keys, NULL, t->cell->batch,
		    0);
	if (ret)
		return step_failed(t, "BPF_MAP_DELETE_BATCH", -ret);
	ret = batch(t->fd, BPF_MAP_UPDATE_BATCH, keys, t->scratch,
		    t->cell->batch, BPF_ANY);
	return ret ? step_failed(t, "BPF_MAP_UPDATE_BATCH", -ret) :
		     (int)t->cell->batch;
}

/* The dump's room: BPF_CHUNK keys, then BPF_CHUNK values. */
static int dump_init(struct bthread *t)
{
	if (t->nthreads != 1)
		return -EINVAL;
	t->scratch = malloc((size_t)BPF_CHUNK *
			    (KEY_SIZE + t->b->opt.value_size));
	return t->scratch ? 0 : -ENOMEM;
}

/*
 * The whole map by LOOKUP_BATCH, BPF_CHUNK elements' room per call: the
 * hash map's batch token is a bucket index; -ENOENT ends the walk, with
 * the last elements copied.
 */
static int dump(struct bthread *t)
{
	unsigned char *keys = t->scratch;
	uint64_t token = 0, next = 0, total = 0;
	bool first = true;
	union bpf_attr a;
	int ret;

	do {
		memset(&a, 0, BATCH_ATTR_SIZE);
		a.batch.in_batch = first ? 0 : (uintptr_t)&token;
		a.batch.out_batch = (uintptr_t)&next;
		a.batch.keys = (uintptr_t)keys;
		a.batch.values = (uintptr_t)(keys + BPF_CHUNK * KEY_SIZE);
		a.batch.count = BPF_CHUNK;
		a.batch.map_fd = t->fd;
		ret = sys_bpf(BPF_MAP_LOOKUP_BATCH, &a, BATCH_ATTR_SIZE);
		if (ret && ret != -ENOENT)
			return step_failed(t, "BPF_MAP_LOOKUP_BATCH", -ret);
		total += a.batch.count;
		token = next;
		first = false;
	} while (!ret);
	if (total != t->b->opt.entries)
		return step_failed(t, "BPF_MAP_LOOKUP_BATCH: element count",
				   EBADMSG);
	return total;
}

/* The same single ops as rcumap's. */
static const struct cell single_cells[] = {
	CELL("ops", BK_BPF, "get_hit", "op", get_hit),
	CELL("ops", BK_BPF, "get_miss", "op", get_miss),
	CELL("ops", BK_BPF, "put_replace", "op", put_replace),
	{ .suite = "ops", .backend = BK_BPF, .op = "add", .unit = "op",
	  .batch = 1, .step = add, .value8 = true },
	CELL("ops", BK_BPF, "del_put", "pair", del_put),
};

/* BPF has no batch of keyed lookups: no counterpart of BATCH of GETs. */
static const struct cell batch_cells[] = {
	BATCH_CELL(BK_BPF, "batch_put", "op", batch_init, batch_put),
	BATCH_CELL(BK_BPF, "batch_del_put", "pair", batch_init,
		   batch_del_put),
};

static const struct cell dump_cell = {
	.suite = "batch", .backend = BK_BPF, .op = "dump",
	.unit = "element", .batch = BPF_CHUNK, .init = dump_init,
	.step = dump, .fini = scratch_free,
};

const struct backend_cells bpf_cells = {
	.single = single_cells,
	.nsingle = ARRAY_SIZE(single_cells),
	.batch = batch_cells,
	.nbatch = ARRAY_SIZE(batch_cells),
	.dump = &dump_cell,
};
