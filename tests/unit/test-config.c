/*
 * test-config.c - the config language (engine/instance-config.c): keys and
 * values, devices, profile expansion, sizes, the rendered LXC config, cgroup
 * items and the seccomp policy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../engine/engine.h"
#include "../harness.h"

static struct err last;

static bool
ok_key(const char *k, const char *v)
{
	err_clear(&last);
	return config_key_validate(k, v, CONFIG_INSTANCE, &last) == 0;
}

static bool
bad_key(const char *k, const char *v)
{
	err_clear(&last);
	return config_key_validate(k, v, CONFIG_INSTANCE, &last) == -1 &&
	    last.code == 400;
}

/*
 * KEYS_OK(KEY, VALUE...), KEYS_BAD(KEY, VALUE...): one check per VALUE, that
 * KEY=VALUE is valid (ok_key) or refused with a 400 (bad_key); last holds
 * the error of the last one.
 */
#define KEYS_OK(...)	keys_check(__LINE__, true, __VA_ARGS__, NULL)
#define KEYS_BAD(...)	keys_check(__LINE__, false, __VA_ARGS__, NULL)

static void
keys_check(int line, bool ok, const char *key, ...)
{
	const char *v;
	va_list ap;

	va_start(ap, key);
	while ((v = va_arg(ap, const char *)) != NULL)
		harness_checkf(ok ? ok_key(key, v) : bad_key(key, v), __FILE__, line,
		    "%s=\"%s\" is %s", key, v, ok ? "valid" : "refused");
	va_end(ap);
}

/* R rendered: one check that it worked (the error shown when not).  The
 * caller frees; NULL when it failed. */
#define render_ok(r, e)	render_check(__LINE__, (r), (e))

static char *
render_check(int line, const struct lxc_render *r, struct err *e)
{
	char *t = config_render_lxc(r, e);

	if (t == NULL)
		printf("# %s\n", e->msg);
	harness_checkf(t != NULL, __FILE__, line, "the config renders");
	return t;
}

/* A device from "k=v" pairs, NULL-terminated. */
static void
dev_set(struct devmap *d, const char *name, ...)
{
	struct strmap p = { 0 };
	const char *kv;
	va_list ap;

	va_start(ap, name);
	while ((kv = va_arg(ap, const char *)) != NULL) {
		const char *eq = strchr(kv, '=');
		char *k = strndup(kv, (size_t)(eq - kv));

		strmap_set(&p, k, eq + 1);
		free(k);
	}
	va_end(ap);
	devmap_set(d, name, &p);
	strmap_free(&p);
}

static bool
dev_ok(struct devmap *d)
{
	err_clear(&last);
	return devices_validate(d, CONFIG_INSTANCE, &last) == 0;
}

/* Where text has exactly this line, or NULL. */
static const char *
line_pos(const char *text, const char *line)
{
	size_t len = strlen(line);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, line, len) == 0 && (p[len] == '\n' || p[len] == '\0'))
			return p;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

/* Does text hold exactly this line? */
static bool
has_line(const char *text, const char *line)
{
	return line_pos(text, line) != NULL;
}

/* HAS_LINES(TEXT, LINE...): one check per LINE, that TEXT holds it. */
#define HAS_LINES(...)	has_lines_check(__LINE__, __VA_ARGS__, NULL)

static void
has_lines_check(int line, const char *text, ...)
{
	const char *l;
	va_list ap;

	va_start(ap, text);
	while ((l = va_arg(ap, const char *)) != NULL)
		harness_checkf(has_line(text, l), __FILE__, line, "has \"%s\"", l);
	va_end(ap);
}

TEST(bools)
{
	bool b = false;
	const char *yes[] = { "true", "TRUE", "1", "yes", "on", "On" };
	const char *no[] = { "false", "0", "no", "off", "OFF" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		b = false;
		CHECK(config_key_parse_bool(yes[i], &b) == 0 && b);
	}
	for (i = 0; i < ARRAY_SIZE(no); i++) {
		b = true;
		CHECK(config_key_parse_bool(no[i], &b) == 0 && !b);
	}
	CHECK(config_key_parse_bool("", &b) == -EINVAL);
	CHECK(config_key_parse_bool("yes please", &b) == -EINVAL);
	CHECK(config_key_parse_bool("2", &b) == -EINVAL);
}

