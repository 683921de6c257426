/*
 * Acceptance tests of POSIX shared memory (vm_shm_open(3)): the behaviour
 * of FreeBSD's tests/sys/posixshm/posixshm_test.c (open, create, EEXIST,
 * ENOENT, access modes, names, O_TRUNC, object_resize,
 * shm_functionality_across_fork, readonly_mmap_write, ...) and
 * memfd_test.c (seals: write_seal, mmap_write_seal, truncate_seals,
 * get_seals, dup_seals, immutable_seals), re-expressed against libvm's
 * public API, plus libvm's own contract from include/libvm.h, API.md,
 * issue 8 and the essay of sys/kern/posixshm.c:
 *
 *  - names start with '/' and are at most 1023 bytes; NULL is an
 *    anonymous object, which must be opened O_RDWR;
 *  - the size comes from vm_ftruncate only: vm_pwrite and vm_pread stop
 *    at it, as FreeBSD's write(2)/read(2) of a shm_open object do (only
 *    memfd objects grow on write there, which is what memfd_test's basic
 *    case checks); shrinking frees the pages past the end and makes their
 *    mapped addresses raise SIGBUS (BUS_OBJERR); growing reads zeros; a
 *    mapping may reach past the end, as FreeBSD's shm_mmap allows (SIGBUS
 *    there until the object grows);
 *  - every object may take seals (FreeBSD's shm_open starts objects with
 *    F_SEAL_SEAL; libvm's are like memfd_create(MFD_ALLOW_SEALING));
 *  - the permission bits of the creator's mode decide later opens (one
 *    user: FreeBSD's tests run as root, which bypasses them).
 *
 * Where libvm documents a choice of its own (posixshm.c, docs/files.md,
 * vm_shm_open(3), vm_mmap(3)) these tests check libvm's choice and say
 * what FreeBSD does:
 *  - a writable MAP_SHARED mapping of a write-sealed object is EPERM, as
 *    an older FreeBSD shm_mmap had it (current FreeBSD and its
 *    memfd_test: EACCES; issue 8 says EACCES);
 *  - only MAP_SHARED mappings with PROT_WRITE count as writers for
 *    F_SEAL_WRITE; a read-only shared mapping of a writable descriptor
 *    does not (FreeBSD counts it: mmap_write_seal expects EBUSY) but can
 *    no longer be made writable once the seal is in;
 *  - a descriptor mapping with neither MAP_SHARED nor MAP_PRIVATE is
 *    private (FreeBSD's kern_mmap: EINVAL for current binaries).
 * What must hold either way is tested as an invariant: once F_SEAL_WRITE
 * is in, nothing changes the object's bytes.
 *
 * Memory is touched through vm_copyin/vm_copyout/vm_fault_trap; "fork" is
 * vmspace_fork.  Every case boots its own 64 MiB libvm and shuts it down.
 * The mt__ cases run several host threads on one object and are meant to
 * be run under ThreadSanitizer as well.
 */
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <unistd.h>

#include "shm_test_util.h"

#ifndef MIN
#define	MIN(a, b)	((a) < (b) ? (a) : (b))
#endif

/* ---- open and create ----------------------------------------------------- */

/*
 * remap_object and reopen_object: data stored through a shared mapping
 * is there when the object is mapped again, after the descriptor that
 * mapped it is closed, and through a new read-only descriptor.
 */
ATF_TC_WITHOUT_HEAD(open__remap_and_reopen);
ATF_TC_BODY(open__remap_and_reopen, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd;

	boot();
	vs = vs_new();
	fd = SHM_OPEN("/remap", O_RDWR | O_CREAT | O_EXCL, 0600);
	SIZE_IS(fd, 0);
	TRUNCATE(fd, PG);
	SIZE_IS(fd, PG);
	a = SHM_MAP(vs, fd, PG, RW, SHARED, 0);
	COPYOUT_PAT(vs, a, PG, 0, 1);
	UNMAP(vs, a, PG);

	a = SHM_MAP(vs, fd, PG, RW, SHARED, 0);
	COPYIN_PAT(vs, a, PG, 0, 1);
	CLOSE(fd);
	/* The mapping outlives the descriptor. */
	COPYIN_PAT(vs, a, PG, 0, 1);
	COPYOUT_PAT(vs, a, 100, 0, 2);
	UNMAP(vs, a, PG);

	fd = SHM_OPEN("/remap", O_RDONLY, 0);
	SIZE_IS(fd, PG);
	a = SHM_MAP(vs, fd, PG, VM_PROT_READ, SHARED, 0);
	COPYIN_PAT(vs, a, 100, 0, 2);
	COPYIN_PAT(vs, a + 100, PG - 100, 100, 1);
	PREAD_PAT(fd, 0, 100, 2);
	PREAD_PAT(fd, 100, PG - 100, 1);
	UNMAP(vs, a, PG);
	CLOSE(fd);
	ATF_CHECK_EQ(0, vm_shm_unlink("/remap"));

	vmspace_release(vs);
	vm_shutdown();
}

/*
 * open_create_existing_object: O_CREAT|O_EXCL on an existing name is
 * EEXIST whatever the access mode and whether or not the object is open;
 * O_CREAT alone opens the existing object (not a new one).
 */
ATF_TC_WITHOUT_HEAD(open__create_existing);
ATF_TC_BODY(open__create_existing, tc)
{
	int fd, fd2;

	boot();
	fd = SHM_OPEN("/exist", O_RDONLY | O_CREAT, 0600);
	CLOSE(fd);
	SHM_OPEN_FAILS("/exist", O_RDONLY | O_CREAT | O_EXCL, 0600, EEXIST);
	SHM_OPEN_FAILS("/exist", O_RDWR | O_CREAT | O_EXCL, 0600, EEXIST);

	fd = SHM_OPEN("/exist", O_RDWR, 0);
	SHM_OPEN_FAILS("/exist", O_RDWR | O_CREAT | O_EXCL, 0600, EEXIST);
	TRUNCATE(fd, 3000);
	PWRITE_PAT(fd, 0, 3000, 7);

	/* O_CREAT without O_EXCL: the same object, contents and size. */
	fd2 = SHM_OPEN("/exist", O_RDWR | O_CREAT, 0600);
	ATF_CHECK(fd2 != fd);
	SIZE_IS(fd2, 3000);
	PREAD_PAT(fd2, 0, 3000, 7);
	PWRITE_PAT(fd2, 10, 20, 8);
	PREAD_PAT(fd, 10, 20, 8);
	CLOSE(fd);
	CLOSE(fd2);
	ATF_CHECK_EQ(0, vm_shm_unlink("/exist"));
	vm_shutdown();
}

/* open_nonexisting_object: without O_CREAT a missing name is ENOENT. */
ATF_TC_WITHOUT_HEAD(open__nonexisting);
ATF_TC_BODY(open__nonexisting, tc)
{
	boot();
	SHM_OPEN_FAILS("/notreallythere", O_RDONLY, 0600, ENOENT);
	SHM_OPEN_FAILS("/notreallythere", O_RDWR, 0600, ENOENT);
	SHM_OPEN_FAILS("/notreallythere", O_RDWR | O_TRUNC, 0600, ENOENT);
	/* O_EXCL means nothing without O_CREAT. */
	SHM_OPEN_FAILS("/notreallythere", O_RDWR | O_EXCL, 0600, ENOENT);
	/* None of these created it. */
	ATF_CHECK_EQ(ENOENT, vm_shm_unlink("/notreallythere"));
	vm_shutdown();
}

/*
 * open_write_only: O_WRONLY (and the invalid access mode 3) is EINVAL,
 * for a new name (which is then not created) and for an existing one.
 */
ATF_TC_WITHOUT_HEAD(open__write_only);
ATF_TC_BODY(open__write_only, tc)
{
	int fd;

	boot();
	SHM_OPEN_FAILS("/wronly", O_WRONLY, 0600, EINVAL);
	SHM_OPEN_FAILS("/wronly", O_WRONLY | O_CREAT, 0600, EINVAL);
	SHM_OPEN_FAILS("/wronly", O_ACCMODE | O_CREAT, 0600, EINVAL);
	SHM_OPEN_FAILS("/wronly", O_RDONLY, 0600, ENOENT);

	fd = SHM_OPEN("/wronly", O_RDWR | O_CREAT, 0600);
	SHM_OPEN_FAILS("/wronly", O_WRONLY, 0600, EINVAL);
	SHM_OPEN_FAILS("/wronly", O_WRONLY | O_CREAT, 0600, EINVAL);
	CLOSE(fd);
	ATF_CHECK_EQ(0, vm_shm_unlink("/wronly"));
	vm_shutdown();
}

/*
 * open_extra_flags: flags other than the access mode, O_CREAT, O_EXCL,
 * O_TRUNC and O_CLOEXEC are EINVAL (and create nothing).
 */
ATF_TC_WITHOUT_HEAD(open__extra_flags);
ATF_TC_BODY(open__extra_flags, tc)
{
	int fd;

	boot();
	SHM_OPEN_FAILS("/extra", O_RDONLY | O_DIRECT, 0600, EINVAL);
	SHM_OPEN_FAILS("/extra", O_RDWR | O_CREAT | O_APPEND, 0600, EINVAL);
	SHM_OPEN_FAILS("/extra", O_RDWR | O_CREAT | O_NONBLOCK, 0600, EINVAL);
	SHM_OPEN_FAILS("/extra", O_RDWR | O_CREAT | O_DIRECTORY, 0600, EINVAL);
	SHM_OPEN_FAILS(NULL, O_RDWR | O_APPEND, 0600, EINVAL);
	ATF_CHECK_EQ(ENOENT, vm_shm_unlink("/extra"));

	/* O_CLOEXEC is accepted (shm_open sets it anyway). */
	fd = SHM_OPEN("/extra", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	CLOSE(fd);
	ATF_CHECK_EQ(0, vm_shm_unlink("/extra"));
	vm_shutdown();
}

/*
 * open_anon: an anonymous object opens O_RDWR (O_CREAT allowed), starts
 * empty, and each open is a new object.
 */
ATF_TC_WITHOUT_HEAD(open__anon);
ATF_TC_BODY(open__anon, tc)
{
	int fd1, fd2;

	boot();
	fd1 = SHM_OPEN(NULL, O_RDWR, 0600);
	fd2 = SHM_OPEN(NULL, O_RDWR | O_CREAT, 0600);
	ATF_CHECK(fd1 != fd2);
	SIZE_IS(fd1, 0);
	SIZE_IS(fd2, 0);
	TRUNCATE(fd1, 2 * PG);
	PWRITE_PAT(fd1, 0, 2 * PG, 3);
	SIZE_IS(fd1, 2 * PG);
	SIZE_IS(fd2, 0);
	TRUNCATE(fd2, PG);
	PREAD_ZERO(fd2, 0, PG);
	PREAD_PAT(fd1, 0, 2 * PG, 3);
	CLOSE(fd1);
	CLOSE(fd2);
	vm_shutdown();
}

/* open_anon_readonly: an anonymous object must be opened O_RDWR. */
ATF_TC_WITHOUT_HEAD(open__anon_readonly);
ATF_TC_BODY(open__anon_readonly, tc)
{
	boot();
	SHM_OPEN_FAILS(NULL, O_RDONLY, 0600, EINVAL);
	SHM_OPEN_FAILS(NULL, O_RDONLY | O_CREAT, 0600, EINVAL);
	SHM_OPEN_FAILS(NULL, O_WRONLY, 0600, EINVAL);
	vm_shutdown();
}

/* open_invalid_path: a name must start with '/' (EINVAL); unlink too. */
ATF_TC_WITHOUT_HEAD(open__invalid_path);
ATF_TC_BODY(open__invalid_path, tc)
{
	static const char *const bad[] = { "blah", "", "shm/x", "./x", " /x" };
	size_t i;

	boot();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		SHM_OPEN_FAILS(bad[i], O_RDONLY, 0600, EINVAL);
		SHM_OPEN_FAILS(bad[i], O_RDWR | O_CREAT, 0600, EINVAL);
		ATF_CHECK_MSG(vm_shm_unlink(bad[i]) == EINVAL,
		    "vm_shm_unlink(\"%s\") = %d, want EINVAL", bad[i],
		    vm_shm_unlink(bad[i]));
	}
	vm_shutdown();
}

/*
 * open_path_too_long, unlink_path_too_long: a name of MAXPATHLEN (1024)
 * bytes or more is ENAMETOOLONG; 1023 bytes is the longest that works.
 */
