/*
 * swapio: libvm's swap I/O (issue 6) against the host writing and reading
 * the same disk directly, in the same run.  Both libvm's swap file and the
 * peers' file live in -d DIR (default /var/tmp: a disk, not tmpfs).
 *
 *   pageout   an anonymous region of -s MiB (default four times libvm's
 *             memory, -m MiB, default 64) written in order, 64 KiB at a
 *             time (vm_copyout): most of it has to go to swap, through
 *             the laundry's clustered asynchronous writes.  MB/s of
 *             v_swappgsout over the time of the writing loop, against
 *             dd if=/dev/zero of=FILE bs=1M count=S oflag=direct (the
 *             disk's own sequential write speed, no host cache).
 *   pagein    after that, random pages of the region that are not
 *             resident read with one 8-byte vm_copyin each: one fault,
 *             one swap read (getpages, with whatever read-ahead the fault
 *             asks for) at queue depth 1.  Swap reads per second
 *             (v_swapin) against fio --rw=randread --bs=4k --direct=1
 *             --iodepth=1 --ioengine=psync on the dd file, for -t
 *             seconds (default 3).  The host's cache of the swap file is
 *             written back and dropped (fsync, POSIX_FADV_DONTNEED)
 *             before, so both read the disk.
 *   reclaim   clean-page reclaim: a file of libvm's memory size, mapped
 *             and read page by page, fills memory with clean pages; then
 *             half that size of anonymous memory is zero-filled (one
 *             8-byte vm_copyout per page), each fault needing a page the
 *             page daemon frees.  Its ns per page, less that of the same
 *             zero-fill with memory free (measured first, in the same
 *             run), is the reclaim cost per page; the goal compares it
 *             with a zero-fill fault.  Both in wall time and in CPU time
 *             of the whole process (CLOCK_PROCESS_CPUTIME_ID: the page
 *             daemon frees the pages in its own thread, and on a shared
 *             2-vCPU guest the faults' sleeps waiting for it measure the
 *             scheduler as much as the reclaim); the goal line uses CPU.
 *             SWAPIO_DEBUG=1 in the environment prints the daemon's
 *             wakeups, shortfall pauses and the allocations that slept.
 *
 * Runs are interleaved (run 1 of each case and peer, then run 2, ...);
 * each figure is the median of -r runs (default 5).  Goal lines: pageout
 * at least 0.7x dd, pagein at least 0.7x fio, reclaim at most 2x a
 * zero-fill fault per page.
 */
#include <libvm.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define	MB		(1024u * 1024u)
#define	PG		4096u
#define	CHUNK		(64u * 1024u)
#define	MAXRUNS		31

enum fig {
	F_PAGEOUT,	/* MB/s */
	F_DD,		/* MB/s */
	F_PAGEIN,	/* reads/s */
	F_FIO,		/* reads/s */
	F_ZFOD,		/* ns/page, memory free */
	F_PRESSED,	/* ns/page, reclaiming clean pages */
	F_ZFOD_CPU,	/* CPU ns/page (all threads), memory free */
	F_PRESSED_CPU,	/* CPU ns/page (all threads), reclaiming */
	F_COUNT
};

static char dir[2048] = "/var/tmp";
static char swpath[4096], ddpath[4096], filepath[4096];
static size_t physmem = 64 * (size_t)MB, region, fsize;
static double seconds = 3.0;
static unsigned char *buf;
static uint64_t rngs = 0x5eed5eed5eedull;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
}

/* CPU time of every thread of the process: the daemon's work included. */
static double
cputime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
}

static void
die(const char *what, int error)
{
	fprintf(stderr, "swapio: %s: %s\n", what, strerror(error));
	exit(1);
}

static uint64_t
rnd(void)
{
	rngs ^= rngs >> 12;
	rngs ^= rngs << 25;
	rngs ^= rngs >> 27;
	return (rngs * 0x2545f4914f6cdd1dull);
}

