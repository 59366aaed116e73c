/*
 * test-codec.c - remote/wire/codec*.c and api-filter.c: Go-style JSON, ETags as LXD
 * computes them, typed decoding errors, round trips of the API objects,
 * and the filter language.
 */
#include <stdlib.h>
#include <string.h>

#include "../../remote/server/server.h"
#include "../../remote/client/client-internal.h"
#include "../harness.h"

/* The text of the JSON O (taken) is WANT. */
#define CHECK_JSON(o, want) do {					\
	json_object *cj_ = (o);						\
	char *json = codec_to_string(cj_, true);			\
									\
	CHECK_STR(json, want);						\
	free(json);							\
	json_object_put(cj_);						\
} while (0)

TEST(go_json)
{
	json_object *o = json_object_new_object();
	char *s;

	json_object_object_add(o, "b", json_object_new_string("<a&b>/\"\n\x01"));
	json_object_object_add(o, "a", json_object_new_int(-3));
	json_object_object_add(o, "c", NULL);
	s = codec_to_string(o, true);
	CHECK_STR(s, "{\"a\":-3,\"b\":\"\\u003ca\\u0026b\\u003e/\\\"\\n\\u0001\",\"c\":null}");
	free(s);
	s = codec_to_string(o, false);
	CHECK_STR(s, "{\"b\":\"\\u003ca\\u0026b\\u003e/\\\"\\n\\u0001\",\"a\":-3,\"c\":null}");
	free(s);
	json_object_put(o);
	CHECK_JSON(json_object_new_string("\xe2\x80\xa8 \xff ok \xc3\xa9"),
	    "\"\\u2028 \\ufffd ok \xc3\xa9\"");
}

/* LXD 5.0.2's shapes: locations ["none"] only when managed, a string
 * netmask, null bond/ovn/vlan, and bridge null unless it is one. */
TEST(network_shapes)
{
	struct network nw = { .name = "br0", .description = "", .type = "bridge",
	    .managed = true, .status = "Created" };
	struct network lo = { .name = "lo", .description = "", .type = "loopback",
	    .status = "" };
	struct network_address a = { .family = "inet", .address = "10.1.2.1",
	    .netmask = 24, .scope = "global" };
	struct network_state st = { .state = "up", .type = "broadcast",
	    .hwaddr = "", .mtu = 1500, .addresses = &a, .naddresses = 1 };
	struct network_lease l = { .hostname = "c1", .hwaddr = "00:16:3e:00:00:01",
	    .address = "10.1.2.3", .type = "dynamic", .location = "none" };
	json_object *o;
	char *s;

	strmap_set(&nw.config, "ipv4.address", "10.1.2.1/24");
	strv_push(&nw.used_by, "/1.0/profiles/default");
	CHECK_JSON(codec_network_encode(&nw),
	    "{\"config\":{\"ipv4.address\":\"10.1.2.1/24\"},"
	    "\"description\":\"\",\"locations\":[\"none\"],\"managed\":true,"
	    "\"name\":\"br0\",\"status\":\"Created\",\"type\":\"bridge\","
	    "\"used_by\":[\"/1.0/profiles/default\"]}");
	strmap_free(&nw.config);
	strv_free(&nw.used_by);
	o = codec_network_encode(&lo);
	s = codec_to_string(o, true);
	CHECK(strstr(s, "\"locations\":null,\"managed\":false") != NULL);
	free(s);
	json_object_put(o);
	CHECK_JSON(codec_network_state_encode(&st),
	    "{\"addresses\":[{\"address\":\"10.1.2.1\",\"family\":"
	    "\"inet\",\"netmask\":\"24\",\"scope\":\"global\"}],\"bond\":null,"
	    "\"bridge\":null,\"counters\":{\"bytes_received\":0,\"bytes_sent\":0,"
	    "\"packets_received\":0,\"packets_sent\":0},\"hwaddr\":\"\","
	    "\"mtu\":1500,\"ovn\":null,\"state\":\"up\",\"type\":\"broadcast\","
	    "\"vlan\":null}");
	CHECK_JSON(codec_network_lease_encode(&l),
	    "{\"address\":\"10.1.2.3\",\"hostname\":\"c1\","
	    "\"hwaddr\":\"00:16:3e:00:00:01\",\"location\":\"none\","
	    "\"type\":\"dynamic\"}");
}

