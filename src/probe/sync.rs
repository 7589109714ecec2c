//! The local time-sync service, read-only: `timedatectl show` and `chronyc -n tracking`.
//! A tool that is not installed means "unknown", never a finding.

use std::process::{Output, Stdio};
use std::time::Duration;

use crate::text::clean;

/// What one tool told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolAnswer<T> {
    /// The tool is not installed.
    Absent,
    /// It ran but failed (no daemon, no systemd): its message.
    Failed(String),
    Answered(T),
}

/// `timedatectl show`: NTP=yes/no, NTPSynchronized=yes/no.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timedatectl {
    pub ntp: Option<bool>,
    pub synchronized: Option<bool>,
}

/// `chronyc -n tracking`: the fields that matter here.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChronyTracking {
    pub reference: String,
    pub stratum: u8,
    /// "Normal", "Not synchronised", ...
    pub leap_status: String,
    /// "System time" line as chrony prints it.
    pub system_time: String,
}

/// Both answers together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    pub timedatectl: ToolAnswer<Timedatectl>,
    pub chrony: ToolAnswer<ChronyTracking>,
}

/// How long each tool may take: both answer locally, at once, or not at all.
const TOOL_TIMEOUT: Duration = Duration::from_secs(2);
/// How much of a tool's error message is kept.
const MESSAGE_MAX: usize = 120;

/// Runs both tools, each under a short timeout.
pub async fn detect() -> SyncStatus {
    let (timedatectl, chrony) = tokio::join!(
        ask(
            "timedatectl",
            &["show", "-p", "NTP", "-p", "NTPSynchronized"],
            parse_timedatectl,
            TOOL_TIMEOUT,
        ),
        ask(
            "chronyc",
            &["-n", "tracking"],
            parse_chrony_tracking,
            TOOL_TIMEOUT
        ),
    );
    SyncStatus {
        timedatectl,
        chrony,
    }
}

/// Runs `program args` with no input and `LC_ALL=C`, under `timeout`: its output, or
/// [`ToolAnswer::Absent`] when it is not installed, or why it could not run or answer.
pub async fn run_tool(program: &str, args: &[&str], timeout: Duration) -> ToolAnswer<Output> {
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("LC_ALL", "C")
        .kill_on_drop(true);
    let child = match command.spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return ToolAnswer::Absent,
        Err(e) => return ToolAnswer::Failed(format!("cannot run {program}: {e}")),
    };
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Err(_) => ToolAnswer::Failed(format!(
            "no answer within {}",
            crate::text::human_duration(timeout)
        )),
        Ok(Err(e)) => ToolAnswer::Failed(format!("{program} failed: {e}")),
        Ok(Ok(output)) => ToolAnswer::Answered(output),
    }
}

/// Runs `program args` with no input, under `timeout`, and parses what it prints.
async fn ask<T>(
    program: &str,
    args: &[&str],
    parse: fn(&str) -> Result<T, String>,
    timeout: Duration,
) -> ToolAnswer<T> {
    let output = match run_tool(program, args, timeout).await {
        ToolAnswer::Answered(output) => output,
        ToolAnswer::Absent => return ToolAnswer::Absent,
        ToolAnswer::Failed(e) => return ToolAnswer::Failed(e),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let said = first_line(&stderr).or_else(|| first_line(&stdout));
        let status = output
            .status
            .code()
            .map_or_else(|| "was killed".to_string(), |c| format!("exited with {c}"));
        return ToolAnswer::Failed(said.unwrap_or(status));
    }
    match parse(&stdout) {
        Ok(v) => ToolAnswer::Answered(v),
        Err(e) => ToolAnswer::Failed(e),
    }
}

/// The first non-empty line of `text`, cleaned and cut short, for a one-line status.
fn first_line(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line = clean(line);
    Some(if line.chars().count() > MESSAGE_MAX {
        let cut: String = line.chars().take(MESSAGE_MAX).collect();
        format!("{cut}…")
    } else {
        line
    })
}

/// `timedatectl show -p NTP -p NTPSynchronized`: `KEY=yes|no` lines.
pub fn parse_timedatectl(text: &str) -> Result<Timedatectl, String> {
    let mut t = Timedatectl::default();
    for line in text.lines() {
        let Some((key, value)) = line.trim().split_once('=') else {
            continue;
        };
        let flag = match value.trim() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        match key.trim() {
            "NTP" => t.ntp = flag,
            "NTPSynchronized" => t.synchronized = flag,
            _ => {}
        }
    }
    if t == Timedatectl::default() {
        return Err(format!(
            "timedatectl printed no NTP state: {:?}",
            first_line(text).unwrap_or_default()
        ));
    }
    Ok(t)
}

