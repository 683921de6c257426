/*
 * Concurrency of the anonymous-memory layer: faults from several host
 * threads (vm_copyout, vm_copyin, vm_fault_trap) on the same and on
 * different pages, racing a thread that maps, remaps (VM_MAP_FIXED),
 * protects, advises and unmaps, and a thread that forks and releases
 * (mixed_stress); zero-fill and copy-on-write faults of one page by every
 * thread at once, in rounds (same_page_races); threads forking one parent
 * at once (concurrent_forks); writers of one page racing forks, for lost
 * writes through stale translations (cow_vs_slot_writers); a child
 * faulting on an object its parent extends by mapping next to it
 * (fault_vs_coalesce).
 *
 * Checks: no crash, no deadlock (the ATF timeout), data integrity of the
 * pages nobody remaps (each worker writes its own pattern and reads it
 * back, and re-reads what it wrote before; concurrent COW faults on one
 * page must not lose a write), children see a consistent snapshot, and the
 * free page count is back to its boot value after the releases.
 *
 * The runtime is bounded by iteration counts (no timing assertions); the
 * program also runs under ThreadSanitizer.  Threads record the first
 * failure in a shared buffer; the test thread reports it after joining.
 */
#ifndef _GNU_SOURCE
#define	_GNU_SOURCE	/* pid_t in <atf-c.h>, pthread_barrier_t, SEGV_* */
#endif

#include <sys/types.h>

#include <atf-c.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvm.h>
#include <uma.h>

#define	PGSZ		((vm_offset_t)VM_PAGE_SIZE)
#define	WORDS		(VM_PAGE_SIZE / 8)
#define	RW		(VM_PROT_READ | VM_PROT_WRITE)

/* ---- boot, numbers, failures ---------------------------------------------- */

static uint64_t
free_count(void)
{
	uint64_t v = 0;
	size_t len = sizeof(v);
	int error;

	error = vm_sysctlbyname("vm.stats.vm.v_free_count", &v, &len, NULL, 0);
	ATF_REQUIRE_MSG(error == 0, "v_free_count: error %d", error);
	return (v);
}

static uint64_t boot_free;

static void
boot(void)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = 64u << 20;
	c.ncpu = 2;
	c.seed = 1;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	boot_free = free_count();
}

static void
finish(void)
{
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);	/* slabs of the VM zones */
	ATF_REQUIRE_MSG(free_count() == boot_free, "free pages %" PRIu64
	    " after the last release, %" PRIu64 " at boot (%+" PRId64 ")",
	    free_count(), boot_free, (int64_t)free_count() - (int64_t)boot_free);
	vm_shutdown();
}

static _Atomic bool failed;
static char failmsg[512];
static pthread_mutex_t failmtx = PTHREAD_MUTEX_INITIALIZER;

static void
fail(const char *fmt, ...) __attribute__((__format__(__printf__, 1, 2)));

static void
fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&failmtx);
	if (!atomic_load(&failed)) {
		va_start(ap, fmt);
		vsnprintf(failmsg, sizeof(failmsg), fmt, ap);
		va_end(ap);
		atomic_store(&failed, true);
	}
	pthread_mutex_unlock(&failmtx);
}

static void
reset_failures(void)
{
	atomic_store(&failed, false);
	failmsg[0] = '\0';
}

static void
require_no_failure(void)
{
	if (atomic_load(&failed))
		atf_tc_fail("%s", failmsg);
}

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static pthread_t
spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	ATF_REQUIRE_EQ(0, pthread_create(&t, NULL, fn, arg));
	return (t);
}

static vm_offset_t
map_anon(struct vmspace *vs, vm_size_t npages, int flags)
{
	vm_offset_t va = 0;
	int error;

	error = vm_mmap(vs, &va, npages * PGSZ, RW, VM_MAP_ANON | flags, -1, 0);
	ATF_REQUIRE_MSG(error == 0, "vm_mmap: error %d", error);
	return (va);
}

/* A page of words (tag << 40 | page << 20 | word) ^ salt. */
static void
fill(uint64_t *buf, uint64_t tag, unsigned pg)
{
	unsigned j;

	for (j = 0; j < WORDS; j++)
		buf[j] = (tag << 40) | ((uint64_t)pg << 20) | j;
}

/* First differing word, or -1. */
static int
pagecmp(const uint64_t *got, const uint64_t *want)
{
	unsigned j;

	for (j = 0; j < WORDS; j++)
		if (got[j] != want[j])
			return ((int)j);
	return (-1);
}

static bool
is_zero(const uint64_t *buf, size_t nwords)
{
	size_t j;

	for (j = 0; j < nwords; j++)
		if (buf[j] != 0)
			return (false);
	return (true);
}

/* ---- mixed stress ---------------------------------------------------------- */

#define	NWORKERS	4
#define	PER_THR		6		/* private pages per worker */
#define	NSAME		2		/* pages every worker writes a slot of */
#define	NSTABLE		4		/* written once, then only read */
#define	NZERO		4		/* never written; remapped FIXED */
#define	NCHAOS		16		/* mapped, unmapped, protected at will */
#define	NSHARED		2		/* MAP_SHARED: the forker's mailbox */
#define	SLOT		64		/* bytes of a worker's slot in a page */

