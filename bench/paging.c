/*
 * paging: the page-replacement policies replayed on reference traces,
 * through "vmsh replay --sim" (tools/vmsh/replay.c, vmsh(1)).
 *
 * Four policies: default (the FreeBSD-style scanner of vm_pageout.c),
 * clockpro (CLOCK-Pro), and the two simulator bounds, lru and opt
 * (Belady's: the fewest faults any policy can have).  Two sets of
 * traces:
 *
 *   LIRS      the classic block traces of the LIRS and CLOCK-Pro papers
 *             (../shared/traces from the repository root, or -T DIR),
 *             at the cache sizes of their README, which also gives the
 *             hit ratios of straightforward simulators to compare with;
 *   recorded  bench/traces/NAME.trace.gz, real programs recorded on this
 *             machine with Valgrind's Lackey and tracerec(1)
 *             (bench/traces/README.md), at 10, 25, 50 and 75% of their
 *             footprint (the distinct pages they touch).
 *
 * For each trace, memory size and policy it runs
 *
 *	vmsh replay --sim -p POLICY -m PAGES TRACE
 *
 * and reads the last line, "refs=N faults=N hit=P%".  It prints a table
 * (faults and hit ratio per policy) and writes, per trace, a miss-ratio
 * curve over eight memory sizes from 2% to 100% of the footprint into
 * the output directory (-o, default paging-out next to this program):
 * NAME.dat, a gnuplot script NAME.gp and, when gnuplot is installed,
 * NAME.png.  The curves show what one table row cannot: where a policy
 * falls off a cliff (LRU on a loop a page larger than memory) and how
 * far from OPT each is at every size.
 *
 * -c checks CLOCK-Pro against its goals instead: its hit ratio at each
 * README cache size within 1 point of the README's "CLOCK-Pro
 * (reference)"; on cs, gli, ps and loop, at least 60% of the gap from LRU
 * to OPT closed (LRU and OPT as replayed here); on 2_pools, at most 2
 * points below LRU.  The exit status says whether every goal was met.
 *
 * vmsh is found at ../tools/vmsh from this program (the build tree's
 * layout) unless -v gives it.  The runs are independent processes, run
 * -j at a time (default: the number of CPUs).  The footprint of a trace
 * is counted here with vmsh's own trace reader (included below), so the
 * sizes do not depend on the replayer being right.
 */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tools/vmsh/trace.c"

#define	NPOL		4
#define	MAXTRACES	64
#define	MAXSIZES	16
#define	MINPAGES	16
#define	SHARED_TRACES	"/work/shared/traces"	/* the shared tree here */

static const char *const pol[NPOL] = { "default", "clockpro", "lru", "opt" };
enum { P_DEFAULT, P_CLOCKPRO, P_LRU, P_OPT };

/*
 * Curve points, as % of the footprint (-q: every other one), spaced
 * about evenly on the log scale the curves are drawn on: a program's
 * footprint is mostly pages it touches once or twice, and its misses
 * change at a few percent of it, where its hot pages stop fitting.
 */
static const int curve_pct[] = { 2, 5, 10, 20, 35, 50, 75, 100 };
/* Table sizes of the recorded traces, % of the footprint. */
static const int table_pct[] = { 10, 25, 50, 75 };

struct result {
	bool		 done, ok;
	uint64_t	 refs, faults;
	double		 hit;
};

struct trace {
	char		 name[64];
	char		 path[PATH_MAX];
	bool		 lirs;
	uint64_t	 refs, footprint;
	/* The README's row, LIRS traces with a cache size only. */
	uint64_t	 readme_cache;
	double		 ref_lru, ref_clockpro, ref_opt;
	/* Sizes replayed: table sizes first, then the curve's. */
	uint64_t	 size[MAXSIZES];
	bool		 in_table[MAXSIZES], in_curve[MAXSIZES];
	int		 nsize;
	struct result	 r[MAXSIZES][NPOL];
};

static struct trace traces[MAXTRACES];
static int ntraces;
static const char *vmsh;
static bool quick, check;

