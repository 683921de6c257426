/*
 * A path-compressed radix trie keyed by 64-bit integers (see pctrie.h for
 * the interface and its contracts).
 *
 * The shape.  A key is read as sixteen 4-bit digits, digit 15 the most
 * significant.  An interior node branches on one digit, its level
 * (pn_clev), and has sixteen children, one per value of that digit.  All
 * the keys below a node agree on every digit above its level; those digits
 * are kept in pn_prefix, whose bits at and below the node's digit are zero.
 * So a node at level c with prefix P covers exactly the keys
 * [P, P + 16^(c+1) - 1], and its child in slot s covers the sixteenth of
 * that range whose digit c is s.
 *
 * Path compression means there are no nodes with a single child: a node
 * exists only where two keys below it first differ, at the digit where
 * they differ, and a child may sit many levels below its parent.  Keys 0x12
 * and 0x5f0 and 0x5f7 give
 *
 *	root -> [level 2, prefix 0x000]
 *		  slot 0: leaf 0x12
 *		  slot 5: [level 0, prefix 0x5f0]
 *			    slot 0: leaf 0x5f0
 *			    slot 7: leaf 0x5f7
 *
 * where the level-0 node hangs straight off a level-2 slot.  With n keys
 * there are at most n - 1 interior nodes, and a descent visits at most 16.
 *
 * Child pointers are uintptr_t words: 0 for an empty slot; a value pointer
 * (the address of the caller's embedded key) with bit 0 set for a leaf;
 * otherwise a node pointer.  Values need only be 2-byte aligned for the tag
 * to be free, and a uint64_t always is.  The root is such a word too, so a
 * trie of one key needs no node at all.  pn_popmap has bit s set exactly
 * when slot s is non-empty; it makes "the next occupied slot after s" one
 * ctz instead of a scan, which is what lookup_ge/lookup_le live on.
 *
 * Why 16-way.  A node is 144 bytes (prefix 8, popmap/level 8, children
 * 16 x 8), a bit over two cache lines, and a 64-bit key space is at most 16
 * levels deep.  A 64-way node would be 528 bytes: shallower for the dense
 * runs of page indices an object has, but four times the memory for the
 * sparse ones (a shadow object holding a few scattered pages), and the
 * depth that matters in practice is set by how far apart the keys are, not
 * by the fan-out, thanks to path compression.
 *
 * Memory.  The trie calls the owner's allocator for a node only in
 * pctrie_insert(), at most once per insertion, and before it has changed
 * anything, so ENOMEM leaves the trie untouched.  Every field of a new node
 * is initialized here; the allocator need not zero.  Nodes go back through
 * the owner's free function when a removal leaves a node with one child
 * (the child takes the node's place in its parent) and in
 * pctrie_reclaim_allnodes().  Values are never written or freed.
 *
 * Locking.  None here: the owner's lock protects the trie (see pctrie.h).
 * New nodes are filled in completely before the store that links them, so
 * a later lockless reader scheme would only need that store to be a
 * release.
 *
 * Invariants, checked by pctrie_check():
 *	- a node's level is below its parent's, its prefix has no bits at or
 *	  below its own digit, and it lies in the parent's range in the slot
 *	  it occupies (so does every leaf);
 *	- pn_popmap has a bit exactly for each non-empty slot;
 *	- every interior node has at least two children;
 *	- an in-order walk sees keys strictly increasing.
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/pctrie.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#define	PCTRIE_WIDTH	4			/* bits per digit */
#define	PCTRIE_COUNT	(1 << PCTRIE_WIDTH)	/* children per node */
#define	PCTRIE_MASK	(PCTRIE_COUNT - 1)
#define	PCTRIE_LEVELS	(64 / PCTRIE_WIDTH)	/* digits in a key */

#define	PCTRIE_ISLEAF	((uintptr_t)1)		/* tag bit of a leaf word */
#define	PCTRIE_NULL	((uintptr_t)0)

typedef uint16_t	pctrie_popmap_t;

CTASSERT(PCTRIE_COUNT <= sizeof(pctrie_popmap_t) * 8);
CTASSERT(64 % PCTRIE_WIDTH == 0);

