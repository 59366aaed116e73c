/*
 * cert.c - certificates as LXD and the lxc client make them: self-signed
 * ECDSA P-384 pairs (O=linuxcontainers.org, CN=root@HOST), PEM text and
 * subject names, and the fingerprint that names a certificate everywhere
 * in the API (hex of sha256 over the DER).  Both sides use it: lxdeckd's
 * trust store and listener (server/), and the REST client's pinning and
 * client certificate (client/).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "wire.h"

/* Certificates */

int
cert_x509_fingerprint(void *x, char fp[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (x == NULL || !X509_digest(x, EVP_sha256(), md, &n))
		return -1;
	for (i = 0; i < n && i < 32; i++)
		snprintf(fp + 2 * i, 3, "%02x", md[i]);
	fp[64] = '\0';
	return 0;
}

static X509 *
cert_pem_x509(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x;

	if (b == NULL)
		return NULL;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	return x;
}

int
cert_pem_fingerprint(const char *pem, char fp[65])
{
	X509 *x = cert_pem_x509(pem);
	int rc;

	if (x == NULL)
		return -1;
	rc = cert_x509_fingerprint(x, fp);
	X509_free(x);
	return rc;
}

char *
cert_x509_pem(void *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;

	if (b == NULL || !PEM_write_bio_X509(b, x)) {
		BIO_free(b);
		return NULL;
	}
	n = BIO_get_mem_data(b, &data);
	out = xstrndup(data, (size_t)n);
	BIO_free(b);
	return out;
}

char *
cert_pem_cn(const char *pem)
{
	X509 *x = cert_pem_x509(pem);
	char cn[256];
	int n;

	if (x == NULL)
		return NULL;
	n = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
	    sizeof cn);
	X509_free(x);
	return n > 0 ? xstrdup(cn) : NULL;
}

char *
cert_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b = { 0 };
	char tmp[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
		buf_append(&b, tmp, n);
		if (b.len > 16 * 1024 * 1024)
			break;
	}
	fclose(f);
	buf_putc(&b, '\0');
	return buf_steal(&b);
}

static int
cert_add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return -1;
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return 0;
}

int
cert_create(const char *crt_path, const char *key_path, bool server,
    struct err *e)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	X509_NAME *name;
	FILE *f = NULL;
	char host[256] = "localhost", cn[300], san[400];
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	int fd, rc = -1;

	gethostname(host, sizeof host - 1);
	key = EVP_EC_gen("P-384");
	x = X509_new();
	if (key == NULL || x == NULL) {
		err_set(e, 500, "Failed to generate an ECDSA P-384 key");
		goto out;
	}
	X509_set_version(x, 2);
	RAND_bytes(serial, sizeof serial);
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof serial, NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	snprintf(cn, sizeof cn, "root@%s", host);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"linuxcontainers.org", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn,
	    -1, -1, 0);
	X509_set_issuer_name(x, name);
	cert_add_ext(x, NID_basic_constraints, "critical,CA:FALSE");
	cert_add_ext(x, NID_key_usage, "critical,digitalSignature,keyEncipherment");
	cert_add_ext(x, NID_ext_key_usage, server ? "serverAuth" : "clientAuth");
	if (server) {
		snprintf(san, sizeof san, "DNS:%s,IP:127.0.0.1,IP:::1", host);
		cert_add_ext(x, NID_subject_alt_name, san);
	}
	if (!X509_sign(x, key, EVP_sha384())) {
		err_set(e, 500, "Failed to sign the certificate");
		goto out;
	}
	fd = open(key_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL ||
	    !PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) || fclose(f) != 0) {
		err_set(e, 500, "Failed to write the key \"%s\": %s", key_path,
		    strerror(errno));
		goto out;
	}
	f = fopen(crt_path, "w");
	if (f == NULL || !PEM_write_X509(f, x) || fclose(f) != 0) {
		f = NULL;
		err_set(e, 500, "Failed to write the certificate \"%s\": %s", crt_path,
		    strerror(errno));
		goto out;
	}
	f = NULL;
	rc = 0;
out:
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}
