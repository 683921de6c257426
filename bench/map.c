/*
 * map: the address-space map (vm_map.c) with 1k, 10k and 100k entries
 * present, against the host kernel's mmap + munmap with the same layout,
 * in the same run.
 *
 * Layouts (every entry one page, no object, protections alternating
 * VM_PROT_READ / VM_PROT_RW with max VM_PROT_ALL so no two merge; both start
 * at VM_MIN_USER_ADDRESS):
 *
 *   normal       runs of 16 adjacent entries, each run followed by a 2-page
 *                hole; the last entry of a run is read-only, so a 1-page
 *                read/write request placed at the start of a hole merges
 *                with neither neighbour.
 *   adversarial  1-page entries separated by 1-page holes; a 2-page request
 *                fits nowhere but after the last entry, so first fit from
 *                the minimum must prove every hole too small (max_free).
 *
 * Operations (ns per operation, median of several runs):
 *
 *   find+ins+del hint=rand
 *		vm_map_find(VMFS_ANY_SPACE, 1 page, hint = the start of a
 *		random entry) + vm_map_remove of the range found: findspace
 *		in every part of the tree (the fit is the next hole)
 *   find+ins+del hint=min
 *		the same with hint = vm_map_min (always the first hole)
 *   lookup random
 *		vm_map_lookup_entry at random pages of the mapped span, the
 *		map locked exclusively (vm_map_lock: each lookup splays)
 *   lookup random, shared
 *		as lookup random under vm_map_lock_read: no splay unless
 *		the path is long (the fault handler's lookups search the
 *		same way), measured after the random lookups
 *   lookup sequential
 *		vm_map_lookup_entry at every page of the span in order
 *		(exclusive lock)
 *   lookup rand, shared, aft seq
 *		the shared lookups again, right after the sequential pass:
 *		ascending splays leave the tree a path, which the first
 *		shared lookups to walk it splay (upgrading)
 *   adversarial find+ins+del
 *		vm_map_find(2 pages, hint = min) + vm_map_remove in the
 *		adversarial layout
 *
 * vm_map_find and vm_map_remove take the map lock themselves, as mmap(2)
 * and munmap(2) do, so each pair includes two exclusive lock round trips.
 * The lookups hold the lock for a chunk of 1024.  A libvm run ends after
 * its count or 50 ms (-q: 12.5 ms), whichever comes first.
 *
 * Peer ("host"): the same number of one-page host mappings in the same
 * layout (real mmap(MAP_FIXED_NOREPLACE) with alternating PROT_READ /
 * PROT_READ|PROT_WRITE, so the kernel cannot merge them), then
 * mmap(NULL, len, PROT_READ|PROT_WRITE) + munmap pairs of the same length.
 * The host takes no "first fit above a hint" (Linux ignores an occupied
 * hint and searches top down), so the hint=NULL pair is the peer of both
 * libvm find rows.  A process may hold at most vm.max_map_count mappings
 * (65530 by default on Linux): at 100k the host gets what the limit leaves
 * and the output says how many.  Lookups have no host peer.
 *
 * Goals (issue 3): a find+insert+delete pair at most 420 ns at 10k
 * entries; at most 2x growth from 1k to 100k entries; the adversarial layout
 * at most 3x the normal one (hint=min, same number of entries).
 *
 * -l runs only libvm's find+ins+del hint=rand at 10k entries (-e to
 * change), once: for counting instructions with callgrind
 * (docs/PERFORMANCE.md).  Two runs
 * with different -n; the difference of the totals divided by the
 * difference of -n is the cost of one pair (boot, the build of the map and
 * the teardown cancel out):
 *
 *   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
 *       ./build/bench/map -l -n 100000
 *   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
 *       ./build/bench/map -l -n 200000
 *
 * (-l -m measures hint=min instead, -l -a the adversarial find.)
 *
 * usage: map [-q] [-r runs] [-l [-m | -a] [-n pairs] [-e entries]]
 */
#include <sys/mman.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* vm_map.h has FreeBSD's madvise values; this program uses the host's none. */
#undef MADV_FREE

