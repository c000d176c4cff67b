//! A query's inputs as DataFusion frames over the same files the local
//! engines read.
//!
//! An entity's live rows are its data files minus the rows their deletion
//! vectors mark. The local engines drop those by position; on the cluster
//! each file with such rows is filtered on its dead rows' keys (a key occurs
//! once per file, so this drops exactly those rows), sent with the plan, so
//! executors need nothing but the data files (Parquet, or Avro read by
//! arrow-avro on the executors).

use std::collections::VecDeque;
use std::path::Path;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::SchemaRef;
use datafusion::common::TableReference;
use datafusion::logical_expr::{Expr as Df, LogicalPlan, TableScanBuilder};
use datafusion::prelude::{AvroReadOptions, DataFrame, ParquetReadOptions, SessionContext};

use super::super::plan::Resolved;
use super::super::source::{EntitySource, Input, Kind};
use super::lower::{datafusion_error, unqualified, unsupported};
use crate::error::Error;
use crate::storage::scan::LiveSet;

/// The frames of a plan's inputs, in the order the lowering takes them:
/// the source, then each join's side, depth first.
pub(super) struct Inputs {
    frames: VecDeque<DataFrame>,
}

impl Inputs {
    pub async fn build(ctx: &SessionContext, resolved: &Resolved<'_>) -> Result<Self, Error> {
        let mut order = Vec::new();
        fn walk<'a>(r: &'a Resolved<'a>, out: &mut Vec<&'a Resolved<'a>>) {
            out.push(r);
            for j in &r.joins {
                walk(j, out);
            }
        }
        walk(resolved, &mut order);
        let mut frames = VecDeque::with_capacity(order.len());
        for r in order {
            let needed = r.plan.needed_columns();
            frames.push_back(frame(ctx, &r.input, needed.as_deref()).await?);
        }
        Ok(Self { frames })
    }

    pub fn next(&mut self) -> Result<DataFrame, Error> {
        self.frames.pop_front().ok_or_else(|| datafusion_error("planning", "an input was not read"))
    }
}

/// Whether an input has no stored file (nothing for executors to read).
pub(super) fn is_empty(input: &Input) -> bool {
    matches!(&input.kind, Kind::Entity { live, .. } if live.files.is_empty())
}

pub(super) async fn frame(
    ctx: &SessionContext,
    input: &Input,
    needed: Option<&[String]>,
) -> Result<DataFrame, Error> {
    if let Err(why) = input.cluster_readable() {
        return Err(unsupported(format!("cannot run this query: {why}")));
    }
    match &input.kind {
        Kind::Entity { store, source, live } => {
            if let Some(object) = store.location().object() {
                // Planning an Avro scan reads the files' headers here (the
                // schema DataFusion infers), through the store's own client;
                // the executors read the rows with theirs.
                let bucket = object.bucket();
                let url = url::Url::parse(bucket.url()).map_err(|e| datafusion_error(bucket.url(), e))?;
                ctx.register_object_store(&url, bucket.store());
            }
            entity(ctx, source, live, needed).await
        }
        Kind::Files(f) => {
            let paths: Vec<String> = f.files.iter().map(|p| path_text(p)).collect();
            let what = format!("reading `{}`", f.path.display());
            let df = ctx
                .read_parquet(paths, ParquetReadOptions::default())
                .await
                .map_err(|e| datafusion_error(&what, e))?;
            let name = f
                .path
                .file_name()
                .map_or_else(|| f.path.display().to_string(), |n| n.to_string_lossy().into_owned());
            let df = named(ctx, df, &name, &what)?;
            let names: Vec<String> = df
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .filter(|n| needed.is_none_or(|c| c.contains(n)))
                .collect();
            unqualified(df, &names)
        }
        Kind::Frame(_) => Err(unsupported("cannot read an in-memory DataFrame")),
    }
}

fn path_text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The rows of `paths` with the columns of `schema`, in its order. Parquet
/// files are read with that schema; Avro files as arrow-avro reads them,
/// each column cast to the entity's type where the two differ (a timestamp
/// zone spelled `+00:00`, an unsigned integer stored as `long`).
async fn read(
    ctx: &SessionContext,
    paths: Vec<String>,
    schema: &SchemaRef,
    name: &str,
    what: &str,
) -> Result<DataFrame, Error> {
    let (avro, parquet): (Vec<String>, Vec<String>) = paths.into_iter().partition(|p| p.ends_with(".avro"));
    let mut parts = Vec::with_capacity(2);
    if !parquet.is_empty() {
        // The files hold some columns in Delta Lake's types (`formats::table_types`).
        let stored = crate::formats::table_types::table_schema(schema);
        let df = ctx
            .read_parquet(parquet, ParquetReadOptions::default().schema(&stored))
            .await
            .map_err(|e| datafusion_error(what, e))?;
        parts.push(restored(named(ctx, df, name, what)?, schema, what)?);
    }
    if !avro.is_empty() {
        let df =
            ctx.read_avro(avro, AvroReadOptions::default()).await.map_err(|e| datafusion_error(what, e))?;
        parts.push(as_schema(named(ctx, df, name, what)?, schema, what)?);
    }
    let mut parts = parts.into_iter();
    let first = parts.next().ok_or_else(|| datafusion_error(what, "no files"))?;
    parts.try_fold(first, |all, part| all.union(part).map_err(|e| datafusion_error(what, e)))
}

