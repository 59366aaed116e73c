/*
 * fuzz-http.c - the HTTP request parser (fed in random-sized pieces),
 * query strings, multipart splitting and the router.
 * libFuzzer entry point; see run-fuzz for plain corpus replay with gcc.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../remote/server/server.h"
#include "../../remote/client/client-internal.h"

static void
sink(void *arg, const char *d, size_t n)
{
	*(size_t *)arg += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_parser p;
	struct http_part parts[4];
	size_t off = 0, total = 0, step = size ? (data[0] % 13) + 1 : 1;
	char *s = xstrndup((const char *)data, size);
	int n, i;

	http_parser_init(&p);
	while (off < size && p.state != HTTP_PARSE_ERROR && p.state != HTTP_PARSE_DONE) {
		size_t len = size - off < step ? size - off : step;
		size_t used = http_parser_feed(&p, (const char *)data + off, len, sink, &total);

		off += used;
		if (p.state == HTTP_PARSE_HEAD_DONE) {
			char *params[ROUTE_MAX_PARAMS];

			if (route_find(p.req.raw_path, params) != NULL)
				for (i = 0; i < ROUTE_MAX_PARAMS; i++)
					free(params[i]);
			http_parser_body(&p);
		} else if (used == 0) {
			break;
		}
	}
	http_parser_free(&p);
	{
		struct strmap q = { 0 };

		http_parse_query(&q, s);
		strmap_free(&q);
	}
	n = http_multipart_split((const char *)data, size, "XyZ", parts, 4);
	for (i = 0; i < n; i++)
		http_part_free(&parts[i]);
	free(http_multipart_boundary(s));
	free(s);
	return 0;
}
