/*
 * files: sequential read of a file through a mapping and through
 * vm_pread (issue 8), against the host kernel reading the same file the
 * same ways, in the same run.
 *
 *   host pread    pread(2) of CHUNK bytes at a time
 *   host mmap     mmap(2) of the file, memcpy of CHUNK bytes at a time
 *                 out of the mapping
 *   libvm mmap    vm_mmap of a libvm descriptor of the file, vm_copyin of
 *                 CHUNK bytes at a time (the page faults read the file
 *                 through the vnode pager), with the default read-ahead
 *                 (the window grows arithmetically on sequential faults,
 *                 seed 000), with MADV_SEQUENTIAL (the largest window at
 *                 once) and with MADV_RANDOM (no read-ahead: one page per
 *                 fault), the last showing what the window is worth
 *   libvm pread   vm_pread of CHUNK bytes at a time
 *
 * Before every run the host's page cache of the file is dropped with
 * posix_fadvise(POSIX_FADV_DONTNEED), so every reader starts from the
 * disk; libvm's page cache is dropped by closing the descriptor and
 * unmapping (libvm keeps no unreferenced vnode).  The file lives in -d
 * DIR (default /var/tmp: a disk, not tmpfs, where dropping the cache
 * would mean nothing) and is -s MiB long (default 512).  -w instead
 * leaves the host's cache warm (the file read once before each run):
 * then the host reads from memory and the double copy of a user-space
 * VM (host cache to libvm page, libvm page to the reader) shows.  -m
 * sets libvm's physical memory in MiB (default: the file's size plus 128
 * MiB); a file several times larger makes the page daemon free the pages
 * behind the reader, the case seed 000 measures its read-ahead in.
 *
 * Runs are interleaved (run 1 of each reader, then run 2 of each, ...)
 * and each figure is the median of -r runs (default 5), in MB/s.  The
 * goal line: libvm mmap (default read-ahead) at least 0.7 of host pread.
 */
#include <libvm.h>

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define	CHUNK		(128u << 10)
#define	MAXRUNS		31

enum reader {
	R_HOST_PREAD,
	R_HOST_MMAP,
	R_VM_MMAP,
	R_VM_MMAP_SEQ,
	R_VM_MMAP_RANDOM,
	R_VM_PREAD,
	R_COUNT
};

static const char *const rname[R_COUNT] = {
	"host pread", "host mmap", "libvm mmap", "libvm mmap SEQUENTIAL",
	"libvm mmap RANDOM", "libvm pread",
};

static char path[4096];
static size_t fsize;
static bool warm;
static char *buf;
static volatile uint64_t sink;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
}

static void
die(const char *what, int error)
{
	fprintf(stderr, "files: %s: %s\n", what, strerror(error));
	exit(1);
}

/* Make the file (once), clean on disk. */
static void
make_file(void)
{
	struct stat st;
	size_t off;
	int fd;

	fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd == -1)
		die(path, errno);
	if (fstat(fd, &st) == 0 && (size_t)st.st_size == fsize) {
		close(fd);
		return;
	}
	for (off = 0; off < fsize; off += CHUNK) {
		for (size_t i = 0; i < CHUNK; i += 8)
			*(uint64_t *)(buf + i) = (off + i) * 0x9e3779b97f4a7c15ull;
		if (pwrite(fd, buf, CHUNK, (off_t)off) != (ssize_t)CHUNK)
			die("pwrite", errno);
	}
	if (ftruncate(fd, (off_t)fsize) != 0 || fsync(fd) != 0)
		die("fsync", errno);
	close(fd);
}

/* The host's cache of the file: dropped, or filled (-w). */
static void
host_cache(void)
{
	int fd;

	fd = open(path, O_RDONLY);
	if (fd == -1)
		die(path, errno);
	if (warm) {
		for (size_t off = 0; off < fsize; off += CHUNK)
			(void)pread(fd, buf, CHUNK, (off_t)off);
	} else
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
}

/* Check a chunk's first word, so no reader skips the data. */
static void
check(size_t off)
{
	uint64_t want = off * 0x9e3779b97f4a7c15ull;

	if (*(uint64_t *)buf != want) {
		fprintf(stderr, "files: bad data at %zu\n", off);
		exit(1);
	}
	sink += *(uint64_t *)buf;
}

static double
run_host(enum reader r)
{
	double t0, t;
	char *p = NULL;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd == -1)
		die(path, errno);
	t0 = now();
	if (r == R_HOST_MMAP) {
		p = mmap(NULL, fsize, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die("mmap", errno);
	}
	for (size_t off = 0; off < fsize; off += CHUNK) {
		if (r == R_HOST_MMAP)
			memcpy(buf, p + off, CHUNK);
		else if (pread(fd, buf, CHUNK, (off_t)off) != (ssize_t)CHUNK)
			die("pread", errno);
		check(off);
	}
	if (p != NULL)
		munmap(p, fsize);
	t = now() - t0;
	close(fd);
	return (t);
}