#define	WORKER_ITERS	12000
#define	REMAP_ITERS	12000
#define	FORK_ITERS	1200

struct world {
	struct vmspace	*vs;
	vm_offset_t	own, same, stable, zero, chaos, shared;
	_Atomic int	workers_done;
};

struct worker {
	struct world	*w;
	int		id;
	uint64_t	last[PER_THR];	/* tag last written to each own page */
	uint64_t	slot_last[NSAME];
};

static uint64_t
stable_tag(void)
{
	return (0x5ab1e);
}

static bool
check_stable(struct vmspace *vs, const struct world *w, const char *who)
{
	uint64_t got[WORDS], want[WORDS];
	unsigned pg;
	int error, j;

	for (pg = 0; pg < NSTABLE; pg++) {
		error = vm_copyin(vs, w->stable + pg * PGSZ, got, sizeof(got));
		if (error != 0) {
			fail("%s: copyin of stable page %u: error %d", who, pg,
			    error);
			return (false);
		}
		fill(want, stable_tag(), pg);
		if ((j = pagecmp(got, want)) >= 0) {
			fail("%s: stable page %u word %d is %#" PRIx64
			    ", want %#" PRIx64, who, pg, j, got[j], want[j]);
			return (false);
		}
	}
	return (true);
}

static bool
check_zero_page(struct vmspace *vs, const struct world *w, unsigned pg,
    const char *who)
{
	uint64_t got[WORDS];
	int error, signo, ucode;

	memset(got, 0xee, sizeof(got));
	error = vm_copyin(vs, w->zero + pg * PGSZ, got, sizeof(got));
	if (error != 0) {
		fail("%s: copyin of zero page %u (always mapped): error %d",
		    who, pg, error);
		return (false);
	}
	if (!is_zero(got, WORDS)) {
		fail("%s: zero page %u is not zero", who, pg);
		return (false);
	}
	error = vm_fault_trap(vs, w->zero + pg * PGSZ + 8, VM_PROT_WRITE,
	    &signo, &ucode);
	if (error != 0) {
		fail("%s: write trap on zero page %u: error %d signo %d code %d",
		    who, pg, error, signo, ucode);
		return (false);
	}
	return (true);
}

/*
 * Touch the chaos region at random in band `band' of its pages: every
 * thread has its own bytes (PGSZ / 8 of each page), so that the test
 * itself has no data race (ThreadSanitizer) even on shared pages.
 */
static void
chaos_touch(struct vmspace *vs, const struct world *w, uint64_t *seed,
    int band, const char *who)
{
	uint64_t buf[4], r = rnd(seed);
	vm_offset_t va;
	int error, signo, ucode, acc;

	va = w->chaos + (r % NCHAOS) * PGSZ + (vm_offset_t)band * (PGSZ / 8) +
	    ((r >> 8) % (PGSZ / 8 / 32)) * 32;
	buf[0] = buf[1] = buf[2] = buf[3] = r;
	switch ((r >> 20) % 3) {
	case 0:
		error = vm_copyout(vs, buf, va, sizeof(buf));
		break;
	case 1:
		error = vm_copyin(vs, va, buf, sizeof(buf));
		break;
	default:
		acc = (r >> 24) & 1 ? VM_PROT_WRITE : VM_PROT_READ;
		signo = ucode = 0;
		error = vm_fault_trap(vs, va, acc, &signo, &ucode);
		if (error == EFAULT && (signo != SIGSEGV ||
		    (ucode != SEGV_MAPERR && ucode != SEGV_ACCERR)))
			fail("%s: trap on chaos %#jx: signo %d code %d", who,
			    (uintmax_t)va, signo, ucode);
		break;
	}
	if (error != 0 && error != EFAULT)
		fail("%s: access to chaos %#jx: error %d", who, (uintmax_t)va,
		    error);
}