TEST(sizes)
{
	int64_t n = 0;

	CHECK(config_key_parse_size("64MiB", &n) == 0 && n == 67108864);
	CHECK(config_key_parse_size("1GB", &n) == 0 && n == 1000000000);
	CHECK(config_key_parse_size("512", &n) == 0 && n == 512);
	CHECK(config_key_parse_size("512B", &n) == 0 && n == 512);
	CHECK(config_key_parse_size("1kB", &n) == 0 && n == 1000);
	CHECK(config_key_parse_size("1KiB", &n) == 0 && n == 1024);
	CHECK(config_key_parse_size("2TiB", &n) == 0 && n == 2199023255552LL);
	CHECK(config_key_parse_size("1EiB", &n) == 0 && n == 1152921504606846976LL);
	CHECK(config_key_parse_size("3PB", &n) == 0 && n == 3000000000000000LL);
	n = 0;
	CHECK(config_key_parse_size("50%", &n) == 0 && n > 0);
	CHECK(config_key_parse_size("lots", &n) == -EINVAL);
	CHECK(config_key_parse_size("", &n) == -EINVAL);
	CHECK(config_key_parse_size("64 MiB", &n) == -EINVAL);
	CHECK(config_key_parse_size("64mib", &n) == -EINVAL);
	CHECK(config_key_parse_size("1KB", &n) == -EINVAL);
	CHECK(config_key_parse_size("-5MB", &n) == -EINVAL);
	CHECK(config_key_parse_size("MiB", &n) == -EINVAL);
	CHECK(config_key_parse_size("1.5GB", &n) == -EINVAL);
	CHECK(config_key_parse_size("%", &n) == -EINVAL);
	CHECK(config_key_parse_size("101%", &n) == -EINVAL);
	CHECK(config_key_parse_size("9EiB", &n) != 0);
}

TEST(unknown_and_free_keys)
{
	KEYS_BAD("foo.bar", "1");
	CHECK_STR(last.msg, "Unknown configuration key: \"foo.bar\"");
	KEYS_BAD("limits.cpus", "1");
	KEYS_BAD("user.", "x");
	KEYS_BAD("", "x");
	KEYS_OK("user.anything.at.all", "whatever\nmulti line");
	KEYS_OK("user.x", "");
	KEYS_OK("environment.FOO", "bar baz");
	KEYS_BAD("environment.FOO", "a\nlxc.rootfs.path = /");
	KEYS_BAD("environment.A=B", "x");
	KEYS_OK("cloud-init.user-data", "#cloud-config\npackages: []\n");
	KEYS_OK("volatile.eth0.hwaddr", "00:16:3e:00:00:01");
	KEYS_OK("volatile.idmap.next", "[{\"Isuid\":true}]");
	KEYS_OK("image.os", "busybox");
}

TEST(profile_scope)
{
	struct err e = { 0 };
	struct strmap m = { 0 };

	CHECK(config_key_validate("volatile.eth0.hwaddr", "00:16:3e:00:00:01",
	    CONFIG_PROFILE, &e) == -1);
	CHECK(e.code == 400);
	CHECK(strstr(e.msg, "volatile.eth0.hwaddr") != NULL);
	err_clear(&e);
	CHECK(config_key_validate("image.os", "x", CONFIG_PROFILE, &e) == -1);
	err_clear(&e);
	CHECK(config_key_validate("user.x", "y", CONFIG_PROFILE, &e) == 0);
	CHECK(config_key_validate("limits.memory", "1GB", CONFIG_PROFILE, &e) == 0);

	strmap_set(&m, "limits.cpu", "2");
	strmap_set(&m, "security.nesting", "true");
	CHECK(config_key_validate_all(&m, CONFIG_PROFILE, &e) == 0);
	strmap_set(&m, "limits.memory", "lots");
	CHECK(config_key_validate_all(&m, CONFIG_PROFILE, &e) == -1);
	CHECK(strstr(e.msg, "limits.memory") != NULL);
	strmap_free(&m);
}

TEST(empty_is_unset)
{
	KEYS_OK("limits.memory", "");
	KEYS_OK("security.privileged", "");
	KEYS_OK("snapshots.schedule", "");
	KEYS_BAD("no.such.key", "");
}

TEST(limits_memory)
{
	KEYS_OK("limits.memory", "64MiB", "1GB", "536870912", "50%");
	KEYS_BAD("limits.memory", "lots");
	CHECK(strncmp(last.msg, "Invalid value for \"limits.memory\": \"lots\"",
	    strlen("Invalid value for \"limits.memory\": \"lots\"")) == 0);
	KEYS_BAD("limits.memory", "0", "0%", "64M", "-1GB");
	KEYS_OK("limits.memory.enforce", "hard", "soft");
	KEYS_BAD("limits.memory.enforce", "medium");
	CHECK(strstr(last.msg, "limits.memory.enforce") != NULL);
	KEYS_OK("limits.memory.swap", "false");
	KEYS_BAD("limits.memory.swap", "maybe");
}

TEST(limits_cpu)
{
	KEYS_OK("limits.cpu", "2", "0-1", "0-1,3", "0,2,4-5", "0-0");
	KEYS_BAD("limits.cpu", "0", "two");
	CHECK(strstr(last.msg, "\"limits.cpu\"") != NULL);
	KEYS_BAD("limits.cpu", "1-3,3", "3-1", "1,", ",1", "-1", "1 2");
	KEYS_OK("limits.cpu.allowance", "50%", "25ms/100ms", "25/100");
	KEYS_BAD("limits.cpu.allowance", "50", "half", "%", "25ms/",
	    "0ms/100ms");
	KEYS_OK("limits.processes", "500");
	KEYS_BAD("limits.processes", "0", "-3", "many");
}

