/*
 * tui.h - the terminal UI layer of lxdeck: the map of tui/.
 *
 * One struct tui holds the whole program state: the libuv loop, the backend
 * of the current remote (a multi backend over several for a merged list,
 * core/backend-multi.c; or the error that prevented creating it), the cached
 * instance list that every view reads, the stack of views, the status line,
 * the active prompt, the keymap and the theme.  Views (view-*.c) are vtables
 * (struct view_type) with private data; they never draw outside the draw pass:
 * anything that changes marks a view dirty and app.c's "before sleep" pass
 * draws what is dirty and calls doupdate() once per frame.
 *
 * Where things are, from the top down:
 *   lxdeck-main.c   the command line, then app_start() and input_start()
 *   input.c         keys: the prompt, the top view, then the global keys
 *   view-*.c        the views; launch.c the launch prompts after a picker,
 *                   action.c the lifecycle actions (one table), command.c
 *                   the `:` bar, editor.c and profile-yaml.c the YAML edit
 *   app.c           the state, the loop's handles, refresh and draw pass
 *   view.c prompt.c status.c screen.c term.c theme.c keys.c config.c
 *                   the stack and line lists, the bottom lines, curses,
 *                   libvterm panes, themes, the keymap, the config file
 *   backends.c      the one place that chooses a backend for a remote name
 *                   (and loads the engine and REST client on first use)
 *   inst-cache.c    the list's packed copy of the instances and their refs
 *   filter.c cron.c the list's filter, snapshots.schedule specs
 * An instance is addressed by its ref: its name, or REMOTE:NAME in a merged
 * list, where struct instance's remote says which member it is on.
 *
 * The TUI sees containers only through core/core.h.
 */
#ifndef LXDECK_TUI_H
#define LXDECK_TUI_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <uv.h>

#include "../common/common.h"
#include "../core/core.h"

struct tui;
struct view;
struct prompt;

/*
 * Theme elements.  To add one: add it here, name it in theme.c's
 * theme_elem_names[], give it a style in the compiled-in default and in each
 * themes/NAME.theme file, and document it in man/lxdeck-theme.5.
 */
enum theme_elem {
	TE_NORMAL, TE_TITLE, TE_HEADER, TE_SELECTED, TE_MARKED,
	TE_RUNNING, TE_STOPPED, TE_FROZEN, TE_BUSY,
	TE_STATUS, TE_ERROR, TE_HINT, TE_HINT_KEY, TE_PROMPT, TE_DIM,
	TE__COUNT
};

/* A colour: THEME_DEFAULT, 0..255 (palette) or THEME_RGB|0xRRGGBB. */
#define THEME_DEFAULT	(-1)
#define THEME_RGB	0x1000000

struct theme_style {
	int		 fg, bg;
	unsigned	 attrs;		/* A_BOLD, A_REVERSE, A_UNDERLINE, A_DIM */
};

struct theme {
	char			*name;
	struct theme_style	 style[TE__COUNT];
};

/*
 * Key actions that can be remapped with `key.NAME = KEY` in the config file.
 * To add one: add it here, name and default it in keys.c's table, handle it in
 * a view, and list it in man/lxdeck.1.
 */
enum key_action {
	KA_START, KA_STOP, KA_RESTART, KA_FREEZE, KA_DELETE, KA_LAUNCH,
	KA_SNAPSHOTS, KA_FILTER, KA_COMMAND, KA_HELP, KA_OPS, KA_PROFILES,
	KA_IMAGES, KA_REMOTES, KA_MARK, KA_DETAIL, KA_BACK, KA_QUIT,
	KA_SORT_NEXT, KA_SORT_PREV, KA_SORT_REVERSE, KA_REFRESH,
	KA_CONSOLE, KA_SHELL, KA_CONSOLE_PREFIX, KA_CONSOLE_DETACH,
	KA__COUNT, KA_NONE = -1
};

