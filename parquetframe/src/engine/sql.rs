//! `store.sql(text)`: SQL over every entity of a store, on the engine the
//! heuristics pick: polars SQL on the local engines, DataFusion SQL on the
//! cluster. Tables are the entities the text names (by entity name, and by
//! storage directory when that differs: `User` and `users`).

use std::sync::Arc;

use polars::prelude::{DataFrame, LazyFrame};
use polars::sql::SQLContext;

use super::explain::Explanation;
use super::plan::{Join, JoinKind, Op, Plan, Resolved};
use super::source::{EntitySource, Input, Source};
use super::{Engine, Settings, choose, collect, polars_error};
use crate::error::{Error, QueryError};
use crate::storage::{Store, StoredEntity};

/// A SQL query over a store's entities: [`Store::sql`]. Nothing runs until
/// [`collect`](Self::collect), [`lazy`](Self::lazy) or
/// [`explain`](Self::explain).
#[derive(Clone)]
#[must_use = "a SQL query does nothing until `collect`, `lazy` or `explain` runs it"]
pub struct SqlQuery {
    store: Store,
    text: String,
    engine: Option<Engine>,
}

impl Store {
    /// SQL over the live rows of every entity of this store, each a table
    /// under its entity name (and its storage directory's name:
    /// `FROM User` or `FROM users`). It runs on the engine the heuristics
    /// pick for the tables it names, like a typed query: polars SQL on
    /// [`Engine::Memory`], [`Engine::Lazy`] and [`Engine::Streaming`],
    /// DataFusion SQL on `Engine::Distributed` and `Engine::DataFusion`.
    /// Each engine types results
    /// its own way (`COUNT(*)` is `UInt32` in polars, `Int64` in DataFusion).
    ///
    /// ```no_run
    /// use parquetframe::Store;
    ///
    /// let store = Store::open("data")?;
    /// let top = store
    ///     .sql("SELECT u.name, SUM(o.amount) AS total FROM orders o JOIN User u ON o.user_id = u.user_id \
    ///           GROUP BY u.name ORDER BY total DESC LIMIT 10")
    ///     .collect()?;
    /// # let _ = top;
    /// # Ok::<(), parquetframe::Error>(())
    /// ```
    pub fn sql(&self, text: impl Into<String>) -> SqlQuery {
        SqlQuery { store: self.clone(), text: text.into(), engine: None }
    }
}

/// The entities a SQL text names, each with the names it goes by.
struct Tables {
    /// Names per entity, in the order of the plan's inputs.
    names: Vec<Vec<String>>,
    /// A plan over those entities for the heuristics and `explain()`: the
    /// first as its source, the others joined, a group-by per `GROUP BY`.
    plan: Plan,
}

