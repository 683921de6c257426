/*
 * Acceptance tests of vm_mlock(3), vm_munlock(3), vm_mlockall(3) and
 * vm_munlockall(3), written from FreeBSD's mlock(2) and mlockall(2) and the
 * code of kern_mlock(), kern_munlock(), sys_mlockall(), sys_munlockall(),
 * vm_map_wire_locked(), vm_map_unwire(), vm_map_protect(), vm_mmap_object()
 * and kern_break(), against the public API only:
 *
 *  - a locked range is resident at once (mincore INCORE without a touch),
 *    counted in vm.stats.vm.v_user_wire_count and v_wire_count, and its
 *    entries (clipped to the range) carry KVME_FLAG_USER_WIRED;
 *  - locking is a flag, not a count: twice counts once, one munlock undoes;
 *  - a hole is ENOMEM and changes nothing; so is an entry without read or
 *    execute access (PROT_NONE, a guard, write-only: FreeBSD's
 *    vm_map_wire_locked skips it only under HOLESOK, i.e. for mlockall);
 *    a range that wraps is EINVAL; an unaligned start is truncated;
 *  - RLIMIT_MEMLOCK and vm.max_user_wired bound what may be locked (ENOMEM);
 *  - munmap and vmspace_release unlock; a fork gives the child a private,
 *    unlocked copy of a locked private range while the parent keeps
 *    writing without copy-on-write faults; mprotect keeps the wiring right;
 *  - mlockall(MCL_CURRENT) wires what is mapped (holes, guards and
 *    PROT_NONE skipped), all or nothing; MCL_FUTURE what is mapped later
 *    (mmap, brk, stack growth), within RLIMIT_MEMLOCK; munlockall undoes
 *    both;
 *  - under concurrency (also run under ThreadSanitizer): locking while
 *    other threads write, map and unmap next to the range, mlockall while
 *    others map and unmap, and mlock while another thread forks.
 *
 * Where libvm's contract (libvm.h) deliberately differs from FreeBSD's
 * code, the case says so.  Memory is touched through vm_copyin,
 * vm_copyout and vm_fault_trap.  Every case boots its own libvm (64 MiB)
 * and shuts it down at the end; the cases whose failure mode may be a
 * panic run in a child process that boots libvm itself, so that the
 * panic is reported as a failure with its message.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvm.h>
#include <uma.h>

#define	PG		((vm_size_t)VM_PAGE_SIZE)
#define	RW		(VM_PROT_READ | VM_PROT_WRITE)
#define	ANON_PRIV	(VM_MAP_ANON | VM_MAP_PRIVATE)
#define	ANON_SHARED	(VM_MAP_ANON | VM_MAP_SHARED)
#define	SUPERPAGE	((vm_size_t)2 << 20)
#define	NKVE		128
#define	MAXPG		256

#define	UNUSED		__attribute__((__unused__))

static struct vm_kinfo_vmentry kve[NKVE];

/* ---- boot ---------------------------------------------------------------- */

static inline UNUSED void
boot(void)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = 64u << 20;
	c.ncpu = 2;
	c.seed = 1;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
}

static inline UNUSED struct vmspace *
vs_new(void)
{
	struct vmspace *vs = NULL;

	ATF_REQUIRE_EQ(0, vmspace_create(&vs));
	ATF_REQUIRE(vs != NULL);
	return (vs);
}

static inline UNUSED uint64_t
stat_l(int line, const char *leaf)
{
	char name[128];
	uint64_t v = 0;
	size_t len = sizeof(v);
	int error;

	snprintf(name, sizeof(name), "vm.stats.vm.%s", leaf);
	error = vm_sysctlbyname(name, &v, &len, NULL, 0);
	ATF_REQUIRE_MSG(error == 0, "line %d: sysctl %s: error %d", line, name,
	    error);
	ATF_REQUIRE_EQ(sizeof(v), len);
	return (v);
}
#define	STAT(leaf)	stat_l(__LINE__, (leaf))

static inline UNUSED uint64_t
max_user_wired(void)
{
	uint64_t v = 0;
	size_t len = sizeof(v);

	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.max_user_wired", &v, &len,
	    NULL, 0));
	ATF_REQUIRE_EQ(sizeof(v), len);
	return (v);
}

static inline UNUSED void
set_max_user_wired(uint64_t v)
{
	int error;

	error = vm_sysctlbyname("vm.max_user_wired", NULL, NULL, &v,
	    sizeof(v));
	ATF_REQUIRE_MSG(error == 0, "setting vm.max_user_wired: error %d",
	    error);
	ATF_REQUIRE_EQ(v, max_user_wired());
}

/* ---- wiring counters ----------------------------------------------------- */

struct wc {
	uint64_t	user;	/* v_user_wire_count */
	uint64_t	wire;	/* v_wire_count */
};

/* Pages in UMA's slabs (vm.zone_stats, read through uma_zone_stats). */
static uint64_t
uma_pages(void)
{
	struct uma_zone_stat st[64];
	size_t n = 64, i;
	uint64_t p = 0;

	ATF_REQUIRE_EQ(0, uma_zone_stats(st, &n));
	for (i = 0; i < n; i++)
		if ((st[i].uzs_flags & UTH_ZONE_SECONDARY) == 0)
			p += st[i].uzs_pages;
	return (p);
}

static inline UNUSED struct wc
wc_now(void)
{
	struct wc w;

	w.user = STAT("v_user_wire_count");
	/* Not counting UMA's slabs: kernel memory, wired too. */
	w.wire = STAT("v_wire_count") - uma_pages();
	return (w);
}

/*
 * Both counters are base plus n pages.  Page-table pages are wired too:
 * callers make sure the leaf tables of the ranges they lock exist before
 * they take base (see region()).
 */
static inline UNUSED void
wired_is_l(int line, struct wc base, int64_t n)
{
	struct wc w = wc_now();

	ATF_CHECK_MSG((int64_t)(w.user - base.user) == n,
	    "line %d: v_user_wire_count is base%+jd, want base%+jd", line,
	    (intmax_t)(w.user - base.user), (intmax_t)n);
	ATF_CHECK_MSG((int64_t)(w.wire - base.wire) == n,
	    "line %d: v_wire_count is base%+jd, want base%+jd", line,
	    (intmax_t)(w.wire - base.wire), (intmax_t)n);
}
#define	WIRED_IS(base, n)	wired_is_l(__LINE__, (base), (int64_t)(n))

/* Only v_user_wire_count (when page-table pages may come and go). */
static inline UNUSED void
uwired_is_l(int line, struct wc base, int64_t n)
{
	struct wc w = wc_now();

	ATF_CHECK_MSG((int64_t)(w.user - base.user) == n,
	    "line %d: v_user_wire_count is base%+jd, want base%+jd", line,
	    (intmax_t)(w.user - base.user), (intmax_t)n);
}
#define	UWIRED_IS(base, n)	uwired_is_l(__LINE__, (base), (int64_t)(n))

/* ---- mapping ------------------------------------------------------------- */

static inline UNUSED vm_offset_t
map_l(int line, struct vmspace *vs, vm_offset_t hint, vm_size_t len,
    int prot, int flags)
{
	vm_offset_t a = hint;
	int error;

	error = vm_mmap(vs, &a, len, prot, flags, -1, 0);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_mmap(hint %#jx, len %#jx, "
	    "prot %#x, flags %#x): error %d", line, (uintmax_t)hint,
	    (uintmax_t)len, prot, flags, error);
	if ((flags & VM_MAP_FIXED) != 0)
		ATF_REQUIRE_MSG(a == hint, "line %d: fixed mapping at %#jx "
		    "returned %#jx", line, (uintmax_t)hint, (uintmax_t)a);
	return (a);
}
#define	MAP(vs, hint, len, prot, flags)				\
	map_l(__LINE__, (vs), (hint), (len), (prot), (flags))
#define	ANON(vs, len, prot)	MAP((vs), 0, (len), (prot), ANON_PRIV)

static inline UNUSED void
access_ok_l(int line, struct vmspace *vs, vm_offset_t va, int acc)
{
	int signo = 0, code = 0, error;

	error = vm_fault_trap(vs, va, acc, &signo, &code);
	ATF_REQUIRE_MSG(error == 0, "line %d: access %#x at %#jx: error %d "
	    "(signal %d code %d), want success", line, acc, (uintmax_t)va,
	    error, signo, code);
}
#define	ACCESS_OK(vs, va, acc)	access_ok_l(__LINE__, (vs), (va), (acc))

/*
 * A range of npages pages (prot) with one RW page on each side, in one
 * 2 MiB-aligned area so that a single leaf page table maps all of it.
 * The two side pages are touched, which makes that table exist, so that
 * locking the range wires exactly its npages pages; the range itself is
 * left untouched.  Returns the start of the range.
 */
static inline UNUSED vm_offset_t
region_l(int line, struct vmspace *vs, int npages, int prot, int share)
{
	vm_offset_t a;
	int error;

	ATF_REQUIRE(npages > 0 && npages + 2 <= 512);
	a = map_l(line, vs, 0, (vm_size_t)(npages + 2) * PG, RW,
	    VM_MAP_ANON | share | VM_MAP_ALIGNED(21));
	ATF_REQUIRE_MSG(a % SUPERPAGE == 0, "line %d: MAP_ALIGNED(21) gave "
	    "%#jx", line, (uintmax_t)a);
	access_ok_l(line, vs, a, VM_PROT_WRITE);
	access_ok_l(line, vs, a + (vm_size_t)(npages + 1) * PG, VM_PROT_WRITE);
	if (prot != RW) {
		error = vm_mprotect(vs, a + PG, (vm_size_t)npages * PG, prot);
		ATF_REQUIRE_MSG(error == 0, "line %d: vm_mprotect: error %d",
		    line, error);
	}
	return (a + PG);
}
#define	REGION(vs, n)		region_l(__LINE__, (vs), (n), RW, VM_MAP_PRIVATE)
#define	REGION_PROT(vs, n, p)	region_l(__LINE__, (vs), (n), (p), VM_MAP_PRIVATE)
#define	REGION_SHARED(vs, n)	region_l(__LINE__, (vs), (n), RW, VM_MAP_SHARED)

/* ---- contents ------------------------------------------------------------ */

/*
 * Byte i of the page at address va of a pattern seeded with v: it depends
 * on the address, so that part of a filled range can be checked alone.
 */
static inline UNUSED uint8_t
pat(uint8_t v, vm_offset_t va, vm_size_t i)
{
	return ((uint8_t)(v + (va / PG) * 7 + (i % 251)));
}

static inline UNUSED void
fill_l(int line, struct vmspace *vs, vm_offset_t va, int npages, uint8_t v)
{
	static uint8_t buf[VM_PAGE_SIZE];
	vm_size_t p, i;
	int error;

	for (p = 0; p < (vm_size_t)npages; p++) {
		for (i = 0; i < PG; i++)
			buf[i] = pat(v, va + p * PG, i);
		error = vm_copyout(vs, buf, va + p * PG, PG);
		ATF_REQUIRE_MSG(error == 0, "line %d: vm_copyout to %#jx: "
		    "error %d", line, (uintmax_t)(va + p * PG), error);
	}
}
#define	FILL(vs, va, n, v)	fill_l(__LINE__, (vs), (va), (n), (v))

/* Whether the npages at va hold the pattern v (v 0: zero-filled). */
static inline UNUSED void
expect_l(int line, struct vmspace *vs, vm_offset_t va, int npages, uint8_t v,
    bool zero)
{
	static uint8_t buf[VM_PAGE_SIZE];
	vm_size_t p, i;
	uint8_t want;
	int error;

	for (p = 0; p < (vm_size_t)npages; p++) {
		error = vm_copyin(vs, va + p * PG, buf, PG);
		ATF_REQUIRE_MSG(error == 0, "line %d: vm_copyin from %#jx: "
		    "error %d", line, (uintmax_t)(va + p * PG), error);
		for (i = 0; i < PG; i++) {
			want = zero ? 0 : pat(v, va + p * PG, i);
			if (buf[i] != want) {
				atf_tc_fail_nonfatal("line %d: byte at %#jx "
				    "(page %ju) is %#x, want %#x", line,
				    (uintmax_t)(va + p * PG + i), (uintmax_t)p,
				    buf[i], want);
				return;
			}
		}
	}
}
#define	EXPECT(vs, va, n, v)	expect_l(__LINE__, (vs), (va), (n), (v), false)
#define	EXPECT_ZERO(vs, va, n)	expect_l(__LINE__, (vs), (va), (n), 0, true)

/* ---- inspection ---------------------------------------------------------- */

/* How many of the npages at va mincore reports resident. */
static inline UNUSED int
incore_l(int line, struct vmspace *vs, vm_offset_t va, int npages)
{
	char vec[MAXPG];
	int error, i, n = 0;

	ATF_REQUIRE(npages <= MAXPG);
	memset(vec, 0, sizeof(vec));
	error = vm_mincore(vs, va, (vm_size_t)npages * PG, vec);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_mincore(%#jx, %d pages): "
	    "error %d", line, (uintmax_t)va, npages, error);
	for (i = 0; i < npages; i++)
		if ((vec[i] & VM_MINCORE_INCORE) != 0)
			n++;
	return (n);
}
#define	INCORE(vs, va, n)	incore_l(__LINE__, (vs), (va), (n))

