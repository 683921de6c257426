/*
 * The page-fault handler.
 *
 * A fault at vaddr asks the map what backs it (vm_map_lookup: the entry,
 * its top object "first_object" and the page index there, the protection
 * to map with), then finds the page: first in first_object, then down the
 * shadow chain, and, failing everywhere, a zero-filled page in
 * first_object.  A write that finds its page in a backing object copies
 * it into first_object (copy on write), or, when the backing object
 * belongs to this chain alone, moves the page up instead (v_cow_optim).
 * A read that finds it below maps it read-only, so that the first write
 * faults again.  The page is then entered into the pmap, and the resident
 * neighbours of a faulting page are mapped too (prefault).
 *
 * Two paths.  The soft fast path handles the common fault on a resident,
 * valid page of first_object with the object only read-locked, so faults
 * on one object run in parallel (seed 002 rev 1.222); everything else takes
 * the slow path with first_object write-locked, the fast path's read lock
 * upgraded when the fault is its only holder (then a page the fast path
 * did not find is not looked for again).
 *
 * Locks, in order: the map lock (shared, held for the whole fault so the
 * entry stays valid), first_object, the object the walk is in (each
 * object below first_object is locked while the walk is in it; the next
 * one is locked before the previous is released), the page's busy lock
 * (the page the fault works on is exclusively busied), pmap locks.  Every
 * object visited carries paging_in_progress until the fault ends, so a
 * collapse never moves the pages under it.  A fault that must sleep (a
 * busy page, no free page, no page-table page: seed 001's PMAP_CANFAIL)
 * releases everything first and starts again from the lookup.
 */
#include <errno.h>
#include <string.h>

#include <sys/systm.h>
#include <sys/proc.h>
#include <pmap/pmap.h>
#include <vm/vm_fault.h>
#include <vm/vm_map.h>
#include <vm/vm_meter.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_pager.h>
#include <vm/swap_pager.h>

#define	PFBAK	4	/* prefault: pages behind the faulting one */
#define	PFFOR	4	/* and ahead of it */

/* The state of one fault, passed between the steps. */
struct faultstate {
	/* What faulted. */
	vm_map_t	map;
	vm_offset_t	vaddr;
	vm_prot_t	fault_type;
	int		fault_flags;
	vm_page_t	*m_hold;
	/* What the map said. */
	vm_map_entry_t	entry;
	vm_prot_t	prot;
	bool		wired;
	vm_object_t	first_object;	/* write-locked on the slow path */
	vm_pindex_t	first_pindex;
	/* Where the walk is. */
	vm_object_t	object;		/* locked, pip held */
	vm_pindex_t	pindex;
	vm_page_t	m;		/* exclusively busied */
	bool		fresh;		/* m was zero-filled or copied here */
	bool		needzero;	/* m is new and not known zero */
	vm_page_t	cow_src;	/* busied source of m's copy */
	vm_object_t	cow_obj;	/* its object (pip held) */
	vm_page_t	cow_next;	/* a hint: the source of the next
					   copy, if the copies go upward */
	bool		shared_first;	/* first_object not ONEMAPPING */
	int		oom_waits;	/* vm_fault_oom's fruitless waits */
	bool		fast_named;	/* the fast path mapped a page of a
					   named object (file, shm) */
	bool		first_absent;	/* first_object has no page at
					   first_pindex, as seen by the fast
					   path under a lock held since */
	int		rv;		/* KERN_* of a FAULT_FAILURE */
};

/* What a step of the fault decided. */
enum fault_status {
	FAULT_SUCCESS,		/* the page is mapped */
	FAULT_RESTART,		/* everything released: look up again */
	FAULT_FAILURE,		/* everything released: give up */
	FAULT_CONTINUE,		/* the fast path missed: on to the slow */
};

/* ---- releasing -------------------------------------------------------- */

/*
 * Drop the walk's object locks and paging references (first_object's
 * too), keeping the map.  fs->m, if busied, must have been dealt with.
 */
static void
vm_fault_unlock_objects(struct faultstate *fs)
{
	if (fs->object != fs->first_object) {
		VM_OBJECT_WUNLOCK(fs->object);
		vm_object_pip_wakeup(fs->object);
	}
	VM_OBJECT_WUNLOCK(fs->first_object);
	vm_object_pip_wakeup(fs->first_object);
	fs->object = fs->first_object = NULL;
}

