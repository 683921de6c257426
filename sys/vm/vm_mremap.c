/*
 * NetBSD's mremap(2): move and/or resize a mapping, or map its pages a
 * second time (VM_MAP_REMAPDUP).
 *
 * What it does.  The old range [oldp, oldp + oldsize) must be mapped,
 * without holes, by one or more adjacent entries (guards and grow-down
 * stacks do not count as memory that can be moved).  As NetBSD's
 * uvm_mremap does, the easy cases are tried first, in place: an equal size
 * changes nothing, a smaller one unmaps the tail, a larger one maps the
 * extension right after the old range if that space is free.  Otherwise
 * (or always with VM_MAP_REMAPDUP, or with VM_MAP_FIXED at another
 * address, or with VM_MAP_ALIGNED(n) when oldp is not aligned) the first
 * MIN(oldsize, newsize) bytes are re-entered at the new place and the old
 * range is unmapped (not with REMAPDUP).  The new place must be free:
 * like NetBSD's uvm_map_reserve, VM_MAP_FIXED never replaces a mapping.
 *
 * Moving an entry moves its object reference: the new entry maps the same
 * object at the same offset with the same attributes, so pages keep their
 * contents, private memory stays private (with its copy-on-write state)
 * and shared memory stays shared with whoever shares it.  The old
 * entries' objects are taken out of them before they are deleted
 * ("stolen"), so that vm_map_delete neither frees their pages (the
 * ONEMAPPING shortcut of vm_map_entry_unmap_object) nor drops a
 * reference; their wirings move with them.  A duplicate instead takes a
 * new reference to a common object: the old entry is first given an
 * object (never touched memory), or, if it still shares its pages
 * copy-on-write (NEEDS_COPY), a shadow of its own, exactly as fork does
 * for a shared entry, and the object loses OBJ_ONEMAPPING.
 *
 * The extension beyond the old size takes the attributes of the old
 * range's last entry (NetBSD's uvm_mapent_extend).  For anonymous memory
 * it is new zero-fill memory (vm_map_insert may grow the last entry's
 * object into it, vm_object_coalesce); for any other object it maps the
 * object's following pages.
 *
 * A duplicate of private memory is two entries over one object, which
 * vmspace_fork then makes copy-on-write one entry at a time: after a
 * fork the parent's two views no longer share their writes (vm_mremap(3),
 * BUGS; the fix belongs to vmspace_fork, see OBJ_ALIASED below).
 *
 * Invariant kept for vm_object_coalesce: the entries of an anonymous
 * ONEMAPPING object all have the same address-minus-offset, so the pages
 * after one entry's range belong to nobody when the addresses after it are
 * free.  An entry moved away from the other entries of such an object
 * therefore first gets an object of its own (vm_object_split, as fork
 * does for a copied entry).
 *
 * Locking: everything from the checks of the old range to the last
 * insertion is done under one exclusive hold of the map lock, so no other
 * thread ever sees a half-moved range, and nothing can fail once the map
 * has started to change: the new place, RLIMIT_AS, RLIMIT_MEMLOCK and the
 * entry limit are all checked first (an error changes nothing).  Object
 * locks are taken below the map lock (map -> object, as everywhere); a
 * split or shadow may sleep for a busy page or for memory with the map
 * lock held, as they do under fork.  After the unlock,
 * under mlockall(MCL_FUTURE), the new memory is wired with vm_map_wire,
 * which takes the lock itself (a failure leaves it unwired, as vm_mmap
 * does).
 */
#include <libvm.h>

#include <errno.h>
#include <stdlib.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <pmap/pmap.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_pager.h>
#include <vm/vm_swap_reserve.h>
#include <sys/vnode.h>
#include <vm/vm_page.h>

/* The flags mremap(2) knows (NetBSD's sys_mremap). */
#define	VM_MREMAP_FLAGS		(VM_MAP_FIXED | VM_MAP_REMAPDUP |	\
	VM_MAP_ALIGNMENT_MASK)

/*
 * Entries whose range cannot be moved: stacks and their grow areas,
 * submaps, and entries kept to superpage boundaries.
 */
