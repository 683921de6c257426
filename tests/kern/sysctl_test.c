/*
 * Tests of the sysctl tree (sys/kern/kern_sysctl.c).
 *
 * Most cases build a private tree with sysctl_init() and go through
 * kernel_sysctlbyname(); the "public_" cases boot libvm and use the
 * exported calls, as a program linked with libvm.so would.  Every case
 * ends with sysctl_fini() or vm_shutdown(), so the sanitizer build checks
 * that the tree frees everything it allocated.
 */

#include "kern_test.h"	/* first: host headers before the kernel's */

#include <stdlib.h>

#include <sys/counter.h>
#include <sys/malloc.h>
#include <sys/sysctl.h>

/* ---- a small tree ------------------------------------------------------- */

static int		t_int = 42;
static int		t_roint = 7;
static u_int		t_uint = 3000000000u;
static long		t_long = -5000000000L;
static uint64_t		t_u64 = 0x1122334455667788ULL;
static char		t_str[64] = "hello";
static struct {
	int	a;
	short	b;
	char	c[6];
} t_opaque = { 1, 2, "abc" };
static struct sysctl_oid *t_node;

static void
tree_setup(void)
{

	sysctl_init();
	t_node = SYSCTL_ADD_NODE(NULL, "t", "test node");
	ATF_REQUIRE(t_node != NULL);
	SYSCTL_ADD_INT(t_node, "int", CTLFLAG_RW, &t_int, "an int");
	SYSCTL_ADD_INT(t_node, "roint", CTLFLAG_RD, &t_roint, "read-only");
	SYSCTL_ADD_INT(t_node, "const", CTLFLAG_RD, NULL, "constant");
	/* SYSCTL_ADD_INT with a NULL pointer publishes arg2: set it. */
	sysctl_add_oid(t_node, "const2", CTLTYPE_INT | CTLFLAG_RW, NULL, 99,
	    sysctl_handle_int, "I", "constant 99");
	SYSCTL_ADD_UINT(t_node, "uint", CTLFLAG_RW, &t_uint, "a u_int");
	SYSCTL_ADD_LONG(t_node, "long", CTLFLAG_RW, &t_long, "a long");
	SYSCTL_ADD_U64(t_node, "u64", CTLFLAG_RW, &t_u64, "a uint64_t");
	SYSCTL_ADD_STRING(t_node, "str", CTLFLAG_RW, t_str, sizeof(t_str),
	    "a string");
	SYSCTL_ADD_STRING(t_node, "rostr", CTLFLAG_RD, "constant string", 0,
	    "a constant string");
	SYSCTL_ADD_OPAQUE(t_node, "opaque", CTLFLAG_RW, &t_opaque,
	    sizeof(t_opaque), "S,t_opaque", "an opaque struct");
}

static int
get_int(const char *name, int *v)
{
	size_t len;
	int error;

	len = sizeof(*v);
	error = kernel_sysctlbyname(name, v, &len, NULL, 0);
	if (error == 0)
		ATF_REQUIRE_EQ(len, sizeof(*v));
	return (error);
}

static int
set_int(const char *name, int v)
{

	return (kernel_sysctlbyname(name, NULL, NULL, &v, sizeof(v)));
}

static void
boot_small(void)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = 16 << 20;
	ATF_REQUIRE_EQ(vm_boot(&c), 0);
}

/* ---- requests ----------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(req_out_in);
ATF_TC_BODY(req_out_in, tc)
{
	struct sysctl_req req;
	char buf[8], in[4];
	const char src[] = "0123456789";

	/* No buffer: only measures. */
	memset(&req, 0, sizeof(req));
	ATF_REQUIRE_EQ(sysctl_out(&req, src, 10), 0);
	ATF_REQUIRE_EQ(sysctl_out(&req, NULL, 5), 0);
	ATF_REQUIRE_EQ(req.oldidx, 15);

	/* Short buffer: copies what fits, ENOMEM, full advance. */
	memset(&req, 0, sizeof(req));
	memset(buf, 'x', sizeof(buf));
	req.oldptr = buf;
	req.oldlen = 6;
	ATF_REQUIRE_EQ(sysctl_out(&req, src, 4), 0);
	ATF_REQUIRE_EQ(sysctl_out(&req, src, 4), ENOMEM);
	ATF_REQUIRE_EQ(req.oldidx, 8);
	ATF_REQUIRE(memcmp(buf, "012301xx", 8) == 0);
	/* Past the end: nothing copied, still counted. */
	ATF_REQUIRE_EQ(sysctl_out(&req, src, 2), ENOMEM);
	ATF_REQUIRE_EQ(req.oldidx, 10);
	ATF_REQUIRE(memcmp(buf, "012301xx", 8) == 0);

	/* Input: consumed in order, EINVAL past the end. */
	memset(&req, 0, sizeof(req));
	ATF_REQUIRE_EQ(sysctl_in(&req, in, 4), 0);	/* no new value */
	req.newptr = src;
	req.newlen = 6;
	ATF_REQUIRE_EQ(sysctl_in(&req, in, 4), 0);
	ATF_REQUIRE(memcmp(in, "0123", 4) == 0);
	ATF_REQUIRE_EQ(req.newidx, 4);
	ATF_REQUIRE_EQ(sysctl_in(&req, in, 4), EINVAL);
	ATF_REQUIRE_EQ(req.newidx, 4);
	ATF_REQUIRE_EQ(sysctl_in(&req, in, 2), 0);
	ATF_REQUIRE(memcmp(in, "45", 2) == 0);
}