#include <libvm.h>
#include <sys/param.h>
#include <vm/vm_map.h>

#define	RUN_PAGES	16	/* normal layout: entries per run */
#define	HOLE_PAGES	2	/* normal layout: hole after each run */
#define	NHINTS		65536	/* precomputed random hints / addresses */
#define	MAXRUNS		31

enum layout { NORMAL, ADVERSARIAL };

enum op { FID_RAND, FID_MIN, LOOKUP_RAND, LOOKUP_SHARED, LOOKUP_SEQ,
    LOOKUP_SHARED_SEQ, ADV, NOPS };

static const char *const opnames[NOPS] = {
	[FID_RAND] = "find+ins+del hint=rand",
	[FID_MIN] = "find+ins+del hint=min",
	[LOOKUP_RAND] = "lookup random",
	[LOOKUP_SHARED] = "lookup random, shared",
	[LOOKUP_SEQ] = "lookup sequential",
	[LOOKUP_SHARED_SEQ] = "lookup rand, shared, aft seq",
	[ADV] = "adversarial find+ins+del",
};

static const int sizes[] = { 1000, 10000, 100000 };
#define	NSIZES	((int)nitems(sizes))

static int	nruns = 5;
static long	nfind = 100000;		/* find+insert+delete pairs per run */
static long	nlookup = 1000000;	/* lookups per run */
static long	nhost = 10000;		/* host mmap+munmap pairs per run */
static double	budget = 0.05;		/* seconds: a libvm run stops after */

static vm_offset_t hints[NHINTS];	/* random entry starts */
static vm_offset_t addrs[NHINTS];	/* random pages of the span */
static volatile uintptr_t sink;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return (x * 0x2545f4914f6cdd1dULL);
}

/* Page index (from the base of the layout) of entry i. */
static uint64_t
entry_page(enum layout l, long i)
{
	if (l == ADVERSARIAL)
		return ((uint64_t)i * 2);
	return ((uint64_t)i + (uint64_t)(i / RUN_PAGES) * HOLE_PAGES);
}

/*
 * The protection of entry i: odd entries, and so the last of each run of
 * 16 and the last entry of each layout (the sizes are even), read-only.
 */
static int
entry_rw(long i)
{
	return ((i & 1) == 0);
}

static uint64_t
span_pages(enum layout l, long n)
{
	return (entry_page(l, n - 1) + 1);
}

static vm_size_t
req_len(enum layout l)
{
	return (l == ADVERSARIAL ? 2 * PAGE_SIZE : PAGE_SIZE);
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
	qsort(r, (size_t)n, sizeof(r[0]), cmp);
	return (r[n / 2]);
}

static void
fill_random(enum layout l, long n, vm_offset_t base)
{
	uint64_t span = span_pages(l, n);
	int i;

	for (i = 0; i < NHINTS; i++) {
		hints[i] = base + entry_page(l, (long)(rng() % (uint64_t)n)) *
		    PAGE_SIZE;
		addrs[i] = base + (rng() % span) * PAGE_SIZE;
	}
}

/* ---- libvm ------------------------------------------------------------ */

static struct vm_map map;

static void
die(const char *what, int rv)
{
	fprintf(stderr, "map: %s failed: %d\n", what, rv);
	exit(1);
}

/*
 * The layouts do what they claim: from the minimum, a request lands in the
 * first hole (normal) or after the last entry (adversarial), and a random
 * hint lands in the hole that follows it.
 */
