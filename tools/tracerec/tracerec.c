/*
 * tracerec: turns the memory trace of a real program, as Valgrind's
 * Lackey tool prints it (valgrind --tool=lackey --trace-mem=yes), into a
 * libvm page-reference trace for "vmsh replay" (format: trace.h of vmsh,
 * docs/traces.md; usage: tracerec(1)).
 *
 * Lackey prints one line per access: "I  ADDR,SIZE" for an instruction
 * fetch, " L ADDR,SIZE" a load, " S ADDR,SIZE" a store and " M ADDR,SIZE"
 * a modify (a load and a store of the same bytes, as "add %eax,(%rdx)"
 * does), ADDR in hexadecimal without 0x.  Every other line (Valgrind's
 * "==PID==" messages, when they share the stream) is ignored.
 *
 * A replacement policy sees pages, not bytes, so each access becomes the
 * reference of its page (ADDR & ~4095; both pages when the access
 * straddles a boundary), a modify becomes a read then a write, and
 * consecutive references to the same page with the same operation are
 * collapsed into one: a run of fetches from one code page, or the many
 * stack accesses of a function, would otherwise make most of a trace
 * and change nothing (a page just referenced is resident under every
 * policy).  This is what the memory-management hardware lets a kernel
 * see anyway: one fault or one referenced bit per page, not per access.
 * Instruction fetches are kept by default, because code pages compete
 * for memory like any other (-I drops them, for a data-only trace).
 *
 * Collapsing only consecutive repeats leaves a program's few hot pages
 * (its code, its stack, the top of its heap) alternating, and such a
 * trace is 99.9% hits at any memory size worth studying.  -f K drops,
 * besides, every reference to one of the K pages referenced last (a
 * read, or a write to a page already written since it joined them), the
 * way a TLB hides most references from a kernel.  For LRU with at least
 * K pages of memory the faults are exactly those of the whole trace
 * (LRU's inclusion property: the references dropped are hits at stack
 * depth K or less, and dropping them only reorders the top K of the LRU
 * stack); for the other policies it is the approximation a referenced
 * bit already is.  The trace gets 20 to 50 times shorter (-f 16), so a
 * program's whole run fits in a few million references.
 *
 * Lackey's output runs to tens of millions of lines per second of the
 * traced program, so the parser is hand-written over getline's buffer,
 * output is formatted by hand, and -n stops after a given number of
 * output references (leaving Valgrind to die of SIGPIPE); -s skips a
 * number of them first, to leave out a program's start-up (the dynamic
 * linker, an interpreter's initialisation) when its work is the point.  A name
 * ending in ".gz" is written through "gzip -9" (the traces in
 * bench/traces are kept compressed).
 *
 * Exit status: 0, 1 on an error (reading, writing, gzip), 2 on a usage
 * error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define	PAGE_SHIFT	12
#define	PAGE_MASK	((UINT64_C(1) << PAGE_SHIFT) - 1)
#define	HEADER		"# libvm trace v1"	/* tools/vmsh/trace.h */

extern char **environ;

static bool	 noifetch;		/* -I */
static bool	 verbose;		/* -v */
static uint32_t	 asid;			/* -a */
static uint64_t	 limit = UINT64_MAX;	/* -n */
static uint64_t	 skip;			/* -s */
static int	 filter;		/* -f */
static FILE	*out;

/*
 * -f K: the K pages referenced last, most recent first, each with
 * whether it was written since it joined them.
 */
#define	MAXFILTER	256
static struct {
	uint64_t	page;
	bool		written;
} recent[MAXFILTER];
static int	 nrecent;

/* What was written, for the collapsing and for -v. */
static uint64_t	 last_page = UINT64_MAX;
static int	 last_op = -1;
static uint64_t	 nin, nout, nskipped, nignored;

/*
 * Distinct pages, for the summary of -v (the footprint the trace's
 * README reports): an open-addressing set of page numbers, grown at
 * half full.  UINT64_MAX marks an empty slot; no page number reaches it.
 */
static uint64_t	*set;
static size_t	 setcap, setlen;

static void
die(const char *fmt, const char *arg, int error)
{
	fprintf(stderr, "tracerec: ");
	fprintf(stderr, fmt, arg);
	if (error != 0)
		fprintf(stderr, ": %s", strerror(error));
	fputc('\n', stderr);
	exit(1);
}

