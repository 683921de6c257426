/*
 * The software MMU's translation cache: pmap_soft_copy() and shootdowns.
 *
 * The single-threaded cases check hits and misses (through the TLB
 * counters), that every operation that weakens a translation is seen by
 * the very next copy even when that copy would otherwise hit (remove,
 * protect, remove_write, remove_all, enter replacing or downgrading,
 * clear_modify, ts_referenced), that the accessed/modified bits are what
 * hardware would leave, and that a pmap freed and re-created at the same
 * address inherits nothing.
 *
 * The stress cases run copier threads against a thread that downgrades
 * the translation they use, and check the shootdown guarantee directly:
 * once the downgrading call has returned, the old page does not change
 * any more (snapshot, sleep, compare), a stale read never returns what
 * was written into an unmapped page, and any change to the page's data
 * shows in its dirty/modified/referenced state.
 *
 * Every case ends like those of pmap_test.c: the pmaps destroyed, the
 * object deallocated, and the free and wired page counts back at boot's.
 */
#include <atf-c.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvm.h>
#include <uma.h>
#include <sys/param.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <pmap/pmap.h>
#include <pmap/soft/pmap_soft.h>

#define	RW		(VM_PROT_READ | VM_PROT_WRITE)
#define	RX		(VM_PROT_READ | VM_PROT_EXECUTE)
#define	PG(i)		((vm_offset_t)(i) * PAGE_SIZE)
#define	VA		((vm_offset_t)0x40000000)

static u_int boot_free, boot_wired;

static void
boot(int ncpu)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = 32 << 20;
	c.ncpu = ncpu;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	boot_free = vm_free_count();
	boot_wired = vm_wire_count();
}

static pmap_t
pm_create(void)
{
	pmap_t pm;

	pm = pmap_create();
	ATF_REQUIRE(pm != NULL);
	return (pm);
}

/* n zeroed, valid pages 0..n-1 of a new object, left xbusied. */
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
		vm_page_valid(ma[i]);
	}
	VM_OBJECT_WUNLOCK(obj);
	return (obj);
}

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
	ATF_REQUIRE_MSG(vm_wire_count() == boot_wired,
	    "wired pages %u, at boot %u", vm_wire_count(), boot_wired);
	ATF_REQUIRE_MSG(vm_free_count() == boot_free,
	    "free pages %u, at boot %u", vm_free_count(), boot_free);
	vm_page_check_all();
	vm_shutdown();
}

static char *
dmap(vm_page_t m)
{
	return (vm_page_dmap(m));
}

/* Copies without data: only the access. */
static int
touch(pmap_t pm, vm_offset_t va, vm_prot_t a)
{
	return (pmap_soft_copy(pm, va, NULL, 0, a));
}

/* ---- counters: a copy was a hit or a miss ------------------------------ */

static struct pmap_soft_tlb_stats st_last;

static void
st_reset(void)
{
	pmap_soft_tlb_stats(&st_last);
}

/* Copies and misses since the last call (or st_reset). */
static void
st_delta(uint64_t *copies, uint64_t *misses, uint64_t *shootdowns)
{
	struct pmap_soft_tlb_stats st;

	pmap_soft_tlb_stats(&st);
	*copies = st.copies - st_last.copies;
	*misses = st.misses - st_last.misses;
	if (shootdowns != NULL)
		*shootdowns = st.shootdowns - st_last.shootdowns;
	st_last = st;
}

#define	REQUIRE_HIT(what) do {						\
	uint64_t c_, m_;						\
	st_delta(&c_, &m_, NULL);					\
	ATF_REQUIRE_MSG(c_ == 1 && m_ == 0, "%s: %ju copies, %ju "	\
	    "misses; expected a hit", (what), (uintmax_t)c_,		\
	    (uintmax_t)m_);						\
} while (0)
#define	REQUIRE_MISS(what) do {						\
	uint64_t c_, m_;						\
	st_delta(&c_, &m_, NULL);					\
	ATF_REQUIRE_MSG(c_ == 1 && m_ == 1, "%s: %ju copies, %ju "	\
	    "misses; expected a miss", (what), (uintmax_t)c_,		\
	    (uintmax_t)m_);						\
} while (0)

/* ------------------------------------------------------------------------ */

