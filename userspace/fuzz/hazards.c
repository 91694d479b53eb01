// SPDX-License-Identifier: GPL-2.0
/*
 * The memory the pointers of a call point into, and the thread that pulls
 * it from under the calls.
 *
 * Each thread has, for each buffer of a call (enum hz_role), a region of
 * accessible pages followed by a PROT_NONE guard page, and a read-only twin
 * of it: a buffer is placed at the start of the region (W_NORMAL, with
 * canary bytes after it), so that it ends on the last byte before the
 * guard (W_EDGE, which is valid), so that its last bytes lie on the guard
 * (W_CROSS), or in the read-only twin (W_RO). Other pointers point into a
 * PROT_NONE reservation (W_UNMAPPED), at the kernel, at non-canonical
 * addresses, or so near 2^64 that the range wraps.
 *
 * The racing pages (W_RACE), a few per fuzzing thread, which alone puts
 * its calls' structs and buffers there: the racing thread keeps changing
 * them while the calls use them: it makes one
 * inaccessible, read-only or writable again, maps fresh zero pages over
 * it, discards it, or fills it with one non-zero byte. It never unmaps an
 * address outright (it maps PROT_NONE over it instead), so nothing else
 * of the process can ever be mapped there. A fuzzing thread writes into a
 * racing page with hz_safe_copy(), which survives the fault when the page
 * is not writable at that moment.
 */
#define _GNU_SOURCE		/* mremap() */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "fuzz.h"

/* Racing pages per fuzzing thread: a thread's calls race on its own. */
#define HZ_RACE_SLOTS	4
#define HZ_NONE_PAGES	16
#define HZ_CANARY	0xa5

const char *const where_names[NR_WHERE] = {
	[W_NORMAL] = "normal", [W_EDGE] = "edge of a guard page",
	[W_CROSS] = "across a guard page", [W_RO] = "read-only",
	[W_RACE] = "racing page", [W_NULL] = "NULL",
	[W_UNMAPPED] = "unmapped", [W_KERNEL] = "kernel address",
	[W_NONCANON] = "non-canonical", [W_WRAP] = "wraps around 2^64",
};

/**
 * struct hz_race - the racing pages and the thread that changes them
 * @fz: the tool
 * @base: HZ_RACE_SLOTS slots per fuzzing thread, each a racing page
 *        and a guard page
 * @nslots: how many in all
 * @tid: the racing thread
 * @started: it runs
 * @actions: atomic: changes it made
 * @rng: its stream
 */
struct hz_race {
	struct fz *fz;
	unsigned char *base;
	unsigned int nslots;
	pthread_t tid;
	bool started;
	uint64_t actions;
	struct prng rng;
};

static size_t page_size;
static unsigned char *none_base;	/* HZ_NONE_PAGES, never accessible */

static __thread sigjmp_buf hz_jmp;
static __thread volatile sig_atomic_t hz_armed;

/* SIGSEGV and SIGBUS: back into hz_safe_copy(), or die as usual. */
static void hz_fault(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (hz_armed) {
		hz_armed = 0;
		siglongjmp(hz_jmp, 1);
	}
	signal(sig, SIG_DFL);	/* the fault recurs and kills, with a core */
}

/**
 * hz_safe_copy() - memcpy() into memory that may not be writable
 * @dst: the destination, perhaps a racing page
 * @src: the source
 * @len: bytes
 *
 * Return: true if every byte was copied, false if the copy faulted.
 */
bool hz_safe_copy(void *dst, const void *src, size_t len)
{
	/* SA_NODEFER: no signal mask to save and restore. */
	if (sigsetjmp(hz_jmp, 0))
		return false;
	hz_armed = 1;
	memcpy(dst, src, len);
	hz_armed = 0;
	return true;
}

static size_t round_pages(size_t len)
{
	return (len + page_size - 1) & ~(page_size - 1);
}

/* @len accessible bytes (rounded up to pages) with a guard page after. */
static unsigned char *map_guarded(size_t len, int prot)
{
	unsigned char *p = mmap(NULL, len + page_size, PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p, len, prot)) {
		munmap(p, len + page_size);
		return NULL;
	}
	return p;
}

/*
 * A writable view of the read-only pages at @ro, so that filling them
 * costs no mprotect() (and no TLB shootdown) per call: shared anonymous
 * pages, mapped a second time over @ro with mremap() and an old size of 0.
 * NULL if that is not possible: hz_place() then makes the pages writable
 * for a moment instead.
 */
static unsigned char *map_alias(unsigned char *ro, size_t len)
{
	unsigned char *rw = mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	void *p;

	if (rw == MAP_FAILED)
		return NULL;
	p = mremap(rw, 0, len, MREMAP_MAYMOVE | MREMAP_FIXED, ro);
	if (p != ro || mprotect(ro, len, PROT_READ)) {
		munmap(rw, len);
		if (p == ro)
			mmap(ro, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
			     MAP_FIXED, -1, 0);
		return NULL;
	}
	return rw;
}

