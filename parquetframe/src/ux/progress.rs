//! Progress bars of long operations (indicatif): rows, bytes, rate and ETA
//! on stderr. A bar stays hidden for its first second, so short operations
//! never draw; it is never drawn when stderr is not a terminal, under CI
//! (`CI` set), or with `ux.progress = "off"`.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::config::ProgressSetting;

/// How long an operation runs before its bar appears.
pub const DELAY: Duration = Duration::from_secs(1);

/// Whether bars may be drawn: the setting, whether stderr is a terminal,
/// and whether a CI system runs us.
pub fn enabled(setting: ProgressSetting, terminal: bool, ci: bool) -> bool {
    setting == ProgressSetting::Auto && terminal && !ci
}

/// A progress bar of one operation.
pub struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    shown: AtomicBool,
    bytes: Arc<AtomicU64>,
}

impl Progress {
    /// A bar for `what` over `total` rows (`0`: unknown), drawn per `setting`.
    pub fn new(what: &str, total: u64, setting: ProgressSetting) -> Self {
        let on = enabled(setting, std::io::stderr().is_terminal(), std::env::var_os("CI").is_some());
        let bytes = Arc::new(AtomicU64::new(0));
        let bar = on.then(|| {
            let bar =
                ProgressBar::with_draw_target((total > 0).then_some(total), ProgressDrawTarget::hidden());
            let template = if total > 0 {
                "{msg} [{bar:30}] {human_pos}/{human_len} rows, {bytes}, {rows_per_sec} rows/s, eta {eta}"
            } else {
                "{msg} {spinner} {human_pos} rows, {bytes}, {rows_per_sec} rows/s, {elapsed}"
            };
            let done = bytes.clone();
            if let Ok(style) = ProgressStyle::with_template(template) {
                let style = style
                    .with_key("bytes", move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{}", HumanBytes(done.load(Ordering::Relaxed)));
                    })
                    .with_key("rows_per_sec", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                        let rate = s.per_sec().max(0.0) as u64;
                        let _ = write!(w, "{}", HumanCount(rate));
                    })
                    .progress_chars("=> ");
                bar.set_style(style);
            }
            bar.set_message(what.to_owned());
            bar
        });
        Self { bar, start: Instant::now(), shown: false.into(), bytes }
    }

    /// A bar that never draws.
    pub fn hidden() -> Self {
        Self { bar: None, start: Instant::now(), shown: false.into(), bytes: Arc::default() }
    }

    /// `rows` more rows done, `bytes` more bytes (in memory) handled.
    pub fn inc(&self, rows: u64, bytes: u64) {
        let Some(bar) = &self.bar else { return };
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        bar.inc(rows);
        if !self.shown.load(Ordering::Relaxed) && self.start.elapsed() >= DELAY {
            self.shown.store(true, Ordering::Relaxed);
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Whether the bar is drawing.
    pub fn is_visible(&self) -> bool {
        self.shown.load(Ordering::Relaxed)
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_only_on_a_terminal_outside_ci_when_not_off() {
        assert!(enabled(ProgressSetting::Auto, true, false));
        assert!(!enabled(ProgressSetting::Auto, false, false));
        assert!(!enabled(ProgressSetting::Auto, true, true));
        assert!(!enabled(ProgressSetting::Off, true, false));
        // Hidden bars accept work silently.
        let p = Progress::new("test", 10, ProgressSetting::Off);
        p.inc(5, 100);
        assert!(!p.is_visible());
    }
}
