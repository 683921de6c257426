/*
 * Shadow chains, white box: vm_object_shadow, collapse and bypass (from
 * vm_object_deallocate and called directly), what stops a collapse
 * (paging_in_progress, a busy page), vm_object_split on clipped ONEMAPPING
 * entries (directly and through fork), vm_object_coalesce through
 * vm_map_insert/vm_map_find, the freeing of munmap'ed ONEMAPPING pages,
 * 1,000 fork/exit cycles, and the deallocate-vs-collapse race of seed 004.
 *
 * Objects are built by hand (vm_object_allocate_anon, vm_page_alloc) or by
 * faults on a struct vmspace, and inspected through their fields.  Every
 * page written here holds one 64-bit tag in all its words, so a page's
 * identity can be read back wherever a collapse or split has moved it.
 * vm_object_check runs on every object a case touches, and every case ends
 * with the object count, the vmspace count and the free page count back
 * where boot left them.
 */
#include "vm_whitebox.h"

#include <sys/sleepqueue.h>
#include <uma.h>
#include "vt_uma.h"

/* Pages counted without UMA's slabs (vt_uma.h): VM metadata (radix nodes,
   pv chunks, pmaps, entries, objects) comes from zones, whose slabs stay
   cached after the items go. */
#define	WIRED()	((u_int)(vm_wire_count() - vt_uma_pages()))
#define	FREE()	((u_int)(vm_free_count() + vt_uma_pages()))

/* ---- boot and the end-of-case balance ----------------------------------- */

static u_int base_objects, base_vmspaces, base_free;

static void
boot(void)
{
	vt_boot();
	base_objects = vm_object_count();
	base_vmspaces = vmspace_count();
	base_free = vm_free_count();
}

static void
finish(void)
{
	ATF_REQUIRE_EQ_MSG(base_objects, vm_object_count(),
	    "objects alive: %u, at boot %u", vm_object_count(), base_objects);
	ATF_REQUIRE_EQ_MSG(base_vmspaces, vmspace_count(),
	    "vmspaces alive: %u, at boot %u", vmspace_count(), base_vmspaces);
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);	/* slabs of the VM zones */
	ATF_REQUIRE_EQ_MSG(base_free, vm_free_count(),
	    "free pages: %u, at boot %u", vm_free_count(), base_free);
	vm_page_check_all();
	vm_shutdown();
}

/* ---- page contents ------------------------------------------------------ */

/* The tag idx of o shows through its chain (0: no page anywhere). */
static uint64_t
chain_tag(vm_object_t o, vm_pindex_t idx)
{
	vm_object_t next;
	vm_page_t m;
	uint64_t tag = 0;

	VM_OBJECT_RLOCK(o);
	for (;;) {
		m = vm_page_lookup(o, idx);
		if (m != NULL) {
			tag = page_tag(m);
			break;
		}
		next = o->backing_object;
		if (next == NULL || idx >= o->size)
			break;
		VM_OBJECT_RLOCK(next);
		idx += OFF_TO_IDX(o->backing_object_offset);
		VM_OBJECT_RUNLOCK(o);
		o = next;
	}
	VM_OBJECT_RUNLOCK(o);
	return (tag);
}

/* A shadow of *o over [off, off + npages): the caller's reference moves. */
static vm_object_t
shadow(vm_object_t o, vm_pindex_t off, vm_pindex_t npages)
{
	vm_ooffset_t offset = PG(off);

	vm_object_shadow(&o, &offset, PG(npages), false);
	ATF_REQUIRE_EQ(0, offset);
	return (o);
}

/* ---- user memory (struct vmspace) --------------------------------------- */

static int
nentries(struct vmspace *vm)
{
	int n;

	vm_map_lock_read(&vm->vm_map);
	n = vm->vm_map.nentries;
	vm_map_unlock_read(&vm->vm_map);
	return (n);
}

/* ---- vm_object_shadow --------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(shadow_single_ref_noop);
ATF_TC_BODY(shadow_single_ref_noop, tc)
{
	vm_object_t o, s;
	vm_ooffset_t off;

	boot();
	o = vm_object_allocate_anon(8);
	opage(o, 3, TAG('O', 3));
	s = o;
	off = PG(2);
	vm_object_shadow(&s, &off, PG(4), false);
	ATF_REQUIRE_MSG(s == o, "a private anonymous object with one "
	    "reference was shadowed");
	ATF_REQUIRE_EQ(PG(2), off);
	ATF_REQUIRE_EQ(0, o->shadow_count);
	ATF_REQUIRE(o->backing_object == NULL);
	ATF_REQUIRE_EQ(OBJ_ANON | OBJ_ONEMAPPING, o->flags);
	ATF_REQUIRE_EQ(1, refs(o));
	ATF_REQUIRE_EQ(base_objects + 1, vm_object_count());
	ocheck(o);
	vm_object_deallocate(o);

	/* Shared (a SHARE-inherited entry): a shadow all the same. */
	o = vm_object_allocate_anon(8);
	s = o;
	off = 0;
	vm_object_shadow(&s, &off, PG(8), true);
	ATF_REQUIRE(s != o && s->backing_object == o);
	ATF_REQUIRE_EQ(1, refs(o));		/* the shadow's, was ours */
	ATF_REQUIRE_EQ(1, o->shadow_count);
	ocheck(o);
	ocheck(s);
	vm_object_deallocate(s);		/* takes o with it */

	/* Not anonymous: a shadow even with one reference. */
	o = vm_object_allocate(OBJT_DEFAULT, 8);
	s = o;
	off = 0;
	vm_object_shadow(&s, &off, PG(8), false);
	ATF_REQUIRE(s != o && s->backing_object == o);
	ocheck(o);
	ocheck(s);
	vm_object_deallocate(s);
	finish();
}

ATF_TC_WITHOUT_HEAD(shadow_two_refs);
ATF_TC_BODY(shadow_two_refs, tc)
{
	vm_object_t o, s;
	vm_ooffset_t off;

	boot();
	o = vm_object_allocate_anon(16);
	opage(o, 2, TAG('O', 2));
	opage(o, 5, TAG('O', 5));
	vm_object_reference(o);			/* a second mapping */
	ATF_REQUIRE_EQ(2, refs(o));
	s = o;
	off = PG(2);
	vm_object_shadow(&s, &off, PG(4), false);
	ATF_REQUIRE(s != o);
	ATF_REQUIRE_EQ(0, off);
	ATF_REQUIRE(s->backing_object == o);
	ATF_REQUIRE_EQ(PG(2), s->backing_object_offset);
	ATF_REQUIRE_EQ(4, s->size);
	ATF_REQUIRE_EQ(OBJ_ANON | OBJ_ONEMAPPING, s->flags);
	ATF_REQUIRE_EQ(1, refs(s));
	ATF_REQUIRE_EQ(0, s->resident_page_count);
	/* The source: one shadow, which took over the caller's reference. */
	ATF_REQUIRE_EQ(1, o->shadow_count);
	ATF_REQUIRE(LIST_FIRST(&o->shadow_head) == s);
	ATF_REQUIRE_EQ(2, refs(o));
	ATF_REQUIRE_MSG((o->flags & OBJ_ONEMAPPING) == 0,
	    "the shadowed object kept OBJ_ONEMAPPING (flags %#x)", o->flags);
	ATF_REQUIRE(o->flags & OBJ_ANON);
	ATF_REQUIRE_EQ(2, vm_object_depth(s));
	ATF_REQUIRE_EQ(base_objects + 2, vm_object_count());
	/* The shadow sees the source's pages through its window. */
	ATF_REQUIRE_EQ(TAG('O', 2), chain_tag(s, 0));
	ATF_REQUIRE_EQ(TAG('O', 5), chain_tag(s, 3));
	ATF_REQUIRE_EQ(0, chain_tag(s, 1));
	ocheck(o);
	ocheck(s);

	/* The shadow dies: o loses its shadow and one reference. */
	vm_object_deallocate(s);
	ATF_REQUIRE_EQ(1, refs(o));
	ATF_REQUIRE_EQ(0, o->shadow_count);
	ATF_REQUIRE_EQ(2, o->resident_page_count);
	ocheck(o);
	vm_object_deallocate(o);
	finish();
}

