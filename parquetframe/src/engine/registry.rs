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
    /// The engines compiled into this build.
    pub fn new() -> Self {
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

    /// The engines that can run queries here.
    pub fn available(&self) -> impl Iterator<Item = &EngineInfo> {
        self.engines.iter().filter(|e| e.available)
    }
}
