/*
 * Acceptance tests of vmspace_fork for anonymous memory: copy-on-write
 * isolation in both directions (whole-page and partial writes, write
 * faults without data, pages never touched before the fork), pages only
 * read after the fork staying shared, three generations released in every
 * order and a long chain of them, the inheritance modes, the parent
 * released before the child, mprotect and munmap after a fork, madvise
 * after copy-on-write (DONTNEED keeps, FREE keeps or zeroes, never
 * uncovers the pre-fork page), the fork/exit cycle (no shadow-chain or
 * page leak: the parent's object, its procstat record and the free page
 * count come back to where they were), and the fork and fault counters.
 *
 * Everything goes through the public API (<libvm.h>).  Each case boots a
 * 64 MiB, two-CPU machine, takes the free page count before creating any
 * address space and requires it back after the last vmspace_release.
 *
 * Page contents: every page written by these tests holds 512 words
 * (tag << 32 | page << 16 | word), so a mismatch names the tag that was
 * found ("page 3 holds tag 0x2 word 0, want tag 0x5").
 */
#ifndef _GNU_SOURCE
#define	_GNU_SOURCE	/* pid_t in <atf-c.h>, SEGV_* in <signal.h> */
#endif

#include <sys/types.h>

#include <atf-c.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvm.h>
#include <uma.h>
#include "vt_uma.h"

#define	PGSZ		((vm_offset_t)VM_PAGE_SIZE)
#define	WORDS		(VM_PAGE_SIZE / 8)
#define	RW		(VM_PROT_READ | VM_PROT_WRITE)
#define	ANON_PRIVATE	(VM_MAP_ANON | VM_MAP_PRIVATE)
#define	ANON_SHARED	(VM_MAP_ANON | VM_MAP_SHARED)
#define	TAG_ZERO	0u	/* a zero-filled page: every word 0 */

/* ---- boot and numbers --------------------------------------------------- */

static uint64_t boot_free;

static uint64_t
sysctl_u64(const char *name)
{
	uint64_t v = 0;
	size_t len = sizeof(v);
	int error;

	error = vm_sysctlbyname(name, &v, &len, NULL, 0);
	ATF_REQUIRE_MSG(error == 0, "sysctl %s: error %d", name, error);
	ATF_REQUIRE_EQ(len, sizeof(v));
	return (v);
}

static uint64_t
vmstat(const char *leaf)
{
	char name[128];

	snprintf(name, sizeof(name), "vm.stats.vm.%s", leaf);
	return (sysctl_u64(name));
}

static uint64_t
free_count(void)
{
	/* UMA's slabs count as free: zones cache them after their items
	   (radix nodes, pv chunks, pmaps) go (vt_uma.h). */
	return (vmstat("v_free_count") + vt_uma_pages());
}

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

/* All address spaces released: every page is back. */
static void
finish(void)
{
	uint64_t f;

	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);	/* slabs of the VM zones */
	f = free_count();

	ATF_REQUIRE_MSG(f == boot_free,
	    "free pages %" PRIu64 " after the last release, %" PRIu64
	    " at boot (%+" PRId64 ")", f, boot_free,
	    (int64_t)f - (int64_t)boot_free);
	vm_shutdown();
}

/* ---- address spaces and contents ---------------------------------------- */

static struct vmspace *
vs_create(void)
{
	struct vmspace *vs = NULL;

	ATF_REQUIRE_EQ(0, vmspace_create(&vs));
	ATF_REQUIRE(vs != NULL);
	return (vs);
}

static struct vmspace *
vs_fork(struct vmspace *parent)
{
	struct vmspace *child = NULL;
	int error;

	error = vmspace_fork(parent, &child);
	ATF_REQUIRE_MSG(error == 0, "vmspace_fork: error %d", error);
	ATF_REQUIRE(child != NULL && child != parent);
	return (child);
}

static vm_offset_t
map_anon(struct vmspace *vs, vm_size_t npages, int flags)
{
	vm_offset_t va = 0;
	int error;

	error = vm_mmap(vs, &va, npages * PGSZ, RW, flags, -1, 0);
	ATF_REQUIRE_MSG(error == 0, "vm_mmap of %ju pages: error %d",
	    (uintmax_t)npages, error);
	ATF_REQUIRE(va != 0 && va != VM_MAP_FAILED);
	ATF_REQUIRE_EQ(0, va % PGSZ);
	return (va);
}

static void
fill(uint64_t *buf, unsigned tag, unsigned pg)
{
	unsigned j;

	for (j = 0; j < WORDS; j++)
		buf[j] = tag == TAG_ZERO ? 0 :
		    ((uint64_t)tag << 32) | ((uint64_t)(pg & 0xffff) << 16) | j;
}

/* Write the whole page pg of the region at base with tag. */
static void
wpage(struct vmspace *vs, vm_offset_t base, unsigned pg, unsigned tag)
{
	uint64_t buf[WORDS];
	int error;

	fill(buf, tag, pg);
	error = vm_copyout(vs, buf, base + pg * PGSZ, sizeof(buf));
	ATF_REQUIRE_MSG(error == 0, "copyout to page %u: error %d", pg, error);
}

/* Whether page pg holds tag; describes the first difference in why. */
static bool
page_is(struct vmspace *vs, vm_offset_t base, unsigned pg, unsigned tag,
    char *why, size_t whylen)
{
	uint64_t got[WORDS], want[WORDS];
	unsigned j;
	int error;

	memset(got, 0xa5, sizeof(got));
	error = vm_copyin(vs, base + pg * PGSZ, got, sizeof(got));
	if (error != 0) {
		snprintf(why, whylen, "copyin of page %u: error %d", pg, error);
		return (false);
	}
	fill(want, tag, pg);
	for (j = 0; j < WORDS; j++)
		if (got[j] != want[j]) {
			snprintf(why, whylen, "page %u word %u is %#" PRIx64
			    " (tag %#" PRIx64 "), want tag %#x", pg, j, got[j],
			    got[j] >> 32, tag);
			return (false);
		}
	return (true);
}

