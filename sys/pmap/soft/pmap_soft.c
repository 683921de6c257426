/*
 * The software MMU.
 *
 * Page tables as on amd64: four levels of 512 eight-byte entries (L4 ->
 * L3 -> L2 -> L1), indexed by bits 47-39, 38-30, 29-21 and 20-12 of the
 * virtual address.  Every table is a physical page from the arena,
 * allocated wired and zeroed, reached through the direct map, so page
 * tables compete for memory with everything else and show in
 * v_wire_count.  Tables are freed when the pmap is released, never
 * earlier, which is what lets the access path, and pmap_enter's first
 * look, walk them without a lock.
 *
 * A leaf PTE holds the physical frame and the bits V (valid), RW, X
 * (executable), U (user), A (accessed), M (modified), and the software
 * bits W (wired) and MG (managed: the page is on a pv list).  The walker
 * checks the permissions and sets A, and M for a write, with a
 * compare-and-swap, exactly where hardware would.
 *
 * Reverse mappings: each managed page's md.pv_list holds one pv entry per
 * (pmap, va) mapping it, under a pv lock hashed by physical address.  pv
 * entries come from a VM zone ("PV ENTRY"), so that taking one costs a
 * per-CPU cache pop and no pmap-wide state.
 *
 * A new mapping without the pmap lock.  Faults in one address space on
 * several CPUs would all meet on the pmap lock (and the pmap's counters)
 * if every pmap_enter took it.  The common case -- an unwired managed
 * page entered where the PTE is zero and its tables exist -- needs
 * neither: under the page's pv lock, pmap_enter links the pv entry and
 * installs the PTE with a compare-and-swap from zero, and counts the
 * mapping in its leaf table's page (md.pt_valid, atomic: the pmap keeps no
 * count of its own that every fault would write; pmap_resident_count adds
 * the tables' counts up).  Nothing else writes a zero PTE: every other
 * change starts from a valid one, under the pmap lock, except the access
 * path's, which only sets A and M in a valid PTE by CAS.  So the CAS from
 * zero loses only to another such entry, and then the pv entry is
 * unlinked and the locked path decides.  Holding the pv lock across both
 * steps keeps the page's pv walks from seeing the entry without its PTE
 * or the PTE without its entry; a range operation (under the pmap lock)
 * that finds the new PTE valid removes it through the pv lock, after the
 * entry is linked.  A new PTE weakens nothing, so no shootdown is due.
 *
 * A mapping changed or removed under the pmap lock loses its pv entry
 * only after the shootdown that the change made due (pmap_shootdown_due;
 * in pmap_remove once per batch of pages): a walk of the page that finds
 * no entry returns at once, and must not return while a CPU may still be
 * using the old translation.
 *
 * Lock order: pmap lock -> pv list lock.  Functions that start from a page
 * (remove_all, remove_write, ...) hold its pv lock and only try-lock each
 * pmap; on failure they drop the pv lock, take the pmap lock, retake the
 * pv lock and start over if the list changed meanwhile (md.pv_gen), as
 * FreeBSD's amd64 pmap does.
 *
 * The translation cache (TLB).  Each CPU slot has a small direct-mapped
 * cache of translations, used only by pmap_soft_copy() (copyin, copyout,
 * the fault path's accesses) inside a critical section, so an entry is
 * only ever read and written by the thread that owns the slot: entries
 * are plain data.  An entry is tagged with its page's va and with the
 * generation of its pmap, pm_gen, read when the copy began; it holds the
 * page's direct-map address and the accesses it allows.  Generations come
 * from one global 64-bit counter and are never reused, so an entry can
 * match only the pmap instance that filled it, even if that pmap is freed
 * and another is allocated at the same address.
 *
 * Invariants (what makes skipping the page-table walk sound):
 *   (T1) an entry is filled only after the walker has set A in the PTE,
 *	  and allows writes only if the PTE had RW and M (the walker sets M
 *	  on a write access), as hardware sets the dirty bit before caching a
 *	  writable translation.  A write through a cached entry is therefore
 *	  always already recorded in M.
 *   (T2) whenever the pmap lock is free, no live entry (tag generation ==
 *	  pm_gen) allows more than its PTE does, and every live entry's PTE
 *	  has A set (and M, if the entry allows writing).
 *   (T3) once an operation that weakened a translation (remove, protect,
 *	  remove_all, remove_write, enter replacing a mapping or dropping
 *	  rights, clear_modify, ts_referenced) has returned, no copy that
 *	  used the old translation is still running.
 *
 * Shootdown.  Code that weakens a PTE under the pmap lock sets
 * pm_inval; PMAP_UNLOCK then shoots down before releasing the lock, so
 * (T2) and (T3) hold at every unlock, and one operation over many pages
 * pays once.  A PTE whose A bit was clear needs no shootdown: by (T2) no
 * live entry can map it, and a walker racing to set A either loses its
 * compare-and-swap to our change or has set A before our atomic swap
 * reads the old PTE, which then shows A.
 *
 * The shootdown: (1) give the pmap a fresh generation (every CPU's
 * entries for it die at once, nothing on the other CPUs is touched),
 * (2) wait for every slot that may be inside a copy on this pmap with
 * the old generation.  Each slot publishes pc_pmap (the pmap of its
 * current or last copy) and pc_seq (odd while inside a copy; only the
 * owner of the slot writes either).
 *
 *	copier (slot owner)			shooter (pmap lock held)
 *	store pc_pmap = P      (release)	change the PTEs
 *	store pc_seq = s odd   (seq_cst)	store pm_gen = g' (seq_cst)
 *	load  pm_gen           (seq_cst)	s = load pc_seq   (seq_cst)
 *	look up / walk, memcpy			if s odd and load pc_pmap
 *	store pc_seq = s + 1   (release)	  (acquire) == P: spin until
 *						  load pc_seq (acquire) != s
 *
 * Memory ordering.  The two seq_cst store/load pairs are Dekker's: in the
 * single total order of seq_cst operations, either the copier's pm_gen
 * load comes after the shooter's store, or the shooter's pc_seq load
 * comes after the copier's odd store.
 *   - Copier read g': its acquire of pm_gen synchronises with the
 *     shooter's store, which follows the PTE changes; its entry lookup
 *     with g' misses anything older, and its walk sees the new PTEs.
 *   - Copier read the old generation: then the shooter's pc_seq load
 *     returns s or a later value.  A later value was written (release)
 *     after this copy ended: the acquire makes the copy happen before the
 *     shooter returns.  s itself is odd; the acquire load of pc_pmap then
 *     sees P, or a later copy's value, which was stored (release) after
 *     this copy ended.  Either way the shooter skips only slots whose
 *     copy has finished (happens-before) or is on another pmap, and waits
 *     for a pc_seq change, again acquired from a store after the copy.
 * The entry such a copy may fill carries the old generation and is dead.
 * Slot hand-over between threads is release/acquire (critical_exit,
 * critical_enter), so these arguments hold across threads of one slot.
 * The waiter spins with sched_yield, holding the pmap lock and possibly
 * pv and object locks; a copier marked in a copy takes no lock and never
 * sleeps (it walks page tables, which are never freed under it, and calls
 * memcpy on direct-map memory), so the wait is bounded by the copies in
 * flight.  The waiter is never in a critical section (it holds sleepable
 * locks), so it cannot be waiting for its own slot.
 *
 * What this cut leaves out: superpage (L2 "large") mappings: psind must
 * be 0.  pmap_soft_access() remains as the bare walker (an access check
 * that returns a physical address); the address it returns is not
 * covered by any shootdown, so data must move through pmap_soft_copy().
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <sys/systm.h>
#include <sys/malloc.h>
#include <uma.h>
#include <sys/mutex.h>
#include <sys/pcpu.h>
#include <sys/proc.h>
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

/*
 * Locking legend:
 *	(c)	constant while the pmap exists
 *	(a)	atomic
 *	(pm_mtx) the pmap lock
 */
