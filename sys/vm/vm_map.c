/*
 * Address-space maps.
 *
 * The entries of a map live in a binary search tree ordered by address.
 * The tree is threaded (seed 000, D21964): where a node has no left (right)
 * child, its left (right) pointer is a thread to its in-order predecessor
 * (successor), tagged by the pointer's low bit, so stepping to a neighbour
 * needs no list and no parent pointer.  The first entry's left thread and
 * the last entry's right thread lead to the header, whose start is the
 * map's maximum and whose end its minimum: the gap before the first entry
 * is first->start - header.end and the gap after the last is
 * header.start - last->end, with no special case (D13735).
 *
 * Every node knows max_free, the largest free gap with an endpoint in its
 * subtree (D17794), as its two sides: free_left is its left child's
 * max_free or, where the left pointer is a thread, the gap to the
 * predecessor; free_right likewise.  The first-fit search
 * (vm_map_findspace) therefore walks one path, going left wherever a
 * node's free_left is large enough, and then splays the gap it found to
 * the root so that the insertion that follows costs O(1).
 *
 * Splaying is top-down: the descent peels the nodes it passes into a left
 * and a right list (rotating on zig-zig steps, which is what makes the
 * amortised bound hold), and the reassembly walks the lists back,
 * re-linking bottom-up.  A rotation or a re-link changes one side of a
 * node, and the new side's value is the max_free of what it received,
 * already in hand; so a splay reads only the nodes on its path (FreeBSD
 * keeps one max_free per node and reads the child off the path to
 * recompute it: on a big map, a cache miss per node).  Only an exclusive
 * holder of the map lock splays; a shared holder searches without changing
 * the tree, unless its path was long: then, if it holds the lock alone, it
 * upgrades to splay (vm_map_lookup_entry).  Changing an entry's bounds
 * next to a free gap changes the stored side that records the gap: the
 * code that does it (the unlink's MERGE_NEXT) recomputes that side from
 * the neighbours; a split or a stack growth moves a boundary between two
 * entries and changes no gap.
 *
 * A node is one cache line: what a search or a splay reads (links,
 * bounds, free sides, flags, protections, the read-ahead window).  The
 * rest of an entry, its object, offset, next expected read and wiring
 * state, is the entry's own cold part (vm_map.h), read only for the entry
 * a caller asked for.  MAP_ENTRY_BACKED in the node says whether there is
 * an object, so that deciding whether a new mapping may extend its
 * neighbour's object opens the neighbour's cold part only when it has one.
 *
 * Lock order: map lock -> object lock -> page queue -> CPU slot.  The map
 * lock is the sx plus the fault handler's per-CPU read counts ("Fast
 * readers" below): a writer holds the sx and waits for the counts.
 * rd_mtx, the writer's interlock for that wait, is a leaf.
 *
 * Invariants (_vm_map_assert_consistent; run on exclusive unlock in
 * INVARIANTS builds once the changes since the last walk exceed the number
 * of entries, D22163, or on every unlock with vm.map_check_always):
 * entries sorted and disjoint inside [min, max); threads lead to the
 * in-order neighbours and the header; every free_left and free_right is
 * exact; every entry has a cold part, not its neighbour's nor the
 * header's, and MAP_ENTRY_BACKED exactly when it has an object; an
 * exclusive holder keeps fast readers out (rd_writer up); nentries and
 * size match the entries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/systm.h>
#include <sys/sleepqueue.h>
#include <sys/sysctl.h>
#include <sys/mutex.h>
#include <sys/pcpu.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_pager.h>
#include <sys/vnode.h>
#include <vm/vm_meter.h>
#include <vm/vm_fault.h>
#include <vm/vm_swap_reserve.h>
#include <pmap/pmap.h>
#include <uma.h>

/* The layout vm_map.h describes: a node is one cache line. */
_Static_assert(sizeof(struct vm_map_entry) == 64,
    "struct vm_map_entry's layout");

/* A fast reader count (see "Fast readers" below), a line each. */
struct vm_map_rdcnt {
	_Atomic long	v;
};
static long vm_map_rd_sum(vm_map_t map);

/* Map entries and vmspaces come from zones (UMA_ZONE_VM). */
static uma_zone_t vm_map_entry_zone;
static uma_zone_t vm_map_entry_cold_zone;
static uma_zone_t vmspace_zone;

const vm_size_t pagesizes[MAXPAGESIZES] = {
	PAGE_SIZE, (vm_size_t)2 << 20, (vm_size_t)1 << 30,
};

/* Tunables; see vm_map_startup() for their sysctl names. */
/* Tunables are atomics: sysctl writes them while maps read them. */
_Atomic int	vm_map_entries_max = 1 << 20;	/* per map; 0: no limit */
_Atomic int	vm_map_check_always = 0;	/* walk on every unlock */
static _Atomic int aslr_enable = 1;	/* new address spaces get MAP_ASLR */
static _Atomic int aslr_honor_sbrk = 1;	/* keep the data segment free */
static _Atomic int aslr_pages_rnd = 0x1000;	/* random pages: 12 bits */
static _Atomic int aslr_super_pages_rnd = 0x10; /* random superpages: 4 bits */
static _Atomic int cluster_anon = 1;	/* group anonymous mappings */
static _Atomic int sgrowsiz = 128 * 1024;	/* stack growth unit */
static _Atomic int stack_guard_page = 1;	/* pages of a stack's guard */
_Atomic int vm_imply_prot_max;		/* mmap's max protection = prot */

/* ---- the threaded tree -------------------------------------------------- */

#define	THREAD_BIT	((uintptr_t)1)

static inline bool
e_child(vm_map_entry_t p)
{
	return (((uintptr_t)p & THREAD_BIT) == 0);
}

static inline vm_map_entry_t
e_ptr(vm_map_entry_t p)
{
	return ((vm_map_entry_t)((uintptr_t)p & ~THREAD_BIT));
}

static inline vm_map_entry_t
e_thread(vm_map_entry_t p)
{
	return ((vm_map_entry_t)((uintptr_t)p | THREAD_BIT));
}

/*
 * max_free of e's subtree: the larger of its two sides.  Each side is
 * stored (free_left, free_right) rather than recomputed from the child or
 * the thread's target, so that a splay, which changes one side of each node
 * it passes, never reads the child it does not pass, nor a neighbour at
 * the end of a thread: on a big map every such read is a cache miss.
 */
static inline vm_size_t
max_free(vm_map_entry_t e)
{
	return (e->free_left > e->free_right ? e->free_left : e->free_right);
}

/* Each side of e recomputed from its child or its thread's target. */
static inline vm_size_t
left_free(vm_map_entry_t e)
{
	return (e_child(e->left) ? max_free(e->left) :
	    e->start - e_ptr(e->left)->end);
}

static inline vm_size_t
right_free(vm_map_entry_t e)
{
	return (e_child(e->right) ? max_free(e->right) :
	    e_ptr(e->right)->start - e->end);
}

static inline void
max_free_update(vm_map_entry_t e)
{
	e->free_left = left_free(e);
	e->free_right = right_free(e);
}

vm_map_entry_t
vm_map_entry_succ(vm_map_entry_t e)
{
	vm_map_entry_t x;

	if (!e_child(e->right))
		return (e_ptr(e->right));
	for (x = e->right; e_child(x->left); x = x->left)
		;
	return (x);
}

vm_map_entry_t
vm_map_entry_pred(vm_map_entry_t e)
{
	vm_map_entry_t x;

	if (!e_child(e->left))
		return (e_ptr(e->left));
	for (x = e->left; e_child(x->right); x = x->right)
		;
	return (x);
}

vm_map_entry_t
vm_map_entry_first(vm_map_t map)
{
	return (e_ptr(map->header.right));
}

/*
 * Splay the subtree rooted at root around addr and return its new root:
 * the entry containing addr, or else the last entry visited, whose
 * missing child on addr's side makes it addr's in-order neighbour.  Threads
 * leaving the subtree are left as they are.
 */
static vm_map_entry_t
vm_map_splay_tree(vm_map_entry_t root, vm_offset_t addr)
{
	vm_map_entry_t x, y, llist, rlist, next, sub;
	vm_size_t m;

	llist = rlist = NULL;
	x = root;
	for (;;) {
		/*
		 * On a big map every node is a cache miss: ask for both
		 * children while x's comparison decides which is next (a
		 * thread's target is prefetched for nothing, harmlessly).
		 */
		__builtin_prefetch(e_ptr(x->left));
		__builtin_prefetch(e_ptr(x->right));
		if (addr < x->start) {
			y = x->left;
			if (!e_child(y))
				break;
			if (addr < y->start && e_child(y->left)) {
				/*
				 * Zig-zig: rotate right at x.  What moves from
				 * y's right to x's left, a subtree or the gap
				 * between them, keeps its size.
				 */
				__builtin_prefetch(y->left);
				x->left = e_child(y->right) ? y->right :
				    e_thread(y);
				x->free_left = y->free_right;
				y->right = x;
				y->free_right = max_free(x);
				x = y;
				y = x->left;
			}
			/* x and its right subtree go to the right list. */
			x->left = rlist;
			rlist = x;
			x = y;
		} else if (addr >= x->end) {
			y = x->right;
			if (!e_child(y))
				break;
			if (addr >= y->end && e_child(y->right)) {
				/* Zag-zag: rotate left at x (as zig-zig). */
				__builtin_prefetch(y->right);
				x->right = e_child(y->left) ? y->left :
				    e_thread(y);
				x->free_right = y->free_left;
				y->left = x;
				y->free_left = max_free(x);
				x = y;
				y = x->right;
			}
			x->right = llist;
			llist = x;
			x = y;
		} else
			break;
	}
	/*
	 * Reassemble.  The left list holds, last first, the nodes smaller than
	 * x: each becomes the right child of the one taken before it, and the
	 * last taken gets x's left subtree (or, if none, a thread to x).  Each
	 * one's right side is then what it received: x's old left side for
	 * the first (x's left subtree, or the gap between the two), the one
	 * before it for the others; its left side did not change.
	 */
	m = x->free_left;
	sub = x->left;
	for (y = llist; y != NULL; y = next) {
		next = y->right;
		y->right = e_child(sub) ? sub : e_thread(x);
		y->free_right = m;
		m = max_free(y);
		sub = y;
	}
	x->left = sub;
	x->free_left = m;
	m = x->free_right;
	sub = x->right;
	for (y = rlist; y != NULL; y = next) {
		next = y->left;
		y->left = e_child(sub) ? sub : e_thread(x);
		y->free_left = m;
		m = max_free(y);
		sub = y;
	}
	x->right = sub;
	x->free_right = m;
	return (x);
}

static inline void
vm_map_splay(vm_map_t map, vm_offset_t addr)
{
	vm_map_assert_locked(map);
	if (map->root != NULL)
		map->root = vm_map_splay_tree(map->root, addr);
}

/*
 * Insert entry, which overlaps nothing, and make it the root.  The caller
 * has splayed at entry->start (vm_map_entry_link does), so the root r is
 * entry's predecessor or successor; entry's other
 * neighbour is the nearest node of r's subtree on that side, which a splay
 * of that subtree brings to its top so that its thread can be retargeted.
 */
static void
vm_map_entry_link_root(vm_map_t map, vm_map_entry_t entry)
{
	vm_map_entry_t r, sub, *near;
	bool before;

	vm_map_assert_locked(map);
	if (map->root == NULL) {
		entry->left = e_thread(&map->header);
		entry->right = e_thread(&map->header);
	} else {
		r = map->root;
		/* r is entry's successor (before) or its predecessor. */
		before = entry->start < r->start;
		KASSERT(before ? entry->end <= r->start : r->end <= entry->start,
		    ("%s: map %p entry %p overlaps %p", __func__, (void *)map,
		    (void *)entry, (void *)r));
		/* entry's other neighbour is the nearest node of that side. */
		near = before ? &r->left : &r->right;
		sub = *near;
		if (e_child(sub)) {
			sub = vm_map_splay_tree(sub, entry->start);
			KASSERT(before ? sub->end <= entry->start :
			    entry->end <= sub->start,
			    ("%s: map %p entry %p overlaps %p", __func__,
			    (void *)map, (void *)entry, (void *)sub));
			/* Only sub's side facing entry changes. */
			if (before) {
				sub->right = e_thread(entry);
				sub->free_right = entry->start - sub->end;
			} else {
				sub->left = e_thread(entry);
				sub->free_left = sub->start - entry->end;
			}
		}
		entry->left = before ? sub : r;
		entry->right = before ? r : sub;
		*near = e_thread(entry);
		if (before)
			r->free_left = r->start - entry->end;
		else
			r->free_right = entry->start - r->end;
	}
	max_free_update(entry);
	map->root = entry;
	if (e_ptr(entry->left) == &map->header)
		map->header.right = e_thread(entry);
	if (e_ptr(entry->right) == &map->header)
		map->header.left = e_thread(entry);
	map->nentries++;
	map->nupdates++;
}

static void
vm_map_entry_link(vm_map_t map, vm_map_entry_t entry)
{
	vm_map_splay(map, entry->start);
	vm_map_entry_link_root(map, entry);
}

enum unlink_op { UNLINK, UNLINK_MERGE_NEXT };

/*
 * Remove entry from the tree.  With UNLINK_MERGE_NEXT, entry's successor
 * takes over entry's range (start and offset) in the same operation, so
 * that the max_free of the nodes around the vanished boundary is computed
 * once, right (vm_map_try_merge_entries).
 */
static void
vm_map_entry_unlink(vm_map_t map, vm_map_entry_t entry, enum unlink_op op)
{
	vm_map_entry_t l, r;

	vm_map_assert_locked(map);
	vm_map_splay(map, entry->start);
	KASSERT(map->root == entry, ("%s: map %p splay for %p found %p",
	    __func__, (void *)map, (void *)entry, (void *)map->root));
	l = entry->left;
	r = entry->right;
	if (e_child(r)) {
		/* Bring entry's successor, the least node of r, to r's top. */
		r = vm_map_splay_tree(r, entry->start);
		if (op == UNLINK_MERGE_NEXT) {
			KASSERT(r->start == entry->end,
			    ("%s: %p and %p are not adjacent", __func__,
			    (void *)entry, (void *)r));
			r->start = entry->start;
			r->cold->offset = entry->cold->offset;
		}
	} else
		KASSERT(op == UNLINK, ("%s: no successor to merge into",
		    __func__));
	if (e_child(l)) {
		/* Entry's predecessor, the greatest node of l, to l's top. */
		l = vm_map_splay_tree(l, entry->start);
		/* Only the sides facing the vanished entry change. */
		if (e_child(r)) {
			r->left = e_thread(l);
			r->free_left = r->start - l->end;
		} else
			map->header.left = e_thread(l);
		l->right = r;
		l->free_right = right_free(l);
		map->root = l;
	} else if (e_child(r)) {
		r->left = l;
		r->free_left = left_free(r);
		map->root = r;
		map->header.right = e_thread(r);
	} else {
		map->root = NULL;
		map->header.left = map->header.right = e_thread(&map->header);
	}
	map->nentries--;
	map->nupdates++;
}

/* ---- entries ------------------------------------------------------------ */

/*
 * Entries come from the host allocator, through a small per-map cache of
 * recently freed ones: a find+insert+delete cycle then reuses the same,
 * cache-hot structure and pays no allocator call.  (The zone allocator
 * will take this over.)
 *
 * => map locked exclusively.
 */
#define	VM_MAP_FREELIST_MAX	16

static vm_map_entry_t
vm_map_entry_create(vm_map_t map)
{
	struct vm_map_entry_cold *cold;
	vm_map_entry_t e;

	if ((e = map->freelist) != NULL) {
		map->freelist = e->right;
		map->nfree--;
		cold = e->cold;
		memset(cold, 0, sizeof(*cold));
	} else {
		/*
		 * From the system reserve: metadata must not fail as user
		 * pages do.
		 */
		e = uma_zalloc(vm_map_entry_zone, M_WAITOK);
		cold = uma_zalloc(vm_map_entry_cold_zone, M_WAITOK | M_ZERO);
	}
	memset(e, 0, sizeof(*e));
	e->cold = cold;
	return (e);
}

/* Back to the zones, both parts. */
static void
vm_map_entry_free(vm_map_entry_t e)
{
	uma_zfree(vm_map_entry_cold_zone, e->cold);
	uma_zfree(vm_map_entry_zone, e);
}

/* dst becomes a copy of src, keeping its own cold part. */
static void
vm_map_entry_copy(vm_map_entry_t dst, vm_map_entry_t src)
{
	struct vm_map_entry_cold *cold;

	cold = dst->cold;
	*dst = *src;
	*cold = *src->cold;
	dst->cold = cold;
}

static void
vm_map_entry_dispose(vm_map_t map, vm_map_entry_t e)
{
	if (e->cold->object != NULL)
		vm_object_deallocate(e->cold->object);
	if (map->nfree < VM_MAP_FREELIST_MAX) {
		e->right = map->freelist;
		map->freelist = e;
		map->nfree++;
	} else
		vm_map_entry_free(e);
}

/* ---- lifecycle and locking ----------------------------------------------- */

void
vm_map_init(vm_map_t map, vm_offset_t min, vm_offset_t max)
{
	KASSERT(min < max, ("%s: bad bounds %#jx-%#jx", __func__,
	    (uintmax_t)min, (uintmax_t)max));
	memset(map, 0, sizeof(*map));
	map->header.start = max;
	map->header.end = min;
	map->header.eflags = MAP_ENTRY_HEADER;
	map->header.cold = &map->header_cold;
	map->header.left = map->header.right = e_thread(&map->header);
	map->root = NULL;
	sx_init_flags(&map->lock, "vm map", SX_DUPOK);
	mtx_init(&map->rd_mtx, "vm map drain", NULL, MTX_DEF);
	if (mp_ncpus > 0)
		map->rd_cnt = pcpu_zalloc(sizeof(struct vm_map_rdcnt));
}

void
vm_map_destroy(vm_map_t map)
{
	vm_map_entry_t e;

	vm_map_lock(map);
	(void)vm_map_delete(map, vm_map_min(map), vm_map_max(map));
	vm_map_unlock(map);
	KASSERT(map->nentries == 0 && map->root == NULL,
	    ("%s: map %p still has %d entries", __func__, (void *)map,
	    map->nentries));
	while ((e = map->freelist) != NULL) {
		map->freelist = e->right;
		vm_map_entry_free(e);
	}
	map->nfree = 0;
	if (map->rd_cnt != NULL) {
		KASSERT(vm_map_rd_sum(map) == 0, ("%s: map %p has fast "
		    "readers", __func__, (void *)map));
		pcpu_free(map->rd_cnt);
		map->rd_cnt = NULL;
	}
	mtx_destroy(&map->rd_mtx);
	sx_destroy(&map->lock);
}

