/*
 * The software MMU (sys/pmap/soft/): translations, the access path and its
 * accessed/modified bits, the pv lists of managed pages, range operations,
 * wiring, page-table pages taken from physical memory (and given back),
 * PMAP_ENTER_NOSLEEP under memory exhaustion, pmap_extract_and_hold,
 * pmap_mincore, and the access path racing pmap_protect/pmap_enter.
 *
 * Every case ends with the pmap destroyed and its object deallocated, and
 * then requires that the free and wired page counts are back where boot
 * left them: page-table pages (and anything else the pmap took from the
 * arena) must all be given back.
 */
#include <atf-c.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvm.h>
#include <sys/param.h>
#include <sys/proc.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <pmap/pmap.h>
#include <pmap/soft/pmap_soft.h>
#include <uma.h>
#include "../vm/vt_uma.h"

/* Pages counted without UMA's slabs (vt_uma.h): pv chunks and pmaps are
   zone items, whose slabs stay cached after the items go. */
#define	WIRED()	((u_int)(vm_wire_count() - vt_uma_pages()))
#define	FREE()	((u_int)(vm_free_count() + vt_uma_pages()))

/* pmap_mincore's bits (FreeBSD's <sys/mman.h> values). */
#define	MINCORE_INCORE		0x1
#define	MINCORE_REFERENCED	0x2
#define	MINCORE_MODIFIED	0x4

#define	RW		(VM_PROT_READ | VM_PROT_WRITE)
#define	PG(i)		((vm_offset_t)(i) * PAGE_SIZE)
#define	L1SZ		((vm_offset_t)1 << 30)	/* one PDPT entry: 1 GiB */
#define	L2SZ		((vm_offset_t)1 << 21)	/* one PD entry: 2 MiB */
#define	L0SZ		((vm_offset_t)1 << 39)	/* one PML4 entry: 512 GiB */

/* What boot left: the free and wired page counts every case returns to. */
static u_int boot_free, boot_wired;

static void
boot(void)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = 32 << 20;
	c.ncpu = 2;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	boot_free = FREE();
	boot_wired = WIRED();
}

static pmap_t
pm_create(void)
{
	pmap_t pm;

	pm = pmap_create();
	ATF_REQUIRE(pm != NULL);
	ATF_REQUIRE_EQ(0, pmap_wired_count(pm));
	return (pm);
}

/*
 * n managed pages 0..n-1 of a new object, zeroed, all valid, left
 * exclusively busied by this thread (so pmap calls that take a page may be
 * made without the object lock).
 */
static vm_object_t
alloc_pages(vm_page_t *ma, int n)
{
	vm_object_t obj;
	int i;

	obj = vm_object_allocate(OBJT_DEFAULT, 64);
	ATF_REQUIRE(obj != NULL);
	VM_OBJECT_WLOCK(obj);
	for (i = 0; i < n; i++) {
		ma[i] = vm_page_alloc(obj, (vm_pindex_t)i,
		    VM_ALLOC_NORMAL | VM_ALLOC_ZERO);
		ATF_REQUIRE(ma[i] != NULL);
		ATF_REQUIRE(vm_page_xbusied(ma[i]));
		vm_page_valid(ma[i]);
	}
	VM_OBJECT_WUNLOCK(obj);
	return (obj);
}

/* Destroy the pmap, free the pages, check nothing leaked, shut down. */
static void
finish(pmap_t pm, vm_object_t obj, vm_page_t *ma, int n)
{
	int i;

	if (pm != NULL)
		pmap_destroy(pm);
	for (i = 0; i < n; i++) {
		ATF_REQUIRE_MSG(!pmap_page_is_mapped(ma[i]),
		    "page %d still mapped after pmap_destroy", i);
		if (vm_page_xbusied(ma[i]))
			vm_page_xunbusy(ma[i]);
	}
	if (obj != NULL)
		vm_object_deallocate(obj);
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);	/* slabs of the VM zones */
	ATF_REQUIRE_MSG(WIRED() == boot_wired,
	    "wired pages %u, at boot %u", WIRED(), boot_wired);
	ATF_REQUIRE_MSG(FREE() == boot_free,
	    "free pages %u, at boot %u", FREE(), boot_free);
	vm_page_check_all();
	vm_shutdown();
}

static int
acc(pmap_t pm, vm_offset_t va, vm_prot_t a)
{
	vm_paddr_t pa = 0;

	return (pmap_soft_access(pm, va, a, &pa));
}

/* m's dirty state is not lost: either in the page or in a PTE. */
static bool
dirty_state(vm_page_t m)
{
	return (atomic_load(&m->dirty) == VM_PAGE_BITS_ALL ||
	    pmap_is_modified(m));
}

/* ------------------------------------------------------------------------ */

ATF_TC_WITHOUT_HEAD(enter_extract);
ATF_TC_BODY(enter_extract, tc)
{
	static const vm_offset_t va[] = {
		0x1000,				/* top-level slot 0 */
		((vm_offset_t)1 << 39) + 0x1000,	/* slot 1 */
		((vm_offset_t)1 << 47) - 0x1000,	/* slot 255, last page */
	};
	vm_page_t ma[3];
	vm_object_t obj;
	pmap_t pm;
	size_t i;

	boot();
	pm = pm_create();
	obj = alloc_pages(ma, 3);
	for (i = 0; i < nitems(va); i++)
		ATF_REQUIRE_EQ(0, pmap_extract(pm, va[i]));
	for (i = 0; i < nitems(va); i++)
		ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, va[i], ma[i], RW,
		    VM_PROT_READ, 0));
	for (i = 0; i < nitems(va); i++) {
		ATF_REQUIRE_EQ_MSG(VM_PAGE_TO_PHYS(ma[i]) + 123,
		    pmap_extract(pm, va[i] + 123), "va %#jx",
		    (uintmax_t)va[i]);
		ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(ma[i]),
		    pmap_extract(pm, va[i]));
		ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(ma[i]) + PAGE_SIZE - 1,
		    pmap_extract(pm, va[i] + PAGE_SIZE - 1));
		ATF_REQUIRE(pmap_page_is_mapped(ma[i]));
	}
	/* Neighbours share the page-table pages but are not mapped. */
	ATF_REQUIRE_EQ(0, pmap_extract(pm, 0x2000));
	ATF_REQUIRE_EQ(0, pmap_extract(pm, 0));
	ATF_REQUIRE_EQ(0, pmap_extract(pm, (vm_offset_t)1 << 39));
	ATF_REQUIRE_EQ(0, pmap_extract(pm, ((vm_offset_t)1 << 39) + 0x2000));
	ATF_REQUIRE_EQ(0, pmap_extract(pm, ((vm_offset_t)1 << 47) - 0x2000));
	/* Same index in other slots (a walker ignoring upper bits fails). */
	ATF_REQUIRE_EQ(0, pmap_extract(pm, ((vm_offset_t)2 << 39) + 0x1000));
	ATF_REQUIRE_EQ(0, pmap_extract(pm, L1SZ + 0x1000));
	ATF_REQUIRE_EQ(0, pmap_extract(pm, L2SZ + 0x1000));
	finish(pm, obj, ma, 3);
}