struct pctrie_node {
	uint64_t	pn_prefix;	/* digits above pn_clev; the rest 0 */
	pctrie_popmap_t	pn_popmap;	/* bit s set iff pn_child[s] != 0 */
	uint8_t		pn_clev;	/* the digit this node branches on */
	uintptr_t	pn_child[PCTRIE_COUNT];	/* leaf, node or 0 */
};

size_t
pctrie_node_size(void)
{

	return (sizeof(struct pctrie_node));
}

/* ---- child words ------------------------------------------------------ */

static inline bool
pctrie_isleaf(uintptr_t word)
{

	return ((word & PCTRIE_ISLEAF) != 0);
}

static inline uint64_t *
pctrie_toval(uintptr_t word)
{

	return ((uint64_t *)(word & ~PCTRIE_ISLEAF));
}

static inline uintptr_t
pctrie_toleaf(uint64_t *val)
{

	return ((uintptr_t)val | PCTRIE_ISLEAF);
}

static inline struct pctrie_node *
pctrie_tonode(uintptr_t word)
{

	return ((struct pctrie_node *)word);
}

/* ---- key arithmetic --------------------------------------------------- */

/* The value of digit clev of key: the slot key takes in a level-clev node. */
static inline int
pctrie_slot(uint64_t key, int clev)
{

	return ((int)((key >> (clev * PCTRIE_WIDTH)) & PCTRIE_MASK));
}

/*
 * key with digit clev and every digit below it cleared: the prefix of a
 * level-clev node holding key.  The mask is built in two shifts so that
 * level 15 (a 64-bit shift in one step) yields 0 without undefined
 * behaviour.
 */
static inline uint64_t
pctrie_trunc(uint64_t key, int clev)
{

	return (key & ((~(uint64_t)0 << (clev * PCTRIE_WIDTH)) <<
	    PCTRIE_WIDTH));
}

/* Is key outside the range of keys node can hold? */
static inline bool
pctrie_keybarr(const struct pctrie_node *node, uint64_t key)
{

	return (((key ^ node->pn_prefix) >> (node->pn_clev * PCTRIE_WIDTH)) >
	    PCTRIE_MASK);
}

/* The most significant digit in which two different keys differ. */
static inline int
pctrie_diffdigit(uint64_t a, uint64_t b)
{

	return ((63 - __builtin_clzll(a ^ b)) / PCTRIE_WIDTH);
}

/* ---- descents to the ends of a subtree -------------------------------- */

static uint64_t *
pctrie_leftmost(uintptr_t word)
{
	struct pctrie_node *node;

	while (!pctrie_isleaf(word)) {
		node = pctrie_tonode(word);
		word = node->pn_child[__builtin_ctz(node->pn_popmap)];
	}
	return (pctrie_toval(word));
}

static uint64_t *
pctrie_rightmost(uintptr_t word)
{
	struct pctrie_node *node;

	while (!pctrie_isleaf(word)) {
		node = pctrie_tonode(word);
		word = node->pn_child[31 - __builtin_clz(node->pn_popmap)];
	}
	return (pctrie_toval(word));
}

/* ---- the interface ---------------------------------------------------- */

void
pctrie_init(struct pctrie *ptree)
{

	ptree->pt_root = PCTRIE_NULL;
}

bool
pctrie_is_empty(struct pctrie *ptree)
{

	return (ptree->pt_root == PCTRIE_NULL);
}

/*
 * Insert val, keyed by *val.
 * => returns 0, or ENOMEM if a node was needed and allocfn returned NULL;
 *    then the trie is unchanged.
 * => panics if *val is already in the trie.
 */
