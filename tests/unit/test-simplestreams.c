/*
 * test-simplestreams.c - the simplestreams parser (remote/simplestreams.c)
 * on catalogs shaped like lxd-api.md 4.3: index paths, fingerprints of the
 * split pairs and the unified file, LXD's properties and alias rules
 * (host arch only for bare names, newest version only), skipped products
 * and versions, lookups by alias and prefix, and bad input refused.
 */
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "../../remote/client/client.h"

#define H64(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
	c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static const char catalog[] =
"{\"content_id\":\"images\",\"datatype\":\"image-downloads\",\"format\":\"products:1.0\","
"\"products\":{"
" \"busybox:1.35:amd64:default\":{\"aliases\":\"spec-bb/1.35, spec-bb\",\"arch\":\"amd64\","
"  \"os\":\"Busybox\",\"release\":\"1.35\",\"release_title\":\"1.35\",\"variant\":\"default\","
"  \"support_eol\":\"2030-01-02\","
"  \"versions\":{"
"   \"20261128_03:00\":{\"items\":{"
"    \"lxd.tar.xz\":{\"ftype\":\"lxd.tar.xz\",\"path\":\"i/new/lxd.tar.xz\",\"sha256\":\"" H64("1") "\",\"size\":264,"
"     \"combined_squashfs_sha256\":\"" H64("a") "\",\"combined_rootxz_sha256\":\"" H64("b") "\"},"
"    \"root.squashfs\":{\"ftype\":\"squashfs\",\"path\":\"i/new/rootfs.squashfs\",\"sha256\":\"" H64("2") "\",\"size\":1000},"
"    \"root.tar.xz\":{\"ftype\":\"root.tar.xz\",\"path\":\"i/new/rootfs.tar.xz\",\"sha256\":\"" H64("3") "\",\"size\":900},"
"    \"disk.qcow2\":{\"ftype\":\"disk-kvm.img\",\"path\":\"i/new/disk.qcow2\",\"sha256\":\"" H64("4") "\",\"size\":5}}},"
"   \"20250101_00:00\":{\"items\":{"
"    \"lxd.tar.xz\":{\"ftype\":\"lxd.tar.xz\",\"path\":\"i/old/lxd.tar.xz\",\"sha256\":\"" H64("5") "\",\"size\":1,"
"     \"combined_squashfs_sha256\":\"" H64("c") "\"},"
"    \"root.squashfs\":{\"ftype\":\"squashfs\",\"path\":\"i/old/rootfs.squashfs\",\"sha256\":\"" H64("6") "\",\"size\":2}}},"
"   \"notadate\":{\"items\":{}}}},"
" \"busybox:1.35:arm64:default\":{\"aliases\":\"spec-bb\",\"arch\":\"arm64\",\"os\":\"Busybox\","
"  \"release\":\"1.35\",\"versions\":{\"20261128\":{\"items\":{"
"    \"c\":{\"ftype\":\"lxd_combined.tar.gz\",\"path\":\"i/arm/c.tar.gz\",\"sha256\":\"" H64("d") "\",\"size\":7}}}}},"
" \"x:1:sparc:default\":{\"aliases\":\"sparky\",\"arch\":\"sparc\",\"versions\":{\"20261128\":{\"items\":{"
"    \"c\":{\"ftype\":\"lxd_combined.tar.gz\",\"path\":\"c\",\"sha256\":\"" H64("e") "\"}}}}}"
"}}";

static const struct image *
find(const struct simplestreams *ss, const char *ref)
{
	struct err e = { 0 };
	size_t i;

	return simplestreams_find(ss, ref, &i, &e) == 0 ? &ss->images[i] : NULL;
}

static bool
has_alias(const struct image *im, const char *name)
{
	size_t i;

	for (i = 0; im != NULL && i < im->naliases; i++)
		if (strcmp(im->aliases[i].name, name) == 0)
			return true;
	return false;
}

/* An index with one products file, one of another kind and one whose path
 * leaves the server. */
static const char index_json[] = "{\"format\":\"index:1.0\",\"index\":{"
    "\"images\":{\"datatype\":\"image-downloads\",\"path\":\"streams/v1/images.json\"},"
    "\"other\":{\"datatype\":\"content-download\",\"path\":\"x.json\"},"
    "\"evil\":{\"datatype\":\"image-downloads\",\"path\":\"../../etc/passwd\"}}}";

