//! Constants of the SIMD kernels that use the AES S-box (x86 AES-NI and
//! VAES, AArch64 AESE): the nibble tables of the affine maps around it and
//! the byte shuffles. `sbox_maps.py` derives the tables and checks them on
//! all 256 inputs.

/// `IN`: low and high nibble tables (the constant folded into the low one).
pub(super) const IN_LO: [u8; 16] = hex16("3eb20e82bb378b07a12d911d24a81498");
pub(super) const IN_HI: [u8; 16] = hex16("00dc2ef2c519eb3708d426facd11e33f");
/// `OUT`: low and high nibble tables.
pub(super) const OUT_LO: [u8; 16] = hex16("6cd4a61e52ea98200bb3c179358dff47");
pub(super) const OUT_HI: [u8; 16] = hex16("00e050b09d7dcd2dc02090705dbd0ded");
/// Inverse ShiftRows: `m[4c + r] = 4((c - r) mod 4) + r`.
pub(super) const INV_SHIFT_ROWS: [u8; 16] = [0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3];
/// Inverse ShiftRows, then each 32-bit lane rotated left by 8, 16, 24.
pub(super) const ISR_ROL8: [u8; 16] = isr_rol(3);
pub(super) const ISR_ROL16: [u8; 16] = isr_rol(2);
pub(super) const ISR_ROL24: [u8; 16] = isr_rol(1);

/// Byte `j` of each little-endian 32-bit lane takes byte `j + k mod 4`:
/// a left rotation by `8 * (4 - k)` bits.
const fn rol_bytes(k: usize) -> [u8; 16] {
    let mut m = [0u8; 16];
    let mut i = 0;
    while i < 16 {
        m[i] = (4 * (i / 4) + (i % 4 + k) % 4) as u8;
        i += 1;
    }
    m
}

/// `pshufb(pshufb(x, INV_SHIFT_ROWS), rol_bytes(k))` as one shuffle.
const fn isr_rol(k: usize) -> [u8; 16] {
    let r = rol_bytes(k);
    let mut m = [0u8; 16];
    let mut i = 0;
    while i < 16 {
        m[i] = INV_SHIFT_ROWS[r[i] as usize];
        i += 1;
    }
    m
}

const fn hex16(s: &str) -> [u8; 16] {
    let b = s.as_bytes();
    let mut out = [0u8; 16];
    let mut i = 0;
    while i < 16 {
        out[i] = (nib(b[2 * i]) << 4) | nib(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nib(c: u8) -> u8 {
    if c <= b'9' { c - b'0' } else { c - b'a' + 10 }
}
