//! Join order for chains of typed joins. A query walks its relations in
//! the order written: `LineItem → Orders → Customer` joins every surviving
//! line item to its order, then each of those rows to its customer, and
//! neither polars nor DataFusion reorders the chain. When a filter of the
//! query reads an entity further down the chain (`Customer::C_MKTSEGMENT`),
//! that entity's join moves inside the join of the entity holding its key:
//! `LineItem ⋈ (Orders ⋈ Customer)`. The smaller tables meet first, the
//! filter (pushed down by either engine) narrows the orders, and the line
//! items probe one smaller build side instead of two joins in turn.
//!
//! The move is exact for inner joins: a join on columns of `Orders` alone
//! commutes with the inner joins and filters around it. It is made only
//! over the plan's leading filters and typed inner joins, while their
//! columns do not clash (a clash renames a column `Entity.column`, by
//! where the join runs). A moved join merges its right key into the left
//! key inside the nested join, so the outer plan's references to that key
//! are rewritten to the column it merged into.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;

use super::expr::{Expr, Node};
use super::plan::{Join, JoinKind, Op, Plan};
use super::source::Source;

/// A typed inner join among the plan's leading operations.
struct Hop<'p> {
    index: usize,
    join: &'p Join,
    left: &'static str,
    right: &'static str,
}

