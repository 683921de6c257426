/*
 * vmsh's parser: lines of words into a tree of commands.
 *
 * The language is line-oriented, like sh without the programming: a
 * command is a list of words separated by blanks; ';' separates commands
 * on one line; '#' at the start of a word begins a comment.  "..." quotes
 * a word with C escapes (\n \t \\ \" \$ \xHH) in which $variables are still
 * expanded when the command runs; '...' quotes a word literally.  Two
 * commands open a block, "repeat N" and "thread NAME", which runs until
 * the matching "end"; blocks nest.
 *
 * Parsing is separate from running so that a block's body can run many
 * times or in another thread: a command runs as soon as it is whole (a
 * block once its "end" has been read), and a block never closed is
 * reported with its line at the end of the input.
 *
 * Everything here is bounded by the input: no recursion deeper
 * than MAXDEPTH, every allocation checked, any byte sequence accepted or
 * reported, never a crash (tests/tools feed it random input).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "vmsh.h"

#define	MAXDEPTH	16		/* nested blocks */
#define	MAXTOK		4096		/* words in one command */

struct parser {
	const char	*file;
	int		 line;
	struct node	*open[MAXDEPTH];	/* blocks being read */
	int		 depth;
	struct node	**ready;		/* whole commands, FIFO */
	int		 nready, hready, cap;
};

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n == 0 ? 1 : n);
	if (p == NULL) {
		fprintf(stderr, "vmsh: out of memory\n");
		exit(2);
	}
	return (p);
}

