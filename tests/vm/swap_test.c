/*
 * The swap pager (swap_pager.c) under a small machine: address spaces and
 * shared-memory objects three times physical memory go to swap and come
 * back with every word intact, through one thread, two threads reading at
 * random, and a fork whose child rewrites half the pages (and the
 * collapse when the child exits); swapoff under load, and swapoff that
 * cannot fit (ENOMEM, nothing changed); injected read errors reach the
 * access as SIGBUS or EFAULT (also when swapoff meets them), injected
 * write errors lose nothing; MADV_FREE, munmap (also during pageout) and
 * exit free slots; vm_swapon's and vm_swapoff's errors, and a refused
 * vm_swapon leaving the device alone; several devices; a shutdown and
 * boot with the same swap file.  The laundry's asynchronous clustered
 * writes (issue 6): runs of pages per write, write errors, and munmap,
 * exit and swapoff meeting writes in flight (slowed down on purpose).
 *
 * Every case boots 16 MiB of physical memory and keeps its swap files in
 * the test's work directory (relative paths).  The data written is one
 * 64-bit word per 8 bytes, different for every offset and generation and
 * never zero, so a lost page (zero-filled) or a page from elsewhere shows.
 * Cases end with vm.swap_used back at 0 once their memory is gone: a
 * slot that outlives its page is a leak.
 */
#include <atf-c.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_test.h"

#define	MB		(1024u * 1024u)
#define	PHYSMEM		(16u * MB)
#define	WSET		(3u * PHYSMEM)	/* three times physical memory */
#define	NPG		(WSET / PG)
#define	SWAPSZ		(128u * MB)
#define	CHUNK		(64u * 1024u)

/* ---- sysctls ------------------------------------------------------------- */

static uint64_t
sysctl_u64(const char *name)
{
	uint64_t v = 0;
	size_t len = sizeof(v);
	int error;

	error = vm_sysctlbyname(name, &v, &len, NULL, 0);
	ATF_REQUIRE_MSG(error == 0, "sysctl %s: error %d", name, error);
	ATF_REQUIRE_EQ_MSG(sizeof(v), len, "sysctl %s: length %zu", name, len);
	return (v);
}

static uint64_t
vmstat64(const char *name)
{
	char full[128];

	snprintf(full, sizeof(full), "vm.stats.vm.%s", name);
	return (sysctl_u64(full));
}

static uint64_t
swap_total(void)
{
	return (sysctl_u64("vm.swap_total"));
}

static uint64_t
swap_used(void)
{
	uint64_t v = sysctl_u64("vm.swap_used");

	ATF_REQUIRE_MSG(v % PG == 0, "vm.swap_used %ju is not in pages",
	    (uintmax_t)v);
	return (v);
}

static int
get_int(const char *name)
{
	int v = -1;
	size_t len = sizeof(v);

	ATF_REQUIRE_EQ_MSG(0, vm_sysctlbyname(name, &v, &len, NULL, 0),
	    "sysctl %s", name);
	return (v);
}

static void
set_int(const char *name, int v)
{
	ATF_REQUIRE_EQ_MSG(0, vm_sysctlbyname(name, NULL, NULL, &v, sizeof(v)),
	    "sysctl %s=%d", name, v);
}

/* Swap counters, before and after some work. */
struct swstats {
	uint64_t	out, pgsout, in, pgsin;
};

static struct swstats
swstats(void)
{
	return ((struct swstats){ .out = vmstat64("v_swapout"),
	    .pgsout = vmstat64("v_swappgsout"), .in = vmstat64("v_swapin"),
	    .pgsin = vmstat64("v_swappgsin") });
}

/* ---- boot and host files ------------------------------------------------- */

/* 16 MiB, with swapfile of swapsize bytes added at boot unless NULL. */
static void
boot_swap(const char *swapfile, uint64_t swapsize)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = PHYSMEM;
	c.ncpu = 2;
	c.seed = 1;
	c.swapfile = swapfile;
	c.swapsize = swapsize;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	ATF_REQUIRE_EQ_MSG(swapfile == NULL ? 0 : swapsize / PG * PG,
	    swap_total(), "vm.swap_total after boot with %s",
	    swapfile == NULL ? "no swap" : swapfile);
	ATF_REQUIRE_EQ(0, swap_used());
}

static struct stat
host_stat(const char *path)
{
	struct stat st;

	ATF_REQUIRE_MSG(stat(path, &st) == 0, "stat %s: %s", path,
	    strerror(errno));
	return (st);
}

/* Host descriptors open in this process. */
static int
host_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return (n - 1);		/* d's own */
}

/* ---- the data ------------------------------------------------------------ */

/* The word at byte offset off, generation gen: never 0 for small gens. */
static inline uint64_t
word(size_t off, uint64_t gen)
{
	return ((off / 8 + 1) * 0x9e3779b97f4a7c15ull ^
	    gen * 0xff51afd7ed558ccdull);
}

/* Which generation page pg holds: alt where pg % mod == rem, else base. */
struct gens {
	uint64_t	base, alt;
	unsigned	mod, rem;
};
#define	GEN(g)		((struct gens){ .base = (g) })

static inline uint64_t
gen_of(struct gens g, size_t pg)
{
	return (g.mod != 0 && pg % g.mod == g.rem ? g.alt : g.base);
}

static void
page_fill(uint64_t *b, size_t off, uint64_t gen)
{
	size_t i;

	for (i = 0; i < PG / 8; i++)
		b[i] = word(off + i * 8, gen);
}

/*
 * Write generation gen to the pages of [a, a + len) whose index (from a)
 * is rem modulo mod.  0 or the error of vm_copyout.
 */
static int
write_pages(struct vmspace *vs, vm_offset_t a, size_t len, unsigned mod,
    unsigned rem, uint64_t gen)
{
	uint64_t b[PG / 8];
	size_t off;
	int error;

	for (off = 0; off < len; off += PG) {
		if ((off / PG) % mod != rem)
			continue;
		page_fill(b, off, gen);
		if ((error = vm_copyout(vs, b, a + off, PG)) != 0)
			return (error);
	}
	return (0);
}

/*
 * Check the words of the page at byte offset off (from the start of the
 * range) against gen: -1 and a message on a mismatch.
 */
static int
page_check(const uint64_t *b, size_t off, uint64_t gen, char *msg,
    size_t msglen)
{
	size_t i;

	for (i = 0; i < PG / 8; i++)
		if (b[i] != word(off + i * 8, gen)) {
			snprintf(msg, msglen, "offset %#zx (page %zu): %#jx, "
			    "want %#jx (generation %ju)", off + i * 8, off / PG,
			    (uintmax_t)b[i], (uintmax_t)word(off + i * 8, gen),
			    (uintmax_t)gen);
			return (-1);
		}
	return (0);
}

/*
 * Read [a + from, a + from + len) of a range written from a and check
 * every word: 0, the error of vm_copyin, or -1 with a message for wrong
 * data.
 */
static int
check_range(struct vmspace *vs, vm_offset_t a, size_t from, size_t len,
    struct gens g, char *msg, size_t msglen)
{
	static uint64_t b[CHUNK / 8];	/* the checking thread's only */
	size_t off, n, p;
	int error;

