/*
 * http.c - HTTP/1.1 requests as LXD's clients send them.
 *
 * The parser is incremental and knows nothing about sockets: the server
 * feeds it what it reads.  It keeps the raw head (a websocket upgrade is
 * handed to libwebsockets with those bytes), stops once the head is parsed
 * so the server can choose where the body goes (memory, a spool file, or
 * nowhere), then hands body bytes to a callback, decoding chunked transfer
 * encoding (`lxc file push` and `lxc image import` always send chunked
 * bodies).  Everything it reads is outside input: every length is bounded
 * and a bad byte gives an error code, never a crash.
 *
 * Also here: query strings, percent-decoding and splitting the
 * multipart/form-data bodies of split image uploads.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wire.h"

#define HTTP_MAX_LINE	4096

void
http_parser_init(struct http_parser *p)
{
	memset(p, 0, sizeof *p);
	p->state = HTTP_PARSE_HEAD;
	p->req.content_length = -1;
}

void
http_parser_free(struct http_parser *p)
{
	if (p == NULL)
		return;
	buf_free(&p->head);
	buf_free(&p->line);
	free(p->req.method_name);
	free(p->req.target);
	free(p->req.raw_path);
	strmap_free(&p->req.query);
	strmap_free(&p->req.headers);
	memset(p, 0, sizeof *p);
	p->state = HTTP_PARSE_ERROR;
}

static void
http_fail(struct http_parser *p, int code, const char *msg)
{
	p->state = HTTP_PARSE_ERROR;
	p->error_code = code;
	snprintf(p->error, sizeof p->error, "%s", msg);
}

static enum http_method
http_method_parse(const char *m)
{
	static const struct { const char *name; enum http_method m; } t[] = {
		{ "GET", HTTP_GET }, { "HEAD", HTTP_HEAD }, { "POST", HTTP_POST },
		{ "PUT", HTTP_PUT }, { "PATCH", HTTP_PATCH },
		{ "DELETE", HTTP_DELETE }, { "OPTIONS", HTTP_OPTIONS },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		if (strcmp(m, t[i].name) == 0)
			return t[i].m;
	return HTTP_OTHER;
}

static bool
http_token_has(const char *list, const char *token)
{
	const char *p = list;
	size_t tl = strlen(token);

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (strncasecmp(p, token, tl) == 0 &&
		    (p[tl] == '\0' || p[tl] == ',' || p[tl] == ' ' || p[tl] == '\t'))
			return true;
		p = strchr(p, ',');
	}
	return false;
}

/* Parses the complete head in p->head (which ends with an empty line). */
static void
http_parse_head(struct http_parser *p)
{
	struct http_request *r = &p->req;
	char *s = p->head.data, *line, *next, *sp1, *sp2, *q;
	const char *v;
	bool first = true;

	for (line = s; *line != '\0'; line = next) {
		char *eol = strchr(line, '\n');

		if (eol == NULL)
			break;
		next = eol + 1;
		if (eol > line && eol[-1] == '\r')
			eol--;
		*eol = '\0';
		if (first) {
			first = false;
			sp1 = strchr(line, ' ');
			sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
			if (sp1 == NULL || sp2 == NULL || sp1 == line ||
			    strncmp(sp2 + 1, "HTTP/1.", 7) != 0 || sp2 == sp1 + 1)
				return http_fail(p, 400, "Malformed request line");
			*sp1 = '\0';
			*sp2 = '\0';
			r->method_name = xstrdup(line);
			r->method = http_method_parse(line);
			r->target = xstrdup(sp1 + 1);
			if (r->target[0] != '/')
				return http_fail(p, 400, "Malformed request target");
			q = strchr(r->target, '?');
			r->raw_path = q ? xstrndup(r->target, (size_t)(q - r->target))
			    : xstrdup(r->target);
			if (q != NULL)
				http_parse_query(&r->query, q + 1);
			continue;
		}
		if (*line == '\0')
			break;
		{
			char *colon = strchr(line, ':'), *name, *val, *c;
			const char *old;

			if (colon == NULL || colon == line)
				return http_fail(p, 400, "Malformed header line");
			*colon = '\0';
			for (c = line; *c != '\0'; c++) {
				if (*c == ' ' || *c == '\t')
					return http_fail(p, 400, "Malformed header name");
				*c = (char)tolower((unsigned char)*c);
			}
			name = line;
			val = colon + 1;
			while (*val == ' ' || *val == '\t')
				val++;
			c = val + strlen(val);
			while (c > val && (c[-1] == ' ' || c[-1] == '\t'))
				*--c = '\0';
			old = strmap_get(&r->headers, name);
			if (old != NULL) {
				char *joined = xasprintf("%s, %s", old, val);

				strmap_set(&r->headers, name, joined);
				free(joined);
			} else {
				strmap_set(&r->headers, name, val);
			}
		}
	}
	if (r->method_name == NULL)
		return http_fail(p, 400, "Malformed request line");

	v = strmap_get(&r->headers, "transfer-encoding");
	if (v != NULL) {
		if (!http_token_has(v, "chunked"))
			return http_fail(p, 501, "Unsupported transfer encoding");
		r->chunked = true;
	}
	v = strmap_get(&r->headers, "content-length");
	if (v != NULL && !r->chunked) {
		char *end;
		long long n;

		errno = 0;
		if (!isdigit((unsigned char)*v))
			return http_fail(p, 400, "Malformed Content-Length");
		n = strtoll(v, &end, 10);
		if (errno != 0 || *end != '\0' || n < 0)
			return http_fail(p, 400, "Malformed Content-Length");
		r->content_length = n;
	}
	v = strmap_get(&r->headers, "upgrade");
	if (v != NULL && strcasecmp(v, "websocket") == 0 &&
	    http_token_has(strmap_get(&r->headers, "connection"), "upgrade"))
		r->upgrade = true;
	p->state = HTTP_PARSE_HEAD_DONE;
}

