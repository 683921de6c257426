/*
 * malloc(9): kernel memory by size, accounted by type.
 *
 * kmalloc(size, type, flags) serves small sizes from power-of-two UMA
 * zones, "malloc-16" up to "malloc-65536", and larger ones from
 * kmem_malloc (whole wired pages, physically contiguous, through the
 * direct map).  kfree finds which from the page the address lies in: a
 * UMA slab page names its keg, which names the size; otherwise kmem's
 * arena knows the large allocation that starts there.
 * No header precedes the memory, so the sizes a caller asks for are the
 * sizes it gets, rounded up to the zone.
 *
 * Each malloc type (MALLOC_DEFINE) is static and registers itself the
 * first time it is used in a boot: its statistics (allocations, frees,
 * bytes, the sizes used) are per-CPU counters, summed for vmstat -m by
 * vm_malloc_stats().  A type chosen with sysctl vm.memguard.desc gets
 * memguard(9): each allocation on pages of its own, made inaccessible
 * when freed (memguard.c).
 *
 * Locks: malloc_mtx (leaf) protects the list of registered types and
 * registration itself; the counters are atomic; the zones lock
 * themselves.  kmalloc with M_WAITOK may sleep (in UMA or the page
 * allocator) and must not be called in a critical section.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvm.h>
#include <sys/systm.h>
#include <sys/counter.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <sys/mutex.h>
#include <sys/pcpu.h>
#include <sys/sleepqueue.h>

#include <vm/vm_kern.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/uma_int.h>

#define	KMEM_ZSHIFT_MIN	4		/* 16 bytes */
#define	KMEM_ZSHIFT_MAX	16		/* 64 KiB: UMA's largest item */
#define	KMEM_NZONES	(KMEM_ZSHIFT_MAX - KMEM_ZSHIFT_MIN + 1)
#define	KMEM_ZMAX	((size_t)1 << KMEM_ZSHIFT_MAX)
#define	KMEM_SIZE_LARGE	63		/* bit of ks_sizes: a large one */

struct malloc_type_stats {
	counter_u64_t	mts_numallocs;
	counter_u64_t	mts_numfrees;
	counter_u64_t	mts_memalloced;
	counter_u64_t	mts_memfreed;
	_Atomic uint64_t mts_sizes;	/* bit i: zone i used, 63: large */
};

static struct mtx malloc_mtx;
static struct malloc_type *malloc_types;	/* (malloc_mtx) */
static int malloc_ntypes;			/* (malloc_mtx) */
static uma_zone_t kmem_zones[KMEM_NZONES];	/* (c) */
static bool kmalloc_up;				/* (c) */

MALLOC_DEFINE(M_TEMP, "temp", "misc temporary data buffers");

/* Registers type in this boot, once. */
static struct malloc_type_stats *
malloc_type_stats(struct malloc_type *type)
{
	struct malloc_type_stats *mts;

	if (__predict_true(atomic_load_explicit(&type->ks_bootgen,
	    memory_order_acquire) == pcpu_bootgen))
		return (type->ks_stats);
	mtx_lock(&malloc_mtx);
	if (atomic_load_explicit(&type->ks_bootgen, memory_order_relaxed) !=
	    pcpu_bootgen) {
		mts = calloc(1, sizeof(*mts));
		if (mts == NULL)
			panic("kmalloc: no host memory for type %s",
			    type->ks_shortdesc);
		mts->mts_numallocs = counter_u64_alloc(M_WAITOK);
		mts->mts_numfrees = counter_u64_alloc(M_WAITOK);
		mts->mts_memalloced = counter_u64_alloc(M_WAITOK);
		mts->mts_memfreed = counter_u64_alloc(M_WAITOK);
		type->ks_stats = mts;
		type->ks_next = malloc_types;
		malloc_types = type;
		malloc_ntypes++;
		atomic_store_explicit(&type->ks_bootgen, pcpu_bootgen,
		    memory_order_release);
	}
	mtx_unlock(&malloc_mtx);
	return (type->ks_stats);
}

static inline int
kmem_zindex(size_t size)
{
	int shift = KMEM_ZSHIFT_MIN;

	while (((size_t)1 << shift) < size)
		shift++;
	return (shift - KMEM_ZSHIFT_MIN);
}

/* Whole pages, contiguous and wired: kmem_malloc's. */
static void *
kmalloc_large(size_t size, int flags)
{
	/* More than the machine has can never be had: don't wait for it. */
	if (size > ptoa((size_t)vm_page_array_size)) {
		if ((flags & M_WAITOK) != 0)
			panic("kmalloc: %zu bytes, more than physical memory",
			    size);
		return (NULL);
	}
	return (kmem_malloc(round_page(size), flags));
}

