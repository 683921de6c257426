/*
 * A differential test of libvm's files against the host kernel: the same
 * seeded random sequence of operations is applied to a file through libvm
 * (vm_open, vm_pread/vm_pwrite/vm_ftruncate/vm_fsync, mappings made with
 * vm_mmap in one vmspace, touched with vm_copyin/vm_copyout/vm_fault_trap)
 * and to a second file through the host (pread/pwrite/ftruncate/fsync and
 * real mmap(2) mappings touched with memcpy), and what each side shows is
 * compared: the size, every byte through pread, what every live mapping
 * reads, and in the end the two host files byte for byte.  The host kernel
 * is the reference (issue 8, "a differential test").
 *
 * The host side runs in this process: the host mappings are of a
 * different host file than libvm's, and libvm under the software MMU
 * takes no host signals, so the two cannot disturb each other.  A SIGBUS
 * handler (sigsetjmp/siglongjmp) guards every host access, so that a host
 * access this test believed valid reports instead of killing the program.
 *
 * Operations (each a record of random numbers resolved against the state
 * when it runs, so that any subsequence is still a valid run; that is
 * what the shrinker relies on):
 *   pwrite	random offset and length, often at or past the end (extends)
 *   truncate	random sizes, page multiples +-1, near the current size
 *   mmap	MAP_SHARED or MAP_PRIVATE of a random page-aligned range (it
 *		may lie partly or wholly past the end of the file) into one
 *		of NSLOT slots, replacing what the slot held
 *   munmap	a slot
 *   store	through a mapping, inside the file (vm_copyout / memcpy)
 *   tailstore	through a mapping, into the last partial page past the end
 *		(allowed: the page exists; the bytes are not part of the file)
 *   mread	through a mapping, inside the file (vm_copyin / memcpy)
 *   msync	MS_SYNC, MS_ASYNC, MS_INVALIDATE, MS_SYNC|MS_INVALIDATE of a
 *		mapping or of some of its pages
 *   pread	a random range (vm_pread / pread), counts and bytes
 *   probe	a page of a mapping wholly past the end: the host's read must
 *		SIGBUS (checked: it is the reference) and libvm's
 *		vm_fault_trap read and write must be SIGBUS/BUS_OBJERR
 *   fsync	vm_fsync, then the host file libvm wrote back must equal
 *		the reference file (size and bytes)
 *   reopen	vm_close and vm_open again (nothing on the host side): with no
 *		live mapping the vnode goes, its pages are written back and
 *		the file is read again from the host; libvm's host file must
 *		then equal the reference file
 * After every operation (the cases of the first seed) or every fifth (the
 * second: pages are then not all faulted in and resident between
 * operations, so stores and truncations meet fresh pages) the whole state
 * is compared: the size, the contents through pread, and every live
 * mapping inside the end of file.
 *
 * Where the two may differ legitimately (verified on Linux 6.18 / ext4,
 * and read in FreeBSD's vnode_pager_setsize and vm_fault):
 *
 * 1. A MAP_PRIVATE page that the mapping has copied (written) and that a
 *    truncation leaves wholly past the new end: Linux's truncate_pagecache
 *    unmaps it with even_cows set and throws the copy away (an access is
 *    then SIGBUS, and after the file grows again the page reads the file,
 *    zeros); FreeBSD removes only the vnode object's pages, the copy in
 *    the shadow object stays and the mapping keeps reading it, past the
 *    end or not (vm_fault finds the page in the first object before the
 *    object-size check).  libvm does as FreeBSD (vm_ftruncate(3): "pages
 *    that a private mapping has already copied stay").  Such a page is
 *    marked "diverged": the host's page is no longer compared, libvm's is
 *    compared against a copy of the host's page taken just before the
 *    truncation, updated by later stores (the "ghost"), and a probe
 *    expects libvm to read it rather than SIGBUS.
 *
 * 2. Bytes stored through a MAP_SHARED mapping past the end of the file in
 *    its last page are not part of the file, and their value is not
 *    specified; the kernels keep them differently:
 *    - Linux zeroes them whenever it writes the page back
 *	(block_write_full_folio zeroes the part past i_size; the flusher
 *	thread may do it at any time, msync/fsync do it at once); libvm
 *	keeps them in the page (putpages writes only up to the end of file,
 *	as FreeBSD's vnode_pager_generic_putpages, which does not zero
 *	either), until the size changes or the vnode goes;
 *    - libvm reads the page again from the host, zeros past the end, after
 *	the vnode went with its last close or VM_MS_INVALIDATE dropped the
 *	clean page, where Linux may still have them;
 *    - growing the file: ftruncate zeroes the whole old tail on both
 *	(Linux since 6.12, pagecache_isize_extended); a pwrite that grows
 *	the file inside the same page zeroes only up to the new end on
 *	Linux, the whole tail in libvm.
 *    No view inside the end of file shows the difference (the growths
 *    above are compared), but a MAP_PRIVATE mapping that copies that page
 *    copies whichever bytes its kernel had, and reads them from the copy
 *    once the file has grown past them.  They are marked "uncertain" in
 *    that mapping and not compared (until the mapping stores over them).
 *    How many uncertain bytes did differ is printed at the end of a run,
 *    with the first of them.
 *
 * Anything else that differs is reported as a failure with the seed, the
 * operation and the first differing byte.  Set FILE_DIFF_SHRINK=1 in the
 * environment to have a failing case shrink its operation sequence (a
 * simple delta loop) and print the smallest sequence it found, resolved;
 * FILE_DIFF_VERBOSE=1 prints every operation of a run.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>

#include "api_test.h"

#define	MAXPG		32			/* file sizes up to MAXPG pages */
#define	MAXSZ		((uint64_t)MAXPG * PG)
#define	MAXOFFPG	(MAXPG + 2)		/* mappings start below this page */
#define	MAPPG		6			/* pages per mapping, at most */
#define	NSLOT		6			/* live mappings, at most */
#define	BUFSZ		(MAXSZ + 4 * PG)

