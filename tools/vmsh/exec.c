/*
 * vmsh's interpreter: runs the command tree parse.c builds.
 *
 * State: the named address spaces (each a struct vmspace with a pid of
 * its own for the procstat views), the variables, the counter snapshot
 * that "mark" takes for delta(), and the threads started by "thread"
 * blocks.  Every command is a function that parses its arguments, calls
 * libvm, prints what it did, and fills a struct outcome: the errno libvm
 * returned and, for an access that faulted, the signal and its code.  A
 * command whose outcome is not success fails the script, unless it runs
 * under "expect", which compares the outcome with the one expected.
 *
 * Threads: a "thread" block runs its body in a host thread (libvm binds
 * it to a CPU slot by itself).  The tables are shared and each has a
 * mutex; output goes out a line at a time under out_mtx, so lines of
 * concurrent threads interleave but never mix.  Lock order: threads_mtx,
 * spaces_mtx, vars_mtx, out_mtx; none is held across a libvm call.
 *
 * Robustness: every argument is checked before libvm sees it; numbers
 * overflow-checked; a usage error is reported with file:line and what was
 * expected, and is never mistaken for an errno that "expect" wanted.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmsh.h"

#define	PAGE		((uint64_t)VM_PAGE_SIZE)
#define	EUSAGE		(-1)	/* bad arguments: message printed */
#define	EMISMATCH	(-2)	/* "check" found other bytes: printed */
#define	NAMEMAX		32
#define	CHUNK		(256 * 1024)
#define	PROGRESS_MIN	(64ull << 20)	/* show progress past this */

bool	vmsh_trace;
bool	vmsh_keep_going;
bool	vmsh_interactive;
bool	vmsh_quit;
_Atomic int vmsh_failures;

/* ---- values, variables -------------------------------------------------- */

struct val {
	bool		 isstr;
	bool		 hex;		/* print a number in hex (addresses) */
	uint64_t	 num;
	char		*str;
};

struct var {
	char		 name[NAMEMAX];
	struct val	 v;
	struct var	*next;
};

/*
 * A named address space.  Commands hold it while they use its vmspace,
 * so that "exit" in one thread cannot free it under another: the last
 * holder of a space that was exited releases it.
 */
struct space {
	char		 name[NAMEMAX];
	struct vmspace	*vs;
	int		 pid;
	int		 refs;		/* (s) holders, the table counting 1 */
	struct space	*next;		/* (s) */
};

struct outcome {
	int		 error;		/* 0, errno, EUSAGE or EMISMATCH */
	int		 signo, code;	/* for EFAULT from an access */
	vm_offset_t	 va;
	bool		 hasval;
	struct val	 val;		/* what the command produced */
	char		 why[160];	/* EMISMATCH not yet reported */
};

struct vthread;

/* Per thread of execution (the main one and each "thread" block). */
#define	MAXHELD		8

struct ctx {
	struct vthread	*self;		/* NULL for the main thread */
	struct space	*held[MAXHELD];	/* spaces the command uses */
	int		 nheld;
	uint64_t	 loop_i;	/* $i of the innermost repeat */
	bool		 in_loop;
};

struct vthread {
	char		 name[NAMEMAX];
	pthread_t	 tid;
	const struct node *blk;
	struct ctx	 ctx;
	bool		 failed;
	bool		 joined;
	struct vthread	*next;
};

struct arg {
	char		*s;		/* expanded */
	bool		 quoted;
};

static pthread_mutex_t threads_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t spaces_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t vars_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t out_mtx;	/* recursive: views report errors */

static struct space	*spaces;	/* (s) */
static int		 next_pid = 100;	/* (s) */
static struct var	*vars;		/* (v) */
static struct vthread	*threads;	/* (t) */
static bool		 booted;	/* main thread only, no threads */

/* Counter snapshot for delta(). (v) */
static struct mark {
	char		name[64];
	uint64_t	val;
} *marks;
static int nmarks;

static struct ctx main_ctx;

void
out_lock(void)
{
	pthread_mutex_lock(&out_mtx);
}

void
out_unlock(void)
{
	pthread_mutex_unlock(&out_mtx);
}

static const char *
tname(const struct ctx *c)
{
	return (c != NULL && c->self != NULL ? c->self->name : NULL);
}

static void
vnerror(const struct ctx *c, const struct node *n, const char *fmt,
    va_list ap)
{
	out_lock();
	fflush(stdout);
	if (n != NULL)
		fprintf(stderr, "%s:%d: ", n->file, n->line);
	if (tname(c) != NULL)
		fprintf(stderr, "[%s] ", tname(c));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	out_unlock();
}

void
nerror(const struct node *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnerror(NULL, n, fmt, ap);
	va_end(ap);
}

static void __attribute__((__format__(__printf__, 3, 4)))
cerror(const struct ctx *c, const struct node *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnerror(c, n, fmt, ap);
	va_end(ap);
}

/* A line of normal output; under a thread prefixed with its name. */
static void __attribute__((__format__(__printf__, 2, 3)))
say(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	out_lock();
	if (tname(c) != NULL)
		printf("[%s] ", tname(c));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	out_unlock();
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL) {
		fprintf(stderr, "vmsh: out of memory\n");
		exit(2);
	}
	return (p);
}

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return (memcpy(xmalloc(n), s, n));
}

static void
val_clear(struct val *v)
{
	free(v->str);
	memset(v, 0, sizeof(*v));
}

static void
val_copy(struct val *dst, const struct val *src)
{
	*dst = *src;
	dst->str = src->str != NULL ? xstrdup(src->str) : NULL;
}

static void
val_num(struct val *v, uint64_t n, bool hex)
{
	memset(v, 0, sizeof(*v));
	v->num = n;
	v->hex = hex;
}

static void
val_str(struct val *v, const char *s)
{
	memset(v, 0, sizeof(*v));
	v->isstr = true;
	v->str = xstrdup(s);
}

static void
val_format(const struct val *v, char *buf, size_t len)
{
	if (v->isstr)
		snprintf(buf, len, "%s", v->str);
	else if (v->hex)
		snprintf(buf, len, "%#" PRIx64, v->num);
	else
		snprintf(buf, len, "%" PRIu64, v->num);
}

static bool
valid_name(const char *s)
{
	size_t i;

	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return (false);
	for (i = 1; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-')
			return (false);
	return (i < NAMEMAX);
}

static void
var_set(const char *name, const struct val *v)
{
	struct var *x;

	pthread_mutex_lock(&vars_mtx);
	for (x = vars; x != NULL; x = x->next)
		if (strcmp(x->name, name) == 0)
			break;
	if (x == NULL) {
		x = xmalloc(sizeof(*x));
		memset(x, 0, sizeof(*x));
		snprintf(x->name, sizeof(x->name), "%s", name);
		x->next = vars;
		vars = x;
	}
	val_clear(&x->v);
	val_copy(&x->v, v);
	pthread_mutex_unlock(&vars_mtx);
}

/* Copies the variable's value into *v; false if it is not set. */
static bool
var_get(const struct ctx *c, const char *name, struct val *v)
{
	struct var *x;

	if (strcmp(name, "i") == 0 && c->in_loop) {
		val_num(v, c->loop_i, false);
		return (true);
	}
	pthread_mutex_lock(&vars_mtx);
	for (x = vars; x != NULL; x = x->next)
		if (strcmp(x->name, name) == 0)
			break;
	if (x != NULL)
		val_copy(v, &x->v);
	pthread_mutex_unlock(&vars_mtx);
	return (x != NULL);
}

static bool eval(const struct ctx *, const struct node *, const char *,
    uint64_t *, bool);
static struct space *space_hold(const char *);
static void space_drop(struct space *);
static int ensure_booted(const struct ctx *, const struct node *);

/*
 * Expands $name, ${name}, $(EXPR), \$ and \\ in a word.  NULL (reported)
 * if a variable is not set or an expression is bad.
 */
static char *
expand(const struct ctx *c, const struct node *n, const struct tok *t)
{
	const char *s = t->text;
	char *out, name[NAMEMAX + 1], vb[64];
	size_t len = 0, cap = strlen(s) + 64;

	out = xmalloc(cap);
	while (*s != '\0') {
		const char *piece = NULL;
		char *heap = NULL;
		size_t plen;
		struct val v;

		if (s[0] == '\\' && (s[1] == '$' || s[1] == '\\')) {
			vb[0] = s[1];
			vb[1] = '\0';
			piece = vb;
			s += 2;
		} else if (s[0] == '$' && s[1] == '(') {
			/* $(EXPR): the value of an expression, in decimal */
			const char *e = s + 2;
			char *ex;
			uint64_t num;
			int depth = 1;

			for (; *e != '\0'; e++) {
				if (*e == '(')
					depth++;
				else if (*e == ')' && --depth == 0)
					break;
			}
			if (*e != ')') {
				cerror(c, n, "missing ')' in \"%s\"", t->text);
				free(out);
				return (NULL);
			}
			ex = xmalloc((size_t)(e - s - 1));
			memcpy(ex, s + 2, (size_t)(e - s - 2));
			ex[e - s - 2] = '\0';
			if (!eval(c, n, ex, &num, false)) {
				free(ex);
				free(out);
				return (NULL);
			}
			free(ex);
			snprintf(vb, sizeof(vb), "%" PRIu64, num);
			piece = vb;
			s = e + 1;
		} else if (s[0] == '$' &&
		    (s[1] == '{' || s[1] == '_' ||
		    isalpha((unsigned char)s[1]))) {
			size_t k = 0;
			bool brace = s[1] == '{';

			s += brace ? 2 : 1;
			while ((isalnum((unsigned char)*s) || *s == '_') &&
			    k < NAMEMAX)
				name[k++] = *s++;
			name[k] = '\0';
			if (brace) {
				if (*s != '}') {
					cerror(c, n, "bad ${...} in \"%s\"",
					    t->text);
					free(out);
					return (NULL);
				}
				s++;
			}
			if (!var_get(c, name, &v)) {
				cerror(c, n, "variable $%s is not set", name);
				free(out);
				return (NULL);
			}
			if (v.isstr) {
				heap = v.str;
				v.str = NULL;
				piece = heap;
			} else {
				val_format(&v, vb, sizeof(vb));
				piece = vb;
			}
			val_clear(&v);
		} else {
			vb[0] = *s++;
			vb[1] = '\0';
			piece = vb;
		}
		plen = strlen(piece);
		if (len + plen + 1 > cap) {
			char *nout;

			cap = (len + plen + 1) * 2;
			nout = xmalloc(cap);
			memcpy(nout, out, len);
			free(out);
			out = nout;
		}
		memcpy(out + len, piece, plen);
		len += plen;
		free(heap);
	}
	out[len] = '\0';
	return (out);
}

/* ---- expressions ------------------------------------------------------ */

/*
 * Numbers: decimal or 0x hex, with a suffix k, m, g, t (binary units) or
 * p (pages); $variables; + - * / % and parentheses; functions
 * counter(NAME), sysctl(NAME), delta(NAME), res(SPACE,ADDR),
 * entries(SPACE).  Arithmetic is unsigned 64-bit, overflow is an error.
 */
struct expr {
	const struct ctx  *c;
	const struct node *n;
	const char	  *s;
	const char	  *whole;
	bool		   quiet;
	int		   depth;
};

static bool eval_sum(struct expr *, uint64_t *);


static bool
expr_fail(struct expr *e, const char *what)
{
	if (!e->quiet)
		cerror(e->c, e->n, "bad number \"%s\": %s", e->whole, what);
	return (false);
}

static bool
sysctl_u64(const char *name, uint64_t *v)
{
	size_t len = sizeof(*v);
	uint64_t u = 0;
	int i = 0;

	if (vm_sysctlbyname(name, &u, &len, NULL, 0) == 0 &&
	    len == sizeof(u)) {
		*v = u;
		return (true);
	}
	len = sizeof(i);
	if (vm_sysctlbyname(name, &i, &len, NULL, 0) == 0 &&
	    len == sizeof(i)) {
		*v = (uint64_t)(int64_t)i;
		return (true);
	}
	return (false);
}

static void
counter_name(const char *s, char *buf, size_t len)
{
	if (strchr(s, '.') != NULL)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "vm.stats.vm.%s", s);
}

static bool
mark_get(const char *full, uint64_t *v)
{
	bool found = false;
	int i;

	pthread_mutex_lock(&vars_mtx);
	for (i = 0; i < nmarks; i++)
		if (strcmp(marks[i].name, full) == 0) {
			*v = marks[i].val;
			found = true;
			break;
		}
	pthread_mutex_unlock(&vars_mtx);
	return (found);
}

