/*
 * pctrie: a path-compressed radix trie keyed by 64-bit integers.
 *
 * A pctrie maps a uint64_t key to a value, and the value is a pointer to
 * the key itself: the caller embeds a uint64_t in its own structure (a
 * page's pindex, say), stores the address of that field, and gets the
 * structure back with __containerof().  The trie therefore never copies
 * keys and never owns the things it indexes.
 *
 * Nor does it own its memory.  Interior nodes come from the caller through
 * a pctrie_alloc_t callback, one node per call and each exactly
 * pctrie_node_size() bytes, and go back through a pctrie_free_t callback.
 * An insertion needs at most one new node and asks for it before changing
 * anything, so a failed allocation (the callback returns NULL) leaves the
 * trie exactly as it was and the insertion returns ENOMEM.  A removal never
 * allocates.  Nothing here sleeps; whether the callbacks may is their
 * business.
 *
 * Locking: none.  The trie has no lock of its own and is protected by its
 * owner's lock (for the pages of a vm_object, the object's lock): lookups
 * need it held at least shared, insertions and removals exclusive.  The
 * owner's wrappers are the place to assert that.
 *
 * Iteration is by key: PCTRIE_FOREACH() asks for the smallest key above the
 * one it just visited, so a loop survives insertions and removals made by
 * its body (a removed current element is not revisited; use
 * PCTRIE_FOREACH_SAFE() when the body also frees it).  Each step costs one
 * descent, a handful of node visits.
 *
 * Contracts, in the NetBSD style:
 *	=> every value is the address of a uint64_t at least 2-byte aligned
 *	   (the trie tags leaves in the low bit of child pointers);
 *	=> a key is inserted at most once: inserting a key already present
 *	   is a caller bug and panics;
 *	=> the key stored in a value must not change while the value is in
 *	   the trie (pctrie_check() notices when it has).
 */
#ifndef _SYS_PCTRIE_H_
#define _SYS_PCTRIE_H_

#include <sys/param.h>

/*
 * The trie's root.  pt_root is 0 for an empty trie, a tagged leaf (a value
 * pointer with bit 0 set) when the trie holds a single key, and otherwise a
 * pointer to the topmost interior node.  All-zero is a valid empty trie.
 */
struct pctrie {
	uintptr_t	pt_root;	/* (owner's lock) */
};

#define	PCTRIE_INITIALIZER	{ 0 }

typedef void	*pctrie_alloc_t(struct pctrie *ptree);
typedef void	pctrie_free_t(struct pctrie *ptree, void *node);

size_t		pctrie_node_size(void);

void		pctrie_init(struct pctrie *ptree);
bool		pctrie_is_empty(struct pctrie *ptree);
int		pctrie_insert(struct pctrie *ptree, uint64_t *val,
		    pctrie_alloc_t *allocfn);
uint64_t	*pctrie_lookup(struct pctrie *ptree, uint64_t key);
uint64_t	*pctrie_lookup_ge(struct pctrie *ptree, uint64_t key);
uint64_t	*pctrie_lookup_le(struct pctrie *ptree, uint64_t key);
uint64_t	*pctrie_lookup_next(struct pctrie *ptree, uint64_t key);
uint64_t	*pctrie_lookup_prev(struct pctrie *ptree, uint64_t key);
uint64_t	*pctrie_remove_lookup(struct pctrie *ptree, uint64_t key,
		    pctrie_free_t *freefn);
void		pctrie_remove(struct pctrie *ptree, uint64_t key,
		    pctrie_free_t *freefn);
void		pctrie_reclaim_allnodes(struct pctrie *ptree,
		    pctrie_free_t *freefn);
size_t		pctrie_count(struct pctrie *ptree);
void		pctrie_check(struct pctrie *ptree);
void		pctrie_print(struct pctrie *ptree);

/*
 * Iteration over the raw values (uint64_t *), in increasing or decreasing
 * key order.  lookup_next/lookup_prev take care of the ends of the key
 * space, so a trie holding 0 or UINT64_MAX terminates.
 */
#define	PCTRIE_FOREACH(var, ptree)					\
	for ((var) = pctrie_lookup_ge((ptree), 0);			\
	    (var) != NULL;						\
	    (var) = pctrie_lookup_next((ptree), *(var)))

#define	PCTRIE_FOREACH_FROM(var, ptree, start)				\
	for ((var) = pctrie_lookup_ge((ptree), (start));		\
	    (var) != NULL;						\
	    (var) = pctrie_lookup_next((ptree), *(var)))

#define	PCTRIE_FOREACH_REVERSE(var, ptree)				\
	for ((var) = pctrie_lookup_le((ptree), UINT64_MAX);		\
	    (var) != NULL;						\
	    (var) = pctrie_lookup_prev((ptree), *(var)))

/* The body may remove and free var; tvar holds the next value. */
#define	PCTRIE_FOREACH_SAFE(var, ptree, tvar)				\
	for ((var) = pctrie_lookup_ge((ptree), 0);			\
	    (var) != NULL &&						\
	    ((tvar) = pctrie_lookup_next((ptree), *(var)), 1);		\
	    (var) = (tvar))