#define	REQUIRE_PAGE(vs, base, pg, tag, who) do {			\
	char _why[160];							\
									\
	ATF_REQUIRE_MSG(page_is((vs), (base), (pg), (tag), _why,	\
	    sizeof(_why)), "%s: %s", (who), _why);			\
} while (0)

/* Require the view tags[0..n-1] of the n pages at base. */
static void
require_view(struct vmspace *vs, vm_offset_t base, const unsigned *tags,
    unsigned n, const char *who)
{
	unsigned pg;

	for (pg = 0; pg < n; pg++)
		REQUIRE_PAGE(vs, base, pg, tags[pg], who);
}

/* Every procstat record (malloc'd, *np of them). */
static struct vm_kinfo_vmentry *
entries(struct vmspace *vs, size_t *np)
{
	struct vm_kinfo_vmentry *buf;
	size_t n = 0, cap;
	int error;

	ATF_REQUIRE_EQ(0, vm_procstat(vs, NULL, &n));
	cap = n + 4;
	buf = calloc(cap, sizeof(*buf));
	ATF_REQUIRE(buf != NULL);
	n = cap;
	error = vm_procstat(vs, buf, &n);
	ATF_REQUIRE_MSG(error == 0, "vm_procstat: error %d", error);
	ATF_REQUIRE(n <= cap);
	*np = n;
	return (buf);
}

static size_t
nentries(struct vmspace *vs)
{
	size_t n = 0;

	ATF_REQUIRE_EQ(0, vm_procstat(vs, NULL, &n));
	return (n);
}

/* The procstat record of the entry containing va. */
static void
entry_of(struct vmspace *vs, vm_offset_t va, struct vm_kinfo_vmentry *out)
{
	struct vm_kinfo_vmentry *buf;
	size_t i, n;

	buf = entries(vs, &n);
	for (i = 0; i < n; i++)
		if (buf[i].kve_start <= va && va < buf[i].kve_end) {
			*out = buf[i];
			free(buf);
			return;
		}
	free(buf);
	atf_tc_fail("no procstat entry contains %#jx", (uintmax_t)va);
}

static int
trap(struct vmspace *vs, vm_offset_t va, int access, int *signo, int *ucode)
{
	*signo = *ucode = -1;
	return (vm_fault_trap(vs, va, access, signo, ucode));
}

/* ---- isolation ---------------------------------------------------------- */

#define	NPG	16

ATF_TC_WITHOUT_HEAD(cow_isolation);
ATF_TC_BODY(cow_isolation, tc)
{
	struct vmspace *p, *c;
	vm_offset_t base;
	unsigned pv[NPG], cv[NPG], pg;
	uint64_t word, got;

	boot();
	p = vs_create();
	base = map_anon(p, NPG, ANON_PRIVATE);
	for (pg = 0; pg < NPG; pg++) {
		pv[pg] = 0x100 + pg;
		wpage(p, base, pg, pv[pg]);
	}
	c = vs_fork(p);
	memcpy(cv, pv, sizeof(cv));
	require_view(c, base, cv, NPG, "child right after fork");
	require_view(p, base, pv, NPG, "parent right after fork");

	/* The parent writes page 3: the child keeps the old contents. */
	wpage(p, base, 3, pv[3] = 0x200);
	require_view(c, base, cv, NPG, "child after the parent's write");
	require_view(p, base, pv, NPG, "parent after its write");

	/* The child writes page 5: the parent keeps the old contents. */
	wpage(c, base, 5, cv[5] = 0x300);
	require_view(p, base, pv, NPG, "parent after the child's write");
	require_view(c, base, cv, NPG, "child after its write");

	/* Both write page 7, the child first. */
	wpage(c, base, 7, cv[7] = 0x401);
	wpage(p, base, 7, pv[7] = 0x402);
	/* Both write page 8, the parent first. */
	wpage(p, base, 8, pv[8] = 0x501);
	wpage(c, base, 8, cv[8] = 0x502);
	require_view(p, base, pv, NPG, "parent after both wrote 7 and 8");
	require_view(c, base, cv, NPG, "child after both wrote 7 and 8");

	/*
	 * A partial write to a shared page copies the whole page first: the
	 * rest of it keeps the pre-fork contents, in the writer and in the
	 * other one.
	 */
	word = 0xfeedfacecafebeefULL;
	ATF_REQUIRE_EQ(0, vm_copyout(c, &word, base + 9 * PGSZ + 200 * 8,
	    sizeof(word)));
	got = 0;
	ATF_REQUIRE_EQ(0, vm_copyin(c, base + 9 * PGSZ + 200 * 8, &got,
	    sizeof(got)));
	ATF_REQUIRE_EQ(word, got);
	ATF_REQUIRE_EQ(0, vm_copyin(c, base + 9 * PGSZ + 199 * 8, &got,
	    sizeof(got)));
	ATF_REQUIRE_EQ(((uint64_t)pv[9] << 32) | (9u << 16) | 199u, got);
	ATF_REQUIRE_EQ(0, vm_copyin(c, base + 9 * PGSZ + 201 * 8, &got,
	    sizeof(got)));
	ATF_REQUIRE_EQ(((uint64_t)pv[9] << 32) | (9u << 16) | 201u, got);
	REQUIRE_PAGE(p, base, 9, pv[9], "parent after the child's partial "
	    "write of page 9");
	/* The child's page 9 is a mixture now: give it a whole tag again. */
	wpage(c, base, 9, cv[9] = 0x309);

	/* A write fault without data (vm_fault_trap) changes nothing. */
	{
		int signo, ucode;

		ATF_REQUIRE_EQ(0, trap(c, base + 10 * PGSZ, VM_PROT_WRITE,
		    &signo, &ucode));
		ATF_REQUIRE_EQ(0, trap(p, base + 11 * PGSZ, VM_PROT_WRITE,
		    &signo, &ucode));
		require_view(p, base, pv, NPG, "parent after write traps");
		require_view(c, base, cv, NPG, "child after write traps");
	}

	vmspace_release(c);
	/* The parent's view survives the child. */
	require_view(p, base, pv, NPG, "parent after the child's exit");
	wpage(p, base, 0, pv[0] = 0x600);
	require_view(p, base, pv, NPG, "parent writing after the child's exit");
	vmspace_release(p);
	finish();
}

