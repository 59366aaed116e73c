/*
 * lxdeckd-main.c - entry point of lxdeckd, the LXD API daemon.
 */
#include <stdio.h>
#include <string.h>

#include "../common/common.h"

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("lxdeckd 0.1\n");
		return 0;
	}
	fprintf(stderr, "lxdeckd: the daemon is not built yet\n");
	return 1;
}
