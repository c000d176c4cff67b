//! The file format of an entity's data files.

use std::fmt;
use std::str::FromStr;

/// The file format an entity is stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Apache Parquet (the default).
    #[default]
    Parquet,
    /// Apache Avro object container files.
    Avro,
}

impl Format {
    /// The lower-case name used in attributes and configuration.
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Avro => "avro",
        }
    }

    /// The file extension of data files in this format.
    pub const fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Avro => "avro",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "parquet" => Ok(Format::Parquet),
            "avro" => Ok(Format::Avro),
            other => Err(format!("unknown format `{other}`: expected `parquet` or `avro`")),
        }
    }
}
