/*
 * System-wide VM statistics (FreeBSD's struct vmmeter).
 *
 * Event counters are counter(9)s, incremented on the paths that cause them
 * (faults, forks, paging, ...) as those paths are built.  Page counts are
 * not stored here: they are summed from the domains when read.
 */
#ifndef _VM_VM_METER_H_
#define _VM_VM_METER_H_

#include <sys/counter.h>

struct vmmeter {
	counter_u64_t v_vm_faults;	/* address-space faults */
	counter_u64_t v_io_faults;	/* faults that needed I/O */
	counter_u64_t v_cow_faults;	/* copy-on-write faults */
	counter_u64_t v_cow_optim;	/* COW faults resolved by reuse */
	counter_u64_t v_zfod;		/* zero-fill-on-demand pages */
	counter_u64_t v_ozfod;		/* optimised zero-fill pages */
	counter_u64_t v_swapin;		/* swap pager pageins */
	counter_u64_t v_swapout;	/* swap pager pageouts */
	counter_u64_t v_swappgsin;	/* pages swapped in */
	counter_u64_t v_swappgsout;	/* pages swapped out */
	counter_u64_t v_vnodein;	/* vnode pager pageins */
	counter_u64_t v_vnodeout;	/* vnode pager pageouts */
	counter_u64_t v_vnodepgsin;	/* pages paged in by vnode pager */
	counter_u64_t v_vnodepgsout;	/* pages paged out by vnode pager */
	counter_u64_t v_intrans;	/* faults blocked on busy pages */
	counter_u64_t v_reactivated;	/* pages reactivated by the daemon */
	counter_u64_t v_pdwakeups;	/* page daemon wakeups */
	counter_u64_t v_pdpages;	/* pages analysed by the daemon */
	counter_u64_t v_pdshortfalls;	/* page reclamation shortfalls */
	counter_u64_t v_dfree;		/* pages freed by the daemon */
	counter_u64_t v_pfree;		/* pages freed by exiting processes */
	counter_u64_t v_tfree;		/* total pages freed */
	counter_u64_t v_forks;		/* vmspace forks */
	counter_u64_t v_forkpages;	/* pages affected by forks */
	counter_u64_t v_object_collapses; /* backing objects folded in (libvm) */
	counter_u64_t v_object_bypasses; /* backing objects skipped (libvm) */
	counter_u64_t v_pgwait;		/* allocations that slept (libvm) */
	counter_u64_t v_pgfail;		/* allocations refused (libvm) */
};

extern struct vmmeter vm_cnt;

#define	VM_CNT_INC(var)		counter_u64_add(vm_cnt.var, 1)
#define	VM_CNT_ADD(var, x)	counter_u64_add(vm_cnt.var, (x))
#define	VM_CNT_FETCH(var)	counter_u64_fetch(vm_cnt.var)

void	vm_meter_init(void);	/* counters and the vm.stats.vm sysctls */
void	vm_meter_fini(void);

#endif /* !_VM_VM_METER_H_ */
