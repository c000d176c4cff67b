//! `store.validate()` on the cluster: duplicate primary keys and orphan
//! foreign keys as DataFusion queries (a group-by per entity, an anti-join
//! per relation), so no key set has to fit on this machine. The report is
//! the one the local check gives.

use polars::prelude::{DataFrame, DataType as PlType};

use super::{CheckedRelation, EntityCheck, RelationCheck};
use crate::config::EngineConfig;
use crate::engine::distributed::datafusion_error;
use crate::engine::expr::{col, len};
use crate::engine::plan::{Join, JoinKind, Op, Plan};
use crate::engine::source::{EntitySource, Source};
use crate::error::Error;
use crate::storage::keys::{SAMPLES, format_value};
use crate::storage::{Store, StoredEntity};

/// One entity to check on the cluster.
pub(crate) struct ClusterEntity<'a> {
    pub name: &'a str,
    /// The primary key's columns.
    pub key_columns: &'static [&'static str],
    /// `None`: not in the store (no rows).
    pub stored: Option<StoredEntity>,
    pub relations: Vec<CheckedRelation<'a>>,
}

fn source(store: &Store, e: &StoredEntity) -> Source {
    Source::Entity(EntitySource::stored(e, store.clone()))
}

fn run(plan: &Plan, config: &EngineConfig) -> Result<DataFrame, Error> {
    let resolved = plan.resolve()?;
    crate::engine::distributed::collect(&resolved, config)
}

/// The first row of `column` as a count.
fn count(df: &DataFrame, column: &str) -> Result<usize, Error> {
    let c = df
        .column(column)
        .and_then(|c| c.cast(&PlType::UInt64))
        .map_err(|e| datafusion_error("reading a count", e))?;
    let v = c.u64().map_err(|e| datafusion_error("reading a count", e))?.get(0).unwrap_or(0);
    usize::try_from(v).map_err(|e| datafusion_error("reading a count", e))
}

/// Up to `SAMPLES` values of `columns` (a key of one or several columns),
/// formatted as the local check does.
fn sample(df: &DataFrame, columns: &[&str]) -> Result<Vec<String>, Error> {
    let frame = df.select(columns.iter().copied()).map_err(|e| datafusion_error("reading a sample", e))?;
    let batch = crate::engine::bridge::to_batch(&frame)?;
    let array = match columns {
        [_] => batch.column(0).clone(),
        _ => crate::entity::primary_key::struct_of(columns, batch.columns().to_vec())?,
    };
    Ok((0..array.len().min(SAMPLES)).map(|i| format_value(array.as_ref(), i)).collect())
}