ATF_TC_WITHOUT_HEAD(access_path);
ATF_TC_BODY(access_path, tc)
{
	vm_page_t ma[3];
	vm_object_t obj;
	vm_paddr_t pa;
	pmap_t pm;
	const vm_offset_t va = 0x10000, ro = 0x11000, rx = 0x12000;
	char *p;

	boot();
	pm = pm_create();
	obj = alloc_pages(ma, 3);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, va, ma[0], RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, ro, ma[1], VM_PROT_READ,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, rx, ma[2],
	    VM_PROT_READ | VM_PROT_EXECUTE, VM_PROT_READ, 0));

	/* Start with the referenced bits clear (enter may set them). */
	(void)pmap_ts_referenced(ma[0]);
	ATF_REQUIRE(!pmap_is_referenced(ma[0]));
	ATF_REQUIRE(!pmap_is_modified(ma[0]));

	/* Read: OK, translation with the offset, referenced not modified. */
	pa = 0;
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK,
	    pmap_soft_access(pm, va + 0x80, VM_PROT_READ, &pa));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(ma[0]) + 0x80, pa);
	ATF_REQUIRE(pmap_is_referenced(ma[0]));
	ATF_REQUIRE(!pmap_is_modified(ma[0]));

	/* Write: OK and modified; the data lands in the page. */
	pa = 0;
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK,
	    pmap_soft_access(pm, va + 0x100, VM_PROT_WRITE, &pa));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(ma[0]) + 0x100, pa);
	ATF_REQUIRE(pmap_is_modified(ma[0]));
	memcpy(PHYS_TO_DMAP(pa), "pmap", 5);
	p = vm_page_dmap(ma[0]);
	ATF_REQUIRE_STREQ("pmap", p + 0x100);
	/* And data in the page is what a read through the MMU sees. */
	strcpy(p + 0x200, "page");
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK,
	    pmap_soft_access(pm, va + 0x200, VM_PROT_READ, &pa));
	ATF_REQUIRE_STREQ("page", (char *)PHYS_TO_DMAP(pa));

	/* Read-only mapping: reads pass, writes are protection faults. */
	(void)pmap_ts_referenced(ma[1]);
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(pm, ro, VM_PROT_WRITE));
	ATF_REQUIRE(!pmap_is_modified(ma[1]));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, ro + 8, VM_PROT_READ));
	ATF_REQUIRE(pmap_is_referenced(ma[1]));
	ATF_REQUIRE(!pmap_is_modified(ma[1]));

	/* Execute needs VM_PROT_EXECUTE. */
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(pm, va, VM_PROT_EXECUTE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(pm, ro, VM_PROT_EXECUTE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, rx, VM_PROT_EXECUTE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(pm, rx, VM_PROT_WRITE));
	ATF_REQUIRE(!pmap_is_modified(ma[2]));

	/* Unmapped: in a populated page table, elsewhere, and at 0. */
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, acc(pm, 0x13000, VM_PROT_READ));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, acc(pm, 0x13000, VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, acc(pm, 0, VM_PROT_READ));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED,
	    acc(pm, L0SZ + va, VM_PROT_READ));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED,
	    acc(pm, L2SZ + va, VM_PROT_READ));
	/* A fault changes no state. */
	ATF_REQUIRE(!pmap_is_modified(ma[1]));
	ATF_REQUIRE_EQ(0, pmap_extract(pm, 0x13000));
	finish(pm, obj, ma, 3);
}

/* Addresses past the user range are not mapped (and do not crash). */
ATF_TC_WITHOUT_HEAD(access_outside_user_range);
ATF_TC_BODY(access_outside_user_range, tc)
{
	vm_page_t m;
	vm_object_t obj;
	pmap_t pm;

	boot();
	pm = pm_create();
	obj = alloc_pages(&m, 1);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 0x1000, m, RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED,
	    acc(pm, VM_MAX_USER_ADDRESS, VM_PROT_READ));
	/* Would alias 0x1000 if the walker dropped bits above 47. */
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED,
	    acc(pm, ((vm_offset_t)1 << 48) + 0x1000, VM_PROT_READ));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED,
	    acc(pm, ~(vm_offset_t)0 - 7, VM_PROT_READ));
	ATF_REQUIRE_EQ(0, pmap_extract(pm, ((vm_offset_t)1 << 48) + 0x1000));
	finish(pm, obj, &m, 1);
}

ATF_TC_WITHOUT_HEAD(modify_and_reference_bits);
ATF_TC_BODY(modify_and_reference_bits, tc)
{
	vm_page_t m;
	vm_object_t obj;
	pmap_t pm1, pm2;
	const vm_offset_t va = 0x40000;

	boot();
	pm1 = pm_create();
	pm2 = pm_create();
	obj = alloc_pages(&m, 1);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm1, va, m, RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm2, va + PG(1), m, RW,
	    VM_PROT_READ, 0));

	/* clear_modify. */
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm1, va, VM_PROT_WRITE));
	ATF_REQUIRE(pmap_is_modified(m));
	pmap_clear_modify(m);
	ATF_REQUIRE(!pmap_is_modified(m));
	/* The mapping stays writeable; a new write sets the bit again. */
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm2, va + PG(1), VM_PROT_WRITE));
	ATF_REQUIRE(pmap_is_modified(m));
	pmap_clear_modify(m);
	ATF_REQUIRE(!pmap_is_modified(m));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm1, va, VM_PROT_WRITE));
	ATF_REQUIRE(pmap_is_modified(m));

	/* ts_referenced: count and clear. */
	(void)pmap_ts_referenced(m);
	ATF_REQUIRE_EQ(0, pmap_ts_referenced(m));
	ATF_REQUIRE(!pmap_is_referenced(m));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm1, va, VM_PROT_READ));
	ATF_REQUIRE(pmap_is_referenced(m));
	ATF_REQUIRE_EQ(1, pmap_ts_referenced(m));
	ATF_REQUIRE_EQ(0, pmap_ts_referenced(m));
	ATF_REQUIRE(!pmap_is_referenced(m));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm1, va, VM_PROT_READ));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm2, va + PG(1), VM_PROT_READ));
	ATF_REQUIRE_EQ(2, pmap_ts_referenced(m));
	ATF_REQUIRE_EQ(0, pmap_ts_referenced(m));
	/* Clearing the referenced bits left the modified one alone. */
	ATF_REQUIRE(pmap_is_modified(m));
	/* And the mappings are still there. */
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(m), pmap_extract(pm1, va));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(m), pmap_extract(pm2, va + PG(1)));
	pmap_destroy(pm2);
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(m), pmap_extract(pm1, va));
	ATF_REQUIRE(pmap_page_is_mapped(m));
	finish(pm1, obj, &m, 1);
}

