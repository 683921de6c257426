/*
 * vmem(9): resource arenas with boundary tags (Bonwick and Adams, "Magazines
 * and Vmem", 2001; the interface of FreeBSD's and NetBSD's subr_vmem.c).
 *
 * What it does.  An arena manages integer ranges: spans, added by vmem_add
 * or imported from a parent arena, cut into segments that are free or
 * allocated.  Every span and segment is described by a boundary tag.  All
 * sizes and addresses are multiples of the arena's quantum.
 *
 * Data structures (all under the arena lock):
 *
 *   vm_seglist   every tag in address order; a span's tag comes first and
 *                its segments follow it, covering it exactly.  Free
 *                neighbours inside one span are always merged, never
 *                across spans (an imported span goes back whole).
 *   vm_freelist  free segments by size class: list i holds the segments of
 *                2^i to 2^(i+1)-1 quanta, most recently freed first.
 *   vm_hashlist  allocated segments by start address, for vmem_xfree.
 *                Starts with 16 buckets inside the arena and grows (x4 or
 *                more) into wired pages when it holds more than two tags a
 *                bucket; the new table is built with the lock dropped.
 *
 *   span A                    span B (imported)
 *   [SPAN][busy][free][busy]  [SPAN][free]          <- vm_seglist
 *                 |                   |
 *            freelist[k]         freelist[j]        <- by size class
 *
 * Fit policies.  For n quanta, M_INSTANTFIT starts at the first list whose
 * every member is large enough (n rounded up to a power of two) and takes
 * its first segment that satisfies the constraints: without constraints
 * that is O(1).  If no such list has one it falls back to the best fit in
 * the list below, whose members may or may not be large enough.  M_BESTFIT
 * starts at that lower list and takes the smallest fitting segment of the
 * first list that has one (every member of a higher list is larger).
 * M_FIRSTFIT walks the segment list and takes the lowest address: O(n),
 * for callers that want addresses packed low.  The chosen segment is
 * clipped: the allocation keeps the tag, leftovers before and after get
 * new free tags.
 *
 * Boundary tags.  Clipping needs up to two tags and an import two more, so
 * every operation first makes sure its arena caches BT_MAXALLOC free tags
 * (bt_fill), with the arena lock dropped while it asks UMA's "vmem btag"
 * zone for them.  Tags come from a UMA zone because UMA is where libvm's
 * small kernel objects come from, but UMA must never be what an arena
 * waits on forever, hence a static reserve of VMEM_BT_NSTATIC tags:
 *   - before vmem_bootstrapped() (kernel_arena's own creation at boot)
 *     every tag comes from the reserve, so booting takes no page;
 *   - when the zone cannot give a tag without sleeping (M_NOWAIT, memory
 *     short) the reserve supplies it;
 *   - a thread already inside a tag refill (vmem_bt_refilling) takes the
 *     reserve instead of re-entering UMA.  Today UMA takes its slabs
 *     straight from the page allocator, so this never happens; once UMA
 *     takes slabs from kmem (docs/uma.md, "Later"), refilling the tag zone
 *     allocates a slab, which allocates from kernel_arena, which needs
 *     tags: the nested refill draws on the reserve instead of recursing.
 * Static tags are recognised by address and always go back to the
 * reserve, which so refills itself as arenas shrink; UMA tags go back to
 * UMA once an arena caches more than BT_MAXFREE.  FreeBSD breaks the same
 * cycle with a UMA reserve on the tag zone, NetBSD with static_bts.
 *
 * Quantum caches.  vmem_alloc/vmem_free of at most qcache_max bytes go
 * through a cache per multiple of the quantum, which keeps LIFO stacks of
 * ranges that are allocated in the arena.  A miss takes a batch of
 * VMEM_QCACHE_BATCH ranges from the arena under one lock hold; a full
 * cache gives half back.  FreeBSD builds these on UMA cache zones (zones
 * with import/release functions and no keg); libvm's UMA has no such
 * zones (uma.h: items are always memory carved from slabs), so the caches
 * are libvm's own: one mutex and a stack each, which already takes the
 * small sizes off the arena lock and keeps them from fragmenting it.
 * While a thread waits for space (vm_nwait), frees bypass the caches,
 * and an allocation that fails drains them before sleeping or failing.
 *
 * Imports.  An arena with an import function takes a span from its
 * source when no segment fits (rounded to the import quantum, with slack
 * for alignment), with no lock held, and gives an imported span back
 * through its release function as soon as it is wholly free again.
 *
 * Waiting.  M_WAITOK sleeps on the arena (msleep, channel: the arena,
 * wait message "vmem") until a free or a new span wakes it; an arena
 * with an import function also retries its import every
 * VMEM_IMPORT_RETRY_MS, since its source's frees do not wake it.
 * M_NOWAIT fails with ENOMEM and changes nothing.
 *
 * Lock order:
 *
 *	vmem_list_lock -> (nothing: arenas are destroyed after it is dropped)
 *	quantum cache lock          (leaf: never held with another vmem lock)
 *	arena lock -> btag reserve lock, sleep-queue chains
 *	no vmem lock is held while calling UMA, the page allocator, or an
 *	import or release function.
 *
 * Invariants (vmem_check; under INVARIANTS run after any operation once
 * the modifications since the last check exceed the number of tags):
 * tags sorted without overlap, spans disjoint and covered exactly by
 * their segments, no two free neighbours in a span, every free segment
 * on the list of its size class and nowhere else, every allocated one in
 * its hash bucket, the counters equal to the sums, every cached range an
 * allocated segment of its cache's size.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/mutex.h>
#include <sys/queue.h>
#include <sys/sleepqueue.h>
#include <sys/vmem.h>

#include <uma.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/vm_kern.h>

#define	VMEM_NAME_MAX		32
#define	VMEM_MAXORDER		64	/* free lists: 2^0 .. 2^63 quanta */
#define	VMEM_HASHSIZE_MIN	16	/* buckets inside the arena */
#define	VMEM_HASHSIZE_MAX	(1u << 18)	/* 512 pages of buckets */
#define	VMEM_QCACHE_CAP		64	/* ranges a quantum cache holds */
#define	VMEM_QCACHE_BATCH	16	/* taken from the arena on a miss */
#define	VMEM_IMPORT_RETRY_MS	100

#define	BT_MAXALLOC		4	/* tags one operation may need */
#define	BT_FILL			(2 * BT_MAXALLOC)	/* refill target */
#define	BT_MAXFREE		(4 * BT_MAXALLOC)	/* cached beyond: freed */
#define	VMEM_BT_NSTATIC		256	/* the static reserve */

#define	BT_TYPE_SPAN_STATIC	1	/* vmem_add: kept until destroy */
#define	BT_TYPE_SPAN		2	/* imported: released when free */
#define	BT_TYPE_FREE		3
#define	BT_TYPE_BUSY		4

/*
 * A boundary tag.  bt_link is on the free list of its size class (FREE),
 * its hash chain (BUSY), or the arena's tag cache (unused tags); span tags
 * use only bt_seglist.
 *
 * Locking legend:
 *	(v)	the arena lock
 *	(r)	vmem_bt_reserve_lock (tags in the static reserve)
 */
struct vmem_btag {
	TAILQ_ENTRY(vmem_btag) bt_seglist;	/* (v) address order */
	LIST_ENTRY(vmem_btag) bt_link;		/* (v, r) see above */
	vmem_addr_t	bt_start;		/* (v) */
	vmem_size_t	bt_size;		/* (v) */
	uint8_t		bt_type;		/* (v) BT_TYPE_* */
	uint8_t		bt_mark;		/* (v) vmem_check's pass */
};

#define	BT_END(bt)	((bt)->bt_start + (bt)->bt_size - 1)
#define	BT_ISSPAN(bt)	((bt)->bt_type <= BT_TYPE_SPAN)

TAILQ_HEAD(vmem_seglist, vmem_btag);
LIST_HEAD(vmem_btlist, vmem_btag);

/*
 * A quantum cache: ranges of qc_size allocated in the arena and waiting
 * for vmem_alloc, most recently freed on top.
 *
 * Locking legend:
 *	(c)	constant after creation
 *	(q)	qc_lock
 */
struct vmem_qcache {
	struct mtx	qc_lock;
	vmem_t		*qc_vmem;		/* (c) */
	vmem_size_t	qc_size;		/* (c) */
	u_int		qc_cnt;			/* (q) ranges in qc_items */
	uint64_t	qc_allocs;		/* (q) served from the cache */
	uint64_t	qc_frees;		/* (q) */
	uint64_t	qc_imports;		/* (q) taken from the arena */
	uint64_t	qc_releases;		/* (q) given back to it */
	vmem_addr_t	qc_items[VMEM_QCACHE_CAP]; /* (q) a stack */
};

/*
 * An arena.
 *
 * Locking legend:
 *	(c)	constant after creation
 *	(v)	vm_lock
 *	(a)	atomic; changed under vm_lock
 *	(L)	vmem_list_lock
 */
struct vmem {
	struct mtx	vm_lock;
	char		vm_name[VMEM_NAME_MAX];	/* (c) */
	vmem_size_t	vm_quantum;		/* (c) a power of two */
	int		vm_quantum_shift;	/* (c) */
	int		vm_flags;		/* (c) VMEM_F_* */
	vmem_size_t	vm_qcache_max;		/* (c) */
	int		vm_nqcache;		/* (c) */
	struct vmem_qcache *vm_qcache[VMEM_QCACHE_IDX_MAX]; /* (c) */

	vmem_import_t	*vm_importfn;		/* (v) */
	vmem_release_t	*vm_releasefn;		/* (v) */
	void		*vm_arg;		/* (v) */
	vmem_size_t	vm_import_quantum;	/* (v) */
	vmem_size_t	vm_limit;		/* (v) 0: none */
	vmem_size_t	vm_importing;		/* (v) imports under way */

	struct vmem_seglist vm_seglist;		/* (v) every tag */
	struct vmem_btlist vm_freelist[VMEM_MAXORDER]; /* (v) by size */
	struct vmem_btlist *vm_hashlist;	/* (v) allocated, by start */
	u_int		vm_hashsize;		/* (v) a power of two */
	int		vm_hashshift;		/* (v) 64 - log2(hashsize) */
	vm_page_t	vm_hashpages;		/* (v) NULL: vm_hash0 */
	u_long		vm_hashnpages;		/* (v) */
	u_int		vm_rehash_failed;	/* (v) busy tags at a failure */
	bool		vm_rehashing;		/* (v) */
	struct vmem_btlist vm_hash0[VMEM_HASHSIZE_MIN]; /* (v) */