TEST(storage_shapes)
{
	struct storage_pool sp = { .name = "default", .description = "",
	    .driver = "dir", .status = "Created" };
	struct storage_resources res = { .space_total = 100, .space_used = 40,
	    .inodes_total = 10, .inodes_used = 4 };
	struct storage_volume v = { .name = "c1/s1", .type = "container",
	    .snapshot = true };

	strmap_set(&sp.config, "source", "/var/lib/lxdeck/containers");
	CHECK_JSON(codec_storage_pool_encode(&sp),
	    "{\"config\":{\"source\":\"/var/lib/lxdeck/containers\"},"
	    "\"description\":\"\",\"driver\":\"dir\",\"locations\":[\"none\"],"
	    "\"name\":\"default\",\"status\":\"Created\",\"used_by\":[]}");
	strmap_free(&sp.config);
	CHECK_JSON(codec_storage_resources_encode(&res),
	    "{\"inodes\":{\"total\":10,\"used\":4},"
	    "\"space\":{\"total\":100,\"used\":40}}");
	CHECK_JSON(codec_storage_snapshot_encode(&v),
	    "{\"config\":{},\"content_type\":\"filesystem\","
	    "\"created_at\":\"0001-01-01T00:00:00Z\",\"description\":\"\","
	    "\"expires_at\":\"0001-01-01T00:00:00Z\",\"name\":\"s1\"}");
}

TEST(etag_profile)
{
	struct profile p = { 0 };
	char etag[65], *s;
	json_object *a = json_object_new_array();

	strmap_set(&p.config, "user.k", "v");
	p.description = "d";
	codec_profile_etag(&p, etag);
	CHECK(strlen(etag) == 64);
	json_object_array_add(a, codec_strmap_encode(&p.config));
	json_object_array_add(a, json_object_new_string("d"));
	json_object_array_add(a, json_object_new_object());
	s = codec_to_string(a, true);
	CHECK_STR(s, "[{\"user.k\":\"v\"},\"d\",{}]");
	free(s);
	json_object_put(a);
	{
		json_object *x = json_object_new_object();
		char e2[65];

		json_object_object_add(x, "a", json_object_new_string("<b>"));
		codec_etag(x, e2);
		/* printf '{"a":"\u003cb\u003e"}\n' | sha256sum */
		CHECK_STR(e2, "49ad03344cb189b00e119ee05e85b345dc1965db12b003c932bdee27e625e61a");
		json_object_put(x);
	}
	strmap_free(&p.config);
}


TEST(parse_errors)
{
	struct err e = { 0 };
	json_object *o;

	CHECK(codec_parse("", 0, &e) == NULL && e.code == 400);
	CHECK(codec_parse("{\"a\":", 5, &e) == NULL && e.code == 400);
	CHECK(codec_parse("{\"a\" 1}", 7, &e) == NULL && e.code == 400);
	o = codec_parse("{\"name\":5}", 10, &e);
	CHECK(o != NULL);
	{
		const char *name = NULL;

		err_clear(&e);
		CHECK(codec_get_string(o, "name", &name, &e) < 0);
		CHECK(e.code == 400 && strstr(e.msg, "\"name\"") != NULL);
	}
	json_object_put(o);
}

