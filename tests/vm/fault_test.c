/*
 * The fault handler, white box: vm_fault called directly on a vmspace's
 * map.  Zero fill, a read through a NEEDS_COPY entry (mapped read-only,
 * the entry left NEEDS_COPY), the copy-on-write write fault, the
 * move-up of a page whose backing object belongs to the chain alone
 * (v_cow_optim), VM_FAULT_NOFILL, m_hold, vm_fault_quick_hold_pages,
 * protection and unmapped addresses, stack growth (grow area, guard,
 * RLIMIT_STACK, after fork), and the pmap_enter / page allocation
 * failure path (vm_fault_oom): KERN_RESOURCE_SHORTAGE after about a
 * second without memory, success once another thread frees some.
 *
 * Pages written here hold one 64-bit tag in every word.  vm_object_check
 * runs on the objects each case touches, and every case ends with the
 * object count, the vmspace count, the free and the wired page counts back
 * where boot left them.
 */
#include "vm_whitebox.h"

#include <pmap/soft/pmap_soft.h>
#include <uma.h>
#include "vt_uma.h"

/* Pages counted without UMA's slabs (vt_uma.h): VM metadata (radix nodes,
   pv chunks, pmaps, entries, objects) comes from zones, whose slabs stay
   cached after the items go. */
#define	WIRED()	((u_int)(vm_wire_count() - vt_uma_pages()))
#define	FREE()	((u_int)(vm_free_count() + vt_uma_pages()))

#define	L0SZ		((vm_offset_t)1 << 39) /* PML4 entry span */

/* ---- boot and the end-of-case balance ----------------------------------- */

static u_int base_objects, base_vmspaces, base_free, base_wired;

static void
boot(void)
{
	vt_boot();
	base_objects = vm_object_count();
	base_vmspaces = vmspace_count();
	base_free = vm_free_count();
	base_wired = vm_wire_count();
}

static void
finish(void)
{
	ATF_REQUIRE_EQ_MSG(base_objects, vm_object_count(),
	    "objects alive: %u, at boot %u", vm_object_count(), base_objects);
	ATF_REQUIRE_EQ_MSG(base_vmspaces, vmspace_count(),
	    "vmspaces alive: %u, at boot %u", vmspace_count(), base_vmspaces);
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);	/* slabs of the VM zones */
	ATF_REQUIRE_EQ_MSG(base_wired, vm_wire_count(),
	    "wired pages: %u, at boot %u", vm_wire_count(), base_wired);
	ATF_REQUIRE_EQ_MSG(base_free, vm_free_count(),
	    "free pages: %u, at boot %u", vm_free_count(), base_free);
	vm_page_check_all();
	vm_shutdown();
}

/* ---- user memory -------------------------------------------------------- */

/* The hardware's view: PMAP_ACCESS_OK, _NOTMAPPED or _PROT. */
static int
acc(struct vmspace *vm, vm_offset_t va, vm_prot_t access)
{
	vm_paddr_t pa = 0;

	return (pmap_soft_access(vm->vm_pmap, va, access, &pa));
}

static int
fault(struct vmspace *vm, vm_offset_t va, vm_prot_t type)
{
	return (vm_fault(&vm->vm_map, va, type, VM_FAULT_NORMAL, NULL));
}

/* vm_object_check for the children: it panics on what it finds. */
static void
ccheck(vm_object_t o)
{
	VM_OBJECT_RLOCK(o);
	vm_object_check(o);
	VM_OBJECT_RUNLOCK(o);
}

#define	CK(cond, n) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "check %d failed: %s\n", (n), #cond);	\
		fflush(stderr);						\
		_exit(n);						\
	}								\
} while (0)

/* ---- zero fill, NEEDS_COPY, copy on write ------------------------------- */

ATF_TC_WITHOUT_HEAD(zero_fill);
ATF_TC_BODY(zero_fill, tc)
{
	struct vmspace *vm;
	vm_map_entry_t e;
	vm_object_t o;
	vm_page_t m;
	uint64_t z0, f0;

	boot();
	vm = vs_new();
	vs_map(vm, UVA, 8, RW);
	ATF_REQUIRE(entry_at(vm, UVA)->cold->object == NULL);
	z0 = vt_stat("v_zfod");
	f0 = vt_stat("v_vm_faults");
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(vm, UVA + PG(3) + 123,
	    VM_PROT_READ));
	ATF_REQUIRE_EQ(z0 + 1, vt_stat("v_zfod"));
	ATF_REQUIRE_EQ(f0 + 1, vt_stat("v_vm_faults"));
	e = entry_at(vm, UVA);
	o = e->cold->object;
	ATF_REQUIRE_MSG(o != NULL, "the fault gave the entry no object");
	ATF_REQUIRE_EQ(8, o->size);
	ATF_REQUIRE_EQ(0, e->cold->offset);
	ATF_REQUIRE_EQ(OBJ_ANON | OBJ_ONEMAPPING, o->flags &
	    (OBJ_ANON | OBJ_ONEMAPPING));
	ATF_REQUIRE_EQ(1, o->resident_page_count);
	m = olookup(o, 3);
	ATF_REQUIRE(m != NULL);
	ATF_REQUIRE(vm_page_all_valid(m) && !vm_page_busied(m));
	ATF_REQUIRE_EQ(0, vm_page_wired(m));
	ATF_REQUIRE_EQ(0, page_tag(m));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(m), pmap_extract(vm->vm_pmap,
	    UVA + PG(3)));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(vm, UVA + PG(3), VM_PROT_READ));
	ATF_REQUIRE_EQ(0, atomic_load(&o->paging_in_progress));

	/* A write fault on another page: zero filled, writable. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(vm, UVA + PG(4), VM_PROT_WRITE));
	ATF_REQUIRE_EQ(z0 + 2, vt_stat("v_zfod"));
	m = olookup(o, 4);
	ATF_REQUIRE(m != NULL && page_tag(m) == 0);
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(vm, UVA + PG(4), VM_PROT_WRITE));
	/* Faulting a resident page again fills nothing. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(vm, UVA + PG(4), VM_PROT_WRITE));
	ATF_REQUIRE_EQ(z0 + 2, vt_stat("v_zfod"));
	ATF_REQUIRE_EQ(2, o->resident_page_count);
	ocheck(o);
	vmspace_free(vm);
	finish();
}

/*
 * The fast path's read lock is upgraded only when the fault is its sole
 * holder.  With another thread holding the object read-locked, a zero
 * fill must drop its read lock and wait for the write lock: it cannot
 * finish before the reader lets go (an upgrade that ignored the other
 * holder would).  The reader holds on for 100 ms, far longer than a
 * fault takes to reach the upgrade.
 */
