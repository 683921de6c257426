/*
 * Tests of physical memory (sys/vm/vm_phys.c): the buddy allocator, its
 * census and coalescing, pool stealing, contiguous allocation through
 * vm_page_alloc_noobj_contig, memory domains and bad pages, and the arena
 * itself (aligned, zero, private to the process).
 *
 * Expected values come from a model rather than from the code under test:
 * a fully coalesced buddy allocator holds, for each maximal free range,
 * the largest aligned blocks (at most order VM_NFREEORDER - 1) from the
 * low end up (vt_model_blocks).  The standard machine is 32 MiB (8192
 * pages) with 2 CPU slots; the page array takes the first pages of the
 * arena (vt_array_end()), everything above it is free at boot.
 *
 * The buddy cases call vm_phys_* directly under the domain free lock; they
 * bypass the domain free counts, so vm_page_check_all() is only called
 * once every page taken that way is back.
 */

#include "vm_test_util.h"

/* Model blocks of the boot state of domain d, in address order. */
struct blocklist {
	int		n;
	vm_paddr_t	pa[64];
	int		order[64];
};

static void
blocklist_add(vm_paddr_t pa, int order, void *arg)
{
	struct blocklist *bl = arg;

	ATF_REQUIRE(bl->n < (int)nitems(bl->pa));
	bl->pa[bl->n] = pa;
	bl->order[bl->n] = order;
	bl->n++;
}

static void
boot_blocks(int d, struct blocklist *bl)
{
	memset(bl, 0, sizeof(*bl));
	vt_model_blocks(MAX(vm_phys_segs[d].start, vt_array_end()),
	    vm_phys_segs[d].end, blocklist_add, bl);
}

/* ---- boot ---------------------------------------------------------------- */

ATF_TC(boot_census_adds_up);
ATF_TC_HEAD(boot_census_adds_up, tc)
{
	atf_tc_set_md_var(tc, "descr", "After boot the free count, the "
	    "buddy census and the sysctls agree, and the census is the "
	    "model's: the largest aligned blocks above the page array");
}
ATF_TC_BODY(boot_census_adds_up, tc)
{
	int c[VM_NFREEORDER], want[VM_NFREEORDER];
	u_int nfree, nstolen;
	vm_page_t m;
	long i;

	vt_boot();
	ATF_REQUIRE_EQ(8192, vm_page_array_size);
	ATF_REQUIRE_EQ(8192, vm_page_count());
	ATF_REQUIRE_EQ(1, vm_phys_nsegs);
	ATF_REQUIRE_EQ(0, vm_phys_segs[0].start);
	ATF_REQUIRE_EQ(VT_PHYSMEM, vm_phys_segs[0].end);
	nstolen = vt_nstolen();
	ATF_REQUIRE(nstolen > 0 && nstolen < 8192);
	nfree = 8192 - nstolen;

	ATF_REQUIRE_EQ(nfree, vm_free_count());
	ATF_REQUIRE_EQ(nfree, vt_domain_free(0));
	vt_census(0, c);
	ATF_REQUIRE_EQ(nfree, vt_census_pages(c));
	vt_model_boot_census(0, NULL, 0, want);
	VT_REQUIRE_CENSUS_EQ(c, want);
	if (sizeof(struct vm_page) == 80) {
		/* 160 pages of array: blocks at 160, 192, 256, ... 4096. */
		static const int exact[VM_NFREEORDER] =
		    { 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1 };

		VT_REQUIRE_CENSUS_EQ(c, exact);
	}

	ATF_REQUIRE_EQ(8192, vt_stat("v_page_count"));
	ATF_REQUIRE_EQ(nfree, vt_stat("v_free_count"));
	ATF_REQUIRE_EQ(nstolen, vt_stat("v_wire_count"));
	ATF_REQUIRE_EQ(nstolen, vm_wire_count());
	ATF_REQUIRE_EQ(0, vt_stat("v_bad_count"));
	ATF_REQUIRE_EQ(0, vt_stat("v_active_count"));
	ATF_REQUIRE_EQ(0, vt_stat("v_inactive_count"));

	for (i = 0; i < vm_page_array_size; i++) {
		m = &vm_page_array[i];
		ATF_REQUIRE_EQ(ptoa(i), m->phys_addr);
		ATF_REQUIRE_EQ(0, m->domain);
		ATF_REQUIRE_EQ(PQ_NONE, vm_page_queue(m));
		if (i < (long)nstolen) {
			/* The array's own pages: wired kernel memory. */
			ATF_REQUIRE_EQ(1, atomic_load(&m->ref_count));
			ATF_REQUIRE(m->oflags & VPO_UNMANAGED);
			ATF_REQUIRE(!vm_page_busied(m));
			ATF_REQUIRE_EQ(VM_NFREEORDER, m->order);
		} else {
			/* Free, and known zero: fresh host memory. */
			ATF_REQUIRE_EQ(VPB_FREED, atomic_load(&m->busy_lock));
			ATF_REQUIRE_EQ(0, atomic_load(&m->ref_count));
			ATF_REQUIRE_EQ(PG_ZERO, atomic_load(&m->flags));
		}
	}
	vt_check_all();
	vm_shutdown();
}

ATF_TC(boot_arena_private_aligned_zero);
ATF_TC_HEAD(boot_arena_private_aligned_zero, tc)
{
	atf_tc_set_md_var(tc, "descr", "The arena is 2 MiB aligned (the "
	    "direct map can be huge pages), every page known zero reads "
	    "zero, and a host fork's child writing the arena changes "
	    "nothing its parent sees");
}
ATF_TC_BODY(boot_arena_private_aligned_zero, tc)
{
	const unsigned char *p;
	vm_page_t m;
	pid_t pid;
	long i;
	int off, status;

	vt_boot();
	ATF_REQUIRE_EQ(0, (uintptr_t)vm_dmap_base % ((uintptr_t)2 << 20));
	for (i = 0; i < vm_page_array_size; i++) {
		m = &vm_page_array[i];
		if ((atomic_load(&m->flags) & PG_ZERO) == 0)
			continue;
		p = PHYS_TO_DMAP(m->phys_addr);
		for (off = 0; off < PAGE_SIZE; off++)
			if (p[off] != 0)
				atf_tc_fail("page %ld byte %d is %#x, not zero",
				    i, off, p[off]);
	}
	/* The child scribbles on the last page and on the page array. */
	m = &vm_page_array[vm_page_array_size - 1];
	pid = fork();
	ATF_REQUIRE(pid >= 0);
	if (pid == 0) {
		memset(PHYS_TO_DMAP(m->phys_addr), 0xa5, PAGE_SIZE);
		m->order = 3;
		_exit(0);
	}
	ATF_REQUIRE_EQ(pid, waitpid(pid, &status, 0));
	ATF_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	p = PHYS_TO_DMAP(m->phys_addr);
	for (off = 0; off < PAGE_SIZE; off++)
		ATF_REQUIRE_EQ(0, p[off]);
	ATF_REQUIRE(m->order != 3);
	vt_check_all();
	vm_shutdown();
}

