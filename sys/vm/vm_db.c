/*
 * DDB-style debugging dumps: "show map", "show object", "show page".
 *
 * FreeBSD's kernel debugger prints a map with its entries and, nested
 * under each entry, the entry's chain of objects (vm_map_print); an
 * object with its backing object and its resident pages
 * (vm_object_print); a page's identity and state (show pginfo).  These
 * are libvm's versions, written for a library rather than a stopped
 * machine, reached from vmsh's "show map|object|page" and callable by
 * anyone debugging libvm:
 *
 *   vm_db_show_map     the map header (pmap, bounds, entry count, size,
 *			timestamp, flags) and the address space's counters,
 *			then each entry: bounds, eflags decoded, protection,
 *			inheritance, wirings, offset, and one line per object
 *			of its chain, each backing object indented below its
 *			shadow;
 *   vm_db_show_object  the chain backing va from the top: each object's
 *			type, size, counts, flags, backing offset, whether
 *			va's page is resident there, and its resident pages
 *			(at most DB_PAGES_MAX lines an object);
 *   vm_db_show_page    the page a read fault at va would find (the
 *			top-most in the chain), its object, index and depth,
 *			queue, flags, references, busy state, valid/dirty
 *			bits, and what the pmap says about it.
 *
 * The formats are libvm's own; see vm_db(3) for an example of each.
 * Flag words are printed as the value and the names of its bits, the way
 * printf(9)'s %b does: "0xc<COW,NEEDS_COPY>".
 *
 * Locking.  DDB prints with the machine stopped and takes no lock; these
 * run while other threads use the address space, so every field is read
 * under the lock its legend names, or atomically where it is (a):
 *   - entries and the map header: the map lock, shared, for the whole call
 *     (the vmspace's (m) fields too; (c) fields and vm_refcnt need none);
 *   - an object's (o) fields and its pages' object, pindex, oflags, psind:
 *     the object's lock, read, taken top-down along the chain, each object
 *     locked before the one above it is released (the order of
 *     vm_map_entry_page and of the fault handler); the shadow's reference
 *     keeps its backing object alive while the shadow is locked;
 *   - a page found under its object's read lock stays that object's page
 *     (removal needs the write lock): its atomics (ref_count, busy_lock,
 *     astate, flags, valid, dirty) are loaded once each;
 *   - what the pmap knows (the PTE at va, the pv list) only through the
 *     pmap's functions, which take the pmap and pv locks themselves and
 *     may be called with the map and object locks held (pmap.h).
 * Lock order, then, as everywhere: map -> objects top-down -> pmap -> pv.
 * Nothing here busies or wires a page: that would change what is shown.
 * valid and dirty are changed under the page busy lock (b), but they are
 * atomics: a dump reads them as they are, without waiting for a busy
 * holder to finish.
 *
 * Output.  Everything is first printed into a memory buffer (struct
 * db_out, a small sbuf(9)) with the locks held, and written to fp only
 * after they are released: fp may be a pipe to a pager or a terminal
 * that blocks, and no lock of the VM may wait for it.  A call that fails
 * writes nothing.
 *
 * Invariants relied on (and not checked here: the checkers do that):
 * shadow chains are finite and short (collapse), a page is in its
 * object's trie and memq at the same index, an entry's object is
 * referenced by the entry.  A chain deeper than DB_CHAIN_MAX is cut off
 * with a note rather than walked for ever.
 */
#include <libvm.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <pmap/pmap.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>

#define	DB_PAGES_MAX	16	/* resident pages listed per object */
#define	DB_CHAIN_MAX	64	/* objects walked down a chain */

/* pmap_mincore()'s bits (FreeBSD's MINCORE_*, the values of <libvm.h>). */
#define	DB_MINCORE_INCORE	0x1
#define	DB_MINCORE_REFERENCED	0x2
#define	DB_MINCORE_MODIFIED	0x4
#define	DB_NOPA			((vm_paddr_t)-1) /* pmap_mincore left it */

/* ---- the output buffer -------------------------------------------------- */

/*
 * A growing string with DDB's indentation (db_indent): db_iprintf starts
 * a line with indent spaces.  An allocation failure is remembered and
 * makes the call fail with ENOMEM; printing goes on as a no-op.
 */
struct db_out {
	char	*buf;
	size_t	len;
	size_t	cap;
	int	indent;
	bool	nomem;
};