/*
 * Pages written before the fork and only read afterwards are equal in
 * both and stay shared: reading all of them in both does not allocate a
 * copy of each.
 */
#define	NSHARED	64

ATF_TC_WITHOUT_HEAD(cow_unwritten_shared);
ATF_TC_BODY(cow_unwritten_shared, tc)
{
	struct vmspace *p, *c;
	vm_offset_t base;
	unsigned tags[NSHARED], pg;
	uint64_t f0, f1;

	boot();
	p = vs_create();
	base = map_anon(p, NSHARED, ANON_PRIVATE);
	for (pg = 0; pg < NSHARED; pg++)
		wpage(p, base, pg, tags[pg] = 0x1000 + pg);
	f0 = free_count();
	c = vs_fork(p);
	require_view(c, base, tags, NSHARED, "child reading");
	require_view(p, base, tags, NSHARED, "parent reading");
	require_view(c, base, tags, NSHARED, "child reading again");
	f1 = free_count();
	/* Page tables of the child, a handful of pages: not a copy of each. */
	ATF_REQUIRE_MSG(f0 - f1 < NSHARED / 2,
	    "reading %d shared pages in parent and child took %" PRIu64
	    " pages: copied instead of shared", NSHARED, f0 - f1);

	/* One write in each copies one page each. */
	wpage(c, base, 1, 0x2001);
	wpage(p, base, 2, 0x2002);
	REQUIRE_PAGE(c, base, 1, 0x2001, "child page 1");
	REQUIRE_PAGE(p, base, 1, tags[1], "parent page 1");
	REQUIRE_PAGE(c, base, 2, tags[2], "child page 2");
	REQUIRE_PAGE(p, base, 2, 0x2002, "parent page 2");
	ATF_REQUIRE_MSG(f0 - free_count() < NSHARED / 2,
	    "two COW writes took %" PRIu64 " pages", f0 - free_count());
	vmspace_release(p);
	tags[1] = 0x2001;
	require_view(c, base, tags, NSHARED, "child after the parent's exit");
	vmspace_release(c);
	finish();
}

/*
 * Pages never touched before the fork: each side zero-fills its own; what
 * one writes the other never sees, whichever touches first, for reads and
 * writes.
 */
ATF_TC_WITHOUT_HEAD(cow_untouched_pages);
ATF_TC_BODY(cow_untouched_pages, tc)
{
	struct vmspace *p, *c;
	vm_offset_t base;
	unsigned pv[NPG], cv[NPG];

	boot();
	p = vs_create();
	base = map_anon(p, NPG, ANON_PRIVATE);
	memset(pv, 0, sizeof(pv));
	wpage(p, base, 0, pv[0] = 0x10);	/* the region has an object */
	c = vs_fork(p);
	memcpy(cv, pv, sizeof(cv));

	wpage(c, base, 1, cv[1] = 0x21);	/* child writes first */
	REQUIRE_PAGE(p, base, 1, TAG_ZERO, "parent page 1");
	wpage(p, base, 1, pv[1] = 0x11);
	REQUIRE_PAGE(c, base, 1, cv[1], "child page 1");

	wpage(p, base, 2, pv[2] = 0x12);	/* parent writes first */
	REQUIRE_PAGE(c, base, 2, TAG_ZERO, "child page 2");
	wpage(c, base, 2, cv[2] = 0x22);
	REQUIRE_PAGE(p, base, 2, pv[2], "parent page 2");

	REQUIRE_PAGE(c, base, 3, TAG_ZERO, "child page 3");	/* read first */
	wpage(p, base, 3, pv[3] = 0x13);
	REQUIRE_PAGE(c, base, 3, TAG_ZERO, "child page 3 after parent wrote");
	wpage(c, base, 3, cv[3] = 0x23);
	REQUIRE_PAGE(p, base, 3, pv[3], "parent page 3");

	REQUIRE_PAGE(p, base, 4, TAG_ZERO, "parent page 4");	/* read first */
	wpage(c, base, 4, cv[4] = 0x24);
	REQUIRE_PAGE(p, base, 4, TAG_ZERO, "parent page 4 after child wrote");

	require_view(p, base, pv, NPG, "parent");
	require_view(c, base, cv, NPG, "child");
	vmspace_release(c);
	require_view(p, base, pv, NPG, "parent after the child's exit");
	vmspace_release(p);
	finish();
}

/* ---- three generations --------------------------------------------------- */

/*
 * P maps and writes every page, forks C; C writes page 1, forks G; G writes
 * page 2; P writes page 0; C writes page 3 after G's birth; G writes page
 * 4 which C had written before G's birth.  Every one sees exactly its own
 * view, then they are released in each of the six orders and the
 * survivors' views stay intact.
 */
#define	NGEN	8

