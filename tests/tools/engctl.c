/*
 * engctl.c - drive the embedded engine from the shell, for integration
 * tests and benchmarks.  It speaks only struct backend_ops (the local
 * backend), like the TUI, and waits for each operation to finish.  With
 * -a the same commands go through the REST client (backend-remote.c) to
 * a remote at ADDR (unix:///path/unix.socket) instead: lxdeckd, LXD or
 * Incus.
 *
 *   engctl [-d DIR | -a ADDR] COMMAND ARGS...
 *
 * Commands: image-import FILE [ALIAS] | image-list | image-delete REF |
 * alias-create NAME REF | launch|init IMAGE NAME [-p P]... [-c K=V]...
 * [-s STORAGE] [-e] | copy SRC[/SNAP] DST [--instance-only] | start|stop|
 * restart|freeze|unfreeze NAME [-f] [-t SECS] | delete NAME | rename A B |
 * list | state NAME | show NAME | exec NAME -- CMD... | snapshot NAME [SNAP]
 * [--stateful] | snapshots NAME | restore NAME SNAP | snapshot-delete NAME
 * SNAP | snapshot-rename NAME SNAP NEW | snapshot-diff NAME SNAP |
 * config-set NAME K=V... | device-add NAME DEV K=V... | profile-list |
 * profile-show P | profile-create P | profile-set P K=V... |
 * profile-device-add P DEV K=V... | profile-delete P | profile-assign NAME
 * P[,P...] | publish SRC [ALIAS] | console-log NAME | info | image-info REF |
 * image-remote-list SERVER [--protocol P] [--cert PEMFILE] | image-refresh |
 * server-set K=V... | warning-list (STATUS SEVERITY TYPE COUNT UUID MESSAGE,
 * tab-separated)
 * launch/init take IMAGE as REMOTE:ALIAS (images:, ubuntu:, ubuntu-daily:)
 * or with --server URL [--protocol simplestreams|lxd] [--cert PEMFILE].
 * Exit status: 0 on success; 1 with "Error: <message>" on stderr.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "../../engine/engine.h"
#include "../../remote/client/client.h"

static struct backend *b;
static struct err err;

static int
fail(void)
{
	fprintf(stderr, "Error: %s\n", err.msg);
	return 1;
}

static int
wait_op(char *id)
{
	int rc;

	if (id == NULL)
		return 0;
	rc = b->ops->op_wait(b, id, -1, NULL, &err);
	free(id);
	return rc < 0 ? fail() : 0;
}

/*
 * Wait for an operation that makes an image (import, publish), print the
 * image's fingerprint and give it ALIAS when not NULL.  RC is what the
 * call that started it returned; takes *IDP.
 */
static int
wait_image(int rc, char **idp, const char *alias)
{
	struct op_info op = { 0 };
	char *id = *idp;
	const char *fp;

	if (rc < 0)
		return fail();
	if (b->ops->op_wait(b, id, -1, &op, &err) < 0) {
		free(id);
		return fail();
	}
	free(id);
	fp = strmap_get(&op.metadata, "fingerprint");
	printf("%s\n", fp);
	if (alias != NULL && b->ops->image_alias_create(b, alias, fp, "", &err) < 0)
		rc = fail();
	op_info_free_contents(&op);
	return rc;
}

/* The end of every command that starts an operation: RC is what the call
 * returned, *IDP the operation it started (taken). */
static int
op_done(int rc, char **idp)
{
	if (rc < 0)
		return fail();
	return wait_op(*idp);
}

static void
parse_kv(struct strmap *m, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char *k;

	if (eq == NULL) {
		fprintf(stderr, "Error: expected KEY=VALUE, got \"%s\"\n", kv);
		exit(1);
	}
	k = xstrndup(kv, (size_t)(eq - kv));
	strmap_set(m, k, eq + 1);
	free(k);
}

/*
 * The arguments of config-set / profile-set (K=V... into CONFIG) or of
 * device-add / profile-device-add (DEV K=V... as one device in DEVICES).
 */