struct pmap {
	struct mtx	pm_mtx;
	_Atomic int	pm_walkers;	/* (a) pv walks about to lock it */
	vm_page_t	pm_root;	/* (c) L4 table page */
	/* (a) TLB generation: written under pm_mtx, read by copiers */
	_Atomic uint64_t pm_gen;
	bool		pm_inval;	/* (pm_mtx) a shootdown is due */
	long		pm_wired;	/* (pm_mtx) wired leaf mappings */
};

struct pv_entry {
	pmap_t		pv_pmap;	/* (pv) */
	vm_offset_t	pv_va;		/* (pv) */
	TAILQ_ENTRY(pv_entry) pv_link;	/* (pv) */
};

/*
 * A cache line each: CPUs faulting in different pages take different
 * locks, and would still share lines if the locks were packed.
 */
#define	PV_LOCKS	64
static struct pv_lock {
	struct mtx	pl_mtx;
} __aligned(CACHE_LINE_SIZE) pv_locks[PV_LOCKS];

static inline struct mtx *
pv_lock(vm_page_t m)
{
	return (&pv_locks[atop(VM_PAGE_TO_PHYS(m)) % PV_LOCKS].pl_mtx);
}

/*
 * The per-CPU translation cache (see the top).  PMAP_TLB_SIZE entries,
 * direct-mapped by the page number xor the generation (so that two address
 * spaces using the same addresses do not always evict each other).
 */
#define	PMAP_TLB_SIZE	64
CTASSERT(powerof2(PMAP_TLB_SIZE));

/*
 * One cached translation.  te_vap is the page's va with the accesses the
 * entry allows (VM_PROT_READ/WRITE/EXECUTE) in its low bits: one word
 * loaded serves both the page check and the right check.
 *
 * Locking legend: (o) the owner of the CPU slot (critical section).
 */
struct pmap_tlbe {
	vm_offset_t	te_vap;		/* (o) page va | VM_PROT_* allowed */
	uint64_t	te_gen;		/* (o) pm_gen at the fill; 0: empty */
	char		*te_kva;	/* (o) direct-map address of the page */
};
CTASSERT((VM_PROT_ALL & ~PAGE_MASK) == 0);

/*
 * Per-CPU TLB state, one cache-line-padded element per slot.
 *
 * Locking legend:
 *	(o)	written only by the owner of the CPU slot; read by shooters
 *		(atomic) where marked (a)
 */
struct pmap_cpu {
	_Atomic uint64_t pc_seq;	/* (o, a) odd while inside a copy */
	_Atomic(pmap_t)	pc_pmap;	/* (o, a) pmap of the current copy */
	_Atomic uint64_t pc_misses;	/* (o, a) walks (statistics) */
	struct pmap_tlbe pc_tlb[PMAP_TLB_SIZE];	/* (o) */
};

static void		*pmap_cpus;	/* pcpu_zalloc'ed struct pmap_cpu */
static _Atomic uint64_t	pmap_gen_next;	/* never reset: gens are unique */
static _Atomic uint64_t	pmap_nshootdowns; /* statistics */
static _Atomic uint64_t	pmap_nshootwaits;

