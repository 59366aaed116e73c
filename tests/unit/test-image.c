/*
 * test-image.c - local images (engine/image.c): fingerprints as LXD computes
 * them, metadata.yaml, import of unified and split images, lookups, aliases,
 * removal, export and publishing.  Tarballs are made here with tar; no root
 * is needed.  Each test gets an engine on a fresh directory.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../engine/engine.h"
#include "../harness.h"

static char work[] = "/tmp/lxdeck-test-image.XXXXXX";

struct fixture {
	struct engine	 eng;
	char		*dir;
};

static void
fixture_open(struct fixture *f)
{
	static int n;
	struct err e = { 0 };
	char *db;

	memset(f, 0, sizeof *f);
	f->dir = xasprintf("%s/engine%d", work, n++);
	if (mkdir(f->dir, 0700) < 0)
		fatal("mkdir %s: %s", f->dir, strerror(errno));
	f->eng.dir = f->dir;
	f->eng.arch = "x86_64";
	db = xasprintf("%s/lxdeck.db", f->dir);
	if (db_open(db, &f->eng.db, &e) < 0)
		fatal("%s", e.msg);
	free(db);
}

static void
fixture_close(struct fixture *f)
{
	db_close(f->eng.db);
	free(f->dir);
	memset(f, 0, sizeof *f);
}

static int PRINTF_LIKE(1, 2)
sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int rc;

	va_start(ap, fmt);
	cmd = xvasprintf(fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		printf("# command failed (%d): %s\n", rc, cmd);
	free(cmd);
	return rc;
}

/* First line of a shell command's output, trimmed (caller frees). */
static char * PRINTF_LIKE(1, 2)
sh_out(const char *fmt, ...)
{
	va_list ap;
	char *cmd, line[512] = "";
	FILE *p;

	va_start(ap, fmt);
	cmd = xvasprintf(fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	free(cmd);
	if (p == NULL)
		return xstrdup("");
	if (fgets(line, sizeof line, p) == NULL)
		line[0] = '\0';
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	return xstrdup(line);
}

/* The first line a shell command prints is WANT. */
#define CHECK_SH(want, ...) do {					\
	char *sh_ = sh_out(__VA_ARGS__);				\
	CHECK_STR(sh_, want);						\
	free(sh_);							\
} while (0)

static bool
exists(const char *fmt, const char *a, const char *b)
{
	char *p = xasprintf(fmt, a, b);
	struct stat st;
	bool ok = lstat(p, &st) == 0;

	free(p);
	return ok;
}

/* Entries in dir/images other than "." and ".." (0 if there is no dir). */
static int
count_image_files(const struct fixture *f)
{
	char *p = xasprintf("%s/images", f->dir);
	DIR *d = opendir(p);
	struct dirent *de;
	int n = 0;

	free(p);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			printf("# images/%s\n", de->d_name);
			n++;
		}
	}
	closedir(d);
	return n;
}