static void
db_vprintf(struct db_out *o, const char *fmt, va_list ap)
{
	va_list aq;
	size_t ncap;
	char *nbuf;
	int n;

	if (o->nomem)
		return;
	va_copy(aq, ap);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, aq);
	va_end(aq);
	if (n < 0) {
		o->nomem = true;
		return;
	}
	if ((size_t)n >= o->cap - o->len) {
		for (ncap = o->cap * 2; ncap - o->len <= (size_t)n; ncap *= 2)
			;
		if ((nbuf = realloc(o->buf, ncap)) == NULL) {
			o->nomem = true;
			return;
		}
		o->buf = nbuf;
		o->cap = ncap;
		(void)vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	}
	o->len += (size_t)n;
}

static void db_printf(struct db_out *o, const char *fmt, ...)
    __printflike(2, 3);
static void db_iprintf(struct db_out *o, const char *fmt, ...)
    __printflike(2, 3);

static void
db_printf(struct db_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	db_vprintf(o, fmt, ap);
	va_end(ap);
}

/* Start a line: indent spaces. */
static void
db_indent(struct db_out *o)
{
	db_printf(o, "%*s", o->indent, "");
}

static void
db_iprintf(struct db_out *o, const char *fmt, ...)
{
	va_list ap;

	db_indent(o);
	va_start(ap, fmt);
	db_vprintf(o, fmt, ap);
	va_end(ap);
}

static int
db_out_init(struct db_out *o)
{
	memset(o, 0, sizeof(*o));
	o->cap = 4096;
	if ((o->buf = malloc(o->cap)) == NULL)
		return (ENOMEM);
	o->buf[0] = '\0';
	return (0);
}

/*
 * Write the buffer to fp unless error is set, and free it.
 * => called with no lock held: fp may block.
 */
static int
db_out_finish(struct db_out *o, int error, FILE *fp)
{
	if (error == 0 && o->nomem)
		error = ENOMEM;
	errno = 0;
	if (error == 0 && o->len > 0 &&
	    (fwrite(o->buf, 1, o->len, fp) != o->len || fflush(fp) != 0))
		error = errno != 0 ? errno : EIO;
	free(o->buf);
	o->buf = NULL;
	return (error);
}

/* ---- decoding ----------------------------------------------------------- */

struct db_bit {
	u_int		bit;
	const char	*name;
};

/*
 * v as "0x<hex><NAME,NAME,...>"; set bits that have no name are listed
 * as a hex rest, except those of field (a count sharing the word).
 */
static void
db_bits(struct db_out *o, u_int v, u_int field, const struct db_bit *tab,
    size_t n)
{
	u_int rest = v & ~field;
	const char *sep = "<";
	size_t i;

	if (v == 0)
		db_printf(o, "0");
	else
		db_printf(o, "0x%x", v);
	for (i = 0; i < n; i++) {
		if ((v & tab[i].bit) == 0)
			continue;
		db_printf(o, "%s%s", sep, tab[i].name);
		rest &= ~tab[i].bit;
		sep = ",";
	}
	if (rest != 0)
		db_printf(o, "%s0x%x", sep, rest);
	if (sep[0] == ',' || rest != 0)
		db_printf(o, ">");
}
#define	DB_BITS(o, v, tab)	db_bits((o), (v), 0, (tab), nitems(tab))

static const struct db_bit db_map_flags[] = {
	{ MAP_WIREFUTURE, "WIREFUTURE" },
	{ MAP_ASLR, "ASLR" },
	{ MAP_ASLR_IGNSTART, "ASLR_IGNSTART" },
	{ MAP_WXORX, "WXORX" },
};