#define	VM_MREMAP_NOMOVE	(MAP_ENTRY_GROWS_DOWN |			\
	MAP_ENTRY_STACK_GAP_DN | MAP_ENTRY_IS_SUB_MAP |			\
	MAP_ENTRY_SPLIT_BOUNDARY_MASK)

/*
 * Entry flags a new entry never inherits: the map's own bookkeeping.  And
 * the flags that stand for a count held by the mapping (the writable
 * shared mappings of a file or shm object, D21456, and a vnode's text
 * references, D19923): a moved entry carries them, and the count, over;
 * a duplicate or an extension of a counted mapping takes a count of its
 * own (vm_mremap_place), as a new mapping of the object would.
 */
#define	VM_MREMAP_EFLAGS_LOCAL	(MAP_ENTRY_IN_TRANSITION |		\
	MAP_ENTRY_NEEDS_WAKEUP | MAP_ENTRY_HEADER)
#define	VM_MREMAP_EFLAGS_COUNTED (MAP_ENTRY_WRITECNT | MAP_ENTRY_VN_EXEC)

/*
 * One entry of the old range, as it is to be entered at its new place.
 * object carries a reference (or is NULL: memory never touched).
 */
struct vm_mremap_piece {
	vm_offset_t	start;		/* in the old range */
	vm_offset_t	end;
	vm_object_t	object;
	vm_ooffset_t	offset;
	u_int		eflags;
	vm_prot_t	protection;
	vm_prot_t	max_protection;
	vm_inherit_t	inheritance;
	int		wired_count;
	bool		take_counts;	/* new mapping: count its WRITECNT
					   and VN_EXEC flags afresh */
};

static inline vm_map_t
vs_map(struct vmspace *vs)
{
	return (&vs->vm_map);
}

/* Is [start, end) inside the map and wholly free? */
static bool
vm_mremap_range_free(vm_map_t map, vm_offset_t start, vm_offset_t end)
{
	vm_map_entry_t prev;

	vm_map_assert_locked(map);
	if (start >= end || !vm_map_range_valid(map, start, end))
		return (false);
	if (vm_map_lookup_entry(map, start, &prev))
		return (false);
	return (vm_map_entry_succ(prev)->start >= end);
}

/*
 * The lowest free range of length bytes at or above lo that is aligned to
 * align (a power of two, or 0), as vm_map_find's search does.
 *
 * => map locked exclusively.
 */
static bool
vm_mremap_alignspace(vm_map_t map, vm_offset_t lo, vm_size_t length,
    vm_size_t align, vm_offset_t *addrp)
{
	vm_offset_t a, aligned, max = vm_map_max(map);

	for (;;) {
		a = vm_map_findspace(map, lo, length);
		if (a + length > max || a + length < a)
			return (false);
		if (align == 0) {
			*addrp = a;
			return (true);
		}
		aligned = roundup2(a, align);
		if (aligned < a || aligned + length < aligned ||
		    aligned + length > max)
			return (false);
		if (vm_map_lookup_entry_ge(map, aligned)->start >=
		    aligned + length) {
			*addrp = aligned;
			return (true);
		}
		lo = aligned;
	}
}

/*
 * Where a range of length bytes that is not fixed goes: first fit at or
 * above the hint (rounded up to a page), or without one above the room
 * kept for the data segment (as vm_mmap places it); then above that room;
 * then, without ASLR, from the bottom of the map.
 *
 * => map locked exclusively.
 */
static bool
vm_mremap_findspace(struct vmspace *vs, vm_offset_t hint, vm_size_t length,
    vm_size_t align, vm_offset_t *addrp)
{
	vm_map_t map = vs_map(vs);
	vm_offset_t room, tries[3];
	int i, n = 0;

	room = round_page(vs->vm_daddr + vs->vm_rlimit[VM_RLIMIT_DATA].max);
	if (room < vs->vm_daddr || room >= vm_map_max(map))
		room = vm_map_min(map);
	hint = hint > UINT64_MAX - PAGE_MASK ? 0 : round_page(hint);
	if (hint >= vs->vm_daddr && hint < room)
		hint = room;	/* not in the heap's room (vm_mmap) */
	tries[n++] = hint != 0 ? hint : room;
	if (tries[0] > room)
		tries[n++] = room;
	if ((map->flags & MAP_ASLR) == 0 && room > vm_map_min(map))
		tries[n++] = vm_map_min(map);
	for (i = 0; i < n; i++)
		if (vm_mremap_alignspace(map, tries[i], length, align, addrp))
			return (true);
	return (false);
}

