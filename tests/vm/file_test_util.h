/*
 * Helpers shared by the black-box tests of libvm's files and shared
 * memory (vnode_test, msync_test): host files with a known pattern,
 * reading them back through the host (what libvm wrote back), opening
 * and mapping libvm descriptors, checking a pattern through a mapping or
 * a descriptor, SIGBUS checks and the vm.stats counters.
 *
 * Builds on api_test.h (boot, vs_new, FILL, EXPECT_FILL, MMAP_FAILS,
 * ACCESS_OK...).  Files are made in the current directory, which ATF
 * makes a fresh work directory for each case.  Every helper is static
 * inline and marked unused; the *_l functions take the caller's
 * __LINE__, which their messages report.
 */
#ifndef LIBVM_TESTS_VM_FILE_TEST_UTIL_H
#define	LIBVM_TESTS_VM_FILE_TEST_UTIL_H

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_test.h"

#define	FT_UNUSED	__attribute__((__unused__))

/* The byte a pattern file has at offset off (seed picks the pattern). */
static inline FT_UNUSED uint8_t
pat(uint64_t off, unsigned seed)
{
	return ((uint8_t)(((off * 31u) ^ (off >> 9) ^ (off >> 17)) + seed * 7u +
	    1u));
}

static inline FT_UNUSED void
pat_buf(uint8_t *buf, uint64_t off, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pat(off + i, seed);
}

/* ---- host files ---------------------------------------------------------- */

/* Create (or replace) path with size bytes of pattern seed, mode 0644. */
static inline FT_UNUSED void
mkfile_l(int line, const char *path, uint64_t size, unsigned seed)
{
	static uint8_t buf[64 * 1024];
	uint64_t off;
	size_t n;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ATF_REQUIRE_MSG(fd != -1, "line %d: host open(%s): %s", line, path,
	    strerror(errno));
	for (off = 0; off < size; off += n) {
		n = size - off < sizeof(buf) ? (size_t)(size - off) :
		    sizeof(buf);
		pat_buf(buf, off, n, seed);
		ATF_REQUIRE_MSG(pwrite(fd, buf, n, (off_t)off) == (ssize_t)n,
		    "line %d: host pwrite(%s): %s", line, path,
		    strerror(errno));
	}
	ATF_REQUIRE(close(fd) == 0);
}
#define	MKFILE(path, size, seed)	mkfile_l(__LINE__, (path), (size), (seed))

/* The host's idea of the file's size. */
static inline FT_UNUSED off_t
host_size_l(int line, const char *path)
{
	struct stat st;

	ATF_REQUIRE_MSG(stat(path, &st) == 0, "line %d: host stat(%s): %s",
	    line, path, strerror(errno));
	return (st.st_size);
}
#define	HOST_SIZE(path)	host_size_l(__LINE__, (path))

/* Read len bytes at off of the host file (all must be there). */
static inline FT_UNUSED void
host_read_l(int line, const char *path, void *buf, size_t len, off_t off)
{
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY);
	ATF_REQUIRE_MSG(fd != -1, "line %d: host open(%s): %s", line, path,
	    strerror(errno));
	r = pread(fd, buf, len, off);
	ATF_REQUIRE_MSG(r == (ssize_t)len, "line %d: host pread(%s, %zu at "
	    "%jd) = %zd (%s)", line, path, len, (intmax_t)off, r,
	    r == -1 ? strerror(errno) : "short");
	(void)close(fd);
}
#define	HOST_READ(path, buf, len, off)					\
	host_read_l(__LINE__, (path), (buf), (len), (off))

/* Write len bytes at off of the host file behind libvm's back. */
static inline FT_UNUSED void
host_write_l(int line, const char *path, const void *buf, size_t len,
    off_t off)
{
	int fd;

	fd = open(path, O_WRONLY);
	ATF_REQUIRE_MSG(fd != -1, "line %d: host open(%s): %s", line, path,
	    strerror(errno));
	ATF_REQUIRE_MSG(pwrite(fd, buf, len, off) == (ssize_t)len,
	    "line %d: host pwrite(%s): %s", line, path, strerror(errno));
	(void)close(fd);
}
#define	HOST_WRITE(path, buf, len, off)					\
	host_write_l(__LINE__, (path), (buf), (len), (off))

