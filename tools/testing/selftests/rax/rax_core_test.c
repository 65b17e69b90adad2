// SPDX-License-Identifier: GPL-2.0
/*
 * Check that the Rax core is present and matches the kernel it runs on.
 *
 * The test runner passes, through the environment:
 *   RAX_BUILD_KEY_SKID   subject key identifier (hex) of the signing key
 *                        made when this kernel was built;
 *   RAX_UNTRUSTED_CERT   a DER certificate that no builtin key signed.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/keyctl.h>
#include <linux/rax.h>

#include "../kselftest_harness.h"

#define SYSCTL_DIR "/proc/sys/kernel/rax/"

static int read_sysctl(const char *name, unsigned long *val)
{
	char path[128], buf[64], *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SYSCTL_DIR "%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	errno = 0;
	*val = strtoul(buf, &end, 10);
	if (errno || end == buf || (*end != '\n' && *end != '\0'))
		return -EINVAL;
	return 0;
}

/* Returns 0 or the errno of the failed open or write. */
static int write_sysctl(const char *name, const char *val)
{
	char path[128];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), SYSCTL_DIR "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		err = errno;
	close(fd);
	return err;
}

/* Value of CONFIG_<name> in /proc/config.gz, or NULL. */
static char *kconfig_value(const char *name)
{
	char line[512], *val = NULL;
	size_t len = strlen(name);
	FILE *f;

	f = popen("zcat /proc/config.gz", "r");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, len) && line[len] == '=') {
			line[strcspn(line, "\n")] = '\0';
			val = strdup(line + len + 1);
			break;
		}
	}
	while (fgets(line, sizeof(line), f))
		;
	pclose(f);
	return val;
}

/* Find the first /proc/keys line whose type is @type and description
 * contains @desc; return the key's serial, or 0.
 */
static unsigned long find_key(const char *type, const char *desc)
{
	char line[1024], t[32];
	unsigned long serial = 0, id;
	FILE *f = fopen("/proc/keys", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		/* id flags usage timeout perm uid gid type description */
		if (sscanf(line, "%lx %*s %*s %*s %*s %*s %*s %31s", &id, t) != 2)
			continue;
		if (strcmp(t, type))
			continue;
		if (strstr(line, desc)) {
			serial = id;
			break;
		}
	}
	fclose(f);
	return serial;
}

static unsigned long keyring_leaves(const char *name)
{
	char line[1024], pat[64], *p;
	FILE *f = fopen("/proc/keys", "r");
	unsigned long n = 0;

	if (!f)
		return 0;
	snprintf(pat, sizeof(pat), " %s: ", name);
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, " keyring "))
			continue;
		p = strstr(line, pat);
		if (p) {
			n = strtoul(p + strlen(pat), NULL, 10);
			break;
		}
	}
	fclose(f);
	return n;
}

TEST(sysctls_present)
{
	static const char * const names[] = {
		"enabled", "stack_size_kb", "budget_max_us", "format_version",
		"min_format_version",
	};
	unsigned long v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		ASSERT_EQ(0, read_sysctl(names[i], &v)) TH_LOG("kernel.rax.%s", names[i]);
}

TEST(format_version_matches_uapi)
{
	unsigned long v;

	ASSERT_EQ(0, read_sysctl("format_version", &v));
	EXPECT_EQ(RAX_FORMAT_VERSION, v);
	/* Read-only: opening it for writing is refused. */
	EXPECT_EQ(EACCES, write_sysctl("format_version", "1"));
	ASSERT_EQ(0, read_sysctl("format_version", &v));
	EXPECT_EQ(RAX_FORMAT_VERSION, v);
	/* Every version this kernel reads is accepted by default. */
	ASSERT_EQ(0, read_sysctl("min_format_version", &v));
	EXPECT_EQ(0, v);
}

TEST(defaults_match_kconfig)
{
	char *rax = kconfig_value("CONFIG_RAX");
	char *stack = kconfig_value("CONFIG_RAX_STACK_SIZE_KB");
	unsigned long v;

	ASSERT_NE(NULL, rax) TH_LOG("CONFIG_RAX not in /proc/config.gz");
	EXPECT_STREQ("y", rax);
	ASSERT_NE(NULL, stack);
	ASSERT_EQ(0, read_sysctl("stack_size_kb", &v));
	EXPECT_EQ(strtoul(stack, NULL, 10), v);
	ASSERT_EQ(0, read_sysctl("enabled", &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, read_sysctl("budget_max_us", &v));
	EXPECT_EQ(10000, v);
	free(rax);
	free(stack);
}

TEST(out_of_range_writes_are_einval)
{
	static const struct {
		const char *name, *val;
	} bad[] = {
		{ "enabled", "2" },
		{ "enabled", "-1" },
		{ "enabled", "yes" },
		{ "stack_size_kb", "16" },
		{ "stack_size_kb", "48" },
		{ "stack_size_kb", "2048" },
		{ "stack_size_kb", "0" },
		{ "budget_max_us", "0" },
		{ "budget_max_us", "10000001" },
		{ "budget_max_us", "99999999999" },
		/* No floor above the only version this kernel reads. */
		{ "min_format_version", "1" },
		{ "min_format_version", "-1" },
	};
	unsigned long before, after;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(0, read_sysctl(bad[i].name, &before));
		EXPECT_EQ(EINVAL, write_sysctl(bad[i].name, bad[i].val))
			TH_LOG("writing %s to kernel.rax.%s", bad[i].val, bad[i].name);
		ASSERT_EQ(0, read_sysctl(bad[i].name, &after));
		EXPECT_EQ(before, after) TH_LOG("kernel.rax.%s changed", bad[i].name);
	}
}

