/*
 * vmsh: the libvm shell.  Shared declarations of its three parts:
 *
 *   parse.c  turns text into a tree of commands (struct node), one node a
 *            line, blocks (repeat, thread) holding their bodies;
 *   exec.c   runs the tree: variables, expressions, expect, threads, and
 *            every command that changes an address space;
 *   views.c  the inspection views in FreeBSD's formats (procstat -v,
 *            vmstat, sysctl, swapinfo, show).
 *
 * main.c drives them: script files, -c, or an interactive prompt.
 */
#ifndef _VMSH_H_
#define _VMSH_H_

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <libvm.h>

/* One word of a command line. */
struct tok {
	char		*text;		/* quotes and escapes removed */
	bool		 quoted;	/* "..." or '...': not an expression */
};

/* One command, with the body of a block (repeat, thread). */
struct node {
	const char	*file;		/* for messages: file:line */
	int		 line;
	int		 ntok;
	struct tok	*tok;
	int		 nchild;
	struct node	**child;
};

/* parse.c */
struct parser;
struct parser	*parser_new(const char *file);
void		 parser_free(struct parser *);
/*
 * Feeds one line (commands on it may be separated by ';').  0, or -1 on a
 * syntax error (reported to stderr; any block being read is dropped).
 * parser_next then hands out the whole commands ready, in order: a block
 * is ready with its body once its "end" has been read.
 */
int		 parser_line(struct parser *, const char *line);
struct node	*parser_next(struct parser *);
int		 parser_depth(const struct parser *);	/* open blocks */
/* A block left open at end of input: reports it; true if there was one. */
bool		 parser_finish(struct parser *);
void		 node_free(struct node *);
bool		 block_opens(const struct node *);

/* replay.c: "vmsh replay ..." (argv[0] is "replay") */
int		 replay_main(int argc, char **argv);

/* exec.c */
extern bool	 vmsh_trace;		/* -x: echo each command */
extern bool	 vmsh_keep_going;	/* -k: go on after a failure */
extern bool	 vmsh_interactive;
extern bool	 vmsh_quit;		/* "quit" or a bare "exit" ran */
extern _Atomic int vmsh_failures;		/* failed commands and expectations */
void		 exec_init(void);
void		 exec_fini(void);
/* Runs one top-level node; false if it failed (and -k is not set). */
bool		 exec_node(const struct node *);
/* Waits for every thread still running. */
int		 exec_join_all(void);	/* threads that failed */

/* Messages: "file:line: " then the text, to stderr, one line at a time. */
void		 nerror(const struct node *, const char *fmt, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
void		 out_lock(void);
void		 out_unlock(void);

/* views.c (each returns 0 or an errno, having printed its own message) */
int		 view_procstat(const char *name, struct vmspace *, int pid,
		    bool header);
int		 view_vmstat(const struct node *, int argc, char **argv);
int		 view_sysctl(const struct node *, int argc, char **argv);
int		 view_swapinfo(void);
const char	*errno_name(int error);
int		 errno_by_name(const char *name);
void		 fmt_size(char *buf, size_t len, uint64_t bytes);

#endif /* !_VMSH_H_ */
