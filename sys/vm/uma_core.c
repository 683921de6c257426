/*
 * The UMA zone allocator (FreeBSD's uma(9), seed 004).
 *
 * A zone hands out items of one size.  Its storage has three levels:
 *
 *   per-CPU caches   each CPU slot holds an allocation bucket and a free
 *                    bucket (stacks of item pointers).  The fast path takes
 *                    no lock: inside a critical section it pops or pushes
 *                    one pointer (seed 004: "no longer perform any mutex
 *                    operations, which offers a 1%-3% performance
 *                    improvement").  Frees go to the allocation bucket
 *                    while it has room, then to the free bucket; an
 *                    allocation that empties its bucket swaps in the free
 *                    one (FreeBSD's order, cache_free_push).
 *   bucket cache     full buckets shared by all CPUs, under the zone lock;
 *                    a CPU whose buckets run out swaps with it.  It is
 *                    trimmed to a working-set estimate (the spread of its
 *                    size over each period, averaged) by a periodic
 *                    thread, and emptied by uma_reclaim().
 *   keg              slabs of items carved from physical pages of libvm's
 *                    arena (wired, through the direct map), with a bitmap
 *                    of free items per slab.  A primary zone owns its keg;
 *                    secondary zones (uma_zsecond_create) share it, each
 *                    with its own caches, ctor/dtor and zinit/zfini.
 *
 * The life of an item: keg init when its slab is created, zone init
 * (secondary zones) when it moves from the keg into a zone, ctor at every
 * allocation, dtor at every free, zone fini when it goes back to the keg,
 * keg fini when its slab is freed.  ctor and init may fail (seed 004):
 * the allocation then returns NULL, and a bucket being filled keeps only
 * the items that were initialized (the rest go back untouched).
 *
 * When a bucket runs out the slow path leaves the critical section to
 * take the zone lock (a zone lock may sleep; a critical section must
 * not), then re-enters it and looks again at the cache of whatever CPU it
 * now runs on: the thread may have migrated, or the cache been refilled,
 * meanwhile (seed 004: "re-evaluate which cache we are accessing").
 *
 * Limits (uma_zone_set_max) count live items exactly: a limited zone
 * bypasses the per-CPU and bucket caches, and M_WAITOK allocations past
 * the limit sleep until an item is freed.
 *
 * UMA's own structures come from UMA: zones from the "UMA Zones" zone,
 * kegs from "UMA Kegs" (both bootstrapped from static storage), off-page
 * slab headers from "UMA Slabs", buckets from the "N Bucket" zones.
 * These internal zones have no per-CPU caches.
 *
 * Statistics: per-CPU allocation and free counts (written by the slot's
 * owner, atomically, so readers need no lock), zone-wide counts for the
 * paths without caches, failures and sleeps; sysctl vm.zone_stats streams
 * them in seed 004's format, vm.uma_count counts the zones.
 *
 * Locks: see uma_int.h.  uma_lock (the zone and keg lists), then a zone's
 * lock, then its keg's.  Pages are allocated with no UMA lock held.
 * Per-CPU caches are reached inside a critical section on their slot, or
 * after claiming the slot (pcpu_lock_all / pcpu_claim_wait), which is how
 * drains and statistics reach other CPUs' caches.
 *
 * Invariants (uma_assert_consistent, INVARIANTS): each slab's free count
 * matches its bitmap and its list; the keg's free-item and page totals
 * match its slabs; the bucket cache's item total matches its buckets.
 * INVARIANTS builds run it after every reclaim and on every zone at each
 * period of the trim thread, so the test suite runs it throughout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/systm.h>
#include <sys/kthread.h>
#include <sys/malloc.h>
#include <sys/pcpu.h>
#include <sys/sleepqueue.h>
#include <sys/sysctl.h>

#include <vm/vm_lowmem.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/uma_int.h>

#define	ZONE_LOCK(z)		mtx_lock(&(z)->uz_lock)
#define	ZONE_UNLOCK(z)		mtx_unlock(&(z)->uz_lock)
#define	ZONE_LOCK_ASSERT(z)	mtx_assert(&(z)->uz_lock, MA_OWNED)
#define	KEG_LOCK(k)		mtx_lock(&(k)->uk_lock)
#define	KEG_UNLOCK(k)		mtx_unlock(&(k)->uk_lock)
#define	KEG_LOCK_ASSERT(k)	mtx_assert(&(k)->uk_lock, MA_OWNED)

static struct mtx uma_lock;
static LIST_HEAD(, uma_keg) uma_kegs;		/* (u) */
static TAILQ_HEAD(, uma_zone) uma_zones;		/* (u) creation order */
static int uma_nzones;				/* (u) */
static _Atomic bool uma_up;			/* between startup and
						   shutdown */

/*
 * UMA's own zones and kegs live in static storage, so that booting takes
 * no page: the first slab of each is allocated when it is first used.
 */
static struct uma_zone zone_zones, zone_kegs;
static struct uma_keg keg_zones, keg_kegs;
#define	UMA_NINTERNAL	9		/* slab headers and buckets */
static struct uma_zone internal_zones[UMA_NINTERNAL];
static struct uma_keg internal_kegs[UMA_NINTERNAL];
static int ninternal;

/*
 * The VM's own zones (UMA_ZONE_VM: map entries, objects, ...) are created
 * at boot, and their zone and keg structures come from static storage
 * too, with room for MAXCPU caches: so boot takes no page either.
 */
#define	UMA_NVMZONES	32	/* VM objects, entries, vmspaces, malloc-* */
static _Alignas(CACHE_LINE_SIZE) char
    vm_zones[UMA_NVMZONES][roundup2(UMA_ZONE_SIZE(MAXCPU), CACHE_LINE_SIZE)];
static struct uma_keg vm_kegs[UMA_NVMZONES];
static int nvmzones;

static uma_zone_t slabzone_small, slabzone_large;

/* Bucket zones, by capacity (entries). */
static const int bucket_sizes[] = { 8, 16, 32, 64, 128, 256, 512 };
#define	NBUCKETZONES	nitems(bucket_sizes)
static uma_zone_t bucket_zones[NBUCKETZONES];

/*
 * A per-CPU cache without a bucket points at bucket_none rather than
 * NULL: empty and full at once (no entries), so the fast paths' count
 * tests turn it away with no NULL test of their own.  It is never
 * written.  The slow paths see NULL (cache_bucket) and store NULL
 * (cache_slot).
 */
static struct uma_bucket bucket_none;

static inline uma_bucket_t
cache_bucket(uma_bucket_t b)
{
	return (b == &bucket_none ? NULL : b);
}

static inline uma_bucket_t
cache_slot(uma_bucket_t b)
{
	return (b == NULL ? &bucket_none : b);
}

/* Trimming: the periodic "uma" thread. */
static _Atomic int uma_timeout_ms;		/* vm.uma_timeout */
static int uma_timeout_chan;
static _Atomic bool uma_lowmem_pending;		/* (a) reclaim asked */
static _Atomic uint64_t uma_lowmem_reclaims;	/* (a) done for it */
static struct vm_lowmem_handler *uma_lowmem_tag;	/* (c) */

static void	zone_free_item(uma_zone_t, void *, void *, bool);
static void	*zone_alloc_item(uma_zone_t, void *, int);

/*
 * uma_zone_set_max sets uz_limited and then claims every CPU slot, so a
 * critical section that starts after it sees the flag: the fast paths
 * test it inside theirs.
 */
static inline bool
zone_limited(uma_zone_t zone)
{
	return (atomic_load_explicit(&zone->uz_limited, memory_order_relaxed));
}

/* ---- slabs -------------------------------------------------------------- */

/* The slab of an item, from its page. */
static inline uma_slab_t
vtoslab(const void *item, uma_keg_t *kegp)
{
	vm_paddr_t pa = DMAP_TO_PHYS(item);
	vm_page_t m;

	if ((const char *)item < vm_dmap_base ||
	    atop(pa) >= (vm_paddr_t)vm_page_array_size)
		panic("uma: %p is not an address of the arena", item);
	m = PHYS_TO_VM_PAGE(pa);
	if (kegp != NULL)
		*kegp = m->plinks.uma.keg;
	return (m->plinks.uma.slab);
}

static inline int
slab_item_index(uma_keg_t keg, uma_slab_t slab, const void *item)
{
	return ((int)(((const char *)item - slab->us_data) / keg->uk_rsize));
}

/*
 * Allocates and initializes a slab, keg unlocked (it may sleep for pages
 * with M_WAITOK).  NULL if pages, a header or an item's init fail.
 */
static uma_slab_t
keg_alloc_slab(uma_keg_t keg, int flags)
{
	uma_slab_t slab;
	vm_page_t m;
	char *mem;
	int req, i, nw;
	uint32_t k;

	req = VM_ALLOC_WIRED | VM_ALLOC_NOBUSY |
	    ((flags & M_WAITOK) != 0 ? VM_ALLOC_WAITOK : VM_ALLOC_NOWAIT) |
	    ((keg->uk_flags & (UMA_ZFLAG_INTERNAL | UMA_ZONE_VM)) != 0 ?
	    VM_ALLOC_SYSTEM : VM_ALLOC_NORMAL);
	if (keg->uk_ppera == 1)
		m = vm_page_alloc_noobj(req);
	else
		for (;;) {
			m = vm_page_alloc_noobj_contig(req, keg->uk_ppera, 0,
			    ~(vm_paddr_t)0, PAGE_SIZE, 0);
			if (m != NULL || (flags & M_WAITOK) == 0)
				break;
			/*
			 * Pages are free but in no run long enough (the
			 * allocator waits only for a count of pages): as
			 * M_WAITOK promises, wait for frees to make one.
			 */
			kpause("umactg", 10);
		}
	if (m == NULL)
		return (NULL);
	mem = vm_page_dmap(m);
	if ((keg->uk_flags & UMA_ZONE_OFFPAGE) != 0) {
		slab = zone_alloc_item(keg->uk_slabzone, NULL,
		    (flags & ~M_ZERO));
		if (slab == NULL)
			goto fail_pages;
	} else
		slab = (uma_slab_t)(mem + keg->uk_hdroff);
	slab->us_data = mem;
	slab->us_pages = m;
	slab->us_freecount = (uint16_t)keg->uk_ipers;
	slab->us_flags = 0;
	nw = (int)UMA_SLAB_WORDS(keg->uk_ipers);
	for (i = 0; i < nw; i++)
		slab->us_free[i] = ~0ULL;
#ifdef INVARIANTS
	for (i = 0; i < nw; i++)
		atomic_store_explicit((_Atomic uint64_t *)&slab->us_free[nw +
		    i], 0, memory_order_relaxed);
#endif
	if (keg->uk_ipers % 64 != 0)
		slab->us_free[nw - 1] = (1ULL << (keg->uk_ipers % 64)) - 1;
	for (k = 0; k < keg->uk_ppera; k++) {
		m[k].plinks.uma.slab = slab;
		m[k].plinks.uma.keg = keg;
	}
	if (keg->uk_init != NULL)
		for (k = 0; k < keg->uk_ipers; k++)
			if (keg->uk_init(mem + k * keg->uk_rsize,
			    (int)keg->uk_size, flags) != 0) {
				while (k-- > 0)
					if (keg->uk_fini != NULL)
						keg->uk_fini(mem +
						    k * keg->uk_rsize,
						    (int)keg->uk_size);
				goto fail_header;
			}
	return (slab);

fail_header:
	if ((keg->uk_flags & UMA_ZONE_OFFPAGE) != 0)
		zone_free_item(keg->uk_slabzone, slab, NULL, false);
fail_pages:
	for (k = 0; k < keg->uk_ppera; k++) {
		m[k].plinks.uma.slab = NULL;
		m[k].plinks.uma.keg = NULL;
		(void)vm_page_unwire_noq(&m[k]);
		vm_page_free(&m[k]);
	}
	return (NULL);
}