	for (off = from; off < from + len; off += n) {
		n = from + len - off < CHUNK ? from + len - off : CHUNK;
		if ((error = vm_copyin(vs, a + off, b, n)) != 0) {
			snprintf(msg, msglen, "vm_copyin at offset %#zx: "
			    "error %d", off, error);
			return (error);
		}
		for (p = 0; p < n; p += PG)
			if (page_check(b + p / 8, off + p, gen_of(g,
			    (off + p) / PG), msg, msglen) != 0)
				return (-1);
	}
	return (0);
}

static void
check_range_l(int line, struct vmspace *vs, vm_offset_t a, size_t from,
    size_t len, struct gens g)
{
	char msg[256];

	if (check_range(vs, a, from, len, g, msg, sizeof(msg)) != 0)
		atf_tc_fail_requirement(__FILE__, line, "%s", msg);
}
/* The whole range [a, a + len), and the part [a + from, + len) of it. */
#define	CHECK_RANGE(vs, a, len, g)					\
	check_range_l(__LINE__, (vs), (a), 0, (len), (g))
#define	CHECK_PART(vs, a, from, len, g)					\
	check_range_l(__LINE__, (vs), (a), (from), (len), (g))

static void
write_range_l(int line, struct vmspace *vs, vm_offset_t a, size_t len,
    uint64_t gen)
{
	int error;

	error = write_pages(vs, a, len, 1, 0, gen);
	if (error != 0)
		atf_tc_fail_requirement(__FILE__, line, "writing generation "
		    "%ju: vm_copyout error %d", (uintmax_t)gen, error);
}
#define	WRITE_RANGE(vs, a, len, gen)					\
	write_range_l(__LINE__, (vs), (a), (len), (gen))

/* Pages of [a, a + len) that are not resident; the first in *firstp. */
static size_t
nonresident(struct vmspace *vs, vm_offset_t a, size_t len, size_t *firstp)
{
	char *vec = malloc(len / PG);
	size_t i, n = 0;

	ATF_REQUIRE(vec != NULL);
	ATF_REQUIRE_EQ(0, vm_mincore(vs, a, len, vec));
	*firstp = SIZE_MAX;
	for (i = 0; i < len / PG; i++)
		if ((vec[i] & VM_MINCORE_INCORE) == 0) {
			if (n++ == 0)
				*firstp = i;
		}
	free(vec);
	return (n);
}

/*
 * A fresh address space with WSET bytes of anonymous memory at *ap, all
 * written with generation gen: most of it is in swap afterwards.
 */
static struct vmspace *
big_space(vm_offset_t *ap, uint64_t gen)
{
	struct vmspace *vs = vs_new();

	*ap = ANON(vs, WSET, RW);
	WRITE_RANGE(vs, *ap, WSET, gen);
	return (vs);
}

/* xorshift64*: the tests' own seeded random numbers. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 0x2545f4914f6cdd1dull);
}

static void
shuffle(size_t *v, size_t n, uint64_t seed)
{
	size_t i, j, t;

	for (i = 0; i < n; i++)
		v[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = (size_t)(rnd(&seed) % (i + 1));
		t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

/* ---- the cases ----------------------------------------------------------- */

/*
 * Every page of an address space three times physical memory written and
 * read back: it can only fit by going through swap, and the counters show
 * both directions.
 */
ATF_TC_WITHOUT_HEAD(anon_larger_than_physmem);
ATF_TC_BODY(anon_larger_than_physmem, tc)
{
	struct swstats s0, s1, s2;
	struct vmspace *vs;
	vm_offset_t a;
	size_t first;

	boot_swap("swap0", SWAPSZ);
	s0 = swstats();
	vs = big_space(&a, 1);
	s1 = swstats();
	ATF_CHECK_MSG(s1.out > s0.out, "v_swapout %ju -> %ju",
	    (uintmax_t)s0.out, (uintmax_t)s1.out);
	ATF_CHECK_MSG(s1.pgsout - s0.pgsout >= (WSET - PHYSMEM) / PG,
	    "only %ju pages went out", (uintmax_t)(s1.pgsout - s0.pgsout));
	ATF_CHECK_MSG(swap_used() >= WSET - PHYSMEM, "vm.swap_used %ju",
	    (uintmax_t)swap_used());
	ATF_CHECK_MSG(nonresident(vs, a, WSET, &first) >= (WSET - PHYSMEM) /
	    PG, "mincore: only %zu pages not resident",
	    nonresident(vs, a, WSET, &first));
	CHECK_RANGE(vs, a, WSET, GEN(1));
	/* Twice: pages read back (clean copies of their slots) go again. */
	CHECK_RANGE(vs, a, WSET, GEN(1));
	s2 = swstats();
	ATF_CHECK_MSG(s2.in > s1.in, "v_swapin %ju -> %ju",
	    (uintmax_t)s1.in, (uintmax_t)s2.in);
	ATF_CHECK_MSG(s2.pgsin - s1.pgsin >= (WSET - PHYSMEM) / PG,
	    "only %ju pages came in", (uintmax_t)(s2.pgsin - s1.pgsin));
	/* Rewritten in place: the stale slots must not come back. */
	WRITE_RANGE(vs, a, WSET, 2);
	CHECK_RANGE(vs, a, WSET, GEN(2));
	vmspace_release(vs);
	ATF_CHECK_EQ_MSG(0, swap_used(), "%ju bytes of swap still used after "
	    "exit", (uintmax_t)swap_used());
	vm_shutdown();
}

/*
 * Two threads reading one address space at random, each half the pages
 * in its own order (together about three quarters of them), then all of
 * it in order.
 */
struct rreader {
	struct vmspace	*vs;
	vm_offset_t	a;
	uint64_t	seed;
	int		error;
	char		msg[256];
};

static void *
rreader(void *arg)
{
	struct rreader *r = arg;
	uint64_t b[PG / 8];
	size_t *order = malloc(NPG * sizeof(*order)), i;

	if (order == NULL) {
		r->error = ENOMEM;
		return (NULL);
	}
	shuffle(order, NPG, r->seed);
	for (i = 0; i < NPG / 2 && r->error == 0; i++) {
		r->error = vm_copyin(r->vs, r->a + order[i] * PG, b, PG);
		if (r->error != 0)
			snprintf(r->msg, sizeof(r->msg), "vm_copyin of page "
			    "%zu: error %d", order[i], r->error);
		else
			r->error = page_check(b, order[i] * PG, 1, r->msg,
			    sizeof(r->msg));
	}
	free(order);
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(anon_mt_random_readers);
ATF_TC_BODY(anon_mt_random_readers, tc)
{
	struct rreader r[2];
	struct swstats s0, s1;
	struct vmspace *vs;
	pthread_t t[2];
	vm_offset_t a;
	int i;

	boot_swap("swap0", SWAPSZ);
	vs = big_space(&a, 1);
	s0 = swstats();
	for (i = 0; i < 2; i++) {
		r[i] = (struct rreader){ .vs = vs, .a = a,
		    .seed = 0x5eed0001u + (uint64_t)i };
		ATF_REQUIRE_EQ(0, pthread_create(&t[i], NULL, rreader, &r[i]));
	}
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		ATF_CHECK_EQ_MSG(0, r[i].error, "reader %d: %s", i, r[i].msg);
	}
	s1 = swstats();
	ATF_CHECK_MSG(s1.pgsin - s0.pgsin >= (WSET - PHYSMEM) / 2 / PG,
	    "only %ju pages came in", (uintmax_t)(s1.pgsin - s0.pgsin));
	CHECK_RANGE(vs, a, WSET, GEN(1));
	vmspace_release(vs);
	ATF_CHECK_EQ(0, swap_used());
	vm_shutdown();
}