/// `df`, a file scan, under `name` instead of DataFusion's `?table?`, so
/// that plans (explain, the scheduler's log) say which entity and file
/// each scan reads.
fn named(ctx: &SessionContext, df: DataFrame, name: &str, what: &str) -> Result<DataFrame, Error> {
    let LogicalPlan::TableScan(scan) = df.into_unoptimized_plan() else {
        return Err(datafusion_error(what, "a file scan was expected"));
    };
    let scan = TableScanBuilder::new(TableReference::bare(name), scan.source)
        .with_projection(scan.projection)
        .with_filters(scan.filters)
        .with_fetch(scan.fetch)
        .with_statistics_requests(scan.statistics_requests)
        .build()
        .map_err(|e| datafusion_error(what, e))?;
    Ok(DataFrame::new(ctx.state(), LogicalPlan::TableScan(scan)))
}

/// `df`, read in the table types of `schema`'s columns, in `schema`'s types.
fn restored(df: DataFrame, schema: &SchemaRef, what: &str) -> Result<DataFrame, Error> {
    use crate::formats::table_types::{restore_via, table_type};
    if !crate::formats::table_types::differs(schema) {
        return Ok(df);
    }
    let columns: Vec<Df> = schema
        .fields()
        .iter()
        .map(|field| {
            let name = field.name();
            if table_type(field.data_type()) == *field.data_type() {
                return column(name);
            }
            let stored = match restore_via(field.data_type()) {
                Some(via) => datafusion::logical_expr::cast(column(name), via),
                None => column(name),
            };
            datafusion::logical_expr::cast(stored, field.data_type().clone()).alias(name)
        })
        .collect();
    df.select(columns).map_err(|e| datafusion_error(what, e))
}

/// `df`'s columns named by `schema`, cast to its types.
fn as_schema(df: DataFrame, schema: &SchemaRef, what: &str) -> Result<DataFrame, Error> {
    let mut columns = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let name = field.name();
        let Ok(found) = df.schema().field_with_unqualified_name(name) else {
            return Err(datafusion_error(what, format!("the Avro files have no column `{name}`")));
        };
        let expr = if found.data_type() == field.data_type() {
            column(name)
        } else if datafusion::arrow::compute::can_cast_types(found.data_type(), field.data_type()) {
            datafusion::logical_expr::cast(column(name), field.data_type().clone())
        } else {
            return Err(unsupported(format!(
                "cannot run this query: column `{name}` is {} in the Avro files as the cluster reads them, \
                 and {} in the entity",
                found.data_type(),
                field.data_type()
            )));
        };
        columns.push(expr.alias(name));
    }
    df.select(columns).map_err(|e| datafusion_error(what, e))
}

/// The scan name of one file of an entity: its name and the file's position.
fn file_name(source: &EntitySource, index: usize) -> String {
    format!("{}@{index}", source.name)
}

fn column(name: &str) -> Df {
    Df::Column(datafusion::common::Column::new_unqualified(name))
}

async fn entity(
    ctx: &SessionContext,
    source: &EntitySource,
    live: &LiveSet,
    needed: Option<&[String]>,
) -> Result<DataFrame, Error> {
    let what = format!("reading entity `{}`", source.name);
    let schema = &source.schema;
    let names: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| needed.is_none_or(|c| c.contains(n)))
        .collect();
    if live.files.is_empty() {
        let empty = arrow::record_batch::RecordBatch::new_empty(schema.clone());
        let df = ctx.read_batch(empty).map_err(|e| datafusion_error(&what, e))?;
        return unqualified(df, &names);
    }
    let clean: Vec<String> =
        live.files.iter().filter(|f| f.dead.is_empty()).map(|f| path_text(&f.path)).collect();
    let mut parts = Vec::new();
    if !clean.is_empty() {
        parts.push(unqualified(read(ctx, clean, schema, source.name, &what).await?, &names)?);
    }
    // A file with rows its deletion vector marks: the cluster reads the file
    // and drops those rows by their keys (a key occurs once per file).
    for (i, file) in live.files.iter().enumerate().filter(|(_, f)| !f.dead.is_empty()) {
        let data = read(ctx, vec![path_text(&file.path)], schema, &file_name(source, i), &what).await?;
        let data = match &file.dead_keys {
            Some(keys) => data
                .filter(not_dead(source.key, keys).map_err(|e| datafusion_error(&what, e))?)
                .map_err(|e| datafusion_error(&what, e))?,
            None => data,
        };
        parts.push(unqualified(data, &names)?);
    }
    let mut parts = parts.into_iter();
    let first = parts.next().ok_or_else(|| datafusion_error(&what, "no files"))?;
    parts.try_fold(first, |all, part| all.union(part).map_err(|e| datafusion_error(&what, e)))
}

/// The predicate that keeps the rows whose primary key (columns `key`) is
/// none of `dead` (the key column, or a struct array of the key columns).
fn not_dead(key: &[&str], dead: &ArrayRef) -> datafusion::error::Result<datafusion::logical_expr::Expr> {
    use datafusion::logical_expr::{Expr, lit};
    use datafusion::scalar::ScalarValue;
    let values = |array: &dyn Array| -> datafusion::error::Result<Vec<Expr>> {
        (0..array.len()).map(|row| ScalarValue::try_from_array(array, row).map(lit)).collect()
    };
    if let [one] = key {
        return Ok(column(one).in_list(values(dead.as_ref())?, true));
    }
    // A composite key: the struct of the key columns is none of the dead
    // keys (struct literals). One flat list, which DataFusion hashes, rather
    // than an OR per dead key: that would cost rows x dead keys, and nest
    // one level per key.
    if dead.as_struct_opt().is_none() {
        return Err(datafusion::error::DataFusionError::Internal(format!(
            "the deleted keys of a composite key ({}) are not a struct array",
            key.join(", ")
        )));
    }
    let parts = key.iter().flat_map(|c| [lit(ScalarValue::Utf8(Some((*c).to_owned()))), column(c)]).collect();
    Ok(datafusion::functions::core::expr_fn::named_struct(parts).in_list(values(dead.as_ref())?, true))
}