struct reader_arg {
	vm_object_t	o;
	atomic_int	holding;
	atomic_int	released;
};

static void *
object_reader(void *arg)
{
	struct reader_arg *ra = arg;

	VM_OBJECT_RLOCK(ra->o);
	atomic_store(&ra->holding, 1);
	vt_msleep(100);
	atomic_store(&ra->released, 1);
	VM_OBJECT_RUNLOCK(ra->o);
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(zero_fill_waits_for_reader);
ATF_TC_BODY(zero_fill_waits_for_reader, tc)
{
	struct reader_arg ra = { .o = NULL };
	struct vmspace *vm;
	pthread_t t;
	vm_page_t m;

	boot();
	vm = vs_new();
	vs_map(vm, UVA, 8, RW);
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(vm, UVA, VM_PROT_WRITE));
	ra.o = entry_at(vm, UVA)->cold->object;
	ATF_REQUIRE(ra.o != NULL);
	t = vt_thread(object_reader, &ra);
	while (atomic_load(&ra.holding) == 0)
		vt_msleep(1);
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(vm, UVA + PG(5), VM_PROT_WRITE));
	ATF_REQUIRE_MSG(atomic_load(&ra.released) == 1,
	    "the fault took the object's write lock from under a reader");
	ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
	m = olookup(ra.o, 5);
	ATF_REQUIRE(m != NULL && page_tag(m) == 0);
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(vm, UVA + PG(5), VM_PROT_WRITE));
	ATF_REQUIRE_EQ(2, ra.o->resident_page_count);
	ocheck(ra.o);
	vmspace_free(vm);
	finish();
}

ATF_TC_WITHOUT_HEAD(needs_copy_read_then_write);
ATF_TC_BODY(needs_copy_read_then_write, tc)
{
	struct vmspace *a, *b;
	vm_map_entry_t ea, eb;
	vm_object_t p, sa, sb;
	vm_page_t pm1, mb;
	uint64_t cow0, z0, col0;
	vm_pindex_t i;

	boot();
	a = vs_new();
	vs_map(a, UVA, 6, RW);
	for (i = 0; i < 4; i++)
		uwrite(a, UVA + PG(i), TAG('A', i));
	p = entry_at(a, UVA)->cold->object;
	pm1 = olookup(p, 1);
	ATF_REQUIRE_EQ(0, vmspace_fork1(a, &b));
	eb = entry_at(b, UVA);
	ATF_REQUIRE(eb->cold->object == p);
	ATF_REQUIRE(eb->eflags & MAP_ENTRY_NEEDS_COPY);
	ATF_REQUIRE_EQ(2, refs(p));
	ATF_REQUIRE_EQ(0, p->flags & OBJ_ONEMAPPING);
	/* The parent lost write access to its pages. */
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(a, UVA + PG(1), VM_PROT_WRITE));

	/* A read in the child: the shared page, read-only. */
	cow0 = vt_stat("v_cow_faults");
	z0 = vt_stat("v_zfod");
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(b, UVA + PG(1), VM_PROT_READ));
	eb = entry_at(b, UVA);
	ATF_REQUIRE_MSG(eb->eflags & MAP_ENTRY_NEEDS_COPY, "a read fault "
	    "cleared NEEDS_COPY");
	ATF_REQUIRE(eb->cold->object == p);
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(pm1), pmap_extract(b->vm_pmap,
	    UVA + PG(1)));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(b, UVA + PG(1), VM_PROT_READ));
	ATF_REQUIRE_EQ_MSG(PMAP_ACCESS_PROT, acc(b, UVA + PG(1),
	    VM_PROT_WRITE), "a read through a NEEDS_COPY entry was mapped "
	    "writable");
	ATF_REQUIRE_EQ(cow0, vt_stat("v_cow_faults"));
	ATF_REQUIRE_EQ(z0, vt_stat("v_zfod"));
	/* A read of a page nobody has: zero filled, read-only too. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(b, UVA + PG(4), VM_PROT_READ));
	ATF_REQUIRE_EQ(z0 + 1, vt_stat("v_zfod"));
	ATF_REQUIRE(entry_at(b, UVA)->eflags & MAP_ENTRY_NEEDS_COPY);
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(b, UVA + PG(4), VM_PROT_WRITE));
	ocheck(p);

	/* A write in the child: its own shadow and a copy. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(b, UVA + PG(1), VM_PROT_WRITE));
	ATF_REQUIRE_EQ(cow0 + 1, vt_stat("v_cow_faults"));
	eb = entry_at(b, UVA);
	ATF_REQUIRE_EQ(0, eb->eflags & MAP_ENTRY_NEEDS_COPY);
	sb = eb->cold->object;
	ATF_REQUIRE(sb != p && sb->backing_object == p);
	ATF_REQUIRE_EQ(0, sb->backing_object_offset);
	ATF_REQUIRE_EQ(0, eb->cold->offset);
	mb = olookup(sb, 1);
	ATF_REQUIRE(mb != NULL && mb != pm1);
	ATF_REQUIRE_EQ(TAG('A', 1), page_tag(mb));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(mb), pmap_extract(b->vm_pmap,
	    UVA + PG(1)));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(b, UVA + PG(1), VM_PROT_WRITE));
	ATF_REQUIRE(olookup(p, 1) == pm1);
	ATF_REQUIRE_EQ(2, refs(p));		/* a's entry and sb */
	page_fill(mb, TAG('B', 1));
	ATF_REQUIRE_EQ(TAG('A', 1), uread(a, UVA + PG(1)));
	ATF_REQUIRE_EQ(TAG('B', 1), uread(b, UVA + PG(1)));
	ea = entry_at(a, UVA);
	ATF_REQUIRE(ea->cold->object == p &&
	    (ea->eflags & MAP_ENTRY_NEEDS_COPY));

	/* The parent writes: its own shadow too. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(a, UVA + PG(2), VM_PROT_WRITE));
	ATF_REQUIRE_EQ(cow0 + 2, vt_stat("v_cow_faults"));
	sa = entry_at(a, UVA)->cold->object;
	ATF_REQUIRE(sa != p && sa->backing_object == p);
	ATF_REQUIRE_EQ(2, p->shadow_count);
	ocheck(p);
	ocheck(sa);
	ocheck(sb);

	/* The child exits: the parent's chain collapses. */
	col0 = vt_stat("v_object_collapses");
	vmspace_free(b);
	ATF_REQUIRE_EQ(col0 + 1, vt_stat("v_object_collapses"));
	ATF_REQUIRE(sa->backing_object == NULL);
	for (i = 0; i < 4; i++)
		ATF_REQUIRE_EQ(TAG('A', i), uread(a, UVA + PG(i)));
	ATF_REQUIRE_EQ(0, uread(a, UVA + PG(4)));
	ocheck(sa);
	vmspace_free(a);
	finish();
}

