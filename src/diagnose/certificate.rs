//! The certificate: each property on its own, judged at the true time when the clock has
//! one, one function per code: `cert-expired`, `cert-not-yet-valid`, `cert-expiring-soon`,
//! `tls-interception`, `cert-self-signed`, `cert-incomplete-chain`, `cert-unknown-issuer`,
//! `cert-wrong-host`, `cert-bad-purpose`, `cert-weak`, `cert-chain-extra`, `private-ca`,
//! `ca-bundle-outdated`, and the per-target `clock-skew` that the clock's own finding takes in
//! as evidence.
//!
//! The order of explanations matters. A wrong clock explains a certificate that looks
//! expired (`clock-skew`, not `cert-expired`); an intercepting product explains a chain no
//! public root signs (`tls-interception`, not `cert-unknown-issuer`).

use std::time::Duration;

use super::chain::{EXPIRING_SOON, Judged, expiring_soon};
use super::target::Ctx;
use super::{Code, Finding, Fix, Severity};
use crate::interception::{self, Interceptor};
use crate::probe::cert::{CertInfo, rfc3339};
use crate::probe::tls::TlsFailure;
use crate::probe::trust::{self, PathError, TimeFault, TimeProblem, Verdicts};
use crate::text::human_duration;

/// The certificate findings of a judged chain.
pub(super) fn rules(cx: &Ctx<'_>, judged: &Judged, out: &mut Vec<Finding>) {
    if let Some(f) = clock_skew(cx, judged) {
        out.push(f);
    } else {
        out.extend(cert_expired(cx, judged));
        out.extend(cert_not_yet_valid(cx, judged));
    }
    let decisive = judged.decisive();
    out.extend(cert_expiring_soon(cx, decisive));
    match tls_interception(cx, decisive) {
        Some(f) => out.push(f),
        None => out.extend(
            private_ca(cx, decisive)
                .or_else(|| cert_self_signed(cx, decisive))
                .or_else(|| cert_incomplete_chain(cx, decisive))
                .or_else(|| cert_unknown_issuer(cx, decisive)),
        ),
    }
    out.extend(ca_bundle_outdated(cx, decisive));
    out.extend(cert_wrong_host(cx, decisive));
    out.extend(cert_bad_purpose(cx, decisive));
    out.extend(cert_weak(cx, decisive));
    out.extend(cert_chain_extra(cx, decisive));
}

/// `cert-chain-extra`: the chain is judged on the path a client builds; a certificate the
/// server sends beside it that is out of date or unrelated is a warning of its own, since a
/// client that builds its path from what was sent (older OpenSSL, some Java and embedded
/// clients) may take it and fail.
fn cert_chain_extra(cx: &Ctx<'_>, v: &Verdicts) -> Option<Finding> {
    let first = v.extra.first()?;
    let mut evidence = v.extra.clone();
    evidence.extend(v.trusted_by().next().map(|s| {
        format!(
            "{} has a valid path without it, to {}",
            s.source,
            s.path.as_deref().unwrap_or_default()
        )
    }));
    Some(cx.finding(
        Code::CertChainExtra,
        Severity::Warning,
        &format!(
            "{} sends a certificate its valid chain does not need ({first})",
            cx.endpoint()
        ),
        evidence,
        vec![cx.advice(
            's',
            "drop the extra (expired cross-)certificate from the server's chain file; old clients may fail on it".to_string(),
        )],
    ))
}

fn leaf<'a>(cx: &Ctx<'a>) -> Option<&'a CertInfo> {
    cx.report.chain.first().and_then(|c| c.info.as_ref().ok())
}

fn fault_words(f: TimeFault) -> &'static str {
    match f {
        TimeFault::Expired => "expired",
        TimeFault::NotYetValid => "not yet valid",
    }
}

/// A certificate out of its dates, at the time of `v`, with that time in words.
fn dates(v: &Verdicts, p: &TimeProblem) -> String {
    format!(
        "{}: not before {}, not after {} (at {}: {})",
        p.cert,
        rfc3339(p.not_before),
        rfc3339(p.not_after),
        rfc3339(v.at),
        fault_words(p.fault)
    )
}

