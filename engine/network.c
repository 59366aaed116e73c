/*
 * network.c - the engine's default bridge and its DHCP/DNS server.
 *
 * Like LXD's lxdbr0, lxdeckbr0 is a Linux bridge with a private IPv4 /24
 * of its own and a dnsmasq serving DHCP and DNS on it, so containers get
 * addresses the list can show.  The subnet is picked on first use from
 * 10.0.0.0/8 so that it collides with no route the host has, and kept in
 * the server config (network.<bridge>.ipv4.address) so it never moves.
 * The bridge and dnsmasq are created on first use and outlive the
 * processes that use the engine; each start checks they are still there.
 * NAT (ipv4.nat) is not done yet: containers reach the host and each other.
 *
 * dnsmasq answers whatever a container sends, so it does not keep root:
 * as LXD's does, it opens its sockets and its lease file as root and then
 * runs as an unprivileged user (network_dnsmasq_ids), keeping only the
 * network capabilities DHCP needs.  Its files stay root's: /run/lxdeck
 * and the lease file (written through the fd it opened as root) are
 * root's, 0755 and 0644, and the pid file it hands to its user is given
 * back to root.  A dnsmasq still running as root (started by an older
 * lxdeck) is replaced.  Starting it is serialised by a lock beside it, so
 * two engines that find none start one, not two that fight for the port.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"

bool
network_bridge_exists(const char *bridge)
{
	char *p = xasprintf("/sys/class/net/%s/bridge", bridge);
	bool ok = access(p, F_OK) == 0;

	free(p);
	return ok;
}

/* "10.1.2.1/24" of an interface, read without running ip(8). */
static char *
bridge_ipv4(const char *bridge)
{
	struct ifaddrs *ifa = NULL, *i;
	char *out = NULL;

	if (getifaddrs(&ifa) < 0)
		return NULL;
	for (i = ifa; i != NULL && out == NULL; i = i->ifa_next) {
		char addr[INET_ADDRSTRLEN];
		const unsigned char *m;
		int bits = 0, k;

		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, bridge) != 0 || i->ifa_netmask == NULL)
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, addr,
		    sizeof addr);
		m = (const unsigned char *)&((struct sockaddr_in *)i->ifa_netmask)->sin_addr;
		for (k = 0; k < 4; k++)
			bits += __builtin_popcount(m[k]);
		out = xasprintf("%s/%d", addr, bits);
	}
	freeifaddrs(ifa);
	return out;
}