/* The objects are unlocked already: drop their paging references. */
static void
vm_fault_pip_release(struct faultstate *fs)
{
	if (fs->object != fs->first_object)
		vm_object_pip_wakeup(fs->object);
	vm_object_pip_wakeup(fs->first_object);
	fs->object = fs->first_object = NULL;
}

static void
vm_fault_unlock_all(struct faultstate *fs)
{
	vm_fault_unlock_objects(fs);
	vm_map_lookup_done(fs->map, fs->entry);
}

/* Busy page: release everything, wait for it, and start over. */
static enum fault_status
vm_fault_busy_sleep(struct faultstate *fs)
{
	vm_object_t obj = fs->object;
	vm_page_t m = fs->m;

	/* Keeps obj (and so m's identity check) alive while we sleep. */
	vm_object_reference(obj);
	if (obj != fs->first_object) {
		VM_OBJECT_WUNLOCK(fs->first_object);
		vm_object_pip_wakeup(fs->first_object);
	}
	vm_object_pip_wakeup(obj);
	vm_map_lookup_done(fs->map, fs->entry);
	/* Drops obj's lock. */
	if (!vm_page_busy_sleep(m, "vmpfw", 0))
		VM_OBJECT_ASSERT_UNLOCKED(obj);
	vm_object_deallocate(obj);
	fs->object = fs->first_object = NULL;
	return (FAULT_RESTART);
}

/*
 * Out of memory: release everything, wait for free pages, start over.
 * The page daemon makes room, or its OOM killer takes the largest address
 * space; a fault that has still waited VM_FAULT_OOM_WAITS times without
 * memory coming back fails with KERN_RESOURCE_SHORTAGE rather than hang
 * for ever (a protected address space alone is left).
 */
#define	VM_FAULT_OOM_WAITS	100	/* 5 s: the OOM killer acts first */
#define	VM_FAULT_OOM_TIMO_MS	50

static enum fault_status
vm_fault_oom(struct faultstate *fs)
{
	vm_fault_unlock_all(fs);
	if (vm_wait_timo(VM_FAULT_OOM_TIMO_MS) != 0 &&
	    ++fs->oom_waits >= VM_FAULT_OOM_WAITS) {
		fs->rv = KERN_RESOURCE_SHORTAGE;
		return (FAULT_FAILURE);
	}
	return (FAULT_RESTART);
}

/* ---- the fast path ------------------------------------------------------ */

/* A fault found a page swap read ahead: count the use (once). */
static inline void
vm_fault_readahead_used(vm_page_t m)
{
	if (__predict_false((vm_page_astate_load(m).flags &
	    PGA_READAHEAD) != 0)) {
		vm_page_aflag_clear(m, PGA_READAHEAD);
		swap_pager_ra_hit();
	}
}

/*
 * A resident, valid, unbusied page of first_object: map it with the object
 * only read-locked.  No busy lock is taken either: the read lock keeps the
 * page in the object, and pmap_enter arbitrates concurrent entries of
 * one address (a compare-and-swap of the PTE under the page's pv lock).
 *
 * => FAULT_SUCCESS: mapped, first_object unlocked.  FAULT_CONTINUE: the
 *    slow path's turn, first_object still read-locked (the caller
 *    upgrades it), and fs->first_absent set if it has no page here.
 */
static enum fault_status
vm_fault_soft_fast(struct faultstate *fs)
{
	vm_page_t m;
	int rv;

	VM_OBJECT_RLOCK(fs->first_object);
	if (fs->first_pindex >= fs->first_object->size)
		return (FAULT_CONTINUE);	/* the slow path says so */
	m = vm_page_lookup(fs->first_object, fs->first_pindex);
	if (m == NULL) {
		fs->first_absent = true;
		return (FAULT_CONTINUE);
	}
	if (!vm_page_all_valid(m) || vm_page_busied(m))
		return (FAULT_CONTINUE);
	vm_fault_readahead_used(m);
	/* A writable mapping may dirty the page without faulting again. */
	if ((fs->prot & VM_PROT_WRITE) != 0)
		vm_object_set_writeable_dirty(fs->first_object);
	rv = pmap_enter(fs->map->pmap, fs->vaddr, m, fs->prot,
	    (fs->fault_type & VM_PROT_ALL) | PMAP_ENTER_NOSLEEP, 0);
	if (rv != KERN_SUCCESS)
		return (FAULT_CONTINUE);
	if ((fs->fault_type & VM_PROT_WRITE) != 0)
		vm_page_dirty(m);
	/* Read under the lock: the flags are the object's (o). */
	fs->fast_named = (fs->first_object->flags & OBJ_ANON) == 0;
	VM_OBJECT_RUNLOCK(fs->first_object);
	return (FAULT_SUCCESS);
}