static void
parse_put(struct strmap *config, struct devmap *devices, int argc, char **argv,
    bool device)
{
	struct strmap props = { 0 };
	int i;

	if (!device) {
		for (i = 0; i < argc; i++)
			parse_kv(config, argv[i]);
		return;
	}
	for (i = 1; i < argc; i++)
		parse_kv(&props, argv[i]);
	devmap_set(devices, argv[0], &props);
	strmap_free(&props);
}

static const char *
first_ipv4(const struct instance_state *s)
{
	static char buf[64];
	size_t i, j;

	for (i = 0; s != NULL && i < s->nnics; i++) {
		if (s->nics[i].type && strcmp(s->nics[i].type, "loopback") == 0)
			continue;
		for (j = 0; j < s->nics[i].naddrs; j++)
			if (strcmp(s->nics[i].addrs[j].family, "inet") == 0) {
				snprintf(buf, sizeof buf, "%s", s->nics[i].addrs[j].address);
				return buf;
			}
	}
	return "-";
}

/* Copies what FROM has ready to TO: false at its end or when TO fails. */
static bool
pass_on(int from, int to)
{
	char buf[65536];
	ssize_t r = read(from, buf, sizeof buf);

	return r > 0 && write(to, buf, (size_t)r) >= 0;
}

static int
cmd_exec(const char *name, int argc, char **argv)
{
	struct exec_req req = { 0 };
	struct exec_handle *h = NULL;
	bool in_open = true, out_open = true, err_open = true;
	int i, status;

	for (i = 0; i < argc; i++)
		strv_push(&req.argv, argv[i]);
	if (b->ops->exec_start(b, name, &req, &h, &err) < 0) {
		exec_req_free_contents(&req);
		return fail();
	}
	exec_req_free_contents(&req);
	while (out_open || err_open || !h->exited) {
		struct pollfd p[3] = {
			{ .fd = in_open ? 0 : -1, .events = POLLIN },
			{ .fd = out_open ? h->fds[1] : -1, .events = POLLIN },
			{ .fd = err_open ? h->fds[2] : -1, .events = POLLIN },
		};
		char buf[65536];
		ssize_t r;

		uv_run(b->loop, UV_RUN_NOWAIT);
		if (!out_open && !err_open && h->exited)
			break;
		if (poll(p, 3, 20) <= 0)
			continue;
		if (p[0].revents) {
			r = read(0, buf, sizeof buf);
			if (r <= 0) {
				close(h->fds[0]);
				h->fds[0] = -1;
				in_open = false;
			} else if (write(h->fds[0], buf, (size_t)r) < 0) {
				in_open = false;
			}
		}
		if (p[1].revents)
			out_open = pass_on(h->fds[1], 1);
		if (p[2].revents)
			err_open = pass_on(h->fds[2], 2);
	}
	while (!h->exited) {
		uv_run(b->loop, UV_RUN_NOWAIT);
		usleep(2000);
	}
	status = h->status;
	b->ops->exec_close(b, h);
	return status;
}

