/*
 * The software MMU.
 *
 * Page tables as on amd64: four levels of 512 eight-byte entries (L4 ->
 * L3 -> L2 -> L1), indexed by bits 47-39, 38-30, 29-21 and 20-12 of the
 * virtual address.  Every table is a physical page from the arena,
 * allocated wired and zeroed, reached through the direct map, so page
 * tables compete for memory with everything else and show in
 * v_wire_count.  A table page's count of valid entries is kept in its
 * vm_page's pindex field (unused for pages without an object).  Tables
 * are freed when the pmap is released, never earlier, which is what lets
 * the access path walk them without a lock.
 *
 * A leaf PTE holds the physical frame and the bits V (valid), RW, X
 * (executable), U (user), A (accessed), M (modified), and the software
 * bits W (wired) and MG (managed: the page is on a pv list).  The access
 * path, pmap_soft_access(), checks the permissions and sets A, and M for a
 * write, with a compare-and-swap, exactly where hardware would.
 *
 * Reverse mappings: each managed page's md.pv_list holds one pv entry per
 * (pmap, va) mapping it, under a pv lock hashed by physical address.
 *
 * Lock order: pmap lock -> pv list lock.  Functions that start from a page
 * (remove_all, remove_write, ...) hold its pv lock and only try-lock each
 * pmap; on failure they drop the pv lock, take the pmap lock, retake the
 * pv lock and start over if the list changed meanwhile (md.pv_gen), as
 * FreeBSD's amd64 pmap does.
 *
 * What this first cut leaves out: the per-CPU translation cache with its
 * shootdowns (pmap_update applies nothing yet because nothing is cached)
 * and superpage (L2 "large") mappings: psind must be 0.  Note that the
 * physical address pmap_soft_access returns is itself a one-entry TLB: a
 * remove or write-protect that completes while a caller still copies
 * through it is not seen by that copy.  The copy routines (copyin,
 * copyout) must therefore bracket their use of it with a shootdown
 * protocol (an in-flight count the downgrading operations wait for); that
 * arrives with them.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <sys/systm.h>
#include <sys/mutex.h>
#include <pmap/pmap.h>
#include <pmap/soft/pmap_soft.h>
#include <vm/vm_map.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>

typedef uint64_t pt_entry_t;

#define	PG_V		0x0001ULL	/* valid */
#define	PG_RW		0x0002ULL	/* writable */
#define	PG_U		0x0004ULL	/* user */
#define	PG_A		0x0020ULL	/* accessed */
#define	PG_M		0x0040ULL	/* modified */
#define	PG_X		0x0100ULL	/* executable (libvm's bit) */
#define	PG_W		0x0200ULL	/* wired (software) */
#define	PG_MG		0x0400ULL	/* managed (software) */
#define	PG_FRAME	0x000ffffffffff000ULL

#define	NPTEPG		512
#define	L1_SHIFT	12
#define	L2_SHIFT	21
#define	L3_SHIFT	30
#define	L4_SHIFT	39
#define	PT_INDEX(va, shift) (((va) >> (shift)) & (NPTEPG - 1))

#define	MINCORE_INCORE		0x1
#define	MINCORE_REFERENCED	0x2
#define	MINCORE_MODIFIED	0x4
#define	MINCORE_REFERENCED_OTHER 0x8
#define	MINCORE_MODIFIED_OTHER	0x10

struct pmap {
	struct mtx	pm_mtx;
	_Atomic int	pm_walkers;	/* (a) pv walks about to lock it */
	vm_page_t	pm_root;	/* (c) L4 table page */
	long		pm_resident;	/* (pm_mtx) leaf mappings */
	long		pm_wired;	/* (pm_mtx) wired leaf mappings */
};

struct pv_entry {
	pmap_t		pv_pmap;	/* (pv) */
	vm_offset_t	pv_va;		/* (pv) */
	TAILQ_ENTRY(pv_entry) pv_link;	/* (pv) */
};

