//! Q21, suppliers who kept orders waiting. EXISTS (another supplier in the
//! order) and NOT EXISTS (another supplier late in it) become one pass over
//! the line items per order: another supplier exists when the order's
//! smallest and largest supplier keys differ; no other supplier was late
//! when its late lines' smallest and largest supplier keys are equal (the
//! outer line is late itself, so that one key is its own). The orders that
//! pass are semi-joined.
//!
//! The per-order pass reads only the orders that can answer: those of the
//! late lines of Saudi suppliers in finished orders (about 1 in 20 orders),
//! found first and semi-joined into the pass, which then groups a few
//! hundred thousand lines instead of all six million (at SF 1). The
//! candidate lines are the same plan twice; polars reads them once
//! (common subplan elimination).

use parquetframe::engine::{Literal, len, when};
use parquetframe::prelude::*;

use super::Api;
use crate::entities::{LineItem, Nation, Orders, Supplier};

pub(super) const API: Api =
    Api::Mixed("EXISTS / NOT EXISTS of the same table are a semi join on per-order min/max supplier keys");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let late = || col("l_receiptdate").gt(col("l_commitdate"));
    let candidates = || -> Result<DataFrameProxy> {
        Ok(store
            .query::<LineItem>()
            .filter(LineItem::L_RECEIPTDATE.gt(LineItem::L_COMMITDATE))
            .join::<Supplier>()?
            .join::<Nation>()?
            .filter(Nation::N_NAME.eq("SAUDI ARABIA"))
            .join::<Orders>()?
            .filter(Orders::O_ORDERSTATUS.eq("F"))
            .proxy())
    };
    let waiting_orders = store
        .query::<LineItem>()
        .proxy()
        .join(
            candidates()?.select([col("l_orderkey").alias("candidate_orderkey")]),
            ["l_orderkey"],
            ["candidate_orderkey"],
            JoinKind::Semi,
        )
        .select([
            col("l_orderkey"),
            col("l_suppkey"),
            when(late()).then(col("l_suppkey")).otherwise(lit(Literal::Null)).alias("late_suppkey"),
        ])
        .group_by([col("l_orderkey")])
        .agg([
            col("l_suppkey").min().alias("first_supplier"),
            col("l_suppkey").max().alias("last_supplier"),
            col("late_suppkey").min().alias("first_late"),
            col("late_suppkey").max().alias("last_late"),
        ])
        .filter(col("first_supplier").lt(col("last_supplier")).and(col("first_late").eq(col("last_late"))))
        .select([col("l_orderkey").alias("waiting_orderkey")]);
    Ok(candidates()?
        .join(waiting_orders, ["l_orderkey"], ["waiting_orderkey"], JoinKind::Semi)
        .group_by([col("s_name")])
        .agg([len().alias("numwait")])
        .sort([col("numwait").desc(), col("s_name").asc()])
        .limit(100))
}
