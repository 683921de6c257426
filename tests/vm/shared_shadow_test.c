/*
 * The CVE-2021-29626 scenario (FreeBSD's tests/sys/vm/
 * shared_shadow_inval_test.c), with address spaces standing for the
 * processes, and its variants.
 *
 * P1 maps anonymous memory MAP_SHARED, stamps it, sets INHERIT_COPY and
 * forks P2: P2 gets a copy-on-write view of P1's object.  P2 sets
 * INHERIT_SHARE, reads every page (so that P1's pages are mapped in P2)
 * and forks P3: P2 and P3 now share one shadow object over P1's.  P3
 * writes the first half (or all) of the pages: the pages are copied into
 * the shared shadow object, and P2's mappings of P1's pages must be
 * invalidated, or P2 keeps reading P1's stale pages.  P2 must see P3's
 * writes; P1 (and P4) only their own contents.
 *
 * FreeBSD's variants (flags, each combination, for 1, 2, 511, 512 and 513
 * pages: around a 2 MiB superpage):
 *   collapse    P1 (and P4) exit after P3's write and before P2 checks, so
 *               the P2/P3 shadow object's backing object loses its other
 *               references and the chain collapses under P2's mappings;
 *   block_xfer  P1 forks P4 (sharing P1's object) before setting
 *               INHERIT_COPY, so that a COW fault cannot simply move a page
 *               between objects but must copy it;
 *   fullmod     P3 writes every page instead of the first half;
 *   eager       COW is done by wiring: P1 mlocks and makes the region
 *               read-only before forking, P3 mlocks and makes it writable
 *               (FreeBSD's vm_fault_copy_entry path); needs vm_mlock, the
 *               case is skipped while libvm does not export it.
 * This file's further variants:
 *   p1_nowrite        P1 does not stamp the pages before forking: they are
 *                     zero-filled on demand through the chain;
 *   no_prefault       P2 does not read the pages before P3 writes;
 *   fork_before_read  P2 forks P3 first, then reads every page;
 *   private_first     P1's mapping is MAP_PRIVATE instead of MAP_SHARED;
 *   p1_writes_after   P1 writes new contents after P3's write: neither P2
 *                     nor P3 may see them (INHERIT_COPY gave them a copy);
 *   extra_p1_child    P1 forks P5 after P2; P5 writes every page and exits
 *                     (a shadow that comes and goes beside P2's);
 *   extra_p2_child    P2 forks P6 after P3 (sharing the P2/P3 object); P6
 *                     writes the last page and exits: P2 and P3 see it.
 * After the checks P2 and P3 write to each other both ways, everything is
 * released, and the free page count must be back where it was.
 */
#ifndef _GNU_SOURCE
#define	_GNU_SOURCE	/* pid_t in <atf-c.h> */
#endif

#include <sys/types.h>

#include <atf-c.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvm.h>
#include <uma.h>

/*
 * vm_mlock is in the API contract (API.md) but not yet in <libvm.h>: a weak
 * reference lets the eager variant run as soon as the library has it (it
 * is NULL until then).  The signature is API.md's.
 */
extern int vm_mlock(struct vmspace *, vm_offset_t, vm_size_t)
    __attribute__((__weak__));

#define	PGSZ		((vm_offset_t)VM_PAGE_SIZE)
#define	RW		(VM_PROT_READ | VM_PROT_WRITE)
#define	SUPERPAGES	512u		/* pages in a 2 MiB superpage */

/* ---- boot and numbers --------------------------------------------------- */

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

/* ---- one run ---------------------------------------------------------------- */

struct ss {
	unsigned	npages;
	bool		collapse, block_xfer, fullmod, eager;
	bool		p1_nowrite, no_prefault, fork_before_read;
	bool		private_first, p1_writes_after;
	bool		extra_p1_child, extra_p2_child;
	/* State of the run. */
	vm_offset_t	va;
	char		desc[256];
};

/* Stamps: what each process writes (0 is "never written": zero). */
#define	S1	0x1111u
#define	S1B	0x1b1bu
#define	S2	0x2222u
#define	S3	0x3333u
#define	S3B	0x3b3bu
#define	S5	0x5555u
#define	S6	0x6666u

