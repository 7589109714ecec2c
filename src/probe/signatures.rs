//! Certificate signatures, each checked once per run: judging a chain checks the same
//! signatures again and again — per trust source, at the local and at the true time, for a
//! path and for the complete verdict, and across targets whose chains share an intermediate
//! (a VPN provider's servers behind one wildcard certificate, a hundred sites under one CA).
//! A signature's validity is a pure function of the key, the message and the signature, so
//! its answer is kept, keyed by a SHA-256 of all three and the algorithm.

use std::collections::HashMap;
use std::fmt;
use std::sync::{LazyLock, Mutex};

use aws_lc_rs::digest;
use rustls::pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};

/// The most answers kept: a run of thousands of targets stays within a few hundred kilobytes
/// (a key and its answer take about 40 bytes).
const MAX_KEPT: usize = 16_384;

/// The provider's algorithms, each answering from what it already checked.
pub fn algorithms() -> &'static [&'static dyn SignatureVerificationAlgorithm] {
    static ALGS: LazyLock<Vec<&'static dyn SignatureVerificationAlgorithm>> = LazyLock::new(|| {
        rustls::crypto::aws_lc_rs::default_provider()
            .signature_verification_algorithms
            .all
            .iter()
            .map(|inner| {
                let kept: &'static Kept = Box::leak(Box::new(Kept { inner: *inner }));
                kept as &'static dyn SignatureVerificationAlgorithm
            })
            .collect()
    });
    &ALGS
}

/// What has been checked: the digest of (algorithm, key, message, signature) → valid.
static ANSWERS: LazyLock<Mutex<HashMap<[u8; 32], bool>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// One algorithm of the provider, with its answers kept.
struct Kept {
    inner: &'static dyn SignatureVerificationAlgorithm,
}

impl fmt::Debug for Kept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "kept({:?})", self.inner)
    }
}

impl Kept {
    fn key(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> [u8; 32] {
        let mut ctx = digest::Context::new(&digest::SHA256);
        // Each part after its length, so no two splits of the same bytes meet.
        for part in [
            self.inner.public_key_alg_id().as_ref(),
            self.inner.signature_alg_id().as_ref(),
            public_key,
            message,
            signature,
        ] {
            ctx.update(&(part.len() as u64).to_be_bytes());
            ctx.update(part);
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(ctx.finish().as_ref());
        key
    }
}

impl SignatureVerificationAlgorithm for Kept {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let key = self.key(public_key, message, signature);
        let known = ANSWERS.lock().ok().and_then(|m| m.get(&key).copied());
        let valid = match known {
            Some(valid) => valid,
            None => {
                let valid = self
                    .inner
                    .verify_signature(public_key, message, signature)
                    .is_ok();
                if let Ok(mut m) = ANSWERS.lock() {
                    if m.len() >= MAX_KEPT {
                        m.clear();
                    }
                    m.insert(key, valid);
                }
                valid
            }
        };
        if valid { Ok(()) } else { Err(InvalidSignature) }
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.signature_alg_id()
    }

    fn fips(&self) -> bool {
        self.inner.fips()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid signature stays valid and a forged one stays forged, asked once or again: the
    /// answer kept is the answer the provider gives.
    #[test]
    fn answers_are_the_providers() {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
        let message = b"tbsCertificate";
        let sig = pair.sign(&rng, message).unwrap();
        let public = pair.public_key().as_ref();
        let alg = algorithms()
            .iter()
            .find(|a| {
                format!("{a:?}").contains("ECDSA_P256_SHA256")
                    || a.signature_alg_id() == rustls::pki_types::alg_id::ECDSA_SHA256
                        && a.public_key_alg_id() == rustls::pki_types::alg_id::ECDSA_P256
            })
            .expect("P-256 with SHA-256");
        for _ in 0..2 {
            assert!(alg.verify_signature(public, message, sig.as_ref()).is_ok());
            assert!(
                alg.verify_signature(public, b"another", sig.as_ref())
                    .is_err()
            );
        }
        let mut forged = sig.as_ref().to_vec();
        let last = forged.len() - 1;
        forged[last] ^= 1;
        for _ in 0..2 {
            assert!(alg.verify_signature(public, message, &forged).is_err());
        }
    }
}
