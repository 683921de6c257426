/*
 * The low-memory event (FreeBSD's vm_lowmem eventhandler): subsystems
 * that hold memory they could give back subscribe, and the page daemon
 * invokes them when a domain runs short (vm_lowmem.c).
 */
#ifndef _VM_VM_LOWMEM_H_
#define _VM_VM_LOWMEM_H_

#include <sys/param.h>

#define	VM_LOW_PAGES	0x0001		/* free pages are short */
#define	VM_LOW_KMEM	0x0002		/* kernel address space is short */

typedef void	vm_lowmem_fn(void *arg, int flags);
struct vm_lowmem_handler;

/* Subscribe fn(arg, flags); NULL when out of memory. */
struct vm_lowmem_handler *vm_lowmem_register(vm_lowmem_fn *fn, void *arg);
/* Unsubscribe; returns once no invocation of the handler is running. */
void	vm_lowmem_deregister(struct vm_lowmem_handler *);
/*
 * Invoke every handler now (the page daemon, rate-limited by
 * vm.lowmem_period).  => no locks held: handlers may sleep.
 */
void	vm_lowmem_invoke(int flags);
/* The page daemon's test: invoke unless one ran in the last period. */
void	vm_lowmem_maybe(int flags);
void	vm_lowmem_startup(void);
void	vm_lowmem_shutdown(void);

#endif /* !_VM_VM_LOWMEM_H_ */
