/*
 * test-common.c - the value types and helpers of common/.
 */
#include <errno.h>
#include <stdlib.h>

#include "../../common/common.h"
#include "../harness.h"

TEST(strmap_sorted)
{
	struct strmap m = { 0 };

	strmap_set(&m, "b", "2");
	strmap_set(&m, "a", "1");
	strmap_set(&m, "c", "3");
	strmap_set(&m, "b", "two");
	CHECK(m.n == 3);
	CHECK_STR(m.keys[0], "a");
	CHECK_STR(m.keys[2], "c");
	CHECK_STR(strmap_get(&m, "b"), "two");
	CHECK(strmap_unset(&m, "a"));
	CHECK(!strmap_unset(&m, "a"));
	CHECK(strmap_get(&m, "a") == NULL);
	strmap_free(&m);
	strmap_free(&m);
	CHECK(m.n == 0);
}

TEST(devmap_replace_whole)
{
	struct devmap d = { 0 };
	struct strmap p = { 0 }, q = { 0 };

	strmap_set(&p, "type", "disk");
	strmap_set(&p, "readonly", "true");
	strmap_set(&q, "type", "disk");
	strmap_set(&q, "path", "/mnt");
	devmap_set(&d, "data", &p);
	devmap_set(&d, "data", &q);
	CHECK(d.n == 1);
	CHECK(strmap_get(devmap_get(&d, "data"), "readonly") == NULL);
	CHECK_STR(strmap_get(devmap_get(&d, "data"), "path"), "/mnt");
	devmap_free(&d);
	strmap_free(&p);
	strmap_free(&q);
}

TEST(strv_split_join)
{
	struct strv v = { 0 };
	char *s;

	strv_split(&v, "a,,b,c,", ',');
	CHECK(v.n == 3);
	s = strv_join(&v, " ");
	CHECK_STR(s, "a b c");
	CHECK(strv_index(&v, "c") == 2);
	CHECK(strv_index(&v, "x") == -1);
	free(s);
	strv_free(&v);
}

TEST(rfc3339)
{
	char buf[40];
	int64_t ns = 0;

	CHECK_STR(time_format_rfc3339(0, buf, sizeof buf), "0001-01-01T00:00:00Z");
	CHECK(time_parse_rfc3339("2026-11-28T03:05:09.704028436Z", &ns) == 0);
	CHECK_STR(time_format_rfc3339(ns, buf, sizeof buf),
	    "2026-11-28T03:05:09.704028436Z");
	CHECK(time_parse_rfc3339("2026-11-28T03:05:09.7Z", &ns) == 0);
	CHECK_STR(time_format_rfc3339(ns, buf, sizeof buf), "2026-11-28T03:05:09.7Z");
	CHECK(time_parse_rfc3339("0001-01-01T00:00:00Z", &ns) == 0 && ns == 0);
	CHECK(time_parse_rfc3339("yesterday", &ns) == -22);
	/* past what 64-bit nanoseconds since 1970 hold: refused, no overflow */
	CHECK(time_parse_rfc3339("2300-01-01T00:00:00Z", &ns) == -ERANGE);
	CHECK(time_parse_rfc3339("1600-06-01T00:00:00+01:00", &ns) == -ERANGE);
	CHECK(time_parse_rfc3339("2262-01-01T00:00:00Z", &ns) == 0 && ns > 0);
	CHECK(time_parse_rfc3339("2026-11-28T03:05:09+01:00", &ns) == 0);
	/* The offset is exactly [+-]hh:mm (fuzz-codec found "+01:0" read
	 * past the end of the string). */
	CHECK(time_parse_rfc3339("2026-11-28T03:05:09+-1:00", &ns) == -EINVAL);
	CHECK(time_parse_rfc3339("2026-11-28T03:05:09+1:00", &ns) == -EINVAL);
	CHECK(time_parse_rfc3339("2026-11-28T03:05:09+01:0", &ns) == -EINVAL);
	CHECK(time_parse_rfc3339("2026-11-28T03:05:09-0130", &ns) == -EINVAL);
	CHECK_STR(time_format_rfc3339(ns, buf, sizeof buf), "2026-11-28T02:05:09Z");
}

TEST(err_prefix_names_object)
{
	struct err e = { 0 };

	CHECK(err_set(&e, 404, "No such image") == -1);
	err_prefix(&e, "Failed to create instance \"%s\"", "web1");
	CHECK_STR(e.msg, "Failed to create instance \"web1\": No such image");
	CHECK(e.code == 404);
}

int
main(void)
{
	RUN(strmap_sorted);
	RUN(devmap_replace_whole);
	RUN(strv_split_join);
	RUN(rfc3339);
	RUN(err_prefix_names_object);
	return harness_done();
}
