/*
 * page_alloc: physical page allocation throughput, libvm against the host's
 * allocators asked for the same thing (a 4 KiB block), in the same run.
 *
 *   libvm     vm_page_alloc_noobj(VM_ALLOC_NORMAL) + vm_page_free
 *   glibc     malloc(4096) + free
 *   jemalloc, tcmalloc, mimalloc   the same calls, loaded with dlopen from
 *             the Debian packages (skipped if absent)
 *
 * Workloads: "pair" allocates and frees one page at a time; "batch64"
 * allocates 64 pages, then frees them (exercising per-CPU cache refills and
 * drains).  Each is run with 1 and 2 threads; the figure is the median of
 * several runs, in millions of (alloc + free) pairs per second, and the
 * ratio to glibc measured in the same run.
 *
 * jemalloc's Debian build uses initial-exec TLS and cannot be dlopen()ed;
 * it is measured in a child process of this program started with
 * LD_PRELOAD, in the same run (its figures are those of "malloc" there).
 *
 * -l runs only libvm's "pair" workload, once, on one thread: for counting
 * instructions with callgrind (docs/PERFORMANCE.md).
 *
 * usage: page_alloc [-l] [-n pairs_per_thread] [-r runs]
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvm.h>
#include <vm/vm_page.h>

typedef void *alloc_fn(size_t);
typedef void free_fn(void *);

struct impl {
	const char	*name;
	const char	*lib;
	const char	*sym_alloc, *sym_free;
	alloc_fn	*alloc;
	free_fn		*free;
	bool		libvm;
	double		preloaded[2][2];	/* figures from a child */
};

static struct impl impls[] = {
	{ .name = "libvm", .libvm = true },
	{ .name = "glibc", .alloc = malloc, .free = free },
	{ .name = "jemalloc", .lib = "libjemalloc.so.2", .sym_alloc = "malloc",
	    .sym_free = "free" },
	{ .name = "tcmalloc", .lib = "libtcmalloc_minimal.so.4",
	    .sym_alloc = "tc_malloc", .sym_free = "tc_free" },
	{ .name = "mimalloc", .lib = "libmimalloc.so.2", .sym_alloc = "mi_malloc",
	    .sym_free = "mi_free" },
};

static long		npairs = 2000000;
static const int	batches[] = { 1, 64 };
static int		nruns = 5;
static pthread_barrier_t barrier;

struct job {
	struct impl	*impl;
	int		batch;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
}

static void *
worker(void *arg)
{
	struct job *job = arg;
	void *p[64];
	long i;
	int j, b = job->batch;

	pthread_barrier_wait(&barrier);
	if (job->impl->libvm) {
		for (i = 0; i < npairs; i += b) {
			for (j = 0; j < b; j++)
				p[j] = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
			for (j = 0; j < b; j++)
				vm_page_free(p[j]);
		}
	} else {
		for (i = 0; i < npairs; i += b) {
			for (j = 0; j < b; j++) {
				p[j] = job->impl->alloc(4096);
				/* Keep the compiler from eliding the pair. */
				__asm__ __volatile__("" : : "r"(p[j]) : "memory");
			}
			for (j = 0; j < b; j++)
				job->impl->free(p[j]);
		}
	}
	pthread_barrier_wait(&barrier);
	return (NULL);
}