static char *
config_value(struct engine *e, const char *key)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	if (sqlite3_prepare_v2(e->db, "SELECT value FROM config WHERE key = ?", -1,
	    &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static void
config_store(struct engine *e, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(e->db, "INSERT OR REPLACE INTO config (key, value) "
	    "VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* A 10.x.y.1/24 that no host route or address already covers. */
static char *
pick_subnet(const char *bridge, struct err *err)
{
	const char *argv[] = { "ip", "-4", "route", "show", "table", "all", NULL };
	const char *argv2[] = { "ip", "-4", "addr", NULL };
	char *routes = NULL, *addrs = NULL, *found = NULL;
	unsigned h = 5381;
	const char *p;
	int i;

	if (util_run_output(argv, &routes, err) < 0)
		return NULL;
	if (util_run_output(argv2, &addrs, err) < 0) {
		free(routes);
		return NULL;
	}
	for (p = bridge; *p != '\0'; p++)
		h = h * 33 + (unsigned char)*p;
	for (i = 0; i < 200 && found == NULL; i++) {
		unsigned x = 100 + (h + (unsigned)i) % 150, y = (h / 7 + (unsigned)i * 13) % 250;
		char net[32], wide[32];

		snprintf(net, sizeof net, "10.%u.%u.", x, y);
		snprintf(wide, sizeof wide, "10.%u.0.0/16", x);
		if (strstr(routes, net) || strstr(addrs, net) ||
		    strstr(routes, wide) || strstr(routes, "10.0.0.0/8"))
			continue;
		found = xasprintf("10.%u.%u.1/24", x, y);
	}
	free(routes);
	free(addrs);
	if (found == NULL)
		err_set(err, 500, "No free private subnet for bridge \"%s\"", bridge);
	return found;
}

/* The pid of the dnsmasq the pid file names, if it runs; else 0. */
static pid_t
dnsmasq_pid(const char *pidfile)
{
	char *text = util_read_file(pidfile, NULL);
	char *comm = NULL, *cpath;
	int pid;

	if (text == NULL)
		return 0;
	pid = atoi(text);
	free(text);
	if (pid <= 0 || kill(pid, 0) < 0)
		return 0;
	cpath = xasprintf("/proc/%d/comm", pid);
	comm = util_read_file(cpath, NULL);
	if (comm == NULL || strncmp(comm, "dnsmasq", 7) != 0)
		pid = 0;
	free(cpath);
	free(comm);
	return pid;
}

/* The effective uid of a process, from /proc/PID/status; -1 if gone. */
static long
dnsmasq_euid(pid_t pid)
{
	char *path = xasprintf("/proc/%d/status", (int)pid);
	char *text = util_read_file(path, NULL), *uid;
	long euid = -1;

	free(path);
	if (text != NULL && (uid = strstr(text, "\nUid:")) != NULL)
		sscanf(uid + 5, "%*d %ld", &euid);
	free(text);
	return euid;
}

/*
 * Who dnsmasq runs as.  LXD takes "lxd" (else "nobody") and group "lxd"
 * (else "nogroup"); here the user is the one Debian's dnsmasq-base makes
 * for it, "dnsmasq", else "nobody": a uid of its own, so no other daemon
 * running as nobody may signal it.  The group is "nogroup" (else
 * "nobody"), never one that opens lxdeckd's socket (LXD's "lxd" group
 * would).  NULL when the host has none: dnsmasq then drops to its own
 * compiled-in default.
 */
static void
network_dnsmasq_ids(const char **user, const char **group)
{
	static const char *const users[] = { "dnsmasq", "nobody" };
	static const char *const groups[] = { "nogroup", "nobody" };
	size_t i;

	*user = *group = NULL;
	for (i = 0; i < ARRAY_SIZE(users) && *user == NULL; i++)
		if (getpwnam(users[i]) != NULL)
			*user = users[i];
	for (i = 0; i < ARRAY_SIZE(groups) && *group == NULL; i++)
		if (getgrnam(groups[i]) != NULL)
			*group = groups[i];
}

/* The lease file exists, is root's and 0644 before dnsmasq opens it (it
 * creates it with the caller's umask otherwise). */
static int
network_leases_prepare(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fchown(fd, 0, 0) < 0 || fchmod(fd, 0644) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Stops a dnsmasq and waits (at most 5 s) until it is gone. */
static void
dnsmasq_stop(pid_t pid)
{
	int i;

	kill(pid, SIGTERM);
	for (i = 0; i < 500 && kill(pid, 0) == 0; i++) {
		char *path = xasprintf("/proc/%d/stat", (int)pid);
		char *st = util_read_file(path, NULL), *rp;

		free(path);
		/* a zombie (ours, if we started it in this process) is gone */
		rp = st != NULL ? strrchr(st, ')') : NULL;
		if (rp != NULL && rp[1] == ' ' && rp[2] == 'Z') {
			free(st);
			break;
		}
		free(st);
		usleep(10000);
	}
}

char *
network_leases_path(const char *bridge)
{
	return xasprintf("/run/lxdeck/dnsmasq.%s.leases", bridge);
}

char *
network_ipv4(struct engine *e, const char *bridge)
{
	char *key, *cidr;

	if (network_bridge_exists(bridge) &&
	    (cidr = bridge_ipv4(bridge)) != NULL)
		return cidr;
	key = xasprintf("network.%s.ipv4.address", bridge);
	cidr = config_value(e, key);
	free(key);
	return cidr;
}

int
network_ensure(struct engine *e, const char *bridge, struct err *err)
{
	char *key = xasprintf("network.%s.ipv4.address", bridge);
	char *cidr = config_value(e, key), *addr = NULL, *slash;
	/* The bridge is the host's, whatever LXDECK_DIR: so is its dnsmasq. */
	char *pidfile = xasprintf("/run/lxdeck/dnsmasq.%s.pid", bridge);
	char *leases = network_leases_path(bridge);
	char *range = NULL, *listen = NULL, *pidopt = NULL, *leaseopt = NULL;
	char *iface = NULL, *lockpath = NULL, *useropt = NULL, *groupopt = NULL;
	int rc = -1, lockfd = -1;
	pid_t pid;

	util_mkdir_p("/run/lxdeck", 0755);
	if (network_bridge_exists(bridge)) {
		/* Made earlier (maybe by another LXDECK_DIR): use its address. */
		char *have = bridge_ipv4(bridge);

		if (have != NULL) {
			free(cidr);
			cidr = have;
		}
	}
	if (cidr == NULL) {
		cidr = pick_subnet(bridge, err);
		if (cidr == NULL)
			goto out;
		config_store(e, key, cidr);
	}
	addr = xstrdup(cidr);
	slash = strchr(addr, '/');
	if (slash != NULL)
		*slash = '\0';
	if (!network_bridge_exists(bridge)) {
		const char *add[] = { "ip", "link", "add", bridge, "type", "bridge", NULL };
		const char *ip[] = { "ip", "addr", "add", cidr, "dev", bridge, NULL };
		const char *up[] = { "ip", "link", "set", bridge, "up", NULL };

		if (util_run(add, err) < 0 && !network_bridge_exists(bridge)) {
			err_prefix(err, "Failed to create bridge \"%s\"", bridge);
			goto out;
		}
		util_run(ip, NULL);	/* may already be there */
		if (util_run(up, err) < 0) {
			err_prefix(err, "Failed to bring bridge \"%s\" up", bridge);
			goto out;
		}
		log_info("created bridge %s with %s", bridge, cidr);
	}
	lockpath = xasprintf("/run/lxdeck/dnsmasq.%s.lock", bridge);
	lockfd = open(lockpath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lockfd >= 0)
		while (flock(lockfd, LOCK_EX) < 0 && errno == EINTR)
			;
	pid = dnsmasq_pid(pidfile);
	if (pid > 0 && dnsmasq_euid(pid) == 0) {
		log_info("dnsmasq on bridge %s runs as root: restarting it "
		    "unprivileged", bridge);
		dnsmasq_stop(pid);
		pid = 0;
	}
	if (pid == 0) {
		const char *user, *group;
		char base[32];
		const char *argv[24];
		int n = 0;

		network_dnsmasq_ids(&user, &group);
		if ((rc = network_leases_prepare(leases)) < 0) {
			err_set(err, 500, "Failed to start dnsmasq on bridge \"%s\": "
			    "%s: %s", bridge, leases, strerror(-rc));
			rc = -1;
			goto out;
		}
		unlink(pidfile);
		snprintf(base, sizeof base, "%s", addr);
		*strrchr(base, '.') = '\0';
		range = xasprintf("--dhcp-range=%s.2,%s.254,1h", base, base);
		listen = xasprintf("--listen-address=%s", addr);
		pidopt = xasprintf("--pid-file=%s", pidfile);
		leaseopt = xasprintf("--dhcp-leasefile=%s", leases);
		iface = xasprintf("--interface=%s", bridge);
		argv[n++] = "dnsmasq";
		argv[n++] = "--conf-file=/dev/null";
		argv[n++] = "--strict-order";
		argv[n++] = "--bind-interfaces";
		argv[n++] = "--except-interface=lo";
		argv[n++] = iface;
		argv[n++] = listen;
		argv[n++] = range;
		argv[n++] = "--no-ping";	/* no 1-3 s probe before each offer */
		argv[n++] = "--dhcp-rapid-commit";
		argv[n++] = "--dhcp-no-override";
		argv[n++] = "--dhcp-authoritative";
		argv[n++] = pidopt;
		argv[n++] = leaseopt;
		/* optional arguments for dnsmasq: "--user X" is junk to it */
		if (user != NULL)
			argv[n++] = useropt = xasprintf("--user=%s", user);
		if (group != NULL)
			argv[n++] = groupopt = xasprintf("--group=%s", group);
		argv[n] = NULL;
		rc = util_run(argv, err);
		if (rc < 0) {
			err_prefix(err, "Failed to start dnsmasq on bridge \"%s\"", bridge);
			goto out;
		}
		/* It wrote its pid file as root, then gave it to its user. */
		if (chown(pidfile, 0, 0) < 0)
			log_warn("dnsmasq on bridge %s: chown %s: %s", bridge, pidfile,
			    strerror(errno));
	}
	rc = 0;
out:
	free(key);
	free(cidr);
	free(addr);
	free(pidfile);
	free(leases);
	free(range);
	free(listen);
	free(pidopt);
	free(leaseopt);
	free(iface);
	free(useropt);
	free(groupopt);
	free(lockpath);
	if (lockfd >= 0)
		close(lockfd);		/* and with it the lock */
	return rc;
}

/*
 * Gives the address leased to mac back to dnsmasq, as LXD does when an
 * instance goes away: leases live an hour and a /24 holds 253 of them, so
 * instances that come and go would otherwise exhaust the bridge.
 */
void
network_release(const char *bridge, const char *mac)
{
	char *path = network_leases_path(bridge);
	char *text = util_read_file(path, NULL), *line, *save = NULL;

	free(path);
	if (text == NULL || mac == NULL)
		goto out;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char lmac[64], ip[64];

		/* expiry mac ip hostname client-id */
		if (sscanf(line, "%*s %63s %63s", lmac, ip) == 2 &&
		    strcasecmp(lmac, mac) == 0) {
			const char *argv[] = { "dhcp_release", bridge, ip, lmac, NULL };

			if (util_run(argv, NULL) < 0)
				log_warn("could not release %s (%s) on %s", ip, mac, bridge);
		}
	}
out:
	free(text);
}

void
network_release_instance(const struct instance *in)
{
	size_t i;

	for (i = 0; i < in->expanded_devices.n; i++) {
		const struct strmap *d = &in->expanded_devices.props[i];
		const char *type = strmap_get(d, "type");
		const char *net = strmap_get(d, "network");
		const char *mac = strmap_get(d, "hwaddr");
		char *key;

		if (type == NULL || strcmp(type, "nic") != 0)
			continue;
		if (net == NULL)
			net = strmap_get(d, "parent");
		if (net == NULL)
			continue;
		key = xasprintf("volatile.%s.hwaddr", in->expanded_devices.names[i]);
		if (mac == NULL)
			mac = strmap_get(&in->config, key);
		free(key);
		if (mac != NULL)
			network_release(net, mac);
	}
}

int
network_prefix_len(const struct sockaddr *mask)
{
	const unsigned char *m;
	size_t len, i;
	int bits = 0;

	if (mask == NULL)
		return 0;
	if (mask->sa_family == AF_INET) {
		m = (const unsigned char *)&((const struct sockaddr_in *)mask)->sin_addr;
		len = 4;
	} else {
		m = (const unsigned char *)&((const struct sockaddr_in6 *)mask)->sin6_addr;
		len = 16;
	}
	for (i = 0; i < len; i++)
		bits += __builtin_popcount(m[i]);
	return bits;
}
