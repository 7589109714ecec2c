//! The VPN's own handshake (OpenVPN's control-channel TLS, run with the user's profile):
//! `vpn-ca-mismatch`, `vpn-name-mismatch`, `vpn-client-cert-required`, `vpn-tls-version`,
//! `vpn-no-answer`, `vpn-key-direction`, `vpn-key-mismatch`, `vpn-fragments-dropped`, `vpn-cert-expired`, `vpn-cert-not-yet-valid` (or `clock-skew` when the
//! chain verifies at the true time, as for HTTPS chains).
//!
//! Pure: the OpenVPN probes' handshake reports in, findings out. An OpenVPN server sends no
//! TLS alert: each cause is read from the step the handshake stopped at and what was
//! acknowledged there (and, for the versions, from the retry without the profile's cap).

use super::reach::advice;
use super::target::rerun;
use super::{Code, Finding, Fix, Severity};
use crate::config::{ProbeSpec, Target};
use crate::probe;
use crate::probe::clock::Offset;
use crate::probe::reach::ReachResult;
use crate::probe::vpn::check::VpnHandshake;
use crate::probe::vpn::openvpn::{
    CaVerdict, Failure, HandshakeReport, Status, Step, Transport, verify_with_ca,
};

/// What the clock says, for the certificate dates.
pub struct Clocked {
    /// The consensus offset: the true time is the local time moved by it.
    pub truth: Option<Offset>,
    /// The clock's fixes, for a certificate that fails only by this clock.
    pub fixes: Vec<Fix>,
}

/// Whether a target's OpenVPN handshakes brought a chain (which the true time judges again).
pub(super) fn has_chain(checks: &super::TargetChecks) -> bool {
    checks.reach.value().is_some_and(|r| {
        r.results
            .iter()
            .filter_map(|x| x.handshake.as_deref())
            .any(|h| !h.report.chain.is_empty())
    })
}

/// The handshake's outcome and what it saw, as evidence lines.
fn evidence(h: &VpnHandshake) -> Vec<String> {
    let r = &h.report;
    let mut ev = vec![h.summary()];
    if let Some(s) = &h.server_subject {
        ev.push(format!("server certificate: {s}"));
    }
    ev.push(format!(
        "our messages acknowledged through {}, unacknowledged {:?}; the server's received through {}",
        r.acked_through.map_or("none".to_string(), |n| n.to_string()),
        r.unacked,
        r.received_through
            .map_or("none".to_string(), |n| n.to_string()),
    ));
    ev
}

fn fresh_profile() -> Fix {
    advice(
        'd',
        "download a fresh OpenVPN profile (.ovpn) for this server from your VPN provider and import it again",
    )
}

/// The VPN handshake findings of one target's OpenVPN probes. `already` holds the target's
/// other findings: a UDP port that `openvpn-udp-blocked` explains is not said again.
pub fn rules(
    i: usize,
    target: &Target,
    results: &[ReachResult],
    clock: &Clocked,
    out: &mut Vec<Finding>,
    explained: &mut Vec<Finding>,
) {
    let udp_blocked = out
        .iter()
        .any(|f| f.code == Code::OpenvpnUdpBlocked && f.target.as_deref() == Some(&target.name));
    for r in results {
        let Some(h) = r.handshake.as_deref() else {
            continue;
        };
        let dated = match cert_dates(i, target, h, clock) {
            Some(Dated::Clock(f)) => {
                explained.push(f);
                continue;
            }
            Some(Dated::Own(found)) => Some(found),
            None => None,
        };
        let found = dated
            .or_else(|| key_direction(target, h))
            .or_else(|| key_mismatch(target, h))
            .or_else(|| ca_mismatch(target, h))
            .or_else(|| name_mismatch(target, h))
            .or_else(|| client_cert_required(target, h))
            .or_else(|| tls_version(target, h))
            .or_else(|| inconclusive(target, h))
            .or_else(|| fragments_dropped(target, h))
            .or_else(|| no_answer(target, r, h, results).filter(|_| !udp_blocked));
        if let Some((code, summary, mut ev, mut fixes)) = found {
            // The same cause over the profile's other transport is one finding, not two.
            if let Some(same) = out
                .iter_mut()
                .find(|f| f.code == code && f.target.as_deref() == Some(&target.name))
            {
                same.evidence.push(format!(
                    "the same over {}: {}",
                    over(&h.report),
                    h.summary()
                ));
                continue;
            }
            ev.extend(evidence(h).into_iter().skip(1));
            fixes.push(rerun(i));
            // Only what this check cannot speak is no error of the server's.
            let severity = if code == Code::VpnInconclusive {
                Severity::Info
            } else {
                Severity::Error
            };
            out.push(Finding {
                code,
                severity,
                target: Some(target.name.clone()),
                summary,
                evidence: ev,
                fixes,
                probes: probe::for_target(i),
            });
        }
    }
}

