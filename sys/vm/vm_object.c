/*
 * Memory objects: creation, references, shadow chains, collapse, split,
 * coalescing, page removal and destruction.
 *
 * An object's pages are indexed twice: by the radix trie (lookup by page
 * index) and by memq in index order (ranged walks).  The object's write
 * lock protects both and every page's identity (object/pindex).  A page
 * belonging to an object carries VPRC_OBJREF in its reference count;
 * removing it from the object drops that reference, and the page is freed
 * only if nobody wired it meanwhile (seed 003).
 *
 * Shadow chains.  A private mapping's writes go to the top object of its
 * entry; pages it has not written are found further down the chain.  After
 * fork both address spaces' entries are marked NEEDS_COPY over the same
 * object, and the first write in each creates its own shadow
 * (vm_object_shadow).  Chains would grow with every fork; collapse folds a
 * backing object into its only shadow when the shadow holds the backing
 * object's last reference (moving the pages up), and bypasses a backing
 * object whose pages the shadow already covers.  Both are tried on every
 * deallocation that leaves an anonymous object with one reference from one
 * shadow, which is what keeps 1,000 fork/exit cycles from leaking.
 *
 * Lock order: an object before its backing object (top down the chain),
 * then page queue locks, then the CPU slot.  The busy lock is not in this
 * order: a thread sleeping on a busy page drops its object locks first.
 *
 * Invariants (vm_object_check): the trie and memq hold the same pages in
 * order, each with the object's reference; shadow_count is the length of
 * shadow_head and each shadow names this object as its backing object; a
 * live object is never OBJ_DEAD with references.
 *
 * Trie nodes and the objects themselves come from the host allocator
 * until the zone allocator exists.
 */
#include <errno.h>
#include <stdlib.h>

#include <sys/systm.h>
#include <sys/sleepqueue.h>
#include <pmap/pmap.h>
#include <vm/vm_map.h>
#include <vm/vm_meter.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_pager.h>
#include <vm/swap_pager.h>
#include <vm/vm_swap_reserve.h>
#include <uma.h>

/* Objects come from a zone (UMA_ZONE_VM), created at boot. */
static uma_zone_t vm_object_zone;

void
vm_object_startup(void)
{
	vm_object_zone = uma_zcreate("VM OBJECT", sizeof(struct vm_object),
	    NULL, NULL, NULL, NULL, UMA_ALIGN_PTR, UMA_ZONE_VM);
	if (vm_object_zone == NULL)
		panic("%s: cannot create the object zone", __func__);
	vm_radix_zinit();
}

static _Atomic u_int vm_object_live;	/* (a) objects alive */

static void	vm_object_backing_remove(vm_object_t object);
static void	vm_object_backing_insert(vm_object_t object,
		    vm_object_t backing, vm_ooffset_t offset);

vm_object_t
vm_object_allocate(objtype_t type, vm_pindex_t size)
{
	vm_object_t object;

	object = uma_zalloc(vm_object_zone, M_WAITOK | M_ZERO);
	rw_init_flags(&object->lock, "vm object", RW_DUPOK);
	TAILQ_INIT(&object->memq);
	pctrie_init(&object->rtree);
	pctrie_init(&object->swp_blks);
	LIST_INIT(&object->shadow_head);
	object->size = size;
	object->type = type;
	atomic_init(&object->ref_count, 1);
	atomic_init(&object->paging_in_progress, 0);
	atomic_fetch_add(&vm_object_live, 1);
	return (object);
}

vm_object_t
vm_object_allocate_anon(vm_pindex_t size)
{
	vm_object_t object;

	object = vm_object_allocate(OBJT_SWAP, size);
	object->flags = OBJ_ANON | OBJ_ONEMAPPING;
	return (object);
}

u_int
vm_object_count(void)
{
	return (atomic_load(&vm_object_live));
}

void
vm_object_set_flag(vm_object_t object, u_short bits)
{
	VM_OBJECT_ASSERT_WLOCKED(object);
	object->flags |= bits;
}

void
vm_object_clear_flag(vm_object_t object, u_short bits)
{
	VM_OBJECT_ASSERT_WLOCKED(object);
	object->flags &= ~bits;
}

void
vm_object_reference(vm_object_t object)
{
	int old;

	old = atomic_fetch_add(&object->ref_count, 1);
	KASSERT(old > 0, ("%s: object %p is dead", __func__, (void *)object));
	(void)old;
}

