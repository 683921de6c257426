/*
 * Memory objects: the containers of pages (vm_object.c).
 *
 * An object owns pages, found by page index in a radix trie (pctrie) and
 * kept in index order on memq.  Anonymous memory lives in swap-type objects
 * (OBJ_ANON; the swap pager pages them out under memory pressure).  A
 * private mapping copies on write through a chain of shadow objects: an
 * object's backing_object supplies every page the object itself lacks, at
 * page index pindex + OFF_TO_IDX(backing_object_offset).  Collapse keeps
 * chains short (vm_object_collapse).
 *
 * Named objects have a handle.  A vnode's object (OBJT_VNODE, paged from
 * the host file by vnode_pager.c) lives as long as its vnode: its last
 * reference going only releases the vnode, whose own end terminates the
 * object.  A POSIX shm object (OBJT_SWAP without OBJ_ANON) is referenced
 * by its shm file like any mapping.  Only anonymous objects are ever
 * collapsed, split or coalesced.
 *
 * Locking legend:
 *	(a)	atomic
 *	(c)	constant after creation
 *	(o)	the object's lock (rwlock "vm object"; write to change,
 *		read to look up)
 *	(b)	the lock of backing_object (the shadow list links)
 *
 * ref_count counts map entries and shadow objects that refer to the
 * object, plus transient references.  Increments are atomic and need no
 * lock (a reference is only ever copied from an existing one); the
 * decrements that may reach 1 or 0 happen under the object lock, so
 * that collapse, which tests "ref_count == 1" under the lock, sees a
 * stable answer.  paging_in_progress (pip) counts threads that walk the
 * object without holding its lock across sleeps (the fault handler); an
 * object with pip set is neither collapsed nor collapsed into.
 */
#ifndef _VM_VM_OBJECT_H_
#define _VM_VM_OBJECT_H_

#include <sys/param.h>
#include <sys/pctrie.h>
#include <sys/queue.h>
#include <sys/rwlock.h>

struct vm_page;
struct vm_map_entry;

typedef enum obj_type {
	OBJT_DEFAULT = 0,	/* anonymous, no pager yet */
	OBJT_SWAP,		/* anonymous, swap-backed */
	OBJT_VNODE,
	OBJT_DEVICE,
	OBJT_PHYS,		/* wired, unpageable */
	OBJT_DEAD,
} objtype_t;

struct vm_object {
	struct rwlock	lock;
	TAILQ_HEAD(pglist, vm_page) memq; /* (o) resident pages, by pindex */
	struct pctrie	rtree;		/* (o) resident pages, by pindex */
	vm_pindex_t	size;		/* (o) in pages */
	_Atomic int	ref_count;	/* (a; o when it may reach 0 or 1) */
	int		shadow_count;	/* (o) objects backed by this one */
	int		resident_page_count; /* (o) */
	objtype_t	type;		/* (o) */
	u_short		flags;		/* (o) OBJ_* */
	_Atomic int	paging_in_progress; /* (a) unlocked walkers */
	struct vm_object *backing_object; /* (o) the object we shadow */
	vm_ooffset_t	backing_object_offset; /* (o) our offset in it */
	LIST_HEAD(, vm_object) shadow_head; /* (o) objects shadowing us */
	LIST_ENTRY(vm_object) shadow_list; /* (b) link in backing's list */
	uint64_t	generation;	/* (o) bumped when pages leave */
	void		*handle;	/* (c) the vnode, or (o) the shm file
					   (cleared when its last file goes),
					   behind a named object; else NULL */
	vm_ooffset_t	charge;		/* (o) bytes of swap reserved for
					   the object, 0 if none
					   (vm_swap_reserve.h) */
	vm_ooffset_t	writemappings;	/* (o) bytes of writable shared
					   mappings (seed 000, D21456) */
	vm_ooffset_t	vnp_size;	/* (o) vnode: the file's size */
	_Atomic u_int	dirty_generation; /* (a) bumped when a page may
					   become dirty (FreeBSD's
					   generation) */
	u_int		clean_generation; /* (o) dirty_generation when the
					   last full clean began */
	struct pctrie	swp_blks;	/* (o) swap slots (swap_pager.c) */
	TAILQ_ENTRY(vm_object) swp_link; /* (swap_mtx) objects with slots,
					   while swp_listed */
	bool		swp_listed;	/* (swap_mtx) on the list */
};
typedef struct vm_object *vm_object_t;

#define	OBJ_ANON	0x0001	/* anonymous: no handle, private to chains */
#define	OBJ_ONEMAPPING	0x0002	/* each page mapped at most once: unmap
				   may free pages */
#define	OBJ_COLLAPSING	0x0004	/* its pages are moving to its shadow */
#define	OBJ_DEAD	0x0008	/* being destroyed */
#define	OBJ_NOSPLIT	0x0010	/* never split (kernel objects) */
#define	OBJ_TEXT	0x0040	/* vnode: mapped as text somewhere */
#define	OBJ_NOWRITEMAP	0x0080	/* no new writable shared mapping
				   (shm F_SEAL_WRITE) */

