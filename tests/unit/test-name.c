/*
 * test-name.c - instance, snapshot and profile name rules (LXD 5.0.2's).
 */
#include <stdlib.h>
#include <string.h>

#include "../../engine/engine.h"
#include "../harness.h"

static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

TEST(instance_good)
{
	struct err e = { 0 };
	char *s63 = repeat('a', 63);

	CHECK(name_validate_instance("web1", &e) == 0);
	CHECK(name_validate_instance("a", &e) == 0);
	CHECK(name_validate_instance("My-Container-2", &e) == 0);
	CHECK(name_validate_instance(s63, &e) == 0);
	CHECK(e.code == 0);
	free(s63);
}

TEST(instance_bad)
{
	struct err e = { 0 };
	char *s64 = repeat('a', 64);

	CHECK(name_validate_instance("9x", &e) == -1);
	CHECK(e.code == 400);
	CHECK_STR(e.msg, "Invalid instance name \"9x\": Name must not start with a digit");
	err_clear(&e);
	CHECK(name_validate_instance("1234", &e) == -1);
	CHECK(strstr(e.msg, "\"1234\"") != NULL);
	CHECK(name_validate_instance("", &e) == -1);
	CHECK(strstr(e.msg, "1-63") != NULL);
	CHECK(name_validate_instance(NULL, &e) == -1);
	CHECK(name_validate_instance(s64, &e) == -1);
	CHECK(strstr(e.msg, "1-63") != NULL);
	CHECK(name_validate_instance("-web", &e) == -1);
	CHECK(strstr(e.msg, "start with \"-\"") != NULL);
	CHECK(name_validate_instance("web-", &e) == -1);
	CHECK(strstr(e.msg, "end with \"-\"") != NULL);
	CHECK(name_validate_instance("web_1", &e) == -1);
	CHECK(strstr(e.msg, "alphanumeric and hyphen") != NULL);
	CHECK(name_validate_instance("web.1", &e) == -1);
	CHECK(name_validate_instance("web 1", &e) == -1);
	CHECK(name_validate_instance("c1/snap0", &e) == -1);
	CHECK(strstr(e.msg, "reserved for snapshots") != NULL);
	CHECK(name_validate_instance("caf\xc3\xa9", &e) == -1);
	CHECK(e.code == 400);
	free(s64);
}

TEST(snapshot)
{
	struct err e = { 0 };
	char *s255 = repeat('s', 255), *s256 = repeat('s', 256);
	static const char *const good[] = { "snap0", "before-upgrade_2024.01", "9",
	    "..." };
	static const char *const bad[] = { " snap", "snap ", "my snap", ".", "..",
	    "a?b", "a&b", "a+b", "a\nb" };
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		CHECKF(name_validate_snapshot(good[i], &e) == 0, "\"%s\" is valid", good[i]);
	CHECK(name_validate_snapshot(s255, &e) == 0);
	CHECK(e.code == 0);
	CHECK(name_validate_snapshot("", &e) == -1);
	CHECK(e.code == 400);
	CHECK(strstr(e.msg, "Invalid snapshot name \"\"") != NULL);
	CHECK(name_validate_snapshot(s256, &e) == -1);
	CHECK(name_validate_snapshot("a/b", &e) == -1);
	CHECK(strstr(e.msg, "\"a/b\"") != NULL);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECKF(name_validate_snapshot(bad[i], &e) == -1, "\"%s\" is not", bad[i]);
	free(s255);
	free(s256);
}

TEST(profile)
{
	struct err e = { 0 };
	char *s63 = repeat('p', 63), *s64 = repeat('p', 64);

	CHECK(name_validate_profile("default", &e) == 0);
	CHECK(name_validate_profile("docker", &e) == 0);
	CHECK(name_validate_profile("my_profile.v2", &e) == 0);
	CHECK(name_validate_profile(s63, &e) == 0);
	CHECK(e.code == 0);
	CHECK(name_validate_profile("", &e) == -1);
	CHECK(e.code == 400);
	CHECK(name_validate_profile("a/b", &e) == -1);
	CHECK(strstr(e.msg, "slashes") != NULL);
	CHECK(name_validate_profile(".", &e) == -1);
	CHECK(name_validate_profile("..", &e) == -1);
	CHECK(strstr(e.msg, "Invalid profile name \"..\"") != NULL);
	CHECK(name_validate_profile(s64, &e) == -1);
	free(s63);
	free(s64);
}

int
main(void)
{
	RUN(instance_good);
	RUN(instance_bad);
	RUN(snapshot);
	RUN(profile);
	return harness_done();
}
