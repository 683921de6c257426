/*
 * uma: zone allocator throughput (uma(9), issue 7), libvm against the
 * host's allocators asked for the same thing, in the same harness and run.
 *
 *   libvm     uma_zalloc(zone, M_WAITOK) + uma_zfree(zone, item), zones
 *             made by uma_zcreate(name, 64 or 256, NULL..., UMA_ALIGN_PTR,
 *             0) (512 MiB physical memory, ncpu 2)
 *   glibc     malloc(size) + free
 *   jemalloc, tcmalloc, mimalloc   the same calls from the Debian
 *             packages, loaded with dlopen (skipped if absent)
 *
 * Workloads, for 64-byte and 256-byte items:
 *
 *   pair   allocate one item, free it, again;
 *   batch  allocate 1000 items, then free them last-allocated first;
 *   cross  a producer thread allocates and passes the items through a
 *          bounded single-producer/single-consumer ring to a consumer
 *          thread, which frees them (the same ring code for everyone).
 *
 * pair and batch run on 1 thread and on 2 (each thread its own loop);
 * figures are millions of alloc + free pairs per second per thread, and
 * the 2-thread scaling is the total at 2 threads over the total at 1 (the
 * median of the ratios of runs made back to back).  cross is one producer
 * and one consumer, in millions of items per second.  -n sets the pairs
 * per thread and run (default 20,000,000; batch runs half as many, cross
 * a fifth).  Every figure is the median of -r runs (default 5); the runs
 * of the allocators are interleaved (run 1 of each, then run 2 of each,
 * ...), so a noisy moment of the machine hits all of them.  The peers are
 * called through function pointers and every item goes through a
 * volatile store, so no compiler can fold an allocation and its free.
 *
 * Threads: two worker threads made once and used for every run of every
 * allocator (a thread pool, as a server has), worker i pinned to host CPU
 * i so that the two threads of a run never share a CPU; each thread times
 * itself and a run lasts from the first thread's start to the last one's
 * end.  The machine's ceiling is measured in the same rounds: a
 * register-only loop on 1 and 2 threads, whose scaling is what the
 * machine offered at the time, and the ring passing items with no
 * allocator.
 *
 * libvm binds each thread to a CPU slot the first time it enters, and the
 * first thread at home on a slot gets the slot's bias (sys/sys/pcpu.h):
 * its critical sections take no atomic read-modify-write.  The workers'
 * slots and biases are printed.  -f makes fresh threads for every run
 * instead, as a program with short-lived threads would: the bias then
 * moves to each new thread, at most PCPU_MAX_STEALS times a boot.
 *
 * jemalloc's Debian build uses initial-exec TLS and cannot be dlopen()ed;
 * it is measured in a child process of this program started with
 * LD_PRELOAD (-P), in the same run (its figures are those of "malloc"
 * there), before the other allocators' rounds.
 *
 * The table gives, per allocator, workload and size, the 1-thread rate,
 * the 2-thread rate per thread, the scaling and the ratio of the 1-thread
 * (and 2-thread) rate to the best peer's; then one line per goal of the
 * issue, MET or NOT MET with the figures: pairs at least the best peer,
 * batches at least 0.8x the best peer, 2-thread scaling at least 1.9x,
 * cross-thread at least mimalloc's rate.  For libvm, the bucket
 * allocations and the items taken straight from the keg per 1000 items
 * (vm.zone_stats) show how often the slow paths run.
 *
 * -l WORKLOAD (pair, batch or cross): libvm only, once, with -n items and
 * -s size (default 64): for counting instructions with callgrind.  The
 * measured loops are functions of their own (loop_uma_pair,
 * loop_uma_batch, loop_uma_produce, loop_uma_consume), so that callgrind
 * can collect inside them alone (docs/PERFORMANCE.md):
 *
 *   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
 *       --collect-atstart=no --toggle-collect=loop_uma_pair \
 *       ./build/bench/uma -l pair -n 1000000
 *
 * and the same with -n 2000000: the difference of the totals over
 * 1,000,000 is the cost of one pair (-l batch runs n/2 items: divide by
 * 500,000).
 *
 * usage: uma [-f] [-l pair|batch|cross] [-n pairs] [-r runs] [-s size]
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvm.h>
#include <uma.h>
#include <sys/pcpu.h>

typedef void *alloc_fn(size_t);
typedef void free_fn(void *);

enum { W_PAIR, W_BATCH, W_CROSS, NWL };
static const char *const wlname[NWL] = { "pair", "batch", "cross" };
static const size_t sizes[] = { 64, 256 };
#define	NSIZES		2
#define	BATCH		1000		/* live items in a batch */
#define	RING		1024		/* ring entries (a power of 2) */
#define	RING_PUBLISH	16		/* ring index updates, in items */
#define	MAXRUNS		32

