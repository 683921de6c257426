/*
 * Helpers of posixshm_test.c on top of api_test.h: opening shm objects
 * (SHM_OPEN, SHM_OPEN_FAILS, SHM_ANON), mapping them (SHM_MAP; failures
 * go through api_test.h's MMAP_FAILS), moving bytes through descriptors
 * (PWRITE_PAT, PREAD_PAT, PREAD_ZERO, SIZE_IS) and through mappings
 * (COPYOUT_PAT, COPYIN_PAT), SIGBUS checks (BUSERR) and the malloc(9)
 * statistics of one type (mstat_inuse).
 *
 * Data is a position-dependent pattern, pat(seed, off), so that a byte
 * read from the wrong offset or the wrong page is caught, not only a
 * wrong value.  Uses only <libvm.h>, libc and ATF; every helper is static
 * inline and marked unused.  The *_l functions take the caller's
 * __LINE__, which their messages report.
 */
#ifndef LIBVM_TESTS_VM_SHM_TEST_UTIL_H
#define	LIBVM_TESTS_VM_SHM_TEST_UTIL_H

#include <fcntl.h>
#include <sys/stat.h>

#include "api_test.h"

#define	UNUSED		__attribute__((__unused__))
#define	SHARED		VM_MAP_SHARED
#define	PRIVATE		VM_MAP_PRIVATE
#define	SEALS_ALL	(VM_F_SEAL_SEAL | VM_F_SEAL_SHRINK | \
			VM_F_SEAL_GROW | VM_F_SEAL_WRITE)

/* The byte at offset off of a pattern numbered seed. */
static inline UNUSED uint8_t
pat(unsigned seed, uint64_t off)
{
	return ((uint8_t)(seed * 131u + off * 7u + (off >> 12) * 13u + 1u));
}

/* ---- opening ------------------------------------------------------------- */

static inline UNUSED int
shm_open_l(int line, const char *name, int oflags, int mode)
{
	int error, fd = -1;

	error = vm_shm_open(name, oflags, mode, &fd);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_shm_open(%s, %#x, %#o): "
	    "error %d", line, name == NULL ? "NULL" : name, oflags, mode,
	    error);
	ATF_REQUIRE_MSG(fd >= 0, "line %d: vm_shm_open returned fd %d", line,
	    fd);
	return (fd);
}
#define	SHM_OPEN(name, oflags, mode)					\
	shm_open_l(__LINE__, (name), (oflags), (mode))

/* vm_shm_open must fail with want; if it opens anyway, close again. */
static inline UNUSED void
shm_open_fails_l(int line, const char *name, int oflags, int mode, int want)
{
	int error, fd = -1;

	error = vm_shm_open(name, oflags, mode, &fd);
	ATF_CHECK_MSG(error == want, "line %d: vm_shm_open(%.40s%s, %#x, "
	    "%#o) = %d (fd %d), want %d", line, name == NULL ? "NULL" : name,
	    name != NULL && strlen(name) > 40 ? "..." : "", oflags, mode, error,
	    fd, want);
	if (error == 0)
		(void)vm_close(fd);
}
#define	SHM_OPEN_FAILS(name, oflags, mode, want)			\
	shm_open_fails_l(__LINE__, (name), (oflags), (mode), (want))

static inline UNUSED void
close_l(int line, int fd)
{
	int error;

	error = vm_close(fd);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_close(%d): error %d", line,
	    fd, error);
}
#define	CLOSE(fd)	close_l(__LINE__, (fd))

static inline UNUSED void
truncate_l(int line, int fd, off_t len)
{
	int error;

	error = vm_ftruncate(fd, len);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_ftruncate(%d, %jd): error %d",
	    line, fd, (intmax_t)len, error);
}
#define	TRUNCATE(fd, len)	truncate_l(__LINE__, (fd), (off_t)(len))

/* An anonymous object of size bytes. */
static inline UNUSED int
shm_anon_l(int line, off_t size)
{
	int fd;

	fd = shm_open_l(line, NULL, O_RDWR, 0600);
	truncate_l(line, fd, size);
	return (fd);
}
#define	SHM_ANON(size)	shm_anon_l(__LINE__, (off_t)(size))

