/*
 * The sysctl tree.
 *
 * A tree of named nodes ("vm.stats.vm.v_free_count").  Interior nodes
 * (CTLTYPE_NODE) have children; leaves have a type and either point at a
 * variable (int, u_int, long, u64, string, opaque) or name a handler
 * procedure that produces and consumes the value through a sysctl_req,
 * exactly like FreeBSD's SYSCTL_OUT/SYSCTL_IN.
 *
 * Modules register their OIDs during vm_boot() with the SYSCTL_ADD_* calls
 * below; the whole tree is freed by sysctl_fini() at vm_shutdown().
 * vm_sysctlbyname() (public) has sysctlbyname(3)'s semantics.
 *
 * Locking legend for struct sysctl_oid:
 *	(s)	the "sysctl" sx lock: shared to walk, exclusive to change
 *	(c)	constant while the OID exists
 *
 * Lock: the tree is protected by one sx lock ("sysctl"); lookups and
 * handler calls hold it shared, additions and removals exclusive.  A
 * handler therefore must not add or remove OIDs.
 */
#ifndef _SYS_SYSCTL_H_
#define _SYS_SYSCTL_H_

#include <sys/param.h>
#include <sys/queue.h>

#define	CTLTYPE		0xf
#define	CTLTYPE_NODE	1
#define	CTLTYPE_INT	2
#define	CTLTYPE_STRING	3
#define	CTLTYPE_S64	4
#define	CTLTYPE_OPAQUE	5
#define	CTLTYPE_UINT	6
#define	CTLTYPE_LONG	7
#define	CTLTYPE_ULONG	8
#define	CTLTYPE_U64	9

#define	CTLFLAG_RD	0x80000000
#define	CTLFLAG_WR	0x40000000
#define	CTLFLAG_RW	(CTLFLAG_RD | CTLFLAG_WR)
#define	CTLFLAG_MPSAFE	0x00040000	/* accepted; every handler is */
#define	CTLFLAG_STATS	0x00002000	/* a statistic */

struct sysctl_req {
	void		*oldptr;	/* caller's buffer or NULL */
	size_t		oldlen;		/* its size */
	size_t		oldidx;		/* bytes produced so far */
	const void	*newptr;	/* new value or NULL */
	size_t		newlen;
	size_t		newidx;		/* bytes consumed so far */
};

struct sysctl_oid;
typedef int sysctl_handler_t(struct sysctl_oid *oidp, void *arg1,
    intmax_t arg2, struct sysctl_req *req);

SLIST_HEAD(sysctl_oid_list, sysctl_oid);

struct sysctl_oid {
	struct sysctl_oid_list oid_children;	/* (s) for nodes */
	SLIST_ENTRY(sysctl_oid) oid_link;	/* (s) sibling list */
	struct sysctl_oid *oid_parent;		/* (c) */
	char		*oid_name;		/* (c) */
	u_int		oid_kind;		/* (c) CTLTYPE_* | CTLFLAG_* */
	void		*oid_arg1;		/* (c) variable or handler arg */
	intmax_t	oid_arg2;		/* (c) size or constant */
	sysctl_handler_t *oid_handler;		/* (c) NULL for plain nodes */
	char		*oid_fmt;		/* (c) "I", "IU", "QU", "A", ... */
	char		*oid_descr;		/* (c) */
};

/* Produce or consume a value; return 0 or an errno (ENOMEM, EINVAL, ...). */
int	sysctl_out(struct sysctl_req *, const void *, size_t);
int	sysctl_in(struct sysctl_req *, void *, size_t);
#define	SYSCTL_OUT(r, p, l)	sysctl_out((r), (p), (l))
#define	SYSCTL_IN(r, p, l)	sysctl_in((r), (p), (l))

