//! ufw, read with `ufw status numbered`: whether it is active, and its rules by number. ufw
//! writes its rules into chains of its own (`ufw-user-output`) and writes them again on every
//! reload, so a rule of those chains is removed with `ufw --force delete N`, not by deleting
//! it from the kernel's tables.

use std::net::IpAddr;

use super::{Fit, Packet, Proto, in_prefix};

/// What `ufw status numbered` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ufw {
    /// ufw is not installed.
    Absent,
    Inactive,
    Active(Vec<UfwRule>),
    /// Why its state is not known (not root, an error).
    Unknown(String),
}

/// One numbered rule, as ufw prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UfwRule {
    pub number: u32,
    /// The line, spaces collapsed: "[ 1] 1194/udp DENY OUT Anywhere (out)".
    pub text: String,
    /// The words of its "To" column, without "(v6)".
    to: Vec<String>,
    /// "ALLOW", "DENY", "REJECT", "LIMIT".
    action: String,
    /// "IN", "OUT", "FWD".
    direction: String,
    /// The words of its "From" column, without "(v6)", "(out)" and the comment.
    from: Vec<String>,
    v6: bool,
}

impl Ufw {
    /// Reads `ufw status numbered`'s output.
    pub fn parse(text: &str) -> Result<Self, String> {
        let first = text.lines().next().unwrap_or_default().trim();
        match first {
            "Status: inactive" => return Ok(Ufw::Inactive),
            "Status: active" => {}
            other => {
                return Err(format!(
                    "ufw status said: {}",
                    crate::text::clean(if other.is_empty() { "nothing" } else { other })
                ));
            }
        }
        Ok(Ufw::Active(
            text.lines().filter_map(UfwRule::parse).collect(),
        ))
    }

    /// One word for the JSON report: "active", "inactive", "absent", "unknown".
    pub fn status(&self) -> &'static str {
        match self {
            Ufw::Absent => "absent",
            Ufw::Inactive => "inactive",
            Ufw::Active(_) => "active",
            Ufw::Unknown(_) => "unknown",
        }
    }

    /// The state in words ("active, 3 rule(s)").
    pub fn describe(&self) -> String {
        match self {
            Ufw::Absent => "not installed".to_string(),
            Ufw::Inactive => "inactive".to_string(),
            Ufw::Active(rules) => format!("active, {} rule(s)", rules.len()),
            Ufw::Unknown(why) => format!("not known: {why}"),
        }
    }

    /// ufw's own rule behind a drop or reject of `packet` by its chains: the first outgoing
    /// rule that provably matches the packet, when it has that verdict. `None` when ufw is not
    /// active, or when an earlier rule might match (this cannot tell).
    pub fn rule_for(&self, packet: Packet, verdict: &str) -> Option<&UfwRule> {
        let Ufw::Active(rules) = self else {
            return None;
        };
        for r in rules {
            if r.direction != "OUT" || r.v6 != packet.addr.is_ipv6() {
                continue;
            }
            match r.fits(packet) {
                Fit::No => {}
                Fit::Maybe => return None,
                Fit::Yes => {
                    let same = matches!(
                        (r.action.as_str(), verdict),
                        ("DENY", "drop") | ("REJECT", "reject")
                    );
                    return same.then_some(r);
                }
            }
        }
        None
    }
}

impl UfwRule {
    /// "[ 2] 192.0.2.7 443/tcp          REJECT OUT  Anywhere                   (out) # c".
    fn parse(line: &str) -> Option<Self> {
        let rest = line.trim().strip_prefix('[')?;
        let (number, rest) = rest.split_once(']')?;
        let number = number.trim().parse().ok()?;
        let words: Vec<&str> = rest.split_whitespace().collect();
        let at = words
            .iter()
            .position(|w| matches!(*w, "ALLOW" | "DENY" | "REJECT" | "LIMIT"))?;
        let direction = words.get(at + 1).copied().unwrap_or("IN");
        let (direction, from_at) = if matches!(direction, "IN" | "OUT" | "FWD") {
            (direction, at + 2)
        } else {
            ("IN", at + 1)
        };
        let v6 = words.contains(&"(v6)");
        let keep = |w: &&&str| !matches!(**w, "(v6)" | "(out)");
        let to: Vec<String> = words[..at]
            .iter()
            .filter(keep)
            .map(|w| (*w).to_string())
            .collect();
        let from: Vec<String> = words[from_at..]
            .iter()
            .take_while(|w| !w.starts_with('#'))
            .filter(keep)
            .map(|w| (*w).to_string())
            .collect();
        Some(UfwRule {
            number,
            text: crate::text::clean(&format!("[{number:2}] {}", words.join(" "))),
            to,
            action: words[at].to_string(),
            direction: direction.to_string(),
            from,
            v6,
        })
    }

