/*
 * instance.c - instances: the rows that describe them and their state.
 *
 * An instance is a row in `instances` (+ its config, devices and ordered
 * profiles) and a directory containers/NAME/ that liblxc knows as a
 * container.  The database says what the instance is; liblxc says whether
 * it runs, and init.pid says it cheaply (see "the running state without
 * liblxc" below).  This file reads: instance_load() gives the instance
 * with its expanded config (profiles in order, then local), its state
 * (cgroups, the network namespace's interfaces) and its snapshots.
 * Starting and stopping are instance-run.c; the operations that change
 * an instance are instance-op.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <lxc/lxccontainer.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine.h"

/* instance_load(): state allocated but read later, by instance_load_all. */
#define INSTANCE_DEFER_STATE	0x100
#define STATE_THREADS_MAX	3

struct instance_row {
	int64_t	 id;
	char	*storage;
	char	*base_image;
	char	*phase;
};

static void
instance_row_free(struct instance_row *r)
{
	free(r->storage);
	free(r->base_image);
	free(r->phase);
	memset(r, 0, sizeof *r);
}

static int
instance_row_load(struct engine *e, const char *name, struct instance *out,
    struct instance_row *row, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (db_prepare(e->db, "SELECT id, description, architecture, "
	    "ephemeral, stateful, created_ns, last_used_ns, storage, base_image, phase "
	    "FROM instances WHERE name = ?", &st) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		db_finish(st);
		return err_set(err, 404, "Instance not found");
	}
	row->id = sqlite3_column_int64(st, 0);
	row->storage = xstrdup((const char *)sqlite3_column_text(st, 7));
	row->base_image = xstrdup((const char *)sqlite3_column_text(st, 8));
	row->phase = xstrdup((const char *)sqlite3_column_text(st, 9));
	if (out != NULL) {
		out->name = xstrdup(name);
		out->description = xstrdup((const char *)sqlite3_column_text(st, 1));
		out->architecture = xstrdup((const char *)sqlite3_column_text(st, 2));
		out->ephemeral = sqlite3_column_int(st, 3) != 0;
		out->stateful = sqlite3_column_int(st, 4) != 0;
		out->created_ns = sqlite3_column_int64(st, 5);
		out->last_used_ns = sqlite3_column_int64(st, 6);
		out->type = xstrdup("container");
		out->location = xstrdup("none");
		out->project = xstrdup("default");
	}
	db_finish(st);
	return 0;
}

int
instance_id(struct engine *e, const char *name, int64_t *id, char **storage,
    char **base_image, struct err *err)
{
	struct instance_row row = { 0 };

	if (instance_row_load(e, name, NULL, &row, err) < 0)
		return -1;
	*id = row.id;
	if (storage != NULL)
		*storage = xstrdup(row.storage);
	if (base_image != NULL)
		*base_image = xstrdup(row.base_image);
	instance_row_free(&row);
	return 0;
}

