#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Forge RSA signatures the way a small public exponent allows.

With a public exponent of 3, a forger can take cube roots over the
integers: without the private key, it can make a signature whose cube is
a padded digest (00 01 FF.. 00 DigestInfo digest) in every byte a lax
check reads, with garbage in the bytes it skips (Bleichenbacher, 2006).
Each forgery here is such a signature for the message that SIG, a genuine
detached PKCS#7 signature made with KEY (RSA, no signed attributes), signs:
the same PKCS#7 message with the RSA signature replaced. The kernel's
PKCS#1 v1.5 check reads every byte and must refuse each of them.

  tail     garbage after the digest: 00 01, eight FF, 00, DigestInfo, the
           digest, then garbage to the key's length
  padding  garbage inside the padding: 00 01, eight FF, garbage, 00,
           DigestInfo, the digest (needs an odd digest: exit 3 otherwise)

Before writing a forgery the script checks that it is one: that the
genuine signature, raised to the key's exponent, is the padded digest;
and that the forgery, raised to it, carries the same DigestInfo and
digest where the lax check looks, and differs from the padded digest.
Exit 2 when KEY's exponent is not 3 (no such forgery: nothing written).

Usage: forge-signature.py KEY.pem SIG tail|padding OUT
"""

import re
import subprocess
import sys

# DER DigestInfo of SHA-256 (RFC 8017, 9.2, note 1).
SHA256_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def public_key(pem):
    """(n, e) of the certificate in @pem."""
    text = subprocess.run(["openssl", "x509", "-in", pem, "-noout", "-text"],
                          check=True, capture_output=True, text=True).stdout
    m = re.search(r"Exponent: (\d+)", text)
    mod = subprocess.run(["openssl", "x509", "-in", pem, "-noout", "-modulus"],
                         check=True, capture_output=True, text=True).stdout
    return int(mod.strip().split("=", 1)[1], 16), int(m.group(1))


def icbrt(x):
    """The largest integer whose cube is at most @x."""
    r = 1 << ((x.bit_length() + 2) // 3)
    while True:
        s = (2 * r + x // (r * r)) // 3
        if s >= r:
            break
        r = s
    while r ** 3 > x:
        r -= 1
    while (r + 1) ** 3 <= x:
        r += 1
    return r


def cbrt_mod_2k(d, k):
    """x with x^3 = @d (odd) modulo 2^@k, one bit at a time."""
    x = 1
    for i in range(1, k):
        if ((x ** 3 - d) >> i) & 1:
            x |= 1 << i
    return x


def forge_tail(klen, digest):
    """A cube of the form 00 01 FF*8 00 DigestInfo digest garbage."""
    head = b"\x00\x01" + b"\xff" * 8 + b"\x00" + SHA256_INFO + digest
    free = 8 * (klen - len(head))
    lo = int.from_bytes(head, "big") << free
    s = icbrt(lo - 1) + 1
    if s ** 3 >= lo + (1 << free):
        raise SystemExit("no cube fits: the garbage is too short")
    return s


def forge_padding(klen, digest):
    """A cube of the form 00 01 FF*8 garbage 00 DigestInfo digest."""
    tail = b"\x00" + SHA256_INFO + digest
    if not digest[-1] & 1:
        return None
    k = 8 * len(tail)
    low = cbrt_mod_2k(int.from_bytes(tail, "big"), k)
    head = b"\x00\x01" + b"\xff" * 8
    free = 8 * (klen - len(head))
    top = int.from_bytes(head, "big") << free
    # The high bits of s from the cube root of the head, the low k bits
    # from the root modulo 2^k: the low bits move the cube's top by far
    # less than its last head byte.
    hi = icbrt(top + (1 << (free - 1))) >> k
    for h in (hi, hi + 1, hi - 1):
        s = (h << k) | low
        if s ** 3 >> free == int.from_bytes(head, "big"):
            return s
    raise SystemExit("no cube fits the padding forgery")


def main():
    if len(sys.argv) != 5 or sys.argv[3] not in ("tail", "padding"):
        raise SystemExit(__doc__)
    key, sig_path, kind, out = sys.argv[1:]
    n, e = public_key(key)
    klen = (n.bit_length() + 7) // 8
    if e != 3:
        print("the key's exponent is %d, not 3: no such forgery" % e, file=sys.stderr)
        sys.exit(2)
    sig = bytearray(open(sig_path, "rb").read())
    # Without signed attributes or certificates, the RSA signature is the
    # last element of the PKCS#7 message: an OCTET STRING of klen bytes.
    if sig[-klen - 4:-klen] != bytes([0x04, 0x82, klen >> 8, klen & 0xFF]):
        raise SystemExit("%s does not end with a %d-byte signature" % (sig_path, klen))
    em = pow(int.from_bytes(sig[-klen:], "big"), e, n).to_bytes(klen, "big")
    pad = klen - 3 - len(SHA256_INFO) - 32
    if em[:2 + pad + 1 + len(SHA256_INFO)] != \
            b"\x00\x01" + b"\xff" * pad + b"\x00" + SHA256_INFO:
        raise SystemExit("%s is not a PKCS#1 v1.5 SHA-256 signature by %s" % (sig_path, key))
    digest = em[-32:]
    s = forge_tail(klen, digest) if kind == "tail" else forge_padding(klen, digest)
    if s is None:
        print("the signed digest is even: no padding forgery", file=sys.stderr)
        sys.exit(3)
    forged = pow(s, e, n).to_bytes(klen, "big")
    if s >= n or forged == em or SHA256_INFO + digest not in forged or \
            forged[:10] != b"\x00\x01" + b"\xff" * 8:
        raise SystemExit("the %s forgery is not one" % kind)
    sig[-klen:] = s.to_bytes(klen, "big")
    with open(out, "wb") as f:
        f.write(sig)


if __name__ == "__main__":
    main()
