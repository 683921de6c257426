/*
 * The software MMU's own interface: the access path that plays the CPU's
 * page-table walker.  copyin/copyout and vm_fault_trap call it; on a
 * result other than PMAP_ACCESS_OK they call the fault handler.
 */
#ifndef _PMAP_SOFT_PMAP_SOFT_H_
#define _PMAP_SOFT_PMAP_SOFT_H_

#include <pmap/pmap.h>

/*
 * Translate va for an access of type access (VM_PROT_READ, WRITE or
 * EXECUTE) as hardware would: on success store the physical address in
 * *pap and set the accessed bit (and the modified bit for a write)
 * atomically in the PTE.  Takes no lock: page-table pages live until the
 * pmap is released.
 */
int	pmap_soft_access(pmap_t pmap, vm_offset_t va, vm_prot_t access,
	    vm_paddr_t *pap);

#endif /* !_PMAP_SOFT_PMAP_SOFT_H_ */