static inline UNUSED size_t
pstat_l(int line, struct vmspace *vs)
{
	size_t n = NKVE;
	int error;

	memset(kve, 0, sizeof(kve));
	error = vm_procstat(vs, kve, &n);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_procstat: error %d", line,
	    error);
	ATF_REQUIRE(n <= NKVE);
	return (n);
}

static inline UNUSED void
kve_dump(size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("  [%#jx, %#jx) prot %#x type %d flags %#x res %d\n",
		    (uintmax_t)kve[i].kve_start, (uintmax_t)kve[i].kve_end,
		    kve[i].kve_protection, kve[i].kve_type, kve[i].kve_flags,
		    kve[i].kve_resident);
}

static inline UNUSED int
kve_find(size_t n, vm_offset_t va)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (kve[i].kve_start <= va && va < kve[i].kve_end)
			return ((int)i);
	return (-1);
}

/*
 * The entry holding va is exactly [s, e) and is (wired) or is not
 * (!wired) user-wired.
 */
static inline UNUSED void
entry_is_l(int line, struct vmspace *vs, vm_offset_t va, vm_offset_t s,
    vm_offset_t e, bool wired)
{
	size_t n = pstat_l(line, vs);
	int i = kve_find(n, va);

	ATF_REQUIRE_MSG(i >= 0, "line %d: no entry holds %#jx", line,
	    (uintmax_t)va);
	if (kve[i].kve_start != s || kve[i].kve_end != e ||
	    ((kve[i].kve_flags & VM_KVME_FLAG_USER_WIRED) != 0) != wired) {
		kve_dump(n);
		atf_tc_fail_nonfatal("line %d: entry at %#jx is [%#jx, %#jx) "
		    "flags %#x, want [%#jx, %#jx) %s", line, (uintmax_t)va,
		    (uintmax_t)kve[i].kve_start, (uintmax_t)kve[i].kve_end,
		    kve[i].kve_flags, (uintmax_t)s, (uintmax_t)e,
		    wired ? "USER_WIRED" : "not USER_WIRED");
	}
}
#define	ENTRY_IS(vs, va, s, e, w)					\
	entry_is_l(__LINE__, (vs), (va), (s), (e), (w))

/* Whether the entry holding va is user-wired (its bounds not checked). */
static inline UNUSED bool
user_wired_at(struct vmspace *vs, vm_offset_t va)
{
	size_t n = pstat_l(__LINE__, vs);
	int i = kve_find(n, va);

	ATF_REQUIRE_MSG(i >= 0, "no entry holds %#jx", (uintmax_t)va);
	return ((kve[i].kve_flags & VM_KVME_FLAG_USER_WIRED) != 0);
}

/* No entry of vs is user-wired. */
static inline UNUSED void
none_wired_l(int line, struct vmspace *vs)
{
	size_t n = pstat_l(line, vs), i;

	for (i = 0; i < n; i++)
		if ((kve[i].kve_flags & VM_KVME_FLAG_USER_WIRED) != 0) {
			kve_dump(n);
			atf_tc_fail_nonfatal("line %d: entry [%#jx, %#jx) is "
			    "still USER_WIRED", line,
			    (uintmax_t)kve[i].kve_start,
			    (uintmax_t)kve[i].kve_end);
			return;
		}
}
#define	NONE_WIRED(vs)	none_wired_l(__LINE__, (vs))

/* A call that must return want. */
#define	CALL_IS(want, call) do {					\
	int _e = (call);						\
									\
	ATF_CHECK_MSG(_e == (want), "%s = %d, want %d", #call, _e,	\
	    (want));							\
} while (0)

/* ---- cases run in a child ------------------------------------------------ */

/*
 * For cases whose failure mode may be a panic: fn runs in a child that
 * boots libvm itself (a kernel of its own, whatever state the parent's
 * is in).  The child uses no ATF macros: C_CHECK prints what
 * failed and exits 1.  The parent reports the child's output.
 */
#define	C_CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "line %d: ", __LINE__);			\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		_exit(1);						\
	}								\
} while (0)

static void
child_boot(void)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = 64u << 20;
	c.ncpu = 2;
	c.seed = 1;
	if (vm_boot(&c) != 0)
		_exit(10);
}

static uint64_t
c_stat(const char *leaf)
{
	char name[128];
	uint64_t v = 0;
	size_t len = sizeof(v);

	snprintf(name, sizeof(name), "vm.stats.vm.%s", leaf);
	if (vm_sysctlbyname(name, &v, &len, NULL, 0) != 0)
		_exit(11);
	return (v);
}

static void
run_child(const char *what, void (*fn)(void))
{
	char buf[8192], drain[4096];
	size_t len;
	ssize_t r;
	pid_t pid;
	int pfd[2], status;

	fflush(stdout);
	fflush(stderr);
	ATF_REQUIRE(pipe(pfd) == 0);
	pid = fork();
	ATF_REQUIRE(pid != -1);
	if (pid == 0) {
		struct rlimit rl = { 0, 0 };

		close(pfd[0]);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		(void)setrlimit(RLIMIT_CORE, &rl);	/* a panic aborts */
		child_boot();
		fn();
		vm_shutdown();
		_exit(0);
	}
	close(pfd[1]);
	len = 0;
	for (;;) {
		/* Keep what fits; drain the rest, or the child gets SIGPIPE. */
		if (len < sizeof(buf) - 1)
			r = read(pfd[0], buf + len, sizeof(buf) - 1 - len);
		else
			r = read(pfd[0], drain, sizeof(drain));
		if (r <= 0)
			break;
		if (len < sizeof(buf) - 1)
			len += (size_t)r;
	}
	buf[len] = '\0';
	close(pfd[0]);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	if (WIFSIGNALED(status))
		atf_tc_fail_nonfatal("%s: the child died of signal %d: %s",
		    what, WTERMSIG(status), buf);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		atf_tc_fail_nonfatal("%s: child exit status %d: %s", what,
		    WEXITSTATUS(status), buf);
}

/* ===== mlock and munlock ================================================= */

/*
 * mlock makes the pages resident without a touch, counts them in both
 * counters and marks the entry, clipped to the range, USER_WIRED; munlock
 * gives the counts back, clears the mark and lets the entries merge again.
 * The pages stay resident (mlock(2): munlock does not page them out).
 */
ATF_TC_WITHOUT_HEAD(mlock__resident_and_counted);
ATF_TC_BODY(mlock__resident_and_counted, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = REGION(vs, 8);
	ATF_REQUIRE_EQ_MSG(0, INCORE(vs, a, 8), "untouched pages resident "
	    "before mlock: the case would prove nothing");
	base = wc_now();
	ENTRY_IS(vs, a, a - PG, a + 9 * PG, false);

	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 8 * PG));
	ATF_CHECK_EQ(8, INCORE(vs, a, 8));
	WIRED_IS(base, 8);
	ENTRY_IS(vs, a, a, a + 8 * PG, true);
	ENTRY_IS(vs, a + 7 * PG, a, a + 8 * PG, true);
	ENTRY_IS(vs, a - PG, a - PG, a, false);
	ENTRY_IS(vs, a + 8 * PG, a + 8 * PG, a + 9 * PG, false);
	EXPECT_ZERO(vs, a, 8);

	ATF_REQUIRE_EQ(0, vm_munlock(vs, a, 8 * PG));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);
	ENTRY_IS(vs, a, a - PG, a + 9 * PG, false);
	ATF_CHECK_EQ(8, INCORE(vs, a, 8));

	/* A smaller lock in the middle of a larger entry. */
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a + 3 * PG, 2 * PG));
	WIRED_IS(base, 2);
	ENTRY_IS(vs, a + 3 * PG, a + 3 * PG, a + 5 * PG, true);
	ENTRY_IS(vs, a, a - PG, a + 3 * PG, false);
	ENTRY_IS(vs, a + 5 * PG, a + 5 * PG, a + 9 * PG, false);
	ATF_REQUIRE_EQ(0, vm_munlock(vs, a + 3 * PG, 2 * PG));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);

	vmspace_release(vs);
	ATF_CHECK_EQ(0, STAT("v_user_wire_count"));
	vm_shutdown();
}

/*
 * Locks do not nest (mlock(2): a single munlock undoes any number of
 * mlocks): locking twice counts once, an overlapping lock adds only the
 * new pages, and one munlock of the union gives everything back.
 */
ATF_TC_WITHOUT_HEAD(mlock__twice_counts_once);
ATF_TC_BODY(mlock__twice_counts_once, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = REGION(vs, 8);
	base = wc_now();

	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 4 * PG));
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 4 * PG));
	WIRED_IS(base, 4);
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a + 2 * PG, 4 * PG));
	WIRED_IS(base, 6);
	ENTRY_IS(vs, a, a, a + 6 * PG, true);
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a + PG, PG));
	WIRED_IS(base, 6);

	ATF_REQUIRE_EQ(0, vm_munlock(vs, a, 6 * PG));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);

	vmspace_release(vs);
	vm_shutdown();
}

/*
 * munlock of part of a locked range unlocks that part only, clipping the
 * entry; the rest stays locked and counted.
 */
ATF_TC_WITHOUT_HEAD(munlock__partial);
ATF_TC_BODY(munlock__partial, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = REGION(vs, 6);
	base = wc_now();

	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 6 * PG));
	ATF_REQUIRE_EQ(0, vm_munlock(vs, a + 2 * PG, 2 * PG));
	WIRED_IS(base, 4);
	ENTRY_IS(vs, a, a, a + 2 * PG, true);
	ENTRY_IS(vs, a + 2 * PG, a + 2 * PG, a + 4 * PG, false);
	ENTRY_IS(vs, a + 4 * PG, a + 4 * PG, a + 6 * PG, true);
	ATF_CHECK_EQ(6, INCORE(vs, a, 6));

	ATF_REQUIRE_EQ(0, vm_munlock(vs, a, 2 * PG));
	WIRED_IS(base, 2);
	ATF_REQUIRE_EQ(0, vm_munlock(vs, a + 4 * PG, 2 * PG));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);

	vmspace_release(vs);
	vm_shutdown();
}

/*
 * libvm's contract (libvm.h, vm_map_unwire): munlock of a mapped range
 * that is not (entirely) locked is ENOMEM and changes nothing.  Note that
 * FreeBSD's code differs: its vm_map_unwire() checks only for holes on a
 * user unwiring, so FreeBSD's munlock of a mapped, unlocked range returns
 * 0 (and unlocks the locked parts of a partly locked one).
 */
ATF_TC_WITHOUT_HEAD(munlock__not_locked);
ATF_TC_BODY(munlock__not_locked, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = REGION(vs, 4);
	base = wc_now();

	CALL_IS(ENOMEM, vm_munlock(vs, a, 4 * PG));
	WIRED_IS(base, 0);

	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 2 * PG));
	CALL_IS(ENOMEM, vm_munlock(vs, a, 4 * PG));
	CALL_IS(ENOMEM, vm_munlock(vs, a + PG, 2 * PG));
	WIRED_IS(base, 2);
	ENTRY_IS(vs, a, a, a + 2 * PG, true);
	ATF_REQUIRE_EQ(0, vm_munlock(vs, a, 2 * PG));
	WIRED_IS(base, 0);
	CALL_IS(ENOMEM, vm_munlock(vs, a, PG));

	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A hole anywhere in the range is ENOMEM for both calls (mlock(2): "some
 * portion of the indicated address range is not allocated") and changes
 * nothing: no page of the mapped parts is locked or unlocked.
 */
ATF_TC_WITHOUT_HEAD(mlock__hole);
ATF_TC_BODY(mlock__hole, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a;

	boot();
	vs = vs_new();
	/* [a, a+2) mapped, [a+2, a+3) a hole, [a+3, a+5) mapped. */
	a = REGION(vs, 5);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a + 2 * PG, PG));
	base = wc_now();

	CALL_IS(ENOMEM, vm_mlock(vs, a, 5 * PG));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);
	CALL_IS(ENOMEM, vm_mlock(vs, a + PG, 2 * PG));	/* ends in it */
	CALL_IS(ENOMEM, vm_mlock(vs, a + 2 * PG, 2 * PG)); /* starts in it */
	CALL_IS(ENOMEM, vm_mlock(vs, a + 2 * PG, PG));	/* all hole */
	WIRED_IS(base, 0);
	NONE_WIRED(vs);

	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 2 * PG));
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a + 3 * PG, 2 * PG));
	WIRED_IS(base, 4);
	CALL_IS(ENOMEM, vm_munlock(vs, a, 5 * PG));
	CALL_IS(ENOMEM, vm_munlock(vs, a + 2 * PG, PG));
	CALL_IS(ENOMEM, vm_munlock(vs, a + PG, 2 * PG));
	WIRED_IS(base, 4);
	ATF_CHECK(user_wired_at(vs, a));
	ATF_CHECK(user_wired_at(vs, a + 3 * PG));

	ATF_REQUIRE_EQ(0, vm_munlock(vs, a, 2 * PG));
	ATF_REQUIRE_EQ(0, vm_munlock(vs, a + 3 * PG, 2 * PG));
	WIRED_IS(base, 0);

	/* Outside the user range altogether. */
	CALL_IS(ENOMEM, vm_mlock(vs, VM_MAX_USER_ADDRESS, PG));
	CALL_IS(ENOMEM, vm_mlock(vs, VM_MAX_USER_ADDRESS - PG, 2 * PG));
	CALL_IS(ENOMEM, vm_munlock(vs, VM_MAX_USER_ADDRESS, PG));
	WIRED_IS(base, 0);

	vmspace_release(vs);
	vm_shutdown();
}

