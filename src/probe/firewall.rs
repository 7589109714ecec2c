//! This machine's own firewall: which rule on the output path drops or rejects a probe's
//! packets. Read from nftables (`nft -j list ruleset`; iptables-nft's rules, ufw's on Debian,
//! are in it too), from iptables-legacy (`iptables-legacy-save`, [`iptables`]), which nft does
//! not see, and from ufw (`ufw status numbered`, [`ufw`]), whose rules are deleted through ufw.
//!
//! The judgement walks each base chain on the `output` hook the way the kernel does — rules in
//! order, `jump`/`goto` followed, the first verdict wins, else the chain's policy — for one
//! new packet (protocol, destination address and port). A rule with a match this cannot judge
//! (an interface name, a socket owner, a mark) is never claimed: the verdict must be one the
//! user can check by reading the rule.

use std::fmt;
use std::net::IpAddr;

use serde_json::Value;

pub mod iptables;
pub mod ufw;

pub use iptables::Save;
pub use ufw::{Ufw, UfwRule};

/// The transport protocol of a probe's packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

/// One packet a probe sends: where to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet {
    pub proto: Proto,
    pub addr: IpAddr,
    pub port: u16,
}

/// Which rules a [`Block`] was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Nft,
    /// iptables-legacy's filter table; `tool` deletes from it ("iptables-legacy").
    Iptables {
        v6: bool,
        tool: &'static str,
    },
}

/// ufw's part in a [`Block`] found in one of ufw's chains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UfwFix {
    /// ufw's numbered rule that makes it: deleted with `ufw --force delete N`.
    Rule { number: u32, text: String },
    /// No ufw rule was matched, for the reason given: deleting the kernel's rule lasts until
    /// ufw reloads.
    Unmatched(String),
}

/// A rule (or a chain's policy) that stops a packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub backend: Backend,
    /// "inet", "ip", "ip6".
    pub family: String,
    pub table: String,
    /// The chain the verdict is in (a base chain, or one jumped to).
    pub chain: String,
    /// The rule's nft handle, or for iptables its 1-based number in the chain; `None` when
    /// the chain's policy drops.
    pub handle: Option<u64>,
    /// The rule as nft prints it ("udp dport 1194 drop"), or as iptables-save does minus
    /// `-A CHAIN` ("-p udp -m udp --dport 1194 -j DROP"), or "policy drop".
    pub text: String,
    /// "drop" or "reject".
    pub verdict: &'static str,
    /// Set when the chain is one of ufw's (`ufw-user-output`) and ufw is active.
    pub ufw: Option<UfwFix>,
}

impl Block {
    /// The command that removes it: `ufw --force delete N` for ufw's rule, `nft delete rule
    /// FAMILY TABLE CHAIN handle N`, or `iptables-legacy -t filter -D CHAIN N`; `None` for a
    /// policy, which is changed, not deleted.
    pub fn delete_command(&self) -> Option<Vec<String>> {
        let handle = self.handle?.to_string();
        let argv: Vec<&str> = match (&self.ufw, self.backend) {
            (Some(UfwFix::Rule { number, .. }), _) => {
                return Some(vec![
                    "ufw".to_string(),
                    "--force".to_string(),
                    "delete".to_string(),
                    number.to_string(),
                ]);
            }
            (_, Backend::Nft) => vec![
                "nft",
                "delete",
                "rule",
                &self.family,
                &self.table,
                &self.chain,
                "handle",
                &handle,
            ],
            (_, Backend::Iptables { tool, .. }) => {
                vec![tool, "-t", &self.table, "-D", &self.chain, &handle]
            }
        };
        Some(argv.iter().map(|s| (*s).to_string()).collect())
    }

    /// Where the rule is, without the chain: "table inet fw", "iptables-legacy filter".
    pub fn place(&self) -> String {
        match self.backend {
            Backend::Nft => format!("table {} {}", self.family, self.table),
            Backend::Iptables { tool, .. } => format!("{tool} {}", self.table),
        }
    }
}

impl fmt::Display for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.backend, self.handle) {
            (Backend::Nft, Some(h)) => write!(
                f,
                "{} chain {}: {} (handle {h})",
                self.place(),
                self.chain,
                self.text
            ),
            (Backend::Iptables { .. }, Some(n)) => {
                write!(
                    f,
                    "{} chain {} rule {n}: {}",
                    self.place(),
                    self.chain,
                    self.text
                )
            }
            (_, None) => write!(f, "{} chain {}: {}", self.place(), self.chain, self.text),
        }
    }
}

/// One source of rules: read, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading<T> {
    Read(T),
    Unknown(String),
}

impl<T> Reading<T> {
    fn read(&self) -> Option<&T> {
        match self {
            Reading::Read(t) => Some(t),
            Reading::Unknown(_) => None,
        }
    }
}

/// What this machine's firewall check found, from each place rules are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firewall {
    /// The ruleset as nft listed it.
    pub nft: Reading<Ruleset>,
    /// iptables-legacy's filter table, IPv4 and IPv6.
    pub iptables: Reading<Save>,
    pub ip6tables: Reading<Save>,
    /// iptables-nft's filter table (`iptables-nft-save`): the same rules as nft's tables
    /// `ip filter` and `ip6 filter`, but whole — nft's JSON shows a match it cannot translate
    /// (ufw's `-m conntrack`, `-m multiport`) as an opaque `xt` it cannot judge.
    pub iptables_nft: Reading<Save>,
    pub ip6tables_nft: Reading<Save>,
    pub ufw: Ufw,
}

