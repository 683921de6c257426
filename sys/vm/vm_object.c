/*
 * Memory objects: creation, references, page removal and destruction.
 *
 * An object's pages are indexed twice: by the radix trie (lookup by page
 * index in O(key length)) and by memq in index order (ranged walks).  The
 * object's write lock protects both and every page's identity
 * (object/pindex).  A page belonging to an object carries VPRC_OBJREF in
 * its reference count; removing it from the object drops that reference,
 * and the page is freed only if nobody wired it meanwhile (seed 003).
 *
 * Trie nodes come from the host allocator until the zone allocator exists.
 *
 * Lock order: object lock -> page queue lock -> CPU slot.  The busy lock is
 * not a lock in this order: a thread sleeping on a busy page first drops
 * its object lock (vm_page_busy_sleep).
 */
#include <stdlib.h>

#include <sys/systm.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>

vm_object_t
vm_object_allocate(objtype_t type, vm_pindex_t size)
{
	vm_object_t object;

	object = calloc(1, sizeof(*object));
	if (object == NULL)
		panic("%s: out of host memory", __func__);
	rw_init_flags(&object->lock, "vm object", RW_DUPOK);
	TAILQ_INIT(&object->memq);
	pctrie_init(&object->rtree);
	object->size = size;
	object->type = type;
	atomic_init(&object->ref_count, 1);
	return (object);
}

void
vm_object_reference(vm_object_t object)
{
	int old;

	old = atomic_fetch_add(&object->ref_count, 1);
	KASSERT(old > 0, ("%s: object %p is dead", __func__, (void *)object));
	(void)old;
}

/*
 * Remove the pages with index in [start, end) (end 0: to the end of the
 * object) and free those that nobody has wired.  Busy pages are waited for.
 *
 * => called with the object write-locked; may drop and retake it.
 */
void
vm_object_page_remove(vm_object_t object, vm_pindex_t start, vm_pindex_t end)
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
		/* vm_page_remove unbusies; a false return leaves m to its wirers. */
		if (vm_page_remove(m))
			vm_page_free(m);
	}
}

/*
 * Drop a reference; the last one frees every page and the object.
 */
void
vm_object_deallocate(vm_object_t object)
{
	if (atomic_fetch_sub(&object->ref_count, 1) > 1)
		return;
	VM_OBJECT_WLOCK(object);
	object->flags |= OBJ_DEAD;
	vm_object_page_remove(object, 0, 0);
	KASSERT(object->resident_page_count == 0 &&
	    pctrie_is_empty(&object->rtree),
	    ("%s: object %p still has %d pages", __func__, (void *)object,
	    object->resident_page_count));
	VM_OBJECT_WUNLOCK(object);
	rw_destroy(&object->lock);
	free(object);
}

/* Check the object's two page indexes against each other. */
void
vm_object_check(vm_object_t object)
{
	vm_page_t m, prev = NULL;
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
}

/* Debugging: the object and its resident pages. */
void
vm_object_print(vm_object_t object)
{
	vm_page_t m;

	kprintf("vm_object %p: type %d size %ju ref %d resident %d flags %#x\n",
	    (void *)object, object->type, (uintmax_t)object->size,
	    atomic_load(&object->ref_count), object->resident_page_count,
	    object->flags);
	TAILQ_FOREACH(m, &object->memq, listq)
		vm_page_print(m);
}