/* ---- buddy ----------------------------------------------------------------- */

ATF_TC(buddy_split_and_coalesce_every_order);
ATF_TC_HEAD(buddy_split_and_coalesce_every_order, tc)
{
	atf_tc_set_md_var(tc, "descr", "For every order, vm_phys_alloc_pages "
	    "takes the smallest block large enough, returns an aligned block, "
	    "leaves exactly one buddy of each order it split through, and "
	    "freeing the block restores the census exactly");
}
ATF_TC_BODY(buddy_split_and_coalesce_every_order, tc)
{
	struct vm_domain *vmd;
	struct blocklist bl;
	int before[VM_NFREEORDER], after[VM_NFREEORDER], want[VM_NFREEORDER];
	int k, j, i, src_order;
	vm_paddr_t pa;
	vm_page_t m, b;
	bool known;

	vt_boot();
	vmd = VM_DOMAIN(0);
	boot_blocks(0, &bl);
	for (k = 0; k < VM_NFREEORDER; k++) {
		/* The model's answer: the smallest order >= k on offer. */
		src_order = -1;
		for (i = 0; i < bl.n; i++)
			if (bl.order[i] >= k &&
			    (src_order < 0 || bl.order[i] < src_order))
				src_order = bl.order[i];
		ATF_REQUIRE_MSG(src_order >= 0, "no block of order >= %d", k);

		vm_domain_free_lock(vmd);
		vm_phys_free_census(0, before);
		m = vm_phys_alloc_pages(0, VM_FREEPOOL_DEFAULT, k);
		ATF_REQUIRE_MSG(m != NULL, "order %d: no block", k);
		pa = VM_PAGE_TO_PHYS(m);
		ATF_REQUIRE_MSG((pa & (((vm_paddr_t)PAGE_SIZE << k) - 1)) == 0,
		    "order %d block at %#jx is misaligned", k, (uintmax_t)pa);
		ATF_REQUIRE_EQ(VM_NFREEORDER, m->order);
		ATF_REQUIRE_EQ(VM_FREEPOOL_DEFAULT, m->pool);
		known = false;
		for (i = 0; i < bl.n; i++)
			if (bl.pa[i] == pa && bl.order[i] == src_order)
				known = true;
		ATF_REQUIRE_MSG(known, "order %d: got %#jx, not the head of an "
		    "order %d block", k, (uintmax_t)pa, src_order);
		/* Split from src_order down to k: one buddy per order. */
		for (j = k; j < src_order; j++) {
			b = PHYS_TO_VM_PAGE(pa + ((vm_paddr_t)PAGE_SIZE << j));
			ATF_REQUIRE_MSG(b->order == j, "order %d: buddy at "
			    "%#jx has order %d, want %d", k,
			    (uintmax_t)VM_PAGE_TO_PHYS(b), b->order, j);
			ATF_REQUIRE_EQ(VM_FREEPOOL_DEFAULT, b->pool);
		}
		for (j = 0; j < (1 << k); j++)
			ATF_REQUIRE_EQ(VM_NFREEORDER, m[j].order);
		vm_phys_free_census(0, after);
		memcpy(want, before, sizeof(want));
		want[src_order]--;
		for (j = k; j < src_order; j++)
			want[j]++;
		vm_phys_check(0);
		vm_domain_free_unlock(vmd);
		VT_REQUIRE_CENSUS_EQ(after, want);

		vm_domain_free_lock(vmd);
		vm_phys_free_pages(m, k);
		vm_phys_free_census(0, after);
		vm_phys_check(0);
		vm_domain_free_unlock(vmd);
		VT_REQUIRE_CENSUS_EQ(after, before);
		/* The source block is whole again. */
		ATF_REQUIRE_EQ(src_order, m->order);
	}
	vt_check_all();
	vm_shutdown();
}

/*
 * Take every free page with vm_phys_alloc_pages at random orders (falling
 * back to order 0), then free them in a seeded random order.
 */
static void
random_free_round(uint64_t seed, int maxorder)
{
	struct vm_domain *vmd = VM_DOMAIN(0);
	int boot[VM_NFREEORDER], c[VM_NFREEORDER], *orders, o;
	int zero[VM_NFREEORDER];
	vm_page_t *pages, m;
	size_t n = 0, i, j, cap = 8192;
	u_int taken = 0;

	memset(zero, 0, sizeof(zero));
	pages = calloc(cap, sizeof(*pages));
	orders = calloc(cap, sizeof(*orders));
	ATF_REQUIRE(pages != NULL && orders != NULL);
	vt_census(0, boot);

	vm_domain_free_lock(vmd);
	for (;;) {
		o = (int)(vt_rand(&seed) % (uint64_t)(maxorder + 1));
		m = vm_phys_alloc_pages(0, VM_FREEPOOL_DEFAULT, o);
		if (m == NULL) {
			o = 0;
			m = vm_phys_alloc_pages(0, VM_FREEPOOL_DEFAULT, 0);
		}
		if (m == NULL)
			break;
		ATF_REQUIRE(n < cap);
		pages[n] = m;
		orders[n] = o;
		n++;
		taken += 1u << o;
	}
	vm_phys_free_census(0, c);
	vm_phys_check(0);
	vm_domain_free_unlock(vmd);
	VT_REQUIRE_CENSUS_EQ(c, zero);
	ATF_REQUIRE_EQ(vt_census_pages(boot), taken);

	/* Shuffle the pairs together. */
	for (i = n; i > 1; i--) {
		j = (size_t)(vt_rand(&seed) % i);
		m = pages[i - 1]; pages[i - 1] = pages[j]; pages[j] = m;
		o = orders[i - 1]; orders[i - 1] = orders[j]; orders[j] = o;
	}
	vm_domain_free_lock(vmd);
	for (i = 0; i < n; i++) {
		vm_phys_free_pages(pages[i], orders[i]);
		if (i % 1024 == 0)
			vm_phys_check(0);
	}
	vm_phys_free_census(0, c);
	vm_phys_check(0);
	vm_domain_free_unlock(vmd);
	VT_REQUIRE_CENSUS_EQ(c, boot);
	free(pages);
	free(orders);
}

ATF_TC(buddy_random_free_order_coalesces);
ATF_TC_HEAD(buddy_random_free_order_coalesces, tc)
{
	atf_tc_set_md_var(tc, "descr", "All free pages taken one by one and "
	    "freed in random order (three seeds) coalesce back to exactly "
	    "the boot census");
}
ATF_TC_BODY(buddy_random_free_order_coalesces, tc)
{
	vt_boot();
	random_free_round(1, 0);
	random_free_round(0xdeadbeef, 0);
	random_free_round(42, 0);
	vt_check_all();
	vm_shutdown();
}

ATF_TC(buddy_random_mixed_orders_coalesce);
ATF_TC_HEAD(buddy_random_mixed_orders_coalesce, tc)
{
	atf_tc_set_md_var(tc, "descr", "Blocks of random orders 0..6 taken "
	    "until memory runs out and freed in random order coalesce back "
	    "to the boot census");
}
ATF_TC_BODY(buddy_random_mixed_orders_coalesce, tc)
{
	vt_boot();
	random_free_round(7, 6);
	random_free_round(1234567, 3);
	vt_check_all();
	vm_shutdown();
}