impl SqlQuery {
    /// Runs on `engine` whatever the heuristics and configuration say.
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = Some(engine);
        self
    }

    /// The SQL text.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn tables(&self) -> Result<Tables, Error> {
        let words = table_words(&self.text);
        let mut names = Vec::new();
        let mut sources = Vec::new();
        for entity in StoredEntity::all(&self.store)? {
            let mut aliases = vec![entity.name().to_owned()];
            let directory = entity.entry.path.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
            if !directory.is_empty() && directory != entity.name() {
                aliases.push(directory.to_owned());
            }
            // Unquoted names fold to lower case in DataFusion and match as
            // written in polars: register both spellings on both.
            for lower in aliases.iter().map(|a| a.to_lowercase()).collect::<Vec<_>>() {
                if !aliases.contains(&lower) {
                    aliases.push(lower);
                }
            }
            if aliases.iter().any(|a| words.contains(&a.to_lowercase())) {
                sources.push(Source::Entity(EntitySource::stored(&entity, self.store.clone())));
                names.push(aliases);
            }
        }
        let mut sources = sources.into_iter();
        let mut plan =
            Plan::new(sources.next().unwrap_or_else(|| Source::Frame(Arc::new(DataFrame::empty()))));
        for right in sources {
            plan = plan.push(Op::Join(Box::new(Join {
                right: Plan::new(right),
                left_on: Vec::new(),
                right_on: Vec::new(),
                kind: JoinKind::Inner,
                entities: None,
                many_to_one: false,
            })));
        }
        let text = self.text.to_lowercase();
        let text: Vec<&str> = text.split_whitespace().collect();
        for _ in text.windows(2).filter(|w| w == &["group", "by"]) {
            plan = plan.push(Op::GroupBy { keys: Vec::new(), aggs: Vec::new() });
        }
        Ok(Tables { names, plan })
    }

    /// Runs the query into a polars `DataFrame`.
    pub fn collect(&self) -> Result<DataFrame, Error> {
        let tables = self.tables()?;
        let (settings, resolved, mut choice) = choose(&tables.plan, self.engine, false)?;
        let mut polars = None;
        if choice.engine.is_polars() {
            match self.runnable_on_polars(&tables, &resolved, choice.engine, &settings) {
                Ok(lf) => return collect(lf, &choice),
                Err(e) => polars = Some(self.fall_back(&mut choice, e)?),
            }
        }
        on_datafusion(&tables, &resolved, &self.text, choice.engine, &settings).map_err(|e| both(polars, e))
    }

    /// The polars `LazyFrame` of the chosen local engine (DataFusion's
    /// result, collected, on `Engine::Distributed` and `Engine::DataFusion`).
    pub fn lazy(&self) -> Result<LazyFrame, Error> {
        let tables = self.tables()?;
        let (settings, resolved, mut choice) = choose(&tables.plan, self.engine, false)?;
        let mut polars = None;
        if choice.engine.is_polars() {
            match self.runnable_on_polars(&tables, &resolved, choice.engine, &settings) {
                Ok(lf) => return Ok(lf),
                Err(e) => polars = Some(self.fall_back(&mut choice, e)?),
            }
        }
        on_datafusion(&tables, &resolved, &self.text, choice.engine, &settings)
            .map(polars::prelude::IntoLazy::lazy)
            .map_err(|e| both(polars, e))
    }

    /// The engine this query would run on, why, the figures (over the
    /// tables it names), and the chosen engine's optimized plan.
    pub fn explain(&self) -> Result<Explanation, Error> {
        let tables = self.tables()?;
        let (settings, resolved, mut choice) = choose(&tables.plan, self.engine, true)?;
        let mut plan = None;
        let mut polars = None;
        if choice.engine.is_polars() {
            match self.runnable_on_polars(&tables, &resolved, choice.engine, &settings) {
                Ok(lf) => {
                    plan = Some(
                        lf.describe_optimized_plan()
                            .map_err(|e| polars_error("explaining the SQL query", e))?,
                    )
                }
                Err(e) => polars = Some(self.fall_back(&mut choice, e)?),
            }
        }
        let plan = match plan {
            Some(plan) => plan,
            None => describe_on_datafusion(&tables, &resolved, &self.text).map_err(|e| both(polars, e))?,
        };
        let inputs = if tables.names.is_empty() { Vec::new() } else { super::input_labels(&resolved) };
        Ok(Explanation {
            choice,
            inputs,
            operations: vec![format!("sql {}", self.text)],
            columns: None,
            polars_plan: plan,
        })
    }

    /// [`polars`](Self::polars), refused when polars plans a join of large
    /// tables named in `FROM a, b` as a cross join (it could not use the
    /// join condition, as beside an `IN` subquery): that join grows as the
    /// product of the tables' rows, which no memory bound survives. Small
    /// cross joins (of two nations, say) run.
    fn runnable_on_polars(
        &self,
        tables: &Tables,
        resolved: &Resolved<'_>,
        engine: Engine,
        settings: &Settings,
    ) -> Result<LazyFrame, Error> {
        let lf = self.polars(tables, resolved, engine, settings)?;
        if !self.text.to_lowercase().contains("cross join") {
            // The memory engine's inputs may be frames in memory, whose size
            // the plan does not show: measure the plan over scans.
            let scans = if engine == Engine::Memory {
                self.polars(tables, resolved, Engine::Lazy, settings)?
            } else {
                lf.clone()
            };
            let plan =
                scans.describe_optimized_plan().map_err(|e| polars_error("planning the SQL query", e))?;
            if let Some(rows) = largest_cross_join(&plan).filter(|rows| *rows > MAX_CROSS_JOIN_ROWS) {
                return Err(QueryError::Engine {
                    context: "running SQL with polars".to_owned(),
                    message: format!(
                        "polars plans a cross join of tables listed in FROM (it cannot use their join \
                         condition here) of about {rows} rows: write the joins as `JOIN .. ON ..`, or run \
                         the query on the DataFusion engine"
                    ),
                }
                .into());
            }
        }
        Ok(lf)
    }

    /// When polars SQL cannot run the text and no engine was asked for,
    /// in-process DataFusion SQL (where compiled in) runs it instead, and
    /// `explain()` says why; otherwise the polars error stands.
    ///
    /// Returns the polars error when falling back: should DataFusion fail
    /// too (an unknown table, say), both are reported, polars' first.
    fn fall_back(&self, choice: &mut super::Choice, error: Error) -> Result<Error, Error> {
        #[cfg(feature = "distributed")]
        if self.engine.is_none() && choice.overridden_by.is_none() {
            choice.reasons.push(format!(
                "polars SQL cannot run this text ({error}); DataFusion SQL runs it on this machine"
            ));
            choice.engine = Engine::DataFusion;
            return Ok(error);
        }
        let _ = choice;
        Err(error)
    }

    /// The text planned by polars SQL over the tables' frames for `engine`.
    fn polars(
        &self,
        tables: &Tables,
        resolved: &Resolved<'_>,
        engine: Engine,
        settings: &Settings,
    ) -> Result<LazyFrame, Error> {
        let mut context = SQLContext::new();
        for (names, input) in tables.names.iter().zip(inputs(resolved)) {
            let mut lf = input.lazy(engine, None, &crate::formats::pruning::Pruning::none(), settings)?;
            // The memory engine's cached frames carry hidden dictionary codes.
            if engine == Engine::Memory {
                let coded = super::polars::codes::coded(&mut lf)?;
                lf = super::polars::codes::hide(lf, &coded);
            }
            for name in names {
                context.register(name, lf.clone());
            }
        }
        context.execute(&self.text).map_err(|e| {
            let tables: Vec<String> = tables.names.iter().flatten().cloned().collect();
            QueryError::Engine {
                context: "running SQL with polars".to_owned(),
                message: format!("{e}; tables named in the query: {}", list(&tables)),
            }
            .into()
        })
    }
}