static int
count_rows(const struct fixture *f, const char *table)
{
	char *sql = xasprintf("SELECT COUNT(*) FROM %s", table);
	sqlite3_stmt *st = NULL;
	int n = -1;

	if (sqlite3_prepare_v2(f->eng.db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	free(sql);
	return n;
}

static const char good_meta[] =
    "architecture: x86_64\n"
    "creation_date: 1700000000\n"
    "expiry_date: 1900000000\n"
    "properties:\n"
    "  os: testos\n"
    "  release: \"1.0\"\n"
    "  description: a test image\n"
    "templates:\n"
    "  /etc/hostname:\n"
    "    when: [create, copy]\n"
    "    template: hostname.tpl\n";

/*
 * A staging tree under work/NAME: metadata.yaml with meta, templates/,
 * rootfs/ with a file, a directory, a relative and an absolute symlink.
 */
static char *
stage(const char *name, const char *meta)
{
	char *s = xasprintf("%s/%s", work, name), *p;

	sh("rm -rf %s && mkdir -p %s/rootfs/bin %s/rootfs/etc %s/rootfs/tmp "
	    "%s/templates", s, s, s, s, s);
	if (meta != NULL) {
		p = xasprintf("%s/metadata.yaml", s);
		harness_write_file(p, meta);
		free(p);
	}
	p = xasprintf("%s/rootfs/bin/hello", s);
	harness_write_file(p, "#!/bin/sh\necho hello\n");
	chmod(p, 0755);
	free(p);
	p = xasprintf("%s/rootfs/etc/motd", s);
	harness_write_file(p, name);
	free(p);
	p = xasprintf("%s/templates/hostname.tpl", s);
	harness_write_file(p, "{{ container.name }}\n");
	free(p);
	sh("ln -s hello %s/rootfs/bin/hi && ln -s /bin/hello %s/rootfs/bin/abs && "
	    "chmod 1777 %s/rootfs/tmp", s, s, s);
	return s;
}

/* A unified tarball work/NAME.tar.gz from stage(NAME, meta). */
static char *
unified(const char *name, const char *meta)
{
	char *s = stage(name, meta);
	char *out = xasprintf("%s/%s.tar.gz", work, name);

	sh("tar --numeric-owner -czf %s -C %s %s templates rootfs", out, s,
	    meta != NULL ? "metadata.yaml" : "");
	free(s);
	return out;
}

/* A split image: work/NAME-meta.tar.xz and work/NAME-rootfs.tar.gz. */
static void
split(const char *name, const char *meta, char **mpath, char **rpath)
{
	char *s = stage(name, meta);

	*mpath = xasprintf("%s/%s-meta.tar.xz", work, name);
	*rpath = xasprintf("%s/%s-rootfs.tar.gz", work, name);
	sh("tar -cJf %s -C %s metadata.yaml templates", *mpath, s);
	sh("tar --numeric-owner -czf %s -C %s/rootfs .", *rpath, s);
	free(s);
}

static char *
import_ok(struct fixture *f, const char *meta, const char *rootfs)
{
	struct err e = { 0 };
	char *fp = NULL;

	if (image_import(&f->eng, meta, rootfs, NULL, false, NULL, &fp, &e) < 0)
		printf("# import failed: %d %s\n", e.code, e.msg);
	return fp;
}

TEST(fingerprint_unified_is_sha256_of_file)
{
	char *path = unified("fpu", good_meta), *want, *got;
	const char *paths[1] = { path };
	struct err e = { 0 };

	want = sh_out("sha256sum %s | cut -d' ' -f1", path);
	got = image_fingerprint_files(paths, 1, &e);
	CHECK(strlen(want) == 64);
	CHECK_STR(got, want);
	free(got);
	paths[0] = "/nonexistent/file";
	got = image_fingerprint_files(paths, 1, &e);
	CHECK(got == NULL);
	CHECK(e.code == 404);
	CHECK(strstr(e.msg, "/nonexistent/file") != NULL);
	free(want);
	free(path);
}

TEST(fingerprint_split_is_sha256_of_concatenation)
{
	char *m, *r, *want, *got;
	const char *paths[2];
	struct err e = { 0 };

	split("fps", good_meta, &m, &r);
	paths[0] = m;
	paths[1] = r;
	want = sh_out("cat %s %s | sha256sum | cut -d' ' -f1", m, r);
	got = image_fingerprint_files(paths, 2, &e);
	CHECK_STR(got, want);
	free(got);
	free(want);
	free(m);
	free(r);
}

TEST(import_unified)
{
	struct fixture f;
	struct image im;
	struct err e = { 0 };
	char *path = unified("imp", good_meta), *fp, *want, *size;
	struct strmap props = { 0 };
	char *got = NULL;

	fixture_open(&f);
	strmap_set(&props, "user.extra", "yes");
	strmap_set(&props, "description", "overridden");
	CHECK(image_import(&f.eng, path, NULL, &props, true, "imp.tar.gz", &got,
	    &e) == 0);
	want = sh_out("sha256sum %s | cut -d' ' -f1", path);
	CHECK_STR(got, want);
	fp = got ? got : xstrdup("none");
	CHECK(image_load(&f.eng, fp, &im, &e) == 0);
	CHECK_STR(im.fingerprint, want);
	CHECK_STR(im.architecture, "x86_64");
	CHECK_STR(im.type, "container");
	CHECK_STR(im.filename, "imp.tar.gz");
	CHECK(im.public);
	CHECK(!im.auto_update);
	CHECK(im.created_ns == 1700000000LL * 1000000000);
	CHECK(im.expires_ns == 1900000000LL * 1000000000);
	CHECK(im.uploaded_ns > im.created_ns);
	size = sh_out("stat -c %%s %s", path);
	CHECK(im.size == atoll(size));
	CHECK_STR(strmap_get(&im.properties, "os"), "testos");
	CHECK_STR(strmap_get(&im.properties, "release"), "1.0");
	CHECK_STR(strmap_get(&im.properties, "user.extra"), "yes");
	CHECK_STR(strmap_get(&im.properties, "description"), "overridden");
	CHECK(im.profiles.n == 1 && strcmp(im.profiles.v[0], "default") == 0);
	CHECK(im.naliases == 0);
	image_free_contents(&im);

	CHECK(exists("%s/images/%s", f.dir, fp));
	CHECK(!exists("%s/images/%s.rootfs", f.dir, fp));
	CHECK(exists("%s/images/%s.d/metadata.yaml", f.dir, fp));
	CHECK(exists("%s/images/%s.d/templates/hostname.tpl", f.dir, fp));
	CHECK(exists("%s/images/%s.d/rootfs/bin/hello", f.dir, fp));
	free(size);
	CHECK_SH("/bin/hello", "readlink %s/images/%s.d/rootfs/bin/abs", f.dir, fp);
	CHECK_SH("1777", "stat -c %%a %s/images/%s.d/rootfs/tmp", f.dir, fp);
	size = sh_out("cmp %s %s/images/%s && echo same", path, f.dir, fp);
	CHECK_STR(size, "same");

	/* The same bytes again: 409, and nothing changes. */
	err_clear(&e);
	got = NULL;
	CHECK(image_import(&f.eng, path, NULL, NULL, false, NULL, &got, &e) < 0);
	CHECK(e.code == 409);
	CHECK_STR(e.msg, "Image with same fingerprint already exists");
	CHECK(got == NULL);
	CHECK(count_rows(&f, "images") == 1);
	CHECK(count_image_files(&f) == 2);	/* FP and FP.d */

	strmap_free(&props);
	free(size);
	free(want);
	free(fp);
	free(path);
	fixture_close(&f);
}

TEST(import_split)
{
	struct fixture f;
	struct image im = { 0 };
	struct err e = { 0 };
	char *m, *r, *fp, *want, *s;

	fixture_open(&f);
	split("spl", good_meta, &m, &r);
	fp = import_ok(&f, m, r);
	want = sh_out("cat %s %s | sha256sum | cut -d' ' -f1", m, r);
	CHECK_STR(fp, want);
	if (fp == NULL)
		fp = xstrdup("none");
	CHECK(image_load(&f.eng, fp, &im, &e) == 0);
	s = sh_out("cat %s %s | wc -c", m, r);
	CHECK(im.size == atoll(s));
	free(s);
	s = xasprintf("spl-meta.tar.xz");
	CHECK_STR(im.filename, s);
	free(s);
	CHECK(exists("%s/images/%s", f.dir, fp));
	CHECK(exists("%s/images/%s.rootfs", f.dir, fp));
	CHECK(exists("%s/images/%s.d/metadata.yaml", f.dir, fp));
	CHECK(exists("%s/images/%s.d/rootfs/bin/hello", f.dir, fp));
	CHECK(exists("%s/images/%s.d/rootfs/etc/motd", f.dir, fp));
	CHECK_SH("spl", "cat %s/images/%s.d/rootfs/etc/motd", f.dir, fp);
	image_free_contents(&im);
	free(want);
	free(fp);
	free(m);
	free(r);
	fixture_close(&f);
}

TEST(import_split_squashfs)
{
	struct fixture f;
	char *m, *r, *sq, *fp;

	if (access("/usr/bin/mksquashfs", X_OK) < 0) {
		printf("# mksquashfs missing, skipped\n");
		return;
	}
	fixture_open(&f);
	split("sqs", good_meta, &m, &r);
	sq = xasprintf("%s/sqs.squashfs", work);
	sh("mksquashfs %s/sqs/rootfs %s -all-root -noappend -quiet >/dev/null",
	    work, sq);
	fp = import_ok(&f, m, sq);
	CHECK(fp != NULL);
	if (fp != NULL) {
		CHECK_SH("sqs", "cat %s/images/%s.d/rootfs/etc/motd", f.dir, fp);
		CHECK_SH("hello", "readlink %s/images/%s.d/rootfs/bin/hi", f.dir, fp);
	}
	free(fp);
	free(sq);
	free(m);
	free(r);
	fixture_close(&f);
}

TEST(metadata_errors)
{
	static const struct {
		const char *meta, *why;
	} bad[] = {
		{ "creation_date: 1700000000\nproperties: {os: x}\n",
		  "architecture is missing" },
		{ "architecture: x86_64\n", "creation_date is missing" },
		{ "architecture: x86_64\ncreation_date: yesterday\n",
		  "creation_date is not a unix time" },
		{ "architecture: [x86_64\ncreation_date: 1\n", "Invalid metadata.yaml" },
		{ "\x01\x02 :: : - [ {\n\t\"", "Invalid metadata.yaml" },
		{ "- just\n- a list\n", "not a mapping" },
		{ "architecture: vax\ncreation_date: 1\n", "unsupported architecture" },
		{ "architecture: x86_64\ncreation_date: 1\nproperties: [a]\n",
		  "properties is not a mapping" },
		{ "architecture: x86_64\ncreation_date: 1\nproperties: {a: {b: c}}\n",
		  "properties must be strings" },
		{ "", "not a mapping" },
	};
	struct fixture f;
	struct err e;
	char *path, *name, *fp;
	size_t i;

	fixture_open(&f);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		name = xasprintf("bad%zu", i);
		path = unified(name, bad[i].meta);
		err_clear(&e);
		fp = NULL;
		CHECK(image_import(&f.eng, path, NULL, NULL, false, NULL, &fp, &e) < 0);
		CHECK(e.code == 400);
		CHECK(strstr(e.msg, bad[i].why) != NULL);
		CHECK(strstr(e.msg, path) != NULL);	/* names the file */
		if (e.code != 400 || strstr(e.msg, bad[i].why) == NULL)
			printf("# %zu: %d %s\n", i, e.code, e.msg);
		CHECK(fp == NULL);
		free(path);
		free(name);
	}
	/* No metadata.yaml at all. */
	path = unified("nometa", NULL);
	err_clear(&e);
	CHECK(image_import(&f.eng, path, NULL, NULL, false, NULL, NULL, &e) < 0);
	CHECK(e.code == 400);
	CHECK(strstr(e.msg, "metadata.yaml") != NULL);
	CHECK(strstr(e.msg, path) != NULL);
	free(path);

	CHECK(count_rows(&f, "images") == 0);
	CHECK(count_image_files(&f) == 0);
	fixture_close(&f);
}

TEST(metadata_arch_alias_and_quoted_date)
{
	struct fixture f;
	struct image im = { 0 };
	struct err e = { 0 };
	char *path = unified("amd", "architecture: amd64\ncreation_date: \"1600000000\"\n"
	    "properties:\n"), *fp;

	fixture_open(&f);
	fp = import_ok(&f, path, NULL);
	CHECK(fp != NULL);
	if (fp != NULL) {
		CHECK(image_load(&f.eng, fp, &im, &e) == 0);
		CHECK_STR(im.architecture, "x86_64");
		CHECK(im.created_ns == 1600000000LL * 1000000000);
		CHECK(im.properties.n == 0);
		image_free_contents(&im);
	}
	free(fp);
	free(path);
	fixture_close(&f);
}

TEST(failed_import_leaves_nothing)
{
	struct fixture f;
	struct err e = { 0 };
	char *bad = xasprintf("%s/corrupt.tar.gz", work), *m, *r, *trunc;

	fixture_open(&f);
	harness_write_file(bad, "this is not a tarball at all\n");
	CHECK(image_import(&f.eng, bad, NULL, NULL, false, NULL, NULL, &e) < 0);
	CHECK(e.code == 400);
	CHECK(strstr(e.msg, bad) != NULL);

	/* Good metadata, rootfs cut in half. */
	split("trunc", good_meta, &m, &r);
	trunc = xasprintf("%s.half", r);
	sh("head -c $(( $(stat -c %%s %s) / 2 )) %s > %s", r, r, trunc);
	err_clear(&e);
	CHECK(image_import(&f.eng, m, trunc, NULL, false, NULL, NULL, &e) < 0);
	CHECK(e.code == 400);
	printf("# %s\n", e.msg);

	/* A unified tarball without rootfs/. */
	sh("rm -rf %s/norootfs && mkdir -p %s/norootfs", work, work);
	free(r);
	r = xasprintf("%s/norootfs/metadata.yaml", work);
	harness_write_file(r, good_meta);
	free(trunc);
	trunc = xasprintf("%s/norootfs.tar", work);
	sh("tar -cf %s -C %s/norootfs metadata.yaml", trunc, work);
	err_clear(&e);
	CHECK(image_import(&f.eng, trunc, NULL, NULL, false, NULL, NULL, &e) < 0);
	CHECK(e.code == 400);
	CHECK(strstr(e.msg, "rootfs") != NULL);

	/* A file that is not there. */
	err_clear(&e);
	CHECK(image_import(&f.eng, "/nonexistent.tar.gz", NULL, NULL, false, NULL,
	    NULL, &e) < 0);
	CHECK(e.code == 404);

	CHECK(count_rows(&f, "images") == 0);
	CHECK(count_rows(&f, "image_properties") == 0);
	CHECK(count_rows(&f, "image_profiles") == 0);
	CHECK(count_image_files(&f) == 0);
	free(trunc);
	free(m);
	free(r);
	free(bad);
	fixture_close(&f);
}

TEST(resolve_and_aliases)
{
	struct fixture f;
	struct err e = { 0 };
	struct image_alias a = { 0 }, *all = NULL;
	struct image im = { 0 };
	size_t n = 0;
	char *p1 = unified("res1", good_meta), *p2, *fp1, *fp2, *got = NULL;
	char fake[65], prefix[8];
	char *sql;
	size_t i;

	fixture_open(&f);
	p2 = unified("res2", "architecture: x86_64\ncreation_date: 2\n");
	fp1 = import_ok(&f, p1, NULL);
	fp2 = import_ok(&f, p2, NULL);
	CHECK(fp1 != NULL && fp2 != NULL);
	if (fp1 == NULL || fp2 == NULL)
		goto out;

	/* Full fingerprint and unique prefix. */
	CHECK(image_resolve(&f.eng, fp1, &got, &e) == 0);
	CHECK_STR(got, fp1);
	free(got);
	/* A row whose fingerprint shares fp1's first 6 characters. */
	memcpy(fake, fp1, 65);
	fake[6] = fp1[6] == '0' ? '1' : '0';
	sql = xasprintf("INSERT INTO images (fingerprint) VALUES ('%s')", fake);
	CHECK(db_exec(f.eng.db, sql, &e) == 0);
	free(sql);
	snprintf(prefix, sizeof prefix, "%.7s", fp1);
	CHECK(image_resolve(&f.eng, prefix, &got, &e) == 0);
	CHECK_STR(got, fp1);
	free(got);
	snprintf(prefix, sizeof prefix, "%.6s", fp1);
	err_clear(&e);
	CHECK(image_resolve(&f.eng, prefix, &got, &e) < 0);
	CHECK(e.code == 400);
	sql = xasprintf("Image prefix \"%s\" is ambiguous", prefix);
	CHECK_STR(e.msg, sql);
	free(sql);
	err_clear(&e);
	CHECK(image_resolve(&f.eng, "nosuchthing", &got, &e) < 0);
	CHECK(e.code == 404);
	CHECK_STR(e.msg, "Image \"nosuchthing\" not found");
	err_clear(&e);
	CHECK(image_resolve(&f.eng, "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"
	    "f0f0f0f0f0f0f0f0f0f0f0f0f0", &got, &e) < 0);
	CHECK(e.code == 404);
	sql = xasprintf("DELETE FROM images WHERE fingerprint = '%s'", fake);
	db_exec(f.eng.db, sql, &e);
	free(sql);

	/* Aliases: by prefix, 409 on a second, name wins over fingerprint. */
	snprintf(prefix, sizeof prefix, "%.7s", fp1);
	err_clear(&e);
	CHECK(image_alias_add(&f.eng, "first", prefix, "the first", &e) == 0);
	CHECK(image_alias_add(&f.eng, "first", fp2, "", &e) < 0);
	CHECK(e.code == 409);
	CHECK_STR(e.msg, "Image alias \"first\" already exists");
	err_clear(&e);
	CHECK(image_alias_add(&f.eng, "ghost", "0123456789abcdef", "", &e) < 0);
	CHECK(e.code == 404);
	err_clear(&e);
	CHECK(image_alias_add(&f.eng, "", fp1, "", &e) < 0);
	CHECK(e.code == 400);
	err_clear(&e);
	CHECK(image_alias_add(&f.eng, "debian/12", fp2, "", &e) == 0);
	CHECK(image_resolve(&f.eng, "first", &got, &e) == 0);
	CHECK_STR(got, fp1);
	free(got);
	CHECK(image_resolve(&f.eng, "debian/12", &got, &e) == 0);
	CHECK_STR(got, fp2);
	free(got);
	/* An alias that looks like another image's prefix names its target. */
	snprintf(prefix, sizeof prefix, "%.5s", fp2);
	CHECK(image_alias_add(&f.eng, prefix, fp1, "", &e) == 0);
	CHECK(image_resolve(&f.eng, prefix, &got, &e) == 0);
	CHECK_STR(got, fp1);
	free(got);

	CHECK(image_alias_load(&f.eng, "first", &a, &e) == 0);
	CHECK_STR(a.name, "first");
	CHECK_STR(a.description, "the first");
	CHECK_STR(a.target, fp1);
	CHECK_STR(a.type, "container");
	image_alias_free_contents(&a);
	err_clear(&e);
	CHECK(image_alias_load(&f.eng, "nope", &a, &e) < 0);
	CHECK(e.code == 404);

	CHECK(image_alias_load_all(&f.eng, &all, &n, &e) == 0);
	CHECK(n == 3);
	if (n == 3) {
		/* Sorted by name: "debian/12" < "[0-9a-f]{5}" < "first" or first. */
		i = strcmp(prefix, "debian/12") < 0 ? 1 : 0;
		CHECK_STR(all[i].name, "debian/12");
		CHECK_STR(all[i].target, fp2);
		CHECK_STR(all[2].name, "first");
		CHECK_STR(all[2].target, fp1);
	}
	image_alias_array_free(all, n);

	CHECK(image_load(&f.eng, fp1, &im, &e) == 0);
	CHECK(im.naliases == 2);
	if (im.naliases == 2) {
		CHECK_STR(im.aliases[1].name, "first");
		CHECK_STR(im.aliases[1].target, fp1);
		CHECK_STR(im.aliases[1].type, "container");
	}
	image_free_contents(&im);

	CHECK(image_alias_remove(&f.eng, "first", &e) == 0);
	err_clear(&e);
	CHECK(image_alias_remove(&f.eng, "first", &e) < 0);
	CHECK(e.code == 404);
	CHECK_STR(e.msg, "Image alias \"first\" not found");
	err_clear(&e);
	CHECK(image_resolve(&f.eng, "first", &got, &e) < 0);
	CHECK(e.code == 404);

	/* Removing an image takes its aliases along. */
	CHECK(image_remove(&f.eng, fp2, &e) == 0);
	err_clear(&e);
	CHECK(image_alias_load(&f.eng, "debian/12", &a, &e) < 0);
	CHECK(e.code == 404);
out:
	free(fp1);
	free(fp2);
	free(p1);
	free(p2);
	fixture_close(&f);
}

TEST(list_and_update)
{
	struct fixture f;
	struct err e = { 0 };
	struct image *all = NULL, put = { 0 }, im = { 0 };
	size_t n = 0;
	char *p1 = unified("lst1", good_meta), *p2, *fp1, *fp2;

	fixture_open(&f);
	p2 = unified("lst2", "architecture: x86_64\ncreation_date: 3\n");
	fp1 = import_ok(&f, p1, NULL);
	fp2 = import_ok(&f, p2, NULL);
	CHECK(image_alias_add(&f.eng, "two", fp2 ? fp2 : "x", "", &e) == 0);
	CHECK(image_load_all(&f.eng, &all, &n, &e) == 0);
	CHECK(n == 2);
	if (n == 2) {
		CHECK_STR(all[0].fingerprint, fp1);
		CHECK_STR(all[1].fingerprint, fp2);
		CHECK(all[1].naliases == 1);
		CHECK_STR(strmap_get(&all[0].properties, "os"), "testos");
	}
	image_array_free(all, n);

	put.public = true;
	put.auto_update = true;
	strmap_set(&put.properties, "os", "changed");
	strmap_set(&put.properties, "user.k", "v");
	CHECK(image_save_props(&f.eng, fp1 ? fp1 : "x", &put, &e) == 0);
	CHECK(image_load(&f.eng, fp1 ? fp1 : "x", &im, &e) == 0);
	CHECK(im.public);
	CHECK(im.auto_update);
	CHECK(im.properties.n == 2);
	CHECK_STR(strmap_get(&im.properties, "os"), "changed");
	CHECK(strmap_get(&im.properties, "release") == NULL);
	image_free_contents(&im);
	err_clear(&e);
	CHECK(image_save_props(&f.eng, "abcdef", &put, &e) < 0);
	CHECK(e.code == 404);
	CHECK(strstr(e.msg, "abcdef") != NULL);
	strmap_free(&put.properties);
	free(fp1);
	free(fp2);
	free(p1);
	free(p2);
	fixture_close(&f);
}

TEST(remove)
{
	struct fixture f;
	struct err e = { 0 };
	char *m, *r, *fp, *fp2, *p2, *sql;

	fixture_open(&f);
	split("rmv", good_meta, &m, &r);
	fp = import_ok(&f, m, r);
	CHECK(fp != NULL);
	if (fp == NULL)
		goto out;
	CHECK(count_image_files(&f) == 3);
	CHECK(image_remove(&f.eng, fp, &e) == 0);
	CHECK(count_rows(&f, "images") == 0);
	CHECK(count_rows(&f, "image_properties") == 0);
	CHECK(count_image_files(&f) == 0);
	err_clear(&e);
	CHECK(image_remove(&f.eng, fp, &e) < 0);
	CHECK(e.code == 404);
	CHECK(strstr(e.msg, fp) != NULL);

	/* An overlay instance keeps images/FP.d/ after the image goes. */
	p2 = unified("rmv2", good_meta);
	fp2 = import_ok(&f, p2, NULL);
	sql = xasprintf("INSERT INTO instances (name, architecture, created_ns, "
	    "storage, base_image) VALUES ('c1', 'x86_64', 1, 'overlay', '%s')",
	    fp2 ? fp2 : "");
	CHECK(db_exec(f.eng.db, sql, &e) == 0);
	free(sql);
	CHECK(image_remove(&f.eng, fp2 ? fp2 : "x", &e) == 0);
	CHECK(count_rows(&f, "images") == 0);
	CHECK(!exists("%s/images/%s", f.dir, fp2));
	CHECK(exists("%s/images/%s.d/rootfs/bin/hello", f.dir, fp2));
	CHECK(exists("%s/images/%s.d/orphaned", f.dir, fp2));
	/* Importing it again adopts the kept directory. */
	free(fp2);
	fp2 = import_ok(&f, p2, NULL);
	CHECK(fp2 != NULL);
	CHECK(exists("%s/images/%s.d/rootfs/bin/hello", f.dir, fp2));
	CHECK(!exists("%s/images/%s.d/orphaned", f.dir, fp2));
	CHECK(count_image_files(&f) == 2);
	free(fp2);
	free(p2);
out:
	free(fp);
	free(m);
	free(r);
	fixture_close(&f);
}

TEST(rootfs_dir_unpacks_again)
{
	struct fixture f;
	struct err e = { 0 };
	char *path = unified("rfs", good_meta), *fp, *dir, *want;

	fixture_open(&f);
	fp = import_ok(&f, path, NULL);
	want = xasprintf("%s/images/%s.d/rootfs", f.dir, fp ? fp : "");
	dir = image_rootfs_dir(&f.eng, fp ? fp : "x", &e);
	CHECK_STR(dir, want);
	free(dir);
	sh("rm -rf %s/images/%s.d", f.dir, fp ? fp : "x");
	dir = image_rootfs_dir(&f.eng, fp ? fp : "x", &e);
	CHECK_STR(dir, want);
	CHECK(exists("%s/%s/bin/hello", want, ""));
	CHECK(exists("%s/images/%s.d/metadata.yaml", f.dir, fp));
	free(dir);
	err_clear(&e);
	dir = image_rootfs_dir(&f.eng, "0000", &e);
	CHECK(dir == NULL);
	CHECK(e.code == 404);
	CHECK(count_image_files(&f) == 2);
	free(want);
	free(fp);
	free(path);
	fixture_close(&f);
}

/* The path fd is open on (caller frees). */
static char *
fd_path(int fd)
{
	char link[64], buf[4096];
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof buf - 1);
	if (n < 0)
		return xstrdup("");
	buf[n] = '\0';
	return xstrdup(buf);
}