/* Entry flags; the split boundary (a psind, not a flag) is printed apart. */
static const struct db_bit db_entry_flags[] = {
	{ MAP_ENTRY_NOSYNC, "NOSYNC" },
	{ MAP_ENTRY_IS_SUB_MAP, "IS_SUB_MAP" },
	{ MAP_ENTRY_COW, "COW" },
	{ MAP_ENTRY_NEEDS_COPY, "NEEDS_COPY" },
	{ MAP_ENTRY_NOFAULT, "NOFAULT" },
	{ MAP_ENTRY_USER_WIRED, "USER_WIRED" },
	{ MAP_ENTRY_BEHAV_SEQUENTIAL, "SEQUENTIAL" },
	{ MAP_ENTRY_BEHAV_RANDOM, "RANDOM" },
	{ MAP_ENTRY_IN_TRANSITION, "IN_TRANSITION" },
	{ MAP_ENTRY_NEEDS_WAKEUP, "NEEDS_WAKEUP" },
	{ MAP_ENTRY_NOCOREDUMP, "NOCOREDUMP" },
	{ MAP_ENTRY_VN_EXEC, "VN_EXEC" },
	{ MAP_ENTRY_GROWS_DOWN, "GROWS_DOWN" },
	{ MAP_ENTRY_WRITECNT, "WRITECNT" },
	{ MAP_ENTRY_GUARD, "GUARD" },
	{ MAP_ENTRY_STACK_GAP_DN, "STACK_GAP_DN" },
	{ MAP_ENTRY_HEADER, "HEADER" },
};
/* Not flags of the mapping: a psind, and a copy of "has an object". */
#define	DB_EFLAGS_HIDDEN						\
	(MAP_ENTRY_SPLIT_BOUNDARY_MASK | MAP_ENTRY_BACKED)

static const struct db_bit db_object_flags[] = {
	{ OBJ_ANON, "ANON" },
	{ OBJ_ONEMAPPING, "ONEMAPPING" },
	{ OBJ_COLLAPSING, "COLLAPSING" },
	{ OBJ_DEAD, "DEAD" },
	{ OBJ_NOSPLIT, "NOSPLIT" },
};

static const struct db_bit db_page_flags[] = {
	{ PG_ZERO, "ZERO" },
	{ PG_FICTITIOUS, "FICTITIOUS" },
	{ PG_MARKER, "MARKER" },
	{ PG_NODUMP, "NODUMP" },
	{ PG_PCPUCACHE, "PCPUCACHE" },
	{ PG_BAD, "BAD" },
};

static const struct db_bit db_page_oflags[] = {
	{ VPO_UNMANAGED, "UNMANAGED" },
	{ VPO_SWAPINPROG, "SWAPINPROG" },
	{ VPO_NOSYNC, "NOSYNC" },
};

static const struct db_bit db_page_aflags[] = {
	{ PGA_WRITEABLE, "WRITEABLE" },
	{ PGA_REFERENCED, "REFERENCED" },
	{ PGA_EXECUTABLE, "EXECUTABLE" },
	{ PGA_ENQUEUED, "ENQUEUED" },
	{ PGA_DEQUEUE, "DEQUEUE" },
	{ PGA_REQUEUE, "REQUEUE" },
	{ PGA_REQUEUE_HEAD, "REQUEUE_HEAD" },
	{ PGA_NOSYNC, "NOSYNC" },
	{ PGA_SWAP_FREE, "SWAP_FREE" },
	{ PGA_SWAP_SPACE, "SWAP_SPACE" },
};

static const struct db_bit db_page_refs[] = {
	{ VPRC_OBJREF, "OBJREF" },
	{ VPRC_BLOCKED, "BLOCKED" },
};

static const char *const db_inherit_names[] = {
	[VM_INHERIT_SHARE] = "share",
	[VM_INHERIT_COPY] = "copy",
	[VM_INHERIT_NONE] = "none",
	[VM_INHERIT_ZERO] = "zero",
};

static const char *const db_objtype_names[] = {
	[OBJT_DEFAULT] = "default",
	[OBJT_SWAP] = "swap",
	[OBJT_VNODE] = "vnode",
	[OBJT_DEVICE] = "device",
	[OBJT_PHYS] = "phys",
	[OBJT_DEAD] = "dead",
};

static const char *const db_queue_names[PQ_COUNT] = {
	[PQ_INACTIVE] = "inactive",
	[PQ_ACTIVE] = "active",
	[PQ_LAUNDRY] = "laundry",
	[PQ_UNSWAPPABLE] = "unswappable",
};

static const char *
db_inherit_name(vm_inherit_t inh)
{
	return (inh < nitems(db_inherit_names) ? db_inherit_names[inh] : "?");
}

static const char *
db_objtype_name(objtype_t type)
{
	return ((size_t)type < nitems(db_objtype_names) ?
	    db_objtype_names[type] : "?");
}

/* "rwx" with '-' for what is missing. */
static const char *
db_prot(vm_prot_t prot, char buf[4])
{
	buf[0] = (prot & VM_PROT_READ) != 0 ? 'r' : '-';
	buf[1] = (prot & VM_PROT_WRITE) != 0 ? 'w' : '-';
	buf[2] = (prot & VM_PROT_EXECUTE) != 0 ? 'x' : '-';
	buf[3] = '\0';
	return (buf);
}

