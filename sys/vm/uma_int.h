/*
 * uma_int.h: the structures of the zone allocator (uma_core.c).
 *
 * Lock legend:
 *	(c)	constant after creation
 *	(u)	uma_lock: the lists of kegs and zones
 *	(z)	the zone's uz_lock
 *	(k)	the keg's uk_lock
 *	(cpu)	the CPU slot's owner: the thread in a critical section on
 *		that slot, or one that claimed it (pcpu_claim_wait)
 *	(a)	atomic
 *
 * Lock order: uma_lock, then a zone's uz_lock, then its keg's uk_lock.
 * No zone or keg lock is taken inside a critical section (they may
 * sleep), and the critical section of the fast path takes no lock at all.
 */
#ifndef _VM_UMA_INT_H_
#define _VM_UMA_INT_H_

#include <sys/param.h>
#include <sys/mutex.h>
#include <sys/queue.h>

#include <uma.h>

/*
 * A bucket: a stack of free items.  Per-CPU caches allocate from and free
 * into buckets; full buckets wait in the zone's bucket cache.  Buckets
 * come from the bucket zones, one per capacity.
 */
struct uma_bucket {
	TAILQ_ENTRY(uma_bucket) ub_link;	/* (z) in the bucket cache */
	int		ub_cnt;			/* items in it */
	int		ub_entries;		/* (c) capacity */
	void		*ub_bucket[];		/* the items */
};
typedef struct uma_bucket *uma_bucket_t;
TAILQ_HEAD(uma_bucketlist, uma_bucket);

/*
 * A CPU's cache of one zone, on a cache line of its own.  The bucket
 * pointers and their contents belong to the slot's owner; the counters
 * are written only by it too, atomically so that statistics read them
 * without claiming the slot.
 */
struct uma_cache {
	uma_bucket_t	uc_allocbucket;		/* (cpu) allocate from */
	uma_bucket_t	uc_freebucket;		/* (cpu) free into */
	_Atomic uint64_t uc_allocs;		/* (cpu, a) */
	_Atomic uint64_t uc_frees;		/* (cpu, a) */
} __aligned(CACHE_LINE_SIZE);
/* The fast paths find theirs at td_biasoff, a multiple of the line. */
CTASSERT(sizeof(struct uma_cache) == CACHE_LINE_SIZE);

/*
 * A slab: ppera contiguous pages holding ipers items, with a bitmap of
 * the free ones.  Its header sits at the end of the slab, or off the
 * slab (UMA_ZONE_OFFPAGE) when that wastes less; either way every page
 * of the slab names it (vm_page plinks.uma), which is how a freed item
 * finds its slab.
 */
struct uma_slab {
	LIST_ENTRY(uma_slab) us_link;		/* (k) keg's slab list */
	char		*us_data;		/* (c) first item */
	struct vm_page	*us_pages;		/* (c) its first page */
	uint16_t	us_freecount;		/* (k) free items */
	uint16_t	us_flags;		/* (c) */
	uint32_t	_us_pad;
	uint64_t	us_free[];		/* (k) bit set: item is free;
						   INVARIANTS: then (a) a bit
						   set per item out with a
						   caller (uma_dbg) */
};
typedef struct uma_slab *uma_slab_t;
LIST_HEAD(uma_slablist, uma_slab);

#define	UMA_SLAB_WORDS(ipers)	howmany((ipers), 64)
#ifdef INVARIANTS
#define	UMA_SLAB_BITMAPS	2	/* free items, items out */
#else
#define	UMA_SLAB_BITMAPS	1
#endif
#define	UMA_SLAB_HDRSIZE(ipers)						\
	(sizeof(struct uma_slab) +					\
	UMA_SLAB_BITMAPS * UMA_SLAB_WORDS(ipers) * sizeof(uint64_t))

/* Off-page headers come from two slab-header zones. */
#define	UMA_SLAB_SMALL_IPERS	64
#define	UMA_SLAB_MAX_IPERS	1024	/* cap for off-page slabs */

/*
 * The waste rule (seed 004): a slab header goes off the slab when keeping
 * it inside would waste at least this much of the slab.
 */
#define	UMA_MAX_WASTE(slabsize)	((slabsize) / 10)
#define	UMA_MAX_PPERA		16	/* pages in a slab, at most */

/*
 * A keg: the slabs of one item size, and the items' init and fini.  A
 * primary zone and its secondary zones share one.
 */