/* The size of the large allocation at addr; panics if there is none. */
static size_t
kmalloc_large_size(const void *addr)
{
	size_t size = kmem_allocsize(addr);

	if (size == 0) {
		if (((uintptr_t)addr & PAGE_MASK) != 0 &&
		    kmem_allocsize((const void *)trunc_page((uintptr_t)addr))
		    != 0)
			panic("kfree: %p is inside a large allocation", addr);
		panic("kfree: %p was not allocated by kmalloc", addr);
	}
	return (size);
}

/*
 * The page under addr, or NULL if addr is not in the arena (memguard's
 * pages, or a caller's bug).
 */
static vm_page_t
kmalloc_page(const void *addr)
{
	vm_paddr_t pa;

	if ((const char *)addr < vm_dmap_base)
		return (NULL);
	pa = DMAP_TO_PHYS(addr);
	if (atop(pa) >= (vm_paddr_t)vm_page_array_size)
		return (NULL);
	return (PHYS_TO_VM_PAGE(pa));
}

/* The size of what kmalloc gave at addr: its zone's, or its pages'. */
size_t
kmalloc_usable_size(const void *addr)
{
	vm_page_t m;
	uma_keg_t keg;
	int i;

	if (addr == NULL)
		return (0);
	if (memguard_owns(addr))
		return (memguard_usable_size(addr));
	if ((m = kmalloc_page(addr)) == NULL)
		panic("kfree: %p is not kernel memory", addr);
	/*
	 * plinks.uma names a keg only on a slab's page (elsewhere the union
	 * holds queue links): compare, never trust.
	 */
	keg = m->plinks.uma.keg;
	for (i = 0; i < KMEM_NZONES; i++)
		if (kmem_zones[i]->uz_keg == keg)
			return ((size_t)1 << (i + KMEM_ZSHIFT_MIN));
	return (kmalloc_large_size(addr));
}

void *
kmalloc(size_t size, struct malloc_type *type, int flags)
{
	struct malloc_type_stats *mts;
	size_t got;
	void *p;
	int zi;

	KASSERT(kmalloc_up, ("kmalloc before vm_boot"));
	KASSERT((flags & (M_WAITOK | M_NOWAIT)) != 0 &&
	    (flags & (M_WAITOK | M_NOWAIT)) != (M_WAITOK | M_NOWAIT),
	    ("kmalloc: flags %#x want one of M_WAITOK and M_NOWAIT", flags));
	mts = malloc_type_stats(type);
	if (__predict_false(memguard_cmp_mtp(type, size))) {
		p = memguard_alloc(size, flags, type->ks_shortdesc);
		if (p == NULL)
			return (NULL);
		got = memguard_usable_size(p);
		zi = KMEM_SIZE_LARGE;
	} else if (size <= KMEM_ZMAX) {
		zi = kmem_zindex(size);
		p = uma_zalloc(kmem_zones[zi], flags);
		got = (size_t)1 << (zi + KMEM_ZSHIFT_MIN);
	} else {
		p = kmalloc_large(size, flags);
		got = round_page(size);
		zi = KMEM_SIZE_LARGE;
	}
	if (p == NULL)
		return (NULL);
	counter_u64_add(mts->mts_numallocs, 1);
	counter_u64_add(mts->mts_memalloced, (int64_t)got);
	if ((atomic_load_explicit(&mts->mts_sizes, memory_order_relaxed) &
	    (1ULL << zi)) == 0)
		atomic_fetch_or(&mts->mts_sizes, 1ULL << zi);
	return (p);
}

