#![allow(clippy::unwrap_used)]
use super::*;
use crate::testvec;
use proptest::prelude::*;
use std::vec::Vec;

#[test]
fn official_vectors() {
    for r in testvec::load("sm3.txt") {
        let msg = r.bytes("msg");
        assert_eq!(hash(&msg).to_vec(), r.bytes("digest"), "line {}", r.line);
    }
}

#[test]
fn hmac_vectors() {
    let recs: Vec<_> = testvec::load("mac-kdf.txt")
        .into_iter()
        .filter(|r| r.word("alg") == "hmac-sm3")
        .collect();
    assert!(!recs.is_empty());
    for r in recs {
        assert_eq!(
            hmac(&r.bytes("key"), &r.bytes("msg")).to_vec(),
            r.bytes("mac"),
            "line {}",
            r.line
        );
    }
}

#[test]
fn every_length_matches_rustcrypto_sm3() {
    use sm3::Digest;
    let data: Vec<u8> = (0..300u32).map(|i| (i * 131 + 7) as u8).collect();
    for n in 0..data.len() {
        assert_eq!(
            hash(&data[..n]).as_slice(),
            sm3::Sm3::digest(&data[..n]).as_slice(),
            "length {n}"
        );
    }
}

#[test]
fn digest_trait_drop_in() {
    use digest::Digest;
    let d = <Sm3 as Digest>::digest(b"abc");
    assert_eq!(d.as_slice(), hash(b"abc").as_slice());
}

proptest! {
    #[test]
    fn streaming_equals_one_shot(data in proptest::collection::vec(any::<u8>(), 0..1000), cuts in proptest::collection::vec(0usize..1000, 0..6)) {
        let mut h = Sm3::new();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (data.len() + 1)).collect();
        cuts.sort_unstable();
        let mut prev = 0;
        for c in cuts {
            h.update(&data[prev..c]);
            prev = c;
        }
        h.update(&data[prev..]);
        prop_assert_eq!(h.finalize(), hash(&data));
    }

    #[test]
    fn hmac_matches_rustcrypto(key in proptest::collection::vec(any::<u8>(), 0..150), msg in proptest::collection::vec(any::<u8>(), 0..300)) {
        use hmac::{Mac, KeyInit};
        let mut m = <hmac::Hmac<sm3::Sm3> as KeyInit>::new_from_slice(&key).unwrap();
        Mac::update(&mut m, &msg);
        let theirs: [u8; 32] = m.finalize().into_bytes().into();
        prop_assert_eq!(hmac(&key, &msg), theirs);
    }
}
