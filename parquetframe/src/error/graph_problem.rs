//! What is wrong with an entity graph (the payload of [`Error::Graph`](super::Error::Graph)).

use std::fmt;

/// Something wrong with the entity graph.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GraphProblem {
    /// A relation names an entity that is not in the graph.
    UnknownEntity {
        /// The referencing entity.
        entity: String,
        /// Its foreign-key column.
        column: String,
        /// The unknown target.
        target: String,
    },
    /// Required foreign keys form a cycle: no row of the cycle can be saved first.
    RequiredCycle {
        /// The relations of the cycle, as `Entity.column -> Target`.
        relations: Vec<String>,
    },
    /// Two relations give the same inverse name to one target.
    DuplicateInverse {
        /// The target entity.
        target: String,
        /// The inverse name.
        inverse: String,
        /// The relations, as `Entity.column`.
        relations: Vec<String>,
    },
    /// An inverse name equals a column of its target.
    InverseIsColumn {
        /// The target entity.
        target: String,
        /// The inverse name.
        inverse: String,
        /// The relation, as `Entity.column`.
        relation: String,
    },
    /// Two entity types share a name.
    DuplicateEntity {
        /// The name.
        name: String,
    },
}

impl fmt::Display for GraphProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphProblem::UnknownEntity { entity, column, target } => {
                write!(f, "relation `{entity}.{column}` references `{target}`, which is not a known entity")
            }
            GraphProblem::RequiredCycle { relations } => write!(
                f,
                "required foreign keys form a cycle ({}): no row can be saved first; make one of them an Option",
                relations.join(", ")
            ),
            GraphProblem::DuplicateInverse { target, inverse, relations } => write!(
                f,
                "inverse name `{inverse}` on `{target}` is declared by {}; give each relation its own inverse",
                relations.join(" and ")
            ),
            GraphProblem::InverseIsColumn { target, inverse, relation } => write!(
                f,
                "inverse name `{inverse}` of `{relation}` is also a column of `{target}`; choose another inverse"
            ),
            GraphProblem::DuplicateEntity { name } => {
                write!(f, "two entity types are named `{name}`; rename one with #[entity(name = \"...\")]")
            }
        }
    }
}
