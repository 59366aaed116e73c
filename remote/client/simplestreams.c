/*
 * simplestreams.c - the image catalogs of `images:` and `ubuntu:`-style
 * servers (lxd-api.md 4.3), as LXD reads them (shared/simplestreams).
 *
 * A server is static files: streams/v1/index.json names products files
 * (datatype "image-downloads"); a products file maps "os:release:arch:
 * variant" products to versions (named YYYYMMDD[_HH:MM]) whose items are
 * files with an ftype, a path and a sha256.  In each version the
 * "lxd.tar.xz" item is the metadata and pairs with every rootfs item
 * ("squashfs", "root.tar.xz"); the image's fingerprint is the pair's
 * combined_*_sha256, i.e. sha256(meta || rootfs).  A "lxd_combined.tar.gz"
 * item is a unified image whose fingerprint is its own sha256.  VM disk
 * items are left out: lxdeck runs containers only.
 *
 * The result is LXD's view: one struct image per (version, rootfs) with
 * the properties LXD derives (os, release, architecture, serial, variant,
 * type, description) and, for the newest version of a product only (its
 * preferred rootfs: squashfs, then root.tar.xz, then the unified file),
 * the aliases: each "a" of the product's comma-separated list gives "a/ARCH"
 * and, on a host of that architecture, "a".  Products whose arch LXD does
 * not know and versions whose name is not a date are skipped, as LXD does.
 * The parallel simplestreams_item array says where each image's files are.
 *
 * simplestreams_get() keeps the last catalog it fetched for a minute, so a
 * resolve followed by a download (one helper process) costs one fetch.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include <json-c/json.h>

#include "client.h"

#define SIMPLESTREAMS_TTL_NS	(60LL * 1000000000LL)

/* Simplestreams architecture names -> LXD's. */
static const struct {
	const char	*ss;
	const char	*lxd;
} simplestreams_arches[] = {
	{ "amd64",	"x86_64" },
	{ "arm64",	"aarch64" },
	{ "i386",	"i686" },
	{ "armhf",	"armv7l" },
	{ "ppc64el",	"ppc64le" },
	{ "s390x",	"s390x" },
	{ "riscv64",	"riscv64" },
};

/* Rootfs ftypes we pair with lxd.tar.xz, best first; the fingerprint field. */
static const struct {
	const char	*ftype;
	const char	*fp_field;
	const char	*fp_fallback;
} simplestreams_rootfs[] = {
	{ "squashfs",	 "combined_squashfs_sha256", NULL },
	{ "root.tar.xz", "combined_rootxz_sha256", "combined_sha256" },
};

static struct simplestreams *simplestreams_cache;
static int64_t simplestreams_cache_ns;
static char *simplestreams_cache_cert;

void
simplestreams_free(struct simplestreams *ss)
{
	size_t i;

	if (ss == NULL)
		return;
	for (i = 0; i < ss->n; i++) {
		free(ss->items[i].meta_path);
		free(ss->items[i].meta_sha256);
		free(ss->items[i].rootfs_path);
		free(ss->items[i].rootfs_sha256);
	}
	free(ss->items);
	image_array_free(ss->images, ss->n);
	free(ss->url);
	free(ss);
}

static const char *
simplestreams_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t
simplestreams_int(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_int64(v);
}

