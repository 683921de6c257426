/*
 * Helpers shared by the white-box tests of objects and faults
 * (shadow_test.c, fault_test.c): tagged page contents, objects' pages,
 * a vmspace's map and user memory, and a child process that runs a case
 * which may panic.  Pages written here hold one 64-bit tag in every word.
 *
 * Everything is static inline so that a program using part of it builds
 * without unused-function warnings (-Werror).
 */
#ifndef _TESTS_VM_VM_WHITEBOX_H_
#define _TESTS_VM_VM_WHITEBOX_H_

#include "vm_test_util.h"

#include <pmap/pmap.h>
#include <vm/vm_fault.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>

#define	PG(i)		((vm_offset_t)(i) * PAGE_SIZE)
#define	RW		(VM_PROT_READ | VM_PROT_WRITE)
#define	WORDS		(PAGE_SIZE / sizeof(uint64_t))
#define	UVA		((vm_offset_t)0x40000000) /* mappings */
/* Tags: which object (a letter) and which page index of it. */
#define	TAG(c, i)	\
	(((uint64_t)(c) << 32) | (uint64_t)(i) | (1ULL << 62))

static inline void
ocheck(vm_object_t o)
{
	VM_OBJECT_RLOCK(o);
	vm_object_check(o);
	VM_OBJECT_RUNLOCK(o);
}

static inline int
refs(vm_object_t o)
{
	return (atomic_load(&o->ref_count));
}

static inline void
page_fill(vm_page_t m, uint64_t tag)
{
	uint64_t *p = vm_page_dmap(m);
	size_t i;

	for (i = 0; i < WORDS; i++)
		p[i] = tag;
}

/* The page's tag; every word must agree (0 for a zero page). */
static inline uint64_t
page_tag(vm_page_t m)
{
	uint64_t *p = vm_page_dmap(m);
	size_t i;

	for (i = 1; i < WORDS; i++)
		ATF_REQUIRE_MSG(p[i] == p[0], "page %p word %zu %#jx, word 0 "
		    "%#jx", (void *)m, i, (uintmax_t)p[i], (uintmax_t)p[0]);
	return (p[0]);
}

static inline vm_page_t
olookup(vm_object_t o, vm_pindex_t idx)
{
	vm_page_t m;

	VM_OBJECT_RLOCK(o);
	m = vm_page_lookup(o, idx);
	VM_OBJECT_RUNLOCK(o);
	return (m);
}

/* A valid page tagged tag at idx of o, unbusied. */
static inline vm_page_t
opage(vm_object_t o, vm_pindex_t idx, uint64_t tag)
{
	vm_page_t m;

	VM_OBJECT_WLOCK(o);
	m = vm_page_alloc(o, idx, VM_ALLOC_NORMAL);
	ATF_REQUIRE(m != NULL);
	page_fill(m, tag);
	vm_page_valid(m);
	vm_page_xunbusy(m);
	VM_OBJECT_WUNLOCK(o);
	return (m);
}

static inline struct vmspace *
vs_new(void)
{
	struct vmspace *vm;

	ATF_REQUIRE_EQ(0, vmspace_alloc(&vm));
	return (vm);
}

/* Map [va, va + PG(n)) anonymous (no object yet), exactly there. */
static inline void
vs_map(struct vmspace *vm, vm_offset_t va, vm_pindex_t n, vm_prot_t prot)
{
	vm_map_t map = &vm->vm_map;
	int rv;

	vm_map_lock(map);
	rv = vm_map_insert(map, NULL, 0, va, va + PG(n), prot, VM_PROT_ALL, 0);
	vm_map_unlock(map);
	ATF_REQUIRE_EQ_MSG(KERN_SUCCESS, rv, "vm_map_insert: %d", rv);
}

static inline void
uwrite(struct vmspace *vm, vm_offset_t va, uint64_t tag)
{
	uint64_t buf[WORDS];
	size_t i;

	for (i = 0; i < WORDS; i++)
		buf[i] = tag;
	ATF_REQUIRE_EQ(0, vm_copyout(vm, buf, trunc_page(va), PAGE_SIZE));
}

static inline uint64_t
uread(struct vmspace *vm, vm_offset_t va)
{
	uint64_t buf[WORDS];
	size_t i;

	ATF_REQUIRE_EQ(0, vm_copyin(vm, trunc_page(va), buf, PAGE_SIZE));
	for (i = 1; i < WORDS; i++)
		ATF_REQUIRE_EQ(buf[0], buf[i]);
	return (buf[0]);
}

static inline vm_map_entry_t
entry_at(struct vmspace *vm, vm_offset_t va)
{
	vm_map_t map = &vm->vm_map;
	vm_map_entry_t e;
	bool found;

	vm_map_lock_read(map);
	found = vm_map_lookup_entry(map, va, &e);
	vm_map_unlock_read(map);
	ATF_REQUIRE_MSG(found, "no entry at %#jx", (uintmax_t)va);
	return (e);
}

/*
 * vt_expect_exit0, with the child's output on one line (ATF's reason
 * must be one line) and its tail kept (a panic names the cause last).
 */
static inline void
expect_child_ok(void (*fn)(void))
{
	char buf[16384], *c, *start;
	size_t len;
	ssize_t r;
	pid_t pid;
	int pfd[2], status;

	fflush(stdout);
	fflush(stderr);
	ATF_REQUIRE(pipe(pfd) == 0);
	pid = fork();
	ATF_REQUIRE(pid != -1);
	if (pid == 0) {
		struct rlimit rl = { 0, 0 };

		close(pfd[0]);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		(void)setrlimit(RLIMIT_CORE, &rl);
		fn();
		_exit(0);
	}
	close(pfd[1]);
	len = 0;
	while ((r = read(pfd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	buf[len] = '\0';
	close(pfd[0]);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	for (c = buf; *c != '\0'; c++)
		if (*c == '\n' || *c == '\r' || (unsigned char)*c < ' ' ||
		    (unsigned char)*c > '~')
			*c = *c == '\n' ? '|' : '?';
	/* From the first report of trouble on, else the tail. */
	start = strstr(buf, "ERROR: ");
	if (start == NULL)
		start = strstr(buf, "libvm panic: ");
	if (start == NULL)
		start = strstr(buf, "check ");
	if (start == NULL)
		start = len > 900 ? buf + len - 900 : buf;
	if (strlen(start) > 900)
		start[900] = '\0';
	if (WIFSIGNALED(status))
		atf_tc_fail("child died of signal %d: %s", WTERMSIG(status),
		    start);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		atf_tc_fail("child failed check %d: %s", WEXITSTATUS(status),
		    start);
}

#endif /* !_TESTS_VM_VM_WHITEBOX_H_ */