static void
three_gen_order(const int order[3])
{
	static const char *names[3] = { "P", "C", "G" };
	struct vmspace *vs[3];
	unsigned view[3][NGEN], pg, i, k;
	vm_offset_t base;
	bool alive[3] = { true, true, true };
	char who[64];

	vs[0] = vs_create();
	base = map_anon(vs[0], NGEN, ANON_PRIVATE);
	for (pg = 0; pg < NGEN; pg++)
		wpage(vs[0], base, pg, view[0][pg] = 0x100 + pg);
	vs[1] = vs_fork(vs[0]);
	memcpy(view[1], view[0], sizeof(view[0]));
	wpage(vs[1], base, 1, view[1][1] = 0x201);
	wpage(vs[1], base, 4, view[1][4] = 0x204);
	vs[2] = vs_fork(vs[1]);
	memcpy(view[2], view[1], sizeof(view[1]));
	wpage(vs[2], base, 2, view[2][2] = 0x302);
	wpage(vs[0], base, 0, view[0][0] = 0x400);
	wpage(vs[1], base, 3, view[1][3] = 0x203);
	wpage(vs[2], base, 4, view[2][4] = 0x304);
	wpage(vs[0], base, 5, view[0][5] = 0x405);
	wpage(vs[2], base, 5, view[2][5] = 0x305);

	for (i = 0; i < 3; i++) {
		snprintf(who, sizeof(who), "%s before any exit", names[i]);
		require_view(vs[i], base, view[i], NGEN, who);
	}
	for (k = 0; k < 3; k++) {
		vmspace_release(vs[order[k]]);
		alive[order[k]] = false;
		for (i = 0; i < 3; i++) {
			if (!alive[i])
				continue;
			snprintf(who, sizeof(who), "%s after %s exited "
			    "(order %s%s%s)", names[i], names[order[k]],
			    names[order[0]], names[order[1]], names[order[2]]);
			require_view(vs[i], base, view[i], NGEN, who);
			/* The survivor can still write privately. */
			wpage(vs[i], base, 6 + (k & 1),
			    view[i][6 + (k & 1)] = 0x500 + 0x10 * k + i);
			require_view(vs[i], base, view[i], NGEN, who);
		}
	}
}

ATF_TC_WITHOUT_HEAD(three_generations);
ATF_TC_BODY(three_generations, tc)
{
	static const int orders[6][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
		{ 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};
	int i;

	boot();
	for (i = 0; i < 6; i++) {
		three_gen_order(orders[i]);
		uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
		ATF_REQUIRE_MSG(free_count() == boot_free,
		    "free pages %" PRIu64 " after release order %d, %" PRIu64
		    " at boot", free_count(), i, boot_free);
	}
	finish();
}

/*
 * A chain of generations, each writing one page and forking the next, the
 * ancestors released as soon as their child exists: the last one sees every
 * generation's page.
 */
#define	NCHAIN	24

ATF_TC_WITHOUT_HEAD(generation_chain);
ATF_TC_BODY(generation_chain, tc)
{
	struct vmspace *cur, *next;
	unsigned view[NCHAIN], g;
	vm_offset_t base;

	boot();
	cur = vs_create();
	base = map_anon(cur, NCHAIN, ANON_PRIVATE);
	memset(view, 0, sizeof(view));
	for (g = 0; g < NCHAIN; g++) {
		wpage(cur, base, g, view[g] = 0x700 + g);
		next = vs_fork(cur);
		/* The parent overwrites its page: the child keeps the old one. */
		wpage(cur, base, g, 0x800 + g);
		if (g % 3 != 2)
			vmspace_release(cur);
		else {
			/* Keep this one a little: release it after the child's write. */
			wpage(next, base, (g + 1) % NCHAIN, 0x900 + g);
			REQUIRE_PAGE(cur, base, (g + 1) % NCHAIN,
			    view[(g + 1) % NCHAIN],
			    "ancestor after its child wrote");
			vmspace_release(cur);
			view[(g + 1) % NCHAIN] = 0x900 + g;
		}
		cur = next;
		require_view(cur, base, view, NCHAIN, "generation");
	}
	vmspace_release(cur);
	finish();
}

/* ---- release orders ------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(release_parent_first);
ATF_TC_BODY(release_parent_first, tc)
{
	struct vmspace *p, *c, *g;
	vm_offset_t base, sbase;
	unsigned cv[NPG], pg;

	boot();
	p = vs_create();
	base = map_anon(p, NPG, ANON_PRIVATE);
	sbase = map_anon(p, 4, ANON_SHARED);
	for (pg = 0; pg < NPG; pg++)
		wpage(p, base, pg, cv[pg] = 0xa00 + pg);
	wpage(p, sbase, 0, 0xb00);
	c = vs_fork(p);
	wpage(p, base, 0, 0xc00);		/* after the fork: not the child's */
	vmspace_release(p);

	require_view(c, base, cv, NPG, "child after the parent's exit");
	REQUIRE_PAGE(c, sbase, 0, 0xb00, "child's shared page after exit");
	wpage(c, base, 1, cv[1] = 0xd01);
	require_view(c, base, cv, NPG, "child writing after the parent's exit");
	/* The orphan forks in turn and exits before its own child. */
	g = vs_fork(c);
	wpage(g, base, 2, 0xe02);
	REQUIRE_PAGE(c, base, 2, cv[2], "child after its child wrote");
	wpage(g, sbase, 1, 0xe10);
	REQUIRE_PAGE(c, sbase, 1, 0xe10, "shared page written by the grandchild");
	vmspace_release(c);
	cv[2] = 0xe02;
	require_view(g, base, cv, NPG, "grandchild after both ancestors exited");
	REQUIRE_PAGE(g, sbase, 0, 0xb00, "grandchild's shared page 0");
	REQUIRE_PAGE(g, sbase, 1, 0xe10, "grandchild's shared page 1");
	vmspace_release(g);
	finish();
}

