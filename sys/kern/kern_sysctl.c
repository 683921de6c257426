/*
 * kern_sysctl.c: the sysctl tree.
 *
 * What it does.  Every module publishes its tunables and statistics as
 * OIDs in one tree of names ("vm.stats.vm.v_page_count").  An interior
 * OID is a node (CTLTYPE_NODE) whose children hang on an SLIST kept
 * sorted by name (strcmp order), so a depth-first walk visits names in a
 * fixed, sorted order and two runs list the tree identically.  A leaf
 * carries a type, access flags, a format string for tools ("I", "IU",
 * "QU", "A", ...) and a handler that moves the value between the
 * variable and a struct sysctl_req, exactly as FreeBSD's handlers do:
 * the handler first produces the current value with SYSCTL_OUT and then,
 * if the request carries a new value, consumes it with SYSCTL_IN.  The
 * root is a nameless node created by sysctl_init(); the whole tree,
 * every name, format and description is freed by sysctl_fini().
 *
 * Requests.  sysctl_out() always advances oldidx by the full length, so
 * a request without a buffer measures the value; with a buffer it copies
 * what fits and reports ENOMEM when something did not.  sysctl_in()
 * refuses (EINVAL) to read past the end of the new value.  The standard
 * handlers for fixed-size types (int, u_int, long, 64-bit, opaque,
 * counter) additionally insist that the new value is exactly the
 * variable's size (EINVAL otherwise).  A handler that fails to produce
 * the old value (ENOMEM) does not apply the new one, as in FreeBSD.
 *
 * kernel_sysctlbyname() follows sysctlbyname(3) and FreeBSD's
 * kernel_sysctl():
 *	- an unknown name is ENOENT; so is a malformed one: "", ".", "a..b"
 *	  and "vm." (FreeBSD's name parser quietly accepts the trailing dot
 *	  and means "vm"; libvm refuses every empty component), and a name
 *	  that continues past a leaf ("vm.overcommit.x", as FreeBSD's
 *	  name2oid does);
 *	- a node without a handler ("vm.stats") is EISDIR, for reads,
 *	  writes and size queries alike.  This is what FreeBSD returns for
 *	  sysctlbyname("vm.stats", ...): name2oid resolves the node, then
 *	  sysctl_root() refuses to "call" a node that has no handler, and
 *	  sysctl(3) documents EISDIR for "an intermediate rather than
 *	  terminal name".  It is not ENOENT: the name exists, and a
 *	  caller can tell "no such name" from "list me instead".  A node
 *	  with a handler is called like a leaf;
 *	- a new value (newp != NULL, whatever newlen) for an OID without
 *	  CTLFLAG_WR is EPERM, checked before the handler runs;
 *	- oldlenp NULL: the old value is neither read nor measured (FreeBSD
 *	  would fail such a read with ENOMEM when oldp is not NULL; libvm
 *	  takes "no length" to mean "no read");
 *	- oldp NULL, oldlenp not NULL: *oldlenp receives the size needed;
 *	- on success *oldlenp is the number of bytes produced; on ENOMEM it
 *	  is the number copied (the caller's size); on other errors it is
 *	  left alone (sys___sysctl's rule);
 *	- before sysctl_init() (or after sysctl_fini()) every call is ENXIO,
 *	  like the public calls before vm_boot().
 * CTLFLAG_RD is reported by vm_sysctl_info() but, as in FreeBSD, not
 * enforced on reads.
 *
 * Listing.  vm_sysctl_next() walks the tree in preorder and returns the
 * first "leaf" (an OID that can be queried: not a node, or a node with a
 * handler) strictly after the given name; "" starts before the first
 * child of the root, and a node name therefore yields the first leaf of
 * its subtree (or the leaf after it when the subtree has none).
 *
 * Locking.  One sx lock, "sysctl", protects the shape of the tree:
 * lookups, listing and handler calls hold it shared; additions and
 * removals hold it exclusive, so a handler may sleep but must not add or
 * remove OIDs, nor call kernel_sysctlbyname() (a shared hold does not
 * recurse past a waiting writer).  The fields of an OID are constant
 * from its creation to its removal.  Handlers for plain variables read
 * and write int, long and 64-bit values with relaxed atomic accesses
 * (the variables are also updated by their modules without taking any
 * sysctl lock).  String and opaque values cannot be copied atomically,
 * so a second sx lock, "sysctl value", is taken shared to copy one out
 * and exclusive to copy one in: two sysctl callers never see a
 * half-written string.  Lock order: sysctl -> sysctl value.
 *
 * Invariants.
 *	- sysctl_rootoid != NULL exactly between sysctl_init() and
 *	  sysctl_fini();
 *	- every OID but the root has a non-empty name without '.', and a
 *	  parent that is a node;
 *	- siblings have distinct names and are sorted by strcmp();
 *	- a request satisfies newidx <= newlen.
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/counter.h>
#include <sys/kernel.h>
#include <sys/sx.h>
#include <sys/sysctl.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libvm.h>

CTASSERT(VM_CTLTYPE_NODE == CTLTYPE_NODE);
CTASSERT(VM_CTLTYPE_INT == CTLTYPE_INT);
CTASSERT(VM_CTLTYPE_STRING == CTLTYPE_STRING);
CTASSERT(VM_CTLTYPE_S64 == CTLTYPE_S64);
CTASSERT(VM_CTLTYPE_OPAQUE == CTLTYPE_OPAQUE);
CTASSERT(VM_CTLTYPE_UINT == CTLTYPE_UINT);
CTASSERT(VM_CTLTYPE_LONG == CTLTYPE_LONG);
CTASSERT(VM_CTLTYPE_ULONG == CTLTYPE_ULONG);
CTASSERT(VM_CTLTYPE_U64 == CTLTYPE_U64);
CTASSERT(VM_CTLFLAG_RD == CTLFLAG_RD);
CTASSERT(VM_CTLFLAG_WR == CTLFLAG_WR);

static struct sx sysctl_lock;		/* the tree's shape */
static struct sx sysctl_vallock;	/* string and opaque values */
static struct sysctl_oid *sysctl_rootoid; /* (c) between init and fini */