static void
map_check_placement(enum layout l, long n)
{
	vm_offset_t addr, want, lo = vm_map_min(&map);
	long i;
	int rv;

	addr = lo;
	want = l == ADVERSARIAL ? lo + (entry_page(l, n - 1) + 1) * PAGE_SIZE :
	    lo + (entry_page(l, RUN_PAGES - 1) + 1) * PAGE_SIZE;
	if (l == NORMAL) {
		i = (long)(rng() % (uint64_t)(n - RUN_PAGES));
		addr = lo + entry_page(l, i) * PAGE_SIZE;
		want = lo + (entry_page(l, i | (RUN_PAGES - 1)) + 1) *
		    PAGE_SIZE;
	}
	rv = vm_map_find(&map, NULL, 0, &addr, req_len(l), 0, VMFS_ANY_SPACE,
	    VM_PROT_RW, VM_PROT_ALL, 0);
	if (rv != KERN_SUCCESS)
		die("vm_map_find", rv);
	if (addr != want || map.nentries != n + 1) {
		fprintf(stderr, "map: %s layout: placed at %#jx (%d entries), "
		    "expected %#jx (%ld)\n", l == NORMAL ? "normal" :
		    "adversarial", (uintmax_t)addr, map.nentries,
		    (uintmax_t)want, n + 1);
		exit(1);
	}
	rv = vm_map_remove(&map, addr, addr + req_len(l));
	if (rv != KERN_SUCCESS)
		die("vm_map_remove", rv);
}

static void
map_build(enum layout l, long n)
{
	vm_offset_t base = VM_MIN_USER_ADDRESS, a;
	long i;
	int rv;

	vm_map_init(&map, VM_MIN_USER_ADDRESS, VM_MAX_USER_ADDRESS);
	vm_map_lock(&map);
	for (i = 0; i < n; i++) {
		a = base + entry_page(l, i) * PAGE_SIZE;
		rv = vm_map_insert(&map, NULL, 0, a, a + PAGE_SIZE,
		    entry_rw(i) ? VM_PROT_RW : VM_PROT_READ, VM_PROT_ALL, 0);
		if (rv != KERN_SUCCESS)
			die("vm_map_insert", rv);
	}
	vm_map_unlock(&map);
	if (map.nentries != n) {
		fprintf(stderr, "map: %d entries after inserting %ld "
		    "(merged?)\n", map.nentries, n);
		exit(1);
	}
	map_check_placement(l, n);
	fill_random(l, n, base);
}

static void
map_teardown(void)
{
	vm_map_destroy(&map);
}

/*
 * Cursors into hints[] and addrs[] and the sequential address, kept across
 * calls so that a run made of several chunks sees a fresh stream.
 */
static unsigned	hint_i, addr_i;
static vm_offset_t seq_a;

/*
 * find + insert + delete pairs; the hint is min unless rand.  Both calls
 * lock the map.
 */
static void
map_fid(long count, vm_size_t len, bool rand)
{
	vm_offset_t addr, lo = vm_map_min(&map);
	long i;
	int rv;

	for (i = 0; i < count; i++) {
		addr = rand ? hints[hint_i++ & (NHINTS - 1)] : lo;
		rv = vm_map_find(&map, NULL, 0, &addr, len, 0, VMFS_ANY_SPACE,
		    VM_PROT_RW, VM_PROT_ALL, 0);
		if (__predict_false(rv != KERN_SUCCESS))
			die("vm_map_find", rv);
		rv = vm_map_remove(&map, addr, addr + len);
		if (__predict_false(rv != KERN_SUCCESS))
			die("vm_map_remove", rv);
	}
}

static void
map_lookup_rand(long count, bool shared)
{
	vm_map_entry_t e;
	uintptr_t acc = 0;
	long i;

	if (shared)
		vm_map_lock_read(&map);
	else
		vm_map_lock(&map);
	for (i = 0; i < count; i++) {
		acc += vm_map_lookup_entry(&map, addrs[addr_i++ & (NHINTS - 1)],
		    &e);
		acc += (uintptr_t)e;
	}
	if (shared)
		vm_map_unlock_read(&map);
	else
		vm_map_unlock(&map);
	sink = acc;
}

static void
map_lookup_seq(long count, enum layout l, long n)
{
	vm_map_entry_t e;
	vm_offset_t a, lo = vm_map_min(&map);
	vm_offset_t hi = lo + span_pages(l, n) * PAGE_SIZE;
	uintptr_t acc = 0;
	long i;

	a = seq_a >= lo && seq_a < hi ? seq_a : lo;
	vm_map_lock(&map);
	for (i = 0; i < count; i++) {
		acc += vm_map_lookup_entry(&map, a, &e);
		acc += (uintptr_t)e;
		a += PAGE_SIZE;
		if (a >= hi)
			a = lo;
	}
	vm_map_unlock(&map);
	seq_a = a;
	sink = acc;
}