struct uma_keg {
	struct mtx	uk_lock;
	struct uma_slablist uk_part_slab;	/* (k) some items free */
	struct uma_slablist uk_free_slab;	/* (k) all items free */
	struct uma_slablist uk_full_slab;	/* (k) no item free */
	uint64_t	uk_pages;		/* (k) pages in slabs */
	uint64_t	uk_free;		/* (k) free items in slabs */
	uint32_t	uk_size;		/* (c) requested item size */
	uint32_t	uk_rsize;		/* (c) item size in the slab */
	uint32_t	uk_align;		/* (c) alignment mask */
	uint32_t	uk_ipers;		/* (c) items per slab */
	uint32_t	uk_ppera;		/* (c) pages per slab */
	uint32_t	uk_hdroff;		/* (c) in-slab header's offset */
	uint32_t	uk_flags;		/* (c) UMA_ZONE_* */
	int		uk_refs;		/* (u) zones using the keg */
	uma_init	uk_init;		/* (c) */
	uma_fini	uk_fini;		/* (c) */
	struct uma_zone	*uk_slabzone;		/* (c) off-page headers */
	const char	*uk_name;		/* (c) uk_namebuf */
	LIST_ENTRY(uma_keg) uk_link;		/* (u) uma_kegs */
	char		uk_namebuf[UTH_MAX_NAME]; /* (c) the primary zone's */
};
typedef struct uma_keg *uma_keg_t;

/*
 * A zone.  uz_cpu[] is the per-CPU caches, mp_ncpus of them, at the end
 * of the structure so the fast path finds its cache with no pointer to
 * follow.
 */
struct uma_zone {
	/*
	 * Read-mostly, on the first cache line: what the fast paths look
	 * at.  The lock and the fields it protects start on a line of
	 * their own, so a CPU exchanging buckets does not take this line
	 * away from the others' fast paths.
	 */
	_Atomic uint8_t	uz_fast;		/* (z, a) fast paths open: */
#define	UMA_FAST_ALLOC		0x01		/* cached, no ctor, */
#define	UMA_FAST_FREE		0x02		/* cached, no dtor; both
						   closed while limited */
	uint8_t		uz_fastmask;		/* (z) uz_fast unlimited;
						   UMA_FAST_FREE gone for
						   good once memguard served
						   the zone */
	_Atomic bool	uz_limited;		/* (z, a) has an item limit:
						   no caching (read in the
						   critical section) */
	_Atomic bool	uz_guarded;		/* (a) memguard(9) serves it
						   (fast paths closed) */
	uint32_t	uz_size;		/* (c) item size */
	uint32_t	uz_flags;		/* (c) UMA_ZONE_*, and: */
#define	UMA_ZFLAG_INTERNAL	0x01000000	/* UMA's own zones */
#define	UMA_ZFLAG_STATIC	0x04000000	/* zone and keg in static
						   storage (boot-time VM zones) */
	int		uz_bucket_size;		/* (c) preferred capacity */
	const char	*uz_name;		/* (c) */
	uma_keg_t	uz_keg;			/* (c) */
	uma_ctor	uz_ctor;		/* (c) */
	uma_dtor	uz_dtor;		/* (c) */
	uma_init	uz_init;		/* (c) secondary zones' zinit */
	uma_fini	uz_fini;		/* (c) ... and zfini */
	struct uma_zone	*uz_bucket_zone;	/* (c) where its buckets
						   come from, NULL: none */
	struct mtx	uz_lock __aligned(CACHE_LINE_SIZE);
	/* The bucket cache and its working-set estimate. */
	struct uma_bucketlist uz_buckets;	/* (z) full buckets */
	struct uma_bucketlist uz_empty;		/* (z) empty ones, kept for
						   bucket exchanges */
	int		uz_nempty;		/* (z) */
	uint64_t	uz_bkt_items;		/* (z) items in them */
	uint64_t	uz_bkt_imin;		/* (z) lowest this period */
	uint64_t	uz_bkt_imax;		/* (z) highest this period */
	uint64_t	uz_bkt_wss;		/* (z) working-set estimate */
	/* Limits. */
	int64_t		uz_max_items;		/* (z) 0: none */
	int64_t		uz_items;		/* (z) live items, if limited */
	int		uz_sleepers;		/* (z) */
	/* Statistics of the zone-wide paths (per-CPU ones are in uz_cpu). */
	uint64_t	uz_allocs;		/* (z) */
	uint64_t	uz_frees;		/* (z) */
	uint64_t	uz_fails;		/* (z) */
	uint64_t	uz_sleeps;		/* (z) */
	uint64_t	uz_xdomain;		/* (z) */
	TAILQ_ENTRY(uma_zone) uz_link;		/* (u) uma_zones */
	char		uz_namebuf[UTH_MAX_NAME]; /* (c) */
	struct uma_cache uz_cpu[];		/* (cpu) */
};

#define	UMA_ZONE_SIZE(ncpu)						\
	(sizeof(struct uma_zone) + (size_t)(ncpu) * sizeof(struct uma_cache))

void	uma_startup(void);
void	uma_memguard_update(void);	/* vm.memguard.desc changed */
void	uma_lowmem(void);		/* pages short: reclaim, soon */
void	uma_shutdown(void);
void	uma_assert_consistent(uma_zone_t zone);	/* INVARIANTS checker */

#endif /* !_VM_UMA_INT_H_ */
