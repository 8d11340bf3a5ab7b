#![allow(clippy::unwrap_used, clippy::panic)]
use super::*;
use crate::testvec::{self, test_bytes};
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

fn key16(v: &[u8]) -> [u8; 16] {
    v.try_into().unwrap()
}

#[test]
fn block_vectors_and_round_keys() {
    for r in testvec::load("sm4.txt") {
        let c = Sm4::new(&r.array("key"));
        if r.has("round_keys") {
            let rk: Vec<u32> = r
                .bytes("round_keys")
                .chunks(4)
                .map(|w| u32::from_be_bytes(w.try_into().unwrap()))
                .collect();
            assert_eq!(c.round_keys().as_slice(), rk.as_slice());
        }
        let mut b: [u8; 16] = r.array("plaintext");
        for _ in 0..r.int("iterations") {
            c.encrypt_block(&mut b);
        }
        assert_eq!(b, r.array::<16>("ciphertext"), "line {}", r.line);
        if r.int("iterations") == 1 {
            c.decrypt_block(&mut b);
            assert_eq!(b, r.array::<16>("plaintext"));
        }
    }
}

#[test]
fn mode_vectors() {
    for r in testvec::load("sm4-modes.txt") {
        let key = r.bytes("key");
        let iv: [u8; 16] = r.array("iv");
        let pt = r.bytes("plaintext");
        let ct = r.bytes("ciphertext");
        let mut buf = pt.clone();
        match r.word("mode") {
            "cbc" => {
                let mut out = vec![0u8; pt.len()];
                let n = cbc_encrypt(&key16(&key), &iv, Padding::None, &pt, &mut out).unwrap();
                assert_eq!(&out[..n], &ct[..]);
                buf = out;
            }
            "ofb" => ofb::apply(&Sm4::new(&key16(&key)), &iv, &mut buf),
            "cfb" => cfb::encrypt(&Sm4::new(&key16(&key)), &iv, &mut buf),
            "ctr" => ctr::apply(&Sm4::new(&key16(&key)), &iv, &mut buf),
            "xts" => {
                let std = if r.word("standard") == "gb" {
                    xts::XtsStandard::GbT17964
                } else {
                    xts::XtsStandard::Ieee1619
                };
                let x = xts::Sm4Xts::new(&key.as_slice().try_into().unwrap(), std).unwrap();
                x.encrypt(&iv, &mut buf).unwrap();
                assert_eq!(buf, ct, "line {}", r.line);
                x.decrypt(&iv, &mut buf).unwrap();
                assert_eq!(buf, pt, "line {}", r.line);
                continue;
            }
            m => panic!("unknown mode {m}"),
        }
        assert_eq!(buf, ct, "line {}", r.line);
    }
}

#[test]
fn aead_vectors() {
    for r in testvec::load("sm4-aead.txt") {
        let key = r.array::<16>("key");
        let (nonce, aad, pt, ct, tag) = (
            r.bytes("nonce"),
            r.bytes("aad"),
            r.bytes("plaintext"),
            r.bytes("ciphertext"),
            r.bytes("tag"),
        );
        let mut buf = pt.clone();
        match r.word("mode") {
            "gcm" => {
                let g = gcm::Sm4Gcm::new(&key);
                let t = g.seal_in_place(&nonce, &aad, &mut buf).unwrap();
                assert_eq!((&buf, t.to_vec()), (&ct, tag.clone()), "line {}", r.line);
                g.open_in_place(&nonce, &aad, &mut buf, &tag).unwrap();
            }
            "ccm" => {
                let c = ccm::Sm4Ccm::with_tag_len(&key, tag.len()).unwrap();
                let mut t = vec![0u8; tag.len()];
                c.seal_in_place(&nonce, &aad, &mut buf, &mut t).unwrap();
                assert_eq!((&buf, &t), (&ct, &tag), "line {}", r.line);
                c.open_in_place(&nonce, &aad, &mut buf, &tag).unwrap();
            }
            m => panic!("unknown mode {m}"),
        }
        assert_eq!(buf, pt);
    }
}

