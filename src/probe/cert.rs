//! A certificate as people read it: the chain the server sent, parsed with x509-parser into
//! subject, names, validity, key, signature algorithm, fingerprint and purposes. Every string
//! that comes from a certificate is passed through [`clean`] here, once, so nothing downstream
//! can forget to.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::pki_types::CertificateDer;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::oid_registry::{self, Oid};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::X509Name;

use crate::text::clean;
use crate::text::human_duration;

/// RSA keys below this many bits are weak (and refused by modern clients).
pub const MIN_RSA_BITS: usize = 2048;

/// The public key of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// "RSA", "EC P-256", "Ed25519", ...
    pub kind: String,
    pub bits: usize,
}

impl std::fmt::Display for KeyInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kind.starts_with("RSA") || self.kind.starts_with("DSA") {
            write!(f, "{} {} bits", self.kind, self.bits)
        } else {
            f.write_str(&self.kind)
        }
    }
}

/// One certificate, parsed. Times are UNIX seconds (certificates may predate 1970).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// The subject as a distinguished name, "CN=..., O=...".
    pub subject: String,
    pub issuer: String,
    pub subject_cn: Option<String>,
    pub issuer_cn: Option<String>,
    pub subject_org: Option<String>,
    pub issuer_org: Option<String>,
    /// DNS names and IP addresses of the subjectAltName extension.
    pub sans: Vec<String>,
    pub not_before: i64,
    pub not_after: i64,
    pub key: KeyInfo,
    /// The short name of the signature algorithm, e.g. "ecdsa-with-SHA256".
    pub signature_algorithm: String,
    /// SHA-256 of the DER, as colon-separated hex.
    pub sha256: String,
    pub serial: String,
    /// basicConstraints CA:TRUE.
    pub ca: bool,
    /// The extended key usages, or `None` when the extension is absent (any purpose).
    pub eku: Option<Vec<String>>,
    /// Issuer and subject are the same name: a root, or a self-signed server certificate.
    pub self_issued: bool,
    /// The DER of the subject and issuer names, to link a chain by name.
    pub subject_der: Vec<u8>,
    pub issuer_der: Vec<u8>,
}

impl CertInfo {
    /// Parses one DER certificate. The error says what x509-parser refused.
    pub fn parse(der: &[u8]) -> Result<CertInfo, String> {
        let (_, cert) = X509Certificate::from_der(der)
            .map_err(|e| format!("the certificate does not parse: {e}"))?;
        Ok(info(&cert, der))
    }

    /// Whether the certificate may authenticate a TLS server (no EKU, or serverAuth in it).
    pub fn allows_server_auth(&self) -> bool {
        self.eku
            .as_ref()
            .is_none_or(|ekus| ekus.iter().any(|e| e == "serverAuth"))
    }

    /// Whether `at` (UNIX seconds) lies inside the validity period.
    pub fn valid_at(&self, at: i64) -> bool {
        self.not_before <= at && at <= self.not_after
    }

    /// What is weak about the certificate itself: its key, and its signature unless it is
    /// self-issued (nobody checks a root's own signature).
    pub fn weaknesses(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.key.kind == "RSA" && self.key.bits < MIN_RSA_BITS {
            out.push(format!(
                "RSA key of {} bits (under {MIN_RSA_BITS})",
                self.key.bits
            ));
        }
        if self.key.kind == "DSA" {
            out.push("DSA key (no longer accepted)".to_string());
        }
        if !self.self_issued && weak_signature(&self.signature_algorithm) {
            out.push(format!(
                "signed with {} (SHA-1 and MD5 signatures are refused)",
                self.signature_algorithm
            ));
        }
        out
    }

    /// "not before 2025-01-01T00:00:00Z, not after 2026-01-01T00:00:00Z".
    pub fn validity(&self) -> String {
        format!(
            "not before {}, not after {}",
            rfc3339(self.not_before),
            rfc3339(self.not_after)
        )
    }