#define	VM_OBJECT_WLOCK(o)	rw_wlock(&(o)->lock)
#define	VM_OBJECT_WUNLOCK(o)	rw_wunlock(&(o)->lock)
#define	VM_OBJECT_TRYWLOCK(o)	rw_try_wlock(&(o)->lock)
#define	VM_OBJECT_TRYRLOCK(o)	rw_try_rlock(&(o)->lock)
#define	VM_OBJECT_TRYUPGRADE(o)	rw_try_upgrade(&(o)->lock)
#define	VM_OBJECT_RLOCK(o)	rw_rlock(&(o)->lock)
#define	VM_OBJECT_RUNLOCK(o)	rw_runlock(&(o)->lock)
#define	VM_OBJECT_WOWNED(o)	rw_wowned(&(o)->lock)
#define	VM_OBJECT_ASSERT_WLOCKED(o) rw_assert(&(o)->lock, RA_WLOCKED)
#define	VM_OBJECT_ASSERT_LOCKED(o) rw_assert(&(o)->lock, RA_LOCKED)
#define	VM_OBJECT_ASSERT_UNLOCKED(o) rw_assert(&(o)->lock, RA_UNLOCKED)

#define	OFF_TO_IDX(off)	((vm_pindex_t)(((vm_ooffset_t)(off)) >> PAGE_SHIFT))
#define	IDX_TO_OFF(idx)	(((vm_ooffset_t)(idx)) << PAGE_SHIFT)

void	vm_object_startup(void);	/* the object zone; at boot */
vm_object_t vm_object_allocate(objtype_t type, vm_pindex_t size);
vm_object_t vm_object_allocate_anon(vm_pindex_t size);
					/* OBJT_SWAP, OBJ_ANON|OBJ_ONEMAPPING */
void	vm_object_reference(vm_object_t object);
bool	vm_object_reference_live(vm_object_t object);	/* unless dying */
void	vm_object_deallocate(vm_object_t object);
void	vm_object_terminate(vm_object_t object);	/* write-locked, no
							   references left */

/* vm_object_page_remove options */
#define	OBJPR_NOTMAPPED	0x1	/* the caller removed the mappings */
#define	OBJPR_CLEANONLY	0x2	/* leave dirty and wired pages */
void	vm_object_page_remove(vm_object_t object, vm_pindex_t start,
	    vm_pindex_t end, int options); /* [start, end); end 0 = to the end */

/* Shadow chains. */
void	vm_object_shadow(vm_object_t *object, vm_ooffset_t *offset,
	    vm_size_t length, bool shared);
void	vm_object_collapse(vm_object_t object);	/* object write-locked */
void	vm_object_split(struct vm_map_entry *entry);
bool	vm_object_coalesce(vm_object_t prev_object, vm_ooffset_t prev_offset,
	    vm_size_t prev_size, vm_size_t next_size, bool charged);
					/* charged: next_size bytes come
					   reserved; false if strict
					   overcommit refuses the rest */
void	vm_object_charge_trim(vm_object_t object, vm_pindex_t oldsize);
					/* write-locked; size just lowered
					   from oldsize: its charge too */
void	vm_object_madvise(vm_object_t object, vm_pindex_t pindex,
	    vm_pindex_t end, int advice);
int	vm_object_depth(vm_object_t object);	/* chain length, 1 = alone */

/*
 * paging_in_progress is a count plus OBJ_PIP_WAITERS, set by a thread
 * sleeping for the count to drain, so that the common 0 -> 1 -> 0 of a
 * fault never touches a sleep queue.
 */
#define	OBJ_PIP_WAITERS	((int)0x40000000)

static inline void
vm_object_pip_add(vm_object_t object, int n)
{
	atomic_fetch_add(&object->paging_in_progress, n);
}

static inline bool
vm_object_pip_busy(vm_object_t object)
{
	return ((atomic_load(&object->paging_in_progress) &
	    ~OBJ_PIP_WAITERS) != 0);
}
void	vm_object_pip_wakeup(vm_object_t object);	/* drop one, wake */
void	vm_object_pip_wait(vm_object_t object, const char *wmesg);
					/* object write-locked; drops and
					   retakes it while waiting */

/*
 * Write-back bookkeeping of objects with a pager that writes (vnodes):
 * a page mapped writable or written through a descriptor bumps
 * dirty_generation, under the object lock in either mode; a clean of the
 * whole object that found every page clean records the generation it
 * started from.  The object might have dirty pages while they differ.
 */
static inline void
vm_object_set_writeable_dirty(vm_object_t object)
{
	if (object->type == OBJT_VNODE)
		atomic_fetch_add_explicit(&object->dirty_generation, 1,
		    memory_order_relaxed);
}

static inline bool
vm_object_mightbedirty(vm_object_t object)
{
	return (object->type == OBJT_VNODE &&
	    atomic_load_explicit(&object->dirty_generation,
	    memory_order_relaxed) != object->clean_generation);
}

void	vm_object_set_flag(vm_object_t object, u_short bits);
void	vm_object_clear_flag(vm_object_t object, u_short bits);

/* Statistics for the tests and procstat. */
u_int	vm_object_count(void);			/* objects alive */
void	vm_object_check(vm_object_t object);	/* INVARIANTS checker */
void	vm_object_print(vm_object_t object);	/* debugging dump */

/* Page <-> object (vm_page.c). */
int	vm_page_insert(struct vm_page *m, vm_object_t object,
	    vm_pindex_t pindex);
bool	vm_page_remove(struct vm_page *m);
struct vm_page *vm_page_lookup(vm_object_t object, vm_pindex_t pindex);
struct vm_page *vm_page_alloc(vm_object_t object, vm_pindex_t pindex,
	    int req);
struct vm_page *vm_page_grab(vm_object_t object, vm_pindex_t pindex,
	    int allocflags);
int	vm_page_rename(struct vm_page *m, vm_object_t new_object,
	    vm_pindex_t new_pindex);	/* both objects write-locked, m
					   xbusied; ENOMEM changes nothing */

#endif /* !_VM_VM_OBJECT_H_ */
