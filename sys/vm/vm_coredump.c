/*
 * Core dumps: vm_coredump() writes an ELF64 ET_CORE image of an address
 * space to a host file.
 *
 * The image is what FreeBSD's and NetBSD's kernels write for a process,
 * less the threads (libvm has no registers to save): a PT_NOTE segment,
 * then one PT_LOAD segment per map entry that can be dumped.  Guards
 * (VM_MAP_GUARD, a stack's grow area), entries marked NOCORE
 * (VM_MAP_NOCORE, VM_MADV_NOCORE), entries with no access at all and
 * entries over device memory are left out, as FreeBSD's
 * each_dumpable_segment leaves them out.  The notes are libvm's own
 * ("LIBVM": the address space, then one record per map entry, dumped or
 * not); docs/coredump.md gives the format.
 *
 * Holes.  Memory that was never touched has no page anywhere in its
 * entry's chain of objects, and the image does not pretend otherwise: it
 * is a hole in a sparse file, not a run of written zeros (seed 000,
 * D26590: VM_FAULT_NOFILL "reduces the core dump size of trivial programs
 * by a factor of ten").  An entry without an object is all holes, and is
 * not given one.  A page that is resident but all zero is a hole too.  A
 * segment's file size stops after its last page with contents (NetBSD
 * trims trailing zeros the same way), so p_filesz <= p_memsz and the
 * reader supplies the zeros past it.  Segments start on page boundaries
 * in the file, so holes are whole file-system blocks.  VM_COREDUMP_FULL
 * writes every page of every segment, zeros included, for comparison; it
 * reads the same pages and creates nothing either.
 *
 * How a page is read.  First, under the map read lock, the entry's chain
 * is asked for the next resident page at or after the address
 * (vm_coredump_next_page): where there is none, the whole run is a hole
 * and nothing is faulted.  Where there may be one, the page is faulted in
 * for reading with VM_FAULT_NOFILL and held (vm_fault with m_hold wires
 * it), copied through the direct map into the output buffer and
 * unwired.  NOFILL makes a fault that finds no page fail
 * (KERN_OUT_OF_BOUNDS) instead of zero-filling one: a page freed between
 * the check and the fault is a hole, not a new page.  A read fault never
 * copies on write: after a fork, each side's image shows what that side
 * reads.  A write-only entry cannot be read without a write fault, which
 * would copy pages: its segment is all holes (FreeBSD's core_output reads
 * with VM_PROT_READ and gets the same).  An execute-only entry is read
 * with an execute access.
 *
 * Concurrency.  The map is read-locked only to take the snapshot of its
 * entries (which fixes the segments and the notes) and, briefly, for
 * each check above; faults take it themselves; no lock and no page is
 * held across host I/O.  Another thread may change the address space
 * while the dump runs.  The image then describes the map as it was at
 * the snapshot, with each page's contents as they were when it was read:
 * a page unmapped, protected, freed or made NOCORE since is a hole (the
 * check before each read looks at the map as it is then), a page written
 * since may show either contents, and mappings made since are not in the
 * image.  Between a check and its fault the map may change, and the
 * fault then acts on what it finds as a read by the address space's own
 * thread would (giving a new entry an empty object, or growing a stack
 * into its grow area).  A caller that wants an image of one instant stops
 * the threads using the address space first, as FreeBSD's coredump
 * suspends the other threads of the process.
 *
 * Lock order: map (read) -> objects down the chain, each locked before
 * the one above is released (vm_coredump_next_page, and the snapshot's
 * vm_coredump_type), as in the fault handler; the snapshot also takes the
 * pmap lock (resident count) under the map lock.  Nothing else is held at
 * once.
 *
 * The file.  The image is written from offset 0 of hostfd, which must be
 * a regular file open for writing and not for appending; the file is
 * first truncated to nothing (so that holes cannot show old data) and
 * finally to the image's size.  The headers and notes are written last:
 * a dump that fails half way (a host write error, no memory) leaves a
 * file whose first page is zero, which no reader takes for a core.  The
 * file offset of hostfd is not used or changed.
 *
 * Invariants: segment file offsets are page aligned, each segment's
 * p_filesz is a whole number of pages no larger than p_memsz (and equal
 * to it with VM_COREDUMP_FULL), each dumped record names a program header
 * of its own (KASSERTs under INVARIANTS); the headers and notes fill
 * exactly the space reserved for them before any page was written, or
 * the segments would have overwritten them (always checked: panic).
 */