ATF_TC_WITHOUT_HEAD(copy_hit_and_miss);
ATF_TC_BODY(copy_hit_and_miss, tc)
{
	vm_page_t ma[4];
	vm_object_t obj;
	pmap_t pm;
	char buf[PAGE_SIZE], big[PAGE_SIZE];
	const vm_offset_t rw = VA, ro = VA + PG(1), rx = VA + PG(2),
	    clean = VA + PG(3);
	int i;

	boot(2);
	pm = pm_create();
	obj = alloc_pages(ma, 4);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, rw, ma[0], RW, 0, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, ro, ma[1],
	    VM_PROT_READ, 0, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, rx, ma[2], RX, 0, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, clean, ma[3], RW, 0, 0));
	st_reset();

	/* A write misses, lands in the page and sets both bits. */
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, rw + 0x10,
	    "hello", 6, VM_PROT_WRITE));
	REQUIRE_MISS("first write");
	ATF_REQUIRE_STREQ("hello", dmap(ma[0]) + 0x10);
	ATF_REQUIRE(pmap_is_modified(ma[0]));
	ATF_REQUIRE(pmap_is_referenced(ma[0]));
	/* Then reads and writes of the same page hit. */
	memset(buf, 0, sizeof(buf));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, rw + 0x10, buf, 6,
	    VM_PROT_READ));
	REQUIRE_HIT("read after write");
	ATF_REQUIRE_STREQ("hello", buf);
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, rw + 0xff8,
	    "tail!!!", 8, VM_PROT_WRITE));
	REQUIRE_HIT("second write");
	ATF_REQUIRE_EQ(0, memcmp(dmap(ma[0]) + 0xff8, "tail!!!", 8));
	/* Data placed in the page is what a copy reads. */
	strcpy(dmap(ma[0]) + 0x200, "from the page");
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, rw + 0x200, buf, 14,
	    VM_PROT_READ));
	REQUIRE_HIT("read");
	ATF_REQUIRE_STREQ("from the page", buf);
	/* A whole page at once, both ways. */
	for (i = 0; i < PAGE_SIZE; i++)
		big[i] = (char)(i * 7 + 1);
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, rw, big, PAGE_SIZE,
	    VM_PROT_WRITE));
	REQUIRE_HIT("page write");
	ATF_REQUIRE_EQ(0, memcmp(big, dmap(ma[0]), PAGE_SIZE));
	memset(buf, 0, sizeof(buf));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, rw, buf, PAGE_SIZE,
	    VM_PROT_READ));
	REQUIRE_HIT("page read");
	ATF_REQUIRE_EQ(0, memcmp(big, buf, PAGE_SIZE));

	/* Read-only page: a read misses then hits; a write fails cleanly. */
	strcpy(dmap(ma[1]), "read only");
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, ro, buf, 10,
	    VM_PROT_READ));
	REQUIRE_MISS("read-only read");
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, ro, buf, 10,
	    VM_PROT_READ));
	REQUIRE_HIT("read-only read again");
	strcpy(buf, "XXXXXXXXX");
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, pmap_soft_copy(pm, ro, buf, 10,
	    VM_PROT_WRITE));
	st_reset();
	ATF_REQUIRE_STREQ("read only", dmap(ma[1]));
	ATF_REQUIRE(!pmap_is_modified(ma[1]));

	/* Execute needs the exec bit; the exec entry also serves reads. */
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, touch(pm, rw, VM_PROT_EXECUTE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, touch(pm, ro, VM_PROT_EXECUTE));
	st_reset();
	strcpy(dmap(ma[2]), "code");
	memset(buf, 0, 8);
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, rx, buf, 5,
	    VM_PROT_EXECUTE));
	REQUIRE_MISS("exec");
	ATF_REQUIRE_STREQ("code", buf);
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm, rx, VM_PROT_EXECUTE));
	REQUIRE_HIT("exec again");
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm, rx, VM_PROT_READ));
	REQUIRE_HIT("read of an exec page");
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, touch(pm, rx, VM_PROT_WRITE));
	ATF_REQUIRE(!pmap_is_modified(ma[2]));

	/*
	 * A read caches no right to write while M is clear: the first write
	 * misses, walks, and sets M (hardware's dirty-bit update).
	 */
	(void)pmap_ts_referenced(ma[3]);
	ATF_REQUIRE(!pmap_is_referenced(ma[3]));
	st_reset();
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm, clean, VM_PROT_READ));
	REQUIRE_MISS("read of a clean page");
	ATF_REQUIRE(pmap_is_referenced(ma[3]));
	ATF_REQUIRE(!pmap_is_modified(ma[3]));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm, clean, VM_PROT_READ));
	REQUIRE_HIT("read of a clean page again");
	ATF_REQUIRE(!pmap_is_modified(ma[3]));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm, clean, VM_PROT_WRITE));
	REQUIRE_MISS("first write of a clean page");
	ATF_REQUIRE(pmap_is_modified(ma[3]));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm, clean, VM_PROT_WRITE));
	REQUIRE_HIT("second write");

	/* Not mapped: next to a mapping, far away, past the user range. */
	strcpy(buf, "unchanged");
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, pmap_soft_copy(pm, VA + PG(9),
	    buf, 4, VM_PROT_READ));
	ATF_REQUIRE_STREQ("unchanged", buf);
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, touch(pm, VA + PG(9),
	    VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, touch(pm, 0, VM_PROT_READ));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, touch(pm,
	    ((vm_offset_t)1 << 48) + rw, VM_PROT_READ));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, touch(pm,
	    ~(vm_offset_t)PAGE_MASK, VM_PROT_READ));
	finish(pm, obj, ma, 4);
}