static void *
worker_main(void *arg)
{
	struct worker *wk = arg;
	struct world *w = wk->w;
	uint64_t page[WORDS], want[WORDS], slot[SLOT / 8], seed;
	vm_offset_t va;
	unsigned it, pg, k, j;
	char who[32];
	int error, signo, ucode, d;

	snprintf(who, sizeof(who), "worker %d", wk->id);
	seed = 1000 + (uint64_t)wk->id;
	for (it = 1; it <= WORKER_ITERS && !atomic_load(&failed); it++) {
		/* Re-read every own page: nothing lost, nothing foreign. */
		if (it % 16 == 0)
			for (pg = 0; pg < PER_THR; pg++) {
				if (wk->last[pg] == 0)
					continue;
				va = w->own + ((unsigned)wk->id * PER_THR + pg) *
				    PGSZ;
				error = vm_copyin(w->vs, va, page, sizeof(page));
				fill(want, wk->last[pg], pg);
				if (error != 0 || (d = pagecmp(page, want)) >= 0) {
					fail("%s: own page %u (iter %u): error %d"
					    " or word differs", who, pg, it, error);
					return (NULL);
				}
			}

		/* Write an own page and read it back. */
		pg = it % PER_THR;
		va = w->own + ((unsigned)wk->id * PER_THR + pg) * PGSZ;
		wk->last[pg] = ((uint64_t)wk->id << 16) | it;
		fill(want, wk->last[pg], pg);
		error = vm_copyout(w->vs, want, va, sizeof(want));
		if (error != 0) {
			fail("%s: copyout to own page %u: error %d", who, pg,
			    error);
			return (NULL);
		}
		memset(page, 0, sizeof(page));
		error = vm_copyin(w->vs, va, page, sizeof(page));
		if (error != 0 || (d = pagecmp(page, want)) >= 0) {
			fail("%s: own page %u read back after write (iter %u): "
			    "error %d, word %d is %#" PRIx64 " want %#" PRIx64,
			    who, pg, it, error, error ? -1 : d,
			    error ? 0 : page[d], error ? 0 : want[d]);
			return (NULL);
		}
		error = vm_fault_trap(w->vs, va + (it % WORDS) * 8,
		    it & 1 ? VM_PROT_WRITE : VM_PROT_READ, &signo, &ucode);
		if (error != 0) {
			fail("%s: trap on own page %u: error %d", who, pg, error);
			return (NULL);
		}

		/* My slot in the pages every worker writes. */
		k = it % NSAME;
		for (j = 0; j < SLOT / 8; j++)
			slot[j] = ((uint64_t)wk->id << 48) | ((uint64_t)it << 8) | j;
		va = w->same + k * PGSZ + (vm_offset_t)wk->id * SLOT;
		error = vm_copyout(w->vs, slot, va, sizeof(slot));
		if (error != 0) {
			fail("%s: copyout to same page %u: error %d", who, k,
			    error);
			return (NULL);
		}
		wk->slot_last[k] = it;
		for (k = 0; k < NSAME; k++) {
			if (wk->slot_last[k] == 0)
				continue;
			va = w->same + k * PGSZ + (vm_offset_t)wk->id * SLOT;
			error = vm_copyin(w->vs, va, slot, sizeof(slot));
			for (j = 0; error == 0 && j < SLOT / 8; j++)
				if (slot[j] != (((uint64_t)wk->id << 48) |
				    (wk->slot_last[k] << 8) | j))
					break;
			if (error != 0 || j < SLOT / 8) {
				fail("%s: slot in same page %u (iter %u): error"
				    " %d, word %u is %#" PRIx64 " want %#"
				    PRIx64, who, k, it, error, j,
				    error ? 0 : slot[j],
				    ((uint64_t)wk->id << 48) |
				    (wk->slot_last[k] << 8) | j);
				return (NULL);
			}
		}

		/* Zero pages, stable pages, and the chaos region. */
		if (!check_zero_page(w->vs, w, (unsigned)(rnd(&seed) % NZERO),
		    who))
			return (NULL);
		if (it % 8 == 0 && !check_stable(w->vs, w, who))
			return (NULL);
		chaos_touch(w->vs, w, &seed, wk->id, who);
		chaos_touch(w->vs, w, &seed, wk->id, who);
	}
	atomic_fetch_add(&w->workers_done, 1);
	return (NULL);
}

static void *
remapper_main(void *arg)
{
	struct world *w = arg;
	uint64_t seed = 77, r, buf[8];
	vm_offset_t va;
	vm_size_t len;
	unsigned it, a, b;
	int error, op;
	static const int prots[] = { VM_PROT_NONE, VM_PROT_READ, RW };
	static const int advs[] = { VM_MADV_DONTNEED, VM_MADV_FREE,
	    VM_MADV_WILLNEED, VM_MADV_NORMAL, VM_MADV_RANDOM,
	    VM_MADV_SEQUENTIAL };

	for (it = 0; it < REMAP_ITERS && !atomic_load(&failed); it++) {
		r = rnd(&seed);
		a = (unsigned)(r % NCHAOS);
		b = a + 1 + (unsigned)((r >> 8) % (NCHAOS - a));
		va = w->chaos + a * PGSZ;
		len = (b - a) * PGSZ;
		op = (int)((r >> 16) % 8);
		switch (op) {
		case 0:
		case 1:
			error = vm_mmap(w->vs, &va, len, RW, VM_MAP_ANON |
			    VM_MAP_FIXED | (op ? VM_MAP_SHARED :
			    VM_MAP_PRIVATE), -1, 0);
			if (error == 0 && va != w->chaos + a * PGSZ)
				fail("remapper: fixed mmap at %#jx returned "
				    "%#jx", (uintmax_t)(w->chaos + a * PGSZ),
				    (uintmax_t)va);
			break;
		case 2:
			error = vm_munmap(w->vs, va, len);
			break;
		case 3:
			error = vm_mprotect(w->vs, va, len,
			    prots[(r >> 24) % 3]);
			break;
		case 4:
			error = vm_madvise(w->vs, va, len,
			    advs[(r >> 24) % 6]);
			break;
		case 5:
			/* Replace the zero pages: readers never see a hole. */
			va = w->zero;
			error = vm_mmap(w->vs, &va, NZERO * PGSZ, RW,
			    VM_MAP_ANON | VM_MAP_PRIVATE | VM_MAP_FIXED, -1, 0);
			if (error == 0 && va != w->zero)
				fail("remapper: fixed mmap of the zero pages "
				    "moved them to %#jx", (uintmax_t)va);
			break;
		case 6:
			error = vm_madvise(w->vs, w->zero, NZERO * PGSZ,
			    (r >> 24) & 1 ? VM_MADV_FREE : VM_MADV_DONTNEED);
			break;
		default:
			/* A mapping elsewhere, written, read and unmapped. */
			va = 0;
			len = (1 + (r >> 24) % 4) * PGSZ;
			error = vm_mmap(w->vs, &va, len, RW, VM_MAP_ANON |
			    VM_MAP_PRIVATE, -1, 0);
			if (error != 0)
				break;
			memset(buf, 0x3c, sizeof(buf));
			error = vm_copyout(w->vs, buf, va + len - sizeof(buf),
			    sizeof(buf));
			if (error == 0)
				error = vm_copyin(w->vs, va, buf, sizeof(buf));
			if (error == 0 && !is_zero(buf, 8))
				fail("remapper: a new mapping is not zero");
			if (error == 0)
				error = vm_munmap(w->vs, va, len);
			break;
		}
		if (error != 0)
			fail("remapper: op %d on [%u, %u): error %d", op, a, b,
			    error);
	}
	return (NULL);
}