/* ---- inheritance ----------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(inherit_modes);
ATF_TC_BODY(inherit_modes, tc)
{
	struct vmspace *p, *c;
	vm_offset_t priv, shr, pshare, none, zero, szero;
	int signo, ucode;

	boot();
	p = vs_create();
	priv = map_anon(p, 2, ANON_PRIVATE);	/* default: copy */
	shr = map_anon(p, 2, ANON_SHARED);	/* default: share */
	pshare = map_anon(p, 2, ANON_PRIVATE);
	none = map_anon(p, 2, ANON_PRIVATE);
	zero = map_anon(p, 2, ANON_PRIVATE);
	szero = map_anon(p, 2, ANON_SHARED);
	ATF_REQUIRE_EQ(0, vm_minherit(p, pshare, 2 * PGSZ, VM_INHERIT_SHARE));
	ATF_REQUIRE_EQ(0, vm_minherit(p, none, 2 * PGSZ, VM_INHERIT_NONE));
	ATF_REQUIRE_EQ(0, vm_minherit(p, zero, 2 * PGSZ, VM_INHERIT_ZERO));
	ATF_REQUIRE_EQ(0, vm_minherit(p, szero, 2 * PGSZ, VM_INHERIT_ZERO));
	wpage(p, priv, 0, 0x11);
	wpage(p, shr, 0, 0x12);
	wpage(p, pshare, 0, 0x13);
	wpage(p, none, 0, 0x14);
	wpage(p, zero, 0, 0x15);
	wpage(p, szero, 0, 0x16);
	c = vs_fork(p);

	/* Copy: the child sees the data, writes are private. */
	REQUIRE_PAGE(c, priv, 0, 0x11, "child, copied region");
	wpage(c, priv, 0, 0x21);
	REQUIRE_PAGE(p, priv, 0, 0x11, "parent, copied region");
	/* Share, by default of a shared mapping or by minherit: both ways. */
	REQUIRE_PAGE(c, shr, 0, 0x12, "child, shared mapping");
	wpage(c, shr, 0, 0x22);
	REQUIRE_PAGE(p, shr, 0, 0x22, "parent sees the child's write (shared)");
	wpage(p, shr, 1, 0x32);
	REQUIRE_PAGE(c, shr, 1, 0x32, "child sees the parent's write (shared)");
	REQUIRE_PAGE(c, pshare, 0, 0x13, "child, INHERIT_SHARE private");
	wpage(c, pshare, 0, 0x23);
	REQUIRE_PAGE(p, pshare, 0, 0x23,
	    "parent sees the child's write (INHERIT_SHARE)");
	wpage(p, pshare, 1, 0x33);
	REQUIRE_PAGE(c, pshare, 1, 0x33,
	    "child sees the parent's write (INHERIT_SHARE)");
	/* None: not mapped in the child. */
	ATF_REQUIRE_EQ(EFAULT, trap(c, none, VM_PROT_READ, &signo, &ucode));
	ATF_REQUIRE_EQ(SIGSEGV, signo);
	ATF_REQUIRE_EQ(SEGV_MAPERR, ucode);
	REQUIRE_PAGE(p, none, 0, 0x14, "parent, INHERIT_NONE region");
	/* Zero: the child gets fresh zero pages, private to it. */
	REQUIRE_PAGE(c, zero, 0, TAG_ZERO, "child, INHERIT_ZERO region");
	REQUIRE_PAGE(c, szero, 0, TAG_ZERO, "child, INHERIT_ZERO shared region");
	wpage(c, zero, 0, 0x25);
	wpage(c, szero, 1, 0x26);
	REQUIRE_PAGE(p, zero, 0, 0x15, "parent, INHERIT_ZERO region");
	REQUIRE_PAGE(p, szero, 0, 0x16, "parent, INHERIT_ZERO shared region");
	REQUIRE_PAGE(p, szero, 1, TAG_ZERO, "parent, INHERIT_ZERO shared page 1");
	REQUIRE_PAGE(c, zero, 0, 0x25, "child, INHERIT_ZERO region written");

	vmspace_release(p);
	REQUIRE_PAGE(c, shr, 1, 0x32, "child's shared page after the exit");
	REQUIRE_PAGE(c, pshare, 1, 0x33, "child's shared page after the exit");
	REQUIRE_PAGE(c, priv, 0, 0x21, "child's private page after the exit");
	vmspace_release(c);
	finish();
}

/* ---- the fork/exit cycle ------------------------------------------------- */

#define	NCYC_PAGES	32
#define	NCYCLES		1000