ATF_TC_WITHOUT_HEAD(two_pmaps_remove_all);
ATF_TC_BODY(two_pmaps_remove_all, tc)
{
	vm_page_t ma[2];
	vm_object_t obj;
	pmap_t pm1, pm2;
	long r1, r2;

	boot();
	pm1 = pm_create();
	pm2 = pm_create();
	obj = alloc_pages(ma, 2);
	ATF_REQUIRE(!pmap_page_is_mapped(ma[0]));
	r1 = pmap_resident_count(pm1);
	r2 = pmap_resident_count(pm2);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm1, 0x1000, ma[0], RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE(pmap_page_is_mapped(ma[0]));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm2, L1SZ * 3, ma[0], RW,
	    VM_PROT_READ, 0));
	/* The other page shares pm1's page table; it must survive. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm1, 0x2000, ma[1], RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm2, L1SZ * 3, VM_PROT_WRITE));
	ATF_REQUIRE(pmap_resident_count(pm1) >= r1 + 2);
	ATF_REQUIRE(pmap_resident_count(pm2) >= r2 + 1);
	r1 = pmap_resident_count(pm1);
	r2 = pmap_resident_count(pm2);

	pmap_remove_all(ma[0]);
	ATF_REQUIRE(!pmap_page_is_mapped(ma[0]));
	ATF_REQUIRE_EQ(0, pmap_extract(pm1, 0x1000));
	ATF_REQUIRE_EQ(0, pmap_extract(pm2, L1SZ * 3));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, acc(pm1, 0x1000, VM_PROT_READ));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED,
	    acc(pm2, L1SZ * 3, VM_PROT_READ));
	/* The write through pm2 is not lost: it is now the page's. */
	ATF_REQUIRE_EQ(VM_PAGE_BITS_ALL, atomic_load(&ma[0]->dirty));
	ATF_REQUIRE(!pmap_is_modified(ma[0]));
	ATF_REQUIRE(!pmap_is_referenced(ma[0]));
	ATF_REQUIRE_EQ(0, pmap_ts_referenced(ma[0]));
	/* One mapping less in each pmap; the neighbour is untouched. */
	ATF_REQUIRE_EQ(r1 - 1, pmap_resident_count(pm1));
	ATF_REQUIRE(pmap_resident_count(pm2) <= r2 - 1);
	ATF_REQUIRE(pmap_page_is_mapped(ma[1]));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(ma[1]), pmap_extract(pm1, 0x2000));
	/* The page can be mapped again afterwards. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm2, L1SZ * 3, ma[0], RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(ma[0]), pmap_extract(pm2, L1SZ * 3));
	pmap_destroy(pm2);
	finish(pm1, obj, ma, 2);
}

/* Resident counts: a mapping more or less, independent of page tables. */
ATF_TC_WITHOUT_HEAD(resident_count_remove_all);
ATF_TC_BODY(resident_count_remove_all, tc)
{
	vm_page_t ma[2];
	vm_object_t obj;
	pmap_t pm1, pm2;
	long r1, r2;

	boot();
	pm1 = pm_create();
	pm2 = pm_create();
	obj = alloc_pages(ma, 2);
	/* Populate the page tables first so only mappings change below. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm1, 0x2000, ma[1], RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm2, 0x2000, ma[1], RW,
	    VM_PROT_READ, 0));
	r1 = pmap_resident_count(pm1);
	r2 = pmap_resident_count(pm2);
	ATF_REQUIRE(r1 >= 1 && r2 >= 1);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm1, 0x1000, ma[0], RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm2, 0x3000, ma[0], RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(r1 + 1, pmap_resident_count(pm1));
	ATF_REQUIRE_EQ(r2 + 1, pmap_resident_count(pm2));
	pmap_remove_all(ma[0]);
	ATF_REQUIRE_EQ(r1, pmap_resident_count(pm1));
	ATF_REQUIRE_EQ(r2, pmap_resident_count(pm2));
	pmap_remove_all(ma[1]);
	ATF_REQUIRE_EQ(0, pmap_extract(pm1, 0x2000));
	ATF_REQUIRE_EQ(r1 - 1, pmap_resident_count(pm1));
	ATF_REQUIRE_EQ(r2 - 1, pmap_resident_count(pm2));
	pmap_destroy(pm2);
	finish(pm1, obj, ma, 2);
}

ATF_TC_WITHOUT_HEAD(two_pmaps_remove_write);
ATF_TC_BODY(two_pmaps_remove_write, tc)
{
	vm_page_t m;
	vm_object_t obj;
	pmap_t pm1, pm2;

	boot();
	pm1 = pm_create();
	pm2 = pm_create();
	obj = alloc_pages(&m, 1);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm1, 0x5000, m, RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm2, 0x7000, m, RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm1, 0x5000, VM_PROT_WRITE));
	ATF_REQUIRE_EQ(0, atomic_load(&m->dirty));

	pmap_remove_write(m);
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(pm1, 0x5000, VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(pm2, 0x7000, VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm1, 0x5000, VM_PROT_READ));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm2, 0x7000, VM_PROT_READ));
	/* Still mapped, to the same page, and the earlier write is kept. */
	ATF_REQUIRE(pmap_page_is_mapped(m));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(m), pmap_extract(pm1, 0x5000));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(m), pmap_extract(pm2, 0x7000));
	ATF_REQUIRE(dirty_state(m));
	/* No write went through pm2 after the downgrade. */
	pmap_clear_modify(m);
	vm_page_undirty(m);
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(pm2, 0x7000, VM_PROT_WRITE));
	ATF_REQUIRE(!pmap_is_modified(m));
	/* Read-only mappings hold no write access to give back. */
	pmap_destroy(pm2);
	ATF_REQUIRE_EQ(0, atomic_load(&m->dirty));
	finish(pm1, obj, &m, 1);
}

ATF_TC_WITHOUT_HEAD(remove_range);
ATF_TC_BODY(remove_range, tc)
{
	vm_page_t ma[16];
	vm_object_t obj;
	pmap_t pm;
	long r1, r8;
	int i;
	const vm_offset_t base = 0x400000;	/* 2 MiB aligned */
	const vm_offset_t edge = 2 * L2SZ - PG(4); /* crosses a 2 MiB line */

	boot();
	pm = pm_create();
	obj = alloc_pages(ma, 16);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, base, ma[0], RW,
	    VM_PROT_READ, 0));
	r1 = pmap_resident_count(pm);
	for (i = 1; i < 8; i++)
		ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, base + PG(i),
		    ma[i], RW, VM_PROT_READ, 0));
	r8 = pmap_resident_count(pm);
	ATF_REQUIRE_EQ(r1 + 7, r8);

	/* Page 3 is written, page 2 only read. */
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, base + PG(3), VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, base + PG(2), VM_PROT_READ));
	ATF_REQUIRE_EQ(0, atomic_load(&ma[3]->dirty));

	pmap_remove(pm, base + PG(2), base + PG(5));
	for (i = 0; i < 8; i++) {
		if (i >= 2 && i < 5) {
			ATF_REQUIRE_EQ_MSG(0, pmap_extract(pm, base + PG(i)),
			    "page %d", i);
			ATF_REQUIRE(!pmap_page_is_mapped(ma[i]));
			ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED,
			    acc(pm, base + PG(i), VM_PROT_READ));
		} else {
			ATF_REQUIRE_EQ_MSG(VM_PAGE_TO_PHYS(ma[i]),
			    pmap_extract(pm, base + PG(i)), "page %d", i);
			ATF_REQUIRE(pmap_page_is_mapped(ma[i]));
		}
	}
	ATF_REQUIRE_EQ(r8 - 3, pmap_resident_count(pm));
	/* The written mapping's modified bit went to the page. */
	ATF_REQUIRE_EQ(VM_PAGE_BITS_ALL, atomic_load(&ma[3]->dirty));
	ATF_REQUIRE_EQ(0, atomic_load(&ma[2]->dirty));
	ATF_REQUIRE_EQ(0, atomic_load(&ma[4]->dirty));
	ATF_REQUIRE(!pmap_is_modified(ma[3]));

	/* An empty range and a range with nothing mapped change nothing. */
	pmap_remove(pm, base + PG(6), base + PG(6));
	pmap_remove(pm, base + PG(100), base + PG(200));
	ATF_REQUIRE_EQ(r8 - 3, pmap_resident_count(pm));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(ma[6]), pmap_extract(pm, base + PG(6)));

	/* A range across a page-table boundary. */
	for (i = 8; i < 16; i++)
		ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, edge + PG(i - 8),
		    ma[i], RW, VM_PROT_READ, 0));
	r8 = pmap_resident_count(pm);
	pmap_remove(pm, edge + PG(1), edge + PG(7));	/* 1 .. 6 */
	for (i = 8; i < 16; i++) {
		bool gone = i - 8 >= 1 && i - 8 < 7;

		ATF_REQUIRE_EQ_MSG(gone ? 0 : VM_PAGE_TO_PHYS(ma[i]),
		    pmap_extract(pm, edge + PG(i - 8)), "page %d", i - 8);
		ATF_REQUIRE_EQ(!gone, pmap_page_is_mapped(ma[i]));
	}
	ATF_REQUIRE_EQ(r8 - 6, pmap_resident_count(pm));

	/* Everything, across slots: the whole user range. */
	pmap_remove(pm, 0, VM_MAX_USER_ADDRESS);
	for (i = 0; i < 16; i++)
		ATF_REQUIRE_MSG(!pmap_page_is_mapped(ma[i]), "page %d", i);
	ATF_REQUIRE_EQ(0, pmap_extract(pm, base));
	ATF_REQUIRE_EQ(0, pmap_extract(pm, edge));
	finish(pm, obj, ma, 16);
}

