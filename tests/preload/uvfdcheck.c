/*
 * uvfdcheck.c - an LD_PRELOAD checker for fds closed behind libuv's back.
 *
 * libuv keeps, per loop, the watcher of each fd number (loop->watchers)
 * and an epoll registration for it.  An fd must outlive every handle
 * that uses it: a handle still watching fd N when N is closed keeps
 * loop->watchers[N]; the next file to get the number N and its own
 * watcher then share the slot, and libuv aborts in uv__io_stop
 * (`loop->watchers[w->fd] == w`) or one of them never hears of its
 * events.  A poll handle that is only stopped is no better: its later
 * uv_close() removes the epoll registration of whatever reuses N.
 *
 * Preloaded into lxdeckd or lxdeck (tests/api/remote-stress.sh does),
 * this file wraps close(), dup2(), dup3(), uv_poll_init(),
 * uv_poll_init_socket(), uv_close() and uv_run() and reports, with a backtrace, on
 * stderr:
 *   - close(N) while a loop still has a watcher for N,
 *   - close(N) while a poll handle made on N has not been uv_close()d,
 *   - uv_poll_init() on N while a loop still has a watcher for N.
 * libuv closes its own fds with the raw syscall, so only other closes are
 * seen.  UVFDCHECK_ABORT=1 aborts at the first report (a core names the
 * culprit); UVFDCHECK_LOG=FILE appends the reports there.
 */
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#define MAX_LOOPS	8
#define MAX_POLLS	4096

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The daemon forks from a worker thread (exec's attach runs there): a child
 * made while another thread held the lock would block on its first close().
 * Hold it across fork, so the child starts with it free.
 */
static void fork_prepare(void) { pthread_mutex_lock(&lock); }
static void fork_parent(void) { pthread_mutex_unlock(&lock); }
static void fork_child(void) { pthread_mutex_init(&lock, NULL); }

__attribute__((constructor)) static void
uvfdcheck_atfork(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}
static uv_loop_t *loops[MAX_LOOPS];
static pid_t owner;		/* a forked child (a helper) has no loop */
static struct {
	uv_poll_t	*h;
	int		 fd;
} polls[MAX_POLLS];
static int log_fd = -2;
static __thread int inside;

static int (*real_close)(int);
static int (*real_dup2)(int, int);
static int (*real_dup3)(int, int, int);
static int (*real_poll_init)(uv_loop_t *, uv_poll_t *, int);
static int (*real_poll_init_socket)(uv_loop_t *, uv_poll_t *, uv_os_sock_t);
static void (*real_uv_close)(uv_handle_t *, uv_close_cb);
static int (*real_uv_run)(uv_loop_t *, uv_run_mode);

static void *
next(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (p == NULL) {
		fprintf(stderr, "uvfdcheck: no %s\n", name);
		abort();
	}
	return p;
}

static void
report(const char *fmt, ...)
{
	char line[512];
	void *bt[32];
	va_list ap;
	int n, fd;

	if (log_fd == -2) {
		const char *p = getenv("UVFDCHECK_LOG");

		log_fd = p && *p ? open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0644) : -1;
	}
	fd = log_fd >= 0 ? log_fd : 2;
	n = snprintf(line, sizeof line, "uvfdcheck[%d]: ", (int)getpid());
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	(void)!write(fd, line, (size_t)n);
	n = backtrace(bt, 32);
	backtrace_symbols_fd(bt, n, fd);
	if (getenv("UVFDCHECK_ABORT") != NULL && *getenv("UVFDCHECK_ABORT") == '1')
		abort();
}

static void
remember_loop(uv_loop_t *loop)
{
	int i;

	if (owner != getpid()) {
		memset(loops, 0, sizeof loops);
		memset(polls, 0, sizeof polls);
		owner = getpid();
	}
	for (i = 0; i < MAX_LOOPS; i++) {
		if (loops[i] == loop)
			return;
		if (loops[i] == NULL) {
			loops[i] = loop;
			return;
		}
	}
}

/* The watcher a loop has for fd, or NULL.  Caller holds the lock. */
static void *
watched(int fd, uv_loop_t **which)
{
	int i;

	if (owner != getpid())
		return NULL;
	for (i = 0; i < MAX_LOOPS && loops[i] != NULL; i++) {
		uv_loop_t *l = loops[i];

		if (fd >= 0 && (unsigned)fd < l->nwatchers && l->watchers[fd] != NULL) {
			*which = l;
			return l->watchers[fd];
		}
	}
	return NULL;
}