/*
 * Fast readers.  A fault holds the map for reading while it looks up the
 * entry and until its translation is in (vm_map_lookup .. _done): on a
 * shared sx that is two atomic operations on one line per fault, which
 * two CPUs faulting in one address space pass back and forth (bench/fault
 * -c mt: 1.70x on two CPUs with the sx, 1.85x without the lock at all).
 * So a fast reader counts itself in its CPU's slot of rd_cnt instead, a
 * line no other CPU writes, and an exclusive holder, once it has the sx,
 * raises rd_writer and waits until the slots sum to zero.
 *
 * The two sides are a Dekker handshake on sequentially consistent
 * operations: the reader increments its slot, then reads rd_writer; the
 * writer stores rd_writer, then reads the slots.  Either the reader sees
 * the writer, undoes its increment (in the same slot) and takes the sx
 * the ordinary way, behind the writer, or the writer sees the increment
 * and waits for the reader's decrement.  The decrement may land in
 * another slot (the thread moved): slots may go negative, only the sum
 * counts, and an increment the writer must see precedes its flag.  The
 * updates are read-modify-writes, so each slot's history is one release
 * sequence: the writer's read of a slot synchronises with every reader
 * that left through it.  A reader that leaves while rd_writer is up wakes
 * the writer under rd_mtx, the writer's interlock.
 *
 * Fast holds are vm_map_lookup's (the fault path); a thread holds one
 * map that way at a time (curthread->td_map_rd), and its nested read
 * locks of that map count there too.  Upgrading a fast hold drops it and
 * takes the sx exclusively, reporting failure as a lost sx upgrade does.
 */
static inline _Atomic long *
vm_map_rd_slot(vm_map_t map, int cpu)
{
	return (&PCPU_ELEM(map->rd_cnt, struct vm_map_rdcnt, cpu)->v);
}

/* The thread's slot: its CPU, a hint outside a critical section. */
static inline int
vm_map_rd_cpu(struct thread *td)
{
	return ((u_int)td->td_cpu < (u_int)mp_ncpus ? td->td_cpu : 0);
}

static long
vm_map_rd_sum(vm_map_t map)
{
	long n = 0;
	int cpu;

	for (cpu = 0; cpu < mp_ncpus; cpu++)
		n += atomic_load(vm_map_rd_slot(map, cpu));
	return (n);
}

static void
vm_map_rd_wakeup(vm_map_t map)
{
	mtx_lock(&map->rd_mtx);
	wakeup(&map->rd_writer);
	mtx_unlock(&map->rd_mtx);
}

/* Take a fast read hold, or return false (take the sx then). */
static bool
vm_map_rd_enter(vm_map_t map)
{
	struct thread *td = curthread;
	_Atomic long *slot;

	if (map->rd_cnt == NULL || td->td_map_rd != NULL)
		return (false);
	slot = vm_map_rd_slot(map, vm_map_rd_cpu(td));
	atomic_fetch_add(slot, 1);
	if (__predict_false(atomic_load(&map->rd_writer) != 0)) {
		atomic_fetch_sub(slot, 1);
		vm_map_rd_wakeup(map);
		return (false);
	}
	td->td_map_rd = map;
	return (true);
}

static void
vm_map_rd_exit(vm_map_t map)
{
	struct thread *td = curthread;

	KASSERT(td->td_map_rd == map && td->td_map_rd_depth == 0,
	    ("%s: map %p not fast-held (%p, depth %d)", __func__, (void *)map,
	    td->td_map_rd, td->td_map_rd_depth));
	td->td_map_rd = NULL;
	atomic_fetch_sub(vm_map_rd_slot(map, vm_map_rd_cpu(td)), 1);
	if (__predict_false(atomic_load(&map->rd_writer) != 0))
		vm_map_rd_wakeup(map);
}

/*
 * The exclusive holder shuts fast readers out: wait for the ones inside,
 * or with nowait, give up (false) if there are any.
 */
static bool
vm_map_rd_drain(vm_map_t map, bool nowait)
{
	if (map->rd_cnt == NULL)
		return (true);
	KASSERT(curthread->td_map_rd != map, ("%s: map %p is fast-held by "
	    "its writer", __func__, (void *)map));
	atomic_store(&map->rd_writer, 1);
	if (__predict_true(vm_map_rd_sum(map) == 0))
		return (true);
	if (nowait) {
		atomic_store(&map->rd_writer, 0);
		return (false);
	}
	mtx_lock(&map->rd_mtx);
	while (vm_map_rd_sum(map) != 0)
		(void)msleep(&map->rd_writer, &map->rd_mtx, PVM, "vmrdrn", 0);
	mtx_unlock(&map->rd_mtx);
	return (true);
}

/* Fast readers may come in again (the sx is released or shared). */
static inline void
vm_map_rd_allow(vm_map_t map)
{
	if (map->rd_cnt != NULL)
		atomic_store_explicit(&map->rd_writer, 0,
		    memory_order_release);
}

void
vm_map_lock(vm_map_t map)
{
	sx_xlock(&map->lock);
	(void)vm_map_rd_drain(map, false);
}

void
vm_map_unlock(vm_map_t map)
{
#ifdef INVARIANTS
	_vm_map_assert_consistent(map, false);
#endif
	map->timestamp++;
	vm_map_rd_allow(map);
	sx_xunlock(&map->lock);
}

void
vm_map_lock_read(vm_map_t map)
{
	if (curthread->td_map_rd == map) {
		curthread->td_map_rd_depth++;
		return;
	}
	sx_slock(&map->lock);
}

/* vm_map_lookup's read lock: fast when it can be. */
static void
vm_map_lock_read_fast(vm_map_t map)
{
	if (!vm_map_rd_enter(map))
		vm_map_lock_read(map);
}

void
vm_map_unlock_read(vm_map_t map)
{
	struct thread *td = curthread;

	if (td->td_map_rd == map) {
		if (td->td_map_rd_depth > 0)
			td->td_map_rd_depth--;
		else
			vm_map_rd_exit(map);
		return;
	}
	sx_sunlock(&map->lock);
}

bool
vm_map_trylock(vm_map_t map)
{
	if (sx_try_xlock(&map->lock) == 0)
		return (false);
	if (!vm_map_rd_drain(map, true)) {
		sx_xunlock(&map->lock);
		return (false);
	}
	return (true);
}

bool
vm_map_trylock_read(vm_map_t map)
{
	if (curthread->td_map_rd == map) {
		curthread->td_map_rd_depth++;
		return (true);
	}
	return (sx_try_slock(&map->lock) != 0);
}

/*
 * 0: upgraded.  1: the read lock was dropped on the way and the map may
 * have changed; it is held exclusively now (as sx_upgrade leaves it).
 */
int
vm_map_lock_upgrade(vm_map_t map)
{
	int rv;

	if (curthread->td_map_rd == map) {
		KASSERT(curthread->td_map_rd_depth == 0, ("%s: map %p "
		    "read-locked %d times over", __func__, (void *)map,
		    curthread->td_map_rd_depth));
		vm_map_rd_exit(map);
		vm_map_lock(map);
		return (1);
	}
	rv = sx_upgrade(&map->lock) ? 0 : 1;
	(void)vm_map_rd_drain(map, false);
	return (rv);
}

void
vm_map_lock_downgrade(vm_map_t map)
{
#ifdef INVARIANTS
	_vm_map_assert_consistent(map, false);
#endif
	map->timestamp++;
	vm_map_rd_allow(map);
	sx_downgrade(&map->lock);
}

bool
vm_map_locked(vm_map_t map)
{
	return (sx_xlocked(&map->lock) != 0);
}

/*
 * Release the exclusive map lock and sleep until vm_map_wakeup() (an entry
 * left IN_TRANSITION) or timo_ms; the lock is not retaken.
 */
void
vm_map_unlock_and_wait(vm_map_t map, int timo_ms)
{
	vm_map_assert_locked(map);
	map->timestamp++;
	vm_map_rd_allow(map);
	(void)_sleep(&map->timestamp, &map->lock.lock_object, PVM | PDROP,
	    "vmmaps", timo_ms);
}

void
vm_map_wakeup(vm_map_t map)
{
	wakeup(&map->timestamp);
}

/* ---- lookup ------------------------------------------------------------- */

/*
 * vm_map_lookup_entry, telling a fast holder (which cannot upgrade) that
 * the path was long enough to want a splay: *longp.
 */
static bool
vm_map_lookup_entry_long(vm_map_t map, vm_offset_t addr,
    vm_map_entry_t *entry, bool *longp)
{
	vm_map_entry_t x, best;
	int depth;

	vm_map_assert_rlocked(map);
	if (map->root == NULL) {
		*entry = &map->header;
		return (false);
	}
	x = map->root;
	if (addr >= x->start && addr < x->end) {
		*entry = x;
		return (true);
	}
	if (vm_map_locked(map)) {
		vm_map_splay(map, addr);
		x = map->root;
		if (addr < x->start)
			*entry = vm_map_entry_pred(x);
		else
			*entry = x;
		return (addr >= x->start && addr < x->end);
	}
	/* Shared with other readers: search without changing the tree. */
	best = &map->header;
	depth = 0;
	for (x = map->root;; depth++) {
		if (addr < x->start) {
			if (!e_child(x->left))
				break;
			x = x->left;
		} else if (addr >= x->end) {
			best = x;
			if (!e_child(x->right))
				break;
			x = x->right;
		} else {
			best = x;
			break;
		}
	}
	/*
	 * A long path means a tree left unbalanced (ordered insertions leave
	 * a path): the only holder upgrades, splays and downgrades, so that
	 * the lookups that follow are short.  The splay changes the tree's
	 * shape, not the map, so the timestamp stays.  FreeBSD tries this on
	 * every shared lookup that misses the root; libvm only past twice the
	 * depth of a balanced tree, because the attempt is an atomic
	 * operation on the lock's line and the splay writes nodes and the
	 * root, which the other CPUs faulting in the same map then miss in
	 * their caches (bench/fault -c mt).
	 */
	if (depth > 2 * (64 - __builtin_clzl((u_long)map->nentries)) + 2) {
		if (curthread->td_map_rd == map) {
			if (longp != NULL)
				*longp = true;
		} else if (sx_try_upgrade(&map->lock) != 0) {
			if (vm_map_rd_drain(map, true)) {
				vm_map_splay(map, addr);
				vm_map_rd_allow(map);
			}
			sx_downgrade(&map->lock);
		}
	}
	*entry = best;
	return (best != &map->header && addr < best->end);
}

bool
vm_map_lookup_entry(vm_map_t map, vm_offset_t addr, vm_map_entry_t *entry)
{
	return (vm_map_lookup_entry_long(map, addr, entry, NULL));
}

vm_map_entry_t
vm_map_lookup_entry_ge(vm_map_t map, vm_offset_t addr)
{
	vm_map_entry_t entry;

	if (vm_map_lookup_entry(map, addr, &entry))
		return (entry);
	return (vm_map_entry_succ(entry));
}

/* ---- untrusted ranges (D25328) ------------------------------------------ */

bool
vm_map_range_valid(vm_map_t map, vm_offset_t start, vm_offset_t end)
{
	if (end < start)
		return (false);
	if (start < vm_map_min(map) || end > vm_map_max(map))
		return (false);
	return (true);
}

int
vm_map_check_range(vm_map_t map, vm_offset_t addr, vm_size_t len,
    vm_offset_t *startp, vm_offset_t *endp)
{
	vm_offset_t start, end;

	start = trunc_page(addr);
	/* addr + len, then the page rounding: both may wrap. */
	if (len > UINT64_MAX - addr || addr + len > UINT64_MAX - PAGE_MASK)
		return (KERN_INVALID_ADDRESS);
	end = round_page(addr + len);
	if (!vm_map_range_valid(map, start, end))
		return (KERN_INVALID_ADDRESS);
	*startp = start;
	*endp = end;
	return (KERN_SUCCESS);
}

/* ---- free space ----------------------------------------------------------- */

/*
 * The lowest address a >= start such that [a, a + length) is free.  On
 * failure returns an address a with a + length > vm_map_max(map).
 *
 * After a splay at start, the root is the entry around start or one of its
 * neighbours; the gap containing start is checked directly.  Every later
 * gap has an endpoint in the root's right subtree, where one descent guided
 * by max_free finds the leftmost gap that is large enough.  The gap found is
 * splayed to the root for the insertion that usually follows (D17794).
 */
vm_offset_t
vm_map_findspace(vm_map_t map, vm_offset_t start, vm_size_t length)
{
	vm_map_entry_t header = &map->header, r, p, n;
	vm_offset_t gs, max = vm_map_max(map), fail;

	vm_map_assert_locked(map);
	fail = length <= max ? max - length + 1 : max;
	if (start < vm_map_min(map))
		start = vm_map_min(map);
	if (length == 0 || start >= max || length > max - start)
		return (fail);
	if (map->root == NULL)
		return (start);
	vm_map_splay(map, start);
	r = map->root;
	/*
	 * When start is inside r, the first gap above it is the one after r,
	 * which r's right side records with all the later ones: the descent
	 * below finds the fit without first walking to r's successor.
	 */
	if (r->end <= start) {
		/* start is in the gap after r. */
		n = vm_map_entry_succ(r);
		gs = MAX(r->end, start);
		if (n->start - gs >= length)
			return (gs);
		if (n == header)
			return (fail);
		/*
		 * That gap is too small: continue from the next entry, with
		 * it splayed to the root so that the gap just checked (whose
		 * recorded size may overstate the part above start) is no
		 * longer in the subtree searched.
		 */
		vm_map_splay(map, n->start);
		r = map->root;
	} else if (start < r->start) {
		/* start is in the gap before r. */
		gs = MAX(vm_map_entry_pred(r)->end, start);
		if (r->start - gs >= length)
			return (gs);
	}
	if (!e_child(r->right))
		return (r->free_right >= length ? r->end : fail);
	if (r->free_right < length)
		return (fail);
	p = r->right;
	/*
	 * Each node's sides say where a fit is without reading a child that
	 * the path does not take; a thread's gap ends at the node.
	 */
	for (;;) {
		if (p->free_left >= length) {
			if (e_child(p->left)) {
				p = p->left;
				continue;
			}
			gs = p->start - p->free_left;
			break;
		}
		if (p->free_right < length)
			panic("%s: map %p: max_free of %p promised %#jx bytes",
			    __func__, (void *)map, (void *)p,
			    (uintmax_t)length);
		if (e_child(p->right)) {
			p = p->right;
			continue;
		}
		gs = p->end;
		break;
	}
	vm_map_splay(map, gs);
	return (gs);
}

/* ---- swap reservation ---------------------------------------------------- */

/*
 * Who holds a reservation is told in vm_swap_reserve.h.  Only the maps of
 * address spaces charge (FreeBSD: not the system maps); a bare map, which
 * the map's own tests use, has nobody to charge.
 */
static inline bool
vm_map_charges(vm_map_t map)
{
	return (map->vmspace != NULL);
}

/*
 * Is entry's memory covered by a reservation, its own or its object's?
 * (FreeBSD's ENTRY_CHARGED.)  A NEEDS_COPY entry's object is somebody
 * else's too, so only the entry's own charge counts for it.
 */
static bool
vm_map_entry_charged(vm_map_entry_t e)
{
	bool charged;

	if ((e->eflags & MAP_ENTRY_CHARGED) != 0)
		return (true);
	if (e->cold->object == NULL || (e->eflags & MAP_ENTRY_NEEDS_COPY) != 0)
		return (false);
	VM_OBJECT_RLOCK(e->cold->object);
	charged = e->cold->object->charge != 0;
	VM_OBJECT_RUNLOCK(e->cold->object);
	return (charged);
}

/*
 * entry just got an object of its own (an anonymous object nobody else
 * maps yet): its own charge becomes the object's.
 *
 * => map locked exclusively.
 */
static void
vm_map_entry_charge_object(vm_map_entry_t entry)
{
	vm_object_t object = entry->cold->object;

	if ((entry->eflags & MAP_ENTRY_CHARGED) == 0)
		return;
	entry->eflags &= ~MAP_ENTRY_CHARGED;
	VM_OBJECT_WLOCK(object);
	KASSERT(object->charge == 0 && (object->flags & OBJ_ANON) != 0,
	    ("%s: entry %p: object %p (flags %#x) already charged %#jx",
	    __func__, (void *)entry, (void *)object, object->flags,
	    (uintmax_t)object->charge));
	object->charge = entry->end - entry->start;
	VM_OBJECT_WUNLOCK(object);
}

/* ---- insertion ------------------------------------------------------------ */

static bool	vm_map_mergeable_neighbors(vm_map_entry_t prev,
		    vm_map_entry_t entry);

static u_int
vm_map_cow_eflags(int cow)
{
	u_int eflags = 0;

	if (cow & MAP_COPY_ON_WRITE)
		eflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
	if (cow & MAP_NOFAULT)
		eflags |= MAP_ENTRY_NOFAULT;
	if (cow & MAP_DISABLE_SYNCER)
		eflags |= MAP_ENTRY_NOSYNC;
	if (cow & MAP_DISABLE_COREDUMP)
		eflags |= MAP_ENTRY_NOCOREDUMP;
	if (cow & MAP_STACK_GROWS_DOWN)
		eflags |= MAP_ENTRY_GROWS_DOWN;
	if (cow & MAP_CREATE_GUARD)
		eflags |= MAP_ENTRY_GUARD;
	if (cow & MAP_CREATE_STACK_GAP_DN)
		eflags |= MAP_ENTRY_STACK_GAP_DN | MAP_ENTRY_GUARD;
	if (cow & MAP_VN_EXEC)
		eflags |= MAP_ENTRY_VN_EXEC;
	if (cow & MAP_WRITECOUNT)
		eflags |= MAP_ENTRY_WRITECNT;
	eflags |= (u_int)((cow & MAP_SPLIT_BOUNDARY_MASK) >>
	    MAP_SPLIT_BOUNDARY_SHIFT) << MAP_ENTRY_SPLIT_BOUNDARY_SHIFT;
	return (eflags);
}

static bool
vm_map_entries_full(vm_map_t map, int more)
{
	return (vm_map_entries_max > 0 &&
	    map->nentries + more > vm_map_entries_max);
}

/*
 * Does vm_map_insert reserve swap for this mapping?  Writable memory that
 * nothing but swap can back once written (no object yet, or a private
 * copy to come) is reserved when it is mapped, so that strict overcommit
 * refuses the mapping rather than a later write (FreeBSD's rule).
 */
static bool
vm_map_insert_charges(vm_map_t map, struct vm_object *object, vm_prot_t prot,
    int cow)
{
	u_int eflags = vm_map_cow_eflags(cow);

	return ((cow & MAP_ACC_CHARGED) != 0 || (vm_map_charges(map) &&
	    (eflags & MAP_ENTRY_GUARD) == 0 && (prot & VM_PROT_WRITE) != 0 &&
	    (object == NULL || (eflags & MAP_ENTRY_NEEDS_COPY) != 0)));
}

