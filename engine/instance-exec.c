/*
 * instance-exec.c - commands and consoles inside running instances.
 *
 * exec attaches a process to the container with liblxc (namespaces,
 * cgroup, the instance's environment.* plus what the caller passes), on a
 * pty for an interactive session (made the controlling terminal, so ^C and
 * job control work) or on three pipes otherwise.  The caller gets the fds
 * in an exec_handle; the process's exit is watched with a pidfd on the
 * loop, reported as LXD does (128+signal for a signal death) both through
 * on_exit and as the "return" of the session's operation.  console hands
 * out the container's /dev/console through liblxc's console_getfd.
 *
 * The attach itself runs in a helper process forked into the container's
 * unified cgroup (cgroup-attach.c: this skips the kernel's global
 * migration lock, most of an exec's time), so the daemon's loop goes on
 * while liblxc sets the process up.  The helper sends the process's pidfd
 * back over a socket (signals go through it), waits for it and exits with
 * its status.  When the cgroups are not as that needs, liblxc moves the
 * process itself, attached from the daemon.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lxc/attach_options.h>
#include <lxc/lxccontainer.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "engine.h"

struct exec_priv {
	struct engine		*engine;
	struct lxc_container	*c;		/* console: keeps the tty */
	char			*name;
	pid_t			 pid;		/* the command */
	int			 pidfd;		/* its pidfd (console: the tty) */
	uv_poll_t		*poll;		/* on the helper's or the command's pidfd */
	bool			 console;
	char			**argv;
	bool			 interactive;

	/* The attach helper (cgroup-attach.c), or helper -1. */
	pid_t			 helper;
	int			 helper_pidfd;
	int			 sock;		/* the helper's report: pid + pidfd */
	bool			 reported;	/* its report was read */
	struct cgroup_attach	 cg;		/* for the fork; then the helper's */
};

static struct exec_priv *
exec_priv_new(struct engine *e, const char *name)
{
	struct exec_priv *p = xcalloc(1, sizeof *p);

	p->engine = e;
	p->name = xstrdup(name);
	p->pid = p->pidfd = -1;
	p->helper = p->helper_pidfd = p->sock = -1;
	p->cg.unified_fd = -1;
	return p;
}

/* How long a signal or a close waits for the helper's report. */
#define EXEC_REPORT_WAIT_MS	5000

/* What the helper sends once the command runs (with its pidfd) or failed. */
struct exec_report {
	pid_t	 pid;			/* <= 0: the attach failed */
};

static int
exec_in_container(void *payload)
{
	struct exec_priv *p = payload;

	sigset_t all;
	int sig;

	/* Attached by the helper: into the v1 hierarchies by ourselves
	 * (never run the command outside the container's cgroups). */
	if (p->cg.nv1 > 0 && cgroup_attach_join_v1(&p->cg) < 0) {
		static const char msg[] = "Failed to join the instance's cgroups\n";
		ssize_t n = write(2, msg, sizeof msg - 1);

		(void)n;	/* exiting either way */
		_exit(255);
	}
	/* Nothing of the daemon's (sockets, the loop's pipes, liblxc's own
	 * fds) goes into the container: only 0, 1 and 2. */
	syscall(SYS_close_range, 3U, ~0U, 0U);
	/*
	 * The daemon's handlers (libuv's, which would forward a signal to
	 * the daemon's loop) and its ignored SIGPIPE are not the command's:
	 * back to the defaults, then take what arrived while we were being
	 * set up (instance_exec blocked it), so an early SIGTERM kills.
	 */
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (p->interactive) {
		setsid();
		ioctl(0, TIOCSCTTY, 0);
	}
	execvp(p->argv[0], p->argv);
	/* LXD prints nothing here: the client says "Command not found". */
	_exit(errno == ENOENT ? 127 : 126);
}

static void
exec_poll_closed(uv_handle_t *h)
{
	free(h);
}

/*
 * Reads the helper's report (the command's pid and pidfd) if it has not
 * been read: waiting at most wait_ms for it.  False when there is none
 * (the helper failed, or has not got that far yet).
 */