struct impl {
	const char	*name;
	const char	*lib;
	const char	*sym_alloc, *sym_free;
	alloc_fn	*alloc;
	free_fn		*free;
	bool		libvm;
	bool		ceiling;	/* the machine's, not an allocator */
	bool		child;		/* measured in a preloaded child */
	/* Medians: total Mops/s on 1 and 2 threads, and the 2/1 scaling. */
	double		med[NWL][NSIZES][3];
};

static struct impl impls[] = {
	{ .name = "libvm", .libvm = true },
	{ .name = "glibc", .alloc = malloc, .free = free },
	{ .name = "jemalloc", .lib = "libjemalloc.so.2", .sym_alloc = "malloc",
	    .sym_free = "free" },
	{ .name = "tcmalloc", .lib = "libtcmalloc_minimal.so.4",
	    .sym_alloc = "tc_malloc", .sym_free = "tc_free" },
	{ .name = "mimalloc", .lib = "libmimalloc.so.2",
	    .sym_alloc = "mi_malloc", .sym_free = "mi_free" },
	{ .name = "ceiling", .ceiling = true },
};
#define	NIMPLS		((int)nitems(impls))
#define	MIMALLOC	4
#define	CEILING		5

/* Items per thread and run, per workload (-n scales them). */
static long	nitems_wl[NWL] = { 20000000, 10000000, 4000000 };
static int	nruns = 5;
static bool	fresh;			/* -f: new threads for every run */
static uma_zone_t zones[NSIZES];

/* ---- the measured loops --------------------------------------------- */

/*
 * The ring of the cross-thread workload.  Each side keeps a copy of the
 * other's index and reads the real one only when its copy says full
 * (producer) or empty (consumer); indices are published every
 * RING_PUBLISH items, so the index lines move between the CPUs once per
 * RING_PUBLISH items rather than once per item.
 */
struct ring {
	_Alignas(64) _Atomic unsigned long head;	/* consumer's */
	_Alignas(64) _Atomic unsigned long tail;	/* producer's */
	_Alignas(64) void *slot[RING];
};
static struct ring ring;

static inline void
spin(unsigned *spins)
{
	if (++*spins < 256)
		cpu_spinwait();
	else {
		*spins = 0;
		sched_yield();
	}
}

/* The ring's producer side, for any allocator. */
struct producer {
	unsigned long	tail, head;	/* ours, and our copy of head */
};

static inline void
ring_put(struct producer *p, void *item)
{
	unsigned spins = 0;

	while (p->tail - p->head >= RING) {
		/* Full, by our copy: publish what we have, look again. */
		atomic_store_explicit(&ring.tail, p->tail,
		    memory_order_release);
		p->head = atomic_load_explicit(&ring.head,
		    memory_order_acquire);
		if (p->tail - p->head >= RING)
			spin(&spins);
	}
	ring.slot[p->tail % RING] = item;
	if (++p->tail % RING_PUBLISH == 0)
		atomic_store_explicit(&ring.tail, p->tail,
		    memory_order_release);
}

static inline void
ring_flush(struct producer *p)
{
	atomic_store_explicit(&ring.tail, p->tail, memory_order_release);
}

struct consumer {
	unsigned long	head, tail;	/* ours, and our copy of tail */
};

static inline void *
ring_get(struct consumer *c)
{
	unsigned spins = 0;
	void *item;

	while (c->head == c->tail) {
		atomic_store_explicit(&ring.head, c->head,
		    memory_order_release);
		c->tail = atomic_load_explicit(&ring.tail,
		    memory_order_acquire);
		if (c->head == c->tail)
			spin(&spins);
	}
	item = ring.slot[c->head % RING];
	if (++c->head % RING_PUBLISH == 0)
		atomic_store_explicit(&ring.head, c->head,
		    memory_order_release);
	return (item);
}

/*
 * libvm's loops, external so that they keep their names (callgrind's
 * --toggle-collect).  uma_zalloc and uma_zfree are inline calls of the
 * exported uma_zalloc_arg and uma_zfree_arg.
 */
