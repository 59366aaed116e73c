/*
 * image-build.c - images made on this host, with no image server.
 *
 * Both builders write a unified LXD tarball (metadata.yaml + rootfs/, gzip)
 * that image_import() takes like any other; they know nothing about the
 * engine's directory or database.
 *
 * - busybox: the host's static /bin/busybox (package busybox-static) plus
 *   the few files that make it boot as a system container under LXD and
 *   liblxc (TESTING-NOTES, "A busybox image that boots everywhere"): the
 *   real binary at bin/busybox and applet symlinks to it (never one named
 *   busybox: that would overwrite the binary with a link to itself), an
 *   inittab whose sysinit runs /etc/init.d/rcS and which respawns a shell
 *   on the console (no getty, so a console is a shell), and an rcS that
 *   brings up lo and runs udhcpc on eth0 with a script that applies the
 *   lease.  No /etc/hostname: the container's name stays its hostname.
 *   Owners are root, names sorted, gzip without a timestamp, and
 *   SOURCE_DATE_EPOCH (if set) fixes creation_date and mtimes, so two
 *   builds from the same busybox give the same fingerprint.
 *
 * - debootstrap: a minbase Debian with systemd as init, systemd-networkd
 *   doing DHCP on eth0 and systemd-resolved for DNS.  Needs root and the
 *   Debian archive; ~30 s and ~200 MB.  The caller names the suite and the
 *   mirror (scripts/build-image takes the host's own from its apt
 *   configuration): no archive host is built in.
 *
 * Work happens in OUT.tmp-XXXXXX next to the output, and the tarball is
 * renamed into place when complete.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"

#define BUSYBOX_PATH	"/bin/busybox"

/* ------------------------------------------------------------------------
 * Helpers: files and child processes.
 */

/* Lazily unmounts whatever is mounted under dir (a failed debootstrap can
 * leave proc and sys there), deepest first. */
static void
image_build_umount_under(const char *dir)
{
	struct strv mounts = { 0 };
	char line[4096], mnt[4096];
	size_t len = strlen(dir), i;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
		    strncmp(mnt, dir, len) == 0 && mnt[len] == '/')
			strv_push(&mounts, mnt);
	}
	fclose(f);
	for (i = mounts.n; i > 0; i--)
		umount2(mounts.v[i - 1], MNT_DETACH);
	strv_free(&mounts);
}

/* Removes a build's tree, after what a failed debootstrap left mounted in
 * it. */
static void
image_build_discard(const char *path)
{
	if (path == NULL || access(path, F_OK) < 0)
		return;
	image_build_umount_under(path);
	util_rm_rf(path, NULL);
}


static int
image_build_write(const char *root, const char *rel, mode_t mode,
    const char *text, struct err *e)
{
	char *path = xasprintf("%s/%s", root, rel);
	int fd, rc = -1;
	size_t len = strlen(text);

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) < 0) {
		err_set(e, 500, "Failed to write \"%s\": %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

static int
image_build_mkdir(const char *root, const char *rel, mode_t mode, struct err *e)
{
	char *path = xasprintf("%s/%s", root, rel);
	int rc = 0;

	if ((mkdir(path, mode) < 0 && errno != EEXIST) || chmod(path, mode) < 0)
		rc = err_set(e, 500, "Failed to create \"%s\": %s", path,
		    strerror(errno));
	free(path);
	return rc;
}

/* The creation date: SOURCE_DATE_EPOCH when set (reproducible builds). */
static int64_t
image_build_now(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	if (s != NULL && *s != '\0') {
		v = strtoll(s, &end, 10);
		if (*end == '\0' && v > 0)
			return v;
	}
	return (int64_t)time(NULL);
}

/* A work directory next to out (same filesystem, so rename works). */
static char *
image_build_workdir(const char *out, struct err *e)
{
	char *dir = xasprintf("%s.tmp-XXXXXX", out);

	if (mkdtemp(dir) == NULL) {
		err_set(e, 500, "Failed to create a directory next to \"%s\": %s",
		    out, strerror(errno));
		free(dir);
		return NULL;
	}
	chmod(dir, 0755);
	return dir;
}

/* YAML double-quoted scalar text for s (caller frees). */
static char *
image_build_yaml_quote(const char *s)
{
	char *q = xmalloc(strlen(s) * 4 + 3), *p = q;

	*p++ = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			*p++ = '\\';
			*p++ = *s;
		} else if ((unsigned char)*s < 0x20) {
			p += sprintf(p, "\\x%02x", (unsigned char)*s);
		} else {
			*p++ = *s;
		}
	}
	*p++ = '"';
	*p = '\0';
	return q;
}

