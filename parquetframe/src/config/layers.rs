//! The layers (defaults < file < environment < arguments), merged by
//! figment, checked key by key, and cached while their inputs are unchanged.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::SystemTime;

use figment::providers::{Format, Serialized, Toml};
use figment::value::{Dict, Value};
use figment::{Figment, Provider};

use super::effective::Origin;
use super::keys::{self, CONFIG_VAR, KEYS};
use super::{Config, find_file};
use crate::error::{ConfigError, Error};

/// Values set in code, the highest layer ([`crate::Store::builder`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    values: Vec<(String, Value)>,
    isolated: bool,
}

impl Overrides {
    /// Sets `key` (dotted, e.g. `engine.default`) to `value`. An unknown key
    /// or a bad value is reported when the configuration is resolved.
    pub fn set(&mut self, key: &str, value: impl serde::Serialize) {
        let value = Value::serialize(value).unwrap_or_else(|e| Value::from(e.to_string()));
        self.values.retain(|(k, _)| k != key);
        self.values.push((key.to_owned(), value));
    }

    /// Ignores `parquetframe.toml` and the `PARQUETFRAME_*` variables: only
    /// the defaults and these values apply.
    pub fn isolate(&mut self) {
        self.isolated = true;
    }

    /// Whether the file and the environment are ignored.
    pub fn is_isolated(&self) -> bool {
        self.isolated
    }
}

/// A resolved configuration and the origin of each key.
#[derive(Debug)]
pub(crate) struct Resolved {
    pub config: Config,
    origins: BTreeMap<&'static str, Origin>,
}

impl Resolved {
    /// Where `key`'s value came from.
    pub fn origin(&self, key: &str) -> Option<Origin> {
        keys::info(key).map(|k| self.origins.get(k.key).cloned().unwrap_or(Origin::Default))
    }

    /// Every key, its value and origin.
    pub fn settings(&self) -> Vec<super::Setting> {
        let json = serde_json::to_value(&self.config).unwrap_or_default();
        KEYS.iter()
            .map(|k| super::Setting {
                key: k.key,
                value: self.config.spell(&json, k.key),
                origin: self.origin(k.key).unwrap_or(Origin::Default),
                env: k.env,
                doc: k.doc,
            })
            .collect()
    }
}

/// What a resolution depends on: when none of it changed, the cached result stands.
#[derive(PartialEq)]
struct Inputs {
    vars: Vec<(OsString, OsString)>,
    file: Option<(PathBuf, u64, Option<SystemTime>)>,
    overrides: Overrides,
}

/// Recent resolutions with what they depended on.
type Cache = Vec<(Inputs, Arc<Resolved>)>;

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Default::default);
const CACHED: usize = 16;

/// The configuration under `overrides`.
pub(crate) fn resolve(overrides: &Overrides) -> Result<Arc<Resolved>, Error> {
    let vars: Vec<(OsString, OsString)> = if overrides.isolated {
        Vec::new()
    } else {
        let mut vars: Vec<_> =
            std::env::vars_os().filter(|(k, _)| k.to_string_lossy().starts_with("PARQUETFRAME_")).collect();
        vars.sort();
        vars
    };
    let path = if overrides.isolated { None } else { config_file(&vars)? };
    let file = path.map(|p| {
        let meta = std::fs::metadata(&p).ok();
        (p, meta.as_ref().map_or(0, |m| m.len()), meta.and_then(|m| m.modified().ok()))
    });
    let inputs = Inputs { vars, file, overrides: overrides.clone() };
    if let Ok(cache) = CACHE.lock()
        && let Some((_, resolved)) = cache.iter().find(|(i, _)| *i == inputs)
    {
        return Ok(resolved.clone());
    }
    let resolved = Arc::new(build(&inputs)?);
    if let Ok(mut cache) = CACHE.lock() {
        if cache.len() >= CACHED {
            cache.remove(0);
        }
        cache.push((inputs, resolved.clone()));
    }
    Ok(resolved)
}

/// `PARQUETFRAME_CONFIG`, else `parquetframe.toml` from the working directory upwards.
fn config_file(vars: &[(OsString, OsString)]) -> Result<Option<PathBuf>, Error> {
    if let Some((_, path)) = vars.iter().find(|(k, _)| k == CONFIG_VAR) {
        let path = PathBuf::from(path);
        if !path.is_file() {
            return Err(ConfigError::File {
                path,
                message: format!("{CONFIG_VAR} names it, but it is not a file"),
            }
            .into());
        }
        return Ok(Some(path));
    }
    Ok(std::env::current_dir().ok().and_then(|d| find_file(&d)))
}

