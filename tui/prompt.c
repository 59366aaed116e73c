/*
 * prompt.c - the one modal prompt, drawn on the status line.
 *
 * Two kinds: a yes/no confirmation (only `y` says yes; anything else cancels,
 * so a stray key never destroys anything) and a line editor used by the
 * filter, the command bar and launch, with Tab completion and Up/Down history.
 * The prompt owns its callback argument.  It is detached from the tui before
 * its callback runs, so a callback may open the next prompt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui.h"

struct prompt {
	bool		 confirm;
	char		*label;
	char		 buf[256];
	size_t		 len, cur;
	struct strv	*history;
	size_t		 hist_pos;
	complete_cb	 complete;
	prompt_cb	 cb;
	void		*arg;
	void		(*freearg)(void *);
};

bool
prompt_active(struct tui *t)
{
	return t->prompt != NULL;
}

static void
prompt_destroy(struct prompt *p)
{
	if (p == NULL)
		return;
	if (p->freearg != NULL)
		p->freearg(p->arg);
	free(p->label);
	free(p);
}

void
prompt_free(struct tui *t)
{
	prompt_destroy(t->prompt);
	t->prompt = NULL;
}

static struct prompt *
prompt_new(struct tui *t, const char *label, prompt_cb cb, void *arg,
    void (*freearg)(void *))
{
	struct prompt *p = xcalloc(1, sizeof *p);

	prompt_free(t);
	p->label = xstrdup(label);
	p->cb = cb;
	p->arg = arg;
	p->freearg = freearg;
	t->prompt = p;
	t->chrome_dirty = true;
	return p;
}

void
prompt_confirm(struct tui *t, const char *question, prompt_cb cb, void *arg,
    void (*freearg)(void *))
{
	struct prompt *p = prompt_new(t, question, cb, arg, freearg);

	p->confirm = true;
}

void
prompt_input(struct tui *t, const char *label, const char *initial,
    struct strv *history, complete_cb complete, prompt_cb cb, void *arg,
    void (*freearg)(void *))
{
	struct prompt *p = prompt_new(t, label, cb, arg, freearg);

	snprintf(p->buf, sizeof p->buf, "%s", initial ? initial : "");
	p->len = p->cur = strlen(p->buf);
	p->history = history;
	p->hist_pos = history ? history->n : 0;
	p->complete = complete;
}

/* Detaches the prompt, then calls back with answer (NULL: cancelled). */
static void
prompt_finish(struct tui *t, const char *answer)
{
	struct prompt *p = t->prompt;

	t->prompt = NULL;
	t->chrome_dirty = true;
	curs_set(0);
	if (answer != NULL && p->history != NULL && *answer != '\0' &&
	    (p->history->n == 0 ||
	    strcmp(p->history->v[p->history->n - 1], answer) != 0))
		strv_push(p->history, answer);
	p->cb(t, answer, p->arg);
	prompt_destroy(p);
}

static void
prompt_set(struct prompt *p, const char *s)
{
	snprintf(p->buf, sizeof p->buf, "%s", s);
	p->len = p->cur = strlen(p->buf);
}

static void
prompt_tab(struct tui *t, struct prompt *p)
{
	struct strv c = { 0 };
	size_t i, common;

	if (p->complete == NULL)
		return;
	p->buf[p->len] = '\0';
	p->complete(t, p->buf, &c);
	if (c.n == 1)
		prompt_set(p, c.v[0]);
	else if (c.n > 1) {
		common = strlen(c.v[0]);
		for (i = 1; i < c.n; i++) {
			size_t j = 0;

			while (j < common && c.v[i][j] == c.v[0][j])
				j++;
			common = j;
		}
		if (common > p->len) {
			char *s = xstrndup(c.v[0], common);

			prompt_set(p, s);
			free(s);
		} else {
			char *all = strv_join(&c, "  ");

			status_set(t, STATUS_INFO, "%s", all);
			free(all);
		}
	}
	strv_free(&c);
}

bool
prompt_key(struct tui *t, int key)
{
	struct prompt *p = t->prompt;

	if (p == NULL)
		return false;
	t->chrome_dirty = true;
	if (p->confirm) {
		if (key == 'y' || key == 'Y')
			prompt_finish(t, "y");
		else
			prompt_finish(t, NULL);
		return true;
	}
	switch (key) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		p->buf[p->len] = '\0';
		{
			char *ans = xstrdup(p->buf);

			prompt_finish(t, ans);
			free(ans);
		}
		break;
	case 27:
	case 3:		/* C-c */
	case 7:		/* C-g */
		prompt_finish(t, NULL);
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (p->cur > 0) {
			memmove(p->buf + p->cur - 1, p->buf + p->cur, p->len - p->cur);
			p->cur--;
			p->len--;
		}
		break;
	case KEY_DC:
		if (p->cur < p->len) {
			memmove(p->buf + p->cur, p->buf + p->cur + 1, p->len - p->cur - 1);
			p->len--;
		}
		break;
	case KEY_LEFT:
		if (p->cur > 0)
			p->cur--;
		break;
	case KEY_RIGHT:
		if (p->cur < p->len)
			p->cur++;
		break;
	case KEY_HOME:
	case 1:
		p->cur = 0;
		break;
	case KEY_END:
	case 5:
		p->cur = p->len;
		break;
	case 21:	/* C-u */
		p->len = p->cur = 0;
		break;
	case '\t':
		prompt_tab(t, p);
		break;
	case KEY_UP:
		if (p->history != NULL && p->hist_pos > 0)
			prompt_set(p, p->history->v[--p->hist_pos]);
		break;
	case KEY_DOWN:
		if (p->history != NULL && p->hist_pos < p->history->n) {
			p->hist_pos++;
			prompt_set(p, p->hist_pos < p->history->n ?
			    p->history->v[p->hist_pos] : "");
		}
		break;
	default:
		if (key >= 32 && key < 256 && key != 127 &&
		    p->len + 1 < sizeof p->buf) {
			memmove(p->buf + p->cur + 1, p->buf + p->cur, p->len - p->cur);
			p->buf[p->cur++] = (char)key;
			p->len++;
		}
		break;
	}
	return true;
}

void
prompt_draw(struct tui *t, int y)
{
	struct prompt *p = t->prompt;
	int lw;
	char *s;

	if (p == NULL)
		return;
	lw = (int)strlen(p->label);
	screen_fill(t, y, TE_STATUS);
	screen_put(t, y, 0, lw < COLS ? lw : COLS, TE_PROMPT, p->label);
	if (p->confirm) {
		s = xstrdup(" [y/N]");
		screen_put(t, y, lw, COLS - lw, TE_PROMPT, s);
		free(s);
		move(y, lw + 6 < COLS ? lw + 6 : COLS - 1);
	} else {
		p->buf[p->len] = '\0';
		screen_put(t, y, lw, COLS - lw, TE_STATUS, p->buf);
		move(y, lw + (int)p->cur < COLS ? lw + (int)p->cur : COLS - 1);
	}
	curs_set(1);
}