ATF_TC(fork_exit_cycles);
ATF_TC_HEAD(fork_exit_cycles, tc)
{
	atf_tc_set_md_var(tc, "timeout", "300");
}
ATF_TC_BODY(fork_exit_cycles, tc)
{
	struct vm_kinfo_vmentry e0, e1;
	struct vmspace *p, *c;
	vm_offset_t base;
	unsigned pv[NCYC_PAGES], cv[NCYC_PAGES], pg, k;
	uint64_t f0, f1, forks0, forks1, cow0;
	size_t n0, n1;

	boot();
	p = vs_create();
	base = map_anon(p, NCYC_PAGES, ANON_PRIVATE);
	for (pg = 0; pg < NCYC_PAGES; pg++)
		wpage(p, base, pg, pv[pg] = 0x100 + pg);
	entry_of(p, base, &e0);
	n0 = nentries(p);
	f0 = free_count();
	forks0 = vmstat("v_forks");
	cow0 = vmstat("v_cow_faults");

	for (k = 0; k < NCYCLES; k++) {
		char who[64];

		c = vs_fork(p);
		memcpy(cv, pv, sizeof(cv));
		snprintf(who, sizeof(who), "child of cycle %u", k);
		REQUIRE_PAGE(c, base, k % NCYC_PAGES, cv[k % NCYC_PAGES], who);
		/* The child writes two pages, the parent one. */
		wpage(c, base, (k + 1) % NCYC_PAGES, 0x10000 + k);
		wpage(c, base, (k + 5) % NCYC_PAGES, 0x20000 + k);
		if (k % 2 == 0)
			wpage(p, base, (k + 9) % NCYC_PAGES,
			    pv[(k + 9) % NCYC_PAGES] = 0x30000 + k);
		REQUIRE_PAGE(p, base, (k + 1) % NCYC_PAGES,
		    pv[(k + 1) % NCYC_PAGES], "parent during the cycles");
		vmspace_release(c);
	}
	require_view(p, base, pv, NCYC_PAGES, "parent after the cycles");

	forks1 = vmstat("v_forks");
	ATF_REQUIRE_MSG(forks1 - forks0 == NCYCLES,
	    "v_forks grew by %" PRIu64 " over %d forks", forks1 - forks0,
	    NCYCLES);
	ATF_REQUIRE_MSG(vmstat("v_cow_faults") - cow0 >= 2 * NCYCLES,
	    "v_cow_faults grew by %" PRIu64 " over %d COW writes",
	    vmstat("v_cow_faults") - cow0, 2 * NCYCLES);

	f1 = free_count();
	ATF_REQUIRE_MSG(f1 == f0, "free pages %" PRIu64 " after %d fork/exit "
	    "cycles, %" PRIu64 " before (%+" PRId64 ")", f1, NCYCLES, f0,
	    (int64_t)f1 - (int64_t)f0);
	n1 = nentries(p);
	ATF_REQUIRE_MSG(n1 == n0, "%zu procstat entries after the cycles, "
	    "%zu before", n1, n0);
	entry_of(p, base, &e1);
	ATF_REQUIRE_EQ(e0.kve_start, e1.kve_start);
	ATF_REQUIRE_EQ(e0.kve_end, e1.kve_end);
	ATF_REQUIRE_MSG(e1.kve_ref_count == e0.kve_ref_count &&
	    e1.kve_shadow_count == e0.kve_shadow_count,
	    "object ref/shadow count %d/%d after the cycles, %d/%d before "
	    "(shadow chain not collapsed?)", e1.kve_ref_count,
	    e1.kve_shadow_count, e0.kve_ref_count, e0.kve_shadow_count);
	ATF_REQUIRE_MSG(e1.kve_resident == e0.kve_resident &&
	    e1.kve_private_resident == e0.kve_private_resident,
	    "resident/private resident %d/%d after the cycles, %d/%d before",
	    e1.kve_resident, e1.kve_private_resident, e0.kve_resident,
	    e0.kve_private_resident);
	ATF_REQUIRE_EQ(VM_KVME_TYPE_DEFAULT == e0.kve_type ||
	    VM_KVME_TYPE_SWAP == e0.kve_type, true);
	ATF_REQUIRE_EQ(e0.kve_type, e1.kve_type);
	vmspace_release(p);
	finish();
}

/*
 * The same with a grandchild in every cycle, released before or after its
 * parent: no chain is left behind either way.
 */
#define	NCYCLES2	300

ATF_TC_WITHOUT_HEAD(fork_exit_cycles_grandchild);
ATF_TC_BODY(fork_exit_cycles_grandchild, tc)
{
	struct vm_kinfo_vmentry e0, e1;
	struct vmspace *p, *c, *g;
	vm_offset_t base;
	unsigned pv[NCYC_PAGES], pg, k;
	uint64_t f0;

	boot();
	p = vs_create();
	base = map_anon(p, NCYC_PAGES, ANON_PRIVATE);
	for (pg = 0; pg < NCYC_PAGES; pg++)
		wpage(p, base, pg, pv[pg] = 0x100 + pg);
	entry_of(p, base, &e0);
	f0 = free_count();
	for (k = 0; k < NCYCLES2; k++) {
		c = vs_fork(p);
		wpage(c, base, k % NCYC_PAGES, 0x10000 + k);
		g = vs_fork(c);
		wpage(g, base, (k + 1) % NCYC_PAGES, 0x20000 + k);
		wpage(p, base, (k + 2) % NCYC_PAGES,
		    pv[(k + 2) % NCYC_PAGES] = 0x30000 + k);
		wpage(c, base, (k + 3) % NCYC_PAGES, 0x40000 + k);
		REQUIRE_PAGE(g, base, k % NCYC_PAGES, 0x10000 + k,
		    "grandchild sees its parent's pre-fork write");
		if (k % 2) {
			vmspace_release(c);
			REQUIRE_PAGE(g, base, k % NCYC_PAGES, 0x10000 + k,
			    "grandchild after its parent's exit");
			vmspace_release(g);
		} else {
			vmspace_release(g);
			vmspace_release(c);
		}
	}
	require_view(p, base, pv, NCYC_PAGES, "parent after the cycles");
	ATF_REQUIRE_MSG(free_count() == f0, "free pages %" PRIu64 " after the "
	    "cycles, %" PRIu64 " before", free_count(), f0);
	entry_of(p, base, &e1);
	ATF_REQUIRE_MSG(e1.kve_ref_count == e0.kve_ref_count &&
	    e1.kve_shadow_count == e0.kve_shadow_count &&
	    e1.kve_resident == e0.kve_resident,
	    "ref/shadow/resident %d/%d/%d after the cycles, %d/%d/%d before",
	    e1.kve_ref_count, e1.kve_shadow_count, e1.kve_resident,
	    e0.kve_ref_count, e0.kve_shadow_count, e0.kve_resident);
	vmspace_release(p);
	finish();
}

