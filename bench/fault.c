/*
 * fault: libvm's page-fault path, through the public API only (vm_mmap,
 * vm_fault_trap, vm_mprotect, vmspace_fork, vmspace_release), against the
 * host kernel doing the same work, in the same run.
 *
 * A libvm "touch" is vm_fault_trap(va, access): one CPU access as the
 * software MMU makes it (translation cache, page-table walk, and on a
 * miss vm_fault).  Every libvm run gets a fresh vmspace,
 * so page tables are allocated as they would be in a new process; only the
 * loop of touches (or the fork) is timed.  Counters (vm.stats.vm.v_zfod,
 * v_cow_faults, v_vm_faults) are checked around each timed loop so that a
 * figure cannot silently come from another path; a mismatch is printed.
 *
 * Cases (-c CASE runs one):
 *
 *   zfod   zero fill: map N pages anonymous private, write-touch each
 *          page once (N zero-fill faults); ns/page.  Host peers: one
 *          mmap(MAP_POPULATE) of the same size (the host's zero-fill
 *          path without the trap), and memset of 4 KiB per page on
 *          resident memory (the zeroing work alone).
 *   cow    copy on write: populate N pages, vmspace_fork, write-touch each
 *          page in the parent while the child holds the originals (N
 *          copying COW faults, not page move-ups); ns/page.  Host peers:
 *          memcpy of 4 KiB per page (the copying alone), and fork() with
 *          the child blocked on a pipe while the parent writes one byte
 *          per page (real host COW faults).
 *   soft   soft fault: populate N pages, vm_mprotect(PROT_NONE) and back
 *          to read/write (pmap_protect to none removes the translations,
 *          the pages stay resident in the top object), then read-touch
 *          each page: vm_fault's soft fast path; ns/page.  Host peers: a
 *          write to each page of a fresh MAP_SHARED mapping of a memfd
 *          whose pages are resident (a minor fault on a page-cache page;
 *          a write, because host read faults on files map 16 pages at a
 *          time, "fault-around"), and MAP_POPULATE of that mapping.
 *   mt     fault scaling: 1 and 2 threads, each zero-filling its own
 *          mapping of N pages in one vmspace (mappings 4 GiB apart, so
 *          separate entries, objects and page-table pages; they share
 *          the map and the pmap); aggregate pages/s and the 2/1 ratio
 *          (the median of the ratios of runs made back to back).  Host
 *          peer: the same threads doing mmap(MAP_POPULATE) of N pages
 *          each.  Calibration: the same threads running a register-only
 *          loop that shares nothing; its 2/1 ratio is the ceiling the
 *          machine offers at the time (on this guest's 2 vCPUs it has
 *          been measured at 1.0x: then no 2-thread goal is measurable).
 *          Diagnostic: libvm with a vmspace per thread (nothing shared
 *          above the page layer), to tell the shared map and pmap from
 *          the global page layer when scaling falls short.  Memory
 *          ceiling: the same threads zeroing each page of a buffer of
 *          N pages written before (memset, 4 KiB at a time): a zero
 *          fill's memory traffic alone, which two threads share.
 *          Diagnostic: soft faults (as -c soft) by 1 and 2 threads in
 *          one vmspace, each on its own populated mapping: the fault
 *          path's shared state without the zeroing's memory traffic.
 *          The threads time themselves (first start to last end): a
 *          third thread reading the clock might be scheduled only after
 *          the work is done.
 *   fork   fork of a resident space: populate F bytes (1 GiB), time
 *          vmspace_fork, then vmspace_release of the child and of the
 *          parent, separately.  Host peer: fork() of a process with F
 *          bytes resident (MAP_POPULATE), timed to fork's return in the
 *          parent; the child _exit(0)s at once; also fork to waitpid.
 *
 * The host fork peers run in a helper process (this program with -H,
 * started by popen, whose posix_spawn does not copy our page tables):
 * a fork() of this process would copy the page tables of libvm's heap,
 * write-protect them, and make libvm's next runs pay host COW faults.  The
 * helper has no libvm booted, so its fork copies only its own memory.
 * Transparent huge pages are "madvise" on this machine: host anonymous
 * memory is 4 KiB pages unless advised.  libvm's arena is advised (its
 * direct map is on 2 MiB pages), and so are the buffers of the peers
 * that do the work alone (memset, memcpy); the host's own faults
 * (MAP_POPULATE, fork) are on the 4 KiB pages a process gets by default.
 *
 * Each figure is the median of -r runs (default 5) after one warm-up run
 * (none for fork); every line gives libvm, the host peer(s) and the ratio
 * libvm/host (above 1: libvm slower).  Goals (printed with the results):
 * zero fill <= 300 ns/page, COW <= 400 ns/page, 2-thread scaling
 * >= 1.85x, fork of 1 GiB <= 2 ms.
 *
 * -q: quick (CI smoke, a few seconds): 1024 pages, fork of 32 MiB,
 * 3 runs.  Goals are then only indicative (the fork goal is scaled).
 *
 * -l CASE (zfod, cow, soft or fork): libvm only, the case once with -n
 * pages (default 32768; fork: -n pages resident), no host peers: for
 * counting instructions with callgrind.  The measured part is a function
 * of its own, fault_loop_CASE (fault_loop_zfod, fault_loop_cow,
 * fault_loop_soft, fault_loop_fork), so callgrind can collect inside it
 * alone; two sizes, and the difference of the totals divided by the
 * difference of -n is the cost of one fault (for fork, of one resident
 * page), first-touch effects cancelling out:
 *
 *   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
 *       --collect-atstart=no --toggle-collect=fault_loop_zfod \
 *       ./build/bench/fault -l zfod -n 10000
 *   (the same with -n 20000; "Collected" is the total)
 *
 * Name the case's own function: -l cow also calls fault_loop_fork (the
 * fork before the COW loop), which 'fault_loop_*' would count.  Without
 * --toggle-collect the setup is counted too, and it grows with -n (the
 * boot's arena is sized from -n; cow, soft and fork populate first).
 *
 * usage: fault [-q] [-r runs] [-n pages] [-f fork_MiB] [-c case]
 *        fault -l case [-n pages]
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvm.h>

#define	PGSZ		((size_t)VM_PAGE_SIZE)
#define	RW		(VM_PROT_READ | VM_PROT_WRITE)
#define	MAXRUNS		31
#define	MIB		(1024.0 * 1024.0)

/* The measured loops keep their names (callgrind --toggle-collect). */
#if defined(__clang__)
#define	MEASURED	__attribute__((__noinline__))
#else
#define	MEASURED	__attribute__((__noipa__))
#endif

