/*
 * log.c - levelled log lines on stderr.
 *
 * One line per message: time, level, optional program prefix, text.  The
 * level comes from log_set_level() (lxdeckd --debug) or LXDECK_DEBUG=1.  The
 * TUI sends stderr to a file so log lines never scribble on the screen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common.h"

static enum log_level log_level = LOG_LVL_WARN;
static const char *log_prefix = "";
static int log_level_from_env = -1;

void
log_set_level(enum log_level level)
{
	log_level = level;
	log_level_from_env = 0;
}

void
log_set_prefix(const char *prefix)
{
	log_prefix = prefix;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = { "error", "warn", "info", "debug" };
	char stamp[32];
	struct tm tm;
	time_t now;
	va_list ap;

	if (log_level_from_env == -1) {
		const char *d = getenv("LXDECK_DEBUG");

		if (d != NULL && *d != '\0' && *d != '0')
			log_level = LOG_LVL_DEBUG;
		log_level_from_env = 0;
	}
	if (level > log_level)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s %-5s %s%s", stamp, names[level], log_prefix,
	    *log_prefix ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
