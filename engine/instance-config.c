/*
 * instance-config.c - the config language: keys, values, devices, profile
 * expansion, and its translation to an LXC config.
 *
 * The model is LXD's (lxd-api.md 3).  An instance has local `config` (flat
 * key -> string) and local `devices` (name -> properties, one of them
 * `type`), plus an ordered list of profiles that carry the same two maps.
 * What a container runs with is the *expanded* pair: each profile applied in
 * list order, then the local values, a later source winning.  Config keys are
 * merged one by one; devices are replaced whole, never merged key by key.
 * An empty value means "unset" everywhere.
 *
 * Which keys exist and what values they take is the core's (core/config-key.c,
 * shared with the fake backend and the TUI); the engine validates with them.
 * What only the engine knows lives here: the device rules, expansion, and
 * what each key becomes in the container.
 *
 * Rendering writes the whole LXC config of one container (liblxc 5.0.2 key
 * names) from an expanded config.  Everything the user never writes lives
 * here: the seccomp policy, dropped capabilities, the cgroup device policy,
 * the rules and bind mounts of unix-char/unix-block devices.  The output is a
 * file, so no value may carry a newline into it (that would let a value add
 * arbitrary LXC keys); such values are refused.  raw.lxc comes last so an
 * administrator can override anything but the few keys config-key.c's
 * raw_lxc_refused[] lists.
 *
 * Pure functions but for host lookups: stat() of device sources, host RAM
 * for "N%" memory limits, the CPU count for "limits.cpu: N", and whether the
 * host has AppArmor, memsw accounting and nesting.conf.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "engine.h"

#define LXC_CONFIG_DIR		"/usr/share/lxc/config"
#define CONSOLE_LOG_SIZE	"1MB"

/* ---------------------------------------------------------------------- */
/* Keys: what the engine reads of them (the rules are core/config-key.c's) */

/* An unset bool takes its default; a bad one counts as the default too
 * (validation refuses it before anything is rendered). */
static bool
config_bool(const struct strmap *m, const char *key, bool dflt)
{
	const char *v = strmap_get(m, key);
	bool b;

	if (v == NULL || *v == '\0' || config_key_parse_bool(v, &b) != 0)
		return dflt;
	return b;
}

uint32_t
config_root_gid(const struct strmap *expanded, uint32_t base)
{
	const char *raw = strmap_get(expanded, "raw.idmap");
	struct config_key_idmap *ents = NULL;
	uint32_t gid = base;
	size_t n = 0, i;

	if (raw != NULL && config_key_parse_idmap(raw, &ents, &n) == 0) {
		for (i = 0; i < n; i++) {
			if (ents[i].kind == 'g' && ents[i].cont == 0)
				gid = (uint32_t)ents[i].host;
		}
	}
	free(ents);
	return gid;
}

/* ---------------------------------------------------------------------- */
/* Devices */

static const char *
check_abs_path(const char *v)
{
	if (v[0] != '/')
		return "must be an absolute path";
	if (strchr(v, '\n') != NULL)
		return "must not contain a newline";
	return NULL;
}

/* A path inside the container: absolute, no ".." component. */
static const char *
check_inst_path(const char *v)
{
	const char *p;

	if (v[0] != '/')
		return "must be an absolute path";
	if (strchr(v, '\n') != NULL)
		return "must not contain a newline";
	for (p = v; (p = strstr(p, "..")) != NULL; p += 2) {
		if ((p == v || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return "must not contain \"..\"";
	}
	return NULL;
}

static const char *
check_mac(const char *v)
{
	size_t i;

	if (strlen(v) != 17)
		goto bad;
	for (i = 0; i < 17; i++) {
		if (i % 3 == 2 ? v[i] != ':' : !isxdigit((unsigned char)v[i]))
			goto bad;
	}
	return NULL;
bad:
	return "must be a MAC address such as 00:16:3e:aa:bb:cc";
}

static const char *
check_mtu(const char *v)
{
	int64_t n;

	if (config_key_parse_int(v, &n) != 0 || n < 68 || n > 65535)
		return "must be an integer between 68 and 65535";
	return NULL;
}

static const char *
check_vlan(const char *v)
{
	int64_t n;

	if (config_key_parse_int(v, &n) != 0 || n < 0 || n > 4094)
		return "must be a VLAN id between 0 and 4094";
	return NULL;
}

static const char *
check_ifname(const char *v)
{
	const char *p;

	if (strlen(v) > 15 || strcmp(v, ".") == 0 || strcmp(v, "..") == 0)
		return "must be an interface name of at most 15 characters";
	for (p = v; *p != '\0'; p++) {
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p) ||
		    !isprint((unsigned char)*p))
			return "must not contain '/', ':' or white space";
	}
	return NULL;
}

static const char *
check_ipv4(const char *v)
{
	struct in_addr a;

	if (strcmp(v, "none") == 0 || inet_pton(AF_INET, v, &a) == 1)
		return NULL;
	return "must be an IPv4 address";
}

static const char *
check_ipv6(const char *v)
{
	struct in6_addr a;

	if (strcmp(v, "none") == 0 || inet_pton(AF_INET6, v, &a) == 1)
		return NULL;
	return "must be an IPv6 address";
}

/* Bit rates for nic limits: N with bit, kbit, Mbit, Gbit, Tbit, Pbit, Ebit. */
static const char *
check_bitrate(const char *v)
{
	static const char *const units[] = { "", "bit", "kbit", "Mbit", "Gbit",
	    "Tbit", "Pbit", "Ebit" };
	const char *p = v;
	size_t i;

	while (isdigit((unsigned char)*p))
		p++;
	if (p == v)
		goto bad;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(p, units[i]) == 0)
			return NULL;
	}