/* ---- objects ------------------------------------------------------------ */

/*
 * The pip count and its waiters flag, after "pip ".
 * => object locked (for the company; pip itself is atomic).
 */
static void
db_pip(struct db_out *o, vm_object_t object)
{
	int pip = atomic_load(&object->paging_in_progress);

	db_printf(o, "pip %d%s", pip & ~OBJ_PIP_WAITERS,
	    (pip & OBJ_PIP_WAITERS) != 0 ? "+waiters" : "");
}

/*
 * show map's view of an entry's chain: two lines an object (FreeBSD's
 * vm_object_print shape), each backing object indented one level under
 * its shadow, whose second line names it with the shadow's offset in it.
 * => map read-locked; no object locked.  Locks and unlocks the chain.
 */
static void
db_chain_short(struct db_out *o, vm_object_t object)
{
	vm_object_t next;
	int depth, indent0 = o->indent;

	VM_OBJECT_RLOCK(object);
	for (depth = 0;; depth++) {
		db_iprintf(o, "object %p: type %s size %ju res %d ref %d "
		    "shadows %d ", (void *)object,
		    db_objtype_name(object->type), (uintmax_t)object->size,
		    object->resident_page_count,
		    atomic_load(&object->ref_count), object->shadow_count);
		db_pip(o, object);
		db_printf(o, "\n");
		o->indent += 1;
		db_iprintf(o, "flags ");
		DB_BITS(o, object->flags, db_object_flags);
		next = object->backing_object;
		if (next != NULL)
			db_printf(o, " backing %p+0x%jx", (void *)next,
			    (uintmax_t)object->backing_object_offset);
		db_printf(o, "\n");
		if (next == NULL)
			break;
		if (depth + 1 == DB_CHAIN_MAX) {
			db_iprintf(o, "... chain deeper than %d objects\n",
			    DB_CHAIN_MAX);
			break;
		}
		VM_OBJECT_RLOCK(next);
		VM_OBJECT_RUNLOCK(object);
		object = next;
	}
	VM_OBJECT_RUNLOCK(object);
	o->indent = indent0;
}

/* ---- show map ----------------------------------------------------------- */

/* => map read-locked. */
static void
db_show_entry(struct db_out *o, vm_map_entry_t entry, vm_map_entry_t prev)
{
	char p[4], m[4];
	u_int psind;

	db_iprintf(o, "entry %p: [0x%jx, 0x%jx) eflags ", (void *)entry,
	    (uintmax_t)entry->start, (uintmax_t)entry->end);
	DB_BITS(o, entry->eflags & ~DB_EFLAGS_HIDDEN,
	    db_entry_flags);
	psind = MAP_ENTRY_SPLIT_BOUNDARY_INDEX(entry);
	if (psind != 0)
		db_printf(o, " split_psind %u", psind);
	db_printf(o, "\n");

	o->indent += 1;
	db_iprintf(o, "pages %ju prot %s/%s inherit %s wired %d ",
	    (uintmax_t)atop(entry->end - entry->start),
	    db_prot(entry->protection, p), db_prot(entry->max_protection, m),
	    db_inherit_name(entry->inheritance), entry->cold->wired_count);
	/* A stack's grow area keeps its guard size in next_read. */
	if ((entry->eflags & MAP_ENTRY_STACK_GAP_DN) != 0)
		db_printf(o, "stack_guard 0x%jx ",
		    (uintmax_t)entry->cold->next_read);
	db_printf(o, "offset 0x%jx object ", (uintmax_t)entry->cold->offset);
	if (entry->cold->object == NULL) {
		db_printf(o, "none\n");
	} else if (prev != NULL && prev->cold->object == entry->cold->object) {
		/* FreeBSD prints a chain once for consecutive sharers. */
		db_printf(o, "%p (as above)\n", (void *)entry->cold->object);
	} else {
		db_printf(o, "%p\n", (void *)entry->cold->object);
		o->indent += 1;
		db_chain_short(o, entry->cold->object);
		o->indent -= 1;
	}
	o->indent -= 1;
}

/*
 * => called with nothing locked; takes the map lock shared.
 */