int
pctrie_insert(struct pctrie *ptree, uint64_t *val, pctrie_alloc_t *allocfn)
{
	struct pctrie_node *node, *parent;
	uintptr_t *slotp, word, leaf;
	uint64_t key, other;
	int clev, slot;

	KASSERT(val != NULL && ((uintptr_t)val & PCTRIE_ISLEAF) == 0,
	    ("%s: trie %p: value %p is not 2-byte aligned", __func__,
	    (void *)ptree, (void *)val));
	key = *val;
	leaf = pctrie_toleaf(val);

	/*
	 * Descend to the word the new leaf belongs in: an empty slot (done,
	 * no allocation), or a leaf or node that does not hold key's range
	 * and must share a new node with it.
	 */
	parent = NULL;
	slotp = &ptree->pt_root;
	for (;;) {
		word = *slotp;
		if (word == PCTRIE_NULL) {
			*slotp = leaf;
			if (parent != NULL)
				parent->pn_popmap |= (pctrie_popmap_t)1 <<
				    pctrie_slot(key, parent->pn_clev);
			return (0);
		}
		if (pctrie_isleaf(word)) {
			other = *pctrie_toval(word);
			if (__predict_false(other == key))
				panic("%s: trie %p: key %#" PRIx64 " (%" PRIu64
				    ") already present, value %p, new value %p",
				    __func__, (void *)ptree, key, key,
				    (void *)pctrie_toval(word), (void *)val);
			break;
		}
		node = pctrie_tonode(word);
		if (pctrie_keybarr(node, key)) {
			other = node->pn_prefix;
			break;
		}
		parent = node;
		slotp = &node->pn_child[pctrie_slot(key, node->pn_clev)];
	}

	/*
	 * word (a leaf, or a node whose range excludes key) and the new leaf
	 * first differ at digit clev.  That digit is below the parent's, as
	 * both lie in the same parent slot, so the new node fits in *slotp.
	 * The parent's popmap does not change: the slot stays occupied.
	 */
	clev = pctrie_diffdigit(key, other);
	KASSERT(parent == NULL || clev < parent->pn_clev,
	    ("%s: trie %p: split level %d not below parent %p level %d",
	    __func__, (void *)ptree, clev, (void *)parent, parent->pn_clev));
	node = allocfn(ptree);
	if (node == NULL)
		return (ENOMEM);
	node->pn_prefix = pctrie_trunc(key, clev);
	node->pn_clev = (uint8_t)clev;
	for (slot = 0; slot < PCTRIE_COUNT; slot++)
		node->pn_child[slot] = PCTRIE_NULL;
	node->pn_child[pctrie_slot(key, clev)] = leaf;
	node->pn_child[pctrie_slot(other, clev)] = word;
	node->pn_popmap = (pctrie_popmap_t)((1u << pctrie_slot(key, clev)) |
	    (1u << pctrie_slot(other, clev)));
	*slotp = (uintptr_t)node;
	return (0);
}

uint64_t *
pctrie_lookup(struct pctrie *ptree, uint64_t key)
{
	struct pctrie_node *node;
	uint64_t *val;
	uintptr_t word;

	word = ptree->pt_root;
	for (;;) {
		if (pctrie_isleaf(word)) {
			val = pctrie_toval(word);
			return (*val == key ? val : NULL);
		}
		if (word == PCTRIE_NULL)
			return (NULL);
		node = pctrie_tonode(word);
		if (pctrie_keybarr(node, key))
			return (NULL);
		word = node->pn_child[pctrie_slot(key, node->pn_clev)];
	}
}

/*
 * The value with the smallest key >= key, or NULL.
 *
 * Descend along key.  Where the path dead-ends (an empty slot, a smaller
 * leaf, a node whose whole range lies below key), the answer is the
 * leftmost value of the nearest occupied slot to the right of the path, and
 * the nearest is the one in the deepest node that has any: remember that
 * node on the way down, so there is no second descent from the root.
 */
uint64_t *
pctrie_lookup_ge(struct pctrie *ptree, uint64_t key)
{
	struct pctrie_node *node, *succ;
	uint64_t *val;
	uintptr_t word;
	u_int above;
	int slot, succslot;

	succ = NULL;
	succslot = 0;
	word = ptree->pt_root;
	for (;;) {
		if (pctrie_isleaf(word)) {
			val = pctrie_toval(word);
			if (*val >= key)
				return (val);
			break;
		}
		if (word == PCTRIE_NULL)
			break;
		node = pctrie_tonode(word);
		if (pctrie_keybarr(node, key)) {
			/* The whole range is above key, or below it. */
			if (node->pn_prefix > key)
				return (pctrie_leftmost(word));
			break;
		}
		slot = pctrie_slot(key, node->pn_clev);
		if ((node->pn_popmap & ~((2u << slot) - 1)) != 0) {
			succ = node;
			succslot = slot;
		}
		word = node->pn_child[slot];
	}
	if (succ == NULL)
		return (NULL);
	above = succ->pn_popmap & ~((2u << succslot) - 1);
	return (pctrie_leftmost(succ->pn_child[__builtin_ctz(above)]));
}