static void
check_fd(const char *what, int fd)
{
	uv_loop_t *l = NULL;
	void *w;
	int i;

	if (fd < 0 || inside)
		return;
	inside = 1;
	pthread_mutex_lock(&lock);
	w = watched(fd, &l);
	for (i = 0; owner == getpid() && i < MAX_POLLS; i++)
		if (polls[i].h != NULL && polls[i].fd == fd)
			break;
	if (owner != getpid())
		i = MAX_POLLS;
	pthread_mutex_unlock(&lock);
	if (w != NULL)
		report("%s(%d) while loop %p still watches it (watcher %p)", what, fd,
		    (void *)l, w);
	else if (i < MAX_POLLS)
		report("%s(%d) while poll handle %p made on it is not uv_close()d",
		    what, fd, (void *)polls[i].h);
	inside = 0;
}

int
close(int fd)
{
	if (real_close == NULL)
		real_close = next("close");
	check_fd("close", fd);
	return real_close(fd);
}

int
dup2(int old, int fd)
{
	if (real_dup2 == NULL)
		real_dup2 = next("dup2");
	if (old != fd)
		check_fd("dup2 onto", fd);
	return real_dup2(old, fd);
}

int
dup3(int old, int fd, int flags)
{
	if (real_dup3 == NULL)
		real_dup3 = next("dup3");
	check_fd("dup3 onto", fd);
	return real_dup3(old, fd, flags);
}

static void
poll_made(uv_loop_t *loop, uv_poll_t *h, int fd)
{
	uv_loop_t *l = NULL;
	void *w;
	int i, free_i = -1;

	pthread_mutex_lock(&lock);
	remember_loop(loop);
	w = watched(fd, &l);
	for (i = 0; i < MAX_POLLS; i++) {
		if (polls[i].h == h || (polls[i].h == NULL && free_i < 0))
			free_i = i;
		if (polls[i].h == h)
			break;
	}
	if (free_i >= 0) {
		polls[free_i].h = h;
		polls[free_i].fd = fd;
	}
	pthread_mutex_unlock(&lock);
	if (w != NULL && !inside) {
		inside = 1;
		report("uv_poll_init(%d) while loop %p still watches it (watcher %p)",
		    fd, (void *)l, w);
		inside = 0;
	}
}

int
uv_poll_init(uv_loop_t *loop, uv_poll_t *h, int fd)
{
	int rc;

	if (real_poll_init == NULL)
		real_poll_init = next("uv_poll_init");
	poll_made(loop, h, fd);
	rc = real_poll_init(loop, h, fd);
	if (rc < 0) {
		int i;

		pthread_mutex_lock(&lock);
		for (i = 0; i < MAX_POLLS; i++)
			if (polls[i].h == h)
				polls[i].h = NULL;
		pthread_mutex_unlock(&lock);
	}
	return rc;
}

int
uv_poll_init_socket(uv_loop_t *loop, uv_poll_t *h, uv_os_sock_t fd)
{
	if (real_poll_init_socket == NULL)
		real_poll_init_socket = next("uv_poll_init_socket");
	poll_made(loop, h, (int)fd);
	return real_poll_init_socket(loop, h, fd);
}

void
uv_close(uv_handle_t *h, uv_close_cb cb)
{
	int i;

	if (real_uv_close == NULL)
		real_uv_close = next("uv_close");
	pthread_mutex_lock(&lock);
	remember_loop(h->loop);
	if (h->type == UV_POLL)
		for (i = 0; i < MAX_POLLS; i++)
			if (polls[i].h == (uv_poll_t *)h)
				polls[i].h = NULL;
	pthread_mutex_unlock(&lock);
	real_uv_close(h, cb);
}

int
uv_run(uv_loop_t *loop, uv_run_mode mode)
{
	if (real_uv_run == NULL)
		real_uv_run = next("uv_run");
	pthread_mutex_lock(&lock);
	remember_loop(loop);
	pthread_mutex_unlock(&lock);
	return real_uv_run(loop, mode);
}
