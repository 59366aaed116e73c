/*
 * err.c - user-visible errors.
 *
 * A struct err carries an HTTP-style status and one message.  Low layers set
 * the cause ("No such image"); the layer that knows the object prefixes it
 * ("Failed to create instance \"web1\": No such image"), so what reaches the
 * user says what failed and why.  The server turns it into LXD's error
 * envelope, the TUI into its status line.
 */
#include <stdio.h>
#include <string.h>

#include "common.h"

int
err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_prefix(struct err *e, const char *fmt, ...)
{
	char old[sizeof e->msg], head[sizeof e->msg];
	va_list ap;

	if (e == NULL)
		return -1;
	memcpy(old, e->msg, sizeof old);
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	if (e->code == 0)
		e->code = 500;
	{
		char full[sizeof head + sizeof old + 4];
		size_t n;

		if (old[0] != '\0')
			snprintf(full, sizeof full, "%s: %s", head, old);
		else
			snprintf(full, sizeof full, "%s", head);
		/* Cut at the end: the object's name comes first. */
		n = strlen(full);
		if (n >= sizeof e->msg)
			n = sizeof e->msg - 1;
		memcpy(e->msg, full, n);
		e->msg[n] = '\0';
	}
	return -1;
}

void
err_clear(struct err *e)
{
	if (e == NULL)
		return;
	e->code = 0;
	e->msg[0] = '\0';
}

bool
err_is_set(const struct err *e)
{
	return e != NULL && e->code != 0;
}