ATF_TC_WITHOUT_HEAD(protect);
ATF_TC_BODY(protect, tc)
{
	vm_page_t ma[4];
	vm_object_t obj;
	pmap_t pm;
	long r;
	int i;
	const vm_offset_t base = 0x800000;

	boot();
	pm = pm_create();
	obj = alloc_pages(ma, 4);
	for (i = 0; i < 4; i++)
		ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, base + PG(i),
		    ma[i], VM_PROT_ALL, VM_PROT_READ, 0));
	r = pmap_resident_count(pm);
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, base + PG(1), VM_PROT_WRITE));

	/* Pages 1 and 2 read-only. */
	pmap_protect(pm, base + PG(1), base + PG(3), VM_PROT_READ);
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, base + PG(0), VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(pm, base + PG(1), VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(pm, base + PG(2), VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, base + PG(3), VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, base + PG(1), VM_PROT_READ));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, base + PG(2), VM_PROT_READ));
	/* READ alone also took execute away. */
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT,
	    acc(pm, base + PG(1), VM_PROT_EXECUTE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, base + PG(0), VM_PROT_EXECUTE));
	ATF_REQUIRE_EQ(r, pmap_resident_count(pm));
	/* The write before the downgrade is not lost. */
	ATF_REQUIRE(dirty_state(ma[1]));
	ATF_REQUIRE(!dirty_state(ma[2]));

	/* protect only reduces: asking for more gives nothing back. */
	pmap_protect(pm, base + PG(1), base + PG(2), VM_PROT_ALL);
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(pm, base + PG(1), VM_PROT_WRITE));

	/* VM_PROT_NONE removes. */
	pmap_protect(pm, base + PG(2), base + PG(4), VM_PROT_NONE);
	ATF_REQUIRE_EQ(0, pmap_extract(pm, base + PG(2)));
	ATF_REQUIRE_EQ(0, pmap_extract(pm, base + PG(3)));
	ATF_REQUIRE(!pmap_page_is_mapped(ma[2]));
	ATF_REQUIRE(!pmap_page_is_mapped(ma[3]));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED,
	    acc(pm, base + PG(3), VM_PROT_READ));
	ATF_REQUIRE_EQ(r - 2, pmap_resident_count(pm));
	/* Page 3 had been written: the removal gave its dirt to the page. */
	ATF_REQUIRE_EQ(VM_PAGE_BITS_ALL, atomic_load(&ma[3]->dirty));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(ma[0]), pmap_extract(pm, base));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(ma[1]), pmap_extract(pm, base + PG(1)));
	finish(pm, obj, ma, 4);
}

ATF_TC_WITHOUT_HEAD(wiring);
ATF_TC_BODY(wiring, tc)
{
	vm_page_t ma[3];
	vm_object_t obj;
	pmap_t pm;

	boot();
	pm = pm_create();
	obj = alloc_pages(ma, 3);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 0x1000, ma[0], RW,
	    VM_PROT_READ | PMAP_ENTER_WIRED, 0));
	ATF_REQUIRE_EQ(1, pmap_wired_count(pm));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 0x2000, ma[1], RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(1, pmap_wired_count(pm));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, L1SZ, ma[2], RW,
	    VM_PROT_READ | PMAP_ENTER_WIRED, 0));
	ATF_REQUIRE_EQ(2, pmap_wired_count(pm));
	/* Entering the same wired mapping again does not count twice. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 0x1000, ma[0], RW,
	    VM_PROT_READ | PMAP_ENTER_WIRED, 0));
	ATF_REQUIRE_EQ(2, pmap_wired_count(pm));
	/* A pmap wiring is not a page wiring. */
	ATF_REQUIRE_EQ(0, vm_page_wired(ma[0]));

	pmap_unwire(pm, 0x1000, 0x2000);
	ATF_REQUIRE_EQ(1, pmap_wired_count(pm));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(ma[0]), pmap_extract(pm, 0x1000));
	pmap_unwire(pm, L1SZ, L1SZ + PAGE_SIZE);
	ATF_REQUIRE_EQ(0, pmap_wired_count(pm));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(ma[2]), pmap_extract(pm, L1SZ));

	/* Removing a wired mapping drops the count too. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 0x3000, ma[1], RW,
	    VM_PROT_READ | PMAP_ENTER_WIRED, 0));
	ATF_REQUIRE_EQ(1, pmap_wired_count(pm));
	pmap_remove(pm, 0x3000, 0x4000);
	ATF_REQUIRE_EQ(0, pmap_wired_count(pm));
	finish(pm, obj, ma, 3);
}

ATF_TC_WITHOUT_HEAD(enter_replaces);
ATF_TC_BODY(enter_replaces, tc)
{
	vm_page_t ma[2];
	vm_object_t obj;
	pmap_t pm;
	long r;

	boot();
	pm = pm_create();
	obj = alloc_pages(ma, 2);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 0x9000, ma[0], RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, 0x9000, VM_PROT_WRITE));
	r = pmap_resident_count(pm);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 0x9000, ma[1],
	    VM_PROT_READ, VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(ma[1]), pmap_extract(pm, 0x9000));
	ATF_REQUIRE(!pmap_page_is_mapped(ma[0]));
	ATF_REQUIRE(pmap_page_is_mapped(ma[1]));
	ATF_REQUIRE_EQ(r, pmap_resident_count(pm));
	/* The old page kept its dirt; the new mapping is clean, read-only. */
	ATF_REQUIRE_EQ(VM_PAGE_BITS_ALL, atomic_load(&ma[0]->dirty));
	ATF_REQUIRE(!pmap_is_modified(ma[0]));
	ATF_REQUIRE(!pmap_is_modified(ma[1]));
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(pm, 0x9000, VM_PROT_WRITE));
	/* The old page's pv list no longer names this pmap. */
	pmap_remove_all(ma[0]);
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(ma[1]), pmap_extract(pm, 0x9000));

	/* Same page again with more access: an upgrade in place. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 0x9000, ma[1], RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, 0x9000, VM_PROT_WRITE));
	ATF_REQUIRE_EQ(r, pmap_resident_count(pm));
	pmap_remove_all(ma[1]);
	ATF_REQUIRE_EQ(0, pmap_extract(pm, 0x9000));
	ATF_REQUIRE_EQ(r - 1, pmap_resident_count(pm));
	finish(pm, obj, ma, 2);
}

/*
 * Page-table pages are wired pages of the arena: 4 levels of 512 entries,
 * the root taken by pmap_create, one page per populated 512 GiB, 1 GiB and
 * 2 MiB region below it.
 */
