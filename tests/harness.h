/*
 * harness.h - an honest tiny test harness for C unit tests.
 *
 * Each check prints one TAP line ("ok N - what" / "not ok N - what", with
 * the file and line of a failure); tests/run-tests counts them.  A test
 * program exits non-zero when any check failed.  Use:
 *
 *	TEST(name) { CHECK(x == 1); CHECK_STR(a, "b"); }
 *	int main(void) { RUN(name); return harness_done(); }
 */
#ifndef LXDECK_HARNESS_H
#define LXDECK_HARNESS_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int harness_n, harness_failed;
static const char *harness_test = "";

static inline void
harness_check(int ok, const char *what, const char *file, int line)
{
	harness_n++;
	if (ok) {
		printf("ok %d - %s: %s\n", harness_n, harness_test, what);
	} else {
		harness_failed++;
		printf("not ok %d - %s: %s (%s:%d)\n", harness_n, harness_test,
		    what, file, line);
	}
	fflush(stdout);
}

#define TEST(name) static void test_##name(void)
#define RUN(name) do { harness_test = #name; test_##name(); } while (0)
#define CHECK(x) harness_check(!!(x), #x, __FILE__, __LINE__)
#define CHECK_STR(a, b) do {						\
	const char *ha_ = (a), *hb_ = (b);				\
	int ok_ = (ha_ != NULL && hb_ != NULL && strcmp(ha_, hb_) == 0); \
	if (!ok_)							\
		printf("# got \"%s\", want \"%s\"\n",			\
		    ha_ ? ha_ : "(null)", hb_ ? hb_ : "(null)");	\
	harness_check(ok_, #a " == " #b, __FILE__, __LINE__);		\
} while (0)

/*
 * CHECKF(x, fmt, ...): CHECK with the description written by printf, for
 * checks that run over a table (say which row).  Control characters in it
 * show as '?', so one check stays one TAP line.
 */
static inline void
harness_checkf(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline void
harness_checkf(int ok, const char *file, int line, const char *fmt, ...)
{
	char what[512], *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	for (p = what; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	harness_check(ok, what, file, line);
}
#define CHECKF(x, ...) harness_checkf(!!(x), __FILE__, __LINE__, __VA_ARGS__)

/* A fixture file with text in it; a test cannot go on without it. */
static inline void
harness_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* A fresh directory from TMPL (ending in XXXXXX) into BUF: 0, or -1. */
static inline int
harness_mkdtemp(char *buf, size_t len, const char *tmpl)
{
	snprintf(buf, len, "%s", tmpl);
	return mkdtemp(buf) != NULL ? 0 : -1;
}

/* rm -rf DIR: a test program's temporary tree, at its end. */
static inline void
harness_rm_rf(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

static inline int
harness_done(void)
{
	printf("1..%d\n", harness_n);
	return harness_failed ? 1 : 0;
}
#endif
