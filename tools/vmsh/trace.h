/*
 * Page-reference traces: the reader behind "vmsh replay".
 *
 * A trace is the order in which a program touched its pages, and
 * replaying one through a replacement policy at a given memory size gives
 * that policy's faults for that program, the way NetBSD's pdsim replays
 * fault traces through UVM's pdpolicy code.  Two text formats are read,
 * told apart by the first line; either may be gzip-compressed (detected
 * by its magic bytes, whatever the file is called, and read through
 * "gzip -dc").
 *
 * LIRS traces (the traces of the LIRS and CLOCK-Pro papers; see
 * /work/shared/traces/README.md): one decimal block number per line.
 * Lines that are empty or hold a single "*" are skipped.  Block p is
 * returned as address p * 4096 of address space 0, a read.
 *
 * libvm traces (written by tracerec(1); docs/traces.md):
 *
 *	# libvm trace v1
 *	# any line starting with '#' is a comment
 *	0 0x7ff000 R
 *	0 0x601000 W
 *
 * The first line is exactly "# libvm trace v1" (trailing blanks and a
 * CR are ignored); it is what marks the format, so the version can
 * change without guessing.  Then one reference a line: ASID (decimal,
 * 0..4294967295), ADDR (hexadecimal with "0x", at most 64 bits), OP ("R"
 * or "W"), separated by blanks.  Empty lines are skipped.  Addresses are
 * bytes: a trace may be page-granular (tracerec writes page addresses)
 * or not; the replayer takes the page.
 *
 * Lines are read with getline(3) and parsed by hand (no scanf, no
 * strtoull's locale), since traces have millions of lines.
 */
#ifndef _VMSH_TRACE_H_
#define _VMSH_TRACE_H_

#include <stdbool.h>
#include <stdint.h>

#define	VMTRACE_HEADER		"# libvm trace v1"
#define	VMTRACE_LIRS_PAGE	4096u	/* bytes of a LIRS block */

struct vmtrace;				/* opaque */

struct vmtrace_ref {
	uint32_t	asid;		/* address space (0 for LIRS traces) */
	uint64_t	addr;		/* byte address; LIRS page number p
					   gives p * 4096 */
	bool		write;		/* false for LIRS traces */
};

/*
 * Opens FILE ("-" = stdin) and reads its first line to tell the format.
 * => 0 with *tp set, or an errno with *errp set to a message for the
 *    user (a static string: "cannot open the trace", ...).
 * => a gzip file is decompressed by a "gzip -dc" child, waited for by
 *    vmtrace_close.
 */
int	vmtrace_open(const char *path, struct vmtrace **tp, const char **errp);

/*
 * The next reference.
 * => 1 with *ref filled, 0 at the end of the trace.
 * => -1 with errno EINVAL on a malformed line, or EIO when the trace
 *    could not be read (gzip failed: a corrupt or truncated file);
 *    vmtrace_error() then says "FILE:LINE: reason".  Calling again after
 *    -1 goes on with the next line.
 */
int	vmtrace_next(struct vmtrace *, struct vmtrace_ref *ref);

/* The last error's "FILE:LINE: reason", or "" when there was none. */
const char *vmtrace_error(const struct vmtrace *);

/* The number of the line last read (1 is the first line of the file). */
uint64_t vmtrace_line(const struct vmtrace *);

/* Closes the file, and ends and waits for the gzip child if any. */
void	vmtrace_close(struct vmtrace *);

#endif /* !_VMSH_TRACE_H_ */