	struct vmem_btlist vm_freetags;		/* (v) the tag cache */
	u_int		vm_nfreetags;		/* (v) */

	vmem_size_t	vm_size;		/* (v) bytes in spans */
	vmem_size_t	vm_inuse;		/* (v) bytes allocated */
	u_int		vm_nspans;		/* (v) */
	u_int		vm_nbusytag;		/* (v) */
	u_int		vm_nfreeseg;		/* (v) */
	uint64_t	vm_allocs;		/* (v) */
	uint64_t	vm_frees;		/* (v) */
	uint64_t	vm_fails;		/* (v) */
	uint64_t	vm_sleeps;		/* (v) */
	uint64_t	vm_imports;		/* (v) */
	uint64_t	vm_releases;		/* (v) */
	_Atomic u_int	vm_nwait;		/* (a) M_WAITOK waiters */
	u_int		vm_nmods;		/* (v) since the last check */
	uint8_t		vm_checkgen;		/* (v) vmem_check's mark */

	LIST_ENTRY(vmem) vm_alllist;		/* (L) */
};

#define	VMEM_F_STATIC	0x01		/* storage not from vmem_zone */

#define	VMEM_LOCK(vm)		mtx_lock(&(vm)->vm_lock)
#define	VMEM_UNLOCK(vm)		mtx_unlock(&(vm)->vm_lock)
#define	VMEM_ASSERT_LOCKED(vm)	mtx_assert(&(vm)->vm_lock, MA_OWNED)
#define	VMEM_ASSERT_UNLOCKED(vm) mtx_assert(&(vm)->vm_lock, MA_NOTOWNED)

/*
 * A contract broken by the caller: panic under INVARIANTS, EINVAL (or
 * nothing) otherwise.
 */
#define	VMEM_ARG(cond, msg) do {					\
	if (__predict_false(!(cond))) {					\
		KASSERT(0, msg);					\
		return (EINVAL);					\
	}								\
} while (0)

static struct mtx vmem_list_lock;
static LIST_HEAD(, vmem) vmem_list;		/* (L) newest first */
static uma_zone_t vmem_zone;			/* struct vmem */
static uma_zone_t vmem_qc_zone;			/* struct vmem_qcache */
static uma_zone_t vmem_bt_zone;			/* struct vmem_btag */
static bool vmem_up;
static _Atomic bool vmem_bt_uma;		/* tags from the zone */

static struct mtx vmem_bt_reserve_lock;
static struct vmem_btag vmem_bt_static[VMEM_BT_NSTATIC];
static struct vmem_btlist vmem_bt_reserve;	/* (r) */
static u_int vmem_bt_nreserve;			/* (r) */
static _Thread_local int vmem_bt_refilling;

static struct vmem kernel_arena_storage;
vmem_t *kernel_arena = &kernel_arena_storage;

static void	vmem_check_locked(vmem_t *vm);
static void	vmem_destroy1(vmem_t *vm, bool quiet, bool freevm);
static void	qc_drain(struct vmem_qcache *qc);

/* ---- boundary tags ------------------------------------------------------ */

static inline bool
bt_is_static(const struct vmem_btag *bt)
{
	return ((uintptr_t)bt >= (uintptr_t)&vmem_bt_static[0] &&
	    (uintptr_t)bt < (uintptr_t)&vmem_bt_static[VMEM_BT_NSTATIC]);
}

static struct vmem_btag *
bt_reserve_get(void)
{
	struct vmem_btag *bt;

	mtx_lock(&vmem_bt_reserve_lock);
	bt = LIST_FIRST(&vmem_bt_reserve);
	if (bt != NULL) {
		LIST_REMOVE(bt, bt_link);
		vmem_bt_nreserve--;
	}
	mtx_unlock(&vmem_bt_reserve_lock);
	return (bt);
}

/* Gives a tag back to where it came from; no arena lock held. */
static void
bt_dispose(struct vmem_btag *bt)
{
	if (bt_is_static(bt)) {
		mtx_lock(&vmem_bt_reserve_lock);
		LIST_INSERT_HEAD(&vmem_bt_reserve, bt, bt_link);
		vmem_bt_nreserve++;
		mtx_unlock(&vmem_bt_reserve_lock);
	} else
		uma_zfree(vmem_bt_zone, bt);
}

static void
bt_dispose_list(struct vmem_btlist *list)
{
	struct vmem_btag *bt;

	while ((bt = LIST_FIRST(list)) != NULL) {
		LIST_REMOVE(bt, bt_link);
		bt_dispose(bt);
	}
}

/*
 * Makes the arena cache at least BT_MAXALLOC tags.  Returns 0, or ENOMEM
 * when neither UMA (without sleeping, for M_NOWAIT) nor the static reserve
 * has one.
 *
 * => called with the arena locked; drops and retakes the lock to call UMA,
 *    so the caller must look at the arena again afterwards.
 */
static int
bt_fill(vmem_t *vm, int flags)
{
	struct vmem_btag *tags[BT_FILL], *bt;
	bool uma_ok;
	int i, n, want;

	VMEM_ASSERT_LOCKED(vm);
	uma_ok = atomic_load_explicit(&vmem_bt_uma, memory_order_relaxed) &&
	    vmem_bt_refilling == 0;
	while (vm->vm_nfreetags < BT_MAXALLOC) {
		n = 0;
		if (uma_ok) {
			want = BT_FILL - (int)vm->vm_nfreetags;
			VMEM_UNLOCK(vm);
			vmem_bt_refilling++;
			for (; n < want; n++) {
				tags[n] = uma_zalloc(vmem_bt_zone, n == 0 &&
				    (flags & M_WAITOK) != 0 ? M_WAITOK :
				    M_NOWAIT);
				if (tags[n] == NULL)
					break;
			}
			vmem_bt_refilling--;
			VMEM_LOCK(vm);
			if (n == 0)
				uma_ok = false;
		}
		if (n == 0) {
			if ((bt = bt_reserve_get()) == NULL)
				return (ENOMEM);
			tags[n++] = bt;
		}
		for (i = 0; i < n; i++) {
			LIST_INSERT_HEAD(&vm->vm_freetags, tags[i], bt_link);
			vm->vm_nfreetags++;
		}
	}
	return (0);
}

static struct vmem_btag *
bt_alloc(vmem_t *vm)
{
	struct vmem_btag *bt;

	VMEM_ASSERT_LOCKED(vm);
	bt = LIST_FIRST(&vm->vm_freetags);
	KASSERT(bt != NULL, ("%s: arena %s: no tag cached", __func__,
	    vm->vm_name));
	LIST_REMOVE(bt, bt_link);
	vm->vm_nfreetags--;
	bt->bt_mark = 0;
	return (bt);
}

static void
bt_free(vmem_t *vm, struct vmem_btag *bt)
{
	VMEM_ASSERT_LOCKED(vm);
	bt->bt_type = 0;
	LIST_INSERT_HEAD(&vm->vm_freetags, bt, bt_link);
	vm->vm_nfreetags++;
}

/* ---- free lists and the hash -------------------------------------------- */

/* floor(log2(size in quanta)): the free list of a segment of size. */
static inline int
bt_freelist_index(const vmem_t *vm, vmem_size_t size)
{
	vmem_size_t qsize = size >> vm->vm_quantum_shift;

	KASSERT(qsize != 0, ("%s: arena %s: size %#" PRIx64, __func__,
	    vm->vm_name, size));
	return (63 - __builtin_clzll(qsize));
}

static void
bt_insfree(vmem_t *vm, struct vmem_btag *bt)
{
	bt->bt_type = BT_TYPE_FREE;
	LIST_INSERT_HEAD(&vm->vm_freelist[bt_freelist_index(vm, bt->bt_size)],
	    bt, bt_link);
	vm->vm_nfreeseg++;
}

static void
bt_remfree(vmem_t *vm, struct vmem_btag *bt)
{
	KASSERT(bt->bt_type == BT_TYPE_FREE, ("%s: arena %s: tag %p type %d",
	    __func__, vm->vm_name, (void *)bt, bt->bt_type));
	LIST_REMOVE(bt, bt_link);
	vm->vm_nfreeseg--;
}

static inline struct vmem_btlist *
bt_hashhead(const vmem_t *vm, vmem_addr_t addr)
{
	uint64_t h = (addr >> vm->vm_quantum_shift) * 0x9e3779b97f4a7c15ull;

	return (&vm->vm_hashlist[h >> vm->vm_hashshift]);
}

static struct vmem_btag *
bt_lookupbusy(const vmem_t *vm, vmem_addr_t addr)
{
	struct vmem_btag *bt;

	LIST_FOREACH(bt, bt_hashhead(vm, addr), bt_link)
		if (bt->bt_start == addr)
			return (bt);
	return (NULL);
}

static void
bt_insbusy(vmem_t *vm, struct vmem_btag *bt)
{
	bt->bt_type = BT_TYPE_BUSY;
	LIST_INSERT_HEAD(bt_hashhead(vm, bt->bt_start), bt, bt_link);
	vm->vm_nbusytag++;
	vm->vm_inuse += bt->bt_size;
}

static void
bt_rembusy(vmem_t *vm, struct vmem_btag *bt)
{
	LIST_REMOVE(bt, bt_link);
	vm->vm_nbusytag--;
	vm->vm_inuse -= bt->bt_size;
}

static void
seg_insert_before(vmem_t *vm, struct vmem_btag *next, struct vmem_btag *bt)
{
	struct vmem_btag *prev;

	prev = TAILQ_PREV(next, vmem_seglist, bt_seglist);
	if (prev == NULL)
		TAILQ_INSERT_HEAD(&vm->vm_seglist, bt, bt_seglist);
	else
		TAILQ_INSERT_AFTER(&vm->vm_seglist, prev, bt, bt_seglist);
}

static void
hash_init(struct vmem_btlist *table, u_int n)
{
	u_int i;

	for (i = 0; i < n; i++)
		LIST_INIT(&table[i]);
}

