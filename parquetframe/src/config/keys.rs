//! Every configuration key: its environment variable and what it does. The
//! one list that unknown-key checks, origins, `pframe config` and
//! `docs/configuration.md` follow.

/// One configuration key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyInfo {
    /// Dotted key, `section.name` (the TOML table and key).
    pub key: &'static str,
    /// The environment variable that sets it.
    pub env: &'static str,
    /// What it does, one line.
    pub doc: &'static str,
}

const fn key(key: &'static str, env: &'static str, doc: &'static str) -> KeyInfo {
    KeyInfo { key, env, doc }
}

/// Every key, in documentation order.
pub const KEYS: &[KeyInfo] = &[
    key(
        "store.root",
        "PARQUETFRAME_ROOT",
        "root directory of the default store (relative to the file that sets it)",
    ),
    key(
        "store.format",
        "PARQUETFRAME_FORMAT",
        "file format of entities without #[entity(format)] when first saved: parquet or avro",
    ),
    key(
        "store.codec",
        "PARQUETFRAME_CODEC",
        "compression: null, snappy, zstandard; Avro also deflate, bzip2, xz",
    ),
    key("store.zstd_level", "PARQUETFRAME_ZSTD_LEVEL", "zstandard level (0 writes uncompressed)"),
    key(
        "store.row_group_size",
        "PARQUETFRAME_ROW_GROUP_SIZE",
        "rows per Parquet row group / Avro block group",
    ),
    key(
        "store.compact_max_files",
        "PARQUETFRAME_COMPACT_MAX_FILES",
        "above this many live files a commit compacts the newest small ones",
    ),
    key(
        "store.retention_hours",
        "PARQUETFRAME_RETENTION_HOURS",
        "hours a replaced file stays for readers of older versions before vacuum removes it",
    ),
    key("store.fk_check", "PARQUETFRAME_FK_CHECK", "when foreign keys are checked: deferred or on_save"),
    key(
        "store.endpoint",
        "PARQUETFRAME_ENDPOINT",
        "object storage endpoint (an S3-compatible server, Azure); empty: the cloud's own",
    ),
    key("store.region", "PARQUETFRAME_REGION", "object storage region (S3); empty: AWS_REGION"),
    key("store.allow_http", "PARQUETFRAME_ALLOW_HTTP", "allow plain http:// object storage endpoints"),
    key(
        "store.options",
        "PARQUETFRAME_STORE_OPTIONS",
        "more options of the bucket's client, a table of object_store keys (secrets shown masked)",
    ),
    key(
        "engine.default",
        "PARQUETFRAME_ENGINE",
        "query engine: auto, memory, lazy, streaming or distributed",
    ),
    key(
        "engine.memory_threshold_mb",
        "PARQUETFRAME_MEMORY_THRESHOLD_MB",
        "auto: inputs up to this size (MiB, after projection) run on the memory engine",
    ),
    key(
        "engine.streaming_fraction",
        "PARQUETFRAME_STREAMING_FRACTION",
        "auto: a working estimate above this fraction of the memory budget streams",
    ),
    key(
        "engine.memory_limit_mb",
        "PARQUETFRAME_MEMORY_LIMIT_MB",
        "hard limit (MiB) for materialising data; 0 = the available memory",
    ),
    key(
        "engine.warn_fraction",
        "PARQUETFRAME_WARN_FRACTION",
        "warn when a materialisation needs more than this fraction of the available memory",
    ),
    key(
        "engine.cluster",
        "PARQUETFRAME_CLUSTER",
        "Ballista scheduler of the distributed engine, df://host:port; empty = no cluster",
    ),
    key(
        "engine.datafusion_joins",
        "PARQUETFRAME_DATAFUSION_JOINS",
        "auto: plans with at least this many joins run on DataFusion in this process (feature distributed); 0 = never (default)",
    ),
    key(
        "engine.datafusion_non_inner_joins",
        "PARQUETFRAME_DATAFUSION_NON_INNER_JOINS",
        "auto: plans with a semi, anti, left or full join run on DataFusion in this process (feature distributed); default true",
    ),
    key(
        "engine.distributed_threshold_mb",
        "PARQUETFRAME_DISTRIBUTED_THRESHOLD_MB",
        "auto: inputs above this size (MiB, after projection) run on the cluster when one is reachable",
    ),
    key(
        "engine.cluster_timeout_s",
        "PARQUETFRAME_CLUSTER_TIMEOUT_S",
        "seconds a query on the cluster may run before it fails; 0 = no limit",
    ),
    key(
        "performance.threads",
        "PARQUETFRAME_THREADS",
        "threads for parquetframe's parallel work; 0 = one per core",
    ),
    key("performance.cache_mb", "PARQUETFRAME_CACHE_MB", "MiB of DataFrames the memory engine keeps cached"),
    key("ux.progress", "PARQUETFRAME_PROGRESS", "progress bars: auto (on a terminal, not under CI) or off"),
    key(
        "ux.log_level",
        "PARQUETFRAME_LOG",
        "log filter when no tracing subscriber is installed: off, error, warn, info, debug, trace or a directive",
    ),
    key("ux.profile", "PARQUETFRAME_PROFILE", "print per-stage timings of each operation to stderr"),
];

