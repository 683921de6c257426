/*
 * blist(9): a radix tree of bitmaps that allocates runs of swap blocks
 * (the interface of Matthew Dillon's blist in FreeBSD, with FreeBSD 13's
 * blist_alloc; see blist.h for the contracts).
 *
 * What it does.  A blist keeps one bit per block of a device, 1 for free,
 * and answers "give me n to m contiguous free blocks" quickly however
 * large and however fragmented the device is.  The swap pager calls it
 * with its device lock held, on the page-out path, when memory is short:
 * so nothing here sleeps, and after blist_create nothing allocates.
 *
 * The shape.  The bits live in leaves, one 64-bit word each (block b is
 * bit b % 64 of leaf b / 64).  Above them, meta nodes of 16 children,
 * level by level up to a single root: a level-k node covers
 * span(k) = 64 * 16^k blocks, [j * span(k), (j + 1) * span(k)) for the
 * j-th node of its level, and its children are nodes 16j .. 16j + 15 of
 * the level below.  Each level is one array, so there are no pointers:
 *
 *	level 2            [ 0 ]                          root: 16384 blocks
 *	level 1   [ 0 ][ 1 ] ... [ 15 ]                   1024 blocks each
 *	leaves    [0]..[15][16]..[31] ... [255]           64 blocks each
 *
 * A blist of n blocks has ceil(n / 64) leaves and ceil(n' / 16) nodes on
 * each level above a level of n' nodes, up to one; the blocks and the
 * child slots past the end do not exist and count as allocated (the last
 * leaf's bits past the end are 0, the last node's missing children are
 * never read).  One block has a tree of one leaf and no meta node.
 *
 * What a meta node knows.  Four exact numbers about the blocks it covers:
 *	bm_free		how many are free;
 *	bm_first	the free run at its start (span(k) when all free);
 *	bm_last		the free run at its end;
 *	bm_big		the longest free run inside it.
 * A node's numbers follow from its children's in one pass over them (a
 * leaf's from its word: popcount, count of trailing ones, of leading
 * ones, longest run by shift-and doubling); every change recomputes the
 * nodes above it, 16 reads per level.  FreeBSD keeps less: per node a
 * bitmap of the children with a free block and a "bighint", an upper
 * bound on the longest allocation that can start below it, lowered only
 * when a search there fails; so its searches may descend in vain, probe
 * the following leaves for a run that crosses a leaf's end, and take at
 * most 64 blocks at once.  Exact numbers, with bm_first and bm_last
 * carried across siblings, make the search below one walk that never
 * misses a run of any length.
 *
 * Uniform nodes.  A node whose blocks are all free (bm_free == span) or
 * all allocated (bm_free == 0) is uniform, and then nothing below it is
 * read: its children are stale, whatever they hold.  These are Dillon's
 * two "collapsed" states.  An operation covering a node wholly just sets
 * it uniform (O(1), whatever the size); one that needs to look inside a
 * uniform node first pushes its state down into its children (16 writes)
 * and then works on them.  So the nodes in use, those not under a uniform
 * node, are the ones on the borders between free and allocated space: a
 * fresh blist is one uniform root, freeing the whole device touches one
 * path, and the tree grows with fragmentation, not with size.
 *
 * Memory.  The whole tree (ceil(n / 64) * 8 bytes of leaves, a quarter
 * of that again in 32-byte meta nodes: 1.27 bits a block, 41 KB for 1 GB
 * of 4 KB pages) is one allocation made by blist_create, and nothing is
 * allocated afterwards: the page-out path must never wait for memory.
 * It comes from the host's malloc, not kmalloc: kmalloc's large sizes are
 * wired pages of libvm's own physical memory, a few megabytes in most
 * configurations, which a large swap device would eat; and a blist is
 * useful, and tested, without a booted libvm.  Nothing is ever read
 * before it is written (only nodes not under a uniform one are read, and
 * a push-down writes them first), so the allocation is not zeroed; for a
 * large blist it is fresh host mappings, and the pages of the tree
 * nobody uses are never touched: a blist of 2^32 blocks (16 TB of swap)
 * reserves 650 MB of address space and, mostly free or mostly full, uses
 * a few pages of it.
 *
 * The search (blist_alloc).  Find the lowest p >= lo with [p, p + n)
 * free: a walk in block order that carries `run', the length of the free
 * run (at or after lo) ending where the walk is.  At a node wholly at or
 * after lo:
 *	- if run + bm_first >= n, the answer is the start of that run;
 *	- else if bm_big < n, no answer starts here: skip the node, run
 *	  becomes run + span (all free) or bm_last;
 *	- else the answer is inside: descend, carrying run.
 * A node that straddles lo is entered with run 0 and only its children
 * from lo on are looked at (in the leaf, the bits below lo are masked).
 * A leaf finds in-word runs of n by shift-and doubling.  The walk descends
 * along the path of lo and then at most once more, for the answer: each
 * search reads O(16 * height) nodes.  blist_alloc then measures the run
 * at p up to maxcount (the same walk, summing bm_first of wholly free
 * nodes), and marks it allocated.  Next fit, as FreeBSD's: lo is the
 * cursor, the block after the previous allocation, and a search that
 * fails there is repeated from 0.
 *
 * Frees and fills.  One recursive walk over the range: wholly covered
 * nodes are set uniform (a free panics if the node had any free block),
 * partly covered ones are pushed down if uniform, recursed into, and
 * recomputed.  O(16 * height) nodes for any range.  A free of a free
 * block panics with its number whatever the build: a block handed out
 * twice means two pages on one slot.
 *
 * Locking.  None.  The owner serializes every call (the swap pager with
 * its device mutex); the tree has no lock and no atomics.
 *
 * Invariants (blist_check; under INVARIANTS also run after a mutation
 * once the mutations since the last check exceed the nodes it visited):
 * every meta node not under a uniform one holds exactly the numbers its
 * children give; a uniform node's numbers are those of its state; no
 * node counts more free blocks than it has real blocks (so a node that
 * reaches past the end is never all free); the last leaf has no bit set
 * past the end; the root's free count is bl_avail; the cursor is inside
 * the blist.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <sys/systm.h>
#include <sys/blist.h>

#define	BLIST_BMAP_SHIFT	6
#define	BLIST_BMAP_RADIX	(1 << BLIST_BMAP_SHIFT)	/* blocks a leaf */
#define	BLIST_META_SHIFT	4
#define	BLIST_META_RADIX	(1 << BLIST_META_SHIFT)	/* children a node */