/* ---- the slow path -------------------------------------------------- */

/*
 * Zero fill: no object in the chain has the page.  A page already known to
 * be zero is not zeroed again (v_ozfod).
 *
 * => fs->object is the bottom object, locked; first_object locked.
 */
static enum fault_status
vm_fault_zerofill(struct faultstate *fs)
{
	vm_page_t m;

	if ((fs->fault_flags & VM_FAULT_NOFILL) != 0) {
		vm_fault_unlock_all(fs);
		fs->rv = KERN_OUT_OF_BOUNDS;
		return (FAULT_FAILURE);
	}
	if (fs->object != fs->first_object) {
		VM_OBJECT_WUNLOCK(fs->object);
		vm_object_pip_wakeup(fs->object);
		fs->object = fs->first_object;
		fs->pindex = fs->first_pindex;
	}
	/*
	 * The page is zeroed after the object locks are dropped (its busy
	 * lock keeps it ours), unless it is known to be zero already
	 * (PG_ZERO: fresh memory, a freed page-table page).
	 */
	m = vm_page_alloc(fs->first_object, fs->first_pindex,
	    VM_ALLOC_NORMAL | VM_ALLOC_NOWAIT | VM_ALLOC_ZERO_HINT);
	if (m == NULL)
		return (vm_fault_oom(fs));
	fs->needzero = (atomic_load_explicit(&m->flags,
	    memory_order_relaxed) & PG_ZERO) == 0;
	if (!fs->needzero)
		VM_CNT_INC(v_ozfod);
	VM_CNT_INC(v_zfod);
	fs->m = m;
	fs->fresh = true;
	return (FAULT_SUCCESS);
}

/*
 * Copy on write: fs->m was found in a backing object; give first_object
 * its own copy.  When the backing object is the direct backing object of
 * first_object and nothing else references it, nobody else can see the
 * page: move it up instead of copying (v_cow_optim).
 *
 * => fs->object (the backing object) and first_object locked; fs->m
 *    busied in fs->object.  On success fs->m is the page of first_object.
 */
static enum fault_status
vm_fault_cow(struct faultstate *fs)
{
	vm_object_t obj = fs->object;
	vm_page_t m = fs->m, copy, prev, next;

	if (obj == fs->first_object->backing_object &&
	    atomic_load(&obj->ref_count) == 1 && obj->shadow_count == 1 &&
	    (obj->flags & OBJ_ANON) != 0 && vm_page_wired(m) == 0 &&
	    vm_page_lookup(fs->first_object, fs->first_pindex) == NULL) {
		/*
		 * Other mappings of the page are read-only mappings through
		 * this same chain: they stay correct once the page belongs
		 * to first_object, and our pmap_enter replaces ours.
		 */
		if (vm_page_rename(m, fs->first_object, fs->first_pindex) ==
		    0) {
			obj->generation++;
			VM_CNT_INC(v_cow_optim);
			VM_OBJECT_WUNLOCK(obj);
			vm_object_pip_wakeup(obj);
			fs->object = fs->first_object;
			fs->pindex = fs->first_pindex;
			fs->fresh = true;	/* no prefault: see vm_fault_once */
			return (FAULT_SUCCESS);
		}
	}
	copy = vm_page_alloc(fs->first_object, fs->first_pindex,
	    VM_ALLOC_NORMAL | VM_ALLOC_NOWAIT);
	if (copy == NULL) {
		vm_page_xunbusy(m);
		fs->m = NULL;
		return (vm_fault_oom(fs));
	}
	/*
	 * When the faults go upward (first_object has the page below this
	 * one already), the next one will likely copy obj's next page:
	 * vm_fault_once has its lines fetched as this fault ends.  Both
	 * neighbours are the pages' neighbours on their objects' memq (in
	 * pindex order; both objects are locked).  Only a hint: the page may
	 * be gone by then, and a prefetch of it is harmless.
	 */
	prev = TAILQ_PREV(copy, pglist, listq);
	next = TAILQ_NEXT(m, listq);
	fs->cow_next = prev != NULL && prev->pindex + 1 == fs->first_pindex &&
	    next != NULL && next->pindex == m->pindex + 1 ? next : NULL;
	/*
	 * The copy itself is made once the object locks are dropped
	 * (vm_fault_fill): m stays busy in obj, whose paging reference
	 * keeps a collapse from moving it.
	 */
	VM_OBJECT_WUNLOCK(obj);
	fs->cow_src = m;
	fs->cow_obj = obj;
	fs->object = fs->first_object;
	fs->pindex = fs->first_pindex;
	fs->m = copy;
	fs->fresh = true;
	return (FAULT_SUCCESS);
}