TEST(security_and_boot)
{
	const char *bools[] = { "security.privileged", "security.nesting",
	    "security.protection.delete", "boot.autostart" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bools); i++) {
		CHECK(ok_key(bools[i], "true"));
		CHECK(ok_key(bools[i], "0"));
		CHECK(ok_key(bools[i], "Yes"));
		CHECK(ok_key(bools[i], "off"));
		CHECK(bad_key(bools[i], "sure"));
		CHECK(strstr(last.msg, bools[i]) != NULL);
	}
	KEYS_OK("boot.autostart.delay", "10");
	KEYS_BAD("boot.autostart.delay", "10s");
	KEYS_OK("boot.autostart.priority", "-5");
	KEYS_BAD("boot.autostart.priority", "high");
	KEYS_OK("boot.host_shutdown_timeout", "30");
	KEYS_BAD("boot.host_shutdown_timeout", "3.5");
}

TEST(snapshots_keys)
{
	KEYS_OK("snapshots.schedule", "@daily", "@hourly", "@startup",
	    "@never", "0 6 * * *", "*/15 0-23/2 1,15 jan-jun mon-fri",
	    "@daily, 30 12 * * 0", "0 0,12 * * *");
	KEYS_BAD("snapshots.schedule", "daily");
	CHECK(strstr(last.msg, "snapshots.schedule") != NULL);
	KEYS_BAD("snapshots.schedule", "0 6 * *", "60 6 * * *", "0 24 * * *",
	    "0 6 0 * *", "0 6 * 13 *", "0 6 * * 7", "0 6 * * funday",
	    "0  6 * * *", "*/0 * * * *", "@every 1h");
	KEYS_OK("snapshots.expiry", "1M 2H 3d 4w 5m 6y", "2w", "30S");
	KEYS_BAD("snapshots.expiry", "2 weeks");
	CHECK(strstr(last.msg, "snapshots.expiry") != NULL);
	KEYS_BAD("snapshots.expiry", "1d 2d", "1x", "d");
	KEYS_OK("snapshots.pattern", "snap%d");
	KEYS_BAD("snapshots.pattern", "a\nb");
}

TEST(raw_keys)
{
	CHECK(ok_key("raw.lxc", "lxc.cap.drop = sys_admin\n# comment\n\n"
	    "  lxc.mount.entry = /srv srv none bind,create=dir 0 0\n"));
	KEYS_OK("raw.lxc", "lxc.net.0.ipv4.address = 10.0.3.5/24");
	KEYS_BAD("raw.lxc", "this is not a key");
	CHECK(strstr(last.msg, "raw.lxc") != NULL);
	KEYS_BAD("raw.lxc", "lxc.log.file = /tmp/x", "lxc.logfile = /tmp/x",
	    "lxc.log.syslog = daemon", "lxc.ephemeral = 1",
	    "lxc.prlimit.nofile = 1024", "lxc.rootfs.path = dir:/",
	    "LXC.Rootfs.Path = dir:/", "lxc.net.0.link = br9", "foo = bar");
	KEYS_OK("raw.idmap", "both 1000 1000",
	    "uid 1000-1009 2000-2009\ngid 50 50");
	KEYS_BAD("raw.idmap", "both 1000", "uid 1000-1009 2000-2001",
	    "user 1000 1000");
	KEYS_OK("linux.kernel_modules", "overlay,nf_nat, br_netfilter");
	KEYS_BAD("linux.kernel_modules", "overlay;rm -rf /", ",");
}