/* A page is checked at its start and at an offset that varies by page. */
static vm_offset_t
off2(unsigned pg)
{
	return (((vm_offset_t)pg * 136 + 8) % (PGSZ - 8) & ~(vm_offset_t)7);
}

static uint64_t
stampval(unsigned stamp, unsigned pg)
{
	return (stamp == 0 ? 0 : ((uint64_t)stamp << 32) | pg);
}

static void
ss_fail(const struct ss *s, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3), __noreturn__));

static void
ss_fail(const struct ss *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	atf_tc_fail("[%s] %s", s->desc, msg);
}

static void
stamp_page(struct ss *s, struct vmspace *vs, const char *who, unsigned pg,
    unsigned stamp)
{
	uint64_t v = stampval(stamp, pg);
	int error;

	error = vm_copyout(vs, &v, s->va + pg * PGSZ, sizeof(v));
	if (error == 0)
		error = vm_copyout(vs, &v, s->va + pg * PGSZ + off2(pg),
		    sizeof(v));
	if (error != 0)
		ss_fail(s, "%s: write of page %u: error %d", who, pg, error);
}

static void
stamp_range(struct ss *s, struct vmspace *vs, const char *who, unsigned from,
    unsigned to, unsigned stamp)
{
	unsigned pg;

	for (pg = from; pg < to; pg++)
		stamp_page(s, vs, who, pg, stamp);
}

static void
check_page(struct ss *s, struct vmspace *vs, const char *who, unsigned pg,
    unsigned stamp)
{
	uint64_t a = 0xdead, b = 0xdead, want = stampval(stamp, pg);
	int error;

	error = vm_copyin(vs, s->va + pg * PGSZ, &a, sizeof(a));
	if (error == 0)
		error = vm_copyin(vs, s->va + pg * PGSZ + off2(pg), &b,
		    sizeof(b));
	if (error != 0)
		ss_fail(s, "%s: read of page %u: error %d", who, pg, error);
	if (a != want || b != want)
		ss_fail(s, "%s saw page %u = %#" PRIx64 "/%#" PRIx64
		    " (stamp %#x/%#x), expected stamp %#x", who, pg, a, b,
		    (unsigned)(a >> 32), (unsigned)(b >> 32), stamp);
}

/* want(pg) for every page. */
static void
check_all(struct ss *s, struct vmspace *vs, const char *who,
    unsigned (*want)(const struct ss *, unsigned, int), int phase)
{
	unsigned pg;

	for (pg = 0; pg < s->npages; pg++)
		check_page(s, vs, who, pg, want(s, pg, phase));
}

static unsigned
v0(const struct ss *s)
{
	return (s->p1_nowrite ? 0 : S1);
}

static unsigned
modpages(const struct ss *s)
{
	/* FreeBSD writes the pages below len / 2 (bytes). */
	return (s->fullmod ? s->npages : (s->npages + 1) / 2);
}

/* What P1 and P4 see: their pre-fork contents (P1: or its later write). */
static unsigned
want_p1(const struct ss *s, unsigned pg, int after)
{
	(void)pg;
	return (after ? S1B : v0(s));
}

static unsigned
want_p4(const struct ss *s, unsigned pg, int phase)
{
	(void)pg;
	(void)phase;
	return (v0(s));
}

/*
 * What P2 and P3 see after P3's write (phase 0), and after the both-ways
 * writes (phase 1: P2 wrote the last page, P3 the first).
 */
static unsigned
want_p23(const struct ss *s, unsigned pg, int phase)
{
	if (phase >= 1) {
		if (pg == 0)		/* P3 wrote it after P2's write */
			return (S3B);
		if (pg == s->npages - 1)
			return (S2);
	}
	if (pg < modpages(s))
		return (S3);
	if (s->extra_p2_child && pg == s->npages - 1)
		return (S6);
	return (v0(s));
}

static void
mprot(struct ss *s, struct vmspace *vs, const char *who, int prot)
{
	int error;

	error = vm_mprotect(vs, s->va, s->npages * PGSZ, prot);
	if (error != 0)
		ss_fail(s, "%s: mprotect(%#x): error %d", who, prot, error);
}

static void
mlock_all(struct ss *s, struct vmspace *vs, const char *who)
{
	int error;

	error = vm_mlock(vs, s->va, s->npages * PGSZ);
	if (error != 0)
		ss_fail(s, "%s: mlock: error %d", who, error);
}