/* ---- paging in ------------------------------------------------------------ */

/*
 * Read-ahead (seed 000): a fault at the address just past the previous
 * read is sequential, and the window grows arithmetically with each such
 * fault, by VM_FAULT_READ_AHEAD_MIN + 1 pages, up to the maximum; only at
 * the maximum are the pages behind the reader unmapped and deactivated
 * (cache-behind), their referenced bits cleared so the page daemon takes
 * them first.  MADV_SEQUENTIAL starts at the maximum, MADV_RANDOM reads
 * only the page.  Other faults read the aligned cluster of
 * VM_FAULT_READ_DEFAULT pages around the page.
 *
 * The entry's read-ahead state is updated under the shared map lock, as
 * FreeBSD does: a lost update only mistimes a window.
 */
#define	VM_FAULT_READ_AHEAD_MIN		7
#define	VM_FAULT_READ_AHEAD_INIT	15
#define	VM_FAULT_READ_AHEAD_MAX		MIN(VM_PAGER_MAX_RUN - 1, UINT8_MAX)
#define	VM_FAULT_READ_DEFAULT		(1 + VM_FAULT_READ_AHEAD_INIT)
#define	VM_FAULT_DONTNEED_MIN		1048576

static inline vm_offset_t
entry_next_read(vm_map_entry_t e)
{
	return (__atomic_load_n(&e->cold->next_read, __ATOMIC_RELAXED));
}

/*
 * Cache-behind: unmap the pages of the window behind vaddr and move them
 * to the inactive queue's head without their referenced bits.
 */
static void
vm_fault_dontneed(struct faultstate *fs, vm_object_t object, int ahead)
{
	vm_map_entry_t entry = fs->entry;
	vm_offset_t end, start;
	vm_pindex_t pstart, pend;
	vm_page_t m, next;

	end = fs->vaddr;
	if (end - entry->start < (vm_size_t)ptoa(ahead + 1))
		return;
	start = end - ptoa(ahead + 1);
	if (start < entry->start)
		start = entry->start;
	if (end - start < PAGE_SIZE)
		return;
	pstart = OFF_TO_IDX(entry->cold->offset + (start - entry->start));
	pend = OFF_TO_IDX(entry->cold->offset + (end - entry->start));
	pmap_remove(fs->map->pmap, start, end);
	for (m = vm_page_find_least(object, pstart); m != NULL &&
	    m->pindex < pend; m = next) {
		next = TAILQ_NEXT(m, listq);
		if (vm_page_busied(m) || vm_page_wired(m) != 0)
			continue;
		vm_page_aflag_clear(m, PGA_REFERENCED);
		if (!pmap_page_is_mapped(m))
			vm_page_deactivate_noreuse(m);
	}
}

static int
vm_fault_readahead(struct faultstate *fs, vm_object_t object)
{
	vm_map_entry_t entry = fs->entry;
	int era, nera;

	era = __atomic_load_n(&entry->read_ahead, __ATOMIC_RELAXED);
	switch (entry->eflags & MAP_ENTRY_BEHAV_MASK) {
	case MAP_ENTRY_BEHAV_RANDOM:
		nera = 0;
		break;
	case MAP_ENTRY_BEHAV_SEQUENTIAL:
		nera = VM_FAULT_READ_AHEAD_MAX;
		if (fs->vaddr == entry_next_read(entry))
			vm_fault_dontneed(fs, object, nera);
		break;
	default:
		if (fs->vaddr == entry_next_read(entry)) {
			nera = VM_FAULT_READ_AHEAD_MIN;
			if (era > 0) {
				nera += era + 1;
				if (nera > VM_FAULT_READ_AHEAD_MAX)
					nera = VM_FAULT_READ_AHEAD_MAX;
			}
			if (era == VM_FAULT_READ_AHEAD_MAX)
				vm_fault_dontneed(fs, object, nera);
		} else
			nera = 0;
		break;
	}
	if (era != nera)
		__atomic_store_n(&entry->read_ahead, (uint8_t)nera,
		    __ATOMIC_RELAXED);
	return (nera);
}

