/*
 * Test-only helpers shared by the tests/vm programs: booting, the
 * vm.stats.vm counters, a model of the buddy allocator's free-block census,
 * checker wrappers, a seeded random source, helper threads with timeouts
 * and a fork-based panic catcher.
 *
 * Everything here is static inline so that a program that uses only part
 * of it builds without unused-function warnings (-Werror).
 */
#ifndef _TESTS_VM_VM_TEST_UTIL_H_
#define _TESTS_VM_VM_TEST_UTIL_H_

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/pcpu.h>
#include <sys/proc.h>
#include <vm/vm_meter.h>
#include <vm/vm_page.h>
#include <vm/vm_pagequeue.h>
#include <vm/vm_phys.h>

#include <sys/resource.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvm.h>

#define	VT_PHYSMEM	(32u << 20)	/* the standard test machine */
#define	VT_NCPU		2

/* ---- boot ------------------------------------------------------------- */

static inline void
vt_msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Set vm.pqbatch_interval (ms; 0 stops the pqbatch thread's drains).  The
 * tests boot with it off: a periodic drain would flush page-queue batches
 * behind their back, and its claims of CPU slots would make the test thread
 * migrate to another slot's free-page cache.
 */
static inline void
vt_pqbatch_interval(int ms)
{
	int error;

	error = vm_sysctlbyname("vm.pqbatch_interval", NULL, NULL, &ms,
	    sizeof(ms));
	ATF_REQUIRE_MSG(error == 0, "vm.pqbatch_interval: error %d", error);
}

/* Boot for a death-test child: no ATF macros, exit 10 on failure. */
static inline void
vt_child_boot(void)
{
	struct vm_config c;
	int zero = 0;

	vm_config_init(&c);
	c.physmem = 32u << 20;
	c.ncpu = 2;
	if (vm_boot(&c) != 0)
		_exit(10);
	(void)vm_sysctlbyname("vm.pqbatch_interval", NULL, NULL, &zero,
	    sizeof(zero));
}

static inline void
vt_boot_cfg(uint64_t physmem, int ncpu, int ndomain, const char *badpages)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = physmem;
	c.ncpu = ncpu;
	c.ndomain = ndomain;
	c.seed = 1;
	c.badpages = badpages;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	vt_pqbatch_interval(0);
	/* The thread may do one last drain on its way back to sleep. */
	vt_msleep(10);
}

/* 32 MiB, 2 CPU slots, one domain. */
static inline void
vt_boot(void)
{
	vt_boot_cfg(VT_PHYSMEM, VT_NCPU, 1, NULL);
}

/* ---- numbers ---------------------------------------------------------- */

/* vm.stats.vm.<leaf> (every one of them is a uint64_t). */
static inline uint64_t
vt_stat(const char *leaf)
{
	char name[128];
	uint64_t v = 0;
	size_t len = sizeof(v);
	int error;

	snprintf(name, sizeof(name), "vm.stats.vm.%s", leaf);
	error = vm_sysctlbyname(name, &v, &len, NULL, 0);
	ATF_REQUIRE_MSG(error == 0, "sysctl %s: error %d", name, error);
	ATF_REQUIRE_EQ(len, sizeof(v));
	return (v);
}

/* End of the page array: the first physical address boot may free. */
static inline vm_paddr_t
vt_array_end(void)
{
	return (round_page((vm_paddr_t)vm_page_array_size *
	    sizeof(struct vm_page)));
}

static inline u_int
vt_nstolen(void)
{
	return ((u_int)atop(vt_array_end()));
}

/* Free pages of domain d as users see them: buddy blocks plus caches. */
static inline u_int
vt_domain_free(int d)
{
	return (vm_free_count_domain(d));
}

/* Pages of domain d in buddy blocks and not reserved (vmd_free_count). */
static inline u_int
vt_domain_unreserved(int d)
{
	return (atomic_load(&VM_DOMAIN(d)->vmd_free_count));
}

/* ---- the buddy census and its model ---------------------------------- */