/*
 * Meta levels at most: BLIST_MAX_BLOCKS (2^60) blocks are 2^54 leaves,
 * one root 14 levels of 16 above them (span(14) = 2^62 still fits).
 */
#define	BLIST_MAXLEVELS		14

CTASSERT(BLIST_MAX_BLOCKS <=
    ((swblk_t)BLIST_BMAP_RADIX << (BLIST_META_SHIFT * BLIST_MAXLEVELS)));
CTASSERT(BLIST_HIST_BUCKETS > 60);	/* log2(BLIST_MAX_BLOCKS) */

typedef uint64_t	blbitmap_t;	/* a leaf: bit i set, block i free */

#define	BLBITMAP_ALLFREE	(~(blbitmap_t)0)

/* A meta node: its blocks' numbers (see the top of the file). */
struct blmeta {
	uint64_t	bm_free;	/* free blocks */
	uint64_t	bm_first;	/* free run from the first block */
	uint64_t	bm_last;	/* free run to the last block */
	uint64_t	bm_big;		/* longest free run */
};

/*
 * The blist and, in the same allocation, its tree (whose nodes are all
 * (o)).
 *
 * Locking legend:
 *	(c)	constant after creation
 *	(o)	the owner's lock (the swap pager's device mutex)
 */
struct blist {
	swblk_t		bl_blocks;		/* (c) blocks [0, bl_blocks) */
	swblk_t		bl_avail;		/* (o) free blocks */
	swblk_t		bl_cursor;		/* (o) next fit starts here */
	int		bl_height;		/* (c) meta levels; 0: the
						   root is leaf 0 */
	size_t		bl_bytes;		/* (c) the allocation */
	blbitmap_t	*bl_leaf;		/* (c) level 0 */
	struct blmeta	*bl_meta[BLIST_MAXLEVELS + 1]; /* (c) levels 1.. */
	swblk_t		bl_nnodes[BLIST_MAXLEVELS + 1]; /* (c) per level */
	uint64_t	bl_nmods;		/* (o) since the last check */
	uint64_t	bl_checkcost;		/* (o) nodes it visited */
};

static void	blist_check_locked(blist_t bl);

/* ---- arithmetic -------------------------------------------------------- */

/* Blocks covered by a node of level k (a leaf: k = 0). */
static inline swblk_t
blst_span(int k)
{

	return ((swblk_t)BLIST_BMAP_RADIX << (BLIST_META_SHIFT * k));
}

/* Bits [lo, lo + n) of a word, 0 < n, lo + n <= 64. */
static inline blbitmap_t
blst_bitrange(int lo, int n)
{

	return ((n == BLIST_BMAP_RADIX ? BLBITMAP_ALLFREE :
	    ((blbitmap_t)1 << n) - 1) << lo);
}

/* Free blocks at the start of a leaf. */
static inline uint64_t
blst_leaf_first(blbitmap_t w)
{

	return (w == BLBITMAP_ALLFREE ? BLIST_BMAP_RADIX :
	    (uint64_t)__builtin_ctzll(~w));
}

/* Free blocks at the end of a leaf. */
static inline uint64_t
blst_leaf_last(blbitmap_t w)
{

	return (w == BLBITMAP_ALLFREE ? BLIST_BMAP_RADIX :
	    (uint64_t)__builtin_clzll(~w));
}

/*
 * The bits i of w such that bits [i, i + n) are all set, 1 <= n <= 64.
 * x holds the starts of runs of len; x & (x >> s) those of len + s, for
 * s <= len; so len doubles until it reaches n.
 */
static inline blbitmap_t
blst_runs(blbitmap_t w, int n)
{
	blbitmap_t x;
	int len, s;

	x = w;
	for (len = 1; len < n && x != 0; len += s) {
		s = MIN(len, n - len);
		x &= x >> s;
	}
	return (x);
}

/* The longest run of set bits in w: doubling, then binary search. */
static uint64_t
blst_leaf_big(blbitmap_t w)
{
	blbitmap_t x, y;
	int len, s;

	if (w == 0 || w == BLBITMAP_ALLFREE)
		return (w == 0 ? 0 : BLIST_BMAP_RADIX);
	/* Now 1 <= longest < 64.  x: starts of runs of len. */
	x = w;
	for (len = 1; (y = x & (x >> len)) != 0; len *= 2)
		x = y;
	/* Runs of len exist, of 2 * len do not. */
	for (s = len / 2; s > 0; s /= 2) {
		if ((y = x & (x >> s)) != 0) {
			x = y;
			len += s;
		}
	}
	return (len);
}

/* ---- nodes ------------------------------------------------------------- */

/* Children of node j of level k >= 1 that exist. */
static inline int
blst_nchild(blist_t bl, int k, swblk_t j)
{
	swblk_t n;

	n = bl->bl_nnodes[k - 1] - j * BLIST_META_RADIX;
	return (n >= BLIST_META_RADIX ? BLIST_META_RADIX : (int)n);
}