/* Runs the items' fini and gives a slab's pages back; keg unlocked. */
static void
keg_free_slab(uma_keg_t keg, uma_slab_t slab)
{
	vm_page_t m = slab->us_pages;
	uint32_t k;

	KASSERT(slab->us_freecount == keg->uk_ipers,
	    ("uma: freeing slab %p of keg %s with items in use", slab,
	    keg->uk_name));
	if (keg->uk_fini != NULL)
		for (k = 0; k < keg->uk_ipers; k++)
			keg->uk_fini(slab->us_data + k * keg->uk_rsize,
			    (int)keg->uk_size);
	if ((keg->uk_flags & UMA_ZONE_OFFPAGE) != 0)
		zone_free_item(keg->uk_slabzone, slab, NULL, false);
	for (k = 0; k < keg->uk_ppera; k++) {
		m[k].plinks.uma.slab = NULL;
		m[k].plinks.uma.keg = NULL;
		(void)vm_page_unwire_noq(&m[k]);
		vm_page_free(&m[k]);
	}
}

/* Takes the first free item of a slab.  Keg locked. */
static void *
slab_alloc_item(uma_keg_t keg, uma_slab_t slab)
{
	int w, bit;

	KEG_LOCK_ASSERT(keg);
	for (w = 0; slab->us_free[w] == 0; w++)
		;
	bit = __builtin_ctzll(slab->us_free[w]);
	slab->us_free[w] &= ~(1ULL << bit);
	if (slab->us_freecount-- == keg->uk_ipers) {
		LIST_REMOVE(slab, us_link);
		LIST_INSERT_HEAD(slab->us_freecount == 0 ?
		    &keg->uk_full_slab : &keg->uk_part_slab, slab, us_link);
	} else if (slab->us_freecount == 0) {
		LIST_REMOVE(slab, us_link);
		LIST_INSERT_HEAD(&keg->uk_full_slab, slab, us_link);
	}
	keg->uk_free--;
	return (slab->us_data + (size_t)(w * 64 + bit) * keg->uk_rsize);
}

/*
 * Puts an item back in its slab.  Keg locked.  A pointer that is not an
 * item of this keg, or an item already free, is a caller's bug that
 * would corrupt the slab: it panics.
 */
static void
slab_free_item(uma_keg_t keg, void *item)
{
	uma_keg_t ikeg;
	uma_slab_t slab;
	int idx;

	KEG_LOCK_ASSERT(keg);
	slab = vtoslab(item, &ikeg);
	if (ikeg != keg || slab == NULL)
		panic("uma: freeing %p to zone %s: not one of its items",
		    item, keg->uk_name);
	idx = slab_item_index(keg, slab, item);
	if ((char *)item != slab->us_data + (size_t)idx * keg->uk_rsize ||
	    idx >= (int)keg->uk_ipers)
		panic("uma: freeing %p to zone %s: not the start of an item",
		    item, keg->uk_name);
	if ((slab->us_free[idx / 64] & (1ULL << (idx % 64))) != 0)
		panic("uma: freeing %p to zone %s twice", item, keg->uk_name);
	slab->us_free[idx / 64] |= 1ULL << (idx % 64);
	if (slab->us_freecount++ == 0) {
		LIST_REMOVE(slab, us_link);
		LIST_INSERT_HEAD(keg->uk_ipers == 1 ? &keg->uk_free_slab :
		    &keg->uk_part_slab, slab, us_link);
	} else if (slab->us_freecount == keg->uk_ipers) {
		LIST_REMOVE(slab, us_link);
		LIST_INSERT_HEAD(&keg->uk_free_slab, slab, us_link);
	}
	keg->uk_free++;
}

/*
 * A slab with a free item: a partly used one first (it keeps empty slabs
 * free for reclaim), then an empty one, then a new one.  Keg locked; it
 * is dropped while pages are allocated.  NULL if none can be had.
 */
static uma_slab_t
keg_fetch_slab(uma_keg_t keg, int flags)
{
	uma_slab_t slab;

	KEG_LOCK_ASSERT(keg);
	for (;;) {
		if ((slab = LIST_FIRST(&keg->uk_part_slab)) != NULL ||
		    (slab = LIST_FIRST(&keg->uk_free_slab)) != NULL)
			return (slab);
		KEG_UNLOCK(keg);
		slab = keg_alloc_slab(keg, flags);
		KEG_LOCK(keg);
		if (slab == NULL)
			return (NULL);
		LIST_INSERT_HEAD(&keg->uk_free_slab, slab, us_link);
		keg->uk_pages += keg->uk_ppera;
		keg->uk_free += keg->uk_ipers;
		/* Loop: a racing free may have made a partial slab. */
	}
}

/* Frees the keg's empty slabs (not for NOFREE kegs). */
static void
keg_drain(uma_keg_t keg)
{
	struct uma_slablist freeslabs;
	uma_slab_t slab;

	if ((keg->uk_flags & UMA_ZONE_NOFREE) != 0)
		return;
	LIST_INIT(&freeslabs);
	KEG_LOCK(keg);
	while ((slab = LIST_FIRST(&keg->uk_free_slab)) != NULL) {
		LIST_REMOVE(slab, us_link);
		LIST_INSERT_HEAD(&freeslabs, slab, us_link);
		keg->uk_pages -= keg->uk_ppera;
		keg->uk_free -= keg->uk_ipers;
	}
	KEG_UNLOCK(keg);
	while ((slab = LIST_FIRST(&freeslabs)) != NULL) {
		LIST_REMOVE(slab, us_link);
		keg_free_slab(keg, slab);
	}
}

#ifdef INVARIANTS
/*
 * uma_dbg: under INVARIANTS every item handed to a caller is marked in
 * its slab's second bitmap, and unmarked when the caller frees it, so a
 * double free or a pointer inside an item panics at the free even when
 * the item would only have gone to a per-CPU bucket (FreeBSD's uma_dbg).
 */
static _Atomic uint64_t *
uma_dbg_word(uma_zone_t zone, void *item, const char *what, uint64_t *bitp)
{
	uma_keg_t keg, ikeg;
	uma_slab_t slab;
	int idx;

	keg = zone->uz_keg;
	slab = vtoslab(item, &ikeg);
	if (ikeg != keg || slab == NULL)
		panic("uma: %s %p, zone %s: not one of its items", what, item,
		    zone->uz_name);
	idx = slab_item_index(keg, slab, item);
	if ((char *)item != slab->us_data + (size_t)idx * keg->uk_rsize ||
	    idx >= (int)keg->uk_ipers)
		panic("uma: %s %p, zone %s: not the start of an item", what,
		    item, zone->uz_name);
	*bitp = 1ULL << (idx % 64);
	return ((_Atomic uint64_t *)&slab->us_free[UMA_SLAB_WORDS(
	    keg->uk_ipers) + (size_t)(idx / 64)]);
}

static void
uma_dbg_alloc(uma_zone_t zone, void *item)
{
	_Atomic uint64_t *w;
	uint64_t bit;

	w = uma_dbg_word(zone, item, "allocating", &bit);
	if ((atomic_fetch_or(w, bit) & bit) != 0)
		panic("uma: item %p of zone %s handed out twice", item,
		    zone->uz_name);
}

static void
uma_dbg_free(uma_zone_t zone, void *item)
{
	_Atomic uint64_t *w;
	uint64_t bit;

	w = uma_dbg_word(zone, item, "freeing", &bit);
	if ((atomic_fetch_and(w, ~bit) & bit) == 0)
		panic("uma: freeing %p to zone %s twice (or never allocated)",
		    item, zone->uz_name);
}
#else
#define	uma_dbg_alloc(zone, item)	do { } while (0)
#define	uma_dbg_free(zone, item)	do { } while (0)
#endif

/* ---- moving items between a zone and its keg ---------------------------- */

/*
 * Fills items[] with up to max items from the keg and runs the zone's
 * init (secondary zones) on them.  Returns how many it got: only the
 * first item may wait for memory.  An init that fails ends the batch;
 * that item and the ones after it go back to the keg uninitialized.
 */
static int
zone_import(uma_zone_t zone, void **items, int max, int flags)
{
	uma_keg_t keg = zone->uz_keg;
	uma_slab_t slab;
	int n = 0, i, sflags = flags;

	KEG_LOCK(keg);
	while (n < max) {
		if ((slab = keg_fetch_slab(keg, sflags)) == NULL)
			break;
		while (slab->us_freecount != 0 && n < max)
			items[n++] = slab_alloc_item(keg, slab);
		sflags = (sflags & ~M_WAITOK) | M_NOWAIT;
	}
	KEG_UNLOCK(keg);
	if (zone->uz_init == NULL)
		return (n);
	for (i = 0; i < n; i++)
		if (zone->uz_init(items[i], (int)zone->uz_size, flags) != 0)
			break;
	if (i < n) {
		KEG_LOCK(keg);
		for (int j = i; j < n; j++)
			slab_free_item(keg, items[j]);
		KEG_UNLOCK(keg);
	}
	return (i);
}