#include <libvm.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <pmap/pmap.h>
#include <vm/vm_fault.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_pagequeue.h>

/*
 * The image is ELFDATA2LSB and its headers and notes are written in host
 * byte order.
 */
CTASSERT(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);

/* ---- the notes (docs/coredump.md) ----------------------------------- */

#define	LIBVM_NOTE_NAME		"LIBVM"
#define	NT_LIBVM_VMSPACE	1	/* struct libvm_core_vmspace */
#define	NT_LIBVM_VMMAP		2	/* header + libvm_core_vmentry[] */
#define	LIBVM_CORE_VERSION	1
#define	LIBVM_NOTE_ALIGN	4	/* name and desc padding, p_align */

/* NT_LIBVM_VMSPACE: the address space, and what the dump found in it. */
struct libvm_core_vmspace {
	uint32_t	cv_version;	/* LIBVM_CORE_VERSION */
	uint32_t	cv_size;	/* sizeof(struct libvm_core_vmspace) */
	uint32_t	cv_pagesize;
	uint32_t	cv_dumpflags;	/* vm_coredump()'s flags */
	uint64_t	cv_map_min;	/* the user range [min, max) */
	uint64_t	cv_map_max;
	uint64_t	cv_map_size;	/* bytes mapped (not guards) */
	uint64_t	cv_data_start;	/* the data segment (brk) */
	uint64_t	cv_data_size;
	uint64_t	cv_rlimit_cur[4]; /* DATA, STACK, MEMLOCK, AS */
	uint64_t	cv_rlimit_max[4];
	uint64_t	cv_resident;	/* pages mapped by the pmap */
	uint64_t	cv_user_wired;	/* user-wired pages */
	uint32_t	cv_nentries;	/* records of NT_LIBVM_VMMAP */
	uint32_t	cv_nsegments;	/* PT_LOAD segments */
	uint64_t	cv_pages_read;	/* pages of segments read */
	uint64_t	cv_pages_zero;	/* ... of which all zero */
	uint64_t	cv_pages_absent; /* pages of segments with no page */
};
CTASSERT(sizeof(struct libvm_core_vmspace) == 168);

/* NT_LIBVM_VMMAP: this header, then cm_count records. */
struct libvm_core_vmmap {
	uint32_t	cm_version;	/* LIBVM_CORE_VERSION */
	uint32_t	cm_recsize;	/* sizeof(struct libvm_core_vmentry) */
	uint32_t	cm_count;
	uint32_t	cm_pad;
};
CTASSERT(sizeof(struct libvm_core_vmmap) == 16);

/* One map entry, in address order. */
struct libvm_core_vmentry {
	uint64_t	ce_start;	/* [start, end) */
	uint64_t	ce_end;
	uint64_t	ce_offset;	/* start's offset in the top object */
	uint32_t	ce_protection;	/* VM_PROT_* */
	uint32_t	ce_max_protection;
	uint32_t	ce_inheritance;	/* VM_INHERIT_* */
	uint32_t	ce_flags;	/* VM_KVME_FLAG_* */
	uint32_t	ce_type;	/* VM_KVME_TYPE_* */
	int32_t		ce_phdr;	/* index of its PT_LOAD program
					   header, or -1: not dumped */
	uint64_t	ce_pages;	/* pages with contents in the file */
};
CTASSERT(sizeof(struct libvm_core_vmentry) == 56);