TEST(devices)
{
	struct devmap d = { 0 };
	char dir[] = "/tmp/lxdeck-test-XXXXXX";

	CHECK(mkdtemp(dir) != NULL);
	dev_set(&d, "eth0", "type=nic", "network=lxdeckbr0", "name=eth0", NULL);
	dev_set(&d, "eth1", "type=nic", "nictype=bridged", "parent=br0",
	    "hwaddr=00:16:3e:aa:bb:cc", "mtu=1500", "host_name=veth-c1",
	    "vlan=10", "ipv4.address=10.0.3.5", "limits.max=100Mbit",
	    "security.mac_filtering=true", NULL);
	dev_set(&d, "root", "type=disk", "path=/", "pool=default", "size=10GiB", NULL);
	dev_set(&d, "data", "type=disk", "path=/mnt/data", "source=/srv",
	    "readonly=true", "required=false", "recursive=yes", "shift=false",
	    "propagation=rshared", "limits.read=10MB", "limits.write=100iops", NULL);
	dev_set(&d, "null", "type=unix-char", "source=/dev/null", "path=/dev/mynull",
	    "major=1", "minor=3", "uid=0", "gid=0", "mode=0660", "required=true", NULL);
	dev_set(&d, "loop", "type=unix-block", "path=/dev/loop0", NULL);
	dev_set(&d, "nothing", "type=none", NULL);
	CHECK(dev_ok(&d));
	devmap_free(&d);

#define DEV_BAD(...) do {						\
	dev_set(&d, "x", __VA_ARGS__, NULL);				\
	CHECK(!dev_ok(&d) && last.code == 400 &&			\
	    strstr(last.msg, "\"x\"") != NULL);				\
	devmap_free(&d);						\
} while (0)
	DEV_BAD("path=/mnt");				/* no type */
	DEV_BAD("type=gpu");
	CHECK(strstr(last.msg, "Unknown device type") != NULL);
	DEV_BAD("type=proxy", "listen=tcp:0.0.0.0:80", "connect=tcp:127.0.0.1:80");
	CHECK(strstr(last.msg, "Device type \"proxy\" is not supported yet") != NULL);
	DEV_BAD("type=nic", "network=lxdeckbr0", "bogus=1");
	CHECK(strstr(last.msg, "Unknown key \"bogus\"") != NULL);
	DEV_BAD("type=nic");
	DEV_BAD("type=nic", "nictype=bridged");		/* no parent */
	DEV_BAD("type=nic", "network=a", "parent=b");
	DEV_BAD("type=nic", "nictype=weird", "parent=br0");
	DEV_BAD("type=nic", "nictype=routed", "parent=eth0");
	CHECK(strstr(last.msg, "not supported yet") != NULL);
	DEV_BAD("type=nic", "network=br", "hwaddr=00:16:3e:aa:bb");
	CHECK(strstr(last.msg, "hwaddr") != NULL);
	DEV_BAD("type=nic", "network=br", "hwaddr=00-16-3e-aa-bb-cc");
	DEV_BAD("type=nic", "network=br", "mtu=67");
	CHECK(strstr(last.msg, "mtu") != NULL);
	DEV_BAD("type=nic", "network=br", "mtu=65536");
	DEV_BAD("type=nic", "network=br", "vlan=5000");
	DEV_BAD("type=nic", "network=br", "ipv4.address=10.0.3");
	DEV_BAD("type=nic", "network=br", "name=a-very-long-interface-name");
	DEV_BAD("type=nic", "network=br", "limits.max=fast");
	DEV_BAD("type=disk", "source=/srv");		/* no path */
	DEV_BAD("type=disk", "path=/");			/* root without pool */
	CHECK(strstr(last.msg, "pool") != NULL);
	DEV_BAD("type=disk", "path=/mnt");		/* no source */
	DEV_BAD("type=disk", "path=/mnt", "source=srv");
	CHECK(strstr(last.msg, "absolute") != NULL);
	DEV_BAD("type=disk", "path=/mnt", "source=/srv", "readonly=kinda");
	DEV_BAD("type=disk", "path=/mnt", "source=/srv", "propagation=weird");
	DEV_BAD("type=disk", "path=/mnt/../../etc", "source=/srv");
	DEV_BAD("type=disk", "path=/mnt", "source=/srv", "size=1GB");
	DEV_BAD("type=disk", "path=/mnt", "source=/srv", "limits.read=lots");
	DEV_BAD("type=unix-char");
	CHECK(strstr(last.msg, "\"source\" or \"path\"") != NULL);
	DEV_BAD("type=unix-char", "source=/dev/null", "mode=999");
	DEV_BAD("type=unix-char", "source=/dev/null", "major=x");
	DEV_BAD("type=unix-char", "source=/dev/null", "uid=-1");
	DEV_BAD("type=unix-char", "source=dev/null");
	DEV_BAD("type=none", "path=/x");
#undef DEV_BAD

	dev_set(&d, "bad name!", "type=none", NULL);
	CHECK(!dev_ok(&d) && strstr(last.msg, "bad name!") != NULL);
	devmap_free(&d);
	dev_set(&d, "root", "type=disk", "path=/", "pool=default", NULL);
	dev_set(&d, "root2", "type=disk", "path=/", "pool=other", NULL);
	CHECK(!dev_ok(&d) && strstr(last.msg, "More than one root") != NULL);
	devmap_free(&d);
	rmdir(dir);
}

