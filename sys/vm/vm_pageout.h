/*
 * The page daemon and the laundry thread (vm_pageout.c).
 */
#ifndef _VM_VM_PAGEOUT_H_
#define _VM_VM_PAGEOUT_H_

#include <sys/param.h>

void	pagedaemon_wakeup(int domain);	/* the domain is short of pages */
void	vm_pageout_startup(void);	/* the threads; at boot */
void	vm_pageout_shutdown(void);	/* before the threads are joined */
u_long	vm_pageout_pass_count(void);	/* scans made (tests) */

#endif /* !_VM_VM_PAGEOUT_H_ */