#[test]
fn aead_traits_drop_in() {
    use aead::{Aead, KeyInit};
    let k = [3u8; 16];
    let n = [5u8; 12];
    let g = <gcm::Sm4Gcm as KeyInit>::new(&k.into());
    let ct = g.encrypt(&n.into(), &b"hello"[..]).unwrap();
    assert_eq!(ct.len(), 5 + 16);
    assert_eq!(g.decrypt(&n.into(), &ct[..]).unwrap(), b"hello");
    let c = <ccm::Sm4Ccm as KeyInit>::new(&k.into());
    let ct2 = c.encrypt(&n.into(), &b"hello"[..]).unwrap();
    assert_eq!(c.decrypt(&n.into(), &ct2[..]).unwrap(), b"hello");
    let mut bad = ct2.clone();
    bad[0] ^= 1;
    assert!(c.decrypt(&n.into(), &bad[..]).is_err());
}

#[test]
fn cmac_matches_a_definition_built_from_cbc_mac() {
    // CMAC of a whole-block message = CBC-MAC with K1 xored into the last block.
    let c = Sm4::new(&[9u8; 16]);
    let mut l = [0u8; 16];
    c.encrypt_block(&mut l);
    let msb = l[0] >> 7;
    let mut k1 = [0u8; 16];
    for i in 0..16 {
        k1[i] = (l[i] << 1) | if i < 15 { l[i + 1] >> 7 } else { 0 };
    }
    if msb == 1 {
        k1[15] ^= 0x87;
    }
    let msg: Vec<u8> = (0..48u8).collect();
    let mut m2 = msg.clone();
    for i in 0..16 {
        m2[32 + i] ^= k1[i];
    }
    assert_eq!(mac::cmac(&c, &msg), mac::cbc_mac(&c, &m2).unwrap());
    let mut m = mac::Cmac::new(c.clone());
    m.update(&msg[..7]);
    m.update(&msg[7..]);
    m.verify(&mac::cmac(&c, &msg)[..8]).unwrap();
    assert!(mac::cbc_mac(&c, &msg[..5]).is_err());
}

#[test]
fn negative_cases() {
    let key = [1u8; 16];
    let g = gcm::Sm4Gcm::new(&key);
    let mut data = *b"some plaintext!!";
    let tag = g.seal_in_place(&[0u8; 12], b"aad", &mut data).unwrap();
    for (nonce, aad, flip_ct, flip_tag) in [
        ([0u8; 12], &b"aad"[..], true, false),
        ([0; 12], b"aad", false, true),
        ([0; 12], b"aae", false, false),
        ([1; 12], b"aad", false, false),
    ] {
        let mut d = data;
        let mut t = tag;
        if flip_ct {
            d[3] ^= 1;
        }
        if flip_tag {
            t[15] ^= 1;
        }
        assert_eq!(
            g.open_in_place(&nonce, aad, &mut d, &t),
            Err(crate::Error::DecryptFailed)
        );
        assert_eq!(d, [0u8; 16], "failed open zeroes the output");
    }
    assert!(
        g.open_in_place(&[0u8; 12], b"aad", &mut data.clone(), &tag[..11])
            .is_err()
    );
    assert!(g.seal_in_place(&[], b"", &mut []).is_err());

    let c = ccm::Sm4Ccm::new(&key);
    let mut t = [0u8; 16];
    let mut d = *b"ccm message";
    c.seal_in_place(&[0u8; 12], b"", &mut d, &mut t).unwrap();
    t[0] ^= 1;
    assert_eq!(
        c.open_in_place(&[0u8; 12], b"", &mut d, &t),
        Err(crate::Error::DecryptFailed)
    );
    assert!(
        c.seal_in_place(&[0u8; 14], b"", &mut [], &mut [0u8; 16])
            .is_err()
    );
    assert!(ccm::Sm4Ccm::with_tag_len(&key, 5).is_err());

    let mut out = [0u8; 64];
    assert!(matches!(
        cbc_encrypt(&key, &[0; 16], Padding::None, &[0; 17], &mut out),
        Err(crate::Error::Length { .. })
    ));
    assert!(matches!(
        cbc_encrypt(&key, &[0; 16], Padding::Pkcs7, &[0; 40], &mut [0u8; 40]),
        Err(crate::Error::BufferTooSmall { needed: 48 })
    ));
    assert!(cbc_decrypt(&key, &[0; 16], Padding::Pkcs7, &[0; 15], &mut out).is_err());
    assert!(cbc_decrypt(&key, &[0; 16], Padding::Pkcs7, &[], &mut out).is_err());
    // A random last block almost never carries valid padding.
    let mut bad = 0;
    for i in 0..50u8 {
        if cbc_decrypt(&key, &[i; 16], Padding::Pkcs7, &[i; 32], &mut out)
            == Err(crate::Error::DecryptFailed)
        {
            bad += 1;
        }
    }
    assert!(bad > 40);
    let x = xts::Sm4Xts::new(
        &[[1u8; 16], [2u8; 16]].concat().try_into().unwrap(),
        xts::XtsStandard::Ieee1619,
    )
    .unwrap();
    assert!(x.encrypt(&[0; 16], &mut [0u8; 15]).is_err());
    assert!(xts::Sm4Xts::new(&[7u8; 32], xts::XtsStandard::Ieee1619).is_err());
}