bad:
	return "must be a bit rate such as 100Mbit";
}

static const char *
check_size(const char *v)
{
	int64_t n;

	if (config_key_parse_bytes(v, &n) != 0)
		return "must be a size such as 10GiB";
	return NULL;
}

/* Disk I/O limits: bytes per second (10MB) or operations ("1000iops"). */
static const char *
check_io_limit(const char *v)
{
	size_t len = strlen(v);
	int64_t n;

	if (len > 4 && strcmp(v + len - 4, "iops") == 0) {
		char *num = xstrndup(v, len - 4);
		int rc = config_key_parse_int(num, &n);

		free(num);
		return rc == 0 && isdigit((unsigned char)*v) ? NULL :
		    "must be a rate such as 10MB or 1000iops";
	}
	return config_key_parse_bytes(v, &n) == 0 ? NULL :
	    "must be a rate such as 10MB or 1000iops";
}

static const char *
check_propagation(const char *v)
{
	static const char *const ok[] = { "private", "shared", "slave",
	    "unbindable", "rprivate", "rshared", "rslave", "runbindable" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		if (strcmp(v, ok[i]) == 0)
			return NULL;
	}
	return "must be one of private, shared, slave, unbindable or their r* forms";
}

static const char *
check_devnum(const char *v)
{
	uint64_t n;

	if (config_key_parse_uint(v, &n) != 0 || n > UINT32_MAX)
		return "must be a device number";
	return NULL;
}

static const char *
check_id(const char *v)
{
	uint64_t n;

	if (config_key_parse_uint(v, &n) != 0 || n >= UINT32_MAX)
		return "must be a numeric id";
	return NULL;
}

static const char *
check_mode(const char *v)
{
	const char *p;

	if (*v == '\0' || strlen(v) > 5)
		goto bad;
	for (p = v; *p != '\0'; p++) {
		if (*p < '0' || *p > '7')
			goto bad;
	}
	if (strtoul(v, NULL, 8) > 07777)
		goto bad;
	return NULL;
bad:
	return "must be an octal file mode such as 0660";
}

static const char *
check_nictype(const char *v)
{
	if (strcmp(v, "bridged") == 0 || strcmp(v, "macvlan") == 0 ||
	    strcmp(v, "p2p") == 0)
		return NULL;
	if (strcmp(v, "physical") == 0 || strcmp(v, "routed") == 0 ||
	    strcmp(v, "ipvlan") == 0 || strcmp(v, "sriov") == 0)
		return "this nictype is not supported yet (bridged, macvlan, p2p are)";
	return "must be bridged, macvlan or p2p";
}

static const char *
check_network_name(const char *v)
{
	return check_ifname(v);
}

/*
 * The keys of each device type.  To add a device type or key:
 *  1. add the rows here (a NULL-key row ends a type's list);
 *  2. add its whole-device rules to device_validate_one();
 *  3. render it in render_devices();
 *  4. add accepted and refused cases to tests/unit/test-config.c.
 * Keys LXD accepts that the engine does not enforce yet (nic limits.*,
 * security.mac_filtering, disk limits.*) are accepted so that profiles
 * written for LXD load; device_validate_one() says which.
 */
struct device_key {
	const char	*key;
	config_key_check_fn	 check;
};

static const struct device_key nic_keys[] = {
	{ "network",			check_network_name },
	{ "nictype",			check_nictype },
	{ "parent",			check_ifname },
	{ "name",			check_ifname },
	{ "hwaddr",			check_mac },
	{ "mtu",			check_mtu },
	{ "host_name",			check_ifname },
	{ "vlan",			check_vlan },
	{ "ipv4.address",		check_ipv4 },
	{ "ipv6.address",		check_ipv6 },
	{ "limits.ingress",		check_bitrate },
	{ "limits.egress",		check_bitrate },
	{ "limits.max",			check_bitrate },
	{ "security.mac_filtering",	config_key_check_bool },
	{ NULL, NULL }
};

static const struct device_key disk_keys[] = {
	{ "path",		check_inst_path },
	{ "source",		config_key_check_oneline },
	{ "pool",		config_key_check_oneline },
	{ "readonly",		config_key_check_bool },
	{ "required",		config_key_check_bool },
	{ "recursive",		config_key_check_bool },
	{ "shift",		config_key_check_bool },
	{ "propagation",	check_propagation },
	{ "size",		check_size },
	{ "limits.read",	check_io_limit },
	{ "limits.write",	check_io_limit },
	{ "limits.max",		check_io_limit },
	{ NULL, NULL }
};

static const struct device_key unix_keys[] = {
	{ "source",	check_abs_path },
	{ "path",	check_inst_path },
	{ "major",	check_devnum },
	{ "minor",	check_devnum },
	{ "uid",	check_id },
	{ "gid",	check_id },
	{ "mode",	check_mode },
	{ "required",	config_key_check_bool },
	{ NULL, NULL }
};

static const struct device_key none_keys[] = {
	{ NULL, NULL }
};

static const struct device_type {
	const char		*type;
	const struct device_key	*keys;
} device_types[] = {
	{ "nic",	nic_keys },
	{ "disk",	disk_keys },
	{ "unix-char",	unix_keys },
	{ "unix-block",	unix_keys },
	{ "none",	none_keys },
};