/*
 * Two pages whose addresses share a TLB slot (the index is the page
 * number modulo the size, xor the generation) and two pmaps with the same
 * addresses: the tags keep them apart.
 */
ATF_TC_WITHOUT_HEAD(copy_conflicts_and_two_pmaps);
ATF_TC_BODY(copy_conflicts_and_two_pmaps, tc)
{
	vm_page_t ma[4];
	vm_object_t obj;
	pmap_t pm1, pm2;
	uint64_t v;
	int i, round;

	boot(2);
	pm1 = pm_create();
	pm2 = pm_create();
	obj = alloc_pages(ma, 4);
	for (i = 0; i < 4; i++)
		*(uint64_t *)dmap(ma[i]) = 100 + (uint64_t)i;
	/* 64 and 4096 pages apart: the same slot for any size up to that. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm1, VA, ma[0], RW, 0, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm1, VA + PG(4096), ma[1], RW,
	    0, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm2, VA, ma[2], RW, 0, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm2, VA + PG(64), ma[3], RW,
	    0, 0));
	for (round = 0; round < 3; round++) {
		ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm1, VA, &v,
		    sizeof(v), VM_PROT_READ));
		ATF_REQUIRE_EQ(100, v);
		ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm1,
		    VA + PG(4096), &v, sizeof(v), VM_PROT_READ));
		ATF_REQUIRE_EQ(101, v);
		ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm2, VA, &v,
		    sizeof(v), VM_PROT_READ));
		ATF_REQUIRE_EQ(102, v);
		ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm2,
		    VA + PG(64), &v, sizeof(v), VM_PROT_READ));
		ATF_REQUIRE_EQ(103, v);
		ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, touch(pm2,
		    VA + PG(4096), VM_PROT_READ));
		ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, touch(pm1,
		    VA + PG(64), VM_PROT_READ));
	}
	pmap_destroy(pm2);
	finish(pm1, obj, ma, 4);
}

/*
 * A pmap destroyed and created again, very likely at the same address,
 * must not see the old one's cached translations (generations are never
 * reused).
 */
ATF_TC_WITHOUT_HEAD(copy_pmap_recreated);
ATF_TC_BODY(copy_pmap_recreated, tc)
{
	vm_page_t ma[2];
	vm_object_t obj;
	pmap_t pm, prev = NULL;
	uint64_t v;
	int round, reused = 0;

	boot(2);
	obj = alloc_pages(ma, 2);
	*(uint64_t *)dmap(ma[0]) = 0xaaaa;
	*(uint64_t *)dmap(ma[1]) = 0xbbbb;
	for (round = 0; round < 8; round++) {
		pm = pm_create();
		if (pm == prev)
			reused++;
		prev = pm;
		ATF_REQUIRE_EQ_MSG(PMAP_ACCESS_NOTMAPPED, touch(pm, VA,
		    VM_PROT_READ), "round %d: fresh pmap has a translation",
		    round);
		ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, VA,
		    ma[round % 2], RW, 0, 0));
		ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, VA, &v,
		    sizeof(v), VM_PROT_READ));
		ATF_REQUIRE_EQ_MSG(round % 2 ? 0xbbbb : 0xaaaa, v,
		    "round %d read %#jx", round, (uintmax_t)v);
		ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm, VA, VM_PROT_WRITE));
		pmap_destroy(pm);
	}
	fprintf(stderr, "pmap address reused %d of 7 times\n", reused);
	finish(NULL, obj, ma, 2);
}

