/*
 * op-worker.c - helper processes that do an operation's work.
 *
 * liblxc's start forks and waits, its stop blocks for the container's
 * shutdown, copies and unpacks take seconds: none of that may run on a
 * loop that also draws a screen or serves sockets.  Like LXD's forkstart,
 * each op's work runs in a child forked for it, with its own database
 * connection and with every inherited descriptor closed (so a container
 * monitor started from it never holds the TUI's terminal or the daemon's
 * sockets).  The child reports over a socketpair, one escaped line each:
 *
 *	P <stage>\t<text>	progress ("create_instance_from_image_unpack", "42%")
 *	M <key>\t<value>	result metadata ("fingerprint")
 *	X <int>			an exec's return code
 *	R <code>\t<message>	the result: 0 success, else an HTTP-style code
 *
 * and exits.  A child that dies without an R line failed.  A child also
 * dies with its parent (PR_SET_PDEATHSIG).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "op-internal.h"

static char *
line_escape(const char *s)
{
	char *out = xmalloc(strlen(s) * 2 + 1), *o = out;

	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '\n' || *s == '\t') {
			*o++ = '\\';
			*o++ = (*s == '\n') ? 'n' : (*s == '\t') ? 't' : '\\';
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static void
line_unescape(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			*o++ = (*s == 'n') ? '\n' : (*s == 't') ? '\t' : *s;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static void
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		len -= (size_t)w;
	}
}

static void
send_line(int fd, char kind, const char *a, const char *b)
{
	char *ea = line_escape(a), *eb = b ? line_escape(b) : NULL, *line;

	line = eb ? xasprintf("%c %s\t%s\n", kind, ea, eb) :
	    xasprintf("%c %s\n", kind, ea);
	write_all(fd, line, strlen(line));
	free(line);
	free(ea);
	free(eb);
}

void
op_progress(struct op_result *res, const char *stage, const char *text)
{
	if (res->progress_fd >= 0)
		send_line(res->progress_fd, 'P', stage, text);
}

static void NORETURN
op_worker_child(struct engine *e, struct op *op, int fd, pid_t parent)
{
	struct op_result res = { .progress_fd = -1 };
	struct err err = { 0 };
	char code[16], ret[16];
	int devnull, rc;
	size_t i;

	/* Only the result socket (as fd 3) and stdout/stderr stay open. */
	if (fd != 3) {
		dup2(fd, 3);
		fd = 3;
	}
	close_range(4, ~0U, 0);
	devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0 && devnull != 0) {
		dup2(devnull, 0);
		close(devnull);
	}
	/*
	 * The work dies with the process that owns the operation (kill -9 of
	 * lxdeckd during a create): a half-made instance is then left to
	 * instance_op_recover() at the next start, never finished behind the
	 * back of a new owner that has already removed it.
	 */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	setpgid(0, 0);
	e->is_worker = true;
	res.progress_fd = fd;
	if (engine_reopen_db(e, &err) < 0)
		rc = -1;
	else
		rc = op->spec.work(e, op->spec.arg, &res, &err);
	for (i = 0; i < res.metadata.n; i++)
		send_line(fd, 'M', res.metadata.keys[i], res.metadata.vals[i]);
	if (res.has_return) {
		snprintf(ret, sizeof ret, "%d", res.ret);
		send_line(fd, 'X', ret, NULL);
	}
	snprintf(code, sizeof code, "%d", rc < 0 ? (err.code ? err.code : 500) : 0);
	send_line(fd, 'R', code, rc < 0 ? err.msg : "");
	_exit(rc < 0 ? 1 : 0);
}

static void
op_worker_poll_closed(uv_handle_t *h)
{
	free(h);
}