/* The checks of vm_map_insert that do not depend on the map's contents. */
static int
vm_map_insert_check(vm_map_t map, struct vm_object *object,
    vm_ooffset_t offset, vm_offset_t start, vm_offset_t end, vm_prot_t prot,
    vm_prot_t max, int cow)
{
	vm_size_t bdry;
	int bidx;

	if (start >= end || !vm_map_range_valid(map, start, end))
		return (KERN_INVALID_ADDRESS);
	if ((start | end) & PAGE_MASK)
		return (KERN_INVALID_ARGUMENT);
	if ((prot & max) != prot || (max & ~VM_PROT_ALL) != 0)
		return (KERN_PROTECTION_FAILURE);
	if ((cow & (MAP_CREATE_GUARD | MAP_CREATE_STACK_GAP_DN)) != 0 &&
	    (object != NULL || max != VM_PROT_NONE))
		return (KERN_INVALID_ARGUMENT);
	bidx = (cow & MAP_SPLIT_BOUNDARY_MASK) >> MAP_SPLIT_BOUNDARY_SHIFT;
	if (bidx != 0) {
		if (bidx >= MAXPAGESIZES)
			return (KERN_INVALID_ARGUMENT);
		bdry = pagesizes[bidx] - 1;
		if ((start & bdry) != 0 || (end & bdry) != 0 ||
		    (offset & bdry) != 0)
			return (KERN_INVALID_ARGUMENT);
	}
	return (KERN_SUCCESS);
}

/*
 * Map [start, end) of object at offset (object NULL: nothing yet).  The new
 * entry takes over the caller's object reference.  It is merged with equal
 * neighbours.
 *
 * => map locked exclusively.
 */
int
vm_map_insert(vm_map_t map, struct vm_object *object, vm_ooffset_t offset,
    vm_offset_t start, vm_offset_t end, vm_prot_t prot, vm_prot_t max, int cow)
{
	struct vm_map_entry_cold proto_cold;
	struct vm_map_entry proto;
	vm_map_entry_t prev, next, entry;
	u_int eflags;
	int rv;
	bool charge;

	vm_map_assert_locked(map);
	rv = vm_map_insert_check(map, object, offset, start, end, prot, max,
	    cow);
	if (rv != KERN_SUCCESS)
		return (rv);
	if (vm_map_lookup_entry(map, start, &prev))
		return (KERN_NO_SPACE);
	next = vm_map_entry_succ(prev);
	if (next->start < end)
		return (KERN_NO_SPACE);
	eflags = vm_map_cow_eflags(cow);
	charge = vm_map_insert_charges(map, object, prot, cow);
	KASSERT(!charge || object == NULL ||
	    (eflags & MAP_ENTRY_NEEDS_COPY) != 0, ("%s: map %p: charged "
	    "mapping of object %p that is not copy-on-write", __func__,
	    (void *)map, (void *)object));
	if (charge && (cow & MAP_ACC_CHARGED) == 0 &&
	    !swap_reserve(end - start))
		return (KERN_RESOURCE_SHORTAGE);
	/*
	 * Anonymous memory right after an anonymous entry extends that
	 * entry's object instead of starting a new one, so consecutive
	 * mmaps share an object and their entries can merge
	 * (vm_object_coalesce).
	 */
	if (object == NULL && (eflags & (MAP_ENTRY_GUARD |
	    MAP_ENTRY_GROWS_DOWN | MAP_ENTRY_NOFAULT)) == 0 &&
	    prev->end == start &&
	    (prev->eflags & (MAP_ENTRY_HEADER | MAP_ENTRY_NEEDS_COPY |
	    MAP_ENTRY_GUARD | MAP_ENTRY_GROWS_DOWN | MAP_ENTRY_IS_SUB_MAP |
	    MAP_ENTRY_IN_TRANSITION)) == 0 &&
	    (prev->eflags & MAP_ENTRY_BACKED) != 0 &&
	    prev->cold->wired_count == 0 &&
	    vm_object_coalesce(prev->cold->object, prev->cold->offset,
	    prev->end - prev->start, end - start, charge)) {
		/* The object took the reservation, if any. */
		object = prev->cold->object;
		vm_object_reference(object);
		offset = prev->cold->offset + (prev->end - prev->start);
		eflags |= prev->eflags & MAP_ENTRY_COW;
	} else if (charge)
		eflags |= MAP_ENTRY_CHARGED;
	proto_cold = (struct vm_map_entry_cold){
		.object = object, .offset = object != NULL ? offset : 0,
		.next_read = start,
	};
	proto = (struct vm_map_entry){
		.start = start, .end = end,
		.eflags = eflags | (object != NULL ? MAP_ENTRY_BACKED : 0),
		.protection = prot, .max_protection = max,
		.inheritance = (cow & MAP_INHERIT_SHARE) != 0 ?
		    VM_INHERIT_SHARE : VM_INHERIT_DEFAULT,
		.cold = &proto_cold,
	};
	/* At the limit, only a mapping that merges into a neighbour fits. */
	if (vm_map_entries_full(map, 1) &&
	    ((prev->eflags & MAP_ENTRY_HEADER) != 0 ||
	    !vm_map_mergeable_neighbors(prev, &proto)) &&
	    ((next->eflags & MAP_ENTRY_HEADER) != 0 ||
	    !vm_map_mergeable_neighbors(&proto, next))) {
		if (object != NULL && proto.cold->object == object &&
		    object == prev->cold->object)
			vm_object_deallocate(object);	/* the coalesce ref */
		if ((eflags & MAP_ENTRY_CHARGED) != 0 &&
		    (cow & MAP_ACC_CHARGED) == 0)
			swap_release(end - start);
		return (KERN_RESOURCE_SHORTAGE);
	}
	entry = vm_map_entry_create(map);
	vm_map_entry_copy(entry, &proto);
	/* The lookup above splayed at start: link at the root. */
	vm_map_entry_link_root(map, entry);
	if ((eflags & MAP_ENTRY_GUARD) == 0)
		map->size += end - start;
	vm_map_try_merge_entries(map, vm_map_entry_pred(entry), entry);
	vm_map_try_merge_entries(map, entry, vm_map_entry_succ(entry));
	return (KERN_SUCCESS);
}

static vm_size_t vm_map_stack_maxgrow(vm_map_t map, vm_map_entry_t gap_entry);
static void vm_map_entry_unwire(vm_map_t map, vm_map_entry_t entry);
static int vm_map_growstack_entry(vm_map_t map, vm_map_entry_t gap_entry,
    vm_map_entry_t stack_entry, vm_size_t grow);
static int vm_map_copy_entry_wired(vm_map_t src_map, vm_map_entry_t src,
    vm_map_entry_t dst);
static int vm_map_stack_locked(vm_map_t map, vm_offset_t addrbos,
    vm_size_t max_ssize, vm_prot_t prot, vm_prot_t max, int cow);

/* vm_map_insert, or for MAP_STACK_GROWS_DOWN a stack with its grow gap. */
static int
vm_map_insert_any(vm_map_t map, struct vm_object *object, vm_ooffset_t offset,
    vm_offset_t start, vm_offset_t end, vm_prot_t prot, vm_prot_t max, int cow)
{
	if ((cow & MAP_STACK_GROWS_DOWN) != 0) {
		if (object != NULL)
			return (KERN_INVALID_ARGUMENT);
		return (vm_map_stack_locked(map, start, end - start, prot, max,
		    cow));
	}
	return (vm_map_insert(map, object, offset, start, end, prot, max, cow));
}

/*
 * Find [addr, addr + length) free in [*addr, max_addr) with addr
 * congruent to colour modulo alignment (a power of two, or 0), searching
 * again from the aligned address whenever alignment pushes the range past
 * its gap.
 */
static int
vm_map_alignspace(vm_map_t map, vm_ooffset_t colour, vm_offset_t *addr,
    vm_size_t length, vm_offset_t max_addr, vm_size_t alignment)
{
	vm_offset_t a, aligned;

	for (;;) {
		a = vm_map_findspace(map, *addr, length);
		if (a + length > max_addr || a + length < a)
			return (KERN_NO_SPACE);
		if (alignment == 0) {
			*addr = a;
			return (KERN_SUCCESS);
		}
		aligned = a + ((colour - a) & (alignment - 1));
		if (aligned < a || aligned + length < aligned ||
		    aligned + length > max_addr)
			return (KERN_NO_SPACE);
		if (vm_map_lookup_entry_ge(map, aligned)->start >=
		    aligned + length) {
			*addr = aligned;
			return (KERN_SUCCESS);
		}
		*addr = aligned;
	}
}

/*
 * Place and map an object (or nothing) of length bytes.  find_space says
 * how: VMFS_NO_SPACE at *addr exactly; VMFS_ANY_SPACE first fit at or above
 * *addr; VMFS_SUPER_SPACE and VMFS_OPTIMAL_SPACE superpage aligned (the
 * latter falling back to first fit); VMFS_ALIGNED_SPACE(n) aligned to
 * 1 << n.  max_addr (0: none) bounds the result (MAP_32BIT).
 *
 * The hint rule (seed 000): try at or above *addr first, then from the
 * bottom of the map (or, under ASLR with honor_sbrk, the end of the data
 * segment).  Under MAP_ASLR the first try starts a random number of pages
 * (superpages for aligned requests) into the first fitting gap, falling
 * back to plain first fit when the space is too fragmented (D5603).  With
 * MAP_ANON_CLUSTER, anonymous mappings are placed one after the other from
 * map->anon_loc, whose first value is itself randomised.
 */
int
vm_map_find(vm_map_t map, struct vm_object *object, vm_ooffset_t offset,
    vm_offset_t *addr, vm_size_t length, vm_offset_t max_addr, int find_space,
    vm_prot_t prot, vm_prot_t max, int cow)
{
	vm_offset_t start, min_addr, lo, a;
	vm_ooffset_t colour;
	vm_size_t alignment, gap;
	int rv, n;
	bool aslr, cluster, try_cluster;

	if (length == 0 || (length & PAGE_MASK) != 0)
		return (KERN_INVALID_ARGUMENT);
	if (find_space >> 8 != 0) {
		n = find_space >> 8;
		if (n < PAGE_SHIFT || n >= 64 ||
		    (find_space & 0xff) != 0)
			return (KERN_INVALID_ARGUMENT);
		alignment = (vm_size_t)1 << n;
	} else if (find_space == VMFS_SUPER_SPACE ||
	    find_space == VMFS_OPTIMAL_SPACE)
		alignment = length >= pagesizes[1] ? pagesizes[1] : 0;
	else if (find_space == VMFS_ANY_SPACE || find_space == VMFS_NO_SPACE)
		alignment = 0;
	else
		return (KERN_INVALID_ARGUMENT);

	/*
	 * Superpage placement keeps the object's offset congruent with the
	 * address (its colour); an explicit MAP_ALIGNED(n) aligns the address.
	 */
	colour = (find_space == VMFS_SUPER_SPACE ||
	    find_space == VMFS_OPTIMAL_SPACE) ? offset : 0;
	vm_map_lock(map);
	start = *addr;
	if (find_space != VMFS_NO_SPACE) {
		/* A hint is rounded up to its page (at the top: no hint). */
		start = start > UINT64_MAX - PAGE_MASK ? 0 : round_page(start);
	}
	if (find_space == VMFS_NO_SPACE) {
		rv = vm_map_insert_any(map, object, offset, start,
		    start + length, prot, max, cow);
		vm_map_unlock(map);
		return (rv);
	}
	if (max_addr == 0 || max_addr > vm_map_max(map))
		max_addr = vm_map_max(map);
	aslr = (map->flags & MAP_ASLR) != 0;
	min_addr = vm_map_min(map);
	if (aslr && aslr_honor_sbrk && map->sbrk_end > min_addr &&
	    map->sbrk_end < max_addr)
		min_addr = map->sbrk_end;
	if (aslr && (map->flags & MAP_ASLR_IGNSTART) != 0)
		start = min_addr;
	if (start < min_addr)
		start = min_addr;
	cluster = cluster_anon && aslr && (cow & MAP_ANON_CLUSTER) != 0 &&
	    object == NULL && alignment == 0;
	try_cluster = cluster && map->anon_loc != 0 &&
	    (*addr == 0 || (cow & MAP_NO_HINT) != 0);

	rv = KERN_NO_SPACE;
	if (try_cluster) {
		a = map->anon_loc;
		rv = vm_map_alignspace(map, 0, &a, length, max_addr, 0);
		if (rv == KERN_SUCCESS && a != map->anon_loc)
			rv = KERN_NO_SPACE;	/* fragmented: randomise again */
	}
	if (rv != KERN_SUCCESS && aslr) {
		/* A random gap before the mapping, in its alignment unit. */
		if (alignment >= pagesizes[1])
			gap = (kern_random() % (u_int)aslr_super_pages_rnd) *
			    alignment;
		else
			gap = (kern_random() % (u_int)aslr_pages_rnd) *
			    MAX(alignment, (vm_size_t)PAGE_SIZE);
		a = start;
		if (length + gap > length &&
		    vm_map_alignspace(map, colour, &a, length + gap, max_addr,
		    alignment) == KERN_SUCCESS) {
			a += gap;
			if (alignment == 0 ||
			    ((a - colour) & (alignment - 1)) == 0)
				rv = KERN_SUCCESS;
		}
	}
	if (rv != KERN_SUCCESS) {
		/* First fit above the hint, then from the bottom. */
		for (lo = start;; lo = min_addr) {
			a = lo;
			rv = vm_map_alignspace(map, colour, &a, length,
			    max_addr, alignment);
			if (rv == KERN_SUCCESS || lo == min_addr)
				break;
		}
		if (rv != KERN_SUCCESS && find_space == VMFS_OPTIMAL_SPACE &&
		    alignment != 0) {
			a = min_addr;
			rv = vm_map_alignspace(map, offset, &a, length,
			    max_addr, 0);
		}
	}
	if (rv == KERN_SUCCESS)
		rv = vm_map_insert_any(map, object, offset, a, a + length,
		    prot, max, cow);
	if (rv == KERN_SUCCESS) {
		*addr = a;
		if (cluster)
			map->anon_loc = a + length;
	}
	vm_map_unlock(map);
	return (rv);
}

/*
 * The swap reservation that deleting [start, end) is sure to give back:
 * the entries' own charges, and the charge of an anonymous object that
 * only an entry wholly inside the range references.  (Charges of objects
 * that stay are given back later, or never, by the delete.)
 *
 * => map locked exclusively.
 */
static vm_ooffset_t
vm_map_delete_credit(vm_map_t map, vm_offset_t start, vm_offset_t end)
{
	vm_map_entry_t e;
	vm_object_t object;
	vm_ooffset_t credit = 0;

	vm_map_assert_locked(map);
	for (e = vm_map_lookup_entry_ge(map, start);
	    e != &map->header && e->start < end; e = vm_map_entry_succ(e)) {
		object = e->cold->object;
		if ((e->eflags & MAP_ENTRY_CHARGED) != 0)
			credit += MIN(e->end, end) - MAX(e->start, start);
		else if (object != NULL && e->start >= start && e->end <= end &&
		    (e->eflags & MAP_ENTRY_NEEDS_COPY) == 0) {
			VM_OBJECT_RLOCK(object);
			if ((object->flags & OBJ_ANON) != 0 &&
			    atomic_load(&object->ref_count) == 1)
				credit += object->charge;
			VM_OBJECT_RUNLOCK(object);
		}
	}
	return (credit);
}

/*
 * Map at exactly [start, start + length).  With MAP_CHECK_EXCL an occupied
 * range fails with KERN_NO_SPACE and changes nothing (MAP_EXCL); otherwise
 * whatever was there is removed first.  The new mapping's swap is
 * reserved before that, so that a refusal (KERN_RESOURCE_SHORTAGE) leaves
 * the old mapping in place; what the removal is sure to give back counts
 * as room (it is reserved by force and given back a moment later), so
 * that replacing memory at the strict limit works as on FreeBSD, which
 * removes first.
 */
int
vm_map_fixed(vm_map_t map, struct vm_object *object, vm_ooffset_t offset,
    vm_offset_t start, vm_size_t length, vm_prot_t prot, vm_prot_t max,
    int cow)
{
	vm_offset_t end;
	vm_ooffset_t credit;
	int rv;
	bool charged;

	if (length == 0 || ((start | length) & PAGE_MASK) != 0)
		return (KERN_INVALID_ARGUMENT);
	end = start + length;
	vm_map_lock(map);
	if (!vm_map_range_valid(map, start, end) || end < start) {
		vm_map_unlock(map);
		return (KERN_INVALID_ADDRESS);
	}
	rv = vm_map_insert_check(map, object, offset, start, end, prot, max,
	    cow);
	/* A stack reserves only its first part (vm_map_stack_locked). */
	charged = rv == KERN_SUCCESS && (cow & (MAP_CHECK_EXCL |
	    MAP_STACK_GROWS_DOWN | MAP_ACC_CHARGED)) == 0 &&
	    vm_map_insert_charges(map, object, prot, cow);
	if (charged) {
		credit = MIN(vm_map_delete_credit(map, start, end), length);
		if (!swap_reserve(length - credit)) {
			vm_map_unlock(map);
			return (KERN_RESOURCE_SHORTAGE);
		}
		swap_reserve_force(credit);
		cow |= MAP_ACC_CHARGED;
	}
	if (rv == KERN_SUCCESS && (cow & MAP_CHECK_EXCL) == 0) {
		rv = vm_map_delete(map, start, end);
		if (rv != KERN_SUCCESS) {
			if (charged)
				swap_release(length);
			vm_map_unlock(map);
			return (rv);
		}
	}
	rv = vm_map_insert_any(map, object, offset, start, end, prot, max,
	    cow & ~MAP_CHECK_EXCL);
	if (rv != KERN_SUCCESS && charged)
		swap_release(length);
	vm_map_unlock(map);
	return (rv);
}

/* ---- clipping ------------------------------------------------------------ */

/* Can entry be split at addr?  Not off its superpage boundary (D24652). */
static bool
vm_map_clip_ok(vm_map_entry_t entry, vm_offset_t addr)
{
	int bidx = MAP_ENTRY_SPLIT_BOUNDARY_INDEX(entry);

	return (bidx == 0 || (addr & (pagesizes[bidx] - 1)) == 0);
}

/*
 * Before changing [start, end): would its clips be refused, or push the
 * map past its entry limit?  Lets an operation fail before it changes
 * anything.
 */
static int
vm_map_clip_check(vm_map_t map, vm_offset_t start, vm_offset_t end)
{
	vm_map_entry_t e;
	int more = 0;

	/*
	 * One lookup, then a walk to the entry holding end: the operation
	 * that follows visits those entries anyway.
	 */
	e = vm_map_lookup_entry_ge(map, start);
	if (e != &map->header && e->start < start) {
		if (!vm_map_clip_ok(e, start))
			return (KERN_INVALID_ARGUMENT);
		more++;
	}
	while (e != &map->header && e->end < end)
		e = vm_map_entry_succ(e);
	if (e != &map->header && e->start < end && e->end > end) {
		if (!vm_map_clip_ok(e, end))
			return (KERN_INVALID_ARGUMENT);
		more++;
	}
	if (more > 0 && vm_map_entries_full(map, more))
		return (KERN_RESOURCE_SHORTAGE);
	return (KERN_SUCCESS);
}

