/*
 * fuzz-simplestreams.c - a simplestreams server's index.json and products
 * catalog (remote/simplestreams.c), as an `images:`-style remote sends
 * them, then a lookup in what was parsed.  The first byte picks which of
 * the two documents the rest is.
 * libFuzzer entry point; see run-fuzz for plain corpus replay with gcc.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../remote/client/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = { 0 };
	const char *text = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;

	if (size == 0)
		return 0;
	if (data[0] & 1) {
		struct strv paths = { 0 };

		simplestreams_parse_index(text, len, &paths, &e);
		strv_free(&paths);
	} else {
		struct simplestreams *ss = xcalloc(1, sizeof *ss);
		size_t idx;

		if (simplestreams_parse_products(ss, text, len, "x86_64", &e) == 0) {
			simplestreams_find(ss, "ubuntu/22.04", &idx, &e);
			if (ss->n > 0)
				simplestreams_find(ss, ss->images[0].fingerprint, &idx, &e);
		}
		simplestreams_free(ss);
	}
	return 0;
}