/* Gives items back to the keg, after the zone's fini. */
static void
zone_release(uma_zone_t zone, void **items, int n)
{
	uma_keg_t keg = zone->uz_keg;
	int i;

	if (n == 0)
		return;
	if (zone->uz_fini != NULL)
		for (i = 0; i < n; i++)
			zone->uz_fini(items[i], (int)zone->uz_size);
	KEG_LOCK(keg);
	for (i = 0; i < n; i++)
		slab_free_item(keg, items[i]);
	KEG_UNLOCK(keg);
}

/* ---- buckets ------------------------------------------------------------ */

static uma_bucket_t
bucket_alloc(uma_zone_t zone, int flags)
{
	uma_bucket_t b;

	if (zone->uz_bucket_zone == NULL)
		return (NULL);
	b = zone_alloc_item(zone->uz_bucket_zone, NULL, flags & ~M_ZERO);
	if (b != NULL) {
		b->ub_cnt = 0;
		b->ub_entries = (int)((zone->uz_bucket_zone->uz_size -
		    sizeof(struct uma_bucket)) / sizeof(void *));
	}
	return (b);
}

static void
bucket_free(uma_zone_t zone, uma_bucket_t b)
{
	KASSERT(b->ub_cnt == 0, ("uma: freeing bucket %p with %d items", b,
	    b->ub_cnt));
	zone_free_item(zone->uz_bucket_zone, b, NULL, false);
}

/* Empties a bucket into the keg and frees it. */
static void
bucket_drain(uma_zone_t zone, uma_bucket_t b)
{
	if (b == NULL)
		return;
	zone_release(zone, b->ub_bucket, b->ub_cnt);
	b->ub_cnt = 0;
	bucket_free(zone, b);
}

/*
 * Bucket exchanges, each under one hold of the zone lock: a CPU gives an
 * empty bucket and takes a full one (allocation), or gives a full one and
 * takes an empty one (free).  Empty buckets wait on uz_empty, a few per
 * CPU, so that an exchange touches neither the bucket zone nor its keg.
 */
#define	UMA_EMPTY_MAX(ncpu)	(8 * (ncpu) + 8)

static uma_bucket_t
zone_swap_for_full(uma_zone_t zone, uma_bucket_t empty)
{
	uma_bucket_t b;

	ZONE_LOCK(zone);
	if (empty != NULL && zone->uz_nempty < UMA_EMPTY_MAX(mp_ncpus)) {
		TAILQ_INSERT_HEAD(&zone->uz_empty, empty, ub_link);
		zone->uz_nempty++;
		empty = NULL;
	}
	if ((b = TAILQ_FIRST(&zone->uz_buckets)) != NULL) {
		TAILQ_REMOVE(&zone->uz_buckets, b, ub_link);
		zone->uz_bkt_items -= (uint64_t)b->ub_cnt;
		if (zone->uz_bkt_items < zone->uz_bkt_imin)
			zone->uz_bkt_imin = zone->uz_bkt_items;
	}
	ZONE_UNLOCK(zone);
	if (empty != NULL)
		bucket_free(zone, empty);
	return (b);
}

static uma_bucket_t
zone_swap_for_empty(uma_zone_t zone, uma_bucket_t full)
{
	uma_bucket_t e;

	if (full != NULL && zone_limited(zone)) {
		bucket_drain(zone, full);
		full = NULL;
	}
	ZONE_LOCK(zone);
	if (full != NULL) {
		TAILQ_INSERT_HEAD(&zone->uz_buckets, full, ub_link);
		zone->uz_bkt_items += (uint64_t)full->ub_cnt;
		if (zone->uz_bkt_items > zone->uz_bkt_imax)
			zone->uz_bkt_imax = zone->uz_bkt_items;
	}
	if ((e = TAILQ_FIRST(&zone->uz_empty)) != NULL) {
		TAILQ_REMOVE(&zone->uz_empty, e, ub_link);
		zone->uz_nempty--;
	}
	ZONE_UNLOCK(zone);
	return (e);
}

/*
 * Puts a bucket with items in the zone's bucket cache (most recent
 * first).  A limited zone caches nothing: a bucket a free took out of a
 * CPU cache before the limit came goes to the keg.
 */
static void
zone_put_bucket(uma_zone_t zone, uma_bucket_t b)
{
	if (zone_limited(zone)) {
		bucket_drain(zone, b);
		return;
	}
	ZONE_LOCK(zone);
	TAILQ_INSERT_HEAD(&zone->uz_buckets, b, ub_link);
	zone->uz_bkt_items += (uint64_t)b->ub_cnt;
	if (zone->uz_bkt_items > zone->uz_bkt_imax)
		zone->uz_bkt_imax = zone->uz_bkt_items;
	ZONE_UNLOCK(zone);
}

/* Trims the bucket cache down to target items (oldest buckets first). */
static void
zone_trim_buckets(uma_zone_t zone, uint64_t target)
{
	struct uma_bucketlist drop;
	uma_bucket_t b;

	TAILQ_INIT(&drop);
	ZONE_LOCK(zone);
	while (zone->uz_bkt_items > target &&
	    (b = TAILQ_LAST(&zone->uz_buckets, uma_bucketlist)) != NULL) {
		TAILQ_REMOVE(&zone->uz_buckets, b, ub_link);
		zone->uz_bkt_items -= (uint64_t)b->ub_cnt;
		TAILQ_INSERT_TAIL(&drop, b, ub_link);
	}
	/* Empty buckets are cheap to make again: they all go. */
	while ((b = TAILQ_FIRST(&zone->uz_empty)) != NULL) {
		TAILQ_REMOVE(&zone->uz_empty, b, ub_link);
		zone->uz_nempty--;
		TAILQ_INSERT_TAIL(&drop, b, ub_link);
	}
	if (zone->uz_bkt_items < zone->uz_bkt_imin)
		zone->uz_bkt_imin = zone->uz_bkt_items;
	ZONE_UNLOCK(zone);
	while ((b = TAILQ_FIRST(&drop)) != NULL) {
		TAILQ_REMOVE(&drop, b, ub_link);
		bucket_drain(zone, b);
	}
}

/*
 * Empties every CPU's cache of the zone.  Claims every slot, so it waits
 * for the critical sections in progress; the buckets are drained after
 * the slots are given back.
 */
static void
zone_drain_cpus(uma_zone_t zone)
{
	uma_bucket_t *bl;
	int c, n = 0;

	if (zone->uz_bucket_zone == NULL)
		return;
	bl = malloc(sizeof(*bl) * 2 * (size_t)mp_ncpus);
	if (bl == NULL)
		panic("uma: no host memory to drain %s", zone->uz_name);
	pcpu_lock_all();
	for (c = 0; c < mp_ncpus; c++) {
		struct uma_cache *cache = &zone->uz_cpu[c];

		if (cache_bucket(cache->uc_allocbucket) != NULL)
			bl[n++] = cache->uc_allocbucket;
		if (cache_bucket(cache->uc_freebucket) != NULL)
			bl[n++] = cache->uc_freebucket;
		cache->uc_allocbucket = cache->uc_freebucket = &bucket_none;
	}
	pcpu_unlock_all();
	while (n > 0)
		bucket_drain(zone, bl[--n]);
	free(bl);
}

/*
 * A per-CPU statistic, written only by the slot's owner: a plain
 * increment, atomic only so that readers need no lock.
 */
static inline void
cache_count(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c,
	    memory_order_relaxed) + 1, memory_order_relaxed);
}

/* ---- allocation --------------------------------------------------------- */

/*
 * The ctor and M_ZERO of an item taken from a cache.  A failed ctor
 * returns the item to the zone (without its dtor) and NULL.
 */
static void *
item_ctor(uma_zone_t zone, void *item, void *udata, int flags)
{
	if (zone->uz_ctor != NULL &&
	    zone->uz_ctor(item, (int)zone->uz_size, udata, flags) != 0) {
		zone_free_item(zone, item, udata, false);
		ZONE_LOCK(zone);
		zone->uz_fails++;
		ZONE_UNLOCK(zone);
		return (NULL);
	}
	if ((flags & M_ZERO) != 0)
		memset(item, 0, zone->uz_size);
	return (item);
}

/*
 * Counts an allocation from the keg and, if the zone is limited, reserves
 * the item, waiting (M_WAITOK) or failing (M_NOWAIT) at the limit: so
 * that uz_items and uz_allocs - uz_frees always agree.
 */
static bool
zone_alloc_limit(uma_zone_t zone, int flags, bool *limitedp)
{
	ZONE_LOCK(zone);
	if (!(*limitedp = zone_limited(zone))) {
		zone->uz_allocs++;
		ZONE_UNLOCK(zone);
		return (true);
	}
	while (zone->uz_max_items > 0 && zone->uz_items >= zone->uz_max_items) {
		if ((flags & M_WAITOK) == 0) {
			zone->uz_fails++;
			ZONE_UNLOCK(zone);
			return (false);
		}
		zone->uz_sleepers++;
		zone->uz_sleeps++;
		(void)msleep(zone, &zone->uz_lock, 0, "zonelimit", 0);
		zone->uz_sleepers--;
	}
	zone->uz_items++;
	zone->uz_allocs++;
	ZONE_UNLOCK(zone);
	return (true);
}


/* A free from the keg's point of view: counted, and a limit slot back. */
static void
zone_count_free(uma_zone_t zone)
{
	ZONE_LOCK(zone);
	zone->uz_frees++;
	if (zone_limited(zone)) {
		zone->uz_items--;
		if (zone->uz_sleepers > 0)
			wakeup_one(zone);
	}
	ZONE_UNLOCK(zone);
}

/* An allocation counted by zone_alloc_limit that did not happen. */
static void
zone_alloc_undo(uma_zone_t zone, bool limited)
{
	ZONE_LOCK(zone);
	zone->uz_allocs--;
	zone->uz_fails++;
	if (limited) {
		zone->uz_items--;
		if (zone->uz_sleepers > 0)
			wakeup_one(zone);
	}
	ZONE_UNLOCK(zone);
}