/* The value with the largest key <= key, or NULL: lookup_ge mirrored. */
uint64_t *
pctrie_lookup_le(struct pctrie *ptree, uint64_t key)
{
	struct pctrie_node *node, *pred;
	uint64_t *val;
	uintptr_t word;
	u_int below;
	int slot, predslot;

	pred = NULL;
	predslot = 0;
	word = ptree->pt_root;
	for (;;) {
		if (pctrie_isleaf(word)) {
			val = pctrie_toval(word);
			if (*val <= key)
				return (val);
			break;
		}
		if (word == PCTRIE_NULL)
			break;
		node = pctrie_tonode(word);
		if (pctrie_keybarr(node, key)) {
			if (node->pn_prefix < key)
				return (pctrie_rightmost(word));
			break;
		}
		slot = pctrie_slot(key, node->pn_clev);
		if ((node->pn_popmap & ((1u << slot) - 1)) != 0) {
			pred = node;
			predslot = slot;
		}
		word = node->pn_child[slot];
	}
	if (pred == NULL)
		return (NULL);
	below = pred->pn_popmap & ((1u << predslot) - 1);
	return (pctrie_rightmost(pred->pn_child[31 - __builtin_clz(below)]));
}

/* The value with the smallest key > key (NULL past UINT64_MAX). */
uint64_t *
pctrie_lookup_next(struct pctrie *ptree, uint64_t key)
{

	if (key == UINT64_MAX)
		return (NULL);
	return (pctrie_lookup_ge(ptree, key + 1));
}

/* The value with the largest key < key (NULL before 0). */
uint64_t *
pctrie_lookup_prev(struct pctrie *ptree, uint64_t key)
{

	if (key == 0)
		return (NULL);
	return (pctrie_lookup_le(ptree, key - 1));
}

/*
 * Remove key and return its value, or return NULL if key is absent.
 * => when the removal leaves a node with one child, that child replaces
 *    the node in the node's parent and the node goes to freefn.
 */
uint64_t *
pctrie_remove_lookup(struct pctrie *ptree, uint64_t key,
    pctrie_free_t *freefn)
{
	struct pctrie_node *node;
	uintptr_t *parentp, word;
	uint64_t *val;
	int slot;

	word = ptree->pt_root;
	if (pctrie_isleaf(word)) {
		val = pctrie_toval(word);
		if (*val != key)
			return (NULL);
		ptree->pt_root = PCTRIE_NULL;
		return (val);
	}

	/* parentp is the word that points at node. */
	parentp = &ptree->pt_root;
	while (word != PCTRIE_NULL) {
		node = pctrie_tonode(word);
		if (pctrie_keybarr(node, key))
			return (NULL);
		slot = pctrie_slot(key, node->pn_clev);
		word = node->pn_child[slot];
		if (!pctrie_isleaf(word)) {
			parentp = &node->pn_child[slot];
			continue;
		}
		val = pctrie_toval(word);
		if (*val != key)
			return (NULL);
		node->pn_child[slot] = PCTRIE_NULL;
		node->pn_popmap &= (pctrie_popmap_t)~(1u << slot);
		KASSERT(node->pn_popmap != 0,
		    ("%s: trie %p: node %p had a single child", __func__,
		    (void *)ptree, (void *)node));
		if ((node->pn_popmap & (node->pn_popmap - 1)) == 0) {
			/* One child left: it takes the node's place. */
			*parentp =
			    node->pn_child[__builtin_ctz(node->pn_popmap)];
			freefn(ptree, node);
		}
		return (val);
	}
	return (NULL);
}

/*
 * Remove key, which must be present.
 * => panics if it is not (a cheap test: the descent is needed anyway).
 */
void
pctrie_remove(struct pctrie *ptree, uint64_t key, pctrie_free_t *freefn)
{

	if (__predict_false(pctrie_remove_lookup(ptree, key, freefn) == NULL))
		panic("%s: trie %p: key %#" PRIx64 " (%" PRIu64 ") not present",
		    __func__, (void *)ptree, key, key);
}