static bool
exec_helper_report(struct exec_priv *p, int wait_ms)
{
	struct exec_report r = { 0 };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &r, .iov_len = sizeof r };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	struct pollfd pfd = { .fd = p->sock, .events = POLLIN };
	struct cmsghdr *cm;
	ssize_t n;

	if (p->reported || p->sock < 0)
		return p->reported && p->pid > 0;
	if (poll(&pfd, 1, wait_ms) <= 0)
		return false;
	do
		n = recvmsg(p->sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return false;
	p->reported = true;
	close(p->sock);
	p->sock = -1;
	for (cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm != NULL;
	    cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&p->pidfd, CMSG_DATA(cm), sizeof p->pidfd);
	if (n != (ssize_t)sizeof r || r.pid <= 0 || p->pidfd < 0) {
		if (p->pidfd >= 0)
			close(p->pidfd);
		p->pidfd = -1;
		return false;
	}
	p->pid = r.pid;
	return true;
}

static void
exec_exited(uv_poll_t *h, int status, int events)
{
	struct exec_handle *eh = h->data;
	struct exec_priv *p = eh->priv;
	bool failed = false;
	int st = 0;

	if (p->helper > 0) {
		if (waitpid(p->helper, &st, WNOHANG) <= 0)
			return;
		failed = !exec_helper_report(p, 0);
		p->helper = -1;
	} else if (waitpid(p->pid, &st, WNOHANG) <= 0)
		return;
	/* The watcher goes before the fd it watches. */
	uv_poll_stop(h);
	uv_close((uv_handle_t *)h, exec_poll_closed);
	p->poll = NULL;
	if (p->helper_pidfd >= 0)
		close(p->helper_pidfd);
	p->helper_pidfd = -1;
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
	p->pid = -1;
	eh->exited = true;
	/* The helper exits with the command's status, already as LXD's. */
	eh->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (failed) {
		log_warn("exec in instance \"%s\": the attach failed", p->name);
		eh->status = -1;
	}
	if (eh->op_id != NULL) {
		struct op_info *op = op_find_info(p->engine, eh->op_id);

		if (op != NULL && !failed) {
			op->has_return = true;
			op->ret = eh->status;
		}
		/* As LXD: 127 and 126 (what exec_in_container gives when the
		 * command cannot run) fail the operation, "return" kept. */
		if (failed) {
			char *msg = xasprintf("Failed to run a command in instance "
			    "\"%s\"", p->name);

			op_finish(p->engine, eh->op_id, STATUS_FAILURE, msg);
			free(msg);
		} else if (eh->status == 127)
			op_finish(p->engine, eh->op_id, STATUS_FAILURE,
			    "Command not found");
		else if (eh->status == 126)
			op_finish(p->engine, eh->op_id, STATUS_FAILURE,
			    "Command not executable");
		else
			op_finish(p->engine, eh->op_id, STATUS_SUCCESS, NULL);
	}
	if (eh->on_exit != NULL)
		eh->on_exit(eh, eh->arg);
}

/*
 * The helper: attaches the command with liblxc (which forks it from here,
 * so it is born in the unified leaf we were forked into; it joins the v1
 * hierarchies itself), reports its pid and pidfd, waits for it and exits
 * with its status.  Signals stay blocked (instance_exec blocked them):
 * only SIGKILL ends us early.
 */
static _Noreturn void
exec_helper_main(struct lxc_container *c, struct exec_priv *p,
    lxc_attach_options_t *opts, int sock)
{
	struct exec_report r = { .pid = -1 };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &r, .iov_len = sizeof r };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	pid_t pid = -1;
	int pidfd = -1, st = 0;

	opts->attach_flags &= ~LXC_ATTACH_MOVE_TO_CGROUP;
	if (c->attach(c, exec_in_container, p, opts, &pid) < 0)
		pid = -1;
	/* Nothing of the daemon's stays open here: its clients' sockets
	 * would not see an end while we wait. */
	if (sock > 3)
		syscall(SYS_close_range, 3U, (unsigned)sock - 1, 0U);
	syscall(SYS_close_range, (unsigned)sock + 1, ~0U, 0U);
	if (pid > 0) {
		/* Not reaped yet (we are its parent): this is the command. */
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pidfd < 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, __WALL);
			pid = -1;
		}
	}
	if (pidfd >= 0) {
		struct cmsghdr *cm;

		r.pid = pid;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof cbuf;
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pidfd, sizeof pidfd);
	}
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 || pid <= 0)
		_exit(1);
	close(sock);
	while (waitpid(pid, &st, __WALL) < 0)
		if (errno != EINTR)
			_exit(1);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