ATF_TC(buddy_pool_stealing);
ATF_TC_HEAD(buddy_pool_stealing, tc)
{
	atf_tc_set_md_var(tc, "descr", "An allocation from the empty direct "
	    "pool steals the largest default block, whose split remainder "
	    "becomes direct; the next direct allocation uses that remainder "
	    "and leaves the default blocks alone; freeing restores the "
	    "census");
}
ATF_TC_BODY(buddy_pool_stealing, tc)
{
	struct vm_domain *vmd;
	struct blocklist bl;
	int boot[VM_NFREEORDER], c[VM_NFREEORDER];
	vm_paddr_t big = 0;
	vm_page_t m1, m2, m3, b;
	int i, bigorder = -1, j;

	vt_boot();
	vmd = VM_DOMAIN(0);
	boot_blocks(0, &bl);
	for (i = 0; i < bl.n; i++) {
		ATF_REQUIRE_EQ(VM_FREEPOOL_DEFAULT,
		    PHYS_TO_VM_PAGE(bl.pa[i])->pool);
		if (bl.order[i] > bigorder) {
			bigorder = bl.order[i];
			big = bl.pa[i];
		}
	}
	ATF_REQUIRE_EQ(VM_NFREEORDER - 1, bigorder);
	vt_census(0, boot);

	vm_domain_free_lock(vmd);
	m1 = vm_phys_alloc_pages(0, VM_FREEPOOL_DIRECT, 0);
	ATF_REQUIRE(m1 != NULL);
	ATF_REQUIRE_EQ(big, VM_PAGE_TO_PHYS(m1));
	ATF_REQUIRE_EQ(VM_FREEPOOL_DIRECT, m1->pool);
	for (j = 0; j < bigorder; j++) {
		b = PHYS_TO_VM_PAGE(big + ((vm_paddr_t)PAGE_SIZE << j));
		ATF_REQUIRE_EQ(j, b->order);
		ATF_REQUIRE_EQ(VM_FREEPOOL_DIRECT, b->pool);
	}
	/* The other boot blocks are untouched and still default. */
	for (i = 0; i < bl.n; i++) {
		if (bl.pa[i] == big)
			continue;
		b = PHYS_TO_VM_PAGE(bl.pa[i]);
		ATF_REQUIRE_EQ(bl.order[i], b->order);
		ATF_REQUIRE_EQ(VM_FREEPOOL_DEFAULT, b->pool);
	}
	/* No second theft: the direct order-0 buddy is next. */
	m2 = vm_phys_alloc_pages(0, VM_FREEPOOL_DIRECT, 0);
	ATF_REQUIRE_EQ(big + PAGE_SIZE, VM_PAGE_TO_PHYS(m2));
	/* A default request still prefers default blocks. */
	m3 = vm_phys_alloc_pages(0, VM_FREEPOOL_DEFAULT, 0);
	ATF_REQUIRE(VM_PAGE_TO_PHYS(m3) < big ||
	    VM_PAGE_TO_PHYS(m3) >= big + ((vm_paddr_t)PAGE_SIZE << bigorder));
	ATF_REQUIRE_EQ(VM_FREEPOOL_DEFAULT, m3->pool);
	vm_phys_check(0);

	vm_phys_free_pages(m3, 0);
	vm_phys_free_pages(m2, 0);
	vm_phys_free_pages(m1, 0);
	vm_phys_check(0);
	vm_phys_free_census(0, c);
	vm_domain_free_unlock(vmd);
	VT_REQUIRE_CENSUS_EQ(c, boot);
	ATF_REQUIRE_EQ(bigorder, m1->order);
	vt_check_all();
	vm_shutdown();
}

ATF_TC(buddy_alloc_npages_returns_remainder);
ATF_TC_HEAD(buddy_alloc_npages_returns_remainder, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_phys_alloc_npages takes whole "
	    "blocks, smallest first, and frees the unused end of the last "
	    "one as aligned blocks");
}
ATF_TC_BODY(buddy_alloc_npages_returns_remainder, tc)
{
	struct vm_domain *vmd;
	struct blocklist bl;
	int boot[VM_NFREEORDER], c[VM_NFREEORDER], want[VM_NFREEORDER];
	vm_page_t ma[40];
	vm_paddr_t first, second;
	int i, n, o1, o2;

	vt_boot();
	vmd = VM_DOMAIN(0);
	boot_blocks(0, &bl);
	/* The two smallest boot blocks, which are the two lowest. */
	ATF_REQUIRE(bl.n >= 3);
	first = bl.pa[0];
	o1 = bl.order[0];
	second = bl.pa[1];
	o2 = bl.order[1];
	ATF_REQUIRE(o1 < o2);
	ATF_REQUIRE_MSG((1 << o1) < 40 && (1 << o1) + (1 << o2) > 40,
	    "layout changed: first blocks of order %d and %d", o1, o2);
	vt_census(0, boot);

	vm_domain_free_lock(vmd);
	n = vm_phys_alloc_npages(0, VM_FREEPOOL_DEFAULT, 40, ma);
	vm_phys_free_census(0, c);
	vm_phys_check(0);
	vm_domain_free_unlock(vmd);
	ATF_REQUIRE_EQ(40, n);
	for (i = 0; i < (1 << o1); i++)
		ATF_REQUIRE_EQ(first + ptoa(i), VM_PAGE_TO_PHYS(ma[i]));
	for (; i < 40; i++)
		ATF_REQUIRE_EQ(second + ptoa(i - (1 << o1)),
		    VM_PAGE_TO_PHYS(ma[i]));
	/* Model: the boot blocks minus both, plus the remainder's blocks. */
	memcpy(want, boot, sizeof(want));
	want[o1]--;
	want[o2]--;
	vt_model_blocks(second + ptoa(40 - (1 << o1)),
	    second + ((vm_paddr_t)PAGE_SIZE << o2), vt_model_count, want);
	VT_REQUIRE_CENSUS_EQ(c, want);

	vm_domain_free_lock(vmd);
	for (i = 0; i < 40; i++)
		vm_phys_free_pages(ma[i], 0);
	vm_phys_free_census(0, c);
	vm_phys_check(0);
	vm_domain_free_unlock(vmd);
	VT_REQUIRE_CENSUS_EQ(c, boot);
	vt_check_all();
	vm_shutdown();
}

/* ---- contiguous allocation ------------------------------------------------- */

static void
free_run(vm_page_t m, u_long npages)
{
	u_long i;

	for (i = 0; i < npages; i++)
		vm_page_free(&m[i]);
}

