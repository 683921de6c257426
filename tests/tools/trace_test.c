/*
 * The trace reader of "vmsh replay" (tools/vmsh/trace.c): both formats,
 * comments and skipped lines, gzip from a file, a seekable stdin and a
 * pipe, corrupt gzip data, malformed lines (reported with FILE:LINE and
 * skipped past), numbers at the edges of their ranges, and a trace of a
 * million lines read in a bounded time.
 *
 * vmsh's sources are not a library, so the reader is compiled into this
 * program by including its .c file, as NetBSD's tests include
 * uvm_physseg.c: the test sees exactly the code vmsh runs.
 */
#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../tools/vmsh/trace.c"

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	ATF_REQUIRE(fp != NULL);
	ATF_REQUIRE(fputs(text, fp) >= 0);
	ATF_REQUIRE(fclose(fp) == 0);
}

static void
gz(const char *in, const char *out)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "gzip -c %s > %s", in, out);
	ATF_REQUIRE_EQ_MSG(system(cmd), 0, "%s", cmd);
}

static struct vmtrace *
open_ok(const char *path)
{
	struct vmtrace *t;
	const char *msg;
	int error;

	error = vmtrace_open(path, &t, &msg);
	ATF_REQUIRE_MSG(error == 0, "%s: %s: %s", path,
	    msg != NULL ? msg : "?", strerror(error));
	ATF_REQUIRE(t != NULL);
	return (t);
}

/* The next reference must be (asid, addr, write). */
static void
want(struct vmtrace *t, uint32_t asid, uint64_t addr, bool write)
{
	struct vmtrace_ref r;
	int n;

	n = vmtrace_next(t, &r);
	ATF_REQUIRE_MSG(n == 1, "line %ju: got %d (%s)",
	    (uintmax_t)vmtrace_line(t), n, vmtrace_error(t));
	ATF_CHECK_EQ_MSG(r.asid, asid, "line %ju", (uintmax_t)vmtrace_line(t));
	ATF_CHECK_EQ_MSG(r.addr, addr, "line %ju: %#jx", (uintmax_t)
	    vmtrace_line(t), (uintmax_t)r.addr);
	ATF_CHECK_EQ_MSG(r.write, write, "line %ju", (uintmax_t)
	    vmtrace_line(t));
}

/* The next line must be malformed: EINVAL, "FILE:LINE: ...REASON...". */
static void
want_bad(struct vmtrace *t, const char *file, int line, const char *reason)
{
	struct vmtrace_ref r;
	char prefix[128];

	errno = 0;
	ATF_REQUIRE_EQ(vmtrace_next(t, &r), -1);
	ATF_CHECK_EQ(errno, EINVAL);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", file, line);
	ATF_CHECK_MSG(strncmp(vmtrace_error(t), prefix, strlen(prefix)) == 0,
	    "error \"%s\", want prefix \"%s\"", vmtrace_error(t), prefix);
	ATF_CHECK_MSG(strstr(vmtrace_error(t), reason) != NULL,
	    "error \"%s\", want \"%s\"", vmtrace_error(t), reason);
	ATF_CHECK_EQ(vmtrace_line(t), (uint64_t)line);
}

static void
want_end(struct vmtrace *t)
{
	struct vmtrace_ref r;

	ATF_REQUIRE_EQ_MSG(vmtrace_next(t, &r), 0, "%s", vmtrace_error(t));
	/* and the end stays the end */
	ATF_REQUIRE_EQ(vmtrace_next(t, &r), 0);
}

static const char lirs_text[] =
    "1\n"
    "*\n"
    "\n"
    "  42 \t\n"
    "0\r\n"
    "4503599627370495\n"		/* the largest page: (2^64 - 4096)/4096 */
    "7";				/* no newline at the end */

static void
check_lirs(struct vmtrace *t)
{

	want(t, 0, 4096, false);
	want(t, 0, 42 * 4096, false);
	want(t, 0, 0, false);
	want(t, 0, UINT64_MAX - 4095, false);
	want(t, 0, 7 * 4096, false);
	ATF_CHECK_EQ(vmtrace_line(t), 7);
	want_end(t);
}

ATF_TC_WITHOUT_HEAD(lirs);
ATF_TC_BODY(lirs, tc)
{
	struct vmtrace *t;

	put("t.trc", lirs_text);
	t = open_ok("t.trc");
	check_lirs(t);
	vmtrace_close(t);
}

