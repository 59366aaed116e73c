/*
 * replay.c - a main() for the fuzz targets without libFuzzer: runs each
 * file given on the command line (a corpus) through the target once, plus
 * every prefix of it and a few byte flips, so a gcc build exercises the
 * same code paths.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf;
		long n;
		size_t k, j;

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
		for (k = 0; k <= (size_t)n; k++)
			LLVMFuzzerTestOneInput(buf, k);
		for (j = 0; j < (size_t)n; j++) {
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