ATF_TC_WITHOUT_HEAD(page_table_pages);
ATF_TC_BODY(page_table_pages, tc)
{
	vm_page_t ma[6];
	vm_object_t obj;
	pmap_t pm;
	u_int w0, w;

	boot();
	obj = alloc_pages(ma, 6);
	w0 = WIRED();
	pm = pm_create();
	ATF_REQUIRE_EQ_MSG(w0 + 1, WIRED(),
	    "pmap_create: %u wired pages more", WIRED() - w0);
	/* First mapping: PDPT, PD and PT pages (and pv storage, if any). */
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 0x1000, ma[0], RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE(WIRED() >= w0 + 4);
	w = WIRED();
	/* Same 2 MiB: nothing. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 0x1ff000, ma[1], RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(w, WIRED());
	/* New 2 MiB in the same 1 GiB: one PT page. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, L2SZ, ma[2], RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ_MSG(w + 1, WIRED(), "new 2 MiB region: %d",
	    (int)(WIRED() - w));
	w = WIRED();
	/* New 1 GiB in the same 512 GiB: PD and PT. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 5 * L1SZ + L2SZ, ma[3],
	    RW, VM_PROT_READ, 0));
	ATF_REQUIRE_EQ_MSG(w + 2, WIRED(), "new 1 GiB region: %d",
	    (int)(WIRED() - w));
	w = WIRED();
	/* New 512 GiB: PDPT, PD and PT. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 7 * L0SZ, ma[4], RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ_MSG(w + 3, WIRED(), "new 512 GiB region: %d",
	    (int)(WIRED() - w));
	w = WIRED();
	/* Neighbours of existing ones: nothing. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 7 * L0SZ + PG(9), ma[5],
	    RW, VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(w, WIRED());
	/* The pages were zeroed: nothing else shows up mapped. */
	ATF_REQUIRE_EQ(0, pmap_extract(pm, 7 * L0SZ + PG(10)));
	ATF_REQUIRE_EQ(0, pmap_extract(pm, 5 * L1SZ + L2SZ + PG(1)));
	/* Removing mappings never leaves dangling page tables... */
	pmap_remove(pm, 0, VM_MAX_USER_ADDRESS);
	ATF_REQUIRE(WIRED() <= w);
	/* ...and pmap_destroy gives every page back. */
	pmap_destroy(pm);
	ATF_REQUIRE_EQ_MSG(w0, WIRED(), "%d wired pages left",
	    (int)(WIRED() - w0));
	finish(NULL, obj, ma, 6);
}

/* A second pmap with identical mappings takes exactly as many pages. */
ATF_TC_WITHOUT_HEAD(page_table_pages_recycled);
ATF_TC_BODY(page_table_pages_recycled, tc)
{
	vm_page_t m;
	vm_object_t obj;
	pmap_t pm;
	u_int f0;
	int round;

	boot();
	obj = alloc_pages(&m, 1);
	f0 = FREE();
	for (round = 0; round < 16; round++) {
		pm = pm_create();
		ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm,
		    (vm_offset_t)round * L1SZ + 0x1000, m, RW, VM_PROT_READ,
		    0));
		pmap_destroy(pm);
		ATF_REQUIRE_EQ_MSG(f0, FREE(), "round %d: %d pages",
		    round, (int)(f0 - FREE()));
	}
	ATF_REQUIRE(!pmap_page_is_mapped(m));
	finish(NULL, obj, &m, 1);
}

ATF_TC_WITHOUT_HEAD(enter_nosleep_shortage);
ATF_TC_BODY(enter_nosleep_shortage, tc)
{
	vm_page_t *hoard, m;
	vm_object_t obj;
	pmap_t pm;
	size_t n, cap;
	u_int w, f;
	long r;
	const vm_offset_t va = 3 * L0SZ + 0x5000;	/* needs 3 new pages */

	boot();
	pm = pm_create();
	obj = alloc_pages(&m, 1);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 0x1000, m, VM_PROT_READ,
	    VM_PROT_READ, 0));
	cap = atop(32u << 20);
	hoard = calloc(cap, sizeof(*hoard));
	ATF_REQUIRE(hoard != NULL);
	/* UMA would give its cached pages back at the first shortage. */
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	for (n = 0; n < cap; n++)
		if ((hoard[n] = vm_page_alloc_noobj(VM_ALLOC_INTERRUPT)) ==
		    NULL)
			break;
	ATF_REQUIRE(n > 0 && n < cap);
	ATF_REQUIRE_EQ(0, vm_free_count());

	w = WIRED();
	r = pmap_resident_count(pm);
	ATF_REQUIRE_EQ(KERN_RESOURCE_SHORTAGE, pmap_enter(pm, va, m, RW,
	    VM_PROT_READ | PMAP_ENTER_NOSLEEP, 0));
	ATF_REQUIRE_EQ(0, pmap_extract(pm, va));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, acc(pm, va, VM_PROT_READ));
	ATF_REQUIRE_EQ(r, pmap_resident_count(pm));
	ATF_REQUIRE_EQ(w, WIRED());
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(m), pmap_extract(pm, 0x1000));

	/*
	 * Two free pages, three needed: whatever was taken on the way must
	 * be given back.
	 */
	vm_page_free(hoard[--n]);
	vm_page_free(hoard[--n]);
	f = vm_free_count();
	ATF_REQUIRE_EQ(2, f);
	ATF_REQUIRE_EQ(KERN_RESOURCE_SHORTAGE, pmap_enter(pm, va, m, RW,
	    VM_PROT_READ | PMAP_ENTER_NOSLEEP, 0));
	ATF_REQUIRE_EQ(0, pmap_extract(pm, va));
	ATF_REQUIRE_EQ(r, pmap_resident_count(pm));
	ATF_REQUIRE_EQ(w, WIRED());
	ATF_REQUIRE_EQ_MSG(f, vm_free_count(), "%d pages kept by a failed "
	    "enter", (int)(f - vm_free_count()));
	/* The existing mapping of m is intact and alone. */
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(m), pmap_extract(pm, 0x1000));
	pmap_remove(pm, 0x1000, 0x2000);
	ATF_REQUIRE(!pmap_page_is_mapped(m));

	/* With memory back it works. */
	while (n > 0)
		vm_page_free(hoard[--n]);
	free(hoard);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, va, m, RW,
	    VM_PROT_READ | PMAP_ENTER_NOSLEEP, 0));
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(m) + 7, pmap_extract(pm, va + 7));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, va, VM_PROT_WRITE));
	finish(pm, obj, &m, 1);
}