/* stage/metadata.yaml: this host's architecture, the os and release, and
 * the description "NAME RELEASE ARCH (BY)". */
static int
image_build_metadata(const char *stage, int64_t created, const char *os,
    const char *release, const char *name, const char *by, struct err *e)
{
	struct utsname u;
	char *qos, *qrel, *qdesc, *desc, *text;
	int rc;

	if (uname(&u) < 0)
		return err_set(e, 500, "uname: %s", strerror(errno));
	desc = xasprintf("%s %s %s (%s)", name, release, u.machine, by);
	qos = image_build_yaml_quote(os);
	qrel = image_build_yaml_quote(release);
	qdesc = image_build_yaml_quote(desc);
	text = xasprintf("architecture: %s\ncreation_date: %lld\nproperties:\n"
	    "  os: %s\n  release: %s\n  description: %s\ntemplates: {}\n",
	    u.machine, (long long)created, qos, qrel, qdesc);
	rc = image_build_write(stage, "metadata.yaml", 0644, text, e);
	free(text);
	free(qos);
	free(qrel);
	free(qdesc);
	return rc;
}

/*
 * tar stage/metadata.yaml and stage/rootfs into out (gzip), atomically.
 * reproducible: owners root and mtimes clamped (busybox); else xattrs are
 * kept as they are (a real distribution's file capabilities).
 */
static int
image_build_tar(const char *stage, const char *out, int64_t mtime,
    bool reproducible, struct err *e)
{
	char *part = xasprintf("%s.part", out);
	char *mt = xasprintf("--mtime=@%lld", (long long)mtime);
	const char *argv[20];
	size_t n = 0;
	int rc = -1;

	argv[n++] = "tar";
	argv[n++] = "--numeric-owner";
	argv[n++] = "--sort=name";
	if (reproducible) {
		argv[n++] = "--owner=0";
		argv[n++] = "--group=0";
		argv[n++] = mt;
	} else {
		argv[n++] = "--xattrs";
		argv[n++] = "--xattrs-include=*";
	}
	argv[n++] = "-I";
	argv[n++] = "gzip -n";
	argv[n++] = "-cf";
	argv[n++] = part;
	argv[n++] = "-C";
	argv[n++] = stage;
	argv[n++] = "metadata.yaml";
	argv[n++] = "rootfs";
	argv[n] = NULL;
	if (util_exec(argv, NULL, 0, e) < 0)
		goto out;
	if (rename(part, out) < 0) {
		err_set(e, 500, "Failed to write \"%s\": %s", out, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		unlink(part);
	free(part);
	free(mt);
	return rc;
}

/* ------------------------------------------------------------------------
 * busybox
 */

/* Is path a static ELF executable (no PT_INTERP)? */
static int
image_build_is_static(const char *path, bool *is_static, struct err *e)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd, i, rc = -1;

	*is_static = false;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(e, 404, "Cannot use \"%s\": %s (install "
		    "busybox-static)", path, strerror(errno));
	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof ph) {
		err_set(e, 400, "Cannot use \"%s\": not a 64-bit ELF executable",
		    path);
		goto out;
	}
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + i * sizeof ph)) !=
		    (ssize_t)sizeof ph) {
			err_set(e, 400, "Cannot use \"%s\": truncated ELF file", path);
			goto out;
		}
		if (ph.p_type == PT_INTERP)
			goto done;
	}
	*is_static = true;
done:
	rc = 0;
out:
	close(fd);
	return rc;
}

static const char bb_inittab[] =
    "# busybox init: rcS once, then a shell on the console (no getty).\n"
    "::sysinit:/etc/init.d/rcS\n"
    "::respawn:-/bin/sh\n"
    "::ctrlaltdel:/sbin/reboot\n"
    "::shutdown:/bin/umount -a -r\n";