static inline bool
blst_meta_uniform(const struct blmeta *m, int k)
{

	return (m->bm_free == 0 || m->bm_free == (uint64_t)blst_span(k));
}

/* The numbers of node j of level k, computed for a leaf. */
static inline void
blst_numbers(blist_t bl, int k, swblk_t j, struct blmeta *m)
{
	blbitmap_t w;

	if (k > 0) {
		*m = bl->bl_meta[k][j];
		return;
	}
	w = bl->bl_leaf[j];
	m->bm_free = (uint64_t)__builtin_popcountll(w);
	m->bm_first = blst_leaf_first(w);
	m->bm_last = blst_leaf_last(w);
	m->bm_big = blst_leaf_big(w);
}

/* Node j of level k: all free or all allocated. */
static void
blst_set_uniform(blist_t bl, int k, swblk_t j, bool isfree)
{
	struct blmeta *m;
	uint64_t n;

	if (k == 0) {
		bl->bl_leaf[j] = isfree ? BLBITMAP_ALLFREE : 0;
		return;
	}
	n = isfree ? (uint64_t)blst_span(k) : 0;
	m = &bl->bl_meta[k][j];
	m->bm_free = m->bm_first = m->bm_last = m->bm_big = n;
}

/* A uniform node's state into its children, which become valid. */
static void
blst_push_down(blist_t bl, int k, swblk_t j)
{
	const struct blmeta *m = &bl->bl_meta[k][j];
	bool isfree;
	int i, n;

	KASSERT(blst_meta_uniform(m, k),
	    ("blst_push_down: blist %p: node %jd of level %d is not uniform "
	    "(%ju free)", (void *)bl, (intmax_t)j, k, (uintmax_t)m->bm_free));
	isfree = m->bm_free != 0;
	n = blst_nchild(bl, k, j);
	KASSERT(!isfree || n == BLIST_META_RADIX,
	    ("blst_push_down: blist %p: node %jd of level %d is all free "
	    "with %d children", (void *)bl, (intmax_t)j, k, n));
	for (i = 0; i < n; i++)
		blst_set_uniform(bl, k - 1, j * BLIST_META_RADIX + i, isfree);
}

/*
 * The numbers of node j of level k >= 1 from its children (valid ones:
 * the node is not uniform, or was just pushed down).  Missing children
 * count as allocated.
 */
static void
blst_compute(blist_t bl, int k, swblk_t j, struct blmeta *out)
{
	struct blmeta c;
	uint64_t big, cspan, first, run;
	bool infirst;
	int i, n;

	cspan = (uint64_t)blst_span(k - 1);
	n = blst_nchild(bl, k, j);
	out->bm_free = 0;
	big = first = run = 0;
	infirst = true;
	for (i = 0; i < n; i++) {
		blst_numbers(bl, k - 1, j * BLIST_META_RADIX + i, &c);
		out->bm_free += c.bm_free;
		if (c.bm_free == cspan) {	/* the run goes on through it */
			run += cspan;
			continue;
		}
		if (infirst) {
			first = run + c.bm_first;
			infirst = false;
		}
		big = MAX(big, MAX(run + c.bm_first, c.bm_big));
		run = c.bm_last;
	}
	big = MAX(big, run);
	if (infirst)
		first = run;
	out->bm_first = first;
	out->bm_last = n == BLIST_META_RADIX ? run : 0;
	out->bm_big = big;
}

static inline void
blst_recompute(blist_t bl, int k, swblk_t j)
{

	blst_compute(bl, k, j, &bl->bl_meta[k][j]);
}

/* The first free block of node j of level k, which has one. */
static swblk_t
blst_first_free(blist_t bl, int k, swblk_t j)
{
	const struct blmeta *m;
	swblk_t c;
	int i, n;

	for (; k > 0; k--, j = c) {
		m = &bl->bl_meta[k][j];
		if (m->bm_free == (uint64_t)blst_span(k))
			return (j * blst_span(k));
		n = blst_nchild(bl, k, j);
		for (i = 0, c = j * BLIST_META_RADIX; i < n; i++, c++) {
			if (k - 1 == 0 ? bl->bl_leaf[c] != 0 :
			    bl->bl_meta[k - 1][c].bm_free != 0)
				break;
		}
		KASSERT(i < n, ("blst_first_free: blist %p: node %jd of level "
		    "%d counts %ju free blocks, its children none", (void *)bl,
		    (intmax_t)j, k, (uintmax_t)m->bm_free));
	}
	return (j * BLIST_BMAP_RADIX + __builtin_ctzll(bl->bl_leaf[j]));
}

/* ---- frees and fills --------------------------------------------------- */

struct blst_range {
	blist_t		br_bl;
	swblk_t		br_start;	/* [start, end) */
	swblk_t		br_end;
	bool		br_free;	/* blist_free, else blist_fill */
};

static void __dead2
blst_free_panic(const struct blst_range *r, swblk_t blk)
{

	panic("blist_free: blist %p: block %jd is already free (freeing "
	    "%jd blocks at %jd)", (void *)r->br_bl, (intmax_t)blk,
	    (intmax_t)(r->br_end - r->br_start), (intmax_t)r->br_start);
}

/* Applies r to leaf j; returns the blocks whose state changed. */
static swblk_t
blst_leaf_range(const struct blst_range *r, swblk_t j)
{
	blbitmap_t mask, *w;
	swblk_t ls;
	int hi, lo;

	w = &r->br_bl->bl_leaf[j];
	ls = j * BLIST_BMAP_RADIX;
	lo = (int)(MAX(r->br_start, ls) - ls);
	hi = (int)(MIN(r->br_end, ls + BLIST_BMAP_RADIX) - ls);
	mask = blst_bitrange(lo, hi - lo);
	if (r->br_free) {
		if ((*w & mask) != 0)
			blst_free_panic(r, ls + __builtin_ctzll(*w & mask));
		*w |= mask;
		return (hi - lo);
	}
	hi = __builtin_popcountll(*w & mask);	/* were free */
	*w &= ~mask;
	return (hi);
}