/* pmap_remove (and pmap_protect to VM_PROT_NONE) reach cached entries. */
ATF_TC_WITHOUT_HEAD(copy_after_remove);
ATF_TC_BODY(copy_after_remove, tc)
{
	vm_page_t ma[2];
	vm_object_t obj;
	pmap_t pm;
	uint64_t c, m, sd;

	boot(2);
	pm = pm_create();
	obj = alloc_pages(ma, 2);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, VA, ma[0], RW, 0, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, VA + PG(1), ma[1], RW,
	    0, 0));
	st_reset();
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, VA, "x", 1,
	    VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, VA, "y", 1,
	    VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm, VA + PG(1), VM_PROT_READ));
	st_delta(&c, &m, &sd);
	ATF_REQUIRE_EQ(3, c);
	ATF_REQUIRE_EQ(2, m);
	pmap_remove(pm, VA, VA + PAGE_SIZE);
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, pmap_soft_copy(pm, VA, "z", 1,
	    VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, touch(pm, VA, VM_PROT_READ));
	st_delta(&c, &m, &sd);
	ATF_REQUIRE_EQ(1, sd);
	ATF_REQUIRE_EQ('y', dmap(ma[0])[0]);
	/* The write's modified bit went to the page with the mapping. */
	ATF_REQUIRE_EQ(VM_PAGE_BITS_ALL, atomic_load(&ma[0]->dirty));
	/* The neighbour is still mapped (it had to walk again, though). */
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm, VA + PG(1), VM_PROT_READ));
	pmap_protect(pm, VA, VA + PG(2), VM_PROT_NONE);
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, touch(pm, VA + PG(1),
	    VM_PROT_READ));

	/* A mapping never accessed is cached nowhere: no shootdown. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, VA, ma[0], RW, 0, 0));
	st_reset();
	pmap_remove(pm, VA, VA + PAGE_SIZE);
	st_delta(&c, &m, &sd);
	ATF_REQUIRE_EQ(0, sd);
	finish(pm, obj, ma, 2);
}

ATF_TC_WITHOUT_HEAD(copy_after_protect);
ATF_TC_BODY(copy_after_protect, tc)
{
	vm_page_t ma[2];
	vm_object_t obj;
	pmap_t pm;
	char buf[8];

	boot(2);
	pm = pm_create();
	obj = alloc_pages(ma, 2);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, VA, ma[0], RW, 0, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, VA + PG(1), ma[1],
	    RW | VM_PROT_EXECUTE, 0, 0));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, VA, "before", 7,
	    VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm, VA + PG(1),
	    VM_PROT_EXECUTE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm, VA + PG(1), VM_PROT_WRITE));

	/* Read-only: a write that would hit is refused, and not made. */
	pmap_protect(pm, VA, VA + PG(2), RX);
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, pmap_soft_copy(pm, VA, "after", 6,
	    VM_PROT_WRITE));
	ATF_REQUIRE_STREQ("before", dmap(ma[0]));
	/* pmap_protect keeps the modified bit in the PTE (pmap_soft.c). */
	ATF_REQUIRE(pmap_is_modified(ma[0]));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, VA, buf, 7,
	    VM_PROT_READ));
	ATF_REQUIRE_STREQ("before", buf);
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, touch(pm, VA + PG(1),
	    VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm, VA + PG(1),
	    VM_PROT_EXECUTE));

	/* Dropping execute reaches a cached exec entry. */
	pmap_protect(pm, VA + PG(1), VA + PG(2), VM_PROT_READ);
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, touch(pm, VA + PG(1),
	    VM_PROT_EXECUTE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm, VA + PG(1), VM_PROT_READ));
	finish(pm, obj, ma, 2);
}

ATF_TC_WITHOUT_HEAD(copy_after_remove_write_and_remove_all);
ATF_TC_BODY(copy_after_remove_write_and_remove_all, tc)
{
	vm_page_t m;
	vm_object_t obj;
	pmap_t pm1, pm2;

	boot(2);
	pm1 = pm_create();
	pm2 = pm_create();
	obj = alloc_pages(&m, 1);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm1, VA, m, RW, 0, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm2, VA + PG(5), m, RW, 0, 0));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm1, VA, "one", 4,
	    VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm2, VA + PG(5) + 8,
	    "two", 4, VM_PROT_WRITE));

	/* Every mapping read-only, the dirt handed to the page. */
	pmap_remove_write(m);
	ATF_REQUIRE_EQ(VM_PAGE_BITS_ALL, atomic_load(&m->dirty));
	ATF_REQUIRE(!pmap_is_modified(m));
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, pmap_soft_copy(pm1, VA, "ONE", 4,
	    VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, pmap_soft_copy(pm2, VA + PG(5) + 8,
	    "TWO", 4, VM_PROT_WRITE));
	ATF_REQUIRE_STREQ("one", dmap(m));
	ATF_REQUIRE_STREQ("two", dmap(m) + 8);
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm1, VA, VM_PROT_READ));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm2, VA + PG(5), VM_PROT_READ));

	/* Writable again (the fault handler's job), then removed. */
	vm_page_undirty(m);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm1, VA, m, RW, 0, 0));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm1, VA, VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm1, VA, VM_PROT_WRITE));
	pmap_remove_all(m);
	ATF_REQUIRE_EQ(VM_PAGE_BITS_ALL, atomic_load(&m->dirty));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, touch(pm1, VA, VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, touch(pm1, VA, VM_PROT_READ));
	ATF_REQUIRE_EQ(PMAP_ACCESS_NOTMAPPED, touch(pm2, VA + PG(5),
	    VM_PROT_READ));
	pmap_destroy(pm2);
	finish(pm1, obj, &m, 1);
}