/* ---- collapse ----------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(collapse_on_deallocate);
ATF_TC_BODY(collapse_on_deallocate, tc)
{
	vm_object_t y, x, s;
	vm_page_t xm[16];
	uint64_t c0, b0, want;
	u_int free0, n0;
	vm_pindex_t i;

	/*
	 * Y <- X (offset 2) <- S (offset 4, 8 pages).  X is referenced by S
	 * and by a mapping that goes away: X folds into S.  Y keeps another
	 * reference, so it stays, now backing S directly at offset 2 + 4.
	 */
	boot();
	y = vm_object_allocate_anon(32);
	for (i = 0; i < 32; i++)
		opage(y, i, TAG('Y', i));
	vm_object_reference(y);			/* Y's other mapping */
	x = shadow(y, 2, 16);
	for (i = 0; i < 16; i++)
		xm[i] = i == 9 ? NULL : opage(x, i, TAG('X', i));
	vm_object_reference(x);			/* X's other mapping */
	s = shadow(x, 4, 8);
	opage(s, 0, TAG('S', 0));
	opage(s, 2, TAG('S', 2));
	ATF_REQUIRE_EQ(3, vm_object_depth(s));
	ATF_REQUIRE_EQ(2, refs(x));
	ATF_REQUIRE_EQ(2, refs(y));
	ocheck(s);
	ocheck(x);
	ocheck(y);

	c0 = vt_stat("v_object_collapses");
	b0 = vt_stat("v_object_bypasses");
	free0 = vm_free_count();
	n0 = vm_object_count();
	vm_object_deallocate(x);		/* the other mapping of X */

	ATF_REQUIRE_EQ_MSG(c0 + 1, vt_stat("v_object_collapses"),
	    "collapses %ju -> %ju", (uintmax_t)c0,
	    (uintmax_t)vt_stat("v_object_collapses"));
	ATF_REQUIRE_EQ(b0, vt_stat("v_object_bypasses"));
	ATF_REQUIRE_EQ(n0 - 1, vm_object_count());
	ATF_REQUIRE(s->backing_object == y);
	ATF_REQUIRE_EQ(PG(6), s->backing_object_offset);
	ATF_REQUIRE_EQ(1, y->shadow_count);
	ATF_REQUIRE(LIST_FIRST(&y->shadow_head) == s);
	ATF_REQUIRE_EQ(2, refs(y));	/* S's (was X's), the mapping's */
	ATF_REQUIRE_EQ(1, refs(s));
	ATF_REQUIRE_EQ(2, vm_object_depth(s));
	/*
	 * S's own pages win over X's at the same index; X's pages in S's
	 * window moved (the same vm_page), the others were freed: X 0-3 and
	 * 12-15 outside, 4 and 6 shadowed.
	 */
	ATF_REQUIRE_EQ(7, s->resident_page_count);
	for (i = 0; i < 8; i++) {
		if (i == 0 || i == 2)
			want = TAG('S', i);
		else if (i == 5)
			want = TAG('Y', i + 6);	/* X had no page 9 */
		else {
			want = TAG('X', i + 4);
			ATF_REQUIRE_MSG(olookup(s, i) == xm[i + 4],
			    "S page %ju is not X's page %ju moved up",
			    (uintmax_t)i, (uintmax_t)i + 4);
		}
		ATF_REQUIRE_EQ_MSG(want, chain_tag(s, i), "S index %ju: "
		    "%#jx, want %#jx", (uintmax_t)i,
		    (uintmax_t)chain_tag(s, i), (uintmax_t)want);
	}
	ATF_REQUIRE(olookup(s, 5) == NULL);
	ATF_REQUIRE_EQ_MSG(free0 + 10, vm_free_count(), "freed %d pages of "
	    "X, want 10", (int)(vm_free_count() - free0));
	ocheck(s);
	ocheck(y);

	vm_object_deallocate(s);
	ATF_REQUIRE_EQ(1, refs(y));
	ATF_REQUIRE_EQ(0, y->shadow_count);
	ocheck(y);
	vm_object_deallocate(y);
	finish();
}

ATF_TC_WITHOUT_HEAD(collapse_then_bypass_whole_chain);
ATF_TC_BODY(collapse_then_bypass_whole_chain, tc)
{
	vm_object_t y, x, s;
	uint64_t c0, b0;
	vm_pindex_t i;

	/*
	 * As above, but after folding X in S covers every page of its
	 * window: the same collapse goes on to bypass Y, which keeps only its
	 * other mapping.
	 */
	boot();
	y = vm_object_allocate_anon(16);
	for (i = 0; i < 16; i++)
		opage(y, i, TAG('Y', i));
	vm_object_reference(y);
	x = shadow(y, 0, 16);
	for (i = 0; i < 4; i++)
		opage(x, i, TAG('X', i));
	vm_object_reference(x);
	s = shadow(x, 0, 4);
	ocheck(s);
	ocheck(x);
	ocheck(y);
	c0 = vt_stat("v_object_collapses");
	b0 = vt_stat("v_object_bypasses");
	vm_object_deallocate(x);
	ATF_REQUIRE_EQ(c0 + 1, vt_stat("v_object_collapses"));
	ATF_REQUIRE_EQ(b0 + 1, vt_stat("v_object_bypasses"));
	ATF_REQUIRE(s->backing_object == NULL);
	ATF_REQUIRE_EQ(1, vm_object_depth(s));
	ATF_REQUIRE_EQ(0, y->shadow_count);
	ATF_REQUIRE_EQ(1, refs(y));
	for (i = 0; i < 4; i++)
		ATF_REQUIRE_EQ(TAG('X', i), chain_tag(s, i));
	ocheck(s);
	ocheck(y);
	vm_object_deallocate(s);
	vm_object_deallocate(y);
	finish();
}

/* ---- bypass ------------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(bypass_covered_backing);
ATF_TC_BODY(bypass_covered_backing, tc)
{
	vm_object_t y, x, s, t;
	uint64_t c0, b0;
	vm_pindex_t i;

	/*
	 * Y <- X <- S with X referenced elsewhere too.  S covers all of X's
	 * pages in its window (X 2, 3 and 5; S at offset 2, 4 pages): a
	 * collapse of S bypasses X, S now backs onto Y at the composed offset
	 * and X loses S's reference.  S lacks index 2, where Y shows through,
	 * so Y is not bypassed in turn.  T, which lacks one of X's pages,
	 * cannot bypass X.
	 */
	boot();
	y = vm_object_allocate_anon(16);
	for (i = 0; i < 16; i++)
		opage(y, i, TAG('Y', i));
	vm_object_reference(y);		/* keeps Y out of the way */
	x = shadow(y, 1, 12);
	opage(x, 2, TAG('X', 2));
	opage(x, 3, TAG('X', 3));
	opage(x, 5, TAG('X', 5));
	vm_object_reference(x);			/* X's other mapping */
	vm_object_reference(x);			/* and T's */
	s = shadow(x, 2, 4);
	opage(s, 0, TAG('S', 0));
	opage(s, 1, TAG('S', 1));
	opage(s, 3, TAG('S', 3));
	t = shadow(x, 2, 4);
	opage(t, 0, TAG('T', 0));
	opage(t, 2, TAG('T', 2));
	ATF_REQUIRE_EQ(3, refs(x));
	ATF_REQUIRE_EQ(2, x->shadow_count);

	c0 = vt_stat("v_object_collapses");
	b0 = vt_stat("v_object_bypasses");
	VM_OBJECT_WLOCK(t);
	vm_object_collapse(t);		/* X page 3 shows through */
	VM_OBJECT_WUNLOCK(t);
	ATF_REQUIRE(t->backing_object == x);
	ATF_REQUIRE_EQ(b0, vt_stat("v_object_bypasses"));
	ATF_REQUIRE_EQ(TAG('X', 3), chain_tag(t, 1));

	VM_OBJECT_WLOCK(s);
	vm_object_collapse(s);
	VM_OBJECT_WUNLOCK(s);
	ATF_REQUIRE_EQ(b0 + 1, vt_stat("v_object_bypasses"));
	ATF_REQUIRE_EQ(c0, vt_stat("v_object_collapses"));
	ATF_REQUIRE_MSG(s->backing_object == y, "S backs onto %p, want Y %p",
	    (void *)s->backing_object, (void *)y);
	ATF_REQUIRE_EQ(PG(3), s->backing_object_offset);
	ATF_REQUIRE_EQ(2, refs(x));		/* the mapping and T */
	ATF_REQUIRE_EQ(1, x->shadow_count);
	ATF_REQUIRE(LIST_FIRST(&x->shadow_head) == t);
	ATF_REQUIRE_EQ(3, refs(y));		/* X, S and the extra one */
	ATF_REQUIRE_EQ(2, y->shadow_count);
	ATF_REQUIRE_EQ(3, x->resident_page_count);	/* X untouched */
	ATF_REQUIRE_EQ(TAG('S', 0), chain_tag(s, 0));
	ATF_REQUIRE_EQ(TAG('S', 1), chain_tag(s, 1));
	ATF_REQUIRE_EQ(TAG('Y', 5), chain_tag(s, 2));
	ATF_REQUIRE_EQ(TAG('S', 3), chain_tag(s, 3));
	ocheck(s);
	ocheck(t);
	ocheck(x);
	ocheck(y);

	vm_object_deallocate(s);
	vm_object_deallocate(t);
	vm_object_deallocate(x);
	vm_object_deallocate(y);
	finish();
}

