/*
 * The physical page: struct vm_page and its protocols (vm_page.c).
 *
 * Identity.  A page belongs to at most one object at a page index; the
 * object's write lock protects object/pindex/listq.  Pages never move
 * between objects without both objects locked.
 *
 * References (seed 003).  ref_count is one atomic word: the object's
 * reference is the VPRC_OBJREF bit, VPRC_BLOCKED stops new references from
 * pmap_extract_and_hold() (vm_page_wire_mapped) while mappings are being
 * removed, and the low bits count wirings.  A page is freed when the last
 * reference goes: the last unwiring of a page without an object, or the
 * object dropping a page nobody has wired.
 *
 * Busy lock (seed 003).  busy_lock is an atomic sleepable lock with shared
 * and exclusive modes, owned by threads doing I/O or creating the page's
 * contents.  Exclusive: VPB_BIT_EXCLUSIVE with the owner's thread id;
 * shared: VPB_BIT_SHARED with a sharer count; VPB_BIT_WAITERS when threads
 * sleep on it (sleep queue channel: the page).  Free pages hold VPB_FREED.
 *
 * Queue state (seed 002 rev 1.218).  The page-queue fields are one atomic
 * word (astate: queue index, PGA_* flags, activity count) changed by CAS
 * without any lock.  Moving a page between queues records the new queue
 * and a PGA_REQUEUE request in astate and puts the page on a per-CPU batch;
 * the batch is applied under the page queue lock when it fills (or when
 * drained), so a page queue lock is taken once per batch, not per page.
 * Removal from a queue the page is physically on is done at once under the
 * old queue's lock (the links are needed for the new queue).  A page's
 * first wiring requests its removal (PGA_DEQUEUE on the batch; FreeBSD
 * leaves wired pages for the page daemon to unlink lazily).
 *
 * Valid and dirty.  One bit per 512-byte block (8 per page), changed
 * atomically: valid under the busy lock, dirty also by pmap when it sees the
 * modified bit.
 *
 * Locking legend:
 *	(a)	atomic
 *	(b)	page busy lock
 *	(c)	constant while the page is allocated
 *	(f)	domain free lock (while free)
 *	(o)	object lock
 *	(q)	page queue lock of the queue in astate
 *	(pv)	the pmap's pv list lock for the page (sys/pmap)
 */
#ifndef _VM_VM_PAGE_H_
#define _VM_VM_PAGE_H_

#include <sys/param.h>
#include <sys/queue.h>
#include <pmap/pmap.h>
#include <vm/vm_pagequeue.h>
#include <vm/vm_phys.h>

struct vm_object;

typedef union vm_page_astate {
	struct {
		uint16_t flags;		/* PGA_* */
		uint8_t	queue;		/* PQ_* */
		uint8_t	act_count;	/* activity for the page daemon */
	};
	uint32_t	_bits;
} vm_page_astate_t;

typedef uint8_t vm_page_bits_t;		/* one bit per DEV_BSIZE block */
#define	DEV_BSIZE	512
#define	VM_PAGE_BITS_ALL ((vm_page_bits_t)0xff)

struct vm_page {
	union {
		TAILQ_ENTRY(vm_page) q;	/* (q) page queue, (f) free list */
		struct {
			SLIST_ENTRY(vm_page) ss; /* scratch lists */
		} s;
		struct {
			void	*slab;	/* (c) UMA: the slab of this page */
			void	*keg;	/* (c) ... and its keg */
		} uma;
	} plinks;
	TAILQ_ENTRY(vm_page) listq;	/* (o) pages of the object */
	struct vm_object *object;	/* (o) */
	vm_pindex_t	pindex;		/* (o) key in the object's trie */
	vm_paddr_t	phys_addr;	/* offset in the arena: set at boot,
					   never changed */
	_Atomic u_int	ref_count;	/* (a) VPRC_* */
	_Atomic u_int	busy_lock;	/* (a) VPB_* */
	_Atomic uint32_t astate;	/* (a) vm_page_astate_t */
	_Atomic uint16_t flags;		/* (a) PG_* */
	uint8_t		oflags;		/* (o) VPO_* */
	uint8_t		order;		/* (f) buddy order of a free block head */
	uint8_t		pool;		/* (f) free pool */
	uint8_t		domain;		/* set at boot, never changed */
	int8_t		psind;		/* (o) superpage index */
	_Atomic vm_page_bits_t valid;	/* (b) valid blocks */
	_Atomic vm_page_bits_t dirty;	/* (b, pmap) dirty blocks */
	struct md_page	md;		/* (pv) the pmap's reverse mappings */
};
typedef struct vm_page *vm_page_t;