/*
 * kern_mlock/kern_munlock: a range whose end, or whose end rounded up to a
 * page, wraps around is EINVAL.  A zero length locks nothing and succeeds.
 */
ATF_TC_WITHOUT_HEAD(mlock__wraparound);
ATF_TC_BODY(mlock__wraparound, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = REGION(vs, 2);
	base = wc_now();

	CALL_IS(EINVAL, vm_mlock(vs, a, UINT64_MAX));
	CALL_IS(EINVAL, vm_mlock(vs, a, (vm_size_t)0 - a + PG));
	CALL_IS(EINVAL, vm_mlock(vs, UINT64_MAX - 10, 5));	/* rounds to 0 */
	CALL_IS(EINVAL, vm_mlock(vs, UINT64_MAX - PG + 1, 1));
	CALL_IS(EINVAL, vm_munlock(vs, a, UINT64_MAX));
	CALL_IS(EINVAL, vm_munlock(vs, UINT64_MAX - 10, 5));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);

	CALL_IS(0, vm_mlock(vs, a, 0));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);

	vmspace_release(vs);
	vm_shutdown();
}

/*
 * The range is [trunc_page(addr), round_page(addr + len)): an unaligned
 * start and a partial length lock (and unlock) whole pages.
 */
ATF_TC_WITHOUT_HEAD(mlock__unaligned);
ATF_TC_BODY(mlock__unaligned, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = REGION(vs, 4);
	base = wc_now();

	ATF_REQUIRE_EQ(0, vm_mlock(vs, a + 100, 1));
	WIRED_IS(base, 1);
	ENTRY_IS(vs, a, a, a + PG, true);
	ATF_CHECK_EQ(1, INCORE(vs, a, 4));

	/* The last byte of page 1 and the first of page 2. */
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a + 2 * PG - 1, 2));
	WIRED_IS(base, 3);
	ENTRY_IS(vs, a, a, a + 3 * PG, true);
	ENTRY_IS(vs, a + 3 * PG, a + 3 * PG, a + 5 * PG, false);

	ATF_REQUIRE_EQ(0, vm_munlock(vs, a + 5, 3 * PG - 10));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);

	vmspace_release(vs);
	vm_shutdown();
}

/* ---- limits -------------------------------------------------------------- */

/*
 * RLIMIT_MEMLOCK bounds the bytes a vmspace has locked: a lock that would
 * exceed it is ENOMEM and locks nothing; unlocking makes room again.  The
 * limit is per address space.
 */
ATF_TC_WITHOUT_HEAD(mlock__rlimit_memlock);
ATF_TC_BODY(mlock__rlimit_memlock, tc)
{
	struct vmspace *vs, *vs2;
	struct wc base;
	vm_offset_t a, b, c, big;
	uint64_t cur = 0, max = 0, free0, free1;

	boot();
	vs = vs_new();
	vs2 = vs_new();
	ATF_REQUIRE_EQ(0, vm_getrlimit(vs, VM_RLIMIT_MEMLOCK, &cur, &max));
	ATF_CHECK_EQ(VM_RLIM_INFINITY, cur);
	a = REGION(vs, 4);
	b = REGION(vs, 4);
	c = REGION(vs2, 8);
	base = wc_now();
	ATF_REQUIRE_EQ(0, vm_setrlimit(vs, VM_RLIMIT_MEMLOCK, 4 * PG, 4 * PG));

	CALL_IS(ENOMEM, vm_mlock(vs, a - PG, 5 * PG));	/* one call */
	WIRED_IS(base, 0);
	NONE_WIRED(vs);
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 4 * PG));	/* exactly the limit */
	WIRED_IS(base, 4);
	CALL_IS(ENOMEM, vm_mlock(vs, b, PG));		/* one page more */
	CALL_IS(ENOMEM, vm_mlock(vs, b, 4 * PG));
	WIRED_IS(base, 4);
	ATF_CHECK(!user_wired_at(vs, b));
	ATF_CHECK_EQ_MSG(0, INCORE(vs, b, 4), "a lock refused for the limit "
	    "brought pages in");

	/* Another address space has its own (unlimited) limit. */
	ATF_REQUIRE_EQ(0, vm_mlock(vs2, c, 8 * PG));
	WIRED_IS(base, 12);

	ATF_REQUIRE_EQ(0, vm_munlock(vs, a, 2 * PG));
	ATF_REQUIRE_EQ(0, vm_mlock(vs, b, 2 * PG));
	WIRED_IS(base, 12);
	CALL_IS(ENOMEM, vm_mlock(vs, b + 2 * PG, PG));

	/* mlockall(MCL_CURRENT) of a map larger than the limit. */
	CALL_IS(ENOMEM, vm_mlockall(vs, VM_MCL_CURRENT));
	WIRED_IS(base, 12);

	/* A zero limit forbids any lock. */
	ATF_REQUIRE_EQ(0, vm_munlockall(vs));
	ATF_REQUIRE_EQ(0, vm_setrlimit(vs, VM_RLIMIT_MEMLOCK, 0, 0));
	CALL_IS(ENOMEM, vm_mlock(vs, a, PG));
	WIRED_IS(base, 8);

	ATF_REQUIRE_EQ(0, vm_munlock(vs2, c, 8 * PG));
	WIRED_IS(base, 0);
	vmspace_release(vs);
	vmspace_release(vs2);

	/*
	 * A lock refused for the limit must not fault the range in first
	 * (kern_mlock checks RLIMIT_MEMLOCK before vm_map_wire): refusing
	 * to lock 4 MiB must not take 4 MiB of free memory.
	 */
	vs = vs_new();
	ATF_REQUIRE_EQ(0, vm_setrlimit(vs, VM_RLIMIT_MEMLOCK, 4 * PG, 4 * PG));
	big = ANON(vs, 1024 * PG, RW);
	free0 = STAT("v_free_count");
	CALL_IS(ENOMEM, vm_mlock(vs, big, 1024 * PG));
	free1 = STAT("v_free_count");
	ATF_CHECK_MSG(free1 + 64 >= free0, "a refused mlock of 1024 pages "
	    "took %jd free pages", (intmax_t)(free0 - free1));
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * vm.max_user_wired (u64, read-write) bounds the pages user-wired in the
 * whole system: a lock that would take v_user_wire_count past it is
 * ENOMEM (kern_mlock and vm_map_wire_user_count_add), whichever address
 * space asks.
 */
ATF_TC_WITHOUT_HEAD(mlock__max_user_wired);
ATF_TC_BODY(mlock__max_user_wired, tc)
{
	struct vm_sysctl_info info;
	struct vmspace *vs, *vs2;
	struct wc base;
	vm_offset_t a, b, c;
	uint64_t old;

	boot();
	memset(&info, 0, sizeof(info));
	ATF_REQUIRE_EQ(0, vm_sysctl_info("vm.max_user_wired", &info));
	ATF_CHECK_EQ(VM_CTLTYPE_U64, info.type);
	ATF_CHECK((info.flags & VM_CTLFLAG_RD) != 0);
	ATF_CHECK((info.flags & VM_CTLFLAG_WR) != 0);
	ATF_REQUIRE_EQ(0, vm_sysctl_info("vm.stats.vm.v_user_wire_count",
	    &info));
	old = max_user_wired();
	ATF_CHECK_MSG(old > 0 && old < STAT("v_page_count"),
	    "vm.max_user_wired is %ju", (uintmax_t)old);

	vs = vs_new();
	vs2 = vs_new();
	a = REGION(vs, 9);
	b = REGION(vs, 4);
	c = REGION(vs2, 2);
	base = wc_now();
	set_max_user_wired(base.user + 8);

	CALL_IS(ENOMEM, vm_mlock(vs, a, 9 * PG));
	WIRED_IS(base, 0);
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 5 * PG));
	CALL_IS(ENOMEM, vm_mlock(vs, b, 4 * PG));
	WIRED_IS(base, 5);
	ATF_CHECK(!user_wired_at(vs, b));
	ATF_CHECK_EQ_MSG(0, INCORE(vs, b, 4), "a lock refused for the limit "
	    "brought pages in");
	ATF_REQUIRE_EQ(0, vm_mlock(vs, b, 3 * PG));	/* exactly the limit */
	WIRED_IS(base, 8);
	CALL_IS(ENOMEM, vm_mlock(vs2, c, PG));		/* system-wide */
	CALL_IS(ENOMEM, vm_mlockall(vs2, VM_MCL_CURRENT));
	WIRED_IS(base, 8);
	ATF_CHECK(!user_wired_at(vs2, c));

	ATF_REQUIRE_EQ(0, vm_munlock(vs, b, 3 * PG));
	ATF_REQUIRE_EQ(0, vm_mlock(vs2, c, PG));
	WIRED_IS(base, 6);

	set_max_user_wired(old);
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 9 * PG));
	WIRED_IS(base, 10);
	ATF_REQUIRE_EQ(0, vm_munlockall(vs));
	ATF_REQUIRE_EQ(0, vm_munlockall(vs2));
	WIRED_IS(base, 0);
	vmspace_release(vs);
	vmspace_release(vs2);
	vm_shutdown();
}

/* ---- contents and protections -------------------------------------------- */

/*
 * Locking and unlocking keep what the pages hold; writes to a locked
 * range stay; advice to discard (MADV_FREE, MADV_DONTNEED) does not touch
 * locked pages (vm_object_madvise skips wired pages).
 */
ATF_TC_WITHOUT_HEAD(mlock__contents);
ATF_TC_BODY(mlock__contents, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = REGION(vs, 8);
	FILL(vs, a, 4, 0x10);		/* half touched, half not */
	base = wc_now();

	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 8 * PG));
	WIRED_IS(base, 8);
	EXPECT(vs, a, 4, 0x10);
	EXPECT_ZERO(vs, a + 4 * PG, 4);

	FILL(vs, a, 8, 0x20);
	EXPECT(vs, a, 8, 0x20);
	ATF_REQUIRE_EQ(0, vm_madvise(vs, a, 8 * PG, VM_MADV_FREE));
	ATF_REQUIRE_EQ(0, vm_madvise(vs, a, 8 * PG, VM_MADV_DONTNEED));
	EXPECT(vs, a, 8, 0x20);
	ATF_CHECK_EQ(8, INCORE(vs, a, 8));
	WIRED_IS(base, 8);

	ATF_REQUIRE_EQ(0, vm_munlock(vs, a, 8 * PG));
	WIRED_IS(base, 0);
	EXPECT(vs, a, 8, 0x20);
	FILL(vs, a + 2 * PG, 1, 0x30);
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a + 2 * PG, PG));
	EXPECT(vs, a + 2 * PG, 1, 0x30);
	ATF_REQUIRE_EQ(0, vm_munlock(vs, a + 2 * PG, PG));
	EXPECT(vs, a, 2, 0x20);
	EXPECT(vs, a + 2 * PG, 1, 0x30);
	WIRED_IS(base, 0);

	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A read-only private mapping can be locked (vm_map_wire_locked needs
 * read or execute access, not write): its pages become resident and read
 * what they held; writing stays a protection fault.  The same for a
 * mapping that was read-only from the start and never touched.  An
 * execute-only mapping can be locked too.
 */
ATF_TC_WITHOUT_HEAD(mlock__readonly_private);
ATF_TC_BODY(mlock__readonly_private, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a, b, x;
	int signo = 0, code = 0;

	boot();
	vs = vs_new();
	a = REGION(vs, 4);
	FILL(vs, a, 2, 0x5a);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 4 * PG, VM_PROT_READ));
	b = REGION_PROT(vs, 4, VM_PROT_READ);
	x = REGION_PROT(vs, 2, VM_PROT_EXEC);
	base = wc_now();

	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 4 * PG));
	ATF_REQUIRE_EQ(0, vm_mlock(vs, b, 4 * PG));
	WIRED_IS(base, 8);
	ATF_CHECK_EQ(4, INCORE(vs, a, 4));
	ATF_CHECK_EQ(4, INCORE(vs, b, 4));
	ENTRY_IS(vs, a, a, a + 4 * PG, true);
	ENTRY_IS(vs, b, b, b + 4 * PG, true);
	EXPECT(vs, a, 2, 0x5a);
	EXPECT_ZERO(vs, a + 2 * PG, 2);
	EXPECT_ZERO(vs, b, 4);
	ATF_CHECK_EQ(EFAULT, vm_fault_trap(vs, a, VM_PROT_WRITE, &signo,
	    &code));
	ATF_CHECK_EQ(SIGSEGV, signo);
	ATF_CHECK_EQ(SEGV_ACCERR, code);

	CALL_IS(0, vm_mlock(vs, x, 2 * PG));
	WIRED_IS(base, 10);
	ATF_CHECK_EQ(2, INCORE(vs, x, 2));

	ATF_REQUIRE_EQ(0, vm_munlock(vs, a, 4 * PG));
	ATF_REQUIRE_EQ(0, vm_munlock(vs, b, 4 * PG));
	ATF_REQUIRE_EQ(0, vm_munlock(vs, x, 2 * PG));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);
	EXPECT(vs, a, 2, 0x5a);

	vmspace_release(vs);
	vm_shutdown();
}

