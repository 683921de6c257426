/*
 * A randomized differential test of the anonymous-memory calls against a
 * model of contents and protections.
 *
 * Each case boots, turns ASLR off (vm.aslr.enable = 0, so that non-fixed
 * mappings are placed first-fit above the hint, as FreeBSD does without
 * ASLR), creates one address space and runs a seeded random sequence of
 * operations over a window of NPG pages at a fixed base:
 *   mmap (anonymous, private or shared, fixed, fixed with VM_MAP_EXCL, or
 *   non-fixed with a hint in the window), munmap, mprotect, madvise (every
 *   advice but PROTECT), minherit, vm_copyout (write), vm_copyin (read),
 *   vm_fault_trap, vm_mincore, vmspace_fork (switching to the child or
 *   staying, sometimes releasing the other), switching between the live
 *   address spaces and releasing one of them.
 * A permanent PROT_NONE page just above the window (the sentinel) keeps
 * first-fit placement inside the window or above it.
 *
 * The model.  Per address space and page: mapped, protection,
 * inheritance, and a reference to a cell holding the page's contents.  A
 * cell is one page of memory as the processes see it: MAP_SHARED pages and
 * pages inherited with VM_INHERIT_SHARE reference the same cell, so a
 * write through one is read through the others.  VM_INHERIT_COPY gives the
 * child a copy of the cell (copy-on-write is a snapshot), VM_INHERIT_ZERO
 * a zeroed cell, VM_INHERIT_NONE nothing.  Every call's return value is
 * predicted: the calls over a window range succeed (FreeBSD: munmap,
 * mprotect, madvise and minherit skip holes), except VM_MAP_EXCL over a
 * mapping (ENOMEM), vm_mincore over a hole (ENOMEM), and accesses:
 * vm_copyin needs every page of the range mapped readable, vm_copyout
 * writable, else EFAULT; vm_fault_trap fails with SIGSEGV and SEGV_MAPERR
 * (unmapped) or SEGV_ACCERR (protection).  Protections are NONE, R, RW,
 * RX and RWX (never write-only, whose reads are machine-dependent).
 *
 * Contents a cell may legitimately hold in more than one way:
 * - VM_MADV_FREE: the page holds its old contents or zeros (it may be
 *   reclaimed until it is written again); writes apply to both candidates;
 *   a read that tells them apart after a write (or that sees zeros) settles
 *   it.  VM_MADV_DONTNEED keeps the contents (API.md): no uncertainty.
 * - A vm_copyout that fails with EFAULT may have written a prefix of the
 *   range before the faulting page: each page before the first
 *   inaccessible one holds "new bytes up to some offset, old bytes after"
 *   (any offset, per page); the next read checks exactly that and settles
 *   the page.  The faulting page and those after it must be unchanged
 *   (nothing is ever written to a page without write permission).
 * - A page whose state cannot be described so (a failed or partial write
 *   over an unsettled page) is "unknown" and not compared until a
 *   full-page write makes it known again.
 *
 * FreeBSD's one surprising fork rule is avoided rather than modelled: a
 * fork with VM_INHERIT_COPY of memory that another live address space
 * shares makes the parent's mapping copy-on-write too (vm_map_copy_entry),
 * and the "copies" keep seeing the sharers' writes until they write.
 * Before each fork the test changes the inheritance of such pages to
 * SHARE or NONE (with vm_minherit, recorded in the sequence), so every
 * COPY fork is of memory only the parent maps, where the snapshot rule is
 * exact.
 *
 * After every op the return value is compared; every FULLCHECK ops, and at
 * the end, every readable page of the current address space is read and
 * compared, and its vm_procstat records are compared with the model's
 * protections and inheritance; at the end every live address space is
 * checked and released and the free page count must be back to its boot
 * value.  A mismatch reports the seed, the op index and the last ops.
 *
 * Exploring: $MMAP_RANDOM_SEED and $MMAP_RANDOM_OPS override a case's seed
 * and length; $MMAP_RANDOM_VERBOSE prints every op.
 */
#ifndef _GNU_SOURCE
#define	_GNU_SOURCE	/* pid_t in <atf-c.h>, SEGV_* in <signal.h> */
#endif

#include <sys/types.h>

#include <atf-c.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvm.h>
#include <uma.h>

#define	PGSZ		((vm_offset_t)VM_PAGE_SIZE)
#define	NPG		256
#define	WBASE		((vm_offset_t)0x200000000000ULL)
#define	SENT		(WBASE + NPG * PGSZ)	/* the sentinel page */
#define	MAXVS		4
#define	MAXCELLS	(NPG * MAXVS + 8)
#define	FULLCHECK	64
#define	TRACE		24
#define	RW		(VM_PROT_READ | VM_PROT_WRITE)

/* ---- random ---------------------------------------------------------------- */

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static unsigned
rndn(uint64_t *s, unsigned n)
{
	return ((unsigned)(rnd(s) % n));
}

/* ---- cells ----------------------------------------------------------------- */

enum { C_KNOWN, C_FREED, C_PREFIX, C_UNKNOWN };

struct cell {
	int		refs;		/* pages (of live spaces) naming it */
	int		state;
	bool		wsf;		/* C_FREED: written since the free */
	uint8_t		*data;		/* KNOWN; FREED: old-based; PREFIX: old */
	uint8_t		*alt;		/* FREED: zero-based; PREFIX: new */
};

