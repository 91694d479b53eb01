// SPDX-License-Identifier: GPL-2.0
/*
 * A fault-injection sweep of every rcumap ioctl, in the manner of the
 * kernel's tools/testing/selftests/iommu/iommufd_fail_nth.c.
 *
 * Writing N to /proc/thread-self/fail-nth makes the Nth fault-capable call
 * this thread makes from then on fail: a slab allocation (failslab), a
 * page allocation (fail_page_alloc) or a user copy (fail_usercopy). Every
 * call on the ioctl's path counts: the copy_struct_from_user() of the
 * argument, the key and value copies, kmalloc() and kvmalloc() of entries
 * and buffers, the copies of results back out, and the kernel's own on the
 * way (kmemleak allocates for every object it tracks and copes when that
 * fails; kvmalloc() falls back to vmalloc()). get_user() and put_user()
 * are not fault-capable.
 *
 * Each sweep arms fail-nth with N = 1, 2, 3, ... immediately before one
 * ioctl, until a call completes with the fault still pending, having made
 * fewer than N fault-capable calls. For every N the call must either
 * succeed with its whole intended effect (a fault the kernel absorbed
 * changes nothing), or fail with the errno <linux/rcumap.h> gives a failed
 * allocation (ENOMEM) or user copy (EFAULT) and leave the map exactly as
 * it was: every key and value (DUMP), the entry count (INFO) and the bytes
 * accounted (STATS), each taken with fault injection off. BATCH is judged
 * by its own rules (struct rcumap_batch): a fault in one operation lands
 * in that operation's error field and the others run on; the ioctl fails
 * only when the operation array cannot be read or written back, with
 * -EFAULT and done saying how many operations ran, and nothing may have
 * run if done never reached the caller.
 *
 * Before every call the map is put back to the same base state. What the
 * kernel itself says of an error path (KASAN, lockdep, a sleep in atomic
 * context) is judged by the log scan of the guest that runs this. fail-nth
 * is per task, so nothing else in the system is failed; the debugfs knobs
 * set below fail nothing by themselves and are put back at exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rcumap_test_util.h"

#define FN_DEBUGFS		"/sys/kernel/debug"
#define FN_FAIL_NTH		"/proc/thread-self/fail-nth"

/*
 * The map is small, so a DUMP walks few buckets; its parameters are the
 * same for every test here, so the load is reused (rcumap_test_setup()).
 */
#define FN_MAX_ENTRIES		64
#define FN_PARAMS		"max_entries=64"

/* The most fault points one call may have before the sweep gives up. */
#define FN_MAX_NTH		400
/* Each sweep runs in well under this, even in an emulated KASAN guest. */
#define FN_TIMEOUT		120

#define FN_KEY_MAX		32
#define FN_VALUE_MAX		8192
#define FN_RECS_MAX		64
#define FN_BUF_LEN		(64 * 1024)
/* A value that GET and PUT pass through a kvmalloc() buffer (> 128). */
#define FN_LARGE_LEN		300
/* A value larger than a page: kvmalloc() falls back to vmalloc(). */
#define FN_HUGE_LEN		FN_VALUE_MAX
/* Long enough never to expire during the test. */
#define FN_TTL_MS		600000
#define FN_BATCH_OPS		40
/* Each BATCH GET's own buffer in the output area, at most this long. */
#define FN_OP_BUF		512
/* What BATCH's done and failed hold until the kernel writes them. */
#define FN_UNWRITTEN		0xdeadbeefU

/* ------------------------------------------------------------------ */
/* Fault injection: the debugfs knobs, fail-nth                         */
/* ------------------------------------------------------------------ */

/*
 * In fail-nth mode should_fail_ex() (lib/fault-inject.c) fails the Nth
 * call whatever the probability, interval, times, space and task-filter
 * say: only the per-site filters apply. Those are opened up here, and the
 * probability is held at 0, so that no failure comes but fail-nth's.
 */
struct fn_knob {
	const char *path;	/* under FN_DEBUGFS */
	const char *value;
};

static const struct fn_knob fn_knobs[] = {
	/* fail GFP_KERNEL allocations too, not only those that cannot sleep */
	{ "failslab/ignore-gfp-wait", "N" },
	/* every slab cache, not only those created with SLAB_FAILSLAB */
	{ "failslab/cache-filter", "N" },
	/*
	 * no "FAULT_INJECTION: forcing a failure" and stack dump per fault
	 * in the kernel log that the suite's log scan reads
	 */
	{ "failslab/verbose", "0" },
	{ "failslab/probability", "0" },
	{ "fail_page_alloc/ignore-gfp-wait", "N" },
	{ "fail_page_alloc/ignore-gfp-highmem", "N" },
	/* order-0 pages too: the default fails order 1 and up only */
	{ "fail_page_alloc/min-order", "0" },
	{ "fail_page_alloc/verbose", "0" },
	{ "fail_page_alloc/probability", "0" },
	{ "fail_usercopy/verbose", "0" },
	{ "fail_usercopy/probability", "0" },
};

#define FN_NR_KNOBS	ARRAY_SIZE(fn_knobs)

/* What the knobs held before, put back when the program exits. */
static char fn_saved[FN_NR_KNOBS][32];
static bool fn_set[FN_NR_KNOBS];
/* Why the sweeps cannot run here, or NULL. */
static const char *fn_missing;
static bool fn_have_usercopy;

/*
 * The fault points each sweep found, shared with the forked test
 * processes, for the total the last test prints.
 */
#define FN_MAX_SWEEPS	32

struct fn_tally {
	unsigned int nr;
	struct {
		char name[48];
		unsigned int points;
	} sweep[FN_MAX_SWEEPS];
};

static struct fn_tally *fn_tally;

static int fn_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

static int fn_write_file(const char *path, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	close(fd);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static bool fn_exists(const char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), FN_DEBUGFS "/%s", dir);
	return !access(path, F_OK);
}

/*
 * Set the knobs once, before the harness forks the first test; the
 * harness process puts them back at exit (the tests leave with _exit()).
 * To see where each injected fault struck, run with
 * RCUMAP_FAIL_NTH_VERBOSE=2: every fault then dumps its stack into the
 * kernel log.
 */
static void __attribute__((constructor)) fn_setup_fault_injection(void)
{
	const char *verbose = getenv("RCUMAP_FAIL_NTH_VERBOSE");
	char path[128];
	unsigned int i;

	fn_tally = mmap(NULL, sizeof(*fn_tally), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fn_tally == MAP_FAILED)
		fn_tally = NULL;

	if (access(FN_FAIL_NTH, F_OK)) {
		fn_missing =
			"no " FN_FAIL_NTH ": missing CONFIG_FAULT_INJECTION?";
		return;
	}
	if (!fn_exists("failslab")) {
		/* or debugfs is not mounted at FN_DEBUGFS */
		fn_missing =
			"no failslab: missing CONFIG_FAILSLAB or CONFIG_FAULT_INJECTION_DEBUG_FS?";
		return;
	}
	if (!fn_exists("fail_page_alloc")) {
		fn_missing = "no fail_page_alloc: missing CONFIG_FAIL_PAGE_ALLOC?";
		return;
	}
	fn_have_usercopy = fn_exists("fail_usercopy");
	if (geteuid()) {
		fn_missing = "must run as root to set up fault injection";
		return;
	}
	for (i = 0; i < FN_NR_KNOBS; i++) {
		const char *value = fn_knobs[i].value;

		if (!fn_have_usercopy && !strncmp(fn_knobs[i].path,
						  "fail_usercopy/", 14))
			continue;
		if (verbose && strstr(fn_knobs[i].path, "/verbose"))
			value = verbose;
		snprintf(path, sizeof(path), FN_DEBUGFS "/%s",
			 fn_knobs[i].path);
		if (fn_read_file(path, fn_saved[i], sizeof(fn_saved[i])) ||
		    fn_write_file(path, value)) {
			fn_missing = "cannot set up the debugfs fault-injection knobs";
			return;
		}
		fn_set[i] = true;
	}
}