/*
 * An entry without access cannot be wired: FreeBSD's vm_map_wire_locked
 * marks it WIRE_SKIPPED and, without HOLESOK (mlock), fails the call with
 * KERN_INVALID_ADDRESS, which kern_mlock returns as ENOMEM.  Nothing of
 * the range is locked, and no page of a PROT_NONE mapping is brought in.
 */
ATF_TC_WITHOUT_HEAD(mlock__prot_none);
ATF_TC_BODY(mlock__prot_none, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a, n;

	boot();
	vs = vs_new();
	n = REGION_PROT(vs, 4, VM_PROT_NONE);
	a = REGION(vs, 4);		/* [a, a+2) RW, [a+2, a+4) NONE */
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a + 2 * PG, 2 * PG, VM_PROT_NONE));
	base = wc_now();

	CALL_IS(ENOMEM, vm_mlock(vs, n, 4 * PG));
	CALL_IS(ENOMEM, vm_mlock(vs, n + PG, PG));
	ATF_CHECK_EQ(0, INCORE(vs, n, 4));
	CALL_IS(ENOMEM, vm_mlock(vs, a, 4 * PG));
	CALL_IS(ENOMEM, vm_mlock(vs, a + PG, 2 * PG));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);

	/* The accessible part alone can be. */
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 2 * PG));
	WIRED_IS(base, 2);
	ATF_REQUIRE_EQ(0, vm_munlock(vs, a, 2 * PG));
	WIRED_IS(base, 0);

	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A write-only entry has neither read nor execute access: FreeBSD's
 * vm_map_wire_locked refuses it like a PROT_NONE one ((protection &
 * (VM_PROT_READ | VM_PROT_EXECUTE)) == 0), so mlock is ENOMEM.
 */
ATF_TC_WITHOUT_HEAD(mlock__write_only);
ATF_TC_BODY(mlock__write_only, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = REGION_PROT(vs, 2, VM_PROT_WRITE);
	base = wc_now();
	CALL_IS(ENOMEM, vm_mlock(vs, a, 2 * PG));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);
	(void)vm_munlockall(vs);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A guard (MAP_GUARD) is an entry with no access: mlock over it is ENOMEM
 * like PROT_NONE (vm_map_wire_locked, without HOLESOK) and locks nothing;
 * the parts on each side can be locked on their own.  munlock over the
 * guard is ENOMEM and unlocks nothing under libvm's contract (a range not
 * all locked, see munlock__not_locked; FreeBSD's user unwiring would skip
 * the guard and succeed).
 */
ATF_TC_WITHOUT_HEAD(mlock__guard);
ATF_TC_BODY(mlock__guard, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = REGION(vs, 5);		/* [a, a+2) [guard] [a+3, a+5) */
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a + 2 * PG, PG));
	(void)MAP(vs, a + 2 * PG, PG, VM_PROT_NONE,
	    VM_MAP_GUARD | VM_MAP_FIXED);
	base = wc_now();

	CALL_IS(ENOMEM, vm_mlock(vs, a, 5 * PG));
	CALL_IS(ENOMEM, vm_mlock(vs, a + 2 * PG, PG));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);

	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 2 * PG));
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a + 3 * PG, 2 * PG));
	WIRED_IS(base, 4);
	ENTRY_IS(vs, a + 2 * PG, a + 2 * PG, a + 3 * PG, false);
	CALL_IS(ENOMEM, vm_munlock(vs, a, 5 * PG));
	CALL_IS(ENOMEM, vm_munlock(vs, a + 2 * PG, PG));
	WIRED_IS(base, 4);
	ATF_CHECK(user_wired_at(vs, a));
	ATF_CHECK(user_wired_at(vs, a + 3 * PG));
	ATF_REQUIRE_EQ(0, vm_munlock(vs, a, 2 * PG));
	ATF_REQUIRE_EQ(0, vm_munlock(vs, a + 3 * PG, 2 * PG));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);

	/* mlockall skips it (HOLESOK). */
	ATF_REQUIRE_EQ(0, vm_mlockall(vs, VM_MCL_CURRENT));
	ATF_CHECK(user_wired_at(vs, a));
	ATF_CHECK(!user_wired_at(vs, a + 2 * PG));
	ATF_CHECK(user_wired_at(vs, a + 3 * PG));
	ATF_REQUIRE_EQ(0, vm_munlockall(vs));
	WIRED_IS(base, 0);

	vmspace_release(vs);
	vm_shutdown();
}

/* ---- unmapping ----------------------------------------------------------- */

/*
 * munmap unlocks what it removes (mlock(2): "unlocking is performed ...
 * implicitly by a call to munmap"), partially or wholly; a MAP_FIXED
 * mapping over a locked range replaces it with unlocked zero-fill memory.
 */
ATF_TC_WITHOUT_HEAD(munmap__unlocks);
ATF_TC_BODY(munmap__unlocks, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a, b;

	boot();
	vs = vs_new();
	a = REGION(vs, 8);
	b = REGION(vs, 4);
	base = wc_now();

	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 8 * PG));
	FILL(vs, a, 8, 0x44);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a + 3 * PG, 2 * PG));
	WIRED_IS(base, 6);
	ENTRY_IS(vs, a, a, a + 3 * PG, true);
	ENTRY_IS(vs, a + 5 * PG, a + 5 * PG, a + 8 * PG, true);
	EXPECT(vs, a, 3, 0x44);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a, 8 * PG));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);

	ATF_REQUIRE_EQ(0, vm_mlock(vs, b, 4 * PG));
	FILL(vs, b, 4, 0x55);
	(void)MAP(vs, b + PG, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	WIRED_IS(base, 2);
	ENTRY_IS(vs, b + PG, b + PG, b + 3 * PG, false);
	EXPECT_ZERO(vs, b + PG, 2);
	EXPECT(vs, b, 1, 0x55);
	ATF_REQUIRE_EQ(0, vm_munlock(vs, b, PG));
	ATF_REQUIRE_EQ(0, vm_munlock(vs, b + 3 * PG, PG));
	WIRED_IS(base, 0);

	vmspace_release(vs);
	vm_shutdown();
}

static void
release_cycle(void)
{
	struct vmspace *vs;
	vm_offset_t a;

	vs = vs_new();
	a = ANON(vs, 1u << 20, RW);
	FILL(vs, a, 16, 0xee);
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 1u << 20));
	vmspace_release(vs);
}

/*
 * Releasing an address space with locked memory (process exit) unlocks
 * and frees it: both counters and the free count return to where they
 * were.
 */
ATF_TC_WITHOUT_HEAD(vmspace__release_locked);
ATF_TC_BODY(vmspace__release_locked, tc)
{
	struct vmspace *vs;
	struct wc base;
	uint64_t before, during, after;
	vm_offset_t a, b;
	int k;

	boot();
	release_cycle();
	base = wc_now();
	before = STAT("v_free_count");

	vs = vs_new();
	a = ANON(vs, 2u << 20, RW);
	b = MAP(vs, 0, 64 * PG, RW, ANON_SHARED);
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 2u << 20));
	ATF_REQUIRE_EQ(0, vm_mlock(vs, b, 64 * PG));
	ATF_REQUIRE_EQ(0, vm_brk(vs, VM_DATA_BASE + 8 * PG));
	ATF_REQUIRE_EQ(0, vm_mlockall(vs, VM_MCL_CURRENT | VM_MCL_FUTURE));
	(void)ANON(vs, 4 * PG, RW);
	UWIRED_IS(base, 512 + 64 + 8 + 4);
	during = STAT("v_free_count");
	ATF_CHECK_MSG(during + 588 <= before, "locking 588 pages took only "
	    "%jd free pages", (intmax_t)(before - during));

	vmspace_release(vs);
	for (k = 0; k < 2; k++)
		release_cycle();
	WIRED_IS(base, 0);
	after = STAT("v_free_count");
	ATF_CHECK_MSG(after + 16 >= before, "free pages %ju before, %ju after "
	    "releasing: %jd lost", (uintmax_t)before, (uintmax_t)after,
	    (intmax_t)(before - after));
	vm_shutdown();
}

/* ---- fork ---------------------------------------------------------------- */

/*
 * Locked mappings are not inherited (mlock(2)): the child of a process
 * with a locked private range gets a private copy made at the fork,
 * itself unlocked; the parent stays locked and its writes to the range
 * land in its own wired pages without copy-on-write faults.  Writes on
 * either side are not seen by the other.  A locked shared mapping stays
 * shared with the child, which has it unlocked.
 */
ATF_TC_WITHOUT_HEAD(fork__locked_private);
ATF_TC_BODY(fork__locked_private, tc)
{
	struct vmspace *vs, *child;
	struct wc base, prefork;
	vm_offset_t a, s, z, no;
	uint64_t cow;

	boot();
	vs = vs_new();
	a = REGION(vs, 4);
	s = REGION_SHARED(vs, 2);
	z = REGION(vs, 2);
	no = REGION(vs, 2);
	base = wc_now();
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 4 * PG));
	ATF_REQUIRE_EQ(0, vm_mlock(vs, s, 2 * PG));
	ATF_REQUIRE_EQ(0, vm_mlock(vs, z, 2 * PG));
	ATF_REQUIRE_EQ(0, vm_mlock(vs, no, 2 * PG));
	ATF_REQUIRE_EQ(0, vm_minherit(vs, z, 2 * PG, VM_INHERIT_ZERO));
	ATF_REQUIRE_EQ(0, vm_minherit(vs, no, 2 * PG, VM_INHERIT_NONE));
	FILL(vs, a, 4, 0x50);
	FILL(vs, s, 2, 0x60);
	FILL(vs, z, 2, 0x68);
	prefork = wc_now();
	WIRED_IS(base, 10);

	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	UWIRED_IS(base, 10);
	ATF_CHECK(!user_wired_at(child, a));
	ATF_CHECK(!user_wired_at(child, s));
	ATF_CHECK(!user_wired_at(child, z));
	EXPECT_ZERO(child, z, 2);
	EXPECT(vs, z, 2, 0x68);
	ATF_CHECK_MSG(kve_find(pstat_l(__LINE__, child), no) < 0,
	    "an INHERIT_NONE range reached the child");
	ENTRY_IS(vs, a, a, a + 4 * PG, true);
	EXPECT(child, a, 4, 0x50);
	EXPECT(child, s, 2, 0x60);

	/* The parent's writes: no copy-on-write, not seen by the child. */
	cow = STAT("v_cow_faults");
	FILL(vs, a, 4, 0x51);
	ATF_CHECK_EQ_MSG(cow, STAT("v_cow_faults"), "the parent's writes to "
	    "its locked range took %ju copy-on-write faults",
	    (uintmax_t)(STAT("v_cow_faults") - cow));
	EXPECT(child, a, 4, 0x50);
	EXPECT(vs, a, 4, 0x51);

	/* The child's writes are not seen by the parent. */
	FILL(child, a, 4, 0x52);
	EXPECT(vs, a, 4, 0x51);
	EXPECT(child, a, 4, 0x52);
	ATF_CHECK_EQ(4, INCORE(vs, a, 4));

	/* The shared mapping stays shared. */
	FILL(vs, s, 1, 0x61);
	EXPECT(child, s, 1, 0x61);
	FILL(child, s + PG, 1, 0x62);
	EXPECT(vs, s + PG, 1, 0x62);

	UWIRED_IS(base, 10);
	vmspace_release(child);
	WIRED_IS(prefork, 0);
	EXPECT(vs, a, 4, 0x51);
	ATF_REQUIRE_EQ(0, vm_munlock(vs, a, 4 * PG));
	ATF_REQUIRE_EQ(0, vm_munlock(vs, s, 2 * PG));
	ATF_REQUIRE_EQ(0, vm_munlockall(vs));
	WIRED_IS(base, 0);

	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A fork copies the locked range as it is, whatever its protection: a
 * locked range made PROT_NONE still holds its data (the wiring keeps the
 * pages), and the child, once it may read the range again, reads it.
 */
ATF_TC_WITHOUT_HEAD(fork__locked_prot_none);
ATF_TC_BODY(fork__locked_prot_none, tc)
{
	struct vmspace *vs, *child;
	struct wc base;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = REGION(vs, 4);
	base = wc_now();
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 4 * PG));
	FILL(vs, a, 4, 0x70);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 4 * PG, VM_PROT_NONE));

	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	ATF_REQUIRE_EQ(0, vm_mprotect(child, a, 4 * PG, VM_PROT_READ));
	EXPECT(child, a, 4, 0x70);
	vmspace_release(child);

	/* Readable again before the unlock (see mprotect__none_locked). */
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 4 * PG, RW));
	EXPECT(vs, a, 4, 0x70);
	UWIRED_IS(base, 4);
	ATF_REQUIRE_EQ(0, vm_munlock(vs, a, 4 * PG));
	UWIRED_IS(base, 0);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- mprotect ------------------------------------------------------------ */