struct mpage {
	bool		mapped;
	uint8_t		prot, inh;
	int		cell;
};

struct mvs {
	struct vmspace	*vs;
	int		id;		/* for messages */
	struct mpage	pg[NPG];
};

struct rt {
	uint64_t	seed, rs, ds;	/* case seed, op stream, data stream */
	long		opno, nops;
	struct cell	cells[MAXCELLS];
	int		freelist[MAXCELLS], nfree;
	struct mvs	*vs[MAXVS];
	int		nvs, cur, nextid;
	bool		aslr_off;
	bool		verbose;	/* $MMAP_RANDOM_VERBOSE: every op */
	char		op[200];		/* the current op */
	char		trace[TRACE][224];
	uint8_t		buf[4 * VM_PAGE_SIZE], got[4 * VM_PAGE_SIZE];
	/* Statistics, for the log. */
	long		nefault, nok, nforks, nunknown_skips, nrok, nrfault;
	long		nwbytes, ncompared, nfree_zero, nprefix_new;
};

static struct rt *R;

static void
rt_fail(const char *fmt, ...) __attribute__((__format__(__printf__, 1, 2),
    __noreturn__));

static void
rt_fail(const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	long i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "mmap_random: seed %" PRIu64 " op %ld: %s\n",
	    R->seed, R->opno, msg);
	fprintf(stderr, "the last ops (oldest first):\n");
	for (i = R->opno - TRACE + 1; i <= R->opno; i++)
		if (i >= 0)
			fprintf(stderr, "  %6ld %s\n", i, R->trace[i % TRACE]);
	atf_tc_fail("seed %" PRIu64 " op %ld (%s): %s", R->seed, R->opno,
	    R->op, msg);
}

static void
setop(const char *fmt, ...) __attribute__((__format__(__printf__, 1, 2)));

static void
setop(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(R->op, sizeof(R->op), fmt, ap);
	va_end(ap);
	snprintf(R->trace[R->opno % TRACE], sizeof(R->trace[0]), "vs%d %s",
	    R->vs[R->cur] != NULL ? R->vs[R->cur]->id : -1, R->op);
	if (R->verbose)
		fprintf(stderr, "%6ld %s\n", R->opno, R->trace[R->opno % TRACE]);
}

static int
cell_new(void)
{
	struct cell *c;
	int i;

	if (R->nfree == 0)
		rt_fail("model: out of cells");
	i = R->freelist[--R->nfree];
	c = &R->cells[i];
	c->refs = 1;
	c->state = C_KNOWN;
	c->wsf = false;
	if (c->data == NULL && (c->data = malloc(PGSZ)) == NULL)
		rt_fail("malloc");
	memset(c->data, 0, PGSZ);
	return (i);
}

static uint8_t *
cell_alt(struct cell *c)
{
	if (c->alt == NULL && (c->alt = malloc(PGSZ)) == NULL)
		rt_fail("malloc");
	return (c->alt);
}

static int
cell_copy(int from)
{
	struct cell *s = &R->cells[from], *d;
	int i;

	i = cell_new();
	d = &R->cells[i];
	d->state = s->state;
	d->wsf = s->wsf;
	memcpy(d->data, s->data, PGSZ);
	if (s->state == C_FREED || s->state == C_PREFIX)
		memcpy(cell_alt(d), s->alt, PGSZ);
	return (i);
}

static void
cell_unref(int i)
{
	struct cell *c = &R->cells[i];

	if (c->refs <= 0)
		rt_fail("model: cell %d has no reference", i);
	if (--c->refs == 0)
		R->freelist[R->nfree++] = i;
}

/* A successful write of n bytes at page offset o. */
static void
cell_write(int i, size_t o, const uint8_t *src, size_t n)
{
	struct cell *c = &R->cells[i];
	bool full = o == 0 && n == PGSZ;

	switch (c->state) {
	case C_KNOWN:
		memcpy(c->data + o, src, n);
		break;
	case C_FREED:
		memcpy(c->data + o, src, n);
		memcpy(c->alt + o, src, n);
		c->wsf = true;
		break;
	default:
		if (full) {
			memcpy(c->data, src, n);
			c->state = C_KNOWN;
		} else
			c->state = C_UNKNOWN;
		break;
	}
}

/* A failed write that may have stored a prefix of its bytes in the page. */
static void
cell_maybe_write(int i, size_t o, const uint8_t *src, size_t n)
{
	struct cell *c = &R->cells[i];

	if (c->state == C_KNOWN) {
		memcpy(cell_alt(c), c->data, PGSZ);
		memcpy(c->alt + o, src, n);
		c->state = C_PREFIX;
	} else
		c->state = C_UNKNOWN;
}

static void
cell_madv_free(int i)
{
	struct cell *c = &R->cells[i];

	switch (c->state) {
	case C_KNOWN:
		memset(cell_alt(c), 0, PGSZ);
		c->state = C_FREED;
		c->wsf = false;
		break;
	case C_FREED:
		if (c->wsf)
			c->state = C_UNKNOWN;
		break;
	case C_PREFIX:
		c->state = C_UNKNOWN;
		break;
	}
}

