/*
 * fuzz-codec.c - JSON request bodies through every decoder, the Go-style
 * encoder and ETag, the exec control decoder and the filter language.
 * libFuzzer entry point; see run-fuzz for plain corpus replay with gcc.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../remote/remote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
		struct strv ext = { 0 };
		const char *restore;
		bool wait;
		char etag[65], *text;

		if (codec_instance_decode(o, &in, &e) == 0)
			instance_free_contents(&in);
		if (codec_instance_create_decode(o, &c, &e) == 0)
			instance_create_free_contents(&c);
		if (codec_instance_put_decode(o, &put, &restore, &e) == 0)
			codec_instance_put_free(&put);
		codec_state_put_decode(o, &sp, &e);
		if (codec_profile_decode(o, &p, &e) == 0)
			profile_free_contents(&p);
		if (codec_image_decode(o, &im, &e) == 0)
			image_free_contents(&im);
		if (codec_image_alias_decode(o, &a, &e) == 0)
			image_alias_free_contents(&a);
		if (codec_op_decode(o, &op, &e) == 0)
			op_info_free_contents(&op);
		if (codec_event_decode(o, &ev, &e) == 0)
			codec_event_free(&ev);
		if (codec_snapshot_decode(o, &sn, &e) == 0)
			snapshot_free_contents(&sn);
		if (codec_exec_decode(o, &req, &wait, &e) == 0)
			exec_req_free_contents(&req);
		if (codec_server_decode(o, &si, &ext, &e) == 0)
			server_info_free_contents(&si);
		strv_free(&ext);
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