__exported int
vm_db_show_map(struct vmspace *vs, FILE *fp)
{
	struct db_out o;
	vm_map_t map;
	vm_map_entry_t entry, prev;
	struct pmap *pmap;
	int error;

	if (vs == NULL || fp == NULL)
		return (EINVAL);
	if ((error = db_out_init(&o)) != 0)
		return (error);
	map = &vs->vm_map;
	pmap = vs->vm_pmap;

	vm_map_lock_read(map);
	db_printf(&o, "map %p: vmspace %p refcnt %d pmap %p\n", (void *)map,
	    (void *)vs, atomic_load(&vs->vm_refcnt), (void *)pmap);
	o.indent = 1;
	db_iprintf(&o, "range [0x%jx, 0x%jx) nentries %d size 0x%jx "
	    "(%ju pages) timestamp %u\n", (uintmax_t)vm_map_min(map),
	    (uintmax_t)vm_map_max(map), map->nentries, (uintmax_t)map->size,
	    (uintmax_t)atop(map->size), map->timestamp);
	db_iprintf(&o, "flags ");
	DB_BITS(&o, map->flags, db_map_flags);
	db_printf(&o, " busy %d anon_loc 0x%jx sbrk [0x%jx, 0x%jx)\n",
	    map->busy, (uintmax_t)map->anon_loc, (uintmax_t)map->sbrk_start,
	    (uintmax_t)map->sbrk_end);
	db_iprintf(&o, "data 0x%jx dsize 0x%jx uwired %lu",
	    (uintmax_t)vs->vm_daddr, (uintmax_t)vs->vm_dsize, vs->vm_uwired);
	if (pmap != NULL)
		db_printf(&o, " pmap resident %ld wired %ld",
		    pmap_resident_count(pmap), pmap_wired_count(pmap));
	db_printf(&o, "\n");
	prev = NULL;
	VM_MAP_ENTRY_FOREACH(entry, map) {
		db_show_entry(&o, entry, prev);
		prev = entry;
	}
	vm_map_unlock_read(map);
	return (db_out_finish(&o, 0, fp));
}

/* ---- show object -------------------------------------------------------- */

/*
 * Look up the entry containing va.
 * => map read-locked; NULL if va is in no entry.
 */
static vm_map_entry_t
db_lookup(vm_map_t map, vm_offset_t va)
{
	vm_map_entry_t entry;

	if (va < vm_map_min(map) || va >= vm_map_max(map))
		return (NULL);
	if (!vm_map_lookup_entry(map, va, &entry))
		return (NULL);
	return (entry);
}

/* => map read-locked. */
static void
db_entry_brief(struct db_out *o, vm_offset_t va, vm_map_entry_t entry)
{
	db_printf(o, "va 0x%jx: entry %p [0x%jx, 0x%jx)\n", (uintmax_t)va,
	    (void *)entry, (uintmax_t)entry->start, (uintmax_t)entry->end);
	db_printf(o, " offset 0x%jx eflags ", (uintmax_t)entry->cold->offset);
	DB_BITS(o, entry->eflags & ~DB_EFLAGS_HIDDEN,
	    db_entry_flags);
	db_printf(o, "\n");
}

/*
 * show object's view of one object: its state, va's page in it, and its
 * first DB_PAGES_MAX resident pages.
 * => object read-locked.
 */
static void
db_object_long(struct db_out *o, vm_object_t object, int depth,
    vm_pindex_t pindex)
{
	vm_page_t m;
	int n;

	VM_OBJECT_ASSERT_LOCKED(object);
	db_iprintf(o, "object %p: depth %d type %s size %ju\n",
	    (void *)object, depth, db_objtype_name(object->type),
	    (uintmax_t)object->size);
	o->indent += 1;
	db_iprintf(o, "resident %d ref %d shadows %d ",
	    object->resident_page_count, atomic_load(&object->ref_count),
	    object->shadow_count);
	db_pip(o, object);
	db_printf(o, " generation %ju\n", (uintmax_t)object->generation);
	db_iprintf(o, "flags ");
	DB_BITS(o, object->flags, db_object_flags);
	if (object->backing_object != NULL)
		db_printf(o, " backing %p+0x%jx",
		    (void *)object->backing_object,
		    (uintmax_t)object->backing_object_offset);
	else
		db_printf(o, " backing none");
	db_printf(o, "\n");
	m = vm_page_lookup(object, pindex);
	db_iprintf(o, "va's pindex 0x%jx: ", (uintmax_t)pindex);
	if (m != NULL)
		db_printf(o, "resident, page %p pa 0x%jx\n", (void *)m,
		    (uintmax_t)VM_PAGE_TO_PHYS(m));
	else if (pindex >= object->size)
		db_printf(o, "beyond the object\n");
	else
		db_printf(o, "not resident\n");
	db_iprintf(o, "resident pages:%s\n",
	    TAILQ_EMPTY(&object->memq) ? " none" : "");
	o->indent += 1;
	n = 0;
	TAILQ_FOREACH(m, &object->memq, listq) {
		if (n == DB_PAGES_MAX) {
			db_iprintf(o, "... %d more\n",
			    object->resident_page_count - n);
			break;
		}
		db_iprintf(o, "pindex 0x%jx -> pa 0x%jx\n",
		    (uintmax_t)m->pindex,
		    (uintmax_t)VM_PAGE_TO_PHYS(m));
		n++;
	}
	o->indent -= 2;
}