/*
 * Check the old range [start, end): mapped without holes by entries that
 * can move.  *nentriesp gets the number of entries it overlaps.  Returns 0,
 * ENOMEM (a hole, a guard, outside the map), EINVAL (a stack or its grow
 * area), or EAGAIN after waiting for an entry in transition, the map lock
 * dropped and retaken (check again).
 *
 * => map locked exclusively.
 */
static int
vm_mremap_check_old(vm_map_t map, vm_offset_t start, vm_offset_t end,
    size_t *nentriesp)
{
	vm_map_entry_t e;
	vm_offset_t va;
	size_t n = 0;

	vm_map_assert_locked(map);
	if (!vm_map_range_valid(map, start, end))
		return (ENOMEM);
	if (!vm_map_lookup_entry(map, start, &e))
		return (ENOMEM);
	for (va = start; va < end; e = vm_map_entry_succ(e)) {
		if (e == &map->header || e->start > va)
			return (ENOMEM);
		if ((e->eflags & VM_MREMAP_NOMOVE) != 0)
			return (EINVAL);
		if ((e->eflags & MAP_ENTRY_GUARD) != 0)
			return (ENOMEM);
		if ((e->eflags & MAP_ENTRY_IN_TRANSITION) != 0) {
			e->eflags |= MAP_ENTRY_NEEDS_WAKEUP;
			vm_map_unlock_and_wait(map, 0);
			vm_map_lock(map);
			return (EAGAIN);
		}
		n++;
		va = e->end;
	}
	*nentriesp = n;
	return (0);
}

/* The piece an entry is (no reference taken). */
static void
vm_mremap_piece_of(vm_map_entry_t e, struct vm_mremap_piece *p)
{
	p->start = e->start;
	p->end = e->end;
	p->object = e->cold->object;
	p->offset = e->cold->offset;
	p->eflags = e->eflags & ~VM_MREMAP_EFLAGS_LOCAL;
	p->protection = e->protection;
	p->max_protection = e->max_protection;
	p->inheritance = e->inheritance;
	p->wired_count = e->cold->wired_count;
	p->take_counts = false;
}

/*
 * Give a duplicated entry the object both mappings will share: memory
 * never touched gets its anonymous object now; an entry still sharing
 * its pages copy-on-write gets a shadow of its own, as a shared entry
 * does at fork (vm_map_entry_shadow), so that the two mappings have one
 * object above the copy-on-write one; an anonymous object that other
 * entries map elsewhere is split first (vm_map_copy_entry does the same).
 * The object is no longer ONEMAPPING.  The entry's swap reservation goes
 * to that object, which both mappings share (as for a shared entry at
 * fork): a duplicate reserves nothing more.
 *
 * => map locked exclusively.
 */
static void
vm_mremap_dup_object(vm_map_t map, vm_map_entry_t e)
{
	vm_object_t object;

	vm_map_assert_locked(map);
	if (e->cold->object == NULL)
		vm_map_entry_back(map, e);
	else if ((e->eflags & MAP_ENTRY_NEEDS_COPY) != 0)
		vm_map_entry_shadow(map, e, true);
	else
		vm_object_split(e);
	object = e->cold->object;
	VM_OBJECT_WLOCK(object);
	vm_object_clear_flag(object, OBJ_ONEMAPPING);
#ifdef OBJ_ALIASED
	/*
	 * Mapped twice in one map: vmspace_fork is to give a child its own
	 * copy rather than make these entries copy-on-write one by one.
	 */
	vm_object_set_flag(object, OBJ_ALIASED);
#endif
	VM_OBJECT_WUNLOCK(object);
}

