/*
 * Memory domains and their page queues.
 *
 * Each domain (vm_config.ndomain splits the arena) has:
 *   - a free lock protecting its buddy free lists and vmd_free_count
 *     updates that cross a threshold;
 *   - the free-page thresholds used by the allocation classes;
 *   - four page queues (inactive, active, laundry, unswappable), each with
 *     its own lock and count.
 *
 * Locking legend:
 *	(a)	atomic
 *	(c)	constant after boot
 *	(f)	vmd_free_mtx
 *	(q)	the page queue's pq_mutex
 *	(A)	the PQ_ACTIVE queue's pq_mutex
 */
#ifndef _VM_VM_PAGEQUEUE_H_
#define _VM_VM_PAGEQUEUE_H_

#include <sys/param.h>
#include <sys/mutex.h>
#include <sys/queue.h>

struct vm_page;
struct vm_pdpolicy;

#define	PQ_NONE		255
#define	PQ_INACTIVE	0
#define	PQ_ACTIVE	1
#define	PQ_LAUNDRY	2
#define	PQ_UNSWAPPABLE	3
#define	PQ_COUNT	4

struct vm_pagequeue {
	struct mtx	pq_mutex;
	TAILQ_HEAD(, vm_page) pq_pl;		/* (q) */
	_Atomic u_int	pq_cnt;			/* (q) to write, (a) to read */
	const char	*pq_name;		/* (c) */
	int		pq_index;		/* (c) PQ_* */
	uint64_t	pq_pdpages;		/* (q) pages moved (stats) */
} __aligned(CACHE_LINE_SIZE);

struct vm_domain {
	struct vm_pagequeue vmd_pagequeues[PQ_COUNT];
	struct mtx	vmd_free_mtx;
	_Atomic u_int	vmd_free_count;		/* (a) incl. per-CPU caches */
	_Atomic int	vmd_waiters;		/* (a) threads in vm_wait */
	u_int		vmd_page_count;		/* (c) pages in the domain */
	u_int		vmd_free_reserved;	/* (c) normal allocs stop */
	u_int		vmd_free_min;		/* (c) vm_wait returns above */
	u_int		vmd_free_target;	/* (c) page daemon goal */
	u_int		vmd_free_severe;	/* (c) */
	u_int		vmd_interrupt_free_min;	/* (c) system allocs stop */
	u_int		vmd_pageout_free_min;	/* (c) */
	u_int		vmd_inactive_target;	/* (c) */
	int		vmd_domain;		/* (c) */
	struct vm_phys_seg *vmd_seg;		/* (c) */
	const struct vm_pdpolicy *vmd_pdp;	/* (c) replacement policy */
	void		*vmd_pdpolicy;		/* (A) the policy's state */
	bool		vmd_sim;		/* (c) a replay simulator's:
						   no batching, no pmap */
} __aligned(CACHE_LINE_SIZE);

extern struct vm_domain vm_dom[MAXMEMDOM];

#define	VM_DOMAIN(n)		(&vm_dom[(n)])
#define	vm_pagequeue_lock(pq)	mtx_lock(&(pq)->pq_mutex)
#define	vm_pagequeue_unlock(pq)	mtx_unlock(&(pq)->pq_mutex)
#define	vm_pagequeue_assert_locked(pq) mtx_assert(&(pq)->pq_mutex, MA_OWNED)
#define	vm_domain_free_lock(d)	mtx_lock(&(d)->vmd_free_mtx)
#define	vm_domain_free_unlock(d) mtx_unlock(&(d)->vmd_free_mtx)
#define	vm_domain_free_assert_locked(d)					\
	mtx_assert(&(d)->vmd_free_mtx, MA_OWNED)

/* Reserve npages free pages for an allocation of class req (VM_ALLOC_*). */
bool	vm_domain_allocate(struct vm_domain *, int req, int npages);
/* Return npages to the free count and wake waiters when above free_min. */
void	vm_domain_freecnt_inc(struct vm_domain *, int npages);
/* INVARIANTS: check a page queue against its pages' states (locks it). */
void	vm_pagequeue_check(struct vm_pagequeue *);
/* Initialize a domain's page queues (boot, and the replay simulator's). */
void	vm_pagequeue_init_domain(struct vm_domain *);
/* Its free-page thresholds and targets from vmd_page_count. */
void	vm_domain_init_thresholds(struct vm_domain *);
/*
 * Take m off queue pq now, keeping its other astate flags (a replacement
 * policy evicting under the queue lock).  => pq locked, m linked on it.
 */
void	vm_pagequeue_remove_locked(struct vm_pagequeue *, struct vm_page *);

#endif /* !_VM_VM_PAGEQUEUE_H_ */