/* Applies r to node j of level k >= 1, which it overlaps. */
static swblk_t
blst_meta_range(const struct blst_range *r, int k, swblk_t j)
{
	struct blmeta *m;
	swblk_t c, c1, cspan, n, ns, span;

	m = &r->br_bl->bl_meta[k][j];
	span = blst_span(k);
	ns = j * span;
	if (r->br_start <= ns && ns + span <= r->br_end) {
		/* Wholly covered: now uniform. */
		if (r->br_free) {
			if (m->bm_free != 0)
				blst_free_panic(r,
				    blst_first_free(r->br_bl, k, j));
			blst_set_uniform(r->br_bl, k, j, true);
			return (span);
		}
		n = (swblk_t)m->bm_free;
		blst_set_uniform(r->br_bl, k, j, false);
		return (n);
	}
	if (blst_meta_uniform(m, k))
		blst_push_down(r->br_bl, k, j);
	cspan = blst_span(k - 1);
	c = j * BLIST_META_RADIX + (MAX(r->br_start, ns) - ns) / cspan;
	c1 = j * BLIST_META_RADIX +
	    (MIN(r->br_end, ns + span) - 1 - ns) / cspan;
	for (n = 0; c <= c1; c++)
		n += k == 1 ? blst_leaf_range(r, c) :
		    blst_meta_range(r, k - 1, c);
	blst_recompute(r->br_bl, k, j);
	return (n);
}

static swblk_t
blst_range(blist_t bl, swblk_t start, swblk_t count, bool isfree)
{
	struct blst_range r;

	r.br_bl = bl;
	r.br_start = start;
	r.br_end = start + count;
	r.br_free = isfree;
	if (bl->bl_height == 0)
		return (blst_leaf_range(&r, 0));
	return (blst_meta_range(&r, bl->bl_height, 0));
}

/* ---- the search -------------------------------------------------------- */

struct blst_find {
	blist_t		bf_bl;
	swblk_t		bf_lo;		/* runs start at or after it */
	uint64_t	bf_n;		/* blocks wanted */
	uint64_t	bf_run;		/* free run (>= lo) ending here */
};

static swblk_t
blst_leaf_find(struct blst_find *f, swblk_t j)
{
	blbitmap_t m, w;
	swblk_t ls;

	ls = j * BLIST_BMAP_RADIX;
	w = f->bf_bl->bl_leaf[j];
	if (ls < f->bf_lo)
		w &= BLBITMAP_ALLFREE << (f->bf_lo - ls);
	if (f->bf_run + blst_leaf_first(w) >= f->bf_n)
		return (ls - (swblk_t)f->bf_run);
	if (w == BLBITMAP_ALLFREE) {
		f->bf_run += BLIST_BMAP_RADIX;
		return (SWAPBLK_NONE);
	}
	if (f->bf_n <= BLIST_BMAP_RADIX &&
	    (m = blst_runs(w, (int)f->bf_n)) != 0)
		return (ls + __builtin_ctzll(m));
	f->bf_run = blst_leaf_last(w);
	return (SWAPBLK_NONE);
}

/* The caller has made sure node j of level k >= 1 ends after lo. */
static swblk_t
blst_meta_find(struct blst_find *f, int k, swblk_t j)
{
	const struct blmeta *m;
	swblk_t blk, c, ns, span;
	int i, n;

	m = &f->bf_bl->bl_meta[k][j];
	span = blst_span(k);
	ns = j * span;
	if (ns >= f->bf_lo) {
		if (f->bf_run + m->bm_first >= f->bf_n)
			return (ns - (swblk_t)f->bf_run);
		if (m->bm_big < f->bf_n) {
			/* No run of n starts in here. */
			if (m->bm_free == (uint64_t)span)
				f->bf_run += (uint64_t)span;
			else
				f->bf_run = m->bm_last;
			return (SWAPBLK_NONE);
		}
		/* Uniform nodes never get here: big is first or 0. */
		KASSERT(!blst_meta_uniform(m, k),
		    ("blst_meta_find: blist %p: uniform node %jd of level %d "
		    "with first %ju, big %ju for %ju blocks",
		    (void *)f->bf_bl, (intmax_t)j, k, (uintmax_t)m->bm_first,
		    (uintmax_t)m->bm_big, (uintmax_t)f->bf_n));
		c = 0;
	} else {
		/* The node straddles lo: runs start in [lo, ns + span). */
		KASSERT(f->bf_run == 0, ("blst_meta_find: blist %p: run %ju "
		    "before lo", (void *)f->bf_bl, (uintmax_t)f->bf_run));
		if (m->bm_free == 0)
			return (SWAPBLK_NONE);
		if (m->bm_free == (uint64_t)span || m->bm_big < f->bf_n) {
			/*
			 * All free: the run [lo, end) is the only candidate.
			 * Else no run of n starts in here; what reaches the
			 * end of the node is its last run, from lo at most.
			 */
			f->bf_run = MIN(m->bm_last,
			    (uint64_t)(ns + span - f->bf_lo));
			if (m->bm_free == (uint64_t)span &&
			    f->bf_run >= f->bf_n)
				return (f->bf_lo);
			return (SWAPBLK_NONE);
		}
		c = (f->bf_lo - ns) / blst_span(k - 1);
	}
	n = blst_nchild(f->bf_bl, k, j);
	for (i = (int)c; i < n; i++) {
		c = j * BLIST_META_RADIX + i;
		blk = k == 1 ? blst_leaf_find(f, c) :
		    blst_meta_find(f, k - 1, c);
		if (blk != SWAPBLK_NONE)
			return (blk);
	}
	if (n < BLIST_META_RADIX)
		f->bf_run = 0;
	return (SWAPBLK_NONE);
}