void
http_parser_body(struct http_parser *p)
{
	if (p->state != HTTP_PARSE_HEAD_DONE)
		return;
	if (p->req.chunked) {
		p->state = HTTP_PARSE_CHUNK_SIZE;
	} else if (p->req.content_length > 0) {
		p->remaining = p->req.content_length;
		p->state = HTTP_PARSE_BODY;
	} else {
		p->state = HTTP_PARSE_DONE;
	}
}

/* Collects one line (without CRLF) into p->line; true once complete. */
static bool
http_take_line(struct http_parser *p, const char **data, size_t *len)
{
	const char *nl = memchr(*data, '\n', *len);
	size_t n = nl ? (size_t)(nl - *data) : *len;

	if (p->line.len + n > HTTP_MAX_LINE) {
		http_fail(p, 400, "Malformed chunked encoding");
		return false;
	}
	buf_append(&p->line, *data, n);
	*data += nl ? n + 1 : n;
	*len -= nl ? n + 1 : n;
	if (nl == NULL)
		return false;
	if (p->line.len > 0 && p->line.data[p->line.len - 1] == '\r')
		p->line.data[--p->line.len] = '\0';
	return true;
}

/* HEAD: collects the head up to its blank line, then parses it (a copy:
 * head keeps the raw bytes).  Returns the bytes used. */
static size_t
http_feed_head(struct http_parser *p, const char *data, size_t len)
{
	size_t old = p->head.len, from, i, take = len;

	if (take > HTTP_MAX_HEAD + 4 - old)
		take = HTTP_MAX_HEAD + 4 - old;
	buf_append(&p->head, data, take);
	from = old > 3 ? old - 3 : 0;
	for (i = from; i < p->head.len; i++) {
		struct buf raw = { 0 };

		if (p->head.data[i] != '\n')
			continue;
		if (!((i >= 1 && p->head.data[i - 1] == '\n') ||
		    (i >= 2 && p->head.data[i - 1] == '\r' && p->head.data[i - 2] == '\n')))
			continue;
		p->head.len = i + 1;
		p->head.data[p->head.len] = '\0';
		buf_append(&raw, p->head.data, p->head.len);
		http_parse_head(p);
		buf_free(&p->head);
		p->head = raw;
		return i + 1 - old;
	}
	if (p->head.len > HTTP_MAX_HEAD) {
		http_fail(p, 431, "Request header too large");
		return 0;
	}
	return take;
}

