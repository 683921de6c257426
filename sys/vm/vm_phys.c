/*
 * Physical memory: the arena, its domains and the buddy allocator.
 *
 * At boot libvm takes physmem bytes of anonymous host memory, aligned to
 * a superpage and advised MADV_HUGEPAGE so that the direct map is built of
 * 2 MiB host pages where the host allows (amd64's direct map uses large
 * pages for the same reason: the TLB), and touches every page up front: on
 * a paravirtualized host a first-touch fault costs about 11 us, and those
 * costs belong to boot, not to libvm's allocator.  The arena is the direct
 * map: physical address pa is vm_dmap_base + pa.  It is private memory, so
 * a host fork() gives the child a copy of the whole kernel, consistent
 * with the copy of libvm's globals it also gets.  (The host pmap, when it
 * is built, needs the arena as a memfd it can map at guest addresses.)
 *
 * The arena is cut into ndomain segments, one per domain.  Free pages of a
 * domain are kept as power-of-two blocks, aligned to their size, on free
 * lists indexed by pool and order; the head page of a free block records
 * its order and pool, every other page has order VM_NFREEORDER.  Freeing a
 * block merges it with its buddy (pa ^ block size) while the buddy is a
 * free block of the same order in the same segment.  An allocation from an
 * empty pool steals the largest block of another pool, which keeps kernel
 * and user pages apart the way FreeBSD's direct/default pools do.
 *
 * Contiguous allocation (contigmalloc, seed 004) scans a domain once, from
 * low addresses up, block by block: a run of adjacent free blocks is
 * extended until an aligned, boundary-respecting range fits inside it and
 * inside [low, high).  Each block is examined once, which avoids the
 * degenerate rescans seed 004 describes.
 *
 * Bad pages (seed 004's vm.blacklist) named at boot are marked PG_BAD and
 * never enter a free list.
 *
 * Locking: every free-list operation needs the domain's free lock
 * (vm_domain_free_lock); the segments and arena are constant after boot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sys/systm.h>
#include <vm/vm_page.h>
#include <vm/vm_pagequeue.h>
#include <vm/vm_phys.h>

#ifndef MADV_POPULATE_WRITE
#define	MADV_POPULATE_WRITE	23	/* Linux 5.14 */
#endif

char		*vm_dmap_base;
vm_paddr_t	vm_phys_size;
struct vm_page	*vm_page_array;
long		vm_page_array_size;
int		vm_ndomains;
struct vm_phys_seg vm_phys_segs[MAXMEMDOM];
int		vm_phys_nsegs;

static struct vm_freelist vm_phys_free_queues[MAXMEMDOM][VM_NFREEPOOL]
    [VM_NFREEORDER];			/* (f) of the domain */
static int	vm_phys_nbad;		/* (c) */

#define	BLOCK_BYTES(order)	((vm_paddr_t)PAGE_SIZE << (order))

static inline void
vm_freelist_add(struct vm_freelist *fl, vm_page_t m, int order, int pool,
    bool tail)
{
	m->order = (uint8_t)order;
	m->pool = (uint8_t)pool;
	if (tail)
		TAILQ_INSERT_TAIL(&fl[order].pl, m, plinks.q);
	else
		TAILQ_INSERT_HEAD(&fl[order].pl, m, plinks.q);
	fl[order].lcnt++;
}

static inline void
vm_freelist_rem(struct vm_freelist *fl, vm_page_t m, int order)
{
	TAILQ_REMOVE(&fl[order].pl, m, plinks.q);
	fl[order].lcnt--;
	m->order = VM_NFREEORDER;
}

int
vm_phys_domain(vm_paddr_t pa)
{
	int i;

	for (i = 0; i < vm_phys_nsegs; i++)
		if (pa >= vm_phys_segs[i].start && pa < vm_phys_segs[i].end)
			return (vm_phys_segs[i].domain);
	panic("%s: pa %#jx outside the arena", __func__, (uintmax_t)pa);
}

/*
 * Free one aligned block of 2^order pages and merge it with its buddies.
 */