/* The lowest p >= lo such that [p, p + n) is free, or SWAPBLK_NONE. */
static swblk_t
blst_find(blist_t bl, swblk_t lo, uint64_t n)
{
	struct blst_find f;

	f.bf_bl = bl;
	f.bf_lo = lo;
	f.bf_n = n;
	f.bf_run = 0;
	if (bl->bl_height == 0)
		return (blst_leaf_find(&f, 0));
	return (blst_meta_find(&f, bl->bl_height, 0));
}

/*
 * The length of the free run at p, counted up to limit (at least; the
 * caller clips).  The same walk: nodes after p add their first run and
 * stop the count unless all free.
 */
struct blst_runlen {
	blist_t		rl_bl;
	swblk_t		rl_start;
	uint64_t	rl_limit;
	uint64_t	rl_len;
};

/* Returns whether the run reaches the end of leaf j. */
static bool
blst_leaf_runlen(struct blst_runlen *rl, swblk_t j)
{
	blbitmap_t w;
	swblk_t ls;
	uint64_t n;
	int sh;

	ls = j * BLIST_BMAP_RADIX;
	w = rl->rl_bl->bl_leaf[j];
	sh = ls < rl->rl_start ? (int)(rl->rl_start - ls) : 0;
	w >>= sh;		/* its top sh bits 0: n <= 64 - sh */
	n = blst_leaf_first(w);
	rl->rl_len += n;
	return (n == (uint64_t)(BLIST_BMAP_RADIX - sh) &&
	    rl->rl_len < rl->rl_limit);
}

static bool
blst_meta_runlen(struct blst_runlen *rl, int k, swblk_t j)
{
	const struct blmeta *m;
	swblk_t c, ns, span;
	int i, n;

	m = &rl->rl_bl->bl_meta[k][j];
	span = blst_span(k);
	ns = j * span;
	if (m->bm_free == (uint64_t)span) {
		rl->rl_len += (uint64_t)(ns + span - MAX(ns, rl->rl_start));
		return (rl->rl_len < rl->rl_limit);
	}
	if (ns >= rl->rl_start) {
		rl->rl_len += m->bm_first;
		return (false);
	}
	if (m->bm_free == 0)
		return (false);
	n = blst_nchild(rl->rl_bl, k, j);
	for (i = (int)((rl->rl_start - ns) / blst_span(k - 1)); i < n; i++) {
		c = j * BLIST_META_RADIX + i;
		if (!(k == 1 ? blst_leaf_runlen(rl, c) :
		    blst_meta_runlen(rl, k - 1, c)))
			return (false);
	}
	return (n == BLIST_META_RADIX);
}

static uint64_t
blst_runlen(blist_t bl, swblk_t p, uint64_t limit)
{
	struct blst_runlen rl;

	rl.rl_bl = bl;
	rl.rl_start = p;
	rl.rl_limit = limit;
	rl.rl_len = 0;
	if (bl->bl_height == 0)
		(void)blst_leaf_runlen(&rl, 0);
	else
		(void)blst_meta_runlen(&rl, bl->bl_height, 0);
	return (MIN(rl.rl_len, limit));
}

/* ---- walking the free runs --------------------------------------------- */

struct blst_walk {
	blist_t		bw_bl;
	swblk_t		bw_runstart;	/* SWAPBLK_NONE: not in a run */
	uint64_t	bw_nodes;	/* nodes visited */
	void		(*bw_fn)(struct blst_walk *, swblk_t, swblk_t);
	void		*bw_arg;
};

static inline void
blst_walk_open(struct blst_walk *w, swblk_t blk)
{

	if (w->bw_runstart == SWAPBLK_NONE)
		w->bw_runstart = blk;
}

static inline void
blst_walk_close(struct blst_walk *w, swblk_t blk)
{

	if (w->bw_runstart != SWAPBLK_NONE) {
		w->bw_fn(w, w->bw_runstart, blk - w->bw_runstart);
		w->bw_runstart = SWAPBLK_NONE;
	}
}

static void
blst_leaf_walk(struct blst_walk *w, swblk_t j)
{
	blbitmap_t word, x;
	swblk_t ls;
	int pos;

	w->bw_nodes++;
	word = w->bw_bl->bl_leaf[j];
	ls = j * BLIST_BMAP_RADIX;
	for (pos = 0; pos < BLIST_BMAP_RADIX; ) {
		if (w->bw_runstart != SWAPBLK_NONE) {
			/* In a run: find its end. */
			if ((x = ~word >> pos) == 0)
				break;
			pos += __builtin_ctzll(x);
			blst_walk_close(w, ls + pos);
		} else {
			if ((x = word >> pos) == 0)
				break;
			pos += __builtin_ctzll(x);
			blst_walk_open(w, ls + pos);
		}
	}
}

static void
blst_meta_walk(struct blst_walk *w, int k, swblk_t j)
{
	const struct blmeta *m;
	swblk_t ns, span;
	int i, n;

	w->bw_nodes++;
	m = &w->bw_bl->bl_meta[k][j];
	span = blst_span(k);
	ns = j * span;
	if (m->bm_free == (uint64_t)span) {
		blst_walk_open(w, ns);
		return;
	}
	if (m->bm_free == 0) {
		blst_walk_close(w, ns);
		return;
	}
	n = blst_nchild(w->bw_bl, k, j);
	for (i = 0; i < n; i++) {
		if (k == 1)
			blst_leaf_walk(w, j * BLIST_META_RADIX + i);
		else
			blst_meta_walk(w, k - 1, j * BLIST_META_RADIX + i);
	}
	if (n < BLIST_META_RADIX)
		blst_walk_close(w, ns + n * blst_span(k - 1));
}