/* BODY, CHUNK_DATA: hands what is left of the body (or chunk) to cb. */
static size_t
http_feed_body(struct http_parser *p, const char *data, size_t len, http_body_cb cb,
    void *arg)
{
	size_t n = len;

	if ((int64_t)n > p->remaining)
		n = (size_t)p->remaining;
	if (cb != NULL && n > 0)
		cb(arg, data, n);
	p->body_len += (int64_t)n;
	p->remaining -= (int64_t)n;
	if (p->remaining == 0)
		p->state = p->state == HTTP_PARSE_BODY ?
		    HTTP_PARSE_DONE : HTTP_PARSE_CHUNK_DATA_END;
	return n;
}

/* A complete chunk-size line in p->line: hex size, then an extension. */
static void
http_chunk_size(struct http_parser *p)
{
	int64_t size = 0;
	const char *c;

	if (p->line.len == 0) {
		http_fail(p, 400, "Malformed chunked encoding");
		return;
	}
	for (c = p->line.data; isxdigit((unsigned char)*c); c++) {
		int d = isdigit((unsigned char)*c) ? *c - '0' :
		    tolower((unsigned char)*c) - 'a' + 10;

		if (size > (INT64_MAX >> 4)) {
			http_fail(p, 413, "Chunk too large");
			return;
		}
		size = size * 16 + d;
	}
	if (c == p->line.data || (*c != '\0' && *c != ';' && *c != ' ' && *c != '\t')) {
		http_fail(p, 400, "Malformed chunked encoding");
		return;
	}
	buf_free(&p->line);
	if (size == 0) {
		p->state = HTTP_PARSE_TRAILER;
	} else {
		p->remaining = size;
		p->state = HTTP_PARSE_CHUNK_DATA;
	}
}

/* CHUNK_SIZE, CHUNK_DATA_END, TRAILER: the chunked encoding's lines. */
static size_t
http_feed_line(struct http_parser *p, const char *data, size_t len)
{
	const char *d = data;
	size_t left = len;

	if (!http_take_line(p, &d, &left))
		return len - left;
	switch (p->state) {
	case HTTP_PARSE_CHUNK_SIZE:
		http_chunk_size(p);
		break;
	case HTTP_PARSE_CHUNK_DATA_END:
		if (p->line.len != 0) {
			http_fail(p, 400, "Malformed chunked encoding");
			break;
		}
		buf_free(&p->line);
		p->state = HTTP_PARSE_CHUNK_SIZE;
		break;
	default:	/* TRAILER: skipped up to the blank line */
		if (p->line.len == 0)
			p->state = HTTP_PARSE_DONE;
		buf_free(&p->line);
		break;
	}
	return len - left;
}

size_t
http_parser_feed(struct http_parser *p, const char *data, size_t len,
    http_body_cb cb, void *arg)
{
	size_t used = 0, n;

	while (used < len) {
		switch (p->state) {
		case HTTP_PARSE_HEAD:
			n = http_feed_head(p, data + used, len - used);
			break;
		case HTTP_PARSE_BODY:
		case HTTP_PARSE_CHUNK_DATA:
			n = http_feed_body(p, data + used, len - used, cb, arg);
			break;
		case HTTP_PARSE_CHUNK_SIZE:
		case HTTP_PARSE_CHUNK_DATA_END:
		case HTTP_PARSE_TRAILER:
			n = http_feed_line(p, data + used, len - used);
			break;
		default:	/* HEAD_DONE, DONE, ERROR: the caller's turn */
			return used;
		}
		used += n;
		/* The head stops here, whole or refused: the caller looks. */
		if (p->state == HTTP_PARSE_HEAD_DONE || p->state == HTTP_PARSE_ERROR)
			return used;
	}
	return used;
}

const char *
http_header(const struct http_request *r, const char *lname)
{
	return strmap_get(&r->headers, lname);
}

static int
http_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
http_urldecode(const char *s, size_t len, bool plus)
{
	char *out = xmalloc(len + 1), *o = out;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= len) {
				free(out);
				return NULL;
			}
			hi = http_hexval(s[i + 1]);
			lo = http_hexval(s[i + 2]);
			if (hi < 0 || lo < 0) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else if (plus && s[i] == '+') {
			*o++ = ' ';
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

void
http_parse_query(struct strmap *m, const char *q)
{
	const char *p = q, *amp, *eq;

	while (p != NULL && *p != '\0') {
		char *k, *v;

		amp = strchr(p, '&');
		if (amp == NULL)
			amp = p + strlen(p);
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL)
			eq = amp;
		k = http_urldecode(p, (size_t)(eq - p), true);
		v = eq < amp ? http_urldecode(eq + 1, (size_t)(amp - eq - 1), true)
		    : xstrdup("");
		if (k != NULL && v != NULL && *k != '\0')
			strmap_set(m, k, v);
		free(k);
		free(v);
		p = *amp ? amp + 1 : NULL;
	}
}