/*
 * Split entry at addr into two entries; the new one takes the part before
 * addr (front) or after it.  The old entry shrinks first and the new one is
 * linked into the vacated space.  No free gap changes (the halves meet at
 * addr), so no stored side does but those the link sets: the new entry's,
 * and the sides of its two neighbours that face it.
 */
static void
vm_map_entry_split(vm_map_t map, vm_map_entry_t entry, vm_offset_t addr,
    bool new_is_front)
{
	vm_map_entry_t new, front, back;

	new = vm_map_entry_create(map);
	vm_map_entry_copy(new, entry);
	front = new_is_front ? new : entry;
	back = new_is_front ? entry : new;
	front->end = addr;
	back->cold->offset += addr - back->start;
	back->start = addr;
	/* A stack gap's next_read is its guard size, not an address. */
	if ((back->eflags & MAP_ENTRY_STACK_GAP_DN) == 0 &&
	    back->cold->next_read < addr)
		back->cold->next_read = addr;
	if (new->cold->object != NULL) {
		vm_object_reference(new->cold->object);
		/*
		 * Each text entry holds a text reference; writemappings
		 * counts bytes, which the two halves share unchanged.
		 */
		vm_map_entry_set_vnode_text(new, true);
	}
	vm_map_entry_link(map, new);
}

/*
 * Make entry start at start (its front becomes a new entry), or end at end
 * (its back does).  KERN_INVALID_ARGUMENT, changing nothing, off the
 * entry's superpage boundary (D24652).
 *
 * => map locked exclusively.
 */
int
vm_map_clip_start(vm_map_t map, vm_map_entry_t entry, vm_offset_t start)
{
	vm_map_assert_locked(map);
	if (start <= entry->start || start >= entry->end)
		return (KERN_SUCCESS);
	if (!vm_map_clip_ok(entry, start))
		return (KERN_INVALID_ARGUMENT);
	vm_map_entry_split(map, entry, start, true);
	return (KERN_SUCCESS);
}

int
vm_map_clip_end(vm_map_t map, vm_map_entry_t entry, vm_offset_t end)
{
	vm_map_assert_locked(map);
	if (end <= entry->start || end >= entry->end)
		return (KERN_SUCCESS);
	if (!vm_map_clip_ok(entry, end))
		return (KERN_INVALID_ARGUMENT);
	vm_map_entry_split(map, entry, end, false);
	return (KERN_SUCCESS);
}

/* Clip the entries at both ends of [start, end); first entry returned. */
static vm_map_entry_t
vm_map_clip_range(vm_map_t map, vm_offset_t start, vm_offset_t end)
{
	vm_map_entry_t first, e;
	int rv;

	first = vm_map_lookup_entry_ge(map, start);
	if (first != &map->header && first->start < start) {
		rv = vm_map_clip_start(map, first, start);
		KASSERT(rv == KERN_SUCCESS, ("%s: clip refused", __func__));
	}
	if (vm_map_lookup_entry(map, end, &e) && e->start < end) {
		rv = vm_map_clip_end(map, e, end);
		KASSERT(rv == KERN_SUCCESS, ("%s: clip refused", __func__));
	}
	(void)rv;
	return (vm_map_lookup_entry_ge(map, start));
}

/* ---- merging (D20814) ---------------------------------------------------- */

#define	MAP_ENTRY_NOMERGE_MASK	(MAP_ENTRY_GROWS_DOWN |			\
	MAP_ENTRY_IN_TRANSITION | MAP_ENTRY_IS_SUB_MAP | MAP_ENTRY_VN_EXEC |\
	MAP_ENTRY_HEADER | MAP_ENTRY_STACK_GAP_DN)

/* The nodes' own fields first: most pairs differ there, in cached lines. */
static bool
vm_map_mergeable_neighbors(vm_map_entry_t prev, vm_map_entry_t entry)
{
	return (prev->end == entry->start &&
	    ((prev->eflags | entry->eflags) & MAP_ENTRY_NOMERGE_MASK) == 0 &&
	    prev->eflags == entry->eflags &&
	    prev->protection == entry->protection &&
	    prev->max_protection == entry->max_protection &&
	    prev->inheritance == entry->inheritance &&
	    ((prev->eflags & MAP_ENTRY_BACKED) == 0 ||
	    (prev->cold->object == entry->cold->object &&
	    prev->cold->offset + (prev->end - prev->start) ==
	    entry->cold->offset)) &&
	    prev->cold->wired_count == entry->cold->wired_count);
}

/*
 * Merge prev into entry if the two adjacent entries are alike.  Only this
 * pair is compared: callers walking a range call it once per boundary.
 *
 * => map locked exclusively; prev is freed when merged.
 */
void
vm_map_try_merge_entries(vm_map_t map, vm_map_entry_t prev,
    vm_map_entry_t entry)
{
	vm_map_assert_locked(map);
	if ((prev->eflags & MAP_ENTRY_HEADER) != 0 ||
	    (entry->eflags & MAP_ENTRY_HEADER) != 0 ||
	    !vm_map_mergeable_neighbors(prev, entry))
		return;
	vm_map_entry_unlink(map, prev, UNLINK_MERGE_NEXT);
	vm_map_entry_dispose(map, prev);
}

/* Merge every boundary of [first, end) and the one after it. */
static void
vm_map_merge_range(vm_map_t map, vm_map_entry_t first, vm_offset_t end)
{
	vm_map_entry_t e, next;

	vm_map_try_merge_entries(map, vm_map_entry_pred(first), first);
	for (e = first; e != &map->header && e->start < end; e = next) {
		next = vm_map_entry_succ(e);
		vm_map_try_merge_entries(map, e, next);
	}
}

/* ---- deletion ------------------------------------------------------------ */

/*
 * An entry is going away: if its object is anonymous and each of its pages
 * is mapped at most once (ONEMAPPING), nobody else can reach the pages of
 * the entry's range, so free them now rather than when the object dies,
 * and shrink the object if the range was its tail.  With other references
 * (the rest of a clipped mapping) this is what returns munmap'ed memory.
 *
 * => map locked exclusively; the range's mappings already removed.
 */
static void
vm_map_entry_unmap_object(vm_map_entry_t entry)
{
	vm_object_t object = entry->cold->object;
	vm_pindex_t start, end, oldsize;

	if (object == NULL || (entry->eflags & MAP_ENTRY_IS_SUB_MAP) != 0)
		return;
	VM_OBJECT_WLOCK(object);
	if (atomic_load(&object->ref_count) != 1 &&
	    (object->flags & (OBJ_ANON | OBJ_ONEMAPPING | OBJ_DEAD)) ==
	    (OBJ_ANON | OBJ_ONEMAPPING)) {
		vm_object_collapse(object);
		start = OFF_TO_IDX(entry->cold->offset);
		end = start + atop(entry->end - entry->start);
		vm_object_page_remove(object, start, end, OBJPR_NOTMAPPED);
		if (end >= object->size && start < object->size) {
			oldsize = object->size;
			object->size = start;
			vm_object_charge_trim(object, oldsize);
		}
	}
	VM_OBJECT_WUNLOCK(object);
}

/*
 * What a going entry holds through its object's pager: its bytes of the
 * writable shared mappings (D21456) and its text reference (D19923).
 * (A merge keeps both with the surviving entry, so only deletion and
 * shadowing give them back.)
 *
 * => map locked exclusively.
 */
static void
vm_map_entry_release_pager(vm_map_entry_t entry)
{
	if ((entry->eflags & MAP_ENTRY_WRITECNT) != 0) {
		vm_pager_release_writecount(entry->cold->object, entry->start,
		    entry->end);
		entry->eflags &= ~MAP_ENTRY_WRITECNT;
	}
	if ((entry->eflags & MAP_ENTRY_VN_EXEC) != 0) {
		vm_map_entry_set_vnode_text(entry, false);
		entry->eflags &= ~MAP_ENTRY_VN_EXEC;
	}
}

/*
 * Remove every mapping in [start, end), clipping the entries at the ends.
 * Fails, changing nothing, when a clip is refused or would exceed the
 * entry limit.
 *
 * => map locked exclusively; may sleep (and drop it) for entries in
 *    transition.
 */
int
vm_map_delete(vm_map_t map, vm_offset_t start, vm_offset_t end)
{
	vm_map_entry_t entry, next;
	int rv;

	vm_map_assert_locked(map);
	if (start >= end)
		return (KERN_SUCCESS);
	if (((start | end) & PAGE_MASK) != 0)
		return (KERN_INVALID_ARGUMENT);
again:
	/* Checked again after a sleep: the map may have changed. */
	if ((rv = vm_map_clip_check(map, start, end)) != KERN_SUCCESS)
		return (rv);
	for (entry = vm_map_lookup_entry_ge(map, start);
	    entry != &map->header && entry->start < end; entry = next) {
		if ((entry->eflags & MAP_ENTRY_IN_TRANSITION) != 0) {
			/* Being wired: wait, then start over. */
			entry->eflags |= MAP_ENTRY_NEEDS_WAKEUP;
			vm_map_unlock_and_wait(map, 0);
			vm_map_lock(map);
			goto again;
		}
		if (entry->start < start)
			(void)vm_map_clip_start(map, entry, start);
		(void)vm_map_clip_end(map, entry, end);
		next = vm_map_entry_succ(entry);
		vm_map_entry_unlink(map, entry, UNLINK);
		if ((entry->eflags & MAP_ENTRY_GUARD) == 0)
			map->size -= entry->end - entry->start;
		if (entry->cold->wired_count > 0 && map->pmap != NULL)
			vm_map_entry_unwire(map, entry);
		if (map->pmap != NULL && entry->cold->object != NULL)
			pmap_remove(map->pmap, entry->start, entry->end);
		vm_map_entry_unmap_object(entry);
		vm_map_entry_release_pager(entry);
		if ((entry->eflags & MAP_ENTRY_CHARGED) != 0)
			swap_release(entry->end - entry->start);
		vm_map_entry_dispose(map, entry);
	}
	return (KERN_SUCCESS);
}

int
vm_map_remove(vm_map_t map, vm_offset_t start, vm_offset_t end)
{
	int rv;

	vm_map_lock(map);
	if (!vm_map_range_valid(map, start, end))
		rv = KERN_INVALID_ADDRESS;
	else
		rv = vm_map_delete(map, start, end);
	vm_map_unlock(map);
	return (rv);
}

/* ---- msync ------------------------------------------------------------------ */

/*
 * msync(2) of [start, end) (FreeBSD's vm_map_sync): every part must be
 * mapped (KERN_INVALID_ADDRESS); with invalidate no part may be wired
 * (KERN_INVALID_ARGUMENT) and this map's translations go, so that the
 * next access faults the object's current page in.  Each entry's object
 * (the bottom of its chain: a private mapping syncs the file below it)
 * is synced with the map unlocked; KERN_FAILURE if a write failed.  An
 * empty range syncs the whole entry at start, as FreeBSD does.
 *
 * => nothing locked.
 */
int
vm_map_sync(vm_map_t map, vm_offset_t start, vm_offset_t end, bool syncio,
    bool invalidate)
{
	vm_map_entry_t first, e, next;
	vm_object_t object;
	vm_ooffset_t offset;
	vm_offset_t cur;
	vm_size_t size;
	bool failed = false;

	vm_map_lock_read(map);
	if (!vm_map_range_valid(map, start, end) ||
	    !vm_map_lookup_entry(map, start, &first)) {
		vm_map_unlock_read(map);
		return (KERN_INVALID_ADDRESS);
	}
	if (start == end) {
		start = first->start;
		end = first->end;
	}
	for (e = first; e != &map->header && e->start < end; e = next) {
		if (invalidate && e->cold->wired_count != 0) {
			vm_map_unlock_read(map);
			return (KERN_INVALID_ARGUMENT);
		}
		next = vm_map_entry_succ(e);
		if (end > e->end && (next == &map->header ||
		    next->start != e->end)) {
			vm_map_unlock_read(map);
			return (KERN_INVALID_ADDRESS);
		}
	}
	if (invalidate && map->pmap != NULL)
		pmap_remove(map->pmap, start, end);

	for (cur = start; cur < end;) {
		if (!vm_map_lookup_entry(map, cur, &e))
			break;		/* unmapped while we slept */
		size = MIN(end, e->end) - cur;
		object = e->cold->object;
		if (object == NULL || (e->eflags & MAP_ENTRY_GUARD) != 0) {
			cur += size;
			continue;
		}
		offset = e->cold->offset + (cur - e->start);
		vm_object_reference(object);
		vm_map_unlock_read(map);
		if (!vm_object_sync(object, offset, size, syncio, invalidate))
			failed = true;
		vm_object_deallocate(object);
		cur += size;
		/* The next lookup is by address: it revalidates. */
		vm_map_lock_read(map);
	}
	vm_map_unlock_read(map);
	return (failed ? KERN_FAILURE : KERN_SUCCESS);
}

/* ---- changing attributes ---------------------------------------------------- */

/* The flags of a shared (not copy-on-write) entry's object. */
static bool
vm_map_entry_object_flags(vm_map_entry_t e, u_short *flagsp)
{
	if ((e->eflags & MAP_ENTRY_COW) != 0 || e->cold->object == NULL)
		return (false);
	VM_OBJECT_RLOCK(e->cold->object);
	*flagsp = e->cold->object->flags;
	VM_OBJECT_RUNLOCK(e->cold->object);
	return (true);
}

/* A shared (not copy-on-write) mapping of a named object (file, shm). */
static bool
vm_map_entry_shared_named(vm_map_entry_t e)
{
	bool named;

	if ((e->eflags & MAP_ENTRY_COW) != 0 || e->cold->object == NULL)
		return (false);
	/* A shm object forgets its handle when its last file goes. */
	VM_OBJECT_RLOCK(e->cold->object);
	named = e->cold->object->handle != NULL &&
	    (e->cold->object->flags & OBJ_ANON) == 0;
	VM_OBJECT_RUNLOCK(e->cold->object);
	return (named);
}

/*
 * The reservation a private entry needs to become writable (FreeBSD's
 * vm_map_protect): its size while it has no object of its own, or its
 * whole anonymous object, which is charged as one (the object cannot tell
 * its charged parts from the others later).  Shared memory objects are
 * not charged.  With apply, the charge is taken (from what the caller
 * reserved), and the bytes taken are returned; an object another map
 * charged meanwhile takes nothing.
 *
 * => map locked exclusively.
 */
static vm_ooffset_t
vm_map_protect_charge(vm_map_entry_t e, vm_prot_t new_prot, bool apply)
{
	vm_object_t object = e->cold->object;
	vm_ooffset_t need = 0;

	if ((e->eflags & MAP_ENTRY_GUARD) != 0 ||
	    (new_prot & ~e->protection & VM_PROT_WRITE) == 0 ||
	    vm_map_entry_charged(e))
		return (0);
	if (object == NULL || (e->eflags & MAP_ENTRY_NEEDS_COPY) != 0) {
		if (apply)
			e->eflags |= MAP_ENTRY_CHARGED;
		return (e->end - e->start);
	}
	VM_OBJECT_WLOCK(object);
	if ((object->flags & OBJ_ANON) != 0 && object->charge == 0) {
		need = IDX_TO_OFF(object->size);
		if (apply)
			object->charge = need;
	}
	VM_OBJECT_WUNLOCK(object);
	return (need);
}

/*
 * Set the protection of [start, end) to new_prot, or with set_max the
 * maximum protection (the current one is reduced to fit).  Holes are
 * skipped, and so are guard entries: a guard can never be given access
 * (D11306).  An entry whose maximum does not allow new_prot fails the whole
 * call with KERN_PROTECTION_FAILURE before anything changes, and private
 * memory that becomes writable is reserved first (KERN_RESOURCE_SHORTAGE,
 * changing nothing, under strict overcommit).
 *
 * The pmap part (downgrading existing mappings) belongs to the layer that
 * owns pmaps and is applied there.
 */