#define	GOAL_ZFOD_NS	300.0
#define	GOAL_COW_NS	400.0
#define	GOAL_MT_RATIO	1.85
#define	GOAL_FORK_MS	2.0	/* for 1 GiB */

enum fcase { C_ZFOD, C_COW, C_SOFT, C_MT, C_FORK, NCASES };

static const char *const casenames[NCASES] = {
	[C_ZFOD] = "zfod", [C_COW] = "cow", [C_SOFT] = "soft", [C_MT] = "mt",
	[C_FORK] = "fork",
};

static int	nruns = 5;
static size_t	npages = 32768;			/* 128 MiB */
static size_t	forkbytes = (size_t)1 << 30;	/* 1 GiB */
static bool	quick;
static char	selfpath[PATH_MAX];

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static double
median_of(double *r, int n)
{
	double s[MAXRUNS];

	if (n <= 0)
		return (-1);
	memcpy(s, r, sizeof(r[0]) * (size_t)n);
	qsort(s, (size_t)n, sizeof(s[0]), cmp);
	return (s[n / 2]);
}

static void
die(const char *what, int err)
{
	fprintf(stderr, "fault: %s failed: %s (%d)\n", what, strerror(err),
	    err);
	exit(1);
}

static const char *
verdict(bool ok)
{
	return (ok ? "PASS" : "FAIL");
}

/* ---- libvm ------------------------------------------------------------ */

static uint64_t
counter(const char *name)
{
	char full[128];
	uint64_t v = 0;
	size_t len = sizeof(v);
	int error;

	snprintf(full, sizeof(full), "vm.stats.vm.%s", name);
	error = vm_sysctlbyname(full, &v, &len, NULL, 0);
	if (error != 0)
		die(full, error);
	return (v);
}

/* The fault path a figure claims to measure is the one that ran. */
static bool	path_warned;

static void
expect(const char *what, const char *name, uint64_t before, uint64_t want)
{
	uint64_t got = counter(name) - before;

	if (got != want && !path_warned) {
		printf("  ! %s: %s went up by %ju, expected %ju: the figure "
		    "is not (only) the path named\n", what, name,
		    (uintmax_t)got, (uintmax_t)want);
		path_warned = true;
	}
}

static void
boot(size_t physmem)
{
	struct vm_config cfg;
	int error;

	vm_config_init(&cfg);
	cfg.physmem = physmem;
	if (cfg.ncpu < 2)
		cfg.ncpu = 2;
	cfg.seed = 1;
	if ((error = vm_boot(&cfg)) != 0)
		die("vm_boot", error);
}

/* Arena for a case: what it keeps resident, a quarter more, 64 MiB. */
static size_t
physmem_for(size_t resident_bytes)
{
	size_t b = resident_bytes + resident_bytes / 4 + ((size_t)64 << 20);

	return ((b + ((size_t)2 << 20) - 1) & ~(((size_t)2 << 20) - 1));
}

static struct vmspace *
space(void)
{
	struct vmspace *vs;
	int error;

	if ((error = vmspace_create(&vs)) != 0)
		die("vmspace_create", error);
	return (vs);
}

/* n pages anonymous private read/write, at addr if addr != 0. */
static vm_offset_t
map_anon(struct vmspace *vs, vm_offset_t addr, size_t n)
{
	vm_offset_t a = addr;
	int error, flags = VM_MAP_ANON | VM_MAP_PRIVATE;

	if (addr != 0)
		flags |= VM_MAP_FIXED | VM_MAP_EXCL;
	error = vm_mmap(vs, &a, (vm_size_t)(n * PGSZ), RW, flags, -1, 0);
	if (error != 0)
		die("vm_mmap", error);
	return (a);
}

static inline void
touch(struct vmspace *vs, vm_offset_t va, int access)
{
	int error, signo, code;

	error = vm_fault_trap(vs, va, access, &signo, &code);
	if (__builtin_expect(error != 0, 0)) {
		fprintf(stderr, "fault: vm_fault_trap(%#jx, %d): signal %d "
		    "code %d\n", (uintmax_t)va, access, signo, code);
		exit(1);
	}
}