static void
instance_profiles_load(struct engine *e, int64_t id, struct strv *out)
{
	sqlite3_stmt *st = NULL;

	if (db_prepare(e->db, "SELECT p.name FROM instance_profiles ip JOIN "
	    "profiles p ON p.id = ip.profile_id WHERE ip.instance_id = ? "
	    "ORDER BY ip.apply_order", &st) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		strv_push(out, (const char *)sqlite3_column_text(st, 0));
	db_finish(st);
}

/* Fills expanded_* from the profiles and the local config. */
static int
instance_expand(struct engine *e, struct instance *in, struct err *err)
{
	struct profile *profiles = NULL;

	if (profile_load_list(e, &in->profiles, &profiles, err) < 0)
		return -1;
	strmap_free(&in->expanded_config);
	devmap_free(&in->expanded_devices);
	config_expand(profiles, in->profiles.n, &in->config, &in->devices,
	    &in->expanded_config, &in->expanded_devices);
	profile_array_free(profiles, in->profiles.n);
	return 0;
}

struct lxc_container *
instance_lxc(struct engine *e, const char *name)
{
	return lxc_container_new(name, e->lxcpath);
}

int
instance_lxc_status(struct lxc_container *c)
{
	const char *s;

	if (c == NULL || !c->is_defined(c))
		return STATUS_STOPPED;
	s = c->state(c);
	if (s == NULL)
		return STATUS_ERROR;
	if (strcmp(s, "RUNNING") == 0)
		return STATUS_RUNNING;
	if (strcmp(s, "FROZEN") == 0 || strcmp(s, "FREEZING") == 0)
		return STATUS_FROZEN;
	if (strcmp(s, "STARTING") == 0)
		return STATUS_STARTING;
	if (strcmp(s, "STOPPING") == 0 || strcmp(s, "ABORTING") == 0)
		return STATUS_STOPPING;
	if (strcmp(s, "THAWED") == 0)
		return STATUS_RUNNING;
	return STATUS_STOPPED;
}

/*
 * ---- the running state without liblxc ----
 *
 * Asking liblxc means lxc_container_new() (parsing the container's config
 * and its includes) and two round trips to the monitor: most of the cost
 * of a list.  Instead, every start records the init's pid and start time
 * in containers/NAME/init.pid ("PID STARTTIME") and every stop writes
 * "0 0"; the state then comes from /proc (same pid, same start time:
 * running; else stopped) and the freezer of its cgroup.  Without the file
 * (a container started before it existed) liblxc is asked once and the
 * file written.
 */

/* A small file (a cgroup value, a state word, /proc/PID/stat) in buf with
 * one read;
 * its length, or -1. */
static ssize_t
read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* Start time of pid (clock ticks since boot, field 22 of /proc/PID/stat);
 * -1 when there is no such process. */
static long long
proc_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	long long st = -1;
	int i;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof buf) <= 0)
		return -1;
	p = strrchr(buf, ')');		/* comm may hold spaces */
	if (p == NULL)
		return -1;
	/* after ")": field 3 (state) ... field 22 (starttime) */
	for (i = 2; i < 22 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p != NULL)
		st = strtoll(p + 1, NULL, 10);
	return st;
}

void
instance_runtime_write(struct engine *e, const char *name, pid_t pid)
{
	char *path = engine_path(e, "containers/%s/init.pid", name);
	char buf[64];
	long long st = pid > 0 ? proc_starttime(pid) : 0;

	if (pid > 0 && st < 0)
		pid = 0, st = 0;
	snprintf(buf, sizeof buf, "%d %lld\n", (int)pid, st);
	if (util_write_file(path, buf, strlen(buf), 0644) < 0)
		log_debug("cannot write %s: %s", path, strerror(errno));
	free(path);
}

/* The init pid from init.pid if it is still that process: > 0 running, 0
 * stopped, -1 unknown (no file). */
static pid_t
runtime_pid(struct engine *e, const char *name, long long *stp)
{
	char path[PATH_MAX], buf[64];
	long long st = 0;
	int pid = 0;

	snprintf(path, sizeof path, "%s/%s/init.pid", e->lxcpath, name);
	if (read_small(path, buf, sizeof buf) <= 0)
		return -1;
	if (sscanf(buf, "%d %lld", &pid, &st) != 2)
		return -1;
	if (pid <= 0 || proc_starttime(pid) != st)
		return 0;
	*stp = st;
	return pid;
}

/* The cgroup of a container's init, as liblxc made it (lxc.payload.NAME,
 * even when init moved itself below it), per controller. */
struct cgroup_paths {
	char	*text;		/* /proc/PID/cgroup */
	bool	 v2;
};

static void
cgroup_paths_read(struct cgroup_paths *cg, pid_t pid, bool v2)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	cg->text = util_read_file(path, NULL);
	cg->v2 = v2;
}

/*
 * The cgroups of one init process never change (what it or its children
 * create below lxc.payload.NAME is cut off above), so /proc/PID/cgroup is
 * read once per process and kept, keyed by pid and start time as
 * runtime_pid() checked them: a restarted container has a new init and so
 * a new key.  Lists read states from several threads, hence the lock; the
 * table is emptied when it grows past CGROUP_CACHE_MAX (dead inits).
 */
#define CGROUP_CACHE_MAX	4096
static pthread_mutex_t cgroup_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct strmap cgroup_cache;	/* "PID STARTTIME" -> /proc/PID/cgroup */

