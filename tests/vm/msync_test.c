/*
 * Acceptance tests of vm_msync(3), written from FreeBSD's msync(2),
 * kern_msync(), vm_map_sync() and vm_object_sync() (where the code and
 * the manual disagree libvm follows the code: an unaligned address is
 * rounded down, a hole is ENOMEM), and re-expressing NetBSD's t_msync.c
 * (msync_sync, msync_async, msync_invalidate, msync_err) against the
 * public API only.
 *
 * What reaches the file is read back through the host (open(2)/pread(2)
 * of the file libvm opened), so write-back is checked end to end.
 *
 * Every case boots its own libvm (64 MiB) and shuts it down at the end;
 * files live in the case's ATF work directory.
 */
#include <limits.h>
#include <time.h>

#include "file_test_util.h"

#define	F	"data"

/* Map len bytes of path shared read-write; *fdp gets the descriptor. */
static vm_offset_t
map_shared_l(int line, struct vmspace *vs, const char *path, vm_size_t len,
    int *fdp)
{
	*fdp = vopen_l(line, path, O_RDWR, 0644);
	return (fmap_l(line, vs, 0, len, RW, VM_MAP_SHARED, *fdp, 0));
}
#define	MAP_SHARED_FILE(vs, path, len, fdp)				\
	map_shared_l(__LINE__, (vs), (path), (len), (fdp))

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	(void)nanosleep(&ts, NULL);
}

/* ---- what msync writes ---------------------------------------------------- */

/*
 * MS_SYNC: the stores in the range are in the host file when vm_msync
 * returns, with the descriptor still open and the mapping still there.
 */