/*
 * After a fork with most of the parent in swap, the child rewrites the
 * even pages and the parent every fourth page (1 mod 4): each sees its own
 * stores and the other's pages as they were at the fork, also after the
 * child exits and its shadow chain collapses.
 */
ATF_TC_WITHOUT_HEAD(fork_child_rewrites_half);
ATF_TC_BODY(fork_child_rewrites_half, tc)
{
	const struct gens parent = { .base = 1, .alt = 3, .mod = 4, .rem = 1 };
	const struct gens child = { .base = 1, .alt = 2, .mod = 2, .rem = 0 };
	struct vmspace *vs, *cvs;
	vm_offset_t a;

	boot_swap("swap0", SWAPSZ);
	vs = big_space(&a, 1);
	ATF_REQUIRE(swap_used() > 0);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &cvs));
	ATF_REQUIRE_EQ(0, write_pages(cvs, a, WSET, 2, 0, 2));
	CHECK_RANGE(vs, a, WSET, GEN(1));
	ATF_REQUIRE_EQ(0, write_pages(vs, a, WSET, 4, 1, 3));
	CHECK_RANGE(cvs, a, WSET, child);
	CHECK_RANGE(vs, a, WSET, parent);
	CHECK_RANGE(cvs, a, WSET, child);
	vmspace_release(cvs);
	CHECK_RANGE(vs, a, WSET, parent);
	vmspace_release(vs);
	ATF_CHECK_EQ(0, swap_used());
	vm_shutdown();
}

/*
 * The collapse after a child exits must not let a page of the backing
 * object (the contents at the fork) replace a newer page of the parent
 * that is paged out: the parent's swap slot shadows the backing page as a
 * resident page would (FreeBSD's vm_object_collapse_scan asks the pager
 * too).  Here the parent's copies are in swap and the backing pages
 * resident (the child read them) when the child exits.
 */
ATF_TC_WITHOUT_HEAD(fork_collapse_keeps_paged_out_page);
ATF_TC_BODY(fork_collapse_keeps_paged_out_page, tc)
{
	const size_t xlen = 16 * PG;
	struct vmspace *vs, *cvs;
	vm_offset_t x, filler;
	size_t first;

	boot_swap("swap0", SWAPSZ);
	vs = vs_new();
	x = ANON(vs, xlen, RW);
	WRITE_RANGE(vs, x, xlen, 1);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &cvs));
	WRITE_RANGE(vs, x, xlen, 3);
	filler = ANON(vs, WSET, RW);
	WRITE_RANGE(vs, filler, WSET, 1);
	ATF_REQUIRE_EQ_MSG(xlen / PG, nonresident(vs, x, xlen, &first),
	    "the parent's pages are not all in swap");
	CHECK_RANGE(cvs, x, xlen, GEN(1));
	ATF_REQUIRE_EQ(0, vm_munmap(vs, filler, WSET));
	vmspace_release(cvs);
	CHECK_RANGE(vs, x, xlen, GEN(3));
	vmspace_release(vs);
	ATF_CHECK_EQ(0, swap_used());
	vm_shutdown();
}

/* A thread reading, checking and rewriting random pages until told. */
struct toucher {
	struct vmspace	*vs;
	vm_offset_t	a;
	uint64_t	seed;
	atomic_bool	stop;
	atomic_ulong	rounds;
	int		error;
	char		msg[256];
};

static void *
toucher(void *arg)
{
	struct toucher *t = arg;
	uint64_t b[PG / 8];
	size_t pg;

	while (!atomic_load(&t->stop) && t->error == 0) {
		pg = (size_t)(rnd(&t->seed) % NPG);
		t->error = vm_copyin(t->vs, t->a + pg * PG, b, PG);
		if (t->error == 0)
			t->error = page_check(b, pg * PG, 1, t->msg,
			    sizeof(t->msg));
		/* Dirty it again: its slot goes stale, a new one comes. */
		if (t->error == 0)
			t->error = vm_copyout(t->vs, b, t->a + pg * PG, PG);
		if (t->error > 0)
			snprintf(t->msg, sizeof(t->msg), "page %zu: error %d",
			    pg, t->error);
		atomic_fetch_add(&t->rounds, 1);
	}
	return (NULL);
}

/*
 * Two devices; one is removed while a thread keeps faulting pages in and
 * dirtying them (so the page daemon keeps paging out to the other): the
 * data survives and vm.swap_total loses the device's bytes.
 */
ATF_TC_WITHOUT_HEAD(swapoff_under_load);
ATF_TC_BODY(swapoff_under_load, tc)
{
	struct toucher t;
	struct vmspace *vs;
	pthread_t th;
	vm_offset_t a;
	uint64_t blocks0;
	unsigned long r0;

	boot_swap("swapA", 64 * MB);
	blocks0 = (uint64_t)host_stat("swapA").st_blocks;
	ATF_REQUIRE_EQ(0, vm_swapon("swapB", 64 * MB));
	ATF_REQUIRE_EQ(128 * MB, swap_total());
	vs = big_space(&a, 1);
	ATF_REQUIRE(swap_used() >= WSET - PHYSMEM);
	if (blocks0 == 0)	/* a sparse file: A has been written to */
		ATF_CHECK_MSG(host_stat("swapA").st_blocks > 0,
		    "nothing was written to the first device");

	memset(&t, 0, sizeof(t));
	t.vs = vs;
	t.a = a;
	t.seed = 0x70c4e5;
	ATF_REQUIRE_EQ(0, pthread_create(&th, NULL, toucher, &t));
	while (atomic_load(&t.rounds) < 64 && t.error == 0)
		usleep(1000);
	r0 = atomic_load(&t.rounds);
	ATF_CHECK_EQ(0, vm_swapoff("swapA"));
	printf("the toucher made %lu rounds while swapoff ran\n",
	    atomic_load(&t.rounds) - r0);
	atomic_store(&t.stop, true);
	pthread_join(th, NULL);
	ATF_CHECK_EQ_MSG(0, t.error, "toucher: %s", t.msg);
	ATF_CHECK_EQ(64 * MB, swap_total());
	ATF_CHECK_MSG(swap_used() <= 64 * MB, "vm.swap_used %ju",
	    (uintmax_t)swap_used());
	ATF_CHECK_EQ(EINVAL, vm_swapoff("swapA"));
	CHECK_RANGE(vs, a, WSET, GEN(1));
	/* The file can be swap again. */
	ATF_CHECK_EQ(0, vm_swapon("swapA", 64 * MB));
	ATF_CHECK_EQ(128 * MB, swap_total());
	vmspace_release(vs);
	ATF_CHECK_EQ(0, swap_used());
	vm_shutdown();
}