static void
vmem_pages_free(vm_page_t m, u_long npages)
{
	u_long i;

	for (i = 0; i < npages; i++) {
		(void)vm_page_unwire_noq(&m[i]);
		vm_page_free(&m[i]);
	}
}

/*
 * Grows the hash into wired pages: at least four times larger and one
 * bucket per allocated segment.  A failure to get pages is not an error
 * (chains only get longer); it is not retried until the number of
 * allocated segments has doubled.
 *
 * => called with nothing locked, vm_rehashing set by the caller.
 */
static void
vmem_rehash(vmem_t *vm)
{
	struct vmem_btlist *table, *old;
	struct vmem_btag *bt;
	vm_page_t m, oldpages;
	u_long npages, oldnpages;
	u_int i, newsize, oldsize, nbusy;

	VMEM_LOCK(vm);
	nbusy = vm->vm_nbusytag;
	newsize = vm->vm_hashsize * 4;
	VMEM_UNLOCK(vm);
	while (newsize < nbusy && newsize < VMEM_HASHSIZE_MAX)
		newsize *= 2;
	newsize = MIN(newsize, VMEM_HASHSIZE_MAX);
	npages = howmany((u_long)newsize * sizeof(*table), PAGE_SIZE);
	newsize = (u_int)(ptoa(npages) / sizeof(*table));
	m = vm_page_alloc_noobj_contig(VM_ALLOC_WIRED | VM_ALLOC_NOBUSY |
	    VM_ALLOC_NOWAIT, npages, 0, ~(vm_paddr_t)0, PAGE_SIZE, 0);
	VMEM_LOCK(vm);
	if (m == NULL) {
		vm->vm_rehash_failed = nbusy;
		vm->vm_rehashing = false;
		VMEM_UNLOCK(vm);
		return;
	}
	table = vm_page_dmap(m);
	hash_init(table, newsize);
	old = vm->vm_hashlist;
	oldsize = vm->vm_hashsize;
	oldpages = vm->vm_hashpages;
	oldnpages = vm->vm_hashnpages;
	vm->vm_hashlist = table;
	vm->vm_hashsize = newsize;
	vm->vm_hashshift = 64 - __builtin_ctz(newsize);
	vm->vm_hashpages = m;
	vm->vm_hashnpages = npages;
	for (i = 0; i < oldsize; i++)
		while ((bt = LIST_FIRST(&old[i])) != NULL) {
			LIST_REMOVE(bt, bt_link);
			LIST_INSERT_HEAD(bt_hashhead(vm, bt->bt_start), bt,
			    bt_link);
		}
	vm->vm_rehashing = false;
	VMEM_UNLOCK(vm);
	if (oldpages != NULL)
		vmem_pages_free(oldpages, oldnpages);
}

/*
 * The end of every operation: the tag cache is trimmed, the invariants
 * checked now and then (INVARIANTS), the lock dropped, the trimmed tags
 * given back and the hash grown if it is crowded.
 */
static void
vmem_unlock_trim(vmem_t *vm)
{
	struct vmem_btlist excess;
	struct vmem_btag *bt;
	bool rehash;

	VMEM_ASSERT_LOCKED(vm);
	LIST_INIT(&excess);
	if (vm->vm_nfreetags > BT_MAXFREE)
		while (vm->vm_nfreetags > BT_FILL) {
			bt = LIST_FIRST(&vm->vm_freetags);
			LIST_REMOVE(bt, bt_link);
			vm->vm_nfreetags--;
			LIST_INSERT_HEAD(&excess, bt, bt_link);
		}
	if (INVARIANTS_ENABLED && ++vm->vm_nmods > vm->vm_nspans +
	    vm->vm_nbusytag + vm->vm_nfreeseg + 16) {
		vmem_check_locked(vm);
		vm->vm_nmods = 0;
	}
	rehash = !vm->vm_rehashing && vm->vm_nbusytag > 2 * vm->vm_hashsize &&
	    vm->vm_hashsize < VMEM_HASHSIZE_MAX &&
	    vm->vm_nbusytag > 2 * vm->vm_rehash_failed &&
	    atomic_load_explicit(&vmem_bt_uma, memory_order_relaxed);
	if (rehash)
		vm->vm_rehashing = true;
	VMEM_UNLOCK(vm);
	bt_dispose_list(&excess);
	if (rehash)
		vmem_rehash(vm);
}

/* ---- spans, fitting and clipping ------------------------------------ */

/*
 * Inserts a span and its one free segment in address order.  Two tags
 * must be cached.  Returns EINVAL if it overlaps a span (a caller's bug:
 * panics under INVARIANTS).
 */
static int
vmem_add1(vmem_t *vm, vmem_addr_t addr, vmem_size_t size, int type)
{
	struct vmem_btag *bt, *span, *seg, *prevspan;
	vmem_addr_t end = addr + size - 1;

	VMEM_ASSERT_LOCKED(vm);
	prevspan = NULL;
	TAILQ_FOREACH(bt, &vm->vm_seglist, bt_seglist) {
		if (!BT_ISSPAN(bt))
			continue;
		if (bt->bt_start > addr)
			break;
		prevspan = bt;
	}
	if ((prevspan != NULL && BT_END(prevspan) >= addr) ||
	    (bt != NULL && bt->bt_start <= end)) {
		KASSERT(0, ("vmem_add: arena %s: span [%#" PRIx64 ", %#"
		    PRIx64 "] overlaps another", vm->vm_name, addr, end));
		return (EINVAL);
	}
	span = bt_alloc(vm);
	span->bt_type = (uint8_t)type;
	span->bt_start = addr;
	span->bt_size = size;
	seg = bt_alloc(vm);
	seg->bt_start = addr;
	seg->bt_size = size;
	if (bt == NULL)
		TAILQ_INSERT_TAIL(&vm->vm_seglist, span, bt_seglist);
	else
		seg_insert_before(vm, bt, span);
	TAILQ_INSERT_AFTER(&vm->vm_seglist, span, seg, bt_seglist);
	bt_insfree(vm, seg);
	vm->vm_size += size;
	vm->vm_nspans++;
	return (0);
}

/*
 * Where in the free segment bt an allocation of size with the constraints
 * can start, if anywhere.  Ends are inclusive so that a segment may end at
 * VMEM_ADDR_MAX; every step checks for wrap-around.
 */
static bool
vmem_fit(const struct vmem_btag *bt, vmem_size_t size, vmem_size_t align,
    vmem_size_t phase, vmem_size_t nocross, vmem_addr_t minaddr,
    vmem_addr_t maxaddr, vmem_addr_t *startp)
{
	vmem_addr_t lo, hi, start, b;

	lo = MAX(bt->bt_start, minaddr);
	hi = MIN(BT_END(bt), maxaddr);
	if (lo > hi || hi - lo < size - 1)
		return (false);
	start = lo + ((phase - lo) & (align - 1));
	if (start < lo)
		return (false);
	if (nocross != 0 && start + size - 1 >= start &&
	    ((start ^ (start + size - 1)) & ~(nocross - 1)) != 0) {
		/* Move to the next boundary (aligned, as align <= nocross). */
		b = (start | (nocross - 1)) + 1;
		start = b + phase;
		if (b == 0 || start < b || ((start ^ (start + size - 1)) &
		    ~(nocross - 1)) != 0)
			return (false);
	}
	if (start > hi || hi - start < size - 1)
		return (false);
	*startp = start;
	return (true);
}

/* The smallest fitting segment of free list i, if any. */
static struct vmem_btag *
vmem_bestfit_list(vmem_t *vm, int i, vmem_size_t size, vmem_size_t align,
    vmem_size_t phase, vmem_size_t nocross, vmem_addr_t minaddr,
    vmem_addr_t maxaddr, vmem_addr_t *startp)
{
	struct vmem_btag *bt, *best = NULL;
	vmem_addr_t start;

	LIST_FOREACH(bt, &vm->vm_freelist[i], bt_link) {
		if (bt->bt_size < size ||
		    (best != NULL && bt->bt_size >= best->bt_size))
			continue;
		if (vmem_fit(bt, size, align, phase, nocross, minaddr, maxaddr,
		    &start)) {
			best = bt;
			*startp = start;
			if (bt->bt_size == size)
				break;
		}
	}
	return (best);
}

/* The free segment the strategy picks, and where to start in it. */
static struct vmem_btag *
vmem_findfit(vmem_t *vm, vmem_size_t size, vmem_size_t align,
    vmem_size_t phase, vmem_size_t nocross, vmem_addr_t minaddr,
    vmem_addr_t maxaddr, int strat, vmem_addr_t *startp)
{
	struct vmem_btag *bt;
	vmem_size_t qsize;
	int i, first;

	VMEM_ASSERT_LOCKED(vm);
	if (strat == M_FIRSTFIT) {
		TAILQ_FOREACH(bt, &vm->vm_seglist, bt_seglist)
			if (bt->bt_type == BT_TYPE_FREE && vmem_fit(bt, size,
			    align, phase, nocross, minaddr, maxaddr, startp))
				return (bt);
		return (NULL);
	}
	i = bt_freelist_index(vm, size);
	if (strat == M_INSTANTFIT) {
		qsize = size >> vm->vm_quantum_shift;
		first = powerof2(qsize) ? i : i + 1;
		for (int j = first; j < VMEM_MAXORDER; j++)
			LIST_FOREACH(bt, &vm->vm_freelist[j], bt_link)
				if (vmem_fit(bt, size, align, phase, nocross,
				    minaddr, maxaddr, startp))
					return (bt);
		if (first == i)
			return (NULL);
		/* The list below holds segments that may be large enough. */
		return (vmem_bestfit_list(vm, i, size, align, phase, nocross,
		    minaddr, maxaddr, startp));
	}
	for (; i < VMEM_MAXORDER; i++) {
		bt = vmem_bestfit_list(vm, i, size, align, phase, nocross,
		    minaddr, maxaddr, startp);
		if (bt != NULL)
			return (bt);
	}
	return (NULL);
}

/*
 * Allocates [start, start + size) out of the free segment bt, which keeps
 * the allocation; what is left before and after gets free tags of its
 * own.  Two tags must be cached.
 */