/* ---- the state of one dump ------------------------------------------ */

#define	CD_BUFPAGES	32	/* pages gathered per host write */

struct coredump {
	vm_map_t	map;
	int		fd;
	int		flags;		/* VM_COREDUMP_* */
	/* The snapshot (map read-locked while it is taken). */
	struct libvm_core_vmspace vmspace;
	struct libvm_core_vmentry *entries;
	uint32_t	nentries;
	uint32_t	nsegments;
	Elf64_Phdr	*phdrs;		/* [0] PT_NOTE, then the PT_LOADs */
	size_t		hdrsize;	/* headers and notes, unpadded */
	off_t		off;		/* where the next segment goes */
	/* Pages read and not yet written: buf[0, buflen) at buf_off. */
	char		*buf;
	size_t		buflen;
	off_t		buf_off;
};

/* ---- host I/O ------------------------------------------------------- */

/*
 * hostfd must be open for writing, not appending (pwrite would ignore
 * the offsets), and a regular file (holes, truncation).
 */
static int
vm_coredump_check_fd(int fd)
{
	struct stat st;
	int fl;

	if (fd < 0 || (fl = fcntl(fd, F_GETFL)) == -1)
		return (EBADF);
	if ((fl & O_ACCMODE) == O_RDONLY)
		return (EBADF);		/* what write(2) would say */
	if ((fl & O_APPEND) != 0)
		return (EINVAL);
	if (fstat(fd, &st) == -1)
		return (errno);
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
		return (ESPIPE);
	if (!S_ISREG(st.st_mode))
		return (EINVAL);
	return (0);
}

/* Write all of buf at off: 0 or the host's errno. */
static int
vm_coredump_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, p, len, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return (errno);
		}
		if (n == 0)
			return (EIO);
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return (0);
}

static int
vm_coredump_truncate(int fd, off_t size)
{
	while (ftruncate(fd, size) == -1)
		if (errno != EINTR)
			return (errno);
	return (0);
}

/* Write the gathered pages, if any. */
static int
vm_coredump_flush(struct coredump *cd)
{
	int error;

	if (cd->buflen == 0)
		return (0);
	error = vm_coredump_pwrite(cd->fd, cd->buf, cd->buflen, cd->buf_off);
	cd->buf_off += (off_t)cd->buflen;
	cd->buflen = 0;
	return (error);
}

/*
 * The buffer slot for the page at file offset off: pages gather while
 * they are consecutive in the file; a gap or a full buffer writes them
 * out first.  The caller fills the slot and calls vm_coredump_put to
 * keep it.
 */
static int
vm_coredump_slot(struct coredump *cd, off_t off, char **slotp)
{
	int error;

	if (cd->buflen == ptoa(CD_BUFPAGES) ||
	    (cd->buflen != 0 && cd->buf_off + (off_t)cd->buflen != off)) {
		if ((error = vm_coredump_flush(cd)) != 0)
			return (error);
	}
	if (cd->buflen == 0)
		cd->buf_off = off;
	*slotp = cd->buf + cd->buflen;
	return (0);
}

static void
vm_coredump_put(struct coredump *cd)
{
	cd->buflen += PAGE_SIZE;
}

/* ---- the snapshot --------------------------------------------------- */

/*
 * The KVME type of an entry, from the bottom object of its chain, as
 * vm_procstat reports it.
 *
 * => map read-locked.
 */
static uint32_t
vm_coredump_type(vm_map_entry_t entry)
{
	vm_object_t object, next;
	objtype_t type;

	if ((entry->eflags & MAP_ENTRY_GUARD) != 0)
		return (VM_KVME_TYPE_GUARD);
	if ((object = entry->cold->object) == NULL)
		return (VM_KVME_TYPE_NONE);
	VM_OBJECT_RLOCK(object);
	while ((next = object->backing_object) != NULL) {
		VM_OBJECT_RLOCK(next);
		VM_OBJECT_RUNLOCK(object);
		object = next;
	}
	type = object->type;
	VM_OBJECT_RUNLOCK(object);
	return ((uint32_t)vm_object_kvme_type(type));
}