__attribute__((noinline)) void
loop_uma_pair(uma_zone_t z, long n)
{
	void *volatile sink;
	void *p;
	long i;

	for (i = 0; i < n; i++) {
		p = uma_zalloc(z, M_WAITOK);
		sink = p;
		uma_zfree(z, p);
	}
	(void)sink;
}

__attribute__((noinline)) void
loop_uma_batch(uma_zone_t z, long n)
{
	void *volatile sink;
	void *p[BATCH];
	long i;
	int j;

	for (i = 0; i < n; i += BATCH) {
		for (j = 0; j < BATCH; j++)
			sink = p[j] = uma_zalloc(z, M_WAITOK);
		for (j = BATCH; j-- > 0;)
			uma_zfree(z, p[j]);
	}
	(void)sink;
}

__attribute__((noinline)) void
loop_uma_produce(uma_zone_t z, long n)
{
	struct producer pr = { 0, 0 };
	long i;

	for (i = 0; i < n; i++)
		ring_put(&pr, uma_zalloc(z, M_WAITOK));
	ring_flush(&pr);
}

__attribute__((noinline)) void
loop_uma_consume(uma_zone_t z, long n)
{
	struct consumer co = { 0, 0 };
	long i;

	for (i = 0; i < n; i++)
		uma_zfree(z, ring_get(&co));
	atomic_store_explicit(&ring.head, co.head, memory_order_release);
}

/* The peers' loops: the same, through the function pointers. */
static __attribute__((noinline)) void
loop_fn_pair(alloc_fn *a, free_fn *f, size_t size, long n)
{
	void *volatile sink;
	void *p;
	long i;

	for (i = 0; i < n; i++) {
		p = a(size);
		sink = p;
		f(p);
	}
	(void)sink;
}

static __attribute__((noinline)) void
loop_fn_batch(alloc_fn *a, free_fn *f, size_t size, long n)
{
	void *volatile sink;
	void *p[BATCH];
	long i;
	int j;

	for (i = 0; i < n; i += BATCH) {
		for (j = 0; j < BATCH; j++)
			sink = p[j] = a(size);
		for (j = BATCH; j-- > 0;)
			f(p[j]);
	}
	(void)sink;
}

static __attribute__((noinline)) void
loop_fn_produce(alloc_fn *a, size_t size, long n)
{
	struct producer pr = { 0, 0 };
	long i;

	for (i = 0; i < n; i++)
		ring_put(&pr, a(size));
	ring_flush(&pr);
}

static __attribute__((noinline)) void
loop_fn_consume(free_fn *f, long n)
{
	struct consumer co = { 0, 0 };
	long i;

	for (i = 0; i < n; i++)
		f(ring_get(&co));
	atomic_store_explicit(&ring.head, co.head, memory_order_release);
}

/*
 * The machine's ceiling: a register-only loop that shares nothing, whose
 * 2/1 scaling is what the machine offers at the time (on this guest it
 * falls well below 2 while other work runs on the host).
 */
static __attribute__((noinline)) void
loop_alu(long n)
{
	unsigned long x = 88172645463325252UL;
	long i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	__asm__ __volatile__("" : : "r"(x));
}

/* The ring alone, no allocator: the cross-thread workload's ceiling. */
static __attribute__((noinline)) void
loop_ring_produce(long n)
{
	struct producer pr = { 0, 0 };
	long i;

	for (i = 0; i < n; i++)
		ring_put(&pr, &ring);
	ring_flush(&pr);
}

static __attribute__((noinline)) void
loop_ring_consume(long n)
{
	struct consumer co = { 0, 0 };
	void *volatile sink;
	long i;

	for (i = 0; i < n; i++)
		sink = ring_get(&co);
	(void)sink;
	atomic_store_explicit(&ring.head, co.head, memory_order_release);
}

/* ---- threads ------------------------------------------------------------ */

struct job {
	struct impl	*impl;
	int		wl, si;
	int		role;		/* cross: 0 producer, 1 consumer */
	bool		active;
	long		n;
	double		t0, t1;		/* the thread's own start and end */
} __attribute__((aligned(64)));

static struct job	jobs[2];
static pthread_t	pool[2];
static pthread_barrier_t start_b, done_b;
static bool		pool_quit;
/* Each worker's CPU slot and bias after its first libvm run. */
static struct {
	int	cpu;
	bool	biased, seen;
} slotinfo[2];

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
}