/*
 * One device holding twice what free memory can: swapoff fails with
 * ENOMEM and changes nothing; once most of the memory is unmapped it
 * succeeds and the rest is resident.
 */
ATF_TC_WITHOUT_HEAD(swapoff_cannot_fit);
ATF_TC_BODY(swapoff_cannot_fit, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	uint64_t used;
	size_t first, keep = WSET / 8;

	boot_swap("swap0", SWAPSZ);
	vs = big_space(&a, 1);
	used = swap_used();
	ATF_REQUIRE_MSG(used > 2 * free_pages() * PG, "vm.swap_used %ju, "
	    "%ju pages free", (uintmax_t)used, (uintmax_t)free_pages());
	ATF_CHECK_EQ(ENOMEM, vm_swapoff("swap0"));
	ATF_CHECK_EQ(SWAPSZ, swap_total());
	ATF_CHECK_MSG(swap_used() >= used, "vm.swap_used %ju -> %ju: the "
	    "failed swapoff freed slots", (uintmax_t)used,
	    (uintmax_t)swap_used());
	CHECK_RANGE(vs, a, WSET, GEN(1));
	ATF_CHECK_EQ(ENOMEM, vm_swapoff("swap0"));
	ATF_CHECK_EQ(SWAPSZ, swap_total());
	CHECK_RANGE(vs, a, WSET, GEN(1));

	/* Now it fits. */
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a + keep, WSET - keep));
	ATF_REQUIRE_MSG(nonresident(vs, a, keep, &first) > 0,
	    "the kept range is all resident: swapoff would have nothing to "
	    "do");
	ATF_CHECK_EQ(0, vm_swapoff("swap0"));
	ATF_CHECK_EQ(0, swap_total());
	ATF_CHECK_EQ(0, swap_used());
	ATF_CHECK_EQ_MSG(0, nonresident(vs, a, keep, &first),
	    "page %zu is not resident after swapoff", first);
	CHECK_RANGE(vs, a, keep, GEN(1));
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A read error on a paged-out page is an access error (SIGBUS,
 * BUS_OBJERR, from vm_fault_trap; EFAULT from vm_copyin and vm_copyout),
 * never a hang, a crash or other pages' data; the slot stays, so the page
 * reads back once the device works again.
 */
ATF_TC_WITHOUT_HEAD(swap_read_error);
ATF_TC_BODY(swap_read_error, tc)
{
	struct vmspace *vs;
	vm_offset_t a, va;
	uint64_t b[PG / 8];
	size_t first, pg[4], i, n;
	char *vec = malloc(NPG);
	int signo, code;

	ATF_REQUIRE(vec != NULL);
	boot_swap("swap0", SWAPSZ);
	ATF_REQUIRE_EQ(0, get_int("debug.swap_fail_reads"));
	vs = big_space(&a, 1);
	/* Four paged-out pages far enough apart not to be read together. */
	ATF_REQUIRE(nonresident(vs, a, WSET, &first) > 0);
	ATF_REQUIRE_EQ(0, vm_mincore(vs, a, WSET, vec));
	for (i = n = 0; i < NPG && n < 4; i++)
		if ((vec[i] & VM_MINCORE_INCORE) == 0 &&
		    (n == 0 || i >= pg[n - 1] + 64))
			pg[n++] = i;
	ATF_REQUIRE_EQ_MSG(4, n, "only %zu paged-out pages found", n);

	/* A read access. */
	set_int("debug.swap_fail_reads", 1);
	va = a + pg[0] * PG;
	signo = code = 0;
	ATF_CHECK_EQ(EFAULT, vm_fault_trap(vs, va, VM_PROT_READ, &signo,
	    &code));
	ATF_CHECK_EQ(SIGBUS, signo);
	ATF_CHECK_EQ(BUS_OBJERR, code);
	ATF_CHECK_EQ_MSG(0, get_int("debug.swap_fail_reads"),
	    "the fault did not read swap");
	/* A write access. */
	set_int("debug.swap_fail_reads", 1);
	signo = code = 0;
	ATF_CHECK_EQ(EFAULT, vm_fault_trap(vs, a + pg[1] * PG, VM_PROT_WRITE,
	    &signo, &code));
	ATF_CHECK_EQ(SIGBUS, signo);
	ATF_CHECK_EQ(0, get_int("debug.swap_fail_reads"));
	/* copyin and copyout. */
	set_int("debug.swap_fail_reads", 1);
	ATF_CHECK_EQ(EFAULT, vm_copyin(vs, a + pg[2] * PG, b, PG));
	ATF_CHECK_EQ(0, get_int("debug.swap_fail_reads"));
	set_int("debug.swap_fail_reads", 1);
	memset(b, 0, sizeof(b));
	ATF_CHECK_EQ(EFAULT, vm_copyout(vs, b, a + pg[3] * PG + 8, 8));
	ATF_CHECK_EQ(0, get_int("debug.swap_fail_reads"));

	/* The device works again: every page, the four too, is intact. */
	for (i = 0; i < 4; i++) {
		ATF_CHECK_EQ(0, vm_copyin(vs, a + pg[i] * PG, b, PG));
		ATF_CHECK_EQ_MSG(word(pg[i] * PG, 1), b[0], "page %zu",
		    pg[i]);
	}
	CHECK_RANGE(vs, a, WSET, GEN(1));
	vmspace_release(vs);
	ATF_CHECK_EQ(0, swap_used());
	vm_shutdown();
	free(vec);
}

/*
 * Write errors while the working set is paged out: the pages whose write
 * failed stay dirty and resident and are written again later; nothing is
 * lost and no slot leaks.
 */
ATF_TC_WITHOUT_HEAD(swap_write_error);
ATF_TC_BODY(swap_write_error, tc)
{
	struct swstats s0, s1;
	struct vmspace *vs;
	vm_offset_t a;

	boot_swap("swap0", SWAPSZ);
	ATF_REQUIRE_EQ(0, get_int("debug.swap_fail_writes"));
	set_int("debug.swap_fail_writes", 200);
	ATF_REQUIRE_EQ(200, get_int("debug.swap_fail_writes"));
	s0 = swstats();
	vs = big_space(&a, 1);
	s1 = swstats();
	ATF_CHECK_EQ_MSG(0, get_int("debug.swap_fail_writes"),
	    "%d injected write errors left over",
	    get_int("debug.swap_fail_writes"));
	ATF_CHECK(s1.pgsout - s0.pgsout >= (WSET - PHYSMEM) / PG);
	CHECK_RANGE(vs, a, WSET, GEN(1));
	/* Errors again while the pages read back are paged out anew. */
	set_int("debug.swap_fail_writes", 200);
	WRITE_RANGE(vs, a, WSET, 2);
	CHECK_RANGE(vs, a, WSET, GEN(2));
	ATF_CHECK_EQ(0, get_int("debug.swap_fail_writes"));
	vmspace_release(vs);
	ATF_CHECK_EQ(0, swap_used());
	vm_shutdown();
}