ATF_TC_WITHOUT_HEAD(cow_optim_private_backing);
ATF_TC_BODY(cow_optim_private_backing, tc)
{
	struct vmspace *a, *b;
	vm_object_t p, sa, sa2;
	vm_page_t m1, m3;
	uint64_t opt0, cow0;
	u_int f0;
	vm_pindex_t i;

	/*
	 * The backing object of the parent's shadow is left with the
	 * shadow's reference alone and not collapsed: the child exited while
	 * a fault was in progress on the shadow (pip), or while a page of the
	 * backing object was busy.  A write to a page that lives there moves
	 * it up instead of copying it.
	 */
	boot();
	a = vs_new();
	vs_map(a, UVA, 4, RW);
	for (i = 0; i < 4; i++)
		uwrite(a, UVA + PG(i), TAG('A', i));
	ATF_REQUIRE_EQ(0, vmspace_fork1(a, &b));
	uwrite(a, UVA, TAG('a', 0));
	sa = entry_at(a, UVA)->cold->object;
	p = sa->backing_object;
	ATF_REQUIRE(p != NULL);
	m1 = olookup(p, 1);

	vm_object_pip_add(sa, 1);
	vmspace_free(b);
	vm_object_pip_wakeup(sa);
	ATF_REQUIRE(sa->backing_object == p);
	ATF_REQUIRE_EQ(1, refs(p));
	ATF_REQUIRE_EQ(1, p->shadow_count);

	opt0 = vt_stat("v_cow_optim");
	cow0 = vt_stat("v_cow_faults");
	f0 = vm_free_count();
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(a, UVA + PG(1), VM_PROT_WRITE));
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(a, UVA + PG(1), VM_PROT_WRITE));
	ATF_REQUIRE_EQ_MSG(opt0 + 1, vt_stat("v_cow_optim"), "v_cow_optim "
	    "%ju -> %ju", (uintmax_t)opt0, (uintmax_t)vt_stat("v_cow_optim"));
	ATF_REQUIRE_EQ(cow0, vt_stat("v_cow_faults"));
	ATF_REQUIRE_EQ(f0, vm_free_count());	/* moved, not copied */
	ATF_REQUIRE(olookup(sa, 1) == m1 && m1->object == sa);
	ATF_REQUIRE(olookup(p, 1) == NULL);
	ATF_REQUIRE_EQ(TAG('A', 1), page_tag(m1));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(m1), pmap_extract(a->vm_pmap,
	    UVA + PG(1)));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(a, UVA + PG(1), VM_PROT_WRITE));
	ATF_REQUIRE_EQ(0, vm_page_wired(m1));
	ocheck(sa);
	ocheck(p);
	/* The chain folds when next asked to. */
	VM_OBJECT_WLOCK(sa);
	vm_object_collapse(sa);
	VM_OBJECT_WUNLOCK(sa);
	ATF_REQUIRE(sa->backing_object == NULL);
	for (i = 1; i < 4; i++)
		ATF_REQUIRE_EQ(TAG('A', i), uread(a, UVA + PG(i)));

	/* Again, the collapse stopped by a busy page this time. */
	ATF_REQUIRE_EQ(0, vmspace_fork1(a, &b));
	uwrite(a, UVA, TAG('a', 1));
	sa2 = entry_at(a, UVA)->cold->object;
	ATF_REQUIRE(sa2->backing_object == sa);
	m3 = olookup(sa, 3);
	ATF_REQUIRE(vm_page_tryxbusy(m3));
	vmspace_free(b);
	vm_page_xunbusy(m3);
	ATF_REQUIRE(sa2->backing_object == sa);
	ATF_REQUIRE_EQ(1, refs(sa));
	ATF_REQUIRE(olookup(sa, 3) == m3);
	ocheck(sa);
	ocheck(sa2);
	opt0 = vt_stat("v_cow_optim");
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(a, UVA + PG(3), VM_PROT_WRITE));
	ATF_REQUIRE_EQ(opt0 + 1, vt_stat("v_cow_optim"));
	ATF_REQUIRE(olookup(sa2, 3) == m3);
	ATF_REQUIRE_EQ(TAG('A', 3), uread(a, UVA + PG(3)));
	ocheck(sa);
	ocheck(sa2);

	/* A shared backing object is copied from, never robbed. */
	ATF_REQUIRE_EQ(0, vmspace_fork1(a, &b));
	opt0 = vt_stat("v_cow_optim");
	cow0 = vt_stat("v_cow_faults");
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(a, UVA + PG(2), VM_PROT_WRITE));
	ATF_REQUIRE_EQ(opt0, vt_stat("v_cow_optim"));
	ATF_REQUIRE_EQ(cow0 + 1, vt_stat("v_cow_faults"));
	uwrite(a, UVA + PG(2), TAG('a', 2));
	ATF_REQUIRE_EQ(TAG('A', 2), uread(b, UVA + PG(2)));
	vmspace_free(b);
	vmspace_free(a);
	finish();
}

/* ---- VM_FAULT_NOFILL, m_hold, quick hold -------------------------------- */