static void __attribute__((destructor)) fn_restore_fault_injection(void)
{
	char path[128];
	unsigned int i;

	for (i = 0; i < FN_NR_KNOBS; i++) {
		if (!fn_set[i])
			continue;
		snprintf(path, sizeof(path), FN_DEBUGFS "/%s",
			 fn_knobs[i].path);
		fn_write_file(path, fn_saved[i]);
	}
}

/*
 * fn_disarm() - turn fail-nth off again: 1 if the armed fault fired, 0 if
 * it was still pending, or -errno.
 *
 * fail-nth reads back as the calls still to go before the fault, 0 once
 * it has fired. The read is itself a fault-capable call (its
 * copy_to_user()), which fails with EFAULT when the count was 1: the fault
 * had not fired then either. Writing 0 goes through copy_from_user(),
 * which likewise fails when it is the last call to go; fail-nth is 0 after
 * that, and the write is retried.
 */
static int fn_disarm(int nth_fd)
{
	char buf[32];
	ssize_t n;
	int fired, i;

	n = pread(nth_fd, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		fired = strtoul(buf, NULL, 10) == 0;
	} else if (n < 0 && errno == EFAULT) {
		fired = 0;
	} else {
		return n < 0 ? -errno : -EIO;
	}
	for (i = 0; i < 3; i++) {
		if (pwrite(nth_fd, "0", 1, 0) == 1)
			return fired;
		if (errno != EFAULT)
			return -errno;
	}
	return -EIO;
}

/* ------------------------------------------------------------------ */
/* Snapshots of the map, and the model of what it should hold          */
/* ------------------------------------------------------------------ */

struct fn_rec {
	__u32 key_len;
	__u32 value_len;
	unsigned char key[FN_KEY_MAX];
	unsigned char value[FN_VALUE_MAX];
};

/*
 * struct fn_map - a set of keys and values, sorted by key: a snapshot of
 * the map or what it should hold. @entries and @bytes are INFO's entry
 * count and STATS' bytes at the snapshot; a model leaves them alone.
 */
struct fn_map {
	unsigned int nr;
	__u64 entries;
	__u64 bytes;
	struct fn_rec rec[FN_RECS_MAX];
};