static bool
entry_resident(const char *space, uint64_t va, uint64_t *res)
{
	struct vm_kinfo_vmentry *kv;
	struct space *sp;
	size_t cnt = 0, i;
	bool ok = false;

	if ((sp = space_hold(space)) == NULL)
		return (false);
	if (vm_procstat(sp->vs, NULL, &cnt) == 0) {
		cnt += 16;
		kv = xmalloc(cnt * sizeof(*kv));
		if (vm_procstat(sp->vs, kv, &cnt) == 0)
			for (i = 0; i < cnt; i++)
				if (va >= kv[i].kve_start &&
				    va < kv[i].kve_end) {
					*res = (uint64_t)kv[i].kve_resident;
					ok = true;
				}
		free(kv);
	}
	space_drop(sp);
	return (ok);
}

static bool
eval_func(struct expr *e, const char *fn, uint64_t *v)
{
	char a1[256], a2[256], full[300];
	const char *s = e->s;
	size_t k;
	uint64_t m;

	/* Arguments are names or numbers without nested parentheses. */
	a1[0] = a2[0] = '\0';
	for (k = 0; *s != ',' && *s != ')' && *s != '\0'; s++)
		if (k + 1 < sizeof(a1))
			a1[k++] = *s;
	a1[k] = '\0';
	if (*s == ',') {
		for (s++, k = 0; *s != ')' && *s != '\0'; s++)
			if (k + 1 < sizeof(a2))
				a2[k++] = *s;
		a2[k] = '\0';
	}
	if (*s != ')')
		return (expr_fail(e, "missing ')'"));
	e->s = s + 1;
	if (!booted && (e->c == NULL || ensure_booted(e->c, e->n) != 0))
		return (expr_fail(e, "libvm is not booted yet (boot first)"));
	if (strcmp(fn, "counter") == 0 || strcmp(fn, "sysctl") == 0 ||
	    strcmp(fn, "delta") == 0) {
		if (fn[0] == 's')
			snprintf(full, sizeof(full), "%s", a1);
		else
			counter_name(a1, full, sizeof(full));
		if (!sysctl_u64(full, v))
			return (expr_fail(e, "no such numeric sysctl"));
		if (fn[0] == 'd') {
			if (!mark_get(full, &m))
				return (expr_fail(e, "delta() before mark"));
			if (*v < m)
				return (expr_fail(e, "the counter went down "
				    "since mark (delta() counts up)"));
			*v -= m;
		}
		return (true);
	}
	if (strcmp(fn, "res") == 0) {
		struct expr sub = *e;

		sub.s = a2;
		sub.quiet = true;
		if (!eval_sum(&sub, &m) || *sub.s != '\0')
			return (expr_fail(e,
			    "res(SPACE,ADDR) needs an address"));
		if (!entry_resident(a1, m, v))
			return (expr_fail(e, "no map entry there"));
		return (true);
	}
	if (strcmp(fn, "entries") == 0) {
		struct space *sp;
		size_t cnt = 0;
		int error;

		if ((sp = space_hold(a1)) == NULL)
			return (expr_fail(e, "no such address space"));
		error = vm_procstat(sp->vs, NULL, &cnt);
		space_drop(sp);
		if (error != 0)
			return (expr_fail(e, "vm_procstat failed"));
		*v = cnt;
		return (true);
	}
	return (expr_fail(e, "unknown function"));
}

static bool
eval_atom(struct expr *e, uint64_t *v)
{
	const char *s = e->s;
	uint64_t x = 0, mul = 1;
	int base = 10, d, nd = 0;

	if (++e->depth > 64)
		return (expr_fail(e, "nested too deeply"));
	if (*s == '(') {
		e->s++;
		if (!eval_sum(e, v))
			return (false);
		if (*e->s != ')')
			return (expr_fail(e, "missing ')'"));
		e->s++;
		e->depth--;
		return (true);
	}
	if (*s == '$') {
		char name[NAMEMAX];
		size_t k = 0;
		struct val vv;

		for (s++; (isalnum((unsigned char)*s) || *s == '_') &&
		    k + 1 < sizeof(name); s++)
			name[k++] = *s;
		name[k] = '\0';
		if (!var_get(e->c, name, &vv))
			return (expr_fail(e, "variable not set"));
		if (vv.isstr) {
			val_clear(&vv);
			return (expr_fail(e, "variable holds a string"));
		}
		*v = vv.num;
		e->s = s;
		e->depth--;
		return (true);
	}
	if (isalpha((unsigned char)*s)) {
		char fn[16];
		size_t k = 0;

		while (isalpha((unsigned char)*s) && k + 1 < sizeof(fn))
			fn[k++] = *s++;
		fn[k] = '\0';
		if (*s != '(')
			return (expr_fail(e, "expected a number"));
		e->s = s + 1;
		e->depth--;
		return (eval_func(e, fn, v));
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		d = isdigit((unsigned char)*s) ? *s - '0' :
		    (base == 16 && isxdigit((unsigned char)*s)) ?
		    tolower((unsigned char)*s) - 'a' + 10 : -1;
		if (d < 0)
			break;
		if (x > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return (expr_fail(e, "too large"));
		x = x * (uint64_t)base + (uint64_t)d;
		nd++;
	}
	if (nd == 0)
		return (expr_fail(e, "expected a number"));
	switch (*s) {
	case 'k': case 'K': mul = 1ull << 10; s++; break;
	case 'm': case 'M': mul = 1ull << 20; s++; break;
	case 'g': case 'G': mul = 1ull << 30; s++; break;
	case 't': case 'T': mul = 1ull << 40; s++; break;
	case 'p': case 'P': mul = PAGE; s++; break;
	}
	if (x != 0 && mul > UINT64_MAX / x)
		return (expr_fail(e, "too large"));
	*v = x * mul;
	e->s = s;
	e->depth--;
	return (true);
}

static bool
eval_prod(struct expr *e, uint64_t *v)
{
	uint64_t r;
	char op;

	if (!eval_atom(e, v))
		return (false);
	while (*e->s == '*' || *e->s == '/' || *e->s == '%') {
		op = *e->s++;
		if (!eval_atom(e, &r))
			return (false);
		if (op == '*') {
			if (r != 0 && *v > UINT64_MAX / r)
				return (expr_fail(e, "overflow"));
			*v *= r;
		} else {
			if (r == 0)
				return (expr_fail(e, "division by zero"));
			*v = op == '/' ? *v / r : *v % r;
		}
	}
	return (true);
}

static bool
eval_sum(struct expr *e, uint64_t *v)
{
	uint64_t r;
	char op;

	if (!eval_prod(e, v))
		return (false);
	while (*e->s == '+' || *e->s == '-') {
		op = *e->s++;
		if (!eval_prod(e, &r))
			return (false);
		if (op == '+') {
			if (*v > UINT64_MAX - r)
				return (expr_fail(e, "overflow"));
			*v += r;
		} else {
			if (r > *v)
				return (expr_fail(e, "negative"));
			*v -= r;
		}
	}
	return (true);
}

static bool
eval(const struct ctx *c, const struct node *n, const char *s, uint64_t *v,
    bool quiet)
{
	struct expr e = { c, n, s, s, quiet, 0 };

	if (!eval_sum(&e, v))
		return (false);
	if (*e.s != '\0')
		return (expr_fail(&e, "trailing characters"));
	return (true);
}

/* An argument that must be a number (quoted words never are). */
static bool
arg_num(const struct ctx *c, const struct node *n, const struct arg *a,
    uint64_t *v)
{
	if (a->quoted) {
		cerror(c, n, "expected a number, not the string \"%s\"", a->s);
		return (false);
	}
	return (eval(c, n, a->s, v, false));
}

/* ---- address spaces ---------------------------------------------------- */

static struct space *
space_find_locked(const char *name)
{
	struct space *s;

	for (s = spaces; s != NULL; s = s->next)
		if (strcmp(s->name, name) == 0)
			break;
	return (s);
}

static bool
space_exists(const char *name)
{
	bool found;

	pthread_mutex_lock(&spaces_mtx);
	found = space_find_locked(name) != NULL;
	pthread_mutex_unlock(&spaces_mtx);
	return (found);
}

/* The named space, held; NULL if there is none. */
static struct space *
space_hold(const char *name)
{
	struct space *s;

	pthread_mutex_lock(&spaces_mtx);
	if ((s = space_find_locked(name)) != NULL)
		s->refs++;
	pthread_mutex_unlock(&spaces_mtx);
	return (s);
}

static void
space_drop(struct space *s)
{
	bool last;

	pthread_mutex_lock(&spaces_mtx);
	last = --s->refs == 0;
	pthread_mutex_unlock(&spaces_mtx);
	if (last) {
		vmspace_release(s->vs);
		free(s);
	}
}

static void
ctx_drop_held(struct ctx *c)
{
	while (c->nheld > 0)
		space_drop(c->held[--c->nheld]);
}

static int
add_space(const char *name, struct vmspace *vs)
{
	struct space *s;

	s = xmalloc(sizeof(*s));
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->vs = vs;
	s->refs = 1;
	pthread_mutex_lock(&spaces_mtx);
	s->pid = next_pid++;
	s->next = spaces;
	spaces = s;
	pthread_mutex_unlock(&spaces_mtx);
	return (s->pid);
}

/* Takes the name out of the table; the last holder releases the space. */
static bool
remove_space(const char *name)
{
	struct space **sp, *s;

	pthread_mutex_lock(&spaces_mtx);
	for (sp = &spaces; (s = *sp) != NULL; sp = &s->next)
		if (strcmp(s->name, name) == 0) {
			*sp = s->next;
			break;
		}
	pthread_mutex_unlock(&spaces_mtx);
	if (s != NULL)
		space_drop(s);
	return (s != NULL);
}

/* Only with no thread running, so nothing else holds a space. */
static void
release_all_spaces(void)
{
	struct space *s;

	for (;;) {
		pthread_mutex_lock(&spaces_mtx);
		s = spaces;
		if (s != NULL)
			spaces = s->next;
		else
			next_pid = 100;
		pthread_mutex_unlock(&spaces_mtx);
		if (s == NULL)
			break;
		space_drop(s);
	}
}

static bool
threads_running(void)
{
	struct vthread *t;
	bool any = false;

	pthread_mutex_lock(&threads_mtx);
	for (t = threads; t != NULL; t = t->next)
		if (!t->joined)
			any = true;
	pthread_mutex_unlock(&threads_mtx);
	return (any);
}

static int
ensure_booted(const struct ctx *c, const struct node *n)
{
	struct vm_config cfg;
	int error;

	if (booted)
		return (0);
	if (c->self != NULL) {
		cerror(c, n, "libvm is not booted (boot before starting "
		    "threads)");
		return (EUSAGE);
	}
	vm_config_init(&cfg);
	error = vm_boot(&cfg);
	if (error == 0 || error == EBUSY)
		booted = true;
	return (error == EBUSY ? 0 : error);
}

/*
 * The space an argument names, held until the command ends; EUSAGE
 * (reported) if there is none.
 */
static int
arg_space_pid(struct ctx *c, const struct node *n, const struct arg *a,
    struct vmspace **vsp, int *pidp)
{
	struct space *s;

	if (c->nheld == MAXHELD) {
		cerror(c, n, "too many address spaces in one command");
		return (EUSAGE);
	}
	if ((s = space_hold(a->s)) == NULL) {
		cerror(c, n, "no address space named \"%s\" (create it with "
		    "\"space %s\")", a->s, a->s);
		return (EUSAGE);
	}
	c->held[c->nheld++] = s;
	*vsp = s->vs;
	if (pidp != NULL)
		*pidp = s->pid;
	return (0);
}

static int
arg_space(struct ctx *c, const struct node *n, const struct arg *a,
    struct vmspace **vsp)
{
	return (arg_space_pid(c, n, a, vsp, NULL));
}

/* ---- argument vocabularies --------------------------------------------- */

struct word {
	const char	*name;
	int		 val;
};

static const struct word map_flags[] = {
	{ "shared", VM_MAP_SHARED }, { "private", VM_MAP_PRIVATE },
	{ "fixed", VM_MAP_FIXED }, { "excl", VM_MAP_EXCL },
	{ "stack", VM_MAP_STACK }, { "nocore", VM_MAP_NOCORE },
	{ "guard", VM_MAP_GUARD }, { "anon", VM_MAP_ANON },
	{ "nosync", VM_MAP_NOSYNC }, { "prefault_read", VM_MAP_PREFAULT_READ },
	{ "32bit", VM_MAP_32BIT }, { "super", VM_MAP_ALIGNED_SUPER },
	{ "text", VM_MAP_TEXT }, { NULL, 0 }
};

/* open(2) and shm_open(2) flags: the host's O_* values, as libvm takes. */
static const struct word open_flags[] = {
	{ "rdonly", O_RDONLY }, { "wronly", O_WRONLY }, { "rdwr", O_RDWR },
	{ "creat", O_CREAT }, { "excl", O_EXCL }, { "trunc", O_TRUNC },
	{ "nofollow", O_NOFOLLOW }, { NULL, 0 }
};

static const struct word seal_words[] = {
	{ "seal", VM_F_SEAL_SEAL }, { "shrink", VM_F_SEAL_SHRINK },
	{ "grow", VM_F_SEAL_GROW }, { "write", VM_F_SEAL_WRITE },
	{ NULL, 0 }
};

static const struct word msync_flags[] = {
	{ "sync", VM_MS_SYNC }, { "async", VM_MS_ASYNC },
	{ "invalidate", VM_MS_INVALIDATE }, { NULL, 0 }
};

static const struct word advices[] = {
	{ "normal", VM_MADV_NORMAL }, { "random", VM_MADV_RANDOM },
	{ "sequential", VM_MADV_SEQUENTIAL }, { "willneed", VM_MADV_WILLNEED },
	{ "dontneed", VM_MADV_DONTNEED }, { "free", VM_MADV_FREE },
	{ "nosync", VM_MADV_NOSYNC }, { "autosync", VM_MADV_AUTOSYNC },
	{ "nocore", VM_MADV_NOCORE }, { "core", VM_MADV_CORE },
	{ "protect", VM_MADV_PROTECT }, { NULL, 0 }
};

static const struct word inherits[] = {
	{ "share", VM_INHERIT_SHARE }, { "copy", VM_INHERIT_COPY },
	{ "none", VM_INHERIT_NONE }, { "zero", VM_INHERIT_ZERO },
	{ NULL, 0 }
};

static const struct word mcl_flags[] = {
	{ "current", VM_MCL_CURRENT }, { "future", VM_MCL_FUTURE },
	{ NULL, 0 }
};

static const struct word rlimits[] = {
	{ "data", VM_RLIMIT_DATA }, { "stack", VM_RLIMIT_STACK },
	{ "memlock", VM_RLIMIT_MEMLOCK }, { "as", VM_RLIMIT_AS },
	{ "vmem", VM_RLIMIT_AS }, { NULL, 0 }
};

static void
list_words(char *buf, size_t len, const struct word *w)
{
	size_t k = 0;

	buf[0] = '\0';
	for (; w->name != NULL && k < len; w++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s",
		    k == 0 ? "" : ", ", w->name);
}

/*
 * One word of a vocabulary, or with comma_ok a comma-separated list of
 * them or'ed together; a number is accepted as the raw value.
 */
static bool
arg_words(const struct ctx *c, const struct node *n, const struct arg *a,
    const struct word *tab, bool comma_ok, const char *what, int *v)
{
	char *copy, *w, *save = NULL, all[512];
	const struct word *t;
	uint64_t raw;
	bool ok = true;

	*v = 0;
	if (!a->quoted && eval(c, n, a->s, &raw, true)) {
		if (raw > INT32_MAX) {
			cerror(c, n, "%s %s: too large", what, a->s);
			return (false);
		}
		*v = (int)raw;
		return (true);
	}
	copy = xstrdup(a->s);
	for (w = strtok_r(copy, ",", &save); w != NULL;
	    w = strtok_r(NULL, ",", &save)) {
		for (t = tab; t->name != NULL; t++)
			if (strcmp(t->name, w) == 0)
				break;
		if (t->name == NULL) {
			list_words(all, sizeof(all), tab);
			cerror(c, n, "unknown %s \"%s\" (one of: %s)", what, w,
			    all);
			ok = false;
			break;
		}
		*v |= t->val;
		if (!comma_ok && strchr(a->s, ',') != NULL) {
			cerror(c, n, "one %s only, not \"%s\"", what, a->s);
			ok = false;
			break;
		}
	}
	if (ok && *v == 0 && strtok_r(copy, ",", &save) == NULL &&
	    a->s[0] == '\0') {
		cerror(c, n, "empty %s", what);
		ok = false;
	}
	free(copy);
	return (ok);
}

/* Protections: "rwx" letters with '-' as filler, "none", or a number. */
static bool
arg_prot(const struct ctx *c, const struct node *n, const struct arg *a,
    int *prot)
{
	const char *s = a->s;
	uint64_t raw;

	*prot = 0;
	if (strcmp(s, "none") == 0 || strcmp(s, "---") == 0)
		return (true);
	if (!a->quoted && isdigit((unsigned char)s[0])) {
		if (!eval(c, n, s, &raw, false))
			return (false);
		/* any bits: libvm judges them (EINVAL) */
		if (raw > INT32_MAX) {
			cerror(c, n, "protection %s: too large", s);
			return (false);
		}
		*prot = (int)raw;
		return (true);
	}
	for (; *s != '\0'; s++) {
		switch (*s) {
		case 'r': *prot |= VM_PROT_READ; break;
		case 'w': *prot |= VM_PROT_WRITE; break;
		case 'x': *prot |= VM_PROT_EXEC; break;
		case '-': break;
		default:
			cerror(c, n, "bad protection \"%s\" (letters r, w, x "
			    "and -, or none)", a->s);
			return (false);
		}
	}
	return (true);
}

/* Whether mmap's first optional word is a PROT rather than FLAGS. */
static bool
looks_like_prot(const struct ctx *c, const char *s)
{
	uint64_t v;

	if (strcmp(s, "none") == 0)
		return (true);
	if (isdigit((unsigned char)s[0]))	/* 3 is rw-, 32bit a flag */
		return (eval(c, NULL, s, &v, true));
	return (s[0] != '\0' && strspn(s, "rwx-") == strlen(s));
}

static void
prot_str(int prot, char *buf)
{
	buf[0] = (prot & VM_PROT_READ) ? 'r' : '-';
	buf[1] = (prot & VM_PROT_WRITE) ? 'w' : '-';
	buf[2] = (prot & VM_PROT_EXEC) ? 'x' : '-';
	buf[3] = '\0';
}

/* ---- byte patterns ----------------------------------------------------- */

/*
 * What "fill" writes and "check" expects.  Every pattern is a function of
 * the absolute address, so any part of a filled range can be checked on
 * its own: a byte value; a quoted string repeated (the byte at va is
 * s[va % len]); "addr", each 8-byte word holding its own address; and
 * "rand" or "rand:SEED", each word a hash of its address and the seed.
 */
struct pattern {
	enum { PAT_BYTE, PAT_STR, PAT_ADDR, PAT_RAND } kind;
	uint8_t		 byte;
	const char	*str;
	size_t		 len;
	uint64_t	 seed;
};

static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return (x ^ (x >> 31));
}