/* The host file holds byte v in [off, off + len). */
static inline FT_UNUSED void
host_expect_fill_l(int line, const char *path, off_t off, size_t len,
    uint8_t v)
{
	uint8_t *buf;
	size_t i;

	buf = malloc(len);
	ATF_REQUIRE(buf != NULL);
	host_read_l(line, path, buf, len, off);
	for (i = 0; i < len; i++)
		if (buf[i] != v)
			break;
	ATF_CHECK_MSG(i == len, "line %d: host file %s byte at %jd is %#x, "
	    "want %#x", line, path, (intmax_t)(off + (off_t)i),
	    i < len ? buf[i] : 0, v);
	free(buf);
}
#define	HOST_EXPECT_FILL(path, off, len, v)				\
	host_expect_fill_l(__LINE__, (path), (off), (len), (v))

/* The host file holds pattern seed in [off, off + len). */
static inline FT_UNUSED void
host_expect_pat_l(int line, const char *path, off_t off, size_t len,
    unsigned seed)
{
	uint8_t *buf;
	size_t i;

	buf = malloc(len);
	ATF_REQUIRE(buf != NULL);
	host_read_l(line, path, buf, len, off);
	for (i = 0; i < len; i++)
		if (buf[i] != pat((uint64_t)off + i, seed))
			break;
	ATF_CHECK_MSG(i == len, "line %d: host file %s byte at %jd is %#x, "
	    "want %#x (pattern %u)", line, path, (intmax_t)(off + (off_t)i),
	    i < len ? buf[i] : 0, i < len ? pat((uint64_t)off + i, seed) : 0,
	    seed);
	free(buf);
}
#define	HOST_EXPECT_PAT(path, off, len, seed)				\
	host_expect_pat_l(__LINE__, (path), (off), (len), (seed))

/* ---- libvm descriptors --------------------------------------------------- */

static inline FT_UNUSED int
vopen_l(int line, const char *path, int oflags, int mode)
{
	int error, fd = -1;

	error = vm_open(path, oflags, mode, &fd);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_open(%s, %#x): error %d",
	    line, path, oflags, error);
	ATF_REQUIRE(fd >= 0);
	return (fd);
}
#define	VOPEN(path, oflags)	vopen_l(__LINE__, (path), (oflags), 0644)

static inline FT_UNUSED void
vclose_l(int line, int fd)
{
	int error;

	error = vm_close(fd);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_close(%d): error %d", line,
	    fd, error);
}
#define	VCLOSE(fd)	vclose_l(__LINE__, (fd))

/* vm_open must fail with want (a descriptor it returns anyway is closed). */
static inline FT_UNUSED void
vopen_fails_l(int line, const char *path, int oflags, int mode, int want)
{
	int error, fd = -1;

	error = vm_open(path, oflags, mode, &fd);
	ATF_CHECK_MSG(error == want, "line %d: vm_open(%s, %#x) = %d, want %d",
	    line, path, oflags, error, want);
	if (error == 0)
		(void)vm_close(fd);
}
#define	VOPEN_FAILS(path, oflags, want)					\
	vopen_fails_l(__LINE__, (path), (oflags), 0644, (want))

/* vm_pwrite of len bytes of v at off, all written. */
static inline FT_UNUSED void
vwrite_fill_l(int line, int fd, off_t off, size_t len, uint8_t v)
{
	uint8_t *buf;
	size_t done = 0;
	int error;

	buf = malloc(len);
	ATF_REQUIRE(buf != NULL);
	memset(buf, v, len);
	error = vm_pwrite(fd, buf, len, off, &done);
	ATF_REQUIRE_MSG(error == 0 && done == len, "line %d: vm_pwrite(%d, "
	    "%zu at %jd): error %d, done %zu", line, fd, len, (intmax_t)off,
	    error, done);
	free(buf);
}
#define	VWRITE_FILL(fd, off, len, v)					\
	vwrite_fill_l(__LINE__, (fd), (off), (len), (v))

/* vm_pread of [off, off + len) reads byte v throughout. */
static inline FT_UNUSED void
vread_expect_fill_l(int line, int fd, off_t off, size_t len, uint8_t v)
{
	uint8_t *buf;
	size_t done = 0, i;
	int error;

	buf = malloc(len);
	ATF_REQUIRE(buf != NULL);
	error = vm_pread(fd, buf, len, off, &done);
	ATF_REQUIRE_MSG(error == 0 && done == len, "line %d: vm_pread(%d, "
	    "%zu at %jd): error %d, done %zu", line, fd, len, (intmax_t)off,
	    error, done);
	for (i = 0; i < len; i++)
		if (buf[i] != v)
			break;
	ATF_CHECK_MSG(i == len, "line %d: vm_pread byte at %jd is %#x, want "
	    "%#x", line, (intmax_t)(off + (off_t)i), i < len ? buf[i] : 0, v);
	free(buf);
}
#define	VREAD_EXPECT_FILL(fd, off, len, v)				\
	vread_expect_fill_l(__LINE__, (fd), (off), (len), (v))