/* ---- mapping ------------------------------------------------------------- */

static inline UNUSED vm_offset_t
shm_map_l(int line, struct vmspace *vs, int fd, vm_size_t len, int prot,
    int flags, off_t off)
{
	vm_offset_t a = 0;
	int error;

	error = vm_mmap(vs, &a, len, prot, flags, fd, off);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_mmap(fd %d, len %#jx, prot "
	    "%#x, flags %#x, off %#jx): error %d", line, fd, (uintmax_t)len,
	    prot, flags, (uintmax_t)off, error);
	ATF_REQUIRE_MSG(a != 0 && a % PG == 0, "line %d: vm_mmap returned "
	    "%#jx", line, (uintmax_t)a);
	return (a);
}
#define	SHM_MAP(vs, fd, len, prot, flags, off)				\
	shm_map_l(__LINE__, (vs), (fd), (len), (prot), (flags), (off_t)(off))

static inline UNUSED void
unmap_l(int line, struct vmspace *vs, vm_offset_t a, vm_size_t len)
{
	int error;

	error = vm_munmap(vs, a, len);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_munmap(%#jx, %#jx): error %d",
	    line, (uintmax_t)a, (uintmax_t)len, error);
}
#define	UNMAP(vs, a, len)	unmap_l(__LINE__, (vs), (a), (len))

#define	BUSERR(vs, va, acc)						\
	access_fault_l(__LINE__, (vs), (va), (acc), SIGBUS, BUS_OBJERR)

/* ---- descriptors: patterns ----------------------------------------------- */

/* pwrite pattern seed over [off, off + len), all of it. */
static inline UNUSED void
pwrite_pat_l(int line, int fd, off_t off, size_t len, unsigned seed)
{
	uint8_t *buf;
	size_t i, done = 12345;
	int error;

	buf = malloc(len == 0 ? 1 : len);
	ATF_REQUIRE(buf != NULL);
	for (i = 0; i < len; i++)
		buf[i] = pat(seed, (uint64_t)off + i);
	error = vm_pwrite(fd, buf, len, off, &done);
	free(buf);
	ATF_REQUIRE_MSG(error == 0 && done == len, "line %d: vm_pwrite(fd %d, "
	    "%zu bytes at %jd): error %d, %zu done", line, fd, len,
	    (intmax_t)off, error, done);
}
#define	PWRITE_PAT(fd, off, len, seed)					\
	pwrite_pat_l(__LINE__, (fd), (off_t)(off), (size_t)(len), (seed))

/*
 * pread [off, off + len) and compare with pattern seed, or with zeros
 * when zero is set; all of it must be read.
 */
static inline UNUSED void
pread_check_l(int line, int fd, off_t off, size_t len, unsigned seed,
    int zero)
{
	uint8_t *buf;
	size_t i, done = 12345;
	int error;

	buf = malloc(len == 0 ? 1 : len);
	ATF_REQUIRE(buf != NULL);
	memset(buf, 0xa5, len);
	error = vm_pread(fd, buf, len, off, &done);
	if (error != 0 || done != len) {
		free(buf);
		ATF_REQUIRE_MSG(0, "line %d: vm_pread(fd %d, %zu bytes at %jd): "
		    "error %d, %zu done", line, fd, len, (intmax_t)off, error,
		    done);
	}
	for (i = 0; i < len; i++) {
		uint8_t want = zero ? 0 : pat(seed, (uint64_t)off + i);

		if (buf[i] != want) {
			uint8_t got = buf[i];

			free(buf);
			ATF_REQUIRE_MSG(0, "line %d: vm_pread(fd %d): byte at "
			    "offset %jd is %#x, want %#x", line, fd,
			    (intmax_t)(off + (off_t)i), got, want);
		}
	}
	free(buf);
}
#define	PREAD_PAT(fd, off, len, seed)					\
	pread_check_l(__LINE__, (fd), (off_t)(off), (size_t)(len), (seed), 0)
#define	PREAD_ZERO(fd, off, len)					\
	pread_check_l(__LINE__, (fd), (off_t)(off), (size_t)(len), 0, 1)

/*
 * The object's size is exactly size: the byte before it reads (when size
 * > 0), a read at size returns 0 bytes and no error.
 */