#define	HOST_PATH	"file_diff.host"
#define	VM_PATH		"file_diff.libvm"

/* ---- operations and cases ------------------------------------------------ */

enum {
	OP_PWRITE, OP_TRUNC, OP_MMAP, OP_MUNMAP, OP_STORE, OP_TAIL, OP_MREAD,
	OP_MSYNC, OP_PREAD, OP_PROBE, OP_FSYNC, OP_REOPEN, NOPTYPES
};

static const char *const opname[NOPTYPES] = {
	"pwrite", "truncate", "mmap", "munmap", "store", "tailstore", "mread",
	"msync", "pread", "probe", "fsync", "reopen"
};

struct op {
	uint8_t		type;
	uint8_t		slot;
	uint32_t	r[4];
	uint64_t	dseed;		/* data of a write or store */
};

#define	K_SHARED	0x1
#define	K_PRIVATE	0x2

struct dcase {
	const char	*name;
	int		kinds;		/* K_SHARED | K_PRIVATE */
	uint64_t	seed;
	size_t		nops;
	size_t		check_every;	/* compare everything every n ops */
	unsigned	weight[NOPTYPES];
};

/*	    pwrite trunc mmap munmap store tail mread msync pread probe fsync reopen */
#define	W_DEFAULT { 12,    5,   8,    3,    20,   4,   8,    7,    4,    5,    1,    1 }
#define	W_TRUNC   { 10,   25,   8,    3,    16,   5,   6,    5,    3,   10,    1,    1 }

/* ---- PRNG (splitmix64) --------------------------------------------------- */

static uint64_t
sm64(uint64_t *s)
{
	uint64_t z;

	z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (z ^ (z >> 31));
}

static void
fill_random(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t s = seed, v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i % 8 == 0)
			v = sm64(&s);
		buf[i] = (uint8_t)(v >> (8 * (i % 8)));
	}
}

static struct op *
gen_ops(const struct dcase *c)
{
	struct op *ops;
	uint64_t s = c->seed * 0x100000001b3ull + 17;
	unsigned total = 0, t, pick;
	size_t i;
	int j;

	for (t = 0; t < NOPTYPES; t++)
		total += c->weight[t];
	ops = calloc(c->nops, sizeof(*ops));
	ATF_REQUIRE(ops != NULL);
	for (i = 0; i < c->nops; i++) {
		pick = (unsigned)(sm64(&s) % total);
		for (t = 0; pick >= c->weight[t]; t++)
			pick -= c->weight[t];
		ops[i].type = (uint8_t)t;
		ops[i].slot = (uint8_t)(sm64(&s) % NSLOT);
		for (j = 0; j < 4; j++)
			ops[i].r[j] = (uint32_t)sm64(&s);
		ops[i].dseed = sm64(&s);
	}
	return (ops);
}

/* ---- the state of a run -------------------------------------------------- */

struct mapping {
	int		live;
	int		shared;
	uint64_t	off;		/* file offset, page aligned */
	size_t		npg;
	vm_offset_t	va;		/* libvm */
	uint8_t		*h;		/* host */
	uint8_t		cow[MAPPG];	/* private page copied (stored to) */
	uint8_t		div[MAPPG];	/* diverged: see the top comment, 1 */
	uint8_t		ghost[MAPPG * PG]; /* libvm's expected diverged pages */
	uint8_t		unc[MAPPG * PG]; /* uncertain bytes of copied pages */
};

struct run {
	const struct dcase *c;
	int		verbose;
	int		hfd;		/* host descriptor of HOST_PATH */
	int		vfd;		/* libvm descriptor of VM_PATH */
	struct vmspace	*vs;
	uint64_t	size;		/* the host file's size */
	uint8_t		tailunc[PG];	/* tail-page bytes stored through a
					   shared mapping past the end: 2 */
	struct mapping	m[NSLOT];
	uint8_t		hb[BUFSZ], vb[BUFSZ], data[BUFSZ];
	char		desc[256];
	char		msg[2048];
	uint64_t	unc_differed;	/* uncertain bytes that differed */
	uint64_t	unc_skipped;
	char		unc_first[512];	/* the first uncertain byte that
					   differed, for the report */
	uint64_t	ndiverged;
	uint64_t	nprobe_bus;
	uint64_t	ncold;		/* reopens that dropped the vnode */
	uint64_t	nexec[NOPTYPES];	/* operations that did something */
};

static struct run R;

#define	FAIL(...) do {							\
	snprintf(r->msg, sizeof(r->msg), __VA_ARGS__);			\
	return (-1);							\
} while (0)

static void
describe(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->desc, sizeof(r->desc), fmt, ap);
	va_end(ap);
}

/* ---- guarded host accesses ----------------------------------------------- */

static sigjmp_buf bus_jb;
static volatile sig_atomic_t bus_armed;
static struct sigaction old_bus;

static void
bus_handler(int sig)
{
	if (bus_armed) {
		bus_armed = 0;
		siglongjmp(bus_jb, 1);
	}
	(void)sigaction(sig, &old_bus, NULL);
	(void)raise(sig);
}

static void
bus_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bus_handler;
	sigemptyset(&sa.sa_mask);
	ATF_REQUIRE(sigaction(SIGBUS, &sa, &old_bus) == 0);
}

static void
bus_restore(void)
{
	(void)sigaction(SIGBUS, &old_bus, NULL);
}