/*
 * Is the entry a segment of the image?  Not a guard or a stack's grow
 * area, not NOCORE, not without any access, and not device memory or a
 * dead object (FreeBSD's each_dumpable_segment).
 */
static bool
vm_coredump_dumpable(vm_map_entry_t entry, uint32_t type)
{
	if ((entry->eflags & (MAP_ENTRY_GUARD | MAP_ENTRY_NOCOREDUMP |
	    MAP_ENTRY_IS_SUB_MAP)) != 0)
		return (false);
	if ((entry->protection & VM_PROT_ALL) == 0)
		return (false);
	return (type != VM_KVME_TYPE_DEVICE && type != VM_KVME_TYPE_DEAD);
}

/*
 * Record the address space and every map entry, and decide the segments.
 * ENOMEM changes nothing.
 *
 * => called with nothing locked; takes the map read lock.
 */
static int
vm_coredump_snapshot(struct coredump *cd, struct vmspace *vs)
{
	static const int rl[4] = { VM_RLIMIT_DATA, VM_RLIMIT_STACK,
	    VM_RLIMIT_MEMLOCK, VM_RLIMIT_AS };
	struct libvm_core_vmspace *cv = &cd->vmspace;
	struct libvm_core_vmentry *ce;
	vm_map_t map = cd->map;
	vm_map_entry_t entry;
	uint32_t n, i, type;
	int k;

	vm_map_lock_read(map);
	n = (uint32_t)map->nentries;
	cd->entries = calloc(n > 0 ? n : 1, sizeof(*cd->entries));
	if (cd->entries == NULL) {
		vm_map_unlock_read(map);
		return (ENOMEM);
	}
	cv->cv_version = LIBVM_CORE_VERSION;
	cv->cv_size = sizeof(*cv);
	cv->cv_pagesize = PAGE_SIZE;
	cv->cv_dumpflags = (uint32_t)cd->flags;
	cv->cv_map_min = vm_map_min(map);
	cv->cv_map_max = vm_map_max(map);
	cv->cv_map_size = map->size;
	cv->cv_data_start = vs->vm_daddr;
	cv->cv_data_size = vs->vm_dsize;
	for (k = 0; k < (int)nitems(rl); k++) {
		cv->cv_rlimit_cur[k] = vs->vm_rlimit[rl[k]].cur;
		cv->cv_rlimit_max[k] = vs->vm_rlimit[rl[k]].max;
	}
	cv->cv_resident = map->pmap != NULL ?
	    (uint64_t)pmap_resident_count(map->pmap) : 0;
	cv->cv_user_wired = vs->vm_uwired;
	i = 0;
	cd->nsegments = 0;
	VM_MAP_ENTRY_FOREACH(entry, map) {
		KASSERT(i < n, ("%s: map %p has more than its %u entries",
		    __func__, (void *)map, n));
		ce = &cd->entries[i++];
		type = vm_coredump_type(entry);
		ce->ce_start = entry->start;
		ce->ce_end = entry->end;
		ce->ce_offset = entry->cold->offset;
		ce->ce_protection = entry->protection;
		ce->ce_max_protection = entry->max_protection;
		ce->ce_inheritance = entry->inheritance;
		ce->ce_flags = (uint32_t)vm_map_entry_kvme_flags(entry);
		ce->ce_type = type;
		ce->ce_phdr = vm_coredump_dumpable(entry, type) ?
		    (int32_t)++cd->nsegments : -1;
	}
	KASSERT(i == n, ("%s: map %p has %u entries, counted %u", __func__,
	    (void *)map, n, i));
	vm_map_unlock_read(map);
	cd->nentries = n;
	cv->cv_nentries = n;
	cv->cv_nsegments = cd->nsegments;
	cd->phdrs = calloc((size_t)cd->nsegments + 1, sizeof(*cd->phdrs));
	if (cd->phdrs == NULL)
		return (ENOMEM);
	return (0);
}