/* pmap_enter over a cached translation: another page, fewer rights. */
ATF_TC_WITHOUT_HEAD(copy_after_enter_replaces);
ATF_TC_BODY(copy_after_enter_replaces, tc)
{
	vm_page_t ma[2];
	vm_object_t obj;
	pmap_t pm;
	char buf[8];

	boot(2);
	pm = pm_create();
	obj = alloc_pages(ma, 2);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, VA, ma[0], RW, 0, 0));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, VA, "old", 4,
	    VM_PROT_WRITE));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, VA, buf, 4,
	    VM_PROT_READ));

	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, VA, ma[1], RW, 0, 0));
	ATF_REQUIRE_EQ(VM_PAGE_BITS_ALL, atomic_load(&ma[0]->dirty));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, VA, buf, 4,
	    VM_PROT_READ));
	ATF_REQUIRE_EQ(0, buf[0]);		/* ma[1] is zeroed */
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, VA, "new", 4,
	    VM_PROT_WRITE));
	ATF_REQUIRE_STREQ("new", dmap(ma[1]));
	ATF_REQUIRE_STREQ("old", dmap(ma[0]));

	/* Same page, read-only now: the cached right to write is gone. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, VA, ma[1], VM_PROT_READ,
	    0, 0));
	ATF_REQUIRE(pmap_is_modified(ma[1]) ||
	    atomic_load(&ma[1]->dirty) == VM_PAGE_BITS_ALL);
	ATF_REQUIRE_EQ(PMAP_ACCESS_PROT, pmap_soft_copy(pm, VA, "NEW", 4,
	    VM_PROT_WRITE));
	ATF_REQUIRE_STREQ("new", dmap(ma[1]));
	/* And writable again. */
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm, VA, ma[1], RW, 0, 0));
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm, VA, "NEW", 4,
	    VM_PROT_WRITE));
	ATF_REQUIRE_STREQ("NEW", dmap(ma[1]));
	finish(pm, obj, ma, 2);
}

/*
 * Clearing M or A must reach the cache: the next access, which would
 * otherwise hit without looking at the PTE, has to set the bit again.
 */
ATF_TC_WITHOUT_HEAD(copy_sets_bits_after_clear);
ATF_TC_BODY(copy_sets_bits_after_clear, tc)
{
	vm_page_t m;
	vm_object_t obj;
	pmap_t pm1, pm2;
	char c;
	int i;

	boot(2);
	pm1 = pm_create();
	pm2 = pm_create();
	obj = alloc_pages(&m, 1);
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm1, VA, m, RW, 0, 0));
	ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(pm2, VA, m, RW, 0, 0));
	for (i = 0; i < 3; i++) {
		ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm1, VA + 1,
		    "m", 1, VM_PROT_WRITE));
		ATF_REQUIRE(pmap_is_modified(m));
		pmap_clear_modify(m);
		ATF_REQUIRE(!pmap_is_modified(m));
		/* Reads leave it clear... */
		ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm1, VA, &c, 1,
		    VM_PROT_READ));
		ATF_REQUIRE(!pmap_is_modified(m));
	}
	/* ...a write, even of nothing, sets it. */
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm1, VA, VM_PROT_WRITE));
	ATF_REQUIRE(pmap_is_modified(m));

	(void)pmap_ts_referenced(m);
	ATF_REQUIRE_EQ(0, pmap_ts_referenced(m));
	for (i = 0; i < 3; i++) {
		ATF_REQUIRE_EQ(PMAP_ACCESS_OK, pmap_soft_copy(pm1, VA, &c, 1,
		    VM_PROT_READ));
		ATF_REQUIRE(pmap_is_referenced(m));
		ATF_REQUIRE_EQ(1, pmap_ts_referenced(m));
		ATF_REQUIRE(!pmap_is_referenced(m));
		ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm1, VA, VM_PROT_WRITE));
		ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm2, VA, VM_PROT_READ));
		ATF_REQUIRE_EQ(2, pmap_ts_referenced(m));
	}
	/* Clearing A left M alone, and M is still honoured through writes. */
	ATF_REQUIRE(pmap_is_modified(m));
	pmap_clear_modify(m);
	ATF_REQUIRE_EQ(PMAP_ACCESS_OK, touch(pm2, VA, VM_PROT_WRITE));
	ATF_REQUIRE(pmap_is_modified(m));
	pmap_destroy(pm2);
	finish(pm1, obj, &m, 1);
}