void
vm_object_pip_wakeup(vm_object_t object)
{
	int old;

	old = atomic_fetch_sub(&object->paging_in_progress, 1);
	KASSERT((old & ~OBJ_PIP_WAITERS) > 0, ("%s: object %p pip underflow",
	    __func__, (void *)object));
	if (old == (1 | OBJ_PIP_WAITERS)) {
		atomic_fetch_and(&object->paging_in_progress,
		    ~OBJ_PIP_WAITERS);
		wakeup(&object->paging_in_progress);
	}
}

/*
 * Sleep until no thread pages in object.  The waiter sets the waiters
 * flag under the sleep queue's chain lock, and the waker that drains the
 * count calls wakeup(), which takes that lock: a waker either sees the
 * flag or ran before the flag was set, when the recheck sees the count
 * at zero.  The object lock is dropped before the chain lock is taken:
 * releasing a contended lock may itself take a chain lock.
 */
void
vm_object_pip_wait(vm_object_t object, const char *wmesg)
{
	_Atomic int *pip = &object->paging_in_progress;
	int old;

	VM_OBJECT_ASSERT_WLOCKED(object);
	while (vm_object_pip_busy(object)) {
		VM_OBJECT_WUNLOCK(object);
		sleepq_lock(pip);
		old = atomic_load(pip);
		do {
			if ((old & ~OBJ_PIP_WAITERS) == 0)
				break;
		} while ((old & OBJ_PIP_WAITERS) == 0 &&
		    !atomic_compare_exchange_weak(pip, &old,
		    old | OBJ_PIP_WAITERS));
		if ((old & ~OBJ_PIP_WAITERS) == 0)
			sleepq_release(pip);
		else {
			sleepq_add(pip, wmesg);
			sleepq_wait(pip, 0);
		}
		VM_OBJECT_WLOCK(object);
	}
}

/*
 * Remove the pages with index in [start, end) (end 0: to the end of the
 * object), unmapping them first unless OBJPR_NOTMAPPED, and free those
 * that nobody has wired.  Busy pages are waited for.
 *
 * => called with the object write-locked; may drop and retake it.
 */
void
vm_object_page_remove(vm_object_t object, vm_pindex_t start, vm_pindex_t end,
    int options)
{
	vm_page_t m, next;

	VM_OBJECT_ASSERT_WLOCKED(object);
again:
	m = vm_page_find_least(object, start);
	for (; m != NULL && (end == 0 || m->pindex < end); m = next) {
		next = TAILQ_NEXT(m, listq);
		if (!vm_page_tryxbusy(m)) {
			vm_page_busy_sleep(m, "vmopar", 0);
			VM_OBJECT_WLOCK(object);
			goto again;
		}
		if ((options & OBJPR_CLEANONLY) != 0) {
			/* msync(MS_INVALIDATE): dirty and wired pages stay. */
			if (vm_page_wired(m) != 0) {
				vm_page_xunbusy(m);
				continue;
			}
			pmap_remove_write(m);
			if (atomic_load(&m->dirty) != 0) {
				vm_page_xunbusy(m);
				continue;
			}
		}
		if ((options & OBJPR_NOTMAPPED) == 0 || pmap_page_is_mapped(m))
			pmap_remove_all(m);
		object->generation++;
		/* A false return leaves m, unbusied, to its wirers. */
		if (vm_page_remove(m))
			vm_page_free(m);
	}
	/*
	 * The range's contents are gone: so are its swap slots.  After the
	 * pages: a pageout under way records its slot when its write ends,
	 * and the loop waited for it (the page was busy).
	 */
	if ((options & OBJPR_CLEANONLY) == 0)
		swap_pager_freespace(object, start, end == 0 ? 0 : end - start);
}

/* ---- the shadow list ----------------------------------------------- */

/*
 * Make backing the backing object of object at offset; object takes over
 * a reference to backing that the caller holds.
 *
 * => object write-locked (or still private to the caller); backing
 *    write-locked.
 */
static void
vm_object_backing_insert(vm_object_t object, vm_object_t backing,
    vm_ooffset_t offset)
{
	VM_OBJECT_ASSERT_WLOCKED(backing);
	KASSERT(object->backing_object == NULL, ("%s: object %p already "
	    "backed by %p", __func__, (void *)object,
	    (void *)object->backing_object));
	object->backing_object = backing;
	object->backing_object_offset = offset;
	LIST_INSERT_HEAD(&backing->shadow_head, object, shadow_list);
	backing->shadow_count++;
}

/*
 * Unlink object from its backing object's shadow list (the reference is
 * the caller's to drop or hand on).
 *
 * => object and its backing object write-locked.
 */
static void
vm_object_backing_remove(vm_object_t object)
{
	vm_object_t backing = object->backing_object;

	VM_OBJECT_ASSERT_WLOCKED(backing);
	LIST_REMOVE(object, shadow_list);
	backing->shadow_count--;
	object->backing_object = NULL;
	object->backing_object_offset = 0;
}