impl Firewall {
    /// Nothing known, for `why`.
    pub fn unknown(why: &str) -> Self {
        Firewall {
            nft: Reading::Unknown(why.to_string()),
            iptables: Reading::Unknown(why.to_string()),
            ip6tables: Reading::Unknown(why.to_string()),
            iptables_nft: Reading::Unknown(why.to_string()),
            ip6tables_nft: Reading::Unknown(why.to_string()),
            ufw: Ufw::Unknown(why.to_string()),
        }
    }

    /// Only nft's ruleset is known (iptables-legacy absent, ufw absent).
    pub fn nft_only(ruleset: Ruleset) -> Self {
        Firewall {
            nft: Reading::Read(ruleset),
            iptables: Reading::Unknown("iptables-legacy is not installed".to_string()),
            ip6tables: Reading::Unknown("ip6tables-legacy is not installed".to_string()),
            iptables_nft: Reading::Unknown("not read".to_string()),
            ip6tables_nft: Reading::Unknown("not read".to_string()),
            ufw: Ufw::Absent,
        }
    }

    /// Whether no rules at all were read.
    pub fn is_unknown(&self) -> bool {
        self.nft.read().is_none()
            && self.iptables.read().is_none()
            && self.ip6tables.read().is_none()
    }

    /// The rule that stops `packet`, when the rules are known and one provably does. A rule
    /// of ufw's chains names ufw's rule, when ufw is active.
    pub fn blocking(&self, packet: Packet) -> Option<Block> {
        let mut block = self
            .nft
            .read()
            .and_then(|r| r.blocking(packet))
            .or_else(|| {
                [
                    &self.iptables_nft,
                    &self.ip6tables_nft,
                    &self.iptables,
                    &self.ip6tables,
                ]
                .into_iter()
                .find_map(|r| r.read().and_then(|s| s.blocking(packet)))
            })?;
        if block.chain.starts_with("ufw-") || block.chain.starts_with("ufw6-") {
            block.ufw = match self.ufw.rule_for(packet, block.verdict) {
                Some(r) if block.handle.is_some() => Some(UfwFix::Rule {
                    number: r.number,
                    text: r.text.clone(),
                }),
                _ => Some(UfwFix::Unmatched(match &self.ufw {
                    Ufw::Active(_) => {
                        "no rule of ufw status numbered provably matches it".to_string()
                    }
                    other => format!("ufw is {}", other.describe()),
                })),
            };
        }
        Some(block)
    }

    /// Each source's name, whether it was read, its rule count or why not.
    pub fn backends(&self) -> Vec<(&'static str, Result<usize, &str>)> {
        fn count<'a>(
            name: &'static str,
            r: &'a Reading<Save>,
        ) -> (&'static str, Result<usize, &'a str>) {
            (
                name,
                match r {
                    Reading::Read(s) => Ok(s.rule_count()),
                    Reading::Unknown(why) => Err(why.as_str()),
                },
            )
        }
        vec![
            (
                "nftables",
                match &self.nft {
                    Reading::Read(r) => Ok(r.rule_count()),
                    Reading::Unknown(why) => Err(why.as_str()),
                },
            ),
            count("iptables-legacy", &self.iptables),
            count("ip6tables-legacy", &self.ip6tables),
            count("iptables-nft", &self.iptables_nft),
            count("ip6tables-nft", &self.ip6tables_nft),
        ]
    }

    /// How many rules were read in all (iptables-nft's are nft's, counted once).
    pub fn rule_count(&self) -> usize {
        self.backends()
            .iter()
            .filter(|(name, _)| !name.ends_with("-nft"))
            .filter_map(|(_, r)| r.ok())
            .sum()
    }

    /// The state in words: how many rules nftables and iptables-legacy gave, or why none,
    /// and ufw's state ("nftables: 3 rule(s) read; iptables-legacy: 1 rule(s) read; ufw:
    /// inactive"). iptables-nft's rules are nft's; IPv6's legacy table is told apart only
    /// when one family is known and the other not.
    pub fn describe(&self) -> String {
        let nft = match &self.nft {
            Reading::Read(r) => format!("nftables: {} rule(s) read", r.rule_count()),
            Reading::Unknown(why) => format!("nftables: not known ({why})"),
        };
        let legacy = match (&self.iptables, &self.ip6tables) {
            (Reading::Read(a), Reading::Read(b)) => format!(
                "iptables-legacy: {} rule(s) read",
                a.rule_count() + b.rule_count()
            ),
            (Reading::Read(a), Reading::Unknown(why)) => format!(
                "iptables-legacy: {} rule(s) read (IPv6 not known: {why})",
                a.rule_count()
            ),
            (Reading::Unknown(why), Reading::Read(b)) => format!(
                "iptables-legacy: IPv4 not known ({why}); IPv6: {} rule(s) read",
                b.rule_count()
            ),
            (Reading::Unknown(why), Reading::Unknown(_)) => {
                format!("iptables-legacy: not known ({why})")
            }
        };
        format!("{nft}; {legacy}; ufw: {}", self.ufw.describe())
    }
}