/* lxd-api.md 3.1: config later-wins key by key; devices replaced whole. */
TEST(expand)
{
	struct profile pr[2];
	struct strmap local = { 0 }, out = { 0 };
	struct devmap ldev = { 0 }, odev = { 0 };
	const struct strmap *data;

	memset(pr, 0, sizeof pr);
	pr[0].name = "q";
	pr[1].name = "p";
	strmap_set(&pr[0].config, "limits.memory", "1GB");
	strmap_set(&pr[0].config, "limits.cpu", "1");
	strmap_set(&pr[0].config, "user.from", "q");
	strmap_set(&pr[1].config, "limits.memory", "2GB");
	strmap_set(&pr[1].config, "user.from", "p");
	dev_set(&pr[0].devices, "data", "type=disk", "readonly=true", "source=/srv",
	    "path=/srv", NULL);
	dev_set(&pr[0].devices, "root", "type=disk", "path=/", "pool=default", NULL);
	dev_set(&pr[1].devices, "data", "type=disk", "path=/mnt", "source=/opt", NULL);
	strmap_set(&local, "user.from", "local");
	/* Empty = unset (LXD deletes it): the profile's value shows through. */
	strmap_set(&local, "limits.cpu", "");
	strmap_set(&local, "user.empty", "");

	config_expand(pr, 2, &local, &ldev, &out, &odev);
	CHECK_STR(strmap_get(&out, "limits.memory"), "2GB");
	CHECK_STR(strmap_get(&out, "user.from"), "local");
	CHECK_STR(strmap_get(&out, "limits.cpu"), "1");
	CHECK(strmap_get(&out, "user.empty") == NULL);
	CHECK(odev.n == 2);
	data = devmap_get(&odev, "data");
	CHECK(data != NULL && data->n == 3);
	CHECK_STR(strmap_get(data, "path"), "/mnt");
	CHECK(strmap_get(data, "readonly") == NULL);
	CHECK(devmap_get(&odev, "root") != NULL);

	/* Swapped order: q's device, whole. */
	{
		struct profile sw[2] = { pr[1], pr[0] };

		config_expand(sw, 2, NULL, NULL, &out, &odev);
		data = devmap_get(&odev, "data");
		CHECK_STR(strmap_get(data, "readonly"), "true");
		CHECK_STR(strmap_get(data, "path"), "/srv");
		CHECK(data->n == 4);
		CHECK_STR(strmap_get(&out, "limits.memory"), "1GB");
		CHECK_STR(strmap_get(&out, "limits.cpu"), "1");
	}

	/* A local device replaces the profile's whole too. */
	dev_set(&ldev, "data", "type=none", NULL);
	config_expand(pr, 2, &local, &ldev, &out, &odev);
	data = devmap_get(&odev, "data");
	CHECK(data->n == 1);
	CHECK_STR(strmap_get(data, "type"), "none");

	/* No profiles: exactly the local values. */
	config_expand(NULL, 0, &local, &ldev, &out, &odev);
	CHECK(out.n == 1);
	CHECK(odev.n == 1);

	strmap_free(&out);
	devmap_free(&odev);
	strmap_free(&local);
	devmap_free(&ldev);
	strmap_free(&pr[0].config);
	strmap_free(&pr[1].config);
	devmap_free(&pr[0].devices);
	devmap_free(&pr[1].devices);
}

static struct lxc_render
render_base(struct strmap *c, struct devmap *d, struct strmap *local)
{
	struct lxc_render r;

	memset(&r, 0, sizeof r);
	r.name = "c1";
	r.rootfs = "/var/lib/lxdeck/containers/c1/rootfs";
	r.rootfs_idmap = true;
	r.privileged = false;
	r.idmap_base = 1000000;
	r.idmap_range = 65536;
	r.expanded_config = c;
	r.expanded_devices = d;
	r.local_config = local;
	r.log_file = "/var/lib/lxdeck/containers/c1/lxc.log";
	r.console_log = "/var/lib/lxdeck/containers/c1/console.log";
	r.seccomp_policy = "/var/lib/lxdeck/seccomp.policy";
	return r;
}

