//! The rules iptables-legacy holds (`iptables-legacy-save`, `ip6tables-legacy-save`): nft does
//! not see them. Only the filter table's `OUTPUT` chain and the chains it jumps or goes to are
//! judged, the way the kernel walks them — rules in order, the first verdict wins, `RETURN`
//! back to the caller, else the chain's policy. An option this cannot judge (`-o eth0`,
//! `-m owner`, a mark) makes the rule unsure: it is never claimed, and an unsure `ACCEPT` or
//! jump before a drop means nothing is claimed.

use std::net::IpAddr;

use super::{Backend, Block, Fit, Packet, Walk, in_prefix, out_via};

/// One chain of the filter table.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Chain {
    name: String,
    /// The policy of a built-in chain ("ACCEPT", "DROP"); `None` for a user chain.
    policy: Option<String>,
    /// The rules in order (rule N is `rules[N - 1]`).
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    /// As printed, minus `-A CHAIN`.
    text: String,
    words: Vec<String>,
}

/// The filter table as `iptables-save` printed it, for one family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Save {
    /// The program that deletes its rules ("iptables-legacy", "ip6tables-legacy", or
    /// "iptables" when that one is the legacy build).
    pub tool: &'static str,
    pub v6: bool,
    chains: Vec<Chain>,
}