/// DataFusion's error, after polars' when the query fell back from polars.
fn both(polars: Option<Error>, datafusion: Error) -> Error {
    match polars {
        None => datafusion,
        Some(polars) => QueryError::Engine {
            context: "running SQL".to_owned(),
            message: format!("{polars}; DataFusion SQL could not run it either: {datafusion}"),
        }
        .into(),
    }
}

/// The most rows a cross join that polars SQL planned by itself may make.
const MAX_CROSS_JOIN_ROWS: u128 = 100_000_000;

/// The largest product of the estimated rows of the two sides of a cross
/// join in a polars plan's text (`CROSS JOIN:`, `LEFT PLAN ON`, `RIGHT
/// PLAN ON`, `END CROSS JOIN` at one indentation; each side's estimate is
/// the largest `ESTIMATED ROWS` of a scan under it; a side without one,
/// such as a frame in memory, is not counted).
fn largest_cross_join(plan: &str) -> Option<u128> {
    let lines: Vec<&str> = plan.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let rows_in = |part: &[&str]| {
        part.iter()
            .filter_map(|l| l.trim().strip_prefix("ESTIMATED ROWS:"))
            .filter_map(|n| n.trim().parse::<u128>().ok())
            .max()
    };
    let mut largest = None;
    for (i, line) in lines.iter().enumerate().filter(|(_, l)| l.trim() == "CROSS JOIN:") {
        let at = indent(line);
        let same = |j: &usize, text: &str| indent(lines[*j]) == at && lines[*j].trim().starts_with(text);
        let Some(right) = (i + 1..lines.len()).find(|j| same(j, "RIGHT PLAN ON")) else { continue };
        let end = (right + 1..lines.len()).find(|j| same(j, "END CROSS JOIN")).unwrap_or(lines.len());
        if let (Some(l), Some(r)) = (rows_in(&lines[i + 1..right]), rows_in(&lines[right + 1..end])) {
            largest = largest.max(Some(l.saturating_mul(r)));
        }
    }
    largest
}