static void
cgroup_paths_read_cached(struct cgroup_paths *cg, pid_t pid, long long st, bool v2)
{
	char key[48];
	const char *v;

	snprintf(key, sizeof key, "%d %lld", (int)pid, st);
	pthread_mutex_lock(&cgroup_cache_lock);
	v = strmap_get(&cgroup_cache, key);
	cg->text = v != NULL ? xstrdup(v) : NULL;
	pthread_mutex_unlock(&cgroup_cache_lock);
	cg->v2 = v2;
	if (cg->text != NULL)
		return;
	cgroup_paths_read(cg, pid, v2);
	if (cg->text == NULL || *cg->text == '\0')
		return;
	pthread_mutex_lock(&cgroup_cache_lock);
	if (cgroup_cache.n >= CGROUP_CACHE_MAX)
		strmap_free(&cgroup_cache);
	strmap_set(&cgroup_cache, key, cg->text);
	pthread_mutex_unlock(&cgroup_cache_lock);
}

/* "/sys/fs/cgroup/memory/lxc.payload.c1/memory.current" or NULL (caller
 * frees). */
static char *
cgroup_paths_file(const struct cgroup_paths *cg, const char *controller,
    const char *file)
{
	const char *line, *end, *c1, *c2, *payload;
	char *rel, *out = NULL;

	for (line = cg->text; line != NULL && *line != '\0'; line = end + 1) {
		size_t clen = strlen(controller);

		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		c1 = memchr(line, ':', (size_t)(end - line));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		if (c2 == NULL)
			goto next;
		if (cg->v2 ? c2 != c1 + 1 :
		    !((size_t)(c2 - c1 - 1) >= clen && memmem(c1 + 1,
		    (size_t)(c2 - c1 - 1), controller, clen) != NULL))
			goto next;
		rel = xstrndup(c2 + 1, (size_t)(end - c2 - 1));
		payload = strstr(rel, "/lxc.payload.");
		if (payload != NULL) {
			char *slash = strchr(payload + 1, '/');

			if (slash != NULL)
				*slash = '\0';
		}
		out = cg->v2 ? xasprintf("/sys/fs/cgroup%s/%s", rel, file) :
		    xasprintf("/sys/fs/cgroup/%s%s/%s", controller, rel, file);
		free(rel);
		return out;
next:
		if (*end == '\0')
			break;
	}
	return NULL;
}

/* A cgroup file's text (at most size - 1 bytes: values and state words
 * are short) in buf; false if there is no such file. */
static bool
cgroup_paths_read_text(const struct cgroup_paths *cg, const char *controller,
    const char *file, char *buf, size_t size)
{
	char *path = cgroup_paths_file(cg, controller, file);
	ssize_t n;

	if (path == NULL)
		return false;
	n = read_small(path, buf, size);
	free(path);
	return n >= 0;
}

static int64_t
cgroup_paths_int(const struct cgroup_paths *cg, const char *controller,
    const char *file)
{
	char text[64];

	if (!cgroup_paths_read_text(cg, controller, file, text, sizeof text))
		return -1;
	return strtoll(text, NULL, 10);
}

static bool
cgroup_paths_frozen(const struct cgroup_paths *cg)
{
	char t[512];

	if (cg->v2)
		return cgroup_paths_read_text(cg, "", "cgroup.events", t, sizeof t) &&
		    strstr(t, "frozen 1") != NULL;
	return cgroup_paths_read_text(cg, "freezer", "freezer.state", t, sizeof t) &&
	    strncmp(t, "THAWED", 6) != 0;
}

static void
cgroup_paths_free(struct cgroup_paths *cg)
{
	free(cg->text);
	cg->text = NULL;
}

static pthread_mutex_t runtime_lxc_lock = PTHREAD_MUTEX_INITIALIZER;

/* Status and init pid: from init.pid and /proc, or (no file) liblxc. */
static int
instance_runtime(struct engine *e, const char *name, pid_t *pidp,
    struct cgroup_paths *cgp)
{
	struct cgroup_paths cg = { 0 };
	struct lxc_container *c;
	long long st = 0;
	pid_t pid = runtime_pid(e, name, &st);
	int code;

