//! The workbench's messages: every one goes into a log the status area can show in full; the
//! status bar shows the newest one while it is current. Information stops being current when
//! the state it describes changes (a meta-step, a run opened); errors stay until dismissed.

use std::time::{SystemTime, UNIX_EPOCH};

/// A message.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// An error (red) or information.
    pub error: bool,
    /// The text.
    pub text: String,
    /// When it came, `HH:MM:SS` UTC.
    pub time: String,
}

/// Every message of the session, and which one the status bar shows.
#[derive(Clone, Debug, Default)]
pub struct StatusLog {
    entries: Vec<Notice>,
    shown: Option<usize>,
}

impl StatusLog {
    /// Adds a message and shows it.
    pub fn push(&mut self, error: bool, text: String) {
        self.entries.push(Notice {
            error,
            text,
            time: clock_text(),
        });
        self.shown = Some(self.entries.len() - 1);
    }

    /// The message the status bar shows, if any.
    pub fn current(&self) -> Option<&Notice> {
        self.shown.and_then(|i| self.entries.get(i))
    }

    /// Hides the shown message (it stays in the log).
    pub fn dismiss(&mut self) {
        self.shown = None;
    }

    /// The state moved on: hides the shown message if it is information.
    pub fn state_changed(&mut self) {
        if self.current().is_some_and(|n| !n.error) {
            self.shown = None;
        }
    }

    /// Every message, oldest first.
    pub fn all(&self) -> &[Notice] {
        &self.entries
    }

    /// The newest message (shown or not).
    pub fn last(&self) -> Option<&Notice> {
        self.entries.last()
    }

    /// Empties the log.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.shown = None;
    }
}

/// The time of day now, `HH:MM:SS` UTC.
fn clock_text() -> String {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        % 86_400;
    format!("{:02}:{:02}:{:02}", t / 3600, (t % 3600) / 60, t % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn information_goes_stale_errors_stay_and_the_log_keeps_both() {
        let mut log = StatusLog::default();
        log.push(false, "opened run at meta-step 0".into());
        assert_eq!(log.current().unwrap().text, "opened run at meta-step 0");
        log.state_changed();
        assert!(log.current().is_none());
        log.push(true, "cannot read x".into());
        log.state_changed();
        assert_eq!(log.current().unwrap().text, "cannot read x");
        log.dismiss();
        assert!(log.current().is_none());
        let texts: Vec<&str> = log.all().iter().map(|n| n.text.as_str()).collect();
        assert_eq!(texts, ["opened run at meta-step 0", "cannot read x"]);
        assert_eq!(log.all()[0].time.len(), 8);
    }
}