/*
 * => called with nothing locked; takes the map lock shared and the
 *    chain's object locks, read, top-down.
 */
__exported int
vm_db_show_object(struct vmspace *vs, vm_offset_t va, FILE *fp)
{
	struct db_out o;
	vm_map_t map;
	vm_map_entry_t entry;
	vm_object_t object, next;
	vm_pindex_t pindex;
	int depth, error;

	if (vs == NULL || fp == NULL)
		return (EINVAL);
	if ((error = db_out_init(&o)) != 0)
		return (error);
	map = &vs->vm_map;
	vm_map_lock_read(map);
	entry = db_lookup(map, va);
	if (entry == NULL || (object = entry->cold->object) == NULL) {
		vm_map_unlock_read(map);
		return (db_out_finish(&o, ENOENT, fp));
	}
	pindex = OFF_TO_IDX(entry->cold->offset + (trunc_page(va) -
	    entry->start));
	db_entry_brief(&o, va, entry);
	VM_OBJECT_RLOCK(object);
	for (depth = 0;; depth++) {
		db_object_long(&o, object, depth, pindex);
		if ((next = object->backing_object) == NULL)
			break;
		o.indent += 2;
		if (depth + 1 == DB_CHAIN_MAX) {
			db_iprintf(&o, "... chain deeper than %d objects\n",
			    DB_CHAIN_MAX);
			break;
		}
		pindex += OFF_TO_IDX(object->backing_object_offset);
		VM_OBJECT_RLOCK(next);
		VM_OBJECT_RUNLOCK(object);
		object = next;
	}
	VM_OBJECT_RUNLOCK(object);
	vm_map_unlock_read(map);
	return (db_out_finish(&o, 0, fp));
}

/* ---- show page ---------------------------------------------------------- */

/* The busy word in words. */
static void
db_busy(struct db_out *o, u_int x)
{
	db_printf(o, "busy 0x%x ", x);
	if (x == VPB_UNBUSIED)
		db_printf(o, "unbusied");
	else if (x == VPB_FREED)
		db_printf(o, "freed");
	else if ((x & VPB_BIT_SHARED) != 0)
		db_printf(o, "shared by %u", VPB_SHARERS(x));
	else
		db_printf(o, "exclusive, thread %u", VPB_SHARERS(x));
	if (x != VPB_FREED && (x & VPB_BIT_WAITERS) != 0)
		db_printf(o, ", waiters");
	db_printf(o, "\n");
}

/*
 * The page m of object, found for va at depth in a chain of at least
 * depth + 1 objects.
 * => map read-locked, object read-locked: m stays object's page.
 */
