/*
 * Boot state shared by the substrate (kern_boot.c).
 */
#ifndef _SYS_KERNEL_H_
#define _SYS_KERNEL_H_

#include <sys/param.h>

struct vm_config;

/* True between a successful vm_boot() and the start of vm_shutdown(). */
bool	vm_is_booted(void);
/* The configuration of the running boot (defaults filled in). */
const struct vm_config *vm_boot_config(void);

#endif /* !_SYS_KERNEL_H_ */
