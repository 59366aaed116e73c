/*
 * test-api-exec.c - the exec websocket bridge (api-exec.c) end to end with
 * the stock `lxc` client.
 *
 * The fake backend does not run processes, so this test wraps it: exec
 * sessions run `sh -c` on this host with pipes, as an engine would run
 * them in a container, with their own operations and operation events;
 * everything else is the fake's.  lxdeckd's server runs in this process
 * on a temporary socket and `lxc exec` runs as a child, so stdout, stdin,
 * stderr, exit codes and signals go through the real client, the real
 * websocket protocol and our bridge.  Skips when lxc is not installed.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "../../remote/server/server.h"
#include "../../remote/client/client-internal.h"
#include "../harness.h"

struct host_exec {
	struct exec_handle	 h;
	uv_process_t		 proc;
	struct op_info		 op;
	struct host_backend	*hb;
	bool			 closed, proc_done;
};

struct host_backend {
	struct backend_ops	 ops;		/* the fake's, exec overridden */
	struct backend_ops	 orig;		/* the fake's own */
	struct backend		*fake;
	event_cb		 cb;
	void			*cb_arg;
	int			 fake_sub;
	struct host_exec	*sessions[64];
	int			 nsessions;
	int			 seq;
};

static struct host_backend hb;

static struct host_backend *
hb_of(struct backend *b)
{
	(void)b;
	return &hb;
}

static void
hb_emit(struct host_backend *h_, const struct op_info *op)
{
	struct event ev = { 0 };

	ev.type = EVENT_OPERATION;
	ev.timestamp_ns = time_now_ns();
	ev.project = "default";
	ev.location = "none";
	ev.op = op;
	if (h_->cb != NULL)
		h_->cb(&ev, h_->cb_arg);
}

static void
hb_proc_closed(uv_handle_t *h)
{
	struct host_exec *x = h->data;

	x->proc_done = true;
}

static void
hb_exit(uv_process_t *p, int64_t status, int sig)
{
	struct host_exec *x = p->data;

	if (x->closed)
		return;
	x->h.exited = true;
	x->h.status = sig ? 128 + sig : (int)status;
	x->op.status = STATUS_SUCCESS;
	x->op.has_return = true;
	x->op.ret = x->h.status;
	x->op.updated_ns = time_now_ns();
	hb_emit(x->hb, &x->op);
	if (x->h.on_exit != NULL)
		x->h.on_exit(&x->h, x->h.arg);
	uv_close((uv_handle_t *)p, hb_proc_closed);
}

static int
hb_exec_start(struct backend *b, const char *inst, const struct exec_req *req,
    struct exec_handle **out, struct err *e)
{
	struct host_backend *h_ = hb_of(b);
	struct host_exec *x = xcalloc(1, sizeof *x);
	uv_process_options_t o = { 0 };
	uv_stdio_container_t io[3];
	int in[2], outp[2], errp[2], i;
	char **args = xcalloc(req->argv.n + 1, sizeof *args);

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0 ||
	    pipe2(errp, O_CLOEXEC) < 0)
		return err_set(e, 500, "pipe failed");
	for (i = 0; i < (int)req->argv.n; i++)
		args[i] = req->argv.v[i];
	io[0].flags = UV_INHERIT_FD;
	io[0].data.fd = in[0];
	io[1].flags = UV_INHERIT_FD;
	io[1].data.fd = outp[1];
	io[2].flags = UV_INHERIT_FD;
	io[2].data.fd = errp[1];
	o.file = args[0];
	o.args = args;
	o.stdio = io;
	o.stdio_count = 3;
	o.exit_cb = hb_exit;
	x->proc.data = x;
	x->hb = h_;
	if (uv_spawn(b->loop, &x->proc, &o) < 0) {
		free(args);
		return err_set(e, 500, "spawn failed");
	}
	free(args);
	close(in[0]);
	close(outp[1]);
	close(errp[1]);
	x->h.fds[0] = in[1];
	x->h.fds[1] = outp[0];
	x->h.fds[2] = errp[0];
	x->h.op_id = xasprintf("00000000-0000-4000-8000-%012d", ++h_->seq);
	x->op.id = xstrdup(x->h.op_id);
	x->op.cls = OP_CLASS_WEBSOCKET;
	x->op.description = xstrdup("Executing command");
	x->op.created_ns = x->op.updated_ns = time_now_ns();
	x->op.status = STATUS_RUNNING;
	x->op.err = xstrdup("");
	x->op.location = xstrdup("none");
	h_->sessions[h_->nsessions++ % 64] = x;
	*out = &x->h;
	hb_emit(h_, &x->op);
	return 0;
}

