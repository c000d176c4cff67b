//! Loading a store with TPC-H data from `tpchgen` (dbgen's rows, in Rust):
//! each table is generated in chunks, in parallel, and saved chunk by chunk
//! (one file and one commit per chunk), parents before children.

use chrono::NaiveDate;
use parquetframe::{Entity, Result, Store};
use rayon::prelude::*;
use tpchgen::dates::TPCHDate;
use tpchgen::generators as tg;

use crate::entities::*;

/// Rows generated and saved at a time: bounds memory at any scale.
const CHUNK_ROWS: i64 = 2_000_000;

/// Rows loaded per table, in load order.
pub type Counts = Vec<(&'static str, usize)>;

fn date(d: TPCHDate) -> NaiveDate {
    // Days from 0001-01-01 (day 1) to 1970-01-01.
    const EPOCH_FROM_CE: i32 = 719_163;
    NaiveDate::from_num_days_from_ce_opt(d.to_unix_epoch() + EPOCH_FROM_CE).unwrap_or_default()
}

/// Generates `rows` rows in parts of about [`CHUNK_ROWS`] (each split in
/// one sub-part per thread), saving each part as it is made.
fn load_parts<T: Entity>(
    store: &Store,
    rows: i64,
    make: impl Fn(i32, i32) -> Vec<T> + Sync,
) -> Result<usize> {
    let chunks = ((rows + CHUNK_ROWS - 1) / CHUNK_ROWS).max(1) as i32;
    let threads = rayon::current_num_threads().max(1) as i32;
    let parts = chunks * threads;
    let mut saved = 0;
    for chunk in 0..chunks {
        let pieces: Vec<Vec<T>> =
            (0..threads).into_par_iter().map(|t| make(chunk * threads + t + 1, parts)).collect();
        let rows: Vec<T> = pieces.into_iter().flatten().collect();
        saved += rows.len();
        store.save_all(&rows)?;
    }
    Ok(saved)
}

/// Loads the 8 tables at scale factor `sf` into `store` (which should hold
/// none of them yet: saves are upserts, so a second load rewrites them).
pub fn load(store: &Store, sf: f64) -> Result<Counts> {
    let mut counts = Counts::new();
    let regions: Vec<Region> = tg::RegionGenerator::new(sf, 1, 1)
        .iter()
        .map(|r| Region {
            r_regionkey: r.r_regionkey,
            r_name: r.r_name.into(),
            r_comment: r.r_comment.into(),
        })
        .collect();
    store.save_all(&regions)?;
    counts.push(("region", regions.len()));
    let nations: Vec<Nation> = tg::NationGenerator::new(sf, 1, 1)
        .iter()
        .map(|n| Nation {
            n_nationkey: n.n_nationkey,
            n_name: n.n_name.into(),
            n_regionkey: n.n_regionkey,
            n_comment: n.n_comment.into(),
        })
        .collect();
    store.save_all(&nations)?;
    counts.push(("nation", nations.len()));

    let rows = tg::PartGenerator::calculate_row_count(sf, 1, 1);
    let n = load_parts(store, rows, |part, parts| {
        tg::PartGenerator::new(sf, part, parts)
            .iter()
            .map(|p| Part {
                p_partkey: p.p_partkey,
                p_name: p.p_name.to_string(),
                p_mfgr: p.p_mfgr.to_string(),
                p_brand: p.p_brand.to_string(),
                p_type: p.p_type.into(),
                p_size: p.p_size,
                p_container: p.p_container.into(),
                p_retailprice: p.p_retailprice.as_f64(),
                p_comment: p.p_comment.into(),
            })
            .collect()
    })?;
    counts.push(("part", n));

    let rows = tg::SupplierGenerator::calculate_row_count(sf, 1, 1);
    let n = load_parts(store, rows, |part, parts| {
        tg::SupplierGenerator::new(sf, part, parts)
            .iter()
            .map(|s| Supplier {
                s_suppkey: s.s_suppkey,
                s_name: s.s_name.to_string(),
                s_address: s.s_address.to_string(),
                s_nationkey: s.s_nationkey,
                s_phone: s.s_phone.to_string(),
                s_acctbal: s.s_acctbal.as_f64(),
                s_comment: s.s_comment,
            })
            .collect()
    })?;
    counts.push(("supplier", n));

    let rows = tg::PartSuppGenerator::calculate_row_count(sf, 1, 1);
    let n = load_parts(store, rows, |part, parts| {
        tg::PartSuppGenerator::new(sf, part, parts)
            .iter()
            .map(|ps| PartSupp {
                ps_partkey: ps.ps_partkey,
                ps_suppkey: ps.ps_suppkey,
                ps_availqty: ps.ps_availqty,
                ps_supplycost: ps.ps_supplycost.as_f64(),
                ps_comment: ps.ps_comment.into(),
            })
            .collect()
    })?;
    counts.push(("partsupp", n));

    let rows = tg::CustomerGenerator::calculate_row_count(sf, 1, 1);
    let n = load_parts(store, rows, |part, parts| {
        tg::CustomerGenerator::new(sf, part, parts)
            .iter()
            .map(|c| Customer {
                c_custkey: c.c_custkey,
                c_name: c.c_name.to_string(),
                c_address: c.c_address.to_string(),
                c_nationkey: c.c_nationkey,
                c_phone: c.c_phone.to_string(),
                c_acctbal: c.c_acctbal.as_f64(),
                c_mktsegment: c.c_mktsegment.into(),
                c_comment: c.c_comment.into(),
            })
            .collect()
    })?;
    counts.push(("customer", n));

    let rows = tg::OrderGenerator::calculate_row_count(sf, 1, 1);
    let n = load_parts(store, rows, |part, parts| {
        tg::OrderGenerator::new(sf, part, parts)
            .iter()
            .map(|o| Orders {
                o_orderkey: o.o_orderkey,
                o_custkey: o.o_custkey,
                o_orderstatus: o.o_orderstatus.to_string(),
                o_totalprice: o.o_totalprice.as_f64(),
                o_orderdate: date(o.o_orderdate),
                o_orderpriority: o.o_orderpriority.into(),
                o_clerk: o.o_clerk.to_string(),
                o_shippriority: o.o_shippriority,
                o_comment: o.o_comment.into(),
            })
            .collect()
    })?;
    counts.push(("orders", n));

    // About four lines per order.
    let rows = tg::OrderGenerator::calculate_row_count(sf, 1, 1) * 4;
    let n = load_parts(store, rows, |part, parts| {
        tg::LineItemGenerator::new(sf, part, parts)
            .iter()
            .map(|l| LineItem {
                l_orderkey: l.l_orderkey,
                l_partkey: l.l_partkey,
                l_suppkey: l.l_suppkey,
                l_linenumber: l.l_linenumber,
                l_quantity: l.l_quantity as f64,
                l_extendedprice: l.l_extendedprice.as_f64(),
                l_discount: l.l_discount.as_f64(),
                l_tax: l.l_tax.as_f64(),
                l_returnflag: l.l_returnflag.into(),
                l_linestatus: l.l_linestatus.into(),
                l_shipdate: date(l.l_shipdate),
                l_commitdate: date(l.l_commitdate),
                l_receiptdate: date(l.l_receiptdate),
                l_shipinstruct: l.l_shipinstruct.into(),
                l_shipmode: l.l_shipmode.into(),
                l_comment: l.l_comment.into(),
            })
            .collect()
    })?;
    counts.push(("lineitem", n));
    Ok(counts)
}