static const char libvm_text[] =
    VMTRACE_HEADER "\n"
    "# recorded by hand\n"
    "0 0x1000 R\n"
    "\n"
    "  3\t0x7FFFdead000   W  \n"
    "# another comment\n"
    "4294967295 0xffffffffffffffff W\r\n"
    "17 0x0000000000000000000abc R\n"	/* leading zeros are not bits */
    "0 0x2000 R";

static void
check_libvm(struct vmtrace *t)
{

	want(t, 0, 0x1000, false);
	want(t, 3, 0x7fffdead000, true);
	want(t, UINT32_MAX, UINT64_MAX, true);
	want(t, 17, 0xabc, false);
	want(t, 0, 0x2000, false);
	ATF_CHECK_EQ(vmtrace_line(t), 9);
	want_end(t);
}

ATF_TC_WITHOUT_HEAD(libvm);
ATF_TC_BODY(libvm, tc)
{
	struct vmtrace *t;

	put("t.trace", libvm_text);
	t = open_ok("t.trace");
	check_libvm(t);
	vmtrace_close(t);
	/* The header with trailing blanks and a CR is still the header. */
	put("t2.trace", VMTRACE_HEADER " \r\n1 0x5 W\n");
	t = open_ok("t2.trace");
	want(t, 1, 5, true);
	want_end(t);
	vmtrace_close(t);
}

ATF_TC_WITHOUT_HEAD(empty);
ATF_TC_BODY(empty, tc)
{
	struct vmtrace *t;

	put("e.trc", "");
	t = open_ok("e.trc");
	want_end(t);
	vmtrace_close(t);
	put("h.trace", VMTRACE_HEADER "\n# nothing\n");
	t = open_ok("h.trace");
	want_end(t);
	vmtrace_close(t);
}

ATF_TC_WITHOUT_HEAD(lirs_malformed);
ATF_TC_BODY(lirs_malformed, tc)
{
	struct vmtrace *t;

	put("bad.trc",
	    "5\n"
	    "abc\n"
	    "6\n"
	    "-1\n"
	    "4503599627370496\n"	/* its address needs 65 bits */
	    "18446744073709551616\n"	/* 2^64 */
	    "12 13\n"
	    "**\n"
	    "# not a LIRS comment\n"
	    "8\n");
	t = open_ok("bad.trc");
	want(t, 0, 5 * 4096, false);
	want_bad(t, "bad.trc", 2, "not a block number");
	/* after an error the reader goes on with the next line */
	want(t, 0, 6 * 4096, false);
	want_bad(t, "bad.trc", 4, "not a block number");
	want_bad(t, "bad.trc", 5, "too large");
	want_bad(t, "bad.trc", 6, "too large");
	want_bad(t, "bad.trc", 7, "not a block number");
	want_bad(t, "bad.trc", 8, "not a block number");
	want_bad(t, "bad.trc", 9, "not a block number");
	ATF_CHECK(strstr(vmtrace_error(t), "\"# not a LIRS comment\"") != NULL);
	want(t, 0, 8 * 4096, false);
	want_end(t);
	vmtrace_close(t);
}

ATF_TC_WITHOUT_HEAD(libvm_malformed);
ATF_TC_BODY(libvm_malformed, tc)
{
	static const struct {
		const char *line, *reason;
	} bad[] = {
		{ "0 0x1000", "no operation" },
		{ "0 0x1000 ", "no operation" },
		{ "0 1000 R", "bad address" },
		{ "0 0x R", "bad address" },
		{ "0 0x12g4 R", "bad address" },
		{ "x 0x1000 R", "bad ASID" },
		{ "-1 0x1000 R", "bad ASID" },
		{ "0x1 0x1000 R", "bad ASID" },
		{ "4294967296 0x1000 R", "ASID too large" },
		{ "0 0x10000000000000000 R", "wider than 64 bits" },
		{ "0 0x1000 X", "bad operation" },
		{ "0 0x1000 r", "bad operation" },
		{ "0 0x1000 RW", "bad operation" },
		{ "0 0x1000 R extra", "trailing characters" },
		{ "0 0x1000 R # comment", "trailing characters" },
		{ "0,0x1000,R", "bad ASID" },
		{ "12", "no address" },
	};
	struct vmtrace *t;
	FILE *fp;
	size_t i;

	fp = fopen("bad.trace", "w");
	ATF_REQUIRE(fp != NULL);
	fprintf(fp, "%s\n", VMTRACE_HEADER);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		fprintf(fp, "%s\n1 0x%zx W\n", bad[i].line, i);
	/* NUL bytes inside a line are bytes like any other */
	fwrite("0 0x1000\0 R\n", 1, 12, fp);
	fwrite("0 0x1000 R\0\n", 1, 12, fp);
	ATF_REQUIRE(fclose(fp) == 0);

	t = open_ok("bad.trace");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		want_bad(t, "bad.trace", (int)(2 + 2 * i), bad[i].reason);
		want(t, 1, i, true);
	}
	want_bad(t, "bad.trace", (int)(2 + 2 * i), "bad address");
	want_bad(t, "bad.trace", (int)(3 + 2 * i), "bad operation");
	want_end(t);
	vmtrace_close(t);
}