/* ---- the headers and notes ------------------------------------------ */

static size_t
vm_coredump_note_size(size_t descsz)
{
	return (sizeof(Elf64_Nhdr) + roundup2(sizeof(LIBVM_NOTE_NAME),
	    LIBVM_NOTE_ALIGN) + roundup2(descsz, LIBVM_NOTE_ALIGN));
}

static size_t
vm_coredump_notes_size(const struct coredump *cd)
{
	return (vm_coredump_note_size(sizeof(struct libvm_core_vmspace)) +
	    vm_coredump_note_size(sizeof(struct libvm_core_vmmap) +
	    (size_t)cd->nentries * sizeof(struct libvm_core_vmentry)));
}

/* More program headers than e_phnum holds: extended numbering. */
static bool
vm_coredump_xnum(const struct coredump *cd)
{
	return ((size_t)cd->nsegments + 1 >= PN_XNUM);
}

/* The ELF header, program headers, section header 0 if needed, notes. */
static size_t
vm_coredump_hdrsize(const struct coredump *cd)
{
	return (sizeof(Elf64_Ehdr) + ((size_t)cd->nsegments + 1) *
	    sizeof(Elf64_Phdr) + (vm_coredump_xnum(cd) ?
	    sizeof(Elf64_Shdr) : 0) + vm_coredump_notes_size(cd));
}

/* Append one note (a desc in one or two parts) at p; returns its end. */
static char *
vm_coredump_put_note(char *p, uint32_t type, const void *d1, size_t l1,
    const void *d2, size_t l2)
{
	Elf64_Nhdr nh;
	char *start __unused = p;	/* for the KASSERT */

	nh.n_namesz = sizeof(LIBVM_NOTE_NAME);
	nh.n_descsz = (Elf64_Word)(l1 + l2);
	nh.n_type = type;
	memcpy(p, &nh, sizeof(nh));
	p += sizeof(nh);
	memcpy(p, LIBVM_NOTE_NAME, sizeof(LIBVM_NOTE_NAME));
	p += roundup2(sizeof(LIBVM_NOTE_NAME), LIBVM_NOTE_ALIGN);
	memcpy(p, d1, l1);
	if (l2 != 0)
		memcpy(p + l1, d2, l2);
	p += roundup2(l1 + l2, LIBVM_NOTE_ALIGN);
	KASSERT((size_t)(p - start) == vm_coredump_note_size(l1 + l2),
	    ("%s: note %u is %zu bytes, want %zu", __func__, type,
	    (size_t)(p - start), vm_coredump_note_size(l1 + l2)));
	return (p);
}

/*
 * Build the ELF header, the program headers and the notes (the segments'
 * headers were filled as the pages were written) and write them at 0.
 */