static inline void
vt_census(int d, int c[VM_NFREEORDER])
{
	vm_domain_free_lock(VM_DOMAIN(d));
	vm_phys_free_census(d, c);
	vm_domain_free_unlock(VM_DOMAIN(d));
}

static inline u_int
vt_census_pages(const int c[VM_NFREEORDER])
{
	u_int n = 0;
	int o;

	for (o = 0; o < VM_NFREEORDER; o++)
		n += (u_int)c[o] << o;
	return (n);
}

static inline void
vt_census_str(const int c[VM_NFREEORDER], char *buf, size_t len)
{
	size_t off = 0;
	int o;

	buf[0] = '\0';
	for (o = 0; o < VM_NFREEORDER && off < len; o++)
		off += (size_t)snprintf(buf + off, len - off, "%s%d",
		    o ? " " : "", c[o]);
}

#define	VT_REQUIRE_CENSUS_EQ(got, want) do {				\
	char _g[128], _w[128];						\
									\
	vt_census_str((got), _g, sizeof(_g));				\
	vt_census_str((want), _w, sizeof(_w));				\
	ATF_REQUIRE_MSG(memcmp((got), (want),				\
	    sizeof(int) * VM_NFREEORDER) == 0,				\
	    "census by order: got [%s], want [%s]", _g, _w);		\
} while (0)

/*
 * The free blocks a fully coalesced buddy allocator holds for the free
 * range [s, e): the largest aligned blocks, at most order
 * VM_NFREEORDER - 1, from the low end up.  Calls fn for each block.
 */
static inline void
vt_model_blocks(vm_paddr_t s, vm_paddr_t e,
    void (*fn)(vm_paddr_t pa, int order, void *arg), void *arg)
{
	int order;

	while (s < e) {
		order = s == 0 ? VM_NFREEORDER - 1 :
		    MIN(__builtin_ctzll(atop(s)), VM_NFREEORDER - 1);
		while (((vm_paddr_t)PAGE_SIZE << order) > e - s)
			order--;
		fn(s, order, arg);
		s += (vm_paddr_t)PAGE_SIZE << order;
	}
}

static inline void
vt_model_count(vm_paddr_t pa __unused, int order, void *arg)
{
	((int *)arg)[order]++;
}

/*
 * The census boot must produce for domain d: its segment minus the page
 * array and minus the bad pages in bad[] (nbad of them, any order).
 */
static inline void
vt_model_boot_census(int d, const vm_paddr_t *bad, int nbad,
    int c[VM_NFREEORDER])
{
	vm_paddr_t s, e, pa;
	int i;
	bool isbad;

	memset(c, 0, sizeof(int) * VM_NFREEORDER);
	s = MAX(vm_phys_segs[d].start, vt_array_end());
	e = vm_phys_segs[d].end;
	for (pa = s; pa < e; pa += PAGE_SIZE) {
		isbad = false;
		for (i = 0; i < nbad; i++)
			if (trunc_page(bad[i]) == pa)
				isbad = true;
		if (!isbad)
			continue;
		vt_model_blocks(s, pa, vt_model_count, c);
		s = pa + PAGE_SIZE;
	}
	vt_model_blocks(s, e, vt_model_count, c);
}

/* ---- checkers ---------------------------------------------------------- */

static inline void
vt_phys_check_all(void)
{
	int d;

	for (d = 0; d < vm_ndomains; d++) {
		vm_domain_free_lock(VM_DOMAIN(d));
		vm_phys_check(d);
		vm_domain_free_unlock(VM_DOMAIN(d));
	}
}

/* Both checkers; the system must be quiescent. */
static inline void
vt_check_all(void)
{
	vt_phys_check_all();
	vm_page_check_all();
}

/* Pages in buddy blocks (all domains). */
static inline u_int
vt_buddy_pages(void)
{
	int c[VM_NFREEORDER], d;
	u_int n = 0;

	for (d = 0; d < vm_ndomains; d++) {
		vt_census(d, c);
		n += vt_census_pages(c);
	}
	return (n);
}

