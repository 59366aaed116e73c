/*
 * cron.c - when `snapshots.schedule` fires next, for the timeline's ticks.
 *
 * The schedule is LXD's: a cron spec "MIN HOUR DOM MON DOW" (each field
 * `*`, `N`, `A-B`, `*` or a range with `/STEP`, and comma lists of those)
 * or one of @hourly @daily @midnight @weekly @monthly @yearly @annually.
 * Times are the host's local time, as cron's.  As in cron, when both DOM
 * and DOW are restricted a day matching either fires.  cron_next() walks
 * forward minute by minute (at most a year and a day): cheap enough for
 * a few ticks per draw, and obviously right.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui.h"

struct cron_spec {
	unsigned char	min[60], hour[24], dom[32], mon[13], dow[8];
	bool		dom_star, dow_star;
};

static int
cron_field(const char *f, unsigned char *set, int lo, int hi, struct err *e,
    const char *what)
{
	struct strv parts = { 0 };
	size_t i;
	int rc = 0;

	strv_split(&parts, f, ',');
	if (parts.n == 0)
		rc = -1;
	for (i = 0; rc == 0 && i < parts.n; i++) {
		char *p = parts.v[i], *slash = strchr(p, '/'), *end;
		long a = lo, b = hi, step = 1, v;

		if (slash != NULL) {
			*slash = '\0';
			step = strtol(slash + 1, &end, 10);
			if (*end != '\0' || step < 1) {
				rc = -1;
				break;
			}
		}
		if (strcmp(p, "*") != 0) {
			a = strtol(p, &end, 10);
			if (end == p) {
				rc = -1;
				break;
			}
			b = a;
			if (*end == '-') {
				char *s2 = end + 1;

				b = strtol(s2, &end, 10);
				if (end == s2) {
					rc = -1;
					break;
				}
			} else if (slash != NULL)
				b = hi;
			if (*end != '\0') {
				rc = -1;
				break;
			}
		}
		if (a < lo || b > hi || a > b) {
			rc = -1;
			break;
		}
		for (v = a; v <= b; v += step)
			set[v] = 1;
	}
	strv_free(&parts);
	if (rc < 0)
		return err_set(e, 400, "Invalid snapshots.schedule: bad %s field "
		    "\"%s\"", what, f);
	return 0;
}

static int
cron_parse(const char *spec, struct cron_spec *c, struct err *e)
{
	static const struct { const char *name, *cron; } macros[] = {
		{ "@hourly", "0 * * * *" }, { "@daily", "0 0 * * *" },
		{ "@midnight", "0 0 * * *" }, { "@weekly", "0 0 * * 0" },
		{ "@monthly", "0 0 1 * *" }, { "@yearly", "0 0 1 1 *" },
		{ "@annually", "0 0 1 1 *" },
	};
	struct strv f = { 0 };
	size_t i;
	int rc = -1;

	memset(c, 0, sizeof *c);
	for (i = 0; i < ARRAY_SIZE(macros); i++)
		if (strcmp(spec, macros[i].name) == 0)
			spec = macros[i].cron;
	strv_split(&f, spec, ' ');
	if (f.n != 5) {
		err_set(e, 400, "Invalid snapshots.schedule \"%s\": expected five "
		    "fields or @hourly/@daily/@weekly/@monthly/@yearly", spec);
		goto out;
	}
	if (cron_field(f.v[0], c->min, 0, 59, e, "minute") < 0 ||
	    cron_field(f.v[1], c->hour, 0, 23, e, "hour") < 0 ||
	    cron_field(f.v[2], c->dom, 1, 31, e, "day of month") < 0 ||
	    cron_field(f.v[3], c->mon, 1, 12, e, "month") < 0 ||
	    cron_field(f.v[4], c->dow, 0, 7, e, "day of week") < 0)
		goto out;
	if (c->dow[7])
		c->dow[0] = 1;	/* 7 is Sunday too */
	c->dom_star = strcmp(f.v[2], "*") == 0;
	c->dow_star = strcmp(f.v[4], "*") == 0;
	rc = 0;
out:
	strv_free(&f);
	return rc;
}

static bool
cron_day_matches(const struct cron_spec *c, const struct tm *tm)
{
	bool dom = c->dom[tm->tm_mday], dow = c->dow[tm->tm_wday];

	if (c->dom_star || c->dow_star)
		return dom && dow;
	return dom || dow;
}

int
cron_next(const char *spec, time_t after, time_t *out, struct err *e)
{
	struct cron_spec c;
	struct tm tm;
	time_t t;
	int i;

	if (cron_parse(spec, &c, e) < 0)
		return -1;
	t = after - after % 60 + 60;	/* the next whole minute */
	for (i = 0; i < 527040 + 1440; i++, t += 60) {
		localtime_r(&t, &tm);
		if (!c.mon[tm.tm_mon + 1] || !cron_day_matches(&c, &tm)) {
			/* Skip to the next midnight. */
			t += (time_t)(((23 - tm.tm_hour) * 60 + (59 - tm.tm_min)) * 60);
			continue;
		}
		if (c.hour[tm.tm_hour] && c.min[tm.tm_min]) {
			*out = t;
			return 0;
		}
	}
	return err_set(e, 400, "snapshots.schedule \"%s\" never fires", spec);
}
