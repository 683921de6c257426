/*
 * vmsh: the libvm shell.  Runs scenario scripts (vmsh FILE...), commands
 * given with -c, or an interactive prompt with line editing and history
 * (BSD libedit).  The language is in vmsh(1) and docs/vmsh.md.
 *
 * Exit status: 0 when every command and expectation succeeded, 1 when
 * one failed (a script stops at its first failure unless -k), 2 for a
 * usage error of vmsh itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

#include "vmsh.h"

/*
 * Commands are kept until exit: a "thread" block's body runs after the
 * line that started it has been read, and may outlive it.
 */
static struct node **kept;
static size_t nkept, capkept;
static bool parse_only;

static void
keep(struct node *n)
{
	if (nkept == capkept) {
		capkept = capkept == 0 ? 64 : capkept * 2;
		kept = realloc(kept, capkept * sizeof(*kept));
		if (kept == NULL) {
			fprintf(stderr, "vmsh: out of memory\n");
			exit(2);
		}
	}
	kept[nkept++] = n;
}

/* Runs what the parser has ready; false when the script must stop. */
static bool
drain(struct parser *p)
{
	struct node *n;
	bool ok = true;

	while ((n = parser_next(p)) != NULL) {
		keep(n);
		if (!ok || parse_only)
			continue;
		if (!exec_node(n))
			ok = false;
		if (vmsh_quit)
			ok = false;
	}
	return (ok);
}

/* Feeds text (a file or -c) to the parser, line by line. */
static bool
run_stream(FILE *fp, const char *name)
{
	struct parser *p = parser_new(name);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool ok = true;

	while (ok && (len = getline(&line, &cap, fp)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (parser_line(p, line) != 0) {
			vmsh_failures++;
			ok = vmsh_keep_going;
		}
		/* What the line held before an error still runs (-k). */
		if (!drain(p))
			ok = false;
	}
	if (ok && parser_finish(p)) {
		vmsh_failures++;
		ok = false;
	}
	free(line);
	parser_free(p);
	return (ok);
}

static bool
run_string(const char *text)
{
	FILE *fp = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	bool ok;

	if (fp == NULL) {
		fprintf(stderr, "vmsh: -c: %s\n", strerror(errno));
		return (false);
	}
	ok = run_stream(fp, "-c");
	fclose(fp);
	return (ok);
}

static void
interactive(void)
{
	struct parser *p = parser_new("stdin");
	char *line, hist[4096];
	const char *home = getenv("HOME");

	vmsh_interactive = true;
	vmsh_keep_going = true;
	hist[0] = '\0';
	if (home != NULL) {
		snprintf(hist, sizeof(hist), "%s/.vmsh_history", home);
		read_history(hist);
	}
	printf("vmsh: the libvm shell.  \"help\" lists the commands, "
	    "\"quit\" leaves.\n");
	while (!vmsh_quit) {
		line = readline(parser_depth(p) > 0 ? "vmsh> ... " : "vmsh> ");
		if (line == NULL)
			break;
		if (line[0] != '\0')
			add_history(line);
		if (parser_line(p, line) != 0)
			vmsh_failures++;
		drain(p);
		free(line);
	}
	if (parser_finish(p))
		vmsh_failures++;
	if (hist[0] != '\0')
		write_history(hist);
	parser_free(p);
}

static void
usage(void)
{
	fprintf(stderr, "usage: vmsh [-knx] [-c COMMANDS] [FILE...]\n"
	    "       vmsh replay [-p POLICY] [-m PAGES] [--sim|--real] FILE\n"
	    "  -c  run COMMANDS (';' or newlines between them)\n"
	    "  -k  keep going after a failure\n"
	    "  -n  only parse (check the syntax)\n"
	    "  -x  print each command before it runs\n"
	    "With no FILE and no -c: commands from the standard input, with "
	    "a prompt\nwhen it is a terminal.\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	char *cmds = NULL;
	size_t i;
	int ch, k;
	bool ok = true;

	/* "vmsh replay ...": the trace replayer (replay.c), not a script. */
	if (argc > 1 && strcmp(argv[1], "replay") == 0)
		return (replay_main(argc - 1, argv + 1));
	while ((ch = getopt(argc, argv, "c:hknx")) != -1) {
		switch (ch) {
		case 'c':
			/* Several -c run in order, as one script. */
			if (cmds == NULL)
				cmds = strdup(optarg);
			else {
				char *both;

				if (asprintf(&both, "%s\n%s", cmds, optarg) < 0)
					both = NULL;
				free(cmds);
				cmds = both;
			}
			if (cmds == NULL) {
				fprintf(stderr, "vmsh: out of memory\n");
				return (2);
			}
			break;
		case 'k':
			vmsh_keep_going = true;
			break;
		case 'n':
			parse_only = true;
			break;
		case 'x':
			vmsh_trace = true;
			break;
		default:
			usage();
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	exec_init();
	if (cmds != NULL)
		ok = run_string(cmds);
	for (k = optind; ok && k < argc; k++) {
		FILE *fp = strcmp(argv[k], "-") == 0 ? stdin :
		    fopen(argv[k], "r");

		if (fp == NULL) {
			fprintf(stderr, "vmsh: %s: %s\n", argv[k],
			    strerror(errno));
			exec_fini();
			return (2);
		}
		ok = run_stream(fp, fp == stdin ? "stdin" : argv[k]);
		if (fp != stdin)
			fclose(fp);
	}
	if (cmds == NULL && optind == argc) {
		if (isatty(STDIN_FILENO) && !parse_only)
			interactive();
		else
			ok = run_stream(stdin, "stdin");
	}
	if (exec_join_all() != 0) {
		/* a thread failed after the script's last join */
		ok = false;
	}
	exec_fini();
	for (i = 0; i < nkept; i++)
		node_free(kept[i]);
	free(kept);
	free(cmds);
	(void)ok;
	return (vmsh_failures == 0 ? 0 : 1);
}