/* ---- concurrency -------------------------------------------------------- */

#define	NCOPIERS	2
#define	NVA		2		/* addresses the copiers use */
#define	POISON		0xdeadbeefdeadbeefULL
#define	STRESS_MS	1500

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
sleep_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

static struct {
	pmap_t		pm;
	_Atomic int	stop;
	_Atomic long	ok, fault, bad;
	_Atomic uint64_t bad_value;
	/*
	 * The controller's epoch, and per copier and address the epoch read
	 * before its last successful access and write: a copy that read
	 * epoch e began after the controller published e.
	 */
	_Atomic uint64_t epoch;
	_Atomic uint64_t accessed[NCOPIERS][NVA], written[NCOPIERS][NVA];
} sc;

/*
 * Write a fresh value at a pseudo-random 8-byte slot of one of the
 * addresses (never offset 0: the page's identity lives there), and read
 * offset 0, which must never be the poison the controller writes into a
 * page after unmapping it.  Each copier has its own slots: two user
 * threads writing the same bytes would be the user's data race, which
 * ThreadSanitizer rightly reports.
 */
static void *
copier(void *arg)
{
	uint64_t s = (uint64_t)(uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 7;
	uint64_t v, e, n = (uint64_t)(uintptr_t)arg << 48;
	vm_offset_t va;
	int rv, me = (int)(uintptr_t)arg - 1, i;
	bool w;

	while (!atomic_load_explicit(&sc.stop, memory_order_relaxed)) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		i = (int)(s % NVA);
		va = VA + PG(i);
		e = atomic_load(&sc.epoch);
		w = (s >> 20) % 4 != 0;
		if (w) {
			v = ++n;
			/* Slot 1 + me + k * NCOPIERS: copiers never share. */
			rv = pmap_soft_copy(sc.pm, va + 8 * (1 + me +
			    NCOPIERS * ((s >> 32) % ((PAGE_SIZE / 8 - 1) /
			    NCOPIERS))), &v, sizeof(v), VM_PROT_WRITE);
		} else {
			rv = pmap_soft_copy(sc.pm, va, &v, sizeof(v),
			    VM_PROT_READ);
			if (rv == PMAP_ACCESS_OK && v == POISON) {
				atomic_fetch_add(&sc.bad, 1);
				atomic_store(&sc.bad_value, v);
			}
		}
		if (rv == PMAP_ACCESS_OK) {
			atomic_fetch_add_explicit(&sc.ok, 1,
			    memory_order_relaxed);
			atomic_store(&sc.accessed[me][i], e);
			if (w)
				atomic_store(&sc.written[me][i], e);
		} else {
			/* Where copyin would call vm_fault. */
			atomic_fetch_add_explicit(&sc.fault, 1,
			    memory_order_relaxed);
			sched_yield();
		}
	}
	return (NULL);
}

static void
copiers_start(pthread_t *t)
{
	int i;

	for (i = 0; i < NCOPIERS; i++)
		ATF_REQUIRE_EQ(0, pthread_create(&t[i], NULL, copier,
		    (void *)(uintptr_t)(i + 1)));
}