/// `chronyc -n tracking`: `Name     : value` lines.
pub fn parse_chrony_tracking(text: &str) -> Result<ChronyTracking, String> {
    let mut reference = None;
    let mut stratum = None;
    let mut leap_status = None;
    let mut system_time = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = clean(value.trim());
        match key.trim() {
            "Reference ID" => reference = Some(reference_words(&value)),
            "Stratum" => {
                stratum = Some(
                    value
                        .parse::<u8>()
                        .map_err(|_| format!("chronyc printed a bad stratum {value:?}"))?,
                );
            }
            "Leap status" => leap_status = Some(value),
            "System time" => system_time = Some(value),
            _ => {}
        }
    }
    match (reference, stratum, leap_status) {
        (Some(reference), Some(stratum), Some(leap_status)) => Ok(ChronyTracking {
            reference,
            stratum,
            leap_status,
            system_time: system_time.unwrap_or_default(),
        }),
        _ => Err(format!(
            "chronyc tracking printed no reference, stratum or leap status: {:?}",
            first_line(text).unwrap_or_default()
        )),
    }
}

/// "7F7F0101 ()" -> "7F7F0101"; "C0A80001 (192.168.0.1)" stays as it is.
fn reference_words(value: &str) -> String {
    match value.strip_suffix("()") {
        Some(id) => id.trim().to_string(),
        None => value.to_string(),
    }
}

impl SyncStatus {
    /// Whether the clock is kept in sync: `Some(true)` when a service is active and synced,
    /// `Some(false)` when the tools say it is not, `None` when nothing could tell.
    pub fn active(&self) -> Option<bool> {
        if let ToolAnswer::Answered(c) = &self.chrony {
            return Some(!c.leap_status.eq_ignore_ascii_case("not synchronised"));
        }
        match &self.timedatectl {
            ToolAnswer::Answered(t) => match (t.ntp, t.synchronized) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), _) | (_, Some(true)) => Some(true),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether chronyd answered, so `chronyc makestep` can step the clock.
    pub fn chrony_running(&self) -> bool {
        matches!(self.chrony, ToolAnswer::Answered(_))
    }

    /// Whether timedatectl is there to switch NTP on.
    pub fn has_timedatectl(&self) -> bool {
        matches!(self.timedatectl, ToolAnswer::Answered(_))
    }

    /// One line for the clock pane.
    pub fn summary(&self) -> String {
        let td = match &self.timedatectl {
            ToolAnswer::Absent => "timedatectl: not installed".to_string(),
            ToolAnswer::Failed(e) => format!("timedatectl: {e}"),
            ToolAnswer::Answered(t) => format!(
                "timedatectl: NTP {}, synchronized {}",
                yes_no(t.ntp),
                yes_no(t.synchronized)
            ),
        };
        let ch = match &self.chrony {
            ToolAnswer::Absent => "chrony: not installed".to_string(),
            ToolAnswer::Failed(e) => format!("chrony: {e}"),
            ToolAnswer::Answered(c) => format!(
                "chrony: {} (stratum {}, {})",
                c.leap_status, c.stratum, c.reference
            ),
        };
        format!("{td} · {ch}")
    }
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `chronyc -n tracking` from chronyd 4.3 serving `local stratum 8`.
    const TRACKING_NORMAL: &str = "\
Reference ID    : 7F7F0101 ()
Stratum         : 8
Ref time (UTC)  : Thu Nov 26 03:23:32 2026
System time     : 0.000001000 seconds slow of NTP time
Last offset     : +0.000000000 seconds
RMS offset      : 0.000000000 seconds
Frequency       : 0.000 ppm slow
Residual freq   : +0.000 ppm
Skew            : 0.000 ppm
Root delay      : 0.000000000 seconds
Root dispersion : 0.000000000 seconds
Update interval : 0.0 seconds
Leap status     : Normal
";

    /// The same from a chronyd with no source.
    const TRACKING_UNSYNCED: &str = "\
Reference ID    : 00000000 ()
Stratum         : 0
Ref time (UTC)  : Thu Jan 01 00:00:00 1970
System time     : 0.000000000 seconds fast of NTP time
Last offset     : +0.000000000 seconds
RMS offset      : 0.000000000 seconds
Frequency       : 0.000 ppm slow
Residual freq   : +0.000 ppm
Skew            : 0.000 ppm
Root delay      : 1.000000000 seconds
Root dispersion : 1.000000000 seconds
Update interval : 0.0 seconds
Leap status     : Not synchronised
";