/*
 * A shared-memory object three times physical memory written with
 * vm_pwrite: its pages go to swap and come back through vm_pread and
 * through a shared mapping; stores through the mapping reach vm_pread.
 * A read error reaches vm_pread as EIO.
 */
ATF_TC_WITHOUT_HEAD(shm_larger_than_physmem);
ATF_TC_BODY(shm_larger_than_physmem, tc)
{
	const struct gens mixed = { .base = 1, .alt = 2, .mod = 2, .rem = 1 };
	struct swstats s0, s1;
	struct vmspace *vs;
	uint64_t *b = malloc(CHUNK);
	vm_offset_t a = 0;
	size_t off, n, p, first;
	char msg[256];
	int fd;

	ATF_REQUIRE(b != NULL);
	boot_swap("swap0", SWAPSZ);
	ATF_REQUIRE_EQ(0, vm_shm_open(NULL, O_RDWR | O_CREAT, 0600, &fd));
	ATF_REQUIRE_EQ(0, vm_ftruncate(fd, WSET));
	s0 = swstats();
	for (off = 0; off < WSET; off += CHUNK) {
		for (p = 0; p < CHUNK; p += PG)
			page_fill(b + p / 8, off + p, 1);
		ATF_REQUIRE_EQ(0, vm_pwrite(fd, b, CHUNK, (off_t)off, &n));
		ATF_REQUIRE_EQ(CHUNK, n);
	}
	s1 = swstats();
	ATF_CHECK_MSG(s1.pgsout - s0.pgsout >= (WSET - PHYSMEM) / PG,
	    "only %ju pages went out", (uintmax_t)(s1.pgsout - s0.pgsout));
	for (off = 0; off < WSET; off += CHUNK) {
		ATF_REQUIRE_EQ(0, vm_pread(fd, b, CHUNK, (off_t)off, &n));
		ATF_REQUIRE_EQ(CHUNK, n);
		for (p = 0; p < CHUNK; p += PG)
			if (page_check(b + p / 8, off + p, 1, msg,
			    sizeof(msg)) != 0)
				atf_tc_fail("vm_pread: %s", msg);
	}
	ATF_CHECK(vmstat64("v_swappgsin") > s1.pgsin);

	vs = vs_new();
	ATF_REQUIRE_EQ(0, vm_mmap(vs, &a, WSET, RW, VM_MAP_SHARED, fd, 0));
	CHECK_RANGE(vs, a, WSET, GEN(1));
	ATF_REQUIRE_EQ(0, write_pages(vs, a, WSET, 2, 1, 2));
	CHECK_RANGE(vs, a, WSET, mixed);
	for (off = 0; off < WSET; off += CHUNK) {
		ATF_REQUIRE_EQ(0, vm_pread(fd, b, CHUNK, (off_t)off, &n));
		for (p = 0; p < CHUNK; p += PG)
			if (page_check(b + p / 8, off + p, gen_of(mixed,
			    (off + p) / PG), msg, sizeof(msg)) != 0)
				atf_tc_fail("vm_pread after stores: %s", msg);
	}

	/* An unreadable page: EIO from vm_pread, the page fine later. */
	ATF_REQUIRE(nonresident(vs, a, WSET, &first) > 0);
	set_int("debug.swap_fail_reads", 1);
	ATF_CHECK_EQ(EIO, vm_pread(fd, b, PG, (off_t)(first * PG), &n));
	ATF_CHECK_EQ(0, get_int("debug.swap_fail_reads"));
	ATF_CHECK_EQ(0, vm_pread(fd, b, PG, (off_t)(first * PG), &n));
	ATF_CHECK_EQ(0, page_check(b, first * PG, gen_of(mixed, first), msg,
	    sizeof(msg)));

	vmspace_release(vs);
	ATF_REQUIRE_EQ(0, vm_close(fd));
	ATF_CHECK_EQ_MSG(0, swap_used(), "%ju bytes of swap used after the "
	    "last close of an anonymous object", (uintmax_t)swap_used());
	vm_shutdown();
	free(b);
}

/*
 * vm_swapon and vm_swapoff: their errors, and vm.swap_total in bytes as
 * devices come and go.
 */
ATF_TC_WITHOUT_HEAD(swapon_swapoff_errors);
ATF_TC_BODY(swapon_swapoff_errors, tc)
{
	char name[32];
	int i;

	/* Not booted: nothing happens on the host either. */
	ATF_CHECK_EQ(ENXIO, vm_swapon("s0", MB));
	ATF_CHECK_EQ(ENXIO, vm_swapoff("s0"));
	ATF_CHECK_MSG(access("s0", F_OK) != 0, "vm_swapon before boot "
	    "created the file");

	boot_swap(NULL, 0);
	ATF_CHECK_EQ(EINVAL, vm_swapon(NULL, MB));
	ATF_CHECK_EQ(EINVAL, vm_swapoff(NULL));
	ATF_CHECK_EQ(EINVAL, vm_swapon("s0", 0));
	ATF_CHECK_EQ(EINVAL, vm_swapon("s0", PG - 1));
	ATF_CHECK_EQ(EINVAL, vm_swapon("s0", ((uint64_t)1 << 47) + PG));
	ATF_CHECK_MSG(access("s0", F_OK) != 0, "a refused vm_swapon "
	    "created the file");
	ATF_CHECK_EQ(ENOENT, vm_swapon("nodir/s0", MB));
	ATF_REQUIRE_EQ(0, mkdir("adir", 0755));
	ATF_CHECK_EQ(EISDIR, vm_swapon("adir", MB));
	ATF_CHECK_EQ(0, swap_total());

	/* Sizes round down to pages; the host file gets that size. */
	ATF_REQUIRE_EQ(0, vm_swapon("s0", MB + 100));
	ATF_CHECK_EQ(MB, swap_total());
	ATF_CHECK_EQ(MB, (uint64_t)host_stat("s0").st_size);
	ATF_CHECK_EQ(EBUSY, vm_swapon("s0", MB));
	ATF_CHECK_EQ(EBUSY, vm_swapon("s0", 2 * MB));
	ATF_CHECK_EQ(MB, swap_total());
	ATF_CHECK_EQ_MSG(MB, (uint64_t)host_stat("s0").st_size,
	    "a refused vm_swapon resized the device in use to %jd bytes",
	    (intmax_t)host_stat("s0").st_size);
	ATF_REQUIRE_EQ(0, vm_swapon("s1", 2 * MB));
	ATF_CHECK_EQ(3 * MB, swap_total());
	/* One page is enough; an existing file is reused and resized. */
	ATF_REQUIRE_EQ(0, vm_swapon("s2", PG));
	ATF_CHECK_EQ(3 * MB + PG, swap_total());
	ATF_CHECK_EQ(0, swap_used());

	ATF_CHECK_EQ(EINVAL, vm_swapoff("nothere"));
	ATF_CHECK_EQ(EINVAL, vm_swapoff("adir"));
	ATF_CHECK_EQ(0, vm_swapoff("s0"));
	ATF_CHECK_EQ(2 * MB + PG, swap_total());
	ATF_CHECK_EQ(EINVAL, vm_swapoff("s0"));
	ATF_CHECK_EQ(0, vm_swapoff("s2"));
	ATF_CHECK_EQ(2 * MB, swap_total());
	ATF_CHECK_EQ(0, vm_swapon("s0", 4 * MB));
	ATF_CHECK_EQ(6 * MB, swap_total());
	ATF_CHECK_EQ(4 * MB, (uint64_t)host_stat("s0").st_size);
	ATF_CHECK_EQ(0, vm_swapoff("s0"));
	ATF_CHECK_EQ(0, vm_swapoff("s1"));
	ATF_CHECK_EQ(0, swap_total());

	/* At most 16 devices. */
	for (i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "many%d", i);
		ATF_REQUIRE_EQ_MSG(0, vm_swapon(name, 2 * PG), "%s", name);
	}
	ATF_CHECK_EQ(16 * 2 * PG, swap_total());
	ATF_CHECK_EQ(ENOSPC, vm_swapon("many16", 2 * PG));
	ATF_CHECK_EQ(16 * 2 * PG, swap_total());
	for (i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "many%d", i);
		ATF_CHECK_EQ_MSG(0, vm_swapoff(name), "%s", name);
	}
	ATF_CHECK_EQ(0, swap_total());
	vm_shutdown();
	ATF_CHECK_EQ(ENXIO, vm_swapon("s0", MB));
}