/* Check every promise of a successful contiguous allocation. */
static void
check_run(vm_page_t m, u_long npages, vm_paddr_t low, vm_paddr_t high,
    u_long alignment, vm_paddr_t boundary)
{
	vm_paddr_t pa = VM_PAGE_TO_PHYS(m), end = pa + ptoa(npages);
	u_long i;

	ATF_REQUIRE_MSG(pa >= low && end <= high, "run [%#jx, %#jx) outside "
	    "[%#jx, %#jx)", (uintmax_t)pa, (uintmax_t)end, (uintmax_t)low,
	    (uintmax_t)high);
	ATF_REQUIRE_MSG((pa & (alignment - 1)) == 0, "run at %#jx not "
	    "aligned to %#lx", (uintmax_t)pa, alignment);
	if (boundary != 0)
		ATF_REQUIRE_MSG((pa & ~(boundary - 1)) ==
		    ((end - 1) & ~(boundary - 1)), "run [%#jx, %#jx) crosses "
		    "a %#jx boundary", (uintmax_t)pa, (uintmax_t)end,
		    (uintmax_t)boundary);
	for (i = 0; i < npages; i++) {
		ATF_REQUIRE_EQ(pa + ptoa(i), VM_PAGE_TO_PHYS(&m[i]));
		ATF_REQUIRE_EQ(VPB_UNBUSIED, atomic_load(&m[i].busy_lock));
		ATF_REQUIRE_EQ(0, atomic_load(&m[i].ref_count));
		ATF_REQUIRE_EQ(VM_NFREEORDER, m[i].order);
		ATF_REQUIRE(m[i].oflags & VPO_UNMANAGED);
		ATF_REQUIRE_EQ(0, atomic_load(&m[i].flags) & PG_PCPUCACHE);
	}
}

ATF_TC(contig_constraints);
ATF_TC_HEAD(contig_constraints, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_alloc_noobj_contig results "
	    "lie in [low, high), are aligned, do not cross the boundary, are "
	    "consecutive pages, and each takes exactly npages free pages");
}
ATF_TC_BODY(contig_constraints, tc)
{
	static const struct {
		u_long		npages;
		vm_paddr_t	low, high;
		u_long		align;
		vm_paddr_t	boundary;
	} req[] = {
		{ 1, 0, ~(vm_paddr_t)0, PAGE_SIZE, 0 },
		{ 16, 4 << 20, 8 << 20, 64 << 10, 128 << 10 },
		{ 5, (1 << 20) + 0x3000, 2 << 20, PAGE_SIZE, 32 << 10 },
		{ 512, 0, ~(vm_paddr_t)0, 2 << 20, 0 },
		{ 3, 1 << 20, 17 << 20, 8 << 10, 16 << 10 },
		{ 100, 0, ~(vm_paddr_t)0, PAGE_SIZE, 1 << 20 },
		{ 1000, 16 << 20, 32 << 20, PAGE_SIZE, 0 },
		{ 7, 0, 1 << 20, PAGE_SIZE, 8 << 12 },
	};
	int boot[VM_NFREEORDER], c[VM_NFREEORDER];
	vm_page_t got[nitems(req) * 3];
	u_long total = 0;
	u_int free0;
	size_t r, k, n = 0;

	vt_boot();
	vt_census(0, boot);
	free0 = vm_free_count();
	for (k = 0; k < 3; k++)
		for (r = 0; r < nitems(req); r++) {
			u_int before = vm_free_count();
			vm_page_t m;

			m = vm_page_alloc_noobj_contig(VM_ALLOC_NORMAL,
			    req[r].npages, req[r].low, req[r].high,
			    req[r].align, req[r].boundary);
			ATF_REQUIRE_MSG(m != NULL, "request %zu round %zu "
			    "failed", r, k);
			check_run(m, req[r].npages, req[r].low, req[r].high,
			    req[r].align, req[r].boundary);
			ATF_REQUIRE_EQ(before - req[r].npages,
			    vm_free_count());
			got[n++] = m;
			total += req[r].npages;
		}
	ATF_REQUIRE_EQ(free0 - total, vm_free_count());
	vt_check_all();
	/* No two runs overlap: every page was free when taken (above). */
	n = 0;
	for (k = 0; k < 3; k++)
		for (r = 0; r < nitems(req); r++)
			free_run(got[n++], req[r].npages);
	ATF_REQUIRE_EQ(free0, vm_free_count());
	vm_page_pcpu_drain();
	vt_census(0, c);
	VT_REQUIRE_CENSUS_EQ(c, boot);
	vt_check_all();
	vm_shutdown();
}

ATF_TC(contig_exact_placement);
ATF_TC_HEAD(contig_exact_placement, tc)
{
	atf_tc_set_md_var(tc, "descr", "On a fresh boot the contiguous "
	    "allocator returns the lowest run that fits: low, alignment and "
	    "boundary push the run to exactly the expected address");
}
ATF_TC_BODY(contig_exact_placement, tc)
{
	vm_paddr_t a;
	vm_page_t m, m2;
	u_int free0;

	vt_boot();
	a = vt_array_end();
	ATF_REQUIRE(a + ptoa(64) <= (4 << 20));

	/* No constraint: the first free page. */
	m = vm_page_alloc_noobj_contig(VM_ALLOC_NORMAL, 1, 0, ~(vm_paddr_t)0,
	    PAGE_SIZE, 0);
	ATF_REQUIRE(m != NULL);
	ATF_REQUIRE_EQ(a, VM_PAGE_TO_PHYS(m));
	vm_page_free(m);
	vm_page_pcpu_drain();

	/* low inside a 16K window: 3 pages would cross, so next window. */
	m = vm_page_alloc_noobj_contig(VM_ALLOC_NORMAL, 3, (4 << 20) + 0x3000,
	    ~(vm_paddr_t)0, PAGE_SIZE, 16 << 10);
	ATF_REQUIRE(m != NULL);
	ATF_REQUIRE_EQ((4 << 20) + 0x4000, VM_PAGE_TO_PHYS(m));
	free_run(m, 3);

	/* Alignment rounds low up. */
	m = vm_page_alloc_noobj_contig(VM_ALLOC_NORMAL, 1, (4 << 20) + 0x1000,
	    ~(vm_paddr_t)0, 64 << 10, 0);
	ATF_REQUIRE(m != NULL);
	ATF_REQUIRE_EQ((4 << 20) + 0x10000, VM_PAGE_TO_PHYS(m));
	vm_page_free(m);

	/* high leaves room for exactly 32 pages above the page array. */
	vm_page_pcpu_drain();
	m = vm_page_alloc_noobj_contig(VM_ALLOC_NORMAL, 32, 0, a + ptoa(32),
	    PAGE_SIZE, 0);
	ATF_REQUIRE(m != NULL);
	ATF_REQUIRE_EQ(a, VM_PAGE_TO_PHYS(m));
	free0 = vm_free_count();
	m2 = vm_page_alloc_noobj_contig(VM_ALLOC_NORMAL, 1, 0, a + ptoa(32),
	    PAGE_SIZE, 0);
	ATF_REQUIRE(m2 == NULL);
	ATF_REQUIRE_EQ(free0, vm_free_count());
	free_run(m, 32);
	vt_check_all();
	vm_shutdown();
}