/* LXD's device names: 1-63 chars, no leading '.', [A-Za-z0-9/-:_.]. */
static bool
device_name_ok(const char *name)
{
	size_t len = strlen(name), i;

	if (len < 1 || len > 63 || name[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!(isascii(c) && isalnum(c)) && strchr("/-:_.", c) == NULL)
			return false;
	}
	return true;
}

static bool
device_is_root(const struct strmap *p)
{
	const char *type = strmap_get(p, "type"), *path = strmap_get(p, "path"),
	    *source = strmap_get(p, "source");

	return type != NULL && strcmp(type, "disk") == 0 && path != NULL &&
	    strcmp(path, "/") == 0 && (source == NULL || *source == '\0');
}

static int
device_validate_one(const char *name, const struct strmap *p, struct err *e)
{
	const struct device_type *dt = NULL;
	const char *type = strmap_get(p, "type");
	size_t i, k;

	if (!device_name_ok(name))
		return err_set(e, 400, "Invalid device name \"%.64s\": Name must be "
		    "1-63 letters, digits or /-:_. and not start with '.'", name);
	if (type == NULL || *type == '\0')
		return err_set(e, 400, "Invalid device \"%s\": Missing device type", name);
	if (strcmp(type, "proxy") == 0)
		return err_set(e, 400, "Invalid device \"%s\": Device type \"proxy\" is "
		    "not supported yet", name);
	for (i = 0; i < ARRAY_SIZE(device_types); i++) {
		if (strcmp(type, device_types[i].type) == 0)
			dt = &device_types[i];
	}
	if (dt == NULL)
		return err_set(e, 400, "Invalid device \"%s\": Unknown device type "
		    "\"%.40s\"", name, type);

	for (i = 0; i < p->n; i++) {
		const char *key = p->keys[i], *val = p->vals[i], *why;

		if (strcmp(key, "type") == 0)
			continue;
		for (k = 0; dt->keys[k].key != NULL; k++) {
			if (strcmp(key, dt->keys[k].key) == 0)
				break;
		}
		if (dt->keys[k].key == NULL)
			return err_set(e, 400, "Invalid device \"%s\": Unknown key "
			    "\"%.60s\" for type \"%s\"", name, key, type);
		if (*val == '\0')
			continue;
		why = dt->keys[k].check(val);
		if (why != NULL)
			return err_set(e, 400, "Invalid device \"%s\": Invalid value for "
			    "\"%s\": \"%.60s\": %s", name, key, val, why);
	}

	if (strcmp(type, "nic") == 0) {
		const char *net = strmap_get(p, "network"), *nt = strmap_get(p, "nictype"),
		    *parent = strmap_get(p, "parent");
		bool has_net = net != NULL && *net != '\0',
		    has_nt = nt != NULL && *nt != '\0',
		    has_parent = parent != NULL && *parent != '\0';

		if (has_net && has_parent)
			return err_set(e, 400, "Invalid device \"%s\": \"network\" and "
			    "\"parent\" cannot be used together", name);
		if (has_net && has_nt && strcmp(nt, "bridged") != 0)
			return err_set(e, 400, "Invalid device \"%s\": a nic on a managed "
			    "network is bridged, not \"%s\"", name, nt);
		if (!has_net && !has_nt)
			return err_set(e, 400, "Invalid device \"%s\": a nic needs "
			    "\"network\" or \"nictype\"", name);
		if (!has_net && strcmp(nt, "p2p") != 0 && !has_parent)
			return err_set(e, 400, "Invalid device \"%s\": nictype \"%s\" "
			    "needs \"parent\"", name, nt);
	} else if (strcmp(type, "disk") == 0) {
		const char *path = strmap_get(p, "path"), *src = strmap_get(p, "source"),
		    *pool = strmap_get(p, "pool");
		bool has_src = src != NULL && *src != '\0',
		    has_pool = pool != NULL && *pool != '\0';

		if (path == NULL || *path == '\0')
			return err_set(e, 400, "Invalid device \"%s\": Disk devices need "
			    "\"path\"", name);
		if (strcmp(path, "/") == 0) {
			if (has_src)
				return err_set(e, 400, "Invalid device \"%s\": the root disk "
				    "takes \"pool\", not \"source\"", name);
			if (!has_pool)
				return err_set(e, 400, "Invalid device \"%s\": the root disk "
				    "needs \"pool\"", name);
		} else {
			if (has_pool)
				return err_set(e, 400, "Invalid device \"%s\": custom storage "
				    "volumes are not supported yet", name);
			if (!has_src)
				return err_set(e, 400, "Invalid device \"%s\": Disk devices "
				    "other than the root disk need \"source\"", name);
			if (src[0] != '/')
				return err_set(e, 400, "Invalid device \"%s\": \"source\" must "
				    "be an absolute host path", name);
			if (strmap_get(p, "size") != NULL)
				return err_set(e, 400, "Invalid device \"%s\": \"size\" only "
				    "applies to the root disk", name);
		}
	} else if (strncmp(type, "unix-", 5) == 0) {
		const char *src = strmap_get(p, "source"), *path = strmap_get(p, "path");

		if ((src == NULL || *src == '\0') && (path == NULL || *path == '\0'))
			return err_set(e, 400, "Invalid device \"%s\": Unix devices need "
			    "\"source\" or \"path\"", name);
	}
	return 0;
}