int
op_worker_spawn(struct engine *e, struct op *op, uv_poll_cb readable,
    struct err *err)
{
	int sv[2];
	pid_t pid, parent = getpid();

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set(err, 500, "Failed to create a helper socket: %s",
		    strerror(errno));
	/*
	 * sqlite must not see a connection cross fork (its locks are per
	 * process): close ours, fork, and both sides open a fresh one.
	 */
	db_close(e->db);
	e->db = NULL;
	fflush(NULL);
	pid = fork();
	if (pid != 0 && engine_reopen_db(e, err) < 0) {
		if (pid > 0)
			kill(pid, SIGKILL);
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return err_set(err, 500, "Failed to fork a helper: %s", strerror(errno));
	}
	if (pid == 0) {
		close(sv[0]);
		op_worker_child(e, op, sv[1], parent);
	}
	close(sv[1]);
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	op->pid = pid;
	op->fd = sv[0];
	op->poll = xmalloc(sizeof *op->poll);
	uv_poll_init(e->loop, op->poll, op->fd);
	op->poll->data = op;
	uv_poll_start(op->poll, UV_READABLE, readable);
	return 0;
}

/* One line of the helper; true when it was progress (the caller reports
 * it before the next line is taken). */
static bool
op_worker_line(struct op *op, char *line)
{
	char kind = line[0], *a, *b;

	if (line[0] == '\0' || line[1] != ' ')
		return false;
	a = line + 2;
	b = strchr(a, '\t');
	if (b != NULL)
		*b++ = '\0';
	line_unescape(a);
	if (b != NULL)
		line_unescape(b);
	switch (kind) {
	case 'P': {
		char *key;

		if (b == NULL)
			break;
		key = xasprintf("%s_progress", a);
		strmap_set(&op->info.metadata, key, b);
		free(key);
		return true;
	}
	case 'M':
		if (b != NULL)
			strmap_set(&op->info.metadata, a, b);
		break;
	case 'X':
		op->info.has_return = true;
		op->info.ret = atoi(a);
		break;
	case 'R':
		op->got_result = true;
		op->err_code = atoi(a);
		if (op->cancelled)
			break;
		op->info.status = op->err_code == 0 ? STATUS_SUCCESS : STATUS_FAILURE;
		free(op->info.err);
		op->info.err = xstrdup(op->err_code == 0 ? "" : (b ? b : "Failed"));
		break;
	}
	return false;
}

int
op_worker_read(struct engine *e, struct op *op)
{
	char buf[4096];
	ssize_t r;

	if (op->fd < 0)
		return OP_WORKER_MORE;
	for (;;) {
		char *nl;

		while (op->rxlen > 0 &&
		    (nl = memchr(op->rx, '\n', op->rxlen)) != NULL) {
			size_t n = (size_t)(nl - op->rx) + 1;
			bool progress;

			*nl = '\0';
			progress = op_worker_line(op, op->rx);
			memmove(op->rx, op->rx + n, op->rxlen - n + 1);
			op->rxlen -= n;
			if (progress)
				return OP_WORKER_PROGRESS;
		}
		r = read(op->fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return OP_WORKER_MORE;	/* EAGAIN: more later */
		if (r == 0)
			break;
		op->rx = xrealloc(op->rx, op->rxlen + (size_t)r + 1);
		memcpy(op->rx + op->rxlen, buf, (size_t)r);
		op->rxlen += (size_t)r;
		op->rx[op->rxlen] = '\0';
	}
	/*
	 * The handle goes before the fd: a poll handle closed later would
	 * take the epoll registration of whatever reuses the fd number with
	 * it (the next op's socket, which then never reports).
	 */
	if (op->poll != NULL) {
		uv_close((uv_handle_t *)op->poll, op_worker_poll_closed);
		op->poll = NULL;
	}
	close(op->fd);
	op->fd = -1;
	if (op->pid > 0) {
		int st;

		while (waitpid(op->pid, &st, 0) < 0 && errno == EINTR)
			;
		if (!op->got_result && !op->cancelled) {
			op->info.status = STATUS_FAILURE;
			free(op->info.err);
			op->info.err = WIFSIGNALED(st) ?
			    xasprintf("The helper process was killed by signal %d",
			    WTERMSIG(st)) :
			    xstrdup("The helper process exited without a result");
			op->err_code = 500;
		}
		op->pid = -1;
	}
	return OP_WORKER_END;
}