type Found = (Code, String, Vec<String>, Vec<Fix>);

fn over(r: &HandshakeReport) -> String {
    format!("OpenVPN {} {}", r.transport, r.addr.port())
}

/// `vpn-ca-mismatch`: the handshake ran, and the server's chain does not lead to the
/// profile's CA (for a reason other than the time).
fn ca_mismatch(target: &Target, h: &VpnHandshake) -> Option<Found> {
    let Some(CaVerdict::NotVerified(why)) = &h.report.ca else {
        return None;
    };
    if why.contains("expired") || why.contains("valid only from") {
        return None;
    }
    Some((
        Code::VpnCaMismatch,
        format!(
            "the server {} on {} presents a certificate that the profile's CA did not sign: the profile is outdated or for another server",
            target.host,
            over(&h.report)
        ),
        vec![
            h.summary(),
            format!("against the profile's <ca>: {why}"),
            "OpenVPN refuses such a server with \"VERIFY ERROR\" and \"TLS handshake failed\""
                .to_string(),
        ],
        vec![fresh_profile()],
    ))
}

/// `vpn-name-mismatch`: the chain verifies, but `verify-x509-name` or `remote-cert-tls
/// server` does not hold for the leaf.
fn name_mismatch(target: &Target, h: &VpnHandshake) -> Option<Found> {
    if !h.report.completed() {
        return None;
    }
    let why: Vec<&String> = [&h.name, &h.server_purpose]
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_ref().err())
        .collect();
    if why.is_empty() {
        return None;
    }
    let mut ev = vec![h.summary()];
    ev.extend(why.iter().map(|w| (*w).clone()));
    Some((
        Code::VpnNameMismatch,
        format!(
            "the server {} on {} is not the one the profile names: {}",
            target.host,
            over(&h.report),
            why[0]
        ),
        ev,
        vec![
            fresh_profile(),
            advice(
                'n',
                "check the profile's verify-x509-name / remote-cert-tls lines against the server your provider lists for this host",
            ),
        ],
    ))
}

/// `vpn-client-cert-required`: TLS finished on our side, the server asked for a client
/// certificate, the profile had none, and the server never acknowledged our last flight.
fn client_cert_required(target: &Target, h: &VpnHandshake) -> Option<Found> {
    let r = &h.report;
    let asked = r.client_cert_requested.as_ref()?;
    let at_final = matches!(
        r.status,
        Status::Failed {
            step: Step::FinalFlight,
            ..
        }
    );
    if !at_final || r.client_cert_offered {
        return None;
    }
    let cas = if asked.is_empty() {
        "any CA".to_string()
    } else {
        asked.join("; ")
    };
    Some((
        Code::VpnClientCertRequired,
        format!(
            "the server {} on {} requires a client certificate, and the profile has none (<cert>/<key>)",
            target.host,
            over(r)
        ),
        vec![
            format!("the server asked for a certificate issued by: {cas}"),
            "our last TLS flight was never acknowledged: OpenVPN refuses a missing certificate in silence".to_string(),
        ],
        vec![advice(
            'i',
            "use a profile with your client certificate and key (<cert> and <key>): download it from your provider's account page",
        )],
    ))
}

