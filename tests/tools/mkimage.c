/*
 * mkimage.c - builds a local image tarball with no image server
 * (engine/image-build.c) and prints its fingerprint.  scripts/build-image is
 * the entry for humans; `lxdeck image build` will take its place.
 *
 *	mkimage busybox OUT.tar.gz
 *	mkimage debian OUT.tar.gz SUITE MIRROR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/engine.h"

static void
usage(void)
{
	fprintf(stderr, "usage: mkimage busybox OUT.tar.gz\n"
	    "       mkimage debian OUT.tar.gz SUITE MIRROR\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct err e = { 0 };
	const char *paths[1];
	char *fp;
	int rc;

	if (argc < 3)
		usage();
	if (strcmp(argv[1], "busybox") == 0 && argc == 3)
		rc = image_build_busybox(argv[2], &e);
	else if (strcmp(argv[1], "debian") == 0 && argc == 5)
		rc = image_build_debootstrap(argv[2], argv[3], argv[4], &e);
	else
		usage();
	if (rc < 0) {
		fprintf(stderr, "mkimage: %s\n", e.msg);
		return 1;
	}
	paths[0] = argv[2];
	if ((fp = image_fingerprint_files(paths, 1, &e)) == NULL) {
		fprintf(stderr, "mkimage: %s\n", e.msg);
		return 1;
	}
	printf("%s\n", fp);
	free(fp);
	return 0;
}
