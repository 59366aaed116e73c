/*
 * euid-probe.c - prints "euid=N" (its effective uid) and exits 0.
 *
 * tests/lxc/storage-perms.sh makes setuid-root copies of it inside
 * containers and images, then runs them as a host user to show that no
 * path under LXDECK_DIR hands out root.  Static (it runs in a busybox
 * rootfs without libc) and never drops its privileges, unlike busybox,
 * whose applets give up a setuid euid on start and would hide the hole.
 */
#include <stdio.h>
#include <unistd.h>

int
main(void)
{
	printf("euid=%u\n", (unsigned)geteuid());
	return 0;
}