static void
copiers_stop(pthread_t *t)
{
	int i;

	atomic_store(&sc.stop, 1);
	for (i = 0; i < NCOPIERS; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
	ATF_REQUIRE_EQ_MSG(0, atomic_load(&sc.bad), "%ld reads returned "
	    "%#jx, written into a page after it was unmapped",
	    atomic_load(&sc.bad), (uintmax_t)atomic_load(&sc.bad_value));
	fprintf(stderr, "copies: %ld ok, %ld faults\n", atomic_load(&sc.ok),
	    atomic_load(&sc.fault));
	ATF_REQUIRE(atomic_load(&sc.ok) > 0);
}

/* The page must not change from snap for a while; fail if it does. */
static void
require_frozen(vm_page_t m, const char *snap, const char *after, int round)
{
	const uint64_t *a = (const uint64_t *)snap;
	const uint64_t *b = (const uint64_t *)dmap(m);
	size_t i;

	sleep_us(300);
	for (i = 0; i < PAGE_SIZE / sizeof(uint64_t); i++)
		ATF_REQUIRE_MSG(a[i] == atomic_load_explicit(
		    (_Atomic uint64_t *)&b[i], memory_order_relaxed),
		    "round %d: offset %zu changed from %#jx to %#jx after %s "
		    "returned", round, i * 8, (uintmax_t)a[i],
		    (uintmax_t)b[i], after);
}

static void
snapshot(vm_page_t m, char *snap)
{
	memcpy(snap, dmap(m), PAGE_SIZE);
}

/*
 * pmap_remove_write (or pmap_protect to read-only, or pmap_remove)
 * against readers and writers: once it returns the page is frozen, and
 * if its data changed since it was last cleaned, it is dirty.  Then the
 * page is cleaned and made writable again, as a pageout and a later
 * write fault would.
 */
ATF_TC_WITHOUT_HEAD(stress_remove_write);
ATF_TC_BODY(stress_remove_write, tc)
{
	static char clean[NVA][PAGE_SIZE], snap[PAGE_SIZE];
	vm_page_t ma[NVA];
	vm_object_t obj;
	pthread_t t[NCOPIERS];
	const char *how;
	uint64_t end;
	int i, round, changed = 0;

	boot(2);
	memset(&sc, 0, sizeof(sc));
	sc.pm = pm_create();
	obj = alloc_pages(ma, NVA);
	for (i = 0; i < NVA; i++) {
		ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(sc.pm, VA + PG(i),
		    ma[i], RW, 0, 0));
		snapshot(ma[i], clean[i]);
	}
	copiers_start(t);
	end = now_ms() + STRESS_MS;
	for (round = 0; now_ms() < end; round++) {
		i = round % NVA;
		sleep_us(round % 7 * 50);
		VM_OBJECT_WLOCK(obj);
		switch (round / NVA % 3) {
		case 0:
			how = "pmap_remove_write";
			pmap_remove_write(ma[i]);
			break;
		case 1:
			how = "pmap_protect";
			pmap_protect(sc.pm, VA + PG(i), VA + PG(i + 1),
			    VM_PROT_READ);
			break;
		default:
			how = "pmap_remove";
			pmap_remove(sc.pm, VA + PG(i), VA + PG(i + 1));
			break;
		}
		VM_OBJECT_WUNLOCK(obj);
		snapshot(ma[i], snap);
		if (memcmp(snap, clean[i], PAGE_SIZE) != 0) {
			changed++;
			ATF_REQUIRE_MSG(atomic_load(&ma[i]->dirty) ==
			    VM_PAGE_BITS_ALL || pmap_is_modified(ma[i]),
			    "round %d: page written but "
			    "not dirty after %s", round, how);
		}
		/* pmap_protect leaves M in the PTE: collect it. */
		VM_OBJECT_WLOCK(obj);
		pmap_clear_modify(ma[i]);
		VM_OBJECT_WUNLOCK(obj);
		ATF_REQUIRE(!pmap_is_modified(ma[i]));
		require_frozen(ma[i], snap, how, round);
		vm_page_undirty(ma[i]);
		memcpy(clean[i], snap, PAGE_SIZE);
		VM_OBJECT_WLOCK(obj);
		ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(sc.pm, VA + PG(i),
		    ma[i], RW, 0, 0));
		VM_OBJECT_WUNLOCK(obj);
	}
	copiers_stop(t);
	fprintf(stderr, "%d rounds, %d with data written\n", round, changed);
	ATF_REQUIRE(changed > 0);
	finish(sc.pm, obj, ma, NVA);
}

/*
 * pmap_remove, or pmap_enter of another page over the mapping, against
 * readers and writers; the old page is checked frozen, poisoned (a read
 * through a stale translation would return the poison), and freed; its
 * successor is a freshly allocated page (often the same physical page).
 */
