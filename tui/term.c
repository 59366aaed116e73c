/*
 * term.c - a terminal emulator for a pane: libvterm's parser and state
 * behind a small API, over a grid of our own.
 *
 * A struct term is what a console or shell pane shows: the screen (a grid
 * of packed cells, and a second one for the alternate screen), a scrollback
 * ring of lines that scrolled off the top, the rows damaged since the last
 * draw, and the bell and title the program set.  It knows nothing about
 * ptys or backends: the pane feeds it what the session printed
 * (term_write()) and gets back, through the output callback, the bytes a
 * key press turns into (term_key(), which honours the modes the program
 * asked for, e.g. application cursor keys).  This is the only file that
 * includes <vterm.h>.
 *
 * libvterm's state layer parses and interprets (cursor, pen, modes,
 * scrolling regions, charsets); its callbacks write glyphs into our grid
 * and move or erase rectangles of it.  We keep the grid ourselves rather
 * than use libvterm's screen layer because of scrolling, which is what a
 * busy pane does all day: the screen layer moves every cell of the screen
 * up by one per line feed and hands each line to the scrollback one
 * unpacked cell at a time, while here a row is an array of cells reached
 * through a pointer, so a full-width scroll rotates pointers and the row
 * that leaves the top moves to the scrollback as it is (trailing blanks
 * cut).  As tmux's grid, the cost of a line feed does not grow with the
 * size of the pane.
 *
 * Cells are packed (12 bytes): the first character, the foreground and
 * attributes, the background.  A cell whose character has combining marks
 * holds an index into a small table of character sequences instead.
 *
 * Lines are numbered once and for all: the line that is row 0 of the screen
 * has number `pushed` (how many lines went to the scrollback so far), older
 * lines count down from there, so a number keeps naming the same line while
 * output scrolls; the pane's copy mode keeps its view, cursor and selection
 * as such numbers.
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

/* A packed cell: fg carries the attributes in its top bits, bg two flags. */
struct term_cell {
	uint32_t	 ch;		/* 0 blank, TERM_CONT: right half of a wide char */
	uint32_t	 fg;		/* TERM_COL_* encoding | TERM_A_* */
	uint32_t	 bg;		/* TERM_COL_* encoding | TERM_B_* */
};

#define TERM_CONT		0xffffffffu
#define TERM_COL_MASK		0x01ffffffu	/* 0 default, 1..256 index+1, RGB */
#define TERM_COL_RGB		0x01000000u	/* == THEME_RGB */
#define TERM_A_BOLD		(1u << 25)
#define TERM_A_UNDERLINE	(1u << 26)
#define TERM_A_ITALIC		(1u << 27)
#define TERM_A_BLINK		(1u << 28)
#define TERM_A_REVERSE		(1u << 29)
#define TERM_B_PROTECTED	(1u << 25)	/* DECSCA: selective erase keeps it */
#define TERM_B_COMBO		(1u << 26)	/* ch indexes term->combo */

#define TERM_COMBO_MAX		4096		/* then marks are dropped */
#define TERM_COMBO_HASH		8192

/* A line in the scrollback: its cells up to the last non-blank one. */
struct term_line {
	uint16_t		 n;
	struct term_cell	*cells;
};

struct term {
	VTerm			*vt;
	VTermState		*vs;
	int			 rows, cols;

	struct term_cell	**grid;		/* rows of the buffer shown */
	struct term_cell	**buf[2];	/* primary, alternate */
	struct term_cell	**spare;	/* rows pointers, for rotating */
	uint32_t		 pen_fg, pen_bg;