ATF_TC(contig_impossible_changes_nothing);
ATF_TC_HEAD(contig_impossible_changes_nothing, tc)
{
	atf_tc_set_md_var(tc, "descr", "Contiguous requests that cannot be "
	    "met (too many pages, empty or too small range, boundary smaller "
	    "than the run, bad alignment or boundary, zero pages, only the "
	    "page array below high) return NULL and leave the free count and "
	    "the census exactly as they were");
}
ATF_TC_BODY(contig_impossible_changes_nothing, tc)
{
	int boot[VM_NFREEORDER], c[VM_NFREEORDER];
	vm_paddr_t a, any = ~(vm_paddr_t)0;
	u_int free0;
	struct {
		int		req;
		u_long		npages;
		vm_paddr_t	low, high;
		u_long		align;
		vm_paddr_t	boundary;
	} bad[] = {
		{ VM_ALLOC_INTERRUPT, 0, 0, 0, PAGE_SIZE, 0 },	/* set below */
		{ VM_ALLOC_NORMAL, 1, 4 << 20, 4 << 20, PAGE_SIZE, 0 },
		{ VM_ALLOC_NORMAL, 1, 5 << 20, 4 << 20, PAGE_SIZE, 0 },
		{ VM_ALLOC_NORMAL, 3, 4 << 20, (4 << 20) + 0x2000, PAGE_SIZE,
		    0 },
		{ VM_ALLOC_NORMAL, 3, 0, 0, PAGE_SIZE, 8 << 10 },
		{ VM_ALLOC_NORMAL, 1, 0, 0, 3 * PAGE_SIZE, 0 },
		{ VM_ALLOC_NORMAL, 1, 0, 0, PAGE_SIZE / 2, 0 },
		{ VM_ALLOC_NORMAL, 1, 0, 0, 0, 0 },
		{ VM_ALLOC_NORMAL, 1, 0, 0, PAGE_SIZE, 3 * PAGE_SIZE },
		{ VM_ALLOC_NORMAL, 0, 0, 0, PAGE_SIZE, 0 },
		{ VM_ALLOC_NORMAL, 1, 0, 0, PAGE_SIZE, 0 },	/* high = a */
		{ VM_ALLOC_NORMAL, 1, 64 << 20, 0, PAGE_SIZE, 0 },
		{ VM_ALLOC_NORMAL, 4097, 0, 0, 16 << 20, 0 },
	};
	size_t i;
	vm_page_t m;

	vt_boot();
	a = vt_array_end();
	free0 = vm_free_count();
	bad[0].npages = free0 + 1;
	for (i = 0; i < nitems(bad); i++)
		if (bad[i].high == 0)
			bad[i].high = any;
	bad[10].high = a;
	vt_census(0, boot);
	for (i = 0; i < nitems(bad); i++) {
		m = vm_page_alloc_noobj_contig(bad[i].req, bad[i].npages,
		    bad[i].low, bad[i].high, bad[i].align, bad[i].boundary);
		ATF_REQUIRE_MSG(m == NULL, "request %zu succeeded at %#jx", i,
		    (uintmax_t)VM_PAGE_TO_PHYS(m));
		ATF_REQUIRE_EQ_MSG(free0, vm_free_count(), "request %zu", i);
		vt_census(0, c);
		VT_REQUIRE_CENSUS_EQ(c, boot);
		vt_check_all();
	}
	vm_shutdown();
}

/* Exhaust memory with the interrupt class; returns the page array. */
static vm_page_t *
take_everything(size_t *np)
{
	vm_page_t *pages, m;
	size_t n = 0, cap = (size_t)vm_page_count();

	pages = calloc(cap, sizeof(*pages));
	ATF_REQUIRE(pages != NULL);
	while ((m = vm_page_alloc_noobj(VM_ALLOC_INTERRUPT)) != NULL) {
		ATF_REQUIRE(n < cap);
		pages[n++] = m;
	}
	ATF_REQUIRE_EQ(0, vm_free_count());
	*np = n;
	return (pages);
}

ATF_TC(contig_fragmented_no_run);
ATF_TC_HEAD(contig_fragmented_no_run, tc)
{
	atf_tc_set_md_var(tc, "descr", "With every other page free, a "
	    "two-page run fails although thousands of pages are free; the "
	    "failure changes nothing and counts one v_pgfail");
}
ATF_TC_BODY(contig_fragmented_no_run, tc)
{
	int c[VM_NFREEORDER], want[VM_NFREEORDER], boot[VM_NFREEORDER];
	vm_page_t *pages, m;
	uint64_t fails;
	u_int nodd = 0;
	size_t n, i;

	vt_boot();
	vt_census(0, boot);
	pages = take_everything(&n);
	for (i = 0; i < n; i++)
		if (atop(VM_PAGE_TO_PHYS(pages[i])) % 2 == 1) {
			vm_page_free(pages[i]);
			pages[i] = NULL;
			nodd++;
		}
	vm_page_pcpu_drain();
	ATF_REQUIRE_EQ(nodd, vm_free_count());
	memset(want, 0, sizeof(want));
	want[0] = (int)nodd;
	vt_census(0, c);
	VT_REQUIRE_CENSUS_EQ(c, want);

	fails = vt_stat("v_pgfail");
	m = vm_page_alloc_noobj_contig(VM_ALLOC_INTERRUPT, 2, 0,
	    ~(vm_paddr_t)0, PAGE_SIZE, 0);
	ATF_REQUIRE(m == NULL);
	ATF_REQUIRE_EQ(fails + 1, vt_stat("v_pgfail"));
	ATF_REQUIRE_EQ(nodd, vm_free_count());
	vt_census(0, c);
	VT_REQUIRE_CENSUS_EQ(c, want);
	vt_check_all();

	/* One page still works. */
	m = vm_page_alloc_noobj_contig(VM_ALLOC_INTERRUPT, 1, 0,
	    ~(vm_paddr_t)0, PAGE_SIZE, 0);
	ATF_REQUIRE(m != NULL);
	ATF_REQUIRE_EQ(1, atop(VM_PAGE_TO_PHYS(m)) % 2);
	vm_page_free(m);

	for (i = 0; i < n; i++)
		if (pages[i] != NULL)
			vm_page_free(pages[i]);
	vm_page_pcpu_drain();
	vt_census(0, c);
	VT_REQUIRE_CENSUS_EQ(c, boot);
	vt_check_all();
	free(pages);
	vm_shutdown();
}

