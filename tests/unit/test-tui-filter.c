/*
 * test-tui-filter.c - the pieces of the TUI that are pure functions: the
 * list filter, theme parsing (colours, warnings) and key names.
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

	mk(&web, "web1", STATUS_RUNNING, "web");
	mk(&db, "db1", STATUS_STOPPED, "db");
	CHECK(m("", &web));
	CHECK(m("web", &web));
	CHECK(m("WEB", &web));
	CHECK(!m("web", &db));
	CHECK(m("~^d.1$", &db));
	CHECK(!m("~^d.1$", &web));
	CHECK(m("^web[0-9]$", &web));		/* automatic regex */
	CHECK(m("!web", &db));
	CHECK(!m("!web", &web));
	CHECK(m("status=running", &web));
	CHECK(m("status=Running", &web));
	CHECK(!m("status=running", &db));
	CHECK(m("user.role=db", &db));
	CHECK(!m("user.role=db", &web));
	CHECK(m("user.role=~^w", &web));
	CHECK(m("!user.role=db", &web));
	CHECK(m("profile=default", &web));
	CHECK(!m("profile=docker", &web));
	CHECK(m("security.nesting=true web", &web));
	CHECK(!m("security.nesting=true web", &db));
	CHECK(!m("nosuch.key=x", &web));
	CHECK(filter_create("~[", &e) == NULL);
	CHECK(e.code == 400 && strstr(e.msg, "Invalid filter regex") != NULL);
	instance_free_contents(&web);
	instance_free_contents(&db);
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
	RUN(theme);
	RUN(keys);
	return harness_done();
}
