// SPDX-License-Identifier: GPL-2.0-only
/*
 * The .rax keyring: the keys Rax objects are verified against.
 *
 * At boot it receives the certificate of the signing key made (or named
 * by CONFIG_RAX_SIG_KEY) when the kernel was built. The administrator may
 * add further keys at run time, but only keys whose certificate is signed
 * by a key in the builtin trusted keyring. The build-time keys are kept:
 * neither unlinking them nor clearing the keyring is allowed, so that a
 * process with uid 0 but no capabilities, which the keyring's user
 * permissions let add keys, cannot take them away. Neither the platform keyring
 * nor user keyrings are ever consulted: a Rax object is not verified
 * instruction by instruction, so its signer must be trusted by the kernel
 * itself.
 */

#define pr_fmt(fmt) "rax: " fmt

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/key.h>
#include <linux/slab.h>
#include <keys/asymmetric-type.h>
#include <keys/system_keyring.h>

#include "rax.h"

static struct key *rax_keys;

/**
 * rax_keyring() - The keyring Rax signatures are checked against.
 *
 * Return: the .rax keyring, or NULL before it is set up at boot.
 */
struct key *rax_keyring(void)
{
	return rax_keys;
}

/*
 * Load the DER certificates at @p (each an ASN.1 SEQUENCE with a two-byte
 * length, as certs.S lays them out) into @keyring, kept: with
 * KEY_FLAG_KEEP on them and on the keyring, they cannot be unlinked.
 */
static int __init rax_load_builtin_certs(const u8 *p, const u8 *end, struct key *keyring)
{
	unsigned int n = 0;
	key_ref_t key;
	size_t len;

	while (p < end) {
		if (end - p < 4 || p[0] != 0x30 || p[1] != 0x82)
			return -EINVAL;
		len = ((size_t)p[2] << 8 | p[3]) + 4;
		if (len > end - p)
			return -EINVAL;
		key = key_create_or_update(make_key_ref(keyring, 1), "asymmetric",
					   NULL, p, len,
					   (KEY_POS_ALL & ~KEY_POS_SETATTR) |
					   KEY_USR_VIEW | KEY_USR_READ,
					   KEY_ALLOC_NOT_IN_QUOTA | KEY_ALLOC_BUILT_IN |
					   KEY_ALLOC_BYPASS_RESTRICTION |
					   KEY_ALLOC_SET_KEEP);
		if (IS_ERR(key))
			return PTR_ERR(key);
		key_ref_put(key);
		p += len;
		n++;
	}
	return n ? 0 : -ENOKEY;
}

int __init rax_keyring_init(void)
{
	struct key_restriction *restriction;
	struct key *keyring;
	int err;

	restriction = kzalloc(sizeof(*restriction), GFP_KERNEL);
	if (!restriction)
		return -ENOMEM;
	restriction->check = restrict_link_by_builtin_trusted;

	keyring = keyring_alloc(RAX_KEYRING_NAME, GLOBAL_ROOT_UID,
				GLOBAL_ROOT_GID, current_cred(),
				(KEY_POS_ALL & ~KEY_POS_SETATTR) |
				KEY_USR_VIEW | KEY_USR_READ | KEY_USR_SEARCH |
				KEY_USR_WRITE,
				KEY_ALLOC_NOT_IN_QUOTA | KEY_ALLOC_SET_KEEP,
				restriction, NULL);
	if (IS_ERR(keyring)) {
		kfree(restriction);
		pr_err("cannot allocate the %s keyring: %ld\n",
		       RAX_KEYRING_NAME, PTR_ERR(keyring));
		return PTR_ERR(keyring);
	}

	err = rax_load_builtin_certs(rax_builtin_certs, rax_builtin_certs_end,
				     keyring);
	if (err) {
		pr_err("cannot load the build-time certificate: %d\n", err);
		key_put(keyring);
		return err;
	}

	rax_keys = keyring;
	pr_info("%s keyring ready with the build-time key\n",
		RAX_KEYRING_NAME);
	return 0;
}