ATF_TC_WITHOUT_HEAD(nofill);
ATF_TC_BODY(nofill, tc)
{
	struct vmspace *a, *b;
	vm_object_t o;
	vm_page_t m;
	uint64_t z0;

	boot();
	a = vs_new();
	vs_map(a, UVA, 4, RW);
	z0 = vt_stat("v_zfod");
	ATF_REQUIRE_EQ(KERN_OUT_OF_BOUNDS, vm_fault(&a->vm_map, UVA + PG(2),
	    VM_PROT_READ, VM_FAULT_NOFILL, NULL));
	ATF_REQUIRE_EQ(z0, vt_stat("v_zfod"));
	o = entry_at(a, UVA)->cold->object;
	ATF_REQUIRE(o == NULL || o->resident_page_count == 0);
	ATF_REQUIRE_EQ(0, pmap_extract(a->vm_pmap, UVA + PG(2)));
	ATF_REQUIRE_EQ(KERN_OUT_OF_BOUNDS, vm_fault(&a->vm_map, UVA + PG(2),
	    VM_PROT_READ, VM_FAULT_NOFILL, &m));
	ATF_REQUIRE(m == NULL);

	/* Resident: found and mapped. */
	uwrite(a, UVA + PG(1), TAG('A', 1));
	uwrite(a, UVA + PG(2), TAG('A', 2));
	pmap_remove(a->vm_pmap, UVA, UVA + PG(4));
	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_fault(&a->vm_map, UVA + PG(2),
	    VM_PROT_READ, VM_FAULT_NOFILL, NULL));
	o = entry_at(a, UVA)->cold->object;
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(olookup(o, 2)),
	    pmap_extract(a->vm_pmap, UVA + PG(2)));

	/* Down a chain: a page of the backing object counts. */
	ATF_REQUIRE_EQ(0, vmspace_fork1(a, &b));
	uwrite(a, UVA + PG(1), TAG('a', 1));
	ATF_REQUIRE(entry_at(a, UVA)->cold->object->backing_object == o);
	z0 = vt_stat("v_zfod");
	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_fault(&a->vm_map, UVA + PG(2),
	    VM_PROT_READ, VM_FAULT_NOFILL, NULL));
	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_fault(&b->vm_map, UVA + PG(2),
	    VM_PROT_READ, VM_FAULT_NOFILL, NULL));
	ATF_REQUIRE_EQ(KERN_OUT_OF_BOUNDS, vm_fault(&a->vm_map, UVA + PG(3),
	    VM_PROT_READ, VM_FAULT_NOFILL, NULL));
	ATF_REQUIRE_EQ(KERN_OUT_OF_BOUNDS, vm_fault(&b->vm_map, UVA,
	    VM_PROT_READ, VM_FAULT_NOFILL, NULL));
	ATF_REQUIRE_EQ(z0, vt_stat("v_zfod"));
	ATF_REQUIRE(olookup(o, 3) == NULL && olookup(o, 0) == NULL);
	ATF_REQUIRE(olookup(entry_at(a, UVA)->cold->object, 3) == NULL);
	ocheck(o);
	ocheck(entry_at(a, UVA)->cold->object);
	vmspace_free(b);
	vmspace_free(a);
	finish();
}

ATF_TC_WITHOUT_HEAD(m_hold_wires);
ATF_TC_BODY(m_hold_wires, tc)
{
	struct vmspace *a, *b;
	vm_object_t o;
	vm_page_t m;
	u_int w0, w;

	boot();
	a = vs_new();
	vs_map(a, UVA, 4, RW);
	uwrite(a, UVA, TAG('A', 0));
	o = entry_at(a, UVA)->cold->object;
	w0 = WIRED();

	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_fault(&a->vm_map, UVA + 17,
	    VM_PROT_READ, VM_FAULT_NORMAL, &m));
	ATF_REQUIRE(m != NULL && m == olookup(o, 0));
	ATF_REQUIRE_EQ(1, vm_page_wired(m));
	ATF_REQUIRE(!vm_page_busied(m));
	ATF_REQUIRE_EQ(w0 + 1, WIRED());
	ATF_REQUIRE_EQ(TAG('A', 0), page_tag(m));
	vm_page_unwire(m, PQ_ACTIVE);
	ATF_REQUIRE_EQ(0, vm_page_wired(m));
	ATF_REQUIRE_EQ(w0, WIRED());

	/* Zero fill, held. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_fault(&a->vm_map, UVA + PG(1),
	    VM_PROT_WRITE, VM_FAULT_NORMAL, &m));
	ATF_REQUIRE(m != NULL && m == olookup(o, 1));
	ATF_REQUIRE_EQ(1, vm_page_wired(m));
	ATF_REQUIRE_EQ(0, page_tag(m));
	ATF_REQUIRE_EQ(w0 + 1, WIRED());
	vm_page_unwire(m, PQ_ACTIVE);
	ATF_REQUIRE_EQ(w0, WIRED());

	/* Copy on write, held: the copy. */
	ATF_REQUIRE_EQ(0, vmspace_fork1(a, &b));
	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_fault(&b->vm_map, UVA,
	    VM_PROT_WRITE, VM_FAULT_NORMAL, &m));
	ATF_REQUIRE(m != NULL && m != olookup(o, 0));
	ATF_REQUIRE(m->object == entry_at(b, UVA)->cold->object);
	ATF_REQUIRE_EQ(1, vm_page_wired(m));
	ATF_REQUIRE_EQ(TAG('A', 0), page_tag(m));
	ATF_REQUIRE_EQ(0, vm_page_wired(olookup(o, 0)));
	ocheck(m->object);
	w = WIRED();		/* b's page-table pages are wired */
	vm_page_unwire(m, PQ_ACTIVE);
	ATF_REQUIRE_EQ(w - 1, WIRED());

	/* Failure: nothing held. */
	m = (vm_page_t)(uintptr_t)1;
	ATF_REQUIRE_EQ(KERN_INVALID_ADDRESS, vm_fault(&a->vm_map,
	    UVA + PG(64), VM_PROT_READ, VM_FAULT_NORMAL, &m));
	ATF_REQUIRE(m == NULL);
	ATF_REQUIRE_EQ(w - 1, WIRED());
	ocheck(o);
	vmspace_free(b);
	vmspace_free(a);
	finish();
}