#define	PV_LOCKS	64
static struct mtx	pv_locks[PV_LOCKS];

static inline struct mtx *
pv_lock(vm_page_t m)
{
	return (&pv_locks[atop(VM_PAGE_TO_PHYS(m)) % PV_LOCKS]);
}

#define	PMAP_LOCK(p)	mtx_lock(&(p)->pm_mtx)
#define	PMAP_UNLOCK(p)	mtx_unlock(&(p)->pm_mtx)
#define	PMAP_TRYLOCK(p)	mtx_trylock(&(p)->pm_mtx)
#define	PMAP_ASSERT_LOCKED(p) mtx_assert(&(p)->pm_mtx, MA_OWNED)

static inline _Atomic pt_entry_t *
pt_table(vm_paddr_t pa)
{
	return ((_Atomic pt_entry_t *)PHYS_TO_DMAP(pa));
}

void
pmap_init(void)
{
	int i;

	for (i = 0; i < PV_LOCKS; i++)
		mtx_init(&pv_locks[i], "pmap pv list", NULL, MTX_DUPOK);
}

void
pmap_fini(void)
{
	int i;

	for (i = 0; i < PV_LOCKS; i++)
		mtx_destroy(&pv_locks[i]);
}

static vm_page_t
pmap_alloc_table(bool nosleep)
{
	vm_page_t m;

	/* Never sleeps here: callers wait without the pmap lock. */
	(void)nosleep;
	m = vm_page_alloc_noobj(VM_ALLOC_SYSTEM | VM_ALLOC_WIRED |
	    VM_ALLOC_ZERO | VM_ALLOC_NOWAIT);
	if (m != NULL)
		m->pindex = 0;		/* valid entries in this table */
	return (m);
}

static void
pmap_free_table(vm_page_t m)
{
	(void)vm_page_unwire_noq(m);
	vm_page_free(m);
}

int
pmap_pinit(pmap_t pmap)
{
	memset(pmap, 0, sizeof(*pmap));
	pmap->pm_root = pmap_alloc_table(false);
	if (pmap->pm_root == NULL) {
		vm_wait();
		pmap->pm_root = pmap_alloc_table(false);
		if (pmap->pm_root == NULL)
			return (ENOMEM);
	}
	mtx_init(&pmap->pm_mtx, "pmap", NULL, MTX_DUPOK);
	return (0);
}

pmap_t
pmap_create(void)
{
	pmap_t pmap;

	pmap = malloc(sizeof(*pmap));
	if (pmap == NULL)
		return (NULL);
	if (pmap_pinit(pmap) != 0) {
		free(pmap);
		return (NULL);
	}
	return (pmap);
}

/* Free every table below (and including) the one at pa, at level lvl. */
static void
pmap_free_tables(vm_paddr_t pa, int lvl)
{
	_Atomic pt_entry_t *t = pt_table(pa);
	pt_entry_t e;
	int i;

	if (lvl > 1)
		for (i = 0; i < NPTEPG; i++) {
			e = atomic_load_explicit(&t[i], memory_order_relaxed);
			if ((e & PG_V) != 0)
				pmap_free_tables(e & PG_FRAME, lvl - 1);
		}
	pmap_free_table(PHYS_TO_VM_PAGE(pa));
}

void
pmap_release(pmap_t pmap)
{
	KASSERT(pmap->pm_resident == 0, ("%s: pmap %p has %ld mappings",
	    __func__, (void *)pmap, pmap->pm_resident));
	/* A pv walk may still be on its way to this pmap's lock. */
	PMAP_LOCK(pmap);
	while (atomic_load(&pmap->pm_walkers) != 0) {
		PMAP_UNLOCK(pmap);
		sched_yield();
		PMAP_LOCK(pmap);
	}
	PMAP_UNLOCK(pmap);
	pmap_free_tables(VM_PAGE_TO_PHYS(pmap->pm_root), 4);
	pmap->pm_root = NULL;
	mtx_destroy(&pmap->pm_mtx);
}