static int
cmd_create(const char *cmd, int argc, char **argv)
{
	struct instance_create req = { 0 };
	char *id = NULL, *cert = NULL;
	bool show_op = false;
	int i, rc;

	if (argc < 2) {
		fprintf(stderr, "usage: %s IMAGE NAME\n", cmd);
		return 2;
	}
	req.source = SOURCE_IMAGE;
	req.image = argv[0];
	req.name = argv[1];
	{
		const char *colon = strchr(argv[0], ':');
		const struct image_fetch_remote *rem;

		if (colon != NULL && strcmp(cmd, "copy") != 0) {
			char *name = xstrndup(argv[0], (size_t)(colon - argv[0]));

			rem = image_fetch_remote_find(name);
			if (rem == NULL) {
				fprintf(stderr, "Error: unknown image server \"%s:\"\n", name);
				free(name);
				return 1;
			}
			free(name);
			req.image_server = rem->url;
			req.image_protocol = rem->protocol;
			req.image = colon + 1;
		}
	}
	if (strcmp(cmd, "copy") == 0) {
		req.source = SOURCE_COPY;
		req.copy_from = argv[0];
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
			req.has_profiles = true;
			strv_push(&req.profiles, argv[++i]);
		} else if (strcmp(argv[i], "--no-profiles") == 0) {
			req.has_profiles = true;
		} else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			parse_kv(&req.config, argv[++i]);
		} else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
			req.storage = argv[++i];
		} else if (strcmp(argv[i], "-e") == 0) {
			req.ephemeral = true;
		} else if (strcmp(argv[i], "--instance-only") == 0) {
			req.instance_only = true;
		} else if (strcmp(argv[i], "--empty") == 0) {
			req.source = SOURCE_NONE;
		} else if (strcmp(argv[i], "--server") == 0 && i + 1 < argc) {
			req.image_server = argv[++i];
		} else if (strcmp(argv[i], "--protocol") == 0 && i + 1 < argc) {
			req.image_protocol = argv[++i];
		} else if (strcmp(argv[i], "--show-op") == 0) {
			show_op = true;
		} else if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc) {
			free(cert);
			req.image_certificate = cert = util_read_file(argv[++i], NULL);
		}
	}
	rc = b->ops->instance_create(b, &req, &id, &err);
	instance_create_free_contents(&req);
	free(cert);
	if (rc < 0)
		return fail();
	if (show_op && id != NULL) {
		/* Prints the create op's metadata (download progress) at the end. */
		struct op_info op = { 0 };
		size_t k;

		rc = b->ops->op_wait(b, id, -1, &op, &err);
		free(id);
		id = NULL;
		for (k = 0; k < op.metadata.n; k++)
			printf("op %s: %s\n", op.metadata.keys[k], op.metadata.vals[k]);
		op_info_free_contents(&op);
		if (rc < 0)
			return fail();
	}
	if (wait_op(id) != 0)
		return 1;
	if (strcmp(cmd, "launch") == 0)
		return op_done(b->ops->instance_action(b, argv[1], "start", -1,
		    false, false, &id, &err), &id);
	return 0;
}

static int
cmd_put(const char *name, int argc, char **argv, bool device, bool profiles)
{
	struct instance *in = NULL;
	struct instance_put put = { 0 };
	char *id = NULL;
	int rc;

	if (b->ops->instance_get(b, name, 0, &in, &err) < 0)
		return fail();
	put.description = in->description;
	put.ephemeral = in->ephemeral;
	strv_copy(&put.profiles, &in->profiles);
	strmap_copy(&put.config, &in->config);
	devmap_copy(&put.devices, &in->devices);
	if (profiles) {
		strv_free(&put.profiles);
		strv_split(&put.profiles, argv[0], ',');
	} else {
		parse_put(&put.config, &put.devices, argc, argv, device);
	}
	rc = b->ops->instance_update(b, name, &put, &id, &err);
	strv_free(&put.profiles);
	strmap_free(&put.config);
	devmap_free(&put.devices);
	instance_free(in);
	return op_done(rc, &id);
}

static int
cmd_profile_put(const char *name, int argc, char **argv, bool device)
{
	struct profile *p = NULL;
	int rc;

	if (b->ops->profile_get(b, name, &p, &err) < 0)
		return fail();
	parse_put(&p->config, &p->devices, argc, argv, device);
	rc = b->ops->profile_update(b, name, p, &err);
	profile_free(p);
	return rc < 0 ? fail() : 0;
}

static void
print_map(const char *title, const struct strmap *m)
{
	size_t i;

	printf("%s:\n", title);
	for (i = 0; i < m->n; i++)
		printf("  %s: %s\n", m->keys[i], m->vals[i]);
}

static void
print_devices(const char *title, const struct devmap *d)
{
	size_t i, j;

	printf("%s:\n", title);
	for (i = 0; i < d->n; i++) {
		printf("  %s:\n", d->names[i]);
		for (j = 0; j < d->props[i].n; j++)
			printf("    %s: %s\n", d->props[i].keys[j], d->props[i].vals[j]);
	}
}

static void
keep_alive(uv_timer_t *t)
{
}