static void
export_close(struct image_export_file *x, size_t n)
{
	while (n > 0) {
		n--;
		close(x[n].fd);
		free(x[n].name);
	}
}

/* Export opens the stored files themselves: nothing is copied. */
TEST(export)
{
	struct fixture f;
	struct err e = { 0 };
	struct image_export_file x[2];
	size_t n = 0;
	char *path = unified("exp", good_meta), *m, *r, *fp, *fp2, *want, *at;
	struct stat st;

	fixture_open(&f);
	fp = import_ok(&f, path, NULL);
	CHECK(image_export_open(&f.eng, fp ? fp : "x", x, &n, &e) == 0);
	CHECK(n == 1);
	if (n == 1) {
		want = xasprintf("%s.tar.gz", fp);
		CHECK_STR(x[0].name, want);
		free(want);
		want = xasprintf("%s/images/%s", f.dir, fp);
		at = fd_path(x[0].fd);
		CHECK_STR(at, want);
		CHECK(stat(want, &st) == 0 && st.st_size == x[0].size);
		CHECK(lseek(x[0].fd, 0, SEEK_CUR) == 0);
		CHECK_SH(fp, "sha256sum %s | cut -d' ' -f1", at);
		free(at);
		free(want);
	}
	export_close(x, n);

	split("exps", good_meta, &m, &r);
	fp2 = import_ok(&f, m, r);
	CHECK(image_export_open(&f.eng, fp2 ? fp2 : "x", x, &n, &e) == 0);
	CHECK(n == 2);
	if (n == 2) {
		char *at2;

		want = xasprintf("meta-%s.tar.xz", fp2);
		CHECK_STR(x[0].name, want);
		free(want);
		want = xasprintf("%s.tar.gz", fp2);
		CHECK_STR(x[1].name, want);
		free(want);
		at = fd_path(x[0].fd);
		at2 = fd_path(x[1].fd);
		want = xasprintf("%s/images/%s", f.dir, fp2);
		CHECK_STR(at, want);
		free(want);
		want = xasprintf("%s/images/%s.rootfs", f.dir, fp2);
		CHECK_STR(at2, want);
		free(want);
		CHECK_SH(fp2, "cat %s %s | sha256sum | cut -d' ' -f1", at, at2);
		free(at);
		free(at2);
	}
	export_close(x, n);
	err_clear(&e);
	CHECK(image_export_open(&f.eng, "beef", x, &n, &e) < 0);
	CHECK(e.code == 404);
	CHECK(n == 0);
	free(fp);
	free(fp2);
	free(m);
	free(r);
	free(path);
	fixture_close(&f);
}

