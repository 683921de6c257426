/*
 * vmsh fed random, generated and truncated input: whatever it reads, it
 * exits with 0, 1 or 2, never dies of a signal, never hangs, and (in the
 * sanitizer builds) never draws a sanitizer report.
 *
 * Three test cases, each bounded in time:
 *
 *   random_bytes   random bytes, shell-flavoured noise, pathological
 *                  lines and mutated scripts; each parsed only (-n) and
 *                  run (-k), through a file, the standard input or -c;
 *   token_soup     scripts drawn from the command vocabulary: mostly
 *                  plausible commands with odd arguments, some pure
 *                  token noise, blocks opened and closed at random;
 *   truncations    every prefix, by lines and by bytes, of every
 *                  examples/<name>.vms and of the scripts below: every line
 *                  prefix of these scripts run, every byte prefix of
 *                  everything parsed (-n), then as many line prefixes of
 *                  the examples and byte prefixes of the scripts as the
 *                  time allows, in an order drawn from the seed.
 *
 * Generated sizes stay small (a megabyte or so, loops of a few turns,
 * sleeps of a few milliseconds, no full core dumps), so that a run that
 * times out is a hang, not honest slowness.
 *
 * The run is deterministic by seed: case k of a test case is generated
 * from (seed, test case, k) alone.  The budget decides how many cases
 * run.  Both come from the environment or from Kyua's configuration:
 *
 *   VMSH_FUZZ_SECONDS   total budget of the three cases (default 20),
 *                       or kyua -v test_suites.libvm.vmsh_fuzz_seconds=N
 *   VMSH_FUZZ_SEED      the seed (default below; "time" for a new one),
 *                       or kyua -v test_suites.libvm.vmsh_fuzz_seed=N
 *   VMSH_FUZZ_CASE      run only case K of random_bytes and token_soup,
 *                       and print its input (to reproduce a failure)
 *   VMSH                the vmsh binary (default: ../../tools/vmsh from
 *                       this program, the build tree's layout)
 *   VMSH_SRCDIR         the source tree (default: from __FILE__)
 *
 * A failure prints the command, how it ended and the input, and leaves
 * the input in the work directory as fail-N.vms.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define	nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define	DEFAULT_SEED	20261122u
#define	DEFAULT_SECONDS	20.0
#define	MAXSLOTS	4
#define	MAXFAIL		10		/* reported in full, then only counted */
#define	LIMIT_PARSE	10.0		/* seconds a -n run may take */
#define	LIMIT_RUN	30.0		/* seconds a real run may take */

/* ---- configuration ------------------------------------------------------ */

static uint64_t	seed;
static double	budget;			/* seconds, all three test cases */
static int64_t	only = -1;		/* VMSH_FUZZ_CASE */
static char	vmsh[PATH_MAX];
static char	srcdir[PATH_MAX];

static const char *
setting(const atf_tc_t *tc, const char *env, const char *cfg)
{
	const char *v = getenv(env);

	if (v != NULL && v[0] != '\0')
		return (v);
	if (tc != NULL && atf_tc_has_config_var(tc, cfg))
		return (atf_tc_get_config_var(tc, cfg));
	return (NULL);
}