void
pmap_destroy(pmap_t pmap)
{
	pmap_remove(pmap, 0, (vm_offset_t)1 << 48);
	pmap_release(pmap);
	free(pmap);
}

/*
 * The L1 entry for va, allocating missing tables when alloc is set.  NULL
 * when a table is missing (and alloc is clear, or no page could be had).
 */
static _Atomic pt_entry_t *
pmap_pte(pmap_t pmap, vm_offset_t va, bool alloc)
{
	static const int shifts[3] = { L4_SHIFT, L3_SHIFT, L2_SHIFT };
	_Atomic pt_entry_t *t, *slot;
	pt_entry_t e;
	vm_page_t tm, parent;
	int lvl;

	if (va >= (vm_offset_t)1 << 48)
		return (NULL);
	parent = pmap->pm_root;
	t = pt_table(VM_PAGE_TO_PHYS(parent));
	for (lvl = 0; lvl < 3; lvl++) {
		slot = &t[PT_INDEX(va, shifts[lvl])];
		e = atomic_load_explicit(slot, memory_order_acquire);
		if ((e & PG_V) == 0) {
			vm_page_t nt[3];
			int i, n;

			if (!alloc)
				return (NULL);
			PMAP_ASSERT_LOCKED(pmap);
			/*
			 * Every level below a missing table is missing too.
			 * Take all the pages first, so that a failure
			 * publishes nothing (tables are never freed before
			 * pmap_release), then link the chain bottom-up and
			 * publish it with one release store.
			 */
			n = 3 - lvl;
			for (i = 0; i < n; i++)
				if ((nt[i] = pmap_alloc_table(true)) == NULL) {
					while (i-- > 0)
						pmap_free_table(nt[i]);
					return (NULL);
				}
			for (i = n - 1; i > 0; i--) {
				atomic_store_explicit(&pt_table(VM_PAGE_TO_PHYS(
				    nt[i - 1]))[PT_INDEX(va, shifts[lvl + i])],
				    VM_PAGE_TO_PHYS(nt[i]) | PG_V | PG_RW | PG_U,
				    memory_order_relaxed);
				nt[i - 1]->pindex = 1;
			}
			tm = nt[0];
			e = VM_PAGE_TO_PHYS(tm) | PG_V | PG_RW | PG_U;
			/* Publish zeroed tables: release. */
			atomic_store_explicit(slot, e, memory_order_release);
			parent->pindex++;
			t = pt_table(VM_PAGE_TO_PHYS(nt[n - 1]));
			return (&t[PT_INDEX(va, L1_SHIFT)]);
		}
		parent = PHYS_TO_VM_PAGE(e & PG_FRAME);
		t = pt_table(e & PG_FRAME);
	}
	return (&t[PT_INDEX(va, L1_SHIFT)]);
}

static void
pv_insert(pmap_t pmap, vm_offset_t va, vm_page_t m)
{
	struct pv_entry *pv;

	pv = malloc(sizeof(*pv));
	if (pv == NULL)
		panic("%s: out of host memory", __func__);
	pv->pv_pmap = pmap;
	pv->pv_va = va;
	mtx_lock(pv_lock(m));
	TAILQ_INSERT_TAIL(&m->md.pv_list, pv, pv_link);
	m->md.pv_gen++;
	mtx_unlock(pv_lock(m));
}

/* Remove (pmap, va) from m's list; the pv lock is held. */
static void
pv_remove_locked(pmap_t pmap, vm_offset_t va, vm_page_t m)
{
	struct pv_entry *pv;

	TAILQ_FOREACH(pv, &m->md.pv_list, pv_link)
		if (pv->pv_pmap == pmap && pv->pv_va == va)
			break;
	if (pv == NULL)
		panic("%s: no pv for pmap %p va %#jx page %p", __func__,
		    (void *)pmap, (uintmax_t)va, (void *)m);
	TAILQ_REMOVE(&m->md.pv_list, pv, pv_link);
	m->md.pv_gen++;
	free(pv);
}