/// `clock-skew` for this target: the chain fails on time at the local clock only.
fn clock_skew(cx: &Ctx<'_>, judged: &Judged) -> Option<Finding> {
    if !judged.clock_explains() {
        return None;
    }
    let (offset, truth) = judged.truth.as_ref()?;
    let local = &judged.local;
    let mut evidence: Vec<String> = local.time.iter().map(|p| dates(local, p)).collect();
    evidence.push(format!(
        "your clock says {}; the true time is {} ({})",
        rfc3339(local.at),
        rfc3339(truth.at),
        offset.describe()
    ));
    evidence.push(
        "at the true time the certificate is valid: the clock is wrong, not the server".to_string(),
    );
    Some(
        cx.finding(
            Code::ClockSkew,
            Severity::Error,
            &format!(
                "the certificate of {} looks {} only because this clock is wrong ({})",
                cx.endpoint(),
                fault_words(local.time[0].fault),
                offset.describe()
            ),
            evidence,
            cx.clock_fixes
                .iter()
                .filter(|f| f.key != 'r')
                .cloned()
                .map(|mut f| {
                    f.rerun.extend(cx.probes());
                    f
                })
                .collect(),
        ),
    )
}

/// Whether the true time is known, in words for the evidence of a date finding.
fn clock_note(judged: &Judged) -> String {
    match &judged.truth {
        Some((o, _)) => format!(
            "the true time agrees ({}): the certificate itself is out of date",
            o.describe()
        ),
        None => {
            format!(
                "the true time is unknown (no NTP consensus, nor {} HTTPS Date headers within {} of one another): this verdict stands on this machine's clock; if that is wrong, fix it first",
                super::clock::HTTPS_DATE_QUORUM,
                human_duration(super::clock::HTTPS_DATE_AGREE)
            )
        }
    }
}

/// A date finding: the certificates with `fault` at the decisive time.
fn date_finding(
    cx: &Ctx<'_>,
    judged: &Judged,
    fault: TimeFault,
    code: Code,
    summary: impl Fn(&TimeProblem, i64) -> String,
    fix: &str,
) -> Option<Finding> {
    let v = judged.decisive();
    let problems: Vec<&TimeProblem> = v.time.iter().filter(|p| p.fault == fault).collect();
    let first = problems.first()?;
    let mut evidence: Vec<String> = problems.iter().map(|p| dates(v, p)).collect();
    evidence.push(clock_note(judged));
    Some(cx.finding(
        code,
        Severity::Error,
        &summary(first, v.at),
        evidence,
        vec![cx.advice('s', fix.to_string())],
    ))
}

/// `cert-expired`.
fn cert_expired(cx: &Ctx<'_>, judged: &Judged) -> Option<Finding> {
    date_finding(
        cx,
        judged,
        TimeFault::Expired,
        Code::CertExpired,
        |p, at| {
            format!(
                "the certificate of {} expired {} ago ({})",
                cx.endpoint(),
                human_duration(Duration::from_secs((at - p.not_after).unsigned_abs())),
                p.cert
            )
        },
        "the server must renew its certificate (or send the renewed intermediate)",
    )
}

/// `cert-not-yet-valid`.
fn cert_not_yet_valid(cx: &Ctx<'_>, judged: &Judged) -> Option<Finding> {
    date_finding(
        cx,
        judged,
        TimeFault::NotYetValid,
        Code::CertNotYetValid,
        |p, at| {
            format!(
                "the certificate of {} is not valid for another {} ({})",
                cx.endpoint(),
                human_duration(Duration::from_secs((p.not_before - at).unsigned_abs())),
                p.cert
            )
        },
        "the server's certificate was issued for a later date; check the clocks of both machines",
    )
}

