/*
 * fuzz-ws.c - what a remote (LXD, Incus or lxdeckd) sends down a websocket
 * to our client (remote/client-ws.c, static, hence the #include): the
 * handshake answer (a 101 or a refusal with an error envelope), then
 * frames of any kind, sizes, masks and fragments, read in pieces; every
 * whole message goes where the client sends it: the event decoder
 * (backend-remote.c) and the exec control decoder (the control channel
 * lxdeckd reads, remote/api-exec.c).  The socket is replaced by the input:
 * curl_easy_recv() hands it out a few bytes at a time (the first byte says
 * how many), curl_easy_send() takes everything.
 * libFuzzer entry point; see run-fuzz for plain corpus replay with gcc.
 */
#include <stdint.h>

#define curl_easy_recv fuzz_ws_recv
#define curl_easy_send fuzz_ws_send
#include "../../remote/client/client-ws.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *fuzz_ws_data;
static size_t fuzz_ws_left, fuzz_ws_step;
static unsigned fuzz_ws_calls;

CURLcode
fuzz_ws_recv(CURL *h, void *buf, size_t len, size_t *n)
{
	size_t k = fuzz_ws_left < fuzz_ws_step ? fuzz_ws_left : fuzz_ws_step;

	(void)h;
	if (++fuzz_ws_calls % 3 == 0) {
		*n = 0;
		return CURLE_AGAIN;	/* nothing more for now, as a socket says */
	}
	if (fuzz_ws_left == 0) {
		*n = 0;
		return CURLE_OK;	/* EOF */
	}
	if (k > len)
		k = len;
	memcpy(buf, fuzz_ws_data, k);
	fuzz_ws_data += k;
	fuzz_ws_left -= k;
	*n = k;
	return CURLE_OK;
}

CURLcode
fuzz_ws_send(CURL *h, const void *buf, size_t len, size_t *n)
{
	(void)h;
	(void)buf;
	*n = len;
	return CURLE_OK;
}

static void
fuzz_ws_msg(void *arg, int opcode, const char *data, size_t len)
{
	struct err e = { 0 };
	struct exec_control ctl;
	json_object *o;
	char *text;

	(*(size_t *)arg)++;
	if (opcode != WS_OP_TEXT || len == 0)
		return;
	text = xstrndup(data, len);
	o = json_tokener_parse(text);
	free(text);
	if (o != NULL) {
		struct event ev;

		memset(&ev, 0, sizeof ev);
		if (codec_event_decode(o, &ev, &e) == 0)
			codec_event_free(&ev);
		json_object_put(o);
	}
	codec_exec_control_decode(data, len, &ctl, &e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct client c;
	struct client_ws *w;
	struct err e = { 0 };
	size_t msgs = 0;
	int i, rc;

	if (size < 2)
		return 0;
	memset(&c, 0, sizeof c);
	c.name = "fuzz";
	c.base = "https://fuzz:8443";
	w = xcalloc(1, sizeof *w);
	w->c = &c;
	w->path = xstrdup("/1.0/events");
	w->fd = -1;
	fuzz_ws_step = (data[0] % 64) + 1;
	/* Bit 7 of the second byte: start after the handshake (frames only). */
	w->state = data[1] & 0x80 ? CWS_OPEN : CWS_HANDSHAKE;
	fuzz_ws_data = data + 2;
	fuzz_ws_left = size - 2;
	if (w->state == CWS_HANDSHAKE)
		client_ws_handshake_queue(w);
	for (i = 0; i < 10000 && w->state == CWS_HANDSHAKE; i++)
		if (client_ws_step(w, &e) != 0)
			break;
	while (w->state == CWS_OPEN) {
		client_ws_ready(w);
		rc = client_ws_read(w, fuzz_ws_msg, &msgs);
		if (rc < 0)
			break;
	}
	client_ws_free(w);
	return 0;
}
