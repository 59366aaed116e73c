/*
 * test-core-rules.c - the fake backend and the engine refuse and accept the
 * same names and config keys, with the same message (core/name.c and
 * core/config-key.c are their one set of rules).  Every known key and
 * namespace goes through profile_create on both backends with a good and a
 * bad value; refused instance, profile and snapshot names and server keys
 * too.  The engine side needs root (engine_open); without it only the
 * fake's expectations are checked.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "../../core/core.h"
#include "../harness.h"

static char dir[] = "/tmp/lxdeck-unit-rules.XXXXXX";

/* A good and a bad value of each key of the core's table. */
static const struct {
	const char	*key;
	const char	*good;
	const char	*bad;
} values[] = {
	{ "boot.autostart",		"true",		"maybe" },
	{ "boot.autostart.delay",	"5",		"soon" },
	{ "boot.autostart.priority",	"10",		"high" },
	{ "boot.host_shutdown_timeout",	"30",		"30s" },
	{ "limits.cpu",			"0-1,3",	"1,1" },
	{ "limits.cpu.allowance",	"25ms/100ms",	"25ms/5000ms" },
	{ "limits.memory",		"64MiB",	"lots" },
	{ "limits.memory.enforce",	"soft",		"firm" },
	{ "limits.memory.swap",		"false",	"2" },
	{ "limits.processes",		"100",		"0" },
	{ "linux.kernel_modules",	"overlay,br_netfilter", "a b" },
	{ "raw.idmap",			"both 1000 1000", "both 1000" },
	{ "raw.lxc",			"lxc.apparmor.profile = unconfined",
					"lxc.rootfs.path = /x" },
	{ "security.nesting",		"yes",		"nesting" },
	{ "security.privileged",	"0",		"root" },
	{ "security.protection.delete",	"on",		"always" },
	{ "snapshots.expiry",		"2w 1d",	"2w 2w" },
	{ "snapshots.pattern",		"snap%d",	"a\nb" },
	{ "snapshots.schedule",		"@daily, 0 6 * * 1", "0 25 * * *" },
	{ "user.",			"anything",	NULL },
	{ "environment.",		"x",		"two\nlines" },
	{ "cloud-init.",		"#cloud-config", NULL },
	{ "volatile.",			"x",		NULL },
	{ "image.",			"x",		NULL },
};

struct pair {
	struct backend	*fake, *eng;
	int		 rc[2];
	struct err	 e[2];
};

/* The test values of a key of the table, NULL when it has none. */
static const char *
value_of(const char *key, bool good)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(values); i++)
		if (strcmp(values[i].key, key) == 0)
			return good ? values[i].good : values[i].bad;
	return NULL;
}

/* profile_create of a one-key profile on both (deleted again when made). */
static void
both_profile(struct pair *p, const char *name, const char *key, const char *val)
{
	struct backend *b[2] = { p->fake, p->eng };
	struct profile pr = { 0 };
	struct err e = { 0 };
	int i;

	pr.name = (char *)name;
	pr.description = (char *)"";
	strmap_set(&pr.config, key, val);
	for (i = 0; i < 2; i++) {
		memset(&p->e[i], 0, sizeof p->e[i]);
		p->rc[i] = 0;
		if (b[i] == NULL)
			continue;
		p->rc[i] = b[i]->ops->profile_create(b[i], &pr, &p->e[i]);
		if (p->rc[i] == 0)
			b[i]->ops->profile_delete(b[i], name, &e);
	}
	strmap_free(&pr.config);
}

/* Both answered alike (when the engine runs). */
static bool
same(const struct pair *p)
{
	if (p->eng == NULL)
		return true;
	return p->rc[0] == p->rc[1] && p->e[0].code == p->e[1].code &&
	    strcmp(p->e[0].msg, p->e[1].msg) == 0;
}

static void
show(const struct pair *p, const char *what)
{
	if (!same(p))
		printf("# %s: fake %d \"%s\", engine %d \"%s\"\n", what, p->rc[0],
		    p->e[0].msg, p->rc[1], p->e[1].msg);
}

