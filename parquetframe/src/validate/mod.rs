//! Foreign-key integrity: `store.validate()` over every relation of every
//! linked entity, and the `fk_check = "on_save"` check before a save.
//!
//! Both read key columns only (projected, in parallel by row group), build
//! one key set per referenced entity and probe the foreign-key columns
//! against it: a columnar anti-join. No entity is built as a struct.

#[cfg(feature = "distributed")]
pub(crate) mod cluster;
pub(crate) mod keys;
mod report;

use std::collections::{BTreeSet, HashMap};

use arrow::array::ArrayRef;

pub use report::{EntityCheck, RelationCheck, ValidationReport};

use crate::entity::Entity;
use crate::error::{Error, RelationError};
use crate::graph::SchemaGraph;
use crate::registry::Columns;
use crate::registry::{self, EntityInfo};
use crate::storage::{Store, StoredEntity, catalog};
use crate::ux::progress::Progress;
use crate::ux::trace::Operation;
use keys::{KeySet, probe_all};
use tracing::field::Empty;

/// When foreign keys are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FkCheck {
    /// Only by [`Store::validate`] (the default): saves never read other entities.
    #[default]
    Deferred,
    /// Every save checks that the foreign keys of its rows name live parents,
    /// and fails before writing anything when one does not.
    OnSave,
}

impl std::str::FromStr for FkCheck {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "deferred" => Ok(FkCheck::Deferred),
            "on_save" => Ok(FkCheck::OnSave),
            other => Err(format!("unknown fk_check `{other}`: expected \"deferred\" or \"on_save\"")),
        }
    }
}

fn single(mut columns: Vec<Vec<ArrayRef>>) -> Vec<ArrayRef> {
    columns.pop().unwrap_or_default()
}

/// Reads columns of an entity's live rows.
type ScanFn<'a> = dyn Fn(&Store, &[&str]) -> Result<Columns, Error> + Send + Sync + 'a;

/// One entity to check: its key, its foreign keys, and how to read columns.
pub(crate) struct Checked<'a> {
    name: &'a str,
    primary_key: &'a str,
    /// (column, target, required)
    relations: Vec<(&'a str, &'a str, bool)>,
    scan: Box<ScanFn<'a>>,
}

/// Validates every relation of the entities linked into the program that the
/// store holds (and the entities they reference).
pub(crate) fn validate(store: &Store, placement: Placement) -> Result<ValidationReport, Error> {
    let linked = registry::entities();
    let graph = SchemaGraph::from_entities(&linked);
    let order: Vec<&'static EntityInfo> = match graph.topological_order() {
        Ok(names) => names.iter().filter_map(|n| linked.iter().find(|e| e.name == *n).copied()).collect(),
        Err(_) => linked.clone(), // a cycle of required keys: check in name order
    };
    let catalog = catalog::read(store.root())?;
    // The entities this store holds, and the ones they reference.
    let stored = |e: &EntityInfo| catalog.entities.contains_key(e.name);
    let order: Vec<Checked<'static>> = order
        .iter()
        .copied()
        .filter(|e| {
            stored(e) || order.iter().any(|c| stored(c) && c.relations.iter().any(|r| r.target == e.name))
        })
        .map(|e| Checked {
            name: e.name,
            primary_key: e.primary_key,
            relations: e.relations.iter().map(|r| (r.column, r.target, r.required)).collect(),
            scan: Box::new(e.scan),
        })
        .collect();
    let known: BTreeSet<&str> =
        linked.iter().map(|e| e.name).chain(catalog.entities.keys().map(String::as_str)).collect();
    let unknown_entities: Vec<String> =
        catalog.entities.keys().filter(|n| !linked.iter().any(|e| e.name == n.as_str())).cloned().collect();
    check(store, &order, &catalog, &known, unknown_entities, placement)
}

/// Where validation runs: here, or on the cluster (feature `distributed`).
#[cfg(feature = "distributed")]
pub(crate) use cluster::Placement;

/// Where validation runs (this build has no distributed engine: here).
#[cfg(not(feature = "distributed"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// Here.
    Auto,
}

/// Validates every relation the store's catalog records, without the Rust
/// types (what `pframe validate` runs).
pub(crate) fn validate_catalog(store: &Store, placement: Placement) -> Result<ValidationReport, Error> {
    let catalog = catalog::read(store.root())?;
    let entities = StoredEntity::all(store)?;
    let order: Vec<&StoredEntity> = match SchemaGraph::from_catalog(&catalog).topological_order() {
        Ok(names) => names.iter().filter_map(|n| entities.iter().find(|e| e.name() == *n)).collect(),
        Err(_) => entities.iter().collect(),
    };
    let order: Vec<Checked<'_>> = order
        .into_iter()
        .map(|e| Checked {
            name: e.name(),
            primary_key: &e.entry.primary_key,
            relations: e
                .entry
                .relations
                .iter()
                .map(|r| (r.column.as_str(), r.target.as_str(), r.required))
                .collect(),
            scan: Box::new(move |store: &Store, columns: &[&str]| e.columns(store, columns)),
        })
        .collect();
    let known: BTreeSet<&str> = catalog.entities.keys().map(String::as_str).collect();
    check(store, &order, &catalog, &known, Vec::new(), placement)
}