proptest! {
    #[test]
    fn block_matches_rustcrypto(key in any::<[u8; 16]>(), block in any::<[u8; 16]>()) {
        use cipher::{BlockCipherEncrypt, KeyInit};
        let ours = Sm4::new(&key);
        let theirs = <sm4::Sm4 as KeyInit>::new(&key.into());
        let mut a = block;
        ours.encrypt_block(&mut a);
        let mut b = block.into();
        theirs.encrypt_block(&mut b);
        prop_assert_eq!(a, <[u8; 16]>::from(b));
        ours.decrypt_block(&mut a);
        prop_assert_eq!(a, block);
    }

    #[test]
    fn block_modes_round_trip_in_pieces(key in any::<[u8; 16]>(), iv in any::<[u8; 16]>(), data in proptest::collection::vec(any::<u8>(), 0..200), cut in 0usize..200) {
        let c = Sm4::new(&key);
        let cut = cut % (data.len() + 1);
        for padding in [Padding::Pkcs7, Padding::None] {
            let data = if padding == Padding::None { &data[..data.len() / 16 * 16] } else { &data[..] };
            let cut = cut.min(data.len());
            let mut one = vec![0u8; data.len() + 16];
            let n = cbc::encrypt(&c, &iv, padding, data, &mut one).unwrap();
            // Streaming in two pieces gives the same bytes.
            let mut e = cbc::Encryptor::new(c.clone(), &iv);
            let mut two = vec![0u8; data.len() + 32];
            let mut m = e.update(&data[..cut], &mut two).unwrap();
            m += e.update(&data[cut..], &mut two[m..]).unwrap();
            m += e.finish(padding, &mut two[m..]).unwrap();
            prop_assert_eq!(&one[..n], &two[..m]);
            let mut back = vec![0u8; n];
            let k = cbc::decrypt(&c, &iv, padding, &one[..n], &mut back).unwrap();
            prop_assert_eq!(&back[..k], data);
            let mut d = cbc::Decryptor::new(c.clone(), &iv);
            let mut back2 = vec![0u8; n + 32];
            let cut2 = cut.min(n);
            let mut j = d.update(&one[..cut2], &mut back2).unwrap();
            j += d.update(&one[cut2..n], &mut back2[j..]).unwrap();
            j += d.finish(padding, &mut back2[j..]).unwrap();
            prop_assert_eq!(&back2[..j], data);
            let mut e2 = vec![0u8; n];
            let ne = ecb::encrypt(&c, padding, data, &mut e2).unwrap();
            let mut d2 = vec![0u8; ne];
            let nd = ecb::decrypt(&c, padding, &e2[..ne], &mut d2).unwrap();
            prop_assert_eq!(&d2[..nd], data);
        }
    }

    #[test]
    fn stream_modes_round_trip_in_pieces(key in any::<[u8; 16]>(), iv in any::<[u8; 16]>(), data in proptest::collection::vec(any::<u8>(), 0..200), cut in 0usize..200) {
        let c = Sm4::new(&key);
        let cut = cut % (data.len() + 1);
        // CTR
        let mut one = data.clone();
        ctr::apply(&c, &iv, &mut one);
        let mut two = data.clone();
        let mut s = ctr::Ctr::new(c.clone(), &iv);
        s.apply(&mut two[..cut]);
        s.apply(&mut two[cut..]);
        prop_assert_eq!(&one, &two);
        ctr::apply(&c, &iv, &mut two);
        prop_assert_eq!(&two, &data);
        // OFB
        let mut one = data.clone();
        ofb::apply(&c, &iv, &mut one);
        let mut s = ofb::Ofb::new(c.clone(), &iv);
        let mut two = data.clone();
        s.apply(&mut two[..cut]);
        s.apply(&mut two[cut..]);
        prop_assert_eq!(&one, &two);
        // CFB
        let mut one = data.clone();
        cfb::encrypt(&c, &iv, &mut one);
        let mut s = cfb::Cfb::new(c.clone(), &iv, cfb::Direction::Decrypt);
        let mut two = one.clone();
        s.apply(&mut two[..cut]);
        s.apply(&mut two[cut..]);
        prop_assert_eq!(&two, &data);
        // GCM streaming equals one-shot and opens.
        let g = gcm::Sm4Gcm::new(&key);
        let mut one = data.clone();
        let tag = g.seal_in_place(&iv[..12], b"hdr", &mut one).unwrap();
        let mut e = g.encryptor(&iv[..12], b"hdr").unwrap();
        let mut two = data.clone();
        e.update(&mut two[..cut]).unwrap();
        e.update(&mut two[cut..]).unwrap();
        prop_assert_eq!(e.finish(), tag);
        prop_assert_eq!(&one, &two);
        g.open_in_place(&iv[..12], b"hdr", &mut two, &tag).unwrap();
        prop_assert_eq!(&two, &data);
        // GCM with a non-standard nonce length round-trips.
        let mut three = data.clone();
        let t3 = g.seal_in_place(&iv, b"", &mut three).unwrap();
        g.open_in_place(&iv, b"", &mut three, &t3).unwrap();
        prop_assert_eq!(&three, &data);
        // XTS (both standards) round-trips for every length >= 16.
        if data.len() >= 16 {
            for std in [xts::XtsStandard::Ieee1619, xts::XtsStandard::GbT17964] {
                let mut k = [0u8; 32];
                k[..16].copy_from_slice(&key);
                k[16..].copy_from_slice(&iv);
                if let Ok(x) = xts::Sm4Xts::new(&k, std) {
                    let mut d = data.clone();
                    x.encrypt(&iv, &mut d).unwrap();
                    prop_assert_ne!(&d, &data);
                    x.decrypt(&iv, &mut d).unwrap();
                    prop_assert_eq!(&d, &data);
                }
            }
        }
        // CCM round-trips.
        let cc = ccm::Sm4Ccm::new(&key);
        let mut d = data.clone();
        let mut t = [0u8; 16];
        cc.seal_in_place(&iv[..12], b"x", &mut d, &mut t).unwrap();
        cc.open_in_place(&iv[..12], b"x", &mut d, &t).unwrap();
        prop_assert_eq!(&d, &data);
    }
}

