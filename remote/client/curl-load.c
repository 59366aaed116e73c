/*
 * curl-load.c - libcurl, dlopen()ed the first time it is needed (the
 * model is in curl-load.h).  Loading happens once per process under
 * pthread_once; the library stays loaded.  A failure (no libcurl.so.4, a
 * missing symbol, curl_global_init() refusing) is logged once and every
 * later curl_load() answers false.
 */
#include <dlfcn.h>
#include <pthread.h>

#include "../../common/common.h"
#include "curl-load.h"

struct curl_load_syms curl_load_syms;

static pthread_once_t curl_load_once = PTHREAD_ONCE_INIT;
static bool curl_load_ok;

static void *
curl_load_sym(void *lib, const char *name, bool *ok)
{
	void *p = dlsym(lib, name);

	if (p == NULL) {
		log_warn("libcurl: no symbol %s", name);
		*ok = false;
	}
	return p;
}

static void
curl_load_run(void)
{
	struct curl_load_syms s;
	CURLcode (*global_init)(long);
	bool ok = true;
	void *lib;

	lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		log_warn("libcurl cannot be loaded (%s): image servers unreachable",
		    dlerror());
		return;
	}
	*(void **)&global_init = curl_load_sym(lib, "curl_global_init", &ok);
	*(void **)&s.easy_init = curl_load_sym(lib, "curl_easy_init", &ok);
	*(void **)&s.easy_setopt = curl_load_sym(lib, "curl_easy_setopt", &ok);
	*(void **)&s.easy_perform = curl_load_sym(lib, "curl_easy_perform", &ok);
	*(void **)&s.easy_getinfo = curl_load_sym(lib, "curl_easy_getinfo", &ok);
	*(void **)&s.easy_cleanup = curl_load_sym(lib, "curl_easy_cleanup", &ok);
	*(void **)&s.easy_strerror = curl_load_sym(lib, "curl_easy_strerror", &ok);
	*(void **)&s.easy_escape = curl_load_sym(lib, "curl_easy_escape", &ok);
	*(void **)&s.free = curl_load_sym(lib, "curl_free", &ok);
	if (!ok) {
		dlclose(lib);
		return;
	}
	if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warn("libcurl failed to initialise: image servers unreachable");
		return;
	}
	curl_load_syms = s;
	curl_load_ok = true;
}

bool
curl_load(void)
{
	pthread_once(&curl_load_once, curl_load_run);
	return curl_load_ok;
}
