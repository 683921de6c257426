/*
 * Swap reservation: the overcommit policy (vm_swap_reserve.c).
 *
 * Every byte of memory that only swap could back once it is written
 * (private writable mappings: anonymous memory, and private file mappings
 * that copy on write) is reserved when the mapping is made, and given
 * back when the mapping or the object holding it goes.  vm.swap_reserved
 * is the total; vm.overcommit says whether a reservation may exceed what
 * swap (and, optionally, unwired memory) can hold.
 *
 * Who holds a reservation (FreeBSD's entry->cred and object->charge,
 * without credentials):
 *	- a map entry with MAP_ENTRY_CHARGED holds exactly its size, and only
 *	  while it has no object of its own to write to (object NULL, or
 *	  NEEDS_COPY); the charge moves to the object it gets
 *	  (vm_map_entry_back, vm_map_entry_shadow);
 *	- an anonymous object holds object->charge bytes (its whole size, a
 *	  stack's object the part its entries map), moved by split, grown by
 *	  coalesce and stack growth, trimmed when its tail is unmapped, and
 *	  given back when it is destroyed.
 * Shared memory objects (vm_shm_open) are not charged.
 */
#ifndef _VM_VM_SWAP_RESERVE_H_
#define _VM_VM_SWAP_RESERVE_H_

#include <sys/param.h>

/* vm.overcommit bits (FreeBSD's values). */
#define	SWAP_RESERVE_FORCE_ON		0x0001	/* strict accounting */
#define	SWAP_RESERVE_RLIMIT_ON		0x0002	/* accepted; no RLIMIT_SWAP */
#define	SWAP_RESERVE_ALLOW_NONWIRED	0x0004	/* strict limit includes
						   unwired memory */
#define	SWAP_RESERVE_MASK		0x0007

/*
 * Reserve incr bytes (a multiple of the page size).  false, reserving
 * nothing, when strict accounting is on and the total would exceed the
 * limit; always true otherwise.
 */
bool	swap_reserve(vm_ooffset_t incr);
void	swap_reserve_force(vm_ooffset_t incr);	/* never refused */
void	swap_release(vm_ooffset_t decr);	/* panics below zero */
uint64_t swap_reserved_total(void);		/* bytes (vm.swap_reserved) */

void	vm_swap_reserve_startup(void);	/* sysctls, counters zeroed; boot */
void	vm_swap_reserve_shutdown(void);	/* every reservation given back */

/* swap_pager.c: the pages of every swap device (vm.swap_total / PAGE_SIZE). */
uint64_t swap_pager_total_pages(void);

#endif /* !_VM_VM_SWAP_RESERVE_H_ */