/* Compare a page read through address space vsid with its cell. */
static void
cell_check(int i, const uint8_t *got, unsigned pg, const char *when)
{
	struct cell *c = &R->cells[i];
	size_t k;
	bool eq_d, eq_a;

	switch (c->state) {
	case C_KNOWN:
		R->ncompared++;
		if (memcmp(got, c->data, PGSZ) != 0) {
			for (k = 0; k < PGSZ && got[k] == c->data[k]; k++)
				;
			rt_fail("%s: page %u (%#jx) byte %zu is %#x, model %#x",
			    when, pg, (uintmax_t)(WBASE + pg * PGSZ), k, got[k],
			    c->data[k]);
		}
		break;
	case C_FREED:
		eq_d = memcmp(got, c->data, PGSZ) == 0;
		eq_a = memcmp(got, c->alt, PGSZ) == 0;
		if (!eq_d && !eq_a) {
			for (k = 0; k < PGSZ && got[k] == c->data[k]; k++)
				;
			rt_fail("%s: page %u (MADV_FREE'd) is neither its old "
			    "contents nor zero-based: byte %zu is %#x, old %#x,"
			    " zero-based %#x", when, pg, k, got[k], c->data[k],
			    c->alt[k]);
		}
		if (eq_a && !eq_d) {
			/* Reclaimed (and then written, or not): settled. */
			R->nfree_zero++;
			memcpy(c->data, c->alt, PGSZ);
			c->state = C_KNOWN;
		} else if (c->wsf)
			c->state = C_KNOWN;	/* dirty again: settled */
		break;
	case C_PREFIX:
		for (k = 0; k < PGSZ && got[k] == c->alt[k]; k++)
			;
		if (memcmp(got + k, c->data + k, PGSZ - k) != 0) {
			size_t m;

			for (m = k; m < PGSZ && got[m] == c->data[m]; m++)
				;
			rt_fail("%s: page %u after a failed copyout is not "
			    "new-prefix + old: new up to byte %zu, then byte "
			    "%zu is %#x (old %#x, new %#x)", when, pg, k, m,
			    got[m], c->data[m], c->alt[m]);
		}
		if (k > 0 && memcmp(c->alt, c->data, k) != 0)
			R->nprefix_new++;	/* part of the failed write landed */
		memcpy(c->data, got, PGSZ);
		c->state = C_KNOWN;
		break;
	default:
		R->nunknown_skips++;
		break;
	}
}

/* ---- address spaces -------------------------------------------------------- */

static struct mvs *
cur(void)
{
	return (R->vs[R->cur]);
}

static void
mvs_add(struct vmspace *vs, bool empty)
{
	struct mvs *m;
	unsigned i;

	if (R->nvs >= MAXVS)
		rt_fail("model: too many address spaces");
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		rt_fail("calloc");
	m->vs = vs;
	m->id = R->nextid++;
	if (empty)
		for (i = 0; i < NPG; i++)
			m->pg[i].cell = -1;
	R->vs[R->nvs++] = m;
}

static void
unmap_page(struct mpage *p)
{
	if (p->mapped)
		cell_unref(p->cell);
	p->mapped = false;
	p->cell = -1;
}

static void
mvs_release(int idx)
{
	struct mvs *m = R->vs[idx];
	unsigned i;

	vmspace_release(m->vs);
	for (i = 0; i < NPG; i++)
		unmap_page(&m->pg[i]);
	free(m);
	R->vs[idx] = R->vs[--R->nvs];
	R->vs[R->nvs] = NULL;
	if (R->cur == R->nvs)
		R->cur = idx;
	if (R->cur >= R->nvs)
		R->cur = 0;
}

/* ---- checks ---------------------------------------------------------------- */

static const char *
protstr(int prot)
{
	static const char *s[8] = { "---", "r--", "-w-", "rw-", "--x", "r-x",
	    "-wx", "rwx" };

	return (s[prot & 7]);
}

static void
expect_rv(int got, int want, const char *what)
{
	if (got != want)
		rt_fail("%s returned %d, the model expects %d", what, got, want);
}

static void
check_procstat(struct mvs *m)
{
	struct vm_kinfo_vmentry *kv;
	size_t n = 0, i;
	bool seen[NPG];
	vm_offset_t a;
	unsigned pg;
	int error;

	error = vm_procstat(m->vs, NULL, &n);
	if (error != 0)
		rt_fail("vm_procstat(NULL): error %d", error);
	n += 4;
	kv = calloc(n, sizeof(*kv));
	if (kv == NULL)
		rt_fail("calloc");
	error = vm_procstat(m->vs, kv, &n);
	if (error != 0)
		rt_fail("vm_procstat: error %d", error);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++) {
		if (i > 0 && kv[i].kve_start < kv[i - 1].kve_end)
			rt_fail("vm_procstat: entries out of order at %zu", i);
		for (a = kv[i].kve_start; a < kv[i].kve_end; a += PGSZ) {
			if (a < WBASE || a >= SENT)
				continue;
			pg = (unsigned)((a - WBASE) / PGSZ);
			seen[pg] = true;
			if (!m->pg[pg].mapped)
				rt_fail("vs%d: procstat shows page %u mapped "
				    "(%#jx-%#jx), the model has a hole", m->id,
				    pg, (uintmax_t)kv[i].kve_start,
				    (uintmax_t)kv[i].kve_end);
			if ((kv[i].kve_protection & 7) != m->pg[pg].prot ||
			    kv[i].kve_inheritance != m->pg[pg].inh)
				rt_fail("vs%d: procstat page %u: prot %s inherit"
				    " %d, model %s %d", m->id, pg,
				    protstr(kv[i].kve_protection),
				    kv[i].kve_inheritance,
				    protstr(m->pg[pg].prot), m->pg[pg].inh);
		}
	}
	for (pg = 0; pg < NPG; pg++)
		if (m->pg[pg].mapped && !seen[pg])
			rt_fail("vs%d: page %u mapped in the model, not in "
			    "procstat", m->id, pg);
	free(kv);
}