ATF_TC_WITHOUT_HEAD(open_errors);
ATF_TC_BODY(open_errors, tc)
{
	struct vmtrace *t;
	const char *msg;

	ATF_CHECK_EQ(vmtrace_open("no-such-file", &t, &msg), ENOENT);
	ATF_CHECK(t == NULL);
	ATF_CHECK(msg != NULL && strstr(msg, "cannot open") != NULL);

	put("v2.trace", "# libvm trace v2\n0 0x1000 R\n");
	ATF_CHECK_EQ(vmtrace_open("v2.trace", &t, &msg), EINVAL);
	ATF_CHECK(msg != NULL && strstr(msg, "unsupported") != NULL);

	put("bin.trc", "\x1f\x01garbage");
	ATF_CHECK_EQ(vmtrace_open("bin.trc", &t, &msg), EINVAL);
	ATF_CHECK(msg != NULL && strstr(msg, "not a trace") != NULL);
}

ATF_TC(gzip_file);
ATF_TC_HEAD(gzip_file, tc)
{
	atf_tc_set_md_var(tc, "require.progs", "gzip");
}
ATF_TC_BODY(gzip_file, tc)
{
	struct vmtrace *t;

	put("t.trc", lirs_text);
	gz("t.trc", "t.trc.gz");
	t = open_ok("t.trc.gz");
	check_lirs(t);
	vmtrace_close(t);

	/* Detection is by content: a compressed file named .txt. */
	put("t.trace", libvm_text);
	gz("t.trace", "t.txt");
	t = open_ok("t.txt");
	check_libvm(t);
	vmtrace_close(t);

	/* Closing before the end does not hang on gzip. */
	t = open_ok("t.txt");
	want(t, 0, 0x1000, false);
	vmtrace_close(t);
}

/*
 * stdin a file: gzip reads it from where it was.  (Each stdin case is a
 * test case of its own: the reader leaves stdin's stdio buffer behind.)
 */
ATF_TC(gzip_stdin_file);
ATF_TC_HEAD(gzip_stdin_file, tc)
{
	atf_tc_set_md_var(tc, "require.progs", "gzip");
}
ATF_TC_BODY(gzip_stdin_file, tc)
{
	struct vmtrace *t;
	int fd;

	put("t.trace", libvm_text);
	gz("t.trace", "t.trace.gz");
	fd = open("t.trace.gz", O_RDONLY);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE(dup2(fd, STDIN_FILENO) == STDIN_FILENO);
	close(fd);
	t = open_ok("-");
	check_libvm(t);
	vmtrace_close(t);
}

/* stdin a pipe: the magic bytes are fed back to gzip. */
ATF_TC(gzip_stdin_pipe);
ATF_TC_HEAD(gzip_stdin_pipe, tc)
{
	atf_tc_set_md_var(tc, "require.progs", "gzip");
}
ATF_TC_BODY(gzip_stdin_pipe, tc)
{
	struct vmtrace *t;
	char buf[4096];
	ssize_t n;
	size_t chunk = 1;
	int fd, p[2];
	pid_t pid;

	put("t.trace", libvm_text);
	gz("t.trace", "t.trace.gz");
	ATF_REQUIRE(pipe(p) == 0);
	pid = fork();
	ATF_REQUIRE(pid != -1);
	if (pid == 0) {
		close(p[0]);
		fd = open("t.trace.gz", O_RDONLY);
		/* a byte at a time at first: the reader must not care */
		while ((n = read(fd, buf, chunk)) > 0) {
			if (write(p[1], buf, (size_t)n) != n)
				_exit(1);
			chunk = chunk < sizeof(buf) / 2 ? chunk * 2 : chunk;
		}
		_exit(0);
	}
	close(p[1]);
	ATF_REQUIRE(dup2(p[0], STDIN_FILENO) == STDIN_FILENO);
	close(p[0]);
	t = open_ok("-");
	check_libvm(t);
	vmtrace_close(t);
	ATF_REQUIRE(waitpid(pid, NULL, 0) == pid);
}