ATF_TC_WITHOUT_HEAD(msync__sync_reaches_host);
ATF_TC_BODY(msync__sync_reaches_host, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd;

	MKFILE(F, 3 * PG, 1);
	boot();
	vs = vs_new();
	a = MAP_SHARED_FILE(vs, F, 3 * PG, &fd);
	FILL(vs, a + PG + 100, 200, 0xa1);
	ATF_REQUIRE_EQ(0, vm_msync(vs, a + PG, PG, VM_MS_SYNC));
	HOST_EXPECT_FILL(F, PG + 100, 200, 0xa1);
	HOST_EXPECT_PAT(F, PG, 100, 1);
	HOST_EXPECT_PAT(F, PG + 300, PG - 300, 1);

	/* The whole mapping, stores in every page. */
	FILL(vs, a, 3 * PG, 0xa2);
	ATF_REQUIRE_EQ(0, vm_msync(vs, a, 3 * PG, VM_MS_SYNC));
	HOST_EXPECT_FILL(F, 0, 3 * PG, 0xa2);
	ATF_CHECK_EQ((off_t)(3 * PG), HOST_SIZE(F));
	/* The mapping still reads what it stored. */
	EXPECT_FILL(vs, a, 3 * PG, 0xa2);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * MS_ASYNC starts the write-back and returns 0; the stores reach the
 * host file without any further call.
 */
ATF_TC_WITHOUT_HEAD(msync__async_reaches_host);
ATF_TC_BODY(msync__async_reaches_host, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	uint8_t buf[64];
	int fd, i, ms;

	MKFILE(F, 2 * PG, 2);
	boot();
	vs = vs_new();
	a = MAP_SHARED_FILE(vs, F, 2 * PG, &fd);
	FILL(vs, a + PG + 1, 64, 0xb1);
	ATF_REQUIRE_EQ(0, vm_msync(vs, a, 2 * PG, VM_MS_ASYNC));
	for (ms = 0; ms < 10000; ms += 10) {
		HOST_READ(F, buf, sizeof(buf), PG + 1);
		for (i = 0; i < (int)sizeof(buf); i++)
			if (buf[i] != 0xb1)
				break;
		if (i == (int)sizeof(buf))
			break;
		sleep_ms(10);
	}
	ATF_CHECK_MSG(ms < 10000, "the MS_ASYNC write never reached the "
	    "host file");
	HOST_EXPECT_FILL(F, PG + 1, 64, 0xb1);
	/* MS_SYNC after MS_ASYNC is fine and leaves the same file. */
	ATF_REQUIRE_EQ(0, vm_msync(vs, a, 2 * PG, VM_MS_SYNC));
	HOST_EXPECT_FILL(F, PG + 1, 64, 0xb1);
	HOST_EXPECT_PAT(F, 0, PG + 1, 2);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * NetBSD's msync_sync/async/invalidate: a private mapping of a page,
 * garbage written at an offset through the descriptor, msync with each
 * flag, and the mapping shows the garbage (it never copied the page).
 */
static void
msync_private_garbage(int flags)
{
	static const char garbage[] = "garbage";
	struct vmspace *vs;
	vm_offset_t p;
	uint8_t buf[sizeof(garbage) - 1];
	size_t done;
	int fd;

	MKFILE(F, PG, 3);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	p = FMAP(vs, PG, RW, VM_MAP_PRIVATE, fd, 0);
	EXPECT_PAT(vs, p, 0, PG, 3);		/* mapped, not copied */
	ATF_REQUIRE_EQ(0, vm_pwrite(fd, garbage, sizeof(buf), 512, &done));
	ATF_REQUIRE_EQ(sizeof(buf), done);
	ATF_REQUIRE_EQ(0, vm_msync(vs, p, PG, flags));
	ATF_REQUIRE_EQ(0, vm_copyin(vs, p + 512, buf, sizeof(buf)));
	ATF_CHECK_MSG(memcmp(buf, garbage, sizeof(buf)) == 0,
	    "msync(%#x) did not synchronize: \"%.*s\"", flags,
	    (int)sizeof(buf), buf);
	EXPECT_PAT(vs, p, 0, 512, 3);
	EXPECT_PAT(vs, p + 512 + sizeof(buf), 512 + sizeof(buf),
	    PG - 512 - sizeof(buf), 3);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

ATF_TC_WITHOUT_HEAD(msync__private_sync);
ATF_TC_BODY(msync__private_sync, tc)
{
	msync_private_garbage(VM_MS_SYNC);
}

ATF_TC_WITHOUT_HEAD(msync__private_async);
ATF_TC_BODY(msync__private_async, tc)
{
	msync_private_garbage(VM_MS_ASYNC);
}

ATF_TC_WITHOUT_HEAD(msync__private_invalidate);
ATF_TC_BODY(msync__private_invalidate, tc)
{
	msync_private_garbage(VM_MS_INVALIDATE);
}

/*
 * MS_INVALIDATE drops the clean cached pages: after the host file
 * changes behind libvm's back, the mapping (and vm_pread) read the new
 * contents; without it they keep the cached ones.
 */
ATF_TC_WITHOUT_HEAD(msync__invalidate_rereads_file);
ATF_TC_BODY(msync__invalidate_rereads_file, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	uint8_t buf[VM_PAGE_SIZE];
	int fd;

	MKFILE(F, 2 * PG, 4);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	a = FMAP(vs, 2 * PG, VM_PROT_READ, VM_MAP_SHARED, fd, 0);
	EXPECT_PAT(vs, a, 0, 2 * PG, 4);
	memset(buf, 0xc4, sizeof(buf));
	HOST_WRITE(F, buf, sizeof(buf), PG);
	/* Cached: the host's change is not seen yet. */
	EXPECT_PAT(vs, a + PG, PG, PG, 4);
	ATF_REQUIRE_EQ(0, vm_msync(vs, a, 2 * PG, VM_MS_INVALIDATE));
	EXPECT_FILL(vs, a + PG, PG, 0xc4);
	VREAD_EXPECT_FILL(fd, PG, PG, 0xc4);
	EXPECT_PAT(vs, a, 0, PG, 4);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * MS_INVALIDATE (with MS_SYNC, its default) writes dirty pages back
 * before it drops them: the stores are in the host file and the mapping
 * still reads them.
 */
ATF_TC_WITHOUT_HEAD(msync__invalidate_keeps_dirty);
ATF_TC_BODY(msync__invalidate_keeps_dirty, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd;

	MKFILE(F, 2 * PG, 5);
	boot();
	vs = vs_new();
	a = MAP_SHARED_FILE(vs, F, 2 * PG, &fd);
	FILL(vs, a + 10, 20, 0xd5);
	FILL(vs, a + PG, PG, 0xd6);
	ATF_REQUIRE_EQ(0, vm_msync(vs, a, 2 * PG,
	    VM_MS_SYNC | VM_MS_INVALIDATE));
	HOST_EXPECT_FILL(F, 10, 20, 0xd5);
	HOST_EXPECT_FILL(F, PG, PG, 0xd6);
	EXPECT_FILL(vs, a + 10, 20, 0xd5);
	EXPECT_FILL(vs, a + PG, PG, 0xd6);
	EXPECT_PAT(vs, a, 0, 10, 5);
	VREAD_EXPECT_FILL(fd, PG, PG, 0xd6);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A private mapping's copied pages are not the file's: MS_INVALIDATE
 * keeps them (FreeBSD's vm_object_sync works on the file's object
 * below), while its pages not copied read the file again.
 */
ATF_TC_WITHOUT_HEAD(msync__invalidate_private_copy_kept);
ATF_TC_BODY(msync__invalidate_private_copy_kept, tc)
{
	struct vmspace *vs;
	vm_offset_t p;
	uint8_t buf[VM_PAGE_SIZE];
	int fd;

	MKFILE(F, 2 * PG, 6);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	p = FMAP(vs, 2 * PG, RW, VM_MAP_PRIVATE, fd, 0);
	EXPECT_PAT(vs, p, 0, 2 * PG, 6);
	FILL(vs, p, PG, 0x99);			/* page 0 copied */
	memset(buf, 0x55, sizeof(buf));
	HOST_WRITE(F, buf, sizeof(buf), 0);
	HOST_WRITE(F, buf, sizeof(buf), PG);
	ATF_REQUIRE_EQ(0, vm_msync(vs, p, 2 * PG, VM_MS_INVALIDATE));
	EXPECT_FILL(vs, p, PG, 0x99);
	EXPECT_FILL(vs, p + PG, PG, 0x55);
	/* And nothing private went to the file. */
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
	HOST_EXPECT_FILL(F, 0, 2 * PG, 0x55);
}

/* Stores through a private mapping are not written by msync. */
ATF_TC_WITHOUT_HEAD(msync__private_not_written);
ATF_TC_BODY(msync__private_not_written, tc)
{
	struct vmspace *vs;
	vm_offset_t p;
	int fd;

	MKFILE(F, 2 * PG, 7);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	p = FMAP(vs, 2 * PG, RW, VM_MAP_PRIVATE, fd, 0);
	FILL(vs, p, 2 * PG, 0xe7);
	ATF_REQUIRE_EQ(0, vm_msync(vs, p, 2 * PG, VM_MS_SYNC));
	ATF_REQUIRE_EQ(0, vm_msync(vs, p, 2 * PG, VM_MS_ASYNC));
	HOST_EXPECT_PAT(F, 0, 2 * PG, 7);
	VREAD_EXPECT_PAT(fd, 0, 2 * PG, 7);
	EXPECT_FILL(vs, p, 2 * PG, 0xe7);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
	HOST_EXPECT_PAT(F, 0, 2 * PG, 7);
}

/*
 * len 0 syncs the whole mapping at addr (FreeBSD's vm_map_sync), also
 * when addr is a page in its middle.  An unaligned addr is rounded down
 * to its page and the length grows by as much (kern_msync), so an
 * unaligned addr with len 0 is its one page, and 10 bytes from 6 before
 * a page boundary are two pages.
 */
ATF_TC_WITHOUT_HEAD(msync__len_zero_and_unaligned);
ATF_TC_BODY(msync__len_zero_and_unaligned, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b;
	int fd, fd2;

	MKFILE(F, 3 * PG, 8);
	MKFILE("second", 3 * PG, 9);
	boot();
	vs = vs_new();
	a = MAP_SHARED_FILE(vs, F, 3 * PG, &fd);
	b = MAP_SHARED_FILE(vs, "second", 3 * PG, &fd2);
	FILL(vs, a + 2 * PG + 7, 9, 0xf1);
	FILL(vs, a, 3, 0xf2);
	ATF_REQUIRE_EQ(0, vm_msync(vs, a, 0, VM_MS_SYNC));
	HOST_EXPECT_FILL(F, 2 * PG + 7, 9, 0xf1);
	HOST_EXPECT_FILL(F, 0, 3, 0xf2);

	FILL(vs, b, 5, 0xf3);
	FILL(vs, b + 2 * PG, 5, 0xf4);
	ATF_REQUIRE_EQ(0, vm_msync(vs, b + PG, 0, VM_MS_SYNC));
	HOST_EXPECT_FILL("second", 0, 5, 0xf3);
	HOST_EXPECT_FILL("second", 2 * PG, 5, 0xf4);

	FILL(vs, b + PG + 200, 1, 0xf7);
	ATF_REQUIRE_EQ(0, vm_msync(vs, b + PG + 123, 0, VM_MS_SYNC));
	HOST_EXPECT_FILL("second", PG + 200, 1, 0xf7);

	/* [b + PG + 4090, +10) covers pages 1 and 2. */
	FILL(vs, b + PG, 1, 0xf5);
	FILL(vs, b + 2 * PG + 1, 1, 0xf6);
	ATF_REQUIRE_EQ(0, vm_msync(vs, b + PG + 4090, 10, VM_MS_SYNC));
	HOST_EXPECT_FILL("second", PG, 1, 0xf5);
	HOST_EXPECT_FILL("second", 2 * PG + 1, 1, 0xf6);
	VCLOSE(fd);
	VCLOSE(fd2);
	vmspace_release(vs);
	vm_shutdown();
}

/* One msync over two adjacent mappings of two files writes both. */
ATF_TC_WITHOUT_HEAD(msync__spans_two_mappings);
ATF_TC_BODY(msync__spans_two_mappings, tc)
{
	const vm_offset_t base = 0x20000000000;
	struct vmspace *vs;
	vm_offset_t a, b;
	int fd, fd2;

	MKFILE(F, 2 * PG, 10);
	MKFILE("second", 2 * PG, 11);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	fd2 = VOPEN("second", O_RDWR);
	a = FMAP_AT(vs, base, 2 * PG, RW, VM_MAP_SHARED | VM_MAP_FIXED, fd, 0);
	b = FMAP_AT(vs, base + 2 * PG, 2 * PG, RW,
	    VM_MAP_SHARED | VM_MAP_FIXED, fd2, 0);
	ATF_REQUIRE_EQ(base, a);
	ATF_REQUIRE_EQ(base + 2 * PG, b);
	FILL(vs, a + PG, 10, 0x1a);
	FILL(vs, b, 10, 0x1b);
	ATF_REQUIRE_EQ(0, vm_msync(vs, a + PG, 2 * PG, VM_MS_SYNC));
	HOST_EXPECT_FILL(F, PG, 10, 0x1a);
	HOST_EXPECT_FILL("second", 0, 10, 0x1b);
	VCLOSE(fd);
	VCLOSE(fd2);
	vmspace_release(vs);
	vm_shutdown();
}

/* msync of anonymous memory does nothing and succeeds. */
ATF_TC_WITHOUT_HEAD(msync__anon);
ATF_TC_BODY(msync__anon, tc)
{
	struct vmspace *vs;
	vm_offset_t a, s;

	boot();
	vs = vs_new();
	a = ANON(vs, 2 * PG, RW);
	s = MAP(vs, 0, 2 * PG, RW, VM_MAP_ANON | VM_MAP_SHARED);
	FILL(vs, a, 2 * PG, 0x2c);
	FILL(vs, s, 2 * PG, 0x2d);
	ATF_CHECK_EQ(0, vm_msync(vs, a, 2 * PG, VM_MS_SYNC));
	ATF_CHECK_EQ(0, vm_msync(vs, s, 2 * PG, VM_MS_ASYNC));
	ATF_CHECK_EQ(0, vm_msync(vs, a, 2 * PG, VM_MS_INVALIDATE));
	ATF_CHECK_EQ(0, vm_msync(vs, s, 2 * PG, VM_MS_INVALIDATE));
	EXPECT_FILL(vs, a, 2 * PG, 0x2c);
	EXPECT_FILL(vs, s, 2 * PG, 0x2d);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Bytes stored past the end of the file in its last page are not
 * written by msync: the host file keeps its size and contents.
 */
ATF_TC_WITHOUT_HEAD(msync__store_past_eof_not_written);
ATF_TC_BODY(msync__store_past_eof_not_written, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd;

	MKFILE(F, PG + 300, 16);
	boot();
	vs = vs_new();
	a = MAP_SHARED_FILE(vs, F, 2 * PG, &fd);
	FILL(vs, a + PG, PG, 0x6a);		/* 300 bytes of file, the rest not */
	ATF_REQUIRE_EQ(0, vm_msync(vs, a, 2 * PG, VM_MS_SYNC));
	ATF_CHECK_EQ((off_t)(PG + 300), HOST_SIZE(F));
	HOST_EXPECT_FILL(F, PG, 300, 0x6a);
	HOST_EXPECT_PAT(F, 0, PG, 16);
	ATF_REQUIRE_EQ(0, vm_msync(vs, a, 2 * PG, VM_MS_ASYNC));
	ATF_REQUIRE_EQ(0, vm_msync(vs, a, 2 * PG, VM_MS_INVALIDATE));
	ATF_CHECK_EQ((off_t)(PG + 300), HOST_SIZE(F));
	ATF_CHECK_EQ(300, VREAD_COUNT(fd, PG, PG));
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
	ATF_CHECK_EQ((off_t)(PG + 300), HOST_SIZE(F));
}

/* ---- errors --------------------------------------------------------------- */

/*
 * Flags: MS_ASYNC with MS_INVALIDATE, and bits msync does not define,
 * are EINVAL (NetBSD's msync_err passes -1 and INT_MAX); nothing is
 * written then.
 */
ATF_TC_WITHOUT_HEAD(msync__einval_flags);
ATF_TC_BODY(msync__einval_flags, tc)
{
	static const int bad[] = { VM_MS_ASYNC | VM_MS_INVALIDATE, 0x4, 0x8,
	    0x10, 0x100, -1, INT_MAX, INT_MIN, VM_MS_INVALIDATE | 0x4 };
	struct vmspace *vs;
	vm_offset_t a;
	size_t i;
	int fd;

	MKFILE(F, PG, 12);
	boot();
	vs = vs_new();
	a = MAP_SHARED_FILE(vs, F, PG, &fd);
	FILL(vs, a, 8, 0x3e);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_EQ_MSG(EINVAL, vm_msync(vs, a, PG, bad[i]),
		    "flags %#x", bad[i]);
	HOST_EXPECT_PAT(F, 0, PG, 12);
	ATF_CHECK_EQ(0, vm_msync(vs, a, PG, VM_MS_SYNC));
	HOST_EXPECT_FILL(F, 0, 8, 0x3e);
	ATF_CHECK_EQ(0, vm_msync(vs, a, PG, VM_MS_ASYNC));
	ATF_CHECK_EQ(0, vm_msync(vs, a, PG, VM_MS_INVALIDATE));
	/* A range that wraps around is EINVAL (kern_msync). */
	ATF_CHECK_EQ(EINVAL, vm_msync(vs, a, UINT64_MAX, VM_MS_SYNC));
	ATF_CHECK_EQ(EINVAL, vm_msync(vs, a + 1, UINT64_MAX - PG, VM_MS_SYNC));
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A range with unmapped pages is ENOMEM (FreeBSD's kern_msync): after
 * munmap, over a hole between two mappings, past the end of a mapping,
 * above the user range; and with len 0 at an unmapped address.
 */
ATF_TC_WITHOUT_HEAD(msync__enomem_unmapped);
ATF_TC_BODY(msync__enomem_unmapped, tc)
{
	const vm_offset_t base = 0x30000000000;
	struct vmspace *vs;
	vm_offset_t a, b, u;
	int fd;

	MKFILE(F, 4 * PG, 13);
	boot();
	vs = vs_new();
	fd = VOPEN(F, O_RDWR);
	u = ANON(vs, PG, RW);
	VUNMAP(vs, u, PG);
	ATF_CHECK_EQ(ENOMEM, vm_msync(vs, u, PG, VM_MS_SYNC));
	ATF_CHECK_EQ(ENOMEM, vm_msync(vs, u, 0, VM_MS_SYNC));
	ATF_CHECK_EQ(ENOMEM, vm_msync(vs, u, PG, VM_MS_INVALIDATE));

	a = FMAP_AT(vs, base, PG, RW, VM_MAP_SHARED | VM_MAP_FIXED, fd, 0);
	b = FMAP_AT(vs, base + 2 * PG, PG, RW, VM_MAP_SHARED | VM_MAP_FIXED,
	    fd, 2 * PG);
	ATF_REQUIRE_EQ(base, a);
	ATF_REQUIRE_EQ(base + 2 * PG, b);
	ATF_CHECK_EQ(ENOMEM, vm_msync(vs, a, 3 * PG, VM_MS_SYNC));
	ATF_CHECK_EQ(ENOMEM, vm_msync(vs, a, 2 * PG, VM_MS_ASYNC));
	ATF_CHECK_EQ(ENOMEM, vm_msync(vs, a + PG, PG, VM_MS_SYNC));
	ATF_CHECK_EQ(ENOMEM, vm_msync(vs, b, 2 * PG, VM_MS_SYNC));
	ATF_CHECK_EQ(ENOMEM, vm_msync(vs, VM_MAX_USER_ADDRESS, PG,
	    VM_MS_SYNC));
	ATF_CHECK_EQ(ENOMEM, vm_msync(vs, 0, PG, VM_MS_SYNC));
	ATF_CHECK_EQ(0, vm_msync(vs, a, PG, VM_MS_SYNC));
	ATF_CHECK_EQ(0, vm_msync(vs, b, PG, VM_MS_SYNC));
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * MS_INVALIDATE over wired (mlock'ed) pages is EBUSY (FreeBSD's
 * vm_map_sync); MS_SYNC of them writes them; once unlocked the
 * invalidation works.
 */
ATF_TC_WITHOUT_HEAD(msync__ebusy_wired);
ATF_TC_BODY(msync__ebusy_wired, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd;

	MKFILE(F, 3 * PG, 14);
	boot();
	vs = vs_new();
	a = MAP_SHARED_FILE(vs, F, 3 * PG, &fd);
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a + PG, PG));
	FILL(vs, a + PG, 16, 0x4e);
	ATF_CHECK_EQ(EBUSY, vm_msync(vs, a, 3 * PG, VM_MS_INVALIDATE));
	ATF_CHECK_EQ(EBUSY, vm_msync(vs, a + PG, PG, VM_MS_INVALIDATE));
	/* len 0: the mapping at addr, which mlock made the wired part. */
	ATF_CHECK_EQ(EBUSY, vm_msync(vs, a + PG + 5, 0, VM_MS_INVALIDATE));
	/* Not over the wired part: fine. */
	ATF_CHECK_EQ(0, vm_msync(vs, a, PG, VM_MS_INVALIDATE));
	ATF_CHECK_EQ(0, vm_msync(vs, a + PG, PG, VM_MS_SYNC));
	HOST_EXPECT_FILL(F, PG, 16, 0x4e);
	EXPECT_FILL(vs, a + PG, 16, 0x4e);
	ATF_REQUIRE_EQ(0, vm_munlock(vs, a + PG, PG));
	ATF_CHECK_EQ(0, vm_msync(vs, a, 3 * PG, VM_MS_INVALIDATE));
	EXPECT_FILL(vs, a + PG, 16, 0x4e);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- counters ------------------------------------------------------------- */

/*
 * msync's write-back counts in v_vnodeout and v_vnodepgsout; a second
 * msync with nothing dirty writes nothing, and neither does one over
 * pages only read.
 */
ATF_TC_WITHOUT_HEAD(msync__counters);
ATF_TC_BODY(msync__counters, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	uint64_t out0, pout0, out1, pout1;
	int fd;

	MKFILE(F, 8 * PG, 15);
	boot();
	vs = vs_new();
	a = MAP_SHARED_FILE(vs, F, 8 * PG, &fd);
	EXPECT_PAT(vs, a, 0, 8 * PG, 15);
	out0 = COUNTER("v_vnodeout");
	pout0 = COUNTER("v_vnodepgsout");
	ATF_REQUIRE_EQ(0, vm_msync(vs, a, 8 * PG, VM_MS_SYNC));
	ATF_CHECK_EQ(out0, COUNTER("v_vnodeout"));
	ATF_CHECK_EQ(pout0, COUNTER("v_vnodepgsout"));

	FILL(vs, a + 4 * PG, 2 * PG, 0x5f);
	ATF_REQUIRE_EQ(0, vm_msync(vs, a, 8 * PG, VM_MS_SYNC));
	out1 = COUNTER("v_vnodeout");
	pout1 = COUNTER("v_vnodepgsout");
	ATF_CHECK_MSG(out1 > out0 && out1 - out0 <= 2, "v_vnodeout %ju -> %ju",
	    (uintmax_t)out0, (uintmax_t)out1);
	ATF_CHECK_MSG(pout1 - pout0 >= 2, "v_vnodepgsout %ju -> %ju",
	    (uintmax_t)pout0, (uintmax_t)pout1);
	ATF_REQUIRE_EQ(0, vm_msync(vs, a, 8 * PG, VM_MS_SYNC));
	ATF_CHECK_EQ(out1, COUNTER("v_vnodeout"));
	ATF_CHECK_EQ(pout1, COUNTER("v_vnodepgsout"));
	HOST_EXPECT_FILL(F, 4 * PG, 2 * PG, 0x5f);
	VCLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, msync__sync_reaches_host);
	ATF_TP_ADD_TC(tp, msync__async_reaches_host);
	ATF_TP_ADD_TC(tp, msync__private_sync);
	ATF_TP_ADD_TC(tp, msync__private_async);
	ATF_TP_ADD_TC(tp, msync__private_invalidate);
	ATF_TP_ADD_TC(tp, msync__invalidate_rereads_file);
	ATF_TP_ADD_TC(tp, msync__invalidate_keeps_dirty);
	ATF_TP_ADD_TC(tp, msync__invalidate_private_copy_kept);
	ATF_TP_ADD_TC(tp, msync__private_not_written);
	ATF_TP_ADD_TC(tp, msync__len_zero_and_unaligned);
	ATF_TP_ADD_TC(tp, msync__spans_two_mappings);
	ATF_TP_ADD_TC(tp, msync__anon);
	ATF_TP_ADD_TC(tp, msync__store_past_eof_not_written);
	ATF_TP_ADD_TC(tp, msync__einval_flags);
	ATF_TP_ADD_TC(tp, msync__enomem_unmapped);
	ATF_TP_ADD_TC(tp, msync__ebusy_wired);
	ATF_TP_ADD_TC(tp, msync__counters);
	return (atf_no_error());
}