ATF_TC_WITHOUT_HEAD(bypass_then_collapse_other_shadow);
ATF_TC_BODY(bypass_then_collapse_other_shadow, tc)
{
	vm_object_t x, s, t;
	uint64_t c0, b0;
	vm_pindex_t i;

	/*
	 * X shadowed by S and T and by nothing else.  S bypasses X; that
	 * leaves X with T alone, so T collapses X.
	 */
	boot();
	x = vm_object_allocate_anon(8);
	for (i = 0; i < 8; i++)
		opage(x, i, TAG('X', i));
	vm_object_reference(x);
	s = shadow(x, 0, 2);
	t = shadow(x, 4, 4);
	opage(s, 0, TAG('S', 0));
	opage(s, 1, TAG('S', 1));
	ATF_REQUIRE_EQ(2, refs(x));
	ATF_REQUIRE_EQ(2, x->shadow_count);
	ocheck(x);
	ocheck(s);
	ocheck(t);
	c0 = vt_stat("v_object_collapses");
	b0 = vt_stat("v_object_bypasses");
	VM_OBJECT_WLOCK(s);
	vm_object_collapse(s);
	VM_OBJECT_WUNLOCK(s);
	ATF_REQUIRE_EQ(b0 + 1, vt_stat("v_object_bypasses"));
	ATF_REQUIRE_EQ(c0 + 1, vt_stat("v_object_collapses"));
	ATF_REQUIRE(s->backing_object == NULL);
	ATF_REQUIRE(t->backing_object == NULL);
	ATF_REQUIRE_EQ(base_objects + 2, vm_object_count());
	ATF_REQUIRE_EQ(4, t->resident_page_count);
	for (i = 0; i < 4; i++)
		ATF_REQUIRE_EQ(TAG('X', i + 4), chain_tag(t, i));
	ocheck(s);
	ocheck(t);
	vm_object_deallocate(s);
	vm_object_deallocate(t);
	finish();
}

/* ---- what stops a collapse ---------------------------------------------- */

ATF_TC_WITHOUT_HEAD(collapse_skipped_paging_in_progress);
ATF_TC_BODY(collapse_skipped_paging_in_progress, tc)
{
	vm_object_t x, s;
	uint64_t c0;
	vm_pindex_t i;

	boot();
	x = vm_object_allocate_anon(8);
	for (i = 0; i < 8; i++)
		opage(x, i, TAG('X', i));
	vm_object_reference(x);
	s = shadow(x, 0, 8);
	opage(s, 0, TAG('S', 0));
	c0 = vt_stat("v_object_collapses");

	/* A fault walking S (pip on the shadow). */
	vm_object_pip_add(s, 1);
	vm_object_deallocate(x);
	ATF_REQUIRE_MSG(s->backing_object == x, "collapsed under a fault");
	ATF_REQUIRE_EQ(1, refs(x));
	ATF_REQUIRE_EQ(1, x->shadow_count);
	ATF_REQUIRE_EQ(8, x->resident_page_count);
	ATF_REQUIRE_EQ(c0, vt_stat("v_object_collapses"));
	ATF_REQUIRE_EQ(0, x->flags & (OBJ_DEAD | OBJ_COLLAPSING));
	ocheck(s);
	ocheck(x);
	VM_OBJECT_WLOCK(s);
	vm_object_collapse(s);
	VM_OBJECT_WUNLOCK(s);
	ATF_REQUIRE(s->backing_object == x);
	vm_object_pip_wakeup(s);

	/* A fault walking X (pip on the backing object). */
	vm_object_pip_add(x, 1);
	VM_OBJECT_WLOCK(s);
	vm_object_collapse(s);
	VM_OBJECT_WUNLOCK(s);
	ATF_REQUIRE(s->backing_object == x);
	ATF_REQUIRE_EQ(c0, vt_stat("v_object_collapses"));
	ocheck(s);
	ocheck(x);
	vm_object_pip_wakeup(x);

	/* Nobody paging: the collapse goes through. */
	VM_OBJECT_WLOCK(s);
	vm_object_collapse(s);
	VM_OBJECT_WUNLOCK(s);
	ATF_REQUIRE(s->backing_object == NULL);
	ATF_REQUIRE_EQ(c0 + 1, vt_stat("v_object_collapses"));
	ATF_REQUIRE_EQ(8, s->resident_page_count);
	ATF_REQUIRE_EQ(TAG('S', 0), chain_tag(s, 0));
	for (i = 1; i < 8; i++)
		ATF_REQUIRE_EQ(TAG('X', i), chain_tag(s, i));
	ocheck(s);
	vm_object_deallocate(s);
	finish();
}

ATF_TC_WITHOUT_HEAD(collapse_aborted_by_busy_page);
ATF_TC_BODY(collapse_aborted_by_busy_page, tc)
{
	vm_object_t x, s;
	vm_page_t busy;
	uint64_t c0;
	vm_pindex_t i;

	/*
	 * A busy page of the backing object stops the collapse part way: the
	 * pages before it have moved up, the rest stay, and the chain is
	 * consistent (every index still shows the right page).
	 */
	boot();
	x = vm_object_allocate_anon(8);
	for (i = 0; i < 8; i++)
		opage(x, i, TAG('X', i));
	vm_object_reference(x);
	s = shadow(x, 0, 8);
	opage(s, 0, TAG('S', 0));
	busy = olookup(x, 5);
	ATF_REQUIRE(vm_page_tryxbusy(busy));
	c0 = vt_stat("v_object_collapses");
	vm_object_deallocate(x);
	ATF_REQUIRE(s->backing_object == x);
	ATF_REQUIRE_EQ(c0, vt_stat("v_object_collapses"));
	ATF_REQUIRE_EQ(0, x->flags & (OBJ_DEAD | OBJ_COLLAPSING));
	ATF_REQUIRE_EQ(1, refs(x));
	ATF_REQUIRE_EQ(1, x->shadow_count);
	ATF_REQUIRE(olookup(x, 5) == busy && busy->object == x);
	ATF_REQUIRE_EQ(8, s->resident_page_count + x->resident_page_count);
	ATF_REQUIRE_EQ(TAG('S', 0), chain_tag(s, 0));
	for (i = 1; i < 8; i++)
		ATF_REQUIRE_EQ_MSG(TAG('X', i), chain_tag(s, i),
		    "index %ju after the aborted collapse", (uintmax_t)i);
	ocheck(s);
	ocheck(x);
	vm_page_xunbusy(busy);

	VM_OBJECT_WLOCK(s);
	vm_object_collapse(s);
	VM_OBJECT_WUNLOCK(s);
	ATF_REQUIRE(s->backing_object == NULL);
	ATF_REQUIRE_EQ(c0 + 1, vt_stat("v_object_collapses"));
	ATF_REQUIRE(olookup(s, 5) == busy);
	for (i = 1; i < 8; i++)
		ATF_REQUIRE_EQ(TAG('X', i), chain_tag(s, i));
	ocheck(s);
	vm_object_deallocate(s);
	finish();
}

