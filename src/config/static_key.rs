//! OpenVPN static keys and how they wrap the control channel: the tls-auth / tls-crypt keys
//! that let the OpenVPN probe be answered by a server that drops unsigned packets. Value types
//! for the probes; the `.ovpn` parser ([`super::ovpn`]) and the config loader fill them in.

use std::fmt;
use std::path::Path;

/// OpenVPN's `key-direction` for a tls-auth key: 0 on servers, 1 on clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyDirection(pub u8);

impl Default for KeyDirection {
    fn default() -> Self {
        KeyDirection(1)
    }
}

/// Bytes in an OpenVPN static key (`openvpn --genkey secret`): 2048 bits.
pub const STATIC_KEY_LEN: usize = 256;

pub(crate) const KEY_BEGIN: &str = "-----BEGIN OpenVPN Static key V1-----";
pub(crate) const KEY_END: &str = "-----END OpenVPN Static key V1-----";
const KEY_V2_BEGIN: &str = "-----BEGIN OpenVPN tls-crypt-v2 client key-----";

/// An OpenVPN static key: four 64-byte slices, `cipher[0] hmac[0] cipher[1] hmac[1]`, as
/// OpenVPN's `struct key2` lays them out. `Debug` never prints the key.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticKey(Box<[u8; STATIC_KEY_LEN]>);

impl fmt::Debug for StaticKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticKey(2048 bits, not shown)")
    }
}

/// A static key that could not be read: the 1-based line within the key text, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    pub line: usize,
    pub message: String,
}

impl StaticKey {
    pub fn from_bytes(bytes: [u8; STATIC_KEY_LEN]) -> Self {
        StaticKey(Box::new(bytes))
    }

    /// Reads the text of a key file: `#` comments, then the hex between the BEGIN and END
    /// lines. Errors name the line of the key text they are about.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let mut hex = String::new();
        let mut begin = None;
        let mut end = None;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            let n = i + 1;
            if begin.is_none() {
                if line == KEY_BEGIN {
                    begin = Some(n);
                } else if line == KEY_V2_BEGIN {
                    return Err(KeyError {
                        line: n,
                        message: "this is a tls-crypt-v2 client key, which the probe cannot use \
                                  (only tls-auth and tls-crypt keys)"
                            .to_string(),
                    });
                } else if !(line.is_empty() || line.starts_with('#') || line.starts_with(';')) {
                    // What the line holds is not said: this may be any file (`tls-auth
                    // /etc/shadow` under sudo), and its contents are not ours to print.
                    return Err(KeyError {
                        line: n,
                        message: format!(
                            "expected {KEY_BEGIN:?} (or a # comment) before the key; this line is something else: is this an OpenVPN static key?"
                        ),
                    });
                }
                continue;
            }
            if line == KEY_END {
                end = Some(n);
                break;
            }
            if let Some(col) = line
                .chars()
                .position(|c| !c.is_ascii_hexdigit() && !c.is_whitespace())
            {
                return Err(KeyError {
                    line: n,
                    message: format!(
                        "expected hexadecimal key data, found another character at column {}",
                        col + 1
                    ),
                });
            }
            hex.extend(line.chars().filter(char::is_ascii_hexdigit));
        }
        let Some(begin) = begin else {
            return Err(KeyError {
                line: text.lines().count().max(1),
                message: format!(
                    "no {KEY_BEGIN:?} line: this is not an OpenVPN static key (make one with `openvpn --genkey secret ta.key`)"
                ),
            });
        };
        if end.is_none() {
            return Err(KeyError {
                line: begin,
                message: format!("the key starting here has no {KEY_END:?} line"),
            });
        }
        if hex.len() != STATIC_KEY_LEN * 2 {
            return Err(KeyError {
                line: begin,
                message: format!(
                    "the key has {} bits, OpenVPN static keys have 2048",
                    hex.len() * 4
                ),
            });
        }
        let mut bytes = [0u8; STATIC_KEY_LEN];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("checked hex digits");
        }
        Ok(StaticKey::from_bytes(bytes))
    }

    /// Reads a key file; the error names the file and line.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = super::file::read_text(path, super::file::FileKind::Key)?;
        StaticKey::parse(&text)
            .map_err(|e| format!("{}, line {}: {}", path.display(), e.line, e.message))
    }

    /// The cipher slice of key `i` (0 or 1).
    pub fn cipher(&self, i: usize) -> &[u8] {
        &self.0[i * 128..i * 128 + 64]
    }

    /// The HMAC slice of key `i` (0 or 1).
    pub fn hmac(&self, i: usize) -> &[u8] {
        &self.0[i * 128 + 64..i * 128 + 128]
    }
}

/// Which halves of a static key each side sends with (OpenVPN's `key-direction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `0` (servers): send with key 0, receive with key 1.
    Normal,
    /// `1` (clients): send with key 1, receive with key 0.
    Inverse,
    /// No direction given: both sides use key 0.
    Bidirectional,
}

impl Direction {
    /// The key slice used to send, and the one used to receive.
    pub fn keys(self) -> (usize, usize) {
        match self {
            Direction::Normal => (0, 1),
            Direction::Inverse => (1, 0),
            Direction::Bidirectional => (0, 0),
        }
    }
}

impl From<KeyDirection> for Direction {
    fn from(d: KeyDirection) -> Self {
        if d.0 == 0 {
            Direction::Normal
        } else {
            Direction::Inverse
        }
    }
}

/// The HMAC digest of tls-auth, from OpenVPN's `auth` directive (SHA1 by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Digest {
    #[default]
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Digest {
    /// The digest named by an `auth` directive, if the probe can sign with it.
    pub fn from_name(name: &str) -> Option<Self> {
        let n = name.to_ascii_uppercase().replace('-', "");
        Some(match n.as_str() {
            "SHA1" => Digest::Sha1,
            "SHA224" => Digest::Sha224,
            "SHA256" => Digest::Sha256,
            "SHA384" => Digest::Sha384,
            "SHA512" => Digest::Sha512,
            _ => return None,
        })
    }

    /// The HMAC's length in bytes, which is also the length of the key slice it uses.
    pub fn mac_len(self) -> usize {
        match self {
            Digest::Sha1 => 20,
            Digest::Sha224 => 28,
            Digest::Sha256 => 32,
            Digest::Sha384 => 48,
            Digest::Sha512 => 64,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Digest::Sha1 => "SHA1",
            Digest::Sha224 => "SHA224",
            Digest::Sha256 => "SHA256",
            Digest::Sha384 => "SHA384",
            Digest::Sha512 => "SHA512",
        }
    }
}

/// How the OpenVPN control channel is wrapped: the key that lets the probe be answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsWrap {
    /// `tls-auth`: every control packet carries an HMAC.
    Auth {
        key: StaticKey,
        direction: Direction,
        digest: Digest,
    },
    /// `tls-crypt`: control packets are encrypted (AES-256-CTR) and authenticated
    /// (HMAC-SHA256); the client always sends with key 1.
    Crypt { key: StaticKey },
}

impl TlsWrap {
    /// `tls-auth` or `tls-crypt`, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            TlsWrap::Auth { .. } => "tls-auth",
            TlsWrap::Crypt { .. } => "tls-crypt",
        }
    }
}