/*
 * A read-only private range inherited copy-on-write from before a fork is
 * locked (its wired pages are still the ones the child shares); mprotect
 * then gives it write access (FreeBSD's vm_map_protect copies a user-wired
 * entry's pages at once: vm_fault_copy_entry).  Each side keeps its data,
 * the parent's writes do not reach the child, and munlock gives back
 * exactly what mlock took.
 */
ATF_TC_WITHOUT_HEAD(mprotect__cow_locked);
ATF_TC_BODY(mprotect__cow_locked, tc)
{
	struct vmspace *vs, *child;
	struct wc base;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = REGION(vs, 4);
	FILL(vs, a, 4, 0x80);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	EXPECT(child, a, 4, 0x80);	/* the child's page tables exist */
	base = wc_now();

	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 4 * PG, VM_PROT_READ));
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 4 * PG));
	WIRED_IS(base, 4);
	EXPECT(vs, a, 4, 0x80);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 2 * PG, RW));	/* part */
	WIRED_IS(base, 4);
	FILL(vs, a, 2, 0x81);
	EXPECT(vs, a + 2 * PG, 2, 0x80);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 4 * PG, RW));
	WIRED_IS(base, 4);
	EXPECT(vs, a, 2, 0x81);
	EXPECT(vs, a + 2 * PG, 2, 0x80);
	FILL(vs, a, 4, 0x81);
	EXPECT(vs, a, 4, 0x81);
	EXPECT(child, a, 4, 0x80);
	FILL(child, a, 2, 0x82);
	EXPECT(vs, a, 4, 0x81);
	ATF_CHECK_EQ(4, INCORE(vs, a, 4));
	WIRED_IS(base, 4);

	/* Down to read-only and back: nothing wired twice or lost. */
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a + PG, 2 * PG, VM_PROT_READ));
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 4 * PG, RW));
	WIRED_IS(base, 4);
	EXPECT(vs, a, 4, 0x81);

	ATF_REQUIRE_EQ(0, vm_munlock(vs, a, 4 * PG));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);
	EXPECT(vs, a, 4, 0x81);
	EXPECT(child, a, 2, 0x82);
	EXPECT(child, a + 2 * PG, 2, 0x80);

	vmspace_release(child);
	vmspace_release(vs);
	ATF_CHECK_EQ(0, STAT("v_user_wire_count"));
	vm_shutdown();
}

/* The same, with the range still locked when the two are released. */
ATF_TC_WITHOUT_HEAD(mprotect__cow_locked_release);
ATF_TC_BODY(mprotect__cow_locked_release, tc)
{
	struct vmspace *vs, *child;
	struct wc base;
	vm_offset_t a;

	boot();
	base = wc_now();
	vs = vs_new();
	a = REGION(vs, 4);
	FILL(vs, a, 4, 0x90);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 4 * PG, VM_PROT_READ));
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 4 * PG));
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 4 * PG, RW));
	FILL(vs, a, 4, 0x91);
	EXPECT(child, a, 4, 0x90);
	vmspace_release(vs);
	EXPECT(child, a, 4, 0x90);
	vmspace_release(child);
	WIRED_IS(base, 0);
	vm_shutdown();
}

/*
 * mprotect(PROT_NONE) of a locked range is allowed (FreeBSD's
 * vm_map_protect removes the translations, pmap_protect with
 * VM_PROT_NONE, but the pages stay wired in the object).  The range must
 * still unlock cleanly while PROT_NONE: by munlock, munlockall, munmap
 * or the release of the address space, each giving the counts back; and
 * its data must survive.
 */
static struct wc
c_wc(void)
{
	struct wc w;

	w.user = c_stat("v_user_wire_count");
	w.wire = c_stat("v_wire_count");
	return (w);
}

static vm_offset_t
c_locked_none(struct vmspace **vsp, struct wc *base)
{
	uint8_t buf[VM_PAGE_SIZE];
	vm_offset_t a = 0;
	struct wc w;

	C_CHECK(vmspace_create(vsp) == 0, "vmspace_create");
	C_CHECK(vm_mmap(*vsp, &a, 6 * PG, RW, ANON_PRIV | VM_MAP_ALIGNED(21),
	    -1, 0) == 0, "vm_mmap");
	memset(buf, 0xa5, sizeof(buf));
	C_CHECK(vm_copyout(*vsp, buf, a, PG) == 0, "copyout");
	C_CHECK(vm_copyout(*vsp, buf, a + 5 * PG, PG) == 0, "copyout");
	a += PG;
	*base = c_wc();
	C_CHECK(vm_mlock(*vsp, a, 4 * PG) == 0, "mlock");
	C_CHECK(vm_copyout(*vsp, buf, a + PG, PG) == 0, "copyout");
	C_CHECK(vm_mprotect(*vsp, a, 4 * PG, VM_PROT_NONE) == 0,
	    "mprotect NONE");
	w = c_wc();
	C_CHECK(w.user == base->user + 4 && w.wire == base->wire + 4,
	    "after mlock: user %+jd wire %+jd, want +4 +4",
	    (intmax_t)(w.user - base->user), (intmax_t)(w.wire - base->wire));
	return (a);
}

static void
c_none_munlock(void)
{
	uint8_t buf[VM_PAGE_SIZE];
	struct vmspace *vs;
	struct wc base, w;
	vm_offset_t a;
	int e;

	a = c_locked_none(&vs, &base);
	e = vm_munlock(vs, a, 4 * PG);
	C_CHECK(e == 0, "munlock of the PROT_NONE locked range: %d", e);
	w = c_wc();
	C_CHECK(w.user == base.user && w.wire == base.wire,
	    "after munlock: user %+jd wire %+jd, want 0 0",
	    (intmax_t)(w.user - base.user), (intmax_t)(w.wire - base.wire));
	C_CHECK(vm_mprotect(vs, a, 4 * PG, VM_PROT_READ) == 0, "mprotect");
	C_CHECK(vm_copyin(vs, a + PG, buf, PG) == 0, "copyin");
	C_CHECK(buf[0] == 0xa5 && buf[PG - 1] == 0xa5, "data lost: %#x",
	    buf[0]);
	vmspace_release(vs);
}

static void
c_none_munlockall(void)
{
	struct vmspace *vs;
	struct wc base, w;
	int e;

	(void)c_locked_none(&vs, &base);
	e = vm_munlockall(vs);
	C_CHECK(e == 0, "munlockall: %d", e);
	w = c_wc();
	C_CHECK(w.user == base.user && w.wire == base.wire,
	    "after munlockall: user %+jd wire %+jd, want 0 0",
	    (intmax_t)(w.user - base.user), (intmax_t)(w.wire - base.wire));
	vmspace_release(vs);
}

static void
c_none_munmap(void)
{
	struct vmspace *vs;
	struct wc base, w;
	vm_offset_t a;
	int e;

	a = c_locked_none(&vs, &base);
	e = vm_munmap(vs, a, 4 * PG);
	C_CHECK(e == 0, "munmap: %d", e);
	w = c_wc();
	C_CHECK(w.user == base.user && w.wire == base.wire,
	    "after munmap: user %+jd wire %+jd, want 0 0",
	    (intmax_t)(w.user - base.user), (intmax_t)(w.wire - base.wire));
	vmspace_release(vs);
}

static void
c_none_release(void)
{
	struct vmspace *vs;
	struct wc base;

	(void)c_locked_none(&vs, &base);
	vmspace_release(vs);
	C_CHECK(c_stat("v_user_wire_count") == base.user,
	    "after release: v_user_wire_count %ju, want %ju",
	    (uintmax_t)c_stat("v_user_wire_count"), (uintmax_t)base.user);
}

ATF_TC_WITHOUT_HEAD(mprotect__none_locked);
ATF_TC_BODY(mprotect__none_locked, tc)
{
	run_child("munlock while PROT_NONE", c_none_munlock);
	run_child("munlockall while PROT_NONE", c_none_munlockall);
	run_child("munmap while PROT_NONE", c_none_munmap);
	run_child("vmspace_release while PROT_NONE", c_none_release);
}

/* ===== mlockall and munlockall ============================================ */

/*
 * mlockall(MCL_CURRENT) wires everything mapped now (sys_mlockall:
 * vm_map_wire over the whole map with HOLESOK): private, read-only and
 * shared mappings and the data segment, each entry USER_WIRED, all
 * resident; PROT_NONE mappings and guards are skipped.  munlockall
 * undoes it.
 */
ATF_TC_WITHOUT_HEAD(mlockall__current);
ATF_TC_BODY(mlockall__current, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t rw, ro, sh, none, g, d = VM_DATA_BASE;

	boot();
	vs = vs_new();
	rw = REGION(vs, 6);
	ro = REGION_PROT(vs, 3, VM_PROT_READ);
	sh = REGION_SHARED(vs, 2);
	none = REGION_PROT(vs, 2, VM_PROT_NONE);
	g = MAP(vs, 0, 4 * PG, VM_PROT_NONE, VM_MAP_GUARD);
	ATF_REQUIRE_EQ(0, vm_brk(vs, d + 3 * PG));
	ACCESS_OK(vs, d, VM_PROT_WRITE);	/* its page table */
	FILL(vs, rw, 2, 0x11);
	base = wc_now();

	ATF_REQUIRE_EQ(0, vm_mlockall(vs, VM_MCL_CURRENT));
	/* The side pages of the four regions: 8 more. */
	WIRED_IS(base, 6 + 3 + 2 + 3 + 8);
	ATF_CHECK_EQ(6, INCORE(vs, rw, 6));
	ATF_CHECK_EQ(3, INCORE(vs, ro, 3));
	ATF_CHECK_EQ(2, INCORE(vs, sh, 2));
	ATF_CHECK_EQ(3, INCORE(vs, d, 3));
	ATF_CHECK_EQ(0, INCORE(vs, none, 2));
	ATF_CHECK(user_wired_at(vs, rw));
	ATF_CHECK(user_wired_at(vs, ro));
	ATF_CHECK(user_wired_at(vs, sh));
	ATF_CHECK(user_wired_at(vs, d));
	ATF_CHECK(!user_wired_at(vs, none));
	ATF_CHECK(!user_wired_at(vs, g));
	EXPECT(vs, rw, 2, 0x11);

	/* Not MCL_FUTURE: a new mapping is not locked. */
	rw = ANON(vs, 2 * PG, RW);
	ATF_CHECK(!user_wired_at(vs, rw));
	ATF_CHECK_EQ(0, INCORE(vs, rw, 2));

	ATF_REQUIRE_EQ(0, vm_munlockall(vs));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);
	ATF_REQUIRE_EQ(0, vm_munlockall(vs));	/* nothing locked: fine */
	WIRED_IS(base, 0);

	vmspace_release(vs);
	vm_shutdown();
}

/*
 * mlockall(MCL_CURRENT) that fails on a limit part way leaves nothing
 * locked: FreeBSD's sys_mlockall makes one vm_map_wire call over the whole
 * map, and vm_map_wire_locked, when an entry fails
 * (vm_map_wire_user_count_add, KERN_RESOURCE_SHORTAGE), unwires the
 * entries it had wired before it ("Undo the wiring").
 */
ATF_TC_WITHOUT_HEAD(mlockall__current_all_or_nothing);
ATF_TC_BODY(mlockall__current_all_or_nothing, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a, b;
	uint64_t old;

	boot();
	vs = vs_new();
	a = REGION(vs, 4);	/* one entry of 6 pages with its sides */
	b = REGION(vs, 4);
	base = wc_now();
	old = max_user_wired();
	set_max_user_wired(base.user + 8);

	CALL_IS(ENOMEM, vm_mlockall(vs, VM_MCL_CURRENT));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);
	ATF_CHECK(!user_wired_at(vs, a));
	ATF_CHECK(!user_wired_at(vs, b));

	set_max_user_wired(old);
	ATF_REQUIRE_EQ(0, vm_mlockall(vs, VM_MCL_CURRENT));
	WIRED_IS(base, 12);
	ATF_REQUIRE_EQ(0, vm_munlockall(vs));
	WIRED_IS(base, 0);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * mlockall(MCL_FUTURE) locks nothing now; every later mapping is wired as
 * it is made (vm_mmap_object) and so is brk growth (kern_break); munlockall
 * clears MCL_FUTURE and unlocks, after which new mappings are not locked.
 * Shrinking the break unlocks what it removes.
 */