#define	OID_ISNODE(oid)	(((oid)->oid_kind & CTLTYPE) == CTLTYPE_NODE)
/* Can be queried: what vm_sysctl_next() lists. */
#define	OID_ISLEAF(oid)	(!OID_ISNODE(oid) || (oid)->oid_handler != NULL)

/* ---- requests ---------------------------------------------------------- */

int
sysctl_out(struct sysctl_req *req, const void *p, size_t l)
{
	size_t start, n;

	start = req->oldidx;
	req->oldidx += l;
	if (req->oldptr == NULL)
		return (0);
	KASSERT(p != NULL || l == 0,
	    ("%s: req %p: no data for a %zu-byte output", __func__, req, l));
	n = start >= req->oldlen ? 0 : MIN(l, req->oldlen - start);
	if (n > 0)
		memcpy((char *)req->oldptr + start, p, n);
	return (n == l ? 0 : ENOMEM);
}

int
sysctl_in(struct sysctl_req *req, void *p, size_t l)
{

	if (req->newptr == NULL)
		return (0);
	KASSERT(req->newidx <= req->newlen,
	    ("%s: req %p: newidx %zu > newlen %zu", __func__, req,
	    req->newidx, req->newlen));
	if (req->newlen - req->newidx < l)
		return (EINVAL);
	memcpy(p, (const char *)req->newptr + req->newidx, l);
	req->newidx += l;
	return (0);
}

/* Bytes of the new value not yet consumed. */
static size_t
sysctl_newleft(const struct sysctl_req *req)
{

	return (req->newlen - req->newidx);
}

/* ---- standard handlers ------------------------------------------------- */

/*
 * int and u_int.  arg1 NULL publishes the constant arg2 (read-only).
 */
int
sysctl_handle_int(struct sysctl_oid *oidp __unused, void *arg1, intmax_t arg2,
    struct sysctl_req *req)
{
	int val, error;

	if (arg1 != NULL)
		val = __atomic_load_n((int *)arg1, __ATOMIC_RELAXED);
	else
		val = (int)arg2;
	error = SYSCTL_OUT(req, &val, sizeof(val));
	if (error != 0 || req->newptr == NULL)
		return (error);
	if (arg1 == NULL)
		return (EPERM);
	if (sysctl_newleft(req) != sizeof(val))
		return (EINVAL);
	error = SYSCTL_IN(req, &val, sizeof(val));
	if (error == 0)
		__atomic_store_n((int *)arg1, val, __ATOMIC_RELAXED);
	return (error);
}