/*
 * Typed iteration over a trie set up with PCTRIE_DEFINE(name, ...): var is
 * a struct type pointer.
 */
#define	PCTRIE_FOREACH_TYPED(name, var, ptree)				\
	for ((var) = name##_PCTRIE_LOOKUP_GE((ptree), 0);		\
	    (var) != NULL;						\
	    (var) = name##_PCTRIE_NEXT((ptree), (var)))

#define	PCTRIE_FOREACH_TYPED_SAFE(name, var, ptree, tvar)		\
	for ((var) = name##_PCTRIE_LOOKUP_GE((ptree), 0);		\
	    (var) != NULL &&						\
	    ((tvar) = name##_PCTRIE_NEXT((ptree), (var)), 1);		\
	    (var) = (tvar))

/*
 * PCTRIE_DEFINE(name, type, field, allocfn, freefn) generates typed
 * wrappers for a trie of struct type keyed by its uint64_t member field,
 * with nodes from allocfn (a pctrie_alloc_t) and back to freefn (a
 * pctrie_free_t), both declared before the macro is used:
 *
 *	int	name_PCTRIE_INSERT(struct pctrie *, struct type *);
 *	struct type *name_PCTRIE_LOOKUP(struct pctrie *, uint64_t);
 *	struct type *name_PCTRIE_LOOKUP_GE(struct pctrie *, uint64_t);
 *	struct type *name_PCTRIE_LOOKUP_LE(struct pctrie *, uint64_t);
 *	struct type *name_PCTRIE_NEXT(struct pctrie *, struct type *);
 *	struct type *name_PCTRIE_PREV(struct pctrie *, struct type *);
 *	void	name_PCTRIE_REMOVE(struct pctrie *, uint64_t);
 *	struct type *name_PCTRIE_REMOVE_LOOKUP(struct pctrie *, uint64_t);
 *	void	name_PCTRIE_RECLAIM(struct pctrie *);
 *	struct type *name_PCTRIE_VAL2PTR(uint64_t *);
 *	uint64_t *name_PCTRIE_PTR2VAL(struct type *);
 */
#define	PCTRIE_DEFINE(name, type, field, allocfn, freefn)		\
									\
_Static_assert(sizeof(((struct type *)0)->field) == sizeof(uint64_t),	\
    "PCTRIE_DEFINE(" #name "): key field " #field " is not 64 bits");	\
									\
static inline __unused struct type *					\
name##_PCTRIE_VAL2PTR(uint64_t *val)					\
{									\
									\
	return (val == NULL ? NULL :					\
	    __containerof(val, struct type, field));			\
}									\
									\
static inline __unused uint64_t *					\
name##_PCTRIE_PTR2VAL(struct type *ptr)					\
{									\
									\
	return (&ptr->field);						\
}									\
									\
static inline __unused int						\
name##_PCTRIE_INSERT(struct pctrie *ptree, struct type *ptr)		\
{									\
									\
	return (pctrie_insert(ptree, name##_PCTRIE_PTR2VAL(ptr),	\
	    allocfn));							\
}									\
									\
static inline __unused struct type *					\
name##_PCTRIE_LOOKUP(struct pctrie *ptree, uint64_t key)		\
{									\
									\
	return (name##_PCTRIE_VAL2PTR(pctrie_lookup(ptree, key)));	\
}									\
									\
static inline __unused struct type *					\
name##_PCTRIE_LOOKUP_GE(struct pctrie *ptree, uint64_t key)		\
{									\
									\
	return (name##_PCTRIE_VAL2PTR(pctrie_lookup_ge(ptree, key)));	\
}									\
									\
static inline __unused struct type *					\
name##_PCTRIE_LOOKUP_LE(struct pctrie *ptree, uint64_t key)		\
{									\
									\
	return (name##_PCTRIE_VAL2PTR(pctrie_lookup_le(ptree, key)));	\
}									\
									\
static inline __unused struct type *					\
name##_PCTRIE_NEXT(struct pctrie *ptree, struct type *ptr)		\
{									\
									\
	return (name##_PCTRIE_VAL2PTR(pctrie_lookup_next(ptree,		\
	    ptr->field)));						\
}									\
									\
static inline __unused struct type *					\
name##_PCTRIE_PREV(struct pctrie *ptree, struct type *ptr)		\
{									\
									\
	return (name##_PCTRIE_VAL2PTR(pctrie_lookup_prev(ptree,		\
	    ptr->field)));						\
}									\
									\
static inline __unused void						\
name##_PCTRIE_REMOVE(struct pctrie *ptree, uint64_t key)		\
{									\
									\
	pctrie_remove(ptree, key, freefn);				\
}									\
									\
static inline __unused struct type *					\
name##_PCTRIE_REMOVE_LOOKUP(struct pctrie *ptree, uint64_t key)		\
{									\
									\
	return (name##_PCTRIE_VAL2PTR(pctrie_remove_lookup(ptree, key,	\
	    freefn)));							\
}									\
									\
static inline __unused void						\
name##_PCTRIE_RECLAIM(struct pctrie *ptree)				\
{									\
									\
	pctrie_reclaim_allnodes(ptree, freefn);				\
}									\
struct __hack

#endif /* !_SYS_PCTRIE_H_ */