int
devices_validate(const struct devmap *d, enum config_scope scope, struct err *e)
{
	size_t i, roots = 0;

	(void)scope;
	if (d == NULL)
		return 0;
	for (i = 0; i < d->n; i++) {
		if (device_validate_one(d->names[i], &d->props[i], e) != 0)
			return -1;
		if (device_is_root(&d->props[i]))
			roots++;
	}
	if (roots > 1)
		return err_set(e, 400, "More than one root disk device");
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Expansion */

/*
 * An empty value is an unset key, as in LXD (which deletes it on update):
 * it is skipped, so it neither appears in the result nor hides what an
 * earlier profile set.
 */
static void
config_merge_set(struct strmap *dst, const struct strmap *src)
{
	size_t i;

	for (i = 0; src != NULL && i < src->n; i++) {
		if (src->vals[i][0] != '\0')
			strmap_set(dst, src->keys[i], src->vals[i]);
	}
}

void
config_expand(const struct profile *profiles, size_t n, const struct strmap *config,
    const struct devmap *devices, struct strmap *out_config, struct devmap *out_devices)
{
	size_t i, k;

	strmap_free(out_config);
	devmap_free(out_devices);
	for (i = 0; i < n; i++) {
		config_merge_set(out_config, &profiles[i].config);
		/* Whole devices: devmap_set replaces a same-named one. */
		for (k = 0; k < profiles[i].devices.n; k++)
			devmap_set(out_devices, profiles[i].devices.names[k],
			    &profiles[i].devices.props[k]);
	}
	config_merge_set(out_config, config);
	for (k = 0; devices != NULL && k < devices->n; k++)
		devmap_set(out_devices, devices->names[k], &devices->props[k]);
}

/* ---------------------------------------------------------------------- */
/* Limits as cgroup items */

static bool
path_exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static void
item_push(struct strv *keys, struct strv *vals, const char *k, const char *fmt, ...)
	PRINTF_LIKE(4, 5);

static void
item_push(struct strv *keys, struct strv *vals, const char *k, const char *fmt, ...)
{
	va_list ap;
	char *v;

	va_start(ap, fmt);
	v = xvasprintf(fmt, ap);
	va_end(ap);
	strv_push(keys, k);
	strv_push(vals, v);
	free(v);
}

/*
 * The cgroup items of the limits.* keys, in the order they must be written
 * (memory.limit_in_bytes before memory.memsw.limit_in_bytes).  Keys are
 * controller files ("memory.max"), without lxc.cgroup[2]. in front.
 */
static int
config_limit_items(const struct strmap *c, bool cgroup2, struct strv *keys,
    struct strv *vals, struct err *e)
{
	const char *mem = strmap_get(c, "limits.memory"),
	    *cpu = strmap_get(c, "limits.cpu"),
	    *allow = strmap_get(c, "limits.cpu.allowance"),
	    *procs = strmap_get(c, "limits.processes"),
	    *enforce = strmap_get(c, "limits.memory.enforce");
	bool swap = config_bool(c, "limits.memory.swap", true);
	bool soft = enforce != NULL && strcmp(enforce, "soft") == 0;

	if (mem != NULL && *mem != '\0') {
		int64_t bytes;

		if (config_key_parse_size(mem, &bytes) != 0 || bytes <= 0)
			return config_key_bad_value(e, "limits.memory", mem,
			    "must be a size such as 64MiB or 1GB, or a percentage");
		if (cgroup2) {
			item_push(keys, vals, soft ? "memory.high" : "memory.max",
			    "%" PRId64, bytes);
		} else {
			item_push(keys, vals, soft ? "memory.soft_limit_in_bytes" :
			    "memory.limit_in_bytes", "%" PRId64, bytes);
			if (!swap && !soft && path_exists(
			    "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"))
				item_push(keys, vals, "memory.memsw.limit_in_bytes",
				    "%" PRId64, bytes);
		}
	}
	if (!swap) {
		if (cgroup2)
			item_push(keys, vals, "memory.swap.max", "0");
		else
			item_push(keys, vals, "memory.swappiness", "0");
	}

	if (cpu != NULL && *cpu != '\0') {
		const char *k = "cpuset.cpus";

		if (strpbrk(cpu, ",-") == NULL) {
			/* A count: pin to the first N online CPUs. */
			int64_t n = 0, ncpu = sysconf(_SC_NPROCESSORS_ONLN);

			if (config_key_parse_int(cpu, &n) != 0 || n < 1)
				return config_key_bad_value(e, "limits.cpu", cpu,
				    "must be a CPU count or a set such as 0-1,3");
			if (ncpu < 1)
				ncpu = 1;
			if (n > ncpu)
				n = ncpu;
			if (n == 1)
				item_push(keys, vals, k, "0");
			else
				item_push(keys, vals, k, "0-%" PRId64, n - 1);
		} else {
			item_push(keys, vals, k, "%s", cpu);
		}
	}

	if (allow != NULL && *allow != '\0') {
		int64_t pct, q, p;

		if (config_key_parse_allowance(allow, &pct, &q, &p) != 0)
			return config_key_bad_value(e, "limits.cpu.allowance", allow,
			    "must be a percentage or a quota/period");
		if (pct >= 0 && cgroup2) {
			item_push(keys, vals, "cpu.weight", "%" PRId64,
			    pct < 1 ? 1 : pct > 10000 ? 10000 : pct);
		} else if (pct >= 0) {
			int64_t shares = 1024 * pct / 100;

			item_push(keys, vals, "cpu.shares", "%" PRId64,
			    shares < 2 ? 2 : shares);
		} else if (cgroup2) {
			item_push(keys, vals, "cpu.max", "%" PRId64 " %" PRId64,
			    q * 1000, p * 1000);
		} else {
			item_push(keys, vals, "cpu.cfs_period_us", "%" PRId64, p * 1000);
			item_push(keys, vals, "cpu.cfs_quota_us", "%" PRId64, q * 1000);
		}
	}

	if (procs != NULL && *procs != '\0')
		item_push(keys, vals, "pids.max", "%s", procs);
	return 0;
}

int
config_cgroup_items(const struct strmap *expanded, bool cgroup2, struct strmap *out,
    struct err *e)
{
	struct strv keys = { 0 }, vals = { 0 };
	size_t i;
	int rc = -1;

	if (config_limit_items(expanded, cgroup2, &keys, &vals, e) != 0)
		goto out;
	for (i = 0; i < keys.n; i++)
		strmap_set(out, keys.v[i], vals.v[i]);
	rc = 0;
out:
	strv_free(&keys);
	strv_free(&vals);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Rendering */

/*
 * The usual character devices every container may use (LXD's list).
 * /dev/fuse (10:229) and /dev/net/tun (10:200) stay in it: LXD 5.0.2 lets
 * unprivileged containers use both.  It sets a device policy only for
 * privileged containers (this same list) and bind-mounts the host's
 * /dev/fuse and /dev/net/tun into every container (initLXC's bindMounts,
 * "optional"); checked against the reference: an unprivileged busybox
 * container there has both nodes.  The user namespace is what bounds them
 * (FUSE mounts in a user namespace are the kernel's own design), so they
 * are bound here the same way (render: dev_binds).
 */
static const char *const default_devices[] = {
	"b *:* m", "c *:* m", "c 136:* rwm", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",
	"c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm",
	"c 10:229 rwm", "c 10:200 rwm",
};
static const char *const dev_binds[] = { "/dev/fuse", "/dev/net/tun" };

bool
config_host_has_apparmor(void)
{
	char buf[4] = "";
	FILE *f = fopen("/sys/module/apparmor/parameters/enabled", "r");

	if (f == NULL)
		return false;
	if (fgets(buf, sizeof buf, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return buf[0] == 'Y';
}

/* fstab escaping: liblxc reads lxc.mount.entry with getmntent(). */
static void
put_fstab_path(FILE *f, const char *p)
{
	for (; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\\')
			fprintf(f, "\\%03o", (unsigned char)*p);
		else
			fputc(*p, f);
	}
}

static void
put_mount_entry(FILE *f, const char *src, const char *dst, const char *opts)
{
	fputs("lxc.mount.entry = ", f);
	put_fstab_path(f, src);
	fputc(' ', f);
	while (*dst == '/')
		dst++;
	put_fstab_path(f, dst);
	fprintf(f, " none %s 0 0\n", opts);
}

static int
render_nic(FILE *f, const struct lxc_render *r, const char *name,
    const struct strmap *p, int idx, struct err *e)
{
	const char *net = strmap_get(p, "network"), *nt = strmap_get(p, "nictype"),
	    *parent = strmap_get(p, "parent"), *ifname = strmap_get(p, "name"),
	    *hwaddr = strmap_get(p, "hwaddr"), *mtu = strmap_get(p, "mtu"),
	    *host = strmap_get(p, "host_name"), *vlan = strmap_get(p, "vlan");
	char *vkey = NULL;

	if (net != NULL && *net != '\0') {
		parent = net;
		nt = "bridged";
	}
	if (nt == NULL)
		nt = "bridged";
	if (strcmp(nt, "macvlan") == 0) {
		fprintf(f, "lxc.net.%d.type = macvlan\n", idx);
		fprintf(f, "lxc.net.%d.macvlan.mode = bridge\n", idx);
	} else {
		fprintf(f, "lxc.net.%d.type = veth\n", idx);
	}
	if (parent != NULL && *parent != '\0' && strcmp(nt, "p2p") != 0)
		fprintf(f, "lxc.net.%d.link = %s\n", idx, parent);
	fprintf(f, "lxc.net.%d.name = %s\n", idx,
	    ifname != NULL && *ifname != '\0' ? ifname : name);
	fprintf(f, "lxc.net.%d.flags = up\n", idx);
	if (hwaddr == NULL || *hwaddr == '\0') {
		vkey = xasprintf("volatile.%s.hwaddr", name);
		hwaddr = strmap_get(r->local_config, vkey);
		if (hwaddr != NULL && check_mac(hwaddr) != NULL) {
			err_set(e, 400, "Invalid value for \"%s\": \"%.40s\"", vkey, hwaddr);
			free(vkey);
			return -1;
		}
	}
	if (hwaddr != NULL && *hwaddr != '\0')
		fprintf(f, "lxc.net.%d.hwaddr = %s\n", idx, hwaddr);
	if (mtu != NULL && *mtu != '\0')
		fprintf(f, "lxc.net.%d.mtu = %s\n", idx, mtu);
	if (host == NULL || *host == '\0') {
		char *hkey = xasprintf("volatile.%s.host_name", name);

		host = strmap_get(r->local_config, hkey);
		free(hkey);
		if (host != NULL && check_ifname(host) != NULL)
			host = NULL;
	}
	if (host != NULL && *host != '\0' && strcmp(nt, "macvlan") != 0)
		fprintf(f, "lxc.net.%d.veth.pair = %s\n", idx, host);
	if (vlan != NULL && *vlan != '\0' && strcmp(nt, "bridged") == 0)
		fprintf(f, "lxc.net.%d.veth.vlan.id = %s\n", idx, vlan);
	free(vkey);
	return 0;
}

static int
render_disk(FILE *f, const struct lxc_render *r, const char *name,
    const struct strmap *p, struct err *e)
{
	const char *src = strmap_get(p, "source"), *path = strmap_get(p, "path"),
	    *prop = strmap_get(p, "propagation");
	bool required = config_bool(p, "required", true),
	    ro = config_bool(p, "readonly", false),
	    rec = config_bool(p, "recursive", false),
	    shift = config_bool(p, "shift", false);
	struct stat st;
	char *opts = NULL;

	if (device_is_root(p))
		return 0;		/* the rootfs itself */
	if (stat(src, &st) != 0) {
		if (!required)
			return 0;
		return err_set(e, 400, "Device \"%s\": source \"%.100s\" does not exist",
		    name, src);
	}
	if (S_ISBLK(st.st_mode))
		return err_set(e, 400, "Device \"%s\": block device sources are not "
		    "supported yet", name);
	opts = xasprintf("%s,create=%s%s%s%s%s%s", rec ? "rbind" : "bind",
	    S_ISDIR(st.st_mode) ? "dir" : "file", ro ? ",ro" : "",
	    prop != NULL && *prop != '\0' ? "," : "",
	    prop != NULL ? prop : "",
	    shift && !r->privileged ? ",idmap=container" : "",
	    required ? "" : ",optional");
	put_mount_entry(f, src, path, opts);
	free(opts);
	return 0;
}

static int
render_unix(FILE *f, const struct lxc_render *r, const char *name,
    const struct strmap *p, struct err *e)
{
	const char *type = strmap_get(p, "type"), *src = strmap_get(p, "source"),
	    *path = strmap_get(p, "path"), *maj = strmap_get(p, "major"),
	    *min = strmap_get(p, "minor");
	bool chr = strcmp(type, "unix-char") == 0;
	bool required = config_bool(p, "required", true);
	unsigned long major, minor;
	struct stat st;

	if (src == NULL || *src == '\0')
		src = path;
	if (path == NULL || *path == '\0')
		path = src;
	if (stat(src, &st) != 0) {
		if (!required)
			return 0;
		return err_set(e, 400, "Device \"%s\": \"%.100s\" does not exist on the "
		    "host", name, src);
	}
	if (chr ? !S_ISCHR(st.st_mode) : !S_ISBLK(st.st_mode))
		return err_set(e, 400, "Device \"%s\": \"%.100s\" is not a %s device",
		    name, src, chr ? "character" : "block");
	major = maj != NULL && *maj != '\0' ? strtoul(maj, NULL, 10) :
	    major(st.st_rdev);
	minor = min != NULL && *min != '\0' ? strtoul(min, NULL, 10) :
	    minor(st.st_rdev);
	fprintf(f, "lxc.%s.devices.allow = %c %lu:%lu rwm\n",
	    r->cgroup2 ? "cgroup2" : "cgroup", chr ? 'c' : 'b', major, minor);
	put_mount_entry(f, src, path, "bind,create=file");
	return 0;
}

/*
 * The id map of an unprivileged container: the base range, with the
 * raw.idmap entries punched into it.
 */
static int
render_idmap(FILE *f, const struct lxc_render *r, struct err *e)
{
	const char *raw = strmap_get(r->expanded_config, "raw.idmap");
	struct config_key_idmap *ents = NULL, *out = NULL;
	size_t n = 0, nout = 0, i, j;
	const char kinds[] = { 'u', 'g' };
	size_t ki;
	int rc = -1;

	if (raw != NULL && config_key_parse_idmap(raw, &ents, &n) != 0) {
		config_key_bad_value(e, "raw.idmap", raw, "malformed");
		goto out;
	}
	out = xcalloc(2 * n + 2 + 2 * n, sizeof *out);
	for (ki = 0; ki < ARRAY_SIZE(kinds); ki++) {
		uint64_t cursor = 0;
		struct config_key_idmap *mine = xcalloc(n + 1, sizeof *mine);
		size_t m = 0, a, b;

		for (i = 0; i < n; i++) {
			if (ents[i].kind == kinds[ki])
				mine[m++] = ents[i];
		}
		/* Sort by container id (tiny lists). */
		for (a = 1; a < m; a++) {
			for (b = a; b > 0 && mine[b].cont < mine[b - 1].cont; b--) {
				struct config_key_idmap t = mine[b];

				mine[b] = mine[b - 1];
				mine[b - 1] = t;
			}
		}
		for (i = 0; i < m; i++) {
			if (mine[i].cont < cursor) {
				free(mine);
				config_key_bad_value(e, "raw.idmap", raw,
				    "container ranges overlap");
				goto out;
			}
			if (mine[i].cont > cursor && cursor < r->idmap_range) {
				uint64_t end = mine[i].cont < r->idmap_range ?
				    mine[i].cont : r->idmap_range;

				out[nout++] = (struct config_key_idmap){ kinds[ki],
				    r->idmap_base + cursor, cursor, end - cursor };
			}
			out[nout++] = mine[i];
			cursor = mine[i].cont + mine[i].count;
		}
		if (cursor < r->idmap_range)
			out[nout++] = (struct config_key_idmap){ kinds[ki],
			    r->idmap_base + cursor, cursor, r->idmap_range - cursor };
		free(mine);
	}
	/* The kernel refuses overlapping host ranges of one kind. */
	for (i = 0; i < nout; i++) {
		for (j = i + 1; j < nout; j++) {
			if (out[i].kind == out[j].kind &&
			    out[i].host < out[j].host + out[j].count &&
			    out[j].host < out[i].host + out[i].count) {
				config_key_bad_value(e, "raw.idmap", raw, "host ids overlap "
				    "the container's own id range");
				goto out;
			}
		}
	}
	for (i = 0; i < nout; i++)
		fprintf(f, "lxc.idmap = %c %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
		    out[i].kind, out[i].cont, out[i].host, out[i].count);
	rc = 0;
out:
	free(ents);
	free(out);
	return rc;
}

static int
render_devices(FILE *f, const struct lxc_render *r, struct err *e)
{
	const struct devmap *d = r->expanded_devices;
	size_t i;
	int nics = 0;

	for (i = 0; d != NULL && i < d->n; i++) {
		const struct strmap *p = &d->props[i];
		const char *type = strmap_get(p, "type");
		int rc = 0;

		if (strcmp(type, "nic") == 0)
			rc = render_nic(f, r, d->names[i], p, nics++, e);
		else if (strcmp(type, "disk") == 0)
			rc = render_disk(f, r, d->names[i], p, e);
		else if (strncmp(type, "unix-", 5) == 0)
			rc = render_unix(f, r, d->names[i], p, e);
		if (rc != 0)
			return -1;
	}
	if (nics == 0)
		fputs("lxc.net.0.type = empty\n", f);
	return 0;
}

/* A render request names a valid instance with a valid config, an
 * absolute rootfs and a seccomp policy, every path on one line. */
static int
render_check(const struct lxc_render *r, struct err *e)
{
	if (name_validate_instance(r->name, e) != 0 ||
	    config_key_validate_all(r->expanded_config, CONFIG_INSTANCE, e) != 0 ||
	    devices_validate(r->expanded_devices, CONFIG_INSTANCE, e) != 0)
		return -1;
	if (r->rootfs == NULL || r->rootfs[0] != '/' || strchr(r->rootfs, '\n') ||
	    r->seccomp_policy == NULL || strchr(r->seccomp_policy, '\n') ||
	    (r->log_file != NULL && strchr(r->log_file, '\n')) ||
	    (r->console_log != NULL && strchr(r->console_log, '\n')))
		return err_set(e, 500, "Incomplete render request (rootfs and "
		    "seccomp policy are required, paths are single lines)");
	return 0;
}

/* liblxc's includes, the container's identity, its rootfs and (when
 * unprivileged) its id map. */
static int
render_base(FILE *f, const struct lxc_render *r, bool nesting,
    const char *machine, struct err *e)
{
	fputs("# Generated by lxdeck; do not edit\n", f);
	fprintf(f, "lxc.include = %s/common.conf\n", LXC_CONFIG_DIR);
	/*
	 * common.conf pulls in lxcfs's hooks; without a running lxcfs they
	 * only cost a shell and a readlink on every start and stop.
	 */
	if (!path_exists("/var/lib/lxcfs/proc/meminfo"))
		fputs("lxc.hook.mount =\nlxc.hook.post-stop =\n", f);
	if (!r->privileged)
		fprintf(f, "lxc.include = %s/userns.conf\n", LXC_CONFIG_DIR);
	if (nesting && path_exists(LXC_CONFIG_DIR "/nesting.conf"))
		fprintf(f, "lxc.include = %s/nesting.conf\n", LXC_CONFIG_DIR);

	fprintf(f, "lxc.uts.name = %s\n", r->name);
	fprintf(f, "lxc.arch = %s\n", machine);
	fprintf(f, "lxc.rootfs.path = dir:%s\n", r->rootfs);
	if (r->privileged)
		return 0;
	if (r->rootfs_idmap)
		fputs("lxc.rootfs.options = idmap=container\n", f);
	if (r->idmap_range == 0)
		return err_set(e, 500, "No id range for unprivileged container "
		    "\"%s\"", r->name);
	return render_idmap(f, r, e) != 0 ? -1 : 0;
}

/* Logs, consoles and the kernel filesystems the container sees. */
static void
render_runtime(FILE *f, const struct lxc_render *r, bool nesting)
{
	if (r->log_file != NULL) {
		fprintf(f, "lxc.log.file = %s\n", r->log_file);
		fputs("lxc.log.level = warn\n", f);
	}
	if (r->console_log != NULL) {
		fprintf(f, "lxc.console.logfile = %s\n", r->console_log);
		fputs("lxc.console.size = " CONSOLE_LOG_SIZE "\n", f);
	}
	fputs("lxc.tty.max = 0\n", f);
	fputs("lxc.pty.max = 1024\n", f);
	fputs("lxc.autodev = 1\n", f);
	/* All three categories named, so this wins over the includes. */
	if (nesting)
		fputs("lxc.mount.auto = proc:rw sys:rw cgroup:rw\n", f);
	else if (r->privileged)
		fputs("lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed\n", f);
	else	/* userns.conf's sys:rw: sysfs cannot be mixed from a userns */
		fputs("lxc.mount.auto = proc:mixed sys:rw cgroup:mixed\n", f);
}

/* Capabilities, seccomp, AppArmor and the device policy. */
static void
render_security(FILE *f, const struct lxc_render *r, bool nesting,
    const char *cg)
{
	size_t i;

	if (r->privileged)
		fputs("lxc.cap.drop = sys_module sys_time sys_rawio mac_admin "
		    "mac_override\n", f);
	fprintf(f, "lxc.seccomp.profile = %s\n", r->seccomp_policy);
	/* AppArmor only where the kernel has it: liblxc generates and loads a
	 * per-container profile; without apparmor_parser it cannot, and the
	 * container would not start, so it runs unconfined (as on this host's
	 * kind of kernel, which has no AppArmor at all). */
	if (config_host_has_apparmor()) {
		if (path_exists("/sbin/apparmor_parser") ||
		    path_exists("/usr/sbin/apparmor_parser")) {
			fputs("lxc.apparmor.profile = generated\n", f);
			if (nesting)
				fputs("lxc.apparmor.allow_nesting = 1\n", f);
		} else {
			fputs("lxc.apparmor.profile = unconfined\n", f);
		}
	}

	/* userns.conf clears the device policy; every container gets one. */
	if (!r->privileged) {
		fprintf(f, "%s.devices.deny = a\n", cg);
		for (i = 0; i < ARRAY_SIZE(default_devices); i++)
			fprintf(f, "%s.devices.allow = %s\n", cg, default_devices[i]);
	} else {
		/* common.conf's list lacks /dev/net/tun; LXD allows it */
		fprintf(f, "%s.devices.allow = c 10:200 rwm\n", cg);
	}
	/* As LXD does for every container (see default_devices). */
	for (i = 0; i < ARRAY_SIZE(dev_binds); i++)
		if (path_exists(dev_binds[i]))
			put_mount_entry(f, dev_binds[i], dev_binds[i],
			    "bind,create=file,optional");
}

/* environment.* and the limits as cgroup items. */
static int
render_environment_limits(FILE *f, const struct lxc_render *r, const char *cg,
    struct err *e)
{
	const struct strmap *c = r->expanded_config;
	struct strv keys = { 0 }, vals = { 0 };
	size_t i;
	int rc = -1;

	for (i = 0; c != NULL && i < c->n; i++) {
		if (strncmp(c->keys[i], "environment.", 12) == 0 &&
		    c->vals[i][0] != '\0')
			fprintf(f, "lxc.environment = %s=%s\n", c->keys[i] + 12,
			    c->vals[i]);
	}
	if (config_limit_items(c, r->cgroup2, &keys, &vals, e) != 0)
		goto out;
	for (i = 0; i < keys.n; i++)
		fprintf(f, "%s.%s = %s\n", cg, keys.v[i], vals.v[i]);
	rc = 0;
out:
	strv_free(&keys);
	strv_free(&vals);
	return rc;
}

/* raw.lxc, last, so that it wins. */
static void
render_raw(FILE *f, const struct strmap *c)
{
	const char *raw = strmap_get(c, "raw.lxc");

	if (raw == NULL || *raw == '\0')
		return;
	fputs("# raw.lxc\n", f);
	fputs(raw, f);
	if (raw[strlen(raw) - 1] != '\n')
		fputc('\n', f);
}

char *
config_render_lxc(const struct lxc_render *r, struct err *e)
{
	const char *cg = r->cgroup2 ? "lxc.cgroup2" : "lxc.cgroup";
	struct utsname uts;
	bool nesting;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int rc = -1;

	if (render_check(r, e) < 0)
		goto fail;
	if (uname(&uts) != 0) {
		err_set(e, 500, "uname: %s", strerror(errno));
		goto fail;
	}
	nesting = config_bool(r->expanded_config, "security.nesting", false);

	f = open_memstream(&buf, &len);
	if (f == NULL)
		fatal("open_memstream: out of memory");
	if (render_base(f, r, nesting, uts.machine, e) < 0)
		goto fail;
	render_runtime(f, r, nesting);
	render_security(f, r, nesting, cg);
	if (render_environment_limits(f, r, cg, e) < 0 || render_devices(f, r, e) != 0)
		goto fail;
	/* Hooks: none yet; hook_dir is reserved for them. */
	render_raw(f, r->expanded_config);
	rc = 0;
fail:
	if (f != NULL && fclose(f) != 0)
		fatal("open_memstream: out of memory");
	if (rc != 0) {
		free(buf);
		/* The cause only: the caller names the instance (err.c). */
		if (e != NULL && !err_is_set(e))
			err_set(e, 500, "Failed to render the LXC config");
		return NULL;
	}
	return buf;
}

/* ---------------------------------------------------------------------- */
/* Seccomp */

/*
 * LXD's default deny list (lxd/seccomp/seccomp.go, defaultSeccompPolicy) in
 * liblxc's version 2 syntax, plus kexec_file_load, the newer twin of
 * kexec_load.  errno 38 is ENOSYS, as LXD answers, so software falls back
 * as it would on a kernel without the call.  reject_force_umount is liblxc's
 * rule refusing umount2(MNT_FORCE).
 */
static const char seccomp_policy[] =
	"2\n"
	"denylist\n"
	"reject_force_umount  # comment this to allow umount -f;  not recommended\n"
	"[all]\n"
	"kexec_load errno 38\n"
	"kexec_file_load errno 38\n"
	"open_by_handle_at errno 38\n"
	"init_module errno 38\n"
	"finit_module errno 38\n"
	"delete_module errno 38\n";

int
config_write_seccomp(const char *path, struct err *e)
{
	char *tmp = NULL;
	size_t off = 0, len = sizeof seccomp_policy - 1;
	int fd = -1, rc = -1;
	char *have;

	/* Already there as it should be (every engine open asks): done. */
	have = util_read_file(path, NULL);
	if (have != NULL && strcmp(have, seccomp_policy) == 0) {
		free(have);
		return 0;
	}
	free(have);
	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err_set(e, 500, "Failed to write seccomp policy \"%s\": %s", path,
		    strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t w = write(fd, seccomp_policy + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			err_set(e, 500, "Failed to write seccomp policy \"%s\": %s",
			    path, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		err_set(e, 500, "Failed to write seccomp policy \"%s\": %s", path,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		err_set(e, 500, "Failed to write seccomp policy \"%s\": %s", path,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}
