//! The OpenVPN handshake as a target's check runs it: the engine ([`super::openvpn`]) with the
//! profile's CA, client certificate, key and TLS caps, then what OpenVPN itself checks on the
//! server's certificate once the chain verifies (`verify-x509-name`, `remote-cert-tls
//! server`). A handshake that goes unanswered after the ClientHello while the profile caps
//! the TLS version is run once more without the cap: an answer then proves that the versions
//! are what the two sides do not share (OpenVPN refuses in silence, with no alert).

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use x509_parser::prelude::{FromDer, X509Certificate};

use super::openvpn::{
    self, Failure, HandshakeOptions, HandshakeProfile, HandshakeReport, Status, Step, Transport,
};
use crate::config::TlsWrap;
use crate::config::ovpn::{OvpnTls, X509NameCheck, X509NameKind};
use crate::config::static_key::Direction;

/// One OpenVPN probe's handshake, with the checks on the leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpnHandshake {
    pub report: HandshakeReport,
    /// The same handshake without the profile's `tls-version-max`, when the capped one went
    /// unanswered after the ClientHello.
    pub uncapped: Option<HandshakeReport>,
    /// With tls-auth, when the profile's key went unanswered at the reset: the same handshake
    /// with the other key direction (`key-direction 0` or `1`, as a profile says it) and its
    /// report. An answer then proves the profile's direction wrong.
    pub other_direction: Option<(u8, HandshakeReport)>,
    /// When the profile's key went unanswered at the reset: the same handshake without any
    /// tls-auth/tls-crypt. An answer then proves the key is one the server does not use.
    pub unsigned: Option<HandshakeReport>,
    /// Over UDP, when our large (post-quantum) ClientHello, in two packets, was never
    /// acknowledged: the same handshake with a small ClientHello, in one.
    pub small_hello: Option<HandshakeReport>,
    /// When the server dropped the session on our ClientHello (and on the small and the
    /// uncapped hello, when they ran): the same reset with a legacy hello that offers what
    /// rustls cannot speak (CBC, finite-field DHE). A ServerHello to it shows the server speaks
    /// only those.
    pub legacy: Option<HandshakeReport>,
    /// The profile's `verify-x509-name`, against the leaf: `None` when the profile has none or
    /// no leaf arrived; `Some(Err(why))` when it does not hold.
    pub name: Option<Result<(), String>>,
    /// `remote-cert-tls server`: the leaf's extended key usage includes serverAuth.
    pub server_purpose: Option<Result<(), String>>,
    /// The leaf's subject, as OpenVPN prints it.
    pub server_subject: Option<String>,
    /// When the chain was verified against the profile's CA (by this machine's clock): the
    /// diagnosis verifies it again at the true time.
    pub verified_at: SystemTime,
}

impl VpnHandshake {
    /// The handshake completed, the chain verifies with the profile's CA, and the leaf passes
    /// the profile's name and purpose checks: what the user's OpenVPN would accept.
    pub fn ok(&self) -> bool {
        self.report.completed()
            && !matches!(self.name, Some(Err(_)))
            && !matches!(self.server_purpose, Some(Err(_)))
    }

    /// Whether it worked, failed, or met a server this check cannot speak with.
    pub fn outcome(&self) -> crate::probe::reach::Outcome {
        use crate::probe::reach::Outcome;
        if self.ok() {
            Outcome::Ok
        } else if self.inconclusive().is_some() {
            Outcome::Inconclusive
        } else {
            Outcome::Failed
        }
    }

    /// The suite the server chose from the legacy hello, when it answered only that one.
    pub fn inconclusive(&self) -> Option<u16> {
        self.legacy.as_ref()?.legacy_answer.map(|(_, suite)| suite)
    }