struct view_type {
	const char	*name;
	void		(*init)(struct view *);
	void		(*free)(struct view *);
	/* Draws the body: rows [top, top + rows) of the screen. */
	void		(*draw)(struct view *, int top, int rows);
	/* Returns true when the key was used. */
	bool		(*key)(struct view *, int key);
	/* The instance cache or backend changed. */
	void		(*update)(struct view *);
	/* The title shown in the top bar (borrowed). */
	const char	*(*title)(struct view *);
	/* Keys shown in the hint bar: "s start  S stop ..." (borrowed). */
	const char	*(*hint)(struct view *);
	/* Picks an image to launch: popped once the launch is sent (launch.c). */
	bool		 picks_image;
};

struct view {
	const struct view_type	*type;
	struct tui		*tui;
	void			*data;
	char			*arg;		/* instance name for detail/snapshots */
	bool			 dirty;
};

/* A scrollable list of text lines most simple views are made of (view.c). */
struct view_lines {
	struct strv	 lines;
	enum theme_elem	*elems;
	struct strv	 keys;		/* what each row after a header names */
	size_t		 sel, top;
	size_t		 old_sel;
	bool		 sel_only;	/* only the selection moved */
};

typedef void (*prompt_cb)(struct tui *, const char *answer, void *arg);
typedef void (*complete_cb)(struct tui *, const char *input, struct strv *out);

enum status_level { STATUS_INFO, STATUS_ERR };

/* An operation we started, and what to do when it ends. */
struct tui_op {
	char		*id;
	char		*what;		/* "Stopping instance \"web1\"" */
	char		*then_start;	/* launch: start this instance after
					 * ("": the one the op created) */
	char		*progress;	/* the op's latest "*_progress" text */
	int		 status;
	struct tui_op	*next;
};

#define TUI_EVENTS_MAX	200

struct app_hold {
	struct backend		*b;
	int			 n;
};

struct tui {
	uv_loop_t		*loop;
	struct backend		*b;		/* NULL when it could not be made */
	struct err		 berr;
	char			*remote;	/* "local"; merged: "local,lab" */
	bool			 fake;
	bool			 read_only;
	bool			 utf8;
	bool			 no_color;
	bool			 quit;
	int			 sub;		/* event subscription */
	/* Backends sessions still hold (app_backend_hold), kept after a
	 * switch to another remote until the last session lets go. */
	struct app_hold		*holds;
	size_t			 nholds;

	/* The instance cache, sorted and filtered by the list view. */
	struct instance		*insts;
	size_t			 ninsts;
	uint64_t		 refreshed_ms;
	unsigned		 nrefresh;	/* how many list fetches */

	struct view		*stack[16];
	int			 depth;

	char			*status_msg;
	enum status_level	 status_level;
	uint64_t		 status_until_ms;
	struct tui_op		*ops;

	struct prompt		*prompt;
	struct strv		 cmd_history;
	struct strv		 filter_history;

	struct strv		 events;	/* recent events, newest last */

	int			 keys[KA__COUNT];
	struct theme		 theme;
	char			*theme_arg;
	struct strv		 warnings;	/* config/theme problems */

	bool			 full_redraw;
	bool			 chrome_dirty;	/* top bar, status, hints */
	char			 chrome_sig[1024]; /* what they show (app.c) */

	uv_poll_t		 stdin_poll;
	uv_signal_t		 sigwinch;
	uv_signal_t		 sigterm;
	uv_signal_t		 sigint;
	uv_prepare_t		 frame;
	uv_timer_t		 coalesce;	/* event bursts -> one fetch */
	uv_timer_t		 poll;		/* slow fallback poll */
	uv_timer_t		 settle;	/* awaiting DHCP addresses */
	int			 settle_tries;
	uv_timer_t		 status_timer;
};

/* app.c */
struct tui	*app_create(uv_loop_t *, const char *remote, bool fake, bool read_only);
void		 app_free(struct tui *);
int		 app_start(struct tui *);
void		 app_connect(struct tui *, const char *remote);
/* A console or shell session keeps its backend alive across a switch
 * of remote (:remote): hold it while the session lives, release after. */
void		 app_backend_hold(struct tui *, struct backend *);
void		 app_backend_release(struct tui *, struct backend *);
enum theme_elem	 app_remote_color(const char *remote);
void		 app_request_refresh(struct tui *);
void		 app_refresh_now(struct tui *);
void		 app_quit(struct tui *);
void		 app_track_op(struct tui *, char *id, const char *what,
		     const char *then_start);
