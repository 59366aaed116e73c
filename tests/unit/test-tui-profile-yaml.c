/*
 * test-tui-profile-yaml.c - profiles to YAML and back, in the shape
 * `lxc profile edit` uses, and the errors that re-open the editor.
 */
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "../../tui/tui.h"
#include "../harness.h"

static void
sample(struct profile *p)
{
	struct strmap d = { 0 };

	memset(p, 0, sizeof *p);
	p->name = xstrdup("web");
	p->description = xstrdup("Web: \"front\" servers # not a comment");
	strmap_set(&p->config, "limits.memory", "64MiB");
	strmap_set(&p->config, "user.note", "yes");	/* would be a bool unquoted */
	strmap_set(&p->config, "raw.lxc", "lxc.a = 1\nlxc.b = 2\n");
	strmap_set(&d, "type", "nic");
	strmap_set(&d, "network", "lxdeckbr0");
	devmap_set(&p->devices, "eth0", &d);
	strmap_free(&d);
	strv_push(&p->used_by, "/1.0/instances/w1");
}

TEST(round_trip)
{
	struct profile p, q;
	struct err e = { 0 };
	char *y, *y2;

	sample(&p);
	y = profile_yaml_emit(&p);
	CHECK(strstr(y, "config:\n  limits.memory: 64MiB\n") != NULL);
	CHECK(strstr(y, "devices:\n  eth0:\n") != NULL);
	CHECK(strstr(y, "name: web\n") != NULL);
	CHECK(strstr(y, "used_by:\n- /1.0/instances/w1\n") != NULL);
	CHECK(profile_yaml_parse(y, &q, &e) == 0);
	CHECK(strmap_equal(&p.config, &q.config));
	CHECK(devmap_equal(&p.devices, &q.devices));
	CHECK_STR(q.description, p.description);
	CHECK_STR(q.name, "web");
	CHECK(q.used_by.n == 0);
	y2 = profile_yaml_emit(&q);
	strv_push(&q.used_by, "/1.0/instances/w1");
	free(y2);
	y2 = profile_yaml_emit(&q);
	CHECK_STR(y2, y);
	free(y);
	free(y2);
	profile_free_contents(&p);
	profile_free_contents(&q);
}

TEST(empty)
{
	struct profile p = { .name = (char *)"e" }, q;
	struct err e = { 0 };
	char *y = profile_yaml_emit(&p);

	CHECK(strstr(y, "config: {}\n") != NULL);
	CHECK(strstr(y, "devices: {}\n") != NULL);
	CHECK(strstr(y, "used_by: []\n") != NULL);
	CHECK(strstr(y, "description: \"\"\n") != NULL);
	CHECK(profile_yaml_parse(y, &q, &e) == 0);
	CHECK(q.config.n == 0 && q.devices.n == 0);
	profile_free_contents(&q);
	free(y);
	CHECK(profile_yaml_parse("", &q, &e) == 0);
	profile_free_contents(&q);
	CHECK(profile_yaml_parse("config:\ndevices:\n", &q, &e) == 0);
	profile_free_contents(&q);
}

TEST(scalars_are_text)
{
	struct profile q;
	struct err e = { 0 };

	CHECK(profile_yaml_parse("config:\n  security.nesting: true\n"
	    "  limits.cpu: 2\n", &q, &e) == 0);
	CHECK_STR(strmap_get(&q.config, "security.nesting"), "true");
	CHECK_STR(strmap_get(&q.config, "limits.cpu"), "2");
	profile_free_contents(&q);
}

TEST(errors)
{
	struct profile q;
	struct err e = { 0 };
	/* Refused (the document), and the message says why (a part of it). */
	static const char *const cases[][2] = {
		{ "config:\n  a: b\n bad indent\n", "line" },
		{ "config: 5\n", "config must be a mapping" },
		{ "config:\n  a:\n    b: c\n", "the value of \"a\" must be text" },
		{ "devices:\n  eth0: nic\n", "device \"eth0\" must be a mapping" },
		{ "colour: blue\n", "unknown field \"colour\"" },
		{ "- a\n- b\n", "expected a mapping" },
	};
	size_t i;

	CHECK(profile_yaml_parse("config: [\n", &q, &e) < 0);
	CHECK(e.code == 400 && strstr(e.msg, "YAML error at line") != NULL);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err_clear(&e);
		CHECKF(profile_yaml_parse(cases[i][0], &q, &e) < 0,
		    "\"%s\" is refused", cases[i][0]);
		CHECKF(strstr(e.msg, cases[i][1]) != NULL, "with \"%s\" (got \"%s\")",
		    cases[i][1], e.msg);
	}
}

int
main(void)
{
	RUN(round_trip);
	RUN(empty);
	RUN(scalars_are_text);
	RUN(errors);
	return harness_done();
}