/*
 * Give *object a shadow covering length bytes at *offset; the shadow takes
 * over the caller's reference to the old object and the caller gets the
 * shadow (offset 0) instead.  An anonymous object that nobody else
 * references and that is not shared needs no shadow: the caller's writes
 * cannot be seen by anyone, so it is kept as it is.
 *
 * The shadow is fully built before it goes on the source's shadow list, so
 * that a collapse reaching it through the list never sees half an object
 * (seed 004).
 *
 * => the map lock of the entry held exclusively; no object locks.
 */
void
vm_object_shadow(vm_object_t *objectp, vm_ooffset_t *offset, vm_size_t length,
    bool shared)
{
	vm_object_t source, result;

	source = *objectp;
	if (source != NULL && !shared) {
		VM_OBJECT_RLOCK(source);
		if ((source->flags & OBJ_ANON) != 0 &&
		    atomic_load(&source->ref_count) == 1) {
			VM_OBJECT_RUNLOCK(source);
			return;
		}
		VM_OBJECT_RUNLOCK(source);
	}

	result = vm_object_allocate_anon(atop(length));
	if (source != NULL) {
		VM_OBJECT_WLOCK(source);
		vm_object_backing_insert(result, source, *offset);
		/* The source is now shared through a chain. */
		source->flags &= ~OBJ_ONEMAPPING;
		VM_OBJECT_WUNLOCK(source);
	}
	*offset = 0;
	*objectp = result;
}

/* ---- collapse --------------------------------------------------------- */

/*
 * Make object back onto backing's backing object, at the composed
 * offset, instead of onto backing.  inherit: backing is dying (collapse)
 * and hands its reference to its backing object on to object; otherwise
 * (bypass) object takes a reference of its own and backing keeps its.
 *
 * => object and backing write-locked.
 */
static void
vm_object_backing_skip(vm_object_t object, vm_object_t backing, bool inherit)
{
	vm_object_t bbacking = backing->backing_object;
	vm_ooffset_t off;

	off = object->backing_object_offset + backing->backing_object_offset;
	vm_object_backing_remove(object);
	if (bbacking == NULL)
		return;
	VM_OBJECT_WLOCK(bbacking);
	if (inherit)
		vm_object_backing_remove(backing);
	else
		vm_object_reference(bbacking);
	vm_object_backing_insert(object, bbacking, off);
	VM_OBJECT_WUNLOCK(bbacking);
}

/*
 * Can object bypass its backing object?  True when every page the backing
 * object could supply to object's range is shadowed by a valid page of
 * object, so the backing object contributes nothing.
 *
 * => object and backing write-locked.
 */
static bool
vm_object_scan_shadowed(vm_object_t object, vm_object_t backing)
{
	vm_pindex_t boff, pi;
	vm_page_t p, pp;

	boff = OFF_TO_IDX(object->backing_object_offset);
	p = vm_page_find_least(backing, boff);
	for (; p != NULL; p = TAILQ_NEXT(p, listq)) {
		pi = p->pindex - boff;
		if (pi >= object->size)
			break;
		pp = vm_page_lookup(object, pi);
		if ((pp == NULL || vm_page_busied(pp) ||
		    !vm_page_all_valid(pp)) && !swap_pager_has_slot(object, pi))
			return (false);
	}
	/* Pages paged out of backing count as much as resident ones. */
	return (swap_pager_shadowed(object, backing));
}

/*
 * Move backing's pages into object (which holds backing's only
 * reference): pages that object shadows or that lie outside object's
 * range are freed, the others renamed.  Returns false, with some pages
 * moved and the rest in place (a consistent state: backing still backs
 * object), if a page was busy or a trie node could not be had.
 *
 * => object and backing write-locked.
 */
static bool
vm_object_collapse_pages(vm_object_t object, vm_object_t backing)
{
	vm_pindex_t boff, npi;
	vm_page_t p, next, pp;

	boff = OFF_TO_IDX(object->backing_object_offset);
	for (p = TAILQ_FIRST(&backing->memq); p != NULL; p = next) {
		next = TAILQ_NEXT(p, listq);
		if (!vm_page_tryxbusy(p))
			return (false);
		npi = p->pindex - boff;
		if (p->pindex < boff || npi >= object->size ||
		    ((pp = vm_page_lookup(object, npi)) != NULL) ||
		    swap_pager_has_slot(object, npi)) {
			/*
			 * Not needed by the shadow.  A page the shadow
			 * shadows with a busy (being created) page, or with
			 * its own paged-out copy, is dropped the same way:
			 * the shadow's page wins.
			 */
			pmap_remove_all(p);
			backing->generation++;
			if (vm_page_remove(p))
				vm_page_free(p);
			continue;
		}
		if (vm_page_rename(p, object, npi) != 0) {
			vm_page_xunbusy(p);
			return (false);
		}
		backing->generation++;
		vm_page_xunbusy(p);
	}
	/*
	 * The swap slots follow: those object lacks move up, the others are
	 * freed (and a page just moved up whose slot that was is dirtied).
	 */
	swap_pager_copy(backing, object, boff);
	return (true);
}

