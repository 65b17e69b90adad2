#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Make a variant of a Rax object for the load-path selftests.

Each mutation changes bytes in place, so the variant is still a well-formed
ELF object and, once signed again with a trusted key, reaches the kernel's
format and policy checks that are meant to refuse it.

  format=N            the provenance note's format version
  stack=N             the stack bound of entry 0, in bytes
  prog_type=N         the program type of entry 0 in .rax.entries
  attach_type=N       the expected attach type of entry 0
  rename=OLD:NEW      an undefined symbol's name (same length)
  btf                 one bit of the context layouts' hash (RAX_PROV_BTF_SHA256):
                      an object built for another kernel's layouts
  flip=SECTION        one byte in the middle of SECTION, or of the first
                      SECTION.* (for tamper tests)

Usage: mutate-object.py IN OUT MUTATION...
"""

import struct
import sys

RAX_PROV_FORMAT = 1
RAX_PROV_STACK = 9
RAX_PROV_BTF_SHA256 = 11


def sections(img):
    shoff, = struct.unpack_from("<Q", img, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", img, 0x3A)
    hdrs = [struct.unpack_from("<IIQQQQIIQQ", img, shoff + i * shentsize) for i in range(shnum)]
    stroff = hdrs[shstrndx][4]

    def name(off):
        end = img.index(b"\0", stroff + off)
        return img[stroff + off:end].decode()

    return {name(h[0]): h for h in hdrs}


def note_records(img, sec):
    off = sec[4]
    namesz, descsz, _ = struct.unpack_from("<III", img, off)
    pos = off + 12 + ((namesz + 3) & ~3)
    end = pos + descsz
    while pos < end:
        tag, _, length = struct.unpack_from("<HHI", img, pos)
        yield tag, pos + 8, length
        pos += 8 + ((length + 3) & ~3)


def mutate(img, secs, m):
    key, _, val = m.partition("=")
    if key == "format":
        for tag, data, _ in note_records(img, secs[".rax.provenance"]):
            if tag == RAX_PROV_FORMAT:
                struct.pack_into("<I", img, data, int(val, 0))
                return
        raise SystemExit("no format record")
    if key == "stack":
        for tag, data, _ in note_records(img, secs[".rax.provenance"]):
            if tag == RAX_PROV_STACK and struct.unpack_from("<I", img, data)[0] == 0:
                struct.pack_into("<I", img, data + 4, int(val, 0))
                return
        raise SystemExit("no stack record for entry 0")
    if key == "btf":
        for tag, data, length in note_records(img, secs[".rax.provenance"]):
            if tag == RAX_PROV_BTF_SHA256:
                img[data + length - 1] ^= 0x01
                return
        raise SystemExit("no context layouts record")
    if key == "prog_type":
        struct.pack_into("<I", img, secs[".rax.entries"][4], int(val, 0))
        return
    if key == "attach_type":
        struct.pack_into("<I", img, secs[".rax.entries"][4] + 4, int(val, 0))
        return
    if key == "rename":
        old, new = (s.encode() for s in val.split(":"))
        if len(old) != len(new):
            raise SystemExit("rename: names must have the same length")
        strtab = secs[".strtab"]
        lo, hi = strtab[4], strtab[4] + strtab[5]
        at = img.find(b"\0" + old + b"\0", lo, hi)
        if at < 0:
            raise SystemExit("rename: no symbol %s" % old.decode())
        img[at + 1:at + 1 + len(new)] = new
        # the note's helper record names it too
        for tag, data, length in note_records(img, secs[".rax.provenance"]):
            if tag == 10 and bytes(img[data:data + length]) == old:
                img[data:data + length] = new
        return
    if key == "flip":
        names = [n for n in secs if n == val or n.startswith(val + ".")]
        if not names:
            raise SystemExit("flip: no section %s" % val)
        sec = secs[sorted(names)[0]]
        img[sec[4] + sec[5] // 2] ^= 0xFF
        return
    raise SystemExit("unknown mutation %s" % m)


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    img = bytearray(open(sys.argv[1], "rb").read())
    secs = sections(img)
    for m in sys.argv[3:]:
        mutate(img, secs, m)
    open(sys.argv[2], "wb").write(img)


if __name__ == "__main__":
    main()