/// Reads every source at once, each within `timeout`.
pub async fn read(timeout: std::time::Duration) -> Firewall {
    let (nft, iptables, ip6tables, iptables_nft, ip6tables_nft, ufw) = tokio::join!(
        read_nft(timeout),
        read_legacy(false, timeout),
        read_legacy(true, timeout),
        read_save("iptables-nft", false, timeout),
        read_save("ip6tables-nft", true, timeout),
        read_ufw(timeout)
    );
    Firewall {
        nft,
        iptables,
        ip6tables,
        iptables_nft,
        ip6tables_nft,
        ufw,
    }
}

/// The first line of a tool's complaint, with a hint when it needs root.
fn failure(program: &str, out: &std::process::Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    let first = err.lines().find(|l| !l.trim().is_empty());
    let first = first.map_or_else(
        || {
            let o = String::from_utf8_lossy(&out.stdout);
            o.lines().next().unwrap_or("no message").to_string()
        },
        str::to_string,
    );
    let first = crate::text::clean(&first);
    let hint = if [
        "Operation not permitted",
        "Permission denied",
        "must be root",
        "need to be root",
    ]
    .iter()
    .any(|m| first.contains(m))
    {
        " (listing the rules needs root: run as root, or with sudo)"
    } else {
        ""
    };
    format!("{program} failed: {first}{hint}")
}

/// `nft -j list ruleset` (fixed argv).
async fn read_nft(timeout: std::time::Duration) -> Reading<Ruleset> {
    use super::sync::{ToolAnswer, run_tool};
    match run_tool("nft", &["-j", "list", "ruleset"], timeout).await {
        ToolAnswer::Absent => Reading::Unknown("nft is not installed".to_string()),
        ToolAnswer::Failed(e) => Reading::Unknown(e),
        ToolAnswer::Answered(out) if !out.status.success() => {
            Reading::Unknown(failure("nft", &out))
        }
        ToolAnswer::Answered(out) => match Ruleset::parse(&String::from_utf8_lossy(&out.stdout)) {
            Ok(r) => Reading::Read(r),
            Err(e) => Reading::Unknown(e),
        },
    }
}

/// `iptables-legacy-save` (or `ip6tables-legacy-save`); where that is absent, `iptables-save`
/// when `iptables -V` says it is the legacy build.
async fn read_legacy(v6: bool, timeout: std::time::Duration) -> Reading<Save> {
    use super::sync::{ToolAnswer, run_tool};
    let (legacy, plain) = if v6 {
        ("ip6tables-legacy", "ip6tables")
    } else {
        ("iptables-legacy", "iptables")
    };
    let save = |tool: &str| format!("{tool}-save");
    let mut tool = legacy;
    let mut answer = run_tool(&save(legacy), &[], timeout).await;
    if matches!(answer, ToolAnswer::Absent) {
        let is_legacy = match run_tool(plain, &["-V"], timeout).await {
            ToolAnswer::Answered(out) => String::from_utf8_lossy(&out.stdout).contains("(legacy)"),
            _ => false,
        };
        if !is_legacy {
            return Reading::Unknown(format!("{legacy} is not installed"));
        }
        tool = plain;
        answer = run_tool(&save(plain), &[], timeout).await;
    }
    match answer {
        ToolAnswer::Absent => Reading::Unknown(format!("{} is not installed", save(tool))),
        ToolAnswer::Failed(e) => Reading::Unknown(e),
        ToolAnswer::Answered(out) if !out.status.success() => {
            Reading::Unknown(failure(&save(tool), &out))
        }
        ToolAnswer::Answered(out) => {
            match Save::parse(&String::from_utf8_lossy(&out.stdout), tool, v6) {
                Ok(s) => Reading::Read(s),
                Err(e) => Reading::Unknown(e),
            }
        }
    }
}

/// `TOOL-save` (fixed argv): `iptables-nft-save`, `ip6tables-nft-save`.
async fn read_save(tool: &'static str, v6: bool, timeout: std::time::Duration) -> Reading<Save> {
    use super::sync::{ToolAnswer, run_tool};
    let save = format!("{tool}-save");
    match run_tool(&save, &[], timeout).await {
        ToolAnswer::Absent => Reading::Unknown(format!("{save} is not installed")),
        ToolAnswer::Failed(e) => Reading::Unknown(e),
        ToolAnswer::Answered(out) if !out.status.success() => {
            Reading::Unknown(failure(&save, &out))
        }
        ToolAnswer::Answered(out) => {
            match Save::parse(&String::from_utf8_lossy(&out.stdout), tool, v6) {
                Ok(s) => Reading::Read(s),
                Err(e) => Reading::Unknown(e),
            }
        }
    }
}