ATF_TC_WITHOUT_HEAD(extract_and_hold);
ATF_TC_BODY(extract_and_hold, tc)
{
	vm_page_t ma[2], h;
	vm_object_t obj;
	pmap_t pm;

	boot();
	pm = pm_create();
	obj = alloc_pages(ma, 2);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 0x1000, ma[0], RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 0x2000, ma[1],
	    VM_PROT_READ, VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(0, vm_page_wired(ma[0]));

	h = pmap_extract_and_hold(pm, 0x1000 + 5, VM_PROT_READ);
	ATF_REQUIRE(h == ma[0]);
	ATF_REQUIRE_EQ(1, vm_page_wired(ma[0]));
	h = pmap_extract_and_hold(pm, 0x1000, VM_PROT_WRITE);
	ATF_REQUIRE(h == ma[0]);
	ATF_REQUIRE_EQ(2, vm_page_wired(ma[0]));

	h = pmap_extract_and_hold(pm, 0x2000, VM_PROT_READ);
	ATF_REQUIRE(h == ma[1]);
	ATF_REQUIRE_EQ(1, vm_page_wired(ma[1]));
	ATF_REQUIRE(pmap_extract_and_hold(pm, 0x2000, VM_PROT_WRITE) == NULL);
	ATF_REQUIRE(pmap_extract_and_hold(pm, 0x2000,
	    VM_PROT_READ | VM_PROT_WRITE) == NULL);
	ATF_REQUIRE_EQ(1, vm_page_wired(ma[1]));
	ATF_REQUIRE(pmap_extract_and_hold(pm, 0x3000, VM_PROT_READ) == NULL);
	ATF_REQUIRE(pmap_extract_and_hold(pm, L0SZ, VM_PROT_READ) == NULL);

	/* Refused while references are blocked (pmap_remove_all at work). */
	ATF_REQUIRE(vm_page_block_refs(ma[0]));
	ATF_REQUIRE(pmap_extract_and_hold(pm, 0x1000, VM_PROT_READ) == NULL);
	ATF_REQUIRE_EQ(2, vm_page_wired(ma[0]));
	vm_page_unblock_refs(ma[0]);

	/* The hold outlives the mapping. */
	pmap_remove(pm, 0x1000, 0x3000);
	ATF_REQUIRE_EQ(2, vm_page_wired(ma[0]));
	vm_page_unwire(ma[0], PQ_ACTIVE);
	vm_page_unwire(ma[0], PQ_ACTIVE);
	vm_page_unwire(ma[1], PQ_ACTIVE);
	ATF_REQUIRE_EQ(0, vm_page_wired(ma[0]));
	finish(pm, obj, ma, 2);
}

ATF_TC_WITHOUT_HEAD(mincore);
ATF_TC_BODY(mincore, tc)
{
	vm_page_t m;
	vm_object_t obj;
	vm_paddr_t pa;
	pmap_t pm;
	int v;

	boot();
	pm = pm_create();
	obj = alloc_pages(&m, 1);
	pa = 0;
	ATF_REQUIRE_EQ(0, pmap_mincore(pm, 0x6000, &pa));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 0x6000, m, RW,
	    VM_PROT_READ, 0));
	(void)pmap_ts_referenced(m);
	v = pmap_mincore(pm, 0x6000, &pa);
	ATF_REQUIRE_MSG((v & MINCORE_INCORE) != 0, "mincore %#x", v);
	ATF_REQUIRE_MSG((v & (MINCORE_MODIFIED | MINCORE_REFERENCED)) == 0,
	    "mincore %#x", v);
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, 0x6000, VM_PROT_READ));
	v = pmap_mincore(pm, 0x6000 + 100, &pa);
	ATF_REQUIRE_MSG((v & (MINCORE_INCORE | MINCORE_REFERENCED)) ==
	    (MINCORE_INCORE | MINCORE_REFERENCED), "mincore %#x", v);
	ATF_REQUIRE_MSG((v & MINCORE_MODIFIED) == 0, "mincore %#x", v);
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, 0x6000, VM_PROT_WRITE));
	v = pmap_mincore(pm, 0x6000, &pa);
	ATF_REQUIRE_MSG((v & (MINCORE_INCORE | MINCORE_MODIFIED)) ==
	    (MINCORE_INCORE | MINCORE_MODIFIED), "mincore %#x", v);
	/* Unmapped: in the same page table and far away. */
	ATF_REQUIRE_EQ(0, pmap_mincore(pm, 0x7000, &pa));
	ATF_REQUIRE_EQ(0, pmap_mincore(pm, L0SZ, &pa));
	pmap_remove(pm, 0x6000, 0x7000);
	ATF_REQUIRE_EQ(0, pmap_mincore(pm, 0x6000, &pa));
	finish(pm, obj, &m, 1);
}

/* ---- concurrency -------------------------------------------------------- */

#define	CNPAGES		8
#define	CBASE		((vm_offset_t)0x10000000)
#define	CROUNDS		300

static struct {
	pmap_t		pm;
	vm_object_t	obj;
	vm_page_t	ma[CNPAGES];
	_Atomic int	stop;
	_Atomic int	wrote[CNPAGES];	/* a write access succeeded */
	_Atomic long	ok, prot, notmapped, bad;
} cc;

static void *
accessor(void *arg)
{
	uint64_t s = (uint64_t)(uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1;
	vm_paddr_t pa;
	int i, rv, w;

	while (!atomic_load(&cc.stop)) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		i = (int)(s % CNPAGES);
		/* Only the first half of the pages is ever written. */
		w = i < CNPAGES / 2 && (s >> 32) % 2 == 0;
		pa = 0;
		rv = pmap_soft_access(cc.pm, CBASE + PG(i) + 8,
		    w ? VM_PROT_WRITE : VM_PROT_READ, &pa);
		if (rv == PMAP_ACCESS_OK) {
			if (pa != VM_PAGE_TO_PHYS(cc.ma[i]) + 8)
				atomic_fetch_add(&cc.bad, 1);
			if (w)
				atomic_store(&cc.wrote[i], 1);
			atomic_fetch_add(&cc.ok, 1);
		} else if (rv == PMAP_ACCESS_PROT && w)
			atomic_fetch_add(&cc.prot, 1);
		else if (rv == PMAP_ACCESS_NOTMAPPED)
			/* Spurious (the page never leaves); counted, reported. */
			atomic_fetch_add(&cc.notmapped, 1);
		else
			atomic_fetch_add(&cc.bad, 1);
	}
	return (NULL);
}