int
vm_map_protect(vm_map_t map, vm_offset_t start, vm_offset_t end,
    vm_prot_t new_prot, bool set_max)
{
	vm_map_entry_t first, e;
	vm_prot_t old_prot;
	vm_ooffset_t need, taken;
	u_short oflags;
	int rv;

	if ((new_prot & ~VM_PROT_ALL) != 0 || ((start | end) & PAGE_MASK) != 0)
		return (KERN_INVALID_ARGUMENT);
	vm_map_lock(map);
	if (!vm_map_range_valid(map, start, end)) {
		vm_map_unlock(map);
		return (KERN_INVALID_ADDRESS);
	}
	if (start == end) {
		vm_map_unlock(map);
		return (KERN_SUCCESS);
	}
	for (e = vm_map_lookup_entry_ge(map, start);
	    e != &map->header && e->start < end; e = vm_map_entry_succ(e)) {
		if ((e->eflags & MAP_ENTRY_GUARD) != 0)
			continue;
		if ((e->eflags & MAP_ENTRY_IS_SUB_MAP) != 0) {
			vm_map_unlock(map);
			return (KERN_INVALID_ARGUMENT);
		}
		/* set_max may only lower the maximum (FreeBSD). */
		if ((new_prot & e->max_protection) != new_prot) {
			vm_map_unlock(map);
			return (KERN_PROTECTION_FAILURE);
		}
		/* A write-sealed object takes no new shared writer. */
		if (!set_max && (new_prot & VM_PROT_WRITE) != 0 &&
		    vm_map_entry_object_flags(e, &oflags) &&
		    (oflags & OBJ_NOWRITEMAP) != 0) {
			vm_map_unlock(map);
			return (KERN_PROTECTION_FAILURE);
		}
	}
	if ((rv = vm_map_clip_check(map, start, end)) != KERN_SUCCESS) {
		vm_map_unlock(map);
		return (rv);
	}
	first = vm_map_clip_range(map, start, end);
	/*
	 * Reserve for every entry first, so that a refusal leaves the range
	 * as it was (the clips merge back).  An object is charged once,
	 * however many entries map it (FreeBSD charges it at the first and
	 * finds the others charged): the entries of one object, split by
	 * earlier calls, are counted once here.  Only the first few objects
	 * are remembered; one met again after them counts twice here and
	 * once below, and the difference goes back.
	 */
	need = 0;
	if (!set_max && vm_map_charges(map)) {
		vm_object_t seen[8];
		vm_ooffset_t c;
		u_int i, nseen = 0;

		for (e = first; e != &map->header && e->start < end;
		    e = vm_map_entry_succ(e)) {
			c = vm_map_protect_charge(e, new_prot, false);
			/* An object's charge, not an entry's own size. */
			if (c != 0 && e->cold->object != NULL &&
			    (e->eflags & MAP_ENTRY_NEEDS_COPY) == 0) {
				for (i = 0; i < nseen &&
				    seen[i] != e->cold->object; i++)
					;
				if (i < nseen)
					continue;
				if (nseen < nitems(seen))
					seen[nseen++] = e->cold->object;
			}
			need += c;
		}
	}
	if (need != 0 && !swap_reserve(need)) {
		vm_map_merge_range(map, first, end);
		vm_map_unlock(map);
		return (KERN_RESOURCE_SHORTAGE);
	}
	taken = 0;
	for (e = first; e != &map->header && e->start < end;
	    e = vm_map_entry_succ(e)) {
		if ((e->eflags & MAP_ENTRY_GUARD) != 0)
			continue;
		if (need != 0)
			taken += vm_map_protect_charge(e, new_prot, true);
		old_prot = e->protection;
		if (set_max) {
			e->max_protection = new_prot;
			e->protection &= new_prot;
			/* No longer a possible writer of the object. */
			if ((e->eflags & MAP_ENTRY_WRITECNT) != 0 &&
			    (new_prot & VM_PROT_WRITE) == 0) {
				vm_pager_release_writecount(e->cold->object,
				    e->start, e->end);
				e->eflags &= ~MAP_ENTRY_WRITECNT;
			}
		} else {
			e->protection = new_prot;
			/*
			 * A shared mapping of a named object that becomes
			 * writable counts as a writer from now (shm counts
			 * by protection; vnode entries that may write were
			 * counted when mapped).
			 */
			if ((new_prot & VM_PROT_WRITE) != 0 &&
			    (e->eflags & MAP_ENTRY_WRITECNT) == 0 &&
			    vm_map_entry_shared_named(e)) {
				vm_pager_update_writecount(e->cold->object,
				    e->start, e->end);
				e->eflags |= MAP_ENTRY_WRITECNT;
			}
		}
		/*
		 * Downgrade the translations now; an upgrade waits for the
		 * next fault.  A copy-on-write entry never maps writable
		 * pages it does not own, so write stays off there.
		 */
		if (map->pmap != NULL && e->cold->object != NULL &&
		    (old_prot & ~e->protection) != 0)
			pmap_protect(map->pmap, e->start, e->end,
			    (e->eflags & MAP_ENTRY_NEEDS_COPY) != 0 ?
			    e->protection & ~VM_PROT_WRITE : e->protection);
	}
	KASSERT(taken <= need, ("%s: map %p took %#jx of %#jx reserved",
	    __func__, (void *)map, (uintmax_t)taken, (uintmax_t)need));
	if (taken < need)
		swap_release(need - taken);
	vm_map_merge_range(map, first, end);
	vm_map_unlock(map);
	return (KERN_SUCCESS);
}

/*
 * Apply fn to every entry of [start, end) after clipping, then merge.  The
 * common frame of vm_map_inherit and the map part of vm_map_madvise.
 */
static int
vm_map_apply(vm_map_t map, vm_offset_t start, vm_offset_t end,
    void (*fn)(vm_map_entry_t, int), int arg)
{
	vm_map_entry_t first, e;
	int rv;

	if (((start | end) & PAGE_MASK) != 0)
		return (KERN_INVALID_ARGUMENT);
	vm_map_lock(map);
	if (!vm_map_range_valid(map, start, end)) {
		vm_map_unlock(map);
		return (KERN_INVALID_ADDRESS);
	}
	if (start == end) {
		vm_map_unlock(map);
		return (KERN_SUCCESS);
	}
	if ((rv = vm_map_clip_check(map, start, end)) != KERN_SUCCESS) {
		vm_map_unlock(map);
		return (rv);
	}
	first = vm_map_clip_range(map, start, end);
	for (e = first; e != &map->header && e->start < end;
	    e = vm_map_entry_succ(e))
		fn(e, arg);
	vm_map_merge_range(map, first, end);
	vm_map_unlock(map);
	return (KERN_SUCCESS);
}

static void
vm_map_set_inherit(vm_map_entry_t e, int inh)
{
	/* A guard holds no memory to share or zero; it is copied as is. */
	if ((e->eflags & MAP_ENTRY_GUARD) != 0 && inh == VM_INHERIT_ZERO)
		return;
	e->inheritance = (vm_inherit_t)inh;
}

int
vm_map_inherit(vm_map_t map, vm_offset_t start, vm_offset_t end,
    vm_inherit_t new_inheritance)
{
	switch (new_inheritance) {
	case VM_INHERIT_SHARE:
	case VM_INHERIT_COPY:
	case VM_INHERIT_NONE:
	case VM_INHERIT_ZERO:
		break;
	default:
		return (KERN_INVALID_ARGUMENT);
	}
	return (vm_map_apply(map, start, end, vm_map_set_inherit,
	    new_inheritance));
}

static void
vm_map_set_behav(vm_map_entry_t e, int behav)
{
	switch (behav) {
	case VM_MADV_NORMAL:
		e->eflags = (e->eflags & ~MAP_ENTRY_BEHAV_MASK) |
		    MAP_ENTRY_BEHAV_NORMAL;
		break;
	case VM_MADV_SEQUENTIAL:
		e->eflags = (e->eflags & ~MAP_ENTRY_BEHAV_MASK) |
		    MAP_ENTRY_BEHAV_SEQUENTIAL;
		break;
	case VM_MADV_RANDOM:
		e->eflags = (e->eflags & ~MAP_ENTRY_BEHAV_MASK) |
		    MAP_ENTRY_BEHAV_RANDOM;
		break;
	case VM_MADV_NOSYNC:
		e->eflags |= MAP_ENTRY_NOSYNC;
		break;
	case VM_MADV_AUTOSYNC:
		e->eflags &= ~MAP_ENTRY_NOSYNC;
		break;
	case VM_MADV_NOCORE:
		e->eflags |= MAP_ENTRY_NOCOREDUMP;
		break;
	case VM_MADV_CORE:
		e->eflags &= ~MAP_ENTRY_NOCOREDUMP;
		break;
	}
}

/*
 * Advice about pages: WILLNEED activates the resident pages of each
 * entry's top object and maps them (read-only, as a prefault would);
 * DONTNEED deactivates them; FREE discards anonymous pages nobody else can
 * see, and so skips entries still marked NEEDS_COPY, whose pages another
 * address space shares (vm_object_madvise checks the object's side).
 */
static int
vm_map_madvise_pages(vm_map_t map, vm_offset_t start, vm_offset_t end,
    int behav)
{
	vm_map_entry_t e;
	vm_offset_t s, t;
	vm_pindex_t pindex;

	if (((start | end) & PAGE_MASK) != 0)
		return (KERN_INVALID_ARGUMENT);
	vm_map_lock_read(map);
	if (!vm_map_range_valid(map, start, end)) {
		vm_map_unlock_read(map);
		return (KERN_INVALID_ADDRESS);
	}
	for (e = vm_map_lookup_entry_ge(map, start);
	    e != &map->header && e->start < end; e = vm_map_entry_succ(e)) {
		if (e->cold->object == NULL || (e->eflags & (MAP_ENTRY_GUARD |
		    MAP_ENTRY_IS_SUB_MAP)) != 0)
			continue;
		s = MAX(start, e->start);
		t = MIN(end, e->end);
		pindex = OFF_TO_IDX(e->cold->offset + (s - e->start));
		if (behav == VM_MADV_FREE &&
		    (e->eflags & MAP_ENTRY_NEEDS_COPY) != 0)
			continue;
		vm_object_madvise(e->cold->object, pindex, pindex + atop(t - s),
		    behav);
		if (behav == VM_MADV_WILLNEED && map->pmap != NULL &&
		    (e->protection & VM_PROT_READ) != 0)
			vm_map_pmap_enter(map, s, e->protection,
			    e->cold->object, pindex, t - s);
	}
	vm_map_unlock_read(map);
	return (KERN_SUCCESS);
}

/*
 * Map the resident, valid, unbusied pages of object's [pindex, pindex +
 * atop(size)) at addr read-only (executable if prot says so): a prefault
 * (MAP_PREFAULT_READ, madvise WILLNEED).  Best effort; never sleeps.
 *
 * => map locked (shared is enough).
 */
void
vm_map_pmap_enter(vm_map_t map, vm_offset_t addr, vm_prot_t prot,
    vm_object_t object, vm_pindex_t pindex, vm_size_t size)
{
	vm_pindex_t end = pindex + atop(size);
	vm_page_t m;

	if (map->pmap == NULL || object == NULL)
		return;
	VM_OBJECT_RLOCK(object);
	for (m = vm_page_find_least(object, pindex);
	    m != NULL && m->pindex < end; m = TAILQ_NEXT(m, listq)) {
		if (!vm_page_all_valid(m) || !vm_page_trysbusy(m))
			continue;
		pmap_enter_quick(map->pmap, addr + ptoa(m->pindex - pindex),
		    m, prot & (VM_PROT_READ | VM_PROT_EXECUTE));
		vm_page_sunbusy(m);
	}
	VM_OBJECT_RUNLOCK(object);
}

/*
 * The map part of madvise(2): behaviours recorded in the entries.  Advice
 * about pages (WILLNEED, DONTNEED, FREE) and VM_MADV_PROTECT is validated and
 * left to the caller, which owns the objects and the process.
 */
int
vm_map_madvise(vm_map_t map, vm_offset_t start, vm_offset_t end, int behav)
{
	switch (behav) {
	case VM_MADV_NORMAL:
	case VM_MADV_SEQUENTIAL:
	case VM_MADV_RANDOM:
	case VM_MADV_NOSYNC:
	case VM_MADV_AUTOSYNC:
	case VM_MADV_NOCORE:
	case VM_MADV_CORE:
		return (vm_map_apply(map, start, end, vm_map_set_behav,
		    behav));
	case VM_MADV_WILLNEED:
	case VM_MADV_DONTNEED:
	case VM_MADV_FREE:
		return (vm_map_madvise_pages(map, start, end, behav));
	case VM_MADV_PROTECT:
		vm_map_lock_read(map);
		if (!vm_map_range_valid(map, start, end)) {
			vm_map_unlock_read(map);
			return (KERN_INVALID_ADDRESS);
		}
		vm_map_unlock_read(map);
		return (KERN_SUCCESS);
	default:
		return (KERN_INVALID_ARGUMENT);
	}
}

/* ---- stacks (D11306) -------------------------------------------------------- */

/*
 * Create a grow-down stack in [addrbos, addrbos + max_ssize): a stack entry
 * of sgrowsiz bytes at the top and, below it, a guard entry marking the
 * grow area (MAP_ENTRY_STACK_GAP_DN).  Its lowest stack_guard_page pages
 * stay a guard for ever; their size is kept in the gap entry's next_read,
 * as FreeBSD does.
 */
static int
vm_map_stack_locked(vm_map_t map, vm_offset_t addrbos, vm_size_t max_ssize,
    vm_prot_t prot, vm_prot_t max, int cow)
{
	vm_offset_t bot, top;
	vm_size_t init_ssize, sgp;
	vm_map_entry_t gap;
	int rv;

	vm_map_assert_locked(map);
	cow &= ~MAP_STACK_GROWS_DOWN;
	if (max_ssize == 0 || ((addrbos | max_ssize) & PAGE_MASK) != 0 ||
	    (cow & (MAP_CREATE_GUARD | MAP_CREATE_STACK_GAP_DN)) != 0)
		return (KERN_INVALID_ARGUMENT);
	sgp = (vm_size_t)stack_guard_page * PAGE_SIZE;
	if (sgp >= max_ssize)
		return (KERN_INVALID_ARGUMENT);
	init_ssize = MIN((vm_size_t)round_page(sgrowsiz), max_ssize - sgp);
	if (addrbos + max_ssize < addrbos ||
	    !vm_map_range_valid(map, addrbos, addrbos + max_ssize))
		return (KERN_INVALID_ADDRESS);
	top = addrbos + max_ssize;
	bot = top - init_ssize;
	if (vm_map_lookup_entry_ge(map, addrbos)->start < top)
		return (KERN_NO_SPACE);
	if (vm_map_entries_full(map, 2))
		return (KERN_RESOURCE_SHORTAGE);
	rv = vm_map_insert(map, NULL, 0, bot, top, prot, max,
	    cow | MAP_STACK_GROWS_DOWN);
	if (rv == KERN_SUCCESS && bot > addrbos) {
		rv = vm_map_insert(map, NULL, 0, addrbos, bot, VM_PROT_NONE,
		    VM_PROT_NONE, MAP_CREATE_GUARD | MAP_CREATE_STACK_GAP_DN);
		if (rv == KERN_SUCCESS) {
			(void)vm_map_lookup_entry(map, addrbos, &gap);
			gap->cold->next_read = sgp;
		} else
			(void)vm_map_delete(map, bot, top);
	}
	return (rv);
}

int
vm_map_stack(vm_map_t map, vm_offset_t addrbos, vm_size_t max_ssize,
    vm_prot_t prot, vm_prot_t max, int cow)
{
	int rv;

	vm_map_lock(map);
	rv = vm_map_stack_locked(map, addrbos, max_ssize, prot, max, cow);
	vm_map_unlock(map);
	return (rv);
}

/*
 * Grow a wired stack: its pages are wired, the new ones are not, so the
 * growth is a new entry below it (as FreeBSD grows every stack) over the
 * same object, rather than the stack entry reaching down.  No free gap
 * changes: the new entry fills exactly what the gap gives up.
 *
 * => map locked exclusively.
 */
static int
vm_map_growstack_entry(vm_map_t map, vm_map_entry_t gap_entry,
    vm_map_entry_t stack_entry, vm_size_t grow)
{
	vm_map_entry_t new;

	if (vm_map_entries_full(map, 1))
		return (KERN_NO_SPACE);
	new = vm_map_entry_create(map);
	vm_map_entry_copy(new, stack_entry);
	new->left = new->right = NULL;
	new->eflags &= ~(MAP_ENTRY_USER_WIRED | MAP_ENTRY_IN_TRANSITION |
	    MAP_ENTRY_NEEDS_WAKEUP);
	new->cold->wired_count = 0;
	new->cold->wiring_thread = NULL;
	new->end = stack_entry->start;
	new->start = stack_entry->start - grow;
	new->cold->next_read = new->start;
	if (new->cold->object != NULL) {
		/* Its object spans the gap (vm_map_entry_back). */
		KASSERT(new->cold->offset >= grow, ("%s: stack object "
		    "offset %#jx < %#jx", __func__,
		    (uintmax_t)new->cold->offset, (uintmax_t)grow));
		new->cold->offset -= grow;
		vm_object_reference(new->cold->object);
	}
	if (grow == gap_entry->end - gap_entry->start) {
		vm_map_entry_unlink(map, gap_entry, UNLINK);
		vm_map_entry_dispose(map, gap_entry);
	} else
		gap_entry->end -= grow;
	vm_map_entry_link(map, new);
	map->size += grow;
	return (KERN_SUCCESS);
}

/*
 * Reserve a stack's growth as its charge says (FreeBSD's
 * vm_map_growstack): an entry with its own charge holds its size, which
 * grows with it; a charged object takes the growth; an uncharged stack
 * (not writable) grows uncharged.  false if strict overcommit refuses.
 *
 * => map locked exclusively.
 */
static bool
vm_map_growstack_charge(vm_map_t map, vm_map_entry_t stack_entry,
    vm_size_t grow)
{
	vm_object_t object = stack_entry->cold->object;

	vm_map_assert_locked(map);
	if ((stack_entry->eflags & MAP_ENTRY_CHARGED) != 0)
		return (swap_reserve(grow));
	if (object == NULL || (stack_entry->eflags & MAP_ENTRY_NEEDS_COPY) != 0)
		return (true);
	VM_OBJECT_WLOCK(object);
	if (object->charge != 0) {
		if (!swap_reserve(grow)) {
			VM_OBJECT_WUNLOCK(object);
			return (false);
		}
		object->charge += grow;
	}
	VM_OBJECT_WUNLOCK(object);
	return (true);
}

/*
 * Grow the stack above gap_entry down to cover addr: move the boundary
 * between the gap and the stack entry down by whole sgrowsiz units (less
 * near the guard).  Addresses in the guard pages fail with KERN_NO_SPACE.
 * No free gap changes, so no max_free does.
 *
 * => map locked exclusively (by the fault path's lookup).
 */
int
vm_map_growstack(vm_map_t map, vm_offset_t addr, vm_map_entry_t gap_entry)
{
	vm_map_entry_t stack_entry;
	vm_size_t grow, max_grow;

	vm_map_assert_locked(map);
	if ((gap_entry->eflags & MAP_ENTRY_STACK_GAP_DN) == 0)
		return (KERN_INVALID_ARGUMENT);
	stack_entry = vm_map_entry_succ(gap_entry);
	if ((stack_entry->eflags & MAP_ENTRY_GROWS_DOWN) == 0 ||
	    stack_entry->start != gap_entry->end)
		return (KERN_FAILURE);
	if (addr >= stack_entry->start)
		return (KERN_SUCCESS);
	if (addr < gap_entry->start)
		return (KERN_INVALID_ADDRESS);
	/* next_read holds the guard size (vm_map_stack). */
	if (gap_entry->end - gap_entry->start <= gap_entry->cold->next_read &&
	    gap_entry->cold->next_read != 0)
		return (KERN_NO_SPACE);
	if (addr < gap_entry->start + gap_entry->cold->next_read)
		return (KERN_NO_SPACE);
	max_grow = gap_entry->end - gap_entry->start -
	    gap_entry->cold->next_read;
	max_grow = MIN(max_grow, vm_map_stack_maxgrow(map, gap_entry));
	grow = roundup(stack_entry->start - trunc_page(addr),
	    (vm_size_t)round_page(sgrowsiz));
	if (grow > max_grow)
		grow = max_grow;
	/* The limits may not let the stack reach addr at all. */
	if (stack_entry->start - grow > trunc_page(addr))
		return (KERN_NO_SPACE);
	if (stack_entry->cold->wired_count > 0 && vm_map_entries_full(map, 1))
		return (KERN_NO_SPACE);
	/* Nothing can fail after the reservation. */
	if (!vm_map_growstack_charge(map, stack_entry, grow))
		return (KERN_NO_SPACE);
	if (stack_entry->cold->wired_count > 0)
		return (vm_map_growstack_entry(map, gap_entry, stack_entry,
		    grow));
	if (grow == gap_entry->end - gap_entry->start) {
		/* No guard left below: the stack takes the whole gap. */
		vm_ooffset_t off = stack_entry->cold->offset;

		vm_map_entry_unlink(map, gap_entry, UNLINK_MERGE_NEXT);
		vm_map_entry_dispose(map, gap_entry);
		KASSERT(stack_entry->cold->object == NULL || off >= grow,
		    ("%s: stack object offset %#jx < %#jx", __func__,
		    (uintmax_t)off, (uintmax_t)grow));
		stack_entry->cold->offset = stack_entry->cold->object != NULL ?
		    off - grow : 0;
	} else {
		gap_entry->end -= grow;
		stack_entry->start -= grow;
		if (stack_entry->cold->object != NULL) {
			/* Its object spans the gap (vm_map_entry_back). */
			KASSERT(stack_entry->cold->offset >= grow,
			    ("%s: stack object offset %#jx < %#jx", __func__,
			    (uintmax_t)stack_entry->cold->offset,
			    (uintmax_t)grow));
			stack_entry->cold->offset -= grow;
		}
		map->nupdates++;
	}
	map->size += grow;
	return (KERN_SUCCESS);
}

