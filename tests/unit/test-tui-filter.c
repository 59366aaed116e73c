/*
 * test-tui-filter.c - the pieces of the TUI that are pure functions: the
 * list filter, the list's packed cache, theme parsing (colours, warnings)
 * and key names.
 */
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "../../tui/tui.h"
#include "../harness.h"

static void
mk(struct instance *in, const char *name, int status, const char *role)
{
	memset(in, 0, sizeof *in);
	in->name = xstrdup(name);
	in->status = status;
	strv_push(&in->profiles, "default");
	if (role != NULL) {
		strmap_set(&in->config, "user.role", role);
		strmap_set(&in->expanded_config, "user.role", role);
	}
	strmap_set(&in->expanded_config, "security.nesting", "true");
}

static bool
m(const char *expr, const struct instance *in)
{
	struct err e = { 0 };
	struct filter *f = filter_create(expr, &e);
	bool r;

	if (f == NULL)
		return false;
	r = filter_match(f, in);
	filter_free(f);
	return r;
}

TEST(filter)
{
	struct instance web, db;
	struct err e = { 0 };
	const struct {
		const char		*expr;
		const struct instance	*in;
		bool			 want;
	} cases[] = {
		{ "", &web, true },
		{ "web", &web, true },
		{ "WEB", &web, true },
		{ "web", &db, false },
		{ "~^d.1$", &db, true },
		{ "~^d.1$", &web, false },
		{ "^web[0-9]$", &web, true },		/* automatic regex */
		{ "!web", &db, true },
		{ "!web", &web, false },
		{ "status=running", &web, true },
		{ "status=Running", &web, true },
		{ "status=running", &db, false },
		{ "user.role=db", &db, true },
		{ "user.role=db", &web, false },
		{ "user.role=~^w", &web, true },
		{ "!user.role=db", &web, true },
		{ "profile=default", &web, true },
		{ "profile=docker", &web, false },
		{ "security.nesting=true web", &web, true },
		{ "security.nesting=true web", &db, false },
		{ "nosuch.key=x", &web, false },
	};
	size_t i;

	mk(&web, "web1", STATUS_RUNNING, "web");
	mk(&db, "db1", STATUS_STOPPED, "db");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECKF(m(cases[i].expr, cases[i].in) == cases[i].want,
		    "\"%s\" %s %s", cases[i].expr,
		    cases[i].want ? "matches" : "does not match", cases[i].in->name);
	CHECK(filter_create("~[", &e) == NULL);
	CHECK(e.code == 400 && strstr(e.msg, "Invalid filter regex") != NULL);
	instance_free_contents(&web);
	instance_free_contents(&db);
}

static void
nic(struct nic_state *n, const char *name, const char *fam, const char *addr)
{
	memset(n, 0, sizeof *n);
	n->name = xstrdup(name);
	n->naddrs = 2;
	n->addrs = xcalloc(2, sizeof *n->addrs);
	n->addrs[0].family = xstrdup("inet6");
	n->addrs[0].address = xstrdup("fe80::1");
	n->addrs[1].family = xstrdup(fam);
	n->addrs[1].address = xstrdup(addr);
}

