/*
 * panic() and console output.
 *
 * panic() prints the message with the panicking thread and the locks it
 * holds, then aborts the process: a broken invariant must stop everything
 * at once, loudly, with a core for the debugger.  kprintf() is the
 * kernel's printf: stderr, one line at a time.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/proc.h>

static _Atomic int panicking;

void
panic(const char *fmt, ...)
{
	struct thread *td = &thread_self;
	va_list ap;
	int i;

	if (atomic_fetch_add(&panicking, 1) > 0 && td->td_tid == 0)
		abort();
	flockfile(stderr);
	fprintf(stderr, "libvm panic: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (td->td_tid != 0) {
		fprintf(stderr, "  thread %d (%s) cpu %d critnest %d\n",
		    td->td_tid, td->td_name != NULL ? td->td_name : "user",
		    td->td_cpu, td->td_critnest);
		for (i = 0; i < td->td_nlocks; i++)
			fprintf(stderr, "  holding %s lock \"%s\" %p\n",
			    td->td_lockshared[i] ? "shared" : "exclusive",
			    td->td_locks[i]->lo_name, (void *)td->td_locks[i]);
	}
	funlockfile(stderr);
	fflush(stderr);
	abort();
}

void
kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
