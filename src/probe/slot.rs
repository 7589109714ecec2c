//! One probe's runs: at most one running, at most one queued behind it, and the last result.
//! What `r` pressed ten times coalesces into, and what the diagnosis reads.

use std::time::{Duration, Instant, SystemTime};

/// A finished run of a probe.
#[derive(Debug, Clone)]
pub struct Done<T> {
    pub value: T,
    /// Local wall-clock time when it finished.
    pub at: SystemTime,
    pub took: Duration,
}

/// One probe's state.
#[derive(Debug, Clone)]
pub struct Slot<T> {
    pub running_since: Option<Instant>,
    pub queued: bool,
    pub last: Option<Done<T>>,
    /// How many results it has recorded: what the diagnosis compares to know a result is new.
    results: u64,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            running_since: None,
            queued: false,
            last: None,
            results: 0,
        }
    }
}

impl<T> Slot<T> {
    pub fn is_running(&self) -> bool {
        self.running_since.is_some()
    }

    /// The last value, if any.
    pub fn value(&self) -> Option<&T> {
        self.last.as_ref().map(|d| &d.value)
    }

    /// How many results have been recorded: changes exactly when the value does.
    pub fn results(&self) -> u64 {
        self.results
    }

    /// Asks for a run at `now`: true when it should start now, false when it was queued
    /// behind a running one (or was already queued).
    pub fn request(&mut self, now: Instant) -> bool {
        if self.running_since.is_some() {
            self.queued = true;
            false
        } else {
            self.running_since = Some(now);
            true
        }
    }

    /// Records a result; true when a queued run should start now.
    pub fn finish(&mut self, value: T, at: SystemTime, took: Duration, now: Instant) -> bool {
        self.last = Some(Done { value, at, took });
        self.results += 1;
        if std::mem::take(&mut self.queued) {
            self.running_since = Some(now);
            true
        } else {
            self.running_since = None;
            false
        }
    }
}

/// A slot seen only as runs, whatever its value: what coalescing and counting need.
pub trait RunState {
    fn running(&self) -> bool;
    fn queued(&self) -> bool;
    fn has_result(&self) -> bool;
    fn request_at(&mut self, now: Instant) -> bool;
}

impl<T> RunState for Slot<T> {
    fn running(&self) -> bool {
        self.is_running()
    }

    fn queued(&self) -> bool {
        self.queued
    }

    fn has_result(&self) -> bool {
        self.last.is_some()
    }

    fn request_at(&mut self, now: Instant) -> bool {
        self.request(now)
    }
}
