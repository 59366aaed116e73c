/*
 * network-info.c - the networks as `lxc network` shows them.
 *
 * As LXD does, the list is the host's interfaces (containers' veths left
 * out) with the server's own bridge (ENGINE_BRIDGE, network.c) first and
 * marked managed: its config is what network.c gave it (its /24, no NAT,
 * no IPv6) and used_by names the profiles, then the instances, whose NICs
 * are on it.  State comes from sysfs and getifaddrs(3), the leases from
 * the bridge's dnsmasq lease file, each named after the instance whose
 * NIC has that MAC address, after a "gateway" entry for the bridge itself.
 * Everything is read when asked: nothing here is cached.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "engine.h"

/* /sys/class/net/IF/FILE as text without its newline, or NULL. */
static char *
network_info_sys(const char *ifname, const char *file)
{
	char *path = xasprintf("/sys/class/net/%s/%s", ifname, file);
	char *text = util_read_file(path, NULL);

	free(path);
	if (text != NULL)
		text[strcspn(text, "\n")] = '\0';
	return text;
}

static int64_t
network_info_sys_int(const char *ifname, const char *file, int base)
{
	char *text = network_info_sys(ifname, file);
	int64_t v = text != NULL ? strtoll(text, NULL, base) : 0;

	free(text);
	return v;
}

static bool
network_info_has(const char *ifname, const char *file)
{
	char *path = xasprintf("/sys/class/net/%s/%s", ifname, file);
	bool ok = access(path, F_OK) == 0;

	free(path);
	return ok;
}

static const char *
network_info_type(const char *ifname)
{
	char vlan[IF_NAMESIZE + 16];

	snprintf(vlan, sizeof vlan, "/proc/net/vlan/%s", ifname);
	if (network_info_sys_int(ifname, "flags", 16) & IFF_LOOPBACK)
		return "loopback";
	if (network_bridge_exists(ifname))
		return "bridge";
	if (network_info_has(ifname, "bonding"))
		return "bond";
	if (access(vlan, F_OK) == 0)
		return "vlan";
	if (network_info_has(ifname, "device"))
		return "physical";
	return "unknown";
}

/* Does one of the devices put a NIC on network `name`? */
static bool
network_info_devices_use(const struct devmap *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		const char *type = strmap_get(&d->props[i], "type");
		const char *net = strmap_get(&d->props[i], "network");
		const char *parent = strmap_get(&d->props[i], "parent");

		if (type != NULL && strcmp(type, "nic") == 0 &&
		    ((net != NULL && strcmp(net, name) == 0) ||
		    (parent != NULL && strcmp(parent, name) == 0)))
			return true;
	}
	return false;
}

static void
network_info_used_by(struct engine *e, const char *name, struct strv *out)
{
	struct profile *pl = NULL;
	struct instance *il = NULL;
	struct err err = { 0 };
	size_t n = 0, i;

	if (profile_load_all(e, &pl, &n, &err) == 0) {
		for (i = 0; i < n; i++) {
			if (network_info_devices_use(&pl[i].devices, name)) {
				char *u = xasprintf("/1.0/profiles/%s", pl[i].name);

				strv_push(out, u);
				free(u);
			}
		}
		profile_array_free(pl, n);
	}
	if (instance_load_all(e, 0, &il, &n, &err) == 0) {
		for (i = 0; i < n; i++) {
			if (network_info_devices_use(&il[i].expanded_devices, name)) {
				char *u = xasprintf("/1.0/instances/%s", il[i].name);

				strv_push(out, u);
				free(u);
			}
		}
		instance_array_free(il, n);
	}
}

static void
network_info_managed(struct engine *e, struct network *nw)
{
	char *cidr = network_ipv4(e, ENGINE_BRIDGE);

	nw->name = xstrdup(ENGINE_BRIDGE);
	nw->description = xstrdup("");
	nw->type = xstrdup("bridge");
	nw->managed = true;
	/* Made at the first start of an instance on it (network_ensure). */
	nw->status = xstrdup(network_bridge_exists(ENGINE_BRIDGE) ?
	    "Created" : "Pending");
	if (cidr != NULL)
		strmap_set(&nw->config, "ipv4.address", cidr);
	strmap_set(&nw->config, "ipv4.nat", "false");
	strmap_set(&nw->config, "ipv6.address", "none");
	network_info_used_by(e, ENGINE_BRIDGE, &nw->used_by);
	free(cidr);
}