static MEASURED void
populate(struct vmspace *vs, vm_offset_t base, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		touch(vs, base + i * PGSZ, VM_PROT_WRITE);
}

static MEASURED void
fault_loop_zfod(struct vmspace *vs, vm_offset_t base, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		touch(vs, base + i * PGSZ, VM_PROT_WRITE);
}

static MEASURED void
fault_loop_cow(struct vmspace *vs, vm_offset_t base, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		touch(vs, base + i * PGSZ, VM_PROT_WRITE);
}

static MEASURED void
fault_loop_soft(struct vmspace *vs, vm_offset_t base, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		touch(vs, base + i * PGSZ, VM_PROT_READ);
}

static MEASURED struct vmspace *
fault_loop_fork(struct vmspace *vs)
{
	struct vmspace *child;
	int error;

	if ((error = vmspace_fork(vs, &child)) != 0)
		die("vmspace_fork", error);
	return (child);
}

/* Zero fill: ns per page. */
static double
libvm_zfod(size_t n)
{
	struct vmspace *vs = space();
	vm_offset_t base = map_anon(vs, 0, n);
	uint64_t z0 = counter("v_zfod");
	double t0, t1;

	t0 = now();
	fault_loop_zfod(vs, base, n);
	t1 = now();
	expect("zero fill", "v_zfod", z0, n);
	vmspace_release(vs);
	return ((t1 - t0) * 1e9 / (double)n);
}

/* COW after fork, the parent writing: ns per page. */
static double
libvm_cow(size_t n)
{
	struct vmspace *vs = space(), *child;
	vm_offset_t base = map_anon(vs, 0, n);
	uint64_t c0;
	double t0, t1;

	populate(vs, base, n);
	child = fault_loop_fork(vs);
	c0 = counter("v_cow_faults");
	t0 = now();
	fault_loop_cow(vs, base, n);
	t1 = now();
	expect("COW", "v_cow_faults", c0, n);
	vmspace_release(child);
	vmspace_release(vs);
	return ((t1 - t0) * 1e9 / (double)n);
}

/* Soft faults on a populated mapping whose translations were removed. */
static double
libvm_soft(struct vmspace *vs, vm_offset_t base, size_t n)
{
	uint64_t f0, z0;
	double t0, t1;
	int error;

	if ((error = vm_mprotect(vs, base, n * PGSZ, VM_PROT_NONE)) != 0 ||
	    (error = vm_mprotect(vs, base, n * PGSZ, RW)) != 0)
		die("vm_mprotect", error);
	f0 = counter("v_vm_faults");
	z0 = counter("v_zfod");
	t0 = now();
	fault_loop_soft(vs, base, n);
	t1 = now();
	expect("soft", "v_vm_faults", f0, n);
	expect("soft", "v_zfod", z0, 0);
	return ((t1 - t0) * 1e9 / (double)n);
}

struct forkres {
	double	fork_ms, child_ms, parent_ms;
};

static struct forkres
libvm_fork(size_t n)
{
	struct vmspace *vs = space(), *child;
	vm_offset_t base = map_anon(vs, 0, n);
	struct forkres r;
	double t0, t1, t2, t3;

	populate(vs, base, n);
	t0 = now();
	child = fault_loop_fork(vs);
	t1 = now();
	vmspace_release(child);
	t2 = now();
	vmspace_release(vs);
	t3 = now();
	r.fork_ms = (t1 - t0) * 1e3;
	r.child_ms = (t2 - t1) * 1e3;
	r.parent_ms = (t3 - t2) * 1e3;
	return (r);
}

/* ---- threads ---------------------------------------------------------- */

/*
 * What the threads do: libvm zero fill (in one vmspace, or, as a
 * diagnostic, each thread in a vmspace of its own: nothing shared above
 * the page layer), host mmap(MAP_POPULATE), a
 * calibration loop of register-only arithmetic (xorshift, ALU_PER_PAGE
 * steps per "page", about as long as a fault): it shares nothing, so its
 * 2/1 ratio is the most two threads can get on this machine at the time;
 * or the zeroing alone (memset of each 4 KiB page of a buffer of n pages
 * that was written before, as the fault's recycled pages were): the most
 * two threads get out of the memory system for the part of a zero fill
 * that is memory traffic; or libvm soft faults (read, on resident pages
 * whose translations vm_mprotect removed before the clock starts).
 */
enum mtmode { MT_LIBVM, MT_LIBVM_SEP, MT_HOST, MT_ALU, MT_MEMSET, MT_SOFT };

#define	ALU_PER_PAGE	400

struct mtjob {
	enum mtmode	mode;
	struct vmspace	*vs;
	vm_offset_t	base;
	size_t		n;
	void		*hostp;
	double		t0, t1;		/* this thread's start and end */
};

static pthread_barrier_t barrier;

static MEASURED void
fault_loop_mt(struct vmspace *vs, vm_offset_t base, size_t n, int access)
{
	size_t i;

	for (i = 0; i < n; i++)
		touch(vs, base + i * PGSZ, access);
}

static volatile uint64_t alu_sink;