ATF_TC(gzip_corrupt);
ATF_TC_HEAD(gzip_corrupt, tc)
{
	atf_tc_set_md_var(tc, "require.progs", "gzip");
}
ATF_TC_BODY(gzip_corrupt, tc)
{
	struct vmtrace_ref r;
	struct vmtrace *t;
	FILE *fp;
	uint64_t i, n = 0;
	int k;

	/* Truncated: the reader reports EIO rather than a short trace. */
	fp = fopen("big.trc", "w");
	ATF_REQUIRE(fp != NULL);
	for (i = 0; i < 200000; i++)
		fprintf(fp, "%ju\n", (uintmax_t)(i * 7919 % 100003));
	ATF_REQUIRE(fclose(fp) == 0);
	gz("big.trc", "big.trc.gz");
	ATF_REQUIRE(system("head -c 20000 big.trc.gz > cut.trc.gz") == 0);
	t = open_ok("cut.trc.gz");
	while ((k = vmtrace_next(t, &r)) == 1)
		n++;
	ATF_CHECK_EQ(k, -1);
	ATF_CHECK_EQ(errno, EIO);
	ATF_CHECK_MSG(strstr(vmtrace_error(t), "gzip -dc failed") != NULL,
	    "%s", vmtrace_error(t));
	ATF_CHECK(n < 200000);
	vmtrace_close(t);

	/* Only the magic: nothing decompresses. */
	put("magic.gz", "\x1f\x8b");
	t = open_ok("magic.gz");
	ATF_CHECK_EQ(vmtrace_next(t, &r), -1);
	ATF_CHECK_EQ(errno, EIO);
	vmtrace_close(t);
}

/* A million references, compressed, in well under the time limit. */
ATF_TC(large);
ATF_TC_HEAD(large, tc)
{
	atf_tc_set_md_var(tc, "require.progs", "gzip");
	atf_tc_set_md_var(tc, "timeout", "120");
}
ATF_TC_BODY(large, tc)
{
	struct vmtrace_ref r;
	struct vmtrace *t;
	struct timespec t0, t1;
	uint64_t i, n, sum, want_sum;
	FILE *fp;
	int k;

	fp = fopen("big.trace", "w");
	ATF_REQUIRE(fp != NULL);
	fprintf(fp, "%s\n", VMTRACE_HEADER);
	want_sum = 0;
	for (i = 0; i < 1000000; i++) {
		uint64_t a = (0x7f0000000000ull + (i * 2654435761u % 65536) *
		    4096) ^ (i & 1 ? 0 : 0x8000000000000000ull);

		fprintf(fp, "%u 0x%jx %c\n", (unsigned)(i % 3), (uintmax_t)a,
		    i % 5 == 0 ? 'W' : 'R');
		want_sum += a + i % 3 + (i % 5 == 0);
	}
	ATF_REQUIRE(fclose(fp) == 0);
	gz("big.trace", "big.trace.gz");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = open_ok("big.trace.gz");
	n = sum = 0;
	while ((k = vmtrace_next(t, &r)) == 1) {
		n++;
		sum += r.addr + r.asid + r.write;
	}
	ATF_REQUIRE_EQ_MSG(k, 0, "%s", vmtrace_error(t));
	vmtrace_close(t);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ATF_CHECK_EQ(n, 1000000);
	ATF_CHECK_EQ(sum, want_sum);
	/* Generous for a debug build on a loaded machine: ~0.3 s in release. */
	ATF_CHECK_MSG((t1.tv_sec - t0.tv_sec) < 20, "%ld s",
	    (long)(t1.tv_sec - t0.tv_sec));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lirs);
	ATF_TP_ADD_TC(tp, libvm);
	ATF_TP_ADD_TC(tp, empty);
	ATF_TP_ADD_TC(tp, lirs_malformed);
	ATF_TP_ADD_TC(tp, libvm_malformed);
	ATF_TP_ADD_TC(tp, open_errors);
	ATF_TP_ADD_TC(tp, gzip_file);
	ATF_TP_ADD_TC(tp, gzip_stdin_file);
	ATF_TP_ADD_TC(tp, gzip_stdin_pipe);
	ATF_TP_ADD_TC(tp, gzip_corrupt);
	ATF_TP_ADD_TC(tp, large);
	return (atf_no_error());
}