static void *
forker_main(void *arg)
{
	struct world *w = arg;
	struct vmspace *c, *g;
	uint64_t page[WORDS], want[WORDS], seed = 99, box, got;
	unsigned it, pg;
	int error;

	for (it = 1; it <= FORK_ITERS && !atomic_load(&failed); it++) {
		c = NULL;
		error = vmspace_fork(w->vs, &c);
		if (error != 0) {
			fail("forker: vmspace_fork: error %d", error);
			return (NULL);
		}
		/* The child: a snapshot of the stable and zero pages. */
		if (!check_stable(c, w, "child") ||
		    !check_zero_page(c, w, it % NZERO, "child"))
			goto out;
		/* The child's own pages: whatever the workers had, readable. */
		pg = (unsigned)(rnd(&seed) % (NWORKERS * PER_THR));
		error = vm_copyin(c, w->own + pg * PGSZ, page, sizeof(page));
		if (error != 0) {
			fail("forker: child copyin of own page %u: error %d", pg,
			    error);
			goto out;
		}
		/* Its writes stay its own (the workers would notice). */
		fill(want, 0xc41d00000ULL + it, pg);
		error = vm_copyout(c, want, w->own + pg * PGSZ, sizeof(want));
		if (error == 0)
			error = vm_copyout(c, want, w->same, 8);
		if (error == 0)
			error = vm_copyin(c, w->own + pg * PGSZ, page,
			    sizeof(page));
		if (error != 0 || pagecmp(page, want) >= 0) {
			fail("forker: child's write of page %u not read back "
			    "(error %d)", pg, error);
			goto out;
		}
		chaos_touch(c, w, &seed, NWORKERS, "child");
		/* The shared mailbox: the child's write is the parent's. */
		box = ((uint64_t)it << 32) | 0xb0c5;
		error = vm_copyout(c, &box, w->shared + (it % NSHARED) * PGSZ,
		    sizeof(box));
		got = 0;
		if (error == 0)
			error = vm_copyin(w->vs, w->shared + (it % NSHARED) *
			    PGSZ, &got, sizeof(got));
		if (error != 0 || got != box) {
			fail("forker: shared mailbox: error %d, parent sees %#"
			    PRIx64 ", child wrote %#" PRIx64, error, got, box);
			goto out;
		}
		/* Sometimes a grandchild, released before or after the child. */
		if (it % 4 == 0) {
			g = NULL;
			error = vmspace_fork(c, &g);
			if (error != 0) {
				fail("forker: fork of the child: error %d",
				    error);
				goto out;
			}
			error = vm_copyin(g, w->own + pg * PGSZ, page,
			    sizeof(page));
			if (error != 0 || pagecmp(page, want) >= 0) {
				fail("forker: grandchild does not see the "
				    "child's page %u (error %d)", pg, error);
				vmspace_release(g);
				goto out;
			}
			if (it % 8 == 0) {
				vmspace_release(c);
				c = NULL;
				check_stable(g, w, "grandchild");
			}
			vmspace_release(g);
		}
out:
		if (c != NULL)
			vmspace_release(c);
	}
	return (NULL);
}

