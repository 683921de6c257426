/*
 * memguard(9): catching use after free at the moment it happens (seed
 * 004: "designed to help detect tamper-after-free scenarios").
 *
 * For the malloc type or UMA zone named by sysctl vm.memguard.desc,
 * every allocation gets pages of its own in memguard's region, followed
 * by a guard page that is never accessible.  Freeing one makes its pages
 * inaccessible and parks them in a FIFO of vm.memguard.fifo allocations:
 * they are reused only after that many later frees, so a late access to
 * freed memory, or past the end, faults at once.  The fault is the
 * host's (SIGSEGV): memguard's handler recognizes its region, writes a
 * one-line report (which allocation, which owner, freed or overrun) and
 * lets the default action end the process; faults elsewhere go to the
 * handler that was there before.
 *
 * The region is host address space reserved with mmap(PROT_NONE) and
 * made accessible page by page with mprotect: memory protection is the
 * one thing the arena, reached through the direct map, cannot give.  So
 * memguard's pages are host memory, outside libvm's physical-memory
 * accounting; it is a debugging allocator, reserved on first use.
 *
 * Locks: mg_mtx (a leaf) protects everything below but mg_on and the
 * region bounds, which the fault handler reads without it (it cannot
 * lock): they are set before the handler is installed and never change
 * while it is.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/mutex.h>
#include <sys/sysctl.h>
#include <vm/uma_int.h>

#define	MG_NAMELEN	32
#define	MG_NPAGES	16384		/* 64 MiB of address space */
#define	MG_FIFO_MAX	4096

/* Per page of the region. */
struct mg_page {
	uint32_t	mp_npages;	/* first page: pages of the allocation
					   (not the guard); 0 otherwise */
	uint32_t	mp_state;	/* MG_FREE, MG_LIVE, MG_PARKED,
					   MG_GUARD, or MG_INSIDE */
	size_t		mp_size;	/* first page: requested size */
	const char	*mp_owner;	/* first page: type or zone name */
};
#define	MG_FREE		0
#define	MG_LIVE		1	/* first page of a live allocation */
#define	MG_PARKED	2	/* first page of a freed one, in the FIFO */
#define	MG_GUARD	3
#define	MG_INSIDE	4	/* a later page of an allocation */

static struct mtx mg_mtx;
static char mg_desc[MG_NAMELEN];	/* (mg_mtx) what is guarded */
static _Atomic bool mg_on;		/* (a) mg_desc is not empty */
_Atomic(char *) memguard_base;		/* (a) region: set once, then (c) */
#define	mg_base	memguard_base
static size_t mg_npages;
static struct mg_page *mg_pages;	/* (mg_mtx) */
static uint32_t mg_fifo[MG_FIFO_MAX];	/* (mg_mtx) parked first pages */
static int mg_fifo_head, mg_fifo_len;	/* (mg_mtx) */
static int mg_fifo_max;			/* (mg_mtx) vm.memguard.fifo */
static uint32_t mg_rover;		/* (mg_mtx) next-fit start */
static uint64_t mg_allocs, mg_frees, mg_fails; /* (mg_mtx) */
static struct sigaction mg_oldsegv;
static bool mg_handler_installed;