/// `vpn-tls-version`: the capped ClientHello was acknowledged and never answered, and the
/// same handshake without `tls-version-max` got the server's answer.
fn tls_version(target: &Target, h: &VpnHandshake) -> Option<Found> {
    let Some(u) = h.uncapped.as_ref() else {
        return nothing_in_common(target, h);
    };
    let answered = u.completed() || u.negotiated.is_some() || !u.chain.is_empty();
    if !answered {
        return None;
    }
    let version = u
        .negotiated
        .as_ref()
        .map_or("a newer version".to_string(), |n| n.version.clone());
    Some((
        Code::VpnTlsVersion,
        format!(
            "the server {} on {} and the profile share no TLS version: the profile's tls-version-max caps it below what the server accepts ({version})",
            target.host,
            over(&h.report)
        ),
        vec![
            format!(
                "with the profile's cap: the ClientHello was acknowledged and never answered ({})",
                h.report.summary()
            ),
            format!("without tls-version-max: {}", u.summary()),
        ],
        vec![advice(
            'v',
            &format!(
                "remove `tls-version-max` from the profile (the server needs {version}), or update the VPN client"
            ),
        )],
    ))
}

/// `vpn-tls-version` without a cap to lift: the server dropped the session on our usual hello
/// and on the legacy one (CBC, finite-field DHE, static RSA) alike: it accepts no version or
/// cipher that either offers.
fn nothing_in_common(target: &Target, h: &VpnHandshake) -> Option<Found> {
    let old = h.legacy.as_ref()?;
    if old.legacy_answer.is_some() || old.server_session.is_none() {
        return None;
    }
    Some((
        Code::VpnTlsVersion,
        format!(
            "the server {} on {} accepts no TLS version or cipher suite offered: it drops the session on every hello",
            target.host,
            over(&h.report)
        ),
        vec![
            format!(
                "our hello (TLS 1.3 and 1.2; AES-GCM, ChaCha20): {}",
                h.report.summary()
            ),
            format!(
                "a legacy TLS 1.2 hello (CBC, finite-field DHE, static RSA): {}",
                old.summary()
            ),
            "OpenVPN refuses in silence, with no alert: what the server wants cannot be seen from here (its tls-version-min, tls-cipher or tls-groups)".to_string(),
        ],
        vec![advice(
            'v',
            "update the VPN client and download a fresh profile; if it still fails, ask the provider which TLS versions and ciphers the server accepts",
        )],
    ))
}

/// `vpn-no-answer`: no answer at all to the hard reset over UDP: a filter on the way, or a
/// tls-auth/tls-crypt key (or none) that the server does not take, which it drops in
/// silence.
fn no_answer(
    target: &Target,
    r: &ReachResult,
    h: &VpnHandshake,
    all: &[ReachResult],
) -> Option<Found> {
    let rep = &h.report;
    let silent = rep.transport == Transport::Udp
        && rep.timed_out_at(Step::Reset)
        && rep.server_session.is_none();
    if !silent {
        return None;
    }
    let key = match rep.wrap {
        Some(kind) => {
            format!("the profile's {kind} key is not the server's (or its key-direction is wrong)")
        }
        None => "the server requires a tls-auth/tls-crypt key that the profile lacks".to_string(),
    };
    let mut ev = vec![
        format!("{}: {}", r.probe, rep.summary()),
        format!(
            "OpenVPN drops a packet whose key does not match in silence, which over UDP looks exactly like a filter: either UDP {} is blocked on the way, or {key}",
            r.port
        ),
    ];
    let tcp = all
        .iter()
        .find(|x| matches!(x.probe, ProbeSpec::OpenvpnTcp(_)) && x.via.is_none());
    match tcp.and_then(|t| t.handshake.as_deref()) {
        Some(t) if t.report.server_session.is_some() => ev.push(format!(
            "over TCP {} the server answers the same reset: UDP is what is blocked",
            t.report.addr.port()
        )),
        Some(t) => ev.push(format!("over TCP {}: {}", t.report.addr.port(), t.report.summary())),
        None => ev.push(
            "what tells them apart: the server's TCP remote (a block on UDP lets TCP through, a wrong key fails both), or a fresh profile (a new key answers)".to_string(),
        ),
    }
    Some((
        Code::VpnNoAnswer,
        format!(
            "the server {} never answers OpenVPN over UDP {}: filtered on the way, or a tls-auth/tls-crypt key it does not take",
            target.host, r.port
        ),
        ev,
        vec![
            fresh_profile(),
            advice(
                'o',
                "try the server's OpenVPN TCP remote (often port 443): a filter on UDP lets it through",
            ),
        ],
    ))
}