/* long and u_long. */
int
sysctl_handle_long(struct sysctl_oid *oidp __unused, void *arg1,
    intmax_t arg2, struct sysctl_req *req)
{
	long val;
	int error;

	if (arg1 != NULL)
		val = __atomic_load_n((long *)arg1, __ATOMIC_RELAXED);
	else
		val = (long)arg2;
	error = SYSCTL_OUT(req, &val, sizeof(val));
	if (error != 0 || req->newptr == NULL)
		return (error);
	if (arg1 == NULL)
		return (EPERM);
	if (sysctl_newleft(req) != sizeof(val))
		return (EINVAL);
	error = SYSCTL_IN(req, &val, sizeof(val));
	if (error == 0)
		__atomic_store_n((long *)arg1, val, __ATOMIC_RELAXED);
	return (error);
}

/* int64_t and uint64_t. */
int
sysctl_handle_64(struct sysctl_oid *oidp __unused, void *arg1, intmax_t arg2,
    struct sysctl_req *req)
{
	uint64_t val;
	int error;

	if (arg1 != NULL)
		val = __atomic_load_n((uint64_t *)arg1, __ATOMIC_RELAXED);
	else
		val = (uint64_t)arg2;
	error = SYSCTL_OUT(req, &val, sizeof(val));
	if (error != 0 || req->newptr == NULL)
		return (error);
	if (arg1 == NULL)
		return (EPERM);
	if (sysctl_newleft(req) != sizeof(val))
		return (EINVAL);
	error = SYSCTL_IN(req, &val, sizeof(val));
	if (error == 0)
		__atomic_store_n((uint64_t *)arg1, val, __ATOMIC_RELAXED);
	return (error);
}

/*
 * A NUL-terminated string in a buffer of arg2 bytes.  A read produces the
 * string and its NUL.  A write stores newlen bytes and a NUL, so it needs
 * newlen < arg2 (EINVAL otherwise); arg2 == 0 marks a constant string.
 */
int
sysctl_handle_string(struct sysctl_oid *oidp __unused, void *arg1,
    intmax_t arg2, struct sysctl_req *req)
{
	char *s;
	size_t len, newlen;
	int error;

	s = arg1;
	KASSERT(s != NULL, ("%s: oid %p: no string", __func__, oidp));
	sx_slock(&sysctl_vallock);
	/* Bounded: a full buffer without a NUL still gets one on output. */
	len = arg2 > 0 ? strnlen(s, (size_t)arg2) : strlen(s);
	error = SYSCTL_OUT(req, s, len);
	if (error == 0)
		error = SYSCTL_OUT(req, "", 1);
	sx_sunlock(&sysctl_vallock);
	if (error != 0 || req->newptr == NULL)
		return (error);

	if (arg2 <= 0)
		return (EPERM);
	newlen = sysctl_newleft(req);
	if (newlen >= (size_t)arg2)
		return (EINVAL);
	sx_xlock(&sysctl_vallock);
	error = SYSCTL_IN(req, s, newlen);
	if (error == 0)
		s[newlen] = '\0';
	sx_xunlock(&sysctl_vallock);
	return (error);
}

/* An _Atomic int tunable: read and set atomically, never negative. */
int
sysctl_handle_atomic_int(struct sysctl_oid *oidp, void *arg1,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	_Atomic int *p = arg1;
	int v = atomic_load(p), error;

	error = sysctl_handle_int(oidp, &v, 0, req);
	if (error != 0 || req->newptr == NULL)
		return (error);
	/* The knobs it serves are counts and times: a negative one is bad. */
	if (v < 0)
		return (EINVAL);
	atomic_store(p, v);
	return (0);
}

/* arg2 bytes at arg1; a write must supply exactly arg2 bytes. */
int
sysctl_handle_opaque(struct sysctl_oid *oidp __unused, void *arg1,
    intmax_t arg2, struct sysctl_req *req)
{
	size_t len;
	int error;

	KASSERT(arg2 >= 0, ("%s: oid %p: size %jd", __func__, oidp, arg2));
	len = (size_t)arg2;
	sx_slock(&sysctl_vallock);
	error = SYSCTL_OUT(req, arg1, len);
	sx_sunlock(&sysctl_vallock);
	if (error != 0 || req->newptr == NULL)
		return (error);
	if (sysctl_newleft(req) != len)
		return (EINVAL);
	sx_xlock(&sysctl_vallock);
	error = SYSCTL_IN(req, arg1, len);
	sx_xunlock(&sysctl_vallock);
	return (error);
}

