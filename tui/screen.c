/*
 * screen.c - the terminal: ncurses set-up, colours and clipped drawing.
 *
 * Only stdscr is used; views draw rows into it and app.c flushes once per
 * frame with wnoutrefresh()+doupdate().  Colour pair N+1 belongs to theme
 * element N; colours are mapped down to what the terminal has (truecolour ->
 * 256 -> 8) and dropped altogether under NO_COLOR or on a monochrome
 * terminal, where a few elements fall back to bold/reverse so the selection
 * still shows.  Text is clipped by display cells, so UTF-8 names and glyphs
 * never spill into the next column.
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "tui.h"

static int screen_attrs[TE__COUNT];

/* What an element looks like with no colour at all. */
static const unsigned screen_mono_fallback[TE__COUNT] = {
	[TE_TITLE] = A_REVERSE, [TE_HEADER] = A_BOLD | A_UNDERLINE,
	[TE_SELECTED] = A_REVERSE, [TE_MARKED] = A_BOLD,
	[TE_ERROR] = A_BOLD, [TE_HINT_KEY] = A_BOLD, [TE_PROMPT] = A_BOLD,
	[TE_RUNNING] = A_BOLD,
};

/* Colour arithmetic the theme and the pane (term.c) share: 24-bit RGB to
 * the nearest of xterm's 256 or of the 8 basic colours, and an xterm
 * colour index back to RGB. */
int
screen_rgb_to_256(int rgb)
{
	int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
	int q[3], i, v[3] = { r, g, b };

	if (r == g && g == b && r > 8 && r < 238)
		return 232 + (r - 8) / 10;
	for (i = 0; i < 3; i++)
		q[i] = v[i] < 48 ? 0 : v[i] < 115 ? 1 : (v[i] - 35) / 40;
	return 16 + 36 * q[0] + 6 * q[1] + q[2];
}

int
screen_rgb_to_8(int rgb)
{
	int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;

	return (r > 127 ? 1 : 0) | (g > 127 ? 2 : 0) | (b > 127 ? 4 : 0);
}

int
screen_index_rgb(int idx)
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

/* A theme colour as a colour number this terminal understands. */
int
screen_colour(int c)
{
	if (c == THEME_DEFAULT)
		return -1;
	if (c & THEME_RGB) {
		c &= 0xffffff;
		if (COLORS >= 0x1000000)
			return c;
		if (COLORS >= 256)
			return screen_rgb_to_256(c);
		return screen_rgb_to_8(c);
	}
	if (c < COLORS)
		return c;
	if (c < 16)
		return c % 8;
	return screen_rgb_to_8(screen_index_rgb(c));
}

void
screen_apply_theme(struct tui *t)
{
	int i;
	bool colour = !t->no_color && has_colors();

	for (i = 0; i < TE__COUNT; i++) {
		const struct theme_style *s = &t->theme.style[i];

		if (!colour) {
			screen_attrs[i] = (int)(s->attrs | screen_mono_fallback[i]);
			continue;
		}
		init_extended_pair(i + 1, screen_colour(s->fg), screen_colour(s->bg));
		screen_attrs[i] = (int)s->attrs | COLOR_PAIR(i + 1);
	}
	t->full_redraw = true;
}

int
screen_attr(struct tui *t, enum theme_elem e)
{
	(void)t;
	return screen_attrs[e];
}

void
screen_init(struct tui *t)
{
	const char *nc = getenv("NO_COLOR");

	t->no_color = nc != NULL && *nc != '\0';
	set_escdelay(25);
	initscr();
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	if (!t->no_color && has_colors()) {
		start_color();
		use_default_colors();
	}
	screen_apply_theme(t);
}

void
screen_end(struct tui *t)
{
	(void)t;
	if (!isendwin())
		endwin();
}

void
screen_resize(struct tui *t)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resize_term(ws.ws_row, ws.ws_col);
	t->full_redraw = true;
}

void
screen_put(struct tui *t, int y, int x, int width, enum theme_elem e,
    const char *s)
{
	mbstate_t mb;
	size_t off = 0, len, n;
	int used = 0, w;
	wchar_t wc;

	if (width <= 0 || y < 0 || y >= LINES || x >= COLS)
		return;
	if (x + width > COLS)
		width = COLS - x;
	attrset(screen_attr(t, e));
	move(y, x);
	memset(&mb, 0, sizeof mb);
	len = strlen(s);
	while (off < len) {
		n = mbrtowc(&wc, s + off, len - off, &mb);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&mb, 0, sizeof mb);
			wc = '?';
			n = 1;
		}
		w = wcwidth(wc);
		if (w < 0)
			w = 1, wc = '?';
		if (used + w > width)
			break;
		if (wc == '?' && s[off] != '?')
			addch('?');
		else
			addnstr(s + off, (int)n);
		used += w;
		off += n;
	}
	while (used++ < width)
		addch(' ');
	attrset(A_NORMAL);
}

void
screen_fill(struct tui *t, int y, enum theme_elem e)
{
	screen_put(t, y, 0, COLS, e, "");
}