/// Rows and duplicate keys of each entity, and every relation whose target
/// is among `entities`, on the cluster.
pub(crate) fn check(
    store: &Store,
    entities: &[ClusterEntity<'_>],
    config: &EngineConfig,
) -> Result<(Vec<EntityCheck>, Vec<RelationCheck>), Error> {
    let mut checks = Vec::with_capacity(entities.len());
    for e in entities {
        let Some(stored) = &e.stored else {
            checks.push(EntityCheck {
                entity: e.name.to_owned(),
                rows: 0,
                duplicate_keys: 0,
                duplicate_sample: Vec::new(),
            });
            continue;
        };
        let rows =
            count(&run(&Plan::new(source(store, stored)).push(Op::Select(vec![len()])), config)?, "len")?;
        let keys: Vec<_> = e.key_columns.iter().map(|c| col(*c)).collect();
        let plan = without_nulls(Plan::new(source(store, stored)), e.key_columns);
        let repeated = run(
            &plan.push(Op::GroupBy { keys, aggs: vec![len().alias("n")] }).push(Op::Filter(col("n").gt(1))),
            config,
        )?;
        let extra = repeated
            .column("n")
            .and_then(|c| c.cast(&PlType::UInt64))
            .and_then(|c| c.as_materialized_series().sum::<u64>())
            .map_err(|e| datafusion_error("counting duplicate keys", e))?;
        checks.push(EntityCheck {
            entity: e.name.to_owned(),
            rows,
            duplicate_keys: usize::try_from(extra).unwrap_or(usize::MAX).saturating_sub(repeated.height()),
            duplicate_sample: sample(&repeated, e.key_columns)?,
        });
    }
    let mut relations = Vec::new();
    for e in entities {
        for r in &e.relations {
            let (column, target, required) = (r.column, r.target, r.required);
            let Some(parent) = entities.iter().find(|p| p.name == target) else { continue };
            let Some(child) = &e.stored else {
                relations.push(RelationCheck {
                    entity: e.name.to_owned(),
                    column: column.to_owned(),
                    target: target.to_owned(),
                    required,
                    rows: 0,
                    orphans: 0,
                    orphan_sample: Vec::new(),
                    nulls: 0,
                });
                continue;
            };
            // The entity's rows were counted above; a key is present when
            // none of its columns is null.
            let rows = checks.iter().find(|c| c.entity == e.name).map_or(0, |c| c.rows);
            let keyed = present(store, child, &r.columns).push(Op::Select(vec![len()]));
            let keyed = count(&run(&keyed, config)?, "len")?;
            let orphans = orphans(store, child, &r.columns, parent)?;
            let orphan_rows = count(&run(&orphans.clone().push(Op::Select(vec![len()])), config)?, "len")?;
            let orphan_sample = if orphan_rows == 0 {
                Vec::new()
            } else {
                let first = u64::try_from(SAMPLES).unwrap_or(5);
                sample(&run(&orphans.push(Op::Slice { offset: 0, len: Some(first) }), config)?, &r.columns)?
            };
            relations.push(RelationCheck {
                entity: e.name.to_owned(),
                column: column.to_owned(),
                target: target.to_owned(),
                required,
                rows,
                orphans: orphan_rows,
                orphan_sample,
                nulls: rows.saturating_sub(keyed),
            });
        }
    }
    Ok((checks, relations))
}

/// The rows of `plan` where none of `columns` is null (a key with no null part).
fn without_nulls(plan: Plan, columns: &[&str]) -> Plan {
    match columns.iter().map(|c| col(*c).is_not_null()).reduce(|a, b| a.and(b)) {
        Some(not_null) => plan.push(Op::Filter(not_null)),
        None => plan,
    }
}

/// The foreign keys of `child` (over `columns`) with no null part.
fn present(store: &Store, child: &StoredEntity, columns: &[&str]) -> Plan {
    without_nulls(Plan::new(source(store, child)), columns)
        .push(Op::Select(columns.iter().map(|c| col(*c)).collect()))
}

/// The non-null foreign keys of `child` (over `columns`, in the order of
/// `parent`'s key columns) that name no live row of `parent`.
fn orphans(
    store: &Store,
    child: &StoredEntity,
    columns: &[&str],
    parent: &ClusterEntity<'_>,
) -> Result<Plan, Error> {
    let base = present(store, child, columns);
    let Some(stored_parent) = &parent.stored else {
        // No parent rows: every non-null key is an orphan.
        return Ok(base);
    };
    if parent.key_columns.len() != columns.len() {
        return Err(crate::error::RelationError::KeyType {
            entity: parent.name.to_owned(),
            column: parent.key_columns.join(", "),
            data_type: arrow::datatypes::DataType::Struct(Default::default()),
        }
        .into());
    }
    let keys = Plan::new(source(store, stored_parent))
        .push(Op::Select(parent.key_columns.iter().map(|c| col(*c)).collect()));
    Ok(base.push(Op::Join(Box::new(Join {
        right: keys,
        left_on: columns.iter().map(|c| (*c).to_owned()).collect(),
        right_on: parent.key_columns.iter().map(|c| (*c).to_owned()).collect(),
        kind: JoinKind::Anti,
        entities: None,
        many_to_one: true,
    }))))
}
