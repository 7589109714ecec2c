//! A ClientHello this check's TLS library cannot carry on from, sent only to learn what the
//! server would choose: TLS 1.2 with the suites rustls does not implement — CBC, finite-field
//! DHE, static RSA — and the finite-field groups. A server that answers it with a ServerHello,
//! after our rustls hello went unanswered, speaks only those: the user's OpenVPN (OpenSSL)
//! may well connect where this check cannot (`vpn-inconclusive`). Nothing goes further than
//! the server's first message; no key is ever computed.

/// The suites offered, by code point and IANA name, strongest first.
pub const SUITES: [(u16, &str); 21] = [
    (0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"),
    (0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
    (0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
    (0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
    (0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
    (0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
    (0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
    (0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
    (0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"),
    (0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
    (0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"),
    (0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"),
    (0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"),
    (0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"),
    (0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384"),
    (0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256"),
    (0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256"),
    (0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256"),
    (0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"),
    (0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA"),
];

/// The groups offered: the usual curves, and the finite-field groups rustls lacks.
const GROUPS: [u16; 6] = [0x001D, 0x0017, 0x0018, 0x0100, 0x0101, 0x0102];
/// The signature schemes offered (ECDSA, RSA-PSS, RSA PKCS#1, and SHA-1 for old servers).
const SIGNATURES: [u16; 8] = [
    0x0403, 0x0503, 0x0804, 0x0805, 0x0401, 0x0501, 0x0201, 0x0203,
];

/// The IANA name of `suite`, or its code point.
pub fn suite_name(suite: u16) -> String {
    SUITES
        .iter()
        .find(|(c, _)| *c == suite)
        .map_or_else(|| format!("suite 0x{suite:04X}"), |(_, n)| (*n).to_string())
}

/// The ClientHello as a TLS record, with `random` as its random.
pub fn client_hello(random: [u8; 32]) -> Vec<u8> {
    let mut ext = Vec::new();
    // supported_groups
    let groups: Vec<u8> = GROUPS.iter().flat_map(|g| g.to_be_bytes()).collect();
    push_ext(&mut ext, 0x000A, &with_len16(&groups));
    // ec_point_formats: uncompressed
    push_ext(&mut ext, 0x000B, &[1, 0]);
    // signature_algorithms
    let sigs: Vec<u8> = SIGNATURES.iter().flat_map(|s| s.to_be_bytes()).collect();
    push_ext(&mut ext, 0x000D, &with_len16(&sigs));
    // encrypt_then_mac, extended_master_secret: empty
    push_ext(&mut ext, 0x0016, &[]);
    push_ext(&mut ext, 0x0017, &[]);
    // renegotiation_info: an empty renegotiated_connection
    push_ext(&mut ext, 0xFF01, &[0]);

    let suites: Vec<u8> = SUITES.iter().flat_map(|(c, _)| c.to_be_bytes()).collect();
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&random);
    body.push(0); // no session id
    body.extend(with_len16(&suites));
    body.extend([1, 0]); // compression: null
    body.extend(with_len16(&ext));

    let mut hs = vec![1]; // client_hello
    hs.extend(len24(body.len()));
    hs.extend(body);
    let mut record = vec![22, 0x03, 0x01];
    record.extend(u16::try_from(hs.len()).unwrap_or(u16::MAX).to_be_bytes());
    record.extend(hs);
    record
}

fn push_ext(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    out.extend(kind.to_be_bytes());
    out.extend(with_len16(data));
}

fn with_len16(data: &[u8]) -> Vec<u8> {
    let mut v = u16::try_from(data.len())
        .unwrap_or(u16::MAX)
        .to_be_bytes()
        .to_vec();
    v.extend_from_slice(data);
    v
}

fn len24(n: usize) -> [u8; 3] {
    let b = u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes();
    [b[1], b[2], b[3]]
}

/// What the server's first bytes say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Not a whole ServerHello yet.
    Incomplete,
    /// A ServerHello: the version and suite the server chose.
    Hello { version: u16, suite: u16 },
    /// An alert: its description code.
    Alert(u8),
    /// Neither: the bytes do not parse as TLS.
    Garbage,
}

/// Reads the server's first message from the TLS bytes received so far.
pub fn answer(bytes: &[u8]) -> Answer {
    let Some(&[kind, major, _, hi, lo]) = bytes.first_chunk::<5>() else {
        return Answer::Incomplete;
    };
    if major != 3 {
        return Answer::Garbage;
    }
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    let Some(body) = bytes.get(5..5 + len) else {
        return Answer::Incomplete;
    };
    match kind {
        21 => body.get(1).map_or(Answer::Garbage, |d| Answer::Alert(*d)),
        22 => server_hello(body),
        _ => Answer::Garbage,
    }
}

/// The version and suite of a ServerHello at the start of a handshake record's body.
fn server_hello(body: &[u8]) -> Answer {
    if body.first() != Some(&2) {
        return Answer::Garbage;
    }
    // type (1), length (3), version (2), random (32), session id length (1)
    let (Some(v), Some(&sid_len)) = (body.get(4..6), body.get(38)) else {
        return Answer::Incomplete;
    };
    let at = 39 + usize::from(sid_len);
    match body.get(at..at + 2) {
        Some(s) => Answer::Hello {
            version: u16::from_be_bytes([v[0], v[1]]),
            suite: u16::from_be_bytes([s[0], s[1]]),
        },
        None => Answer::Incomplete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hello_is_one_well_formed_record() {
        let r = client_hello([7; 32]);
        assert_eq!(&r[..3], &[22, 3, 1]);
        assert_eq!(usize::from(u16::from_be_bytes([r[3], r[4]])), r.len() - 5);
        assert_eq!(r[5], 1, "client_hello");
        let body_len = u32::from_be_bytes([0, r[6], r[7], r[8]]) as usize;
        assert_eq!(body_len, r.len() - 9);
        assert_eq!(&r[9..11], &[3, 3], "TLS 1.2");
        assert_eq!(&r[11..43], &[7; 32]);
        assert_eq!(r[43], 0, "no session id");
        let n = usize::from(u16::from_be_bytes([r[44], r[45]]));
        assert_eq!(n, SUITES.len() * 2);
    }

    #[test]
    fn server_answers() {
        let mut hello = vec![2, 0, 0, 0, 3, 3];
        hello.extend([0; 32]);
        hello.push(2);
        hello.extend([9, 9]);
        hello.extend([0xC0, 0x24, 0]);
        let mut rec = vec![22, 3, 3, 0, u8::try_from(hello.len()).unwrap()];
        rec.extend(&hello);
        assert_eq!(
            answer(&rec),
            Answer::Hello {
                version: 0x0303,
                suite: 0xC024
            }
        );
        assert_eq!(answer(&rec[..20]), Answer::Incomplete);
        assert_eq!(answer(&[21, 3, 3, 0, 2, 2, 40]), Answer::Alert(40));
        assert_eq!(answer(b"HTTP/1.1 400"), Answer::Garbage);
        assert_eq!(
            suite_name(0xC024),
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"
        );
        assert_eq!(suite_name(0x1301), "suite 0x1301");
    }
}