ATF_TC_WITHOUT_HEAD(quick_hold_pages);
ATF_TC_BODY(quick_hold_pages, tc)
{
	struct vmspace *a;
	vm_page_t ma[8];
	vm_object_t o;
	u_int w0;
	int i, n;

	boot();
	a = vs_new();
	vs_map(a, UVA, 4, RW);
	uwrite(a, UVA, TAG('A', 0));
	uwrite(a, UVA + PG(2), TAG('A', 2));
	o = entry_at(a, UVA)->cold->object;
	w0 = vm_wire_count();

	/* Unaligned, over mapped and unfaulted pages. */
	n = vm_fault_quick_hold_pages(&a->vm_map, UVA + 100, PG(4) - 200,
	    VM_PROT_READ, ma, 8);
	ATF_REQUIRE_EQ(4, n);
	ATF_REQUIRE_EQ(w0 + 4, vm_wire_count());
	for (i = 0; i < 4; i++) {
		ATF_REQUIRE(ma[i] == olookup(o, (vm_pindex_t)i));
		ATF_REQUIRE_EQ(1, vm_page_wired(ma[i]));
	}
	ATF_REQUIRE_EQ(TAG('A', 2), page_tag(ma[2]));
	for (i = 0; i < 4; i++)
		vm_page_unwire(ma[i], PQ_ACTIVE);
	ATF_REQUIRE_EQ(w0, vm_wire_count());

	/* For writing. */
	n = vm_fault_quick_hold_pages(&a->vm_map, UVA + PG(1), PG(2),
	    RW, ma, 8);
	ATF_REQUIRE_EQ(2, n);
	for (i = 0; i < 2; i++)
		vm_page_unwire(ma[i], PQ_ACTIVE);

	/* A hole in the range: -1 and nothing left wired. */
	vs_map(a, UVA + PG(5), 2, RW);
	n = vm_fault_quick_hold_pages(&a->vm_map, UVA + PG(2), PG(5),
	    VM_PROT_READ, ma, 8);
	ATF_REQUIRE_EQ(-1, n);
	ATF_REQUIRE_EQ_MSG(w0, vm_wire_count(), "%d pages left wired",
	    (int)(vm_wire_count() - w0));
	for (i = 0; i < 4; i++)
		ATF_REQUIRE_EQ(0, vm_page_wired(olookup(o, (vm_pindex_t)i)));

	/* Write over a read-only mapping: -1. */
	vs_map(a, UVA + PG(8), 2, VM_PROT_READ);
	n = vm_fault_quick_hold_pages(&a->vm_map, UVA + PG(8), PG(2),
	    VM_PROT_WRITE, ma, 8);
	ATF_REQUIRE_EQ(-1, n);
	ATF_REQUIRE_EQ(w0, vm_wire_count());
	ATF_REQUIRE_EQ(0, vm_fault_quick_hold_pages(&a->vm_map, UVA, 0,
	    VM_PROT_READ, ma, 8));
	ocheck(o);
	vmspace_free(a);
	finish();
}

/* ---- protection --------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(protection_and_unmapped);
ATF_TC_BODY(protection_and_unmapped, tc)
{
	struct vmspace *a;
	vm_offset_t addr;
	int rv;

	boot();
	a = vs_new();
	vs_map(a, UVA, 2, VM_PROT_READ);
	ATF_REQUIRE_EQ(KERN_PROTECTION_FAILURE, fault(a, UVA, VM_PROT_WRITE));
	ATF_REQUIRE_EQ(0, pmap_extract(a->vm_pmap, UVA));
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(a, UVA, VM_PROT_READ));
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(a, UVA, VM_PROT_WRITE));
	ATF_REQUIRE_EQ(KERN_PROTECTION_FAILURE, fault(a, UVA + PG(1),
	    VM_PROT_WRITE));
	ATF_REQUIRE_EQ(KERN_PROTECTION_FAILURE, fault(a, UVA,
	    VM_PROT_EXECUTE));
	ATF_REQUIRE_EQ(1, entry_at(a, UVA)->cold->object->resident_page_count);
	ocheck(entry_at(a, UVA)->cold->object);

	/* Nothing mapped. */
	ATF_REQUIRE_EQ(KERN_INVALID_ADDRESS, fault(a, UVA + PG(2),
	    VM_PROT_READ));
	ATF_REQUIRE_EQ(KERN_INVALID_ADDRESS, fault(a, UVA - 1, VM_PROT_READ));
	ATF_REQUIRE_EQ(KERN_INVALID_ADDRESS, fault(a, 0, VM_PROT_READ));
	ATF_REQUIRE_EQ(KERN_INVALID_ADDRESS, fault(a, VM_MAX_USER_ADDRESS,
	    VM_PROT_READ));

	/* PROT_NONE and a guard. */
	vs_map(a, UVA + PG(4), 1, VM_PROT_NONE);
	ATF_REQUIRE_EQ(KERN_PROTECTION_FAILURE, fault(a, UVA + PG(4),
	    VM_PROT_READ));
	addr = UVA + PG(6);
	rv = vm_map_find(&a->vm_map, NULL, 0, &addr, PG(2), 0, VMFS_NO_SPACE,
	    VM_PROT_NONE, VM_PROT_NONE, MAP_CREATE_GUARD);
	ATF_REQUIRE_EQ(KERN_SUCCESS, rv);
	ATF_REQUIRE_EQ(KERN_PROTECTION_FAILURE, fault(a, UVA + PG(7),
	    VM_PROT_READ));
	ATF_REQUIRE(entry_at(a, UVA + PG(6))->cold->object == NULL);
	vmspace_free(a);
	finish();
}

/* ---- stacks ------------------------------------------------------------- */

#define	SBOS	((vm_offset_t)0x100000000) /* stack area bottom */
#define	SPAGES	256				/* 1 MiB */
#define	STOP	(SBOS + PG(SPAGES))
#define	SGROW	32			/* sgrowsiz: 128 KiB */

