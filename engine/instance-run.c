/*
 * instance-run.c - the lifecycle primitives: render, start, stop, freeze.
 *
 * What runs inside a helper process (op-worker.c) when an instance starts,
 * stops or is reconfigured, and what snapshot restores borrow: the LXC
 * config is rendered from the expanded config (never edited by hand),
 * nics get their volatile hwaddr and a fresh host-side veth name, the
 * storage is protected and mounted, then liblxc starts the container and
 * init.pid records the init (instance.c reads it back).  Stop asks for a
 * clean shutdown and kills init through its pidfd when that times out.
 * Nothing here starts an op or emits an event: instance-op.c and
 * snapshot-op.c, above, do that.
 */
#include <errno.h>
#include <lxc/lxccontainer.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine.h"

static void
instance_run_hwaddr(char out[18])
{
	unsigned char b[3];
	FILE *f = fopen("/dev/urandom", "r");

	if (f == NULL || fread(b, 1, 3, f) != 3)
		fatal("cannot read /dev/urandom");
	fclose(f);
	snprintf(out, 18, "00:16:3e:%02x:%02x:%02x", b[0], b[1], b[2]);
}

/* A host-side interface name as LXD makes them: veth + 8 hex digits. */
static void
instance_run_veth(char out[16])
{
	uint32_t v;
	FILE *f = fopen("/dev/urandom", "r");

	if (f == NULL || fread(&v, 1, sizeof v, f) != sizeof v)
		fatal("cannot read /dev/urandom");
	fclose(f);
	snprintf(out, 16, "veth%08x", v);
}

/* Gives every nic a stable volatile.<dev>.hwaddr; true if one was added. */
static bool
instance_run_fill_volatile(struct instance *in)
{
	bool changed = false;
	size_t i;

	for (i = 0; i < in->expanded_devices.n; i++) {
		const char *type = strmap_get(&in->expanded_devices.props[i], "type");
		char *key;

		if (type == NULL || strcmp(type, "nic") != 0)
			continue;
		key = xasprintf("volatile.%s.hwaddr", in->expanded_devices.names[i]);
		if (strmap_get(&in->config, key) == NULL &&
		    strmap_get(&in->expanded_devices.props[i], "hwaddr") == NULL) {
			char mac[18];

			instance_run_hwaddr(mac);
			strmap_set(&in->config, key, mac);
			changed = true;
		}
		free(key);
	}
	return changed;
}