void		 app_draw(struct tui *);

/* input.c */
/* Reads keys from stdin (after app_start()). */
void		 input_start(struct tui *);

/* screen.c */
int		 screen_rgb_to_256(int rgb);
int		 screen_rgb_to_8(int rgb);
int		 screen_index_rgb(int idx);
/* A theme colour as a colour number this terminal understands. */
int		 screen_colour(int);
void		 screen_init(struct tui *);
void		 screen_end(struct tui *);
void		 screen_resize(struct tui *);
void		 screen_apply_theme(struct tui *);
int		 screen_attr(struct tui *, enum theme_elem);
/* Writes s clipped/padded to width cells at (y, x) with the element. */
void		 screen_put(struct tui *, int y, int x, int width, enum theme_elem,
		     const char *s);
void		 screen_fill(struct tui *, int y, enum theme_elem);

/* theme.c */
void		 theme_default(struct theme *);
/* Loads NAME (a themes/ file or "default") or PATH; warnings are added. */
int		 theme_load(struct theme *, const char *name_or_path,
		     struct strv *warnings, struct err *);
int		 theme_parse(struct theme *, const char *text, const char *file,
		     struct strv *warnings);
int		 theme_parse_colour(const char *, int *out);
const char	*theme_elem_name(enum theme_elem);
void		 theme_free(struct theme *);
void		 theme_list(struct strv *out);

/* keys.c */
void		 keys_default(int *keys);
int		 keys_parse(const char *name);		/* -1 if unknown */
char		*keys_name(int key, char *buf, size_t len);
int		 keys_action_by_name(const char *);
const char	*keys_action_name(enum key_action);
const char	*keys_action_help(enum key_action);
enum key_action	 keys_action(struct tui *, int key);

/* config.c */
void		 config_load(struct tui *, const char *path);
char		*config_path(void);
/* s without leading and trailing white space (in place). */
char		*config_trim(char *s);
/* A whole text file (caller frees), NULL with errno set. */
char		*config_read(const char *path);

/* status.c */
void		 status_set(struct tui *, enum status_level, const char *, ...)
		     PRINTF_LIKE(3, 4);
void		 status_draw(struct tui *, int y);
/* Clears the message unless it is an error still shown. */
void		 status_clear_info(struct tui *);

/* prompt.c */
void		 prompt_confirm(struct tui *, const char *question, prompt_cb,
		     void *arg, void (*freearg)(void *));
void		 prompt_input(struct tui *, const char *label, const char *initial,
		     struct strv *history, complete_cb, prompt_cb, void *arg,
		     void (*freearg)(void *));
bool		 prompt_active(struct tui *);
bool		 prompt_key(struct tui *, int key);
void		 prompt_draw(struct tui *, int y);
void		 prompt_free(struct tui *);

/* cron.c */
/* The first time after `after` that a snapshots.schedule spec fires. */
int		 cron_next(const char *spec, time_t after, time_t *out,
		     struct err *);

/* editor.c */
/* Checks (and applies) what the user saved; 0 ends the edit loop. */
typedef int (*editor_check_cb)(struct tui *, const char *text, void *arg,
		     struct err *);
/* Runs $VISUAL/$EDITOR/vi on path, out of curses mode. */
int		 editor_run(struct tui *, const char *path, struct err *);
/* Edits header + text until check accepts it: 0 applied, 1 left unchanged,
 * -1 with e set when the editor could not run. */
int		 editor_edit(struct tui *, const char *header, const char *text,
		     editor_check_cb check, void *arg, struct err *e);

/* profile-yaml.c */
/* The profile as `lxc profile edit` shows it (caller frees). */
char		*profile_yaml_emit(const struct profile *);
/* Reads config, description, devices (and name); 400 with the line. */
int		 profile_yaml_parse(const char *text, struct profile *out,
		     struct err *);

/* filter.c */
struct filter;
struct filter	*filter_create(const char *expr, struct err *);
bool		 filter_match(const struct filter *, const struct instance *);
void		 filter_free(struct filter *);
/* The first IPv4 global address of eth0 (or any nic), "" if none. */
const char	*filter_ipv4(const struct instance *);