/* Calls fn(w, start, len) for every maximal free run, in order. */
static uint64_t
blst_walk(blist_t bl, void (*fn)(struct blst_walk *, swblk_t, swblk_t),
    void *arg)
{
	struct blst_walk w;

	w.bw_bl = bl;
	w.bw_runstart = SWAPBLK_NONE;
	w.bw_nodes = 0;
	w.bw_fn = fn;
	w.bw_arg = arg;
	if (bl->bl_height == 0)
		blst_leaf_walk(&w, 0);
	else
		blst_meta_walk(&w, bl->bl_height, 0);
	blst_walk_close(&w, bl->bl_blocks);
	return (w.bw_nodes);
}

/* ---- the interface ----------------------------------------------------- */

static inline void
blst_modified(blist_t bl)
{

#ifdef INVARIANTS
	if (++bl->bl_nmods > bl->bl_checkcost)
		blist_check_locked(bl);
#else
	(void)bl;
#endif
}

/*
 * A blist of blocks blocks, all allocated.
 * => flags: M_WAITOK (panics if the host has no memory) or M_NOWAIT
 *    (returns NULL then).
 */
blist_t
blist_create(swblk_t blocks, int flags)
{
	blist_t bl;
	swblk_t nnodes[BLIST_MAXLEVELS + 1];
	size_t bytes, off[BLIST_MAXLEVELS + 1];
	int height, k;

	if (blocks <= 0 || blocks > BLIST_MAX_BLOCKS)
		panic("blist_create: %jd blocks (at most %jd)",
		    (intmax_t)blocks, (intmax_t)BLIST_MAX_BLOCKS);
	KASSERT((flags & (M_WAITOK | M_NOWAIT)) != 0 &&
	    (flags & (M_WAITOK | M_NOWAIT)) != (M_WAITOK | M_NOWAIT),
	    ("blist_create: flags %#x want one of M_WAITOK and M_NOWAIT",
	    flags));

	/* The levels, root (one node) last; the root on top in memory. */
	nnodes[0] = howmany(blocks, BLIST_BMAP_RADIX);
	for (height = 0; nnodes[height] > 1; height++)
		nnodes[height + 1] = howmany(nnodes[height], BLIST_META_RADIX);
	KASSERT(height <= BLIST_MAXLEVELS, ("blist_create: %jd blocks make "
	    "%d levels", (intmax_t)blocks, height));
	bytes = roundup2(sizeof(struct blist), sizeof(struct blmeta));
	for (k = height; k >= 1; k--) {
		off[k] = bytes;
		bytes += (size_t)nnodes[k] * sizeof(struct blmeta);
	}
	off[0] = bytes;
	bytes += (size_t)nnodes[0] * sizeof(blbitmap_t);

	bl = malloc(bytes);
	if (bl == NULL) {
		if ((flags & M_NOWAIT) != 0)
			return (NULL);
		panic("blist_create: no host memory for %jd blocks (%zu "
		    "bytes)", (intmax_t)blocks, bytes);
	}
	memset(bl, 0, sizeof(*bl));
	bl->bl_blocks = blocks;
	bl->bl_avail = 0;
	bl->bl_cursor = 0;
	bl->bl_height = height;
	bl->bl_bytes = bytes;
	bl->bl_leaf = (blbitmap_t *)((char *)bl + off[0]);
	bl->bl_nnodes[0] = nnodes[0];
	for (k = 1; k <= height; k++) {
		bl->bl_meta[k] = (struct blmeta *)((char *)bl + off[k]);
		bl->bl_nnodes[k] = nnodes[k];
	}
	/* Everything allocated: the root says so, nothing below is read. */
	blst_set_uniform(bl, height, 0, false);
	return (bl);
}

void
blist_destroy(blist_t bl)
{

	free(bl);
}

/*
 * Allocates between *count and maxcount contiguous blocks: the lowest
 * run of at least *count free blocks starting at or after the cursor,
 * else the lowest from block 0, taken up to maxcount long.  Returns its
 * first block and sets *count to its length, or returns SWAPBLK_NONE
 * (and leaves *count) when no run of *count blocks is free.
 * => 1 <= *count <= maxcount.
 */
swblk_t
blist_alloc(blist_t bl, int *count, int maxcount)
{
	swblk_t blk;
	uint64_t len, n;

	if (*count < 1 || *count > maxcount)
		panic("blist_alloc: blist %p: count %d, maxcount %d",
		    (void *)bl, *count, maxcount);
	n = (uint64_t)*count;
	if ((uint64_t)bl->bl_avail < n)
		return (SWAPBLK_NONE);
	blk = blst_find(bl, bl->bl_cursor, n);
	if (blk == SWAPBLK_NONE && bl->bl_cursor != 0)
		blk = blst_find(bl, 0, n);
	if (blk == SWAPBLK_NONE)
		return (SWAPBLK_NONE);
	len = maxcount > *count ? blst_runlen(bl, blk, (uint64_t)maxcount) : n;
	KASSERT(len >= n && len <= (uint64_t)maxcount &&
	    blk + (swblk_t)len <= bl->bl_blocks,
	    ("blist_alloc: blist %p: run of %ju at %jd for [%d, %d]",
	    (void *)bl, (uintmax_t)len, (intmax_t)blk, *count, maxcount));
	n = (uint64_t)blst_range(bl, blk, (swblk_t)len, false);
	KASSERT(n == len, ("blist_alloc: blist %p: %ju of the %ju blocks at "
	    "%jd were free", (void *)bl, (uintmax_t)n, (uintmax_t)len,
	    (intmax_t)blk));
	bl->bl_avail -= (swblk_t)len;
	bl->bl_cursor = blk + (swblk_t)len;
	if (bl->bl_cursor == bl->bl_blocks)
		bl->bl_cursor = 0;
	*count = (int)len;
	blst_modified(bl);
	return (blk);
}