#define	PMAP_CPU(c)	PCPU_ELEM(pmap_cpus, struct pmap_cpu, (c))

static void	pmap_unlock(pmap_t pmap);

#define	PMAP_LOCK(p)	mtx_lock(&(p)->pm_mtx)
#define	PMAP_UNLOCK(p)	pmap_unlock(p)
#define	PMAP_TRYLOCK(p)	mtx_trylock(&(p)->pm_mtx)
#define	PMAP_ASSERT_LOCKED(p) mtx_assert(&(p)->pm_mtx, MA_OWNED)

/*
 * pv entries come from the "PV ENTRY" zone, without sleeping and before
 * pmap_enter changes anything, so that running out of memory is a
 * KERN_RESOURCE_SHORTAGE the fault handler waits out, not a panic.  They
 * go back to the zone as mappings are removed.
 */
static uma_zone_t pv_zone;		/* (c) after pmap_init */
static uma_zone_t pmap_zone;		/* (c) */

static inline _Atomic pt_entry_t *
pt_table(vm_paddr_t pa)
{
	return ((_Atomic pt_entry_t *)PHYS_TO_DMAP(pa));
}

/* A leaf PTE's table gains (1) or loses (-1) a valid entry. */
static inline void
pt_count(_Atomic pt_entry_t *pte, int delta)
{
	vm_page_t tm;

	tm = PHYS_TO_VM_PAGE(DMAP_TO_PHYS(pte) & ~(vm_paddr_t)PAGE_MASK);
	atomic_fetch_add_explicit(&tm->md.pt_valid, delta,
	    memory_order_relaxed);
}

void
pmap_init(void)
{
	int i;

	for (i = 0; i < PV_LOCKS; i++)
		mtx_init(&pv_locks[i].pl_mtx, "pmap pv list", NULL,
		    MTX_DUPOK);
	/* Zeroed: te_gen 0 is never a generation, so every entry is empty. */
	pmap_cpus = pcpu_zalloc(sizeof(struct pmap_cpu));
	pv_zone = uma_zcreate("PV ENTRY", sizeof(struct pv_entry), NULL,
	    NULL, NULL, NULL, UMA_ALIGN_PTR, UMA_ZONE_VM);
	pmap_zone = uma_zcreate("PMAP", sizeof(struct pmap), NULL, NULL, NULL,
	    NULL, UMA_ALIGN_CACHE, UMA_ZONE_VM);
	if (pv_zone == NULL || pmap_zone == NULL)
		panic("%s: cannot create the pmap zones", __func__);
}

void
pmap_fini(void)
{
	int i;

	for (i = 0; i < PV_LOCKS; i++)
		mtx_destroy(&pv_locks[i].pl_mtx);
	pcpu_free(pmap_cpus);
	pmap_cpus = NULL;
}

/* A generation no pmap has had before (never 0). */
static uint64_t
pmap_gen_alloc(void)
{
	/* Only uniqueness matters here: the ordering is pm_gen's. */
	return (atomic_fetch_add_explicit(&pmap_gen_next, 1,
	    memory_order_relaxed) + 1);
}

/*
 * Invalidate every CPU's cached translations of pmap and wait for the
 * copies that may still be using one (the protocol and its ordering are
 * at the top of the file).
 */
static void
pmap_shootdown(pmap_t pmap)
{
	struct pmap_cpu *pc;
	uint64_t s;
	int c, spins;

	PMAP_ASSERT_LOCKED(pmap);
	KASSERT(!td_in_critical(), ("%s: in a critical section", __func__));
	atomic_fetch_add_explicit(&pmap_nshootdowns, 1, memory_order_relaxed);
	atomic_store_explicit(&pmap->pm_gen, pmap_gen_alloc(),
	    memory_order_seq_cst);
	for (c = 0; c < mp_ncpus; c++) {
		pc = PMAP_CPU(c);
		s = atomic_load_explicit(&pc->pc_seq, memory_order_seq_cst);
		if ((s & 1) == 0 || atomic_load_explicit(&pc->pc_pmap,
		    memory_order_acquire) != pmap)
			continue;
		/*
		 * Wait for this copy only: the next one on the slot reads
		 * the new generation, so a busy copier cannot starve us.
		 */
		atomic_fetch_add_explicit(&pmap_nshootwaits, 1,
		    memory_order_relaxed);
		for (spins = 0; atomic_load_explicit(&pc->pc_seq,
		    memory_order_acquire) == s; spins++) {
			if (spins < 100)
				cpu_spinwait();
			else
				sched_yield();
		}
	}
}

/*
 * Drop the pmap lock, shooting down first if a translation was weakened
 * while it was held: (T2) holds whenever the lock is free.
 */
static void
pmap_unlock(pmap_t pmap)
{
	if (__predict_false(pmap->pm_inval)) {
		pmap->pm_inval = false;
		pmap_shootdown(pmap);
	}
	mtx_unlock(&pmap->pm_mtx);
}

/*
 * A PTE of pmap went from old to new (pmap lock held).  If some CPU may
 * cache a right that new no longer grants (or a frame it no longer
 * maps), schedule a shootdown.  By (T1)/(T2) only a PTE with A set can be
 * cached, and a writable entry exists only while RW and M are both set:
 * clearing RW when M is clear leaves read entries that are still right.
 * (pmap_protect clears RW and leaves M, so RW with M set counts.)
 */