	if (pid < 0) {
		/* liblxc once, from one thread at a time (lists read states
		 * from several). */
		pthread_mutex_lock(&runtime_lxc_lock);
		c = instance_lxc(e, name);
		code = instance_lxc_status(c);
		pid = (code == STATUS_RUNNING || code == STATUS_FROZEN) ?
		    c->init_pid(c) : 0;
		lxc_container_put(c);
		if (code == STATUS_STOPPED || code == STATUS_RUNNING ||
		    code == STATUS_FROZEN)
			instance_runtime_write(e, name, pid > 0 ? pid : 0);
		pthread_mutex_unlock(&runtime_lxc_lock);
		if (pidp != NULL)
			*pidp = pid > 0 ? pid : 0;
		if (cgp != NULL && pid > 0)
			cgroup_paths_read(cgp, pid, e->cgroup2);
		return code;
	}
	if (pidp != NULL)
		*pidp = pid;
	if (pid == 0)
		return STATUS_STOPPED;
	cgroup_paths_read_cached(&cg, pid, st, e->cgroup2);
	code = cgroup_paths_frozen(&cg) ? STATUS_FROZEN : STATUS_RUNNING;
	if (cgp != NULL)
		*cgp = cg;
	else
		cgroup_paths_free(&cg);
	return code;
}

static int
instance_status(struct engine *e, const char *name)
{
	return instance_runtime(e, name, NULL, NULL);
}

pid_t
instance_init_pid(struct engine *e, const char *name)
{
	pid_t pid = 0;
	int code = instance_runtime(e, name, &pid, NULL);

	return code == STATUS_RUNNING || code == STATUS_FROZEN ? pid : 0;
}

bool
instance_is_running(struct engine *e, const char *name)
{
	int s = instance_status(e, name);

	return s == STATUS_RUNNING || s == STATUS_FROZEN || s == STATUS_STARTING;
}

/* ---- state: cgroups and the container's network namespace ---- */

static void
nic_add_addr(struct nic_state *n, const char *family, const char *addr,
    int prefix, const char *scope)
{
	char mask[8];

	snprintf(mask, sizeof mask, "%d", prefix);
	n->addrs = xreallocarray(n->addrs, n->naddrs + 1, sizeof *n->addrs);
	n->addrs[n->naddrs].family = xstrdup(family);
	n->addrs[n->naddrs].address = xstrdup(addr);
	n->addrs[n->naddrs].netmask = xstrdup(mask);
	n->addrs[n->naddrs].scope = xstrdup(scope);
	n->naddrs++;
}

static struct nic_state *
nic_get(struct instance_state *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nnics; i++)
		if (strcmp(s->nics[i].name, name) == 0)
			return &s->nics[i];
	s->nics = xreallocarray(s->nics, s->nnics + 1, sizeof *s->nics);
	memset(&s->nics[s->nnics], 0, sizeof *s->nics);
	s->nics[s->nnics].name = xstrdup(name);
	return &s->nics[s->nnics++];
}

/* The process's own network namespace, to return to: opened once per
 * process (every thread is in it; a forked helper, whose fds were closed,
 * opens its own). */
static int host_netns = -1;
static pid_t host_netns_pid;
static pthread_mutex_t host_netns_lock = PTHREAD_MUTEX_INITIALIZER;

static int
host_netns_fd(void)
{
	int fd;

	pthread_mutex_lock(&host_netns_lock);
	if (host_netns_pid != getpid()) {
		host_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		host_netns_pid = getpid();
	}
	fd = host_netns;
	pthread_mutex_unlock(&host_netns_lock);
	return fd;
}

