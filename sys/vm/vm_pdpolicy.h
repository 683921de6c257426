/*
 * Pluggable page replacement (NetBSD's uvm_pdpolicy, seed 002 rev 1.118).
 *
 * The page daemon asks a policy which pages to evict; the policy decides
 * by its own bookkeeping over the page queues.  Two are built in:
 *
 *	default		FreeBSD's active/inactive/laundry scanner
 *			(vm_pageout.c): inactive pages are evicted unless
 *			referenced, active pages age (act_count);
 *	clockpro	CLOCK-Pro (Jiang, Chen and Zhang, USENIX 2005;
 *			vm_pdpolicy_clockpro.c): hot and cold pages on one
 *			clock with the records of recently evicted pages.
 *
 * One is chosen at boot (vm_config.pdpolicy, else the environment's
 * LIBVM_PDPOLICY, else "default") and shown by the read-only sysctl
 * vm.pdpolicy.
 *
 * What every policy shares: PQ_LAUNDRY (dirty pages waiting to be
 * written, vm_pageout.c's laundry thread) and PQ_UNSWAPPABLE, and
 * PQ_INACTIVE as the queue of pages to reclaim first (deactivated by
 * madvise, read-ahead, descriptor I/O, or laundered clean).  A policy
 * owns the order and meaning of PQ_ACTIVE: its enqueue and dequeue hooks
 * run, under the PQ_ACTIVE lock, whenever a page is linked into or
 * unlinked from that queue, whoever moved it.
 *
 * The operations (NetBSD's names in brackets):
 *	activate	a page was used [pageactivate]
 *	deactivate	a page should go first [pagedeactivate]
 *	enqueue		a page joined PQ_ACTIVE [pageenqueue]
 *	dequeue		a page left PQ_ACTIVE [pagedequeue]
 *	selectvictim	evict pages until the scan's target [selectvictim]
 *	balance		keep the queues in proportion [balancequeue]
 *	tune		recompute targets from the domain's size [tune]
 *	check		INVARIANTS: the policy's structure is consistent
 */
#ifndef _VM_VM_PDPOLICY_H_
#define _VM_VM_PDPOLICY_H_

#include <sys/param.h>
#include <vm/vm_page.h>
#include <vm/vm_pagequeue.h>

struct vm_object;

/* One pass of the page daemon over a domain (or of the simulator). */
struct vm_pdscan {
	struct vm_domain *ps_vmd;
	int	ps_target;		/* pages to free */
	int	ps_freed;		/* pages freed so far */
	int	ps_laundered;		/* dirty pages sent to the laundry */
	int	ps_deactivated;		/* pages queued to be reclaimed next */
	bool	ps_shortage;		/* the inactive scan fell short */
	/*
	 * Evict busied page m of object (write-locked): free it when clean,
	 * queue it for the laundry when dirty.  True if it was freed; m is
	 * then gone, else unbusied.  The page daemon's is
	 * vm_pageout_reclaim; the simulator's drops its frame.
	 */
	bool	(*ps_reclaim)(struct vm_pdscan *, struct vm_object *,
		    vm_page_t m);
	void	*ps_arg;
};

struct vm_pdpolicy {
	const char *pdp_name;
	void	(*pdp_startup)(void);			/* boot: sysctls */
	int	(*pdp_init)(struct vm_domain *);	/* 0 or an errno */
	void	(*pdp_fini)(struct vm_domain *);
	void	(*pdp_activate)(vm_page_t);
	void	(*pdp_deactivate)(vm_page_t, bool noreuse);
	/* => PQ_ACTIVE locked; m just linked (NULL: nothing to do) */
	void	(*pdp_enqueue)(struct vm_domain *, vm_page_t);
	/* => PQ_ACTIVE locked; m just unlinked, oflags its astate flags */
	void	(*pdp_dequeue)(struct vm_domain *, vm_page_t, uint16_t oflags);
	void	(*pdp_selectvictim)(struct vm_pdscan *);
	void	(*pdp_balance)(struct vm_pdscan *);	/* NULL: none */
	void	(*pdp_tune)(struct vm_domain *);
	void	(*pdp_check)(struct vm_domain *);	/* => nothing locked */
};

extern const struct vm_pdpolicy *vm_pdpolicy;	/* (c) the one chosen at boot;
						   each domain's vmd_pdp */
extern const struct vm_pdpolicy vm_pdpolicy_default;	/* vm_pageout.c */
extern const struct vm_pdpolicy vm_pdpolicy_clockpro;

/* The policy named name, or NULL. */
const struct vm_pdpolicy *vm_pdpolicy_lookup(const char *name);
/* Boot: choose (EINVAL for an unknown name) and set up every domain. */
int	vm_pdpolicy_startup(const char *name);
void	vm_pdpolicy_shutdown(void);

/*
 * The replay simulator (vm_pdsim.c, NetBSD's pdsim): replay nrefs page
 * keys over exactly npages page frames under policy name ("default",
 * "clockpro", or the yardsticks "lru" and "opt"); *faultsp gets the
 * references that missed.  0, EINVAL (unknown policy, no frames), ENOMEM,
 * or EBUSY (no domain slot free for the simulator).
 */
int	vm_pdsim_run(const char *name, u_int npages, const uint64_t *keys,
	    size_t nrefs, uint64_t *faultsp);

/*
 * Was m used since the policy last looked?  Its PGA_REFERENCED flag or a
 * mapping's accessed bit; both are cleared.  A simulator's page has no
 * mappings: only the flag counts.
 */
bool	vm_pdpolicy_referenced(vm_page_t m);

/*
 * Hooks for vm_page.c, called with the PQ_ACTIVE lock held where a page
 * is linked into or unlinked from that queue.
 */
static inline void
vm_pdpolicy_enqueued(struct vm_domain *vmd, vm_page_t m)
{
	if (vmd->vmd_pdp->pdp_enqueue != NULL)
		vmd->vmd_pdp->pdp_enqueue(vmd, m);
}

static inline void
vm_pdpolicy_dequeued(struct vm_domain *vmd, vm_page_t m, uint16_t oflags)
{
	if (vmd->vmd_pdp->pdp_dequeue != NULL)
		vmd->vmd_pdp->pdp_dequeue(vmd, m, oflags);
}

/* The default policy's pieces, shared with the others (vm_pageout.c). */
void	vm_pageout_scan_inactive(struct vm_pdscan *);
void	vm_pageout_init_marker(vm_page_t marker, uint8_t queue);

#endif /* !_VM_VM_PDPOLICY_H_ */
