/*
 * Kernel memory (FreeBSD's vm_kern.c): kmem_malloc, kmem_alloc_contig,
 * kmem_free, and kernel_arena.
 *
 * A kernel with page tables builds kernel memory in two steps: a range of
 * kernel virtual addresses from a vmem arena, then pages entered behind
 * it.  libvm has no kernel page tables: kernel data is reached through
 * the direct map, where the address of a page is fixed by the page
 * (PHYS_TO_DMAP).  So the page allocator picks the address, and kmem does
 * it in one step: vm_page_alloc_noobj_contig for a physically contiguous
 * run of wired, unbusied, object-less pages (VM_ALLOC_ZERO for M_ZERO),
 * then the run's direct-map address.
 *
 * kernel_arena spans the whole direct map with a page quantum, and each
 * kmem allocation is recorded in it with vmem_xalloc_addr of exactly the
 * run's range.  Why not let the arena choose the address, importing from
 * the page allocator?  Because the direct map is not the arena's to
 * divide: user pages, UMA slabs and page tables take pages from the same
 * buddy allocator without asking any arena, so only the page allocator
 * knows which runs are free, and it already handles domains, the free
 * page reserves, waiting for memory and the contiguity constraints
 * (alignment, boundary, [low, high)) that kmem_alloc_contig passes
 * straight through.  An arena importing from it would add nothing but a
 * second copy of each run's extent.  What the arena does give is
 * bookkeeping: every kmem range is an allocated segment, so
 *   - kmem_free of an address kmem never returned, a double free or a
 *     wrong size panics (vmem_xfree) before any page is touched;
 *   - a run the page allocator hands out twice is caught when its range
 *     is found allocated already (EBUSY from vmem_xalloc_addr: panic);
 *   - vmem_size(kernel_arena, VMEM_ALLOC) is the memory kmem holds
 *     (sysctl vm.kmem_map_size), and kmem_allocsize() answers "how large
 *     is this allocation" for kfree.
 * Its free space is not free memory (v_free_count is): it only says that
 * kmem does not hold those pages.  kernel_arena has no quantum caches
 * (its ranges are whole pages that must go back to the page allocator).
 *
 * Locks: none of its own.  The page allocator and kernel_arena lock
 * themselves; no lock is held across the two.  A range is recorded after
 * its pages are allocated and forgotten before they are freed, so it is
 * never in the arena while its pages are free.
 */
#include <errno.h>

#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/sleepqueue.h>
#include <sys/sysctl.h>
#include <sys/vmem.h>

#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/vm_kern.h>

/* M_WAITOK and no run yet although pages are free: poll this often. */
#define	KMEM_CONTIG_RETRY_MS	10

/* Could any domain (or domain) ever hold such a run? */
static bool
kmem_satisfiable(int domain, vm_size_t size, vm_paddr_t low,
    vm_paddr_t high, vm_paddr_t boundary)
{
	vm_paddr_t lo, hi;
	int d;

	if (boundary != 0 && boundary < size)
		return (false);
	for (d = 0; d < vm_phys_nsegs; d++) {
		if (domain >= 0 && vm_phys_segs[d].domain != domain)
			continue;
		lo = MAX(low, vm_phys_segs[d].start);
		hi = MIN(high, vm_phys_segs[d].end);
		if (lo < hi && hi - lo >= size)
			return (true);
	}
	return (false);
}

/*
 * The one allocator behind every kmem_* allocation; domain -1 is any.
 * => called with nothing locked; may sleep with M_WAITOK.
 */
static void *
kmem_alloc_run(int domain, vm_size_t size, int flags, vm_paddr_t low,
    vm_paddr_t high, u_long alignment, vm_paddr_t boundary)
{
	vm_page_t m;
	u_long npages;
	void *addr;
	int error, req;

	KASSERT(((flags & M_WAITOK) != 0) != ((flags & M_NOWAIT) != 0),
	    ("kmem: flags %#x need exactly one of M_WAITOK and M_NOWAIT",
	    flags));
	KASSERT(size != 0, ("kmem: allocation of 0 bytes"));
	KASSERT(domain < vm_ndomains, ("kmem: domain %d of %d", domain,
	    vm_ndomains));
	if (alignment < PAGE_SIZE)
		alignment = PAGE_SIZE;
	if (size == 0 || size > vm_phys_size || !powerof2(alignment) ||
	    (boundary != 0 && !powerof2(boundary)) || domain >= vm_ndomains)
		return (NULL);
	size = round_page(size);
	npages = atop(size);
	if (!kmem_satisfiable(domain, size, low, high, boundary))
		return (NULL);
	req = VM_ALLOC_WIRED | VM_ALLOC_NOBUSY | VM_ALLOC_NORMAL |
	    ((flags & M_ZERO) != 0 ? VM_ALLOC_ZERO : 0) |
	    ((flags & M_WAITOK) != 0 ? VM_ALLOC_WAITOK : VM_ALLOC_NOWAIT);
	for (;;) {
		if (domain < 0)
			m = vm_page_alloc_noobj_contig(req, npages, low, high,
			    alignment, boundary);
		else
			m = vm_page_alloc_noobj_contig_domain(domain, req,
			    npages, low, high, alignment, boundary);
		if (m != NULL || (flags & M_WAITOK) == 0)
			break;
		/*
		 * The page allocator waits for a count of free pages, not
		 * for a run: free pages in no run long enough return NULL.
		 * M_WAITOK promises memory, so wait for frees to make one.
		 */
		kpause("kmemctg", KMEM_CONTIG_RETRY_MS);
	}
	if (m == NULL)
		return (NULL);
	addr = vm_page_dmap(m);
	error = vmem_xalloc_addr(kernel_arena, (vmem_addr_t)(uintptr_t)addr,
	    size, flags & (M_WAITOK | M_NOWAIT));
	if (__predict_false(error == EBUSY))
		panic("kmem: pages [%p, %p) handed out while kmem holds them",
		    addr, (void *)((char *)addr + size));
	if (error != 0) {
		/* M_NOWAIT and not even a boundary tag to be had. */
		for (u_long i = 0; i < npages; i++) {
			(void)vm_page_unwire_noq(&m[i]);
			vm_page_free(&m[i]);
		}
		return (NULL);
	}
	return (addr);
}