static int
vm_coredump_write_headers(struct coredump *cd)
{
	struct libvm_core_vmmap cm;
	Elf64_Ehdr eh;
	Elf64_Shdr sh;
	Elf64_Phdr *note;
	size_t phnum, notesoff;
	char *hdr, *p;
	int error;

	phnum = (size_t)cd->nsegments + 1;
	hdr = calloc(1, cd->hdrsize);
	if (hdr == NULL)
		return (ENOMEM);

	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;	/* 64-bit addresses; what gdb reads */
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shstrndx = SHN_UNDEF;
	notesoff = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
	if (vm_coredump_xnum(cd)) {
		/*
		 * The gABI's extended numbering: e_phnum is PN_XNUM and the
		 * count is in section header 0's sh_info.
		 */
		eh.e_phnum = PN_XNUM;
		eh.e_shoff = notesoff;
		eh.e_shnum = 1;
		memset(&sh, 0, sizeof(sh));
		sh.sh_type = SHT_NULL;
		sh.sh_info = (Elf64_Word)phnum;
		memcpy(hdr + notesoff, &sh, sizeof(sh));
		notesoff += sizeof(sh);
	} else
		eh.e_phnum = (Elf64_Half)phnum;
	memcpy(hdr, &eh, sizeof(eh));

	note = &cd->phdrs[0];
	note->p_type = PT_NOTE;
	note->p_offset = notesoff;
	note->p_filesz = vm_coredump_notes_size(cd);
	note->p_flags = PF_R;
	note->p_align = LIBVM_NOTE_ALIGN;
	memcpy(hdr + sizeof(Elf64_Ehdr), cd->phdrs, phnum * sizeof(Elf64_Phdr));

	memset(&cm, 0, sizeof(cm));
	cm.cm_version = LIBVM_CORE_VERSION;
	cm.cm_recsize = sizeof(struct libvm_core_vmentry);
	cm.cm_count = cd->nentries;
	p = hdr + notesoff;
	p = vm_coredump_put_note(p, NT_LIBVM_VMSPACE, &cd->vmspace,
	    sizeof(cd->vmspace), NULL, 0);
	p = vm_coredump_put_note(p, NT_LIBVM_VMMAP, &cm, sizeof(cm),
	    cd->entries, (size_t)cd->nentries * sizeof(*cd->entries));
	if ((size_t)(p - hdr) != cd->hdrsize)
		panic("%s: headers are %zu bytes, %zu were reserved", __func__,
		    (size_t)(p - hdr), cd->hdrsize);
	error = vm_coredump_pwrite(cd->fd, hdr, cd->hdrsize, 0);
	free(hdr);
	return (error);
}

/* ---- the pages ------------------------------------------------------ */

/*
 * The first address in [va, end) where the chain of the entry holding va
 * may have a page, or end: [va, result) has no page anywhere and needs no
 * fault.  An address outside any entry, in a guard or in an entry with no
 * access or no object has none; neither has the rest of that entry.  An
 * entry made NOCORE since the snapshot has none to show either.
 * Pages of lower objects that an upper one hides or that lie beyond the
 * upper one's size are counted as possible (the fault then says no).
 *
 * => called with nothing locked; takes the map read lock and the chain's
 *    object locks, top down.
 */
static vm_offset_t
vm_coredump_next_page(vm_map_t map, vm_offset_t va, vm_offset_t end)
{
	vm_map_entry_t entry;
	vm_object_t object, next;
	vm_pindex_t pindex, best, d;
	vm_page_t m;
	vm_offset_t stop;

	vm_map_lock_read(map);
	if (!vm_map_lookup_entry(map, va, &entry)) {
		/* Unmapped since the snapshot: a hole up to what follows. */
		entry = vm_map_entry_succ(entry);
		stop = entry == &map->header ? end : MIN(end, entry->start);
		vm_map_unlock_read(map);
		return (stop);
	}
	stop = MIN(end, entry->end);
	if ((entry->eflags & (MAP_ENTRY_GUARD | MAP_ENTRY_NOCOREDUMP)) != 0 ||
	    (entry->protection & VM_PROT_ALL) == 0 ||
	    entry->cold->object == NULL) {
		vm_map_unlock_read(map);
		return (stop);
	}
	best = atop(stop - va);
	object = entry->cold->object;
	pindex = OFF_TO_IDX(entry->cold->offset + (va - entry->start));
	VM_OBJECT_RLOCK(object);
	for (;;) {
		m = vm_page_find_least(object, pindex);
		if (m != NULL) {
			d = m->pindex - pindex;
			if (d < best)
				best = d;
		}
		next = object->backing_object;
		if (best == 0 || next == NULL)
			break;
		VM_OBJECT_RLOCK(next);
		pindex += OFF_TO_IDX(object->backing_object_offset);
		VM_OBJECT_RUNLOCK(object);
		object = next;
	}
	VM_OBJECT_RUNLOCK(object);
	vm_map_unlock_read(map);
	return (va + ptoa(best));
}