static void
pctrie_reclaim_node(struct pctrie *ptree, struct pctrie_node *node,
    pctrie_free_t *freefn)
{
	uintptr_t word;
	u_int map;
	int slot;

	for (map = node->pn_popmap; map != 0; map &= map - 1) {
		slot = __builtin_ctz(map);
		word = node->pn_child[slot];
		if (!pctrie_isleaf(word))
			pctrie_reclaim_node(ptree, pctrie_tonode(word), freefn);
	}
	freefn(ptree, node);
}

/*
 * Free every node and leave the trie empty.  The values are not touched:
 * the caller still owns (and presumably is about to free) them.  The
 * recursion is at most PCTRIE_LEVELS deep.
 */
void
pctrie_reclaim_allnodes(struct pctrie *ptree, pctrie_free_t *freefn)
{
	uintptr_t root;

	root = ptree->pt_root;
	ptree->pt_root = PCTRIE_NULL;
	if (root != PCTRIE_NULL && !pctrie_isleaf(root))
		pctrie_reclaim_node(ptree, pctrie_tonode(root), freefn);
}

static size_t
pctrie_count_word(uintptr_t word)
{
	struct pctrie_node *node;
	size_t n;
	u_int map;

	if (word == PCTRIE_NULL)
		return (0);
	if (pctrie_isleaf(word))
		return (1);
	node = pctrie_tonode(word);
	n = 0;
	for (map = node->pn_popmap; map != 0; map &= map - 1)
		n += pctrie_count_word(node->pn_child[__builtin_ctz(map)]);
	return (n);
}

/* The number of keys in the trie, by a walk of the whole trie. */
size_t
pctrie_count(struct pctrie *ptree)
{

	return (pctrie_count_word(ptree->pt_root));
}

/* ---- invariants and debugging ----------------------------------------- */

struct pctrie_checkstate {
	struct pctrie	*cs_tree;
	uint64_t	cs_last;	/* last key seen in order */
	size_t		cs_nkeys;
	size_t		cs_nnodes;
};

static void
pctrie_check_leaf(struct pctrie_checkstate *cs, struct pctrie_node *parent,
    int slot, uintptr_t word)
{
	uint64_t *val;
	uint64_t key;

	val = pctrie_toval(word);
	if (val == NULL)
		panic("%s: trie %p: node %p slot %d: leaf with a NULL value",
		    __func__, (void *)cs->cs_tree, (void *)parent, slot);
	key = *val;
	if (parent != NULL && (pctrie_keybarr(parent, key) ||
	    pctrie_slot(key, parent->pn_clev) != slot))
		panic("%s: trie %p: node %p (level %d, prefix %#" PRIx64
		    ") slot %d holds key %#" PRIx64 " (value %p), which "
		    "belongs elsewhere", __func__, (void *)cs->cs_tree,
		    (void *)parent, parent->pn_clev, parent->pn_prefix, slot,
		    key, (void *)val);
	if (cs->cs_nkeys != 0 && key <= cs->cs_last)
		panic("%s: trie %p: key %#" PRIx64 " (value %p) follows key %#"
		    PRIx64 " in order", __func__, (void *)cs->cs_tree, key,
		    (void *)val, cs->cs_last);
	cs->cs_last = key;
	cs->cs_nkeys++;
}