static void
set_add(uint64_t page)
{
	size_t i, mask;

	if (setlen * 2 >= setcap) {
		uint64_t *old = set;
		size_t oldcap = setcap;

		setcap = setcap == 0 ? 4096 : setcap * 2;
		set = malloc(setcap * sizeof(*set));
		if (set == NULL)
			die("%s", "out of memory", 0);
		memset(set, 0xff, setcap * sizeof(*set));
		setlen = 0;
		for (i = 0; i < oldcap; i++)
			if (old[i] != UINT64_MAX)
				set_add(old[i]);
		free(old);
	}
	mask = setcap - 1;
	for (i = (size_t)(page * 0x9e3779b97f4a7c15ull >> 20) & mask;
	    set[i] != UINT64_MAX; i = (i + 1) & mask)
		if (set[i] == page)
			return;
	set[i] = page;
	setlen++;
}

/*
 * -f: true when the reference must be written, false when it is a
 * repeat within the last -f distinct pages: a read, or a write to a page
 * already written since it last joined them.  The window is an LRU stack
 * of depth K kept by moving to the front (K is small: a linear search is
 * faster than any index).
 */
static bool
filtered(uint64_t page, int op)
{
	bool keep;
	int i;

	for (i = 0; i < nrecent && recent[i].page != page; i++)
		continue;
	if (i < nrecent) {
		keep = op == 1 && !recent[i].written;
		if (keep)
			recent[i].written = true;
	} else {
		keep = true;
		if (nrecent < filter)
			nrecent++;
		i = nrecent - 1;
		recent[i].page = page;
		recent[i].written = op == 1;
	}
	/* to the front */
	for (; i > 0; i--) {
		uint64_t p = recent[i].page;
		bool w = recent[i].written;

		recent[i] = recent[i - 1];
		recent[i - 1].page = p;
		recent[i - 1].written = w;
	}
	return (keep);
}

/* One output reference; false once -n references have been written. */
static bool
emit(uint64_t page, int op)
{
	static const char hex[] = "0123456789abcdef";
	char line[64], *p = line + sizeof(line);
	uint64_t a = page << PAGE_SHIFT;
	uint32_t v;

	if (filter > 0) {
		if (!filtered(page, op))
			return (true);
	} else if (page == last_page && op == last_op)
		return (true);
	last_page = page;
	last_op = op;
	if (nskipped < skip) {
		nskipped++;
		return (true);
	}
	/* "ASID 0xADDR OP\n", built backwards from the end. */
	*--p = '\n';
	*--p = op ? 'W' : 'R';
	*--p = ' ';
	do {
		*--p = hex[a & 15];
		a >>= 4;
	} while (a != 0);
	*--p = 'x';
	*--p = '0';
	*--p = ' ';
	v = asid;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	fwrite_unlocked(p, 1, (size_t)(line + sizeof(line) - p), out);
	if (verbose)
		set_add(page);
	return (++nout < limit);
}

/*
 * One line of Lackey's output.  false to stop (-n reached).  Lines that
 * are not accesses are counted and skipped.
 */
static bool
record(const char *s, size_t len)
{
	const char *e = s + len;
	uint64_t addr = 0, size = 0, p, last;
	int kind;

	if (len < 4)
		goto ignore;
	if (s[0] == 'I' && s[1] == ' ' && s[2] == ' ')
		kind = 'I';
	else if (s[0] == ' ' && (s[1] == 'L' || s[1] == 'S' || s[1] == 'M') &&
	    s[2] == ' ')
		kind = s[1];
	else
		goto ignore;
	for (s += 3; s < e && *s == ' '; s++)
		continue;
	for (; s < e && *s != ','; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (*s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			goto ignore;
		if (addr >> 60 != 0)
			goto ignore;
		addr = addr << 4 | d;
	}
	if (s == e)
		goto ignore;
	for (s++; s < e && *s >= '0' && *s <= '9'; s++)
		if ((size = size * 10 + (uint64_t)(*s - '0')) > 1 << 20)
			goto ignore;
	nin++;
	if (kind == 'I' && noifetch)
		return (true);
	/* Every page the access touches; a zero size still names one. */
	last = (addr + (size > 0 ? size - 1 : 0)) >> PAGE_SHIFT;
	if (last < addr >> PAGE_SHIFT)
		last = addr >> PAGE_SHIFT;	/* wrapped at 2^64 */
	for (p = addr >> PAGE_SHIFT; p <= last; p++) {
		if (kind == 'M' || kind == 'L' || kind == 'I')
			if (!emit(p, 0))
				return (false);
		if (kind == 'M' || kind == 'S')
			if (!emit(p, 1))
				return (false);
	}
	return (true);
ignore:
	nignored++;
	return (true);
}

/* "gzip -9 > PATH", fed through a pipe that becomes OUT. */
static pid_t
open_gzip(const char *path)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { "gzip", "-9", NULL };
	int p[2], error;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		die("%s", "pipe", errno);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], STDIN_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, path,
	    O_WRONLY | O_CREAT | O_TRUNC, 0666);
	error = posix_spawnp(&pid, "gzip", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (error != 0)
		die("%s", "cannot run \"gzip -9\"", error);
	close(p[0]);
	if ((out = fdopen(p[1], "w")) == NULL)
		die("%s", "fdopen", errno);
	return (pid);
}

