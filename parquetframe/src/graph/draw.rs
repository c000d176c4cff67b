//! The entity graph as Graphviz DOT and as a Mermaid ER diagram.

use std::fmt::Write as _;

use petgraph::visit::EdgeRef;

use super::{EntityNode, SchemaGraph};

/// A Mermaid attribute type: the leading word of the Arrow type
/// (`Timestamp(µs, "UTC")` → `Timestamp`); Mermaid allows no spaces or quotes.
fn mermaid_type(data_type: &str) -> String {
    let word: String = data_type.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    if word.is_empty() { "value".into() } else { word }
}

/// Escapes text for a DOT record label.
fn dot_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '{' | '}' | '|' | '<' | '>' | '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `PK`, `FK`, both (a key column that is also a foreign key) or nothing
/// for column `column` of `node`.
fn key_mark(node: &EntityNode, foreign_keys: &[String], column: &str) -> &'static str {
    let key = node.key_columns.iter().any(|c| c == column);
    match (key, foreign_keys.iter().any(|c| c == column)) {
        (true, true) => "PK, FK",
        (true, false) => "PK",
        (false, true) => "FK",
        (false, false) => "",
    }
}

fn foreign_keys(graph: &SchemaGraph, node: &EntityNode) -> Vec<String> {
    graph
        .graph
        .edge_references()
        .filter(|e| e.weight().entity == node.name)
        .flat_map(|e| e.weight().columns.iter().cloned())
        .collect()
}

impl SchemaGraph {
    /// Graphviz DOT: one record node per entity listing its columns (key and
    /// foreign keys marked), one edge per relation from the referencing entity
    /// to its target, labelled with the foreign-key column (dashed when optional).
    pub fn to_dot(&self) -> String {
        let mut out = String::from(
            "digraph entities {\n  rankdir=LR;\n  node [shape=record, fontname=\"Helvetica\"];\n",
        );
        for node in self.graph.node_weights() {
            let fks = foreign_keys(self, node);
            let mut label = dot_escape(&node.name);
            label.push('|');
            for c in &node.columns {
                let mark = match key_mark(node, &fks, &c.name) {
                    "" => String::new(),
                    m => format!(" ({m})"),
                };
                let _ = write!(label, "{}: {}{mark}\\l", dot_escape(&c.name), dot_escape(&c.data_type));
            }
            let style = if node.known { "" } else { ", style=dashed" };
            let _ = writeln!(out, "  \"{}\" [label=\"{{{label}}}\"{style}];", dot_escape(&node.name));
        }
        for e in self.graph.edge_references() {
            let r = e.weight();
            let style = if r.required { "" } else { ", style=dashed" };
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\" [label=\"{}\"{style}];",
                dot_escape(&r.entity),
                dot_escape(&self.graph[e.source()].name),
                dot_escape(&r.column)
            );
        }
        out.push_str("}\n");
        out
    }

    /// A Mermaid `erDiagram`: entities with their columns (`PK`, `FK`), and
    /// one relationship per relation: exactly one parent (`||`) for a required
    /// key, zero or one (`|o`) for an optional one, to zero or more children,
    /// labelled with the foreign-key column.
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("erDiagram\n");
        for node in self.graph.node_weights() {
            if node.columns.is_empty() {
                continue; // an unknown entity: named by its relationships only
            }
            let fks = foreign_keys(self, node);
            let _ = writeln!(out, "    {} {{", node.name);
            for c in &node.columns {
                let line =
                    format!("{} {} {}", mermaid_type(&c.data_type), c.name, key_mark(node, &fks, &c.name));
                let _ = writeln!(out, "        {}", line.trim_end());
            }
            out.push_str("    }\n");
        }
        for e in self.graph.edge_references() {
            let r = e.weight();
            let parent = if r.required { "||" } else { "|o" };
            let _ = writeln!(
                out,
                "    {} {parent}--o{{ {} : \"{}\"",
                self.graph[e.source()].name,
                r.entity,
                r.column
            );
        }
        out
    }

    /// Plain text: the entities in topological order (parents first; name
    /// order when the graph has a required cycle), each with its key and the
    /// relations that reference its parents, then any problems.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let names: Vec<String> = match self.topological_order() {
            Ok(order) => order.into_iter().map(str::to_owned).collect(),
            Err(_) => {
                let mut names: Vec<String> = self.graph.node_weights().map(|n| n.name.clone()).collect();
                names.sort();
                names
            }
        };
        for name in &names {
            let Some(node) = self.graph.node_weights().find(|n| &n.name == name) else { continue };
            if node.known {
                let _ =
                    writeln!(out, "{} (key {}, {} columns)", node.name, node.primary_key, node.columns.len());
            } else {
                let _ = writeln!(out, "{} (not described)", node.name);
            }
            for e in self.graph.edge_references().filter(|e| e.weight().entity == node.name) {
                let r = e.weight();
                let _ = writeln!(
                    out,
                    "  {}.{} -> {} ({}, on delete {}; inverse {})",
                    r.entity,
                    r.column,
                    self.graph[e.source()].name,
                    if r.required { "required" } else { "optional" },
                    r.on_delete.as_str(),
                    r.inverse
                );
            }
        }
        for problem in self.problems() {
            let _ = writeln!(out, "problem: {problem}");
        }
        out
    }
}