/* action.c: lifecycle actions; refs are inst_cache_ref()'s. */
enum action {
	ACT_START, ACT_STOP, ACT_RESTART, ACT_FREEZE, ACT_UNFREEZE, ACT_DELETE,
	ACT__COUNT
};
/* The action a key runs on the list's targets, ACT__COUNT if none. */
enum action	 action_of_key(enum key_action);
void		 action_run(struct tui *, enum action, const struct strv *refs);
/* Runs it, after asking when it is destructive. */
void		 action_confirm(struct tui *, enum action, const struct strv *refs);

/* command.c */
void		 command_open(struct tui *);
void		 command_exec(struct tui *, const char *line);
void		 command_complete(struct tui *, const char *input, struct strv *out);

/* view.c */
struct view	*view_push(struct tui *, const struct view_type *, const char *arg);
void		 view_pop(struct tui *);
/* Pops to the list for a switch of remote, keeping the console view. */
void		 view_pop_for_switch(struct tui *);
struct view	*view_top(struct tui *);
/* The lowest view of that type on the stack, NULL when none. */
struct view	*view_find(struct tui *, const struct view_type *);
void		 view_dirty(struct view *);
void		 view_all_dirty(struct tui *);
void		 view_lines_clear(struct view_lines *);
void		 view_lines_add(struct view_lines *, enum theme_elem, const char *, ...)
		     PRINTF_LIKE(3, 4);
void		 view_lines_draw(struct view *, struct view_lines *, int top, int rows,
		     bool selectable);
bool		 view_lines_key(struct view *, struct view_lines *, int key, int rows);
void		 view_lines_free(struct view_lines *);
/* For a view whose data starts with its struct view_lines. */
void		 view_lines_view_draw(struct view *, int top, int rows);
bool		 view_lines_view_key(struct view *, int key);
/* The key of the selected row after a header (borrowed), NULL if none. */
const char	*view_lines_selected_key(const struct view_lines *);
/* The same where line 0 is a header the selection skips. */
bool		 view_lines_table_key(struct view *, int key);
void		 view_lines_view_free(struct view *);
/* Whether a change can reach the backend, else says why (what: "snapshot"). */
bool		 view_writable(struct tui *, const char *what);
int		 view_body_rows(struct tui *);
char		*view_fmt_bytes(int64_t, char *, size_t);
char		*view_fmt_time(int64_t ns, char *, size_t);

/* launch.c */
/* Asks for a name and profiles, then creates an instance from image; with
 * srv (NULL: the remote's own images) it comes from that image server,
 * pulled with its pinned certificate, and with secret set (image is then
 * a fingerprint) a download secret is asked of srv for the pulling host. */
struct image_server;
void		 launch_start(struct tui *, const char *image,
		     const struct image_server *srv, bool secret);

/* view-launch.c */
extern const struct view_type view_launch_type;
void		 view_launch_open(struct tui *);
/* view-list.c */
extern const struct view_type view_list_type;
const char	*view_list_selected(struct view *);
/* The marked instances, else the selected one (appended to out). */
void		 view_list_targets(struct view *, struct strv *out);
/* view-detail.c */
extern const struct view_type view_detail_type;
/* view-help.c */
extern const struct view_type view_help_type;
/* view-ops.c */
extern const struct view_type view_ops_type;
/* view-profiles.c */
extern const struct view_type view_profiles_type;
/* view-profile.c */
extern const struct view_type view_profile_type;
/* Edits profile name as YAML in $VISUAL/$EDITOR (the lxc profile edit loop). */
void		 view_profile_edit_yaml(struct tui *, const char *name);
/* view-images.c (arg: an image server to browse, "images:", or NULL) */
extern const struct view_type view_images_type;
/* Prompts for an image server, then browses it in the images view. */
void		 view_images_ask_server(struct tui *);
/* view-remotes.c */
extern const struct view_type view_remotes_type;
/* view-timeline.c */
extern const struct view_type view_timeline_type;

/* view-console.c */
extern const struct view_type view_console_type;
/* Opens (or focuses) a pane on inst: its console, or a new shell. */
void		 view_console_open(struct tui *, const char *inst, bool shell);

/* backends.c: the one place that chooses a backend, and the engine and
 * the REST client (lxdeck-backends.so), loaded on first use. */
