//! The entity graph: entities as nodes, relations as edges, in a petgraph
//! graph that is checked ([`SchemaGraph::check`]), ordered
//! ([`SchemaGraph::topological_order`]) and drawn ([`SchemaGraph::to_dot`],
//! [`SchemaGraph::to_mermaid`]).

mod draw;

use std::collections::{BTreeMap, BTreeSet};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::entity::OnDelete;
use crate::entity::Relation;
use crate::entity::linked::{self, EntityInfo};
use crate::error::{Error, RelationError};

/// One column of an entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    /// Column name.
    pub name: String,
    /// Arrow data type, as arrow-rs prints it.
    pub data_type: String,
    /// Whether nulls are allowed.
    pub nullable: bool,
}

/// An entity in the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityNode {
    /// Entity name.
    pub name: String,
    /// Storage path under a store root (empty when `known` is false).
    pub storage_path: String,
    /// The primary key: its column, or `(a, b)` for a composite key.
    pub primary_key: String,
    /// The primary key's columns.
    pub key_columns: Vec<String>,
    /// Columns, in order.
    pub columns: Vec<ColumnInfo>,
    /// False for an entity that a relation names but that is not described.
    pub known: bool,
}

/// A relation in the graph: an edge from the referenced entity to the
/// referencing one (parents come first in topological order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationEdge {
    /// The referencing entity.
    pub entity: String,
    /// Forward navigation name.
    pub name: String,
    /// The foreign-key column, or `(a, b)` for a key over several columns.
    pub column: String,
    /// The foreign-key columns (one, or several).
    pub columns: Vec<String>,
    /// Inverse navigation name on the target.
    pub inverse: String,
    /// Whether every row must reference a parent.
    pub required: bool,
    /// What deleting a parent does.
    pub on_delete: OnDelete,
}

pub use crate::error::GraphProblem;

/// The relationship graph of a set of entities (a petgraph [`DiGraph`]).
///
/// ```standalone_crate
/// use parquetframe::prelude::*;
///
/// #[derive(Entity, Debug, Clone, PartialEq)]
/// #[entity(storage_path = "authors/", primary_key = "author_id")]
/// pub struct Author { pub author_id: i64, pub name: String }
///
/// #[derive(Entity, Debug, Clone, PartialEq)]
/// #[entity(storage_path = "books/", primary_key = "book_id")]
/// pub struct Book {
///     pub book_id: i64,
///     #[relation(Author, inverse = "books")]
///     pub author_id: i64,
/// }
///
/// let graph = parquetframe::schema_graph();
/// graph.check()?;
/// let order = graph.topological_order()?;
/// let pos = |n: &str| order.iter().position(|e| *e == n);
/// assert!(pos("Author") < pos("Book"));
/// assert!(graph.to_mermaid().contains("Author ||--o{ Book"));
/// # Ok::<(), parquetframe::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SchemaGraph {
    graph: DiGraph<EntityNode, RelationEdge>,
    duplicates: Vec<String>,
}

/// A relation as data: owned and serializable. The graph is built from
/// these, and a store's catalog records relations in this form
/// ([`CatalogRelation`](crate::storage::catalog::CatalogRelation)).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RelationSpec {
    /// Forward navigation name.
    pub name: String,
    /// The foreign-key column, or `(a, b)` for a key over several columns.
    pub column: String,
    /// The foreign-key columns of a key over several columns, in the
    /// target's key order (empty for a key of one column: it is `column`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// The referenced entity.
    pub target: String,
    /// The referenced entity's key column.
    pub target_key: String,
    /// Inverse navigation name on the target.
    pub inverse: String,
    /// Whether every row must reference a parent.
    pub required: bool,
    /// `restrict`, `cascade` or `set_null`.
    pub on_delete: OnDelete,
}

impl RelationSpec {
    /// The foreign-key columns: `column`, or the columns of a key over several.
    pub fn key_columns(&self) -> Vec<&str> {
        if self.columns.is_empty() {
            vec![self.column.as_str()]
        } else {
            self.columns.iter().map(String::as_str).collect()
        }
    }
}