/// `cert-expiring-soon`: a valid leaf with under [`EXPIRING_SOON`] left.
fn cert_expiring_soon(cx: &Ctx<'_>, v: &Verdicts) -> Option<Finding> {
    let leaf = leaf(cx)?;
    if !leaf.valid_at(v.at) || !expiring_soon(leaf, v.at) {
        return None;
    }
    Some(cx.finding(
        Code::CertExpiringSoon,
        Severity::Warning,
        &format!(
            "the certificate of {} {} (under {} days)",
            cx.endpoint(),
            leaf.validity_words(v.at),
            EXPIRING_SOON.as_secs() / 86_400
        ),
        vec![format!("leaf {}: {}", leaf.display_name(), leaf.validity())],
        vec![cx.advice(
            's',
            "the server should renew its certificate now".to_string(),
        )],
    ))
}

/// The product whose CA the chain names: issuer names, and the subjects of CA certificates
/// (never a leaf's subject, which is the site: kaspersky.com is not intercepted by
/// Kaspersky); else the root a trusted path ends at.
fn interceptor(cx: &Ctx<'_>, v: &Verdicts) -> Option<(&'static Interceptor, String)> {
    for c in &cx.report.chain {
        let Ok(info) = &c.info else { continue };
        let (subject_cn, subject_org) = if info.ca {
            (info.subject_cn.as_deref(), info.subject_org.as_deref())
        } else {
            (None, None)
        };
        let names = [
            info.issuer_cn.as_deref(),
            info.issuer_org.as_deref(),
            subject_cn,
            subject_org,
        ];
        if let Some(found) = names
            .into_iter()
            .flatten()
            .find_map(|n| interception::identify(n).map(|p| (p, n.to_string())))
        {
            return Some(found);
        }
    }
    v.trusted_by().find_map(|s| {
        let root = s.path.as_ref().ok()?;
        interception::identify(root).map(|p| (p, root.clone()))
    })
}

/// `tls-interception`: a known product's CA in the chain, or a root only the system store
/// trusts. When it fires it explains the path, so the path rules stay quiet.
fn tls_interception(cx: &Ctx<'_>, v: &Verdicts) -> Option<Finding> {
    let named = interceptor(cx, v);
    let local_only = local_only_root(v);
    // A root of this machine's own that signs an internal name is a private CA (`private-ca`).
    let local_only = local_only.filter(|_| !interception::is_internal_name(&cx.report.name));
    if named.is_none() && local_only.is_none() {
        return None;
    }
    // Interception as a fact: a known product's CA, or a local-only root signing a host whose
    // certificate comes from a public CA everywhere else. Any other public name may be an
    // organisation's own CA: both are said, as a warning.
    let witness = interception::is_public_witness(&cx.report.name);
    let mut evidence = Vec::new();
    if let Some((_, n)) = &named {
        evidence.push(format!(
            "the chain names {n:?}, a CA of a TLS-intercepting product"
        ));
    }
    if let Some(root) = &local_only {
        evidence.push(format!(
            "the chain verifies against the system store's root {root:?}, but not against Mozilla's roots{}",
            if v.source("ca_file").is_some() { " nor the ca_file" } else { "" }
        ));
        evidence.push(if witness {
            format!(
                "{} has a certificate from a public CA wherever it is reached: a root installed on this machine re-signs it",
                cx.report.name
            )
        } else {
            format!(
                "a locally installed root signs the public name {:?}: apps with their own trust store (browsers, VPN clients) refuse it; an intercepting product does this, and so does an organisation's private CA for its own public names",
                cx.report.name
            )
        });
    }
    for s in &v.sources {
        evidence.push(match &s.path {
            Ok(root) => format!("{}: trusted, root {root}", s.source),
            Err(e) => format!("{}: {e}", s.source),
        });
    }
    let vpn = cx.advice(
        'v',
        "for a VPN: use a protocol the scanner leaves alone (WireGuard/NordLynx, or OpenVPN over UDP)".to_string(),
    );
    let root = local_only.as_deref().unwrap_or("unknown");
    let (summary, fixes, sure) = match &named {
        Some((p, _)) => (
            format!(
                "{} intercepts TLS to {}: the certificate is its own, not the server's",
                p.product,
                cx.endpoint()
            ),
            vec![
                cx.advice(
                    'x',
                    format!(
                        "exclude {} (or the app) from HTTPS scanning in {}: {}",
                        cx.target.host, p.product, p.setting
                    ),
                ),
                cx.advice('o', format!("turn off HTTPS scanning in {}", p.product)),
                vpn,
            ],
            true,
        ),
        None if witness => (
            format!(
                "a root installed on this machine ({root}) signs {} ({}), whose certificate comes from a public CA: TLS is intercepted",
                cx.endpoint(),
                cx.report.name
            ),
            vec![
                cx.advice(
                    'x',
                    "find the product that installed this root (antivirus, corporate proxy) and exclude this host from its HTTPS scanning".to_string(),
                ),
                vpn,
            ],
            true,
        ),
        None => (
            format!(
                "a root installed on this machine ({root}) signs {} ({}): either TLS is intercepted by the product that installed it, or the site uses your organisation's private CA",
                cx.endpoint(),
                cx.report.name
            ),
            vec![
                cx.advice(
                    'x',
                    "if you do not know this root, find the product that installed it (antivirus, corporate proxy) and exclude this host from its HTTPS scanning; if it is your organisation's CA, give apps with their own store the root".to_string(),
                ),
                vpn,
            ],
            false,
        ),
    };
    let severity = if !sure || v.source("mozilla").is_some_and(|m| m.path.is_ok()) {
        Severity::Warning
    } else {
        Severity::Error
    };
    Some(cx.finding(Code::TlsInterception, severity, &summary, evidence, fixes))
}