static uint64_t
vmstat(const char *name)
{
	char full[128];
	uint64_t v = 0;
	size_t len = sizeof(v);

	snprintf(full, sizeof(full), "vm.stats.vm.%s", name);
	if (vm_sysctlbyname(full, &v, &len, NULL, 0) != 0)
		die(full, EINVAL);
	return (v);
}

/* Write the host's cache of path back and drop it. */
static void
host_drop(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd == -1)
		die(path, errno);
	(void)fsync(fd);
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
}

/* Run a shell command, its first output line in out; its time. */
static double
shell(const char *cmd, char *out, size_t outlen)
{
	FILE *f;
	double t0 = now(), t;

	f = popen(cmd, "r");
	if (f == NULL)
		die(cmd, errno);
	out[0] = '\0';
	if (fgets(out, (int)outlen, f) == NULL)
		out[0] = '\0';
	while (fgetc(f) != EOF)
		;
	if (pclose(f) != 0) {
		fprintf(stderr, "swapio: failed: %s\n", cmd);
		exit(1);
	}
	t = now() - t0;
	return (t);
}

/* ---- the libvm cases ------------------------------------------------- */

/* Sequential pageout (MB/s) and then random pagein (reads/s). */
static void
run_swap(double *pageout, double *pagein)
{
	struct vmspace *vs;
	vm_offset_t a = 0;
	uint64_t out0, out1, in0, in1, wk0, sh0, pw0;
	size_t off, pg, npg = region / PG;
	double t0, t;
	char vec;
	int error;

	if ((error = vmspace_create(&vs)) != 0)
		die("vmspace_create", error);
	error = vm_mmap(vs, &a, region, VM_PROT_READ | VM_PROT_WRITE,
	    VM_MAP_ANON | VM_MAP_PRIVATE, -1, 0);
	if (error != 0)
		die("vm_mmap", error);
	memset(buf, 0xa5, CHUNK);
	wk0 = vmstat("v_pdwakeups");
	sh0 = vmstat("v_pdshortfalls");
	pw0 = vmstat("v_pgwait");
	out0 = vmstat("v_swappgsout");
	t0 = now();
	for (off = 0; off < region; off += CHUNK) {
		*(uint64_t *)buf = off;
		if ((error = vm_copyout(vs, buf, a + off, CHUNK)) != 0)
			die("vm_copyout", error);
	}
	t = now() - t0;
	out1 = vmstat("v_swappgsout");
	*pageout = (double)(out1 - out0) * PG / t / 1e6;
	if (getenv("SWAPIO_DEBUG") != NULL)
		fprintf(stderr, "pageout: %.3f s, %ju daemon wakeups, %ju "
		    "shortfalls, %ju allocation sleeps\n", t,
		    (uintmax_t)(vmstat("v_pdwakeups") - wk0),
		    (uintmax_t)(vmstat("v_pdshortfalls") - sh0),
		    (uintmax_t)(vmstat("v_pgwait") - pw0));

	host_drop(swpath);
	in0 = vmstat("v_swapin");
	wk0 = vmstat("v_pdwakeups");
	sh0 = vmstat("v_pdshortfalls");
	pw0 = vmstat("v_pgwait");
	t0 = now();
	do {
		/* 64 faults between clock reads. */
		for (int i = 0; i < 64; i++) {
			pg = (size_t)(rnd() % npg);
			if (vm_mincore(vs, a + pg * PG, PG, &vec) != 0)
				die("vm_mincore", EINVAL);
			if ((vec & VM_MINCORE_INCORE) != 0)
				continue;
			error = vm_copyin(vs, a + pg * PG, buf, 8);
			if (error != 0)
				die("vm_copyin", error);
			/* The first word of a chunk is its offset. */
			if (*(uint64_t *)buf != (pg % (CHUNK / PG) == 0 ?
			    pg * PG : 0xa5a5a5a5a5a5a5a5ull)) {
				fprintf(stderr, "swapio: bad data at page "
				    "%zu\n", pg);
				exit(1);
			}
		}
		t = now() - t0;
	} while (t < seconds);
	in1 = vmstat("v_swapin");
	*pagein = (double)(in1 - in0) / t;
	if (getenv("SWAPIO_DEBUG") != NULL)
		fprintf(stderr, "pagein: %.3f s, %ju reads, %ju daemon "
		    "wakeups, %ju shortfalls, %ju allocation sleeps\n", t,
		    (uintmax_t)(in1 - in0),
		    (uintmax_t)(vmstat("v_pdwakeups") - wk0),
		    (uintmax_t)(vmstat("v_pdshortfalls") - sh0),
		    (uintmax_t)(vmstat("v_pgwait") - pw0));
	vmspace_release(vs);
}