void
vm_phys_free_pages(vm_page_t m, int order)
{
	struct vm_phys_seg *seg;
	struct vm_freelist *fl;
	vm_paddr_t pa, pa_buddy;
	vm_page_t m_buddy;
	int pool = m->pool;

	KASSERT(order >= 0 && order < VM_NFREEORDER,
	    ("%s: page %p has bad order %d", __func__, (void *)m, order));
	KASSERT(pool < VM_NFREEPOOL, ("%s: page %p has bad pool %d",
	    __func__, (void *)m, pool));
	KASSERT((m->phys_addr & (BLOCK_BYTES(order) - 1)) == 0,
	    ("%s: page %p (pa %#jx) misaligned for order %d", __func__,
	    (void *)m, (uintmax_t)m->phys_addr, order));
	KASSERT(m->order == VM_NFREEORDER,
	    ("%s: page %p is already free (order %d)", __func__, (void *)m,
	    m->order));
	seg = &vm_phys_segs[m->domain];
	vm_domain_free_assert_locked(VM_DOMAIN(seg->domain));
	pa = m->phys_addr;
	while (order < VM_NFREEORDER - 1) {
		pa_buddy = pa ^ BLOCK_BYTES(order);
		if (pa_buddy < seg->start || pa_buddy >= seg->end)
			break;
		m_buddy = PHYS_TO_VM_PAGE(pa_buddy);
		if (m_buddy->order != order)
			break;
		fl = vm_phys_free_queues[seg->domain][m_buddy->pool];
		vm_freelist_rem(fl, m_buddy, order);
		order++;
		pa &= ~(BLOCK_BYTES(order) - 1);
	}
	m = PHYS_TO_VM_PAGE(pa);
	fl = vm_phys_free_queues[seg->domain][pool];
	vm_freelist_add(fl, m, order, pool, true);
}

/*
 * Free npages contiguous pages starting at m, as the largest aligned
 * blocks that fit, merging each with its buddies.
 */
void
vm_phys_free_contig(vm_page_t m, u_long npages)
{
	u_long n;
	int order, align, pool = m->pool;

	while (npages > 0) {
		m->pool = (uint8_t)pool;
		align = __builtin_ctzll(atop(m->phys_addr) | (1ULL << 62));
		order = MIN(align, VM_NFREEORDER - 1);
		while ((1UL << order) > npages)
			order--;
		n = 1UL << order;
		vm_phys_free_pages(m, order);
		m += n;
		npages -= n;
	}
}

/* Split block m of order oind down to order, keeping the lowest part. */
static void
vm_phys_split(struct vm_freelist *fl, vm_page_t m, int oind, int order,
    int pool)
{
	vm_page_t m_buddy;

	while (oind > order) {
		oind--;
		m_buddy = &m[1 << oind];
		KASSERT(m_buddy->order == VM_NFREEORDER,
		    ("%s: page %p inside a free block has order %d", __func__,
		    (void *)m_buddy, m_buddy->order));
		vm_freelist_add(fl, m_buddy, oind, pool, false);
	}
}

/*
 * Take the first block of order or larger from pool's lists; if pool has
 * none, steal the largest available block of another pool.
 */
static vm_page_t
vm_phys_take_block(int domain, int pool, int order, int *oindp)
{
	struct vm_freelist *fl;
	vm_page_t m;
	int oind, p;

	fl = vm_phys_free_queues[domain][pool];
	for (oind = order; oind < VM_NFREEORDER; oind++) {
		if ((m = TAILQ_FIRST(&fl[oind].pl)) != NULL) {
			vm_freelist_rem(fl, m, oind);
			*oindp = oind;
			return (m);
		}
	}
	for (oind = VM_NFREEORDER - 1; oind >= order; oind--) {
		for (p = 0; p < VM_NFREEPOOL; p++) {
			if (p == pool)
				continue;
			fl = vm_phys_free_queues[domain][p];
			if ((m = TAILQ_FIRST(&fl[oind].pl)) != NULL) {
				vm_freelist_rem(fl, m, oind);
				*oindp = oind;
				return (m);
			}
		}
	}
	return (NULL);
}