impl Save {
    /// Reads `iptables-save`'s output; only `*filter` is kept.
    pub fn parse(text: &str, tool: &'static str, v6: bool) -> Result<Self, String> {
        let mut chains: Vec<Chain> = Vec::new();
        let mut in_filter = false;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(table) = line.strip_prefix('*') {
                in_filter = table == "filter";
                continue;
            }
            if !in_filter || line == "COMMIT" {
                continue;
            }
            if let Some(decl) = line.strip_prefix(':') {
                let mut words = decl.split_whitespace();
                let name = crate::text::clean(words.next().unwrap_or_default());
                let policy = words.next().filter(|p| *p != "-").map(crate::text::clean);
                chains.push(Chain {
                    name,
                    policy,
                    rules: Vec::new(),
                });
                continue;
            }
            let words = split(line)
                .ok_or_else(|| format!("{tool}-save line {}: unbalanced quotes", n + 1))?;
            let [flag, chain, rest @ ..] = words.as_slice() else {
                return Err(format!("{tool}-save line {}: not a rule", n + 1));
            };
            if flag != "-A" {
                return Err(format!("{tool}-save line {}: not a rule", n + 1));
            }
            let chain = crate::text::clean(chain);
            match chains.iter_mut().find(|c| c.name == chain) {
                Some(c) => c.rules.push(Rule {
                    text: crate::text::clean(
                        line.strip_prefix("-A")
                            .map(str::trim_start)
                            .and_then(|r| r.strip_prefix(words[1].as_str()))
                            .unwrap_or(line)
                            .trim(),
                    ),
                    words: rest.iter().map(|w| crate::text::clean(w)).collect(),
                }),
                None => {
                    return Err(format!(
                        "{tool}-save line {}: chain {chain} is not declared",
                        n + 1
                    ));
                }
            }
        }
        Ok(Save { tool, v6, chains })
    }

    /// How many rules the filter table holds.
    pub fn rule_count(&self) -> usize {
        self.chains.iter().map(|c| c.rules.len()).sum()
    }

    /// The rule (or policy) of the filter table's `OUTPUT` chain that stops `packet`, if one
    /// provably does.
    pub fn blocking(&self, packet: Packet) -> Option<Block> {
        if packet.addr.is_ipv6() != self.v6 {
            return None;
        }
        let output = self.chains.iter().find(|c| c.name == "OUTPUT")?;
        match self.walk(output, packet, 0) {
            Walk::Stop(b) => Some(b),
            Walk::Accept | Walk::Unsure => None,
            Walk::Continue if output.policy.as_deref() == Some("DROP") => {
                Some(self.block(output, None, "policy DROP".to_string(), "drop"))
            }
            Walk::Continue => None,
        }
    }

    fn block(&self, c: &Chain, number: Option<u64>, text: String, verdict: &'static str) -> Block {
        Block {
            backend: Backend::Iptables {
                v6: self.v6,
                tool: self.tool,
            },
            family: if self.v6 { "ip6" } else { "ip" }.to_string(),
            table: "filter".to_string(),
            chain: c.name.clone(),
            handle: number,
            text,
            verdict,
            ufw: None,
        }
    }

    fn walk(&self, c: &Chain, packet: Packet, depth: u8) -> Walk {
        if depth > 16 {
            return Walk::Unsure;
        }
        for (i, rule) in c.rules.iter().enumerate() {
            let judged = judge(&rule.words, packet);
            let target = self.target(&judged);
            let target = match (judged.fit, target) {
                (Fit::No, _) | (_, Target::None | Target::Continues) => continue,
                // An unsure drop is not claimed; the packet may go on to the next rule.
                (Fit::Maybe, Target::Drop | Target::Reject) => continue,
                (Fit::Maybe, _) | (_, Target::Unknown) => return Walk::Unsure,
                (Fit::Yes, t) => t,
            };
            match target {
                Target::Accept => return Walk::Accept,
                Target::Return => return Walk::Continue,
                Target::Drop | Target::Reject => {
                    let verdict = if target == Target::Drop {
                        "drop"
                    } else {
                        "reject"
                    };
                    let number = u64::try_from(i + 1).unwrap_or(u64::MAX);
                    return Walk::Stop(self.block(c, Some(number), rule.text.clone(), verdict));
                }
                Target::Jump(name, goto) => {
                    let Some(next) = self.chains.iter().find(|x| x.name == name) else {
                        return Walk::Unsure;
                    };
                    match self.walk(next, packet, depth + 1) {
                        Walk::Continue if !goto => {}
                        other => return other,
                    }
                }
                Target::None | Target::Continues | Target::Unknown => {}
            }
        }
        Walk::Continue
    }

    /// What a rule's `-j`/`-g` names: a verdict, a chain of this table, or a target whose
    /// effect is not known here (NFQUEUE).
    fn target(&self, judged: &Judged) -> Target {
        let Some(name) = judged.target.as_deref() else {
            return Target::None;
        };
        match name {
            "ACCEPT" => Target::Accept,
            "DROP" => Target::Drop,
            "REJECT" => Target::Reject,
            "RETURN" => Target::Return,
            n if CONTINUING.contains(&n) => Target::Continues,
            n if self
                .chains
                .iter()
                .any(|c| c.name == n && c.policy.is_none()) =>
            {
                Target::Jump(n.to_string(), judged.goto)
            }
            _ => Target::Unknown,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// No `-j`: the rule only counts.
    None,
    Accept,
    Drop,
    Reject,
    Return,
    /// A user chain, and whether it is gone to (`-g`) rather than jumped to.
    Jump(String, bool),
    /// A target that does not end the walk (LOG, MARK, …).
    Continues,
    /// A target whose effect is not known here (NFQUEUE, …).
    Unknown,
}

/// A rule's matches, judged, and its target as named.
struct Judged {
    fit: Fit,
    target: Option<String>,
    /// `-g`: the walk does not come back.
    goto: bool,
}

/// Whether target `name` acts and lets the packet go on to the next rule (LOG).
pub(super) fn continues(name: &str) -> bool {
    CONTINUING.contains(&name)
}

/// Targets that act and let the packet go on to the next rule.
const CONTINUING: [&str; 9] = [
    "LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "TOS", "DSCP", "TCPMSS", "CLASSIFY",
];

/// Judges one rule's options (as `iptables-save` printed them after `-A CHAIN`).
fn judge(words: &[String], packet: Packet) -> Judged {
    let mut fit = Fit::Yes;
    let mut negate = false;
    let mut target = None;
    let mut goto = false;
    let mut i = 0;
    let arg = |i: usize| words.get(i + 1).map(String::as_str);
    while i < words.len() {
        let w = words[i].as_str();
        if w == "!" {
            negate = true;
            i += 1;
            continue;
        }
        let (f, used) = match w {
            "-j" | "--jump" | "-g" | "--goto" => {
                target = arg(i).map(str::to_string);
                goto = w == "-g" || w == "--goto";
                // The rest are the target's own options (--reject-with, --log-prefix).
                break;
            }
            "-p" | "--protocol" => (proto_is(arg(i), packet), 2),
            "-d" | "--destination" => (addr_is(arg(i), packet.addr), 2),
            "--dport" | "--destination-port" | "--dports" | "--destination-ports" => {
                (ports_have(arg(i), packet.port), 2)
            }
            "--ctstate" | "--state" => (
                Fit::from(arg(i).unwrap_or_default().split(',').any(|s| s == "NEW")),
                2,
            ),
            "--comment" => (Fit::Yes, 2),
            "-o" | "--out-interface" => (
                arg(i).map_or(Fit::Maybe, |name| out_via(name, packet.addr)),
                2,
            ),
            "-m" | "--match" => match arg(i) {
                Some("tcp" | "udp" | "multiport" | "conntrack" | "state" | "comment") => {
                    (Fit::Yes, 2)
                }
                _ => (Fit::Maybe, 2),
            },
            _ => (Fit::Maybe, 1),
        };
        let f = match (f, std::mem::take(&mut negate)) {
            (Fit::Yes, true) => Fit::No,
            (Fit::No, true) => Fit::Yes,
            (f, _) => f,
        };
        fit = fit.and(f);
        i += used;
        if f == Fit::Maybe && used == 1 {
            // An unknown option: skip its values (words up to the next option).
            while i < words.len() && !words[i].starts_with('-') && words[i] != "!" {
                i += 1;
            }
        }
    }
    Judged { fit, target, goto }
}

fn proto_is(p: Option<&str>, packet: Packet) -> Fit {
    match p {
        Some("all" | "0") => Fit::Yes,
        Some("tcp" | "6") => Fit::from(packet.proto == super::Proto::Tcp),
        Some("udp" | "17") => Fit::from(packet.proto == super::Proto::Udp),
        Some(_) => Fit::No,
        None => Fit::Maybe,
    }
}

/// `-d 10.0.0.0/8`, `-d 192.0.2.7/32`, `-d 10.0.0.0/255.0.0.0`, `-d ::1/128`.
fn addr_is(spec: Option<&str>, addr: IpAddr) -> Fit {
    let Some(spec) = spec else {
        return Fit::Maybe;
    };
    let (net, len) = spec.split_once('/').unwrap_or((spec, ""));
    let Ok(net) = net.parse::<IpAddr>() else {
        return Fit::Maybe;
    };
    if net.is_ipv6() != addr.is_ipv6() {
        return Fit::No;
    }
    let len = if len.is_empty() {
        if net.is_ipv6() { 128 } else { 32 }
    } else if let Ok(n) = len.parse::<u64>() {
        n
    } else {
        match len.parse::<std::net::Ipv4Addr>().map(u32::from) {
            Ok(m) if m.leading_ones() + m.trailing_zeros() == 32 => u64::from(m.leading_ones()),
            _ => return Fit::Maybe,
        }
    };
    Fit::from(in_prefix(addr, net, len))
}

/// `1194`, `8000:8100`, `443,8000:8100`.
fn ports_have(spec: Option<&str>, port: u16) -> Fit {
    let Some(spec) = spec else {
        return Fit::Maybe;
    };
    let mut fit = Fit::No;
    for part in spec.split(',') {
        let (lo, hi) = part.split_once(':').unwrap_or((part, part));
        let lo = if lo.is_empty() {
            Ok(0)
        } else {
            lo.parse::<u16>()
        };
        let hi = if hi.is_empty() {
            Ok(u16::MAX)
        } else {
            hi.parse::<u16>()
        };
        match (lo, hi) {
            (Ok(lo), Ok(hi)) if (lo..=hi).contains(&port) => return Fit::Yes,
            (Ok(_), Ok(_)) => {}
            _ => fit = Fit::Maybe,
        }
    }
    fit
}

/// Splits a line into words the way `iptables-save` quotes them (`--comment "a b"`, `\"`).
fn split(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                word.push(chars.next()?);
                in_word = true;
            }
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quoted {
        return None;
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::super::UfwFix;
    use super::super::tests::{tcp, udp};
    use super::*;

    /// `iptables-legacy-save` (1.8.9) after:
    /// ```text
    /// iptables-legacy -N VPN
    /// iptables-legacy -A OUTPUT -p udp --dport 1194 -j DROP
    /// iptables-legacy -A OUTPUT -d 10.0.0.0/8 -p tcp -m multiport --dports 443,8000:8100 -j REJECT --reject-with tcp-reset
    /// iptables-legacy -A OUTPUT -o eth0 -j DROP
    /// iptables-legacy -A OUTPUT -m conntrack --ctstate NEW -p udp ! --dport 53 -j VPN
    /// iptables-legacy -A VPN -p udp -m udp --dport 51820 -j DROP
    /// iptables-legacy -A VPN -j RETURN
    /// iptables-legacy -A OUTPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
    /// iptables-legacy -A OUTPUT ! -d 127.0.0.1/32 -p tcp -m tcp --dport 22 -g VPN
    /// iptables-legacy -A OUTPUT -m owner --uid-owner 0 -j DROP
    /// iptables-legacy -A OUTPUT -p udp -m comment --comment "hi there" -j DROP
    /// iptables-legacy -P OUTPUT DROP
    /// ```
    const SAVE: &str = r#"# Generated by iptables-save v1.8.9 on Mon Nov 30 19:01:29 2026
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT DROP [0:0]
:VPN - [0:0]
-A OUTPUT -p udp -m udp --dport 1194 -j DROP
-A OUTPUT -d 10.0.0.0/8 -p tcp -m multiport --dports 443,8000:8100 -j REJECT --reject-with tcp-reset
-A OUTPUT -o eth0 -j DROP
-A OUTPUT -p udp -m conntrack --ctstate NEW -m udp ! --dport 53 -j VPN
-A OUTPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
-A OUTPUT ! -d 127.0.0.1/32 -p tcp -m tcp --dport 22 -g VPN
-A OUTPUT -m owner --uid-owner 0 -j DROP
-A OUTPUT -p udp -m comment --comment "hi there" -j DROP
-A VPN -p udp -m udp --dport 51820 -j DROP
-A VPN -j RETURN
COMMIT
# Completed on Mon Nov 30 19:01:29 2026
"#;

    fn save() -> Save {
        Save::parse(SAVE, "iptables-legacy", false).unwrap()
    }

    #[test]
    fn the_first_rule_that_drops_with_its_number() {
        let b = save().blocking(udp("127.0.0.1", 1194)).unwrap();
        assert_eq!((b.chain.as_str(), b.handle), ("OUTPUT", Some(1)));
        assert_eq!(b.text, "-p udp -m udp --dport 1194 -j DROP");
        assert_eq!(
            b.to_string(),
            "iptables-legacy filter chain OUTPUT rule 1: -p udp -m udp --dport 1194 -j DROP"
        );
        assert_eq!(
            b.delete_command().unwrap(),
            ["iptables-legacy", "-t", "filter", "-D", "OUTPUT", "1"]
        );
        assert_eq!(b.ufw, None);
    }

    #[test]
    fn addresses_multiport_ranges_and_reject() {
        let s = save();
        let b = s.blocking(tcp("10.9.8.7", 8050)).unwrap();
        assert_eq!((b.handle, b.verdict), (Some(2), "reject"));
        assert_eq!(
            b.text,
            "-d 10.0.0.0/8 -p tcp -m multiport --dports 443,8000:8100 -j REJECT --reject-with tcp-reset"
        );
        // Outside 10/8 rule 2 does not hold; loopback never leaves by eth0 (rule 3); rule 4
        // jumps to VPN.
        let b = s.blocking(udp("127.0.0.1", 51820)).unwrap();
        assert_eq!((b.chain.as_str(), b.handle), ("VPN", Some(1)));
        assert_eq!(
            b.to_string(),
            "iptables-legacy filter chain VPN rule 1: -p udp -m udp --dport 51820 -j DROP"
        );
        assert_eq!(
            b.delete_command().unwrap(),
            ["iptables-legacy", "-t", "filter", "-D", "VPN", "1"]
        );
    }

    #[test]
    fn an_unjudgeable_rule_is_never_claimed() {
        let s = save();
        // TCP 22 to 192.0.2.1 goes to VPN (-g, no coming back), which returns: the walk
        // reaches `-m owner … -j DROP`, which it cannot judge, then the comment rule is udp
        // only, then the policy DROP.
        let b = s.blocking(tcp("192.0.2.1", 22)).unwrap();
        assert_eq!((b.handle, b.text.as_str()), (None, "policy DROP"));
        assert_eq!(b.delete_command(), None);
        // UDP 53 is not sent to VPN; -m owner is unsure; the comment rule drops all UDP:
        // the drop after an unsure drop is still that rule's.
        let b = s.blocking(udp("127.0.0.1", 53)).unwrap();
        assert_eq!(b.handle, Some(8));
        assert_eq!(b.text, r#"-p udp -m comment --comment "hi there" -j DROP"#);
        // A packet out of eth0 (not loopback) might be dropped by rule 3: an unsure drop is
        // never the one claimed.
        let b = s.blocking(udp("192.0.2.1", 5000)).unwrap();
        assert_ne!(b.handle, Some(3));
        // IPv6 is not in this table.
        assert_eq!(s.blocking(udp("::1", 1194)), None);
        assert_eq!(s.rule_count(), 10);
    }

    #[test]
    fn an_unsure_accept_or_jump_claims_nothing_after_it() {
        let text = "*filter\n:OUTPUT ACCEPT [0:0]\n:X - [0:0]\n\
            -A OUTPUT -m owner --uid-owner 1000 -j ACCEPT\n\
            -A OUTPUT -p udp -j DROP\n\
            COMMIT\n*nat\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -p udp -j DNAT --to 1.2.3.4\nCOMMIT\n";
        let s = Save::parse(text, "iptables-legacy", false).unwrap();
        assert_eq!(s.blocking(udp("192.0.2.1", 1194)), None);
        assert_eq!(s.rule_count(), 2, "only the filter table is read");
        let text = "*filter\n:OUTPUT ACCEPT [0:0]\n\
            -A OUTPUT -p udp -j NFQUEUE --queue-num 1\n\
            -A OUTPUT -p udp -j LOG --log-prefix \"out \"\n\
            -A OUTPUT -p tcp -j DROP\n\
            COMMIT\n";
        let s = Save::parse(text, "iptables-legacy", false).unwrap();
        assert_eq!(s.blocking(udp("192.0.2.1", 1194)), None, "a queue decides");
        // LOG goes on to the next rule.
        let b = s.blocking(tcp("192.0.2.1", 443)).unwrap();
        assert_eq!(b.handle, Some(3));
    }

    #[test]
    fn ipv6_and_negations() {
        let text = "*filter\n:OUTPUT ACCEPT [0:0]\n\
            -A OUTPUT -d ::1/128 -p udp -m udp --dport 123 -j REJECT --reject-with icmp6-port-unreachable\n\
            -A OUTPUT ! -p tcp -j ACCEPT\n\
            -A OUTPUT -p tcp ! --dport 443 -j DROP\n\
            COMMIT\n";
        let s = Save::parse(text, "ip6tables-legacy", true).unwrap();
        let b = s.blocking(udp("::1", 123)).unwrap();
        assert_eq!((b.family.as_str(), b.verdict), ("ip6", "reject"));
        assert_eq!(
            b.delete_command().unwrap(),
            ["ip6tables-legacy", "-t", "filter", "-D", "OUTPUT", "1"]
        );
        assert_eq!(s.blocking(udp("::2", 123)), None, "! -p tcp accepts");
        assert_eq!(s.blocking(tcp("2001:db8::1", 443)), None);
        assert_eq!(s.blocking(tcp("2001:db8::1", 80)).unwrap().handle, Some(3));
        assert_eq!(s.blocking(tcp("192.0.2.1", 80)), None, "IPv4 is not in it");
    }

    #[test]
    fn ufw_chains_name_ufws_rule() {
        // ufw (iptables-legacy backend) after `ufw deny out 1194/udp`, the chains trimmed.
        let text = "*filter\n:OUTPUT ACCEPT [0:0]\n:ufw-before-output - [0:0]\n:ufw-user-output - [0:0]\n\
            -A OUTPUT -j ufw-before-output\n\
            -A ufw-before-output -o lo -j ACCEPT\n\
            -A ufw-before-output -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
            -A ufw-before-output -j ufw-user-output\n\
            -A ufw-user-output -p udp -m udp --dport 1194 -j DROP\n\
            COMMIT\n";
        let ufw = super::super::Ufw::parse(
            "Status: active\n\n     To                         Action      From\n     --                         ------      ----\n\
             [ 1] 22/tcp                     ALLOW IN    Anywhere\n\
             [ 2] 1194/udp                   DENY OUT    Anywhere                   (out)\n",
        )
        .unwrap();
        let fw = super::super::Firewall {
            nft: super::super::Reading::Unknown("not read".to_string()),
            iptables: super::super::Reading::Read(
                Save::parse(text, "iptables-legacy", false).unwrap(),
            ),
            ip6tables: super::super::Reading::Unknown("not read".to_string()),
            iptables_nft: super::super::Reading::Unknown("not read".to_string()),
            ip6tables_nft: super::super::Reading::Unknown("not read".to_string()),
            ufw,
        };
        let b = fw.blocking(udp("192.0.2.7", 1194)).unwrap();
        assert_eq!(b.chain, "ufw-user-output");
        assert_eq!(
            b.ufw,
            Some(UfwFix::Rule {
                number: 2,
                text: "[ 2] 1194/udp DENY OUT Anywhere (out)".to_string()
            })
        );
        assert_eq!(
            b.delete_command().unwrap(),
            ["ufw", "--force", "delete", "2"]
        );
        // Loopback leaves by lo, which ufw accepts.
        assert_eq!(fw.blocking(udp("127.0.0.1", 1194)), None);
        // ufw inactive (its chains left behind): the kernel's rule is deleted, and the
        // fix says ufw writes it again.
        let fw = super::super::Firewall {
            ufw: super::super::Ufw::Inactive,
            ..fw
        };
        let b = fw.blocking(udp("192.0.2.7", 1194)).unwrap();
        assert_eq!(
            b.ufw,
            Some(UfwFix::Unmatched("ufw is inactive".to_string()))
        );
        assert_eq!(
            b.delete_command().unwrap(),
            [
                "iptables-legacy",
                "-t",
                "filter",
                "-D",
                "ufw-user-output",
                "1"
            ]
        );
        assert!(
            fw.describe().ends_with(
                "iptables-legacy: 5 rule(s) read (IPv6 not known: not read); ufw: inactive"
            ),
            "{}",
            fw.describe()
        );
    }

    #[test]
    fn bad_lines_are_errors() {
        assert!(Save::parse("*filter\n-A OUTPUT -j DROP\n", "iptables-legacy", false).is_err());
        assert!(
            Save::parse(
                "*filter\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -m comment --comment \"x\n",
                "iptables-legacy",
                false
            )
            .is_err()
        );
        assert_eq!(
            Save::parse("", "iptables-legacy", false)
                .unwrap()
                .rule_count(),
            0
        );
    }
}
