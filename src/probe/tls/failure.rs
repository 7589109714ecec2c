//! How a TLS attempt fails, in words people can act on: the failure taxonomy, the TLS alerts
//! by name, and the sorting of a handshake error into them.

use std::fmt;
use std::io;
use std::time::Duration;

use super::super::connect::TcpError;
use super::super::proxy::ProxyError;
use super::super::verifier::Capture;
use super::WireLog;
use crate::text::{clean, human_duration, quote_bytes};

/// The one bounded read after the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstRead {
    /// The server sent application data.
    Data {
        took: Duration,
        bytes: usize,
    },
    /// The server closed the connection.
    Closed {
        took: Duration,
    },
    /// Nothing arrived before the deadline (not a failure: some servers wait for the client).
    Quiet {
        waited: Duration,
    },
    /// A fatal alert arrived instead of data (TLS 1.3 client-certificate refusals land here).
    Alert(Alert),
    Error(String),
}

/// A TLS alert, by number and IANA name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub code: u8,
    pub name: String,
}

impl Alert {
    pub(super) fn new(desc: rustls::AlertDescription) -> Self {
        let code = u8::from(desc);
        Alert {
            code,
            name: alert_name(code).to_string(),
        }
    }

    pub fn is_protocol_version(&self) -> bool {
        self.code == 70
    }

    /// close_notify: the sender will send nothing more.
    pub fn is_close_notify(&self) -> bool {
        self.code == 0
    }
}

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.code)
    }
}

/// The IANA name of a TLS alert.
pub fn alert_name(code: u8) -> &'static str {
    match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        30 => "decompression_failure",
        40 => "handshake_failure",
        41 => "no_certificate",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        60 => "export_restriction",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        111 => "certificate_unobtainable",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        114 => "bad_certificate_hash_value",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        121 => "ech_required",
        _ => "unknown alert",
    }
}

/// Why an attempt did not end in a working TLS connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFailure {
    /// TCP did not connect; no hello was sent.
    Tcp(TcpError),
    /// The proxy did not open a tunnel; no hello was sent.
    Proxy(ProxyError),
    /// The connection was reset after the ClientHello.
    Reset {
        received: usize,
    },
    /// No complete answer before the deadline.
    Timeout {
        waited: Duration,
        received: usize,
    },
    /// The server closed the connection without a TLS answer.
    Closed {
        received: usize,
    },
    /// The server answered, but not in TLS (plain HTTP, SSH, ...): its first bytes.
    NotTls {
        first_bytes: Vec<u8>,
    },
    /// A fatal alert ended the handshake.
    Alert(Alert),
    /// Before any ServerHello, the server sent an alert rustls lets pass (close_notify, or one
    /// at warning level) and then nothing more: an answer, not a silence.
    EarlyAlert(Alert),
    /// The server asked for a client certificate and refused to go on without one.
    ClientCertRequired {
        alert: Option<Alert>,
        /// Under TLS 1.3 the refusal comes after the handshake, on the first read.
        after_handshake: bool,
        /// The HTTP status that refused after a completed handshake (nginx's 400 "No required
        /// SSL certificate was sent", its 495 and 496).
        http_status: Option<u16>,
    },
    /// No protocol version in common (refused on our side).
    Version(String),
    /// The server's handshake signature did not verify (its key may be refused).
    Signature(String),
    /// The server broke the protocol.
    Protocol(String),
    Other(String),
}

impl TlsFailure {
    /// Whether the server answered in TLS (so the network let the hello through).
    pub fn server_spoke_tls(&self) -> bool {
        matches!(
            self,
            TlsFailure::Alert(_)
                | TlsFailure::EarlyAlert(_)
                | TlsFailure::ClientCertRequired { .. }
                | TlsFailure::Version(_)
                | TlsFailure::Signature(_)
        )
    }