static bool
arg_pattern(const struct ctx *c, const struct node *n, const struct arg *a,
    struct pattern *p)
{
	uint64_t v;

	memset(p, 0, sizeof(*p));
	if (a->quoted) {
		if (a->s[0] == '\0') {
			cerror(c, n, "empty string pattern");
			return (false);
		}
		p->kind = PAT_STR;
		p->str = a->s;
		p->len = strlen(a->s);
		return (true);
	}
	if (strcmp(a->s, "addr") == 0) {
		p->kind = PAT_ADDR;
		return (true);
	}
	if (strncmp(a->s, "rand", 4) == 0 && (a->s[4] == '\0' ||
	    a->s[4] == ':')) {
		p->kind = PAT_RAND;
		if (a->s[4] == ':' && !eval(c, n, a->s + 5, &p->seed, false))
			return (false);
		return (true);
	}
	if (!eval(c, n, a->s, &v, true) || v > 255) {
		cerror(c, n, "bad pattern \"%s\" (a byte 0-255, \"string\", "
		    "addr, rand or rand:SEED)", a->s);
		return (false);
	}
	p->kind = PAT_BYTE;
	p->byte = (uint8_t)v;
	return (true);
}

static void
pattern_gen(const struct pattern *p, uint64_t va, uint8_t *buf, size_t len)
{
	size_t i;
	uint64_t w;

	switch (p->kind) {
	case PAT_BYTE:
		memset(buf, p->byte, len);
		return;
	case PAT_STR:
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)p->str[(va + i) % p->len];
		return;
	case PAT_ADDR:
	case PAT_RAND:
		for (i = 0; i < len; ) {
			uint64_t a = va + i;

			w = a & ~7ull;
			if (p->kind == PAT_RAND)
				w = mix64(w ^ mix64(p->seed));
			if ((a & 7) == 0 && len - i >= 8) {
				/* a whole word (the host is little-endian) */
				memcpy(buf + i, &w, 8);
				i += 8;
				continue;
			}
			buf[i++] = (uint8_t)(w >> (8 * (a & 7)));
		}
		return;
	}
}

/* ---- progress ------------------------------------------------------------ */

/* Long operations on a terminal show how far they are, on stderr. */
struct progress {
	const char	*what;
	uint64_t	 total;
	int		 shown;		/* last percentage printed, -1 none */
	bool		 on;
};

static void
progress_start(struct progress *pg, const struct ctx *c, const char *what,
    uint64_t total)
{
	pg->what = what;
	pg->total = total;
	pg->shown = -1;
	pg->on = total >= PROGRESS_MIN && c->self == NULL &&
	    isatty(STDERR_FILENO);
}

static void
progress_update(struct progress *pg, uint64_t done)
{
	int pct;

	if (!pg->on)
		return;
	pct = (int)(done * 100 / pg->total);
	if (pct == pg->shown)
		return;
	pg->shown = pct;
	out_lock();
	fprintf(stderr, "\r%s: %3d%%", pg->what, pct);
	fflush(stderr);
	out_unlock();
}

static void
progress_end(struct progress *pg)
{
	if (!pg->on || pg->shown < 0)
		return;
	out_lock();
	fprintf(stderr, "\r%*s\r", (int)strlen(pg->what) + 6, "");
	fflush(stderr);
	out_unlock();
}

/* ---- the commands ------------------------------------------------------ */

typedef int cmd_fn(struct ctx *, const struct node *, int, struct arg *,
    struct outcome *);

struct cmd {
	const char	*name;
	int		 amin, amax;	/* arguments after the name */
	bool		 boot;		/* needs libvm booted */
	cmd_fn		*fn;
	const char	*usage;
	const char	*help;
	bool		 value;		/* produces a value ("as VAR") */
};

static const struct cmd *find_cmd(const char *);
static int run_cmd(struct ctx *, const struct node *, int, struct arg *,
    struct outcome *);
static void report(const struct ctx *, const struct node *, const char *,
    const struct outcome *);

/* Finds where a user access fails in [va, va + len): signal and address. */
static void
locate_fault(struct vmspace *vs, vm_offset_t va, uint64_t len, int access,
    struct outcome *o)
{
	vm_offset_t a = va & ~(PAGE - 1);
	int sig, code;

	for (; a < va + len; a += PAGE)
		if (vm_fault_trap(vs, a < va ? va : a, access, &sig,
		    &code) != 0) {
			o->signo = sig;
			o->code = code;
			o->va = a < va ? va : a;
			return;
		}
}

static int
do_boot(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vm_config cfg;
	char *swap = NULL;
	uint64_t v;
	int i, error;

	(void)o;
	if (c->self != NULL || threads_running()) {
		cerror(c, n, "boot: threads are running (join them first)");
		return (EUSAGE);
	}
	vm_config_init(&cfg);
	for (i = 0; i < argc; i++) {
		char *eq = strchr(argv[i].s, '=');
		struct arg val;

		if (eq == NULL) {
			cerror(c, n, "boot: expected KEY=VALUE, not \"%s\"",
			    argv[i].s);
			goto usage;
		}
		*eq = '\0';
		val.s = eq + 1;
		val.quoted = false;
		if (strcmp(argv[i].s, "pmap") == 0) {
			if (strcmp(val.s, "soft") == 0)
				cfg.pmap = VM_PMAP_SOFT;
			else if (strcmp(val.s, "host") == 0)
				cfg.pmap = VM_PMAP_HOST;
			else {
				cerror(c, n, "boot: pmap is soft or host");
				goto usage;
			}
			continue;
		}
		if (strcmp(argv[i].s, "swap") == 0) {
			char *colon = strrchr(val.s, ':');

			cfg.swapsize = 64ull << 20;
			if (colon != NULL) {
				struct arg sz = { colon + 1, false };

				*colon = '\0';
				if (!arg_num(c, n, &sz, &cfg.swapsize))
					goto usage;
			}
			free(swap);
			swap = xstrdup(val.s);
			cfg.swapfile = swap;
			continue;
		}
		if (!arg_num(c, n, &val, &v))
			goto usage;
		if (strcmp(argv[i].s, "physmem") == 0)
			cfg.physmem = v;
		else if (strcmp(argv[i].s, "seed") == 0)
			cfg.seed = v;
		else if (strcmp(argv[i].s, "ncpu") == 0 && v <= 4096)
			cfg.ncpu = (int)v;
		else if (strcmp(argv[i].s, "ndomain") == 0 && v <= 64)
			cfg.ndomain = (int)v;
		else {
			cerror(c, n, "boot: unknown or out-of-range option "
			    "\"%s\" (physmem, ncpu, ndomain, pmap, seed, swap)",
			    argv[i].s);
			goto usage;
		}
	}
	if (booted) {
		release_all_spaces();
		vm_shutdown();
		booted = false;
	}
	error = vm_boot(&cfg);
	free(swap);
	if (error == 0) {
		char sz[32];
		uint64_t pm = 0, ncpu = 0;

		booted = true;
		sysctl_u64("hw.physmem", &pm);
		sysctl_u64("hw.ncpu", &ncpu);
		fmt_size(sz, sizeof(sz), pm);
		say(c, "booted: %s of physical memory, %" PRIu64 " CPU "
		    "slots, %s pmap", sz, ncpu,
		    cfg.pmap == VM_PMAP_SOFT ? "software" : "host");
	}
	return (error);
usage:
	free(swap);
	return (EUSAGE);
}