static void
vmem_clip(vmem_t *vm, struct vmem_btag *bt, vmem_addr_t start,
    vmem_size_t size)
{
	struct vmem_btag *t;

	VMEM_ASSERT_LOCKED(vm);
	KASSERT(start >= bt->bt_start && start + size - 1 <= BT_END(bt),
	    ("%s: arena %s: [%#" PRIx64 ", +%#" PRIx64 ") outside segment "
	    "[%#" PRIx64 ", %#" PRIx64 "]", __func__, vm->vm_name, start, size,
	    bt->bt_start, BT_END(bt)));
	bt_remfree(vm, bt);
	if (start > bt->bt_start) {
		t = bt_alloc(vm);
		t->bt_start = bt->bt_start;
		t->bt_size = start - bt->bt_start;
		seg_insert_before(vm, bt, t);
		bt_insfree(vm, t);
		bt->bt_start = start;
		bt->bt_size -= t->bt_size;
	}
	if (bt->bt_size > size) {
		t = bt_alloc(vm);
		t->bt_start = start + size;
		t->bt_size = bt->bt_size - size;
		TAILQ_INSERT_AFTER(&vm->vm_seglist, bt, t, bt_seglist);
		bt_insfree(vm, t);
		bt->bt_size = size;
	}
	bt_insbusy(vm, bt);
	vm->vm_allocs++;
}

/*
 * Frees the allocated segment at addr and merges it with free neighbours.
 * If that leaves an imported span wholly free, the span is taken out and
 * returned in *spanp / *spansizep for the caller to release unlocked.
 * Panics if addr is not an allocated segment of exactly size bytes.
 */
static bool
vmem_xfree_locked(vmem_t *vm, vmem_addr_t addr, vmem_size_t size,
    vmem_addr_t *spanp, vmem_size_t *spansizep)
{
	struct vmem_btag *bt, *t, *span;

	VMEM_ASSERT_LOCKED(vm);
	bt = bt_lookupbusy(vm, addr);
	if (__predict_false(bt == NULL))
		panic("vmem_xfree: arena %s: %#" PRIx64 " is not allocated",
		    vm->vm_name, addr);
	if (__predict_false(bt->bt_size != size))
		panic("vmem_xfree: arena %s: %#" PRIx64 " freed with size %#"
		    PRIx64 ", allocated with %#" PRIx64, vm->vm_name, addr,
		    size, bt->bt_size);
	bt_rembusy(vm, bt);
	vm->vm_frees++;
	t = TAILQ_NEXT(bt, bt_seglist);
	if (t != NULL && t->bt_type == BT_TYPE_FREE) {
		bt_remfree(vm, t);
		TAILQ_REMOVE(&vm->vm_seglist, t, bt_seglist);
		bt->bt_size += t->bt_size;
		bt_free(vm, t);
	}
	t = TAILQ_PREV(bt, vmem_seglist, bt_seglist);
	KASSERT(t != NULL, ("%s: arena %s: segment %#" PRIx64 " has no span",
	    __func__, vm->vm_name, addr));
	if (t->bt_type == BT_TYPE_FREE) {
		bt_remfree(vm, t);
		TAILQ_REMOVE(&vm->vm_seglist, t, bt_seglist);
		bt->bt_start = t->bt_start;
		bt->bt_size += t->bt_size;
		bt_free(vm, t);
	}
	span = TAILQ_PREV(bt, vmem_seglist, bt_seglist);
	if (span->bt_type == BT_TYPE_SPAN && vm->vm_releasefn != NULL &&
	    span->bt_size == bt->bt_size) {
		KASSERT(span->bt_start == bt->bt_start, ("%s: arena %s: span "
		    "%#" PRIx64 " segment %#" PRIx64, __func__, vm->vm_name,
		    span->bt_start, bt->bt_start));
		TAILQ_REMOVE(&vm->vm_seglist, bt, bt_seglist);
		TAILQ_REMOVE(&vm->vm_seglist, span, bt_seglist);
		*spanp = span->bt_start;
		*spansizep = span->bt_size;
		vm->vm_size -= span->bt_size;
		vm->vm_nspans--;
		vm->vm_releases++;
		bt_free(vm, bt);
		bt_free(vm, span);
		return (true);
	}
	bt_insfree(vm, bt);
	return (false);
}

/* Wakes M_WAITOK allocations after a free or a new span. */
static inline void
vmem_wakeup(vmem_t *vm)
{
	VMEM_ASSERT_LOCKED(vm);
	if (atomic_load_explicit(&vm->vm_nwait, memory_order_relaxed) != 0)
		wakeup(vm);
}

/*
 * If the imported span at addr is still wholly free, gives it back (an
 * import that did not help: constraints the span could not meet).
 * => arena locked; the lock is dropped around the release.
 */
static void
vmem_release_unused(vmem_t *vm, vmem_addr_t addr, vmem_size_t size)
{
	struct vmem_btag *span, *bt;

	TAILQ_FOREACH(span, &vm->vm_seglist, bt_seglist)
		if (BT_ISSPAN(span) && span->bt_start == addr)
			break;
	if (span == NULL || span->bt_type != BT_TYPE_SPAN ||
	    span->bt_size != size)
		return;
	bt = TAILQ_NEXT(span, bt_seglist);
	if (bt->bt_type != BT_TYPE_FREE || bt->bt_size != size)
		return;
	bt_remfree(vm, bt);
	TAILQ_REMOVE(&vm->vm_seglist, bt, bt_seglist);
	TAILQ_REMOVE(&vm->vm_seglist, span, bt_seglist);
	bt_free(vm, bt);
	bt_free(vm, span);
	vm->vm_size -= size;
	vm->vm_nspans--;
	vm->vm_releases++;
	VMEM_UNLOCK(vm);
	(*vm->vm_releasefn)(vm->vm_arg, addr, size);
	VMEM_LOCK(vm);
}

/*
 * Imports a span large enough for size at any alignment up to align.
 * Returns 0 (the span added; its address in *addrp) or an errno.
 * => arena locked; dropped around the import function.
 */
static int
vmem_import(vmem_t *vm, vmem_size_t size, vmem_size_t align, int flags,
    vmem_addr_t *addrp, vmem_size_t *sizep)
{
	vmem_addr_t addr;
	vmem_size_t isize;
	int error;

	VMEM_ASSERT_LOCKED(vm);
	isize = size;
	if (align > vm->vm_quantum)
		isize += align - vm->vm_quantum;
	if (isize < size || isize + vm->vm_import_quantum < isize)
		return (ENOMEM);
	isize = roundup2(isize, vm->vm_import_quantum);
	if (vm->vm_limit != 0 &&
	    (isize > vm->vm_limit || vm->vm_size + vm->vm_importing >
	    vm->vm_limit - isize))
		return (ENOMEM);
	vm->vm_importing += isize;
	VMEM_UNLOCK(vm);
	error = (*vm->vm_importfn)(vm->vm_arg, isize,
	    flags & (M_WAITOK | M_NOWAIT), &addr);
	VMEM_LOCK(vm);
	vm->vm_importing -= isize;
	if (error != 0)
		return (error);
	if ((addr & (vm->vm_quantum - 1)) != 0 || addr + isize - 1 < addr)
		panic("vmem_import: arena %s: import of %#" PRIx64 " bytes "
		    "returned %#" PRIx64 ", not a range of quanta",
		    vm->vm_name, isize, addr);
	if ((error = bt_fill(vm, flags)) != 0 ||
	    (error = vmem_add1(vm, addr, isize, BT_TYPE_SPAN)) != 0) {
		VMEM_UNLOCK(vm);
		(*vm->vm_releasefn)(vm->vm_arg, addr, isize);
		VMEM_LOCK(vm);
		return (error);
	}
	vm->vm_imports++;
	*addrp = addr;
	*sizep = isize;
	return (0);
}

/*
 * The allocation loop: fit, else import, else drain the quantum caches,
 * else fail (M_NOWAIT) or sleep and start over (M_WAITOK).
 * => arena locked; the lock may be dropped and retaken.
 */
static int
vmem_xalloc_locked(vmem_t *vm, vmem_size_t size, vmem_size_t align,
    vmem_size_t phase, vmem_size_t nocross, vmem_addr_t minaddr,
    vmem_addr_t maxaddr, int flags, vmem_addr_t *addrp)
{
	struct vmem_btag *bt;
	vmem_addr_t start, iaddr = 0;
	vmem_size_t isize = 0;
	bool tried = false, fresh = false, drained = false, waiting = false;
	int error, strat, q;

	VMEM_ASSERT_LOCKED(vm);
	strat = flags & VMEM_FITMASK;
	if (strat == 0)
		strat = M_INSTANTFIT;
	for (;;) {
		if ((error = bt_fill(vm, flags)) != 0)
			break;
		bt = vmem_findfit(vm, size, align, phase, nocross, minaddr,
		    maxaddr, strat, &start);
		if (bt != NULL) {
			vmem_clip(vm, bt, start, size);
			*addrp = start;
			break;
		}
		if (fresh) {
			/* A span imported for this request did not help. */
			fresh = false;
			vmem_release_unused(vm, iaddr, isize);
		} else if (!tried && vm->vm_importfn != NULL) {
			/* Once per round: constraints may defeat any span. */
			tried = true;
			if (vmem_import(vm, size, align, flags, &iaddr,
			    &isize) == 0) {
				fresh = true;
				continue;
			}
		}
		if ((flags & M_WAITOK) != 0 && !waiting) {
			/* From now on frees bypass the quantum caches. */
			waiting = true;
			atomic_fetch_add(&vm->vm_nwait, 1);
		}
		if (!drained && vm->vm_nqcache > 0) {
			drained = true;
			VMEM_UNLOCK(vm);
			for (q = 0; q < vm->vm_nqcache; q++)
				qc_drain(vm->vm_qcache[q]);
			VMEM_LOCK(vm);
			continue;
		}
		if ((flags & M_NOWAIT) != 0) {
			error = ENOMEM;
			break;
		}
		vm->vm_sleeps++;
		(void)msleep(vm, &vm->vm_lock, PVM, "vmem",
		    vm->vm_importfn != NULL ? VMEM_IMPORT_RETRY_MS : 0);
		tried = drained = false;
	}
	if (waiting)
		atomic_fetch_sub(&vm->vm_nwait, 1);
	if (error != 0)
		vm->vm_fails++;
	return (error);
}

/* ---- quantum caches --------------------------------------------------- */