struct remotes;
struct remote_conf;
/* Whether local: is the fake: asked (--fake) or LXDECK_BACKEND=fake. */
bool		 backends_want_fake(bool asked);
/* Opens what spec names: "local" (the embedded engine in LXDECK_DIR, or the
 * fake), a remote of the lxc client's config and lxdeck's own, or "a,b" /
 * "*" merged (core/backend-multi.c) over those that could be reached.
 * *name (caller frees) is what the UI calls it ("local", "local,lab");
 * "NAME: why" of the merged remotes left out is added to failed.  NULL with
 * e set when nothing could be opened. */
struct backend	*backends_open(struct uv_loop_s *, const char *spec, bool fake,
		     bool read_only, char **name, struct strv *failed,
		     struct err *);
/* Each call below is the library's function of the same name
 * (backend_local_create, remotes_load, image_server_list, ...). */
struct backend	*backends_local_create(struct uv_loop_s *, const char *dir,
		     struct err *);
struct backend	*backends_remote_create(struct uv_loop_s *,
		     const struct remote_conf *, struct err *);
bool		 backends_remote_reachable(struct backend *, char *why, size_t len);
void		 backends_remotes_load(struct remotes *, char *warn, size_t wl);
void		 backends_remotes_free(struct remotes *);
const struct remote_conf *backends_remotes_find(const struct remotes *,
		     const char *name);
const char	*backends_remote_conf_source(const struct remote_conf *);
int		 backends_remotes_client_cert(struct remotes *, struct err *);
int		 backends_remotes_add(struct remotes *, const char *name,
		     const char *target, bool accept, bool public,
		     const char *password, FILE *in, FILE *out, struct err *);
int		 backends_image_server_resolve(const char *spec,
		     struct image_server *out, struct err *);
void		 backends_image_server_free(struct image_server *);
void		 backends_image_server_copy(struct image_server *dst,
		     const struct image_server *src);
void		 backends_image_server_names(struct strv *out);
int		 backends_image_server_list(struct image_server *, struct image **out,
		     size_t *n, struct err *);
int		 backends_image_server_secret(const struct image_server *,
		     const char *fp, char **secret, struct err *);

/* inst-cache.c: the list's copy of the instances, packed in one block
 * (only inst_cache_free() frees it; NULL when n is 0). */
struct instance	*inst_cache_pack(const struct instance *, size_t n);
void		 inst_cache_free(struct instance *);
/* How the backend addresses an instance: REMOTE:NAME in a merged list
 * (its ->remote), else NAME; into buf, which is returned. */
#define INST_REF_MAX	320
const char	*inst_cache_ref(const struct instance *, char *buf, size_t len);
/* Whether ref addresses the instance. */
bool		 inst_cache_is(const struct instance *, const char *ref);
/* The cached instance ref addresses (borrowed), NULL if none. */
const struct instance *inst_cache_find(struct tui *, const char *ref);

/* term.c */
struct term;
struct term	*term_create(int rows, int cols, size_t scrollback,
		     void (*output)(const char *, size_t, void *), void *arg);
void		 term_free(struct term *);
/* What the session printed. */
void		 term_write(struct term *, const char *, size_t);
void		 term_resize(struct term *, int rows, int cols);
void		 term_size(struct term *, int *rows, int *cols);
/* A getch() key, or raw bytes, to the output callback. */
void		 term_key(struct term *, int key);
void		 term_send(struct term *, const char *, size_t);
bool		 term_take_damage(struct term *);
bool		 term_take_bell(struct term *);
const char	*term_title(struct term *);
bool		 term_is_altscreen(struct term *);
/* Line numbers: screen row 0 is term_live_top(); older lines go down to
 * term_first_line(). */
int64_t		 term_first_line(struct term *);
int64_t		 term_live_top(struct term *);
int64_t		 term_view_top(struct term *);
void		 term_set_view(struct term *, int64_t top, int64_t cur,
		     int64_t sel_a, int64_t sel_b);
char		*term_text(struct term *, int64_t a, int64_t b);
bool		 term_pairs_check(struct tui *);
void		 term_draw(struct term *, struct tui *, int y, int x, bool all,
		     bool focused);

#endif