    /// Reset, closed or silent after the hello: what a middlebox does.
    pub fn is_blocked(&self) -> bool {
        matches!(
            self,
            TlsFailure::Reset { .. } | TlsFailure::Timeout { .. } | TlsFailure::Closed { .. }
        )
    }
}

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsFailure::Tcp(e) => write!(f, "TCP: {e}"),
            TlsFailure::Proxy(e) => write!(f, "proxy: {e}"),
            TlsFailure::Reset { received } => {
                write!(
                    f,
                    "connection reset after the ClientHello ({received} bytes received)"
                )
            }
            TlsFailure::Timeout { waited, received } => write!(
                f,
                "no TLS answer within {} ({received} bytes received)",
                human_duration(*waited)
            ),
            TlsFailure::Closed { received } => write!(
                f,
                "connection closed after the ClientHello ({received} bytes received)"
            ),
            TlsFailure::NotTls { first_bytes } => {
                write!(f, "not TLS: the server sent {}", quote_bytes(first_bytes))
            }
            TlsFailure::Alert(a) => write!(f, "the server sent the fatal alert {a}"),
            TlsFailure::EarlyAlert(a) => write!(
                f,
                "the server sent the alert {a} instead of a ServerHello, then nothing more"
            ),
            TlsFailure::ClientCertRequired {
                http_status: Some(status),
                ..
            } => {
                write!(
                    f,
                    "the server requires a client certificate (HTTP {status} after the handshake)"
                )
            }
            TlsFailure::ClientCertRequired {
                alert,
                after_handshake,
                http_status: None,
            } => {
                let when = if *after_handshake {
                    "after the handshake"
                } else {
                    "during the handshake"
                };
                match alert {
                    Some(a) => write!(f, "the server requires a client certificate ({a} {when})"),
                    None => write!(f, "the server requires a client certificate ({when})"),
                }
            }
            TlsFailure::Version(e) => write!(f, "no common protocol version: {e}"),
            TlsFailure::Signature(e) => write!(f, "the handshake signature does not verify: {e}"),
            TlsFailure::Protocol(e) => write!(f, "protocol error: {e}"),
            TlsFailure::Other(e) => f.write_str(e),
        }
    }
}

/// Whether bytes can start a TLS record: a known content type, then major version 3.
pub(super) fn looks_like_tls(first: &[u8]) -> bool {
    match first {
        [] => true,
        [t] => (20..=24).contains(t),
        [t, major, ..] => (20..=24).contains(t) && *major == 3,
    }
}

/// The alerts a server sends before its first handshake record, read off the wire: rustls lets
/// close_notify and warning-level alerts pass there and waits on for a ServerHello that may
/// never come.
#[derive(Debug, Default)]
pub(crate) struct EarlyAlerts {
    /// The start of a record not yet whole (at most a header and an alert's two bytes).
    partial: Vec<u8>,
    /// A record other than a plain alert was seen: the scan is over.
    done: bool,
    /// The last alert seen, as (level, description).
    last: Option<(u8, u8)>,
}

impl EarlyAlerts {
    /// Notes the next bytes from the server.
    pub(super) fn feed(&mut self, bytes: &[u8]) {
        if self.done {
            return;
        }
        // Bounded: whatever is not a whole alert ends the scan, and the buffer with it.
        self.partial.extend_from_slice(bytes);
        loop {
            let p = &self.partial;
            let plain_alert = match p.len() {
                0 => return,
                1 | 2 => p[0] == 21 && p.get(1).is_none_or(|m| *m == 3),
                _ => p[0] == 21 && p[1] == 3 && p.get(3..5).is_none_or(|l| l == [0, 2]),
            };
            if !plain_alert {
                self.done = true;
                self.last = None;
                self.partial = Vec::new();
                return;
            }
            if p.len() < ALERT_RECORD {
                return;
            }
            self.last = Some((p[5], p[6]));
            self.partial.drain(..ALERT_RECORD);
        }
    }

    /// The alert that ended what the server has sent so far, when nothing but alerts came.
    pub(super) fn pending(&self) -> Option<Alert> {
        let (_, code) = self
            .last
            .filter(|_| !self.done && self.partial.is_empty())?;
        Some(Alert {
            code,
            name: alert_name(code).to_string(),
        })
    }

    /// Whether the server's last word so far is close_notify (it will send nothing more).
    pub(super) fn closed(&self) -> bool {
        self.pending().is_some_and(|a| a.is_close_notify())
    }

    /// Whether the server's last word so far is an alert rustls lets pass (a warning).
    pub(super) fn warned(&self) -> bool {
        self.last.is_some_and(|(level, _)| level != 2) && self.pending().is_some()
    }
}

/// A plain alert record: a 5-byte header and the level and description.
const ALERT_RECORD: usize = 7;