/// The root of the system store that alone has a path to the chain (Mozilla's roots and the
/// ca_file have none): a root installed on this machine.
fn local_only_root(v: &Verdicts) -> Option<String> {
    let moz = v.source("mozilla")?;
    let sys = v.source("system")?;
    let ca_file_path = v.source("ca_file").is_some_and(|c| c.path.is_ok());
    match &sys.path {
        Ok(root) if moz.path.is_err() && !ca_file_path => Some(root.clone()),
        _ => None,
    }
}

/// `private-ca`: a root installed on this machine (and in no public store) signs an internal
/// name — a single label, `.local`, `.internal`, `.corp`, `.lan`, `home.arpa`, a private
/// address: an organisation's or a home's own CA, not an interception.
fn private_ca(cx: &Ctx<'_>, v: &Verdicts) -> Option<Finding> {
    let root = local_only_root(v)?;
    let name = &cx.report.name;
    if !interception::is_internal_name(name) || interceptor(cx, v).is_some() {
        return None;
    }
    Some(cx.finding(
        Code::PrivateCa,
        Severity::Info,
        &format!(
            "{} ({name}) is signed by a private CA installed on this machine ({root}), as internal sites are",
            cx.endpoint()
        ),
        vec![
            format!(
                "{name:?} is an internal name: no public CA signs it, so a private root is expected, not an interception"
            ),
            format!("system store: trusted, root {root}; Mozilla's roots: no path"),
            "apps with their own trust store (browsers with their own, VPN clients, Java) need this root added to trust the site".to_string(),
        ],
        vec![cx.advice(
            'a',
            "if an app refuses this site, add the organisation's root to that app's trust store".to_string(),
        )],
    ))
}

fn source_lines(v: &Verdicts) -> Vec<String> {
    v.sources
        .iter()
        .map(|s| match &s.path {
            Ok(root) => format!("{}: path to {root}", s.source),
            Err(e) => format!("{}: {e}", s.source),
        })
        .collect()
}

/// No source has a path to a root, for a reason the path rules name (not time, not a weak
/// algorithm: those have their own rules).
fn untrusted_leaf<'a>(cx: &Ctx<'a>, v: &Verdicts) -> Option<&'a CertInfo> {
    if v.has_path() || v.sources.is_empty() {
        return None;
    }
    leaf(cx)
}