static struct vmspace *
ss_fork(struct ss *s, struct vmspace *parent, const char *who)
{
	struct vmspace *child = NULL;
	int error;

	error = vmspace_fork(parent, &child);
	if (error != 0 || child == NULL)
		ss_fail(s, "%s: vmspace_fork: error %d", who, error);
	return (child);
}

static void
ss_run(struct ss *s)
{
	struct vmspace *p1, *p2, *p3, *p4 = NULL, *p5, *p6;
	vm_size_t len = s->npages * PGSZ;
	uint64_t f0;
	int error;

	snprintf(s->desc, sizeof(s->desc), "%u pages%s%s%s%s%s%s%s%s%s%s%s",
	    s->npages, s->collapse ? " collapse" : "",
	    s->block_xfer ? " block_xfer" : "", s->fullmod ? " fullmod" : "",
	    s->eager ? " eager" : " lazy", s->p1_nowrite ? " p1_nowrite" : "",
	    s->no_prefault ? " no_prefault" : "",
	    s->fork_before_read ? " fork_before_read" : "",
	    s->private_first ? " private_first" : "",
	    s->p1_writes_after ? " p1_writes_after" : "",
	    s->extra_p1_child ? " extra_p1_child" : "",
	    s->extra_p2_child ? " extra_p2_child" : "");
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);	/* slabs of the VM zones */
	f0 = free_count();

	/* P1: the memory under test. */
	error = vmspace_create(&p1);
	if (error != 0)
		ss_fail(s, "vmspace_create: error %d", error);
	if (s->eager) {
		error = vm_setrlimit(p1, VM_RLIMIT_MEMLOCK, VM_RLIM_INFINITY,
		    VM_RLIM_INFINITY);
		if (error != 0)
			ss_fail(s, "setrlimit(MEMLOCK): error %d", error);
	}
	s->va = 0;
	error = vm_mmap(p1, &s->va, len, RW, VM_MAP_ANON |
	    (s->private_first ? VM_MAP_PRIVATE : VM_MAP_SHARED), -1, 0);
	if (error != 0)
		ss_fail(s, "P1: mmap: error %d", error);
	if (!s->p1_nowrite)
		stamp_range(s, p1, "P1", 0, s->npages, S1);
	if (s->eager) {
		mlock_all(s, p1, "P1");
		mprot(s, p1, "P1", VM_PROT_READ);
	}
	/* P4 shares P1's object (or copies it, if private) and just waits. */
	if (s->block_xfer)
		p4 = ss_fork(s, p1, "P1 forking P4");
	error = vm_minherit(p1, s->va, len, VM_INHERIT_COPY);
	if (error != 0)
		ss_fail(s, "P1: minherit(COPY): error %d", error);
	p2 = ss_fork(s, p1, "P1 forking P2");

	if (s->extra_p1_child) {
		/* A sibling of P2 writes everything and exits at once. */
		p5 = ss_fork(s, p1, "P1 forking P5");
		if (s->eager)
			mprot(s, p5, "P5", RW);
		stamp_range(s, p5, "P5", 0, s->npages, S5);
		check_page(s, p5, "P5", s->npages - 1, S5);
		vmspace_release(p5);
	}

	/* P2: its children share its (COW) view. */
	error = vm_minherit(p2, s->va, len, VM_INHERIT_SHARE);
	if (error != 0)
		ss_fail(s, "P2: minherit(SHARE): error %d", error);
	p3 = NULL;
	if (s->fork_before_read)
		p3 = ss_fork(s, p2, "P2 forking P3");
	if (!s->no_prefault)
		check_all(s, p2, "P2 prefaulting", want_p4, 0);
	if (p3 == NULL)
		p3 = ss_fork(s, p2, "P2 forking P3");

	if (s->extra_p2_child) {
		/* P6 shares P2/P3's object: its write is seen by both. */
		p6 = ss_fork(s, p2, "P2 forking P6");
		if (s->eager)
			mprot(s, p6, "P6", RW);
		stamp_page(s, p6, "P6", s->npages - 1, S6);
		vmspace_release(p6);
		check_page(s, p2, "P2 after P6's write", s->npages - 1, S6);
	}

	/* P3 writes. */
	if (s->eager) {
		mlock_all(s, p3, "P3");
		mprot(s, p3, "P3", RW);
	}
	stamp_range(s, p3, "P3", 0, modpages(s), S3);
	check_all(s, p3, "P3 after its write", want_p23, 0);

	/* P1 and P4 see only what they had. */
	check_all(s, p1, "P1", want_p1, 0);
	if (p4 != NULL)
		check_all(s, p4, "P4", want_p4, 0);
	if (s->p1_writes_after) {
		if (s->eager)
			mprot(s, p1, "P1", RW);
		stamp_range(s, p1, "P1", 0, s->npages, S1B);
		check_all(s, p1, "P1 after its late write", want_p1, 1);
	}
	if (s->collapse) {
		/* The exits let the chain under P2/P3's object collapse. */
		if (p4 != NULL)
			vmspace_release(p4);
		vmspace_release(p1);
		p1 = p4 = NULL;
	}

	/* The test proper: P2 sees P3's write, and nothing of P1's later one. */
	check_all(s, p2, "P2", want_p23, 0);
	check_all(s, p3, "P3", want_p23, 0);

	/* Both ways. */
	if (s->eager)
		mprot(s, p2, "P2", RW);
	stamp_page(s, p2, "P2", s->npages - 1, S2);
	stamp_page(s, p3, "P3", 0, S3B);
	check_all(s, p2, "P2 after the both-ways writes", want_p23, 1);
	check_all(s, p3, "P3 after the both-ways writes", want_p23, 1);
	if (p1 != NULL) {
		check_all(s, p1, "P1 at the end", want_p1, s->p1_writes_after);
		if (p4 != NULL) {
			check_all(s, p4, "P4 at the end", want_p4, 0);
			vmspace_release(p4);
		}
		vmspace_release(p1);
		check_all(s, p2, "P2 after P1 exited", want_p23, 1);
	}
	/* The survivor keeps the shared contents. */
	if (s->npages % 2) {
		vmspace_release(p2);
		check_all(s, p3, "P3 after P2 exited", want_p23, 1);
		vmspace_release(p3);
	} else {
		vmspace_release(p3);
		check_all(s, p2, "P2 after P3 exited", want_p23, 1);
		vmspace_release(p2);
	}
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);	/* slabs of the VM zones */
	if (free_count() != f0)
		ss_fail(s, "free pages %" PRIu64 " after every release, %"
		    PRIu64 " before (%+" PRId64 ")", free_count(), f0,
		    (int64_t)free_count() - (int64_t)f0);
}

