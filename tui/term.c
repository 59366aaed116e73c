/*
 * term.c - a terminal emulator for a pane: libvterm behind a small API.
 *
 * A struct term is what a console or shell pane shows: libvterm's screen
 * (the grid, the pen, the alternate screen, the cursor), a scrollback ring of
 * lines that scrolled off the top, the rows damaged since the last draw, and
 * the bell and title the program set.  It knows nothing about ptys or
 * backends: the pane feeds it what the session printed (term_write()) and
 * gets back, through the output callback, the bytes a key press turns into
 * (term_key(), which honours the modes the program asked for, e.g.
 * application cursor keys).  This is the only file that includes <vterm.h>.
 *
 * Lines are numbered once and for all: the line that is row 0 of the screen
 * has number `pushed` (how many lines went to the scrollback so far), older
 * lines count down from there, so a number keeps naming the same line while
 * output scrolls; the pane's copy mode keeps its view, cursor and selection
 * as such numbers.  Scrollback cells are packed (12 bytes, trailing blanks
 * cut) so 10,000 lines of a busy pane cost a few MB, not libvterm's 40 bytes
 * a cell.
 *
 * Drawing maps libvterm colours (default, 16/256 indexed, 24-bit) to colour
 * numbers the terminal has, then to colour pairs through a cache of pairs
 * allocated above the theme's own (screen.c owns pairs 1..TE__COUNT).  The
 * default colours are the theme's `normal` element, so a pane looks like the
 * rest of the UI.  When the cache is full it is flushed and every pane
 * repaints: pairs are few only on 8-colour terminals.  The cursor is drawn
 * as a reverse-video cell (as neovim's TermCursor), the hardware cursor
 * stays where ncurses leaves it.
 */
#include <stdlib.h>
#include <string.h>

#include <curses.h>
#include <vterm.h>

#include "tui.h"

/* A packed cell: fg carries the attributes in its top bits. */
struct term_cell {
	uint32_t	 ch;		/* 0 blank, TERM_CONT: right half of a wide char */
	uint32_t	 fg;		/* TERM_COL_* encoding | TERM_A_* */
	uint32_t	 bg;
};

#define TERM_CONT		0xffffffffu
#define TERM_COL_MASK		0x01ffffffu	/* 0 default, 1..256 index+1, RGB */
#define TERM_COL_RGB		0x01000000u	/* == THEME_RGB */
#define TERM_A_BOLD		(1u << 25)
#define TERM_A_UNDERLINE	(1u << 26)
#define TERM_A_ITALIC		(1u << 27)
#define TERM_A_BLINK		(1u << 28)
#define TERM_A_REVERSE		(1u << 29)
#define TERM_A_WIDE		(1u << 30)

struct term_line {
	uint16_t		 n;
	struct term_cell	*cells;
};

struct term {
	VTerm			*vt;
	VTermScreen		*vs;
	int			 rows, cols;

	struct term_line	*sb;		/* ring, sb_head is the oldest */
	size_t			 sb_max, sb_head, sb_n;
	int64_t			 pushed;	/* number of screen row 0 */

	bool			*dirty;		/* per row */
	bool			 all_dirty;
	bool			 damaged;
	VTermPos		 cursor;
	bool			 cursor_visible;
	bool			 altscreen;
	bool			 reverse;
	bool			 bell;
	char			*title;

	int64_t			 view_top;	/* -1: live */
	int64_t			 cur;		/* copy cursor line, -1 none */
	int64_t			 sel_a, sel_b;	/* selected lines, -1 none */

	void			(*output)(const char *, size_t, void *);
	void			*arg;
};

/* ---- the colour-pair cache ---- */

#define TERM_PAIRS_MAX	2048
#define TERM_HASH	4096

static struct {
	int	 base, next, limit;
	int	 normal_fg, normal_bg, colors;
	bool	 valid, overflow;
	struct { int fg, bg, pair; } slot[TERM_HASH];
} term_pairs;

static int
term_rgb_to_256(int rgb)
{
	int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
	int q[3], i, v[3] = { r, g, b };

	if (r == g && g == b && r > 8 && r < 238)
		return 232 + (r - 8) / 10;
	for (i = 0; i < 3; i++)
		q[i] = v[i] < 48 ? 0 : v[i] < 115 ? 1 : (v[i] - 35) / 40;
	return 16 + 36 * q[0] + 6 * q[1] + q[2];
}