/* Interfaces of the container's netns, read from inside it (no fork). */
static void
instance_read_network(pid_t pid, struct instance_state *s)
{
	struct ifaddrs *ifa = NULL, *i;
	char path[64];
	int target, self, sock;

	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
	target = open(path, O_RDONLY | O_CLOEXEC);
	self = host_netns_fd();

	if (target < 0 || self < 0 || setns(target, CLONE_NEWNET) < 0)
		goto out;
	if (getifaddrs(&ifa) < 0)
		ifa = NULL;
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (i = ifa; i != NULL; i = i->ifa_next) {
		struct nic_state *n;
		char buf[INET6_ADDRSTRLEN];

		if (i->ifa_addr == NULL)
			continue;
		n = nic_get(s, i->ifa_name);
		if (n->type == NULL) {
			struct ifreq req;

			n->type = xstrdup((i->ifa_flags & IFF_LOOPBACK) ? "loopback" :
			    "broadcast");
			n->state = xstrdup((i->ifa_flags & IFF_UP) ? "up" : "down");
			memset(&req, 0, sizeof req);
			snprintf(req.ifr_name, sizeof req.ifr_name, "%s", i->ifa_name);
			if (sock >= 0 && ioctl(sock, SIOCGIFMTU, &req) == 0)
				n->mtu = req.ifr_mtu;
		}
		if (i->ifa_addr->sa_family == AF_PACKET) {
			const struct sockaddr_ll *ll = (const void *)i->ifa_addr;
			const struct rtnl_link_stats *st = i->ifa_data;

			if (ll->sll_halen == 6 && n->hwaddr == NULL) {
				snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x",
				    ll->sll_addr[0], ll->sll_addr[1], ll->sll_addr[2],
				    ll->sll_addr[3], ll->sll_addr[4], ll->sll_addr[5]);
				n->hwaddr = xstrdup(buf);
			}
			if (st != NULL) {
				n->bytes_received = st->rx_bytes;
				n->bytes_sent = st->tx_bytes;
				n->packets_received = st->rx_packets;
				n->packets_sent = st->tx_packets;
			}
		} else if (i->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *in = (const void *)i->ifa_addr;

			inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
			nic_add_addr(n, "inet", buf, network_prefix_len(i->ifa_netmask),
			    (i->ifa_flags & IFF_LOOPBACK) ? "local" : "global");
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (const void *)i->ifa_addr;
			const char *scope = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ? "local" :
			    IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr) ? "link" : "global";

			inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
			nic_add_addr(n, "inet6", buf, network_prefix_len(i->ifa_netmask), scope);
		}
	}
	if (sock >= 0)
		close(sock);
	if (ifa != NULL)
		freeifaddrs(ifa);
	if (setns(self, CLONE_NEWNET) < 0)
		fatal("cannot return to the host network namespace");
out:
	if (target >= 0)
		close(target);
}

int
instance_read_state(struct engine *e, const char *name, struct instance_state *s,
    struct err *err)
{
	struct cgroup_paths cg = { 0 };
	bool v2 = e->cgroup2;

	memset(s, 0, sizeof *s);
	s->disk_usage = -1;
	s->status = instance_runtime(e, name, &s->pid, &cg);
	if (s->pid <= 0 || (s->status != STATUS_RUNNING &&
	    s->status != STATUS_FROZEN)) {
		s->pid = 0;
		cgroup_paths_free(&cg);
		return 0;
	}
	s->processes = cgroup_paths_int(&cg, "pids", "pids.current");
	if (v2) {
		s->memory_usage = cgroup_paths_int(&cg, "", "memory.current");
		s->memory_peak = cgroup_paths_int(&cg, "", "memory.peak");
	} else {
		s->memory_usage = cgroup_paths_int(&cg, "memory",
		    "memory.usage_in_bytes");
		s->memory_peak = cgroup_paths_int(&cg, "memory",
		    "memory.max_usage_in_bytes");
		s->cpu_usage_ns = cgroup_paths_int(&cg, "cpuacct", "cpuacct.usage");
	}
	cgroup_paths_free(&cg);
	if (s->processes < 0)
		s->processes = 0;
	if (s->status == STATUS_RUNNING)
		instance_read_network(s->pid, s);
	return 0;
}

/* The host side of each nic (volatile.<dev>.host_name, set at start) in
 * the state of the interface it shows up as inside. */
static void
instance_state_host_names(struct instance *in)
{
	struct instance_state *s = in->state;
	size_t i, j;

	for (i = 0; s != NULL && i < in->expanded_devices.n; i++) {
		const struct strmap *d = &in->expanded_devices.props[i];
		const char *dev = in->expanded_devices.names[i];
		const char *type = strmap_get(d, "type"), *ifname = strmap_get(d, "name");
		const char *host = strmap_get(d, "host_name");
		char *key;

		if (type == NULL || strcmp(type, "nic") != 0)
			continue;
		if (ifname == NULL || *ifname == '\0')
			ifname = dev;
		if (host == NULL) {
			key = xasprintf("volatile.%s.host_name", dev);
			host = strmap_get(&in->config, key);
			free(key);
		}
		for (j = 0; host != NULL && j < s->nnics; j++) {
			if (strcmp(s->nics[j].name, ifname) == 0) {
				free(s->nics[j].host_name);
				s->nics[j].host_name = xstrdup(host);
			}
		}
	}
}

int
instance_load(struct engine *e, const char *name, unsigned flags,
    struct instance *out, struct err *err)
{
	struct instance_row row = { 0 };