/* ---- the fault handler's lookup -------------------------------------------- */

/*
 * Take the map lock exclusively from a shared hold.  Returns false if the
 * lock had to be dropped on the way (someone else may have changed the
 * map): the caller holds it exclusively all the same and must look again.
 */
static bool
vm_map_lock_upgrade_keep(vm_map_t map)
{
	return (vm_map_lock_upgrade(map) == 0);
}

/*
 * Give entry its anonymous object.  A stack's object covers the grow area
 * below it too, with the entry at the matching offset, so growing the
 * stack down only lowers the entry's offset (vm_map_growstack).
 *
 * => map locked exclusively.
 */
void
vm_map_entry_back(vm_map_t map, vm_map_entry_t entry)
{
	vm_map_entry_t gap;
	vm_size_t below = 0;

	vm_map_assert_locked(map);
	(void)map;
	KASSERT(entry->cold->object == NULL, ("%s: entry %p has object %p",
	    __func__, (void *)entry, (void *)entry->cold->object));
	if ((entry->eflags & MAP_ENTRY_GROWS_DOWN) != 0) {
		gap = vm_map_entry_pred(entry);
		if ((gap->eflags & MAP_ENTRY_STACK_GAP_DN) != 0 &&
		    gap->end == entry->start)
			below = gap->end - gap->start;
	}
	vm_map_entry_set_object(entry, vm_object_allocate_anon(atop(below +
	    entry->end - entry->start)));
	entry->cold->offset = below;
	vm_map_entry_charge_object(entry);
}

/*
 * Give entry a shadow of its object (vm_object_shadow) and clear
 * NEEDS_COPY.  A stack's shadow spans the grow area below it too, like
 * the object vm_map_entry_back made, so that growth keeps lowering a
 * non-negative offset.  The entry's charge goes to the shadow; when no
 * shadow was needed (the entry held the only reference to an anonymous
 * object) it goes to that object if it has none, and back otherwise.
 *
 * => map locked exclusively.
 */
void
vm_map_entry_shadow(vm_map_t map, vm_map_entry_t entry, bool shared)
{
	vm_map_entry_t gap;
	vm_object_t obj, old;
	vm_ooffset_t off;
	vm_size_t below = 0;

	vm_map_assert_locked(map);
	(void)map;
	/* Its writes go to the shadow now, not to the named object. */
	if ((entry->eflags & MAP_ENTRY_WRITECNT) != 0) {
		vm_pager_release_writecount(entry->cold->object, entry->start,
		    entry->end);
		entry->eflags &= ~MAP_ENTRY_WRITECNT;
	}
	if ((entry->eflags & MAP_ENTRY_GROWS_DOWN) != 0) {
		gap = vm_map_entry_pred(entry);
		if ((gap->eflags & MAP_ENTRY_STACK_GAP_DN) != 0 &&
		    gap->end == entry->start)
			below = gap->end - gap->start;
		KASSERT(entry->cold->offset >= below, ("%s: stack entry %p "
		    "offset %#jx below its gap %#jx", __func__, (void *)entry,
		    (uintmax_t)entry->cold->offset, (uintmax_t)below));
	}
	off = entry->cold->offset - below;
	old = obj = entry->cold->object;
	vm_object_shadow(&obj, &off, below + entry->end - entry->start,
	    shared);
	vm_map_entry_set_object(entry, obj);
	entry->cold->offset = off + below;
	entry->eflags &= ~MAP_ENTRY_NEEDS_COPY;
	if (entry->cold->object != old)
		vm_map_entry_charge_object(entry);
	else if ((entry->eflags & MAP_ENTRY_CHARGED) != 0) {
		entry->eflags &= ~MAP_ENTRY_CHARGED;
		VM_OBJECT_WLOCK(old);
		if (old->charge == 0) {
			old->charge = MIN(entry->end - entry->start,
			    IDX_TO_OFF(old->size));
			swap_release(entry->end - entry->start - old->charge);
		} else
			swap_release(entry->end - entry->start);
		VM_OBJECT_WUNLOCK(old);
	}
}

/*
 * Find what backs vaddr for an access of fault_type: the entry, its top
 * object (created if the entry has none) and the page index in it, and
 * the protection to map the page with.  A write to a NEEDS_COPY entry
 * gives the entry its own shadow first; a read leaves the entry shared and
 * takes write out of the protection, so the page is mapped read-only and
 * the first write faults again.  An address in a stack's grow area grows
 * the stack.
 *
 * Returns KERN_SUCCESS with the map read-locked (vm_map_lookup_done
 * releases it), KERN_INVALID_ADDRESS where nothing is mapped, or
 * KERN_PROTECTION_FAILURE where the access is not allowed (guards
 * included).
 */
int
vm_map_lookup(vm_map_t *var_map, vm_offset_t vaddr, vm_prot_t fault_type,
    vm_map_entry_t *out_entry, vm_object_t *object, vm_pindex_t *pindex,
    vm_prot_t *out_prot, bool *wired)
{
	vm_map_t map = *var_map;
	vm_map_entry_t entry;
	vm_prot_t access, prot;
	bool copy, longpath, wire;
	vm_offset_t gs, ge;
	int rv, tries = 0;

retry:
	/*
	 * A fast hold cannot be upgraded: a retry after a failed upgrade (or
	 * a long path) takes the sx, which can be when no one else shares it.
	 */
	if (tries++ == 0)
		vm_map_lock_read_fast(map);
	else
		vm_map_lock_read(map);
	longpath = false;
	if (!vm_map_lookup_entry_long(map, vaddr, &entry, &longpath)) {
		vm_map_unlock_read(map);
		return (KERN_INVALID_ADDRESS);
	}
	if (__predict_false(longpath)) {
		/*
		 * A tree left as a long path (ascending mmaps) would make
		 * every fault walk it: retry on the sx, whose only holder
		 * splays it (vm_map_lookup_entry).
		 */
		vm_map_unlock_read(map);
		goto retry;
	}
	if ((entry->eflags & MAP_ENTRY_STACK_GAP_DN) != 0) {
		if (!vm_map_lock_upgrade_keep(map) &&
		    (!vm_map_lookup_entry(map, vaddr, &entry) ||
		    (entry->eflags & MAP_ENTRY_STACK_GAP_DN) == 0)) {
			vm_map_unlock(map);
			goto retry;
		}
		gs = vm_map_entry_succ(entry)->start;	/* the stack's bottom */
		rv = vm_map_growstack(map, vaddr, entry);
		wire = rv == KERN_SUCCESS && (map->flags & MAP_WIREFUTURE) != 0;
		if (wire && vm_map_lookup_entry(map, vaddr, &entry))
			ge = entry->start;		/* the new bottom */
		else
			wire = false;
		vm_map_unlock(map);
		/*
		 * Under mlockall(MCL_FUTURE) the growth is wired too, as
		 * FreeBSD's vm_map_growstack does; if RLIMIT_MEMLOCK or
		 * vm.max_user_wired refuse, it stays, unwired.
		 */
		if (wire)
			(void)vm_map_wire(map, ge, gs, VM_MAP_WIRE_USER);
		if (rv == KERN_SUCCESS)
			goto retry;
		return (KERN_PROTECTION_FAILURE);
	}
	prot = entry->protection;
	/* From the caller's request each time round: a retry starts over. */
	copy = (fault_type & VM_PROT_COPY) != 0;
	access = fault_type & VM_PROT_ALL;
	if ((access & prot) != access || prot == VM_PROT_NONE ||
	    (entry->eflags & MAP_ENTRY_GUARD) != 0) {
		vm_map_unlock_read(map);
		return (KERN_PROTECTION_FAILURE);
	}
	*wired = entry->cold->wired_count != 0;
	if (*wired)
		access = prot;
	if ((entry->eflags & MAP_ENTRY_NEEDS_COPY) != 0) {
		if ((access & VM_PROT_WRITE) != 0 || copy) {
			if (!vm_map_lock_upgrade_keep(map)) {
				vm_map_unlock(map);
				goto retry;
			}
			vm_map_entry_shadow(map, entry, false);
			vm_map_lock_downgrade(map);
		} else
			prot &= ~VM_PROT_WRITE;
	}
	if (entry->cold->object == NULL) {
		if (!vm_map_lock_upgrade_keep(map)) {
			vm_map_unlock(map);
			goto retry;
		}
		vm_map_entry_back(map, entry);
		vm_map_lock_downgrade(map);
	}
	*pindex = OFF_TO_IDX(vaddr - entry->start + entry->cold->offset);
	*object = entry->cold->object;
	*out_prot = prot;
	*out_entry = entry;
	return (KERN_SUCCESS);
}

void
vm_map_lookup_done(vm_map_t map, vm_map_entry_t entry __unused)
{
	vm_map_unlock_read(map);
}

/* ---- address spaces -------------------------------------------------------- */

static _Atomic u_int vmspace_live;	/* (a) vmspaces alive */
static struct mtx vmspace_list_mtx;	/* protects vmspace_list */
static LIST_HEAD(, vmspace) vmspace_list; /* every vmspace alive */

static const struct vm_rlimit vm_rlimit_default[VM_NRLIMITS] = {
	[VM_RLIMIT_DATA] = { VM_DFLDSIZ, VM_MAXDSIZ },
	[VM_RLIMIT_STACK] = { VM_DFLSSIZ, VM_MAXSSIZ },
	[VM_RLIMIT_MEMLOCK] = { VM_RLIM_INFINITY, VM_RLIM_INFINITY },
	[VM_RLIMIT_AS] = { VM_RLIM_INFINITY, VM_RLIM_INFINITY },
};

/* The vmspace of a map, or NULL for a bare map (tests of the map alone). */
static struct vmspace *
vm_map_vmspace(vm_map_t map)
{
	return (map->vmspace);
}

/*
 * How far may the stack above gap_entry grow?  RLIMIT_STACK bounds the
 * stack's size (every GROWS_DOWN entry from there up) and RLIMIT_AS the
 * address space's.  No bound for a map that is not a vmspace's.
 */
static vm_size_t
vm_map_stack_maxgrow(vm_map_t map, vm_map_entry_t gap_entry)
{
	struct vmspace *vm = vm_map_vmspace(map);
	vm_map_entry_t e;
	vm_size_t ssize = 0, lim, room;

	if (vm == NULL)
		return (~(vm_size_t)0);
	for (e = vm_map_entry_succ(gap_entry); e != &map->header &&
	    (e->eflags & MAP_ENTRY_GROWS_DOWN) != 0; e = vm_map_entry_succ(e))
		ssize += e->end - e->start;
	lim = vm->vm_rlimit[VM_RLIMIT_STACK].cur;
	room = lim > ssize ? trunc_page(lim - ssize) : 0;
	lim = vm->vm_rlimit[VM_RLIMIT_AS].cur;
	room = MIN(room, lim > map->size ? trunc_page(lim - map->size) : 0);
	return (room);
}

int
vmspace_alloc(struct vmspace **vmp)
{
	struct vmspace *vm;
	pmap_t pmap;

	pmap = pmap_create();
	if (pmap == NULL)
		return (ENOMEM);
	vm = uma_zalloc(vmspace_zone, M_WAITOK | M_ZERO);
	vm_map_init(&vm->vm_map, VM_MIN_USER_ADDRESS, VM_MAX_USER_ADDRESS);
	vm->vm_map.pmap = pmap;
	vm->vm_map.vmspace = vm;
	if (vm_map_aslr_default())
		vm->vm_map.flags |= MAP_ASLR;
	vm->vm_pmap = pmap;
	vm->vm_daddr = VM_DATA_BASE;
	vm->vm_dsize = 0;
	vm->vm_map.sbrk_start = vm->vm_daddr;
	vm->vm_map.sbrk_end = vm->vm_daddr + vm_rlimit_default[VM_RLIMIT_DATA].max;
	memcpy(vm->vm_rlimit, vm_rlimit_default, sizeof(vm->vm_rlimit));
	atomic_init(&vm->vm_refcnt, 1);
	atomic_fetch_add(&vmspace_live, 1);
	mtx_lock(&vmspace_list_mtx);
	LIST_INSERT_HEAD(&vmspace_list, vm, vm_link);
	mtx_unlock(&vmspace_list_mtx);
	*vmp = vm;
	return (0);
}

void
vmspace_free(struct vmspace *vm)
{
	if (atomic_fetch_sub(&vm->vm_refcnt, 1) > 1)
		return;
	mtx_lock(&vmspace_list_mtx);
	LIST_REMOVE(vm, vm_link);
	mtx_unlock(&vmspace_list_mtx);
	vm_map_destroy(&vm->vm_map);	/* every entry: objects, mappings */
	pmap_destroy(vm->vm_pmap);
	uma_zfree(vmspace_zone, vm);
	atomic_fetch_sub(&vmspace_live, 1);
}

struct vmspace *
vmspace_oom_victim(long *residentp)
{
	struct vmspace *vm, *best = NULL;
	long n, best_n = 0;
	int ref;

	mtx_lock(&vmspace_list_mtx);
	LIST_FOREACH(vm, &vmspace_list, vm_link) {
		if (atomic_load(&vm->vm_oom) != VM_OOM_NORMAL ||
		    atomic_load(&vm->vm_refcnt) == 0)
			continue;
		n = pmap_resident_count(vm->vm_pmap);
		if (n > best_n) {
			best = vm;
			best_n = n;
		}
	}
	if (best != NULL) {
		/* A reference, unless it is on its way out. */
		ref = atomic_load(&best->vm_refcnt);
		do {
			if (ref == 0) {
				best = NULL;
				break;
			}
		} while (!atomic_compare_exchange_weak(&best->vm_refcnt, &ref,
		    ref + 1));
	}
	mtx_unlock(&vmspace_list_mtx);
	*residentp = best_n;
	return (best);
}

/*
 * Kill vm for memory: mark it, so that its accesses fail with SIGKILL
 * (vm_fault returns KERN_TERMINATED), and unmap everything, which frees
 * its memory.  The caller's reference is dropped.
 */
void
vmspace_oom_kill(struct vmspace *vm, long resident)
{
	atomic_store(&vm->vm_oom, VM_OOM_KILLED);
	kprintf("libvm: address space %p (%ld resident pages) killed: out "
	    "of swap space\n", (void *)vm, resident);
	(void)vm_map_remove(&vm->vm_map, vm_map_min(&vm->vm_map),
	    vm_map_max(&vm->vm_map));
	vmspace_free(vm);
}

u_int
vmspace_count(void)
{
	return (atomic_load(&vmspace_live));
}

/*
 * Copy a private (COPY-inherited) entry into the child: both entries end
 * up copy-on-write over the same object, NEEDS_COPY, and the parent's
 * translations lose write access so that its next write faults and
 * copies.  An object that other entries of the parent map in other ranges
 * (ONEMAPPING after a clip) is split first, so the shared object covers
 * exactly this entry.
 *
 * Swap reservation (FreeBSD's vm_map_copy_entry): when the parent's
 * memory is charged, each side that will write a private copy holds a
 * charge of its own (the child always, the parent unless it was
 * copy-on-write already), and the object keeps its charge for the pages
 * both still share.  The bytes charged are added to *chargep, from what
 * the fork reserved (vm_map_fork_charge).
 *
 * => both maps locked exclusively.
 */
static void
vm_map_copy_entry(vm_map_t src_map, vm_map_t dst_map, vm_map_entry_t src,
    vm_map_entry_t dst, vm_ooffset_t *chargep)
{
	vm_object_t object;
	vm_size_t size = src->end - src->start;
	bool charged;

	charged = vm_map_entry_charged(src);
	if (src->cold->object != NULL) {
		object = src->cold->object;
		VM_OBJECT_WLOCK(object);
		vm_object_collapse(object);
		if ((object->flags & OBJ_ONEMAPPING) != 0 &&
		    atomic_load(&object->ref_count) > 1) {
			VM_OBJECT_WUNLOCK(object);
			vm_object_split(src);
			object = src->cold->object;
			VM_OBJECT_WLOCK(object);
		}
		vm_object_reference(object);
		object->flags &= ~OBJ_ONEMAPPING;
		VM_CNT_ADD(v_forkpages, object->resident_page_count);
		VM_OBJECT_WUNLOCK(object);
		vm_map_entry_set_object(dst, object);
		dst->cold->offset = src->cold->offset;
		if ((src->eflags & MAP_ENTRY_NEEDS_COPY) == 0 &&
		    src_map->pmap != NULL)
			pmap_protect(src_map->pmap, src->start, src->end,
			    src->protection & ~VM_PROT_WRITE);
		if (charged && (src->eflags & MAP_ENTRY_NEEDS_COPY) == 0) {
			src->eflags |= MAP_ENTRY_CHARGED;
			*chargep += size;
		}
		src->eflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
		dst->eflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
	} else {
		/* Nothing instantiated yet: the child starts as empty. */
		vm_map_entry_set_object(dst, NULL);
		dst->cold->offset = 0;
	}
	if (charged) {
		dst->eflags |= MAP_ENTRY_CHARGED;
		*chargep += size;
	}
	(void)dst_map;
}

/*
 * What forking map will charge, by the rules vmspace_fork1 applies
 * (vm_map_copy_entry, vm_map_copy_entry_wired, VM_INHERIT_ZERO), so that
 * the whole reservation is taken, or refused, before anything changes.
 *
 * => map locked exclusively.
 */
static vm_ooffset_t
vm_map_fork_charge(vm_map_t map)
{
	vm_map_entry_t e;
	vm_ooffset_t charge = 0;
	vm_size_t size;

	VM_MAP_ENTRY_FOREACH(e, map) {
		if ((e->eflags & MAP_ENTRY_GUARD) != 0)
			continue;
		size = e->end - e->start;
		switch (e->inheritance) {
		case VM_INHERIT_COPY:
			if (e->cold->wired_count > 0 && map->pmap != NULL)
				charge += size;
			else if (vm_map_entry_charged(e))
				charge += e->cold->object != NULL &&
				    (e->eflags & MAP_ENTRY_NEEDS_COPY) == 0 ?
				    2 * size : size;
			break;
		case VM_INHERIT_ZERO:
			charge += size;
			break;
		default:
			break;
		}
	}
	return (charge);
}

/*
 * A child's SHARE entry is one more writable shared mapping, or one more
 * text reference, of the object when the parent's is.
 */