/*
 * A counter(9) counter; arg1 points at the counter_u64_t.  Reads sum the
 * per-CPU copies.  Writing the value 0 zeroes the counter; any other
 * value is EINVAL (FreeBSD zeroes on any write; libvm refuses what it
 * cannot honour).
 */
int
sysctl_handle_counter_u64(struct sysctl_oid *oidp __unused, void *arg1,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	counter_u64_t c;
	uint64_t val;
	int error;

	KASSERT(arg1 != NULL, ("%s: oid %p: no counter", __func__, oidp));
	c = *(counter_u64_t *)arg1;
	val = counter_u64_fetch(c);
	error = SYSCTL_OUT(req, &val, sizeof(val));
	if (error != 0 || req->newptr == NULL)
		return (error);
	if (sysctl_newleft(req) != sizeof(val))
		return (EINVAL);
	error = SYSCTL_IN(req, &val, sizeof(val));
	if (error != 0)
		return (error);
	if (val != 0)
		return (EINVAL);
	counter_u64_zero(c);
	return (0);
}

/* ---- the tree ---------------------------------------------------------- */

/* Compare an OID's name with the key p[0..len). */
static int
sysctl_namecmp(const char *oidname, const char *p, size_t len)
{
	int cmp;

	cmp = strncmp(oidname, p, len);
	if (cmp != 0)
		return (cmp);
	return (oidname[len] == '\0' ? 0 : 1);
}

static struct sysctl_oid *
sysctl_find_child(struct sysctl_oid *parent, const char *p, size_t len)
{
	struct sysctl_oid *oid;
	int cmp;

	SLIST_FOREACH(oid, &parent->oid_children, oid_link) {
		cmp = sysctl_namecmp(oid->oid_name, p, len);
		if (cmp == 0)
			return (oid);
		if (cmp > 0)
			break;		/* sorted: it is not further on */
	}
	return (NULL);
}

/*
 * Resolve a dotted name.  "" is the root; any empty component ("." or
 * "a..b" or "vm.") and any name continuing past a leaf resolve to NULL.
 * => called with the tree lock held.
 */
static struct sysctl_oid *
sysctl_lookup(const char *name)
{
	struct sysctl_oid *oid;
	const char *p, *end;
	size_t len;

	sx_assert(&sysctl_lock, SA_LOCKED);
	oid = sysctl_rootoid;
	if (*name == '\0')
		return (oid);
	for (p = name;; p = end + 1) {
		end = strchr(p, '.');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0 || !OID_ISNODE(oid))
			return (NULL);
		oid = sysctl_find_child(oid, p, len);
		if (oid == NULL || end == NULL)
			return (oid);
	}
}

static char *
sysctl_strdup(const char *s)
{
	char *d;

	d = strdup(s != NULL ? s : "");
	if (d == NULL)
		panic("sysctl: out of memory");
	return (d);
}

static void
sysctl_check_name(const char *name)
{

	if (name == NULL || *name == '\0' || strchr(name, '.') != NULL)
		panic("sysctl: invalid OID name \"%s\"",
		    name != NULL ? name : "(null)");
}

/*
 * Create an OID under parent (the root if NULL).  If a sibling has the
 * name already, return it when both are plain nodes and reuse is true;
 * any other collision is a programming error and panics.
 * => called with the tree lock held exclusive.
 */
static struct sysctl_oid *
sysctl_add_locked(struct sysctl_oid *parent, const char *name, u_int kind,
    void *arg1, intmax_t arg2, sysctl_handler_t *handler, const char *fmt,
    const char *descr, bool reuse)
{
	struct sysctl_oid *oid, **linkp;
	int cmp;

	sx_assert(&sysctl_lock, SA_XLOCKED);
	KASSERT(sysctl_rootoid != NULL, ("%s: sysctl_init() not called",
	    __func__));
	sysctl_check_name(name);
	if (parent == NULL)
		parent = sysctl_rootoid;
	if (!OID_ISNODE(parent))
		panic("sysctl: adding \"%s\" under leaf \"%s\"", name,
		    parent->oid_name);
	if ((kind & CTLTYPE) != CTLTYPE_NODE && handler == NULL)
		panic("sysctl: leaf \"%s\" has no handler", name);

	/* Find the insertion point, keeping the siblings sorted. */
	for (linkp = &SLIST_FIRST(&parent->oid_children); *linkp != NULL;
	    linkp = &SLIST_NEXT(*linkp, oid_link)) {
		cmp = strcmp((*linkp)->oid_name, name);
		if (cmp == 0) {
			oid = *linkp;
			if (reuse && OID_ISNODE(oid) &&
			    oid->oid_handler == NULL)
				return (oid);
			panic("sysctl: duplicate OID \"%s\" under \"%s\"",
			    name, parent->oid_name);
		}
		if (cmp > 0)
			break;
	}

	oid = calloc(1, sizeof(*oid));
	if (oid == NULL)
		panic("sysctl: out of memory");
	SLIST_INIT(&oid->oid_children);
	oid->oid_parent = parent;
	oid->oid_name = sysctl_strdup(name);
	oid->oid_kind = kind;
	oid->oid_arg1 = arg1;
	oid->oid_arg2 = arg2;
	oid->oid_handler = handler;
	oid->oid_fmt = sysctl_strdup(fmt);
	oid->oid_descr = sysctl_strdup(descr);
	SLIST_NEXT(oid, oid_link) = *linkp;
	*linkp = oid;
	return (oid);
}