static int fn_rec_cmp(const void *a, const void *b)
{
	const struct fn_rec *x = a, *y = b;
	int ret;

	ret = memcmp(x->key, y->key, x->key_len < y->key_len ?
		     x->key_len : y->key_len);
	if (ret)
		return ret;
	return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

static struct fn_rec *fn_map_find(struct fn_map *m, const void *key,
				  size_t key_len)
{
	unsigned int i;

	for (i = 0; i < m->nr; i++)
		if (m->rec[i].key_len == key_len &&
		    !memcmp(m->rec[i].key, key, key_len))
			return &m->rec[i];
	return NULL;
}

static void fn_map_put(struct fn_map *m, const void *key, size_t key_len,
		       const void *value, size_t value_len)
{
	struct fn_rec *rec = fn_map_find(m, key, key_len);

	if (key_len > FN_KEY_MAX || value_len > FN_VALUE_MAX ||
	    (!rec && m->nr == FN_RECS_MAX))
		abort();	/* the test's own tables are wrong */
	if (!rec) {
		rec = &m->rec[m->nr++];
		rec->key_len = key_len;
		memcpy(rec->key, key, key_len);
	}
	rec->value_len = value_len;
	memcpy(rec->value, value, value_len);
	qsort(m->rec, m->nr, sizeof(m->rec[0]), fn_rec_cmp);
}

static bool fn_map_del(struct fn_map *m, const void *key, size_t key_len)
{
	struct fn_rec *rec = fn_map_find(m, key, key_len);

	if (!rec)
		return false;
	*rec = m->rec[--m->nr];
	qsort(m->rec, m->nr, sizeof(m->rec[0]), fn_rec_cmp);
	return true;
}

/*
 * fn_map_diff() - describe in @why the first way @got differs from @want,
 * keys and values only. Returns 0 if they are the same.
 */
static int fn_map_diff(const struct fn_map *want, const struct fn_map *got,
		       char *why, size_t len)
{
	unsigned int i, j;

	for (i = 0; i < want->nr; i++) {
		const struct fn_rec *w = &want->rec[i];
		const struct fn_rec *g = NULL;

		for (j = 0; j < got->nr && !g; j++)
			if (!fn_rec_cmp(w, &got->rec[j]))
				g = &got->rec[j];
		if (!g) {
			snprintf(why, len, "key \"%.*s\" is missing",
				 (int)w->key_len, w->key);
			return 1;
		}
		if (g->value_len != w->value_len) {
			snprintf(why, len,
				 "key \"%.*s\" holds %u bytes, not %u",
				 (int)w->key_len, w->key, g->value_len,
				 w->value_len);
			return 1;
		}
		for (j = 0; j < w->value_len; j++) {
			if (g->value[j] != w->value[j]) {
				snprintf(why, len,
					 "key \"%.*s\": byte %u of its value is 0x%02x, not 0x%02x",
					 (int)w->key_len, w->key, j,
					 g->value[j], w->value[j]);
				return 1;
			}
		}
	}
	for (j = 0; j < got->nr; j++) {
		const struct fn_rec *g = &got->rec[j];
		bool found = false;

		for (i = 0; i < want->nr && !found; i++)
			found = !fn_rec_cmp(g, &want->rec[i]);
		if (!found) {
			snprintf(why, len, "key \"%.*s\" should not be there",
				 (int)g->key_len, g->key);
			return 1;
		}
	}
	return 0;
}

/*
 * fn_check_accounting() - the map's own counts agree with its contents:
 * INFO's entries is the number of records DUMP found, and STATS' bytes is
 * one entry header (@overhead bytes, learnt from the base state; 0 while
 * unknown) per entry plus its key and value. A failed call that left an
 * entry counted but unlinked, or bytes charged for nothing, shows here.
 */
static int fn_check_accounting(const struct fn_map *m, __u64 overhead,
			       char *why, size_t len)
{
	__u64 data = 0;
	unsigned int i;

	if (m->entries != m->nr) {
		snprintf(why, len, "INFO counts %llu entries, DUMP finds %u",
			 (unsigned long long)m->entries, m->nr);
		return 1;
	}
	for (i = 0; i < m->nr; i++)
		data += m->rec[i].key_len + m->rec[i].value_len;
	if (overhead && m->bytes != m->nr * overhead + data) {
		snprintf(why, len,
			 "STATS accounts %llu bytes, not %llu for %u entries of %llu bytes of keys and values",
			 (unsigned long long)m->bytes,
			 (unsigned long long)(m->nr * overhead + data), m->nr,
			 (unsigned long long)data);
		return 1;
	}
	return 0;
}

/* Parse a DUMP buffer into @m, which it adds to. */
static int fn_parse_dump(const void *buf, size_t len, struct fn_map *m)
{
	const void *key, *value;
	size_t off = 0, key_len, value_len;
	int ret;

	while ((ret = rcumap_dump_next(buf, len, &off, &key, &key_len,
				       &value, &value_len)) == 1) {
		if (key_len > FN_KEY_MAX || value_len > FN_VALUE_MAX ||
		    fn_map_find(m, key, key_len) || m->nr == FN_RECS_MAX)
			return -EBADMSG;
		fn_map_put(m, key, key_len, value, value_len);
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* The calls swept                                                      */
/* ------------------------------------------------------------------ */

enum fn_op {
	FN_INFO, FN_PUT, FN_GET, FN_DEL, FN_CLEAR, FN_STATS, FN_ADD,
	FN_CMPXCHG, FN_DUMP, FN_BATCH,
};

/* One operation of a BATCH; for GET, @value_len is the buffer's size. */
struct fn_op_spec {
	__u32 cmd;
	__u32 flags;
	const char *key;
	const void *value;
	__u32 value_len;
	__u64 delta;
};

/**
 * struct fn_case - one call to sweep
 * @name: for the log and the tally
 * @op: which ioctl
 * @key: PUT, GET, DEL, ADD, CMPXCHG: the key
 * @value: PUT, CMPXCHG: the new value
 * @value_len: its length; GET: the buffer's size
 * @flags: PUT, ADD, GET: the flags
 * @ttl_ms: PUT: the time to live
 * @delta: ADD: the amount
 * @expected: CMPXCHG: the value expected
 * @expected_len: its length
 * @found_len: CMPXCHG: the size of the buffer for the value found
 * @result: the errno of the call when no fault fires: 0, ECANCELED
 *          (CMPXCHG) or ERANGE (GET into a buffer too small)
 * @batch: BATCH: the operations
 * @nr_batch: BATCH: how many
 * @no_effect: negative control: claim the call leaves the map as it was
 */
struct fn_case {
	const char *name;
	enum fn_op op;
	const char *key;
	const void *value;
	__u32 value_len;
	__u32 flags;
	__u32 ttl_ms;
	__u64 delta;
	const char *expected;
	__u32 expected_len;
	__u32 found_len;
	int result;
	const struct fn_op_spec *batch;
	unsigned int nr_batch;
	bool no_effect;
};

/* The values too long for a string literal, filled in by the setup. */
static unsigned char fn_large[FN_LARGE_LEN];
static unsigned char fn_large2[FN_LARGE_LEN];
static unsigned char fn_huge[FN_HUGE_LEN];
static const __u64 fn_counter = 40;

static void fn_fill_values(void)
{
	unsigned int i;

	for (i = 0; i < FN_LARGE_LEN; i++) {
		fn_large[i] = i * 7 + 1;
		fn_large2[i] = i * 13 + 5;
	}
	for (i = 0; i < FN_HUGE_LEN; i++)
		fn_huge[i] = i * 31 + 3;
}

/* The base state every call of every sweep starts from. */
static void fn_base(struct fn_map *m)
{
	memset(m, 0, sizeof(*m));
	fn_map_put(m, "small", 5, "v1", 2);
	fn_map_put(m, "large", 5, fn_large, sizeof(fn_large));
	fn_map_put(m, "counter", 7, &fn_counter, sizeof(fn_counter));
	fn_map_put(m, "cas", 3, "old-value", 9);
	fn_map_put(m, "victim", 6, "doomed", 6);
}

/* A test's map, fail-nth and buffers. */
struct fn_state {
	int fd;
	int nth_fd;
	__u64 overhead;		/* STATS bytes per entry beyond its data */
	struct fn_map *base;	/* what fn_base() makes */
	struct fn_map *before;	/* the map before the call */
	struct fn_map *after;	/* and after it */
	struct fn_map *want;	/* what it should hold after it */
	void *buf;		/* DUMP's buffer for the snapshots */
	void *out;		/* the buffers of the call swept */
};

FIXTURE(fail_nth) {
	struct fn_state st;
};

/* One call, built afresh before each arming of fail-nth. */
struct fn_call {
	unsigned long cmd;
	void *arg;
	union {
		struct rcumap_info info;
		struct rcumap_elem elem;
		struct rcumap_clear clear;
		struct rcumap_stats stats;
		struct rcumap_add add;
		struct rcumap_cmpxchg cx;
		struct rcumap_dump dump;
		struct rcumap_batch batch;
	} u;
	struct rcumap_batch_op ops[FN_BATCH_OPS];
};

/* What one armed call came to. */
enum fn_outcome {
	FN_NOT_FIRED,	/* it made fewer than N fault-capable calls */
	FN_ABSORBED,	/* the fault fired, and nothing failed */
	FN_FAILED,	/* it surfaced: in the call's errno or a BATCH op's */
};

/* Outcome of one sweep. */
struct fn_result {
	unsigned int points;	/* the N that a fault fired at */
	unsigned int calls;	/* calls armed: each N is tried more than once */
	unsigned int failed[2];	/* calls by outcome: EFAULT, ENOMEM */
	unsigned int op_failed[2];	/* BATCH: in one operation */
	unsigned int absorbed;
	unsigned int violations;
	bool quiet;		/* a negative control: log no violation */
	char first[384];	/* the first violation */
	char trail[1024];	/* the outcomes of each N */
};

/* One armed call: what fn_try() did and saw. */
struct fn_attempt {
	const struct fn_case *c;
	struct fn_call call;
	unsigned int nth;
	int err;		/* the ioctl's errno, 0 on success */
	int fired;		/* whether the armed fault fired */
	int op;			/* BATCH: the op whose error it became, or -1 */
	int op_err;		/* and that error */
};

static void __printf(3, 4)
fn_violation(struct __test_metadata *_metadata, struct fn_result *res,
	     const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!res->violations++)
		snprintf(res->first, sizeof(res->first), "%s", msg);
	if (res->violations <= 8 && !res->quiet)
		TH_LOG("%s", msg);
}

/* Whether a violation or a difference described in @why mentions @what. */
static bool fn_says(const char *why, const char *what)
{
	return strstr(why, what);
}

static const char *fn_errno_name(int err)
{
	return rcumap_errno_name(err) ?: strerror(err);
}

/*
 * Count the outcome of one call that fired, and add its name to @tok, the
 * outcomes of this N: the errno it surfaced as ("op3:ENOMEM" in a BATCH
 * operation), or "ok" for a fault absorbed.
 */
static void fn_count(struct fn_result *res, enum fn_outcome outcome,
		     const struct fn_attempt *at, char *tok, size_t len)
{
	size_t used = strlen(tok);
	char name[32];

	if (outcome != FN_FAILED) {
		res->absorbed++;
		snprintf(name, sizeof(name), "ok");
	} else if (at->op >= 0) {
		res->op_failed[at->op_err == ENOMEM]++;
		snprintf(name, sizeof(name), "op%d:%s", at->op,
			 fn_errno_name(at->op_err));
	} else {
		res->failed[at->err == ENOMEM]++;
		snprintf(name, sizeof(name), "%s", fn_errno_name(at->err));
	}
	if (!fn_says(tok, name))
		snprintf(tok + used, len - used, "%s%s", used ? "/" : "",
			 name);
}

static void fn_trail(struct fn_result *res, const char *tok)
{
	size_t used = strlen(res->trail);

	if (used + strlen(tok) + 5 >= sizeof(res->trail)) {
		if (!fn_says(res->trail, "..."))
			strcat(res->trail, " ...");
		return;
	}
	snprintf(res->trail + used, sizeof(res->trail) - used, "%s%s",
		 used ? " " : "", tok);
}

/* Put the map back to the base state; fault injection is off. */
static void fn_restore(struct __test_metadata *_metadata,
		       struct fn_state *st)
{
	unsigned int i;
	int ret;

	ret = rcumap_clear(st->fd, NULL);
	ASSERT_EQ(0, ret) TH_LOG("CLEAR: %s", strerror(-ret));
	for (i = 0; i < st->base->nr; i++) {
		const struct fn_rec *rec = &st->base->rec[i];

		ret = rcumap_put(st->fd, rec->key, rec->key_len, rec->value,
				 rec->value_len, RCUMAP_NOEXIST);
		ASSERT_EQ(0, ret) TH_LOG("PUT of the base state: %s",
					 strerror(-ret));
	}
}

/*
 * fn_snapshot() - every key and value of the map (DUMP), its entry count
 * (INFO) and bytes (STATS), taken with fault injection off. Returns 0, or
 * 1 with @why set if the counts disagree with the contents.
 */
static int fn_snapshot(struct __test_metadata *_metadata,
		       struct fn_state *st, struct fn_map *m,
		       char *why, size_t len)
{
	struct rcumap_dump dump = {
		.size = sizeof(dump),
		.buf = (uintptr_t)st->buf,
	};
	struct rcumap_stats stats;
	int ret;

	memset(m, 0, sizeof(*m));
	do {
		dump.buf_len = FN_BUF_LEN;
		ret = rcumap_ioctl(st->fd, RCUMAP_IOC_DUMP, &dump);
		ASSERT_EQ(0, ret) TH_LOG("DUMP: %s", strerror(-ret));
		ret = fn_parse_dump(st->buf, dump.buf_len, m);
		ASSERT_EQ(0, ret) TH_LOG("DUMP records malformed or repeated");
	} while (dump.cursor != RCUMAP_DUMP_END);
	m->entries = info_entries(_metadata, st->fd);
	take_stats(_metadata, st->fd, &stats);
	m->bytes = stats.bytes;
	return fn_check_accounting(m, st->overhead, why, len);
}

/* Build the call of @c; @out holds its output buffers. */
static void fn_prepare(const struct fn_case *c, struct fn_call *call,
		       void *out)
{
	unsigned int i;

	memset(call, 0, sizeof(*call));
	call->arg = &call->u;
	switch (c->op) {
	case FN_INFO:
		call->cmd = RCUMAP_IOC_INFO;
		call->u.info.size = sizeof(call->u.info);
		break;
	case FN_PUT:
	case FN_GET:
	case FN_DEL:
		call->cmd = c->op == FN_PUT ? RCUMAP_IOC_PUT :
			    c->op == FN_GET ? RCUMAP_IOC_GET : RCUMAP_IOC_DEL;
		call->u.elem.size = sizeof(call->u.elem);
		call->u.elem.flags = c->flags;
		call->u.elem.key_len = strlen(c->key);
		call->u.elem.key = (uintptr_t)c->key;
		call->u.elem.value_len = c->value_len;
		call->u.elem.value = (uintptr_t)(c->op == FN_GET ? out :
						 c->value);
		call->u.elem.ttl_ms = c->ttl_ms;
		break;
	case FN_CLEAR:
		call->cmd = RCUMAP_IOC_CLEAR;
		call->u.clear.size = sizeof(call->u.clear);
		break;
	case FN_STATS:
		call->cmd = RCUMAP_IOC_STATS;
		call->u.stats.size = sizeof(call->u.stats);
		break;
	case FN_ADD:
		call->cmd = RCUMAP_IOC_ADD;
		call->u.add.size = sizeof(call->u.add);
		call->u.add.flags = c->flags;
		call->u.add.key_len = strlen(c->key);
		call->u.add.key = (uintptr_t)c->key;
		call->u.add.delta = c->delta;
		break;
	case FN_CMPXCHG:
		call->cmd = RCUMAP_IOC_CMPXCHG;
		call->u.cx.size = sizeof(call->u.cx);
		call->u.cx.key_len = strlen(c->key);
		call->u.cx.key = (uintptr_t)c->key;
		call->u.cx.expected_len = c->expected_len;
		call->u.cx.expected = (uintptr_t)c->expected;
		call->u.cx.value_len = c->value_len;
		call->u.cx.value = (uintptr_t)c->value;
		call->u.cx.found_len = c->found_len;
		call->u.cx.found = (uintptr_t)out;
		break;
	case FN_DUMP:
		call->cmd = RCUMAP_IOC_DUMP;
		call->u.dump.size = sizeof(call->u.dump);
		call->u.dump.buf = (uintptr_t)out;
		call->u.dump.buf_len = FN_BUF_LEN;
		break;
	case FN_BATCH:
		call->cmd = RCUMAP_IOC_BATCH;
		call->u.batch.size = sizeof(call->u.batch);
		call->u.batch.count = c->nr_batch;
		call->u.batch.op_size = sizeof(call->ops[0]);
		call->u.batch.ops = (uintptr_t)call->ops;
		call->u.batch.done = FN_UNWRITTEN;
		call->u.batch.failed = FN_UNWRITTEN;
		for (i = 0; i < c->nr_batch; i++) {
			const struct fn_op_spec *s = &c->batch[i];
			struct rcumap_batch_op *op = &call->ops[i];

			op->cmd = s->cmd;
			op->flags = s->flags;
			op->key_len = strlen(s->key);
			op->key = (uintptr_t)s->key;
			op->value_len = s->value_len;
			op->value = (uintptr_t)(s->cmd == RCUMAP_CMD_GET ?
				(char *)out + i * FN_OP_BUF : s->value);
			op->delta = s->delta;
		}
		break;
	}
}

/* The counter @rec holds plus @delta, or @delta for a new counter. */
static __u64 fn_sum(const struct fn_rec *rec, __u64 delta)
{
	__u64 old = 0;

	if (rec)
		memcpy(&old, rec->value, sizeof(old));
	return old + delta;
}

/*
 * What a successful call of @c does to @want (the map before it), and
 * whether what it returned is right. Returns 0, or 1 with @why set.
 */
static int fn_effect(const struct fn_case *c, const struct fn_call *call,
		     const void *out, struct fn_map *want, char *why,
		     size_t len)
{
	size_t key_len = c->key ? strlen(c->key) : 0;
	struct fn_rec *rec = c->key ? fn_map_find(want, c->key, key_len) :
				      NULL;
	struct fn_map *dumped;
	__u64 sum;
	int ret;

	switch (c->op) {
	case FN_INFO:
		if (call->u.info.abi_version != RCUMAP_ABI_VERSION ||
		    call->u.info.entries != want->nr ||
		    call->u.info.max_entries != FN_MAX_ENTRIES ||
		    !call->u.info.buckets || !call->u.info.strategy[0]) {
			snprintf(why, len,
				 "INFO reports ABI %u, %llu entries, max_entries %u, %llu buckets",
				 call->u.info.abi_version,
				 (unsigned long long)call->u.info.entries,
				 call->u.info.max_entries,
				 (unsigned long long)call->u.info.buckets);
			return 1;
		}
		return 0;
	case FN_PUT:
		if (!c->no_effect)
			fn_map_put(want, c->key, key_len, c->value,
				   c->value_len);
		return 0;
	case FN_GET:
		if (c->result == ERANGE && rec &&
		    call->u.elem.value_len == rec->value_len)
			return 0;
		if (!rec || call->u.elem.value_len != rec->value_len ||
		    c->result || memcmp(out, rec->value, rec->value_len)) {
			snprintf(why, len,
				 "GET returned %u bytes that are not the value of \"%s\"",
				 call->u.elem.value_len, c->key);
			return 1;
		}
		return 0;
	case FN_DEL:
		fn_map_del(want, c->key, key_len);
		return 0;
	case FN_CLEAR:
		if (call->u.clear.removed != want->nr) {
			snprintf(why, len, "CLEAR reports %llu removed, not %u",
				 (unsigned long long)call->u.clear.removed,
				 want->nr);
			return 1;
		}
		want->nr = 0;
		return 0;
	case FN_STATS:
		if (call->u.stats.entries != want->nr ||
		    call->u.stats.bytes != want->bytes ||
		    !call->u.stats.strategy[0]) {
			snprintf(why, len,
				 "STATS reports %llu entries and %llu bytes, not %u and %llu",
				 (unsigned long long)call->u.stats.entries,
				 (unsigned long long)call->u.stats.bytes,
				 want->nr, (unsigned long long)want->bytes);
			return 1;
		}
		return 0;
	case FN_ADD:
		sum = fn_sum(rec, c->delta);
		if (call->u.add.value != sum) {
			snprintf(why, len, "ADD returned %llu, not %llu",
				 (unsigned long long)call->u.add.value,
				 (unsigned long long)sum);
			return 1;
		}
		fn_map_put(want, c->key, key_len, &sum, sizeof(sum));
		return 0;
	case FN_CMPXCHG:
		if (!c->result) {
			fn_map_put(want, c->key, key_len, c->value,
				   c->value_len);
			return 0;
		}
		if (!rec || call->u.cx.found_len != rec->value_len ||
		    memcmp(out, rec->value, rec->value_len)) {
			snprintf(why, len,
				 "CMPXCHG found %u bytes that are not the value of \"%s\"",
				 call->u.cx.found_len, c->key);
			return 1;
		}
		return 0;
	case FN_DUMP:
		if (call->u.dump.cursor != RCUMAP_DUMP_END ||
		    call->u.dump.count != want->nr) {
			snprintf(why, len, "DUMP ended at cursor %llu with %u records, not %u",
				 (unsigned long long)call->u.dump.cursor,
				 call->u.dump.count, want->nr);
			return 1;
		}
		dumped = calloc(1, sizeof(*dumped));
		if (!dumped)
			abort();
		ret = fn_parse_dump(out, call->u.dump.buf_len, dumped);
		if (ret) {
			snprintf(why, len, "DUMP records malformed or repeated");
			ret = 1;
		} else if (fn_map_diff(want, dumped, why, len)) {
			ret = 1;
		}
		free(dumped);
		return ret;
	case FN_BATCH:
		break;
	}
	return 0;
}

/*
 * What one BATCH operation should do to @m, which it changes only if
 * @apply and the operation succeeds: returns 0 or the -errno it should
 * end with. With @op, also check what a successful one returned: 1, with
 * @why set, if it is wrong.
 */
static int fn_model_op(struct fn_map *m, const struct fn_op_spec *s,
		       const struct rcumap_batch_op *op, const void *buf,
		       bool apply, char *why, size_t len)
{
	size_t key_len = strlen(s->key);
	struct fn_rec *rec = fn_map_find(m, s->key, key_len);
	__u64 sum;

	switch (s->cmd) {
	case RCUMAP_CMD_GET:
		if (!rec)
			return -ENOENT;
		if (rec->value_len > s->value_len)
			return -ERANGE;
		if (op && (op->value_len != rec->value_len ||
			   memcmp(buf, rec->value, rec->value_len))) {
			snprintf(why, len,
				 "GET of \"%s\" returned %u bytes that are not its value",
				 s->key, op->value_len);
			return 1;
		}
		return 0;
	case RCUMAP_CMD_PUT:
		if (rec && s->flags == RCUMAP_NOEXIST)
			return -EEXIST;
		if (!rec && s->flags == RCUMAP_EXIST)
			return -ENOENT;
		if (apply)
			fn_map_put(m, s->key, key_len, s->value, s->value_len);
		return 0;
	case RCUMAP_CMD_DEL:
		if (!rec)
			return -ENOENT;
		if (apply)
			fn_map_del(m, s->key, key_len);
		return 0;
	case RCUMAP_CMD_ADD:
		if (rec && s->flags == RCUMAP_NOEXIST)
			return -EEXIST;
		if (!rec && s->flags == RCUMAP_EXIST)
			return -ENOENT;
		if (rec && rec->value_len != sizeof(sum))
			return -EMSGSIZE;
		sum = fn_sum(rec, s->delta);
		if (op && op->delta != sum) {
			snprintf(why, len, "ADD to \"%s\" returned %llu, not %llu",
				 s->key, (unsigned long long)op->delta,
				 (unsigned long long)sum);
			return 1;
		}
		if (apply)
			fn_map_put(m, s->key, key_len, &sum, sizeof(sum));
		return 0;
	}
	return -EINVAL;
}

static bool fn_fault_errno(int err)
{
	return err == ENOMEM || err == EFAULT;
}

/*
 * Judge one BATCH call: @before and @after are the map around it, @want
 * is scratch.
 */
static enum fn_outcome
fn_judge_batch(struct __test_metadata *_metadata, struct fn_attempt *at,
	       const void *out, const struct fn_map *before,
	       const struct fn_map *after, struct fn_map *want,
	       struct fn_result *res)
{
	const struct fn_case *c = at->c;
	const struct rcumap_batch *b = &at->call.u.batch;
	unsigned int i, injected = 0, failed = 0, done;
	char why[256];
	int e, r;

	*want = *before;
	if (!at->err) {
		if (b->done != c->nr_batch)
			fn_violation(_metadata, res,
				     "%s, N=%u: BATCH succeeded with done %u, not %u",
				     c->name, at->nth, b->done, c->nr_batch);
		for (i = 0; i < c->nr_batch; i++) {
			const struct rcumap_batch_op *op = &at->call.ops[i];
			const void *buf = (const char *)out + i * FN_OP_BUF;

			e = op->error;
			r = fn_model_op(want, &c->batch[i], NULL, NULL, false,
					why, sizeof(why));
			failed += !!e;
			if (!e && r) {
				fn_violation(_metadata, res,
					     "%s, N=%u: op %u succeeded, but should have failed with %s",
					     c->name, at->nth, i,
					     fn_errno_name(-r));
			} else if (!e) {
				if (fn_model_op(want, &c->batch[i], op, buf,
						true, why, sizeof(why)))
					fn_violation(_metadata, res,
						     "%s, N=%u: op %u: %s",
						     c->name, at->nth, i, why);
			} else if (e != -r && fn_fault_errno(e)) {
				injected++;
				at->op = i;
				at->op_err = e;
			} else if (e != -r) {
				fn_violation(_metadata, res,
					     "%s, N=%u: op %u failed with %s, not %s",
					     c->name, at->nth, i,
					     fn_errno_name(e),
					     r ? fn_errno_name(-r) : "success");
			}
		}
		if (b->failed != failed)
			fn_violation(_metadata, res,
				     "%s, N=%u: BATCH reports %u failed, its ops %u",
				     c->name, at->nth, b->failed, failed);
		if (injected > !!at->fired)
			fn_violation(_metadata, res,
				     "%s, N=%u: %u ops failed with ENOMEM or EFAULT for %d injected faults",
				     c->name, at->nth, injected, at->fired);
		if (fn_map_diff(want, after, why, sizeof(why)))
			fn_violation(_metadata, res,
				     "%s, N=%u: after the BATCH ran, %s",
				     c->name, at->nth, why);
		return !at->fired ? FN_NOT_FIRED :
		       injected ? FN_FAILED : FN_ABSORBED;
	}
	if (!fn_fault_errno(at->err) || !at->fired) {
		fn_violation(_metadata, res,
			     "%s, N=%u: BATCH failed with %s%s", c->name,
			     at->nth, fn_errno_name(at->err),
			     at->fired ? "" : " with no fault injected");
		return at->fired ? FN_FAILED : FN_NOT_FIRED;
	}
	done = b->done;
	if (done == FN_UNWRITTEN) {
		/* Nothing told the caller how far it got: nothing ran. */
		if (fn_map_diff(before, after, why, sizeof(why)))
			fn_violation(_metadata, res,
				     "%s, N=%u: BATCH failed with %s without writing done back, yet it changed the map: %s",
				     c->name, at->nth, fn_errno_name(at->err),
				     why);
		return FN_FAILED;
	}
	if (done > c->nr_batch || (at->err == ENOMEM && done)) {
		fn_violation(_metadata, res,
			     "%s, N=%u: BATCH failed with %s and done %u of %u",
			     c->name, at->nth, fn_errno_name(at->err), done,
			     c->nr_batch);
		return FN_FAILED;
	}
	/*
	 * The one fault failed the ioctl, so the operations before done ran
	 * without one; their own errors may not have been copied back.
	 */
	for (i = 0; i < done; i++)
		fn_model_op(want, &c->batch[i], NULL, NULL, true, why,
			    sizeof(why));
	if (fn_map_diff(want, after, why, sizeof(why)))
		fn_violation(_metadata, res,
			     "%s, N=%u: BATCH failed with %s after %u ops, but the map is not what they make of it: %s",
			     c->name, at->nth, fn_errno_name(at->err), done,
			     why);
	return FN_FAILED;
}

/* Judge one call of any other ioctl. */
static enum fn_outcome
fn_judge(struct __test_metadata *_metadata, struct fn_attempt *at,
	 const void *out, const struct fn_map *before,
	 const struct fn_map *after, struct fn_map *want,
	 struct fn_result *res)
{
	const struct fn_case *c = at->c;
	char why[256];

	if (at->err == c->result) {
		*want = *before;
		if (fn_effect(c, &at->call, out, want, why, sizeof(why)) ||
		    fn_map_diff(want, after, why, sizeof(why)))
			fn_violation(_metadata, res,
				     "%s, N=%u: the call succeeded%s, but %s",
				     c->name, at->nth,
				     at->fired ? " (the fault absorbed)" : "",
				     why);
		return at->fired ? FN_ABSORBED : FN_NOT_FIRED;
	}
	if (!fn_fault_errno(at->err) || !at->fired) {
		fn_violation(_metadata, res,
			     "%s, N=%u: the call failed with %s%s", c->name,
			     at->nth, fn_errno_name(at->err),
			     at->fired ? "" : " with no fault injected");
		return at->fired ? FN_FAILED : FN_NOT_FIRED;
	}
	if (fn_map_diff(before, after, why, sizeof(why)))
		fn_violation(_metadata, res,
			     "%s, N=%u: the call failed with %s, but changed the map: %s",
			     c->name, at->nth, fn_errno_name(at->err), why);
	return FN_FAILED;
}

/*
 * fn_try() - from the base state, arm fail-nth for the @nth fault-capable
 * call, make the call of @c, and judge what it did.
 */
static enum fn_outcome fn_try(struct __test_metadata *_metadata,
			      struct fn_state *st, const struct fn_case *c,
			      unsigned int nth, struct fn_result *res,
			      struct fn_attempt *at)
{
	char why[256], nth_str[16];
	ssize_t armed;
	int ret, len;

	fn_restore(_metadata, st);
	ret = fn_snapshot(_metadata, st, st->before, why, sizeof(why)) ||
	      fn_map_diff(st->base, st->before, why, sizeof(why));
	ASSERT_EQ(0, ret)
		TH_LOG("%s, N=%u: the base state did not come back: %s",
		       c->name, nth, why);
	memset(at, 0, sizeof(*at));
	at->c = c;
	at->nth = nth;
	at->op = -1;
	fn_prepare(c, &at->call, st->out);
	len = snprintf(nth_str, sizeof(nth_str), "%u", nth);

	/* Nothing but the ioctl between arming and disarming. */
	armed = pwrite(st->nth_fd, nth_str, len, 0);
	ret = ioctl(st->fd, at->call.cmd, at->call.arg);
	at->err = ret ? errno : 0;
	at->fired = fn_disarm(st->nth_fd);

	ASSERT_EQ(len, armed) TH_LOG("arming fail-nth: %s", strerror(errno));
	ASSERT_LE(0, at->fired)
		TH_LOG("disarming fail-nth: %s", strerror(-at->fired));
	if (fn_snapshot(_metadata, st, st->after, why, sizeof(why)))
		fn_violation(_metadata, res, "%s, N=%u: after the call, %s",
			     c->name, nth, why);
	if (c->op == FN_BATCH)
		return fn_judge_batch(_metadata, at, st->out, st->before,
				      st->after, st->want, res);
	return fn_judge(_metadata, at, st->out, st->before, st->after,
			st->want, res);
}

/*
 * fn_sweep() - fail each fault-capable call of @c in turn, N = 1, 2, ...,
 * until it completes with the fault still pending; judge every call.
 *
 * The kernel makes fault-capable calls of its own on the way, and not
 * always as many (a slab that needs a new page, say): they shift rcumap's
 * calls by one now and then, in a rhythm that can fall in step with N
 * (every other 8 KiB PUT makes one more), so that one of rcumap's calls
 * would never be the Nth, or the sweep would stop short of the last ones,
 * the copies out after a change that matter most. So each N is tried
 * FN_MIN_TRIES times in a row, which meets both beats of such a rhythm,
 * and again, up to FN_MAX_TRIES, while its calls disagree (they did not
 * all fail alike) or the fault was absorbed; and the sweep completes only
 * at an N none of FN_DONE_TRIES calls fired at.
 */
#define FN_MIN_TRIES	2
#define FN_DONE_TRIES	4
#define FN_MAX_TRIES	5

static void fn_sweep(struct __test_metadata *_metadata,
		     struct fn_state *st, const struct fn_case *c,
		     struct fn_result *res, bool quiet)
{
	unsigned int nth, try, fired;
	enum fn_outcome outcome;
	struct fn_attempt *at;
	bool agree;
	char tok[96];

	memset(res, 0, sizeof(*res));
	res->quiet = quiet;
	at = malloc(sizeof(*at));
	ASSERT_TRUE(!!at);
	for (nth = 1; ; nth++) {
		ASSERT_GE(FN_MAX_NTH, (int)nth)
			TH_LOG("%s: more than %u fault points", c->name,
			       FN_MAX_NTH);
		fired = 0;
		tok[0] = '\0';
		for (try = 1; try <= FN_MAX_TRIES; try++) {
			outcome = fn_try(_metadata, st, c, nth, res, at);
			res->calls++;
			if (outcome != FN_NOT_FIRED) {
				fired++;
				fn_count(res, outcome, at, tok, sizeof(tok));
			}
			agree = !strchr(tok, '/') && (!fired || fired == try);
			if (try >= FN_MIN_TRIES && agree &&
			    outcome != FN_ABSORBED &&
			    (fired || try >= FN_DONE_TRIES))
				break;
		}
		if (!fired)
			break;
		res->points++;
		fn_trail(res, tok);
	}
	free(at);
}

/* Sweep @c, report its fault points, and fail the test on a violation. */
static void fn_run(struct __test_metadata *_metadata, struct fn_state *st,
		   const struct fn_case *c)
{
	struct fn_result res;

	fn_sweep(_metadata, st, c, &res, false);
	ksft_print_msg("%s: %u fault points swept, completed at N=%u, in %u calls\n",
		       c->name, res.points, res.points + 1, res.calls);
	ksft_print_msg("  calls: EFAULT %u, ENOMEM %u, op EFAULT %u, op ENOMEM %u, ok %u\n",
		       res.failed[0], res.failed[1], res.op_failed[0],
		       res.op_failed[1], res.absorbed);
	ksft_print_msg("  %s\n", res.points ? res.trail : "(none)");
	if (fn_tally && fn_tally->nr < FN_MAX_SWEEPS) {
		unsigned int i = fn_tally->nr++;

		snprintf(fn_tally->sweep[i].name,
			 sizeof(fn_tally->sweep[i].name), "%s", c->name);
		fn_tally->sweep[i].points = res.points;
	}
	EXPECT_EQ(0U, res.violations)
		TH_LOG("%s: %u violations; the first: %s", c->name,
		       res.violations, res.first);
	EXPECT_LT(0U, res.points)
		TH_LOG("%s: no fault point found: is fault injection on?",
		       c->name);
}

FIXTURE_SETUP(fail_nth)
{
	struct fn_state *st = &self->st;
	char why[256];
	unsigned int i;
	__u64 data = 0;

	st->fd = -1;
	st->nth_fd = -1;
	if (!rcumap_skip_unless_loadable(_metadata))
		return;
	if (fn_missing)
		SKIP(return, "%s", fn_missing);
	if (!fn_have_usercopy)
		TH_LOG("no %s/fail_usercopy: %s", FN_DEBUGFS,
		       "user copies not swept (CONFIG_FAULT_INJECTION_USERCOPY)");

	fn_fill_values();
	st->base = calloc(1, sizeof(*st->base));
	st->before = calloc(1, sizeof(*st->before));
	st->after = calloc(1, sizeof(*st->after));
	st->want = calloc(1, sizeof(*st->want));
	st->buf = malloc(FN_BUF_LEN);
	st->out = malloc(FN_BUF_LEN);
	ASSERT_TRUE(st->base && st->before && st->after && st->want &&
		    st->buf && st->out);
	fn_base(st->base);

	st->fd = rcumap_test_setup(_metadata, FN_PARAMS);
	st->nth_fd = open(FN_FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, st->nth_fd)
		TH_LOG("%s: %s", FN_FAIL_NTH, strerror(errno));

	/* Learn the bytes STATS accounts per entry beyond key and value. */
	fn_restore(_metadata, st);
	ASSERT_EQ(0, fn_snapshot(_metadata, st, st->before, why,
				 sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, fn_map_diff(st->base, st->before, why, sizeof(why)))
		TH_LOG("the base state: %s", why);
	for (i = 0; i < st->before->nr; i++)
		data += st->before->rec[i].key_len +
			st->before->rec[i].value_len;
	ASSERT_LT(data, st->before->bytes);
	ASSERT_EQ(0ULL, (st->before->bytes - data) % st->before->nr);
	st->overhead = (st->before->bytes - data) / st->before->nr;
}

FIXTURE_TEARDOWN(fail_nth)
{
	struct fn_state *st = &self->st;

	if (st->nth_fd >= 0) {
		EXPECT_EQ(1, pwrite(st->nth_fd, "0", 1, 0));
		close(st->nth_fd);
	}
	rcumap_test_teardown(_metadata, st->fd);
	free(st->base);
	free(st->before);
	free(st->after);
	free(st->want);
	free(st->buf);
	free(st->out);
}

/* ------------------------------------------------------------------ */
/* The sweeps                                                           */
/* ------------------------------------------------------------------ */

TEST_F_TIMEOUT(fail_nth, info_survives_every_fault, FN_TIMEOUT)
{
	const struct fn_case c = { .name = "INFO", .op = FN_INFO };

	fn_run(_metadata, &self->st, &c);
}

/* RCUMAP_ANY: the rewrite path, which finds no entry and publishes one. */
TEST_F_TIMEOUT(fail_nth, put_insert_survives_every_fault, FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "PUT insert", .op = FN_PUT, .key = "fresh",
		.value = "new", .value_len = 3, .flags = RCUMAP_ANY,
	};

	fn_run(_metadata, &self->st, &c);
}

/* RCUMAP_NOEXIST: a new entry copied straight from userspace. */
TEST_F_TIMEOUT(fail_nth, put_noexist_insert_survives_every_fault,
	       FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "PUT insert NOEXIST", .op = FN_PUT, .key = "fresh",
		.value = "new", .value_len = 3, .flags = RCUMAP_NOEXIST,
	};

	fn_run(_metadata, &self->st, &c);
}

/* Over 128 bytes: the value passes through a kvmalloc() buffer. */
TEST_F_TIMEOUT(fail_nth, put_insert_large_value_survives_every_fault,
	       FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "PUT insert 300 bytes", .op = FN_PUT,
		.key = "fresh-large", .value = fn_large2,
		.value_len = sizeof(fn_large2), .flags = RCUMAP_ANY,
	};

	fn_run(_metadata, &self->st, &c);
}