/// The variable naming the configuration file (not a key).
pub const CONFIG_VAR: &str = "PARQUETFRAME_CONFIG";

/// The key `key` (dotted).
pub fn info(key: &str) -> Option<&'static KeyInfo> {
    KEYS.iter().find(|k| k.key == key)
}

/// Keys of earlier versions and what replaced them.
const RETIRED: [(&str, &str); 2] = [
    // Entities are Delta tables: old versions stay readable for a time, not a count.
    ("store.keep_manifests", "store.retention_hours"),
    ("PARQUETFRAME_KEEP_MANIFESTS", "PARQUETFRAME_RETENTION_HOURS"),
];

/// The key an environment variable sets.
pub fn by_env(var: &str) -> Option<&'static KeyInfo> {
    KEYS.iter().find(|k| k.env == var)
}

/// The closest known name to `unknown` among `candidates`, if any is close:
/// edit distance at most a third of the name, or the same last segment in
/// another section (`engine.cache_mb` → `performance.cache_mb`).
pub fn suggest<'a>(unknown: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if let Some((_, now)) = RETIRED.iter().find(|(old, _)| *old == unknown) {
        return Some(now);
    }
    let leaf = |k: &str| k.rsplit(['.', '_']).next().map(str::to_owned).unwrap_or_default();
    let unknown_last = unknown.rsplit('.').next().unwrap_or(unknown);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let last = candidate.rsplit('.').next().unwrap_or(candidate);
        let distance = if last == unknown_last && unknown.contains('.') {
            0
        } else {
            strsim::damerau_levenshtein(&unknown.to_ascii_lowercase(), &candidate.to_ascii_lowercase())
        };
        let close = distance <= (unknown.len().max(3) / 3).max(1)
            || (leaf(unknown) == leaf(candidate) && distance <= 6);
        if close && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let keys = || KEYS.iter().map(|k| k.key);
        assert_eq!(suggest("engine.defualt", keys()), Some("engine.default"));
        assert_eq!(suggest("engine.cache_mb", keys()), Some("performance.cache_mb"));
        assert_eq!(suggest("store.rooot", keys()), Some("store.root"));
        assert_eq!(suggest("totally.different", keys()), None);
        assert_eq!(suggest("store.keep_manifests", keys()), Some("store.retention_hours"));
        let vars = || KEYS.iter().map(|k| k.env);
        assert_eq!(suggest("PARQUETFRAME_ENIGNE", vars()), Some("PARQUETFRAME_ENGINE"));
        assert!(KEYS.iter().all(|k| k.env.starts_with("PARQUETFRAME_") && k.key.contains('.')));
    }

    #[test]
    fn the_documentation_lists_every_key_and_variable() {
        let docs = include_str!("../../../docs/configuration.md");
        for k in KEYS {
            assert!(
                docs.contains(&format!("| `{}` | `{}` |", k.key, k.env)),
                "docs/configuration.md lacks {}",
                k.key
            );
        }
    }
}
