// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rax: name the key that signed a Rax object.
 *
 * verify_pkcs7_signature() says whether a key of the .rax keyring signed
 * the image, not which one. After it succeeded, the signer identifier of
 * the first SignerInfo (issuer and serial number, or subject key
 * identifier) is read from the already verified DER message and looked up
 * in the same keyring, so that fdinfo can show the key's description, as
 * /proc/keys shows it: the subject and the key identifier.
 *
 * The walk is bounds-checked and stops at anything that is not plain DER
 * (indefinite lengths, high tag numbers): the message was produced by the
 * Rax toolchain and already accepted by the PKCS#7 parser, so a message
 * this cannot follow only means the signer is reported as unknown.
 */

#include <linux/err.h>
#include <linux/key.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <keys/asymmetric-type.h>

#include "rax.h"

#define RAX_DER_INTEGER		0x02
#define RAX_DER_OID		0x06
#define RAX_DER_SEQUENCE	0x30
#define RAX_DER_SET		0x31
#define RAX_DER_CONTEXT_0	0xa0	/* [0], constructed */
#define RAX_DER_CONTEXT_1	0xa1	/* [1], constructed */
#define RAX_DER_IMPLICIT_0	0x80	/* [0] IMPLICIT, primitive */

/* One DER element: its tag and its content. */
struct rax_der {
	u8 tag;
	const u8 *val;
	size_t len;
};

/* Read the element at *@p (before @end) into @e and step over it. */
static bool rax_der_next(const u8 **p, const u8 *end, struct rax_der *e)
{
	const u8 *q = *p;
	size_t len, n;

	if (end - q < 2)
		return false;
	e->tag = *q++;
	if ((e->tag & 0x1f) == 0x1f)
		return false;
	len = *q++;
	if (len & 0x80) {
		n = len & 0x7f;
		if (!n || n > sizeof(u32) || end - q < n)
			return false;
		for (len = 0; n; n--)
			len = (len << 8) | *q++;
	}
	if (len > end - q)
		return false;
	e->val = q;
	e->len = len;
	*p = q + len;
	return true;
}

/* Read the next element, which must have tag @tag. */
static bool rax_der_expect(const u8 **p, const u8 *end, u8 tag,
			   struct rax_der *e)
{
	return rax_der_next(p, end, e) && e->tag == tag;
}

/*
 * The identifier of the first signer of PKCS#7 message @sig: as the kernel's
 * PKCS#7 parser makes it, serial and issuer in auth_ids[0], or the subject
 * key identifier in auth_ids[1].
 */
static struct asymmetric_key_id *rax_signer_id(const u8 *sig, size_t size,
					       bool *is_skid)
{
	const u8 *p = sig, *end = sig + size;
	struct rax_der e, issuer, serial;

	/* ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT SignedData } */
	if (!rax_der_expect(&p, end, RAX_DER_SEQUENCE, &e))
		return NULL;
	p = e.val;
	end = e.val + e.len;
	if (!rax_der_expect(&p, end, RAX_DER_OID, &e) ||
	    !rax_der_expect(&p, end, RAX_DER_CONTEXT_0, &e))
		return NULL;
	p = e.val;
	end = e.val + e.len;
	/*
	 * SignedData ::= SEQUENCE { version, digestAlgorithms SET,
	 *	encapContentInfo, [0] certificates OPTIONAL,
	 *	[1] crls OPTIONAL, signerInfos SET }
	 */
	if (!rax_der_expect(&p, end, RAX_DER_SEQUENCE, &e))
		return NULL;
	p = e.val;
	end = e.val + e.len;
	if (!rax_der_expect(&p, end, RAX_DER_INTEGER, &e) ||
	    !rax_der_expect(&p, end, RAX_DER_SET, &e) ||
	    !rax_der_expect(&p, end, RAX_DER_SEQUENCE, &e))
		return NULL;
	do {
		if (!rax_der_next(&p, end, &e))
			return NULL;
	} while (e.tag == RAX_DER_CONTEXT_0 || e.tag == RAX_DER_CONTEXT_1);
	if (e.tag != RAX_DER_SET)
		return NULL;
	p = e.val;
	end = e.val + e.len;
	/* SignerInfo ::= SEQUENCE { version, sid, ... } */
	if (!rax_der_expect(&p, end, RAX_DER_SEQUENCE, &e))
		return NULL;
	p = e.val;
	end = e.val + e.len;
	if (!rax_der_expect(&p, end, RAX_DER_INTEGER, &e) ||
	    !rax_der_next(&p, end, &e))
		return NULL;

	if (e.tag == RAX_DER_IMPLICIT_0) {
		*is_skid = true;
		return asymmetric_key_generate_id(e.val, e.len, "", 0);
	}
	if (e.tag != RAX_DER_SEQUENCE)
		return NULL;
	/* IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber } */
	p = e.val;
	end = e.val + e.len;
	if (!rax_der_expect(&p, end, RAX_DER_SEQUENCE, &issuer) ||
	    !rax_der_expect(&p, end, RAX_DER_INTEGER, &serial))
		return NULL;
	*is_skid = false;
	/* Contents without their headers, as the ASN.1 decoder hands them
	 * to pkcs7_sig_note_issuer() and pkcs7_sig_note_serial().
	 */
	return asymmetric_key_generate_id(serial.val, serial.len,
					  issuer.val, issuer.len);
}

/**
 * rax_signer_describe() - Describe the key of @keyring that signed a message.
 * @sig: a PKCS#7 message that verify_pkcs7_signature() accepted.
 * @size: its size.
 * @keyring: the keyring it was verified against.
 * @buf: where to write the key's description, NUL-terminated.
 * @len: size of @buf.
 *
 * Return: 0, or -ENOKEY with "unknown" in @buf when the signer cannot be
 * named.
 */
int rax_signer_describe(const void *sig, size_t size, struct key *keyring,
			char *buf, size_t len)
{
	struct asymmetric_key_id *id;
	struct key *key;
	bool is_skid = false;

	strscpy(buf, "unknown", len);
	id = rax_signer_id(sig, size, &is_skid);
	if (IS_ERR_OR_NULL(id))
		return -ENOKEY;
	key = find_asymmetric_key(keyring, is_skid ? NULL : id,
				  is_skid ? id : NULL, NULL, false);
	kfree(id);
	if (IS_ERR(key))
		return -ENOKEY;
	strscpy(buf, key->description ?: "unknown", len);
	key_put(key);
	return 0;
}