/*
 * Allocates up to n ranges of size from the arena under one lock hold: the
 * first with the caller's flags (it may import, sleep or fail), the others
 * only if they fit at once.  Returns how many.
 */
static int
vmem_xalloc_batch(vmem_t *vm, vmem_size_t size, int flags,
    vmem_addr_t *addrs, int n)
{
	struct vmem_btag *bt;
	vmem_addr_t start;
	int got = 0;

	VMEM_LOCK(vm);
	if (vmem_xalloc_locked(vm, size, vm->vm_quantum, 0, 0, VMEM_ADDR_MIN,
	    VMEM_ADDR_MAX, flags, &addrs[0]) == 0)
		for (got = 1; got < n; got++) {
			if (bt_fill(vm, M_NOWAIT) != 0)
				break;
			bt = vmem_findfit(vm, size, vm->vm_quantum, 0, 0,
			    VMEM_ADDR_MIN, VMEM_ADDR_MAX, M_INSTANTFIT, &start);
			if (bt == NULL)
				break;
			vmem_clip(vm, bt, start, size);
			addrs[got] = start;
		}
	vmem_unlock_trim(vm);
	return (got);
}

/* Frees n ranges of size to the arena, releasing spans that empty. */
static void
vmem_xfree_batch(vmem_t *vm, const vmem_addr_t *addrs, int n,
    vmem_size_t size)
{
	vmem_addr_t span;
	vmem_size_t spansize;
	int i;

	if (n == 0)
		return;
	VMEM_LOCK(vm);
	for (i = 0; i < n; i++)
		if (vmem_xfree_locked(vm, addrs[i], size, &span, &spansize)) {
			VMEM_UNLOCK(vm);
			(*vm->vm_releasefn)(vm->vm_arg, span, spansize);
			VMEM_LOCK(vm);
		}
	vmem_wakeup(vm);
	vmem_unlock_trim(vm);
}

/* Gives every range the cache holds back to the arena. */
static void
qc_drain(struct vmem_qcache *qc)
{
	vmem_addr_t addrs[VMEM_QCACHE_CAP];
	int n;

	mtx_lock(&qc->qc_lock);
	n = (int)qc->qc_cnt;
	memcpy(addrs, qc->qc_items, (size_t)n * sizeof(addrs[0]));
	qc->qc_cnt = 0;
	qc->qc_releases += (uint64_t)n;
	mtx_unlock(&qc->qc_lock);
	vmem_xfree_batch(qc->qc_vmem, addrs, n, qc->qc_size);
}

static int
qc_alloc(struct vmem_qcache *qc, int flags, vmem_addr_t *addrp)
{
	vmem_t *vm = qc->qc_vmem;
	vmem_addr_t batch[VMEM_QCACHE_BATCH];
	int i, n, nexcess;

	mtx_lock(&qc->qc_lock);
	if (qc->qc_cnt > 0) {
		*addrp = qc->qc_items[--qc->qc_cnt];
		qc->qc_allocs++;
		mtx_unlock(&qc->qc_lock);
		return (0);
	}
	mtx_unlock(&qc->qc_lock);
	n = vmem_xalloc_batch(vm, qc->qc_size, flags, batch,
	    VMEM_QCACHE_BATCH);
	if (n == 0)
		return (ENOMEM);
	*addrp = batch[0];
	nexcess = 0;
	mtx_lock(&qc->qc_lock);
	qc->qc_allocs++;
	qc->qc_imports += (uint64_t)n;
	for (i = 1; i < n; i++) {
		if (qc->qc_cnt < VMEM_QCACHE_CAP &&
		    atomic_load(&vm->vm_nwait) == 0)
			qc->qc_items[qc->qc_cnt++] = batch[i];
		else
			batch[nexcess++] = batch[i];
	}
	qc->qc_releases += (uint64_t)nexcess;
	mtx_unlock(&qc->qc_lock);
	vmem_xfree_batch(vm, batch, nexcess, qc->qc_size);
	return (0);
}

static void
qc_free(struct vmem_qcache *qc, vmem_addr_t addr)
{
	vmem_t *vm = qc->qc_vmem;
	vmem_addr_t excess[VMEM_QCACHE_CAP / 2 + 1];
	struct vmem_btag *bt;
	int n = 0;
	u_int i;

	if (INVARIANTS_ENABLED) {
		/* The checks vmem_xfree would make, and double frees. */
		VMEM_LOCK(vm);
		bt = bt_lookupbusy(vm, addr);
		if (bt == NULL)
			panic("vmem_free: arena %s: %#" PRIx64 " is not "
			    "allocated", vm->vm_name, addr);
		if (bt->bt_size != qc->qc_size)
			panic("vmem_free: arena %s: %#" PRIx64 " freed with "
			    "size %#" PRIx64 ", allocated with %#" PRIx64,
			    vm->vm_name, addr, qc->qc_size, bt->bt_size);
		VMEM_UNLOCK(vm);
	}
	mtx_lock(&qc->qc_lock);
	if (INVARIANTS_ENABLED)
		for (i = 0; i < qc->qc_cnt; i++)
			if (qc->qc_items[i] == addr)
				panic("vmem_free: arena %s: %#" PRIx64 " freed "
				    "twice (quantum cache %#" PRIx64 ")",
				    vm->vm_name, addr, qc->qc_size);
	qc->qc_frees++;
	/*
	 * Someone waits for space: the range goes to the arena, whose free
	 * wakes the waiter (it raised vm_nwait before draining the caches,
	 * under this lock, so a free after the drain sees the count).
	 */
	if (atomic_load(&vm->vm_nwait) != 0) {
		qc->qc_releases++;
		excess[n++] = addr;
	} else {
		if (qc->qc_cnt == VMEM_QCACHE_CAP) {
			/* Full: the older half goes back to the arena. */
			for (i = 0; i < VMEM_QCACHE_CAP / 2; i++)
				excess[n++] = qc->qc_items[i];
			memmove(&qc->qc_items[0],
			    &qc->qc_items[VMEM_QCACHE_CAP / 2],
			    (VMEM_QCACHE_CAP / 2) * sizeof(qc->qc_items[0]));
			qc->qc_cnt -= VMEM_QCACHE_CAP / 2;
			qc->qc_releases += VMEM_QCACHE_CAP / 2;
		}
		qc->qc_items[qc->qc_cnt++] = addr;
	}
	mtx_unlock(&qc->qc_lock);
	vmem_xfree_batch(vm, excess, n, qc->qc_size);
}

static void
qc_destroy(vmem_t *vm)
{
	struct vmem_qcache *qc;
	int i;

	for (i = 0; i < vm->vm_nqcache; i++) {
		qc = vm->vm_qcache[i];
		qc_drain(qc);
		mtx_destroy(&qc->qc_lock);
		uma_zfree(vmem_qc_zone, qc);
		vm->vm_qcache[i] = NULL;
	}
	vm->vm_nqcache = 0;
}

/* ---- the interface --------------------------------------------------- */

static int
vmem_check_flags(const vmem_t *vm __unused, const char *fn __unused,
    int flags)
{
	int strat = flags & VMEM_FITMASK;

	VMEM_ARG(((flags & M_WAITOK) != 0) != ((flags & M_NOWAIT) != 0),
	    ("%s: arena %s: flags %#x need exactly one of M_WAITOK and "
	    "M_NOWAIT", fn, vm->vm_name, flags));
	VMEM_ARG(strat == 0 || powerof2(strat), ("%s: arena %s: flags %#x "
	    "name more than one strategy", fn, vm->vm_name, flags));
	return (0);
}

static int
vmem_init1(vmem_t *vm, const char *name, vmem_addr_t base,
    vmem_size_t size, vmem_size_t quantum, vmem_size_t qcache_max,
    int flags, int vmflags)
{
	struct vmem_qcache *qc;
	int i;

	memset(vm, 0, sizeof(*vm));
	vm->vm_flags = vmflags;
	snprintf(vm->vm_name, sizeof(vm->vm_name), "%s", name);
	vm->vm_quantum = quantum;
	vm->vm_quantum_shift = __builtin_ctzll(quantum);
	vm->vm_import_quantum = quantum;
	mtx_init(&vm->vm_lock, "vmem", NULL, MTX_DEF);
	TAILQ_INIT(&vm->vm_seglist);
	for (i = 0; i < VMEM_MAXORDER; i++)
		LIST_INIT(&vm->vm_freelist[i]);
	hash_init(vm->vm_hash0, VMEM_HASHSIZE_MIN);
	vm->vm_hashlist = vm->vm_hash0;
	vm->vm_hashsize = VMEM_HASHSIZE_MIN;
	vm->vm_hashshift = 64 - __builtin_ctz(VMEM_HASHSIZE_MIN);
	LIST_INIT(&vm->vm_freetags);
	atomic_init(&vm->vm_nwait, 0);

	qcache_max = MIN(rounddown2(qcache_max, quantum),
	    VMEM_QCACHE_IDX_MAX * quantum);
	vm->vm_qcache_max = qcache_max;
	for (i = 0; i < (int)(qcache_max >> vm->vm_quantum_shift); i++) {
		qc = uma_zalloc(vmem_qc_zone, (flags & M_WAITOK) != 0 ?
		    M_WAITOK : M_NOWAIT);
		if (qc == NULL) {
			qc_destroy(vm);
			mtx_destroy(&vm->vm_lock);
			return (ENOMEM);
		}
		memset(qc, 0, sizeof(*qc));
		mtx_init(&qc->qc_lock, "vmem qcache", NULL, MTX_DEF);
		qc->qc_vmem = vm;
		qc->qc_size = (vmem_size_t)(i + 1) * quantum;
		vm->vm_qcache[i] = qc;
		vm->vm_nqcache = i + 1;
	}
	mtx_lock(&vmem_list_lock);
	LIST_INSERT_HEAD(&vmem_list, vm, vm_alllist);
	mtx_unlock(&vmem_list_lock);
	if (size != 0 && vmem_add(vm, base, size, flags) != 0) {
		vmem_destroy1(vm, true, false);
		return (ENOMEM);
	}
	return (0);
}