static void
pctrie_check_node(struct pctrie_checkstate *cs, struct pctrie_node *parent,
    int pslot, struct pctrie_node *node)
{
	uintptr_t word;
	u_int map;
	int clev, slot;

	cs->cs_nnodes++;
	clev = node->pn_clev;
	if (clev >= PCTRIE_LEVELS)
		panic("%s: trie %p: node %p has level %d", __func__,
		    (void *)cs->cs_tree, (void *)node, clev);
	if (node->pn_prefix != pctrie_trunc(node->pn_prefix, clev))
		panic("%s: trie %p: node %p level %d has prefix %#" PRIx64
		    " with bits at or below its digit", __func__,
		    (void *)cs->cs_tree, (void *)node, clev, node->pn_prefix);
	if (parent != NULL) {
		if (clev >= parent->pn_clev)
			panic("%s: trie %p: node %p level %d is not below its "
			    "parent %p level %d", __func__,
			    (void *)cs->cs_tree, (void *)node, clev,
			    (void *)parent, parent->pn_clev);
		if (pctrie_keybarr(parent, node->pn_prefix) ||
		    pctrie_slot(node->pn_prefix, parent->pn_clev) != pslot)
			panic("%s: trie %p: node %p (level %d, prefix %#"
			    PRIx64 ") does not belong in slot %d of node %p "
			    "(level %d, prefix %#" PRIx64 ")", __func__,
			    (void *)cs->cs_tree, (void *)node, clev,
			    node->pn_prefix, pslot, (void *)parent,
			    parent->pn_clev, parent->pn_prefix);
	}
	map = 0;
	for (slot = 0; slot < PCTRIE_COUNT; slot++)
		if (node->pn_child[slot] != PCTRIE_NULL)
			map |= 1u << slot;
	if (map != node->pn_popmap)
		panic("%s: trie %p: node %p popmap %#x, occupied slots %#x",
		    __func__, (void *)cs->cs_tree, (void *)node,
		    (u_int)node->pn_popmap, map);
	if ((map & (map - 1)) == 0)
		panic("%s: trie %p: node %p (level %d, prefix %#" PRIx64
		    ") has %d children", __func__, (void *)cs->cs_tree,
		    (void *)node, clev, node->pn_prefix,
		    __builtin_popcount(map));
	for (; map != 0; map &= map - 1) {
		slot = __builtin_ctz(map);
		word = node->pn_child[slot];
		if (pctrie_isleaf(word))
			pctrie_check_leaf(cs, node, slot, word);
		else
			pctrie_check_node(cs, node, slot, pctrie_tonode(word));
	}
}

/*
 * Walk the whole trie and panic on the first broken invariant (see the top
 * of this file).  Cost: linear in the number of keys.
 */
void
pctrie_check(struct pctrie *ptree)
{
	struct pctrie_checkstate cs;
	uintptr_t root;

	cs.cs_tree = ptree;
	cs.cs_last = 0;
	cs.cs_nkeys = 0;
	cs.cs_nnodes = 0;
	root = ptree->pt_root;
	if (root == PCTRIE_NULL)
		return;
	if (pctrie_isleaf(root))
		pctrie_check_leaf(&cs, NULL, 0, root);
	else
		pctrie_check_node(&cs, NULL, 0, pctrie_tonode(root));
	/* Implied by the above; a cheap cross-check of the walk itself. */
	if (cs.cs_nkeys != 0 && cs.cs_nnodes > cs.cs_nkeys - 1)
		panic("%s: trie %p: %zu nodes for %zu keys", __func__,
		    (void *)ptree, cs.cs_nnodes, cs.cs_nkeys);
}

static void
pctrie_print_word(uintptr_t word, int slot, int depth)
{
	struct pctrie_node *node;
	uint64_t *val;
	u_int map;

	if (pctrie_isleaf(word)) {
		val = pctrie_toval(word);
		printf("%*s[%x] leaf %#" PRIx64 " (value %p)\n", depth * 2, "",
		    slot, *val, (void *)val);
		return;
	}
	node = pctrie_tonode(word);
	printf("%*s[%x] node %p level %d prefix %#" PRIx64 " popmap %#06x\n",
	    depth * 2, "", slot, (void *)node, node->pn_clev, node->pn_prefix,
	    (u_int)node->pn_popmap);
	for (map = node->pn_popmap; map != 0; map &= map - 1)
		pctrie_print_word(node->pn_child[__builtin_ctz(map)],
		    __builtin_ctz(map), depth + 1);
}

/* Dump the trie's shape to stdout, for debuggers and vmsh. */
void
pctrie_print(struct pctrie *ptree)
{

	printf("pctrie %p:%s\n", (void *)ptree,
	    ptree->pt_root == PCTRIE_NULL ? " empty" : "");
	if (ptree->pt_root != PCTRIE_NULL)
		pctrie_print_word(ptree->pt_root, 0, 1);
	fflush(stdout);		/* often the last words before a panic */
}