static void
blst_check_range(blist_t bl, const char *fn, swblk_t blkno, swblk_t count)
{

	if (blkno < 0 || count < 0 || count > bl->bl_blocks - blkno ||
	    blkno > bl->bl_blocks)
		panic("%s: blist %p: %jd blocks at %jd, outside [0, %jd)", fn,
		    (void *)bl, (intmax_t)count, (intmax_t)blkno,
		    (intmax_t)bl->bl_blocks);
}

/*
 * Frees [blkno, blkno + count).
 * => every block in it is allocated, else panic.
 */
void
blist_free(blist_t bl, swblk_t blkno, swblk_t count)
{
	swblk_t n;

	blst_check_range(bl, "blist_free", blkno, count);
	if (count == 0)
		return;
	n = blst_range(bl, blkno, count, true);
	KASSERT(n == count, ("blist_free: blist %p: freed %jd of %jd",
	    (void *)bl, (intmax_t)n, (intmax_t)count));
	(void)n;
	bl->bl_avail += count;
	blst_modified(bl);
}

/*
 * Allocates [blkno, blkno + count), free or not; returns how many of its
 * blocks were free.
 */
swblk_t
blist_fill(blist_t bl, swblk_t blkno, swblk_t count)
{
	swblk_t n;

	blst_check_range(bl, "blist_fill", blkno, count);
	if (count == 0)
		return (0);
	n = blst_range(bl, blkno, count, false);
	bl->bl_avail -= n;
	blst_modified(bl);
	return (n);
}

swblk_t
blist_avail(blist_t bl)
{

	return (bl->bl_avail);
}

swblk_t
blist_blocks(blist_t bl)
{

	return (bl->bl_blocks);
}

/* Whether block blkno is free: one descent. */
bool
blist_isfree(blist_t bl, swblk_t blkno)
{
	const struct blmeta *m;
	swblk_t j;
	int k;

	blst_check_range(bl, "blist_isfree", blkno, 1);
	for (k = bl->bl_height; k > 0; k--) {
		j = blkno / blst_span(k);
		m = &bl->bl_meta[k][j];
		if (blst_meta_uniform(m, k))
			return (m->bm_free != 0);
	}
	return ((bl->bl_leaf[blkno / BLIST_BMAP_RADIX] >>
	    (blkno % BLIST_BMAP_RADIX) & 1) != 0);
}

struct blst_copy {
	blist_t		bc_dst;
	swblk_t		bc_blocks;	/* of bc_dst */
};

static void
blst_copy_run(struct blst_walk *w, swblk_t start, swblk_t len)
{
	struct blst_copy *bc = w->bw_arg;

	if (start < bc->bc_blocks)
		blist_free(bc->bc_dst, start,
		    MIN(len, bc->bc_blocks - start));
}

/*
 * Replaces *pbl by a blist of count blocks with the same free blocks
 * (those below count); blocks past the old end are free if freenew,
 * else allocated.  Returns 0, or ENOMEM (M_NOWAIT only) leaving *pbl.
 */
int
blist_resize(blist_t *pbl, swblk_t count, int freenew, int flags)
{
	struct blst_copy bc;
	blist_t nbl, obl;

	obl = *pbl;
	nbl = blist_create(count, flags);
	if (nbl == NULL)
		return (ENOMEM);
	bc.bc_dst = nbl;
	bc.bc_blocks = count;
	(void)blst_walk(obl, blst_copy_run, &bc);
	if (freenew && count > obl->bl_blocks)
		blist_free(nbl, obl->bl_blocks, count - obl->bl_blocks);
	nbl->bl_cursor = obl->bl_cursor < count ? obl->bl_cursor : 0;
	blist_destroy(obl);
	*pbl = nbl;
	return (0);
}

/* ---- statistics, dump, checks ------------------------------------------ */

static void
blst_stats_run(struct blst_walk *w, swblk_t start __unused, swblk_t len)
{
	struct blist_stats *bs = w->bw_arg;

	bs->bs_nruns++;
	bs->bs_maxrun = MAX(bs->bs_maxrun, len);
	bs->bs_hist[63 - __builtin_clzll((uint64_t)len)]++;
}

void
blist_stats(blist_t bl, struct blist_stats *bs)
{

	memset(bs, 0, sizeof(*bs));
	bs->bs_blocks = bl->bl_blocks;
	bs->bs_avail = bl->bl_avail;
	bs->bs_cursor = bl->bl_cursor;
	bs->bs_bytes = bl->bl_bytes;
	bs->bs_height = bl->bl_height;
	bs->bs_nodes = blst_walk(bl, blst_stats_run, bs);
}

static void
blst_print_node(blist_t bl, FILE *fp, int k, swblk_t j, int depth)
{
	const struct blmeta *m;
	swblk_t ns, span;
	int i, n;

	span = blst_span(k);
	ns = j * span;
	if (k == 0) {
		fprintf(fp, "%*s[%jd, %jd) leaf %016" PRIx64 "\n", depth * 2,
		    "", (intmax_t)ns, (intmax_t)(ns + span), bl->bl_leaf[j]);
		return;
	}
	m = &bl->bl_meta[k][j];
	fprintf(fp, "%*s[%jd, %jd) level %d: ", depth * 2, "", (intmax_t)ns,
	    (intmax_t)(ns + span), k);
	if (m->bm_free == 0) {
		fprintf(fp, "all allocated\n");
		return;
	}
	if (m->bm_free == (uint64_t)span) {
		fprintf(fp, "all free\n");
		return;
	}
	fprintf(fp, "free %ju first %ju last %ju big %ju\n",
	    (uintmax_t)m->bm_free, (uintmax_t)m->bm_first,
	    (uintmax_t)m->bm_last, (uintmax_t)m->bm_big);
	n = blst_nchild(bl, k, j);
	for (i = 0; i < n; i++)
		blst_print_node(bl, fp, k - 1, j * BLIST_META_RADIX + i,
		    depth + 1);
}

