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
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

static bool
dnsmasq_running(const char *pidfile)
{
	char *text = util_read_file(pidfile, NULL);
	char *comm = NULL, *cpath;
	bool ok = false;
	int pid;

	if (text == NULL)
		return false;
	pid = atoi(text);
	free(text);
	if (pid <= 0 || kill(pid, 0) < 0)
		return false;
	cpath = xasprintf("/proc/%d/comm", pid);
	comm = util_read_file(cpath, NULL);
	ok = comm != NULL && strncmp(comm, "dnsmasq", 7) == 0;
	free(cpath);
	free(comm);
	return ok;
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
	int rc = -1;

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
	if (!dnsmasq_running(pidfile)) {
		char base[32];
		const char *argv[20];
		int n = 0;

		snprintf(base, sizeof base, "%s", addr);
		*strrchr(base, '.') = '\0';
		range = xasprintf("--dhcp-range=%s.2,%s.254,1h", base, base);
		listen = xasprintf("--listen-address=%s", addr);
		pidopt = xasprintf("--pid-file=%s", pidfile);
		leaseopt = xasprintf("--dhcp-leasefile=%s", leases);
		argv[n++] = "dnsmasq";
		argv[n++] = "--conf-file=/dev/null";
		argv[n++] = "--strict-order";
		argv[n++] = "--bind-interfaces";
		argv[n++] = "--except-interface=lo";
		argv[n++] = xasprintf("--interface=%s", bridge);
		argv[n++] = listen;
		argv[n++] = range;
		argv[n++] = "--no-ping";	/* no 1-3 s probe before each offer */
		argv[n++] = "--dhcp-rapid-commit";
		argv[n++] = "--dhcp-no-override";
		argv[n++] = "--dhcp-authoritative";
		argv[n++] = pidopt;
		argv[n++] = leaseopt;
		argv[n++] = "--user=root";
		argv[n] = NULL;
		rc = util_run(argv, err);
		free((char *)argv[5]);
		if (rc < 0) {
			err_prefix(err, "Failed to start dnsmasq on bridge \"%s\"", bridge);
			goto out;
		}
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