/*
 * vm_swapon of a device already in use, under the same path or another
 * name for the same file, is EBUSY and leaves the device alone: the data
 * paged out to it still reads back.
 */
ATF_TC_WITHOUT_HEAD(swapon_busy_leaves_device_alone);
ATF_TC_BODY(swapon_busy_leaves_device_alone, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	char msg[256];
	int error;

	boot_swap("swap0", SWAPSZ);
	vs = big_space(&a, 1);
	ATF_CHECK_EQ(EBUSY, vm_swapon("swap0", PG));
	ATF_CHECK_EQ(SWAPSZ, (uint64_t)host_stat("swap0").st_size);
	ATF_CHECK_EQ(SWAPSZ, swap_total());
	error = check_range(vs, a, 0, WSET, GEN(1), msg, sizeof(msg));
	ATF_CHECK_EQ_MSG(0, error, "after vm_swapon(swap0, 4096): %s", msg);

	error = vm_swapon("./swap0", SWAPSZ);
	ATF_CHECK_EQ_MSG(EBUSY, error, "vm_swapon of ./swap0 while swap0 is "
	    "swap: %d", error);
	if (error == 0) {
		ATF_CHECK_EQ(2 * SWAPSZ, swap_total());
		WRITE_RANGE(vs, a, WSET, 2);
		error = check_range(vs, a, 0, WSET, GEN(2), msg, sizeof(msg));
		ATF_CHECK_EQ_MSG(0, error, "one file as two devices: %s", msg);
	}
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Several devices at once: allocation goes round robin, so every device
 * gets part of the working set; removing one pages its part back in.
 */
ATF_TC_WITHOUT_HEAD(several_devices);
ATF_TC_BODY(several_devices, tc)
{
	static const char *const dev[3] = { "sw0", "sw1", "sw2" };
	struct vmspace *vs;
	vm_offset_t a;
	bool sparse = true;
	int i;

	boot_swap(NULL, 0);
	for (i = 0; i < 3; i++) {
		ATF_REQUIRE_EQ(0, vm_swapon(dev[i], 32 * MB));
		ATF_REQUIRE_EQ((uint64_t)(i + 1) * 32 * MB, swap_total());
		if (host_stat(dev[i]).st_blocks != 0)
			sparse = false;
	}
	vs = big_space(&a, 1);
	ATF_REQUIRE(swap_used() >= WSET - PHYSMEM);
	if (sparse) {
		for (i = 0; i < 3; i++)
			ATF_CHECK_MSG((uint64_t)host_stat(dev[i]).st_blocks *
			    512 >= 4 * MB, "%s holds only %jd blocks", dev[i],
			    (intmax_t)host_stat(dev[i]).st_blocks);
	} else
		printf("the host file system does not make sparse files: "
		    "round robin not checked\n");
	CHECK_RANGE(vs, a, WSET, GEN(1));
	ATF_CHECK_EQ(0, vm_swapoff(dev[1]));
	ATF_CHECK_EQ(64 * MB, swap_total());
	CHECK_RANGE(vs, a, WSET, GEN(1));
	WRITE_RANGE(vs, a, WSET, 2);
	CHECK_RANGE(vs, a, WSET, GEN(2));
	vmspace_release(vs);
	ATF_CHECK_EQ(0, swap_used());
	vm_shutdown();
}

/*
 * MADV_FREE and munmap of memory in swap free its slots (vm.swap_used, in
 * bytes, drops); MADV_DONTNEED keeps the contents, so the slots too.
 */
ATF_TC_WITHOUT_HEAD(free_releases_swap);
ATF_TC_BODY(free_releases_swap, tc)
{
	const size_t alen = 2 * WSET / 3, blen = WSET - alen;
	struct vmspace *vs;
	vm_offset_t a, b;
	uint64_t u0, u1, u2;
	size_t first;

	boot_swap("swap0", SWAPSZ);
	vs = vs_new();
	a = ANON(vs, alen, RW);
	b = ANON(vs, blen, RW);
	WRITE_RANGE(vs, a, alen, 1);
	WRITE_RANGE(vs, b, blen, 1);
	/* The first half of a is the oldest: in swap. */
	ATF_REQUIRE_MSG(nonresident(vs, a, alen / 2, &first) > alen / 4 / PG,
	    "only %zu pages of the range to free are paged out",
	    nonresident(vs, a, alen / 2, &first));
	u0 = swap_used();
	ATF_REQUIRE(u0 >= WSET - PHYSMEM);
	ATF_REQUIRE_EQ(0, vm_madvise(vs, a, alen / 2, VM_MADV_DONTNEED));
	ATF_CHECK_MSG(swap_used() >= u0, "MADV_DONTNEED freed swap: %ju -> "
	    "%ju", (uintmax_t)u0, (uintmax_t)swap_used());
	u0 = swap_used();
	ATF_REQUIRE_EQ(0, vm_madvise(vs, a, alen / 2, VM_MADV_FREE));
	u1 = swap_used();
	ATF_CHECK_MSG(u1 + alen / 4 <= u0, "MADV_FREE of %zu bytes, most of "
	    "them in swap: vm.swap_used %ju -> %ju", alen / 2, (uintmax_t)u0,
	    (uintmax_t)u1);
	CHECK_PART(vs, a, alen / 2, alen / 2, GEN(1));
	CHECK_RANGE(vs, b, blen, GEN(1));
	u1 = swap_used();
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a, alen));
	u2 = swap_used();
	ATF_CHECK_MSG(u2 < u1, "munmap: vm.swap_used %ju -> %ju",
	    (uintmax_t)u1, (uintmax_t)u2);
	CHECK_RANGE(vs, b, blen, GEN(1));
	ATF_CHECK_MSG(nonresident(vs, b, blen, &first) > 0 && swap_used() >
	    0, "nothing of b is in swap");
	vmspace_release(vs);
	ATF_CHECK_EQ_MSG(0, swap_used(), "%ju bytes still used after exit",
	    (uintmax_t)swap_used());
	vm_shutdown();
}