static char *
xstrndup(const char *s, size_t n)
{
	char *p = xrealloc(NULL, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return (p);
}

struct parser *
parser_new(const char *file)
{
	struct parser *p = xrealloc(NULL, sizeof(*p));

	memset(p, 0, sizeof(*p));
	p->file = file;
	return (p);
}

void
node_free(struct node *n)
{
	int i;

	if (n == NULL)
		return;
	for (i = 0; i < n->ntok; i++)
		free(n->tok[i].text);
	for (i = 0; i < n->nchild; i++)
		node_free(n->child[i]);
	free(n->tok);
	free(n->child);
	free(n);
}

static void
drop_open(struct parser *p)
{
	/* The outermost open block owns the inner ones through child[]. */
	if (p->depth > 0)
		node_free(p->open[0]);
	p->depth = 0;
}

void
parser_free(struct parser *p)
{
	struct node *n;

	if (p == NULL)
		return;
	drop_open(p);
	while ((n = parser_next(p)) != NULL)
		node_free(n);
	free(p->ready);
	free(p);
}

int
parser_depth(const struct parser *p)
{
	return (p->depth);
}

bool
block_opens(const struct node *n)
{
	return (n->ntok > 0 && !n->tok[0].quoted &&
	    (strcmp(n->tok[0].text, "repeat") == 0 ||
	    strcmp(n->tok[0].text, "thread") == 0));
}

static bool
is_end(const struct node *n)
{
	return (n->ntok == 1 && !n->tok[0].quoted &&
	    strcmp(n->tok[0].text, "end") == 0);
}

struct node *
parser_next(struct parser *p)
{
	struct node *n;

	if (p->nready == 0)
		return (NULL);
	n = p->ready[p->hready];
	p->hready = (p->hready + 1) % p->cap;
	p->nready--;
	return (n);
}

static void
push_ready(struct parser *p, struct node *n)
{
	int i;

	if (p->nready == p->cap) {
		struct node **r;
		int ncap = p->cap == 0 ? 8 : p->cap * 2;

		r = xrealloc(NULL, sizeof(*r) * ncap);
		for (i = 0; i < p->nready; i++)
			r[i] = p->ready[(p->hready + i) % p->cap];
		free(p->ready);
		p->ready = r;
		p->cap = ncap;
		p->hready = 0;
	}
	p->ready[(p->hready + p->nready) % p->cap] = n;
	p->nready++;
}

static void
add_child(struct node *parent, struct node *n)
{
	parent->child = xrealloc(parent->child,
	    sizeof(*parent->child) * (parent->nchild + 1));
	parent->child[parent->nchild++] = n;
}

static void
perr(const struct parser *p, const char *msg, const char *arg)
{
	out_lock();
	fprintf(stderr, "%s:%d: %s%s%s\n", p->file, p->line, msg,
	    arg != NULL ? ": " : "", arg != NULL ? arg : "");
	out_unlock();
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/*
 * Decodes the escape after a backslash inside "...": *sp points past the
 * backslash and is advanced past the escape.  Returns the byte, ESC_DOLLAR
 * for \$, or -1 after reporting a bad escape.
 */
#define	ESC_DOLLAR	0x100

static int
read_escape(struct parser *p, const char **sp)
{
	const char *s = *sp;
	int h1, h2, ch;

	switch (*s) {
	case 'n': ch = '\n'; break;
	case 't': ch = '\t'; break;
	case '\\': ch = '\\'; break;
	case '"': ch = '"'; break;
	case '$': ch = ESC_DOLLAR; break;
	case 'x':
		h1 = hexval((unsigned char)s[1]);
		h2 = h1 < 0 ? -1 : hexval((unsigned char)s[2]);
		if (h2 < 0) {
			perr(p, "bad \\x escape", NULL);
			return (-1);
		}
		ch = h1 * 16 + h2;
		if (ch == '$')
			ch = ESC_DOLLAR;	/* a byte, not an expansion */
		if (ch == 0) {
			perr(p, "a word cannot hold a NUL byte (fill with 0 "
			    "instead)", NULL);
			return (-1);
		}
		s += 2;
		break;
	default:
		perr(p, "unknown escape in \"...\"", NULL);
		return (-1);
	}
	*sp = s + 1;
	return (ch);
}

/*
 * Reads one word starting at *sp (not blank), into a fresh string.
 * Returns 0, or -1 after reporting an unterminated quote or a bad escape.
 * A word may mix quoted and unquoted parts ("a"b is ab); it counts as
 * quoted if any part was.  In the text kept, a '$' or '\\' that must
 * stay literal (\$ in "...", anything in '...') is preceded by '\\', which
 * the expansion at run time removes.
 */
static int
read_word(struct parser *p, const char **sp, struct tok *t)
{
	const char *s = *sp;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int q, ch;

	t->quoted = false;
	while (*s != '\0' && !isspace((unsigned char)*s) && *s != ';') {
		if (*s != '"' && *s != '\'') {
			if (len + 2 > cap) {
				cap = cap == 0 ? 32 : cap * 2;
				buf = xrealloc(buf, cap);
			}
			buf[len++] = *s++;
			continue;
		}
		q = *s++;
		t->quoted = true;
		while (*s != q) {
			if (*s == '\0') {
				perr(p, "unterminated quote", NULL);
				free(buf);
				return (-1);
			}
			ch = (unsigned char)*s++;
			if (q == '"' && ch == '\\' &&
			    (ch = read_escape(p, &s)) < 0) {
				free(buf);
				return (-1);
			}
			if (len + 3 > cap) {
				cap = cap == 0 ? 32 : cap * 2;
				buf = xrealloc(buf, cap);
			}
			if (ch == ESC_DOLLAR) {
				buf[len++] = '\\';
				ch = '$';
			} else if ((ch == '$' && q == '\'') || ch == '\\')
				buf[len++] = '\\';
			buf[len++] = (char)ch;
		}
		s++;
	}
	t->text = xstrndup(buf != NULL ? buf : "", len);
	free(buf);
	*sp = s;
	return (0);
}

/* Parses one command (up to ';', '#' or the end of the line). */
static int
parse_command(struct parser *p, const char **sp, struct node **out)
{
	const char *s = *sp;
	struct node *n;
	struct tok t;

	*out = NULL;
	n = xrealloc(NULL, sizeof(*n));
	memset(n, 0, sizeof(*n));
	n->file = p->file;
	n->line = p->line;
	for (;;) {
		while (*s != '\0' && isspace((unsigned char)*s))
			s++;
		if (*s == '\0' || *s == '#' || *s == ';')
			break;
		if (n->ntok == MAXTOK) {
			perr(p, "too many words in one command", NULL);
			node_free(n);
			return (-1);
		}
		if (read_word(p, &s, &t) != 0) {
			node_free(n);
			return (-1);
		}
		n->tok = xrealloc(n->tok, sizeof(*n->tok) * (n->ntok + 1));
		n->tok[n->ntok++] = t;
	}
	if (*s == '#')
		s += strlen(s);
	else if (*s == ';')
		s++;
	*sp = s;
	if (n->ntok == 0) {
		node_free(n);
		return (0);
	}
	*out = n;
	return (0);
}

int
parser_line(struct parser *p, const char *line)
{
	const char *s = line;
	struct node *n;

	p->line++;
	while (*s != '\0') {
		if (parse_command(p, &s, &n) != 0) {
			drop_open(p);
			return (-1);
		}
		if (n == NULL)
			continue;
		if (is_end(n)) {
			struct node *blk;

			node_free(n);
			if (p->depth == 0) {
				perr(p, "\"end\" without a block", NULL);
				return (-1);
			}
			blk = p->open[--p->depth];
			if (p->depth == 0)
				push_ready(p, blk);
			continue;
		}
		if (p->depth > 0)
			add_child(p->open[p->depth - 1], n);
		if (block_opens(n)) {
			if (p->depth == MAXDEPTH) {
				/* n is already its parent's child */
				perr(p, "blocks nested too deeply", NULL);
				drop_open(p);
				return (-1);
			}
			p->open[p->depth++] = n;
			continue;
		}
		if (p->depth == 0)
			push_ready(p, n);
	}
	return (0);
}

bool
parser_finish(struct parser *p)
{
	struct node *blk;

	if (p->depth == 0)
		return (false);
	blk = p->open[p->depth - 1];
	out_lock();
	fprintf(stderr, "%s:%d: \"%s\" block never closed with \"end\"\n",
	    blk->file, blk->line, blk->tok[0].text);
	out_unlock();
	drop_open(p);
	return (true);
}