/* Over a page: a kmalloc() failure falls back to vmalloc(). */
TEST_F_TIMEOUT(fail_nth, put_insert_value_over_a_page_survives_every_fault,
	       FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "PUT insert 8 KiB", .op = FN_PUT, .key = "fresh-huge",
		.value = fn_huge, .value_len = sizeof(fn_huge),
		.flags = RCUMAP_ANY,
	};

	fn_run(_metadata, &self->st, &c);
}

/* The same length, no time to live: rewritten in place. */
TEST_F_TIMEOUT(fail_nth, put_replace_same_length_survives_every_fault,
	       FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "PUT replace in place", .op = FN_PUT, .key = "small",
		.value = "v2", .value_len = 2, .flags = RCUMAP_ANY,
	};

	fn_run(_metadata, &self->st, &c);
}

TEST_F_TIMEOUT(fail_nth,
	       put_replace_same_length_large_value_survives_every_fault,
	       FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "PUT replace in place 300 bytes", .op = FN_PUT,
		.key = "large", .value = fn_large2,
		.value_len = sizeof(fn_large2), .flags = RCUMAP_EXIST,
	};

	fn_run(_metadata, &self->st, &c);
}

/* Another length: a new entry takes the old one's place. */
TEST_F_TIMEOUT(fail_nth, put_replace_other_length_survives_every_fault,
	       FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "PUT replace other length", .op = FN_PUT,
		.key = "small", .value = "a longer value", .value_len = 14,
		.flags = RCUMAP_EXIST,
	};

	fn_run(_metadata, &self->st, &c);
}