/* ---- standard handlers -------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(int_rw);
ATF_TC_BODY(int_rw, tc)
{
	int v, nv;
	size_t len;

	tree_setup();
	ATF_REQUIRE_EQ(get_int("t.int", &v), 0);
	ATF_REQUIRE_EQ(v, 42);
	ATF_REQUIRE_EQ(set_int("t.int", -17), 0);
	ATF_REQUIRE_EQ(t_int, -17);
	ATF_REQUIRE_EQ(get_int("t.int", &v), 0);
	ATF_REQUIRE_EQ(v, -17);

	/* Read the old value and set a new one in one call. */
	nv = 1234;
	len = sizeof(v);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.int", &v, &len, &nv,
	    sizeof(nv)), 0);
	ATF_REQUIRE_EQ(v, -17);
	ATF_REQUIRE_EQ(len, sizeof(int));
	ATF_REQUIRE_EQ(t_int, 1234);

	/* The old value does not fit: ENOMEM, and the new one is dropped. */
	nv = 5;
	len = 2;
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.int", &v, &len, &nv,
	    sizeof(nv)), ENOMEM);
	ATF_REQUIRE_EQ(len, 2);
	ATF_REQUIRE_EQ(t_int, 1234);

	/* A constant (arg1 NULL) reads as arg2 and cannot be written. */
	ATF_REQUIRE_EQ(get_int("t.const2", &v), 0);
	ATF_REQUIRE_EQ(v, 99);
	ATF_REQUIRE_EQ(set_int("t.const2", 5), EPERM);
	sysctl_fini();
}

ATF_TC_WITHOUT_HEAD(uint_rw);
ATF_TC_BODY(uint_rw, tc)
{
	u_int v, nv;
	size_t len;

	tree_setup();
	len = sizeof(v);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.uint", &v, &len, NULL, 0), 0);
	ATF_REQUIRE_EQ(v, 3000000000u);
	ATF_REQUIRE_EQ(len, sizeof(v));
	nv = 0xffffffffu;
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.uint", NULL, NULL, &nv,
	    sizeof(nv)), 0);
	ATF_REQUIRE_EQ(t_uint, 0xffffffffu);
	sysctl_fini();
}

ATF_TC_WITHOUT_HEAD(long_rw);
ATF_TC_BODY(long_rw, tc)
{
	long v, nv;
	size_t len;

	tree_setup();
	len = sizeof(v);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.long", &v, &len, NULL, 0), 0);
	ATF_REQUIRE_EQ(len, sizeof(long));
	ATF_REQUIRE_EQ(v, -5000000000L);
	nv = 0x7edcba9876543210L;
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.long", NULL, NULL, &nv,
	    sizeof(nv)), 0);
	ATF_REQUIRE_EQ(t_long, 0x7edcba9876543210L);
	sysctl_fini();
}

ATF_TC_WITHOUT_HEAD(u64_rw);
ATF_TC_BODY(u64_rw, tc)
{
	uint64_t v, nv;
	uint32_t half;
	size_t len;

	tree_setup();
	len = sizeof(v);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.u64", &v, &len, NULL, 0), 0);
	ATF_REQUIRE_EQ(len, 8);
	ATF_REQUIRE_EQ(v, 0x1122334455667788ULL);
	nv = 0xfedcba9876543210ULL;
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.u64", NULL, NULL, &nv,
	    sizeof(nv)), 0);
	ATF_REQUIRE_EQ(t_u64, 0xfedcba9876543210ULL);

	/* Into an int-sized buffer: the first four bytes and ENOMEM. */
	half = 0;
	len = sizeof(half);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.u64", &half, &len, NULL, 0),
	    ENOMEM);
	ATF_REQUIRE_EQ(len, sizeof(half));
	ATF_REQUIRE(memcmp(&half, &t_u64, sizeof(half)) == 0);
	sysctl_fini();
}

ATF_TC_WITHOUT_HEAD(string_rw);
ATF_TC_BODY(string_rw, tc)
{
	char buf[32], big[sizeof(t_str)];
	size_t len;

	tree_setup();
	/* A read includes the NUL. */
	memset(buf, 'x', sizeof(buf));
	len = sizeof(buf);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.str", buf, &len, NULL, 0), 0);
	ATF_REQUIRE_EQ(len, 6);
	ATF_REQUIRE_STREQ(buf, "hello");

	/* A write of newlen bytes stores them and a NUL. */
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.str", NULL, NULL, "world!!", 7),
	    0);
	ATF_REQUIRE_STREQ(t_str, "world!!");
	len = sizeof(buf);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.str", buf, &len, NULL, 0), 0);
	ATF_REQUIRE_EQ(len, 8);
	ATF_REQUIRE_STREQ(buf, "world!!");

	/* newlen must leave room for the NUL: sizeof(t_str) does not fit. */
	memset(big, 'z', sizeof(big));
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.str", NULL, NULL, big,
	    sizeof(big)), EINVAL);
	ATF_REQUIRE_STREQ(t_str, "world!!");
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.str", NULL, NULL, big,
	    sizeof(big) - 1), 0);
	ATF_REQUIRE_EQ(strlen(t_str), sizeof(t_str) - 1);

	/* An empty new value empties the string. */
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.str", NULL, NULL, "", 0), 0);
	ATF_REQUIRE_STREQ(t_str, "");

	/* Short buffer: partial copy without the NUL, ENOMEM. */
	memset(buf, 'x', sizeof(buf));
	len = 4;
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.rostr", buf, &len, NULL, 0),
	    ENOMEM);
	ATF_REQUIRE_EQ(len, 4);
	ATF_REQUIRE(memcmp(buf, "consx", 5) == 0);

	/* The constant string: size, read, no write. */
	len = 0;
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.rostr", NULL, &len, NULL, 0),
	    0);
	ATF_REQUIRE_EQ(len, sizeof("constant string"));
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.rostr", NULL, NULL, "x", 1),
	    EPERM);
	sysctl_fini();
}

