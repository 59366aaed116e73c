/*
 * test-http.c - remote/http.c and route.c: request heads, content-length
 * and chunked bodies fed in pieces, limits and malformed input, query
 * strings, multipart splitting, and routing.
 */
#include <stdlib.h>
#include <string.h>

#include "../../remote/server/server.h"
#include "../../remote/client/client-internal.h"
#include "../harness.h"

static void
collect(void *arg, const char *d, size_t n)
{
	buf_append(arg, d, n);
}

/* Feeds s in pieces of step bytes; body goes to out. */
static enum http_parse_state
feed(struct http_parser *p, const char *s, size_t step, struct buf *out)
{
	size_t len = strlen(s), off = 0;

	while (off < len && p->state != HTTP_PARSE_ERROR && p->state != HTTP_PARSE_DONE) {
		size_t n = len - off < step ? len - off : step;
		size_t used = http_parser_feed(p, s + off, n, collect, out);

		off += used;
		if (p->state == HTTP_PARSE_HEAD_DONE)
			http_parser_body(p);
		else if (used == 0)
			break;
	}
	return p->state;
}

TEST(head_and_length_body)
{
	size_t step;

	for (step = 1; step <= 64; step *= 4) {
		struct http_parser p;
		struct buf body = { 0 };

		http_parser_init(&p);
		CHECK(feed(&p, "PUT /1.0/instances/a%2Fb?recursion=1&filter=status+eq+x "
		    "HTTP/1.1\r\nHost: unix.socket\r\nContent-Length: 5\r\n"
		    "X-LXD-Mode: 0644\r\n\r\nhello", step, &body) == HTTP_PARSE_DONE);
		CHECK(p.req.method == HTTP_PUT);
		CHECK_STR(p.req.raw_path, "/1.0/instances/a%2Fb");
		CHECK_STR(strmap_get(&p.req.query, "filter"), "status eq x");
		CHECK_STR(http_header(&p.req, "x-lxd-mode"), "0644");
		CHECK_STR(body.data, "hello");
		buf_free(&body);
		http_parser_free(&p);
	}
}

TEST(chunked_body)
{
	struct http_parser p;
	struct buf body = { 0 };

	http_parser_init(&p);
	CHECK(feed(&p, "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\r\na;ext=1\r\n, chunked!\r\n0\r\nTrailer: x\r\n\r\n", 3,
	    &body) == HTTP_PARSE_DONE);
	CHECK_STR(body.data, "hello, chunked!");
	buf_free(&body);
	http_parser_free(&p);
}

TEST(bad_input)
{
	static const char *bad[] = {
		"GARBAGE\r\n\r\n",
		"GET x HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
		"PUT / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"PUT / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct http_parser p;
		struct buf body = { 0 };

		http_parser_init(&p);
		CHECK(feed(&p, bad[i], 7, &body) == HTTP_PARSE_ERROR);
		CHECK(p.error_code >= 400);
		buf_free(&body);
		http_parser_free(&p);
	}
}

TEST(head_limit)
{
	struct http_parser p;
	char *big = xmalloc(HTTP_MAX_HEAD + 100);

	memset(big, 'a', HTTP_MAX_HEAD + 99);
	big[HTTP_MAX_HEAD + 99] = '\0';
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	http_parser_init(&p);
	http_parser_feed(&p, big, strlen(big), NULL, NULL);
	CHECK(p.state == HTTP_PARSE_ERROR && p.error_code == 431);
	http_parser_free(&p);
	free(big);
}

TEST(websocket_upgrade)
{
	struct http_parser p;

	http_parser_init(&p);
	http_parser_feed(&p, "GET /1.0/events HTTP/1.1\r\nUpgrade: websocket\r\n"
	    "Connection: keep-alive, Upgrade\r\n\r\n", 82, NULL, NULL);
	CHECK(p.state == HTTP_PARSE_HEAD_DONE && p.req.upgrade);
	http_parser_free(&p);
}