    /// Whether the rule matches `packet`: its "To" is an address and/or a port spec, its
    /// "From" anywhere. An interface (`on eth0`), an application profile, a source: cannot
    /// tell.
    fn fits(&self, packet: Packet) -> Fit {
        if self.from != ["Anywhere"] {
            return Fit::Maybe;
        }
        let mut words = self.to.iter().map(String::as_str);
        let mut fit = Fit::Yes;
        let mut word = words.next();
        if word == Some("Anywhere") {
            word = words.next();
        } else if let Some(f) = word.and_then(|w| addr_fits(w, packet.addr)) {
            fit = fit.and(f);
            word = words.next();
        }
        if let Some(w) = word {
            fit = fit.and(port_fits(w, packet));
            word = words.next();
        }
        if word.is_some() {
            return Fit::Maybe;
        }
        fit
    }
}

/// `192.0.2.7`, `10.0.0.0/8`; `None` when the word is no address.
fn addr_fits(w: &str, addr: IpAddr) -> Option<Fit> {
    let (net, len) = w.split_once('/').unwrap_or((w, ""));
    let net = net.parse::<IpAddr>().ok()?;
    let len = if len.is_empty() {
        if net.is_ipv6() { 128 } else { 32 }
    } else {
        len.parse::<u64>().ok()?
    };
    Some(Fit::from(
        net.is_ipv6() == addr.is_ipv6() && in_prefix(addr, net, len),
    ))
}

