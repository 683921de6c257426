/*
 * The page-fault handler (vm_fault.c).
 */
#ifndef _VM_VM_FAULT_H_
#define _VM_VM_FAULT_H_

#include <sys/param.h>

struct vm_map;
struct vm_page;

/* fault_flags */
#define	VM_FAULT_NORMAL	0x00	/* an ordinary access */
#define	VM_FAULT_WIRE	0x01	/* wiring the page (mlock) */
#define	VM_FAULT_NOFILL	0x08	/* fail instead of zero-filling (core
				   dumps: seed 000 D26590) */

/*
 * Resolve an access of fault_type at vaddr: find or create the page and
 * map it.  With m_hold the page is also wired and returned (the caller
 * unwires it).  Returns KERN_SUCCESS, KERN_INVALID_ADDRESS (nothing
 * mapped), KERN_PROTECTION_FAILURE (access not allowed),
 * KERN_OUT_OF_BOUNDS (VM_FAULT_NOFILL found no page, or the page lies
 * beyond its object) or KERN_RESOURCE_SHORTAGE (no memory came after
 * waiting: vm_fault_oom).
 *
 * => no locks held; may sleep.
 */
int	vm_fault(struct vm_map *map, vm_offset_t vaddr, vm_prot_t fault_type,
	    int fault_flags, struct vm_page **m_hold);

/*
 * Wire and return the pages of [addr, addr + len) for access prot,
 * faulting them in as needed (copyin/copyout, physio).  Returns the number
 * of pages held, or -1 (nothing held) if part of the range cannot be
 * accessed.  vm_page_unwire(ma[i], PQ_ACTIVE) releases each.
 */
int	vm_fault_quick_hold_pages(struct vm_map *map, vm_offset_t addr,
	    vm_size_t len, vm_prot_t prot, struct vm_page **ma, int max_count);

#endif /* !_VM_VM_FAULT_H_ */