vm_page_t
vm_phys_alloc_pages(int domain, int pool, int order)
{
	vm_page_t m;
	int oind;

	KASSERT(pool < VM_NFREEPOOL && order < VM_NFREEORDER,
	    ("%s: pool %d order %d", __func__, pool, order));
	vm_domain_free_assert_locked(VM_DOMAIN(domain));
	m = vm_phys_take_block(domain, pool, order, &oind);
	if (m == NULL)
		return (NULL);
	vm_phys_split(vm_phys_free_queues[domain][pool], m, oind, order, pool);
	m->pool = (uint8_t)pool;
	return (m);
}

/*
 * Allocate up to npages single pages into ma[], taking whole blocks and
 * returning what is left of the last one.  Returns the number allocated.
 */
int
vm_phys_alloc_npages(int domain, int pool, int npages, vm_page_t *ma)
{
	vm_page_t m;
	int i = 0, j, n, oind;

	vm_domain_free_assert_locked(VM_DOMAIN(domain));
	while (i < npages) {
		m = vm_phys_take_block(domain, pool, 0, &oind);
		if (m == NULL)
			break;
		n = MIN(1 << oind, npages - i);
		for (j = 0; j < n; j++) {
			m[j].pool = (uint8_t)pool;
			ma[i++] = &m[j];
		}
		if (n < (1 << oind)) {
			m[n].pool = (uint8_t)pool;
			vm_phys_free_contig(&m[n], (u_long)((1 << oind) - n));
		}
	}
	return (i);
}

/*
 * Allocate npages contiguous pages in [low, high), aligned to alignment
 * and not crossing a multiple of boundary (0: no boundary).  Both are
 * powers of two in bytes.
 */
vm_page_t
vm_phys_alloc_contig(int domain, u_long npages, vm_paddr_t low,
    vm_paddr_t high, u_long alignment, vm_paddr_t boundary)
{
	struct vm_phys_seg *seg = &vm_phys_segs[domain];
	struct vm_freelist *fl;
	vm_paddr_t pa, lo, hi, size, run, s, e, bend, cut_lo, cut_hi;
	vm_page_t m;
	bool have_lo, have_hi;

	vm_domain_free_assert_locked(VM_DOMAIN(domain));
	KASSERT(npages > 0 && powerof2(alignment) && alignment >= PAGE_SIZE &&
	    (boundary == 0 || powerof2(boundary)),
	    ("%s: bad constraints", __func__));
	size = ptoa(npages);
	lo = MAX(low, seg->start);
	hi = MIN(high, seg->end);
	if (lo >= hi || hi - lo < size ||
	    (boundary != 0 && boundary < size))
		return (NULL);
	pa = MAX(seg->start, rounddown2(lo, BLOCK_BYTES(VM_NFREEORDER - 1)));
	run = (vm_paddr_t)-1;
	while (pa < hi) {
		m = PHYS_TO_VM_PAGE(pa);
		if (m->order >= VM_NFREEORDER) {
			run = (vm_paddr_t)-1;
			pa += PAGE_SIZE;
			continue;
		}
		if (run == (vm_paddr_t)-1)
			run = pa;
		bend = pa + BLOCK_BYTES(m->order);
		s = roundup2(MAX(run, lo), (vm_paddr_t)alignment);
		if (boundary != 0 &&
		    ((s ^ (s + size - 1)) & ~(boundary - 1)) != 0)
			s = roundup2(s, boundary);
		if (s + size <= MIN(bend, hi))
			goto found;
		pa = bend;
	}
	return (NULL);
found:
	/* Remove every block that overlaps [s, e) and free the cut-offs. */
	e = s + size;
	have_lo = have_hi = false;
	cut_lo = cut_hi = 0;
	for (pa = run; pa < e; pa = bend) {
		m = PHYS_TO_VM_PAGE(pa);
		bend = pa + BLOCK_BYTES(m->order);
		if (bend <= s)
			continue;
		if (pa < s) {
			cut_lo = pa;
			have_lo = true;
		}
		if (bend > e) {
			cut_hi = bend;
			have_hi = true;
		}
		fl = vm_phys_free_queues[domain][m->pool];
		vm_freelist_rem(fl, m, m->order);
	}
	for (pa = s; pa < e; pa += PAGE_SIZE)
		PHYS_TO_VM_PAGE(pa)->pool = VM_FREEPOOL_DEFAULT;
	if (have_lo) {
		m = PHYS_TO_VM_PAGE(cut_lo);
		m->pool = VM_FREEPOOL_DEFAULT;
		vm_phys_free_contig(m, atop(s - cut_lo));
	}
	if (have_hi) {
		m = PHYS_TO_VM_PAGE(e);
		m->pool = VM_FREEPOOL_DEFAULT;
		vm_phys_free_contig(m, atop(cut_hi - e));
	}
	return (PHYS_TO_VM_PAGE(s));
}