/* A time to live: always a new entry, and the reaper is kicked. */
TEST_F_TIMEOUT(fail_nth, put_with_ttl_survives_every_fault, FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "PUT with ttl_ms", .op = FN_PUT, .key = "small",
		.value = "v3", .value_len = 2, .flags = RCUMAP_ANY,
		.ttl_ms = FN_TTL_MS,
	};

	fn_run(_metadata, &self->st, &c);
}

TEST_F_TIMEOUT(fail_nth, get_small_value_survives_every_fault, FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "GET 2 bytes", .op = FN_GET, .key = "small",
		.value_len = 64,
	};

	fn_run(_metadata, &self->st, &c);
}

/* Over 128 bytes: the copy grows into a kvmalloc() buffer. */
TEST_F_TIMEOUT(fail_nth, get_large_value_survives_every_fault, FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "GET 300 bytes", .op = FN_GET, .key = "large",
		.value_len = 512,
	};

	fn_run(_metadata, &self->st, &c);
}

/* A touch refreshes the entry's last access: no allocation of its own. */
TEST_F_TIMEOUT(fail_nth, get_with_touch_survives_every_fault, FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "GET with TOUCH", .op = FN_GET, .key = "small",
		.value_len = 64, .flags = RCUMAP_GET_TOUCH,
	};

	fn_run(_metadata, &self->st, &c);
}