    /// Validity relative to `at` in words: "expires in 3 d 4 h", "expired 2 d 1 h ago",
    /// "valid in 1 h 0 m 0.0 s".
    pub fn validity_words(&self, at: i64) -> String {
        let span = |secs: i64| human_duration(Duration::from_secs(secs.unsigned_abs()));
        if at < self.not_before {
            format!("valid only in {}", span(self.not_before - at))
        } else if at > self.not_after {
            format!("expired {} ago", span(at - self.not_after))
        } else {
            format!("expires in {}", span(self.not_after - at))
        }
    }

    /// The name people know the certificate by: its CN, else the whole subject.
    pub fn display_name(&self) -> &str {
        self.subject_cn.as_deref().unwrap_or(&self.subject)
    }

    /// The issuer's CN, else the whole issuer name.
    pub fn issuer_name(&self) -> &str {
        self.issuer_cn.as_deref().unwrap_or(&self.issuer)
    }
}

/// Whether a signature algorithm's short name means SHA-1 or MD5.
pub fn weak_signature(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("sha1") || n.contains("md5") || n.contains("md2")
}

/// One certificate of a chain: the DER as sent and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCert {
    pub der: CertificateDer<'static>,
    pub info: Result<CertInfo, String>,
}

impl ChainCert {
    pub fn new(der: CertificateDer<'static>) -> Self {
        let info = CertInfo::parse(&der);
        ChainCert { der, info }
    }
}

/// Parses every certificate of a chain, in the order sent.
pub fn parse_chain(ders: &[CertificateDer<'static>]) -> Vec<ChainCert> {
    ders.iter().cloned().map(ChainCert::new).collect()
}

fn info(cert: &X509Certificate<'_>, der: &[u8]) -> CertInfo {
    let validity = cert.validity();
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = cert.subject_alternative_name() {
        for name in &ext.value.general_names {
            match name {
                GeneralName::DNSName(d) => sans.push(clean(d)),
                GeneralName::IPAddress(bytes) => sans.push(ip_text(bytes)),
                _ => {}
            }
        }
    }
    let eku = cert.extended_key_usage().ok().flatten().map(|ext| {
        let e = ext.value;
        let mut v = Vec::new();
        for (on, name) in [
            (e.any, "anyExtendedKeyUsage"),
            (e.server_auth, "serverAuth"),
            (e.client_auth, "clientAuth"),
            (e.code_signing, "codeSigning"),
            (e.email_protection, "emailProtection"),
            (e.time_stamping, "timeStamping"),
            (e.ocsp_signing, "OCSPSigning"),
        ] {
            if on {
                v.push(name.to_string());
            }
        }
        v.extend(e.other.iter().map(algorithm_name));
        v
    });
    CertInfo {
        subject: clean(&cert.subject().to_string()),
        issuer: clean(&cert.issuer().to_string()),
        subject_cn: first_cn(cert.subject()),
        issuer_cn: first_cn(cert.issuer()),
        subject_org: first_org(cert.subject()),
        issuer_org: first_org(cert.issuer()),
        sans,
        not_before: validity.not_before.timestamp(),
        not_after: validity.not_after.timestamp(),
        key: key_info(cert),
        signature_algorithm: algorithm_name(&cert.signature_algorithm.algorithm),
        sha256: fingerprint(der),
        serial: clean(&cert.raw_serial_as_string()),
        ca: cert
            .basic_constraints()
            .ok()
            .flatten()
            .is_some_and(|bc| bc.value.ca),
        eku,
        self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
        subject_der: cert.subject().as_raw().to_vec(),
        issuer_der: cert.issuer().as_raw().to_vec(),
    }
}

/// An algorithm's short name; the weak signature algorithms by an explicit table, since the
/// OID registry does not know them all.
pub fn algorithm_name(oid: &Oid<'_>) -> String {
    match oid.to_id_string().as_str() {
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption".to_string(),
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption".to_string(),
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption".to_string(),
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1".to_string(),
        "1.2.840.10040.4.3" => "dsa-with-SHA1".to_string(),
        // RFC 8410: the registry's crypto set leaves these out.
        "1.3.101.112" => "ed25519".to_string(),
        "1.3.101.113" => "ed448".to_string(),
        id => oid_registry::OidRegistry::default()
            .with_all_crypto()
            .get(oid)
            .map_or_else(|| id.to_string(), |e| e.sn().to_string()),
    }
}

fn first_cn(name: &X509Name<'_>) -> Option<String> {
    name.iter_common_name()
        .next()
        .and_then(|a| a.as_str().ok())
        .map(clean)
}

fn first_org(name: &X509Name<'_>) -> Option<String> {
    name.iter_organization()
        .next()
        .and_then(|a| a.as_str().ok())
        .map(clean)
}

fn key_info(cert: &X509Certificate<'_>) -> KeyInfo {
    let spki = cert.public_key();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => KeyInfo {
            kind: "RSA".to_string(),
            bits: unsigned_bits(rsa.modulus),
        },
        Ok(PublicKey::EC(point)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map_or_else(
                    || "unknown curve".to_string(),
                    |oid| match oid.to_id_string().as_str() {
                        "1.2.840.10045.3.1.7" => "P-256".to_string(),
                        "1.3.132.0.34" => "P-384".to_string(),
                        "1.3.132.0.35" => "P-521".to_string(),
                        _ => algorithm_name(&oid),
                    },
                );
            KeyInfo {
                kind: format!("EC {curve}"),
                bits: point.key_size(),
            }
        }
        Ok(PublicKey::DSA(y)) => KeyInfo {
            kind: "DSA".to_string(),
            bits: unsigned_bits(y),
        },
        _ => {
            let name = algorithm_name(&spki.algorithm.algorithm);
            let kind = match name.as_str() {
                "ed25519" => "Ed25519".to_string(),
                "ed448" => "Ed448".to_string(),
                other => other.to_string(),
            };
            KeyInfo {
                kind,
                bits: spki.subject_public_key.data.len() * 8,
            }
        }
    }
}