/// `ufw status numbered` (fixed argv) — unless ufw's own config says it is off
/// (`ENABLED=no` in /etc/ufw/ufw.conf, which is what `ufw status` reads to say "inactive"):
/// ufw is a Python program, some 150 ms of CPU a run, and off on most machines that have it.
async fn read_ufw(timeout: std::time::Duration) -> Ufw {
    use super::sync::{ToolAnswer, run_tool};
    if crate::probe::reach::find_program("ufw").is_none() {
        return Ufw::Absent;
    }
    if let Ok(conf) = std::fs::read_to_string("/etc/ufw/ufw.conf")
        && !ufw_enabled(&conf)
    {
        return Ufw::Inactive;
    }
    match run_tool("ufw", &["status", "numbered"], timeout).await {
        ToolAnswer::Absent => Ufw::Absent,
        ToolAnswer::Failed(e) => Ufw::Unknown(e),
        ToolAnswer::Answered(out) if !out.status.success() => {
            Ufw::Unknown(failure("ufw status", &out))
        }
        ToolAnswer::Answered(out) => {
            Ufw::parse(&String::from_utf8_lossy(&out.stdout)).unwrap_or_else(Ufw::Unknown)
        }
    }
}

/// Whether ufw.conf turns ufw on (`ENABLED=yes`, quoted or not, as ufw reads it).
fn ufw_enabled(conf: &str) -> bool {
    conf.lines()
        .filter_map(|l| l.trim().strip_prefix("ENABLED="))
        .next_back()
        .is_some_and(|v| {
            v.trim()
                .trim_matches(['"', '\''])
                .eq_ignore_ascii_case("yes")
        })
}

/// A rule as read: where it is, its matches and its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    handle: u64,
    exprs: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Chain {
    family: String,
    table: String,
    name: String,
    /// The hook of a base chain ("output", "input", …); `None` for a regular chain.
    hook: Option<String>,
    prio: i64,
    policy_drop: bool,
    rules: Vec<Rule>,
}

/// The ruleset, read from `nft -j list ruleset`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ruleset {
    chains: Vec<Chain>,
}

impl Ruleset {
    /// Reads `nft -j list ruleset`'s output.
    pub fn parse(json: &str) -> Result<Self, String> {
        let doc: Value =
            serde_json::from_str(json).map_err(|e| format!("nft's JSON does not parse: {e}"))?;
        let items = doc
            .get("nftables")
            .and_then(Value::as_array)
            .ok_or("nft's JSON has no \"nftables\" list")?;
        let mut chains: Vec<Chain> = Vec::new();
        for item in items {
            if let Some(c) = item.get("chain") {
                chains.push(Chain {
                    family: text(c, "family"),
                    table: text(c, "table"),
                    name: text(c, "name"),
                    hook: c.get("hook").and_then(Value::as_str).map(str::to_string),
                    prio: c.get("prio").and_then(Value::as_i64).unwrap_or(0),
                    policy_drop: c.get("policy").and_then(Value::as_str) == Some("drop"),
                    rules: Vec::new(),
                });
            } else if let Some(r) = item.get("rule") {
                let (family, table, chain) =
                    (text(r, "family"), text(r, "table"), text(r, "chain"));
                if let Some(c) = chains
                    .iter_mut()
                    .find(|c| c.family == family && c.table == table && c.name == chain)
                {
                    c.rules.push(Rule {
                        handle: r.get("handle").and_then(Value::as_u64).unwrap_or(0),
                        exprs: r
                            .get("expr")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default(),
                    });
                }
            }
        }
        Ok(Ruleset { chains })
    }

    /// How many rules it holds, for the "nothing found" evidence.
    pub fn rule_count(&self) -> usize {
        self.chains.iter().map(|c| c.rules.len()).sum()
    }

    /// The rule (or policy) on this machine's output path that stops `packet`, if one
    /// provably does.
    pub fn blocking(&self, packet: Packet) -> Option<Block> {
        let mut base: Vec<&Chain> = self
            .chains
            .iter()
            .filter(|c| c.hook.as_deref() == Some("output") && family_fits(&c.family, packet.addr))
            .collect();
        base.sort_by_key(|c| c.prio);
        base.into_iter()
            .find_map(|c| match self.walk(c, packet, 0) {
                Walk::Stop(b) => Some(b),
                Walk::Accept | Walk::Unsure => None,
                Walk::Continue if c.policy_drop => Some(Block {
                    backend: Backend::Nft,
                    ufw: None,
                    family: c.family.clone(),
                    table: c.table.clone(),
                    chain: c.name.clone(),
                    handle: None,
                    text: "policy drop".to_string(),
                    verdict: "drop",
                }),
                Walk::Continue => None,
            })
    }