ATF_TC_WITHOUT_HEAD(stress_remove_and_replace);
ATF_TC_BODY(stress_remove_and_replace, tc)
{
	static char snap[PAGE_SIZE];
	vm_page_t ma[NVA], nm;
	vm_object_t obj;
	pthread_t t[NCOPIERS];
	vm_pindex_t pindex = NVA;
	uint64_t end;
	int i, round;

	boot(2);
	memset(&sc, 0, sizeof(sc));
	sc.pm = pm_create();
	obj = alloc_pages(ma, NVA);
	for (i = 0; i < NVA; i++)
		ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(sc.pm, VA + PG(i),
		    ma[i], RW, 0, 0));
	copiers_start(t);
	end = now_ms() + STRESS_MS;
	for (round = 0; now_ms() < end; round++) {
		i = round % NVA;
		sleep_us(round % 5 * 60);
		VM_OBJECT_WLOCK(obj);
		/* pindexes cycle through the object; at most NVA+1 live. */
		nm = vm_page_alloc(obj, pindex, VM_ALLOC_NORMAL |
		    VM_ALLOC_ZERO);
		ATF_REQUIRE(nm != NULL);
		pindex = (pindex + 1) % 64;
		vm_page_valid(nm);
		*(uint64_t *)dmap(nm) = (uint64_t)round;
		if (round % 2 == 0)
			pmap_remove(sc.pm, VA + PG(i), VA + PG(i + 1));
		ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(sc.pm, VA + PG(i), nm,
		    RW, 0, 0));
		VM_OBJECT_WUNLOCK(obj);
		snapshot(ma[i], snap);
		require_frozen(ma[i], snap, round % 2 == 0 ? "pmap_remove" :
		    "pmap_enter", round);
		memset(dmap(ma[i]), 0xde, PAGE_SIZE);
		*(uint64_t *)dmap(ma[i]) = POISON;
		sleep_us(100);
		VM_OBJECT_WLOCK(obj);
		ATF_REQUIRE(!pmap_page_is_mapped(ma[i]));
		vm_page_free(ma[i]);
		VM_OBJECT_WUNLOCK(obj);
		ma[i] = nm;
	}
	copiers_stop(t);
	fprintf(stderr, "%d rounds\n", round);
	finish(sc.pm, obj, ma, NVA);
}

/*
 * pmap_clear_modify and pmap_ts_referenced against readers and writers:
 * after either returns, an access (a write for M) that began later must
 * set the bit again.  The copiers record the controller's epoch read
 * before each successful access, so only atomics are compared (reading
 * the page itself would race with the writers, legitimately).
 */
ATF_TC_WITHOUT_HEAD(stress_clear_modify_referenced);
ATF_TC_BODY(stress_clear_modify_referenced, tc)
{
	vm_page_t ma[NVA];
	vm_object_t obj;
	pthread_t t[NCOPIERS];
	uint64_t end, epoch;
	int c, i, round, later;
	bool ref, bit;

	boot(2);
	memset(&sc, 0, sizeof(sc));
	sc.pm = pm_create();
	obj = alloc_pages(ma, NVA);
	for (i = 0; i < NVA; i++)
		ATF_REQUIRE_EQ(KERN_SUCCESS, pmap_enter(sc.pm, VA + PG(i),
		    ma[i], RW, 0, 0));
	copiers_start(t);
	end = now_ms() + STRESS_MS;
	for (round = 0, later = 0; now_ms() < end; round++) {
		i = round % NVA;
		ref = (round / NVA) % 2 != 0;
		VM_OBJECT_WLOCK(obj);
		if (ref)
			(void)pmap_ts_referenced(ma[i]);
		else
			pmap_clear_modify(ma[i]);
		VM_OBJECT_WUNLOCK(obj);
		epoch = (uint64_t)round + 1;
		atomic_store(&sc.epoch, epoch);
		sleep_us(round % 5 * 40);
		/*
		 * The records first, the bit second: a record read here was
		 * made after its access had set the bit.
		 */
		for (c = 0; c < NCOPIERS; c++)
			if (atomic_load(ref ? &sc.accessed[c][i] :
			    &sc.written[c][i]) >= epoch)
				break;
		VM_OBJECT_WLOCK(obj);
		bit = ref ? pmap_is_referenced(ma[i]) :
		    pmap_is_modified(ma[i]);
		VM_OBJECT_WUNLOCK(obj);
		if (c == NCOPIERS)
			continue;
		later++;
		ATF_REQUIRE_MSG(bit, "round %d: copier %d %s the page after "
		    "%s returned, but the bit is clear", round, c,
		    ref ? "accessed" : "wrote", ref ? "pmap_ts_referenced" :
		    "pmap_clear_modify");
	}
	copiers_stop(t);
	fprintf(stderr, "%d rounds, %d with later accesses\n", round, later);
	ATF_REQUIRE(later > 0);
	finish(sc.pm, obj, ma, NVA);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, copy_hit_and_miss);
	ATF_TP_ADD_TC(tp, copy_conflicts_and_two_pmaps);
	ATF_TP_ADD_TC(tp, copy_pmap_recreated);
	ATF_TP_ADD_TC(tp, copy_after_remove);
	ATF_TP_ADD_TC(tp, copy_after_protect);
	ATF_TP_ADD_TC(tp, copy_after_remove_write_and_remove_all);
	ATF_TP_ADD_TC(tp, copy_after_enter_replaces);
	ATF_TP_ADD_TC(tp, copy_sets_bits_after_clear);
	ATF_TP_ADD_TC(tp, stress_remove_write);
	ATF_TP_ADD_TC(tp, stress_remove_and_replace);
	ATF_TP_ADD_TC(tp, stress_clear_modify_referenced);
	return (atf_no_error());
}
