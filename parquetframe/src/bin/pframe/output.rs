//! How results are printed: tables with colour on a terminal, or JSON.

use std::io::{IsTerminal, Write};

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use parquetframe::polars::prelude::{DataFrame, JsonFormat, JsonWriter, SerWriter};

/// Output settings.
pub struct Output {
    /// JSON instead of tables.
    pub json: bool,
    color: bool,
}

impl Output {
    /// `color`: `None` decides by the terminal and `NO_COLOR`.
    pub fn new(json: bool, color: Option<bool>) -> Self {
        let color = color
            .unwrap_or_else(|| std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none());
        Self { json, color }
    }

    /// A table with a header row.
    pub fn table<S: ToString>(&self, header: &[&str], rows: impl IntoIterator<Item = Vec<S>>) -> Table {
        let mut table = Table::new();
        table.load_preset(presets::UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
        if !self.color {
            table.force_no_tty();
        }
        table.set_header(header.iter().map(|h| self.paint(Cell::new(h), Color::Cyan)));
        for row in rows {
            table.add_row(row.into_iter().map(|c| Cell::new(c.to_string())));
        }
        table
    }

    /// `cell` in `color` when colour is on.
    pub fn paint(&self, cell: Cell, color: Color) -> Cell {
        if self.color { cell.fg(color) } else { cell }
    }

    /// Prints a line (a table, a drawing).
    pub fn print(&self, text: impl std::fmt::Display) {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{text}");
    }

    /// Prints a JSON value.
    pub fn json(&self, value: &serde_json::Value) {
        self.print(serde_json::to_string_pretty(value).unwrap_or_default());
    }

    /// Prints a frame: polars' table, or a JSON array of row objects.
    pub fn frame(&self, frame: &mut DataFrame) -> parquetframe::Result<()> {
        if self.json {
            let mut stdout = std::io::stdout().lock();
            JsonWriter::new(&mut stdout).with_json_format(JsonFormat::Json).finish(frame).map_err(|e| {
                parquetframe::Error::Query(parquetframe::QueryError::Engine {
                    context: "writing JSON".into(),
                    message: e.to_string(),
                })
            })?;
            let _ = writeln!(stdout);
        } else {
            self.print(&*frame);
        }
        Ok(())
    }

    /// Prints an error to stderr: `{"error": ".."}` with `--json`, else red
    /// on a terminal.
    pub fn error(&self, e: &parquetframe::Error) {
        if self.json {
            eprintln!("{}", serde_json::json!({ "error": e.to_string() }));
            return;
        }
        let red = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        if red {
            eprintln!("\x1b[31merror:\x1b[0m {e}");
        } else {
            eprintln!("error: {e}");
        }
    }
}