/// Sorts a handshake error into what it means.
pub(super) fn classify(e: &io::Error, wire: &WireLog, capture: &Capture) -> TlsFailure {
    if !looks_like_tls(&wire.first) {
        return TlsFailure::NotTls {
            first_bytes: wire.first.clone(),
        };
    }
    if let Some(alert) = wire.early.pending().filter(|_| wire.early.warned()) {
        return TlsFailure::EarlyAlert(alert);
    }
    let asked = capture.client_auth.is_some();
    let rustls_error = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    if let Some(re) = rustls_error {
        return match re {
            rustls::Error::AlertReceived(desc) if asked => TlsFailure::ClientCertRequired {
                alert: Some(Alert::new(*desc)),
                after_handshake: false,
                http_status: None,
            },
            rustls::Error::AlertReceived(rustls::AlertDescription::CloseNotify) => {
                TlsFailure::EarlyAlert(Alert::new(rustls::AlertDescription::CloseNotify))
            }
            rustls::Error::AlertReceived(desc) => TlsFailure::Alert(Alert::new(*desc)),
            rustls::Error::PeerIncompatible(p) if format!("{p:?}").contains("Version") => {
                TlsFailure::Version(format!("{p:?}"))
            }
            rustls::Error::InvalidCertificate(_) | rustls::Error::PeerMisbehaved(_)
                if capture.signature_error.is_some() =>
            {
                TlsFailure::Signature(capture.signature_error.clone().unwrap_or_default())
            }
            other => TlsFailure::Protocol(clean(&other.to_string())),
        };
    }
    match e.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
            if asked =>
        {
            TlsFailure::ClientCertRequired {
                alert: None,
                after_handshake: false,
                http_status: None,
            }
        }
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => TlsFailure::Reset {
            received: wire.received,
        },
        io::ErrorKind::UnexpectedEof if asked => TlsFailure::ClientCertRequired {
            alert: None,
            after_handshake: false,
            http_status: None,
        },
        io::ErrorKind::UnexpectedEof => TlsFailure::Closed {
            received: wire.received,
        },
        _ => TlsFailure::Other(clean(&e.to_string())),
    }
}

/// How a server that completed the handshake without a client certificate refuses over HTTP:
/// nginx with `ssl_verify_client on` answers 400 ("No required SSL certificate was sent") after
/// its CertificateRequest went unanswered (`asked`), or 495/496 where they are passed through.
/// A 400 without a CertificateRequest is some other bad request, and `optional` answers 200.
pub(super) fn http_refusal(status: Option<u16>, asked: bool) -> Option<TlsFailure> {
    match status? {
        495 | 496 => {}
        400 if asked => {}
        _ => return None,
    }
    Some(TlsFailure::ClientCertRequired {
        alert: None,
        after_handshake: true,
        http_status: status,
    })
}

/// What a read error means after the handshake.
pub(super) fn read_failure(e: &io::Error, took: Duration) -> FirstRead {
    if let Some(rustls::Error::AlertReceived(desc)) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return FirstRead::Alert(Alert::new(*desc));
    }
    match e.kind() {
        io::ErrorKind::UnexpectedEof => FirstRead::Closed { took },
        _ => FirstRead::Error(clean(&e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_alerts_are_read_across_reads() {
        let mut e = EarlyAlerts::default();
        e.feed(&[0x15, 0x03]);
        assert!(e.pending().is_none());
        e.feed(&[0x03, 0x00, 0x02, 0x01]);
        assert!(e.pending().is_none());
        e.feed(&[0x00]);
        assert!(e.closed());
        let mut e = EarlyAlerts::default();
        e.feed(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 112]);
        assert!(e.warned() && !e.closed());
        e.feed(&[0x16, 0x03, 0x03, 0x00, 0x7a]);
        assert!(e.pending().is_none() && !e.warned());
        let mut e = EarlyAlerts::default();
        e.feed(&[0x16, 0x03, 0x03, 0x00, 0x7a, 0x02]);
        e.feed(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00]);
        assert!(e.pending().is_none());
    }

    #[test]
    fn tls_record_shape() {
        assert!(looks_like_tls(&[0x16, 0x03, 0x03]));
        assert!(looks_like_tls(&[0x15, 0x03]));
        assert!(!looks_like_tls(b"HTTP/1.1 400"));
        assert!(!looks_like_tls(b"SSH-2.0"));
    }
}