static bool
is_lookup(enum op op)
{
	return (op == LOOKUP_RAND || op == LOOKUP_SEQ ||
	    op == LOOKUP_SHARED || op == LOOKUP_SHARED_SEQ);
}

/*
 * One timed run of op on the current map: ns per operation.  A run stops
 * after its count or its time budget, whichever comes first, so that a
 * slow case cannot stall the program (the figure is still per operation).
 */
static double
map_run(enum op op, enum layout l, long n)
{
	double t0, t1;
	long count = is_lookup(op) ? nlookup : nfind, done, chunk;

	chunk = is_lookup(op) ? 1024 : 128;
	t0 = now();
	for (done = 0; done < count; done += chunk) {
		switch (op) {
		case FID_RAND:
			map_fid(chunk, req_len(l), true);
			break;
		case FID_MIN:
		case ADV:
			map_fid(chunk, req_len(l), false);
			break;
		case LOOKUP_RAND:
		case LOOKUP_SHARED:
		case LOOKUP_SHARED_SEQ:
			map_lookup_rand(chunk, op != LOOKUP_RAND);
			break;
		case LOOKUP_SEQ:
			map_lookup_seq(chunk, l, n);
			break;
		default:
			abort();
		}
		if ((t1 = now()) - t0 > budget) {
			done += chunk;
			break;
		}
	}
	t1 = now();
	if (map.nentries != n) {
		fprintf(stderr, "map: %d entries after %s, expected %ld\n",
		    map.nentries, opnames[op], n);
		exit(1);
	}
	return ((t1 - t0) * 1e9 / (double)done);
}

static double
map_median(enum op op, enum layout l, long n)
{
	double r[MAXRUNS];
	int i;

	map_run(op, l, n);		/* warm up: caches, splay shape */
	for (i = 0; i < nruns; i++)
		r[i] = map_run(op, l, n);
	return (median_of(r, nruns));
}

/* ---- the host --------------------------------------------------------- */