/* The blist and every node in use, one a line. */
void
blist_print(blist_t bl, FILE *fp)
{

	fprintf(fp, "blist %p: %jd blocks, %jd free, cursor %jd, height %d, "
	    "%zu bytes\n", (void *)bl, (intmax_t)bl->bl_blocks,
	    (intmax_t)bl->bl_avail, (intmax_t)bl->bl_cursor, bl->bl_height,
	    bl->bl_bytes);
	blst_print_node(bl, fp, bl->bl_height, 0, 1);
	fflush(fp);
}

/* Checks leaf j; returns the nodes visited (1). */
static uint64_t
blst_check_leaf(blist_t bl, swblk_t j)
{
	swblk_t tail;

	tail = bl->bl_blocks - j * BLIST_BMAP_RADIX;
	if (tail < BLIST_BMAP_RADIX && (bl->bl_leaf[j] >> tail) != 0)
		panic("blist_check: blist %p: leaf %jd %016" PRIx64 " has "
		    "free blocks past the end, %jd", (void *)bl, (intmax_t)j,
		    bl->bl_leaf[j], (intmax_t)bl->bl_blocks);
	return (1);
}

/* Checks node j of level k and what is in use below it. */
static uint64_t
blst_check_meta(blist_t bl, int k, swblk_t j)
{
	const struct blmeta *m;
	struct blmeta c;
	swblk_t ns, real, span;
	uint64_t nodes;
	int i, n;

	m = &bl->bl_meta[k][j];
	span = blst_span(k);
	ns = j * span;
	real = MIN(ns + span, bl->bl_blocks) - ns;
	if (m->bm_free > (uint64_t)real || m->bm_first > m->bm_free ||
	    m->bm_last > m->bm_free || m->bm_big > m->bm_free ||
	    m->bm_first > m->bm_big || m->bm_last > m->bm_big)
		panic("blist_check: blist %p: node %jd of level %d [%jd, %jd) "
		    "with %jd blocks: free %ju first %ju last %ju big %ju",
		    (void *)bl, (intmax_t)j, k, (intmax_t)ns,
		    (intmax_t)(ns + span), (intmax_t)real,
		    (uintmax_t)m->bm_free, (uintmax_t)m->bm_first,
		    (uintmax_t)m->bm_last, (uintmax_t)m->bm_big);
	if (blst_meta_uniform(m, k)) {
		if (m->bm_first != m->bm_free || m->bm_last != m->bm_free ||
		    m->bm_big != m->bm_free)
			panic("blist_check: blist %p: uniform node %jd of "
			    "level %d: free %ju first %ju last %ju big %ju",
			    (void *)bl, (intmax_t)j, k, (uintmax_t)m->bm_free,
			    (uintmax_t)m->bm_first, (uintmax_t)m->bm_last,
			    (uintmax_t)m->bm_big);
		return (1);
	}
	nodes = 1;
	n = blst_nchild(bl, k, j);
	for (i = 0; i < n; i++)
		nodes += k == 1 ?
		    blst_check_leaf(bl, j * BLIST_META_RADIX + i) :
		    blst_check_meta(bl, k - 1, j * BLIST_META_RADIX + i);
	blst_compute(bl, k, j, &c);
	if (memcmp(&c, m, sizeof(c)) != 0)
		panic("blist_check: blist %p: node %jd of level %d [%jd, %jd) "
		    "says free %ju first %ju last %ju big %ju, its children "
		    "free %ju first %ju last %ju big %ju", (void *)bl,
		    (intmax_t)j, k, (intmax_t)ns, (intmax_t)(ns + span),
		    (uintmax_t)m->bm_free, (uintmax_t)m->bm_first,
		    (uintmax_t)m->bm_last, (uintmax_t)m->bm_big,
		    (uintmax_t)c.bm_free, (uintmax_t)c.bm_first,
		    (uintmax_t)c.bm_last, (uintmax_t)c.bm_big);
	return (nodes);
}

static void
blist_check_locked(blist_t bl)
{
	swblk_t rootfree;

	if (bl->bl_cursor < 0 || bl->bl_cursor >= bl->bl_blocks)
		panic("blist_check: blist %p: cursor %jd outside [0, %jd)",
		    (void *)bl, (intmax_t)bl->bl_cursor,
		    (intmax_t)bl->bl_blocks);
	if (bl->bl_height == 0) {
		bl->bl_checkcost = blst_check_leaf(bl, 0);
		rootfree = __builtin_popcountll(bl->bl_leaf[0]);
	} else {
		bl->bl_checkcost = blst_check_meta(bl, bl->bl_height, 0);
		rootfree = (swblk_t)bl->bl_meta[bl->bl_height][0].bm_free;
	}
	if (rootfree != bl->bl_avail)
		panic("blist_check: blist %p: %jd blocks free in the tree, "
		    "%jd counted", (void *)bl, (intmax_t)rootfree,
		    (intmax_t)bl->bl_avail);
	bl->bl_nmods = 0;
}

/*
 * Walks the nodes in use and panics on the first broken invariant (see
 * the top of the file).  Cost: linear in the nodes in use.
 */
void
blist_check(blist_t bl)
{

	blist_check_locked(bl);
}