ATF_TC_WITHOUT_HEAD(mlockall__future);
ATF_TC_BODY(mlockall__future, tc)
{
	struct vmspace *vs;
	struct wc base, w;
	vm_offset_t old, a, s, d = VM_DATA_BASE;

	boot();
	vs = vs_new();
	old = REGION(vs, 4);
	base = wc_now();

	ATF_REQUIRE_EQ(0, vm_mlockall(vs, VM_MCL_FUTURE));
	WIRED_IS(base, 0);
	ATF_CHECK(!user_wired_at(vs, old));

	a = ANON(vs, 4 * PG, RW);
	ATF_CHECK_EQ(4, INCORE(vs, a, 4));
	ATF_CHECK(user_wired_at(vs, a));
	UWIRED_IS(base, 4);
	s = MAP(vs, 0, 2 * PG, RW, ANON_SHARED);
	ATF_CHECK_EQ(2, INCORE(vs, s, 2));
	ATF_CHECK(user_wired_at(vs, s));
	UWIRED_IS(base, 6);
	ATF_REQUIRE_EQ(0, vm_brk(vs, d + 3 * PG));
	ATF_CHECK_EQ(3, INCORE(vs, d, 3));
	ATF_CHECK(user_wired_at(vs, d));
	UWIRED_IS(base, 9);
	ATF_REQUIRE_EQ(0, vm_brk(vs, d + 5 * PG));
	ATF_CHECK_EQ(5, INCORE(vs, d, 5));
	UWIRED_IS(base, 11);
	ATF_REQUIRE_EQ(0, vm_brk(vs, d + 1 * PG));
	UWIRED_IS(base, 7);
	EXPECT_ZERO(vs, a, 4);
	ATF_CHECK(!user_wired_at(vs, old));

	w = wc_now();
	ATF_REQUIRE_EQ(0, vm_munlockall(vs));
	UWIRED_IS(base, 0);
	ATF_CHECK_EQ(w.wire - 7, STAT("v_wire_count") - uma_pages());
	NONE_WIRED(vs);

	a = ANON(vs, 2 * PG, RW);
	ATF_CHECK(!user_wired_at(vs, a));
	ATF_CHECK_EQ(0, INCORE(vs, a, 2));
	ATF_REQUIRE_EQ(0, vm_brk(vs, d + 2 * PG));
	ATF_CHECK(!user_wired_at(vs, d + PG));
	UWIRED_IS(base, 0);

	/* Both at once. */
	ATF_REQUIRE_EQ(0, vm_mlockall(vs, VM_MCL_CURRENT | VM_MCL_FUTURE));
	ATF_CHECK(user_wired_at(vs, old));
	ATF_CHECK(user_wired_at(vs, a));
	s = ANON(vs, 3 * PG, RW);
	ATF_CHECK(user_wired_at(vs, s));
	ATF_CHECK_EQ(3, INCORE(vs, s, 3));
	ATF_REQUIRE_EQ(0, vm_munlockall(vs));
	UWIRED_IS(base, 0);
	NONE_WIRED(vs);

	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Under MCL_FUTURE, a mapping that cannot be wired is still made: FreeBSD's
 * vm_mmap_object ignores vm_map_wire_locked's result ("(void)
 * vm_map_wire_locked(...)").  A PROT_NONE mapping (address space
 * reserved for later mprotect, a guard page) cannot be wired, so it is
 * mapped and left unlocked.
 */
ATF_TC_WITHOUT_HEAD(mlockall__future_prot_none);
ATF_TC_BODY(mlockall__future_prot_none, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a;
	int e;

	boot();
	vs = vs_new();
	base = wc_now();
	ATF_REQUIRE_EQ(0, vm_mlockall(vs, VM_MCL_CURRENT | VM_MCL_FUTURE));

	a = 0;
	e = vm_mmap(vs, &a, 4 * PG, VM_PROT_NONE, ANON_PRIV, -1, 0);
	ATF_CHECK_EQ_MSG(0, e, "PROT_NONE mmap under MCL_FUTURE: error %d",
	    e);
	if (e == 0) {
		ATF_CHECK(!user_wired_at(vs, a));
		ATF_CHECK_EQ(0, INCORE(vs, a, 4));
	}
	a = 0;
	e = vm_mmap(vs, &a, 4 * PG, VM_PROT_NONE, VM_MAP_GUARD, -1, 0);
	ATF_CHECK_EQ_MSG(0, e, "MAP_GUARD under MCL_FUTURE: error %d", e);
	UWIRED_IS(base, 0);

	ATF_REQUIRE_EQ(0, vm_munlockall(vs));
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Under MCL_FUTURE, RLIMIT_MEMLOCK bounds what may be mapped: FreeBSD's
 * vm_mmap_object (kern_mmap_racct_check) and kern_break refuse with ENOMEM
 * a mapping or a growth that would take the wired total past the limit,
 * and map nothing; below it, they are wired.
 */
ATF_TC_WITHOUT_HEAD(mlockall__future_over_limit);
ATF_TC_BODY(mlockall__future_over_limit, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a, d = VM_DATA_BASE;
	size_t n0;
	int e;

	boot();
	vs = vs_new();
	base = wc_now();
	ATF_REQUIRE_EQ(0, vm_setrlimit(vs, VM_RLIMIT_MEMLOCK, 6 * PG, 6 * PG));
	ATF_REQUIRE_EQ(0, vm_mlockall(vs, VM_MCL_FUTURE));

	ATF_REQUIRE_EQ(0, vm_brk(vs, d + 2 * PG));
	UWIRED_IS(base, 2);
	CALL_IS(ENOMEM, vm_brk(vs, d + 8 * PG));
	UWIRED_IS(base, 2);
	ATF_CHECK_EQ(0, vm_brk(vs, d + 3 * PG));	/* the break was d+2 */
	UWIRED_IS(base, 3);
	ATF_CHECK(user_wired_at(vs, d + 2 * PG));

	n0 = pstat_l(__LINE__, vs);
	a = 0;
	e = vm_mmap(vs, &a, 4 * PG, RW, ANON_PRIV, -1, 0);
	ATF_CHECK_EQ_MSG(ENOMEM, e, "mmap past RLIMIT_MEMLOCK under "
	    "MCL_FUTURE: error %d", e);
	ATF_CHECK_EQ(n0, pstat_l(__LINE__, vs));
	UWIRED_IS(base, 3);
	a = ANON(vs, 3 * PG, RW);			/* exactly the limit */
	ATF_CHECK(user_wired_at(vs, a));
	ATF_CHECK_EQ(3, INCORE(vs, a, 3));
	UWIRED_IS(base, 6);

	ATF_REQUIRE_EQ(0, vm_munlockall(vs));
	UWIRED_IS(base, 0);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * sys_mlockall compares the map's size with RLIMIT_MEMLOCK only for
 * MCL_CURRENT (which would wire it all): MCL_FUTURE alone succeeds in a
 * map larger than the limit.
 */
ATF_TC_WITHOUT_HEAD(mlockall__future_only_limit);
ATF_TC_BODY(mlockall__future_only_limit, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = REGION(vs, 16);
	base = wc_now();
	ATF_REQUIRE_EQ(0, vm_setrlimit(vs, VM_RLIMIT_MEMLOCK, 4 * PG, 4 * PG));

	CALL_IS(ENOMEM, vm_mlockall(vs, VM_MCL_CURRENT));
	CALL_IS(ENOMEM, vm_mlockall(vs, VM_MCL_CURRENT | VM_MCL_FUTURE));
	WIRED_IS(base, 0);
	CALL_IS(0, vm_mlockall(vs, VM_MCL_FUTURE));
	WIRED_IS(base, 0);
	ATF_CHECK(!user_wired_at(vs, a));

	(void)vm_munlockall(vs);
	vmspace_release(vs);
	vm_shutdown();
}

/* sys_mlockall: flags 0 or with unknown bits are EINVAL and do nothing. */
ATF_TC_WITHOUT_HEAD(mlockall__bad_flags);
ATF_TC_BODY(mlockall__bad_flags, tc)
{
	static const int bad[] = { 0, 0x4, 0x8, 0x100, -1,
	    VM_MCL_CURRENT | 0x4, VM_MCL_FUTURE | 0x10,
	    VM_MCL_CURRENT | VM_MCL_FUTURE | 0x80000000 };
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a;
	size_t i;

	boot();
	vs = vs_new();
	a = REGION(vs, 2);
	base = wc_now();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_MSG(vm_mlockall(vs, bad[i]) == EINVAL,
		    "vm_mlockall(%#x) is not EINVAL", bad[i]);
	WIRED_IS(base, 0);
	ATF_CHECK(!user_wired_at(vs, a));
	a = ANON(vs, 2 * PG, RW);		/* MCL_FUTURE not set */
	ATF_CHECK(!user_wired_at(vs, a));
	UWIRED_IS(base, 0);

	CALL_IS(EINVAL, vm_mlockall(NULL, VM_MCL_CURRENT));
	vmspace_release(vs);
	vm_shutdown();
}

/* munlockall also undoes plain mlock calls. */
ATF_TC_WITHOUT_HEAD(munlockall__undoes_mlock);
ATF_TC_BODY(munlockall__undoes_mlock, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t a, b;

	boot();
	vs = vs_new();
	a = REGION(vs, 4);
	b = REGION(vs, 4);
	base = wc_now();
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a + PG, 2 * PG));
	ATF_REQUIRE_EQ(0, vm_mlock(vs, b, 4 * PG));
	WIRED_IS(base, 6);
	ATF_REQUIRE_EQ(0, vm_munlockall(vs));
	WIRED_IS(base, 0);
	NONE_WIRED(vs);
	ENTRY_IS(vs, a, a - PG, a + 5 * PG, false);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- stacks ------------------------------------------------------------- */

#define	STACKLEN	((vm_size_t)1 << 20)

/*
 * The RW entries of the stack [s, s + STACKLEN) (not its gap): their
 * total size in pages, whether all are USER_WIRED, and the lowest start.
 */
static inline UNUSED vm_size_t
stack_pages(struct vmspace *vs, vm_offset_t s, bool *allwired,
    vm_offset_t *low)
{
	size_t n = pstat_l(__LINE__, vs), i;
	vm_size_t pages = 0;

	*allwired = true;
	*low = s + STACKLEN;
	for (i = 0; i < n; i++) {
		if (kve[i].kve_start < s || kve[i].kve_end > s + STACKLEN ||
		    kve[i].kve_protection != RW)
			continue;
		pages += (kve[i].kve_end - kve[i].kve_start) / PG;
		if ((kve[i].kve_flags & VM_KVME_FLAG_USER_WIRED) == 0)
			*allwired = false;
		if (kve[i].kve_start < *low)
			*low = kve[i].kve_start;
	}
	return (pages);
}

/*
 * A locked stack grows: the growth is not locked (no MCL_FUTURE), the
 * locked part stays locked and counted, the data on both sides is right,
 * and munlock and munmap give everything back.
 */
ATF_TC_WITHOUT_HEAD(mlock__stack_grows);
ATF_TC_BODY(mlock__stack_grows, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t s, top, lo, low;
	vm_size_t npg;
	size_t n;
	bool allw;
	int i;

	boot();
	base = wc_now();
	vs = vs_new();
	s = MAP(vs, 0, STACKLEN, RW, VM_MAP_STACK | ANON_PRIV);
	top = s + STACKLEN;
	n = pstat_l(__LINE__, vs);
	i = kve_find(n, top - 1);
	ATF_REQUIRE(i >= 0);
	lo = kve[i].kve_start;
	npg = (top - lo) / PG;
	ATF_REQUIRE(npg > 0 && lo > s + 2 * PG);
	FILL(vs, top - PG, 1, 0x21);

	ATF_REQUIRE_EQ(0, vm_mlock(vs, lo, top - lo));
	UWIRED_IS(base, npg);
	ENTRY_IS(vs, top - 1, lo, top, true);

	/* Grow it by touching below: half way down. */
	ACCESS_OK(vs, s + STACKLEN / 2, VM_PROT_WRITE);
	FILL(vs, s + STACKLEN / 2, 2, 0x22);
	UWIRED_IS(base, npg);
	ATF_CHECK(!user_wired_at(vs, s + STACKLEN / 2));
	ENTRY_IS(vs, top - 1, lo, top, true);
	(void)stack_pages(vs, s, &allw, &low);
	ATF_CHECK_MSG(low <= s + STACKLEN / 2, "the stack did not grow: its "
	    "lowest entry starts at %#jx", (uintmax_t)low);
	EXPECT(vs, top - PG, 1, 0x21);
	EXPECT(vs, s + STACKLEN / 2, 2, 0x22);
	ATF_CHECK_EQ(npg, (vm_size_t)INCORE(vs, lo, (int)npg));

	ATF_REQUIRE_EQ(0, vm_munlock(vs, lo, top - lo));
	UWIRED_IS(base, 0);
	NONE_WIRED(vs);
	ATF_REQUIRE_EQ(0, vm_mlock(vs, lo, top - lo));
	ACCESS_OK(vs, s + STACKLEN / 4, VM_PROT_WRITE);
	EXPECT(vs, top - PG, 1, 0x21);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, s, STACKLEN));
	UWIRED_IS(base, 0);
	vmspace_release(vs);
	WIRED_IS(base, 0);		/* with the page-table pages */
	vm_shutdown();
}

/*
 * Under MCL_FUTURE a new stack is wired as it is mapped (its gap skipped:
 * vm_mmap_object wires a MAP_STACK mapping with HOLESOK), and so is what
 * it grows by (FreeBSD's vm_map_growstack wires the growth when the map
 * has MAP_WIREFUTURE).
 */
