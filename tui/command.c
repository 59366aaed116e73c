/*
 * command.c - the `:` command bar: commands, completion and history.
 *
 * To add a command: add it to command_names[] (completion) and to
 * command_exec(); document it in the help view and man/lxdeck.1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

static const char *const command_names[] = {
	"help", "images", "instances", "ops", "profiles", "q", "quit", "remote",
	"remotes", "theme",
};

void
command_complete(struct tui *t, const char *input, struct strv *out)
{
	const char *sp = strchr(input, ' ');
	struct strv args = { 0 };
	size_t i, l;

	if (sp == NULL) {
		l = strlen(input);
		for (i = 0; i < ARRAY_SIZE(command_names); i++)
			if (strncmp(command_names[i], input, l) == 0)
				strv_push(out, command_names[i]);
		return;
	}
	if (strncmp(input, "remote ", 7) == 0)
		strv_push(&args, "local");
	else if (strncmp(input, "theme ", 6) == 0)
		theme_list(&args);
	sp++;
	l = strlen(sp);
	for (i = 0; i < args.n; i++)
		if (strncmp(args.v[i], sp, l) == 0) {
			char *full = xasprintf("%.*s%s", (int)(sp - input), input,
			    args.v[i]);

			strv_push(out, full);
			free(full);
		}
	strv_free(&args);
}

static void
command_done(struct tui *t, const char *answer, void *arg)
{
	if (answer != NULL)
		command_exec(t, answer);
}

void
command_open(struct tui *t)
{
	prompt_input(t, ":", "", &t->cmd_history, command_complete, command_done,
	    NULL, NULL);
}

static void
command_theme(struct tui *t, const char *name)
{
	struct err e = { 0 };
	struct strv w = { 0 };

	if (theme_load(&t->theme, name, &w, &e) < 0) {
		status_set(t, STATUS_ERR, "%s", e.msg);
		return;
	}
	screen_apply_theme(t);
	if (w.n > 0)
		status_set(t, STATUS_ERR, "Theme \"%s\": %s", name, w.v[0]);
	else
		status_set(t, STATUS_INFO, "Theme \"%s\"", t->theme.name);
	strv_free(&w);
}

void
command_exec(struct tui *t, const char *line)
{
	struct strv w = { 0 };
	const char *c;

	strv_split(&w, line, ' ');
	if (w.n == 0)
		goto out;
	c = w.v[0];
	if (strcmp(c, "q") == 0 || strcmp(c, "quit") == 0 || strcmp(c, "q!") == 0)
		app_quit(t);
	else if (strcmp(c, "remote") == 0 || strcmp(c, "remotes") == 0) {
		if (w.n >= 2) {
			size_t l = strlen(w.v[1]);
			char *r = xstrndup(w.v[1], l && w.v[1][l - 1] == ':' ? l - 1 : l);

			view_pop_for_switch(t);
			app_connect(t, r);
			free(r);
		} else
			view_push(t, &view_remotes_type, NULL);
	} else if (strcmp(c, "profiles") == 0)
		view_push(t, &view_profiles_type, NULL);
	else if (strcmp(c, "images") == 0)
		view_push(t, &view_images_type, NULL);
	else if (strcmp(c, "ops") == 0)
		view_push(t, &view_ops_type, NULL);
	else if (strcmp(c, "help") == 0)
		view_push(t, &view_help_type, NULL);
	else if (strcmp(c, "instances") == 0) {
		while (t->depth > 1)
			view_pop(t);
	} else if (strcmp(c, "theme") == 0) {
		if (w.n < 2)
			status_set(t, STATUS_INFO, "Theme \"%s\"", t->theme.name);
		else
			command_theme(t, w.v[1]);
	} else
		status_set(t, STATUS_ERR, "Unknown command \"%s\" (Tab completes, "
		    "? for help)", c);
out:
	strv_free(&w);
}