/* ---- split -------------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(split_clipped_onemapping);
ATF_TC_BODY(split_clipped_onemapping, tc)
{
	struct vmspace *vm;
	vm_map_t map;
	vm_map_entry_t e1, e2;
	vm_object_t p, s, n;
	vm_page_t m6, m9;
	u_int n0, free0;
	vm_pindex_t i;
	int rv;

	/*
	 * S (ONEMAPPING, 12 pages) shadows P at offset 2 and is mapped by
	 * one entry clipped in two: [0, 5) and [5, 12).  Splitting the
	 * second gives it an object of its own holding exactly its pages,
	 * backed by P at offset 2 + 5.
	 */
	boot();
	vm = vs_new();
	map = &vm->vm_map;
	p = vm_object_allocate_anon(16);
	for (i = 0; i < 16; i++)
		opage(p, i, TAG('P', i));
	vm_object_reference(p);			/* a child's mapping */
	s = shadow(p, 2, 12);
	opage(s, 1, TAG('S', 1));
	opage(s, 3, TAG('S', 3));
	m6 = opage(s, 6, TAG('S', 6));
	m9 = opage(s, 9, TAG('S', 9));
	vm_map_lock(map);
	rv = vm_map_insert(map, s, 0, UVA, UVA + PG(12), RW, VM_PROT_ALL, 0);
	ATF_REQUIRE_EQ(KERN_SUCCESS, rv);
	ATF_REQUIRE(vm_map_lookup_entry(map, UVA, &e1));
	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_map_clip_end(map, e1, UVA + PG(5)));
	e2 = vm_map_entry_succ(e1);
	ATF_REQUIRE(e2->start == UVA + PG(5) && e2->cold->object == s);
	ATF_REQUIRE_EQ(PG(5), e2->cold->offset);
	ATF_REQUIRE_EQ(2, refs(s));
	ATF_REQUIRE(s->flags & OBJ_ONEMAPPING);

	n0 = vm_object_count();
	free0 = vm_free_count();
	vm_object_split(e2);
	n = e2->cold->object;
	vm_map_unlock(map);

	ATF_REQUIRE_MSG(n != s, "the entry still has the original object");
	ATF_REQUIRE_EQ(n0 + 1, vm_object_count());
	ATF_REQUIRE_EQ(free0, vm_free_count());	/* moved, not copied */
	ATF_REQUIRE_EQ(0, e2->cold->offset);
	ATF_REQUIRE(e1->cold->object == s && e1->cold->offset == 0);
	ATF_REQUIRE_EQ(7, n->size);
	ATF_REQUIRE_EQ(OBJ_ANON | OBJ_ONEMAPPING, n->flags & (OBJ_ANON |
	    OBJ_ONEMAPPING));
	ATF_REQUIRE_EQ(1, refs(n));
	ATF_REQUIRE_EQ(1, refs(s));
	ATF_REQUIRE(n->backing_object == p);
	ATF_REQUIRE_EQ_MSG(PG(7), n->backing_object_offset,
	    "backing offset %#jx, want %#jx",
	    (uintmax_t)n->backing_object_offset, (uintmax_t)PG(7));
	ATF_REQUIRE_EQ(2, p->shadow_count);
	ATF_REQUIRE_EQ(3, refs(p));		/* S, N and the child */
	/* Exactly the entry's pages moved, to entry-relative indexes. */
	ATF_REQUIRE_EQ(2, n->resident_page_count);
	ATF_REQUIRE(olookup(n, 1) == m6 && olookup(n, 4) == m9);
	ATF_REQUIRE_EQ(2, s->resident_page_count);
	ATF_REQUIRE(olookup(s, 6) == NULL && olookup(s, 9) == NULL);
	ATF_REQUIRE_EQ(TAG('S', 1), chain_tag(s, 1));
	ATF_REQUIRE_EQ(TAG('S', 3), chain_tag(s, 3));
	ATF_REQUIRE_EQ(TAG('P', 2), chain_tag(s, 0));
	for (i = 0; i < 7; i++)
		ATF_REQUIRE_EQ_MSG(i == 1 ? TAG('S', 6) : i == 4 ?
		    TAG('S', 9) : TAG('P', i + 7), chain_tag(n, i),
		    "N index %ju", (uintmax_t)i);
	ocheck(s);
	ocheck(n);
	ocheck(p);

	vmspace_free(vm);
	ATF_REQUIRE_EQ(1, refs(p));
	ATF_REQUIRE_EQ(0, p->shadow_count);
	vm_object_deallocate(p);
	finish();
}

ATF_TC_WITHOUT_HEAD(fork_splits_clipped_onemapping);
ATF_TC_BODY(fork_splits_clipped_onemapping, tc)
{
	struct vmspace *a, *b;
	vm_map_entry_t e1, e2, c1, c2;
	vm_object_t o;
	vm_pindex_t i;

	/*
	 * An anonymous mapping whose protection was changed in the middle is
	 * two entries over one ONEMAPPING object.  Fork gives each entry its
	 * own object first (the parent's pages split between them), so that
	 * what the child shares is exactly one entry's.
	 */
	boot();
	a = vs_new();
	vs_map(a, UVA, 8, RW);
	for (i = 0; i < 8; i++)
		uwrite(a, UVA + PG(i), TAG('A', i));
	o = entry_at(a, UVA)->cold->object;
	ATF_REQUIRE(o != NULL && (o->flags & OBJ_ONEMAPPING));
	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_map_protect(&a->vm_map, UVA + PG(4),
	    UVA + PG(8), VM_PROT_READ, false));
	e1 = entry_at(a, UVA);
	e2 = entry_at(a, UVA + PG(4));
	ATF_REQUIRE(e1 != e2 && e1->cold->object == o && e2->cold->object == o);
	ATF_REQUIRE_EQ(2, refs(o));

	ATF_REQUIRE_EQ(0, vmspace_fork1(a, &b));
	e1 = entry_at(a, UVA);
	e2 = entry_at(a, UVA + PG(4));
	c1 = entry_at(b, UVA);
	c2 = entry_at(b, UVA + PG(4));
	ATF_REQUIRE_MSG(e1->cold->object != e2->cold->object,
	    "fork left the clipped entries sharing one object");
	ATF_REQUIRE(c1->cold->object == e1->cold->object &&
	    c2->cold->object == e2->cold->object);
	ATF_REQUIRE_EQ(0, e1->cold->offset);
	ATF_REQUIRE_EQ(c1->cold->offset, e1->cold->offset);
	ATF_REQUIRE_EQ(c2->cold->offset, e2->cold->offset);
	ATF_REQUIRE_EQ(4, e1->cold->object->resident_page_count);
	ATF_REQUIRE_EQ(4, e2->cold->object->resident_page_count);
	ATF_REQUIRE_EQ(2, refs(e1->cold->object));
	ATF_REQUIRE_EQ(2, refs(e2->cold->object));
	ATF_REQUIRE(e1->eflags & MAP_ENTRY_NEEDS_COPY);
	ATF_REQUIRE(c2->eflags & MAP_ENTRY_NEEDS_COPY);
	ATF_REQUIRE_EQ(0, e1->cold->object->flags & OBJ_ONEMAPPING);
	ocheck(e1->cold->object);
	ocheck(e2->cold->object);
	for (i = 0; i < 8; i++)
		ATF_REQUIRE_EQ(TAG('A', i), uread(b, UVA + PG(i)));
	/* Copy on write both ways. */
	uwrite(a, UVA + PG(1), TAG('a', 1));
	uwrite(b, UVA + PG(2), TAG('b', 2));
	ATF_REQUIRE_EQ(TAG('A', 1), uread(b, UVA + PG(1)));
	ATF_REQUIRE_EQ(TAG('A', 2), uread(a, UVA + PG(2)));
	ATF_REQUIRE_EQ(TAG('a', 1), uread(a, UVA + PG(1)));
	vmspace_free(b);
	for (i = 0; i < 8; i++)
		ATF_REQUIRE_EQ(i == 1 ? TAG('a', 1) : TAG('A', i),
		    uread(a, UVA + PG(i)));
	ocheck(entry_at(a, UVA)->cold->object);
	ocheck(entry_at(a, UVA + PG(4))->cold->object);
	vmspace_free(a);
	finish();
}

