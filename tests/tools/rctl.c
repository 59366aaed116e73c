/*
 * rctl - drives a remote through backend-remote.c (the REST client), for
 * the tests: the same contract suite against lxdeckd on its unix socket,
 * lxdeckd over HTTPS and the reference LXD.
 *
 *   rctl -a ADDR [-c CERTDIR] [-s SERVERCRT] CMD ...
 *   rctl -r NAME CMD ...                (a remote from the configs)
 *
 * CMD: info | list | contract PREFIX IMAGE (TAP on stdout) |
 *      exec NAME CMD... (stdin/stdout/stderr bridged, exits with the status)
 *
 * ADDR is unix:///path or https://host:port; CERTDIR holds client.crt and
 * client.key; SERVERCRT is the pinned server certificate (PEM).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "../../common/common.h"
#include "../../core/core.h"
#include "../../remote/client/client.h"
#include "../backend-test.h"

static int tap_n, tap_failed;
static uv_loop_t *loop;

static void
tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		tap_failed++;
}

static void
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	n = (long)fread(buf, 1, (size_t)n, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Runs the loop a little. */
static void
pump(int ms)
{
	int64_t end = time_now_ns() + (int64_t)ms * 1000000;

	do {
		uv_run(loop, UV_RUN_NOWAIT);
		usleep(2000);
	} while (time_now_ns() < end);
}

/* Reads fd (non-blocking) into out until needle shows up, EOF or timeout.
 * Returns 1 found, 0 EOF/timeout. */
static int
read_until(int fd, struct strv *unused, char *out, size_t outlen, const char *needle,
    int timeout_ms)
{
	size_t len = strlen(out);
	int64_t end = time_now_ns() + (int64_t)timeout_ms * 1000000;

	(void)unused;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (time_now_ns() < end) {
		ssize_t n;

		uv_run(loop, UV_RUN_NOWAIT);
		n = read(fd, out + len, outlen - len - 1);
		if (n > 0) {
			len += (size_t)n;
			out[len] = '\0';
			if (needle != NULL && strstr(out, needle) != NULL)
				return 1;
			continue;
		}
		if (n == 0)
			return needle == NULL ? 1 : 0;
		usleep(2000);
	}
	return 0;
}

/* Types INPUT on the terminal FD, then reads its answer into OUT until
 * NEEDLE shows (20 s at most): read_until's answer. */
static int
type_until(int fd, const char *input, char *out, size_t outlen, const char *needle)
{
	if (write(fd, input, strlen(input)) < 0)
		diag("write: %s", strerror(errno));
	out[0] = '\0';
	return read_until(fd, NULL, out, outlen, needle, 20000);
}

static bool
wait_exit(struct exec_handle *h, int timeout_ms)
{
	int64_t end = time_now_ns() + (int64_t)timeout_ms * 1000000;

	while (!h->exited && time_now_ns() < end) {
		uv_run(loop, UV_RUN_NOWAIT);
		usleep(2000);
	}
	return h->exited;
}

static int
op(struct backend *b, int rc, char *id, struct err *e)
{
	if (rc < 0) {
		free(id);
		return -1;
	}
	if (id == NULL)
		return 0;
	rc = b->ops->op_wait(b, id, 120000, NULL, e);
	free(id);
	return rc;
}

/* Sequenced: the call sets id, then the wait uses it. */
#define OPW(call) (id = NULL, rc = (call), rc = op(b, rc, id, &e), id = NULL, rc)