/* ---- random ------------------------------------------------------------ */

/* splitmix64: a fixed seed gives the same sequence everywhere. */
static inline uint64_t
vt_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static inline void
vt_shuffle(vm_page_t *a, size_t n, uint64_t *seed)
{
	vm_page_t t;
	size_t i, j;

	for (i = n; i > 1; i--) {
		j = (size_t)(vt_rand(seed) % i);
		t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* ---- time and threads -------------------------------------------------- */


static inline uint64_t
vt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Wait up to ms milliseconds for *flag to reach at least want. */
static inline bool
vt_wait_flag(_Atomic int *flag, int want, int ms)
{
	uint64_t end = vt_now_ms() + (uint64_t)ms;

	while (atomic_load(flag) < want) {
		if (vt_now_ms() >= end)
			return (false);
		vt_msleep(1);
	}
	return (true);
}

static inline pthread_t
vt_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	ATF_REQUIRE_EQ(0, pthread_create(&t, NULL, fn, arg));
	return (t);
}

/* ---- panics ------------------------------------------------------------ */

/*
 * Run fn in a child with stdout and stderr on a pipe; require that it dies
 * of SIGABRT (panic() aborts) and that its output contains every string in
 * needles (NULL-terminated).  The child boots libvm itself, a kernel of
 * its own whatever state the parent's is in (since the arena became
 * private memory a child can no longer write into its parent's, but a
 * fresh boot keeps each case independent of the parent's history).  The
 * child uses no ATF macros; it only aborts or exits.
 */
static inline void
vt_expect_panic(void (*fn)(void), const char *const *needles)
{
	struct rlimit rl;
	char buf[8192];
	size_t len;
	ssize_t r;
	pid_t pid;
	int pfd[2], status, i;

	fflush(stdout);
	fflush(stderr);
	ATF_REQUIRE(pipe(pfd) == 0);
	pid = fork();
	ATF_REQUIRE(pid != -1);
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		rl.rlim_cur = rl.rlim_max = 0;
		(void)setrlimit(RLIMIT_CORE, &rl);
		fn();
		fprintf(stderr, "no panic\n");
		_exit(0);
	}
	close(pfd[1]);
	len = 0;
	while ((r = read(pfd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	buf[len] = '\0';
	close(pfd[0]);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
	    "child did not panic (status %#x), output: %s", status, buf);
	ATF_REQUIRE_MSG(strstr(buf, "libvm panic: ") != NULL,
	    "child aborted without a panic message: %s", buf);
	for (i = 0; needles[i] != NULL; i++)
		ATF_REQUIRE_MSG(strstr(buf, needles[i]) != NULL,
		    "panic message lacks \"%s\": %s", needles[i], buf);
}

/*
 * Run fn in a child (which boots libvm itself) and require that it exits
 * with status 0.  For cases whose failure mode may be a panic: the parent
 * then reports the panic message instead of dying with the child.
 * The child exits with a small number naming the check that failed.
 */
static inline void
vt_expect_exit0(void (*fn)(void))
{
	char buf[8192];
	size_t len;
	ssize_t r;
	pid_t pid;
	int pfd[2], status;
	struct rlimit rl;

	fflush(stdout);
	fflush(stderr);
	ATF_REQUIRE(pipe(pfd) == 0);
	pid = fork();
	ATF_REQUIRE(pid != -1);
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		rl.rlim_cur = rl.rlim_max = 0;
		(void)setrlimit(RLIMIT_CORE, &rl);
		fn();
		_exit(0);
	}
	close(pfd[1]);
	len = 0;
	while ((r = read(pfd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	buf[len] = '\0';
	close(pfd[0]);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	if (WIFSIGNALED(status))
		atf_tc_fail("child died of signal %d: %s", WTERMSIG(status),
		    buf);
	ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child failed check %d: %s", WEXITSTATUS(status), buf);
}

#endif /* !_TESTS_VM_VM_TEST_UTIL_H_ */