TEST(instance_roundtrip)
{
	struct instance in = { 0 }, back;
	struct err e = { 0 };
	json_object *o;
	char e1[65], e2[65];

	in.name = "c1";
	in.architecture = "x86_64";
	in.status = STATUS_RUNNING;
	in.created_ns = 1700000000123456789LL;
	strv_push(&in.profiles, "default");
	strmap_set(&in.config, "user.a", "b");
	{
		struct strmap d = { 0 };

		strmap_set(&d, "type", "disk");
		strmap_set(&d, "path", "/mnt");
		devmap_set(&in.devices, "d1", &d);
		strmap_free(&d);
	}
	o = codec_instance_encode(&in, false);
	CHECK(codec_instance_decode(o, &back, &e) == 0);
	CHECK_STR(back.name, "c1");
	CHECK(back.status == STATUS_RUNNING);
	CHECK(back.created_ns == in.created_ns);
	CHECK(strmap_equal(&back.config, &in.config));
	CHECK(devmap_equal(&back.devices, &in.devices));
	CHECK(strv_equal(&back.profiles, &in.profiles));
	codec_instance_etag(&in, e1);
	codec_instance_etag(&back, e2);
	CHECK_STR(e1, e2);
	CHECK_STR(json_object_get_string(json_object_object_get(o, "status")), "Running");
	instance_free_contents(&back);
	json_object_put(o);
	strv_free(&in.profiles);
	strmap_free(&in.config);
	devmap_free(&in.devices);
}

TEST(instance_create_decode)
{
	const char *body = "{\"name\":\"b\",\"profiles\":null,\"source\":{\"type\":\"image\","
	    "\"fingerprint\":\"abc\"},\"config\":{\"limits.memory\":\"64MiB\"}}";
	struct instance_create c;
	struct err e = { 0 };
	json_object *o = codec_parse(body, strlen(body), &e);

	CHECK(codec_instance_create_decode(o, &c, &e) == 0);
	CHECK(c.source == SOURCE_IMAGE);
	CHECK_STR(c.image, "abc");
	CHECK(!c.has_profiles);
	CHECK_STR(strmap_get(&c.config, "limits.memory"), "64MiB");
	instance_create_free_contents(&c);
	json_object_put(o);
	o = codec_parse("{\"source\":{\"type\":\"migration\"}}", 31, &e);
	CHECK(codec_instance_create_decode(o, &c, &e) < 0 && e.code == 400);
	json_object_put(o);
	o = codec_parse("{\"profiles\":[]}", 15, &e);
	CHECK(codec_instance_create_decode(o, &c, &e) == 0 && c.has_profiles &&
	    c.profiles.n == 0 && c.source == SOURCE_NONE);
	instance_create_free_contents(&c);
	json_object_put(o);
}

/* What lxc sends to launch from another host's image (lxd-api.md 2.4). */
TEST(instance_create_decode_remote_image)
{
	const char *body = "{\"name\":\"c\",\"source\":{\"type\":\"image\","
	    "\"mode\":\"pull\",\"server\":\"https://10.0.0.1:8443\","
	    "\"protocol\":\"lxd\",\"certificate\":\"-----BEGIN CERTIFICATE-----\\nX\","
	    "\"secret\":\"s3\",\"fingerprint\":\"abcd\",\"alias\":\"\"}}";
	struct instance_create c, back;
	struct err e = { 0 };
	json_object *o = codec_parse(body, strlen(body), &e), *enc;

	CHECK(codec_instance_create_decode(o, &c, &e) == 0);
	CHECK_STR(c.image, "abcd");
	CHECK_STR(c.image_server, "https://10.0.0.1:8443");
	CHECK_STR(c.image_protocol, "lxd");
	CHECK_STR(c.image_certificate, "-----BEGIN CERTIFICATE-----\nX");
	CHECK_STR(c.image_secret, "s3");
	/* ... and back, as the REST client sends it. */
	enc = codec_instance_create_encode(&c);
	CHECK(codec_instance_create_decode(enc, &back, &e) == 0);
	CHECK_STR(back.image_certificate, "-----BEGIN CERTIFICATE-----\nX");
	CHECK_STR(back.image_secret, "s3");
	CHECK_STR(back.image_server, "https://10.0.0.1:8443");
	instance_create_free_contents(&back);
	json_object_put(enc);
	instance_create_free_contents(&c);
	json_object_put(o);
	/* Empty certificate and secret (public image, system CAs): none. */
	body = "{\"source\":{\"type\":\"image\",\"server\":\"https://h\","
	    "\"alias\":\"a\",\"certificate\":\"\",\"secret\":\"\"}}";
	o = codec_parse(body, strlen(body), &e);
	CHECK(codec_instance_create_decode(o, &c, &e) == 0);
	CHECK(c.image_certificate == NULL && c.image_secret == NULL);
	CHECK_STR(c.image, "a");
	instance_create_free_contents(&c);
	json_object_put(o);
	o = codec_parse("{\"source\":{\"type\":\"image\",\"alias\":\"a\","
	    "\"secret\":5}}", 50, &e);
	CHECK(codec_instance_create_decode(o, &c, &e) < 0 && e.code == 400);
	json_object_put(o);
}