/*
 * One item straight from the keg: zones without caches, limited zones,
 * and the fallback when no bucket can be had.
 */
static void *
zone_alloc_item(uma_zone_t zone, void *udata, int flags)
{
	void *item;
	bool limited;

	/*
	 * The allocation is counted before the import (which may sleep),
	 * with the limit read under the same lock: a limit set meanwhile
	 * recounts the live items under that lock and includes this one.
	 */
	if (!zone_alloc_limit(zone, flags, &limited))
		return (NULL);
	if (zone_import(zone, &item, 1, flags) != 1) {
		zone_alloc_undo(zone, limited);
		return (NULL);
	}
	uma_dbg_alloc(zone, item);
	return (item_ctor(zone, item, udata, flags));
}

/*
 * One item straight back to the keg (dtor run if with_dtor);
 * zone_release_item when the caller already did the debug check.
 */
static void
zone_release_item(uma_zone_t zone, void *item, void *udata, bool with_dtor)
{
	if (with_dtor && zone->uz_dtor != NULL)
		zone->uz_dtor(item, (int)zone->uz_size, udata);
	zone_release(zone, &item, 1);
	zone_count_free(zone);
}

static void
zone_free_item(uma_zone_t zone, void *item, void *udata, bool with_dtor)
{
	uma_dbg_free(zone, item);
	zone_release_item(zone, item, udata, with_dtor);
}

/*
 * The allocation slow path, entered in a critical section on the cache's
 * slot with the allocation bucket empty; returns out of it.  Refills the
 * cache from the free bucket, the bucket cache, or the keg, and retries.
 */
static void *
cache_alloc_slow(uma_zone_t zone, struct uma_cache *cache, void *udata,
    int flags)
{
	uma_bucket_t b, fb, nb, old;
	void *item;

	for (;;) {
		b = cache_bucket(cache->uc_allocbucket);
		if (b != NULL && b->ub_cnt > 0) {
			item = b->ub_bucket[--b->ub_cnt];
			cache_count(&cache->uc_allocs);
			critical_exit();
			uma_dbg_alloc(zone, item);
			if (__predict_false(zone->uz_ctor != NULL ||
			    (flags & M_ZERO) != 0))
				return (item_ctor(zone, item, udata, flags));
			return (item);
		}
		fb = cache_bucket(cache->uc_freebucket);
		if (fb != NULL && fb->ub_cnt > 0) {
			cache->uc_freebucket = cache_slot(b);
			cache->uc_allocbucket = cache_slot(fb);
			continue;
		}
		/* Both empty: keep one empty bucket for frees. */
		old = NULL;
		if (b != NULL) {
			cache->uc_allocbucket = &bucket_none;
			if (fb == NULL)
				cache->uc_freebucket = cache_slot(b);
			else
				old = b;
		}
		critical_exit();
		if ((nb = zone_swap_for_full(zone, old)) == NULL &&
		    (nb = bucket_alloc(zone, flags)) != NULL) {
			nb->ub_cnt = zone_import(zone, nb->ub_bucket,
			    nb->ub_entries, flags);
			if (nb->ub_cnt == 0) {
				bucket_free(zone, nb);
				nb = NULL;
			}
		}
		if (nb == NULL)
			return (zone_alloc_item(zone, udata, flags));
		/* The thread may have moved: look at the cache again. */
		critical_enter();
		if (zone_limited(zone)) {
			/* A limit came meanwhile: no more caching. */
			critical_exit();
			bucket_drain(zone, nb);
			return (zone_alloc_item(zone, udata, flags));
		}
		cache = &zone->uz_cpu[curcpu_crit()];
		old = cache_bucket(cache->uc_allocbucket);
		if (old != NULL && old->ub_cnt > 0) {
			/* Refilled meanwhile: ours goes back to the zone. */
			critical_exit();
			zone_put_bucket(zone, nb);
			critical_enter();
			cache = &zone->uz_cpu[curcpu_crit()];
			continue;
		}
		cache->uc_allocbucket = cache_slot(nb);
		if (old != NULL) {
			critical_exit();
			bucket_free(zone, old);
			critical_enter();
			cache = &zone->uz_cpu[curcpu_crit()];
		}
	}
}

/*
 * memguard(9) for a zone: each item on pages of its own, through the
 * whole life cycle of an item (the keg's init, a secondary zone's zinit,
 * the ctor; undone in reverse when one fails), counted and limited like
 * any allocation from the keg.
 */
static void *
zone_alloc_guarded(uma_zone_t zone, void *udata, int flags)
{
	uma_keg_t keg = zone->uz_keg;
	bool limited;
	void *item;
	int size = (int)zone->uz_size;

	if (!zone_alloc_limit(zone, flags, &limited))
		return (NULL);
	item = memguard_alloc(zone->uz_size, flags & ~M_ZERO, zone->uz_name);
	if (item == NULL)
		goto undo;
	if (keg->uk_init != NULL && keg->uk_init(item, size, flags) != 0)
		goto free;
	if (zone->uz_init != NULL && zone->uz_init(item, size, flags) != 0)
		goto fini_keg;
	if (zone->uz_ctor != NULL &&
	    zone->uz_ctor(item, size, udata, flags) != 0)
		goto fini_zone;
	if ((flags & M_ZERO) != 0)
		memset(item, 0, zone->uz_size);
	return (item);

fini_zone:
	if (zone->uz_fini != NULL)
		zone->uz_fini(item, size);
fini_keg:
	if (keg->uk_fini != NULL)
		keg->uk_fini(item, size);
free:
	memguard_free(item);
undo:
	zone_alloc_undo(zone, limited);
	return (NULL);
}

static void
zone_free_guarded(uma_zone_t zone, void *item, void *udata)
{
	int size = (int)zone->uz_size;

	if (zone->uz_dtor != NULL)
		zone->uz_dtor(item, size, udata);
	if (zone->uz_fini != NULL)
		zone->uz_fini(item, size);
	if (zone->uz_keg->uk_fini != NULL)
		zone->uz_keg->uk_fini(item, size);
	memguard_free(item);
	zone_count_free(zone);
}

/*
 * vm.memguard.desc changed: the zone it names (if any) is served by
 * memguard from now on, with its fast paths closed; others reopen.
 */
void
uma_memguard_update(void)
{
	uma_zone_t zone;
	bool g;

	if (!uma_up)
		return;
	mtx_lock(&uma_lock);
	TAILQ_FOREACH(zone, &uma_zones, uz_link) {
		if ((zone->uz_flags & UMA_ZFLAG_INTERNAL) != 0)
			continue;
		g = memguard_cmp_zone(zone->uz_name);
		ZONE_LOCK(zone);
		atomic_store(&zone->uz_guarded, g);
		/*
		 * Its memguard items may be freed after it reopens: from now
		 * on its frees take the general path (memguard_owns).
		 */
		if (g)
			zone->uz_fastmask &= (uint8_t)~UMA_FAST_FREE;
		atomic_store(&zone->uz_fast, g || zone_limited(zone) ? 0 :
		    zone->uz_fastmask);
		ZONE_UNLOCK(zone);
	}
	mtx_unlock(&uma_lock);
}

/*
 * The general allocation path: any zone, any kind of critical section.
 */
static __noinline void *
uma_zalloc_cached(uma_zone_t zone, void *udata, int flags)
{
	struct uma_cache *cache;
	uma_bucket_t b;
	void *item;

	KASSERT((flags & M_WAITOK) == 0 || !td_in_critical(),
	    ("uma_zalloc(%s, M_WAITOK) in a critical section", zone->uz_name));
	if (__predict_false(atomic_load_explicit(&zone->uz_guarded,
	    memory_order_relaxed)))
		return (zone_alloc_guarded(zone, udata, flags));
	if (__predict_false(zone->uz_bucket_zone == NULL))
		return (zone_alloc_item(zone, udata, flags));
	critical_enter();
	if (__predict_false(zone_limited(zone))) {
		critical_exit();
		return (zone_alloc_item(zone, udata, flags));
	}
	cache = &zone->uz_cpu[curcpu_crit()];
	b = cache_bucket(cache->uc_allocbucket);
	if (__predict_true(b != NULL && b->ub_cnt > 0)) {
		item = b->ub_bucket[--b->ub_cnt];
		cache_count(&cache->uc_allocs);
		critical_exit();
		uma_dbg_alloc(zone, item);
		if (__predict_false(zone->uz_ctor != NULL ||
		    (flags & M_ZERO) != 0))
			return (item_ctor(zone, item, udata, flags));
		return (item);
	}
	return (cache_alloc_slow(zone, cache, udata, flags));
}

/*
 * The per-CPU cache of the slot whose bias the thread holds: one load
 * (td_biasoff), no index arithmetic.
 */
static inline struct uma_cache *
cache_biased(uma_zone_t zone, struct thread *td)
{
	return ((struct uma_cache *)((char *)zone->uz_cpu + td->td_biasoff));
}

/*
 * A per-CPU statistic bumped on the fast paths: the same single-writer
 * relaxed increment as cache_count(), in one instruction on x86-64 (the
 * compilers do not fuse an atomic load and store into a memory add).
 * Under ThreadSanitizer, which does not see inside asm, the C11 form
 * (gcc says so with __SANITIZE_THREAD__, clang with __has_feature).
 */
#if defined(__SANITIZE_THREAD__)
#define	UMA_TSAN	1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define	UMA_TSAN	1
#endif
#endif

static inline void
cache_count_fast(_Atomic uint64_t *c)
{
#if defined(__x86_64__) && !defined(UMA_TSAN)
	__asm__("incq %0" : "+m" (*(uint64_t *)c));
#else
	cache_count(c);
#endif
}

/*
 * The fast path (seed 004): a thread holding its slot's bias, in no other
 * critical section, pops an item from its CPU's allocation bucket with no
 * atomic operation at all.  Everything else (M_ZERO, a ctor, a limit,
 * memguard: uz_fast, tested once inside the section; an empty bucket)
 * takes the general path.
 */