/// The kernels this CPU runs, the portable one last.
fn kernels() -> Vec<super::block::Kernel> {
    super::block::Kernel::ALL
        .iter()
        .copied()
        .filter(|k| k.is_available())
        .collect()
}

/// Every kernel this CPU runs agrees with the portable one on the same
/// random blocks: both directions, every block count from 1 to 40 (so
/// every tail of every pass width), buffers at several byte offsets.
#[test]
fn every_kernel_matches_portable() {
    use super::block::Direction;
    let ks = kernels();
    std::eprintln!(
        "SM4 kernels on this CPU: {:?} (selected: {})",
        ks,
        kernel_name()
    );
    assert_eq!(ks.last(), Some(&super::block::Kernel::Portable));
    for (round, n) in (1..=40usize).enumerate() {
        let key: [u8; 16] = test_bytes(round as u64, 16).try_into().unwrap();
        let c = Sm4::new(&key);
        let data = test_bytes(1000 + round as u64, n * 16);
        for dir in [Direction::Encrypt, Direction::Decrypt] {
            let mut want = data.clone();
            c.crypt_many_portable(want.as_chunks_mut::<16>().0, dir);
            for &k in &ks {
                for off in [0usize, 1, 7, 8, 15] {
                    let mut buf = vec![0xa5u8; off + n * 16 + 3];
                    buf[off..off + n * 16].copy_from_slice(&data);
                    let (blocks, rest) = buf[off..off + n * 16].as_chunks_mut::<16>();
                    assert!(rest.is_empty());
                    c.crypt_many_with(k, blocks, dir);
                    assert_eq!(&buf[off..off + n * 16], &want[..], "{k:?} n={n} off={off}");
                    assert!(buf[..off].iter().all(|&b| b == 0xa5), "{k:?} wrote before");
                    assert!(
                        buf[off + n * 16..].iter().all(|&b| b == 0xa5),
                        "{k:?} wrote after"
                    );
                }
            }
            let mut one: [u8; 16] = data[..16].try_into().unwrap();
            c.crypt_block(&mut one, dir);
            assert_eq!(&one[..], &want[..16]);
        }
    }
}