/* The packed copy reads the same through the filter and the list. */
TEST(inst_cache)
{
	struct instance v[3];
	struct instance *c;
	const char *exprs[] = { "web", "role=web", "user.role=db", "!role=db",
	    "ipv4=10.0.0.5", "ipv4=127.0.0.1", "profile=default", "status=running",
	    "security.nesting=true", "volatile.x=1", "~^d" };
	size_t i, k;

	mk(&v[0], "web1", STATUS_RUNNING, "web");
	mk(&v[1], "db1", STATUS_STOPPED, "db");
	mk(&v[2], "x", STATUS_RUNNING, NULL);
	/* Only a local config: the filter still finds it. */
	strmap_free(&v[2].expanded_config);
	strmap_set(&v[2].config, "volatile.x", "1");
	strmap_set(&v[0].config, "volatile.x", "2");
	devmap_set(&v[0].devices, "root", &v[0].config);
	v[0].nsnapshots = 3;
	v[0].state = xcalloc(1, sizeof *v[0].state);
	v[0].state->cpu_usage_ns = 42;
	v[0].state->memory_usage = 4096;
	v[0].state->nnics = 2;
	v[0].state->nics = xcalloc(2, sizeof *v[0].state->nics);
	nic(&v[0].state->nics[0], "lo", "inet", "127.0.0.1");
	nic(&v[0].state->nics[1], "eth0", "inet", "10.0.0.5");
	c = inst_cache_pack(v, 3);
	CHECK(c != NULL);
	CHECK_STR(c[0].name, "web1");
	CHECK_STR(c[1].name, "db1");
	CHECK(c[0].status == STATUS_RUNNING && c[1].status == STATUS_STOPPED);
	CHECK(c[0].nsnapshots == 3);
	CHECK(c[0].state != NULL && c[0].state->cpu_usage_ns == 42 &&
	    c[0].state->memory_usage == 4096);
	CHECK(c[1].state == NULL);
	CHECK_STR(filter_ipv4(&c[0]), "10.0.0.5");
	CHECK_STR(filter_ipv4(&c[1]), "");
	CHECK(c[0].profiles.n == 1 && c[0].profiles.v[1] == NULL);
	CHECK_STR(c[0].profiles.v[0], "default");
	/* Each distinct string once: both profiles lists share "default". */
	CHECK(c[0].profiles.v[0] == c[1].profiles.v[0]);
	CHECK(c[0].devices.n == 0);
	for (i = 0; i < ARRAY_SIZE(exprs); i++)
		for (k = 0; k < 3; k++) {
			char what[96];

			snprintf(what, sizeof what, "%s on %s", exprs[i], v[k].name);
			harness_check(m(exprs[i], &v[k]) == m(exprs[i], &c[k]), what,
			    __FILE__, __LINE__);
		}
	CHECK(m("volatile.x=1", &c[2]));
	inst_cache_free(c);
	CHECK(inst_cache_pack(v, 0) == NULL);
	inst_cache_free(NULL);
	for (k = 0; k < 3; k++)
		instance_free_contents(&v[k]);
}

TEST(theme)
{
	struct theme th = { 0 };
	struct strv w = { 0 };
	int c;

	CHECK(theme_parse_colour("default", &c) == 0 && c == THEME_DEFAULT);
	CHECK(theme_parse_colour("red", &c) == 0 && c == 1);
	CHECK(theme_parse_colour("brightblue", &c) == 0 && c == 12);
	CHECK(theme_parse_colour("colour200", &c) == 0 && c == 200);
	CHECK(theme_parse_colour("color7", &c) == 0 && c == 7);
	CHECK(theme_parse_colour("#00ff00", &c) == 0 && c == (THEME_RGB | 0x00ff00));
	CHECK(theme_parse_colour("colour256", &c) < 0);
	CHECK(theme_parse_colour("nope", &c) < 0);

	theme_default(&th);
	CHECK(th.style[TE_RUNNING].fg == 2);
	CHECK(th.style[TE_TITLE].attrs & A_BOLD);
	theme_parse(&th, "# c\nrunning = fg=magenta,bg=#102030,bold\n"
	    "bogus = fg=red\nstopped = fg=nocolour,frobnicate\nnot a line\n",
	    "t.theme", &w);
	CHECK(th.style[TE_RUNNING].fg == 5);
	CHECK(th.style[TE_RUNNING].bg == (THEME_RGB | 0x102030));
	CHECK(th.style[TE_RUNNING].attrs == A_BOLD);
	CHECK(th.style[TE_STOPPED].fg == 1);	/* bad colour keeps the old one */
	CHECK(w.n == 4);
	CHECK(w.n > 0 && strstr(w.v[0], "t.theme:3: unknown element \"bogus\"") != NULL);
	strv_free(&w);
	theme_free(&th);
}

TEST(keys)
{
	char buf[32];

	CHECK(keys_parse("S") == 'S');
	CHECK(keys_parse("Space") == ' ');
	CHECK(keys_parse("Enter") == '\n');
	CHECK(keys_parse("F5") == KEY_F(5));
	CHECK(keys_parse("C-x") == 24);
	CHECK(keys_parse("^L") == 12);
	CHECK(keys_parse("nonsense") == -1);
	CHECK_STR(keys_name(KEY_F(5), buf, sizeof buf), "F5");
	CHECK_STR(keys_name(' ', buf, sizeof buf), "Space");
	CHECK_STR(keys_name('q', buf, sizeof buf), "q");
	CHECK(keys_action_by_name("stop") == KA_STOP);
	CHECK(keys_action_by_name("nope") == -1);
}

int
main(void)
{
	RUN(filter);
	RUN(inst_cache);
	RUN(theme);
	RUN(keys);
	return harness_done();
}