static void
keys_alike(struct pair *p)
{
	const char *k;
	size_t i;

	for (i = 0; (k = config_key_name(i)) != NULL; i++) {
		char *key = k[strlen(k) - 1] == '.' ? xasprintf("%sx", k) : xstrdup(k);
		const char *good = value_of(k, true), *bad = value_of(k, false);
		bool inst_only = strcmp(k, "volatile.") == 0 || strcmp(k, "image.") == 0;

		CHECK(good != NULL);	/* every key of the table has a case */
		if (good == NULL) {
			printf("# no test value for %s\n", k);
			free(key);
			continue;
		}
		both_profile(p, "rules-p", key, good);
		show(p, key);
		CHECK(same(p));
		CHECK(p->rc[0] == (inst_only ? -1 : 0));
		if (inst_only)
			CHECK(strstr(p->e[0].msg, "is not allowed in profiles") != NULL);
		if (bad != NULL) {
			both_profile(p, "rules-p", key, bad);
			show(p, key);
			CHECK(same(p));
			CHECK(p->rc[0] == -1 && p->e[0].code == 400);
			CHECK(strncmp(p->e[0].msg, "Invalid profile \"rules-p\": ", 27) == 0);
		}
		free(key);
	}
	both_profile(p, "rules-p", "foo.bar", "1");
	CHECK(same(p));
	CHECK_STR(p->e[0].msg,
	    "Invalid profile \"rules-p\": Unknown configuration key: \"foo.bar\"");
	both_profile(p, "rules-p", "limits.memory", "lots");
	CHECK(same(p));
	CHECK_STR(p->e[0].msg, "Invalid profile \"rules-p\": Invalid value for "
	    "\"limits.memory\": \"lots\": must be a size such as 64MiB or 1GB, "
	    "or a percentage of host RAM");
	both_profile(p, "rules-p", "environment.A=B", "1");
	CHECK(same(p) && p->rc[0] == -1);
	both_profile(p, "rules-p", "user.", "1");
	CHECK(same(p) && p->rc[0] == -1);
}

static void
profile_names_alike(struct pair *p)
{
	static const char *const names[] = { "", ".", "..", "a/b", "tab\there",
	    "my profile", "9lives", "-x", "x-",
	    "a-name-of-64-characters-is-one-too-long-for-a-profile-name-here" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		both_profile(p, names[i], "user.k", "v");
		show(p, names[i]);
		CHECK(same(p));
	}
	/* The fake once used the instance rules for profiles; LXD does not. */
	both_profile(p, "my profile", "user.k", "v");
	CHECK(p->rc[0] == 0);
	both_profile(p, "9lives", "user.k", "v");
	CHECK(p->rc[0] == 0);
	both_profile(p, "a/b", "user.k", "v");
	CHECK(p->rc[0] == -1 && p->e[0].code == 400);
	CHECK_STR(p->e[0].msg, "Invalid profile name \"a/b\": Profile names may "
	    "not contain slashes");
}