/*
 * Request bodies: one encoder (the REST client) and one decoder (lxdeckd)
 * per object.  What the client sends is pinned to the byte (insertion
 * order, as client.c prints it); what lxc sends (lxd-api.md 2.9, 2.10,
 * 2.12, 2.13) must decode to the same request.
 */

static json_object *
body_parse(const char *text)
{
	struct err e = { 0 };
	json_object *o = codec_parse(text, strlen(text), &e);

	CHECK(o != NULL);
	return o;
}

/* o (taken) is sent as the text want; what the server parses back. */
static json_object *
body_sent(json_object *o, const char *want)
{
	char *s = codec_to_string(o, false);
	json_object *back;

	json_object_put(o);
	CHECK_STR(s, want);
	back = body_parse(s);
	free(s);
	return back;
}

TEST(profile_bodies)
{
	struct profile p = { .name = "p1", .description = "d" }, back;
	struct profile_put put;
	struct strmap root = { 0 };
	struct err e = { 0 };
	json_object *o;

	strmap_set(&p.config, "user.k", "v");
	strmap_set(&root, "path", "/");
	strmap_set(&root, "type", "disk");
	devmap_set(&p.devices, "root", &root);
	o = body_sent(codec_profile_post_encode(&p),
	    "{\"config\":{\"user.k\":\"v\"},\"description\":\"d\","
	    "\"devices\":{\"root\":{\"path\":\"/\",\"type\":\"disk\"}},\"name\":\"p1\"}");
	CHECK(codec_profile_decode(o, &back, &e) == 0);
	CHECK_STR(back.name, "p1");
	CHECK_STR(back.description, "d");
	CHECK(strmap_equal(&back.config, &p.config));
	CHECK(devmap_equal(&back.devices, &p.devices));
	profile_free_contents(&back);
	json_object_put(o);

	o = body_sent(codec_profile_put_encode(&p),
	    "{\"config\":{\"user.k\":\"v\"},\"description\":\"d\","
	    "\"devices\":{\"root\":{\"path\":\"/\",\"type\":\"disk\"}}}");
	CHECK(codec_profile_put_decode(o, &put, &e) == 0);
	CHECK_STR(put.description, "d");
	CHECK(strmap_equal(&put.config, &p.config));
	CHECK(devmap_equal(&put.devices, &p.devices));
	codec_profile_put_free(&put);
	json_object_put(o);

	/* lxc profile create: null maps are empty ones. */
	o = body_parse("{\"config\":null,\"description\":\"\",\"devices\":null,"
	    "\"name\":\"p2\"}");
	CHECK(codec_profile_decode(o, &back, &e) == 0);
	CHECK_STR(back.name, "p2");
	CHECK(back.config.n == 0 && back.devices.n == 0);
	profile_free_contents(&back);
	json_object_put(o);
	/* A PATCH without description leaves it NULL (kept); a wrong type is
	 * a 400 naming the field. */
	o = body_parse("{\"config\":{\"user.a\":\"\"}}");
	CHECK(codec_profile_put_decode(o, &put, &e) == 0);
	CHECK(put.description == NULL && put.config.n == 1 && put.devices.n == 0);
	codec_profile_put_free(&put);
	json_object_put(o);
	o = body_parse("{\"devices\":{\"d\":5}}");
	CHECK(codec_profile_put_decode(o, &put, &e) < 0);
	CHECK(e.code == 400 && strstr(e.msg, "\"devices\"") != NULL);
	json_object_put(o);

	/* Renames: {"name"}. */
	{
		const char *name = NULL;

		o = body_sent(codec_rename_encode("p9"), "{\"name\":\"p9\"}");
		CHECK(codec_rename_decode(o, &name, &e) == 0);
		CHECK_STR(name, "p9");
		json_object_put(o);
		o = body_parse("{}");
		CHECK(codec_rename_decode(o, &name, &e) == 0 && name == NULL);
		json_object_put(o);
	}
	strmap_free(&root);
	strmap_free(&p.config);
	devmap_free(&p.devices);
}

