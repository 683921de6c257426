/*
 * uma.h: libvm's zone allocator, FreeBSD's uma(9).
 *
 * A zone hands out items of one size, fast: each CPU slot keeps a bucket
 * of free items to allocate from and one to free into, and takes no lock
 * while they last.  Zones are built on kegs (slabs of items carved from
 * physical pages of libvm's arena); secondary zones share the keg of a
 * primary one.  Constructors and initializers may fail.  See uma(9) in
 * docs/man and docs/uma.md.
 *
 * Zones live in a booted libvm: create them after vm_boot(); vm_shutdown()
 * frees them with everything else.
 */
#ifndef _UMA_H_
#define _UMA_H_

#include <stddef.h>
#include <stdint.h>

#ifndef LIBVM_API
#define	LIBVM_API	__attribute__((__visibility__("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct uma_zone *uma_zone_t;

/*
 * Called on every allocation (ctor) and free (dtor); init and fini when
 * an item enters and leaves the zone's storage, so state they build
 * survives many allocations.  ctor and init return 0 or an errno: a
 * failure makes the allocation return NULL, whatever its flags.
 */
typedef int	(*uma_ctor)(void *mem, int size, void *arg, int flags);
typedef void	(*uma_dtor)(void *mem, int size, void *arg);
typedef int	(*uma_init)(void *mem, int size, int flags);
typedef void	(*uma_fini)(void *mem, int size);

/* Allocation flags (malloc(9)'s, with FreeBSD's values). */
#ifndef M_NOWAIT
#define	M_NOWAIT	0x0001	/* may return NULL rather than sleep */
#define	M_WAITOK	0x0002	/* sleeps until it can: never NULL */
#define	M_ZERO		0x0100	/* zero the item (after the ctor) */
#endif

/* Alignment masks: an item's address & align == 0. */
#define	UMA_ALIGN_PTR	(sizeof(void *) - 1)
#define	UMA_ALIGN_LONG	(sizeof(long) - 1)
#define	UMA_ALIGN_INT	(sizeof(int) - 1)
#define	UMA_ALIGN_SHORT	(sizeof(short) - 1)
#define	UMA_ALIGN_CHAR	(sizeof(char) - 1)
#define	UMA_ALIGN_CACHE	(0 - 1)		/* a cache line */

/* Zone flags (FreeBSD's values). */
#define	UMA_ZONE_ZINIT		0x0002	/* init zeroes the item */
#define	UMA_ZONE_CONTIG		0x0004	/* multi-page slabs contiguous */
#define	UMA_ZONE_NOFREE		0x0020	/* slabs never freed: type stable */
#define	UMA_ZONE_VM		0x0080	/* the VM's own metadata: slabs may
					   use the system page reserve */
#define	UMA_ZONE_SECONDARY	0x0200	/* (set by uma_zsecond_create) */
#define	UMA_ZONE_NOBUCKET	0x0400	/* no per-CPU caches */
#define	UMA_ZONE_MAXBUCKET	0x0800	/* the largest buckets */
#define	UMA_ZONE_OFFPAGE	0x10000000 /* slab headers off the slab
					      (chosen by the waste rule) */

LIBVM_API uma_zone_t	uma_zcreate(const char *name, size_t size,
		    uma_ctor ctor, uma_dtor dtor, uma_init init,
		    uma_fini fini, int align, uint32_t flags);
LIBVM_API uma_zone_t	uma_zsecond_create(const char *name, uma_ctor ctor,
		    uma_dtor dtor, uma_init zinit, uma_fini zfini,
		    uma_zone_t primary);
LIBVM_API void	uma_zdestroy(uma_zone_t zone);

LIBVM_API void	*uma_zalloc_arg(uma_zone_t zone, void *arg, int flags);
LIBVM_API void	uma_zfree_arg(uma_zone_t zone, void *item, void *arg);

static inline void *
uma_zalloc(uma_zone_t zone, int flags)
{
	return (uma_zalloc_arg(zone, NULL, flags));
}

static inline void
uma_zfree(uma_zone_t zone, void *item)
{
	uma_zfree_arg(zone, item, NULL);
}