static inline UNUSED void
size_is_l(int line, int fd, off_t size)
{
	uint8_t b;
	size_t done;
	int error;

	if (size > 0) {
		done = 12345;
		error = vm_pread(fd, &b, 1, size - 1, &done);
		ATF_REQUIRE_MSG(error == 0 && done == 1, "line %d: size of fd %d "
		    "should be %jd, but reading its last byte gives error %d, "
		    "%zu done", line, fd, (intmax_t)size, error, done);
	}
	done = 12345;
	error = vm_pread(fd, &b, 1, size, &done);
	ATF_REQUIRE_MSG(error == 0 && done == 0, "line %d: size of fd %d "
	    "should be %jd, but reading at that offset gives error %d, %zu "
	    "done", line, fd, (intmax_t)size, error, done);
}
#define	SIZE_IS(fd, size)	size_is_l(__LINE__, (fd), (off_t)(size))

/* ---- mappings: patterns -------------------------------------------------- */

/* Store pattern seed over [va, va + len); off is va's offset in the object. */
static inline UNUSED void
copyout_pat_l(int line, struct vmspace *vs, vm_offset_t va, size_t len,
    uint64_t off, unsigned seed)
{
	uint8_t *buf;
	size_t i;
	int error;

	buf = malloc(len == 0 ? 1 : len);
	ATF_REQUIRE(buf != NULL);
	for (i = 0; i < len; i++)
		buf[i] = pat(seed, off + i);
	error = vm_copyout(vs, buf, va, len);
	free(buf);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_copyout(%#jx, %zu): error %d",
	    line, (uintmax_t)va, len, error);
}
#define	COPYOUT_PAT(vs, va, len, off, seed)				\
	copyout_pat_l(__LINE__, (vs), (va), (size_t)(len), (uint64_t)(off),	\
	    (seed))

static inline UNUSED void
copyin_check_l(int line, struct vmspace *vs, vm_offset_t va, size_t len,
    uint64_t off, unsigned seed, int zero)
{
	uint8_t *buf;
	size_t i;
	int error;

	buf = malloc(len == 0 ? 1 : len);
	ATF_REQUIRE(buf != NULL);
	error = vm_copyin(vs, va, buf, len);
	if (error != 0) {
		free(buf);
		ATF_REQUIRE_MSG(0, "line %d: vm_copyin(%#jx, %zu): error %d",
		    line, (uintmax_t)va, len, error);
	}
	for (i = 0; i < len; i++) {
		uint8_t want = zero ? 0 : pat(seed, off + i);

		if (buf[i] != want) {
			uint8_t got = buf[i];

			free(buf);
			ATF_REQUIRE_MSG(0, "line %d: byte at %#jx (object "
			    "offset %#jx) is %#x, want %#x", line,
			    (uintmax_t)(va + i), (uintmax_t)(off + i), got,
			    want);
		}
	}
	free(buf);
}
#define	COPYIN_PAT(vs, va, len, off, seed)				\
	copyin_check_l(__LINE__, (vs), (va), (size_t)(len), (uint64_t)(off),	\
	    (seed), 0)
#define	COPYIN_ZERO(vs, va, len)					\
	copyin_check_l(__LINE__, (vs), (va), (size_t)(len), 0, 0, 1)

/* ---- statistics ---------------------------------------------------------- */

/*
 * Items in use of the malloc(9) type name (0 when the type has not been
 * used in this boot and so has no record).
 */
static inline UNUSED uint64_t
mstat_inuse(const char *name)
{
	struct vm_malloc_stat *st;
	size_t n = 0, i;
	uint64_t v = 0;

	ATF_REQUIRE_EQ(0, vm_malloc_stats(NULL, &n));
	n += 16;
	st = calloc(n, sizeof(*st));
	ATF_REQUIRE(st != NULL);
	ATF_REQUIRE_EQ(0, vm_malloc_stats(st, &n));
	for (i = 0; i < n; i++)
		if (strcmp(st[i].vms_name, name) == 0)
			v = st[i].vms_inuse;
	free(st);
	return (v);
}

#endif /* !LIBVM_TESTS_VM_SHM_TEST_UTIL_H */