	memset(out, 0, sizeof *out);
	if (instance_row_load(e, name, out, &row, err) < 0)
		return -1;
	if (db_map_load(e->db, "instance_config", "instance_id", row.id, &out->config,
	    err) < 0 || db_devices_load(e->db, "instance_devices", "instance_id",
	    row.id, &out->devices, err) < 0)
		goto fail;
	instance_profiles_load(e, row.id, &out->profiles);
	if (instance_expand(e, out, err) < 0)
		goto fail;
	if (strncmp(row.phase, "creating", 8) == 0) {
		out->status = STATUS_STARTING;	/* not ready yet */
	} else if (flags & INSTANCE_DEFER_STATE) {
		out->state = xcalloc(1, sizeof *out->state);	/* read later */
	} else if (flags & INSTANCE_WITH_STATE) {
		out->state = xcalloc(1, sizeof *out->state);
		instance_read_state(e, name, out->state, NULL);
		out->status = out->state->status;
		instance_state_host_names(out);
	} else {
		out->status = instance_status(e, name);
	}
	if (flags & INSTANCE_WITH_SNAPSHOTS) {
		if (snapshot_load_all(e, name, &out->snapshots, &out->nsnapshots, err) < 0)
			goto fail;
	}
	instance_row_free(&row);
	return 0;
fail:
	instance_row_free(&row);
	instance_free_contents(out);
	return -1;
}

/*
 * States of a whole list, read by a few threads at once: reading one is
 * mostly waiting for the kernel (/proc, cgroup files, a netlink dump in
 * the container's network namespace; setns() is per thread), so a list of
 * many running containers takes a fraction of the time on several cores.
 */
struct state_job {
	struct engine	*engine;
	struct instance	*in;
	size_t		 n;
	size_t		 next;
	pthread_mutex_t	 lock;
};

static void *
state_job_run(void *arg)
{
	struct state_job *j = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&j->lock);
		i = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->n)
			break;
		if (j->in[i].state != NULL)
			instance_read_state(j->engine, j->in[i].name, j->in[i].state,
			    NULL);
	}
	return NULL;
}

static void
instance_read_states(struct engine *e, struct instance *in, size_t n)
{
	struct state_job j = { .engine = e, .in = in, .n = n };
	pthread_t th[STATE_THREADS_MAX];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nth = 0, want, i;

	want = cpus > 1 ? (size_t)cpus : 1;
	if (want > STATE_THREADS_MAX + 1)
		want = STATE_THREADS_MAX + 1;
	if (want > n / 4 + 1)
		want = n / 4 + 1;	/* threads only pay off for longer lists */
	pthread_mutex_init(&j.lock, NULL);
	for (i = 1; i < want; i++)
		if (pthread_create(&th[nth], NULL, state_job_run, &j) == 0)
			nth++;
	state_job_run(&j);
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&j.lock);
	for (i = 0; i < n; i++) {
		if (in[i].state != NULL) {
			in[i].status = in[i].state->status;
			instance_state_host_names(&in[i]);
		}
	}
}

int
instance_load_all(struct engine *e, unsigned flags, struct instance **out,
    size_t *n, struct err *err)
{
	struct strv names = { 0 };
	sqlite3_stmt *st = NULL;
	bool own_txn;
	unsigned lflags;
	size_t i;

	*out = NULL;
	*n = 0;
	if (db_prepare(e->db, "SELECT name FROM instances ORDER BY name",
	    &st) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	while (sqlite3_step(st) == SQLITE_ROW)
		strv_push(&names, (const char *)sqlite3_column_text(st, 0));
	db_finish(st);
	*out = xcalloc(names.n ? names.n : 1, sizeof **out);
	/* One read transaction for the whole list, not one per statement. */
	own_txn = sqlite3_get_autocommit(e->db) &&
	    sqlite3_exec(e->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
	profile_cache_begin(e);
	lflags = flags;
	if (flags & INSTANCE_WITH_STATE)
		lflags = (flags & ~(unsigned)INSTANCE_WITH_STATE) | INSTANCE_DEFER_STATE;
	for (i = 0; i < names.n; i++)
		if (instance_load(e, names.v[i], lflags, &(*out)[*n], NULL) == 0)
			(*n)++;
	profile_cache_end(e);
	if (own_txn)
		sqlite3_exec(e->db, "COMMIT", NULL, NULL, NULL);
	if (flags & INSTANCE_WITH_STATE)
		instance_read_states(e, *out, *n);
	strv_free(&names);
	return 0;
}
