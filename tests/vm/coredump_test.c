/*
 * Acceptance tests of vm_coredump(3), written from its manual page and
 * docs/coredump.md, FreeBSD's each_dumpable_segment and core_output
 * (which entries become segments; VM_FAULT_NOFILL leaves never-touched
 * memory as holes, D26590) and NetBSD's core_elf32.c (trailing zeros
 * trimmed, p_filesz < p_memsz).
 *
 * The image is checked three ways: by this file's own reader of the ELF
 * headers, segments and LIBVM notes; by readelf(1) -lW (program headers);
 * and by gdb(1) reading bytes at addresses of the dumped address space.
 * readelf and gdb are installed by scripts/deps.sh; a test that needs
 * them fails when they are missing.
 *
 * Every case boots its own libvm (64 MiB) and shuts it down at the end;
 * core files are written in the test's working directory.
 */
#include <elf.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_test.h"

#ifndef nitems
#define	nitems(x)	(sizeof(x) / sizeof((x)[0]))
#endif
#ifndef MIN
#define	MIN(a, b)	((a) < (b) ? (a) : (b))
#endif

/* ---- the LIBVM notes, as docs/coredump.md describes them ---------------- */

#define	NT_LIBVM_VMSPACE	1
#define	NT_LIBVM_VMMAP		2

struct core_vmspace {
	uint32_t	cv_version, cv_size, cv_pagesize, cv_dumpflags;
	uint64_t	cv_map_min, cv_map_max, cv_map_size;
	uint64_t	cv_data_start, cv_data_size;
	uint64_t	cv_rlimit_cur[4], cv_rlimit_max[4];
	uint64_t	cv_resident, cv_user_wired;
	uint32_t	cv_nentries, cv_nsegments;
	uint64_t	cv_pages_read, cv_pages_zero, cv_pages_absent;
};

struct core_vmentry {
	uint64_t	ce_start, ce_end, ce_offset;
	uint32_t	ce_protection, ce_max_protection, ce_inheritance;
	uint32_t	ce_flags, ce_type;
	int32_t		ce_phdr;
	uint64_t	ce_pages;
};

/* ---- reading an image --------------------------------------------------- */

struct core {
	int		fd;
	struct stat	st;
	Elf64_Ehdr	eh;
	Elf64_Phdr	*ph;
	size_t		phnum;
	int		nloads;
	int		has_vmspace;
	struct core_vmspace vs;
	struct core_vmentry *ents;
	uint32_t	nents;
};

static void
xpread_l(int line, int fd, void *buf, size_t len, off_t off)
{
	ssize_t n;

	n = pread(fd, buf, len, off);
	ATF_REQUIRE_MSG(n == (ssize_t)len, "line %d: pread(%zu at %jd): %zd",
	    line, len, (intmax_t)off, n);
}
#define	XPREAD(fd, buf, len, off)	xpread_l(__LINE__, fd, buf, len, off)

/* Parse the notes of one PT_NOTE segment. */
static void
core_notes(struct core *c, const Elf64_Phdr *ph)
{
	char *buf, *p, *end;
	Elf64_Nhdr nh;
	const char *name, *desc;
	uint32_t recsize;

	buf = malloc(ph->p_filesz);
	ATF_REQUIRE(buf != NULL);
	XPREAD(c->fd, buf, ph->p_filesz, (off_t)ph->p_offset);
	p = buf;
	end = buf + ph->p_filesz;
	while (p + sizeof(nh) <= end) {
		memcpy(&nh, p, sizeof(nh));
		name = p + sizeof(nh);
		desc = name + ((nh.n_namesz + 3) & ~3u);
		ATF_REQUIRE_MSG(desc + nh.n_descsz <= end, "note overruns its "
		    "segment");
		if (nh.n_namesz == 6 && memcmp(name, "LIBVM", 6) == 0) {
			if (nh.n_type == NT_LIBVM_VMSPACE) {
				ATF_REQUIRE_EQ(sizeof(c->vs), nh.n_descsz);
				memcpy(&c->vs, desc, sizeof(c->vs));
				c->has_vmspace = 1;
			} else if (nh.n_type == NT_LIBVM_VMMAP) {
				ATF_REQUIRE(nh.n_descsz >= 16);
				memcpy(&c->nents, desc + 8, 4);
				memcpy(&recsize, desc + 4, 4);
				ATF_REQUIRE_EQ(sizeof(struct core_vmentry),
				    recsize);
				ATF_REQUIRE_EQ(16 + (size_t)c->nents * recsize,
				    nh.n_descsz);
				c->ents = calloc(c->nents + 1, recsize);
				ATF_REQUIRE(c->ents != NULL);
				memcpy(c->ents, desc + 16,
				    (size_t)c->nents * recsize);
			}
		}
		p = (char *)desc + ((nh.n_descsz + 3) & ~3u);
	}
	free(buf);
}

static void
core_open_l(int line, const char *path, struct core *c)
{
	Elf64_Shdr sh;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->fd = open(path, O_RDONLY);
	ATF_REQUIRE_MSG(c->fd >= 0, "line %d: open %s", line, path);
	ATF_REQUIRE(fstat(c->fd, &c->st) == 0);
	XPREAD(c->fd, &c->eh, sizeof(c->eh), 0);
	ATF_REQUIRE_MSG(memcmp(c->eh.e_ident, ELFMAG, SELFMAG) == 0,
	    "line %d: %s is not ELF", line, path);
	ATF_CHECK_EQ(ELFCLASS64, c->eh.e_ident[EI_CLASS]);
	ATF_CHECK_EQ(ELFDATA2LSB, c->eh.e_ident[EI_DATA]);
	ATF_CHECK_EQ(ET_CORE, c->eh.e_type);
	ATF_CHECK_EQ(EM_X86_64, c->eh.e_machine);
	ATF_REQUIRE_EQ(sizeof(Elf64_Phdr), c->eh.e_phentsize);
	c->phnum = c->eh.e_phnum;
	if (c->eh.e_phnum == PN_XNUM) {
		ATF_REQUIRE(c->eh.e_shoff != 0);
		XPREAD(c->fd, &sh, sizeof(sh), (off_t)c->eh.e_shoff);
		c->phnum = sh.sh_info;
	}
	c->ph = calloc(c->phnum + 1, sizeof(*c->ph));
	ATF_REQUIRE(c->ph != NULL);
	XPREAD(c->fd, c->ph, c->phnum * sizeof(*c->ph),
	    (off_t)c->eh.e_phoff);
	for (i = 0; i < c->phnum; i++) {
		if (c->ph[i].p_type == PT_LOAD) {
			c->nloads++;
			ATF_CHECK_MSG(c->ph[i].p_offset % PG == 0, "segment "
			    "%#jx at file offset %#jx", (uintmax_t)
			    c->ph[i].p_vaddr, (uintmax_t)c->ph[i].p_offset);
			ATF_CHECK(c->ph[i].p_filesz <= c->ph[i].p_memsz);
			ATF_CHECK_MSG(c->ph[i].p_offset + c->ph[i].p_filesz <=
			    (uint64_t)c->st.st_size, "segment %#jx beyond "
			    "the end of the file", (uintmax_t)
			    c->ph[i].p_vaddr);
		} else if (c->ph[i].p_type == PT_NOTE)
			core_notes(c, &c->ph[i]);
	}
}
#define	CORE_OPEN(path, c)	core_open_l(__LINE__, (path), (c))