int hz_init_process(struct fz *fz)
{
	struct sigaction sa = {
		.sa_sigaction = hz_fault,
		.sa_flags = SA_SIGINFO | SA_NODEFER,
	};
	struct hz_race *race;

	page_size = sysconf(_SC_PAGESIZE);
	none_base = mmap(NULL, HZ_NONE_PAGES * page_size, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (none_base == MAP_FAILED)
		return -errno;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGBUS, &sa, NULL))
		return -errno;
	race = calloc(1, sizeof(*race));
	if (!race)
		return -ENOMEM;
	race->fz = fz;
	race->nslots = HZ_RACE_SLOTS * fz->cfg.threads;
	race->base = mmap(NULL, 2 * race->nslots * page_size, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (race->base == MAP_FAILED)
		return -errno;
	for (unsigned int i = 0; i < race->nslots; i++)
		if (mprotect(race->base + 2 * i * page_size, page_size,
			     PROT_READ | PROT_WRITE))
			return -errno;
	prng_seed(&race->rng, fz->cfg.seed, fz->cfg.threads, 0);
	fz->race = race;
	return 0;
}

/* How long each role's region is: every buffer of that role must fit. */
static size_t role_len(const struct fz *fz, enum hz_role role)
{
	size_t vmax = fz->info.max_value_len;

	switch (role) {
	case R_ARG:
		return 2 * page_size;
	case R_KEY:
		return page_size;
	case R_OPS:
		return round_pages((RCUMAP_BATCH_MAX + 1) *
				   sizeof(struct rcumap_batch_op));
	default:
		return round_pages(vmax + 64) + page_size;
	}
}

int hz_init_thread(struct fz_thread *t)
{
	unsigned int i;

	for (i = 0; i < NR_ROLES; i++) {
		struct hz_region *r = &t->hz.r[i];

		r->len = role_len(t->fz, i);
		r->base = map_guarded(r->len, PROT_READ | PROT_WRITE);
		r->ro = map_guarded(r->len, PROT_READ);
		if (!r->base || !r->ro)
			return -ENOMEM;
		r->ro_rw = map_alias(r->ro, r->len);
	}
	return 0;
}

void hz_free_thread(struct fz_thread *t)
{
	unsigned int i;

	for (i = 0; i < NR_ROLES; i++) {
		struct hz_region *r = &t->hz.r[i];

		if (r->base)
			munmap(r->base, r->len + page_size);
		if (r->ro)
			munmap(r->ro, r->len + page_size);
		if (r->ro_rw)
			munmap(r->ro_rw, r->len);
	}
}

/* Make the read-only twins read-only again after hz_place() filled them. */
void hz_seal(struct fz_thread *t)
{
	unsigned int i;

	for (i = 0; i < NR_ROLES; i++) {
		struct hz_region *r = &t->hz.r[i];

		if (r->ro_dirty) {
			mprotect(r->ro, r->ro_dirty, PROT_READ);
			r->ro_dirty = 0;
		}
	}
}

/* An address with no memory behind it, of kind @w. */
static uint64_t bad_address(struct fz_thread *t, enum hz_where w)
{
	static const uint64_t kernel[] = {
		0xffff888000000000ULL, 0xffffffff81000000ULL,
		0xffffffffff600000ULL, 0xffffc90000000000ULL,
	};
	static const uint64_t noncanon[] = {
		0x0000800000000000ULL, 0x8000000000000000ULL,
		0x00ffffffffff0000ULL, 0x7fffffffffffff00ULL,
	};

	switch (w) {
	case W_NULL:
		return prng_pct(&t->rng, 75) ? 0 : prng_below(&t->rng, 4096);
	case W_UNMAPPED:
		return (uint64_t)(uintptr_t)none_base +
		       prng_below(&t->rng, HZ_NONE_PAGES * page_size - 64);
	case W_KERNEL:
		return kernel[prng_below(&t->rng, ARRAY_SIZE(kernel))];
	case W_NONCANON:
		return noncanon[prng_below(&t->rng, ARRAY_SIZE(noncanon))];
	default:
		return UINT64_MAX - prng_below(&t->rng, 8);
	}
}

/* A place that no byte of a buffer of at least one byte can be read from. */
enum hz_where hz_pick_bad(struct fz_thread *t)
{
	static const enum hz_where bad[] = {
		W_NULL, W_UNMAPPED, W_UNMAPPED, W_KERNEL, W_NONCANON, W_WRAP,
	};

	return bad[prng_below(&t->rng, ARRAY_SIZE(bad))];
}

/* A racing page, and @src copied into it if it is writable just now. */
static uint64_t place_race(struct fz_thread *t, const void *src, size_t len,
			   size_t cap)
{
	size_t i = t->id * HZ_RACE_SLOTS + prng_below(&t->rng, HZ_RACE_SLOTS);
	unsigned char *slot = t->fz->race->base + 2 * i * page_size;
	size_t off = 0;

	if (cap < page_size)
		off = prng_below(&t->rng, page_size - cap + 1) & ~(size_t)7;
	if (len > page_size - off)
		len = page_size - off;
	hz_safe_copy(slot + off, src, len);
	return (uint64_t)(uintptr_t)(slot + off);
}

