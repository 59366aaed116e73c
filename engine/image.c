/*
 * image.c - local images, content addressed as LXD does (lxd-api.md 4.1).
 *
 * An image is one file (a unified tarball: metadata.yaml, rootfs/,
 * templates/) or two (a metadata tarball plus a rootfs tarball or SquashFS).
 * Its name is the SHA-256 of those bytes, concatenated: for a unified image
 * that is the sha256 of the file, for a split one sha256(meta || rootfs).
 * The database (tables images, image_properties, image_source,
 * image_profiles, image_aliases) holds what LXD's image object shows; the
 * files live under LXDECK_DIR/images:
 *
 *   images/FP          the file as imported (unified, or split metadata)
 *   images/FP.rootfs   the rootfs file of a split image
 *   images/FP.d/       the unpacked image: metadata.yaml, rootfs/, templates/
 *
 * Files are assembled under images/.tmp-XXXXXX and renamed into place while
 * the write transaction that inserts the row is open, so the row commits only
 * when the files are there, and a failed import leaves neither.  A crash can
 * leave a .tmp- directory or files without a row; both are harmless (an
 * import of the same fingerprint replaces them) and may be removed by hand.
 *
 * Overlay instances use images/FP.d/rootfs as their lower layer, by path.
 * Removing such an image deletes the row and images/FP[.rootfs] but keeps
 * images/FP.d/ where it is, with a file "orphaned" in it: a garbage
 * collector may delete any images/FP.d/ that has no images row and no
 * instance with base_image = FP and storage = 'overlay'.  Importing the same
 * image again adopts the kept directory.
 *
 * Templates (metadata.yaml "templates", files in templates/) are kept with
 * the image but not applied yet: instances start without them.
 *
 * Unpacking and packing use GNU tar (which detects gz/xz/bz2/lzma/zstd on
 * its own) and unsquashfs, run as child processes with no shell.  The
 * metadata is parsed with libyaml.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <yaml.h>

#include "engine.h"

#define IMAGE_META_MAX		(1 << 20)	/* metadata.yaml we accept */
#define IMAGE_FP_LEN		64

/* What metadata.yaml says (lxd-api.md 4.1). */
struct image_meta {
	char		*architecture;
	int64_t		 creation_date;		/* unix seconds */
	int64_t		 expiry_date;		/* 0: none */
	struct strmap	 properties;
};

/* LXD's architecture names and the aliases it accepts (shared/osarch). */
static const struct {
	const char	*name;
	const char	*aliases;	/* space separated */
} image_arches[] = {
	{ "i686",	 "i386 i586 386 x86" },
	{ "x86_64",	 "amd64" },
	{ "armv6l",	 "" },
	{ "armv7l",	 "armel armhf arm armhfp armv7a armv7hl armv7b" },
	{ "aarch64",	 "arm64 arm64v8" },
	{ "ppc",	 "powerpc" },
	{ "ppc64",	 "powerpc64" },
	{ "ppc64le",	 "ppc64el" },
	{ "s390x",	 "" },
	{ "mips",	 "" },
	{ "mips64",	 "" },
	{ "riscv32",	 "" },
	{ "riscv64",	 "" },
	{ "loongarch64", "" },
};

static void
image_meta_free(struct image_meta *m)
{
	free(m->architecture);
	strmap_free(&m->properties);
	memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------------------
 * Files and child processes.
 */

static void
image_path_free(char **p)
{
	free(*p);
	*p = NULL;
}

static bool
image_is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Reads src, feeding every byte to md (if not NULL) and writing it to dst
 * (if not NULL, created 0600 and fsynced).  *size gets the byte count.
 */
static int
image_copy_file(const char *src, const char *dst, EVP_MD_CTX *md, int64_t *size,
    struct err *e)
{
	int in = -1, out = -1, rc = -1;
	size_t bufsz = 1 << 20;
	char *buf = xmalloc(bufsz);
	int64_t total = 0;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		err_set(e, errno == ENOENT ? 404 : 400, "Failed to open \"%s\": %s",
		    src, strerror(errno));
		goto out;
	}
	if (dst != NULL) {
		out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (out < 0) {
			err_set(e, 500, "Failed to create \"%s\": %s", dst,
			    strerror(errno));
			goto out;
		}
	}
	for (;;) {
		ssize_t n = read(in, buf, bufsz), w, off;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(e, 400, "Failed to read \"%s\": %s", src,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (md != NULL && EVP_DigestUpdate(md, buf, (size_t)n) != 1) {
			err_set(e, 500, "Failed to hash \"%s\"", src);
			goto out;
		}
		for (off = 0; out >= 0 && off < n; off += w) {
			w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w < 0) {
				err_set(e, 500, "Failed to write \"%s\": %s", dst,
				    strerror(errno));
				goto out;
			}
		}
		total += n;
	}
	if (out >= 0 && fsync(out) < 0) {
		err_set(e, 500, "Failed to write \"%s\": %s", dst, strerror(errno));
		goto out;
	}
	if (size != NULL)
		*size = total;
	rc = 0;
out:
	free(buf);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return rc;
}

static char *
image_md_hex(EVP_MD_CTX *md)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	char *hex;

	if (EVP_DigestFinal_ex(md, digest, &len) != 1)
		return NULL;
	hex = xmalloc(len * 2 + 1);
	for (i = 0; i < len; i++)
		snprintf(hex + i * 2, 3, "%02x", digest[i]);
	return hex;
}

char *
image_fingerprint_files(const char *const *paths, size_t n, struct err *e)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char *hex = NULL;
	size_t i;

	if (md == NULL)
		fatal("out of memory");
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		err_set(e, 500, "Failed to initialise SHA-256");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (image_copy_file(paths[i], NULL, md, NULL, e) < 0)
			goto out;
	}
	if ((hex = image_md_hex(md)) == NULL)
		err_set(e, 500, "Failed to compute SHA-256");