ATF_TC(contig_run_in_pcpu_caches);
ATF_TC_HEAD(contig_run_in_pcpu_caches, tc)
{
	atf_tc_set_md_var(tc, "descr", "When the only free run sits in a "
	    "per-CPU cache, the contiguous allocator drains the caches and "
	    "succeeds with exactly that run");
}
ATF_TC_BODY(contig_run_in_pcpu_caches, tc)
{
	int c[VM_NFREEORDER], zero[VM_NFREEORDER], boot[VM_NFREEORDER];
	vm_page_t *pages, m;
	vm_paddr_t run = 4 << 20;
	size_t n, i;
	u_int nfreed = 0;

	vt_boot();
	vt_census(0, boot);
	memset(zero, 0, sizeof(zero));
	pages = take_everything(&n);
	/* Free the 16 pages of [4M, 4M + 64K): they go to this CPU's cache. */
	for (i = 0; i < n; i++) {
		vm_paddr_t pa = VM_PAGE_TO_PHYS(pages[i]);

		if (pa >= run && pa < run + ptoa(16)) {
			vm_page_free(pages[i]);
			pages[i] = NULL;
			nfreed++;
		}
	}
	ATF_REQUIRE_EQ(16, nfreed);
	ATF_REQUIRE_EQ(16, vm_free_count());
	vt_census(0, c);
	VT_REQUIRE_CENSUS_EQ(c, zero);	/* nothing in the buddy lists */
	vt_check_all();

	m = vm_page_alloc_noobj_contig(VM_ALLOC_INTERRUPT, 16, 0,
	    ~(vm_paddr_t)0, 64 << 10, 0);
	ATF_REQUIRE(m != NULL);
	ATF_REQUIRE_EQ(run, VM_PAGE_TO_PHYS(m));
	check_run(m, 16, 0, ~(vm_paddr_t)0, 64 << 10, 0);
	ATF_REQUIRE_EQ(0, vm_free_count());
	vt_census(0, c);
	VT_REQUIRE_CENSUS_EQ(c, zero);
	vt_check_all();

	free_run(m, 16);
	for (i = 0; i < n; i++)
		if (pages[i] != NULL)
			vm_page_free(pages[i]);
	vm_page_pcpu_drain();
	vt_census(0, c);
	VT_REQUIRE_CENSUS_EQ(c, boot);
	vt_check_all();
	free(pages);
	vm_shutdown();
}

static void
huge_npages_child(void)
{
	vm_page_t m;
	u_int free0;

	vt_child_boot();
	free0 = vm_free_count();
	/* ptoa(2^52) wraps to 0 and (int)2^52 is 0. */
	m = vm_page_alloc_noobj_contig(VM_ALLOC_NORMAL, 1UL << 52, 0,
	    ~(vm_paddr_t)0, PAGE_SIZE, 0);
	if (m != NULL)
		_exit(1);
	if (vm_free_count() != free0)
		_exit(2);
	/* ptoa(2^52 + 1) is one page and (int) of it is 1. */
	m = vm_page_alloc_noobj_contig(VM_ALLOC_NORMAL, (1UL << 52) + 1, 0,
	    ~(vm_paddr_t)0, PAGE_SIZE, 0);
	if (m != NULL)
		_exit(3);
	if (vm_free_count() != free0)
		_exit(4);
	vm_page_check_all();
	vm_shutdown();
	_exit(0);
}

ATF_TC(contig_huge_npages_fails);
ATF_TC_HEAD(contig_huge_npages_fails, tc)
{
	atf_tc_set_md_var(tc, "descr", "A contiguous request for more pages "
	    "than a domain holds returns NULL and changes nothing, even when "
	    "ptoa(npages) wraps to 0 or one page and (int)npages truncates "
	    "(the first cut returned a free-list page and initialised 2^52 "
	    "page structures from it)");
}
ATF_TC_BODY(contig_huge_npages_fails, tc)
{
	vt_expect_exit0(huge_npages_child);
}

/* ---- domains --------------------------------------------------------------- */

static void
check_domain_layout(int nd)
{
	int c[VM_NFREEORDER], want[VM_NFREEORDER], d;
	vm_paddr_t dsize = VT_PHYSMEM / (vm_paddr_t)nd;
	uint64_t reserved = 0, fmin = 0;
	u_int total = 0, n;
	long i;

	vt_boot_cfg(VT_PHYSMEM, VT_NCPU, nd, NULL);
	ATF_REQUIRE_EQ(nd, vm_ndomains);
	ATF_REQUIRE_EQ(nd, vm_phys_nsegs);
	for (d = 0; d < nd; d++) {
		struct vm_domain *vmd = VM_DOMAIN(d);

		ATF_REQUIRE_EQ(dsize * (vm_paddr_t)d, vm_phys_segs[d].start);
		ATF_REQUIRE_EQ(dsize * (vm_paddr_t)(d + 1),
		    vm_phys_segs[d].end);
		ATF_REQUIRE_EQ(d, vm_phys_segs[d].domain);
		ATF_REQUIRE_EQ(atop(dsize), vmd->vmd_page_count);
		vt_census(d, c);
		vt_model_boot_census(d, NULL, 0, want);
		VT_REQUIRE_CENSUS_EQ(c, want);
		n = d == 0 ? (u_int)atop(dsize) - vt_nstolen() :
		    (u_int)atop(dsize);
		ATF_REQUIRE_EQ(n, vt_domain_free(d));
		ATF_REQUIRE_EQ(n, vt_census_pages(c));
		total += n;
		/* Thresholds scale with the domain (vm_page.c's formulas). */
		ATF_REQUIRE_EQ(2, vmd->vmd_interrupt_free_min);
		ATF_REQUIRE_EQ(34, vmd->vmd_pageout_free_min);
		ATF_REQUIRE_EQ(34 + vmd->vmd_page_count / 768,
		    vmd->vmd_free_reserved);
		ATF_REQUIRE_EQ(vmd->vmd_page_count / 200 +
		    vmd->vmd_free_reserved, vmd->vmd_free_min);
		reserved += vmd->vmd_free_reserved;
		fmin += vmd->vmd_free_min;
	}
	ATF_REQUIRE_EQ(total, vm_free_count());
	ATF_REQUIRE_EQ(total, vt_stat("v_free_count"));
	ATF_REQUIRE_EQ(8192, vt_stat("v_page_count"));
	ATF_REQUIRE_EQ(reserved, vt_stat("v_free_reserved"));
	ATF_REQUIRE_EQ(fmin, vt_stat("v_free_min"));
	for (i = 0; i < vm_page_array_size; i++) {
		vm_page_t m = &vm_page_array[i];

		d = (int)(m->phys_addr / dsize);
		ATF_REQUIRE_EQ_MSG(d, m->domain, "page %#jx",
		    (uintmax_t)m->phys_addr);
		ATF_REQUIRE_EQ(d, vm_phys_domain(m->phys_addr));
	}
	vt_check_all();
}

ATF_TC(domains_layout_2);
ATF_TC_HEAD(domains_layout_2, tc)
{
	atf_tc_set_md_var(tc, "descr", "Two domains: equal segments, every "
	    "page's domain is its segment's, per-domain census, free counts "
	    "and thresholds are exact");
}
ATF_TC_BODY(domains_layout_2, tc)
{
	check_domain_layout(2);
	vm_shutdown();
}

ATF_TC(domains_layout_4);
ATF_TC_HEAD(domains_layout_4, tc)
{
	atf_tc_set_md_var(tc, "descr", "Four domains: as domains_layout_2");
}
ATF_TC_BODY(domains_layout_4, tc)
{
	check_domain_layout(4);
	vm_shutdown();
}