/* vm_pread of [off, off + len) reads pattern seed. */
static inline FT_UNUSED void
vread_expect_pat_l(int line, int fd, off_t off, size_t len, unsigned seed)
{
	uint8_t *buf;
	size_t done = 0, i;
	int error;

	buf = malloc(len);
	ATF_REQUIRE(buf != NULL);
	error = vm_pread(fd, buf, len, off, &done);
	ATF_REQUIRE_MSG(error == 0 && done == len, "line %d: vm_pread(%d, "
	    "%zu at %jd): error %d, done %zu", line, fd, len, (intmax_t)off,
	    error, done);
	for (i = 0; i < len; i++)
		if (buf[i] != pat((uint64_t)off + i, seed))
			break;
	ATF_CHECK_MSG(i == len, "line %d: vm_pread byte at %jd is %#x, want "
	    "%#x", line, (intmax_t)(off + (off_t)i), i < len ? buf[i] : 0,
	    i < len ? pat((uint64_t)off + i, seed) : 0);
	free(buf);
}
#define	VREAD_EXPECT_PAT(fd, off, len, seed)				\
	vread_expect_pat_l(__LINE__, (fd), (off), (len), (seed))

/* The number of bytes vm_pread returns at off (asking for len). */
static inline FT_UNUSED size_t
vread_count_l(int line, int fd, off_t off, size_t len)
{
	uint8_t *buf;
	size_t done = 12345;
	int error;

	buf = malloc(len);
	ATF_REQUIRE(buf != NULL);
	error = vm_pread(fd, buf, len, off, &done);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_pread(%d, %zu at %jd): "
	    "error %d", line, fd, len, (intmax_t)off, error);
	free(buf);
	return (done);
}
#define	VREAD_COUNT(fd, off, len)	vread_count_l(__LINE__, (fd), (off), (len))

static inline FT_UNUSED void
vftruncate_l(int line, int fd, off_t len)
{
	int error;

	error = vm_ftruncate(fd, len);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_ftruncate(%d, %jd): error %d",
	    line, fd, (intmax_t)len, error);
}
#define	VFTRUNCATE(fd, len)	vftruncate_l(__LINE__, (fd), (len))

/* ---- mappings ------------------------------------------------------------ */

/* Map fd; returns the address (page offset of pos included). */
static inline FT_UNUSED vm_offset_t
fmap_l(int line, struct vmspace *vs, vm_offset_t hint, vm_size_t len,
    int prot, int flags, int fd, off_t pos)
{
	vm_offset_t a = hint;
	int error;

	error = vm_mmap(vs, &a, len, prot, flags, fd, pos);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_mmap(len %#jx, prot %#x, "
	    "flags %#x, fd %d, pos %jd): error %d", line, (uintmax_t)len,
	    prot, flags, fd, (intmax_t)pos, error);
	ATF_REQUIRE_MSG(a >= VM_MIN_USER_ADDRESS && a < VM_MAX_USER_ADDRESS,
	    "line %d: vm_mmap returned %#jx", line, (uintmax_t)a);
	return (a);
}
#define	FMAP(vs, len, prot, flags, fd, pos)				\
	fmap_l(__LINE__, (vs), 0, (len), (prot), (flags), (fd), (pos))
#define	FMAP_AT(vs, hint, len, prot, flags, fd, pos)			\
	fmap_l(__LINE__, (vs), (hint), (len), (prot), (flags), (fd), (pos))

static inline FT_UNUSED void
vunmap_l(int line, struct vmspace *vs, vm_offset_t a, vm_size_t len)
{
	int error;

	error = vm_munmap(vs, a, len);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_munmap(%#jx, %#jx): error %d",
	    line, (uintmax_t)a, (uintmax_t)len, error);
}
#define	VUNMAP(vs, a, len)	vunmap_l(__LINE__, (vs), (a), (len))

/* Reading [va, va + len) through the mapping gives pattern seed from off. */
static inline FT_UNUSED void
expect_pat_l(int line, struct vmspace *vs, vm_offset_t va, uint64_t off,
    vm_size_t len, unsigned seed)
{
	static uint8_t buf[VM_PAGE_SIZE];
	vm_size_t done, n, i;
	int error;

	for (done = 0; done < len; done += n) {
		n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		error = vm_copyin(vs, va + done, buf, (size_t)n);
		ATF_REQUIRE_MSG(error == 0, "line %d: vm_copyin from %#jx: "
		    "error %d", line, (uintmax_t)(va + done), error);
		for (i = 0; i < n; i++)
			ATF_REQUIRE_MSG(buf[i] == pat(off + done + i, seed),
			    "line %d: byte at %#jx (file offset %ju) is %#x, "
			    "want %#x", line, (uintmax_t)(va + done + i),
			    (uintmax_t)(off + done + i), buf[i],
			    pat(off + done + i, seed));
	}
}
#define	EXPECT_PAT(vs, va, off, len, seed)				\
	expect_pat_l(__LINE__, (vs), (va), (off), (len), (seed))