/*
 * Read the page at va into dst: fault it in without filling (NOFILL),
 * hold it, copy it through the direct map, release it.  KERN_SUCCESS, or
 * the fault's failure: the page is a hole.
 *
 * => called with nothing locked.
 */
static int
vm_coredump_read_page(vm_map_t map, vm_offset_t va, vm_prot_t access,
    void *dst)
{
	vm_page_t m;
	int rv;

	rv = vm_fault(map, va, access, VM_FAULT_NOFILL, &m);
	if (rv != KERN_SUCCESS)
		return (rv);
	KASSERT(m != NULL, ("%s: map %p va %#jx: no page held", __func__,
	    (void *)map, (uintmax_t)va));
	memcpy(dst, vm_page_dmap(m), PAGE_SIZE);
	vm_page_unwire(m, PQ_ACTIVE);
	return (KERN_SUCCESS);
}

static bool
vm_coredump_zero(const void *page)
{
	const uint64_t *p = page;
	size_t i;

	for (i = 0; i < PAGE_SIZE / sizeof(*p); i++)
		if (p[i] != 0)
			return (false);
	return (true);
}

/*
 * A run of [va, va + len) with no page.  Sparse: nothing is written.
 * VM_COREDUMP_FULL: zeros.
 */
static int
vm_coredump_hole(struct coredump *cd, off_t off, vm_size_t len)
{
	char *slot;
	int error;

	cd->vmspace.cv_pages_absent += atop(len);
	if ((cd->flags & VM_COREDUMP_FULL) == 0)
		return (0);
	for (; len > 0; len -= PAGE_SIZE, off += PAGE_SIZE) {
		if ((error = vm_coredump_slot(cd, off, &slot)) != 0)
			return (error);
		memset(slot, 0, PAGE_SIZE);
		vm_coredump_put(cd);
	}
	return (0);
}

/*
 * Write the segment of one entry at cd->off and fill its program header.
 *
 * => called with nothing locked.
 */