static bool
vmem_create_args(const char *name, vmem_addr_t base, vmem_size_t size,
    vmem_size_t quantum, int flags)
{
	if (!vmem_up || name == NULL || quantum == 0 || !powerof2(quantum)) {
		KASSERT(0, ("vmem_create: %s: quantum %#" PRIx64 " (not booted "
		    "or not a power of two)", name != NULL ? name : "(null)",
		    quantum));
		return (false);
	}
	if (((flags & M_WAITOK) != 0) == ((flags & M_NOWAIT) != 0) ||
	    ((base | size) & (quantum - 1)) != 0 ||
	    (size != 0 && base + size - 1 < base)) {
		KASSERT(0, ("vmem_create: %s: span [%#" PRIx64 ", +%#" PRIx64
		    ") flags %#x", name, base, size, flags));
		return (false);
	}
	return (true);
}

/*
 * Creates an arena with an initial span [base, base + size) (none if size
 * is 0).  NULL if memory is short (M_NOWAIT) or an argument is wrong.
 */
vmem_t *
vmem_create(const char *name, vmem_addr_t base, vmem_size_t size,
    vmem_size_t quantum, vmem_size_t qcache_max, int flags)
{
	vmem_t *vm;

	if (!vmem_create_args(name, base, size, quantum, flags))
		return (NULL);
	vm = uma_zalloc(vmem_zone, (flags & M_WAITOK) != 0 ? M_WAITOK :
	    M_NOWAIT);
	if (vm == NULL)
		return (NULL);
	if (vmem_init1(vm, name, base, size, quantum, qcache_max, flags,
	    0) != 0) {
		uma_zfree(vmem_zone, vm);
		return (NULL);
	}
	return (vm);
}

/* vmem_create in storage the caller provides (kernel_arena's). */
vmem_t *
vmem_init(vmem_t *vm, const char *name, vmem_addr_t base, vmem_size_t size,
    vmem_size_t quantum, vmem_size_t qcache_max, int flags)
{
	if (!vmem_create_args(name, base, size, quantum, flags))
		return (NULL);
	if (vmem_init1(vm, name, base, size, quantum, qcache_max, flags,
	    VMEM_F_STATIC) != 0)
		return (NULL);
	return (vm);
}

static void
vmem_destroy1(vmem_t *vm, bool quiet, bool freevm)
{
	struct vmem_btlist tags;
	struct vmem_btag *bt;
	vmem_addr_t addr;
	vmem_size_t size;

	mtx_lock(&vmem_list_lock);
	LIST_REMOVE(vm, vm_alllist);
	mtx_unlock(&vmem_list_lock);
	qc_destroy(vm);
	VMEM_LOCK(vm);
	if (vm->vm_nbusytag != 0) {
		if (!quiet)
			KASSERT(0, ("vmem_destroy: arena %s: %u allocations "
			    "(%#" PRIx64 " bytes) not freed", vm->vm_name,
			    vm->vm_nbusytag, vm->vm_inuse));
		kprintf("vmem: arena %s destroyed with %u allocations "
		    "(%" PRIu64 " bytes) not freed\n", vm->vm_name,
		    vm->vm_nbusytag, vm->vm_inuse);
	}
	KASSERT(atomic_load(&vm->vm_nwait) == 0, ("vmem_destroy: arena %s "
	    "has waiters", vm->vm_name));
	while ((bt = TAILQ_FIRST(&vm->vm_seglist)) != NULL) {
		TAILQ_REMOVE(&vm->vm_seglist, bt, bt_seglist);
		if (bt->bt_type == BT_TYPE_FREE)
			bt_remfree(vm, bt);
		else if (bt->bt_type == BT_TYPE_BUSY)
			bt_rembusy(vm, bt);
		else if (bt->bt_type == BT_TYPE_SPAN &&
		    vm->vm_releasefn != NULL) {
			addr = bt->bt_start;
			size = bt->bt_size;
			VMEM_UNLOCK(vm);
			(*vm->vm_releasefn)(vm->vm_arg, addr, size);
			VMEM_LOCK(vm);
		}
		bt_free(vm, bt);
	}
	LIST_INIT(&tags);
	while ((bt = LIST_FIRST(&vm->vm_freetags)) != NULL) {
		LIST_REMOVE(bt, bt_link);
		LIST_INSERT_HEAD(&tags, bt, bt_link);
	}
	vm->vm_nfreetags = 0;
	VMEM_UNLOCK(vm);
	bt_dispose_list(&tags);
	if (vm->vm_hashpages != NULL)
		vmem_pages_free(vm->vm_hashpages, vm->vm_hashnpages);
	mtx_destroy(&vm->vm_lock);
	if (freevm && (vm->vm_flags & VMEM_F_STATIC) == 0)
		uma_zfree(vmem_zone, vm);
}

/*
 * Destroys an arena: its quantum caches are drained, imported spans
 * released.  Everything must have been freed (panics under INVARIANTS).
 */
void
vmem_destroy(vmem_t *vm)
{
	vmem_destroy1(vm, false, true);
}

/*
 * Makes vm import spans from a source when it lacks space: importfn(arg,
 * size, flags, &addr) for size a multiple of import_quantum (0: the
 * quantum), releasefn(arg, addr, size) when a span is wholly free.
 */
void
vmem_set_import(vmem_t *vm, vmem_import_t *importfn,
    vmem_release_t *releasefn, void *arg, vmem_size_t import_quantum)
{
	KASSERT(importfn != NULL && releasefn != NULL, ("%s: arena %s: "
	    "import and release go together", __func__, vm->vm_name));
	KASSERT(import_quantum == 0 || ((import_quantum &
	    (vm->vm_quantum - 1)) == 0 && powerof2(import_quantum)),
	    ("%s: arena %s: import quantum %#" PRIx64, __func__, vm->vm_name,
	    import_quantum));
	VMEM_LOCK(vm);
	vm->vm_importfn = importfn;
	vm->vm_releasefn = releasefn;
	vm->vm_arg = arg;
	vm->vm_import_quantum = import_quantum != 0 ? import_quantum :
	    vm->vm_quantum;
	VMEM_UNLOCK(vm);
}

/* Imports stop while they would take the arena's size beyond limit. */
void
vmem_set_limit(vmem_t *vm, vmem_size_t limit)
{
	VMEM_LOCK(vm);
	vm->vm_limit = limit;
	VMEM_UNLOCK(vm);
}

/*
 * Adds the span [addr, addr + size) to the arena; it stays until the arena
 * is destroyed.  0, ENOMEM (no boundary tag, M_NOWAIT) or EINVAL.
 */
int
vmem_add(vmem_t *vm, vmem_addr_t addr, vmem_size_t size, int flags)
{
	int error;

	if ((error = vmem_check_flags(vm, "vmem_add", flags)) != 0)
		return (error);
	VMEM_ARG(size != 0 && ((addr | size) & (vm->vm_quantum - 1)) == 0 &&
	    addr + size - 1 >= addr, ("vmem_add: arena %s: span [%#" PRIx64
	    ", +%#" PRIx64 ") is empty, wraps or is not in quanta",
	    vm->vm_name, addr, size));
	VMEM_LOCK(vm);
	if ((error = bt_fill(vm, flags)) == 0 &&
	    (error = vmem_add1(vm, addr, size, BT_TYPE_SPAN_STATIC)) == 0)
		vmem_wakeup(vm);
	vmem_unlock_trim(vm);
	return (error);
}

static int
vmem_xalloc_args(vmem_t *vm, vmem_size_t size, vmem_size_t align,
    vmem_size_t phase, vmem_size_t nocross, vmem_addr_t minaddr,
    vmem_addr_t maxaddr, int flags)
{
	vmem_size_t qmask = vm->vm_quantum - 1;
	int error;

	if ((error = vmem_check_flags(vm, "vmem_xalloc", flags)) != 0)
		return (error);
	VMEM_ARG(size != 0 && size <= VMEM_ADDR_MAX - qmask,
	    ("vmem_xalloc: arena %s: size %#" PRIx64, vm->vm_name, size));
	size = roundup2(size, vm->vm_quantum);
	VMEM_ARG((align & qmask) == 0 && powerof2(align),
	    ("vmem_xalloc: arena %s: align %#" PRIx64 " is not a power of "
	    "two multiple of the quantum", vm->vm_name, align));
	if (align == 0)
		align = vm->vm_quantum;
	VMEM_ARG((phase & qmask) == 0 && phase < align,
	    ("vmem_xalloc: arena %s: phase %#" PRIx64 " with align %#"
	    PRIx64, vm->vm_name, phase, align));
	VMEM_ARG(nocross == 0 || ((nocross & qmask) == 0 &&
	    powerof2(nocross) && nocross >= align && size <= nocross - phase),
	    ("vmem_xalloc: arena %s: nocross %#" PRIx64 " with size %#"
	    PRIx64 " align %#" PRIx64 " phase %#" PRIx64, vm->vm_name,
	    nocross, size, align, phase));
	VMEM_ARG(minaddr <= maxaddr && maxaddr - minaddr >= size - 1,
	    ("vmem_xalloc: arena %s: [%#" PRIx64 ", %#" PRIx64 "] cannot "
	    "hold %#" PRIx64 " bytes", vm->vm_name, minaddr, maxaddr, size));
	return (0);
}

/*
 * Allocates size bytes (rounded up to the quantum) starting phase bytes
 * past a multiple of align (0: the quantum), not crossing a multiple of
 * nocross (0: no limit), inside [minaddr, maxaddr] (maxaddr inclusive).
 * Never uses the quantum caches; free with vmem_xfree.
 */
int
vmem_xalloc(vmem_t *vm, vmem_size_t size, vmem_size_t align,
    vmem_size_t phase, vmem_size_t nocross, vmem_addr_t minaddr,
    vmem_addr_t maxaddr, int flags, vmem_addr_t *addrp)
{
	int error;

	error = vmem_xalloc_args(vm, size, align, phase, nocross, minaddr,
	    maxaddr, flags);
	if (error != 0)
		return (error);
	size = roundup2(size, vm->vm_quantum);
	if (align == 0)
		align = vm->vm_quantum;
	VMEM_LOCK(vm);
	error = vmem_xalloc_locked(vm, size, align, phase, nocross, minaddr,
	    maxaddr, flags, addrp);
	vmem_unlock_trim(vm);
	return (error);
}

/*
 * Allocates exactly [addr, addr + size) (in quanta).  EBUSY if any of it
 * is allocated or outside every span, ENOMEM if no boundary tag could be
 * had (M_NOWAIT).  Never waits for the range; free with vmem_xfree.  Costs
 * a walk of the segment list.
 */
