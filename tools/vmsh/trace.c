/*
 * Page-reference traces: opening (plain, gzip, stdin), telling the two
 * formats apart, and parsing a line (the formats are in trace.h and
 * docs/traces.md).
 *
 * Compression is recognised by gzip's magic bytes (1f 8b), not by the
 * name, so "-" and a misnamed file work too.  The bytes are peeked
 * through stdio; the decompressor is a "gzip -dc" child writing into a
 * pipe that we read with stdio as if it were the file.  Its standard
 * input is the trace itself, rewound to where the magic started when the
 * file can seek.  A pipe cannot be rewound, and the peeked bytes (and
 * whatever else stdio has buffered) are already out of it, so a small
 * forked feeder writes them and then the rest of the pipe into gzip.
 * The children are spawned with posix_spawnp (and the feeder forked)
 * with every descriptor of ours close-on-exec, since vmsh may already be
 * running libvm's threads.  A gzip that fails (corrupt or truncated
 * data) shows up as an early end of its output: the end of the trace is
 * therefore only reported after gzip's exit status has been checked.
 *
 * Parsing is by hand over the line getline(3) returned: traces run to
 * millions of lines, and strtoull and sscanf cost locale handling and
 * more passes than a decimal or hexadecimal number needs.  Every number
 * is checked for overflow, and every byte of a line must be accounted
 * for, so a damaged trace is reported with its line rather than replayed
 * as something else.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace.h"

extern char **environ;

struct vmtrace {
	FILE		*fp;		/* the trace, or gzip's output */
	char		*name;		/* for messages */
	bool		 lirs;		/* LIRS format, else libvm's */
	bool		 pending;	/* buf holds a line not yet parsed */
	bool		 ended;		/* getline reached the end */
	uint64_t	 line;		/* number of the line in buf */
	char		*buf;
	size_t		 cap;
	ssize_t		 len;
	pid_t		 gzip;		/* -1: none, or already waited for */
	pid_t		 feeder;	/* -1: none */
	char		 err[256];
};

static inline bool
isblank_(int c)
{

	return (c == ' ' || c == '\t');
}

/*
 * Records "FILE:LINE: reason in "text"" for vmtrace_error, and sets
 * errno.  The line's text is quoted (cut, and with unprintable bytes as
 * '?') because the user's next step is to look at it.
 */
static int
fail(struct vmtrace *t, int error, const char *reason)
{
	char text[48];
	size_t i, n;

	n = t->len > 0 ? (size_t)t->len : 0;
	while (n > 0 && (t->buf[n - 1] == '\n' || t->buf[n - 1] == '\r'))
		n--;
	if (n > sizeof(text) - 4)
		n = sizeof(text) - 4;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t->buf[i];

		text[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (n == sizeof(text) - 4 && (size_t)t->len > n) {
		memcpy(text + n, "...", 3);
		n += 3;
	}
	text[n] = '\0';
	if (error == EINVAL)
		snprintf(t->err, sizeof(t->err), "%s:%" PRIu64 ": %s in \"%s\"",
		    t->name, t->line, reason, text);
	else
		snprintf(t->err, sizeof(t->err), "%s:%" PRIu64 ": %s",
		    t->name, t->line, reason);
	errno = error;
	return (-1);
}

/* Reads the next line into t->buf; false at the end or on an error. */
static bool
readline_(struct vmtrace *t)
{

	t->len = getline(&t->buf, &t->cap, t->fp);
	if (t->len < 0) {
		t->len = 0;
		t->ended = true;
		return (false);
	}
	t->line++;
	return (true);
}

/*
 * Starts "gzip -dc" reading PATH (opened anew by the child, so that
 * nothing we do with our descriptor of it moves gzip's offset), or when
 * FEED is set what a forked feeder writes: the two magic bytes, then the
 * rest of FEED, or else our standard input as it is.
 * => returns the read end of gzip's output, or -1 with errno set.
 */
static int
start_gzip(struct vmtrace *t, const char *path, FILE *feed)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { "gzip", "-dc", NULL };
	int out[2], in[2] = { -1, -1 };
	int error;

	if (pipe2(out, O_CLOEXEC) != 0)
		return (-1);
	if (feed != NULL) {
		if (pipe2(in, O_CLOEXEC) != 0)
			goto fail;
		t->feeder = fork();
		if (t->feeder == -1)
			goto fail;
		if (t->feeder == 0) {
			/*
			 * Only unlocked stdio and write(2) here: another
			 * thread of the parent may have held a lock at the
			 * fork.  The FILE's buffer is our copy of it.
			 */
			static const char magic[2] = { 0x1f, (char)0x8b };
			char b[65536];
			size_t n, off;
			ssize_t w;

			/*
			 * Holding gzip's output open would keep the reader
			 * from seeing its end while we wait on our input.
			 */
			close(out[0]);
			close(out[1]);
			close(in[0]);
			signal(SIGPIPE, SIG_DFL);
			if (write(in[1], magic, 2) != 2)
				_exit(1);
			while ((n = fread_unlocked(b, 1, sizeof(b), feed)) > 0)
				for (off = 0; off < n; off += (size_t)w)
					if ((w = write(in[1], b + off,
					    n - off)) <= 0)
						_exit(1);
			_exit(0);
		}
		close(in[1]);
		in[1] = -1;
	}
	posix_spawn_file_actions_init(&fa);
	if (path != NULL)
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, path,
		    O_RDONLY, 0);
	else if (in[0] != -1)
		posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	error = posix_spawnp(&t->gzip, "gzip", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (error != 0) {
		t->gzip = -1;
		errno = error;
		goto fail;
	}
	if (in[0] != -1)
		close(in[0]);
	close(out[1]);
	return (out[0]);
fail:
	error = errno;
	close(out[0]);
	close(out[1]);
	if (in[0] != -1)
		close(in[0]);
	if (in[1] != -1)
		close(in[1]);
	errno = error;
	return (-1);
}

