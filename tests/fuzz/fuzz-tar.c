/*
 * fuzz-tar.c - an image tarball's member names and types, through the
 * engine's own unpack (engine/image.c's image_unpack(), which runs GNU tar
 * as lxdeckd does, and image_meta_read()): whatever the members are called
 * (absolute, "..", through a symlink member, a hard link out), nothing may
 * land outside the destination directory.  abort() when something does.
 * Slow (two tar processes per input); fuzz it with fewer runs.
 * libFuzzer entry point; see run-fuzz for plain corpus replay with gcc.
 */
#include <dirent.h>

#include "../../engine/image.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_tar_jail;

/* The names in dir other than "." and "..", in a strv (sorted). */
static void
fuzz_tar_list(const char *dir, struct strv *out)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		abort();
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			strv_push(out, de->d_name);
	closedir(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = { 0 };
	struct image_meta m;
	struct strv names = { 0 };
	char *tar, *dest, *outside;
	FILE *f;

	if (fuzz_tar_jail == NULL) {
		char tmpl[] = "/tmp/lxdeck-fuzz-tar-XXXXXX";

		if (mkdtemp(tmpl) == NULL)
			abort();
		fuzz_tar_jail = xstrdup(tmpl);
	}
	/* jail/in/image.tar is unpacked into jail/in/dest: the members may
	 * only reach jail/in/dest (jail/in and jail are checked). */
	outside = xasprintf("%s/in", fuzz_tar_jail);
	tar = xasprintf("%s/image.tar", outside);
	dest = xasprintf("%s/dest", outside);
	if (mkdir(outside, 0700) < 0 || mkdir(dest, 0700) < 0 ||
	    (f = fopen(tar, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	if (image_meta_read(tar, "fuzz", &m, &e) == 0)
		image_meta_free(&m);
	image_unpack(tar, NULL, dest, "fuzz", &e);
	fuzz_tar_list(outside, &names);
	if (names.n != 2 || strv_index(&names, "dest") < 0 ||
	    strv_index(&names, "image.tar") < 0) {
		fprintf(stderr, "a tar member landed outside its destination: %s/%s\n",
		    outside, names.n ? names.v[0] : "?");
		abort();
	}
	strv_free(&names);
	fuzz_tar_list(fuzz_tar_jail, &names);
	if (names.n != 1) {
		fprintf(stderr, "a tar member landed outside its destination: %s\n",
		    fuzz_tar_jail);
		abort();
	}
	strv_free(&names);
	util_rm_rf(outside, NULL);
	free(outside);
	free(tar);
	free(dest);
	return 0;
}