int
vmem_xalloc_addr(vmem_t *vm, vmem_addr_t addr, vmem_size_t size, int flags)
{
	struct vmem_btag *bt;
	vmem_addr_t end;
	int error;

	if ((error = vmem_check_flags(vm, "vmem_xalloc_addr", flags)) != 0)
		return (error);
	VMEM_ARG(size != 0 && ((addr | size) & (vm->vm_quantum - 1)) == 0 &&
	    addr + size - 1 >= addr, ("vmem_xalloc_addr: arena %s: range "
	    "[%#" PRIx64 ", +%#" PRIx64 ") is empty, wraps or is not in "
	    "quanta", vm->vm_name, addr, size));
	end = addr + size - 1;
	VMEM_LOCK(vm);
	if ((error = bt_fill(vm, flags)) == 0) {
		error = EBUSY;
		TAILQ_FOREACH(bt, &vm->vm_seglist, bt_seglist) {
			if (bt->bt_start > addr)
				break;
			if (bt->bt_type == BT_TYPE_FREE && BT_END(bt) >= end) {
				vmem_clip(vm, bt, addr, size);
				error = 0;
				break;
			}
		}
	}
	if (error != 0)
		vm->vm_fails++;
	vmem_unlock_trim(vm);
	return (error);
}

/* Frees a range vmem_xalloc gave; panics if it is not one, whole. */
void
vmem_xfree(vmem_t *vm, vmem_addr_t addr, vmem_size_t size)
{
	vmem_addr_t span;
	vmem_size_t spansize;
	bool release;

	if (__predict_false(size == 0))
		panic("vmem_xfree: arena %s: size 0 at %#" PRIx64,
		    vm->vm_name, addr);
	size = roundup2(size, vm->vm_quantum);
	VMEM_LOCK(vm);
	release = vmem_xfree_locked(vm, addr, size, &span, &spansize);
	vmem_wakeup(vm);
	vmem_unlock_trim(vm);
	if (release)
		(*vm->vm_releasefn)(vm->vm_arg, span, spansize);
}

/*
 * Allocates size bytes: through a quantum cache up to qcache_max, else as
 * vmem_xalloc without constraints.  Free with vmem_free.
 */
int
vmem_alloc(vmem_t *vm, vmem_size_t size, int flags, vmem_addr_t *addrp)
{
	int error;

	if ((error = vmem_check_flags(vm, "vmem_alloc", flags)) != 0)
		return (error);
	VMEM_ARG(size != 0 && size <= VMEM_ADDR_MAX - (vm->vm_quantum - 1),
	    ("vmem_alloc: arena %s: size %#" PRIx64, vm->vm_name, size));
	size = roundup2(size, vm->vm_quantum);
	if (size <= vm->vm_qcache_max)
		return (qc_alloc(vm->vm_qcache[(size >> vm->vm_quantum_shift) -
		    1], flags, addrp));
	return (vmem_xalloc(vm, size, 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
	    flags, addrp));
}

void
vmem_free(vmem_t *vm, vmem_addr_t addr, vmem_size_t size)
{
	if (__predict_false(size == 0))
		panic("vmem_free: arena %s: size 0 at %#" PRIx64,
		    vm->vm_name, addr);
	size = roundup2(size, vm->vm_quantum);
	if (size <= vm->vm_qcache_max)
		qc_free(vm->vm_qcache[(size >> vm->vm_quantum_shift) - 1],
		    addr);
	else
		vmem_xfree(vm, addr, size);
}

vmem_size_t
vmem_size(vmem_t *vm, int typemask)
{
	struct vmem_btag *bt;
	vmem_size_t v = 0;
	int i;

	VMEM_LOCK(vm);
	switch (typemask) {
	case VMEM_ALLOC:
		v = vm->vm_inuse;
		break;
	case VMEM_FREE:
		v = vm->vm_size - vm->vm_inuse;
		break;
	case VMEM_ALLOC | VMEM_FREE:
		v = vm->vm_size;
		break;
	case VMEM_MAXFREE:
		for (i = VMEM_MAXORDER - 1; i >= 0 && v == 0; i--)
			LIST_FOREACH(bt, &vm->vm_freelist[i], bt_link)
				v = MAX(v, bt->bt_size);
		break;
	default:
		VMEM_UNLOCK(vm);
		panic("vmem_size: arena %s: type mask %#x", vm->vm_name,
		    typemask);
	}
	VMEM_UNLOCK(vm);
	return (v);
}

vmem_size_t
vmem_roundup_size(vmem_t *vm, vmem_size_t size)
{
	return (roundup2(size, vm->vm_quantum));
}

/*
 * The size of the allocated segment starting at addr, 0 if there is none.
 * A range waiting in a quantum cache is allocated as far as the arena
 * knows, so it has its cache's size.
 */
vmem_size_t
vmem_lookup_size(vmem_t *vm, vmem_addr_t addr)
{
	struct vmem_btag *bt;
	vmem_size_t size;

	VMEM_LOCK(vm);
	bt = bt_lookupbusy(vm, addr);
	size = bt != NULL ? bt->bt_size : 0;
	VMEM_UNLOCK(vm);
	return (size);
}

const char *
vmem_name(vmem_t *vm)
{
	return (vm->vm_name);
}

void
vmem_qcache_drain(vmem_t *vm)
{
	int i;

	for (i = 0; i < vm->vm_nqcache; i++)
		qc_drain(vm->vm_qcache[i]);
}

void
vmem_stats(vmem_t *vm, struct vmem_stats *vs)
{
	struct vmem_btag *bt;
	int i;

	memset(vs, 0, sizeof(*vs));
	VMEM_LOCK(vm);
	vs->vs_size = vm->vm_size;
	vs->vs_inuse = vm->vm_inuse;
	for (i = VMEM_MAXORDER - 1; i >= 0 && vs->vs_maxfree == 0; i--)
		LIST_FOREACH(bt, &vm->vm_freelist[i], bt_link)
			vs->vs_maxfree = MAX(vs->vs_maxfree, bt->bt_size);
	vs->vs_quantum = vm->vm_quantum;
	vs->vs_qcache_max = vm->vm_qcache_max;
	vs->vs_nspans = vm->vm_nspans;
	vs->vs_nbusy = vm->vm_nbusytag;
	vs->vs_nfree = vm->vm_nfreeseg;
	vs->vs_allocs = vm->vm_allocs;
	vs->vs_frees = vm->vm_frees;
	vs->vs_fails = vm->vm_fails;
	vs->vs_sleeps = vm->vm_sleeps;
	vs->vs_imports = vm->vm_imports;
	vs->vs_releases = vm->vm_releases;
	vs->vs_hashsize = vm->vm_hashsize;
	vs->vs_nqcache = (u_int)vm->vm_nqcache;
	VMEM_UNLOCK(vm);
}

/* Statistics of quantum cache idx (size (idx + 1) quanta); EINVAL if none. */
int
vmem_qcache_stats(vmem_t *vm, int idx, struct vmem_qcache_stats *qs)
{
	struct vmem_qcache *qc;

	if (idx < 0 || idx >= vm->vm_nqcache)
		return (EINVAL);
	qc = vm->vm_qcache[idx];
	mtx_lock(&qc->qc_lock);
	qs->vqs_size = qc->qc_size;
	qs->vqs_allocs = qc->qc_allocs;
	qs->vqs_frees = qc->qc_frees;
	qs->vqs_imports = qc->qc_imports;
	qs->vqs_releases = qc->qc_releases;
	qs->vqs_cached = qc->qc_cnt;
	mtx_unlock(&qc->qc_lock);
	return (0);
}

/* ---- the invariants checker and the dump ------------------------------- */

#define	VCHECK(cond, ...) do {						\
	if (__predict_false(!(cond)))					\
		panic("vmem_check: arena %s: " __VA_ARGS__);		\
} while (0)

