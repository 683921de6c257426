/*
 * The page daemon and the laundry (vm_pageout.c): files several times
 * physical memory read and written through mappings and descriptors, with
 * the daemon freeing clean pages and the laundry writing dirty ones back;
 * the data must survive, the counters must show the work, and anonymous
 * memory that cannot be paged out (no swap yet) must end in an error, not
 * a hang.
 */
#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvm.h>

#define	MB		(1024u * 1024u)
#define	PG		4096u
#define	PHYSMEM		(16u * MB)
#define	FILESZ		(3u * PHYSMEM)	/* three times physical memory */
#define	CHUNK		(64u * 1024u)

static uint64_t
stat64(const char *name)
{
	char full[128];
	uint64_t v = 0;
	size_t len = sizeof(v);

	snprintf(full, sizeof(full), "vm.stats.vm.%s", name);
	ATF_REQUIRE_EQ_MSG(0, vm_sysctlbyname(full, &v, &len, NULL, 0),
	    "sysctl %s", full);
	return (v);
}

static void
boot_small(void)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = PHYSMEM;
	c.ncpu = 2;
	c.seed = 1;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
}

/* The word at byte offset off of the test file, generation gen. */
static inline uint64_t
word(size_t off, uint64_t gen)
{
	return ((off / 8) * 0x9e3779b97f4a7c15ull ^ gen);
}

/* A host file of FILESZ bytes holding word(off, 0) everywhere. */
static void
make_file(const char *path)
{
	uint64_t *b = malloc(MB);
	size_t off, i;
	int h;

	ATF_REQUIRE(b != NULL);
	h = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ATF_REQUIRE(h != -1);
	for (off = 0; off < FILESZ; off += MB) {
		for (i = 0; i < MB / 8; i++)
			b[i] = word(off + i * 8, 0);
		ATF_REQUIRE_EQ((ssize_t)MB, pwrite(h, b, MB, (off_t)off));
	}
	close(h);
	free(b);
}

/* Read the whole mapping at a and check every word. */
static void
check_mapping(struct vmspace *vs, vm_offset_t a, uint64_t gen)
{
	uint64_t *b = malloc(CHUNK);
	size_t off, i;

	ATF_REQUIRE(b != NULL);
	for (off = 0; off < FILESZ; off += CHUNK) {
		ATF_REQUIRE_EQ_MSG(0, vm_copyin(vs, a + off, b, CHUNK),
		    "copyin at %zu", off);
		for (i = 0; i < CHUNK / 8; i++)
			if (b[i] != word(off + i * 8, gen))
				atf_tc_fail("offset %zu: %#jx, want %#jx",
				    off + i * 8, (uintmax_t)b[i],
				    (uintmax_t)word(off + i * 8, gen));
	}
	free(b);
}

/*
 * A file three times physical memory read twice through a shared
 * mapping: the daemon must free the clean pages behind the reader.
 */