static void
full_check(struct mvs *m, const char *when)
{
	uint8_t *page = R->got;
	unsigned pg;
	int error;

	for (pg = 0; pg < NPG; pg++) {
		if (!m->pg[pg].mapped || !(m->pg[pg].prot & VM_PROT_READ))
			continue;
		error = vm_copyin(m->vs, WBASE + pg * PGSZ, page, PGSZ);
		if (error != 0)
			rt_fail("%s: vs%d: copyin of readable page %u: error %d",
			    when, m->id, pg, error);
		cell_check(m->pg[pg].cell, page, pg, when);
	}
	check_procstat(m);
}

/* ---- the operations --------------------------------------------------------- */

/* Mostly read-write, so that most accesses reach memory. */
static const int prots[] = {
	VM_PROT_NONE, VM_PROT_READ, VM_PROT_READ, RW, RW, RW, RW, RW,
	VM_PROT_READ | VM_PROT_EXEC, RW | VM_PROT_EXEC,
};
#define	NPROTS	(int)(sizeof(prots) / sizeof(prots[0]))

/* A random page range [*a, *b) in the window, at most max pages. */
static void
range(unsigned max, unsigned *a, unsigned *b)
{
	unsigned len = 1 + rndn(&R->rs, max);

	*a = rndn(&R->rs, NPG);
	if (*a + len > NPG)
		len = NPG - *a;
	*b = *a + len;
}

static void
map_model(struct mvs *m, unsigned a, unsigned b, int prot, bool shared)
{
	unsigned i;

	for (i = a; i < b; i++) {
		unmap_page(&m->pg[i]);
		m->pg[i].mapped = true;
		m->pg[i].prot = (uint8_t)prot;
		m->pg[i].inh = shared ? VM_INHERIT_SHARE : VM_INHERIT_COPY;
		m->pg[i].cell = cell_new();
	}
}

static void
op_mmap_fixed(bool excl)
{
	struct mvs *m = cur();
	vm_offset_t va;
	unsigned a, b, i;
	bool shared = rndn(&R->rs, 3) == 0, busy = false;
	int prot = prots[rndn(&R->rs, NPROTS)], error;

	range(32, &a, &b);
	setop("mmap [%u, %u) %s %s FIXED%s", a, b, protstr(prot),
	    shared ? "SHARED" : "PRIVATE", excl ? "|EXCL" : "");
	for (i = a; i < b; i++)
		busy |= m->pg[i].mapped;
	va = WBASE + a * PGSZ;
	error = vm_mmap(m->vs, &va, (b - a) * PGSZ, prot, VM_MAP_ANON |
	    VM_MAP_FIXED | (excl ? VM_MAP_EXCL : 0) |
	    (shared ? VM_MAP_SHARED : VM_MAP_PRIVATE), -1, 0);
	if (excl && busy) {
		expect_rv(error, ENOMEM, "mmap FIXED|EXCL over a mapping");
		return;
	}
	expect_rv(error, 0, "mmap FIXED");
	if (va != WBASE + a * PGSZ)
		rt_fail("mmap FIXED returned %#jx", (uintmax_t)va);
	map_model(m, a, b, prot, shared);
}

static void
op_mmap_hint(void)
{
	struct mvs *m = cur();
	vm_offset_t va, hint;
	unsigned len, h, s, i, want = NPG;
	bool shared = rndn(&R->rs, 3) == 0;
	int prot = prots[rndn(&R->rs, NPROTS)], error;

	len = 1 + rndn(&R->rs, 16);
	h = rndn(&R->rs, NPG);
	setop("mmap %u pages %s %s hint page %u", len, protstr(prot),
	    shared ? "SHARED" : "PRIVATE", h);
	/* First fit at or above the hint, inside the window. */
	for (s = h; s + len <= NPG && want == NPG; s++) {
		for (i = s; i < s + len && !m->pg[i].mapped; i++)
			;
		if (i == s + len)
			want = s;
	}
	hint = va = WBASE + h * PGSZ;
	error = vm_mmap(m->vs, &va, len * PGSZ, prot, VM_MAP_ANON |
	    (shared ? VM_MAP_SHARED : VM_MAP_PRIVATE), -1, 0);
	expect_rv(error, 0, "mmap with a hint");
	if (va % PGSZ != 0)
		rt_fail("mmap returned unaligned %#jx", (uintmax_t)va);
	if (va >= WBASE && va < SENT + PGSZ) {
		/* Inside: over free pages only. */
		if (va + len * PGSZ > SENT)
			rt_fail("mmap placed %u pages at %#jx, over the "
			    "sentinel", len, (uintmax_t)va);
		s = (unsigned)((va - WBASE) / PGSZ);
		for (i = s; i < s + len; i++)
			if (m->pg[i].mapped)
				rt_fail("mmap placed %u pages at page %u, over "
				    "the mapped page %u", len, s, i);
		if (R->aslr_off && s != want)
			rt_fail("mmap with hint %#jx placed %u pages at page "
			    "%u, first fit above the hint is page %u",
			    (uintmax_t)hint, len, s, want);
		map_model(m, s, s + len, prot, shared);
		return;
	}
	if (va < WBASE && va + len * PGSZ > WBASE)
		rt_fail("mmap placed %u pages at %#jx, across the window", len,
		    (uintmax_t)va);
	if (R->aslr_off && want != NPG)
		rt_fail("mmap with hint %#jx placed %u pages at %#jx outside "
		    "the window, first fit above the hint is page %u",
		    (uintmax_t)hint, len, (uintmax_t)va, want);
	if (R->aslr_off && va != SENT + PGSZ)
		rt_fail("mmap with hint %#jx placed %u pages at %#jx, first "
		    "fit above the hint is %#jx", (uintmax_t)hint, len,
		    (uintmax_t)va, (uintmax_t)(SENT + PGSZ));
	/* Outside the model's window: touch it and unmap it again. */
	if (prot & VM_PROT_WRITE) {
		uint64_t v = 0x0dd;

		expect_rv(vm_copyout(m->vs, &v, va, sizeof(v)), 0,
		    "copyout to the new mapping outside the window");
	}
	expect_rv(vm_munmap(m->vs, va, len * PGSZ), 0,
	    "munmap of the mapping outside the window");
}

