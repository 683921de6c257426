/*
 * Memory objects: the container of pages (vm_object.c).
 *
 * This is the part of FreeBSD's vm_object that the page layer needs: an
 * object owns pages, found by page index in a radix trie (pctrie) and kept
 * in index order on memq; it is reference counted and frees its pages when
 * the last reference goes.  Types, pagers, shadow chains and collapse build
 * on it (the anonymous-memory layer).
 *
 * Locking legend:
 *	(a)	atomic
 *	(c)	constant after creation
 *	(o)	the object's lock (rwlock "vm object"; write to change,
 *		read to look up)
 */
#ifndef _VM_VM_OBJECT_H_
#define _VM_VM_OBJECT_H_

#include <sys/param.h>
#include <sys/pctrie.h>
#include <sys/queue.h>
#include <sys/rwlock.h>

struct vm_page;

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
	TAILQ_HEAD(, vm_page) memq;	/* (o) resident pages, by pindex */
	struct pctrie	rtree;		/* (o) resident pages, by pindex */
	vm_pindex_t	size;		/* (o) in pages */
	_Atomic int	ref_count;	/* (a) */
	int		resident_page_count; /* (o) */
	objtype_t	type;		/* (o) */
	u_short		flags;		/* (o) OBJ_* */
};
typedef struct vm_object *vm_object_t;

#define	OBJ_DEAD	0x0008	/* being destroyed */

#define	VM_OBJECT_WLOCK(o)	rw_wlock(&(o)->lock)
#define	VM_OBJECT_WUNLOCK(o)	rw_wunlock(&(o)->lock)
#define	VM_OBJECT_RLOCK(o)	rw_rlock(&(o)->lock)
#define	VM_OBJECT_RUNLOCK(o)	rw_runlock(&(o)->lock)
#define	VM_OBJECT_WOWNED(o)	rw_wowned(&(o)->lock)
#define	VM_OBJECT_ASSERT_WLOCKED(o) rw_assert(&(o)->lock, RA_WLOCKED)
#define	VM_OBJECT_ASSERT_LOCKED(o) rw_assert(&(o)->lock, RA_LOCKED)
#define	VM_OBJECT_ASSERT_UNLOCKED(o) rw_assert(&(o)->lock, RA_UNLOCKED)

vm_object_t vm_object_allocate(objtype_t type, vm_pindex_t size);
void	vm_object_reference(vm_object_t object);
void	vm_object_deallocate(vm_object_t object);
void	vm_object_page_remove(vm_object_t object, vm_pindex_t start,
	    vm_pindex_t end);		/* [start, end); end 0 = to the end */
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

#endif /* !_VM_VM_OBJECT_H_ */
