/*
 * Allocation flags shared by every libvm allocator (the malloc(9) family
 * arrives with UMA; the flags exist from the start so interfaces keep them).
 */
#ifndef _SYS_MALLOC_H_
#define _SYS_MALLOC_H_

#define	M_NOWAIT	0x0001	/* do not block */
#define	M_WAITOK	0x0002	/* ok to block */
#define	M_ZERO		0x0100	/* zero the allocation */

#endif /* !_SYS_MALLOC_H_ */