static int
do_shutdown(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	(void)argc; (void)argv; (void)o;
	if (c->self != NULL || threads_running()) {
		cerror(c, n, "shutdown: threads are running (join them first)");
		return (EUSAGE);
	}
	if (booted) {
		release_all_spaces();
		vm_shutdown();
		booted = false;
	}
	return (0);
}

static int
do_space(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	int i, error;

	(void)o;
	for (i = 0; i < argc; i++) {
		if (!valid_name(argv[i].s)) {
			cerror(c, n, "space: bad name \"%s\" (letters, digits, "
			    "_ and -, at most %d)", argv[i].s, NAMEMAX - 1);
			return (EUSAGE);
		}
		if (space_exists(argv[i].s)) {
			cerror(c, n, "space: \"%s\" exists", argv[i].s);
			return (EUSAGE);
		}
		if ((error = vmspace_create(&vs)) != 0)
			return (error);
		add_space(argv[i].s, vs);
	}
	return (0);
}

static int
do_fork(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *parent, *child;
	int error, pid, ppid;

	(void)argc; (void)o;
	if ((error = arg_space_pid(c, n, &argv[0], &parent, &ppid)) != 0)
		return (error);
	if (!valid_name(argv[1].s) || space_exists(argv[1].s)) {
		cerror(c, n, "fork: \"%s\" is not a free name", argv[1].s);
		return (EUSAGE);
	}
	if ((error = vmspace_fork(parent, &child)) != 0)
		return (error);
	pid = add_space(argv[1].s, child);
	say(c, "%s (pid %d) forked %s (pid %d)", argv[0].s, ppid, argv[1].s,
	    pid);
	return (0);
}

static int
do_exit(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	int error;

	(void)argc; (void)o;
	if ((error = arg_space(c, n, &argv[0], &vs)) != 0)
		return (error);
	/* Released when this command (and any other user) lets go. */
	remove_space(argv[0].s);
	return (0);
}

static int
do_spaces(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct space *s;

	(void)n; (void)argc; (void)argv; (void)o;
	pthread_mutex_lock(&spaces_mtx);
	for (s = spaces; s != NULL; s = s->next)
		say(c, "%-16s pid %d", s->name, s->pid);
	pthread_mutex_unlock(&spaces_mtx);
	return (0);
}

/* Splits off "key=value" options; returns the value or NULL. */
static const char *
opt_value(struct arg *a, const char *key)
{
	size_t k = strlen(key);

	if (!a->quoted && strncmp(a->s, key, k) == 0 && a->s[k] == '=')
		return (a->s + k + 1);
	return (NULL);
}

static int
do_mmap(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	vm_offset_t addr = 0;
	uint64_t len, v, off = 0;
	int prot = VM_PROT_READ | VM_PROT_WRITE, maxprot = 0, flags = 0;
	int fd = -1, i, error, pos = 0;
	bool have_flags = false;
	char ps[4], sz[32], fdoff[64];

	if ((error = arg_space(c, n, &argv[0], &vs)) != 0)
		return (error);
	if (!arg_num(c, n, &argv[1], &len))
		return (EUSAGE);
	for (i = 2; i < argc; i++) {
		const char *val;
		struct arg va;

		va.quoted = false;
		if ((val = opt_value(&argv[i], "addr")) != NULL) {
			va.s = (char *)val;
			if (!arg_num(c, n, &va, &addr))
				return (EUSAGE);
		} else if ((val = opt_value(&argv[i], "max")) != NULL) {
			va.s = (char *)val;
			if (!arg_prot(c, n, &va, &maxprot))
				return (EUSAGE);
			if ((maxprot & ~(VM_PROT_READ | VM_PROT_WRITE |
			    VM_PROT_EXEC)) != 0) {
				cerror(c, n, "mmap: max=%s: rwx only", val);
				return (EUSAGE);
			}
		} else if ((val = opt_value(&argv[i], "fd")) != NULL) {
			va.s = (char *)val;
			if (!arg_num(c, n, &va, &v) || v > INT32_MAX)
				return (EUSAGE);
			fd = (int)v;
		} else if ((val = opt_value(&argv[i], "off")) != NULL) {
			va.s = (char *)val;
			if (!arg_num(c, n, &va, &off))
				return (EUSAGE);
		} else if ((val = opt_value(&argv[i], "align")) != NULL) {
			va.s = (char *)val;
			if (!arg_num(c, n, &va, &v) || v < 12 || v > 47) {
				cerror(c, n, "mmap: align=SHIFT, 12 to 47");
				return (EUSAGE);
			}
			flags |= VM_MAP_ALIGNED((int)v);
		} else if (pos == 0 && strchr(argv[i].s, '=') == NULL &&
		    looks_like_prot(c, argv[i].s)) {
			if (!arg_prot(c, n, &argv[i], &prot))
				return (EUSAGE);
			pos++;
		} else if (pos <= 1 && strchr(argv[i].s, '=') == NULL) {
			/* FLAGS, with PROT left at its default or given */
			int f;

			if (!arg_words(c, n, &argv[i], map_flags, true,
			    "mmap flag", &f))
				return (EUSAGE);
			flags |= f;
			have_flags = true;
			pos++;
		} else {
			const struct word *w;

			for (w = map_flags; w->name != NULL; w++)
				if (strcmp(w->name, argv[i].s) == 0)
					break;
			cerror(c, n, "mmap: unexpected \"%s\"%s", argv[i].s,
			    w->name != NULL ? " (FLAGS are one word, "
			    "comma-separated: shared,fixed)" : "");
			return (EUSAGE);
		}
	}
	if (!have_flags)
		flags |= VM_MAP_PRIVATE;
	if (fd == -1 && (flags & VM_MAP_GUARD) == 0)
		flags |= VM_MAP_ANON;	/* a guard is neither file nor anon */
	error = vm_mmap(vs, &addr, len, prot | VM_PROT_MAX(maxprot), flags,
	    fd, off);
	if (error != 0)
		return (error);
	prot_str(prot, ps);
	fmt_size(sz, sizeof(sz), len);
	if (fd == -1)
		fdoff[0] = '\0';
	else
		snprintf(fdoff, sizeof(fdoff), ", fd %d off %#" PRIx64, fd,
		    off);
	/*
	 * The entry: an offset inside a page maps from the page's start,
	 * and the address produced points at the offset's byte (FreeBSD).
	 */
	say(c, "%s: mapped %#" PRIx64 "-%#" PRIx64 " (%s, %s%s)", argv[0].s,
	    addr & ~(PAGE - 1), (addr + len + PAGE - 1) & ~(PAGE - 1), sz, ps,
	    fdoff);
	o->hasval = true;
	val_num(&o->val, addr, true);
	return (0);
}

/* SPACE ADDR LEN: the shape of most calls. */
static int
space_range(struct ctx *c, const struct node *n, struct arg *argv,
    struct vmspace **vs, uint64_t *addr, uint64_t *len)
{
	int error;

	if ((error = arg_space(c, n, &argv[0], vs)) != 0)
		return (error);
	if (!arg_num(c, n, &argv[1], addr) || !arg_num(c, n, &argv[2], len))
		return (EUSAGE);
	return (0);
}

static int
do_munmap(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	uint64_t a, l;
	int error;

	(void)argc; (void)o;
	if ((error = space_range(c, n, argv, &vs, &a, &l)) != 0)
		return (error);
	return (vm_munmap(vs, a, l));
}

static int
do_mprotect(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	uint64_t a, l;
	int error, prot;

	(void)argc; (void)o;
	if ((error = space_range(c, n, argv, &vs, &a, &l)) != 0)
		return (error);
	if (!arg_prot(c, n, &argv[3], &prot))
		return (EUSAGE);
	return (vm_mprotect(vs, a, l, prot));
}

/* SPACE ADDR LEN WORD: madvise and minherit, a vocabulary each. */
static int
range_with_word(struct ctx *c, const struct node *n, struct arg *argv,
    const struct word *tab, const char *what,
    int (*call)(struct vmspace *, vm_offset_t, vm_size_t, int))
{
	struct vmspace *vs;
	uint64_t a, l;
	int error, w;

	if ((error = space_range(c, n, argv, &vs, &a, &l)) != 0)
		return (error);
	if (!arg_words(c, n, &argv[3], tab, false, what, &w))
		return (EUSAGE);
	return (call(vs, a, l, w));
}

static int
do_madvise(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	(void)argc; (void)o;
	return (range_with_word(c, n, argv, advices, "advice", vm_madvise));
}

static int
do_minherit(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	(void)argc; (void)o;
	return (range_with_word(c, n, argv, inherits, "inheritance",
	    vm_minherit));
}

/*
 * mincore's vector, one character a page: '-' not resident, 'i' resident,
 * 'r' referenced, 'm' modified (through this mapping); upper case when
 * the state comes from another mapping of the page (REFERENCED_OTHER,
 * MODIFIED_OTHER).
 */
static int
do_mincore(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	uint64_t a, l, np, i;
	char *vec;
	char *s;
	int error;

	(void)argc;
	if ((error = space_range(c, n, argv, &vs, &a, &l)) != 0)
		return (error);
	np = (l + (a & (PAGE - 1)) + PAGE - 1) / PAGE;
	if (np > (64u << 20)) {
		cerror(c, n, "mincore: at most 64 Mi pages at once");
		return (EUSAGE);
	}
	vec = xmalloc(np);
	s = xmalloc(np + 1);
	error = vm_mincore(vs, a, l, vec);
	if (error == 0) {
		for (i = 0; i < np; i++) {
			int m = (unsigned char)vec[i];

			s[i] = (m & VM_MINCORE_MODIFIED) ? 'm' :
			    (m & VM_MINCORE_MODIFIED_OTHER) ? 'M' :
			    (m & VM_MINCORE_REFERENCED) ? 'r' :
			    (m & VM_MINCORE_REFERENCED_OTHER) ? 'R' :
			    (m & VM_MINCORE_INCORE) ? 'i' : '-';
		}
		s[np] = '\0';
		say(c, "%s: mincore %#" PRIx64 ": %s", argv[0].s, a, s);
		o->hasval = true;
		val_str(&o->val, s);
	}
	free(vec);
	free(s);
	return (error);
}

static int
do_mlock(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	uint64_t a, l;
	int error;

	(void)argc; (void)o;
	if ((error = space_range(c, n, argv, &vs, &a, &l)) != 0)
		return (error);
	/* argv[-1] is the command's own name: mlock or munlock */
	return (strcmp(argv[-1].s, "munlock") == 0 ? vm_munlock(vs, a, l) :
	    vm_mlock(vs, a, l));
}

static int
do_mlockall(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	int error, flags;

	(void)argc; (void)o;
	if ((error = arg_space(c, n, &argv[0], &vs)) != 0)
		return (error);
	if (!arg_words(c, n, &argv[1], mcl_flags, true, "mlockall flag",
	    &flags))
		return (EUSAGE);
	return (vm_mlockall(vs, flags));
}

static int
do_munlockall(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	int error;

	(void)argc; (void)o;
	if ((error = arg_space(c, n, &argv[0], &vs)) != 0)
		return (error);
	return (vm_munlockall(vs));
}

static int
do_brk(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	uint64_t a;
	int error;

	(void)argc; (void)o;
	if ((error = arg_space(c, n, &argv[0], &vs)) != 0)
		return (error);
	if (!arg_num(c, n, &argv[1], &a))
		return (EUSAGE);
	return (vm_brk(vs, a));
}

static int
do_setrlimit(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	uint64_t cur, max, ocur;
	int error, res;

	(void)o;
	if ((error = arg_space(c, n, &argv[0], &vs)) != 0)
		return (error);
	if (!arg_words(c, n, &argv[1], rlimits, false, "resource", &res))
		return (EUSAGE);
	if (strcmp(argv[2].s, "infinity") == 0)
		cur = VM_RLIM_INFINITY;
	else if (!arg_num(c, n, &argv[2], &cur))
		return (EUSAGE);
	if (argc == 3) {
		if ((error = vm_getrlimit(vs, res, &ocur, &max)) != 0)
			return (error);
	} else if (strcmp(argv[3].s, "infinity") == 0)
		max = VM_RLIM_INFINITY;
	else if (!arg_num(c, n, &argv[3], &max))
		return (EUSAGE);
	return (vm_setrlimit(vs, res, cur, max));
}