TEST(snapshot_bodies)
{
	struct snapshot_post p = { "s1", false, 0 }, back;
	struct err e = { 0 };
	const char *name = NULL;
	bool migration = true;
	int64_t expires = 7;
	json_object *o;

	/* lxc snapshot n s1: expires_at null. */
	o = body_sent(codec_snapshot_post_encode(&p),
	    "{\"name\":\"s1\",\"stateful\":false,\"expires_at\":null}");
	CHECK(codec_snapshot_post_decode(o, &back, &e) == 0);
	CHECK_STR(back.name, "s1");
	CHECK(!back.stateful && back.expires_ns == 0);
	json_object_put(o);
	p.stateful = true;
	p.expires_ns = 1700000000123456789LL;
	o = body_sent(codec_snapshot_post_encode(&p),
	    "{\"name\":\"s1\",\"stateful\":true,"
	    "\"expires_at\":\"2023-11-14T22:13:20.123456789Z\"}");
	CHECK(codec_snapshot_post_decode(o, &back, &e) == 0);
	CHECK(back.stateful && back.expires_ns == p.expires_ns);
	json_object_put(o);
	o = body_parse("{\"name\":\"s1\",\"expires_at\":\"yesterday\"}");
	CHECK(codec_snapshot_post_decode(o, &back, &e) < 0 && e.code == 400);
	json_object_put(o);

	/* lxc rename n/s1 n/s9 */
	o = body_parse("{\"name\":\"s9\",\"migration\":false,\"target\":null}");
	CHECK(codec_snapshot_rename_decode(o, &name, &migration, &e) == 0);
	CHECK_STR(name, "s9");
	CHECK(!migration);
	json_object_put(o);
	o = codec_rename_encode("s9");
	CHECK(codec_snapshot_rename_decode(o, &name, &migration, &e) == 0);
	CHECK_STR(name, "s9");
	CHECK(!migration);
	json_object_put(o);
	o = body_parse("{\"name\":\"s9\",\"migration\":true}");
	CHECK(codec_snapshot_rename_decode(o, &name, &migration, &e) == 0 && migration);
	json_object_put(o);

	/* PUT: expires_at; absent keeps what the caller had. */
	o = body_sent(codec_snapshot_put_encode(p.expires_ns),
	    "{\"expires_at\":\"2023-11-14T22:13:20.123456789Z\"}");
	CHECK(codec_snapshot_put_decode(o, &expires, &e) == 0);
	CHECK(expires == p.expires_ns);
	json_object_put(o);
	o = body_parse("{}");
	CHECK(codec_snapshot_put_decode(o, &expires, &e) == 0 && expires == p.expires_ns);
	json_object_put(o);

	/* Restore: the client's short body and lxc's full InstancePut. */
	{
		struct instance_put put;
		const char *restore = NULL;

		o = body_sent(codec_snapshot_restore_encode("n", "s1", false),
		    "{\"restore\":\"n/s1\",\"stateful\":false}");
		CHECK(codec_instance_put_decode(o, &put, &restore, &e) == 0);
		CHECK_STR(restore, "n/s1");
		codec_instance_put_free(&put);
		json_object_put(o);
		o = body_parse("{\"architecture\":\"\",\"config\":null,\"devices\":null,"
		    "\"ephemeral\":false,\"profiles\":null,\"restore\":\"n/s1\","
		    "\"stateful\":false,\"description\":\"\"}");
		restore = NULL;
		CHECK(codec_instance_put_decode(o, &put, &restore, &e) == 0);
		CHECK_STR(restore, "n/s1");
		codec_instance_put_free(&put);
		json_object_put(o);
	}
}