out:
	EVP_MD_CTX_free(md);
	return hex;
}

/* The usual extension for a file, from its magic bytes. */
static const char *
image_file_ext(const char *path)
{
	unsigned char m[6] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = read(fd, m, sizeof m);
		close(fd);
	}
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return ".tar.gz";
	if (n >= 6 && memcmp(m, "\xfd" "7zXZ\0", 6) == 0)
		return ".tar.xz";
	if (n >= 3 && memcmp(m, "BZh", 3) == 0)
		return ".tar.bz2";
	if (n >= 4 && memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0)
		return ".tar.zst";
	if (n >= 4 && memcmp(m, "hsqs", 4) == 0)
		return ".squashfs";
	if (n >= 3 && m[0] == 0x5d && m[1] == 0 && m[2] == 0)
		return ".tar.lzma";
	return ".tar";
}

/* ------------------------------------------------------------------------
 * metadata.yaml
 */

static bool
image_scalar_is(const yaml_node_t *n, const char *s)
{
	return n != NULL && n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.length == strlen(s) &&
	    memcmp(n->data.scalar.value, s, n->data.scalar.length) == 0;
}

static char *
image_scalar_dup(const yaml_node_t *n)
{
	return xstrndup((const char *)n->data.scalar.value, n->data.scalar.length);
}

static int
image_scalar_int(const yaml_node_t *n, int64_t *out)
{
	char *s, *end;
	long long v;

	if (n == NULL || n->type != YAML_SCALAR_NODE || n->data.scalar.length == 0)
		return -EINVAL;
	s = image_scalar_dup(n);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > INT64_MAX / 1000000000) {
		free(s);
		return -EINVAL;
	}
	free(s);
	*out = v;
	return 0;
}

/* LXD's name for an architecture, or NULL when LXD does not know it. */
static const char *
image_arch_name(const char *arch)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(image_arches); i++) {
		struct strv v = { 0 };
		bool hit;

		if (strcmp(arch, image_arches[i].name) == 0)
			return image_arches[i].name;
		strv_split(&v, image_arches[i].aliases, ' ');
		hit = strv_index(&v, arch) >= 0;
		strv_free(&v);
		if (hit)
			return image_arches[i].name;
	}
	return NULL;
}

/* Parses metadata.yaml text; what names the image file in errors. */
static int
image_meta_parse(const char *text, size_t len, const char *what,
    struct image_meta *m, struct err *e)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *k, *v;
	yaml_node_pair_t *pair;
	bool have_doc = false, have_date = false;
	const char *arch;
	int rc = -1;

	memset(m, 0, sizeof *m);
	if (!yaml_parser_initialize(&parser))
		fatal("out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		err_set(e, 400, "Invalid metadata.yaml in image \"%s\": %s (line %zu)",
		    what, parser.problem ? parser.problem : "parse error",
		    parser.problem_mark.line + 1);
		goto out;
	}
	have_doc = true;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		err_set(e, 400, "Invalid metadata.yaml in image \"%s\": not a mapping",
		    what);
		goto out;
	}
	for (pair = root->data.mapping.pairs.start;
	    pair < root->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(&doc, pair->key);
		v = yaml_document_get_node(&doc, pair->value);
		if (k == NULL || v == NULL)
			continue;
		if (image_scalar_is(k, "architecture")) {
			if (v->type != YAML_SCALAR_NODE) {
				err_set(e, 400, "Invalid metadata.yaml in image \"%s\": "
				    "architecture is not a string", what);
				goto out;
			}
			free(m->architecture);
			m->architecture = image_scalar_dup(v);
		} else if (image_scalar_is(k, "creation_date")) {
			if (image_scalar_int(v, &m->creation_date) < 0) {
				err_set(e, 400, "Invalid metadata.yaml in image \"%s\": "
				    "creation_date is not a unix time", what);
				goto out;
			}
			have_date = true;
		} else if (image_scalar_is(k, "expiry_date")) {
			if (image_scalar_int(v, &m->expiry_date) < 0) {
				err_set(e, 400, "Invalid metadata.yaml in image \"%s\": "
				    "expiry_date is not a unix time", what);
				goto out;
			}
		} else if (image_scalar_is(k, "properties")) {
			yaml_node_pair_t *p;

			if (v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0)
				continue;	/* "properties:" with nothing */
			if (v->type != YAML_MAPPING_NODE) {
				err_set(e, 400, "Invalid metadata.yaml in image \"%s\": "
				    "properties is not a mapping", what);
				goto out;
			}
			for (p = v->data.mapping.pairs.start;
			    p < v->data.mapping.pairs.top; p++) {
				yaml_node_t *pk = yaml_document_get_node(&doc, p->key);
				yaml_node_t *pv = yaml_document_get_node(&doc, p->value);
				char *key, *val;

				if (pk == NULL || pv == NULL ||
				    pk->type != YAML_SCALAR_NODE ||
				    pv->type != YAML_SCALAR_NODE) {
					err_set(e, 400, "Invalid metadata.yaml in image "
					    "\"%s\": properties must be strings", what);
					goto out;
				}
				key = image_scalar_dup(pk);
				val = image_scalar_dup(pv);
				strmap_set(&m->properties, key, val);
				free(key);
				free(val);
			}
		} else if (image_scalar_is(k, "templates")) {
			if (v->type == YAML_SEQUENCE_NODE) {
				err_set(e, 400, "Invalid metadata.yaml in image \"%s\": "
				    "templates is not a mapping", what);
				goto out;
			}
		}
	}
	if (m->architecture == NULL || m->architecture[0] == '\0') {
		err_set(e, 400, "Invalid metadata.yaml in image \"%s\": "
		    "architecture is missing", what);
		goto out;
	}
	if ((arch = image_arch_name(m->architecture)) == NULL) {
		err_set(e, 400, "Invalid metadata.yaml in image \"%s\": "
		    "unsupported architecture \"%s\"", what, m->architecture);
		goto out;
	}
	if (strcmp(arch, m->architecture) != 0) {
		free(m->architecture);
		m->architecture = xstrdup(arch);
	}
	if (!have_date) {
		err_set(e, 400, "Invalid metadata.yaml in image \"%s\": "
		    "creation_date is missing", what);
		goto out;
	}
	rc = 0;