static int
do_getrlimit(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	uint64_t cur, max;
	char a[32], b[32];
	int error, res;

	(void)argc;
	if ((error = arg_space(c, n, &argv[0], &vs)) != 0)
		return (error);
	if (!arg_words(c, n, &argv[1], rlimits, false, "resource", &res))
		return (EUSAGE);
	if ((error = vm_getrlimit(vs, res, &cur, &max)) != 0)
		return (error);
	if (cur == VM_RLIM_INFINITY)
		snprintf(a, sizeof(a), "infinity");
	else
		snprintf(a, sizeof(a), "%" PRIu64, cur);
	if (max == VM_RLIM_INFINITY)
		snprintf(b, sizeof(b), "infinity");
	else
		snprintf(b, sizeof(b), "%" PRIu64, max);
	say(c, "%s: %s limit %s, max %s", argv[0].s, argv[1].s, a, b);
	o->hasval = true;
	val_num(&o->val, cur, false);
	return (0);
}

static int
do_write(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	uint64_t a;
	size_t len;
	int error;

	(void)argc;
	if ((error = arg_space(c, n, &argv[0], &vs)) != 0)
		return (error);
	if (!arg_num(c, n, &argv[1], &a))
		return (EUSAGE);
	len = strlen(argv[2].s);
	error = vm_copyout(vs, argv[2].s, a, len);
	if (error == EFAULT)
		locate_fault(vs, a, len, VM_PROT_WRITE, o);
	return (error);
}

/* fill and check: one loop, chunk by chunk through copyout/copyin. */
static int
fill_or_check(struct ctx *c, const struct node *n, struct arg *argv,
    struct outcome *o, bool check)
{
	struct vmspace *vs;
	struct pattern p;
	struct progress pg;
	uint64_t a, l, done, bad = 0, first = 0;
	uint8_t *want, *have, wb = 0, hb = 0;
	int error;

	if ((error = space_range(c, n, argv, &vs, &a, &l)) != 0)
		return (error);
	if (!arg_pattern(c, n, &argv[3], &p))
		return (EUSAGE);
	if (a + l < a) {
		cerror(c, n, "%s: range wraps around",
		    check ? "check" : "fill");
		return (EUSAGE);
	}
	want = xmalloc(CHUNK);
	have = xmalloc(CHUNK);
	progress_start(&pg, c, check ? "check" : "fill", l);
	for (done = 0; done < l; done += CHUNK) {
		size_t k = l - done < CHUNK ? (size_t)(l - done) : CHUNK;
		size_t i;

		pattern_gen(&p, a + done, want, k);
		if (!check) {
			error = vm_copyout(vs, want, a + done, k);
		} else {
			error = vm_copyin(vs, a + done, have, k);
			if (error == 0 && memcmp(want, have, k) != 0)
				for (i = 0; i < k; i++)
					if (want[i] != have[i]) {
						if (bad++ == 0) {
							first = a + done + i;
							wb = want[i];
							hb = have[i];
						}
					}
		}
		if (error != 0) {
			locate_fault(vs, a + done, k, check ? VM_PROT_READ :
			    VM_PROT_WRITE, o);
			break;
		}
		progress_update(&pg, done + k);
	}
	progress_end(&pg);
	free(want);
	free(have);
	if (error == 0 && bad != 0) {
		/* Said by report(), or by expect if it wanted no mismatch. */
		snprintf(o->why, sizeof(o->why), "%" PRIu64 " byte%s differ%s; "
		    "the first at %#" PRIx64 " is 0x%02x, expected 0x%02x", bad,
		    bad == 1 ? "" : "s", bad == 1 ? "s" : "", first, hb, wb);
		o->hasval = true;
		val_num(&o->val, bad, false);
		return (EMISMATCH);
	}
	return (error);
}

static int
do_fill(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	(void)argc;
	return (fill_or_check(c, n, argv, o, false));
}

static int
do_check(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	(void)argc;
	return (fill_or_check(c, n, argv, o, true));
}

/* A hexdump, 16 bytes a line, as hexdump -C prints it. */
static int
do_read(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	uint64_t a, l, i, j;
	uint8_t *buf;
	char line[128];
	int error, k;

	(void)argc;
	if ((error = space_range(c, n, argv, &vs, &a, &l)) != 0)
		return (error);
	if (l > 65536) {
		cerror(c, n, "read: at most 64 KiB at once");
		return (EUSAGE);
	}
	buf = xmalloc(l);
	error = vm_copyin(vs, a, buf, l);
	if (error == EFAULT)
		locate_fault(vs, a, l, VM_PROT_READ, o);
	for (i = 0; error == 0 && i < l; i += 16) {
		k = snprintf(line, sizeof(line), "%016" PRIx64 " ", a + i);
		for (j = i; j < i + 16; j++)
			k += snprintf(line + k, sizeof(line) - k, j < l ?
			    " %02x" : "   ", j < l ? buf[j] : 0);
		k += snprintf(line + k, sizeof(line) - k, "  |");
		for (j = i; j < i + 16 && j < l; j++)
			line[k++] = isprint(buf[j]) ? (char)buf[j] : '.';
		line[k++] = '|';
		line[k] = '\0';
		say(c, "%s", line);
	}
	free(buf);
	return (error);
}

static bool
arg_access(const struct ctx *c, const struct node *n, const struct arg *a,
    int *access)
{
	if (strcmp(a->s, "r") == 0 || strcmp(a->s, "read") == 0)
		*access = VM_PROT_READ;
	else if (strcmp(a->s, "w") == 0 || strcmp(a->s, "write") == 0)
		*access = VM_PROT_WRITE;
	else if (strcmp(a->s, "x") == 0 || strcmp(a->s, "exec") == 0)
		*access = VM_PROT_EXEC;
	else {
		cerror(c, n, "bad access \"%s\" (r, w or x)", a->s);
		return (false);
	}
	return (true);
}

/* One CPU access a page over a range, as a program touching it would. */
static int
do_touch(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	struct progress pg;
	uint64_t a, l, p;
	int error, access = VM_PROT_WRITE;

	if ((error = space_range(c, n, argv, &vs, &a, &l)) != 0)
		return (error);
	if (argc == 4 && !arg_access(c, n, &argv[3], &access))
		return (EUSAGE);
	if (a + l < a) {
		cerror(c, n, "touch: range wraps around");
		return (EUSAGE);
	}
	progress_start(&pg, c, "touch", l);
	for (p = a & ~(PAGE - 1); p < a + l; p += PAGE) {
		vm_offset_t va = p < a ? a : p;

		error = vm_fault_trap(vs, va, access, &o->signo, &o->code);
		if (error != 0) {
			o->va = va;
			break;
		}
		if (((p - (a & ~(PAGE - 1))) & ((16 << 20) - 1)) == 0)
			progress_update(&pg, p - a);
	}
	progress_end(&pg);
	return (error);
}

static int
do_access(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	uint64_t a;
	int error, access;

	(void)argc;
	if ((error = arg_space(c, n, &argv[0], &vs)) != 0)
		return (error);
	if (!arg_num(c, n, &argv[1], &a) || !arg_access(c, n, &argv[2],
	    &access))
		return (EUSAGE);
	error = vm_fault_trap(vs, a, access, &o->signo, &o->code);
	if (error != 0)
		o->va = a;
	return (error);
}

/* Remembers every counter, for delta(). */
static int
do_mark(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	char name[128] = "", next[128];
	struct mark *m = NULL;
	int nm = 0;
	uint64_t v;

	(void)c; (void)n; (void)argc; (void)argv; (void)o;
	while (vm_sysctl_next(name, next, sizeof(next)) == 0) {
		snprintf(name, sizeof(name), "%s", next);
		if (strlen(name) >= sizeof(m->name) || !sysctl_u64(name, &v))
			continue;
		m = realloc(m, sizeof(*m) * (nm + 1));
		if (m == NULL) {
			fprintf(stderr, "vmsh: out of memory\n");
			exit(2);
		}
		memcpy(m[nm].name, name, strlen(name) + 1);
		m[nm++].val = v;
	}
	pthread_mutex_lock(&vars_mtx);
	free(marks);
	marks = m;
	nmarks = nm;
	pthread_mutex_unlock(&vars_mtx);
	return (0);
}

static int
do_echo(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	char *line;
	size_t len = 1;
	int i;

	(void)n; (void)o;
	for (i = 0; i < argc; i++)
		len += strlen(argv[i].s) + 1;
	line = xmalloc(len);
	line[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strcat(line, " ");
		strcat(line, argv[i].s);
	}
	say(c, "%s", line);
	free(line);
	return (0);
}

static int
do_set(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct val v;
	struct arg *a = &argv[1];
	uint64_t num;

	(void)o;
	if (argc == 3) {
		if (strcmp(argv[1].s, "=") != 0) {
			cerror(c, n, "set: expected set NAME [=] VALUE");
			return (EUSAGE);
		}
		a = &argv[2];
	} else if (argc != 2) {
		cerror(c, n, "set: expected set NAME [=] VALUE");
		return (EUSAGE);
	}
	if (!valid_name(argv[0].s) || strcmp(argv[0].s, "i") == 0 ||
	    strchr(argv[0].s, '-') != NULL) {
		cerror(c, n, "set: bad variable name \"%s\"", argv[0].s);
		return (EUSAGE);
	}
	if (a->quoted)
		val_str(&v, a->s);
	else {
		if (!eval(c, n, a->s, &num, false))
			return (EUSAGE);
		val_num(&v, num, strncmp(a->s, "0x", 2) == 0 ||
		    a->s[0] == '$');
	}
	var_set(argv[0].s, &v);
	val_clear(&v);
	return (0);
}

static int
do_sleep(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct timespec ts;
	uint64_t ms;

	(void)argc; (void)o;
	if (!arg_num(c, n, &argv[0], &ms) || ms > 600000) {
		cerror(c, n, "sleep: milliseconds, at most 600000");
		return (EUSAGE);
	}
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	nanosleep(&ts, NULL);
	return (0);
}

static bool
join_thread(struct vthread *t)
{
	pthread_join(t->tid, NULL);
	t->joined = true;
	return (!t->failed);
}

static int
do_join(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vthread *t;
	int i, failed = 0;

	(void)o;
	if (c->self != NULL) {
		cerror(c, n, "join: only the main thread joins");
		return (EUSAGE);
	}
	for (i = 0; i < argc; i++) {
		pthread_mutex_lock(&threads_mtx);
		for (t = threads; t != NULL; t = t->next)
			if (!t->joined && strcmp(t->name, argv[i].s) == 0)
				break;
		pthread_mutex_unlock(&threads_mtx);
		if (t == NULL) {
			cerror(c, n, "join: no running thread \"%s\"",
			    argv[i].s);
			return (EUSAGE);
		}
		if (!join_thread(t))
			failed++;
	}
	if (argc == 0)
		failed += exec_join_all();
	if (failed != 0) {
		cerror(c, n, "join: %d thread%s failed", failed,
		    failed == 1 ? "" : "s");
		return (EMISMATCH);
	}
	return (0);
}

static int
do_procstat(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct space *s;
	struct vmspace *vs;
	int i = 0, pid, error = 0;
	bool header = true;

	(void)o;
	if (argc > 0 && strcmp(argv[0].s, "-v") == 0)
		i++;
	if (i == argc) {
		/* Every space, by pid, as procstat -v -a would. */
		int p;

		pthread_mutex_lock(&spaces_mtx);
		p = next_pid;
		pthread_mutex_unlock(&spaces_mtx);
		for (pid = 100; pid < p; pid++) {
			char name[NAMEMAX] = "";

			pthread_mutex_lock(&spaces_mtx);
			for (s = spaces; s != NULL; s = s->next)
				if (s->pid == pid) {
					snprintf(name, sizeof(name), "%s",
					    s->name);
					break;
				}
			pthread_mutex_unlock(&spaces_mtx);
			if (name[0] == '\0' || (s = space_hold(name)) == NULL)
				continue;
			view_procstat(name, s->vs, pid, header);
			space_drop(s);
			header = false;
		}
		return (0);
	}
	for (; i < argc; i++) {
		if ((error = arg_space_pid(c, n, &argv[i], &vs, &pid)) != 0)
			return (error);
		if ((error = view_procstat(argv[i].s, vs, pid, header)) != 0)
			return (error);
		header = false;
	}
	return (0);
}