ATF_TC_WITHOUT_HEAD(opaque_rw);
ATF_TC_BODY(opaque_rw, tc)
{
	__typeof__(t_opaque) v, nv;
	char small[3];
	size_t len;

	tree_setup();
	memset(&v, 0, sizeof(v));
	len = sizeof(v);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.opaque", &v, &len, NULL, 0), 0);
	ATF_REQUIRE_EQ(len, sizeof(v));
	ATF_REQUIRE(memcmp(&v, &t_opaque, sizeof(v)) == 0);

	memset(&nv, 0, sizeof(nv));
	nv.a = -1;
	nv.b = 77;
	strcpy(nv.c, "xyz");
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.opaque", NULL, NULL, &nv,
	    sizeof(nv)), 0);
	ATF_REQUIRE_EQ(t_opaque.a, -1);
	ATF_REQUIRE_EQ(t_opaque.b, 77);
	ATF_REQUIRE_STREQ(t_opaque.c, "xyz");

	/* Fixed size: a shorter or longer value is EINVAL. */
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.opaque", NULL, NULL, &v,
	    sizeof(v) - 1), EINVAL);
	ATF_REQUIRE_EQ(t_opaque.a, -1);

	len = sizeof(small);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.opaque", small, &len, NULL, 0),
	    ENOMEM);
	ATF_REQUIRE_EQ(len, sizeof(small));
	ATF_REQUIRE(memcmp(small, &t_opaque, sizeof(small)) == 0);
	sysctl_fini();
}

/* A procedure: reads give *arg1 + arg2; writes store value - arg2. */
static int	proc_calls;
static struct sysctl_oid *proc_oid;

static int
proc_handler(struct sysctl_oid *oidp, void *arg1, intmax_t arg2,
    struct sysctl_req *req)
{
	int *var, v, error;

	proc_calls++;
	if (oidp != proc_oid)
		return (EDOM);		/* noticed by the test */
	var = arg1;
	v = *var + (int)arg2;
	error = SYSCTL_OUT(req, &v, sizeof(v));
	if (error != 0 || req->newptr == NULL)
		return (error);
	error = SYSCTL_IN(req, &v, sizeof(v));
	if (error != 0)
		return (error);
	if (v < 0)
		return (ERANGE);
	*var = v - (int)arg2;
	return (0);
}

ATF_TC_WITHOUT_HEAD(proc_rw);
ATF_TC_BODY(proc_rw, tc)
{
	static int var = 5;
	int v;

	tree_setup();
	proc_oid = SYSCTL_ADD_PROC(t_node, "proc", CTLTYPE_INT | CTLFLAG_RW,
	    &var, 100, proc_handler, "I", "a procedure");
	ATF_REQUIRE(proc_oid != NULL);
	ATF_REQUIRE_EQ(get_int("t.proc", &v), 0);
	ATF_REQUIRE_EQ(v, 105);
	ATF_REQUIRE_EQ(proc_calls, 1);
	ATF_REQUIRE_EQ(set_int("t.proc", 150), 0);
	ATF_REQUIRE_EQ(var, 50);
	/* The handler's own error reaches the caller. */
	ATF_REQUIRE_EQ(set_int("t.proc", -1), ERANGE);
	ATF_REQUIRE_EQ(var, 50);
	ATF_REQUIRE_EQ(get_int("t.proc", &v), 0);
	ATF_REQUIRE_EQ(v, 150);
	ATF_REQUIRE_EQ(proc_calls, 4);
	sysctl_fini();
}

ATF_TC_WITHOUT_HEAD(size_query);
ATF_TC_BODY(size_query, tc)
{
	size_t len;
	int nv;

	tree_setup();
	len = 12345;
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.int", NULL, &len, NULL, 0), 0);
	ATF_REQUIRE_EQ(len, sizeof(int));
	len = 0;
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.u64", NULL, &len, NULL, 0), 0);
	ATF_REQUIRE_EQ(len, 8);
	len = 0;
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.str", NULL, &len, NULL, 0), 0);
	ATF_REQUIRE_EQ(len, strlen("hello") + 1);
	len = 0;
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.opaque", NULL, &len, NULL, 0),
	    0);
	ATF_REQUIRE_EQ(len, sizeof(t_opaque));

	/* A size query combined with a write: old size, new value. */
	nv = 8;
	len = 0;
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.int", NULL, &len, &nv,
	    sizeof(nv)), 0);
	ATF_REQUIRE_EQ(len, sizeof(int));
	ATF_REQUIRE_EQ(t_int, 8);

	/* oldlenp NULL: no read, even with a buffer. */
	nv = -1;
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.int", &nv, NULL, NULL, 0), 0);
	ATF_REQUIRE_EQ(nv, -1);
	sysctl_fini();
}

ATF_TC_WITHOUT_HEAD(readonly_eperm);
ATF_TC_BODY(readonly_eperm, tc)
{
	int v;
	size_t len;

	tree_setup();
	ATF_REQUIRE_EQ(set_int("t.roint", 1), EPERM);
	ATF_REQUIRE_EQ(t_roint, 7);
	/* A zero-length new value is still a write attempt. */
	v = 1;
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.roint", NULL, NULL, &v, 0),
	    EPERM);
	/* EPERM with a read attached: nothing is read either. */
	v = 0;
	len = sizeof(v);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.roint", &v, &len, &v,
	    sizeof(v)), EPERM);
	ATF_REQUIRE_EQ(t_roint, 7);
	ATF_REQUIRE_EQ(get_int("t.roint", &v), 0);
	ATF_REQUIRE_EQ(v, 7);
	ATF_REQUIRE_EQ(get_int("t.const", &v), 0);
	ATF_REQUIRE_EQ(v, 0);
	ATF_REQUIRE_EQ(set_int("t.const", 3), EPERM);
	sysctl_fini();
}

ATF_TC_WITHOUT_HEAD(wrong_size_einval);
ATF_TC_BODY(wrong_size_einval, tc)
{
	int64_t big;
	int32_t i32;
	short s;

	tree_setup();
	s = 1;
	big = 1;
	i32 = 1;
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.int", NULL, NULL, &s,
	    sizeof(s)), EINVAL);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.int", NULL, NULL, &big,
	    sizeof(big)), EINVAL);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.int", NULL, NULL, &big, 0),
	    EINVAL);
	ATF_REQUIRE_EQ(t_int, 42);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.uint", NULL, NULL, &big,
	    sizeof(big)), EINVAL);
	ATF_REQUIRE_EQ(t_uint, 3000000000u);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.long", NULL, NULL, &i32,
	    sizeof(i32)), EINVAL);
	ATF_REQUIRE_EQ(t_long, -5000000000L);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.u64", NULL, NULL, &i32,
	    sizeof(i32)), EINVAL);
	ATF_REQUIRE_EQ(t_u64, 0x1122334455667788ULL);
	sysctl_fini();
}