/*
 * Shorten object's shadow chain as far as it goes: while the backing
 * object is anonymous and referenced only by object, fold it in
 * (collapse); while object covers every page the backing object could
 * supply, skip it (bypass).  Objects with threads paging in them are left
 * alone, as are objects being collapsed elsewhere.
 *
 * => object write-locked and referenced by the caller: a bypass drops
 *    and retakes the lock, and object must survive that.
 */
void
vm_object_collapse(vm_object_t object)
{
	vm_object_t backing;
	int one;

	VM_OBJECT_ASSERT_WLOCKED(object);
	for (;;) {
		backing = object->backing_object;
		if (backing == NULL ||
		    (object->flags & (OBJ_DEAD | OBJ_COLLAPSING)) != 0 ||
		    (object->flags & OBJ_ANON) == 0)
			return;
		VM_OBJECT_WLOCK(backing);
		if ((backing->flags & (OBJ_ANON | OBJ_DEAD | OBJ_COLLAPSING)) !=
		    OBJ_ANON ||
		    vm_object_pip_busy(object) || vm_object_pip_busy(backing)) {
			VM_OBJECT_WUNLOCK(backing);
			return;
		}
		if (atomic_load(&backing->ref_count) == 1) {
			KASSERT(backing->shadow_count == 1 &&
			    LIST_FIRST(&backing->shadow_head) == object,
			    ("%s: backing %p of %p: one reference, %d shadows",
			    __func__, (void *)backing, (void *)object,
			    backing->shadow_count));
			backing->flags |= OBJ_COLLAPSING;
			if (!vm_object_collapse_pages(object, backing)) {
				backing->flags &= ~OBJ_COLLAPSING;
				VM_OBJECT_WUNLOCK(backing);
				return;
			}
			/*
			 * Commit only if object still holds the one
			 * reference.  While the pages moved (the page queue
			 * locks may block), a deallocation of the object
			 * below may have taken a transient reference to
			 * backing to collapse into it (seed 004's race).
			 * backing is empty now and stays in the chain; that
			 * holder's deallocate collapses it.  A reference
			 * cannot appear after the swap to 0.
			 */
			one = 1;
			if (!atomic_compare_exchange_strong(&backing->ref_count,
			    &one, 0)) {
				backing->flags &= ~OBJ_COLLAPSING;
				VM_OBJECT_WUNLOCK(backing);
				return;
			}
			/* backing is empty and dies: skip it for good. */
			vm_object_backing_skip(object, backing, true);
			vm_object_terminate(backing);	/* unlocks it */
			VM_CNT_INC(v_object_collapses);
#ifdef INVARIANTS
			vm_object_check(object);
#endif
			continue;
		}
		/* Shared backing object: bypass it if it contributes nothing. */
		if (!vm_object_scan_shadowed(object, backing)) {
			VM_OBJECT_WUNLOCK(backing);
			return;
		}
		vm_object_backing_skip(object, backing, false);
		VM_OBJECT_WUNLOCK(backing);
		/*
		 * Drop object's reference to backing.  It cannot be the last
		 * (backing had more than one), but it may leave backing with
		 * a single shadow to collapse into; deallocate handles that,
		 * taking locks top down, so object's lock must go first.
		 */
		VM_OBJECT_WUNLOCK(object);
		vm_object_deallocate(backing);
		VM_OBJECT_WLOCK(object);
		VM_CNT_INC(v_object_bypasses);
	}
}

/* ---- deallocation ----------------------------------------------------- */

/* Take a reference unless the count is already zero (a dying object). */
bool
vm_object_reference_live(vm_object_t object)
{
	int old = atomic_load(&object->ref_count);

	do {
		if (old == 0)
			return (false);
	} while (!atomic_compare_exchange_weak(&object->ref_count, &old,
	    old + 1));
	return (true);
}