static int
term_rgb_to_8(int rgb)
{
	int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;

	return (r > 127 ? 1 : 0) | (g > 127 ? 2 : 0) | (b > 127 ? 4 : 0);
}

static int
term_index_rgb(int idx)
{
	static const int base[16] = {
		0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd,
		0x00cdcd, 0xe5e5e5, 0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00,
		0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
	};
	int r, g, b;

	if (idx < 16)
		return base[idx];
	if (idx >= 232) {
		r = 8 + (idx - 232) * 10;
		return r << 16 | r << 8 | r;
	}
	idx -= 16;
	r = idx / 36, g = (idx / 6) % 6, b = idx % 6;
	r = r ? 55 + r * 40 : 0;
	g = g ? 55 + g * 40 : 0;
	b = b ? 55 + b * 40 : 0;
	return r << 16 | g << 8 | b;
}

/* A theme colour as a colour this terminal has; *bold for bright on 8. */
static int
term_colour(int c, bool *bold)
{
	if (c == THEME_DEFAULT)
		return -1;
	if (c & THEME_RGB) {
		c &= 0xffffff;
		if (COLORS >= 0x1000000)
			return c;
		return COLORS >= 256 ? term_rgb_to_256(c) : term_rgb_to_8(c);
	}
	/* Direct-colour terminals take numbers >= 8 as 0xRRGGBB. */
	if (COLORS >= 0x1000000)
		return c < 8 ? c : term_index_rgb(c);
	if (c < COLORS)
		return c;
	if (c < 16) {
		if (bold != NULL)
			*bold = true;
		return c % 8;
	}
	return term_rgb_to_8(term_index_rgb(c));
}

static void
term_pairs_reset(struct tui *t)
{
	memset(term_pairs.slot, 0, sizeof term_pairs.slot);
	term_pairs.base = TE__COUNT + 1;
	term_pairs.next = term_pairs.base;
	term_pairs.limit = COLOR_PAIRS - 1 < term_pairs.base + TERM_PAIRS_MAX ?
	    COLOR_PAIRS - 1 : term_pairs.base + TERM_PAIRS_MAX;
	term_pairs.normal_fg = t->theme.style[TE_NORMAL].fg;
	term_pairs.normal_bg = t->theme.style[TE_NORMAL].bg;
	term_pairs.colors = COLORS;
	term_pairs.overflow = false;
	term_pairs.valid = true;
}

/* Whether the pairs handed out so far are stale (theme or terminal changed,
 * or the cache overflowed): then every pane must repaint. */
bool
term_pairs_check(struct tui *t)
{
	if (term_pairs.valid && !term_pairs.overflow &&
	    term_pairs.normal_fg == t->theme.style[TE_NORMAL].fg &&
	    term_pairs.normal_bg == t->theme.style[TE_NORMAL].bg &&
	    term_pairs.colors == COLORS)
		return false;
	term_pairs_reset(t);
	return true;
}

static int
term_pair(int fg, int bg)
{
	unsigned h = ((unsigned)fg * 31u + (unsigned)bg * 131071u) % TERM_HASH;
	int i;

	if (fg == -1 && bg == -1)
		return 0;
	for (i = 0; i < TERM_HASH; i++, h = (h + 1) % TERM_HASH) {
		if (term_pairs.slot[h].pair == 0)
			break;
		if (term_pairs.slot[h].fg == fg && term_pairs.slot[h].bg == bg)
			return term_pairs.slot[h].pair;
	}
	if (i == TERM_HASH || term_pairs.next > term_pairs.limit) {
		term_pairs.overflow = true;	/* flushed before the next frame */
		return 0;
	}
	if (init_extended_pair(term_pairs.next, fg, bg) == ERR)
		return 0;
	term_pairs.slot[h].fg = fg;
	term_pairs.slot[h].bg = bg;
	term_pairs.slot[h].pair = term_pairs.next;
	return term_pairs.next++;
}

/* ---- packing cells ---- */

static uint32_t
term_pack_colour(const VTermColor *c, bool fg)
{
	if (fg ? VTERM_COLOR_IS_DEFAULT_FG(c) : VTERM_COLOR_IS_DEFAULT_BG(c))
		return 0;
	if (VTERM_COLOR_IS_INDEXED(c))
		return (uint32_t)c->indexed.idx + 1;
	return TERM_COL_RGB | (uint32_t)c->rgb.red << 16 |
	    (uint32_t)c->rgb.green << 8 | c->rgb.blue;
}