/* ---- counters -------------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(counters);
ATF_TC_BODY(counters, tc)
{
	struct vmspace *p, *c, *c2;
	vm_offset_t base;
	uint64_t forks, cow, zfod, faults;
	unsigned pg;

	boot();
	p = vs_create();
	base = map_anon(p, NPG, ANON_PRIVATE);

	/* Zero fill: 8 pages written for the first time, 4 read. */
	zfod = vmstat("v_zfod");
	faults = vmstat("v_vm_faults");
	for (pg = 0; pg < 8; pg++)
		wpage(p, base, pg, 0x100 + pg);
	for (pg = 8; pg < 12; pg++)
		REQUIRE_PAGE(p, base, pg, TAG_ZERO, "untouched page");
	ATF_REQUIRE_MSG(vmstat("v_zfod") - zfod >= 12,
	    "v_zfod grew by %" PRIu64 " for 12 zero-filled pages",
	    vmstat("v_zfod") - zfod);
	ATF_REQUIRE_MSG(vmstat("v_vm_faults") - faults >= 12,
	    "v_vm_faults grew by %" PRIu64 " for 12 first touches",
	    vmstat("v_vm_faults") - faults);

	/* Forks. */
	forks = vmstat("v_forks");
	c = vs_fork(p);
	ATF_REQUIRE_EQ(forks + 1, vmstat("v_forks"));
	c2 = vs_fork(c);
	ATF_REQUIRE_EQ(forks + 2, vmstat("v_forks"));
	vmspace_release(c2);
	ATF_REQUIRE_EQ(forks + 2, vmstat("v_forks"));

	/* COW writes: 3 in the child, 3 in the parent, of shared pages. */
	cow = vmstat("v_cow_faults");
	for (pg = 0; pg < 3; pg++)
		wpage(c, base, pg, 0x200 + pg);
	for (pg = 3; pg < 6; pg++)
		wpage(p, base, pg, 0x300 + pg);
	ATF_REQUIRE_MSG(vmstat("v_cow_faults") - cow >= 6,
	    "v_cow_faults grew by %" PRIu64 " for 6 COW writes",
	    vmstat("v_cow_faults") - cow);
	/* Reads are not COW faults. */
	cow = vmstat("v_cow_faults");
	for (pg = 0; pg < 8; pg++) {
		REQUIRE_PAGE(c, base, pg, pg < 3 ? 0x200 + pg : 0x100 + pg,
		    "child");
		REQUIRE_PAGE(p, base, pg, pg >= 3 && pg < 6 ? 0x300 + pg :
		    0x100 + pg, "parent");
	}
	ATF_REQUIRE_MSG(vmstat("v_cow_faults") == cow,
	    "reads counted %" PRIu64 " COW faults", vmstat("v_cow_faults") - cow);
	/* A zero-fill write in the child of a never-touched page. */
	zfod = vmstat("v_zfod");
	wpage(c, base, 14, 0x400);
	ATF_REQUIRE(vmstat("v_zfod") - zfod >= 1);
	vmspace_release(c);
	vmspace_release(p);
	finish();
}

/*
 * Fork of a parent with many entries, some shared, some read-only, one
 * PROT_NONE: the child's map has the same layout (procstat) and contents.
 */
ATF_TC_WITHOUT_HEAD(fork_layout);
ATF_TC_BODY(fork_layout, tc)
{
	struct vm_kinfo_vmentry *pe, *ce;
	struct vmspace *p, *c;
	vm_offset_t va[12];
	size_t np, nc, i;
	int prot[12];

	boot();
	p = vs_create();
	for (i = 0; i < 12; i++) {
		va[i] = map_anon(p, 1 + i % 3, i % 4 == 3 ? ANON_SHARED :
		    ANON_PRIVATE);
		wpage(p, va[i], 0, 0x50 + (unsigned)i);
		prot[i] = i % 5 == 1 ? VM_PROT_READ : i % 5 == 4 ?
		    VM_PROT_NONE : RW;
		ATF_REQUIRE_EQ(0, vm_mprotect(p, va[i], PGSZ, prot[i]));
	}
	c = vs_fork(p);
	pe = entries(p, &np);
	ce = entries(c, &nc);
	ATF_REQUIRE_EQ(np, nc);
	for (i = 0; i < np; i++) {
		ATF_REQUIRE_EQ(pe[i].kve_start, ce[i].kve_start);
		ATF_REQUIRE_EQ(pe[i].kve_end, ce[i].kve_end);
		ATF_REQUIRE_EQ(pe[i].kve_protection, ce[i].kve_protection);
		ATF_REQUIRE_EQ(pe[i].kve_max_protection,
		    ce[i].kve_max_protection);
		ATF_REQUIRE_EQ(pe[i].kve_inheritance, ce[i].kve_inheritance);
	}
	free(pe);
	free(ce);
	for (i = 0; i < 12; i++) {
		if (prot[i] == VM_PROT_NONE) {
			int signo, ucode;

			ATF_REQUIRE_EQ(EFAULT, trap(c, va[i], VM_PROT_READ,
			    &signo, &ucode));
			ATF_REQUIRE_EQ(SIGSEGV, signo);
			ATF_REQUIRE_EQ(SEGV_ACCERR, ucode);
			ATF_REQUIRE_EQ(0, vm_mprotect(c, va[i], PGSZ, RW));
		}
		REQUIRE_PAGE(c, va[i], 0, 0x50 + (unsigned)i, "child");
		if (prot[i] == VM_PROT_READ) {
			uint64_t w = 1;

			ATF_REQUIRE_EQ(EFAULT, vm_copyout(c, &w, va[i], 8));
		}
	}
	vmspace_release(p);
	vmspace_release(c);
	finish();
}

/* ---- protection changes and advice after a fork ----------------------------- */

/*
 * Write permission given back after the fork (mprotect) must not let either
 * side write into the page they still share: it is copied on the write.
 */