/* Hand a dying or downgraded PTE's A and M bits to its page. */
static void
pmap_sync_bits(pt_entry_t old, vm_page_t m)
{
	if ((old & (PG_M | PG_RW)) == (PG_M | PG_RW))
		vm_page_dirty(m);
	if ((old & PG_A) != 0)
		vm_page_aflag_set(m, PGA_REFERENCED);
}

/*
 * Clear one valid leaf PTE of pmap.  With pv_locked the caller holds the
 * page's pv lock.
 */
static void
pmap_remove_pte(pmap_t pmap, vm_offset_t va, _Atomic pt_entry_t *pte,
    bool pv_locked)
{
	pt_entry_t old;
	vm_page_t m;

	PMAP_ASSERT_LOCKED(pmap);
	old = atomic_exchange(pte, 0);
	KASSERT((old & PG_V) != 0, ("%s: invalid pte", __func__));
	pmap->pm_resident--;
	if ((old & PG_W) != 0)
		pmap->pm_wired--;
	m = PHYS_TO_VM_PAGE(old & PG_FRAME);
	if ((old & PG_MG) != 0) {
		pmap_sync_bits(old, m);
		if (!pv_locked)
			mtx_lock(pv_lock(m));
		pv_remove_locked(pmap, va, m);
		if (!pv_locked)
			mtx_unlock(pv_lock(m));
	}
}

int
pmap_enter(pmap_t pmap, vm_offset_t va, vm_page_t m, vm_prot_t prot,
    u_int flags, int8_t psind)
{
	_Atomic pt_entry_t *pte;
	pt_entry_t old, new;
	bool managed = (m->oflags & VPO_UNMANAGED) == 0;

	KASSERT(psind == 0, ("%s: superpage mappings not supported", __func__));
	KASSERT((va & PAGE_MASK) == 0 && va < ((vm_offset_t)1 << 48),
	    ("%s: bad va %#jx", __func__, (uintmax_t)va));
	(void)psind;
	new = VM_PAGE_TO_PHYS(m) | PG_V | PG_U;
	if ((prot & VM_PROT_WRITE) != 0)
		new |= PG_RW;
	if ((prot & VM_PROT_EXECUTE) != 0)
		new |= PG_X;
	if ((flags & PMAP_ENTER_WIRED) != 0)
		new |= PG_W;
	if (managed)
		new |= PG_MG;
	/* The access that caused the fault has happened: set its bits. */
	if ((flags & VM_PROT_ALL) != 0)
		new |= PG_A;
	if ((flags & VM_PROT_WRITE) != 0 && (new & PG_RW) != 0)
		new |= PG_M;
	PMAP_LOCK(pmap);
	while ((pte = pmap_pte(pmap, va, true)) == NULL) {
		if ((flags & PMAP_ENTER_NOSLEEP) != 0) {
			PMAP_UNLOCK(pmap);
			return (KERN_RESOURCE_SHORTAGE);
		}
		PMAP_UNLOCK(pmap);
		vm_wait();
		PMAP_LOCK(pmap);
	}
	old = atomic_load(pte);
	if ((old & PG_V) != 0 && (flags & PMAP_ENTER_NOREPLACE) != 0) {
		PMAP_UNLOCK(pmap);
		return (KERN_FAILURE);
	}
	if ((old & PG_V) != 0 && (old & PG_FRAME) == VM_PAGE_TO_PHYS(m)) {
		/*
		 * Same page: new protection and wiring, keep A and M.  The
		 * access path sets A and M without the pmap lock: swap with
		 * a CAS so that a bit it sets meanwhile is not lost.
		 */
		pt_entry_t upd;

		do {
			upd = new | (old & (PG_A | PG_M));
			if ((upd & PG_RW) == 0)
				upd &= ~PG_M;
		} while (!atomic_compare_exchange_weak(pte, &old, upd));
		if ((old & PG_W) != (new & PG_W))
			pmap->pm_wired += (new & PG_W) ? 1 : -1;
		if ((old & PG_RW) != 0 && (new & PG_RW) == 0 &&
		    (old & PG_MG) != 0)
			pmap_sync_bits(old & ~PG_A, m);
		PMAP_UNLOCK(pmap);
		return (KERN_SUCCESS);
	}
	if ((old & PG_V) != 0)
		pmap_remove_pte(pmap, va, pte, false);
	else	/* the L1 table gains a valid entry */
		PHYS_TO_VM_PAGE(DMAP_TO_PHYS(pte) &
		    ~(vm_paddr_t)PAGE_MASK)->pindex++;
	if (managed)
		pv_insert(pmap, va, m);
	pmap->pm_resident++;
	if ((new & PG_W) != 0)
		pmap->pm_wired++;
	atomic_store_explicit(pte, new, memory_order_release);
	PMAP_UNLOCK(pmap);
	return (KERN_SUCCESS);
}