static void
mg_write(const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Formats v in hex into buf (async-signal-safe). */
static void
mg_hex(char *buf, uintptr_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[2 * sizeof(v)];
	int n = 0, i;

	do {
		tmp[n++] = digits[v & 15];
		v >>= 4;
	} while (v != 0);
	buf[0] = '0';
	buf[1] = 'x';
	for (i = 0; i < n; i++)
		buf[2 + i] = tmp[n - 1 - i];
	buf[2 + n] = '\0';
}

/*
 * The SIGSEGV handler: a fault in the region is reported and then left
 * to the default action (the handler is reset and the access retried).
 */
static void
mg_segv(int sig, siginfo_t *si, void *ctx)
{
	char *addr = si->si_addr, hex[32];
	size_t idx, first;
	const char *what;

	if (mg_base == NULL || addr < mg_base ||
	    addr >= mg_base + mg_npages * PAGE_SIZE) {
		if ((mg_oldsegv.sa_flags & SA_SIGINFO) != 0 &&
		    mg_oldsegv.sa_sigaction != NULL)
			mg_oldsegv.sa_sigaction(sig, si, ctx);
		else if (mg_oldsegv.sa_handler != SIG_DFL &&
		    mg_oldsegv.sa_handler != SIG_IGN)
			mg_oldsegv.sa_handler(sig);
		else
			signal(SIGSEGV, SIG_DFL);	/* and fault again */
		return;
	}
	idx = (size_t)(addr - mg_base) / PAGE_SIZE;
	for (first = idx; first > 0 && mg_pages[first].mp_state ==
	    MG_INSIDE; first--)
		;
	switch (mg_pages[idx].mp_state == MG_GUARD ? MG_GUARD :
	    mg_pages[first].mp_state) {
	case MG_PARKED:
		what = "use after free";
		break;
	case MG_GUARD:
		what = "access past the end (guard page)";
		break;
	case MG_LIVE:
		what = "access to an allocation being freed";
		break;
	default:
		what = "access to unallocated memory";
		break;
	}
	mg_write("memguard: ");
	mg_write(what);
	mg_write(" at ");
	mg_hex(hex, (uintptr_t)addr);
	mg_write(hex);
	if (mg_pages[idx].mp_state == MG_GUARD && idx > 0) {
		for (first = idx - 1; first > 0 &&
		    mg_pages[first].mp_state == MG_INSIDE; first--)
			;
	}
	if (mg_pages[first].mp_owner != NULL) {
		mg_write(" in the allocation at ");
		mg_hex(hex, (uintptr_t)(mg_base + first * PAGE_SIZE));
		mg_write(hex);
		mg_write(" of ");
		mg_write(mg_pages[first].mp_owner);
	}
	mg_write("\n");
	signal(SIGSEGV, SIG_DFL);
}

/* Reserves the region and installs the handler; mg_mtx held. */
static int
mg_reserve(void)
{
	struct sigaction sa;
	void *p;

	if (mg_base != NULL)
		return (0);
	p = mmap(NULL, (size_t)MG_NPAGES * PAGE_SIZE, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return (ENOMEM);
	mg_pages = calloc(MG_NPAGES, sizeof(*mg_pages));
	if (mg_pages == NULL) {
		munmap(p, (size_t)MG_NPAGES * PAGE_SIZE);
		return (ENOMEM);
	}
	mg_npages = MG_NPAGES;
	mg_base = p;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = mg_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &mg_oldsegv) == 0)
		mg_handler_installed = true;
	return (0);
}

static bool
mg_match(const char *name)
{
	bool m;

	if (!atomic_load_explicit(&mg_on, memory_order_relaxed))
		return (false);
	mtx_lock(&mg_mtx);
	m = strcmp(mg_desc, name) == 0;
	mtx_unlock(&mg_mtx);
	return (m);
}

bool
memguard_cmp_mtp(struct malloc_type *type, size_t size __unused)
{
	return (mg_match(type->ks_shortdesc));
}

bool
memguard_cmp_zone(const char *zonename)
{
	return (mg_match(zonename));
}

bool
memguard_owns(const void *addr)
{
	char *base = atomic_load_explicit(&mg_base, memory_order_acquire);

	return (base != NULL && (const char *)addr >= base &&
	    (const char *)addr < base + (size_t)MG_NPAGES * PAGE_SIZE);
}

/* Releases the oldest parked allocation's pages for reuse. */
static void
mg_unpark_oldest(void)
{
	uint32_t first = mg_fifo[mg_fifo_head], k, n;

	mg_fifo_head = (mg_fifo_head + 1) % MG_FIFO_MAX;
	mg_fifo_len--;
	n = mg_pages[first].mp_npages + 1;	/* and its guard */
	for (k = 0; k < n; k++)
		memset(&mg_pages[first + k], 0, sizeof(mg_pages[0]));
}