out:
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rc < 0)
		image_meta_free(m);
	return rc;
}

/* Reads metadata.yaml out of a (metadata or unified) tarball. */
static int
image_meta_read(const char *path, const char *what, struct image_meta *m,
    struct err *e)
{
	static const char *names[] = { "metadata.yaml", "./metadata.yaml" };
	char *text = NULL;
	size_t i;
	int rc = -1;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		const char *argv[] = { "tar", "--occurrence=1", "-xOf", path,
		    names[i], NULL };

		if (util_exec(argv, &text, IMAGE_META_MAX, e) == 0)
			break;
	}
	if (text == NULL) {
		err_prefix(e, "No usable metadata.yaml in image \"%s\"", what);
		e->code = 400;
		goto out;
	}
	rc = image_meta_parse(text, strlen(text), what, m, e);
out:
	free(text);
	return rc;
}

/* ------------------------------------------------------------------------
 * Unpacking and the on-disk layout.
 */

static char *
image_file_path(struct engine *eng, const char *fp, const char *suffix)
{
	return xasprintf("%s/images/%s%s", eng->dir, fp, suffix);
}

char *
image_tmpdir(struct engine *eng, const char *prefix, struct err *e)
{
	char *images = xasprintf("%s/images", eng->dir), *tmp = NULL;

	if (mkdir(images, 0700) < 0 && errno != EEXIST) {
		err_set(e, 500, "Failed to create \"%s\": %s", images, strerror(errno));
		goto out;
	}
	tmp = xasprintf("%s/%s-XXXXXX", images, prefix);
	if (mkdtemp(tmp) == NULL) {
		err_set(e, 500, "Failed to create a directory in \"%s\": %s", images,
		    strerror(errno));
		image_path_free(&tmp);
	}
out:
	free(images);
	return tmp;
}

static bool
image_is_squashfs(const char *path)
{
	return strcmp(image_file_ext(path), ".squashfs") == 0;
}

static int
image_untar(const char *file, const char *dest, struct err *e)
{
	const char *argv[] = { "tar", "--numeric-owner", "--xattrs",
	    "--xattrs-include=*", "-xpf", file, "-C", dest, NULL };

	return util_exec(argv, NULL, 0, e);
}

/*
 * Unpacks an image's files into dest (an empty directory): metadata.yaml,
 * templates/ and rootfs/.  Errors are 400: the files came from a user.
 */
static int
image_unpack(const char *meta, const char *rootfs, const char *dest,
    const char *what, struct err *e)
{
	char *rdir = xasprintf("%s/rootfs", dest);
	int rc = -1;

	if (image_untar(meta, dest, e) < 0) {
		err_prefix(e, "Failed to unpack image \"%s\"", what);
		e->code = 400;
		goto out;
	}
	if (rootfs == NULL) {
		if (!image_is_dir(rdir)) {
			err_set(e, 400, "Failed to unpack image \"%s\": no rootfs/ "
			    "directory in the tarball", what);
			goto out;
		}
		rc = 0;
		goto out;
	}
	util_rm_rf(rdir, NULL);	/* a split metadata tarball has no say here */
	if (image_is_squashfs(rootfs)) {
		const char *argv[] = { "unsquashfs", "-f", "-n", "-d", rdir, rootfs,
		    NULL };

		if (access("/usr/bin/unsquashfs", X_OK) < 0 &&
		    access("/usr/sbin/unsquashfs", X_OK) < 0 &&
		    access("/bin/unsquashfs", X_OK) < 0) {
			err_set(e, 400, "Failed to unpack image \"%s\": its rootfs is "
			    "SquashFS and unsquashfs (squashfs-tools) is not "
			    "installed", what);
			goto out;
		}
		if (util_exec(argv, NULL, 0, e) < 0) {
			err_prefix(e, "Failed to unpack the rootfs of image \"%s\"",
			    what);
			e->code = 400;
			goto out;
		}
	} else {
		if (mkdir(rdir, 0755) < 0) {
			err_set(e, 500, "Failed to create \"%s\": %s", rdir,
			    strerror(errno));
			goto out;
		}
		if (image_untar(rootfs, rdir, e) < 0) {
			err_prefix(e, "Failed to unpack the rootfs of image \"%s\"",
			    what);
			e->code = 400;
			goto out;
		}
	}
	rc = 0;
out:
	free(rdir);
	return rc;
}

/* Does an overlay instance use images/FP.d/rootfs as its lower layer? */
static int
image_in_use_by_overlay(struct engine *eng, const char *fp, bool *used,
    struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*used = false;
	if (sqlite3_prepare_v2(eng->db, "SELECT COUNT(*) FROM instances WHERE "
	    "base_image = ? AND storage = 'overlay'", -1, &st, NULL) != SQLITE_OK)
		return err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*used = sqlite3_column_int64(st, 0) > 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
	return 0;
}

/*
 * Moves an unpacked tree to images/FP.d.  A directory already there was
 * left by a removed image (kept for overlay instances) or by a crash: the
 * content is the same (same fingerprint), so a kept one is adopted and ours
 * dropped; anything else is replaced.  *placed says whether ours moved in.
 */