void
pmap_enter_quick(pmap_t pmap, vm_offset_t va, vm_page_t m, vm_prot_t prot)
{
	/* Like FreeBSD's: never touches an existing mapping. */
	(void)pmap_enter(pmap, va, m, prot & (VM_PROT_READ | VM_PROT_EXECUTE),
	    PMAP_ENTER_NOSLEEP | PMAP_ENTER_NOREPLACE, 0);
}

/*
 * The span of addresses around va that a missing table leaves unmapped:
 * 512 GiB, 1 GiB or 2 MiB (va's L1 table is absent).
 */
static vm_offset_t
pmap_hole(pmap_t pmap, vm_offset_t va)
{
	static const int shifts[3] = { L4_SHIFT, L3_SHIFT, L2_SHIFT };
	_Atomic pt_entry_t *t;
	pt_entry_t e;
	int lvl;

	t = pt_table(VM_PAGE_TO_PHYS(pmap->pm_root));
	for (lvl = 0; lvl < 3; lvl++) {
		e = atomic_load_explicit(&t[PT_INDEX(va, shifts[lvl])],
		    memory_order_acquire);
		if ((e & PG_V) == 0)
			return ((vm_offset_t)1 << shifts[lvl]);
		t = pt_table(e & PG_FRAME);
	}
	return (PAGE_SIZE);
}

/*
 * Visit the valid leaf PTEs of [sva, eva), skipping absent tables a whole
 * L2/L3/L4 span at a time.
 */
static void
pmap_range(pmap_t pmap, vm_offset_t sva, vm_offset_t eva,
    void (*fn)(pmap_t, vm_offset_t, _Atomic pt_entry_t *, void *),
    void *arg)
{
	_Atomic pt_entry_t *pte;
	vm_offset_t va, next, span;

	PMAP_ASSERT_LOCKED(pmap);
	if (eva > (vm_offset_t)1 << 48)
		eva = (vm_offset_t)1 << 48;
	for (va = trunc_page(sva); va < eva; va = next) {
		pte = pmap_pte(pmap, va, false);
		if (pte == NULL) {
			/* Skip the span of the highest missing table. */
			span = pmap_hole(pmap, va);
			next = (va + span) & ~(span - 1);
			if (next <= va)
				break;
			continue;
		}
		next = va + PAGE_SIZE;
		if ((atomic_load(pte) & PG_V) != 0)
			fn(pmap, va, pte, arg);
	}
}

static void
pmap_remove_cb(pmap_t pmap, vm_offset_t va, _Atomic pt_entry_t *pte,
    void *arg __unused)
{
	pmap_remove_pte(pmap, va, pte, false);
	PHYS_TO_VM_PAGE(DMAP_TO_PHYS(pte) & ~(vm_paddr_t)PAGE_MASK)->pindex--;
}