/*
 * Memory unmapped while the page daemon and the laundry are still working
 * on it: a write in flight when its page is removed must not leave a slot
 * behind (in the object, for vm_object_terminate to find, or on the
 * device), and a page being freed must not be taken by the daemon's
 * scan.  Repeated, since the unmap has to meet them.
 */
ATF_TC_WITHOUT_HEAD(munmap_during_pageout);
ATF_TC_BODY(munmap_during_pageout, tc)
{
	const size_t len = PHYSMEM;
	struct vmspace *vs;
	vm_offset_t a;
	int i;

	boot_swap("swap0", SWAPSZ);
	vs = vs_new();
	for (i = 0; i < 32; i++) {
		a = ANON(vs, len, RW);
		WRITE_RANGE(vs, a, len, (uint64_t)i + 1);
		ATF_REQUIRE(swap_used() > 0);
		ATF_REQUIRE_EQ(0, vm_munmap(vs, a, len));
		/* Writes that were under way have finished by now. */
		usleep(20000);
		ATF_REQUIRE_EQ_MSG(0, swap_used(), "round %d: %ju bytes of "
		    "swap used after the munmap", i, (uintmax_t)swap_used());
	}
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Shutdown with memory in swap and boot again with the same swap file,
 * three times: after exiting, with the address space still there (the
 * shutdown frees it), and with a second device added by vm_swapon.  No
 * host descriptor is left open.
 */
ATF_TC_WITHOUT_HEAD(shutdown_boot_cycle);
ATF_TC_BODY(shutdown_boot_cycle, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int cycle, fds0;

	fds0 = host_fds();
	for (cycle = 0; cycle < 3; cycle++) {
		boot_swap("swap0", 64 * MB);
		if (cycle == 2) {
			ATF_REQUIRE_EQ(0, vm_swapon("swap1", 32 * MB));
			ATF_CHECK_EQ(96 * MB, swap_total());
		}
		vs = big_space(&a, (uint64_t)cycle + 1);
		ATF_CHECK(swap_used() >= WSET - PHYSMEM);
		CHECK_RANGE(vs, a, WSET, GEN((uint64_t)cycle + 1));
		if (cycle == 0) {
			vmspace_release(vs);
			ATF_CHECK_EQ(0, swap_used());
		}
		vm_shutdown();
		ATF_CHECK_EQ_MSG(fds0, host_fds(), "cycle %d: %d host "
		    "descriptors open, %d before", cycle, host_fds(), fds0);
		ATF_CHECK_EQ(64 * MB, (uint64_t)host_stat("swap0").st_size);
	}
}

/*
 * swapoff meeting an unreadable slot must not turn the page into zeros:
 * either swapoff fails and the device stays, or the page is an access
 * error afterwards.  Never data that was not written.
 */
ATF_TC_WITHOUT_HEAD(swapoff_read_error);
ATF_TC_BODY(swapoff_read_error, tc)
{
	const size_t mlen = 4 * MB;
	struct vmspace *vs;
	vm_offset_t m, filler;
	uint64_t b[PG / 8];
	size_t first, off, bad = 0;
	char msg[256];
	int error;

	boot_swap("swap0", SWAPSZ);
	vs = vs_new();
	m = ANON(vs, mlen, RW);
	WRITE_RANGE(vs, m, mlen, 1);
	filler = ANON(vs, WSET, RW);
	WRITE_RANGE(vs, filler, WSET, 1);
	/*
	 * MADV_FREE rather than munmap: it waits for the laundry's writes
	 * before it frees the slots (munmap_during_pageout is the case of
	 * munmap meeting them).
	 */
	ATF_REQUIRE_EQ(0, vm_madvise(vs, filler, WSET, VM_MADV_FREE));
	ATF_REQUIRE_MSG(nonresident(vs, m, mlen, &first) > 0,
	    "nothing of the range is in swap");
	set_int("debug.swap_fail_reads", 1);
	error = vm_swapoff("swap0");
	printf("vm_swapoff with one failing read: %d\n", error);
	ATF_CHECK_EQ(0, get_int("debug.swap_fail_reads"));
	if (error == 0)
		ATF_CHECK_EQ(0, swap_total());
	else
		ATF_CHECK_EQ(SWAPSZ, swap_total());
	for (off = 0; off < mlen; off += PG) {
		error = vm_copyin(vs, m + off, b, PG);
		if (error == EFAULT) {
			bad++;
			continue;
		}
		ATF_REQUIRE_EQ(0, error);
		if (page_check(b, off, 1, msg, sizeof(msg)) != 0)
			atf_tc_fail("after swapoff met a read error: %s", msg);
	}
	printf("%zu pages are access errors\n", bad);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, filler, WSET));
	vmspace_release(vs);
	ATF_CHECK_EQ(0, swap_used());
	vm_shutdown();
}

/* ---- asynchronous pageout (issue 6) --------------------------------------- */

/*
 * Wait until some asynchronous swap writes are in flight (the daemon and
 * the laundry work behind the writer): true if they were seen.
 */
static bool
writes_in_flight(void)
{
	int i;

	for (i = 0; i < 2000; i++) {
		if (get_int("vm.swap_async_pages") > 0)
			return (true);
		usleep(500);
	}
	return (false);
}

/*
 * The laundry's writes go out clustered and asynchronously: three times
 * physical memory paged out in runs (many pages per write), with the
 * limit on writes in flight reached at least once at its smallest
 * setting, and every word back after the pagein.
 */
ATF_TC_WITHOUT_HEAD(async_pageout_clustered);
ATF_TC_BODY(async_pageout_clustered, tc)
{
	struct swstats s0, s1;
	struct vmspace *vs;
	vm_offset_t a;

	boot_swap("swap0", SWAPSZ);
	ATF_CHECK_EQ(4, get_int("vm.swap_async_max"));
	set_int("vm.swap_async_max", 1);
	s0 = swstats();
	vs = big_space(&a, 1);
	s1 = swstats();
	ATF_CHECK_MSG(s1.pgsout - s0.pgsout >= (WSET - PHYSMEM) / PG,
	    "only %ju pages went out", (uintmax_t)(s1.pgsout - s0.pgsout));
	ATF_CHECK_MSG(s1.pgsout - s0.pgsout >= 8 * (s1.out - s0.out),
	    "%ju pages in %ju writes: not clustered",
	    (uintmax_t)(s1.pgsout - s0.pgsout), (uintmax_t)(s1.out - s0.out));
	printf("%ju pages in %ju writes, the laundry waited %d times\n",
	    (uintmax_t)(s1.pgsout - s0.pgsout), (uintmax_t)(s1.out - s0.out),
	    get_int("vm.swap_async_waits"));
	set_int("vm.swap_async_max", 4);
	CHECK_RANGE(vs, a, WSET, GEN(1));
	WRITE_RANGE(vs, a, WSET, 2);
	CHECK_RANGE(vs, a, WSET, GEN(2));
	vmspace_release(vs);
	ATF_CHECK_EQ(0, get_int("vm.swap_async_pages"));
	ATF_CHECK_EQ_MSG(0, swap_used(), "%ju bytes of swap still used after "
	    "exit", (uintmax_t)swap_used());
	vm_shutdown();
}