static int
instance_run_write_config(struct engine *e, const struct instance *in,
    bool idmap_rootfs, struct err *err)
{
	char *rootfs = engine_path(e, "containers/%s/rootfs", in->name);
	char *log = engine_path(e, "containers/%s/lxc.log", in->name);
	char *console = engine_path(e, "containers/%s/console.log", in->name);
	char *seccomp = engine_path(e, "seccomp.policy");
	char *path = engine_path(e, "containers/%s/config", in->name);
	const char *priv = strmap_get(&in->expanded_config, "security.privileged");
	bool privileged = false;
	struct lxc_render r = { 0 };
	char *text;
	int rc = -1;

	if (priv != NULL)
		config_key_parse_bool(priv, &privileged);
	r.name = in->name;
	r.rootfs = rootfs;
	r.rootfs_idmap = idmap_rootfs;
	r.privileged = privileged;
	r.idmap_base = e->idmap_base;
	r.idmap_range = e->idmap_range;
	r.expanded_config = &in->expanded_config;
	r.expanded_devices = &in->expanded_devices;
	r.local_config = &in->config;
	r.log_file = log;
	r.console_log = console;
	r.seccomp_policy = seccomp;
	r.cgroup2 = e->cgroup2;
	text = config_render_lxc(&r, err);
	if (text == NULL) {
		err_prefix(err, "Failed to configure instance \"%s\"", in->name);
		goto out;
	}
	if (util_write_file(path, text, strlen(text), 0640) < 0) {
		err_set(err, 500, "Failed to write the LXC config of \"%s\": %s",
		    in->name, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(text);
	free(rootfs);
	free(log);
	free(console);
	free(seccomp);
	free(path);
	return rc;
}

static int
instance_run_save_config(struct engine *e, const struct instance *in, struct err *err)
{
	int64_t id;

	if (instance_id(e, in->name, &id, NULL, NULL, err) < 0)
		return -1;
	if (db_begin(e->db, err) < 0)
		return -1;
	if (db_map_save(e->db, "instance_config", "instance_id", id, &in->config,
	    err) < 0) {
		db_rollback(e->db);
		return -1;
	}
	return db_commit(e->db, err);
}

static void
instance_run_set_key(struct engine *e, const char *name, const char *key,
    const char *value)
{
	sqlite3_stmt *st = NULL;
	int64_t id;

	if (instance_id(e, name, &id, NULL, NULL, NULL) < 0)
		return;
	if (sqlite3_prepare_v2(e->db, "INSERT OR REPLACE INTO instance_config "
	    "(instance_id, key, value) VALUES (?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

int
instance_run_apply(struct engine *e, const char *name, struct err *err)
{
	struct instance in = { 0 };
	char *storage = NULL;
	int64_t id;
	int rc = -1;
	bool priv = false;
	struct strmap items = { 0 };
	size_t i;

	if (instance_id(e, name, &id, &storage, NULL, err) < 0)
		return -1;
	if (instance_load(e, name, 0, &in, err) < 0)
		goto out;
	if (instance_run_fill_volatile(&in))
		instance_run_save_config(e, &in, NULL);
	config_key_parse_bool(strmap_get(&in.expanded_config, "security.privileged"), &priv);
	if (instance_run_write_config(e, &in, strcmp(storage, "dir") == 0 && !priv,
	    err) < 0)
		goto out;
	/* Limits apply live to a running container. */
	if (in.status == STATUS_RUNNING &&
	    config_cgroup_items(&in.expanded_config, e->cgroup2, &items, NULL) == 0) {
		struct lxc_container *c = instance_lxc(e, name);

		for (i = 0; c != NULL && i < items.n; i++)
			if (!c->set_cgroup_item(c, items.keys[i], items.vals[i]))
				log_warn("instance %s: cannot set %s live", name,
				    items.keys[i]);
		lxc_container_put(c);
	}
	rc = 0;
out:
	strmap_free(&items);
	instance_free_contents(&in);
	free(storage);
	return rc;
}

static char *
instance_run_log_tail(struct engine *e, const char *name)
{
	char *path = engine_path(e, "containers/%s/lxc.log", name);
	char *text = util_read_file(path, NULL), *line, *last = NULL, *save = NULL;

	free(path);
	if (text == NULL)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "ERROR") != NULL) {
			char *p = strstr(line, " - ");

			p = p ? strstr(p + 3, " - ") : NULL;
			free(last);
			last = xstrdup(p ? p + 3 : line);
			if (strstr(line, "Failed") == NULL)
				continue;
		}
	free(text);
	return last;
}

/*
 * A monitor still tearing down a container that was just killed holds its
 * command socket for a few hundred ms; starting again meanwhile fails.
 */
static void
instance_run_wait_monitor(struct engine *e, const char *name, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int waited, len;

	len = snprintf(sa.sun_path + 1, sizeof sa.sun_path - 1, "%s/%s/command",
	    e->lxcpath, name);
	if (len <= 0 || (size_t)len >= sizeof sa.sun_path - 1)
		return;
	for (waited = 0; waited < timeout_ms; waited += 10) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int rc;

		if (fd < 0)
			return;
		rc = connect(fd, (struct sockaddr *)&sa,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)len));
		close(fd);
		if (rc < 0)
			return;		/* nobody there: free to start */
		usleep(10000);
	}
}

/* The networks of the instance's nics: the engine's bridge is made when
 * missing, any other must exist. */
static int
instance_run_networks(struct engine *e, const struct instance *in,
    struct err *err)
{
	size_t i;

	for (i = 0; i < in->expanded_devices.n; i++) {
		const struct strmap *d = &in->expanded_devices.props[i];
		const char *type = strmap_get(d, "type"), *net = strmap_get(d, "network");

		if (type == NULL || strcmp(type, "nic") != 0 || net == NULL)
			continue;
		if (strcmp(net, ENGINE_BRIDGE) == 0) {
			if (network_ensure(e, net, err) < 0)
				return -1;
		} else if (!network_bridge_exists(net))
			return err_set(err, 404, "Network \"%s\" of device \"%s\" not "
			    "found", net, in->expanded_devices.names[i]);
	}
	return 0;
}