ATF_TC_WITHOUT_HEAD(unknown_names);
ATF_TC_BODY(unknown_names, tc)
{
	static const char *const bad[] = {
		"", ".", "..", "nosuch", "t.nosuch", "t..int", "a..b", "t.",
		".t", ".t.int", "t.int.", "t.int.x", "t.int..",
	};
	size_t i, len;
	int v;

	tree_setup();
	SYSCTL_ADD_NODE(NULL, "vm", "vm node");
	for (i = 0; i < nitems(bad); i++) {
		len = sizeof(v);
		ATF_CHECK_EQ_MSG(kernel_sysctlbyname(bad[i], &v, &len, NULL,
		    0), ENOENT, "\"%s\"", bad[i]);
		ATF_CHECK_EQ_MSG(kernel_sysctlbyname(bad[i], NULL, &len, NULL,
		    0), ENOENT, "\"%s\" (size query)", bad[i]);
		ATF_CHECK_EQ_MSG(set_int(bad[i], 1), ENOENT, "\"%s\" (write)",
		    bad[i]);
	}
	len = sizeof(v);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("vm.", &v, &len, NULL, 0), ENOENT);
	ATF_REQUIRE_EQ(kernel_sysctlbyname(NULL, &v, &len, NULL, 0), EINVAL);
	/* Names are case-sensitive. */
	ATF_REQUIRE_EQ(get_int("T.INT", &v), ENOENT);
	ATF_REQUIRE_EQ(get_int("t.int", &v), 0);
	sysctl_fini();
}

ATF_TC_WITHOUT_HEAD(node_eisdir);
ATF_TC_BODY(node_eisdir, tc)
{
	size_t len;
	int v;

	tree_setup();
	len = sizeof(v);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t", &v, &len, NULL, 0), EISDIR);
	ATF_REQUIRE_EQ(len, sizeof(v));
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t", NULL, &len, NULL, 0), EISDIR);
	ATF_REQUIRE_EQ(set_int("t", 1), EISDIR);
	sysctl_fini();
}

ATF_TC_WITHOUT_HEAD(add_node_reuse);
ATF_TC_BODY(add_node_reuse, tc)
{
	struct sysctl_oid *a, *b, *c, *c2;
	static int x = 11;
	int v;

	sysctl_init();
	a = sysctl_add_node(NULL, "a", "first");
	ATF_REQUIRE(a != NULL);
	ATF_REQUIRE(sysctl_add_node(NULL, "a", "second") == a);
	ATF_REQUIRE_STREQ(a->oid_name, "a");
	ATF_REQUIRE_STREQ(a->oid_descr, "first");
	b = sysctl_add_node(a, "b", NULL);
	c = sysctl_add_node(b, "c", NULL);
	ATF_REQUIRE(b != NULL && c != NULL && b != c);
	ATF_REQUIRE(c->oid_parent == b && b->oid_parent == a);
	ATF_REQUIRE(sysctl_node_path("a.b.c") == c);
	ATF_REQUIRE(sysctl_node_path("a.b") == b);
	ATF_REQUIRE(sysctl_node_path("a") == a);

	/* New path components are created as nodes. */
	c2 = sysctl_node_path("a.b.d.e");
	ATF_REQUIRE(c2 != NULL && c2 != c);
	ATF_REQUIRE_STREQ(c2->oid_name, "e");
	ATF_REQUIRE_STREQ(c2->oid_parent->oid_name, "d");
	ATF_REQUIRE(c2->oid_parent->oid_parent == b);
	ATF_REQUIRE(sysctl_node_path("a.b.d.e") == c2);

	SYSCTL_ADD_INT(sysctl_add_node(b, "c", NULL), "x", CTLFLAG_RW, &x,
	    NULL);
	ATF_REQUIRE_EQ(get_int("a.b.c.x", &v), 0);
	ATF_REQUIRE_EQ(v, 11);
	sysctl_fini();
}

/* Programming errors at registration panic (in a forked child). */
static int	panic_x;

static void
dup_leaf_child(void *arg __unused)
{

	sysctl_init();
	SYSCTL_ADD_INT(NULL, "x", CTLFLAG_RW, &panic_x, NULL);
	SYSCTL_ADD_INT(NULL, "x", CTLFLAG_RW, &panic_x, NULL);
}

static void
node_over_leaf_child(void *arg __unused)
{

	sysctl_init();
	SYSCTL_ADD_INT(sysctl_node_path("a"), "x", CTLFLAG_RW, &panic_x,
	    NULL);
	(void)sysctl_node_path("a.x.y");
}

static void
bad_name_child(void *arg)
{

	sysctl_init();
	SYSCTL_ADD_INT(NULL, (const char *)arg, CTLFLAG_RW, &panic_x, NULL);
}

static void
bad_path_child(void *arg)
{

	sysctl_init();
	(void)sysctl_node_path((const char *)arg);
}

ATF_TC_WITHOUT_HEAD(dup_leaf_panics);
ATF_TC_BODY(dup_leaf_panics, tc)
{

	kt_expect_panic(dup_leaf_child, NULL, "duplicate OID \"x\"");
}

ATF_TC_WITHOUT_HEAD(node_over_leaf_panics);
ATF_TC_BODY(node_over_leaf_panics, tc)
{

	/* sysctl_add_node() reuses nodes only, never a leaf. */
	kt_expect_panic(node_over_leaf_child, NULL, "duplicate OID \"x\"");
}

ATF_TC_WITHOUT_HEAD(bad_name_panics);
ATF_TC_BODY(bad_name_panics, tc)
{
	char out[1024];

	kt_expect_panic(bad_name_child, "a.b", "invalid OID name \"a.b\"");
	kt_expect_panic(bad_name_child, "", "invalid OID name \"\"");
	kt_expect_panic(bad_path_child, "a..b",
	    "invalid node path \"a..b\"");
	kt_expect_panic(bad_path_child, "a.", "invalid node path \"a.\"");
	/* The same children with good names live: the panic is the name's. */
	kt_expect_no_panic(bad_name_child, "ab", out, sizeof(out));
	kt_expect_no_panic(bad_path_child, "a.b", out, sizeof(out));
}