    #[test]
    fn timedatectl_flags() {
        let t = parse_timedatectl("NTP=yes\nNTPSynchronized=no\n").unwrap();
        assert_eq!(t.ntp, Some(true));
        assert_eq!(t.synchronized, Some(false));
        let t = parse_timedatectl("NTPSynchronized=yes\n").unwrap();
        assert_eq!((t.ntp, t.synchronized), (None, Some(true)));
        let e = parse_timedatectl("Timezone=UTC\n").unwrap_err();
        assert!(e.contains("Timezone=UTC"), "{e}");
    }

    #[test]
    fn chrony_tracking_normal() {
        let c = parse_chrony_tracking(TRACKING_NORMAL).unwrap();
        assert_eq!(
            c,
            ChronyTracking {
                reference: "7F7F0101".to_string(),
                stratum: 8,
                leap_status: "Normal".to_string(),
                system_time: "0.000001000 seconds slow of NTP time".to_string(),
            }
        );
        let status = SyncStatus {
            timedatectl: ToolAnswer::Absent,
            chrony: ToolAnswer::Answered(c),
        };
        assert_eq!(status.active(), Some(true));
        assert!(status.chrony_running());
    }

    #[test]
    fn chrony_tracking_unsynchronised() {
        let c = parse_chrony_tracking(TRACKING_UNSYNCED).unwrap();
        assert_eq!(c.stratum, 0);
        assert_eq!(c.reference, "00000000");
        assert_eq!(c.leap_status, "Not synchronised");
        let status = SyncStatus {
            timedatectl: ToolAnswer::Failed("no systemd".to_string()),
            chrony: ToolAnswer::Answered(c),
        };
        assert_eq!(status.active(), Some(false));
    }

    #[test]
    fn chrony_reference_with_a_name_and_hostile_text() {
        let c = parse_chrony_tracking(
            "Reference ID    : C0000201 (192.0.2.1)\nStratum         : 3\nLeap status     : Normal\x1b[2J\n",
        )
        .unwrap();
        assert_eq!(c.reference, "C0000201 (192.0.2.1)");
        assert_eq!(c.leap_status, "Normal[2J");
    }

    #[test]
    fn chrony_garbage_is_an_error_not_a_panic() {
        let e = parse_chrony_tracking("506 Cannot talk to daemon\n").unwrap_err();
        assert!(e.contains("506 Cannot talk to daemon"), "{e}");
        let e =
            parse_chrony_tracking("Reference ID : 0 ()\nStratum : many\nLeap status : Normal\n")
                .unwrap_err();
        assert!(e.contains("many"), "{e}");
    }

    #[test]
    fn first_line_is_clean_and_short() {
        assert_eq!(first_line("\n  \nboom\x07\nmore"), Some("boom".to_string()));
        let long = "x".repeat(500);
        assert_eq!(first_line(&long).unwrap().chars().count(), MESSAGE_MAX + 1);
        assert_eq!(first_line("   \n"), None);
    }

    async fn sh(script: &str, timeout: Duration) -> ToolAnswer<Timedatectl> {
        ask("sh", &["-c", script], parse_timedatectl, timeout).await
    }

    #[tokio::test]
    async fn a_missing_tool_is_absent_a_failing_or_hanging_one_failed() {
        let absent = ask(
            "tlsdoctor-no-such-tool",
            &[],
            parse_timedatectl,
            TOOL_TIMEOUT,
        )
        .await;
        assert_eq!(absent, ToolAnswer::Absent);
        let failed = sh("echo 'no daemon here' >&2; exit 1", TOOL_TIMEOUT).await;
        assert_eq!(failed, ToolAnswer::Failed("no daemon here".to_string()));
        let silent = sh("exit 3", TOOL_TIMEOUT).await;
        assert_eq!(silent, ToolAnswer::Failed("exited with 3".to_string()));
        let hung = sh("exec sleep 30", Duration::from_millis(100)).await;
        assert_eq!(
            hung,
            ToolAnswer::Failed("no answer within 100.0 ms".to_string())
        );
        let answered = sh("printf 'NTP=no\\nNTPSynchronized=no\\n'", TOOL_TIMEOUT).await;
        assert_eq!(
            answered,
            ToolAnswer::Answered(Timedatectl {
                ntp: Some(false),
                synchronized: Some(false)
            })
        );
    }
}