/*
 * object (write-locked) has just dropped to one reference, held by its only
 * shadow: fold it into that shadow.  Returns with object unlocked.
 *
 * The shadow comes before object in the lock order, so it is try-locked;
 * failing that, a reference keeps it alive while object's lock is dropped
 * and the shadow's taken.  A shadow that is itself being collapsed or
 * destroyed is left alone: its own collapse will reach object next (seed
 * 004: collapsing a dead backing object from deallocate raced with the
 * collapse already under way).
 */
static void
vm_object_deallocate_anon(vm_object_t object)
{
	vm_object_t robj;

	robj = LIST_FIRST(&object->shadow_head);
	KASSERT(robj != NULL && object->shadow_count == 1,
	    ("%s: object %p has %d shadows", __func__, (void *)object,
	    object->shadow_count));
	/*
	 * Either way the shadow is referenced across the collapse: collapse
	 * may drop its lock (a bypass deallocates the object it skipped),
	 * and the shadow's last mapping may go meanwhile.
	 */
	if (VM_OBJECT_TRYWLOCK(robj)) {
		VM_OBJECT_WUNLOCK(object);
		if ((robj->flags & (OBJ_DEAD | OBJ_COLLAPSING)) != 0 ||
		    !vm_object_reference_live(robj)) {
			VM_OBJECT_WUNLOCK(robj);
			return;
		}
	} else {
		if (!vm_object_reference_live(robj)) {
			VM_OBJECT_WUNLOCK(object);
			return;
		}
		VM_OBJECT_WUNLOCK(object);
		VM_OBJECT_WLOCK(robj);
	}
	if ((robj->flags & (OBJ_DEAD | OBJ_COLLAPSING)) == 0)
		vm_object_collapse(robj);
	VM_OBJECT_WUNLOCK(robj);
	vm_object_deallocate(robj);
}

/*
 * Drop a reference.  The last one destroys the object (its pages freed,
 * its reference to the backing object dropped in turn); one that leaves an
 * anonymous object referenced only by its single shadow collapses the two.
 */
void
vm_object_deallocate(vm_object_t object)
{
	vm_object_t backing;
	int old;

	while (object != NULL) {
		/* References above two never change anything: no lock. */
		old = atomic_load(&object->ref_count);
		while (old > 2) {
			if (atomic_compare_exchange_weak(&object->ref_count,
			    &old, old - 1))
				return;
		}
		VM_OBJECT_WLOCK(object);
		old = atomic_fetch_sub(&object->ref_count, 1);
		KASSERT(old > 0, ("%s: object %p ref_count %d", __func__,
		    (void *)object, old));
		if (old > 2) {
			VM_OBJECT_WUNLOCK(object);
			return;
		}
		if (old == 2) {
			if ((object->flags & (OBJ_ANON | OBJ_DEAD |
			    OBJ_COLLAPSING)) == OBJ_ANON &&
			    object->shadow_count == 1)
				vm_object_deallocate_anon(object);
			else
				VM_OBJECT_WUNLOCK(object);
			return;
		}
		KASSERT(object->shadow_count == 0, ("%s: object %p dies with "
		    "%d shadows", __func__, (void *)object,
		    object->shadow_count));
		if (vm_pager_ops(object)->pgo_dealloc != NULL) {
			/* A vnode's object lives as long as its vnode. */
			vm_pager_ops(object)->pgo_dealloc(object);
			return;
		}
		backing = object->backing_object;
		vm_object_terminate(object);
		object = backing;	/* drop its reference next */
	}
}

/*
 * Destroy an object nobody references: free its pages, unlink it from its
 * backing object (whose reference the caller then drops) and free it.
 *
 * => object write-locked, ref_count 0; returns with it gone.
 */
void
vm_object_terminate(vm_object_t object)
{
	vm_object_t backing;

	VM_OBJECT_ASSERT_WLOCKED(object);
	object->flags |= OBJ_DEAD;
	vm_object_pip_wait(object, "objtrm");
#ifdef INVARIANTS
	vm_object_check(object);
#endif
	vm_object_page_remove(object, 0, 0, 0);	/* and the swap slots */
	KASSERT(pctrie_is_empty(&object->swp_blks), ("%s: object %p still "
	    "has swap", __func__, (void *)object));
	KASSERT(object->resident_page_count == 0 &&
	    pctrie_is_empty(&object->rtree),
	    ("%s: object %p still has %d pages", __func__, (void *)object,
	    object->resident_page_count));
	/* Its memory is gone, and with it the need for swap. */
	if (object->charge != 0) {
		swap_release(object->charge);
		object->charge = 0;
	}
	backing = object->backing_object;
	if (backing != NULL) {
		VM_OBJECT_WLOCK(backing);
		vm_object_backing_remove(object);
		VM_OBJECT_WUNLOCK(backing);
	}
	KASSERT(object->charge == 0, ("%s: object %p freed holding %#jx "
	    "bytes of swap reservation", __func__, (void *)object,
	    (uintmax_t)object->charge));
	VM_OBJECT_WUNLOCK(object);
	rw_destroy(&object->lock);
	uma_zfree(vm_object_zone, object);
	atomic_fetch_sub(&vm_object_live, 1);
}