/* ---- coalesce ----------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(coalesce_extends_object);
ATF_TC_BODY(coalesce_extends_object, tc)
{
	struct vmspace *vm;
	vm_map_entry_t e, e2;
	vm_object_t o;
	vm_offset_t addr;
	u_int n0;
	int rv;

	/*
	 * Anonymous mappings right after a backed anonymous entry extend its
	 * object; with equal attributes the entries merge.
	 */
	boot();
	vm = vs_new();
	vs_map(vm, UVA, 4, RW);
	uwrite(vm, UVA, TAG('A', 0));
	e = entry_at(vm, UVA);
	o = e->cold->object;
	ATF_REQUIRE(o != NULL && o->size == 4);
	n0 = vm_object_count();

	vs_map(vm, UVA + PG(4), 4, RW);		/* vm_map_insert */
	e = entry_at(vm, UVA + PG(5));
	ATF_REQUIRE_MSG(e->cold->object == o, "the next mapping got object %p, "
	    "not the extended %p", (void *)e->cold->object, (void *)o);
	ATF_REQUIRE_EQ(8, o->size);
	ATF_REQUIRE_EQ(n0, vm_object_count());
	ATF_REQUIRE_MSG(e->start == UVA && e->end == UVA + PG(8),
	    "not merged: [%#jx, %#jx)", (uintmax_t)e->start,
	    (uintmax_t)e->end);
	ATF_REQUIRE_EQ(1, nentries(vm));
	ATF_REQUIRE_EQ(1, refs(o));
	uwrite(vm, UVA + PG(6), TAG('A', 6));
	ATF_REQUIRE_EQ(TAG('A', 6), chain_tag(o, 6));

	/* vm_map_find at the exact address, the same. */
	addr = UVA + PG(8);
	rv = vm_map_find(&vm->vm_map, NULL, 0, &addr, PG(2), 0, VMFS_NO_SPACE,
	    RW, VM_PROT_ALL, 0);
	ATF_REQUIRE_EQ(KERN_SUCCESS, rv);
	ATF_REQUIRE_EQ(1, nentries(vm));
	ATF_REQUIRE_EQ(10, o->size);

	/* Other attributes: the object grows, the entries stay apart. */
	vs_map(vm, UVA + PG(10), 2, VM_PROT_READ);
	ATF_REQUIRE_EQ(2, nentries(vm));
	e2 = entry_at(vm, UVA + PG(10));
	ATF_REQUIRE(e2->cold->object == o);
	ATF_REQUIRE_EQ(PG(10), e2->cold->offset);
	ATF_REQUIRE_EQ(12, o->size);
	ATF_REQUIRE_EQ(2, refs(o));
	ATF_REQUIRE_EQ(0, uread(vm, UVA + PG(11)));
	ATF_REQUIRE_EQ(n0, vm_object_count());
	ocheck(o);
	vmspace_free(vm);
	finish();
}

ATF_TC_WITHOUT_HEAD(coalesce_frees_stale_pages);
ATF_TC_BODY(coalesce_frees_stale_pages, tc)
{
	struct vmspace *vm;
	vm_object_t o;
	vm_map_entry_t e;
	u_int free0;
	vm_pindex_t i;
	int rv;

	/*
	 * The object is larger than its entry and holds pages past it (left
	 * from an earlier use): extending over them frees them, so the new
	 * mapping reads zeros.
	 */
	boot();
	vm = vs_new();
	o = vm_object_allocate_anon(8);
	for (i = 0; i < 8; i++)
		opage(o, i, TAG('O', i));
	vm_map_lock(&vm->vm_map);
	rv = vm_map_insert(&vm->vm_map, o, 0, UVA, UVA + PG(4), RW,
	    VM_PROT_ALL, 0);
	vm_map_unlock(&vm->vm_map);
	ATF_REQUIRE_EQ(KERN_SUCCESS, rv);
	free0 = vm_free_count();
	vs_map(vm, UVA + PG(4), 3, RW);
	ATF_REQUIRE_EQ_MSG(free0 + 3, vm_free_count(), "freed %d stale "
	    "pages, want 3", (int)(vm_free_count() - free0));
	ATF_REQUIRE_EQ(5, o->resident_page_count);
	ATF_REQUIRE(olookup(o, 7) != NULL);	/* beyond the new range */
	ATF_REQUIRE_EQ(8, o->size);
	e = entry_at(vm, UVA + PG(5));
	ATF_REQUIRE(e->cold->object == o && e->start == UVA);
	for (i = 0; i < 7; i++)
		ATF_REQUIRE_EQ_MSG(i < 4 ? TAG('O', i) : 0,
		    uread(vm, UVA + PG(i)), "page %ju", (uintmax_t)i);
	ocheck(o);
	vmspace_free(vm);
	finish();
}

ATF_TC_WITHOUT_HEAD(coalesce_refused);
ATF_TC_BODY(coalesce_refused, tc)
{
	struct vmspace *vm;
	vm_object_t o, p, s;
	vm_map_entry_t e;
	int rv;

	boot();
	vm = vs_new();

	/* 1. The object shadows another (still shared): no. */
	p = vm_object_allocate_anon(4);
	opage(p, 1, TAG('P', 1));
	vm_object_reference(p);
	s = shadow(p, 0, 4);
	vm_map_lock(&vm->vm_map);
	rv = vm_map_insert(&vm->vm_map, s, 0, UVA, UVA + PG(4), RW,
	    VM_PROT_ALL, 0);
	vm_map_unlock(&vm->vm_map);
	ATF_REQUIRE_EQ(KERN_SUCCESS, rv);
	vs_map(vm, UVA + PG(4), 4, RW);
	e = entry_at(vm, UVA + PG(4));
	ATF_REQUIRE_MSG(e->cold->object == NULL,
	    "extended an object that has a backing object");
	ATF_REQUIRE_EQ(4, s->size);
	ATF_REQUIRE_EQ(2, nentries(vm));
	ocheck(s);

	/* 2. Shared, not ONEMAPPING, and the entry is not its tail: no. */
	o = vm_object_allocate_anon(8);
	VM_OBJECT_WLOCK(o);
	vm_object_clear_flag(o, OBJ_ONEMAPPING);
	VM_OBJECT_WUNLOCK(o);
	vm_object_reference(o);		/* mapped elsewhere too */
	vm_map_lock(&vm->vm_map);
	rv = vm_map_insert(&vm->vm_map, o, 0, UVA + PG(16), UVA + PG(20), RW,
	    VM_PROT_ALL, 0);
	vm_map_unlock(&vm->vm_map);
	ATF_REQUIRE_EQ(KERN_SUCCESS, rv);
	vs_map(vm, UVA + PG(20), 4, RW);
	e = entry_at(vm, UVA + PG(20));
	ATF_REQUIRE_MSG(e->cold->object == NULL,
	    "extended a shared object over pages others may map");
	ATF_REQUIRE_EQ(8, o->size);
	ocheck(o);
	vm_object_deallocate(o);		/* the other mapping */

	/* 3. Shared, but the entry maps its tail: yes, it just grows. */
	o = vm_object_allocate_anon(4);
	VM_OBJECT_WLOCK(o);
	vm_object_clear_flag(o, OBJ_ONEMAPPING);
	VM_OBJECT_WUNLOCK(o);
	vm_object_reference(o);
	vm_map_lock(&vm->vm_map);
	rv = vm_map_insert(&vm->vm_map, o, 0, UVA + PG(32), UVA + PG(36), RW,
	    VM_PROT_ALL, 0);
	vm_map_unlock(&vm->vm_map);
	ATF_REQUIRE_EQ(KERN_SUCCESS, rv);
	vs_map(vm, UVA + PG(36), 2, RW);
	e = entry_at(vm, UVA + PG(36));
	ATF_REQUIRE(e->cold->object == o);
	ATF_REQUIRE_EQ(6, o->size);
	ocheck(o);
	vm_object_deallocate(o);

	/* 4. Shared but ONEMAPPING (a clipped mapping): yes. */
	o = vm_object_allocate_anon(8);
	opage(o, 6, TAG('O', 6));		/* stale */
	vm_object_reference(o);
	vm_map_lock(&vm->vm_map);
	rv = vm_map_insert(&vm->vm_map, o, 0, UVA + PG(48), UVA + PG(52), RW,
	    VM_PROT_ALL, 0);
	vm_map_unlock(&vm->vm_map);
	ATF_REQUIRE_EQ(KERN_SUCCESS, rv);
	vs_map(vm, UVA + PG(52), 4, RW);
	e = entry_at(vm, UVA + PG(52));
	ATF_REQUIRE(e->cold->object == o);
	ATF_REQUIRE(olookup(o, 6) == NULL);
	ocheck(o);
	vm_object_deallocate(o);

	vmspace_free(vm);
	ATF_REQUIRE_EQ(1, refs(p));
	ATF_REQUIRE_EQ(0, p->shadow_count);
	ocheck(p);
	vm_object_deallocate(p);
	finish();
}