/* linux.kernel_modules, loaded on the host (a failure is only logged). */
static void
instance_run_modules(const struct instance *in)
{
	const char *mods = strmap_get(&in->expanded_config, "linux.kernel_modules");
	struct strv list = { 0 };
	size_t i;

	if (mods == NULL)
		return;
	strv_split(&list, mods, ',');
	for (i = 0; i < list.n; i++) {
		const char *argv[] = { "modprobe", "-q", list.v[i], NULL };

		if (util_run(argv, NULL) < 0)
			log_warn("instance %s: cannot load module %s", in->name,
			    list.v[i]);
	}
	strv_free(&list);
}

/* Host-side veth names, fresh at every start as LXD does, so a leftover
 * interface never blocks a start; the state shows them. */
static void
instance_run_veth_names(struct instance *in)
{
	size_t i;

	for (i = 0; i < in->expanded_devices.n; i++) {
		const struct strmap *d = &in->expanded_devices.props[i];
		const char *type = strmap_get(d, "type"), *nt = strmap_get(d, "nictype");
		char *key, veth[16];

		if (type == NULL || strcmp(type, "nic") != 0 ||
		    (nt != NULL && strcmp(nt, "macvlan") == 0))
			continue;
		key = xasprintf("volatile.%s.host_name", in->expanded_devices.names[i]);
		if (strmap_get(d, "host_name") == NULL) {
			instance_run_veth(veth);
			strmap_set(&in->config, key, veth);
		}
		free(key);
	}
}