void
kfree(void *addr, struct malloc_type *type)
{
	struct malloc_type_stats *mts;
	vm_page_t m;
	uma_keg_t keg;
	size_t size;
	int i;

	if (addr == NULL)
		return;
	mts = malloc_type_stats(type);
	if (memguard_owns(addr)) {
		/* Guarded for the type, or for one of the zones below. */
		const char *owner = memguard_owner(addr);

		for (i = 0; i < KMEM_NZONES; i++)
			if (strcmp(owner, kmem_zones[i]->uz_name) == 0)
				break;
		if (i < KMEM_NZONES) {
			size = (size_t)1 << (i + KMEM_ZSHIFT_MIN);
			uma_zfree(kmem_zones[i], addr);
		} else {
			size = memguard_usable_size(addr);
			memguard_free(addr);
		}
		goto counted;
	}
	if ((m = kmalloc_page(addr)) == NULL)
		panic("kfree: %p is not kernel memory", addr);
	keg = m->plinks.uma.keg;	/* see kmalloc_usable_size */
	for (i = 0; i < KMEM_NZONES; i++)
		if (kmem_zones[i]->uz_keg == keg)
			break;
	if (i == KMEM_NZONES) {
		/* Not a kmalloc slab: a large allocation, or a bug. */
		size = kmalloc_large_size(addr);
		kmem_free(addr, size);
		goto counted;
	}
	size = (size_t)1 << (i + KMEM_ZSHIFT_MIN);
	uma_zfree(kmem_zones[i], addr);	/* checks the item itself */
counted:
	counter_u64_add(mts->mts_numfrees, 1);
	counter_u64_add(mts->mts_memfreed, (int64_t)size);
}

/* ---- statistics (vmstat -m) ------------------------------------------- */

__exported int
vm_malloc_stats(struct vm_malloc_stat *buf, size_t *countp)
{
	struct malloc_type *type;
	struct malloc_type_stats *mts;
	size_t n = 0, cap;
	uint64_t a, f, ma, mf;
	int error = 0;

	if (countp == NULL)
		return (EINVAL);
	if (!vm_is_booted())
		return (ENXIO);
	mtx_lock(&malloc_mtx);
	if (buf == NULL) {
		*countp = (size_t)malloc_ntypes;
		mtx_unlock(&malloc_mtx);
		return (0);
	}
	cap = *countp;
	for (type = malloc_types; type != NULL; type = type->ks_next) {
		if (n == cap) {
			error = ENOMEM;
			break;
		}
		mts = type->ks_stats;
		a = counter_u64_fetch(mts->mts_numallocs);
		f = counter_u64_fetch(mts->mts_numfrees);
		ma = counter_u64_fetch(mts->mts_memalloced);
		mf = counter_u64_fetch(mts->mts_memfreed);
		memset(&buf[n], 0, sizeof(buf[n]));
		snprintf(buf[n].vms_name, sizeof(buf[n].vms_name), "%s",
		    type->ks_shortdesc);
		buf[n].vms_inuse = a >= f ? a - f : 0;
		buf[n].vms_memuse = ma >= mf ? ma - mf : 0;
		buf[n].vms_requests = a;
		buf[n].vms_sizes = atomic_load(&mts->mts_sizes);
		n++;
	}
	mtx_unlock(&malloc_mtx);
	*countp = n;
	return (error);
}

/* ---- boot --------------------------------------------------------------- */

void
kmalloc_startup(void)
{
	char name[UTH_MAX_NAME];
	int i;

	mtx_init(&malloc_mtx, "malloc", NULL, 0);
	malloc_types = NULL;
	malloc_ntypes = 0;
	for (i = 0; i < KMEM_NZONES; i++) {
		snprintf(name, sizeof(name), "malloc-%zu",
		    (size_t)1 << (i + KMEM_ZSHIFT_MIN));
		kmem_zones[i] = uma_zcreate(name,
		    (size_t)1 << (i + KMEM_ZSHIFT_MIN), NULL, NULL, NULL, NULL,
		    UMA_ALIGN_PTR, UMA_ZONE_VM);	/* kernel memory */
		if (kmem_zones[i] == NULL)
			panic("%s: cannot create %s", __func__, name);
	}
	memguard_startup();
	kmalloc_up = true;
}

/* The types' counters go with the boot; the types stay for the next. */
void
kmalloc_shutdown(void)
{
	struct malloc_type *type, *next;

	kmalloc_up = false;
	memguard_shutdown();
	mtx_lock(&malloc_mtx);
	for (type = malloc_types; type != NULL; type = next) {
		next = type->ks_next;
		counter_u64_free(type->ks_stats->mts_numallocs);
		counter_u64_free(type->ks_stats->mts_numfrees);
		counter_u64_free(type->ks_stats->mts_memalloced);
		counter_u64_free(type->ks_stats->mts_memfreed);
		free(type->ks_stats);
		type->ks_stats = NULL;
		type->ks_next = NULL;
		atomic_store(&type->ks_bootgen, 0);
	}
	malloc_types = NULL;
	malloc_ntypes = 0;
	mtx_unlock(&malloc_mtx);
	mtx_destroy(&malloc_mtx);
	/* The zones are destroyed by uma_shutdown with the others. */
}