static int
vm_coredump_segment(struct coredump *cd, struct libvm_core_vmentry *ce)
{
	Elf64_Phdr *ph;
	vm_offset_t va, next;
	vm_size_t filesz = 0;
	vm_prot_t access;
	off_t base = cd->off;
	bool full = (cd->flags & VM_COREDUMP_FULL) != 0;
	char *slot;
	int error, rv;

	KASSERT((base & PAGE_MASK) == 0, ("%s: segment at %#jx at file "
	    "offset %#jx", __func__, (uintmax_t)ce->ce_start,
	    (uintmax_t)base));
	/* A read access if the entry allows it; never a write (COW). */
	if ((ce->ce_protection & VM_PROT_READ) != 0)
		access = VM_PROT_READ;
	else if ((ce->ce_protection & VM_PROT_EXECUTE) != 0)
		access = VM_PROT_EXECUTE;
	else
		access = VM_PROT_NONE;
	for (va = ce->ce_start; va < ce->ce_end; va = next) {
		next = access == VM_PROT_NONE ? ce->ce_end :
		    vm_coredump_next_page(cd->map, va, ce->ce_end);
		if (next > va) {
			error = vm_coredump_hole(cd, base +
			    (off_t)(va - ce->ce_start), next - va);
			if (error != 0)
				return (error);
			if (full)
				filesz = next - ce->ce_start;
			continue;
		}
		next = va + PAGE_SIZE;
		error = vm_coredump_slot(cd, base + (off_t)(va - ce->ce_start),
		    &slot);
		if (error != 0)
			return (error);
		rv = vm_coredump_read_page(cd->map, va, access, slot);
		if (rv == KERN_RESOURCE_SHORTAGE)
			return (ENOMEM);	/* a page we could not read */
		if (rv != KERN_SUCCESS) {
			/* Freed, unmapped or protected since the check. */
			error = vm_coredump_hole(cd, base +
			    (off_t)(va - ce->ce_start), PAGE_SIZE);
			if (error != 0)
				return (error);
			if (full)
				filesz = next - ce->ce_start;
			continue;
		}
		cd->vmspace.cv_pages_read++;
		if (vm_coredump_zero(slot)) {
			cd->vmspace.cv_pages_zero++;
			if (!full)
				continue;
		} else
			ce->ce_pages++;
		vm_coredump_put(cd);
		filesz = next - ce->ce_start;
	}
	if ((error = vm_coredump_flush(cd)) != 0)
		return (error);
	KASSERT(filesz <= ce->ce_end - ce->ce_start &&
	    (filesz & PAGE_MASK) == 0 && (!full ||
	    filesz == ce->ce_end - ce->ce_start), ("%s: segment [%#jx, %#jx) "
	    "file size %#jx", __func__, (uintmax_t)ce->ce_start,
	    (uintmax_t)ce->ce_end, (uintmax_t)filesz));
	KASSERT(ce->ce_phdr > 0 && (uint32_t)ce->ce_phdr <= cd->nsegments,
	    ("%s: segment [%#jx, %#jx) has program header %d of %u", __func__,
	    (uintmax_t)ce->ce_start, (uintmax_t)ce->ce_end, ce->ce_phdr,
	    cd->nsegments));
	ph = &cd->phdrs[ce->ce_phdr];
	ph->p_type = PT_LOAD;
	ph->p_offset = (Elf64_Off)base;
	ph->p_vaddr = ce->ce_start;
	ph->p_paddr = 0;
	ph->p_filesz = filesz;
	ph->p_memsz = ce->ce_end - ce->ce_start;
	ph->p_flags = ((ce->ce_protection & VM_PROT_READ) != 0 ? PF_R : 0) |
	    ((ce->ce_protection & VM_PROT_WRITE) != 0 ? PF_W : 0) |
	    ((ce->ce_protection & VM_PROT_EXECUTE) != 0 ? PF_X : 0);
	ph->p_align = PAGE_SIZE;
	cd->off = base + (off_t)filesz;
	return (0);
}

/* ---- the system call ------------------------------------------------ */

__exported int
vm_coredump(struct vmspace *vs, int hostfd, int flags)
{
	struct coredump cd;
	uint32_t i;
	int error;

	if (vs == NULL || (flags & ~VM_COREDUMP_FULL) != 0)
		return (EINVAL);
	if ((error = vm_coredump_check_fd(hostfd)) != 0)
		return (error);

	memset(&cd, 0, sizeof(cd));
	cd.map = &vs->vm_map;
	cd.fd = hostfd;
	cd.flags = flags;
	cd.buf = malloc(ptoa(CD_BUFPAGES));
	if (cd.buf == NULL)
		return (ENOMEM);
	if ((error = vm_coredump_snapshot(&cd, vs)) != 0)
		goto out;
	cd.hdrsize = vm_coredump_hdrsize(&cd);
	cd.off = (off_t)round_page(cd.hdrsize);

	/* From here on the file changes. */
	if ((error = vm_coredump_truncate(hostfd, 0)) != 0)
		goto out;
	for (i = 0; i < cd.nentries && error == 0; i++)
		if (cd.entries[i].ce_phdr >= 0)
			error = vm_coredump_segment(&cd, &cd.entries[i]);
	if (error == 0)
		error = vm_coredump_write_headers(&cd);
	if (error == 0)
		error = vm_coredump_truncate(hostfd, cd.off);
out:
	free(cd.phdrs);
	free(cd.entries);
	free(cd.buf);
	return (error);
}