static void
check_domain_alloc(int nd)
{
	u_int before[MAXMEMDOM];
	vm_page_t *pages, m;
	int d, e, i, n;

	vt_boot_cfg(VT_PHYSMEM, VT_NCPU, nd, NULL);
	pages = calloc(8192, sizeof(*pages));
	ATF_REQUIRE(pages != NULL);
	for (d = 0; d < nd; d++) {
		for (e = 0; e < nd; e++)
			before[e] = vt_domain_free(e);
		for (i = 0; i < 200; i++) {
			m = vm_page_alloc_noobj_domain(d, VM_ALLOC_NORMAL);
			ATF_REQUIRE(m != NULL);
			ATF_REQUIRE_EQ(d, m->domain);
			ATF_REQUIRE(VM_PAGE_TO_PHYS(m) >=
			    vm_phys_segs[d].start &&
			    VM_PAGE_TO_PHYS(m) < vm_phys_segs[d].end);
			pages[i] = m;
		}
		for (e = 0; e < nd; e++)
			ATF_REQUIRE_EQ(before[e] - (e == d ? 200 : 0),
			    vt_domain_free(e));
		vt_check_all();
		for (i = 0; i < 200; i++)
			vm_page_free(pages[i]);
		for (e = 0; e < nd; e++)
			ATF_REQUIRE_EQ(before[e], vt_domain_free(e));

		/* Exhausting one domain stops at its own reserve. */
		n = 0;
		while ((m = vm_page_alloc_noobj_domain(d, VM_ALLOC_NORMAL)) !=
		    NULL) {
			ATF_REQUIRE_EQ(d, m->domain);
			pages[n++] = m;
		}
		ATF_REQUIRE_EQ(VM_DOMAIN(d)->vmd_free_reserved,
		    vt_domain_free(d));
		ATF_REQUIRE_EQ(before[d] - VM_DOMAIN(d)->vmd_free_reserved,
		    (u_int)n);
		for (e = 0; e < nd; e++)
			if (e != d)
				ATF_REQUIRE_EQ(before[e], vt_domain_free(e));
		/* Contiguous in this domain only. */
		m = vm_page_alloc_noobj_contig_domain(d, VM_ALLOC_INTERRUPT, 4,
		    0, ~(vm_paddr_t)0, PAGE_SIZE, 0);
		ATF_REQUIRE(m != NULL);
		ATF_REQUIRE_EQ(d, m->domain);
		ATF_REQUIRE_EQ(d, m[3].domain);
		vt_check_all();
		for (i = 0; i < 4; i++)
			vm_page_free(&m[i]);
		for (i = 0; i < n; i++)
			vm_page_free(pages[i]);
		vm_page_pcpu_drain();
		ATF_REQUIRE_EQ(before[d], vt_domain_free(d));
	}
	vt_check_all();
	free(pages);
}

ATF_TC(domains_alloc_in_domain_only_2);
ATF_TC_HEAD(domains_alloc_in_domain_only_2, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_alloc_noobj_domain and "
	    "vm_page_alloc_noobj_contig_domain take pages of that domain "
	    "only and charge only its free count (two domains)");
}
ATF_TC_BODY(domains_alloc_in_domain_only_2, tc)
{
	check_domain_alloc(2);
	vm_shutdown();
}

ATF_TC(domains_alloc_in_domain_only_4);
ATF_TC_HEAD(domains_alloc_in_domain_only_4, tc)
{
	atf_tc_set_md_var(tc, "descr", "As domains_alloc_in_domain_only_2 "
	    "with four domains");
}
ATF_TC_BODY(domains_alloc_in_domain_only_4, tc)
{
	check_domain_alloc(4);
	vm_shutdown();
}

static void
check_round_robin(int nd)
{
	u_int before[MAXMEMDOM], per[MAXMEMDOM];
	vm_page_t pages[400];
	int d, i, n = 100 * nd;

	vt_boot_cfg(VT_PHYSMEM, VT_NCPU, nd, NULL);
	memset(per, 0, sizeof(per));
	for (d = 0; d < nd; d++)
		before[d] = vt_domain_free(d);
	for (i = 0; i < n; i++) {
		pages[i] = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
		ATF_REQUIRE(pages[i] != NULL);
		per[pages[i]->domain]++;
		/* Consecutive allocations visit the domains in turn. */
		if (i > 0)
			ATF_REQUIRE_EQ((pages[i - 1]->domain + 1) % nd,
			    pages[i]->domain);
	}
	for (d = 0; d < nd; d++) {
		ATF_REQUIRE_EQ(100, per[d]);
		ATF_REQUIRE_EQ(before[d] - 100, vt_domain_free(d));
	}
	vt_check_all();
	for (i = 0; i < n; i++)
		vm_page_free(pages[i]);
	for (d = 0; d < nd; d++)
		ATF_REQUIRE_EQ(before[d], vt_domain_free(d));
	vt_check_all();
}

ATF_TC(domains_round_robin_2);
ATF_TC_HEAD(domains_round_robin_2, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_alloc_noobj spreads "
	    "allocations round robin: 200 pages, 100 per domain");
}
ATF_TC_BODY(domains_round_robin_2, tc)
{
	check_round_robin(2);
	vm_shutdown();
}

ATF_TC(domains_round_robin_4);
ATF_TC_HEAD(domains_round_robin_4, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_alloc_noobj spreads "
	    "allocations round robin: 400 pages, 100 per domain");
}
ATF_TC_BODY(domains_round_robin_4, tc)
{
	check_round_robin(4);
	vm_shutdown();
}

ATF_TC(domains_contig_never_crosses);
ATF_TC_HEAD(domains_contig_never_crosses, tc)
{
	atf_tc_set_md_var(tc, "descr", "A contiguous run never spans two "
	    "domains even when both sides of the boundary are free");
}
ATF_TC_BODY(domains_contig_never_crosses, tc)
{
	vm_paddr_t b;
	vm_page_t m;
	u_int free0;

	vt_boot_cfg(VT_PHYSMEM, VT_NCPU, 2, NULL);
	b = vm_phys_segs[1].start;
	free0 = vm_free_count();
	m = vm_page_alloc_noobj_contig(VM_ALLOC_NORMAL, 8, b - ptoa(4),
	    b + ptoa(4), PAGE_SIZE, 0);
	ATF_REQUIRE(m == NULL);
	ATF_REQUIRE_EQ(free0, vm_free_count());
	/* Either half alone is fine. */
	m = vm_page_alloc_noobj_contig(VM_ALLOC_NORMAL, 4, b - ptoa(4),
	    b + ptoa(4), PAGE_SIZE, 0);
	ATF_REQUIRE(m != NULL);
	ATF_REQUIRE(VM_PAGE_TO_PHYS(m) == b - ptoa(4) ||
	    VM_PAGE_TO_PHYS(m) == b);
	ATF_REQUIRE_EQ(m->domain, m[3].domain);
	free_run(m, 4);
	vt_check_all();
	vm_shutdown();
}

/* ---- bad pages ------------------------------------------------------------- */

static void
check_blacklist(const char *want)
{
	char buf[256];
	size_t len = sizeof(buf);

	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.page_blacklist", buf, &len,
	    NULL, 0));
	ATF_REQUIRE_STREQ(want, buf);
}

