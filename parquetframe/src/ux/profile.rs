//! The profile mode: after each top-level operation, its stages and their
//! wall-clock times as a tree on stderr.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::{Duration, Instant};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// A span still open: when it started, its fields, its finished children.
struct Timing {
    start: Instant,
    fields: String,
    children: Vec<Node>,
}

/// A finished span.
struct Node {
    name: String,
    took: Duration,
    fields: String,
    children: Vec<Node>,
}

/// Records span times and prints a tree when a root span closes.
pub struct ProfileLayer {
    sink: Box<dyn Fn(&str) + Send + Sync>,
}

impl ProfileLayer {
    /// A layer printing to stderr.
    pub fn stderr() -> Self {
        Self::to(|text| {
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        })
    }

    /// A layer handing each report to `sink`.
    pub fn to(sink: impl Fn(&str) + Send + Sync + 'static) -> Self {
        Self { sink: Box::new(sink) }
    }
}

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }
}

fn render(out: &mut String, depth: usize, node: &Node) {
    let ms = node.took.as_secs_f64() * 1e3;
    let _ = writeln!(out, "{:indent$}{} {ms:.1} ms{}", "", node.name, node.fields, indent = depth * 2);
    for child in &node.children {
        render(out, depth + 1, child);
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for ProfileLayer {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = String::new();
        attrs.record(&mut Fields(&mut fields));
        span.extensions_mut().insert(Timing { start: Instant::now(), fields, children: Vec::new() });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        if let Some(timing) = span.extensions_mut().get_mut::<Timing>() {
            values.record(&mut Fields(&mut timing.fields));
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(timing) = span.extensions_mut().remove::<Timing>() else { return };
        // Fields recorded later repeat a name with its final value: keep the last.
        let node = Node {
            name: span.name().to_owned(),
            took: timing.start.elapsed(),
            fields: last_values(&timing.fields),
            children: timing.children,
        };
        match span.parent() {
            Some(parent) => {
                if let Some(p) = parent.extensions_mut().get_mut::<Timing>() {
                    p.children.push(node);
                }
            }
            None => {
                let mut out = String::from("profile: ");
                render(&mut out, 0, &node);
                (self.sink)(&out);
            }
        }
    }
}

/// `a=1 b=2 a=3` → `a=3 b=2`, in first-seen order; empty fields dropped.
fn last_values(fields: &str) -> String {
    let mut order: Vec<(&str, &str)> = Vec::new();
    for part in fields.split(' ').filter(|p| !p.is_empty()) {
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        match order.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => order.push((name, value)),
        }
    }
    order.iter().filter(|(_, v)| !v.is_empty()).map(|(n, v)| format!(" {n}={v}")).collect()
}
