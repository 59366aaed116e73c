/*
 * instance.c - instances: the rows that describe them and their lifecycle.
 *
 * An instance is a row in `instances` (+ its config, devices and ordered
 * profiles) and a directory containers/NAME/ that liblxc knows as a
 * container.  The database says what the instance is; liblxc says whether
 * it runs.  The LXC config is never edited by hand: it is rendered from
 * the expanded config (profiles in order, then local) before every start
 * and whenever a profile changes.
 *
 * Every slow action is an op whose work runs in a helper process
 * (op-worker.c): create copies/mounts files, start and stop call liblxc.
 * What can be checked at once (name rules, unknown keys, missing profiles
 * or images, name collisions, "already running") is checked in the
 * caller's process before the op starts, so mistakes come back as plain
 * errors.  A create first inserts the row with phase "creating:PID" and
 * only marks it ready when the files exist; instance_recover() removes
 * what a killed process left behind, so a crash never leaves half an
 * instance.
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/syscall.h>
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

static int
instance_profiles_save(struct engine *e, int64_t id, const struct strv *names,
    struct err *err)
{
	sqlite3_stmt *st = NULL;
	char *sql = xasprintf("DELETE FROM instance_profiles WHERE instance_id = %lld",
	    (long long)id);
	size_t i;
	int rc = db_exec(e->db, sql, err);

	free(sql);
	if (rc < 0)
		return -1;
	if (sqlite3_prepare_v2(e->db, "INSERT INTO instance_profiles (instance_id, "
	    "profile_id, apply_order) SELECT ?, id, ? FROM profiles WHERE name = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	for (i = 0; i < names->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, (int)i);
		sqlite3_bind_text(st, 3, names->v[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(e->db) != 1) {
			sqlite3_finalize(st);
			return err_set(err, 404, "Profile \"%s\" not found", names->v[i]);
		}
	}
	sqlite3_finalize(st);
	return 0;
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

static struct lxc_container *
instance_lxc(struct engine *e, const char *name)
{
	return lxc_container_new(name, e->lxcpath);
}

static int
lxc_state_code(struct lxc_container *c)
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

/* Start time of pid (clock ticks since boot, field 22 of /proc/PID/stat);
 * -1 when there is no such process. */
static long long
proc_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	long long st = -1;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
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

static void
runtime_write(struct engine *e, const char *name, pid_t pid)
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
	ssize_t n;
	int fd, pid = 0;

	snprintf(path, sizeof path, "%s/%s/init.pid", e->lxcpath, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
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

/* A small file (a cgroup value, a state word) in buf with one read;
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
		code = lxc_state_code(c);
		pid = (code == STATUS_RUNNING || code == STATUS_FROZEN) ?
		    c->init_pid(c) : 0;
		lxc_container_put(c);
		if (code == STATUS_STOPPED || code == STATUS_RUNNING ||
		    code == STATUS_FROZEN)
			runtime_write(e, name, pid > 0 ? pid : 0);
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

static int
mask_bits(const struct sockaddr *sa)
{
	const unsigned char *p;
	size_t len, i;
	int bits = 0;

	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		p = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
		len = 4;
	} else {
		p = (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		len = 16;
	}
	for (i = 0; i < len; i++)
		bits += __builtin_popcount(p[i]);
	return bits;
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
			nic_add_addr(n, "inet", buf, mask_bits(i->ifa_netmask),
			    (i->ifa_flags & IFF_LOOPBACK) ? "local" : "global");
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (const void *)i->ifa_addr;
			const char *scope = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ? "local" :
			    IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr) ? "link" : "global";

			inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
			nic_add_addr(n, "inet6", buf, mask_bits(i->ifa_netmask), scope);
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

/* ---- rendering the LXC config ---- */

static void
random_hwaddr(char out[18])
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
random_veth(char out[16])
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
instance_fill_volatile(struct instance *in)
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

			random_hwaddr(mac);
			strmap_set(&in->config, key, mac);
			changed = true;
		}
		free(key);
	}
	return changed;
}

