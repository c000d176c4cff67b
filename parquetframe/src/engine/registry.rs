//! `EngineRegistry`: the engines this build has, what they can do, and
//! whether they can run here.

use super::Engine;

/// What an engine can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Reads files itself with projection and predicate pushdown.
    pub pushdown: bool,
    /// Runs in bounded memory (larger-than-memory inputs).
    pub bounded_memory: bool,
    /// Keeps inputs in memory between queries.
    pub caches: bool,
    /// Runs on several machines.
    pub distributed: bool,
}

/// One engine in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineInfo {
    /// The engine.
    pub engine: Engine,
    /// What it is built on.
    pub description: &'static str,
    /// What it can do.
    pub capabilities: Capabilities,
    /// Whether it can run queries here.
    pub available: bool,
    /// Why not, when it cannot.
    pub unavailable_because: Option<String>,
}

/// The engines of this build.
#[derive(Debug, Clone)]
pub struct EngineRegistry {
    engines: Vec<EngineInfo>,
}

impl Default for EngineRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl EngineRegistry {
    /// The engines of this build, with the distributed engine's availability
    /// under the default configuration layers (see [`with_config`](Self::with_config)).
    pub fn new() -> Self {
        let config = crate::config::resolve(&crate::config::Overrides::default())
            .map(|r| r.config.engine.clone())
            .unwrap_or_default();
        Self::with_config(&config)
    }

    /// The engines of this build; the distributed engine is available when
    /// it is compiled in (feature `distributed`), `engine.cluster` names a
    /// cluster, and its scheduler accepts a connection (probed now, within
    /// half a second).
    pub fn with_config(config: &crate::config::EngineConfig) -> Self {
        let mut registry = Self::local();
        let (available, why) = match distributed_availability(config) {
            Ok(()) => (true, None),
            Err(why) => (false, Some(why)),
        };
        registry.engines.push(EngineInfo {
            engine: Engine::Distributed,
            description: "Apache DataFusion on a Ballista cluster: the plan runs on the cluster's executors, \
                          over the same Parquet files",
            capabilities: Capabilities {
                pushdown: true,
                bounded_memory: true,
                caches: false,
                distributed: true,
            },
            available,
            unavailable_because: why,
        });
        registry.engines.push(EngineInfo {
            engine: Engine::DataFusion,
            description: "Apache DataFusion on this machine: the plan the cluster would run, in this process",
            capabilities: Capabilities {
                pushdown: true,
                bounded_memory: false,
                caches: false,
                distributed: false,
            },
            available: Engine::DataFusion.compiled(),
            unavailable_because: (!Engine::DataFusion.compiled()).then(|| {
                "not in this build: enable the cargo feature `distributed` of parquetframe".to_owned()
            }),
        });
        registry
    }

    fn local() -> Self {
        let info = |engine, description, capabilities| EngineInfo {
            engine,
            description,
            capabilities,
            available: true,
            unavailable_because: None,
        };
        Self {
            engines: vec![
                info(
                    Engine::Memory,
                    "eager polars DataFrames, cached per committed snapshot",
                    Capabilities { pushdown: false, bounded_memory: false, caches: true, distributed: false },
                ),
                info(
                    Engine::Lazy,
                    "polars LazyFrame over the files: projection and predicate pushdown, row-group pruning",
                    Capabilities { pushdown: true, bounded_memory: false, caches: false, distributed: false },
                ),
                info(
                    Engine::Streaming,
                    "the polars streaming engine: processes the files in batches, bounded memory",
                    Capabilities { pushdown: true, bounded_memory: true, caches: false, distributed: false },
                ),
            ],
        }
    }

    /// Every engine, available or not.
    pub fn engines(&self) -> &[EngineInfo] {
        &self.engines
    }

    /// The entry of `engine`, if this build has it.
    pub fn get(&self, engine: Engine) -> Option<&EngineInfo> {
        self.engines.iter().find(|e| e.engine == engine)
    }

    /// The engines that can run queries here (the local ones first, in
    /// `Engine::ALL` order).
    pub fn available(&self) -> impl Iterator<Item = &EngineInfo> {
        self.engines.iter().filter(|e| e.available)
    }
}

/// Why the distributed engine cannot run, if it cannot.
fn distributed_availability(config: &crate::config::EngineConfig) -> Result<(), String> {
    if !Engine::Distributed.compiled() {
        return Err("not in this build: enable the cargo feature `distributed` of parquetframe".into());
    }
    let address = crate::config::ClusterAddress::parse(&config.cluster)
        .map_err(|e| format!("engine.cluster is not valid: {e}"))?
        .ok_or_else(|| {
            "no cluster configured: set engine.cluster (PARQUETFRAME_CLUSTER=df://host:50050)".to_owned()
        })?;
    address
        .probe(super::heuristics::PROBE_TIMEOUT)
        .map_err(|why| format!("the cluster at {address} does not answer: {why}"))
}