/*
 * Limits: set_max returns the limit in effect (items, 0 for none);
 * M_WAITOK allocations beyond it sleep until an item is freed, M_NOWAIT
 * ones fail.  get_cur is the number of items allocated now.
 */
LIBVM_API int	uma_zone_set_max(uma_zone_t zone, int nitems);
LIBVM_API int	uma_zone_get_max(uma_zone_t zone);
LIBVM_API int	uma_zone_get_cur(uma_zone_t zone);

/* Gives cached memory back to the page allocator. */
#define	UMA_RECLAIM_DRAIN	1	/* every zone-wide cache and free slab */
#define	UMA_RECLAIM_DRAIN_CPU	2	/* ... and the per-CPU caches */
#define	UMA_RECLAIM_TRIM	3	/* beyond the working-set estimate */
LIBVM_API void	uma_reclaim(int req);
LIBVM_API void	uma_zone_reclaim(uma_zone_t zone, int req);

/*
 * The statistics stream of sysctl vm.zone_stats (seed 004): a stream
 * header, then per zone a type header followed by ush_maxcpus per-CPU
 * records.  vm.uma_count is the number of zones.
 */
#define	UMA_STREAM_VERSION	0x00000001
#define	UTH_MAX_NAME		32
#define	UTH_ZONE_SECONDARY	0x00000001

struct uma_stream_header {
	uint32_t	ush_version;	/* UMA_STREAM_VERSION */
	uint32_t	ush_maxcpus;	/* per-CPU records per zone */
	uint32_t	ush_count;	/* zones in the stream */
	uint32_t	_ush_pad;
};

struct uma_type_header {
	char		uth_name[UTH_MAX_NAME];
	uint32_t	uth_align;	/* alignment mask */
	uint32_t	uth_size;	/* item size */
	uint32_t	uth_rsize;	/* item size in the slab */
	uint32_t	uth_maxpages;	/* keg's page limit (0: none) */
	uint32_t	uth_limit;	/* zone's item limit (0: none) */
	uint32_t	uth_pages;	/* keg's pages */
	uint32_t	uth_keg_free;	/* free items in the keg's slabs */
	uint32_t	uth_zone_free;	/* items in the zone's bucket cache */
	uint32_t	uth_bucketsize;	/* preferred bucket size */
	uint32_t	uth_zone_flags;	/* UTH_ZONE_* */
	uint64_t	uth_allocs;	/* zone-wide (not per-CPU) allocs */
	uint64_t	uth_frees;
	uint64_t	uth_fails;
	uint64_t	uth_sleeps;
	uint64_t	uth_xdomain;	/* frees to another domain */
	uint64_t	_uth_reserved[2];
};

struct uma_percpu_stat {
	uint64_t	ups_allocs;
	uint64_t	ups_frees;
	uint64_t	ups_cache_free;	/* items in the CPU's buckets */
	uint64_t	_ups_reserved;
};

/*
 * The stream, read and summed per zone as FreeBSD's libmemstat does for
 * vmstat -z: used = allocations - frees (zone-wide and every CPU); free =
 * items cached in the CPUs' buckets, the bucket cache and (primary zones)
 * the keg's slabs; requests = allocations ever.  buf NULL: *countp gets
 * the number of zones.  Otherwise *countp is buf's capacity on entry and
 * the number stored on return; ENOMEM if buf was too small.
 */
struct uma_zone_stat {
	char		uzs_name[UTH_MAX_NAME];
	uint64_t	uzs_size;	/* item size */
	uint64_t	uzs_limit;	/* 0: none */
	uint64_t	uzs_used;
	uint64_t	uzs_free;
	uint64_t	uzs_requests;
	uint64_t	uzs_fails;
	uint64_t	uzs_sleeps;
	uint64_t	uzs_xdomain;
	uint64_t	uzs_pages;	/* pages of the keg's slabs */
	uint32_t	uzs_bucketsize;
	uint32_t	uzs_flags;	/* UTH_ZONE_* */
};
LIBVM_API int	uma_zone_stats(struct uma_zone_stat *buf, size_t *countp);

#ifdef __cplusplus
}
#endif

#endif /* !_UMA_H_ */