/* A view that takes argv-style flags, printed under the output lock. */
static int
run_view(const struct node *n, int argc, struct arg *argv,
    int (*view)(const struct node *, int, char **))
{
	char **v = xmalloc(sizeof(*v) * (argc + 1));
	int i, error;

	for (i = 0; i < argc; i++)
		v[i] = argv[i].s;
	v[argc] = NULL;
	out_lock();
	error = view(n, argc, v);
	out_unlock();
	free(v);
	return (error);
}

static int
do_vmstat(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	(void)c; (void)o;
	return (run_view(n, argc, argv, view_vmstat));
}

static int
do_sysctl(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	(void)c; (void)o;
	return (run_view(n, argc, argv, view_sysctl));
}

static int
do_swapinfo(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	int error;

	(void)c; (void)n; (void)argc; (void)argv; (void)o;
	out_lock();
	error = view_swapinfo();
	out_unlock();
	return (error);
}

static int
do_show(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	uint64_t a = 0;
	int error;

	(void)o;
	if (strcmp(argv[0].s, "map") != 0 && strcmp(argv[0].s, "object") != 0 &&
	    strcmp(argv[0].s, "page") != 0) {
		cerror(c, n, "show: map, object or page, not \"%s\"",
		    argv[0].s);
		return (EUSAGE);
	}
	if ((error = arg_space(c, n, &argv[1], &vs)) != 0)
		return (error);
	if (strcmp(argv[0].s, "map") == 0) {
		out_lock();
		error = vm_db_show_map(vs, stdout);
		fflush(stdout);
		out_unlock();
		return (error);
	}
	if (argc < 3 || !arg_num(c, n, &argv[2], &a)) {
		if (argc < 3)
			cerror(c, n, "show %s: expected SPACE ADDR",
			    argv[0].s);
		return (EUSAGE);
	}
	if (strcmp(argv[0].s, "object") == 0 || strcmp(argv[0].s,
	    "page") == 0) {
		out_lock();
		error = argv[0].s[0] == 'o' ? vm_db_show_object(vs, a, stdout) :
		    vm_db_show_page(vs, a, stdout);
		fflush(stdout);
		out_unlock();
		return (error);
	}
	cerror(c, n, "show: map, object or page, not \"%s\"", argv[0].s);
	return (EUSAGE);
}

static int
do_coredump(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	struct stat st;
	char a[32], b[32];
	int error, fd, flags = 0;

	(void)o;
	if ((error = arg_space(c, n, &argv[0], &vs)) != 0)
		return (error);
	if (argc == 3) {
		if (strcmp(argv[2].s, "-f") != 0) {
			cerror(c, n, "coredump: expected -f, not \"%s\"",
			    argv[2].s);
			return (EUSAGE);
		}
		flags = VM_COREDUMP_FULL;
	}
	fd = open(argv[1].s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		cerror(c, n, "coredump: %s: %s", argv[1].s, strerror(errno));
		return (EUSAGE);
	}
	error = vm_coredump(vs, fd, flags);
	if (error == 0 && fstat(fd, &st) == 0) {
		fmt_size(a, sizeof(a), (uint64_t)st.st_size);
		fmt_size(b, sizeof(b), (uint64_t)st.st_blocks * 512);
		say(c, "%s: core %s: %s, %s on disk%s", argv[0].s, argv[1].s,
		    a, b, flags ? " (full)" : "");
		o->hasval = true;
		val_num(&o->val, (uint64_t)st.st_blocks * 512, false);
	}
	close(fd);
	return (error);
}

/* ---- files and shared memory ----------------------------------------------- */

/*
 * Descriptors are libvm's (one table for the whole library, vm_open(3)),
 * not vmsh's: a script keeps their numbers in variables (open ... as fd)
 * as it keeps addresses.  Patterns written and read through a descriptor
 * are functions of the file offset, as those in memory are of the
 * address, so a file filled with "pwrite FD 0 LEN P" reads back as P
 * through a mapping of it at offset 0 wherever that mapping is (for a
 * string pattern of power-of-two length, and a page-aligned mapping).
 */

/* A descriptor number: an expression, at most INT32_MAX. */
static bool
arg_fd(const struct ctx *c, const struct node *n, const struct arg *a,
    int *fd)
{
	uint64_t v;

	if (!arg_num(c, n, a, &v))
		return (false);
	if (v > INT32_MAX) {
		cerror(c, n, "descriptor %s: too large", a->s);
		return (false);
	}
	*fd = (int)v;
	return (true);
}

/*
 * A mode: octal digits as chmod(1) takes them (644, 0600), or an
 * expression in hexadecimal (0x1a4); at most 07777.
 */
static bool
arg_mode(const struct ctx *c, const struct node *n, const struct arg *a,
    int *mode)
{
	const char *s = a->s;
	uint64_t v = 0;

	if (!a->quoted && s[0] != '\0' && strspn(s, "0123456789") ==
	    strlen(s)) {
		/* digits are octal, never decimal: 999 is a mistake */
		for (; *s != '\0' && v <= 07777; s++) {
			if (*s > '7')
				break;
			v = v * 8 + (uint64_t)(*s - '0');
		}
		if (*s > '7') {
			cerror(c, n, "bad mode \"%s\" (octal, as chmod takes "
			    "it: 644)", a->s);
			return (false);
		}
	} else if (a->quoted || !eval(c, n, s, &v, true)) {
		cerror(c, n, "bad mode \"%s\" (octal, as chmod takes it: 644)",
		    a->s);
		return (false);
	}
	if (v > 07777) {
		cerror(c, n, "mode %s: more than 07777", a->s);
		return (false);
	}
	*mode = (int)v;
	return (true);
}

/* open and shm_open: NAME [FLAGS [MODE]], a descriptor as the value. */
static int
open_common(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o, bool shm)
{
	const char *name = argv[0].s;
	int flags = shm ? O_RDWR | O_CREAT : O_RDONLY;
	int mode = shm ? 0600 : 0644;
	int error, fd = -1;

	if (argc >= 2 && !arg_words(c, n, &argv[1], open_flags, true,
	    "open flag", &flags))
		return (EUSAGE);
	if (argc >= 3 && !arg_mode(c, n, &argv[2], &mode))
		return (EUSAGE);
	if (shm)
		error = vm_shm_open(strcmp(name, "anon") == 0 &&
		    !argv[0].quoted ? NULL : name, flags, mode, &fd);
	else
		error = vm_open(name, flags, mode, &fd);
	if (error != 0)
		return (error);
	say(c, "%s: fd %d", name, fd);
	o->hasval = true;
	val_num(&o->val, (uint64_t)fd, false);
	return (0);
}

static int
do_open(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	return (open_common(c, n, argc, argv, o, false));
}

static int
do_shm_open(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	return (open_common(c, n, argc, argv, o, true));
}

static int
do_shm_unlink(struct ctx *c, const struct node *n, int argc,
    struct arg *argv, struct outcome *o)
{
	(void)c; (void)n; (void)argc; (void)o;
	return (vm_shm_unlink(argv[0].s));
}

/* swapon PATH SIZE, swapoff PATH: swap devices (vm_swapon(3)). */
static int
do_swapon(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	uint64_t size;

	(void)o;
	if (strcmp(argv[-1].s, "swapoff") == 0)
		return (argc != 1 ? EUSAGE : vm_swapoff(argv[0].s));
	if (argc != 2 || !arg_num(c, n, &argv[1], &size))
		return (EUSAGE);
	return (vm_swapon(argv[0].s, size));
}

/* close, fsync: FD alone; the command's own name says which. */
static int
do_fdcall(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	int fd;

	(void)argc; (void)o;
	if (!arg_fd(c, n, &argv[0], &fd))
		return (EUSAGE);
	return (strcmp(argv[-1].s, "fsync") == 0 ? vm_fsync(fd) :
	    vm_close(fd));
}

static int
do_ftruncate(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	uint64_t len;
	int fd;

	(void)argc; (void)o;
	if (!arg_fd(c, n, &argv[0], &fd) || !arg_num(c, n, &argv[1], &len))
		return (EUSAGE);
	/* Past INT64_MAX it is negative: libvm's EINVAL to see. */
	return (vm_ftruncate(fd, (off_t)len));
}

/*
 * pwrite FD OFF STRING stores a string's bytes, as write does;
 * pwrite FD OFF LEN PATTERN a pattern, as fill does.  The value is the
 * count written; a short write says so.
 */
static int
do_pwrite(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct pattern p;
	struct progress pg;
	uint64_t off, len, total = 0;
	uint8_t *buf;
	size_t done;
	int error = 0, fd;

	if (!arg_fd(c, n, &argv[0], &fd) || !arg_num(c, n, &argv[1], &off))
		return (EUSAGE);
	if (argc == 3) {
		len = strlen(argv[2].s);
		error = vm_pwrite(fd, argv[2].s, len, (off_t)off, &done);
		total = done;
	} else {
		if (!arg_num(c, n, &argv[2], &len) ||
		    !arg_pattern(c, n, &argv[3], &p))
			return (EUSAGE);
		if (off + len < off) {
			cerror(c, n, "pwrite: range wraps around");
			return (EUSAGE);
		}
		buf = xmalloc(CHUNK);
		progress_start(&pg, c, "pwrite", len);
		/* len 0 still makes one call: libvm judges fd and off. */
		do {
			size_t k = len - total < CHUNK ?
			    (size_t)(len - total) : CHUNK;

			pattern_gen(&p, off + total, buf, k);
			error = vm_pwrite(fd, buf, k, (off_t)(off + total),
			    &done);
			total += done;
			if (error != 0 || done < k)
				break;
			progress_update(&pg, total);
		} while (total < len);
		progress_end(&pg);
		free(buf);
	}
	if (error != 0 && total == 0)
		return (error);
	if (total < len)
		say(c, "fd %d: wrote %" PRIu64 " of %" PRIu64 " bytes%s%s", fd,
		    total, len, error != 0 ? ": " : "",
		    error != 0 ? errno_name(error) : "");
	o->hasval = true;
	val_num(&o->val, total, false);
	return (0);
}

/*
 * pread FD OFF LEN prints what it read as read does (offsets in the
 * address column), and says where the file ended; pread FD OFF LEN
 * PATTERN compares, as check does: a short read is a mismatch too.
 * The value is the count read.
 */
static int
do_pread(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct pattern p;
	struct progress pg;
	uint64_t off, len, total = 0, bad = 0, first = 0, i, j;
	uint8_t *buf, *want = NULL, wb = 0, hb = 0;
	char line[128];
	size_t done;
	int error = 0, fd, k;

	if (!arg_fd(c, n, &argv[0], &fd) || !arg_num(c, n, &argv[1], &off) ||
	    !arg_num(c, n, &argv[2], &len))
		return (EUSAGE);
	if (argc == 3) {
		if (len > 65536) {
			cerror(c, n, "pread: at most 64 KiB at once");
			return (EUSAGE);
		}
		buf = xmalloc(len);
		error = vm_pread(fd, buf, len, (off_t)off, &done);
		for (i = 0; error == 0 && i < done; i += 16) {
			k = snprintf(line, sizeof(line), "%016" PRIx64 " ",
			    off + i);
			for (j = i; j < i + 16; j++)
				k += snprintf(line + k, sizeof(line) - k,
				    j < done ? " %02x" : "   ",
				    j < done ? buf[j] : 0);
			k += snprintf(line + k, sizeof(line) - k, "  |");
			for (j = i; j < i + 16 && j < done; j++)
				line[k++] = isprint(buf[j]) ? (char)buf[j] :
				    '.';
			line[k++] = '|';
			line[k] = '\0';
			say(c, "%s", line);
		}
		free(buf);
		if (error != 0)
			return (error);
		if (done < len)
			say(c, "fd %d: read %zu of %" PRIu64 " bytes: end of "
			    "file", fd, done, len);
		o->hasval = true;
		val_num(&o->val, done, false);
		return (0);
	}
	if (!arg_pattern(c, n, &argv[3], &p))
		return (EUSAGE);
	if (off + len < off) {
		cerror(c, n, "pread: range wraps around");
		return (EUSAGE);
	}
	buf = xmalloc(CHUNK);
	want = xmalloc(CHUNK);
	progress_start(&pg, c, "pread", len);
	do {
		size_t kk = len - total < CHUNK ? (size_t)(len - total) : CHUNK;

		error = vm_pread(fd, buf, kk, (off_t)(off + total), &done);
		if (error != 0)
			break;
		pattern_gen(&p, off + total, want, done);
		if (memcmp(want, buf, done) != 0)
			for (i = 0; i < done; i++)
				if (want[i] != buf[i] && bad++ == 0) {
					first = off + total + i;
					wb = want[i];
					hb = buf[i];
				}
		total += done;
		if (done < kk)
			break;		/* the end of the file */
		progress_update(&pg, total);
	} while (total < len);
	progress_end(&pg);
	free(buf);
	free(want);
	if (error != 0 && total == 0)
		return (error);
	o->hasval = true;
	val_num(&o->val, total, false);
	if (bad != 0) {
		snprintf(o->why, sizeof(o->why), "%" PRIu64 " byte%s differ%s; "
		    "the first at offset %#" PRIx64 " is 0x%02x, expected "
		    "0x%02x", bad, bad == 1 ? "" : "s", bad == 1 ? "s" : "",
		    first, hb, wb);
		return (EMISMATCH);
	}
	if (total < len) {
		snprintf(o->why, sizeof(o->why), "read %" PRIu64 " of %" PRIu64
		    " bytes: %s", total, len, error != 0 ? errno_name(error) :
		    "end of file");
		return (EMISMATCH);
	}
	return (0);
}

