#!/usr/bin/env python3
"""Derives and checks the affine maps around the AES circuit in sbox.rs.

Reads sbox.rs itself: the Boyar-Peralta-Calik statements (every
`let name = a ^ b;` / `let name = a & b;` line between the input and output
maps) and the SM4 S-box table of its test module. It then

1. checks that the SM4 S-box is S(x) = A * inv(A * x + 0xD3) + 0xD3 in
   GF(2)[t]/(t^8+t^7+t^6+t^5+t^4+t^2+1), A the circulant matrix of 0xA7;
2. finds the field isomorphism onto the AES field (t -> a root of the SM4
   field polynomial in GF(2)[t]/(t^8+t^4+t^3+t+1));
3. folds it, A, and the inverse of the circuit's linear output layer L into
   IN, cin, OUT, cout with S(x) = OUT * BPC(IN * x + cin) + cout;
4. checks that on all 256 inputs, and prints the Rust lines for both maps;
5. does the same around the AES S-box (the nibble tables of x86.rs and
   aarch64.rs);
6. derives the two GFNI matrices of x86.rs.

Run: python3 sbox_maps.py   (from this directory)
"""
import re

SRC = open("sbox.rs").read()
STMTS = re.findall(r"let (\w+) = (\w+) ([\^&]) (\w+);", SRC)
TABLE = SRC[SRC.index("const SBOX"):]
SBOX = [int(v, 16) for v in re.findall(r"0x([0-9a-f]{2})\b", TABLE[: TABLE.index("];")])]
assert len(STMTS) == 113 and len(SBOX) == 256


def bpc(x):
    """The circuit on one byte: input bit i is u(7-i), output bit i is s(7-i)."""
    env = {"u%d" % (7 - i): (x >> i) & 1 for i in range(8)}
    for dst, a, op, b in STMTS:
        env[dst] = env[a] ^ env[b] if op == "^" else env[a] & env[b]
    return sum(env["s%d" % (7 - i)] << i for i in range(8))


def gmul(a, b, poly):
    r = 0
    while b:
        if b & 1:
            r ^= a
        b >>= 1
        a <<= 1
        if a & 0x100:
            a ^= poly
    return r


def ginv(a, poly):
    return next((b for b in range(1, 256) if gmul(a, b, poly) == 1), 0) if a else 0


def apply(cols, x):  # a matrix as the images of the 8 unit vectors
    r = 0
    for i in range(8):
        if (x >> i) & 1:
            r ^= cols[i]
    return r


def cols_of(f):
    return [f(1 << i) for i in range(8)]


def compose(m, n):
    return [apply(m, c) for c in n]


def invert(m):
    image = {apply(m, x): x for x in range(256)}
    return [image[1 << i] for i in range(8)]


SM4_POLY, AES_POLY = 0x1F5, 0x11B


def a_mul(x):
    """Output bit j is the parity of x AND (0xA7 rotated left by j)."""
    rotl = lambda v, k: ((v << k) | (v >> (8 - k))) & 0xFF
    return sum((bin(rotl(0xA7, j) & x).count("1") & 1) << j for j in range(8))


A = cols_of(a_mul)
assert all(apply(A, ginv(apply(A, x) ^ 0xD3, SM4_POLY)) ^ 0xD3 == SBOX[x] for x in range(256))


def is_root(r):
    acc, power = 0, 1
    for i in range(9):
        if (SM4_POLY >> i) & 1:
            acc ^= power
        power = gmul(power, r, AES_POLY)
    return acc == 0


root = next(r for r in range(2, 256) if is_root(r))
PHI = [1]
for _ in range(7):
    PHI.append(gmul(PHI[-1], root, AES_POLY))
assert all(apply(PHI, ginv(x, SM4_POLY)) == ginv(apply(PHI, x), AES_POLY) for x in range(256))

L = cols_of(lambda y: bpc(ginv(y, AES_POLY)))
assert all(bpc(y) == apply(L, ginv(y, AES_POLY)) for y in range(256)), "BPC is not L * inv"

IN, CIN = compose(PHI, A), apply(PHI, 0xD3)
OUT, COUT = compose(A, compose(invert(PHI), invert(L))), 0xD3
assert all(apply(OUT, bpc(apply(IN, x) ^ CIN)) ^ COUT == SBOX[x] for x in range(256))
print("isomorphism t -> %#04x; S(x) = OUT * BPC(IN * x + %#04x) + %#04x" % (root, CIN, COUT))

for j in range(8):
    e = " ^ ".join("x[%d]" % i for i in range(8) if (IN[i] >> j) & 1)
    print("    let u%d = %s;" % (7 - j, "!(%s)" % e if (CIN >> j) & 1 else e))
for j in range(8):
    e = " ^ ".join("s%d" % (7 - i) for i in range(8) if (OUT[i] >> j) & 1)
    print("        %s," % ("!(%s)" % e if (COUT >> j) & 1 else e))


# 5. The same S-box around the AES S-box (AES-NI `aesenclast`, AArch64
#    `aese`, both with a zero round key): S(x) = OUT2(S_aes(IN2 x + c_in)),
#    S_aes(y) = L_aes * inv(y) + 0x63, so OUT2(z) = A PHI^-1 L_aes^-1 (z + 0x63) + 0xD3.
#    Each affine map becomes two 16-entry nibble tables (the constant folded
#    into the low one), as x86.rs and aarch64.rs look them up.
def aes_sbox(y):
    v = ginv(y, AES_POLY)
    rotl = lambda v, k: ((v << k) | (v >> (8 - k))) & 0xFF
    return v ^ rotl(v, 1) ^ rotl(v, 2) ^ rotl(v, 3) ^ rotl(v, 4) ^ 0x63


L_AES = cols_of(lambda v: aes_sbox(ginv(v, AES_POLY)) ^ 0x63)
OUT2 = compose(A, compose(invert(PHI), invert(L_AES)))
COUT2 = apply(OUT2, 0x63) ^ 0xD3
assert all(apply(OUT2, aes_sbox(apply(IN, x) ^ CIN)) ^ COUT2 == SBOX[x] for x in range(256))


def nibble_tables(m, c):
    lo = [apply(m, n) ^ c for n in range(16)]
    hi = [apply(m, n << 4) for n in range(16)]
    return bytes(lo).hex(), bytes(hi).hex()


print("IN_LO, IN_HI   = %s, %s" % nibble_tables(IN, CIN))
print("OUT_LO, OUT_HI = %s, %s" % nibble_tables(OUT2, COUT2))


# 6. GFNI: `gf2p8affineqb` computes M x + b and `gf2p8affineinvqb`
#    M inv(x) + b in the AES field, so S(x) = M2 inv(M1 x + b1) + b2 with
#    M1 = PHI A, b1 = PHI 0xD3, M2 = A PHI^-1, b2 = 0xD3. The instructions
#    take M as a 64-bit word whose byte 7 - i is the row for output bit i.
M1, B1 = compose(PHI, A), apply(PHI, 0xD3)
M2, B2 = compose(A, invert(PHI)), 0xD3
assert all(apply(M2, ginv(apply(M1, x) ^ B1, AES_POLY)) ^ B2 == SBOX[x] for x in range(256))


def gfni_word(m):
    rows = [sum(((m[j] >> i) & 1) << j for j in range(8)) for i in range(8)]
    return sum(rows[i] << (8 * (7 - i)) for i in range(8))


print("GFNI: M1 = %#018x, b1 = %#04x; M2 = %#018x, b2 = %#04x" % (gfni_word(M1), B1, gfni_word(M2), B2))
