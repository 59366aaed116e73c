/*
 * lxdeck-main.c - entry point of lxdeck, the terminal UI.
 *
 *   lxdeck [--fake] [--read-only] [--theme NAME|PATH] [REMOTE]
 *
 * Parses the command line and the config file, picks the theme (--theme,
 * then LXDECK_THEME, then the config file, then the compiled-in default),
 * and runs the one libuv loop until the user quits.  --fake (or
 * LXDECK_BACKEND=fake) serves local: from the in-memory fake backend.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "tui.h"
#include "../remote/image-fetch.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: lxdeck [--fake] [--read-only] [--theme NAME|PATH] "
	    "[REMOTE]\n");
}

int
main(int argc, char **argv)
{
	const char *remote = "local", *env, *theme = NULL;
	bool fake = false, read_only = false;
	struct err e = { 0 };
	struct tui *t;
	uv_loop_t loop;
	char *cfg;
	int i;

	setlocale(LC_ALL, "");
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("lxdeck 0.1\n");
			return 0;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--fake") == 0)
			fake = true;
		else if (strcmp(argv[i], "--read-only") == 0)
			read_only = true;
		else if (strcmp(argv[i], "--theme") == 0 && i + 1 < argc)
			theme = argv[++i];
		else if (strncmp(argv[i], "--theme=", 8) == 0)
			theme = argv[i] + 8;
		else if (argv[i][0] == '-') {
			usage(stderr);
			return 2;
		} else {
			size_t l = strlen(argv[i]);

			remote = argv[i];
			if (l > 1 && argv[i][l - 1] == ':')
				argv[i][l - 1] = '\0';
		}
	}
	if ((env = getenv("LXDECK_BACKEND")) != NULL && strcmp(env, "fake") == 0)
		fake = true;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "lxdeck: needs a terminal\n");
		return 1;
	}
	log_set_level(LOG_LVL_ERROR);
	image_fetch_install();	/* the embedded engine pulls from image servers */
	uv_loop_init(&loop);
	t = app_create(&loop, remote, fake, read_only);
	t->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (theme == NULL && (env = getenv("LXDECK_THEME")) != NULL && *env != '\0')
		theme = env;
	if (theme != NULL)
		t->theme_arg = xstrdup(theme);
	cfg = config_path();
	config_load(t, cfg);
	free(cfg);
	if (t->theme_arg != NULL &&
	    theme_load(&t->theme, t->theme_arg, &t->warnings, &e) < 0)
		strv_push(&t->warnings, e.msg);
	app_start(t);
	uv_run(&loop, UV_RUN_DEFAULT);
	app_free(t);
	uv_loop_close(&loop);
	return 0;
}