/*
 * Collect the entries of [start, end) (clipped to it) into pieces[].  To
 * move them (dup false) the pieces take the entries' object references
 * and wirings, which leaves the entries empty for vm_map_delete; to
 * duplicate them each piece takes a new reference to the object the
 * entry now shares (vm_mremap_dup_object) and no wiring.
 *
 * => map locked exclusively; the range checked by vm_mremap_check_old.
 */
static size_t
vm_mremap_collect(vm_map_t map, vm_offset_t start, vm_offset_t end,
    bool dup, struct vm_mremap_piece *pieces)
{
	vm_map_entry_t e;
	size_t n = 0;

	vm_map_assert_locked(map);
	(void)vm_map_lookup_entry(map, start, &e);
	(void)vm_map_clip_start(map, e, start);
	for (; e != &map->header && e->start < end;
	    e = vm_map_entry_succ(e)) {
		(void)vm_map_clip_end(map, e, end);
		if (dup) {
			vm_mremap_dup_object(map, e);
			vm_object_reference(e->cold->object);
		} else
			vm_object_split(e);	/* see the invariant above */
		vm_mremap_piece_of(e, &pieces[n]);
		if (dup) {
			pieces[n].eflags &= ~MAP_ENTRY_USER_WIRED;
			pieces[n].wired_count = 0;
			pieces[n].take_counts = true;
		} else {
			/*
			 * Stolen: vm_map_delete finds nothing to undo; the
			 * piece carries the entry's swap reservation.
			 */
			vm_map_entry_set_object(e, NULL);
			e->cold->offset = 0;
			e->eflags &= ~(MAP_ENTRY_USER_WIRED |
			    VM_MREMAP_EFLAGS_COUNTED | MAP_ENTRY_CHARGED);
			e->cold->wired_count = 0;
		}
		n++;
	}
	return (n);
}

/*
 * Map the wired pages of a wired entry that just moved, as its wiring had
 * them mapped at the old place (a wired range is not supposed to fault).
 * The pages are the top object's (vm_map_wire hands over no others).
 * Best effort: a page that cannot be entered now is entered by the next
 * fault.
 *
 * => map locked exclusively.
 */
static void
vm_mremap_enter_wired(vm_map_t map, vm_map_entry_t entry)
{
	vm_object_t object = entry->cold->object;
	vm_prot_t prot = entry->protection;
	vm_offset_t va;
	vm_page_t m;

	if (map->pmap == NULL || object == NULL || prot == VM_PROT_NONE)
		return;
	if ((entry->eflags & MAP_ENTRY_NEEDS_COPY) != 0)
		prot &= ~VM_PROT_WRITE;
	VM_OBJECT_WLOCK(object);
	for (va = entry->start; va < entry->end; va += PAGE_SIZE) {
		m = vm_page_lookup(object, OFF_TO_IDX(entry->cold->offset +
		    (va - entry->start)));
		if (m == NULL || !vm_page_all_valid(m))
			continue;
		(void)pmap_enter(map->pmap, va, m, prot, PMAP_ENTER_WIRED |
		    PMAP_ENTER_NOSLEEP, 0);
	}
	VM_OBJECT_WUNLOCK(object);
}

/*
 * Enter piece p at [start, end), which is free: vm_map_insert, then the
 * attributes vm_map_insert cannot express (copy-on-write state,
 * inheritance other than share/copy, advice, wiring) on the entry clipped
 * back to exactly the range (the insertion may have merged it with a
 * neighbour), then a merge with the neighbours.  The piece's object
 * reference goes to the entry, and its swap reservation
 * (MAP_ENTRY_CHARGED).  A piece without an object keeps the object,
 * copy-on-write state and charge the insertion gave it (vm_map_insert may
 * extend the previous entry's anonymous object over it, which then takes
 * the piece's reservation).
 *
 * => map locked exclusively; cannot fail (the caller checked the space
 *    and the entry limit).
 */