static void
run_job(struct job *j)
{
	struct impl *im = j->impl;
	size_t size = sizes[j->si];
	int me = (int)(j - jobs);

	j->t0 = now();
	if (im->ceiling && j->wl == W_CROSS) {
		if (j->role == 0)
			loop_ring_produce(j->n);
		else
			loop_ring_consume(j->n);
	} else if (im->ceiling)
		loop_alu(j->n);
	else if (im->libvm) {
		uma_zone_t z = zones[j->si];

		switch (j->wl) {
		case W_PAIR:
			loop_uma_pair(z, j->n);
			break;
		case W_BATCH:
			loop_uma_batch(z, j->n);
			break;
		default:
			if (j->role == 0)
				loop_uma_produce(z, j->n);
			else
				loop_uma_consume(z, j->n);
		}
	} else {
		switch (j->wl) {
		case W_PAIR:
			loop_fn_pair(im->alloc, im->free, size, j->n);
			break;
		case W_BATCH:
			loop_fn_batch(im->alloc, im->free, size, j->n);
			break;
		default:
			if (j->role == 0)
				loop_fn_produce(im->alloc, size, j->n);
			else
				loop_fn_consume(im->free, j->n);
		}
	}
	j->t1 = now();
	if (im->libvm && !slotinfo[me].seen) {
		slotinfo[me].seen = true;
		slotinfo[me].cpu = thread_self.td_cpu;
		slotinfo[me].biased = thread_self.td_biasgen == pcpu_bootgen;
	}
}

/*
 * Worker i runs on host CPU i (when there are two): two threads of a run
 * never share a CPU, which would make the cross-thread workload a
 * single-CPU one (no cache line moves) when the machine is busy.
 */