/* ref_count */
#define	VPRC_BLOCKED	0x40000000u
#define	VPRC_OBJREF	0x80000000u
#define	VPRC_WIRE_COUNT(c) ((c) & ~(VPRC_BLOCKED | VPRC_OBJREF))
#define	VPRC_WIRE_COUNT_MAX (~(VPRC_BLOCKED | VPRC_OBJREF))

/* busy_lock */
#define	VPB_BIT_SHARED		0x01
#define	VPB_BIT_EXCLUSIVE	0x02
#define	VPB_BIT_WAITERS		0x04
#define	VPB_BIT_FLAGMASK	(VPB_BIT_SHARED | VPB_BIT_EXCLUSIVE | \
				    VPB_BIT_WAITERS)
#define	VPB_SHARERS_SHIFT	3
#define	VPB_SHARERS(x)		(((x) & ~VPB_BIT_FLAGMASK) >> VPB_SHARERS_SHIFT)
#define	VPB_SHARERS_WORD(x)	((u_int)(x) << VPB_SHARERS_SHIFT | VPB_BIT_SHARED)
#define	VPB_ONE_SHARER		(1u << VPB_SHARERS_SHIFT)
#define	VPB_UNBUSIED		VPB_SHARERS_WORD(0)
#define	VPB_EXCL_WORD(tid)	((u_int)(tid) << VPB_SHARERS_SHIFT | \
				    VPB_BIT_EXCLUSIVE)
#define	VPB_CURTHREAD_EXCLUSIVE	VPB_EXCL_WORD(curthread->td_tid)
#define	VPB_FREED		(0xfffffff0u | VPB_BIT_EXCLUSIVE)

/* flags (atomic) */
#define	PG_ZERO		0x0001	/* known to be zero-filled */
#define	PG_FICTITIOUS	0x0002	/* no arena page behind it */
#define	PG_MARKER	0x0004	/* queue scan marker */
#define	PG_NODUMP	0x0008	/* leave out of core dumps */
#define	PG_PCPUCACHE	0x0010	/* free, in a per-CPU cache */
#define	PG_BAD		0x0020	/* on the bad-page list: never used */
#define	PG_GHOST	0x0040	/* with PG_MARKER: a replacement policy's
				   record of an evicted page (clockpro) */

/* oflags (object lock) */
#define	VPO_UNMANAGED	0x04	/* no pv entries, no page queues */
#define	VPO_SWAPINPROG	0x08
#define	VPO_NOSYNC	0x10

/* astate flags */
#define	PGA_WRITEABLE	0x0001	/* may be mapped writeable */
#define	PGA_REFERENCED	0x0002	/* referenced since last scan */
#define	PGA_EXECUTABLE	0x0004
#define	PGA_ENQUEUED	0x0008	/* physically on its queue's list */
#define	PGA_DEQUEUE	0x0010	/* removal requested */
#define	PGA_REQUEUE	0x0020	/* (re)insertion at the tail requested */
#define	PGA_REQUEUE_HEAD 0x0040	/* insertion at the head requested */
#define	PGA_NOSYNC	0x0080
#define	PGA_SWAP_FREE	0x0100
#define	PGA_SWAP_SPACE	0x0200
#define	PGA_HOT		0x0400	/* replacement policy: hot page */
#define	PGA_TEST	0x0800	/* replacement policy: in its test period */
#define	PGA_FRESH	0x1000	/* replacement policy: not looked at since
				   it was faulted in */