static inline void
pmap_pte_weakened(pmap_t pmap, pt_entry_t old, pt_entry_t new)
{
	if ((old & PG_A) != 0 &&
	    ((old & ~new & (PG_V | PG_A | PG_M | PG_X)) != 0 ||
	    ((old & PG_M) != 0 && (old & ~new & PG_RW) != 0) ||
	    ((old ^ new) & PG_FRAME) != 0))
		pmap->pm_inval = true;
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
		atomic_store_explicit(&m->md.pt_valid, 0,
		    memory_order_relaxed);
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
		/* Bounded: wait once for the page daemon, then give up. */
		(void)vm_wait_timo(1000);
		pmap->pm_root = pmap_alloc_table(false);
		if (pmap->pm_root == NULL)
			return (ENOMEM);
	}
	mtx_init(&pmap->pm_mtx, "pmap", NULL, MTX_DUPOK);
	/* Fresh: no CPU holds an entry of an earlier pmap at this address. */
	atomic_init(&pmap->pm_gen, pmap_gen_alloc());
	return (0);
}

pmap_t
pmap_create(void)
{
	pmap_t pmap;

	pmap = uma_zalloc(pmap_zone, M_WAITOK);
	if (pmap_pinit(pmap) != 0) {
		uma_zfree(pmap_zone, pmap);
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
	KASSERT(pmap_resident_count(pmap) == 0, ("%s: pmap %p has %ld "
	    "mappings", __func__, (void *)pmap, pmap_resident_count(pmap)));
	/* A pv walk may still be on its way to this pmap's lock. */
	PMAP_LOCK(pmap);
	while (atomic_load(&pmap->pm_walkers) != 0) {
		PMAP_UNLOCK(pmap);
		sched_yield();
		PMAP_LOCK(pmap);
	}
	PMAP_UNLOCK(pmap);
#ifdef INVARIANTS
	{
		struct pmap_cpu *pc;
		int c;

		/* The caller's contract: nobody copies through it any more. */
		for (c = 0; c < mp_ncpus; c++) {
			pc = PMAP_CPU(c);
			KASSERT((atomic_load(&pc->pc_seq) & 1) == 0 ||
			    atomic_load(&pc->pc_pmap) != pmap,
			    ("%s: cpu %d copies through pmap %p", __func__,
			    c, (void *)pmap));
		}
	}
#endif
	pmap_free_tables(VM_PAGE_TO_PHYS(pmap->pm_root), 4);
	pmap->pm_root = NULL;
	mtx_destroy(&pmap->pm_mtx);
}

void
pmap_destroy(pmap_t pmap)
{
	pmap_remove(pmap, 0, (vm_offset_t)1 << 48);
	pmap_release(pmap);
	uma_zfree(pmap_zone, pmap);
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
	vm_page_t tm;
	int lvl;

	if (va >= (vm_offset_t)1 << 48)
		return (NULL);
	t = pt_table(VM_PAGE_TO_PHYS(pmap->pm_root));
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
			}
			tm = nt[0];
			e = VM_PAGE_TO_PHYS(tm) | PG_V | PG_RW | PG_U;
			/* Publish zeroed tables: release. */
			atomic_store_explicit(slot, e, memory_order_release);
			t = pt_table(VM_PAGE_TO_PHYS(nt[n - 1]));
			return (&t[PT_INDEX(va, L1_SHIFT)]);
		}
		t = pt_table(e & PG_FRAME);
	}
	return (&t[PT_INDEX(va, L1_SHIFT)]);
}

/*
 * Link pv, taken from the zone, as (pmap, va) on m's list, ahead of the
 * PTE's CAS; pv_commit_locked then moves pv_gen if the CAS succeeded, or
 * unlinks the entry: unlinked under the same hold of the lock, it was
 * never seen, and no walk need restart for it.
 */
static void
pv_link_locked(struct pv_entry *pv, pmap_t pmap, vm_offset_t va,
    vm_page_t m)
{
	mtx_assert(pv_lock(m), MA_OWNED);
	pv->pv_pmap = pmap;
	pv->pv_va = va;
	TAILQ_INSERT_TAIL(&m->md.pv_list, pv, pv_link);
}

static void
pv_commit_locked(struct pv_entry *pv, vm_page_t m, bool ok)
{
	mtx_assert(pv_lock(m), MA_OWNED);
	if (ok)
		m->md.pv_gen++;
	else
		TAILQ_REMOVE(&m->md.pv_list, pv, pv_link);
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
	uma_zfree(pv_zone, pv);
}

/* Hand a dying or downgraded PTE's A and M bits to its page. */
static void
pmap_sync_bits(pt_entry_t old, vm_page_t m)
{
	/* M may outlive RW: pmap_protect leaves it (see there). */
	if ((old & PG_M) != 0)
		vm_page_dirty(m);
	if ((old & PG_A) != 0)
		vm_page_aflag_set(m, PGA_REFERENCED);
}

/*
 * Clear one valid leaf PTE of pmap (pmap lock held) and hand its A and M
 * bits to its page; returns the old PTE.  The page's pv entry is left to
 * the caller: it may go only once the translation is shot down (below).
 */
static pt_entry_t
pmap_clear_pte(pmap_t pmap, _Atomic pt_entry_t *pte)
{
	pt_entry_t old;

	PMAP_ASSERT_LOCKED(pmap);
	old = atomic_exchange(pte, 0);
	KASSERT((old & PG_V) != 0, ("%s: invalid pte", __func__));
	pmap_pte_weakened(pmap, old, 0);
	pt_count(pte, -1);
	if ((old & PG_W) != 0)
		pmap->pm_wired--;
	if ((old & PG_MG) != 0)
		pmap_sync_bits(old, PHYS_TO_VM_PAGE(old & PG_FRAME));
	return (old);
}