ATF_TC(mixed_stress);
ATF_TC_HEAD(mixed_stress, tc)
{
	atf_tc_set_md_var(tc, "timeout", "300");
}
ATF_TC_BODY(mixed_stress, tc)
{
	struct world w;
	struct worker wk[NWORKERS];
	pthread_t tw[NWORKERS], tr, tf;
	uint64_t page[WORDS], want[WORDS];
	unsigned pg;
	int i;

	boot();
	reset_failures();
	memset(&w, 0, sizeof(w));
	ATF_REQUIRE_EQ(0, vmspace_create(&w.vs));
	w.own = map_anon(w.vs, NWORKERS * PER_THR, VM_MAP_PRIVATE);
	w.same = map_anon(w.vs, NSAME, VM_MAP_PRIVATE);
	w.stable = map_anon(w.vs, NSTABLE, VM_MAP_PRIVATE);
	w.zero = map_anon(w.vs, NZERO, VM_MAP_PRIVATE);
	w.chaos = map_anon(w.vs, NCHAOS, VM_MAP_PRIVATE);
	w.shared = map_anon(w.vs, NSHARED, VM_MAP_SHARED);
	for (pg = 0; pg < NSTABLE; pg++) {
		fill(want, stable_tag(), pg);
		ATF_REQUIRE_EQ(0, vm_copyout(w.vs, want, w.stable + pg * PGSZ,
		    sizeof(want)));
	}

	for (i = 0; i < NWORKERS; i++) {
		memset(&wk[i], 0, sizeof(wk[i]));
		wk[i].w = &w;
		wk[i].id = i;
		tw[i] = spawn(worker_main, &wk[i]);
	}
	tr = spawn(remapper_main, &w);
	tf = spawn(forker_main, &w);
	for (i = 0; i < NWORKERS; i++)
		ATF_REQUIRE_EQ(0, pthread_join(tw[i], NULL));
	ATF_REQUIRE_EQ(0, pthread_join(tr, NULL));
	ATF_REQUIRE_EQ(0, pthread_join(tf, NULL));
	require_no_failure();
	ATF_REQUIRE_EQ(NWORKERS, atomic_load(&w.workers_done));

	/* The final state of every worker's pages and slots. */
	for (i = 0; i < NWORKERS; i++)
		for (pg = 0; pg < PER_THR; pg++) {
			ATF_REQUIRE_EQ(0, vm_copyin(w.vs, w.own +
			    ((unsigned)i * PER_THR + pg) * PGSZ, page,
			    sizeof(page)));
			fill(want, wk[i].last[pg], pg);
			ATF_REQUIRE_MSG(pagecmp(page, want) < 0,
			    "worker %d page %u after the run", i, pg);
		}
	ATF_REQUIRE(check_stable(w.vs, &w, "test thread"));
	require_no_failure();
	vmspace_release(w.vs);
	finish();
}

/* ---- concurrent faults on the same page, in rounds ------------------------- */

#define	NRACERS		4
#define	RACE_PAGES	4
#define	RACE_ROUNDS	2000

struct race {
	struct vmspace		*vs;
	vm_offset_t		base;
	pthread_barrier_t	bar;
};

struct racer {
	struct race	*r;
	int		id;
};

static uint64_t
race_val(int id, unsigned round, unsigned phase)
{
	return (((uint64_t)(id + 1) << 48) | ((uint64_t)round << 8) | phase);
}

/*
 * Each round: the test thread maps the pages afresh (FIXED); every racer
 * writes its slot in every page (racing zero-fill faults); the test thread
 * checks and forks a child; every racer writes its slot again (racing COW
 * faults of the same pages); the test thread checks parent and child.
 */
static void *
racer_main(void *arg)
{
	struct racer *rc = arg;
	struct race *r = rc->r;
	uint64_t v;
	unsigned round, pg, phase;
	int error, signo, ucode;

	for (round = 0; round < RACE_ROUNDS; round++) {
		for (phase = 0; phase < 2; phase++) {
			pthread_barrier_wait(&r->bar);	/* go */
			for (pg = 0; pg < RACE_PAGES; pg++) {
				v = race_val(rc->id, round, phase);
				if ((round + (unsigned)rc->id) % 3 == 0) {
					/* A bare write fault first. */
					error = vm_fault_trap(r->vs, r->base +
					    pg * PGSZ, VM_PROT_WRITE, &signo,
					    &ucode);
					if (error != 0)
						fail("racer %d: write trap: "
						    "error %d", rc->id, error);
				}
				error = vm_copyout(r->vs, &v, r->base +
				    pg * PGSZ + (vm_offset_t)rc->id * 64,
				    sizeof(v));
				if (error != 0)
					fail("racer %d: copyout round %u page"
					    " %u: error %d", rc->id, round, pg,
					    error);
			}
			pthread_barrier_wait(&r->bar);	/* done */
		}
	}
	return (NULL);
}

static void
race_check(struct vmspace *vs, vm_offset_t base, unsigned round,
    unsigned phase, const char *who)
{
	uint64_t v;
	unsigned pg;
	int id;

	for (pg = 0; pg < RACE_PAGES; pg++)
		for (id = 0; id < NRACERS; id++) {
			v = 0;
			ATF_REQUIRE_EQ(0, vm_copyin(vs, base + pg * PGSZ +
			    (vm_offset_t)id * 64, &v, sizeof(v)));
			ATF_REQUIRE_MSG(v == race_val(id, round, phase),
			    "%s: round %u phase %u page %u: racer %d's slot "
			    "holds %#" PRIx64 ", want %#" PRIx64 " (a lost "
			    "write)", who, round, phase, pg, id, v,
			    race_val(id, round, phase));
		}
}