static void
term_unpack_colour(uint32_t v, VTermColor *c, bool fg)
{
	v &= TERM_COL_MASK;
	memset(c, 0, sizeof *c);
	if (v == 0) {
		c->type = VTERM_COLOR_RGB | (fg ? VTERM_COLOR_DEFAULT_FG :
		    VTERM_COLOR_DEFAULT_BG);
		c->rgb.red = c->rgb.green = c->rgb.blue = fg ? 240 : 0;
	} else if (v <= 256) {
		c->type = VTERM_COLOR_INDEXED;
		c->indexed.idx = (uint8_t)(v - 1);
	} else {
		c->type = VTERM_COLOR_RGB;
		c->rgb.red = (uint8_t)(v >> 16);
		c->rgb.green = (uint8_t)(v >> 8);
		c->rgb.blue = (uint8_t)v;
	}
}

static void
term_pack(const VTermScreenCell *in, struct term_cell *out)
{
	out->ch = in->chars[0];
	out->fg = term_pack_colour(&in->fg, true);
	out->bg = term_pack_colour(&in->bg, false);
	if (in->attrs.bold)
		out->fg |= TERM_A_BOLD;
	if (in->attrs.underline)
		out->fg |= TERM_A_UNDERLINE;
	if (in->attrs.italic)
		out->fg |= TERM_A_ITALIC;
	if (in->attrs.blink)
		out->fg |= TERM_A_BLINK;
	if (in->attrs.reverse)
		out->fg |= TERM_A_REVERSE;
	if (in->width == 2)
		out->fg |= TERM_A_WIDE;
}

static void
term_unpack(const struct term_cell *in, VTermScreenCell *out)
{
	memset(out, 0, sizeof *out);
	out->chars[0] = in->ch;
	out->width = in->fg & TERM_A_WIDE ? 2 : 1;
	out->attrs.bold = !!(in->fg & TERM_A_BOLD);
	out->attrs.underline = !!(in->fg & TERM_A_UNDERLINE);
	out->attrs.italic = !!(in->fg & TERM_A_ITALIC);
	out->attrs.blink = !!(in->fg & TERM_A_BLINK);
	out->attrs.reverse = !!(in->fg & TERM_A_REVERSE);
	term_unpack_colour(in->fg, &out->fg, true);
	term_unpack_colour(in->bg, &out->bg, false);
}

/* ---- libvterm callbacks ---- */

static void
term_dirty_rows(struct term *tm, int from, int to)
{
	int r;

	tm->damaged = true;
	if (tm->view_top >= 0) {
		tm->all_dirty = true;
		return;
	}
	for (r = from < 0 ? 0 : from; r < to && r < tm->rows; r++)
		tm->dirty[r] = true;
}

static int
term_cb_damage(VTermRect rect, void *arg)
{
	term_dirty_rows(arg, rect.start_row, rect.end_row);
	return 1;
}

static int
term_cb_moverect(VTermRect dest, VTermRect src, void *arg)
{
	term_dirty_rows(arg, dest.start_row, dest.end_row);
	return 1;
}

static int
term_cb_movecursor(VTermPos pos, VTermPos old, int visible, void *arg)
{
	struct term *tm = arg;

	tm->cursor = pos;
	term_dirty_rows(tm, old.row, old.row + 1);
	term_dirty_rows(tm, pos.row, pos.row + 1);
	return 1;
}

static int
term_cb_settermprop(VTermProp prop, VTermValue *val, void *arg)
{
	struct term *tm = arg;

	switch (prop) {
	case VTERM_PROP_CURSORVISIBLE:
		tm->cursor_visible = val->boolean;
		term_dirty_rows(tm, tm->cursor.row, tm->cursor.row + 1);
		break;
	case VTERM_PROP_ALTSCREEN:
		tm->altscreen = val->boolean;
		tm->all_dirty = tm->damaged = true;
		break;
	case VTERM_PROP_REVERSE:
		tm->reverse = val->boolean;
		tm->all_dirty = tm->damaged = true;
		break;
	case VTERM_PROP_TITLE:
		free(tm->title);
		tm->title = xstrdup(val->string ? val->string : "");
		tm->damaged = true;
		break;
	default:
		return 0;
	}
	return 1;
}

static int
term_cb_bell(void *arg)
{
	struct term *tm = arg;

	tm->bell = tm->damaged = true;
	return 1;
}