/*
 * One 8-byte store per page of [a, a + len): wall ns per page, and in
 * *cpu the CPU ns per page of the whole process (the page daemon's
 * reclaim work is in another thread; waits for it are not CPU).
 */
static double
touch(struct vmspace *vs, vm_offset_t a, size_t len, double *cpu)
{
	double t0 = now(), c0 = cputime();
	uint64_t v = 1;
	size_t off;
	int error;

	for (off = 0; off < len; off += PG)
		if ((error = vm_copyout(vs, &v, a + off, sizeof(v))) != 0)
			die("vm_copyout", error);
	*cpu = (cputime() - c0) * 1e9 / (double)(len / PG);
	return ((now() - t0) * 1e9 / (double)(len / PG));
}

/* Zero-fill with memory free, then reclaiming clean file pages. */
static void
run_reclaim(double *zfod, double *pressed, double *zfodcpu,
    double *pressedcpu)
{
	struct vmspace *vs;
	vm_offset_t a = 0, f = 0, z = 0;
	size_t off, zlen = physmem / 2;
	uint64_t v, sh0, pw0, df0;
	int fd, error;

	if ((error = vmspace_create(&vs)) != 0)
		die("vmspace_create", error);
	error = vm_mmap(vs, &z, zlen, VM_PROT_READ | VM_PROT_WRITE,
	    VM_MAP_ANON | VM_MAP_PRIVATE, -1, 0);
	if (error != 0)
		die("vm_mmap", error);
	*zfod = touch(vs, z, zlen, zfodcpu);
	if ((error = vm_munmap(vs, z, zlen)) != 0)
		die("vm_munmap", error);

	df0 = vmstat("v_dfree");
	if ((error = vm_open(filepath, O_RDONLY, 0, &fd)) != 0)
		die("vm_open", error);
	error = vm_mmap(vs, &f, fsize, VM_PROT_READ, VM_MAP_SHARED, fd, 0);
	if (error != 0)
		die("vm_mmap file", error);
	for (off = 0; off < fsize; off += PG)
		if ((error = vm_copyin(vs, f + off, &v, sizeof(v))) != 0)
			die("vm_copyin", error);
	error = vm_mmap(vs, &a, zlen, VM_PROT_READ | VM_PROT_WRITE,
	    VM_MAP_ANON | VM_MAP_PRIVATE, -1, 0);
	if (error != 0)
		die("vm_mmap", error);
	sh0 = vmstat("v_pdshortfalls");
	pw0 = vmstat("v_pgwait");
	*pressed = touch(vs, a, zlen, pressedcpu);
	if (getenv("SWAPIO_DEBUG") != NULL)
		fprintf(stderr, "reclaim: %ju shortfalls, %ju allocation "
		    "sleeps, %ju pages freed by the daemon\n",
		    (uintmax_t)(vmstat("v_pdshortfalls") - sh0),
		    (uintmax_t)(vmstat("v_pgwait") - pw0),
		    (uintmax_t)(vmstat("v_dfree") - df0));
	vm_close(fd);
	vmspace_release(vs);
}

/* ---- the host peers --------------------------------------------------- */

