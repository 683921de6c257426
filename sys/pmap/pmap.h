/*
 * The machine-dependent layer: what a pmap must provide.
 *
 * A pmap holds the translations of one address space (virtual page ->
 * physical page, protection, wired/accessed/modified state).  The
 * machine-independent VM (maps, objects, faults) is the source of truth;
 * a pmap is a cache of it and may drop any unwired translation at any
 * time.  Two implementations live behind this header: the software MMU
 * (sys/pmap/soft/, deterministic page tables walked by libvm's own access
 * path) and, later, the host MMU.
 *
 * Locking contract (as FreeBSD's pmap(9)):
 *	- every function may be called with the object lock of the page held
 *	  and with the map lock held; none sleeps except where noted;
 *	- a pmap's own lock protects its page tables and wired count (a
 *	  new unwired mapping over a zero PTE is installed without it, by
 *	  compare-and-swap under the page's pv lock; the resident count is
 *	  kept per page-table page);
 *	  per-page reverse mappings (pv lists) are protected by a pv lock
 *	  hashed by physical address; lock order: pmap -> pv list lock;
 *	- functions taking a vm_page_t that changes its mappings (enter,
 *	  remove_all, remove_write, clear_modify) require the page to be
 *	  busied or its object locked, so the page's identity is stable.
 *
 * Accessed and modified state lives in the PTEs; the access path sets the
 * bits atomically as hardware would, and pmap_ts_referenced /
 * pmap_is_modified / pmap_clear_modify read and clear them through the pv
 * lists.
 *
 * Translation caches: a function that removes a translation, reduces its
 * rights or clears its accessed or modified bit (remove, remove_all,
 * remove_write, protect, enter over an existing mapping, clear_modify,
 * ts_referenced) has invalidated every CPU's cached copy of it, and waited
 * for the accesses in flight through it, by the time it returns; it may
 * spin for that with the caller's locks held.  pmap_update applies what
 * an implementation chose to defer; the software MMU defers nothing.
 */
#ifndef _PMAP_PMAP_H_
#define _PMAP_PMAP_H_

#include <sys/param.h>
#include <sys/queue.h>

struct vm_page;
struct pmap;
typedef struct pmap *pmap_t;

/* Per-page machine-dependent state, embedded in struct vm_page. */
struct pv_entry;
struct md_page {
	TAILQ_HEAD(, pv_entry) pv_list;	/* (pv lock) mappings of the page */
	int		pv_gen;		/* (pv lock) bumped on every change */
	_Atomic int	pt_valid;	/* (a) a leaf page-table page's valid
					   entries (the pmap's resident count
					   is their sum) */
};

/* pmap_enter flags (besides the access type in the low bits). */
#define	PMAP_ENTER_WIRED	0x00000100
#define	PMAP_ENTER_NOSLEEP	0x00000200	/* may fail: PMAP_CANFAIL */
#define	PMAP_ENTER_QUICK_LOCKED	0x00000400
#define	PMAP_ENTER_NOREPLACE	0x00000800	/* fail if va is mapped */

/* Results of the software MMU's access path. */
#define	PMAP_ACCESS_OK		0
#define	PMAP_ACCESS_NOTMAPPED	1	/* no valid translation */
#define	PMAP_ACCESS_PROT	2	/* mapped, access not allowed */

/* Lifecycle. */
void	pmap_init(void);		/* at boot, after vm_page_startup */
void	pmap_fini(void);
int	pmap_pinit(pmap_t pmap);	/* 0, or ENOMEM without a root page */
void	pmap_release(pmap_t pmap);	/* must hold no mappings */
pmap_t	pmap_create(void);		/* allocate + pinit; NULL on ENOMEM */
void	pmap_destroy(pmap_t pmap);	/* remove everything + release */

/* Establishing and removing translations. */
int	pmap_enter(pmap_t pmap, vm_offset_t va, struct vm_page *m,
	    vm_prot_t prot, u_int flags, int8_t psind);
	/* KERN_SUCCESS, or KERN_RESOURCE_SHORTAGE when a page-table page
	   or a pv entry cannot be had and PMAP_ENTER_NOSLEEP was given (the
	   fault handler then waits for memory and retries: seed 001).  May
	   run concurrently with other pmap_enters of the same pmap (the
	   caller's page busy or object lock covers only m) */
void	pmap_enter_quick(pmap_t pmap, vm_offset_t va, struct vm_page *m,
	    vm_prot_t prot);		/* best effort, read-only, never sleeps */
void	pmap_remove(pmap_t pmap, vm_offset_t sva, vm_offset_t eva);
void	pmap_remove_all(struct vm_page *m);	/* every mapping of m */
void	pmap_remove_write(struct vm_page *m);	/* make m read-only everywhere */
void	pmap_protect(pmap_t pmap, vm_offset_t sva, vm_offset_t eva,
	    vm_prot_t prot);		/* only ever reduces access */
void	pmap_unwire(pmap_t pmap, vm_offset_t sva, vm_offset_t eva);
void	pmap_update(pmap_t pmap);	/* apply deferred invalidations */

/* Queries. */
vm_paddr_t pmap_extract(pmap_t pmap, vm_offset_t va);	/* 0 if none */
struct vm_page *pmap_extract_and_hold(pmap_t pmap, vm_offset_t va,
	    vm_prot_t prot);		/* wired (vm_page_wire_mapped), or NULL */
bool	pmap_is_modified(struct vm_page *m);
void	pmap_clear_modify(struct vm_page *m);
int	pmap_ts_referenced(struct vm_page *m);	/* count and clear */
bool	pmap_is_referenced(struct vm_page *m);
bool	pmap_page_is_mapped(struct vm_page *m);
int	pmap_mincore(pmap_t pmap, vm_offset_t addr, vm_paddr_t *pap);
	/* MINCORE_* bits of this mapping (0 if none) */
long	pmap_resident_count(pmap_t pmap);
long	pmap_wired_count(pmap_t pmap);

/* Contents. */
void	pmap_zero_page(struct vm_page *m);
void	pmap_zero_page_area(struct vm_page *m, int off, int size);
void	pmap_copy_page(struct vm_page *src, struct vm_page *dst);

#endif /* !_PMAP_PMAP_H_ */