ATF_TC_WITHOUT_HEAD(coalesce_after_fork);
ATF_TC_BODY(coalesce_after_fork, tc)
{
	struct vmspace *a, *b;
	vm_map_entry_t e;
	vm_object_t s;
	vm_offset_t addr;
	int rv;

	/*
	 * After fork and a write, the parent's entry has a shadow over the
	 * object the child shares: a mapping after it gets its own object.
	 * Once the child is gone the chain collapses and the next mapping
	 * there extends the parent's object again.
	 */
	boot();
	a = vs_new();
	vs_map(a, UVA, 4, RW);
	uwrite(a, UVA, TAG('A', 0));
	uwrite(a, UVA + PG(1), TAG('A', 1));
	ATF_REQUIRE_EQ(0, vmspace_fork1(a, &b));
	uwrite(a, UVA, TAG('a', 0));
	s = entry_at(a, UVA)->cold->object;
	ATF_REQUIRE(s->backing_object != NULL);
	addr = UVA + PG(4);
	rv = vm_map_find(&a->vm_map, NULL, 0, &addr, PG(4), 0, VMFS_NO_SPACE,
	    RW, VM_PROT_ALL, 0);
	ATF_REQUIRE_EQ(KERN_SUCCESS, rv);
	ATF_REQUIRE_EQ(2, nentries(a));
	ATF_REQUIRE(entry_at(a, UVA + PG(4))->cold->object == NULL);
	ATF_REQUIRE_EQ(4, s->size);
	ocheck(s);

	vmspace_free(b);
	ATF_REQUIRE_MSG(s->backing_object == NULL, "the child's exit left "
	    "the parent's chain %d deep", vm_object_depth(s));
	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_map_remove(&a->vm_map, UVA + PG(4),
	    UVA + PG(8)));
	addr = UVA + PG(4);
	rv = vm_map_find(&a->vm_map, NULL, 0, &addr, PG(4), 0, VMFS_NO_SPACE,
	    RW, VM_PROT_ALL, 0);
	ATF_REQUIRE_EQ(KERN_SUCCESS, rv);
	e = entry_at(a, UVA + PG(4));
	ATF_REQUIRE(e->cold->object == s);
	ATF_REQUIRE_EQ(1, nentries(a));
	ATF_REQUIRE_EQ(8, s->size);
	ATF_REQUIRE_EQ(TAG('a', 0), uread(a, UVA));
	ATF_REQUIRE_EQ(TAG('A', 1), uread(a, UVA + PG(1)));
	ocheck(s);
	vmspace_free(a);
	finish();
}

/* ---- munmap of ONEMAPPING pages ----------------------------------------- */

ATF_TC_WITHOUT_HEAD(munmap_frees_onemapping_pages);
ATF_TC_BODY(munmap_frees_onemapping_pages, tc)
{
	struct vmspace *vm;
	vm_object_t o;
	u_int f;
	vm_pindex_t i;

	boot();
	vm = vs_new();
	vs_map(vm, UVA, 16, RW);
	for (i = 0; i < 16; i++)
		uwrite(vm, UVA + PG(i), TAG('A', i));
	o = entry_at(vm, UVA)->cold->object;
	ATF_REQUIRE_EQ(16, o->resident_page_count);
	ATF_REQUIRE(o->flags & OBJ_ONEMAPPING);

	/* The middle: its pages go now; the object keeps its size. */
	f = vm_free_count();
	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_map_remove(&vm->vm_map, UVA + PG(4),
	    UVA + PG(8)));
	ATF_REQUIRE_EQ_MSG(f + 4, vm_free_count(), "munmap of 4 ONEMAPPING "
	    "pages freed %d", (int)(vm_free_count() - f));
	ATF_REQUIRE_EQ(12, o->resident_page_count);
	for (i = 4; i < 8; i++)
		ATF_REQUIRE(olookup(o, i) == NULL);
	ATF_REQUIRE_EQ(16, o->size);
	ATF_REQUIRE_EQ(2, refs(o));
	ocheck(o);

	/* The tail: freed, and the object shrinks. */
	f = vm_free_count();
	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_map_remove(&vm->vm_map, UVA + PG(12),
	    UVA + PG(16)));
	ATF_REQUIRE_EQ(f + 4, vm_free_count());
	ATF_REQUIRE_EQ_MSG(12, o->size, "object size %ju after unmapping its "
	    "tail", (uintmax_t)o->size);
	ocheck(o);

	/* The head. */
	f = vm_free_count();
	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_map_remove(&vm->vm_map, UVA,
	    UVA + PG(2)));
	ATF_REQUIRE_EQ(f + 2, vm_free_count());
	ATF_REQUIRE_EQ(12, o->size);
	ATF_REQUIRE_EQ(6, o->resident_page_count);
	for (i = 2; i < 4; i++)
		ATF_REQUIRE_EQ(TAG('A', i), uread(vm, UVA + PG(i)));
	for (i = 8; i < 12; i++)
		ATF_REQUIRE_EQ(TAG('A', i), uread(vm, UVA + PG(i)));
	ocheck(o);

	/* Shared with a child: not ONEMAPPING any more, nothing freed. */
	{
		struct vmspace *b;

		ATF_REQUIRE_EQ(0, vmspace_fork1(vm, &b));
		f = vm_free_count();
		ATF_REQUIRE_EQ(KERN_SUCCESS, vm_map_remove(&vm->vm_map,
		    UVA + PG(8), UVA + PG(10)));
		ATF_REQUIRE_EQ(f, vm_free_count());
		ATF_REQUIRE_EQ(TAG('A', 8), uread(b, UVA + PG(8)));
		vmspace_free(b);
	}
	vmspace_free(vm);
	finish();
}

/* ---- fork/exit cycles --------------------------------------------------- */

#define	NCYCLES	1000
#define	NPAGES	8

ATF_TC_WITHOUT_HEAD(fork_exit_cycles);
ATF_TC_BODY(fork_exit_cycles, tc)
{
	struct vmspace *a, *b;
	uint64_t want[NPAGES], c0;
	vm_object_t o;
	u_int objs, frees;
	int i, k;

	/*
	 * Each cycle: fork, the parent (and sometimes the child) writes, the
	 * child reads what the parent had, the child exits.  The parent's
	 * chain must be one object again after every exit, and objects,
	 * vmspaces and free pages must not creep.
	 */
	boot();
	a = vs_new();
	vs_map(a, UVA, NPAGES, RW);
	for (k = 0; k < NPAGES; k++) {
		want[k] = TAG('A', k);
		uwrite(a, UVA + PG(k), want[k]);
	}
	objs = vm_object_count();
	frees = FREE();
	c0 = vt_stat("v_object_collapses");
	for (i = 0; i < NCYCLES; i++) {
		ATF_REQUIRE_EQ(0, vmspace_fork1(a, &b));
		ATF_REQUIRE_EQ(base_vmspaces + 2, vmspace_count());
		k = i % NPAGES;
		if (i % 3 == 0)
			uwrite(b, UVA + PG(k), TAG('b', i));
		if (i % 5 == 0)
			ATF_REQUIRE_EQ(want[(k + 1) % NPAGES],
			    uread(b, UVA + PG((k + 1) % NPAGES)));
		want[k] = TAG('a', i);
		uwrite(a, UVA + PG(k), want[k]);
		if (i % 3 == 0)
			ATF_REQUIRE_EQ(TAG('b', i), uread(b, UVA + PG(k)));
		vmspace_free(b);
		o = entry_at(a, UVA)->cold->object;
		ATF_REQUIRE_EQ_MSG(1, vm_object_depth(o), "cycle %d: the "
		    "parent's chain is %d deep", i, vm_object_depth(o));
		ATF_REQUIRE_EQ_MSG(objs, vm_object_count(), "cycle %d: %u "
		    "objects, want %u", i, vm_object_count(), objs);
		ATF_REQUIRE_EQ(base_vmspaces + 1, vmspace_count());
		ATF_REQUIRE_EQ_MSG(frees, FREE(), "cycle %d: %d "
		    "pages leaked", i, (int)(frees - FREE()));
		if (i % 100 == 0) {
			ocheck(o);
			vm_page_check_all();
		}
	}
	ATF_REQUIRE(vt_stat("v_object_collapses") >= c0 + NCYCLES);
	for (k = 0; k < NPAGES; k++)
		ATF_REQUIRE_EQ(want[k], uread(a, UVA + PG(k)));
	vmspace_free(a);
	finish();
}