    /// The verdict chain `c` gives `packet`.
    fn walk(&self, c: &Chain, packet: Packet, depth: u8) -> Walk {
        if depth > 16 {
            return Walk::Unsure;
        }
        for rule in &c.rules {
            let mut matched = Fit::Yes;
            for e in &rule.exprs {
                if let Some(m) = e.get("match") {
                    matched = matched.and(judge(m, packet));
                    if matched == Fit::No {
                        break;
                    }
                    continue;
                }
                // iptables-nft's matches and targets nft cannot translate.
                if let Some(xt) = e.get("xt") {
                    let name = xt.get("name").and_then(Value::as_str).unwrap_or_default();
                    match xt.get("type").and_then(Value::as_str) {
                        Some("match") => matched = matched.and(Fit::Maybe),
                        _ if matched == Fit::No || iptables::continues(name) => {}
                        _ => return Walk::Unsure,
                    }
                    continue;
                }
                // A verdict after matches that all hold (or might).
                let verdict = verdict_of(e);
                let Some(verdict) = verdict else {
                    continue;
                };
                match (matched, &verdict) {
                    (Fit::No, _) => {}
                    (Fit::Maybe, Verdict::Accept | Verdict::Jump(_)) => return Walk::Unsure,
                    (Fit::Maybe, _) => {}
                    (Fit::Yes, Verdict::Accept) => return Walk::Accept,
                    (Fit::Yes, Verdict::Drop | Verdict::Reject) => {
                        return Walk::Stop(Block {
                            backend: Backend::Nft,
                            ufw: None,
                            family: c.family.clone(),
                            table: c.table.clone(),
                            chain: c.name.clone(),
                            handle: Some(rule.handle),
                            text: render(&rule.exprs),
                            verdict: if verdict == Verdict::Drop {
                                "drop"
                            } else {
                                "reject"
                            },
                        });
                    }
                    (Fit::Yes, Verdict::Return) => return Walk::Continue,
                    (Fit::Yes, Verdict::Jump(target) | Verdict::Goto(target)) => {
                        let goto = matches!(verdict, Verdict::Goto(_));
                        let target = target.as_str();
                        let Some(next) = self.chains.iter().find(|x| {
                            x.family == c.family && x.table == c.table && x.name == target
                        }) else {
                            return Walk::Unsure;
                        };
                        match self.walk(next, packet, depth + 1) {
                            Walk::Continue if !goto => {}
                            other => return other,
                        }
                    }
                }
                break;
            }
        }
        Walk::Continue
    }
}

/// How a chain ends for a packet.
#[derive(Debug)]
enum Walk {
    Accept,
    Stop(Block),
    /// No verdict: the packet goes on (to the policy, or back to the calling chain).
    Continue,
    /// A rule this cannot judge decides: nothing is claimed.
    Unsure,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Accept,
    Drop,
    Reject,
    Return,
    Jump(String),
    Goto(String),
}

fn verdict_of(e: &Value) -> Option<Verdict> {
    let obj = e.as_object()?;
    let (k, v) = obj.iter().next()?;
    Some(match k.as_str() {
        "accept" => Verdict::Accept,
        "drop" => Verdict::Drop,
        "reject" => Verdict::Reject,
        "return" => Verdict::Return,
        "jump" => Verdict::Jump(v.get("target")?.as_str()?.to_string()),
        "goto" => Verdict::Goto(v.get("target")?.as_str()?.to_string()),
        _ => return None,
    })
}

/// Whether a match holds for the packet: yes, no, or cannot tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    Yes,
    No,
    Maybe,
}

impl Fit {
    fn and(self, other: Fit) -> Fit {
        match (self, other) {
            (Fit::No, _) | (_, Fit::No) => Fit::No,
            (Fit::Maybe, _) | (_, Fit::Maybe) => Fit::Maybe,
            _ => Fit::Yes,
        }
    }

    fn from(b: bool) -> Fit {
        if b { Fit::Yes } else { Fit::No }
    }
}

/// Judges one `match` expression.
fn judge(m: &Value, packet: Packet) -> Fit {
    let op = m.get("op").and_then(Value::as_str).unwrap_or("==");
    let (Some(left), Some(right)) = (m.get("left"), m.get("right")) else {
        return Fit::Maybe;
    };
    let positive = match op {
        "==" | "in" => true,
        "!=" => false,
        _ => return Fit::Maybe,
    };
    let fit = if let Some(p) = left.get("payload") {
        let proto = p
            .get("protocol")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let field = p.get("field").and_then(Value::as_str).unwrap_or_default();
        match (proto, field) {
            ("tcp" | "udp", "dport") => {
                if proto != packet.proto.name() {
                    // A port match of the other protocol implies that protocol: no match.
                    return Fit::No;
                }
                port_in(right, packet.port)
            }
            ("tcp" | "udp", "sport") => Fit::Maybe,
            ("ip" | "ip6", "daddr") => {
                if (proto == "ip") != packet.addr.is_ipv4() {
                    return Fit::No;
                }
                addr_in(right, packet.addr)
            }
            _ => Fit::Maybe,
        }
    } else if let Some(meta) = left.get("meta") {
        match meta.get("key").and_then(Value::as_str) {
            Some("l4proto") => names_in(right, packet.proto.name()),
            Some("oifname") => right
                .as_str()
                .map_or(Fit::Maybe, |name| out_via(name, packet.addr)),
            Some("nfproto") => names_in(
                right,
                if packet.addr.is_ipv4() {
                    "ipv4"
                } else {
                    "ipv6"
                },
            ),
            _ => Fit::Maybe,
        }
    } else if let Some(ct) = left.get("ct") {
        match ct.get("key").and_then(Value::as_str) {
            // A probe's first packet is a new connection.
            Some("state") => names_in(right, "new"),
            _ => Fit::Maybe,
        }
    } else {
        Fit::Maybe
    };
    match (fit, positive) {
        (Fit::Maybe, _) => Fit::Maybe,
        (f, true) => f,
        (Fit::Yes, false) => Fit::No,
        (Fit::No, false) => Fit::Yes,
    }
}