static void
term_line_free(struct term_line *l)
{
	free(l->cells);
	l->cells = NULL;
	l->n = 0;
}

static int
term_cb_sb_pushline(int cols, const VTermScreenCell *cells, void *arg)
{
	struct term *tm = arg;
	struct term_line *l;
	int n = cols, i;

	if (tm->sb_max == 0)
		return 0;
	/* Cut trailing blanks: most lines are short. */
	while (n > 0 && (cells[n - 1].chars[0] == 0 ||
	    cells[n - 1].chars[0] == ' ') &&
	    VTERM_COLOR_IS_DEFAULT_BG(&cells[n - 1].bg) &&
	    !cells[n - 1].attrs.reverse && !cells[n - 1].attrs.underline)
		n--;
	if (tm->sb_n == tm->sb_max) {
		l = &tm->sb[tm->sb_head];
		term_line_free(l);
		tm->sb_head = (tm->sb_head + 1) % tm->sb_max;
		tm->sb_n--;
	}
	l = &tm->sb[(tm->sb_head + tm->sb_n) % tm->sb_max];
	l->n = (uint16_t)n;
	l->cells = n > 0 ? xreallocarray(NULL, (size_t)n, sizeof *l->cells) : NULL;
	for (i = 0; i < n; i++)
		term_pack(&cells[i], &l->cells[i]);
	tm->sb_n++;
	tm->pushed++;
	return 1;
}

static int
term_cb_sb_popline(int cols, VTermScreenCell *cells, void *arg)
{
	struct term *tm = arg;
	struct term_line *l;
	struct term_cell blank = { 0 };
	int i;

	if (tm->sb_n == 0)
		return 0;
	l = &tm->sb[(tm->sb_head + tm->sb_n - 1) % tm->sb_max];
	for (i = 0; i < cols; i++)
		term_unpack(i < l->n ? &l->cells[i] : &blank, &cells[i]);
	term_line_free(l);
	tm->sb_n--;
	tm->pushed--;
	return 1;
}

static const VTermScreenCallbacks term_callbacks = {
	.damage = term_cb_damage,
	.moverect = term_cb_moverect,
	.movecursor = term_cb_movecursor,
	.settermprop = term_cb_settermprop,
	.bell = term_cb_bell,
	.sb_pushline = term_cb_sb_pushline,
	.sb_popline = term_cb_sb_popline,
};

static void
term_cb_output(const char *s, size_t len, void *arg)
{
	struct term *tm = arg;

	if (tm->output != NULL)
		tm->output(s, len, tm->arg);
}

/* ---- the API ---- */

struct term *
term_create(int rows, int cols, size_t scrollback,
    void (*output)(const char *, size_t, void *), void *arg)
{
	struct term *tm = xcalloc(1, sizeof *tm);

	tm->rows = rows > 0 ? rows : 1;
	tm->cols = cols > 0 ? cols : 1;
	tm->sb_max = scrollback;
	tm->sb = scrollback ? xcalloc(scrollback, sizeof *tm->sb) : NULL;
	tm->dirty = xcalloc((size_t)tm->rows, sizeof *tm->dirty);
	tm->all_dirty = true;
	tm->cursor_visible = true;
	tm->view_top = tm->cur = tm->sel_a = tm->sel_b = -1;
	tm->output = output;
	tm->arg = arg;
	tm->vt = vterm_new(tm->rows, tm->cols);
	if (tm->vt == NULL)
		fatal("out of memory (vterm)");
	vterm_set_utf8(tm->vt, 1);
	vterm_output_set_callback(tm->vt, term_cb_output, tm);
	tm->vs = vterm_obtain_screen(tm->vt);
	vterm_screen_set_callbacks(tm->vs, &term_callbacks, tm);
	vterm_screen_set_damage_merge(tm->vs, VTERM_DAMAGE_SCROLL);
	vterm_screen_enable_altscreen(tm->vs, 1);
	vterm_screen_reset(tm->vs, 1);
	return tm;
}

void
term_free(struct term *tm)
{
	size_t i;

	if (tm == NULL)
		return;
	vterm_free(tm->vt);
	for (i = 0; i < tm->sb_max; i++)
		term_line_free(&tm->sb[i]);
	free(tm->sb);
	free(tm->dirty);
	free(tm->title);
	free(tm);
}

void
term_write(struct term *tm, const char *buf, size_t len)
{
	vterm_input_write(tm->vt, buf, len);
	vterm_screen_flush_damage(tm->vs);
}