static int
image_place_unpacked(struct engine *eng, const char *fp, const char *src,
    bool *placed, struct err *e)
{
	char *dst = image_file_path(eng, fp, ".d"), *mark = NULL, *old = NULL;
	bool used = false;
	int rc = -1;

	*placed = false;
	if (image_is_dir(dst)) {
		if (image_in_use_by_overlay(eng, fp, &used, e) < 0)
			goto out;
		if (used) {
			mark = xasprintf("%s/orphaned", dst);
			unlink(mark);
			rc = 0;
			goto out;
		}
		old = xasprintf("%s.old", src);
		if (rename(dst, old) < 0) {
			err_set(e, 500, "Failed to move \"%s\": %s", dst, strerror(errno));
			goto out;
		}
	}
	if (rename(src, dst) < 0) {
		err_set(e, 500, "Failed to move image files to \"%s\": %s", dst,
		    strerror(errno));
		goto out;
	}
	*placed = true;
	rc = 0;
out:
	util_rm_rf(old, NULL);
	free(old);
	free(mark);
	free(dst);
	return rc;
}

/* ------------------------------------------------------------------------
 * Database rows.
 */

static sqlite3_stmt *
image_prepare(struct engine *eng, const char *sql, struct err *e)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(eng->db, sql, -1, &st, NULL) != SQLITE_OK) {
		err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
		return NULL;
	}
	return st;
}

/* The row id of an image by full fingerprint: 0 and *id, or 404. */
static int
image_id(struct engine *eng, const char *fp, int64_t *id, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = image_prepare(eng, "SELECT id FROM images WHERE fingerprint = ?",
	    e)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return err_set(e, 404, "Image \"%s\" not found", fp);
	return err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
}