/*
 * fs->object's pager has the page: read it (and its neighbours) in, then
 * start the fault over, when the page will be found resident.  Every lock
 * but fs->object's is released for the I/O; the page is busy and
 * fs->object keeps its paging reference.
 *
 * => fs->object and first_object locked, no page busied.
 */
static enum fault_status
vm_fault_getpages(struct faultstate *fs)
{
	vm_object_t object = fs->object;
	vm_map_entry_t entry = fs->entry;
	vm_offset_t e_start, e_end;
	vm_page_t m;
	int ahead, behind, nera, r, cluster, size;

	m = vm_page_alloc(object, fs->pindex, VM_ALLOC_NORMAL |
	    VM_ALLOC_NOWAIT);
	if (m == NULL)
		return (vm_fault_oom(fs));
	/* Cache-behind works on first_object, whose offsets the entry's are
	   (as FreeBSD's vm_fault_dontneed). */
	nera = vm_fault_readahead(fs, fs->first_object);
	e_start = entry->start;
	e_end = entry->end;
	if (nera > 0) {
		behind = 0;
		ahead = nera;
	} else if ((entry->eflags & MAP_ENTRY_BEHAV_MASK) ==
	    MAP_ENTRY_BEHAV_RANDOM) {
		behind = ahead = 0;
	} else {
		/*
		 * Not sequential: FreeBSD's aligned block around the page,
		 * whose size swap adapts to how much of its last read-ahead
		 * was used (swap_pager_ra_window), so random faults read
		 * one page and not sixteen.
		 */
		size = object->type == OBJT_SWAP ? swap_pager_ra_window() :
		    VM_FAULT_READ_DEFAULT;
		cluster = (int)(fs->pindex % (vm_pindex_t)size);
		behind = (int)MIN((vm_size_t)cluster,
		    atop(fs->vaddr - e_start));
		ahead = size - 1 - cluster;
	}
	ahead = (int)MIN((vm_size_t)ahead, atop(e_end - fs->vaddr) - 1);

	if (fs->object != fs->first_object) {
		VM_OBJECT_WUNLOCK(fs->first_object);
		vm_object_pip_wakeup(fs->first_object);
	}
	/*
	 * Where a sequential reader faults next, if the pager brings in
	 * what is asked for (as FreeBSD, recorded before the map is let go:
	 * afterwards the entry may be clipped, freed or reused).
	 */
	__atomic_store_n(&entry->cold->next_read, fs->vaddr + ptoa(ahead + 1),
	    __ATOMIC_RELAXED);
	vm_map_lookup_done(fs->map, fs->entry);
	r = vm_pager_get_pages(object, &m, 1, &behind, &ahead);
	if (r == VM_PAGER_OK) {
		VM_CNT_INC(v_io_faults);
		vm_page_activate(m);
		vm_page_xunbusy(m);
	} else {
		if (vm_page_remove(m))
			vm_page_free(m);
	}
	VM_OBJECT_WUNLOCK(object);
	vm_object_pip_wakeup(object);
	fs->object = fs->first_object = NULL;
	fs->m = NULL;
	if (r != VM_PAGER_OK) {
		/* Past the end of the file, or an I/O error: SIGBUS. */
		fs->rv = KERN_OUT_OF_BOUNDS;
		return (FAULT_FAILURE);
	}
	return (FAULT_RESTART);
}

/*
 * Walk down the chain from first_object until a page is found (busied)
 * or the bottom is reached (zero fill).  A named object at the bottom
 * (a file, shared memory) ends the walk: its pager reads the page in,
 * and past its end the access is SIGBUS.
 */