/* ---- split, coalesce, advice ---------------------------------------- */

/*
 * Give entry an object of its own: move the pages of the entry's range out
 * of a ONEMAPPING object that other entries (the rest of a clipped
 * mapping) also use, so that the object later shared with a child (fork)
 * or shadowed covers exactly this entry.  The new object backs onto the
 * old one's backing object at the corresponding offset.
 *
 * => the entry's map locked exclusively.
 */
void
vm_object_split(vm_map_entry_t entry)
{
	vm_object_t orig, new, backing;
	vm_pindex_t offidx, size, idx;
	vm_page_t m, next;

	orig = entry->cold->object;
	/* A stack's object spans its grow area: it is never split. */
	if (orig == NULL || (entry->eflags & MAP_ENTRY_GROWS_DOWN) != 0)
		return;
	VM_OBJECT_WLOCK(orig);
	if ((orig->flags & (OBJ_ANON | OBJ_ONEMAPPING | OBJ_NOSPLIT)) !=
	    (OBJ_ANON | OBJ_ONEMAPPING) ||
	    atomic_load(&orig->ref_count) <= 1) {
		VM_OBJECT_WUNLOCK(orig);
		return;
	}
	offidx = OFF_TO_IDX(entry->cold->offset);
	size = atop(entry->end - entry->start);
	new = vm_object_allocate_anon(size);
	VM_OBJECT_WLOCK(new);
	backing = orig->backing_object;
	if (backing != NULL) {
		VM_OBJECT_WLOCK(backing);
		vm_object_reference(backing);
		vm_object_backing_insert(new, backing,
		    orig->backing_object_offset + entry->cold->offset);
		VM_OBJECT_WUNLOCK(backing);
	}
retry:
	m = vm_page_find_least(orig, offidx);
	for (; m != NULL && (idx = m->pindex - offidx) < size; m = next) {
		next = TAILQ_NEXT(m, listq);
		if (!vm_page_tryxbusy(m)) {
			VM_OBJECT_WUNLOCK(new);
			vm_page_busy_sleep(m, "spltwt", 0);
			VM_OBJECT_WLOCK(orig);
			VM_OBJECT_WLOCK(new);
			goto retry;
		}
		if (vm_page_rename(m, new, idx) != 0) {
			/* No trie node: wait for memory and go on. */
			vm_page_xunbusy(m);
			VM_OBJECT_WUNLOCK(new);
			VM_OBJECT_WUNLOCK(orig);
			vm_wait();
			VM_OBJECT_WLOCK(orig);
			VM_OBJECT_WLOCK(new);
			goto retry;
		}
		orig->generation++;
		vm_page_xunbusy(m);
	}
	/* The range's swap slots move with it, and its reservation. */
	swap_pager_copy(orig, new, offidx);
	if (orig->charge != 0) {
		new->charge = MIN(orig->charge, IDX_TO_OFF(size));
		orig->charge -= new->charge;
	}
#ifdef INVARIANTS
	vm_object_check(new);
	vm_object_check(orig);
#endif
	VM_OBJECT_WUNLOCK(new);
	VM_OBJECT_WUNLOCK(orig);
	vm_map_entry_set_object(entry, new);
	entry->cold->offset = 0;
	vm_object_deallocate(orig);
}

/*
 * Try to extend prev_object, mapped at prev_offset for prev_size bytes, by
 * next_size bytes so that a new anonymous mapping right after it can use
 * the same object (and its entry merge with the previous one).  Possible
 * when the object is anonymous, backs onto nothing, and is either
 * referenced once or ONEMAPPING (so the pages past prev_size belong to
 * nobody); stale pages in the extension are freed.
 *
 * Swap reservation (charged: the caller reserved the range's next_size
 * bytes): an object that is or becomes charged is charged for its whole
 * new size, as vm_map_protect charges one.  A charged range hands its
 * reservation over, less what the object held already; an uncharged
 * range joining a charged object is reserved here (FreeBSD: it may be
 * made writable later, when the object could not tell it was not
 * charged), and if strict overcommit refuses, it does not join.
 */