ATF_TC_WITHOUT_HEAD(stack_grows_down);
ATF_TC_BODY(stack_grows_down, tc)
{
	struct vmspace *a;
	vm_map_entry_t se, ge;
	vm_object_t o;
	vm_size_t size0;

	boot();
	a = vs_new();
	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_map_stack(&a->vm_map, SBOS, PG(SPAGES),
	    RW, VM_PROT_ALL, 0));
	se = entry_at(a, STOP - 1);
	ge = entry_at(a, SBOS);
	ATF_REQUIRE(se->eflags & MAP_ENTRY_GROWS_DOWN);
	ATF_REQUIRE(ge->eflags & MAP_ENTRY_STACK_GAP_DN);
	ATF_REQUIRE_EQ(STOP - PG(SGROW), se->start);
	ATF_REQUIRE_EQ(se->start, ge->end);
	size0 = a->vm_map.size;

	uwrite(a, STOP - 8, TAG('S', SPAGES - 1));
	o = se->cold->object;
	ATF_REQUIRE(o != NULL);

	/* Just below the stack: grows by sgrowsiz. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(a, STOP - PG(SGROW) - 5,
	    VM_PROT_WRITE));
	se = entry_at(a, STOP - 1);
	ge = entry_at(a, SBOS);
	ATF_REQUIRE_EQ_MSG(STOP - PG(2 * SGROW), se->start, "stack starts at "
	    "%#jx, want %#jx", (uintmax_t)se->start,
	    (uintmax_t)(STOP - PG(2 * SGROW)));
	ATF_REQUIRE_EQ(se->start, ge->end);
	ATF_REQUIRE_EQ(SBOS, ge->start);
	ATF_REQUIRE_EQ(size0 + PG(SGROW), a->vm_map.size);
	ATF_REQUIRE(se->cold->object == o);
	ATF_REQUIRE(olookup(o,
	    OFF_TO_IDX(se->cold->offset) + SGROW - 1) != NULL);
	ATF_REQUIRE_EQ(TAG('S', SPAGES - 1), uread(a, STOP - PG(1)));
	ATF_REQUIRE_EQ(0, uread(a, STOP - PG(SGROW + 1)));

	/* Far down, just above the guard: up to the guard. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(a, SBOS + PG(1) + 5,
	    VM_PROT_WRITE));
	se = entry_at(a, STOP - 1);
	ge = entry_at(a, SBOS);
	ATF_REQUIRE_EQ(SBOS + PG(1), se->start);
	ATF_REQUIRE_EQ(SBOS + PG(1), ge->end);
	ATF_REQUIRE(ge->eflags & MAP_ENTRY_STACK_GAP_DN);
	ATF_REQUIRE_EQ(size0 + PG(SPAGES - SGROW - 1), a->vm_map.size);
	uwrite(a, SBOS + PG(1), TAG('S', 1));

	/* The guard page itself never becomes stack. */
	ATF_REQUIRE_EQ(KERN_PROTECTION_FAILURE, fault(a, SBOS, VM_PROT_READ));
	ATF_REQUIRE_EQ(KERN_PROTECTION_FAILURE, fault(a, SBOS + PG(1) - 1,
	    VM_PROT_WRITE));
	ATF_REQUIRE_EQ(SBOS + PG(1), entry_at(a, STOP - 1)->start);
	ATF_REQUIRE_EQ(TAG('S', 1), uread(a, SBOS + PG(1)));
	ATF_REQUIRE_EQ(TAG('S', SPAGES - 1), uread(a, STOP - PG(1)));
	ocheck(o);
	vmspace_free(a);
	finish();
}

ATF_TC_WITHOUT_HEAD(stack_rlimit);
ATF_TC_BODY(stack_rlimit, tc)
{
	struct vmspace *a;
	vm_map_entry_t se;
	const vm_pindex_t lim = SGROW + 8;	/* RLIMIT_STACK: 40 pages */

	/*
	 * RLIMIT_STACK bounds the stack: it may grow up to the limit
	 * (FreeBSD trims the last sgrowsiz step to fit) and no further.
	 */
	boot();
	a = vs_new();
	ATF_REQUIRE_EQ(KERN_SUCCESS, vm_map_stack(&a->vm_map, SBOS, PG(SPAGES),
	    RW, VM_PROT_ALL, 0));
	vm_map_lock(&a->vm_map);
	a->vm_rlimit[VM_RLIMIT_STACK].cur = PG(lim);
	vm_map_unlock(&a->vm_map);

	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(a, STOP - PG(SGROW + 1),
	    VM_PROT_WRITE));
	se = entry_at(a, STOP - 1);
	ATF_REQUIRE_MSG(STOP - se->start <= PG(lim), "the stack grew to %ju "
	    "pages, RLIMIT_STACK is %ju pages",
	    (uintmax_t)atop(STOP - se->start), (uintmax_t)lim);
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(a, STOP - PG(lim), VM_PROT_WRITE));
	ATF_REQUIRE_EQ(KERN_PROTECTION_FAILURE, fault(a, STOP - PG(lim + 1),
	    VM_PROT_WRITE));
	ATF_REQUIRE_EQ(KERN_PROTECTION_FAILURE, fault(a, SBOS + PG(8),
	    VM_PROT_READ));
	se = entry_at(a, STOP - 1);
	ATF_REQUIRE_EQ(STOP - PG(lim), se->start);
	ocheck(se->cold->object);

	/* Raised: grows again. */
	vm_map_lock(&a->vm_map);
	a->vm_rlimit[VM_RLIMIT_STACK].cur = PG(SPAGES);
	vm_map_unlock(&a->vm_map);
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(a, STOP - PG(lim + 1),
	    VM_PROT_WRITE));
	vmspace_free(a);
	finish();
}

/*
 * After fork the stack entry is NEEDS_COPY; the first write gives it a
 * shadow of the entry's own size.  The stack must still grow.  In a child
 * process: the failure mode is a panic in vm_map_growstack.
 */
