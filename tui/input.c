/*
 * input.c - keys from the terminal, to whoever takes them first.
 *
 * stdin is a uv_poll on the one loop; each key read goes to the active
 * prompt (prompt.c), else to the top view's key method, else it is one of
 * the global keys: back/quit, help, the ops, profiles, images and remotes
 * views, the command bar (command.c) and refresh.  Ctrl-C quits from
 * anywhere but a prompt.  This file sits above app.c: app.c owns the state
 * and the loop's other handles and knows nothing of commands.
 */
#include <curses.h>

#include "tui.h"

/* The views a global key opens: to add one, add a row. */
static const struct {
	enum key_action		 a;
	const struct view_type	*type;
} input_views[] = {
	{ KA_HELP, &view_help_type }, { KA_OPS, &view_ops_type },
	{ KA_PROFILES, &view_profiles_type }, { KA_IMAGES, &view_images_type },
	{ KA_REMOTES, &view_remotes_type },
};

static const struct view_type *
input_view(enum key_action a)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(input_views); i++)
		if (input_views[i].a == a)
			return input_views[i].type;
	return NULL;
}

static void
input_cb(uv_poll_t *h, int status, int events)
{
	struct tui *t = h->data;
	const struct view_type *type;
	struct view *v;
	int key;

	while (!t->quit && (key = getch()) != ERR) {
		if (key == '\r' || key == KEY_ENTER)
			key = '\n';
		if (key == KEY_RESIZE) {
			screen_resize(t);
			continue;
		}
		if (prompt_active(t)) {
			prompt_key(t, key);
			continue;
		}
		if (key == 3) {		/* Ctrl-C */
			app_quit(t);
			return;
		}
		v = view_top(t);
		if (v != NULL && v->type->key != NULL && v->type->key(v, key))
			continue;
		if ((type = input_view(keys_action(t, key))) != NULL) {
			view_push(t, type, NULL);
			continue;
		}
		switch (keys_action(t, key)) {
		case KA_QUIT:
		case KA_BACK:
			if (t->depth > 1)
				view_pop(t);
			else if (keys_action(t, key) == KA_QUIT)
				app_quit(t);
			break;
		case KA_COMMAND:
			command_open(t);
			break;
		case KA_REFRESH:
			app_refresh_now(t);
			t->full_redraw = true;
			break;
		default:
			break;
		}
	}
}

/* Starts reading keys (after app_start: the screen is set up). */
void
input_start(struct tui *t)
{
	uv_poll_init(t->loop, &t->stdin_poll, 0);
	t->stdin_poll.data = t;
	uv_poll_start(&t->stdin_poll, UV_READABLE, input_cb);
}