    /// The outcome in one line: "OpenVPN TLS handshake completed over UDP 1194 in 84 ms:
    /// TLSv1.3, TLS_AES_256_GCM_SHA384, server CN=…, verified with the profile's CA".
    pub fn summary(&self) -> String {
        let r = &self.report;
        if let Some(suite) = self.inconclusive() {
            return format!(
                "OpenVPN TLS handshake inconclusive over {} {}: the server speaks only {}, which this check cannot",
                r.transport,
                r.addr.port(),
                openvpn::legacy::suite_name(suite)
            );
        }
        if !r.completed() {
            return r.summary();
        }
        let n = r.negotiated.as_ref();
        let mut s = format!(
            "OpenVPN TLS handshake completed over {} {} in {}: {}, {}, server {}, verified with the profile's CA",
            r.transport,
            r.addr.port(),
            crate::text::human_duration(r.timings.total),
            n.map_or("?", |n| n.version.as_str()),
            n.map_or("?", |n| n.cipher.as_str()),
            self.server_subject.as_deref().unwrap_or("(no name)"),
        );
        for check in [&self.name, &self.server_purpose].into_iter().flatten() {
            if let Err(why) = check {
                s.push_str("; but ");
                s.push_str(why);
            }
        }
        s
    }
}

/// Runs the handshake to `addr` over `transport` with the profile `tls` and its key `wrap`;
/// each step within `timeout`, the whole within twice that (and the uncapped retry, when one
/// runs, within as much again).
pub async fn run(
    addr: SocketAddr,
    transport: Transport,
    tls: &OvpnTls,
    wrap: Option<&TlsWrap>,
    timeout: Duration,
) -> VpnHandshake {
    let mut opts = HandshakeOptions::new(timeout);
    opts.total_timeout = timeout * 2;
    let profile = HandshakeProfile {
        ca_pem: tls.ca_pem.clone(),
        client: tls.client.clone(),
        wrap: wrap.cloned(),
        tls_version_min: tls.tls_version_min,
        tls_version_max: tls.tls_version_max,
    };
    let report = openvpn::handshake(addr, transport, &profile, &opts).await;
    let verified_at = SystemTime::now();
    let unanswered_reset = report.server_session.is_none()
        && matches!(
            report.status,
            Status::Failed {
                step: Step::Reset,
                failure: Failure::Timeout { .. } | Failure::Closed | Failure::ConnectionReset
            }
        );
    let other_direction = async {
        match wrap {
            Some(TlsWrap::Auth {
                key,
                direction,
                digest,
            }) if unanswered_reset => {
                let (flipped, word) = match direction {
                    Direction::Inverse => (Direction::Normal, 0),
                    Direction::Normal | Direction::Bidirectional => (Direction::Inverse, 1),
                };
                let other = HandshakeProfile {
                    wrap: Some(TlsWrap::Auth {
                        key: key.clone(),
                        direction: flipped,
                        digest: *digest,
                    }),
                    ..profile.clone()
                };
                Some((
                    word,
                    openvpn::handshake(addr, transport, &other, &opts).await,
                ))
            }
            _ => None,
        }
    };
    // The profile signs and nothing answers: without the key, at the same time.
    let unsigned = async {
        if wrap.is_none() || !unanswered_reset {
            return None;
        }
        let bare = HandshakeProfile {
            wrap: None,
            ..profile.clone()
        };
        Some(openvpn::handshake(addr, transport, &bare, &opts).await)
    };
    let (other_direction, unsigned) =
        Box::pin(futures::future::join(other_direction, unsigned)).await;
    let unanswered_hello = report.timed_out_at(Step::ClientHello) && report.acked_through.is_some();
    let uncapped = if unanswered_hello && tls.tls_version_max.is_some() {
        let lifted = HandshakeProfile {
            tls_version_max: None,
            ..profile.clone()
        };
        Some(openvpn::handshake(addr, transport, &lifted, &opts).await)
    } else {
        None
    };
    let large_hello_lost = transport == Transport::Udp
        && report.client_hello_msgs.len() > 1
        && report
            .client_hello_msgs
            .iter()
            .any(|m| report.unacked.contains(m))
        && report.timed_out_at(Step::ClientHello);
    let small_hello = if large_hello_lost && uncapped.is_none() {
        let mut small = opts.clone();
        small.post_quantum = false;
        Some(openvpn::handshake(addr, transport, &profile, &small).await)
    } else {
        None
    };
    // OpenVPN's server drops the client's session on a hello it shares nothing with, before
    // it acknowledges the packet that completed the hello: the hello's last packet stays
    // unacknowledged (a path that loses large packets loses the first one instead, and a
    // small hello then gets through).
    let refused = |r: &HandshakeReport| {
        r.timed_out_at(Step::ClientHello)
            && r.server_session.is_some()
            && r.client_hello_msgs
                .last()
                .is_some_and(|m| r.unacked.contains(m))
    };
    let legacy = if refused(&report)
        && uncapped.as_ref().is_none_or(refused)
        && small_hello.as_ref().is_none_or(refused)
    {
        let mut old = opts.clone();
        old.legacy_hello = true;
        Some(openvpn::handshake(addr, transport, &profile, &old).await)
    } else {
        None
    };
    let leaf = report
        .chain
        .first()
        .and_then(|der| X509Certificate::from_der(der).ok().map(|(_, c)| c));
    let server_subject = leaf
        .as_ref()
        .map(|c| crate::text::clean(&c.subject().to_string()));
    let name = match (&tls.verify_x509_name, &leaf) {
        (Some(check), Some(c)) => Some(name_holds(check, c)),
        _ => None,
    };
    let server_purpose = match (&leaf, tls.remote_cert_tls_server) {
        (Some(c), true) => Some(server_auth(c)),
        _ => None,
    };
    VpnHandshake {
        report,
        uncapped,
        other_direction,
        unsigned,
        small_hello,
        legacy,
        name,
        server_purpose,
        server_subject,
        verified_at,
    }
}