/* exec a non-interactive command with optional stdin; out/err captured. */
static int
run_exec(struct backend *b, const char *name, const char *cmd, const char *input,
    char *out, size_t outlen, char *errbuf, size_t errlen, struct err *e)
{
	struct exec_req req;
	struct exec_handle *h = NULL;
	int status;

	memset(&req, 0, sizeof req);
	strv_push(&req.argv, "sh");
	strv_push(&req.argv, "-c");
	strv_push(&req.argv, cmd);
	if (b->ops->exec_start(b, name, &req, &h, e) < 0) {
		exec_req_free_contents(&req);
		return -1;
	}
	exec_req_free_contents(&req);
	if (input != NULL && write(h->fds[0], input, strlen(input)) < 0)
		diag("write stdin: %s", strerror(errno));
	shutdown(h->fds[0], SHUT_WR);
	out[0] = errbuf[0] = '\0';
	read_until(h->fds[1], NULL, out, outlen, NULL, 30000);
	read_until(h->fds[2], NULL, errbuf, errlen, NULL, 30000);
	if (!wait_exit(h, 30000)) {
		b->ops->exec_close(b, h);
		return err_set(e, 408, "exec did not report an exit");
	}
	status = h->status;
	b->ops->exec_close(b, h);
	return status;
}

static bool
has_instance(struct backend *b, const char *name, int *status, size_t *nsnaps,
    bool *has_state)
{
	struct instance *v = NULL;
	size_t n = 0, i;
	struct err e = { 0 };
	bool found = false;

	if (b->ops->instance_list(b, INSTANCE_WITH_STATE | INSTANCE_WITH_SNAPSHOTS, &v, &n,
	    &e) < 0) {
		diag("list: %s", e.msg);
		return false;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].name, name) == 0) {
			found = true;
			if (status)
				*status = v[i].status;
			if (nsnaps)
				*nsnaps = v[i].nsnapshots;
			if (has_state)
				*has_state = v[i].state != NULL;
		}
	}
	instance_array_free(v, n);
	return found;
}