static enum fault_status
vm_fault_find_page(struct faultstate *fs)
{
	vm_object_t next;
	vm_page_t m;

	for (;;) {
		/* The fast path may have looked in first_object already. */
		KASSERT(!fs->first_absent || (fs->object == fs->first_object &&
		    vm_page_lookup(fs->object, fs->pindex) == NULL),
		    ("%s: a page appeared in %p at %ju under its lock",
		    __func__, (void *)fs->object, (uintmax_t)fs->pindex));
		m = fs->first_absent ? NULL :
		    vm_page_lookup(fs->object, fs->pindex);
		fs->first_absent = false;
		if (m != NULL) {
			fs->m = m;
			if (!vm_page_tryxbusy(m))
				return (vm_fault_busy_sleep(fs));
			vm_fault_readahead_used(m);
			if (!vm_page_all_valid(m)) {
				/*
				 * Anonymous memory has no pager to read the
				 * rest from: an invalid page left behind is
				 * zero.
				 */
				vm_page_zero_invalid(m, true);
			}
			return (FAULT_SUCCESS);
		}
		/* Paged out to swap: read it back. */
		if ((fs->object->flags & OBJ_ANON) != 0 &&
		    fs->object->type == OBJT_SWAP &&
		    fs->pindex < fs->object->size &&
		    swap_pager_has_slot(fs->object, fs->pindex))
			return (vm_fault_getpages(fs));
		if ((fs->object->flags & OBJ_ANON) == 0 &&
		    fs->object->type != OBJT_DEFAULT) {
			if (fs->pindex >= fs->object->size) {
				vm_fault_unlock_all(fs);
				fs->rv = KERN_OUT_OF_BOUNDS;
				return (FAULT_FAILURE);
			}
			/* Even for a core dump (NOFILL), as FreeBSD reads. */
			if (vm_pager_has_page(fs->object, fs->pindex, NULL,
			    NULL))
				return (vm_fault_getpages(fs));
		}
		next = fs->object->backing_object;
		if (next == NULL ||
		    fs->pindex >= fs->object->size)
			return (vm_fault_zerofill(fs));
		VM_OBJECT_WLOCK(next);
		vm_object_pip_add(next, 1);
		fs->pindex += OFF_TO_IDX(fs->object->backing_object_offset);
		if (fs->object != fs->first_object) {
			VM_OBJECT_WUNLOCK(fs->object);
			vm_object_pip_wakeup(fs->object);
		}
		fs->object = next;
	}
}

/*
 * Map the resident neighbours of the faulting page read-only (a write
 * faults once more to get write access), so that a sequential reader
 * faults once per few pages.
 * Only first_object's own pages are considered: a page below it may be
 * replaced by a copy at any time.  Best effort, never sleeps.
 *
 * => map read-locked; no object locks.
 */
static void
vm_fault_prefault(struct faultstate *fs, vm_object_t object)
{
	vm_map_entry_t entry = fs->entry;
	vm_offset_t start, end, va;
	vm_pindex_t pi;
	vm_page_t m;

	if ((entry->eflags & MAP_ENTRY_BEHAV_MASK) == MAP_ENTRY_BEHAV_RANDOM)
		return;
	start = fs->vaddr - ptoa(MIN(PFBAK, atop(fs->vaddr - entry->start)));
	end = MIN(entry->end, fs->vaddr + ptoa(PFFOR + 1));
	pi = OFF_TO_IDX(entry->cold->offset + (start - entry->start));
	if (!VM_OBJECT_TRYRLOCK(object))
		return;
	for (m = vm_page_find_least(object, pi); m != NULL;
	    m = TAILQ_NEXT(m, listq)) {
		va = entry->start + ptoa(m->pindex) - entry->cold->offset;
		if (va >= end)
			break;
		if (va == fs->vaddr || !vm_page_all_valid(m) ||
		    vm_page_busied(m))
			continue;
		pmap_enter_quick(fs->map->pmap, va, m,
		    fs->prot & (VM_PROT_READ | VM_PROT_EXECUTE));
	}
	VM_OBJECT_RUNLOCK(object);
}

/*
 * With the object locks dropped (the pages involved are busy, the objects
 * held by their paging references): zero a new page, or make the copy of
 * a copy-on-write fault.
 *
 * A first_object shared read/write by several address spaces (a
 * SHARE-inherited entry that was still copy-on-write) may have
 * translations of the source page in the others' pmaps, made when
 * first_object had no page here.  They would keep reading the original
 * after the copy (CVE-2021-29626): remove them.  A private first_object
 * is mapped only here, and pmap_enter replaces our own translation.  The
 * source stays busy meanwhile, so no new translation of it appears.
 */
static void
vm_fault_fill(struct faultstate *fs)
{
	bool filled = fs->needzero || fs->cow_src != NULL;

	if (fs->needzero)
		pmap_zero_page(fs->m);
	if (fs->cow_src != NULL) {
		pmap_copy_page(fs->cow_src, fs->m);
		if (fs->shared_first)
			pmap_remove_all(fs->cow_src);
		vm_page_xunbusy(fs->cow_src);
		vm_object_pip_wakeup(fs->cow_obj);
		fs->cow_src = NULL;
		fs->cow_obj = NULL;
		VM_CNT_INC(v_cow_faults);
	}
	if (fs->fresh)
		vm_page_valid(fs->m);
	/*
	 * The next zero fill or copy on this CPU writes in cache (and the
	 * next copy's source is asked for as the fault ends).
	 */
	if (filled)
		vm_page_prefetch_next(fs->first_object, fs->first_pindex + 1);
}