/* ---- listing, description, removal ------------------------------------- */

static int	lx;

static void
list_setup(void)
{
	struct sysctl_oid *b, *e;

	/* Added out of order on purpose. */
	sysctl_init();
	b = sysctl_add_node(NULL, "b", NULL);
	SYSCTL_ADD_INT(b, "z", CTLFLAG_RW, &lx, NULL);
	SYSCTL_ADD_INT(b, "a", CTLFLAG_RW, &lx, NULL);
	SYSCTL_ADD_INT(sysctl_node_path("b.m.n"), "leaf", CTLFLAG_RD, &lx,
	    NULL);
	(void)sysctl_node_path("b.empty");	/* no leaves: skipped */
	SYSCTL_ADD_INT(NULL, "c", CTLFLAG_RD, &lx, NULL);
	e = sysctl_add_node(NULL, "a", NULL);
	SYSCTL_ADD_INT(e, "y", CTLFLAG_RD, &lx, NULL);
	SYSCTL_ADD_INT(e, "x", CTLFLAG_RD, &lx, NULL);
	SYSCTL_ADD_INT(b, "mm", CTLFLAG_RW, &lx, NULL);
	(void)sysctl_node_path("d.e");		/* trailing empty nodes */
}

static const char *const list_expect[] = {
	"a.x", "a.y", "b.a", "b.m.n.leaf", "b.mm", "b.z", "c",
};

ATF_TC_WITHOUT_HEAD(next_order);
ATF_TC_BODY(next_order, tc)
{
	char name[64], small[4];
	size_t i;

	list_setup();
	ATF_REQUIRE_EQ(kernel_sysctl_next("", name, sizeof(name)), 0);
	for (i = 0; i < nitems(list_expect); i++) {
		ATF_REQUIRE_STREQ(name, list_expect[i]);
		if (i + 1 < nitems(list_expect))
			ATF_REQUIRE_EQ(kernel_sysctl_next(name, name,
			    sizeof(name)), 0);
	}
	ATF_REQUIRE_EQ(kernel_sysctl_next("c", name, sizeof(name)), ENOENT);

	/* From a node: the first leaf below it, or the one after it. */
	ATF_REQUIRE_EQ(kernel_sysctl_next("b", name, sizeof(name)), 0);
	ATF_REQUIRE_STREQ(name, "b.a");
	ATF_REQUIRE_EQ(kernel_sysctl_next("b.m", name, sizeof(name)), 0);
	ATF_REQUIRE_STREQ(name, "b.m.n.leaf");
	ATF_REQUIRE_EQ(kernel_sysctl_next("b.empty", name, sizeof(name)), 0);
	ATF_REQUIRE_STREQ(name, "b.m.n.leaf");
	ATF_REQUIRE_EQ(kernel_sysctl_next("d", name, sizeof(name)), ENOENT);

	/* Unknown or malformed names; a buffer too small. */
	ATF_REQUIRE_EQ(kernel_sysctl_next("b.q", name, sizeof(name)), ENOENT);
	ATF_REQUIRE_EQ(kernel_sysctl_next("b.", name, sizeof(name)), ENOENT);
	ATF_REQUIRE_EQ(kernel_sysctl_next(".", name, sizeof(name)), ENOENT);
	ATF_REQUIRE_EQ(kernel_sysctl_next("a.x", small, 3), ENOMEM);
	ATF_REQUIRE_EQ(kernel_sysctl_next("a.x", small, 4), 0);
	ATF_REQUIRE_STREQ(small, "a.y");
	sysctl_fini();
}

ATF_TC_WITHOUT_HEAD(info);
ATF_TC_BODY(info, tc)
{
	struct vm_sysctl_info in;

	tree_setup();
	ATF_REQUIRE_EQ(kernel_sysctl_info("t.int", &in), 0);
	ATF_REQUIRE_EQ(in.type, VM_CTLTYPE_INT);
	ATF_REQUIRE_EQ(in.flags, VM_CTLFLAG_RD | VM_CTLFLAG_WR);
	ATF_REQUIRE_STREQ(in.fmt, "I");
	ATF_REQUIRE_STREQ(in.descr, "an int");
	ATF_REQUIRE_EQ(kernel_sysctl_info("t.roint", &in), 0);
	ATF_REQUIRE_EQ(in.flags, VM_CTLFLAG_RD);
	ATF_REQUIRE_EQ(kernel_sysctl_info("t.uint", &in), 0);
	ATF_REQUIRE_EQ(in.type, VM_CTLTYPE_UINT);
	ATF_REQUIRE_STREQ(in.fmt, "IU");
	ATF_REQUIRE_EQ(kernel_sysctl_info("t.u64", &in), 0);
	ATF_REQUIRE_EQ(in.type, VM_CTLTYPE_U64);
	ATF_REQUIRE_STREQ(in.fmt, "QU");
	ATF_REQUIRE_EQ(kernel_sysctl_info("t.str", &in), 0);
	ATF_REQUIRE_EQ(in.type, VM_CTLTYPE_STRING);
	ATF_REQUIRE_STREQ(in.fmt, "A");
	ATF_REQUIRE_EQ(kernel_sysctl_info("t.opaque", &in), 0);
	ATF_REQUIRE_EQ(in.type, VM_CTLTYPE_OPAQUE);
	ATF_REQUIRE_STREQ(in.fmt, "S,t_opaque");
	ATF_REQUIRE_EQ(kernel_sysctl_info("t", &in), 0);
	ATF_REQUIRE_EQ(in.type, VM_CTLTYPE_NODE);
	ATF_REQUIRE_STREQ(in.descr, "test node");
	ATF_REQUIRE_EQ(kernel_sysctl_info("t.nosuch", &in), ENOENT);
	ATF_REQUIRE_EQ(kernel_sysctl_info("", &in), ENOENT);
	ATF_REQUIRE_EQ(kernel_sysctl_info("t.", &in), ENOENT);
	ATF_REQUIRE_EQ(kernel_sysctl_info(NULL, &in), EINVAL);
	sysctl_fini();
}