/* Starts the helper; -1 (errno) when clone3 cannot (then liblxc moves). */
static int
exec_helper_start(struct lxc_container *c, struct exec_priv *p,
    lxc_attach_options_t *opts)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid = cgroup_attach_fork(&p->cg, &p->helper_pidfd);
	if (pid == 0) {
		close(sv[0]);
		exec_helper_main(c, p, opts, sv[1]);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		p->helper_pidfd = -1;
		return -1;
	}
	p->helper = pid;
	p->sock = sv[0];
	return 0;
}

/*
 * A pty for an interactive session, allocated in the container's own devpts
 * (as LXD does) so that the process sees a /dev/pts/N of its own instance:
 * ttyname() and `tty` work inside.  The slave belongs to the container's
 * root.  Falls back to a host pty when liblxc cannot hand out the devpts.
 */
static int
exec_open_pty(struct lxc_container *c, uid_t uid, gid_t gid,
    const struct winsize *ws, int *master, int *slave)
{
	int dfd, m = -1, s = -1, unlock = 0;

	dfd = c->devpts_fd != NULL ? c->devpts_fd(c) : -1;
	if (dfd >= 0) {
		m = openat(dfd, "ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		close(dfd);
		if (m >= 0 && ioctl(m, TIOCSPTLCK, &unlock) == 0)
			s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (s < 0 && m >= 0) {
			close(m);
			m = -1;
		}
	}
	if (m >= 0) {
		if (fchown(s, uid, gid) < 0 || fchmod(s, 0620) < 0)
			log_debug("exec: fchown of the pty: %s", strerror(errno));
		ioctl(s, TIOCSWINSZ, ws);
	} else if (openpty(&m, &s, NULL, NULL, ws) < 0) {
		return -errno;
	} else {
		fcntl(m, F_SETFD, FD_CLOEXEC);
	}
	*master = m;
	*slave = s;
	return 0;
}

/*
 * liblxc 5.0's attach opens the container init's pidfd in the caller and
 * never closes it there (attach.c drops ctx->init_pidfd without a close):
 * one leaked fd per exec in a long-lived daemon.  Nothing refers to it once
 * attach has returned, so the pidfds that appeared during the call are
 * closed.  exec_fds() lists the open fds (the caller frees the array);
 * only those that are new after the call are looked at (one readlink
 * each, not one per fd the daemon holds).
 */
static size_t
exec_fds(int **out)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	size_t n = 0;

	*out = NULL;
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd == dirfd(d))
			continue;
		*out = xreallocarray(*out, n + 1, sizeof **out);
		(*out)[n++] = fd;
	}
	closedir(d);
	return n;
}

static bool
exec_is_pidfd(int fd)
{
	char path[64], link[64];
	ssize_t len;

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	len = readlink(path, link, sizeof link - 1);
	if (len <= 0)
		return false;
	link[len] = '\0';
	return strcmp(link, "anon_inode:[pidfd]") == 0;
}

static void
exec_close_leaked_pidfds(const int *before, size_t nbefore)
{
	int *after = NULL;
	size_t nafter = exec_fds(&after), i, j;

	for (i = 0; i < nafter; i++) {
		for (j = 0; j < nbefore; j++)
			if (after[i] == before[j])
				break;
		if (j == nbefore && exec_is_pidfd(after[i]))
			close(after[i]);
	}
	free(after);
}

static void
set_size(int fd, int w, int h)
{
	struct winsize ws = { .ws_row = (unsigned short)(h > 0 ? h : 24),
	    .ws_col = (unsigned short)(w > 0 ? w : 80) };

	ioctl(fd, TIOCSWINSZ, &ws);
}

/* The command's environment: LXD's defaults, environment.*, then the
 * caller's. */
static void
exec_env(const struct instance *in, const struct exec_req *req, struct strv *env)
{
	size_t i;

	strv_push(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
	    "/sbin:/bin");
	strv_push(env, "HOME=/root");
	strv_push(env, "USER=root");
	strv_push(env, "LANG=C.UTF-8");
	for (i = 0; i < in->expanded_config.n; i++) {
		if (strncmp(in->expanded_config.keys[i], "environment.", 12) == 0) {
			char *kv = xasprintf("%s=%s", in->expanded_config.keys[i] + 12,
			    in->expanded_config.vals[i]);

			strv_push(env, kv);
			free(kv);
		}
	}
	for (i = 0; i < req->env.n; i++) {
		char *kv = xasprintf("%s=%s", req->env.keys[i], req->env.vals[i]);

		strv_push(env, kv);
		free(kv);
	}
}

