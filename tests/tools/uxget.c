/*
 * uxget - the smallest HTTP client the benchmarks need: GET PATH over a
 * unix socket, one new connection per request (as LXD's command-line
 * client does), the whole response read and checked (status 200, the
 * body as long as Content-Length says, or up to the server's close).
 *
 *   uxget [-n N | -t MS] [-q] SOCKET PATH
 *
 * One request by default, so that `hyperfine -N "uxget S P"` times a
 * request plus the start of a process that loads nothing but libc (curl
 * loads some 40 libraries and initialises OpenSSL first, several ms
 * that are neither daemon's).  With -n N it sends N requests one after
 * the other from this one process and prints the median and the fastest
 * time of one request in ms: what the daemon takes, client start-up left
 * out.  With -t MS it sends requests one after the other for MS ms and
 * prints the median, fastest, 90th percentile and slowest time in ms, the
 * number of requests and the 99th percentile (tests/api/exec-loop.sh: is
 * the daemon's loop free while other clients work?).  -q: no body on
 * stdout.  Exits 1 on any failed request.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One request; the response (head and body) in *buf.  0 or -1. */
static int
request(const char *sock, const char *path, char **buf, size_t *len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *req = NULL, *b = *buf, *body, *cl;
	size_t cap = *len, n = 0, want = (size_t)-1;
	int fd, reqlen;
	ssize_t r;

	if (strlen(sock) >= sizeof sa.sun_path) {
		fprintf(stderr, "uxget: socket path too long: %s\n", sock);
		return -1;
	}
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "uxget: %s: %s\n", sock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	reqlen = asprintf(&req, "GET %s HTTP/1.1\r\nHost: unix.socket\r\n"
	    "User-Agent: uxget\r\nConnection: close\r\n\r\n", path);
	if (reqlen < 0 || write(fd, req, (size_t)reqlen) != reqlen) {
		fprintf(stderr, "uxget: cannot send the request\n");
		free(req);
		close(fd);
		return -1;
	}
	free(req);
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			b = realloc(b, cap + 1);
			if (b == NULL) {
				fprintf(stderr, "uxget: out of memory\n");
				exit(1);
			}
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		b[n] = '\0';
		if (want == (size_t)-1 && (body = strstr(b, "\r\n\r\n")) != NULL) {
			cl = strcasestr(b, "\r\nContent-Length:");
			if (cl != NULL && cl < body)
				want = (size_t)(body + 4 - b) + strtoull(cl + 17, NULL, 10);
		}
		if (n >= want)
			break;
	}
	close(fd);
	*buf = b;
	*len = cap;
	if (b == NULL || n < 12 || strncmp(b + 8, " 200", 4) != 0 ||
	    (want != (size_t)-1 && n != want)) {
		fprintf(stderr, "uxget: %s: bad or short response (%zu bytes)\n",
		    path, n);
		return -1;
	}
	b[n] = '\0';
	return 0;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	char *buf = NULL, *body;
	size_t cap = 0;
	int n = 0, i, c, ms = 0;
	bool quiet = false;
	double *t;

	while ((c = getopt(argc, argv, "n:qt:")) != -1) {
		switch (c) {
		case 'n': n = atoi(optarg); break;
		case 'q': quiet = true; break;
		case 't': ms = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	if (ms > 0) {
		double start = now_ms();
		size_t cnt = 0, alloc = 0;

		t = NULL;
		while (now_ms() - start < ms) {
			double t0 = now_ms();

			if (request(argv[optind], argv[optind + 1], &buf, &cap) < 0)
				return 1;
			if (cnt == alloc) {
				alloc = alloc ? 2 * alloc : 1024;
				t = realloc(t, alloc * sizeof *t);
				if (t == NULL)
					return 1;
			}
			t[cnt++] = now_ms() - t0;
		}
		qsort(t, cnt, sizeof *t, cmp_double);
		printf("%.2f %.2f %.2f %.2f %zu %.2f\n", t[cnt / 2], t[0],
		    t[cnt * 9 / 10], t[cnt - 1], cnt, t[cnt * 99 / 100]);
		free(t);
		free(buf);
		return 0;
	}
	if (n <= 0) {
		if (request(argv[optind], argv[optind + 1], &buf, &cap) < 0)
			return 1;
		body = strstr(buf, "\r\n\r\n");
		if (!quiet && body != NULL)
			fputs(body + 4, stdout);
		free(buf);
		return 0;
	}
	t = calloc((size_t)n, sizeof *t);
	for (i = 0; i < n; i++) {
		double t0 = now_ms();

		if (request(argv[optind], argv[optind + 1], &buf, &cap) < 0)
			return 1;
		t[i] = now_ms() - t0;
	}
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	printf("%.2f %.2f\n", t[n / 2], t[0]);
	free(t);
	free(buf);
	return 0;
usage:
	fprintf(stderr, "usage: uxget [-n N | -t MS] [-q] SOCKET PATH\n");
	return 2;
}