ATF_TC_WITHOUT_HEAD(remove_oid);
ATF_TC_BODY(remove_oid, tc)
{
	struct vm_sysctl_info in;
	struct sysctl_oid *m, *z;
	char name[64];
	int v;

	list_setup();
	z = sysctl_node_path("b");
	ATF_REQUIRE(z != NULL);
	/* Find the leaf b.z through its parent's list. */
	for (z = SLIST_FIRST(&z->oid_children); z != NULL;
	    z = SLIST_NEXT(z, oid_link))
		if (strcmp(z->oid_name, "z") == 0)
			break;
	ATF_REQUIRE(z != NULL);
	ATF_REQUIRE_EQ(get_int("b.z", &v), 0);
	ATF_REQUIRE_EQ(sysctl_remove_oid(z), 0);
	ATF_REQUIRE_EQ(get_int("b.z", &v), ENOENT);
	ATF_REQUIRE_EQ(kernel_sysctl_next("b.mm", name, sizeof(name)), 0);
	ATF_REQUIRE_STREQ(name, "c");

	/* A subtree goes with its node; its siblings stay. */
	m = sysctl_node_path("b.m");
	ATF_REQUIRE_EQ(sysctl_remove_oid(m), 0);
	ATF_REQUIRE_EQ(get_int("b.m.n.leaf", &v), ENOENT);
	ATF_REQUIRE_EQ(kernel_sysctl_info("b.m", &in), ENOENT);
	ATF_REQUIRE_EQ(kernel_sysctl_info("b.mm", &in), 0);
	ATF_REQUIRE_EQ(kernel_sysctl_next("b.a", name, sizeof(name)), 0);
	ATF_REQUIRE_STREQ(name, "b.mm");
	ATF_REQUIRE_EQ(get_int("b.a", &v), 0);

	/* The name can be used again. */
	SYSCTL_ADD_INT(sysctl_node_path("b"), "z", CTLFLAG_RD, &lx, NULL);
	ATF_REQUIRE_EQ(get_int("b.z", &v), 0);

	ATF_REQUIRE_EQ(sysctl_remove_oid(NULL), EINVAL);
	ATF_REQUIRE_EQ(sysctl_remove_oid(sysctl_node_path("")), EINVAL);
	sysctl_fini();
}

/* ---- concurrency -------------------------------------------------------- */

/*
 * The writer runs for CONC_MSEC and at least until the readers have done
 * CONC_MINREADS rounds, whichever is later (capped at CONC_MAXMSEC).
 */
#define	CONC_MSEC	300
#define	CONC_MAXMSEC	20000
#define	CONC_MINREADS	2000
#define	STR_X10		"xxxxxxxxxx"
#define	STR_LONG	STR_X10 STR_X10 STR_X10 STR_X10 STR_X10 STR_X10
#define	STR_SHORT	"yy"

static _Atomic int	conc_stop;
static _Atomic int	conc_errors;
static _Atomic int	conc_reads;
static _Atomic int	conc_written;	/* last value the writer stored */

static uint64_t
conc_msec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void *
conc_reader(void *arg __unused)
{
	char buf[sizeof(STR_LONG) + 8];
	size_t len;
	int v, last, error;

	last = 0;
	while (!atomic_load(&conc_stop)) {
		/* An int: never older than the last one seen, never ahead. */
		len = sizeof(v);
		error = kernel_sysctlbyname("t.int", &v, &len, NULL, 0);
		if (error != 0 || len != sizeof(v) || v < last ||
		    v > atomic_load(&conc_written) + 1)
			atomic_fetch_add(&conc_errors, 1);
		last = v;
		/* A whole string: its length agrees with what was copied. */
		len = sizeof(buf);
		error = kernel_sysctlbyname("t.str", buf, &len, NULL, 0);
		if (error != 0 || len == 0 || buf[len - 1] != '\0' ||
		    strlen(buf) + 1 != len) {
			atomic_fetch_add(&conc_errors, 1);
			continue;
		}
		if (strcmp(buf, STR_LONG) != 0 && strcmp(buf, STR_SHORT) != 0 &&
		    strcmp(buf, "hello") != 0)
			atomic_fetch_add(&conc_errors, 1);
		/* Walk the subtree while it changes shape. */
		if (kernel_sysctl_next("t", buf, sizeof(buf)) != 0)
			atomic_fetch_add(&conc_errors, 1);
		atomic_fetch_add(&conc_reads, 1);
	}
	return (NULL);
}

static void *
conc_shaper(void *arg __unused)
{
	static int tmp;
	struct sysctl_oid *oid;

	while (!atomic_load(&conc_stop)) {
		oid = SYSCTL_ADD_INT(t_node, "aaa_tmp", CTLFLAG_RW, &tmp,
		    NULL);
		if (oid == NULL || sysctl_remove_oid(oid) != 0)
			atomic_fetch_add(&conc_errors, 1);
	}
	return (NULL);
}