__exported void *
uma_zalloc_arg(uma_zone_t zone, void *udata, int flags)
{
	struct thread *td = &thread_self;
	struct pcpu_holder *ph;
	struct uma_cache *cache;
	uma_bucket_t b;
	void *item;
	u_int n;

	if (__predict_false((flags & M_ZERO) != 0) ||
	    !critical_enter_fast(td, &ph))
		goto slow;
	/* First: zones without caches (UMA's own) have no uz_cpu[]. */
	if (__predict_false((atomic_load_explicit(&zone->uz_fast,
	    memory_order_relaxed) & UMA_FAST_ALLOC) == 0))
		goto slow_exit;
	cache = cache_biased(zone, td);
	b = cache->uc_allocbucket;
	if (__predict_false((n = (u_int)b->ub_cnt) == 0))
		goto slow_exit;
	b->ub_cnt = (int)--n;
	item = b->ub_bucket[n];
	cache_count_fast(&cache->uc_allocs);
	critical_exit_fast(ph);
	uma_dbg_alloc(zone, item);
	return (item);
slow_exit:
	critical_exit_fast(ph);
slow:
	return (uma_zalloc_cached(zone, udata, flags));
}

/* ---- free --------------------------------------------------------------- */

/*
 * Cache a freed item, as FreeBSD does: in the allocation bucket while it
 * has room (the next allocation gets the item back while it is still in
 * this CPU's cache), else in the free bucket.  A program that allocates n
 * items and frees them, n up to two buckets, then never needs the zone:
 * the allocations empty one bucket and then the other (swapped in), the
 * frees fill them in the same order.  With frees always going to the free
 * bucket, a remainder left in the allocation bucket sent one bucket a
 * round through the zone lock (bench/uma's batch workload, two CPUs).
 */
static inline bool
cache_free_push(struct uma_cache *cache, void *item)
{
	uma_bucket_t b;

	b = cache->uc_allocbucket;
	if (b->ub_cnt >= b->ub_entries) {
		b = cache->uc_freebucket;
		if (b->ub_cnt >= b->ub_entries)
			return (false);
	}
	b->ub_bucket[b->ub_cnt++] = item;
	cache_count(&cache->uc_frees);
	return (true);
}

/*
 * The free slow path, in a critical section with both buckets full or
 * missing; returns out of it.  The full free bucket goes to the bucket
 * cache and an empty one takes its place.
 */
static void
cache_free_slow(uma_zone_t zone, struct uma_cache *cache, void *item)
{
	uma_bucket_t b, nb = NULL;

	for (;;) {
		if (cache_free_push(cache, item)) {
			critical_exit();
			if (nb != NULL)
				bucket_free(zone, nb);
			return;
		}
		b = cache_bucket(cache->uc_freebucket);
		if (nb != NULL && b == NULL) {
			cache->uc_freebucket = cache_slot(nb);
			nb = NULL;
			continue;
		}
		cache->uc_freebucket = &bucket_none;
		critical_exit();
		if (nb == NULL)
			nb = zone_swap_for_empty(zone, b);
		else if (b != NULL)
			zone_put_bucket(zone, b);
		if (nb == NULL &&
		    (nb = bucket_alloc(zone, M_NOWAIT)) == NULL) {
			/* No bucket to be had: straight to the keg. */
			zone_release_item(zone, item, NULL, false);
			return;
		}
		critical_enter();
		if (zone_limited(zone)) {
			critical_exit();
			bucket_free(zone, nb);
			zone_release_item(zone, item, NULL, false);
			return;
		}
		cache = &zone->uz_cpu[curcpu_crit()];
	}
}

/* The general free path. */
static __noinline void
uma_zfree_cached(uma_zone_t zone, void *item, void *udata)
{
	struct uma_cache *cache;

	if (item == NULL)
		return;
	if (__predict_false(memguard_owns(item))) {
		zone_free_guarded(zone, item, udata);
		return;
	}
	uma_dbg_free(zone, item);	/* before the dtor touches it */
	if (zone->uz_dtor != NULL)
		zone->uz_dtor(item, (int)zone->uz_size, udata);
	if (__predict_false(zone->uz_bucket_zone == NULL)) {
		zone_release_item(zone, item, udata, false);
		return;
	}
	critical_enter();
	if (__predict_false(zone_limited(zone))) {
		critical_exit();
		zone_release_item(zone, item, udata, false);
		return;
	}
	cache = &zone->uz_cpu[curcpu_crit()];
	if (__predict_true(cache_free_push(cache, item))) {
		critical_exit();
		return;
	}
	cache_free_slow(zone, cache, item);
}

/*
 * The fast path: a push on the CPU's allocation bucket, or, when that is
 * full, its free bucket (cache_free_push), by the slot's bias.
 * A dtor, a limit, or memguard items possibly out (uz_fast, tested once
 * inside the section), a full bucket or a NULL item take the general
 * path; so does every free in INVARIANTS builds (uma_dbg_free's check
 * comes before the item is cached).
 */
__exported void
uma_zfree_arg(uma_zone_t zone, void *item, void *udata)
{
#ifndef INVARIANTS
	struct thread *td = &thread_self;
	struct pcpu_holder *ph;
	struct uma_cache *cache;
	uma_bucket_t b;
	u_int n;

	if (__predict_false(item == NULL) || !critical_enter_fast(td, &ph))
		goto slow;
	if (__predict_false((atomic_load_explicit(&zone->uz_fast,
	    memory_order_relaxed) & UMA_FAST_FREE) == 0))
		goto slow_exit;
	cache = cache_biased(zone, td);
	b = cache->uc_allocbucket;
	if (__predict_false((n = (u_int)b->ub_cnt) >= (u_int)b->ub_entries)) {
		/* The allocation bucket is full: the free bucket. */
		b = cache->uc_freebucket;
		if (__predict_false((n = (u_int)b->ub_cnt) >=
		    (u_int)b->ub_entries))
			goto slow_exit;
	}
	b->ub_cnt = (int)n + 1;
	b->ub_bucket[n] = item;
	cache_count_fast(&cache->uc_frees);
	critical_exit_fast(ph);
	return;
slow_exit:
	critical_exit_fast(ph);
slow:
#endif
	uma_zfree_cached(zone, item, udata);
}

/* ---- zones and kegs ----------------------------------------------------- */

/*
 * Items per slab with the header inside a slab of slabsize bytes: the
 * most n with n items and an n-item header fitting.
 */
static uint32_t
ipers_inpage(size_t slabsize, size_t rsize)
{
	uint32_t n = (uint32_t)(slabsize / rsize);

	if (n > UINT16_MAX)
		n = UINT16_MAX;
	while (n > 0 && n * rsize + roundup2(UMA_SLAB_HDRSIZE(n),
	    sizeof(uint64_t)) > slabsize)
		n--;
	return (n);
}

/*
 * Chooses the slab size and where headers go (seed 004's waste rule): the
 * header stays in the slab unless that wastes UMA_MAX_WASTE or more, then
 * goes off the slab if that wastes less; larger items get multi-page
 * slabs, the fewest pages that waste under the limit.
 */
static void
keg_layout(uma_keg_t keg, bool offpage_ok)
{
	size_t slabsize, rsize = keg->uk_rsize;
	size_t best_waste = SIZE_MAX, waste;
	uint32_t ppera, ip, best_ppera = 0, best_ipers = 0;
	bool best_off = false, off;

	for (ppera = 1; ppera <= UMA_MAX_PPERA; ppera++) {
		slabsize = (size_t)ppera * PAGE_SIZE;
		if (rsize > slabsize)
			continue;
		ip = ipers_inpage(slabsize, rsize);
		off = false;
		waste = ip > 0 ? slabsize - ip * rsize : SIZE_MAX;
		if ((waste >= UMA_MAX_WASTE(slabsize) || ip == 0) &&
		    offpage_ok) {
			uint32_t ip2 = (uint32_t)(slabsize / rsize);
			size_t waste2;

			if (ip2 > UMA_SLAB_MAX_IPERS)
				ip2 = UMA_SLAB_MAX_IPERS;
			waste2 = slabsize - ip2 * rsize;
			if (waste2 < waste) {
				ip = ip2;
				waste = waste2;
				off = true;
			}
		}
		if (ip == 0)
			continue;
		/* Compare waste as a fraction of the slab. */
		if (best_ppera == 0 || waste * best_ppera <
		    best_waste * ppera) {
			best_waste = waste;
			best_ppera = ppera;
			best_ipers = ip;
			best_off = off;
		}
		if (waste < UMA_MAX_WASTE(slabsize))
			break;
	}
	if (best_ppera == 0)
		panic("uma: no slab layout for %s (item size %zu)",
		    keg->uk_name, rsize);
	keg->uk_ppera = best_ppera;
	keg->uk_ipers = best_ipers;
	if (best_off) {
		keg->uk_flags |= UMA_ZONE_OFFPAGE;
		keg->uk_hdroff = 0;
		keg->uk_slabzone = best_ipers <= UMA_SLAB_SMALL_IPERS ?
		    slabzone_small : slabzone_large;
	} else {
		keg->uk_flags &= ~UMA_ZONE_OFFPAGE;
		/* The header at the end, 8-byte aligned. */
		keg->uk_hdroff = (uint32_t)rounddown2((size_t)best_ppera *
		    PAGE_SIZE - UMA_SLAB_HDRSIZE(best_ipers), sizeof(uint64_t));
		keg->uk_slabzone = NULL;
	}
}

static void
keg_setup(uma_keg_t keg, const char *name, size_t size, uma_init init,
    uma_fini fini, int align, uint32_t flags)
{
	memset(keg, 0, sizeof(*keg));
	mtx_init(&keg->uk_lock, "uma keg", NULL, MTX_DUPOK);
	LIST_INIT(&keg->uk_part_slab);
	LIST_INIT(&keg->uk_free_slab);
	LIST_INIT(&keg->uk_full_slab);
	snprintf(keg->uk_namebuf, sizeof(keg->uk_namebuf), "%s", name);
	keg->uk_name = keg->uk_namebuf;
	keg->uk_size = (uint32_t)size;
	keg->uk_align = (uint32_t)align;
	keg->uk_rsize = (uint32_t)roundup2(size, (size_t)align + 1);
	keg->uk_init = init;
	keg->uk_fini = fini;
	keg->uk_flags = flags;
	keg->uk_refs = 1;
	keg_layout(keg, (flags & UMA_ZFLAG_INTERNAL) == 0 ||
	    slabzone_large != NULL);
}

