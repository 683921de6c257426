/*
 * Acceptance tests of libvm's files: vm_open(3), vm_close, vm_pread,
 * vm_pwrite, vm_ftruncate, vm_fsync and vm_mmap(3) of a libvm
 * descriptor, written from FreeBSD's open(2), mmap(2), vn_mmap() and
 * vnode_pager_setsize() and re-expressing the file cases of FreeBSD's
 * tests/sys/vm (mmap_test.c, page_fault_signal.c bus_objerr), NetBSD's
 * t_mmap.c (mmap_prot_1/3, mmap_truncate, mmap_err) and LTP's mmap13
 * (SIGBUS past the end of a file) against the public API only.
 *
 * What is checked: one page cache for descriptors and mappings (shared
 * mappings see vm_pwrite at once, vm_pread sees their stores, two
 * address spaces and a fork share the pages); private mappings see the
 * file until they copy a page and never write it back; mmap's
 * permission and offset rules; truncation (SIGBUS/BUS_OBJERR past the
 * end, zeros past the end in the last page and after growth, bytes
 * stored past the end never reach the file); write-back on vm_fsync,
 * the last close and vm_shutdown, read back through the host; vm_open's
 * errors (EACCES checked as an unprivileged user in a child process);
 * text references (ETXTBSY), also through a fork and vm_mremap
 * duplicates; the vnode counters, read-ahead and vm_procstat's vnode
 * entries; and threads paging in at once and racing truncation against
 * faults, stores, msync and vm_pread (run under ThreadSanitizer too).
 *
 * Every case boots its own libvm (64 MiB) and shuts it down at the end;
 * files live in the case's ATF work directory.
 */
#include <sys/wait.h>

#include <grp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

#include "file_test_util.h"

#define	F	"data"

/* ---- one page cache ------------------------------------------------------ */

/*
 * A shared mapping sees vm_pwrite at once, including a write that grows
 * the file into a page of the mapping that was past the end.
 */