static void
core_close(struct core *c)
{
	close(c->fd);
	free(c->ph);
	free(c->ents);
}

/* The PT_LOAD containing va, or NULL. */
static const Elf64_Phdr *
core_seg(const struct core *c, vm_offset_t va)
{
	size_t i;

	for (i = 0; i < c->phnum; i++)
		if (c->ph[i].p_type == PT_LOAD && c->ph[i].p_vaddr <= va &&
		    va < c->ph[i].p_vaddr + c->ph[i].p_memsz)
			return (&c->ph[i]);
	return (NULL);
}

/* Whether any PT_LOAD intersects [s, e). */
static int
core_intersects(const struct core *c, vm_offset_t s, vm_offset_t e)
{
	size_t i;

	for (i = 0; i < c->phnum; i++)
		if (c->ph[i].p_type == PT_LOAD && c->ph[i].p_vaddr < e &&
		    s < c->ph[i].p_vaddr + c->ph[i].p_memsz)
			return (1);
	return (0);
}

/* Read len bytes at va (inside one segment) as a debugger would. */
static void
core_read_l(int line, const struct core *c, vm_offset_t va, void *buf,
    size_t len)
{
	const Elf64_Phdr *ph;
	uint64_t rel;
	size_t n = 0;

	ph = core_seg(c, va);
	ATF_REQUIRE_MSG(ph != NULL, "line %d: no segment at %#jx", line,
	    (uintmax_t)va);
	rel = va - ph->p_vaddr;
	ATF_REQUIRE(rel + len <= ph->p_memsz);
	memset(buf, 0, len);
	if (rel < ph->p_filesz)
		n = MIN(len, ph->p_filesz - rel);
	if (n > 0)
		xpread_l(line, c->fd, buf, n, (off_t)(ph->p_offset + rel));
}
#define	CORE_READ(c, va, buf, len)	core_read_l(__LINE__, c, va, buf, len)

static void
core_expect_fill_l(int line, const struct core *c, vm_offset_t va,
    vm_size_t len, uint8_t v)
{
	static uint8_t buf[VM_PAGE_SIZE];
	vm_size_t off, n, i;

	for (off = 0; off < len; off += n) {
		n = MIN(len - off, sizeof(buf));
		core_read_l(line, c, va + off, buf, n);
		for (i = 0; i < n; i++)
			ATF_REQUIRE_MSG(buf[i] == v, "line %d: image byte at "
			    "%#jx is %#x, want %#x", line,
			    (uintmax_t)(va + off + i), buf[i], v);
	}
}
#define	CORE_EXPECT_FILL(c, va, len, v)					\
	core_expect_fill_l(__LINE__, c, va, len, v)

/* The note record of the entry starting at start. */
static const struct core_vmentry *
core_ent_l(int line, const struct core *c, vm_offset_t start)
{
	uint32_t i;

	for (i = 0; i < c->nents; i++)
		if (c->ents[i].ce_start == start)
			return (&c->ents[i]);
	ATF_REQUIRE_MSG(0, "line %d: no note record starts at %#jx", line,
	    (uintmax_t)start);
	return (NULL);
}
#define	CORE_ENT(c, start)	core_ent_l(__LINE__, c, start)

/* ---- writing an image --------------------------------------------------- */

static void
dump_l(int line, struct vmspace *vs, const char *path, int flags)
{
	int fd, error;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ATF_REQUIRE_MSG(fd >= 0, "line %d: create %s", line, path);
	error = vm_coredump(vs, fd, flags);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_coredump(%s, %#x): error %d",
	    line, path, flags, error);
	ATF_REQUIRE(close(fd) == 0);
}
#define	DUMP(vs, path, flags)	dump_l(__LINE__, (vs), (path), (flags))

static uint64_t
counter(const char *name)
{
	uint64_t v = 0;
	size_t len = sizeof(v);

	ATF_REQUIRE_EQ(0, vm_sysctlbyname(name, &v, &len, NULL, 0));
	return (v);
}

/* ---- readelf and gdb ---------------------------------------------------- */

static void
require_prog(const char *prog)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	ATF_REQUIRE_MSG(system(cmd) == 0, "%s is not installed (scripts/"
	    "deps.sh installs it)", prog);
}

struct rload {
	uint64_t	off, vaddr, filesz, memsz;
	char		flg[4];
};

/*
 * readelf -lW's program headers: the LOAD lines into out (up to max), the
 * count of LOAD lines returned, *notes the number of NOTE lines.
 */
static int
readelf_loads(const char *path, struct rload *out, int max, int *notes)
{
	char cmd[512], line[512], flg[8];
	struct rload r;
	FILE *fp;
	int n = 0, status;
	unsigned long long off, va, pa, fs, ms;

	require_prog("readelf");
	snprintf(cmd, sizeof(cmd), "readelf -lW %s 2>&1", path);
	fp = popen(cmd, "r");
	ATF_REQUIRE(fp != NULL);
	*notes = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strstr(line, "rror") != NULL || strstr(line, "arning") !=
		    NULL)
			ATF_CHECK_MSG(0, "readelf: %s", line);
		if (sscanf(line, " NOTE %llx", &off) == 1)
			(*notes)++;
		memset(flg, 0, sizeof(flg));
		if (sscanf(line, " LOAD %llx %llx %llx %llx %llx %3c", &off,
		    &va, &pa, &fs, &ms, flg) != 6)
			continue;
		r.off = off;
		r.vaddr = va;
		r.filesz = fs;
		r.memsz = ms;
		memcpy(r.flg, flg, 3);
		r.flg[3] = '\0';
		if (n < max)
			out[n] = r;
		n++;
	}
	status = pclose(fp);
	ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "readelf -lW %s: status %#x", path, status);
	return (n);
}

/*
 * gdb's view: 8 bytes at each of n addresses, through "x/8xb".  ok[i] is
 * 1 if gdb printed them, 0 if it could not access the memory.
 */
static void
gdb_read(const char *path, const vm_offset_t *va, int n, uint8_t (*out)[8],
    int *ok)
{
	char *cmd, line[1024], *p, *q;
	size_t len;
	FILE *fp;
	unsigned long long a;
	int i, k, status;

	require_prog("gdb");
	len = 256 + (size_t)n * 64;
	cmd = malloc(len);
	ATF_REQUIRE(cmd != NULL);
	snprintf(cmd, len, "gdb -nx -batch -c %s", path);
	for (i = 0; i < n; i++)
		snprintf(cmd + strlen(cmd), len - strlen(cmd),
		    " -ex 'x/8xb %#jx'", (uintmax_t)va[i]);
	strncat(cmd, " 2>&1", len - strlen(cmd) - 1);
	for (i = 0; i < n; i++)
		ok[i] = -1;
	fp = popen(cmd, "r");
	ATF_REQUIRE(fp != NULL);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "0x", 2) != 0 ||
		    (p = strchr(line, ':')) == NULL)
			continue;
		a = strtoull(line, NULL, 16);
		for (i = 0; i < n && va[i] != a; i++)
			continue;
		if (i == n)
			continue;
		if (strstr(p, "Cannot access memory") != NULL) {
			ok[i] = 0;
			continue;
		}
		for (k = 0, p++; k < 8; k++, p = q) {
			out[i][k] = (uint8_t)strtoul(p, &q, 16);
			if (q == p)
				break;
		}
		ok[i] = k == 8;
	}
	status = pclose(fp);
	ATF_REQUIRE_MSG(WIFEXITED(status), "gdb: status %#x", status);
	for (i = 0; i < n; i++)
		ATF_REQUIRE_MSG(ok[i] >= 0, "gdb printed nothing for %#jx "
		    "(%s)", (uintmax_t)va[i], cmd);
	free(cmd);
}