/* Store pattern seed (as at file offset off) at [va, va + len). */
static inline FT_UNUSED void
store_pat_l(int line, struct vmspace *vs, vm_offset_t va, uint64_t off,
    vm_size_t len, unsigned seed)
{
	static uint8_t buf[VM_PAGE_SIZE];
	vm_size_t done, n;
	int error;

	for (done = 0; done < len; done += n) {
		n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		pat_buf(buf, off + done, (size_t)n, seed);
		error = vm_copyout(vs, buf, va + done, (size_t)n);
		ATF_REQUIRE_MSG(error == 0, "line %d: vm_copyout to %#jx: "
		    "error %d", line, (uintmax_t)(va + done), error);
	}
}
#define	STORE_PAT(vs, va, off, len, seed)				\
	store_pat_l(__LINE__, (vs), (va), (off), (len), (seed))

/* A store of one byte v at va. */
static inline FT_UNUSED void
poke_l(int line, struct vmspace *vs, vm_offset_t va, uint8_t v)
{
	int error;

	error = vm_copyout(vs, &v, va, 1);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_copyout to %#jx: error %d",
	    line, (uintmax_t)va, error);
}
#define	POKE(vs, va, v)	poke_l(__LINE__, (vs), (va), (v))

/* The byte at va. */
static inline FT_UNUSED uint8_t
peek_l(int line, struct vmspace *vs, vm_offset_t va)
{
	uint8_t v = 0;
	int error;

	error = vm_copyin(vs, va, &v, 1);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_copyin from %#jx: error %d",
	    line, (uintmax_t)va, error);
	return (v);
}
#define	PEEK(vs, va)	peek_l(__LINE__, (vs), (va))

/* An access past the end of the object: SIGBUS with BUS_OBJERR. */
#define	OBJERR(vs, va, acc)						\
	access_fault_l(__LINE__, (vs), (va), (acc), SIGBUS, BUS_OBJERR)

/* Both a read and a write at va raise SIGBUS/BUS_OBJERR, copyin EFAULT. */
static inline FT_UNUSED void
past_eof_l(int line, struct vmspace *vs, vm_offset_t va)
{
	uint8_t b = 0;
	int error;

	access_fault_l(line, vs, va, VM_PROT_READ, SIGBUS, BUS_OBJERR);
	access_fault_l(line, vs, va, VM_PROT_WRITE, SIGBUS, BUS_OBJERR);
	error = vm_copyin(vs, va, &b, 1);
	ATF_CHECK_MSG(error == EFAULT, "line %d: vm_copyin from %#jx past "
	    "EOF: error %d, want EFAULT", line, (uintmax_t)va, error);
	error = vm_copyout(vs, &b, va, 1);
	ATF_CHECK_MSG(error == EFAULT, "line %d: vm_copyout to %#jx past "
	    "EOF: error %d, want EFAULT", line, (uintmax_t)va, error);
}
#define	PAST_EOF(vs, va)	past_eof_l(__LINE__, (vs), (va))

/* The same for a read-only mapping (a write there is SEGV_ACCERR first). */
static inline FT_UNUSED void
past_eof_ro_l(int line, struct vmspace *vs, vm_offset_t va)
{
	uint8_t b = 0;
	int error;

	access_fault_l(line, vs, va, VM_PROT_READ, SIGBUS, BUS_OBJERR);
	error = vm_copyin(vs, va, &b, 1);
	ATF_CHECK_MSG(error == EFAULT, "line %d: vm_copyin from %#jx past "
	    "EOF: error %d, want EFAULT", line, (uintmax_t)va, error);
}
#define	PAST_EOF_RO(vs, va)	past_eof_ro_l(__LINE__, (vs), (va))

/* ---- counters ------------------------------------------------------------ */

static inline FT_UNUSED uint64_t
counter_l(int line, const char *name)
{
	uint64_t v = 0;
	size_t len = sizeof(v);
	int error;

	error = vm_sysctlbyname(name, &v, &len, NULL, 0);
	ATF_REQUIRE_MSG(error == 0 && len == sizeof(v), "line %d: "
	    "vm_sysctlbyname(%s): error %d, len %zu", line, name, error, len);
	return (v);
}
#define	COUNTER(name)	counter_l(__LINE__, "vm.stats.vm." name)

#endif /* !LIBVM_TESTS_VM_FILE_TEST_UTIL_H */