/// A column of an entity: `(entity, column)`.
type Qualified = (&'static str, String);

/// `plan` with the joins of filtered entities moved inside the join of the
/// entity holding their key, and a line for explain per moved join; `None`
/// when nothing moves. Right sides of untyped joins are nested the same way.
pub(crate) fn nest(plan: &Plan) -> Option<(Plan, Vec<String>)> {
    let mut notes = Vec::new();
    let mut out = nest_here(plan, &mut notes);
    let mut ops = out.as_ref().map_or_else(|| plan.ops.clone(), |p| p.ops.clone());
    for op in &mut ops {
        if let Op::Join(j) = op
            && j.entities.is_none()
            && let Some((right, more)) = nest(&j.right)
        {
            j.right = right;
            notes.extend(more);
            out = Some(Plan { source: plan.source.clone(), ops: Vec::new() });
        }
    }
    out.map(|mut p| {
        p.ops = ops;
        (p, notes)
    })
}

fn nest_here(plan: &Plan, notes: &mut Vec<String>) -> Option<Plan> {
    let Source::Entity(root) = &plan.source else { return None };
    let names =
        |s: &arrow::datatypes::Schema| s.fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>();
    let mut columns: HashMap<&'static str, Vec<String>> = HashMap::from([(root.name, names(&root.schema))]);
    let mut output: HashSet<String> = names(&root.schema).into_iter().collect();
    let mut hops = Vec::new();
    let mut filters = Vec::new();
    for (index, op) in plan.ops.iter().enumerate() {
        match op {
            Op::Filter(e) => filters.push(e),
            Op::Join(j) => {
                let (Some((left, right)), JoinKind::Inner, Source::Entity(source)) =
                    (j.entities, j.kind, &j.right.source)
                else {
                    break;
                };
                if !j.right.ops.is_empty() || !columns.contains_key(left) || columns.contains_key(right) {
                    break;
                }
                let added: Vec<String> =
                    names(&source.schema).into_iter().filter(|n| !j.right_on.contains(n)).collect();
                if added.iter().any(|n| output.contains(n)) {
                    break;
                }
                output.extend(added);
                columns.insert(right, names(&source.schema));
                hops.push(Hop { index, join: j, left, right });
            }
            _ => break,
        }
    }
    // The entities the leading filters read (an untyped column by its name).
    let mut read: HashSet<&'static str> = HashSet::new();
    for e in filters {
        let mut refs = Vec::new();
        e.columns(&mut refs);
        for (entity, name) in refs {
            match entity {
                Some(en) => {
                    read.insert(en);
                }
                None => read.extend(columns.iter().filter(|(_, cs)| cs.contains(&name)).map(|(en, _)| *en)),
            }
        }
    }
    // Whether a filter reads `entity` or an entity joined to it further down.
    fn wanted(entity: &str, hops: &[Hop<'_>], read: &HashSet<&'static str>) -> bool {
        read.contains(entity) || hops.iter().any(|h| h.left == entity && wanted(h.right, hops, read))
    }
    let mut nested: HashSet<&'static str> = HashSet::new();
    for h in &hops {
        if h.left != root.name && (nested.contains(h.left) || wanted(h.right, &hops, &read)) {
            nested.insert(h.right);
        }
    }
    if nested.is_empty() {
        return None;
    }
    // A moved join's right key now resolves to the left key it merged into.
    let mut merged: HashMap<Qualified, Qualified> = HashMap::new();
    for h in hops.iter().filter(|h| nested.contains(h.right)) {
        for (l, r) in h.join.left_on.iter().zip(&h.join.right_on) {
            merged.insert((h.right, r.clone()), (h.left, l.clone()));
        }
    }
    let later_typed_from_moved = plan.ops.iter().skip(hops.last().map_or(0, |h| h.index + 1)).any(|op| {
        matches!(op, Op::Join(j) if j.entities.is_some_and(|(l, _)| {
            j.left_on.iter().any(|c| merged.contains_key(&(l, c.clone())))
        }))
    });
    if later_typed_from_moved {
        // A later join along a moved key would need the nested join's names.
        return None;
    }
    let moved: HashSet<usize> = hops.iter().filter(|h| nested.contains(h.right)).map(|h| h.index).collect();
    let mut ops = Vec::with_capacity(plan.ops.len() - moved.len());
    for (index, op) in plan.ops.iter().enumerate() {
        if moved.contains(&index) {
            continue;
        }
        ops.push(match op {
            Op::Join(j) => match hops.iter().find(|h| h.index == index) {
                Some(h) => Op::Join(Box::new(Join {
                    right: Plan { source: j.right.source.clone(), ops: inner(h.right, &hops, &nested) },
                    ..(**j).clone()
                })),
                None => op.clone(),
            },
            other => rewritten(other, &merged),
        });
    }
    for h in hops.iter().filter(|h| nested.contains(h.right)) {
        notes.push(format!(
            "join order: `{}` joins `{}` inside the join of `{}` (a filter narrows it, or an entity joined \
             to it): the smaller tables meet first",
            h.right, h.left, h.left
        ));
    }
    Some(Plan { source: plan.source.clone(), ops })
}

/// The joins moved inside the join of `entity`, each with its own moved joins.
fn inner(entity: &str, hops: &[Hop<'_>], nested: &HashSet<&'static str>) -> Vec<Op> {
    hops.iter()
        .filter(|h| h.left == entity && nested.contains(h.right))
        .map(|h| {
            Op::Join(Box::new(Join {
                right: Plan { source: h.join.right.source.clone(), ops: inner(h.right, hops, nested) },
                ..h.join.clone()
            }))
        })
        .collect()
}

/// `op` with references to moved right keys replaced by the keys they merged into.
fn rewritten(op: &Op, merged: &HashMap<Qualified, Qualified>) -> Op {
    let all = |es: &[Expr]| es.iter().map(|e| Expr(node(&e.0, merged))).collect::<Vec<_>>();
    match op {
        Op::Filter(e) => Op::Filter(Expr(node(&e.0, merged))),
        Op::Select(es) => Op::Select(all(es)),
        Op::WithColumns(es) => Op::WithColumns(all(es)),
        Op::GroupBy { keys, aggs } => Op::GroupBy { keys: all(keys), aggs: all(aggs) },
        Op::Sort(keys) => Op::Sort(
            keys.iter()
                .map(|k| {
                    let mut k = k.clone();
                    k.expr = Expr(node(&k.expr.0, merged));
                    k
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn node(n: &Node, merged: &HashMap<Qualified, Qualified>) -> Node {
    if let Node::Column { entity: Some(entity), name } = n {
        let mut at = (*entity, name.clone());
        // A chain of moved joins merges a key more than once.
        for _ in 0..=merged.len() {
            match merged.get(&at) {
                Some(next) => at = next.clone(),
                None => break,
            }
        }
        return Node::Column { entity: Some(at.0), name: at.1 };
    }
    let mapped: Result<Node, Infallible> = n.map_children(|c| Ok(node(c, merged)));
    match mapped {
        Ok(m) => m,
        Err(never) => match never {},
    }
}