static void
seals_str(int seals, char *buf, size_t len)
{
	const struct word *w;
	size_t k = 0;

	buf[0] = '\0';
	for (w = seal_words; w->name != NULL; w++)
		if ((seals & w->val) != 0 && k < len)
			k += (size_t)snprintf(buf + k, len - k, "%s%s",
			    k == 0 ? "" : ",", w->name);
	if (seals & ~(VM_F_SEAL_SEAL | VM_F_SEAL_SHRINK | VM_F_SEAL_GROW |
	    VM_F_SEAL_WRITE) && k < len)
		k += (size_t)snprintf(buf + k, len - k, "%s%#x",
		    k == 0 ? "" : ",", (unsigned)seals & ~0xfu);
	if (k == 0)
		snprintf(buf, len, "none");
}

static int
do_seal(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	int fd, seals;

	(void)argc; (void)o;
	if (!arg_fd(c, n, &argv[0], &fd) || !arg_words(c, n, &argv[1],
	    seal_words, true, "seal", &seals))
		return (EUSAGE);
	return (vm_add_seals(fd, seals));
}

static int
do_seals(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	char buf[96];
	int error, fd, seals;

	(void)argc;
	if (!arg_fd(c, n, &argv[0], &fd))
		return (EUSAGE);
	if ((error = vm_get_seals(fd, &seals)) != 0)
		return (error);
	seals_str(seals, buf, sizeof(buf));
	say(c, "fd %d: seals %s", fd, buf);
	o->hasval = true;
	val_str(&o->val, buf);
	return (0);
}

static int
do_msync(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct vmspace *vs;
	uint64_t a, l;
	int error, flags = VM_MS_SYNC;

	(void)o;
	if ((error = space_range(c, n, argv, &vs, &a, &l)) != 0)
		return (error);
	if (argc == 4 && !arg_words(c, n, &argv[3], msync_flags, true,
	    "msync flag", &flags))
		return (EUSAGE);
	return (vm_msync(vs, a, l, flags));
}

static int do_help(struct ctx *, const struct node *, int, struct arg *,
    struct outcome *);
static int do_expect(struct ctx *, const struct node *, int, struct arg *,
    struct outcome *);

static const struct cmd cmds[] = {
	{ "boot", 0, 16, false, do_boot, "[physmem=SIZE] [ncpu=N] "
	    "[ndomain=N] [pmap=soft|host] [seed=N] [swap=PATH[:SIZE]]",
	    "boot libvm (shutting down a running one first)", false },
	{ "shutdown", 0, 0, false, do_shutdown, "",
	    "release every address space and shut libvm down", false },
	{ "space", 1, 16, true, do_space, "NAME...",
	    "create empty address spaces", false },
	{ "fork", 2, 2, true, do_fork, "PARENT CHILD",
	    "fork PARENT's address space as CHILD (minherit honoured)", false },
	{ "exit", 1, 1, true, do_exit, "NAME",
	    "release an address space (process exit)", false },
	{ "spaces", 0, 0, false, do_spaces, "", "list the address spaces",
	    false },
	{ "mmap", 2, 10, true, do_mmap, "SPACE LEN [PROT [FLAGS]] "
	    "[addr=A] [max=PROT] [align=SHIFT] [fd=N] [off=N] [as VAR]",
	    "map memory, anonymous or of a descriptor (PROT rw by default; "
	    "FLAGS private by default, comma-separated: shared private fixed "
	    "excl stack nocore guard anon nosync prefault_read 32bit super "
	    "text)", true },
	{ "munmap", 3, 3, true, do_munmap, "SPACE ADDR LEN", "unmap", false },
	{ "mprotect", 4, 4, true, do_mprotect, "SPACE ADDR LEN PROT",
	    "change protection (rwx letters, or none)", false },
	{ "madvise", 4, 4, true, do_madvise, "SPACE ADDR LEN ADVICE",
	    "advise: normal random sequential willneed dontneed free "
	    "nosync autosync nocore core protect", false },
	{ "minherit", 4, 4, true, do_minherit, "SPACE ADDR LEN INHERIT",
	    "inheritance at fork: share copy none zero", false },
	{ "mincore", 3, 3, true, do_mincore, "SPACE ADDR LEN [as VAR]",
	    "residency, a character a page: - i r m (R M: through "
	    "another mapping)", true },
	{ "msync", 3, 4, true, do_msync, "SPACE ADDR LEN [FLAGS]",
	    "write dirty file and shm pages back: sync (the default), async, "
	    "invalidate", false },
	{ "mlock", 3, 3, true, do_mlock, "SPACE ADDR LEN", "wire pages",
	    false },
	{ "munlock", 3, 3, true, do_mlock, "SPACE ADDR LEN", "unwire", false },
	{ "mlockall", 2, 2, true, do_mlockall, "SPACE current,future",
	    "wire the whole space", false },
	{ "munlockall", 1, 1, true, do_munlockall, "SPACE", "unwire all",
	    false },
	{ "brk", 2, 2, true, do_brk, "SPACE ADDR", "set the break", false },
	{ "setrlimit", 3, 4, true, do_setrlimit, "SPACE RES CUR [MAX]",
	    "set a limit: data stack memlock as (infinity allowed)", false },
	{ "getrlimit", 2, 2, true, do_getrlimit, "SPACE RES [as VAR]",
	    "print a limit", true },
	{ "write", 3, 3, true, do_write, "SPACE ADDR STRING",
	    "store a string's bytes", false },
	{ "fill", 4, 4, true, do_fill, "SPACE ADDR LEN PATTERN",
	    "write a pattern: a byte, \"string\", addr, rand[:SEED]", false },
	{ "check", 4, 4, true, do_check, "SPACE ADDR LEN PATTERN",
	    "verify a pattern", false },
	{ "read", 3, 3, true, do_read, "SPACE ADDR LEN", "hexdump", false },
	{ "touch", 3, 4, true, do_touch, "SPACE ADDR LEN [r|w|x]",
	    "one access a page (write by default)", false },
	{ "access", 3, 3, true, do_access, "SPACE ADDR r|w|x",
	    "one access, as a CPU would make it", false },
	{ "open", 1, 3, true, do_open, "PATH [FLAGS [MODE]] [as VAR]",
	    "open a host file as a libvm descriptor (FLAGS rdonly by default, "
	    "comma-separated: rdonly wronly rdwr creat excl trunc nofollow; "
	    "MODE octal, 644 by default)", true },
	{ "shm_open", 1, 3, true, do_shm_open, "NAME|anon [FLAGS [MODE]] "
	    "[as VAR]", "open POSIX shared memory, /NAME or anonymous "
	    "(FLAGS rdwr,creat by default; MODE 600)", true },
	{ "shm_unlink", 1, 1, true, do_shm_unlink, "NAME",
	    "remove a shared-memory name", false },
	{ "close", 1, 1, true, do_fdcall, "FD", "close a descriptor", false },
	{ "swapon", 2, 2, true, do_swapon, "PATH SIZE",
	    "add a host file of SIZE bytes as a swap device", false },
	{ "swapoff", 1, 1, true, do_swapon, "PATH",
	    "page a swap device back in and remove it", false },
	{ "ftruncate", 2, 2, true, do_ftruncate, "FD LEN",
	    "set a file's size", false },
	{ "fsync", 1, 1, true, do_fdcall, "FD",
	    "write a file's dirty pages to the host file", false },
	{ "pwrite", 3, 4, true, do_pwrite, "FD OFF STRING | FD OFF LEN PATTERN "
	    "[as VAR]", "write a string's bytes, or a pattern as fill does, at "
	    "a file offset", true },
	{ "pread", 3, 4, true, do_pread, "FD OFF LEN [PATTERN] [as VAR]",
	    "hexdump a file's bytes, or verify a pattern as check does", true },
	{ "seal", 2, 2, true, do_seal, "FD SEALS",
	    "add seals to shared memory: seal shrink grow write", false },
	{ "seals", 1, 1, true, do_seals, "FD [as VAR]",
	    "print the seals", true },
	{ "mark", 0, 0, true, do_mark, "",
	    "remember every counter, for delta(NAME)", false },
	{ "expect", 1, 4096, false, do_expect,
	    "OUTCOME COMMAND... | X OP Y",
	    "assert a command's outcome (ok, mismatch, an errno name, SIGSEGV, "
	    "SIGBUS, SEGV_MAPERR, SEGV_ACCERR, BUS_ADRERR, BUS_OBJERR) or "
	    "a comparison (== != < <= > >=)", false },
	{ "echo", 0, 4096, false, do_echo, "WORDS...", "print", false },
	{ "set", 2, 3, false, do_set, "NAME [=] VALUE", "set a variable",
	    false },
	{ "sleep", 1, 1, false, do_sleep, "MS", "pause", false },
	{ "repeat", 1, 1, false, NULL, "N ... end",
	    "run the block N times ($i counts from 0)", false },
	{ "thread", 1, 1, false, NULL, "NAME ... end",
	    "run the block in a new thread", false },
	{ "join", 0, 64, false, do_join, "[NAME...]",
	    "wait for threads (all by default)", false },
	{ "procstat", 0, 64, true, do_procstat, "[-v] [SPACE...]",
	    "the map entries, as FreeBSD's procstat -v", false },
	{ "vmstat", 0, 4, true, do_vmstat, "[-s] [-z] [-m]",
	    "memory and fault counters, as FreeBSD's vmstat -s", false },
	{ "sysctl", 0, 64, true, do_sysctl, "[-a] [-d] [-n] "
	    "[NAME[=VALUE]...]", "read and set sysctl variables", false },
	{ "swapinfo", 0, 0, true, do_swapinfo, "", "swap devices", false },
	{ "show", 2, 3, true, do_show, "map|object|page SPACE [ADDR]",
	    "debugging dumps, as DDB's show commands", false },
	{ "coredump", 2, 3, true, do_coredump, "SPACE FILE [-f]",
	    "write an ELF core (sparse; -f writes every page)", true },
	{ "help", 0, 1, false, do_help, "[COMMAND]", "this list", false },
	{ "quit", 0, 0, false, NULL, "", "leave vmsh", false },
	{ NULL, 0, 0, false, NULL, NULL, NULL, false }
};