/*
 * Peeks at the magic bytes of T->fp (PATH, or stdin when PATH is NULL)
 * and, for gzip, replaces T->fp by gzip's output.  0 or an errno, with
 * *errp set.
 */
static int
open_gzip(struct vmtrace *t, const char *path, const char **errp)
{
	off_t start = path == NULL ? ftello(t->fp) : 0;
	FILE *fp = t->fp;
	int c, fd;

	c = getc(fp);
	if (c != 0x1f) {
		if (c != EOF)
			ungetc(c, fp);
		else if (ferror(fp)) {
			*errp = "cannot read the trace";
			return (errno != 0 ? errno : EIO);
		}
		return (0);
	}
	if (getc(fp) != 0x8b) {
		/* 1f starts neither text format: no point reading on */
		*errp = "not a trace (binary data that is not gzip)";
		return (EINVAL);
	}
	if (path != NULL)
		fd = start_gzip(t, path, NULL);
	else if (start != -1 && lseek(STDIN_FILENO, start, SEEK_SET) == start)
		fd = start_gzip(t, NULL, NULL);
	else
		fd = start_gzip(t, NULL, fp);
	if (fd == -1 || (t->fp = fdopen(fd, "r")) == NULL) {
		int error = errno;

		if (fd != -1)
			close(fd);
		t->fp = fp;
		*errp = "cannot run \"gzip -dc\" to read the compressed trace";
		return (error);
	}
	/* gzip holds its own descriptor of the file. */
	if (fp != stdin)
		fclose(fp);
	return (0);
}

int
vmtrace_open(const char *path, struct vmtrace **tp, const char **errp)
{
	struct vmtrace *t;
	const char *p;
	int error;
	ssize_t n;

	*tp = NULL;
	*errp = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL || (t->name = strdup(strcmp(path, "-") == 0 ?
	    "stdin" : path)) == NULL) {
		free(t);
		*errp = "out of memory";
		return (ENOMEM);
	}
	t->gzip = t->feeder = -1;
	if (strcmp(path, "-") == 0)
		t->fp = stdin;
	else if ((t->fp = fopen(path, "re")) == NULL) {
		error = errno;
		*errp = "cannot open the trace";
		goto fail;
	}
	if ((error = open_gzip(t, strcmp(path, "-") == 0 ? NULL : path,
	    errp)) != 0)
		goto fail;

	/* The first line tells the format; a LIRS one is data. */
	if (!readline_(t)) {
		if (ferror(t->fp)) {
			error = errno != 0 ? errno : EIO;
			*errp = "cannot read the trace";
			goto fail;
		}
		t->lirs = true;		/* empty: no references */
		*tp = t;
		return (0);
	}
	n = t->len;
	while (n > 0 && (t->buf[n - 1] == '\n' || t->buf[n - 1] == '\r' ||
	    isblank_(t->buf[n - 1])))
		n--;
	p = VMTRACE_HEADER;
	if ((size_t)n == strlen(p) && memcmp(t->buf, p, (size_t)n) == 0)
		t->lirs = false;
	else if (strncmp(t->buf, "# libvm trace", 13) == 0) {
		*errp = "unsupported libvm trace version (this one reads "
		    "\"" VMTRACE_HEADER "\")";
		error = EINVAL;
		goto fail;
	} else {
		t->lirs = true;
		t->pending = true;
	}
	*tp = t;
	return (0);
fail:
	vmtrace_close(t);
	return (error);
}

/* A LIRS line: blanks, a decimal block number, blanks. */
static int
parse_lirs(struct vmtrace *t, const char *p, const char *e,
    struct vmtrace_ref *ref)
{
	uint64_t v = 0;
	const char *d;