fn build(inputs: &Inputs) -> Result<Resolved, Error> {
    let mut origins: BTreeMap<&'static str, Origin> = BTreeMap::new();
    let mut figment = Figment::from(Serialized::defaults(Config::default()));

    if let Some((path, ..)) = &inputs.file {
        let provider = Toml::file_exact(path);
        let data = provider
            .data()
            .map_err(|e| ConfigError::File { path: path.clone(), message: e.kind.to_string() })?;
        for (_, dict) in data {
            for key in file_keys(&dict, path)? {
                origins.insert(key, Origin::File { path: path.clone() });
            }
        }
        figment = figment.merge(provider);
    }

    for (var, value) in &inputs.vars {
        let var = var.to_string_lossy();
        if var == CONFIG_VAR {
            continue;
        }
        let Some(info) = keys::by_env(&var) else {
            return Err(ConfigError::UnknownKey {
                suggestion: keys::suggest(&var, KEYS.iter().map(|k| k.env).chain([CONFIG_VAR]))
                    .map(str::to_owned),
                key: var.into_owned(),
                origin: "the environment".into(),
            }
            .into());
        };
        let Some(text) = value.to_str() else {
            return Err(ConfigError::BadValue {
                key: info.key.into(),
                origin: info.env.into(),
                message: "the value is not UTF-8".into(),
            }
            .into());
        };
        let parsed: Value = text.parse().unwrap_or_else(|_| Value::from(text.to_owned()));
        let shown = match (&parsed, info.key) {
            (Value::Dict(_, entries), "store.options") => {
                let masked: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{k}={:?}",
                            super::masked(k, &v.as_str().map(str::to_owned).unwrap_or_default())
                        )
                    })
                    .collect();
                format!("{{{}}}", masked.join(", "))
            }
            _ => text.to_owned(),
        };
        origins.insert(info.key, Origin::Env { var: info.env, value: shown });
        figment = figment.merge(Serialized::default(info.key, parsed));
    }

    for (key, value) in &inputs.overrides.values {
        let Some(info) = keys::info(key) else {
            return Err(ConfigError::UnknownKey {
                key: key.clone(),
                origin: "the store builder".into(),
                suggestion: keys::suggest(key, KEYS.iter().map(|k| k.key)).map(str::to_owned),
            }
            .into());
        };
        origins.insert(info.key, Origin::Argument);
        figment = figment.merge(Serialized::default(info.key, value.clone()));
    }

    let origin_of = |key: &str| origins.get(key).cloned().unwrap_or(Origin::Default).describe(key);
    let config: Config = figment.extract().map_err(|e| {
        let key = e.path.join(".");
        ConfigError::BadValue { origin: origin_of(&key), message: e.kind.to_string(), key }
    })?;
    if let Err((key, message)) = config.check() {
        return Err(ConfigError::BadValue { key: key.into(), origin: origin_of(key), message }.into());
    }
    Ok(Resolved { config, origins })
}

/// The keys a file sets; an unknown one is an error naming the file.
fn file_keys(dict: &Dict, path: &std::path::Path) -> Result<Vec<&'static str>, Error> {
    let unknown = |key: String| -> Error {
        ConfigError::UnknownKey {
            suggestion: keys::suggest(&key, KEYS.iter().map(|k| k.key)).map(str::to_owned),
            key,
            origin: format!("`{}`", path.display()),
        }
        .into()
    };
    let mut out = Vec::new();
    for (section, value) in dict {
        let Value::Dict(_, entries) = value else {
            // A key outside any table: `root = ..` for `[store] root = ..`.
            return Err(unknown(section.clone()));
        };
        for name in entries.keys() {
            let key = format!("{section}.{name}");
            match keys::info(&key) {
                Some(info) => out.push(info.key),
                None => return Err(unknown(key)),
            }
        }
    }
    Ok(out)
}

impl Config {
    /// Range checks figment's types cannot express: `(key, message)` of the first failure.
    fn check(&self) -> Result<(), (&'static str, String)> {
        if let Err(e) = self.store.codec() {
            return Err(("store.codec", root_message(&e)));
        }
        if self.store.row_group_size == 0 {
            return Err(("store.row_group_size", "must be at least 1".into()));
        }
        if self.store.compact_max_files < 2 {
            return Err(("store.compact_max_files", "must be at least 2".into()));
        }
        let fraction = self.engine.streaming_fraction;
        if !(fraction > 0.0 && fraction.is_finite()) {
            return Err(("engine.streaming_fraction", format!("{fraction} is not a positive fraction")));
        }
        let fraction = self.engine.warn_fraction;
        if !(fraction >= 0.0 && fraction.is_finite()) {
            return Err(("engine.warn_fraction", format!("{fraction} is not a fraction (0 warns always)")));
        }
        if let Err(message) = super::cluster::ClusterAddress::parse(&self.engine.cluster) {
            return Err(("engine.cluster", message));
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.ux.log_level) {
            return Err((
                "ux.log_level",
                format!(
                    "`{}` is not a log filter ({e}); use off, error, warn, info, debug or trace",
                    self.ux.log_level
                ),
            ));
        }
        Ok(())
    }

    /// The value of `key` as the configuration file would spell it (enums
    /// by their serde names, the same the file takes).
    pub fn value_of(&self, key: &str) -> String {
        self.spell(&serde_json::to_value(self).unwrap_or_default(), key)
    }

    /// `key`'s value out of `json`, this configuration serialized.
    fn spell(&self, json: &serde_json::Value, key: &str) -> String {
        if key == "store.root" {
            // Serialized, it is figment's relative-path record: show the path it means.
            return format!("{:?}", self.store.root_path().display().to_string());
        }
        if key == "store.options" {
            let shown: Vec<String> =
                self.store.options.iter().map(|(k, v)| format!("{k} = {:?}", super::masked(k, v))).collect();
            return format!("{{ {} }}", shown.join(", "));
        }
        json.pointer(&format!("/{}", key.replace('.', "/"))).map(ToString::to_string).unwrap_or_default()
    }
}

fn root_message(e: &Error) -> String {
    match e {
        Error::Config(ConfigError::BadValue { message, .. }) => message.clone(),
        other => other.to_string(),
    }
}