static struct host_exec *
hb_find(struct host_backend *h_, const char *id)
{
	int i;

	for (i = 0; i < h_->nsessions && i < 64; i++)
		if (h_->sessions[i] != NULL && strcmp(h_->sessions[i]->op.id, id) == 0)
			return h_->sessions[i];
	return NULL;
}

static int
hb_op_get(struct backend *b, const char *id, struct op_info *out, struct err *e)
{
	struct host_exec *x = hb_find(hb_of(b), id);

	if (x == NULL)
		return hb.orig.op_get(b, id, out, e);
	op_info_copy(out, &x->op);
	return 0;
}

static int
hb_exec_signal(struct backend *b, struct exec_handle *h, int sig, struct err *e)
{
	struct host_exec *x = (struct host_exec *)h;

	if (!h->exited)
		uv_process_kill(&x->proc, sig);
	return 0;
}

static int
hb_exec_resize(struct backend *b, struct exec_handle *h, int w, int hh, struct err *e)
{
	return 0;
}

static void
hb_exec_close(struct backend *b, struct exec_handle *h)
{
	struct host_exec *x = (struct host_exec *)h;
	int i;

	for (i = 0; i < 3; i++)
		if (h->fds[i] >= 0)
			close(h->fds[i]);
	if (!h->exited)
		uv_process_kill(&x->proc, SIGKILL);
	/* The operation stays visible (as a backend keeps ops ~5 s); the
	 * test never frees sessions. */
	x->closed = true;
}

static void
hb_forward(const struct event *ev, void *arg)
{
	struct host_backend *h_ = arg;

	if (h_->cb != NULL)
		h_->cb(ev, h_->cb_arg);
}

static int
hb_subscribe(struct backend *b, event_cb cb, void *arg)
{
	struct host_backend *h_ = hb_of(b);

	h_->cb = cb;
	h_->cb_arg = arg;
	h_->fake_sub = h_->orig.subscribe(b, hb_forward, h_);
	return 1;
}

static void
hb_unsubscribe(struct backend *b, int id)
{
	struct host_backend *h_ = hb_of(b);

	h_->cb = NULL;
	h_->orig.unsubscribe(b, h_->fake_sub);
}

/* Runs `lxc ARGS` with stdin from `input`; returns exit code, out gets stdout. */
struct child {
	uv_process_t	 p;
	bool		 done;
	int64_t		 status;
};

static void
child_exit(uv_process_t *p, int64_t status, int sig)
{
	struct child *c = p->data;

	c->done = true;
	c->status = sig ? 128 + sig : status;
	uv_close((uv_handle_t *)p, NULL);
}

static int
run_lxc(uv_loop_t *loop, const char *script, char *out, size_t outlen)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	char tmpl[] = "/tmp/lxdeck-exec-out.XXXXXX";
	int fd = mkstemp(tmpl);
	uv_process_options_t o = { 0 };
	uv_stdio_container_t io[3];
	struct child c = { 0 };
	ssize_t n;
	int i;

	io[0].flags = UV_IGNORE;
	io[1].flags = UV_INHERIT_FD;
	io[1].data.fd = fd;
	io[2].flags = UV_INHERIT_FD;
	io[2].data.fd = fd;
	o.file = argv[0];
	o.args = argv;
	o.stdio = io;
	o.stdio_count = 3;
	o.exit_cb = child_exit;
	c.p.data = &c;
	if (uv_spawn(loop, &c.p, &o) < 0)
		return -1;
	for (i = 0; !c.done && i < 300000; i++)
		uv_run(loop, UV_RUN_ONCE);
	n = pread(fd, out, outlen - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(tmpl);
	return (int)c.status;
}

static uv_loop_t loop;
static struct server *srv;
static char dir[64], sock[128];