static void *
protector(void *arg __unused)
{
	int round, i;

	/*
	 * CROUNDS rounds, and on until the accessors have got through (a
	 * loaded machine may not run them before the rounds are over).
	 */
	for (round = 0; round < CROUNDS || (atomic_load(&cc.ok) == 0 &&
	    round < 1000 * CROUNDS); round++) {
		pmap_protect(cc.pm, CBASE, CBASE + PG(CNPAGES), VM_PROT_READ);
		VM_OBJECT_WLOCK(cc.obj);
		for (i = 0; i < CNPAGES; i++)
			if (pmap_enter(cc.pm, CBASE + PG(i), cc.ma[i], RW,
			    VM_PROT_READ, 0) != KERN_SUCCESS)
				atomic_fetch_add(&cc.bad, 1);
		VM_OBJECT_WUNLOCK(cc.obj);
		if (round % 16 == 0)
			sched_yield();
	}
	atomic_store(&cc.stop, 1);
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(concurrent_access_protect);
ATF_TC_BODY(concurrent_access_protect, tc)
{
	pthread_t t[3];
	int i;

	boot();
	memset(&cc, 0, sizeof(cc));
	cc.pm = pm_create();
	cc.obj = alloc_pages(cc.ma, CNPAGES);
	for (i = 0; i < CNPAGES; i++) {
		ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(cc.pm, CBASE + PG(i),
		    cc.ma[i], RW, VM_PROT_READ, 0));
		vm_page_xunbusy(cc.ma[i]);
	}
	ATF_REQUIRE_EQ(0, pthread_create(&t[0], NULL, accessor, (void *)1));
	ATF_REQUIRE_EQ(0, pthread_create(&t[1], NULL, accessor, (void *)2));
	ATF_REQUIRE_EQ(0, pthread_create(&t[2], NULL, protector, NULL));
	for (i = 0; i < 3; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));

	ATF_REQUIRE_EQ_MSG(0, atomic_load(&cc.bad), "%ld bad results",
	    atomic_load(&cc.bad));
	ATF_REQUIRE(atomic_load(&cc.ok) > 0);
	fprintf(stderr, "accesses: %ld ok, %ld write faults, %ld spurious "
	    "not-mapped\n", atomic_load(&cc.ok), atomic_load(&cc.prot),
	    atomic_load(&cc.notmapped));
	VM_OBJECT_WLOCK(cc.obj);
	for (i = 0; i < CNPAGES; i++) {
		ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(cc.ma[i]),
		    pmap_extract(cc.pm, CBASE + PG(i)));
		ATF_REQUIRE_EQ_MSG(atomic_load(&cc.wrote[i]) != 0,
		    dirty_state(cc.ma[i]), "page %d: written %d, dirty %#x, "
		    "modified %d", i, atomic_load(&cc.wrote[i]),
		    atomic_load(&cc.ma[i]->dirty), pmap_is_modified(cc.ma[i]));
		/* Every mapping is writeable again after the last round. */
		ATF_REQUIRE_EQ(PMAP_ACCESS_OK,
		    acc(cc.pm, CBASE + PG(i), VM_PROT_WRITE));
	}
	VM_OBJECT_WUNLOCK(cc.obj);
	finish(cc.pm, cc.obj, cc.ma, CNPAGES);
}

/*
 * pmap_enter over a mapping of the same page (a protection or wiring
 * change, or a fault on a page another thread mapped first) must not lose
 * a modified bit that a concurrent write access sets in the PTE: the
 * access path takes no lock, so enter has to swap the PTE atomically.
 */
static struct {
	pmap_t		pm;
	vm_offset_t	va;
	_Atomic int	go, done, quit;
	_Atomic long	bad;
} rc;

static void *
race_writer(void *arg __unused)
{
	vm_paddr_t pa;
	int it;

	for (it = 1;; it++) {
		while (atomic_load(&rc.go) < it)
			if (atomic_load(&rc.quit))
				return (NULL);
		if (pmap_soft_access(rc.pm, rc.va, VM_PROT_WRITE, &pa) !=
		    PMAP_ACCESS_OK)
			atomic_fetch_add(&rc.bad, 1);
		atomic_store(&rc.done, it);
	}
}

ATF_TC_WITHOUT_HEAD(enter_same_page_keeps_modified);
ATF_TC_BODY(enter_same_page_keeps_modified, tc)
{
	vm_page_t m;
	vm_object_t obj;
	pthread_t t;
	uint64_t end;
	struct timespec ts;
	int it, lost = 0;

	boot();
	memset(&rc, 0, sizeof(rc));
	rc.pm = pm_create();
	rc.va = 0x30000;
	obj = alloc_pages(&m, 1);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(rc.pm, rc.va, m, RW,
	    VM_PROT_READ, 0));
	ATF_REQUIRE_EQ(0, pthread_create(&t, NULL, race_writer, NULL));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 +
	    1500;
	for (it = 1;; it++) {
		pmap_clear_modify(m);
		atomic_store(&rc.go, it);
		while (atomic_load(&rc.done) < it)
			ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(rc.pm, rc.va,
			    m, RW, VM_PROT_READ, 0));
		if (!dirty_state(m))
			lost++;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (lost > 0 || (uint64_t)ts.tv_sec * 1000 +
		    (uint64_t)ts.tv_nsec / 1000000 >= end)
			break;
	}
	atomic_store(&rc.quit, 1);
	ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
	ATF_REQUIRE_EQ(0, atomic_load(&rc.bad));
	ATF_REQUIRE_MSG(lost == 0, "a write's modified bit was lost to a "
	    "concurrent pmap_enter of the same page (iteration %d)", it);
	finish(rc.pm, obj, &m, 1);
}

ATF_TC_WITHOUT_HEAD(enter_quick_never_replaces);
ATF_TC_BODY(enter_quick_never_replaces, tc)
{
	vm_page_t ma[2];
	vm_object_t obj;
	pmap_t pm;

	/* pmap_enter_quick, like FreeBSD's, leaves existing mappings alone. */
	boot();
	pm = pm_create();
	obj = alloc_pages(ma, 2);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 0x1000, ma[0], RW,
	    VM_PROT_READ | PMAP_ENTER_WIRED, 0));
	pmap_enter_quick(pm, 0x1000, ma[0], VM_PROT_READ);
	ATF_REQUIRE_EQ(1, pmap_wired_count(pm));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, 0x1000, VM_PROT_WRITE));
	pmap_enter_quick(pm, 0x1000, ma[1], VM_PROT_READ);
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(ma[0]), pmap_extract(pm, 0x1000));
	ATF_REQUIRE(!pmap_page_is_mapped(ma[1]));
	/* An empty slot is filled, read-only. */
	pmap_enter_quick(pm, 0x2000, ma[1], RW);
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(ma[1]), pmap_extract(pm, 0x2000));
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(pm, 0x2000, VM_PROT_WRITE));
	finish(pm, obj, ma, 2);
}

ATF_TC_WITHOUT_HEAD(protect_exec_only_keeps_mapping);
ATF_TC_BODY(protect_exec_only_keeps_mapping, tc)
{
	vm_page_t ma[1];
	vm_object_t obj;
	pmap_t pm;

	/* As FreeBSD: only VM_PROT_NONE removes; exec-only keeps a wiring. */
	boot();
	pm = pm_create();
	obj = alloc_pages(ma, 1);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, 0x1000, ma[0],
	    RW | VM_PROT_EXECUTE, VM_PROT_READ | PMAP_ENTER_WIRED, 0));
	pmap_protect(pm, 0x1000, 0x2000, VM_PROT_EXECUTE);
	ATF_REQUIRE_EQ(VM_PAGE_TO_PHYS(ma[0]), pmap_extract(pm, 0x1000));
	ATF_REQUIRE_EQ(1, pmap_wired_count(pm));
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, acc(pm, 0x1000, VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, acc(pm, 0x1000, VM_PROT_EXECUTE));
	pmap_protect(pm, 0x1000, 0x2000, VM_PROT_NONE);
	ATF_REQUIRE_EQ(0, pmap_extract(pm, 0x1000));
	ATF_REQUIRE_EQ(0, pmap_wired_count(pm));
	finish(pm, obj, ma, 1);
}