ATF_TC(same_page_races);
ATF_TC_HEAD(same_page_races, tc)
{
	atf_tc_set_md_var(tc, "timeout", "300");
}
ATF_TC_BODY(same_page_races, tc)
{
	struct race r;
	struct racer rc[NRACERS];
	struct vmspace *child;
	pthread_t t[NRACERS];
	vm_offset_t va;
	unsigned round;
	int i;

	boot();
	reset_failures();
	ATF_REQUIRE_EQ(0, vmspace_create(&r.vs));
	r.base = map_anon(r.vs, RACE_PAGES, VM_MAP_PRIVATE);
	ATF_REQUIRE_EQ(0, pthread_barrier_init(&r.bar, NULL, NRACERS + 1));
	for (i = 0; i < NRACERS; i++) {
		rc[i].r = &r;
		rc[i].id = i;
		t[i] = spawn(racer_main, &rc[i]);
	}
	for (round = 0; round < RACE_ROUNDS; round++) {
		va = r.base;
		ATF_REQUIRE_EQ(0, vm_mmap(r.vs, &va, RACE_PAGES * PGSZ, RW,
		    VM_MAP_ANON | VM_MAP_FIXED | (round % 2 ? VM_MAP_SHARED :
		    VM_MAP_PRIVATE), -1, 0));
		ATF_REQUIRE_EQ(r.base, va);
		pthread_barrier_wait(&r.bar);	/* phase 0: zero-fill */
		pthread_barrier_wait(&r.bar);
		require_no_failure();
		race_check(r.vs, r.base, round, 0, "after the zero-fill race");
		/*
		 * Private rounds: the racers' writes copy on write and the
		 * child keeps phase 0.  Shared rounds: the child shares.
		 */
		ATF_REQUIRE_EQ(0, vmspace_fork(r.vs, &child));
		pthread_barrier_wait(&r.bar);	/* phase 1: COW */
		pthread_barrier_wait(&r.bar);
		require_no_failure();
		race_check(r.vs, r.base, round, 1, "parent after the COW race");
		race_check(child, r.base, round, round % 2 ? 1 : 0,
		    round % 2 ? "child sharing the pages" :
		    "child after the parent's COW race");
		vmspace_release(child);
	}
	for (i = 0; i < NRACERS; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
	pthread_barrier_destroy(&r.bar);
	require_no_failure();
	vmspace_release(r.vs);
	finish();
}

/* ---- many children of one parent at once ----------------------------------- */

#define	NFORKERS	4
#define	PAR_ITERS	1500
#define	PAR_PRIV	4

struct par {
	struct vmspace	*parent;
	vm_offset_t	priv, shr;
};

struct parthr {
	struct par	*p;
	int		id;
	uint64_t	last;
};

/*
 * Threads fork the same parent at once; each child writes its private
 * pages (COW of the parent's) and its slot of the parent's MAP_SHARED page,
 * reads both back, sometimes forks again, and is released.
 */
static void *
parthr_main(void *arg)
{
	struct parthr *pt = arg;
	struct par *p = pt->p;
	struct vmspace *c, *g;
	uint64_t v, got, want0;
	unsigned it, pg;
	int error;

	for (it = 1; it <= PAR_ITERS && !atomic_load(&failed); it++) {
		c = NULL;
		error = vmspace_fork(p->parent, &c);
		if (error != 0) {
			fail("thread %d: fork: error %d", pt->id, error);
			return (NULL);
		}
		pg = (it + (unsigned)pt->id) % PAR_PRIV;
		want0 = 0x9a9e0000ULL + pg;
		got = 0;
		error = vm_copyin(c, p->priv + pg * PGSZ, &got, sizeof(got));
		if (error != 0 || got != want0)
			fail("thread %d: child reads the parent's page %u: "
			    "%#" PRIx64 " error %d", pt->id, pg, got, error);
		v = ((uint64_t)pt->id << 32) | it;
		error = vm_copyout(c, &v, p->priv + pg * PGSZ, sizeof(v));
		if (error == 0)
			error = vm_copyout(c, &v, p->shr +
			    (vm_offset_t)pt->id * 8, sizeof(v));
		if (error == 0)
			error = vm_copyin(c, p->priv + pg * PGSZ, &got,
			    sizeof(got));
		if (error != 0 || got != v)
			fail("thread %d: child's private page %u: %#" PRIx64
			    " error %d", pt->id, pg, got, error);
		pt->last = v;
		if (it % 5 == 0) {
			g = NULL;
			error = vmspace_fork(c, &g);
			if (error != 0)
				fail("thread %d: fork of the child: error %d",
				    pt->id, error);
			else {
				got = 0;
				error = vm_copyin(g, p->priv + pg * PGSZ, &got,
				    sizeof(got));
				if (error != 0 || got != v)
					fail("thread %d: grandchild's page: "
					    "%#" PRIx64, pt->id, got);
				vmspace_release(c);
				c = g;
			}
		}
		got = 0;
		error = vm_copyin(p->parent, p->shr + (vm_offset_t)pt->id * 8,
		    &got, sizeof(got));
		if (error != 0 || got != v)
			fail("thread %d: the parent does not see the shared "
			    "write: %#" PRIx64 " error %d", pt->id, got, error);
		vmspace_release(c);
	}
	return (NULL);
}

ATF_TC(concurrent_forks);
ATF_TC_HEAD(concurrent_forks, tc)
{
	atf_tc_set_md_var(tc, "timeout", "300");
}
ATF_TC_BODY(concurrent_forks, tc)
{
	struct par p;
	struct parthr pt[NFORKERS];
	pthread_t t[NFORKERS];
	uint64_t v;
	unsigned pg;
	int i;

	boot();
	reset_failures();
	ATF_REQUIRE_EQ(0, vmspace_create(&p.parent));
	p.priv = map_anon(p.parent, PAR_PRIV, VM_MAP_PRIVATE);
	p.shr = map_anon(p.parent, 1, VM_MAP_SHARED);
	for (pg = 0; pg < PAR_PRIV; pg++) {
		v = 0x9a9e0000ULL + pg;
		ATF_REQUIRE_EQ(0, vm_copyout(p.parent, &v, p.priv + pg * PGSZ,
		    sizeof(v)));
	}
	for (i = 0; i < NFORKERS; i++) {
		pt[i].p = &p;
		pt[i].id = i;
		pt[i].last = 0;
		t[i] = spawn(parthr_main, &pt[i]);
	}
	for (i = 0; i < NFORKERS; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
	require_no_failure();
	for (pg = 0; pg < PAR_PRIV; pg++) {
		ATF_REQUIRE_EQ(0, vm_copyin(p.parent, p.priv + pg * PGSZ, &v,
		    sizeof(v)));
		ATF_REQUIRE_EQ_MSG(0x9a9e0000ULL + pg, v,
		    "the parent's private page %u changed", pg);
	}
	for (i = 0; i < NFORKERS; i++) {
		ATF_REQUIRE_EQ(0, vm_copyin(p.parent, p.shr +
		    (vm_offset_t)i * 8, &v, sizeof(v)));
		ATF_REQUIRE_EQ(pt[i].last, v);
	}
	vmspace_release(p.parent);
	finish();
}

/* ---- forks racing writers of one page ----------------------------------------- */

#define	NSLOTW		4
#define	SLOTW_ITERS	20000
#define	SLOTW_FORKS	2000

struct slotw {
	struct vmspace	*vs;
	vm_offset_t	page;
	_Atomic int	done;
};

struct slotwt {
	struct slotw	*s;
	int		id;
};

/*
 * Every writer stores into its own slot of the same page and reads it back
 * while another thread forks (write-protecting the page) and releases: the
 * next write copies the page, and a store that was still in flight through
 * an old translation must not land in the page left behind (a lost write).
 */
static void *
slotw_main(void *arg)
{
	struct slotwt *t = arg;
	struct slotw *s = t->s;
	uint64_t v, got;
	unsigned it;
	int error;

	for (it = 1; it <= SLOTW_ITERS && !atomic_load(&failed); it++) {
		v = ((uint64_t)(t->id + 1) << 32) | it;
		error = vm_copyout(s->vs, &v, s->page + (vm_offset_t)t->id * 64,
		    sizeof(v));
		got = 0;
		if (error == 0)
			error = vm_copyin(s->vs, s->page +
			    (vm_offset_t)t->id * 64, &got, sizeof(got));
		if (error != 0 || got != v) {
			fail("writer %d iter %u: wrote %#" PRIx64 ", read %#"
			    PRIx64 " back (error %d): a lost write", t->id, it,
			    v, got, error);
			break;
		}
	}
	atomic_fetch_add(&s->done, 1);
	return (NULL);
}

static void *
slotw_forker(void *arg)
{
	struct slotw *s = arg;
	struct vmspace *c;
	unsigned it;
	uint64_t v;

	for (it = 0; it < SLOTW_FORKS && atomic_load(&s->done) < NSLOTW &&
	    !atomic_load(&failed); it++) {
		c = NULL;
		if (vmspace_fork(s->vs, &c) != 0) {
			fail("slot forker: vmspace_fork failed");
			break;
		}
		/* The child writes too: the page is copied on both sides. */
		v = it;
		if (it % 2 && vm_copyout(c, &v, s->page + NSLOTW * 64,
		    sizeof(v)) != 0)
			fail("slot forker: child's copyout failed");
		vmspace_release(c);
	}
	return (NULL);
}

ATF_TC(cow_vs_slot_writers);
ATF_TC_HEAD(cow_vs_slot_writers, tc)
{
	atf_tc_set_md_var(tc, "timeout", "300");
}
ATF_TC_BODY(cow_vs_slot_writers, tc)
{
	struct slotw s;
	struct slotwt t[NSLOTW];
	pthread_t th[NSLOTW], tf;
	int i;

	boot();
	reset_failures();
	memset(&s, 0, sizeof(s));
	ATF_REQUIRE_EQ(0, vmspace_create(&s.vs));
	s.page = map_anon(s.vs, 1, VM_MAP_PRIVATE);
	for (i = 0; i < NSLOTW; i++) {
		t[i].s = &s;
		t[i].id = i;
		th[i] = spawn(slotw_main, &t[i]);
	}
	tf = spawn(slotw_forker, &s);
	for (i = 0; i < NSLOTW; i++)
		ATF_REQUIRE_EQ(0, pthread_join(th[i], NULL));
	ATF_REQUIRE_EQ(0, pthread_join(tf, NULL));
	require_no_failure();
	vmspace_release(s.vs);
	finish();
}

/* ---- faults against mappings changing in another address space ----------- */

#define	COAL_ITERS	100000

struct coal {
	struct vmspace	*parent, *child;
	vm_offset_t	va;
};

/*
 * The parent maps and unmaps private memory right after a region whose
 * object it shares with its child (INHERIT_SHARE), so the new mappings may
 * extend that object (vm_object_coalesce); the child keeps faulting on the
 * region meanwhile.  Run under ThreadSanitizer, this is where an unlocked
 * read of the object's size would show.
 */
static void *
coal_mapper(void *arg)
{
	struct coal *c = arg;
	vm_offset_t va;
	uint64_t v;
	unsigned it;
	int error;

	for (it = 0; it < COAL_ITERS && !atomic_load(&failed); it++) {
		va = c->va + PGSZ;
		error = vm_mmap(c->parent, &va, PGSZ, RW, VM_MAP_ANON |
		    VM_MAP_PRIVATE | VM_MAP_FIXED, -1, 0);
		if (error != 0) {
			fail("coalesce mapper: mmap: error %d", error);
			break;
		}
		if (it % 64 == 0) {
			/* Now and then: the extension starts out zero. */
			v = 0;
			error = vm_copyin(c->parent, va, &v, sizeof(v));
			if (error != 0 || v != 0)
				fail("coalesce mapper: the new mapping reads %#"
				    PRIx64 " (error %d), not zero", v, error);
			v = it;
			(void)vm_copyout(c->parent, &v, va, sizeof(v));
		}
		error = vm_munmap(c->parent, va, PGSZ);
		if (error != 0)
			fail("coalesce mapper: munmap: error %d", error);
	}
	return (NULL);
}

ATF_TC(fault_vs_coalesce);
ATF_TC_HEAD(fault_vs_coalesce, tc)
{
	atf_tc_set_md_var(tc, "timeout", "300");
}
ATF_TC_BODY(fault_vs_coalesce, tc)
{
	struct coal c;
	pthread_t t;
	uint64_t v;
	unsigned it;
	int error, signo, ucode;

	boot();
	reset_failures();
	ATF_REQUIRE_EQ(0, vmspace_create(&c.parent));
	c.va = map_anon(c.parent, 3, VM_MAP_PRIVATE);
	ATF_REQUIRE_EQ(0, vm_munmap(c.parent, c.va + PGSZ, 2 * PGSZ));
	ATF_REQUIRE_EQ(0, vm_minherit(c.parent, c.va, PGSZ, VM_INHERIT_SHARE));
	ATF_REQUIRE_EQ(0, vmspace_fork(c.parent, &c.child));
	t = spawn(coal_mapper, &c);
	for (it = 0; it < COAL_ITERS && !atomic_load(&failed); it++) {
		/* Drop the child's translation so that every access faults. */
		ATF_REQUIRE_EQ(0, vm_mprotect(c.child, c.va, PGSZ,
		    VM_PROT_NONE));
		ATF_REQUIRE_EQ(0, vm_mprotect(c.child, c.va, PGSZ, RW));
		error = vm_fault_trap(c.child, c.va, it % 2 ? VM_PROT_WRITE :
		    VM_PROT_READ, &signo, &ucode);
		ATF_REQUIRE_MSG(error == 0, "child fault: error %d", error);
		v = it;
		ATF_REQUIRE_EQ(0, vm_copyout(c.child, &v, c.va + 64, sizeof(v)));
	}
	ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
	require_no_failure();
	/* The shared page is the child's write, seen by the parent. */
	v = 0;
	ATF_REQUIRE_EQ(0, vm_copyin(c.parent, c.va + 64, &v, sizeof(v)));
	ATF_REQUIRE_EQ((uint64_t)(COAL_ITERS - 1), v);
	vmspace_release(c.child);
	vmspace_release(c.parent);
	finish();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, mixed_stress);
	ATF_TP_ADD_TC(tp, same_page_races);
	ATF_TP_ADD_TC(tp, concurrent_forks);
	ATF_TP_ADD_TC(tp, cow_vs_slot_writers);
	ATF_TP_ADD_TC(tp, fault_vs_coalesce);
	return (atf_no_error());
}