/**
 * hz_place() - put a buffer somewhere and say where
 * @t: the thread
 * @role: which of the call's buffers it is
 * @w: where to put it
 * @src: its contents, @len bytes (NULL: leave the bytes as they are)
 * @len: bytes of contents, at most @cap
 * @cap: the size of the buffer the kernel is told of
 *
 * W_NORMAL and W_RO put the buffer at the start of the region: the caller
 * must not tell the kernel of more than the region holds. W_EDGE puts its
 * last byte just before the guard page, W_CROSS its last 1 to 16 bytes on
 * the guard (a buffer longer than the region starts a little before the
 * guard either way).
 *
 * Return: the address, as the __u64 of a struct.
 */
uint64_t hz_place(struct fz_thread *t, enum hz_role role, enum hz_where w,
		  const void *src, size_t len, size_t cap)
{
	struct hz_region *r = &t->hz.r[role];
	unsigned char *end = r->base + r->len, *p;
	size_t room;

	switch (w) {
	case W_NORMAL:
		p = r->base;
		break;
	case W_EDGE:
	case W_CROSS:
		room = cap;
		if (w == W_CROSS && cap)
			room -= 1 + prng_below(&t->rng, cap < 16 ? cap : 16);
		if (room > r->len)
			room = 1 + prng_below(&t->rng, 64);
		p = end - room;
		if (len > room)
			len = room;
		break;
	case W_RO:
		if (len && r->ro_rw) {
			memmove(r->ro_rw, src, len);
		} else if (len) {
			size_t n = round_pages(len);

			if (n > r->ro_dirty) {
				mprotect(r->ro, n, PROT_READ | PROT_WRITE);
				r->ro_dirty = n;
			}
			memmove(r->ro, src, len);
		}
		return (uint64_t)(uintptr_t)r->ro;
	case W_RACE:
		return place_race(t, src, len, cap);
	default:
		return bad_address(t, w);
	}
	/* the source may be a buffer placed in this region before */
	if (src && len)
		memmove(p, src, len);
	return (uint64_t)(uintptr_t)p;
}

/*
 * One change to one racing page. The weights keep the pages writable
 * most of the time, so that the calls find their contents in place and
 * lose them while they run.
 */
static void race_once(struct hz_race *race, unsigned char *scratch)
{
	unsigned char *p = race->base +
			   2 * prng_below(&race->rng, race->nslots) * page_size;
	unsigned int what = prng_below(&race->rng, 16);
	int rw = PROT_READ | PROT_WRITE, fl = MAP_PRIVATE | MAP_ANONYMOUS;

	switch (what) {
	case 0:
		mprotect(p, page_size, PROT_NONE);
		break;
	case 1:
		mprotect(p, page_size, PROT_READ);
		break;
	case 2:
		/* "unmap": the address stays reserved, inaccessible */
		mmap(p, page_size, PROT_NONE, fl | MAP_FIXED, -1, 0);
		break;
	case 3:
		/* "remap": fresh zero pages at the same address */
		mmap(p, page_size, rw, fl | MAP_FIXED, -1, 0);
		break;
	case 4:
		madvise(p, page_size, MADV_DONTNEED);
		break;
	case 5:
	case 6:
		/*
		 * A whole page of one non-zero byte: every pointer in it
		 * becomes non-canonical, every key one of few.
		 */
		memset(scratch, 1 + prng_below(&race->rng, 255), page_size);
		hz_safe_copy(p, scratch, page_size);
		break;
	default:
		mprotect(p, page_size, rw);
		break;
	}
	__atomic_add_fetch(&race->actions, 1, __ATOMIC_RELAXED);
}

/*
 * Change racing pages at most a tenth of the time: after each change,
 * sleep nine times as long as it took (at least 50 us), since under a
 * debug kernel an mmap() or mprotect() is dear, and each costs the
 * fuzzing threads a TLB flush too.
 */
static void *race_main(void *arg)
{
	struct hz_race *race = arg;
	unsigned char *scratch = malloc(page_size);
	struct timespec pause;
	uint64_t start, ns;

	if (!scratch)
		return NULL;
	while (!__atomic_load_n(&race->fz->stop, __ATOMIC_RELAXED)) {
		start = now_ns();
		race_once(race, scratch);
		ns = 9 * (now_ns() - start);
		if (ns < 50000)
			ns = 50000;
		pause = (struct timespec){ ns / NSEC_PER_SEC,
					   ns % NSEC_PER_SEC };
		nanosleep(&pause, NULL);
	}
	free(scratch);
	return NULL;
}

int hz_race_start(struct fz *fz)
{
	int ret = -pthread_create(&fz->race->tid, NULL, race_main, fz->race);

	fz->race->started = !ret;
	return ret;
}

/* Join the racing thread; fz->stop is already set. */
void hz_race_stop(struct fz *fz)
{
	if (fz->race && fz->race->started)
		pthread_join(fz->race->tid, NULL);
}

uint64_t hz_race_actions(const struct fz *fz)
{
	return fz->race ? __atomic_load_n(&fz->race->actions,
					  __ATOMIC_RELAXED) : 0;
}