/*
 * pmap_enter's lock-free path (a zero PTE: the pv entry linked and the PTE
 * installed by CAS under the page's pv lock) against itself, the locked
 * path (replacing a mapping of another page) and removals by range and by
 * page.  Two enterers map pages of their own objects at 16 shared
 * addresses; a third thread removes ranges and all mappings of pages.
 * Afterwards every mapping must have its pv entry and the reverse: the
 * resident count equals the valid PTEs, a page is mapped exactly when some
 * address translates to it, and pmap_destroy (which panics on a PTE without
 * its pv entry) and the page checks leave nothing behind.
 */
#define	ERPAGES		8
#define	ERSLOTS		16
#define	ERROUNDS	20000

static struct {
	pmap_t		pm;
	vm_object_t	obj[2];
	vm_page_t	ma[2][ERPAGES];
	_Atomic int	stop;
	_Atomic long	bad, entered;
} er;

static uint64_t
er_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (*s);
}

static void *
er_enterer(void *arg)
{
	int me = (int)(uintptr_t)arg, round, j, k;
	uint64_t s = 0x9e3779b97f4a7c15ULL * (uint64_t)(me + 1);

	for (round = 0; round < ERROUNDS; round++) {
		j = (int)(er_rand(&s) % ERPAGES);
		k = (int)(er_rand(&s) % ERSLOTS);
		VM_OBJECT_WLOCK(er.obj[me]);
		if (pmap_enter(er.pm, CBASE + PG(k), er.ma[me][j], RW,
		    VM_PROT_READ | PMAP_ENTER_NOSLEEP, 0) != KERN_SUCCESS)
			atomic_fetch_add(&er.bad, 1);
		VM_OBJECT_WUNLOCK(er.obj[me]);
		atomic_fetch_add(&er.entered, 1);
	}
	return (NULL);
}

static void *
er_remover(void *arg __unused)
{
	uint64_t s = 12345;
	int o, j, k;

	while (!atomic_load(&er.stop)) {
		if (er_rand(&s) % 2 == 0) {
			k = (int)(er_rand(&s) % ERSLOTS);
			pmap_remove(er.pm, CBASE + PG(k), CBASE +
			    PG(MIN(ERSLOTS, k + 1 + (int)(er_rand(&s) % 4))));
		} else {
			o = (int)(er_rand(&s) % 2);
			j = (int)(er_rand(&s) % ERPAGES);
			VM_OBJECT_WLOCK(er.obj[o]);
			pmap_remove_all(er.ma[o][j]);
			VM_OBJECT_WUNLOCK(er.obj[o]);
		}
		sched_yield();
	}
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(concurrent_enter_remove);
ATF_TC_BODY(concurrent_enter_remove, tc)
{
	pthread_t t[3];
	vm_paddr_t pa;
	long valid;
	int i, o, j, k;
	bool mapped;

	boot();
	memset(&er, 0, sizeof(er));
	er.pm = pm_create();
	for (o = 0; o < 2; o++) {
		er.obj[o] = alloc_pages(er.ma[o], ERPAGES);
		for (j = 0; j < ERPAGES; j++)
			vm_page_xunbusy(er.ma[o][j]);
	}
	/* The tables exist from here on: every later enter may go lock-free. */
	VM_OBJECT_WLOCK(er.obj[0]);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(er.pm, CBASE, er.ma[0][0], RW,
	    VM_PROT_READ, 0));
	VM_OBJECT_WUNLOCK(er.obj[0]);
	ATF_REQUIRE_EQ(0, pthread_create(&t[0], NULL, er_enterer, (void *)0));
	ATF_REQUIRE_EQ(0, pthread_create(&t[1], NULL, er_enterer, (void *)1));
	ATF_REQUIRE_EQ(0, pthread_create(&t[2], NULL, er_remover, NULL));
	ATF_REQUIRE_EQ(0, pthread_join(t[0], NULL));
	ATF_REQUIRE_EQ(0, pthread_join(t[1], NULL));
	atomic_store(&er.stop, 1);
	ATF_REQUIRE_EQ(0, pthread_join(t[2], NULL));
	ATF_REQUIRE_EQ_MSG(0, atomic_load(&er.bad), "%ld failed enters",
	    atomic_load(&er.bad));
	ATF_REQUIRE_EQ(2 * ERROUNDS, atomic_load(&er.entered));

	valid = 0;
	for (k = 0; k < ERSLOTS; k++)
		if (pmap_extract(er.pm, CBASE + PG(k)) != 0)
			valid++;
	ATF_REQUIRE_EQ(valid, pmap_resident_count(er.pm));
	for (o = 0; o < 2; o++) {
		VM_OBJECT_WLOCK(er.obj[o]);
		for (j = 0; j < ERPAGES; j++) {
			mapped = false;
			for (k = 0; k < ERSLOTS; k++) {
				pa = pmap_extract(er.pm, CBASE + PG(k));
				if (pa == VM_PAGE_TO_PHYS(er.ma[o][j]))
					mapped = true;
			}
			ATF_REQUIRE_EQ_MSG(mapped,
			    pmap_page_is_mapped(er.ma[o][j]),
			    "page %d/%d: translated to %d, pv list says %d", o,
			    j, mapped, pmap_page_is_mapped(er.ma[o][j]));
		}
		/* Removing every mapping of each page empties its slots. */
		for (j = 0; j < ERPAGES; j++)
			pmap_remove_all(er.ma[o][j]);
		VM_OBJECT_WUNLOCK(er.obj[o]);
	}
	ATF_REQUIRE_EQ(0, pmap_resident_count(er.pm));
	for (k = 0; k < ERSLOTS; k++)
		ATF_REQUIRE_EQ(0, pmap_extract(er.pm, CBASE + PG(k)));
	pmap_destroy(er.pm);
	for (o = 0; o < 2; o++) {
		for (i = 0; i < ERPAGES; i++)
			ATF_REQUIRE(!pmap_page_is_mapped(er.ma[o][i]));
		vm_object_deallocate(er.obj[o]);
	}
	finish(NULL, NULL, NULL, 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, enter_extract);
	ATF_TP_ADD_TC(tp, access_path);
	ATF_TP_ADD_TC(tp, access_outside_user_range);
	ATF_TP_ADD_TC(tp, modify_and_reference_bits);
	ATF_TP_ADD_TC(tp, two_pmaps_remove_all);
	ATF_TP_ADD_TC(tp, resident_count_remove_all);
	ATF_TP_ADD_TC(tp, two_pmaps_remove_write);
	ATF_TP_ADD_TC(tp, remove_range);
	ATF_TP_ADD_TC(tp, protect);
	ATF_TP_ADD_TC(tp, wiring);
	ATF_TP_ADD_TC(tp, enter_replaces);
	ATF_TP_ADD_TC(tp, page_table_pages);
	ATF_TP_ADD_TC(tp, page_table_pages_recycled);
	ATF_TP_ADD_TC(tp, enter_nosleep_shortage);
	ATF_TP_ADD_TC(tp, extract_and_hold);
	ATF_TP_ADD_TC(tp, mincore);
	ATF_TP_ADD_TC(tp, concurrent_access_protect);
	ATF_TP_ADD_TC(tp, enter_same_page_keeps_modified);
	ATF_TP_ADD_TC(tp, enter_quick_never_replaces);
	ATF_TP_ADD_TC(tp, protect_exec_only_keeps_mapping);
	ATF_TP_ADD_TC(tp, concurrent_enter_remove);
	return (atf_no_error());
}