/* The job list, handed out to -j workers in order. */
struct job {
	struct trace	*t;
	int		 s, p;
};
static struct job *jobs;
static size_t njobs, nextjob, ndone;
static pthread_mutex_t jobmtx = PTHREAD_MUTEX_INITIALIZER;
static char first_error[3 * PATH_MAX + 1024 + 64];

static void
die(const char *fmt, const char *arg)
{
	fprintf(stderr, "paging: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

/*
 * snprintf for paths and commands, where a cut would run the wrong
 * thing: dies instead.
 */
static void
xfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		die("%s", "a path is too long");
}

/* 'text' for sh, whatever the text holds. */
static void
shquote(char *buf, size_t len, const char *s)
{
	size_t n = 0;

	if (n < len)
		buf[n++] = '\'';
	for (; *s != '\0' && n + 5 < len; s++) {
		if (*s == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else
			buf[n++] = *s;
	}
	buf[n++] = '\'';
	buf[n] = '\0';
}

/* The footprint and length of a trace, read with vmsh's reader. */
static int
measure(struct trace *t)
{
	struct vmtrace_ref ref;
	struct vmtrace *vt;
	const char *msg;
	uint64_t *set = NULL, page;
	size_t cap = 0, len = 0, i, mask;
	int error, k;

	if ((error = vmtrace_open(t->path, &vt, &msg)) != 0) {
		fprintf(stderr, "paging: %s: %s: %s\n", t->path, msg,
		    strerror(error));
		return (-1);
	}
	t->refs = 0;
	while ((k = vmtrace_next(vt, &ref)) == 1) {
		t->refs++;
		page = ref.addr >> 12 | (uint64_t)ref.asid << 52;
		if (len * 2 >= cap) {
			uint64_t *old = set;
			size_t ocap = cap;

			cap = cap == 0 ? 1024 : cap * 2;
			if ((set = malloc(cap * sizeof(*set))) == NULL)
				die("%s", "out of memory");
			memset(set, 0xff, cap * sizeof(*set));
			for (i = 0; i < ocap; i++) {
				if (old[i] == UINT64_MAX)
					continue;
				mask = cap - 1;
				size_t j = (size_t)(old[i] *
				    0x9e3779b97f4a7c15ull >> 20) & mask;
				while (set[j] != UINT64_MAX)
					j = (j + 1) & mask;
				set[j] = old[i];
			}
			free(old);
		}
		mask = cap - 1;
		for (i = (size_t)(page * 0x9e3779b97f4a7c15ull >> 20) & mask;
		    set[i] != UINT64_MAX && set[i] != page; i = (i + 1) & mask)
			continue;
		if (set[i] == UINT64_MAX) {
			set[i] = page;
			len++;
		}
	}
	if (k < 0)
		fprintf(stderr, "paging: %s\n", vmtrace_error(vt));
	vmtrace_close(vt);
	free(set);
	t->footprint = len;
	return (k < 0 ? -1 : 0);
}

/*
 * Runs one replay.  The last line of its output is the result; any
 * failure keeps the output's last line (the error message) for the
 * report.
 */
static void
run(struct job *j)
{
	struct result *r = &j->t->r[j->s][j->p];
	char cmd[3 * PATH_MAX], qv[2 * PATH_MAX], qt[2 * PATH_MAX];
	char line[1024], last[1024];
	unsigned long long refs, faults;
	double hit;
	FILE *fp;
	int status;

	shquote(qv, sizeof(qv), vmsh);
	shquote(qt, sizeof(qt), j->t->path);
	xfmt(cmd, sizeof(cmd), "%s replay --sim -p %s -m %" PRIu64
	    " %s 2>&1", qv, pol[j->p], j->t->size[j->s], qt);
	last[0] = '\0';
	if ((fp = popen(cmd, "r")) == NULL) {
		snprintf(last, sizeof(last), "popen: %s", strerror(errno));
		status = -1;
	} else {
		while (fgets(line, sizeof(line), fp) != NULL)
			if (line[0] != '\n')
				memcpy(last, line, sizeof(line));
		status = pclose(fp);
	}
	last[strcspn(last, "\n")] = '\0';
	r->done = true;
	r->ok = status == 0 && sscanf(last, "refs=%llu faults=%llu hit=%lf%%",
	    &refs, &faults, &hit) == 3;
	if (r->ok) {
		r->refs = refs;
		r->faults = faults;
		r->hit = hit;
		return;
	}
	pthread_mutex_lock(&jobmtx);
	if (first_error[0] == '\0')
		snprintf(first_error, sizeof(first_error), "%s\n  -> %s\n"
		    "  (%s)", cmd, last[0] != '\0' ? last : "(no output)",
		    status == -1 ? "not run" :
		    WIFEXITED(status) && WEXITSTATUS(status) == 2 ?
		    "exit status 2, a usage error: does this vmsh have "
		    "\"replay\"?" :
		    status != 0 ? "it failed: the last line of its output "
		    "is above" : "its last line is not "
		    "\"refs=N faults=N hit=P%\"");
	pthread_mutex_unlock(&jobmtx);
}

/*
 * Jobs of the longest traces first, so that the last replays to finish
 * are short ones and the CPUs stay busy to the end.
 */
static int
longest_first(const void *a, const void *b)
{
	const struct job *x = a, *y = b;

	if (x->t->refs != y->t->refs)
		return (x->t->refs < y->t->refs ? 1 : -1);
	if (x->t != y->t)
		return (x->t < y->t ? -1 : 1);
	if (x->s != y->s)
		return (x->s - y->s);
	return (x->p - y->p);
}

static void *
worker(void *arg)
{
	struct job *j;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&jobmtx);
		/* After the first failure, do not start more. */
		j = nextjob < njobs && first_error[0] == '\0' ?
		    &jobs[nextjob++] : NULL;
		pthread_mutex_unlock(&jobmtx);
		if (j == NULL)
			return (NULL);
		run(j);
		pthread_mutex_lock(&jobmtx);
		ndone++;
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "\r%zu/%zu replays", ndone, njobs);
		pthread_mutex_unlock(&jobmtx);
	}
}

