/*
 * Physical memory: the arena and its buddy allocator (vm_phys.c).
 *
 * The arena is physmem bytes of host memory taken at boot; a physical
 * address is an offset in it and the arena itself is the direct map.  It
 * is split into ndomain contiguous domains, each a segment whose free pages
 * sit in buddy free lists per pool and per order (orders 0 .. 12: 4 KiB to
 * 16 MiB, past the 2 MiB superpage order 9).
 */
#ifndef _VM_VM_PHYS_H_
#define _VM_VM_PHYS_H_

#include <sys/param.h>
#include <sys/queue.h>

struct vm_page;

#define	VM_NFREEORDER		13
#define	VM_LEVEL_0_ORDER	9		/* 2 MiB superpage */
#define	VM_NFREEPOOL		2
#define	VM_FREEPOOL_DEFAULT	0		/* user and object pages */
#define	VM_FREEPOOL_DIRECT	1		/* kernel: slabs, page tables */

struct vm_freelist {
	TAILQ_HEAD(, vm_page) pl;		/* (f) block heads */
	int		lcnt;			/* (f) blocks on pl */
};

struct vm_phys_seg {
	vm_paddr_t	start;			/* (c) */
	vm_paddr_t	end;			/* (c) */
	struct vm_page	*first_page;		/* (c) */
	int		domain;			/* (c) */
};

extern char		*vm_dmap_base;		/* (c) the arena */
extern vm_paddr_t	vm_phys_size;		/* (c) its size */
extern struct vm_page	*vm_page_array;		/* (c) one per arena page */
extern long		vm_page_array_size;	/* (c) */
extern int		vm_ndomains;		/* (c) */
extern struct vm_phys_seg vm_phys_segs[];	/* (c) one per domain */
extern int		vm_phys_nsegs;		/* (c) */

#define	PHYS_TO_DMAP(pa)	((void *)(vm_dmap_base + (pa)))
#define	DMAP_TO_PHYS(va)	((vm_paddr_t)((char *)(va) - vm_dmap_base))
#define	PHYS_TO_VM_PAGE(pa)	(&vm_page_array[atop(pa)])

int	vm_phys_init(uint64_t physmem, int ndomain, const char *badpages);
void	vm_phys_fini(void);
int	vm_phys_domain(vm_paddr_t pa);

/* Buddy operations; the domain's free lock must be held (vm_domain_free_lock). */
struct vm_page *vm_phys_alloc_pages(int domain, int pool, int order);
int	vm_phys_alloc_npages(int domain, int pool, int npages,
	    struct vm_page **ma);
void	vm_phys_free_pages(struct vm_page *m, int order);
void	vm_phys_free_contig(struct vm_page *m, u_long npages);
struct vm_page *vm_phys_alloc_contig(int domain, u_long npages,
	    vm_paddr_t low, vm_paddr_t high, u_long alignment,
	    vm_paddr_t boundary);

/* Bad pages excluded at boot. */
int	vm_phys_badpage_count(void);

/* Free-block census for vmsh / tests: blocks per order (all pools). */
void	vm_phys_free_census(int domain, int counts[VM_NFREEORDER]);
/* INVARIANTS: check a domain's free lists (lock held by the caller). */
void	vm_phys_check(int domain);

#endif /* !_VM_VM_PHYS_H_ */