static void
pin(int i)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(i, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *
pool_main(void *arg)
{
	struct job *j = arg;

	pin((int)(j - jobs));
	for (;;) {
		pthread_barrier_wait(&start_b);
		if (pool_quit)
			break;
		if (j->active)
			run_job(j);
		pthread_barrier_wait(&done_b);
	}
	return (NULL);
}

static void *
fresh_main(void *arg)
{
	pin((int)((struct job *)arg - jobs));
	run_job(arg);
	return (NULL);
}

static void
pool_start(void)
{
	int i;

	if (fresh)
		return;
	pthread_barrier_init(&start_b, NULL, 3);
	pthread_barrier_init(&done_b, NULL, 3);
	for (i = 0; i < 2; i++)
		if (pthread_create(&pool[i], NULL, pool_main, &jobs[i]) != 0) {
			fprintf(stderr, "uma: pthread_create failed\n");
			exit(1);
		}
}

static void
pool_stop(void)
{
	int i;

	if (fresh)
		return;
	pool_quit = true;
	pthread_barrier_wait(&start_b);
	for (i = 0; i < 2; i++)
		pthread_join(pool[i], NULL);
	pthread_barrier_destroy(&start_b);
	pthread_barrier_destroy(&done_b);
}

/*
 * One measurement: millions of pairs (cross: items) per second, all
 * threads together.
 */
static double
run(struct impl *impl, int wl, int si, int nthreads, long n)
{
	double t0, t1;
	int i, nt = wl == W_CROSS ? 2 : nthreads;

	for (i = 0; i < 2; i++) {
		jobs[i].impl = impl;
		jobs[i].wl = wl;
		jobs[i].si = si;
		jobs[i].role = i;
		jobs[i].n = n;
		jobs[i].active = i < nt;
	}
	atomic_store(&ring.head, 0);
	atomic_store(&ring.tail, 0);
	if (fresh) {
		for (i = 0; i < nt; i++)
			if (pthread_create(&pool[i], NULL, fresh_main,
			    &jobs[i]) != 0) {
				fprintf(stderr, "uma: pthread_create failed\n");
				exit(1);
			}
		for (i = 0; i < nt; i++)
			pthread_join(pool[i], NULL);
	} else {
		pthread_barrier_wait(&start_b);
		pthread_barrier_wait(&done_b);
	}
	t0 = jobs[0].t0;
	t1 = jobs[0].t1;
	for (i = 1; i < nt; i++) {
		if (jobs[i].t0 < t0)
			t0 = jobs[i].t0;
		if (jobs[i].t1 > t1)
			t1 = jobs[i].t1;
	}
	if (wl == W_CROSS)
		return ((double)n / (t1 - t0) / 1e6);
	return ((double)n * nthreads / (t1 - t0) / 1e6);
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static double
median(double *r, int n)
{
	qsort(r, (size_t)n, sizeof(r[0]), cmp);
	return (n % 2 != 0 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2);
}

/* ---- libvm's slow-path counters (vm.zone_stats) ----------------------- */

struct zcount {
	uint64_t	buckets;	/* bucket allocations, all zones */
	uint64_t	keg[NSIZES];	/* items straight from the keg */
	uint64_t	pages[NSIZES];	/* pages of the bench zones' kegs */
};

static void
zone_counts(struct zcount *zc)
{
	static char *buf;
	static size_t cap;
	const struct uma_stream_header *ush;
	const struct uma_type_header *uth;
	size_t len = 0, off;
	uint32_t z;
	int si;

	memset(zc, 0, sizeof(*zc));
	if (vm_sysctlbyname("vm.zone_stats", NULL, &len, NULL, 0) != 0)
		return;
	len += 4096;
	if (len > cap) {
		free(buf);
		cap = len;
		if ((buf = malloc(cap)) == NULL)
			abort();
	}
	if (vm_sysctlbyname("vm.zone_stats", buf, &len, NULL, 0) != 0)
		return;
	ush = (const void *)buf;
	off = sizeof(*ush);
	for (z = 0; z < ush->ush_count && off + sizeof(*uth) <= len; z++) {
		uth = (const void *)(buf + off);
		if (strstr(uth->uth_name, " Bucket") != NULL)
			zc->buckets += uth->uth_allocs;
		for (si = 0; si < NSIZES; si++)
			if (strcmp(uth->uth_name, si == 0 ? "bench64" :
			    "bench256") == 0) {
				zc->keg[si] = uth->uth_allocs;
				zc->pages[si] = uth->uth_pages;
			}
		off += sizeof(*uth) + sizeof(struct uma_percpu_stat) *
		    ush->ush_maxcpus;
	}
}

/* Per 1000 items: bucket allocations and keg items, for each workload. */
static double	diag_buckets[NWL][NSIZES], diag_keg[NWL][NSIZES];

/* ---- jemalloc, preloaded in a child --------------------------------- */

/*
 * Every measurement of the run.  For each workload and size, -r rounds;
 * in each round every allocator runs on 1 thread and then on 2, back to
 * back (cross: once), and the scaling is the median of the rounds' 2/1
 * ratios.  only: measure that allocator alone (the preloaded child),
 * printing its figures.
 */
static void
measure_all(struct impl *only)
{
	double r[NIMPLS][3][MAXRUNS];
	struct zcount z0, z1;
	long items;
	int wl, si, nt, k, i;

	for (wl = 0; wl < NWL; wl++)
		for (si = 0; si < NSIZES; si++) {
			items = 0;
			if (only == NULL)
				zone_counts(&z0);
			for (i = 0; i < nruns; i++)
				for (k = 0; k < NIMPLS; k++) {
					struct impl *im = &impls[k];

					if ((only != NULL && im != only) ||
					    (!im->libvm && !im->ceiling &&
					    im->alloc == NULL))
						continue;
					for (nt = 1; nt <= 2; nt++) {
						if (wl == W_CROSS && nt == 2)
							break;
						r[k][nt - 1][i] = run(im, wl,
						    si, nt, nitems_wl[wl]);
						if (im->libvm)
							items += nitems_wl[wl] *
							    (wl == W_CROSS ?
							    1 : nt);
					}
					if (wl != W_CROSS)
						r[k][2][i] = r[k][1][i] /
						    r[k][0][i];
				}
			if (only == NULL) {
				zone_counts(&z1);
				diag_buckets[wl][si] = 1000.0 *
				    (double)(z1.buckets - z0.buckets) /
				    (double)items;
				diag_keg[wl][si] = 1000.0 *
				    (double)(z1.keg[si] - z0.keg[si]) /
				    (double)items;
			}
			for (k = 0; k < NIMPLS; k++) {
				struct impl *im = &impls[k];

				if ((only != NULL && im != only) ||
				    (!im->libvm && !im->ceiling &&
				    im->alloc == NULL))
					continue;
				for (nt = 0; nt < 3; nt++) {
					if (wl == W_CROSS && nt > 0)
						break;
					im->med[wl][si][nt] =
					    median(r[k][nt], nruns);
					if (only != NULL)
						printf("P %d %d %d %f\n", wl,
						    si, nt,
						    im->med[wl][si][nt]);
				}
			}
		}
}

/* Measure impl in a child started with LD_PRELOAD=impl->lib. */
static bool
measure_preloaded(const char *self, struct impl *impl)
{
	char cmd[1024], line[256];
	FILE *f;
	double v;
	int wl, si, nt, n = 0;

	snprintf(cmd, sizeof(cmd), "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/%s "
	    "'%s' -P -n %ld -r %d%s 2>/dev/null", impl->lib, self,
	    nitems_wl[W_PAIR], nruns, fresh ? " -f" : "");
	if ((f = popen(cmd, "r")) == NULL)
		return (false);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "P %d %d %d %lf", &wl, &si, &nt, &v) == 4 &&
		    wl >= 0 && wl < NWL && si >= 0 && si < NSIZES &&
		    nt >= 0 && nt < 3) {
			impl->med[wl][si][nt] = v;
			n++;
		}
	return (pclose(f) == 0 && n == (NWL - 1) * NSIZES * 3 + NSIZES);
}