/*
 * Shoot down now if a translation was weakened; called before a changed
 * mapping's pv entry goes.  A page walk (pmap_remove_all,
 * pmap_remove_write) that no longer finds the entry returns at once, and
 * must not return while some CPU may still use the old translation
 * (FreeBSD's delayed invalidation solves the same problem).
 */
static void
pmap_shootdown_due(pmap_t pmap)
{
	PMAP_ASSERT_LOCKED(pmap);
	if (pmap->pm_inval) {
		pmap->pm_inval = false;
		pmap_shootdown(pmap);
	}
}

/*
 * Install new in the zero PTE pte, with m's pv entry pv (NULL for an
 * unmanaged page) linked first, both under m's pv lock (see the top for
 * why that order and that lock), and count it in its table.  False, with
 * nothing changed, when the PTE is no longer zero.  The count goes up
 * before the CAS (down again if it fails): a removal, which can only
 * follow a successful CAS, then never finds the table's count short.
 */
static __always_inline bool
pmap_enter_zero(_Atomic pt_entry_t *pte, pt_entry_t new, pmap_t pmap,
    vm_offset_t va, vm_page_t m, struct pv_entry *pv)
{
	pt_entry_t zero = 0;
	bool ok;

	pt_count(pte, 1);
	if (pv != NULL) {
		mtx_lock(pv_lock(m));
		pv_link_locked(pv, pmap, va, m);
	}
	ok = atomic_compare_exchange_strong_explicit(pte, &zero, new,
	    memory_order_release, memory_order_relaxed);
	if (pv != NULL) {
		pv_commit_locked(pv, m, ok);
		mtx_unlock(pv_lock(m));
	}
	if (!ok)
		pt_count(pte, -1);
	return (ok);
}

/*
 * Replace the valid PTE old, of another page, by new (pmap lock held):
 * copy on write.  m's pv entry pv (NULL: unmanaged) is linked under its
 * pv lock first, as for a zero PTE; the old page gets the old PTE's A and
 * M, and loses its entry after the shootdown.  Page walks of the old page
 * need this pmap's lock, which we hold, so none sees the PTE in between.
 * False, with nothing changed, when the PTE is no longer old: only the
 * access path may change it meanwhile (its A and M bits), and the
 * caller's loop takes them in.
 */
static bool
pmap_replace(_Atomic pt_entry_t *pte, pt_entry_t old, pt_entry_t new,
    pmap_t pmap, vm_offset_t va, vm_page_t m, struct pv_entry *pv)
{
	vm_page_t om;
	bool ok;

	PMAP_ASSERT_LOCKED(pmap);
	if (pv != NULL) {
		mtx_lock(pv_lock(m));
		pv_link_locked(pv, pmap, va, m);
	}
	ok = atomic_compare_exchange_strong(pte, &old, new);
	if (pv != NULL) {
		pv_commit_locked(pv, m, ok);
		mtx_unlock(pv_lock(m));
	}
	if (!ok)
		return (false);
	pmap_pte_weakened(pmap, old, new);
	if ((old & PG_W) != 0)
		pmap->pm_wired--;
	if ((old & PG_MG) != 0) {
		om = PHYS_TO_VM_PAGE(old & PG_FRAME);
		pmap_sync_bits(old, om);
		pmap_shootdown_due(pmap);
		mtx_lock(pv_lock(om));
		pv_remove_locked(pmap, va, om);
		mtx_unlock(pv_lock(om));
	}
	return (true);
}

/*
 * Same page (pmap lock held): new protection and wiring, keep A and M.
 * The access path sets A and M without the pmap lock: swap with a CAS so
 * that a bit it sets meanwhile is not lost.
 */
static void
pmap_enter_same(pmap_t pmap, _Atomic pt_entry_t *pte, pt_entry_t old,
    pt_entry_t new)
{
	pt_entry_t upd;

	PMAP_ASSERT_LOCKED(pmap);
	do {
		upd = new | (old & (PG_A | PG_M));
	} while (!atomic_compare_exchange_weak(pte, &old, upd));
	pmap_pte_weakened(pmap, old, upd);
	if ((old & PG_W) != (new & PG_W))
		pmap->pm_wired += (new & PG_W) ? 1 : -1;
}

