//! Whether `store.validate()` runs on the cluster (feature `distributed`),
//! and running it there.

use std::collections::BTreeSet;

use super::on_cluster::{ClusterEntity, check};
use super::{Checked, ValidationReport};
use crate::config::{ClusterAddress, Config};
use crate::error::Error;
use crate::storage::{Store, StoredEntity, catalog};

/// Where validation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// On the cluster when the key columns exceed
    /// `engine.distributed_threshold_mb` and a cluster answers.
    Auto,
    /// On the cluster, or an error saying why not.
    Cluster,
}

/// The report, computed on the cluster, or `None` to check here.
pub(crate) fn validate(
    store: &Store,
    order: &[Checked<'_>],
    catalog: &catalog::Catalog,
    known: &BTreeSet<&str>,
    unknown_entities: &[String],
    config: &Config,
    placement: Placement,
) -> Result<Option<ValidationReport>, Error> {
    let entities: Vec<ClusterEntity<'_>> = order
        .iter()
        .map(|e| {
            let stored = if catalog.entities.contains_key(e.name) {
                Some(StoredEntity::open(store, e.name)?)
            } else {
                None
            };
            Ok(ClusterEntity {
                name: e.name,
                key_columns: e.key_columns,
                stored,
                relations: e.relations.clone(),
            })
        })
        .collect::<Result<_, Error>>()?;
    if store.is_remote() && !store.location().to_string().starts_with("s3://") {
        // The executors read local stores only so far: a store in a bucket
        // is checked here, or refused when the cluster was asked for.
        return match placement {
            Placement::Auto => Ok(None),
            Placement::Cluster => Err(crate::error::QueryError::Engine {
                context: "validating on the cluster".into(),
                message: format!(
                    "the store `{}` is in a bucket the cluster's executors cannot open (they read local \
                     stores and s3:// buckets); validate here with `store.validate()`",
                    store.location()
                ),
            }
            .into()),
        };
    }
    if placement == Placement::Auto && !worth_it(store, &entities, config)? {
        return Ok(None);
    }
    let address = crate::engine::distributed::cluster(&config.engine)?;
    let (entity_checks, relations) = check(store, &entities, &config.engine)?;
    let mut unknown_targets = Vec::new();
    for e in order {
        for r in &e.relations {
            let target = r.target;
            if !known.contains(target) || !order.iter().any(|c| c.name == target) {
                let missing = format!("{}.{} -> {target}", e.name, r.column);
                if !unknown_targets.contains(&missing) {
                    unknown_targets.push(missing);
                }
            }
        }
    }
    Ok(Some(ValidationReport {
        entities: entity_checks,
        relations,
        unknown_entities: unknown_entities.to_vec(),
        unknown_targets,
        ran_on: Some(address.url()),
    }))
}

/// Whether the key and foreign-key columns exceed the threshold and a
/// Parquet-only store meets a configured, answering cluster.
fn worth_it(store: &Store, entities: &[ClusterEntity<'_>], config: &Config) -> Result<bool, Error> {
    let threshold = config.engine.distributed_threshold_mb.saturating_mul(1 << 20);
    if ClusterAddress::parse(&config.engine.cluster).ok().flatten().is_none() {
        return Ok(false);
    }
    let mut bytes = 0u64;
    for e in entities {
        let Some(stored) = &e.stored else { continue };
        let live = stored.live_files(store)?;
        let columns: Vec<&str> = e
            .key_columns
            .iter()
            .copied()
            .chain(e.relations.iter().flat_map(|r| r.columns.iter().copied()))
            .collect();
        bytes += live
            .column_bytes
            .iter()
            .filter(|(n, _)| columns.contains(&n.as_str()))
            .map(|(_, b)| b)
            .sum::<u64>();
    }
    if bytes <= threshold {
        return Ok(false);
    }
    let answers = crate::engine::distributed::cluster(&config.engine).is_ok();
    if !answers {
        tracing::warn!(
            target: "parquetframe::validate",
            bytes,
            cluster = %config.engine.cluster,
            "the key columns exceed engine.distributed_threshold_mb but the cluster does not answer: validating here"
        );
    }
    Ok(answers)
}