/// Whether `port` is in a match's right side: a number, a set, a range.
fn port_in(right: &Value, port: u16) -> Fit {
    if let Some(n) = right.as_u64() {
        return Fit::from(n == u64::from(port));
    }
    if let Some([lo, hi]) = right
        .get("range")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        return match (lo.as_u64(), hi.as_u64()) {
            (Some(lo), Some(hi)) => Fit::from((lo..=hi).contains(&u64::from(port))),
            _ => Fit::Maybe,
        };
    }
    if let Some(set) = right.get("set").and_then(Value::as_array) {
        let mut fit = Fit::No;
        for item in set {
            match port_in(item, port) {
                Fit::Yes => return Fit::Yes,
                Fit::Maybe => fit = Fit::Maybe,
                Fit::No => {}
            }
        }
        return fit;
    }
    Fit::Maybe
}

/// Whether `addr` is in a match's right side: an address, a prefix, a set of them.
fn addr_in(right: &Value, addr: IpAddr) -> Fit {
    if let Some(s) = right.as_str() {
        return s
            .parse::<IpAddr>()
            .map_or(Fit::Maybe, |a| Fit::from(a == addr));
    }
    if let Some(p) = right.get("prefix") {
        let net = p
            .get("addr")
            .and_then(Value::as_str)
            .and_then(|a| a.parse::<IpAddr>().ok());
        let len = p.get("len").and_then(Value::as_u64);
        return match (net, len) {
            (Some(net), Some(len)) => Fit::from(in_prefix(addr, net, len)),
            _ => Fit::Maybe,
        };
    }
    if let Some(set) = right.get("set").and_then(Value::as_array) {
        let mut fit = Fit::No;
        for item in set {
            match addr_in(item, addr) {
                Fit::Yes => return Fit::Yes,
                Fit::Maybe => fit = Fit::Maybe,
                Fit::No => {}
            }
        }
        return fit;
    }
    Fit::Maybe
}

/// Whether a name (`new`, `tcp`) is the right side or in its set.
fn names_in(right: &Value, name: &str) -> Fit {
    if let Some(s) = right.as_str() {
        return Fit::from(s == name);
    }
    let list = right
        .as_array()
        .or_else(|| right.get("set").and_then(Value::as_array));
    match list {
        Some(items) => Fit::from(items.iter().any(|i| i.as_str() == Some(name))),
        None => Fit::Maybe,
    }
}

/// Whether a packet to `addr` leaves by interface `name`: a loopback address by `lo`, and
/// only by it. Other addresses leave by the route's interface, which is not known here; a
/// packet to one of this machine's own addresses also goes by `lo`, but the probes are aimed
/// at other machines, so `lo` is taken for loopback addresses only.
fn out_via(name: &str, addr: IpAddr) -> Fit {
    match (name == "lo", addr.is_loopback()) {
        (true, loopback) => Fit::from(loopback),
        (false, true) => Fit::No,
        (false, false) => Fit::Maybe,
    }
}

fn in_prefix(addr: IpAddr, net: IpAddr, len: u64) -> bool {
    let (a, n, bits) = match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => (
            u128::from(u32::from(a)) << 96,
            u128::from(u32::from(n)) << 96,
            len.min(32),
        ),
        (IpAddr::V6(a), IpAddr::V6(n)) => (u128::from(a), u128::from(n), len.min(128)),
        _ => return false,
    };
    let mask = if bits == 0 {
        0
    } else {
        u128::MAX << (128 - bits)
    };
    a & mask == n & mask
}

/// Whether a chain of `family` sees packets to `addr`.
fn family_fits(family: &str, addr: IpAddr) -> bool {
    match family {
        "ip" => addr.is_ipv4(),
        "ip6" => addr.is_ipv6(),
        _ => true,
    }
}

fn text(v: &Value, key: &str) -> String {
    crate::text::clean(v.get(key).and_then(Value::as_str).unwrap_or_default())
}

/// A rule's expressions as nft prints them, as far as they are known ("udp dport 1194 drop").
fn render(exprs: &[Value]) -> String {
    let words: Vec<String> = exprs.iter().map(render_expr).collect();
    crate::text::clean(&words.join(" "))
}

fn render_expr(e: &Value) -> String {
    if let Some(m) = e.get("match") {
        let left = m.get("left").map_or_else(String::new, render_left);
        let right = m.get("right").map_or_else(String::new, render_value);
        return match m.get("op").and_then(Value::as_str) {
            Some("!=") => format!("{left} != {right}"),
            _ => format!("{left} {right}"),
        };
    }
    match verdict_of(e) {
        Some(Verdict::Accept) => "accept".to_string(),
        Some(Verdict::Drop) => "drop".to_string(),
        Some(Verdict::Reject) => match e
            .get("reject")
            .and_then(|r| r.get("type"))
            .and_then(Value::as_str)
        {
            Some("tcp reset") => "reject with tcp reset".to_string(),
            _ => "reject".to_string(),
        },
        Some(Verdict::Return) => "return".to_string(),
        Some(Verdict::Jump(t)) => format!("jump {t}"),
        Some(Verdict::Goto(t)) => format!("goto {t}"),
        None => e
            .as_object()
            .and_then(|o| o.keys().next().cloned())
            .unwrap_or_default(),
    }
}