static void
op_munmap(void)
{
	struct mvs *m = cur();
	unsigned a, b, i;

	range(40, &a, &b);
	setop("munmap [%u, %u)", a, b);
	expect_rv(vm_munmap(m->vs, WBASE + a * PGSZ, (b - a) * PGSZ), 0,
	    "munmap");
	for (i = a; i < b; i++)
		unmap_page(&m->pg[i]);
}

static void
op_mprotect(void)
{
	struct mvs *m = cur();
	unsigned a, b, i;
	int prot = prots[rndn(&R->rs, NPROTS)];

	range(40, &a, &b);
	setop("mprotect [%u, %u) %s", a, b, protstr(prot));
	expect_rv(vm_mprotect(m->vs, WBASE + a * PGSZ, (b - a) * PGSZ, prot),
	    0, "mprotect");
	for (i = a; i < b; i++)
		if (m->pg[i].mapped)
			m->pg[i].prot = (uint8_t)prot;
}

static void
op_madvise(void)
{
	static const struct { int adv; const char *name; } advs[] = {
		{ VM_MADV_NORMAL, "NORMAL" }, { VM_MADV_RANDOM, "RANDOM" },
		{ VM_MADV_SEQUENTIAL, "SEQUENTIAL" },
		{ VM_MADV_WILLNEED, "WILLNEED" },
		{ VM_MADV_DONTNEED, "DONTNEED" }, { VM_MADV_DONTNEED, "DONTNEED" },
		{ VM_MADV_FREE, "FREE" }, { VM_MADV_FREE, "FREE" },
		{ VM_MADV_NOSYNC, "NOSYNC" }, { VM_MADV_AUTOSYNC, "AUTOSYNC" },
		{ VM_MADV_NOCORE, "NOCORE" }, { VM_MADV_CORE, "CORE" },
	};
	struct mvs *m = cur();
	unsigned a, b, i, k = rndn(&R->rs, 12);

	range(40, &a, &b);
	setop("madvise [%u, %u) %s", a, b, advs[k].name);
	expect_rv(vm_madvise(m->vs, WBASE + a * PGSZ, (b - a) * PGSZ,
	    advs[k].adv), 0, "madvise");
	if (advs[k].adv == VM_MADV_FREE)
		for (i = a; i < b; i++)
			if (m->pg[i].mapped)
				cell_madv_free(m->pg[i].cell);
}

static void
op_minherit(void)
{
	static const char *names[4] = { "SHARE", "COPY", "NONE", "ZERO" };
	struct mvs *m = cur();
	unsigned a, b, i;
	int inh = (int)rndn(&R->rs, 4);

	range(40, &a, &b);
	setop("minherit [%u, %u) %s", a, b, names[inh]);
	expect_rv(vm_minherit(m->vs, WBASE + a * PGSZ, (b - a) * PGSZ, inh),
	    0, "minherit");
	for (i = a; i < b; i++)
		if (m->pg[i].mapped)
			m->pg[i].inh = (uint8_t)inh;
}

/* A random access range: page a, offset, length up to 3 pages. */
static void
access_range(vm_offset_t *va, size_t *len, int prot)
{
	struct mvs *m = cur();
	unsigned a = rndn(&R->rs, NPG), n, tries;
	size_t off, l;

	/* Mostly start where the access is allowed. */
	if (rndn(&R->rs, 5) != 0)
		for (tries = 0; tries < 16 && (!m->pg[a].mapped ||
		    (m->pg[a].prot & prot) != prot); tries++)
			a = rndn(&R->rs, NPG);

	if (rndn(&R->rs, 5) < 2) {
		/* Whole pages. */
		n = 1 + rndn(&R->rs, 3);
		if (a + n > NPG)
			n = NPG - a;
		*va = WBASE + a * PGSZ;
		*len = n * PGSZ;
		return;
	}
	off = rndn(&R->rs, PGSZ);
	l = 1 + rndn(&R->rs, rndn(&R->rs, 4) == 0 ? 3 * PGSZ : 256);
	if (a * PGSZ + off + l > NPG * PGSZ)
		l = NPG * PGSZ - a * PGSZ - off;
	*va = WBASE + a * PGSZ + off;
	*len = l;
}