static const char bb_rcs[] =
    "#!/bin/sh\n"
    "# Boot: what the container runtime did not mount, loopback, DHCP on eth0.\n"
    "export PATH=/bin:/sbin:/usr/bin:/usr/sbin\n"
    "[ -e /proc/self ] || mount -t proc proc /proc\n"
    "[ -d /sys/class ] || mount -t sysfs sysfs /sys\n"
    "touch /tmp/.rw 2>/dev/null && rm -f /tmp/.rw ||\n"
    "    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp\n"
    "grep -q ' /run ' /proc/mounts || mount -t tmpfs -o mode=0755,nosuid,nodev "
    "tmpfs /run\n"
    "ip link set lo up\n"
    "if [ -e /sys/class/net/eth0 ]; then\n"
    "    udhcpc -b -i eth0 -s /etc/udhcpc.script -p /run/udhcpc.eth0.pid \\\n"
    "        -x hostname:\"$(hostname)\" >/dev/null 2>&1\n"
    "fi\n";

static const char bb_udhcpc[] =
    "#!/bin/sh\n"
    "# udhcpc hook: $1 is deconfig, bound, renew, leasefail or nak; the lease\n"
    "# is in $interface $ip $mask (prefix length) $router $dns $domain.\n"
    "export PATH=/bin:/sbin:/usr/bin:/usr/sbin\n"
    "[ -n \"$interface\" ] || exit 1\n"
    "case \"$1\" in\n"
    "deconfig)\n"
    "    ip -4 addr flush dev \"$interface\"\n"
    "    ip link set \"$interface\" up\n"
    "    ;;\n"
    "bound|renew)\n"
    "    if ! ip -4 addr show dev \"$interface\" | grep -q \" $ip/\"; then\n"
    "        ip -4 addr flush dev \"$interface\"\n"
    "        ip addr add \"$ip/${mask:-24}\" ${broadcast:+broadcast \"$broadcast\"} "
    "dev \"$interface\"\n"
    "    fi\n"
    "    if [ -n \"$router\" ]; then\n"
    "        while ip route del default dev \"$interface\" 2>/dev/null; do :; done\n"
    "        set -- $router\n"
    "        ip route add default via \"$1\" dev \"$interface\"\n"
    "    fi\n"
    "    if [ -n \"$dns\" ]; then\n"
    "        { [ -n \"$domain\" ] && echo \"search $domain\"\n"
    "          for s in $dns; do echo \"nameserver $s\"; done; } > /etc/resolv.conf.new\n"
    "        mv /etc/resolv.conf.new /etc/resolv.conf\n"
    "    fi\n"
    "    ;;\n"
    "esac\n"
    "exit 0\n";