void
pmap_remove(pmap_t pmap, vm_offset_t sva, vm_offset_t eva)
{
	PMAP_LOCK(pmap);
	pmap_range(pmap, sva, eva, pmap_remove_cb, NULL);
	PMAP_UNLOCK(pmap);
}

static void
pmap_protect_cb(pmap_t pmap __unused, vm_offset_t va __unused,
    _Atomic pt_entry_t *pte, void *arg)
{
	vm_prot_t prot = *(vm_prot_t *)arg;
	pt_entry_t old, new;

	old = atomic_load(pte);
	do {
		new = old;
		if ((prot & VM_PROT_WRITE) == 0)
			new &= ~(PG_RW | PG_M);
		if ((prot & VM_PROT_EXECUTE) == 0)
			new &= ~PG_X;
	} while (new != old && !atomic_compare_exchange_weak(pte, &old, new));
	if ((old & PG_MG) != 0 && (old & PG_M) != 0 && (new & PG_M) == 0)
		vm_page_dirty(PHYS_TO_VM_PAGE(old & PG_FRAME));
}

void
pmap_protect(pmap_t pmap, vm_offset_t sva, vm_offset_t eva, vm_prot_t prot)
{
	/* As FreeBSD: only VM_PROT_NONE removes (exec-only keeps it). */
	if (prot == VM_PROT_NONE) {
		pmap_remove(pmap, sva, eva);
		return;
	}
	PMAP_LOCK(pmap);
	pmap_range(pmap, sva, eva, pmap_protect_cb, &prot);
	PMAP_UNLOCK(pmap);
}

static void
pmap_unwire_cb(pmap_t pmap, vm_offset_t va __unused, _Atomic pt_entry_t *pte,
    void *arg __unused)
{
	if ((atomic_fetch_and(pte, ~PG_W) & PG_W) != 0)
		pmap->pm_wired--;
}

void
pmap_unwire(pmap_t pmap, vm_offset_t sva, vm_offset_t eva)
{
	PMAP_LOCK(pmap);
	pmap_range(pmap, sva, eva, pmap_unwire_cb, NULL);
	PMAP_UNLOCK(pmap);
}

void
pmap_update(pmap_t pmap __unused)
{
	/* Nothing is cached yet: every change is visible at once. */
}

/*
 * Run fn on every mapping of m, with the page's pv lock and each mapping's
 * pmap lock held (lock order pmap -> pv, see the top).
 */
static void
pmap_pv_foreach(vm_page_t m, bool (*fn)(pmap_t, vm_offset_t,
    _Atomic pt_entry_t *, void *), void *arg)
{
	struct mtx *lock = pv_lock(m);
	struct pv_entry *pv, *next;
	_Atomic pt_entry_t *pte;
	pmap_t pmap;
	int gen;

	mtx_lock(lock);
restart:
	TAILQ_FOREACH_SAFE(pv, &m->md.pv_list, pv_link, next) {
		pmap = pv->pv_pmap;
		if (!PMAP_TRYLOCK(pmap)) {
			/*
			 * While the pv lock is dropped the pmap could be
			 * destroyed; pm_walkers, raised while its pv entry
			 * still exists, makes pmap_destroy wait for us.
			 */
			atomic_fetch_add(&pmap->pm_walkers, 1);
			gen = m->md.pv_gen;
			mtx_unlock(lock);
			PMAP_LOCK(pmap);
			mtx_lock(lock);
			atomic_fetch_sub(&pmap->pm_walkers, 1);
			if (gen != m->md.pv_gen) {
				PMAP_UNLOCK(pmap);
				goto restart;
			}
		}
		pte = pmap_pte(pmap, pv->pv_va, false);
		KASSERT(pte != NULL && (atomic_load(pte) & PG_V) != 0,
		    ("%s: pv without a mapping", __func__));
		if (!fn(pmap, pv->pv_va, pte, arg)) {
			PMAP_UNLOCK(pmap);
			break;
		}
		PMAP_UNLOCK(pmap);
	}
	mtx_unlock(lock);
}