void
vm_phys_free_census(int domain, int counts[VM_NFREEORDER])
{
	int oind, p;

	for (oind = 0; oind < VM_NFREEORDER; oind++) {
		counts[oind] = 0;
		for (p = 0; p < VM_NFREEPOOL; p++)
			counts[oind] +=
			    vm_phys_free_queues[domain][p][oind].lcnt;
	}
}

int
vm_phys_badpage_count(void)
{
	return (vm_phys_nbad);
}

/*
 * Check a domain's free lists: every head is on the list of its order and
 * pool, aligned, inside the segment, its inner pages are not heads, and two
 * buddies are never both free at the same order (they would have merged).
 * Returns through panic on failure.
 */
void
vm_phys_check(int domain)
{
	struct vm_phys_seg *seg = &vm_phys_segs[domain];
	struct vm_freelist *fl;
	vm_paddr_t pa_buddy;
	vm_page_t m, mb;
	int oind, p, n, i;

	vm_domain_free_assert_locked(VM_DOMAIN(domain));
	for (p = 0; p < VM_NFREEPOOL; p++) {
		fl = vm_phys_free_queues[domain][p];
		for (oind = 0; oind < VM_NFREEORDER; oind++) {
			n = 0;
			TAILQ_FOREACH(m, &fl[oind].pl, plinks.q) {
				n++;
				if (m->order != oind || m->pool != p)
					panic("%s: page %p on list %d/%d has "
					    "order %d pool %d", __func__,
					    (void *)m, p, oind, m->order,
					    m->pool);
				if ((m->phys_addr & (BLOCK_BYTES(oind) - 1))
				    != 0 || m->phys_addr < seg->start ||
				    m->phys_addr + BLOCK_BYTES(oind) > seg->end)
					panic("%s: block %#jx order %d "
					    "misplaced", __func__,
					    (uintmax_t)m->phys_addr, oind);
				if (atomic_load(&m->busy_lock) != VPB_FREED ||
				    (atomic_load(&m->flags) & PG_BAD))
					panic("%s: free page %p busy %#x flags "
					    "%#x", __func__, (void *)m,
					    atomic_load(&m->busy_lock),
					    atomic_load(&m->flags));
				for (i = 1; i < (1 << oind); i++)
					if (m[i].order != VM_NFREEORDER)
						panic("%s: page %p inside block "
						    "%p has order %d", __func__,
						    (void *)&m[i], (void *)m,
						    m[i].order);
				pa_buddy = m->phys_addr ^ BLOCK_BYTES(oind);
				if (oind < VM_NFREEORDER - 1 &&
				    pa_buddy >= seg->start &&
				    pa_buddy < seg->end) {
					mb = PHYS_TO_VM_PAGE(pa_buddy);
					if (mb->order == oind)
						panic("%s: buddies %#jx and %#jx"
						    " both free at order %d",
						    __func__,
						    (uintmax_t)m->phys_addr,
						    (uintmax_t)pa_buddy, oind);
				}
			}
			if (n != fl[oind].lcnt)
				panic("%s: list %d/%d has %d blocks, lcnt %d",
				    __func__, p, oind, n, fl[oind].lcnt);
		}
	}
}

