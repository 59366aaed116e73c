/*
 * lxdeck-main.c - entry point of lxdeck, the terminal UI.
 *
 *   lxdeck [--fake] [--read-only] [--theme NAME|PATH] [REMOTE]
 *   lxdeck remote add NAME URL|TOKEN [--accept-certificate] [--password P]
 *                                    [--public]
 *   lxdeck remote list
 *
 * The remote subcommands run before (and without) the TUI, like `lxc
 * remote`: they read the lxc client's config and lxdeck's own, and write
 * only lxdeck's (remote/remote-config.c).
 *
 * Parses the command line and the config file, picks the theme (--theme,
 * then LXDECK_THEME, then the config file, then the compiled-in default),
 * and runs the one libuv loop until the user quits.  --fake (or
 * LXDECK_BACKEND=fake) serves local: from the in-memory fake backend;
 * what a remote name opens is backends.c's to choose, which also loads
 * the embedded engine and the REST client on first use.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "tui.h"
#include "../remote/client/client.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: lxdeck [--fake] [--read-only] [--theme NAME|PATH] "
	    "[REMOTE]\n");
}

/* "--opt VALUE" or "--opt=VALUE" at argv[*i] (*i moves past a VALUE). */
static bool
option_value(int argc, char **argv, int *i, const char *opt, const char **val)
{
	size_t l = strlen(opt);

	if (strcmp(argv[*i], opt) == 0 && *i + 1 < argc) {
		*val = argv[++*i];
		return true;
	}
	if (strncmp(argv[*i], opt, l) == 0 && argv[*i][l] == '=') {
		*val = argv[*i] + l + 1;
		return true;
	}
	return false;
}

static int
remote_usage(void)
{
	fprintf(stderr, "usage: lxdeck remote add NAME URL|TOKEN [--accept-certificate] "
	    "[--password P] [--public]\n       lxdeck remote list\n");
	return 2;
}

static int
remote_cmd(int argc, char **argv)
{
	struct remotes rs;
	struct err e = { 0 };
	char warn[256];
	int rc = 0, i;

	if (argc < 2)
		return remote_usage();
	backends_remotes_load(&rs, warn, sizeof warn);
	if (warn[0] != '\0')
		fprintf(stderr, "Warning: %s\n", warn);
	if (strcmp(argv[1], "list") == 0) {
		size_t k;

		printf("%-14s %-44s %-13s %-8s %s\n", "NAME", "URL", "PROTOCOL", "SOURCE",
		    "PINNED");
		printf("%-14s %-44s %-13s %-8s %s\n", "local", "(embedded engine)", "-",
		    "lxdeck", "-");
		for (k = 0; k < rs.n; k++) {
			const struct remote_conf *r = &rs.v[k];

			printf("%-14s %-44s %-13s %-8s %s%s%s\n", r->name, r->addr ? r->addr : "",
			    r->protocol ? r->protocol : "lxd", backends_remote_conf_source(r),
			    r->server_crt ? "yes" : "no", r->public ? " (public)" : "",
			    r->read_only ? " (read-only)" : "");
		}
	} else if (strcmp(argv[1], "add") == 0) {
		const char *name = NULL, *target = NULL, *password = NULL;
		bool accept = false, public = false;

		for (i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--accept-certificate") == 0)
				accept = true;
			else if (strcmp(argv[i], "--public") == 0)
				public = true;
			else if (option_value(argc, argv, &i, "--password", &password))
				;
			else if (argv[i][0] == '-') {
				backends_remotes_free(&rs);
				return remote_usage();
			} else if (name == NULL)
				name = argv[i];
			else if (target == NULL)
				target = argv[i];
		}
		if (name == NULL || target == NULL) {
			backends_remotes_free(&rs);
			return remote_usage();
		}
		if (backends_remotes_add(&rs, name, target, accept, public, password,
		    stdin, stdout, &e) < 0) {
			fprintf(stderr, "Error: %s\n", e.msg);
			rc = 1;
		} else {
			printf("Remote %s added\n", name);
		}
	} else {
		rc = remote_usage();
	}
	backends_remotes_free(&rs);
	return rc;
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
	if (argc > 1 && strcmp(argv[1], "remote") == 0)
		return remote_cmd(argc - 1, argv + 1);
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
		else if (option_value(argc, argv, &i, "--theme", &theme))
			;
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
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "lxdeck: needs a terminal\n");
		return 1;
	}
	log_set_level(LOG_LVL_ERROR);
	uv_loop_init(&loop);
	t = app_create(&loop, remote, backends_want_fake(fake), read_only);
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
	input_start(t);
	uv_run(&loop, UV_RUN_DEFAULT);
	app_free(t);
	uv_loop_close(&loop);
	return 0;
}