static long
host_map_count(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int c;

	if (f == NULL)
		return (-1);
	while ((c = getc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	return (n);
}

static long
host_max_map_count(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long v = 65530;

	if (f != NULL) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 65530;
		fclose(f);
	}
	return (v);
}

struct host_layout {
	char	*base;
	size_t	len;
	long	n;		/* mappings made */
	long	total;		/* the process's mappings afterwards */
};

/*
 * Make up to n one-page host mappings in layout l.  A reservation finds the
 * range; it is given back and the mappings are made with
 * MAP_FIXED_NOREPLACE, so the holes are real holes as in the libvm map.
 */
static bool
host_build(enum layout l, long n, struct host_layout *h)
{
	long room, i;
	char *p;

	room = host_max_map_count() - host_map_count() - 256;
	if (n > room)
		n = room;
	n &= ~1L;		/* even: the last entry is read-only */
	h->n = n;
	h->len = (size_t)(span_pages(l, n) + 64) * PAGE_SIZE;
	h->base = mmap(NULL, h->len, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (h->base == MAP_FAILED)
		return (false);
	munmap(h->base, h->len);
	for (i = 0; i < n; i++) {
		p = h->base + entry_page(l, i) * PAGE_SIZE;
		if (mmap(p, PAGE_SIZE, entry_rw(i) ? PROT_READ | PROT_WRITE :
		    PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		    MAP_FIXED_NOREPLACE, -1, 0) != p) {
			fprintf(stderr, "map: host mmap %ld of %ld: %s\n", i, n,
			    strerror(errno));
			munmap(h->base, h->len);
			return (false);
		}
	}
	h->total = host_map_count();
	return (true);
}

static double
host_run(enum layout l)
{
	size_t len = req_len(l);
	double t0, t1;
	void *p;
	long i;

	t0 = now();
	for (i = 0; i < nhost; i++) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (__predict_false(p == MAP_FAILED)) {
			perror("map: host mmap");
			exit(1);
		}
		munmap(p, len);
	}
	t1 = now();
	return ((t1 - t0) * 1e9 / (double)nhost);
}

static double
host_median(enum layout l)
{
	double r[MAXRUNS];
	int i;

	host_run(l);
	for (i = 0; i < nruns; i++)
		r[i] = host_run(l);
	return (median_of(r, nruns));
}

/* ---- driver ----------------------------------------------------------- */

static double	res[NSIZES][NOPS];
static double	hostres[NSIZES][2];	/* [NORMAL], [ADVERSARIAL] */
static long	hostn[NSIZES][2];
static long	hosttotal[NSIZES][2];

static void
measure(int s)
{
	struct host_layout h;
	long n = sizes[s];
	int l;

	map_build(NORMAL, n);
	res[s][FID_RAND] = map_median(FID_RAND, NORMAL, n);
	res[s][FID_MIN] = map_median(FID_MIN, NORMAL, n);
	res[s][LOOKUP_RAND] = map_median(LOOKUP_RAND, NORMAL, n);
	res[s][LOOKUP_SHARED] = map_median(LOOKUP_SHARED, NORMAL, n);
	res[s][LOOKUP_SEQ] = map_median(LOOKUP_SEQ, NORMAL, n);
	res[s][LOOKUP_SHARED_SEQ] = map_median(LOOKUP_SHARED_SEQ, NORMAL, n);
	map_teardown();
	map_build(ADVERSARIAL, n);
	res[s][ADV] = map_median(ADV, ADVERSARIAL, n);
	map_teardown();

	for (l = NORMAL; l <= ADVERSARIAL; l++) {
		if (!host_build((enum layout)l, n, &h)) {
			hostres[s][l] = -1;
			continue;
		}
		hostres[s][l] = host_median((enum layout)l);
		hostn[s][l] = h.n;
		hosttotal[s][l] = h.total;
		munmap(h.base, h.len);
	}
}

static const char *
verdict(bool ok)
{
	return (ok ? "PASS" : "FAIL");
}

static void
report(void)
{
	static const int peer[NOPS] = { NORMAL, NORMAL, -1, -1, -1, -1,
	    ADVERSARIAL };
	double g, worst;
	bool a, b, ok, capped = false;
	int s, o;

	printf("%-8s %-28s %10s %10s %11s\n", "entries", "operation",
	    "libvm ns", "host ns", "libvm/host");
	for (s = 0; s < NSIZES; s++) {
		for (o = 0; o < NOPS; o++) {
			printf("%-8d %-28s %10.1f", sizes[s], opnames[o],
			    res[s][o]);
			if (peer[o] < 0 || hostres[s][peer[o]] <= 0) {
				printf(" %10s %11s\n", "-", "-");
				continue;
			}
			printf(" %10.1f %10.3fx%s\n", hostres[s][peer[o]],
			    res[s][o] / hostres[s][peer[o]],
			    hostn[s][peer[o]] < sizes[s] ? " *" : "");
			if (hostn[s][peer[o]] < sizes[s])
				capped = true;
		}
	}
	for (s = 0; s < NSIZES && capped; s++) {
		for (o = NORMAL; o <= ADVERSARIAL; o++) {
			if (hostn[s][o] <= 0 || hostn[s][o] >= sizes[s])
				continue;
			printf("* host: %ld mappings instead of %d (%s layout; "
			    "%ld in the process, vm.max_map_count %ld)\n",
			    hostn[s][o], sizes[s], o == NORMAL ? "normal" :
			    "adversarial", hosttotal[s][o],
			    host_max_map_count());
		}
	}

	printf("goals:\n");
	/* sizes[1] is 10k.  A goal passes when every variant does. */
	a = res[1][FID_RAND] <= 420;
	b = res[1][FID_MIN] <= 420;
	printf("  find+insert+delete <= 420 ns at 10k entries: "
	    "hint=rand %.1f ns %s, hint=min %.1f ns %s: %s\n",
	    res[1][FID_RAND], verdict(a), res[1][FID_MIN], verdict(b),
	    verdict(a && b));
	g = res[2][FID_RAND] / res[0][FID_RAND];
	worst = res[2][FID_MIN] / res[0][FID_MIN];
	a = g <= 2;
	b = worst <= 2;
	printf("  growth 1k -> 100k entries <= 2x: hint=rand %.2fx %s, "
	    "hint=min %.2fx %s: %s\n", g, verdict(a), worst, verdict(b),
	    verdict(a && b));
	printf("  adversarial <= 3x normal (hint=min):");
	ok = true;
	for (s = 0; s < NSIZES; s++) {
		g = res[s][ADV] / res[s][FID_MIN];
		printf(" %dk %.2fx", sizes[s] / 1000, g);
		ok = ok && g <= 3;
	}
	printf(": %s\n", verdict(ok));
	printf("  (lookup growth 1k -> 100k, no goal: random %.2fx, shared "
	    "%.2fx, sequential %.2fx, shared after seq %.2fx)\n",
	    res[2][LOOKUP_RAND] / res[0][LOOKUP_RAND],
	    res[2][LOOKUP_SHARED] / res[0][LOOKUP_SHARED],
	    res[2][LOOKUP_SEQ] / res[0][LOOKUP_SEQ],
	    res[2][LOOKUP_SHARED_SEQ] / res[0][LOOKUP_SHARED_SEQ]);
}

static void
raise_entry_limit(long n)
{
	if (vm_map_entries_max < n + 16)
		vm_map_entries_max = (int)MIN(n + 16, (long)INT_MAX);
}

int
main(int argc, char **argv)
{
	struct vm_config cfg;
	long lentries = 10000, lpairs = 100000;
	double t0, ns;
	int c, s;
	bool lonly = false, lmin = false, ladv = false, quick = false;

	while ((c = getopt(argc, argv, "ae:ln:mqr:")) != -1) {
		switch (c) {
		case 'a':
			ladv = true;
			break;
		case 'e':
			lentries = atol(optarg);
			break;
		case 'l':
			lonly = true;
			break;
		case 'm':
			lmin = true;
			break;
		case 'n':
			lpairs = atol(optarg);
			break;
		case 'q':
			quick = true;
			break;
		case 'r':
			nruns = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: map [-q] [-r runs] "
			    "[-l [-m | -a] [-n pairs] [-e entries]]\n");
			return (2);
		}
	}
	if (quick) {
		nfind /= 5;
		nlookup /= 5;
		nhost /= 5;
		budget /= 4;
		if (nruns > 3)
			nruns = 3;
	}
	if (nruns < 1 || nruns > MAXRUNS || lpairs < 1 ||
	    lentries < 2 * RUN_PAGES || lentries > 10000000)
		return (2);
	lentries &= ~1L;

	vm_config_init(&cfg);
	cfg.physmem = 64 << 20;
	cfg.ncpu = 2;
	if (vm_boot(&cfg) != 0) {
		fprintf(stderr, "map: vm_boot failed\n");
		return (1);
	}
	if (lonly) {
		enum layout l = ladv ? ADVERSARIAL : NORMAL;

		raise_entry_limit(lentries);
		map_build(l, lentries);
		t0 = now();
		map_fid(lpairs, req_len(l), !ladv && !lmin);
		ns = (now() - t0) * 1e9 / (double)lpairs;
		printf("libvm %s, %ld entries: %ld pairs, %.1f ns/pair\n",
		    ladv ? opnames[ADV] : opnames[lmin ? FID_MIN : FID_RAND],
		    lentries, lpairs, ns);
		map_teardown();
		vm_shutdown();
		return (0);
	}
	raise_entry_limit(sizes[NSIZES - 1]);
	printf("map: %ld find+insert+delete pairs, %ld lookups, %ld host "
	    "mmap+munmap pairs per run; median of %d runs, ns/op\n", nfind,
	    nlookup, nhost, nruns);
	for (s = 0; s < NSIZES; s++)
		measure(s);
	report();
	vm_shutdown();
	return (0);
}