/// The bit length of a big-endian unsigned integer (leading zero bytes ignored).
fn unsigned_bits(bytes: &[u8]) -> usize {
    let trimmed: &[u8] = match bytes.iter().position(|b| *b != 0) {
        Some(i) => &bytes[i..],
        None => return 0,
    };
    trimmed.len() * 8 - trimmed[0].leading_zeros() as usize
}

fn ip_text(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => {
            let a: [u8; 4] = bytes.try_into().unwrap_or_default();
            std::net::Ipv4Addr::from(a).to_string()
        }
        16 => {
            let a: [u8; 16] = bytes.try_into().unwrap_or_default();
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => format!("IP({})", hex(bytes, "")),
    }
}

/// SHA-256 of `der` as "AB:CD:...".
pub fn fingerprint(der: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
    hex(digest.as_ref(), ":")
}

fn hex(bytes: &[u8], sep: &str) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push_str(sep);
        }
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// `t` as UNIX seconds (negative before 1970).
pub fn unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// UNIX seconds as a `SystemTime`.
pub fn system_time(secs: i64) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number since 1970-01-01: (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// UNIX seconds as RFC 3339 in UTC: "2025-03-01T12:00:00Z".
pub fn rfc3339(secs: i64) -> String {
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {

    #[test]
    fn ed25519_has_a_name() {
        let oid = Oid::from(&[1, 3, 101, 112]).expect("an OID");
        assert_eq!(algorithm_name(&oid), "ed25519");
    }

    use super::*;

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for d in [-800_000, -1, 0, 59, 60, 365, 19_000, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn rfc3339_formats_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400 + 3661), "2000-02-29T01:01:01Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn bits_ignore_leading_zeros() {
        assert_eq!(unsigned_bits(&[0, 0x80, 0]), 16);
        assert_eq!(unsigned_bits(&[0x01, 0]), 9);
        assert_eq!(unsigned_bits(&[]), 0);
    }

    #[test]
    fn weak_signature_names() {
        assert!(weak_signature("sha1WithRSAEncryption"));
        assert!(weak_signature("ecdsa-with-SHA1"));
        assert!(!weak_signature("ecdsa-with-SHA256"));
    }
}