/* ---- the report ------------------------------------------------------- */

static bool
has(const struct impl *im)
{
	return (!im->ceiling && (im->libvm || im->alloc != NULL ||
	    im->child));
}

/* The best peer's total rate for a workload, size and thread count. */
static int
best_peer(int wl, int si, int nt)
{
	int k, best = -1;

	for (k = 1; k < NIMPLS; k++)
		if (has(&impls[k]) && (best < 0 ||
		    impls[k].med[wl][si][nt] > impls[best].med[wl][si][nt]))
			best = k;
	return (best);
}

static void
report(void)
{
	const struct impl *lv = &impls[0];
	char line[512];
	size_t len;
	int wl, si, k, b, b2;
	bool ok;

	printf("%-9s %-6s %5s %10s %14s %8s %19s %19s\n", "allocator",
	    "work", "size", "1 thread", "2 thr, per thr", "scaling",
	    "vs best peer, 1 t", "vs best peer, 2 t");
	for (wl = 0; wl < NWL; wl++)
		for (si = 0; si < NSIZES; si++) {
			b = best_peer(wl, si, 0);
			b2 = best_peer(wl, si, 1);
			for (k = 0; k < NIMPLS; k++) {
				const struct impl *im = &impls[k];
				const double *m = im->med[wl][si];

				if (!has(im))
					continue;
				printf("%-9s %-6s %5zu %10.1f", im->name,
				    wlname[wl], sizes[si], m[0]);
				if (wl != W_CROSS)
					printf(" %14.1f %7.2fx", m[1] / 2,
					    m[2]);
				else
					printf(" %14s %8s", "-", "-");
				if (b >= 0)
					printf("  %5.2fx (%-8s)", m[0] /
					    impls[b].med[wl][si][0],
					    impls[b].name);
				if (wl != W_CROSS && b2 >= 0)
					printf("  %5.2fx (%-8s)", m[1] /
					    impls[b2].med[wl][si][1],
					    impls[b2].name);
				printf("\n");
			}
		}
	printf("(rates: M alloc+free pairs/s per thread; cross: M items/s "
	    "from one producer to one consumer; scaling: median of the "
	    "rounds' 2-thread/1-thread totals)\n");
	printf("machine ceiling (register-only loop, same rounds), "
	    "2-thread scaling: pair %.2fx / %.2fx, batch %.2fx / %.2fx "
	    "(64 B / 256 B rounds)\n", impls[CEILING].med[W_PAIR][0][2],
	    impls[CEILING].med[W_PAIR][1][2], impls[CEILING].med[W_BATCH][0][2],
	    impls[CEILING].med[W_BATCH][1][2]);
	printf("ring alone (no allocator, same rounds): %.1f / %.1f M items/s "
	    "(64 B / 256 B rounds)\n", impls[CEILING].med[W_CROSS][0][0],
	    impls[CEILING].med[W_CROSS][1][0]);

	/* Goal 1: pairs >= the best peer, 1 and 2 threads. */
	ok = true;
	len = 0;
	for (si = 0; si < NSIZES; si++)
		for (k = 0; k < 2; k++) {
			b = best_peer(W_PAIR, si, k);
			if (b < 0)
				continue;
			if (lv->med[W_PAIR][si][k] <
			    impls[b].med[W_PAIR][si][k])
				ok = false;
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    "%s%zu B %dt %.1f vs %s %.1f (%.2fx)",
			    len > 0 ? "; " : "", sizes[si], k + 1,
			    lv->med[W_PAIR][si][k] / (k + 1), impls[b].name,
			    impls[b].med[W_PAIR][si][k] / (k + 1),
			    lv->med[W_PAIR][si][k] /
			    impls[b].med[W_PAIR][si][k]);
		}
	printf("goal pairs >= best peer: %s (%s)\n", ok ? "MET" : "NOT MET",
	    line);

	/* Goal 2: batches >= 0.8x the best peer. */
	ok = true;
	len = 0;
	for (si = 0; si < NSIZES; si++)
		for (k = 0; k < 2; k++) {
			b = best_peer(W_BATCH, si, k);
			if (b < 0)
				continue;
			if (lv->med[W_BATCH][si][k] <
			    0.8 * impls[b].med[W_BATCH][si][k])
				ok = false;
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    "%s%zu B %dt %.1f vs %s %.1f (%.2fx)",
			    len > 0 ? "; " : "", sizes[si], k + 1,
			    lv->med[W_BATCH][si][k] / (k + 1), impls[b].name,
			    impls[b].med[W_BATCH][si][k] / (k + 1),
			    lv->med[W_BATCH][si][k] /
			    impls[b].med[W_BATCH][si][k]);
		}
	printf("goal batches >= 0.8x best peer: %s (%s)\n",
	    ok ? "MET" : "NOT MET", line);

	/* Goal 3: 2-thread scaling >= 1.9x. */
	ok = true;
	len = 0;
	for (wl = W_PAIR; wl <= W_BATCH; wl++)
		for (si = 0; si < NSIZES; si++) {
			double s = lv->med[wl][si][2];

			if (s < 1.9)
				ok = false;
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    "%s%s %zu B %.2fx (machine %.2fx)",
			    len > 0 ? "; " : "", wlname[wl], sizes[si], s,
			    impls[CEILING].med[wl][si][2]);
		}
	printf("goal 2-thread scaling >= 1.9x: %s (%s)\n",
	    ok ? "MET" : "NOT MET", line);

	/* Goal 4: cross-thread >= mimalloc. */
	if (has(&impls[MIMALLOC])) {
		ok = true;
		len = 0;
		for (si = 0; si < NSIZES; si++) {
			double v = lv->med[W_CROSS][si][0],
			    m = impls[MIMALLOC].med[W_CROSS][si][0];

			if (v < m)
				ok = false;
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    "%s%zu B %.1f vs mimalloc %.1f (%.2fx)",
			    len > 0 ? "; " : "", sizes[si], v, m, v / m);
		}
		printf("goal cross-thread >= mimalloc: %s (%s)\n",
		    ok ? "MET" : "NOT MET", line);
	} else
		printf("goal cross-thread >= mimalloc: not measured "
		    "(no mimalloc)\n");

	printf("libvm slow paths, per 1000 items (vm.zone_stats): bucket "
	    "allocations, items straight from the keg\n");
	for (wl = 0; wl < NWL; wl++) {
		printf("  %-5s", wlname[wl]);
		for (si = 0; si < NSIZES; si++)
			printf("  %3zu B: %.2f, %.2f", sizes[si],
			    diag_buckets[wl][si], diag_keg[wl][si]);
		printf("\n");
	}
	if (!fresh)
		for (k = 0; k < 2; k++)
			printf("libvm worker %d: CPU slot %d, %s\n", k,
			    slotinfo[k].cpu, !slotinfo[k].seen ? "not seen" :
			    slotinfo[k].biased ? "biased (no atomic RMW)" :
			    "NOT biased (CAS critical sections)");
	for (k = 0; k < mp_ncpus; k++) {
		uint64_t bias = atomic_load(&pcpu_array[k].pc_bias);
		u_int holder = (u_int)(bias >> PCPU_BIAS_SHIFT);

		printf("libvm CPU slot %d: %d bias steals, ", k,
		    pcpu_array[k].pc_steals);
		if (holder == PCPU_BIAS_NEVER)
			printf("bias gone for good (CAS only)\n");
		else if (holder == PCPU_BIAS_NONE)
			printf("no bias holder\n");
		else
			printf("biased to thread %u\n", holder);
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: uma [-f] [-l pair|batch|cross] [-n pairs] "
	    "[-r runs] [-s size]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct vm_config cfg;
	const char *lwl = NULL;
	double t;
	long n = 0;
	size_t lsize = 64;
	int c, k, si;
	bool child = false;

	while ((c = getopt(argc, argv, "fl:n:r:s:P")) != -1) {
		switch (c) {
		case 'f':
			fresh = true;
			break;
		case 'l':
			lwl = optarg;
			break;
		case 'n':
			n = atol(optarg);
			break;
		case 'r':
			nruns = atoi(optarg);
			break;
		case 's':
			lsize = (size_t)atol(optarg);
			break;
		case 'P':
			child = true;
			break;
		default:
			usage();
		}
	}
	if (nruns < 1 || nruns > MAXRUNS || (n != 0 && n < BATCH))
		usage();
	if (n != 0) {
		/* -n is the pair count; batch and cross scale with it. */
		nitems_wl[W_PAIR] = n;
		nitems_wl[W_BATCH] = n / 2;
		nitems_wl[W_CROSS] = n / 5;
	}
	nitems_wl[W_BATCH] -= nitems_wl[W_BATCH] % BATCH;
	if (nitems_wl[W_BATCH] < BATCH)
		nitems_wl[W_BATCH] = BATCH;
	if (nitems_wl[W_CROSS] < 1)
		nitems_wl[W_CROSS] = 1;

	if (child) {
		/* The preloaded allocator is this process's malloc. */
		pool_start();
		measure_all(&impls[1]);
		pool_stop();
		return (0);
	}
	if (lwl == NULL)
		for (k = 0; k < NIMPLS; k++) {
			void *h;

			if (impls[k].lib == NULL)
				continue;
			h = dlopen(impls[k].lib, RTLD_NOW | RTLD_LOCAL);
			if (h == NULL || (impls[k].alloc =
			    (alloc_fn *)dlsym(h, impls[k].sym_alloc)) == NULL ||
			    (impls[k].free =
			    (free_fn *)dlsym(h, impls[k].sym_free)) == NULL) {
				impls[k].alloc = NULL;
				impls[k].child = measure_preloaded(argv[0],
				    &impls[k]);
				if (!impls[k].child)
					fprintf(stderr, "uma: %s unavailable\n",
					    impls[k].name);
			}
		}

	vm_config_init(&cfg);
	cfg.ncpu = 2;
	cfg.physmem = 512ULL << 20;
	if (vm_boot(&cfg) != 0) {
		fprintf(stderr, "uma: vm_boot failed\n");
		return (1);
	}
	for (si = 0; si < NSIZES; si++) {
		zones[si] = uma_zcreate(si == 0 ? "bench64" : "bench256",
		    sizes[si], NULL, NULL, NULL, NULL, UMA_ALIGN_PTR, 0);
		if (zones[si] == NULL) {
			fprintf(stderr, "uma: uma_zcreate: %s\n",
			    strerror(errno));
			return (1);
		}
	}
	pool_start();

	if (lwl != NULL) {
		int wl;

		for (wl = 0; wl < NWL; wl++)
			if (strcmp(lwl, wlname[wl]) == 0)
				break;
		if (wl == NWL)
			usage();
		for (si = 0; si < NSIZES; si++)
			if (sizes[si] == lsize)
				break;
		if (si == NSIZES)
			usage();
		t = run(&impls[0], wl, si, 1, nitems_wl[wl]);
		printf("libvm %s %zu B: %.1f M%s/s (worker slot %d, %s)\n",
		    wlname[wl], lsize, t, wl == W_CROSS ? "items" : "pairs",
		    slotinfo[0].cpu, slotinfo[0].biased ? "biased" :
		    "not biased");
		pool_stop();
		vm_shutdown();
		return (0);
	}

	printf("uma: per thread and run: %ld pairs, %ld in batches of %d "
	    "(freed LIFO), %ld cross-thread items (ring of %d); median of %d "
	    "runs%s\n", nitems_wl[W_PAIR], nitems_wl[W_BATCH], BATCH,
	    nitems_wl[W_CROSS], RING, nruns,
	    fresh ? "; fresh threads for every run" : "");
	fflush(stdout);
	measure_all(NULL);
	report();
	for (si = 0; si < NSIZES; si++)
		if ((k = uma_zone_get_cur(zones[si])) != 0)
			printf("uma: zone %s has %d items allocated after the "
			    "runs (should be 0)\n", sizes[si] == 64 ?
			    "bench64" : "bench256", k);
	pool_stop();
	vm_shutdown();
	return (0);
}