ATF_TC_WITHOUT_HEAD(mlockall__future_stack);
ATF_TC_BODY(mlockall__future_stack, tc)
{
	struct vmspace *vs;
	struct wc base;
	vm_offset_t s, low;
	vm_size_t npg;
	bool allw;

	boot();
	vs = vs_new();
	base = wc_now();
	ATF_REQUIRE_EQ(0, vm_mlockall(vs, VM_MCL_CURRENT | VM_MCL_FUTURE));
	s = MAP(vs, 0, STACKLEN, RW, VM_MAP_STACK | ANON_PRIV);
	npg = stack_pages(vs, s, &allw, &low);
	ATF_CHECK(npg > 0 && allw);
	UWIRED_IS(base, npg);

	ACCESS_OK(vs, s + STACKLEN / 2, VM_PROT_WRITE);
	FILL(vs, s + STACKLEN / 2, 1, 0x23);
	npg = stack_pages(vs, s, &allw, &low);
	ATF_CHECK_MSG(low <= s + STACKLEN / 2, "the stack did not grow");
	ATF_CHECK_MSG(allw, "the growth of a stack under MCL_FUTURE is not "
	    "locked");
	UWIRED_IS(base, npg);
	EXPECT(vs, s + STACKLEN / 2, 1, 0x23);

	ATF_REQUIRE_EQ(0, vm_munlockall(vs));
	UWIRED_IS(base, 0);
	NONE_WIRED(vs);
	vmspace_release(vs);
	UWIRED_IS(base, 0);
	vm_shutdown();
}

/* ===== concurrency ======================================================== */

#define	CONC_PAGES	16
#define	CONC_LOCKS	400

struct conc {
	struct vmspace	*vs;
	vm_offset_t	a;		/* the range locked and written */
	_Atomic int	done;		/* the locker has finished */
	_Atomic int	lock_err;	/* first unexpected error */
	_Atomic int	rw_err;
	_Atomic int	map_err;
	_Atomic long	writes, maps;
};

static void *
conc_locker(void *arg)
{
	struct conc *c = arg;
	vm_size_t off, len;
	int i, e;

	for (i = 0; i < CONC_LOCKS; i++) {
		off = (vm_size_t)(i % 4) * PG;
		len = (vm_size_t)CONC_PAGES * PG - off - (vm_size_t)(i % 3) * PG;
		e = vm_mlock(c->vs, c->a + off, len);
		if (e == 0)
			e = vm_munlock(c->vs, c->a + off, len);
		if (e != 0) {
			atomic_store(&c->lock_err, e);
			break;
		}
	}
	atomic_store(&c->done, 1);
	return (NULL);
}

static void *
conc_writer(void *arg)
{
	struct conc *c = arg;
	uint64_t v, r;
	vm_offset_t va;
	long n = 0;
	int p;

	while (atomic_load(&c->done) == 0 || n < 200) {
		for (p = 0; p < CONC_PAGES; p++) {
			va = c->a + (vm_size_t)p * PG + (vm_size_t)(n % 64) * 8;
			v = ((uint64_t)n << 8) | (uint64_t)p;
			if (vm_copyout(c->vs, &v, va, sizeof(v)) != 0 ||
			    vm_copyin(c->vs, va, &r, sizeof(r)) != 0) {
				atomic_store(&c->rw_err, EFAULT);
				return (NULL);
			}
			if (r != v) {
				atomic_store(&c->rw_err, EIO);
				return (NULL);
			}
		}
		n++;
	}
	atomic_store(&c->writes, n);
	return (NULL);
}

/* Maps and unmaps 4 pages on each side of the range, touching them. */
static void *
conc_mapper(void *arg)
{
	struct conc *c = arg;
	vm_offset_t before, after, va;
	uint8_t b = 1;
	long n = 0;
	int e;

	before = c->a - 4 * PG;
	after = c->a + (vm_size_t)CONC_PAGES * PG;
	while (atomic_load(&c->done) == 0 || n < 50) {
		va = (n & 1) != 0 ? before : after;
		e = vm_mmap(c->vs, &va, 4 * PG, RW, ANON_PRIV | VM_MAP_FIXED,
		    -1, 0);
		if (e == 0)
			e = vm_copyout(c->vs, &b, va + (vm_size_t)(n % 4) * PG,
			    1);
		if (e == 0)
			e = vm_munmap(c->vs, va, 4 * PG);
		if (e != 0) {
			atomic_store(&c->map_err, e);
			return (NULL);
		}
		n++;
	}
	atomic_store(&c->maps, n);
	return (NULL);
}

/*
 * One thread locks and unlocks (varying sub-ranges of) a range while a
 * second writes and reads it back and a third maps and unmaps memory
 * right next to it.  Every call succeeds, every read sees the last write,
 * and at the end nothing is left locked.  Run under ThreadSanitizer too.
 */
ATF_TC_WITHOUT_HEAD(mlock__concurrent);
ATF_TC_BODY(mlock__concurrent, tc)
{
	struct conc c;
	struct wc base;
	pthread_t t[3];
	int i;

	boot();
	memset(&c, 0, sizeof(c));
	c.vs = vs_new();
	/* 4 free pages, the range, 4 free pages: space for the mapper. */
	c.a = MAP(c.vs, 0, (vm_size_t)(CONC_PAGES + 8) * PG, RW,
	    ANON_PRIV | VM_MAP_ALIGNED(21)) + 4 * PG;
	ACCESS_OK(c.vs, c.a - 4 * PG, VM_PROT_WRITE);
	ATF_REQUIRE_EQ(0, vm_munmap(c.vs, c.a - 4 * PG, 4 * PG));
	ATF_REQUIRE_EQ(0, vm_munmap(c.vs, c.a + CONC_PAGES * PG, 4 * PG));
	base = wc_now();

	ATF_REQUIRE_EQ(0, pthread_create(&t[0], NULL, conc_locker, &c));
	ATF_REQUIRE_EQ(0, pthread_create(&t[1], NULL, conc_writer, &c));
	ATF_REQUIRE_EQ(0, pthread_create(&t[2], NULL, conc_mapper, &c));
	for (i = 0; i < 3; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));

	ATF_CHECK_EQ_MSG(0, atomic_load(&c.lock_err), "mlock/munlock failed: "
	    "error %d", atomic_load(&c.lock_err));
	ATF_CHECK_EQ_MSG(0, atomic_load(&c.rw_err), "the writer failed: %d "
	    "(EIO: read back something else)", atomic_load(&c.rw_err));
	ATF_CHECK_EQ_MSG(0, atomic_load(&c.map_err), "the mapper failed: "
	    "error %d", atomic_load(&c.map_err));
	printf("%ld write rounds, %ld map rounds\n", atomic_load(&c.writes),
	    atomic_load(&c.maps));
	UWIRED_IS(base, 0);
	NONE_WIRED(c.vs);

	/* Still lockable, once. */
	ATF_REQUIRE_EQ(0, vm_mlock(c.vs, c.a, CONC_PAGES * PG));
	UWIRED_IS(base, CONC_PAGES);
	ENTRY_IS(c.vs, c.a, c.a, c.a + CONC_PAGES * PG, true);
	vmspace_release(c.vs);
	ATF_CHECK_EQ(0, STAT("v_user_wire_count"));
	vm_shutdown();
}

#define	CONC2_ROUNDS	500
#define	CONC2_PAGES	8

struct conc2 {
	struct vmspace	*vs;
	vm_offset_t	r;		/* stable, filled before the threads */
	_Atomic int	done;
	_Atomic int	all_err, map_err, read_err;
	_Atomic int	all_fails;
	_Atomic long	maps, reads;
};

/*
 * mlockall(CURRENT, or CURRENT | FUTURE) and munlockall, over and over;
 * munlockall runs even after a failed mlockall, so that the end state
 * does not depend on the failures.
 */
static void *
conc2_locker(void *arg)
{
	struct conc2 *c = arg;
	int i, e;

	for (i = 0; i < CONC2_ROUNDS; i++) {
		e = vm_mlockall(c->vs, (i & 1) != 0 ? VM_MCL_CURRENT |
		    VM_MCL_FUTURE : VM_MCL_CURRENT);
		if (e != 0) {
			atomic_fetch_add(&c->all_fails, 1);
			if (atomic_load(&c->all_err) == 0)
				atomic_store(&c->all_err, e);
		}
		e = vm_munlockall(c->vs);
		if (e != 0 && atomic_load(&c->all_err) == 0)
			atomic_store(&c->all_err, e);
	}
	atomic_store(&c->done, 1);
	return (NULL);
}

/* New private mappings, written, read back and unmapped. */
static void *
conc2_mapper(void *arg)
{
	struct conc2 *c = arg;
	uint64_t v, r;
	vm_offset_t a;
	long n = 0;
	int e, p;

	while (atomic_load(&c->done) == 0 || n < 20) {
		a = 0;
		e = vm_mmap(c->vs, &a, 4 * PG, RW, ANON_PRIV, -1, 0);
		for (p = 0; e == 0 && p < 4; p++) {
			v = ((uint64_t)n << 4) | (uint64_t)p;
			e = vm_copyout(c->vs, &v, a + (vm_size_t)p * PG,
			    sizeof(v));
			if (e == 0)
				e = vm_copyin(c->vs, a + (vm_size_t)p * PG, &r,
				    sizeof(r));
			if (e == 0 && r != v)
				e = EIO;
		}
		if (e == 0)
			e = vm_munmap(c->vs, a, 4 * PG);
		if (e != 0) {
			atomic_store(&c->map_err, e);
			return (NULL);
		}
		n++;
	}
	atomic_store(&c->maps, n);
	return (NULL);
}

/* Reads the stable range, locked and unlocked under it. */
static void *
conc2_reader(void *arg)
{
	static uint8_t buf[VM_PAGE_SIZE];
	struct conc2 *c = arg;
	vm_size_t p, i;
	long n = 0;
	int e = 0;

	while (atomic_load(&c->done) == 0 || n < 5) {
		for (p = 0; e == 0 && p < CONC2_PAGES; p++) {
			e = vm_copyin(c->vs, c->r + p * PG, buf, PG);
			for (i = 0; e == 0 && i < PG; i++)
				if (buf[i] != pat(0x3c, c->r + p * PG, i))
					e = EIO;
		}
		if (e != 0) {
			atomic_store(&c->read_err, e);
			return (NULL);
		}
		n++;
	}
	atomic_store(&c->reads, n);
	return (NULL);
}

/*
 * mlockall and munlockall in one thread, while a second maps, writes and
 * unmaps memory (wired as it is made half of the time, MCL_FUTURE) and a
 * third reads a range that is locked and unlocked under it.  mlockall
 * succeeds every time (FreeBSD's vm_map_wire marks the entries it wires
 * in transition, and munmap waits for them: a concurrent munmap does not
 * make mlockall(MCL_CURRENT) fail), every read is right, and at the end
 * nothing is locked.
 */
ATF_TC_WITHOUT_HEAD(mlockall__concurrent);
ATF_TC_BODY(mlockall__concurrent, tc)
{
	struct conc2 c;
	struct wc base;
	pthread_t t[3];
	int i;

	boot();
	base = wc_now();
	memset(&c, 0, sizeof(c));
	c.vs = vs_new();
	c.r = ANON(c.vs, CONC2_PAGES * PG, RW);
	FILL(c.vs, c.r, CONC2_PAGES, 0x3c);

	ATF_REQUIRE_EQ(0, pthread_create(&t[0], NULL, conc2_locker, &c));
	ATF_REQUIRE_EQ(0, pthread_create(&t[1], NULL, conc2_mapper, &c));
	ATF_REQUIRE_EQ(0, pthread_create(&t[2], NULL, conc2_reader, &c));
	for (i = 0; i < 3; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));

	ATF_CHECK_EQ_MSG(0, atomic_load(&c.all_err), "mlockall/munlockall "
	    "failed %d times of %d (first error %d)",
	    atomic_load(&c.all_fails), CONC2_ROUNDS, atomic_load(&c.all_err));
	ATF_CHECK_EQ_MSG(0, atomic_load(&c.map_err), "the mapper failed: %d",
	    atomic_load(&c.map_err));
	ATF_CHECK_EQ_MSG(0, atomic_load(&c.read_err), "the reader failed: %d "
	    "(EIO: read something else)", atomic_load(&c.read_err));
	printf("%ld map rounds, %ld read rounds\n", atomic_load(&c.maps),
	    atomic_load(&c.reads));
	UWIRED_IS(base, 0);
	NONE_WIRED(c.vs);
	EXPECT(c.vs, c.r, CONC2_PAGES, 0x3c);
	vmspace_release(c.vs);
	WIRED_IS(base, 0);
	vm_shutdown();
}

/* ---- fork while locking --------------------------------------------------- */

#define	FRACE_ROUNDS	4000

static struct vmspace *frace_vs;
static _Atomic int frace_phase;		/* 1: mlock under way, 2: stop */
static _Atomic long frace_gen, frace_ack, frace_forks;