	uint32_t		(*combo)[VTERM_MAX_CHARS_PER_CELL];
	size_t			 ncombo;
	uint16_t		*combo_hash;	/* index + 1, 0 empty */

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

/* A theme colour as a colour this terminal has; *bold for bright on 8. */
static int
term_colour(int c, bool *bold)
{
	if (c == THEME_DEFAULT || (c & THEME_RGB))
		return screen_colour(c);
	/* Direct-colour terminals take numbers >= 8 as 0xRRGGBB. */
	if (COLORS >= 0x1000000)
		return c < 8 ? c : screen_index_rgb(c);
	/* 8-15 where only 8 exist: the base colour, made bright by bold. */
	if (c >= COLORS && c < 16 && bold != NULL)
		*bold = true;
	return screen_colour(c);
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

/* ---- cells ---- */

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

/* What an erase leaves: a blank in the current pen (as a terminal does). */
static struct term_cell
term_blank(struct term *tm)
{
	struct term_cell c = { 0, tm->pen_fg, tm->pen_bg };

	return c;
}

static void
term_fill(struct term_cell *cells, int n, struct term_cell c)
{
	int i;

	for (i = 0; i < n; i++)
		cells[i] = c;
}

static struct term_cell *
term_row_new(int cols, struct term_cell c)
{
	struct term_cell *row = xreallocarray(NULL, (size_t)cols, sizeof *row);

	term_fill(row, cols, c);
	return row;
}

/* The characters of a cell (base and combining marks); returns how many. */
static int
term_cell_chars(struct term *tm, const struct term_cell *c,
    uint32_t out[VTERM_MAX_CHARS_PER_CELL])
{
	int n;

	if (!(c->bg & TERM_B_COMBO) || c->ch >= tm->ncombo) {
		out[0] = c->ch;
		return c->ch != 0;
	}
	for (n = 0; n < VTERM_MAX_CHARS_PER_CELL && tm->combo[c->ch][n] != 0; n++)
		out[n] = tm->combo[c->ch][n];
	return n;
}

/* The index of a character sequence with combining marks, added if new;
 * -1 when the table is full. */
static long
term_combo_index(struct term *tm, const uint32_t *chars)
{
	uint32_t seq[VTERM_MAX_CHARS_PER_CELL] = { 0 };
	unsigned h = 2166136261u;
	size_t i, slot;

	for (i = 0; i < VTERM_MAX_CHARS_PER_CELL && chars[i] != 0; i++) {
		seq[i] = chars[i];
		h = (h ^ chars[i]) * 16777619u;
	}
	if (tm->combo_hash == NULL)
		tm->combo_hash = xcalloc(TERM_COMBO_HASH, sizeof *tm->combo_hash);
	for (slot = h % TERM_COMBO_HASH; tm->combo_hash[slot] != 0;
	    slot = (slot + 1) % TERM_COMBO_HASH)
		if (memcmp(tm->combo[tm->combo_hash[slot] - 1], seq, sizeof seq) == 0)
			return tm->combo_hash[slot] - 1;
	if (tm->ncombo >= TERM_COMBO_MAX)
		return -1;
	tm->combo = xreallocarray(tm->combo, tm->ncombo + 1, sizeof *tm->combo);
	memcpy(tm->combo[tm->ncombo], seq, sizeof seq);
	tm->combo_hash[slot] = (uint16_t)(tm->ncombo + 1);
	return (long)tm->ncombo++;
}

static bool
term_cell_is_blank(const struct term_cell *c)
{
	return (c->ch == 0 || c->ch == ' ') && !(c->bg & TERM_B_COMBO) &&
	    (c->bg & TERM_COL_MASK) == 0 &&
	    !(c->fg & (TERM_A_REVERSE | TERM_A_UNDERLINE));
}

/* ---- the scrollback ---- */

static void
term_line_free(struct term_line *l)
{
	free(l->cells);
	l->cells = NULL;
	l->n = 0;
}

/* Row cells go to the scrollback's newest line (trailing blanks cut). */
static void
term_sb_push(struct term *tm, const struct term_cell *cells, int cols)
{
	struct term_line *l;
	struct term_cell *keep = NULL;
	int n = cols;

	if (tm->sb_max == 0)
		return;
	tm->pushed++;
	while (n > 0 && term_cell_is_blank(&cells[n - 1]))
		n--;
	if (tm->sb_n == tm->sb_max) {
		/* Reuse the oldest line's memory for the newest. */
		l = &tm->sb[tm->sb_head];
		keep = l->cells;
		l->cells = NULL;
		tm->sb_head = (tm->sb_head + 1) % tm->sb_max;
		tm->sb_n--;
	}
	l = &tm->sb[(tm->sb_head + tm->sb_n) % tm->sb_max];
	l->n = (uint16_t)n;
	if (n > 0) {
		l->cells = xreallocarray(keep, (size_t)n, sizeof *l->cells);
		memcpy(l->cells, cells, (size_t)n * sizeof *l->cells);
	} else {
		free(keep);
		l->cells = NULL;
	}
	tm->sb_n++;
}

/* The newest scrollback line back into row (blank-padded); false if none. */
static bool
term_sb_pop(struct term *tm, struct term_cell *row, int cols)
{
	struct term_cell blank = { 0, 0, 0 };
	struct term_line *l;
	int n;

	if (tm->sb_n == 0)
		return false;
	l = &tm->sb[(tm->sb_head + tm->sb_n - 1) % tm->sb_max];
	n = l->n < cols ? l->n : cols;
	if (n > 0)
		memcpy(row, l->cells, (size_t)n * sizeof *row);
	term_fill(row + n, cols - n, blank);
	term_line_free(l);
	tm->sb_n--;
	tm->pushed--;
	return true;
}

/* ---- libvterm's state callbacks ---- */

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
term_cb_putglyph(VTermGlyphInfo *info, VTermPos pos, void *arg)
{
	struct term *tm = arg;
	struct term_cell *c;
	long idx;
	int k;

	if (pos.row < 0 || pos.row >= tm->rows || pos.col < 0 ||
	    pos.col >= tm->cols)
		return 1;
	c = &tm->grid[pos.row][pos.col];
	c->fg = tm->pen_fg;
	c->bg = tm->pen_bg | (info->protected_cell ? TERM_B_PROTECTED : 0);
	c->ch = info->chars[0];
	if (info->chars[0] != 0 && info->chars[1] != 0 &&
	    (idx = term_combo_index(tm, info->chars)) >= 0) {
		c->ch = (uint32_t)idx;
		c->bg |= TERM_B_COMBO;
	}
	for (k = 1; k < info->width && pos.col + k < tm->cols; k++)
		tm->grid[pos.row][pos.col + k].ch = TERM_CONT;
	term_dirty_rows(tm, pos.row, pos.row + 1);
	return 1;
}

/* Moves the cells of rect by (down, right) rows and columns (content moves
 * up for down > 0, as libvterm's scrollrect); what is uncovered is erased
 * with the pen.  A scroll of whole rows rotates row pointers, and rows that
 * leave the top of the primary screen go to the scrollback. */
static int
term_cb_scrollrect(VTermRect rect, int down, int right, void *arg)
{
	struct term *tm = arg;
	struct term_cell **g = tm->grid, blank = term_blank(tm);
	int top = rect.start_row, bot = rect.end_row, left = rect.start_col;
	int h = bot - top, w = rect.end_col - left, d, r;

	if (top < 0 || bot > tm->rows || left < 0 || rect.end_col > tm->cols ||
	    h <= 0 || w <= 0)
		return 1;
	term_dirty_rows(tm, top, bot);
	if (down > h)
		down = h;
	if (down < -h)
		down = -h;
	if (right > w)
		right = w;
	if (right < -w)
		right = -w;
	if (right == 0 && left == 0 && w == tm->cols) {
		d = down > 0 ? down : -down;
		if (down > 0) {
			if (top == 0 && g == tm->buf[0])
				for (r = 0; r < d; r++)
					term_sb_push(tm, g[r], tm->cols);
			memcpy(tm->spare, g + top, (size_t)d * sizeof *g);
			memmove(g + top, g + top + d, (size_t)(h - d) * sizeof *g);
			memcpy(g + bot - d, tm->spare, (size_t)d * sizeof *g);
			for (r = bot - d; r < bot; r++)
				term_fill(g[r], tm->cols, blank);
		} else if (down < 0) {
			memcpy(tm->spare, g + bot - d, (size_t)d * sizeof *g);
			memmove(g + top + d, g + top, (size_t)(h - d) * sizeof *g);
			memcpy(g + top, tm->spare, (size_t)d * sizeof *g);
			for (r = top; r < top + d; r++)
				term_fill(g[r], tm->cols, blank);
		}
		return 1;
	}
	/* Part of the width (left/right margins), or sideways (ICH, DCH). */
	if (down > 0) {
		for (r = top; r < bot - down; r++)
			memmove(&g[r][left], &g[r + down][left], (size_t)w * sizeof **g);
		for (; r < bot; r++)
			term_fill(&g[r][left], w, blank);
	} else if (down < 0) {
		for (r = bot - 1; r >= top - down; r--)
			memmove(&g[r][left], &g[r + down][left], (size_t)w * sizeof **g);
		for (; r >= top; r--)
			term_fill(&g[r][left], w, blank);
	}
	if (right > 0)
		for (r = top; r < bot; r++) {
			memmove(&g[r][left], &g[r][left + right],
			    (size_t)(w - right) * sizeof **g);
			term_fill(&g[r][left + w - right], right, blank);
		}
	else if (right < 0)
		for (r = top; r < bot; r++) {
			memmove(&g[r][left - right], &g[r][left],
			    (size_t)(w + right) * sizeof **g);
			term_fill(&g[r][left], -right, blank);
		}
	return 1;
}

static int
term_cb_erase(VTermRect rect, int selective, void *arg)
{
	struct term *tm = arg;
	struct term_cell blank = term_blank(tm);
	int r, c;

	for (r = rect.start_row < 0 ? 0 : rect.start_row;
	    r < rect.end_row && r < tm->rows; r++)
		for (c = rect.start_col < 0 ? 0 : rect.start_col;
		    c < rect.end_col && c < tm->cols; c++)
			if (!selective || !(tm->grid[r][c].bg & TERM_B_PROTECTED))
				tm->grid[r][c] = blank;
	term_dirty_rows(tm, rect.start_row, rect.end_row);
	return 1;
}

static int
term_cb_initpen(void *arg)
{
	struct term *tm = arg;

	tm->pen_fg = tm->pen_bg = 0;
	return 1;
}

static void
term_pen_flag(struct term *tm, uint32_t flag, bool on)
{
	if (on)
		tm->pen_fg |= flag;
	else
		tm->pen_fg &= ~flag;
}

static int
term_cb_setpenattr(VTermAttr attr, VTermValue *val, void *arg)
{
	struct term *tm = arg;

	switch (attr) {
	case VTERM_ATTR_BOLD:
		term_pen_flag(tm, TERM_A_BOLD, val->boolean);
		break;
	case VTERM_ATTR_UNDERLINE:
		term_pen_flag(tm, TERM_A_UNDERLINE, val->number != 0);
		break;
	case VTERM_ATTR_ITALIC:
		term_pen_flag(tm, TERM_A_ITALIC, val->boolean);
		break;
	case VTERM_ATTR_BLINK:
		term_pen_flag(tm, TERM_A_BLINK, val->boolean);
		break;
	case VTERM_ATTR_REVERSE:
		term_pen_flag(tm, TERM_A_REVERSE, val->boolean);
		break;
	case VTERM_ATTR_FOREGROUND:
		tm->pen_fg = (tm->pen_fg & ~TERM_COL_MASK) |
		    term_pack_colour(&val->color, true);
		break;
	case VTERM_ATTR_BACKGROUND:
		tm->pen_bg = term_pack_colour(&val->color, false);
		break;
	default:
		break;
	}
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
		/* The state erases the alternate screen when it enters it. */
		tm->altscreen = val->boolean;
		tm->grid = tm->buf[tm->altscreen ? 1 : 0];
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

static bool
term_row_is_blank(const struct term_cell *row, int cols)
{
	int c;

	for (c = 0; c < cols; c++)
		if (row[c].ch != 0)
			return false;
	return true;
}

/* The buffer's rows at the new size: the top rows are kept, columns cut or
 * padded with blanks. */
static struct term_cell **
term_buf_resize(struct term_cell **old, int old_rows, int old_cols, int rows,
    int cols)
{
	struct term_cell **b = xcalloc((size_t)rows, sizeof *b);
	struct term_cell blank = { 0, 0, 0 };
	int r;

	for (r = 0; r < rows; r++) {
		if (r >= old_rows) {
			b[r] = term_row_new(cols, blank);
			continue;
		}
		b[r] = xreallocarray(old[r], (size_t)cols, sizeof **b);
		if (cols > old_cols)
			term_fill(b[r] + old_cols, cols - old_cols, blank);
	}
	for (; r < old_rows; r++)
		free(old[r]);
	free(old);
	return b;
}

/* The size changes (the state has its new size, we still the old one).
 * As libvterm's screen: fewer rows push the lines above the cursor to the
 * scrollback rather than lose the bottom ones with the cursor, more rows
 * pull lines back from it; *delta says how the cursor moves. */
static int
term_cb_resize(int rows, int cols, VTermPos *delta, void *arg)
{
	struct term *tm = arg;
	struct term_cell **g;
	VTermPos cursor;
	VTermRect all = { 0, tm->rows, 0, tm->cols };
	int old_rows = tm->rows, old_cols = tm->cols, r, first_blank, n;
	bool alt = tm->altscreen;

	vterm_state_get_cursorpos(tm->vs, &cursor);
	if (!alt && rows < old_rows) {
		for (r = old_rows - 1; r >= rows; r--)
			if (!term_row_is_blank(tm->grid[r], old_cols) ||
			    cursor.row == r)
				break;
		first_blank = r + 1;
		if (first_blank > rows) {
			term_cb_scrollrect(all, first_blank - rows, 0, tm);
			delta->row -= first_blank - rows;
		}
	}
	tm->buf[0] = term_buf_resize(tm->buf[0], old_rows, old_cols, rows, cols);
	tm->buf[1] = term_buf_resize(tm->buf[1], old_rows, old_cols, rows, cols);
	tm->grid = tm->buf[alt ? 1 : 0];
	free(tm->spare);
	tm->spare = xcalloc((size_t)rows, sizeof *tm->spare);
	free(tm->dirty);
	tm->dirty = xcalloc((size_t)rows, sizeof *tm->dirty);
	tm->rows = rows;
	tm->cols = cols;
	if (!alt && rows > old_rows) {
		g = tm->grid;
		for (n = rows - old_rows; n > 0 && tm->sb_n > 0; n--) {
			/* The bottom row is a new blank one: it goes to the top. */
			struct term_cell *row = g[rows - 1];

			memmove(g + 1, g, (size_t)(rows - 1) * sizeof *g);
			g[0] = row;
			term_sb_pop(tm, row, cols);
			delta->row++;
		}
	}
	tm->all_dirty = tm->damaged = true;
	return 1;
}

static int
term_cb_setlineinfo(int row, const VTermLineInfo *newinfo,
    const VTermLineInfo *oldinfo, void *arg)
{
	return 1;	/* double width/height lines show single */
}

static const VTermStateCallbacks term_callbacks = {
	.putglyph = term_cb_putglyph,
	.movecursor = term_cb_movecursor,
	.scrollrect = term_cb_scrollrect,
	.erase = term_cb_erase,
	.initpen = term_cb_initpen,
	.setpenattr = term_cb_setpenattr,
	.settermprop = term_cb_settermprop,
	.bell = term_cb_bell,
	.resize = term_cb_resize,
	.setlineinfo = term_cb_setlineinfo,
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
	struct term_cell blank = { 0, 0, 0 };
	int b, r;

	tm->rows = rows > 0 ? rows : 1;
	tm->cols = cols > 0 ? cols : 1;
	tm->sb_max = scrollback;
	tm->sb = scrollback ? xcalloc(scrollback, sizeof *tm->sb) : NULL;
	for (b = 0; b < 2; b++) {
		tm->buf[b] = xcalloc((size_t)tm->rows, sizeof *tm->buf[b]);
		for (r = 0; r < tm->rows; r++)
			tm->buf[b][r] = term_row_new(tm->cols, blank);
	}
	tm->grid = tm->buf[0];
	tm->spare = xcalloc((size_t)tm->rows, sizeof *tm->spare);
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
	tm->vs = vterm_obtain_state(tm->vt);
	vterm_state_set_callbacks(tm->vs, &term_callbacks, tm);
	vterm_state_reset(tm->vs, 1);
	return tm;
}

void
term_free(struct term *tm)
{
	size_t i;
	int b, r;

	if (tm == NULL)
		return;
	vterm_free(tm->vt);
	for (b = 0; b < 2; b++) {
		for (r = 0; r < tm->rows; r++)
			free(tm->buf[b][r]);
		free(tm->buf[b]);
	}
	free(tm->spare);
	for (i = 0; i < tm->sb_max; i++)
		term_line_free(&tm->sb[i]);
	free(tm->sb);
	free(tm->combo);
	free(tm->combo_hash);
	free(tm->dirty);
	free(tm->title);
	free(tm);
}

void
term_write(struct term *tm, const char *buf, size_t len)
{
	vterm_input_write(tm->vt, buf, len);
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
	vterm_set_size(tm->vt, rows, cols);	/* term_cb_resize() */
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

static const struct term_cell term_no_cells;

/* The cells of line n (borrowed) and how many there are: a screen row has
 * cols, a scrollback line fewer (blanks follow); NULL if the line is gone. */
static const struct term_cell *
term_line(struct term *tm, int64_t n, int *len)
{
	struct term_line *l;

	*len = 0;
	if (n >= tm->pushed && n < tm->pushed + tm->rows) {
		*len = tm->cols;
		return tm->grid[n - tm->pushed];
	}
	if (n < term_first_line(tm) || n >= tm->pushed)
		return NULL;
	l = &tm->sb[(tm->sb_head + (size_t)(n - term_first_line(tm))) % tm->sb_max];
	*len = l->n < tm->cols ? l->n : tm->cols;
	return l->cells != NULL ? l->cells : &term_no_cells;
}

static size_t
term_utf8(uint32_t ch, char *u)
{
	if (ch < 0x80) {
		u[0] = (char)ch;
		return 1;
	}
	if (ch < 0x800) {
		u[0] = (char)(0xc0 | ch >> 6);
		u[1] = (char)(0x80 | (ch & 0x3f));
		return 2;
	}
	if (ch < 0x10000) {
		u[0] = (char)(0xe0 | ch >> 12);
		u[1] = (char)(0x80 | ((ch >> 6) & 0x3f));
		u[2] = (char)(0x80 | (ch & 0x3f));
		return 3;
	}
	u[0] = (char)(0xf0 | ch >> 18);
	u[1] = (char)(0x80 | ((ch >> 12) & 0x3f));
	u[2] = (char)(0x80 | ((ch >> 6) & 0x3f));
	u[3] = (char)(0x80 | (ch & 0x3f));
	return 4;
}

/* The text of lines a..b, trailing blanks cut, one '\n' after each line
 * (caller frees). */
char *
term_text(struct term *tm, int64_t a, int64_t b)
{
	const struct term_cell *cells;
	uint32_t chars[VTERM_MAX_CHARS_PER_CELL];
	char *out = NULL;
	size_t len = 0, cap = 0, mark;
	int64_t n;
	int c, k, nc, ncells;

	if (a > b) {
		n = a;
		a = b;
		b = n;
	}
	for (n = a; n <= b; n++) {
		if ((cells = term_line(tm, n, &ncells)) == NULL)
			continue;
		mark = len;
		for (c = 0; c < ncells; c++) {
			if (cells[c].ch == TERM_CONT)
				continue;
			if ((nc = term_cell_chars(tm, &cells[c], chars)) == 0)
				chars[nc++] = ' ';
			for (k = 0; k < nc; k++) {
				if (len + 8 > cap) {
					cap = cap ? cap * 2 : 256;
					out = xrealloc(out, cap);
				}
				len += term_utf8(chars[k], out + len);
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

/* The curses attributes and pair of a cell's pen; the last one is kept, as
 * runs of cells share their pen. */
struct term_style {
	uint32_t	 fg, bg;
	bool		 invert, valid;
	attr_t		 attrs;
	int		 pair;
};

static void
term_style(struct term *tm, struct tui *t, const struct term_cell *c,
    bool invert, struct term_style *st)
{
	uint32_t fgv = c->fg, bgv = c->bg & TERM_COL_MASK;
	bool bright = false;
	int fg, bg;

	if (st->valid && st->fg == fgv && st->bg == bgv && st->invert == invert)
		return;
	st->fg = fgv;
	st->bg = bgv;
	st->invert = invert;
	st->valid = true;
	st->attrs = 0;
	st->pair = 0;
	if (fgv & TERM_A_BOLD)
		st->attrs |= A_BOLD;
	if (fgv & TERM_A_UNDERLINE)
		st->attrs |= A_UNDERLINE;
	if (fgv & TERM_A_ITALIC)
		st->attrs |= A_ITALIC;
	if (fgv & TERM_A_BLINK)
		st->attrs |= A_BLINK;
	if (!!(fgv & TERM_A_REVERSE) != (tm->reverse != invert))
		st->attrs |= A_REVERSE;
	if (!t->no_color && has_colors()) {
		fg = term_colour(term_theme_colour(t, fgv, true), &bright);
		bg = term_colour(term_theme_colour(t, bgv, false), NULL);
		st->pair = term_pair(fg, bg);
		if (bright)
			st->attrs |= A_BOLD;
	}
}

static void
term_draw_cell(struct term *tm, const struct term_cell *c, bool wide_fits,
    const struct term_style *st)
{
	wchar_t wch[VTERM_MAX_CHARS_PER_CELL + 1];
	uint32_t chars[VTERM_MAX_CHARS_PER_CELL];
	int k, n, pair = st->pair;
	cchar_t cc;

	n = c->ch == TERM_CONT ? 0 : term_cell_chars(tm, c, chars);
	if (n > CCHARW_MAX)
		n = CCHARW_MAX;
	for (k = 0; k < n; k++)
		wch[k] = (wchar_t)chars[k];
	if (n == 0 || !wide_fits || wch[0] < 0x20)
		wch[0] = L' ', n = 1;
	wch[n] = L'\0';
	setcchar(&cc, wch, st->attrs, 0, &pair);
	wadd_wch(stdscr, &cc);
}

/* Draws the pane's rows at (y, x); all: every row, else the damaged ones.
 * focused: show the cursor. */
void
term_draw(struct term *tm, struct tui *t, int y, int x, bool all, bool focused)
{
	static const struct term_cell blank = { 0, 0, 0 };
	const struct term_cell *cells, *c;
	struct term_style st = { 0 };
	int64_t top = term_view_top(tm), n;
	bool live = tm->view_top < 0, inv, wide;
	int r, col, ncells;

	if (tm->all_dirty)
		all = true;
	for (r = 0; r < tm->rows; r++) {
		if (!all && !tm->dirty[r])
			continue;
		tm->dirty[r] = false;
		n = top + r;
		cells = term_line(tm, n, &ncells);
		wmove(stdscr, y + r, x);
		for (col = 0; col < tm->cols; col++) {
			/* A wide character skips its right half below: a
			 * TERM_CONT met here lost its left half, it shows as
			 * a blank. */
			c = col < ncells ? &cells[col] : &blank;
			if (tm->sel_a >= 0 && n >= tm->sel_a && n <= tm->sel_b)
				inv = true;
			else if (tm->cur >= 0)
				inv = n == tm->cur;
			else
				inv = live && focused && tm->cursor_visible &&
				    r == tm->cursor.row && col == tm->cursor.col;
			wide = col + 1 < ncells && cells[col + 1].ch == TERM_CONT &&
			    c->ch != TERM_CONT;
			term_style(tm, t, c, inv, &st);
			term_draw_cell(tm, c, !wide || col + 1 < tm->cols, &st);
			if (wide)
				col++;
		}
	}
	tm->all_dirty = false;
}
