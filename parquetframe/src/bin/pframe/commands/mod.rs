//! One module per subcommand.

pub mod compact;
pub mod config;
pub mod convert;
pub mod graph;
pub mod history;
pub mod inspect;
pub mod query;
pub mod validate;