TEST(image_bodies)
{
	struct image im = { .public = true, .auto_update = false }, back = { 0 };
	struct strmap props = { 0 };
	struct image_publish pub = { "snapshot", "c1/s0", NULL, false, { 0 } }, pback;
	struct image_pull pull;
	struct image_alias a;
	struct err e = { 0 };
	const char *mode = NULL, *target = NULL, *desc = NULL;
	json_object *o;

	/* PUT /1.0/images/FP */
	strmap_set(&im.properties, "description", "d");
	o = body_sent(codec_image_put_encode(&im),
	    "{\"public\":true,\"auto_update\":false,"
	    "\"properties\":{\"description\":\"d\"}}");
	back.auto_update = true;
	CHECK(codec_image_put_decode(o, &back, &props, &e) == 0);
	CHECK(back.public && !back.auto_update);
	CHECK(strmap_equal(&props, &im.properties));
	CHECK(back.profiles.n == 0);
	json_object_put(o);
	/* lxc image edit sends expires_at and profiles too; absent fields
	 * keep what the caller put there. */
	o = body_parse("{\"auto_update\":true,\"expires_at\":\"2023-11-14T22:13:20Z\","
	    "\"profiles\":[\"default\",\"p2\"]}");
	CHECK(codec_image_put_decode(o, &back, &props, &e) == 0);
	CHECK(back.public && back.auto_update);
	CHECK(back.expires_ns == 1700000000000000000LL);
	CHECK(back.profiles.n == 2 && strcmp(back.profiles.v[1], "p2") == 0);
	json_object_put(o);
	image_free_contents(&back);
	strmap_free(&props);

	/* POST /1.0/images: a publish, from the client and from lxc. */
	o = body_sent(codec_image_publish_encode(&pub),
	    "{\"source\":{\"type\":\"snapshot\",\"name\":\"c1/s0\"},"
	    "\"public\":false,\"properties\":{}}");
	CHECK(codec_image_publish_decode(o, &pback, &e) == 0);
	CHECK_STR(pback.type, "snapshot");
	CHECK_STR(pback.name, "c1/s0");
	CHECK(pback.compression == NULL && !pback.public && pback.properties.n == 0);
	CHECK(strcmp(codec_image_source_type(o), "snapshot") == 0);
	strmap_free(&pback.properties);
	json_object_put(o);
	pub.type = "instance";
	pub.name = "spec-r";
	pub.compression = "xz";
	pub.public = true;
	strmap_set(&pub.properties, "description", "specimg");
	json_object_put(body_sent(codec_image_publish_encode(&pub),
	    "{\"source\":{\"type\":\"instance\",\"name\":\"spec-r\"},"
	    "\"public\":true,\"properties\":{\"description\":\"specimg\"},"
	    "\"compression_algorithm\":\"xz\"}"));
	strmap_free(&pub.properties);
	o = body_parse("{\"auto_update\":false,\"properties\":{\"description\":"
	    "\"specimg\"},\"public\":false,\"expires_at\":\"0001-01-01T00:00:00Z\","
	    "\"profiles\":null,\"filename\":\"\",\"source\":{\"type\":\"instance\","
	    "\"name\":\"spec-r\"},\"compression_algorithm\":\"\",\"aliases\":null}");
	CHECK(codec_image_publish_decode(o, &pback, &e) == 0);
	CHECK_STR(pback.type, "instance");
	CHECK_STR(pback.name, "spec-r");
	CHECK_STR(pback.compression, "");
	CHECK_STR(strmap_get(&pback.properties, "description"), "specimg");
	strmap_free(&pback.properties);
	json_object_put(o);
	o = body_parse("{\"public\":true}");
	CHECK(codec_image_source_type(o) == NULL);
	CHECK(codec_image_publish_decode(o, &pback, &e) < 0 && e.code == 400);
	CHECK_STR(e.msg, "Missing image source");
	json_object_put(o);

	/* A pull, as lxc image copy sends it. */
	o = body_parse("{\"source\":{\"type\":\"image\",\"mode\":\"pull\","
	    "\"server\":\"https://10.0.0.1:8443\",\"protocol\":\"lxd\","
	    "\"certificate\":\"\",\"secret\":\"s3\",\"fingerprint\":\"\","
	    "\"alias\":\"bb\"},\"public\":true,\"auto_update\":true,"
	    "\"properties\":{\"k\":\"v\"},\"aliases\":[{\"name\":\"x\","
	    "\"description\":\"\"}]}");
	CHECK(strcmp(codec_image_source_type(o), "image") == 0);
	CHECK(codec_image_pull_decode(o, &pull, &mode, &e) == 0);
	CHECK_STR(mode, "pull");
	CHECK_STR(pull.remote.server, "https://10.0.0.1:8443");
	CHECK_STR(pull.remote.protocol, "lxd");
	CHECK_STR(pull.remote.secret, "s3");
	CHECK_STR(pull.ref, "bb");
	CHECK(pull.public && pull.auto_update);
	CHECK_STR(strmap_get(&pull.properties, "k"), "v");
	CHECK(pull.aliases.n == 1 && strcmp(pull.aliases.v[0], "x") == 0);
	image_pull_free_contents(&pull);
	json_object_put(o);
	o = body_parse("{\"source\":{\"type\":\"image\",\"fingerprint\":\"f0b6\","
	    "\"alias\":\"bb\"},\"aliases\":[{\"name\":\"\"}]}");
	CHECK(codec_image_pull_decode(o, &pull, &mode, &e) < 0 && e.code == 400);
	json_object_put(o);

	/* Aliases: create (lxc's and the client's), PUT. */
	o = body_sent(codec_image_alias_post_encode("A", "f0b637874aa9", "d"),
	    "{\"name\":\"A\",\"target\":\"f0b637874aa9\",\"description\":\"d\","
	    "\"type\":\"\"}");
	CHECK(codec_image_alias_decode(o, &a, &e) == 0);
	CHECK_STR(a.name, "A");
	CHECK_STR(a.target, "f0b637874aa9");
	CHECK_STR(a.description, "d");
	image_alias_free_contents(&a);
	json_object_put(o);
	o = body_parse("{\"description\":\"\",\"target\":\"f0b6\",\"name\":\"A\","
	    "\"type\":\"\"}");
	CHECK(codec_image_alias_decode(o, &a, &e) == 0);
	CHECK_STR(a.name, "A");
	CHECK_STR(a.target, "f0b6");
	image_alias_free_contents(&a);
	json_object_put(o);
	o = body_parse("{\"target\":\"f0b6\"}");
	CHECK(codec_image_alias_put_decode(o, &target, &desc, &e) == 0);
	CHECK_STR(target, "f0b6");
	CHECK(desc == NULL);
	json_object_put(o);
	strmap_free(&im.properties);
}