ATF_TC_WITHOUT_HEAD(open__path_too_long);
ATF_TC_BODY(open__path_too_long, tc)
{
	char *name;
	int fd;

	boot();
	name = malloc(4097);
	ATF_REQUIRE(name != NULL);
	name[0] = '/';
	memset(name + 1, 'a', 4095);

	name[1023] = '\0';			/* 1023 bytes */
	fd = SHM_OPEN(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	TRUNCATE(fd, 10);
	PWRITE_PAT(fd, 0, 10, 1);
	CLOSE(fd);
	fd = SHM_OPEN(name, O_RDONLY, 0);
	PREAD_PAT(fd, 0, 10, 1);
	CLOSE(fd);
	ATF_CHECK_EQ(0, vm_shm_unlink(name));

	name[1023] = 'a';
	name[1024] = '\0';			/* 1024 bytes */
	SHM_OPEN_FAILS(name, O_RDWR | O_CREAT, 0600, ENAMETOOLONG);
	SHM_OPEN_FAILS(name, O_RDONLY, 0600, ENAMETOOLONG);
	ATF_CHECK_EQ(ENAMETOOLONG, vm_shm_unlink(name));

	name[1024] = 'a';
	name[4096] = '\0';			/* 4096 bytes */
	SHM_OPEN_FAILS(name, O_RDWR | O_CREAT, 0600, ENAMETOOLONG);
	ATF_CHECK_EQ(ENAMETOOLONG, vm_shm_unlink(name));
	free(name);
	vm_shutdown();
}

/*
 * Argument checks of the API: a NULL fdp or unlink name is EINVAL; before
 * vm_boot (and after vm_shutdown) the calls fail without touching
 * anything: ENXIO for open/unlink, EBADF for descriptor calls.
 */
ATF_TC_WITHOUT_HEAD(open__bad_arguments);
ATF_TC_BODY(open__bad_arguments, tc)
{
	uint8_t b = 0;
	size_t done;
	int fd = 77, seals;

	ATF_CHECK_EQ(ENXIO, vm_shm_open("/x", O_RDWR | O_CREAT, 0600, &fd));
	ATF_CHECK_EQ(ENXIO, vm_shm_open(NULL, O_RDWR, 0600, &fd));
	ATF_CHECK_EQ(ENXIO, vm_shm_unlink("/x"));
	ATF_CHECK_EQ(EBADF, vm_close(0));
	ATF_CHECK_EQ(EBADF, vm_pread(0, &b, 1, 0, &done));
	ATF_CHECK_EQ(EBADF, vm_pwrite(0, &b, 1, 0, &done));
	ATF_CHECK_EQ(EBADF, vm_ftruncate(0, PG));
	ATF_CHECK_EQ(EBADF, vm_add_seals(0, VM_F_SEAL_GROW));
	ATF_CHECK_EQ(EBADF, vm_get_seals(0, &seals));

	boot();
	ATF_CHECK_EQ(EINVAL, vm_shm_open("/x", O_RDWR | O_CREAT, 0600, NULL));
	ATF_CHECK_EQ(EINVAL, vm_shm_open(NULL, O_RDWR, 0600, NULL));
	ATF_CHECK_EQ(EINVAL, vm_shm_unlink(NULL));
	/* The NULL-fdp call created nothing. */
	ATF_CHECK_EQ(ENOENT, vm_shm_unlink("/x"));
	vm_shutdown();

	ATF_CHECK_EQ(ENXIO, vm_shm_open("/x", O_RDWR | O_CREAT, 0600, &fd));
}

/*
 * The creator's mode decides later opens (libvm has one user, the
 * owner): O_RDWR of an object created 0400 is EACCES, O_RDONLY of one
 * created 0200 or 0 is EACCES; the creator's own descriptor is not
 * checked; O_CREAT of an existing object keeps its mode.
 */
ATF_TC_WITHOUT_HEAD(open__mode);
ATF_TC_BODY(open__mode, tc)
{
	int fd, fd2;

	boot();
	fd = SHM_OPEN("/mode400", O_RDWR | O_CREAT, 0400);
	TRUNCATE(fd, 64);		/* the creator may write */
	PWRITE_PAT(fd, 0, 64, 1);
	SHM_OPEN_FAILS("/mode400", O_RDWR, 0, EACCES);
	SHM_OPEN_FAILS("/mode400", O_RDWR | O_CREAT, 0600, EACCES);
	fd2 = SHM_OPEN("/mode400", O_RDONLY, 0);
	PREAD_PAT(fd2, 0, 64, 1);
	CLOSE(fd2);
	CLOSE(fd);

	fd = SHM_OPEN("/mode200", O_RDWR | O_CREAT, 0200);
	SHM_OPEN_FAILS("/mode200", O_RDONLY, 0, EACCES);
	SHM_OPEN_FAILS("/mode200", O_RDWR, 0, EACCES);	/* needs read too */
	CLOSE(fd);

	fd = SHM_OPEN("/mode000", O_RDWR | O_CREAT, 0);
	SHM_OPEN_FAILS("/mode000", O_RDONLY, 0, EACCES);
	CLOSE(fd);

	fd = SHM_OPEN("/mode600", O_RDWR | O_CREAT, 0600);
	CLOSE(fd);
	fd = SHM_OPEN("/mode600", O_RDWR | O_CREAT, 0);	/* keeps 0600 */
	CLOSE(fd);
	fd = SHM_OPEN("/mode600", O_RDWR, 0);
	CLOSE(fd);

	ATF_CHECK_EQ(0, vm_shm_unlink("/mode400"));
	ATF_CHECK_EQ(0, vm_shm_unlink("/mode200"));
	ATF_CHECK_EQ(0, vm_shm_unlink("/mode000"));
	ATF_CHECK_EQ(0, vm_shm_unlink("/mode600"));
	vm_shutdown();
}

/*
 * trunc_resets_object: O_RDWR|O_TRUNC sets the size of an existing
 * object to 0 (its pages are gone: a mapping made before raises SIGBUS,
 * growing again reads zeros); O_RDONLY|O_TRUNC leaves it alone, as
 * FreeBSD's kern_shm_open2 truncates only for O_RDWR.
 */
ATF_TC_WITHOUT_HEAD(open__trunc_resets_object);
ATF_TC_BODY(open__trunc_resets_object, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd, fd2;

	boot();
	vs = vs_new();
	fd = SHM_OPEN("/trunc", O_RDWR | O_CREAT, 0600);
	TRUNCATE(fd, 1024);
	SIZE_IS(fd, 1024);
	PWRITE_PAT(fd, 0, 1024, 4);
	a = SHM_MAP(vs, fd, PG, RW, SHARED, 0);
	COPYIN_PAT(vs, a, 1024, 0, 4);
	CLOSE(fd);

	fd = SHM_OPEN("/trunc", O_RDONLY | O_TRUNC, 0600);
	SIZE_IS(fd, 1024);
	PREAD_PAT(fd, 0, 1024, 4);
	CLOSE(fd);

	fd = SHM_OPEN("/trunc", O_RDWR | O_TRUNC, 0600);
	SIZE_IS(fd, 0);
	BUSERR(vs, a, VM_PROT_READ);
	BUSERR(vs, a + 1000, VM_PROT_WRITE);

	TRUNCATE(fd, 2048);
	PREAD_ZERO(fd, 0, 2048);
	COPYIN_ZERO(vs, a, PG);
	UNMAP(vs, a, PG);

	/* O_CREAT|O_TRUNC of an existing object truncates it too. */
	TRUNCATE(fd, 3 * PG);
	PWRITE_PAT(fd, 0, 3 * PG, 5);
	fd2 = SHM_OPEN("/trunc", O_RDWR | O_CREAT | O_TRUNC, 0600);
	SIZE_IS(fd, 0);
	SIZE_IS(fd2, 0);
	CLOSE(fd2);
	CLOSE(fd);
	ATF_CHECK_EQ(0, vm_shm_unlink("/trunc"));
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Descriptors are allocated lowest free first, as shm_open(2) requires
 * ("the lowest numbered file descriptor not currently open").
 */
ATF_TC_WITHOUT_HEAD(open__lowest_descriptor);
ATF_TC_BODY(open__lowest_descriptor, tc)
{
	int fd[10], i, j, n1, n2, n3;

	boot();
	for (i = 0; i < 10; i++) {
		fd[i] = SHM_OPEN(NULL, O_RDWR, 0600);
		for (j = 0; j < i; j++)
			ATF_REQUIRE_MSG(fd[j] != fd[i], "fd %d returned twice",
			    fd[i]);
		if (i > 0)
			ATF_CHECK_MSG(fd[i] == fd[i - 1] + 1, "open %d gave fd "
			    "%d after %d", i, fd[i], fd[i - 1]);
	}
	ATF_CHECK_EQ(0, fd[0]);
	CLOSE(fd[7]);
	CLOSE(fd[3]);
	n1 = SHM_OPEN(NULL, O_RDWR, 0600);
	n2 = SHM_OPEN("/lowest", O_RDWR | O_CREAT, 0600);
	n3 = SHM_OPEN(NULL, O_RDWR, 0600);
	ATF_CHECK_EQ(fd[3], n1);
	ATF_CHECK_EQ(fd[7], n2);
	ATF_CHECK_EQ(fd[9] + 1, n3);
	vm_shutdown();
}

/* ---- unlink -------------------------------------------------------------- */

/* open_after_link: after shm_unlink the name is gone (ENOENT). */
ATF_TC_WITHOUT_HEAD(unlink__open_after_unlink);
ATF_TC_BODY(unlink__open_after_unlink, tc)
{
	int fd;

	boot();
	fd = SHM_OPEN("/afterlink", O_RDONLY | O_CREAT, 0600);
	CLOSE(fd);
	ATF_REQUIRE_EQ(0, vm_shm_unlink("/afterlink"));
	SHM_OPEN_FAILS("/afterlink", O_RDONLY, 0600, ENOENT);
	SHM_OPEN_FAILS("/afterlink", O_RDWR, 0600, ENOENT);
	vm_shutdown();
}

/* Unlinking a name that does not exist, or twice, is ENOENT. */
ATF_TC_WITHOUT_HEAD(unlink__nonexisting);
ATF_TC_BODY(unlink__nonexisting, tc)
{
	int fd;

	boot();
	ATF_CHECK_EQ(ENOENT, vm_shm_unlink("/nothere"));
	fd = SHM_OPEN("/twice", O_RDWR | O_CREAT, 0600);
	ATF_CHECK_EQ(0, vm_shm_unlink("/twice"));
	ATF_CHECK_EQ(ENOENT, vm_shm_unlink("/twice"));
	/* A name's prefix or extension is another name. */
	CLOSE(fd);
	fd = SHM_OPEN("/twice", O_RDWR | O_CREAT, 0600);
	ATF_CHECK_EQ(ENOENT, vm_shm_unlink("/twic"));
	ATF_CHECK_EQ(ENOENT, vm_shm_unlink("/twicee"));
	ATF_CHECK_EQ(0, vm_shm_unlink("/twice"));
	CLOSE(fd);
	vm_shutdown();
}

/*
 * After shm_unlink the name can be created again, and is a new empty
 * object; the old one stays what it was for its descriptors.
 */
ATF_TC_WITHOUT_HEAD(unlink__reopen_creates_new_object);
ATF_TC_BODY(unlink__reopen_creates_new_object, tc)
{
	int fd_old, fd_new, fd3;

	boot();
	fd_old = SHM_OPEN("/recreate", O_RDWR | O_CREAT | O_EXCL, 0600);
	TRUNCATE(fd_old, 2 * PG);
	PWRITE_PAT(fd_old, 0, 2 * PG, 1);
	ATF_REQUIRE_EQ(0, vm_shm_unlink("/recreate"));

	fd_new = SHM_OPEN("/recreate", O_RDWR | O_CREAT | O_EXCL, 0600);
	SIZE_IS(fd_new, 0);
	SIZE_IS(fd_old, 2 * PG);
	TRUNCATE(fd_new, 100);
	PWRITE_PAT(fd_new, 0, 100, 2);
	PREAD_PAT(fd_old, 0, 2 * PG, 1);

	/* The name now leads to the new object. */
	fd3 = SHM_OPEN("/recreate", O_RDONLY, 0);
	SIZE_IS(fd3, 100);
	PREAD_PAT(fd3, 0, 100, 2);
	CLOSE(fd3);
	CLOSE(fd_old);
	CLOSE(fd_new);
	ATF_CHECK_EQ(0, vm_shm_unlink("/recreate"));
	vm_shutdown();
}

/*
 * An unlinked object lives on while a descriptor or a mapping holds it:
 * the descriptor reads and writes it, the mapping (also after the last
 * close, and in a fork child) sees the same pages.
 */
ATF_TC_WITHOUT_HEAD(unlink__object_survives);
ATF_TC_BODY(unlink__object_survives, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a;
	int fd;

	boot();
	vs = vs_new();
	fd = SHM_OPEN("/survive", O_RDWR | O_CREAT, 0600);
	TRUNCATE(fd, 3 * PG);
	a = SHM_MAP(vs, fd, 3 * PG, RW, SHARED, 0);
	COPYOUT_PAT(vs, a, 3 * PG, 0, 1);
	ATF_REQUIRE_EQ(0, vm_shm_unlink("/survive"));
	SHM_OPEN_FAILS("/survive", O_RDWR, 0, ENOENT);

	PREAD_PAT(fd, 0, 3 * PG, 1);
	PWRITE_PAT(fd, PG, PG, 2);
	COPYIN_PAT(vs, a + PG, PG, PG, 2);
	CLOSE(fd);

	/* Only the mapping holds the object now. */
	COPYIN_PAT(vs, a, PG, 0, 1);
	COPYIN_PAT(vs, a + PG, PG, PG, 2);
	COPYOUT_PAT(vs, a + 2 * PG, PG, 2 * PG, 3);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	COPYIN_PAT(child, a + 2 * PG, PG, 2 * PG, 3);
	COPYOUT_PAT(child, a, PG, 0, 4);
	COPYIN_PAT(vs, a, PG, 0, 4);
	vmspace_release(vs);
	COPYIN_PAT(child, a, PG, 0, 4);
	COPYIN_PAT(child, a + PG, PG, PG, 2);
	vmspace_release(child);
	vm_shutdown();
}

/* ---- size: ftruncate ------------------------------------------------------ */

/*
 * Growing reads zeros, through vm_pread and through a mapping; data
 * already there stays; bytes written through a mapping past the end of
 * the old last page are zero once the object grows over them (POSIX: the
 * extended area appears zero-filled; posixshm.c zeroes the old tail).
 */
ATF_TC_WITHOUT_HEAD(ftruncate__grow_reads_zeros);
ATF_TC_BODY(ftruncate__grow_reads_zeros, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b;
	int fd;

	boot();
	vs = vs_new();
	fd = SHM_OPEN(NULL, O_RDWR, 0600);
	TRUNCATE(fd, 3 * PG + 100);
	SIZE_IS(fd, 3 * PG + 100);
	PREAD_ZERO(fd, 0, 3 * PG + 100);
	a = SHM_MAP(vs, fd, 4 * PG, RW, SHARED, 0);
	COPYIN_ZERO(vs, a, 4 * PG);
	COPYOUT_PAT(vs, a, 3 * PG + 100, 0, 1);
	/* Past the end, inside the last page. */
	COPYOUT_PAT(vs, a + 3 * PG + 100, PG - 100, 3 * PG + 100, 9);
	SIZE_IS(fd, 3 * PG + 100);

	TRUNCATE(fd, 8 * PG);
	SIZE_IS(fd, 8 * PG);
	PREAD_PAT(fd, 0, 3 * PG + 100, 1);
	PREAD_ZERO(fd, 3 * PG + 100, 5 * PG - 100);
	COPYIN_ZERO(vs, a + 3 * PG + 100, PG - 100);
	b = SHM_MAP(vs, fd, 8 * PG, VM_PROT_READ, SHARED, 0);
	COPYIN_PAT(vs, b, 3 * PG + 100, 0, 1);
	COPYIN_ZERO(vs, b + 3 * PG + 100, 5 * PG - 100);

	/* Growing by a byte at a time inside one page. */
	TRUNCATE(fd, 8 * PG + 1);
	TRUNCATE(fd, 8 * PG + 2);
	PREAD_ZERO(fd, 8 * PG, 2);
	CLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * object_resize: shrinking takes the pages past the new end away from
 * every mapping (an access there is SIGBUS with BUS_OBJERR, in the
 * mapping's address space and in a fork child's; FreeBSD's own test
 * marks the SIGSEGV it sometimes gets as a bug) while the pages below
 * keep their data; growing again reads zeros, not the old data.
 */
ATF_TC_WITHOUT_HEAD(ftruncate__shrink_sigbus);
ATF_TC_BODY(ftruncate__shrink_sigbus, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a, p;
	int fd;

	boot();
	vs = vs_new();
	fd = SHM_ANON(4 * PG);
	a = SHM_MAP(vs, fd, 4 * PG, RW, SHARED, 0);
	COPYOUT_PAT(vs, a, 4 * PG, 0, 1);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	COPYIN_PAT(child, a, 4 * PG, 0, 1);

	TRUNCATE(fd, 2 * PG);
	SIZE_IS(fd, 2 * PG);
	for (p = 2; p < 4; p++) {
		BUSERR(vs, a + p * PG, VM_PROT_READ);
		BUSERR(vs, a + p * PG + 123, VM_PROT_WRITE);
		BUSERR(child, a + p * PG + PG - 1, VM_PROT_READ);
		BUSERR(child, a + p * PG, VM_PROT_WRITE);
	}
	{
		uint8_t buf[16];

		/* A copy that runs off the end faults. */
		ATF_CHECK_EQ(EFAULT, vm_copyin(vs, a + 2 * PG - 8, buf,
		    sizeof(buf)));
	}
	COPYIN_PAT(vs, a, 2 * PG, 0, 1);
	COPYIN_PAT(child, a, 2 * PG, 0, 1);
	PREAD_PAT(fd, 0, 2 * PG, 1);

	/* The child's writes below the end still reach the object. */
	COPYOUT_PAT(child, a + PG, PG, PG, 2);
	PREAD_PAT(fd, PG, PG, 2);
	COPYIN_PAT(vs, a + PG, PG, PG, 2);

	TRUNCATE(fd, 4 * PG);
	PREAD_ZERO(fd, 2 * PG, 2 * PG);
	COPYIN_ZERO(vs, a + 2 * PG, 2 * PG);
	COPYIN_ZERO(child, a + 2 * PG, 2 * PG);
	COPYOUT_PAT(vs, a + 3 * PG, PG, 3 * PG, 3);
	PREAD_PAT(fd, 3 * PG, PG, 3);
	COPYIN_PAT(child, a + 3 * PG, PG, 3 * PG, 3);

	/* Shrinking to nothing: every page faults. */
	TRUNCATE(fd, 0);
	SIZE_IS(fd, 0);
	BUSERR(vs, a, VM_PROT_READ);
	BUSERR(child, a + 3 * PG, VM_PROT_WRITE);

	CLOSE(fd);
	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Shrinking to the middle of a page keeps that page mapped; its bytes
 * past the new end read zero (shm_dotruncate zeroes the tail), and stay
 * zero when the object grows again.
 */
ATF_TC_WITHOUT_HEAD(ftruncate__shrink_partial_page);
ATF_TC_BODY(ftruncate__shrink_partial_page, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd;

	boot();
	vs = vs_new();
	fd = SHM_ANON(3 * PG);
	PWRITE_PAT(fd, 0, 3 * PG, 1);
	a = SHM_MAP(vs, fd, 3 * PG, RW, SHARED, 0);
	COPYIN_PAT(vs, a, 3 * PG, 0, 1);

	TRUNCATE(fd, PG + 100);
	SIZE_IS(fd, PG + 100);
	PREAD_PAT(fd, 0, PG + 100, 1);
	COPYIN_PAT(vs, a, PG + 100, 0, 1);
	COPYIN_ZERO(vs, a + PG + 100, PG - 100);
	BUSERR(vs, a + 2 * PG, VM_PROT_READ);

	TRUNCATE(fd, 3 * PG);
	PREAD_PAT(fd, 0, PG + 100, 1);
	PREAD_ZERO(fd, PG + 100, 2 * PG - 100);
	COPYIN_ZERO(vs, a + PG + 100, 2 * PG - 100);

	/* The same with a page nobody mapped or touched since the write. */
	UNMAP(vs, a, 3 * PG);
	PWRITE_PAT(fd, 0, 3 * PG, 2);
	TRUNCATE(fd, 2 * PG + 1);
	TRUNCATE(fd, 3 * PG);
	PREAD_PAT(fd, 0, 2 * PG + 1, 2);
	PREAD_ZERO(fd, 2 * PG + 1, PG - 1);
	CLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Shrinking frees the pages: filling 1024 pages (by vm_pwrite and
 * through a mapping) takes as many free pages, and truncating gives them
 * back, give or take some allocator slack.
 */
ATF_TC_WITHOUT_HEAD(ftruncate__shrink_frees_pages);
ATF_TC_BODY(ftruncate__shrink_frees_pages, tc)
{
	struct vmspace *vs;
	uint64_t before, during, after;
	vm_offset_t a;
	int fd, round;

	boot();
	vs = vs_new();
	fd = SHM_OPEN(NULL, O_RDWR, 0600);
	for (round = 0; round < 3; round++) {
		/* Round 0 warms the allocators up. */
		before = free_pages();
		TRUNCATE(fd, 1024 * PG);
		PWRITE_PAT(fd, 0, 512 * PG, (unsigned)round);
		a = SHM_MAP(vs, fd, 1024 * PG, RW, SHARED, 0);
		FILL(vs, a + 512 * PG, 512 * PG, 0x77);
		during = free_pages();
		ATF_CHECK_MSG(during + 1000 <= before, "round %d: 1024 pages "
		    "filled took only %jd free pages", round,
		    (intmax_t)(before - during));
		TRUNCATE(fd, 0);
		after = free_pages();
		if (round > 0)
			ATF_CHECK_MSG(after + 32 >= before, "round %d: free "
			    "pages %ju before, %ju after truncating to 0: %jd "
			    "lost", round, (uintmax_t)before, (uintmax_t)after,
			    (intmax_t)(before - after));
		UNMAP(vs, a, 1024 * PG);
	}
	CLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * vm_ftruncate: a negative length is EINVAL, a read-only descriptor is
 * EINVAL (FreeBSD's kern_ftruncate), more than 2^47 bytes EFBIG (libvm's
 * limit), a bad descriptor EBADF; the size does not change.
 */
ATF_TC_WITHOUT_HEAD(ftruncate__bad_arguments);
ATF_TC_BODY(ftruncate__bad_arguments, tc)
{
	int fd, rfd;

	boot();
	fd = SHM_OPEN("/ftrunc", O_RDWR | O_CREAT, 0600);
	TRUNCATE(fd, 100);
	ATF_CHECK_EQ(EINVAL, vm_ftruncate(fd, -1));
	ATF_CHECK_EQ(EINVAL, vm_ftruncate(fd, INT64_MIN));
	/* Objects are limited to 2^47 bytes, a user address space. */
	ATF_CHECK_EQ(EFBIG, vm_ftruncate(fd, ((off_t)1 << 47) + 1));
	ATF_CHECK_EQ(EFBIG, vm_ftruncate(fd, INT64_MAX));
	rfd = SHM_OPEN("/ftrunc", O_RDONLY, 0);
	ATF_CHECK_EQ(EINVAL, vm_ftruncate(rfd, 50));
	ATF_CHECK_EQ(EINVAL, vm_ftruncate(rfd, 200));
	ATF_CHECK_EQ(EBADF, vm_ftruncate(-1, 10));
	ATF_CHECK_EQ(EBADF, vm_ftruncate(rfd + fd + 100, 10));
	SIZE_IS(fd, 100);
	CLOSE(rfd);
	ATF_CHECK_EQ(EBADF, vm_ftruncate(rfd, 10));
	TRUNCATE(fd, 100);	/* the same size */
	SIZE_IS(fd, 100);
	CLOSE(fd);
	vm_shutdown();
}

/* ---- mmap ---------------------------------------------------------------- */

/*
 * A mapping may reach past the object's size, even of an empty object,
 * as FreeBSD's shm_mmap allows: an access to a page wholly past the end
 * is SIGBUS/BUS_OBJERR, the partial last page is reachable whole, and
 * growing the object makes the pages reachable (reading zeros).  Only an
 * offset whose end would overflow off_t is EINVAL.
 */
ATF_TC_WITHOUT_HEAD(mmap__past_size);
ATF_TC_BODY(mmap__past_size, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b, p;
	int fd;

	boot();
	vs = vs_new();
	fd = SHM_OPEN(NULL, O_RDWR, 0600);
	a = SHM_MAP(vs, fd, 3 * PG, RW, SHARED, 0);
	BUSERR(vs, a, VM_PROT_READ);
	BUSERR(vs, a + 2 * PG + 5, VM_PROT_WRITE);

	TRUNCATE(fd, PG + 1);
	COPYIN_ZERO(vs, a, 2 * PG);		/* the last page is whole */
	COPYOUT_PAT(vs, a, PG + 1, 0, 1);
	PREAD_PAT(fd, 0, PG + 1, 1);
	BUSERR(vs, a + 2 * PG, VM_PROT_READ);

	/* Far past the end, and privately. */
	b = SHM_MAP(vs, fd, PG, RW, SHARED, 100 * PG);
	BUSERR(vs, b, VM_PROT_READ);
	p = SHM_MAP(vs, fd, 3 * PG, VM_PROT_READ, PRIVATE, 0);
	COPYIN_PAT(vs, p, PG + 1, 0, 1);
	BUSERR(vs, p + 2 * PG, VM_PROT_READ);

	TRUNCATE(fd, 3 * PG);
	COPYIN_PAT(vs, a, PG + 1, 0, 1);
	COPYIN_ZERO(vs, a + PG + 1, 2 * PG - 1);
	COPYOUT_PAT(vs, a + 2 * PG, PG, 2 * PG, 2);
	PREAD_PAT(fd, 2 * PG, PG, 2);
	COPYIN_PAT(vs, p + 2 * PG, PG, 2 * PG, 2);
	BUSERR(vs, b, VM_PROT_WRITE);
	TRUNCATE(fd, 101 * PG);
	COPYIN_ZERO(vs, b, PG);
	COPYOUT_PAT(vs, b, PG, 100 * PG, 3);
	PREAD_PAT(fd, 100 * PG, PG, 3);

	/* An end past the largest offset is EINVAL. */
	MMAP_FAILS(vs, 0, 2 * PG, VM_PROT_READ, SHARED, fd,
	    INT64_MAX - (off_t)PG + 1, EINVAL);
	CLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Argument checks of vm_mmap on a shm descriptor: MAP_SHARED with
 * MAP_PRIVATE and MAP_ANON with a descriptor are EINVAL, program text
 * (VM_MAP_TEXT) is only for files, a closed descriptor is EBADF, and a
 * mapping with neither sharing flag is EINVAL, as FreeBSD's kern_mmap
 * refuses it ("shm fd without sharing flag" in tests/sys/vm/mmap_test.c).
 */
ATF_TC_WITHOUT_HEAD(mmap__bad_arguments);
ATF_TC_BODY(mmap__bad_arguments, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd;

	boot();
	vs = vs_new();
	fd = SHM_ANON(PG);
	PWRITE_PAT(fd, 0, PG, 1);
	(void)a;
	MMAP_FAILS(vs, 0, PG, RW, 0, fd, 0, EINVAL);
	MMAP_FAILS(vs, 0, PG, VM_PROT_READ, 0, fd, 0, EINVAL);
	MMAP_FAILS(vs, 0, PG, RW, SHARED | PRIVATE, fd, 0, EINVAL);
	MMAP_FAILS(vs, 0, PG, RW, SHARED | VM_MAP_ANON, fd, 0, EINVAL);
	MMAP_FAILS(vs, 0, PG, VM_PROT_READ | VM_PROT_EXEC,
	    PRIVATE | VM_MAP_TEXT, fd, 0, EINVAL);
	CLOSE(fd);
	MMAP_FAILS(vs, 0, PG, RW, SHARED, fd, 0, EBADF);
	MMAP_FAILS(vs, 0, PG, RW, SHARED, 12345, 0, EBADF);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * readonly_mmap_write: through an O_RDONLY descriptor a MAP_SHARED
 * mapping with PROT_WRITE is EACCES (also for an empty object, as
 * FreeBSD checks access first), a read-only shared mapping cannot be
 * vm_mprotect'ed to write (EACCES) and faults on a write, while a
 * MAP_PRIVATE writable mapping is allowed and keeps its writes private.
 */
ATF_TC_WITHOUT_HEAD(mmap__readonly_descriptor);
ATF_TC_BODY(mmap__readonly_descriptor, tc)
{
	struct vmspace *vs;
	vm_offset_t a, p;
	size_t n;
	int fd, rfd, i;

	boot();
	vs = vs_new();
	rfd = SHM_OPEN("/rdonly", O_RDONLY | O_CREAT, 0600);
	MMAP_FAILS(vs, 0, PG, RW, SHARED, rfd, 0, EACCES);

	fd = SHM_OPEN("/rdonly", O_RDWR, 0);
	TRUNCATE(fd, 2 * PG);
	PWRITE_PAT(fd, 0, 2 * PG, 1);
	MMAP_FAILS(vs, 0, PG, RW, SHARED, rfd, 0, EACCES);
	MMAP_FAILS(vs, 0, PG, VM_PROT_WRITE, SHARED, rfd, 0, EACCES);

	a = SHM_MAP(vs, rfd, 2 * PG, VM_PROT_READ, SHARED, 0);
	COPYIN_PAT(vs, a, 2 * PG, 0, 1);
	n = PSTAT(vs);
	i = kve_find(n, a);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(VM_PROT_READ | VM_PROT_EXEC, kve[i].kve_max_protection);
	ATF_CHECK_EQ(VM_KVME_TYPE_SWAP, kve[i].kve_type);
	ATF_CHECK_EQ(VM_INHERIT_SHARE, kve[i].kve_inheritance);
	ATF_CHECK_EQ(EACCES, vm_mprotect(vs, a, 2 * PG, RW));
	ATF_CHECK_EQ(EACCES, vm_mprotect(vs, a + PG, PG, VM_PROT_WRITE));
	ACCERR(vs, a, VM_PROT_WRITE);
	/* Writes through the other descriptor show. */
	PWRITE_PAT(fd, PG, PG, 2);
	COPYIN_PAT(vs, a + PG, PG, PG, 2);

	p = SHM_MAP(vs, rfd, 2 * PG, RW, PRIVATE, 0);
	COPYIN_PAT(vs, p, PG, 0, 1);
	COPYOUT_PAT(vs, p, PG, 0, 3);
	COPYIN_PAT(vs, p, PG, 0, 3);
	PREAD_PAT(rfd, 0, PG, 1);
	COPYIN_PAT(vs, a, PG, 0, 1);

	CLOSE(rfd);
	CLOSE(fd);
	ATF_CHECK_EQ(0, vm_shm_unlink("/rdonly"));
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * MAP_PRIVATE of shm: reads see the object (also data written after the
 * mapping was made, on pages the mapping has not copied yet); a write
 * copies the page, and from then on the copy is the mapping's own.
 */
ATF_TC_WITHOUT_HEAD(mmap__private_copy_on_write);
ATF_TC_BODY(mmap__private_copy_on_write, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t p, s;
	int fd;

	boot();
	vs = vs_new();
	fd = SHM_ANON(2 * PG);
	PWRITE_PAT(fd, 0, 2 * PG, 1);
	p = SHM_MAP(vs, fd, 2 * PG, RW, PRIVATE, 0);
	s = SHM_MAP(vs, fd, 2 * PG, RW, SHARED, 0);
	COPYIN_PAT(vs, p, 2 * PG, 0, 1);

	PWRITE_PAT(fd, 0, 2 * PG, 2);
	COPYIN_PAT(vs, p, 2 * PG, 0, 2);

	COPYOUT_PAT(vs, p, 64, 0, 3);		/* copies page 0 */
	COPYIN_PAT(vs, p, 64, 0, 3);
	COPYIN_PAT(vs, p + 64, PG - 64, 64, 2);
	PREAD_PAT(fd, 0, 2 * PG, 2);
	COPYIN_PAT(vs, s, 2 * PG, 0, 2);

	PWRITE_PAT(fd, 0, 2 * PG, 4);
	COPYIN_PAT(vs, p, 64, 0, 3);		/* its own copy */
	COPYIN_PAT(vs, p + 64, PG - 64, 64, 2);
	COPYIN_PAT(vs, p + PG, PG, PG, 4);	/* still the object's */
	COPYOUT_PAT(vs, s + PG, PG, PG, 5);
	COPYIN_PAT(vs, p + PG, PG, PG, 5);

	/* A fork child's private mapping is private from both. */
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	COPYOUT_PAT(child, p + PG, PG, PG, 6);
	COPYIN_PAT(vs, p + PG, PG, PG, 5);
	PREAD_PAT(fd, PG, PG, 5);
	COPYIN_PAT(child, s + PG, PG, PG, 5);
	vmspace_release(child);

	CLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * One page cache: vm_pwrite shows at once in every shared mapping
 * (mappings at different offsets of the object, overlapping), a store
 * through a mapping at once in vm_pread.
 */
ATF_TC_WITHOUT_HEAD(mmap__shared_coherent);
ATF_TC_BODY(mmap__shared_coherent, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b;
	int fd;

	boot();
	vs = vs_new();
	fd = SHM_ANON(4 * PG);
	a = SHM_MAP(vs, fd, 2 * PG, RW, SHARED, PG);	/* pages 1-2 */
	b = SHM_MAP(vs, fd, 4 * PG, RW, SHARED, 0);	/* pages 0-3 */
	PWRITE_PAT(fd, PG + PG / 2, PG, 1);
	COPYIN_PAT(vs, a + PG / 2, PG, PG + PG / 2, 1);
	COPYIN_PAT(vs, b + PG + PG / 2, PG, PG + PG / 2, 1);
	COPYIN_ZERO(vs, a, PG / 2);

	COPYOUT_PAT(vs, a + 2 * PG - 10, 10, 3 * PG - 10, 2);
	PREAD_PAT(fd, 3 * PG - 10, 10, 2);
	COPYIN_PAT(vs, b + 3 * PG - 10, 10, 3 * PG - 10, 2);

	COPYOUT_PAT(vs, b, 4 * PG, 0, 3);
	COPYIN_PAT(vs, a, 2 * PG, PG, 3);
	PREAD_PAT(fd, 0, 4 * PG, 3);

	/* vm_pwrite over a page the mappings have not touched yet. */
	UNMAP(vs, b, 4 * PG);
	PWRITE_PAT(fd, 3 * PG, PG, 4);
	b = SHM_MAP(vs, fd, PG, VM_PROT_READ, SHARED, 3 * PG);
	COPYIN_PAT(vs, b, PG, 3 * PG, 4);
	CLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- pread and pwrite ---------------------------------------------------- */

/*
 * vm_pread/vm_pwrite at offsets and lengths that straddle pages, inside,
 * across and past the end, with the size changed by vm_ftruncate in
 * between, against a model of the object's bytes: a write stops at the
 * size and reports what it wrote; growing reads zeros, shrinking drops
 * bytes.  The size and the whole contents are compared after each step.
 */
static void
model_check(int fd, const uint8_t *model, size_t size, int step)
{
	uint8_t *buf;
	size_t done = 12345, i;
	int error;

	buf = malloc(size + PG);
	ATF_REQUIRE(buf != NULL);
	error = vm_pread(fd, buf, size + PG, 0, &done);
	ATF_REQUIRE_MSG(error == 0 && done == size, "step %d: vm_pread of the "
	    "whole object: error %d, %zu bytes, want %zu", step, error, done,
	    size);
	for (i = 0; i < size; i++)
		if (buf[i] != model[i])
			break;
	free(buf);
	ATF_REQUIRE_MSG(i == size, "step %d: byte %zu differs from the model",
	    step, i);
}

ATF_TC_WITHOUT_HEAD(pread_pwrite__offsets);
ATF_TC_BODY(pread_pwrite__offsets, tc)
{
	/* len 0: vm_ftruncate to off. */
	static const struct { off_t off; size_t len; } ops[] = {
		{ 12 * PG, 0 },
		{ 0, 1 }, { 1, PG - 1 }, { PG - 1, 2 }, { 5, 3 * PG + 17 },
		{ 2 * PG, PG }, { 5 * PG + 123, 4097 }, { 3 * PG - 7, 14 },
		{ 10 * PG + 1, 1 }, { 7 * PG, 3 * PG + 1 },
		{ 6 * PG + 100, 0 },			/* shrink mid-page */
		{ 0, 11 * PG },				/* stops at the size */
		{ 6 * PG + 99, 10 },			/* straddles the end */
		{ 9 * PG, 0 },				/* grow: zeros */
		{ 6 * PG + 50, PG },
		{ 11 * PG + 5, PG },			/* past the end */
		{ 9 * PG, PG },				/* exactly at the end */
		{ 4095, 4097 }, { 9 * PG - 1, 1 },
	};
	uint8_t *model, *buf, *src;
	size_t size = 0, i, j, done, want, n;
	int fd, error;

	boot();
	fd = SHM_OPEN(NULL, O_RDWR, 0600);
	model = calloc(16 * PG, 1);
	buf = malloc(16 * PG);
	src = malloc(16 * PG);
	ATF_REQUIRE(model != NULL && buf != NULL && src != NULL);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t off = (size_t)ops[i].off;

		if (ops[i].len == 0) {
			TRUNCATE(fd, ops[i].off);
			if (off < size)
				memset(model + off, 0, size - off);
			size = off;
			model_check(fd, model, size, (int)i);
			continue;
		}
		for (j = 0; j < ops[i].len; j++)
			src[j] = pat((unsigned)i, off + j);
		want = off >= size ? 0 : MIN(ops[i].len, size - off);
		done = 12345;
		error = vm_pwrite(fd, src, ops[i].len, ops[i].off, &done);
		ATF_REQUIRE_MSG(error == 0 && done == want, "step %zu: "
		    "vm_pwrite(%zu bytes at %zu) with size %zu: error %d, %zu "
		    "done, want %zu", i, ops[i].len, off, size, error, done,
		    want);
		memcpy(model + off, src, want);
		model_check(fd, model, size, (int)i);
		if (want > 0)
			PREAD_PAT(fd, off, want, (unsigned)i);
		/* A read straddling the range, and the end. */
		if (off > 0 && off <= size) {
			done = 12345;
			ATF_REQUIRE_EQ(0, vm_pread(fd, buf, ops[i].len + 2,
			    ops[i].off - 1, &done));
			n = MIN(ops[i].len + 2, size - off + 1);
			ATF_REQUIRE_EQ(n, done);
			ATF_REQUIRE(memcmp(buf, model + off - 1, n) == 0);
		}
	}
	free(model);
	free(buf);
	free(src);
	CLOSE(fd);
	vm_shutdown();
}

/*
 * vm_pwrite stops at the object's size, as FreeBSD's write(2) to a
 * shm_open object does (only memfd objects grow on write there): a write
 * that starts at or past the end moves nothing and is not an error, one
 * that straddles it writes up to it; the size never changes.
 */
ATF_TC_WITHOUT_HEAD(pwrite__stops_at_size);
ATF_TC_BODY(pwrite__stops_at_size, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	uint8_t buf[3 * VM_PAGE_SIZE];
	size_t done;
	int fd;

	boot();
	vs = vs_new();
	fd = SHM_OPEN(NULL, O_RDWR, 0600);
	memset(buf, 0x42, sizeof(buf));
	done = 99;
	ATF_CHECK_EQ(0, vm_pwrite(fd, buf, 8, 0, &done));
	ATF_CHECK_EQ(0, done);
	SIZE_IS(fd, 0);

	TRUNCATE(fd, 100);
	done = 99;
	ATF_CHECK_EQ(0, vm_pwrite(fd, buf, 200, 50, &done));
	ATF_CHECK_EQ(50, done);
	SIZE_IS(fd, 100);
	PREAD_ZERO(fd, 0, 50);
	done = 99;
	ATF_CHECK_EQ(0, vm_pwrite(fd, buf, 1, 100, &done));
	ATF_CHECK_EQ(0, done);
	ATF_CHECK_EQ(0, vm_pwrite(fd, buf, 10, 1000 * PG, &done));
	ATF_CHECK_EQ(0, done);
	SIZE_IS(fd, 100);

	/* Across pages: stops at the size inside the third one. */
	TRUNCATE(fd, 2 * PG + 10);
	a = SHM_MAP(vs, fd, 3 * PG, RW, SHARED, 0);
	done = 99;
	ATF_CHECK_EQ(0, vm_pwrite(fd, buf, sizeof(buf), 0, &done));
	ATF_CHECK_EQ(2 * PG + 10, done);
	SIZE_IS(fd, 2 * PG + 10);
	EXPECT_FILL(vs, a, 2 * PG + 10, 0x42);
	EXPECT_FILL(vs, a + 2 * PG + 10, PG - 10, 0);
	/* A zero-length write anywhere does nothing. */
	ATF_CHECK_EQ(0, vm_pwrite(fd, buf, 0, 100 * PG, NULL));
	SIZE_IS(fd, 2 * PG + 10);
	CLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * vm_pread at or past the end returns 0 bytes and no error; a read that
 * straddles the end returns the bytes up to it.
 */
ATF_TC_WITHOUT_HEAD(pread__past_end);
ATF_TC_BODY(pread__past_end, tc)
{
	uint8_t buf[300];
	size_t done;
	int fd;

	boot();
	fd = SHM_OPEN(NULL, O_RDWR, 0600);
	done = 99;
	ATF_CHECK_EQ(0, vm_pread(fd, buf, 10, 0, &done));
	ATF_CHECK_EQ(0, done);

	TRUNCATE(fd, 100);
	PWRITE_PAT(fd, 0, 100, 1);
	done = 99;
	ATF_CHECK_EQ(0, vm_pread(fd, buf, 10, 100, &done));
	ATF_CHECK_EQ(0, done);
	done = 99;
	ATF_CHECK_EQ(0, vm_pread(fd, buf, 10, 101, &done));
	ATF_CHECK_EQ(0, done);
	done = 99;
	ATF_CHECK_EQ(0, vm_pread(fd, buf, 10, PG + 7, &done));
	ATF_CHECK_EQ(0, done);
	done = 99;
	ATF_CHECK_EQ(0, vm_pread(fd, buf, 10, 1000 * PG, &done));
	ATF_CHECK_EQ(0, done);
	done = 99;
	memset(buf, 0xee, sizeof(buf));
	ATF_CHECK_EQ(0, vm_pread(fd, buf, 200, 50, &done));
	ATF_CHECK_EQ(50, done);
	ATF_CHECK(buf[0] == pat(1, 50) && buf[49] == pat(1, 99));
	ATF_CHECK_EQ(0xee, buf[50]);
	ATF_CHECK_EQ(0, vm_pread(fd, buf, 10, 0, NULL));
	ATF_CHECK(buf[3] == pat(1, 3));
	CLOSE(fd);
	vm_shutdown();
}

/*
 * Argument checks: EBADF for a closed or bad descriptor, and for
 * vm_pwrite through an O_RDONLY one; EINVAL for a negative offset or a
 * NULL buffer; a zero length does nothing; *donep is 0 after an error.
 */
ATF_TC_WITHOUT_HEAD(pread_pwrite__bad_arguments);
ATF_TC_BODY(pread_pwrite__bad_arguments, tc)
{
	uint8_t buf[16] = { 0 };
	size_t done;
	int fd, rfd, cfd;

	boot();
	fd = SHM_OPEN("/rwargs", O_RDWR | O_CREAT, 0600);
	TRUNCATE(fd, 16);
	PWRITE_PAT(fd, 0, 16, 1);
	rfd = SHM_OPEN("/rwargs", O_RDONLY, 0);
	cfd = SHM_OPEN(NULL, O_RDWR, 0600);
	CLOSE(cfd);

	done = 99;
	ATF_CHECK_EQ(EBADF, vm_pwrite(rfd, buf, 1, 0, &done));
	ATF_CHECK_EQ(0, done);
	done = 99;
	ATF_CHECK_EQ(EBADF, vm_pread(cfd, buf, 1, 0, &done));
	ATF_CHECK_EQ(0, done);
	ATF_CHECK_EQ(EBADF, vm_pwrite(cfd, buf, 1, 0, &done));
	ATF_CHECK_EQ(EBADF, vm_pread(-1, buf, 1, 0, &done));
	ATF_CHECK_EQ(EBADF, vm_pwrite(1 << 20, buf, 1, 0, &done));
	done = 99;
	ATF_CHECK_EQ(EINVAL, vm_pread(fd, buf, 1, -1, &done));
	ATF_CHECK_EQ(0, done);
	ATF_CHECK_EQ(EINVAL, vm_pwrite(fd, buf, 1, -PG, &done));
	ATF_CHECK_EQ(EINVAL, vm_pread(fd, NULL, 1, 0, &done));
	ATF_CHECK_EQ(EINVAL, vm_pwrite(fd, NULL, 1, 0, &done));
	ATF_CHECK_EQ(EINVAL, vm_pwrite(fd, buf, 2, INT64_MAX, &done));

	done = 99;
	ATF_CHECK_EQ(0, vm_pread(fd, buf, 0, 0, &done));
	ATF_CHECK_EQ(0, done);
	done = 99;
	ATF_CHECK_EQ(0, vm_pwrite(fd, buf, 0, 5, &done));
	ATF_CHECK_EQ(0, done);
	SIZE_IS(fd, 16);
	PREAD_PAT(rfd, 0, 16, 1);
	CLOSE(rfd);
	CLOSE(fd);
	ATF_CHECK_EQ(0, vm_shm_unlink("/rwargs"));
	vm_shutdown();
}

/* ---- seals --------------------------------------------------------------- */

static int
get_seals(int fd)
{
	int seals = -12345, error;

	error = vm_get_seals(fd, &seals);
	ATF_REQUIRE_MSG(error == 0, "vm_get_seals(%d): error %d", fd, error);
	return (seals);
}

/*
 * get_seals, dup_seals: a new object (named or anonymous) has no seals
 * in libvm (FreeBSD's shm_open would give F_SEAL_SEAL); the seals added
 * are reported, through every descriptor of the object, and apply
 * through every descriptor; adding nothing or a seal already there is
 * fine.
 */
ATF_TC_WITHOUT_HEAD(seals__get);
ATF_TC_BODY(seals__get, tc)
{
	uint8_t b = 1;
	size_t done;
	int fd, fd2, afd, seals;

	boot();
	fd = SHM_OPEN("/getseals", O_RDWR | O_CREAT, 0600);
	afd = SHM_OPEN(NULL, O_RDWR, 0600);
	ATF_CHECK_EQ(0, get_seals(fd));
	ATF_CHECK_EQ(0, get_seals(afd));
	TRUNCATE(fd, PG);

	ATF_REQUIRE_EQ(0, vm_add_seals(fd, VM_F_SEAL_WRITE | VM_F_SEAL_GROW));
	ATF_CHECK_EQ(VM_F_SEAL_WRITE | VM_F_SEAL_GROW, get_seals(fd));
	ATF_CHECK_EQ(0, get_seals(afd));

	fd2 = SHM_OPEN("/getseals", O_RDWR, 0);
	ATF_CHECK_EQ(VM_F_SEAL_WRITE | VM_F_SEAL_GROW, get_seals(fd2));
	ATF_CHECK_EQ(EPERM, vm_pwrite(fd2, &b, 1, 0, &done));

	ATF_CHECK_EQ(0, vm_add_seals(fd2, 0));
	ATF_CHECK_EQ(0, vm_add_seals(fd2, VM_F_SEAL_GROW));
	ATF_CHECK_EQ(VM_F_SEAL_WRITE | VM_F_SEAL_GROW, get_seals(fd));
	ATF_CHECK_EQ(0, vm_add_seals(fd2, VM_F_SEAL_SHRINK));
	ATF_CHECK_EQ(VM_F_SEAL_WRITE | VM_F_SEAL_GROW | VM_F_SEAL_SHRINK,
	    get_seals(fd));

	/* Read-only descriptors report seals too. */
	CLOSE(fd2);
	fd2 = SHM_OPEN("/getseals", O_RDONLY, 0);
	ATF_CHECK_EQ(VM_F_SEAL_WRITE | VM_F_SEAL_GROW | VM_F_SEAL_SHRINK,
	    get_seals(fd2));

	ATF_CHECK_EQ(EINVAL, vm_get_seals(fd, NULL));
	ATF_CHECK_EQ(EBADF, vm_get_seals(-1, &seals));
	ATF_CHECK_EQ(EBADF, vm_add_seals(-1, VM_F_SEAL_GROW));
	CLOSE(fd2);
	ATF_CHECK_EQ(EBADF, vm_get_seals(fd2, &seals));
	ATF_CHECK_EQ(EBADF, vm_add_seals(fd2, VM_F_SEAL_GROW));
	CLOSE(fd);
	CLOSE(afd);
	ATF_CHECK_EQ(0, vm_shm_unlink("/getseals"));
	vm_shutdown();
}

/* memfd_truncate_test: ftruncate from initial to dest with seals. */
static int
truncate_with_seals(off_t initial, off_t dest, int seals)
{
	int fd, error;

	fd = SHM_OPEN(NULL, O_RDWR, 0600);
	TRUNCATE(fd, initial);
	ATF_REQUIRE_EQ(0, vm_add_seals(fd, seals));
	error = vm_ftruncate(fd, dest);
	SIZE_IS(fd, error == 0 ? dest : initial);
	CLOSE(fd);
	return (error);
}

/* truncate_seals: F_SEAL_SHRINK and F_SEAL_GROW refuse their size changes. */
ATF_TC_WITHOUT_HEAD(seals__truncate);
ATF_TC_BODY(seals__truncate, tc)
{
	boot();
	ATF_CHECK_EQ(EPERM, truncate_with_seals(4, 8, VM_F_SEAL_GROW));
	ATF_CHECK_EQ(EPERM, truncate_with_seals(8, 4, VM_F_SEAL_SHRINK));
	ATF_CHECK_EQ(0, truncate_with_seals(8, 4, VM_F_SEAL_GROW));
	ATF_CHECK_EQ(0, truncate_with_seals(4, 8, VM_F_SEAL_SHRINK));
	ATF_CHECK_EQ(EPERM, truncate_with_seals(4, 8,
	    VM_F_SEAL_GROW | VM_F_SEAL_SHRINK));
	ATF_CHECK_EQ(EPERM, truncate_with_seals(8, 4,
	    VM_F_SEAL_GROW | VM_F_SEAL_SHRINK));
	ATF_CHECK_EQ(0, truncate_with_seals(4, 4,
	    VM_F_SEAL_GROW | VM_F_SEAL_SHRINK));
	/* Page-sized changes too, and to zero. */
	ATF_CHECK_EQ(EPERM, truncate_with_seals(PG, 0, VM_F_SEAL_SHRINK));
	ATF_CHECK_EQ(EPERM, truncate_with_seals(PG, 2 * PG, VM_F_SEAL_GROW));
	/* F_SEAL_WRITE and F_SEAL_SEAL do not limit the size. */
	ATF_CHECK_EQ(0, truncate_with_seals(PG, 2 * PG,
	    VM_F_SEAL_SEAL | VM_F_SEAL_WRITE));
	ATF_CHECK_EQ(0, truncate_with_seals(2 * PG, PG,
	    VM_F_SEAL_SEAL | VM_F_SEAL_WRITE));
	vm_shutdown();
}

/*
 * F_SEAL_GROW: vm_ftruncate up is EPERM (also by one byte inside the last
 * page), down is fine; writes inside the object work, and a write across
 * the end still stops there (it never tried to grow the object).
 */
ATF_TC_WITHOUT_HEAD(seals__grow);
ATF_TC_BODY(seals__grow, tc)
{
	uint8_t buf[2 * VM_PAGE_SIZE];
	size_t done;
	int fd;

	boot();
	fd = SHM_ANON(2 * PG - 10);
	PWRITE_PAT(fd, 0, 2 * PG - 10, 1);
	ATF_REQUIRE_EQ(0, vm_add_seals(fd, VM_F_SEAL_GROW));
	ATF_CHECK_EQ(EPERM, vm_ftruncate(fd, 2 * PG - 9));
	ATF_CHECK_EQ(EPERM, vm_ftruncate(fd, 2 * PG));
	ATF_CHECK_EQ(EPERM, vm_ftruncate(fd, 100 * PG));
	SIZE_IS(fd, 2 * PG - 10);
	PWRITE_PAT(fd, 100, PG, 2);
	PREAD_PAT(fd, 0, 100, 1);
	PREAD_PAT(fd, 100, PG, 2);

	memset(buf, 0x42, sizeof(buf));
	done = 99;
	ATF_CHECK_EQ(0, vm_pwrite(fd, buf, PG, 2 * PG - 20, &done));
	ATF_CHECK_EQ(10, done);
	SIZE_IS(fd, 2 * PG - 10);

	TRUNCATE(fd, PG);
	SIZE_IS(fd, PG);
	ATF_CHECK_EQ(EPERM, vm_ftruncate(fd, PG + 1));
	TRUNCATE(fd, PG);
	CLOSE(fd);
	vm_shutdown();
}

/*
 * F_SEAL_SHRINK: ftruncate down is EPERM, and so is opening the object
 * with O_TRUNC; growing still works.
 */
ATF_TC_WITHOUT_HEAD(seals__shrink);
ATF_TC_BODY(seals__shrink, tc)
{
	int fd;

	boot();
	fd = SHM_OPEN("/shrinkseal", O_RDWR | O_CREAT, 0600);
	TRUNCATE(fd, PG + 10);
	PWRITE_PAT(fd, 0, PG + 10, 1);
	ATF_REQUIRE_EQ(0, vm_add_seals(fd, VM_F_SEAL_SHRINK));
	ATF_CHECK_EQ(EPERM, vm_ftruncate(fd, PG));
	ATF_CHECK_EQ(EPERM, vm_ftruncate(fd, 0));
	SHM_OPEN_FAILS("/shrinkseal", O_RDWR | O_TRUNC, 0, EPERM);
	SHM_OPEN_FAILS("/shrinkseal", O_RDWR | O_CREAT | O_TRUNC, 0600, EPERM);
	SIZE_IS(fd, PG + 10);
	PREAD_PAT(fd, 0, PG + 10, 1);

	TRUNCATE(fd, 2 * PG + 10);
	PWRITE_PAT(fd, 2 * PG, 10, 2);
	SIZE_IS(fd, 2 * PG + 10);
	PREAD_ZERO(fd, PG + 10, PG - 10);
	TRUNCATE(fd, 3 * PG);
	SIZE_IS(fd, 3 * PG);
	ATF_CHECK_EQ(EPERM, vm_ftruncate(fd, 3 * PG - 1));
	CLOSE(fd);
	ATF_CHECK_EQ(0, vm_shm_unlink("/shrinkseal"));
	vm_shutdown();
}

/*
 * write_seal: after F_SEAL_WRITE, vm_pwrite is EPERM and a writable
 * MAP_SHARED mapping is refused with EPERM (libvm: posixshm.c and
 * vm_shm_open(3); FreeBSD's shm_mmap and memfd_test give EACCES, and so
 * does issue 8); a read-only shared mapping and a writable private one
 * still work.  A private mapping made and removed before the seal does
 * not prevent it.
 */
ATF_TC_WITHOUT_HEAD(seals__write);
ATF_TC_BODY(seals__write, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	uint8_t buf[1024];
	size_t done;
	int fd, error;

	boot();
	vs = vs_new();
	fd = SHM_ANON(1024);
	PWRITE_PAT(fd, 0, 1024, 1);
	a = SHM_MAP(vs, fd, 1024, RW, PRIVATE, 0);
	UNMAP(vs, a, 1024);

	ATF_REQUIRE_EQ(0, vm_add_seals(fd, VM_F_SEAL_WRITE));
	memset(buf, 0x42, sizeof(buf));
	done = 99;
	ATF_CHECK_EQ(EPERM, vm_pwrite(fd, buf, sizeof(buf), 0, &done));
	ATF_CHECK_EQ(0, done);
	ATF_CHECK_EQ(EPERM, vm_pwrite(fd, buf, 1, 1024, &done));
	PREAD_PAT(fd, 0, 1024, 1);
	SIZE_IS(fd, 1024);

	a = 0;
	error = vm_mmap(vs, &a, 1024, RW, SHARED, fd, 0);
	ATF_CHECK_MSG(error == EPERM, "writable MAP_SHARED mapping of a "
	    "write-sealed object: error %d, want EPERM (libvm; FreeBSD "
	    "EACCES)", error);
	if (error == 0)
		UNMAP(vs, a, 1024);
	MMAP_FAILS(vs, 0, 1024, VM_PROT_WRITE, SHARED, fd, 0, EPERM);
	/* Also with an explicit maximum protection. */
	MMAP_FAILS(vs, 0, 1024, RW | VM_PROT_MAX(RW), SHARED, fd, 0, EPERM);

	a = SHM_MAP(vs, fd, 1024, VM_PROT_READ, SHARED, 0);
	COPYIN_PAT(vs, a, 1024, 0, 1);
	UNMAP(vs, a, 1024);
	a = SHM_MAP(vs, fd, 1024, RW, PRIVATE, 0);
	COPYOUT_PAT(vs, a, 1024, 0, 2);
	COPYIN_PAT(vs, a, 1024, 0, 2);
	PREAD_PAT(fd, 0, 1024, 1);
	UNMAP(vs, a, 1024);
	CLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * mmap_write_seal (its writable shared mapping): F_SEAL_WRITE is EBUSY
 * while a writable MAP_SHARED mapping exists, also only part of one, or
 * one vm_mprotect'ed read-only (it could be made writable again);
 * private mappings do not count; once the last writable shared range is
 * unmapped the seal takes.
 */
ATF_TC_WITHOUT_HEAD(seals__write_busy);
ATF_TC_BODY(seals__write_busy, tc)
{
	struct vmspace *vs;
	vm_offset_t s, p;
	int fd;

	boot();
	vs = vs_new();
	fd = SHM_ANON(2 * PG);
	s = SHM_MAP(vs, fd, 2 * PG, RW, SHARED, 0);
	p = SHM_MAP(vs, fd, 2 * PG, RW, PRIVATE, 0);
	COPYOUT_PAT(vs, p, PG, 0, 1);
	ATF_CHECK_EQ(EBUSY, vm_add_seals(fd, VM_F_SEAL_WRITE));
	ATF_CHECK_EQ(0, get_seals(fd));
	/* A failed F_SEAL_WRITE adds none of the other seals either. */
	ATF_CHECK_EQ(EBUSY, vm_add_seals(fd, VM_F_SEAL_WRITE |
	    VM_F_SEAL_GROW));
	ATF_CHECK_EQ(0, get_seals(fd));

	ATF_REQUIRE_EQ(0, vm_mprotect(vs, s, 2 * PG, VM_PROT_READ));
	ATF_CHECK_EQ(EBUSY, vm_add_seals(fd, VM_F_SEAL_WRITE));
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, s, 2 * PG, RW));

	UNMAP(vs, s, PG);
	ATF_CHECK_EQ(EBUSY, vm_add_seals(fd, VM_F_SEAL_WRITE));
	COPYOUT_PAT(vs, s + PG, PG, PG, 2);
	UNMAP(vs, s + PG, PG);
	ATF_CHECK_EQ(0, vm_add_seals(fd, VM_F_SEAL_WRITE));
	ATF_CHECK_EQ(VM_F_SEAL_WRITE, get_seals(fd));
	PREAD_PAT(fd, PG, PG, 2);
	PREAD_ZERO(fd, 0, PG);
	UNMAP(vs, p, 2 * PG);
	CLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A read-only shared mapping that vm_mprotect makes writable becomes a
 * writer from then on (vm_shm_open(3)): F_SEAL_WRITE is EBUSY; taking
 * only the current write access away does not end that, taking it out of
 * the maximum protection (VM_PROT_MAX) does.
 */
ATF_TC_WITHOUT_HEAD(seals__write_busy_mprotect);
ATF_TC_BODY(seals__write_busy_mprotect, tc)
{
	struct vmspace *vs;
	vm_offset_t r;
	int fd;

	boot();
	vs = vs_new();
	fd = SHM_ANON(2 * PG);
	r = SHM_MAP(vs, fd, 2 * PG, VM_PROT_READ, SHARED, 0);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, r + PG, PG, RW));
	COPYOUT_PAT(vs, r + PG, PG, PG, 1);
	PREAD_PAT(fd, PG, PG, 1);
	ATF_CHECK_EQ(EBUSY, vm_add_seals(fd, VM_F_SEAL_WRITE));
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, r, 2 * PG, VM_PROT_READ));
	ATF_CHECK_EQ(EBUSY, vm_add_seals(fd, VM_F_SEAL_WRITE));
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, r, 2 * PG,
	    VM_PROT_READ | VM_PROT_MAX(VM_PROT_READ)));
	ATF_CHECK_EQ(0, vm_add_seals(fd, VM_F_SEAL_WRITE));
	ATF_CHECK_EQ(EACCES, vm_mprotect(vs, r, 2 * PG, RW));
	PREAD_PAT(fd, PG, PG, 1);
	CLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * mmap_write_seal's other mapping: a MAP_SHARED PROT_READ mapping made
 * through a writable descriptor could be vm_mprotect'ed to write later.
 * FreeBSD counts it as a writer, so F_SEAL_WRITE is EBUSY ("raddr still
 * exists and it was spawned from a r/w fd"); libvm lets the seal take and
 * then refuses the vm_mprotect (EACCES).  Either way the sealed bytes
 * must not change through that mapping, nor through a fork child's copy
 * of it.
 */
static void
raddr_check(bool close_first)
{
	struct vmspace *vs, *child;
	vm_offset_t r, v;
	int fd, error, perr;

	vs = vs_new();
	fd = SHM_ANON(PG);
	PWRITE_PAT(fd, 0, PG, 1);
	r = SHM_MAP(vs, fd, PG, VM_PROT_READ, SHARED, 0);
	v = SHM_MAP(vs, fd, PG, VM_PROT_READ, SHARED, 0);
	error = vm_add_seals(fd, VM_F_SEAL_WRITE);
	ATF_CHECK_MSG(error == 0 || error == EBUSY, "F_SEAL_WRITE: error %d",
	    error);
	printf("F_SEAL_WRITE with a read-only shared mapping of a writable "
	    "descriptor: %d (FreeBSD: EBUSY)\n", error);
	if (error != 0) {
		/* FreeBSD's way: the mapping goes, then the seal takes. */
		UNMAP(vs, r, PG);
		ATF_CHECK_EQ(0, vm_add_seals(fd, VM_F_SEAL_WRITE));
		CLOSE(fd);
		vmspace_release(vs);
		return;
	}
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	if (close_first)
		CLOSE(fd);	/* only the mappings hold the object now */
	perr = vm_mprotect(vs, r, PG, RW);
	ATF_CHECK_MSG(perr == EACCES, "vm_mprotect(RW) of an older read-only "
	    "shared mapping of a write-sealed object%s: error %d, want EACCES",
	    close_first ? ", its descriptor closed" : "", perr);
	if (perr == 0 && vm_copyout(vs, "ZZZZ", r, 4) == 0)
		ATF_CHECK_MSG(0, "a store through that mapping succeeded");
	perr = vm_mprotect(child, r, PG, RW);
	ATF_CHECK_MSG(perr == EACCES, "the same in a fork child: error %d, "
	    "want EACCES", perr);
	if (perr == 0 && vm_copyout(child, "YYYY", r + 8, 4) == 0)
		ATF_CHECK_MSG(0, "a store through the child's mapping "
		    "succeeded");
	/* The sealed bytes, as every view sees them. */
	COPYIN_PAT(vs, v, PG, 0, 1);
	COPYIN_PAT(child, v, PG, 0, 1);
	if (!close_first) {
		PREAD_PAT(fd, 0, PG, 1);
		CLOSE(fd);
	}
	vmspace_release(child);
	vmspace_release(vs);
}

ATF_TC_WITHOUT_HEAD(seals__write_readonly_shared_mapping);
ATF_TC_BODY(seals__write_readonly_shared_mapping, tc)
{
	boot();
	raddr_check(false);
	vm_shutdown();
}

/*
 * The same after the last descriptor is closed: the seal stays with the
 * object, whose mappings still share it (here: a second read-only view
 * and a fork child's), so the older mapping must still not become
 * writable.
 */
ATF_TC_WITHOUT_HEAD(seals__write_readonly_shared_mapping_closed);
ATF_TC_BODY(seals__write_readonly_shared_mapping_closed, tc)
{
	boot();
	raddr_check(true);
	vm_shutdown();
}

/*
 * A writable shared mapping inherited by a fork child is a writer of its
 * own: unmapping the parent's leaves F_SEAL_WRITE EBUSY until the child
 * is released.  A mapping not inherited (VM_INHERIT_NONE) is not; and
 * vmspace_release drops an address space's writers.
 */
ATF_TC_WITHOUT_HEAD(seals__write_busy_fork);
ATF_TC_BODY(seals__write_busy_fork, tc)
{
	struct vmspace *vs, *child, *vs2;
	vm_offset_t s, s2;
	int fd;

	boot();
	vs = vs_new();
	fd = SHM_ANON(2 * PG);
	s = SHM_MAP(vs, fd, 2 * PG, RW, SHARED, 0);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	UNMAP(vs, s, 2 * PG);
	ATF_CHECK_EQ(EBUSY, vm_add_seals(fd, VM_F_SEAL_WRITE));
	COPYOUT_PAT(child, s, 2 * PG, 0, 1);	/* the child still writes */
	PREAD_PAT(fd, 0, 2 * PG, 1);
	vmspace_release(child);
	ATF_CHECK_EQ(0, vm_add_seals(fd, VM_F_SEAL_WRITE));
	CLOSE(fd);

	/* Not inherited: not the child's. */
	fd = SHM_ANON(2 * PG);
	s = SHM_MAP(vs, fd, 2 * PG, RW, SHARED, 0);
	ATF_REQUIRE_EQ(0, vm_minherit(vs, s, 2 * PG, VM_INHERIT_NONE));
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	MAPERR(child, s, VM_PROT_READ);
	ATF_CHECK_EQ(EBUSY, vm_add_seals(fd, VM_F_SEAL_WRITE));
	UNMAP(vs, s, 2 * PG);
	ATF_CHECK_EQ(0, vm_add_seals(fd, VM_F_SEAL_WRITE));
	vmspace_release(child);
	CLOSE(fd);

	/* vmspace_release drops the writers of the address space. */
	fd = SHM_ANON(2 * PG);
	vs2 = vs_new();
	s2 = SHM_MAP(vs2, fd, PG, RW, SHARED, PG);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs2, &child));
	vmspace_release(vs2);
	ATF_CHECK_EQ(EBUSY, vm_add_seals(fd, VM_F_SEAL_WRITE));
	COPYOUT_PAT(child, s2, PG, PG, 3);
	vmspace_release(child);
	ATF_CHECK_EQ(0, vm_add_seals(fd, VM_F_SEAL_WRITE));
	PREAD_PAT(fd, PG, PG, 3);
	CLOSE(fd);

	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Private mappings and F_SEAL_WRITE: a private mapping (with a page
 * already copied and one not) does not prevent the seal and stays
 * writable after it, privately; new private writable mappings work, and
 * a shared read-only mapping made after the seal cannot be vm_mprotect'ed
 * to write (its maximum protection lost write).
 */
ATF_TC_WITHOUT_HEAD(seals__write_private_mappings);
ATF_TC_BODY(seals__write_private_mappings, tc)
{
	struct vmspace *vs;
	vm_offset_t p, p2, r;
	size_t n;
	int fd, i;

	boot();
	vs = vs_new();
	fd = SHM_ANON(2 * PG);
	PWRITE_PAT(fd, 0, 2 * PG, 1);
	p = SHM_MAP(vs, fd, 2 * PG, RW, PRIVATE, 0);
	COPYOUT_PAT(vs, p, PG, 0, 2);		/* page 0 copied */
	ATF_REQUIRE_EQ(0, vm_add_seals(fd, VM_F_SEAL_WRITE));

	COPYOUT_PAT(vs, p, PG, 0, 3);
	COPYOUT_PAT(vs, p + PG, PG, PG, 3);	/* page 1 copied now */
	COPYIN_PAT(vs, p, 2 * PG, 0, 3);
	PREAD_PAT(fd, 0, 2 * PG, 1);

	p2 = SHM_MAP(vs, fd, 2 * PG, RW, PRIVATE, 0);
	COPYIN_PAT(vs, p2, 2 * PG, 0, 1);
	COPYOUT_PAT(vs, p2 + 5, 100, 5, 4);
	PREAD_PAT(fd, 0, 2 * PG, 1);

	r = SHM_MAP(vs, fd, 2 * PG, VM_PROT_READ, SHARED, 0);
	COPYIN_PAT(vs, r, 2 * PG, 0, 1);
	/* Write is out of its maximum protection; private ones keep it. */
	n = PSTAT(vs);
	i = kve_find(n, r);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(0, kve[i].kve_max_protection & VM_PROT_WRITE);
	i = kve_find(n, p2);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK(kve[i].kve_max_protection & VM_PROT_WRITE);
	ATF_CHECK_EQ(EACCES, vm_mprotect(vs, r, 2 * PG, RW));
	ACCERR(vs, r, VM_PROT_WRITE);
	PREAD_PAT(fd, 0, 2 * PG, 1);
	CLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * immutable_seals: after F_SEAL_SEAL any vm_add_seals is EPERM, also of
 * a seal that is already there, and the seals stay as they were.
 */
ATF_TC_WITHOUT_HEAD(seals__seal_seal);
ATF_TC_BODY(seals__seal_seal, tc)
{
	int fd;

	boot();
	fd = SHM_OPEN(NULL, O_RDWR, 0600);
	ATF_REQUIRE_EQ(0, vm_add_seals(fd, VM_F_SEAL_SEAL));
	ATF_CHECK_EQ(EPERM, vm_add_seals(fd, VM_F_SEAL_GROW));
	ATF_CHECK_EQ(EPERM, vm_add_seals(fd, VM_F_SEAL_WRITE));
	ATF_CHECK_EQ(VM_F_SEAL_SEAL, get_seals(fd));
	/* The object is otherwise unaffected. */
	TRUNCATE(fd, PG);
	PWRITE_PAT(fd, 0, PG, 1);
	TRUNCATE(fd, 10);
	CLOSE(fd);

	fd = SHM_OPEN(NULL, O_RDWR, 0600);
	ATF_REQUIRE_EQ(0, vm_add_seals(fd, VM_F_SEAL_GROW | VM_F_SEAL_SEAL));
	ATF_CHECK_EQ(EPERM, vm_add_seals(fd, VM_F_SEAL_GROW));
	ATF_CHECK_EQ(EPERM, vm_add_seals(fd, VM_F_SEAL_SEAL));
	ATF_CHECK_EQ(VM_F_SEAL_GROW | VM_F_SEAL_SEAL, get_seals(fd));
	CLOSE(fd);

	fd = SHM_OPEN(NULL, O_RDWR, 0600);
	ATF_REQUIRE_EQ(0, vm_add_seals(fd, SEALS_ALL));
	ATF_CHECK_EQ(SEALS_ALL, get_seals(fd));
	ATF_CHECK_EQ(EPERM, vm_add_seals(fd, VM_F_SEAL_SEAL));
	CLOSE(fd);
	vm_shutdown();
}

/* Seal bits libvm does not know are EINVAL, and nothing is added. */
ATF_TC_WITHOUT_HEAD(seals__unknown_bits);
ATF_TC_BODY(seals__unknown_bits, tc)
{
	static const int bad[] = { 0x10, 0x20, 0x100, 0x8000, INT_MIN, -1,
	    VM_F_SEAL_GROW | 0x10, SEALS_ALL | 0x40 };
	size_t i;
	int fd;

	boot();
	fd = SHM_OPEN(NULL, O_RDWR, 0600);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ATF_CHECK_MSG(vm_add_seals(fd, bad[i]) == EINVAL,
		    "vm_add_seals(%#x) = %d, want EINVAL", bad[i],
		    vm_add_seals(fd, bad[i]));
		ATF_CHECK_EQ(0, get_seals(fd));
	}
	TRUNCATE(fd, 2 * PG);
	PWRITE_PAT(fd, 0, PG, 1);
	TRUNCATE(fd, PG);
	CLOSE(fd);
	vm_shutdown();
}

/*
 * Seals belong to shm objects: on a vm_open'ed regular file,
 * vm_add_seals and vm_get_seals are EINVAL (FreeBSD's fcntl on a vnode).
 */
ATF_TC_WITHOUT_HEAD(seals__regular_file);
ATF_TC_BODY(seals__regular_file, tc)
{
	char path[] = "shmtest.XXXXXX";
	int hfd, fd, seals = 77;

	hfd = mkstemp(path);
	ATF_REQUIRE_MSG(hfd >= 0, "mkstemp: errno %d", errno);
	ATF_REQUIRE(write(hfd, "hello", 5) == 5);
	(void)close(hfd);

	boot();
	ATF_REQUIRE_EQ(0, vm_open(path, O_RDWR, 0, &fd));
	ATF_CHECK_EQ(EINVAL, vm_add_seals(fd, VM_F_SEAL_WRITE));
	ATF_CHECK_EQ(EINVAL, vm_add_seals(fd, VM_F_SEAL_SEAL));
	ATF_CHECK_EQ(EINVAL, vm_get_seals(fd, &seals));
	/* And the file is still writable. */
	ATF_CHECK_EQ(0, vm_pwrite(fd, "J", 1, 0, NULL));
	CLOSE(fd);
	vm_shutdown();
	(void)unlink(path);
}

/* ---- sharing --------------------------------------------------------------- */

/*
 * shm_functionality_across_fork: an unlinked named object mapped shared
 * before a fork; the parent stores through its mapping and vm_pwrites
 * the last bytes; the child reads all of it through its mapping and
 * through the descriptor; and back: the child's stores and vm_pwrites
 * show in the parent.
 */
ATF_TC_WITHOUT_HEAD(fork__shared_functionality);
ATF_TC_BODY(fork__shared_functionality, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a;
	uint8_t two[2] = { 0151, 0151 };
	size_t done;
	int fd;

	boot();
	vs = vs_new();
	fd = SHM_OPEN("/acrossfork", O_EXCL | O_CREAT | O_RDWR, 0600);
	ATF_REQUIRE_EQ(0, vm_shm_unlink("/acrossfork"));
	TRUNCATE(fd, PG);
	a = SHM_MAP(vs, fd, PG, RW, SHARED, 0);
	FILL(vs, a, PG, 0377);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));

	FILL(vs, a, PG - 2, 0151);
	ATF_REQUIRE_EQ(0, vm_pwrite(fd, two, 2, PG - 2, &done));
	ATF_REQUIRE_EQ(2, done);
	EXPECT_FILL(child, a, PG, 0151);
	{
		uint8_t buf[VM_PAGE_SIZE];
		size_t i;

		ATF_REQUIRE_EQ(0, vm_pread(fd, buf, PG, 0, &done));
		ATF_REQUIRE_EQ(PG, done);
		for (i = 0; i < PG; i++)
			ATF_REQUIRE_MSG(buf[i] == 0151, "byte %zu is %#x", i,
			    buf[i]);
	}

	COPYOUT_PAT(child, a, PG / 2, 0, 1);
	COPYIN_PAT(vs, a, PG / 2, 0, 1);
	PWRITE_PAT(fd, PG / 2, PG / 2, 2);
	COPYIN_PAT(child, a + PG / 2, PG / 2, PG / 2, 2);
	COPYIN_PAT(vs, a + PG / 2, PG / 2, PG / 2, 2);

	/* The parent gone, the child and the descriptor keep sharing. */
	vmspace_release(vs);
	COPYOUT_PAT(child, a, PG, 0, 3);
	PREAD_PAT(fd, 0, PG, 3);
	CLOSE(fd);
	COPYIN_PAT(child, a, PG, 0, 3);
	vmspace_release(child);
	vm_shutdown();
}

/*
 * Two unrelated address spaces map one named object through their own
 * descriptors (one read-only) at different offsets: stores in one show
 * in the other and in vm_pread through either descriptor; a shrink
 * through one descriptor takes the tail from both.
 */
ATF_TC_WITHOUT_HEAD(sharing__two_vmspaces_named);
ATF_TC_BODY(sharing__two_vmspaces_named, tc)
{
	struct vmspace *vs1, *vs2;
	vm_offset_t a1, a2, r2;
	int fd1, fd2, rfd;

	boot();
	vs1 = vs_new();
	vs2 = vs_new();
	fd1 = SHM_OPEN("/twospaces", O_RDWR | O_CREAT | O_EXCL, 0600);
	TRUNCATE(fd1, 4 * PG);
	fd2 = SHM_OPEN("/twospaces", O_RDWR, 0);
	rfd = SHM_OPEN("/twospaces", O_RDONLY, 0);
	a1 = SHM_MAP(vs1, fd1, 4 * PG, RW, SHARED, 0);
	a2 = SHM_MAP(vs2, fd2, 3 * PG, RW, SHARED, PG);	/* pages 1-3 */
	r2 = SHM_MAP(vs2, rfd, 4 * PG, VM_PROT_READ, SHARED, 0);

	COPYOUT_PAT(vs1, a1, 4 * PG, 0, 1);
	COPYIN_PAT(vs2, a2, 3 * PG, PG, 1);
	COPYIN_PAT(vs2, r2, 4 * PG, 0, 1);
	COPYOUT_PAT(vs2, a2 + PG, PG, 2 * PG, 2);
	COPYIN_PAT(vs1, a1 + 2 * PG, PG, 2 * PG, 2);
	PREAD_PAT(fd1, 2 * PG, PG, 2);
	PREAD_PAT(rfd, 2 * PG, PG, 2);
	PWRITE_PAT(fd2, 0, PG, 3);
	COPYIN_PAT(vs1, a1, PG, 0, 3);
	COPYIN_PAT(vs2, r2, PG, 0, 3);

	TRUNCATE(fd2, 2 * PG);
	BUSERR(vs1, a1 + 3 * PG, VM_PROT_READ);
	BUSERR(vs2, a2 + 2 * PG, VM_PROT_WRITE);
	BUSERR(vs2, r2 + 2 * PG, VM_PROT_READ);
	COPYIN_PAT(vs2, a2, PG, PG, 1);
	COPYIN_PAT(vs1, a1, PG, 0, 3);

	CLOSE(fd1);
	CLOSE(fd2);
	CLOSE(rfd);
	ATF_CHECK_EQ(0, vm_shm_unlink("/twospaces"));
	/* Still shared after the name and descriptors are gone. */
	COPYOUT_PAT(vs1, a1 + PG, PG, PG, 4);
	COPYIN_PAT(vs2, a2, PG, PG, 4);
	vmspace_release(vs1);
	vmspace_release(vs2);
	vm_shutdown();
}

/* ---- descriptors and lifetime --------------------------------------------- */

/*
 * Hundreds of objects and descriptors, opened, written, mapped, closed
 * and unlinked in rounds, leak nothing: the malloc(9) types of shm
 * objects and files come back to their counts and so do the free pages;
 * boot cycles afterwards work.
 */
ATF_TC_WITHOUT_HEAD(many__objects_no_leak);
ATF_TC_BODY(many__objects_no_leak, tc)
{
	enum { NNAMED = 300, NANON = 200, NDUP = 400 };
	static int fds[NNAMED + NANON], dups[NDUP];
	struct vmspace *vs;
	uint64_t shm0 = 0, files0 = 0, free0 = 0, freen;
	char name[32];
	vm_offset_t a;
	int round, i, fd, cycle;

	boot();
	for (round = 0; round < 4; round++) {
		if (round == 1) {
			shm0 = mstat_inuse("shmfd");
			files0 = mstat_inuse("files");
			free0 = free_pages();
		}
		vs = vs_new();
		for (i = 0; i < NNAMED + NANON; i++) {
			if (i < NNAMED) {
				snprintf(name, sizeof(name), "/many.%d", i);
				fds[i] = SHM_OPEN(name, O_RDWR | O_CREAT |
				    O_EXCL, 0600);
			} else
				fds[i] = SHM_OPEN(NULL, O_RDWR, 0600);
			TRUNCATE(fds[i], PG);
			PWRITE_PAT(fds[i], 0, 64, (unsigned)i);
			if (i % 2 == 0) {
				a = SHM_MAP(vs, fds[i], PG, RW, SHARED, 0);
				COPYIN_PAT(vs, a, 64, 0, (unsigned)i);
			}
		}
		/* Descriptors all distinct. */
		for (i = 1; i < NNAMED + NANON; i++)
			ATF_REQUIRE(fds[i] != fds[i - 1]);
		/* Many descriptors of one object. */
		for (i = 0; i < NDUP; i++)
			dups[i] = SHM_OPEN("/many.7", O_RDONLY, 0);
		PREAD_PAT(dups[NDUP - 1], 0, 64, 7);
		for (i = 0; i < NDUP; i++)
			CLOSE(dups[i]);
		for (i = 0; i < NNAMED + NANON; i++) {
			if (i < NNAMED && i % 3 == 0) {
				snprintf(name, sizeof(name), "/many.%d", i);
				ATF_REQUIRE_EQ(0, vm_shm_unlink(name));
			}
			CLOSE(fds[i]);
		}
		for (i = 0; i < NNAMED; i++) {
			if (i % 3 == 0)
				continue;
			snprintf(name, sizeof(name), "/many.%d", i);
			ATF_REQUIRE_EQ(0, vm_shm_unlink(name));
		}
		vmspace_release(vs);
	}
	ATF_CHECK_MSG(mstat_inuse("shmfd") == shm0, "shmfd in use: %ju, "
	    "was %ju", (uintmax_t)mstat_inuse("shmfd"), (uintmax_t)shm0);
	ATF_CHECK_MSG(mstat_inuse("files") == files0, "files in use: %ju, "
	    "was %ju", (uintmax_t)mstat_inuse("files"), (uintmax_t)files0);
	freen = free_pages();
	ATF_CHECK_MSG(freen + 64 >= free0, "free pages %ju after round 1, "
	    "%ju at the end: %jd lost", (uintmax_t)free0, (uintmax_t)freen,
	    (intmax_t)(free0 - freen));
	/* Nothing named is left. */
	SHM_OPEN_FAILS("/many.7", O_RDONLY, 0, ENOENT);
	vm_shutdown();

	for (cycle = 0; cycle < 3; cycle++) {
		boot();
		/* A fresh boot: no name, no descriptor, no object. */
		fd = SHM_OPEN("/many.0", O_RDWR | O_CREAT | O_EXCL, 0600);
		ATF_CHECK_EQ(0, fd);
		ATF_CHECK(mstat_inuse("shmfd") > 0);
		CLOSE(fd);
		ATF_CHECK_EQ(0, vm_shm_unlink("/many.0"));
		ATF_CHECK_EQ(0, mstat_inuse("shmfd"));
		vm_shutdown();
	}
}

/*
 * vm_close of a descriptor that is not open is EBADF: negative, huge,
 * never opened, already closed; a closed descriptor is dead for every
 * call; a second descriptor of the object is unaffected.
 */
ATF_TC_WITHOUT_HEAD(close__ebadf);
ATF_TC_BODY(close__ebadf, tc)
{
	struct vmspace *vs;
	uint8_t b;
	size_t done;
	int fd, fd2, seals;

	boot();
	vs = vs_new();
	ATF_CHECK_EQ(EBADF, vm_close(0));
	ATF_CHECK_EQ(EBADF, vm_close(-1));
	ATF_CHECK_EQ(EBADF, vm_close(INT_MIN));
	ATF_CHECK_EQ(EBADF, vm_close(1 << 20));
	ATF_CHECK_EQ(EBADF, vm_close(INT_MAX));

	fd = SHM_OPEN("/closing", O_RDWR | O_CREAT, 0600);
	fd2 = SHM_OPEN("/closing", O_RDWR, 0);
	ATF_CHECK_EQ(EBADF, vm_close(fd2 + 1));
	TRUNCATE(fd, 10);
	PWRITE_PAT(fd, 0, 10, 1);
	ATF_REQUIRE_EQ(0, vm_close(fd));
	ATF_CHECK_EQ(EBADF, vm_close(fd));
	ATF_CHECK_EQ(EBADF, vm_pread(fd, &b, 1, 0, &done));
	ATF_CHECK_EQ(EBADF, vm_pwrite(fd, &b, 1, 0, &done));
	ATF_CHECK_EQ(EBADF, vm_ftruncate(fd, PG));
	ATF_CHECK_EQ(EBADF, vm_get_seals(fd, &seals));
	MMAP_FAILS(vs, 0, PG, VM_PROT_READ, SHARED, fd, 0, EBADF);
	PREAD_PAT(fd2, 0, 10, 1);
	CLOSE(fd2);
	ATF_CHECK_EQ(EBADF, vm_close(fd2));
	ATF_CHECK_EQ(0, vm_shm_unlink("/closing"));
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * vm_shutdown ends every object: after vm_boot the names are gone
 * (ENOENT), the old descriptors are not open (EBADF), and the name can
 * be created again, empty.
 */
ATF_TC_WITHOUT_HEAD(shutdown__names_gone);
ATF_TC_BODY(shutdown__names_gone, tc)
{
	uint8_t b;
	size_t done;
	int fd, fd2, fd3;

	boot();
	fd = SHM_OPEN("/persist", O_RDWR | O_CREAT, 0600);
	TRUNCATE(fd, 2 * PG);
	PWRITE_PAT(fd, 0, 2 * PG, 1);
	fd2 = SHM_OPEN("/persist2", O_RDWR | O_CREAT, 0600);
	CLOSE(fd2);
	vm_shutdown();

	boot();
	SHM_OPEN_FAILS("/persist", O_RDWR, 0, ENOENT);
	SHM_OPEN_FAILS("/persist2", O_RDONLY, 0, ENOENT);
	ATF_CHECK_EQ(ENOENT, vm_shm_unlink("/persist"));
	ATF_CHECK_EQ(ENOENT, vm_shm_unlink("/persist2"));
	ATF_CHECK_EQ(EBADF, vm_pread(fd, &b, 1, 0, &done));
	ATF_CHECK_EQ(EBADF, vm_close(fd));
	fd3 = SHM_OPEN("/persist", O_RDWR | O_CREAT | O_EXCL, 0600);
	SIZE_IS(fd3, 0);
	CLOSE(fd3);
	ATF_CHECK_EQ(0, vm_shm_unlink("/persist"));
	vm_shutdown();
}

/*
 * vm_shutdown with everything still live: open descriptors, names,
 * unlinked objects held by descriptors or only by mappings, sealed
 * objects, address spaces never released; several boot cycles (the
 * sanitizer builds check that nothing leaks).
 */
ATF_TC_WITHOUT_HEAD(shutdown__with_live_objects);
ATF_TC_BODY(shutdown__with_live_objects, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a, b;
	int cycle, fd1, fd2, fd3;

	for (cycle = 0; cycle < 4; cycle++) {
		boot();
		vs = vs_new();
		fd1 = SHM_OPEN("/live1", O_RDWR | O_CREAT | O_EXCL, 0600);
		TRUNCATE(fd1, 3 * PG);
		PWRITE_PAT(fd1, 0, 3 * PG, 1);
		a = SHM_MAP(vs, fd1, 3 * PG, RW, SHARED, 0);
		COPYIN_PAT(vs, a, 3 * PG, 0, 1);

		fd2 = SHM_OPEN("/live2", O_RDWR | O_CREAT | O_EXCL, 0600);
		TRUNCATE(fd2, PG);
		PWRITE_PAT(fd2, 0, PG, 2);
		b = SHM_MAP(vs, fd2, PG, RW, PRIVATE, 0);
		COPYOUT_PAT(vs, b, 10, 0, 3);
		ATF_REQUIRE_EQ(0, vm_shm_unlink("/live2"));
		CLOSE(fd2);			/* only the mapping holds it */

		fd3 = SHM_ANON(PG);
		ATF_REQUIRE_EQ(0, vm_add_seals(fd3, SEALS_ALL));
		ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
		if (cycle % 2 == 0)
			vmspace_release(child);
		vm_shutdown();
	}
}

/* ---- concurrency ----------------------------------------------------------- */

static pthread_mutex_t mt_mtx = PTHREAD_MUTEX_INITIALIZER;
static char mt_failure[512];

static void
mt_fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&mt_mtx);
	if (mt_failure[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(mt_failure, sizeof(mt_failure), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&mt_mtx);
}

static void
mt_reset(void)
{
	pthread_mutex_lock(&mt_mtx);
	mt_failure[0] = '\0';
	pthread_mutex_unlock(&mt_mtx);
}

static void
mt_report(void)
{
	pthread_mutex_lock(&mt_mtx);
	if (mt_failure[0] != '\0') {
		pthread_mutex_unlock(&mt_mtx);
		atf_tc_fail("%s", mt_failure);
	}
	pthread_mutex_unlock(&mt_mtx);
}

/* Fill buf with pattern seed at object offset off; compare likewise. */
static void
mt_pat(uint8_t *buf, size_t len, uint64_t off, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pat(seed, off + i);
}

static bool
mt_is_pat(const uint8_t *buf, size_t len, uint64_t off, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != pat(seed, off + i))
			return (false);
	return (true);
}

#define	MT_WORKERS	4
#define	MT_PAGES	8		/* per worker */
#define	MT_BASE		(MT_WORKERS * MT_PAGES)
#define	MT_APPEND	32		/* pages the appender adds */
#define	MT_ITERS	150

struct mt_io {
	int		fd;
	int		id;
	struct vmspace	*shared_vs;	/* every worker maps here */
	vm_offset_t	whole;		/* a mapping of the first MT_BASE pages */
	unsigned	last[MT_PAGES];	/* seed last written to each page */
};

/*
 * A worker owns MT_PAGES pages of the object: each iteration vm_pwrites
 * one of them and reads it back, maps its range shared (in the common
 * address space, or in one of its own) and checks the page through the
 * mapping and through the long-lived mapping of the whole object, stores
 * into the next page through the mapping and reads that back with
 * vm_pread, and unmaps.
 */
static void *
mt_io_worker(void *arg)
{
	struct mt_io *w = arg;
	struct vmspace *own = NULL, *vs;
	uint8_t buf[VM_PAGE_SIZE], want[VM_PAGE_SIZE];
	off_t base = (off_t)w->id * MT_PAGES * (off_t)PG, off;
	vm_offset_t a;
	size_t done;
	unsigned seed;
	int i, pg, pg2, error;

	if (vmspace_create(&own) != 0) {
		mt_fail("worker %d: vmspace_create failed", w->id);
		return (NULL);
	}
	for (i = 0; i < MT_ITERS; i++) {
		pg = i % MT_PAGES;
		pg2 = (pg + 1) % MT_PAGES;
		off = base + (off_t)pg * (off_t)PG;
		seed = (unsigned)(w->id * 100000 + i * 2 + 1);
		mt_pat(want, PG, (uint64_t)off, seed);
		error = vm_pwrite(w->fd, want, PG, off, &done);
		if (error != 0 || done != PG) {
			mt_fail("worker %d: vm_pwrite: error %d, %zu done",
			    w->id, error, done);
			break;
		}
		w->last[pg] = seed;
		error = vm_pread(w->fd, buf, PG, off, &done);
		if (error != 0 || done != PG ||
		    !mt_is_pat(buf, PG, (uint64_t)off, seed)) {
			mt_fail("worker %d: vm_pread after vm_pwrite: error %d, "
			    "%zu done, contents %s", w->id, error, done,
			    error == 0 ? "wrong" : "-");
			break;
		}
		vs = i % 2 == 0 ? w->shared_vs : own;
		a = 0;
		error = vm_mmap(vs, &a, MT_PAGES * PG, RW, SHARED, w->fd,
		    base);
		if (error != 0) {
			mt_fail("worker %d: vm_mmap: error %d", w->id, error);
			break;
		}
		if (vm_copyin(vs, a + (vm_offset_t)pg * PG, buf, PG) != 0 ||
		    !mt_is_pat(buf, PG, (uint64_t)off, seed)) {
			mt_fail("worker %d: the new mapping does not show the "
			    "vm_pwrite", w->id);
			(void)vm_munmap(vs, a, MT_PAGES * PG);
			break;
		}
		if (vm_copyin(w->shared_vs, w->whole + (vm_offset_t)off, buf,
		    PG) != 0 || !mt_is_pat(buf, PG, (uint64_t)off, seed)) {
			mt_fail("worker %d: the whole-object mapping does not "
			    "show the vm_pwrite", w->id);
			(void)vm_munmap(vs, a, MT_PAGES * PG);
			break;
		}
		off = base + (off_t)pg2 * (off_t)PG;
		seed++;
		mt_pat(want, PG, (uint64_t)off, seed);
		if (vm_copyout(vs, want, a + (vm_offset_t)pg2 * PG, PG) != 0) {
			mt_fail("worker %d: vm_copyout failed", w->id);
			(void)vm_munmap(vs, a, MT_PAGES * PG);
			break;
		}
		w->last[pg2] = seed;
		error = vm_pread(w->fd, buf, PG, off, &done);
		if (error != 0 || done != PG ||
		    !mt_is_pat(buf, PG, (uint64_t)off, seed)) {
			mt_fail("worker %d: vm_pread does not show a store "
			    "through the mapping: error %d, %zu done", w->id,
			    error, done);
			(void)vm_munmap(vs, a, MT_PAGES * PG);
			break;
		}
		if ((error = vm_munmap(vs, a, MT_PAGES * PG)) != 0) {
			mt_fail("worker %d: vm_munmap: error %d", w->id, error);
			break;
		}
	}
	vmspace_release(own);
	return (NULL);
}

struct mt_app {
	int		fd;
	int		pages;		/* appended */
};

/* Grows the object a page at a time and fills the new page. */
static void *
mt_io_appender(void *arg)
{
	struct mt_app *ap = arg;
	uint8_t buf[VM_PAGE_SIZE], want[VM_PAGE_SIZE];
	size_t done;
	off_t off;
	int i, error, seals;

	for (i = 0; i < MT_APPEND; i++) {
		off = (off_t)(MT_BASE + i) * (off_t)PG;
		mt_pat(want, PG, (uint64_t)off, 7);
		if ((error = vm_ftruncate(ap->fd, off + (off_t)PG)) != 0) {
			mt_fail("appender: vm_ftruncate to %jd: error %d",
			    (intmax_t)(off + (off_t)PG), error);
			break;
		}
		error = vm_pwrite(ap->fd, want, PG, off, &done);
		if (error != 0 || done != PG) {
			mt_fail("appender: vm_pwrite at %jd: error %d, %zu done",
			    (intmax_t)off, error, done);
			break;
		}
		error = vm_pread(ap->fd, buf, PG, off, &done);
		if (error != 0 || done != PG ||
		    !mt_is_pat(buf, PG, (uint64_t)off, 7)) {
			mt_fail("appender: vm_pread at %jd: error %d, %zu done",
			    (intmax_t)off, error, done);
			break;
		}
		if (vm_get_seals(ap->fd, &seals) != 0 || seals != 0) {
			mt_fail("appender: vm_get_seals");
			break;
		}
		ap->pages++;
		sched_yield();
	}
	return (NULL);
}

/*
 * Several threads vm_pwrite, vm_pread, vm_mmap and vm_munmap one shm
 * object (each on its own pages, in a common and in their own address
 * spaces) while another grows it by vm_ftruncate and fills the new pages;
 * afterwards every page holds what its thread wrote last and the size is
 * the appender's.
 */
ATF_TC_WITHOUT_HEAD(mt__pread_pwrite_mmap);
ATF_TC_BODY(mt__pread_pwrite_mmap, tc)
{
	static struct mt_io w[MT_WORKERS];
	struct mt_app ap;
	pthread_t t[MT_WORKERS + 1];
	struct vmspace *vs;
	vm_offset_t whole;
	int fd, i, p;

	boot();
	mt_reset();
	vs = vs_new();
	fd = SHM_ANON(MT_BASE * PG);
	whole = SHM_MAP(vs, fd, MT_BASE * PG, RW, SHARED, 0);
	for (i = 0; i < MT_WORKERS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].fd = fd;
		w[i].id = i;
		w[i].shared_vs = vs;
		w[i].whole = whole;
		ATF_REQUIRE_EQ(0, pthread_create(&t[i], NULL, mt_io_worker,
		    &w[i]));
	}
	ap.fd = fd;
	ap.pages = 0;
	ATF_REQUIRE_EQ(0, pthread_create(&t[MT_WORKERS], NULL, mt_io_appender,
	    &ap));
	for (i = 0; i <= MT_WORKERS; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
	mt_report();

	ATF_CHECK_EQ(MT_APPEND, ap.pages);
	SIZE_IS(fd, (MT_BASE + MT_APPEND) * PG);
	for (i = 0; i < MT_WORKERS; i++)
		for (p = 0; p < MT_PAGES; p++) {
			off_t off = ((off_t)i * MT_PAGES + p) * (off_t)PG;

			PREAD_PAT(fd, off, PG, w[i].last[p]);
			COPYIN_PAT(vs, whole + (vm_offset_t)off, PG, off,
			    w[i].last[p]);
		}
	PREAD_PAT(fd, MT_BASE * PG, PG, 7);
	PREAD_PAT(fd, (MT_BASE + MT_APPEND - 1) * PG, PG, 7);
	CLOSE(fd);
	vmspace_release(vs);
	vm_shutdown();
}

#define	MT_NAMES	4
#define	MT_OPENERS	4
#define	MT_OPEN_ITERS	300

static const char *const mt_names[MT_NAMES] = {
	"/mt.a", "/mt.b", "/mt.c", "/mt.d"
};

/*
 * Opens, creates (O_EXCL), unlinks and closes a few names that other
 * threads use at the same time, writes and reads its own bytes of
 * whatever object it got, maps it now and then, and opens anonymous
 * objects too.  Errors the races explain (ENOENT, EEXIST) are fine.
 */
static void *
mt_opener(void *arg)
{
	struct vmspace *vs = NULL;
	int id = (int)(intptr_t)arg;
	uint8_t want[8], got[8];
	vm_offset_t a;
	size_t done;
	int i, fd, error;
	const char *name;

	if (vmspace_create(&vs) != 0) {
		mt_fail("opener %d: vmspace_create", id);
		return (NULL);
	}
	for (i = 0; i < MT_OPEN_ITERS; i++) {
		name = mt_names[(i * 7 + id) % MT_NAMES];
		switch ((i + id) % 5) {
		case 0:
		case 1:
			error = vm_shm_open(name, O_RDWR | O_CREAT, 0600, &fd);
			break;
		case 2:
			error = vm_shm_open(name, O_RDWR | O_CREAT | O_EXCL,
			    0600, &fd);
			if (error == EEXIST)
				continue;
			break;
		case 3:
			error = vm_shm_unlink(name);
			if (error != 0 && error != ENOENT)
				mt_fail("opener %d: vm_shm_unlink(%s): error "
				    "%d", id, name, error);
			continue;
		default:
			error = vm_shm_open(NULL, O_RDWR, 0600, &fd);
			break;
		}
		if (error != 0) {
			mt_fail("opener %d: vm_shm_open(%s): error %d", id,
			    name, error);
			break;
		}
		mt_pat(want, sizeof(want), (uint64_t)id * 8, (unsigned)i);
		/* Only ever grown to one page, by every thread. */
		if ((error = vm_ftruncate(fd, PG)) != 0) {
			mt_fail("opener %d: vm_ftruncate: error %d", id, error);
			(void)vm_close(fd);
			break;
		}
		error = vm_pwrite(fd, want, sizeof(want), (off_t)id * 8, &done);
		if (error != 0 || done != sizeof(want)) {
			mt_fail("opener %d: vm_pwrite: error %d", id, error);
			(void)vm_close(fd);
			break;
		}
		error = vm_pread(fd, got, sizeof(got), (off_t)id * 8, &done);
		if (error != 0 || done != sizeof(got) ||
		    memcmp(got, want, sizeof(got)) != 0) {
			mt_fail("opener %d: vm_pread: error %d, %zu done", id,
			    error, done);
			(void)vm_close(fd);
			break;
		}
		if (i % 3 == 0) {
			a = 0;
			error = vm_mmap(vs, &a, PG, RW, SHARED, fd, 0);
			if (error != 0) {
				mt_fail("opener %d: vm_mmap: error %d", id,
				    error);
				(void)vm_close(fd);
				break;
			}
			if (vm_copyin(vs, a + (vm_offset_t)id * 8, got,
			    sizeof(got)) != 0 ||
			    memcmp(got, want, sizeof(got)) != 0)
				mt_fail("opener %d: the mapping does not show "
				    "the vm_pwrite", id);
			(void)vm_munmap(vs, a, PG);
		}
		if ((error = vm_close(fd)) != 0) {
			mt_fail("opener %d: vm_close: error %d", id, error);
			break;
		}
	}
	vmspace_release(vs);
	return (NULL);
}

/*
 * Threads racing vm_shm_open, O_EXCL creation, vm_shm_unlink and
 * vm_close on the same names: no error beyond those the races explain,
 * and afterwards no object or descriptor is left behind.
 */
ATF_TC_WITHOUT_HEAD(mt__open_unlink_close);
ATF_TC_BODY(mt__open_unlink_close, tc)
{
	pthread_t t[MT_OPENERS];
	uint64_t shm0, files0;
	int i, error;

	boot();
	mt_reset();
	/* The descriptor table is allocated once, at the first open. */
	CLOSE(SHM_OPEN(NULL, O_RDWR, 0600));
	shm0 = mstat_inuse("shmfd");
	files0 = mstat_inuse("files");
	for (i = 0; i < MT_OPENERS; i++)
		ATF_REQUIRE_EQ(0, pthread_create(&t[i], NULL, mt_opener,
		    (void *)(intptr_t)i));
	for (i = 0; i < MT_OPENERS; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
	mt_report();
	for (i = 0; i < MT_NAMES; i++) {
		error = vm_shm_unlink(mt_names[i]);
		ATF_CHECK_MSG(error == 0 || error == ENOENT, "unlink %s: %d",
		    mt_names[i], error);
	}
	ATF_CHECK_EQ(shm0, mstat_inuse("shmfd"));
	ATF_CHECK_EQ(files0, mstat_inuse("files"));
	vm_shutdown();
}

struct mt_seal {
	int		fd;
	struct vmspace	*vs;
	atomic_int	writer_done;
	atomic_int	maps;		/* writable mappings made so far */
	int		refusals;	/* mmaps refused after the seal */
};

/* Maps the object shared and writable, stores a counter, unmaps. */
static void *
mt_seal_writer(void *arg)
{
	struct mt_seal *s = arg;
	vm_offset_t a;
	uint32_t v;
	int i, error;

	for (i = 0; i < 1000000; i++) {
		a = 0;
		error = vm_mmap(s->vs, &a, PG, RW, SHARED, s->fd, 0);
		if (error != 0) {
			/*
			 * Only the seal refuses it (the errno is checked by
			 * seals__write; either is a refusal here).
			 */
			if (error != EACCES && error != EPERM)
				mt_fail("writer: vm_mmap: error %d", error);
			s->refusals++;
			break;
		}
		/* Hold the mapping a while: store, yield, store again. */
		v = (uint32_t)i * 2 + 1;
		if (vm_copyout(s->vs, &v, a, sizeof(v)) != 0)
			mt_fail("writer: vm_copyout failed");
		atomic_fetch_add(&s->maps, 1);
		sched_yield();
		v++;
		if (vm_copyout(s->vs, &v, a + 64, sizeof(v)) != 0)
			mt_fail("writer: vm_copyout failed");
		if ((error = vm_munmap(s->vs, a, PG)) != 0) {
			mt_fail("writer: vm_munmap: error %d", error);
			break;
		}
		sched_yield();
	}
	if (s->refusals == 0)
		mt_fail("writer: %d writable mappings, none refused", i);
	atomic_store(&s->writer_done, 1);
	return (NULL);
}

/*
 * One thread maps the object shared and writable, stores and unmaps in
 * a loop while another tries F_SEAL_WRITE until it takes (EBUSY while a
 * writable mapping exists).  Once the seal is in, the contents never
 * change again and the writer's next vm_mmap is refused.
 */
ATF_TC_WITHOUT_HEAD(mt__seal_vs_writable_mmap);
ATF_TC_BODY(mt__seal_vs_writable_mmap, tc)
{
	struct mt_seal s;
	pthread_t t;
	uint8_t snap[VM_PAGE_SIZE], now[VM_PAGE_SIZE];
	size_t done;
	int error, tries = 0;

	memset(snap, 0, sizeof(snap));
	boot();
	mt_reset();
	memset(&s, 0, sizeof(s));
	s.vs = vs_new();
	s.fd = SHM_ANON(PG);
	ATF_REQUIRE_EQ(0, pthread_create(&t, NULL, mt_seal_writer, &s));
	/* Start sealing only once the writer is busy. */
	while (atomic_load(&s.maps) < 20 && atomic_load(&s.writer_done) == 0)
		sched_yield();
	for (;;) {
		error = vm_add_seals(s.fd, VM_F_SEAL_WRITE);
		if (error == 0)
			break;
		if (error != EBUSY) {
			mt_fail("vm_add_seals: error %d", error);
			break;
		}
		tries++;
		if (atomic_load(&s.writer_done) != 0) {
			/* No writer any more: the seal must take now. */
			error = vm_add_seals(s.fd, VM_F_SEAL_WRITE);
			if (error != 0)
				mt_fail("F_SEAL_WRITE %d with no mapping left",
				    error);
			break;
		}
		sched_yield();
	}
	if (error == 0) {
		ATF_REQUIRE_EQ(0, vm_pread(s.fd, snap, PG, 0, &done));
		ATF_REQUIRE_EQ(PG, done);
	}
	ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
	mt_report();
	ATF_REQUIRE_EQ(0, error);
	ATF_REQUIRE_EQ(0, vm_pread(s.fd, now, PG, 0, &done));
	ATF_CHECK_MSG(memcmp(snap, now, PG) == 0, "the object changed after "
	    "F_SEAL_WRITE took (a writable mapping outlived the check)");
	ATF_CHECK_EQ(1, s.refusals);
	ATF_CHECK_EQ(VM_F_SEAL_WRITE, get_seals(s.fd));
	printf("F_SEAL_WRITE took after %d EBUSY, %d writable mappings\n",
	    tries, atomic_load(&s.maps));
	ATF_CHECK(atomic_load(&s.maps) >= 20);
	CLOSE(s.fd);
	vmspace_release(s.vs);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, open__remap_and_reopen);
	ATF_TP_ADD_TC(tp, open__create_existing);
	ATF_TP_ADD_TC(tp, open__nonexisting);
	ATF_TP_ADD_TC(tp, open__write_only);
	ATF_TP_ADD_TC(tp, open__extra_flags);
	ATF_TP_ADD_TC(tp, open__anon);
	ATF_TP_ADD_TC(tp, open__anon_readonly);
	ATF_TP_ADD_TC(tp, open__invalid_path);
	ATF_TP_ADD_TC(tp, open__path_too_long);
	ATF_TP_ADD_TC(tp, open__bad_arguments);
	ATF_TP_ADD_TC(tp, open__mode);
	ATF_TP_ADD_TC(tp, open__trunc_resets_object);
	ATF_TP_ADD_TC(tp, open__lowest_descriptor);
	ATF_TP_ADD_TC(tp, unlink__open_after_unlink);
	ATF_TP_ADD_TC(tp, unlink__nonexisting);
	ATF_TP_ADD_TC(tp, unlink__reopen_creates_new_object);
	ATF_TP_ADD_TC(tp, unlink__object_survives);
	ATF_TP_ADD_TC(tp, ftruncate__grow_reads_zeros);
	ATF_TP_ADD_TC(tp, ftruncate__shrink_sigbus);
	ATF_TP_ADD_TC(tp, ftruncate__shrink_partial_page);
	ATF_TP_ADD_TC(tp, ftruncate__shrink_frees_pages);
	ATF_TP_ADD_TC(tp, ftruncate__bad_arguments);
	ATF_TP_ADD_TC(tp, mmap__past_size);
	ATF_TP_ADD_TC(tp, mmap__bad_arguments);
	ATF_TP_ADD_TC(tp, mmap__readonly_descriptor);
	ATF_TP_ADD_TC(tp, mmap__private_copy_on_write);
	ATF_TP_ADD_TC(tp, mmap__shared_coherent);
	ATF_TP_ADD_TC(tp, pread_pwrite__offsets);
	ATF_TP_ADD_TC(tp, pwrite__stops_at_size);
	ATF_TP_ADD_TC(tp, pread__past_end);
	ATF_TP_ADD_TC(tp, pread_pwrite__bad_arguments);
	ATF_TP_ADD_TC(tp, seals__get);
	ATF_TP_ADD_TC(tp, seals__truncate);
	ATF_TP_ADD_TC(tp, seals__grow);
	ATF_TP_ADD_TC(tp, seals__shrink);
	ATF_TP_ADD_TC(tp, seals__write);
	ATF_TP_ADD_TC(tp, seals__write_busy);
	ATF_TP_ADD_TC(tp, seals__write_busy_mprotect);
	ATF_TP_ADD_TC(tp, seals__write_readonly_shared_mapping);
	ATF_TP_ADD_TC(tp, seals__write_readonly_shared_mapping_closed);
	ATF_TP_ADD_TC(tp, seals__write_busy_fork);
	ATF_TP_ADD_TC(tp, seals__write_private_mappings);
	ATF_TP_ADD_TC(tp, seals__seal_seal);
	ATF_TP_ADD_TC(tp, seals__unknown_bits);
	ATF_TP_ADD_TC(tp, seals__regular_file);
	ATF_TP_ADD_TC(tp, fork__shared_functionality);
	ATF_TP_ADD_TC(tp, sharing__two_vmspaces_named);
	ATF_TP_ADD_TC(tp, many__objects_no_leak);
	ATF_TP_ADD_TC(tp, close__ebadf);
	ATF_TP_ADD_TC(tp, shutdown__names_gone);
	ATF_TP_ADD_TC(tp, shutdown__with_live_objects);
	ATF_TP_ADD_TC(tp, mt__pread_pwrite_mmap);
	ATF_TP_ADD_TC(tp, mt__open_unlink_close);
	ATF_TP_ADD_TC(tp, mt__seal_vs_writable_mmap);
	return (atf_no_error());
}
