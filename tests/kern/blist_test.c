/*
 * Tests of blist(9), the swap block allocator (sys/kern/subr_blist.c).
 *
 * A blist needs no booted libvm, so these cases drive it directly.  The
 * randomized cases run the blist and a reference model (a byte per block
 * and the same next-fit rule, by brute force) side by side from fixed
 * seeds: every allocation must return the same block and length, every
 * fill the same count, blist_avail the same number; every few operations
 * the whole state is compared block by block and run by run, and
 * blist_check() (the structure checker, a real walk in every build) runs
 * after each operation.  The sizes are chosen around the tree's
 * boundaries: 1 block, one leaf (64) and one more or less, one level-1
 * node (1024), one level-2 node (16384), and sizes that are multiples of
 * nothing.
 *
 * The huge case makes a blist of 2^32 blocks (16 TB of 4 KB pages) and
 * checks that creating, freeing and filling it is fast and touches only a
 * few pages of its 650 MB tree.
 *
 * Death cases fork (kern_test.h): the child does the forbidden thing, the
 * parent expects the panic and its message.
 */

#include "kern_test.h"	/* first: host headers before the kernel's */

#include <inttypes.h>
#include <stdlib.h>

#include <sys/blist.h>

/* ---- a seeded generator (splitmix64) ----------------------------------- */

static uint64_t rng_state;

static void
rng_seed(uint64_t seed)
{

	rng_state = seed;
}