/* ERANGE, with the value's length, is the call's result, not a fault's. */
TEST_F_TIMEOUT(fail_nth, get_into_small_buffer_survives_every_fault,
	       FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "GET 300 bytes into 16", .op = FN_GET, .key = "large",
		.value_len = 16, .result = ERANGE,
	};

	fn_run(_metadata, &self->st, &c);
}

TEST_F_TIMEOUT(fail_nth, del_survives_every_fault, FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "DEL", .op = FN_DEL, .key = "victim",
	};

	fn_run(_metadata, &self->st, &c);
}

TEST_F_TIMEOUT(fail_nth, clear_survives_every_fault, FN_TIMEOUT)
{
	const struct fn_case c = { .name = "CLEAR", .op = FN_CLEAR };

	fn_run(_metadata, &self->st, &c);
}

TEST_F_TIMEOUT(fail_nth, stats_survives_every_fault, FN_TIMEOUT)
{
	const struct fn_case c = { .name = "STATS", .op = FN_STATS };

	fn_run(_metadata, &self->st, &c);
}

TEST_F_TIMEOUT(fail_nth, add_to_counter_survives_every_fault, FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "ADD to a counter", .op = FN_ADD, .key = "counter",
		.delta = 2, .flags = RCUMAP_EXIST,
	};

	fn_run(_metadata, &self->st, &c);
}