enum Dated {
    /// `clock-skew`: the chain verifies with the profile's CA at the true time.
    Clock(Finding),
    Own(Found),
}

/// `vpn-cert-expired` / `vpn-cert-not-yet-valid`: the chain fails against the profile's CA on
/// its dates; `clock-skew` instead when it verifies at the true time (the consensus).
fn cert_dates(i: usize, target: &Target, h: &VpnHandshake, clock: &Clocked) -> Option<Dated> {
    let Some(CaVerdict::NotVerified(why)) = &h.report.ca else {
        return None;
    };
    let code = if why.contains("expired") {
        Code::VpnCertExpired
    } else if why.contains("valid only from") {
        Code::VpnCertNotYetValid
    } else {
        return None;
    };
    let looks = if code == Code::VpnCertExpired {
        "expired"
    } else {
        "not yet valid"
    };
    let ca = &target.ovpn_tls.as_ref()?.ca_pem;
    if let Some(o) = clock.truth {
        let at = super::chain::shifted(h.verified_at, o);
        let secs = at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let at_truth = rustls::pki_types::UnixTime::since_unix_epoch(secs);
        if verify_with_ca(&h.report.chain, ca, at_truth) == CaVerdict::Verified {
            let mut fixes: Vec<Fix> = clock
                .fixes
                .iter()
                .filter(|f| f.key != 'r')
                .cloned()
                .map(|mut f| {
                    f.rerun.extend(probe::for_target(i));
                    f
                })
                .collect();
            fixes.push(rerun(i));
            return Some(Dated::Clock(Finding {
                code: Code::ClockSkew,
                severity: Severity::Error,
                target: Some(target.name.clone()),
                summary: format!(
                    "the OpenVPN server certificate of {} ({}) looks {looks} only because this clock is wrong ({})",
                    target.host,
                    over(&h.report),
                    o.describe()
                ),
                evidence: vec![
                    format!("against the profile's <ca> by this clock: {why}"),
                    "at the true time the certificate verifies with the profile's CA: the clock is wrong, not the server".to_string(),
                ],
                fixes,
                probes: probe::for_target(i),
            }));
        }
    }
    let clock_note = match clock.truth {
        Some(o) => format!(
            "the true time agrees ({}): the server's certificate itself is out of date",
            o.describe()
        ),
        None => {
            "the true time is unknown (no NTP server or HTTPS date answered): check this clock too"
                .to_string()
        }
    };
    Some(Dated::Own((
        code,
        format!(
            "the server {} on {} presents a certificate that is {looks}: OpenVPN refuses it",
            target.host,
            over(&h.report)
        ),
        vec![format!("against the profile's <ca>: {why}"), clock_note],
        vec![advice(
            'o',
            "the provider must renew the server's certificate: try another server, and download a fresh profile",
        )],
    )))
}

/// `vpn-key-direction`: the profile's tls-auth key went unanswered at the reset, and the same
/// key with the other direction is answered: the profile's `key-direction` is wrong.
fn key_direction(target: &Target, h: &VpnHandshake) -> Option<Found> {
    let (word, other) = h.other_direction.as_ref()?;
    other.server_session?;
    Some((
        Code::VpnKeyDirection,
        format!(
            "the profile's key-direction is wrong: the server {} on {} answers the tls-auth key only with `key-direction {word}`",
            target.host,
            over(&h.report)
        ),
        vec![
            format!("with the profile's key direction: {}", h.report.summary()),
            format!("with key-direction {word}: {}", other.summary()),
        ],
        vec![advice(
            'x',
            &format!(
                "set `key-direction {word}` in the profile (or `tls-auth ta.key {word}`), or download a fresh profile"
            ),
        )],
    ))
}