bool
vm_object_coalesce(vm_object_t prev_object, vm_ooffset_t prev_offset,
    vm_size_t prev_size, vm_size_t next_size, bool charged)
{
	vm_pindex_t next_pindex, newsize;
	vm_ooffset_t have, want;

	if (prev_object == NULL)
		return (true);
	VM_OBJECT_WLOCK(prev_object);
	if ((prev_object->flags & (OBJ_ANON | OBJ_DEAD | OBJ_COLLAPSING)) !=
	    OBJ_ANON) {
		VM_OBJECT_WUNLOCK(prev_object);
		return (false);
	}
	vm_object_collapse(prev_object);
	next_pindex = OFF_TO_IDX(prev_offset) + atop(prev_size);
	if (prev_object->backing_object != NULL ||
	    (atomic_load(&prev_object->ref_count) > 1 &&
	    prev_object->size != next_pindex &&
	    (prev_object->flags & OBJ_ONEMAPPING) == 0)) {
		VM_OBJECT_WUNLOCK(prev_object);
		return (false);
	}
	newsize = MAX(prev_object->size, next_pindex + atop(next_size));
	have = charged ? next_size : 0;
	want = charged || prev_object->charge != 0 ?
	    IDX_TO_OFF(newsize) - prev_object->charge : 0;
	if (want > have && !swap_reserve(want - have)) {
		VM_OBJECT_WUNLOCK(prev_object);
		return (false);
	}
	if (next_pindex < prev_object->size)
		vm_object_page_remove(prev_object, next_pindex,
		    next_pindex + atop(next_size), 0);
	prev_object->size = newsize;
	if (want < have)
		swap_release(have - want);
	prev_object->charge += want;
	VM_OBJECT_WUNLOCK(prev_object);
	return (true);
}

/*
 * object's size was just lowered from oldsize (its tail unmapped): the
 * charge for the pages past the new end goes back.  A stack's object is
 * charged for less than its size, so the charge is trimmed, not checked.
 */
void
vm_object_charge_trim(vm_object_t object, vm_pindex_t oldsize)
{
	vm_ooffset_t gone;

	VM_OBJECT_ASSERT_WLOCKED(object);
	KASSERT(object->size <= oldsize, ("%s: object %p grew from %ju to "
	    "%ju", __func__, (void *)object, (uintmax_t)oldsize,
	    (uintmax_t)object->size));
	gone = MIN(object->charge, IDX_TO_OFF(oldsize - object->size));
	if (gone != 0) {
		object->charge -= gone;
		swap_release(gone);
	}
}

/*
 * madvise(2) on the pages [pindex, end) of object: WILLNEED activates
 * resident pages, DONTNEED deactivates them (anonymous contents are kept:
 * FreeBSD's code), FREE discards clean-or-dirty anonymous pages of an
 * object nobody else can see (ONEMAPPING, no shadows), which is what lets
 * an allocator return memory without unmapping it.  Not over a backing
 * object: its older contents would show through the freed pages.  Pages
 * of backing objects are left alone.
 */
void
vm_object_madvise(vm_object_t object, vm_pindex_t pindex, vm_pindex_t end,
    int advice)
{
	vm_page_t m, next;

	if (object == NULL)
		return;
	VM_OBJECT_WLOCK(object);
	if (advice == VM_MADV_FREE &&
	    ((object->flags & (OBJ_ANON | OBJ_ONEMAPPING)) !=
	    (OBJ_ANON | OBJ_ONEMAPPING) || object->shadow_count != 0 ||
	    object->backing_object != NULL)) {
		VM_OBJECT_WUNLOCK(object);
		return;
	}
again:
	m = vm_page_find_least(object, pindex);
	for (; m != NULL && m->pindex < end; m = next) {
		next = TAILQ_NEXT(m, listq);
		switch (advice) {
		case VM_MADV_WILLNEED:
			vm_page_activate(m);
			break;
		case VM_MADV_DONTNEED:
			vm_page_deactivate(m);
			break;
		case VM_MADV_FREE:
			if (vm_page_wired(m) != 0)
				break;
			if (!vm_page_tryxbusy(m)) {
				vm_page_busy_sleep(m, "madvpo", 0);
				VM_OBJECT_WLOCK(object);
				goto again;
			}
			pmap_remove_all(m);
			object->generation++;
			if (vm_page_remove(m))
				vm_page_free(m);
			break;
		}
	}
	if (advice == VM_MADV_FREE)
		swap_pager_freespace(object, pindex, end - pindex);
	VM_OBJECT_WUNLOCK(object);
}