/* The bucket capacity for items of this size (small items, big buckets). */
static int
zone_bucket_size(size_t size, uint32_t flags)
{
	/*
	 * Big buckets make bucket exchanges (the zone lock) rare: with two
	 * CPUs trading buckets through the zone, smaller ones made batch
	 * workloads scale below 1x (bench/uma).
	 */
	if ((flags & UMA_ZONE_MAXBUCKET) != 0)
		return (bucket_sizes[NBUCKETZONES - 1]);
	/*
	 * The VM's own zones keep less in their CPUs' caches: a first
	 * allocation imports a whole bucket, and a vmspace should not
	 * bring a hundred others with it.
	 */
	if ((flags & UMA_ZONE_VM) != 0)
		return (size <= 256 ? 64 : 16);
	if (size <= 256)
		return (bucket_sizes[NBUCKETZONES - 1]);
	if (size <= 1024)
		return (256);
	if (size <= 4096)
		return (64);
	return (16);
}

static uma_zone_t
bucket_zone_for(int entries)
{
	size_t i;

	for (i = 0; i < NBUCKETZONES; i++)
		if (bucket_sizes[i] >= entries)
			return (bucket_zones[i]);
	return (bucket_zones[NBUCKETZONES - 1]);
}

static void
zone_setup(uma_zone_t zone, const char *name, uma_keg_t keg, size_t size,
    uma_ctor ctor, uma_dtor dtor, uma_init zinit, uma_fini zfini,
    uint32_t flags, int ncpu)
{
	int c;

	memset(zone, 0, UMA_ZONE_SIZE(ncpu));
	mtx_init(&zone->uz_lock, "uma zone", NULL, MTX_DUPOK);
	snprintf(zone->uz_namebuf, sizeof(zone->uz_namebuf), "%s", name);
	zone->uz_name = zone->uz_namebuf;
	zone->uz_keg = keg;
	zone->uz_flags = flags;
	zone->uz_size = (uint32_t)size;
	zone->uz_ctor = ctor;
	zone->uz_dtor = dtor;
	zone->uz_init = zinit;
	zone->uz_fini = zfini;
	TAILQ_INIT(&zone->uz_buckets);
	TAILQ_INIT(&zone->uz_empty);
	for (c = 0; c < ncpu; c++)
		zone->uz_cpu[c].uc_allocbucket =
		    zone->uz_cpu[c].uc_freebucket = &bucket_none;
	if ((flags & (UMA_ZONE_NOBUCKET | UMA_ZFLAG_INTERNAL)) == 0 &&
	    ncpu > 0) {
		zone->uz_bucket_size = zone_bucket_size(size, flags);
		zone->uz_bucket_zone = bucket_zone_for(zone->uz_bucket_size);
		atomic_store(&zone->uz_fast,
		    (ctor == NULL ? UMA_FAST_ALLOC : 0) |
		    (dtor == NULL ? UMA_FAST_FREE : 0));
		zone->uz_fastmask = atomic_load(&zone->uz_fast);
	}
}

static void
uma_register(uma_zone_t zone, bool newkeg)
{
	/* A zone named by vm.memguard.desc is guarded from its start. */
	if ((zone->uz_flags & UMA_ZFLAG_INTERNAL) == 0 &&
	    memguard_cmp_zone(zone->uz_name)) {
		atomic_store(&zone->uz_guarded, true);
		atomic_store(&zone->uz_fast, 0);
		zone->uz_fastmask &= (uint8_t)~UMA_FAST_FREE;
	}
	mtx_lock(&uma_lock);
	TAILQ_INSERT_TAIL(&uma_zones, zone, uz_link);
	uma_nzones++;
	if (newkeg)
		LIST_INSERT_HEAD(&uma_kegs, zone->uz_keg, uk_link);
	mtx_unlock(&uma_lock);
}

/* Creates one of UMA's own zones (no caches, no argument checks). */
static uma_zone_t
uma_zcreate_internal(const char *name, size_t size, int align)
{
	uma_keg_t keg;
	uma_zone_t zone;

	KASSERT(ninternal < UMA_NINTERNAL, ("uma: too many own zones"));
	keg = &internal_kegs[ninternal];
	zone = &internal_zones[ninternal++];
	keg_setup(keg, name, size, NULL, NULL, align,
	    UMA_ZFLAG_INTERNAL | UMA_ZONE_NOBUCKET);
	zone_setup(zone, name, keg, size, NULL, NULL, NULL, NULL,
	    UMA_ZFLAG_INTERNAL | UMA_ZONE_NOBUCKET, 0);
	uma_register(zone, true);
	return (zone);
}

#define	UMA_ZONE_PUBLIC_FLAGS						\
	(UMA_ZONE_ZINIT | UMA_ZONE_CONTIG | UMA_ZONE_NOFREE |		\
	UMA_ZONE_VM | UMA_ZONE_NOBUCKET | UMA_ZONE_MAXBUCKET)
#define	UMA_MAX_ITEM_SIZE	((size_t)UMA_MAX_PPERA * PAGE_SIZE)

static int
uma_zero_init(void *mem, int size, int flags __unused)
{
	memset(mem, 0, (size_t)size);
	return (0);
}

__exported uma_zone_t
uma_zcreate(const char *name, size_t size, uma_ctor ctor, uma_dtor dtor,
    uma_init init, uma_fini fini, int align, uint32_t flags)
{
	uma_keg_t keg;
	uma_zone_t zone;

	if (!uma_up) {
		errno = ENXIO;		/* libvm is not booted */
		return (NULL);
	}
	if (align == UMA_ALIGN_CACHE)
		align = CACHE_LINE_SIZE - 1;
	if (name == NULL || size == 0 || size > UMA_MAX_ITEM_SIZE ||
	    align < 0 || align >= PAGE_SIZE || ((align + 1) & align) != 0 ||
	    (flags & ~UMA_ZONE_PUBLIC_FLAGS) != 0) {
		errno = EINVAL;
		return (NULL);
	}
	if ((flags & UMA_ZONE_ZINIT) != 0 && init == NULL)
		init = uma_zero_init;
	mtx_lock(&uma_lock);
	if ((flags & UMA_ZONE_VM) != 0 && nvmzones < UMA_NVMZONES) {
		keg = &vm_kegs[nvmzones];
		zone = (uma_zone_t)(void *)vm_zones[nvmzones++];
		mtx_unlock(&uma_lock);
		flags |= UMA_ZFLAG_STATIC;
	} else {
		mtx_unlock(&uma_lock);
		keg = zone_alloc_item(&zone_kegs, NULL, M_WAITOK);
		zone = zone_alloc_item(&zone_zones, NULL, M_WAITOK);
	}
	zone_setup(zone, name, keg, size, ctor, dtor, NULL, NULL, flags,
	    mp_ncpus);
	keg_setup(keg, name, size, init, fini, align, flags);
	uma_register(zone, true);
	return (zone);
}

__exported uma_zone_t
uma_zsecond_create(const char *name, uma_ctor ctor, uma_dtor dtor,
    uma_init zinit, uma_fini zfini, uma_zone_t primary)
{
	uma_zone_t zone;
	uma_keg_t keg;

	if (!uma_up) {
		errno = ENXIO;
		return (NULL);
	}
	if (name == NULL || primary == NULL ||
	    (primary->uz_flags & (UMA_ZFLAG_INTERNAL |
	    UMA_ZONE_SECONDARY)) != 0) {
		errno = EINVAL;
		return (NULL);
	}
	keg = primary->uz_keg;
	zone = zone_alloc_item(&zone_zones, NULL, M_WAITOK);
	zone_setup(zone, name, keg, primary->uz_size, ctor, dtor, zinit,
	    zfini, (primary->uz_flags & UMA_ZONE_PUBLIC_FLAGS) |
	    UMA_ZONE_SECONDARY, mp_ncpus);
	mtx_lock(&uma_lock);
	keg->uk_refs++;
	mtx_unlock(&uma_lock);
	uma_register(zone, false);
	return (zone);
}

/* Drains every cache level of a zone, and its keg's empty slabs. */
static void
zone_drain(uma_zone_t zone, bool cpus)
{
	if (cpus)
		zone_drain_cpus(zone);
	zone_trim_buckets(zone, 0);
	keg_drain(zone->uz_keg);
}

__exported void
uma_zdestroy(uma_zone_t zone)
{
	uma_keg_t keg;
	uint64_t live;
	bool lastref;

	if (zone == NULL || !uma_up)
		return;
	KASSERT((zone->uz_flags & UMA_ZFLAG_INTERNAL) == 0,
	    ("uma_zdestroy of UMA's own zone %s", zone->uz_name));
	keg = zone->uz_keg;
	mtx_lock(&uma_lock);
	TAILQ_REMOVE(&uma_zones, zone, uz_link);
	uma_nzones--;
	lastref = --keg->uk_refs == 0;
	if (lastref)
		LIST_REMOVE(keg, uk_link);
	mtx_unlock(&uma_lock);
	zone_drain(zone, true);
	if (lastref) {
		KEG_LOCK(keg);
		live = keg->uk_pages / keg->uk_ppera * keg->uk_ipers -
		    keg->uk_free;
		KEG_UNLOCK(keg);
		if (live != 0 || (keg->uk_flags & UMA_ZONE_NOFREE) != 0) {
			/* Items still in use keep their slabs and keg. */
			if (live != 0)
				printf("uma: zone %s destroyed with %ju items "
				    "in use: %ju pages kept\n", zone->uz_name,
				    (uintmax_t)live, (uintmax_t)keg->uk_pages);
		} else {
			mtx_destroy(&keg->uk_lock);
			if ((keg->uk_flags & UMA_ZFLAG_STATIC) == 0)
				zone_free_item(&zone_kegs, keg, NULL, false);
		}
	}
	mtx_destroy(&zone->uz_lock);
	if ((zone->uz_flags & UMA_ZFLAG_STATIC) == 0)
		zone_free_item(&zone_zones, zone, NULL, false);
}

/* ---- limits ------------------------------------------------------------- */

/* Items handed out and not freed: zone-wide plus every CPU's counts. */
static int64_t
zone_live_items_locked(uma_zone_t zone)
{
	uint64_t a, f;
	int c;

	ZONE_LOCK_ASSERT(zone);
	a = zone->uz_allocs;
	f = zone->uz_frees;
	if (zone->uz_bucket_zone != NULL)
		for (c = 0; c < mp_ncpus; c++) {
			a += atomic_load_explicit(&zone->uz_cpu[c].uc_allocs,
			    memory_order_relaxed);
			f += atomic_load_explicit(&zone->uz_cpu[c].uc_frees,
			    memory_order_relaxed);
		}
	return ((int64_t)(a - f));
}

