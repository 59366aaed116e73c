/*
 * test-tui-term.c - the pane's terminal (tui/term.c) without a screen:
 * bytes in, lines of text and line numbers out.  Covers what the grid does
 * itself rather than leave to libvterm's screen: scrolling (whole rows into
 * the scrollback, scrolling regions, insert/delete characters), erasing,
 * the alternate screen, wide characters and combining marks, resizing
 * (lines pushed to the scrollback and pulled back), the ring's limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tui/tui.h"
#include "../harness.h"

static char reply[256];
static size_t nreply;

static void
out(const char *s, size_t len, void *arg)
{
	if (nreply + len < sizeof reply) {
		memcpy(reply + nreply, s, len);
		nreply += len;
		reply[nreply] = '\0';
	}
}

static void
w(struct term *tm, const char *s)
{
	term_write(tm, s, strlen(s));
}

/* The text of screen row r. */
/* Feeds N lines "PREFIX1" ... "PREFIXN", each ended by CR LF. */
static void
lines(struct term *tm, const char *prefix, int n)
{
	char line[64];
	int i;

	for (i = 1; i <= n; i++) {
		snprintf(line, sizeof line, "%s%d\r\n", prefix, i);
		w(tm, line);
	}
}

static const char *
row(struct term *tm, int r)
{
	static char buf[512];
	char *s = term_text(tm, term_live_top(tm) + r, term_live_top(tm) + r);

	snprintf(buf, sizeof buf, "%s", s);
	free(s);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static const char *
text(struct term *tm, int64_t a, int64_t b)
{
	static char buf[2048];
	char *s = term_text(tm, a, b);

	snprintf(buf, sizeof buf, "%s", s);
	free(s);
	return buf;
}

TEST(scroll)
{
	struct term *tm = term_create(4, 20, 100, out, NULL);
	int rows, cols;

	lines(tm, "line", 10);
	/* 10 line feeds on 4 rows: 7 lines went up, the cursor is on row 3. */
	CHECK(term_live_top(tm) == 7);
	CHECK(term_first_line(tm) == 0);
	CHECK_STR(text(tm, 0, 2), "line1\nline2\nline3\n");
	CHECK_STR(row(tm, 0), "line8");
	CHECK_STR(row(tm, 2), "line10");
	CHECK_STR(row(tm, 3), "");
	CHECK(term_take_damage(tm));
	CHECK(!term_take_damage(tm));
	term_size(tm, &rows, &cols);
	CHECK(rows == 4 && cols == 20);

	/* A scrolling region (rows 2-3): lines leave it, not the screen. */
	w(tm, "\033[2;3r\033[2;1Ha\r\nb\r\nc\r\nd");
	CHECK(term_live_top(tm) == 7);
	CHECK_STR(row(tm, 0), "line8");
	CHECK_STR(row(tm, 1), "c");
	CHECK_STR(row(tm, 2), "d");
	CHECK_STR(row(tm, 3), "");
	/* Reverse index at the region's top scrolls it down. */
	w(tm, "\033[2;1H\033M");
	CHECK_STR(row(tm, 1), "");
	CHECK_STR(row(tm, 2), "c");
	w(tm, "\033[r");
	term_free(tm);
}

TEST(edit)
{
	struct term *tm = term_create(3, 10, 10, out, NULL);

	w(tm, "abcdef\r\033[2@");
	CHECK_STR(row(tm, 0), "  abcdef");
	w(tm, "\033[3P");
	CHECK_STR(row(tm, 0), "bcdef");
	w(tm, "\033[3G\033[K");
	CHECK_STR(row(tm, 0), "bc");
	/* A line that fills the width keeps its last column on insert. */
	w(tm, "\r0123456789\r\033[1@");
	CHECK_STR(row(tm, 0), " 012345678");
	w(tm, "\033[2;1Hxyz\033[2J");
	CHECK_STR(row(tm, 0), "");
	CHECK_STR(row(tm, 1), "");
	/* Insert and delete lines. */
	w(tm, "\033[H1\r\n2\r\n3\033[1;1H\033[L");
	CHECK_STR(text(tm, term_live_top(tm), term_live_top(tm) + 2), "\n1\n2\n");
	w(tm, "\033[M\033[M");
	CHECK_STR(text(tm, term_live_top(tm), term_live_top(tm) + 2), "2\n\n\n");
	term_free(tm);
}

TEST(altscreen)
{
	struct term *tm = term_create(3, 10, 10, out, NULL);
	int i;

	w(tm, "shell$ vi");
	w(tm, "\033[?1049h");
	CHECK(term_is_altscreen(tm));
	CHECK_STR(row(tm, 0), "");
	for (i = 0; i < 10; i++)
		w(tm, "vi\r\n");
	/* The alternate screen has no scrollback. */
	CHECK(term_live_top(tm) == 0);
	CHECK_STR(row(tm, 1), "vi");
	w(tm, "\033[?1049l");
	CHECK(!term_is_altscreen(tm));
	CHECK_STR(row(tm, 0), "shell$ vi");
	term_free(tm);
}

TEST(chars)
{
	struct term *tm = term_create(3, 10, 10, out, NULL);

	w(tm, "\xe4\xbd\xa0\xe5\xa5\xbdx");	/* two wide characters */
	CHECK_STR(row(tm, 0), "\xe4\xbd\xa0\xe5\xa5\xbdx");
	w(tm, "\r\ne\xcc\x81t\xc3\xa9");	/* e + combining acute, then é */
	CHECK_STR(row(tm, 1), "e\xcc\x81t\xc3\xa9");
	/* Colours and attributes do not show in the text. */
	w(tm, "\r\n\033[1;31;44mred\033[m!");
	CHECK_STR(row(tm, 2), "red!");
	/* Combining marks survive the scrollback. */
	w(tm, "\r\n\r\n\r\n");
	CHECK_STR(text(tm, 1, 1), "e\xcc\x81t\xc3\xa9\n");
	term_free(tm);
}

TEST(resize)
{
	struct term *tm = term_create(5, 10, 100, out, NULL);
	int rows, cols;

	w(tm, "a\r\nb\r\nc\r\nd\r\ne");
	CHECK(term_live_top(tm) == 0);
	/* Fewer rows: the lines above the cursor go to the scrollback. */
	term_resize(tm, 3, 10);
	term_size(tm, &rows, &cols);
	CHECK(rows == 3 && cols == 10);
	CHECK(term_live_top(tm) == 2);
	CHECK_STR(row(tm, 0), "c");
	CHECK_STR(row(tm, 2), "e");
	CHECK_STR(text(tm, 0, 1), "a\nb\n");
	/* The cursor stayed on e. */
	w(tm, "!");
	CHECK_STR(row(tm, 2), "e!");
	/* More rows: they come back. */
	term_resize(tm, 5, 6);
	CHECK(term_live_top(tm) == 0);
	CHECK_STR(row(tm, 0), "a");
	CHECK_STR(row(tm, 4), "e!");
	w(tm, "?");
	CHECK_STR(row(tm, 4), "e!?");
	/* Narrower cuts, wider pads. */
	w(tm, "\033[1;1H123456");
	term_resize(tm, 5, 3);
	CHECK_STR(row(tm, 0), "123");
	term_resize(tm, 5, 8);
	CHECK_STR(row(tm, 0), "123");
	term_free(tm);
}

TEST(ring)
{
	struct term *tm = term_create(2, 10, 3, out, NULL);

	lines(tm, "l", 10);
	CHECK(term_live_top(tm) == 9);
	CHECK(term_first_line(tm) == 6);
	CHECK_STR(text(tm, 6, 9), "l7\nl8\nl9\nl10\n");
	/* Lines that left the ring are gone, not blank. */
	CHECK_STR(text(tm, 0, 5), "");
	term_free(tm);
}

TEST(replies)
{
	struct term *tm = term_create(5, 10, 10, out, NULL);

	nreply = 0;
	w(tm, "\033[3;4H\033[6n");
	CHECK_STR(reply, "\033[3;4R");
	w(tm, "\033]2;my title\007");
	CHECK_STR(term_title(tm), "my title");
	w(tm, "\007");
	CHECK(term_take_bell(tm));
	CHECK(!term_take_bell(tm));
	nreply = 0;
	term_send(tm, "ab", 2);
	CHECK_STR(reply, "ab");
	term_free(tm);
}

int
main(void)
{
	RUN(scroll);
	RUN(edit);
	RUN(altscreen);
	RUN(chars);
	RUN(resize);
	RUN(ring);
	RUN(replies);
	return harness_done();
}