static void
stack_fork_child(void)
{
	struct vmspace *a, *b;
	vm_map_entry_t se;
	uint64_t v, w;
	u_int n0;
	int rv;

	alarm(30);
	vt_child_boot();
	n0 = vm_object_count();
	CK(vmspace_alloc(&a) == 0, 2);
	CK(vm_map_stack(&a->vm_map, SBOS, PG(SPAGES), RW, VM_PROT_ALL, 0) ==
	    KERN_SUCCESS, 3);
	v = TAG('S', 1);
	CK(vm_copyout(a, &v, STOP - 8, 8) == 0, 4);
	CK(vmspace_fork1(a, &b) == 0, 5);
	v = TAG('S', 2);
	CK(vm_copyout(a, &v, STOP - 8, 8) == 0, 6);	/* a's shadow */
	vm_map_lock_read(&a->vm_map);
	CK(vm_map_lookup_entry(&a->vm_map, STOP - 1, &se), 7);
	vm_map_unlock_read(&a->vm_map);
	CK((se->eflags & MAP_ENTRY_NEEDS_COPY) == 0, 8);

	/* The parent's stack grows under its new shadow. */
	rv = vm_fault(&a->vm_map, STOP - PG(SGROW + 1), VM_PROT_WRITE,
	    VM_FAULT_NORMAL, NULL);
	CK(rv == KERN_SUCCESS, 9);
	vm_map_lock_read(&a->vm_map);
	CK(vm_map_lookup_entry(&a->vm_map, STOP - 1, &se), 10);
	vm_map_unlock_read(&a->vm_map);
	CK(se->start <= STOP - PG(SGROW + 1), 11);
	v = TAG('S', 3);
	CK(vm_copyout(a, &v, STOP - PG(SGROW + 1), 8) == 0, 12);
	CK(vm_copyin(a, STOP - 8, &w, 8) == 0 && w == TAG('S', 2), 13);
	CK(vm_copyin(a, STOP - PG(SGROW + 1), &w, 8) == 0 &&
	    w == TAG('S', 3), 14);
	/* The child's, read-only so far, grows too; then it writes. */
	CK(vm_copyin(b, STOP - PG(SGROW + 2), &w, 8) == 0 && w == 0, 15);
	v = TAG('s', 1);
	CK(vm_copyout(b, &v, STOP - 8, 8) == 0, 16);
	CK(vm_copyout(b, &v, STOP - PG(2 * SGROW + 1), 8) == 0, 17);
	CK(vm_copyin(b, STOP - 8, &w, 8) == 0 && w == TAG('s', 1), 18);
	CK(vm_copyin(a, STOP - 8, &w, 8) == 0 && w == TAG('S', 2), 19);
	vm_map_lock_read(&a->vm_map);
	CK(vm_map_lookup_entry(&a->vm_map, STOP - 1, &se), 22);
	ccheck(se->cold->object);
	if (se->cold->object->backing_object != NULL)
		ccheck(se->cold->object->backing_object);
	vm_map_unlock_read(&a->vm_map);
	vm_map_lock_read(&b->vm_map);
	CK(vm_map_lookup_entry(&b->vm_map, STOP - 1, &se), 23);
	ccheck(se->cold->object);
	vm_map_unlock_read(&b->vm_map);
	vmspace_free(b);
	CK(vm_copyin(a, STOP - PG(SGROW + 1), &w, 8) == 0 &&
	    w == TAG('S', 3), 20);
	vmspace_free(a);
	CK(vm_object_count() == n0, 21);
	vm_page_check_all();
	vm_shutdown();
}