__exported int
uma_zone_set_max(uma_zone_t zone, int nitems)
{
	if (zone == NULL || !uma_up ||
	    (zone->uz_flags & UMA_ZFLAG_INTERNAL) != 0)
		return (0);
	if (nitems < 0)
		nitems = 0;
	/* One limit change at a time (the drain in between may wait). */
	mtx_lock(&uma_lock);
	if (zone->uz_bucket_zone == NULL && nitems > 0 &&
	    !zone_limited(zone)) {
		/* No caches to flush: count the items out there now. */
		ZONE_LOCK(zone);
		zone->uz_items = (int64_t)(zone->uz_allocs - zone->uz_frees);
		atomic_store(&zone->uz_limited, true);
		ZONE_UNLOCK(zone);
	} else if (nitems > 0 && !zone_limited(zone)) {
		/*
		 * From now on items bypass the caches.  Claiming every CPU
		 * (zone_drain_cpus) waits out the fast paths that began
		 * before; once the caches are flushed the per-CPU counts
		 * stay still, and the live items can be counted.
		 */
		atomic_store(&zone->uz_limited, true);
		atomic_store(&zone->uz_fast, 0);
		zone_drain_cpus(zone);
		zone_trim_buckets(zone, 0);
		ZONE_LOCK(zone);
		zone->uz_items = zone_live_items_locked(zone);
		ZONE_UNLOCK(zone);
	}
	ZONE_LOCK(zone);
	zone->uz_max_items = nitems;
	if (nitems == 0) {
		atomic_store(&zone->uz_limited, false);
		if (!atomic_load(&zone->uz_guarded))
			atomic_store(&zone->uz_fast, zone->uz_fastmask);
	}
	if (zone->uz_sleepers > 0)
		wakeup(zone);
	ZONE_UNLOCK(zone);
	mtx_unlock(&uma_lock);
	return (nitems);
}

__exported int
uma_zone_get_max(uma_zone_t zone)
{
	int64_t max;

	if (zone == NULL || !uma_up)
		return (0);
	ZONE_LOCK(zone);
	max = zone->uz_max_items;
	ZONE_UNLOCK(zone);
	return ((int)max);
}

__exported int
uma_zone_get_cur(uma_zone_t zone)
{
	int64_t n;

	if (zone == NULL || !uma_up)
		return (0);
	ZONE_LOCK(zone);
	n = zone_live_items_locked(zone);
	ZONE_UNLOCK(zone);
	return (n < 0 ? 0 : n > INT32_MAX ? INT32_MAX : (int)n);
}

/* ---- reclaim and trimming ----------------------------------------------- */

static void
zone_reclaim(uma_zone_t zone, int req)
{
	uint64_t target = 0;

	switch (req) {
	case UMA_RECLAIM_TRIM:
		ZONE_LOCK(zone);
		target = zone->uz_bkt_wss;
		ZONE_UNLOCK(zone);
		zone_trim_buckets(zone, target);
		keg_drain(zone->uz_keg);
		break;
	case UMA_RECLAIM_DRAIN:
		zone_drain(zone, false);
		break;
	case UMA_RECLAIM_DRAIN_CPU:
		zone_drain(zone, true);
		break;
	}
#ifdef INVARIANTS
	/* Every reclaim (tests', low memory's) checks what it moved. */
	uma_assert_consistent(zone);
#endif
}

__exported void
uma_zone_reclaim(uma_zone_t zone, int req)
{
	if (zone == NULL || !uma_up || req < UMA_RECLAIM_DRAIN ||
	    req > UMA_RECLAIM_TRIM)
		return;
	zone_reclaim(zone, req);
}

/*
 * Every zone, then UMA's own: the drains of the others free buckets and
 * slab headers into them.  uma_lock is held throughout, so zones are
 * neither created nor destroyed meanwhile.
 */
__exported void
uma_reclaim(int req)
{
	uma_zone_t zone;

	if (!uma_up || req < UMA_RECLAIM_DRAIN || req > UMA_RECLAIM_TRIM)
		return;
	mtx_lock(&uma_lock);
	TAILQ_FOREACH(zone, &uma_zones, uz_link)
		if ((zone->uz_flags & UMA_ZFLAG_INTERNAL) == 0)
			zone_reclaim(zone, req);
	TAILQ_FOREACH(zone, &uma_zones, uz_link)
		if ((zone->uz_flags & UMA_ZFLAG_INTERNAL) != 0)
			keg_drain(zone->uz_keg);
	mtx_unlock(&uma_lock);
}

/*
 * Every period: the working-set estimate of each bucket cache is the
 * spread of its size over the period, averaged (4/5 new, 1/5 old), and
 * the cache is trimmed to it.
 */
static void
zone_timeout(uma_zone_t zone)
{
	uint64_t wss, target;

	ZONE_LOCK(zone);
	wss = zone->uz_bkt_imax - zone->uz_bkt_imin;
	zone->uz_bkt_imax = zone->uz_bkt_imin = zone->uz_bkt_items;
	zone->uz_bkt_wss = (4 * wss + zone->uz_bkt_wss) / 5;
	target = zone->uz_bkt_wss;
	ZONE_UNLOCK(zone);
	zone_trim_buckets(zone, target);
#ifdef INVARIANTS
	/*
	 * The periodic check: every cached zone each period, while the
	 * program runs (vm.uma_timeout; the tests set it to milliseconds).
	 */
	uma_assert_consistent(zone);
#endif
}

/*
 * The low-memory event (vm_page_alloc_fail, with whatever locks its
 * caller holds): the "uma" thread does the reclaim, as FreeBSD's
 * uma_reclaim_worker does for vm_lowmem.
 */
static void
uma_lowmem_event(void *arg __unused, int flags __unused)
{
	uma_lowmem();
}

void
uma_lowmem(void)
{
	if (!atomic_load_explicit(&uma_up, memory_order_relaxed) ||
	    atomic_load_explicit(&uma_lowmem_pending, memory_order_relaxed))
		return;
	atomic_store(&uma_lowmem_pending, true);
	wakeup(&uma_timeout_chan);
}

static void
uma_timeout_thread(void *arg __unused)
{
	uma_zone_t zone;
	int ms;

	while (!kthread_should_stop()) {
		ms = atomic_load(&uma_timeout_ms);
		if (!atomic_load(&uma_lowmem_pending))
			(void)tsleep(&uma_timeout_chan, 0, "umatmo",
			    ms > 0 ? ms : 1000);
		if (kthread_should_stop())
			break;
		if (atomic_exchange(&uma_lowmem_pending, false)) {
			uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
			atomic_fetch_add(&uma_lowmem_reclaims, 1);
			continue;
		}
		if (atomic_load(&uma_timeout_ms) <= 0)
			continue;
		mtx_lock(&uma_lock);
		TAILQ_FOREACH(zone, &uma_zones, uz_link)
			if (zone->uz_bucket_zone != NULL)
				zone_timeout(zone);
		mtx_unlock(&uma_lock);
	}
}

/* ---- statistics --------------------------------------------------------- */

/* Items in a CPU's buckets: claims the slot to read them. */
static uint64_t
cache_items(uma_zone_t zone, int cpu)
{
	struct uma_cache *cache = &zone->uz_cpu[cpu];
	uint64_t n;

	pcpu_claim_wait(cpu);
	/* bucket_none counts 0. */
	n = (uint64_t)cache->uc_allocbucket->ub_cnt +
	    (uint64_t)cache->uc_freebucket->ub_cnt;
	pcpu_release(cpu);
	return (n);
}

static void
zone_stats(uma_zone_t zone, struct uma_type_header *uth,
    struct uma_percpu_stat *ups)
{
	uma_keg_t keg = zone->uz_keg;
	int c;

	memset(uth, 0, sizeof(*uth));
	snprintf(uth->uth_name, sizeof(uth->uth_name), "%s", zone->uz_name);
	uth->uth_align = keg->uk_align;
	uth->uth_size = zone->uz_size;
	uth->uth_rsize = keg->uk_rsize;
	KEG_LOCK(keg);
	uth->uth_pages = (uint32_t)keg->uk_pages;
	uth->uth_keg_free = (uint32_t)keg->uk_free;
	KEG_UNLOCK(keg);
	ZONE_LOCK(zone);
	uth->uth_limit = (uint32_t)zone->uz_max_items;
	uth->uth_zone_free = (uint32_t)zone->uz_bkt_items;
	uth->uth_bucketsize = (uint32_t)zone->uz_bucket_size;
	uth->uth_allocs = zone->uz_allocs;
	uth->uth_frees = zone->uz_frees;
	uth->uth_fails = zone->uz_fails;
	uth->uth_sleeps = zone->uz_sleeps;
	uth->uth_xdomain = zone->uz_xdomain;
	ZONE_UNLOCK(zone);
	if ((zone->uz_flags & UMA_ZONE_SECONDARY) != 0)
		uth->uth_zone_flags |= UTH_ZONE_SECONDARY;
	for (c = 0; c < mp_ncpus; c++) {
		memset(&ups[c], 0, sizeof(ups[c]));
		if (zone->uz_bucket_zone == NULL)
			continue;
		ups[c].ups_allocs = atomic_load_explicit(
		    &zone->uz_cpu[c].uc_allocs, memory_order_relaxed);
		ups[c].ups_frees = atomic_load_explicit(
		    &zone->uz_cpu[c].uc_frees, memory_order_relaxed);
		ups[c].ups_cache_free = cache_items(zone, c);
	}
}

/* vm.zone_stats: the stream header, then each zone's records. */
static int
sysctl_vm_zone_stats(struct sysctl_oid *oidp __unused, void *arg1 __unused,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	struct uma_stream_header ush;
	struct uma_type_header uth;
	struct uma_percpu_stat *ups;
	uma_zone_t zone;
	int error;

	ups = calloc((size_t)mp_ncpus, sizeof(*ups));
	if (ups == NULL)
		return (ENOMEM);
	mtx_lock(&uma_lock);
	memset(&ush, 0, sizeof(ush));
	ush.ush_version = UMA_STREAM_VERSION;
	ush.ush_maxcpus = (uint32_t)mp_ncpus;
	ush.ush_count = (uint32_t)uma_nzones;
	error = SYSCTL_OUT(req, &ush, sizeof(ush));
	TAILQ_FOREACH(zone, &uma_zones, uz_link) {
		if (error != 0)
			break;
		zone_stats(zone, &uth, ups);
		error = SYSCTL_OUT(req, &uth, sizeof(uth));
		if (error == 0)
			error = SYSCTL_OUT(req, ups,
			    sizeof(*ups) * (size_t)mp_ncpus);
	}
	mtx_unlock(&uma_lock);
	free(ups);
	return (error);
}