void *
memguard_alloc(size_t size, int flags, const char *owner)
{
	uint32_t need, i, k, start, n;
	char *p;

	mtx_lock(&mg_mtx);
	if (size > (size_t)(MG_NPAGES - 1) * PAGE_SIZE || mg_reserve() != 0)
		goto fail;
	n = (uint32_t)howmany(size == 0 ? 1 : size, PAGE_SIZE);
	need = n + 1;
	for (;;) {
		/* Next fit from the rover, over the whole region once. */
		for (i = 0; i < mg_npages; i++) {
			start = (mg_rover + i) % (uint32_t)mg_npages;
			if (start + need > mg_npages)
				continue;
			for (k = 0; k < need; k++)
				if (mg_pages[start + k].mp_state != MG_FREE)
					break;
			if (k == need)
				goto found;
		}
		if (mg_fifo_len == 0)
			goto fail;
		mg_unpark_oldest();	/* give the quarantine back */
	}
found:
	p = mg_base + (size_t)start * PAGE_SIZE;
	if (mprotect(p, (size_t)n * PAGE_SIZE, PROT_READ | PROT_WRITE) != 0)
		goto fail;
	mg_pages[start].mp_state = MG_LIVE;
	mg_pages[start].mp_npages = n;
	mg_pages[start].mp_size = size;
	mg_pages[start].mp_owner = owner;
	for (k = 1; k < n; k++)
		mg_pages[start + k].mp_state = MG_INSIDE;
	mg_pages[start + n].mp_state = MG_GUARD;
	mg_rover = start + need;
	mg_allocs++;
	mtx_unlock(&mg_mtx);
	/* Reused pages keep old bytes: give fresh ones their due. */
	if ((flags & M_ZERO) != 0)
		memset(p, 0, (size_t)n * PAGE_SIZE);
	return (p);
fail:
	mg_fails++;
	mtx_unlock(&mg_mtx);
	if ((flags & M_WAITOK) != 0)
		panic("memguard: out of guarded address space for %zu bytes "
		    "of %s", size, owner);
	return (NULL);
}

static uint32_t
mg_first_page(const void *addr, const char *what)
{
	size_t off = (size_t)((const char *)addr - mg_base);
	uint32_t idx = (uint32_t)(off / PAGE_SIZE);

	if (off % PAGE_SIZE != 0 || mg_pages[idx].mp_state != MG_LIVE)
		panic("memguard: %s %p: not a live guarded allocation%s", what,
		    addr, mg_pages[idx].mp_state == MG_PARKED ?
		    " (freed twice)" : "");
	return (idx);
}

const char *
memguard_owner(const void *addr)
{
	const char *owner;
	uint32_t idx;

	mtx_lock(&mg_mtx);
	idx = mg_first_page(addr, "freeing");
	owner = mg_pages[idx].mp_owner;
	mtx_unlock(&mg_mtx);
	return (owner);
}

size_t
memguard_usable_size(const void *addr)
{
	size_t size;
	uint32_t idx;

	mtx_lock(&mg_mtx);
	idx = mg_first_page(addr, "sizing");
	size = (size_t)mg_pages[idx].mp_npages * PAGE_SIZE;
	mtx_unlock(&mg_mtx);
	return (size);
}

void
memguard_free(void *addr)
{
	uint32_t idx;

	mtx_lock(&mg_mtx);
	idx = mg_first_page(addr, "freeing");
	/* Write before protecting: a racing free faults now, not later. */
	*(volatile char *)addr = (char)0xde;
	if (mprotect(addr, (size_t)mg_pages[idx].mp_npages * PAGE_SIZE,
	    PROT_NONE) != 0)
		panic("memguard: mprotect of %p failed", addr);
	mg_pages[idx].mp_state = MG_PARKED;
	if (mg_fifo_len == MG_FIFO_MAX)
		mg_unpark_oldest();
	mg_fifo[(mg_fifo_head + mg_fifo_len) % MG_FIFO_MAX] = idx;
	mg_fifo_len++;
	while (mg_fifo_len > mg_fifo_max)	/* fifo 0: reusable at once */
		mg_unpark_oldest();
	mg_frees++;
	mtx_unlock(&mg_mtx);
}

/* ---- sysctl vm.memguard ----------------------------------------------- */