ATF_TC_WITHOUT_HEAD(mprotect_after_fork);
ATF_TC_BODY(mprotect_after_fork, tc)
{
	struct vmspace *p, *c;
	vm_offset_t base;
	unsigned pv[NPG], cv[NPG], pg;
	uint64_t w = 1;

	boot();
	p = vs_create();
	base = map_anon(p, NPG, ANON_PRIVATE);
	for (pg = 0; pg < NPG; pg++)
		wpage(p, base, pg, pv[pg] = 0x100 + pg);
	/* Read-only before the fork, read-write again in both after it. */
	ATF_REQUIRE_EQ(0, vm_mprotect(p, base, NPG * PGSZ, VM_PROT_READ));
	c = vs_fork(p);
	memcpy(cv, pv, sizeof(cv));
	ATF_REQUIRE_EQ(EFAULT, vm_copyout(c, &w, base, sizeof(w)));
	ATF_REQUIRE_EQ(EFAULT, vm_copyout(p, &w, base, sizeof(w)));
	ATF_REQUIRE_EQ(0, vm_mprotect(p, base, NPG * PGSZ, RW));
	wpage(p, base, 0, pv[0] = 0x200);
	require_view(c, base, cv, NPG, "child after the parent's mprotect+write");
	ATF_REQUIRE_EQ(0, vm_mprotect(c, base, NPG * PGSZ, RW));
	wpage(c, base, 1, cv[1] = 0x301);
	require_view(p, base, pv, NPG, "parent after the child's mprotect+write");
	/* Read-only after the fork in one, then writable again. */
	ATF_REQUIRE_EQ(0, vm_mprotect(p, base + 2 * PGSZ, 4 * PGSZ,
	    VM_PROT_READ));
	wpage(c, base, 3, cv[3] = 0x303);
	ATF_REQUIRE_EQ(0, vm_mprotect(p, base + 2 * PGSZ, 4 * PGSZ, RW));
	wpage(p, base, 4, pv[4] = 0x204);
	wpage(p, base, 3, pv[3] = 0x203);
	require_view(p, base, pv, NPG, "parent");
	require_view(c, base, cv, NPG, "child");
	/* The parent's entry clipped in the middle: the child is unaffected. */
	ATF_REQUIRE_EQ(0, vm_munmap(p, base + 6 * PGSZ, 2 * PGSZ));
	require_view(c, base, cv, NPG, "child after the parent's munmap");
	{
		vm_offset_t va = base + 6 * PGSZ;

		ATF_REQUIRE_EQ(0, vm_mmap(p, &va, 2 * PGSZ, RW, ANON_PRIVATE |
		    VM_MAP_FIXED, -1, 0));
		pv[6] = pv[7] = TAG_ZERO;
		wpage(p, base, 7, pv[7] = 0x207);
	}
	require_view(p, base, pv, NPG, "parent after its remap");
	require_view(c, base, cv, NPG, "child after the parent's remap");
	vmspace_release(p);
	require_view(c, base, cv, NPG, "child after the parent's exit");
	vmspace_release(c);
	finish();
}

/*
 * MADV_DONTNEED keeps anonymous contents (API.md); MADV_FREE may drop a
 * page, which then reads as zeros, or keep it.  Neither may bring back an
 * older version of the page: after a fork, the copy-on-write backing page
 * still holds the pre-fork contents, and a freed private copy must not
 * uncover it (FreeBSD PR 240061, r351830: MADV_FREE leaves pages of a
 * shadowing object alone).
 */
ATF_TC_WITHOUT_HEAD(advice_after_cow);
ATF_TC_BODY(advice_after_cow, tc)
{
	struct vmspace *p, *c;
	vm_offset_t base;
	unsigned pg;
	char why[160];

	boot();
	p = vs_create();
	base = map_anon(p, NPG, ANON_PRIVATE);
	for (pg = 0; pg < NPG; pg++)
		wpage(p, base, pg, 0x100 + pg);
	c = vs_fork(p);
	/* Both sides write every page: each has its own copy now. */
	for (pg = 0; pg < NPG; pg++) {
		wpage(c, base, pg, 0x200 + pg);
		if (pg % 2 == 0)
			wpage(p, base, pg, 0x300 + pg);
	}
	ATF_REQUIRE_EQ(0, vm_madvise(c, base, 4 * PGSZ, VM_MADV_DONTNEED));
	ATF_REQUIRE_EQ(0, vm_madvise(p, base, 4 * PGSZ, VM_MADV_DONTNEED));
	for (pg = 0; pg < 4; pg++) {
		REQUIRE_PAGE(c, base, pg, 0x200 + pg, "child after DONTNEED");
		REQUIRE_PAGE(p, base, pg, pg % 2 ? 0x100 + pg : 0x300 + pg,
		    "parent after DONTNEED");
	}
	ATF_REQUIRE_EQ(0, vm_madvise(c, base + 4 * PGSZ, (NPG - 4) * PGSZ,
	    VM_MADV_FREE));
	ATF_REQUIRE_EQ(0, vm_madvise(p, base + 4 * PGSZ, (NPG - 4) * PGSZ,
	    VM_MADV_FREE));
	for (pg = 4; pg < NPG; pg++) {
		ATF_REQUIRE_MSG(page_is(c, base, pg, 0x200 + pg, why,
		    sizeof(why)) || page_is(c, base, pg, TAG_ZERO, why,
		    sizeof(why)), "child page %u after MADV_FREE is neither its "
		    "own contents nor zeros: %s", pg, why);
		ATF_REQUIRE_MSG(page_is(p, base, pg, pg % 2 ? 0x100 + pg :
		    0x300 + pg, why, sizeof(why)) || page_is(p, base, pg,
		    TAG_ZERO, why, sizeof(why)), "parent page %u after "
		    "MADV_FREE is neither its own contents nor zeros: %s", pg,
		    why);
	}
	vmspace_release(c);
	vmspace_release(p);
	finish();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, cow_isolation);
	ATF_TP_ADD_TC(tp, cow_unwritten_shared);
	ATF_TP_ADD_TC(tp, cow_untouched_pages);
	ATF_TP_ADD_TC(tp, three_generations);
	ATF_TP_ADD_TC(tp, generation_chain);
	ATF_TP_ADD_TC(tp, release_parent_first);
	ATF_TP_ADD_TC(tp, inherit_modes);
	ATF_TP_ADD_TC(tp, fork_exit_cycles);
	ATF_TP_ADD_TC(tp, fork_exit_cycles_grandchild);
	ATF_TP_ADD_TC(tp, counters);
	ATF_TP_ADD_TC(tp, fork_layout);
	ATF_TP_ADD_TC(tp, mprotect_after_fork);
	ATF_TP_ADD_TC(tp, advice_after_cow);
	return (atf_no_error());
}