ATF_TC_WITHOUT_HEAD(vnode__shared_sees_pwrite);
ATF_TC_BODY(vnode__shared_sees_pwrite, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd;

	MKFILE(F, 3 * PG, 1);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	a = FMAP(vs, 4 * PG, RW, VM_MAP_SHARED, fd, 0);
	EXPECT_PAT(vs, a, 0, 3 * PG, 1);

	VWRITE_FILL(fd, PG + 50, 100, 0xab);
	EXPECT_PAT(vs, a, 0, PG + 50, 1);
	EXPECT_FILL(vs, a + PG + 50, 100, 0xab);
	EXPECT_PAT(vs, a + PG + 150, PG + 150, 2 * PG - 150, 1);

	/* Page 3 is past the end, until a write reaches it. */
	OBJERR(vs, a + 3 * PG, VM_PROT_READ);
	VWRITE_FILL(fd, 3 * PG + 8, 16, 0xcd);
	EXPECT_FILL(vs, a + 3 * PG, 8, 0);
	EXPECT_FILL(vs, a + 3 * PG + 8, 16, 0xcd);
	EXPECT_FILL(vs, a + 3 * PG + 24, PG - 24, 0);

	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * vm_pread sees stores through a shared mapping at once, through the
 * descriptor that was mapped and through another one.
 */
ATF_TC_WITHOUT_HEAD(vnode__pread_sees_store);
ATF_TC_BODY(vnode__pread_sees_store, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd, fd2;

	MKFILE(F, 3 * PG, 2);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	fd2 = VOPEN(F, O_RDONLY);
	a = FMAP(vs, 3 * PG, RW, VM_MAP_SHARED, fd, 0);
	FILL(vs, a + 2 * PG, PG, 0x5c);
	POKE(vs, a + 7, 0x01);
	VREAD_EXPECT_FILL(fd, 2 * PG, PG, 0x5c);
	VREAD_EXPECT_FILL(fd2, 2 * PG, PG, 0x5c);
	VREAD_EXPECT_FILL(fd2, 7, 1, 0x01);
	VREAD_EXPECT_PAT(fd2, 8, 2 * PG - 8, 2);
	VCLOSE(fd);
	VCLOSE(fd2);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Two descriptors of one host file, one through a second name (a hard
 * link), share one page cache: a write through one is seen through the
 * other and through the other's mappings.
 */
ATF_TC_WITHOUT_HEAD(vnode__two_names_one_cache);
ATF_TC_BODY(vnode__two_names_one_cache, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd1, fd2;

	MKFILE(F, 2 * PG, 3);
	ATF_REQUIRE(link(F, "alias") == 0);
	boot();
	vs = vs_new();
	fd1 = VOPEN(F, O_RDWR);
	fd2 = VOPEN("alias", O_RDWR);
	a = FMAP(vs, 2 * PG, VM_PROT_READ, VM_MAP_SHARED, fd2, 0);
	EXPECT_PAT(vs, a, 0, 2 * PG, 3);
	VWRITE_FILL(fd1, PG - 10, 20, 0x3e);
	EXPECT_FILL(vs, a + PG - 10, 20, 0x3e);
	VREAD_EXPECT_FILL(fd2, PG - 10, 20, 0x3e);
	VWRITE_FILL(fd2, 0, 5, 0x4f);
	VREAD_EXPECT_FILL(fd1, 0, 5, 0x4f);
	VCLOSE(fd1);
	VCLOSE(fd2);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Two address spaces map one file shared (at different file offsets):
 * each sees the other's stores, and the survivor keeps working after the
 * other is released.
 */
ATF_TC_WITHOUT_HEAD(vnode__two_vmspaces_share);
ATF_TC_BODY(vnode__two_vmspaces_share, tc)
{
	struct vmspace *vs1, *vs2;
	vm_offset_t a1, a2;
	int fd;

	MKFILE(F, 4 * PG, 4);
	boot();
	vs1 = vs_new();
	vs2 = vs_new();
	fd = VOPEN(F, O_RDWR);
	a1 = FMAP(vs1, 4 * PG, RW, VM_MAP_SHARED, fd, 0);
	a2 = FMAP(vs2, 2 * PG, RW, VM_MAP_SHARED, fd, 2 * PG);
	EXPECT_PAT(vs1, a1, 0, 4 * PG, 4);
	EXPECT_PAT(vs2, a2, 2 * PG, 2 * PG, 4);

	FILL(vs1, a1 + 2 * PG + 100, 50, 0x61);
	EXPECT_FILL(vs2, a2 + 100, 50, 0x61);
	FILL(vs2, a2 + PG, PG, 0x62);
	EXPECT_FILL(vs1, a1 + 3 * PG, PG, 0x62);
	EXPECT_PAT(vs1, a1, 0, 2 * PG, 4);

	vmspace_release(vs1);
	FILL(vs2, a2, 10, 0x63);
	VREAD_EXPECT_FILL(fd, 2 * PG, 10, 0x63);
	VREAD_EXPECT_FILL(fd, 3 * PG, PG, 0x62);
	ATF_REQUIRE_EQ(0, vm_fsync(fd));
	HOST_EXPECT_FILL(F, 2 * PG, 10, 0x63);
	HOST_EXPECT_FILL(F, 2 * PG + 100, 50, 0x61);
	HOST_EXPECT_FILL(F, 3 * PG, PG, 0x62);
	HOST_EXPECT_PAT(F, 0, 2 * PG, 4);
	VCLOSE(fd);
	vmspace_release(vs2);
	vm_shutdown();
}

/*
 * A shared file mapping is inherited shared by vmspace_fork: parent,
 * child and descriptor see one set of pages (a private one next to it is
 * copied).
 */
ATF_TC_WITHOUT_HEAD(vnode__fork_shared);
ATF_TC_BODY(vnode__fork_shared, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a, p;
	size_t n;
	int fd, i;

	MKFILE(F, 2 * PG, 5);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	a = FMAP(vs, 2 * PG, RW, VM_MAP_SHARED, fd, 0);
	p = FMAP(vs, 2 * PG, RW, VM_MAP_PRIVATE, fd, 0);
	n = PSTAT(vs);
	i = kve_find(n, a);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(VM_INHERIT_SHARE, kve[i].kve_inheritance);
	FILL(vs, a, 16, 0x10);
	FILL(vs, p + PG, 16, 0x20);

	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	EXPECT_FILL(child, a, 16, 0x10);
	EXPECT_FILL(child, p + PG, 16, 0x20);
	FILL(child, a + PG, 32, 0x11);
	EXPECT_FILL(vs, a + PG, 32, 0x11);
	VREAD_EXPECT_FILL(fd, PG, 32, 0x11);
	FILL(vs, a + 100, 8, 0x12);
	EXPECT_FILL(child, a + 100, 8, 0x12);
	VWRITE_FILL(fd, 200, 8, 0x13);
	EXPECT_FILL(child, a + 200, 8, 0x13);
	EXPECT_FILL(vs, a + 200, 8, 0x13);

	/* The private copy stays private to each. */
	FILL(child, p + PG, 16, 0x21);
	EXPECT_FILL(vs, p + PG, 16, 0x20);
	VREAD_EXPECT_PAT(fd, PG + 32, 32, 5);

	vmspace_release(vs);
	FILL(child, a + 300, 4, 0x14);
	VREAD_EXPECT_FILL(fd, 300, 4, 0x14);
	vmspace_release(child);
	VCLOSE(fd);
	HOST_EXPECT_FILL(F, 300, 4, 0x14);
	HOST_EXPECT_FILL(F, PG, 32, 0x11);
	vm_shutdown();
}

/*
 * A private mapping reads the file's pages until it writes one: writes
 * through the descriptor show in pages it has only read (or never
 * touched), and after its own store the copied page keeps what it had.
 */
ATF_TC_WITHOUT_HEAD(vnode__private_sees_uncopied);
ATF_TC_BODY(vnode__private_sees_uncopied, tc)
{
	struct vmspace *vs;
	vm_offset_t p;
	int fd;

	MKFILE(F, 3 * PG, 6);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	p = FMAP(vs, 3 * PG, RW, VM_MAP_PRIVATE, fd, 0);
	EXPECT_PAT(vs, p, 0, 2 * PG, 6);	/* pages 0 and 1 read */

	VWRITE_FILL(fd, 0, 3 * PG, 0x11);
	EXPECT_FILL(vs, p, 3 * PG, 0x11);

	POKE(vs, p + 5, 0x22);			/* page 0 copied */
	VWRITE_FILL(fd, 0, 3 * PG, 0x33);
	EXPECT_FILL(vs, p, 5, 0x11);
	ATF_CHECK_EQ(0x22, PEEK(vs, p + 5));
	EXPECT_FILL(vs, p + 6, PG - 6, 0x11);
	EXPECT_FILL(vs, p + PG, 2 * PG, 0x33);
	VREAD_EXPECT_FILL(fd, 0, 3 * PG, 0x33);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Stores through a private mapping never reach the file: not through
 * vm_pread, not through a shared mapping, not after vm_fsync, unmapping,
 * the last close or vm_shutdown.
 */
ATF_TC_WITHOUT_HEAD(vnode__private_store_not_in_file);
ATF_TC_BODY(vnode__private_store_not_in_file, tc)
{
	struct vmspace *vs;
	vm_offset_t p, s;
	int fd;

	MKFILE(F, 2 * PG + 123, 7);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	p = FMAP(vs, 3 * PG, RW, VM_MAP_PRIVATE, fd, 0);
	s = FMAP(vs, 3 * PG, VM_PROT_READ, VM_MAP_SHARED, fd, 0);
	FILL(vs, p, 3 * PG, 0x77);
	EXPECT_FILL(vs, p, 3 * PG, 0x77);
	EXPECT_PAT(vs, s, 0, 2 * PG + 123, 7);
	EXPECT_FILL(vs, s + 2 * PG + 123, PG - 123, 0);
	VREAD_EXPECT_PAT(fd, 0, 2 * PG + 123, 7);
	ATF_CHECK_EQ(2 * PG + 123, VREAD_COUNT(fd, 0, 4 * PG));
	ATF_REQUIRE_EQ(0, vm_fsync(fd));
	HOST_EXPECT_PAT(F, 0, 2 * PG + 123, 7);
	ATF_CHECK_EQ((off_t)(2 * PG + 123), HOST_SIZE(F));
	VUNMAP(vs, p, 3 * PG);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
	HOST_EXPECT_PAT(F, 0, 2 * PG + 123, 7);
	ATF_CHECK_EQ((off_t)(2 * PG + 123), HOST_SIZE(F));
}

/*
 * A shared mapping outlives its descriptor: it reads and stores after
 * vm_close, and its stores reach the file when it goes.
 */
ATF_TC_WITHOUT_HEAD(vnode__mapping_outlives_close);
ATF_TC_BODY(vnode__mapping_outlives_close, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd;

	MKFILE(F, 2 * PG, 8);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	a = FMAP(vs, 2 * PG, RW, VM_MAP_SHARED, fd, 0);
	VCLOSE(fd);
	EXPECT_PAT(vs, a, 0, 2 * PG, 8);
	FILL(vs, a + PG, PG, 0x88);
	VUNMAP(vs, a, 2 * PG);
	/* The last reference went: the pages are in the host file. */
	HOST_EXPECT_FILL(F, PG, PG, 0x88);
	HOST_EXPECT_PAT(F, 0, PG, 8);
	fd = VOPEN(F, O_RDONLY);
	VREAD_EXPECT_FILL(fd, PG, PG, 0x88);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- mmap argument rules ------------------------------------------------- */

/*
 * A descriptor open read-only: MAP_SHARED with PROT_WRITE is EACCES,
 * read-only shared and private read-write mappings work (the private
 * one's stores stay private); a write to the read-only shared mapping
 * is SEGV_ACCERR (FreeBSD mmap(2), vn_mmap).
 */
ATF_TC_WITHOUT_HEAD(vnode__rdonly_shared_write_eacces);
ATF_TC_BODY(vnode__rdonly_shared_write_eacces, tc)
{
	struct vmspace *vs;
	vm_offset_t s, p;
	int fd;

	MKFILE(F, PG, 9);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDONLY);
	MMAP_FAILS(vs, 0, PG, RW, VM_MAP_SHARED, fd, 0, EACCES);
	MMAP_FAILS(vs, 0, PG, VM_PROT_WRITE, VM_MAP_SHARED, fd, 0, EACCES);
	MMAP_FAILS(vs, 0x10000000000, PG, RW, VM_MAP_SHARED | VM_MAP_FIXED,
	    fd, 0, EACCES);
	ATF_CHECK_EQ(0, PSTAT(vs));

	s = FMAP(vs, PG, VM_PROT_READ, VM_MAP_SHARED, fd, 0);
	EXPECT_PAT(vs, s, 0, PG, 9);
	ACCERR(vs, s, VM_PROT_WRITE);
	p = FMAP(vs, PG, RW, VM_MAP_PRIVATE, fd, 0);
	FILL(vs, p, 64, 0x99);
	EXPECT_FILL(vs, p, 64, 0x99);
	EXPECT_PAT(vs, s, 0, PG, 9);
	VREAD_EXPECT_PAT(fd, 0, PG, 9);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * vm_mprotect cannot give write access to a shared mapping of a
 * read-only descriptor (its maximum protection has no write): EACCES;
 * a private one, or a shared one of a read-write descriptor, can.
 */
ATF_TC_WITHOUT_HEAD(vnode__rdonly_shared_mprotect_eacces);
ATF_TC_BODY(vnode__rdonly_shared_mprotect_eacces, tc)
{
	struct vmspace *vs;
	vm_offset_t s, p, w;
	size_t n;
	int fd, fdw, i;

	MKFILE(F, 2 * PG, 10);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDONLY);
	s = FMAP(vs, 2 * PG, VM_PROT_READ, VM_MAP_SHARED, fd, 0);
	ATF_CHECK_EQ(EACCES, vm_mprotect(vs, s, 2 * PG, RW));
	ATF_CHECK_EQ(EACCES, vm_mprotect(vs, s + PG, PG, VM_PROT_WRITE));
	n = PSTAT(vs);
	i = kve_find(n, s);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(0, kve[i].kve_max_protection & VM_PROT_WRITE);
	ATF_CHECK_EQ(VM_PROT_READ, kve[i].kve_protection);
	ACCERR(vs, s + PG, VM_PROT_WRITE);

	p = FMAP(vs, 2 * PG, VM_PROT_READ, VM_MAP_PRIVATE, fd, 0);
	ATF_CHECK_EQ(0, vm_mprotect(vs, p, 2 * PG, RW));
	POKE(vs, p, 0x42);

	fdw = VOPEN(F, O_RDWR);
	w = FMAP(vs, 2 * PG, VM_PROT_READ, VM_MAP_SHARED, fdw, 0);
	ACCERR(vs, w, VM_PROT_WRITE);
	ATF_CHECK_EQ(0, vm_mprotect(vs, w, 2 * PG, RW));
	POKE(vs, w + PG, 0x43);
	VREAD_EXPECT_FILL(fd, PG, 1, 0x43);
	ATF_CHECK_EQ(0x43, PEEK(vs, s + PG));
	VREAD_EXPECT_PAT(fd, 0, 1, 10);
	VCLOSE(fd);
	VCLOSE(fdw);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A descriptor open write-only cannot be mapped readable (EACCES, shared
 * or private: NetBSD's mmap_prot_1); PROT_WRITE alone works, and a
 * shared write-only mapping's stores reach the file.
 */
ATF_TC_WITHOUT_HEAD(vnode__wronly_read_eacces);
ATF_TC_BODY(vnode__wronly_read_eacces, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd, fdr;

	MKFILE(F, PG, 11);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_WRONLY);
	MMAP_FAILS(vs, 0, 3, VM_PROT_READ, VM_MAP_PRIVATE, fd, 0, EACCES);
	MMAP_FAILS(vs, 0, PG, VM_PROT_READ, VM_MAP_SHARED, fd, 0, EACCES);
	MMAP_FAILS(vs, 0, PG, RW, VM_MAP_SHARED, fd, 0, EACCES);
	MMAP_FAILS(vs, 0, PG, RW, VM_MAP_PRIVATE, fd, 0, EACCES);
	ATF_CHECK_EQ(0, PSTAT(vs));

	a = FMAP(vs, 3, VM_PROT_WRITE, VM_MAP_PRIVATE, fd, 0);
	VUNMAP(vs, a, PG);
	a = FMAP(vs, PG, VM_PROT_WRITE, VM_MAP_SHARED, fd, 0);
	ACCESS_OK(vs, a + 10, VM_PROT_WRITE);
	POKE(vs, a + 10, 0x5a);
	fdr = VOPEN(F, O_RDONLY);
	VREAD_EXPECT_FILL(fdr, 10, 1, 0x5a);
	VREAD_EXPECT_PAT(fdr, 0, 10, 11);
	VCLOSE(fd);
	VCLOSE(fdr);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * An offset that is not page aligned: a non-fixed mapping succeeds and
 * returns an address with the same offset in its page, mapping the page
 * that holds pos (FreeBSD's kern_mmap); the entry starts at the page.
 */
ATF_TC_WITHOUT_HEAD(vnode__unaligned_offset);
ATF_TC_BODY(vnode__unaligned_offset, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b;
	size_t n;
	int fd, i;

	MKFILE(F, 4 * PG, 12);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	a = FMAP(vs, 100, VM_PROT_READ, VM_MAP_SHARED, fd, PG + 123);
	ATF_CHECK_EQ(123, a % PG);
	EXPECT_PAT(vs, a, PG + 123, 100, 12);
	EXPECT_PAT(vs, a - 123, PG, 123, 12);	/* the whole page is mapped */
	n = PSTAT(vs);
	i = kve_find(n, a);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(a - 123, kve[i].kve_start);
	ATF_CHECK_EQ(a - 123 + PG, kve[i].kve_end);
	ATF_CHECK_EQ(PG, kve[i].kve_offset);

	/* Two bytes across a page boundary map two pages. */
	b = FMAP(vs, 2, RW, VM_MAP_PRIVATE, fd, 3 * PG - 1);
	ATF_CHECK_EQ(PG - 1, b % PG);
	EXPECT_PAT(vs, b, 3 * PG - 1, 2, 12);
	n = PSTAT(vs);
	i = kve_find(n, b);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(b - (PG - 1) + 2 * PG, kve[i].kve_end);

	/* Unmapping by the returned address and length works. */
	VUNMAP(vs, a, 100);
	MAPERR(vs, a, VM_PROT_READ);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * With VM_MAP_FIXED the address and the offset must agree modulo the
 * page size (EINVAL otherwise); when they do, the mapping is at the
 * address.
 */
ATF_TC_WITHOUT_HEAD(vnode__fixed_offset_mismatch);
ATF_TC_BODY(vnode__fixed_offset_mismatch, tc)
{
	const vm_offset_t base = 0x10000000000;
	struct vmspace *vs;
	vm_offset_t a;
	int fd;

	MKFILE(F, 2 * PG, 13);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	MMAP_FAILS(vs, base, PG, VM_PROT_READ, VM_MAP_SHARED | VM_MAP_FIXED,
	    fd, 0x123, EINVAL);
	MMAP_FAILS(vs, base + 0x10, PG, VM_PROT_READ,
	    VM_MAP_PRIVATE | VM_MAP_FIXED, fd, 0x20, EINVAL);
	MMAP_FAILS(vs, base + 0x123, PG, VM_PROT_READ,
	    VM_MAP_SHARED | VM_MAP_FIXED, fd, 0, EINVAL);
	ATF_CHECK_EQ(0, PSTAT(vs));

	a = FMAP_AT(vs, base + 0x123, 16, VM_PROT_READ,
	    VM_MAP_SHARED | VM_MAP_FIXED, fd, PG + 0x123);
	ATF_CHECK_EQ(base + 0x123, a);
	EXPECT_PAT(vs, a, PG + 0x123, 16, 13);
	a = FMAP_AT(vs, base + 4 * PG, PG, VM_PROT_READ,
	    VM_MAP_SHARED | VM_MAP_FIXED, fd, PG);
	ATF_CHECK_EQ(base + 4 * PG, a);
	EXPECT_PAT(vs, a, PG, PG, 13);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Mapping past the end of the file is allowed; the part of the last
 * page past the end reads zero and the pages wholly past it raise
 * SIGBUS with BUS_OBJERR, shared or private (LTP mmap13, FreeBSD's
 * page_fault_signal__bus_objerr_2).
 */
ATF_TC_WITHOUT_HEAD(vnode__map_past_eof);
ATF_TC_BODY(vnode__map_past_eof, tc)
{
	struct vmspace *vs;
	vm_offset_t s, p, q;
	int fd;

	MKFILE(F, PG / 2, 14);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	s = FMAP(vs, 3 * PG, RW, VM_MAP_SHARED, fd, 0);
	p = FMAP(vs, 3 * PG, RW, VM_MAP_PRIVATE, fd, 0);
	q = FMAP(vs, 2 * PG, VM_PROT_READ, VM_MAP_SHARED, fd, 8 * PG);

	EXPECT_PAT(vs, s, 0, PG / 2, 14);
	EXPECT_FILL(vs, s + PG / 2, PG / 2, 0);
	EXPECT_PAT(vs, p, 0, PG / 2, 14);
	EXPECT_FILL(vs, p + PG / 2, PG / 2, 0);
	PAST_EOF(vs, s + PG);
	PAST_EOF(vs, s + 3 * PG - 1);
	PAST_EOF(vs, p + PG);
	PAST_EOF(vs, p + 2 * PG + 17);
	OBJERR(vs, q, VM_PROT_READ);
	OBJERR(vs, q + PG, VM_PROT_READ);
	/* vm_copyin of a range that runs into the hole fails too. */
	{
		uint8_t buf[2 * VM_PAGE_SIZE];

		ATF_CHECK_EQ(EFAULT, vm_copyin(vs, s, buf, sizeof(buf)));
	}
	/* None of this changed the file. */
	ATF_CHECK_EQ((size_t)PG / 2, VREAD_COUNT(fd, 0, 4 * PG));
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
	ATF_CHECK_EQ((off_t)PG / 2, HOST_SIZE(F));
}

/* Descriptors that are not open: EBADF from every call. */
ATF_TC_WITHOUT_HEAD(vnode__ebadf);
ATF_TC_BODY(vnode__ebadf, tc)
{
	struct vmspace *vs;
	uint8_t b = 0;
	size_t done;
	int fd;

	MKFILE(F, PG, 15);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	VCLOSE(fd);
	MMAP_FAILS(vs, 0, PG, VM_PROT_READ, VM_MAP_SHARED, fd, 0, EBADF);
	MMAP_FAILS(vs, 0, PG, VM_PROT_READ, VM_MAP_PRIVATE, 999, 0, EBADF);
	MMAP_FAILS(vs, 0, PG, VM_PROT_READ, VM_MAP_SHARED, -1, 0, EBADF);
	MMAP_FAILS(vs, 0, PG, VM_PROT_READ, VM_MAP_SHARED, -5, 0, EBADF);
	ATF_CHECK_EQ(EBADF, vm_close(fd));
	ATF_CHECK_EQ(EBADF, vm_close(-1));
	ATF_CHECK_EQ(EBADF, vm_pread(fd, &b, 1, 0, &done));
	ATF_CHECK_EQ(EBADF, vm_pwrite(fd, &b, 1, 0, &done));
	ATF_CHECK_EQ(EBADF, vm_fsync(fd));
	ATF_CHECK_EQ(EBADF, vm_ftruncate(fd, 0));
	ATF_CHECK_EQ(EBADF, vm_pread(12345, &b, 1, 0, &done));
	ATF_CHECK_EQ(0, PSTAT(vs));
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * vm_pread and vm_pwrite: reads stop at the end of the file; a read of a
 * write-only descriptor and a write of a read-only one are EBADF (as
 * read(2)/write(2)); a negative offset is EINVAL; vm_ftruncate of a
 * read-only descriptor or to a negative size is EINVAL (FreeBSD).
 */
ATF_TC_WITHOUT_HEAD(vnode__pread_pwrite_rules);
ATF_TC_BODY(vnode__pread_pwrite_rules, tc)
{
	uint8_t buf[64];
	size_t done;
	int fdr, fdw;

	MKFILE(F, PG + 10, 16);
	boot();
	fdr = VOPEN(F, O_RDONLY);
	fdw = VOPEN(F, O_WRONLY);
	ATF_CHECK_EQ(10, VREAD_COUNT(fdr, PG, 64));
	ATF_CHECK_EQ(0, VREAD_COUNT(fdr, PG + 10, 64));
	ATF_CHECK_EQ(0, VREAD_COUNT(fdr, 100 * PG, 64));
	VREAD_EXPECT_PAT(fdr, PG - 20, 30, 16);

	done = 99;
	ATF_CHECK_EQ(EBADF, vm_pread(fdw, buf, 1, 0, &done));
	ATF_CHECK_EQ(0, done);
	ATF_CHECK_EQ(EBADF, vm_pwrite(fdr, buf, 1, 0, &done));
	ATF_CHECK_EQ(EINVAL, vm_pread(fdr, buf, 1, -1, &done));
	ATF_CHECK_EQ(EINVAL, vm_pwrite(fdw, buf, 1, -(off_t)PG, &done));
	ATF_CHECK_EQ(EINVAL, vm_ftruncate(fdr, 0));
	ATF_CHECK_EQ(EINVAL, vm_ftruncate(fdw, -1));
	ATF_CHECK_EQ(EINVAL, vm_pwrite(fdw, NULL, 1, 0, &done));
	ATF_CHECK_EQ(EINVAL, vm_pread(fdr, NULL, 1, 0, &done));
	/* 2^47 bytes is the largest file. */
	ATF_CHECK_EQ(EFBIG, vm_pwrite(fdw, buf, 2, ((off_t)1 << 47) - 1, &done));
	ATF_CHECK_EQ(EFBIG, vm_ftruncate(fdw, ((off_t)1 << 47) + 1));
	ATF_CHECK_EQ(0, vm_fsync(fdr));		/* fsync needs no write access */
	VREAD_EXPECT_PAT(fdr, 0, PG + 10, 16);

	VWRITE_FILL(fdw, 5, 3, 0xee);
	VREAD_EXPECT_FILL(fdr, 5, 3, 0xee);
	VCLOSE(fdr);
	VCLOSE(fdw);
	vm_shutdown();
	HOST_EXPECT_FILL(F, 5, 3, 0xee);
	ATF_CHECK_EQ((off_t)(PG + 10), HOST_SIZE(F));
}

/* Without vm_boot: ENXIO from vm_open, EBADF from the descriptor calls. */
ATF_TC_WITHOUT_HEAD(vnode__not_booted);
ATF_TC_BODY(vnode__not_booted, tc)
{
	uint8_t b = 0;
	size_t done;
	int fd = -1;

	MKFILE(F, PG, 42);
	ATF_CHECK_EQ(ENXIO, vm_open(F, O_RDONLY, 0, &fd));
	ATF_CHECK_EQ(EBADF, vm_close(0));
	ATF_CHECK_EQ(EBADF, vm_pread(0, &b, 1, 0, &done));
	ATF_CHECK_EQ(EBADF, vm_pwrite(0, &b, 1, 0, &done));
	ATF_CHECK_EQ(EBADF, vm_fsync(0));
	ATF_CHECK_EQ(EBADF, vm_ftruncate(0, 0));
	/* And after a boot and a shutdown, the descriptors are gone. */
	boot();
	fd = VOPEN(F, O_RDWR);
	vm_shutdown();
	ATF_CHECK_EQ(EBADF, vm_close(fd));
	ATF_CHECK_EQ(ENXIO, vm_open(F, O_RDONLY, 0, &fd));
	boot();
	ATF_CHECK_EQ(EBADF, vm_pread(fd, &b, 1, 0, &done));
	vm_shutdown();
}

/* ---- truncation ---------------------------------------------------------- */

/*
 * Shrinking a mapped file: the pages now wholly past the end raise
 * SIGBUS/BUS_OBJERR through shared and private mappings, even where they
 * were resident and mapped before; the page still inside is intact
 * (NetBSD's mmap_truncate, FreeBSD's vnode_pager_setsize).
 */
ATF_TC_WITHOUT_HEAD(vnode__truncate_sigbus);
ATF_TC_BODY(vnode__truncate_sigbus, tc)
{
	struct vmspace *vs;
	vm_offset_t s, p;
	int fd;

	MKFILE(F, 4 * PG, 17);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	s = FMAP(vs, 4 * PG, RW, VM_MAP_SHARED, fd, 0);
	p = FMAP(vs, 4 * PG, RW, VM_MAP_PRIVATE, fd, 0);
	EXPECT_PAT(vs, s, 0, 4 * PG, 17);
	EXPECT_PAT(vs, p, 0, 4 * PG, 17);
	FILL(vs, s + 3 * PG, 8, 0x71);		/* a dirty page goes too */

	VFTRUNCATE(fd, PG);
	EXPECT_PAT(vs, s, 0, PG, 17);
	EXPECT_PAT(vs, p, 0, PG, 17);
	PAST_EOF(vs, s + PG);
	PAST_EOF(vs, s + 3 * PG);
	PAST_EOF(vs, p + 2 * PG);
	PAST_EOF(vs, p + 3 * PG + 100);
	ATF_CHECK_EQ(PG, VREAD_COUNT(fd, 0, 4 * PG));

	/* Smaller steps, as NetBSD's mmap_truncate takes them. */
	VFTRUNCATE(fd, 0);
	PAST_EOF(vs, s);
	PAST_EOF(vs, p);
	VFTRUNCATE(fd, PG / 8);
	VFTRUNCATE(fd, PG / 4);
	VFTRUNCATE(fd, PG / 2);
	VFTRUNCATE(fd, PG / 12);
	VFTRUNCATE(fd, PG / 64);
	EXPECT_FILL(vs, s, PG, 0);
	PAST_EOF(vs, s + PG);
	ATF_REQUIRE_EQ(0, vm_fsync(fd));
	ATF_CHECK_EQ((off_t)(PG / 64), HOST_SIZE(F));
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A private mapping's copied pages are its own: truncating the file
 * does not take them (FreeBSD and NetBSD remove only the file's pages),
 * while its pages not copied raise SIGBUS.
 */
ATF_TC_WITHOUT_HEAD(vnode__truncate_private_copy_survives);
ATF_TC_BODY(vnode__truncate_private_copy_survives, tc)
{
	struct vmspace *vs;
	vm_offset_t p;
	int fd;

	MKFILE(F, 3 * PG, 18);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	p = FMAP(vs, 3 * PG, RW, VM_MAP_PRIVATE, fd, 0);
	EXPECT_PAT(vs, p, 0, 3 * PG, 18);
	FILL(vs, p + 2 * PG, PG, 0x3c);		/* page 2 copied */
	VFTRUNCATE(fd, PG / 2);
	EXPECT_FILL(vs, p + 2 * PG, PG, 0x3c);
	FILL(vs, p + 2 * PG, 4, 0x3d);
	EXPECT_FILL(vs, p + 2 * PG, 4, 0x3d);
	PAST_EOF(vs, p + PG);
	EXPECT_PAT(vs, p, 0, PG / 2, 18);
	EXPECT_FILL(vs, p + PG / 2, PG / 2, 0);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
	ATF_CHECK_EQ((off_t)(PG / 2), HOST_SIZE(F));
}

/*
 * Shrinking to the middle of a page: the rest of that page reads zero
 * through every mapping, vm_pread stops at the new end, the host file
 * ends there.
 */
ATF_TC_WITHOUT_HEAD(vnode__truncate_partial_page);
ATF_TC_BODY(vnode__truncate_partial_page, tc)
{
	struct vmspace *vs;
	vm_offset_t s, p;
	int fd;

	MKFILE(F, 2 * PG, 19);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	s = FMAP(vs, 2 * PG, VM_PROT_READ, VM_MAP_SHARED, fd, 0);
	p = FMAP(vs, 2 * PG, VM_PROT_READ, VM_MAP_PRIVATE, fd, 0);
	EXPECT_PAT(vs, s, 0, 2 * PG, 19);
	EXPECT_PAT(vs, p, 0, 2 * PG, 19);
	VFTRUNCATE(fd, PG + 100);
	EXPECT_PAT(vs, s, 0, PG + 100, 19);
	EXPECT_FILL(vs, s + PG + 100, PG - 100, 0);
	EXPECT_PAT(vs, p, 0, PG + 100, 19);
	EXPECT_FILL(vs, p + PG + 100, PG - 100, 0);
	ATF_CHECK_EQ(0, VREAD_COUNT(fd, PG + 100, 10));
	ATF_CHECK_EQ(100, VREAD_COUNT(fd, PG, PG));
	ATF_REQUIRE_EQ(0, vm_fsync(fd));
	ATF_CHECK_EQ((off_t)(PG + 100), HOST_SIZE(F));
	HOST_EXPECT_PAT(F, 0, PG + 100, 19);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A file shrunk to nothing and grown again reads zeros, through its
 * mappings, vm_pread and the host file (after vm_fsync).
 */
ATF_TC_WITHOUT_HEAD(vnode__truncate_grow_zero);
ATF_TC_BODY(vnode__truncate_grow_zero, tc)
{
	struct vmspace *vs;
	vm_offset_t s, p;
	int fd;

	MKFILE(F, 2 * PG, 20);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	s = FMAP(vs, 3 * PG, RW, VM_MAP_SHARED, fd, 0);
	p = FMAP(vs, 3 * PG, VM_PROT_READ, VM_MAP_PRIVATE, fd, 0);
	EXPECT_PAT(vs, s, 0, 2 * PG, 20);
	EXPECT_PAT(vs, p, 0, 2 * PG, 20);
	FILL(vs, s, 10, 0xf0);
	VFTRUNCATE(fd, 0);
	PAST_EOF(vs, s);
	PAST_EOF_RO(vs, p + PG);
	/* Write access to the read-only mapping fails on protection first. */
	ACCERR(vs, p + PG, VM_PROT_WRITE);
	VFTRUNCATE(fd, 3 * PG);
	EXPECT_FILL(vs, s, 3 * PG, 0);
	EXPECT_FILL(vs, p, 3 * PG, 0);
	VREAD_EXPECT_FILL(fd, 0, 3 * PG, 0);
	FILL(vs, s + 2 * PG, 8, 0x0f);
	ATF_REQUIRE_EQ(0, vm_fsync(fd));
	ATF_CHECK_EQ((off_t)(3 * PG), HOST_SIZE(F));
	HOST_EXPECT_FILL(F, 0, 2 * PG, 0);
	HOST_EXPECT_FILL(F, 2 * PG, 8, 0x0f);
	HOST_EXPECT_FILL(F, 2 * PG + 8, PG - 8, 0);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Bytes stored through a mapping past the end of the file, in its last
 * page, are not file data: vm_pread does not return them, write-back
 * does not put them in the host file, and once the file grows over them
 * (by vm_ftruncate or by a vm_pwrite further on) they read zero.
 */
ATF_TC_WITHOUT_HEAD(vnode__store_past_eof_in_last_page);
ATF_TC_BODY(vnode__store_past_eof_in_last_page, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b;
	int fd, fd2;

	MKFILE(F, PG + 100, 21);
	MKFILE("other", 100, 22);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	a = FMAP(vs, 2 * PG, RW, VM_MAP_SHARED, fd, 0);
	FILL(vs, a + PG + 100, PG - 100, 0xee);
	ATF_CHECK_EQ(100, VREAD_COUNT(fd, PG, PG));
	ATF_REQUIRE_EQ(0, vm_fsync(fd));
	ATF_CHECK_EQ((off_t)(PG + 100), HOST_SIZE(F));
	HOST_EXPECT_PAT(F, 0, PG + 100, 21);

	VFTRUNCATE(fd, 2 * PG);
	EXPECT_PAT(vs, a + PG, PG, 100, 21);
	EXPECT_FILL(vs, a + PG + 100, PG - 100, 0);
	VREAD_EXPECT_FILL(fd, PG + 100, PG - 100, 0);
	ATF_REQUIRE_EQ(0, vm_fsync(fd));
	ATF_CHECK_EQ((off_t)(2 * PG), HOST_SIZE(F));
	HOST_EXPECT_FILL(F, PG + 100, PG - 100, 0);

	/* The same with a write past the page growing the file. */
	fd2 = VOPEN("other", O_RDWR);
	b = FMAP(vs, PG, RW, VM_MAP_SHARED, fd2, 0);
	FILL(vs, b + 100, PG - 100, 0xdd);
	ATF_CHECK_EQ(0, VREAD_COUNT(fd2, 100, 10));
	VWRITE_FILL(fd2, PG + 10, 10, 0xcc);
	EXPECT_PAT(vs, b, 0, 100, 22);
	EXPECT_FILL(vs, b + 100, PG - 100, 0);
	VREAD_EXPECT_FILL(fd2, 100, PG - 100 + 10, 0);
	VREAD_EXPECT_FILL(fd2, PG + 10, 10, 0xcc);
	VCLOSE(fd2);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
	ATF_CHECK_EQ((off_t)(PG + 20), HOST_SIZE("other"));
	HOST_EXPECT_FILL("other", 100, PG - 100 + 10, 0);
	HOST_EXPECT_FILL("other", PG + 10, 10, 0xcc);
}

/* ---- write-back ---------------------------------------------------------- */

/* vm_fsync writes stores and vm_pwrite data to the host file. */
ATF_TC_WITHOUT_HEAD(vnode__fsync_writes_back);
ATF_TC_BODY(vnode__fsync_writes_back, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd;

	MKFILE(F, 3 * PG, 23);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	a = FMAP(vs, 3 * PG, RW, VM_MAP_SHARED, fd, 0);
	FILL(vs, a + PG, PG, 0x42);
	VWRITE_FILL(fd, 2 * PG + 10, 100, 0x43);
	ATF_REQUIRE_EQ(0, vm_fsync(fd));
	HOST_EXPECT_PAT(F, 0, PG, 23);
	HOST_EXPECT_FILL(F, PG, PG, 0x42);
	HOST_EXPECT_PAT(F, 2 * PG, 10, 23);
	HOST_EXPECT_FILL(F, 2 * PG + 10, 100, 0x43);
	HOST_EXPECT_PAT(F, 2 * PG + 110, PG - 110, 23);

	/* Again after more stores to a page already written back. */
	FILL(vs, a + PG + 5, 5, 0x44);
	ATF_REQUIRE_EQ(0, vm_fsync(fd));
	HOST_EXPECT_FILL(F, PG + 5, 5, 0x44);
	HOST_EXPECT_FILL(F, PG + 10, PG - 10, 0x42);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * The last close of a file writes its dirty pages back: vm_pwrite data
 * once every descriptor is closed, mapping stores once the mapping and
 * the descriptors are gone.
 */
ATF_TC_WITHOUT_HEAD(vnode__close_writes_back);
ATF_TC_BODY(vnode__close_writes_back, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd, fd2;

	MKFILE(F, 2 * PG, 24);
	MKFILE("mapped", 2 * PG, 25);
	boot();
	fd = VOPEN(F, O_RDWR);
	fd2 = VOPEN(F, O_RDONLY);
	VWRITE_FILL(fd, 10, PG, 0x24);
	VCLOSE(fd);
	VCLOSE(fd2);
	HOST_EXPECT_PAT(F, 0, 10, 24);
	HOST_EXPECT_FILL(F, 10, PG, 0x24);
	HOST_EXPECT_PAT(F, PG + 10, PG - 10, 24);

	vs = vs_new();
	fd = VOPEN("mapped", O_RDWR);
	a = FMAP(vs, 2 * PG, RW, VM_MAP_SHARED, fd, 0);
	FILL(vs, a + PG, 50, 0x25);
	VUNMAP(vs, a, 2 * PG);
	VCLOSE(fd);
	HOST_EXPECT_FILL("mapped", PG, 50, 0x25);
	HOST_EXPECT_PAT("mapped", PG + 50, PG - 50, 25);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * vm_shutdown writes back what is dirty: vm_pwrite data of a descriptor
 * left open (which grew the file) and stores through a mapping of an
 * address space never released.
 */
ATF_TC_WITHOUT_HEAD(vnode__shutdown_writes_back);
ATF_TC_BODY(vnode__shutdown_writes_back, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd, fd2;

	MKFILE(F, PG, 26);
	MKFILE("mapped", 2 * PG, 27);
	boot();
	fd = VOPEN(F, O_RDWR);
	VWRITE_FILL(fd, PG / 2, 2 * PG, 0x26);
	vs = vs_new();
	fd2 = VOPEN("mapped", O_RDWR);
	a = FMAP(vs, 2 * PG, RW, VM_MAP_SHARED, fd2, 0);
	VCLOSE(fd2);
	FILL(vs, a + 3, PG, 0x27);
	vm_shutdown();

	ATF_CHECK_EQ((off_t)(PG / 2 + 2 * PG), HOST_SIZE(F));
	HOST_EXPECT_PAT(F, 0, PG / 2, 26);
	HOST_EXPECT_FILL(F, PG / 2, 2 * PG, 0x26);
	ATF_CHECK_EQ((off_t)(2 * PG), HOST_SIZE("mapped"));
	HOST_EXPECT_PAT("mapped", 0, 3, 27);
	HOST_EXPECT_FILL("mapped", 3, PG, 0x27);
	HOST_EXPECT_PAT("mapped", PG + 3, PG - 3, 27);
}

/*
 * The host file's size follows vm_pwrite past the end and vm_ftruncate
 * both ways (checked after vm_fsync and after the last close); a hole
 * reads zero.
 */
ATF_TC_WITHOUT_HEAD(vnode__host_size);
ATF_TC_BODY(vnode__host_size, tc)
{
	int fd;

	boot();
	fd = VOPEN("new", O_RDWR | O_CREAT | O_EXCL);
	ATF_CHECK_EQ((off_t)0, HOST_SIZE("new"));
	VWRITE_FILL(fd, 3 * PG + 5, 10, 0x31);
	ATF_CHECK_EQ(3 * PG + 15, VREAD_COUNT(fd, 0, 8 * PG));
	ATF_REQUIRE_EQ(0, vm_fsync(fd));
	ATF_CHECK_EQ((off_t)(3 * PG + 15), HOST_SIZE("new"));
	HOST_EXPECT_FILL("new", 0, 3 * PG + 5, 0);
	HOST_EXPECT_FILL("new", 3 * PG + 5, 10, 0x31);

	VFTRUNCATE(fd, PG + 1);
	ATF_REQUIRE_EQ(0, vm_fsync(fd));
	ATF_CHECK_EQ((off_t)(PG + 1), HOST_SIZE("new"));

	VFTRUNCATE(fd, 5 * PG);
	ATF_CHECK_EQ(5 * PG, VREAD_COUNT(fd, 0, 8 * PG));
	ATF_REQUIRE_EQ(0, vm_fsync(fd));
	ATF_CHECK_EQ((off_t)(5 * PG), HOST_SIZE("new"));
	HOST_EXPECT_FILL("new", 0, 5 * PG, 0);

	VWRITE_FILL(fd, 7 * PG, 1, 0x32);
	VCLOSE(fd);
	ATF_CHECK_EQ((off_t)(7 * PG + 1), HOST_SIZE("new"));
	HOST_EXPECT_FILL("new", 7 * PG, 1, 0x32);
	vm_shutdown();
}

/* ---- vm_open ------------------------------------------------------------- */

/*
 * vm_open's errors, as open(2) gives them: ENOENT, EEXIST for
 * O_CREAT|O_EXCL of an existing file, EISDIR for a directory, EINVAL for
 * flags it does not take; O_CREAT makes the file with the mode asked.
 */
ATF_TC_WITHOUT_HEAD(vnode__open_errors);
ATF_TC_BODY(vnode__open_errors, tc)
{
	struct stat st;
	int fd;

	(void)umask(022);
	MKFILE(F, PG, 28);
	ATF_REQUIRE(mkdir("dir", 0755) == 0);
	boot();
	VOPEN_FAILS("missing", O_RDONLY, ENOENT);
	VOPEN_FAILS("missing", O_RDWR, ENOENT);
	VOPEN_FAILS("nodir/file", O_RDWR | O_CREAT, ENOENT);
	VOPEN_FAILS(F, O_RDWR | O_CREAT | O_EXCL, EEXIST);
	VOPEN_FAILS("dir", O_RDWR, EISDIR);
	VOPEN_FAILS("dir", O_WRONLY, EISDIR);
	VOPEN_FAILS("dir", O_RDONLY, EISDIR);
	VOPEN_FAILS(F, O_ACCMODE, EINVAL);
	VOPEN_FAILS(F, O_RDWR | 0x40000000, EINVAL);
	VOPEN_FAILS(F, O_RDWR | O_APPEND, EINVAL);
	VOPEN_FAILS(F, O_RDONLY | O_NONBLOCK, EINVAL);
	VOPEN_FAILS(F, O_RDONLY | O_DIRECTORY, EINVAL);
	/* Not a regular file: ENODEV; a link with O_NOFOLLOW: ELOOP. */
	ATF_REQUIRE(mkfifo("fifo", 0644) == 0);
	VOPEN_FAILS("fifo", O_RDONLY, ENODEV);
	ATF_REQUIRE(symlink(F, "link") == 0);
	VOPEN_FAILS("link", O_RDONLY | O_NOFOLLOW, ELOOP);
	fd = VOPEN("link", O_RDONLY);
	VREAD_EXPECT_PAT(fd, 0, PG, 28);
	VCLOSE(fd);
	fd = -7;
	ATF_CHECK_EQ(EINVAL, vm_open(NULL, O_RDONLY, 0, &fd));
	ATF_CHECK_EQ(EINVAL, vm_open(F, O_RDONLY, 0, NULL));
	ATF_CHECK_EQ(-7, fd);
	ATF_CHECK(access("missing", F_OK) == -1);

	fd = vopen_l(__LINE__, "made", O_RDWR | O_CREAT | O_EXCL, 0640);
	ATF_REQUIRE(stat("made", &st) == 0);
	ATF_CHECK(S_ISREG(st.st_mode));
	ATF_CHECK_EQ(0640, st.st_mode & 0777);
	ATF_CHECK_EQ(0, st.st_size);
	VCLOSE(fd);
	/* An existing file with O_CREAT alone is just opened. */
	fd = VOPEN(F, O_RDWR | O_CREAT);
	VREAD_EXPECT_PAT(fd, 0, PG, 28);
	VCLOSE(fd);
	vm_shutdown();
}

/*
 * O_TRUNC truncates through the page cache: cached pages go, mappings
 * raise SIGBUS and then read zeros after the file grows again, and the
 * host file is empty.
 */
ATF_TC_WITHOUT_HEAD(vnode__open_trunc);
ATF_TC_BODY(vnode__open_trunc, tc)
{
	struct vmspace *vs;
	vm_offset_t s, p;
	int fd, fd2;

	MKFILE(F, 3 * PG, 29);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	s = FMAP(vs, 3 * PG, RW, VM_MAP_SHARED, fd, 0);
	p = FMAP(vs, 3 * PG, VM_PROT_READ, VM_MAP_PRIVATE, fd, 0);
	EXPECT_PAT(vs, s, 0, 3 * PG, 29);
	EXPECT_PAT(vs, p, 0, 3 * PG, 29);
	FILL(vs, s + PG, 10, 0x29);		/* dirty, never written back */

	fd2 = VOPEN(F, O_RDWR | O_TRUNC);
	PAST_EOF(vs, s);
	PAST_EOF(vs, s + 2 * PG);
	PAST_EOF_RO(vs, p + PG);
	ATF_CHECK_EQ(0, VREAD_COUNT(fd, 0, PG));
	ATF_CHECK_EQ((off_t)0, HOST_SIZE(F));

	VWRITE_FILL(fd2, 2 * PG, 1, 0x2a);
	EXPECT_FILL(vs, s, 2 * PG, 0);
	EXPECT_FILL(vs, p, 2 * PG, 0);
	ATF_CHECK_EQ(0x2a, PEEK(vs, s + 2 * PG));
	ATF_CHECK_EQ(0x2a, PEEK(vs, p + 2 * PG));
	VCLOSE(fd);
	VCLOSE(fd2);
	vmspace_release(vs);
	vm_shutdown();
	ATF_CHECK_EQ((off_t)(2 * PG + 1), HOST_SIZE(F));
	HOST_EXPECT_FILL(F, 0, 2 * PG, 0);
}

/*
 * EACCES where the host's permissions refuse (open(2)): run as an
 * unprivileged user in a child process, in a directory it can search.
 * The child reports the first check that failed as its exit status.
 */
static int
open_eacces_child(const char *dir)
{
	char r644[256], r600[256], newf[256];
	struct vmspace *vs;
	struct vm_config c;
	vm_offset_t a = 0;
	int fd = -1, rfd;

	snprintf(r644, sizeof(r644), "%s/r644", dir);
	snprintf(r600, sizeof(r600), "%s/r600", dir);
	snprintf(newf, sizeof(newf), "%s/new", dir);
	if (setgroups(0, NULL) != 0 || setgid(65534) != 0 ||
	    setuid(65534) != 0)
		return (100);
	if (geteuid() == 0 || access(r600, R_OK) == 0)
		return (100);
	vm_config_init(&c);
	c.physmem = 16u << 20;
	c.ncpu = 1;
	c.seed = 1;
	if (vm_boot(&c) != 0)
		return (101);
	if (vm_open(r644, O_RDONLY, 0, &rfd) != 0)
		return (1);		/* the positive control */
	if (vm_open(r644, O_RDWR, 0, &fd) != EACCES)
		return (2);
	if (vm_open(r644, O_WRONLY, 0, &fd) != EACCES)
		return (3);
	if (vm_open(r600, O_RDONLY, 0, &fd) != EACCES)
		return (4);
	if (vm_open(newf, O_RDWR | O_CREAT, 0644, &fd) != EACCES)
		return (5);
	if (vm_open(r644, O_RDONLY | O_TRUNC, 0, &fd) != EACCES)
		return (6);
	if (vmspace_create(&vs) != 0)
		return (102);
	/* The descriptor that did open is read-only: no shared writes. */
	if (vm_mmap(vs, &a, PG, RW, VM_MAP_SHARED, rfd, 0) != EACCES)
		return (7);
	vmspace_release(vs);
	vm_shutdown();
	if (access(newf, F_OK) == 0)
		return (8);
	return (0);
}

ATF_TC_WITHOUT_HEAD(vnode__open_eacces);
ATF_TC_BODY(vnode__open_eacces, tc)
{
	static const char *const what[] = {
		"ok", "O_RDONLY of a 0644 file failed",
		"O_RDWR of a 0644 file was not EACCES",
		"O_WRONLY of a 0644 file was not EACCES",
		"O_RDONLY of a 0600 file was not EACCES",
		"O_CREAT in a 0755 directory was not EACCES",
		"O_RDONLY|O_TRUNC of a 0644 file was not EACCES",
		"shared PROT_WRITE of the O_RDONLY one was not EACCES",
		"the refused O_CREAT made the file",
	};
	char dir[] = "/tmp/libvm-vnode-eacces.XXXXXX";
	char path[256];
	pid_t pid;
	int st, code;

	if (geteuid() != 0)
		atf_tc_skip("needs root to drop to an unprivileged user");
	ATF_REQUIRE(mkdtemp(dir) != NULL);
	ATF_REQUIRE(chmod(dir, 0755) == 0);
	snprintf(path, sizeof(path), "%s/r644", dir);
	MKFILE(path, PG, 30);
	ATF_REQUIRE(chmod(path, 0644) == 0);
	snprintf(path, sizeof(path), "%s/r600", dir);
	MKFILE(path, PG, 31);
	ATF_REQUIRE(chmod(path, 0600) == 0);

	fflush(NULL);
	pid = fork();
	ATF_REQUIRE(pid != -1);
	if (pid == 0)
		_exit(open_eacces_child(dir));
	ATF_REQUIRE(waitpid(pid, &st, 0) == pid);

	snprintf(path, sizeof(path), "%s/r644", dir);
	(void)unlink(path);
	snprintf(path, sizeof(path), "%s/r600", dir);
	(void)unlink(path);
	snprintf(path, sizeof(path), "%s/new", dir);
	(void)unlink(path);
	(void)rmdir(dir);

	ATF_REQUIRE_MSG(WIFEXITED(st), "child died: status %#x", st);
	code = WEXITSTATUS(st);
	if (code == 100)
		atf_tc_skip("cannot drop privileges to uid 65534");
	ATF_REQUIRE_MSG(code < 100, "child setup failed (%d)", code);
	ATF_CHECK_MSG(code == 0, "as uid 65534: %s",
	    code < (int)(sizeof(what) / sizeof(what[0])) ? what[code] : "?");
}

/* ---- text references ----------------------------------------------------- */

#define	TEXT	(VM_MAP_PRIVATE | VM_MAP_TEXT)
#define	RX	(VM_PROT_READ | VM_PROT_EXEC)

/*
 * A file open for writing cannot be mapped as text (ETXTBSY); once the
 * writer closes it can, and the text reads the file.
 */
ATF_TC_WITHOUT_HEAD(vnode__text_writer_etxtbsy);
ATF_TC_BODY(vnode__text_writer_etxtbsy, tc)
{
	struct vmspace *vs;
	vm_offset_t t;
	int fdr, fdw;

	MKFILE(F, 2 * PG, 32);
	boot();
	vs = vs_new();
	fdr = VOPEN(F, O_RDONLY);
	fdw = VOPEN(F, O_RDWR);
	MMAP_FAILS(vs, 0, 2 * PG, RX, TEXT, fdr, 0, ETXTBSY);
	MMAP_FAILS(vs, 0, 2 * PG, RX, TEXT, fdw, 0, ETXTBSY);
	VCLOSE(fdw);
	fdw = VOPEN(F, O_WRONLY);
	MMAP_FAILS(vs, 0, 2 * PG, RX, TEXT, fdr, 0, ETXTBSY);
	ATF_CHECK_EQ(0, PSTAT(vs));
	VCLOSE(fdw);

	t = FMAP(vs, 2 * PG, RX, TEXT, fdr, 0);
	EXPECT_PAT(vs, t, 0, 2 * PG, 32);
	ACCESS_OK(vs, t + PG, VM_PROT_EXEC);
	VCLOSE(fdr);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * While a file is mapped as text it cannot be opened for writing
 * (ETXTBSY for O_RDWR, O_WRONLY, O_TRUNC), nor made a writer through a
 * writable shared mapping; reading it is fine.
 */
ATF_TC_WITHOUT_HEAD(vnode__text_blocks_open_write);
ATF_TC_BODY(vnode__text_blocks_open_write, tc)
{
	struct vmspace *vs;
	vm_offset_t t, s;
	int fdr, fd2;

	MKFILE(F, PG, 33);
	boot();
	vs = vs_new();
	fdr = VOPEN(F, O_RDONLY);
	t = FMAP(vs, PG, RX, TEXT, fdr, 0);
	VOPEN_FAILS(F, O_RDWR, ETXTBSY);
	VOPEN_FAILS(F, O_WRONLY, ETXTBSY);
	VOPEN_FAILS(F, O_RDWR | O_CREAT, ETXTBSY);
	VOPEN_FAILS(F, O_WRONLY | O_TRUNC, ETXTBSY);
	fd2 = VOPEN(F, O_RDONLY);
	s = FMAP(vs, PG, VM_PROT_READ, VM_MAP_SHARED, fd2, 0);
	VREAD_EXPECT_PAT(fd2, 0, PG, 33);
	EXPECT_PAT(vs, s, 0, PG, 33);
	EXPECT_PAT(vs, t, 0, PG, 33);
	/* A second text mapping is fine. */
	(void)FMAP(vs, PG, RX, TEXT, fd2, 0);
	/* O_TRUNC must not have truncated anything. */
	ATF_CHECK_EQ((off_t)PG, HOST_SIZE(F));
	VCLOSE(fdr);
	VCLOSE(fd2);
	VOPEN_FAILS(F, O_RDWR, ETXTBSY);	/* the mappings hold it */
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * The text reference goes with the mapping: vm_munmap (of all of it:
 * a part left keeps it), vmspace_release, and the copy a vmspace_fork
 * child inherits holds it too.
 */
ATF_TC_WITHOUT_HEAD(vnode__text_released_on_munmap);
ATF_TC_BODY(vnode__text_released_on_munmap, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t t;
	int fdr, fd;

	MKFILE(F, 2 * PG, 34);
	boot();
	vs = vs_new();
	fdr = VOPEN(F, O_RDONLY);
	t = FMAP(vs, 2 * PG, RX, TEXT, fdr, 0);
	VOPEN_FAILS(F, O_RDWR, ETXTBSY);
	VUNMAP(vs, t, PG);			/* half of it */
	VOPEN_FAILS(F, O_RDWR, ETXTBSY);
	VUNMAP(vs, t + PG, PG);
	fd = VOPEN(F, O_RDWR);
	VCLOSE(fd);

	/* A fork's copy holds the file as text until the child goes. */
	t = FMAP(vs, 2 * PG, RX, TEXT, fdr, 0);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	VUNMAP(vs, t, 2 * PG);
	VOPEN_FAILS(F, O_RDWR, ETXTBSY);
	EXPECT_PAT(child, t, 0, 2 * PG, 34);
	vmspace_release(child);
	fd = VOPEN(F, O_RDWR);
	VCLOSE(fd);

	/* And vmspace_release lets go. */
	(void)FMAP(vs, PG, RX, TEXT, fdr, 0);
	VOPEN_FAILS(F, O_WRONLY, ETXTBSY);
	vmspace_release(vs);
	fd = VOPEN(F, O_WRONLY);
	VCLOSE(fd);
	VCLOSE(fdr);
	vm_shutdown();
}

/*
 * A writable shared mapping makes the file a writer until it is
 * unmapped, even after its descriptor is closed: no text mapping
 * meanwhile (FreeBSD D21456's write-mapping accounting).  A shared
 * mapping that can never write (read-only descriptor, or a maximum
 * protection without write) does not count.
 */
ATF_TC_WITHOUT_HEAD(vnode__text_blocked_by_shared_writer);
ATF_TC_BODY(vnode__text_blocked_by_shared_writer, tc)
{
	struct vmspace *vs;
	vm_offset_t s, r, m, t;
	int fd, fdr;

	MKFILE(F, 2 * PG, 35);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	s = FMAP(vs, 2 * PG, RW, VM_MAP_SHARED, fd, 0);
	m = FMAP(vs, PG, VM_PROT_READ | VM_PROT_MAX(VM_PROT_READ),
	    VM_MAP_SHARED, fd, 0);
	VCLOSE(fd);
	fdr = VOPEN(F, O_RDONLY);
	r = FMAP(vs, 2 * PG, VM_PROT_READ, VM_MAP_SHARED, fdr, 0);
	MMAP_FAILS(vs, 0, PG, RX, TEXT, fdr, 0, ETXTBSY);
	VUNMAP(vs, s, PG);			/* a part is still writable */
	MMAP_FAILS(vs, 0, PG, RX, TEXT, fdr, 0, ETXTBSY);
	VUNMAP(vs, s + PG, PG);
	t = FMAP(vs, PG, RX, TEXT, fdr, 0);
	EXPECT_PAT(vs, t, 0, PG, 35);
	EXPECT_PAT(vs, r, 0, 2 * PG, 35);
	EXPECT_PAT(vs, m, 0, PG, 35);
	VUNMAP(vs, t, PG);
	VUNMAP(vs, r, 2 * PG);
	VUNMAP(vs, m, PG);
	VCLOSE(fdr);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A duplicate made by vm_mremap(VM_MAP_REMAPDUP) holds what the original
 * holds: a text reference, or a write-mapping count, until it goes too.
 */
ATF_TC_WITHOUT_HEAD(vnode__mremap_dup_counts);
ATF_TC_BODY(vnode__mremap_dup_counts, tc)
{
	struct vmspace *vs;
	vm_offset_t t, d, s;
	int fdr, fd;

	MKFILE(F, 2 * PG, 43);
	boot();
	vs = vs_new();
	fdr = VOPEN(F, O_RDONLY);
	t = FMAP(vs, 2 * PG, RX, TEXT, fdr, 0);
	d = 0;
	ATF_REQUIRE_EQ(0, vm_mremap(vs, t, 2 * PG, &d, 2 * PG,
	    VM_MAP_REMAPDUP));
	ATF_REQUIRE(d != t);
	EXPECT_PAT(vs, d, 0, 2 * PG, 43);
	VUNMAP(vs, t, 2 * PG);
	VOPEN_FAILS(F, O_RDWR, ETXTBSY);
	VUNMAP(vs, d, 2 * PG);
	fd = VOPEN(F, O_RDWR);

	s = FMAP(vs, 2 * PG, RW, VM_MAP_SHARED, fd, 0);
	VCLOSE(fd);
	d = 0;
	ATF_REQUIRE_EQ(0, vm_mremap(vs, s, 2 * PG, &d, 2 * PG,
	    VM_MAP_REMAPDUP));
	POKE(vs, d + 5, 0x43);
	ATF_CHECK_EQ(0x43, PEEK(vs, s + 5));
	VUNMAP(vs, s, 2 * PG);
	MMAP_FAILS(vs, 0, PG, RX, TEXT, fdr, 0, ETXTBSY);
	VUNMAP(vs, d, 2 * PG);
	t = FMAP(vs, PG, RX, TEXT, fdr, 0);
	ATF_CHECK_EQ(0x43, PEEK(vs, t + 5));
	VCLOSE(fdr);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- counters, read-ahead, procstat -------------------------------------- */

/*
 * Page-ins count in v_vnodein (operations) and v_vnodepgsin (pages): a
 * fault on a mapped file and a vm_pread of pages not cached read from
 * the file; a second read of the same pages does not.
 */
ATF_TC_WITHOUT_HEAD(vnode__counters_pagein);
ATF_TC_BODY(vnode__counters_pagein, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	uint64_t in0, pin0, in1, pin1, in2, pin2;
	int fd;

	MKFILE(F, 64 * PG, 36);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDONLY);
	a = FMAP(vs, 64 * PG, VM_PROT_READ, VM_MAP_SHARED, fd, 0);
	in0 = COUNTER("v_vnodein");
	pin0 = COUNTER("v_vnodepgsin");
	EXPECT_PAT(vs, a + 5 * PG, 5 * PG, 1, 36);
	in1 = COUNTER("v_vnodein");
	pin1 = COUNTER("v_vnodepgsin");
	ATF_CHECK_MSG(in1 > in0, "v_vnodein %ju -> %ju", (uintmax_t)in0,
	    (uintmax_t)in1);
	ATF_CHECK_MSG(pin1 - pin0 >= in1 - in0 && pin1 > pin0,
	    "v_vnodepgsin %ju -> %ju (v_vnodein %ju -> %ju)",
	    (uintmax_t)pin0, (uintmax_t)pin1, (uintmax_t)in0, (uintmax_t)in1);

	/* The same page again: resident, no I/O. */
	EXPECT_PAT(vs, a + 5 * PG, 5 * PG, PG, 36);
	VREAD_EXPECT_PAT(fd, 5 * PG, 10, 36);
	ATF_CHECK_EQ(in1, COUNTER("v_vnodein"));
	ATF_CHECK_EQ(pin1, COUNTER("v_vnodepgsin"));

	/* vm_pread far away reads the file through the same pager. */
	VREAD_EXPECT_PAT(fd, 60 * PG, 2 * PG, 36);
	in2 = COUNTER("v_vnodein");
	pin2 = COUNTER("v_vnodepgsin");
	ATF_CHECK_MSG(in2 > in1 && pin2 - pin1 >= 2, "vm_pread: v_vnodein "
	    "%ju -> %ju, v_vnodepgsin %ju -> %ju", (uintmax_t)in1,
	    (uintmax_t)in2, (uintmax_t)pin1, (uintmax_t)pin2);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Write-backs count in v_vnodeout and v_vnodepgsout: vm_fsync of three
 * dirty pages writes at least those three; a vm_fsync with nothing dirty
 * writes nothing.
 */
ATF_TC_WITHOUT_HEAD(vnode__counters_pageout);
ATF_TC_BODY(vnode__counters_pageout, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	uint64_t out0, pout0, out1, pout1;
	int fd;

	MKFILE(F, 16 * PG, 37);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	a = FMAP(vs, 16 * PG, RW, VM_MAP_SHARED, fd, 0);
	EXPECT_PAT(vs, a, 0, 16 * PG, 37);
	ATF_REQUIRE_EQ(0, vm_fsync(fd));
	out0 = COUNTER("v_vnodeout");
	pout0 = COUNTER("v_vnodepgsout");
	POKE(vs, a + 2 * PG, 1);
	POKE(vs, a + 3 * PG + 9, 2);
	POKE(vs, a + 9 * PG, 3);
	ATF_REQUIRE_EQ(0, vm_fsync(fd));
	out1 = COUNTER("v_vnodeout");
	pout1 = COUNTER("v_vnodepgsout");
	ATF_CHECK_MSG(out1 > out0 && out1 - out0 <= 3, "v_vnodeout %ju -> %ju",
	    (uintmax_t)out0, (uintmax_t)out1);
	ATF_CHECK_MSG(pout1 - pout0 >= 3, "v_vnodepgsout %ju -> %ju",
	    (uintmax_t)pout0, (uintmax_t)pout1);
	HOST_EXPECT_FILL(F, 9 * PG, 1, 3);

	/* Clean now: nothing to write. */
	ATF_REQUIRE_EQ(0, vm_fsync(fd));
	ATF_CHECK_EQ(out1, COUNTER("v_vnodeout"));
	ATF_CHECK_EQ(pout1, COUNTER("v_vnodepgsout"));

	/* vm_pwrite data counts too. */
	VWRITE_FILL(fd, 12 * PG, 2 * PG, 0x37);
	ATF_REQUIRE_EQ(0, vm_fsync(fd));
	ATF_CHECK(COUNTER("v_vnodepgsout") - pout1 >= 2);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A sequential read of a large file (8 MiB) through a mapping reads
 * right, and read-ahead makes the page-ins far fewer than the pages
 * (seed 000's window grows to VM_PAGER_MAX_RUN pages).
 */
ATF_TC_WITHOUT_HEAD(vnode__sequential_readahead);
ATF_TC_BODY(vnode__sequential_readahead, tc)
{
	const vm_size_t size = 8u << 20;
	const uint64_t npages = size / PG;
	struct vmspace *vs;
	vm_offset_t a;
	uint64_t in0, pin0, in1, pin1;
	int fd;

	MKFILE(F, size, 38);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDONLY);
	a = FMAP(vs, size, VM_PROT_READ, VM_MAP_PRIVATE, fd, 0);
	VCLOSE(fd);
	in0 = COUNTER("v_vnodein");
	pin0 = COUNTER("v_vnodepgsin");
	EXPECT_PAT(vs, a, 0, size, 38);
	in1 = COUNTER("v_vnodein");
	pin1 = COUNTER("v_vnodepgsin");
	printf("8 MiB sequential: %ju page-ins, %ju pages\n",
	    (uintmax_t)(in1 - in0), (uintmax_t)(pin1 - pin0));
	ATF_CHECK_MSG(pin1 - pin0 >= npages, "v_vnodepgsin grew by %ju, want "
	    ">= %ju", (uintmax_t)(pin1 - pin0), (uintmax_t)npages);
	ATF_CHECK_MSG(in1 - in0 >= 1 && in1 - in0 < npages / 8,
	    "v_vnodein grew by %ju for %ju pages: no read-ahead",
	    (uintmax_t)(in1 - in0), (uintmax_t)npages);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * VM_MADV_RANDOM turns read-ahead off: each page is its own page-in
 * (seed 000; FreeBSD's MADV_RANDOM).
 */
ATF_TC_WITHOUT_HEAD(vnode__random_no_readahead);
ATF_TC_BODY(vnode__random_no_readahead, tc)
{
	const uint64_t npages = 64;
	struct vmspace *vs;
	vm_offset_t a;
	uint64_t in0, pin0, in1, pin1, i;
	int fd;

	MKFILE(F, npages * PG, 39);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDONLY);
	a = FMAP(vs, npages * PG, VM_PROT_READ, VM_MAP_SHARED, fd, 0);
	ATF_REQUIRE_EQ(0, vm_madvise(vs, a, npages * PG, VM_MADV_RANDOM));
	in0 = COUNTER("v_vnodein");
	pin0 = COUNTER("v_vnodepgsin");
	for (i = 0; i < npages; i++)
		EXPECT_PAT(vs, a + i * PG + 7, i * PG + 7, 1, 39);
	in1 = COUNTER("v_vnodein");
	pin1 = COUNTER("v_vnodepgsin");
	ATF_CHECK_EQ_MSG(npages, in1 - in0, "v_vnodein grew by %ju",
	    (uintmax_t)(in1 - in0));
	ATF_CHECK_EQ_MSG(npages, pin1 - pin0, "v_vnodepgsin grew by %ju",
	    (uintmax_t)(pin1 - pin0));
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * vm_procstat shows a file mapping as a vnode entry with the file's
 * path and the mapping's file offset, shared or private (also once the
 * private one has copied a page); anonymous memory has no path.
 */
ATF_TC_WITHOUT_HEAD(vnode__procstat_vnode);
ATF_TC_BODY(vnode__procstat_vnode, tc)
{
	struct vmspace *vs;
	vm_offset_t s, p, an;
	size_t n;
	int fd, i;

	MKFILE("vnpath_file", 4 * PG, 40);
	boot();
	vs = vs_new();
	fd = VOPEN("vnpath_file", O_RDWR);
	s = FMAP(vs, 2 * PG, RW, VM_MAP_SHARED, fd, 2 * PG);
	p = FMAP(vs, 4 * PG, RW, VM_MAP_PRIVATE, fd, 0);
	an = ANON(vs, PG, RW);
	EXPECT_PAT(vs, s, 2 * PG, PG, 40);
	POKE(vs, p + PG, 1);

	n = PSTAT(vs);
	i = kve_find(n, s);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(VM_KVME_TYPE_VNODE, kve[i].kve_type);
	ATF_CHECK_MSG(strstr(kve[i].kve_path, "vnpath_file") != NULL,
	    "shared entry's kve_path is \"%s\"", kve[i].kve_path);
	ATF_CHECK_EQ(2 * PG, kve[i].kve_offset);
	ATF_CHECK(kve[i].kve_resident >= 1);
	i = kve_find(n, p);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(VM_KVME_TYPE_VNODE, kve[i].kve_type);
	ATF_CHECK_MSG(strstr(kve[i].kve_path, "vnpath_file") != NULL,
	    "private entry's kve_path is \"%s\"", kve[i].kve_path);
	i = kve_find(n, an);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK(kve[i].kve_type != VM_KVME_TYPE_VNODE);
	ATF_CHECK_STREQ("", kve[i].kve_path);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- threads --------------------------------------------------------------- */

/* The first failure a worker thread saw (ATF's macros are the main's). */
static pthread_mutex_t mt_mtx = PTHREAD_MUTEX_INITIALIZER;
static char mt_fail[256];

static void
mt_failf(const char *fmt, ...) __attribute__((__format__(__printf__, 1, 2)));

static void
mt_failf(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&mt_mtx);
	if (mt_fail[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(mt_fail, sizeof(mt_fail), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&mt_mtx);
}

#define	MT_NPAGES	64
#define	MT_READERS	4

struct mt_pagein {
	struct vmspace	*vs;
	vm_offset_t	a;
	int		id;
};

/* Read every page of the mapping, in an order of its own. */
static void *
mt_pagein_reader(void *arg)
{
	struct mt_pagein *r = arg;
	uint8_t buf[256];
	uint64_t pg, off, i;
	int k;

	for (k = 0; k < MT_NPAGES; k++) {
		pg = (uint64_t)(k * (2 * r->id + 1) + r->id * 7) % MT_NPAGES;
		off = pg * PG + (uint64_t)r->id * 512;
		if (vm_copyin(r->vs, r->a + off, buf, sizeof(buf)) != 0) {
			mt_failf("reader %d: vm_copyin at page %ju failed",
			    r->id, (uintmax_t)pg);
			return (NULL);
		}
		for (i = 0; i < sizeof(buf); i++)
			if (buf[i] != pat(off + i, 41)) {
				mt_failf("reader %d: byte at %ju is %#x, want "
				    "%#x", r->id, (uintmax_t)(off + i), buf[i],
				    pat(off + i, 41));
				return (NULL);
			}
	}
	return (NULL);
}

/*
 * Threads faulting the same file's pages at once (through one mapping,
 * and through a second address space) all read the file's data: the
 * page-ins of one page by several faults end with one right page.
 */
ATF_TC_WITHOUT_HEAD(vnode__mt_concurrent_pagein);
ATF_TC_BODY(vnode__mt_concurrent_pagein, tc)
{
	struct mt_pagein r[2 * MT_READERS];
	pthread_t t[2 * MT_READERS];
	struct vmspace *vs, *vs2;
	vm_offset_t a, a2;
	int fd, i, round;

	MKFILE(F, MT_NPAGES * PG, 41);
	boot();
	for (round = 0; round < 4; round++) {
		vs = vs_new();
		vs2 = vs_new();
		fd = VOPEN(F, O_RDONLY);
		a = FMAP(vs, MT_NPAGES * PG, VM_PROT_READ, VM_MAP_SHARED, fd,
		    0);
		a2 = FMAP(vs2, MT_NPAGES * PG, VM_PROT_READ, VM_MAP_PRIVATE,
		    fd, 0);
		for (i = 0; i < 2 * MT_READERS; i++) {
			r[i].vs = i < MT_READERS ? vs : vs2;
			r[i].a = i < MT_READERS ? a : a2;
			r[i].id = i % MT_READERS;
			ATF_REQUIRE_EQ(0, pthread_create(&t[i], NULL,
			    mt_pagein_reader, &r[i]));
		}
		for (i = 0; i < 2 * MT_READERS; i++)
			ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
		ATF_REQUIRE_MSG(mt_fail[0] == '\0', "%s", mt_fail);
		EXPECT_PAT(vs, a, 0, MT_NPAGES * PG, 41);
		/* The last close drops the cache: the next round reads again. */
		VCLOSE(fd);
		vmspace_release(vs);
		vmspace_release(vs2);
	}
	vm_shutdown();
}

/*
 * The truncation race: each page of the file is cut in slots of 64 bytes
 * and every thread has its own slot (so that the test has no data race
 * of its own, as fault_mt_test does): R read through the mapping, S
 * stored through it, P read with vm_pread, W written by the main thread
 * with vm_pwrite.  Sizes are whole pages, so that nothing but the
 * threads writes a page that stays mapped.
 */
#define	MT_TPAGES	8
#define	SLOT_R		0
#define	SLOT_S		64
#define	SLOT_P		128
#define	SLOT_W		192
#define	SLOT_LEN	64

struct mt_trunc {
	struct vmspace	*vs;
	vm_offset_t	a;
	int		fd;
	_Atomic int	stop;
	_Atomic uint64_t ok, bus;
};

static uint64_t
mt_rnd(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
	return (*seed >> 33);
}

/* Slot R through the mapping: 0xaa or 0, or a fault past the end. */
static void *
mt_trunc_reader(void *arg)
{
	struct mt_trunc *m = arg;
	uint8_t buf[SLOT_LEN];
	uint64_t seed = 1, pg, i;

	while (!atomic_load(&m->stop)) {
		pg = mt_rnd(&seed) % MT_TPAGES;
		if (vm_copyin(m->vs, m->a + pg * PG + SLOT_R, buf,
		    sizeof(buf)) != 0) {
			atomic_fetch_add(&m->bus, 1);
			continue;
		}
		atomic_fetch_add(&m->ok, 1);
		for (i = 0; i < sizeof(buf); i++)
			if (buf[i] != 0 && buf[i] != 0xaa) {
				mt_failf("page %ju slot R byte %ju is %#x",
				    (uintmax_t)pg, (uintmax_t)i, buf[i]);
				return (NULL);
			}
	}
	return (NULL);
}

/* Slot S: stores 0xaa through the mapping, and msyncs now and then. */
static void *
mt_trunc_storer(void *arg)
{
	struct mt_trunc *m = arg;
	uint8_t buf[SLOT_LEN];
	uint64_t seed = 2, r;
	int error;

	memset(buf, 0xaa, sizeof(buf));
	while (!atomic_load(&m->stop)) {
		r = mt_rnd(&seed);
		(void)vm_copyout(m->vs, buf, m->a + (r % MT_TPAGES) * PG +
		    SLOT_S, sizeof(buf));
		if ((r & 0x700) == 0) {
			error = vm_msync(m->vs, m->a, MT_TPAGES * PG,
			    (r & 0x800) != 0 ? VM_MS_SYNC : VM_MS_ASYNC);
			if (error != 0) {
				mt_failf("vm_msync: error %d", error);
				return (NULL);
			}
		}
	}
	return (NULL);
}

/* Slot P with vm_pread: 0xaa or 0, never more than the slot. */
static void *
mt_trunc_preader(void *arg)
{
	struct mt_trunc *m = arg;
	uint8_t buf[SLOT_LEN];
	uint64_t seed = 3, pg;
	size_t done, i;
	int error;

	while (!atomic_load(&m->stop)) {
		pg = mt_rnd(&seed) % MT_TPAGES;
		done = 0;
		error = vm_pread(m->fd, buf, sizeof(buf),
		    (off_t)(pg * PG + SLOT_P), &done);
		if (error != 0 || (done != 0 && done != sizeof(buf))) {
			mt_failf("vm_pread of page %ju: error %d, done %zu",
			    (uintmax_t)pg, error, done);
			return (NULL);
		}
		for (i = 0; i < done; i++)
			if (buf[i] != 0 && buf[i] != 0xaa) {
				mt_failf("vm_pread page %ju slot P byte %zu is "
				    "%#x", (uintmax_t)pg, i, buf[i]);
				return (NULL);
			}
	}
	return (NULL);
}

/*
 * Truncation racing with faults, stores, msync and vm_pread: the main
 * thread shrinks and regrows the file (vm_ftruncate, vm_pwrite of its
 * slot, vm_fsync) while the others read and store through a shared
 * mapping and read through the descriptor.  The main thread knows what
 * its own slot must hold: 0xaa where it wrote since the page was last
 * cut off, 0 where the page came back by growth, SIGBUS past the end.
 * The others see only 0 or 0xaa.  Run under ThreadSanitizer too.
 */
ATF_TC_WITHOUT_HEAD(vnode__mt_truncate_vs_fault);
ATF_TC_BODY(vnode__mt_truncate_vs_fault, tc)
{
	static const int sizes[] = { 0, 1, 3, 8, 5, 2, 7, 1, 6, 4, 8, 0, 2 };
	const vm_size_t len = MT_TPAGES * PG;
	struct mt_trunc m;
	pthread_t t[3];
	uint8_t want[MT_TPAGES], buf[SLOT_LEN], slot[SLOT_LEN];
	size_t done;
	uint64_t seed = 4;
	int i, pg, npg = 0, signo, code;

	MKFILE(F, 0, 0);
	boot();
	memset(&m, 0, sizeof(m));
	m.vs = vs_new();
	m.fd = VOPEN(F, O_RDWR);
	VWRITE_FILL(m.fd, 0, len, 0xaa);
	memset(want, 0xaa, sizeof(want));
	m.a = FMAP(m.vs, len, RW, VM_MAP_SHARED, m.fd, 0);
	memset(slot, 0xaa, sizeof(slot));
	ATF_REQUIRE_EQ(0, pthread_create(&t[0], NULL, mt_trunc_reader, &m));
	ATF_REQUIRE_EQ(0, pthread_create(&t[1], NULL, mt_trunc_storer, &m));
	ATF_REQUIRE_EQ(0, pthread_create(&t[2], NULL, mt_trunc_preader, &m));
	for (i = 0; i < 300 && mt_fail[0] == '\0'; i++) {
		npg = sizes[i % (int)(sizeof(sizes) / sizeof(sizes[0]))];
		ATF_REQUIRE_EQ(0, vm_ftruncate(m.fd, (off_t)npg * (off_t)PG));
		for (pg = npg; pg < MT_TPAGES; pg++)
			want[pg] = 0;
		for (pg = 0; pg < npg; pg++) {
			if (mt_rnd(&seed) % 2 != 0)
				continue;
			ATF_REQUIRE_EQ(0, vm_pwrite(m.fd, slot, sizeof(slot),
			    (off_t)pg * (off_t)PG + SLOT_W, &done));
			ATF_REQUIRE_EQ(sizeof(slot), done);
			want[pg] = 0xaa;
		}
		if (i % 7 == 0)
			ATF_REQUIRE_EQ(0, vm_fsync(m.fd));
		for (pg = 0; pg < MT_TPAGES; pg++) {
			vm_offset_t va = m.a + (vm_offset_t)pg * PG + SLOT_W;
			int error;

			if (pg >= npg) {
				signo = code = 0;
				error = vm_fault_trap(m.vs, va, VM_PROT_READ,
				    &signo, &code);
				ATF_REQUIRE_MSG(error == EFAULT &&
				    signo == SIGBUS && code == BUS_OBJERR,
				    "round %d: page %d past the end (%d "
				    "pages): error %d signal %d code %d", i,
				    pg, npg, error, signo, code);
				continue;
			}
			ATF_REQUIRE_EQ_MSG(0, vm_copyin(m.vs, va, buf,
			    sizeof(buf)), "round %d page %d", i, pg);
			ATF_REQUIRE_MSG(buf[0] == want[pg] &&
			    memcmp(buf, buf + 1, sizeof(buf) - 1) == 0,
			    "round %d: page %d slot W reads %#x..%#x, want "
			    "%#x", i, pg, buf[0], buf[sizeof(buf) - 1],
			    want[pg]);
		}
	}
	atomic_store(&m.stop, 1);
	for (i = 0; i < 3; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
	ATF_REQUIRE_MSG(mt_fail[0] == '\0', "%s", mt_fail);
	printf("%ju reads, %ju faults past the end\n",
	    (uintmax_t)atomic_load(&m.ok), (uintmax_t)atomic_load(&m.bus));

	/* The host file ends as the last truncation and writes left it. */
	ATF_REQUIRE_EQ(0, vm_fsync(m.fd));
	ATF_CHECK_EQ((off_t)npg * (off_t)PG, HOST_SIZE(F));
	for (pg = 0; pg < npg; pg++)
		HOST_EXPECT_FILL(F, (off_t)pg * (off_t)PG + SLOT_W, SLOT_LEN,
		    want[pg]);
	VCLOSE(m.fd);
	vmspace_release(m.vs);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, vnode__shared_sees_pwrite);
	ATF_TP_ADD_TC(tp, vnode__pread_sees_store);
	ATF_TP_ADD_TC(tp, vnode__two_names_one_cache);
	ATF_TP_ADD_TC(tp, vnode__two_vmspaces_share);
	ATF_TP_ADD_TC(tp, vnode__fork_shared);
	ATF_TP_ADD_TC(tp, vnode__private_sees_uncopied);
	ATF_TP_ADD_TC(tp, vnode__private_store_not_in_file);
	ATF_TP_ADD_TC(tp, vnode__mapping_outlives_close);
	ATF_TP_ADD_TC(tp, vnode__rdonly_shared_write_eacces);
	ATF_TP_ADD_TC(tp, vnode__rdonly_shared_mprotect_eacces);
	ATF_TP_ADD_TC(tp, vnode__wronly_read_eacces);
	ATF_TP_ADD_TC(tp, vnode__unaligned_offset);
	ATF_TP_ADD_TC(tp, vnode__fixed_offset_mismatch);
	ATF_TP_ADD_TC(tp, vnode__map_past_eof);
	ATF_TP_ADD_TC(tp, vnode__ebadf);
	ATF_TP_ADD_TC(tp, vnode__pread_pwrite_rules);
	ATF_TP_ADD_TC(tp, vnode__not_booted);
	ATF_TP_ADD_TC(tp, vnode__truncate_sigbus);
	ATF_TP_ADD_TC(tp, vnode__truncate_private_copy_survives);
	ATF_TP_ADD_TC(tp, vnode__truncate_partial_page);
	ATF_TP_ADD_TC(tp, vnode__truncate_grow_zero);
	ATF_TP_ADD_TC(tp, vnode__store_past_eof_in_last_page);
	ATF_TP_ADD_TC(tp, vnode__fsync_writes_back);
	ATF_TP_ADD_TC(tp, vnode__close_writes_back);
	ATF_TP_ADD_TC(tp, vnode__shutdown_writes_back);
	ATF_TP_ADD_TC(tp, vnode__host_size);
	ATF_TP_ADD_TC(tp, vnode__open_errors);
	ATF_TP_ADD_TC(tp, vnode__open_trunc);
	ATF_TP_ADD_TC(tp, vnode__open_eacces);
	ATF_TP_ADD_TC(tp, vnode__text_writer_etxtbsy);
	ATF_TP_ADD_TC(tp, vnode__text_blocks_open_write);
	ATF_TP_ADD_TC(tp, vnode__text_released_on_munmap);
	ATF_TP_ADD_TC(tp, vnode__text_blocked_by_shared_writer);
	ATF_TP_ADD_TC(tp, vnode__mremap_dup_counts);
	ATF_TP_ADD_TC(tp, vnode__counters_pagein);
	ATF_TP_ADD_TC(tp, vnode__counters_pageout);
	ATF_TP_ADD_TC(tp, vnode__sequential_readahead);
	ATF_TP_ADD_TC(tp, vnode__random_no_readahead);
	ATF_TP_ADD_TC(tp, vnode__procstat_vnode);
	ATF_TP_ADD_TC(tp, vnode__mt_concurrent_pagein);
	ATF_TP_ADD_TC(tp, vnode__mt_truncate_vs_fault);
	return (atf_no_error());
}