/* Standard handlers. */
sysctl_handler_t sysctl_handle_int;	/* arg1: int * (or NULL: arg2 value) */
sysctl_handler_t sysctl_handle_long;
sysctl_handler_t sysctl_handle_64;	/* arg1: uint64_t * (or NULL: arg2) */
sysctl_handler_t sysctl_handle_string;	/* arg1: char *, arg2: buffer size */
sysctl_handler_t sysctl_handle_opaque;	/* arg1: data, arg2: size */
sysctl_handler_t sysctl_handle_counter_u64; /* arg1: counter_u64_t * */
sysctl_handler_t sysctl_handle_atomic_int; /* arg1: _Atomic int *; a
					   negative value written: EINVAL */

/*
 * Registration.  parent NULL means the root.  sysctl_add_node() returns the
 * existing node of that name if there is one, so modules may share "vm" or
 * "vm.stats".  The name must be unique among its siblings otherwise
 * (a duplicate leaf panics: it is a programming error).
 */
struct sysctl_oid *sysctl_add_oid(struct sysctl_oid *parent, const char *name,
	    u_int kind, void *arg1, intmax_t arg2, sysctl_handler_t *handler,
	    const char *fmt, const char *descr);
struct sysctl_oid *sysctl_add_node(struct sysctl_oid *parent, const char *name,
	    const char *descr);
struct sysctl_oid *sysctl_node_path(const char *path);	/* "vm.stats.vm" */
int	sysctl_remove_oid(struct sysctl_oid *oidp);	/* and its children */

#define	SYSCTL_ADD_NODE(parent, name, descr)				\
	sysctl_add_node((parent), (name), (descr))
#define	SYSCTL_ADD_INT(parent, name, flags, ptr, descr)			\
	sysctl_add_oid((parent), (name), CTLTYPE_INT | (flags), (ptr),	\
	    0, sysctl_handle_int, "I", (descr))
#define	SYSCTL_ADD_UINT(parent, name, flags, ptr, descr)		\
	sysctl_add_oid((parent), (name), CTLTYPE_UINT | (flags), (ptr),	\
	    0, sysctl_handle_int, "IU", (descr))
#define	SYSCTL_ADD_LONG(parent, name, flags, ptr, descr)		\
	sysctl_add_oid((parent), (name), CTLTYPE_LONG | (flags), (ptr),	\
	    0, sysctl_handle_long, "L", (descr))
#define	SYSCTL_ADD_U64(parent, name, flags, ptr, descr)			\
	sysctl_add_oid((parent), (name), CTLTYPE_U64 | (flags), (ptr),	\
	    0, sysctl_handle_64, "QU", (descr))
#define	SYSCTL_ADD_STRING(parent, name, flags, buf, len, descr)		\
	sysctl_add_oid((parent), (name), CTLTYPE_STRING | (flags), (buf),\
	    (len), sysctl_handle_string, "A", (descr))
#define	SYSCTL_ADD_OPAQUE(parent, name, flags, ptr, len, fmt, descr)	\
	sysctl_add_oid((parent), (name), CTLTYPE_OPAQUE | (flags), (ptr),\
	    (len), sysctl_handle_opaque, (fmt), (descr))
#define	SYSCTL_ADD_COUNTER_U64(parent, name, flags, ptr, descr)		\
	sysctl_add_oid((parent), (name), CTLTYPE_U64 | CTLFLAG_STATS |	\
	    (flags), (ptr), 0, sysctl_handle_counter_u64, "QU", (descr))
#define	SYSCTL_ADD_PROC(parent, name, kind, arg1, arg2, handler, fmt, descr) \
	sysctl_add_oid((parent), (name), (kind), (arg1), (arg2),	\
	    (handler), (fmt), (descr))

void	sysctl_init(void);
void	sysctl_fini(void);
void	sysctl_tree_check(void);	/* invariant checker; panics */

/*
 * Kernel-side versions of the public calls, without the boot check: used by
 * vm_sysctlbyname() and friends, and by tests on a private tree.
 */
struct vm_sysctl_info;
int	kernel_sysctlbyname(const char *name, void *oldp, size_t *oldlenp,
	    const void *newp, size_t newlen);
int	kernel_sysctl_next(const char *name, char *buf, size_t buflen);
int	kernel_sysctl_info(const char *name, struct vm_sysctl_info *info);

#endif /* !_SYS_SYSCTL_H_ */