static __attribute__((__noinline__)) void
copy_bytes(volatile uint8_t *d, const volatile uint8_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = s[i];
}

/* memcpy that returns -1 instead of dying of SIGBUS. */
static int
host_copy(void *dst, const void *src, size_t n)
{
	if (sigsetjmp(bus_jb, 1) != 0)
		return (-1);
	bus_armed = 1;
	copy_bytes(dst, src, n);
	bus_armed = 0;
	return (0);
}

/* ---- the model ----------------------------------------------------------- */

static uint64_t
host_size(struct run *r)
{
	struct stat st;

	ATF_REQUIRE(fstat(r->hfd, &st) == 0);
	return ((uint64_t)st.st_size);
}

/*
 * A private mapping is about to store to page p (its first store copies
 * the page): its uncertain bytes are the tail bytes a shared mapping
 * stored past the end of file in that page, as the page stands now.
 */
static void
cow_page(struct run *r, struct mapping *m, size_t p)
{
	uint64_t fo = m->off + p * PG;
	size_t i;

	if (m->cow[p] || m->div[p])
		return;
	m->cow[p] = 1;
	memset(m->unc + p * PG, 0, PG);
	if (r->size % PG != 0 && fo == r->size / PG * PG)
		for (i = r->size % PG; i < PG; i++)
			m->unc[p * PG + i] = r->tailunc[i];
}

/* A store of [fo, fo + len) (file offsets) through mapping m: the model. */
static void
model_store(struct run *r, struct mapping *m, uint64_t fo, size_t len,
    const uint8_t *buf)
{
	uint64_t i, rel;
	size_t p;

	if (m->shared) {
		for (i = fo; i < fo + len; i++)
			if (i >= r->size && i / PG == r->size / PG)
				r->tailunc[i % PG] = 1;
		return;
	}
	for (i = fo; i < fo + len; i++) {
		rel = i - m->off;
		p = (size_t)(rel / PG);
		cow_page(r, m, p);
		m->unc[rel] = 0;
		if (m->div[p])
			m->ghost[rel] = buf[i - fo];
	}
}

/* The file's size changes to nsize; call before the host truncates. */
static void
model_resize(struct run *r, uint64_t nsize)
{
	struct mapping *m;
	uint64_t fo;
	size_t k, p;

	if (nsize == r->size)
		return;
	if (nsize > r->size && nsize / PG == r->size / PG) {
		/*
		 * Growing inside the last page: the bytes now inside the
		 * file read zero on both; whether the rest is zeroed too
		 * (Linux's pagecache_isize_extended, libvm's setsize) is
		 * not compared, so they stay uncertain.
		 */
		memset(r->tailunc, 0, nsize % PG);
	} else
		memset(r->tailunc, 0, sizeof(r->tailunc));
	for (k = 0; k < NSLOT; k++) {
		m = &r->m[k];
		if (!m->live || m->shared)
			continue;
		for (p = 0; p < m->npg; p++) {
			fo = m->off + p * PG;
			if (!m->cow[p] || m->div[p] || fo < nsize)
				continue;
			/* Linux throws this copy away, FreeBSD keeps it. */
			m->div[p] = 1;
			r->ndiverged++;
			ATF_REQUIRE(host_copy(m->ghost + p * PG, m->h + p * PG,
			    PG) == 0);
		}
	}
}

/* ---- comparisons --------------------------------------------------------- */

static int
check_file(struct run *r)
{
	size_t done = 0, i;
	ssize_t n;
	int error;

	r->size = host_size(r);
	error = vm_pread(r->vfd, r->vb, BUFSZ, 0, &done);
	if (error != 0)
		FAIL("vm_pread(whole file): error %d", error);
	if (done != r->size)
		FAIL("size: host %ju, libvm %zu (vm_pread count)",
		    (uintmax_t)r->size, done);
	n = pread(r->hfd, r->hb, BUFSZ, 0);
	ATF_REQUIRE(n == (ssize_t)r->size);
	if (memcmp(r->hb, r->vb, done) != 0) {
		for (i = 0; r->hb[i] == r->vb[i]; i++)
			;
		FAIL("pread: file byte %zu (size %ju): host %#x, libvm %#x",
		    i, (uintmax_t)r->size, r->hb[i], r->vb[i]);
	}
	return (0);
}

/*
 * Compare what mapping k reads at file offsets [lo, hi) (clipped to the
 * mapping): a page inside the end of file up to the end of file (the whole
 * page once privately copied, less its uncertain bytes); a diverged page
 * libvm against its ghost; pages wholly past the end not at all.
 */