TEST(op_roundtrip)
{
	struct op_info op = { 0 }, back;
	struct err e = { 0 };
	json_object *o, *extra = json_object_new_object();

	op.id = "u1";
	op.description = "Executing command";
	op.cls = OP_CLASS_WEBSOCKET;
	op.status = STATUS_SUCCESS;
	op.has_return = true;
	op.ret = 3;
	op.err = "";
	strmap_set(&op.resources, "instances", "/1.0/instances/a,/1.0/instances/b");
	json_object_object_add(extra, "fds", json_object_new_object());
	o = codec_op_encode(&op, extra);
	CHECK(codec_op_decode(o, &back, &e) == 0);
	CHECK(back.has_return && back.ret == 3);
	CHECK(back.cls == OP_CLASS_WEBSOCKET);
	CHECK_STR(strmap_get(&back.resources, "instances"),
	    "/1.0/instances/a,/1.0/instances/b");
	CHECK(json_object_is_type(json_object_object_get(json_object_object_get(o,
	    "metadata"), "fds"), json_type_object));
	op_info_free_contents(&back);
	json_object_put(o);
	json_object_put(extra);
	strmap_free(&op.resources);
}

TEST(exec_control)
{
	struct exec_control c;
	struct err e = { 0 };
	const char *rs = "{\"command\":\"window-resize\",\"args\":{\"height\":\"24\","
	    "\"width\":\"80\"},\"signal\":0}";
	const char *sg = "{\"command\":\"signal\",\"args\":null,\"signal\":10}";

	CHECK(codec_exec_control_decode(rs, strlen(rs), &c, &e) == 0);
	CHECK(c.width == 80 && c.height == 24);
	CHECK(codec_exec_control_decode(sg, strlen(sg), &c, &e) == 0);
	CHECK(c.signal == 10);
	CHECK(codec_exec_control_decode("{\"command\":\"signal\",\"signal\":999}", 33,
	    &c, &e) < 0);
}

