//! What `store.validate()` found, and its printed table.

use std::fmt;

/// The primary-key check of one entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityCheck {
    /// The entity.
    pub entity: String,
    /// Live rows.
    pub rows: usize,
    /// Live rows whose primary key another live row also has (each repeat counts).
    pub duplicate_keys: usize,
    /// Some of those keys.
    pub duplicate_sample: Vec<String>,
}

/// The check of one relation: do the foreign keys name live parents?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationCheck {
    /// The referencing entity.
    pub entity: String,
    /// Its foreign-key column.
    pub column: String,
    /// The referenced entity.
    pub target: String,
    /// Whether the relation is required (non-`Option` field).
    pub required: bool,
    /// Live rows checked.
    pub rows: usize,
    /// Rows whose foreign key names no live parent.
    pub orphans: usize,
    /// Some orphan foreign-key values.
    pub orphan_sample: Vec<String>,
    /// Rows with a null foreign key (a problem only when `required`).
    pub nulls: usize,
}

impl RelationCheck {
    /// Whether this relation holds: no orphans, no nulls in a required key.
    pub fn is_ok(&self) -> bool {
        self.orphans == 0 && !(self.required && self.nulls > 0)
    }
}

/// Foreign-key integrity of a store: every relation of every entity linked
/// into the program (see [`Store::validate`](crate::Store::validate)).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationReport {
    /// One per linked entity, parents before children.
    pub entities: Vec<EntityCheck>,
    /// One per relation, in the order of `entities`.
    pub relations: Vec<RelationCheck>,
    /// Entities in the store's catalog that are not linked into this
    /// program: their rows were not checked.
    pub unknown_entities: Vec<String>,
    /// Relations whose target entity is neither linked nor in the catalog
    /// (`entity.column -> target`).
    pub unknown_targets: Vec<String>,
    /// Where the checks ran: `None` on this machine, or the address of the
    /// cluster (feature `distributed`).
    pub ran_on: Option<String>,
}

impl ValidationReport {
    /// No orphans, no nulls in required keys, no duplicate primary keys, and
    /// no relation to an unknown entity.
    pub fn is_ok(&self) -> bool {
        self.problems() == 0
    }

    /// How many checks failed.
    pub fn problems(&self) -> usize {
        self.entities.iter().filter(|e| e.duplicate_keys > 0).count()
            + self.relations.iter().filter(|r| !r.is_ok()).count()
            + self.unknown_targets.len()
    }

    /// Orphan rows over all relations.
    pub fn orphans(&self) -> usize {
        self.relations.iter().map(|r| r.orphans).sum()
    }

    /// The check of relation `entity.column`.
    pub fn relation(&self, entity: &str, column: &str) -> Option<&RelationCheck> {
        self.relations.iter().find(|r| r.entity == entity && r.column == column)
    }

    /// The check of entity `entity`.
    pub fn entity(&self, entity: &str) -> Option<&EntityCheck> {
        self.entities.iter().find(|e| e.entity == entity)
    }
}

/// Columns padded to their widest cell.
fn table(f: &mut fmt::Formatter<'_>, rows: &[Vec<String>]) -> fmt::Result {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            line.push_str(&format!("{cell:<width$}  "));
        }
        writeln!(f, "  {}", line.trim_end())?;
    }
    Ok(())
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let problems = self.problems();
        match problems {
            0 => writeln!(f, "validation: ok")?,
            1 => writeln!(f, "validation: 1 problem")?,
            n => writeln!(f, "validation: {n} problems")?,
        }
        if let Some(cluster) = &self.ran_on {
            writeln!(f, "checked on the cluster at {cluster}")?;
        }
        let mut rows = vec![vec!["entity".into(), "rows".into(), "duplicate keys".into(), "status".into()]];
        for e in &self.entities {
            let status = if e.duplicate_keys == 0 {
                "ok".to_owned()
            } else {
                format!("DUPLICATE KEYS e.g. {}", e.duplicate_sample.join(", "))
            };
            rows.push(vec![e.entity.clone(), e.rows.to_string(), e.duplicate_keys.to_string(), status]);
        }
        writeln!(f)?;
        table(f, &rows)?;
        if !self.relations.is_empty() {
            let mut rows = vec![vec![
                "relation".into(),
                "required".into(),
                "rows".into(),
                "orphans".into(),
                "null keys".into(),
                "status".into(),
            ]];
            for r in &self.relations {
                let status = match (r.orphans, r.required && r.nulls > 0) {
                    (0, false) => "ok".to_owned(),
                    (0, true) => "NULL IN REQUIRED KEY".to_owned(),
                    (_, nulls) => format!(
                        "ORPHANS e.g. {}{}",
                        r.orphan_sample.join(", "),
                        if nulls { "; NULL IN REQUIRED KEY" } else { "" }
                    ),
                };
                rows.push(vec![
                    format!("{}.{} -> {}", r.entity, r.column, r.target),
                    if r.required { "yes" } else { "no" }.into(),
                    r.rows.to_string(),
                    r.orphans.to_string(),
                    r.nulls.to_string(),
                    status,
                ]);
            }
            writeln!(f)?;
            table(f, &rows)?;
        }
        if !self.unknown_targets.is_empty() {
            writeln!(f, "\n  relations to unknown entities: {}", self.unknown_targets.join(", "))?;
        }
        if !self.unknown_entities.is_empty() {
            writeln!(
                f,
                "\n  not checked (in the catalog, not linked into this program): {}",
                self.unknown_entities.join(", ")
            )?;
        }
        Ok(())
    }
}