static void
db_page(struct db_out *o, struct vmspace *vs, vm_offset_t va,
    vm_map_entry_t entry, vm_object_t object __unused, int depth,
    vm_page_t m)
{
	vm_page_astate_t a;
	vm_paddr_t pa, mpa;
	u_int ref;
	int mi, q;

	VM_OBJECT_ASSERT_LOCKED(object);
	mpa = VM_PAGE_TO_PHYS(m);
	db_printf(o, "va 0x%jx: page %p pa 0x%jx\n", (uintmax_t)va, (void *)m,
	    (uintmax_t)mpa);
	o->indent = 1;
	db_iprintf(o, "object %p pindex 0x%jx depth %d", (void *)m->object,
	    (uintmax_t)m->pindex, depth);
	if (depth > 0)
		db_printf(o, " (below the top: a write copies it)\n");
	else if ((entry->eflags & MAP_ENTRY_NEEDS_COPY) != 0)
		db_printf(o, " (entry needs copy: a write shadows it)\n");
	else
		db_printf(o, " (the top object)\n");

	a = vm_page_astate_load(m);
	q = a.queue;
	db_iprintf(o, "queue %s act_count %u aflags ",
	    q < PQ_COUNT ? db_queue_names[q] : q == PQ_NONE ? "none" : "?",
	    a.act_count);
	DB_BITS(o, a.flags, db_page_aflags);
	db_printf(o, "\n");
	db_iprintf(o, "flags ");
	DB_BITS(o, atomic_load(&m->flags), db_page_flags);
	db_printf(o, " oflags ");
	DB_BITS(o, m->oflags, db_page_oflags);
	db_printf(o, " psind %d domain %u\n", m->psind, m->domain);
	ref = atomic_load(&m->ref_count);
	db_iprintf(o, "ref ");
	db_bits(o, ref, VPRC_WIRE_COUNT(~0u), db_page_refs,
	    nitems(db_page_refs));
	db_printf(o, " wire_count %u\n", VPRC_WIRE_COUNT(ref));
	db_indent(o);
	db_busy(o, atomic_load(&m->busy_lock));
	db_iprintf(o, "valid 0x%x dirty 0x%x\n", atomic_load(&m->valid),
	    atomic_load(&m->dirty));

	if (vs->vm_pmap != NULL) {
		pa = DB_NOPA;
		mi = pmap_mincore(vs->vm_pmap, va, &pa);
		db_iprintf(o, "pmap %p: ", (void *)vs->vm_pmap);
		if ((mi & DB_MINCORE_INCORE) == 0)
			db_printf(o, "va not mapped");
		else if (pa == DB_NOPA)
			db_printf(o, "va mapped, unmanaged");
		else
			db_printf(o, "va -> pa 0x%jx (%s)", (uintmax_t)pa,
			    pa == mpa ? "this page" : "another page");
		if ((mi & DB_MINCORE_REFERENCED) != 0)
			db_printf(o, " referenced");
		if ((mi & DB_MINCORE_MODIFIED) != 0)
			db_printf(o, " modified");
		db_printf(o, "\n");
	}
	if ((m->oflags & VPO_UNMANAGED) == 0)
		db_iprintf(o, "pv: mapped %s referenced %s modified %s\n",
		    pmap_page_is_mapped(m) ? "yes" : "no",
		    pmap_is_referenced(m) ? "yes" : "no",
		    pmap_is_modified(m) ? "yes" : "no");
}

/*
 * => called with nothing locked; takes the map lock shared and the
 *    chain's object locks, read, top-down, as a read fault walks it.
 */
__exported int
vm_db_show_page(struct vmspace *vs, vm_offset_t va, FILE *fp)
{
	struct db_out o;
	vm_map_t map;
	vm_map_entry_t entry;
	vm_object_t object, next;
	vm_pindex_t pindex;
	vm_page_t m;
	int depth, error;

	if (vs == NULL || fp == NULL)
		return (EINVAL);
	if ((error = db_out_init(&o)) != 0)
		return (error);
	map = &vs->vm_map;
	vm_map_lock_read(map);
	entry = db_lookup(map, va);
	if (entry == NULL || (object = entry->cold->object) == NULL) {
		vm_map_unlock_read(map);
		return (db_out_finish(&o, ENOENT, fp));
	}
	pindex = OFF_TO_IDX(entry->cold->offset + (trunc_page(va) -
	    entry->start));
	VM_OBJECT_RLOCK(object);
	/* vm_fault_find_page's walk, without busying anything. */
	for (depth = 0, m = NULL; depth < DB_CHAIN_MAX; depth++) {
		if (depth == 0 && pindex >= object->size)
			break;
		if ((m = vm_page_lookup(object, pindex)) != NULL)
			break;
		next = object->backing_object;
		if (next == NULL || pindex >= object->size)
			break;
		pindex += OFF_TO_IDX(object->backing_object_offset);
		VM_OBJECT_RLOCK(next);
		VM_OBJECT_RUNLOCK(object);
		object = next;
	}
	if (m != NULL)
		db_page(&o, vs, va, entry, object, depth, m);
	else
		error = ENOENT;
	VM_OBJECT_RUNLOCK(object);
	vm_map_unlock_read(map);
	return (db_out_finish(&o, error, fp));
}