void *
kmem_malloc(vm_size_t size, int flags)
{
	return (kmem_alloc_run(-1, size, flags, 0, ~(vm_paddr_t)0, PAGE_SIZE,
	    0));
}

void *
kmem_malloc_domain(int domain, vm_size_t size, int flags)
{
	KASSERT(domain >= 0, ("%s: domain %d", __func__, domain));
	return (kmem_alloc_run(domain, size, flags, 0, ~(vm_paddr_t)0,
	    PAGE_SIZE, 0));
}

/*
 * Physical constraints as vm_page_alloc_noobj_contig takes them: the run
 * lies in [low, high) (physical addresses, high exclusive), starts at a
 * multiple of alignment (a power of two; less than a page means a page)
 * and crosses no multiple of boundary (0: none).
 */
void *
kmem_alloc_contig(vm_size_t size, int flags, vm_paddr_t low,
    vm_paddr_t high, u_long alignment, vm_paddr_t boundary)
{
	return (kmem_alloc_run(-1, size, flags, low, high, alignment,
	    boundary));
}

void *
kmem_alloc_contig_domain(int domain, vm_size_t size, int flags,
    vm_paddr_t low, vm_paddr_t high, u_long alignment, vm_paddr_t boundary)
{
	KASSERT(domain >= 0, ("%s: domain %d", __func__, domain));
	return (kmem_alloc_run(domain, size, flags, low, high, alignment,
	    boundary));
}

/* FreeBSD's kmem_alloc_attr: an address range, no alignment beyond pages. */
void *
kmem_alloc_attr(vm_size_t size, int flags, vm_paddr_t low, vm_paddr_t high)
{
	return (kmem_alloc_run(-1, size, flags, low, high, PAGE_SIZE, 0));
}

/*
 * Frees an allocation of the functions above: addr and size as they were
 * given and returned (size rounded up to pages).  The range leaves
 * kernel_arena first, which panics unless it is exactly one allocation;
 * then each page loses its wiring and goes back to the page allocator.
 */
void
kmem_free(void *addr, vm_size_t size)
{
	vm_page_t m;
	u_long i, npages;

	if (__predict_false(((uintptr_t)addr & PAGE_MASK) != 0 || size == 0))
		panic("kmem_free: %p, size %#jx: not an allocation", addr,
		    (uintmax_t)size);
	size = round_page(size);
	vmem_xfree(kernel_arena, (vmem_addr_t)(uintptr_t)addr, size);
	m = PHYS_TO_VM_PAGE(DMAP_TO_PHYS(addr));
	npages = atop(size);
	for (i = 0; i < npages; i++) {
		KASSERT(vm_page_wired(&m[i]) == 1 && m[i].object == NULL,
		    ("kmem_free: page %p of %p: wired %u, object %p",
		    (void *)&m[i], addr, vm_page_wired(&m[i]),
		    (void *)m[i].object));
		(void)vm_page_unwire_noq(&m[i]);
		vm_page_free(&m[i]);
	}
}

vm_size_t
kmem_allocsize(const void *addr)
{
	return (vmem_lookup_size(kernel_arena, (vmem_addr_t)(uintptr_t)addr));
}

static int
sysctl_kmem_map_size(struct sysctl_oid *oidp, void *arg1 __unused,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	uint64_t v = vmem_size(kernel_arena, VMEM_ALLOC);

	return (sysctl_handle_64(oidp, &v, 0, req));
}

/*
 * After uma_startup: vmem's zones, then kernel_arena over the direct map
 * (its two tags from vmem's static reserve, so boot takes no page), then
 * boundary tags from UMA.
 */
void
kmem_startup(void)
{
	vmem_startup();
	if (vmem_init(kernel_arena, "kernel arena",
	    (vmem_addr_t)(uintptr_t)vm_dmap_base, vm_phys_size, PAGE_SIZE, 0,
	    M_WAITOK) == NULL)
		panic("%s: cannot create kernel_arena", __func__);
	vmem_bootstrapped();
	SYSCTL_ADD_PROC(sysctl_node_path("vm"), "kmem_map_size",
	    CTLTYPE_U64 | CTLFLAG_RD, NULL, 0, sysctl_kmem_map_size, "QU",
	    "Bytes of kernel memory allocated by kmem_malloc");
}

/*
 * Before uma_shutdown: every arena goes, kernel_arena last.  kmem memory
 * still allocated is reported and its pages go with the physical arena.
 */
void
kmem_shutdown(void)
{
	vmem_shutdown();
}
