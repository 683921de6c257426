/*
 * The swap pager (swap_pager.c): backing store for swap-type objects
 * (anonymous memory and POSIX shm) on host files.
 */
#ifndef _VM_SWAP_PAGER_H_
#define _VM_SWAP_PAGER_H_

#include <sys/param.h>
#include <sys/pctrie.h>
#include <vm/vm_object.h>

struct vm_page;

void	swap_pager_startup(void);	/* zones, sysctls, vm_config.swapfile */
void	swap_pager_shutdown(void);	/* every object gone: close devices */

/* Is there swap space to write to? */
bool	vm_swap_available(void);

/*
 * Swap metadata of an object (object write-locked).  freespace releases
 * the slots of [start, start + count) (count 0: to the end); copy moves
 * src's slots of [offset, offset + dst->size) into dst at index - offset
 * where dst has neither a page nor a slot, and frees the rest of src's
 * slots in that range (both locked; collapse and split);
 * shadowed says whether every slot backing gives to object's range is
 * shadowed by a valid page or a slot of object (collapse's bypass test).
 */
void	swap_pager_freespace(vm_object_t object, vm_pindex_t start,
	    vm_pindex_t count);
void	swap_pager_object_free(vm_object_t object);	/* terminate */
void	swap_pager_copy(vm_object_t src, vm_object_t dst,
	    vm_pindex_t offset);
bool	swap_pager_shadowed(vm_object_t object, vm_object_t backing);
bool	swap_pager_has_slot(vm_object_t object, vm_pindex_t pindex);

/*
 * Asynchronous writes (the laundry's, VM_PAGER_PUT_ASYNC): the pages in
 * flight, and a wait of up to timo_ms for one write to finish.  Nothing
 * locked for the wait.
 */
int	swap_pager_async_pages(void);
/*
 * The swap-in window of a fault that is not sequential: grows with the
 * uses of the pages read ahead since the last swap-in (swap_pager_ra_hit),
 * halves without them, 1 to 16 pages.
 */
int	swap_pager_ra_window(void);
void	swap_pager_ra_hit(void);
void	swap_pager_async_wait(int timo_ms);

#endif /* !_VM_SWAP_PAGER_H_ */