struct sysctl_oid *
sysctl_add_oid(struct sysctl_oid *parent, const char *name, u_int kind,
    void *arg1, intmax_t arg2, sysctl_handler_t *handler, const char *fmt,
    const char *descr)
{
	struct sysctl_oid *oid;

	sx_xlock(&sysctl_lock);
	oid = sysctl_add_locked(parent, name, kind, arg1, arg2, handler, fmt,
	    descr, false);
	sx_xunlock(&sysctl_lock);
	return (oid);
}

#define	SYSCTL_NODE_KIND	(CTLTYPE_NODE | CTLFLAG_RD | CTLFLAG_MPSAFE)

struct sysctl_oid *
sysctl_add_node(struct sysctl_oid *parent, const char *name,
    const char *descr)
{
	struct sysctl_oid *oid;

	sx_xlock(&sysctl_lock);
	oid = sysctl_add_locked(parent, name, SYSCTL_NODE_KIND, NULL, 0, NULL,
	    "N", descr, true);
	sx_xunlock(&sysctl_lock);
	return (oid);
}

/*
 * Find or create every node along "a.b.c" and return the last one; ""
 * is the root.  A malformed path or a component naming a leaf panics.
 */
struct sysctl_oid *
sysctl_node_path(const char *path)
{
	struct sysctl_oid *oid;
	const char *p, *end;
	char *comp;
	size_t len;

	KASSERT(path != NULL, ("%s: NULL path", __func__));
	sx_xlock(&sysctl_lock);
	oid = sysctl_rootoid;
	KASSERT(oid != NULL, ("%s: sysctl_init() not called", __func__));
	/* "" is the root itself. */
	for (p = path; *path != '\0'; p = end + 1) {
		end = strchr(p, '.');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0)
			panic("sysctl: invalid node path \"%s\"", path);
		comp = strndup(p, len);
		if (comp == NULL)
			panic("sysctl: out of memory");
		oid = sysctl_add_locked(oid, comp, SYSCTL_NODE_KIND, NULL, 0,
		    NULL, "N", NULL, true);
		free(comp);
		if (end == NULL)
			break;
	}
	sx_xunlock(&sysctl_lock);
	return (oid);
}

/* Free an OID and its subtree; it is already unlinked or the tree dies. */
static void
sysctl_free_subtree(struct sysctl_oid *oid)
{
	struct sysctl_oid *child;

	while ((child = SLIST_FIRST(&oid->oid_children)) != NULL) {
		SLIST_REMOVE_HEAD(&oid->oid_children, oid_link);
		sysctl_free_subtree(child);
	}
	free(oid->oid_name);
	free(oid->oid_fmt);
	free(oid->oid_descr);
	free(oid);
}

/*
 * Unlink oidp from its parent and free it with everything below it.
 * Any pointer another module kept to an OID in the subtree (a shared
 * node returned by sysctl_add_node) dies with it.
 */
int
sysctl_remove_oid(struct sysctl_oid *oidp)
{
	struct sysctl_oid **linkp, *parent;

	if (oidp == NULL)
		return (EINVAL);
	sx_xlock(&sysctl_lock);
	if (oidp == sysctl_rootoid) {
		sx_xunlock(&sysctl_lock);
		return (EINVAL);
	}
	parent = oidp->oid_parent;
	for (linkp = &SLIST_FIRST(&parent->oid_children); *linkp != NULL;
	    linkp = &SLIST_NEXT(*linkp, oid_link))
		if (*linkp == oidp)
			break;
	if (*linkp == NULL) {
		sx_xunlock(&sysctl_lock);
		return (ENOENT);
	}
	*linkp = SLIST_NEXT(oidp, oid_link);
	sx_xunlock(&sysctl_lock);
	/* Unreachable now, and no reader can hold it: we had it exclusive. */
	sysctl_free_subtree(oidp);
	return (0);
}

