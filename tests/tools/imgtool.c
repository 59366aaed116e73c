/*
 * imgtool.c - drives engine/image.c from shell tests, on an engine made by
 * hand over DIR (DIR/lxdeck.db, DIR/images/).  Prints what the engine says;
 * exits 1 with "imgtool: CODE MESSAGE" on stderr when it fails.
 *
 *	imgtool DIR import FILE [ROOTFS]	prints the fingerprint
 *	imgtool DIR show REF			key=value lines
 *	imgtool DIR rootfs REF			the unpacked rootfs directory
 *	imgtool DIR alias NAME REF
 *	imgtool DIR export REF OUTDIR		prints the files written
 *	imgtool DIR pack ROOTFS [COMPRESSION]	prints the fingerprint
 *	imgtool DIR remove REF
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../../engine/engine.h"

static int
fail(const struct err *e)
{
	fprintf(stderr, "imgtool: %d %s\n", e->code, e->msg);
	return 1;
}

static int
show(struct engine *eng, const char *ref, struct err *e)
{
	struct image im = { 0 };
	char *fp = NULL;
	size_t i;

	if (image_resolve(eng, ref, &fp, e) < 0 || image_load(eng, fp, &im, e) < 0) {
		free(fp);
		return -1;
	}
	printf("fingerprint=%s\narchitecture=%s\ntype=%s\nsize=%lld\n"
	    "filename=%s\npublic=%d\ncreated=%lld\n", im.fingerprint,
	    im.architecture, im.type, (long long)im.size, im.filename,
	    im.public, (long long)(im.created_ns / 1000000000));
	for (i = 0; i < im.properties.n; i++)
		printf("properties.%s=%s\n", im.properties.keys[i],
		    im.properties.vals[i]);
	for (i = 0; i < im.naliases; i++)
		printf("alias=%s\n", im.aliases[i].name);
	image_free_contents(&im);
	free(fp);
	return 0;
}

/* Writes what the engine opened for an export into OUTDIR. */
static int
export(struct engine *eng, const char *ref, const char *outdir, struct err *e)
{
	struct image_export_file x[2];
	char *fp = NULL, buf[65536];
	size_t n = 0, i;
	int rc = -1;

	if (image_resolve(eng, ref, &fp, e) < 0 || image_export_open(eng, fp, x, &n, e) < 0) {
		free(fp);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", outdir, x[i].name);
		int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		ssize_t got;

		while (out >= 0 && (got = read(x[i].fd, buf, sizeof buf)) > 0)
			if (write(out, buf, (size_t)got) != got)
				break;
		if (out < 0 || close(out) != 0) {
			err_set(e, 500, "Failed to write \"%s\": %s", path, strerror(errno));
			free(path);
			goto out;
		}
		printf("%s\n", path);
		free(path);
	}
	rc = 0;
out:
	for (i = 0; i < n; i++) {
		close(x[i].fd);
		free(x[i].name);
	}
	free(fp);
	return rc;
}

int
main(int argc, char **argv)
{
	struct engine eng = { 0 };
	struct err e = { 0 };
	struct utsname u;
	char *db, *fp = NULL, *s;
	const char *cmd;
	int rc = -1;

	if (argc < 3) {
		fprintf(stderr, "usage: imgtool DIR import|show|rootfs|alias|"
		    "export|pack|remove ...\n");
		return 2;
	}
	mkdir(argv[1], 0700);
	uname(&u);
	eng.dir = argv[1];
	eng.arch = u.machine;
	db = xasprintf("%s/lxdeck.db", argv[1]);
	if (db_open(db, &eng.db, &e) < 0)
		return fail(&e);
	free(db);
	cmd = argv[2];
	if (strcmp(cmd, "import") == 0 && argc >= 4) {
		rc = image_import(&eng, argv[3], argc > 4 ? argv[4] : NULL, NULL,
		    false, NULL, &fp, &e);
		if (rc == 0)
			printf("%s\n", fp);
	} else if (strcmp(cmd, "show") == 0 && argc == 4) {
		rc = show(&eng, argv[3], &e);
	} else if (strcmp(cmd, "rootfs") == 0 && argc == 4) {
		if (image_resolve(&eng, argv[3], &fp, &e) == 0 &&
		    (s = image_rootfs_dir(&eng, fp, &e)) != NULL) {
			printf("%s\n", s);
			free(s);
			rc = 0;
		}
	} else if (strcmp(cmd, "alias") == 0 && argc == 5) {
		rc = image_alias_add(&eng, argv[3], argv[4], "", &e);
	} else if (strcmp(cmd, "export") == 0 && argc == 5) {
		rc = export(&eng, argv[3], argv[4], &e);
	} else if (strcmp(cmd, "pack") == 0 && argc >= 4) {
		rc = image_pack(&eng, argv[3], NULL, NULL, argc > 4 ? argv[4] : NULL,
		    false, &fp, &e);
		if (rc == 0)
			printf("%s\n", fp);
	} else if (strcmp(cmd, "remove") == 0 && argc == 4) {
		if (image_resolve(&eng, argv[3], &fp, &e) == 0)
			rc = image_remove(&eng, fp, &e);
	} else {
		fprintf(stderr, "imgtool: bad command\n");
		return 2;
	}
	free(fp);
	db_close(eng.db);
	return rc < 0 ? fail(&e) : 0;
}