impl From<&Relation> for RelationSpec {
    fn from(r: &Relation) -> Self {
        Self {
            name: r.name.to_owned(),
            column: r.column.to_owned(),
            columns: if r.is_composite() {
                r.columns.iter().map(|c| (*c).to_owned()).collect()
            } else {
                Vec::new()
            },
            target: r.target.to_owned(),
            target_key: r.target_key.to_owned(),
            inverse: r.inverse.to_owned(),
            required: r.required,
            on_delete: r.on_delete,
        }
    }
}

/// The graph of every entity linked into the program.
pub fn schema_graph() -> SchemaGraph {
    SchemaGraph::from_entities(&linked::entities())
}

impl SchemaGraph {
    /// The graph of `entities` (relations to entities outside the list become
    /// unknown nodes that [`check`](Self::check) reports).
    pub fn from_entities(entities: &[&EntityInfo]) -> Self {
        let nodes = entities.iter().map(|e| {
            let schema = (e.schema)();
            let columns = schema
                .fields()
                .iter()
                .map(|f| ColumnInfo {
                    name: f.name().clone(),
                    data_type: f.data_type().to_string(),
                    nullable: f.is_nullable(),
                })
                .collect();
            let node = EntityNode {
                name: e.name.to_owned(),
                storage_path: e.storage_path.to_owned(),
                primary_key: e.primary_key.to_owned(),
                key_columns: e.key_columns.iter().map(|c| (*c).to_owned()).collect(),
                columns,
                known: true,
            };
            (node, e.relations.iter().map(RelationSpec::from).collect())
        });
        Self::build(nodes.collect())
    }

    /// The graph of `entities`, each with the relations it declares.
    pub(crate) fn build(mut entities: Vec<(EntityNode, Vec<RelationSpec>)>) -> Self {
        entities.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        let mut graph = DiGraph::new();
        let mut index: BTreeMap<String, NodeIndex> = BTreeMap::new();
        let mut duplicates = Vec::new();
        let mut relations = Vec::new();
        for (node, rels) in entities {
            if index.contains_key(&node.name) {
                duplicates.push(node.name.clone());
                continue;
            }
            let name = node.name.clone();
            let i = graph.add_node(node);
            index.insert(name.clone(), i);
            relations.extend(rels.into_iter().map(|r| (name.clone(), r)));
        }
        for (entity, r) in relations {
            let target = match index.get(&r.target) {
                Some(&t) => t,
                None => {
                    let unknown = EntityNode {
                        name: r.target.clone(),
                        storage_path: String::new(),
                        primary_key: r.target_key.clone(),
                        key_columns: vec![r.target_key.clone()],
                        columns: Vec::new(),
                        known: false,
                    };
                    let t = graph.add_node(unknown);
                    index.insert(r.target.clone(), t);
                    t
                }
            };
            let Some(&child) = index.get(&entity) else { continue };
            let columns = r.key_columns().into_iter().map(str::to_owned).collect();
            let edge = RelationEdge {
                entity,
                name: r.name,
                columns,
                column: r.column,
                inverse: r.inverse,
                required: r.required,
                on_delete: r.on_delete,
            };
            graph.add_edge(target, child, edge);
        }
        Self { graph, duplicates }
    }

    /// The underlying petgraph graph: edges run from the referenced entity to
    /// the referencing one.
    pub fn graph(&self) -> &DiGraph<EntityNode, RelationEdge> {
        &self.graph
    }

    /// The entities, by name.
    pub fn entities(&self) -> impl Iterator<Item = &EntityNode> {
        self.graph.node_weights()
    }

    /// The relations, each with its target entity's name.
    pub fn relations(&self) -> impl Iterator<Item = (&RelationEdge, &str)> {
        self.graph.edge_references().map(|e| (e.weight(), self.graph[e.source()].name.as_str()))
    }

