/*
 * Kernel memory: whole wired pages for the kernel's own use, reached
 * through the direct map (vm_kern.c; kmem_malloc(9), docs/kmem.md).
 *
 * libvm has no kernel page tables, so kernel "virtual" memory is the
 * direct map: kmem_malloc returns PHYS_TO_DMAP of physically contiguous
 * wired pages, and kernel_arena, a vmem arena spanning the direct map,
 * records which ranges kmem has handed out.  Internal kernel interfaces:
 * nothing here is exported from libvm.so.
 */
#ifndef _VM_VM_KERN_H_
#define _VM_VM_KERN_H_

#include <sys/param.h>
#include <sys/vmem.h>

/* The direct map, page quantum: one allocated segment per kmem range. */
extern vmem_t	*kernel_arena;

/* Boot: after uma_startup(), and before uma_shutdown(). */
void	kmem_startup(void);
void	kmem_shutdown(void);

/*
 * size bytes (rounded up to pages) of physically contiguous, wired,
 * unbusied pages belonging to no object, at their direct-map address.
 * flags: M_WAITOK or M_NOWAIT, and M_ZERO.  NULL with M_NOWAIT when
 * memory is short, and with any flags when no run could ever satisfy the
 * request (larger than every domain, or than [low, high]).
 */
void	*kmem_malloc(vm_size_t size, int flags);
void	*kmem_malloc_domain(int domain, vm_size_t size, int flags);
void	*kmem_alloc_contig(vm_size_t size, int flags, vm_paddr_t low,
	    vm_paddr_t high, u_long alignment, vm_paddr_t boundary);
void	*kmem_alloc_contig_domain(int domain, vm_size_t size, int flags,
	    vm_paddr_t low, vm_paddr_t high, u_long alignment,
	    vm_paddr_t boundary);
void	*kmem_alloc_attr(vm_size_t size, int flags, vm_paddr_t low,
	    vm_paddr_t high);

/* Gives back exactly what one of the above returned (panics otherwise). */
void	kmem_free(void *addr, vm_size_t size);

/* The size of the kmem allocation at addr, 0 if addr starts none. */
vm_size_t kmem_allocsize(const void *addr);

#endif /* !_VM_VM_KERN_H_ */