TEST(pack)
{
	static const char *algos[] = { NULL, "xz", "none", "bzip2" };
	struct fixture f;
	struct err e = { 0 };
	struct strmap props = { 0 };
	struct image im = { 0 };
	char *s = stage("pck", NULL), *rootfs = xasprintf("%s/rootfs", s), *fp;
	size_t i;

	fixture_open(&f);
	strmap_set(&props, "description", "published: \"quoted\" & 'odd'\n");
	strmap_set(&props, "os", "testos");
	for (i = 0; i < ARRAY_SIZE(algos); i++) {
		fp = NULL;
		err_clear(&e);
		CHECK(image_pack(&f.eng, rootfs, NULL, &props, algos[i], i == 0, &fp,
		    &e) == 0);
		if (fp == NULL) {
			printf("# %s: %s\n", algos[i], e.msg);
			continue;
		}
		CHECK(image_load(&f.eng, fp, &im, &e) == 0);
		CHECK_STR(im.architecture, "x86_64");
		CHECK_STR(strmap_get(&im.properties, "description"),
		    "published: \"quoted\" & 'odd'\n");
		CHECK(im.public == (i == 0));
		CHECK(im.created_ns > 0);
		image_free_contents(&im);
		CHECK(exists("%s/images/%s.d/rootfs/bin/hello", f.dir, fp));
		CHECK_SH("/bin/hello", "readlink %s/images/%s.d/rootfs/bin/abs", f.dir, fp);
		CHECK_SH("hello", "readlink %s/images/%s.d/rootfs/bin/hi", f.dir, fp);
		CHECK_SH("metadata.yaml", "tar -tf %s/images/%s | head -1", f.dir, fp);
		free(fp);
	}
	err_clear(&e);
	CHECK(image_pack(&f.eng, rootfs, NULL, &props, "rar", false, &fp, &e) < 0);
	CHECK(e.code == 400);
	err_clear(&e);
	CHECK(image_pack(&f.eng, rootfs, "vax", &props, NULL, false, &fp, &e) < 0);
	CHECK(e.code == 400);
	err_clear(&e);
	CHECK(image_pack(&f.eng, "/nonexistent", NULL, &props, NULL, false, &fp,
	    &e) < 0);
	CHECK(e.code == 400);
	CHECK(count_rows(&f, "images") == (int)ARRAY_SIZE(algos));
	CHECK(count_image_files(&f) == 2 * (int)ARRAY_SIZE(algos));
	strmap_free(&props);
	free(rootfs);
	free(s);
	fixture_close(&f);
}

int
main(void)
{
	if (mkdtemp(work) == NULL)
		fatal("mkdtemp: %s", strerror(errno));
	RUN(fingerprint_unified_is_sha256_of_file);
	RUN(fingerprint_split_is_sha256_of_concatenation);
	RUN(import_unified);
	RUN(import_split);
	RUN(import_split_squashfs);
	RUN(metadata_errors);
	RUN(metadata_arch_alias_and_quoted_date);
	RUN(failed_import_leaves_nothing);
	RUN(resolve_and_aliases);
	RUN(list_and_update);
	RUN(remove);
	RUN(rootfs_dir_unpacks_again);
	RUN(export);
	RUN(pack);
	if (getenv("KEEP") == NULL)
		sh("rm -rf %s", work);
	return harness_done();
}