struct network_info_iface {
	char	*name;
	int64_t	 ifindex;
};

static int
network_info_iface_cmp(const void *a, const void *b)
{
	const struct network_info_iface *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

int
network_info_list(struct engine *e, struct network **out, size_t *n,
    struct err *err)
{
	struct network_info_iface *ifs = NULL;
	size_t nifs = 0, i, k;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	d = opendir("/sys/class/net");
	if (d == NULL)
		return err_set(err, 500, "Failed to list the host's network "
		    "interfaces: %s", strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strncmp(de->d_name, "veth", 4) == 0 ||
		    strcmp(de->d_name, ENGINE_BRIDGE) == 0)
			continue;
		ifs = xreallocarray(ifs, nifs + 1, sizeof *ifs);
		ifs[nifs].name = xstrdup(de->d_name);
		ifs[nifs].ifindex = network_info_sys_int(de->d_name, "ifindex", 10);
		nifs++;
	}
	closedir(d);
	qsort(ifs, nifs, sizeof *ifs, network_info_iface_cmp);
	*out = xcalloc(nifs + 1, sizeof **out);
	network_info_managed(e, &(*out)[0]);
	for (i = 0, k = 1; i < nifs; i++, k++) {
		struct network *nw = &(*out)[k];

		nw->name = ifs[i].name;
		nw->description = xstrdup("");
		nw->type = xstrdup(network_info_type(ifs[i].name));
		nw->status = xstrdup("");
	}
	free(ifs);
	*n = nifs + 1;
	return 0;
}

static const char *
network_info_scope(const struct sockaddr *a)
{
	if (a->sa_family == AF_INET) {
		uint32_t v = ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr);

		if ((v >> 24) == 127)
			return "local";
		if ((v >> 16) == 0xa9fe)
			return "link";
		return "global";
	} else {
		const struct in6_addr *v = &((const struct sockaddr_in6 *)a)->sin6_addr;

		if (IN6_IS_ADDR_LOOPBACK(v))
			return "local";
		if (IN6_IS_ADDR_LINKLOCAL(v))
			return "link";
		return "global";
	}
}