static double
run_vm(enum reader r)
{
	struct vmspace *vs;
	vm_offset_t a = 0;
	double t0, t;
	size_t done;
	int fd, error;

	if ((error = vmspace_create(&vs)) != 0)
		die("vmspace_create", error);
	t0 = now();
	if ((error = vm_open(path, O_RDONLY, 0, &fd)) != 0)
		die("vm_open", error);
	if (r != R_VM_PREAD) {
		error = vm_mmap(vs, &a, fsize, VM_PROT_READ, VM_MAP_SHARED, fd,
		    0);
		if (error != 0)
			die("vm_mmap", error);
		if (r == R_VM_MMAP_SEQ)
			error = vm_madvise(vs, a, fsize, VM_MADV_SEQUENTIAL);
		else if (r == R_VM_MMAP_RANDOM)
			error = vm_madvise(vs, a, fsize, VM_MADV_RANDOM);
		if (error != 0)
			die("vm_madvise", error);
	}
	for (size_t off = 0; off < fsize; off += CHUNK) {
		if (r == R_VM_PREAD)
			error = vm_pread(fd, buf, CHUNK, (off_t)off, &done);
		else
			error = vm_copyin(vs, a + off, buf, CHUNK);
		if (error != 0)
			die("read", error);
		check(off);
	}
	t = now() - t0;
	/* Dropping the last references frees libvm's cache of the file. */
	vm_close(fd);
	vmspace_release(vs);
	return (t);
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
	double t[R_COUNT][MAXRUNS], med[R_COUNT];
	const char *dir = "/var/tmp";
	struct vm_config cfg;
	uint64_t in0, in1, pg0, pg1;
	size_t len;
	uint64_t physmem = 0;
	int c, runs = 5, i, r, error;

	while ((c = getopt(argc, argv, "d:m:r:s:w")) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'm':
			physmem = (uint64_t)atol(optarg) << 20;
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 's':
			fsize = (size_t)atol(optarg) << 20;
			break;
		case 'w':
			warm = true;
			break;
		default:
			fprintf(stderr, "usage: files [-w] [-d dir] [-m MiB] "
			    "[-r runs] [-s MiB]\n");
			return (2);
		}
	}
	if (fsize == 0)
		fsize = (size_t)512 << 20;
	fsize = fsize / CHUNK * CHUNK;
	if (runs < 1 || runs > MAXRUNS)
		runs = 5;
	snprintf(path, sizeof(path), "%s/libvm-bench-files.%d", dir,
	    (int)getpid());
	buf = aligned_alloc(4096, CHUNK);
	make_file();

	vm_config_init(&cfg);
	cfg.physmem = physmem != 0 ? physmem : fsize + ((uint64_t)128 << 20);
	if ((error = vm_boot(&cfg)) != 0)
		die("vm_boot", error);
	len = sizeof(in0);
	vm_sysctlbyname("vm.stats.vm.v_vnodein", &in0, &len, NULL, 0);
	len = sizeof(pg0);
	vm_sysctlbyname("vm.stats.vm.v_vnodepgsin", &pg0, &len, NULL, 0);

	for (i = 0; i < runs; i++) {
		for (r = 0; r < R_COUNT; r++) {
			host_cache();
			t[r][i] = r <= R_HOST_MMAP ? run_host((enum reader)r) :
			    run_vm((enum reader)r);
		}
	}
	len = sizeof(in1);
	vm_sysctlbyname("vm.stats.vm.v_vnodein", &in1, &len, NULL, 0);
	len = sizeof(pg1);
	vm_sysctlbyname("vm.stats.vm.v_vnodepgsin", &pg1, &len, NULL, 0);
	vm_shutdown();
	unlink(path);

	printf("sequential read of a %zu MiB file in %s, %u KiB at a time, "
	    "host cache %s, libvm physmem %ju MiB; median of %d runs\n",
	    fsize >> 20, dir, CHUNK >> 10, warm ? "warm" : "dropped",
	    (uintmax_t)(cfg.physmem >> 20), runs);
	for (r = 0; r < R_COUNT; r++) {
		qsort(t[r], (size_t)runs, sizeof(double), cmpd);
		med[r] = t[r][runs / 2];
		printf("  %-22s %8.0f MB/s  %.2fx host pread\n", rname[r],
		    (double)fsize / med[r] / 1e6, med[R_HOST_PREAD] / med[r]);
	}
	printf("  vnode pager: %.1f pages per read over all libvm runs\n",
	    in1 > in0 ? (double)(pg1 - pg0) / (double)(in1 - in0) : 0.0);
	printf("  read-ahead window: default takes %.0f%% of RANDOM's time, "
	    "SEQUENTIAL %.0f%%\n", 100.0 * med[R_VM_MMAP] /
	    med[R_VM_MMAP_RANDOM], 100.0 * med[R_VM_MMAP_SEQ] /
	    med[R_VM_MMAP_RANDOM]);
	printf("goal: libvm mmap >= 0.7x host pread: %s (%.2fx)\n",
	    med[R_HOST_PREAD] / med[R_VM_MMAP] >= 0.7 ? "MET" : "NOT MET",
	    med[R_HOST_PREAD] / med[R_VM_MMAP]);
	return (0);
}