/// `1194/udp`, `53`, `8000:8100/tcp`, `80,443/tcp`; an application name cannot be told.
fn port_fits(w: &str, packet: Packet) -> Fit {
    let (ports, proto) = w.split_once('/').unwrap_or((w, ""));
    let proto_fit = match proto {
        "" => Fit::Yes,
        "tcp" => Fit::from(packet.proto == Proto::Tcp),
        "udp" => Fit::from(packet.proto == Proto::Udp),
        _ => return Fit::Maybe,
    };
    let mut fit = Fit::No;
    for part in ports.split(',') {
        let (lo, hi) = part.split_once(':').unwrap_or((part, part));
        match (lo.parse::<u16>(), hi.parse::<u16>()) {
            (Ok(lo), Ok(hi)) if (lo..=hi).contains(&packet.port) => fit = Fit::Yes,
            (Ok(_), Ok(_)) => {}
            _ => return Fit::Maybe,
        }
    }
    proto_fit.and(fit)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ufw status numbered` (ufw 0.36.2, Debian 12) after `ufw deny out 1194/udp`,
    /// `ufw reject out to 192.0.2.7 port 443 proto tcp`, `ufw allow 22/tcp`,
    /// `ufw deny out 8000:8100/tcp`, `ufw deny out to any port 51820 proto udp comment 'wg off'`,
    /// `ufw deny out 53`; then by hand, the shapes of `ufw allow out on wg0`,
    /// `ufw deny out from 10.0.0.0/8`, `ufw allow out OpenSSH` and `ufw deny out 80,443/tcp`.
    const NUMBERED: &str = "Status: active

     To                         Action      From
     --                         ------      ----
[ 1] 1194/udp                   DENY OUT    Anywhere                   (out)
[ 2] 192.0.2.7 443/tcp          REJECT OUT  Anywhere                   (out)
[ 3] 22/tcp                     ALLOW IN    Anywhere                  
[ 4] 8000:8100/tcp              DENY OUT    Anywhere                   (out)
[ 5] 51820/udp                  DENY OUT    Anywhere                   (out) # wg off
[ 6] 53                         DENY OUT    Anywhere                   (out)
[ 7] 1194/udp (v6)              DENY OUT    Anywhere (v6)              (out)
[ 8] 22/tcp (v6)                ALLOW IN    Anywhere (v6)             
[ 9] 8000:8100/tcp (v6)         DENY OUT    Anywhere (v6)              (out)
[10] 51820/udp (v6)             DENY OUT    Anywhere (v6)              (out) # wg off
[11] 53 (v6)                    DENY OUT    Anywhere (v6)              (out)
[12] Anywhere on wg0            ALLOW OUT   Anywhere                   (out)
[13] Anywhere                   DENY OUT    10.0.0.0/8                 (out)
[14] OpenSSH                    ALLOW OUT   Anywhere                   (out)
[15] 80,443/tcp                 DENY OUT    Anywhere                   (out)
";

    fn packet(proto: Proto, addr: &str, port: u16) -> Packet {
        Packet {
            proto,
            addr: addr.parse().unwrap(),
            port,
        }
    }

    fn number(ufw: &Ufw, p: Packet, verdict: &str) -> Option<u32> {
        ufw.rule_for(p, verdict).map(|r| r.number)
    }

    #[test]
    fn reads_the_state() {
        assert_eq!(Ufw::parse("Status: inactive\n").unwrap(), Ufw::Inactive);
        let ufw = Ufw::parse(NUMBERED).unwrap();
        assert_eq!(ufw.describe(), "active, 15 rule(s)");
        assert_eq!(ufw.status(), "active");
        assert!(Ufw::parse("ERROR: You need to be root to run this script\n").is_err());
        assert!(Ufw::parse("").is_err());
    }

    #[test]
    fn matches_the_outgoing_rule_behind_a_drop() {
        use Proto::{Tcp, Udp};
        let ufw = Ufw::parse(NUMBERED).unwrap();
        let r = ufw
            .rule_for(packet(Udp, "192.0.2.7", 1194), "drop")
            .unwrap();
        assert_eq!(r.number, 1);
        assert_eq!(r.text, "[ 1] 1194/udp DENY OUT Anywhere (out)");
        assert_eq!(
            number(&ufw, packet(Tcp, "192.0.2.7", 443), "reject"),
            Some(2)
        );
        assert_eq!(
            number(&ufw, packet(Tcp, "192.0.2.8", 8080), "drop"),
            Some(4)
        );
        assert_eq!(
            number(&ufw, packet(Udp, "192.0.2.8", 51820), "drop"),
            Some(5)
        );
        assert_eq!(
            ufw.rule_for(packet(Udp, "192.0.2.8", 51820), "drop")
                .unwrap()
                .text,
            "[ 5] 51820/udp DENY OUT Anywhere (out) # wg off"
        );
        assert_eq!(number(&ufw, packet(Tcp, "192.0.2.8", 53), "drop"), Some(6));
        assert_eq!(
            number(&ufw, packet(Udp, "2001:db8::1", 1194), "drop"),
            Some(7)
        );
        assert_eq!(
            number(&ufw, packet(Udp, "2001:db8::1", 53), "drop"),
            Some(11)
        );
    }

    #[test]
    fn no_rule_when_a_verdict_differs_or_an_earlier_rule_cannot_be_told() {
        use Proto::{Tcp, Udp};
        let ufw = Ufw::parse(NUMBERED).unwrap();
        // A drop, but ufw's rule for the packet rejects.
        assert_eq!(number(&ufw, packet(Tcp, "192.0.2.7", 443), "drop"), None);
        // Past rule 11, `on wg0` cannot be told: rule 15 is not claimed.
        assert_eq!(number(&ufw, packet(Tcp, "192.0.2.8", 80), "drop"), None);
        // Incoming rules are not on the output path.
        assert_eq!(number(&ufw, packet(Tcp, "192.0.2.8", 22), "drop"), None);
        assert_eq!(
            Ufw::Inactive.rule_for(packet(Udp, "192.0.2.7", 1194), "drop"),
            None
        );
    }
}