/// The words of `text` where a table can stand: after `FROM`, `JOIN` or a
/// comma, outside string literals and comments; a double-quoted name is
/// one word. Lower case.
fn table_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut previous = String::new();
    let mut chars = text.chars().peekable();
    let mut push = |word: String, previous: &mut String| {
        if matches!(previous.as_str(), "from" | "join" | ",") {
            words.push(word.clone());
        }
        *previous = word;
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                // A string literal ('' escapes a quote): not a table.
                while let Some(c) = chars.next() {
                    if c == '\'' && chars.next_if_eq(&'\'').is_none() {
                        break;
                    }
                }
                previous.clear();
            }
            '-' if chars.peek() == Some(&'-') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' | '`' => {
                let close = c;
                let word: String = chars.by_ref().take_while(|&c| c != close).collect();
                push(word.to_lowercase(), &mut previous);
            }
            ',' => previous = ",".to_owned(),
            c if c.is_alphanumeric() || c == '_' => {
                let mut word = c.to_lowercase().to_string();
                while let Some(c) = chars.next_if(|c| c.is_alphanumeric() || *c == '_') {
                    word.extend(c.to_lowercase());
                }
                push(word, &mut previous);
            }
            c if c.is_whitespace() => {}
            _ => previous.clear(),
        }
    }
    words
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none (the store's entities are tables by name)".to_owned()
    } else {
        names.join(", ")
    }
}

/// The inputs of the tables, in the plan's order.
fn inputs<'a>(resolved: &'a Resolved<'a>) -> impl Iterator<Item = &'a Input> {
    std::iter::once(&resolved.input).chain(resolved.joins.iter().map(|j| &j.input))
}

#[cfg(feature = "distributed")]
fn on_datafusion(
    tables: &Tables,
    resolved: &Resolved<'_>,
    text: &str,
    engine: Engine,
    settings: &Settings,
) -> Result<DataFrame, Error> {
    let named: Vec<(&[String], &Input)> =
        tables.names.iter().map(Vec::as_slice).zip(inputs(resolved)).collect();
    if engine == Engine::DataFusion {
        return super::distributed::collect_sql_here(&named, text);
    }
    super::distributed::collect_sql(&named, text, settings.heuristics.config())
}

#[cfg(feature = "distributed")]
fn describe_on_datafusion(tables: &Tables, resolved: &Resolved<'_>, text: &str) -> Result<String, Error> {
    let named: Vec<(&[String], &Input)> =
        tables.names.iter().map(Vec::as_slice).zip(inputs(resolved)).collect();
    super::distributed::describe_sql(&named, text)
}

#[cfg(test)]
mod tests {
    use super::table_words;

    #[test]
    fn cross_joins_are_measured_by_the_scans_under_each_side() {
        let plan = "\
SORT BY [col(\"x\")]
  CROSS JOIN:
  LEFT PLAN ON: []
    CROSS JOIN:
    LEFT PLAN ON: []
      Parquet SCAN [a]
      ESTIMATED ROWS: 25
    RIGHT PLAN ON: []
      Parquet SCAN [b]
      ESTIMATED ROWS: 25
    END CROSS JOIN
  RIGHT PLAN ON: []
    DF [\"c\"]
  END CROSS JOIN
  INNER JOIN:
  LEFT PLAN ON: [col(\"k\")]
    ESTIMATED ROWS: 1000000
  RIGHT PLAN ON: [col(\"k\")]
    ESTIMATED ROWS: 1000000
  END INNER JOIN";
        // The inner cross join: 25 x 25; the outer one has a side of unknown size.
        assert_eq!(super::largest_cross_join(plan), Some(625));
        assert_eq!(super::largest_cross_join("INNER JOIN:"), None);
    }

    #[test]
    fn tables_are_the_words_after_from_join_and_commas() {
        let words = table_words(
            "SELECT o.total, 'from users' AS s -- from comments\n FROM Orders o JOIN \"my-items\" i ON o.id = i.id, \
             /* from nowhere */ Parts ORDER BY o.total",
        );
        assert_eq!(words, ["orders", "my-items", "parts"]);
        assert!(table_words("SELECT a, b FROM t").contains(&"b".to_owned()));
        assert_eq!(table_words("SELECT 'it''s', x FROM \"Order\""), ["x", "order"]);
    }
}

#[cfg(not(feature = "distributed"))]
fn on_datafusion(_: &Tables, _: &Resolved<'_>, _: &str, _: Engine, _: &Settings) -> Result<DataFrame, Error> {
    Err(super::not_compiled())
}

#[cfg(not(feature = "distributed"))]
fn describe_on_datafusion(_: &Tables, _: &Resolved<'_>, _: &str) -> Result<String, Error> {
    Err(super::not_compiled())
}