static void
vm_mremap_place(vm_map_t map, const struct vm_mremap_piece *p,
    vm_offset_t start, vm_offset_t end)
{
	vm_map_entry_t entry;
	int rv;

	vm_map_assert_locked(map);
	KASSERT(p->object != NULL || (p->eflags & MAP_ENTRY_CHARGED) != 0 ||
	    (p->protection & VM_PROT_WRITE) == 0, ("%s: map %p: writable "
	    "piece [%#jx, %#jx) without a reservation", __func__, (void *)map,
	    (uintmax_t)start, (uintmax_t)end));
	rv = vm_map_insert(map, p->object, p->object != NULL ? p->offset : 0,
	    start, end, p->protection, p->max_protection,
	    (p->inheritance == VM_INHERIT_SHARE ? MAP_INHERIT_SHARE : 0) |
	    (p->object == NULL && (p->eflags & MAP_ENTRY_CHARGED) != 0 ?
	    MAP_ACC_CHARGED : 0));
	if (rv != KERN_SUCCESS)
		panic("%s: map %p [%#jx, %#jx): vm_map_insert: %d", __func__,
		    (void *)map, (uintmax_t)start, (uintmax_t)end, rv);
	if (!vm_map_lookup_entry(map, start, &entry))
		panic("%s: map %p: %#jx not mapped after insertion", __func__,
		    (void *)map, (uintmax_t)start);
	(void)vm_map_clip_start(map, entry, start);
	(void)vm_map_clip_end(map, entry, end);
	KASSERT(entry->start == start && entry->end == end,
	    ("%s: map %p entry %p [%#jx, %#jx) for [%#jx, %#jx)", __func__,
	    (void *)map, (void *)entry, (uintmax_t)entry->start,
	    (uintmax_t)entry->end, (uintmax_t)start, (uintmax_t)end));
	/* (MAP_ENTRY_BACKED is the new entry's: insertion may coalesce.) */
	if (p->object != NULL)
		entry->eflags = (p->eflags & ~MAP_ENTRY_BACKED) |
		    (entry->eflags & MAP_ENTRY_BACKED);
	else
		entry->eflags = (p->eflags & ~(MAP_ENTRY_COW |
		    MAP_ENTRY_NEEDS_COPY | MAP_ENTRY_CHARGED |
		    MAP_ENTRY_BACKED)) |
		    (entry->eflags & (MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY |
		    MAP_ENTRY_CHARGED | MAP_ENTRY_BACKED));
	entry->inheritance = p->inheritance;
	entry->cold->wired_count = p->wired_count;
	if (p->take_counts && p->object != NULL) {
		if ((entry->eflags & MAP_ENTRY_WRITECNT) != 0)
			vm_pager_update_writecount(entry->cold->object, start,
			    end);
		vm_map_entry_set_vnode_text(entry, true);
	}
	entry->cold->next_read = start;
	entry->read_ahead = 0;
	if (entry->cold->wired_count > 0)
		vm_mremap_enter_wired(map, entry);
	vm_map_try_merge_entries(map, vm_map_entry_pred(entry), entry);
	vm_map_try_merge_entries(map, entry, vm_map_entry_succ(entry));
}

/*
 * Map the extension [start, end) after a mapping whose last piece is last
 * (NetBSD's uvm_mapent_extend): same protections, inheritance and advice,
 * not wired.  Anonymous memory (or memory never touched) grows by new
 * zero-fill memory; any other object by its pages that follow the piece,
 * copy-on-write if the piece is.  charged: the caller reserved the
 * extension's swap (vm_mremap_extend_charged).
 *
 * => map locked exclusively; [start, end) free.
 */
static void
vm_mremap_extend(vm_map_t map, const struct vm_mremap_piece *last,
    vm_offset_t start, vm_offset_t end, bool charged)
{
	struct vm_mremap_piece x = *last;
	bool anon = true;

	x.eflags &= ~(MAP_ENTRY_USER_WIRED | MAP_ENTRY_CHARGED);
	if (charged)
		x.eflags |= MAP_ENTRY_CHARGED;
	x.wired_count = 0;
	x.take_counts = true;
	if (x.object != NULL) {
		VM_OBJECT_RLOCK(x.object);
		anon = (x.object->flags & OBJ_ANON) != 0;
		VM_OBJECT_RUNLOCK(x.object);
	}
	if (anon) {
		x.object = NULL;
		x.offset = 0;
		x.eflags &= ~VM_MREMAP_EFLAGS_COUNTED;
	} else {
		vm_object_reference(x.object);
		x.offset += last->end - last->start;
		if ((x.eflags & MAP_ENTRY_COW) != 0)
			x.eflags |= MAP_ENTRY_NEEDS_COPY;
	}
	vm_mremap_place(map, &x, start, end);
}