/* The first page of [va, va + len) lacking prot, or NPG if none. */
static unsigned
first_bad(struct mvs *m, vm_offset_t va, size_t len, int prot)
{
	unsigned pg, last = (unsigned)((va + len - 1 - WBASE) / PGSZ);

	for (pg = (unsigned)((va - WBASE) / PGSZ); pg <= last; pg++)
		if (!m->pg[pg].mapped || (m->pg[pg].prot & prot) != prot)
			return (pg);
	return (NPG);
}

static void
op_write(void)
{
	struct mvs *m = cur();
	vm_offset_t va, pva;
	size_t len, i, o, n, done;
	unsigned bad, pg;
	int error;

	access_range(&va, &len, VM_PROT_WRITE);
	for (i = 0; i < len; i++)
		R->buf[i] = (uint8_t)(rnd(&R->ds) >> 24);
	bad = first_bad(m, va, len, VM_PROT_WRITE);
	setop("copyout %#jx (page %u + %ju) len %zu%s", (uintmax_t)va,
	    (unsigned)((va - WBASE) / PGSZ), (uintmax_t)(va % PGSZ), len,
	    bad < NPG ? " (faults)" : "");
	error = vm_copyout(m->vs, R->buf, va, len);
	expect_rv(error, bad < NPG ? EFAULT : 0, "copyout");
	if (error == 0)
		R->nok++;
	else
		R->nefault++;
	R->nwbytes += error == 0 ? len : 0;
	/* Apply page by page: all of it, or the pages before the bad one. */
	for (done = 0; done < len; done += n) {
		pva = va + done;
		pg = (unsigned)((pva - WBASE) / PGSZ);
		o = pva % PGSZ;
		n = PGSZ - o < len - done ? PGSZ - o : len - done;
		if (bad == NPG)
			cell_write(m->pg[pg].cell, o, R->buf + done, n);
		else if (pg < bad)
			cell_maybe_write(m->pg[pg].cell, o, R->buf + done, n);
		else
			break;
	}
}

static void
op_read(void)
{
	struct mvs *m = cur();
	vm_offset_t va;
	size_t len, done, o, n;
	unsigned bad, pg, first, last;
	uint8_t page[VM_PAGE_SIZE];
	int error;

	access_range(&va, &len, VM_PROT_READ);
	bad = first_bad(m, va, len, VM_PROT_READ);
	setop("copyin %#jx (page %u + %ju) len %zu%s", (uintmax_t)va,
	    (unsigned)((va - WBASE) / PGSZ), (uintmax_t)(va % PGSZ), len,
	    bad < NPG ? " (faults)" : "");
	error = vm_copyin(m->vs, va, R->got, len);
	expect_rv(error, bad < NPG ? EFAULT : 0, "copyin");
	if (error != 0) {
		R->nrfault++;
		return;
	}
	R->nrok++;
	/*
	 * Compare page by page; a page read only in part is completed from
	 * a second read of the whole page (the same contents: nothing else
	 * runs), so that the unsettled states can be judged.
	 */
	first = (unsigned)((va - WBASE) / PGSZ);
	last = (unsigned)((va + len - 1 - WBASE) / PGSZ);
	for (pg = first; pg <= last; pg++) {
		error = vm_copyin(m->vs, WBASE + pg * PGSZ, page, PGSZ);
		expect_rv(error, 0, "copyin of the whole page");
		done = pg == first ? 0 : (WBASE + pg * PGSZ) - va;
		o = pg == first ? va % PGSZ : 0;
		n = PGSZ - o < len - done ? PGSZ - o : len - done;
		if (memcmp(page + o, R->got + done, n) != 0)
			rt_fail("copyin of page %u: the partial read and the "
			    "whole-page read differ", pg);
		cell_check(m->pg[pg].cell, page, pg, "copyin");
	}
}

static void
op_trap(void)
{
	static const int accs[3] = { VM_PROT_READ, VM_PROT_WRITE,
	    VM_PROT_EXEC };
	struct mvs *m = cur();
	unsigned pg = rndn(&R->rs, NPG);
	int acc = accs[rndn(&R->rs, 3)], error, signo = 0, ucode = 0;
	int wsig, wcode;

	setop("fault_trap page %u %s", pg, protstr(acc));
	error = vm_fault_trap(m->vs, WBASE + pg * PGSZ + rndn(&R->rs, PGSZ),
	    acc, &signo, &ucode);
	if (m->pg[pg].mapped && (m->pg[pg].prot & acc) == acc) {
		expect_rv(error, 0, "vm_fault_trap");
		return;
	}
	expect_rv(error, EFAULT, "vm_fault_trap");
	wsig = SIGSEGV;
	wcode = m->pg[pg].mapped ? SEGV_ACCERR : SEGV_MAPERR;
	if (signo != wsig || ucode != wcode)
		rt_fail("vm_fault_trap: signal %d code %d, the model expects "
		    "%d code %d", signo, ucode, wsig, wcode);
}

static void
op_mincore(void)
{
	struct mvs *m = cur();
	char vec[40];
	unsigned a, b, i;
	bool hole = false;

	range(40, &a, &b);
	setop("mincore [%u, %u)", a, b);
	for (i = a; i < b; i++)
		hole |= !m->pg[i].mapped;
	expect_rv(vm_mincore(m->vs, WBASE + a * PGSZ, (b - a) * PGSZ, vec),
	    hole ? ENOMEM : 0, "mincore");
}

/*
 * Before a fork: pages to be copied whose memory another live address
 * space shares get SHARE or NONE instead (see the top of the file).
 */