static void
vmem_check_locked(vmem_t *vm)
{
	struct vmem_btag *bt, *span = NULL, *prev = NULL;
	vmem_size_t covered = 0, size = 0, inuse = 0;
	vmem_size_t qmask = vm->vm_quantum - 1;
	u_int nspans = 0, nbusy = 0, nfree = 0, n, i;
	uint8_t gen;

	VMEM_ASSERT_LOCKED(vm);
	gen = ++vm->vm_checkgen;
	if (gen == 0)
		gen = ++vm->vm_checkgen;
	TAILQ_FOREACH(bt, &vm->vm_seglist, bt_seglist) {
		VCHECK(bt->bt_size != 0 && ((bt->bt_start | bt->bt_size) &
		    qmask) == 0 && BT_END(bt) >= bt->bt_start, "tag %p [%#"
		    PRIx64 ", +%#" PRIx64 ") is empty, wraps or is not in "
		    "quanta", vm->vm_name, (void *)bt, bt->bt_start,
		    bt->bt_size);
		if (BT_ISSPAN(bt)) {
			VCHECK(span == NULL || covered == span->bt_size,
			    "span %#" PRIx64 " covered %#" PRIx64 " of %#"
			    PRIx64, vm->vm_name, span->bt_start, covered,
			    span->bt_size);
			VCHECK(span == NULL || BT_END(span) < bt->bt_start,
			    "spans %#" PRIx64 " and %#" PRIx64 " overlap or "
			    "are out of order", vm->vm_name, span->bt_start,
			    bt->bt_start);
			span = bt;
			covered = 0;
			nspans++;
			size += bt->bt_size;
			prev = bt;
			continue;
		}
		VCHECK(span != NULL && bt->bt_start == span->bt_start + covered,
		    "segment %#" PRIx64 " does not continue its span",
		    vm->vm_name, bt->bt_start);
		covered += bt->bt_size;
		VCHECK(covered <= span->bt_size && covered != 0, "segment %#"
		    PRIx64 " overruns span %#" PRIx64, vm->vm_name,
		    bt->bt_start, span->bt_start);
		if (bt->bt_type == BT_TYPE_FREE) {
			VCHECK(prev->bt_type != BT_TYPE_FREE, "free segments "
			    "%#" PRIx64 " and %#" PRIx64 " not merged",
			    vm->vm_name, prev->bt_start, bt->bt_start);
			nfree++;
		} else {
			VCHECK(bt->bt_type == BT_TYPE_BUSY, "tag %p at %#"
			    PRIx64 " has type %d", vm->vm_name, (void *)bt,
			    bt->bt_start, bt->bt_type);
			nbusy++;
			inuse += bt->bt_size;
		}
		bt->bt_mark = gen;
		prev = bt;
	}
	VCHECK(span == NULL || covered == span->bt_size, "last span %#" PRIx64
	    " covered %#" PRIx64 " of %#" PRIx64, vm->vm_name,
	    span->bt_start, covered, span->bt_size);
	VCHECK(size == vm->vm_size && inuse == vm->vm_inuse, "size %#" PRIx64
	    " inuse %#" PRIx64 ", counted %#" PRIx64 " and %#" PRIx64,
	    vm->vm_name, size, inuse, vm->vm_size, vm->vm_inuse);
	VCHECK(nspans == vm->vm_nspans && nbusy == vm->vm_nbusytag &&
	    nfree == vm->vm_nfreeseg, "%u spans %u allocated %u free, counted "
	    "%u %u %u", vm->vm_name, nspans, nbusy, nfree, vm->vm_nspans,
	    vm->vm_nbusytag, vm->vm_nfreeseg);

	/* Free lists: exactly the free segments, each in its size class. */
	n = 0;
	for (i = 0; i < VMEM_MAXORDER; i++)
		LIST_FOREACH(bt, &vm->vm_freelist[i], bt_link) {
			VCHECK(n++ < nfree, "free lists hold more than the %u "
			    "free segments", vm->vm_name, nfree);
			VCHECK(bt->bt_type == BT_TYPE_FREE && bt->bt_mark ==
			    gen, "tag %p on free list %u is not a free "
			    "segment", vm->vm_name, (void *)bt, i);
			VCHECK(bt_freelist_index(vm, bt->bt_size) == (int)i,
			    "segment %#" PRIx64 " of %#" PRIx64 " bytes on "
			    "free list %u", vm->vm_name, bt->bt_start,
			    bt->bt_size, i);
		}
	VCHECK(n == nfree, "free lists hold %u of %u free segments",
	    vm->vm_name, n, nfree);

	/* The hash: exactly the allocated segments, each in its bucket. */
	n = 0;
	for (i = 0; i < vm->vm_hashsize; i++)
		LIST_FOREACH(bt, &vm->vm_hashlist[i], bt_link) {
			VCHECK(n++ < nbusy, "hash holds more than the %u "
			    "allocated segments", vm->vm_name, nbusy);
			VCHECK(bt->bt_type == BT_TYPE_BUSY && bt->bt_mark ==
			    gen, "tag %p in hash bucket %u is not an allocated "
			    "segment", vm->vm_name, (void *)bt, i);
			VCHECK(bt_hashhead(vm, bt->bt_start) ==
			    &vm->vm_hashlist[i], "segment %#" PRIx64 " in hash "
			    "bucket %u", vm->vm_name, bt->bt_start, i);
		}
	VCHECK(n == nbusy, "hash holds %u of %u allocated segments",
	    vm->vm_name, n, nbusy);

	n = 0;
	LIST_FOREACH(bt, &vm->vm_freetags, bt_link)
		VCHECK(n++ < vm->vm_nfreetags, "tag cache longer than %u",
		    vm->vm_name, vm->vm_nfreetags);
	VCHECK(n == vm->vm_nfreetags, "tag cache holds %u, counted %u",
	    vm->vm_name, n, vm->vm_nfreetags);
}

/*
 * Checks the arena (see the top of the file) and its quantum caches:
 * every cached range is an allocated segment of the cache's size, once.
 * Panics on the first violation.  Meant for quiescent arenas (tests).
 */
void
vmem_check(vmem_t *vm)
{
	vmem_addr_t items[VMEM_QCACHE_CAP];
	struct vmem_btag *bt;
	struct vmem_qcache *qc;
	u_int i, j, n;
	int q;

	VMEM_LOCK(vm);
	vmem_check_locked(vm);
	VMEM_UNLOCK(vm);
	for (q = 0; q < vm->vm_nqcache; q++) {
		qc = vm->vm_qcache[q];
		mtx_lock(&qc->qc_lock);
		n = qc->qc_cnt;
		VCHECK(n <= VMEM_QCACHE_CAP, "quantum cache %#" PRIx64 " holds "
		    "%u", vm->vm_name, qc->qc_size, n);
		memcpy(items, qc->qc_items, n * sizeof(items[0]));
		mtx_unlock(&qc->qc_lock);
		VMEM_LOCK(vm);
		for (i = 0; i < n; i++) {
			bt = bt_lookupbusy(vm, items[i]);
			VCHECK(bt != NULL && bt->bt_size == qc->qc_size,
			    "quantum cache %#" PRIx64 " holds %#" PRIx64 ", "
			    "not an allocated segment of its size",
			    vm->vm_name, qc->qc_size, items[i]);
			for (j = 0; j < i; j++)
				VCHECK(items[j] != items[i], "quantum cache %#"
				    PRIx64 " holds %#" PRIx64 " twice",
				    vm->vm_name, qc->qc_size, items[i]);
		}
		VMEM_UNLOCK(vm);
	}
}

static const char *
bt_type_name(int type)
{
	switch (type) {
	case BT_TYPE_SPAN_STATIC:
		return ("span");
	case BT_TYPE_SPAN:
		return ("imported span");
	case BT_TYPE_FREE:
		return ("free");
	case BT_TYPE_BUSY:
		return ("allocated");
	default:
		return ("?");
	}
}

/* Prints the arena's statistics and every tag, in address order. */
void
vmem_print(vmem_t *vm, FILE *fp)
{
	struct vmem_btag *bt;
	int q;

	VMEM_LOCK(vm);
	fprintf(fp, "vmem %s: quantum %#" PRIx64 ", size %#" PRIx64 ", inuse "
	    "%#" PRIx64 ", %u spans, %u allocated, %u free, hash %u\n",
	    vm->vm_name, vm->vm_quantum, vm->vm_size, vm->vm_inuse,
	    vm->vm_nspans, vm->vm_nbusytag, vm->vm_nfreeseg, vm->vm_hashsize);
	TAILQ_FOREACH(bt, &vm->vm_seglist, bt_seglist)
		fprintf(fp, "%s[%#" PRIx64 ", %#" PRIx64 "] %s\n",
		    BT_ISSPAN(bt) ? "" : "    ", bt->bt_start, BT_END(bt),
		    bt_type_name(bt->bt_type));
	VMEM_UNLOCK(vm);
	for (q = 0; q < vm->vm_nqcache; q++) {
		mtx_lock(&vm->vm_qcache[q]->qc_lock);
		fprintf(fp, "  quantum cache %#" PRIx64 ": %u cached\n",
		    vm->vm_qcache[q]->qc_size, vm->vm_qcache[q]->qc_cnt);
		mtx_unlock(&vm->vm_qcache[q]->qc_lock);
	}
}

/* ---- boot --------------------------------------------------------------- */

/*
 * After uma_startup: the static reserve and the zones.  No page is taken
 * (a zone's first slab comes with its first allocation).
 */
void
vmem_startup(void)
{
	int i;

	mtx_init(&vmem_list_lock, "vmem list", NULL, MTX_DEF);
	mtx_init(&vmem_bt_reserve_lock, "vmem btag reserve", NULL, MTX_DEF);
	LIST_INIT(&vmem_list);
	LIST_INIT(&vmem_bt_reserve);
	for (i = 0; i < VMEM_BT_NSTATIC; i++)
		LIST_INSERT_HEAD(&vmem_bt_reserve, &vmem_bt_static[i], bt_link);
	vmem_bt_nreserve = VMEM_BT_NSTATIC;
	atomic_store(&vmem_bt_uma, false);
	/*
	 * UMA_ZONE_VM: kernel metadata, which may use the system page
	 * reserve, and whose zone structures UMA keeps in static storage.
	 */
	vmem_zone = uma_zcreate("vmem", sizeof(struct vmem), NULL, NULL, NULL,
	    NULL, UMA_ALIGN_CACHE, UMA_ZONE_VM);
	vmem_qc_zone = uma_zcreate("vmem qcache", sizeof(struct vmem_qcache),
	    NULL, NULL, NULL, NULL, UMA_ALIGN_CACHE, UMA_ZONE_VM);
	vmem_bt_zone = uma_zcreate("vmem btag", sizeof(struct vmem_btag),
	    NULL, NULL, NULL, NULL, UMA_ALIGN_PTR, UMA_ZONE_VM);
	if (vmem_zone == NULL || vmem_qc_zone == NULL || vmem_bt_zone == NULL)
		panic("%s: cannot create the vmem zones", __func__);
	vmem_up = true;
}

/* The boot arenas exist: tags come from UMA from now on. */
void
vmem_bootstrapped(void)
{
	atomic_store(&vmem_bt_uma, true);
}

/*
 * At vm_shutdown: destroys every arena left, newest first (so a child
 * releases its spans into a parent that still exists), then the zones.
 */
void
vmem_shutdown(void)
{
	vmem_t *vm;

	if (!vmem_up)
		return;
	for (;;) {
		mtx_lock(&vmem_list_lock);
		vm = LIST_FIRST(&vmem_list);
		mtx_unlock(&vmem_list_lock);
		if (vm == NULL)
			break;
		vmem_destroy1(vm, true, true);
	}
	KASSERT(vmem_bt_nreserve == VMEM_BT_NSTATIC, ("%s: %u of %d static "
	    "tags lost", __func__, VMEM_BT_NSTATIC - vmem_bt_nreserve,
	    VMEM_BT_NSTATIC));
	uma_zdestroy(vmem_bt_zone);
	uma_zdestroy(vmem_qc_zone);
	uma_zdestroy(vmem_zone);
	vmem_bt_zone = vmem_qc_zone = vmem_zone = NULL;
	atomic_store(&vmem_bt_uma, false);
	vmem_up = false;
	mtx_destroy(&vmem_bt_reserve_lock);
	mtx_destroy(&vmem_list_lock);
}

u_int
vmem_bt_reserve_avail(void)
{
	u_int n;

	if (!vmem_up)
		return (vmem_bt_nreserve);
	mtx_lock(&vmem_bt_reserve_lock);
	n = vmem_bt_nreserve;
	mtx_unlock(&vmem_bt_reserve_lock);
	return (n);
}