/*
 * Does the extension after last need a swap reservation?  As for a new
 * mapping (vm_map_insert): writable memory that only swap can back, new
 * anonymous memory or a private copy of the object's following pages.
 */
static bool
vm_mremap_extend_charged(const struct vm_mremap_piece *last)
{
	bool anon = true;

	if ((last->protection & VM_PROT_WRITE) == 0)
		return (false);
	if (last->object != NULL) {
		VM_OBJECT_RLOCK(last->object);
		anon = (last->object->flags & OBJ_ANON) != 0;
		VM_OBJECT_RUNLOCK(last->object);
	}
	return (anon || (last->eflags & MAP_ENTRY_COW) != 0);
}

/* The argument checks of NetBSD's sys_mremap and uvm_mremap. */
static int
vm_mremap_args(struct vmspace *vs, vm_offset_t oldp, vm_size_t *oldsizep,
    vm_offset_t *newp, vm_size_t *newsizep, int flags, vm_size_t *alignp)
{
	vm_size_t oldsize = *oldsizep, newsize = *newsizep, align = 0;
	bool fixed = (flags & VM_MAP_FIXED) != 0;
	u_int shift;

	if (vs == NULL || newp == NULL)
		return (EINVAL);
	if ((flags & ~VM_MREMAP_FLAGS) != 0)
		return (EINVAL);
	/* The sizes are rounded up to pages (NetBSD's code). */
	if (oldsize == 0 || newsize == 0 || oldsize > UINT64_MAX - PAGE_MASK ||
	    newsize > UINT64_MAX - PAGE_MASK)
		return (EINVAL);
	oldsize = round_page(oldsize);
	newsize = round_page(newsize);
	if ((oldp & PAGE_MASK) != 0 || (fixed && (*newp & PAGE_MASK) != 0))
		return (EINVAL);
	if (oldp + oldsize < oldp || (fixed && *newp + newsize < *newp))
		return (EINVAL);
	shift = ((u_int)flags & (u_int)VM_MAP_ALIGNMENT_MASK) >>
	    VM_MAP_ALIGNMENT_SHIFT;
	if (shift != 0) {
		if (shift >= 64 || shift < PAGE_SHIFT)
			return (EINVAL);
		align = (vm_size_t)1 << shift;
		if (align >= vm_map_max(vs_map(vs)))
			return (ENOMEM);
		if (fixed) {
			if ((*newp & (align - 1)) != 0)
				return (EINVAL);
			align = 0;
		}
	}
	*oldsizep = oldsize;
	*newsizep = newsize;
	*alignp = align;
	return (0);
}