/*
 * Injected errors on asynchronous writes (each fails a whole cluster):
 * the pages are dirtied again and written later, their new slots are
 * freed at once, so nothing is lost and vm.swap_used never counts a
 * slot that holds nothing.
 */
ATF_TC_WITHOUT_HEAD(async_write_errors);
ATF_TC_BODY(async_write_errors, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	size_t first, out;
	uint64_t used;
	int i;

	boot_swap("swap0", SWAPSZ);
	set_int("debug.swap_fail_writes", 40);
	vs = big_space(&a, 1);
	ATF_CHECK_EQ_MSG(0, get_int("debug.swap_fail_writes"),
	    "%d injected write errors left over",
	    get_int("debug.swap_fail_writes"));
	/* The laundry works ahead: its last writes may still be going. */
	for (i = 0; i < 500 && get_int("vm.swap_async_pages") != 0; i++)
		usleep(10000);
	ATF_CHECK_EQ(0, get_int("vm.swap_async_pages"));
	/*
	 * A page that is not resident has a slot, and keeps it (a page read
	 * back is its clean copy): counted in that order, since the daemon
	 * may still be paging out, the slots are at least the pages.
	 */
	out = nonresident(vs, a, WSET, &first);
	used = swap_used();
	ATF_CHECK_MSG(used / PG >= out, "vm.swap_used %ju: fewer slots than "
	    "the %zu paged-out pages", (uintmax_t)used, out);
	ATF_CHECK_MSG(used <= WSET, "vm.swap_used %ju for %u bytes: failed "
	    "writes leaked slots", (uintmax_t)used, WSET);
	CHECK_RANGE(vs, a, WSET, GEN(1));
	/* Errors while pages read back and rewritten go out again. */
	set_int("debug.swap_fail_writes", 40);
	WRITE_RANGE(vs, a, WSET, 2);
	CHECK_RANGE(vs, a, WSET, GEN(2));
	ATF_CHECK(swap_used() <= WSET);
	vmspace_release(vs);
	ATF_CHECK_EQ_MSG(0, swap_used(), "%ju bytes of swap used after exit",
	    (uintmax_t)swap_used());
	vm_shutdown();
}

/*
 * munmap and vmspace_release while asynchronous writes of the memory are
 * in flight (slowed down so that they are): the object's termination
 * waits for them (paging in progress), so when the call returns the
 * writes are over and their slots freed, at once.  Freeing a page being
 * written waits for the write (seed 001).
 */
ATF_TC_WITHOUT_HEAD(free_during_async_writes);
ATF_TC_BODY(free_during_async_writes, tc)
{
	const size_t len = 2 * PHYSMEM;
	struct vmspace *vs, *vs2;
	vm_offset_t a;
	int i, met = 0;

	boot_swap("swap0", SWAPSZ);
	set_int("debug.swap_write_delay_ms", 20);
	vs = vs_new();
	for (i = 0; i < 4; i++) {
		a = ANON(vs, len, RW);
		WRITE_RANGE(vs, a, len, (uint64_t)i + 1);
		if (writes_in_flight())
			met++;
		ATF_REQUIRE_EQ(0, vm_munmap(vs, a, len));
		ATF_CHECK_EQ_MSG(0, get_int("vm.swap_async_pages"),
		    "round %d: %d pages of the unmapped memory still being "
		    "written", i, get_int("vm.swap_async_pages"));
		ATF_CHECK_EQ_MSG(0, swap_used(), "round %d: %ju bytes of "
		    "swap used after the munmap", i, (uintmax_t)swap_used());
	}
	/* The same through the release of a whole address space. */
	vs2 = vs_new();
	a = ANON(vs2, len, RW);
	WRITE_RANGE(vs2, a, len, 9);
	if (writes_in_flight())
		met++;
	vmspace_release(vs2);
	ATF_CHECK_EQ(0, get_int("vm.swap_async_pages"));
	ATF_CHECK_EQ(0, swap_used());
	printf("writes were in flight at %d of 5 frees\n", met);
	ATF_CHECK_MSG(met > 0, "no free met a write in flight");
	set_int("debug.swap_write_delay_ms", 0);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * swapoff of a device while slow asynchronous writes to it are in
 * flight: the slots they hold keep the device busy until the writes end
 * and are recorded, then swapoff pages them back in; no data is lost and
 * the other device holds the rest.
 */
ATF_TC_WITHOUT_HEAD(swapoff_during_async_writes);
ATF_TC_BODY(swapoff_during_async_writes, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	bool met;

	boot_swap("swapA", 64 * MB);
	ATF_REQUIRE_EQ(0, vm_swapon("swapB", 64 * MB));
	set_int("debug.swap_write_delay_ms", 20);
	vs = big_space(&a, 1);
	met = writes_in_flight();
	ATF_CHECK_EQ(0, vm_swapoff("swapA"));
	printf("writes in flight when swapoff began: %s\n", met ? "yes" :
	    "no");
	ATF_CHECK_EQ(64 * MB, swap_total());
	set_int("debug.swap_write_delay_ms", 0);
	CHECK_RANGE(vs, a, WSET, GEN(1));
	ATF_CHECK_EQ(EINVAL, vm_swapoff("swapA"));
	vmspace_release(vs);
	ATF_CHECK_EQ(0, get_int("vm.swap_async_pages"));
	ATF_CHECK_EQ(0, swap_used());
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, anon_larger_than_physmem);
	ATF_TP_ADD_TC(tp, anon_mt_random_readers);
	ATF_TP_ADD_TC(tp, fork_child_rewrites_half);
	ATF_TP_ADD_TC(tp, fork_collapse_keeps_paged_out_page);
	ATF_TP_ADD_TC(tp, swapoff_under_load);
	ATF_TP_ADD_TC(tp, swapoff_cannot_fit);
	ATF_TP_ADD_TC(tp, swap_read_error);
	ATF_TP_ADD_TC(tp, swap_write_error);
	ATF_TP_ADD_TC(tp, shm_larger_than_physmem);
	ATF_TP_ADD_TC(tp, swapon_swapoff_errors);
	ATF_TP_ADD_TC(tp, swapon_busy_leaves_device_alone);
	ATF_TP_ADD_TC(tp, several_devices);
	ATF_TP_ADD_TC(tp, free_releases_swap);
	ATF_TP_ADD_TC(tp, munmap_during_pageout);
	ATF_TP_ADD_TC(tp, shutdown_boot_cycle);
	ATF_TP_ADD_TC(tp, swapoff_read_error);
	ATF_TP_ADD_TC(tp, async_pageout_clustered);
	ATF_TP_ADD_TC(tp, async_write_errors);
	ATF_TP_ADD_TC(tp, free_during_async_writes);
	ATF_TP_ADD_TC(tp, swapoff_during_async_writes);
	return (atf_no_error());
}
