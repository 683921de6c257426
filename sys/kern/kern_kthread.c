/*
 * Kernel threads.
 *
 * kthread_add() starts a host thread that runs func(arg) as a libvm thread
 * named name.  Every kernel thread is on kt_list until vm_shutdown() calls
 * kthread_shutdown_all(), which requests each to stop, wakes the channel it
 * sleeps on and joins it.  See kthread.h for the contract.
 *
 * Lock: kt_mtx (a host mutex, leaf) protects kt_list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/systm.h>
#include <sys/kthread.h>
#include <sys/proc.h>
#include <sys/sleepqueue.h>

struct kthread {
	TAILQ_ENTRY(kthread) kt_link;	/* (kt_mtx) */
	pthread_t	kt_pthread;	/* (c) */
	void		(*kt_func)(void *); /* (c) */
	void		*kt_arg;	/* (c) */
	const void	*kt_wchan;	/* (c) channel it sleeps on */
	char		kt_name[32];	/* (c) */
	_Atomic int	kt_stop;	/* (a) stop requested */
};

static pthread_mutex_t kt_mtx = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, kthread) kt_list = TAILQ_HEAD_INITIALIZER(kt_list);
static int kt_count;

static void *
kthread_start(void *arg)
{
	struct kthread *kt = arg;
	struct thread *td = curthread;

	td->td_kthread = kt;
	td->td_name = kt->kt_name;
	pthread_setname_np(pthread_self(), kt->kt_name);
	kt->kt_func(kt->kt_arg);
	KASSERT(td->td_nlocks == 0 && td->td_map_rd == NULL,
	    ("kernel thread \"%s\" exits holding locks", kt->kt_name));
	return (NULL);
}

int
kthread_add(void (*func)(void *), void *arg, const void *wchan,
    const char *name, struct kthread **ktp)
{
	struct kthread *kt;
	int error;

	kt = calloc(1, sizeof(*kt));
	if (kt == NULL)
		return (ENOMEM);
	kt->kt_func = func;
	kt->kt_arg = arg;
	kt->kt_wchan = wchan;
	snprintf(kt->kt_name, sizeof(kt->kt_name), "%s", name);
	pthread_mutex_lock(&kt_mtx);
	error = pthread_create(&kt->kt_pthread, NULL, kthread_start, kt);
	if (error == 0) {
		TAILQ_INSERT_TAIL(&kt_list, kt, kt_link);
		kt_count++;
	}
	pthread_mutex_unlock(&kt_mtx);
	if (error != 0) {
		free(kt);
		return (error);
	}
	if (ktp != NULL)
		*ktp = kt;
	return (0);
}

bool
kthread_should_stop(void)
{
	struct kthread *kt = curthread->td_kthread;

	return (kt != NULL && atomic_load(&kt->kt_stop));
}

/*
 * Only the channel the thread registered is interruptible: shutdown wakes
 * that one.  Lock words and other channels are waited on as usual, or a
 * stopping thread would spin on every contended lock.
 */
bool
kthread_stopping(const void *wchan)
{
	struct kthread *kt = curthread->td_kthread;

	return (kt != NULL && wchan == kt->kt_wchan &&
	    atomic_load(&kt->kt_stop));
}

void
kthread_shutdown_all(void)
{
	struct kthread *kt;

	for (;;) {
		pthread_mutex_lock(&kt_mtx);
		kt = TAILQ_FIRST(&kt_list);
		if (kt != NULL) {
			TAILQ_REMOVE(&kt_list, kt, kt_link);
			kt_count--;
		}
		pthread_mutex_unlock(&kt_mtx);
		if (kt == NULL)
			break;
		atomic_store(&kt->kt_stop, 1);
		/*
		 * The stop flag is visible to a thread entering sleepq_wait()
		 * once we have passed through the chain lock below.
		 */
		if (kt->kt_wchan != NULL)
			wakeup(kt->kt_wchan);
		pthread_join(kt->kt_pthread, NULL);
		free(kt);
	}
}

int
kthread_count(void)
{
	int n;

	pthread_mutex_lock(&kt_mtx);
	n = kt_count;
	pthread_mutex_unlock(&kt_mtx);
	return (n);
}