/* A started container: its init recorded, power RUNNING, last used now. */
static void
instance_run_started(struct engine *e, const char *name, int64_t id, pid_t init)
{
	sqlite3_stmt *st = NULL;

	instance_runtime_write(e, name, init);
	instance_run_set_key(e, name, "volatile.last_state.power", "RUNNING");
	sqlite3_exec(e->db, "PRAGMA busy_timeout = 5000", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(e->db, "UPDATE instances SET last_used_ns "
	    "= ? WHERE id = ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, time_now_ns());
		sqlite3_bind_int64(st, 2, id);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
}

int
instance_run_start(struct engine *e, const char *name, struct err *err)
{
	struct instance in = { 0 };
	struct lxc_container *c = NULL;
	char *storage = NULL, *base = NULL;
	bool priv = false, idmap_rootfs = false;
	int64_t id;
	int rc = -1;

	if (instance_id(e, name, &id, &storage, &base, err) < 0)
		return -1;
	if (instance_load(e, name, 0, &in, err) < 0)
		goto out;
	if (in.status == STATUS_RUNNING) {
		err_set(err, 400, "The instance is already running");
		goto out;
	}
	if (in.status == STATUS_FROZEN) {
		err_set(err, 400, "The instance is frozen; unfreeze it instead");
		goto out;
	}
	config_key_parse_bool(strmap_get(&in.expanded_config, "security.privileged"), &priv);
	if (idmap_check_instance(e, &in.expanded_config, err) < 0) {
		err_prefix(err, "Failed to start instance \"%s\"", name);
		goto out;
	}
	if (instance_run_networks(e, &in, err) < 0)
		goto out;
	instance_run_modules(&in);
	instance_run_veth_names(&in);
	instance_run_fill_volatile(&in);
	if (instance_run_save_config(e, &in, err) < 0)
		goto out;
	if ((rc = storage_protect(e, name, priv,
	    config_root_gid(&in.expanded_config, e->idmap_base))) < 0) {
		err_set(err, 500, "Failed to set the permissions of instance \"%s\": "
		    "%s", name, strerror(-rc));
		rc = -1;
		goto out;
	}
	if (storage_mount(e, storage, name, base, priv, &idmap_rootfs, err) < 0)
		goto out;
	if (instance_run_write_config(e, &in, idmap_rootfs, err) < 0)
		goto umount;
	{
		/* lxc.log is the log of this run (as LXD keeps it): the last
		 * run's goes to lxc.log.old, so it never grows without end. */
		char *log = engine_path(e, "containers/%s/lxc.log", name);
		char *old = engine_path(e, "containers/%s/lxc.log.old", name);

		if (rename(log, old) < 0 && errno != ENOENT)
			log_debug("cannot rotate %s: %s", log, strerror(errno));
		free(log);
		free(old);
	}
	c = instance_lxc(e, name);
	if (c == NULL) {
		err_set(err, 500, "liblxc cannot load instance \"%s\"", name);
		goto umount;
	}
	instance_run_wait_monitor(e, name, 3000);
	c->want_daemonize(c, true);
	c->want_close_all_fds(c, true);
	if (!c->start(c, 0, NULL)) {
		char *why = instance_run_log_tail(e, name);

		err_set(err, 500, "Failed to start instance \"%s\": %s", name,
		    why ? why : "liblxc could not start it (see lxc.log)");
		free(why);
		goto umount;
	}
	instance_run_started(e, name, id, c->init_pid(c));
	rc = 0;
	goto out;
umount:
	storage_umount(e, name);
out:
	lxc_container_put(c);
	instance_free_contents(&in);
	free(storage);
	free(base);
	return rc;
}

/*
 * Init gone and the state STOPPED is all a caller needs; the monitor goes
 * on tearing the network down for a while and liblxc's wait() would wait
 * for that too.
 */
static bool
instance_run_wait_stopped(struct lxc_container *c, int pidfd, int timeout_ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int waited = 0;

	if (poll(&p, 1, timeout_ms) <= 0)
		return false;
	while (waited < timeout_ms) {
		const char *s = c->state(c);

		if (s == NULL || strcmp(s, "STOPPED") == 0)
			return true;
		usleep(5000);
		waited += 5;
	}
	return false;
}

int
instance_run_stop(struct engine *e, const char *name, int timeout, bool force,
    struct err *err)
{
	struct lxc_container *c = instance_lxc(e, name);
	int status = instance_lxc_status(c), rc = -1;

	if (c == NULL) {
		err_set(err, 500, "liblxc cannot load instance \"%s\"", name);
		goto out;
	}
	if (status == STATUS_STOPPED) {
		err_set(err, 400, "The instance is already stopped");
		goto out;
	}
	instance_run_set_key(e, name, "volatile.last_state.power", "STOPPING");
	if (!force) {
		if (status == STATUS_FROZEN)
			c->unfreeze(c);
		if (!c->shutdown(c, timeout < 0 ? 30 : timeout)) {
			log_info("instance %s: clean shutdown timed out, forcing", name);
			force = true;
		}
	}
	if (force && c->is_running(c)) {
		/*
		 * SIGKILL to init ends the pid namespace at once; liblxc's own
		 * stop command takes ~0.5 s longer to report the same.  Its
		 * stop remains the fallback.
		 */
		int pfd = c->init_pidfd(c);

		if (pfd < 0 || syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) < 0 ||
		    !instance_run_wait_stopped(c, pfd, 5000)) {
			if (c->is_running(c) && !c->stop(c)) {
				if (pfd >= 0)
					close(pfd);
				err_set(err, 500, "Failed to stop instance \"%s\"", name);
				goto out;
			}
		}
		if (pfd >= 0)
			close(pfd);
	}
	c->wait(c, "STOPPED", 10);
	instance_runtime_write(e, name, 0);
	storage_umount(e, name);
	instance_run_set_key(e, name, "volatile.last_state.power", "STOPPED");
	rc = 0;
out:
	lxc_container_put(c);
	return rc;
}

int
instance_run_freeze(struct engine *e, const char *name, bool freeze,
    struct err *err)
{
	struct lxc_container *c = instance_lxc(e, name);
	int rc = 0;

	if (freeze) {
		if (instance_lxc_status(c) != STATUS_RUNNING)
			rc = err_set(err, 400, "The instance isn't running");
		else if (!c->freeze(c))
			rc = err_set(err, 500, "Failed to freeze instance \"%s\"", name);
	} else {
		if (instance_lxc_status(c) != STATUS_FROZEN)
			rc = err_set(err, 400, "The instance is not frozen");
		else if (!c->unfreeze(c))
			rc = err_set(err, 500, "Failed to unfreeze instance \"%s\"",
			    name);
	}
	lxc_container_put(c);
	return rc;
}