static bool
pmap_remove_all_cb(pmap_t pmap, vm_offset_t va, _Atomic pt_entry_t *pte,
    void *arg __unused)
{
	pmap_remove_pte(pmap, va, pte, true);
	PHYS_TO_VM_PAGE(DMAP_TO_PHYS(pte) & ~(vm_paddr_t)PAGE_MASK)->pindex--;
	return (true);
}

void
pmap_remove_all(vm_page_t m)
{
	pmap_pv_foreach(m, pmap_remove_all_cb, NULL);
}

static bool
pmap_remove_write_cb(pmap_t pmap, vm_offset_t va, _Atomic pt_entry_t *pte,
    void *arg)
{
	vm_prot_t prot = VM_PROT_READ | VM_PROT_EXECUTE;

	(void)arg;
	pmap_protect_cb(pmap, va, pte, &prot);
	return (true);
}

void
pmap_remove_write(vm_page_t m)
{
	pmap_pv_foreach(m, pmap_remove_write_cb, NULL);
}

static bool
pmap_test_bit_cb(pmap_t pmap __unused, vm_offset_t va __unused,
    _Atomic pt_entry_t *pte, void *arg)
{
	pt_entry_t bit = *(pt_entry_t *)arg;

	if ((atomic_load(pte) & bit) != 0) {
		*(pt_entry_t *)arg = 0;		/* found: stop */
		return (false);
	}
	return (true);
}

static bool
pmap_page_test_bit(vm_page_t m, pt_entry_t bit)
{
	pt_entry_t arg = bit;

	pmap_pv_foreach(m, pmap_test_bit_cb, &arg);
	return (arg == 0);
}

bool
pmap_is_modified(vm_page_t m)
{
	return (pmap_page_test_bit(m, PG_M));
}

bool
pmap_is_referenced(vm_page_t m)
{
	return (pmap_page_test_bit(m, PG_A));
}

static bool
pmap_clear_bit_cb(pmap_t pmap __unused, vm_offset_t va __unused,
    _Atomic pt_entry_t *pte, void *arg)
{
	struct { pt_entry_t bit; int count; } *a = arg;

	if ((atomic_fetch_and(pte, ~a->bit) & a->bit) != 0)
		a->count++;
	return (true);
}

void
pmap_clear_modify(vm_page_t m)
{
	struct { pt_entry_t bit; int count; } a = { PG_M, 0 };

	pmap_pv_foreach(m, pmap_clear_bit_cb, &a);
}

int
pmap_ts_referenced(vm_page_t m)
{
	struct { pt_entry_t bit; int count; } a = { PG_A, 0 };

	pmap_pv_foreach(m, pmap_clear_bit_cb, &a);
	return (a.count);
}

bool
pmap_page_is_mapped(vm_page_t m)
{
	bool mapped;

	mtx_lock(pv_lock(m));
	mapped = !TAILQ_EMPTY(&m->md.pv_list);
	mtx_unlock(pv_lock(m));
	return (mapped);
}

vm_paddr_t
pmap_extract(pmap_t pmap, vm_offset_t va)
{
	_Atomic pt_entry_t *pte;
	pt_entry_t e;
	vm_paddr_t pa = 0;

	PMAP_LOCK(pmap);
	pte = pmap_pte(pmap, trunc_page(va), false);
	if (pte != NULL && ((e = atomic_load(pte)) & PG_V) != 0)
		pa = (e & PG_FRAME) | (va & PAGE_MASK);
	PMAP_UNLOCK(pmap);
	return (pa);
}