static int
sysctl_memguard_desc(struct sysctl_oid *oidp __unused, void *arg1 __unused,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	char buf[MG_NAMELEN];
	int error;

	mtx_lock(&mg_mtx);
	memcpy(buf, mg_desc, sizeof(buf));
	mtx_unlock(&mg_mtx);
	error = sysctl_handle_string(NULL, buf, sizeof(buf), req);
	if (error != 0 || req->newptr == NULL)
		return (error);
	mtx_lock(&mg_mtx);
	memcpy(mg_desc, buf, sizeof(mg_desc));
	mg_desc[sizeof(mg_desc) - 1] = '\0';
	atomic_store(&mg_on, mg_desc[0] != '\0');
	mtx_unlock(&mg_mtx);
	uma_memguard_update();
	return (0);
}

static int
sysctl_memguard_stat(struct sysctl_oid *oidp, void *arg1,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	uint64_t v;

	mtx_lock(&mg_mtx);
	v = *(uint64_t *)arg1;
	mtx_unlock(&mg_mtx);
	return (sysctl_handle_64(oidp, &v, 0, req));
}

static int
sysctl_memguard_fifo(struct sysctl_oid *oidp, void *arg1 __unused,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	int error, v;

	mtx_lock(&mg_mtx);
	v = mg_fifo_max;
	mtx_unlock(&mg_mtx);
	error = sysctl_handle_int(oidp, &v, 0, req);
	if (error != 0 || req->newptr == NULL)
		return (error);
	if (v < 0 || v > MG_FIFO_MAX)
		return (EINVAL);
	mtx_lock(&mg_mtx);
	mg_fifo_max = v;
	while (mg_fifo_len > mg_fifo_max)
		mg_unpark_oldest();
	mtx_unlock(&mg_mtx);
	return (0);
}

void
memguard_startup(void)
{
	struct sysctl_oid *node;

	mtx_init(&mg_mtx, "memguard", NULL, 0);
	mg_desc[0] = '\0';
	atomic_store(&mg_on, false);
	mg_fifo_max = 1024;
	mg_fifo_head = mg_fifo_len = 0;
	mg_rover = 0;
	mg_allocs = mg_frees = mg_fails = 0;
	node = SYSCTL_ADD_NODE(sysctl_node_path("vm"), "memguard",
	    "memguard(9): guarded allocations");
	SYSCTL_ADD_PROC(node, "desc", CTLTYPE_STRING | CTLFLAG_RW, NULL,
	    MG_NAMELEN, sysctl_memguard_desc, "A",
	    "Malloc type or UMA zone whose allocations are guarded");
	SYSCTL_ADD_PROC(node, "fifo", CTLTYPE_INT | CTLFLAG_RW, NULL, 0,
	    sysctl_memguard_fifo, "I",
	    "Freed allocations kept inaccessible before reuse");
	SYSCTL_ADD_PROC(node, "allocs", CTLTYPE_U64 | CTLFLAG_RD, &mg_allocs,
	    0, sysctl_memguard_stat, "QU", "Guarded allocations");
	SYSCTL_ADD_PROC(node, "frees", CTLTYPE_U64 | CTLFLAG_RD, &mg_frees,
	    0, sysctl_memguard_stat, "QU", "Guarded frees");
	SYSCTL_ADD_PROC(node, "fails", CTLTYPE_U64 | CTLFLAG_RD, &mg_fails,
	    0, sysctl_memguard_stat, "QU", "Guarded allocations refused");
}

/*
 * The region and the handler outlive a boot only if guarded memory is
 * still out; otherwise both go.
 */
void
memguard_shutdown(void)
{
	atomic_store(&mg_on, false);
	mtx_lock(&mg_mtx);
	if (mg_base != NULL && mg_allocs == mg_frees) {
		if (mg_handler_installed)
			sigaction(SIGSEGV, &mg_oldsegv, NULL);
		mg_handler_installed = false;
		munmap(mg_base, mg_npages * PAGE_SIZE);
		free(mg_pages);
		mg_pages = NULL;
		mg_base = NULL;
		mg_npages = 0;
	}
	mtx_unlock(&mg_mtx);
	mtx_destroy(&mg_mtx);
}
