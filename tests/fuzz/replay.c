/*
 * replay.c - a main() for the fuzz targets without libFuzzer: runs each
 * file given on the command line (a corpus) through the target once, plus
 * prefixes of it and a few byte flips, so a gcc build exercises the same
 * code paths.  FUZZ_REPLAY_VARIANTS caps how many prefixes and flips each
 * file gets (spread over it; 0: the file alone; unset: every one).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	const char *cap = getenv("FUZZ_REPLAY_VARIANTS");
	size_t max = cap != NULL ? strtoul(cap, NULL, 10) : (size_t)-1;
	int i;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf;
		long n;
		size_t k, j, step;

		if (f == NULL) {
			perror(argv[i]);
			return 1;
		}
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = malloc((size_t)n + 1);
		if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
			return 1;
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)n);
		step = max == 0 ? (size_t)n + 1 : max >= (size_t)n ? 1 : (size_t)n / max + 1;
		for (k = 0; k < (size_t)n; k += step)
			LLVMFuzzerTestOneInput(buf, k);
		for (j = 0; j < (size_t)n; j += step) {
			uint8_t old = buf[j];

			buf[j] ^= 0x5a;
			LLVMFuzzerTestOneInput(buf, (size_t)n);
			buf[j] = old;
		}
		free(buf);
		printf("replayed %s\n", argv[i]);
	}
	return 0;
}