/* Products with a sha256 that is not one, and a path leaving the server. */
static const char bad_sha_json[] = "{\"format\":\"products:1.0\",\"products\":{\"p\":{"
    "\"arch\":\"amd64\",\"aliases\":\"a\",\"versions\":{\"20260101\":{\"items\":{"
    "\"c\":{\"ftype\":\"lxd_combined.tar.gz\",\"path\":\"c\",\"sha256\":\"xyz\"},"
    "\"d\":{\"ftype\":\"lxd_combined.tar.gz\",\"path\":\"../d\",\"sha256\":\"" H64("f") "\"}}}}}}}";

TEST(index)
{
	struct strv paths = { 0 };
	struct err e = { 0 };

	CHECK(simplestreams_parse_index(index_json, strlen(index_json), &paths, &e) == 0);
	CHECK(paths.n == 1);
	CHECK_STR(paths.n ? paths.v[0] : NULL, "streams/v1/images.json");
	strv_free(&paths);
	CHECK(simplestreams_parse_index("{\"format\":\"products:1.0\"}", 24, &paths,
	    &e) < 0 && e.code == 400);
	CHECK(simplestreams_parse_index("{nope", 5, &paths, &e) < 0 && e.code == 400);
	CHECK(paths.n == 0);
}

TEST(products)
{
	struct simplestreams ss = { .url = "https://example.org" };
	struct err e = { 0 };
	const struct image *im;

	CHECK(simplestreams_parse_products(&ss, catalog, strlen(catalog), "x86_64",
	    &e) == 0);
	/* new: squashfs + root.tar.xz; old: squashfs; arm64: unified; no VM,
	 * no sparc, no "notadate". */
	CHECK(ss.n == 4);
	im = find(&ss, "spec-bb");
	CHECK(im != NULL && strcmp(im->fingerprint, H64("a")) == 0);
	CHECK(has_alias(im, "spec-bb/1.35"));
	CHECK(has_alias(im, "spec-bb/amd64"));
	CHECK(has_alias(im, "spec-bb/1.35/amd64"));
	CHECK(im != NULL && strcmp(im->architecture, "x86_64") == 0);
	CHECK_STR(im ? strmap_get(&im->properties, "description") : NULL,
	    "Busybox 1.35 amd64 (20261128_03:00)");
	CHECK_STR(im ? strmap_get(&im->properties, "serial") : NULL, "20261128_03:00");
	CHECK_STR(im ? strmap_get(&im->properties, "type") : NULL, "squashfs");
	CHECK(im != NULL && im->size == 1264 && im->public);
	CHECK(im != NULL && im->expires_ns > 0);
	/* root.tar.xz pair: its own fingerprint, no aliases (not preferred). */
	im = find(&ss, H64("b"));
	CHECK(im != NULL && im->naliases == 0);
	CHECK(ss.items[1].rootfs_path != NULL &&
	    strcmp(ss.items[1].rootfs_path, "i/new/rootfs.tar.xz") == 0);
	/* Old version: listed, no aliases. */
	im = find(&ss, "cccc");
	CHECK(im != NULL && im->naliases == 0);
	/* arm64 on an x86_64 host: "spec-bb/arm64" only; a unified file. */
	im = find(&ss, "spec-bb/arm64");
	CHECK(im != NULL && strcmp(im->fingerprint, H64("d")) == 0);
	CHECK(im != NULL && !has_alias(im, "spec-bb"));
	CHECK(find(&ss, "sparky") == NULL);
	CHECK(find(&ss, "nosuch") == NULL);
	CHECK(simplestreams_find(&ss, "nosuch", &(size_t){ 0 }, &e) < 0 &&
	    e.code == 404 && strstr(e.msg, "nosuch") != NULL);
	ss.url = NULL;
	image_array_free(ss.images, ss.n);
	{
		size_t i;

		for (i = 0; i < ss.n; i++) {
			free(ss.items[i].meta_path);
			free(ss.items[i].meta_sha256);
			free(ss.items[i].rootfs_path);
			free(ss.items[i].rootfs_sha256);
		}
		free(ss.items);
	}
}

TEST(bad_input)
{
	struct simplestreams ss = { 0 };
	struct err e = { 0 };

	CHECK(simplestreams_parse_products(&ss, "[]", 2, "x86_64", &e) < 0);
	CHECK(simplestreams_parse_products(&ss, "{\"format\":\"index:1.0\"}", 22,
	    "x86_64", &e) < 0 && e.code == 400);
	CHECK(simplestreams_parse_products(&ss, bad_sha_json, strlen(bad_sha_json),
	    "x86_64", &e) == 0);
	CHECK(ss.n == 0);	/* bad sha256 and a path escaping the server */
}

int
main(void)
{
	RUN(index);
	RUN(products);
	RUN(bad_input);
	return harness_done();
}