/* The command's stdio on our side until it is handed over: a pty
 * (interactive) or three pipes. */
struct exec_stdio {
	int	 master;
	int	 slave;
	int	 in[2];
	int	 out[2];
	int	 err[2];
};

static void
exec_stdio_close(struct exec_stdio *s)
{
	size_t i;

	if (s->slave >= 0)
		close(s->slave);
	if (s->master >= 0)
		close(s->master);
	for (i = 0; i < 2; i++) {
		if (s->in[i] >= 0)
			close(s->in[i]);
		if (s->out[i] >= 0)
			close(s->out[i]);
		if (s->err[i] >= 0)
			close(s->err[i]);
	}
}

/* Opens the command's stdio into opts: a pty owned by the container's
 * root (interactive: *cp gets the container, needed for that), else
 * pipes. */
static int
exec_stdio_open(struct engine *e, const char *name, const struct instance *in,
    const struct exec_req *req, struct lxc_container **cp, struct exec_stdio *s,
    lxc_attach_options_t *opts, struct err *err)
{
	if (req->interactive) {
		struct winsize ws = { .ws_row = (unsigned short)(req->height > 0 ?
		    req->height : 24), .ws_col = (unsigned short)(req->width > 0 ?
		    req->width : 80) };
		bool priv = false;
		const char *v = strmap_get(&in->expanded_config, "security.privileged");
		uid_t root = 0;
		int rc;

		if (v != NULL)
			config_key_parse_bool(v, &priv);
		if (!priv)
			root = e->idmap_base;
		*cp = lxc_container_new(name, e->lxcpath);
		if (*cp == NULL)
			return err_set(err, 500, "liblxc cannot load instance \"%s\"",
			    name);
		rc = exec_open_pty(*cp, root, root + 5, &ws, &s->master, &s->slave);
		if (rc < 0)
			return err_set(err, 500, "Failed to allocate a pty for "
			    "instance \"%s\": %s", name, strerror(-rc));
		opts->stdin_fd = opts->stdout_fd = opts->stderr_fd = s->slave;
		return 0;
	}
	if (pipe2(s->in, O_CLOEXEC) < 0 || pipe2(s->out, O_CLOEXEC) < 0 ||
	    pipe2(s->err, O_CLOEXEC) < 0)
		return err_set(err, 500, "Failed to create pipes: %s", strerror(errno));
	opts->stdin_fd = s->in[0];
	opts->stdout_fd = s->out[1];
	opts->stderr_fd = s->err[1];
	return 0;
}

/*
 * Starts the command: through the helper forked into the container's
 * cgroup (cgroup-attach.c), else liblxc's attach.  0, or -1.
 *
 * The attached process runs liblxc code with the daemon's signal handlers
 * until exec_in_container resets them; a signal then would be lost to the
 * command (an early SIGTERM gave status 0) and forwarded to our loop.
 * Keep signals pending until the reset (the attach helper keeps them
 * blocked all its life).
 */
static int
exec_attach(struct engine *e, const char *name, struct lxc_container *c,
    struct exec_priv *p, lxc_attach_options_t *opts)
{
	sigset_t block, saved;
	int *before = NULL;
	size_t nbefore;
	int rc = -1, cgrc;

	sigfillset(&block);
	sigprocmask(SIG_BLOCK, &block, &saved);
	cgrc = getenv("LXDECK_EXEC_LIBLXC") != NULL ? -ENOTSUP :
	    cgroup_attach_open(instance_init_pid(e, name), &p->cg);
	if (cgrc == 0) {
		if ((rc = exec_helper_start(c, p, opts)) < 0)
			log_debug("exec in \"%s\": liblxc moves the process "
			    "(no helper: %s)", name, strerror(errno));
		cgroup_attach_close(&p->cg);	/* the helper has its own */
	} else
		log_debug("exec in \"%s\": liblxc moves the process (%s)", name,
		    strerror(-cgrc));
	if (p->helper < 0) {
		nbefore = exec_fds(&before);
		rc = c->attach(c, exec_in_container, p, opts, &p->pid);
		exec_close_leaked_pidfds(before, nbefore);
		free(before);
		if (rc < 0 || p->pid <= 0)
			rc = -1;
	}
	sigprocmask(SIG_SETMASK, &saved, NULL);
	return rc < 0 ? -1 : 0;
}

