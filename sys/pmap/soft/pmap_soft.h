/*
 * The software MMU's own interface: the hardware it plays.
 *
 * pmap_soft_copy() is a load or store by the CPU: it translates through
 * the current CPU slot's TLB (walking the page tables on a miss, setting
 * the accessed and modified bits as hardware does) and moves the bytes.
 * copyin/copyout and vm_fault_trap use it; on a result other than
 * PMAP_ACCESS_OK they run the fault handler and retry.
 *
 * pmap_soft_access() is the bare page-table walker.
 */
#ifndef _PMAP_SOFT_PMAP_SOFT_H_
#define _PMAP_SOFT_PMAP_SOFT_H_

#include <stddef.h>

#include <pmap/pmap.h>

/*
 * Copy len bytes between buf and the user address va of pmap, through
 * the MMU.  [va, va + len) must lie within one page.  access is exactly
 * one of VM_PROT_READ (copy from va into buf), VM_PROT_WRITE (buf into
 * va) or VM_PROT_EXECUTE (like a read, but the mapping must be
 * executable).  With len 0 (buf may then be NULL) only the access is
 * made: permission check, accessed bit, and modified bit for a write.
 *
 * Returns PMAP_ACCESS_OK, or PMAP_ACCESS_NOTMAPPED / PMAP_ACCESS_PROT
 * having copied nothing.  Takes no lock and never sleeps; runs in a
 * critical section.
 *
 * Guarantee: once pmap_remove, pmap_protect, pmap_remove_all,
 * pmap_remove_write, pmap_enter (replacing a mapping or reducing its
 * rights), pmap_clear_modify or pmap_ts_referenced has returned, no copy
 * through the translation it changed is in progress or will start; a
 * later copy sees the new state (and sets the bits again).  No
 * pmap_update call is needed.  A write always leaves the modified bit
 * set in the PTE (or the page dirty, once the PTE is gone).
 */
int	pmap_soft_copy(pmap_t pmap, vm_offset_t va, void *buf, size_t len,
	    vm_prot_t access);

/*
 * Translate va for an access of type access (VM_PROT_READ, WRITE or
 * EXECUTE) as hardware would: on success store the physical address in
 * *pap and set the accessed bit (and the modified bit for a write)
 * atomically in the PTE.  Takes no lock: page-table pages live until the
 * pmap is released.  The address is not covered by any shootdown: it may
 * be unmapped and the page freed as soon as this returns, so never move
 * data through it; use pmap_soft_copy.
 */
int	pmap_soft_access(pmap_t pmap, vm_offset_t va, vm_prot_t access,
	    vm_paddr_t *pap);

/* Counters of the translation cache, summed over the CPU slots. */
struct pmap_soft_tlb_stats {
	uint64_t	copies;		/* pmap_soft_copy calls */
	uint64_t	misses;		/* of which missed and walked */
	uint64_t	shootdowns;	/* generations retired */
	uint64_t	shootdown_waits; /* copies a shootdown waited for */
};
void	pmap_soft_tlb_stats(struct pmap_soft_tlb_stats *st);

#endif /* !_PMAP_SOFT_PMAP_SOFT_H_ */