static void
usage(void)
{
	fprintf(stderr, "usage: tracerec [-Iv] [-a asid] [-f pages] "
	    "[-n count] [-o output]\n"
	    "                [-s count] [lackey-output]\n"
	    "  -I  drop instruction fetches\n"
	    "  -a  the address space number written (default 0)\n"
	    "  -f  drop references to the last PAGES distinct pages "
	    "(max 256)\n"
	    "  -n  stop after this many references written\n"
	    "  -o  the trace (default: the standard output; .gz: gzip -9)\n"
	    "  -s  skip this many references first\n"
	    "  -v  print a summary (references, distinct pages) to stderr\n"
	    "Reads valgrind --tool=lackey --trace-mem=yes output (default: "
	    "the standard\ninput) and writes a libvm page-reference trace.\n");
	exit(2);
}

static uint64_t
number(const char *s, uint64_t max, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max) {
		fprintf(stderr, "tracerec: bad %s \"%s\"\n", what, s);
		usage();
	}
	return (v);
}

int
main(int argc, char **argv)
{
	const char *outpath = NULL, *inpath = "-";
	FILE *in;
	char *line = NULL;
	size_t cap = 0, n;
	ssize_t len;
	pid_t gz = -1;
	int ch, status;

	while ((ch = getopt(argc, argv, "Ia:f:hn:o:s:v")) != -1) {
		switch (ch) {
		case 'I':
			noifetch = true;
			break;
		case 'a':
			asid = (uint32_t)number(optarg, UINT32_MAX, "ASID");
			break;
		case 'f':
			filter = (int)number(optarg, MAXFILTER, "page count");
			break;
		case 'n':
			limit = number(optarg, UINT64_MAX, "count");
			break;
		case 'o':
			outpath = optarg;
			break;
		case 's':
			skip = number(optarg, UINT64_MAX, "count");
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind > 1)
		usage();
	if (argc - optind == 1)
		inpath = argv[optind];
	in = strcmp(inpath, "-") == 0 ? stdin : fopen(inpath, "r");
	if (in == NULL)
		die("%s", inpath, errno);

	n = outpath != NULL ? strlen(outpath) : 0;
	if (outpath == NULL || strcmp(outpath, "-") == 0)
		out = stdout;
	else if (n > 3 && strcmp(outpath + n - 3, ".gz") == 0)
		gz = open_gzip(outpath);
	else if ((out = fopen(outpath, "w")) == NULL)
		die("%s", outpath, errno);
	/* A reader that stops early (head) is not an error of ours. */
	signal(SIGPIPE, SIG_DFL);

	fprintf(out, "%s\n# tracerec: valgrind lackey output, pages of %u "
	    "bytes, repeats collapsed%s\n", HEADER, 1u << PAGE_SHIFT,
	    noifetch ? ", no instruction fetches" : "");
	if (filter > 0)
		fprintf(out, "# references to the last %d pages dropped "
		    "(tracerec -f)\n", filter);
	if (skip > 0)
		fprintf(out, "# the first %" PRIu64 " references skipped\n",
		    skip);
	if (limit > 0)
		while ((len = getline(&line, &cap, in)) >= 0)
			if (!record(line, (size_t)len))
				break;
	if (ferror(in))
		die("%s", inpath, errno);
	free(line);
	if (fflush(out) != 0 || ferror(out))
		die("%s", outpath != NULL ? outpath : "stdout", errno);
	if (out != stdout && fclose(out) != 0)
		die("%s", outpath, errno);
	if (gz != -1) {
		while (waitpid(gz, &status, 0) == -1)
			if (errno != EINTR)
				die("%s", "waitpid", errno);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			die("gzip -9 > %s failed", outpath, 0);
	}
	if (verbose)
		fprintf(stderr, "tracerec: %" PRIu64 " accesses read, %"
		    PRIu64 " other lines, %" PRIu64 " references skipped, %"
		    PRIu64 " written, %zu distinct pages (%.1f MiB)\n", nin,
		    nignored, nskipped, nout, setlen,
		    (double)setlen * (1 << PAGE_SHIFT) / (1 << 20));
	return (0);
}