static int
contract(struct backend *b, struct backend *b2, const char *prefix, const char *image)
{
	struct err e = { 0 };
	struct server_info si;
	struct instance_create ic;
	struct backend_test_seen ev = { 0 };
	char a[64], prof[64], out[65536], errb[4096];
	char *id = NULL;
	int sub, st, rc;
	size_t nsn = 0;
	bool hs = false;

	snprintf(a, sizeof a, "%s-a", prefix);
	snprintf(prof, sizeof prof, "%s-p", prefix);
	memset(&si, 0, sizeof si);
	rc = b->ops->server_info(b, &si, &e);
	tap(rc == 0 && si.server_version != NULL && *si.server_version,
	    "server info (%s %s)", si.server ? si.server : "?",
	    si.server_version ? si.server_version : e.msg);
	server_info_free_contents(&si);
	sub = b->ops->subscribe(b, backend_test_on_event, &ev);
	pump(300);

	/* leftovers of an interrupted run */
	if (backend_test_status(b, a) >= 0) {
		b->ops->instance_action(b, a, "stop", 0, true, false, &id, &e);
		op(b, 0, id, &e);
		id = NULL;
		b->ops->instance_delete(b, a, &id, &e);
		op(b, 0, id, &e);
		id = NULL;
	}
	b->ops->profile_delete(b, prof, &e);

	/* create */
	memset(&ic, 0, sizeof ic);
	ic.name = a;
	ic.source = SOURCE_IMAGE;
	ic.image = image;
	err_clear(&e);
	rc = b->ops->instance_create(b, &ic, &id, &e);
	tap(rc == 0 && id != NULL, "create returns an operation %s", rc ? e.msg : "");
	rc = op(b, rc, id, &e);
	id = NULL;
	tap(rc == 0, "create completes %s", rc ? e.msg : "");
	tap(has_instance(b, a, &st, NULL, &hs) && st == STATUS_STOPPED && hs,
	    "listed (recursion=2) as stopped, with state");

	/* start */
	rc = OPW(b->ops->instance_action(b, a, "start", -1, false, false, &id, &e));
	tap(rc == 0, "start %s", rc ? e.msg : "");
	tap(backend_test_status(b, a) == STATUS_RUNNING, "running after start");

	/* exec */
	if (getenv("RCTL_SKIP_EXEC") != NULL)
		goto console;
	rc = run_exec(b, a, "echo hello-remote", NULL, out, sizeof out, errb, sizeof errb,
	    &e);
	tap(rc == 0 && strcmp(out, "hello-remote\n") == 0, "exec stdout (got \"%s\" %d %s)",
	    out, rc, rc < 0 ? e.msg : "");
	rc = run_exec(b, a, "exit 3", NULL, out, sizeof out, errb, sizeof errb, &e);
	tap(rc == 3, "exec exit status 3 (got %d)", rc);
	rc = run_exec(b, a, "cat; echo err-side >&2", "piped-in\n", out, sizeof out, errb,
	    sizeof errb, &e);
	tap(rc == 0 && strcmp(out, "piped-in\n") == 0 && strcmp(errb, "err-side\n") == 0,
	    "exec stdin and stderr (out \"%s\" err \"%s\")", out, errb);
	{
		/* 1 MB through stdin and back */
		struct exec_req req;
		struct exec_handle *h = NULL;

		memset(&req, 0, sizeof req);
		strv_push(&req.argv, "sh");
		strv_push(&req.argv, "-c");
		strv_push(&req.argv, "wc -c");
		rc = b->ops->exec_start(b, a, &req, &h, &e);
		exec_req_free_contents(&req);
		if (rc == 0) {
			static char big[1 << 20];
			size_t off = 0;

			memset(big, 'x', sizeof big);
			fcntl(h->fds[0], F_SETFL, O_NONBLOCK);
			while (off < sizeof big) {
				ssize_t n = write(h->fds[0], big + off, sizeof big - off);

				if (n > 0)
					off += (size_t)n;
				uv_run(loop, UV_RUN_NOWAIT);
				if (n <= 0)
					usleep(1000);
			}
			shutdown(h->fds[0], SHUT_WR);
			out[0] = '\0';
			read_until(h->fds[1], NULL, out, sizeof out, NULL, 30000);
			wait_exit(h, 30000);
			b->ops->exec_close(b, h);
		}
		tap(rc == 0 && atoi(out) == 1 << 20, "exec: 1 MiB through stdin (wc: %s)",
		    out);
	}
	{
		/* interactive: one pty stream both ways */
		struct exec_req req;
		struct exec_handle *h = NULL;

		memset(&req, 0, sizeof req);
		strv_push(&req.argv, "sh");
		req.interactive = true;
		req.width = 80;
		req.height = 24;
		strmap_set(&req.env, "TERM", "xterm");
		rc = b->ops->exec_start(b, a, &req, &h, &e);
		exec_req_free_contents(&req);
		tap(rc == 0 && h->interactive && h->fds[1] < 0, "interactive exec starts %s",
		    rc ? e.msg : "");
		if (rc == 0) {
			const char *cmd = "stty size; echo ans-$((6*7))\n";

			b->ops->exec_resize(b, h, 100, 30, &e);
			pump(100);
			rc = type_until(h->fds[0], cmd, out, sizeof out, "ans-42");
			tap(rc == 1, "interactive exec answers through the pty");
			tap(strstr(out, "30 100") != NULL, "window-resize reached the pty");
			if (write(h->fds[0], "exit 7\n", 7) < 0)
				diag("write: %s", strerror(errno));
			rc = wait_exit(h, 20000);	/* before h->status is read */
			tap(rc && h->status == 7, "interactive exit status 7 (got %d)",
			    h->status);
			b->ops->exec_close(b, h);
		}
	}
	{
		/* signal */
		struct exec_req req;
		struct exec_handle *h = NULL;

		memset(&req, 0, sizeof req);
		strv_push(&req.argv, "sleep");
		strv_push(&req.argv, "30");
		rc = b->ops->exec_start(b, a, &req, &h, &e);
		exec_req_free_contents(&req);
		if (rc == 0) {
			pump(300);
			b->ops->exec_signal(b, h, SIGTERM, &e);
			wait_exit(h, 20000);
		}
		tap(rc == 0 && h->exited && h->status == 128 + SIGTERM,
		    "exec signal: SIGTERM gives 143 (got %d)", h ? h->status : -1);
		if (h != NULL)
			b->ops->exec_close(b, h);
	}

	/* console */
console:
	if (getenv("RCTL_SKIP_CONSOLE") != NULL)
		goto snapshots;
	{
		struct exec_handle *h = NULL;

		rc = b->ops->console_attach(b, a, 80, 24, &h, &e);
		tap(rc == 0, "console attaches %s", rc ? e.msg : "");
		if (rc == 0) {
			const char *cmd = "\necho con-$((1+1))\n";

			pump(200);
			rc = type_until(h->fds[0], cmd, out, sizeof out, "con-2");
			tap(rc == 1, "console answers");
			b->ops->exec_close(b, h);
		}
	}
	{
		/* The console log keeps what the console showed, however often
		 * it is read (Incus empties its ring buffer on every read). */
		char *log = NULL;
		size_t len = 0;
		int i;

		for (i = 1; i <= 2; i++) {
			rc = b->ops->console_log(b, a, &log, &len, &e);
			tap(rc == 0 && log != NULL && memmem(log, len, "con-2", 5) != NULL,
			    "console log has the console's output (read %d, %zu bytes) %s", i,
			    len, rc ? e.msg : "");
			free(log);
			log = NULL;
		}
	}

	/* snapshots */
snapshots:
	rc = OPW(b->ops->snapshot_create(b, a, "s1", false, 0, &id, &e));
	tap(rc == 0, "snapshot %s", rc ? e.msg : "");
	rc = has_instance(b, a, NULL, &nsn, NULL) ? 0 : -1;
	tap(rc == 0 && nsn == 1, "list shows 1 snapshot (%zu)", nsn);
	{
		struct snapshot *sv = NULL;
		size_t n = 0;

		rc = b->ops->snapshot_list(b, a, &sv, &n, &e);
		tap(rc == 0 && n == 1 && strcmp(sv[0].name, "s1") == 0, "snapshot list");
		snapshot_array_free(sv, n);
	}
	{
		struct op_info *ov = NULL;
		size_t on = 0, oi;

		if (b->ops->op_list(b, &ov, &on, &e) == 0)
			for (oi = 0; oi < on; oi++)
				if (ov[oi].status < 200)
					diag("running op: %s %s", ov[oi].description,
					    status_code_name(ov[oi].status));
		op_info_array_free(ov, on);
	}
	rc = OPW(b->ops->snapshot_restore(b, a, "s1", false, &id, &e));
	tap(rc == 0, "restore %s", rc ? e.msg : "");
	rc = OPW(b->ops->snapshot_rename(b, a, "s1", "s2", &id, &e));
	tap(rc == 0, "snapshot rename %s", rc ? e.msg : "");
	rc = OPW(b->ops->snapshot_delete(b, a, "s2", &id, &e));
	tap(rc == 0 && has_instance(b, a, NULL, &nsn, NULL) && nsn == 0,
	    "snapshot delete %s", rc ? e.msg : "");

	/* profiles, ETag */
	{
		struct profile p, *got = NULL, *got2 = NULL;

		memset(&p, 0, sizeof p);
		p.name = prof;
		p.description = "contract";
		strmap_set(&p.config, "user.k", "v1");
		rc = b->ops->profile_create(b, &p, &e);
		tap(rc == 0, "profile create %s", rc ? e.msg : "");
		rc = b->ops->profile_get(b, prof, &got, &e);
		tap(rc == 0 && strcmp(strmap_get(&got->config, "user.k"), "v1") == 0,
		    "profile get");
		if (rc == 0) {
			strmap_set(&got->config, "user.k", "v2");
			rc = b->ops->profile_update(b, prof, got, &e);
			tap(rc == 0, "profile update with If-Match %s", rc ? e.msg : "");
			profile_free(got);
			got = NULL;
		}
		/* A concurrent change between our GET and PUT: 412. */
		if (b->ops->profile_get(b, prof, &got, &e) == 0 &&
		    b2->ops->profile_get(b2, prof, &got2, &e) == 0) {
			strmap_set(&got2->config, "user.k", "other");
			b2->ops->profile_update(b2, prof, got2, &e);
			strmap_set(&got->config, "user.k", "mine");
			err_clear(&e);
			rc = b->ops->profile_update(b, prof, got, &e);
			tap(rc < 0 && e.code == 412, "concurrent profile change refused with 412 "
			    "(%d %s)", e.code, e.msg);
		} else {
			tap(false, "concurrent profile change: %s", e.msg);
		}
		profile_free(got);
		profile_free(got2);
		got = NULL;
		{
			struct profile *pv = NULL;
			size_t n = 0, i;
			bool found = false;

			rc = b->ops->profile_list(b, &pv, &n, &e);
			for (i = 0; rc == 0 && i < n; i++)
				if (strcmp(pv[i].name, prof) == 0)
					found = strcmp(strmap_get(&pv[i].config, "user.k"),
					    "other") == 0;
			tap(found, "profile list shows the update");
			profile_array_free(pv, n);
		}
		err_clear(&e);
		rc = b->ops->profile_delete(b, prof, &e);
		tap(rc == 0, "profile delete %s", rc ? e.msg : "");
		strmap_free(&p.config);
	}

	/* instance update */
	{
		struct instance *in = NULL;

		rc = b->ops->instance_get(b, a, 0, &in, &e);
		if (rc == 0) {
			struct instance_put put;

			strmap_set(&in->config, "user.contract", "yes");
			memset(&put, 0, sizeof put);
			put.description = in->description;
			put.ephemeral = in->ephemeral;
			put.profiles = in->profiles;
			put.config = in->config;
			put.devices = in->devices;
			rc = OPW(b->ops->instance_update(b, a, &put, &id, &e));
			in->config = put.config;
			instance_free(in);
			in = NULL;
		}
		tap(rc == 0, "instance update %s", rc ? e.msg : "");
		rc = b->ops->instance_get(b, a, INSTANCE_WITH_STATE, &in, &e);
		tap(rc == 0 && strmap_get(&in->config, "user.contract") != NULL &&
		    in->state != NULL, "update visible, full get has state");
		instance_free(in);
	}

	/* stop, delete */
	rc = OPW(b->ops->instance_action(b, a, "stop", 30, true, false, &id, &e));
	tap(rc == 0 && backend_test_status(b, a) == STATUS_STOPPED, "stop %s", rc ? e.msg : "");
	rc = OPW(b->ops->instance_action(b, a, "stop", 30, true, false, &id, &e));
	tap(rc < 0 && *e.msg, "stopping a stopped instance fails: %s", e.msg);
	{
		/* copy, as `lxc copy` makes it: the source's profiles and config */
		struct instance_create cc;
		struct instance *cp = NULL;
		char cname[96];

		snprintf(cname, sizeof cname, "%s-c", a);
		memset(&cc, 0, sizeof cc);
		cc.name = cname;
		cc.source = SOURCE_COPY;
		cc.copy_from = a;
		cc.instance_only = true;
		rc = OPW(b->ops->instance_create(b, &cc, &id, &e));
		tap(rc == 0, "copy %s", rc ? e.msg : "");
		if (rc == 0)
			rc = b->ops->instance_get(b, cname, 0, &cp, &e);
		tap(rc == 0 && cp->profiles.n == 1 && strcmp(cp->profiles.v[0], "default") == 0 &&
		    strmap_get(&cp->config, "user.contract") != NULL,
		    "the copy has the source's profiles and config %s", rc ? e.msg : "");
		instance_free(cp);
		rc = OPW(b->ops->instance_delete(b, cname, &id, &e));
		tap(rc == 0, "delete the copy %s", rc ? e.msg : "");
	}
	rc = OPW(b->ops->instance_delete(b, a, &id, &e));
	tap(rc == 0 && !has_instance(b, a, NULL, NULL, NULL), "delete %s", rc ? e.msg : "");
	err_clear(&e);
	{
		struct instance *gone = NULL;

		rc = b->ops->instance_get(b, a, 0, &gone, &e);
		instance_free(gone);
	}
	tap(rc < 0 && e.code == 404, "a deleted instance is 404 (%d)", e.code);

	/* events */
	pump(500);
	tap(strstr(ev.actions, "instance-created") != NULL &&
	    strstr(ev.actions, "instance-started") != NULL &&
	    strstr(ev.actions, "instance-deleted") != NULL,
	    "lifecycle events seen: %s", ev.actions);
	tap(ev.ops > 0, "operation events seen (%d)", ev.ops);
	b->ops->unsubscribe(b, sub);
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

static void
print_event(const struct event *ev, void *arg)
{
	if (ev->type == EVENT_LIFECYCLE)
		printf("lifecycle %s %s\n", ev->action, ev->source);
	else if (ev->type == EVENT_OPERATION)
		printf("operation %s %s\n", ev->op->id, status_code_name(ev->op->status));
	else
		printf("logging %s %s\n", ev->level, ev->message);
	fflush(stdout);
}

static int
cmd_exec(struct backend *b, int argc, char **argv)
{
	struct exec_req req;
	struct exec_handle *h = NULL;
	struct err e = { 0 };
	struct pollfd p[3];
	char tmp[65536];
	bool in_open = true, o1 = true, o2 = true;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: rctl exec NAME CMD...\n");
		return 2;
	}
	memset(&req, 0, sizeof req);
	for (i = 1; i < argc; i++)
		strv_push(&req.argv, argv[i]);
	if (b->ops->exec_start(b, argv[0], &req, &h, &e) < 0) {
		fprintf(stderr, "Error: %s\n", e.msg);
		exec_req_free_contents(&req);
		return 1;
	}
	exec_req_free_contents(&req);
	while (o1 || o2) {
		int nfd = 0;

		uv_run(loop, UV_RUN_NOWAIT);
		p[nfd++] = (struct pollfd){ .fd = h->fds[1], .events = POLLIN };
		p[nfd++] = (struct pollfd){ .fd = h->fds[2], .events = POLLIN };
		p[nfd++] = (struct pollfd){ .fd = in_open ? 0 : -1, .events = POLLIN };
		poll(p, (nfds_t)nfd, 5);
		if (o1 && (p[0].revents & (POLLIN | POLLHUP))) {
			ssize_t n = read(h->fds[1], tmp, sizeof tmp);

			if (n > 0)
				fwrite(tmp, 1, (size_t)n, stdout), fflush(stdout);
			else
				o1 = false;
		}
		if (o2 && (p[1].revents & (POLLIN | POLLHUP))) {
			ssize_t n = read(h->fds[2], tmp, sizeof tmp);

			if (n > 0)
				fwrite(tmp, 1, (size_t)n, stderr);
			else
				o2 = false;
		}
		if (in_open && (p[2].revents & (POLLIN | POLLHUP))) {
			ssize_t n = read(0, tmp, sizeof tmp);

			if (n > 0) {
				if (write(h->fds[0], tmp, (size_t)n) < 0)
					in_open = false;
			} else {
				in_open = false;
				shutdown(h->fds[0], SHUT_WR);
			}
		}
	}
	wait_exit(h, 30000);
	i = h->exited ? h->status : 255;
	b->ops->exec_close(b, h);
	return i;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "certs", required_argument, NULL, 'c' },
		{ "server-cert", required_argument, NULL, 's' },
		{ "remote", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct remote_conf rc;
	struct remotes rs = { 0 };
	struct backend *b = NULL, *b2 = NULL;
	struct err e = { 0 };
	const char *certs = NULL, *remote = NULL;
	int c, ret = 0;

	memset(&rc, 0, sizeof rc);
	rc.name = "rctl";
	while ((c = getopt_long(argc, argv, "+a:c:s:r:", opts, NULL)) != -1) {
		switch (c) {
		case 'a': rc.addr = optarg; break;
		case 'c': certs = optarg; break;
		case 's': rc.server_crt = slurp(optarg); break;
		case 'r': remote = optarg; break;
		default: return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: rctl -a ADDR|-r NAME [-c CERTDIR] [-s CRT] CMD ...\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (getenv("RCTL_DEBUG") != NULL)
		log_set_level(LOG_LVL_DEBUG);
	if (certs != NULL) {
		rc.client_crt = xasprintf("%s/client.crt", certs);
		rc.client_key = xasprintf("%s/client.key", certs);
	}
	loop = uv_default_loop();
	if (remote != NULL) {
		const struct remote_conf *r;

		remotes_load(&rs, NULL, 0);
		r = remotes_find(&rs, remote);
		if (r == NULL) {
			fprintf(stderr, "Error: remote \"%s\" not found\n", remote);
			ret = 1;
			goto out;
		}
		if (strncmp(r->addr, "https://", 8) == 0 && remotes_client_cert(&rs, &e) < 0) {
			fprintf(stderr, "Error: %s\n", e.msg);
			ret = 1;
			goto out;
		}
		r = remotes_find(&rs, remote);
		b = backend_remote_create(loop, r, &e);
		b2 = b ? backend_remote_create(loop, r, &e) : NULL;
	} else {
		b = backend_remote_create(loop, &rc, &e);
		b2 = b ? backend_remote_create(loop, &rc, &e) : NULL;
	}
	if (b == NULL || b2 == NULL) {
		fprintf(stderr, "Error: %s\n", e.msg);
		ret = 1;
		goto out;
	}
	if (strcmp(argv[optind], "info") == 0) {
		struct server_info si;

		memset(&si, 0, sizeof si);
		if (b->ops->server_info(b, &si, &e) < 0) {
			fprintf(stderr, "Error: %s\n", e.msg);
			ret = 1;
		} else {
			printf("server: %s\nversion: %s\nname: %s\n", si.server,
			    si.server_version, si.server_name);
		}
		server_info_free_contents(&si);
	} else if (strcmp(argv[optind], "list") == 0) {
		struct instance *v = NULL;
		size_t n = 0, i;

		if (b->ops->instance_list(b, INSTANCE_WITH_STATE, &v, &n, &e) < 0) {
			fprintf(stderr, "Error: %s\n", e.msg);
			ret = 1;
		}
		for (i = 0; i < n; i++)
			printf("%s %s\n", v[i].name, status_code_name(v[i].status));
		instance_array_free(v, n);
	} else if (strcmp(argv[optind], "contract") == 0 && optind + 2 < argc) {
		ret = contract(b, b2, argv[optind + 1], argv[optind + 2]);
	} else if (strcmp(argv[optind], "monitor") == 0 && optind + 1 < argc) {
		int sub = b->ops->subscribe(b, print_event, NULL);

		pump(atoi(argv[optind + 1]) * 1000);
		b->ops->unsubscribe(b, sub);
	} else if (strcmp(argv[optind], "exec") == 0) {
		ret = cmd_exec(b, argc - optind - 1, argv + optind + 1);
	} else {
		fprintf(stderr, "rctl: unknown command \"%s\"\n", argv[optind]);
		ret = 2;
	}
out:
	if (b != NULL)
		b->ops->free(b);
	if (b2 != NULL)
		b2->ops->free(b2);
	for (c = 0; c < 50 && uv_run(loop, UV_RUN_NOWAIT) != 0; c++)
		;
	remotes_free(&rs);
	free(rc.server_crt);
	free(rc.client_crt);
	free(rc.client_key);
	return ret;
}