/* Exhaust memory; no page handed out may be bad or handed out twice. */
static u_int
exhaust_avoiding(const vm_paddr_t *bad, int nbad)
{
	vm_page_t *pages;
	uint8_t *seen;
	size_t n, i;
	int j;

	pages = take_everything(&n);
	seen = calloc(8192, 1);
	ATF_REQUIRE(seen != NULL);
	for (i = 0; i < n; i++) {
		vm_paddr_t pa = VM_PAGE_TO_PHYS(pages[i]);

		for (j = 0; j < nbad; j++)
			ATF_REQUIRE_MSG(pa != bad[j], "bad page %#jx handed out",
			    (uintmax_t)pa);
		ATF_REQUIRE(seen[atop(pa)] == 0);
		seen[atop(pa)] = 1;
		ATF_REQUIRE_EQ(0, atomic_load(&pages[i]->flags) & PG_BAD);
	}
	vt_check_all();
	for (i = 0; i < n; i++)
		vm_page_free(pages[i]);
	free(pages);
	free(seen);
	return ((u_int)n);
}

ATF_TC(badpages_in_page_array);
ATF_TC_HEAD(badpages_in_page_array, tc)
{
	atf_tc_set_md_var(tc, "descr", "badpages \"0x5000,0x9000\" on 32 MiB: "
	    "both pages hold the page array, so they cannot be excluded; as "
	    "on FreeBSD they are skipped (not marked, not counted, not "
	    "listed) and the boot succeeds");
}
ATF_TC_BODY(badpages_in_page_array, tc)
{
	u_int nfree;

	vt_boot_cfg(VT_PHYSMEM, VT_NCPU, 1, "0x5000,0x9000");
	ATF_REQUIRE_EQ(0, vt_stat("v_bad_count"));
	ATF_REQUIRE_EQ(0, vm_phys_badpage_count());
	check_blacklist("");
	ATF_REQUIRE_EQ(0, atomic_load(&PHYS_TO_VM_PAGE(0x5000)->flags) &
	    PG_BAD);
	ATF_REQUIRE_EQ(0, atomic_load(&PHYS_TO_VM_PAGE(0x9000)->flags) &
	    PG_BAD);
	nfree = vm_free_count();
	ATF_REQUIRE_EQ(8192 - vt_nstolen(), nfree);
	vt_check_all();
	vm_shutdown();
}

ATF_TC(badpages_in_free_memory);
ATF_TC_HEAD(badpages_in_free_memory, tc)
{
	atf_tc_set_md_var(tc, "descr", "Bad pages in free memory (one named "
	    "twice) are left out of the free lists: the free count drops by "
	    "2, the census is the model's with two holes, exhausting memory "
	    "never returns them but does return their neighbours");
}
ATF_TC_BODY(badpages_in_free_memory, tc)
{
	static const vm_paddr_t bad[] = { 0x200000, 0x1005000 };
	int c[VM_NFREEORDER], want[VM_NFREEORDER];
	u_int nfree;

	vt_boot_cfg(VT_PHYSMEM, VT_NCPU, 1, "0x200000, 0x1005000,0x1005000");
	ATF_REQUIRE_EQ(2, vt_stat("v_bad_count"));
	check_blacklist("0x200000,0x1005000");
	nfree = 8192 - vt_nstolen() - 2;
	ATF_REQUIRE_EQ(nfree, vm_free_count());
	vt_census(0, c);
	vt_model_boot_census(0, bad, 2, want);
	VT_REQUIRE_CENSUS_EQ(c, want);
	ATF_REQUIRE_EQ(PG_BAD, atomic_load(&PHYS_TO_VM_PAGE(bad[0])->flags));
	ATF_REQUIRE_EQ(PG_BAD, atomic_load(&PHYS_TO_VM_PAGE(bad[1])->flags));
	ATF_REQUIRE_EQ(VM_NFREEORDER, PHYS_TO_VM_PAGE(bad[0])->order);
	ATF_REQUIRE_EQ(VM_NFREEORDER, PHYS_TO_VM_PAGE(bad[1])->order);
	vt_check_all();
	ATF_REQUIRE_EQ(nfree, exhaust_avoiding(bad, 2));
	ATF_REQUIRE_EQ(nfree, vm_free_count());
	vm_page_pcpu_drain();
	vt_census(0, c);
	VT_REQUIRE_CENSUS_EQ(c, want);
	vt_check_all();
	vm_shutdown();
}

ATF_TC(badpages_invalid_list_refused);
ATF_TC_HEAD(badpages_invalid_list_refused, tc)
{
	atf_tc_set_md_var(tc, "descr", "A malformed bad-page list or an "
	    "address outside physical memory makes vm_boot fail with EINVAL, "
	    "after which a normal boot works");
}
ATF_TC_BODY(badpages_invalid_list_refused, tc)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = VT_PHYSMEM;
	c.ncpu = VT_NCPU;
	c.badpages = "0x5000,junk";
	ATF_REQUIRE_EQ(EINVAL, vm_boot(&c));
	c.badpages = "0x2000000";
	ATF_REQUIRE_EQ(EINVAL, vm_boot(&c));
	c.badpages = "0x1fff000";
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	ATF_REQUIRE_EQ(1, vt_stat("v_bad_count"));
	ATF_REQUIRE_EQ(8192 - vt_nstolen() - 1, vm_free_count());
	vt_check_all();
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, boot_census_adds_up);
	ATF_TP_ADD_TC(tp, boot_arena_private_aligned_zero);
	ATF_TP_ADD_TC(tp, buddy_split_and_coalesce_every_order);
	ATF_TP_ADD_TC(tp, buddy_random_free_order_coalesces);
	ATF_TP_ADD_TC(tp, buddy_random_mixed_orders_coalesce);
	ATF_TP_ADD_TC(tp, buddy_pool_stealing);
	ATF_TP_ADD_TC(tp, buddy_alloc_npages_returns_remainder);
	ATF_TP_ADD_TC(tp, contig_constraints);
	ATF_TP_ADD_TC(tp, contig_exact_placement);
	ATF_TP_ADD_TC(tp, contig_impossible_changes_nothing);
	ATF_TP_ADD_TC(tp, contig_fragmented_no_run);
	ATF_TP_ADD_TC(tp, contig_run_in_pcpu_caches);
	ATF_TP_ADD_TC(tp, contig_huge_npages_fails);
	ATF_TP_ADD_TC(tp, domains_layout_2);
	ATF_TP_ADD_TC(tp, domains_layout_4);
	ATF_TP_ADD_TC(tp, domains_alloc_in_domain_only_2);
	ATF_TP_ADD_TC(tp, domains_alloc_in_domain_only_4);
	ATF_TP_ADD_TC(tp, domains_round_robin_2);
	ATF_TP_ADD_TC(tp, domains_round_robin_4);
	ATF_TP_ADD_TC(tp, domains_contig_never_crosses);
	ATF_TP_ADD_TC(tp, badpages_in_page_array);
	ATF_TP_ADD_TC(tp, badpages_in_free_memory);
	ATF_TP_ADD_TC(tp, badpages_invalid_list_refused);
	return (atf_no_error());
}