static double
run_dd(void)
{
	char cmd[8192], out[512];
	double t;

	snprintf(cmd, sizeof(cmd), "dd if=/dev/zero of=%s bs=1M count=%zu "
	    "oflag=direct 2>&1", ddpath, region / MB);
	t = shell(cmd, out, sizeof(out));
	return ((double)region / t / 1e6);
}

static double
run_fio(void)
{
	char cmd[8192], out[8192], *p;
	int field;

	snprintf(cmd, sizeof(cmd), "fio --name=r --filename=%s --rw=randread "
	    "--bs=4k --direct=1 --iodepth=1 --ioengine=psync --size=%zuM "
	    "--runtime=%g --time_based --minimal 2>&1", ddpath, region / MB,
	    seconds);
	(void)shell(cmd, out, sizeof(out));
	/* Terse output: the read IOPS are the eighth field. */
	for (p = out, field = 1; *p != '\0' && field < 8; p++)
		if (*p == ';')
			field++;
	if (field != 8) {
		fprintf(stderr, "swapio: fio said: %s\n", out);
		exit(1);
	}
	return (atof(p));
}

/* A file of fsize bytes for the reclaim case. */
static void
make_file(void)
{
	struct stat st;
	size_t off;
	int fd;

	fd = open(filepath, O_RDWR | O_CREAT, 0644);
	if (fd == -1)
		die(filepath, errno);
	if (fstat(fd, &st) == 0 && (size_t)st.st_size == fsize) {
		close(fd);
		return;
	}
	memset(buf, 0x5a, CHUNK);
	for (off = 0; off < fsize; off += CHUNK)
		if (pwrite(fd, buf, CHUNK, (off_t)off) != (ssize_t)CHUNK)
			die("pwrite", errno);
	close(fd);
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

int
main(int argc, char **argv)
{
	double v[F_COUNT][MAXRUNS], med[F_COUNT], rcost, rcpu;
	struct vm_config cfg;
	uint64_t out0, out1, pgo0, pgo1, in0, in1, pgi0, pgi1;
	int c, runs = 5, i, f, error;

	while ((c = getopt(argc, argv, "d:m:r:s:t:")) != -1) {
		switch (c) {
		case 'd':
			snprintf(dir, sizeof(dir), "%s", optarg);
			break;
		case 'm':
			physmem = (size_t)atol(optarg) * MB;
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 's':
			region = (size_t)atol(optarg) * MB;
			break;
		case 't':
			seconds = atof(optarg);
			break;
		default:
			fprintf(stderr, "usage: swapio [-d dir] [-m MiB] "
			    "[-r runs] [-s MiB] [-t seconds]\n");
			return (2);
		}
	}
	if (physmem < 16 * MB)
		physmem = 16 * MB;
	if (region == 0)
		region = 4 * physmem;
	region = region / MB * MB;
	fsize = physmem;
	if (runs < 1 || runs > MAXRUNS)
		runs = 5;
	if (seconds <= 0)
		seconds = 3.0;
	snprintf(swpath, sizeof(swpath), "%s/libvm-bench-swap.%d", dir,
	    (int)getpid());
	snprintf(ddpath, sizeof(ddpath), "%s/libvm-bench-dd.%d", dir,
	    (int)getpid());
	snprintf(filepath, sizeof(filepath), "%s/libvm-bench-file.%d", dir,
	    (int)getpid());
	buf = aligned_alloc(PG, CHUNK);
	make_file();

	vm_config_init(&cfg);
	cfg.physmem = physmem;
	cfg.swapfile = swpath;
	cfg.swapsize = region + physmem;
	if ((error = vm_boot(&cfg)) != 0)
		die("vm_boot", error);
	out0 = vmstat("v_swapout");
	pgo0 = vmstat("v_swappgsout");
	in0 = vmstat("v_swapin");
	pgi0 = vmstat("v_swappgsin");
	for (i = 0; i < runs; i++) {
		run_swap(&v[F_PAGEOUT][i], &v[F_PAGEIN][i]);
		v[F_DD][i] = run_dd();
		v[F_FIO][i] = run_fio();
		run_reclaim(&v[F_ZFOD][i], &v[F_PRESSED][i],
		    &v[F_ZFOD_CPU][i], &v[F_PRESSED_CPU][i]);
		fprintf(stderr, "run %d: pageout %.0f MB/s dd %.0f MB/s, "
		    "pagein %.0f/s fio %.0f/s, zfod %.0f ns reclaiming %.0f "
		    "ns (CPU %.0f, %.0f)\n", i + 1, v[F_PAGEOUT][i],
		    v[F_DD][i], v[F_PAGEIN][i], v[F_FIO][i], v[F_ZFOD][i],
		    v[F_PRESSED][i], v[F_ZFOD_CPU][i], v[F_PRESSED_CPU][i]);
	}
	out1 = vmstat("v_swapout");
	pgo1 = vmstat("v_swappgsout");
	in1 = vmstat("v_swapin");
	pgi1 = vmstat("v_swappgsin");
	vm_shutdown();
	unlink(swpath);
	unlink(ddpath);
	unlink(filepath);

	for (f = 0; f < F_COUNT; f++) {
		qsort(v[f], (size_t)runs, sizeof(double), cmpd);
		med[f] = v[f][runs / 2];
	}
	rcost = med[F_PRESSED] - med[F_ZFOD];
	rcpu = med[F_PRESSED_CPU] - med[F_ZFOD_CPU];
	printf("swap I/O in %s: libvm physmem %zu MiB, region %zu MiB, "
	    "%g s of random reads; median of %d runs\n", dir, physmem / MB,
	    region / MB, seconds, runs);
	printf("  pageout   %8.0f MB/s   dd oflag=direct %8.0f MB/s   "
	    "%.2fx\n", med[F_PAGEOUT], med[F_DD], med[F_PAGEOUT] / med[F_DD]);
	printf("  pagein    %8.0f /s     fio randread    %8.0f /s     "
	    "%.2fx\n", med[F_PAGEIN], med[F_FIO], med[F_PAGEIN] / med[F_FIO]);
	printf("  zero-fill %8.0f ns/page, reclaiming a clean page %8.0f "
	    "ns/page: reclaim %.0f ns/page, %.2fx a zero-fill (wall)\n",
	    med[F_ZFOD], med[F_PRESSED], rcost, rcost / med[F_ZFOD]);
	printf("  zero-fill %8.0f ns/page, reclaiming a clean page %8.0f "
	    "ns/page: reclaim %.0f ns/page, %.2fx a zero-fill (CPU, all "
	    "threads)\n", med[F_ZFOD_CPU], med[F_PRESSED_CPU], rcpu,
	    rcpu / med[F_ZFOD_CPU]);
	printf("  swap pager: %.1f pages per write, %.1f pages per read\n",
	    out1 > out0 ? (double)(pgo1 - pgo0) / (double)(out1 - out0) : 0,
	    in1 > in0 ? (double)(pgi1 - pgi0) / (double)(in1 - in0) : 0);
	printf("goal: pageout >= 0.7x dd: %s (%.2fx)\n",
	    med[F_PAGEOUT] / med[F_DD] >= 0.7 ? "MET" : "NOT MET",
	    med[F_PAGEOUT] / med[F_DD]);
	printf("goal: pagein >= 0.7x fio: %s (%.2fx)\n",
	    med[F_PAGEIN] / med[F_FIO] >= 0.7 ? "MET" : "NOT MET",
	    med[F_PAGEIN] / med[F_FIO]);
	printf("goal: reclaim <= 2x zero-fill (CPU): %s (%.2fx; wall %.2fx)\n",
	    rcpu / med[F_ZFOD_CPU] <= 2.0 ? "MET" : "NOT MET",
	    rcpu / med[F_ZFOD_CPU], rcost / med[F_ZFOD]);
	return (0);
}