void
term_resize(struct term *tm, int rows, int cols)
{
	if (rows < 1)
		rows = 1;
	if (cols < 1)
		cols = 1;
	if (rows == tm->rows && cols == tm->cols)
		return;
	free(tm->dirty);
	tm->dirty = xcalloc((size_t)rows, sizeof *tm->dirty);
	tm->rows = rows;
	tm->cols = cols;
	vterm_set_size(tm->vt, rows, cols);
	vterm_screen_flush_damage(tm->vs);
	tm->all_dirty = tm->damaged = true;
}

void
term_size(struct term *tm, int *rows, int *cols)
{
	*rows = tm->rows;
	*cols = tm->cols;
}

bool
term_take_damage(struct term *tm)
{
	bool d = tm->damaged;

	tm->damaged = false;
	return d;
}

bool
term_take_bell(struct term *tm)
{
	bool b = tm->bell;

	tm->bell = false;
	return b;
}

const char *
term_title(struct term *tm)
{
	return tm->title ? tm->title : "";
}

bool
term_is_altscreen(struct term *tm)
{
	return tm->altscreen;
}

/* A key from getch() as the bytes the program expects. */
void
term_key(struct term *tm, int key)
{
	static const struct { int curses; VTermKey vk; VTermModifier mod; } map[] = {
		{ KEY_UP, VTERM_KEY_UP, 0 }, { KEY_DOWN, VTERM_KEY_DOWN, 0 },
		{ KEY_LEFT, VTERM_KEY_LEFT, 0 }, { KEY_RIGHT, VTERM_KEY_RIGHT, 0 },
		{ KEY_HOME, VTERM_KEY_HOME, 0 }, { KEY_END, VTERM_KEY_END, 0 },
		{ KEY_PPAGE, VTERM_KEY_PAGEUP, 0 }, { KEY_NPAGE, VTERM_KEY_PAGEDOWN, 0 },
		{ KEY_IC, VTERM_KEY_INS, 0 }, { KEY_DC, VTERM_KEY_DEL, 0 },
		{ KEY_BACKSPACE, VTERM_KEY_BACKSPACE, 0 }, { KEY_ENTER, VTERM_KEY_ENTER, 0 },
		{ KEY_BTAB, VTERM_KEY_TAB, VTERM_MOD_SHIFT },
		{ KEY_SR, VTERM_KEY_UP, VTERM_MOD_SHIFT },
		{ KEY_SF, VTERM_KEY_DOWN, VTERM_MOD_SHIFT },
		{ KEY_SLEFT, VTERM_KEY_LEFT, VTERM_MOD_SHIFT },
		{ KEY_SRIGHT, VTERM_KEY_RIGHT, VTERM_MOD_SHIFT },
		{ KEY_SHOME, VTERM_KEY_HOME, VTERM_MOD_SHIFT },
		{ KEY_SEND, VTERM_KEY_END, VTERM_MOD_SHIFT },
		{ KEY_SDC, VTERM_KEY_DEL, VTERM_MOD_SHIFT },
	};
	/* xterm's modified keys come from ncurses as extended names: kUP5. */
	static const struct { const char *name; VTermKey vk; } ext[] = {
		{ "kUP", VTERM_KEY_UP }, { "kDN", VTERM_KEY_DOWN },
		{ "kLFT", VTERM_KEY_LEFT }, { "kRIT", VTERM_KEY_RIGHT },
		{ "kHOM", VTERM_KEY_HOME }, { "kEND", VTERM_KEY_END },
		{ "kDC", VTERM_KEY_DEL }, { "kIC", VTERM_KEY_INS },
		{ "kNXT", VTERM_KEY_PAGEDOWN }, { "kPRV", VTERM_KEY_PAGEUP },
	};
	const char *name;
	char c;
	size_t i, l;

	if (key == '\n' || key == '\r') {
		vterm_keyboard_key(tm->vt, VTERM_KEY_ENTER, VTERM_MOD_NONE);
		return;
	}
	if (key >= 0 && key < 256) {
		/* UTF-8 arrives a byte at a time: pass bytes through. */
		c = (char)key;
		term_cb_output(&c, 1, tm);
		return;
	}
	if (key >= KEY_F(1) && key <= KEY_F(12)) {
		vterm_keyboard_key(tm->vt, VTERM_KEY_FUNCTION(key - KEY_F0),
		    VTERM_MOD_NONE);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (map[i].curses == key) {
			vterm_keyboard_key(tm->vt, map[i].vk, map[i].mod);
			return;
		}
	if ((name = keyname(key)) == NULL)
		return;
	for (i = 0; i < ARRAY_SIZE(ext); i++) {
		l = strlen(ext[i].name);
		if (strncmp(name, ext[i].name, l) == 0 && name[l] >= '2' &&
		    name[l] <= '8' && name[l + 1] == '\0') {
			vterm_keyboard_key(tm->vt, ext[i].vk,
			    (VTermModifier)(name[l] - '1'));
			return;
		}
	}
}

/* Bytes a paste or a literal key sends as they are. */
void
term_send(struct term *tm, const char *s, size_t len)
{
	term_cb_output(s, len, tm);
}

/* ---- lines, the view and the copy mode ---- */

int64_t
term_first_line(struct term *tm)
{
	return tm->pushed - (int64_t)tm->sb_n;
}

int64_t
term_live_top(struct term *tm)
{
	return tm->pushed;
}

int64_t
term_view_top(struct term *tm)
{
	return tm->view_top >= 0 ? tm->view_top : tm->pushed;
}

/* top: the line shown on the first row, -1 live; cur and the selection
 * [a, b] are line numbers or -1. */
void
term_set_view(struct term *tm, int64_t top, int64_t cur, int64_t a, int64_t b)
{
	int64_t first = term_first_line(tm);

	if (top >= 0) {
		if (top < first)
			top = first;
		if (top >= tm->pushed)
			top = -1;
	}
	tm->view_top = top;
	tm->cur = cur;
	tm->sel_a = a <= b ? a : b;
	tm->sel_b = a <= b ? b : a;
	tm->all_dirty = tm->damaged = true;
}

/* The cells of line n into cells[0..cols); false if the line is gone. */
static bool
term_get_line(struct term *tm, int64_t n, VTermScreenCell *cells, int cols)
{
	struct term_cell blank = { 0 };
	struct term_line *l;
	VTermPos pos;
	int c;

	if (n >= tm->pushed && n < tm->pushed + tm->rows) {
		pos.row = (int)(n - tm->pushed);
		for (c = 0; c < cols; c++) {
			pos.col = c;
			if (c >= tm->cols || !vterm_screen_get_cell(tm->vs, pos, &cells[c]))
				term_unpack(&blank, &cells[c]);
		}
		return true;
	}
	if (n < term_first_line(tm) || n >= tm->pushed) {
		for (c = 0; c < cols; c++)
			term_unpack(&blank, &cells[c]);
		return false;
	}
	l = &tm->sb[(tm->sb_head + (size_t)(n - term_first_line(tm))) % tm->sb_max];
	for (c = 0; c < cols; c++)
		term_unpack(c < l->n ? &l->cells[c] : &blank, &cells[c]);
	return true;
}

/* The text of lines a..b, trailing blanks cut, one '\n' after each line
 * (caller frees). */
char *
term_text(struct term *tm, int64_t a, int64_t b)
{
	VTermScreenCell *cells = xcalloc((size_t)tm->cols, sizeof *cells);
	char *out = NULL, u[8];
	size_t len = 0, cap = 0, mark;
	int64_t n;
	int c, k, ul;

	if (a > b) {
		n = a;
		a = b;
		b = n;
	}
	for (n = a; n <= b; n++) {
		if (!term_get_line(tm, n, cells, tm->cols))
			continue;
		mark = len;
		for (c = 0; c < tm->cols; c++) {
			if (cells[c].chars[0] == TERM_CONT)
				continue;
			for (k = 0; k < VTERM_MAX_CHARS_PER_CELL; k++) {
				uint32_t ch = cells[c].chars[k];

				if (ch == 0 && k > 0)
					break;
				if (ch == 0)
					ch = ' ';
				ul = ch < 0x80 ? (u[0] = (char)ch, 1) :
				    ch < 0x800 ? (u[0] = (char)(0xc0 | ch >> 6),
				    u[1] = (char)(0x80 | (ch & 0x3f)), 2) :
				    ch < 0x10000 ? (u[0] = (char)(0xe0 | ch >> 12),
				    u[1] = (char)(0x80 | ((ch >> 6) & 0x3f)),
				    u[2] = (char)(0x80 | (ch & 0x3f)), 3) :
				    (u[0] = (char)(0xf0 | ch >> 18),
				    u[1] = (char)(0x80 | ((ch >> 12) & 0x3f)),
				    u[2] = (char)(0x80 | ((ch >> 6) & 0x3f)),
				    u[3] = (char)(0x80 | (ch & 0x3f)), 4);
				if (len + (size_t)ul + 2 > cap) {
					cap = cap ? cap * 2 : 256;
					out = xrealloc(out, cap);
				}
				memcpy(out + len, u, (size_t)ul);
				len += (size_t)ul;
			}
		}
		while (len > mark && out[len - 1] == ' ')
			len--;
		if (len + 2 > cap) {
			cap = cap ? cap * 2 : 256;
			out = xrealloc(out, cap);
		}
		out[len++] = '\n';
	}
	free(cells);
	if (out == NULL)
		return xstrdup("");
	out[len] = '\0';
	return out;
}

/* ---- drawing ---- */

static int
term_theme_colour(struct tui *t, uint32_t v, bool fg)
{
	v &= TERM_COL_MASK;
	if (v == 0)
		return fg ? t->theme.style[TE_NORMAL].fg : t->theme.style[TE_NORMAL].bg;
	if (v <= 256)
		return (int)v - 1;
	return (int)v;	/* TERM_COL_RGB == THEME_RGB */
}

static void
term_draw_cell(struct term *tm, struct tui *t, const VTermScreenCell *cell,
    bool invert, int width_left)
{
	wchar_t wch[VTERM_MAX_CHARS_PER_CELL + 1];
	struct term_cell pc;
	attr_t attrs = 0;
	bool bright = false;
	int fg, bg, pair = 0, k, n = 0;
	cchar_t cc;

	term_pack(cell, &pc);
	if (pc.fg & TERM_A_BOLD)
		attrs |= A_BOLD;
	if (pc.fg & TERM_A_UNDERLINE)
		attrs |= A_UNDERLINE;
	if (pc.fg & TERM_A_ITALIC)
		attrs |= A_ITALIC;
	if (pc.fg & TERM_A_BLINK)
		attrs |= A_BLINK;
	if (!!(pc.fg & TERM_A_REVERSE) != (tm->reverse != invert))
		attrs |= A_REVERSE;
	if (!t->no_color && has_colors()) {
		fg = term_colour(term_theme_colour(t, pc.fg, true), &bright);
		bg = term_colour(term_theme_colour(t, pc.bg, false), NULL);
		pair = term_pair(fg, bg);
		if (bright)
			attrs |= A_BOLD;
	}
	for (k = 0; k < VTERM_MAX_CHARS_PER_CELL && k < CCHARW_MAX; k++) {
		if (cell->chars[k] == 0)
			break;
		wch[n++] = (wchar_t)cell->chars[k];
	}
	if (n == 0 || (cell->width == 2 && width_left < 2) ||
	    (n > 0 && wch[0] < 0x20))
		wch[0] = L' ', n = 1;
	wch[n] = L'\0';
	setcchar(&cc, wch, attrs, 0, &pair);
	wadd_wch(stdscr, &cc);
}

/* Draws the pane's rows at (y, x); all: every row, else the damaged ones.
 * focused: show the cursor. */
void
term_draw(struct term *tm, struct tui *t, int y, int x, bool all, bool focused)
{
	VTermScreenCell *cells = xcalloc((size_t)tm->cols, sizeof *cells);
	int64_t top = term_view_top(tm), n;
	bool live = tm->view_top < 0, inv;
	int r, c;

	if (tm->all_dirty)
		all = true;
	for (r = 0; r < tm->rows; r++) {
		if (!all && !tm->dirty[r])
			continue;
		tm->dirty[r] = false;
		n = top + r;
		term_get_line(tm, n, cells, tm->cols);
		wmove(stdscr, y + r, x);
		for (c = 0; c < tm->cols; c++) {
			if (cells[c].chars[0] == TERM_CONT)
				continue;
			if (tm->sel_a >= 0 && n >= tm->sel_a && n <= tm->sel_b)
				inv = true;
			else if (tm->cur >= 0)
				inv = n == tm->cur;
			else
				inv = live && focused && tm->cursor_visible &&
				    r == tm->cursor.row && c == tm->cursor.col;
			term_draw_cell(tm, t, &cells[c], inv, tm->cols - c);
			if (cells[c].width == 2)
				c++;
		}
	}
	tm->all_dirty = false;
	free(cells);
}