TEST(urldecode_and_query)
{
	struct strmap q = { 0 };
	char *s;

	s = http_urldecode("root%2Fdir+x", 12, false);
	CHECK_STR(s, "root/dir+x");
	free(s);
	CHECK(http_urldecode("%4", 2, false) == NULL);
	CHECK(http_urldecode("%zz", 3, false) == NULL);
	http_parse_query(&q, "a=1&b=x+y&a=2&&=z&c");
	CHECK_STR(strmap_get(&q, "a"), "2");
	CHECK_STR(strmap_get(&q, "b"), "x y");
	CHECK_STR(strmap_get(&q, "c"), "");
	strmap_free(&q);
}

TEST(multipart)
{
	const char *body = "--XyZ\r\nContent-Disposition: form-data; name=\"metadata\"; "
	    "filename=\"meta.tar\"\r\n\r\nMETA\r\n--XyZ\r\nContent-Disposition: form-data; "
	    "name=\"rootfs\"; filename=\"root.tar\"\r\nContent-Type: x\r\n\r\nROOT\r\n"
	    "\r\n--XyZ--\r\n";
	struct http_part parts[4];
	char *b = http_multipart_boundary("multipart/form-data; boundary=XyZ");
	int n, i;

	CHECK_STR(b, "XyZ");
	n = http_multipart_split(body, strlen(body), b, parts, 4);
	CHECK(n == 2);
	if (n == 2) {
		CHECK_STR(parts[0].name, "metadata");
		CHECK_STR(parts[0].filename, "meta.tar");
		CHECK(parts[0].end - parts[0].start == 4 &&
		    memcmp(body + parts[0].start, "META", 4) == 0);
		CHECK_STR(parts[1].name, "rootfs");
		CHECK(parts[1].end - parts[1].start == 6);
	}
	for (i = 0; i < n; i++)
		http_part_free(&parts[i]);
	CHECK(http_multipart_split("--XyZ\r\nno end", 14, b, parts, 4) < 0);
	free(b);
	CHECK(http_multipart_boundary("application/json") == NULL);
}

TEST(routes)
{
	char *p[ROUTE_MAX_PARAMS];
	const struct route *r;
	int i;

	r = route_find("/1.0/instances/c1/snapshots/s%2F1", p);
	CHECK(r != NULL && route_handler(r, HTTP_DELETE) == api_snapshots_delete);
	CHECK_STR(p[0], "c1");
	CHECK_STR(p[1], "s/1");
	for (i = 0; i < ROUTE_MAX_PARAMS; i++)
		free(p[i]);
	r = route_find("/1.0/containers/c1", p);
	CHECK(r != NULL && route_handler(r, HTTP_GET) == api_instances_get);
	for (i = 0; i < ROUTE_MAX_PARAMS; i++)
		free(p[i]);
	r = route_find("/1.0/images/aliases/x", p);
	CHECK(r != NULL && route_handler(r, HTTP_GET) == api_images_aliases_get);
	for (i = 0; i < ROUTE_MAX_PARAMS; i++)
		free(p[i]);
	CHECK(route_find("/1.0/instances/a%00b", p) == NULL);
	CHECK(route_find("/1.0//instances", p) == NULL);
	CHECK(route_find("/2.0", p) == NULL);
	CHECK(route_find("1.0", p) == NULL);
	r = route_find("/1.0/", p);
	CHECK(r != NULL && route_handler(r, HTTP_PUT) == api_server_put);
	CHECK(route_handler(r, HTTP_POST) == NULL);
}

int
main(void)
{
	RUN(head_and_length_body);
	RUN(chunked_body);
	RUN(bad_input);
	RUN(head_limit);
	RUN(websocket_upgrade);
	RUN(urldecode_and_query);
	RUN(multipart);
	RUN(routes);
	return harness_done();
}
