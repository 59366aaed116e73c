/*
 * fuzz-image-meta.c - an image's metadata.yaml (engine/image.c's
 * image_meta_parse(), static, hence the #include): every image a user
 * imports or a remote serves goes through it.
 * libFuzzer entry point; see run-fuzz for plain corpus replay with gcc.
 */
#include "../../engine/image.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = { 0 };
	struct image_meta m;

	if (image_meta_parse((const char *)data, size, "fuzz", &m, &e) == 0)
		image_meta_free(&m);
	return 0;
}