static int
image_insert(struct engine *eng, const char *fp, const char *filename,
    int64_t size, bool split, bool public, const struct image_meta *m,
    const struct strmap *props, int64_t *id_out, struct err *e)
{
	sqlite3_stmt *st;
	struct strmap all = { 0 };
	int64_t id;
	int rc = -1;

	if ((st = image_prepare(eng, "INSERT INTO images (fingerprint, filename, "
	    "size, architecture, type, public, auto_update, cached, split, "
	    "created_ns, uploaded_ns, last_used_ns, expires_ns) VALUES "
	    "(?, ?, ?, ?, 'container', ?, 0, 0, ?, ?, ?, 0, ?)", e)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, filename, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, size);
	sqlite3_bind_text(st, 4, m->architecture, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, public);
	sqlite3_bind_int(st, 6, split);
	sqlite3_bind_int64(st, 7, m->creation_date * 1000000000);
	sqlite3_bind_int64(st, 8, time_now_ns());
	sqlite3_bind_int64(st, 9, m->expiry_date * 1000000000);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return err_set(e, 409, "Image with same fingerprint already exists");
	if (rc != SQLITE_DONE)
		return err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
	id = sqlite3_last_insert_rowid(eng->db);

	strmap_copy(&all, &m->properties);
	if (props != NULL)
		strmap_merge(&all, props);
	rc = db_map_save(eng->db, "image_properties", "image_id", id, &all, e);
	strmap_free(&all);
	if (rc < 0)
		return -1;
	if ((st = image_prepare(eng, "INSERT INTO image_profiles (image_id, name, "
	    "apply_order) VALUES (?, 'default', 0)", e)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
	*id_out = id;
	return 0;
}

/* ------------------------------------------------------------------------
 * Import.
 */

int
image_import(struct engine *eng, const char *meta_path, const char *rootfs_path,
    const struct strmap *props, bool public, const char *filename,
    char **fp_out, struct err *e)
{
	EVP_MD_CTX *md = NULL;
	struct image_meta meta = { 0 };
	char *tmp = NULL, *tfile = NULL, *trootfs = NULL, *tdir = NULL;
	char *fp = NULL, *dfile = NULL, *drootfs = NULL, *ddir = NULL;
	const char *what = meta_path, *slash;
	int64_t size = 0, rsize = 0, id;
	bool in_tx = false, placed_file = false, placed_rootfs = false;
	bool placed_dir = false;
	int rc = -1;
	struct err ignored = { 0 };

	if (e == NULL)
		e = &ignored;
	if (fp_out != NULL)
		*fp_out = NULL;
	if (filename == NULL)
		filename = (slash = strrchr(meta_path, '/')) ? slash + 1 : meta_path;

	/* 1. Copy the files in, hashing as we go: one read of each. */
	if ((tmp = image_tmpdir(eng, ".tmp", e)) == NULL)
		goto out;
	if ((md = EVP_MD_CTX_new()) == NULL)
		fatal("out of memory");
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		err_set(e, 500, "Failed to initialise SHA-256");
		goto out;
	}
	tfile = xasprintf("%s/file", tmp);
	if (image_copy_file(meta_path, tfile, md, &size, e) < 0)
		goto fail_what;
	if (rootfs_path != NULL) {
		trootfs = xasprintf("%s/rootfs", tmp);
		if (image_copy_file(rootfs_path, trootfs, md, &rsize, e) < 0)
			goto fail_what;
		size += rsize;
	}
	if ((fp = image_md_hex(md)) == NULL) {
		err_set(e, 500, "Failed to compute SHA-256");
		goto fail_what;
	}
	if (image_id(eng, fp, &id, e) == 0) {
		err_set(e, 409, "Image with same fingerprint already exists");
		goto out;
	} else if (e->code != 404) {
		goto out;
	}
	err_clear(e);

	/* 2. Read the metadata and unpack. */
	if (image_meta_read(tfile, what, &meta, e) < 0)
		goto out;
	tdir = xasprintf("%s/d", tmp);
	if (mkdir(tdir, 0700) < 0) {
		err_set(e, 500, "Failed to create \"%s\": %s", tdir, strerror(errno));
		goto out;
	}
	if (image_unpack(tfile, trootfs, tdir, what, e) < 0)
		goto out;
	chmod(tdir, 0755);	/* as the unpacked tree's owner expects */

	/* 3. Row and files together. */
	if (db_begin(eng->db, e) < 0)
		goto out;
	in_tx = true;
	if (image_insert(eng, fp, filename, size, rootfs_path != NULL, public,
	    &meta, props, &id, e) < 0)
		goto out;
	dfile = image_file_path(eng, fp, "");
	if (rename(tfile, dfile) < 0) {
		err_set(e, 500, "Failed to move image file to \"%s\": %s", dfile,
		    strerror(errno));
		goto out;
	}
	placed_file = true;
	if (trootfs != NULL) {
		drootfs = image_file_path(eng, fp, ".rootfs");
		if (rename(trootfs, drootfs) < 0) {
			err_set(e, 500, "Failed to move image file to \"%s\": %s",
			    drootfs, strerror(errno));
			goto out;
		}
		placed_rootfs = true;
	}
	if (image_place_unpacked(eng, fp, tdir, &placed_dir, e) < 0)
		goto out;
	in_tx = false;
	if (db_commit(eng->db, e) < 0)
		goto out;
	if (fp_out != NULL) {
		*fp_out = fp;
		fp = NULL;
	}
	rc = 0;
	goto out;

fail_what:
	if (strstr(e->msg, what) == NULL)
		err_prefix(e, "Failed to import image \"%s\"", what);
out:
	if (in_tx)
		db_rollback(eng->db);
	if (rc < 0) {
		/* Undo whatever moved in; a row never committed. */
		if (placed_file)
			unlink(dfile);
		if (placed_rootfs)
			unlink(drootfs);
		if (placed_dir) {
			ddir = image_file_path(eng, fp, ".d");
			util_rm_rf(ddir, NULL);
		}
	}
	util_rm_rf(tmp, NULL);
	image_meta_free(&meta);
	EVP_MD_CTX_free(md);
	free(tmp);
	free(tfile);
	free(trootfs);
	free(tdir);
	free(fp);
	free(dfile);
	free(drootfs);
	free(ddir);
	return rc;
}

/* ------------------------------------------------------------------------
 * Lookups.
 */

static bool
image_is_hex(const char *s)
{
	for (; *s != '\0'; s++) {
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	}
	return true;
}

int
image_resolve(struct engine *eng, const char *ref, char **fp_out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	char *fp = NULL, *pattern = NULL;
	int rc = -1, step, n = 0;

	*fp_out = NULL;
	if (ref == NULL || ref[0] == '\0')
		return err_set(e, 400, "No image given");
	/* An alias first: LXD looks names up as aliases before fingerprints. */
	if ((st = image_prepare(eng, "SELECT i.fingerprint FROM image_aliases a "
	    "JOIN images i ON i.id = a.image_id WHERE a.name = ?", e)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		fp = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	st = NULL;
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
		goto out;
	}
	if (fp != NULL)
		goto found;
	if (strlen(ref) > IMAGE_FP_LEN || !image_is_hex(ref)) {
		err_set(e, 404, "Image \"%s\" not found", ref);
		goto out;
	}
	/* Full fingerprint or unique prefix (hex only, so LIKE is safe). */
	pattern = xasprintf("%s%%", ref);
	if ((st = image_prepare(eng, "SELECT fingerprint FROM images WHERE "
	    "fingerprint LIKE ? LIMIT 2", e)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, pattern, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 0)
			fp = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	if (step != SQLITE_DONE) {
		err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
		goto out;
	}
	if (n == 0) {
		err_set(e, 404, "Image \"%s\" not found", ref);
		goto out;
	}
	if (n > 1) {
		err_set(e, 400, "Image prefix \"%s\" is ambiguous", ref);
		goto out;
	}
found:
	*fp_out = fp;
	fp = NULL;
	rc = 0;
out:
	sqlite3_finalize(st);
	free(fp);
	free(pattern);
	return rc;
}

#define IMAGE_COLUMNS "id, fingerprint, filename, size, architecture, type, " \
	"public, auto_update, cached, created_ns, uploaded_ns, last_used_ns, " \
	"expires_ns"

/* Fills im from a row of IMAGE_COLUMNS and its child tables. */
static int
image_fill(struct engine *eng, sqlite3_stmt *row, struct image *im, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int64_t id = sqlite3_column_int64(row, 0);
	int rc;

	memset(im, 0, sizeof *im);
	im->fingerprint = xstrdup((const char *)sqlite3_column_text(row, 1));
	im->filename = xstrdup((const char *)sqlite3_column_text(row, 2));
	im->size = sqlite3_column_int64(row, 3);
	im->architecture = xstrdup((const char *)sqlite3_column_text(row, 4));
	im->type = xstrdup((const char *)sqlite3_column_text(row, 5));
	im->public = sqlite3_column_int(row, 6) != 0;
	im->auto_update = sqlite3_column_int(row, 7) != 0;
	im->cached = sqlite3_column_int(row, 8) != 0;
	im->created_ns = sqlite3_column_int64(row, 9);
	im->uploaded_ns = sqlite3_column_int64(row, 10);
	im->last_used_ns = sqlite3_column_int64(row, 11);
	im->expires_ns = sqlite3_column_int64(row, 12);

	if (db_map_load(eng->db, "image_properties", "image_id", id,
	    &im->properties, e) < 0 ||
	    db_map_load(eng->db, "image_source", "image_id", id,
	    &im->update_source, e) < 0)
		goto fail;

	if ((st = image_prepare(eng, "SELECT name FROM image_profiles WHERE "
	    "image_id = ? ORDER BY apply_order", e)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		strv_push(&im->profiles, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail_db;

	if ((st = image_prepare(eng, "SELECT name, description FROM image_aliases "
	    "WHERE image_id = ? ORDER BY name", e)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct image_alias *a;

		im->aliases = xreallocarray(im->aliases, im->naliases + 1,
		    sizeof *im->aliases);
		a = &im->aliases[im->naliases++];
		a->name = xstrdup((const char *)sqlite3_column_text(st, 0));
		a->description = xstrdup((const char *)sqlite3_column_text(st, 1));
		a->target = xstrdup(im->fingerprint);
		a->type = xstrdup("container");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail_db;
	return 0;

fail_db:
	err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
fail:
	image_free_contents(im);
	return -1;
}

int
image_load(struct engine *eng, const char *fp, struct image *out, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if ((st = image_prepare(eng, "SELECT " IMAGE_COLUMNS " FROM images WHERE "
	    "fingerprint = ?", e)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = image_fill(eng, st, out, e);
	else if (rc == SQLITE_DONE)
		rc = err_set(e, 404, "Image \"%s\" not found", fp);
	else
		rc = err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
	sqlite3_finalize(st);
	return rc;
}

int
image_load_all(struct engine *eng, struct image **out, size_t *n, struct err *e)
{
	sqlite3_stmt *st;
	struct image *v = NULL;
	size_t count = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((st = image_prepare(eng, "SELECT " IMAGE_COLUMNS " FROM images "
	    "ORDER BY uploaded_ns, fingerprint", e)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, count + 1, sizeof *v);
		if (image_fill(eng, st, &v[count], e) < 0)
			goto fail;
		count++;
	}
	if (rc != SQLITE_DONE) {
		err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
		goto fail;
	}
	sqlite3_finalize(st);
	*out = v;
	*n = count;
	return 0;
fail:
	sqlite3_finalize(st);
	image_array_free(v, count);
	return -1;
}

int
image_save_props(struct engine *eng, const char *fp, const struct image *put,
    struct err *e)
{
	sqlite3_stmt *st = NULL;
	int64_t id;
	int rc;

	if (db_begin(eng->db, e) < 0)
		return -1;
	if (image_id(eng, fp, &id, e) < 0)
		goto fail;
	if ((st = image_prepare(eng, "UPDATE images SET public = ?, auto_update = ? "
	    "WHERE id = ?", e)) == NULL)
		goto fail;
	sqlite3_bind_int(st, 1, put->public);
	sqlite3_bind_int(st, 2, put->auto_update);
	sqlite3_bind_int64(st, 3, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
		goto fail;
	}
	if (db_map_save(eng->db, "image_properties", "image_id", id,
	    &put->properties, e) < 0)
		goto fail;
	return db_commit(eng->db, e);
fail:
	db_rollback(eng->db);
	return err_prefix(e, "Failed to update image \"%s\"", fp);
}

/* ------------------------------------------------------------------------
 * Removal, rootfs, export.
 */

int
image_remove(struct engine *eng, const char *fp, struct err *e)
{
	sqlite3_stmt *st = NULL;
	char *file = NULL, *rootfs = NULL, *dir = NULL, *mark = NULL;
	bool used = false;
	int64_t id;
	int rc = -1, step;
	FILE *f;

	if (db_begin(eng->db, e) < 0)
		return -1;
	if (image_id(eng, fp, &id, e) < 0 ||
	    image_in_use_by_overlay(eng, fp, &used, e) < 0)
		goto fail;
	if ((st = image_prepare(eng, "DELETE FROM images WHERE id = ?", e)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	step = sqlite3_step(st);
	sqlite3_finalize(st);
	if (step != SQLITE_DONE) {
		err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
		goto fail;
	}
	if (db_commit(eng->db, e) < 0)
		goto out;

	/* The row is gone; files without a row are only garbage now. */
	file = image_file_path(eng, fp, "");
	rootfs = image_file_path(eng, fp, ".rootfs");
	dir = image_file_path(eng, fp, ".d");
	unlink(file);
	unlink(rootfs);
	if (used) {
		mark = xasprintf("%s/orphaned", dir);
		if ((f = fopen(mark, "we")) != NULL) {
			fprintf(f, "Image %s was deleted; this directory stays while "
			    "overlay instances use rootfs/ as their lower layer.\n", fp);
			fclose(f);
		}
	} else {
		char *trash = xasprintf("%s.rm-%ld", dir, (long)getpid());

		if (rename(dir, trash) == 0)
			util_rm_rf(trash, NULL);
		else
			util_rm_rf(dir, NULL);
		free(trash);
	}
	rc = 0;
	goto out;
fail:
	db_rollback(eng->db);
	err_prefix(e, "Failed to delete image \"%s\"", fp);
out:
	free(file);
	free(rootfs);
	free(dir);
	free(mark);
	return rc;
}

char *
image_rootfs_dir(struct engine *eng, const char *fp, struct err *e)
{
	struct image im = { 0 };
	char *rootfs = NULL, *tmp = NULL, *tdir = NULL, *file = NULL;
	char *split = NULL;
	bool placed;
	struct stat st;
	struct err ignored = { 0 };

	if (e == NULL)
		e = &ignored;
	if (image_load(eng, fp, &im, e) < 0)
		return NULL;
	rootfs = xasprintf("%s/images/%s.d/rootfs", eng->dir, fp);
	if (image_is_dir(rootfs))
		goto out;

	/* Missing (deleted by hand, or never unpacked): unpack again. */
	file = image_file_path(eng, fp, "");
	split = image_file_path(eng, fp, ".rootfs");
	if ((tmp = image_tmpdir(eng, ".tmp", e)) == NULL)
		goto fail;
	tdir = xasprintf("%s/d", tmp);
	if (mkdir(tdir, 0755) < 0) {
		err_set(e, 500, "Failed to create \"%s\": %s", tdir, strerror(errno));
		goto fail;
	}
	if (image_unpack(file, stat(split, &st) == 0 ? split : NULL, tdir, fp, e) < 0)
		goto fail;
	if (image_place_unpacked(eng, fp, tdir, &placed, e) < 0) {
		if (!image_is_dir(rootfs))	/* lost a race: theirs is fine */
			goto fail;
		err_clear(e);
	}
	goto out;
fail:
	err_prefix(e, "Failed to unpack image \"%s\"", fp);
	image_path_free(&rootfs);
out:
	util_rm_rf(tmp, NULL);
	image_free_contents(&im);
	free(tmp);
	free(tdir);
	free(file);
	free(split);
	return rootfs;
}

/* Opens a stored file of an image for an export: out->fd, ->size, ->name
 * (prefix FP extension). */
static int
image_export_one(const char *path, const char *prefix, const char *fp,
    struct image_export_file *out, struct err *e)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		err_set(e, 500, "Failed to open \"%s\": %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, 500, "\"%s\" is not a regular file", path);
	}
	out->fd = fd;
	out->size = st.st_size;
	out->name = xasprintf("%s%s%s", prefix, fp, image_file_ext(path));
	return 0;
}

/* The stored files are only ever replaced by rename, never rewritten, so
 * an open fd reads the image it was opened on to the end, even if the
 * image is deleted meanwhile. */
int
image_export_open(struct engine *eng, const char *fp,
    struct image_export_file out[2], size_t *n, struct err *e)
{
	char *file = NULL, *rootfs = NULL;
	int64_t id;
	int rc = -1;

	*n = 0;
	if (image_id(eng, fp, &id, e) < 0)
		return -1;
	file = image_file_path(eng, fp, "");
	rootfs = image_file_path(eng, fp, ".rootfs");
	if (access(rootfs, F_OK) == 0) {
		/* Split: as LXD's multipart export names them. */
		if (image_export_one(file, "meta-", fp, &out[0], e) < 0)
			goto out;
		*n = 1;
		if (image_export_one(rootfs, "", fp, &out[1], e) < 0)
			goto out;
		*n = 2;
	} else {
		if (image_export_one(file, "", fp, &out[0], e) < 0)
			goto out;
		*n = 1;
	}
	rc = 0;
out:
	if (rc < 0) {
		while (*n > 0) {
			(*n)--;
			close(out[*n].fd);
			free(out[*n].name);
		}
		err_prefix(e, "Failed to export image \"%s\"", fp);
	}
	free(file);
	free(rootfs);
	return rc;
}

/* ------------------------------------------------------------------------
 * Publishing: a rootfs directory becomes a unified image.
 */

static bool
image_emit(yaml_emitter_t *em, yaml_event_t *ev)
{
	return yaml_emitter_emit(em, ev) != 0;
}

static bool
image_emit_scalar(yaml_emitter_t *em, const char *s, bool plain)
{
	yaml_event_t ev;

	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s,
	    (int)strlen(s), plain, !plain,
	    plain ? YAML_PLAIN_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
	return image_emit(em, &ev);
}

/* Writes metadata.yaml (architecture, creation_date, properties). */
static int
image_meta_write(const char *path, const char *arch, int64_t created,
    const struct strmap *props, struct err *e)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	char date[32];
	bool ok = true;
	size_t i;
	FILE *f;

	if ((f = fopen(path, "we")) == NULL)
		return err_set(e, 500, "Failed to create \"%s\": %s", path,
		    strerror(errno));
	if (!yaml_emitter_initialize(&em))
		fatal("out of memory");
	yaml_emitter_set_output_file(&em, f);
	yaml_emitter_set_unicode(&em, 1);
	snprintf(date, sizeof date, "%lld", (long long)created);

	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	ok = ok && image_emit(&em, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	ok = ok && image_emit(&em, &ev);
	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	    YAML_BLOCK_MAPPING_STYLE);
	ok = ok && image_emit(&em, &ev);
	ok = ok && image_emit_scalar(&em, "architecture", true);
	ok = ok && image_emit_scalar(&em, arch, false);
	ok = ok && image_emit_scalar(&em, "creation_date", true);
	ok = ok && image_emit_scalar(&em, date, true);
	ok = ok && image_emit_scalar(&em, "properties", true);
	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	    props != NULL && props->n > 0 ? YAML_BLOCK_MAPPING_STYLE :
	    YAML_FLOW_MAPPING_STYLE);
	ok = ok && image_emit(&em, &ev);
	for (i = 0; props != NULL && i < props->n; i++) {
		ok = ok && image_emit_scalar(&em, props->keys[i], false);
		ok = ok && image_emit_scalar(&em, props->vals[i], false);
	}
	yaml_mapping_end_event_initialize(&ev);
	ok = ok && image_emit(&em, &ev);
	ok = ok && image_emit_scalar(&em, "templates", true);
	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	    YAML_FLOW_MAPPING_STYLE);
	ok = ok && image_emit(&em, &ev);
	yaml_mapping_end_event_initialize(&ev);
	ok = ok && image_emit(&em, &ev);
	yaml_mapping_end_event_initialize(&ev);
	ok = ok && image_emit(&em, &ev);
	yaml_document_end_event_initialize(&ev, 1);
	ok = ok && image_emit(&em, &ev);
	yaml_stream_end_event_initialize(&ev);
	ok = ok && image_emit(&em, &ev);
	if (!ok)
		err_set(e, 500, "Failed to write \"%s\": %s", path,
		    em.problem ? em.problem : "YAML emitter error");
	yaml_emitter_delete(&em);
	if (fclose(f) != 0 && ok) {
		ok = false;
		err_set(e, 500, "Failed to write \"%s\": %s", path, strerror(errno));
	}
	return ok ? 0 : -1;
}

/* compression_algorithm as LXD takes it -> tar's flag ("" for none). */
static int
image_compression_flag(const char *c, const char **flag, const char **ext)
{
	static const struct {
		const char *name, *flag, *ext;
	} table[] = {
		{ "gzip", "--gzip", ".tar.gz" },
		{ "xz", "--xz", ".tar.xz" },
		{ "bzip2", "--bzip2", ".tar.bz2" },
		{ "lzma", "--lzma", ".tar.lzma" },
		{ "zstd", "--zstd", ".tar.zst" },
		{ "none", "--no-auto-compress", ".tar" },
	};
	size_t i;

	if (c == NULL || c[0] == '\0')
		c = "gzip";
	for (i = 0; i < ARRAY_SIZE(table); i++) {
		if (strcmp(c, table[i].name) == 0) {
			*flag = table[i].flag;
			*ext = table[i].ext;
			return 0;
		}
	}
	return -EINVAL;
}

int
image_pack(struct engine *eng, const char *rootfs_dir, const char *arch,
    const struct strmap *props, const char *compression, bool public,
    char **fp_out, struct err *e)
{
	char *tmp = NULL, *meta = NULL, *tarball = NULL;
	const char *flag, *ext, *name;
	int rc = -1;
	struct err ignored = { 0 };

	if (e == NULL)
		e = &ignored;
	if (fp_out != NULL)
		*fp_out = NULL;
	if (image_compression_flag(compression, &flag, &ext) < 0)
		return err_set(e, 400, "Unsupported compression algorithm \"%s\"",
		    compression);
	if (arch == NULL)
		arch = eng->arch;
	if (arch == NULL || (name = image_arch_name(arch)) == NULL)
		return err_set(e, 400, "Unsupported architecture \"%s\"",
		    arch ? arch : "");
	if (!image_is_dir(rootfs_dir))
		return err_set(e, 400, "Failed to publish \"%s\": not a directory",
		    rootfs_dir);
	if ((tmp = image_tmpdir(eng, ".tmp", e)) == NULL)
		goto out;
	meta = xasprintf("%s/metadata.yaml", tmp);
	if (image_meta_write(meta, name, time_now_ns() / 1000000000, props, e) < 0)
		goto out;
	tarball = xasprintf("%s/image%s", tmp, ext);
	{
		/* rootfs_dir's "." becomes "rootfs"; symlink targets stay. */
		const char *argv[] = { "tar", "--numeric-owner", "--xattrs",
		    "--xattrs-include=*", "--transform=s,^\\.,rootfs,S", "-cf",
		    tarball, flag, "-C", tmp, "metadata.yaml", "-C", rootfs_dir, ".",
		    NULL };

		if (util_exec(argv, NULL, 0, e) < 0)
			goto out;
	}
	rc = image_import(eng, tarball, NULL, NULL, public, "", fp_out, e);
out:
	if (rc < 0)
		err_prefix(e, "Failed to publish \"%s\"", rootfs_dir);
	util_rm_rf(tmp, NULL);
	free(tmp);
	free(meta);
	free(tarball);
	return rc;
}

/* ------------------------------------------------------------------------
 * Aliases.
 */

int
image_alias_load_all(struct engine *eng, struct image_alias **out, size_t *n,
    struct err *e)
{
	sqlite3_stmt *st;
	struct image_alias *v = NULL;
	size_t count = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((st = image_prepare(eng, "SELECT a.name, a.description, i.fingerprint "
	    "FROM image_aliases a JOIN images i ON i.id = a.image_id ORDER BY a.name",
	    e)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, count + 1, sizeof *v);
		v[count].name = xstrdup((const char *)sqlite3_column_text(st, 0));
		v[count].description = xstrdup((const char *)sqlite3_column_text(st, 1));
		v[count].target = xstrdup((const char *)sqlite3_column_text(st, 2));
		v[count].type = xstrdup("container");
		count++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		image_alias_array_free(v, count);
		return err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
	}
	*out = v;
	*n = count;
	return 0;
}

int
image_alias_load(struct engine *eng, const char *name, struct image_alias *out,
    struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if ((st = image_prepare(eng, "SELECT a.name, a.description, i.fingerprint "
	    "FROM image_aliases a JOIN images i ON i.id = a.image_id "
	    "WHERE a.name = ?", e)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->name = xstrdup((const char *)sqlite3_column_text(st, 0));
		out->description = xstrdup((const char *)sqlite3_column_text(st, 1));
		out->target = xstrdup((const char *)sqlite3_column_text(st, 2));
		out->type = xstrdup("container");
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, 404, "Image alias \"%s\" not found", name);
	} else {
		rc = err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
	}
	sqlite3_finalize(st);
	return rc;
}

int
image_alias_add(struct engine *eng, const char *name, const char *target,
    const char *description, struct err *e)
{
	sqlite3_stmt *st = NULL;
	char *fp = NULL;
	int64_t id;
	int rc = -1, step;
	const char *p;
	struct err ignored = { 0 };

	if (e == NULL)
		e = &ignored;
	if (name == NULL || name[0] == '\0')
		return err_set(e, 400, "An image alias needs a name");
	for (p = name; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == ':' || *p == ' ')
			return err_set(e, 400, "Invalid image alias name \"%s\"", name);
	}
	if (db_begin(eng->db, e) < 0)
		return -1;
	if (image_resolve(eng, target, &fp, e) < 0 || image_id(eng, fp, &id, e) < 0)
		goto fail;
	if ((st = image_prepare(eng, "INSERT INTO image_aliases (name, image_id, "
	    "description) VALUES (?, ?, ?)", e)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, description ? description : "", -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	sqlite3_finalize(st);
	if (step == SQLITE_CONSTRAINT) {
		err_set(e, 409, "Image alias \"%s\" already exists", name);
		goto fail;
	}
	if (step != SQLITE_DONE) {
		err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
		goto fail;
	}
	rc = db_commit(eng->db, e);
	goto out;
fail:
	db_rollback(eng->db);
	if (e->code != 409)
		err_prefix(e, "Failed to create image alias \"%s\"", name);
out:
	free(fp);
	return rc;
}

int
image_alias_remove(struct engine *eng, const char *name, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = image_prepare(eng, "DELETE FROM image_aliases WHERE name = ?",
	    e)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return err_set(e, 500, "Database error: %s", sqlite3_errmsg(eng->db));
	if (sqlite3_changes(eng->db) == 0)
		return err_set(e, 404, "Image alias \"%s\" not found", name);
	return 0;
}