/* ---- seed 004: deallocate racing a collapse in progress ----------------- */

/*
 * The chain O <- BO <- BBO: O is the parent's object, BO is shared with a
 * child C, BBO with a child B.  C exits: BO falls to O's reference alone
 * and is being collapsed into O.  B exits meanwhile: BBO falls to BO's
 * reference alone, and its deallocation looks at BO, its only shadow --
 * which is being collapsed, and is freed at the end of that collapse.
 * Seed 004: the deallocation of BBO must not collapse BO (or keep using
 * it) under the collapse in progress.  Either may finish the job, but at
 * the end O holds everything it can see, BO and BBO are gone, and nothing
 * was used after being freed.
 *
 * To hold the collapse in the middle, the first page it frees (BO's page
 * 0, outside O's window) sits on the active queue, whose lock the test
 * holds: the collapse blocks in vm_page_free with O and BO locked.
 *
 * Runs in a child that boots libvm itself (expect_child_ok), so that a use
 * after free or a panic there is reported rather than taking the test
 * program down.  No ATF macros in the child: a failed check exits with its
 * number.
 */
static vm_object_t r_o, r_bo, r_bbo;
static _Atomic int r_t1_done, r_t2_done;

#define	CK(cond, n) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "check %d failed: %s\n", (n), #cond);	\
		fflush(stderr);						\
		_exit(n);						\
	}								\
} while (0)

static void *
r_child_c_exits(void *arg __unused)
{
	vm_object_deallocate(r_bo);
	atomic_store(&r_t1_done, 1);
	return (NULL);
}

static void *
r_child_b_exits(void *arg __unused)
{
	vm_object_deallocate(r_bbo);
	atomic_store(&r_t2_done, 1);
	return (NULL);
}

static int
r_sleepers(const void *chan)
{
	int n;

	sleepq_lock(chan);
	n = sleepq_sleepcnt(chan);
	sleepq_release(chan);
	return (n);
}

static vm_page_t
r_page(vm_object_t o, vm_pindex_t idx, uint64_t tag, bool activate)
{
	vm_page_t m;
	uint64_t *p;
	size_t i;

	VM_OBJECT_WLOCK(o);
	m = vm_page_alloc(o, idx, VM_ALLOC_NORMAL);
	CK(m != NULL, 2);
	p = vm_page_dmap(m);
	for (i = 0; i < WORDS; i++)
		p[i] = tag;
	vm_page_valid(m);
	if (activate)
		vm_page_activate(m);
	vm_page_xunbusy(m);
	VM_OBJECT_WUNLOCK(o);
	return (m);
}

/* vm_object_check for the children: it panics on what it finds. */
static void
r_check(vm_object_t o)
{
	VM_OBJECT_RLOCK(o);
	vm_object_check(o);
	VM_OBJECT_RUNLOCK(o);
}

static void
race_child(void)
{
	struct vm_pagequeue *pq;
	pthread_t t1, t2;
	vm_ooffset_t off;
	vm_object_t o;
	vm_page_t p0, m;
	uint64_t end;
	u_int n0;
	vm_pindex_t i;

	alarm(30);		/* a hang is a failure too */
	vt_child_boot();
	n0 = vm_object_count();
	r_bbo = vm_object_allocate_anon(8);
	for (i = 0; i < 8; i++)
		(void)r_page(r_bbo, i, TAG('B', i), false);
	vm_object_reference(r_bbo);		/* child B */
	o = r_bbo;
	off = 0;
	vm_object_shadow(&o, &off, PG(8), false);
	r_bo = o;
	CK(r_bo != r_bbo, 3);
	p0 = r_page(r_bo, 0, TAG('b', 0), true);
	for (i = 1; i < 8; i++)
		(void)r_page(r_bo, i, TAG('b', i), false);
	vm_object_reference(r_bo);		/* child C */
	o = r_bo;
	off = PG(1);
	vm_object_shadow(&o, &off, PG(4), false);
	r_o = o;
	CK(r_o != r_bo, 4);
	(void)r_page(r_o, 0, TAG('o', 0), false);
	CK(atomic_load(&r_bo->ref_count) == 2, 5);
	CK(atomic_load(&r_bbo->ref_count) == 2, 6);
	r_check(r_o);
	r_check(r_bo);
	r_check(r_bbo);
	vm_page_pqbatch_drain();
	pq = vm_page_pagequeue(p0);
	CK(pq != NULL, 7);

	vm_pagequeue_lock(pq);
	CK(pthread_create(&t1, NULL, r_child_c_exits, NULL) == 0, 8);
	/* Wait for the collapse to block on the queue lock. */
	end = vt_now_ms() + 5000;
	while (r_sleepers(&pq->pq_mutex.mtx_lock) < 1 &&
	    atomic_load(&r_t1_done) == 0 && vt_now_ms() < end)
		vt_msleep(1);
	CK(atomic_load(&r_t1_done) == 0, 9);	/* it must be blocked */
	CK(r_sleepers(&pq->pq_mutex.mtx_lock) == 1, 10);
	/* B exits now: wait until it is done or waits for BO. */
	CK(pthread_create(&t2, NULL, r_child_b_exits, NULL) == 0, 11);
	end = vt_now_ms() + 5000;
	while (atomic_load(&r_t2_done) == 0 &&
	    r_sleepers(&r_bo->lock.rw_lock) < 1 && vt_now_ms() < end)
		vt_msleep(1);
	vt_msleep(20);
	vm_pagequeue_unlock(pq);
	CK(pthread_join(t1, NULL) == 0, 12);
	CK(pthread_join(t2, NULL) == 0, 13);

	/* All of BO and BBO that O can see is in O now. */
	VM_OBJECT_RLOCK(r_o);
	vm_object_check(r_o);
	CK(r_o->backing_object == NULL, 14);
	CK(r_o->resident_page_count == 4, 15);
	m = vm_page_lookup(r_o, 0);
	CK(m != NULL && *(uint64_t *)vm_page_dmap(m) == TAG('o', 0), 16);
	for (i = 1; i < 4; i++) {
		m = vm_page_lookup(r_o, i);
		CK(m != NULL && *(uint64_t *)vm_page_dmap(m) ==
		    TAG('b', i + 1), 17);
	}
	VM_OBJECT_RUNLOCK(r_o);
	CK(atomic_load(&r_o->ref_count) == 1, 18);
	CK(vm_object_count() == n0 + 1, 19);
	vm_object_deallocate(r_o);
	CK(vm_object_count() == n0, 20);
	vm_page_check_all();
	vm_shutdown();
}