/* ---- the tests ---------------------------------------------------------- */

/*
 * 64 MiB mapped, three pages touched: the sparse image allocates a few
 * pages on disk, the full one 64 MiB; the sparse one's only segment stops
 * after its last page with contents (p_filesz < p_memsz).  Neither dump
 * allocates a page or gives an untouched entry an object.
 */
ATF_TC_WITHOUT_HEAD(coredump__sparse_vs_full);
ATF_TC_BODY(coredump__sparse_vs_full, tc)
{
	const vm_size_t big = 64u << 20;
	struct vmspace *vs;
	struct core sp, fu;
	const Elf64_Phdr *ph;
	vm_offset_t a, u;
	uint64_t nfree, faults;
	size_t n;
	int i;

	boot();
	vs = vs_new();
	u = MAP(vs, 0x20000000000, 16 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	n = PSTAT(vs);
	ATF_REQUIRE_EQ_MSG(VM_KVME_TYPE_NONE, kve[kve_find(n, u)].kve_type,
	    "a fresh mapping has an object: the test means nothing");
	a = MAP(vs, 0x10000000000, big, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, a, PG, 0x11);
	FILL(vs, a + 100 * PG, PG, 0x22);
	FILL(vs, a + big / 2, PG, 0x33);

	nfree = free_pages();
	faults = counter("vm.stats.vm.v_zfod");
	DUMP(vs, "sparse.core", 0);
	DUMP(vs, "full.core", VM_COREDUMP_FULL);
	ATF_CHECK_EQ_MSG(nfree, free_pages(), "the dumps took pages");
	ATF_CHECK_EQ_MSG(faults, counter("vm.stats.vm.v_zfod"),
	    "the dumps zero-filled pages");
	n = PSTAT(vs);
	ATF_CHECK_EQ_MSG(VM_KVME_TYPE_NONE, kve[kve_find(n, u)].kve_type,
	    "the dump gave an untouched entry an object");
	ATF_CHECK_EQ(3, kve[kve_find(n, a)].kve_resident);

	CORE_OPEN("sparse.core", &sp);
	CORE_OPEN("full.core", &fu);
	printf("sparse: size %jd, allocated %jd; full: size %jd, allocated "
	    "%jd\n", (intmax_t)sp.st.st_size, (intmax_t)sp.st.st_blocks * 512,
	    (intmax_t)fu.st.st_size, (intmax_t)fu.st.st_blocks * 512);
	ATF_CHECK_MSG(fu.st.st_blocks * 512 >= (off_t)big,
	    "full image allocates %jd bytes", (intmax_t)fu.st.st_blocks * 512);
	ATF_CHECK_MSG(sp.st.st_blocks * 512 <= 256 * 1024,
	    "sparse image allocates %jd bytes for 3 pages",
	    (intmax_t)sp.st.st_blocks * 512);
	ATF_CHECK(sp.st.st_blocks * 10 < fu.st.st_blocks);
	ATF_CHECK(sp.st.st_size < fu.st.st_size);

	/* Full: every byte of the segment is in the file. */
	ph = core_seg(&fu, a);
	ATF_REQUIRE(ph != NULL);
	ATF_CHECK_EQ(big, ph->p_memsz);
	ATF_CHECK_EQ(big, ph->p_filesz);
	ATF_CHECK_EQ(16 * PG, core_seg(&fu, u)->p_filesz);
	ATF_CHECK_EQ((off_t)(core_seg(&fu, u)->p_offset + 16 * PG),
	    fu.st.st_size);
	/* Sparse: up to the last page with contents. */
	ph = core_seg(&sp, a);
	ATF_REQUIRE(ph != NULL);
	ATF_CHECK_EQ(big, ph->p_memsz);
	ATF_CHECK_EQ(big / 2 + PG, ph->p_filesz);
	ATF_CHECK_EQ(a, ph->p_vaddr);
	ATF_CHECK_EQ((off_t)(ph->p_offset + ph->p_filesz), sp.st.st_size);
	/* The untouched entry: a segment of holes, no bytes in the file. */
	ph = core_seg(&sp, u);
	ATF_REQUIRE(ph != NULL);
	ATF_CHECK_EQ(0, ph->p_filesz);
	ATF_CHECK_EQ(16 * PG, ph->p_memsz);

	/* Both read the same. */
	for (i = 0; i < 2; i++) {
		struct core *c = i == 0 ? &sp : &fu;

		CORE_EXPECT_FILL(c, a, PG, 0x11);
		CORE_EXPECT_FILL(c, a + PG, 3 * PG, 0);
		CORE_EXPECT_FILL(c, a + 100 * PG, PG, 0x22);
		CORE_EXPECT_FILL(c, a + big / 2 - PG, PG, 0);
		CORE_EXPECT_FILL(c, a + big / 2, PG, 0x33);
		CORE_EXPECT_FILL(c, a + big - PG, PG, 0);
		CORE_EXPECT_FILL(c, u, 16 * PG, 0);
	}
	ATF_CHECK_EQ(3, sp.vs.cv_pages_read);
	ATF_CHECK_EQ(0, sp.vs.cv_pages_zero);
	ATF_CHECK_EQ(big / PG + 16 - 3, sp.vs.cv_pages_absent);
	ATF_CHECK_EQ(0, sp.vs.cv_dumpflags);
	ATF_CHECK_EQ(VM_COREDUMP_FULL, fu.vs.cv_dumpflags);
	core_close(&sp);
	core_close(&fu);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * readelf -lW accepts the image and lists one LOAD per dumpable entry,
 * with its address, sizes and flags, and a NOTE; guards, NOCORE and
 * PROT_NONE entries are not among them.
 */
ATF_TC_WITHOUT_HEAD(coredump__readelf);
ATF_TC_BODY(coredump__readelf, tc)
{
	static const struct {
		vm_offset_t	va;
		vm_size_t	len;
		int		prot, flags;
		const char	*flg;	/* readelf's, or NULL: not dumped */
		vm_size_t	touch;	/* pages written (RW) or read */
	} m[] = {
		{ 0x10000000000, 4 * PG, RW, 0, "RW ", 2 },
		{ 0x10000010000, 2 * PG, VM_PROT_READ, 0, "R  ", 1 },
		{ 0x10000020000, 3 * PG, VM_PROT_READ | VM_PROT_EXEC, 0,
		    "R E", 0 },
		{ 0x10000030000, 2 * PG, VM_PROT_NONE, VM_MAP_GUARD, NULL,
		    0 },
		{ 0x10000040000, 2 * PG, VM_PROT_NONE, 0, NULL, 0 },
		{ 0x10000050000, 2 * PG, RW, VM_MAP_NOCORE, NULL, 1 },
		{ 0x10000060000, 5 * PG, RWX, 0, "RWE", 5 },
	};
	struct rload r[16];
	struct vmspace *vs;
	struct core c;
	size_t i, k;
	int n, notes, want = 0;
	char buf[8];

	boot();
	vs = vs_new();
	for (i = 0; i < nitems(m); i++) {
		if (m[i].flags == VM_MAP_GUARD)
			MAP(vs, m[i].va, m[i].len, VM_PROT_NONE,
			    VM_MAP_GUARD | VM_MAP_FIXED);
		else
			MAP(vs, m[i].va, m[i].len, m[i].prot, ANON_PRIV |
			    VM_MAP_FIXED | m[i].flags);
		for (k = 0; k < m[i].touch; k++) {
			if ((m[i].prot & VM_PROT_WRITE) != 0)
				FILL(vs, m[i].va + k * PG, 8, (uint8_t)(i + 1));
			else
				ATF_REQUIRE_EQ(0, vm_copyin(vs, m[i].va +
				    k * PG, buf, 8));
		}
		if (m[i].flg != NULL)
			want++;
	}
	DUMP(vs, "core", 0);
	n = readelf_loads("core", r, (int)nitems(r), &notes);
	ATF_CHECK_EQ(1, notes);
	ATF_REQUIRE_EQ(want, n);
	CORE_OPEN("core", &c);
	ATF_CHECK_EQ(want, c.nloads);
	for (i = 0, k = 0; i < nitems(m); i++) {
		if (m[i].flg == NULL) {
			ATF_CHECK_MSG(!core_intersects(&c, m[i].va, m[i].va +
			    m[i].len), "entry %zu at %#jx dumped", i,
			    (uintmax_t)m[i].va);
			continue;
		}
		ATF_CHECK_EQ(m[i].va, r[k].vaddr);
		ATF_CHECK_EQ(m[i].len, r[k].memsz);
		ATF_CHECK_MSG(strcmp(m[i].flg, r[k].flg) == 0, "entry %zu: "
		    "flags '%s', want '%s'", i, r[k].flg, m[i].flg);
		/* Only written pages have contents (read ones are zero). */
		ATF_CHECK_EQ((m[i].prot & VM_PROT_WRITE) != 0 ?
		    m[i].touch * PG : 0, r[k].filesz);
		ATF_CHECK_EQ(0, r[k].off % PG);
		if ((m[i].prot & VM_PROT_WRITE) != 0 && m[i].touch > 0)
			CORE_EXPECT_FILL(&c, m[i].va, 8, (uint8_t)(i + 1));
		k++;
	}
	core_close(&c);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * gdb opens the image and reads the bytes at each address: written data,
 * zeros for untouched pages inside a segment and past its file size, and
 * nothing where no segment is (a guard, unmapped space).
 */
ATF_TC_WITHOUT_HEAD(coredump__gdb);
ATF_TC_BODY(coredump__gdb, tc)
{
	static const uint8_t bytes[8] = { 0xde, 0xad, 0xbe, 0xef, 0x01,
	    0x23, 0x45, 0x67 };
	struct vmspace *vs;
	vm_offset_t a, g, va[6];
	uint8_t out[6][8];
	int ok[6], i, f;

	boot();
	vs = vs_new();
	a = MAP(vs, 0x10000000000, 64 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	g = MAP(vs, 0x10000100000, 4 * PG, VM_PROT_NONE, VM_MAP_GUARD |
	    VM_MAP_FIXED);
	ATF_REQUIRE_EQ(0, vm_copyout(vs, bytes, a + 0x123, sizeof(bytes)));
	ATF_REQUIRE_EQ(0, vm_copyout(vs, bytes, a + 9 * PG + 0xff8,
	    sizeof(bytes)));
	va[0] = a + 0x123;		/* data */
	va[1] = a + 9 * PG + 0xff8;	/* data, end of a page */
	va[2] = a + 5 * PG;		/* a hole inside the file size */
	va[3] = a + 40 * PG;		/* past the file size */
	va[4] = g;			/* a guard: no segment */
	va[5] = 0x30000000000;		/* nothing mapped */
	for (f = 0; f < 2; f++) {
		DUMP(vs, "core", f == 0 ? 0 : VM_COREDUMP_FULL);
		memset(out, 0x5a, sizeof(out));
		gdb_read("core", va, 6, out, ok);
		for (i = 0; i < 2; i++) {
			ATF_CHECK_MSG(ok[i] == 1, "gdb cannot read %#jx",
			    (uintmax_t)va[i]);
			ATF_CHECK_MSG(memcmp(out[i], bytes, 8) == 0,
			    "gdb read %02x%02x%02x%02x... at %#jx",
			    out[i][0], out[i][1], out[i][2], out[i][3],
			    (uintmax_t)va[i]);
		}
		for (i = 2; i < 4; i++) {
			static const uint8_t zero[8];

			ATF_CHECK_MSG(ok[i] == 1, "gdb cannot read %#jx",
			    (uintmax_t)va[i]);
			ATF_CHECK_MSG(memcmp(out[i], zero, 8) == 0,
			    "gdb read non-zero %02x at %#jx", out[i][0],
			    (uintmax_t)va[i]);
		}
		ATF_CHECK_MSG(ok[4] == 0, "gdb read the guard");
		ATF_CHECK_MSG(ok[5] == 0, "gdb read unmapped memory");
	}
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * MAP_NOCORE and MADV_NOCORE keep an entry (or the advised part of one)
 * out of the image; MADV_CORE brings it back, contents and all.
 */
ATF_TC_WITHOUT_HEAD(coredump__nocore);
ATF_TC_BODY(coredump__nocore, tc)
{
	struct vmspace *vs;
	struct core c;
	vm_offset_t a, b;
	const struct core_vmentry *e;

	boot();
	vs = vs_new();
	a = MAP(vs, 0x10000000000, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED |
	    VM_MAP_NOCORE);
	b = MAP(vs, 0x10000100000, 3 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, a, 2 * PG, 0xa1);
	FILL(vs, b, 3 * PG, 0xb1);

	DUMP(vs, "core", 0);
	CORE_OPEN("core", &c);
	ATF_CHECK(!core_intersects(&c, a, a + 2 * PG));
	ATF_CHECK_EQ(1, c.nloads);
	CORE_EXPECT_FILL(&c, b, 3 * PG, 0xb1);
	e = CORE_ENT(&c, a);
	ATF_CHECK_EQ(-1, e->ce_phdr);
	ATF_CHECK((e->ce_flags & VM_KVME_FLAG_NOCOREDUMP) != 0);
	core_close(&c);

	/* MADV_NOCORE on b's middle page: two segments around it. */
	ATF_REQUIRE_EQ(0, vm_madvise(vs, b + PG, PG, VM_MADV_NOCORE));
	DUMP(vs, "core", VM_COREDUMP_FULL);
	CORE_OPEN("core", &c);
	ATF_CHECK_EQ(2, c.nloads);
	ATF_CHECK(!core_intersects(&c, b + PG, b + 2 * PG));
	CORE_EXPECT_FILL(&c, b, PG, 0xb1);
	CORE_EXPECT_FILL(&c, b + 2 * PG, PG, 0xb1);
	ATF_CHECK_EQ(-1, CORE_ENT(&c, b + PG)->ce_phdr);
	core_close(&c);

	/* MADV_CORE: everything is back. */
	ATF_REQUIRE_EQ(0, vm_madvise(vs, a, 2 * PG, VM_MADV_CORE));
	ATF_REQUIRE_EQ(0, vm_madvise(vs, b, 3 * PG, VM_MADV_CORE));
	DUMP(vs, "core", 0);
	CORE_OPEN("core", &c);
	CORE_EXPECT_FILL(&c, a, 2 * PG, 0xa1);
	CORE_EXPECT_FILL(&c, b, 3 * PG, 0xb1);
	ATF_CHECK(CORE_ENT(&c, a)->ce_phdr > 0);
	ATF_CHECK_EQ(0, CORE_ENT(&c, a)->ce_flags & VM_KVME_FLAG_NOCOREDUMP);
	core_close(&c);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Guards are never dumped: a VM_MAP_GUARD reservation and the grow area
 * below a stack (whose guard pages must not become stack by the dump's
 * reads).  The stack itself is dumped.
 */
ATF_TC_WITHOUT_HEAD(coredump__guards);
ATF_TC_BODY(coredump__guards, tc)
{
	const vm_size_t sl = 1u << 20;
	struct vmspace *vs;
	struct core c;
	vm_offset_t g, st, top;
	size_t n0, n1, i;
	int f, gi;

	boot();
	vs = vs_new();
	g = MAP(vs, 0x10000000000, 16 * PG, VM_PROT_NONE, VM_MAP_GUARD |
	    VM_MAP_FIXED);
	st = MAP(vs, 0x10000100000, sl, RW, ANON_PRIV | VM_MAP_FIXED |
	    VM_MAP_STACK);
	top = st + sl;
	FILL(vs, top - PG, PG, 0x5c);
	n0 = PSTAT(vs);
	gi = kve_find(n0, st);
	ATF_REQUIRE(gi >= 0);
	ATF_REQUIRE_EQ_MSG(VM_KVME_TYPE_GUARD, kve[gi].kve_type,
	    "no grow area at the bottom of the stack");
	for (f = 0; f < 2; f++) {
		DUMP(vs, "core", f == 0 ? 0 : VM_COREDUMP_FULL);
		CORE_OPEN("core", &c);
		ATF_CHECK(!core_intersects(&c, g, g + 16 * PG));
		n1 = PSTAT(vs);
		ATF_REQUIRE_EQ(n0, n1);
		for (i = 0; i < n1; i++) {
			if (kve[i].kve_type == VM_KVME_TYPE_GUARD)
				ATF_CHECK_MSG(!core_intersects(&c,
				    kve[i].kve_start, kve[i].kve_end),
				    "guard [%#jx, %#jx) dumped",
				    (uintmax_t)kve[i].kve_start,
				    (uintmax_t)kve[i].kve_end);
			else {
				ATF_CHECK(core_seg(&c, kve[i].kve_start) !=
				    NULL);
				ATF_CHECK((kve[i].kve_flags &
				    VM_KVME_FLAG_GROWS_DOWN) != 0);
				ATF_CHECK_EQ(top, kve[i].kve_end);
				ATF_CHECK((CORE_ENT(&c, kve[i].kve_start)->
				    ce_flags & VM_KVME_FLAG_GROWS_DOWN) != 0);
			}
		}
		ATF_CHECK_EQ(kve[gi].kve_end, kve[gi + 1].kve_start);
		CORE_EXPECT_FILL(&c, top - PG, PG, 0x5c);
		ATF_CHECK_EQ(VM_KVME_TYPE_GUARD, CORE_ENT(&c, g)->ce_type);
		core_close(&c);
	}
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Entries without access are skipped (FreeBSD), their pages untouched;
 * execute-only memory is read; write-only memory cannot be read without
 * a write fault and is a segment of holes.
 */
ATF_TC_WITHOUT_HEAD(coredump__protections);
ATF_TC_BODY(coredump__protections, tc)
{
	struct vmspace *vs;
	struct core c;
	const Elf64_Phdr *ph;
	vm_offset_t a, x, w;
	uint64_t cow;

	boot();
	vs = vs_new();
	a = MAP(vs, 0x10000000000, 4 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	x = MAP(vs, 0x10000100000, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	w = MAP(vs, 0x10000200000, 2 * PG, VM_PROT_WRITE, ANON_PRIV |
	    VM_MAP_FIXED);
	FILL(vs, a, 4 * PG, 0x77);
	FILL(vs, x, 2 * PG, 0x78);
	FILL(vs, w, 2 * PG, 0x79);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a + PG, 2 * PG, VM_PROT_NONE));
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, x, 2 * PG, VM_PROT_EXEC));
	cow = counter("vm.stats.vm.v_cow_faults");

	DUMP(vs, "core", 0);
	CORE_OPEN("core", &c);
	ATF_CHECK(!core_intersects(&c, a + PG, a + 3 * PG));
	CORE_EXPECT_FILL(&c, a, PG, 0x77);
	CORE_EXPECT_FILL(&c, a + 3 * PG, PG, 0x77);
	ATF_CHECK_EQ(VM_PROT_NONE, CORE_ENT(&c, a + PG)->ce_protection);
	ATF_CHECK_EQ(-1, CORE_ENT(&c, a + PG)->ce_phdr);
	ph = core_seg(&c, x);
	ATF_REQUIRE(ph != NULL);
	ATF_CHECK_EQ(PF_X, ph->p_flags);
	CORE_EXPECT_FILL(&c, x, 2 * PG, 0x78);
	ph = core_seg(&c, w);
	ATF_REQUIRE(ph != NULL);
	ATF_CHECK_EQ(PF_W, ph->p_flags);
	ATF_CHECK_EQ(0, ph->p_filesz);
	ATF_CHECK_EQ(2 * PG, ph->p_memsz);
	core_close(&c);
	ATF_CHECK_EQ_MSG(cow, counter("vm.stats.vm.v_cow_faults"),
	    "the dump copied pages");

	/* The skipped pages are still there. */
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a + PG, 2 * PG, RW));
	EXPECT_FILL(vs, a, 4 * PG, 0x77);
	DUMP(vs, "core", 0);
	CORE_OPEN("core", &c);
	CORE_EXPECT_FILL(&c, a, 4 * PG, 0x77);
	core_close(&c);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * After a fork, parent and child share their pages copy-on-write; each
 * writes a different page.  Each image shows what its own side reads,
 * and dumping copies nothing (a read fault never copies on write).
 */
ATF_TC_WITHOUT_HEAD(coredump__fork_cow);
ATF_TC_BODY(coredump__fork_cow, tc)
{
	struct vmspace *vs, *child;
	struct core p, ch;
	vm_offset_t a;
	uint64_t cow;
	size_t n;

	boot();
	vs = vs_new();
	a = MAP(vs, 0x10000000000, 8 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, a, 4 * PG, 0xaa);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));

	/* Before any write: both images equal, and nothing copied. */
	cow = counter("vm.stats.vm.v_cow_faults");
	DUMP(vs, "parent.core", 0);
	DUMP(child, "child.core", 0);
	ATF_CHECK_EQ_MSG(cow, counter("vm.stats.vm.v_cow_faults"),
	    "dumping copied pages");
	n = PSTAT(child);
	ATF_CHECK((kve[kve_find(n, a)].kve_flags & VM_KVME_FLAG_NEEDS_COPY)
	    != 0);
	CORE_OPEN("parent.core", &p);
	CORE_OPEN("child.core", &ch);
	CORE_EXPECT_FILL(&p, a, 4 * PG, 0xaa);
	CORE_EXPECT_FILL(&ch, a, 4 * PG, 0xaa);
	ATF_CHECK((CORE_ENT(&ch, a)->ce_flags & VM_KVME_FLAG_NEEDS_COPY) !=
	    0);
	ATF_CHECK_EQ(4, CORE_ENT(&ch, a)->ce_pages);
	core_close(&p);
	core_close(&ch);

	FILL(vs, a, PG, 0xbb);
	FILL(child, a + PG, PG, 0xcc);
	FILL(child, a + 6 * PG, PG, 0xcd);
	DUMP(vs, "parent.core", 0);
	DUMP(child, "child.core", 0);
	CORE_OPEN("parent.core", &p);
	CORE_OPEN("child.core", &ch);
	CORE_EXPECT_FILL(&p, a, PG, 0xbb);
	CORE_EXPECT_FILL(&p, a + PG, 3 * PG, 0xaa);
	CORE_EXPECT_FILL(&p, a + 4 * PG, 4 * PG, 0);
	CORE_EXPECT_FILL(&ch, a, PG, 0xaa);
	CORE_EXPECT_FILL(&ch, a + PG, PG, 0xcc);
	CORE_EXPECT_FILL(&ch, a + 2 * PG, 2 * PG, 0xaa);
	CORE_EXPECT_FILL(&ch, a + 6 * PG, PG, 0xcd);
	ATF_CHECK_EQ(4 * PG, core_seg(&p, a)->p_filesz);
	ATF_CHECK_EQ(7 * PG, core_seg(&ch, a)->p_filesz);
	core_close(&p);
	core_close(&ch);

	/* With the child gone, the parent's image is unchanged. */
	vmspace_release(child);
	DUMP(vs, "parent.core", 0);
	CORE_OPEN("parent.core", &p);
	CORE_EXPECT_FILL(&p, a, PG, 0xbb);
	CORE_EXPECT_FILL(&p, a + PG, 3 * PG, 0xaa);
	core_close(&p);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * MADV_FREE discards the pages of a private mapping: they become holes.
 * MADV_DONTNEED keeps anonymous contents (API.md): they stay in the image.
 * A page written with zeros is a hole too (sparse), but a page in the
 * full image.
 */
ATF_TC_WITHOUT_HEAD(coredump__madvise);
ATF_TC_BODY(coredump__madvise, tc)
{
	struct vmspace *vs;
	struct core c;
	vm_offset_t a, d, z;
	size_t n;

	boot();
	vs = vs_new();
	a = MAP(vs, 0x10000000000, 4 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	d = MAP(vs, 0x10000100000, 4 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	z = MAP(vs, 0x10000200000, 4 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, a, 4 * PG, 0x61);
	FILL(vs, d, 4 * PG, 0x62);
	FILL(vs, z, 2 * PG, 0);
	ATF_REQUIRE_EQ(0, vm_madvise(vs, a + 2 * PG, 2 * PG, VM_MADV_FREE));
	ATF_REQUIRE_EQ(0, vm_madvise(vs, d, 4 * PG, VM_MADV_DONTNEED));
	n = PSTAT(vs);
	ATF_REQUIRE_EQ_MSG(2, kve[kve_find(n, a)].kve_resident,
	    "MADV_FREE kept the pages: the test means nothing");

	DUMP(vs, "core", 0);
	CORE_OPEN("core", &c);
	ATF_CHECK_EQ(2 * PG, core_seg(&c, a)->p_filesz);
	CORE_EXPECT_FILL(&c, a, 2 * PG, 0x61);
	CORE_EXPECT_FILL(&c, a + 2 * PG, 2 * PG, 0);
	ATF_CHECK_EQ(4 * PG, core_seg(&c, d)->p_filesz);
	CORE_EXPECT_FILL(&c, d, 4 * PG, 0x62);
	ATF_CHECK_EQ(0, core_seg(&c, z)->p_filesz);
	CORE_EXPECT_FILL(&c, z, 4 * PG, 0);
	ATF_CHECK_EQ(2, CORE_ENT(&c, a)->ce_pages);
	ATF_CHECK_EQ(0, CORE_ENT(&c, z)->ce_pages);
	ATF_CHECK_EQ(8, c.vs.cv_pages_read);
	ATF_CHECK_EQ(2, c.vs.cv_pages_zero);
	ATF_CHECK_EQ(4, c.vs.cv_pages_absent);
	core_close(&c);
	n = PSTAT(vs);
	ATF_CHECK_EQ_MSG(2, kve[kve_find(n, a)].kve_resident,
	    "the dump brought freed pages back");

	DUMP(vs, "core", VM_COREDUMP_FULL);
	CORE_OPEN("core", &c);
	ATF_CHECK_EQ(4 * PG, core_seg(&c, z)->p_filesz);
	CORE_EXPECT_FILL(&c, z, 4 * PG, 0);
	core_close(&c);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * The notes: NT_LIBVM_VMSPACE describes the address space, NT_LIBVM_VMMAP
 * has one record per map entry that agrees with vm_procstat, and each
 * dumped record names its PT_LOAD.
 */
ATF_TC_WITHOUT_HEAD(coredump__notes);
ATF_TC_BODY(coredump__notes, tc)
{
	struct vmspace *vs;
	struct core c;
	const struct core_vmentry *e;
	const Elf64_Phdr *ph;
	vm_offset_t a, b;
	size_t n, i;
	uint32_t dumped = 0;

	boot();
	vs = vs_new();
	a = MAP(vs, 0x10000000000, 8 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	b = MAP(vs, 0x10000100000, 4 * PG, VM_PROT_READ, VM_MAP_ANON |
	    VM_MAP_SHARED | VM_MAP_FIXED);
	MAP(vs, 0x10000200000, 4 * PG, VM_PROT_NONE, VM_MAP_GUARD |
	    VM_MAP_FIXED);
	MAP(vs, 0x10000300000, 4 * PG, RW, ANON_PRIV | VM_MAP_FIXED |
	    VM_MAP_NOCORE);
	FILL(vs, a, 3 * PG, 0x42);
	ATF_REQUIRE_EQ(0, vm_minherit(vs, a, 8 * PG, VM_INHERIT_NONE));
	ATF_REQUIRE_EQ(0, vm_setrlimit(vs, VM_RLIMIT_STACK, 1u << 20,
	    2u << 20));
	ATF_REQUIRE_EQ(0, vm_brk(vs, VM_DATA_BASE + 2 * PG));
	FILL(vs, VM_DATA_BASE, PG, 0x43);
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, PG));

	DUMP(vs, "core", 0);
	n = PSTAT(vs);
	CORE_OPEN("core", &c);
	ATF_REQUIRE_MSG(c.has_vmspace, "no NT_LIBVM_VMSPACE note");
	ATF_CHECK_EQ(1, c.vs.cv_version);
	ATF_CHECK_EQ(sizeof(c.vs), c.vs.cv_size);
	ATF_CHECK_EQ(VM_PAGE_SIZE, c.vs.cv_pagesize);
	ATF_CHECK_EQ(VM_MIN_USER_ADDRESS, c.vs.cv_map_min);
	ATF_CHECK(c.vs.cv_map_max >= VM_MAX_USER_ADDRESS);
	/* Guards take no space (FreeBSD's vm_map_insert). */
	ATF_CHECK_EQ(8 * PG + 4 * PG + 4 * PG + 2 * PG, c.vs.cv_map_size);
	ATF_CHECK_EQ(VM_DATA_BASE, c.vs.cv_data_start);
	ATF_CHECK_EQ(2 * PG, c.vs.cv_data_size);
	ATF_CHECK_EQ(1u << 20, c.vs.cv_rlimit_cur[1]);
	ATF_CHECK_EQ(2u << 20, c.vs.cv_rlimit_max[1]);
	ATF_CHECK_EQ(VM_RLIM_INFINITY, c.vs.cv_rlimit_cur[3]);
	ATF_CHECK_EQ(1, c.vs.cv_user_wired);
	ATF_CHECK(c.vs.cv_resident >= 4);
	ATF_CHECK_EQ(n, c.vs.cv_nentries);
	ATF_CHECK_EQ((uint32_t)c.nloads, c.vs.cv_nsegments);
	ATF_CHECK_EQ(4, c.vs.cv_pages_read);
	ATF_REQUIRE_EQ(n, c.nents);
	for (i = 0; i < n; i++) {
		e = &c.ents[i];
		ATF_CHECK_EQ(kve[i].kve_start, e->ce_start);
		ATF_CHECK_EQ(kve[i].kve_end, e->ce_end);
		ATF_CHECK_EQ((uint32_t)kve[i].kve_protection,
		    e->ce_protection);
		ATF_CHECK_EQ((uint32_t)kve[i].kve_max_protection,
		    e->ce_max_protection);
		ATF_CHECK_EQ((uint32_t)kve[i].kve_inheritance,
		    e->ce_inheritance);
		ATF_CHECK_EQ((uint32_t)kve[i].kve_flags, e->ce_flags);
		ATF_CHECK_EQ((uint32_t)kve[i].kve_type, e->ce_type);
		if (e->ce_phdr < 0) {
			ATF_CHECK(!core_intersects(&c, e->ce_start,
			    e->ce_end));
			ATF_CHECK_EQ(0, e->ce_pages);
			continue;
		}
		dumped++;
		ATF_REQUIRE((size_t)e->ce_phdr < c.phnum);
		ph = &c.ph[e->ce_phdr];
		ATF_CHECK_EQ(PT_LOAD, ph->p_type);
		ATF_CHECK_EQ(e->ce_start, ph->p_vaddr);
		ATF_CHECK_EQ(e->ce_end - e->ce_start, ph->p_memsz);
	}
	ATF_CHECK_EQ(dumped, c.vs.cv_nsegments);
	/* The mlock split a off: [a, a + PG) wired, the rest not. */
	e = CORE_ENT(&c, a);
	ATF_CHECK((e->ce_flags & VM_KVME_FLAG_USER_WIRED) != 0);
	ATF_CHECK_EQ(1, e->ce_pages);
	ATF_CHECK_EQ(VM_INHERIT_NONE, e->ce_inheritance);
	ATF_CHECK_EQ(2, CORE_ENT(&c, a + PG)->ce_pages);
	ATF_CHECK_EQ(VM_PROT_READ, CORE_ENT(&c, b)->ce_protection);
	ATF_CHECK_EQ(1, CORE_ENT(&c, VM_DATA_BASE)->ce_pages);
	CORE_EXPECT_FILL(&c, VM_DATA_BASE, PG, 0x43);
	core_close(&c);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Bad arguments change nothing: EINVAL for a NULL vmspace or unknown
 * flags, EBADF for a descriptor that is not open or not open for
 * writing, EINVAL for one open for appending, ESPIPE for a pipe.  A host
 * write error is returned as the host's errno (EFBIG past RLIMIT_FSIZE).
 */
ATF_TC_WITHOUT_HEAD(coredump__errors);
ATF_TC_BODY(coredump__errors, tc)
{
	static const char old[] = "not a core file";
	struct vmspace *vs;
	struct rlimit rl, small;
	struct stat st;
	char buf[sizeof(old)];
	int fd, rfd, afd, p[2], dfd;

	boot();
	vs = vs_new();
	FILL(vs, ANON(vs, 16 * PG, RW), 16 * PG, 0x99);
	fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	ATF_REQUIRE(fd >= 0);
	ATF_REQUIRE_EQ((ssize_t)sizeof(old), write(fd, old, sizeof(old)));
	rfd = open("f", O_RDONLY);
	ATF_REQUIRE(rfd >= 0);
	afd = open("f", O_WRONLY | O_APPEND);
	ATF_REQUIRE(afd >= 0);
	ATF_REQUIRE(pipe(p) == 0);
	dfd = open(".", O_RDONLY | O_DIRECTORY);
	ATF_REQUIRE(dfd >= 0);

	ATF_CHECK_EQ(EINVAL, vm_coredump(NULL, fd, 0));
	ATF_CHECK_EQ(EINVAL, vm_coredump(vs, fd, 0x2));
	ATF_CHECK_EQ(EINVAL, vm_coredump(vs, fd, -1));
	ATF_CHECK_EQ(EBADF, vm_coredump(vs, -1, 0));
	ATF_CHECK_EQ(EBADF, vm_coredump(vs, 12345, 0));
	ATF_CHECK_EQ(EBADF, vm_coredump(vs, rfd, 0));
	ATF_CHECK_EQ(EBADF, vm_coredump(vs, dfd, 0));
	ATF_CHECK_EQ(EINVAL, vm_coredump(vs, afd, 0));
	ATF_CHECK_EQ(ESPIPE, vm_coredump(vs, p[1], 0));
	ATF_REQUIRE(fstat(fd, &st) == 0);
	ATF_CHECK_EQ((off_t)sizeof(old), st.st_size);
	ATF_REQUIRE_EQ((ssize_t)sizeof(buf), pread(fd, buf, sizeof(buf), 0));
	ATF_CHECK(memcmp(buf, old, sizeof(old)) == 0);
	ATF_CHECK_EQ((off_t)sizeof(old), lseek(fd, 0, SEEK_CUR));

	/* A write error: the file may not grow past 8 KiB. */
	ATF_REQUIRE(getrlimit(RLIMIT_FSIZE, &rl) == 0);
	small = rl;
	small.rlim_cur = 2 * PG;
	signal(SIGXFSZ, SIG_IGN);
	ATF_REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
	ATF_CHECK_EQ(EFBIG, vm_coredump(vs, fd, 0));
	ATF_REQUIRE(setrlimit(RLIMIT_FSIZE, &rl) == 0);
	/* A good dump over the same descriptor works; its offset stays. */
	ATF_CHECK_EQ(0, vm_coredump(vs, fd, 0));
	ATF_CHECK_EQ((off_t)sizeof(old), lseek(fd, 0, SEEK_CUR));

	close(fd);
	close(rfd);
	close(afd);
	close(dfd);
	close(p[0]);
	close(p[1]);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A file that held more than the image is cut to the image's size, and
 * its old bytes do not show through the holes.
 */
ATF_TC_WITHOUT_HEAD(coredump__overwrite);
ATF_TC_BODY(coredump__overwrite, tc)
{
	static uint8_t junk[64 * 1024];
	struct vmspace *vs;
	struct core c;
	vm_offset_t a;
	int fd, i;

	boot();
	vs = vs_new();
	a = MAP(vs, 0x10000000000, 32 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, a + 20 * PG, PG, 0x31);
	memset(junk, 0xff, sizeof(junk));
	fd = open("core", O_RDWR | O_CREAT | O_TRUNC, 0644);
	ATF_REQUIRE(fd >= 0);
	for (i = 0; i < 16; i++)
		ATF_REQUIRE_EQ((ssize_t)sizeof(junk), write(fd, junk,
		    sizeof(junk)));
	ATF_REQUIRE_EQ(0, vm_coredump(vs, fd, 0));
	close(fd);
	CORE_OPEN("core", &c);
	ATF_CHECK_EQ((off_t)(core_seg(&c, a)->p_offset + 21 * PG),
	    c.st.st_size);
	CORE_EXPECT_FILL(&c, a, 20 * PG, 0);
	CORE_EXPECT_FILL(&c, a + 20 * PG, PG, 0x31);
	CORE_EXPECT_FILL(&c, a + 21 * PG, 11 * PG, 0);
	core_close(&c);
	vmspace_release(vs);
	vm_shutdown();
}

/* An empty address space: a valid image with a note and no segment. */
ATF_TC_WITHOUT_HEAD(coredump__empty);
ATF_TC_BODY(coredump__empty, tc)
{
	struct vmspace *vs;
	struct core c;
	struct rload r[1];
	int notes;

	boot();
	vs = vs_new();
	DUMP(vs, "core", 0);
	ATF_CHECK_EQ(0, readelf_loads("core", r, 1, &notes));
	ATF_CHECK_EQ(1, notes);
	CORE_OPEN("core", &c);
	ATF_CHECK_EQ(1, c.phnum);
	ATF_CHECK_EQ(0, c.nloads);
	ATF_CHECK(c.has_vmspace);
	ATF_CHECK_EQ(0, c.vs.cv_nentries);
	ATF_CHECK_EQ(0, c.nents);
	core_close(&c);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * More segments than e_phnum can count (65535): the gABI's extended
 * numbering (e_phnum PN_XNUM, the count in section header 0's sh_info),
 * which readelf understands.
 */
ATF_TC_WITHOUT_HEAD(coredump__many_segments);
ATF_TC_BODY(coredump__many_segments, tc)
{
	const int nmap = 70000;
	struct vmspace *vs;
	struct core c;
	struct rload r[1];
	vm_offset_t base = 0x10000000000, va;
	int i, notes;

	boot();
	vs = vs_new();
	/* Alternating protections keep the entries apart. */
	for (i = 0; i < nmap; i++)
		MAP(vs, base + (vm_offset_t)i * PG, PG, i % 2 == 0 ? RW :
		    VM_PROT_READ, ANON_PRIV | VM_MAP_FIXED);
	va = base + (vm_offset_t)(nmap - 2) * PG;
	FILL(vs, va, PG, 0x6e);
	DUMP(vs, "core", 0);
	CORE_OPEN("core", &c);
	ATF_CHECK_EQ(PN_XNUM, c.eh.e_phnum);
	ATF_CHECK_EQ((size_t)nmap + 1, c.phnum);
	ATF_CHECK_EQ(nmap, c.nloads);
	ATF_CHECK_EQ((uint32_t)nmap, c.nents);
	CORE_EXPECT_FILL(&c, va, PG, 0x6e);
	CORE_EXPECT_FILL(&c, va + PG, PG, 0);
	core_close(&c);
	ATF_CHECK_EQ(nmap, readelf_loads("core", r, 1, &notes));
	ATF_CHECK_EQ(1, notes);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Dumps while another thread maps, touches, protects, frees and unmaps
 * in the same address space: every dump succeeds and is a well-formed
 * image whose stable part reads right (the map changing under the dump
 * is the documented race, not a crash).  The other thread writes data
 * only into mappings that are always NOCORE, which the dumps never read:
 * a dump reading a page while its owner writes it is a data race by
 * nature (a CPU reading memory another one writes), and ThreadSanitizer
 * would say so.  In the mappings the dumps read it only reads, which
 * zero-fills pages in the fault handler.
 */
struct churn {
	struct vmspace	*vs;
	vm_offset_t	base;
	_Atomic int	stop;
	_Atomic int	rounds;
};

static void *
churn_thread(void *arg)
{
	struct churn *ch = arg;
	vm_offset_t a;
	uint8_t b = 1, r;
	int i = 0, nocore;

	while (!ch->stop) {
		nocore = i % 2;
		a = ch->base + (vm_offset_t)(i % 16) * 16 * PG;
		(void)vm_mmap(ch->vs, &a, 16 * PG, RW, ANON_PRIV |
		    VM_MAP_FIXED | (nocore ? VM_MAP_NOCORE : 0), -1, 0);
		if (nocore)
			(void)vm_copyout(ch->vs, &b, a + (i % 16) * PG, 1);
		else
			(void)vm_copyin(ch->vs, a + (i % 16) * PG, &r, 1);
		if (i % 3 == 0)
			(void)vm_mprotect(ch->vs, a, 4 * PG, VM_PROT_NONE);
		if (i % 5 == 0)
			(void)vm_madvise(ch->vs, a, 16 * PG, VM_MADV_FREE);
		if (i % 7 == 0)
			(void)vm_munmap(ch->vs, a, 8 * PG);
		i++;
		b++;
		ch->rounds++;
	}
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(coredump__concurrent);
ATF_TC_BODY(coredump__concurrent, tc)
{
	struct churn ch;
	struct vmspace *vs;
	struct core c;
	pthread_t t;
	vm_offset_t a;
	int k;

	boot();
	vs = vs_new();
	a = MAP(vs, 0x20000000000, 8 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, a, 8 * PG, 0xe7);
	ch.vs = vs;
	ch.base = 0x10000000000;
	ch.stop = 0;
	ch.rounds = 0;
	ATF_REQUIRE_EQ(0, pthread_create(&t, NULL, churn_thread, &ch));
	while (ch.rounds < 16)
		sched_yield();
	for (k = 0; k < 40; k++) {
		DUMP(vs, "core", k % 4 == 3 ? VM_COREDUMP_FULL : 0);
		CORE_OPEN("core", &c);
		ATF_CHECK(c.has_vmspace);
		ATF_CHECK_EQ(c.vs.cv_nsegments, (uint32_t)c.nloads);
		CORE_EXPECT_FILL(&c, a, 8 * PG, 0xe7);
		core_close(&c);
	}
	ch.stop = 1;
	ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
	printf("%d rounds of changes during 40 dumps\n", ch.rounds);
	vmspace_release(vs);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, coredump__sparse_vs_full);
	ATF_TP_ADD_TC(tp, coredump__readelf);
	ATF_TP_ADD_TC(tp, coredump__gdb);
	ATF_TP_ADD_TC(tp, coredump__nocore);
	ATF_TP_ADD_TC(tp, coredump__guards);
	ATF_TP_ADD_TC(tp, coredump__protections);
	ATF_TP_ADD_TC(tp, coredump__fork_cow);
	ATF_TP_ADD_TC(tp, coredump__madvise);
	ATF_TP_ADD_TC(tp, coredump__notes);
	ATF_TP_ADD_TC(tp, coredump__errors);
	ATF_TP_ADD_TC(tp, coredump__overwrite);
	ATF_TP_ADD_TC(tp, coredump__empty);
	ATF_TP_ADD_TC(tp, coredump__many_segments);
	ATF_TP_ADD_TC(tp, coredump__concurrent);
	return (atf_no_error());
}
