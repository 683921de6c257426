/*
 * Helpers shared by the black-box tests of include/libvm.h (mmap_test,
 * mprotect_test, madvise_test, mincore_test, minherit_test,
 * procstat_test, brk_rlimit_test): booting a 64 MiB libvm, creating
 * address spaces, mapping (MAP, ANON, MMAP_FAILS), touching memory
 * through vm_fault_trap/vm_copyin/vm_copyout (ACCESS_OK, MAPERR, ACCERR,
 * FILL, EXPECT_FILL) and reading vm_procstat into kve[] (PSTAT,
 * kve_find, kve_intersects).  Uses only <libvm.h>, libc and ATF; every
 * helper is static inline and marked unused, so that a program that
 * does not call one gets no warning.  The *_l functions take the
 * caller's __LINE__, which their messages report.
 */
#ifndef LIBVM_TESTS_VM_API_TEST_H
#define	LIBVM_TESTS_VM_API_TEST_H

#include <atf-c.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvm.h>

#define	PG		((vm_size_t)VM_PAGE_SIZE)
#define	RW		(VM_PROT_READ | VM_PROT_WRITE)
#define	RWX		(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC)
#define	ANON_PRIV	(VM_MAP_ANON | VM_MAP_PRIVATE)
#define	NKVE		64

static __attribute__((__unused__)) struct vm_kinfo_vmentry kve[NKVE];

/* ---- boot ---------------------------------------------------------------- */

static inline __attribute__((__unused__)) void
boot(void)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = 64u << 20;
	c.ncpu = 2;
	c.seed = 1;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
}

static inline __attribute__((__unused__)) void
set_aslr(int on)
{
	int error;

	error = vm_sysctlbyname("vm.aslr.enable", NULL, NULL, &on, sizeof(on));
	ATF_REQUIRE_MSG(error == 0, "vm.aslr.enable: error %d", error);
}

static inline __attribute__((__unused__)) struct vmspace *
vs_new(void)
{
	struct vmspace *vs = NULL;

	ATF_REQUIRE_EQ(0, vmspace_create(&vs));
	ATF_REQUIRE(vs != NULL);
	return (vs);
}

static inline __attribute__((__unused__)) uint64_t
free_pages(void)
{
	uint64_t v = 0;
	size_t len = sizeof(v);

	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.stats.vm.v_free_count", &v,
	    &len, NULL, 0));
	ATF_REQUIRE_EQ(sizeof(v), len);
	return (v);
}

/* ---- mapping ------------------------------------------------------------- */

static inline __attribute__((__unused__)) vm_offset_t
map_l(int line, struct vmspace *vs, vm_offset_t hint, vm_size_t len,
    int prot, int flags)
{
	vm_offset_t a = hint;
	int error;

	error = vm_mmap(vs, &a, len, prot, flags, -1, 0);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_mmap(hint %#jx, len %#jx, "
	    "prot %#x, flags %#x): error %d", line, (uintmax_t)hint,
	    (uintmax_t)len, prot, flags, error);
	ATF_REQUIRE_MSG(a % PG == 0 && a >= VM_MIN_USER_ADDRESS &&
	    a < VM_MAX_USER_ADDRESS && VM_MAX_USER_ADDRESS - a >= len,
	    "line %d: vm_mmap returned %#jx for len %#jx", line, (uintmax_t)a,
	    (uintmax_t)len);
	if ((flags & VM_MAP_FIXED) != 0)
		ATF_REQUIRE_MSG(a == hint, "line %d: fixed mapping at %#jx "
		    "returned %#jx", line, (uintmax_t)hint, (uintmax_t)a);
	return (a);
}
#define	MAP(vs, hint, len, prot, flags)				\
	map_l(__LINE__, (vs), (hint), (len), (prot), (flags))
#define	ANON(vs, len, prot)	MAP((vs), 0, (len), (prot), ANON_PRIV)

/* vm_mmap must fail with want; if it maps anyway, undo it. */
static inline __attribute__((__unused__)) void
mmap_fails_l(int line, struct vmspace *vs, vm_offset_t hint, vm_size_t len,
    int prot, int flags, int fd, off_t pos, int want)
{
	vm_offset_t a = hint;
	int error;

	error = vm_mmap(vs, &a, len, prot, flags, fd, pos);
	ATF_CHECK_MSG(error == want, "line %d: vm_mmap(hint %#jx, len %#jx, "
	    "prot %#x, flags %#x, fd %d, pos %jd) = %d (addr %#jx), want %d",
	    line, (uintmax_t)hint, (uintmax_t)len, prot, flags, fd,
	    (intmax_t)pos, error, (uintmax_t)a, want);
	if (error == 0 && len != 0 && len < ((vm_size_t)1 << 46))
		(void)vm_munmap(vs, a, len);
}
#define	MMAP_FAILS(vs, hint, len, prot, flags, fd, pos, want)		\
	mmap_fails_l(__LINE__, (vs), (hint), (len), (prot), (flags), (fd),	\
	    (pos), (want))