fn render_left(v: &Value) -> String {
    if let Some(p) = v.get("payload") {
        return format!(
            "{} {}",
            p.get("protocol").and_then(Value::as_str).unwrap_or("?"),
            p.get("field").and_then(Value::as_str).unwrap_or("?")
        );
    }
    for key in ["meta", "ct"] {
        if let Some(k) = v
            .get(key)
            .and_then(|m| m.get("key"))
            .and_then(Value::as_str)
        {
            return format!("{key} {k}");
        }
    }
    v.to_string()
}

fn render_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items.iter().map(render_value).collect::<Vec<_>>().join(","),
        _ => {
            if let Some(items) = v.get("set").and_then(Value::as_array) {
                let inner: Vec<String> = items.iter().map(render_value).collect();
                format!("{{ {} }}", inner.join(", "))
            } else if let Some([lo, hi]) =
                v.get("range").and_then(Value::as_array).map(Vec::as_slice)
            {
                format!("{}-{}", render_value(lo), render_value(hi))
            } else if let Some(p) = v.get("prefix") {
                format!(
                    "{}/{}",
                    p.get("addr").map_or_else(String::new, render_value),
                    p.get("len").map_or_else(String::new, render_value)
                )
            } else {
                v.to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `nft -j list ruleset` (nftables 1.0.6) after:
    /// ```text
    /// nft add table inet fw
    /// nft add chain inet fw out '{ type filter hook output priority 0; policy accept; }'
    /// nft add rule inet fw out ct state established,related accept
    /// nft add rule inet fw out udp dport 1194 drop
    /// nft add rule inet fw out meta l4proto tcp tcp dport { 443, 8443 } reject with tcp reset
    /// nft add rule inet fw out ip daddr 10.0.0.0/8 udp dport 51820-51830 counter drop
    /// nft add rule inet fw out ip6 daddr ::1 udp dport 123 reject
    /// nft add rule inet fw out oifname "eth0" tcp dport 22 drop
    /// nft add table ip filt
    /// nft add chain ip filt OUTPUT '{ type filter hook output priority 0; policy drop; }'
    /// nft add rule ip filt OUTPUT udp dport 123 accept
    /// nft add chain ip filt INPUT '{ type filter hook input priority 0; }'
    /// nft add rule ip filt INPUT tcp dport 22 drop
    /// ```
    const SAMPLE: &str = include_str!("firewall_sample.json");

    #[test]
    fn ufw_conf_says_whether_it_is_on() {
        assert!(ufw_enabled("# comment\nENABLED=yes\nLOGLEVEL=low\n"));
        assert!(ufw_enabled("ENABLED=\"yes\"\n"));
        assert!(!ufw_enabled("ENABLED=no\n"));
        assert!(!ufw_enabled("ENABLED=yes\nENABLED=no\n"));
        assert!(!ufw_enabled("LOGLEVEL=low\n"));
    }

    /// A UDP packet to `addr:port` (for the other backends' tests too).
    pub(super) fn udp(addr: &str, port: u16) -> Packet {
        Packet {
            proto: Proto::Udp,
            addr: addr.parse().unwrap(),
            port,
        }
    }

    pub(super) fn tcp(addr: &str, port: u16) -> Packet {
        Packet {
            proto: Proto::Tcp,
            ..udp(addr, port)
        }
    }

    #[test]
    fn the_rule_that_stops_a_packet() {
        let rs = Ruleset::parse(SAMPLE).unwrap();
        let b = rs.blocking(udp("192.0.2.1", 1194)).unwrap();
        assert_eq!(
            (
                b.family.as_str(),
                b.table.as_str(),
                b.chain.as_str(),
                b.handle
            ),
            ("inet", "fw", "out", Some(3))
        );
        assert_eq!(b.text, "udp dport 1194 drop");
        assert_eq!(
            b.to_string(),
            "table inet fw chain out: udp dport 1194 drop (handle 3)"
        );
        assert_eq!(
            b.delete_command().unwrap(),
            ["nft", "delete", "rule", "inet", "fw", "out", "handle", "3"]
        );
        let b = rs.blocking(tcp("192.0.2.1", 8443)).unwrap();
        assert_eq!(b.text, "tcp dport { 443, 8443 } reject with tcp reset");
        assert_eq!(b.verdict, "reject");
        let b = rs.blocking(udp("10.1.2.3", 51825)).unwrap();
        assert_eq!(
            b.text,
            "ip daddr 10.0.0.0/8 udp dport 51820-51830 counter drop"
        );
        assert_eq!(b.handle, Some(6));
    }

    #[test]
    fn a_policy_drop_stops_what_no_rule_accepts() {
        let rs = Ruleset::parse(SAMPLE).unwrap();
        // The ip table's OUTPUT chain drops by policy all but NTP.
        let b = rs.blocking(udp("10.1.2.3", 51900)).unwrap();
        assert_eq!(
            (b.table.as_str(), b.handle, b.text.as_str()),
            ("filt", None, "policy drop")
        );
        assert_eq!(b.delete_command(), None);
        // IPv6 is not in the ip table: only the inet rules apply.
        assert_eq!(rs.blocking(udp("2001:db8::1", 51900)), None);
        let b = rs.blocking(udp("::1", 123)).unwrap();
        assert_eq!(b.text, "ip6 daddr ::1 udp dport 123 reject");
    }

    #[test]
    fn nothing_is_claimed_from_a_match_it_cannot_judge() {
        let rs = Ruleset::parse(SAMPLE).unwrap();
        // `oifname "eth0" tcp dport 22 drop`: the interface is not known; the policy of the
        // ip table does not apply to IPv6.
        assert_eq!(rs.blocking(tcp("2001:db8::1", 22)), None);
        // Input rules are not on the output path.
        assert_eq!(rs.blocking(tcp("2001:db8::1", 23)), None);
        assert_eq!(rs.rule_count(), 8);
    }

    #[test]
    fn jumps_and_negations() {
        let json = r#"{"nftables": [
          {"chain": {"family": "inet", "table": "t", "name": "out", "hook": "output", "prio": 0, "policy": "accept"}},
          {"chain": {"family": "inet", "table": "t", "name": "vpn"}},
          {"rule": {"family": "inet", "table": "t", "chain": "out", "handle": 2,
            "expr": [{"match": {"op": "!=", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": 53}},
                     {"jump": {"target": "vpn"}}]}},
          {"rule": {"family": "inet", "table": "t", "chain": "vpn", "handle": 3,
            "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": {"set": [1194, {"range": [51820, 51821]}]}}},
                     {"drop": null}]}}
        ]}"#;
        let rs = Ruleset::parse(json).unwrap();
        let b = rs.blocking(udp("192.0.2.1", 51821)).unwrap();
        assert_eq!((b.chain.as_str(), b.handle), ("vpn", Some(3)));
        assert_eq!(b.text, "udp dport { 1194, 51820-51821 } drop");
        assert_eq!(rs.blocking(udp("192.0.2.1", 53)), None);
        assert_eq!(rs.blocking(tcp("192.0.2.1", 1194)), None);
    }

    /// ufw 0.36.2 on Debian 12 (iptables-nft) after `ufw deny out 1194/udp` and
    /// `ufw deny out 8000:8100/tcp`: nft's JSON, iptables-nft-save and ufw status numbered.
    fn ufw_on_nft(with_save: bool) -> Firewall {
        let save = |v6| {
            if with_save {
                Reading::Read(
                    Save::parse(
                        include_str!("firewall/ufw_iptables_nft_save.txt"),
                        "iptables-nft",
                        v6,
                    )
                    .unwrap(),
                )
            } else {
                Reading::Unknown("not read".to_string())
            }
        };
        Firewall {
            nft: Reading::Read(
                Ruleset::parse(include_str!("firewall/ufw_nft_sample.json")).unwrap(),
            ),
            iptables: Reading::Unknown("iptables-legacy is not installed".to_string()),
            ip6tables: Reading::Unknown("ip6tables-legacy is not installed".to_string()),
            iptables_nft: save(false),
            ip6tables_nft: Reading::Unknown("not read".to_string()),
            ufw: Ufw::parse(include_str!("firewall/ufw_numbered.txt")).unwrap(),
        }
    }

    #[test]
    fn ufw_on_iptables_nft_names_ufws_rule() {
        // nft's JSON alone: ufw's `-m conntrack … -j ACCEPT` is an opaque xt match before the
        // user rules, so nothing is claimed.
        assert_eq!(ufw_on_nft(false).blocking(udp("192.0.2.7", 1194)), None);
        let fw = ufw_on_nft(true);
        let b = fw.blocking(udp("192.0.2.7", 1194)).unwrap();
        assert_eq!(b.chain, "ufw-user-output");
        assert_eq!(
            b.ufw,
            Some(UfwFix::Rule {
                number: 1,
                text: "[ 1] 1194/udp DENY OUT Anywhere (out)".to_string()
            })
        );
        assert_eq!(
            b.delete_command().unwrap(),
            ["ufw", "--force", "delete", "1"]
        );
        let b = fw.blocking(tcp("192.0.2.7", 8050)).unwrap();
        assert_eq!(b.text, "-p tcp -m multiport --dports 8000:8100 -j DROP");
        assert_eq!(
            b.delete_command().unwrap(),
            ["ufw", "--force", "delete", "2"]
        );
        // ufw accepts what leaves by lo, and its default lets the rest out.
        assert_eq!(fw.blocking(udp("127.0.0.1", 1194)), None);
        assert_eq!(fw.blocking(udp("192.0.2.7", 1195)), None);
        assert!(
            fw.describe().ends_with("ufw: active, 4 rule(s)"),
            "{}",
            fw.describe()
        );
        assert_eq!(
            fw.rule_count(),
            Ruleset::parse(include_str!("firewall/ufw_nft_sample.json"))
                .unwrap()
                .rule_count()
        );
    }

    #[test]
    fn bad_json_is_an_error() {
        assert!(Ruleset::parse("not json").is_err());
        assert!(Ruleset::parse("{}").is_err());
        assert_eq!(
            Ruleset::parse(r#"{"nftables": []}"#).unwrap().rule_count(),
            0
        );
    }
}