static void
instance_rules_alike(struct pair *p)
{
	static const char *const names[] = { "9bad", "-x", "x-", "a_b", "a.b",
	    "caf\xc3\xa9" };
	struct backend *b[2] = { p->fake, p->eng };
	size_t i;
	int k;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		struct instance_create c = { 0 };

		c.name = names[i];
		c.source = SOURCE_NONE;
		for (k = 0; k < 2; k++) {
			memset(&p->e[k], 0, sizeof p->e[k]);
			p->rc[k] = b[k] == NULL ? 0 :
			    b[k]->ops->instance_create(b[k], &c, NULL, &p->e[k]);
		}
		show(p, names[i]);
		CHECK(same(p));
		CHECK(p->rc[0] == -1 && p->e[0].code == 400);
		for (k = 0; k < 2; k++) {
			memset(&p->e[k], 0, sizeof p->e[k]);
			p->rc[k] = b[k] == NULL ? 0 :
			    b[k]->ops->instance_rename(b[k], "nosuch", names[i], NULL,
			    &p->e[k]);
		}
		show(p, names[i]);
		CHECK(same(p));
		CHECK(p->rc[0] == -1 && p->e[0].code == 400);
	}
	CHECK_STR(p->e[0].msg, "Invalid instance name \"caf\xc3\xa9\": Name can only "
	    "contain alphanumeric and hyphen characters");
	{
		struct instance_create c = { 0 };

		c.name = "9bad";
		c.source = SOURCE_NONE;
		CHECK(p->fake->ops->instance_create(p->fake, &c, NULL, &p->e[0]) == -1);
		CHECK_STR(p->e[0].msg, "Failed to create instance \"9bad\": Invalid "
		    "instance name \"9bad\": Name must not start with a digit");
		c.name = "okname";
		strmap_set(&c.config, "limits.memory.swapp", "1");
		for (k = 0; k < 2; k++) {
			memset(&p->e[k], 0, sizeof p->e[k]);
			p->rc[k] = b[k] == NULL ? 0 :
			    b[k]->ops->instance_create(b[k], &c, NULL, &p->e[k]);
		}
		show(p, "okname");
		CHECK(same(p));
		CHECK_STR(p->e[0].msg, "Failed to create instance \"okname\": Unknown "
		    "configuration key: \"limits.memory.swapp\"");
		strmap_free(&c.config);
	}
}

static void
server_keys_alike(struct pair *p)
{
	static const char *const keys[] = { "core.https_address", "images.x",
	    "network.x", "user.x", "foo.bar", "cluster.x" };
	struct backend *b[2] = { p->fake, p->eng };
	size_t i;
	int k;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		struct strmap m = { 0 };

		strmap_set(&m, keys[i], "");
		for (k = 0; k < 2; k++) {
			memset(&p->e[k], 0, sizeof p->e[k]);
			p->rc[k] = b[k] == NULL ? 0 :
			    b[k]->ops->server_update(b[k], &m, &p->e[k]);
		}
		show(p, keys[i]);
		CHECK(same(p));
		CHECK(p->rc[0] == (i < 4 ? 0 : -1));
		strmap_free(&m);
	}
	CHECK_STR(p->e[0].msg, "Unknown server configuration key: \"cluster.x\"");
}

/* Snapshots need an instance; the fake's web1 is checked against the rule. */
static void
snapshot_names(struct pair *p)
{
	static const char *const names[] = { "a/b", "a b", ".", "..", "q?", "x+y" };
	struct err want = { 0 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		memset(&p->e[0], 0, sizeof p->e[0]);
		CHECK(p->fake->ops->snapshot_create(p->fake, "web1", names[i], false,
		    0, NULL, &p->e[0]) == -1);
		CHECK(name_validate_snapshot(names[i], &want) == -1);
		CHECK_STR(p->e[0].msg, want.msg);
		CHECK(p->e[0].code == 400);
	}
}

TEST(fake_and_engine_share_the_rules)
{
	uv_loop_t loop;
	struct pair p = { 0 };
	struct err e = { 0 };

	uv_loop_init(&loop);
	unsetenv("LXDECK_FAKE_INSTANCES");
	p.fake = backend_fake_create(&loop, &e);
	CHECK(p.fake != NULL);
	if (p.fake == NULL)
		return;
	if (geteuid() == 0 && mkdtemp(dir) != NULL) {
		p.eng = backend_local_create(&loop, dir, &e);
		CHECK(p.eng != NULL);
		if (p.eng == NULL)
			printf("# engine: %s\n", e.msg);
	} else {
		printf("# not root: the fake's side only\n");
	}
	keys_alike(&p);
	profile_names_alike(&p);
	instance_rules_alike(&p);
	server_keys_alike(&p);
	snapshot_names(&p);
	if (p.eng != NULL)
		p.eng->ops->free(p.eng);
	p.fake->ops->free(p.fake);
	uv_run(&loop, UV_RUN_DEFAULT);
}

int
main(void)
{
	char *cmd;

	RUN(fake_and_engine_share_the_rules);
	if (dir[strlen(dir) - 1] != 'X') {
		cmd = xasprintf("rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# cleanup of %s failed\n", dir);
		free(cmd);
	}
	return harness_done();
}