static const struct cmd *
find_cmd(const char *name)
{
	const struct cmd *k;

	for (k = cmds; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return (k);
	return (NULL);
}

static int
do_help(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	const struct cmd *k;

	(void)o;
	if (argc == 1) {
		if ((k = find_cmd(argv[0].s)) == NULL) {
			cerror(c, n, "help: no command \"%s\"", argv[0].s);
			return (EUSAGE);
		}
		say(c, "%s %s\n    %s", k->name, k->usage, k->help);
		return (0);
	}
	for (k = cmds; k->name != NULL; k++)
		say(c, "%-10s %s", k->name, k->usage);
	say(c, "Numbers: 4096 0x1000 4k 2m 1g 3p (pages), + - * / %%, $VAR, "
	    "counter(v_zfod) delta(v_zfod) sysctl(NAME) res(SPACE,ADDR) "
	    "entries(SPACE).  See vmsh(1).");
	return (0);
}

/* ---- outcomes and expect ------------------------------------------------ */

static const struct word sigcodes[] = {
	{ "SEGV_MAPERR", SEGV_MAPERR }, { "SEGV_ACCERR", SEGV_ACCERR },
	{ "BUS_ADRERR", BUS_ADRERR }, { "BUS_OBJERR", BUS_OBJERR },
	{ NULL, 0 }
};

static const char *
code_name(int signo, int code)
{
	if (signo == SIGSEGV)
		return (code == SEGV_MAPERR ? "SEGV_MAPERR" :
		    code == SEGV_ACCERR ? "SEGV_ACCERR" : "?");
	return (code == BUS_ADRERR ? "BUS_ADRERR" :
	    code == BUS_OBJERR ? "BUS_OBJERR" : "?");
}

static void
outcome_str(const struct outcome *o, char *buf, size_t len)
{
	if (o->error == 0)
		snprintf(buf, len, "success");
	else if (o->error == EUSAGE)
		snprintf(buf, len, "a usage error");
	else if (o->error == EMISMATCH)
		snprintf(buf, len, "%s", o->why[0] != '\0' ? o->why :
		    "a failed check");
	else if (o->signo != 0)
		snprintf(buf, len, "%s (%s) at %#" PRIx64,
		    o->signo == SIGSEGV ? "SIGSEGV" : "SIGBUS",
		    code_name(o->signo, o->code), o->va);
	else
		snprintf(buf, len, "%s (%s)", errno_name(o->error),
		    strerror(o->error));
}

static void
report(const struct ctx *c, const struct node *n, const char *cmd,
    const struct outcome *o)
{
	char buf[192];

	if (o->error == EUSAGE || (o->error == EMISMATCH && o->why[0] == '\0'))
		return;		/* already said */
	outcome_str(o, buf, sizeof(buf));
	cerror(c, n, "%s: %s", cmd, buf);
}

/* Does the outcome match the word "expect" was given? -1: not a word. */
static int
outcome_matches(const char *want, const struct outcome *o)
{
	const struct word *w;
	int e;

	if (strcmp(want, "ok") == 0)
		return (o->error == 0);
	if (strcmp(want, "mismatch") == 0)
		return (o->error == EMISMATCH);
	if (strcmp(want, "SIGSEGV") == 0)
		return (o->error == EFAULT && o->signo == SIGSEGV);
	if (strcmp(want, "SIGBUS") == 0)
		return (o->error == EFAULT && o->signo == SIGBUS);
	for (w = sigcodes; w->name != NULL; w++)
		if (strcmp(want, w->name) == 0)
			return (o->error == EFAULT && o->signo ==
			    (want[0] == 'S' ? SIGSEGV : SIGBUS) &&
			    o->code == w->val);
	if ((e = errno_by_name(want)) > 0)
		return (o->error == e);
	return (-1);
}

static bool
is_cmp(const char *s)
{
	return (strcmp(s, "==") == 0 || strcmp(s, "!=") == 0 ||
	    strcmp(s, "<") == 0 || strcmp(s, "<=") == 0 ||
	    strcmp(s, ">") == 0 || strcmp(s, ">=") == 0);
}

/*
 * expect X OP Y: numbers, unless a side is quoted: then the words are
 * compared as strings (== and != only).  A side that is not a number and
 * not quoted is an error, never a silent string comparison.
 */
static int
expect_compare(struct ctx *c, const struct node *n, struct arg *argv)
{
	const char *op = argv[1].s;
	uint64_t x, y;
	bool ok;

	if (argv[0].quoted || argv[2].quoted) {
		if (strcmp(op, "==") != 0 && strcmp(op, "!=") != 0) {
			cerror(c, n, "expect: strings compare with == or != "
			    "only");
			return (EUSAGE);
		}
		ok = (strcmp(argv[0].s, argv[2].s) == 0) == (op[0] == '=');
		if (!ok)
			cerror(c, n, "expected \"%s\" %s \"%s\"", argv[0].s, op,
			    argv[2].s);
		return (ok ? 0 : EMISMATCH);
	}
	if (!eval(c, n, argv[0].s, &x, false) ||
	    !eval(c, n, argv[2].s, &y, false))
		return (EUSAGE);
	if (strcmp(op, "==") == 0)
		ok = x == y;
	else if (strcmp(op, "!=") == 0)
		ok = x != y;
	else if (strcmp(op, "<") == 0)
		ok = x < y;
	else if (strcmp(op, "<=") == 0)
		ok = x <= y;
	else if (strcmp(op, ">") == 0)
		ok = x > y;
	else
		ok = x >= y;
	if (!ok)
		cerror(c, n, "expected %s %s %s, but %s is %" PRIu64 " and "
		    "%s is %" PRIu64, n->tok[1].text, op, n->tok[3].text,
		    n->tok[1].text, x, n->tok[3].text, y);
	return (ok ? 0 : EMISMATCH);
}

static int
do_expect(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	struct outcome sub;
	char got[192];
	int m, error;

	if (argc == 3 && is_cmp(argv[1].s))
		return (expect_compare(c, n, argv));
	if (argc < 2) {
		cerror(c, n, "expect: expected OUTCOME COMMAND... or X OP Y");
		return (EUSAGE);
	}
	if (outcome_matches(argv[0].s, &(struct outcome){ 0 }) < 0) {
		cerror(c, n, "expect: unknown outcome \"%s\" (ok, mismatch, an "
		    "errno name such as ENOMEM, SIGSEGV, SIGBUS, SEGV_MAPERR, "
		    "SEGV_ACCERR, BUS_ADRERR, BUS_OBJERR)", argv[0].s);
		return (EUSAGE);
	}
	if (strcmp(argv[1].s, "expect") == 0 || find_cmd(argv[1].s) == NULL ||
	    find_cmd(argv[1].s)->fn == NULL) {
		cerror(c, n, "expect: \"%s\" is not a command expect can run",
		    argv[1].s);
		return (EUSAGE);
	}
	memset(&sub, 0, sizeof(sub));
	error = run_cmd(c, n, argc - 1, argv + 1, &sub);
	(void)error;
	if (sub.error == EUSAGE) {
		val_clear(&sub.val);
		return (EUSAGE);
	}
	m = outcome_matches(argv[0].s, &sub);
	if (!m) {
		outcome_str(&sub, got, sizeof(got));
		cerror(c, n, "expected %s from %s, got %s", argv[0].s,
		    argv[1].s, got);
	}
	*o = sub;
	o->why[0] = '\0';	/* said above, or wanted */
	o->error = m ? 0 : EMISMATCH;
	return (o->error);
}

/* ---- running ------------------------------------------------------------ */

static void
free_args(int argc, struct arg *argv)
{
	int i;

	for (i = 0; i < argc; i++)
		free(argv[i].s);
	free(argv);
}

/*
 * Runs a command whose words are already expanded: argv[0] is its name.
 * "as VAR" at the end stores the value it produced.  Fills *o.
 */
static int
run_cmd(struct ctx *c, const struct node *n, int argc, struct arg *argv,
    struct outcome *o)
{
	const struct cmd *k;
	const char *asvar = NULL;
	int nargs;

	memset(o, 0, sizeof(*o));
	k = find_cmd(argv[0].s);
	if (k == NULL || k->fn == NULL) {
		cerror(c, n, "unknown command \"%s\" (try help)", argv[0].s);
		return (o->error = EUSAGE);
	}
	nargs = argc - 1;
	/* "as VAR" only after a command that produces a value. */
	if (nargs >= 2 && k->value && strcmp(argv[argc - 2].s, "as") == 0 &&
	    !argv[argc - 2].quoted) {
		asvar = argv[argc - 1].s;
		if (!valid_name(asvar) || strchr(asvar, '-') != NULL ||
		    strcmp(asvar, "i") == 0) {
			cerror(c, n, "bad variable name \"%s\"", asvar);
			return (o->error = EUSAGE);
		}
		nargs -= 2;
	}
	if (nargs < k->amin || nargs > k->amax) {
		cerror(c, n, "usage: %s %s", k->name, k->usage);
		return (o->error = EUSAGE);
	}
	if (k->boot) {
		int error = ensure_booted(c, n);

		if (error != 0) {
			if (error != EUSAGE)
				cerror(c, n, "boot: %s", strerror(error));
			return (o->error = EUSAGE);
		}
	}
	o->error = k->fn(c, n, nargs, argv + 1, o);
	ctx_drop_held(c);
	if (o->error == 0 && o->hasval) {
		var_set("_", &o->val);
		if (asvar != NULL)
			var_set(asvar, &o->val);
	}
	return (o->error);
}

static bool run_node(struct ctx *, const struct node *);

static void *
thread_main(void *arg)
{
	struct vthread *t = arg;
	int i;

	for (i = 0; i < t->blk->nchild; i++)
		if (!run_node(&t->ctx, t->blk->child[i])) {
			t->failed = true;
			if (!vmsh_keep_going)
				break;
		}
	return (NULL);
}

static bool
start_thread(struct ctx *c, const struct node *n, const char *name)
{
	struct vthread *t;

	if (c->self != NULL) {
		cerror(c, n, "thread: threads start from the main thread");
		return (false);
	}
	if (!valid_name(name)) {
		cerror(c, n, "thread: bad name \"%s\"", name);
		return (false);
	}
	pthread_mutex_lock(&threads_mtx);
	for (t = threads; t != NULL; t = t->next)
		if (!t->joined && strcmp(t->name, name) == 0)
			break;
	pthread_mutex_unlock(&threads_mtx);
	if (t != NULL) {
		cerror(c, n, "thread: \"%s\" is running", name);
		return (false);
	}
	if (ensure_booted(c, n) != 0)
		return (false);
	t = xmalloc(sizeof(*t));
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->blk = n;
	t->ctx.self = t;
	if (pthread_create(&t->tid, NULL, thread_main, t) != 0) {
		cerror(c, n, "thread: cannot create a thread");
		free(t);
		return (false);
	}
	pthread_mutex_lock(&threads_mtx);
	t->next = threads;
	threads = t;
	pthread_mutex_unlock(&threads_mtx);
	return (true);
}

static bool
run_node(struct ctx *c, const struct node *n)
{
	struct outcome o;
	struct arg *argv;
	int i, argc = n->ntok;
	bool ok = true;

	if (strcmp(n->tok[0].text, "quit") == 0 && argc != 1) {
		cerror(c, n, "usage: quit");
		goto failed_noargs;
	}
	if ((strcmp(n->tok[0].text, "quit") == 0 ||
	    strcmp(n->tok[0].text, "exit") == 0) && argc == 1) {
		if (c->self != NULL) {
			cerror(c, n, "%s: only the main thread leaves",
			    n->tok[0].text);
			goto failed_noargs;
		}
		vmsh_quit = true;
		return (true);
	}
	argv = xmalloc(sizeof(*argv) * argc);
	for (i = 0; i < argc; i++) {
		argv[i].quoted = n->tok[i].quoted;
		argv[i].s = expand(c, n, &n->tok[i]);
		if (argv[i].s == NULL) {
			free_args(i, argv);
			goto failed;
		}
	}
	if (vmsh_trace) {
		/* as sh -x: the words after expansion */
		out_lock();
		fprintf(stderr, "+");
		for (i = 0; i < argc; i++)
			fprintf(stderr, " %s", argv[i].s);
		fprintf(stderr, "\n");
		out_unlock();
	}
	if (block_opens(n)) {
		uint64_t count, k;
		int j;

		if (argc != 2) {
			cerror(c, n, "usage: %s", argv[0].s[0] == 'r' ?
			    "repeat N ... end" : "thread NAME ... end");
			free_args(argc, argv);
			goto failed;
		}
		if (argv[0].s[0] == 't') {
			ok = start_thread(c, n, argv[1].s);
			free_args(argc, argv);
			if (!ok)
				goto failed;
			return (true);
		}
		ok = arg_num(c, n, &argv[1], &count);
		free_args(argc, argv);
		if (!ok)
			goto failed;
		{
			struct ctx inner = *c;

			inner.in_loop = true;
			/* -k goes on after a failure; quit stops. */
			for (k = 0; k < count && (ok || vmsh_keep_going) &&
			    !vmsh_quit; k++) {
				inner.loop_i = k;
				for (j = 0; j < n->nchild && !vmsh_quit; j++)
					if (!run_node(&inner, n->child[j])) {
						ok = false;
						if (!vmsh_keep_going)
							break;
					}
			}
		}
		return (ok);
	}
	run_cmd(c, n, argc, argv, &o);
	if (o.error != 0 && strcmp(argv[0].s, "expect") != 0)
		report(c, n, argv[0].s, &o);
	free_args(argc, argv);
	val_clear(&o.val);
	if (o.error == 0)
		return (true);
failed:
failed_noargs:
	vmsh_failures++;
	return (false);
}

bool
exec_node(const struct node *n)
{
	return (run_node(&main_ctx, n) || vmsh_keep_going);
}

int
exec_join_all(void)
{
	struct vthread *t;
	int failed = 0;

	for (;;) {
		pthread_mutex_lock(&threads_mtx);
		for (t = threads; t != NULL; t = t->next)
			if (!t->joined)
				break;
		pthread_mutex_unlock(&threads_mtx);
		if (t == NULL)
			break;
		if (!join_thread(t))
			failed++;
	}
	return (failed);
}

void
exec_init(void)
{
	pthread_mutexattr_t ma;

	memset(&main_ctx, 0, sizeof(main_ctx));
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&out_mtx, &ma);
	pthread_mutexattr_destroy(&ma);
}

void
exec_fini(void)
{
	struct vthread *t;
	struct var *v;

	(void)exec_join_all();
	while ((t = threads) != NULL) {
		threads = t->next;
		free(t);
	}
	if (booted) {
		release_all_spaces();
		vm_shutdown();
		booted = false;
	}
	while ((v = vars) != NULL) {
		vars = v->next;
		val_clear(&v->v);
		free(v);
	}
	free(marks);
	marks = NULL;
	nmarks = 0;
}