/* ---- the cases ---------------------------------------------------------- */

#define	F_COLLAPSE	0x1
#define	F_BLOCK_XFER	0x2
#define	F_FULLMOD	0x4
#define	F_MASK		0x7

static void
set_flags(struct ss *s, unsigned f)
{
	s->collapse = (f & F_COLLAPSE) != 0;
	s->block_xfer = (f & F_BLOCK_XFER) != 0;
	s->fullmod = (f & F_FULLMOD) != 0;
}

static const unsigned freebsd_sizes[] = {
	1, 2, SUPERPAGES - 1, SUPERPAGES, SUPERPAGES + 1,
};
static const unsigned small_sizes[] = { 1, 2, 3, 17 };

/* Every FreeBSD flag combination for each size, with one variant set. */
static void
run_matrix(const struct ss *proto, const unsigned *sizes, size_t nsizes)
{
	struct ss s;
	unsigned f;
	size_t i;

	boot();
	for (f = 0; f <= F_MASK; f++)
		for (i = 0; i < nsizes; i++) {
			s = *proto;
			set_flags(&s, f);
			s.npages = sizes[i];
			ss_run(&s);
		}
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);	/* slabs of the VM zones */
	ATF_REQUIRE_MSG(free_count() == boot_free, "free pages %" PRIu64
	    ", %" PRIu64 " at boot", free_count(), boot_free);
	vm_shutdown();
}

#define	NSIZES(a)	(sizeof(a) / sizeof((a)[0]))

ATF_TC_WITHOUT_HEAD(shared_shadow_inval__lazy_cow);
ATF_TC_BODY(shared_shadow_inval__lazy_cow, tc)
{
	struct ss s = { .npages = 0 };

	run_matrix(&s, freebsd_sizes, NSIZES(freebsd_sizes));
}