static void
fork_fixup(struct mvs *m)
{
	unsigned i, j;
	int inh;

	for (i = 0; i < NPG; i = j) {
		j = i + 1;
		if (!m->pg[i].mapped || m->pg[i].inh != VM_INHERIT_COPY ||
		    R->cells[m->pg[i].cell].refs == 1)
			continue;
		while (j < NPG && m->pg[j].mapped &&
		    m->pg[j].inh == VM_INHERIT_COPY &&
		    R->cells[m->pg[j].cell].refs > 1)
			j++;
		inh = rndn(&R->rs, 2) ? VM_INHERIT_SHARE : VM_INHERIT_NONE;
		expect_rv(vm_minherit(m->vs, WBASE + i * PGSZ, (j - i) * PGSZ,
		    inh), 0, "minherit before the fork");
		for (; i < j; i++)
			m->pg[i].inh = (uint8_t)inh;
	}
}

static void
op_fork(void)
{
	struct mvs *p = cur(), *c;
	struct vmspace *vs = NULL;
	unsigned i, what;
	int error, pidx = R->cur;

	what = rndn(&R->rs, 4);
	setop("fork%s", what == 0 ? ", switch to the child, release the "
	    "parent" : what == 1 ? ", switch to the child" : what == 2 ?
	    ", stay" : ", stay, release the child");
	fork_fixup(p);
	error = vmspace_fork(p->vs, &vs);
	expect_rv(error, 0, "vmspace_fork");
	R->nforks++;
	mvs_add(vs, true);
	c = R->vs[R->nvs - 1];
	for (i = 0; i < NPG; i++) {
		if (!p->pg[i].mapped || p->pg[i].inh == VM_INHERIT_NONE)
			continue;
		c->pg[i] = p->pg[i];
		switch (p->pg[i].inh) {
		case VM_INHERIT_SHARE:
			R->cells[p->pg[i].cell].refs++;
			break;
		case VM_INHERIT_COPY:
			c->pg[i].cell = cell_copy(p->pg[i].cell);
			break;
		case VM_INHERIT_ZERO:
			c->pg[i].cell = cell_new();
			break;
		}
	}
	switch (what) {
	case 0:
		R->cur = R->nvs - 1;
		mvs_release(pidx);
		break;
	case 1:
		R->cur = R->nvs - 1;
		break;
	case 3:
		mvs_release(R->nvs - 1);
		break;
	}
}

static void
op_switch(void)
{
	R->cur = (int)rndn(&R->rs, (unsigned)R->nvs);
	setop("switch to vs%d", cur()->id);
}

static void
op_release(void)
{
	int idx;

	idx = (int)rndn(&R->rs, (unsigned)R->nvs);
	if (idx == R->cur)
		idx = (idx + 1) % R->nvs;
	setop("release vs%d", R->vs[idx]->id);
	mvs_release(idx);
}

/* ---- a run ------------------------------------------------------------------- */

struct weights {
	int	write, read, mmap_fixed, mmap_excl, mmap_hint, munmap,
		mprotect, madvise, minherit, trap, mincore, fork, sw, release;
};

static const struct weights w_default = {
	.write = 22, .read = 22, .mmap_fixed = 8, .mmap_excl = 2,
	.mmap_hint = 4, .munmap = 6, .mprotect = 8, .madvise = 6,
	.minherit = 5, .trap = 8, .mincore = 3, .fork = 3, .sw = 2,
	.release = 1,
};

static const struct weights w_forks = {
	.write = 22, .read = 18, .mmap_fixed = 6, .mmap_excl = 1,
	.mmap_hint = 2, .munmap = 3, .mprotect = 5, .madvise = 5,
	.minherit = 10, .trap = 5, .mincore = 1, .fork = 8, .sw = 4,
	.release = 2,
};