#define	PGA_POLICY_MASK	(PGA_HOT | PGA_TEST | PGA_FRESH)
#define	PGA_READAHEAD	0x2000	/* read ahead from swap, not used yet */
#define	PGA_QUEUE_OP_MASK (PGA_DEQUEUE | PGA_REQUEUE | PGA_REQUEUE_HEAD)
#define	PGA_QUEUE_STATE_MASK (PGA_ENQUEUED | PGA_QUEUE_OP_MASK)

#define	ACT_INIT	5
#define	ACT_MAX		64

/* Allocation requests (FreeBSD's values). */
#define	VM_ALLOC_NORMAL		0
#define	VM_ALLOC_INTERRUPT	1
#define	VM_ALLOC_SYSTEM		2
#define	VM_ALLOC_CLASS_MASK	3
#define	VM_ALLOC_WAITOK		0x0008	/* sleep until pages are free */
#define	VM_ALLOC_WAITFAIL	0x0010	/* sleep once, then fail */
#define	VM_ALLOC_WIRED		0x0020
#define	VM_ALLOC_ZERO		0x0040	/* zero-filled page */
#define	VM_ALLOC_ZERO_HINT	0x0100	/* keep PG_ZERO, zero nothing: the
					   caller zeroes unless PG_ZERO
					   (FreeBSD's VM_ALLOC_ZERO) */
#define	VM_ALLOC_NOBUSY		0x0200
#define	VM_ALLOC_NOCREAT	0x0400	/* grab: look up only */
#define	VM_ALLOC_IGN_SBUSY	0x1000
#define	VM_ALLOC_NODUMP		0x2000
#define	VM_ALLOC_SBUSY		0x4000
#define	VM_ALLOC_NOWAIT		0x8000
#define	VM_ALLOC_COUNT_SHIFT	16
#define	VM_ALLOC_COUNT(n)	((n) << VM_ALLOC_COUNT_SHIFT)

static inline vm_paddr_t
VM_PAGE_TO_PHYS(vm_page_t m)
{
	return (m->phys_addr);
}

static inline vm_page_astate_t
vm_page_astate_load(vm_page_t m)
{
	vm_page_astate_t a;

	a._bits = atomic_load_explicit(&m->astate, memory_order_relaxed);
	return (a);
}

static inline int
vm_page_queue(vm_page_t m)
{
	return (vm_page_astate_load(m).queue);
}

static inline u_int
vm_page_wired(vm_page_t m)
{
	return (VPRC_WIRE_COUNT(atomic_load(&m->ref_count)));
}

static inline bool
vm_page_busied(vm_page_t m)
{
	return (atomic_load(&m->busy_lock) != VPB_UNBUSIED);
}

static inline bool
vm_page_sbusied(vm_page_t m)
{
	u_int x = atomic_load(&m->busy_lock);

	return ((x & VPB_BIT_SHARED) != 0 && x != VPB_UNBUSIED);
}

static inline bool
vm_page_xbusied(vm_page_t m)
{
	return ((atomic_load(&m->busy_lock) & VPB_BIT_SHARED) == 0);
}

/* Boot. */
void	vm_page_startup(void);
void	vm_radix_zinit(void);		/* the trie node zone, once UMA runs */
void	vm_page_shutdown(void);

/* Allocation and freeing. */
vm_page_t vm_page_alloc_noobj(int req);
vm_page_t vm_page_alloc_domain(struct vm_object *object, vm_pindex_t pindex,
	    int domain, int req);
vm_page_t vm_page_find_least(struct vm_object *object, vm_pindex_t pindex);
vm_page_t vm_page_alloc_noobj_domain(int domain, int req);
vm_page_t vm_page_alloc_noobj_contig(int req, u_long npages, vm_paddr_t low,
	    vm_paddr_t high, u_long alignment, vm_paddr_t boundary);
vm_page_t vm_page_alloc_noobj_contig_domain(int domain, int req,
	    u_long npages, vm_paddr_t low, vm_paddr_t high, u_long alignment,
	    vm_paddr_t boundary);
void	vm_page_free(vm_page_t m);
void	vm_page_free_zero(vm_page_t m);	/* the page is known zero-filled */
int	vm_wait_domain(int domain);
void	vm_wait(void);
int	vm_wait_timo(int timo_ms);	/* 0, or EWOULDBLOCK after timo_ms */
u_int	vm_page_pcpu_drain(void);		/* empty per-CPU free caches */
u_int	vm_free_count(void);			/* buddy + cached pages */
u_int	vm_free_count_domain(int domain);
u_int	vm_page_count(void);

/* Busy lock. */
bool	vm_page_busy_acquire(vm_page_t m, int allocflags);
void	vm_page_busy_downgrade(vm_page_t m);
bool	vm_page_busy_sleep(vm_page_t m, const char *wmesg, int allocflags);
bool	vm_page_tryxbusy(vm_page_t m);
bool	vm_page_trysbusy(vm_page_t m);
bool	vm_page_busy_tryupgrade(vm_page_t m);
void	vm_page_xunbusy(vm_page_t m);
void	vm_page_sunbusy(vm_page_t m);
void	vm_page_xunbusy_unchecked(vm_page_t m);
void	vm_page_xbusy_claim(vm_page_t m);	/* another thread's busy */
void	vm_page_assert_xbusied(vm_page_t m);
void	vm_page_assert_sbusied(vm_page_t m);
void	vm_page_assert_unbusied(vm_page_t m);

/* References and wiring. */
void	vm_page_wire(vm_page_t m);
bool	vm_page_wire_mapped(vm_page_t m);
void	vm_page_unwire(vm_page_t m, int queue);
bool	vm_page_unwire_noq(vm_page_t m);
bool	vm_page_block_refs(vm_page_t m);	/* set VPRC_BLOCKED */
void	vm_page_unblock_refs(vm_page_t m);
u_int	vm_wire_count(void);

/* Page queues. */
void	vm_page_activate(vm_page_t m);
void	vm_page_deactivate(vm_page_t m);
void	vm_page_deactivate_noreuse(vm_page_t m);
void	vm_page_launder(vm_page_t m);
void	vm_page_unswappable(vm_page_t m);
void	vm_page_requeue(vm_page_t m);
void	vm_page_mvqueue(vm_page_t m, uint8_t nqueue, uint16_t pgaflag);
void	vm_page_dequeue(vm_page_t m);
void	vm_page_dequeue_deferred(vm_page_t m);
/* The plain queue moves under vm_page_activate/deactivate (policies). */
void	vm_page_activate_queue(vm_page_t m);
void	vm_page_deactivate_queue(vm_page_t m, bool noreuse);
void	vm_page_pqbatch_drain(void);
void	vm_page_aflag_set(vm_page_t m, uint16_t bits);
void	vm_page_aflag_clear(vm_page_t m, uint16_t bits);
struct vm_pagequeue *vm_page_pagequeue(vm_page_t m);
u_int	vm_pagequeue_count(int queue);	/* all domains */


/* Valid and dirty bits. */
vm_page_bits_t vm_page_bits(int base, int size);
void	vm_page_set_valid_range(vm_page_t m, int base, int size);
void	vm_page_clear_valid_range(vm_page_t m, int base, int size);
bool	vm_page_is_valid(vm_page_t m, int base, int size);
bool	vm_page_all_valid(vm_page_t m);
bool	vm_page_none_valid(vm_page_t m);
void	vm_page_valid(vm_page_t m);
void	vm_page_invalid(vm_page_t m);
void	vm_page_dirty(vm_page_t m);
void	vm_page_set_dirty_range(vm_page_t m, int base, int size);
void	vm_page_clear_dirty(vm_page_t m, int base, int size);
void	vm_page_undirty(vm_page_t m);
void	vm_page_set_validclean(vm_page_t m, int base, int size);
void	vm_page_zero_invalid(vm_page_t m, bool setvalid);

/* Contents through the direct map. */
void	vm_page_zero(vm_page_t m);
void	*vm_page_dmap(vm_page_t m);
void	vm_page_prefetch(vm_page_t m, bool write);
void	vm_page_prefetch_next(struct vm_object *object, vm_pindex_t pindex);

/* INVARIANTS: whole-layer checker (free lists, queues, counts). */
void	vm_page_check_all(void);
void	vm_page_print(vm_page_t m);		/* debugging dump */

#endif /* !_VM_VM_PAGE_H_ */
