//! The entity graph's checks, in a binary of its own: the entities here form
//! a cycle of required foreign keys on purpose.

use parquetframe::graph::GraphProblem;
use parquetframe::prelude::*;
use parquetframe::storage::catalog::{Catalog, CatalogEntry, CatalogRelation};
use parquetframe::{RelationError, SchemaGraph};

/// `Team.captain_id` and `Player.team_id` are both required: neither can be saved first.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "teams/", primary_key = "team_id")]
pub struct Team {
    pub team_id: i64,
    #[relation(Player, inverse = "captained")]
    pub captain_id: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "players/", primary_key = "player_id")]
pub struct Player {
    pub player_id: i64,
    #[relation(Team, inverse = "players")]
    pub team_id: i64,
}

/// A required self relation is a cycle too (the first row cannot point anywhere).
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "nodes/", primary_key = "id")]
pub struct Node {
    pub id: i64,
    #[relation(Self, inverse = "children")]
    pub parent_id: i64,
}

/// An optional back-reference breaks no order.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "leagues/", primary_key = "league_id")]
pub struct League {
    pub league_id: i64,
    #[relation(Sponsor, inverse = "leagues")]
    pub sponsor_id: Option<i64>,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "sponsors/", primary_key = "sponsor_id")]
pub struct Sponsor {
    pub sponsor_id: i64,
    #[relation(League, inverse = "sponsors")]
    pub league_id: i64,
}

#[test]
fn required_cycles_are_named_and_block_the_order() {
    let graph = parquetframe::schema_graph();
    let problems = graph.problems();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems.contains(&GraphProblem::RequiredCycle {
        relations: vec!["Player.team_id -> Team".into(), "Team.captain_id -> Player".into()]
    }));
    assert!(
        problems.contains(&GraphProblem::RequiredCycle { relations: vec!["Node.parent_id -> Node".into()] })
    );
    let err = graph.check().unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(
            "required foreign keys form a cycle (Player.team_id -> Team, Team.captain_id -> Player)"
        ),
        "{text}"
    );
    assert!(matches!(graph.topological_order(), Err(Error::Relation(RelationError::Graph { .. }))));

    // Without the team cycle, the order exists: the optional League.sponsor_id
    // gives way, and the self relation does not constrain it.
    let linked: Vec<_> = parquetframe::registry::entities()
        .into_iter()
        .filter(|e| e.name != "Team" && e.name != "Player")
        .collect();
    let graph = SchemaGraph::from_entities(&linked);
    assert_eq!(graph.topological_order().unwrap(), vec!["League", "Node", "Sponsor"]);
}

fn entry(name: &str, columns: &[&str], relations: Vec<CatalogRelation>) -> CatalogEntry {
    CatalogEntry {
        name: name.into(),
        path: format!("{}/", name.to_lowercase()),
        primary_key: columns[0].into(),
        key_columns: Vec::new(),
        format: "parquet".into(),
        arrow_schema: columns
            .iter()
            .map(|c| parquetframe::storage::catalog::CatalogField {
                name: (*c).into(),
                data_type: "Int64".into(),
                nullable: false,
            })
            .collect(),
        avro_schema: serde_json::Value::Null,
        relations,
    }
}

fn relation(column: &str, target: &str, inverse: &str) -> CatalogRelation {
    CatalogRelation {
        name: column.trim_end_matches("_id").into(),
        column: column.into(),
        columns: Vec::new(),
        target: target.into(),
        target_key: "id".into(),
        inverse: inverse.into(),
        required: true,
        on_delete: OnDelete::Restrict,
    }
}

#[test]
fn a_catalog_graph_reports_unknown_entities_and_clashing_inverses() {
    let mut catalog = Catalog { format_version: 1, ..Catalog::default() };
    for e in [
        entry(
            "Invoice",
            &["id", "customer_id", "payer_id", "ghost_id"],
            vec![
                relation("customer_id", "Customer", "invoices"),
                relation("payer_id", "Customer", "invoices"),
                relation("ghost_id", "Ghost", "invoices"),
            ],
        ),
        entry("Customer", &["id", "invoices_total"], vec![]),
        entry("Refund", &["id", "customer_id"], vec![relation("customer_id", "Customer", "invoices_total")]),
    ] {
        catalog.entities.insert(e.name.clone(), e);
    }
    let graph = SchemaGraph::from_catalog(&catalog);
    let problems = graph.problems();
    assert!(problems.contains(&GraphProblem::UnknownEntity {
        entity: "Invoice".into(),
        column: "ghost_id".into(),
        target: "Ghost".into()
    }));
    assert!(problems.contains(&GraphProblem::DuplicateInverse {
        target: "Customer".into(),
        inverse: "invoices".into(),
        relations: vec!["Invoice.customer_id".into(), "Invoice.payer_id".into()]
    }));
    assert!(problems.contains(&GraphProblem::InverseIsColumn {
        target: "Customer".into(),
        inverse: "invoices_total".into(),
        relation: "Refund.customer_id".into()
    }));
    assert_eq!(problems.len(), 3, "{problems:?}");
    // Unknown targets are drawn dashed, and left out of the order.
    assert!(graph.to_dot().contains("\"Ghost\" [label=\"{Ghost|}\", style=dashed];"), "{}", graph.to_dot());
    assert!(graph.to_mermaid().contains("Ghost ||--o{ Invoice : \"ghost_id\""));
    assert_eq!(graph.topological_order().unwrap(), vec!["Customer", "Invoice", "Refund"]);
}

#[test]
fn validate_still_checks_every_relation_when_the_graph_has_a_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&[Team { team_id: 1, captain_id: 10 }]).unwrap();
    store.save_all(&[Player { player_id: 10, team_id: 1 }, Player { player_id: 11, team_id: 2 }]).unwrap();
    let report = store.validate().unwrap();
    assert_eq!(report.relation("Player", "team_id").unwrap().orphans, 1);
    assert_eq!(report.relation("Team", "captain_id").unwrap().orphans, 0);
    assert_eq!(report.problems(), 1);
}

#[test]
fn a_save_set_refuses_a_cycle_of_required_keys_before_saving() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (teams, players) =
        (vec![Team { team_id: 1, captain_id: 10 }], vec![Player { player_id: 10, team_id: 1 }]);
    let err = store.save_set().with(&teams).with(&players).commit().unwrap_err();
    assert!(err.to_string().contains("Team.captain_id -> Player"), "{err}");
    assert_eq!(store.count::<Team>().unwrap(), 0);
}
