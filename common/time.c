/*
 * time.c - timestamps as the model keeps them (int64 nanoseconds since the
 * epoch, 0 meaning unset) and as LXD prints them (RFC3339Nano, UTC).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common.h"

int64_t
time_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

char *
time_format_rfc3339(int64_t ns, char *buf, size_t len)
{
	time_t secs;
	struct tm tm;
	long frac;
	char base[32];

	if (ns == 0) {
		snprintf(buf, len, "0001-01-01T00:00:00Z");
		return buf;
	}
	secs = (time_t)(ns / 1000000000);
	frac = (long)(ns % 1000000000);
	if (frac < 0) {
		frac += 1000000000;
		secs--;
	}
	gmtime_r(&secs, &tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac == 0) {
		snprintf(buf, len, "%sZ", base);
	} else {
		char f[16];
		size_t n;

		snprintf(f, sizeof f, "%09ld", frac);
		n = strlen(f);
		while (n > 0 && f[n - 1] == '0')	/* Go trims trailing zeros */
			f[--n] = '\0';
		snprintf(buf, len, "%s.%sZ", base, f);
	}
	return buf;
}

int
time_parse_rfc3339(const char *s, int64_t *ns)
{
	struct tm tm;
	const char *p;
	int64_t frac = 0, scale = 100000000, offset = 0;
	time_t secs;

	if (s == NULL)
		return -EINVAL;
	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return -EINVAL;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = (*p == '-') ? -1 : 1;

		/* Exactly "+hh:mm": sscanf's %2d took "+01:0" and p then ran
		 * past the string's end (ASan, found by fuzz-codec). */
		if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) ||
		    p[3] != ':' || !isdigit((unsigned char)p[4]) ||
		    !isdigit((unsigned char)p[5]))
			return -EINVAL;
		offset = sign * (((p[1] - '0') * 10 + (p[2] - '0')) * 3600 +
		    ((p[4] - '0') * 10 + (p[5] - '0')) * 60);
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p != '\0')
		return -EINVAL;
	if (tm.tm_year == 1 - 1900 && tm.tm_mon == 0 && tm.tm_mday == 1 &&
	    tm.tm_hour == 0 && tm.tm_min == 0 && tm.tm_sec == 0 && frac == 0) {
		*ns = 0;	/* Go's zero time */
		return 0;
	}
	secs = timegm(&tm) - offset;
	/* Nanoseconds since 1970 in 64 bits reach the years 1678 to 2262. */
	if (secs >= INT64_MAX / 1000000000 || secs <= INT64_MIN / 1000000000)
		return -ERANGE;
	*ns = (int64_t)secs * 1000000000 + frac;
	return 0;
}