ATF_TC_WITHOUT_HEAD(read_mapping_larger_than_physmem);
ATF_TC_BODY(read_mapping_larger_than_physmem, tc)
{
	struct vmspace *vs;
	vm_offset_t a = 0;
	uint64_t wake0, free0;
	int fd;

	make_file("big");
	boot_small();
	ATF_REQUIRE_EQ(0, vmspace_create(&vs));
	ATF_REQUIRE_EQ(0, vm_open("big", O_RDONLY, 0, &fd));
	ATF_REQUIRE_EQ(0, vm_mmap(vs, &a, FILESZ, VM_PROT_READ,
	    VM_MAP_SHARED, fd, 0));
	wake0 = stat64("v_pdwakeups");
	free0 = stat64("v_dfree");
	check_mapping(vs, a, 0);
	check_mapping(vs, a, 0);
	ATF_CHECK(stat64("v_pdwakeups") > wake0);
	ATF_CHECK_MSG(stat64("v_dfree") - free0 >= FILESZ / PG,
	    "the daemon freed %ju pages", (uintmax_t)(stat64("v_dfree") -
	    free0));
	ATF_REQUIRE_EQ(0, vm_close(fd));
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Every page of a file three times physical memory dirtied through a
 * private and a shared mapping: the shared stores reach the file through
 * the laundry (v_vnodeout), the descriptor reads them, and the host file
 * has them after the last close.
 */
ATF_TC_WITHOUT_HEAD(dirty_mapping_laundered);
ATF_TC_BODY(dirty_mapping_laundered, tc)
{
	struct vmspace *vs;
	vm_offset_t a = 0;
	uint64_t v, out0;
	size_t off, n;
	int fd, h;

	make_file("big");
	boot_small();
	ATF_REQUIRE_EQ(0, vmspace_create(&vs));
	ATF_REQUIRE_EQ(0, vm_open("big", O_RDWR, 0, &fd));
	ATF_REQUIRE_EQ(0, vm_mmap(vs, &a, FILESZ, VM_PROT_READ |
	    VM_PROT_WRITE, VM_MAP_SHARED, fd, 0));
	out0 = stat64("v_vnodeout");
	for (off = 0; off < FILESZ; off += PG) {
		v = word(off, 7);
		ATF_REQUIRE_EQ_MSG(0, vm_copyout(vs, &v, a + off, 8),
		    "copyout at %zu", off);
	}
	ATF_CHECK_MSG(stat64("v_vnodeout") > out0,
	    "the laundry wrote nothing back");
	for (off = 0; off < FILESZ; off += PG) {
		ATF_REQUIRE_EQ(0, vm_pread(fd, &v, 8, (off_t)off, &n));
		ATF_REQUIRE_EQ(8, n);
		ATF_REQUIRE_EQ_MSG(word(off, 7), v, "pread at %zu", off);
		ATF_REQUIRE_EQ(0, vm_pread(fd, &v, 8, (off_t)off + 8, &n));
		ATF_REQUIRE_EQ_MSG(word(off + 8, 0), v, "pread at %zu",
		    off + 8);
	}
	ATF_REQUIRE_EQ(0, vm_close(fd));
	vmspace_release(vs);
	vm_shutdown();
	h = open("big", O_RDONLY);
	ATF_REQUIRE(h != -1);
	for (off = 0; off < FILESZ; off += PG) {
		ATF_REQUIRE_EQ(8, pread(h, &v, 8, (off_t)off));
		ATF_REQUIRE_EQ_MSG(word(off, 7), v, "host file at %zu", off);
	}
	close(h);
}

/* vm_pread and vm_pwrite of a file three times physical memory. */
ATF_TC_WITHOUT_HEAD(pread_pwrite_larger_than_physmem);
ATF_TC_BODY(pread_pwrite_larger_than_physmem, tc)
{
	uint64_t *b = malloc(CHUNK);
	size_t off, i, n;
	int fd;

	ATF_REQUIRE(b != NULL);
	make_file("big");
	boot_small();
	ATF_REQUIRE_EQ(0, vm_open("big", O_RDWR, 0, &fd));
	for (off = 0; off < FILESZ; off += CHUNK) {
		ATF_REQUIRE_EQ(0, vm_pread(fd, b, CHUNK, (off_t)off, &n));
		ATF_REQUIRE_EQ(CHUNK, n);
		for (i = 0; i < CHUNK / 8; i++) {
			ATF_REQUIRE_EQ(word(off + i * 8, 0), b[i]);
			b[i] = word(off + i * 8, 3);
		}
		ATF_REQUIRE_EQ(0, vm_pwrite(fd, b, CHUNK, (off_t)off, &n));
		ATF_REQUIRE_EQ(CHUNK, n);
	}
	for (off = 0; off < FILESZ; off += CHUNK) {
		ATF_REQUIRE_EQ(0, vm_pread(fd, b, CHUNK, (off_t)off, &n));
		for (i = 0; i < CHUNK / 8; i++)
			ATF_REQUIRE_EQ_MSG(word(off + i * 8, 3), b[i],
			    "offset %zu", off + i * 8);
	}
	ATF_REQUIRE_EQ(0, vm_close(fd));
	vm_shutdown();
	free(b);
}

/* Two threads reading the big mapping while a third reads the file. */
struct reader {
	struct vmspace	*vs;
	vm_offset_t	a;
	int		fd;
	int		id;
	int		error;
};

static void *
reader(void *arg)
{
	struct reader *r = arg;
	uint64_t *b = malloc(CHUNK);
	size_t off, i, n, start;

	start = (size_t)r->id * (FILESZ / 3) / CHUNK * CHUNK;
	for (size_t k = 0; k < FILESZ && r->error == 0; k += CHUNK) {
		off = (start + k) % FILESZ;
		if (r->vs != NULL)
			r->error = vm_copyin(r->vs, r->a + off, b, CHUNK);
		else
			r->error = vm_pread(r->fd, b, CHUNK, (off_t)off, &n);
		for (i = 0; r->error == 0 && i < CHUNK / 8; i++)
			if (b[i] != word(off + i * 8, 0))
				r->error = -1;
	}
	free(b);
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(mt_readers_larger_than_physmem);
ATF_TC_BODY(mt_readers_larger_than_physmem, tc)
{
	struct reader r[3];
	pthread_t t[3];
	struct vmspace *vs;
	vm_offset_t a = 0;
	int fd, i;

	make_file("big");
	boot_small();
	ATF_REQUIRE_EQ(0, vmspace_create(&vs));
	ATF_REQUIRE_EQ(0, vm_open("big", O_RDONLY, 0, &fd));
	ATF_REQUIRE_EQ(0, vm_mmap(vs, &a, FILESZ, VM_PROT_READ,
	    VM_MAP_SHARED, fd, 0));
	for (i = 0; i < 3; i++) {
		r[i] = (struct reader){ .vs = i < 2 ? vs : NULL, .a = a,
		    .fd = fd, .id = i };
		ATF_REQUIRE_EQ(0, pthread_create(&t[i], NULL, reader, &r[i]));
	}
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		ATF_CHECK_EQ_MSG(0, r[i].error, "reader %d: %d", i,
		    r[i].error);
	}
	ATF_REQUIRE_EQ(0, vm_close(fd));
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Anonymous memory beyond physical memory with no swap: the daemon can
 * free nothing (the pages go unswappable), so the OOM killer takes the
 * largest address space: its faulting access ends with SIGKILL, later
 * ones too (vm_copyin EFAULT), and a smaller address space keeps its
 * data.  No hang.
 */
ATF_TC_WITHOUT_HEAD(oom_kills_largest);
ATF_TC_BODY(oom_kills_largest, tc)
{
	struct vmspace *vs, *small;
	vm_offset_t a = 0, b = 0, off;
	uint64_t v;
	int signo = 0, code = 0, error = 0;

	boot_small();
	ATF_REQUIRE_EQ(0, vmspace_create(&small));
	ATF_REQUIRE_EQ(0, vm_mmap(small, &b, MB, VM_PROT_READ |
	    VM_PROT_WRITE, VM_MAP_ANON | VM_MAP_PRIVATE, -1, 0));
	for (off = 0; off < MB; off += PG) {
		v = word(off, 2);
		ATF_REQUIRE_EQ(0, vm_copyout(small, &v, b + off, 8));
	}
	ATF_REQUIRE_EQ(0, vmspace_create(&vs));
	ATF_REQUIRE_EQ(0, vm_mmap(vs, &a, 2 * PHYSMEM, VM_PROT_READ |
	    VM_PROT_WRITE, VM_MAP_ANON | VM_MAP_PRIVATE, -1, 0));
	for (off = 0; off < 2 * PHYSMEM; off += PG) {
		error = vm_fault_trap(vs, a + off, VM_PROT_WRITE, &signo,
		    &code);
		if (error != 0)
			break;
	}
	ATF_REQUIRE_EQ_MSG(EFAULT, error, "2x physmem of anonymous memory "
	    "without swap was all faulted in");
	ATF_CHECK_EQ_MSG(SIGKILL, signo, "signal %d code %d", signo, code);
	ATF_CHECK_EQ(EFAULT, vm_copyin(vs, a, &v, 8));
	ATF_CHECK_EQ(0, vm_fault_trap(small, b, VM_PROT_READ, &signo, &code));
	for (off = 0; off < MB; off += PG) {
		ATF_REQUIRE_EQ(0, vm_copyin(small, b + off, &v, 8));
		ATF_REQUIRE_EQ_MSG(word(off, 2), v, "offset %ju",
		    (uintmax_t)off);
	}
	/* The killed space's memory comes back (the daemon unmaps it). */
	for (int i = 0; i < 200 && stat64("v_free_count") <= PHYSMEM / PG / 2;
	    i++)
		usleep(10000);
	ATF_CHECK_MSG(stat64("v_free_count") > PHYSMEM / PG / 2,
	    "%ju pages free after the kill", (uintmax_t)stat64("v_free_count"));
	vmspace_release(vs);
	vmspace_release(small);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, read_mapping_larger_than_physmem);
	ATF_TP_ADD_TC(tp, dirty_mapping_laundered);
	ATF_TP_ADD_TC(tp, pread_pwrite_larger_than_physmem);
	ATF_TP_ADD_TC(tp, mt_readers_larger_than_physmem);
	ATF_TP_ADD_TC(tp, oom_kills_largest);
	return (atf_no_error());
}