/*
 * Forks (and releases the child) only while the other thread is inside
 * vm_mlock; acknowledges each idle generation, so that the other thread
 * knows no fork is under way while it writes and unmaps (the writes do
 * not race with a fork's copy of the pages).
 */
static void *
frace_forker(void *arg)
{
	struct vmspace *child;
	long n = 0;
	int p;

	(void)arg;
	while ((p = atomic_load(&frace_phase)) != 2) {
		if (p == 1) {
			if (vmspace_fork(frace_vs, &child) == 0) {
				vmspace_release(child);
				n++;
			}
		} else
			atomic_store(&frace_ack, atomic_load(&frace_gen));
	}
	atomic_store(&frace_forks, n);
	return (NULL);
}

/*
 * In the child of run_child: map 4 pages and lock them while another
 * thread forks the address space, then (no fork under way) write them and
 * unmap them; over and over.  A fork must not leave a range that mlock is
 * locking copy-on-write (FreeBSD's vmspace_fork waits for wirings in
 * progress, vm_map_wait_busy): if it did, the writes after mlock would
 * take copy-on-write faults into unwired copies above the wired pages,
 * and unlocking (here by munmap) would not find the pages it wired.
 */
static void
c_fork_race(void)
{
	struct wc base, w;
	pthread_t t;
	vm_offset_t a;
	uint64_t v, cow;
	long g;
	int i, p, e;

	C_CHECK(vmspace_create(&frace_vs) == 0, "vmspace_create");
	base = c_wc();
	C_CHECK(pthread_create(&t, NULL, frace_forker, NULL) == 0, "thread");
	for (i = 0; i < FRACE_ROUNDS; i++) {
		a = 0;
		e = vm_mmap(frace_vs, &a, 4 * PG, RW, ANON_PRIV, -1, 0);
		C_CHECK(e == 0, "round %d: mmap: %d", i, e);
		atomic_store(&frace_phase, 1);
		e = vm_mlock(frace_vs, a, 4 * PG);
		atomic_store(&frace_phase, 0);
		g = atomic_fetch_add(&frace_gen, 1) + 1;
		while (atomic_load(&frace_ack) < g)
			sched_yield();
		C_CHECK(e == 0, "round %d: mlock: %d", i, e);
		cow = c_stat("v_cow_faults");
		for (p = 0; p < 4; p++) {
			v = ((uint64_t)i << 4) | (uint64_t)p;
			e = vm_copyout(frace_vs, &v, a + (vm_size_t)p * PG,
			    sizeof(v));
			C_CHECK(e == 0, "round %d: copyout: %d", i, e);
		}
		C_CHECK(c_stat("v_cow_faults") == cow, "round %d: writes to "
		    "a locked range took %ju copy-on-write faults", i,
		    (uintmax_t)(c_stat("v_cow_faults") - cow));
		e = vm_munmap(frace_vs, a, 4 * PG);
		C_CHECK(e == 0, "round %d: munmap: %d", i, e);
		w = c_wc();
		C_CHECK(w.user == base.user, "round %d: v_user_wire_count "
		    "%+jd after munmap", i, (intmax_t)(w.user - base.user));
	}
	atomic_store(&frace_phase, 2);
	C_CHECK(pthread_join(t, NULL) == 0, "join");
	printf("%d rounds, %ld forks\n", FRACE_ROUNDS,
	    atomic_load(&frace_forks));
	vmspace_release(frace_vs);
}

ATF_TC_WITHOUT_HEAD(mlock__fork_race);
ATF_TC_BODY(mlock__fork_race, tc)
{
	run_child("mlock, write and munmap while another thread forks",
	    c_fork_race);
}

/*
 * Regression (a review's stress): lockers (mlock, munlock, mlockall,
 * munlockall) against touchers, a mutator (mprotect, madvise, munmap and
 * remap, minherit) and a forker whose children touch and lock.  A hold
 * taken while the entry was shadowed or clipped under the wiring was once
 * handed over although it was not the top object's page, and a later
 * copy above it made the unwiring take the wrong page (a panic, or a
 * leaked wiring).  Runs for a fixed time; what it checks is that nothing
 * panics and that the wire counts come back.  Under ThreadSanitizer the
 * forker stays out: its children's copy-on-write copies read pages the
 * touchers write, a race of the "user" threads that TSan would report.
 */
#if defined(__SANITIZE_THREAD__)
#define	MIX_TSAN	1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define	MIX_TSAN	1
#endif
#endif
#ifndef MIX_TSAN
#define	MIX_TSAN	0
#endif

#define	MIX_PAGES	32
static struct vmspace *mix_vs;
static vm_offset_t mix_base;
static _Atomic int mix_stop;

static void *
mix_toucher(void *arg)
{
	unsigned s = (unsigned)(uintptr_t)arg;
	uint64_t b;
	vm_offset_t va;

	while (!atomic_load(&mix_stop)) {
		/* Each toucher its own 8 bytes of each page. */
		va = mix_base + (rand_r(&s) % MIX_PAGES) * PG +
		    (uintptr_t)arg * 8;
		b = s;
		if ((rand_r(&s) & 1) != 0)
			(void)vm_copyout(mix_vs, &b, va, sizeof(b));
		else
			(void)vm_copyin(mix_vs, va, &b, sizeof(b));
	}
	return (NULL);
}

static void *
mix_locker(void *arg)
{
	unsigned s = (unsigned)(uintptr_t)arg;
	vm_offset_t st, n;

	while (!atomic_load(&mix_stop)) {
		st = rand_r(&s) % MIX_PAGES;
		n = 1 + rand_r(&s) % (MIX_PAGES - st);
		switch (rand_r(&s) % 6) {
		case 0:
		case 1:
			(void)vm_mlock(mix_vs, mix_base + st * PG, n * PG);
			break;
		case 2:
			(void)vm_munlock(mix_vs, mix_base + st * PG, n * PG);
			break;
		case 3:
			(void)vm_mlockall(mix_vs, VM_MCL_CURRENT);
			break;
		case 4:
			(void)vm_munlockall(mix_vs);
			break;
		default:
			(void)vm_mlock(mix_vs, mix_base, MIX_PAGES * PG);
			break;
		}
	}
	return (NULL);
}

static void *
mix_mutator(void *arg)
{
	unsigned s = (unsigned)(uintptr_t)arg;
	vm_offset_t st, n, x, y;

	while (!atomic_load(&mix_stop)) {
		st = rand_r(&s) % MIX_PAGES;
		n = 1 + rand_r(&s) % (MIX_PAGES - st);
		x = mix_base + st * PG;
		switch (rand_r(&s) % 8) {
		case 0:
			(void)vm_mprotect(mix_vs, x, n * PG, VM_PROT_NONE);
			break;
		case 1:
			(void)vm_mprotect(mix_vs, x, n * PG, RW);
			break;
		case 2:
			(void)vm_madvise(mix_vs, x, n * PG, VM_MADV_FREE);
			break;
		case 3:
			(void)vm_madvise(mix_vs, x, n * PG, VM_MADV_DONTNEED);
			break;
		case 4:
			(void)vm_munmap(mix_vs, x, n * PG);
			y = x;
			(void)vm_mmap(mix_vs, &y, n * PG, RW, VM_MAP_ANON |
			    VM_MAP_PRIVATE | VM_MAP_FIXED, -1, 0);
			break;
		case 5:
			(void)vm_minherit(mix_vs, x, n * PG, rand_r(&s) % 4);
			break;
		case 6:
			(void)vm_madvise(mix_vs, x, n * PG, VM_MADV_WILLNEED);
			break;
		default:
			(void)vm_mprotect(mix_vs, x, n * PG, VM_PROT_READ);
			break;
		}
	}
	return (NULL);
}

static void *
mix_forker(void *arg)
{
	unsigned s = (unsigned)(uintptr_t)arg;
	struct vmspace *c;
	uint64_t b = 1;
	vm_offset_t va;
	int i;

	while (!atomic_load(&mix_stop)) {
		if (vmspace_fork(mix_vs, &c) != 0)
			continue;
		for (i = 0; i < 8; i++) {
			va = mix_base + (rand_r(&s) % MIX_PAGES) * PG;
			(void)vm_copyout(c, &b, va, sizeof(b));
			(void)vm_copyin(c, va, &b, sizeof(b));
		}
		if ((rand_r(&s) & 1) != 0)
			(void)vm_mlock(c, mix_base, MIX_PAGES * PG);
		vmspace_release(c);
	}
	return (NULL);
}

ATF_TC(mlock__mixed_stress);
ATF_TC_HEAD(mlock__mixed_stress, tc)
{
	atf_tc_set_md_var(tc, "descr", "lockers, touchers, a mutator and a "
	    "forker together for 3 s: no panic, wire counts back");
	atf_tc_set_md_var(tc, "timeout", "120");
}
ATF_TC_BODY(mlock__mixed_stress, tc)
{
	pthread_t t[6];
	uint64_t w0, u0;
	int k = 0, i;

	boot();
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	w0 = c_stat("v_wire_count");
	u0 = c_stat("v_user_wire_count");
	ATF_REQUIRE_EQ(0, vmspace_create(&mix_vs));
	mix_base = 0;
	ATF_REQUIRE_EQ(0, vm_mmap(mix_vs, &mix_base, MIX_PAGES * PG, RW,
	    VM_MAP_ANON | VM_MAP_PRIVATE, -1, 0));
	atomic_store(&mix_stop, 0);
	ATF_REQUIRE_EQ(0, pthread_create(&t[k++], NULL, mix_toucher,
	    (void *)(uintptr_t)1));
	ATF_REQUIRE_EQ(0, pthread_create(&t[k++], NULL, mix_toucher,
	    (void *)(uintptr_t)2));
	ATF_REQUIRE_EQ(0, pthread_create(&t[k++], NULL, mix_locker,
	    (void *)(uintptr_t)3));
	ATF_REQUIRE_EQ(0, pthread_create(&t[k++], NULL, mix_locker,
	    (void *)(uintptr_t)4));
	ATF_REQUIRE_EQ(0, pthread_create(&t[k++], NULL, mix_mutator,
	    (void *)(uintptr_t)5));
	if (!MIX_TSAN)
		ATF_REQUIRE_EQ(0, pthread_create(&t[k++], NULL, mix_forker,
		    (void *)(uintptr_t)6));
	sleep(3);
	atomic_store(&mix_stop, 1);
	for (i = 0; i < k; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
	ATF_REQUIRE_EQ(0, vm_munlockall(mix_vs));
	ATF_CHECK_EQ(u0, c_stat("v_user_wire_count"));
	vmspace_release(mix_vs);
	ATF_CHECK_EQ(u0, c_stat("v_user_wire_count"));
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);	/* slabs of the VM zones */
	ATF_CHECK_EQ(w0, c_stat("v_wire_count"));
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, mlock__resident_and_counted);
	ATF_TP_ADD_TC(tp, mlock__twice_counts_once);
	ATF_TP_ADD_TC(tp, munlock__partial);
	ATF_TP_ADD_TC(tp, munlock__not_locked);
	ATF_TP_ADD_TC(tp, mlock__hole);
	ATF_TP_ADD_TC(tp, mlock__wraparound);
	ATF_TP_ADD_TC(tp, mlock__unaligned);
	ATF_TP_ADD_TC(tp, mlock__rlimit_memlock);
	ATF_TP_ADD_TC(tp, mlock__max_user_wired);
	ATF_TP_ADD_TC(tp, mlock__contents);
	ATF_TP_ADD_TC(tp, mlock__readonly_private);
	ATF_TP_ADD_TC(tp, mlock__prot_none);
	ATF_TP_ADD_TC(tp, mlock__write_only);
	ATF_TP_ADD_TC(tp, mlock__guard);
	ATF_TP_ADD_TC(tp, munmap__unlocks);
	ATF_TP_ADD_TC(tp, vmspace__release_locked);
	ATF_TP_ADD_TC(tp, fork__locked_private);
	ATF_TP_ADD_TC(tp, fork__locked_prot_none);
	ATF_TP_ADD_TC(tp, mprotect__cow_locked);
	ATF_TP_ADD_TC(tp, mprotect__cow_locked_release);
	ATF_TP_ADD_TC(tp, mprotect__none_locked);
	ATF_TP_ADD_TC(tp, mlockall__current);
	ATF_TP_ADD_TC(tp, mlockall__current_all_or_nothing);
	ATF_TP_ADD_TC(tp, mlockall__future);
	ATF_TP_ADD_TC(tp, mlockall__future_prot_none);
	ATF_TP_ADD_TC(tp, mlockall__future_over_limit);
	ATF_TP_ADD_TC(tp, mlockall__future_only_limit);
	ATF_TP_ADD_TC(tp, mlockall__bad_flags);
	ATF_TP_ADD_TC(tp, munlockall__undoes_mlock);
	ATF_TP_ADD_TC(tp, mlock__stack_grows);
	ATF_TP_ADD_TC(tp, mlockall__future_stack);
	ATF_TP_ADD_TC(tp, mlock__concurrent);
	ATF_TP_ADD_TC(tp, mlockall__concurrent);
	ATF_TP_ADD_TC(tp, mlock__fork_race);
	ATF_TP_ADD_TC(tp, mlock__mixed_stress);
	return (atf_no_error());
}