/// Our ClientHello was acknowledged (every packet of it) and the server's answer never came:
/// its first flight, which carries the certificate, is the large packet that is lost.
fn hello_acked_answer_lost(r: &HandshakeReport) -> bool {
    r.transport == Transport::Udp
        && r.timed_out_at(Step::ClientHello)
        && !r.client_hello_msgs.is_empty()
        && r.client_hello_msgs.iter().all(|m| !r.unacked.contains(m))
        && r.negotiated.is_none()
}

/// The largest datagram we sent.
fn largest_sent(r: &HandshakeReport) -> usize {
    r.packets
        .iter()
        .filter(|p| p.direction == crate::probe::vpn::openvpn::Direction::Sent)
        .map(|p| p.wire_len)
        .max()
        .unwrap_or(0)
}

/// `vpn-fragments-dropped`: the handshake starts and stalls at its first large packets — our
/// ClientHello's first packet is never acknowledged while a small ClientHello is, or the
/// server acknowledges our ClientHello and its certificate flight never arrives.
fn fragments_dropped(target: &Target, h: &VpnHandshake) -> Option<Found> {
    let r = &h.report;
    let mut ev = vec![h.report.summary()];
    let summary = if let Some(small) = &h.small_hello {
        let small_ok = small.completed() || hello_acked_answer_lost(small);
        if !small_ok {
            return None;
        }
        ev.push(format!(
            "our ClientHello of {} bytes went in packets of up to {} bytes and was never acknowledged",
            r.client_hello_len,
            largest_sent(r)
        ));
        ev.push(format!(
            "with a small ClientHello ({} bytes, no post-quantum key share): {}",
            small.client_hello_len,
            small.summary()
        ));
        if hello_acked_answer_lost(small) {
            ev.push("the small ClientHello was acknowledged, and the server's certificate flight never arrived: large datagrams are lost both ways".to_string());
        }
        format!(
            "the path to {} drops large UDP datagrams: OpenVPN's packets of {} bytes never arrive (UDP {})",
            target.host,
            largest_sent(r),
            r.addr.port()
        )
    } else if hello_acked_answer_lost(r) {
        ev.push(format!(
            "the server acknowledged our ClientHello ({} bytes), and its answer (the certificate flight, the largest packets of the handshake) never arrived",
            r.client_hello_len
        ));
        format!(
            "the path to {} drops large UDP datagrams: the server's certificate flight never arrives (UDP {})",
            target.host,
            r.addr.port()
        )
    } else {
        return None;
    };
    Some((
        Code::VpnFragmentsDropped,
        summary,
        ev,
        vec![
            advice(
                'o',
                "use OpenVPN over TCP (often port 443), which is not affected",
            ),
            advice(
                'm',
                "or lower the packet size in the profile: `tun-mtu 1300` and `mssfix 1200` (and `tls-mtu 1000`)",
            ),
        ],
    ))
}

/// `vpn-key-mismatch`: the profile's tls-auth/tls-crypt key goes unanswered at the reset (in
/// both directions, for tls-auth), and the same reset without any key is answered: the server
/// does not use this key.
fn key_mismatch(target: &Target, h: &VpnHandshake) -> Option<Found> {
    let Some(bare) = h.unsigned.as_ref().filter(|b| b.server_session.is_some()) else {
        return closed_on_reset(target, h);
    };
    let kind = h.report.wrap.unwrap_or("tls-auth/tls-crypt");
    let mut ev = vec![
        format!("with the profile's {kind} key: {}", h.report.summary()),
        format!("without a key: {}", bare.summary()),
    ];
    if let Some((word, other)) = &h.other_direction {
        ev.push(format!("with key-direction {word}: {}", other.summary()));
    }
    Some((
        Code::VpnKeyMismatch,
        format!(
            "the server {} on {} does not take the profile's {kind} key: it answers a reset without one",
            target.host,
            over(&h.report)
        ),
        ev,
        vec![fresh_profile()],
    ))
}