static void
vm_map_fork_pager(vm_map_entry_t old, vm_map_entry_t new)
{
	if ((old->eflags & MAP_ENTRY_WRITECNT) != 0) {
		vm_pager_update_writecount(new->cold->object, new->start,
		    new->end);
		new->eflags |= MAP_ENTRY_WRITECNT;
	}
	if ((old->eflags & MAP_ENTRY_VN_EXEC) != 0) {
		new->eflags |= MAP_ENTRY_VN_EXEC;
		vm_map_entry_set_vnode_text(new, true);
	}
}

/* A new entry in the child like old, for the inheritance cases. */
static vm_map_entry_t
vm_map_fork_entry(vm_map_t new_map, vm_map_entry_t old)
{
	vm_map_entry_t e;

	e = vm_map_entry_create(new_map);
	vm_map_entry_copy(e, old);
	e->left = e->right = NULL;
	e->eflags &= ~(MAP_ENTRY_USER_WIRED | MAP_ENTRY_IN_TRANSITION |
	    MAP_ENTRY_NEEDS_WAKEUP | MAP_ENTRY_WRITECNT | MAP_ENTRY_VN_EXEC |
	    MAP_ENTRY_CHARGED);
	e->cold->wired_count = 0;
	e->cold->wiring_thread = NULL;
	vm_map_entry_set_object(e, NULL);
	e->cold->offset = old->cold->offset;
	return (e);
}

/*
 * Create the child of vm1: each entry is shared, copied on write, left out
 * or replaced by zero-fill memory as its inheritance says (minherit(2)).
 *
 * SHARE: an entry without an object gets one first, so that both spaces
 * share it; an entry still NEEDS_COPY from an earlier fork gets its shadow
 * now, so that the two sharers have one object of their own above the
 * copy-on-write object.  The parent's read-only translations of the pages
 * below stay; the first copy-on-write fault into the shared shadow removes
 * every translation of the page it copies (vm_fault_cow), which is what
 * keeps a sharer from reading the stale original (CVE-2021-29626).
 *
 * The swap the child's private memory needs (and the parent's, where its
 * memory becomes copy-on-write) is reserved before anything is copied:
 * under strict overcommit a fork that cannot be backed fails with ENOMEM
 * and leaves the parent as it was.
 */
int
vmspace_fork1(struct vmspace *vm1, struct vmspace **vm2p)
{
	struct vmspace *vm2;
	vm_map_t old_map = &vm1->vm_map, new_map;
	vm_map_entry_t old, new;
	vm_object_t object;
	vm_ooffset_t reserved, charged = 0;
	int error;

	if ((error = vmspace_alloc(&vm2)) != 0)
		return (error);
	new_map = &vm2->vm_map;
	vm_map_lock(old_map);
	while (old_map->busy > 0) {	/* a wiring under way */
		vm_map_unlock_and_wait(old_map, 0);
		vm_map_lock(old_map);
	}
	reserved = vm_map_fork_charge(old_map);
	if (!swap_reserve(reserved)) {
		vm_map_unlock(old_map);
		vmspace_free(vm2);
		return (ENOMEM);
	}
	vm_map_lock(new_map);
	new_map->flags = new_map->flags |
	    (old_map->flags & (MAP_ASLR | MAP_ASLR_IGNSTART | MAP_WXORX));
	new_map->anon_loc = old_map->anon_loc;
	new_map->sbrk_start = old_map->sbrk_start;
	new_map->sbrk_end = old_map->sbrk_end;
	vm2->vm_daddr = vm1->vm_daddr;
	vm2->vm_dsize = vm1->vm_dsize;
	memcpy(vm2->vm_rlimit, vm1->vm_rlimit, sizeof(vm2->vm_rlimit));
	VM_MAP_ENTRY_FOREACH(old, old_map) {
		if ((old->eflags & MAP_ENTRY_IS_SUB_MAP) != 0)
			panic("%s: submap in a user map", __func__);
		switch (old->inheritance) {
		case VM_INHERIT_NONE:
			break;
		case VM_INHERIT_SHARE:
			if ((old->eflags & MAP_ENTRY_GUARD) == 0) {
				if (old->cold->object == NULL)
					vm_map_entry_back(old_map, old);
				if ((old->eflags & MAP_ENTRY_NEEDS_COPY) != 0) {
					vm_map_entry_shadow(old_map, old,
					    true);
				}
				object = old->cold->object;
				VM_OBJECT_WLOCK(object);
				vm_object_clear_flag(object, OBJ_ONEMAPPING);
				VM_OBJECT_WUNLOCK(object);
				vm_object_reference(object);
			}
			new = vm_map_fork_entry(new_map, old);
			vm_map_entry_set_object(new, old->cold->object);
			vm_map_fork_pager(old, new);
			vm_map_entry_link(new_map, new);
			if ((new->eflags & MAP_ENTRY_GUARD) == 0)
				new_map->size += new->end - new->start;
			break;
		case VM_INHERIT_COPY:
			new = vm_map_fork_entry(new_map, old);
			if ((old->eflags & MAP_ENTRY_GUARD) != 0)
				;
			else if (old->cold->wired_count > 0 &&
			    old_map->pmap != NULL) {
				error = vm_map_copy_entry_wired(old_map, old,
				    new);
				charged += new->end - new->start;
			} else
				vm_map_copy_entry(old_map, new_map, old, new,
				    &charged);
			/* A private copy writes its own pages: no WRITECNT. */
			new->eflags |= old->eflags & MAP_ENTRY_VN_EXEC;
			vm_map_entry_set_vnode_text(new, true);
			vm_map_entry_link(new_map, new);
			if ((new->eflags & MAP_ENTRY_GUARD) == 0)
				new_map->size += new->end - new->start;
			break;
		case VM_INHERIT_ZERO:
			/* Fresh zero-fill memory over the same range. */
			new = vm_map_fork_entry(new_map, old);
			new->eflags &= ~(MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY);
			new->cold->offset = 0;
			if ((new->eflags & MAP_ENTRY_GUARD) == 0) {
				new->eflags |= MAP_ENTRY_CHARGED;
				charged += new->end - new->start;
			}
			vm_map_entry_link(new_map, new);
			if ((new->eflags & MAP_ENTRY_GUARD) == 0)
				new_map->size += new->end - new->start;
			break;
		}
		if (error != 0)
			break;
	}
	/*
	 * Another map may have charged an object the two maps share between
	 * the count and the copy: settle the difference.
	 */
	if (charged > reserved)
		swap_reserve_force(charged - reserved);
	else if (charged < reserved)
		swap_release(reserved - charged);
	vm_map_unlock(new_map);
	vm_map_unlock(old_map);
	if (error != 0) {
		/* No memory for a locked range's copy: no child. */
		vmspace_free(vm2);
		return (error);
	}
	VM_CNT_INC(v_forks);
	*vm2p = vm2;
	return (0);
}

/* ---- wiring (mlock) ---------------------------------------------------------- */

_Atomic u_long vm_user_wire_count;	/* (a) pages of USER_WIRED entries */
_Atomic u_long vm_max_user_wired;	/* (a) vm.max_user_wired */

/*
 * The page the pmap maps at va: what a wiring that was just faulted in
 * holds (vm_map_wire checks its holds with it).
 */
static vm_page_t
vm_map_wired_page(vm_map_t map, vm_offset_t va)
{
	vm_paddr_t pa;

	pa = pmap_extract(map->pmap, va);
	return (pa == 0 ? NULL : PHYS_TO_VM_PAGE(pa));
}

/*
 * The page that backs va in entry: the first one down the entry's chain
 * (top_only: only the entry's own top object's).  For a wired entry it is
 * the page the wiring holds, translated or not (mprotect to none removes
 * the translations of a wired range; the pages stay): wiring faults with
 * VM_PROT_COPY and hands over only pages of the top object, so nothing
 * can come above a wired page; collapse only moves pages up into the top
 * object, which keeps it first.
 *
 * => map locked.
 */
static vm_page_t
vm_map_entry_page(vm_map_entry_t entry, vm_offset_t va, bool top_only)
{
	vm_object_t object, next;
	vm_pindex_t pindex;
	vm_page_t m;

	if ((object = entry->cold->object) == NULL)
		return (NULL);
	pindex = OFF_TO_IDX(entry->cold->offset + (va - entry->start));
	VM_OBJECT_RLOCK(object);
	while ((m = vm_page_lookup(object, pindex)) == NULL && !top_only &&
	    (next = object->backing_object) != NULL) {
		VM_OBJECT_RLOCK(next);
		pindex += OFF_TO_IDX(object->backing_object_offset);
		VM_OBJECT_RUNLOCK(object);
		object = next;
	}
	VM_OBJECT_RUNLOCK(object);
	return (m);
}

/* Drop one wiring of each page of entry. */
static void
vm_map_entry_unwire_pages(vm_map_t map, vm_map_entry_t entry)
{
	vm_offset_t va;
	vm_page_t m;

	for (va = entry->start; va < entry->end; va += PAGE_SIZE) {
		m = vm_map_entry_page(entry, va, false);
		if (m == NULL || vm_page_wired(m) == 0)
			panic("%s: map %p entry %p: va %#jx of a wired entry "
			    "has no wired page", __func__, (void *)map,
			    (void *)entry, (uintmax_t)va);
		vm_page_unwire(m, PQ_ACTIVE);
	}
}

/*
 * Undo every wiring of entry (it is being deleted) and its user-wired
 * accounting.
 *
 * => map locked exclusively.
 */
static void
vm_map_entry_unwire(vm_map_t map, vm_map_entry_t entry)
{
	struct vmspace *vm = vm_map_vmspace(map);
	u_long n = atop(entry->end - entry->start);

	vm_map_assert_locked(map);
	for (; entry->cold->wired_count > 0; entry->cold->wired_count--)
		vm_map_entry_unwire_pages(map, entry);
	if ((entry->eflags & MAP_ENTRY_USER_WIRED) != 0) {
		entry->eflags &= ~MAP_ENTRY_USER_WIRED;
		atomic_fetch_sub(&vm_user_wire_count, n);
		if (vm != NULL)
			vm->vm_uwired -= n;
	}
}

static void
vm_map_unwire_held(vm_page_t *ma, u_long npages)
{
	u_long i;

	for (i = 0; i < npages; i++)
		if (ma[i] != NULL) {
			vm_page_unwire(ma[i], PQ_ACTIVE);
			ma[i] = NULL;
		}
}

/*
 * Fault in and hold (wire) every page of [start, end) that wiring covers,
 * with no map lock held across the faults.  Guards, holes (with
 * HOLESOK) and inaccessible entries are skipped; without HOLESOK a hole
 * or an inaccessible entry fails.  ma[atop(va - start)] gets the page.
 */
static int
vm_map_wire_fault(vm_map_t map, vm_offset_t start, vm_offset_t end,
    int flags, vm_page_t *ma)
{
	vm_map_entry_t e;
	vm_offset_t va, eend;
	vm_prot_t prot;
	bool skip;
	int rv;

	for (va = start; va < end; va = eend) {
		vm_map_lock_read(map);
		if (!vm_map_lookup_entry(map, va, &e)) {
			if ((flags & VM_MAP_WIRE_HOLESOK) == 0) {
				vm_map_unlock_read(map);
				return (KERN_INVALID_ADDRESS);
			}
			eend = MIN(end, vm_map_entry_succ(e)->start);
			vm_map_unlock_read(map);
			continue;
		}
		eend = MIN(end, e->end);
		prot = e->protection;
		skip = (e->eflags & MAP_ENTRY_GUARD) != 0;
		vm_map_unlock_read(map);
		if (skip) {
			/* A guard is a hole that cannot be filled. */
			if ((flags & VM_MAP_WIRE_HOLESOK) == 0)
				return (KERN_INVALID_ADDRESS);
			continue;
		}
		/* As FreeBSD: only what can be read or run is wired. */
		if ((prot & (VM_PROT_READ | VM_PROT_EXECUTE)) == 0) {
			if ((flags & VM_MAP_WIRE_HOLESOK) == 0)
				return (KERN_PROTECTION_FAILURE);
			continue;
		}
		for (; va < eend; va += PAGE_SIZE) {
			/*
			 * VM_PROT_COPY: the wired page is the top object's
			 * own, even in a read-only private mapping, so no
			 * later copy-on-write fault (of a sharer of that
			 * object) can put a page above it.
			 */
			rv = vm_fault(map, va, (prot & VM_PROT_RW) |
			    VM_PROT_COPY, VM_FAULT_WIRE,
			    &ma[atop(va - start)]);
			/*
			 * With HOLESOK an entry unmapped or changed since
			 * it was looked up is a hole (its pages held so far
			 * are dropped when the holds are handed over); a
			 * shortage of memory is not.
			 */
			if (rv != KERN_SUCCESS &&
			    ((flags & VM_MAP_WIRE_HOLESOK) == 0 ||
			    rv == KERN_RESOURCE_SHORTAGE))
				return (rv);
			if (rv != KERN_SUCCESS)
				break;
		}
	}
	return (KERN_SUCCESS);
}

/*
 * mlock: wire [start, end).  The pages are faulted in and held first,
 * with no lock held across the faults; then, under the exclusive map
 * lock, the holds are checked to still be what the pmap maps (a
 * concurrent munmap or remap retries the whole range) and handed over to
 * the entries, which are clipped to the range and marked wired.
 */
/*
 * The pages of [start, end) that wiring would newly count as user-wired
 * (mapped, accessible, not user-wired yet).
 *
 * => map locked.
 */
static u_long
vm_map_wire_user_pages(vm_map_t map, vm_offset_t start, vm_offset_t end)
{
	vm_map_entry_t e;
	u_long n = 0;

	for (e = vm_map_lookup_entry_ge(map, start);
	    e != &map->header && e->start < end; e = vm_map_entry_succ(e))
		if ((e->eflags & (MAP_ENTRY_USER_WIRED | MAP_ENTRY_GUARD)) ==
		    0 && (e->protection & (VM_PROT_READ | VM_PROT_EXECUTE)) != 0)
			n += atop(MIN(e->end, end) - MAX(e->start, start));
	return (n);
}

/* Would n more user-wired pages pass RLIMIT_MEMLOCK or vm.max_user_wired? */
static bool
vm_map_wire_user_over(struct vmspace *vm, u_long n)
{
	if (n == 0)
		return (false);
	if (vm != NULL && ptoa(vm->vm_uwired + n) >
	    vm->vm_rlimit[VM_RLIMIT_MEMLOCK].cur)
		return (true);
	return (atomic_load(&vm_user_wire_count) + n >
	    atomic_load(&vm_max_user_wired));
}

/*
 * mlock: wire [start, end).  The limits are checked first (FreeBSD's
 * kern_mlock), then the pages are faulted in and held, with no lock held
 * across the faults; then, under the exclusive map lock, each hold is
 * checked to still be what the pmap maps and handed over to its entry,
 * which is clipped to the range and marked wired.  A range that changed
 * meanwhile is faulted again; with HOLESOK (mlockall) an entry that
 * changed is simply left unwired, as one made after the call would be.
 */
int
vm_map_wire(vm_map_t map, vm_offset_t start, vm_offset_t end, int flags)
{
	struct vmspace *vm = vm_map_vmspace(map);
	vm_map_entry_t e, first;
	vm_page_t *ma;
	vm_offset_t va;
	u_long npages, i, j, n, nuser;
	bool changed, user = (flags & VM_MAP_WIRE_USER) != 0;
	int rv, tries;

	if (start >= end)
		return (KERN_SUCCESS);
	if (((start | end) & PAGE_MASK) != 0)
		return (KERN_INVALID_ARGUMENT);
	if (!vm_map_range_valid(map, start, end) || map->pmap == NULL)
		return (KERN_INVALID_ADDRESS);
	npages = atop(end - start);
	/* The holds array: one pointer per page of the range. */
	if (npages > ((u_long)1 << 30) / sizeof(*ma))
		return (KERN_RESOURCE_SHORTAGE);
	if (user) {
		/* vm_uwired is the map lock's: read it under the lock. */
		vm_map_lock_read(map);
		nuser = vm_map_wire_user_pages(map, start, end);
		changed = vm_map_wire_user_over(vm, nuser);
		vm_map_unlock_read(map);
		if (changed)
			return (KERN_RESOURCE_SHORTAGE);
	}
	ma = calloc(npages, sizeof(*ma));
	if (ma == NULL)
		return (KERN_RESOURCE_SHORTAGE);
	/*
	 * Keep fork out while the pages are held but not yet the entries'
	 * (FreeBSD's vm_map_busy): a fork would make the entries
	 * copy-on-write again under the holds.
	 */
	vm_map_lock(map);
	map->busy++;
	vm_map_unlock(map);
	for (tries = 0;; tries++) {
		rv = vm_map_wire_fault(map, start, end, flags, ma);
		if (rv != KERN_SUCCESS) {
			vm_map_unwire_held(ma, npages);
			break;
		}
		vm_map_lock(map);
		/*
		 * A hold is good if the pmap still maps it and it is a page
		 * of the entry's own top object: an entry shadowed or made
		 * copy-on-write meanwhile (clipped by mprotect, forked, ...)
		 * could later get a copy above the held page, which its
		 * unwiring would then take for the wired one.
		 */
		changed = false;
		e = &map->header;
		for (i = 0; i < npages; i++) {
			if (ma[i] == NULL)
				continue;
			va = start + ptoa(i);
			if (e == &map->header || va < e->start || va >= e->end)
				(void)vm_map_lookup_entry(map, va, &e);
			if (vm_map_wired_page(map, va) != ma[i] ||
			    e == &map->header ||
			    (e->eflags & MAP_ENTRY_NEEDS_COPY) != 0 ||
			    vm_map_entry_page(e, va, true) != ma[i]) {
				vm_page_unwire(ma[i], PQ_ACTIVE);
				ma[i] = NULL;
				changed = true;
			}
		}
		if (changed && (flags & VM_MAP_WIRE_HOLESOK) == 0) {
			/* The range changed under us: start again. */
			vm_map_unlock(map);
			vm_map_unwire_held(ma, npages);
			if (tries < 10)
				continue;
			rv = KERN_FAILURE;
			break;
		}
		if ((rv = vm_map_clip_check(map, start, end)) != KERN_SUCCESS) {
			vm_map_unlock(map);
			vm_map_unwire_held(ma, npages);
			break;
		}
		first = vm_map_clip_range(map, start, end);
		/* Entries not wholly held changed under us: not wired. */
		nuser = 0;
		for (e = first; e != &map->header && e->start < end;
		    e = vm_map_entry_succ(e)) {
			i = atop(e->start - start);
			n = atop(e->end - e->start);
			for (j = 0; j < n && ma[i + j] != NULL; j++)
				;
			if (j < n || (e->eflags & MAP_ENTRY_GUARD) != 0) {
				vm_map_unwire_held(ma + i, n);
				continue;
			}
			if (user && (e->eflags & MAP_ENTRY_USER_WIRED) == 0)
				nuser += n;
		}
		if (user && vm_map_wire_user_over(vm, nuser)) {
			vm_map_merge_range(map, first, end);
			vm_map_unlock(map);
			vm_map_unwire_held(ma, npages);
			rv = KERN_RESOURCE_SHORTAGE;
			break;
		}
		for (e = first; e != &map->header && e->start < end;
		    e = vm_map_entry_succ(e)) {
			i = atop(e->start - start);
			n = atop(e->end - e->start);
			if (ma[i] == NULL)
				continue;	/* not held (see above) */
			if (user && (e->eflags & MAP_ENTRY_USER_WIRED) != 0) {
				/* Wired by the user already: drop ours. */
				vm_map_unwire_held(ma + i, n);
				continue;
			}
			/* The entry now owns the holds of its pages. */
			for (j = 0; j < n; j++)
				ma[i + j] = NULL;
			e->cold->wired_count++;
			if (user) {
				e->eflags |= MAP_ENTRY_USER_WIRED;
				atomic_fetch_add(&vm_user_wire_count, n);
				if (vm != NULL)
					vm->vm_uwired += n;
			}
		}
		vm_map_merge_range(map, first, end);
		vm_map_unlock(map);
		rv = KERN_SUCCESS;
		break;
	}
	free(ma);
	vm_map_lock(map);
	if (--map->busy == 0)
		vm_map_wakeup(map);
	vm_map_unlock(map);
	return (rv);
}