/* One attempt at the fault, from the lookup on. */
static int
vm_fault_once(struct faultstate *fs, enum fault_status *status)
{
	enum fault_status res;
	vm_object_t prefault_obj;
	int rv;

	fs->rv = KERN_SUCCESS;
	rv = vm_map_lookup(&fs->map, fs->vaddr, fs->fault_type, &fs->entry,
	    &fs->first_object, &fs->first_pindex, &fs->prot, &fs->wired);
	if (rv != KERN_SUCCESS) {
		*status = FAULT_FAILURE;
		return (rv);
	}
	/* A wired entry is faulted in for everything it allows (FreeBSD). */
	if (fs->wired)
		fs->fault_type = fs->prot | (fs->fault_type & VM_PROT_COPY);
	/*
	 * After the fast path's miss, its read lock is upgraded when this
	 * fault is its only holder, as FreeBSD's fault does: the lock was
	 * never let go, and what the fast path saw still holds (a zero fill
	 * or a copy skips looking in first_object again).  Relocked instead,
	 * anything may have changed meanwhile.
	 */
	fs->first_absent = false;
	if (fs->wired || fs->m_hold != NULL)
		VM_OBJECT_WLOCK(fs->first_object);
	else if (vm_fault_soft_fast(fs) == FAULT_SUCCESS) {
		/*
		 * A file's page found resident has neighbours read with it
		 * (read-ahead): map them too, as FreeBSD's soft fast path
		 * does.  Anonymous memory rarely has any: skip the walk.
		 */
		if (fs->fast_named)
			vm_fault_prefault(fs, fs->first_object);
		vm_map_lookup_done(fs->map, fs->entry);
		*status = FAULT_SUCCESS;
		return (KERN_SUCCESS);
	} else if (!VM_OBJECT_TRYUPGRADE(fs->first_object)) {
		VM_OBJECT_RUNLOCK(fs->first_object);
		fs->first_absent = false;
		VM_OBJECT_WLOCK(fs->first_object);
	}
	if (fs->first_pindex >= fs->first_object->size) {
		/* Beyond its object: what a pager reports as SIGBUS. */
		VM_OBJECT_WUNLOCK(fs->first_object);
		vm_map_lookup_done(fs->map, fs->entry);
		*status = FAULT_FAILURE;
		return (KERN_OUT_OF_BOUNDS);
	}
	vm_object_pip_add(fs->first_object, 1);
	fs->object = fs->first_object;
	fs->pindex = fs->first_pindex;
	fs->m = NULL;
	fs->fresh = false;
	fs->needzero = false;
	fs->cow_src = NULL;
	fs->cow_next = NULL;
	res = vm_fault_find_page(fs);
	if (res != FAULT_SUCCESS) {
		*status = res;
		return (fs->rv);
	}
	if (fs->object != fs->first_object) {
		if ((fs->fault_type & (VM_PROT_WRITE | VM_PROT_COPY)) != 0) {
			res = vm_fault_cow(fs);
			if (res != FAULT_SUCCESS) {
				*status = res;
				return (fs->rv);
			}
		} else
			fs->prot &= ~VM_PROT_WRITE;
	}

	/*
	 * fs->m is busy, which keeps its identity; the objects keep their
	 * paging references.  Zeroing, copying and the pmap work go on
	 * without the object locks, so that faults on one object overlap.
	 */
	fs->shared_first = (fs->first_object->flags & OBJ_ONEMAPPING) == 0;
	if ((fs->prot & VM_PROT_WRITE) != 0)
		vm_object_set_writeable_dirty(fs->first_object);
	/* A page written again makes its swap copy stale: free the slot. */
	if ((fs->fault_type & VM_PROT_WRITE) != 0 &&
	    fs->first_object->type == OBJT_SWAP &&
	    !pctrie_is_empty(&fs->first_object->swp_blks))
		swap_pager_freespace(fs->first_object, fs->first_pindex, 1);
	prefault_obj = fs->first_object;
	if (fs->object != fs->first_object)
		VM_OBJECT_WUNLOCK(fs->object);
	VM_OBJECT_WUNLOCK(fs->first_object);
	vm_fault_fill(fs);
	rv = pmap_enter(fs->map->pmap, fs->vaddr, fs->m, fs->prot,
	    (fs->fault_type & VM_PROT_ALL) | PMAP_ENTER_NOSLEEP |
	    (fs->wired ? PMAP_ENTER_WIRED : 0), 0);
	if (rv != KERN_SUCCESS) {
		/* No page-table page (seed 001): wait for memory, retry. */
		vm_page_xunbusy(fs->m);
		vm_fault_pip_release(fs);
		vm_map_lookup_done(fs->map, fs->entry);
		if (vm_wait_timo(VM_FAULT_OOM_TIMO_MS) != 0 &&
		    ++fs->oom_waits >= VM_FAULT_OOM_WAITS) {
			*status = FAULT_FAILURE;
			return (KERN_RESOURCE_SHORTAGE);
		}
		*status = FAULT_RESTART;
		return (KERN_SUCCESS);
	}
	if ((fs->fault_type & VM_PROT_WRITE) != 0)
		vm_page_dirty(fs->m);
	if (fs->m_hold != NULL) {
		vm_page_wire(fs->m);
		*fs->m_hold = fs->m;
	}
	vm_page_activate(fs->m);
	vm_page_xunbusy(fs->m);
	vm_fault_pip_release(fs);
	/*
	 * A page zero-filled or copied here means its neighbours are new
	 * or being copied too, or already mapped by the faults that made
	 * them: prefault only when the page was found (a read, or a fault
	 * after the translation went away).
	 */
	if (!fs->wired && fs->m_hold == NULL && !fs->fresh)
		vm_fault_prefault(fs, prefault_obj);
	vm_map_lookup_done(fs->map, fs->entry);
	/*
	 * The next copy of an upward sweep reads in cache.  Asked for here
	 * rather than with the destination's lines after the fill, the 64
	 * lines do not queue behind those 64 (COW 448 -> 430 ns/page,
	 * docs/PERFORMANCE.md).  The page array outlives every page, so
	 * the hint needs no lock.
	 */
	if (fs->cow_next != NULL)
		vm_page_prefetch(fs->cow_next, false);
	*status = FAULT_SUCCESS;
	return (KERN_SUCCESS);
}

