//! Spans of public operations: one per call, carrying its figures, closed
//! with its duration.

use std::time::Instant;

use tracing::Span;

/// An operation's span, entered while the guard lives.
pub(crate) struct Operation {
    span: Span,
    start: Instant,
}

impl Operation {
    /// Enters `span` (created by the caller with its fields, some `Empty`).
    pub fn start(span: Span) -> Self {
        super::logging::ensure();
        Self { span, start: Instant::now() }
    }

    /// The span, to record figures on and to enter.
    pub fn span(&self) -> &Span {
        &self.span
    }

    /// Records `field` = `value`.
    pub fn record(&self, field: &str, value: impl tracing::Value) {
        self.span.record(field, value);
    }
}

impl Drop for Operation {
    fn drop(&mut self) {
        #[allow(clippy::cast_possible_truncation)]
        let micros = self.start.elapsed().as_micros() as u64;
        self.span.record("duration_ms", micros as f64 / 1000.0);
    }
}