/*
 * munlock: unwire [start, end).  Without HOLESOK a hole fails with
 * KERN_INVALID_ADDRESS and a part not user-wired with
 * KERN_INVALID_ARGUMENT, changing nothing.
 */
int
vm_map_unwire(vm_map_t map, vm_offset_t start, vm_offset_t end, int flags)
{
	struct vmspace *vm = vm_map_vmspace(map);
	vm_map_entry_t e, first;
	vm_offset_t va;
	u_long n;
	int rv;

	if (start >= end)
		return (KERN_SUCCESS);
	if (((start | end) & PAGE_MASK) != 0)
		return (KERN_INVALID_ARGUMENT);
	vm_map_lock(map);
	if (!vm_map_range_valid(map, start, end)) {
		vm_map_unlock(map);
		return (KERN_INVALID_ADDRESS);
	}
	if ((flags & VM_MAP_WIRE_HOLESOK) == 0) {
		va = start;
		for (e = vm_map_lookup_entry_ge(map, start);
		    e != &map->header && e->start < end;
		    e = vm_map_entry_succ(e)) {
			if (e->start > va) {
				vm_map_unlock(map);
				return (KERN_INVALID_ADDRESS);
			}
			if ((e->eflags & MAP_ENTRY_GUARD) != 0) {
				vm_map_unlock(map);
				return (KERN_INVALID_ADDRESS);
			}
			if (((flags & VM_MAP_WIRE_USER) != 0 ?
			    (e->eflags & MAP_ENTRY_USER_WIRED) == 0 :
			    e->cold->wired_count == 0)) {
				vm_map_unlock(map);
				return (KERN_INVALID_ARGUMENT);
			}
			va = e->end;
		}
		if (va < end) {
			vm_map_unlock(map);
			return (KERN_INVALID_ADDRESS);
		}
	}
	if ((rv = vm_map_clip_check(map, start, end)) != KERN_SUCCESS) {
		vm_map_unlock(map);
		return (rv);
	}
	first = vm_map_clip_range(map, start, end);
	for (e = first; e != &map->header && e->start < end;
	    e = vm_map_entry_succ(e)) {
		if ((e->eflags & MAP_ENTRY_GUARD) != 0 ||
		    e->cold->wired_count == 0)
			continue;
		if ((flags & VM_MAP_WIRE_USER) != 0) {
			if ((e->eflags & MAP_ENTRY_USER_WIRED) == 0)
				continue;
			n = atop(e->end - e->start);
			e->eflags &= ~MAP_ENTRY_USER_WIRED;
			atomic_fetch_sub(&vm_user_wire_count, n);
			if (vm != NULL)
				vm->vm_uwired -= n;
		}
		vm_map_entry_unwire_pages(map, e);
		if (--e->cold->wired_count == 0 && map->pmap != NULL)
			pmap_unwire(map->pmap, e->start, e->end);
	}
	vm_map_merge_range(map, first, end);
	vm_map_unlock(map);
	return (KERN_SUCCESS);
}

/*
 * Fork of a wired private entry: the parent's pages must stay wired and
 * writable, so they cannot become copy-on-write.  The child gets its own
 * object with a copy of every page now (FreeBSD's vm_fault_copy_entry).
 *
 * => both maps locked exclusively; may sleep for free pages.
 */
static int
vm_map_copy_entry_wired(vm_map_t src_map, vm_map_entry_t src,
    vm_map_entry_t dst)
{
	vm_object_t object;
	vm_offset_t va;
	vm_size_t below;
	vm_page_t sm, dm;
	int waits = 0;

	(void)src_map;
	/*
	 * A stack's object spans its grow area, the entry at the offset of
	 * the gap below it (vm_map_entry_back): the copy keeps that shape
	 * so the child's stack can grow.
	 */
	below = (src->eflags & MAP_ENTRY_GROWS_DOWN) != 0 ?
	    src->cold->offset : 0;
	object = vm_object_allocate_anon(atop(below + src->end - src->start));
	vm_map_entry_set_object(dst, object);
	dst->cold->offset = below;
	dst->eflags &= ~(MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY);
	VM_OBJECT_WLOCK(object);
	/* The child's own memory from the start (vm_map_fork_charge). */
	object->charge = dst->end - dst->start;
	for (va = src->start; va < src->end; va += PAGE_SIZE) {
		sm = vm_map_entry_page(src, va, false);
		if (sm == NULL)
			continue;
		/*
		 * Both maps are locked: wait for memory a bounded time (no
		 * page daemon can make room yet) and fail the fork then.
		 */
		while ((dm = vm_page_alloc(object, atop(below + va -
		    src->start), VM_ALLOC_NORMAL | VM_ALLOC_NOWAIT)) ==
		    NULL) {
			VM_OBJECT_WUNLOCK(object);
			if (vm_wait_timo(50) != 0 && ++waits >= 20)
				return (ENOMEM);
			VM_OBJECT_WLOCK(object);
		}
		pmap_copy_page(sm, dm);
		vm_page_valid(dm);
		vm_page_xunbusy(dm);
		vm_page_activate(dm);
		VM_CNT_INC(v_forkpages);	/* not a fault: a fork's copy */
	}
	VM_OBJECT_WUNLOCK(object);
	return (0);
}

/* ---- consistency and debugging -------------------------------------------- */

static void
vm_map_check_fail(vm_map_t map, vm_map_entry_t e, const char *what)
{
	vm_map_print(map);
	panic("vm_map %p entry %p [%#jx, %#jx): %s", (void *)map, (void *)e,
	    (uintmax_t)e->start, (uintmax_t)e->end, what);
}

/*
 * Walk the whole map and panic on the first broken invariant.  Unless
 * force is set (or vm.map_check_always), the walk runs only once the
 * changes since the last walk exceed the number of entries, keeping debug
 * builds usable on big maps (D22163).
 */
void
_vm_map_assert_consistent(vm_map_t map, bool force)
{
	vm_map_entry_t header = &map->header, e, prev, x, *stack, *order;
	vm_size_t size = 0;
	int i, n = 0, sp;

	/*
	 * (The counts cannot be checked: a reader that finds rd_writer up
	 * has counted itself for a moment before it backs off.)
	 */
	if (map->rd_cnt != NULL && sx_xlocked(&map->lock) &&
	    atomic_load(&map->rd_writer) == 0)
		vm_map_check_fail(map, header, "exclusive holder with fast "
		    "readers let in");
	if (!force && !vm_map_check_always &&
	    map->nupdates <= (u_int)map->nentries)
		return;
	map->nupdates = 0;
	/* In-order walk through the threads. */
	prev = header;
	for (e = vm_map_entry_first(map); e != header;
	    e = vm_map_entry_succ(e)) {
		if (++n > map->nentries)
			vm_map_check_fail(map, e, "more entries than nentries");
		if (e->start >= e->end)
			vm_map_check_fail(map, e, "empty or inverted entry");
		if (e->start < prev->end || (prev != header &&
		    prev->start >= e->start))
			vm_map_check_fail(map, e, "out of order or overlapping");
		if (e->end > vm_map_max(map))
			vm_map_check_fail(map, e, "beyond the map's end");
		if (vm_map_entry_pred(e) != prev)
			vm_map_check_fail(map, e, "predecessor is wrong");
		if ((e->eflags & MAP_ENTRY_HEADER) != 0)
			vm_map_check_fail(map, e, "header flag on an entry");
		/*
		 * A cold part, not the header's nor the neighbour's (a clip
		 * that shared its original's would show here).
		 */
		if (e->cold == NULL || e->cold == header->cold ||
		    e->cold == prev->cold)
			vm_map_check_fail(map, e,
			    "cold part missing or shared");
		if (((e->eflags & MAP_ENTRY_BACKED) != 0) !=
		    (e->cold->object != NULL))
			vm_map_check_fail(map, e, "MAP_ENTRY_BACKED is wrong");
		if (e->free_left != left_free(e))
			vm_map_check_fail(map, e, "free_left is stale");
		if (e->free_right != right_free(e))
			vm_map_check_fail(map, e, "free_right is stale");
		if ((e->eflags & MAP_ENTRY_GUARD) == 0)
			size += e->end - e->start;
		/* An entry's own charge waits for its own object. */
		if ((e->eflags & MAP_ENTRY_CHARGED) != 0 &&
		    ((e->eflags & MAP_ENTRY_GUARD) != 0 ||
		    (e->cold->object != NULL &&
		    (e->eflags & MAP_ENTRY_NEEDS_COPY) == 0)))
			vm_map_check_fail(map, e, "charged with an object of "
			    "its own, or a guard");
		prev = e;
	}
	if (n != map->nentries)
		vm_map_check_fail(map, header, "fewer entries than nentries");
	if (header->cold != &map->header_cold || header->cold->object != NULL ||
	    header->cold->wired_count != 0)
		vm_map_check_fail(map, header, "header's cold part is wrong");
	if (e_ptr(header->left) != prev)
		vm_map_check_fail(map, header, "header's last is wrong");
	if (size != map->size)
		vm_map_check_fail(map, header, "size is wrong");
	if (n == 0) {
		if (map->root != NULL)
			vm_map_check_fail(map, header, "empty map with a root");
		return;
	}
	/*
	 * In-order walk through the child links only: it must meet the
	 * entries in the thread order, which proves the tree is a search tree,
	 * and each missing child must be a thread to the neighbour that walk
	 * puts next to it.
	 */
	stack = malloc(sizeof(*stack) * (size_t)(2 * n + 2));
	if (stack == NULL)
		panic("%s: out of host memory", __func__);
	order = stack + n + 1;
	sp = 0;
	i = 0;
	x = map->root;
	for (;;) {
		while (x != NULL) {
			if (sp > n)
				vm_map_check_fail(map, x, "cycle in the tree");
			stack[sp++] = x;
			x = e_child(x->left) ? x->left : NULL;
		}
		if (sp == 0)
			break;
		x = stack[--sp];
		if (i >= n)
			vm_map_check_fail(map, x, "tree has extra nodes");
		order[i++] = x;
		x = e_child(x->right) ? x->right : NULL;
	}
	if (i != n)
		vm_map_check_fail(map, header, "entries unreachable from root");
	e = vm_map_entry_first(map);
	for (i = 0; i < n; i++, e = vm_map_entry_succ(e)) {
		x = order[i];
		if (x != e)
			vm_map_check_fail(map, x, "tree order differs from "
			    "thread order");
		if (!e_child(x->left) &&
		    e_ptr(x->left) != (i == 0 ? header : order[i - 1]))
			vm_map_check_fail(map, x, "left thread is wrong");
		if (!e_child(x->right) &&
		    e_ptr(x->right) != (i == n - 1 ? header : order[i + 1]))
			vm_map_check_fail(map, x, "right thread is wrong");
	}
	free(stack);
}

void
vm_map_print(vm_map_t map)
{
	static const struct vm_map_entry_cold none;
	const struct vm_map_entry_cold *c;
	vm_map_entry_t e;

	kprintf("vm_map %p: [%#jx, %#jx) %d entries, %#jx bytes, root %p, "
	    "timestamp %u, flags %#x\n", (void *)map,
	    (uintmax_t)vm_map_min(map), (uintmax_t)vm_map_max(map),
	    map->nentries, (uintmax_t)map->size, (void *)map->root,
	    map->timestamp, map->flags);
	for (e = vm_map_entry_first(map); e != &map->header;
	    e = vm_map_entry_succ(e)) {
		/* (A broken entry may be why we print: no cold part.) */
		c = e->cold != NULL ? e->cold : &none;
		kprintf("  %p [%#jx, %#jx) prot %x/%x inh %d eflags %#x "
		    "cold %p obj %p off %#jx wired %d free %#jx/%#jx\n",
		    (void *)e, (uintmax_t)e->start, (uintmax_t)e->end,
		    e->protection, e->max_protection, e->inheritance,
		    e->eflags, (void *)e->cold, (void *)c->object,
		    (uintmax_t)c->offset, c->wired_count,
		    (uintmax_t)e->free_left, (uintmax_t)e->free_right);
	}
}

/* ---- tunables --------------------------------------------------------- */

static int
sysctl_vm_max_user_wired(struct sysctl_oid *oidp, void *arg1 __unused,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	uint64_t val = atomic_load(&vm_max_user_wired);
	int error;

	error = sysctl_handle_64(oidp, &val, 0, req);
	if (error != 0 || req->newptr == NULL)
		return (error);
	atomic_store(&vm_max_user_wired, (u_long)val);
	return (0);
}

static int
sysctl_vm_map_int(struct sysctl_oid *oidp, void *arg1, intmax_t arg2,
    struct sysctl_req *req)
{
	_Atomic int *var = arg1;
	int error, val = atomic_load(var);

	error = sysctl_handle_int(oidp, &val, 0, req);
	if (error != 0 || req->newptr == NULL)
		return (error);
	if (val < (int)arg2)
		return (EINVAL);
	atomic_store(var, val);
	return (0);
}

void
vm_map_startup(void)
{
	vm_map_entry_zone = uma_zcreate("MAP ENTRY",
	    sizeof(struct vm_map_entry), NULL, NULL, NULL, NULL,
	    UMA_ALIGN_CACHE, UMA_ZONE_VM);
	vm_map_entry_cold_zone = uma_zcreate("MAP ENTRY COLD",
	    sizeof(struct vm_map_entry_cold), NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, UMA_ZONE_VM);
	vmspace_zone = uma_zcreate("VMSPACE", sizeof(struct vmspace), NULL,
	    NULL, NULL, NULL, UMA_ALIGN_CACHE, UMA_ZONE_VM);
	if (vm_map_entry_zone == NULL || vm_map_entry_cold_zone == NULL ||
	    vmspace_zone == NULL)
		panic("%s: cannot create the map zones", __func__);
	static const struct {
		const char	*path;
		const char	*name;
		_Atomic int	*var;
		int		min;
		const char	*descr;
	} knobs[] = {
		{ "vm", "map_entries_max", &vm_map_entries_max, 0,
		    "Entries a map may hold (0: no limit)" },
		{ "vm", "map_check_always", &vm_map_check_always, 0,
		    "Check map consistency on every unlock (INVARIANTS)" },
		{ "vm", "cluster_anon", &cluster_anon, 0,
		    "Cluster anonymous mappings" },
		{ "vm", "sgrowsiz", &sgrowsiz, PAGE_SIZE,
		    "Stack growth unit in bytes" },
		{ "vm", "stack_guard_page", &stack_guard_page, 0,
		    "Guard pages below each stack" },
		{ "vm", "imply_prot_max", &vm_imply_prot_max, 0,
		    "mmap without VM_PROT_MAX gets its protection as the "
		    "maximum" },
		{ "vm.aslr", "enable", &aslr_enable, 0,
		    "Randomise non-fixed mappings of new address spaces" },
		{ "vm.aslr", "honor_sbrk", &aslr_honor_sbrk, 0,
		    "Keep the data segment free of mappings under ASLR" },
		{ "vm.aslr", "pages_rnd", &aslr_pages_rnd, 1,
		    "Range of the random gap, in pages" },
		{ "vm.aslr", "super_pages_rnd", &aslr_super_pages_rnd, 1,
		    "Range of the random gap of aligned mappings, in "
		    "superpages" },
	};
	size_t i;

	/* Every boot starts from the defaults, like the rest of the kernel. */
	vm_map_entries_max = 1 << 20;
	vm_map_check_always = 0;
	aslr_enable = 1;
	aslr_honor_sbrk = 1;
	aslr_pages_rnd = 0x1000;
	aslr_super_pages_rnd = 0x10;
	cluster_anon = 1;
	sgrowsiz = 128 * 1024;
	stack_guard_page = 1;
	vm_imply_prot_max = 0;
	for (i = 0; i < nitems(knobs); i++)
		SYSCTL_ADD_PROC(sysctl_node_path(knobs[i].path),
		    knobs[i].name, CTLTYPE_INT | CTLFLAG_RW,
		    (void *)(uintptr_t)knobs[i].var,
		    knobs[i].min, sysctl_vm_map_int, "I", knobs[i].descr);
	/* FreeBSD's default: a third of memory may be user-wired. */
	atomic_store(&vm_max_user_wired, vm_page_count() / 3);
	atomic_store(&vm_user_wire_count, 0);
	SYSCTL_ADD_PROC(sysctl_node_path("vm"), "max_user_wired",
	    CTLTYPE_U64 | CTLFLAG_RW, NULL, 0, sysctl_vm_max_user_wired, "QU",
	    "Pages that may be user-wired (mlock), system-wide");
	mtx_init(&vmspace_list_mtx, "vmspace list", NULL, 0);
	LIST_INIT(&vmspace_list);
}

/*
 * At vm_shutdown: destroy the address spaces the caller did not release
 * (vm_shutdown frees everything), whatever their reference counts.
 */
void
vm_map_shutdown(void)
{
	struct vmspace *vm;

	mtx_lock(&vmspace_list_mtx);
	while ((vm = LIST_FIRST(&vmspace_list)) != NULL) {
		atomic_store(&vm->vm_refcnt, 1);
		mtx_unlock(&vmspace_list_mtx);
		vmspace_free(vm);
		mtx_lock(&vmspace_list_mtx);
	}
	mtx_unlock(&vmspace_list_mtx);
	mtx_destroy(&vmspace_list_mtx);
}

/* Whether a new address space should get MAP_ASLR (vm.aslr.enable). */
bool
vm_map_aslr_default(void)
{
	return (aslr_enable != 0);
}
