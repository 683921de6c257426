/*
 * Tests of vm_db(3): the DDB-style dumps vm_db_show_map, vm_db_show_object
 * and vm_db_show_page, read back from open_memstream(3) buffers.
 *
 * - show map: each kind of entry (touched anonymous memory, a guard, a
 *   stack and its grow area, NOCORE, mlocked) carries its flags, its
 *   protection, inheritance and wirings, and its object chain; the header
 *   counts the entries procstat counts; after a fork the entries are
 *   COW|NEEDS_COPY over one object referenced twice.
 * - show object: after fork and a write, the parent's chain is two deep,
 *   the top object names the bottom one as its backing object, and the
 *   child's entry still maps the bottom one; va's page is reported where
 *   it is resident; the resident page list is cut at 16 lines.
 * - show page: after a write, the page of the top object, the pmap's
 *   translation to it; after fork and a write elsewhere, a page found one
 *   object down; a locked page is wired.
 * - ENOENT for an unmapped va, a guard, a mapping never touched (show
 *   page: an untouched page of a touched mapping), with nothing written;
 *   EINVAL for NULL arguments.
 * - concurrency: a thread keeps dumping while others map, unmap, protect,
 *   lock, fault and fork (run under ThreadSanitizer by make check-tsan).
 *
 * The formats are checked by the words vm_db(3) documents, not by whole
 * lines, so that an added field does not break the tests.
 */
#ifndef _GNU_SOURCE
#define	_GNU_SOURCE	/* open_memstream, pthread_barrier_t */
#endif

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "api_test.h"

/* Fixed addresses far apart, so that no two mappings coalesce. */
#define	A_ANON		((vm_offset_t)0x100000000)
#define	A_GUARD		((vm_offset_t)0x200000000)
#define	A_STACK		((vm_offset_t)0x300000000)
#define	A_NOCORE	((vm_offset_t)0x400000000)
#define	A_WIRED		((vm_offset_t)0x500000000)
#define	A_FRESH		((vm_offset_t)0x600000000)
#define	STACK_LEN	((vm_size_t)512 << 10)

typedef int	show_va_fn(struct vmspace *, vm_offset_t, FILE *);

/* ---- capturing output ------------------------------------------------------ */

/* Run a show function into a memory buffer: its error, *sp the text. */
static int
capture_va(show_va_fn *fn, struct vmspace *vs, vm_offset_t va, char **sp)
{
	size_t len = 0;
	FILE *fp;
	int error;

	*sp = NULL;
	fp = open_memstream(sp, &len);
	ATF_REQUIRE(fp != NULL);
	error = fn(vs, va, fp);
	ATF_REQUIRE_EQ(0, fclose(fp));
	ATF_REQUIRE(*sp != NULL);
	return (error);
}

static char *
show_map_l(int line, struct vmspace *vs)
{
	size_t len = 0;
	char *s = NULL;
	FILE *fp;
	int error;

	fp = open_memstream(&s, &len);
	ATF_REQUIRE(fp != NULL);
	error = vm_db_show_map(vs, fp);
	ATF_REQUIRE_EQ(0, fclose(fp));
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_db_show_map: error %d",
	    line, error);
	printf("--- show map (line %d)\n%s", line, s);
	return (s);
}
#define	SHOW_MAP(vs)	show_map_l(__LINE__, (vs))

static char *
show_va_l(int line, const char *name, show_va_fn *fn, struct vmspace *vs,
    vm_offset_t va)
{
	char *s;
	int error;

	error = capture_va(fn, vs, va, &s);
	ATF_REQUIRE_MSG(error == 0, "line %d: %s(%#jx): error %d", line, name,
	    (uintmax_t)va, error);
	printf("--- %s %#jx (line %d)\n%s", name, (uintmax_t)va, line, s);
	return (s);
}
#define	SHOW_OBJECT(vs, va)						\
	show_va_l(__LINE__, "vm_db_show_object", vm_db_show_object, (vs), (va))
#define	SHOW_PAGE(vs, va)						\
	show_va_l(__LINE__, "vm_db_show_page", vm_db_show_page, (vs), (va))