TEST(render_unprivileged)
{
	struct strmap c = { 0 }, local = { 0 };
	struct devmap d = { 0 };
	struct lxc_render r = render_base(&c, &d, &local);
	struct err e = { 0 };
	char *t;

	strmap_set(&c, "environment.FOO", "bar baz");
	strmap_set(&c, "user.note", "not rendered");
	if ((t = render_ok(&r, &e)) == NULL)
		return;
	CHECK(strncmp(t, "# Generated by lxdeck; do not edit\n", 35) == 0);
	CHECK(has_line(t, "lxc.uts.name = c1"));
	CHECK(line_pos(t, "lxc.arch = x86_64") != NULL || strstr(t, "lxc.arch = ") != NULL);
	HAS_LINES(t,
	    "lxc.rootfs.path = dir:/var/lib/lxdeck/containers/c1/rootfs",
	    "lxc.rootfs.options = idmap=container",
	    "lxc.idmap = u 0 1000000 65536",
	    "lxc.idmap = g 0 1000000 65536",
	    "lxc.include = /usr/share/lxc/config/common.conf",
	    "lxc.include = /usr/share/lxc/config/userns.conf");
	CHECK(line_pos(t, "lxc.include = /usr/share/lxc/config/common.conf") <
	    line_pos(t, "lxc.include = /usr/share/lxc/config/userns.conf"));
	/* Our seccomp profile must come after common.conf's. */
	CHECK(has_line(t, "lxc.seccomp.profile = /var/lib/lxdeck/seccomp.policy"));
	CHECK(line_pos(t, "lxc.include = /usr/share/lxc/config/common.conf") <
	    line_pos(t, "lxc.seccomp.profile = /var/lib/lxdeck/seccomp.policy"));
	CHECK(!has_line(t, "lxc.cap.drop = sys_module sys_time sys_rawio mac_admin mac_override"));
	CHECK(has_line(t, "lxc.log.file = /var/lib/lxdeck/containers/c1/lxc.log"));
	CHECK(strstr(t, "\nlxc.log.level = ") != NULL);
	HAS_LINES(t,
	    "lxc.console.logfile = /var/lib/lxdeck/containers/c1/console.log",
	    "lxc.console.size = 1MB");
	CHECK(strstr(t, "\nlxc.tty.max = ") != NULL);
	CHECK(strstr(t, "\nlxc.pty.max = ") != NULL);
	HAS_LINES(t,
	    "lxc.autodev = 1",
	    "lxc.mount.auto = proc:mixed sys:rw cgroup:mixed",
	    "lxc.cgroup.devices.deny = a",
	    "lxc.cgroup.devices.allow = c 1:3 rwm",
	    "lxc.environment = FOO=bar baz");
	CHECK(strstr(t, "not rendered") == NULL);
	CHECK(has_line(t, "lxc.net.0.type = empty"));
	CHECK(strstr(t, "apparmor") == NULL);	/* no AppArmor on this kernel */
	CHECK(strstr(t, "nesting.conf") == NULL);
	/* No hook of ours; lxcfs's (from common.conf) are cleared when no
	 * lxcfs runs. */
	CHECK(strstr(t, "lxc.hook.mount = /") == NULL);
	CHECK(strstr(t, "lxc.hook.start") == NULL);
	if (access("/var/lib/lxcfs/proc/meminfo", F_OK) != 0)
		CHECK(has_line(t, "lxc.hook.mount ="));
	free(t);
	strmap_free(&c);
}

TEST(render_privileged_nesting)
{
	struct strmap c = { 0 };
	struct devmap d = { 0 };
	struct lxc_render r = render_base(&c, &d, NULL);
	struct err e = { 0 };
	char *t;

	r.privileged = true;
	r.rootfs_idmap = false;
	strmap_set(&c, "security.privileged", "true");
	strmap_set(&c, "security.nesting", "true");
	if ((t = render_ok(&r, &e)) == NULL)
		return;
	CHECK(strstr(t, "lxc.idmap") == NULL);
	CHECK(strstr(t, "userns.conf") == NULL);
	CHECK(strstr(t, "idmap=container") == NULL);
	HAS_LINES(t,
	    "lxc.cap.drop = sys_module sys_time sys_rawio mac_admin mac_override",
	    "lxc.include = /usr/share/lxc/config/nesting.conf",
	    "lxc.mount.auto = proc:rw sys:rw cgroup:rw");
	CHECK(!has_line(t, "lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed"));
	free(t);

	strmap_unset(&c, "security.nesting");
	t = config_render_lxc(&r, &e);
	CHECK(t != NULL && has_line(t, "lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed"));
	CHECK(t != NULL && strstr(t, "nesting.conf") == NULL);
	free(t);
	strmap_free(&c);
}

TEST(render_limits)
{
	struct strmap c = { 0 }, items = { 0 };
	struct devmap d = { 0 };
	struct lxc_render r = render_base(&c, &d, NULL);
	struct err e = { 0 };
	char *t;

	strmap_set(&c, "limits.memory", "64MiB");
	strmap_set(&c, "limits.cpu", "0-1,3");
	strmap_set(&c, "limits.processes", "200");
	strmap_set(&c, "limits.cpu.allowance", "50%");
	if ((t = render_ok(&r, &e)) == NULL)
		return;
	HAS_LINES(t,
	    "lxc.cgroup.memory.limit_in_bytes = 67108864",
	    "lxc.cgroup.cpuset.cpus = 0-1,3",
	    "lxc.cgroup.pids.max = 200",
	    "lxc.cgroup.cpu.shares = 512");
	free(t);

	r.cgroup2 = true;
	strmap_set(&c, "limits.cpu.allowance", "25ms/100ms");
	strmap_set(&c, "limits.memory.swap", "false");
	if ((t = render_ok(&r, &e)) == NULL)
		return;
	HAS_LINES(t,
	    "lxc.cgroup2.memory.max = 67108864",
	    "lxc.cgroup2.memory.swap.max = 0",
	    "lxc.cgroup2.cpuset.cpus = 0-1,3",
	    "lxc.cgroup2.pids.max = 200",
	    "lxc.cgroup2.cpu.max = 25000 100000",
	    "lxc.cgroup2.devices.deny = a");
	CHECK(strstr(t, "lxc.cgroup.memory") == NULL);
	CHECK(strstr(t, "\nlxc.cgroup.devices") == NULL);
	free(t);

	strmap_set(&c, "limits.cpu", "1");
	strmap_set(&c, "limits.memory.enforce", "soft");
	CHECK(config_cgroup_items(&c, false, &items, &e) == 0);
	CHECK_STR(strmap_get(&items, "memory.soft_limit_in_bytes"), "67108864");
	CHECK(strmap_get(&items, "memory.limit_in_bytes") == NULL);
	CHECK_STR(strmap_get(&items, "cpuset.cpus"), "0");
	CHECK_STR(strmap_get(&items, "cpu.cfs_quota_us"), "25000");
	CHECK_STR(strmap_get(&items, "cpu.cfs_period_us"), "100000");
	CHECK_STR(strmap_get(&items, "pids.max"), "200");
	CHECK_STR(strmap_get(&items, "memory.swappiness"), "0");
	strmap_free(&items);

	strmap_free(&c);
	strmap_set(&c, "limits.memory", "1GB");
	strmap_set(&c, "limits.cpu.allowance", "50%");
	CHECK(config_cgroup_items(&c, true, &items, &e) == 0);
	CHECK_STR(strmap_get(&items, "memory.max"), "1000000000");
	CHECK_STR(strmap_get(&items, "cpu.weight"), "50");
	CHECK(items.n == 2);
	strmap_free(&items);
	strmap_free(&c);
	CHECK(config_cgroup_items(&c, false, &items, &e) == 0 && items.n == 0);
}