/// `verify-x509-name` as OpenVPN judges it: the subject as it prints it, or the common name.
fn name_holds(check: &X509NameCheck, leaf: &X509Certificate<'_>) -> Result<(), String> {
    let subject = crate::text::clean(&leaf.subject().to_string());
    let cn = leaf
        .subject()
        .iter_common_name()
        .next()
        .and_then(|a| a.as_str().ok())
        .map(crate::text::clean);
    let holds = match check.kind {
        X509NameKind::Subject => subject == check.name,
        X509NameKind::Name => cn.as_deref() == Some(check.name.as_str()),
        X509NameKind::NamePrefix => cn.as_deref().is_some_and(|c| c.starts_with(&check.name)),
    };
    if holds {
        return Ok(());
    }
    let seen = match check.kind {
        X509NameKind::Subject => format!("its subject is {subject}"),
        X509NameKind::Name | X509NameKind::NamePrefix => match cn {
            Some(cn) => format!("its common name is {}", crate::text::quote(&cn)),
            None => "it has no common name".to_string(),
        },
    };
    Err(format!(
        "verify-x509-name {} {} does not hold for the server's certificate: {seen}",
        crate::text::quote(&check.name),
        check.kind.word(),
    ))
}

/// `remote-cert-tls server`: OpenVPN requires the extended key usage "TLS Web Server
/// Authentication" (serverAuth) on the server's certificate.
fn server_auth(leaf: &X509Certificate<'_>) -> Result<(), String> {
    match leaf.extended_key_usage() {
        Ok(Some(eku)) if eku.value.server_auth => Ok(()),
        Ok(Some(_)) => Err(
            "remote-cert-tls server does not hold: the server's certificate lacks the TLS Web Server Authentication (serverAuth) extended key usage"
                .to_string(),
        ),
        Ok(None) => Err(
            "remote-cert-tls server does not hold: the server's certificate has no extended key usage, so not serverAuth"
                .to_string(),
        ),
        Err(e) => Err(format!(
            "remote-cert-tls server cannot be checked: the certificate's extended key usage does not parse ({e})"
        )),
    }
}