proptest! {
    /// The same on arbitrary keys and blocks: every kernel this CPU runs
    /// agrees with the portable one.
    #[test]
    fn kernels_agree(key in any::<[u8; 16]>(), blocks in proptest::collection::vec(any::<[u8; 16]>(), 0..41)) {
        use super::block::Direction;
        let c = Sm4::new(&key);
        for dir in [Direction::Encrypt, Direction::Decrypt] {
            let mut b = blocks.clone();
            c.crypt_many_portable(&mut b, dir);
            for k in kernels() {
                let mut a = blocks.clone();
                c.crypt_many_with(k, &mut a, dir);
                prop_assert_eq!(&a, &b, "{:?}", k);
            }
            let mut a = blocks.clone();
            c.crypt_many(&mut a, dir);
            prop_assert_eq!(&a, &b);
            if let Some(first) = blocks.first() {
                let mut one = *first;
                c.crypt_block(&mut one, dir);
                prop_assert_eq!(one, b[0]);
            }
        }
    }
}

/// When the CPU reports the SM4 instructions (as told by the standard
/// library's own detection, not the one the kernels use), the `sm4e`
/// kernel is the one selected, so the tests above exercise it rather than
/// skip it; without them (or with `force-portable`) it is never offered.
#[cfg(target_arch = "aarch64")]
#[test]
fn sm4e_kernel_is_selected_here() {
    use super::block::Kernel;
    let has = crate::testvec::aarch64_sm_insns_reported();
    let expect = has && !cfg!(feature = "force-portable");
    std::eprintln!(
        "SM4 instructions reported: {has}; selected SM4 kernel: {}",
        kernel_name()
    );
    assert_eq!(Kernel::Sm4e.is_available(), expect);
    assert_eq!(kernels().contains(&Kernel::Sm4e), expect);
    if expect {
        assert_eq!(Kernel::selected(), Kernel::Sm4e);
        assert_eq!(Kernel::single(), Kernel::Sm4e);
        assert_eq!(kernel_name(), "SM4E");
    } else {
        assert_ne!(Kernel::selected(), Kernel::Sm4e);
    }
}

/// CBC encryption of whole blocks (with AVX-512 and GFNI, a kernel that
/// keeps the chaining value in registers) agrees with one block at a time
/// through the portable kernel, for every count up to 20 blocks, and
/// leaves the same chaining value; single blocks agree with the portable
/// kernel both ways.
#[test]
fn cbc_encrypt_and_single_blocks_match_portable() {
    use super::block::{Direction, Kernel};
    for n in 0..=20usize {
        let key: [u8; 16] = test_bytes(700 + n as u64, 16).try_into().unwrap();
        let c = Sm4::new(&key);
        let iv: [u8; 16] = test_bytes(800 + n as u64, 16).try_into().unwrap();
        let data = test_bytes(900 + n as u64, n * 16);
        let (blocks, _) = data.as_chunks::<16>();
        let mut chain = iv;
        let mut got = vec![[0u8; 16]; n];
        c.cbc_encrypt(&mut chain, blocks, &mut got);
        let mut want_chain = iv;
        let mut want = vec![[0u8; 16]; n];
        for (p, o) in blocks.iter().zip(want.iter_mut()) {
            for (a, b) in want_chain.iter_mut().zip(p) {
                *a ^= b;
            }
            c.crypt_many_with(
                Kernel::Portable,
                core::slice::from_mut(&mut want_chain),
                Direction::Encrypt,
            );
            *o = want_chain;
        }
        assert_eq!(got, want, "n={n}");
        assert_eq!(chain, want_chain, "n={n}");
        for dir in [Direction::Encrypt, Direction::Decrypt] {
            for b in blocks {
                let mut one = *b;
                c.crypt_block(&mut one, dir);
                let mut two = *b;
                c.crypt_many_with(Kernel::Portable, core::slice::from_mut(&mut two), dir);
                assert_eq!(one, two);
            }
        }
    }
}