TEST_F_TIMEOUT(fail_nth, add_creating_counter_survives_every_fault,
	       FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "ADD creating a counter", .op = FN_ADD,
		.key = "new-counter", .delta = 5, .flags = RCUMAP_ANY,
	};

	fn_run(_metadata, &self->st, &c);
}

TEST_F_TIMEOUT(fail_nth, cmpxchg_match_survives_every_fault, FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "CMPXCHG match", .op = FN_CMPXCHG, .key = "cas",
		.expected = "old-value", .expected_len = 9,
		.value = "new-value!", .value_len = 10, .found_len = 64,
	};

	fn_run(_metadata, &self->st, &c);
}

/* The value found is over 128 bytes: its buffer grows (kvmalloc()). */
TEST_F_TIMEOUT(fail_nth, cmpxchg_mismatch_survives_every_fault, FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "CMPXCHG mismatch", .op = FN_CMPXCHG, .key = "large",
		.expected = "nope", .expected_len = 4, .value = "x",
		.value_len = 1, .found_len = 512, .result = ECANCELED,
	};

	fn_run(_metadata, &self->st, &c);
}

TEST_F_TIMEOUT(fail_nth, dump_survives_every_fault, FN_TIMEOUT)
{
	const struct fn_case c = { .name = "DUMP", .op = FN_DUMP };

	fn_run(_metadata, &self->st, &c);
}

/*
 * Every kind of operation, each path of PUT, an operation that fails on
 * its own (DEL of a missing key) and one that depends on an earlier one
 * (the last GET finds what the first PUT inserted, unless a fault failed
 * that PUT).
 */