/*
 * Adds a memory size to a trace (once), for the table or the curve.  No
 * size below MINPAGES: the recorded traces drop references to their last
 * 16 pages (tracerec -f 16), exact for LRU only from 16 pages up, and a
 * scanner with watermarks has nothing to work with in fewer.
 */
static void
add_size(struct trace *t, uint64_t pages, bool table)
{
	int i;

	if (pages < MINPAGES)
		pages = MINPAGES;
	for (i = 0; i < t->nsize; i++)
		if (t->size[i] == pages)
			break;
	if (i == t->nsize) {
		if (t->nsize == MAXSIZES)
			return;
		t->size[t->nsize++] = pages;
	}
	if (table)
		t->in_table[i] = true;
	else
		t->in_curve[i] = true;
}

/*
 * The README's hit-ratio table: "| cs (563) | 1.8 | ... |", with the
 * columns named by its header row.
 */
static void
read_readme(const char *dir)
{
	char path[PATH_MAX], line[512], *cell[16], *s;
	int col_lru = -1, col_cp = -1, col_opt = -1, n, i;
	FILE *fp;

	xfmt(path, sizeof(path), "%s/README.md", dir);
	if ((fp = fopen(path, "r")) == NULL)
		die("%s: no README.md: the cache sizes are in it", dir);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] != '|')
			continue;
		for (n = 0, s = strtok(line + 1, "|\n"); s != NULL && n < 16;
		    s = strtok(NULL, "|\n")) {
			while (*s == ' ')
				s++;
			cell[n++] = s;
		}
		if (n > 0 && strncmp(cell[0], "trace (cache)", 13) == 0) {
			for (i = 1; i < n; i++) {
				if (strncmp(cell[i], "LRU", 3) == 0)
					col_lru = i;
				else if (strncmp(cell[i], "CLOCK-Pro", 9) == 0)
					col_cp = i;
				else if (strncmp(cell[i], "OPT", 3) == 0)
					col_opt = i;
			}
			continue;
		}
		if (col_cp < 0 || n <= col_cp || n <= col_lru || n <= col_opt)
			continue;
		for (i = 0; i < ntraces; i++) {
			struct trace *t = &traces[i];
			size_t l = strlen(t->name);

			if (!t->lirs || strncmp(cell[0], t->name, l) != 0 ||
			    cell[0][l] != ' ')
				continue;
			t->readme_cache = strtoull(cell[0] + l + 2, NULL, 10);
			t->ref_lru = col_lru > 0 ? atof(cell[col_lru]) : -1;
			t->ref_clockpro = atof(cell[col_cp]);
			t->ref_opt = col_opt > 0 ? atof(cell[col_opt]) : -1;
		}
	}
	fclose(fp);
}