TEST(render_devices)
{
	struct strmap c = { 0 }, local = { 0 };
	struct devmap d = { 0 };
	struct lxc_render r = render_base(&c, &d, &local);
	struct err e = { 0 };
	char dir[] = "/tmp/lxdeck-test-XXXXXX", *file = NULL, *src = NULL, *t;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	file = malloc(strlen(dir) + 20);
	sprintf(file, "%s/a file", dir);
	f = fopen(file, "w");
	CHECK(f != NULL);
	if (f != NULL)
		fclose(f);
	src = malloc(strlen(dir) + 20);
	sprintf(src, "%s/srv", dir);
	mkdir(src, 0755);

	dev_set(&d, "eth0", "type=nic", "network=lxdeckbr0", "name=eth0", NULL);
	dev_set(&d, "eth1", "type=nic", "nictype=bridged", "parent=br1",
	    "hwaddr=00:16:3e:aa:bb:cc", "mtu=1400", "host_name=vethc1", NULL);
	strmap_set(&local, "volatile.eth0.hwaddr", "00:16:3e:00:00:01");
	dev_set(&d, "root", "type=disk", "path=/", "pool=default", NULL);
	dev_set(&d, "srv", "type=disk", "path=/srv/data", "source=", NULL);
	strmap_set(devmap_get(&d, "srv"), "source", src);
	strmap_set(devmap_get(&d, "srv"), "readonly", "true");
	dev_set(&d, "file", "type=disk", "path=/etc/a file", "source=/x", NULL);
	strmap_set(devmap_get(&d, "file"), "source", file);
	dev_set(&d, "gone", "type=disk", "path=/gone", "source=/nonexistent/lxdeck",
	    "required=false", NULL);
	dev_set(&d, "null", "type=unix-char", "source=/dev/null", "path=/dev/mynull",
	    NULL);
	strmap_set(&c, "raw.lxc", "lxc.cap.drop = sys_admin\n# last words");

	t = config_render_lxc(&r, &e);
	CHECK(t != NULL);
	if (t == NULL) {
		printf("# %s\n", e.msg);
		goto out;
	}
	HAS_LINES(t,
	    "lxc.net.0.type = veth",
	    "lxc.net.0.link = lxdeckbr0",
	    "lxc.net.0.name = eth0",
	    "lxc.net.0.flags = up",
	    "lxc.net.0.hwaddr = 00:16:3e:00:00:01",
	    "lxc.net.1.type = veth",
	    "lxc.net.1.link = br1",
	    "lxc.net.1.name = eth1",
	    "lxc.net.1.hwaddr = 00:16:3e:aa:bb:cc",
	    "lxc.net.1.mtu = 1400",
	    "lxc.net.1.veth.pair = vethc1");
	CHECK(strstr(t, "lxc.net.0.type = empty") == NULL);
	{
		char *want = malloc(strlen(src) + 100);

		sprintf(want, "lxc.mount.entry = %s srv/data none bind,create=dir,ro 0 0",
		    src);
		CHECK(has_line(t, want));
		sprintf(want, "lxc.mount.entry = %s/a\\040file etc/a\\040file none "
		    "bind,create=file 0 0", dir);
		CHECK(has_line(t, want));
		free(want);
	}
	CHECK(strstr(t, "/nonexistent/lxdeck") == NULL);
	CHECK(strstr(t, "rootfs/") == NULL || strstr(t, "mount.entry = /var") == NULL);
	HAS_LINES(t,
	    "lxc.cgroup.devices.allow = c 1:3 rwm",
	    "lxc.mount.entry = /dev/null dev/mynull none bind,create=file 0 0");
	/* raw.lxc is the very end. */
	CHECK(line_pos(t, "lxc.cap.drop = sys_admin") != NULL);
	CHECK(line_pos(t, "lxc.cap.drop = sys_admin") >
	    line_pos(t, "lxc.mount.entry = /dev/null dev/mynull none bind,create=file 0 0"));
	CHECK(strcmp(t + strlen(t) - strlen("# last words\n"), "# last words\n") == 0);
	free(t);

	/* cgroup2 device rule */
	r.cgroup2 = true;
	t = config_render_lxc(&r, &e);
	CHECK(t != NULL && has_line(t, "lxc.cgroup2.devices.allow = c 1:3 rwm"));
	free(t);
	r.cgroup2 = false;

	/* A missing required disk is an error naming the device. */
	strmap_set(devmap_get(&d, "gone"), "required", "true");
	err_clear(&e);
	t = config_render_lxc(&r, &e);
	CHECK(t == NULL);
	CHECK(e.code == 400);
	CHECK(strstr(e.msg, "\"gone\"") != NULL);
	CHECK(strncmp(e.msg, "Device \"gone\"", 13) == 0);
	devmap_unset(&d, "gone");

	/* unix-char that is no char device */
	dev_set(&d, "notchar", "type=unix-char", "source=/tmp", NULL);
	err_clear(&e);
	CHECK(config_render_lxc(&r, &e) == NULL && strstr(e.msg, "notchar") != NULL);
	devmap_unset(&d, "notchar");

	/* An invalid config is refused at render time too. */
	strmap_set(&c, "limits.memory", "lots");
	err_clear(&e);
	CHECK(config_render_lxc(&r, &e) == NULL && e.code == 400 &&
	    strstr(e.msg, "limits.memory") != NULL);
out:
	unlink(file);
	rmdir(src);
	rmdir(dir);
	free(file);
	free(src);
	strmap_free(&c);
	strmap_free(&local);
	devmap_free(&d);
}