static int
instance_write_lxc_config(struct engine *e, const struct instance *in,
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
		config_parse_bool(priv, &privileged);
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
instance_save_config(struct engine *e, const struct instance *in, struct err *err)
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
instance_set_key(struct engine *e, const char *name, const char *key,
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
instance_apply(struct engine *e, const char *name, struct err *err)
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
	if (instance_fill_volatile(&in))
		instance_save_config(e, &in, NULL);
	config_parse_bool(strmap_get(&in.expanded_config, "security.privileged"), &priv);
	if (instance_write_lxc_config(e, &in, strcmp(storage, "dir") == 0 && !priv,
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

/* ---- start / stop (run in helpers) ---- */

static char *
lxc_log_tail(struct engine *e, const char *name)
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
wait_monitor_gone(struct engine *e, const char *name, int timeout_ms)
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

int
instance_do_start(struct engine *e, const char *name, struct err *err)
{
	struct instance in = { 0 };
	struct lxc_container *c = NULL;
	char *storage = NULL, *base = NULL, *mods = NULL;
	bool priv = false, idmap_rootfs = false;
	int64_t id;
	size_t i;
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
	config_parse_bool(strmap_get(&in.expanded_config, "security.privileged"), &priv);
	if (idmap_check_instance(e, &in.expanded_config, err) < 0) {
		err_prefix(err, "Failed to start instance \"%s\"", name);
		goto out;
	}
	for (i = 0; i < in.expanded_devices.n; i++) {
		const struct strmap *d = &in.expanded_devices.props[i];
		const char *type = strmap_get(d, "type"), *net = strmap_get(d, "network");

		if (type == NULL || strcmp(type, "nic") != 0 || net == NULL)
			continue;
		if (strcmp(net, ENGINE_BRIDGE) == 0) {
			if (network_ensure(e, net, err) < 0)
				goto out;
		} else if (!network_bridge_exists(net)) {
			err_set(err, 404, "Network \"%s\" of device \"%s\" not found",
			    net, in.expanded_devices.names[i]);
			goto out;
		}
	}
	mods = xstrdup(strmap_get(&in.expanded_config, "linux.kernel_modules"));
	if (mods != NULL) {
		struct strv list = { 0 };

		strv_split(&list, mods, ',');
		for (i = 0; i < list.n; i++) {
			const char *argv[] = { "modprobe", "-q", list.v[i], NULL };

			if (util_run(argv, NULL) < 0)
				log_warn("instance %s: cannot load module %s", name,
				    list.v[i]);
		}
		strv_free(&list);
	}
	/* Host-side veth names, fresh at every start as LXD does, so a
	 * leftover interface never blocks a start; the state shows them. */
	for (i = 0; i < in.expanded_devices.n; i++) {
		const struct strmap *d = &in.expanded_devices.props[i];
		const char *type = strmap_get(d, "type"), *nt = strmap_get(d, "nictype");
		char *key, veth[16];

		if (type == NULL || strcmp(type, "nic") != 0 ||
		    (nt != NULL && strcmp(nt, "macvlan") == 0))
			continue;
		key = xasprintf("volatile.%s.host_name", in.expanded_devices.names[i]);
		if (strmap_get(d, "host_name") == NULL) {
			random_veth(veth);
			strmap_set(&in.config, key, veth);
		}
		free(key);
	}
	instance_fill_volatile(&in);
	if (instance_save_config(e, &in, err) < 0)
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
	if (instance_write_lxc_config(e, &in, idmap_rootfs, err) < 0)
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
	wait_monitor_gone(e, name, 3000);
	c->want_daemonize(c, true);
	c->want_close_all_fds(c, true);
	if (!c->start(c, 0, NULL)) {
		char *why = lxc_log_tail(e, name);

		err_set(err, 500, "Failed to start instance \"%s\": %s", name,
		    why ? why : "liblxc could not start it (see lxc.log)");
		free(why);
		goto umount;
	}
	runtime_write(e, name, c->init_pid(c));
	{
		char now[24];

		snprintf(now, sizeof now, "%lld", (long long)time_now_ns());
		instance_set_key(e, name, "volatile.last_state.power", "RUNNING");
		sqlite3_exec(e->db, "PRAGMA busy_timeout = 5000", NULL, NULL, NULL);
		{
			sqlite3_stmt *st = NULL;

			if (sqlite3_prepare_v2(e->db, "UPDATE instances SET last_used_ns "
			    "= ? WHERE id = ?", -1, &st, NULL) == SQLITE_OK) {
				sqlite3_bind_int64(st, 1, time_now_ns());
				sqlite3_bind_int64(st, 2, id);
				sqlite3_step(st);
				sqlite3_finalize(st);
			}
		}
	}
	rc = 0;
	goto out;
umount:
	storage_umount(e, name);
out:
	lxc_container_put(c);
	instance_free_contents(&in);
	free(storage);
	free(base);
	free(mods);
	return rc;
}

/*
 * Init gone and the state STOPPED is all a caller needs; the monitor goes
 * on tearing the network down for a while and liblxc's wait() would wait
 * for that too.
 */
static bool
lxc_wait_stopped(struct lxc_container *c, int pidfd, int timeout_ms)
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
instance_do_stop(struct engine *e, const char *name, int timeout, bool force,
    struct err *err)
{
	struct lxc_container *c = instance_lxc(e, name);
	int status = lxc_state_code(c), rc = -1;

	if (c == NULL) {
		err_set(err, 500, "liblxc cannot load instance \"%s\"", name);
		goto out;
	}
	if (status == STATUS_STOPPED) {
		err_set(err, 400, "The instance is already stopped");
		goto out;
	}
	instance_set_key(e, name, "volatile.last_state.power", "STOPPING");
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
		    !lxc_wait_stopped(c, pfd, 5000)) {
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
	runtime_write(e, name, 0);
	storage_umount(e, name);
	instance_set_key(e, name, "volatile.last_state.power", "STOPPED");
	rc = 0;
out:
	lxc_container_put(c);
	return rc;
}

/* ---- operations ---- */

struct instance_job {
	char	*name;
	char	*newname;
	char	*action;
	int	 timeout;
	bool	 force;
	bool	 ephemeral;
	bool	 was_running;
	struct instance_create create;	/* create only (strings owned below) */
	char	*copy_from;
	char	*copy_snap;
	char	*fp;
	char	*storage;
	/* Create from an image server, not cached yet: the helper pulls it. */
	char	*img_server;
	char	*img_protocol;
	char	*img_certificate;
	char	*img_secret;
	char	*img_ref;
};

static void
instance_job_free(void *arg)
{
	struct instance_job *j = arg;

	free(j->name);
	free(j->newname);
	free(j->action);
	free(j->copy_from);
	free(j->copy_snap);
	free(j->fp);
	free(j->storage);
	free(j->img_server);
	free(j->img_protocol);
	free(j->img_certificate);
	free(j->img_secret);
	free(j->img_ref);
	free(j);
}

/*
 * Starts the op of a job on instance `name` in a helper process; the op
 * owns j from here on (freed with it, also when it cannot start).
 */
static int
instance_job_start(struct engine *e, const char *name, const char *description,
    op_work_fn work, op_done_fn done, struct instance_job *j, char **op_id,
    struct err *err)
{
	char *url = xasprintf("/1.0/instances/%s", name);
	struct op_spec spec = {
		.description = description,
		.cls = OP_CLASS_TASK,
		.resource_type = "instances",
		.resource = url,
		.work = work,
		.done = done,
		.free_arg = instance_job_free,
		.arg = j,
	};
	int rc = op_start(e, &spec, op_id, err);

	free(url);
	return rc;
}

static void
emit_for(struct engine *e, const char *action, const char *name,
    const struct strmap *ctx)
{
	char *src = xasprintf("/1.0/instances/%s", name);

	event_lifecycle(e, action, src, ctx);
	free(src);
}

static void
instance_delete_rows(struct engine *e, const char *name)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(e->db, "DELETE FROM instances WHERE name = ?", -1, &st,
	    NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/*
 * An instance created from an image that was pulled only now: its row gets
 * what a local image would have given it at once (base image,
 * architecture, image.* and volatile.base_image).
 */
static int
create_set_image(struct engine *e, const char *name, const char *fp,
    struct err *err)
{
	struct image img = { 0 };
	struct strmap config = { 0 };
	sqlite3_stmt *st = NULL;
	int64_t id;
	size_t i;
	int rc = -1;

	if (image_load(e, fp, &img, err) < 0)
		return -1;
	if (db_begin(e->db, err) < 0)
		goto out;
	if (instance_id(e, name, &id, NULL, NULL, err) < 0 ||
	    db_map_load(e->db, "instance_config", "instance_id", id, &config,
	    err) < 0)
		goto fail;
	for (i = 0; i < img.properties.n; i++) {
		char *k = xasprintf("image.%s", img.properties.keys[i]);

		if (strmap_get(&config, k) == NULL)
			strmap_set(&config, k, img.properties.vals[i]);
		free(k);
	}
	strmap_set(&config, "volatile.base_image", fp);
	if (db_map_save(e->db, "instance_config", "instance_id", id, &config,
	    err) < 0)
		goto fail;
	if (sqlite3_prepare_v2(e->db, "UPDATE instances SET base_image = ?, "
	    "architecture = ? WHERE id = ?", -1, &st, NULL) != SQLITE_OK) {
		err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
		goto fail;
	}
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, img.architecture, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	rc = db_commit(e->db, err);
	goto out;
fail:
	db_rollback(e->db);
out:
	image_free_contents(&img);
	strmap_free(&config);
	return rc;
}

static int
create_work(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	struct instance_job *j = arg;
	sqlite3_stmt *st = NULL;

	if (j->img_server != NULL) {
		struct image_remote r = {
			.server = j->img_server,
			.protocol = j->img_protocol,
			.certificate = j->img_certificate,
			.secret = j->img_secret,
		};

		if (image_cache_fetch(e, &r, j->img_ref, res, &j->fp, err) < 0 ||
		    create_set_image(e, j->name, j->fp, err) < 0)
			goto fail;
	}
	op_progress(res, "create_instance_from_image_unpack", "Unpack: 0%");
	if (storage_create(e, j->storage, j->name, j->copy_from ? NULL : j->fp,
	    err) < 0)
		goto fail;
	if (j->copy_from != NULL &&
	    storage_copy(e, j->storage, j->copy_from, j->copy_snap, j->name, err) < 0)
		goto fail;
	if (j->copy_from != NULL && j->copy_snap == NULL && !j->create.instance_only) {
		/* Copy the snapshots' files too; rows were copied by the caller. */
		char *from = engine_path(e, "snapshots/%s", j->copy_from);
		char *to = engine_path(e, "snapshots/%s", j->name);

		if (access(from, F_OK) == 0 && util_copy_tree(from, to, err) < 0) {
			free(from);
			free(to);
			goto fail;
		}
		free(from);
		free(to);
	}
	op_progress(res, "create_instance_from_image_unpack", "Unpack: 100%");
	if (instance_apply(e, j->name, err) < 0)
		goto fail;
	if (sqlite3_prepare_v2(e->db, "UPDATE instances SET phase = 'ready' WHERE "
	    "name = ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, j->name, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return 0;
fail:
	err_prefix(err, "Failed to create instance \"%s\"", j->name);
	storage_delete(e, j->name, NULL);
	instance_delete_rows(e, j->name);
	return -1;
}

static void
create_done(struct engine *e, struct op_info *op, void *arg)
{
	struct instance_job *j = arg;
	struct strmap ctx = { 0 };

	if (op->status != STATUS_SUCCESS)
		return;
	strmap_set(&ctx, "type", "container");
	strmap_set(&ctx, "storage-pool", "default");
	emit_for(e, "instance-created", j->name, &ctx);
	strmap_free(&ctx);
}

/* LXD-ish generated names: adjective-noun. */
static char *
instance_pick_name(struct engine *e)
{
	static const char *adj[] = { "brave", "calm", "eager", "fancy", "gentle",
	    "happy", "jolly", "keen", "lively", "merry", "noble", "proud", "quick",
	    "sunny", "witty" };
	static const char *noun[] = { "otter", "falcon", "badger", "heron", "lynx",
	    "marten", "osprey", "puffin", "raven", "stoat", "tern", "vole", "wren" };
	int64_t id;

	for (;;) {
		unsigned r = (unsigned)time_now_ns() ^ (unsigned)getpid();
		char *n = xasprintf("%s-%s", adj[r % ARRAY_SIZE(adj)],
		    noun[(r / 17) % ARRAY_SIZE(noun)]);

		if (instance_id(e, n, &id, NULL, NULL, NULL) < 0)
			return n;
		free(n);
	}
}

int
instance_op_create(struct engine *e, const struct instance_create *req,
    char **op_id, struct err *err)
{
	struct instance_job *j = xcalloc(1, sizeof *j);
	struct instance src = { 0 };
	struct image img = { 0 };
	struct strmap config = { 0 };
	struct devmap devices = { 0 };
	struct strv profiles = { 0 };
	struct profile *plist = NULL;
	sqlite3_stmt *st = NULL;
	int64_t id, src_id = 0;
	char *url = NULL, *phase = NULL;
	size_t i;
	int rc = -1;

	j->name = (req->name && *req->name) ? xstrdup(req->name) : instance_pick_name(e);
	j->storage = xstrdup(req->storage ? req->storage : storage_default_driver(e));
	j->create.instance_only = req->instance_only;
	if (name_validate_instance(j->name, err) < 0)
		goto fail;
	if (!storage_driver_valid(e, j->storage)) {
		err_set(err, 400, "Unknown or unsupported storage driver \"%s\"",
		    j->storage);
		goto fail;
	}
	if (instance_id(e, j->name, &id, NULL, NULL, NULL) == 0) {
		err_set(err, 409, "Instance \"%s\" already exists", j->name);
		goto fail;
	}
	strmap_copy(&config, &req->config);
	devmap_copy(&devices, &req->devices);
	if (req->has_profiles)
		strv_copy(&profiles, &req->profiles);
	switch (req->source) {
	case SOURCE_IMAGE:
		if (req->image == NULL || *req->image == '\0') {
			err_set(err, 400, "No image given");
			goto fail;
		}
		if (req->image_server != NULL && *req->image_server != '\0') {
			struct image_remote r = {
				.server = req->image_server,
				.protocol = req->image_protocol,
				.certificate = req->image_certificate,
				.secret = req->image_secret,
			};

			if (req->image_protocol != NULL && *req->image_protocol &&
			    strcmp(req->image_protocol, "simplestreams") != 0 &&
			    strcmp(req->image_protocol, "lxd") != 0) {
				err_set(err, 400, "Unknown image server protocol \"%s\"",
				    req->image_protocol);
				goto fail;
			}
			if (image_cache_find(e, &r, req->image, &j->fp) < 0) {
				/* Not cached: the helper pulls it (network). */
				if (engine_image_fetcher() == NULL) {
					err_set(err, 501, "Cannot reach image server "
					    "\"%s\" from this program",
					    req->image_server);
					goto fail;
				}
				j->img_server = xstrdup(req->image_server);
				j->img_protocol = xstrdup(req->image_protocol &&
				    *req->image_protocol ? req->image_protocol :
				    "simplestreams");
				j->img_certificate = xstrdup(req->image_certificate);
				j->img_secret = xstrdup(req->image_secret);
				j->img_ref = xstrdup(req->image);
				if (!req->has_profiles)
					strv_push(&profiles, "default");
				break;
			}
		} else if (image_resolve(e, req->image, &j->fp, err) < 0) {
			goto fail;
		}
		if (image_load(e, j->fp, &img, err) < 0)
			goto fail;
		image_cache_touch(e, j->fp);
		for (i = 0; i < img.properties.n; i++) {
			char *k = xasprintf("image.%s", img.properties.keys[i]);

			if (strmap_get(&config, k) == NULL)
				strmap_set(&config, k, img.properties.vals[i]);
			free(k);
		}
		strmap_set(&config, "volatile.base_image", j->fp);
		if (!req->has_profiles) {
			if (img.profiles.n > 0)
				strv_copy(&profiles, &img.profiles);
			else
				strv_push(&profiles, "default");
		}
		break;
	case SOURCE_COPY: {
		const char *slash = req->copy_from ? strchr(req->copy_from, '/') : NULL;

		if (req->copy_from == NULL || *req->copy_from == '\0') {
			err_set(err, 400, "No source instance given");
			goto fail;
		}
		j->copy_from = slash ? xstrndup(req->copy_from,
		    (size_t)(slash - req->copy_from)) : xstrdup(req->copy_from);
		j->copy_snap = slash ? xstrdup(slash + 1) : NULL;
		if (instance_load(e, j->copy_from, 0, &src, err) < 0) {
			err_prefix(err, "Source instance \"%s\"", j->copy_from);
			goto fail;
		}
		if (instance_id(e, j->copy_from, &src_id, &phase, &j->fp, err) < 0)
			goto fail;
		free(j->storage);
		j->storage = phase;	/* same driver as the source */
		phase = NULL;
		if (j->copy_snap != NULL) {
			struct snapshot snap = { 0 };

			if (snapshot_load(e, j->copy_from, j->copy_snap, &snap, err) < 0)
				goto fail;
			strmap_copy(&src.config, &snap.config);
			devmap_copy(&src.devices, &snap.devices);
			strv_copy(&src.profiles, &snap.profiles);
			snapshot_free_contents(&snap);
		}
		/* Local config without volatile keys but base_image. */
		for (i = 0; i < src.config.n; i++) {
			if (strncmp(src.config.keys[i], "volatile.", 9) == 0 &&
			    strcmp(src.config.keys[i], "volatile.base_image") != 0)
				continue;
			if (strmap_get(&config, src.config.keys[i]) == NULL)
				strmap_set(&config, src.config.keys[i], src.config.vals[i]);
		}
		for (i = 0; i < src.devices.n; i++)
			if (devmap_get(&devices, src.devices.names[i]) == NULL)
				devmap_set(&devices, src.devices.names[i],
				    &src.devices.props[i]);
		if (!req->has_profiles)
			strv_copy(&profiles, &src.profiles);
		break;
	}
	case SOURCE_NONE:
		if (!req->has_profiles)
			strv_push(&profiles, "default");
		break;
	}
	/* Validate what the user wrote (volatile/image keys are ours). */
	{
		struct strmap user = { 0 };

		for (i = 0; i < config.n; i++)
			if (strncmp(config.keys[i], "volatile.", 9) != 0 &&
			    strncmp(config.keys[i], "image.", 6) != 0)
				strmap_set(&user, config.keys[i], config.vals[i]);
		rc = config_validate(&user, CONFIG_INSTANCE, err);
		strmap_free(&user);
		rc = rc < 0 ? rc : devices_validate(&devices, CONFIG_INSTANCE, err);
		if (rc < 0) {
			rc = -1;
			goto fail;
		}
		rc = -1;
	}
	if (profile_load_list(e, &profiles, &plist, err) < 0)
		goto fail;
	{
		struct strmap xconfig = { 0 };
		struct devmap xdevices = { 0 };

		config_expand(plist, profiles.n, &config, &devices, &xconfig,
		    &xdevices);
		profile_array_free(plist, profiles.n);
		rc = idmap_check_instance(e, &xconfig, err);
		strmap_free(&xconfig);
		devmap_free(&xdevices);
		if (rc < 0)
			goto fail;
		rc = -1;
	}
	/* The row, marked as being created by this process. */
	if (db_begin(e->db, err) < 0)
		goto fail;
	phase = xasprintf("creating:%d", (int)getpid());
	if (sqlite3_prepare_v2(e->db, "INSERT INTO instances (name, description, "
	    "architecture, ephemeral, created_ns, storage, base_image, phase) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK) {
		err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
		db_rollback(e->db);
		goto fail;
	}
	sqlite3_bind_text(st, 1, j->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, req->description ? req->description : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 3, img.architecture && *img.architecture ?
	    img.architecture : e->arch, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, req->ephemeral ? 1 : 0);
	sqlite3_bind_int64(st, 5, time_now_ns());
	sqlite3_bind_text(st, 6, j->storage, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, j->fp ? j->fp : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, phase, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		err_set(err, sqlite3_errcode(e->db) == SQLITE_CONSTRAINT ? 409 : 500,
		    "Instance \"%s\" already exists", j->name);
		sqlite3_finalize(st);
		db_rollback(e->db);
		goto fail;
	}
	sqlite3_finalize(st);
	id = sqlite3_last_insert_rowid(e->db);
	{
		char uuid[40];
		FILE *f = fopen("/proc/sys/kernel/random/uuid", "r");

		if (f != NULL && fgets(uuid, sizeof uuid, f) != NULL) {
			uuid[strcspn(uuid, "\n")] = '\0';
			strmap_set(&config, "volatile.uuid", uuid);
		}
		if (f != NULL)
			fclose(f);
	}
	if (db_map_save(e->db, "instance_config", "instance_id", id, &config, err) < 0 ||
	    db_devices_save(e->db, "instance_devices", "instance_id", id, &devices,
	    err) < 0 || instance_profiles_save(e, id, &profiles, err) < 0 ||
	    (src_id != 0 && j->copy_snap == NULL && !req->instance_only &&
	    snapshot_copy_rows(e, src_id, id, err) < 0)) {
		db_rollback(e->db);
		goto fail;
	}
	if (db_commit(e->db, err) < 0)
		goto fail;
	url = xasprintf("/1.0/instances/%s", j->name);
	{
		char *url2 = j->copy_from ? xasprintf("/1.0/instances/%s", j->copy_from) :
		    NULL;
		struct op_spec spec = {
			.description = "Creating instance",
			.cls = OP_CLASS_TASK,
			.resource_type = "instances",
			.resource = url,
			.resource2 = url2,
			.work = create_work,
			.done = create_done,
			.free_arg = instance_job_free,
			.arg = j,
		};

		rc = op_start(e, &spec, op_id, err);
		free(url2);
	}
	if (rc < 0) {
		/* op_start's failure path has freed j: its name is in url. */
		instance_delete_rows(e, url + strlen("/1.0/instances/"));
	}
	j = NULL;
	goto out;
fail:
	err_prefix(err, "Failed to create instance \"%s\"", j->name);
	instance_job_free(j);
out:
	free(url);
	free(phase);
	instance_free_contents(&src);
	image_free_contents(&img);
	strmap_free(&config);
	devmap_free(&devices);
	strv_free(&profiles);
	return rc;
}

void
instance_recover(struct engine *e)
{
	struct strv dead = { 0 };
	sqlite3_stmt *st = NULL;
	size_t i;

	if (sqlite3_prepare_v2(e->db, "SELECT name, phase FROM instances WHERE phase "
	    "LIKE 'creating%'", -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *phase = (const char *)sqlite3_column_text(st, 1);
		int pid = atoi(phase + (strlen(phase) > 9 ? 9 : strlen(phase)));

		/* Still being made by a live process: leave it. */
		if (pid > 0 && kill(pid, 0) == 0)
			continue;
		strv_push(&dead, (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	for (i = 0; i < dead.n; i++) {
		log_warn("removing instance \"%s\", left half-made by a killed process",
		    dead.v[i]);
		storage_delete(e, dead.v[i], NULL);
		instance_delete_rows(e, dead.v[i]);
	}
	strv_free(&dead);
}

/* ---- update ---- */

static int
update_work(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	struct instance_job *j = arg;

	return instance_apply(e, j->name, err);
}

static void
update_done(struct engine *e, struct op_info *op, void *arg)
{
	struct instance_job *j = arg;

	if (op->status == STATUS_SUCCESS)
		emit_for(e, "instance-updated", j->name, NULL);
}

int
instance_op_update(struct engine *e, const char *name,
    const struct instance_put *put, char **op_id, struct err *err)
{
	struct instance cur = { 0 };
	struct strmap user = { 0 }, config = { 0 };
	struct profile *plist = NULL;
	struct instance_job *j;
	sqlite3_stmt *st = NULL;
	char *url;
	int64_t id;
	size_t i;
	int rc = -1;

	if (instance_load(e, name, 0, &cur, err) < 0)
		return -1;
	instance_id(e, name, &id, NULL, NULL, NULL);
	for (i = 0; i < put->config.n; i++) {
		const char *k = put->config.keys[i];

		if (strncmp(k, "volatile.", 9) == 0 || strncmp(k, "image.", 6) == 0)
			continue;
		if (put->config.vals[i][0] != '\0')
			strmap_set(&user, k, put->config.vals[i]);
	}
	if (config_validate(&user, CONFIG_INSTANCE, err) < 0 ||
	    devices_validate(&put->devices, CONFIG_INSTANCE, err) < 0 ||
	    profile_load_list(e, &put->profiles, &plist, err) < 0)
		goto out;
	{
		struct strmap xconfig = { 0 };
		struct devmap xdevices = { 0 };

		config_expand(plist, put->profiles.n, &user, &put->devices,
		    &xconfig, &xdevices);
		profile_array_free(plist, put->profiles.n);
		rc = idmap_check_instance(e, &xconfig, err);
		strmap_free(&xconfig);
		devmap_free(&xdevices);
		if (rc < 0)
			goto out;
		rc = -1;
	}
	/* volatile.* keys are the engine's: keep ours whatever was sent. */
	strmap_copy(&config, &user);
	for (i = 0; i < put->config.n; i++)
		if (strncmp(put->config.keys[i], "image.", 6) == 0)
			strmap_set(&config, put->config.keys[i], put->config.vals[i]);
	for (i = 0; i < cur.config.n; i++)
		if (strncmp(cur.config.keys[i], "volatile.", 9) == 0)
			strmap_set(&config, cur.config.keys[i], cur.config.vals[i]);
	if (db_begin(e->db, err) < 0)
		goto out;
	if (sqlite3_prepare_v2(e->db, "UPDATE instances SET description = ?, "
	    "ephemeral = ? WHERE id = ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, put->description ? put->description : "", -1,
		    SQLITE_STATIC);
		sqlite3_bind_int(st, 2, put->ephemeral ? 1 : 0);
		sqlite3_bind_int64(st, 3, id);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (db_map_save(e->db, "instance_config", "instance_id", id, &config, err) < 0 ||
	    db_devices_save(e->db, "instance_devices", "instance_id", id,
	    &put->devices, err) < 0 ||
	    instance_profiles_save(e, id, &put->profiles, err) < 0) {
		db_rollback(e->db);
		goto out;
	}
	if (db_commit(e->db, err) < 0)
		goto out;
	j = xcalloc(1, sizeof *j);
	j->name = xstrdup(name);
	url = xasprintf("/1.0/instances/%s", name);
	{
		struct op_spec spec = {
			.description = "Updating instance",
			.cls = OP_CLASS_TASK,
			.resource_type = "instances",
			.resource = url,
			.in_process = true,
			.work = update_work,
			.done = update_done,
			.free_arg = instance_job_free,
			.arg = j,
		};

		rc = op_start(e, &spec, op_id, err);
	}
	free(url);
out:
	if (rc < 0)
		err_prefix(err, "Failed to update instance \"%s\"", name);
	instance_free_contents(&cur);
	strmap_free(&user);
	strmap_free(&config);
	return rc;
}

/* ---- start, stop, restart, freeze, unfreeze ---- */

static int
action_work(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	struct instance_job *j = arg;
	const char *a = j->action;
	struct lxc_container *c;
	int rc = 0;

	if (strcmp(a, "start") == 0)
		return instance_do_start(e, j->name, err);
	if (strcmp(a, "stop") == 0)
		return instance_do_stop(e, j->name, j->timeout, j->force, err);
	if (strcmp(a, "restart") == 0) {
		if (instance_do_stop(e, j->name, j->timeout, j->force, err) < 0)
			return -1;
		return instance_do_start(e, j->name, err);
	}
	c = instance_lxc(e, j->name);
	if (strcmp(a, "freeze") == 0) {
		if (lxc_state_code(c) != STATUS_RUNNING)
			rc = err_set(err, 400, "The instance isn't running");
		else if (!c->freeze(c))
			rc = err_set(err, 500, "Failed to freeze instance \"%s\"", j->name);
	} else {
		if (lxc_state_code(c) != STATUS_FROZEN)
			rc = err_set(err, 400, "The instance is not frozen");
		else if (!c->unfreeze(c))
			rc = err_set(err, 500, "Failed to unfreeze instance \"%s\"",
			    j->name);
	}
	lxc_container_put(c);
	return rc;
}

static int delete_work(struct engine *, void *, struct op_result *, struct err *);

static void
action_done(struct engine *e, struct op_info *op, void *arg)
{
	struct instance_job *j = arg;
	const char *a = j->action, *ev;

	if (op->status != STATUS_SUCCESS)
		return;
	ev = strcmp(a, "start") == 0 ? "instance-started" :
	    strcmp(a, "stop") == 0 ? (j->force ? "instance-stopped" : "instance-shutdown") :
	    strcmp(a, "restart") == 0 ? "instance-restarted" :
	    strcmp(a, "freeze") == 0 ? "instance-paused" : "instance-resumed";
	emit_for(e, ev, j->name, NULL);
	if (strcmp(a, "start") == 0 || strcmp(a, "restart") == 0 ||
	    strcmp(a, "unfreeze") == 0)
		watch_instance(e, j->name);
	if (strcmp(a, "stop") == 0 && j->ephemeral) {
		struct err derr = { 0 };

		/* Ephemeral: gone when stopped. */
		if (delete_work(e, j, NULL, &derr) == 0)
			emit_for(e, "instance-deleted", j->name, NULL);
		else
			log_warn("%s", derr.msg);
	}
}

int
instance_op_action(struct engine *e, const char *name, const char *action,
    int timeout, bool force, bool stateful, char **op_id, struct err *err)
{
	static const char *descr[][2] = {
		{ "start", "Starting instance" }, { "stop", "Stopping instance" },
		{ "restart", "Restarting instance" }, { "freeze", "Freezing instance" },
		{ "unfreeze", "Unfreezing instance" },
	};
	struct instance cur = { 0 };
	struct instance_job *j;
	const char *d = NULL;
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(descr); i++)
		if (strcmp(descr[i][0], action) == 0)
			d = descr[i][1];
	if (d == NULL)
		return err_set(err, 400, "Unknown action \"%s\"", action);
	if (stateful && !snapshot_stateful_supported(e))
		return err_set(err, 400, "Stateful %s of instance \"%s\" is not "
		    "supported on this host: %s", action, name, e->criu_reason);
	if (instance_load(e, name, 0, &cur, err) < 0)
		return -1;
	/* The cheap checks now, so they come back as plain errors. */
	rc = 0;
	if (strcmp(action, "start") == 0 && cur.status == STATUS_RUNNING)
		rc = err_set(err, 400, "The instance is already running");
	else if (strcmp(action, "start") == 0 && cur.status == STATUS_FROZEN)
		rc = err_set(err, 400, "Instance \"%s\" is frozen; unfreeze it instead",
		    name);
	else if ((strcmp(action, "stop") == 0 || strcmp(action, "restart") == 0) &&
	    cur.status == STATUS_STOPPED)
		rc = err_set(err, 400, "The instance is already stopped");
	else if (strcmp(action, "freeze") == 0 && cur.status != STATUS_RUNNING)
		rc = err_set(err, 400, "The instance isn't running");
	else if (strcmp(action, "unfreeze") == 0 && cur.status != STATUS_FROZEN)
		rc = err_set(err, 400, "The instance is not frozen");
	if (rc < 0) {
		instance_free_contents(&cur);
		return -1;
	}
	j = xcalloc(1, sizeof *j);
	j->name = xstrdup(name);
	j->action = xstrdup(action);
	j->timeout = timeout;
	j->force = force;
	j->ephemeral = cur.ephemeral;
	instance_free_contents(&cur);
	return instance_job_start(e, name, d, action_work, action_done,
	    j, op_id, err);
}

/* ---- delete, rename ---- */

static int
delete_work(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	struct instance_job *j = arg;
	struct instance in = { 0 };

	if (instance_load(e, j->name, 0, &in, NULL) == 0) {
		network_release_instance(&in);
		instance_free_contents(&in);
	}
	if (storage_delete(e, j->name, err) < 0)
		return err_prefix(err, "Failed to delete instance \"%s\"", j->name);
	instance_delete_rows(e, j->name);
	return 0;
}

static void
delete_done(struct engine *e, struct op_info *op, void *arg)
{
	struct instance_job *j = arg;

	if (op->status == STATUS_SUCCESS)
		emit_for(e, "instance-deleted", j->name, NULL);
}

int
instance_op_delete(struct engine *e, const char *name, char **op_id,
    struct err *err)
{
	struct instance cur = { 0 };
	struct instance_job *j;
	const char *prot;
	bool protect = false;

	if (instance_load(e, name, 0, &cur, err) < 0)
		return -1;
	prot = strmap_get(&cur.expanded_config, "security.protection.delete");
	if (prot != NULL)
		config_parse_bool(prot, &protect);
	if (cur.status == STATUS_RUNNING || cur.status == STATUS_FROZEN) {
		instance_free_contents(&cur);
		return err_set(err, 400, "Instance \"%s\" is running, stop it first",
		    name);
	}
	instance_free_contents(&cur);
	if (protect)
		return err_set(err, 400, "Instance \"%s\" is protected from deletion "
		    "(security.protection.delete)", name);
	j = xcalloc(1, sizeof *j);
	j->name = xstrdup(name);
	return instance_job_start(e, name, "Deleting instance", delete_work, delete_done,
	    j, op_id, err);
}

static int
rename_work(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	struct instance_job *j = arg;
	sqlite3_stmt *st = NULL;
	int rc;

	if (storage_rename(e, j->name, j->newname, err) < 0)
		return -1;
	if (sqlite3_prepare_v2(e->db, "UPDATE instances SET name = ? WHERE name = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	sqlite3_bind_text(st, 1, j->newname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, j->name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		storage_rename(e, j->newname, j->name, NULL);
		return err_set(err, 409, "Instance \"%s\" already exists", j->newname);
	}
	return instance_apply(e, j->newname, err);
}

static void
rename_done(struct engine *e, struct op_info *op, void *arg)
{
	struct instance_job *j = arg;
	struct strmap ctx = { 0 };

	if (op->status != STATUS_SUCCESS)
		return;
	strmap_set(&ctx, "old_name", j->name);
	emit_for(e, "instance-renamed", j->newname, &ctx);
	strmap_free(&ctx);
}

int
instance_op_rename(struct engine *e, const char *name, const char *newname,
    char **op_id, struct err *err)
{
	struct instance_job *j;
	int64_t id;

	if (name_validate_instance(newname, err) < 0)
		return -1;
	if (instance_id(e, name, &id, NULL, NULL, err) < 0)
		return -1;
	if (instance_id(e, newname, &id, NULL, NULL, NULL) == 0)
		return err_set(err, 409, "Instance \"%s\" already exists", newname);
	if (instance_is_running(e, name))
		return err_set(err, 400, "Instance \"%s\" is running, stop it before "
		    "renaming it", name);
	j = xcalloc(1, sizeof *j);
	j->name = xstrdup(name);
	j->newname = xstrdup(newname);
	return instance_job_start(e, name, "Renaming instance", rename_work, rename_done,
	    j, op_id, err);
}