static void
alu_loop(size_t n, uint64_t x)
{
	size_t i;

	for (i = 0; i < n * ALU_PER_PAGE; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	alu_sink = x;
}

static void
memset_loop(char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		memset(p + i * PGSZ, 0, PGSZ);
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

/* Each thread's memset buffer, written once at start-up (-c mt). */
static char *memset_buf[2];

static void *
mt_worker(void *arg)
{
	struct mtjob *job = arg;

	pthread_barrier_wait(&barrier);
	job->t0 = now();
	switch (job->mode) {
	case MT_LIBVM:
	case MT_LIBVM_SEP:
		fault_loop_mt(job->vs, job->base, job->n, VM_PROT_WRITE);
		break;
	case MT_SOFT:
		fault_loop_mt(job->vs, job->base, job->n, VM_PROT_READ);
		break;
	case MT_HOST:
		job->hostp = mmap(NULL, job->n * PGSZ, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (job->hostp == MAP_FAILED)
			die("host mmap", errno);
		break;
	case MT_ALU:
		alu_loop(job->n, job->base + 1);
		break;
	case MT_MEMSET:
		memset_loop(job->hostp, job->n);
		break;
	}
	job->t1 = now();
	return (NULL);
}

/*
 * nthreads threads, each faulting n pages of its own: pages per second.
 * The workers start together (a barrier among them) and time themselves:
 * with 2 CPUs, a third thread taking the time could be scheduled only
 * after the work is done.  The elapsed time is from the first start to
 * the last end.
 */
static double
mt_run(enum mtmode mode, int nthreads, size_t n)
{
	bool soft = mode == MT_SOFT;
	bool libvm = mode == MT_LIBVM || mode == MT_LIBVM_SEP || soft;
	struct mtjob jobs[2];
	struct vmspace *vs = NULL, *own[2] = { NULL, NULL };
	pthread_t t[2];
	uint64_t f0 = 0, z0 = 0;
	double t0, t1;
	int error, i;

	for (i = 0; i < nthreads; i++) {
		if (libvm && (i == 0 || mode == MT_LIBVM_SEP))
			vs = own[i] = space();
		jobs[i].mode = mode;
		jobs[i].vs = vs;
		jobs[i].n = n;
		jobs[i].hostp = mode == MT_MEMSET ? memset_buf[i] : NULL;
		/* 4 GiB apart: distinct entries, objects, L3..L1 tables. */
		jobs[i].base = libvm ? map_anon(vs, (vm_offset_t)(i + 1) << 32,
		    n) : (vm_offset_t)i;
		/* Resident, without translations: as -c soft. */
		if (soft) {
			populate(vs, jobs[i].base, n);
			if ((error = vm_mprotect(vs, jobs[i].base, n * PGSZ,
			    VM_PROT_NONE)) != 0 || (error = vm_mprotect(vs,
			    jobs[i].base, n * PGSZ, RW)) != 0)
				die("vm_mprotect", error);
		}
	}
	if (libvm) {
		f0 = counter("v_vm_faults");
		z0 = counter("v_zfod");
	}
	pthread_barrier_init(&barrier, NULL, (unsigned)nthreads);
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, mt_worker, &jobs[i]) != 0)
			die("pthread_create", errno);
	t0 = 1e300;
	t1 = 0;
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		if (mode == MT_HOST)
			munmap(jobs[i].hostp, n * PGSZ);
		t0 = jobs[i].t0 < t0 ? jobs[i].t0 : t0;
		t1 = jobs[i].t1 > t1 ? jobs[i].t1 : t1;
	}
	pthread_barrier_destroy(&barrier);
	if (libvm) {
		expect("mt", "v_vm_faults", f0, (uint64_t)nthreads * n);
		expect("mt", "v_zfod", z0, soft ? 0 : (uint64_t)nthreads * n);
		for (i = 0; i < 2; i++)
			if (own[i] != NULL)
				vmspace_release(own[i]);
	}
	return ((double)nthreads * (double)n / (t1 - t0));
}

/* ---- the host, in this process ----------------------------------------- */

static void *
host_alloc(size_t len, bool populate_it)
{
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS | (populate_it ? MAP_POPULATE : 0), -1, 0);
	if (p == MAP_FAILED)
		die("host mmap", errno);
	return (p);
}

/*
 * A buffer for the "work alone" peers (memset, memcpy): on 2 MiB pages
 * where the host allows, as libvm's arena is (sys/vm/vm_phys.c), so that
 * the peer and libvm pay the same TLB costs; written once.
 */