int
pmap_enter(pmap_t pmap, vm_offset_t va, vm_page_t m, vm_prot_t prot,
    u_int flags, int8_t psind)
{
	_Atomic pt_entry_t *pte;
	pt_entry_t old, new;
	struct pv_entry *pv = NULL;
	bool managed = (m->oflags & VPO_UNMANAGED) == 0;
	int rv;

	KASSERT(psind == 0, ("%s: superpage mappings not supported", __func__));
	/* A table walk would fail for good: the caller's bug, said loudly. */
	if ((va & PAGE_MASK) != 0 || va >= (vm_offset_t)1 << 48)
		panic("%s: bad va %#jx", __func__, (uintmax_t)va);
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
	/* A new unwired mapping over a zero PTE: no pmap lock (see the top). */
	pte = pmap_pte(pmap, va, false);
	if ((new & PG_W) == 0 && pte != NULL &&
	    atomic_load_explicit(pte, memory_order_relaxed) == 0 &&
	    (!managed || (pv = uma_zalloc(pv_zone, M_NOWAIT)) != NULL) &&
	    pmap_enter_zero(pte, new, pmap, va, m, pv))
		return (KERN_SUCCESS);
	PMAP_LOCK(pmap);
	for (;;) {
		/*
		 * The tables, and a pv entry if the page gains a mapping,
		 * first, without sleeping: nothing changes on failure.
		 */
		if (pte != NULL || (pte = pmap_pte(pmap, va, true)) != NULL) {
			old = atomic_load(pte);
			if ((old & PG_V) != 0 &&
			    (flags & PMAP_ENTER_NOREPLACE) != 0) {
				rv = KERN_FAILURE;
				goto out;
			}
			if ((old & PG_V) != 0 &&
			    (old & PG_FRAME) == VM_PAGE_TO_PHYS(m)) {
				pmap_enter_same(pmap, pte, old, new);
				rv = KERN_SUCCESS;
				goto out;
			}
			if (!managed || pv != NULL ||
			    (pv = uma_zalloc(pv_zone, M_NOWAIT)) != NULL) {
				if ((old & PG_V) == 0) {
					KASSERT(old == 0, ("%s: invalid PTE "
					    "%#jx is not zero", __func__,
					    (uintmax_t)old));
					/* A lock-free entry may fill it. */
					if (pmap_enter_zero(pte, new, pmap, va,
					    m, pv))
						break;
				} else if (pmap_replace(pte, old, new, pmap,
				    va, m, pv))
					break;
				continue;
			}
		}
		/* No page-table page or no pv entry to be had. */
		if ((flags & PMAP_ENTER_NOSLEEP) != 0) {
			rv = KERN_RESOURCE_SHORTAGE;
			goto out;
		}
		PMAP_UNLOCK(pmap);
		vm_wait();
		PMAP_LOCK(pmap);
	}
	if ((new & PG_W) != 0)
		pmap->pm_wired++;
	PMAP_UNLOCK(pmap);
	return (KERN_SUCCESS);
out:
	PMAP_UNLOCK(pmap);
	if (pv != NULL)
		uma_zfree(pv_zone, pv);
	return (rv);
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
 * L2/L3/L4 span at a time.  One walk per leaf table: its 512 entries are
 * then visited in place (a fork write-protects a 1 GiB space in one
 * pass of 512 tables, not 262,144 walks).
 */
static void
pmap_range(pmap_t pmap, vm_offset_t sva, vm_offset_t eva,
    void (*fn)(pmap_t, vm_offset_t, _Atomic pt_entry_t *, void *),
    void *arg)
{
	_Atomic pt_entry_t *pte, *l1;
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
		/* The rest of this leaf table, up to eva. */
		l1 = pte - PT_INDEX(va, L1_SHIFT);
		next = (va + ((vm_offset_t)1 << L2_SHIFT)) &
		    ~(((vm_offset_t)1 << L2_SHIFT) - 1);
		if (next > eva || next <= va)
			next = eva;
		for (; va < next; va += PAGE_SIZE) {
			pte = &l1[PT_INDEX(va, L1_SHIFT)];
			if ((atomic_load_explicit(pte, memory_order_relaxed) &
			    PG_V) != 0)
				fn(pmap, va, pte, arg);
		}
	}
}

/*
 * pmap_remove clears PTEs in batches: the batch's pv entries go after one
 * shootdown for the batch (pmap_shootdown_due), not one per page.  (A
 * shootdown looks at every CPU slot: an unmap of 1 GiB pays 1,024 of
 * them, each a few hundred loads at most.)
 */
#define	PMAP_RM_BATCH	256

struct pmap_rm_batch {
	int		n;
	vm_offset_t	va[PMAP_RM_BATCH];
	vm_page_t	m[PMAP_RM_BATCH];
};

static void
pmap_rm_flush(pmap_t pmap, struct pmap_rm_batch *b)
{
	int i;

	pmap_shootdown_due(pmap);
	for (i = 0; i < b->n; i++) {
		mtx_lock(pv_lock(b->m[i]));
		pv_remove_locked(pmap, b->va[i], b->m[i]);
		mtx_unlock(pv_lock(b->m[i]));
	}
	b->n = 0;
}

static void
pmap_remove_cb(pmap_t pmap, vm_offset_t va, _Atomic pt_entry_t *pte,
    void *arg)
{
	struct pmap_rm_batch *b = arg;
	pt_entry_t old;

	old = pmap_clear_pte(pmap, pte);
	if ((old & PG_MG) == 0)
		return;
	b->va[b->n] = va;
	b->m[b->n] = PHYS_TO_VM_PAGE(old & PG_FRAME);
	if (++b->n == PMAP_RM_BATCH)
		pmap_rm_flush(pmap, b);
}

void
pmap_remove(pmap_t pmap, vm_offset_t sva, vm_offset_t eva)
{
	struct pmap_rm_batch b;

	b.n = 0;
	PMAP_LOCK(pmap);
	pmap_range(pmap, sva, eva, pmap_remove_cb, &b);
	pmap_rm_flush(pmap, &b);
	PMAP_UNLOCK(pmap);
}

static void
pmap_protect_cb(pmap_t pmap, vm_offset_t va __unused,
    _Atomic pt_entry_t *pte, void *arg)
{
	vm_prot_t prot = *(vm_prot_t *)arg;
	pt_entry_t old, new;

	/*
	 * Write access goes, the modified bit stays: it still says the page
	 * was written through this mapping, and pmap_is_modified, the
	 * removal of the mapping and pmap_clear_modify read it there.  Not
	 * moving it to the vm_page here spares a fork one page-structure
	 * miss per resident page.
	 */
	old = atomic_load(pte);
	do {
		new = old;
		if ((prot & VM_PROT_WRITE) == 0)
			new &= ~PG_RW;
		if ((prot & VM_PROT_EXECUTE) == 0)
			new &= ~PG_X;
	} while (new != old && !atomic_compare_exchange_weak(pte, &old, new));
	pmap_pte_weakened(pmap, old, new);
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
	/*
	 * Nothing is ever deferred: every operation that weakens a
	 * translation shoots it down before it drops the pmap lock.
	 */
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
		KASSERT(pte != NULL && (atomic_load(pte) & PG_V) != 0 &&
		    (atomic_load(pte) & PG_FRAME) == VM_PAGE_TO_PHYS(m),
		    ("%s: pv without its mapping", __func__));
		if (!fn(pmap, pv->pv_va, pte, arg)) {
			PMAP_UNLOCK(pmap);
			break;
		}
		PMAP_UNLOCK(pmap);
	}
	mtx_unlock(lock);
}