ATF_TC(concurrent_rw);
ATF_TC_HEAD(concurrent_rw, tc)
{
	atf_tc_set_md_var(tc, "descr", "Readers see only whole values while "
	    "one thread writes an int and a string and another adds and "
	    "removes an OID");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(concurrent_rw, tc)
{
	pthread_t readers[2], shaper;
	uint64_t start, now;
	int i, v, error;
	const char *s;

	tree_setup();
	t_int = 0;
	for (i = 0; i < (int)nitems(readers); i++)
		ATF_REQUIRE_EQ(pthread_create(&readers[i], NULL, conc_reader,
		    NULL), 0);
	ATF_REQUIRE_EQ(pthread_create(&shaper, NULL, conc_shaper, NULL), 0);
	start = conc_msec();
	for (v = 1;; v++) {
		error = set_int("t.int", v);
		if (error != 0)
			atomic_fetch_add(&conc_errors, 1);
		atomic_store(&conc_written, v);
		s = (v & 1) != 0 ? STR_LONG : STR_SHORT;
		error = kernel_sysctlbyname("t.str", NULL, NULL, s, strlen(s));
		if (error != 0)
			atomic_fetch_add(&conc_errors, 1);
		if ((v & 255) != 0)
			continue;
		now = conc_msec();
		if (now - start >= CONC_MAXMSEC || (now - start >= CONC_MSEC &&
		    atomic_load(&conc_reads) >= CONC_MINREADS))
			break;
	}
	atomic_store(&conc_stop, 1);
	for (i = 0; i < (int)nitems(readers); i++)
		ATF_REQUIRE_EQ(pthread_join(readers[i], NULL), 0);
	ATF_REQUIRE_EQ(pthread_join(shaper, NULL), 0);
	ATF_REQUIRE_EQ_MSG(atomic_load(&conc_errors), 0, "%d bad reads",
	    atomic_load(&conc_errors));
	ATF_REQUIRE_MSG(atomic_load(&conc_reads) >= CONC_MINREADS,
	    "readers starved: %d rounds", atomic_load(&conc_reads));
	ATF_REQUIRE_EQ(get_int("t.int", &i), 0);
	ATF_REQUIRE_EQ(i, v);
	sysctl_fini();
}

/* ---- through the public interface -------------------------------------- */

ATF_TC_WITHOUT_HEAD(public_enxio_unbooted);
ATF_TC_BODY(public_enxio_unbooted, tc)
{
	struct vm_sysctl_info in;
	char name[64];
	uint64_t v;
	size_t len;

	len = sizeof(v);
	ATF_REQUIRE_EQ(vm_sysctlbyname("vm.stats.vm.v_page_count", &v, &len,
	    NULL, 0), ENXIO);
	ATF_REQUIRE_EQ(vm_sysctl_next("", name, sizeof(name)), ENXIO);
	ATF_REQUIRE_EQ(vm_sysctl_info("vm.stats.vm.v_page_count", &in), ENXIO);

	/* A tree that exists is still out of reach until vm_boot(). */
	tree_setup();
	len = sizeof(v);
	ATF_REQUIRE_EQ(kernel_sysctlbyname("t.u64", &v, &len, NULL, 0), 0);
	len = sizeof(v);
	ATF_REQUIRE_EQ(vm_sysctlbyname("t.u64", &v, &len, NULL, 0), ENXIO);
	ATF_REQUIRE_EQ(vm_sysctl_next("", name, sizeof(name)), ENXIO);
	ATF_REQUIRE_EQ(vm_sysctl_info("t.u64", &in), ENXIO);
	sysctl_fini();

	boot_small();
	len = sizeof(v);
	ATF_REQUIRE_EQ(vm_sysctlbyname("vm.stats.vm.v_page_count", &v, &len,
	    NULL, 0), 0);
	vm_shutdown();

	/* And again once shut down. */
	len = sizeof(v);
	ATF_REQUIRE_EQ(vm_sysctlbyname("vm.stats.vm.v_page_count", &v, &len,
	    NULL, 0), ENXIO);
	ATF_REQUIRE_EQ(vm_sysctl_next("", name, sizeof(name)), ENXIO);
}

ATF_TC_WITHOUT_HEAD(public_v_page_count);
ATF_TC_BODY(public_v_page_count, tc)
{
	struct vm_sysctl_info in;
	uint64_t v;
	uint32_t i;
	size_t len;

	boot_small();
	len = 0;
	ATF_REQUIRE_EQ(vm_sysctlbyname("vm.stats.vm.v_page_count", NULL, &len,
	    NULL, 0), 0);
	ATF_REQUIRE_EQ(len, sizeof(uint64_t));

	v = 0;
	len = sizeof(v);
	ATF_REQUIRE_EQ(vm_sysctlbyname("vm.stats.vm.v_page_count", &v, &len,
	    NULL, 0), 0);
	ATF_REQUIRE_EQ(len, sizeof(uint64_t));
	ATF_REQUIRE_MSG(v > 0 && v <= (16 << 20) / VM_PAGE_SIZE,
	    "v_page_count %ju for 16 MiB", (uintmax_t)v);

	/* An int-sized buffer is too short: ENOMEM and the first bytes. */
	i = 0xdeadbeef;
	len = sizeof(i);
	ATF_REQUIRE_EQ(vm_sysctlbyname("vm.stats.vm.v_page_count", &i, &len,
	    NULL, 0), ENOMEM);
	ATF_REQUIRE_EQ(len, sizeof(i));
	ATF_REQUIRE(memcmp(&i, &v, sizeof(i)) == 0);

	ATF_REQUIRE_EQ(vm_sysctl_info("vm.stats.vm.v_page_count", &in), 0);
	ATF_REQUIRE_EQ(in.type, VM_CTLTYPE_U64);
	ATF_REQUIRE((in.flags & VM_CTLFLAG_RD) != 0);
	ATF_REQUIRE((in.flags & VM_CTLFLAG_WR) == 0);

	ATF_REQUIRE_EQ(vm_sysctlbyname("vm.stats.vm.v_page_count", NULL, NULL,
	    &v, sizeof(v)), EPERM);
	ATF_REQUIRE_EQ(vm_sysctlbyname("vm.stats.vm.nosuch", &v, &len, NULL,
	    0), ENOENT);
	vm_shutdown();
}

ATF_TC_WITHOUT_HEAD(public_einval_null);
ATF_TC_BODY(public_einval_null, tc)
{
	struct vm_sysctl_info in;
	char name[64];
	size_t len;
	int v;

	boot_small();
	len = sizeof(v);
	ATF_REQUIRE_EQ(vm_sysctlbyname(NULL, &v, &len, NULL, 0), EINVAL);
	ATF_REQUIRE_EQ(vm_sysctl_next(NULL, name, sizeof(name)), EINVAL);
	ATF_REQUIRE_EQ(vm_sysctl_info(NULL, &in), EINVAL);
	ATF_REQUIRE_EQ(vm_sysctlbyname("", &v, &len, NULL, 0), ENOENT);
	ATF_REQUIRE_EQ(vm_sysctlbyname("vm.", &v, &len, NULL, 0), ENOENT);
	ATF_REQUIRE_EQ(vm_sysctl_info("nosuch.name", &in), ENOENT);
	ATF_REQUIRE_EQ(vm_sysctl_next("nosuch.name", name, sizeof(name)),
	    ENOENT);
	vm_shutdown();
}

ATF_TC_WITHOUT_HEAD(public_list);
ATF_TC_BODY(public_list, tc)
{
	static int x;
	struct sysctl_oid *n;
	char name[128];
	char prev[128];
	size_t len;
	int count, found;

	boot_small();
	/* Uppercase sorts before every lowercase FreeBSD name. */
	n = sysctl_node_path("AAtest.sub");
	SYSCTL_ADD_INT(n, "two", CTLFLAG_RW, &x, NULL);
	SYSCTL_ADD_INT(n, "one", CTLFLAG_RW, &x, NULL);
	SYSCTL_ADD_INT(sysctl_node_path("AAtest"), "zero", CTLFLAG_RW, &x,
	    NULL);
	ATF_REQUIRE_EQ(vm_sysctl_next("", name, sizeof(name)), 0);
	ATF_REQUIRE_STREQ(name, "AAtest.sub.one");
	ATF_REQUIRE_EQ(vm_sysctl_next(name, name, sizeof(name)), 0);
	ATF_REQUIRE_STREQ(name, "AAtest.sub.two");
	ATF_REQUIRE_EQ(vm_sysctl_next(name, name, sizeof(name)), 0);
	ATF_REQUIRE_STREQ(name, "AAtest.zero");

	/* The whole tree: every name listed is readable, vm.stats... too. */
	count = 0;
	found = 0;
	strcpy(prev, "");
	while (vm_sysctl_next(prev, name, sizeof(name)) == 0) {
		len = 0;
		ATF_REQUIRE_EQ_MSG(vm_sysctlbyname(name, NULL, &len, NULL, 0),
		    0, "%s", name);
		if (strcmp(name, "vm.stats.vm.v_page_count") == 0)
			found = 1;
		strcpy(prev, name);
		ATF_REQUIRE(++count < 100000);
	}
	ATF_REQUIRE(count >= 4);
	ATF_REQUIRE_MSG(found, "vm.stats.vm.v_page_count not listed");
	vm_shutdown();
}

ATF_TC_WITHOUT_HEAD(public_counter);
ATF_TC_BODY(public_counter, tc)
{
	counter_u64_t c;
	struct sysctl_oid *oid;
	uint64_t v;
	size_t len;

	boot_small();
	c = counter_u64_alloc(M_WAITOK);
	ATF_REQUIRE(c != NULL);
	counter_u64_add(c, 5);
	counter_u64_add(c, 37);
	oid = SYSCTL_ADD_COUNTER_U64(sysctl_node_path("AAtest"), "ctr",
	    CTLFLAG_RW, &c, "a counter");
	ATF_REQUIRE(oid != NULL);
	len = sizeof(v);
	ATF_REQUIRE_EQ(vm_sysctlbyname("AAtest.ctr", &v, &len, NULL, 0), 0);
	ATF_REQUIRE_EQ(len, sizeof(v));
	ATF_REQUIRE_EQ(v, 42);
	/* Only zero can be written, and it zeroes. */
	v = 7;
	ATF_REQUIRE_EQ(vm_sysctlbyname("AAtest.ctr", NULL, NULL, &v,
	    sizeof(v)), EINVAL);
	ATF_REQUIRE_EQ(counter_u64_fetch(c), 42);
	v = 0;
	ATF_REQUIRE_EQ(vm_sysctlbyname("AAtest.ctr", NULL, NULL, &v,
	    sizeof(v)), 0);
	ATF_REQUIRE_EQ(counter_u64_fetch(c), 0);
	counter_u64_add(c, 3);
	len = sizeof(v);
	ATF_REQUIRE_EQ(vm_sysctlbyname("AAtest.ctr", &v, &len, NULL, 0), 0);
	ATF_REQUIRE_EQ(v, 3);
	ATF_REQUIRE_EQ(sysctl_remove_oid(oid), 0);
	counter_u64_free(c);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{

	ATF_TP_ADD_TC(tp, req_out_in);
	ATF_TP_ADD_TC(tp, int_rw);
	ATF_TP_ADD_TC(tp, uint_rw);
	ATF_TP_ADD_TC(tp, long_rw);
	ATF_TP_ADD_TC(tp, u64_rw);
	ATF_TP_ADD_TC(tp, string_rw);
	ATF_TP_ADD_TC(tp, opaque_rw);
	ATF_TP_ADD_TC(tp, proc_rw);
	ATF_TP_ADD_TC(tp, size_query);
	ATF_TP_ADD_TC(tp, readonly_eperm);
	ATF_TP_ADD_TC(tp, wrong_size_einval);
	ATF_TP_ADD_TC(tp, unknown_names);
	ATF_TP_ADD_TC(tp, node_eisdir);
	ATF_TP_ADD_TC(tp, add_node_reuse);
	ATF_TP_ADD_TC(tp, dup_leaf_panics);
	ATF_TP_ADD_TC(tp, node_over_leaf_panics);
	ATF_TP_ADD_TC(tp, bad_name_panics);
	ATF_TP_ADD_TC(tp, next_order);
	ATF_TP_ADD_TC(tp, info);
	ATF_TP_ADD_TC(tp, remove_oid);
	ATF_TP_ADD_TC(tp, concurrent_rw);
	ATF_TP_ADD_TC(tp, public_enxio_unbooted);
	ATF_TP_ADD_TC(tp, public_v_page_count);
	ATF_TP_ADD_TC(tp, public_einval_null);
	ATF_TP_ADD_TC(tp, public_list);
	ATF_TP_ADD_TC(tp, public_counter);
	return (atf_no_error());
}
