/*
 * fuzz-codec.c - JSON request bodies through every decoder, the Go-style
 * encoder and ETag, the exec control decoder and the filter language.
 * Endpoints that read their body field by field (certificates, image PUT
 * and POST with its "source", aliases, instance and profile PUT/PATCH/POST,
 * server PUT, snapshots, warnings PUT, exec control) do it with the typed
 * accessors codec_get_*(): each of their fields goes through its accessor here, on
 * the body and on its "source" object, as the handlers do.  Answers a
 * remote sends the client (instance state, events, operations, /1.0)
 * use the same decoders.
 * libFuzzer entry point; see run-fuzz for plain corpus replay with gcc.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../remote/server/server.h"
#include "../../remote/client/client-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A decoder's call; what it filled is released when it succeeded. */
#define DECODED(call, release) do {					\
	if ((call) == 0)						\
		release;						\
} while (0)

/* The fields the api-*.c handlers read with codec_get_*(), by type. */
static const char *const fuzz_strings[] = {
	"name", "type", "certificate", "password", "trust_token", "description",
	"target", "mode", "server", "protocol", "secret", "fingerprint", "alias",
	"compression_algorithm", "action", "restore", "id", "status", NULL
};
static const char *const fuzz_bools[] = {
	"token", "public", "auto_update", "stateful", "ephemeral", "migration",
	"force", "wait-for-websocket", "interactive", NULL
};
static const char *const fuzz_ints[] = { "width", "height", "timeout", NULL };
static const char *const fuzz_maps[] = { "config", "properties", "environment",
	NULL };

static void
fuzz_fields(json_object *o)
{
	struct err e = { 0 };
	struct strmap m = { 0 };
	struct devmap d = { 0 };
	struct strv v = { 0 };
	const char *s;
	int64_t n;
	bool b, present;
	int i;

	if (codec_check_object(o, "body", &e) < 0)
		return;
	for (i = 0; fuzz_strings[i] != NULL; i++)
		codec_get_string(o, fuzz_strings[i], &s, &e);
	for (i = 0; fuzz_bools[i] != NULL; i++)
		codec_get_bool(o, fuzz_bools[i], &b, &e);
	for (i = 0; fuzz_ints[i] != NULL; i++)
		codec_get_int(o, fuzz_ints[i], &n, &e);
	for (i = 0; fuzz_maps[i] != NULL; i++) {
		codec_get_strmap(o, fuzz_maps[i], &m, &present, &e);
		strmap_free(&m);
	}
	codec_get_devmap(o, "devices", &d, &present, &e);
	devmap_free(&d);
	codec_get_strv(o, "profiles", &v, &present, &e);
	strv_free(&v);
	codec_get_strv(o, "command", &v, &present, &e);
	strv_free(&v);
	codec_get_time(o, "expires_at", &n, &e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = { 0 };
	json_object *o = codec_parse((const char *)data, size, &e);
	char *s = xstrndup((const char *)data, size);
	struct api_filter *f;
	struct exec_control ctl;

	if (o != NULL) {
		struct instance in;
		struct instance_create c;
		struct instance_put put;
		struct state_put sp;
		struct profile p;
		struct image im;
		struct image_alias a;
		struct op_info op;
		struct event ev;
		struct snapshot sn;
		struct exec_req req;
		struct server_info si;
		struct instance_state *st = xcalloc(1, sizeof *st);
		struct strv ext = { 0 };
		json_object *src, *aliases;
		const char *restore;
		bool wait;
		char etag[65], *text;

		DECODED(codec_instance_decode(o, &in, &e),
		    instance_free_contents(&in));
		DECODED(codec_instance_create_decode(o, &c, &e),
		    instance_create_free_contents(&c));
		DECODED(codec_instance_put_decode(o, &put, &restore, &e),
		    codec_instance_put_free(&put));
		codec_state_put_decode(o, &sp, &e);
		DECODED(codec_profile_decode(o, &p, &e),
		    profile_free_contents(&p));
		DECODED(codec_image_decode(o, &im, &e),
		    image_free_contents(&im));
		DECODED(codec_image_alias_decode(o, &a, &e),
		    image_alias_free_contents(&a));
		DECODED(codec_op_decode(o, &op, &e),
		    op_info_free_contents(&op));
		DECODED(codec_event_decode(o, &ev, &e), codec_event_free(&ev));
		DECODED(codec_snapshot_decode(o, &sn, &e),
		    snapshot_free_contents(&sn));
		DECODED(codec_exec_decode(o, &req, &wait, &e),
		    exec_req_free_contents(&req));
		DECODED(codec_server_decode(o, &si, &ext, &e),
		    server_info_free_contents(&si));
		strv_free(&ext);
		if (codec_state_decode(o, st, &e) < 0)
			st->nics = NULL;	/* freed on failure */
		instance_state_free(st);
		fuzz_fields(o);
		if (json_object_is_type(o, json_type_object) &&
		    json_object_object_get_ex(o, "source", &src))
			fuzz_fields(src);
		if (json_object_is_type(o, json_type_object) &&
		    json_object_object_get_ex(o, "aliases", &aliases) &&
		    json_object_is_type(aliases, json_type_array)) {
			size_t k;

			for (k = 0; k < json_object_array_length(aliases); k++)
				fuzz_fields(json_object_array_get_idx(aliases, k));
		}
		text = codec_to_string(o, true);
		free(text);
		codec_etag(o, etag);
		json_object_put(o);
	}
	codec_exec_control_decode((const char *)data, size, &ctl, &e);
	f = api_filter_parse(s, &e);
	if (f != NULL) {
		json_object *x = json_object_new_object();

		json_object_object_add(x, "name", json_object_new_string("a"));
		api_filter_match(f, x);
		json_object_put(x);
		api_filter_free(f);
	}
	free(s);
	return 0;
}