static void
network_info_addresses(const char *ifname, struct network_state *st)
{
	struct ifaddrs *ifa = NULL, *i;

	if (getifaddrs(&ifa) < 0)
		return;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		struct network_address *a;
		char text[INET6_ADDRSTRLEN];
		const void *bin;

		if (i->ifa_addr == NULL || strcmp(i->ifa_name, ifname) != 0 ||
		    (i->ifa_addr->sa_family != AF_INET &&
		    i->ifa_addr->sa_family != AF_INET6))
			continue;
		bin = i->ifa_addr->sa_family == AF_INET ?
		    (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr :
		    (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		if (inet_ntop(i->ifa_addr->sa_family, bin, text, sizeof text) == NULL)
			continue;
		st->addresses = xreallocarray(st->addresses, st->naddresses + 1,
		    sizeof *st->addresses);
		a = &st->addresses[st->naddresses++];
		a->family = xstrdup(i->ifa_addr->sa_family == AF_INET ? "inet" : "inet6");
		a->address = xstrdup(text);
		a->netmask = network_prefix_len(i->ifa_netmask);
		a->scope = xstrdup(network_info_scope(i->ifa_addr));
	}
	freeifaddrs(ifa);
}

static bool
network_info_exists(const char *name)
{
	return name[0] != '\0' && name[0] != '.' && strchr(name, '/') == NULL &&
	    strlen(name) < IF_NAMESIZE && network_info_has(name, "ifindex");
}

static int
network_info_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
network_info_state(struct engine *e, const char *name,
    struct network_state *st, struct err *err)
{
	int64_t flags;
	char *hw;

	memset(st, 0, sizeof *st);
	if (!network_info_exists(name))
		return err_set(err, 404, "Network \"%s\" not found", name);
	flags = network_info_sys_int(name, "flags", 16);
	st->state = xstrdup(flags & IFF_UP ? "up" : "down");
	st->type = xstrdup(flags & IFF_LOOPBACK ? "loopback" :
	    flags & IFF_POINTOPOINT ? "point-to-point" :
	    flags & IFF_BROADCAST ? "broadcast" : "unknown");
	hw = network_info_sys(name, "address");
	st->hwaddr = hw != NULL && strcmp(hw, "00:00:00:00:00:00") != 0 ? hw :
	    (free(hw), xstrdup(""));
	st->mtu = network_info_sys_int(name, "mtu", 10);
	network_info_addresses(name, st);
	st->bytes_received = network_info_sys_int(name, "statistics/rx_bytes", 10);
	st->bytes_sent = network_info_sys_int(name, "statistics/tx_bytes", 10);
	st->packets_received = network_info_sys_int(name, "statistics/rx_packets", 10);
	st->packets_sent = network_info_sys_int(name, "statistics/tx_packets", 10);
	if (network_bridge_exists(name)) {
		char *brif = xasprintf("/sys/class/net/%s/brif", name);
		struct dirent *de;
		DIR *d = opendir(brif);

		st->bridge = true;
		st->bridge_id = network_info_sys(name, "bridge/bridge_id");
		if (st->bridge_id == NULL)
			st->bridge_id = xstrdup("");
		st->bridge_forward_delay = network_info_sys_int(name,
		    "bridge/forward_delay", 10);
		st->bridge_stp = network_info_sys_int(name, "bridge/stp_state", 10) != 0;
		st->bridge_vlan_filtering = network_info_sys_int(name,
		    "bridge/vlan_filtering", 10) != 0;
		/* LXD shows the default VLAN only when filtering is on. */
		if (st->bridge_vlan_filtering)
			st->bridge_vlan_default = network_info_sys_int(name,
			    "bridge/default_pvid", 10);
		while (d != NULL && (de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				strv_push(&st->bridge_upper_devices, de->d_name);
		if (d != NULL)
			closedir(d);
		if (st->bridge_upper_devices.n > 1)
			qsort(st->bridge_upper_devices.v, st->bridge_upper_devices.n,
			    sizeof *st->bridge_upper_devices.v, network_info_strcmp);
		free(brif);
	}
	return 0;
}

/* The instance whose NIC has MAC hwaddr (volatile.NIC.hwaddr), or NULL. */
static const char *
network_info_owner(const struct instance *il, size_t n, const char *hwaddr)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		const struct strmap *c = &il[i].config;

		for (k = 0; k < c->n; k++) {
			size_t len = strlen(c->keys[k]);

			if (strncmp(c->keys[k], "volatile.", 9) == 0 && len > 16 &&
			    strcmp(c->keys[k] + len - 7, ".hwaddr") == 0 &&
			    strcasecmp(c->vals[k], hwaddr) == 0)
				return il[i].name;
		}
	}
	return NULL;
}

int
network_info_leases(struct engine *e, const char *name,
    struct network_lease **out, size_t *n, struct err *err)
{
	struct instance *il = NULL;
	size_t nil = 0;
	char *path, *text, *line, *save = NULL, *cidr;
	struct err ignore = { 0 };

	*out = NULL;
	*n = 0;
	if (strcmp(name, ENGINE_BRIDGE) != 0) {
		if (!network_info_exists(name))
			return err_set(err, 404, "Network \"%s\" not found", name);
		return err_set(err, 400, "Network \"%s\" is not managed: it has no "
		    "leases to show", name);
	}
	cidr = network_ipv4(e, name);
	if (cidr != NULL) {
		struct network_lease *l;

		cidr[strcspn(cidr, "/")] = '\0';
		*out = xcalloc(1, sizeof **out);
		l = &(*out)[(*n)++];
		l->hostname = xasprintf("%s.gw", name);
		l->hwaddr = xstrdup("");
		l->address = cidr;
		l->type = xstrdup("gateway");
		l->location = xstrdup("");
	}
	path = network_leases_path(name);
	text = util_read_file(path, NULL);
	free(path);
	if (text == NULL)
		return 0;
	if (instance_load_all(e, 0, &il, &nil, &ignore) < 0)
		nil = 0;
	/* dnsmasq: "EXPIRY MAC IP HOSTNAME CLIENT-ID" per line */
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char mac[64], ip[64], host[256];
		const char *owner;
		struct network_lease *l;
		long long expiry;

		if (sscanf(line, "%lld %63s %63s %255s", &expiry, mac, ip, host) != 4)
			continue;
		owner = network_info_owner(il, nil, mac);
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		l = &(*out)[(*n)++];
		l->hostname = xstrdup(owner != NULL ? owner :
		    strcmp(host, "*") != 0 ? host : "");
		l->hwaddr = xstrdup(mac);
		l->address = xstrdup(ip);
		l->type = xstrdup("dynamic");
		l->location = xstrdup("none");
	}
	instance_array_free(il, nil);
	free(text);
	return 0;
}