vm_page_t
pmap_extract_and_hold(pmap_t pmap, vm_offset_t va, vm_prot_t prot)
{
	_Atomic pt_entry_t *pte;
	pt_entry_t e;
	vm_page_t m = NULL;

	PMAP_LOCK(pmap);
	pte = pmap_pte(pmap, trunc_page(va), false);
	if (pte != NULL && ((e = atomic_load(pte)) & PG_V) != 0 &&
	    ((prot & VM_PROT_WRITE) == 0 || (e & PG_RW) != 0)) {
		m = PHYS_TO_VM_PAGE(e & PG_FRAME);
		if (!vm_page_wire_mapped(m))
			m = NULL;
	}
	PMAP_UNLOCK(pmap);
	return (m);
}

int
pmap_mincore(pmap_t pmap, vm_offset_t addr, vm_paddr_t *pap)
{
	_Atomic pt_entry_t *pte;
	pt_entry_t e = 0;
	int val = 0;

	PMAP_LOCK(pmap);
	pte = pmap_pte(pmap, trunc_page(addr), false);
	if (pte != NULL)
		e = atomic_load(pte);
	PMAP_UNLOCK(pmap);
	if ((e & PG_V) == 0)
		return (0);
	val = MINCORE_INCORE;
	if ((e & (PG_M | PG_RW)) == (PG_M | PG_RW))
		val |= MINCORE_MODIFIED | MINCORE_MODIFIED_OTHER;
	if ((e & PG_A) != 0)
		val |= MINCORE_REFERENCED | MINCORE_REFERENCED_OTHER;
	/* The caller looks at the page's other mappings for the rest. */
	if ((e & PG_MG) != 0 && pap != NULL)
		*pap = e & PG_FRAME;
	return (val);
}

long
pmap_resident_count(pmap_t pmap)
{
	long n;

	PMAP_LOCK(pmap);
	n = pmap->pm_resident;
	PMAP_UNLOCK(pmap);
	return (n);
}

long
pmap_wired_count(pmap_t pmap)
{
	long n;

	PMAP_LOCK(pmap);
	n = pmap->pm_wired;
	PMAP_UNLOCK(pmap);
	return (n);
}

void
pmap_zero_page(vm_page_t m)
{
	memset(vm_page_dmap(m), 0, PAGE_SIZE);
}

void
pmap_zero_page_area(vm_page_t m, int off, int size)
{
	KASSERT(off >= 0 && size >= 0 && off + size <= PAGE_SIZE,
	    ("%s: bad area %d+%d", __func__, off, size));
	memset((char *)vm_page_dmap(m) + off, 0, (size_t)size);
}

void
pmap_copy_page(vm_page_t src, vm_page_t dst)
{
	memcpy(vm_page_dmap(dst), vm_page_dmap(src), PAGE_SIZE);
}

int
pmap_soft_access(pmap_t pmap, vm_offset_t va, vm_prot_t access,
    vm_paddr_t *pap)
{
	_Atomic pt_entry_t *pte;
	pt_entry_t old, new;

	pte = pmap_pte(pmap, trunc_page(va), false);
	if (pte == NULL)
		return (PMAP_ACCESS_NOTMAPPED);
	old = atomic_load_explicit(pte, memory_order_acquire);
	for (;;) {
		if ((old & PG_V) == 0)
			return (PMAP_ACCESS_NOTMAPPED);
		if (((access & VM_PROT_WRITE) != 0 && (old & PG_RW) == 0) ||
		    ((access & VM_PROT_EXECUTE) != 0 && (old & PG_X) == 0))
			return (PMAP_ACCESS_PROT);
		new = old | PG_A;
		if ((access & VM_PROT_WRITE) != 0)
			new |= PG_M;
		if (new == old || atomic_compare_exchange_weak(pte, &old, new))
			break;
	}
	*pap = (old & PG_FRAME) | (va & PAGE_MASK);
	return (PMAP_ACCESS_OK);
}