ATF_TC(collapse_vs_deallocate_race);
ATF_TC_HEAD(collapse_vs_deallocate_race, tc)
{
	atf_tc_set_md_var(tc, "descr", "seed 004: deallocating the backing "
	    "object of an object being collapsed leaves it to the collapse");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(collapse_vs_deallocate_race, tc)
{
	expect_child_ok(race_child);
}

/*
 * The same deallocation, when it gets the shadow's lock at once: X falls
 * to S's reference alone and its deallocation collapses S (X's only
 * shadow), which it reached through X's shadow list, not through a
 * reference of its own.  After folding X in, S covers all of Y and
 * bypasses it, dropping S's lock to deallocate Y; Y's deallocation in turn
 * waits for W (Y's other shadow), whose lock the test holds.  Meanwhile
 * S's own mapping goes away.  S must still be there when the collapse
 * takes its lock again.
 */
static vm_object_t u_y, u_x, u_w, u_s;

static void *
u_x_released(void *arg __unused)
{
	vm_object_deallocate(u_x);
	atomic_store(&r_t1_done, 1);
	return (NULL);
}

static void *
u_s_released(void *arg __unused)
{
	vm_object_deallocate(u_s);
	atomic_store(&r_t2_done, 1);
	return (NULL);
}

static void
unref_child(void)
{
	pthread_t t1, t2;
	vm_ooffset_t off;
	vm_object_t o;
	vm_page_t m;
	uint64_t end;
	u_int n0;
	vm_pindex_t i;

	alarm(30);
	vt_child_boot();
	n0 = vm_object_count();
	u_y = vm_object_allocate_anon(4);
	for (i = 0; i < 4; i++)
		(void)r_page(u_y, i, TAG('Y', i), false);
	vm_object_reference(u_y);
	o = u_y;
	off = 0;
	vm_object_shadow(&o, &off, PG(4), false);
	u_x = o;
	o = u_y;
	off = 0;
	vm_object_shadow(&o, &off, PG(4), false);	/* Y: X and W */
	u_w = o;
	CK(u_x != u_y && u_w != u_y && u_w != u_x, 2);
	(void)r_page(u_w, 0, TAG('W', 0), false);
	for (i = 0; i < 4; i++)
		(void)r_page(u_x, i, TAG('X', i), false);
	vm_object_reference(u_x);			/* X's other mapping */
	o = u_x;
	off = 0;
	vm_object_shadow(&o, &off, PG(4), false);
	u_s = o;				/* S's mapping: our ref */
	CK(u_s != u_x, 3);
	CK(atomic_load(&u_x->ref_count) == 2, 4);
	CK(atomic_load(&u_y->ref_count) == 2, 5);
	r_check(u_s);
	r_check(u_x);
	r_check(u_w);
	r_check(u_y);

	VM_OBJECT_WLOCK(u_w);
	CK(pthread_create(&t1, NULL, u_x_released, NULL) == 0, 6);
	end = vt_now_ms() + 5000;
	while (r_sleepers(&u_w->lock.rw_lock) < 1 &&
	    atomic_load(&r_t1_done) == 0 && vt_now_ms() < end)
		vt_msleep(1);
	/* S's mapping goes away now. */
	CK(pthread_create(&t2, NULL, u_s_released, NULL) == 0, 7);
	end = vt_now_ms() + 5000;
	while (atomic_load(&r_t2_done) == 0 && vt_now_ms() < end)
		vt_msleep(1);
	vt_msleep(20);
	VM_OBJECT_WUNLOCK(u_w);
	CK(pthread_join(t1, NULL) == 0, 8);
	CK(pthread_join(t2, NULL) == 0, 9);

	/* Left: W, with Y folded in. */
	VM_OBJECT_RLOCK(u_w);
	vm_object_check(u_w);
	CK(u_w->backing_object == NULL, 10);
	CK(u_w->resident_page_count == 4, 11);
	for (i = 0; i < 4; i++) {
		m = vm_page_lookup(u_w, i);
		CK(m != NULL && *(uint64_t *)vm_page_dmap(m) ==
		    (i == 0 ? TAG('W', 0) : TAG('Y', i)), 12);
	}
	VM_OBJECT_RUNLOCK(u_w);
	CK(vm_object_count() == n0 + 1, 13);
	vm_object_deallocate(u_w);
	CK(vm_object_count() == n0, 14);
	vm_page_check_all();
	vm_shutdown();
}

/*
 * Copy-on-write entries inserted without an object get one from their
 * first write fault (vm_map_entry_shadow): the node must say so
 * (MAP_ENTRY_BACKED), or two neighbours with different objects look
 * mergeable once their attributes agree and one object's pages are lost.
 */
ATF_TC_WITHOUT_HEAD(cow_without_object_then_merge);
ATF_TC_BODY(cow_without_object_then_merge, tc)
{
	struct vmspace *vm;
	vm_map_entry_t a, b;

	vt_boot();
	vm = vs_new();
	vm_map_lock(&vm->vm_map);
	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_map_insert(&vm->vm_map, NULL, 0, UVA,
	    UVA + PG(4), VM_PROT_RW, VM_PROT_ALL, MAP_COPY_ON_WRITE));
	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_map_insert(&vm->vm_map, NULL, 0,
	    UVA + PG(4), UVA + PG(8), VM_PROT_RW, VM_PROT_ALL,
	    MAP_COPY_ON_WRITE | MAP_INHERIT_SHARE));
	vm_map_unlock(&vm->vm_map);
	uwrite(vm, UVA, 0xAAAA);
	uwrite(vm, UVA + PG(4), 0xBBBB);
	a = entry_at(vm, UVA);
	b = entry_at(vm, UVA + PG(4));
	ATF_REQUIRE(a != b && a->cold->object != NULL &&
	    b->cold->object != NULL && a->cold->object != b->cold->object);
	ATF_REQUIRE((a->eflags & MAP_ENTRY_BACKED) != 0);
	ATF_REQUIRE((b->eflags & MAP_ENTRY_BACKED) != 0);
	/* Now alike but for their objects: they must stay two. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_map_inherit(&vm->vm_map, UVA + PG(4),
	    UVA + PG(8), VM_INHERIT_COPY));
	ATF_REQUIRE(entry_at(vm, UVA) != entry_at(vm, UVA + PG(4)));
	vm_map_lock(&vm->vm_map);
	_vm_map_assert_consistent(&vm->vm_map, true);
	vm_map_unlock(&vm->vm_map);
	/* Through the objects again, not the old translations. */
	pmap_remove(vm->vm_pmap, UVA, UVA + PG(8));
	ATF_REQUIRE_EQ(0xAAAA, uread(vm, UVA));
	ATF_REQUIRE_EQ(0xBBBB, uread(vm, UVA + PG(4)));
	vmspace_free(vm);
}

ATF_TC(collapse_keeps_unreferenced_shadow);
ATF_TC_HEAD(collapse_keeps_unreferenced_shadow, tc)
{
	atf_tc_set_md_var(tc, "descr", "the shadow a deallocation collapses "
	    "survives the loss of its last mapping during the collapse");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(collapse_keeps_unreferenced_shadow, tc)
{
	expect_child_ok(unref_child);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, shadow_single_ref_noop);
	ATF_TP_ADD_TC(tp, shadow_two_refs);
	ATF_TP_ADD_TC(tp, collapse_on_deallocate);
	ATF_TP_ADD_TC(tp, collapse_then_bypass_whole_chain);
	ATF_TP_ADD_TC(tp, bypass_covered_backing);
	ATF_TP_ADD_TC(tp, bypass_then_collapse_other_shadow);
	ATF_TP_ADD_TC(tp, collapse_skipped_paging_in_progress);
	ATF_TP_ADD_TC(tp, collapse_aborted_by_busy_page);
	ATF_TP_ADD_TC(tp, split_clipped_onemapping);
	ATF_TP_ADD_TC(tp, fork_splits_clipped_onemapping);
	ATF_TP_ADD_TC(tp, coalesce_extends_object);
	ATF_TP_ADD_TC(tp, coalesce_frees_stale_pages);
	ATF_TP_ADD_TC(tp, coalesce_refused);
	ATF_TP_ADD_TC(tp, coalesce_after_fork);
	ATF_TP_ADD_TC(tp, munmap_frees_onemapping_pages);
	ATF_TP_ADD_TC(tp, fork_exit_cycles);
	ATF_TP_ADD_TC(tp, collapse_vs_deallocate_race);
	ATF_TP_ADD_TC(tp, collapse_keeps_unreferenced_shadow);
	ATF_TP_ADD_TC(tp, cow_without_object_then_merge);
	return (atf_no_error());
}