void
sysctl_init(void)
{
	struct sysctl_oid *root;

	if (sysctl_rootoid != NULL)
		panic("sysctl_init: already initialised");
	root = calloc(1, sizeof(*root));
	if (root == NULL)
		panic("sysctl: out of memory");
	SLIST_INIT(&root->oid_children);
	root->oid_name = sysctl_strdup("");
	root->oid_kind = SYSCTL_NODE_KIND;
	root->oid_fmt = sysctl_strdup("N");
	root->oid_descr = sysctl_strdup("");
	sx_init(&sysctl_lock, "sysctl");
	sx_init(&sysctl_vallock, "sysctl value");
	sysctl_rootoid = root;
}

/*
 * The tree's invariant checker: every child names its parent, siblings are
 * strictly sorted by name, names are valid, only nodes have children, and
 * every leaf has a handler.  Iterative (the tree may be deep).
 */
static void
sysctl_check_subtree(struct sysctl_oid *top)
{
	struct sysctl_oid *oid, *child, *prev;

	for (oid = top; oid != NULL;) {
		prev = NULL;
		SLIST_FOREACH(child, &oid->oid_children, oid_link) {
			if (child->oid_parent != oid)
				panic("sysctl: \"%s\" does not name parent "
				    "\"%s\"", child->oid_name, oid->oid_name);
			sysctl_check_name(child->oid_name);
			if (prev != NULL &&
			    strcmp(prev->oid_name, child->oid_name) >= 0)
				panic("sysctl: \"%s\" and \"%s\" out of order",
				    prev->oid_name, child->oid_name);
			if (!OID_ISNODE(child) &&
			    (!SLIST_EMPTY(&child->oid_children) ||
			    child->oid_handler == NULL))
				panic("sysctl: leaf \"%s\" is malformed",
				    child->oid_name);
			prev = child;
		}
		/* Depth-first: first child, else the next sibling upwards. */
		if (!SLIST_EMPTY(&oid->oid_children)) {
			oid = SLIST_FIRST(&oid->oid_children);
			continue;
		}
		while (oid != top && SLIST_NEXT(oid, oid_link) == NULL)
			oid = oid->oid_parent;
		oid = oid == top ? NULL : SLIST_NEXT(oid, oid_link);
	}
}

void
sysctl_tree_check(void)
{
	sx_slock(&sysctl_lock);
	if (sysctl_rootoid != NULL)
		sysctl_check_subtree(sysctl_rootoid);
	sx_sunlock(&sysctl_lock);
}

void
sysctl_fini(void)
{
	struct sysctl_oid *root;

	if (sysctl_rootoid == NULL)
		return;
#ifdef INVARIANTS
	sysctl_tree_check();
#endif
	sx_xlock(&sysctl_lock);
	root = sysctl_rootoid;
	sysctl_rootoid = NULL;
	sx_xunlock(&sysctl_lock);
	sysctl_free_subtree(root);
	sx_destroy(&sysctl_vallock);
	sx_destroy(&sysctl_lock);
}

/* ---- lookup by name ---------------------------------------------------- */

int
kernel_sysctlbyname(const char *name, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	struct sysctl_req req;
	struct sysctl_oid *oid;
	int error;

	if (name == NULL)
		return (EINVAL);
	if (sysctl_rootoid == NULL)
		return (ENXIO);
	memset(&req, 0, sizeof(req));
	if (oldlenp != NULL) {
		req.oldptr = oldp;
		req.oldlen = oldp != NULL ? *oldlenp : 0;
	}
	if (newp != NULL) {
		req.newptr = newp;
		req.newlen = newlen;
	}

	sx_slock(&sysctl_lock);
	oid = *name != '\0' ? sysctl_lookup(name) : NULL;
	if (oid == NULL)
		error = ENOENT;
	else if (oid->oid_handler == NULL)
		error = EISDIR;		/* a plain node: see the essay */
	else if (req.newptr != NULL && (oid->oid_kind & CTLFLAG_WR) == 0)
		error = EPERM;
	else
		error = oid->oid_handler(oid, oid->oid_arg1, oid->oid_arg2,
		    &req);
	sx_sunlock(&sysctl_lock);

	if (oldlenp != NULL && (error == 0 || error == ENOMEM)) {
		if (req.oldptr != NULL && req.oldidx > req.oldlen)
			*oldlenp = req.oldlen;
		else
			*oldlenp = req.oldidx;
	}
	return (error);
}