static int
check_map_range(struct run *r, size_t k, uint64_t lo, uint64_t hi)
{
	struct mapping *m = &r->m[k];
	uint64_t fo, a, b, lim, i, rel;
	size_t p;
	int error;

	if (lo < m->off)
		lo = m->off;
	if (hi > m->off + m->npg * PG)
		hi = m->off + m->npg * PG;
	for (p = (size_t)((lo - m->off) / PG); p < m->npg; p++) {
		fo = m->off + p * PG;
		if (fo >= hi)
			break;
		a = lo > fo ? lo : fo;
		b = hi < fo + PG ? hi : fo + PG;
		if (m->div[p]) {
			error = vm_copyin(r->vs, m->va + (a - m->off), r->vb,
			    (size_t)(b - a));
			if (error != 0)
				FAIL("slot %zu (private, file offset %ju): "
				    "vm_copyin of diverged page at file offset "
				    "%ju: error %d (FreeBSD keeps the copy)",
				    k, (uintmax_t)m->off, (uintmax_t)a, error);
			for (i = a; i < b; i++) {
				rel = i - m->off;
				if (m->unc[rel]) {
					r->unc_skipped++;
					continue;
				}
				if (r->vb[i - a] != m->ghost[rel])
					FAIL("slot %zu (private, file offset "
					    "%ju): diverged page, file offset "
					    "%ju: libvm %#x, want %#x (the "
					    "private copy as it was)", k,
					    (uintmax_t)m->off, (uintmax_t)i,
					    r->vb[i - a], m->ghost[rel]);
			}
			continue;
		}
		if (fo >= r->size) {
			if (m->cow[p])
				FAIL("model: slot %zu page %zu copied but past "
				    "the end and not diverged", k, p);
			continue;
		}
		lim = m->cow[p] ? fo + PG : r->size;
		if (b > lim)
			b = lim;
		if (a >= b)
			continue;
		if (host_copy(r->hb, m->h + (a - m->off), (size_t)(b - a)) != 0)
			FAIL("host: SIGBUS reading slot %zu (%s, file offset "
			    "%ju) at file offset %ju, size %ju: the test's "
			    "model is wrong", k, m->shared ? "shared" :
			    "private", (uintmax_t)m->off, (uintmax_t)a,
			    (uintmax_t)r->size);
		error = vm_copyin(r->vs, m->va + (a - m->off), r->vb,
		    (size_t)(b - a));
		if (error != 0)
			FAIL("slot %zu (%s, file offset %ju, %zu pages): "
			    "vm_copyin of file offsets [%ju, %ju), size %ju: "
			    "error %d; the host reads them", k, m->shared ?
			    "shared" : "private", (uintmax_t)m->off, m->npg,
			    (uintmax_t)a, (uintmax_t)b, (uintmax_t)r->size,
			    error);
		for (i = a; i < b; i++) {
			rel = i - m->off;
			if (r->hb[i - a] == r->vb[i - a])
				continue;
			if (m->cow[p] && m->unc[rel]) {
				if (r->unc_differed++ == 0)
					snprintf(r->unc_first,
					    sizeof(r->unc_first), "slot %zu "
					    "(private, file offset %ju) file "
					    "offset %ju (size %ju): host %#x, "
					    "libvm %#x, at \"%s\"", k,
					    (uintmax_t)m->off, (uintmax_t)i,
					    (uintmax_t)r->size, r->hb[i - a],
					    r->vb[i - a], r->desc);
				continue;
			}
			FAIL("slot %zu (%s, file offset %ju, %zu pages%s): "
			    "file offset %ju (size %ju): host %#x, libvm %#x",
			    k, m->shared ? "shared" : "private",
			    (uintmax_t)m->off, m->npg, m->cow[p] ?
			    ", page copied" : "", (uintmax_t)i,
			    (uintmax_t)r->size, r->hb[i - a], r->vb[i - a]);
		}
	}
	return (0);
}

static int
check_all(struct run *r)
{
	size_t k;

	if (check_file(r) != 0)
		return (-1);
	for (k = 0; k < NSLOT; k++)
		if (r->m[k].live && check_map_range(r, k, 0, UINT64_MAX) != 0)
			return (-1);
	return (0);
}

/* The host file libvm writes back equals the reference file. */
static int
check_disk(struct run *r, const char *when)
{
	struct stat st;
	uint64_t hsz;
	ssize_t n;
	size_t i;
	int fd;

	hsz = host_size(r);
	fd = open(VM_PATH, O_RDONLY);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE(fstat(fd, &st) == 0);
	if ((uint64_t)st.st_size != hsz) {
		(void)close(fd);
		FAIL("%s: libvm's host file is %jd bytes, the reference %ju",
		    when, (intmax_t)st.st_size, (uintmax_t)hsz);
	}
	n = pread(fd, r->vb, BUFSZ, 0);
	(void)close(fd);
	ATF_REQUIRE(n == (ssize_t)hsz);
	ATF_REQUIRE(pread(r->hfd, r->hb, BUFSZ, 0) == (ssize_t)hsz);
	if (memcmp(r->hb, r->vb, (size_t)hsz) != 0) {
		for (i = 0; r->hb[i] == r->vb[i]; i++)
			;
		FAIL("%s: libvm's host file byte %zu (size %ju): reference "
		    "%#x, libvm's %#x", when, i, (uintmax_t)hsz, r->hb[i],
		    r->vb[i]);
	}
	return (0);
}

/* ---- executing one operation --------------------------------------------- */

static int
unmap_slot(struct run *r, size_t k)
{
	struct mapping *m = &r->m[k];
	int error;

	if (!m->live)
		return (0);
	ATF_REQUIRE(munmap(m->h, m->npg * PG) == 0);
	error = vm_munmap(r->vs, m->va, m->npg * PG);
	m->live = 0;
	if (error != 0)
		FAIL("vm_munmap(%#jx, %zu pages): error %d", (uintmax_t)m->va,
		    m->npg, error);
	return (0);
}

static uint64_t
pick_size(struct run *r, const struct op *o)
{
	uint64_t n;

	switch (o->r[0] % 5) {
	case 0:
		n = o->r[1] % (MAXSZ + 1);
		break;
	case 1:		/* a page multiple, or one byte either side */
		n = (uint64_t)(o->r[1] % (MAXPG + 1)) * PG + o->r[2] % 3;
		n = n > 0 ? n - 1 : 0;
		if (n > MAXSZ)
			n = MAXSZ;
		break;
	case 2:		/* near the current size, within a page */
		n = r->size + (o->r[1] % (2 * PG)) - PG;
		if (n > MAXSZ)	/* also wrapped below 0 */
			n = r->size > PG ? r->size - PG / 2 : MAXSZ / 2;
		break;
	case 3:		/* into the middle of a mapped page */
	{
		struct mapping *m = &r->m[o->slot % NSLOT];

		if (!m->live)
			n = o->r[1] % (MAXSZ + 1);
		else
			n = m->off + o->r[1] % (m->npg * PG);
		if (n > MAXSZ)
			n = MAXSZ;
		break;
	}
	default:
		n = o->r[1] % 64;
		break;
	}
	return (n);
}