/*
 * Every mapping of the page: the walk holds the page's pv lock until each
 * pmap's unlock has shot down, so no other walk of the page sees the
 * entries gone before the translations are.
 */
static bool
pmap_remove_all_cb(pmap_t pmap, vm_offset_t va, _Atomic pt_entry_t *pte,
    void *arg __unused)
{
	pt_entry_t old;

	old = pmap_clear_pte(pmap, pte);
	if ((old & PG_MG) != 0)
		pv_remove_locked(pmap, va, PHYS_TO_VM_PAGE(old & PG_FRAME));
	return (true);
}

void
pmap_remove_all(vm_page_t m)
{
	pmap_pv_foreach(m, pmap_remove_all_cb, NULL);
}

/*
 * Unlike pmap_protect, remove_write hands the modified bit to the page:
 * its callers (cleaning a page before I/O) want the page's own dirty
 * state complete, and no mapping left that could dirty it unseen.
 */
static bool
pmap_remove_write_cb(pmap_t pmap, vm_offset_t va __unused,
    _Atomic pt_entry_t *pte, void *arg __unused)
{
	pt_entry_t old, new;

	old = atomic_load(pte);
	do {
		new = old & ~(PG_RW | PG_M);
	} while (new != old && !atomic_compare_exchange_weak(pte, &old, new));
	pmap_pte_weakened(pmap, old, new);
	if ((old & PG_MG) != 0 && (old & PG_M) != 0)
		vm_page_dirty(PHYS_TO_VM_PAGE(old & PG_FRAME));
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
pmap_clear_bit_cb(pmap_t pmap, vm_offset_t va __unused,
    _Atomic pt_entry_t *pte, void *arg)
{
	struct { pt_entry_t bit; int count; } *a = arg;
	pt_entry_t old;

	old = atomic_fetch_and(pte, ~a->bit);
	if ((old & a->bit) != 0) {
		a->count++;
		/* The next access must walk and set the bit again. */
		pmap_pte_weakened(pmap, old, old & ~a->bit);
	}
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
	/*
	 * Modified "through this mapping" only while it is writable, as on
	 * FreeBSD: a write-protected PTE keeps PG_M for pmap_is_modified(),
	 * which the caller reports as MODIFIED_OTHER.
	 */
	if ((e & (PG_M | PG_RW)) == (PG_M | PG_RW))
		val |= MINCORE_MODIFIED | MINCORE_MODIFIED_OTHER;
	if ((e & PG_A) != 0)
		val |= MINCORE_REFERENCED | MINCORE_REFERENCED_OTHER;
	/* The caller looks at the page's other mappings for the rest. */
	if ((e & PG_MG) != 0 && pap != NULL)
		*pap = e & PG_FRAME;
	return (val);
}

/*
 * The valid leaf entries below (and including) the table at pa, at level
 * lvl: the sum of the leaf tables' counts.  A walk of the tables, as the
 * count is needed rarely (procstat, the OOM killer's choice, a core
 * dump) and the faults should not share a counter.
 */
static long
pmap_count_tables(vm_paddr_t pa, int lvl)
{
	_Atomic pt_entry_t *t = pt_table(pa);
	pt_entry_t e;
	long n = 0;
	int i;

	if (lvl == 1)
		return (atomic_load_explicit(&PHYS_TO_VM_PAGE(pa)->md.pt_valid,
		    memory_order_relaxed));
	for (i = 0; i < NPTEPG; i++) {
		e = atomic_load_explicit(&t[i], memory_order_acquire);
		if ((e & PG_V) != 0)
			n += pmap_count_tables(e & PG_FRAME, lvl - 1);
	}
	return (n);
}

long
pmap_resident_count(pmap_t pmap)
{
	return (pmap_count_tables(VM_PAGE_TO_PHYS(pmap->pm_root), 4));
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

/*
 * The walker: check an access of type access against the PTE for va and
 * set A (and M for a write) as hardware would.  On success *ep is the PTE
 * as it now stands.  Takes no lock: tables live until pmap_release.
 */
static int
pmap_walk(pmap_t pmap, vm_offset_t va, vm_prot_t access, pt_entry_t *ep)
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
	*ep = new;
	return (PMAP_ACCESS_OK);
}

int
pmap_soft_access(pmap_t pmap, vm_offset_t va, vm_prot_t access,
    vm_paddr_t *pap)
{
	pt_entry_t e;
	int rv;

	rv = pmap_walk(pmap, va, access, &e);
	if (rv == PMAP_ACCESS_OK)
		*pap = (e & PG_FRAME) | (va & PAGE_MASK);
	return (rv);
}

/*
 * Entering and leaving a copy (see the top for the ordering).  Only the
 * slot's owner writes pc_seq, so leaving re-reads it rather than keeping
 * the value live across the memcpy.
 */
static inline struct pmap_cpu *
pmap_copy_enter(pmap_t pmap, uint64_t *genp)
{
	struct pmap_cpu *pc;
	uint64_t seq;

	critical_enter();
	pc = PMAP_CPU(curcpu_crit());
	seq = atomic_load_explicit(&pc->pc_seq, memory_order_relaxed);
	atomic_store_explicit(&pc->pc_pmap, pmap, memory_order_release);
	atomic_store_explicit(&pc->pc_seq, seq + 1, memory_order_seq_cst);
	*genp = atomic_load_explicit(&pmap->pm_gen, memory_order_seq_cst);
	return (pc);
}

static inline void
pmap_copy_exit(struct pmap_cpu *pc)
{
	/* Release: the copy happens before a shooter's acquire of pc_seq. */
	atomic_store_explicit(&pc->pc_seq, atomic_load_explicit(&pc->pc_seq,
	    memory_order_relaxed) + 1, memory_order_release);
	critical_exit();
}

static inline struct pmap_tlbe *
pmap_tlb_slot(struct pmap_cpu *pc, vm_offset_t va, uint64_t gen)
{
	return (&pc->pc_tlb[(atop(va) ^ gen) & (PMAP_TLB_SIZE - 1)]);
}

static inline bool
pmap_tlb_hit(const struct pmap_tlbe *te, vm_offset_t va, vm_prot_t access,
    uint64_t gen)
{
	/* Same page: te_vap and va differ only below PAGE_SHIFT. */
	return (te->te_gen == gen && ((te->te_vap ^ va) >> PAGE_SHIFT) == 0 &&
	    (te->te_vap & access) != 0);
}

static inline void
pmap_copy_bytes(char *kva, void *buf, size_t len, vm_prot_t access)
{
	/* len 0 may come with buf NULL, which memcpy must not see. */
	if (__predict_false(len == 0))
		return;
	if (access == VM_PROT_WRITE)
		memcpy(kva, buf, len);
	else
		memcpy(buf, kva, len);
}

/*
 * A TLB miss (or an access the entry does not allow): walk, and on success
 * refill te with what the PTE now grants, copy, and leave the copy.  Still
 * inside the copy, so nothing here may block.  (T1): the walk has set A
 * (and M for a write); the entry allows writes only if the PTE has M.
 */
static int __attribute__((__noinline__))
pmap_copy_miss(pmap_t pmap, struct pmap_cpu *pc, vm_offset_t va, void *buf,
    size_t len, vm_prot_t access, uint64_t gen)
{
	struct pmap_tlbe *te = pmap_tlb_slot(pc, va, gen);
	pt_entry_t e;
	vm_prot_t allow;
	int rv;

	/* Only this slot's owner writes it: no read-modify-write needed. */
	atomic_store_explicit(&pc->pc_misses, atomic_load_explicit(
	    &pc->pc_misses, memory_order_relaxed) + 1, memory_order_relaxed);
	rv = pmap_walk(pmap, va, access, &e);
	if (rv == PMAP_ACCESS_OK) {
		allow = VM_PROT_READ;
		if ((e & PG_X) != 0)
			allow |= VM_PROT_EXECUTE;
		if ((e & (PG_RW | PG_M)) == (PG_RW | PG_M))
			allow |= VM_PROT_WRITE;
		te->te_vap = trunc_page(va) | allow;
		te->te_gen = gen;
		te->te_kva = PHYS_TO_DMAP(e & PG_FRAME);
		pmap_copy_bytes(te->te_kva + (va & PAGE_MASK), buf, len,
		    access);
	}
	pmap_copy_exit(pc);
	return (rv);
}

/*
 * The hot path (copyin/copyout): a hit is a critical section, two
 * publishing stores, a load of the generation, one tag compare, the
 * memcpy and a releasing store.
 */
int
pmap_soft_copy(pmap_t pmap, vm_offset_t va, void *buf, size_t len,
    vm_prot_t access)
{
	struct pmap_cpu *pc;
	struct pmap_tlbe *te;
	uint64_t gen;

	KASSERT(len <= PAGE_SIZE && (va & PAGE_MASK) + len <= PAGE_SIZE,
	    ("%s: [%#jx, +%zu) crosses a page", __func__, (uintmax_t)va, len));
	KASSERT(access == VM_PROT_READ || access == VM_PROT_WRITE ||
	    access == VM_PROT_EXECUTE, ("%s: access %#x", __func__, access));
	KASSERT(len == 0 || buf != NULL, ("%s: no buffer", __func__));
	pc = pmap_copy_enter(pmap, &gen);
	te = pmap_tlb_slot(pc, va, gen);
	if (__predict_false(!pmap_tlb_hit(te, va, access, gen)))
		return (pmap_copy_miss(pmap, pc, va, buf, len, access, gen));
	pmap_copy_bytes(te->te_kva + (va & PAGE_MASK), buf, len, access);
	pmap_copy_exit(pc);
	return (PMAP_ACCESS_OK);
}

void
pmap_soft_tlb_stats(struct pmap_soft_tlb_stats *st)
{
	struct pmap_cpu *pc;
	int c;

	memset(st, 0, sizeof(*st));
	for (c = 0; c < mp_ncpus; c++) {
		pc = PMAP_CPU(c);
		st->copies += atomic_load_explicit(&pc->pc_seq,
		    memory_order_relaxed) / 2;
		st->misses += atomic_load_explicit(&pc->pc_misses,
		    memory_order_relaxed);
	}
	st->shootdowns = atomic_load_explicit(&pmap_nshootdowns,
	    memory_order_relaxed);
	st->shootdown_waits = atomic_load_explicit(&pmap_nshootwaits,
	    memory_order_relaxed);
}