ATF_TC_WITHOUT_HEAD(shared_shadow_inval__eager_cow);
ATF_TC_BODY(shared_shadow_inval__eager_cow, tc)
{
	struct ss s = { .eager = true };

	if (vm_mlock == NULL)
		atf_tc_skip("libvm does not export vm_mlock yet");
	run_matrix(&s, freebsd_sizes, NSIZES(freebsd_sizes));
}

ATF_TC_WITHOUT_HEAD(p1_nowrite);
ATF_TC_BODY(p1_nowrite, tc)
{
	struct ss s = { .p1_nowrite = true };

	run_matrix(&s, freebsd_sizes, NSIZES(freebsd_sizes));
}

ATF_TC_WITHOUT_HEAD(no_prefault);
ATF_TC_BODY(no_prefault, tc)
{
	struct ss s = { .no_prefault = true };

	run_matrix(&s, freebsd_sizes, NSIZES(freebsd_sizes));
}

ATF_TC_WITHOUT_HEAD(fork_before_read);
ATF_TC_BODY(fork_before_read, tc)
{
	struct ss s = { .fork_before_read = true };

	run_matrix(&s, freebsd_sizes, NSIZES(freebsd_sizes));
}

ATF_TC_WITHOUT_HEAD(private_first);
ATF_TC_BODY(private_first, tc)
{
	struct ss s = { .private_first = true };

	run_matrix(&s, freebsd_sizes, NSIZES(freebsd_sizes));
}

ATF_TC_WITHOUT_HEAD(p1_writes_after);
ATF_TC_BODY(p1_writes_after, tc)
{
	struct ss s = { .p1_writes_after = true };

	run_matrix(&s, freebsd_sizes, NSIZES(freebsd_sizes));
}

ATF_TC_WITHOUT_HEAD(extra_child_dies);
ATF_TC_BODY(extra_child_dies, tc)
{
	struct ss s1 = { .extra_p1_child = true };
	struct ss s2 = { .extra_p2_child = true };
	struct ss s3 = { .extra_p1_child = true, .extra_p2_child = true };

	run_matrix(&s1, freebsd_sizes, NSIZES(freebsd_sizes));
	run_matrix(&s2, freebsd_sizes, NSIZES(freebsd_sizes));
	run_matrix(&s3, small_sizes, NSIZES(small_sizes));
}

/*
 * Every combination of every variant (lazy COW), on small regions: 2^10
 * runs per size.
 */
ATF_TC(all_combinations);
ATF_TC_HEAD(all_combinations, tc)
{
	atf_tc_set_md_var(tc, "timeout", "600");
}
ATF_TC_BODY(all_combinations, tc)
{
	static const unsigned sizes[] = { 1, 3 };
	struct ss s;
	unsigned v, f;
	size_t i;

	boot();
	for (v = 0; v < 128; v++)
		for (f = 0; f <= F_MASK; f++)
			for (i = 0; i < NSIZES(sizes); i++) {
				memset(&s, 0, sizeof(s));
				set_flags(&s, f);
				s.npages = sizes[i];
				s.p1_nowrite = (v & 1) != 0;
				s.no_prefault = (v & 2) != 0;
				s.fork_before_read = (v & 4) != 0;
				s.private_first = (v & 8) != 0;
				s.p1_writes_after = (v & 16) != 0;
				s.extra_p1_child = (v & 32) != 0;
				s.extra_p2_child = (v & 64) != 0;
				ss_run(&s);
			}
	ATF_REQUIRE_MSG(free_count() == boot_free, "free pages %" PRIu64
	    ", %" PRIu64 " at boot", free_count(), boot_free);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, shared_shadow_inval__lazy_cow);
	ATF_TP_ADD_TC(tp, shared_shadow_inval__eager_cow);
	ATF_TP_ADD_TC(tp, p1_nowrite);
	ATF_TP_ADD_TC(tp, no_prefault);
	ATF_TP_ADD_TC(tp, fork_before_read);
	ATF_TP_ADD_TC(tp, private_first);
	ATF_TP_ADD_TC(tp, p1_writes_after);
	ATF_TP_ADD_TC(tp, extra_child_dies);
	ATF_TP_ADD_TC(tp, all_combinations);
	return (atf_no_error());
}
