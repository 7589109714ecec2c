//! The diagnostic verifier: the only place that uses `rustls::client::danger`.
//!
//! To say *why* a certificate fails, the handshake has to finish even when the chain is bad:
//! this verifier records the chain as sent and what rustls's real verifier (webpki, every
//! trusted root) says about it, then lets the handshake go on. It still verifies the
//! handshake signatures with the provider's algorithms, so the peer must hold the key of the
//! certificate it sent; a failure there is recorded too. Nothing secret travels over a
//! connection made this way: the probe only sends `HEAD /`.

use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::ResolvesClientCert;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, DigitallySignedStruct, NamedGroup, SignatureScheme};

use super::trust::name_from_der;

/// What one handshake showed the verifier.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    /// The chain as the server sent it, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The time rustls verified at (the local clock).
    pub verified_at: Option<UnixTime>,
    /// Why a handshake signature did not verify, if one did not.
    pub signature_error: Option<String>,
    /// `Some` when the server asked for a client certificate: the CA names it accepts.
    pub client_auth: Option<Vec<String>>,
}

/// Shared between one connection's verifier and client-certificate resolver and the probe.
#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<Mutex<Capture>>);

impl Recorder {
    /// What was recorded so far.
    pub fn snapshot(&self) -> Capture {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn with(&self, f: impl FnOnce(&mut Capture)) {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// The ClientHello a connection sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelloConfig {
    pub versions: Vec<&'static rustls::SupportedProtocolVersion>,
    /// Offer the post-quantum hybrid X25519MLKEM768 key share (a ClientHello over 1 KB).
    pub post_quantum: bool,
    pub alpn: Vec<Vec<u8>>,
    /// Send the SNI extension.
    pub send_sni: bool,
}

/// A rustls client config that records into `recorder` instead of refusing a bad chain. The
/// chain is judged later, once, against every trust source (`diagnose::chain`); the handshake
/// signatures are verified here, as always.
pub fn client_config(
    hello: &HelloConfig,
    recorder: &Recorder,
) -> Result<ClientConfig, rustls::Error> {
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    if hello.post_quantum {
        // The hybrid first, so its share goes into the first flight.
        provider
            .kx_groups
            .sort_by_key(|g| g.name() != NamedGroup::X25519MLKEM768);
    } else {
        provider
            .kx_groups
            .retain(|g| g.name() != NamedGroup::X25519MLKEM768);
    }
    let algorithms = provider.signature_verification_algorithms;
    let provider: Arc<CryptoProvider> = Arc::new(provider);
    let verifier = DiagnosticVerifier {
        algorithms,
        recorder: recorder.clone(),
    };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&hello.versions)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_client_cert_resolver(Arc::new(ClientAuthRecorder(recorder.clone())));
    config.alpn_protocols.clone_from(&hello.alpn);
    config.enable_sni = hello.send_sni;
    Ok(config)
}

#[derive(Debug)]
struct DiagnosticVerifier {
    algorithms: WebPkiSupportedAlgorithms,
    recorder: Recorder,
}

impl ServerCertVerifier for DiagnosticVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.clone().into_owned())
            .collect();
        self.recorder.with(|c| {
            c.chain = chain;
            c.verified_at = Some(now);
        });
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let result = rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms);
        self.note_signature(&result);
        result
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let result = rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms);
        self.note_signature(&result);
        result
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

impl DiagnosticVerifier {
    fn note_signature(&self, result: &Result<HandshakeSignatureValid, rustls::Error>) {
        if let Err(e) = result {
            let text = crate::text::clean(&e.to_string());
            self.recorder.with(|c| c.signature_error = Some(text));
        }
    }
}

/// Has no client certificate; notes that the server asked for one, and which CAs it named.
#[derive(Debug)]
struct ClientAuthRecorder(Recorder);

impl ResolvesClientCert for ClientAuthRecorder {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        let names = root_hint_subjects
            .iter()
            .map(|s| name_from_der(s))
            .collect();
        self.0.with(|c| c.client_auth = Some(names));
        None
    }

    fn has_certs(&self) -> bool {
        false
    }
}
