/*
 * blist(9): the allocator of swap blocks.  A blist manages the blocks
 * [0, blocks) of one device, each free or allocated, and hands out
 * contiguous runs of them.  FreeBSD's interface (Matthew Dillon's blist,
 * with FreeBSD 13's blist_alloc), libvm's implementation
 * (sys/kern/subr_blist.c, which explains the tree).
 *
 *	bl = blist_create(nblocks, M_WAITOK);	every block allocated
 *	blist_free(bl, first, n);		make the usable ones free
 *	count = 1;
 *	blk = blist_alloc(bl, &count, 32);	1 to 32 blocks, count says
 *	blist_free(bl, blk, count);
 *
 * Allocation is next fit: the lowest-addressed free run of at least
 * *count blocks that starts at or after the blist's cursor (the end of
 * the previous allocation), else the lowest one from block 0; it is
 * taken up to maxcount blocks long.  The answer is exact (never a miss
 * when a run exists), in time logarithmic in the size of the blist.
 *
 * Locking: none.  A blist is protected by its owner's lock (the swap
 * pager's device lock); nothing here sleeps, and after blist_create no
 * operation but blist_resize allocates memory.
 *
 * This is an internal kernel interface (nothing here is LIBVM_API).
 * Every call checks its block range and panics on one outside the blist
 * or on freeing a free block: a swap block handed out twice corrupts
 * whatever is paged to it.  Unlike the other kernel structures, a blist
 * needs no booted libvm (its memory comes from the host, see the .c).
 */
#ifndef _SYS_BLIST_H_
#define _SYS_BLIST_H_

#include <limits.h>
#include <stdio.h>

#include <sys/param.h>
#include <sys/malloc.h>

/*
 * A block number, or a count of blocks: FreeBSD's daddr_t, a signed
 * 64-bit integer.  The C library already owns the name daddr_t (a 32-bit
 * int in glibc's <sys/types.h>), hence 4.4BSD's swblk_t.
 */
typedef int64_t		swblk_t;

#define	SWAPBLK_NONE	((swblk_t)-1)		/* no block: failure */

/* The largest blist: 2^60 blocks (a tree of 2^54 bytes: never). */
#define	BLIST_MAX_BLOCKS	((swblk_t)1 << 60)

/*
 * The largest *count blist_alloc accepts.  FreeBSD's is BLIST_RADIX (64):
 * its hints cannot find longer runs.  libvm's find any run an int can
 * count; the name stays so FreeBSD's callers compile unchanged.
 */
#define	BLIST_MAX_ALLOC		INT_MAX

typedef struct blist	*blist_t;

/* Free runs by length: bucket i counts runs of 2^i to 2^(i+1)-1 blocks. */
#define	BLIST_HIST_BUCKETS	61

struct blist_stats {
	swblk_t		bs_blocks;	/* blocks managed */
	swblk_t		bs_avail;	/* free blocks */
	swblk_t		bs_cursor;	/* where the next search starts */
	swblk_t		bs_nruns;	/* maximal free runs */
	swblk_t		bs_maxrun;	/* the longest one */
	swblk_t		bs_hist[BLIST_HIST_BUCKETS];
	uint64_t	bs_nodes;	/* nodes in use (see blist(9)) */
	size_t		bs_bytes;	/* memory reserved for the tree */
	int		bs_height;	/* levels of meta nodes */
};

blist_t	blist_create(swblk_t blocks, int flags);
void	blist_destroy(blist_t bl);
swblk_t	blist_alloc(blist_t bl, int *count, int maxcount);
void	blist_free(blist_t bl, swblk_t blkno, swblk_t count);
swblk_t	blist_fill(blist_t bl, swblk_t blkno, swblk_t count);
swblk_t	blist_avail(blist_t bl);
swblk_t	blist_blocks(blist_t bl);
int	blist_resize(blist_t *pbl, swblk_t count, int freenew, int flags);
bool	blist_isfree(blist_t bl, swblk_t blkno);

/* Debugging: statistics, a dump, the structure checker. */
void	blist_stats(blist_t bl, struct blist_stats *bs);
void	blist_print(blist_t bl, FILE *fp);
void	blist_check(blist_t bl);

#endif /* !_SYS_BLIST_H_ */
