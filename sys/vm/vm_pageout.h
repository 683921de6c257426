/*
 * The page daemon and the laundry thread (vm_pageout.c).
 */
#ifndef _VM_VM_PAGEOUT_H_
#define _VM_VM_PAGEOUT_H_

#include <sys/param.h>

void	pagedaemon_wakeup(int domain);	/* the domain is short of pages */
void	vm_pageout_laundry_progress(void); /* a laundered write finished */
void	vm_pageout_startup(void);	/* the threads; at boot */
void	vm_pageout_shutdown(void);	/* before the threads are joined */
u_long	vm_pageout_pass_count(void);	/* scans made (tests) */

struct vm_object;
struct vm_page;
/*
 * What becomes of a page the laundry wrote (rtval: the pager's result):
 * freed if clean and unused, else requeued; 1 if freed.
 * => object write-locked, m exclusively busied by the caller; m is gone
 *    or unbusied on return.
 */
int	vm_pageout_launder_done(struct vm_object *object, struct vm_page *m,
	    int rtval);

#endif /* !_VM_VM_PAGEOUT_H_ */