/*
 * The slot an operation on a mapping works on: its own if live, else the
 * next live one; for a tail store the first from there that maps the last
 * page of the file.  NSLOT if none.
 */
static size_t
pick_slot(struct run *r, const struct op *o)
{
	size_t i, k;
	uint64_t tp;

	for (i = 0; i < NSLOT; i++) {
		k = (o->slot + i) % NSLOT;
		if (!r->m[k].live)
			continue;
		if (o->type != OP_TAIL)
			return (k);
		tp = r->size / PG * PG;
		if (r->size % PG != 0 && r->m[k].off <= tp &&
		    tp < r->m[k].off + r->m[k].npg * PG)
			return (k);
	}
	return (NSLOT);
}

static int
exec_op(struct run *r, const struct op *o)
{
	size_t k = o->slot % NSLOT, done, len, p;
	struct mapping *m;
	uint64_t off, nsize, lo, hi, end;
	int error, flags, hflags, signo, code;
	ssize_t n;

	r->desc[0] = '\0';
	if (o->type != OP_MMAP && o->type != OP_PWRITE &&
	    o->type != OP_TRUNC && o->type != OP_PREAD &&
	    o->type != OP_FSYNC && o->type != OP_REOPEN) {
		k = pick_slot(r, o);
		if (k == NSLOT)
			return (0);
	}
	m = &r->m[k];
	switch (o->type) {
	case OP_PWRITE:
		switch (o->r[0] % 4) {
		case 0:
			off = o->r[1] % MAXSZ;
			break;
		case 1:
			off = r->size + (o->r[1] % (2 * PG));
			off = off >= PG ? off - PG : 0;
			break;
		case 2:
			off = r->size;
			break;
		default:
			off = (uint64_t)(o->r[1] % MAXPG) * PG;
			break;
		}
		switch (o->r[2] % 3) {
		case 0:
			len = 1 + o->r[3] % 64;
			break;
		case 1:
			len = 1 + o->r[3] % PG;
			break;
		default:
			len = 1 + o->r[3] % (3 * PG);
			break;
		}
		if (off >= MAXSZ)
			off = MAXSZ - 1;
		if (off + len > MAXSZ)
			len = (size_t)(MAXSZ - off);
		describe(r, "pwrite [%ju, %ju) (size %ju)", (uintmax_t)off,
		    (uintmax_t)(off + len), (uintmax_t)r->size);
		fill_random(r->data, len, o->dseed);
		if (off + len > r->size)
			model_resize(r, off + len);
		n = pwrite(r->hfd, r->data, len, (off_t)off);
		ATF_REQUIRE(n == (ssize_t)len);
		done = 0;
		error = vm_pwrite(r->vfd, r->data, len, (off_t)off, &done);
		if (error != 0 || done != len)
			FAIL("vm_pwrite(%zu at %ju): error %d, done %zu", len,
			    (uintmax_t)off, error, done);
		break;

	case OP_TRUNC:
		nsize = pick_size(r, o);
		describe(r, "truncate %ju -> %ju", (uintmax_t)r->size,
		    (uintmax_t)nsize);
		model_resize(r, nsize);
		ATF_REQUIRE(ftruncate(r->hfd, (off_t)nsize) == 0);
		error = vm_ftruncate(r->vfd, (off_t)nsize);
		if (error != 0)
			FAIL("vm_ftruncate(%ju): error %d", (uintmax_t)nsize,
			    error);
		break;

	case OP_MMAP:
		if (unmap_slot(r, k) != 0)
			return (-1);
		memset(m, 0, sizeof(*m));
		if (r->c->kinds == K_SHARED)
			m->shared = 1;
		else if (r->c->kinds == K_PRIVATE)
			m->shared = 0;
		else
			m->shared = o->r[0] & 1;
		if (o->r[3] % 2 == 0)	/* anywhere */
			m->off = (uint64_t)(o->r[1] % MAXOFFPG) * PG;
		else {			/* around the end of file */
			m->off = r->size / PG + o->r[1] % 5;
			m->off = (m->off >= 3 ? m->off - 3 : 0) * PG;
		}
		m->npg = 1 + o->r[2] % MAPPG;
		describe(r, "mmap slot %zu %s file [%ju, %ju) (size %ju)", k,
		    m->shared ? "MAP_SHARED" : "MAP_PRIVATE",
		    (uintmax_t)m->off, (uintmax_t)(m->off + m->npg * PG),
		    (uintmax_t)r->size);
		m->h = mmap(NULL, m->npg * PG, PROT_READ | PROT_WRITE,
		    m->shared ? MAP_SHARED : MAP_PRIVATE, r->hfd,
		    (off_t)m->off);
		ATF_REQUIRE_MSG(m->h != MAP_FAILED, "host mmap: %s",
		    strerror(errno));
		m->va = 0;
		error = vm_mmap(r->vs, &m->va, m->npg * PG, RW,
		    m->shared ? VM_MAP_SHARED : VM_MAP_PRIVATE, r->vfd,
		    (off_t)m->off);
		if (error != 0) {
			ATF_REQUIRE(munmap(m->h, m->npg * PG) == 0);
			FAIL("vm_mmap(%zu pages, %s, offset %ju): error %d",
			    m->npg, m->shared ? "shared" : "private",
			    (uintmax_t)m->off, error);
		}
		m->live = 1;
		break;

	case OP_MUNMAP:
		if (!m->live)
			return (0);
		describe(r, "munmap slot %zu", k);
		return (unmap_slot(r, k));

	case OP_STORE:
	case OP_TAIL:
		if (!m->live)
			return (0);
		end = m->off + m->npg * PG;
		if (o->type == OP_STORE) {
			lo = m->off;
			hi = end < r->size ? end : r->size;
		} else {
			/* Past the end of file, in its last page. */
			if (r->size % PG == 0)
				return (0);
			lo = r->size;
			hi = (r->size / PG + 1) * PG;
			if (lo < m->off || hi > end)
				return (0);
		}
		if (lo >= hi)
			return (0);
		off = lo + o->r[0] % (hi - lo);
		len = 1 + (size_t)(o->r[1] % (o->r[2] % 2 ? 64 : 2 * PG));
		if (off + len > hi)
			len = (size_t)(hi - off);
		describe(r, "%s slot %zu (%s, file [%ju, %ju)) at file "
		    "[%ju, %ju) (size %ju)", opname[o->type], k, m->shared ?
		    "shared" : "private", (uintmax_t)m->off, (uintmax_t)end,
		    (uintmax_t)off, (uintmax_t)(off + len),
		    (uintmax_t)r->size);
		fill_random(r->data, len, o->dseed);
		model_store(r, m, off, len, r->data);
		if (host_copy(m->h + (off - m->off), r->data, len) != 0)
			FAIL("host: SIGBUS storing through slot %zu: the "
			    "test's model is wrong", k);
		error = vm_copyout(r->vs, r->data, m->va + (off - m->off), len);
		if (error != 0)
			FAIL("vm_copyout to slot %zu (%s, file offset %ju), "
			    "file [%ju, %ju), size %ju: error %d; the host "
			    "stored it", k, m->shared ? "shared" : "private",
			    (uintmax_t)m->off, (uintmax_t)off,
			    (uintmax_t)(off + len), (uintmax_t)r->size, error);
		break;

	case OP_MREAD:
		if (!m->live)
			return (0);
		lo = m->off + o->r[0] % (m->npg * PG);
		hi = lo + 1 + o->r[1] % (2 * PG);
		describe(r, "mread slot %zu file [%ju, %ju) (size %ju)", k,
		    (uintmax_t)lo, (uintmax_t)hi, (uintmax_t)r->size);
		return (check_map_range(r, k, lo, hi));

	case OP_MSYNC:
		if (!m->live)
			return (0);
		switch (o->r[0] % 4) {
		case 0:
			flags = VM_MS_SYNC;
			hflags = MS_SYNC;
			break;
		case 1:
			flags = VM_MS_ASYNC;
			hflags = MS_ASYNC;
			break;
		case 2:
			flags = VM_MS_SYNC | VM_MS_INVALIDATE;
			hflags = MS_SYNC | MS_INVALIDATE;
			break;
		default:
			flags = VM_MS_INVALIDATE;
			hflags = MS_INVALIDATE;
			break;
		}
		if (o->r[1] % 2 == 0) {
			p = 0;
			len = m->npg;
		} else {
			p = o->r[2] % m->npg;
			len = 1 + o->r[3] % (m->npg - p);
		}
		describe(r, "msync slot %zu (%s) pages [%zu, %zu) of %zu "
		    "flags %#x", k, m->shared ? "shared" : "private", p,
		    p + len, m->npg, flags);
		ATF_REQUIRE_MSG(msync(m->h + p * PG, len * PG, hflags) == 0,
		    "host msync: %s", strerror(errno));
		error = vm_msync(r->vs, m->va + p * PG, len * PG, flags);
		if (error != 0)
			FAIL("vm_msync: error %d", error);
		break;

	case OP_PREAD:
		off = o->r[0] % (MAXSZ + PG);
		len = 1 + o->r[1] % (2 * PG);
		describe(r, "pread [%ju, %ju) (size %ju)", (uintmax_t)off,
		    (uintmax_t)(off + len), (uintmax_t)r->size);
		n = pread(r->hfd, r->hb, len, (off_t)off);
		ATF_REQUIRE(n >= 0);
		done = 12345;
		error = vm_pread(r->vfd, r->vb, len, (off_t)off, &done);
		if (error != 0 || done != (size_t)n)
			FAIL("vm_pread(%zu at %ju): error %d, done %zu; host "
			    "pread %zd", len, (uintmax_t)off, error, done, n);
		if (memcmp(r->hb, r->vb, done) != 0)
			FAIL("vm_pread(%zu at %ju) differs from pread", len,
			    (uintmax_t)off);
		break;

	case OP_PROBE:
		if (!m->live)
			return (0);
		/* The pages wholly past the end: from page p on. */
		p = r->size <= m->off ? 0 :
		    (size_t)((r->size - m->off + PG - 1) / PG);
		if (p >= m->npg)
			return (0);
		p += o->r[0] % (m->npg - p);
		off = m->off + p * PG + o->r[1] % PG;
		describe(r, "probe slot %zu (%s) file offset %ju (size %ju)%s",
		    k, m->shared ? "shared" : "private", (uintmax_t)off,
		    (uintmax_t)r->size, m->div[p] ? " diverged" : "");
		if (m->div[p]) {
			signo = code = 0;
			error = vm_fault_trap(r->vs, m->va + (off - m->off),
			    VM_PROT_READ, &signo, &code);
			if (error != 0)
				FAIL("probe of a diverged private page past "
				    "the end: error %d signal %d code %d, "
				    "FreeBSD reads its copy", error, signo,
				    code);
			return (check_map_range(r, k, m->off + p * PG,
			    m->off + (p + 1) * PG));
		}
		/* The reference: the host raises SIGBUS. */
		if (host_copy(r->hb, m->h + (off - m->off), 1) == 0)
			FAIL("host: no SIGBUS reading past the end of file: "
			    "the test's model is wrong");
		signo = code = -1;
		error = vm_fault_trap(r->vs, m->va + (off - m->off),
		    VM_PROT_READ, &signo, &code);
		if (error != EFAULT || signo != SIGBUS || code != BUS_OBJERR)
			FAIL("libvm read past the end (file offset %ju, size "
			    "%ju, slot %zu %s): error %d signal %d code %d, "
			    "want EFAULT SIGBUS BUS_OBJERR", (uintmax_t)off,
			    (uintmax_t)r->size, k, m->shared ? "shared" :
			    "private", error, signo, code);
		signo = code = -1;
		error = vm_fault_trap(r->vs, m->va + (off - m->off),
		    VM_PROT_WRITE, &signo, &code);
		if (error != EFAULT || signo != SIGBUS || code != BUS_OBJERR)
			FAIL("libvm write past the end (file offset %ju, size "
			    "%ju, slot %zu %s): error %d signal %d code %d, "
			    "want EFAULT SIGBUS BUS_OBJERR", (uintmax_t)off,
			    (uintmax_t)r->size, k, m->shared ? "shared" :
			    "private", error, signo, code);
		r->nprobe_bus++;
		break;

	case OP_FSYNC:
		/*
		 * Only libvm's side: the reference file is read through the
		 * host's page cache, and a host fsync costs only time.
		 */
		describe(r, "fsync (size %ju)", (uintmax_t)r->size);
		error = vm_fsync(r->vfd);
		if (error != 0)
			FAIL("vm_fsync: error %d", error);
		return (check_disk(r, "after vm_fsync"));

	case OP_REOPEN:
		if (o->r[0] % 2 == 0)	/* cold: unmap everything first */
			for (k = 0; k < NSLOT; k++)
				if (unmap_slot(r, k) != 0)
					return (-1);
		for (p = 0, k = 0; k < NSLOT; k++)
			p += r->m[k].live;
		describe(r, "reopen (size %ju, %zu live mappings)",
		    (uintmax_t)r->size, p);
		error = vm_close(r->vfd);
		if (error != 0)
			FAIL("vm_close: error %d", error);
		r->vfd = -1;
		if (p == 0) {	/* the vnode went: all was written back */
			r->ncold++;
			if (check_disk(r, "after the last close") != 0)
				return (-1);
		}
		error = vm_open(VM_PATH, O_RDWR, 0644, &r->vfd);
		if (error != 0)
			FAIL("vm_open again: error %d", error);
		break;
	}
	return (0);
}