static const struct {
	const char	*path;
	mode_t		 mode;
	const char	*text;
} bb_files[] = {
	{ "etc/inittab", 0644, bb_inittab },
	{ "etc/init.d/rcS", 0755, bb_rcs },
	{ "etc/udhcpc.script", 0755, bb_udhcpc },
	{ "etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\n"
	    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n" },
	{ "etc/group", 0644, "root:x:0:\nnogroup:x:65534:\n" },
	{ "etc/shadow", 0600, "root:*:19000:0:99999:7:::\nnobody:*:19000::::::\n" },
	{ "etc/hosts", 0644, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
	    "ip6-loopback\n" },
	{ "etc/profile", 0644, "export PATH=/bin:/sbin:/usr/bin:/usr/sbin\n"
	    "export PS1='\\h:\\w\\$ '\n" },
	{ "etc/resolv.conf", 0644, "" },
	{ "etc/fstab", 0644, "" },
};

static const struct {
	const char	*path;
	mode_t		 mode;
} bb_dirs[] = {
	{ "rootfs", 0755 }, { "rootfs/bin", 0755 }, { "rootfs/sbin", 0755 },
	{ "rootfs/usr", 0755 }, { "rootfs/usr/bin", 0755 },
	{ "rootfs/usr/sbin", 0755 }, { "rootfs/dev", 0755 },
	{ "rootfs/proc", 0555 }, { "rootfs/sys", 0555 }, { "rootfs/tmp", 01777 },
	{ "rootfs/run", 0755 }, { "rootfs/root", 0700 }, { "rootfs/var", 0755 },
	{ "rootfs/var/log", 0755 }, { "rootfs/var/run", 0755 },
	{ "rootfs/etc", 0755 }, { "rootfs/etc/init.d", 0755 },
	{ "rootfs/mnt", 0755 }, { "rootfs/home", 0755 },
};

/* An applet path from busybox --list-full we are willing to create. */
static bool
image_build_applet_ok(const char *p)
{
	const char *base = strrchr(p, '/');

	if (p[0] == '\0' || p[0] == '/' || strstr(p, "..") != NULL)
		return false;
	if (strcmp(base ? base + 1 : p, "busybox") == 0)
		return false;	/* a link named busybox replaces the binary */
	return strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-/[") == strlen(p);
}

int
image_build_busybox(const char *out_tarball, struct err *e)
{
	const char *argv_list[] = { BUSYBOX_PATH, "--list-full", NULL };
	const char *argv_ver[] = { BUSYBOX_PATH, NULL };
	char *work = NULL, *rootfs = NULL, *list = NULL, *banner = NULL;
	char *path = NULL, *p, *save = NULL, release[64] = "";
	struct err ignored = { 0 };
	bool is_static;
	int64_t now = image_build_now();
	size_t i;
	int rc = -1;

	if (e == NULL)
		e = &ignored;
	if (image_build_is_static(BUSYBOX_PATH, &is_static, e) < 0)
		goto out;
	if (!is_static) {
		err_set(e, 400, "Cannot use \"%s\": it is dynamically linked "
		    "(install busybox-static)", BUSYBOX_PATH);
		goto out;
	}
	if (util_exec(argv_ver, &banner, 1 << 20, e) < 0 ||
	    util_exec(argv_list, &list, 1 << 20, e) < 0)
		goto out;
	/* "BusyBox v1.35.0 (Debian ...) multi-call binary." */
	if (sscanf(banner, "BusyBox v%63[0-9A-Za-z.-]", release) != 1) {
		err_set(e, 500, "Cannot tell the version of \"%s\"", BUSYBOX_PATH);
		goto out;
	}
	if ((work = image_build_workdir(out_tarball, e)) == NULL)
		goto out;
	rootfs = xasprintf("%s/rootfs", work);
	for (i = 0; i < ARRAY_SIZE(bb_dirs); i++) {
		if (image_build_mkdir(work, bb_dirs[i].path, bb_dirs[i].mode, e) < 0)
			goto out;
	}

	/* The real binary, then a link per applet. */
	path = xasprintf("%s/bin/busybox", rootfs);
	{
		const char *argv_cp[] = { "cp", BUSYBOX_PATH, path, NULL };

		if (util_exec(argv_cp, NULL, 0, e) < 0 || chmod(path, 0755) < 0) {
			err_prefix(e, "Failed to copy \"%s\"", BUSYBOX_PATH);
			goto out;
		}
	}
	for (p = strtok_r(list, "\n", &save); p != NULL;
	    p = strtok_r(NULL, "\n", &save)) {
		char *link, *dir;

		if (!image_build_applet_ok(p))
			continue;
		link = xasprintf("%s/%s", rootfs, p);
		dir = xstrdup(link);
		if (access(dirname(dir), F_OK) == 0 &&
		    symlink("/bin/busybox", link) < 0 && errno != EEXIST) {
			err_set(e, 500, "Failed to link \"%s\": %s", link,
			    strerror(errno));
			free(link);
			free(dir);
			goto out;
		}
		free(link);
		free(dir);
	}
	free(path);
	path = xasprintf("%s/sbin/init", rootfs);
	if (symlink("/bin/busybox", path) < 0 && errno != EEXIST) {
		err_set(e, 500, "Failed to link \"%s\": %s", path, strerror(errno));
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(bb_files); i++) {
		if (image_build_write(rootfs, bb_files[i].path, bb_files[i].mode,
		    bb_files[i].text, e) < 0)
			goto out;
	}
	if (image_build_metadata(work, now, "busybox", release, "BusyBox", "lxdeck",
	    e) < 0 ||
	    image_build_tar(work, out_tarball, now, true, e) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		err_prefix(e, "Failed to build a busybox image \"%s\"", out_tarball);
	image_build_discard(work);
	free(work);
	free(rootfs);
	free(list);
	free(banner);
	free(path);
	return rc;
}

/* ------------------------------------------------------------------------
 * debootstrap
 */

static const char deb_network[] =
    "# lxdeck: DHCP on the container's first NIC.\n"
    "[Match]\n"
    "Name=eth0\n"
    "\n"
    "[Network]\n"
    "DHCP=yes\n";

static bool
image_build_suite_ok(const char *s)
{
	return s[0] != '\0' && s[0] != '-' && strlen(s) < 64 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(s);
}

int
image_build_debootstrap(const char *out_tarball, const char *suite,
    const char *mirror, struct err *e)
{
	char *work = NULL, *rootfs = NULL, *path = NULL;
	struct err ignored = { 0 };
	glob_t g = { 0 };
	size_t i;
	int64_t now = image_build_now();
	int rc = -1;

	if (e == NULL)
		e = &ignored;
	if (suite == NULL || suite[0] == '\0' || mirror == NULL || mirror[0] == '\0') {
		err_set(e, 400, "Building Debian image \"%s\" needs a suite and a mirror",
		    out_tarball);
		goto out;
	}
	if (!image_build_suite_ok(suite)) {
		err_set(e, 400, "Invalid Debian suite \"%s\"", suite);
		goto out;
	}
	if (mirror[0] == '-') {
		err_set(e, 400, "Invalid mirror \"%s\"", mirror);
		goto out;
	}
	if (geteuid() != 0) {
		err_set(e, 403, "debootstrap needs root");
		goto out;
	}
	if ((work = image_build_workdir(out_tarball, e)) == NULL)
		goto out;
	rootfs = xasprintf("%s/rootfs", work);
	{
		const char *argv[] = { "debootstrap", "--variant=minbase",
		    "--include=systemd-sysv,iproute2,systemd-resolved,dbus",
		    suite, rootfs, mirror, NULL };

		if (util_exec(argv, NULL, 0, e) < 0)
			goto out;
	}
	/* Networking: networkd does DHCP on eth0, resolved does DNS. */
	if (image_build_write(rootfs, "etc/systemd/network/eth0.network", 0644,
	    deb_network, e) < 0)
		goto out;
	{
		const char *argv[] = { "chroot", rootfs, "systemctl", "enable",
		    "systemd-networkd.service", "systemd-resolved.service", NULL };

		if (util_exec(argv, NULL, 0, e) < 0)
			goto out;
	}
	path = xasprintf("%s/etc/resolv.conf", rootfs);
	unlink(path);
	if (symlink("../run/systemd/resolve/stub-resolv.conf", path) < 0) {
		err_set(e, 500, "Failed to link \"%s\": %s", path, strerror(errno));
		goto out;
	}
	/* The container's name is its hostname: debootstrap copied the host's.
	 * machine-id empty: systemd makes one per container at boot. */
	free(path);
	path = xasprintf("%s/etc/hostname", rootfs);
	unlink(path);
	if (image_build_write(rootfs, "etc/hosts", 0644, "127.0.0.1\tlocalhost\n"
	    "::1\tlocalhost ip6-localhost ip6-loopback\n", e) < 0 ||
	    image_build_write(rootfs, "etc/machine-id", 0444, "", e) < 0)
		goto out;
	/* What apt downloaded is not part of the system. */
	free(path);
	path = xasprintf("%s/var/cache/apt/archives/*.deb", rootfs);
	if (glob(path, GLOB_NOSORT, NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
	}
	globfree(&g);
	free(path);
	path = xasprintf("%s/var/lib/apt/lists", rootfs);
	image_build_discard(path);
	mkdir(path, 0755);
	if (image_build_metadata(work, now, "debian", suite, "Debian",
	    "lxdeck debootstrap", e) < 0 ||
	    image_build_tar(work, out_tarball, now, false, e) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		err_prefix(e, "Failed to build a Debian %s image \"%s\"",
		    suite ? suite : "", out_tarball);
	image_build_discard(work);
	free(work);
	free(rootfs);
	free(path);
	return rc;
}