	if (p == e || (e - p == 1 && *p == '*'))
		return (0);
	for (d = p; p < e && *p >= '0' && *p <= '9'; p++) {
		unsigned dig = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - dig) / 10)
			return (fail(t, EINVAL, "block number too large"));
		v = v * 10 + dig;
	}
	if (p == d || p != e)
		return (fail(t, EINVAL, "not a block number"));
	if (v > UINT64_MAX / VMTRACE_LIRS_PAGE)
		return (fail(t, EINVAL, "block number too large (its address "
		    "does not fit in 64 bits)"));
	ref->asid = 0;
	ref->addr = v * VMTRACE_LIRS_PAGE;
	ref->write = false;
	return (1);
}

/* A libvm line: ASID 0xADDR R|W, or a comment. */
static int
parse_libvm(struct vmtrace *t, const char *p, const char *e,
    struct vmtrace_ref *ref)
{
	uint64_t asid = 0, addr = 0;
	const char *d;

	if (p == e || *p == '#')
		return (0);
	for (d = p; p < e && *p >= '0' && *p <= '9'; p++) {
		asid = asid * 10 + (uint64_t)(*p - '0');
		if (asid > UINT32_MAX)
			return (fail(t, EINVAL, "ASID too large"));
	}
	if (p == d || (p != e && !isblank_(*p)))
		return (fail(t, EINVAL, "bad ASID (a decimal number expected)"));
	if (p == e)
		return (fail(t, EINVAL, "no address after the ASID"));
	while (p < e && isblank_(*p))
		p++;
	if (e - p < 2 || p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
		return (fail(t, EINVAL,
		    "bad address (hexadecimal with 0x expected)"));
	for (p += 2, d = p; p < e; p++) {
		unsigned dig;

		if (*p >= '0' && *p <= '9')
			dig = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			dig = (unsigned)(*p - 'a' + 10);
		else if (*p >= 'A' && *p <= 'F')
			dig = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (addr >> 60 != 0)
			return (fail(t, EINVAL, "address wider than 64 bits"));
		addr = addr << 4 | dig;
	}
	if (p == d || (p != e && !isblank_(*p)))
		return (fail(t, EINVAL,
		    "bad address (hexadecimal with 0x expected)"));
	if (p == e)
		return (fail(t, EINVAL, "no operation (R or W) after the "
		    "address"));
	while (p < e && isblank_(*p))
		p++;
	if (p == e || (*p != 'R' && *p != 'W') || (p + 1 != e &&
	    !isblank_(p[1])))
		return (fail(t, EINVAL, "bad operation (R or W expected)"));
	ref->write = *p++ == 'W';
	while (p < e && isblank_(*p))
		p++;
	if (p != e)
		return (fail(t, EINVAL, "trailing characters after the "
		    "operation"));
	ref->asid = (uint32_t)asid;
	ref->addr = addr;
	return (1);
}

/* At the end of gzip's output: was it the end of the trace? */
static int
check_gzip(struct vmtrace *t)
{
	int status;
	pid_t pid = t->gzip;

	if (ferror(t->fp))
		return (fail(t, EIO, "read error"));
	if (pid == -1)
		return (0);
	t->gzip = -1;
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return (0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return (0);
	/* Line 0 in the message would mislead: say "after line N". */
	if (WIFEXITED(status))
		snprintf(t->err, sizeof(t->err), "%s:%" PRIu64 ": gzip -dc "
		    "failed (exit status %d): corrupt or truncated data",
		    t->name, t->line, WEXITSTATUS(status));
	else
		snprintf(t->err, sizeof(t->err), "%s:%" PRIu64 ": gzip -dc "
		    "killed by signal %d", t->name, t->line,
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	errno = EIO;
	return (-1);
}

int
vmtrace_next(struct vmtrace *t, struct vmtrace_ref *ref)
{
	const char *p, *e;
	int r;

	for (;;) {
		if (t->pending)
			t->pending = false;
		else if (t->ended || !readline_(t))
			return (check_gzip(t));
		p = t->buf;
		e = p + t->len;
		while (e > p && (e[-1] == '\n' || e[-1] == '\r' ||
		    isblank_(e[-1])))
			e--;
		while (p < e && isblank_(*p))
			p++;
		r = t->lirs ? parse_lirs(t, p, e, ref) :
		    parse_libvm(t, p, e, ref);
		if (r != 0)
			return (r);
	}
}

const char *
vmtrace_error(const struct vmtrace *t)
{

	return (t->err);
}

uint64_t
vmtrace_line(const struct vmtrace *t)
{

	return (t->line);
}

void
vmtrace_close(struct vmtrace *t)
{
	int status;

	if (t == NULL)
		return;
	/* Closing gzip's pipe first ends a gzip still writing (SIGPIPE). */
	if (t->fp != NULL && t->fp != stdin)
		fclose(t->fp);
	if (t->gzip != -1)
		while (waitpid(t->gzip, &status, 0) == -1 && errno == EINTR)
			continue;
	if (t->feeder != -1) {
		/* A feeder blocked reading a pipe nobody closes: end it. */
		kill(t->feeder, SIGTERM);
		while (waitpid(t->feeder, &status, 0) == -1 && errno == EINTR)
			continue;
	}
	free(t->buf);
	free(t->name);
	free(t);
}