/* ---- a run --------------------------------------------------------------- */

#define	INITIAL_SIZE	(3 * PG + 1000)

/*
 * Apply ops[0..nops) to fresh files and a fresh libvm; 0 if nothing
 * differed, else -1 with r->msg and *failp the index of the failing
 * operation (nops for the final checks).
 */
static int
run_ops(const struct dcase *c, const struct op *ops, size_t nops,
    int verbose, size_t *failp)
{
	struct run *r = &R;
	size_t i, k;
	int fd, error, rv = 0;

	memset(r, 0, sizeof(*r));
	r->c = c;
	r->verbose = verbose;
	*failp = nops;

	/* The same initial contents in both files. */
	fill_random(r->data, INITIAL_SIZE, c->seed ^ 0x5eed);
	(void)unlink(HOST_PATH);
	(void)unlink(VM_PATH);
	fd = open(VM_PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE(pwrite(fd, r->data, INITIAL_SIZE, 0) ==
	    (ssize_t)INITIAL_SIZE);
	ATF_REQUIRE(close(fd) == 0);
	r->hfd = open(HOST_PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ATF_REQUIRE(r->hfd != -1);
	ATF_REQUIRE(pwrite(r->hfd, r->data, INITIAL_SIZE, 0) ==
	    (ssize_t)INITIAL_SIZE);
	r->size = INITIAL_SIZE;

	boot();
	r->vs = vs_new();
	ATF_REQUIRE_EQ(0, vm_open(VM_PATH, O_RDWR, 0644, &r->vfd));
	bus_install();

	for (i = 0; i < nops; i++) {
		r->size = host_size(r);
		if (exec_op(r, &ops[i]) != 0 ||
		    (i % c->check_every == 0 && check_all(r) != 0)) {
			*failp = i;
			rv = -1;
			break;
		}
		if (r->desc[0] != '\0')
			r->nexec[ops[i].type]++;
		if (verbose && r->desc[0] != '\0')
			printf("  op %zu: %s\n", i, r->desc);
	}
	if (rv == 0 && check_all(r) != 0)
		rv = -1;

	/* The end: vm_fsync, then the host files compare byte for byte. */
	if (rv == 0) {
		error = vm_fsync(r->vfd);
		if (error != 0) {
			snprintf(r->msg, sizeof(r->msg), "final vm_fsync: "
			    "error %d", error);
			rv = -1;
		} else if (check_disk(r, "final vm_fsync") != 0)
			rv = -1;
	}

	/* Tear down; the last reference writes back once more. */
	for (k = 0; k < NSLOT; k++)
		if (r->m[k].live) {
			ATF_REQUIRE(munmap(r->m[k].h, r->m[k].npg * PG) == 0);
			r->m[k].live = 0;
		}
	bus_restore();
	vmspace_release(r->vs);
	error = r->vfd >= 0 ? vm_close(r->vfd) : EBADF;
	if (rv == 0 && error != 0) {
		snprintf(r->msg, sizeof(r->msg), "vm_close: error %d", error);
		rv = -1;
	}
	if (rv == 0 && check_disk(r, "after the last close") != 0)
		rv = -1;
	vm_shutdown();
	ATF_REQUIRE(close(r->hfd) == 0);
	(void)unlink(HOST_PATH);
	(void)unlink(VM_PATH);
	return (rv);
}

/*
 * Shrink a failing sequence: drop chunks of operations, halving the
 * chunk, as long as the run still fails (any failure).
 */
static size_t
shrink(const struct dcase *c, struct op *ops, size_t n)
{
	struct op *t;
	size_t chunk, i, j, m, fail;
	int removed;

	t = calloc(n, sizeof(*t));
	ATF_REQUIRE(t != NULL);
	chunk = n / 2 > 0 ? n / 2 : 1;
	while (chunk >= 1 && n > 1) {
		removed = 0;
		for (i = 0; i < n; ) {
			m = 0;
			for (j = 0; j < n; j++)
				if (j < i || j >= i + chunk)
					t[m++] = ops[j];
			if (run_ops(c, t, m, 0, &fail) != 0) {
				n = fail < m ? fail + 1 : m;
				memcpy(ops, t, n * sizeof(*ops));
				removed = 1;
			} else
				i += chunk;
		}
		if (!removed)
			chunk /= 2;
		else if (chunk > n / 2)
			chunk = n / 2 > 0 ? n / 2 : 1;
		printf("  shrinking: %zu ops, chunk %zu\n", n, chunk);
	}
	free(t);
	return (n);
}

static int
env_on(const char *name)
{
	const char *v = getenv(name);

	return (v != NULL && *v != '\0' && strcmp(v, "0") != 0);
}

static void
run_case(const struct dcase *c)
{
	struct op *ops;
	size_t fail, fail0, n;
	char first[2048];

	ops = gen_ops(c);
	if (run_ops(c, ops, c->nops, env_on("FILE_DIFF_VERBOSE"),
	    &fail) == 0) {
		printf("%s: %zu ops, seed %ju: same; %ju private copies "
		    "diverged (FreeBSD keeps them), %ju SIGBUS probes, %ju "
		    "uncertain bytes differed, %ju skipped, %ju cold "
		    "reopens\n", c->name, c->nops, (uintmax_t)c->seed,
		    (uintmax_t)R.ndiverged, (uintmax_t)R.nprobe_bus,
		    (uintmax_t)R.unc_differed, (uintmax_t)R.unc_skipped,
		    (uintmax_t)R.ncold);
		if (R.unc_differed != 0)
			printf("  first uncertain byte that differed: %s\n",
			    R.unc_first);
		printf("  done:");
		for (n = 0; n < NOPTYPES; n++)
			printf(" %s %ju", opname[n], (uintmax_t)R.nexec[n]);
		printf("\n");
		free(ops);
		return;
	}
	snprintf(first, sizeof(first), "%s", R.msg);
	fail0 = fail;
	printf("%s: seed %ju: op %zu (%s): %s\n", c->name, (uintmax_t)c->seed,
	    fail, fail < c->nops ? R.desc : "final", first);
	if (env_on("FILE_DIFF_SHRINK")) {
		n = shrink(c, ops, fail < c->nops ? fail + 1 : c->nops);
		printf("%s: shrunk to %zu ops:\n", c->name, n);
		(void)run_ops(c, ops, n, 1, &fail);
		printf("  -> op %zu (%s): %s\n", fail, fail < n ? R.desc :
		    "final", R.msg);
	}
	free(ops);
	atf_tc_fail("seed %ju, op %zu of %zu: %s", (uintmax_t)c->seed, fail0,
	    c->nops, first);
}

/* ---- cases --------------------------------------------------------------- */

#define	NOPS	5000

#define	DIFF_CASE(tname, kinds_, seed_, every, w)			\
ATF_TC_WITHOUT_HEAD(tname);						\
ATF_TC_BODY(tname, tc)							\
{									\
	static const struct dcase c = { #tname, kinds_, seed_, NOPS,	\
	    every, w };							\
									\
	run_case(&c);							\
}

/* Only MAP_SHARED mappings: one page cache, write-back, truncation. */
DIFF_CASE(diff__shared_seed1, K_SHARED, 1, 1, W_DEFAULT)
DIFF_CASE(diff__shared_seed2, K_SHARED, 2, 5, W_DEFAULT)
/* Only MAP_PRIVATE mappings, the file changed under them by pwrite. */
DIFF_CASE(diff__private_seed1, K_PRIVATE, 11, 1, W_DEFAULT)
DIFF_CASE(diff__private_seed2, K_PRIVATE, 12, 5, W_DEFAULT)
/* Both kinds at once. */
DIFF_CASE(diff__mixed_seed1, K_SHARED | K_PRIVATE, 21, 1, W_DEFAULT)
DIFF_CASE(diff__mixed_seed2, K_SHARED | K_PRIVATE, 22, 5, W_DEFAULT)
/* Both kinds, a truncation in every few operations and many probes. */
DIFF_CASE(diff__truncate_heavy_seed1, K_SHARED | K_PRIVATE, 31, 1, W_TRUNC)
DIFF_CASE(diff__truncate_heavy_seed2, K_SHARED | K_PRIVATE, 32, 5, W_TRUNC)

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, diff__shared_seed1);
	ATF_TP_ADD_TC(tp, diff__shared_seed2);
	ATF_TP_ADD_TC(tp, diff__private_seed1);
	ATF_TP_ADD_TC(tp, diff__private_seed2);
	ATF_TP_ADD_TC(tp, diff__mixed_seed1);
	ATF_TP_ADD_TC(tp, diff__mixed_seed2);
	ATF_TP_ADD_TC(tp, diff__truncate_heavy_seed1);
	ATF_TP_ADD_TC(tp, diff__truncate_heavy_seed2);
	return (atf_no_error());
}