static void
print_event(const struct event *ev, void *arg)
{
	if (ev->type != EVENT_LIFECYCLE)
		return;
	printf("%s %s\n", ev->action, ev->source);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	const char *dir = getenv("LXDECK_DIR"), *addr = NULL, *cmd, *a1, *a2;
	uv_loop_t *loop = uv_default_loop();
	char *id = NULL;
	size_t i, n;
	int opt = 1;

	if (argc > 2 && strcmp(argv[1], "-d") == 0) {
		dir = argv[2];
		opt = 3;
	} else if (argc > 2 && strcmp(argv[1], "-a") == 0) {
		addr = argv[2];
		opt = 3;
	}
	if (dir == NULL)
		dir = "/var/lib/lxdeck";
	if (argc <= opt) {
		fprintf(stderr, "usage: engctl [-d DIR | -a ADDR] COMMAND ARGS...\n");
		return 2;
	}
	image_fetch_install();
	if (addr != NULL) {
		struct remote_conf rc = { .name = "engctl", .addr = (char *)addr,
		    .protocol = "lxd" };

		b = backend_remote_create(loop, &rc, &err);
	} else {
		b = backend_local_create(loop, dir, &err);
	}
	if (b == NULL)
		return fail();
	cmd = argv[opt];
	a1 = argc > opt + 1 ? argv[opt + 1] : "";
	a2 = argc > opt + 2 ? argv[opt + 2] : NULL;
	argc -= opt + 1;
	argv += opt + 1;

	if (strcmp(cmd, "launch") == 0 || strcmp(cmd, "init") == 0 ||
	    strcmp(cmd, "copy") == 0)
		return cmd_create(cmd, argc, argv);
	if (strcmp(cmd, "start") == 0 || strcmp(cmd, "stop") == 0 ||
	    strcmp(cmd, "restart") == 0 || strcmp(cmd, "freeze") == 0 ||
	    strcmp(cmd, "unfreeze") == 0) {
		bool force = false;
		int timeout = -1, k;

		for (k = 1; k < argc; k++) {
			if (strcmp(argv[k], "-f") == 0)
				force = true;
			else if (strcmp(argv[k], "-t") == 0 && k + 1 < argc)
				timeout = atoi(argv[++k]);
		}
		return op_done(b->ops->instance_action(b, a1, cmd, timeout, force,
		    false, &id, &err), &id);
	}
	if (strcmp(cmd, "delete") == 0)
		return op_done(b->ops->instance_delete(b, a1, &id, &err), &id);
	if (strcmp(cmd, "rename") == 0 && a2 != NULL)
		return op_done(b->ops->instance_rename(b, a1, a2, &id, &err), &id);
	if (strcmp(cmd, "list") == 0) {
		struct instance *list = NULL;

		if (b->ops->instance_list(b, INSTANCE_WITH_STATE | INSTANCE_WITH_SNAPSHOTS,
		    &list, &n, &err) < 0)
			return fail();
		for (i = 0; i < n; i++)
			printf("%s %s %s %zu%s\n", list[i].name,
			    status_code_name(list[i].status), first_ipv4(list[i].state),
			    list[i].nsnapshots, list[i].ephemeral ? " ephemeral" : "");
		instance_array_free(list, n);
		return 0;
	}
	if (strcmp(cmd, "state") == 0) {
		struct instance_state *s = NULL;

		if (b->ops->instance_state(b, a1, &s, &err) < 0)
			return fail();
		printf("status: %s\npid: %d\nprocesses: %lld\nmemory: %lld\n"
		    "cpu_ns: %lld\nipv4: %s\n", status_code_name(s->status), (int)s->pid,
		    (long long)s->processes, (long long)s->memory_usage,
		    (long long)s->cpu_usage_ns, first_ipv4(s));
		for (i = 0; i < s->nnics; i++)
			printf("nic: %s %s %s\n", s->nics[i].name, s->nics[i].state,
			    s->nics[i].hwaddr ? s->nics[i].hwaddr : "-");
		instance_state_free(s);
		return 0;
	}
	if (strcmp(cmd, "show") == 0) {
		struct instance *in = NULL;
		char *p;

		if (b->ops->instance_get(b, a1, 0, &in, &err) < 0)
			return fail();
		p = strv_join(&in->profiles, ",");
		printf("name: %s\nstatus: %s\narchitecture: %s\nephemeral: %s\n"
		    "profiles: %s\n", in->name, status_code_name(in->status),
		    in->architecture, in->ephemeral ? "true" : "false", p);
		free(p);
		print_map("config", &in->config);
		print_devices("devices", &in->devices);
		print_map("expanded_config", &in->expanded_config);
		print_devices("expanded_devices", &in->expanded_devices);
		instance_free(in);
		return 0;
	}
	if (strcmp(cmd, "exec") == 0) {
		int k = 1;

		if (k < argc && strcmp(argv[k], "--") == 0)
			k++;
		return cmd_exec(a1, argc - k, argv + k);
	}
	if (strcmp(cmd, "snapshot") == 0) {
		bool stateful = false;
		const char *snap = NULL;
		int k;

		int64_t expires = 0;

		for (k = 1; k < argc; k++) {
			if (strcmp(argv[k], "--stateful") == 0)
				stateful = true;
			else if (strcmp(argv[k], "--expiry") == 0 && k + 1 < argc)
				expires = time_now_ns() + (int64_t)(atof(argv[++k]) * 1e9);
			else
				snap = argv[k];
		}
		return op_done(b->ops->snapshot_create(b, a1, snap, stateful, expires,
		    &id, &err), &id);
	}
	if (strcmp(cmd, "snapshots") == 0) {
		struct snapshot *s = NULL;

		if (b->ops->snapshot_list(b, a1, &s, &n, &err) < 0)
			return fail();
		for (i = 0; i < n; i++)
			printf("%s%s\n", s[i].name, s[i].expires_ns ? " expires" : "");
		snapshot_array_free(s, n);
		return 0;
	}
	if (strcmp(cmd, "restore") == 0 && a2 != NULL)
		return op_done(b->ops->snapshot_restore(b, a1, a2, false, &id, &err), &id);
	if (strcmp(cmd, "snapshot-delete") == 0 && a2 != NULL)
		return op_done(b->ops->snapshot_delete(b, a1, a2, &id, &err), &id);
	if (strcmp(cmd, "snapshot-diff") == 0 && a2 != NULL) {
		struct strv lines = { 0 };

		if (b->ops->snapshot_diff_files(b, a1, a2, &lines, &err) < 0) {
			fprintf(stderr, "Error (%d): %s\n", err.code, err.msg);
			return 1;
		}
		for (i = 0; i < lines.n; i++)
			printf("%s\n", lines.v[i]);
		strv_free(&lines);
		return 0;
	}
	if (strcmp(cmd, "snapshot-rename") == 0 && argc >= 3)
		return op_done(b->ops->snapshot_rename(b, a1, a2, argv[2], &id,
		    &err), &id);
	if (strcmp(cmd, "config-set") == 0)
		return cmd_put(a1, argc - 1, argv + 1, false, false);
	if (strcmp(cmd, "device-add") == 0 && argc >= 2)
		return cmd_put(a1, argc - 1, argv + 1, true, false);
	if (strcmp(cmd, "profile-assign") == 0 && argc >= 2)
		return cmd_put(a1, argc - 1, argv + 1, false, true);
	if (strcmp(cmd, "image-import") == 0)
		return wait_image(b->ops->image_import(b, a1, NULL, NULL, false, &id,
		    &err), &id, a2);
	if (strcmp(cmd, "image-list") == 0) {
		struct image *im = NULL;

		if (b->ops->image_list(b, &im, &n, &err) < 0)
			return fail();
		for (i = 0; i < n; i++)
			printf("%s %s %s\n", im[i].fingerprint,
			    im[i].naliases ? im[i].aliases[0].name : "-",
			    strmap_get(&im[i].properties, "os") ?: "-");
		image_array_free(im, n);
		return 0;
	}
	if (strcmp(cmd, "image-delete") == 0)
		return op_done(b->ops->image_delete(b, a1, &id, &err), &id);
	if (strcmp(cmd, "alias-create") == 0 && a2 != NULL)
		return b->ops->image_alias_create(b, a1, a2, "", &err) < 0 ? fail() : 0;
	if (strcmp(cmd, "publish") == 0)
		return wait_image(b->ops->image_publish(b, a1, NULL, false, NULL, &id,
		    &err), &id, a2);
	if (strcmp(cmd, "profile-list") == 0) {
		struct profile *p = NULL;

		if (b->ops->profile_list(b, &p, &n, &err) < 0)
			return fail();
		for (i = 0; i < n; i++)
			printf("%s %zu\n", p[i].name, p[i].used_by.n);
		profile_array_free(p, n);
		return 0;
	}
	if (strcmp(cmd, "profile-show") == 0) {
		struct profile *p = NULL;

		if (b->ops->profile_get(b, a1, &p, &err) < 0)
			return fail();
		print_map("config", &p->config);
		print_devices("devices", &p->devices);
		for (i = 0; i < p->used_by.n; i++)
			printf("used_by: %s\n", p->used_by.v[i]);
		profile_free(p);
		return 0;
	}
	if (strcmp(cmd, "profile-create") == 0) {
		struct profile p = { .name = (char *)a1, .description = (char *)"" };

		return b->ops->profile_create(b, &p, &err) < 0 ? fail() : 0;
	}
	if (strcmp(cmd, "profile-set") == 0)
		return cmd_profile_put(a1, argc - 1, argv + 1, false);
	if (strcmp(cmd, "profile-device-add") == 0 && argc >= 2)
		return cmd_profile_put(a1, argc - 1, argv + 1, true);
	if (strcmp(cmd, "profile-delete") == 0)
		return b->ops->profile_delete(b, a1, &err) < 0 ? fail() : 0;
	if (strcmp(cmd, "console-log") == 0) {
		char *buf = NULL;
		size_t len = 0;

		if (b->ops->console_log(b, a1, &buf, &len, &err) < 0)
			return fail();
		fwrite(buf, 1, len, stdout);
		free(buf);
		return 0;
	}
	if (strcmp(cmd, "monitor") == 0) {
		/* monitor SECONDS: print lifecycle events for that long. */
		int64_t end = time_now_ns() + (int64_t)(atof(a1) * 1e9);

		uv_timer_t keep;

		/* The engine's own watchers never keep a loop alive. */
		uv_timer_init(b->loop, &keep);
		uv_timer_start(&keep, keep_alive, 100, 100);
		b->ops->subscribe(b, print_event, NULL);
		printf("monitoring\n");
		fflush(stdout);
		while (time_now_ns() < end) {
			uv_run(b->loop, UV_RUN_NOWAIT);
			usleep(10000);
		}
		return 0;
	}
	if (strcmp(cmd, "file-pull") == 0 && a2 != NULL) {
		struct file_info fi = { 0 };

		if (b->ops->file_get(b, a1, a2, &fi, &err) < 0)
			return fail();
		if (fi.type == FILE_DIRECTORY) {
			for (i = 0; i < fi.entries.n; i++)
				printf("%s\n", fi.entries.v[i]);
		} else if (fi.type == FILE_SYMLINK) {
			printf("-> %s\n", fi.content);
		} else {
			fwrite(fi.content, 1, fi.len, stdout);
		}
		fprintf(stderr, "uid=%u gid=%u mode=%04o\n", (unsigned)fi.uid,
		    (unsigned)fi.gid, (unsigned)fi.mode);
		file_info_free_contents(&fi);
		return 0;
	}
	if (strcmp(cmd, "file-push") == 0 && a2 != NULL) {
		/* file-push NAME PATH [file|directory|symlink TARGET] < data */
		struct file_info fi = { .type = FILE_REGULAR, .mode = 0644 };
		size_t cap = 0;
		ssize_t r;
		int rc;

		if (argc > 2 && strcmp(argv[2], "directory") == 0) {
			fi.type = FILE_DIRECTORY;
			fi.mode = 0755;
		} else if (argc > 3 && strcmp(argv[2], "symlink") == 0) {
			fi.type = FILE_SYMLINK;
			fi.content = xstrdup(argv[3]);
			fi.len = strlen(argv[3]);
		} else {
			for (;;) {
				if (fi.len + 65536 > cap) {
					cap = cap ? cap * 2 : 131072;
					fi.content = xrealloc(fi.content, cap);
				}
				r = read(0, fi.content + fi.len, cap - fi.len);
				if (r <= 0)
					break;
				fi.len += (size_t)r;
			}
		}
		rc = b->ops->file_put(b, a1, a2, &fi, false, &err);
		file_info_free_contents(&fi);
		return rc < 0 ? fail() : 0;
	}
	if (strcmp(cmd, "file-delete") == 0 && a2 != NULL)
		return b->ops->file_delete(b, a1, a2, &err) < 0 ? fail() : 0;
	if (strcmp(cmd, "image-info") == 0) {
		struct image *im = NULL;

		if (b->ops->image_get(b, a1, &im, &err) < 0)
			return fail();
		printf("fingerprint: %s\ncached: %s\nauto_update: %s\npublic: %s\n"
		    "size: %lld\nlast_used_ns: %lld\n", im->fingerprint,
		    im->cached ? "true" : "false", im->auto_update ? "true" : "false",
		    im->public ? "true" : "false", (long long)im->size,
		    (long long)im->last_used_ns);
		printf("aliases:");
		for (i = 0; i < im->naliases; i++)
			printf(" %s", im->aliases[i].name);
		printf("\n");
		print_map("properties", &im->properties);
		print_map("update_source", &im->update_source);
		image_free(im);
		return 0;
	}
	if (strcmp(cmd, "image-remote-list") == 0) {
		struct image_remote r = { .server = a1, .protocol = "simplestreams" };
		const struct image_fetch_remote *rem = image_fetch_remote_find(a1);
		struct image *im = NULL;
		char *cert = NULL;
		size_t j;
		int rc;

		if (rem != NULL) {
			r.server = rem->url;
			r.protocol = rem->protocol;
		}
		for (i = 1; i + 1 < (size_t)argc; i++) {
			if (strcmp(argv[i], "--protocol") == 0)
				r.protocol = argv[++i];
			else if (strcmp(argv[i], "--cert") == 0) {
				free(cert);
				r.certificate = cert = util_read_file(argv[++i], NULL);
			}
		}
		rc = image_fetch_list(&r, &im, &n, &err);
		free(cert);
		if (rc < 0)
			return fail();
		for (i = 0; i < n; i++) {
			printf("%s %s %s %s", im[i].fingerprint, im[i].architecture,
			    strmap_get(&im[i].properties, "os") ?: "-",
			    strmap_get(&im[i].properties, "release") ?: "-");
			for (j = 0; j < im[i].naliases; j++)
				printf("%s%s", j ? "," : " ", im[i].aliases[j].name);
			printf("\n");
		}
		image_array_free(im, n);
		return 0;
	}
	if (strcmp(cmd, "server-set") == 0) {
		struct server_info si = { 0 };
		int j, rc;

		if (b->ops->server_info(b, &si, &err) < 0)
			return fail();
		for (j = 0; j < argc; j++)
			parse_kv(&si.config, argv[j]);
		rc = b->ops->server_update(b, &si.config, &err);
		server_info_free_contents(&si);
		return rc < 0 ? fail() : 0;
	}
	if (strcmp(cmd, "image-refresh") == 0) {
		/* The local backend is the engine (backend-local.c). */
		struct op_info op = { 0 };

		if (image_cache_op_refresh((struct engine *)b, &id, &err) < 0)
			return fail();
		if (b->ops->op_wait(b, id, -1, &op, &err) < 0) {
			free(id);
			return fail();
		}
		free(id);
		printf("expired: %s\nupdated: %s\n",
		    strmap_get(&op.metadata, "expired") ?: "",
		    strmap_get(&op.metadata, "updated") ?: "");
		op_info_free_contents(&op);
		return 0;
	}
	if (strcmp(cmd, "info") == 0) {
		struct server_info si = { 0 };

		if (b->ops->server_info(b, &si, &err) < 0)
			return fail();
		printf("storage: %s\nstateful: %s\nreason: %s\n", si.storage,
		    si.stateful_supported ? "yes" : "no", si.stateful_reason);
		server_info_free_contents(&si);
		return 0;
	}
	if (strcmp(cmd, "warning-list") == 0) {
		struct warning *w = NULL;

		if (b->ops->warning_list == NULL) {
			err_set(&err, 501, "No warnings on this backend");
			return fail();
		}
		if (b->ops->warning_list(b, &w, &n, &err) < 0)
			return fail();
		for (i = 0; i < n; i++)
			printf("%s\t%s\t%s\t%lld\t%s\t%s\n", w[i].status,
			    w[i].severity, w[i].type, (long long)w[i].count,
			    w[i].uuid, w[i].message);
		warning_array_free(w, n);
		return 0;
	}
	fprintf(stderr, "engctl: unknown command \"%s\"\n", cmd);
	return 2;
}