__exported int
vm_mremap(struct vmspace *vs, vm_offset_t oldp, vm_size_t oldsize,
    vm_offset_t *newp, vm_size_t newsize, int flags)
{
	struct vm_mremap_piece *pieces = NULL, lastp;
	vm_map_entry_t last;
	vm_map_t map;
	vm_offset_t oldend, target, wire_start = 0, wire_end = 0;
	vm_size_t align, movesize, added;
	size_t n, np, more, i;
	bool fixed, dup, inplace, wired_new = false, charge_ext = false;
	int error, max;

	error = vm_mremap_args(vs, oldp, &oldsize, newp, &newsize, flags,
	    &align);
	if (error != 0)
		return (error);
	fixed = (flags & VM_MAP_FIXED) != 0;
	dup = (flags & VM_MAP_REMAPDUP) != 0;
	oldend = oldp + oldsize;
	movesize = MIN(oldsize, newsize);
	map = vs_map(vs);

	vm_map_lock(map);
again:
	error = vm_mremap_check_old(map, oldp, oldend, &n);
	if (error == EAGAIN)
		goto again;
	if (error != 0)
		goto out;
	(void)vm_map_lookup_entry(map, oldend - 1, &last);
	vm_mremap_piece_of(last, &lastp);
	lastp.start = MAX(lastp.start, oldp);
	lastp.offset += lastp.start - last->start;
	lastp.end = oldend;

	/* The place: NetBSD's easy cases first, in place. */
	inplace = !dup && (!fixed || *newp == oldp) &&
	    (align == 0 || (oldp & (align - 1)) == 0);
	target = oldp;
	if (inplace && newsize > oldsize &&
	    !vm_mremap_range_free(map, oldend, oldp + newsize)) {
		if (fixed) {
			error = ENOMEM;
			goto out;
		}
		inplace = false;
	}
	if (!inplace) {
		if (fixed) {
			target = *newp;
			if (!vm_mremap_range_free(map, target,
			    target + newsize)) {
				error = ENOMEM;
				goto out;
			}
		} else if (!vm_mremap_findspace(vs, *newp, newsize, align,
		    &target)) {
			error = ENOMEM;
			goto out;
		}
	}

	/* Limits, before anything changes. */
	added = dup ? newsize : newsize > oldsize ? newsize - oldsize : 0;
	if (added > 0 && (map->size + added < map->size ||
	    map->size + added > vs->vm_rlimit[VM_RLIMIT_AS].cur)) {
		error = ENOMEM;
		goto out;
	}
	wired_new = added > 0 && (map->flags & MAP_WIREFUTURE) != 0 &&
	    (dup || lastp.protection != VM_PROT_NONE);
	if (wired_new && ptoa(vs->vm_uwired) + added >
	    vs->vm_rlimit[VM_RLIMIT_MEMLOCK].cur) {
		error = ENOMEM;
		goto out;
	}
	/*
	 * Entries: the two clips of the old range and the extension, and
	 * for a duplicate its pieces too (a move deletes as many as it
	 * makes).
	 */
	more = 3 + (dup ? n : 0);
	max = atomic_load(&vm_map_entries_max);
	if (max > 0 && (size_t)map->nentries + more > (size_t)max) {
		error = ENOMEM;
		goto out;
	}

	/* The extension's swap, under strict overcommit the last check. */
	if (newsize > oldsize && vm_mremap_extend_charged(&lastp)) {
		if (!swap_reserve(newsize - oldsize)) {
			error = ENOMEM;
			goto out;
		}
		charge_ext = true;
	}

	if (inplace) {
		/* Nothing can fail from here on. */
		if (newsize < oldsize)
			(void)vm_map_delete(map, oldp + newsize, oldend);
		else if (newsize > oldsize) {
			vm_mremap_extend(map, &lastp, oldend, oldp + newsize,
			    charge_ext);
			wire_start = oldend;
			wire_end = oldp + newsize;
		}
		goto done;
	}

	pieces = calloc(n, sizeof(*pieces));
	if (pieces == NULL) {
		if (charge_ext)
			swap_release(newsize - oldsize);
		error = ENOMEM;
		goto out;
	}
	/* Nothing can fail from here on. */
	np = vm_mremap_collect(map, oldp, oldp + movesize, dup, pieces);
	if (!dup) {
		if (map->pmap != NULL)
			pmap_remove(map->pmap, oldp, oldp + movesize);
		(void)vm_map_delete(map, oldp, oldend);
	}
	for (i = 0; i < np; i++)
		vm_mremap_place(map, &pieces[i], target + (pieces[i].start -
		    oldp), target + (pieces[i].end - oldp));
	/*
	 * The extension follows the last piece, whose object (if any) the
	 * new entry now holds.
	 */
	if (newsize > oldsize)
		vm_mremap_extend(map, &pieces[np - 1], target + oldsize,
		    target + newsize, charge_ext);
	wire_start = dup ? target : target + oldsize;
	wire_end = target + newsize;
done:
	*newp = target;
out:
	vm_map_unlock(map);
	free(pieces);
	/* mlockall(MCL_FUTURE): the new memory is wired (vm_mmap's rule). */
	if (error == 0 && wired_new && wire_start < wire_end)
		(void)vm_map_wire(map, wire_start, wire_end, VM_MAP_WIRE_USER |
		    VM_MAP_WIRE_HOLESOK);
	return (error);
}