static const struct fn_op_spec fn_mixed_batch[] = {
	{ RCUMAP_CMD_GET, 0, "small", NULL, 64, 0 },
	{ RCUMAP_CMD_GET, 0, "large", NULL, 512, 0 },
	{ RCUMAP_CMD_PUT, RCUMAP_ANY, "fresh", "new", 3, 0 },
	{ RCUMAP_CMD_PUT, RCUMAP_ANY, "small", "v2", 2, 0 },
	{ RCUMAP_CMD_PUT, RCUMAP_EXIST, "cas", "a-much-longer-value", 19, 0 },
	{ RCUMAP_CMD_PUT, RCUMAP_NOEXIST, "fresh-large", fn_large2,
	  FN_LARGE_LEN, 0 },
	{ RCUMAP_CMD_DEL, 0, "victim", NULL, 0, 0 },
	{ RCUMAP_CMD_ADD, RCUMAP_EXIST, "counter", NULL, 0, 2 },
	{ RCUMAP_CMD_ADD, RCUMAP_NOEXIST, "new-counter", NULL, 0, 5 },
	{ RCUMAP_CMD_DEL, 0, "missing", NULL, 0, 0 },
	{ RCUMAP_CMD_GET, 0, "fresh", NULL, 64, 0 },
};

TEST_F_TIMEOUT(fail_nth, batch_of_mixed_ops_survives_every_fault,
	       FN_TIMEOUT)
{
	const struct fn_case c = {
		.name = "BATCH of mixed ops", .op = FN_BATCH,
		.batch = fn_mixed_batch,
		.nr_batch = ARRAY_SIZE(fn_mixed_batch),
	};

	fn_run(_metadata, &self->st, &c);
}

/*
 * More operations than one chunk (RCUMAP_BATCH_CHUNK, 32, in batch.c): a
 * fault copying the second chunk in fails the ioctl with the first chunk
 * done. The first chunk is mostly DELs of missing keys, one fault point
 * each, for a shorter sweep.
 */
TEST_F_TIMEOUT(fail_nth, batch_across_chunks_survives_every_fault,
	       FN_TIMEOUT)
{
	static char keys[32][8];
	struct fn_op_spec ops[34];
	struct fn_case c = {
		.name = "BATCH of 34 ops", .op = FN_BATCH, .batch = ops,
		.nr_batch = 34,
	};
	unsigned int i;

	for (i = 1; i < 31; i++) {
		snprintf(keys[i], sizeof(keys[i]), "m%02u", i);
		ops[i] = (struct fn_op_spec){ RCUMAP_CMD_DEL, 0, keys[i], NULL,
					      0, 0 };
	}
	ops[0] = (struct fn_op_spec){ RCUMAP_CMD_PUT, RCUMAP_NOEXIST, "c00",
				      "x", 1, 0 };
	ops[31] = (struct fn_op_spec){ RCUMAP_CMD_PUT, RCUMAP_ANY, "small",
				       "v2", 2, 0 };
	ops[32] = (struct fn_op_spec){ RCUMAP_CMD_GET, 0, "c00", NULL, 64, 0 };
	ops[33] = (struct fn_op_spec){ RCUMAP_CMD_DEL, 0, "victim", NULL, 0,
				       0 };
	fn_run(_metadata, &self->st, &c);
}

/* ------------------------------------------------------------------ */
/* Negative controls: the sweep's checks can fail                       */
/* ------------------------------------------------------------------ */

/*
 * The comparison the sweeps rest on reports every kind of change: a value
 * byte, a value's length, a key missing, a key added, and counts that do
 * not match the contents; and a real PUT shows in a real snapshot.
 */
TEST_F(fail_nth, snapshot_comparison_catches_every_kind_of_change)
{
	struct fn_state *st = &self->st;
	struct fn_map *m = st->want;
	char why[256];

	ASSERT_EQ(0, fn_snapshot(_metadata, st, st->before, why,
				 sizeof(why)));
	EXPECT_EQ(0, fn_map_diff(st->base, st->before, why, sizeof(why)));

	*m = *st->before;
	fn_map_find(m, "large", 5)->value[FN_LARGE_LEN - 1] ^= 1;
	EXPECT_EQ(1, fn_map_diff(st->before, m, why, sizeof(why)));
	EXPECT_TRUE(fn_says(why, "\"large\": byte 299")) TH_LOG("%s", why);

	*m = *st->before;
	fn_map_find(m, "small", 5)->value_len = 1;
	EXPECT_EQ(1, fn_map_diff(st->before, m, why, sizeof(why)));
	EXPECT_TRUE(fn_says(why, "holds 1 bytes")) TH_LOG("%s", why);

	*m = *st->before;
	EXPECT_TRUE(fn_map_del(m, "victim", 6));
	EXPECT_EQ(1, fn_map_diff(st->before, m, why, sizeof(why)));
	EXPECT_TRUE(fn_says(why, "\"victim\" is missing")) TH_LOG("%s", why);

	*m = *st->before;
	fn_map_put(m, "extra", 5, "", 0);
	EXPECT_EQ(1, fn_map_diff(st->before, m, why, sizeof(why)));
	EXPECT_TRUE(fn_says(why, "\"extra\" should not be there"))
		TH_LOG("%s", why);

	*m = *st->before;
	m->entries++;
	EXPECT_EQ(1, fn_check_accounting(m, st->overhead, why, sizeof(why)));
	*m = *st->before;
	m->bytes--;
	EXPECT_EQ(1, fn_check_accounting(m, st->overhead, why, sizeof(why)));

	ASSERT_EQ(0, put_str(st->fd, "cas", "changed!!", RCUMAP_EXIST));
	ASSERT_EQ(0, fn_snapshot(_metadata, st, st->after, why,
				 sizeof(why)));
	EXPECT_EQ(1, fn_map_diff(st->before, st->after, why, sizeof(why)));
	EXPECT_TRUE(fn_says(why, "\"cas\"")) TH_LOG("%s", why);
}

/*
 * A sweep whose call does not have the effect it claims fails: PUT is
 * declared to leave the map as it was, and an ioctl that fails on its own
 * (DEL of a missing key) is not taken for an injected fault.
 */
TEST_F_TIMEOUT(fail_nth, sweep_reports_calls_that_break_its_rules,
	       FN_TIMEOUT)
{
	const struct fn_case lying_put = {
		.name = "PUT (claimed to change nothing)", .op = FN_PUT,
		.key = "fresh", .value = "new", .value_len = 3,
		.flags = RCUMAP_NOEXIST, .no_effect = true,
	};
	const struct fn_case failing_del = {
		.name = "DEL of a missing key", .op = FN_DEL, .key = "missing",
	};
	struct fn_result res;

	fn_sweep(_metadata, &self->st, &lying_put, &res, true);
	EXPECT_LT(0U, res.violations);
	EXPECT_TRUE(fn_says(res.first, "should not be there"))
		TH_LOG("%s", res.first);
	ksft_print_msg("negative control: %s: %u violations, the first: %s\n",
		       lying_put.name, res.violations, res.first);

	fn_sweep(_metadata, &self->st, &failing_del, &res, true);
	EXPECT_LT(0U, res.violations);
	EXPECT_TRUE(fn_says(res.first, "ENOENT")) TH_LOG("%s", res.first);
	ksft_print_msg("negative control: %s: %u violations, the first: %s\n",
		       failing_del.name, res.violations, res.first);
}

/* Last: the fault points every sweep of this run found, and the total. */
TEST_F(fail_nth, every_sweep_found_fault_points)
{
	unsigned int i, total = 0;

	ASSERT_TRUE(!!fn_tally);
	if (!fn_tally->nr)
		SKIP(return, "no sweep ran in this process");
	for (i = 0; i < fn_tally->nr; i++) {
		ksft_print_msg("  %-36s %4u fault points\n",
			       fn_tally->sweep[i].name,
			       fn_tally->sweep[i].points);
		EXPECT_LT(0U, fn_tally->sweep[i].points)
			TH_LOG("%s", fn_tally->sweep[i].name);
		total += fn_tally->sweep[i].points;
	}
	ksft_print_msg("total: %u fault points swept in %u sweeps (sync=%s)\n",
		       total, fn_tally->nr, rcumap_sync());
}

TEST_HARNESS_MAIN