static uint64_t
rng(void)
{
	uint64_t z;

	z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

/* Uniform in [0, n), n > 0. */
static swblk_t
rng_below(swblk_t n)
{

	return ((swblk_t)(rng() % (uint64_t)n));
}

/* ---- the model --------------------------------------------------------- */

struct model {
	swblk_t		blocks;
	swblk_t		avail;
	swblk_t		cursor;
	uint8_t		*isfree;
};

static void
model_init(struct model *m, swblk_t blocks)
{

	m->blocks = blocks;
	m->avail = 0;
	m->cursor = 0;
	m->isfree = calloc((size_t)blocks, 1);
	ATF_REQUIRE(m->isfree != NULL);
}

static void
model_fini(struct model *m)
{

	free(m->isfree);
}

/* The lowest p >= lo with [p, p + n) free. */
static swblk_t
model_find(const struct model *m, swblk_t lo, swblk_t n)
{
	swblk_t b, run;

	for (b = lo, run = 0; b < m->blocks; b++) {
		run = m->isfree[b] ? run + 1 : 0;
		if (run == n)
			return (b - n + 1);
	}
	return (SWAPBLK_NONE);
}

static swblk_t
model_alloc(struct model *m, int *count, int maxcount)
{
	swblk_t blk, len;

	blk = model_find(m, m->cursor, *count);
	if (blk == SWAPBLK_NONE && m->cursor != 0)
		blk = model_find(m, 0, *count);
	if (blk == SWAPBLK_NONE)
		return (SWAPBLK_NONE);
	for (len = 0; len < maxcount && blk + len < m->blocks &&
	    m->isfree[blk + len]; len++)
		m->isfree[blk + len] = 0;
	ATF_REQUIRE(len >= *count);
	m->avail -= len;
	m->cursor = blk + len == m->blocks ? 0 : blk + len;
	*count = (int)len;
	return (blk);
}

static void
model_free(struct model *m, swblk_t blk, swblk_t count)
{
	swblk_t b;

	for (b = blk; b < blk + count; b++) {
		ATF_REQUIRE_MSG(!m->isfree[b], "test bug: model frees free %jd",
		    (intmax_t)b);
		m->isfree[b] = 1;
	}
	m->avail += count;
}

static swblk_t
model_fill(struct model *m, swblk_t blk, swblk_t count)
{
	swblk_t b, n;

	for (b = blk, n = 0; b < blk + count; b++) {
		n += m->isfree[b];
		m->isfree[b] = 0;
	}
	m->avail -= n;
	return (n);
}

/* The blist holds exactly the model's free blocks and free runs. */
static void
compare(blist_t bl, const struct model *m)
{
	struct blist_stats bs;
	swblk_t b, maxrun, nruns, run;

	ATF_REQUIRE_EQ(m->avail, blist_avail(bl));
	for (b = 0; b < m->blocks; b++)
		ATF_REQUIRE_MSG(blist_isfree(bl, b) == (m->isfree[b] != 0),
		    "block %jd: blist says %s, model %s", (intmax_t)b,
		    blist_isfree(bl, b) ? "free" : "allocated",
		    m->isfree[b] ? "free" : "allocated");
	nruns = maxrun = run = 0;
	for (b = 0; b <= m->blocks; b++) {
		if (b < m->blocks && m->isfree[b]) {
			run++;
			continue;
		}
		if (run > 0) {
			nruns++;
			maxrun = MAX(maxrun, run);
		}
		run = 0;
	}
	blist_stats(bl, &bs);
	ATF_REQUIRE_EQ(m->blocks, bs.bs_blocks);
	ATF_REQUIRE_EQ(m->avail, bs.bs_avail);
	ATF_REQUIRE_EQ(nruns, bs.bs_nruns);
	ATF_REQUIRE_EQ(maxrun, bs.bs_maxrun);
	ATF_REQUIRE_EQ(m->cursor, bs.bs_cursor);
}

/* An allocation on both; their answers must agree. */
static swblk_t
both_alloc(blist_t bl, struct model *m, int count, int maxcount)
{
	swblk_t blk, mblk;
	int c, mc;

	c = mc = count;
	blk = blist_alloc(bl, &c, maxcount);
	mblk = model_alloc(m, &mc, maxcount);
	ATF_REQUIRE_MSG(blk == mblk && (blk == SWAPBLK_NONE || c == mc),
	    "alloc [%d, %d] of %jd blocks: blist gave %d at %jd, model %d at "
	    "%jd", count, maxcount, (intmax_t)m->blocks, c, (intmax_t)blk, mc,
	    (intmax_t)mblk);
	if (blk == SWAPBLK_NONE)
		ATF_REQUIRE_EQ(count, c);
	ATF_REQUIRE_EQ(m->avail, blist_avail(bl));
	return (blk);
}

static void
both_free(blist_t bl, struct model *m, swblk_t blk, swblk_t count)
{

	blist_free(bl, blk, count);
	model_free(m, blk, count);
	ATF_REQUIRE_EQ(m->avail, blist_avail(bl));
}

static void
both_fill(blist_t bl, struct model *m, swblk_t blk, swblk_t count)
{
	swblk_t n, mn;

	n = blist_fill(bl, blk, count);
	mn = model_fill(m, blk, count);
	ATF_REQUIRE_MSG(n == mn, "fill %jd at %jd: blist %jd, model %jd",
	    (intmax_t)count, (intmax_t)blk, (intmax_t)n, (intmax_t)mn);
	ATF_REQUIRE_EQ(m->avail, blist_avail(bl));
}

static blist_t
mkblist(swblk_t blocks)
{
	blist_t bl;

	bl = blist_create(blocks, M_WAITOK);
	ATF_REQUIRE(bl != NULL);
	blist_check(bl);
	return (bl);
}

/* ---- randomized runs against the model --------------------------------- */

/* A count for an allocation: mostly small, now and then long. */
static int
random_count(swblk_t blocks)
{
	swblk_t c;

	switch (rng_below(8)) {
	case 0:
		c = 1 + rng_below(MIN(blocks, 2000));
		break;
	case 1:
	case 2:
		c = 1 + rng_below(64);
		break;
	default:
		c = 1 + rng_below(8);
		break;
	}
	return ((int)c);
}

/* Frees part of the allocated run around a random block, if any. */
static void
random_free(blist_t bl, struct model *m)
{
	swblk_t b, e, s, lo, hi;

	b = rng_below(m->blocks);
	for (s = b; s < m->blocks && m->isfree[s]; s++)
		;
	if (s == m->blocks)
		return;
	/* [s, e): the allocated run through s, clipped to 1000 blocks. */
	for (e = s + 1; e < m->blocks && !m->isfree[e] && e - s < 500; e++)
		;
	while (s > 0 && !m->isfree[s - 1] && e - s < 1000)
		s--;
	if (rng_below(3) == 0) {
		lo = s;			/* the whole run */
		hi = e;
	} else {
		lo = s + rng_below(e - s);
		hi = lo + 1 + rng_below(MIN(e - lo, 100));
	}
	both_free(bl, m, lo, hi - lo);
}

static void
random_run(swblk_t blocks, int nops, uint64_t seed)
{
	struct model m;
	blist_t bl;
	swblk_t blk, len;
	int count, extra, i, op;

	rng_seed(seed);
	bl = mkblist(blocks);
	model_init(&m, blocks);
	compare(bl, &m);
	/* Swap-on: everything free but a label at the start, sometimes. */
	blk = rng_below(2) == 0 ? 0 : MIN(blocks - 1, 2);
	both_free(bl, &m, blk, blocks - blk);
	compare(bl, &m);
	for (i = 0; i < nops; i++) {
		/*
		 * Phases of 400: mostly allocating, then mostly freeing; at
		 * the end of every fourth, everything allocated is freed.
		 */
		op = (int)rng_below(100);
		if (i % 1600 == 1599) {
			for (blk = 0; blk < blocks; blk = len) {
				for (len = blk; len < blocks &&
				    !m.isfree[len]; len++)
					;
				if (len > blk)
					both_free(bl, &m, blk, len - blk);
				for (; len < blocks && m.isfree[len]; len++)
					;
			}
		} else if (op < ((i / 400) % 2 == 0 ? 85 : 30)) {
			count = random_count(blocks);
			extra = (int)rng_below(rng_below(4) == 0 ? 300 : 8);
			(void)both_alloc(bl, &m, count, count + extra);
		} else if (op < 95) {
			random_free(bl, &m);
		} else {
			blk = rng_below(blocks);
			len = 1 + rng_below(MIN(blocks - blk, 700));
			both_fill(bl, &m, blk, len);
		}
		blist_check(bl);
		if (i % 97 == 0)
			compare(bl, &m);
	}
	compare(bl, &m);
	blist_destroy(bl);
	model_fini(&m);
}

ATF_TC(random_small);
ATF_TC_HEAD(random_small, tc)
{
	KT_DESCR(tc, "Random allocs, frees and fills on blists of 1 to 1100 "
	    "blocks agree with a bitmap model, operation by operation");
}
ATF_TC_BODY(random_small, tc)
{
	static const swblk_t sizes[] = { 1, 2, 3, 63, 64, 65, 127, 128, 129,
	    1000, 1023, 1024, 1025, 1100 };
	size_t i;

	for (i = 0; i < nitems(sizes); i++)
		random_run(sizes[i], 3000, 0xb1157000 + i);
}

ATF_TC(random_large);
ATF_TC_HEAD(random_large, tc)
{
	KT_DESCR(tc, "Random allocs, frees and fills on blists of 16383 to "
	    "70001 blocks (two and three meta levels) agree with the model");
}
ATF_TC_BODY(random_large, tc)
{
	static const swblk_t sizes[] = { 16383, 16384, 16385, 70001 };
	size_t i;

	for (i = 0; i < nitems(sizes); i++)
		random_run(sizes[i], 4000, 0x5eed0000 + i);
}

/* ---- deterministic cases ----------------------------------------------- */

ATF_TC(create_all_allocated);
ATF_TC_HEAD(create_all_allocated, tc)
{
	KT_DESCR(tc, "A new blist has every block allocated; freeing all of "
	    "it makes one free run; blist_alloc fails only when nothing fits");
}
ATF_TC_BODY(create_all_allocated, tc)
{
	static const swblk_t sizes[] = { 1, 64, 65, 1024, 16385, 300000 };
	struct blist_stats bs;
	blist_t bl;
	swblk_t blk;
	size_t i;
	int count;

	for (i = 0; i < nitems(sizes); i++) {
		bl = mkblist(sizes[i]);
		ATF_REQUIRE_EQ(sizes[i], blist_blocks(bl));
		ATF_REQUIRE_EQ(0, blist_avail(bl));
		ATF_REQUIRE(!blist_isfree(bl, 0));
		ATF_REQUIRE(!blist_isfree(bl, sizes[i] - 1));
		count = 1;
		ATF_REQUIRE_EQ(SWAPBLK_NONE, blist_alloc(bl, &count, 1));
		ATF_REQUIRE_EQ(1, count);
		blist_stats(bl, &bs);
		ATF_REQUIRE_EQ(0, bs.bs_nruns);
		ATF_REQUIRE_EQ(1, bs.bs_nodes);	/* the root alone */

		blist_free(bl, 0, sizes[i]);
		blist_check(bl);
		ATF_REQUIRE_EQ(sizes[i], blist_avail(bl));
		blist_stats(bl, &bs);
		ATF_REQUIRE_EQ(1, bs.bs_nruns);
		ATF_REQUIRE_EQ(sizes[i], bs.bs_maxrun);
		ATF_REQUIRE_EQ(1, bs.bs_hist[63 - __builtin_clzll(
		    (uint64_t)sizes[i])]);

		/* More than there is never fits; all of it does. */
		if (sizes[i] < INT_MAX) {
			count = (int)sizes[i] + 1;
			ATF_REQUIRE_EQ(SWAPBLK_NONE,
			    blist_alloc(bl, &count, count));
			count = (int)sizes[i];
			blk = blist_alloc(bl, &count, count);
			ATF_REQUIRE_EQ(0, blk);
			ATF_REQUIRE_EQ(sizes[i], count);
			ATF_REQUIRE_EQ(0, blist_avail(bl));
			blist_check(bl);
		}
		blist_destroy(bl);
	}
}

ATF_TC(next_fit);
ATF_TC_HEAD(next_fit, tc)
{
	KT_DESCR(tc, "Allocations go forward from the cursor (the end of the "
	    "last one), skip what does not fit, and wrap to block 0");
}
ATF_TC_BODY(next_fit, tc)
{
	blist_t bl;
	swblk_t b;
	int count;

	bl = mkblist(1000);
	blist_free(bl, 0, 1000);
	/* One block at a time: 0, 1, 2, ... in order. */
	for (b = 0; b < 1000; b++) {
		count = 1;
		ATF_REQUIRE_EQ(b, blist_alloc(bl, &count, 1));
	}
	count = 1;
	ATF_REQUIRE_EQ(SWAPBLK_NONE, blist_alloc(bl, &count, 1));
	blist_check(bl);

	/*
	 * Free 10 at 100 and 5 at 500: the cursor is at 0 (wrapped), so 3
	 * blocks come from 100; 8 blocks fit neither after 103 (7 left
	 * there, 5 at 500) nor from 0.
	 */
	blist_free(bl, 100, 10);
	blist_free(bl, 500, 5);
	count = 3;
	ATF_REQUIRE_EQ(100, blist_alloc(bl, &count, 3));
	count = 8;
	ATF_REQUIRE_EQ(SWAPBLK_NONE, blist_alloc(bl, &count, 8));
	ATF_REQUIRE_EQ(8, count);
	/* From the cursor: 103, then 105 (4 of the 5 left there). */
	count = 2;
	ATF_REQUIRE_EQ(103, blist_alloc(bl, &count, 2));
	count = 4;
	ATF_REQUIRE_EQ(105, blist_alloc(bl, &count, 4));
	/* From 109: 1 block there is too short for 2; 500 is next. */
	count = 2;
	ATF_REQUIRE_EQ(500, blist_alloc(bl, &count, 2));
	count = 1;
	ATF_REQUIRE_EQ(502, blist_alloc(bl, &count, 1));
	/* maxcount takes what is there: 2 left at 503. */
	count = 1;
	ATF_REQUIRE_EQ(503, blist_alloc(bl, &count, 100));
	ATF_REQUIRE_EQ(2, count);
	/* Nothing after 505: the search wraps and finds 109. */
	count = 1;
	ATF_REQUIRE_EQ(109, blist_alloc(bl, &count, 100));
	ATF_REQUIRE_EQ(1, count);
	ATF_REQUIRE_EQ(0, blist_avail(bl));
	blist_check(bl);

	/* The last block: the cursor wraps to 0 after it. */
	blist_free(bl, 999, 1);
	blist_free(bl, 0, 1);
	count = 1;
	ATF_REQUIRE_EQ(999, blist_alloc(bl, &count, 5));
	ATF_REQUIRE_EQ(1, count);
	count = 1;
	ATF_REQUIRE_EQ(0, blist_alloc(bl, &count, 5));
	blist_check(bl);
	blist_destroy(bl);
}

static const int run_lens[] = { 1, 2, 31, 63, 64, 65, 100, 1000, 1024,
    1025, 4096, 16384, 65536 };

/* Where the hole for a run of run_lens[i] + 1 goes: across boundaries. */
static swblk_t
hole_at(size_t i)
{

	if (run_lens[i] < 4096)		/* across 16384 * (i + 1) */
		return (16384 * (swblk_t)(i + 1) - run_lens[i] / 2 - 1);
	if (run_lens[i] == 4096)	/* across 16384 * 11 */
		return (16384 * 11 - 2049);
	return (16384 * 14 - 8193);	/* 16385 blocks across 16384 * 14 */
}

ATF_TC(contiguous_runs);
ATF_TC_HEAD(contiguous_runs, tc)
{
	KT_DESCR(tc, "Runs up to the whole blist, across leaves and meta "
	    "nodes, are found at the lowest address that has them");
}
ATF_TC_BODY(contiguous_runs, tc)
{
	blist_t bl;
	swblk_t b, blocks, cursor;
	size_t i;
	int count;

	blocks = 300000;
	bl = mkblist(blocks);
	blist_free(bl, 0, blocks);
	/* Every length fits at the cursor in a free blist, as asked. */
	for (i = 0, cursor = 0; i < nitems(run_lens); i++) {
		count = run_lens[i];
		ATF_REQUIRE_EQ(cursor, blist_alloc(bl, &count, run_lens[i]));
		ATF_REQUIRE_EQ(run_lens[i], count);
		blist_free(bl, cursor, count);
		cursor += count;
		blist_check(bl);
	}
	/* The whole blist in one call (after a wrap), then nothing. */
	count = (int)blocks;
	ATF_REQUIRE_EQ(0, blist_alloc(bl, &count, INT_MAX));
	ATF_REQUIRE_EQ(blocks, count);
	count = 1;
	ATF_REQUIRE_EQ(SWAPBLK_NONE, blist_alloc(bl, &count, 1));

	/*
	 * Holes that straddle leaf (64), level-1 (1024) and level-2 (16384)
	 * boundaries, each a block longer than the one before, then requests
	 * of those lengths: each lands in the first hole long enough,
	 * however the tree cuts it.
	 */
	for (i = 0; i < nitems(run_lens) - 1; i++)
		blist_free(bl, hole_at(i), run_lens[i] + 1);
	blist_check(bl);
	for (i = 0; i < nitems(run_lens) - 1; i++) {
		count = run_lens[i] + 1;
		b = blist_alloc(bl, &count, count);
		ATF_REQUIRE_EQ_MSG(hole_at(i), b, "run of %d", run_lens[i] + 1);
		ATF_REQUIRE_EQ(run_lens[i] + 1, count);
		blist_check(bl);
	}
	ATF_REQUIRE_EQ(0, blist_avail(bl));
	blist_destroy(bl);
}

ATF_TC(fragmentation);
ATF_TC_HEAD(fragmentation, tc)
{
	KT_DESCR(tc, "With every other block free nothing of 2 fits; holes of "
	    "1, 2, 3, ... blocks serve requests exactly; maxcount stops at a "
	    "hole's end");
}
ATF_TC_BODY(fragmentation, tc)
{
	struct blist_stats bs;
	blist_t bl;
	swblk_t b, blocks, at;
	int count, n;

	blocks = 20000;
	bl = mkblist(blocks);
	for (b = 0; b < blocks; b += 2)
		blist_free(bl, b, 1);
	blist_check(bl);
	blist_stats(bl, &bs);
	ATF_REQUIRE_EQ(blocks / 2, bs.bs_nruns);
	ATF_REQUIRE_EQ(1, bs.bs_maxrun);
	ATF_REQUIRE_EQ(blocks / 2, bs.bs_hist[0]);
	count = 2;
	ATF_REQUIRE_EQ(SWAPBLK_NONE, blist_alloc(bl, &count, 2));
	/* Singles come out in order, whatever maxcount says. */
	for (b = 0; b < blocks; b += 2) {
		count = 1;
		ATF_REQUIRE_EQ(b, blist_alloc(bl, &count, 64));
		ATF_REQUIRE_EQ(1, count);
	}
	ATF_REQUIRE_EQ(0, blist_avail(bl));
	blist_check(bl);

	/* Holes of 1, 2, ..., 150 blocks, one allocated block apart. */
	for (n = 1, at = 0; n <= 150; at += n + 1, n++)
		blist_free(bl, at, n);
	blist_check(bl);
	/*
	 * The largest first: 150 (from 0: nothing after the cursor), then
	 * 149 (nothing after 150's hole either), ...: hole n is at
	 * 2 + 3 + ... + n = (n - 1)(n + 2) / 2.
	 */
	for (n = 150; n >= 1; n--) {
		count = n;
		b = blist_alloc(bl, &count, n);
		ATF_REQUIRE_EQ_MSG((swblk_t)(n - 1) * (n + 2) / 2, b,
		    "a run of %d", n);
		ATF_REQUIRE_EQ(n, count);
	}
	ATF_REQUIRE_EQ(0, blist_avail(bl));
	blist_check(bl);
	blist_destroy(bl);
}

ATF_TC(boundary_sizes);
ATF_TC_HEAD(boundary_sizes, tc)
{
	KT_DESCR(tc, "Blists of sizes at and around every tree boundary hand "
	    "out each block exactly once and take them all back");
}
ATF_TC_BODY(boundary_sizes, tc)
{
	static const swblk_t sizes[] = { 1, 2, 63, 64, 65, 1023, 1024, 1025,
	    16383, 16384, 16385, 262143, 262144, 262145, 1000003 };
	struct blist_stats bs;
	uint8_t *seen;
	blist_t bl;
	swblk_t b, blocks;
	size_t i;
	int count;

	for (i = 0; i < nitems(sizes); i++) {
		blocks = sizes[i];
		seen = calloc((size_t)blocks, 1);
		ATF_REQUIRE(seen != NULL);
		bl = mkblist(blocks);
		blist_free(bl, 0, blocks);
		/* Runs of 1 to 37, each placed right after the last. */
		for (b = 0; b < blocks; b += count) {
			count = 1;
			ATF_REQUIRE_EQ(b, blist_alloc(bl, &count,
			    1 + (int)(b % 37)));
			ATF_REQUIRE(count == MIN(blocks - b, 1 + b % 37));
		}
		count = 1;
		ATF_REQUIRE_EQ(SWAPBLK_NONE, blist_alloc(bl, &count, 1));
		blist_check(bl);
		/* Every block back, in a scattered order. */
		for (b = 0; b < blocks; b++) {
			swblk_t x = (b * 7919) % blocks;

			if (blocks % 7919 == 0)
				x = b;
			ATF_REQUIRE(!seen[x]);
			seen[x] = 1;
			blist_free(bl, x, 1);
		}
		blist_check(bl);
		ATF_REQUIRE_EQ(blocks, blist_avail(bl));
		blist_stats(bl, &bs);
		ATF_REQUIRE_EQ(1, bs.bs_nruns);
		/* Last block alone, then the first. */
		ATF_REQUIRE_EQ(1, blist_fill(bl, 0, 1));
		ATF_REQUIRE_EQ(blocks - 1, blist_fill(bl, 0, blocks));
		blist_free(bl, blocks - 1, 1);
		count = 1;
		ATF_REQUIRE_EQ(blocks - 1, blist_alloc(bl, &count, 10));
		ATF_REQUIRE_EQ(1, count);
		blist_check(bl);
		blist_destroy(bl);
		free(seen);
	}
}

ATF_TC(fill_counts);
ATF_TC_HEAD(fill_counts, tc)
{
	KT_DESCR(tc, "blist_fill allocates a range free or not and returns "
	    "how many of its blocks were free");
}
ATF_TC_BODY(fill_counts, tc)
{
	blist_t bl;
	swblk_t b, n;
	int count;

	bl = mkblist(100000);
	ATF_REQUIRE_EQ(0, blist_fill(bl, 0, 100000));	/* nothing free */
	ATF_REQUIRE_EQ(0, blist_fill(bl, 5, 0));
	blist_free(bl, 0, 100000);
	ATF_REQUIRE_EQ(100000, blist_fill(bl, 0, 100000));
	ATF_REQUIRE_EQ(0, blist_avail(bl));
	blist_free(bl, 0, 100000);
	/* Every third block allocated, then fills over the pattern. */
	for (b = 0; b < 100000; b += 3)
		ATF_REQUIRE_EQ(1, blist_fill(bl, b, 1));
	blist_check(bl);
	ATF_REQUIRE_EQ(100000 - 33334, blist_avail(bl));
	/* [1, 7): 1 2 4 5 were free (3 was not, nor 6). */
	ATF_REQUIRE_EQ(4, blist_fill(bl, 1, 6));
	ATF_REQUIRE_EQ(0, blist_fill(bl, 1, 6));
	/* A long range: two thirds of it were free. */
	n = blist_fill(bl, 3000, 60000);
	ATF_REQUIRE_EQ(40000, n);
	blist_check(bl);
	ATF_REQUIRE_EQ(100000 - 33334 - 4 - 40000, blist_avail(bl));
	/* Nothing is handed out twice: a fill beats the cursor. */
	count = 2;
	b = blist_alloc(bl, &count, 2);
	ATF_REQUIRE_EQ(7, b);
	ATF_REQUIRE_EQ(1, blist_fill(bl, 10, 1));
	count = 2;
	ATF_REQUIRE_EQ(13, blist_alloc(bl, &count, 2));
	/* Fill the rest: the count is what blist_avail had. */
	n = blist_avail(bl);
	ATF_REQUIRE_EQ(n, blist_fill(bl, 0, 100000));
	ATF_REQUIRE_EQ(0, blist_avail(bl));
	blist_check(bl);
	blist_destroy(bl);
}

/* Resident pages of this process. */
static long
resident_pages(void)
{
	FILE *fp;
	long size, res;

	fp = fopen("/proc/self/statm", "r");
	if (fp == NULL)
		return (-1);
	if (fscanf(fp, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(fp);
	return (res);
}

ATF_TC(huge_sparse);
ATF_TC_HEAD(huge_sparse, tc)
{
	KT_DESCR(tc, "A blist of 2^32 blocks is made, freed, filled and used "
	    "at both ends in moments, touching a few pages of its tree");
}
ATF_TC_BODY(huge_sparse, tc)
{
	const swblk_t blocks = (swblk_t)1 << 32;
	struct blist_stats bs;
	blist_t bl;
	swblk_t b;
	long res0, res1;
	int count, i;
	uint64_t t0;

	res0 = resident_pages();
	t0 = kt_now_ns();
	bl = blist_create(blocks, M_NOWAIT);
	if (bl == NULL)
		atf_tc_skip("no address space for a 2^32-block tree");
	blist_stats(bl, &bs);
	ATF_REQUIRE(bs.bs_bytes > (size_t)(blocks / 8));
	ATF_REQUIRE_EQ(1, bs.bs_nodes);
	blist_check(bl);

	/* Swap-on: all free but the first block. */
	blist_free(bl, 1, blocks - 1);
	blist_check(bl);
	ATF_REQUIRE_EQ(blocks - 1, blist_avail(bl));
	blist_stats(bl, &bs);
	ATF_REQUIRE_EQ(1, bs.bs_nruns);
	ATF_REQUIRE_EQ(blocks - 1, bs.bs_maxrun);
	ATF_REQUIRE_MSG(bs.bs_nodes < 200, "%ju nodes in use",
	    (uintmax_t)bs.bs_nodes);

	/* A thousand page-outs of 32 blocks: from block 1 on, in order. */
	for (i = 0; i < 1000; i++) {
		count = 32;
		ATF_REQUIRE_EQ(1 + 32 * (swblk_t)i,
		    blist_alloc(bl, &count, 32));
		ATF_REQUIRE_EQ(32, count);
	}
	/* The last blocks, one run across the end of the tree's levels. */
	blist_fill(bl, 32001, blocks - 32001 - 100);
	count = 100;
	ATF_REQUIRE_EQ(blocks - 100, blist_alloc(bl, &count, INT_MAX));
	ATF_REQUIRE_EQ(100, count);
	ATF_REQUIRE_EQ(0, blist_avail(bl));
	blist_check(bl);
	/* Full: the tree shrinks back to what the borders need. */
	blist_stats(bl, &bs);
	ATF_REQUIRE_MSG(bs.bs_nodes < 200, "%ju nodes in use when full",
	    (uintmax_t)bs.bs_nodes);

	/* Mostly free again, with holes in three far-apart places. */
	blist_free(bl, 0, blocks);
	for (b = 0; b < 3; b++)
		ATF_REQUIRE_EQ(10, blist_fill(bl, b * (blocks / 3) + 7, 10));
	blist_check(bl);
	ATF_REQUIRE_EQ(blocks - 30, blist_avail(bl));
	count = (int)(blocks / 3 - 10);
	ATF_REQUIRE_EQ(17, blist_alloc(bl, &count, INT_MAX));
	ATF_REQUIRE_EQ(blocks / 3 - 10, count);
	blist_check(bl);
	blist_stats(bl, &bs);
	ATF_REQUIRE_MSG(bs.bs_nodes < 400, "%ju nodes in use",
	    (uintmax_t)bs.bs_nodes);

	ATF_REQUIRE_MSG(kt_now_ns() - t0 < 2000000000ull,
	    "took %ju ms", (uintmax_t)((kt_now_ns() - t0) / 1000000));
	res1 = resident_pages();
	if (res0 > 0 && res1 > 0)
		ATF_REQUIRE_MSG(res1 - res0 < (16 << 20) / getpagesize(),
		    "%ld pages resident after, %ld before (the tree is %zu "
		    "bytes)", res1, res0, bs.bs_bytes);
	blist_destroy(bl);
}

ATF_TC(stays_small);
ATF_TC_HEAD(stays_small, tc)
{
	KT_DESCR(tc, "The nodes in use follow the fragmentation, not the size: "
	    "a mostly free or mostly full blist uses few");
}
ATF_TC_BODY(stays_small, tc)
{
	struct blist_stats bs;
	blist_t bl;
	swblk_t b, blocks;
	uint64_t full;
	int count;

	blocks = 1 << 22;	/* 4096 level-1 nodes, 65536 leaves */
	bl = mkblist(blocks);
	blist_free(bl, 0, blocks);
	/* Fragment it all: every 64th block allocated. */
	for (b = 0; b < blocks; b += 64)
		ATF_REQUIRE_EQ(1, blist_fill(bl, b, 1));
	blist_stats(bl, &bs);
	full = bs.bs_nodes;
	ATF_REQUIRE(full > (uint64_t)blocks / 64);
	/* Allocate nearly everything: down to the borders of 3 holes. */
	count = 63;
	while (blist_alloc(bl, &count, 63) != SWAPBLK_NONE)
		count = 63;
	blist_free(bl, 1000, 5);
	blist_free(bl, blocks / 2 + 1, 10);
	blist_free(bl, blocks - 63, 63);
	blist_check(bl);
	blist_stats(bl, &bs);
	ATF_REQUIRE_EQ(3, bs.bs_nruns);
	ATF_REQUIRE_MSG(bs.bs_nodes < 200, "%ju nodes when mostly full "
	    "(%ju when fragmented)", (uintmax_t)bs.bs_nodes, (uintmax_t)full);
	/* And nearly all free. */
	blist_free(bl, 0, 1000);
	blist_free(bl, 1005, blocks / 2 + 1 - 1005);
	blist_free(bl, blocks / 2 + 11, blocks - 63 - (blocks / 2 + 11));
	blist_fill(bl, 77777, 3);
	blist_check(bl);
	blist_stats(bl, &bs);
	ATF_REQUIRE_EQ(2, bs.bs_nruns);
	ATF_REQUIRE_EQ(blocks - 3, blist_avail(bl));
	ATF_REQUIRE_MSG(bs.bs_nodes < 150, "%ju nodes when mostly free",
	    (uintmax_t)bs.bs_nodes);
	blist_destroy(bl);
}

ATF_TC(resize);
ATF_TC_HEAD(resize, tc)
{
	KT_DESCR(tc, "blist_resize keeps the free blocks below the new size "
	    "and makes the new ones free or allocated as asked");
}
ATF_TC_BODY(resize, tc)
{
	struct model m;
	blist_t bl;
	swblk_t b;
	int i;

	rng_seed(42);
	bl = mkblist(5000);
	model_init(&m, 5000);
	both_free(bl, &m, 0, 5000);
	for (i = 0; i < 300; i++)
		both_fill(bl, &m, rng_below(4990), 1 + rng_below(10));
	compare(bl, &m);

	/* Grow, new blocks allocated. */
	ATF_REQUIRE_EQ(0, blist_resize(&bl, 20000, 0, M_WAITOK));
	blist_check(bl);
	ATF_REQUIRE_EQ(20000, blist_blocks(bl));
	ATF_REQUIRE_EQ(m.avail, blist_avail(bl));
	for (b = 0; b < 20000; b++)
		ATF_REQUIRE(blist_isfree(bl, b) == (b < 5000 && m.isfree[b]));
	/* Shrink below the old size. */
	ATF_REQUIRE_EQ(0, blist_resize(&bl, 3000, 1, M_WAITOK));
	blist_check(bl);
	for (b = 0; b < 3000; b++)
		ATF_REQUIRE(blist_isfree(bl, b) == (m.isfree[b] != 0));
	/* Grow, new blocks free. */
	ATF_REQUIRE_EQ(0, blist_resize(&bl, 70000, 1, M_NOWAIT));
	blist_check(bl);
	for (b = 0; b < 70000; b++)
		ATF_REQUIRE(blist_isfree(bl, b) ==
		    (b >= 3000 || m.isfree[b] != 0));
	blist_destroy(bl);
	model_fini(&m);
}

ATF_TC(print);
ATF_TC_HEAD(print, tc)
{
	KT_DESCR(tc, "blist_print dumps the nodes in use");
}
ATF_TC_BODY(print, tc)
{
	char buf[16384];
	blist_t bl;
	FILE *fp;
	size_t n;

	bl = mkblist(5000);
	blist_free(bl, 0, 5000);
	ATF_REQUIRE_EQ(3, blist_fill(bl, 1030, 3));
	fp = tmpfile();
	ATF_REQUIRE(fp != NULL);
	blist_print(bl, fp);
	rewind(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	ATF_REQUIRE_MSG(strstr(buf, "5000 blocks, 4997 free") != NULL, "%s",
	    buf);
	ATF_REQUIRE_MSG(strstr(buf, "[0, 1024) level 1: all free") != NULL,
	    "%s", buf);
	ATF_REQUIRE_MSG(strstr(buf, "[1024, 1088) leaf fffffffffffffe3f") !=
	    NULL, "%s", buf);
	blist_destroy(bl);
}

/* ---- panics ------------------------------------------------------------ */

static void
double_free_child(void *arg)
{
	swblk_t *r = arg;
	blist_t bl;

	bl = blist_create(100000, M_WAITOK);
	blist_free(bl, 0, 100000);
	blist_fill(bl, 500, 4000);
	blist_fill(bl, 20000, 1);
	blist_free(bl, r[0], r[1]);	/* r[2] in it is free */
}

static void
bad_range_child(void *arg)
{
	swblk_t *r = arg;
	blist_t bl;

	bl = blist_create(1000, M_WAITOK);
	if (r[2] == 0)
		blist_free(bl, r[0], r[1]);
	else
		(void)blist_fill(bl, r[0], r[1]);
}

static void
bad_count_child(void *arg)
{
	int *c = arg;
	blist_t bl;
	int count;

	bl = blist_create(1000, M_WAITOK);
	blist_free(bl, 0, 1000);
	count = c[0];
	(void)blist_alloc(bl, &count, c[1]);
}

ATF_TC(free_free_panics);
ATF_TC_HEAD(free_free_panics, tc)
{
	KT_DESCR(tc, "Freeing a free block panics and names it, in a leaf, "
	    "in a wholly free node, or at the edge of a longer range");
}
ATF_TC_BODY(free_free_panics, tc)
{
	swblk_t r[][3] = {
		{ 100, 1, 100 },	/* inside a leaf */
		{ 499, 2, 499 },	/* the first block of a range */
		{ 4400, 200, 4500 },	/* the last ones of a range */
		{ 20000, 1024, 20001 },	/* across leaves */
		{ 16384, 16384, 16384 },/* a whole level-2 node, partly free */
		{ 32768, 16384, 32768 },/* a whole level-2 node, all free */
		{ 0, 100000, 0 },	/* everything */
	};
	char needle[64];
	size_t i;

	for (i = 0; i < nitems(r); i++) {
		snprintf(needle, sizeof(needle), "block %jd is already free",
		    (intmax_t)r[i][2]);
		kt_expect_panic(double_free_child, r[i], needle);
	}
}

ATF_TC(bad_arguments_panic);
ATF_TC_HEAD(bad_arguments_panic, tc)
{
	KT_DESCR(tc, "Ranges outside the blist and impossible counts panic in "
	    "every build");
}
ATF_TC_BODY(bad_arguments_panic, tc)
{
	swblk_t r[][3] = {
		{ -1, 1, 0 },
		{ 999, 2, 0 },
		{ 1000, 1, 0 },
		{ 0, -1, 0 },
		{ 0, 1001, 1 },
		{ 2000, 0, 1 },
		{ INT64_MAX, 2, 1 },
	};
	int c[][2] = { { 0, 5 }, { -3, 5 }, { 6, 5 } };
	size_t i;

	for (i = 0; i < nitems(r); i++)
		kt_expect_panic(bad_range_child, r[i], r[i][2] == 0 ?
		    "blist_free: blist" : "blist_fill: blist");
	for (i = 0; i < nitems(c); i++)
		kt_expect_panic(bad_count_child, c[i], "blist_alloc: blist");
}

ATF_TP_ADD_TCS(tp)
{

	ATF_TP_ADD_TC(tp, random_small);
	ATF_TP_ADD_TC(tp, random_large);
	ATF_TP_ADD_TC(tp, create_all_allocated);
	ATF_TP_ADD_TC(tp, next_fit);
	ATF_TP_ADD_TC(tp, contiguous_runs);
	ATF_TP_ADD_TC(tp, fragmentation);
	ATF_TP_ADD_TC(tp, boundary_sizes);
	ATF_TP_ADD_TC(tp, fill_counts);
	ATF_TP_ADD_TC(tp, huge_sparse);
	ATF_TP_ADD_TC(tp, stays_small);
	ATF_TP_ADD_TC(tp, resize);
	ATF_TP_ADD_TC(tp, print);
	ATF_TP_ADD_TC(tp, free_free_panics);
	ATF_TP_ADD_TC(tp, bad_arguments_panic);
	return (atf_no_error());
}
