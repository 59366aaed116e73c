/*
 * fuzz-yaml.c - the profile YAML the TUI reads back from the user's editor
 * (tui/profile-yaml.c), and what it writes: whatever parses must survive
 * emit -> parse -> emit unchanged (abort() otherwise, so the fuzzer stops).
 * libFuzzer entry point; see run-fuzz for plain corpus replay with gcc.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tui/tui.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = { 0 };
	struct profile p, q;
	char *text = xstrndup((const char *)data, size), *y1, *y2;

	if (profile_yaml_parse(text, &p, &e) == 0) {
		y1 = profile_yaml_emit(&p);
		if (profile_yaml_parse(y1, &q, &e) != 0) {
			fprintf(stderr, "emitted YAML does not parse back: %s\n---\n%s\n",
			    e.msg, y1);
			abort();
		}
		y2 = profile_yaml_emit(&q);
		if (strcmp(y1, y2) != 0) {
			fprintf(stderr, "YAML round trip differs:\n%s\n---\n%s\n", y1, y2);
			abort();
		}
		free(y1);
		free(y2);
		profile_free_contents(&p);
		profile_free_contents(&q);
	}
	free(text);
	return 0;
}