static void
run(uint64_t seed, long nops, const struct weights *w)
{
	struct vm_config cfg;
	struct vmspace *vs;
	vm_offset_t va;
	uint64_t boot_free, f;
	size_t len;
	int zero = 0, one = 1, total, r, i;

	R = calloc(1, sizeof(*R));
	ATF_REQUIRE(R != NULL);
	if (getenv("MMAP_RANDOM_SEED") != NULL)		/* exploring */
		seed = strtoull(getenv("MMAP_RANDOM_SEED"), NULL, 0);
	if (getenv("MMAP_RANDOM_OPS") != NULL)
		nops = strtol(getenv("MMAP_RANDOM_OPS"), NULL, 0);
	R->seed = seed;
	R->rs = seed * 0x100000001b3ULL + 1;
	R->ds = seed ^ 0xda7a;
	R->nops = nops;
	R->verbose = getenv("MMAP_RANDOM_VERBOSE") != NULL;
	for (i = MAXCELLS - 1; i >= 0; i--)
		R->freelist[R->nfree++] = i;

	vm_config_init(&cfg);
	cfg.physmem = 64u << 20;
	cfg.ncpu = 2;
	cfg.seed = 1;
	ATF_REQUIRE_EQ(0, vm_boot(&cfg));
	R->aslr_off = vm_sysctlbyname("vm.aslr.enable", NULL, NULL, &zero,
	    sizeof(zero)) == 0;
	if (!R->aslr_off)
		fprintf(stderr, "vm.aslr.enable could not be cleared: "
		    "placement is checked only for overlaps\n");
	/* The map checker on every unlock, where libvm has it. */
	(void)vm_sysctlbyname("vm.map_check_always", NULL, NULL, &one,
	    sizeof(one));
	len = sizeof(f);
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.stats.vm.v_free_count", &f,
	    &len, NULL, 0));
	boot_free = f;

	ATF_REQUIRE_EQ(0, vmspace_create(&vs));
	/* Non-fixed hints far below the window are not moved for the data. */
	(void)vm_setrlimit(vs, VM_RLIMIT_DATA, 1u << 30, 1u << 30);
	va = SENT;
	ATF_REQUIRE_EQ(0, vm_mmap(vs, &va, PGSZ, VM_PROT_NONE, VM_MAP_ANON |
	    VM_MAP_PRIVATE | VM_MAP_FIXED, -1, 0));
	ATF_REQUIRE_EQ(SENT, va);
	mvs_add(vs, true);
	R->cur = 0;

	total = w->write + w->read + w->mmap_fixed + w->mmap_excl +
	    w->mmap_hint + w->munmap + w->mprotect + w->madvise + w->minherit +
	    w->trap + w->mincore + w->fork + w->sw + w->release;
	for (R->opno = 0; R->opno < nops; R->opno++) {
		r = (int)rndn(&R->rs, (unsigned)total);
		if ((r -= w->write) < 0)
			op_write();
		else if ((r -= w->read) < 0)
			op_read();
		else if ((r -= w->mmap_fixed) < 0)
			op_mmap_fixed(false);
		else if ((r -= w->mmap_excl) < 0)
			op_mmap_fixed(true);
		else if ((r -= w->mmap_hint) < 0)
			op_mmap_hint();
		else if ((r -= w->munmap) < 0)
			op_munmap();
		else if ((r -= w->mprotect) < 0)
			op_mprotect();
		else if ((r -= w->madvise) < 0)
			op_madvise();
		else if ((r -= w->minherit) < 0)
			op_minherit();
		else if ((r -= w->trap) < 0)
			op_trap();
		else if ((r -= w->mincore) < 0)
			op_mincore();
		else if ((r -= w->fork) < 0) {
			if (R->nvs < MAXVS)
				op_fork();
			else
				op_release();
		} else if ((r -= w->sw) < 0)
			op_switch();
		else if (R->nvs > 1)
			op_release();
		else
			op_switch();
		if (R->opno % FULLCHECK == FULLCHECK - 1) {
			setop("(full check of vs%d)", cur()->id);
			full_check(cur(), "full check");
		}
	}
	setop("(final checks)");
	for (i = 0; i < R->nvs; i++)
		full_check(R->vs[i], "final check");
	printf("seed %" PRIu64 ": %ld ops, %ld forks, writes %ld ok (%ld "
	    "bytes) %ld faulted, reads %ld ok %ld faulted, %ld known pages "
	    "compared, %ld unknown pages skipped, %ld MADV_FREE'd pages read "
	    "as zero, %ld pages with a failed copyout's prefix\n", seed, nops,
	    R->nforks, R->nok, R->nwbytes, R->nefault, R->nrok, R->nrfault,
	    R->ncompared, R->nunknown_skips, R->nfree_zero, R->nprefix_new);
	while (R->nvs > 0)
		mvs_release(R->nvs - 1);
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);	/* slabs of the VM zones */
	len = sizeof(f);
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.stats.vm.v_free_count", &f,
	    &len, NULL, 0));
	ATF_REQUIRE_MSG(f == boot_free, "seed %" PRIu64 ": free pages %" PRIu64
	    " after releasing everything, %" PRIu64 " at boot", seed, f,
	    boot_free);
	vm_shutdown();
	for (i = 0; i < MAXCELLS; i++) {
		free(R->cells[i].data);
		free(R->cells[i].alt);
	}
	free(R);
	R = NULL;
}

#define	NOPS	8000

ATF_TC_WITHOUT_HEAD(seed_1);
ATF_TC_BODY(seed_1, tc)
{
	run(1, NOPS, &w_default);
}

ATF_TC_WITHOUT_HEAD(seed_2);
ATF_TC_BODY(seed_2, tc)
{
	run(2, NOPS, &w_default);
}

ATF_TC_WITHOUT_HEAD(seed_3);
ATF_TC_BODY(seed_3, tc)
{
	run(3, NOPS, &w_default);
}

ATF_TC_WITHOUT_HEAD(seed_4);
ATF_TC_BODY(seed_4, tc)
{
	run(4, NOPS, &w_default);
}

ATF_TC_WITHOUT_HEAD(seed_7);
ATF_TC_BODY(seed_7, tc)
{
	run(7, NOPS, &w_default);
}

ATF_TC_WITHOUT_HEAD(forks_seed_5);
ATF_TC_BODY(forks_seed_5, tc)
{
	run(5, NOPS, &w_forks);
}

ATF_TC_WITHOUT_HEAD(forks_seed_6);
ATF_TC_BODY(forks_seed_6, tc)
{
	run(6, NOPS, &w_forks);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, seed_1);
	ATF_TP_ADD_TC(tp, seed_2);
	ATF_TP_ADD_TC(tp, seed_3);
	ATF_TP_ADD_TC(tp, seed_4);
	ATF_TP_ADD_TC(tp, seed_7);
	ATF_TP_ADD_TC(tp, forks_seed_5);
	ATF_TP_ADD_TC(tp, forks_seed_6);
	return (atf_no_error());
}