/// Whether a TCP handshake ended at the reset with the server closing (or resetting) the
/// connection it had accepted, having sent nothing: what OpenVPN does with a reset whose
/// tls-auth/tls-crypt HMAC does not verify (or that has none when it requires one).
fn closed_at_reset(r: &HandshakeReport) -> bool {
    r.transport == Transport::Tcp
        && matches!(
            r.status,
            Status::Failed {
                step: Step::Reset,
                failure: Failure::Closed | Failure::ConnectionReset
            }
        )
        && r.server_session.is_none()
        && r.packets
            .iter()
            .all(|p| p.direction == crate::probe::vpn::openvpn::Direction::Sent)
}

/// `vpn-key-mismatch` over TCP: the server accepted the connection and closed it on our reset
/// without a word — signed with the profile's key (in both directions, for tls-auth), or
/// unsigned when the profile has none. Unlike UDP's silence, a filter does not do this: the
/// connection was made, and it is OpenVPN that drops it on the key.
fn closed_on_reset(target: &Target, h: &VpnHandshake) -> Option<Found> {
    if !closed_at_reset(&h.report) {
        return None;
    }
    if h.other_direction
        .as_ref()
        .is_some_and(|(_, o)| !closed_at_reset(o))
    {
        return None;
    }
    let mut ev = vec![h.report.summary()];
    if let Some((word, other)) = &h.other_direction {
        ev.push(format!("with key-direction {word}: {}", other.summary()));
    }
    if let Some(bare) = &h.unsigned {
        ev.push(format!("without a key: {}", bare.summary()));
    }
    ev.push(
        "OpenVPN closes a TCP connection whose reset fails its tls-auth/tls-crypt check without answering; the connection itself was accepted, so nothing on the way blocks it".to_string(),
    );
    let summary = match h.report.wrap {
        Some(kind) => format!(
            "the server {} on {} does not take the profile's {kind} key: it accepts the connection and closes it on the signed reset",
            target.host,
            over(&h.report)
        ),
        None => format!(
            "the server {} on {} requires a tls-auth/tls-crypt key that the profile lacks: it accepts the connection and closes it on the reset",
            target.host,
            over(&h.report)
        ),
    };
    Some((Code::VpnKeyMismatch, summary, ev, vec![fresh_profile()]))
}

/// `vpn-inconclusive`: our ClientHello went unanswered, and a legacy hello (CBC, finite-field
/// DHE, static RSA) got a ServerHello: the server speaks only what this check's TLS library
/// does not, so the handshake cannot be completed from here — the user's OpenVPN (OpenSSL)
/// may well connect.
fn inconclusive(target: &Target, h: &VpnHandshake) -> Option<Found> {
    let old = h.legacy.as_ref()?;
    let (version, suite) = old.legacy_answer?;
    let name = crate::probe::vpn::openvpn::legacy::suite_name(suite);
    let version = match version {
        0x0303 => "TLS 1.2".to_string(),
        0x0302 => "TLS 1.1".to_string(),
        0x0301 => "TLS 1.0".to_string(),
        v => format!("version 0x{v:04X}"),
    };
    Some((
        Code::VpnInconclusive,
        format!(
            "the server {} on {} speaks only {name} ({version}), which this check cannot: its handshake cannot be completed from here, and your OpenVPN may well connect",
            target.host,
            over(&h.report)
        ),
        vec![
            h.report.summary(),
            format!(
                "offered TLS 1.2 with CBC, finite-field DHE and static RSA suites (what this check's TLS library does not implement), the server answered with a ServerHello choosing {name}"
            ),
            "OpenVPN refuses a hello it shares nothing with in silence: the server dropped the session on our usual hello (TLS 1.3 and 1.2 with AES-GCM and ChaCha20) without acknowledging its last packet".to_string(),
        ],
        vec![advice(
            'o',
            "if OpenVPN fails too: the server allows only old ciphers (its tls-cipher); ask the provider for a current server or profile",
        )],
    ))
}