/* The running command becomes visible: its websocket op, the watch on its
 * end (exec_exited) and the instance-exec event. */
static void
exec_publish(struct engine *e, const char *name, const struct exec_req *req,
    struct exec_handle *eh)
{
	struct exec_priv *p = eh->priv;
	char *url = xasprintf("/1.0/instances/%s", name), *cmd;
	struct op_spec spec = {
		.description = "Executing command",
		.cls = OP_CLASS_WEBSOCKET,
		.resource_type = "instances",
		.resource = url,
	};
	struct strmap ctx = { 0 };

	eh->op_id = xstrdup(op_register(e, &spec)->id);
	if (p->helper < 0)
		p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (p->helper > 0 ? p->helper_pidfd >= 0 : p->pidfd >= 0) {
		p->poll = xmalloc(sizeof *p->poll);
		uv_poll_init(e->loop, p->poll, p->helper > 0 ?
		    p->helper_pidfd : p->pidfd);
		p->poll->data = eh;
		uv_poll_start(p->poll, UV_READABLE, exec_exited);
	}
	cmd = strv_join(&req->argv, " ");
	strmap_set(&ctx, "command", cmd);
	event_lifecycle(e, "instance-exec", url, &ctx);
	strmap_free(&ctx);
	free(cmd);
	free(url);
}

int
instance_exec(struct engine *e, const char *name, const struct exec_req *req,
    struct exec_handle **out, struct err *err)
{
	lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
	struct exec_stdio io = { .master = -1, .slave = -1, .in = { -1, -1 },
	    .out = { -1, -1 }, .err = { -1, -1 } };
	struct exec_handle *eh = NULL;
	struct exec_priv *p = NULL;
	struct lxc_container *c = NULL;
	struct instance in = { 0 };
	struct strv env = { 0 };
	size_t i;
	int rc = -1;

	*out = NULL;
	if (req->argv.n == 0)
		return err_set(err, 400, "No command given");
	if (instance_load(e, name, 0, &in, err) < 0)
		return -1;
	if (in.status != STATUS_RUNNING) {
		err_set(err, 400, "Instance \"%s\" is not running", name);
		goto out;
	}
	exec_env(&in, req, &env);
	eh = xcalloc(1, sizeof *eh);
	p = exec_priv_new(e, name);
	eh->priv = p;
	eh->fds[0] = eh->fds[1] = eh->fds[2] = -1;
	eh->interactive = req->interactive;
	p->interactive = req->interactive;
	p->argv = xcalloc(req->argv.n + 1, sizeof *p->argv);
	for (i = 0; i < req->argv.n; i++)
		p->argv[i] = req->argv.v[i];
	if (exec_stdio_open(e, name, &in, req, &c, &io, &opts, err) < 0)
		goto out;
	opts.env_policy = LXC_ATTACH_CLEAR_ENV;
	opts.extra_env_vars = env.v;
	opts.uid = req->uid;
	opts.gid = req->gid;
	opts.initial_cwd = (char *)(req->cwd && *req->cwd ? req->cwd : "/root");
	if (c == NULL)
		c = lxc_container_new(name, e->lxcpath);
	if (c == NULL || exec_attach(e, name, c, p, &opts) < 0) {
		err_set(err, 500, "Failed to run a command in instance \"%s\"", name);
		goto out;
	}
	if (req->interactive) {
		eh->fds[0] = io.master;
		io.master = -1;
	} else {
		eh->fds[0] = io.in[1];
		eh->fds[1] = io.out[0];
		eh->fds[2] = io.err[0];
		io.in[1] = io.out[0] = io.err[0] = -1;
	}
	exec_publish(e, name, req, eh);
	*out = eh;
	eh = NULL;
	rc = 0;
out:
	exec_stdio_close(&io);
	if (eh != NULL) {
		free(p->argv);
		free(p->name);
		free(p);
		free(eh);
	}
	lxc_container_put(c);
	instance_free_contents(&in);
	strv_free(&env);
	return rc;
}