TEST(in_range_writes_stick)
{
	unsigned long orig, v;

	ASSERT_EQ(0, read_sysctl("stack_size_kb", &orig));
	ASSERT_EQ(0, write_sysctl("stack_size_kb", "128"));
	ASSERT_EQ(0, read_sysctl("stack_size_kb", &v));
	EXPECT_EQ(128, v);
	ASSERT_EQ(0, write_sysctl("stack_size_kb", orig == 64 ? "64" : "32"));

	ASSERT_EQ(0, read_sysctl("budget_max_us", &orig));
	ASSERT_EQ(0, write_sysctl("budget_max_us", "2500"));
	ASSERT_EQ(0, read_sysctl("budget_max_us", &v));
	EXPECT_EQ(2500, v);
	ASSERT_EQ(0, write_sysctl("budget_max_us", "10000"));

	ASSERT_EQ(0, write_sysctl("enabled", "0"));
	ASSERT_EQ(0, read_sysctl("enabled", &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, write_sysctl("enabled", "1"));
}

TEST(keyring_holds_build_key)
{
	const char *skid = getenv("RAX_BUILD_KEY_SKID");
	char desc[256], lower[160];
	size_t i;

	ASSERT_NE(NULL, skid) TH_LOG("the runner must export RAX_BUILD_KEY_SKID");
	ASSERT_LT(strlen(skid), sizeof(lower));
	for (i = 0; skid[i]; i++)
		lower[i] = tolower((unsigned char)skid[i]);
	lower[i] = '\0';

	ASSERT_NE(0, find_key("keyring", RAX_KEYRING_NAME ":"));
	EXPECT_GE(keyring_leaves(RAX_KEYRING_NAME), 1);
	snprintf(desc, sizeof(desc), "Rax build-time signing key: %s", lower);
	EXPECT_NE(0, find_key("asymmetri", desc))
		TH_LOG("no key '%s' in /proc/keys", desc);
}

TEST(untrusted_key_refused)
{
	const char *path = getenv("RAX_UNTRUSTED_CERT");
	unsigned long ring, before;
	char der[8192];
	ssize_t len;
	long key;
	int fd;

	ASSERT_NE(NULL, path) TH_LOG("the runner must export RAX_UNTRUSTED_CERT");
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
	len = read(fd, der, sizeof(der));
	close(fd);
	ASSERT_LT(0, len);

	ring = find_key("keyring", RAX_KEYRING_NAME ":");
	ASSERT_NE(0, ring);
	before = keyring_leaves(RAX_KEYRING_NAME);

	key = syscall(__NR_add_key, "asymmetric", NULL, der, (size_t)len,
		      (int)ring);
	EXPECT_EQ(-1, key);
	EXPECT_EQ(ENOKEY, errno) TH_LOG("add_key: %s", strerror(errno));
	EXPECT_EQ(before, keyring_leaves(RAX_KEYRING_NAME));
}

/*
 * The build-time key is kept: uid 0 has the keyring's user permissions,
 * which let it add (vouched) keys, but neither unlinking the key nor
 * clearing the keyring is allowed, with or without capabilities.
 */
TEST(builtin_key_cannot_be_removed)
{
	unsigned long ring, key, before;

	ring = find_key("keyring", RAX_KEYRING_NAME ":");
	ASSERT_NE(0, ring);
	key = find_key("asymmetri", "Rax build-time signing key");
	ASSERT_NE(0, key);
	before = keyring_leaves(RAX_KEYRING_NAME);
	ASSERT_LE(1, before);

	EXPECT_EQ(-1, syscall(__NR_keyctl, KEYCTL_UNLINK, (int)key, (int)ring));
	EXPECT_EQ(EPERM, errno) TH_LOG("unlink: %s", strerror(errno));
	EXPECT_EQ(-1, syscall(__NR_keyctl, KEYCTL_CLEAR, (int)ring));
	EXPECT_EQ(EPERM, errno) TH_LOG("clear: %s", strerror(errno));
	EXPECT_EQ(-1, syscall(__NR_keyctl, KEYCTL_INVALIDATE, (int)key));
	EXPECT_EQ(before, keyring_leaves(RAX_KEYRING_NAME));
}

TEST_HARNESS_MAIN
