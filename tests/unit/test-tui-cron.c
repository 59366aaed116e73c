/*
 * test-tui-cron.c - snapshots.schedule: the next firing times the snapshot
 * timeline draws as ticks.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "../../tui/tui.h"
#include "../harness.h"

static time_t
at(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi, .tm_isdst = -1 };

	return mktime(&tm);
}

static bool
next_is(const char *spec, time_t after, time_t want)
{
	struct err e = { 0 };
	time_t got = 0;

	return cron_next(spec, after, &got, &e) == 0 && got == want;
}

TEST(next)
{
	time_t base = at(2026, 3, 10, 14, 7);	/* a Tuesday */

	CHECK(next_is("@hourly", base, at(2026, 3, 10, 15, 0)));
	CHECK(next_is("@daily", base, at(2026, 3, 11, 0, 0)));
	CHECK(next_is("30 2 * * *", base, at(2026, 3, 11, 2, 30)));
	CHECK(next_is("*/15 * * * *", base, at(2026, 3, 10, 14, 15)));
	CHECK(next_is("0 9-17/4 * * *", base, at(2026, 3, 10, 17, 0)));
	CHECK(next_is("0 0 * * 0", base, at(2026, 3, 15, 0, 0)));	/* Sunday */
	CHECK(next_is("@weekly", base, at(2026, 3, 15, 0, 0)));
	CHECK(next_is("0 0 1 * *", base, at(2026, 4, 1, 0, 0)));
	CHECK(next_is("0 12 1,15 * *", base, at(2026, 3, 15, 12, 0)));
	CHECK(next_is("@yearly", base, at(2027, 1, 1, 0, 0)));
	CHECK(next_is("7 14 * * *", base, at(2026, 3, 11, 14, 7)));	/* strictly after */
	/* DOM and DOW both restricted: either. */
	CHECK(next_is("0 0 20 * 3", base, at(2026, 3, 11, 0, 0)));
}

TEST(errors)
{
	struct err e = { 0 };
	time_t t;

	CHECK(cron_next("every day", 0, &t, &e) < 0 && e.code == 400);
	CHECK(strstr(e.msg, "five fields") != NULL);
	err_clear(&e);
	CHECK(cron_next("61 * * * *", 0, &t, &e) < 0);
	CHECK(strstr(e.msg, "minute") != NULL);
	err_clear(&e);
	CHECK(cron_next("0 0 31 2 *", 0, &t, &e) < 0);	/* never */
	CHECK(strstr(e.msg, "never") != NULL);
	err_clear(&e);
	CHECK(cron_next("*/0 * * * *", 0, &t, &e) < 0);
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	RUN(next);
	RUN(errors);
	return harness_done();
}