/* The next OID in preorder (children first, by name), NULL at the end. */
static struct sysctl_oid *
sysctl_preorder_next(struct sysctl_oid *oid)
{

	if (OID_ISNODE(oid) && !SLIST_EMPTY(&oid->oid_children))
		return (SLIST_FIRST(&oid->oid_children));
	for (; oid != sysctl_rootoid; oid = oid->oid_parent)
		if (SLIST_NEXT(oid, oid_link) != NULL)
			return (SLIST_NEXT(oid, oid_link));
	return (NULL);
}

/* Store oid's dotted name in buf; ENOMEM if it does not fit. */
static int
sysctl_fullname(struct sysctl_oid *oid, char *buf, size_t buflen)
{
	struct sysctl_oid *o;
	size_t need, pos, n;

	need = 0;
	for (o = oid; o != sysctl_rootoid; o = o->oid_parent)
		need += strlen(o->oid_name) + 1;	/* a '.' or the NUL */
	if (need == 0 || need > buflen)
		return (need == 0 ? ENOENT : ENOMEM);
	pos = need - 1;
	buf[pos] = '\0';
	for (o = oid; o != sysctl_rootoid; o = o->oid_parent) {
		n = strlen(o->oid_name);
		pos -= n;
		memcpy(buf + pos, o->oid_name, n);
		if (pos > 0)
			buf[--pos] = '.';
	}
	return (0);
}

int
kernel_sysctl_next(const char *name, char *buf, size_t buflen)
{
	struct sysctl_oid *oid;
	int error;

	if (name == NULL || (buf == NULL && buflen > 0))
		return (EINVAL);
	if (sysctl_rootoid == NULL)
		return (ENXIO);
	sx_slock(&sysctl_lock);
	oid = sysctl_lookup(name);
	if (oid == NULL) {
		error = ENOENT;
		goto out;
	}
	do
		oid = sysctl_preorder_next(oid);
	while (oid != NULL && !OID_ISLEAF(oid));
	error = oid == NULL ? ENOENT : sysctl_fullname(oid, buf, buflen);
out:
	sx_sunlock(&sysctl_lock);
	return (error);
}

static void
sysctl_copystr(char *dst, size_t size, const char *src)
{
	size_t n;

	n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int
kernel_sysctl_info(const char *name, struct vm_sysctl_info *info)
{
	struct sysctl_oid *oid;

	if (name == NULL || info == NULL)
		return (EINVAL);
	if (sysctl_rootoid == NULL)
		return (ENXIO);
	sx_slock(&sysctl_lock);
	oid = *name != '\0' ? sysctl_lookup(name) : NULL;
	if (oid == NULL) {
		sx_sunlock(&sysctl_lock);
		return (ENOENT);
	}
	memset(info, 0, sizeof(*info));
	info->type = (int)(oid->oid_kind & CTLTYPE);
	info->flags = oid->oid_kind & (CTLFLAG_RD | CTLFLAG_WR);
	sysctl_copystr(info->fmt, sizeof(info->fmt), oid->oid_fmt);
	sysctl_copystr(info->descr, sizeof(info->descr), oid->oid_descr);
	sx_sunlock(&sysctl_lock);
	return (0);
}

/* ---- the public calls -------------------------------------------------- */

__exported int
vm_sysctlbyname(const char *name, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{

	if (!vm_is_booted())
		return (ENXIO);
	if (name == NULL)
		return (EINVAL);
	return (kernel_sysctlbyname(name, oldp, oldlenp, newp, newlen));
}

__exported int
vm_sysctl_next(const char *name, char *buf, size_t buflen)
{

	if (!vm_is_booted())
		return (ENXIO);
	return (kernel_sysctl_next(name, buf, buflen));
}

__exported int
vm_sysctl_info(const char *name, struct vm_sysctl_info *info)
{

	if (!vm_is_booted())
		return (ENXIO);
	return (kernel_sysctl_info(name, info));
}