    /// Every problem: relations to unknown entities, cycles of required
    /// foreign keys (named), duplicate inverse names, inverse names that are
    /// columns of their target, and entity names used twice.
    pub fn problems(&self) -> Vec<GraphProblem> {
        let mut out: Vec<GraphProblem> =
            self.duplicates.iter().map(|name| GraphProblem::DuplicateEntity { name: name.clone() }).collect();
        for e in self.graph.edge_references() {
            let target = &self.graph[e.source()];
            let r = e.weight();
            if !target.known {
                out.push(GraphProblem::UnknownEntity {
                    entity: r.entity.clone(),
                    column: r.column.clone(),
                    target: target.name.clone(),
                });
            } else if target.columns.iter().any(|c| c.name == r.inverse) {
                out.push(GraphProblem::InverseIsColumn {
                    target: target.name.clone(),
                    inverse: r.inverse.clone(),
                    relation: format!("{}.{}", r.entity, r.column),
                });
            }
        }
        for target in self.graph.node_indices() {
            let mut by_inverse: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            for e in self.graph.edges(target) {
                let r = e.weight();
                by_inverse.entry(r.inverse.as_str()).or_default().push(format!("{}.{}", r.entity, r.column));
            }
            for (inverse, mut relations) in by_inverse {
                relations.sort();
                if relations.len() > 1 {
                    out.push(GraphProblem::DuplicateInverse {
                        target: self.graph[target].name.clone(),
                        inverse: inverse.to_owned(),
                        relations,
                    });
                }
            }
        }
        out.extend(self.required_cycles());
        out
    }

    /// `Ok` when [`problems`](Self::problems) finds none; else an error listing them all.
    pub fn check(&self) -> Result<(), Error> {
        let problems = self.problems();
        if problems.is_empty() { Ok(()) } else { Err(RelationError::Graph { problems }.into()) }
    }

    fn required_cycles(&self) -> Vec<GraphProblem> {
        let required = self.graph.filter_map(|_, n| Some(n.name.as_str()), |_, r| r.required.then_some(r));
        let mut out = Vec::new();
        for scc in tarjan_scc(&required) {
            let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
            let mut relations: Vec<String> = required
                .edge_references()
                .filter(|e| members.contains(&e.source()) && members.contains(&e.target()))
                .filter(|e| scc.len() > 1 || e.source() == e.target())
                .map(|e| format!("{}.{} -> {}", e.weight().entity, e.weight().column, required[e.source()]))
                .collect();
            relations.sort();
            if !relations.is_empty() {
                out.push(GraphProblem::RequiredCycle { relations });
            }
        }
        out
    }

    /// Entity names with every referenced entity before the entities that
    /// reference it: the order to save and validate in. Self relations and
    /// optional keys inside a cycle do not constrain the order; a cycle of
    /// required keys is an error naming it.
    pub fn topological_order(&self) -> Result<Vec<&str>, Error> {
        let sorted = self
            .kahn(|r| r.entity != self.graph[r.target_node].name)
            .or_else(|| self.kahn(|r| r.required && r.entity != self.graph[r.target_node].name))
            .ok_or_else(|| RelationError::Graph { problems: self.required_cycles() })?;
        Ok(sorted.into_iter().filter(|&i| self.graph[i].known).map(|i| self.graph[i].name.as_str()).collect())
    }

    /// Kahn's algorithm over the edges `keep` selects, taking the smallest
    /// name first so the order is the same on every run; `None` on a cycle.
    fn kahn(&self, keep: impl Fn(&EdgeView<'_>) -> bool) -> Option<Vec<NodeIndex>> {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let edges: Vec<(NodeIndex, NodeIndex)> = self
            .graph
            .edge_references()
            .filter(|e| {
                let r = e.weight();
                keep(&EdgeView { entity: &r.entity, required: r.required, target_node: e.source() })
            })
            .map(|e| (e.source(), e.target()))
            .collect();
        let mut incoming = vec![0usize; self.graph.node_count()];
        for (_, to) in &edges {
            incoming[to.index()] += 1;
        }
        let mut ready: BinaryHeap<Reverse<(&str, NodeIndex)>> = self
            .graph
            .node_indices()
            .filter(|i| incoming[i.index()] == 0)
            .map(|i| Reverse((self.graph[i].name.as_str(), i)))
            .collect();
        let mut out = Vec::with_capacity(self.graph.node_count());
        while let Some(Reverse((_, node))) = ready.pop() {
            out.push(node);
            for (_, to) in edges.iter().filter(|(from, _)| *from == node) {
                incoming[to.index()] -= 1;
                if incoming[to.index()] == 0 {
                    ready.push(Reverse((self.graph[*to].name.as_str(), *to)));
                }
            }
        }
        (out.len() == self.graph.node_count()).then_some(out)
    }
}

/// What an edge filter of [`SchemaGraph::kahn`] sees.
struct EdgeView<'a> {
    entity: &'a str,
    required: bool,
    target_node: NodeIndex,
}