/* The call must fail with want and write nothing. */
static void
show_fails_l(int line, const char *name, show_va_fn *fn, struct vmspace *vs,
    vm_offset_t va, int want)
{
	char *s;
	int error;

	error = capture_va(fn, vs, va, &s);
	ATF_CHECK_MSG(error == want, "line %d: %s(%#jx) = %d, want %d", line,
	    name, (uintmax_t)va, error, want);
	ATF_CHECK_MSG(s[0] == '\0', "line %d: %s(%#jx) failed but wrote "
	    "\"%s\"", line, name, (uintmax_t)va, s);
	free(s);
}
#define	OBJECT_FAILS(vs, va, want)					\
	show_fails_l(__LINE__, "vm_db_show_object", vm_db_show_object,	\
	    (vs), (va), (want))
#define	PAGE_FAILS(vs, va, want)					\
	show_fails_l(__LINE__, "vm_db_show_page", vm_db_show_page,	\
	    (vs), (va), (want))

/* ---- reading output -------------------------------------------------------- */

/* A copy of the first line of s that contains key, or NULL. */
static char *
line_with(const char *s, const char *key)
{
	const char *p, *b, *e;
	char *l;

	if ((p = strstr(s, key)) == NULL)
		return (NULL);
	for (b = p; b > s && b[-1] != '\n'; b--)
		;
	if ((e = strchr(p, '\n')) == NULL)
		e = p + strlen(p);
	l = strndup(b, (size_t)(e - b));
	ATF_REQUIRE(l != NULL);
	return (l);
}

/* The line after the one containing key. */
static char *
line_after(const char *s, const char *key)
{
	const char *p, *e;
	char *l;

	ATF_REQUIRE_MSG((p = strstr(s, key)) != NULL, "no \"%s\" in:\n%s",
	    key, s);
	ATF_REQUIRE_MSG((p = strchr(p, '\n')) != NULL, "nothing after \"%s\"",
	    key);
	p++;
	if ((e = strchr(p, '\n')) == NULL)
		e = p + strlen(p);
	l = strndup(p, (size_t)(e - p));
	ATF_REQUIRE(l != NULL);
	return (l);
}

/* The entry header line of [start, end), which must be there. */
static char *
entry_line_l(int line, const char *s, vm_offset_t start, vm_offset_t end,
    char **nextp)
{
	char key[64];
	char *l;

	snprintf(key, sizeof(key), "[%#jx, %#jx)", (uintmax_t)start,
	    (uintmax_t)end);
	l = line_with(s, key);
	ATF_REQUIRE_MSG(l != NULL, "line %d: no entry %s in the map", line,
	    key);
	if (nextp != NULL)
		*nextp = line_after(s, key);
	return (l);
}
#define	ENTRY_LINE(s, start, end, nextp)				\
	entry_line_l(__LINE__, (s), (start), (end), (nextp))

#define	HAS(l, w)	ATF_CHECK_MSG(strstr((l), (w)) != NULL,		\
	"\"%s\" not in \"%s\"", (w), (l))
#define	HASNT(l, w)	ATF_CHECK_MSG(strstr((l), (w)) == NULL,		\
	"\"%s\" in \"%s\"", (w), (l))

/* The number after word in s ("word 0x1f" or "word 31"), which must be there. */
static uintmax_t
num_after(const char *s, const char *word)
{
	const char *p;
	char *end;
	uintmax_t v;

	p = strstr(s, word);
	ATF_REQUIRE_MSG(p != NULL, "no \"%s\" in \"%s\"", word, s);
	p += strlen(word);
	v = strtoumax(p, &end, 0);
	ATF_REQUIRE_MSG(end != p, "no number after \"%s\" in \"%s\"", word, s);
	return (v);
}

/* The pointer after word ("object 0x55..."). */
static uintptr_t
ptr_after(const char *s, const char *word)
{
	return ((uintptr_t)num_after(s, word));
}

static int
count_of(const char *s, const char *word)
{
	int n = 0;

	while ((s = strstr(s, word)) != NULL) {
		n++;
		s += strlen(word);
	}
	return (n);
}

/* ---- show map -------------------------------------------------------------- */

/*
 * Each kind of entry shows its flags: anonymous memory that was touched
 * (an anonymous object), a guard (no object), a stack (GROWS_DOWN) and
 * its grow area (a STACK_GAP_DN guard), NOCORE, and an mlocked range
 * (USER_WIRED, wired once).
 */