/// The key sets of `order`, probed by each of their foreign keys.
fn check(
    store: &Store,
    order: &[Checked<'_>],
    catalog: &catalog::Catalog,
    known: &BTreeSet<&str>,
    unknown_entities: Vec<String>,
    placement: Placement,
) -> Result<ValidationReport, Error> {
    let op = Operation::start(tracing::info_span!(
        "validate",
        entities = order.len(),
        relations = Empty,
        orphans = Empty,
        cluster = Empty,
        duration_ms = Empty
    ));
    let _entered = op.span().enter();
    let config = store.resolved()?;
    #[cfg(feature = "distributed")]
    if let Some(report) =
        cluster::validate(store, order, catalog, known, &unknown_entities, &config.config, placement)?
    {
        op.record("cluster", report.ran_on.as_deref().unwrap_or_default());
        op.record("relations", report.relations.len());
        op.record("orphans", report.orphans());
        return Ok(report);
    }
    #[cfg(not(feature = "distributed"))]
    let Placement::Auto = placement;
    crate::threads::run(config.config.performance.threads, op.span(), || {
        check_keys(store, order, catalog, known, unknown_entities, &op, config.config.ux.progress)
    })
}

fn check_keys(
    store: &Store,
    order: &[Checked<'_>],
    catalog: &catalog::Catalog,
    known: &BTreeSet<&str>,
    unknown_entities: Vec<String>,
    op: &Operation,
    progress: crate::config::ProgressSetting,
) -> Result<ValidationReport, Error> {
    let progress = Progress::new("validate", 0, progress);
    let mut unknown_targets = Vec::new();
    for entry in catalog.entities.values() {
        for r in &entry.relations {
            if !known.contains(r.target.as_str()) {
                unknown_targets.push(format!("{}.{} -> {}", entry.name, r.column, r.target));
            }
        }
    }

    let keys_span = tracing::debug_span!("keys").entered();
    let primary: Vec<Vec<ArrayRef>> =
        order.iter().map(|e| (e.scan)(store, &[e.primary_key]).map(single)).collect::<Result<_, Error>>()?;
    let mut sets: HashMap<&str, KeySet<'_>> = HashMap::new();
    let mut entities = Vec::with_capacity(order.len());
    for (e, arrays) in order.iter().zip(&primary) {
        let built = KeySet::build(arrays).map_err(|u| u.error(e.name, e.primary_key))?;
        entities.push(EntityCheck {
            entity: e.name.to_owned(),
            rows: built.keys + built.nulls,
            duplicate_keys: built.duplicates,
            duplicate_sample: built.duplicate_sample,
        });
        sets.insert(e.name, built.set);
        progress.inc(
            arrays.iter().map(|a| a.len() as u64).sum(),
            arrays.iter().map(|a| a.get_array_memory_size() as u64).sum(),
        );
    }
    drop(keys_span);
    let _probe = tracing::debug_span!("probe").entered();

    let mut relations = Vec::new();
    for e in order {
        for &(column, target, required) in &e.relations {
            let fk = single((e.scan)(store, &[column])?);
            let Some(set) = sets.get(target) else {
                let missing = format!("{}.{column} -> {target}", e.name);
                if !unknown_targets.contains(&missing) {
                    unknown_targets.push(missing);
                }
                continue;
            };
            let probe = probe_all(set, &fk).map_err(|u| u.error(e.name, column))?;
            progress.inc(probe.rows as u64, fk.iter().map(|a| a.get_array_memory_size() as u64).sum());
            relations.push(RelationCheck {
                entity: e.name.to_owned(),
                column: column.to_owned(),
                target: target.to_owned(),
                required,
                rows: probe.rows,
                orphans: probe.missing,
                orphan_sample: probe.sample,
                nulls: probe.nulls,
            });
        }
    }
    op.record("relations", relations.len());
    op.record("orphans", relations.iter().map(|r| r.orphans).sum::<usize>());
    Ok(ValidationReport { entities, relations, unknown_entities, unknown_targets, ran_on: None })
}

/// With `fk_check = "on_save"`: fails when a foreign key of `rows` names no
/// live parent (rows of `rows` count as parents of a self relation).
pub(crate) fn check_parents<T: Entity>(store: &Store, rows: &[T]) -> Result<(), Error> {
    for (index, relation) in T::RELATIONS.iter().enumerate() {
        let fk = T::foreign_key_column(index, rows)?;
        let parent = registry::entity(relation.target).ok_or_else(|| RelationError::NotLinked {
            entity: relation.target.to_owned(),
            context: format!("target of `{}.{}`", T::ENTITY_NAME, relation.column),
        })?;
        let mut keys = single((parent.scan)(store, &[parent.primary_key])?);
        if relation.target == T::ENTITY_NAME {
            keys.push(crate::convert::key_column::<T>(rows.iter().map(|r| r.key()), rows.len())?);
        }
        let built = KeySet::build(&keys).map_err(|u| u.error(parent.name, parent.primary_key))?;
        let probe = probe_all(&built.set, &[fk]).map_err(|u| u.error(T::ENTITY_NAME, relation.column))?;
        if probe.missing > 0 {
            return Err(RelationError::MissingParents {
                entity: T::ENTITY_NAME,
                column: relation.column,
                target: relation.target,
                missing: probe.missing,
                sample: probe.sample,
            }
            .into());
        }
    }
    Ok(())
}