int
instance_console(struct engine *e, const char *name, int w, int h,
    struct exec_handle **out, struct err *err)
{
	struct lxc_container *c = NULL;
	struct exec_handle *eh;
	struct exec_priv *p;
	int ttynum = 0, ptx = -1, fd;
	char *url;

	*out = NULL;
	if (!instance_is_running(e, name))
		return err_set(err, 400, "Instance \"%s\" is not running", name);
	c = lxc_container_new(name, e->lxcpath);
	if (c == NULL)
		return err_set(err, 500, "liblxc cannot load instance \"%s\"", name);
	fd = c->console_getfd(c, &ttynum, &ptx);
	if (fd < 0) {
		lxc_container_put(c);
		return err_set(err, 500, "Failed to attach to the console of \"%s\"",
		    name);
	}
	set_size(ptx, w, h);
	eh = xcalloc(1, sizeof *eh);
	p = exec_priv_new(e, name);
	eh->priv = p;
	eh->interactive = true;
	eh->fds[0] = ptx;
	eh->fds[1] = eh->fds[2] = -1;
	p->c = c;
	p->console = true;
	p->pid = -1;
	p->pidfd = fd;		/* the tty reservation; closed on detach */
	url = xasprintf("/1.0/instances/%s", name);
	{
		struct op_spec spec = {
			.description = "Showing console",
			.cls = OP_CLASS_WEBSOCKET,
			.resource_type = "instances",
			.resource = url,
		};

		eh->op_id = xstrdup(op_register(e, &spec)->id);
	}
	event_lifecycle(e, "instance-console", url, NULL);
	free(url);
	*out = eh;
	return 0;
}

int
instance_exec_resize(struct engine *e, struct exec_handle *eh, int w, int h,
    struct err *err)
{
	if (!eh->interactive || eh->fds[0] < 0)
		return err_set(err, 400, "Not an interactive session");
	set_size(eh->fds[0], w, h);
	return 0;
}

int
instance_exec_signal(struct engine *e, struct exec_handle *eh, int sig,
    struct err *err)
{
	struct exec_priv *p = eh->priv;

	if (p->console)
		return err_set(err, 400, "No process to signal");
	if (p->helper > 0)
		exec_helper_report(p, EXEC_REPORT_WAIT_MS);
	if (p->pid <= 0)
		return err_set(err, 400, "No process to signal");
	if ((p->pidfd >= 0 ? (int)syscall(SYS_pidfd_send_signal, p->pidfd, sig,
	    NULL, 0U) : kill(p->pid, sig)) < 0)
		return err_set(err, 500, "Failed to send signal %d: %s", sig,
		    strerror(errno));
	return 0;
}

void
instance_exec_close(struct engine *e, struct exec_handle *eh)
{
	struct exec_priv *p;
	int i;

	if (eh == NULL)
		return;
	p = eh->priv;
	if (p->poll != NULL) {
		uv_poll_stop(p->poll);
		uv_close((uv_handle_t *)p->poll, exec_poll_closed);
	}
	if (p->helper > 0) {
		/* The command first (the helper then exits with it); the helper
		 * itself only when it never reported. */
		if (exec_helper_report(p, EXEC_REPORT_WAIT_MS))
			syscall(SYS_pidfd_send_signal, p->pidfd, SIGKILL, NULL, 0U);
		else
			kill(p->helper, SIGKILL);
		util_reap(e->loop, p->helper, p->helper_pidfd);
		p->helper_pidfd = -1;
	} else if (p->pid > 0 && !p->console) {
		kill(p->pid, SIGKILL);
		util_reap(e->loop, p->pid, p->pidfd);
		p->pidfd = -1;
	}
	if (p->helper_pidfd >= 0)
		close(p->helper_pidfd);
	if (p->sock >= 0)
		close(p->sock);
	if (p->pidfd >= 0)
		close(p->pidfd);
	for (i = 0; i < 3; i++)
		if (eh->fds[i] >= 0)
			close(eh->fds[i]);
	if (eh->op_id != NULL && !eh->exited)
		op_finish(e, eh->op_id, STATUS_SUCCESS, NULL);
	lxc_container_put(p->c);
	free(p->argv);
	free(p->name);
	free(p);
	free(eh->op_id);
	free(eh);
}