static void
setup(void)
{
	struct server_config cfg = { 0 };
	struct err e = { 0 };
	char path[256];
	FILE *f;

	uv_loop_init(&loop);
	hb.fake = backend_fake_create(&loop, &e);
	if (hb.fake == NULL)
		fatal("fake: %s", e.msg);
	hb.orig = *hb.fake->ops;
	hb.ops = hb.orig;
	hb.ops.name = "host-exec";
	hb.ops.exec_start = hb_exec_start;
	hb.ops.exec_signal = hb_exec_signal;
	hb.ops.exec_resize = hb_exec_resize;
	hb.ops.exec_close = hb_exec_close;
	hb.ops.op_get = hb_op_get;
	hb.ops.subscribe = hb_subscribe;
	hb.ops.unsubscribe = hb_unsubscribe;
	/* The fake's methods still get the fake itself as their backend. */
	hb.fake->ops = &hb.ops;
	snprintf(dir, sizeof dir, "/tmp/lxdeck-exec.XXXXXX");
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	snprintf(sock, sizeof sock, "%s/unix.socket", dir);
	snprintf(path, sizeof path, "%s/config.yml", dir);
	f = fopen(path, "w");
	fprintf(f, "default-remote: t\nremotes:\n  t:\n    addr: unix://%s\n"
	    "    public: false\n", sock);
	fclose(f);
	setenv("LXD_CONF", dir, 1);
	cfg.socket_path = sock;
	srv = server_create(&loop, hb.fake, &cfg, &e);
	if (srv == NULL)
		fatal("server_create: %s", e.msg);
}

TEST(exec_stdout)
{
	char out[4096];
	int rc = run_lxc(&loop, "timeout 20 lxc exec web1 -- echo hello-bridge", out,
	    sizeof out);

	CHECK(rc == 0);
	CHECK_STR(out, "hello-bridge\n");
}

TEST(exec_stdin)
{
	char out[4096];
	int rc = run_lxc(&loop, "printf 'line1\\nline2\\n' | timeout 20 lxc exec web1 -- cat",
	    out, sizeof out);

	if (rc != 0)
		printf("# rc %d: %s\n", rc, out);
	CHECK(rc == 0);
	CHECK_STR(out, "line1\nline2\n");
}

TEST(exec_exit_status)
{
	char out[4096];

	CHECK(run_lxc(&loop, "timeout 20 lxc exec web1 -- sh -c 'exit 3'", out,
	    sizeof out) == 3);
	CHECK(run_lxc(&loop, "timeout 20 lxc exec web1 -- sh -c 'kill -USR1 $$'", out,
	    sizeof out) == 138);
}

TEST(exec_stderr_separate)
{
	char out[4096];
	int rc = run_lxc(&loop, "timeout 20 lxc exec web1 -- sh -c 'echo out; echo err >&2' "
	    "2>/dev/null", out, sizeof out);

	CHECK(rc == 0);
	CHECK_STR(out, "out\n");
}

TEST(exec_large_output)
{
	char out[256];
	int rc = run_lxc(&loop, "timeout 30 lxc exec web1 -- sh -c "
	    "'head -c 5000000 /dev/zero' | wc -c", out, sizeof out);

	CHECK(rc == 0);
	CHECK(atoi(out) == 5000000);
}

TEST(exec_large_input)
{
	char out[256];
	int rc = run_lxc(&loop, "head -c 3000000 /dev/zero | timeout 30 lxc exec web1 -- "
	    "wc -c", out, sizeof out);

	if (rc != 0)
		printf("# rc %d: %s\n", rc, out);
	CHECK(rc == 0);
	CHECK(atoi(out) == 3000000);
}

TEST(exec_client_killed)
{
	char out[4096];
	int rc;

	/* The client vanishes mid-session; the server must clean up and go on. */
	rc = run_lxc(&loop, "timeout -s KILL 1 lxc exec web1 -- sleep 30; echo killed",
	    out, sizeof out);
	CHECK(rc == 0);
	rc = run_lxc(&loop, "timeout 20 lxc exec web1 -- echo still-here", out, sizeof out);
	CHECK(rc == 0);
	CHECK_STR(out, "still-here\n");
}

int
main(void)
{
	struct stat st;

	if (stat("/usr/bin/lxc", &st) < 0) {
		printf("1..0 # SKIP no lxc client\n");
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	setup();
	RUN(exec_stdout);
	RUN(exec_stdin);
	RUN(exec_exit_status);
	RUN(exec_stderr_separate);
	RUN(exec_large_output);
	RUN(exec_large_input);
	RUN(exec_client_killed);
	server_free(srv);
	{
		char path[256];

		snprintf(path, sizeof path, "%s/config.yml", dir);
		unlink(path);
		rmdir(dir);
	}
	return harness_done();
}