fn ca_file_fix(cx: &Ctx<'_>) -> Fix {
    cx.advice(
        'a',
        "if you run this server, trust its CA explicitly: add it to `ca_file` (or --ca-file)"
            .to_string(),
    )
}

/// `cert-self-signed`: the leaf issued itself.
fn cert_self_signed(cx: &Ctx<'_>, v: &Verdicts) -> Option<Finding> {
    let leaf = untrusted_leaf(cx, v).filter(|l| l.self_issued)?;
    let mut evidence = vec![if leaf.ca {
        format!(
            "the server's certificate {:?} issued itself and is a CA certificate (CA:TRUE, as `openssl req -x509` makes): webpki reports CaUsedAsEndEntity",
            leaf.display_name()
        )
    } else {
        format!(
            "the server's certificate {:?} issued itself (issuer = subject)",
            leaf.display_name()
        )
    }];
    evidence.extend(source_lines(v));
    Some(cx.finding(
        Code::CertSelfSigned,
        Severity::Error,
        &format!("{} presents a self-signed certificate", cx.endpoint()),
        evidence,
        vec![
            cx.advice(
                's',
                "the server needs a certificate from a CA (e.g. Let's Encrypt)".to_string(),
            ),
            ca_file_fix(cx),
        ],
    ))
}

/// An untrusted chain whose cause is a missing or unknown issuer: not a weak algorithm (the
/// weak rule names it) and not a chain that is never valid as a whole (the time rules do).
fn issuer_problem<'a>(cx: &Ctx<'a>, v: &Verdicts) -> Option<&'a CertInfo> {
    let leaf = untrusted_leaf(cx, v).filter(|l| !l.self_issued)?;
    if refused_as_weak(v) {
        return None;
    }
    let never_valid = !v.time.is_empty()
        && v.sources
            .iter()
            .any(|s| matches!(s.path, Err(PathError::Time(_))));
    (!never_valid).then_some(leaf)
}

/// The chain as sent, followed from the leaf by issuer names (what else the server sent is
/// left out).
fn sent_path<'a>(cx: &Ctx<'a>) -> Vec<&'a CertInfo> {
    trust::sent_path(&cx.report.chain)
        .into_iter()
        .filter_map(|i| cx.report.chain.get(i).and_then(|c| c.info.as_ref().ok()))
        .collect()
}

/// `cert-incomplete-chain`: nothing the server sent issued its certificate (it sent only its
/// own, or an intermediate of another CA).
fn cert_incomplete_chain(cx: &Ctx<'_>, v: &Verdicts) -> Option<Finding> {
    let leaf = issuer_problem(cx, v).filter(|_| sent_path(cx).len() <= 1)?;
    let mut evidence = vec![if cx.report.chain.len() <= 1 {
        format!(
            "the server sent only its own certificate, issued by {:?}, and no intermediate",
            leaf.issuer_name()
        )
    } else {
        format!(
            "the server's certificate is issued by {:?}, and nothing else it sent is that CA: it sends another CA's intermediate",
            leaf.issuer_name()
        )
    }];
    evidence.extend(source_lines(v));
    Some(cx.finding(
        Code::CertIncompleteChain,
        Severity::Error,
        &format!(
            "{} does not send the intermediate certificate, so no path to a root can be built",
            cx.endpoint()
        ),
        evidence,
        vec![cx.advice(
            's',
            "the server must send the full chain (on nginx, ssl_certificate takes fullchain.pem)"
                .to_string(),
        )],
    ))
}

/// `cert-unknown-issuer`: a chain that ends at a CA no trust source here has.
fn cert_unknown_issuer(cx: &Ctx<'_>, v: &Verdicts) -> Option<Finding> {
    let path = sent_path(cx);
    issuer_problem(cx, v).filter(|_| path.len() > 1)?;
    let top = path.last().map_or_else(String::new, |i| {
        if i.self_issued {
            format!("the chain ends at the root {:?}", i.display_name())
        } else {
            format!(
                "the chain ends at {:?}, issued by {:?}",
                i.display_name(),
                i.issuer_name()
            )
        }
    });
    let mut evidence = vec![format!("{top}, which no trust source here has")];
    evidence.extend(source_lines(v));
    Some(cx.finding(
        Code::CertUnknownIssuer,
        Severity::Error,
        &format!(
            "{} presents a chain from a CA nobody here trusts",
            cx.endpoint()
        ),
        evidence,
        vec![ca_file_fix(cx)],
    ))
}