ATF_TC_WITHOUT_HEAD(show_map__entries);
ATF_TC_BODY(show_map__entries, tc)
{
	struct vmspace *vs;
	char *s, *l, *next, *flags, key[64];
	size_t n;

	boot();
	vs = vs_new();
	MAP(vs, A_ANON, 4 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, A_ANON, 2 * PG, 1);
	MAP(vs, A_GUARD, 4 * PG, VM_PROT_NONE, VM_MAP_GUARD | VM_MAP_FIXED);
	MAP(vs, A_STACK, STACK_LEN, RW, ANON_PRIV | VM_MAP_STACK |
	    VM_MAP_FIXED);
	MAP(vs, A_NOCORE, 2 * PG, VM_PROT_READ, ANON_PRIV | VM_MAP_NOCORE |
	    VM_MAP_FIXED);
	MAP(vs, A_WIRED, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	ATF_REQUIRE_EQ(0, vm_mlock(vs, A_WIRED, 2 * PG));
	n = PSTAT(vs);
	s = SHOW_MAP(vs);

	/* The header. */
	l = line_with(s, "map 0x");
	ATF_REQUIRE(l != NULL);
	HAS(l, "pmap 0x");
	HAS(l, "vmspace 0x");
	free(l);
	l = line_with(s, "nentries");
	ATF_REQUIRE(l != NULL);
	ATF_CHECK_EQ(n, num_after(l, "nentries "));
	snprintf(key, sizeof(key), "[%#jx, %#jx)",
	    (uintmax_t)VM_MIN_USER_ADDRESS, (uintmax_t)VM_MAX_USER_ADDRESS);
	HAS(l, key);
	free(l);
	ATF_CHECK_EQ((int)n, count_of(s, "entry 0x"));

	/* Touched anonymous memory: an anonymous object with 2 pages. */
	l = ENTRY_LINE(s, A_ANON, A_ANON + 4 * PG, &next);
	ATF_CHECK_MSG(strlen(l) > 9 && strcmp(l + strlen(l) - 9, " eflags 0")
	    == 0, "touched anonymous entry: \"%s\"", l);
	HAS(next, "pages 4 prot rw-/rwx inherit copy wired 0");
	HASNT(next, "object none");
	free(l);
	l = line_after(s, next);
	HAS(l, "type swap");
	HAS(l, "res 2");
	HAS(l, "ref 1");
	flags = line_after(s, l);
	HAS(flags, "flags 0x3<ANON,ONEMAPPING>");
	HASNT(flags, "backing");
	free(flags);
	free(l);
	free(next);

	/* A guard. */
	l = ENTRY_LINE(s, A_GUARD, A_GUARD + 4 * PG, &next);
	HAS(l, "GUARD");
	HASNT(l, "STACK_GAP_DN");
	HAS(next, "prot ---/---");
	HAS(next, "object none");
	free(l);
	free(next);

	/* The stack: its mapped top grows down, the rest is its grow area. */
	l = line_with(s, "GROWS_DOWN");
	ATF_REQUIRE_MSG(l != NULL, "no GROWS_DOWN entry");
	snprintf(key, sizeof(key), ", %#jx)", (uintmax_t)(A_STACK + STACK_LEN));
	HAS(l, key);
	free(l);
	l = line_with(s, "STACK_GAP_DN");
	ATF_REQUIRE_MSG(l != NULL, "no STACK_GAP_DN entry");
	snprintf(key, sizeof(key), "[%#jx, ", (uintmax_t)A_STACK);
	HAS(l, key);
	HAS(l, "GUARD");
	next = line_after(s, l);
	HAS(next, "stack_guard 0x1000 ");
	free(next);
	free(l);

	/* NOCORE. */
	l = ENTRY_LINE(s, A_NOCORE, A_NOCORE + 2 * PG, &next);
	HAS(l, "NOCOREDUMP");
	HAS(next, "prot r--/rwx");
	free(l);
	free(next);

	/* mlock: user-wired once, with an object holding both pages. */
	l = ENTRY_LINE(s, A_WIRED, A_WIRED + 2 * PG, &next);
	HAS(l, "USER_WIRED");
	HASNT(l, "NOCOREDUMP");
	HAS(next, "wired 1");
	HASNT(next, "object none");
	free(l);
	l = line_after(s, next);
	HAS(l, "res 2");
	free(l);
	free(next);
	free(s);

	/* munlock takes the flag away. */
	ATF_REQUIRE_EQ(0, vm_munlock(vs, A_WIRED, 2 * PG));
	s = SHOW_MAP(vs);
	l = ENTRY_LINE(s, A_WIRED, A_WIRED + 2 * PG, &next);
	HASNT(l, "USER_WIRED");
	HAS(next, "wired 0");
	free(l);
	free(next);
	free(s);

	vmspace_release(vs);
	vm_shutdown();
}

/* An empty address space: the header and no entries. */
ATF_TC_WITHOUT_HEAD(show_map__empty);
ATF_TC_BODY(show_map__empty, tc)
{
	struct vmspace *vs;
	char *s;

	boot();
	vs = vs_new();
	s = SHOW_MAP(vs);
	HAS(s, "nentries 0 ");
	HAS(s, "size 0x0 ");
	ATF_CHECK_EQ(0, count_of(s, "entry 0x"));
	free(s);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * After a fork both sides' entries are COW|NEEDS_COPY over one object,
 * now referenced twice; a write gives the writer's entry a shadow whose
 * chain line shows the shared object indented under it.
 */
ATF_TC_WITHOUT_HEAD(show_map__fork_chain);
ATF_TC_BODY(show_map__fork_chain, tc)
{
	struct vmspace *vs, *child;
	char *s, *cs, *l, *next, *top, *flags, *bottom;
	uintptr_t obj, cobj;

	boot();
	vs = vs_new();
	MAP(vs, A_ANON, 4 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, A_ANON, 4 * PG, 1);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	s = SHOW_MAP(vs);
	cs = SHOW_MAP(child);
	l = ENTRY_LINE(s, A_ANON, A_ANON + 4 * PG, &next);
	HAS(l, "COW,NEEDS_COPY");
	obj = ptr_after(next, "object ");
	free(l);
	free(next);
	l = ENTRY_LINE(cs, A_ANON, A_ANON + 4 * PG, &next);
	HAS(l, "COW,NEEDS_COPY");
	cobj = ptr_after(next, "object ");
	ATF_CHECK_EQ_MSG(obj, cobj, "parent and child map different objects "
	    "after fork");
	free(l);
	l = line_after(cs, next);
	HAS(l, "ref 2");
	free(l);
	free(next);
	free(s);
	free(cs);

	FILL(vs, A_ANON, PG, 2);
	s = SHOW_MAP(vs);
	l = ENTRY_LINE(s, A_ANON, A_ANON + 4 * PG, &next);
	HAS(l, "COW");
	HASNT(l, "NEEDS_COPY");
	ATF_CHECK(ptr_after(next, "object ") != obj);
	top = line_after(s, next);
	flags = line_after(s, top);
	bottom = line_after(s, flags);
	ATF_CHECK_EQ(obj, ptr_after(flags, "backing "));
	ATF_CHECK_EQ(obj, ptr_after(bottom, "object "));
	HAS(top, "res 1");
	HAS(bottom, "res 4");
	HAS(bottom, "shadows 1");
	/* The backing object is indented one further than its shadow. */
	ATF_CHECK_EQ(strspn(top, " ") + 1, strspn(bottom, " "));
	free(top);
	free(flags);
	free(bottom);
	free(l);
	free(next);
	free(s);

	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- show object ----------------------------------------------------------- */

/*
 * Fork and a write by the parent: the parent's chain at the written page
 * is two deep, top object first, naming the bottom one as its backing
 * object; the page is resident at depth 0 and the unwritten pages at
 * depth 1.  The child's chain is the bottom object alone.
 */
ATF_TC_WITHOUT_HEAD(show_object__fork_chain);
ATF_TC_BODY(show_object__fork_chain, tc)
{
	struct vmspace *vs, *child;
	char *s, *cs, *d0, *d1, *l;
	uintptr_t top, bottom;

	boot();
	vs = vs_new();
	MAP(vs, A_ANON, 4 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, A_ANON, 2 * PG, 1);
	s = SHOW_OBJECT(vs, A_ANON);
	HAS(s, "depth 0");
	HASNT(s, "depth 1");
	HAS(s, "backing none");
	HAS(s, "resident pages:\n");
	ATF_CHECK_EQ(2, count_of(s, "-> pa 0x"));
	free(s);

	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	FILL(vs, A_ANON, PG, 2);

	s = SHOW_OBJECT(vs, A_ANON);
	l = line_with(s, "eflags");
	ATF_REQUIRE(l != NULL);
	HAS(l, "COW");
	HASNT(l, "NEEDS_COPY");
	free(l);
	d0 = line_with(s, "depth 0");
	d1 = line_with(s, "depth 1");
	ATF_REQUIRE(d0 != NULL && d1 != NULL);
	HASNT(s, "depth 2");
	top = ptr_after(d0, "object ");
	bottom = ptr_after(d1, "object ");
	ATF_CHECK(top != bottom);
	l = line_with(s, "backing 0x");
	ATF_REQUIRE(l != NULL);
	ATF_CHECK_EQ(bottom, ptr_after(l, "backing "));
	free(l);
	/* The backing object is indented below its shadow. */
	ATF_CHECK(strspn(d1, " ") > strspn(d0, " "));
	/* va's page: resident at the top, and still below. */
	ATF_CHECK_EQ(2, count_of(s, "va's pindex 0x0: resident"));
	HAS(s, "shadows 1");
	free(d0);
	free(d1);
	free(s);

	/* An unwritten page: only in the bottom object. */
	s = SHOW_OBJECT(vs, A_ANON + PG);
	HAS(s, "va's pindex 0x1: not resident");
	HAS(s, "va's pindex 0x1: resident");
	free(s);

	/* The child maps the bottom object, alone, still NEEDS_COPY. */
	cs = SHOW_OBJECT(child, A_ANON + 100);
	l = line_with(cs, "eflags");
	ATF_REQUIRE(l != NULL);
	HAS(l, "NEEDS_COPY");
	free(l);
	d0 = line_with(cs, "depth 0");
	ATF_REQUIRE(d0 != NULL);
	ATF_CHECK_EQ(bottom, ptr_after(d0, "object "));
	HASNT(cs, "depth 1");
	HAS(cs, "backing none");
	HAS(cs, "resident 2 ");
	free(d0);
	free(cs);

	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

/* The resident page list stops at 16 lines and says how many more. */
ATF_TC_WITHOUT_HEAD(show_object__page_list_cut);
ATF_TC_BODY(show_object__page_list_cut, tc)
{
	struct vmspace *vs;
	char *s;

	boot();
	vs = vs_new();
	MAP(vs, A_ANON, 40 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, A_ANON, 40 * PG, 1);
	s = SHOW_OBJECT(vs, A_ANON + 39 * PG);
	HAS(s, "resident 40 ");
	ATF_CHECK_EQ(16, count_of(s, "-> pa 0x"));
	HAS(s, "... 24 more\n");
	HAS(s, "va's pindex 0x27: resident");
	free(s);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- show page ------------------------------------------------------------- */

/*
 * After a write: the page of the top object, at the va's index, mapped
 * by the pmap at va and modified there; after mlock it is wired.
 */
ATF_TC_WITHOUT_HEAD(show_page__after_write);
ATF_TC_BODY(show_page__after_write, tc)
{
	struct vmspace *vs;
	char *s, *os, *l;
	uintmax_t pa;

	boot();
	vs = vs_new();
	MAP(vs, A_ANON, 4 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, A_ANON + 2 * PG, PG, 7);
	s = SHOW_PAGE(vs, A_ANON + 2 * PG + 5);
	os = SHOW_OBJECT(vs, A_ANON + 2 * PG);

	l = line_with(s, "va 0x");
	ATF_REQUIRE(l != NULL);
	pa = num_after(l, " pa ");
	ATF_CHECK_EQ(0, pa % PG);
	free(l);
	l = line_with(os, "depth 0");
	ATF_REQUIRE(l != NULL);
	ATF_CHECK_EQ(ptr_after(l, "object "), ptr_after(s, "\n object "));
	free(l);
	l = line_with(os, "va's pindex");
	ATF_CHECK_EQ(pa, num_after(l, " pa "));
	free(l);
	HAS(s, "pindex 0x2 depth 0 (the top object)");
	HAS(s, "queue ");
	HAS(s, "OBJREF");
	HAS(s, "wire_count 0");
	HAS(s, "unbusied");
	HAS(s, "valid 0xff");
	l = line_with(s, "pmap 0x");
	ATF_REQUIRE(l != NULL);
	ATF_CHECK_EQ(pa, num_after(l, "va -> pa "));
	HAS(l, "(this page)");
	HAS(l, "referenced");
	HAS(l, "modified");
	free(l);
	HAS(s, "pv: mapped yes referenced yes modified yes");
	free(s);
	free(os);

	ATF_REQUIRE_EQ(0, vm_mlock(vs, A_ANON + 2 * PG, PG));
	s = SHOW_PAGE(vs, A_ANON + 2 * PG);
	HAS(s, "wire_count 1");
	free(s);
	ATF_REQUIRE_EQ(0, vm_munlock(vs, A_ANON + 2 * PG, PG));

	/* No access: the page stays, the translation goes. */
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, A_ANON, 4 * PG, VM_PROT_NONE));
	s = SHOW_PAGE(vs, A_ANON + 2 * PG);
	HAS(s, "va not mapped");
	HAS(s, "pv: mapped no");
	free(s);

	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Fork, then the parent writes page 0: the parent's page 1 is found one
 * object down, the page the child sees at page 1 is the same, and the
 * parent's page 0 is a new page at the top.
 */
ATF_TC_WITHOUT_HEAD(show_page__below_top);
ATF_TC_BODY(show_page__below_top, tc)
{
	struct vmspace *vs, *child;
	char *s, *cs;
	uintmax_t pa, cpa;

	boot();
	vs = vs_new();
	MAP(vs, A_ANON, 4 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, A_ANON, 2 * PG, 1);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	FILL(vs, A_ANON, PG, 2);
	EXPECT_FILL(child, A_ANON + PG, PG, 1);

	s = SHOW_PAGE(vs, A_ANON + PG);
	cs = SHOW_PAGE(child, A_ANON + PG);
	HAS(s, "depth 1 (below the top: a write copies it)");
	HAS(cs, "depth 0 (entry needs copy");
	pa = num_after(s, " pa ");
	cpa = num_after(cs, " pa ");
	ATF_CHECK_EQ(pa, cpa);
	ATF_CHECK_EQ(ptr_after(s, "\n object "), ptr_after(cs, "\n object "));
	/* The child read it: its pmap maps this page. */
	HAS(cs, "(this page)");
	free(s);
	free(cs);

	s = SHOW_PAGE(vs, A_ANON);
	cs = SHOW_PAGE(child, A_ANON);
	HAS(s, "depth 0 (the top object)");
	ATF_CHECK(num_after(s, " pa ") != num_after(cs, " pa "));
	free(s);
	free(cs);

	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- errors ---------------------------------------------------------------- */

/*
 * ENOENT, with nothing printed: no mapping at va (also below and above
 * the user range), a guard, a mapping never touched (no object yet);
 * show page also for an untouched page of a touched mapping, which show
 * object describes.
 */
ATF_TC_WITHOUT_HEAD(errors__enoent);
ATF_TC_BODY(errors__enoent, tc)
{
	static const vm_offset_t nowhere[] = {
		0, PG - 1, A_ANON - PG, A_ANON + 4 * PG, VM_MAX_USER_ADDRESS,
		VM_MAX_USER_ADDRESS + PG, ~(vm_offset_t)0,
	};
	struct vmspace *vs;
	char *s;
	size_t i;

	boot();
	vs = vs_new();
	MAP(vs, A_ANON, 4 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	MAP(vs, A_GUARD, 4 * PG, VM_PROT_NONE, VM_MAP_GUARD | VM_MAP_FIXED);
	MAP(vs, A_FRESH, 4 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, A_ANON, PG, 1);

	for (i = 0; i < sizeof(nowhere) / sizeof(nowhere[0]); i++) {
		OBJECT_FAILS(vs, nowhere[i], ENOENT);
		PAGE_FAILS(vs, nowhere[i], ENOENT);
	}
	OBJECT_FAILS(vs, A_GUARD, ENOENT);
	PAGE_FAILS(vs, A_GUARD + PG, ENOENT);
	OBJECT_FAILS(vs, A_FRESH, ENOENT);
	PAGE_FAILS(vs, A_FRESH, ENOENT);

	s = SHOW_OBJECT(vs, A_ANON + 3 * PG);
	HAS(s, "va's pindex 0x3: not resident");
	free(s);
	PAGE_FAILS(vs, A_ANON + 3 * PG, ENOENT);
	s = SHOW_PAGE(vs, A_ANON + PG - 1);
	free(s);

	/* Unmapped again: ENOENT again. */
	ATF_REQUIRE_EQ(0, vm_munmap(vs, A_ANON, 4 * PG));
	OBJECT_FAILS(vs, A_ANON, ENOENT);
	PAGE_FAILS(vs, A_ANON, ENOENT);

	vmspace_release(vs);
	vm_shutdown();
}

/* EINVAL for a NULL address space or stream, nothing printed. */
ATF_TC_WITHOUT_HEAD(errors__einval);
ATF_TC_BODY(errors__einval, tc)
{
	struct vmspace *vs;
	char *s = NULL;
	size_t len = 0;
	FILE *fp;

	boot();
	vs = vs_new();
	MAP(vs, A_ANON, PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, A_ANON, PG, 1);
	fp = open_memstream(&s, &len);
	ATF_REQUIRE(fp != NULL);
	ATF_CHECK_EQ(EINVAL, vm_db_show_map(NULL, fp));
	ATF_CHECK_EQ(EINVAL, vm_db_show_map(vs, NULL));
	ATF_CHECK_EQ(EINVAL, vm_db_show_object(NULL, A_ANON, fp));
	ATF_CHECK_EQ(EINVAL, vm_db_show_object(vs, A_ANON, NULL));
	ATF_CHECK_EQ(EINVAL, vm_db_show_page(NULL, A_ANON, fp));
	ATF_CHECK_EQ(EINVAL, vm_db_show_page(vs, A_ANON, NULL));
	ATF_REQUIRE_EQ(0, fclose(fp));
	ATF_CHECK_EQ(0, len);
	free(s);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- concurrency ----------------------------------------------------------- */

/*
 * One thread dumps (map, object and page at addresses of a region, in
 * the parent and in a long-lived child) while one thread maps, touches,
 * protects, locks and unmaps pages of the region, and another forks the
 * parent, writes into parent and fork, and releases the fork.  The dumps
 * must succeed or find nothing (ENOENT), print something exactly when
 * they succeed, and nothing may race (ThreadSanitizer) or deadlock (the
 * ATF timeout).
 */
#define	MT_BASE		((vm_offset_t)0x700000000)
#define	MT_PAGES	32
#define	MT_ROUNDS	20000

struct mt {
	struct vmspace	*vs;
	struct vmspace	*child;
	_Atomic int	running;	/* mutators still running */
	_Atomic int	bad;		/* first bad result, as a code */
	_Atomic long	ok[3];		/* dumps that printed, by kind */
	_Atomic long	enoent[3];	/* dumps that found nothing */
};

static uint64_t
mt_rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static void
mt_bad(struct mt *mt, int code)
{
	int zero = 0;

	(void)atomic_compare_exchange_strong(&mt->bad, &zero, code);
}

/* A dump into a memory stream: 0 with output or ENOENT without. */
static void
mt_show(struct mt *mt, struct vmspace *vs, int which, vm_offset_t va)
{
	size_t len = 0;
	char *s = NULL;
	FILE *fp;
	int error;

	if ((fp = open_memstream(&s, &len)) == NULL) {
		mt_bad(mt, 1000);
		return;
	}
	switch (which) {
	case 0:
		error = vm_db_show_map(vs, fp);
		break;
	case 1:
		error = vm_db_show_object(vs, va, fp);
		break;
	default:
		error = vm_db_show_page(vs, va, fp);
		break;
	}
	if (fclose(fp) != 0)
		mt_bad(mt, 1001);
	if (error == 0 && len > 0)
		atomic_fetch_add(&mt->ok[which], 1);
	else if (error == ENOENT && which != 0 && len == 0)
		atomic_fetch_add(&mt->enoent[which], 1);
	else
		mt_bad(mt, 100 * (which + 1) + error);
	free(s);
}

static void *
mt_shower(void *arg)
{
	struct mt *mt = arg;
	uint64_t seed = 1;
	vm_offset_t va;
	long n;

	for (n = 0; atomic_load(&mt->running) > 0 || n < 200; n++) {
		va = MT_BASE + (mt_rnd(&seed) % (MT_PAGES * PG));
		mt_show(mt, (n & 8) != 0 ? mt->child : mt->vs, n % 3, va);
	}
	return (NULL);
}

static void *
mt_mapper(void *arg)
{
	struct mt *mt = arg;
	uint64_t seed = 2, r;
	vm_offset_t va;
	vm_size_t len;
	int i, error;
	char buf[16];

	for (i = 0; i < MT_ROUNDS; i++) {
		r = mt_rnd(&seed);
		va = MT_BASE + (r % MT_PAGES) * PG;
		len = (1 + (r >> 8) % 4) * PG;
		if (va + len > MT_BASE + MT_PAGES * PG)
			len = MT_BASE + MT_PAGES * PG - va;
		memset(buf, (int)i, sizeof(buf));
		switch ((r >> 16) % 6) {
		case 0:
			error = vm_mmap(mt->vs, &va, len, RW, ANON_PRIV |
			    VM_MAP_FIXED, -1, 0);
			break;
		case 1:
			error = vm_munmap(mt->vs, va, len);
			break;
		case 2:
			(void)vm_mprotect(mt->vs, va, len, (r >> 24) % 2 ?
			    VM_PROT_READ : RW);
			error = 0;
			break;
		case 3:
			if (vm_mlock(mt->vs, va, len) == 0)
				(void)vm_munlock(mt->vs, va, len);
			error = 0;
			break;
		default:
			(void)vm_copyout(mt->vs, buf, va + (r >> 32) % (PG -
			    sizeof(buf)), sizeof(buf));
			error = 0;
			break;
		}
		if (error != 0)
			mt_bad(mt, 2000 + error);
	}
	atomic_fetch_sub(&mt->running, 1);
	return (NULL);
}

static void *
mt_forker(void *arg)
{
	struct mt *mt = arg;
	struct vmspace *fork;
	uint64_t seed = 3, r;
	char buf[8] = "fork";
	int i;

	for (i = 0; i < MT_ROUNDS / 10; i++) {
		if (vmspace_fork(mt->vs, &fork) != 0) {
			mt_bad(mt, 3000);
			break;
		}
		r = mt_rnd(&seed);
		(void)vm_copyout(fork, buf, MT_BASE + (r % MT_PAGES) * PG,
		    sizeof(buf));
		(void)vm_copyout(mt->vs, buf, MT_BASE + ((r >> 8) % MT_PAGES) *
		    PG, sizeof(buf));
		vmspace_release(fork);
	}
	atomic_fetch_sub(&mt->running, 1);
	return (NULL);
}

ATF_TC(concurrent__show_while_changing);
ATF_TC_HEAD(concurrent__show_while_changing, tc)
{
	atf_tc_set_md_var(tc, "descr", "Dumps race with map changes, "
	    "faults and forks without data races or deadlocks");
	atf_tc_set_md_var(tc, "timeout", "600");
}
ATF_TC_BODY(concurrent__show_while_changing, tc)
{
	struct mt mt;
	pthread_t t[3];
	int i;

	boot();
	memset(&mt, 0, sizeof(mt));
	mt.vs = vs_new();
	MAP(mt.vs, MT_BASE, MT_PAGES * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(mt.vs, MT_BASE, MT_PAGES * PG, 1);
	ATF_REQUIRE_EQ(0, vmspace_fork(mt.vs, &mt.child));
	atomic_store(&mt.running, 2);
	ATF_REQUIRE_EQ(0, pthread_create(&t[0], NULL, mt_shower, &mt));
	ATF_REQUIRE_EQ(0, pthread_create(&t[1], NULL, mt_mapper, &mt));
	ATF_REQUIRE_EQ(0, pthread_create(&t[2], NULL, mt_forker, &mt));
	for (i = 0; i < 3; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
	ATF_CHECK_EQ_MSG(0, atomic_load(&mt.bad), "bad result code %d "
	    "(100s: show map/object/page + errno; 2000s: mapper errno; "
	    "3000: fork failed)", atomic_load(&mt.bad));
	printf("show map %ld; show object %ld (+%ld ENOENT); show page %ld "
	    "(+%ld ENOENT)\n", atomic_load(&mt.ok[0]), atomic_load(&mt.ok[1]),
	    atomic_load(&mt.enoent[1]), atomic_load(&mt.ok[2]),
	    atomic_load(&mt.enoent[2]));
	for (i = 0; i < 3; i++)
		ATF_CHECK_MSG(atomic_load(&mt.ok[i]) > 0, "show %s never "
		    "printed", i == 0 ? "map" : i == 1 ? "object" : "page");
	vmspace_release(mt.child);
	vmspace_release(mt.vs);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, show_map__entries);
	ATF_TP_ADD_TC(tp, show_map__empty);
	ATF_TP_ADD_TC(tp, show_map__fork_chain);
	ATF_TP_ADD_TC(tp, show_object__fork_chain);
	ATF_TP_ADD_TC(tp, show_object__page_list_cut);
	ATF_TP_ADD_TC(tp, show_page__after_write);
	ATF_TP_ADD_TC(tp, show_page__below_top);
	ATF_TP_ADD_TC(tp, errors__enoent);
	ATF_TP_ADD_TC(tp, errors__einval);
	ATF_TP_ADD_TC(tp, concurrent__show_while_changing);
	return (atf_no_error());
}