static int
vm_phys_parse_badpages(const char *list, vm_paddr_t size)
{
	const char *p = list;
	char *end;
	vm_paddr_t pa;
	vm_page_t m;

	while (p != NULL && *p != '\0') {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		errno = 0;
		pa = strtoull(p, &end, 0);
		if (end == p || errno != 0 ||
		    (*end != '\0' && *end != ',' && *end != ' ' && *end != '\t'))
			return (EINVAL);
		if (pa >= size)
			return (EINVAL);
		m = PHYS_TO_VM_PAGE(trunc_page(pa));
		if ((m->oflags & VPO_UNMANAGED) != 0) {
			/*
			 * Already in use (it holds the page array): it cannot
			 * be kept out of the free lists, so it is not counted
			 * as excluded, as FreeBSD skips such pages.
			 */
			kprintf("libvm: bad page %#jx holds the page array; "
			    "not excluded\n", (uintmax_t)pa);
		} else if ((atomic_load(&m->flags) & PG_BAD) == 0) {
			atomic_fetch_or(&m->flags, PG_BAD);
			vm_phys_nbad++;
		}
		p = end;
	}
	return (0);
}

/*
 * Map the arena: anonymous host memory, aligned to a superpage and advised
 * MADV_HUGEPAGE, so that the direct map is built of 2 MiB pages where the
 * host has them, as amd64's direct map is.  A fault copies one page into
 * another and zeroes a third: on 4 KiB host pages each of those is a TLB
 * miss whose walk, on a paravirtualized guest, is two-dimensional.  Every
 * page is touched now (MADV_POPULATE_WRITE, or a store of zero a page at a
 * time on kernels without it): first-touch host faults belong to boot.
 * Fresh anonymous memory reads as zero, which PG_ZERO relies on.
 */
static void *
vm_phys_arena_map(uint64_t physmem)
{
	const size_t align = (size_t)PAGE_SIZE << VM_LEVEL_0_ORDER;
	volatile char *vp;
	char *raw, *base;
	size_t len, head, tail, off;

	len = (size_t)physmem + align;
	raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return (NULL);
	base = (char *)roundup2((uintptr_t)raw, align);
	head = (size_t)(base - raw);
	tail = len - head - (size_t)physmem;
	if (head != 0)
		munmap(raw, head);
	if (tail != 0)
		munmap(base + physmem, tail);
#ifdef MADV_HUGEPAGE
	(void)madvise(base, (size_t)physmem, MADV_HUGEPAGE);
#endif
	if (madvise(base, (size_t)physmem, MADV_POPULATE_WRITE) != 0) {
		/*
		 * Out of memory fails the boot.  Anything else (an older
		 * kernel's EINVAL, a sandbox's refusal) leaves the
		 * touching to us.
		 */
		if (errno == ENOMEM || errno == EFAULT) {
			munmap(base, (size_t)physmem);
			return (NULL);
		}
		for (off = 0, vp = base; off < (size_t)physmem;
		    off += PAGE_SIZE)
			vp[off] = 0;
	}
	return (base);
}

/* Give the arena back to the host and forget every pointer into it. */
static void
vm_phys_arena_unmap(void)
{
	munmap(vm_dmap_base, vm_phys_size);
	vm_dmap_base = NULL;
	vm_page_array = NULL;
	vm_page_array_size = 0;
	vm_phys_size = 0;
	vm_phys_nsegs = 0;
	vm_ndomains = 0;
}

/*
 * Take the arena, lay out the domains, build vm_page_array in the first
 * pages of the arena and put every other good page on the free lists.
 */
