/*
 * lxdeck-main.c - entry point of lxdeck, the terminal UI.
 */
#include <stdio.h>
#include <string.h>

#include "../common/common.h"

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("lxdeck 0.1\n");
		return 0;
	}
	fprintf(stderr, "lxdeck: the TUI is not built yet\n");
	return 1;
}