const char *
http_status_text(int code)
{
	switch (code) {
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Request Entity Too Large";
	case 415: return "Unsupported Media Type";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return code < 400 ? "OK" : "Error";
	}
}

char *
http_multipart_boundary(const char *ct)
{
	const char *b;
	size_t n;

	if (ct == NULL || strncasecmp(ct, "multipart/form-data", 19) != 0)
		return NULL;
	b = strcasestr(ct, "boundary=");
	if (b == NULL)
		return NULL;
	b += 9;
	if (*b == '"') {
		const char *e = strchr(b + 1, '"');

		if (e == NULL)
			return NULL;
		return xstrndup(b + 1, (size_t)(e - b - 1));
	}
	n = strcspn(b, "; \t");
	if (n == 0 || n > 200)
		return NULL;
	return xstrndup(b, n);
}

/* Value of param (name="x") inside a Content-Disposition line. */
static char *
http_disposition_param(const char *line, size_t len, const char *param)
{
	char *l = xstrndup(line, len), *p, *out = NULL;
	size_t pl = strlen(param);

	for (p = l; (p = strcasestr(p, param)) != NULL; p += pl) {
		if (p > l && p[-1] != ' ' && p[-1] != ';')
			continue;
		if (p[pl] != '=')
			continue;
		p += pl + 1;
		if (*p == '"') {
			char *e = strchr(p + 1, '"');

			if (e != NULL)
				out = xstrndup(p + 1, (size_t)(e - p - 1));
		} else {
			out = xstrndup(p, strcspn(p, "; \t"));
		}
		break;
	}
	free(l);
	return out;
}

int
http_multipart_split(const char *data, size_t len, const char *boundary,
    struct http_part *parts, int max)
{
	char *delim = xasprintf("--%s", boundary);
	size_t dl = strlen(delim), pos;
	const char *d;
	int n = 0;

	d = memmem(data, len, delim, dl);
	if (d == NULL)
		goto bad;
	pos = (size_t)(d - data) + dl;
	for (;;) {
		const char *hend, *next, *h;
		struct http_part part = { 0 };

		if (pos + 2 > len)
			goto bad;
		if (data[pos] == '-' && data[pos + 1] == '-')
			break;			/* closing delimiter */
		if (data[pos] == '\r')
			pos++;
		if (pos >= len || data[pos] != '\n')
			goto bad;
		pos++;
		hend = memmem(data + pos, len - pos, "\r\n\r\n", 4);
		if (hend == NULL)
			goto bad;
		for (h = data + pos; h < hend;) {
			const char *e = memmem(h, (size_t)(hend - h), "\r\n", 2);
			size_t ll = e ? (size_t)(e - h) : (size_t)(hend - h);

			if (ll > 20 && strncasecmp(h, "content-disposition:", 20) == 0) {
				free(part.name);
				free(part.filename);
				part.name = http_disposition_param(h, ll, "name");
				part.filename = http_disposition_param(h, ll, "filename");
			}
			h += ll + (e ? 2 : 0);
		}
		part.start = (size_t)(hend - data) + 4;
		{
			char *sep = xasprintf("\r\n%s", delim);

			next = memmem(data + part.start, len - part.start, sep,
			    strlen(sep));
			free(sep);
		}
		if (next == NULL) {
			http_part_free(&part);
			goto bad;
		}
		part.end = (size_t)(next - data);
		if (n < max)
			parts[n++] = part;
		else
			http_part_free(&part);
		pos = part.end + 2 + dl;
	}
	free(delim);
	return n;
bad:
	while (n > 0)
		http_part_free(&parts[--n]);
	free(delim);
	return -1;
}

void
http_part_free(struct http_part *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->filename);
	p->name = p->filename = NULL;
}