int
vm_phys_init(uint64_t physmem, int ndomain, const char *badpages)
{
	struct vm_domain *vmd;
	vm_paddr_t dsize, arraysize, pa;
	vm_page_t m;
	long npages, i, nstolen;
	void *base;
	int d, p, oind, error;

	npages = (long)atop(physmem);
	base = vm_phys_arena_map(physmem);
	if (base == NULL)
		return (ENOMEM);
	vm_dmap_base = base;
	vm_phys_size = physmem;
	vm_ndomains = ndomain;
	vm_phys_nbad = 0;

	/* The page array lives in the arena's first pages (domain 0). */
	arraysize = round_page((vm_paddr_t)npages * sizeof(struct vm_page));
	nstolen = (long)atop(arraysize);
	vm_page_array = (struct vm_page *)base;
	vm_page_array_size = npages;

	/* Domains: equal shares rounded to superpages; the last takes the rest. */
	dsize = rounddown2(physmem / (uint64_t)ndomain,
	    BLOCK_BYTES(VM_LEVEL_0_ORDER));
	if (dsize == 0)
		dsize = trunc_page(physmem / (uint64_t)ndomain);
	vm_phys_nsegs = ndomain;
	for (d = 0; d < ndomain; d++) {
		vm_phys_segs[d].start = dsize * (vm_paddr_t)d;
		vm_phys_segs[d].end = d == ndomain - 1 ? physmem :
		    dsize * (vm_paddr_t)(d + 1);
		vm_phys_segs[d].first_page =
		    PHYS_TO_VM_PAGE(vm_phys_segs[d].start);
		vm_phys_segs[d].domain = d;
		if (vm_phys_segs[d].start < arraysize && d > 0) {
			error = EINVAL;
			goto fail;
		}
	}
	if (vm_phys_segs[0].end < arraysize + BLOCK_BYTES(0) * 64) {
		error = EINVAL;
		goto fail;
	}

	for (i = 0; i < npages; i++) {
		m = &vm_page_array[i];
		memset(m, 0, sizeof(*m));
		m->phys_addr = ptoa(i);
		m->order = VM_NFREEORDER;
		m->pool = VM_FREEPOOL_DEFAULT;
		m->domain = (uint8_t)vm_phys_domain(m->phys_addr);
		m->psind = 0;
		vm_page_astate_t a = { .queue = PQ_NONE };
		atomic_init(&m->astate, a._bits);
		atomic_init(&m->busy_lock, VPB_FREED);
		/* Fresh host memory is zero-filled. */
		atomic_init(&m->flags, PG_ZERO);
		TAILQ_INIT(&m->md.pv_list);
	}
	/* The pages holding the array are wired kernel memory. */
	for (i = 0; i < nstolen; i++) {
		m = &vm_page_array[i];
		atomic_store(&m->flags, 0);
		atomic_store(&m->busy_lock, VPB_UNBUSIED);
		atomic_store(&m->ref_count, 1);
		m->oflags = VPO_UNMANAGED;
	}
	error = vm_phys_parse_badpages(badpages, physmem);
	if (error != 0)
		goto fail;
	for (d = 0; d < ndomain; d++)
		for (p = 0; p < VM_NFREEPOOL; p++)
			for (oind = 0; oind < VM_NFREEORDER; oind++) {
				TAILQ_INIT(&vm_phys_free_queues[d][p][oind].pl);
				vm_phys_free_queues[d][p][oind].lcnt = 0;
			}
	/*
	 * Free every good page.  The caller (vm_page_startup) has not built
	 * the domains yet, so take the free locks it will use: they are
	 * initialised here.
	 */
	for (d = 0; d < ndomain; d++) {
		vmd = VM_DOMAIN(d);
		memset(vmd, 0, sizeof(*vmd));
		mtx_init(&vmd->vmd_free_mtx, "vm domain free", NULL,
		    MTX_DUPOK);
		vmd->vmd_domain = d;
		vmd->vmd_seg = &vm_phys_segs[d];
		vm_domain_free_lock(vmd);
		for (pa = MAX(vm_phys_segs[d].start, arraysize);
		    pa < vm_phys_segs[d].end;) {
			vm_paddr_t run = pa;

			while (pa < vm_phys_segs[d].end &&
			    (atomic_load(&PHYS_TO_VM_PAGE(pa)->flags) &
			    PG_BAD) == 0)
				pa += PAGE_SIZE;
			if (pa > run)
				vm_phys_free_contig(PHYS_TO_VM_PAGE(run),
				    atop(pa - run));
			while (pa < vm_phys_segs[d].end &&
			    (atomic_load(&PHYS_TO_VM_PAGE(pa)->flags) &
			    PG_BAD) != 0) {
				atomic_store(&PHYS_TO_VM_PAGE(pa)->flags,
				    PG_BAD);
				pa += PAGE_SIZE;
			}
		}
		vm_domain_free_unlock(vmd);
		vmd->vmd_page_count = (u_int)atop(vm_phys_segs[d].end -
		    vm_phys_segs[d].start);
	}
	return (0);

fail:
	vm_phys_arena_unmap();
	return (error);
}

void
vm_phys_fini(void)
{
	int d;

	for (d = 0; d < vm_ndomains; d++)
		mtx_destroy(&VM_DOMAIN(d)->vmd_free_mtx);
	vm_phys_arena_unmap();
}