static json_object *
simplestreams_obj(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

static bool
simplestreams_is_sha256(const char *s)
{
	return s != NULL && strlen(s) == 64 &&
	    strspn(s, "0123456789abcdef") == 64;
}

static json_object *
simplestreams_parse_json(const char *text, size_t len, const char *what,
    struct err *e)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;

	if (tok == NULL)
		fatal("out of memory");
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		err_set(e, 400, "Invalid simplestreams %s: %s", what,
		    o == NULL ? json_tokener_error_desc(json_tokener_get_error(tok)) :
		    "not a JSON object");
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* The document when it is JSON in the given format (caller puts it); what
 * names it in errors ("index", "catalog"). */
static json_object *
simplestreams_open(const char *text, size_t len, const char *what,
    const char *format, struct err *e)
{
	json_object *root;
	const char *fmt;

	if (len > INT32_MAX) {
		err_set(e, 400, "Invalid simplestreams %s: too large", what);
		return NULL;
	}
	if ((root = simplestreams_parse_json(text, len, what, e)) == NULL)
		return NULL;
	fmt = simplestreams_str(root, "format");
	if (fmt == NULL || strcmp(fmt, format) != 0) {
		json_object_put(root);
		err_set(e, 400, "Invalid simplestreams %s: format is not \"%s\"", what,
		    format);
		return NULL;
	}
	return root;
}

int
simplestreams_parse_index(const char *text, size_t len, struct strv *paths,
    struct err *e)
{
	json_object *root, *index;

	if ((root = simplestreams_open(text, len, "index", "index:1.0", e)) == NULL)
		return -1;
	if ((index = simplestreams_obj(root, "index")) != NULL) {
		json_object_object_foreach(index, key, entry) {
			const char *dt = simplestreams_str(entry, "datatype");
			const char *path = simplestreams_str(entry, "path");

			(void)key;
			if (dt == NULL || strcmp(dt, "image-downloads") != 0 ||
			    path == NULL || *path == '\0' || strstr(path, "..") != NULL)
				continue;
			strv_push(paths, path);
		}
	}
	json_object_put(root);
	return 0;
}

static const char *
simplestreams_arch(const char *ss)
{
	size_t i;

	for (i = 0; ss != NULL && i < ARRAY_SIZE(simplestreams_arches); i++)
		if (strcmp(ss, simplestreams_arches[i].ss) == 0)
			return simplestreams_arches[i].lxd;
	return NULL;
}

/* A UTC time in ns; -1 when before 1970 or past what int64 ns holds
 * (2262), as a catalog's year 9999 would be. */
static int64_t
simplestreams_ns(struct tm *tm)
{
	time_t t = timegm(tm);

	if (t < 0 || (int64_t)t > INT64_MAX / 1000000000LL)
		return -1;
	return (int64_t)t * 1000000000LL;
}

/* "20261128_03:00" -> ns; -1 when the first 8 characters are no date. */
static int64_t
simplestreams_version_time(const char *name)
{
	struct tm tm = { 0 };
	int hh = 0, mm = 0;
	size_t i;

	if (strlen(name) < 8)
		return -1;
	for (i = 0; i < 8; i++)
		if (!isdigit((unsigned char)name[i]))
			return -1;
	tm.tm_year = (name[0] - '0') * 1000 + (name[1] - '0') * 100 +
	    (name[2] - '0') * 10 + (name[3] - '0') - 1900;
	tm.tm_mon = (name[4] - '0') * 10 + (name[5] - '0') - 1;
	tm.tm_mday = (name[6] - '0') * 10 + (name[7] - '0');
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
		return -1;
	if (sscanf(name + 8, "_%2d:%2d", &hh, &mm) == 2 && hh >= 0 && hh < 24 &&
	    mm >= 0 && mm < 60) {
		tm.tm_hour = hh;
		tm.tm_min = mm;
	}
	return simplestreams_ns(&tm);
}

/* "2029-05-31" -> ns, 0 when absent or malformed. */
static int64_t
simplestreams_eol(const char *s)
{
	struct tm tm = { 0 };
	int64_t ns;

	if (s == NULL || sscanf(s, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday) != 3)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	ns = simplestreams_ns(&tm);
	return ns < 0 ? 0 : ns;
}

static void
simplestreams_add_alias(struct image *im, const char *name)
{
	size_t i;

	for (i = 0; i < im->naliases; i++)
		if (strcmp(im->aliases[i].name, name) == 0)
			return;
	im->aliases = xreallocarray(im->aliases, im->naliases + 1, sizeof *im->aliases);
	im->aliases[im->naliases].name = xstrdup(name);
	im->aliases[im->naliases].description = xstrdup("");
	im->aliases[im->naliases].target = xstrdup(im->fingerprint);
	im->aliases[im->naliases].type = xstrdup("container");
	im->naliases++;
}

/* The aliases of a product's newest image (see the opening comment). */
static void
simplestreams_aliases(struct image *im, const char *list, const char *ss_arch,
    const char *lxd_arch, const char *host_arch, bool strip_ubuntu)
{
	struct strv v = { 0 };
	size_t i;

	strv_split(&v, list, ',');
	for (i = 0; i < v.n; i++) {
		char *a = v.v[i], *with_arch;

		while (isspace((unsigned char)*a))
			a++;
		a[strcspn(a, " \t\r\n")] = '\0';
		if (strip_ubuntu && strncmp(a, "ubuntu/", 7) == 0)
			a += 7;
		if (*a == '\0')
			continue;
		if (host_arch != NULL && strcmp(lxd_arch, host_arch) == 0)
			simplestreams_add_alias(im, a);
		with_arch = xasprintf("%s/%s", a, ss_arch);
		simplestreams_add_alias(im, with_arch);
		free(with_arch);
	}
	strv_free(&v);
}

/* Appends one image to ss (taking meta/rootfs item fields). */
static struct image *
simplestreams_push(struct simplestreams *ss, const char *fp, json_object *meta,
    json_object *rootfs)
{
	struct image *im;
	struct simplestreams_item *it;

	ss->images = xreallocarray(ss->images, ss->n + 1, sizeof *ss->images);
	ss->items = xreallocarray(ss->items, ss->n + 1, sizeof *ss->items);
	im = &ss->images[ss->n];
	it = &ss->items[ss->n];
	ss->n++;
	memset(im, 0, sizeof *im);
	memset(it, 0, sizeof *it);
	im->fingerprint = xstrdup(fp);
	it->meta_path = xstrdup(simplestreams_str(meta, "path"));
	it->meta_sha256 = xstrdup(simplestreams_str(meta, "sha256"));
	it->meta_size = simplestreams_int(meta, "size");
	if (rootfs != NULL) {
		it->rootfs_path = xstrdup(simplestreams_str(rootfs, "path"));
		it->rootfs_sha256 = xstrdup(simplestreams_str(rootfs, "sha256"));
		it->rootfs_size = simplestreams_int(rootfs, "size");
	}
	/* A catalog's sizes are not trusted to add up (UBSan, found by
	 * fuzz-simplestreams): negative is unknown, the sum saturates. */
	if (it->meta_size < 0)
		it->meta_size = 0;
	if (it->rootfs_size < 0)
		it->rootfs_size = 0;
	if (__builtin_add_overflow(it->meta_size, it->rootfs_size, &im->size))
		im->size = INT64_MAX;
	return im;
}

static bool
simplestreams_item_ok(json_object *item)
{
	const char *path = simplestreams_str(item, "path");

	return path != NULL && *path != '\0' && strstr(path, "..") == NULL &&
	    simplestreams_is_sha256(simplestreams_str(item, "sha256"));
}

static int
simplestreams_version_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A product as the catalog describes it (strings borrowed from it). */
struct simplestreams_product {
	const char	*ss_arch;	/* the catalog's name: amd64 */
	const char	*arch;		/* LXD's: x86_64 */
	const char	*os, *release, *title, *variant, *version;
	const char	*aliases;	/* "a,b/c" */
	int64_t		 eol_ns;
};

/* The names of the versions (serials) that carry a date, oldest first;
 * *n of them, the array (caller frees) borrows from versions. */
static const char **
simplestreams_serials(json_object *versions, size_t *n)
{
	const char **names = NULL;

	*n = 0;
	json_object_object_foreach(versions, vname, vobj) {
		(void)vobj;
		if (simplestreams_version_time(vname) >= 0) {
			names = xreallocarray(names, *n + 1, sizeof *names);
			names[(*n)++] = vname;
		}
	}
	if (*n > 1)		/* qsort(NULL, 0, ...) is undefined */
		qsort(names, *n, sizeof *names, simplestreams_version_cmp);
	return names;
}

/*
 * Whether item makes an image in preference r (r < the rootfs table: the
 * split pair of meta and a rootfs of that kind; else the unified file):
 * its fingerprint, with the metadata and rootfs items into *m and *root.
 * NULL when it does not.
 */
static const char *
simplestreams_pick(json_object *item, size_t r, json_object *meta,
    json_object **m, json_object **root)
{
	const char *ft = simplestreams_str(item, "ftype"), *fp;

	if (ft == NULL || !simplestreams_item_ok(item))
		return NULL;
	if (r < ARRAY_SIZE(simplestreams_rootfs)) {
		if (meta == NULL || strcmp(ft, simplestreams_rootfs[r].ftype) != 0)
			return NULL;
		fp = simplestreams_str(meta, simplestreams_rootfs[r].fp_field);
		if (fp == NULL && simplestreams_rootfs[r].fp_fallback)
			fp = simplestreams_str(meta, simplestreams_rootfs[r].fp_fallback);
		*m = meta;
		*root = item;
	} else {
		if (strcmp(ft, "lxd_combined.tar.gz") != 0)
			return NULL;
		fp = simplestreams_str(item, "sha256");
		*m = item;
		*root = NULL;
	}
	return simplestreams_is_sha256(fp) ? fp : NULL;
}

/* An image's fields and properties as LXD shows them for a simplestreams
 * image: serial is the version, type the rootfs item's ftype. */
static void
simplestreams_describe(struct simplestreams *ss, struct image *im,
    const struct simplestreams_product *pr, const char *serial, const char *label,
    const char *type, int64_t created)
{
	const char *mp = ss->items[ss->n - 1].meta_path, *base = strrchr(mp, '/');
	char *desc;

	im->architecture = xstrdup(pr->arch);
	im->type = xstrdup("container");
	im->filename = xstrdup(base ? base + 1 : mp);
	im->public = true;
	im->created_ns = im->uploaded_ns = created;
	im->expires_ns = pr->eol_ns;
	if (pr->os)
		strmap_set(&im->properties, "os", pr->os);
	if (pr->release)
		strmap_set(&im->properties, "release", pr->release);
	if (pr->version)
		strmap_set(&im->properties, "version", pr->version);
	strmap_set(&im->properties, "architecture", pr->ss_arch);
	if (label)
		strmap_set(&im->properties, "label", label);
	strmap_set(&im->properties, "serial", serial);
	if (pr->variant)
		strmap_set(&im->properties, "variant", pr->variant);
	strmap_set(&im->properties, "type", type);
	desc = xasprintf("%s %s %s%s%s%s (%s)", pr->os ? pr->os : "",
	    pr->title ? pr->title : pr->release ? pr->release : "", pr->ss_arch,
	    label ? " (" : "", label ? label : "", label ? ")" : "", serial);
	strmap_set(&im->properties, "description", desc);
	free(desc);
}

/* The images of one version; the newest version's first image gets the
 * product's aliases. */
static void
simplestreams_version(struct simplestreams *ss, const struct simplestreams_product *pr,
    json_object *ver, const char *serial, bool newest, const char *host_arch)
{
	json_object *items = simplestreams_obj(ver, "items"), *meta = NULL;
	const char *label = simplestreams_str(ver, "label");
	int64_t created = simplestreams_version_time(serial);
	bool aliased = false, strip = ss->url != NULL &&
	    strncmp(ss->url, "https://cloud-images.ubuntu.com", 31) == 0;
	size_t r;

	if (items == NULL)
		return;
	json_object_object_foreach(items, iname, item) {
		const char *ft = simplestreams_str(item, "ftype");

		(void)iname;
		if (ft != NULL && strcmp(ft, "lxd.tar.xz") == 0 &&
		    simplestreams_item_ok(item))
			meta = item;
	}
	/* Split pairs in order of preference, then the unified file. */
	for (r = 0; r <= ARRAY_SIZE(simplestreams_rootfs); r++) {
		json_object_object_foreach(items, iname2, it2) {
			json_object *m, *root;
			const char *fp = simplestreams_pick(it2, r, meta, &m, &root);
			struct image *im;

			(void)iname2;
			if (fp == NULL)
				continue;
			im = simplestreams_push(ss, fp, m, root);
			simplestreams_describe(ss, im, pr, serial, label,
			    simplestreams_str(it2, "ftype"), created);
			if (newest && !aliased && pr->aliases != NULL) {
				simplestreams_aliases(im, pr->aliases, pr->ss_arch, pr->arch,
				    host_arch, strip);
				aliased = true;
			}
		}
	}
}

static void
simplestreams_product(struct simplestreams *ss, const char *pname,
    json_object *prod, const char *host_arch)
{
	struct simplestreams_product pr = {
		.ss_arch = simplestreams_str(prod, "arch"),
		.os = simplestreams_str(prod, "os"),
		.release = simplestreams_str(prod, "release"),
		.title = simplestreams_str(prod, "release_title"),
		.variant = simplestreams_str(prod, "variant"),
		.aliases = simplestreams_str(prod, "aliases"),
		.version = simplestreams_str(prod, "version"),
	};
	json_object *versions = simplestreams_obj(prod, "versions");
	const char **names;
	size_t n, v;

	(void)pname;
	pr.arch = simplestreams_arch(pr.ss_arch);
	if (pr.arch == NULL || versions == NULL)
		return;
	pr.eol_ns = simplestreams_eol(simplestreams_str(prod, "support_eol"));
	names = simplestreams_serials(versions, &n);
	/* Newest first, so the newest gets the aliases. */
	for (v = n; v-- > 0;)
		simplestreams_version(ss, &pr, simplestreams_obj(versions, names[v]),
		    names[v], v == n - 1, host_arch);
	free(names);
}

int
simplestreams_parse_products(struct simplestreams *ss, const char *text,
    size_t len, const char *host_arch, struct err *e)
{
	json_object *root, *products;

	root = simplestreams_open(text, len, "catalog", "products:1.0", e);
	if (root == NULL)
		return -1;
	if ((products = simplestreams_obj(root, "products")) != NULL) {
		json_object_object_foreach(products, pname, prod)
			simplestreams_product(ss, pname, prod, host_arch);
	}
	json_object_put(root);
	return 0;
}

int
simplestreams_find(const struct simplestreams *ss, const char *ref, size_t *idx,
    struct err *e)
{
	size_t i, j, len = strlen(ref), hits = 0;

	for (i = 0; i < ss->n; i++)
		for (j = 0; j < ss->images[i].naliases; j++)
			if (strcmp(ss->images[i].aliases[j].name, ref) == 0) {
				*idx = i;
				return 0;
			}
	if (len > 0 && len <= 64 && strspn(ref, "0123456789abcdef") == len) {
		for (i = 0; i < ss->n; i++) {
			if (strncmp(ss->images[i].fingerprint, ref, len) != 0)
				continue;
			if (hits > 0 && strcmp(ss->images[*idx].fingerprint,
			    ss->images[i].fingerprint) == 0)
				continue;	/* same image listed twice */
			*idx = i;
			hits++;
		}
		if (hits == 1)
			return 0;
		if (hits > 1)
			return err_set(e, 400, "Image prefix \"%s\" is ambiguous on "
			    "\"%s\"", ref, ss->url);
	}
	return err_set(e, 404, "Image \"%s\" not found on \"%s\"", ref, ss->url);
}

/* The LXD name of this host's architecture. */
static const char *
simplestreams_host_arch(void)
{
	static char arch[65];
	struct utsname u;

	if (arch[0] == '\0' && uname(&u) == 0)
		snprintf(arch, sizeof arch, "%s", u.machine);
	return arch;
}

static int
simplestreams_fetch(const struct image_remote *r, const char *path, char **body,
    size_t *len, struct err *e)
{
	long status = 0;

	if (image_fetch_get(r, path, IMAGE_FETCH_JSON_MAX, body, len, &status, e) < 0)
		return -1;
	if (status >= 400) {
		free(*body);
		*body = NULL;
		return err_set(e, status == 404 ? 404 : 502, "Failed to fetch "
		    "\"%s/%s\": HTTP status %ld", r->server, path, status);
	}
	return 0;
}

int
simplestreams_get(const struct image_remote *r, const struct simplestreams **out,
    struct err *e)
{
	struct simplestreams *ss = NULL;
	struct strv paths = { 0 };
	char *body = NULL;
	size_t len = 0, i;
	int rc = -1;

	*out = NULL;
	if (simplestreams_cache != NULL &&
	    strcmp(simplestreams_cache->url, r->server) == 0 &&
	    strcmp(simplestreams_cache_cert ? simplestreams_cache_cert : "",
	    r->certificate ? r->certificate : "") == 0 &&
	    time_now_ns() - simplestreams_cache_ns < SIMPLESTREAMS_TTL_NS) {
		*out = simplestreams_cache;
		return 0;
	}
	if (simplestreams_fetch(r, "streams/v1/index.json", &body, &len, e) < 0)
		goto out;
	if (simplestreams_parse_index(body, len, &paths, e) < 0) {
		err_prefix(e, "Image server \"%s\"", r->server);
		goto out;
	}
	ss = xcalloc(1, sizeof *ss);
	ss->url = xstrdup(r->server);
	for (i = 0; i < paths.n; i++) {
		free(body);
		body = NULL;
		if (simplestreams_fetch(r, paths.v[i], &body, &len, e) < 0)
			goto out;
		if (simplestreams_parse_products(ss, body, len, simplestreams_host_arch(),
		    e) < 0) {
			err_prefix(e, "Image server \"%s\"", r->server);
			goto out;
		}
	}
	simplestreams_free(simplestreams_cache);
	free(simplestreams_cache_cert);
	simplestreams_cache = ss;
	simplestreams_cache_cert = xstrdup(r->certificate ? r->certificate : "");
	simplestreams_cache_ns = time_now_ns();
	*out = ss;
	ss = NULL;
	rc = 0;
out:
	simplestreams_free(ss);
	strv_free(&paths);
	free(body);
	return rc;
}