/// `ca-bundle-outdated`: Mozilla's roots have a path to the chain and the system store has
/// none: the public root that signs it is missing from this machine's CA bundle, so every
/// client that uses the system store (curl, wget, OpenSSL's and GnuTLS's users, Go programs
/// such as the nordvpn daemon) refuses a server that browsers accept.
fn ca_bundle_outdated(cx: &Ctx<'_>, v: &Verdicts) -> Option<Finding> {
    let root = v.source("mozilla")?.path.as_ref().ok()?;
    let system = v.source("system")?;
    if !matches!(
        system.path,
        Err(PathError::UnknownIssuer | PathError::NoRoots)
    ) {
        return None;
    }
    let sources = cx.machine.trust.sources();
    let store = sources.iter().find(|s| s.kind == trust::SourceKind::System);
    let bundle = store.and_then(|s| s.file.as_ref());
    let mut evidence = vec![
        format!("Mozilla's roots: path to the public root {root}"),
        match &system.path {
            Err(PathError::NoRoots) => "system store: it holds no roots at all".to_string(),
            _ => format!("system store: no path: it lacks {root}"),
        },
    ];
    let from_env = bundle
        .filter(|b| b.named_by.is_some())
        .map(|b| b.path.clone());
    if let Some(b) = bundle {
        let age = b
            .age_days(std::time::SystemTime::now())
            .zip(b.modified)
            .map_or_else(
                || "its age is not known".to_string(),
                |(days, t)| {
                    format!(
                        "last written {} ({days} day(s) ago)",
                        humantime::format_rfc3339_seconds(t)
                    )
                },
            );
        let how = b
            .named_by
            .map_or_else(String::new, |v| format!(" (named by {v})"));
        evidence.push(format!(
            "the system store's bundle {}{how}: {age}, {} root(s)",
            b.path.display(),
            store.map_or(0, |s| s.anchors.len())
        ));
    }
    if let Some(ca) = v.source("ca_file").filter(|c| c.path.is_ok()) {
        evidence.push(format!(
            "{}: trusted (this check's own ca_file; other programs do not read it)",
            ca.source
        ));
    }
    let rerun = {
        let mut r = cx.probes();
        r.push(crate::probe::ProbeId::Machine);
        r
    };
    let command_fix = |key: char, label: &str, argv: &[&str]| {
        cx.machine.command(argv).map(|command| Fix {
            key,
            label: label.to_string(),
            command: Some(command),
            rerun: rerun.clone(),
        })
    };
    let mut fixes: Vec<Fix> = Vec::new();
    if let Some(path) = from_env {
        fixes.push(Fix {
            key: 'e',
            label: format!(
                "SSL_CERT_FILE={} replaces the distribution's bundle for the programs that read it: point it at a current bundle, or unset it",
                path.display()
            ),
            command: None,
            rerun: rerun.clone(),
        });
    }
    fixes.extend(
        command_fix(
            'u',
            "update the CA bundle: upgrade the ca-certificates package with apt-get (it rebuilds the bundle)",
            &["apt-get", "install", "--only-upgrade", "ca-certificates"],
        )
        .or_else(|| {
            command_fix(
                'u',
                "update the CA bundle: upgrade the ca-certificates package with dnf",
                &["dnf", "upgrade", "ca-certificates"],
            )
        }),
    );
    fixes.extend(
        command_fix(
            'b',
            "rebuild the bundle from the installed certificates (update-ca-certificates)",
            &["update-ca-certificates"],
        )
        .or_else(|| {
            command_fix(
                'b',
                "rebuild the bundle from the installed certificates (update-ca-trust)",
                &["update-ca-trust"],
            )
        }),
    );
    if fixes.is_empty() {
        fixes.push(Fix {
            key: 'u',
            label: "update this distribution's ca-certificates package, then rebuild the bundle (update-ca-certificates or update-ca-trust)".to_string(),
            command: None,
            rerun,
        });
    }
    // A ca_file of this check's own that has the path: the target works here; what breaks
    // is every other program on this machine.
    let severity = if v.source("ca_file").is_some_and(|c| c.path.is_ok()) {
        Severity::Warning
    } else {
        Severity::Error
    };
    Some(cx.finding(
        Code::CaBundleOutdated,
        severity,
        &format!(
            "this machine's CA bundle lacks {root}, the public root that signs {} ({}): programs that use the system store refuse it",
            cx.endpoint(),
            cx.report.name
        ),
        evidence,
        fixes,
    ))
}

