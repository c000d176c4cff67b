//! The effective configuration: each key's value and where it came from.

use std::fmt;
use std::path::PathBuf;

/// Where a configuration value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The built-in default.
    Default,
    /// A `parquetframe.toml` file.
    File {
        /// The file.
        path: PathBuf,
    },
    /// A `PARQUETFRAME_*` environment variable.
    Env {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
    },
    /// An argument in code ([`crate::Store::builder`]).
    Argument,
}

impl Origin {
    /// The origin of `key`, spelled for an error message.
    pub fn describe(&self, key: &str) -> String {
        match self {
            Origin::File { path } => {
                let (section, name) = key.split_once('.').unwrap_or(("", key));
                format!("{} [{section}] {name}", path.display())
            }
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File { path } => write!(f, "{}", path.display()),
            Origin::Env { var, value } => write!(f, "{var}={value}"),
            Origin::Argument => f.write_str("argument (Store::builder)"),
        }
    }
}

/// One key of the effective configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The dotted key, e.g. `engine.default`.
    pub key: &'static str,
    /// Its value as `parquetframe.toml` would spell it.
    pub value: String,
    /// Where the value came from.
    pub origin: Origin,
    /// The variable that sets it.
    pub env: &'static str,
    /// What it does.
    pub doc: &'static str,
}