int
vm_fault(vm_map_t map, vm_offset_t vaddr, vm_prot_t fault_type,
    int fault_flags, vm_page_t *m_hold)
{
	struct faultstate fs = {
		.map = map, .vaddr = trunc_page(vaddr),
		.fault_type = fault_type & (VM_PROT_ALL | VM_PROT_COPY),
		.fault_flags = fault_flags, .m_hold = m_hold,
	};
	enum fault_status status;
	int rv;

	KASSERT(map->pmap != NULL, ("%s: map %p has no pmap", __func__,
	    (void *)map));
	/* An address space the OOM killer took: SIGKILL. */
	if (map->vmspace != NULL &&
	    atomic_load(&map->vmspace->vm_oom) == VM_OOM_KILLED)
		return (KERN_TERMINATED);
	VM_CNT_INC(v_vm_faults);
	if (m_hold != NULL)
		*m_hold = NULL;
	do {
		rv = vm_fault_once(&fs, &status);
		/* Killed while it waited for memory. */
		if (status == FAULT_RESTART && map->vmspace != NULL &&
		    atomic_load(&map->vmspace->vm_oom) == VM_OOM_KILLED)
			return (KERN_TERMINATED);
	} while (status == FAULT_RESTART);
	return (rv);
}

int
vm_fault_quick_hold_pages(vm_map_t map, vm_offset_t addr, vm_size_t len,
    vm_prot_t prot, vm_page_t *ma, int max_count)
{
	vm_offset_t end, va;
	int count, i;

	if (len == 0)
		return (0);
	end = round_page(addr + len);
	addr = trunc_page(addr);
	if (end < addr || !vm_map_range_valid(map, addr, end))
		return (-1);
	if (atop(end - addr) > (vm_size_t)max_count)
		panic("%s: count %ju > max %d", __func__,
		    (uintmax_t)atop(end - addr), max_count);
	count = (int)atop(end - addr);
	for (i = 0, va = addr; va < end; i++, va += PAGE_SIZE) {
		ma[i] = pmap_extract_and_hold(map->pmap, va, prot);
		if (ma[i] != NULL)
			continue;
		if (vm_fault(map, va, prot, VM_FAULT_NORMAL, &ma[i]) !=
		    KERN_SUCCESS) {
			while (i-- > 0)
				vm_page_unwire(ma[i], PQ_ACTIVE);
			return (-1);
		}
	}
	return (count);
}
