/*
 * keys.c - key names and the remappable keymap.
 *
 * Each action has a name (used as `key.NAME = KEY` in the config file), a
 * default key and a line of help; the help view and the hint bar read this
 * table, so a remapped key shows up everywhere.  Navigation keys (arrows,
 * j/k, PgUp/PgDn, Home/End) are fixed.  To add an action: extend
 * enum key_action in tui.h and this table, then handle it in a view.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curses.h>

#include "tui.h"

static const struct {
	const char	*name;
	int		 key;
	const char	*help;
} keys_table[KA__COUNT] = {
	[KA_START]	  = { "start", 's', "start the instance(s)" },
	[KA_STOP]	  = { "stop", 'S', "stop the instance(s) (asks first)" },
	[KA_RESTART]	  = { "restart", 'r', "restart the instance(s) (asks first)" },
	[KA_FREEZE]	  = { "freeze", 'p', "freeze / unfreeze (pause)" },
	[KA_DELETE]	  = { "delete", 'd', "delete the instance(s) (asks first)" },
	[KA_LAUNCH]	  = { "launch", 'n', "launch a new instance from an image" },
	[KA_SNAPSHOTS]	  = { "snapshots", 't', "snapshots of the instance" },
	[KA_FILTER]	  = { "filter", '/', "filter: text, ~regex, !negation, key=value" },
	[KA_COMMAND]	  = { "command", ':', "command bar (Tab completes, Up/Down history)" },
	[KA_HELP]	  = { "help", '?', "this help" },
	[KA_OPS]	  = { "ops", 'o', "operations and events feed" },
	[KA_PROFILES]	  = { "profiles", 'P', "profiles" },
	[KA_IMAGES]	  = { "images", 'i', "images" },
	[KA_REMOTES]	  = { "remotes", 'R', "remotes" },
	[KA_MARK]	  = { "mark", ' ', "mark / unmark for bulk actions" },
	[KA_DETAIL]	  = { "detail", '\n', "details of the instance" },
	[KA_BACK]	  = { "back", 27, "back (Esc)" },
	[KA_QUIT]	  = { "quit", 'q', "back; quits from the instance list" },
	[KA_SORT_NEXT]	  = { "sort_next", '>', "sort by the next column" },
	[KA_SORT_PREV]	  = { "sort_prev", '<', "sort by the previous column" },
	[KA_SORT_REVERSE] = { "sort_reverse", '=', "reverse the sort order" },
	[KA_REFRESH]	  = { "refresh", 12, "refetch and redraw (Ctrl-L)" },
	[KA_CONSOLE]	  = { "console", 'c', "attach the instance's console in a pane" },
	[KA_SHELL]	  = { "shell", 'e', "open a shell in the instance in a pane" },
	[KA_CONSOLE_PREFIX] = { "console_prefix", 1, "pane prefix: then q z n [ x a (Ctrl-a)" },
	[KA_CONSOLE_DETACH] = { "console_detach", 'q', "after the prefix: detach from the pane" },
};

static const struct {
	const char	*name;
	int		 key;
} keys_names[] = {
	{ "Space", ' ' }, { "Enter", '\n' }, { "Esc", 27 }, { "Tab", '\t' },
	{ "BSpace", KEY_BACKSPACE }, { "Up", KEY_UP }, { "Down", KEY_DOWN },
	{ "Left", KEY_LEFT }, { "Right", KEY_RIGHT }, { "PgUp", KEY_PPAGE },
	{ "PgDn", KEY_NPAGE }, { "Home", KEY_HOME }, { "End", KEY_END },
	{ "Del", KEY_DC }, { "Ins", KEY_IC },
};

void
keys_default(int *keys)
{
	int i;

	for (i = 0; i < KA__COUNT; i++)
		keys[i] = keys_table[i].key;
}

int
keys_parse(const char *s)
{
	size_t i;
	int n;

	if (s == NULL || *s == '\0')
		return -1;
	if (s[1] == '\0')
		return (unsigned char)s[0];
	for (i = 0; i < ARRAY_SIZE(keys_names); i++)
		if (strcasecmp(s, keys_names[i].name) == 0)
			return keys_names[i].key;
	if ((s[0] == 'F' || s[0] == 'f') && (n = atoi(s + 1)) >= 1 && n <= 12)
		return KEY_F(n);
	if ((strncasecmp(s, "C-", 2) == 0 && s[2] != '\0' && s[3] == '\0') ||
	    (s[0] == '^' && s[1] != '\0' && s[2] == '\0'))
		return toupper((unsigned char)s[s[0] == '^' ? 1 : 2]) & 0x1f;
	return -1;
}

char *
keys_name(int key, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys_names); i++)
		if (keys_names[i].key == key) {
			snprintf(buf, len, "%s", keys_names[i].name);
			return buf;
		}
	if (key >= KEY_F(1) && key <= KEY_F(12))
		snprintf(buf, len, "F%d", key - KEY_F(0));
	else if (key > 0 && key < 32)
		snprintf(buf, len, "C-%c", key + 'a' - 1);
	else if (key >= 32 && key < 127)
		snprintf(buf, len, "%c", key);
	else
		snprintf(buf, len, "#%d", key);
	return buf;
}

int
keys_action_by_name(const char *name)
{
	int i;

	for (i = 0; i < KA__COUNT; i++)
		if (strcmp(keys_table[i].name, name) == 0)
			return i;
	return -1;
}

const char *
keys_action_name(enum key_action a)
{
	return keys_table[a].name;
}

const char *
keys_action_help(enum key_action a)
{
	return keys_table[a].help;
}

enum key_action
keys_action(struct tui *t, int key)
{
	int i;

	for (i = 0; i < KA__COUNT; i++)
		if (t->keys[i] == key)
			return (enum key_action)i;
	return KA_NONE;
}