/* ---- touching memory ----------------------------------------------------- */

static inline __attribute__((__unused__)) void
access_ok_l(int line, struct vmspace *vs, vm_offset_t va, int acc)
{
	int signo = 0, code = 0, error;

	error = vm_fault_trap(vs, va, acc, &signo, &code);
	ATF_REQUIRE_MSG(error == 0, "line %d: access %#x at %#jx: error %d "
	    "(signal %d code %d), want success", line, acc, (uintmax_t)va,
	    error, signo, code);
}
#define	ACCESS_OK(vs, va, acc)	access_ok_l(__LINE__, (vs), (va), (acc))

static inline __attribute__((__unused__)) void
access_fault_l(int line, struct vmspace *vs, vm_offset_t va, int acc,
    int wsig, int wcode)
{
	int signo = -1, code = -1, error;

	error = vm_fault_trap(vs, va, acc, &signo, &code);
	ATF_REQUIRE_MSG(error == EFAULT && signo == wsig && code == wcode,
	    "line %d: access %#x at %#jx: error %d signal %d code %d, want "
	    "EFAULT signal %d code %d", line, acc, (uintmax_t)va, error, signo,
	    code, wsig, wcode);
}
#define	MAPERR(vs, va, acc)						\
	access_fault_l(__LINE__, (vs), (va), (acc), SIGSEGV, SEGV_MAPERR)
#define	ACCERR(vs, va, acc)						\
	access_fault_l(__LINE__, (vs), (va), (acc), SIGSEGV, SEGV_ACCERR)

static inline __attribute__((__unused__)) void
fill_l(int line, struct vmspace *vs, vm_offset_t va, vm_size_t len,
    uint8_t v)
{
	static uint8_t buf[VM_PAGE_SIZE];
	vm_size_t off, n;
	int error;

	memset(buf, v, sizeof(buf));
	for (off = 0; off < len; off += n) {
		n = len - off < sizeof(buf) ? len - off : sizeof(buf);
		error = vm_copyout(vs, buf, va + off, (size_t)n);
		ATF_REQUIRE_MSG(error == 0, "line %d: vm_copyout to %#jx: "
		    "error %d", line, (uintmax_t)(va + off), error);
	}
}
#define	FILL(vs, va, len, v)	fill_l(__LINE__, (vs), (va), (len), (v))

static inline __attribute__((__unused__)) void
expect_fill_l(int line, struct vmspace *vs, vm_offset_t va, vm_size_t len,
    uint8_t v)
{
	static uint8_t buf[VM_PAGE_SIZE];
	vm_size_t off, n, i;
	int error;

	for (off = 0; off < len; off += n) {
		n = len - off < sizeof(buf) ? len - off : sizeof(buf);
		error = vm_copyin(vs, va + off, buf, (size_t)n);
		ATF_REQUIRE_MSG(error == 0, "line %d: vm_copyin from %#jx: "
		    "error %d", line, (uintmax_t)(va + off), error);
		for (i = 0; i < n; i++)
			ATF_REQUIRE_MSG(buf[i] == v, "line %d: byte at %#jx is "
			    "%#x, want %#x", line, (uintmax_t)(va + off + i),
			    buf[i], v);
	}
}
#define	EXPECT_FILL(vs, va, len, v)					\
	expect_fill_l(__LINE__, (vs), (va), (len), (v))

/* ---- inspection ---------------------------------------------------------- */

static inline __attribute__((__unused__)) size_t
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
#define	PSTAT(vs)	pstat_l(__LINE__, (vs))

static inline __attribute__((__unused__)) void
kve_dump(size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("  [%#jx, %#jx) prot %#x max %#x inh %d type %d "
		    "flags %#x res %d pres %d ref %d shadow %d\n",
		    (uintmax_t)kve[i].kve_start, (uintmax_t)kve[i].kve_end,
		    kve[i].kve_protection, kve[i].kve_max_protection,
		    kve[i].kve_inheritance, kve[i].kve_type, kve[i].kve_flags,
		    kve[i].kve_resident, kve[i].kve_private_resident,
		    kve[i].kve_ref_count, kve[i].kve_shadow_count);
}

/* Index of the entry containing va in kve[0..n), or -1. */
static inline __attribute__((__unused__)) int
kve_find(size_t n, vm_offset_t va)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (kve[i].kve_start <= va && va < kve[i].kve_end)
			return ((int)i);
	return (-1);
}

/* Whether any entry intersects [s, e). */
static inline __attribute__((__unused__)) int
kve_intersects(size_t n, vm_offset_t s, vm_offset_t e)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (kve[i].kve_start < e && s < kve[i].kve_end)
			return (1);
	return (0);
}

#endif /* !LIBVM_TESTS_VM_API_TEST_H */