/* Every NAME.SUFFIX in DIR, sorted, as traces. */
static void
add_dir(const char *dir, const char *suffix, bool lirs, char **sel, int nsel)
{
	char cmd[PATH_MAX + 64], q[2 * PATH_MAX], line[PATH_MAX];
	FILE *fp;
	size_t ls = strlen(suffix);
	int i;

	/* ls sorts, and is simpler than scandir for one suffix */
	shquote(q, sizeof(q), dir);
	xfmt(cmd, sizeof(cmd), "ls %s 2>/dev/null", q);
	if ((fp = popen(cmd, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		size_t l = strcspn(line, "\n");
		struct trace *t;

		line[l] = '\0';
		if (l <= ls || strcmp(line + l - ls, suffix) != 0 ||
		    l - ls >= sizeof(t->name))
			continue;
		line[l - ls] = '\0';
		for (i = 0; i < nsel; i++)
			if (strcmp(sel[i], line) == 0)
				break;
		if (nsel > 0 && i == nsel)
			continue;
		if (ntraces == MAXTRACES)
			break;
		t = &traces[ntraces++];
		memset(t, 0, sizeof(*t));
		xfmt(t->name, sizeof(t->name), "%s", line);
		xfmt(t->path, sizeof(t->path), "%s/%s%s", dir, line,
		    suffix);
		t->lirs = lirs;
	}
	pclose(fp);
}

static bool
isdir(const char *path)
{
	struct stat st;

	return (stat(path, &st) == 0 && S_ISDIR(st.st_mode));
}

static const char *
cell(const struct result *r, char *buf, size_t len, bool faults)
{
	if (!r->done)
		snprintf(buf, len, "-");
	else if (!r->ok)
		snprintf(buf, len, "error");
	else if (faults)
		snprintf(buf, len, "%" PRIu64, r->faults);
	else
		snprintf(buf, len, "%.1f", r->hit);
	return (buf);
}

static void
print_table(FILE *out)
{
	char a[32], b[32];
	int i, s, p;

	fprintf(out, "%-10s %8s %8s", "trace", "refs", "pages");
	for (p = 0; p < NPOL; p++)
		fprintf(out, " | %-8s %9s", pol[p], "hit%");
	fprintf(out, "\n");
	for (i = 0; i < ntraces; i++) {
		struct trace *t = &traces[i];

		for (s = 0; s < t->nsize; s++) {
			if (!t->in_table[s])
				continue;
			fprintf(out, "%-10s %8" PRIu64 " %8" PRIu64, t->name,
			    t->refs, t->size[s]);
			for (p = 0; p < NPOL; p++)
				fprintf(out, " | %8s %9s",
				    cell(&t->r[s][p], a, sizeof(a), true),
				    cell(&t->r[s][p], b, sizeof(b), false));
			fprintf(out, "\n");
		}
	}
}

/* NAME.dat, NAME.gp and (with gnuplot) NAME.png in DIR. */
static void
write_curve(const char *dir, struct trace *t, bool have_gnuplot)
{
	char path[PATH_MAX], q[2 * PATH_MAX], cmd[3 * PATH_MAX];
	uint64_t order[MAXSIZES];
	FILE *fp;
	int s, k, n = 0, p;

	for (s = 0; s < t->nsize; s++)
		if (t->in_curve[s])
			order[n++] = (uint64_t)s;
	/* by size: the table's sizes were added first */
	for (s = 1; s < n; s++)
		for (k = s; k > 0 && t->size[order[k]] < t->size[order[k - 1]];
		    k--) {
			uint64_t x = order[k];

			order[k] = order[k - 1];
			order[k - 1] = x;
		}
	xfmt(path, sizeof(path), "%s/%s.dat", dir, t->name);
	if ((fp = fopen(path, "w")) == NULL)
		die("cannot write %s", path);
	fprintf(fp, "# %s: %" PRIu64 " references, footprint %" PRIu64
	    " pages\n# miss ratio (%%) by memory size; ? = no result\n"
	    "# pages  %%footprint", t->name, t->refs, t->footprint);
	for (p = 0; p < NPOL; p++)
		fprintf(fp, " %9s", pol[p]);
	fprintf(fp, "\n");
	for (k = 0; k < n; k++) {
		s = (int)order[k];
		fprintf(fp, "%8" PRIu64 " %10.1f", t->size[s], 100.0 *
		    (double)t->size[s] / (double)t->footprint);
		for (p = 0; p < NPOL; p++) {
			if (t->r[s][p].ok)
				fprintf(fp, " %9.2f", 100.0 - t->r[s][p].hit);
			else
				fprintf(fp, " %9s", "?");
		}
		fprintf(fp, "\n");
	}
	fclose(fp);

	xfmt(path, sizeof(path), "%s/%s.gp", dir, t->name);
	if ((fp = fopen(path, "w")) == NULL)
		die("cannot write %s", path);
	fprintf(fp, "# Miss-ratio curve of %s (gnuplot %s.gp in this "
	    "directory)\n"
	    "set terminal png size 800,500\n"
	    "set output '%s.png'\n"
	    "set title '%s: %" PRIu64 " references, footprint %" PRIu64
	    " pages' noenhanced\n"
	    "set xlabel 'memory (pages, log scale)'\n"
	    "set logscale x\n"
	    "set ylabel 'miss ratio (%%%s)'\n"
	    "%s\n"
	    "set key top right\n"
	    "set grid\n"
	    "set datafile missing '?'\n"
	    "plot", t->name, t->name, t->name, t->name, t->refs,
	    t->footprint, t->lirs ? "" : ", log scale",
	    /* a program's misses span decades: 0.01% to 100% */
	    t->lirs ? "set yrange [0:*]" : "set logscale y\nset yrange [*:100]");
	for (p = 0; p < NPOL; p++)
		fprintf(fp, "%s '%s.dat' using 1:%d with linespoints title "
		    "'%s'", p > 0 ? ", \\\n    " : " ", t->name, p + 3, pol[p]);
	fprintf(fp, "\n");
	fclose(fp);

	if (!have_gnuplot)
		return;
	shquote(q, sizeof(q), dir);
	xfmt(cmd, sizeof(cmd), "cd %s && gnuplot %s.gp", q, t->name);
	if (system(cmd) != 0)
		fprintf(stderr, "paging: gnuplot failed on %s/%s.gp\n", dir,
		    t->name);
}

/* -c: CLOCK-Pro against the README and its goals. */
static int
print_check(void)
{
	static const char *const gap_traces[] = { "cs", "gli", "ps", "loop" };
	int i, s, k, misses = 0, checked = 0, met_n = 0;

	printf("CLOCK-Pro at the README's cache sizes "
	    "(goal: within 1 point of the reference)\n");
	printf("%-10s %6s %9s %9s %7s %7s %7s  %s\n", "trace", "cache",
	    "clockpro", "reference", "diff", "lru", "opt", "goal");
	for (i = 0; i < ntraces; i++) {
		struct trace *t = &traces[i];
		struct result *r;
		const char *goal = "ok";
		char extra[96] = "";
		bool met = true;
		double d;

		if (t->readme_cache == 0)
			continue;
		for (s = 0; s < t->nsize && t->size[s] != t->readme_cache; s++)
			continue;
		r = t->r[s];
		if (s == t->nsize || !r[P_CLOCKPRO].ok || !r[P_LRU].ok ||
		    !r[P_OPT].ok) {
			printf("%-10s %6" PRIu64 "  no result\n", t->name,
			    t->readme_cache);
			misses++;
			continue;
		}
		checked++;
		d = r[P_CLOCKPRO].hit - t->ref_clockpro;
		if (d < -1.0 || d > 1.0)
			met = false;
		for (k = 0; k < 4; k++)
			if (strcmp(t->name, gap_traces[k]) == 0)
				break;
		if (k < 4) {
			double gap = r[P_OPT].hit - r[P_LRU].hit;
			double closed = gap > 0 ? (r[P_CLOCKPRO].hit -
			    r[P_LRU].hit) / gap : 1.0;

			snprintf(extra, sizeof(extra), "; LRU->OPT gap "
			    "closed %.0f%% (goal >= 60%%)", 100 * closed);
			if (closed < 0.6)
				met = false;
		} else if (strcmp(t->name, "2_pools") == 0) {
			double vs = r[P_CLOCKPRO].hit - r[P_LRU].hit;

			snprintf(extra, sizeof(extra), "; %+.1f points from "
			    "LRU (goal >= -2)", vs);
			if (vs < -2.0)
				met = false;
		}
		if (!met) {
			goal = "MISSED";
			misses++;
		} else
			met_n++;
		printf("%-10s %6" PRIu64 " %9.1f %9.1f %+7.1f %7.1f %7.1f  "
		    "%s%s\n", t->name, t->readme_cache, r[P_CLOCKPRO].hit,
		    t->ref_clockpro, d, r[P_LRU].hit, r[P_OPT].hit, goal,
		    extra);
	}
	if (checked == 0) {
		printf("no trace checked\n");
		return (1);
	}
	printf("%d of %d traces meet their goals\n", met_n, checked);
	return (misses == 0 ? 0 : 1);
}

static void
usage(void)
{
	fprintf(stderr, "usage: paging [-cq] [-j jobs] [-o dir] [-T lirs-dir] "
	    "[-t trace]... [-v vmsh]\n"
	    "  -c  check CLOCK-Pro against the LIRS README and its goals\n"
	    "  -j  replays run at once (default: the number of CPUs)\n"
	    "  -o  where the curves go (default: paging-out next to this "
	    "program)\n"
	    "  -q  quick: half the curve points, two table sizes\n"
	    "  -T  the LIRS traces (default: ../shared/traces from the "
	    "source tree)\n"
	    "  -t  only this trace (a name: cs, 2_pools, sort, ...); "
	    "repeatable\n"
	    "  -v  the vmsh binary (default: ../tools/vmsh from this "
	    "program)\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	char self[PATH_MAX], src[PATH_MAX], lirsdir[PATH_MAX];
	char vbuf[PATH_MAX], outdir[PATH_MAX], recdir[PATH_MAX];
	char *sel[MAXTRACES], *d;
	const char *outopt = NULL, *lirsopt = NULL;
	pthread_t tid[64];
	bool have_gnuplot;
	long nj = sysconf(_SC_NPROCESSORS_ONLN);
	int nsel = 0, ch, i, k, s, p;
	FILE *sum;

	while ((ch = getopt(argc, argv, "cj:o:qT:t:v:")) != -1) {
		switch (ch) {
		case 'c':
			check = true;
			break;
		case 'j':
			nj = atol(optarg);
			break;
		case 'o':
			outopt = optarg;
			break;
		case 'q':
			quick = true;
			break;
		case 'T':
			lirsopt = optarg;
			break;
		case 't':
			if (nsel < MAXTRACES)
				sel[nsel++] = optarg;
			break;
		case 'v':
			vmsh = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (nj < 1)
		nj = 1;
	if (nj > 64)
		nj = 64;

	/* This program's directory, and the source tree of this file. */
	xfmt(self, sizeof(self), "%s", argv[0]);
	d = dirname(self);
	if (vmsh == NULL) {
		xfmt(vbuf, sizeof(vbuf), "%s/../tools/vmsh", d);
		vmsh = vbuf;
	}
	if (access(vmsh, X_OK) != 0)
		die("vmsh not found at %s (build it with \"make\", or give "
		    "its path with -v)", vmsh);
	xfmt(outdir, sizeof(outdir), "%s/paging-out", d);
	if (outopt != NULL)
		xfmt(outdir, sizeof(outdir), "%s", outopt);
	xfmt(src, sizeof(src), "%s", __FILE__);
	d = dirname(src);		/* bench/ */
	xfmt(recdir, sizeof(recdir), "%s/traces", d);
	if (lirsopt != NULL)
		xfmt(lirsdir, sizeof(lirsdir), "%s", lirsopt);
	else {
		xfmt(lirsdir, sizeof(lirsdir), "%s/../../shared/traces", d);
		if (!isdir(lirsdir))
			xfmt(lirsdir, sizeof(lirsdir), "%s",
			    SHARED_TRACES);
	}

	/* The traces: LIRS ones (with the README's sizes), then ours. */
	if (isdir(lirsdir)) {
		add_dir(lirsdir, ".trc.gz", true, sel, nsel);
		read_readme(lirsdir);
	} else
		fprintf(stderr, "paging: no LIRS traces (%s): give -T DIR\n",
		    lirsdir);
	if (!check)
		add_dir(recdir, ".trace.gz", false, sel, nsel);
	if (ntraces == 0)
		die("%s", nsel > 0 ? "no trace of that name" : "no traces");

	for (i = 0; i < ntraces; i++) {
		struct trace *t = &traces[i];

		if (measure(t) != 0 || t->footprint == 0)
			die("cannot use the trace %s", t->path);
		if (t->readme_cache != 0)
			add_size(t, t->readme_cache, true);
		if (check)
			continue;
		if (!t->lirs)
			for (k = 0; k < 4; k++)
				if (!quick || k == 1 || k == 2)
					add_size(t, t->footprint *
					    (uint64_t)table_pct[k] / 100, true);
		for (k = 0; k < 8; k++)
			if (!quick || k % 2 == 1)
				add_size(t, t->footprint *
				    (uint64_t)curve_pct[k] / 100, false);
	}

	/* Every replay is a job; the longest traces first. */
	for (i = 0; i < ntraces; i++)
		njobs += (size_t)traces[i].nsize * NPOL;
	if ((jobs = calloc(njobs, sizeof(*jobs))) == NULL)
		die("%s", "out of memory");
	njobs = 0;
	for (i = 0; i < ntraces; i++)
		for (s = 0; s < traces[i].nsize; s++)
			for (p = 0; p < NPOL; p++) {
				if (check && p == P_DEFAULT)
					continue;
				jobs[njobs++] = (struct job){ &traces[i], s,
				    p };
			}
	qsort(jobs, njobs, sizeof(*jobs), longest_first);
	for (i = 0; i < (int)nj; i++)
		if (pthread_create(&tid[i], NULL, worker, NULL) != 0)
			die("%s", "pthread_create failed");
	for (i = 0; i < (int)nj; i++)
		pthread_join(tid[i], NULL);
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\n");
	if (first_error[0] != '\0') {
		/* No table or curve with holes: the cause comes first. */
		fprintf(stderr, "paging: a replay failed; stopped after it:\n"
		    "  %s\n", first_error);
		return (1);
	}

	if (check)
		return (print_check());
	print_table(stdout);
	if (mkdir(outdir, 0777) != 0 && errno != EEXIST)
		die("cannot make %s", outdir);
	have_gnuplot = system("command -v gnuplot >/dev/null 2>&1") == 0;
	if (!have_gnuplot)
		fprintf(stderr, "paging: no gnuplot: the .gp scripts are "
		    "written, not the PNGs (make deps installs it)\n");
	for (i = 0; i < ntraces; i++)
		write_curve(outdir, &traces[i], have_gnuplot);
	xfmt(vbuf, sizeof(vbuf), "%s/table.txt", outdir);
	if ((sum = fopen(vbuf, "w")) != NULL) {
		print_table(sum);
		fclose(sum);
	}
	printf("curves: %s/NAME.{dat,gp%s}\n", outdir, have_gnuplot ?
	    ",png" : "");
	return (0);
}