TEST(filter)
{
	struct err e = { 0 };
	json_object *o = json_object_new_object(), *cfg = json_object_new_object();
	struct api_filter *f;
	static const struct {
		const char	*expr;
		bool		 want;
	} matches[] = {
		{ "status eq running", true },
		{ "status eq running and not name eq web1", false },
		{ "name eq nope or config.image.os eq busybox", true },
		{ "name ne \"web1\"", false },
		{ "", true },
	};
	size_t i;

	json_object_object_add(o, "name", json_object_new_string("web1"));
	json_object_object_add(o, "status", json_object_new_string("Running"));
	json_object_object_add(cfg, "image.os", json_object_new_string("busybox"));
	json_object_object_add(o, "config", cfg);

	for (i = 0; i < sizeof matches / sizeof matches[0]; i++) {
		f = api_filter_parse(matches[i].expr, &e);
		CHECKF(f != NULL && !!api_filter_match(f, o) == matches[i].want,
		    "\"%s\" %s", matches[i].expr,
		    matches[i].want ? "matches" : "does not match");
		api_filter_free(f);
	}
	CHECK(api_filter_parse("status gt 1", &e) == NULL && e.code == 400);
	CHECK(api_filter_parse("status eq", &e) == NULL);
	CHECK(api_filter_parse("status eq a and", &e) == NULL);
	CHECK(api_filter_parse("name eq \"unterminated", &e) == NULL);
	CHECK(api_filter_parse("and", &e) == NULL);
	json_object_put(o);
}

int
main(void)
{
	RUN(go_json);
	RUN(network_shapes);
	RUN(storage_shapes);
	RUN(etag_profile);
	RUN(parse_errors);
	RUN(instance_roundtrip);
	RUN(instance_create_decode);
	RUN(instance_create_decode_remote_image);
	RUN(profile_bodies);
	RUN(snapshot_bodies);
	RUN(image_bodies);
	RUN(op_roundtrip);
	RUN(exec_control);
	RUN(filter);
	return harness_done();
}