/// `cert-wrong-host`: the leaf does not carry the name.
fn cert_wrong_host(cx: &Ctx<'_>, v: &Verdicts) -> Option<Finding> {
    let Some((n, Err(why))) = &v.name else {
        return None;
    };
    let sans = leaf(cx).map(|i| i.sans.clone()).unwrap_or_default();
    let evidence = vec![
        why.clone(),
        if sans.is_empty() {
            "names in the certificate: none".to_string()
        } else {
            format!("names in the certificate: {}", sans.join(", "))
        },
    ];
    Some(cx.finding(
        Code::CertWrongHost,
        Severity::Error,
        &format!("the certificate of {} is not valid for {n:?}", cx.endpoint()),
        evidence,
        vec![cx.advice(
            'h',
            "connect with the name the certificate carries, or fix the server's certificate; a wrong `sni` or `connect` address can also land on another site".to_string(),
        )],
    ))
}

/// `cert-bad-purpose`: the extended key usage does not allow a TLS server.
fn cert_bad_purpose(cx: &Ctx<'_>, v: &Verdicts) -> Option<Finding> {
    if v.purpose.is_empty() {
        return None;
    }
    Some(cx.finding(
        Code::CertBadPurpose,
        Severity::Error,
        &format!(
            "the certificate of {} is not for TLS servers (extended key usage)",
            cx.endpoint()
        ),
        v.purpose.clone(),
        vec![cx.advice(
            's',
            "the server needs a certificate issued with the serverAuth extended key usage"
                .to_string(),
        )],
    ))
}

/// No source has a path, and one that found the issuer refused its signature as weak.
fn refused_as_weak(v: &Verdicts) -> bool {
    !v.has_path()
        && v.sources.iter().any(|s| match &s.path {
            Err(PathError::Unsupported(_)) => true,
            Err(PathError::BadSignature(_)) => !v.weak.is_empty(),
            _ => false,
        })
}

/// `cert-weak`: a weak key or signature; an error when a client refuses it for that.
fn cert_weak(cx: &Ctx<'_>, v: &Verdicts) -> Option<Finding> {
    if v.weak.is_empty() {
        return None;
    }
    let sig_error = match &cx.report.attempt.failure {
        Some(TlsFailure::Signature(e)) => Some(e),
        _ => None,
    };
    let refused_path = refused_as_weak(v);
    let refused = sig_error.is_some() || refused_path;
    let mut evidence = v.weak.clone();
    if let Some(e) = sig_error {
        evidence.push(format!("the handshake signature was refused: {e}"));
    }
    if refused_path {
        evidence.extend(source_lines(v));
    }
    Some(cx.finding(
        Code::CertWeak,
        if refused {
            Severity::Error
        } else {
            Severity::Warning
        },
        &if refused {
            format!(
                "{} uses a certificate that modern clients refuse as weak",
                cx.endpoint()
            )
        } else {
            format!("{} uses a weak certificate", cx.endpoint())
        },
        evidence,
        vec![cx.advice(
            's',
            "the server needs a certificate with an RSA key of 2048+ bits or an EC key, signed with SHA-256 or better".to_string(),
        )],
    ))
}