static void
configure(const atf_tc_t *tc)
{
	const char *v;
	char self[PATH_MAX - 32], *p;
	ssize_t n;

	v = setting(tc, "VMSH_FUZZ_SEED", "vmsh_fuzz_seed");
	if (v == NULL)
		seed = DEFAULT_SEED;
	else if (strcmp(v, "time") == 0)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	else
		seed = strtoull(v, NULL, 0);
	v = setting(tc, "VMSH_FUZZ_CASE", "vmsh_fuzz_case");
	only = v != NULL ? (int64_t)strtoll(v, NULL, 0) : -1;
	v = setting(tc, "VMSH_FUZZ_SECONDS", "vmsh_fuzz_seconds");
	budget = v != NULL ? strtod(v, NULL) : DEFAULT_SECONDS;
	if (!(budget > 0))
		budget = DEFAULT_SECONDS;

	if ((v = getenv("VMSH")) != NULL && v[0] != '\0') {
		snprintf(vmsh, sizeof(vmsh), "%s", v);
	} else {
		/* <build>/tests/tools/vmsh_fuzz_test -> <build>/tools/vmsh */
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		ATF_REQUIRE_MSG(n > 0, "readlink /proc/self/exe: %s",
		    strerror(errno));
		self[n] = '\0';
		if ((p = strrchr(self, '/')) != NULL)
			*p = '\0';
		snprintf(vmsh, sizeof(vmsh), "%s/../../tools/vmsh", self);
	}
	ATF_REQUIRE_MSG(access(vmsh, X_OK) == 0, "%s: %s (set VMSH)", vmsh,
	    strerror(errno));

	if ((v = getenv("VMSH_SRCDIR")) != NULL && v[0] != '\0') {
		snprintf(srcdir, sizeof(srcdir), "%s", v);
	} else {
		/* CMake compiles this file by its absolute path. */
		snprintf(srcdir, sizeof(srcdir), "%s", __FILE__);
		p = strstr(srcdir, "/tests/tools/");
		ATF_REQUIRE_MSG(srcdir[0] == '/' && p != NULL,
		    "cannot tell the source tree from %s (set VMSH_SRCDIR)",
		    __FILE__);
		*p = '\0';
	}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* ---- random numbers: splitmix64, one stream a case ----------------------- */

struct rng {
	uint64_t	s;
};

static uint64_t
rnext(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (z ^ (z >> 31));
}

static struct rng
rng_for(int tcase, uint64_t k)
{
	struct rng r = { seed ^ ((uint64_t)tcase << 56) };

	r.s = rnext(&r) ^ k;
	(void)rnext(&r);
	return (r);
}

static uint64_t
below(struct rng *r, uint64_t n)
{
	return (n == 0 ? 0 : rnext(r) % n);
}

/* True with probability pct percent. */
static bool
chance(struct rng *r, unsigned pct)
{
	return (below(r, 100) < pct);
}

#define	PICK(r, a)	((a)[below((r), nitems(a))])

/* ---- growable buffers ------------------------------------------------------ */

struct buf {
	char	*p;
	size_t	 len, cap;
};

static void
bput(struct buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		ATF_REQUIRE(b->p != NULL);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
bstr(struct buf *b, const char *s)
{
	bput(b, s, strlen(s));
}

static void __attribute__((__format__(__printf__, 2, 3)))
bprintf(struct buf *b, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		bput(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n :
		    sizeof(tmp) - 1);
}

/* ---- running vmsh: a pool of children, each with a deadline --------------- */

enum {
	M_PARSE = 1,		/* -n */
	M_KEEP = 2,		/* -k */
	M_TRACE = 4,		/* -x */
	M_STDIN = 8,		/* the input on the standard input */
	M_CMDLINE = 16,		/* the input as -c's argument */
};

struct job {
	pid_t	 pid;
	int	 mode;
	double	 start, limit;
	bool	 killed;
	char	 what[96];
	char	*input;
	size_t	 inlen;
};

struct pool {
	const char	*name;
	int		 nslots;
	struct job	 slot[MAXSLOTS];
	unsigned long	 runs, parses, failures;
	double		 busy;		/* child seconds */
	double		 slowest;	/* seconds, and which run it was */
	char		 slowwhat[96];
};

static void
pool_init(struct pool *pl, const char *name)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	sigset_t set;

	memset(pl, 0, sizeof(*pl));
	pl->name = name;
	pl->nslots = n < 1 ? 1 : n > MAXSLOTS ? MAXSLOTS : (int)n;
	/* An inherited SIG_IGN would reap the children behind our back. */
	signal(SIGCHLD, SIG_DFL);
	/* Children are reaped by sigtimedwait on SIGCHLD. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

static void
write_file(const char *path, const char *s, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ATF_REQUIRE_MSG(fd >= 0, "%s: %s", path, strerror(errno));
	ATF_REQUIRE(n == 0 || write(fd, s, n) == (ssize_t)n);
	close(fd);
}

/* The input as a C string literal, at most max bytes of it. */
static void
print_escaped(FILE *fp, const char *s, size_t n, size_t max)
{
	size_t i;

	fputc('"', fp);
	for (i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			fputs("\\n\"\n\"", fp);
		else if (c == '\\' || c == '"')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(fp, "\\x%02x\"\"", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
	if (n > max)
		fprintf(fp, " ... (%zu bytes in all)", n);
	fputc('\n', fp);
}

static const char *const markers[] = {
	"runtime error:", "AddressSanitizer", "LeakSanitizer",
	"ThreadSanitizer", "MemorySanitizer", "UndefinedBehaviorSanitizer",
};

/* A sanitizer's report in the child's standard error? */
static const char *
scan_stderr(const char *path)
{
	static char line[512];
	FILE *fp = fopen(path, "r");
	size_t i;

	if (fp == NULL)
		return (NULL);
	while (fgets(line, sizeof(line), fp) != NULL)
		for (i = 0; i < nitems(markers); i++)
			if (strstr(line, markers[i]) != NULL) {
				fclose(fp);
				line[strcspn(line, "\n")] = '\0';
				return (line);
			}
	fclose(fp);
	return (NULL);
}

static void
describe_cmd(const struct job *j, int slot, char *buf, size_t len)
{
	snprintf(buf, len, "vmsh%s%s%s %s", (j->mode & M_PARSE) ? " -n" : "",
	    (j->mode & M_KEEP) ? " -k" : "", (j->mode & M_TRACE) ? " -x" : "",
	    (j->mode & M_STDIN) ? "< INPUT" : (j->mode & M_CMDLINE) ?
	    "-c INPUT" : "INPUT");
	(void)slot;
}

static void
finish(struct pool *pl, int slot, int status)
{
	struct job *j = &pl->slot[slot];
	char errpath[32], how[600], cmd[96], keep[32];
	const char *san = NULL;
	bool bad = false;
	FILE *fp;

	snprintf(errpath, sizeof(errpath), "err.%d", slot);
	pl->busy += now() - j->start;
	if (now() - j->start > pl->slowest) {
		pl->slowest = now() - j->start;
		snprintf(pl->slowwhat, sizeof(pl->slowwhat), "%s", j->what);
	}
	if (j->killed) {
		snprintf(how, sizeof(how), "no exit after %.0f s (hang)",
		    j->limit);
		bad = true;
	} else if (WIFSIGNALED(status)) {
		snprintf(how, sizeof(how), "killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
		bad = true;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) > 2) {
		snprintf(how, sizeof(how), "exit status %d",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		bad = true;
	} else if ((san = scan_stderr(errpath)) != NULL) {
		snprintf(how, sizeof(how), "a sanitizer report: %s", san);
		bad = true;
	}
	if (bad) {
		pl->failures++;
		if (pl->failures <= MAXFAIL) {
			snprintf(keep, sizeof(keep), "fail-%lu.vms",
			    pl->failures);
			write_file(keep, j->input, j->inlen);
			describe_cmd(j, slot, cmd, sizeof(cmd));
			fprintf(stderr, "FAIL %s (seed %" PRIu64 ") %s: %s, "
			    "%s; input kept as %s:\n", pl->name, seed,
			    j->what, cmd, how, keep);
			print_escaped(stderr, j->input, j->inlen, 3000);
			if ((fp = fopen(errpath, "r")) != NULL) {
				char line[300];
				int k = 0;

				fprintf(stderr, "its stderr, at most 20 lines:\n");
				while (k++ < 20 &&
				    fgets(line, sizeof(line), fp) != NULL)
					fprintf(stderr, "  | %s", line);
				fclose(fp);
			}
		}
	}
	free(j->input);
	memset(j, 0, sizeof(*j));
}

/* Reaps finished children; with wait, blocks until one slot is free. */
static void
pool_reap(struct pool *pl, bool wait)
{
	sigset_t set;
	struct timespec ts;
	double t, next;
	pid_t pid;
	int status, i, busy;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (;;) {
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (i = 0; i < pl->nslots; i++)
				if (pl->slot[i].pid == pid) {
					finish(pl, i, status);
					break;
				}
		busy = 0;
		next = 0.5;
		t = now();
		for (i = 0; i < pl->nslots; i++) {
			struct job *j = &pl->slot[i];

			if (j->pid == 0)
				continue;
			busy++;
			if (!j->killed && t - j->start > j->limit) {
				kill(j->pid, SIGKILL);
				j->killed = true;
			}
			if (j->start + j->limit - t < next)
				next = j->start + j->limit - t;
		}
		if (!wait || busy < pl->nslots)
			return;
		if (next < 0.001)
			next = 0.001;
		ts.tv_sec = (time_t)next;
		ts.tv_nsec = (long)((next - (double)ts.tv_sec) * 1e9);
		(void)sigtimedwait(&set, NULL, &ts);
	}
}

static void
pool_drain(struct pool *pl)
{
	int i, busy;

	do {
		pool_reap(pl, false);
		for (busy = 0, i = 0; i < pl->nslots; i++)
			busy += pl->slot[i].pid != 0;
		if (busy > 0) {
			sigset_t set;
			struct timespec ts = { 0, 20000000 };

			sigemptyset(&set);
			sigaddset(&set, SIGCHLD);
			(void)sigtimedwait(&set, NULL, &ts);
		}
	} while (busy > 0);
}

/* Starts vmsh on an input; returns at once unless every slot is busy. */
static void
pool_run(struct pool *pl, int mode, const char *in, size_t len,
    const char *fmt, ...)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	char inpath[32], errpath[32], *argv[8], *text = NULL;
	struct job *j;
	va_list ap;
	int argc = 0, slot, error;

	pool_reap(pl, true);
	for (slot = 0; pl->slot[slot].pid != 0; slot++)
		continue;
	j = &pl->slot[slot];
	snprintf(inpath, sizeof(inpath), "in.%d.vms", slot);
	snprintf(errpath, sizeof(errpath), "err.%d", slot);
	write_file(inpath, in, len);

	argv[argc++] = vmsh;
	if (mode & M_PARSE)
		argv[argc++] = "-n";
	if (mode & M_KEEP)
		argv[argc++] = "-k";
	if (mode & M_TRACE)
		argv[argc++] = "-x";
	if (mode & M_CMDLINE) {
		/* An argument ends at its first NUL. */
		text = strndup(in, len);
		ATF_REQUIRE(text != NULL);
		argv[argc++] = "-c";
		argv[argc++] = text;
	} else if (!(mode & M_STDIN)) {
		argv[argc++] = inpath;
	}
	argv[argc] = NULL;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, (mode & M_STDIN) ? inpath :
	    "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, errpath,
	    O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGCHLD);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF);

	memset(j, 0, sizeof(*j));
	j->mode = mode;
	j->limit = (mode & M_PARSE) ? LIMIT_PARSE : LIMIT_RUN;
	j->input = malloc(len + 1);
	ATF_REQUIRE(j->input != NULL);
	memcpy(j->input, in, len);
	j->inlen = len;
	va_start(ap, fmt);
	vsnprintf(j->what, sizeof(j->what), fmt, ap);
	va_end(ap);
	j->start = now();
	error = posix_spawn(&j->pid, vmsh, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	free(text);
	ATF_REQUIRE_MSG(error == 0, "posix_spawn %s: %s", vmsh,
	    strerror(error));
	pl->runs++;
	if (mode & M_PARSE)
		pl->parses++;
}

static void
pool_end(struct pool *pl, double t0)
{
	pool_drain(pl);
	printf("%s: seed %" PRIu64 ", %lu runs (%lu parse only) in %.1f s, "
	    "%lu failed; the slowest took %.2f s (%s)\n", pl->name, seed,
	    pl->runs, pl->parses, now() - t0, pl->failures, pl->slowest,
	    pl->slowwhat);
	fflush(stdout);
	if (pl->failures > 0)
		atf_tc_fail("%lu of %lu vmsh runs crashed, hung or drew a "
		    "sanitizer report (seed %" PRIu64 "; see stderr)",
		    pl->failures, pl->runs, seed);
}

/* ---- the work directory ------------------------------------------------------ */

/* Each test case runs in a directory of its own, emptied at the end. */
static void
enter_workdir(char *dir, size_t len)
{
	char *tmpl = getcwd(dir, len);

	ATF_REQUIRE(tmpl != NULL);
	strncat(dir, "/vmsh-fuzz.XXXXXX", len - strlen(dir) - 1);
	ATF_REQUIRE_MSG(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
	ATF_REQUIRE(chdir(dir) == 0);
}

static void
leave_workdir(const char *dir, const struct pool *pl)
{
	DIR *d;
	struct dirent *de;

	ATF_REQUIRE(chdir("..") == 0);
	if (pl->failures > 0) {
		printf("inputs of the failures kept in %s\n", dir);
		return;
	}
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX + 300];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* ---- the scripts: the examples and a few of our own ---------------------------- */

/*
 * Our own scripts cover what the examples may not: every command, the
 * quoting, blocks and threads.  They boot small, so that each of their
 * line prefixes can run.  Each runs to the end with exit status 0.
 */
static const char script_basics[] =
    "# basics: spaces, mappings, patterns, expect\n"
    "boot physmem=16m seed=9\n"
    "space A B\n"
    "mmap A 64k as x\n"
    "mmap A 16k r private,fixed addr=0x20000000 as ro\n"
    "mmap A 8k rw shared max=rw align=16 as sh\n"
    "fill A $x 64k \"pattern\"; check A $x+7 100 \"pattern\"\n"
    "fill A $x 4k addr; check A $x 4k addr\n"
    "fill A $x+4k 4k rand:42\n"
    "check A $x+4k 4k rand:42\n"
    "write A $x+8k 'lit $x \\n'\n"
    "write A $x+8k+16 \"esc \\t\\\"\\\\ \\x41\\$\"\n"
    "read A $x+8k 40\n"
    "mincore A $x 16k as v\n"
    "expect $v == \"mmmm\"\n"
    "touch A $x+16k 8k r; touch A $x+24k 4k\n"
    "expect SEGV_ACCERR access A $ro w\n"
    "expect SEGV_MAPERR access A 0x1000 r\n"
    "expect ENOMEM mmap A 4k fixed,excl addr=0x20000000\n"
    "expect mismatch check A $x 4k 0\n"
    "minherit A $x 16k share\n"
    "minherit A $x+16k 16k zero\n"
    "minherit A $x+32k 16k none\n"
    "fork A C\n"
    "fill C $x 4k 7; check A $x 4k 7\n"
    "check C $x+16k 16k 0\n"
    "expect SEGV_MAPERR access C $x+32k r\n"
    "mprotect A $x 4k r; mprotect A $x 4k rw\n"
    "madvise A $x 64k willneed; madvise A $x+60k 4k free\n"
    "munmap A $x+48k 16k\n"
    "set n = 3; set s \"a b\"; set h 0x10\n"
    "echo $n ${n} $($n*2+1) \"$s\" '$s' \"\\$s\" $h $($h+1)\n"
    "expect $n*$h >= 48\n"
    "expect \"$s\" != \"b a\"\n"
    "exit C\n"
    "spaces\n";

static const char script_blocks[] =
    "# blocks: repeat, threads, comments and ';'\n"
    "boot physmem=16m ncpu=2\n"
    "space A\n"
    "mmap A 256k as x\n"
    "repeat 3\n"
    "  repeat 2; echo \"i=$i\"; end\n"
    "  fill A $x+$i*4k 4k $i+1\n"
    "end\n"
    "repeat 3; check A $x+$i*4k 4k $i+1; end\n"
    "thread t1\n"
    "  fill A $x+64k 64k rand:1   # a comment\n"
    "  repeat 2\n"
    "    check A $x+64k 64k rand:1\n"
    "  end\n"
    "  echo \"t1 # not a comment\"\n"
    "end\n"
    "thread t2\n"
    "  fill A $x+128k 64k rand:2; sleep 1\n"
    "  check A $x+128k 64k rand:2\n"
    "end\n"
    "join t1\n"
    "join\n"
    "thread t1\n"
    "  mincore A $x 4k\n"
    "end\n"
    "join\n"
    "repeat 0\n"
    "  echo never\n"
    "end\n"
    "set k 2\n"
    "repeat $k\n"
    "  thread w\n"
    "    touch A $x+192k 64k\n"
    "  end\n"
    "  join w\n"
    "end\n"
    "expect res(A,$x) == 51\n"
    "expect entries(A) == 1\n";

static const char script_views[] =
    "# views and the rest of the commands\n"
    "boot physmem=16m\n"
    "space P\n"
    "mmap P 128k as m\n"
    "mmap P 64k rw stack as stk\n"
    "mark\n"
    "touch P $m 32k\n"
    "expect delta(v_zfod) == 8\n"
    "expect counter(v_zfod) >= 8\n"
    "mlock P $m 16k; munlock P $m 8k\n"
    "mlockall P current; munlockall P\n"
    "procstat -v P\n"
    "procstat\n"
    "brk P 0x10000000+64k; brk P 0x10000000+8k\n"
    "setrlimit P data 1m 2m\n"
    "getrlimit P data as lim\n"
    "setrlimit P vmem infinity\n"
    "getrlimit P stack\n"
    "sysctl hw.ncpu hw.pagesize\n"
    "sysctl -n vm.max_user_wired\n"
    "sysctl -d hw.physmem\n"
    "sysctl vm.stats.vm\n"
    "sysctl vm.max_user_wired=2000\n"
    "expect sysctl(vm.max_user_wired) == 2000\n"
    "vmstat\n"
    "vmstat -s\n"
    "swapinfo\n"
    "show map P\n"
    "show object P $m\n"
    "show page P $m\n"
    "expect ENOENT show page P 0x1000\n"
    "coredump P p.core as sz\n"
    "expect $sz > 0\n"
    "help\n"
    "help mmap\n"
    "shutdown\n"
    "boot physmem=16m\n"
    "space Q\n"
    "quit\n"
    "echo not reached\n";

struct source {
	char	 name[80];
	char	*text;
	size_t	 len;
	bool	 ours;		/* small boot: cheap to run */
};

static int
cmp_names(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* The sources, examples first (sorted by name), then ours. */
static size_t
load_sources(struct source **out)
{
	static const struct {
		const char *name, *text;
	} ours[] = {
		{ "basics", script_basics },
		{ "blocks", script_blocks },
		{ "views", script_views },
	};
	struct source *s = NULL;
	char dir[PATH_MAX + 16], path[PATH_MAX + 300], *names[256];
	size_t n = 0, nn = 0, i;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	snprintf(dir, sizeof(dir), "%s/examples", srcdir);
	d = opendir(dir);
	ATF_REQUIRE_MSG(d != NULL, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL && nn < nitems(names)) {
		size_t l = strlen(de->d_name);

		if (l > 4 && strcmp(de->d_name + l - 4, ".vms") == 0)
			names[nn++] = strdup(de->d_name);
	}
	closedir(d);
	ATF_REQUIRE_MSG(nn > 0, "no examples in %s", dir);
	qsort(names, nn, sizeof(names[0]), cmp_names);
	s = calloc(nn + nitems(ours), sizeof(*s));
	ATF_REQUIRE(s != NULL);
	for (i = 0; i < nn; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		fd = open(path, O_RDONLY);
		ATF_REQUIRE_MSG(fd >= 0 && fstat(fd, &st) == 0, "%s: %s", path,
		    strerror(errno));
		s[n].text = malloc((size_t)st.st_size + 1);
		ATF_REQUIRE(s[n].text != NULL);
		ATF_REQUIRE(read(fd, s[n].text, (size_t)st.st_size) ==
		    st.st_size);
		close(fd);
		s[n].text[st.st_size] = '\0';
		s[n].len = (size_t)st.st_size;
		snprintf(s[n].name, sizeof(s[n].name), "examples/%s", names[i]);
		free(names[i]);
		n++;
	}
	for (i = 0; i < nitems(ours); i++) {
		s[n].text = strdup(ours[i].text);
		s[n].len = strlen(ours[i].text);
		s[n].ours = true;
		snprintf(s[n].name, sizeof(s[n].name), "script %s", ours[i].name);
		n++;
	}
	*out = s;
	return (n);
}

/* ---- test case 1: random bytes ------------------------------------------------- */

/* Bytes a shell parser has opinions about, and some it should not. */
static const char noise[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "   \t\t\n\n;;##\"\"''\\\\$${}()==,,::--++**//%%<<>>!!&&|.@_\r\v\f";

static const char *const patho[] = {
	"repeat 1\n", "thread t\n", "end\n", "\"", "'", "\\", "$", "${",
	"$(", "$((((((((((((((((((((", ")))))))))))))))))", "\\x", "\\x4",
	"\"\\x00\"", "\"\\q\"", "#", ";", "echo ", "set v ", "expect ",
	"0xffffffffffffffff", "99999999999999999999999", "1t*1t", "1/0",
	"${aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}",
	"$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};

static void
gen_noise(struct rng *r, struct buf *b)
{
	size_t n = below(r, 600), i;

	switch (below(r, 5)) {
	case 0:			/* any byte, NUL included */
		for (i = 0; i < n; i++) {
			char c = (char)below(r, 256);

			bput(b, &c, 1);
		}
		break;
	case 1:			/* shell-flavoured text */
	case 2:
		for (i = 0; i < n; i++)
			bput(b, &noise[below(r, sizeof(noise) - 1)], 1);
		break;
	case 3:			/* fragments the parser counts */
		for (i = 0; i < n / 8 + 1; i++)
			bstr(b, PICK(r, patho));
		break;
	default:		/* one enormous line or word */
		switch (below(r, 4)) {
		case 0:
			bstr(b, "echo");
			n = 4000 + below(r, 200);
			for (i = 0; i < n; i++)
				bstr(b, " w");
			break;
		case 1:
			bstr(b, "echo ");
			for (i = 0; i < 100000; i++)
				bput(b, "x", 1);
			break;
		case 2:
			n = 10 + below(r, 20);
			for (i = 0; i < n; i++)
				bstr(b, "repeat 1\n");
			bstr(b, "echo deep\n");
			n = below(r, 30);
			for (i = 0; i < n; i++)
				bstr(b, "end\n");
			break;
		default:
			bstr(b, "set v $(");
			n = 30 + below(r, 100);
			for (i = 0; i < n; i++)
				bstr(b, "(");
			bstr(b, "1");
			n = 30 + below(r, 100);
			for (i = 0; i < n; i++)
				bstr(b, ")");
			bstr(b, ")\n");
			break;
		}
		break;
	}
}

/*
 * Whether a mutated script may run for real: its numbers stay small
 * enough that it cannot be honestly slow (no sleep or loop of minutes,
 * no fill of gigabytes).  Mutation can make "sleep 50" into "sleep 5099".
 */
static bool
runnable(const char *s, size_t len)
{
	const uint64_t max = 64ull << 20;
	size_t i = 0, k;
	uint64_t v, mul;
	char *e;

	while (i < len) {
		if (s[i] == '*')
			return (false);
		if (s[i] < '0' || s[i] > '9') {
			i++;
			continue;
		}
		v = strtoull(s + i, &e, 0);
		k = (size_t)(e - s);
		if (k <= i)
			k = i + 1;
		mul = 1;
		if (k < len)
			switch (s[k]) {
			case 'k': case 'K': mul = 1ull << 10; break;
			case 'm': case 'M': mul = 1ull << 20; break;
			case 'p': case 'P': mul = 4096; break;
			case 'g': case 'G': case 't': case 'T': return (false);
			}
		if (v > max / mul)
			return (false);
		i = k;
	}
	/* Loops and sleeps: no more turns or milliseconds than that. */
	for (i = 0; i + 7 < len; i++)
		if (strncmp(s + i, "sleep ", 6) == 0 ||
		    strncmp(s + i, "repeat ", 7) == 0) {
			const char *p = s + i + (s[i] == 's' ? 6 : 7);

			if (strtoull(p, NULL, 0) > 64)
				return (false);
		}
	return (true);
}

static void
mutate(struct rng *r, const struct source *src, struct buf *b)
{
	size_t n, i, at, k;

	bput(b, src->text, src->len);
	n = 1 + below(r, 8);
	for (i = 0; i < n && b->len > 0; i++) {
		at = below(r, b->len);
		switch (below(r, 6)) {
		case 0:		/* flip a byte */
			b->p[at] = (char)below(r, 256);
			break;
		case 1:		/* a byte of noise */
			b->p[at] = noise[below(r, sizeof(noise) - 1)];
			break;
		case 2:		/* delete a run */
			k = below(r, 16);
			if (at + k > b->len)
				k = b->len - at;
			memmove(b->p + at, b->p + at + k, b->len - at - k);
			b->len -= k;
			b->p[b->len] = '\0';
			break;
		case 3: {	/* insert a fragment */
			const char *f = PICK(r, patho);
			struct buf t = { 0 };

			bput(&t, b->p, at);
			bstr(&t, f);
			bput(&t, b->p + at, b->len - at);
			free(b->p);
			*b = t;
			break;
		}
		case 4: {	/* duplicate a chunk */
			struct buf t = { 0 };

			k = below(r, 200);
			if (at + k > b->len)
				k = b->len - at;
			bput(&t, b->p, at + k);
			bput(&t, b->p + at, b->len - at);
			free(b->p);
			*b = t;
			break;
		}
		default:	/* cut the tail */
			b->len = at;
			b->p[at] = '\0';
			break;
		}
	}
}

ATF_TC(random_bytes);
ATF_TC_HEAD(random_bytes, tc)
{
	atf_tc_set_md_var(tc, "descr", "vmsh parses and runs random bytes, "
	    "noise and mutated scripts without a crash, a hang or a "
	    "sanitizer report (bounded by VMSH_FUZZ_SECONDS)");
	atf_tc_set_md_var(tc, "timeout", "3600");
}
ATF_TC_BODY(random_bytes, tc)
{
	struct source *src;
	struct pool pl;
	char dir[PATH_MAX];
	double t0 = now(), end;
	size_t nsrc;
	uint64_t k;

	configure(tc);
	nsrc = load_sources(&src);
	end = t0 + budget * 0.25;
	printf("random_bytes: seed %" PRIu64 ", %.1f s of %.1f s (set "
	    "VMSH_FUZZ_SEED, VMSH_FUZZ_SECONDS)\n", seed, end - t0, budget);
	enter_workdir(dir, sizeof(dir));
	pool_init(&pl, "random_bytes");
	for (k = only >= 0 ? (uint64_t)only : 0; only >= 0 ? k == (uint64_t)only :
	    now() < end && pl.failures < 100; k++) {
		struct rng r = rng_for(1, k);
		struct buf b = { 0 };
		const struct source *s = NULL;
		int via;

		if (chance(&r, 30)) {
			s = &src[below(&r, nsrc)];
			mutate(&r, s, &b);
		} else {
			gen_noise(&r, &b);
		}
		if (b.p == NULL)
			bput(&b, "", 0);
		if (only >= 0)
			print_escaped(stdout, b.p, b.len, SIZE_MAX);
		via = PICK(&r, ((const int[]){ 0, 0, M_STDIN, M_CMDLINE }));
		pool_run(&pl, M_PARSE | via, b.p, b.len, "case %" PRIu64 "%s%s",
		    k, s != NULL ? ", mutated " : "", s != NULL ? s->name : "");
		/*
		 * Run it too, unless a mutation may have made it honestly
		 * slow; mutated examples boot 256 MiB and are left to -n.
		 */
		if (s == NULL || (s->ours && runnable(b.p, b.len)))
			pool_run(&pl, M_KEEP | via | (chance(&r, 20) ? M_TRACE :
			    0), b.p, b.len, "case %" PRIu64 "%s%s", k,
			    s != NULL ? ", mutated " : "", s != NULL ? s->name :
			    "");
		free(b.p);
	}
	leave_workdir(dir, &pl);
	pool_end(&pl, t0);
}

/* ---- test case 2: token soup ---------------------------------------------------- */

/*
 * The vocabulary.  Lengths are small; addresses come from variables set
 * by "mmap ... as"; nothing sleeps or loops for long, nothing boots big,
 * nothing writes a full core.
 */
static const char *const spaces_v[] = { "A", "A", "A", "B", "C", "Z" };
static const char *const addrs[] = {
	"$x", "$x", "$x", "$x+4k", "$x+100", "$x+$n", "$y", "$y+8k", "$_",
	"0x20000000", "0x20000000+4k", "0x1000", "0", "0x10000000",
	"0xffffffffffff0000", "0xfffffffffffff000", "$x-1", "${x}",
	"$(x+4096)", "$((x)+1)", "$s", "\"$x\"",
};
static const char *const lens[] = {
	"0", "1", "100", "4095", "4k", "4k", "8k", "16k", "64k", "1m", "3p",
	"1m+1", "$n", "$n*4k", "0x1000", "4k-1", "2k*2", "64k/2", "\"4k\"",
	"${n}", "$(n*2)",
};
static const char *const prots[] = {
	"r", "rw", "rwx", "r-x", "-w-", "none", "---", "0", "3", "7", "8",
	"0x7fffffff", "rwq", "\"rw\"", "x",
};
static const char *const flagsv[] = {
	"private", "shared", "fixed", "excl", "stack", "nocore", "guard",
	"anon", "nosync", "prefault_read", "32bit", "super", "private,fixed",
	"shared,fixed", "fixed,excl", "private,nocore", "stack,fixed",
	"shared,private", "bogus", ",", "\"\"", "0", "0x7fffffff",
};
static const char *const mmopts[] = {
	"addr=0x20000000", "addr=$x", "addr=0", "max=r", "max=rw", "max=rwx",
	"max=0x7fffffff", "max=q", "align=12", "align=21", "align=47",
	"align=5", "fd=3", "fd=-1", "off=4k", "off=1", "addr=", "max=",
};
static const char *const advs[] = {
	"normal", "random", "sequential", "willneed", "dontneed", "free",
	"nosync", "autosync", "nocore", "core", "protect", "bogus", "99",
	"normal,free", "\"\"",
};
static const char *const inhs[] = {
	"share", "copy", "none", "zero", "bogus", "9", "share,copy",
};
static const char *const pats[] = {
	"0", "1", "255", "256", "0x41", "\"abc\"", "'x$y'", "\"\\x41\\n\"",
	"addr", "rand", "rand:3", "rand:$n", "rand:x", "\"\"", "-1", "$n",
	"\"$s\"",
};
static const char *const accs[] = { "r", "w", "x", "read", "write", "exec",
	"q", "" };
static const char *const ress[] = { "data", "stack", "memlock", "as",
	"vmem", "bogus", "0", "3" };
static const char *const outcomes[] = {
	"ok", "ok", "mismatch", "EINVAL", "ENOMEM", "EFAULT", "EACCES",
	"ENOTSUP", "ENOENT", "EAGAIN", "SIGSEGV", "SIGBUS", "SEGV_MAPERR",
	"SEGV_ACCERR", "BUS_ADRERR", "BUS_OBJERR", "EBOGUS", "0",
};
static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=", "=",
	"=<" };
static const char *const vals[] = {
	"0", "1", "$n", "$x", "$_", "$v", "$s", "\"abc\"", "'lit'", "4k",
	"counter(v_zfod)", "delta(v_zfod)", "sysctl(hw.ncpu)", "res(A,$x)",
	"entries(A)", "entries(Z)", "res(A,0)", "foo(1)", "1/0", "(1+2)*3",
	"0xffffffffffffffff+1", "$nosuch", "${n", "$(1+", "\"\"",
	"counter(nosuch)",
};
static const char *const words[] = {
	"hello", "\"two words\"", "'$x'", "\"$x\"", "\\$x", "\"\\$\"", "$n",
	"${n}x", "$(1+1)", "\"\\t\\\\\\\"\"", "a;b", "\"a;b\"", "#c", "x#y",
	"\"\\x41\"", "\"\\x24n\"", "\"\\q\"", "'", "\"", "as", "end",
};
static const char *const sysctls[] = {
	"hw.ncpu", "hw.physmem", "hw.pagesize", "vm", "vm.stats.vm",
	"vm.stats.vm.v_zfod", "-a", "-n hw.ncpu", "-d vm.max_user_wired",
	"-dn hw.ncpu", "vm.max_user_wired=1000", "vm.max_user_wired=0",
	"vm.max_user_wired=abc", "vm.max_user_wired=-1",
	"vm.aslr.enable=0", "vm.aslr.enable=1", "vm.stack_guard_page=0",
	"vm.imply_prot_max=1", "hw.physmem=1", "nosuch", "nosuch=1", "vm.",
	"-q", "", "kern.random_seed=7", "-n vm.max_user_wired=$n",
	"vm.page_blacklist=x",
};
static const char *const vmstats[] = { "", "-s", "-z", "-m", "-q", "-s -z" };
static const char *const shows[] = { "map", "object", "page", "bogus" };
static const char *const names_v[] = { "x", "y", "n", "s", "v", "_", "i",
	"1x", "a-b", "lim" };
static const char *const boots[] = {
	"boot physmem=16m", "boot physmem=16m ncpu=1", "boot physmem=32m "
	"ncpu=4 seed=3", "boot physmem=16m ndomain=2", "boot physmem=16m "
	"pmap=host", "boot physmem=16m swap=sw.img:1m", "boot bogus=1",
	"boot physmem=4k", "boot physmem", "shutdown",
};
/* Noise tokens: anything, except what opens a block or takes long. */
static const char *const anytok[] = {
	"A", "B", "Z", "$x", "$y", "$n", "$s", "4k", "0", "1", "\"str\"",
	"'lit'", "rw", "none", "shared", "fixed", "as", "x", "=", "==", "-v",
	"-n", "-a", "-z", "$(", ")", "${", "}", "\\", "#", ";", "end", "ok",
	"EINVAL", "mmap", "fill", "check", "expect", "echo", "set", "join",
	"procstat", "help", "addr=$x", "max=r", "rand:1", "mark", "exit",
	"quit", "spaces", "0xffffffffffffffff", "\"\\x41\"", "\"\\q\"",
};

/* Appends a word, after a blank unless at the start of a line. */
static void
word(struct buf *b, const char *s)
{
	if (b->len > 0 && b->p[b->len - 1] != '\n' && b->p[b->len - 1] != ' ')
		bput(b, " ", 1);
	bstr(b, s);
}

/*
 * One random word of a vocabulary.  (Each draw is a statement of its own:
 * the order in which a compiler evaluates arguments is not the seed's.)
 */
#define	W(a)	word(b, PICK(r, a))

static const char *const space_args[] = { "A", "B", "C", "A B", "1bad", "Z9" };
static const char *const exit_args[] = { "C", "B", "A", "Z" };
static const char *const as_vars[] = { "x", "x", "y", "v", "1x", "i" };
static const char *const lock_cmds[] = { "mlock", "munlock" };
static const char *const mcl_args[] = { "current", "future",
	"current,future", "bogus", "0" };
static const char *const brk_args[] = { "0x10000000+64k", "0x10000000",
	"0x10000000+1", "0", "0x10000000+1m", "$x" };
static const char *const rl_vals[] = { "1m", "0", "infinity", "64k", "$n" };
static const char *const fill_cmds[] = { "fill", "check" };
static const char *const read_lens[] = { "1", "16", "100", "4k", "0",
	"65537" };
static const char *const n_vals[] = { "0", "1", "7", "4k/4096", "\"3\"",
	"x" };
static const char *const core_names[] = { "core.0", "core.1", "core.2" };
static const char *const misc[] = { "help", "help mmap", "help nosuch",
	"join", "join t0", "join t1 t2", "sleep 1", "sleep 0", "sleep 600001",
	"sleep 2", "quit", "exit", "quit now" };

static void
gen_simple(struct rng *r, struct buf *b)
{
	const char *S = PICK(r, spaces_v);
	const char *c;

	switch (below(r, 34)) {
	case 0:
		word(b, "space");
		W(space_args);
		break;
	case 1:
		word(b, "fork");
		word(b, S);
		W(spaces_v);
		break;
	case 2:
		word(b, "exit");
		W(exit_args);
		break;
	case 3:
		word(b, "spaces");
		break;
	case 4:
	case 5:
	case 6:
		word(b, "mmap");
		word(b, S);
		W(lens);
		if (chance(r, 60))
			W(prots);
		if (chance(r, 40))
			W(flagsv);
		if (chance(r, 30))
			W(mmopts);
		if (chance(r, 10))
			W(mmopts);
		if (chance(r, 70)) {
			word(b, "as");
			W(as_vars);
		}
		break;
	case 7:
		word(b, "munmap");
		word(b, S);
		W(addrs);
		W(lens);
		break;
	case 8:
		word(b, "mprotect");
		word(b, S);
		W(addrs);
		W(lens);
		W(prots);
		break;
	case 9:
		word(b, "madvise");
		word(b, S);
		W(addrs);
		W(lens);
		W(advs);
		break;
	case 10:
		word(b, "minherit");
		word(b, S);
		W(addrs);
		W(lens);
		W(inhs);
		break;
	case 11:
		word(b, "mincore");
		word(b, S);
		W(addrs);
		W(lens);
		if (chance(r, 50))
			word(b, "as v");
		break;
	case 12:
		W(lock_cmds);
		word(b, S);
		W(addrs);
		W(lens);
		break;
	case 13:
		if (chance(r, 50)) {
			word(b, "mlockall");
			word(b, S);
			W(mcl_args);
		} else {
			word(b, "munlockall");
			word(b, S);
		}
		break;
	case 14:
		word(b, "brk");
		word(b, S);
		W(brk_args);
		break;
	case 15:
		if (chance(r, 50)) {
			word(b, "setrlimit");
			word(b, S);
			W(ress);
			W(rl_vals);
			if (chance(r, 40))
				word(b, "2m");
		} else {
			word(b, "getrlimit");
			word(b, S);
			W(ress);
			if (chance(r, 30))
				word(b, "as lim");
		}
		break;
	case 16:
		word(b, "write");
		word(b, S);
		W(addrs);
		W(words);
		break;
	case 17:
	case 18:
		W(fill_cmds);
		word(b, S);
		W(addrs);
		W(lens);
		W(pats);
		break;
	case 19:
		word(b, "read");
		word(b, S);
		W(addrs);
		W(read_lens);
		break;
	case 20:
		word(b, "touch");
		word(b, S);
		W(addrs);
		W(lens);
		if (chance(r, 50))
			W(accs);
		break;
	case 21:
		word(b, "access");
		word(b, S);
		W(addrs);
		W(accs);
		break;
	case 22:
		word(b, "mark");
		break;
	case 23:
		c = PICK(r, names_v);
		word(b, "set");
		word(b, c);
		if (chance(r, 30))
			word(b, "=");
		/* $n is a length and a count: keep it small. */
		if (strcmp(c, "n") == 0)
			W(n_vals);
		else
			W(vals);
		break;
	case 24:
		word(b, "echo");
		W(words);
		W(vals);
		break;
	case 25:
		word(b, "expect");
		W(vals);
		W(ops);
		W(vals);
		break;
	case 26:
		word(b, "procstat");
		if (chance(r, 50))
			word(b, "-v");
		if (chance(r, 60))
			word(b, S);
		break;
	case 27:
		word(b, "vmstat");
		W(vmstats);
		break;
	case 28:
		word(b, "sysctl");
		W(sysctls);
		break;
	case 29:
		word(b, "swapinfo");
		break;
	case 30:
		word(b, "show");
		W(shows);
		word(b, S);
		if (chance(r, 80))
			W(addrs);
		break;
	case 31:
		/* Sparse cores only: a full one of a big mapping is big. */
		word(b, "coredump");
		word(b, S);
		W(core_names);
		if (chance(r, 10))
			word(b, "-g");
		else if (chance(r, 20))
			word(b, "as v");
		break;
	case 32:
		c = PICK(r, misc);
		if ((strcmp(c, "quit") == 0 || strcmp(c, "exit") == 0) &&
		    !chance(r, 20))
			c = "echo not quitting";
		word(b, c);
		break;
	default:
		/*
		 * Rarely: after a failed boot or a shutdown, the next command
		 * boots the default 256 MiB, which takes a quarter second.
		 */
		if (chance(r, 25))
			W(boots);
		else
			word(b, "spaces");
		break;
	}
}

static const char *const repeat_args[] = { "0", "1", "2", "3", "x", "1 2",
	"$n%4" };
static const char *const first_maps[] = { "64k", "1m", "16k", "4k" };
static const char *const s_vals[] = { "abc", "4k", "a b", "" };

/* One command line: plausible, or noise; blocks recurse. */
static void
gen_command(struct rng *r, struct buf *b, int depth)
{
	unsigned i, n;

	if (depth < 3 && chance(r, 8)) {
		bool thr = chance(r, 40);

		if (thr)
			bprintf(b, "thread t%u\n", (unsigned)below(r, 3));
		else
			bprintf(b, "repeat %s\n", PICK(r, repeat_args));
		n = (unsigned)below(r, 5);
		for (i = 0; i < n; i++)
			gen_command(r, b, depth + 1);
		if (!chance(r, 5))		/* sometimes never closed */
			bstr(b, "end\n");
		return;
	}
	if (chance(r, 4)) {			/* pure noise */
		n = 1 + (unsigned)below(r, 6);
		for (i = 0; i < n; i++)
			bprintf(b, "%s%s", i ? " " : "", PICK(r, anytok));
		bstr(b, "\n");
		return;
	}
	if (chance(r, 12))
		bprintf(b, "expect %s ", PICK(r, outcomes));
	gen_simple(r, b);
	if (chance(r, 6))			/* a stray word */
		bprintf(b, " %s", PICK(r, anytok));
	if (chance(r, 10)) {			/* a second command */
		bstr(b, "; ");
		gen_simple(r, b);
	}
	if (chance(r, 5))
		bstr(b, " # comment");
	bstr(b, "\n");
}

static void
gen_soup(struct rng *r, struct buf *b)
{
	unsigned i, n = 1 + (unsigned)below(r, 30);

	if (!chance(r, 3))
		bstr(b, "boot physmem=16m\n");
	if (!chance(r, 10))
		bstr(b, "space A B\n");
	if (!chance(r, 10))
		bprintf(b, "mmap A %s as x\n", PICK(r, first_maps));
	if (chance(r, 60))
		bstr(b, "mmap A 64k rw shared as y\n");
	bprintf(b, "set n %u\n", (unsigned)below(r, 9));
	bprintf(b, "set s \"%s\"\n", PICK(r, s_vals));
	for (i = 0; i < n; i++)
		gen_command(r, b, 0);
	if (chance(r, 50))
		bstr(b, "join\n");
}

ATF_TC(token_soup);
ATF_TC_HEAD(token_soup, tc)
{
	atf_tc_set_md_var(tc, "descr", "vmsh runs scripts drawn at random "
	    "from its vocabulary without a crash, a hang or a sanitizer "
	    "report (bounded by VMSH_FUZZ_SECONDS)");
	atf_tc_set_md_var(tc, "timeout", "3600");
}
ATF_TC_BODY(token_soup, tc)
{
	struct pool pl;
	char dir[PATH_MAX];
	double t0 = now(), end;
	uint64_t k;

	configure(tc);
	end = t0 + budget * 0.40;
	printf("token_soup: seed %" PRIu64 ", %.1f s of %.1f s\n", seed,
	    end - t0, budget);
	enter_workdir(dir, sizeof(dir));
	pool_init(&pl, "token_soup");
	for (k = only >= 0 ? (uint64_t)only : 0; only >= 0 ? k == (uint64_t)only :
	    now() < end && pl.failures < 100; k++) {
		struct rng r = rng_for(2, k);
		struct buf b = { 0 };
		int mode = chance(&r, 75) ? M_KEEP : 0;

		gen_soup(&r, &b);
		if (only >= 0)
			printf("%s", b.p);
		if (chance(&r, 10))
			mode |= M_TRACE;
		if (chance(&r, 10))
			mode |= M_STDIN;
		pool_run(&pl, mode, b.p, b.len, "case %" PRIu64, k);
		if (chance(&r, 10))
			pool_run(&pl, M_PARSE, b.p, b.len, "case %" PRIu64, k);
		free(b.p);
	}
	leave_workdir(dir, &pl);
	pool_end(&pl, t0);
}

/* ---- test case 3: truncations ------------------------------------------------ */

struct cut {
	uint32_t	src;
	uint32_t	len;
};

/*
 * Whether cutting text at p (keeping p bytes) ends inside a word, where
 * every other cut of the same word leaves the parser in the same state,
 * or at a boundary: a change of character class, or after a character
 * the parser treats specially.  Comments are all alike.
 */
static int
charclass(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.')
		return ('a');
	if (c == ' ' || c == '\t')
		return (' ');
	return (c);
}

static bool
boundary(const char *text, size_t p)
{
	size_t b = p;

	while (b > 0 && text[b - 1] != '\n')
		b--;
	while (b < p && (text[b] == ' ' || text[b] == '\t'))
		b++;
	if (b < p && text[b] == '#')
		return (false);
	return (charclass((unsigned char)text[p - 1]) !=
	    charclass((unsigned char)text[p]) ||
	    strchr("\"'\\$({})#;", text[p - 1]) != NULL);
}

/* Fisher-Yates, from the seed. */
static void
shuffle(struct rng *r, struct cut *c, size_t n)
{
	size_t i, j;
	struct cut t;

	for (i = n; i > 1; i--) {
		j = below(r, i);
		t = c[i - 1];
		c[i - 1] = c[j];
		c[j] = t;
	}
}

ATF_TC(truncations);
ATF_TC_HEAD(truncations, tc)
{
	atf_tc_set_md_var(tc, "descr", "every prefix by lines and by bytes "
	    "of every example and of our scripts: parsed, and run as time "
	    "allows, without a crash, a hang or a sanitizer report");
	atf_tc_set_md_var(tc, "timeout", "3600");
}
ATF_TC_BODY(truncations, tc)
{
	struct source *src;
	struct cut *lines, *bytes, *rest, *runs;
	size_t nsrc, nl = 0, nb = 0, nbound, nrest = 0, nr = 0, i, s, p, done;
	struct rng r = rng_for(3, 0);
	struct pool pl;
	char dir[PATH_MAX];
	double t0 = now(), t1, end, mid;

	configure(tc);
	nsrc = load_sources(&src);
	end = t0 + budget * 0.35;
	printf("truncations: seed %" PRIu64 ", %.1f s of %.1f s\n", seed,
	    end - t0, budget);
	for (s = 0, p = 0; s < nsrc; s++)
		p += src[s].len + 1;
	lines = calloc(p, sizeof(*lines));
	bytes = calloc(p, sizeof(*bytes));
	rest = calloc(p, sizeof(*rest));
	runs = calloc(p, sizeof(*runs));
	ATF_REQUIRE(lines != NULL && bytes != NULL && rest != NULL &&
	    runs != NULL);
	for (s = 0; s < nsrc; s++) {
		for (p = 0; p <= src[s].len; p++) {
			bool eol = p == 0 || p == src[s].len ||
			    src[s].text[p - 1] == '\n';

			if (eol)
				lines[nl++] = (struct cut){ s, p };
			else if (boundary(src[s].text, p))
				bytes[nb++] = (struct cut){ s, p };
			else
				rest[nrest++] = (struct cut){ s, p };
			/* Later real runs: examples by line, ours by byte. */
			if (!eol && src[s].ours)
				runs[nr++] = (struct cut){ s, p };
			else if (eol && !src[s].ours)
				runs[nr++] = (struct cut){ s, p };
		}
	}
	/* The cuts at a boundary first, then the others, each shuffled. */
	nbound = nb;
	shuffle(&r, bytes, nb);
	shuffle(&r, rest, nrest);
	memcpy(bytes + nb, rest, nrest * sizeof(*rest));
	nb += nrest;
	shuffle(&r, runs, nr);
	enter_workdir(dir, sizeof(dir));
	pool_init(&pl, "truncations");

	/* 1. Each line prefix parsed, and run when the script boots small. */
	for (i = 0; i < nl; i++) {
		const struct source *sc = &src[lines[i].src];

		pool_run(&pl, M_PARSE, sc->text, lines[i].len,
		    "%s, first %u bytes", sc->name, lines[i].len);
		if (sc->ours)
			pool_run(&pl, i % 3 == 0 ? M_KEEP : 0, sc->text,
			    lines[i].len, "%s, first %u bytes", sc->name,
			    lines[i].len);
	}
	/* 2. Every other byte prefix parsed, for half the time left. */
	t1 = now();
	mid = t1 + (end - t1) / 2;
	for (done = 0; done < nb && now() < mid; done++) {
		const struct source *sc = &src[bytes[done].src];

		pool_run(&pl, M_PARSE, sc->text, bytes[done].len,
		    "%s, first %u bytes", sc->name, bytes[done].len);
	}
	printf("truncations: %zu line prefixes (%.1f s), %zu of %zu other "
	    "byte prefixes parsed (%zu at a token boundary; %.1f s)\n", nl,
	    t1 - t0, done, nb, nbound, now() - t1);
	/* 3. Real runs: example line prefixes, our byte prefixes. */
	for (i = 0; i < nr && now() < end; i++) {
		const struct source *sc = &src[runs[i].src];

		pool_run(&pl, 0, sc->text, runs[i].len, "%s, first %u bytes",
		    sc->name, runs[i].len);
	}
	printf("truncations: %zu of %zu example line prefixes and our byte "
	    "prefixes run%s\n", i, nr, i < nr ? " (raise VMSH_FUZZ_SECONDS "
	    "for all)" : "");
	leave_workdir(dir, &pl);
	for (s = 0; s < nsrc; s++)
		free(src[s].text);
	free(src);
	free(lines);
	free(bytes);
	free(rest);
	free(runs);
	pool_end(&pl, t0);
}

/* Our own scripts must pass, or their prefixes test little. */
ATF_TC(scripts_pass);
ATF_TC_HEAD(scripts_pass, tc)
{
	atf_tc_set_md_var(tc, "descr", "the scripts the truncations use run "
	    "to the end with exit status 0");
}
ATF_TC_BODY(scripts_pass, tc)
{
	struct source *src;
	size_t nsrc, s;
	char dir[PATH_MAX];
	int status;
	pid_t pid;

	configure(tc);
	nsrc = load_sources(&src);
	enter_workdir(dir, sizeof(dir));
	for (s = 0; s < nsrc; s++) {
		char *argv[] = { vmsh, "t.vms", NULL }, line[300];
		posix_spawn_file_actions_t fa;
		FILE *fp;

		if (!src[s].ours)
			continue;
		write_file("t.vms", src[s].text, src[s].len);
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null",
		    O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 2, "err",
		    O_WRONLY | O_CREAT | O_TRUNC, 0644);
		ATF_REQUIRE(posix_spawn(&pid, vmsh, &fa, NULL, argv,
		    environ) == 0);
		posix_spawn_file_actions_destroy(&fa);
		ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			continue;
		if ((fp = fopen("err", "r")) != NULL) {
			while (fgets(line, sizeof(line), fp) != NULL)
				fprintf(stderr, "%s: %s", src[s].name, line);
			fclose(fp);
		}
		atf_tc_fail_nonfatal("%s: status %#x", src[s].name, status);
	}
	{
		struct pool none;

		memset(&none, 0, sizeof(none));
		leave_workdir(dir, &none);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, scripts_pass);
	ATF_TP_ADD_TC(tp, random_bytes);
	ATF_TP_ADD_TC(tp, token_soup);
	ATF_TP_ADD_TC(tp, truncations);
	return (atf_no_error());
}