static void *
host_work_buf(size_t len)
{
	const size_t huge = (size_t)2 << 20;
	char *raw, *p;

	raw = mmap(NULL, len + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		die("host mmap", errno);
	p = (char *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
	if (p != raw)
		munmap(raw, (size_t)(p - raw));
	munmap(p + len, (size_t)(raw + huge - p));
#ifdef MADV_HUGEPAGE
	(void)madvise(p, len, MADV_HUGEPAGE);
#endif
	memset(p, 0x5a, len);
	return (p);
}

static double
host_populate(size_t n)
{
	double t0, t1;
	void *p;

	t0 = now();
	p = host_alloc(n * PGSZ, true);
	t1 = now();
	munmap(p, n * PGSZ);
	return ((t1 - t0) * 1e9 / (double)n);
}

static double
host_memset(char *buf, size_t n)
{
	double t0, t1;
	size_t i;

	t0 = now();
	for (i = 0; i < n; i++)
		memset(buf + i * PGSZ, 0, PGSZ);
	__asm__ __volatile__("" : : "r"(buf) : "memory");
	t1 = now();
	return ((t1 - t0) * 1e9 / (double)n);
}

static double
host_memcpy(char *dst, const char *src, size_t n)
{
	double t0, t1;
	size_t i;

	t0 = now();
	for (i = 0; i < n; i++)
		memcpy(dst + i * PGSZ, src + i * PGSZ, PGSZ);
	__asm__ __volatile__("" : : "r"(dst) : "memory");
	t1 = now();
	return ((t1 - t0) * 1e9 / (double)n);
}

/* A memfd of n resident pages. */
static int
host_memfd(size_t n)
{
	int fd = memfd_create("fault-bench", MFD_CLOEXEC);
	void *p;

	if (fd < 0)
		die("memfd_create", errno);
	if (ftruncate(fd, (off_t)(n * PGSZ)) != 0)
		die("ftruncate", errno);
	if (fallocate(fd, 0, 0, (off_t)(n * PGSZ)) != 0) {
		/* No fallocate: fill through a mapping. */
		p = mmap(NULL, n * PGSZ, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
		if (p == MAP_FAILED)
			die("host mmap", errno);
		memset(p, 1, n * PGSZ);
		munmap(p, n * PGSZ);
	}
	return (fd);
}

/* A write to each page of a fresh shared mapping of resident pages. */
static double
host_minor(int fd, size_t n)
{
	volatile char *p;
	double t0, t1;
	size_t i;

	p = mmap(NULL, n * PGSZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("host mmap", errno);
	t0 = now();
	for (i = 0; i < n; i++)
		p[i * PGSZ] = 1;
	t1 = now();
	munmap((void *)(uintptr_t)p, n * PGSZ);
	return ((t1 - t0) * 1e9 / (double)n);
}

static double
host_minor_populate(int fd, size_t n)
{
	double t0, t1;
	void *p;

	t0 = now();
	p = mmap(NULL, n * PGSZ, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_POPULATE, fd, 0);
	t1 = now();
	if (p == MAP_FAILED)
		die("host mmap", errno);
	munmap(p, n * PGSZ);
	return ((t1 - t0) * 1e9 / (double)n);
}

/* ---- the host, in a helper process (-H) ------------------------------- */

/*
 * -H cow: n pages resident, then per run: fork, the child blocks on a
 * pipe (holding every page), the parent writes one byte per page (n host
 * COW faults), then lets the child exit.  Prints "H <ns/page>" per run.
 *
 * -H fork: forkbytes resident, then per run: fork, the child _exit(0)s
 * at once; prints "H <ms to fork's return> <ms to waitpid's return>".
 */
static int
helper(enum fcase c)
{
	size_t n = c == C_FORK ? forkbytes / PGSZ : npages, i;
	volatile char *p = host_alloc(n * PGSZ, true);
	double t0, t1, t2;
	int fds[2], r, status;
	char byte = 0;
	pid_t pid;

	for (r = -1; r < nruns; r++) {		/* r = -1: warm-up */
		if (c == C_COW && pipe(fds) != 0)
			die("pipe", errno);
		t0 = now();
		pid = fork();
		if (pid < 0)
			die("fork", errno);
		if (pid == 0) {
			if (c == C_COW) {
				close(fds[1]);
				while (read(fds[0], &byte, 1) < 0 &&
				    errno == EINTR)
					;
			}
			_exit(0);
		}
		t1 = now();
		if (c == C_COW) {
			close(fds[0]);
			t1 = now();
			for (i = 0; i < n; i++)
				p[i * PGSZ] = (char)r;
			t2 = now();
			if (write(fds[1], &byte, 1) != 1)
				die("write", errno);
			close(fds[1]);
			waitpid(pid, &status, 0);
			if (r >= 0)
				printf("H %.3f\n", (t2 - t1) * 1e9 /
				    (double)n);
		} else {
			waitpid(pid, &status, 0);
			t2 = now();
			if (r >= 0 && c == C_FORK)
				printf("H %.6f %.6f\n", (t1 - t0) * 1e3,
				    (t2 - t0) * 1e3);
		}
	}
	fflush(stdout);
	return (0);
}

/* Run the helper for c; fills a[] (and b[]) with nruns figures. */
static bool
host_helper(enum fcase c, double *a, double *b)
{
	char cmd[PATH_MAX + 128], line[256];
	double x, y;
	FILE *f;
	int k = 0, got;

	snprintf(cmd, sizeof(cmd), "'%s' -H %s -n %zu -f %zu -r %d", selfpath,
	    casenames[c], npages, forkbytes >> 20, nruns);
	fflush(stdout);
	if ((f = popen(cmd, "r")) == NULL)
		return (false);
	while (fgets(line, sizeof(line), f) != NULL && k < nruns) {
		got = sscanf(line, "H %lf %lf", &x, &y);
		if (got < 1)
			continue;
		a[k] = x;
		if (b != NULL)
			b[k] = got == 2 ? y : -1;
		k++;
	}
	return (pclose(f) == 0 && k == nruns);
}

/* ---- the cases -------------------------------------------------------- */

struct results {
	bool	ran[NCASES];
	double	zfod, zfod_pop, zfod_memset;
	double	cow, cow_memcpy, cow_fork;
	double	soft, soft_minor, soft_pop;
	double	mt1, mt2, hmt1, hmt2;
	double	mt_scale, hmt_scale, alu_scale;	/* medians of 2/1 ratios */
	double	mem_scale;	/* host memset of pages: the memory's */
	double	sep_scale;	/* libvm, a vmspace per thread */
	double	soft_scale;	/* libvm soft faults, one vmspace */
	double	mtsoft1;	/* their 1-thread pages/s */
	struct forkres fork;
	double	hfork, hforkwait;
};

static struct results res;

static void
line3(const char *what, double lv, const char *p1, double h1, const char *p2,
    double h2)
{
	printf("%-22s libvm %9.1f | host %-18s %9.1f (libvm/host %6.2fx)",
	    what, lv, p1, h1, lv / h1);
	if (p2 != NULL) {
		if (h2 > 0)
			printf(" | host %-17s %9.1f (%6.2fx)", p2, h2,
			    lv / h2);
		else
			printf(" | host %-17s %9s", p2, "failed");
	}
	printf("\n");
}

static void
case_zfod(void)
{
	double a[MAXRUNS], b[MAXRUNS], c[MAXRUNS];
	char *buf = host_work_buf(npages * PGSZ);
	int r;

	libvm_zfod(npages);
	host_populate(npages);
	host_memset(buf, npages);
	for (r = 0; r < nruns; r++) {
		a[r] = libvm_zfod(npages);
		b[r] = host_populate(npages);
		c[r] = host_memset(buf, npages);
	}
	munmap(buf, npages * PGSZ);
	res.zfod = median_of(a, nruns);
	res.zfod_pop = median_of(b, nruns);
	res.zfod_memset = median_of(c, nruns);
	res.ran[C_ZFOD] = true;
	line3("zero fill, ns/page", res.zfod, "MAP_POPULATE", res.zfod_pop,
	    "memset 4 KiB", res.zfod_memset);
}

static void
case_cow(void)
{
	double a[MAXRUNS], b[MAXRUNS], c[MAXRUNS];
	char *src = host_work_buf(npages * PGSZ);
	char *dst = host_work_buf(npages * PGSZ);
	int r;

	libvm_cow(npages);
	host_memcpy(dst, src, npages);
	for (r = 0; r < nruns; r++) {
		a[r] = libvm_cow(npages);
		b[r] = host_memcpy(dst, src, npages);
	}
	munmap(src, npages * PGSZ);
	munmap(dst, npages * PGSZ);
	res.cow = median_of(a, nruns);
	res.cow_memcpy = median_of(b, nruns);
	res.cow_fork = host_helper(C_COW, c, NULL) ? median_of(c, nruns) : -1;
	res.ran[C_COW] = true;
	line3("COW, ns/page", res.cow, "memcpy 4 KiB", res.cow_memcpy,
	    "fork+write", res.cow_fork);
}

static void
case_soft(void)
{
	double a[MAXRUNS], b[MAXRUNS], c[MAXRUNS];
	struct vmspace *vs = space();
	vm_offset_t base = map_anon(vs, 0, npages);
	int fd = host_memfd(npages), r;

	populate(vs, base, npages);
	libvm_soft(vs, base, npages);
	host_minor(fd, npages);
	host_minor_populate(fd, npages);
	for (r = 0; r < nruns; r++) {
		a[r] = libvm_soft(vs, base, npages);
		b[r] = host_minor(fd, npages);
		c[r] = host_minor_populate(fd, npages);
	}
	vmspace_release(vs);
	close(fd);
	res.soft = median_of(a, nruns);
	res.soft_minor = median_of(b, nruns);
	res.soft_pop = median_of(c, nruns);
	res.ran[C_SOFT] = true;
	line3("soft fault, ns/page", res.soft, "shmem minor fault",
	    res.soft_minor, "shmem MAP_POPULATE", res.soft_pop);
}

static void
case_mt(void)
{
	double a1[MAXRUNS], a2[MAXRUNS], h1[MAXRUNS], h2[MAXRUNS];
	double c1[MAXRUNS], c2[MAXRUNS], ra[MAXRUNS], rh[MAXRUNS];
	double rc[MAXRUNS], s1[MAXRUNS], s2[MAXRUNS], rs[MAXRUNS];
	double z1[MAXRUNS], z2[MAXRUNS], rz[MAXRUNS];
	double f1[MAXRUNS], f2[MAXRUNS], rf[MAXRUNS];
	int r, m;

	for (r = 0; r < 2; r++) {
		memset_buf[r] = host_work_buf(npages * PGSZ);
	}
	for (m = MT_LIBVM; m <= MT_SOFT; m++) {
		mt_run((enum mtmode)m, 1, npages);
		mt_run((enum mtmode)m, 2, npages);
	}
	/* 1 and 2 threads back to back: the ratio is taken per run. */
	for (r = 0; r < nruns; r++) {
		a1[r] = mt_run(MT_LIBVM, 1, npages);
		a2[r] = mt_run(MT_LIBVM, 2, npages);
		h1[r] = mt_run(MT_HOST, 1, npages);
		h2[r] = mt_run(MT_HOST, 2, npages);
		c1[r] = mt_run(MT_ALU, 1, npages);
		c2[r] = mt_run(MT_ALU, 2, npages);
		s1[r] = mt_run(MT_LIBVM_SEP, 1, npages);
		s2[r] = mt_run(MT_LIBVM_SEP, 2, npages);
		z1[r] = mt_run(MT_MEMSET, 1, npages);
		z2[r] = mt_run(MT_MEMSET, 2, npages);
		f1[r] = mt_run(MT_SOFT, 1, npages);
		f2[r] = mt_run(MT_SOFT, 2, npages);
		rz[r] = z2[r] / z1[r];
		rf[r] = f2[r] / f1[r];
		rs[r] = s2[r] / s1[r];
		ra[r] = a2[r] / a1[r];
		rh[r] = h2[r] / h1[r];
		rc[r] = c2[r] / c1[r];
	}
	res.mt1 = median_of(a1, nruns);
	res.mt2 = median_of(a2, nruns);
	res.hmt1 = median_of(h1, nruns);
	res.hmt2 = median_of(h2, nruns);
	res.mt_scale = median_of(ra, nruns);
	res.hmt_scale = median_of(rh, nruns);
	res.alu_scale = median_of(rc, nruns);
	res.sep_scale = median_of(rs, nruns);
	res.mem_scale = median_of(rz, nruns);
	res.soft_scale = median_of(rf, nruns);
	res.mtsoft1 = median_of(f1, nruns);
	res.ran[C_MT] = true;
	for (r = 0; r < 2; r++)
		munmap(memset_buf[r], npages * PGSZ);
	printf("%-22s libvm %9.3f | host %-18s %9.3f (libvm/host %6.2fx)\n",
	    "1 thread, Mpages/s", res.mt1 / 1e6, "MAP_POPULATE",
	    res.hmt1 / 1e6, res.mt1 / res.hmt1);
	printf("%-22s libvm %9.3f | host %-18s %9.3f (libvm/host %6.2fx)\n",
	    "2 threads, Mpages/s", res.mt2 / 1e6, "MAP_POPULATE",
	    res.hmt2 / 1e6, res.mt2 / res.hmt2);
	printf("%-22s libvm %8.2fx | host %-18s %8.2fx | machine (ALU "
	    "loop) %.2fx\n", "scaling 2/1 threads", res.mt_scale,
	    "MAP_POPULATE", res.hmt_scale, res.alu_scale);
	printf("%-22s libvm %8.2fx (diagnostic: a vmspace per thread, no "
	    "shared map or pmap)\n", "  separate vmspaces", res.sep_scale);
	printf("%-22s host  %8.2fx (memset of 4 KiB pages, %zu MiB a "
	    "thread: the memory's own 2/1)\n", "  zeroing alone",
	    res.mem_scale, (npages * PGSZ) >> 20);
	printf("%-22s libvm %8.2fx (diagnostic: soft faults in one vmspace, "
	    "no zeroing; 1 thread %.3f Mpages/s)\n", "  soft faults",
	    res.soft_scale, res.mtsoft1 / 1e6);
}

static void
case_fork(void)
{
	double f[MAXRUNS], c[MAXRUNS], p[MAXRUNS], hf[MAXRUNS], hw[MAXRUNS];
	struct forkres fr;
	size_t n = forkbytes / PGSZ;
	int r;

	for (r = 0; r < nruns; r++) {
		fr = libvm_fork(n);
		f[r] = fr.fork_ms;
		c[r] = fr.child_ms;
		p[r] = fr.parent_ms;
	}
	res.fork.fork_ms = median_of(f, nruns);
	res.fork.child_ms = median_of(c, nruns);
	res.fork.parent_ms = median_of(p, nruns);
	if (host_helper(C_FORK, hf, hw)) {
		res.hfork = median_of(hf, nruns);
		res.hforkwait = median_of(hw, nruns);
	} else
		res.hfork = res.hforkwait = -1;
	res.ran[C_FORK] = true;
	printf("fork of %zu MiB resident, ms:\n", forkbytes >> 20);
	if (res.hfork > 0)
		printf("%-22s libvm %9.3f | host %-18s %9.3f (libvm/host "
		    "%6.2fx)\n", "  fork", res.fork.fork_ms, "fork()",
		    res.hfork, res.fork.fork_ms / res.hfork);
	else
		printf("%-22s libvm %9.3f | host fork() failed\n", "  fork",
		    res.fork.fork_ms);
	if (res.hforkwait > 0)
		printf("%-22s libvm %9.3f | host %-18s %9.3f (libvm fork+"
		    "release %.3f: %.2fx)\n", "  release child",
		    res.fork.child_ms, "fork+_exit+waitpid", res.hforkwait,
		    res.fork.fork_ms + res.fork.child_ms,
		    (res.fork.fork_ms + res.fork.child_ms) / res.hforkwait);
	else
		printf("%-22s libvm %9.3f\n", "  release child",
		    res.fork.child_ms);
	printf("%-22s libvm %9.3f (%.1f ns/page; no host peer)\n",
	    "  release parent", res.fork.parent_ms,
	    res.fork.parent_ms * 1e6 / (double)n);
}

static void
report_goals(void)
{
	double g, scale;

	printf("goals%s:\n", quick ? " (quick run: sizes differ, indicative "
	    "only)" : "");
	if (res.ran[C_ZFOD])
		printf("  zero fill <= %.0f ns/page: %.1f ns: %s\n",
		    GOAL_ZFOD_NS, res.zfod, verdict(res.zfod <= GOAL_ZFOD_NS));
	if (res.ran[C_COW])
		printf("  COW <= %.0f ns/page: %.1f ns: %s\n", GOAL_COW_NS,
		    res.cow, verdict(res.cow <= GOAL_COW_NS));
	if (res.ran[C_MT]) {
		g = res.mt_scale;
		printf("  2-thread scaling >= %.2fx: %.2fx: %s (host %.2fx; "
		    "zeroing alone %.2fx; the machine's ceiling, an ALU loop, "
		    "%.2fx%s)\n",
		    GOAL_MT_RATIO, g, verdict(g >= GOAL_MT_RATIO),
		    res.hmt_scale, res.mem_scale, res.alu_scale, res.alu_scale <
		    GOAL_MT_RATIO ? ": not measurable on this machine now" :
		    "");
	}
	if (res.ran[C_FORK]) {
		scale = (double)forkbytes / (double)(1u << 30);
		printf("  fork of 1 GiB <= %.0f ms: %.3f ms for %zu MiB%s: %s\n",
		    GOAL_FORK_MS, res.fork.fork_ms, forkbytes >> 20,
		    scale != 1 ? " (goal scaled)" : "",
		    verdict(res.fork.fork_ms <= GOAL_FORK_MS * scale));
	}
}

/* -l: one case, libvm only, once. */
static int
loop_mode(enum fcase c, size_t n)
{
	struct vmspace *vs;
	vm_offset_t base;
	struct forkres fr;
	double ns;

	boot(physmem_for(2 * n * PGSZ));
	switch (c) {
	case C_ZFOD:
		ns = libvm_zfod(n);
		break;
	case C_COW:
		ns = libvm_cow(n);
		break;
	case C_SOFT:
		vs = space();
		base = map_anon(vs, 0, n);
		populate(vs, base, n);
		ns = libvm_soft(vs, base, n);
		vmspace_release(vs);
		break;
	case C_FORK:
		fr = libvm_fork(n);
		ns = fr.fork_ms * 1e6 / (double)n;
		break;
	default:
		fprintf(stderr, "fault: -l takes zfod, cow, soft or fork\n");
		return (2);
	}
	printf("libvm %s: %zu pages, %.1f ns/page\n", casenames[c], n, ns);
	vm_shutdown();
	return (0);
}

static int
parse_case(const char *s)
{
	int c;

	for (c = 0; c < NCASES; c++)
		if (strcmp(s, casenames[c]) == 0)
			return (c);
	fprintf(stderr, "fault: unknown case %s (zfod, cow, soft, mt, fork)\n",
	    s);
	exit(2);
}

static void
usage(void)
{
	fprintf(stderr, "usage: fault [-q] [-r runs] [-n pages] [-f fork_MiB] "
	    "[-c zfod|cow|soft|mt|fork]\n"
	    "       fault -l zfod|cow|soft|fork [-n pages]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	size_t resident;
	ssize_t len;
	int c, only = -1, lcase = -1, hcase = -1;
	bool nset = false, fset = false;

	while ((c = getopt(argc, argv, "c:f:H:l:n:qr:")) != -1) {
		switch (c) {
		case 'c':
			only = parse_case(optarg);
			break;
		case 'f':
			forkbytes = (size_t)atol(optarg) << 20;
			fset = true;
			break;
		case 'H':
			hcase = parse_case(optarg);
			break;
		case 'l':
			lcase = parse_case(optarg);
			break;
		case 'n':
			npages = (size_t)atol(optarg);
			nset = true;
			break;
		case 'q':
			quick = true;
			break;
		case 'r':
			nruns = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (quick) {
		if (!nset)
			npages = 1024;
		if (!fset)
			forkbytes = (size_t)32 << 20;
		if (nruns > 3)
			nruns = 3;
	}
	if (optind != argc || nruns < 1 || nruns > MAXRUNS || npages < 1 ||
	    npages > ((size_t)1 << 26) || forkbytes < PGSZ ||
	    forkbytes > ((size_t)64 << 30))
		usage();
	if (sysconf(_SC_PAGESIZE) != (long)PGSZ) {
		fprintf(stderr, "fault: the host page size is not 4 KiB\n");
		return (1);
	}
	if (hcase >= 0)
		return (helper((enum fcase)hcase));
	if (lcase >= 0)
		return (loop_mode((enum fcase)lcase, npages));

	len = readlink("/proc/self/exe", selfpath, sizeof(selfpath) - 1);
	if (len <= 0)
		die("readlink /proc/self/exe", errno);
	selfpath[len] = '\0';

	resident = 2 * npages * PGSZ;
	if ((only < 0 || only == C_FORK) && forkbytes > resident)
		resident = forkbytes;
	boot(physmem_for(resident));
	printf("fault: %zu pages (%.0f MiB) per run, fork of %zu MiB; "
	    "median of %d runs; physmem %.0f MiB\n", npages,
	    (double)(npages * PGSZ) / MIB, forkbytes >> 20, nruns,
	    (double)physmem_for(resident) / MIB);
	if (only < 0 || only == C_ZFOD)
		case_zfod();
	if (only < 0 || only == C_COW)
		case_cow();
	if (only < 0 || only == C_SOFT)
		case_soft();
	if (only < 0 || only == C_MT)
		case_mt();
	if (only < 0 || only == C_FORK)
		case_fork();
	report_goals();
	vm_shutdown();
	return (0);
}