/* The number of objects in object's chain, itself included. */
int
vm_object_depth(vm_object_t object)
{
	vm_object_t o, next;
	int n = 0;

	if (object == NULL)
		return (0);
	VM_OBJECT_RLOCK(object);
	for (o = object; o != NULL; o = next) {
		n++;
		next = o->backing_object;
		if (next != NULL)
			VM_OBJECT_RLOCK(next);	/* coupled: no collapse */
		VM_OBJECT_RUNLOCK(o);
	}
	return (n);
}

/* ---- checking --------------------------------------------------------- */

/* The object's page indexes against each other, and its shadow list. */
void
vm_object_check(vm_object_t object)
{
	vm_page_t m, prev = NULL;
	vm_object_t s;
	int n = 0;

	VM_OBJECT_ASSERT_LOCKED(object);
	pctrie_check(&object->rtree);
	TAILQ_FOREACH(m, &object->memq, listq) {
		if (m->object != object)
			panic("%s: page %p on %p's memq names object %p",
			    __func__, (void *)m, (void *)object,
			    (void *)m->object);
		if (prev != NULL && prev->pindex >= m->pindex)
			panic("%s: memq out of order at page %p", __func__,
			    (void *)m);
		if (vm_page_lookup(object, m->pindex) != m)
			panic("%s: trie lookup of %ju is not page %p",
			    __func__, (uintmax_t)m->pindex, (void *)m);
		if ((atomic_load(&m->ref_count) & VPRC_OBJREF) == 0)
			panic("%s: page %p lacks the object reference",
			    __func__, (void *)m);
		prev = m;
		n++;
	}
	if (n != object->resident_page_count ||
	    (size_t)n != pctrie_count(&object->rtree))
		panic("%s: object %p: memq %d, resident %d, trie %zu",
		    __func__, (void *)object, n, object->resident_page_count,
		    pctrie_count(&object->rtree));
	n = 0;
	LIST_FOREACH(s, &object->shadow_head, shadow_list) {
		if (s->backing_object != object)
			panic("%s: shadow %p of %p backs onto %p", __func__,
			    (void *)s, (void *)object,
			    (void *)s->backing_object);
		n++;
	}
	if (n != object->shadow_count)
		panic("%s: object %p: %d shadows listed, shadow_count %d",
		    __func__, (void *)object, n, object->shadow_count);
	if (atomic_load(&object->ref_count) < object->shadow_count)
		panic("%s: object %p: ref_count %d < shadow_count %d",
		    __func__, (void *)object,
		    atomic_load(&object->ref_count), object->shadow_count);
	/* A named object is never part of a chain above it. */
	if (object->handle != NULL && ((object->flags & OBJ_ANON) != 0 ||
	    object->backing_object != NULL))
		panic("%s: named object %p (flags %#x) backs onto %p",
		    __func__, (void *)object, object->flags,
		    (void *)object->backing_object);
	/*
	 * Only anonymous memory is charged, and never for more than it
	 * spans (a stack's object for less: the part its entries map).
	 */
	if (object->charge != 0 && ((object->flags & OBJ_ANON) == 0 ||
	    object->charge > IDX_TO_OFF(object->size) ||
	    (object->charge & PAGE_MASK) != 0))
		panic("%s: object %p (flags %#x, %ju pages) charged %#jx",
		    __func__, (void *)object, object->flags,
		    (uintmax_t)object->size, (uintmax_t)object->charge);
	/* A vnode's object spans its file, rounded up to pages. */
	if (object->type == OBJT_VNODE && object->size !=
	    OFF_TO_IDX(object->vnp_size + PAGE_MASK))
		panic("%s: vnode object %p: %ju pages for %ju bytes",
		    __func__, (void *)object, (uintmax_t)object->size,
		    (uintmax_t)object->vnp_size);
	if ((object->flags & OBJ_ANON) == 0 && object->type != OBJT_VNODE &&
	    object->writemappings != 0 && object->handle == NULL &&
	    atomic_load(&object->ref_count) == 0)
		panic("%s: dead object %p has %ju bytes of write mappings",
		    __func__, (void *)object, (uintmax_t)object->writemappings);
}

/* Debugging: the object, its resident pages and its chain. */
void
vm_object_print(vm_object_t object)
{
	vm_page_t m;

	kprintf("vm_object %p: type %d size %ju ref %d shadows %d resident %d "
	    "flags %#x backing %p offset %#jx pip %d\n",
	    (void *)object, object->type, (uintmax_t)object->size,
	    atomic_load(&object->ref_count), object->shadow_count,
	    object->resident_page_count, object->flags,
	    (void *)object->backing_object,
	    (uintmax_t)object->backing_object_offset,
	    atomic_load(&object->paging_in_progress));
	TAILQ_FOREACH(m, &object->memq, listq)
		vm_page_print(m);
}