static int
sysctl_vm_uma_count(struct sysctl_oid *oidp, void *arg1 __unused,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	int n;

	mtx_lock(&uma_lock);
	n = uma_nzones;
	mtx_unlock(&uma_lock);
	return (sysctl_handle_int(oidp, &n, 0, req));
}

static int
sysctl_vm_uma_lowmem(struct sysctl_oid *oidp, void *arg1 __unused,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	uint64_t v = atomic_load(&uma_lowmem_reclaims);

	return (sysctl_handle_64(oidp, &v, 0, req));
}

static int
sysctl_vm_uma_timeout(struct sysctl_oid *oidp, void *arg1 __unused,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	int error, val;

	val = atomic_load(&uma_timeout_ms);
	error = sysctl_handle_int(oidp, &val, 0, req);
	if (error != 0 || req->newptr == NULL)
		return (error);
	if (val < 0)
		return (EINVAL);
	atomic_store(&uma_timeout_ms, val);
	wakeup(&uma_timeout_chan);
	return (0);
}

/* ---- consistency -------------------------------------------------------- */

static void
keg_assert_consistent(uma_keg_t keg)
{
	struct uma_slablist *lists[3] = { &keg->uk_part_slab,
	    &keg->uk_free_slab, &keg->uk_full_slab };
	uma_slab_t slab;
	uint64_t pages = 0, freeitems = 0;
	uint32_t n;
	int l, w;

	KEG_LOCK(keg);
	for (l = 0; l < 3; l++)
		LIST_FOREACH(slab, lists[l], us_link) {
			n = 0;
			for (w = 0; w < (int)UMA_SLAB_WORDS(keg->uk_ipers); w++)
				n += (uint32_t)__builtin_popcountll(
				    slab->us_free[w]);
			if (n != slab->us_freecount)
				panic("uma: keg %s slab %p counts %u free, "
				    "bitmap %u", keg->uk_name, slab,
				    slab->us_freecount, n);
			if ((l == 0 && (n == 0 || n == keg->uk_ipers)) ||
			    (l == 1 && n != keg->uk_ipers) ||
			    (l == 2 && n != 0))
				panic("uma: keg %s slab %p on the wrong list",
				    keg->uk_name, slab);
			if (vtoslab(slab->us_data, NULL) != slab)
				panic("uma: keg %s slab %p: its page names "
				    "another slab", keg->uk_name, slab);
			pages += keg->uk_ppera;
			freeitems += n;
		}
	if (pages != keg->uk_pages || freeitems != keg->uk_free)
		panic("uma: keg %s counts %ju pages %ju free, slabs have %ju "
		    "and %ju", keg->uk_name, (uintmax_t)keg->uk_pages,
		    (uintmax_t)keg->uk_free, (uintmax_t)pages,
		    (uintmax_t)freeitems);
	KEG_UNLOCK(keg);
}

void
uma_assert_consistent(uma_zone_t zone)
{
	uma_bucket_t b;
	uint64_t items = 0;
	int n;

	ZONE_LOCK(zone);
	TAILQ_FOREACH(b, &zone->uz_buckets, ub_link) {
		if (b->ub_cnt <= 0 || b->ub_cnt > b->ub_entries)
			panic("uma: zone %s bucket %p holds %d of %d",
			    zone->uz_name, b, b->ub_cnt, b->ub_entries);
		items += (uint64_t)b->ub_cnt;
	}
	n = 0;
	TAILQ_FOREACH(b, &zone->uz_empty, ub_link) {
		if (b->ub_cnt != 0)
			panic("uma: zone %s empty bucket %p holds %d",
			    zone->uz_name, b, b->ub_cnt);
		n++;
	}
	if (n != zone->uz_nempty)
		panic("uma: zone %s counts %d empty buckets, has %d",
		    zone->uz_name, zone->uz_nempty, n);
	if (items != zone->uz_bkt_items)
		panic("uma: zone %s bucket cache counts %ju items, has %ju",
		    zone->uz_name, (uintmax_t)zone->uz_bkt_items,
		    (uintmax_t)items);
	ZONE_UNLOCK(zone);
	keg_assert_consistent(zone->uz_keg);
}

/* ---- startup and shutdown ----------------------------------------------- */

void
uma_startup(void)
{
	char name[UTH_MAX_NAME];
	size_t i, zsize;

	mtx_init(&uma_lock, "uma", NULL, 0);
	LIST_INIT(&uma_kegs);
	TAILQ_INIT(&uma_zones);
	uma_nzones = 0;
	ninternal = 0;
	nvmzones = 0;
	slabzone_small = slabzone_large = NULL;
	/*
	 * The zones of zones and of kegs, in static storage; their slab
	 * headers stay in the slab (there is no slab zone yet).
	 */
	zsize = UMA_ZONE_SIZE(mp_ncpus);
	keg_setup(&keg_zones, "UMA Zones", zsize, NULL, NULL,
	    CACHE_LINE_SIZE - 1, UMA_ZFLAG_INTERNAL | UMA_ZONE_NOBUCKET);
	zone_setup(&zone_zones, "UMA Zones", &keg_zones, zsize, NULL, NULL,
	    NULL, NULL, UMA_ZFLAG_INTERNAL | UMA_ZONE_NOBUCKET, 0);
	keg_setup(&keg_kegs, "UMA Kegs", sizeof(struct uma_keg), NULL, NULL,
	    UMA_ALIGN_PTR, UMA_ZFLAG_INTERNAL | UMA_ZONE_NOBUCKET);
	zone_setup(&zone_kegs, "UMA Kegs", &keg_kegs, sizeof(struct uma_keg),
	    NULL, NULL, NULL, NULL, UMA_ZFLAG_INTERNAL | UMA_ZONE_NOBUCKET, 0);
	uma_register(&zone_zones, true);
	uma_register(&zone_kegs, true);
	uma_up = true;
	/* Off-page slab headers, then the buckets. */
	slabzone_small = uma_zcreate_internal("UMA Slabs",
	    UMA_SLAB_HDRSIZE(UMA_SLAB_SMALL_IPERS), UMA_ALIGN_PTR);
	slabzone_large = uma_zcreate_internal("UMA Slabs Large",
	    UMA_SLAB_HDRSIZE(UMA_SLAB_MAX_IPERS), UMA_ALIGN_PTR);
	/*
	 * Buckets on cache lines of their own: the owner of a bucket writes
	 * its count at every allocation and free, and two CPUs' buckets
	 * sharing a line (one's last entries, the next one's header) would
	 * make a full bucket on one CPU slow down the other's fast path.
	 */
	for (i = 0; i < NBUCKETZONES; i++) {
		snprintf(name, sizeof(name), "%d Bucket", bucket_sizes[i]);
		bucket_zones[i] = uma_zcreate_internal(name,
		    sizeof(struct uma_bucket) +
		    (size_t)bucket_sizes[i] * sizeof(void *),
		    CACHE_LINE_SIZE - 1);
	}
	atomic_store(&uma_timeout_ms, 20000);
	SYSCTL_ADD_PROC(sysctl_node_path("vm"), "zone_stats",
	    CTLTYPE_OPAQUE | CTLFLAG_RD, NULL, 0, sysctl_vm_zone_stats, "S",
	    "Zone allocator statistics (seed 004's stream)");
	SYSCTL_ADD_PROC(sysctl_node_path("vm"), "uma_count",
	    CTLTYPE_INT | CTLFLAG_RD, NULL, 0, sysctl_vm_uma_count, "I",
	    "Number of UMA zones");
	atomic_store(&uma_lowmem_pending, false);
	atomic_store(&uma_lowmem_reclaims, 0);
	SYSCTL_ADD_PROC(sysctl_node_path("vm"), "uma_lowmem_reclaims",
	    CTLTYPE_U64 | CTLFLAG_RD, NULL, 0, sysctl_vm_uma_lowmem, "QU",
	    "Reclaims done for page shortages (the low-memory event)");
	SYSCTL_ADD_PROC(sysctl_node_path("vm"), "uma_timeout",
	    CTLTYPE_INT | CTLFLAG_RW, NULL, 0, sysctl_vm_uma_timeout, "I",
	    "Milliseconds between bucket-cache trims (0: none)");
	if (kthread_add(uma_timeout_thread, NULL, &uma_timeout_chan, "uma",
	    NULL) != 0)
		panic("%s: cannot start the uma thread", __func__);
	/* The page daemon's low-memory event (vm_lowmem.h). */
	if ((uma_lowmem_tag = vm_lowmem_register(uma_lowmem_event, NULL)) ==
	    NULL)
		panic("%s: cannot subscribe to vm_lowmem", __func__);
}

/*
 * At vm_shutdown, after the kernel threads have stopped: the user's zones
 * are emptied and destroyed, so their pages go back to the allocator;
 * UMA's own zones only lose their locks (their pages go with the arena).
 */
void
uma_shutdown(void)
{
	uma_zone_t zone;
	uma_keg_t keg;

	if (!uma_up)
		return;
	vm_lowmem_deregister(uma_lowmem_tag);
	uma_lowmem_tag = NULL;
	for (;;) {
		mtx_lock(&uma_lock);
		TAILQ_FOREACH(zone, &uma_zones, uz_link)
			if ((zone->uz_flags & UMA_ZFLAG_INTERNAL) == 0)
				break;
		mtx_unlock(&uma_lock);
		if (zone == NULL)
			break;
		uma_zdestroy(zone);
	}
	TAILQ_FOREACH(zone, &uma_zones, uz_link)
		mtx_destroy(&zone->uz_lock);
	LIST_FOREACH(keg, &uma_kegs, uk_link)
		mtx_destroy(&keg->uk_lock);
	uma_up = false;
	mtx_destroy(&uma_lock);
}