TEST(render_raw_idmap)
{
	struct strmap c = { 0 };
	struct devmap d = { 0 };
	struct lxc_render r = render_base(&c, &d, NULL);
	struct err e = { 0 };
	char *t;

	strmap_set(&c, "raw.idmap", "both 1000 1000");
	if ((t = render_ok(&r, &e)) == NULL)
		return;
	HAS_LINES(t,
	    "lxc.idmap = u 0 1000000 1000",
	    "lxc.idmap = u 1000 1000 1",
	    "lxc.idmap = u 1001 1001001 64535",
	    "lxc.idmap = g 1000 1000 1");
	CHECK(!has_line(t, "lxc.idmap = u 0 1000000 65536"));
	free(t);

	/* container 5 -> host 1000010, which the base range gives container 10 */
	strmap_set(&c, "raw.idmap", "uid 1000010 5");
	err_clear(&e);
	CHECK(config_render_lxc(&r, &e) == NULL && strstr(e.msg, "raw.idmap") != NULL);
	strmap_free(&c);
}

TEST(render_bad_request)
{
	struct strmap c = { 0 };
	struct lxc_render r = render_base(&c, NULL, NULL);
	struct err e = { 0 };

	r.name = "9bad";
	CHECK(config_render_lxc(&r, &e) == NULL && e.code == 400);
	r.name = "c1";
	r.seccomp_policy = NULL;
	err_clear(&e);
	CHECK(config_render_lxc(&r, &e) == NULL && e.code == 500);
}

TEST(seccomp)
{
	char dir[] = "/tmp/lxdeck-test-XXXXXX", path[64], buf[1024];
	struct err e = { 0 };
	size_t n = 0;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/seccomp.policy", dir);
	CHECK(config_write_seccomp(path, &e) == 0);
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (f != NULL) {
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	CHECK(strncmp(buf, "2\ndenylist\n", 11) == 0);
	CHECK(has_line(buf, "[all]"));
	CHECK(strstr(buf, "\nreject_force_umount") != NULL);
	HAS_LINES(buf,
	    "kexec_load errno 38",
	    "kexec_file_load errno 38",
	    "open_by_handle_at errno 38",
	    "init_module errno 38",
	    "finit_module errno 38",
	    "delete_module errno 38");
	unlink(path);
	rmdir(dir);
	err_clear(&e);
	CHECK(config_write_seccomp("/nonexistent/dir/policy", &e) == -1 &&
	    e.code == 500 && strstr(e.msg, "/nonexistent/dir/policy") != NULL);
}

int
main(void)
{
	RUN(bools);
	RUN(sizes);
	RUN(unknown_and_free_keys);
	RUN(profile_scope);
	RUN(empty_is_unset);
	RUN(limits_memory);
	RUN(limits_cpu);
	RUN(security_and_boot);
	RUN(snapshots_keys);
	RUN(raw_keys);
	RUN(devices);
	RUN(expand);
	RUN(render_unprivileged);
	RUN(render_privileged_nesting);
	RUN(render_limits);
	RUN(render_devices);
	RUN(render_raw_idmap);
	RUN(render_bad_request);
	RUN(seccomp);
	return harness_done();
}