ATF_TC(stack_grows_after_fork);
ATF_TC_HEAD(stack_grows_after_fork, tc)
{
	atf_tc_set_md_var(tc, "descr", "a stack whose entry got a shadow of "
	    "its own size (copy on write after fork) still grows");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(stack_grows_after_fork, tc)
{
	expect_child_ok(stack_fork_child);
}

/*
 * A stack whose top pages were made read-only is two GROWS_DOWN entries
 * over one ONEMAPPING object; fork splits the lower one off into an object
 * of the entry's own size (vm_object_split).  The stack must still grow
 * and be written, in the parent and in the child.
 */
static void
stack_split_child(void)
{
	struct vmspace *a, *b;
	vm_map_entry_t lo, hi;
	uint64_t v, w;
	u_int n0;
	int rv;

	alarm(30);
	vt_child_boot();
	n0 = vm_object_count();
	CK(vmspace_alloc(&a) == 0, 2);
	CK(vm_map_stack(&a->vm_map, SBOS, PG(SPAGES), RW, VM_PROT_ALL, 0) ==
	    KERN_SUCCESS, 3);
	v = TAG('S', 1);
	CK(vm_copyout(a, &v, STOP - PG(4) - 8, 8) == 0, 4);
	v = TAG('S', 2);
	CK(vm_copyout(a, &v, STOP - PG(SGROW) + 16, 8) == 0, 5);
	CK(vm_map_protect(&a->vm_map, STOP - PG(4), STOP, VM_PROT_READ,
	    false) == KERN_SUCCESS, 6);
	vm_map_lock_read(&a->vm_map);
	CK(vm_map_lookup_entry(&a->vm_map, STOP - PG(5), &lo), 7);
	CK(vm_map_lookup_entry(&a->vm_map, STOP - PG(1), &hi), 8);
	vm_map_unlock_read(&a->vm_map);
	CK(lo != hi && lo->cold->object == hi->cold->object &&
	    lo->cold->object != NULL, 9);
	CK((lo->eflags & MAP_ENTRY_GROWS_DOWN) != 0, 10);
	CK(vmspace_fork1(a, &b) == 0, 11);

	/* The parent grows its stack, then writes its old bottom. */
	rv = vm_fault(&a->vm_map, STOP - PG(SGROW + 1), VM_PROT_WRITE,
	    VM_FAULT_NORMAL, NULL);
	CK(rv == KERN_SUCCESS, 12);
	v = TAG('S', 3);
	CK(vm_copyout(a, &v, STOP - PG(SGROW + 1), 8) == 0, 13);
	v = TAG('S', 4);
	CK(vm_copyout(a, &v, STOP - PG(SGROW) + 8, 8) == 0, 14);
	CK(vm_copyin(a, STOP - PG(SGROW) + 16, &w, 8) == 0 &&
	    w == TAG('S', 2), 15);
	CK(vm_copyin(a, STOP - PG(4) - 8, &w, 8) == 0 && w == TAG('S', 1), 16);
	/* The child: writes its bottom, then grows. */
	v = TAG('s', 4);
	CK(vm_copyout(b, &v, STOP - PG(SGROW) + 8, 8) == 0, 17);
	CK(vm_copyout(b, &v, STOP - PG(2 * SGROW + 1), 8) == 0, 18);
	CK(vm_copyin(b, STOP - PG(SGROW) + 16, &w, 8) == 0 &&
	    w == TAG('S', 2), 19);
	CK(vm_copyin(a, STOP - PG(SGROW) + 8, &w, 8) == 0 &&
	    w == TAG('S', 4), 20);
	vm_map_lock_read(&a->vm_map);
	CK(vm_map_lookup_entry(&a->vm_map, STOP - PG(5), &lo), 22);
	CK(vm_map_lookup_entry(&a->vm_map, STOP - PG(1), &hi), 23);
	ccheck(lo->cold->object);
	ccheck(hi->cold->object);
	vm_map_unlock_read(&a->vm_map);
	vmspace_free(b);
	vmspace_free(a);
	CK(vm_object_count() == n0, 21);
	vm_page_check_all();
	vm_shutdown();
}

ATF_TC(stack_grows_after_fork_split);
ATF_TC_HEAD(stack_grows_after_fork_split, tc)
{
	atf_tc_set_md_var(tc, "descr", "a clipped stack entry given its own "
	    "object by fork (vm_object_split) still grows and copies on "
	    "write");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(stack_grows_after_fork_split, tc)
{
	expect_child_ok(stack_split_child);
}

/* ---- out of memory: vm_fault_oom ---------------------------------------- */

static vm_page_t *hoard;
static size_t nhoard;

static void
hoard_all(void)
{
	size_t cap = atop(VT_PHYSMEM);

	hoard = calloc(cap, sizeof(*hoard));
	ATF_REQUIRE(hoard != NULL);
	/* UMA would give its cached pages back at the first shortage. */
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	for (nhoard = 0; nhoard < cap; nhoard++)
		if ((hoard[nhoard] = vm_page_alloc_noobj(VM_ALLOC_INTERRUPT)) ==
		    NULL)
			break;
	ATF_REQUIRE(nhoard > 0 && nhoard < cap);
	ATF_REQUIRE_EQ(0, vm_free_count());
}

static void
hoard_release(void)
{
	while (nhoard > 0)
		vm_page_free(hoard[--nhoard]);
	free(hoard);
	hoard = NULL;
}

static void *
late_release(void *arg __unused)
{
	vt_msleep(300);
	hoard_release();
	return (NULL);
}

ATF_TC(out_of_memory);
ATF_TC_HEAD(out_of_memory, tc)
{
	atf_tc_set_md_var(tc, "descr", "no page-table page / no page: "
	    "KERN_RESOURCE_SHORTAGE after about a second, or success once "
	    "memory comes back");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(out_of_memory, tc)
{
	struct vmspace *a;
	vm_object_t o;
	vm_page_t m;
	pthread_t t;
	uint64_t t0, dt;
	u_int w0;
	int rv;
	/* A fresh 512 GiB slot: page-table pages at three levels. */
	const vm_offset_t va = 3 * L0SZ + PG(5);

	boot();
	a = vs_new();
	o = vm_object_allocate_anon(2);
	m = opage(o, 0, TAG('O', 0));
	vm_map_lock(&a->vm_map);
	rv = vm_map_insert(&a->vm_map, o, 0, va, va + PG(2), RW, VM_PROT_ALL,
	    0);
	vm_map_unlock(&a->vm_map);
	ATF_REQUIRE_EQ(KERN_SUCCESS, rv);
	hoard_all();
	w0 = vm_wire_count();

	/* The page is resident; only the page-table pages are missing. */
	t0 = vt_now_ms();
	rv = fault(a, va, VM_PROT_READ);
	dt = vt_now_ms() - t0;
	ATF_REQUIRE_EQ_MSG(KERN_RESOURCE_SHORTAGE, rv, "fault without a "
	    "page-table page: %d", rv);
	ATF_REQUIRE_MSG(dt >= 800 && dt < 10000, "gave up after %ju ms, "
	    "want about 1000", (uintmax_t)dt);
	ATF_REQUIRE_EQ(0, pmap_extract(a->vm_pmap, va));
	ATF_REQUIRE(!vm_page_busied(m));
	ATF_REQUIRE_EQ(0, vm_page_wired(m));
	ATF_REQUIRE_EQ(0, atomic_load(&o->paging_in_progress));
	ATF_REQUIRE_EQ(0, vm_free_count());
	ATF_REQUIRE_EQ(w0, vm_wire_count());

	/* No page to zero fill either. */
	t0 = vt_now_ms();
	rv = vm_fault(&a->vm_map, va + PG(1), VM_PROT_WRITE, VM_FAULT_NORMAL,
	    &m);
	dt = vt_now_ms() - t0;
	ATF_REQUIRE_EQ(KERN_RESOURCE_SHORTAGE, rv);
	ATF_REQUIRE(m == NULL);
	ATF_REQUIRE(dt >= 800 && dt < 10000);
	ATF_REQUIRE_EQ(1, o->resident_page_count);
	ATF_REQUIRE_EQ(0, atomic_load(&o->paging_in_progress));
	ocheck(o);

	/* Memory comes back while the fault waits: it succeeds. */
	t = vt_thread(late_release, NULL);
	t0 = vt_now_ms();
	rv = fault(a, va, VM_PROT_READ);
	dt = vt_now_ms() - t0;
	pthread_join(t, NULL);
	ATF_REQUIRE_EQ_MSG(KERN_SUCCESS, rv, "fault after memory came back: "
	    "%d", rv);
	ATF_REQUIRE_MSG(dt >= 200, "succeeded after %ju ms, before memory "
	    "was freed", (uintmax_t)dt);
	m = olookup(o, 0);
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(m), pmap_extract(a->vm_pmap, va));
	ATF_REQUIRE_EQ(KERN_SUCCESS, fault(a, va + PG(1), VM_PROT_WRITE));
	ATF_REQUIRE_EQ(TAG('O', 0), uread(a, va));
	ATF_REQUIRE_EQ(0, uread(a, va + PG(1)));
	ocheck(o);
	vmspace_free(a);
	finish();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, zero_fill);
	ATF_TP_ADD_TC(tp, zero_fill_waits_for_reader);
	ATF_TP_ADD_TC(tp, needs_copy_read_then_write);
	ATF_TP_ADD_TC(tp, cow_optim_private_backing);
	ATF_TP_ADD_TC(tp, nofill);
	ATF_TP_ADD_TC(tp, m_hold_wires);
	ATF_TP_ADD_TC(tp, quick_hold_pages);
	ATF_TP_ADD_TC(tp, protection_and_unmapped);
	ATF_TP_ADD_TC(tp, stack_grows_down);
	ATF_TP_ADD_TC(tp, stack_rlimit);
	ATF_TP_ADD_TC(tp, stack_grows_after_fork);
	ATF_TP_ADD_TC(tp, stack_grows_after_fork_split);
	ATF_TP_ADD_TC(tp, out_of_memory);
	return (atf_no_error());
}
