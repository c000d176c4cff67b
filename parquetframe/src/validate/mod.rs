//! Foreign-key integrity: `store.validate()` over every relation of every
//! linked entity, and the `fk_check = "on_save"` check before a save.
//!
//! Both read key columns only (projected, in parallel by row group), build
//! one key set per referenced entity and probe the foreign-key columns
//! against it: a columnar anti-join. No entity is built as a struct.

#[cfg(feature = "distributed")]
pub(crate) mod cluster;
#[cfg(feature = "distributed")]
mod on_cluster;
mod report;

use std::collections::{BTreeSet, HashMap};

use arrow::array::ArrayRef;

pub use crate::config::FkCheck;
pub use report::{EntityCheck, RelationCheck, ValidationReport};

use crate::entity::linked::{self, EntityInfo};
use crate::entity::primary_key::key_chunks;
use crate::error::Error;
use crate::graph::SchemaGraph;
use crate::storage::erased::{self, Columns};
use crate::storage::keys::{KeySet, probe_all};
use crate::storage::{Store, StoredEntity, catalog};
use crate::ux::progress::Progress;
use crate::ux::trace::Operation;
use tracing::field::Empty;

/// Validation, called on a store: the methods live with the validation they
/// run, on the floor above the store.
impl Store {
    /// Checks foreign-key integrity: for every relation of every entity linked
    /// into the program, the rows whose key names no live parent (orphans,
    /// with sample keys), null keys in required relations, and duplicate
    /// primary keys. Reads key columns only, in parallel; builds no structs.
    ///
    /// ```no_run
    /// # let store = parquetframe::Store::open("data")?;
    /// let report = store.validate()?;
    /// if !report.is_ok() {
    ///     eprintln!("{report}");
    /// }
    /// # Ok::<(), parquetframe::Error>(())
    /// ```
    ///
    /// With the feature `distributed` and a cluster configured
    /// (`engine.cluster`), key columns larger than
    /// `engine.distributed_threshold_mb` are checked on the cluster instead
    /// (a group-by per entity, an anti-join per relation); the report says
    /// where it ran ([`ValidationReport::ran_on`]).
    pub fn validate(&self) -> Result<ValidationReport, Error> {
        validate(self, Placement::Auto)
    }

    /// [`validate`](Self::validate) from the catalog alone: every relation
    /// the catalog records, without the Rust types being linked (what
    /// `pframe validate` runs). Entities that are in no catalog are unknown.
    pub fn validate_catalog(&self) -> Result<ValidationReport, Error> {
        validate_catalog(self, Placement::Auto)
    }

    /// [`validate`](Self::validate) on the cluster whatever the sizes: an
    /// error says why when no cluster is configured or answers (feature
    /// `distributed`).
    #[cfg(feature = "distributed")]
    pub fn validate_on_cluster(&self) -> Result<ValidationReport, Error> {
        validate(self, Placement::Cluster)
    }

    /// [`validate_catalog`](Self::validate_catalog) on the cluster (see
    /// [`validate_on_cluster`](Self::validate_on_cluster)).
    #[cfg(feature = "distributed")]
    pub fn validate_catalog_on_cluster(&self) -> Result<ValidationReport, Error> {
        validate_catalog(self, Placement::Cluster)
    }
}

fn single(mut columns: Vec<Vec<ArrayRef>>) -> Vec<ArrayRef> {
    columns.pop().unwrap_or_default()
}

/// Reads columns of an entity's live rows.
type ScanFn<'a> = dyn Fn(&Store, &[&str]) -> Result<Columns, Error> + Send + Sync + 'a;

/// A relation to check, from the linked entities or the store's catalog.
#[derive(Clone)]
pub(crate) struct CheckedRelation<'a> {
    /// The foreign-key column, or `(a, b)` for a key over several (for reports).
    pub column: &'a str,
    /// The foreign-key columns, in the target's key order.
    pub columns: Vec<&'a str>,
    /// The referenced entity.
    pub target: &'a str,
    /// Whether every row must reference a parent.
    pub required: bool,
}

/// One entity to check: its key, its foreign keys, and how to read columns.
pub(crate) struct Checked<'a> {
    name: &'a str,
    /// The key's name (a column, or `(a, b)`), for messages.
    primary_key: &'a str,
    /// The key's columns (the cluster groups by them).
    #[cfg_attr(not(feature = "distributed"), allow(dead_code))]
    key_columns: &'static [&'static str],
    relations: Vec<CheckedRelation<'a>>,
    scan: Box<ScanFn<'a>>,
    /// The primary keys (one array per chunk), then the columns asked for.
    scan_keys: Box<ScanFn<'a>>,
}

/// Validates every relation of the entities linked into the program that the
/// store holds (and the entities they reference).
pub(crate) fn validate(store: &Store, placement: Placement) -> Result<ValidationReport, Error> {
    let linked = linked::entities();
    let graph = SchemaGraph::from_entities(&linked);
    let order: Vec<&'static EntityInfo> = match graph.topological_order() {
        Ok(names) => names.iter().filter_map(|n| linked.iter().find(|e| e.name == *n).copied()).collect(),
        Err(_) => linked.clone(), // a cycle of required keys: check in name order
    };
    let catalog = catalog::read(store.location())?;
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
            key_columns: e.key_columns,
            relations: e
                .relations
                .iter()
                .map(|r| CheckedRelation {
                    column: r.column,
                    columns: r.columns.to_vec(),
                    target: r.target,
                    required: r.required,
                })
                .collect(),
            scan: Box::new(move |store: &Store, columns: &[&str]| erased::ops(e)?.scan(store, columns)),
            scan_keys: Box::new(move |store: &Store, columns: &[&str]| {
                erased::ops(e)?.scan_keys(store, columns)
            }),
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
    let catalog = catalog::read(store.location())?;
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
            key_columns: e.key_columns(),
            relations: e
                .entry
                .relations
                .iter()
                .map(|r| CheckedRelation {
                    column: &r.column,
                    columns: r.key_columns(),
                    target: &r.target,
                    required: r.required,
                })
                .collect(),
            scan: Box::new(move |store: &Store, columns: &[&str]| e.columns(store, columns)),
            scan_keys: Box::new(move |store: &Store, columns: &[&str]| e.keys_and_columns(store, columns)),
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
        order.iter().map(|e| (e.scan_keys)(store, &[]).map(single)).collect::<Result<_, Error>>()?;
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
        for r in &e.relations {
            let (column, target, required) = (r.column, r.target, r.required);
            let Some(set) = sets.get(target) else {
                let missing = format!("{}.{column} -> {target}", e.name);
                if !unknown_targets.contains(&missing) {
                    unknown_targets.push(missing);
                }
                continue;
            };
            // A key over several columns probes as a struct of its columns.
            let fk = key_chunks(&r.columns, (e.scan)(store, &r.columns)?, e.name)?;
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