/* One measurement: Mpairs/s with nthreads threads. */
static double
run(struct impl *impl, int nthreads, int batch)
{
	pthread_t t[2];
	struct job job = { impl, batch };
	double t0, t1;
	int i;

	pthread_barrier_init(&barrier, NULL, (unsigned)nthreads + 1);
	for (i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, worker, &job);
	pthread_barrier_wait(&barrier);
	t0 = now();
	pthread_barrier_wait(&barrier);
	t1 = now();
	for (i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier);
	return ((double)npairs * nthreads / (t1 - t0) / 1e6);
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static double
median(struct impl *impl, int nt, int batch)
{
	double r[32];
	int i;

	for (i = 0; i < nruns; i++)
		r[i] = run(impl, nt, batch);
	qsort(r, (size_t)nruns, sizeof(r[0]), cmp);
	return (r[nruns / 2]);
}

/* Measure impl in a child started with LD_PRELOAD=impl->lib. */
static bool
measure_preloaded(const char *self, struct impl *impl)
{
	char cmd[1024], line[256];
	FILE *f;
	double v;
	int b, nt, n = 0;

	snprintf(cmd, sizeof(cmd), "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/%s "
	    "'%s' -P -n %ld -r %d 2>/dev/null", impl->lib, self, npairs,
	    nruns);
	if ((f = popen(cmd, "r")) == NULL)
		return (false);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "P %d %d %lf", &b, &nt, &v) == 3 &&
		    b >= 0 && b < 2 && nt >= 1 && nt <= 2) {
			impl->preloaded[b][nt - 1] = v;
			n++;
		}
	return (pclose(f) == 0 && n == 4);
}

int
main(int argc, char **argv)
{
	struct vm_config cfg;
	double med[nitems(impls)];
	size_t k;
	int c, b, nt;
	bool child = false, libvm_only = false;

	while ((c = getopt(argc, argv, "ln:r:P")) != -1) {
		switch (c) {
		case 'n':
			npairs = atol(optarg);
			break;
		case 'r':
			nruns = atoi(optarg);
			break;
		case 'P':
			child = true;
			break;
		case 'l':
			libvm_only = true;
			break;
		default:
			fprintf(stderr, "usage: page_alloc [-l] [-n pairs] "
			    "[-r runs]\n");
			return (2);
		}
	}
	if (nruns < 1 || nruns > 32 || npairs < 64)
		return (2);
	npairs -= npairs % 64;
	if (child) {
		/* The preloaded allocator is this process's malloc. */
		for (b = 0; b < (int)nitems(batches); b++)
			for (nt = 1; nt <= 2; nt++)
				printf("P %d %d %f\n", b, nt,
				    median(&impls[1], nt, batches[b]));
		return (0);
	}
	for (k = 0; k < nitems(impls) && !libvm_only; k++) {
		void *h;

		if (impls[k].lib == NULL)
			continue;
		h = dlopen(impls[k].lib, RTLD_NOW | RTLD_LOCAL);
		if (h == NULL ||
		    (impls[k].alloc = (alloc_fn *)dlsym(h, impls[k].sym_alloc))
		    == NULL ||
		    (impls[k].free = (free_fn *)dlsym(h, impls[k].sym_free))
		    == NULL) {
			impls[k].alloc = NULL;
			if (!measure_preloaded(argv[0], &impls[k]))
				fprintf(stderr, "page_alloc: %s unavailable\n",
				    impls[k].name);
		}
	}
	vm_config_init(&cfg);
	cfg.ncpu = 2;
	if (vm_boot(&cfg) != 0) {
		fprintf(stderr, "page_alloc: vm_boot failed\n");
		return (1);
	}
	if (libvm_only) {
		printf("libvm pair: %.1f Mpairs/s\n", run(&impls[0], 1, 1));
		vm_shutdown();
		return (0);
	}
	printf("page_alloc: %ld alloc+free pairs per thread, median of %d "
	    "runs, Mpairs/s (ratio to glibc malloc(4096)/free)\n", npairs,
	    nruns);
	for (b = 0; b < (int)nitems(batches); b++) {
		for (nt = 1; nt <= 2; nt++) {
			printf("%-8s %d thread%s:", batches[b] == 1 ? "pair" :
			    "batch64", nt, nt > 1 ? "s" : " ");
			for (k = 0; k < nitems(impls); k++) {
				med[k] = impls[k].preloaded[b][nt - 1];
				if (!impls[k].libvm && impls[k].alloc == NULL)
					continue;
				med[k] = median(&impls[k], nt, batches[b]);
			}
			for (k = 0; k < nitems(impls); k++)
				if (med[k] > 0)
					printf("  %s %.1f (%.2fx)", impls[k].name,
					    med[k], med[k] / med[1]);
			printf("\n");
		}
	}
	vm_shutdown();
	return (0);
}
