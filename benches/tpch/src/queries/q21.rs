//! Q21, suppliers who kept orders waiting. EXISTS (another supplier in the
//! order) and NOT EXISTS (another supplier late in it) become counts of
//! distinct suppliers per order, semi-joined.

use parquetframe::engine::len;
use parquetframe::prelude::*;

use super::Api;
use crate::entities::{LineItem, Nation, Orders, Supplier};

pub(super) const API: Api =
    Api::Mixed("EXISTS / NOT EXISTS of the same table are semi joins on per-order counts");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let suppliers_per_order = |late: bool| {
        let lines = store.query::<LineItem>();
        let lines =
            if late { lines.filter(LineItem::L_RECEIPTDATE.gt(LineItem::L_COMMITDATE)) } else { lines };
        lines
            .group_by([LineItem::L_ORDERKEY])
            .proxy([LineItem::L_SUPPKEY.count_distinct().alias("suppliers")])
    };
    // Orders with more than one supplier, and orders with one late supplier.
    let shared = suppliers_per_order(false)
        .filter(col("suppliers").gt(lit(1)))
        .select([col("l_orderkey").alias("shared_orderkey")]);
    let one_late = suppliers_per_order(true)
        .filter(col("suppliers").eq(lit(1)))
        .select([col("l_orderkey").alias("late_orderkey")]);
    Ok(store
        .query::<LineItem>()
        .filter(LineItem::L_RECEIPTDATE.gt(LineItem::L_COMMITDATE))
        .join::<Supplier>()?
        .join::<Nation>()?
        .filter(Nation::N_NAME.eq("SAUDI ARABIA"))
        .join::<Orders>()?
        .filter(Orders::O_ORDERSTATUS.eq("F"))
        .proxy()
        .join(shared, ["l_orderkey"], ["shared_orderkey"], JoinKind::Semi)
        .join(one_late, ["l_orderkey"], ["late_orderkey"], JoinKind::Semi)
        .group_by([col("s_name")])
        .agg([len().alias("numwait")])
        .sort([col("numwait").desc(), col("s_name").asc()])
        .limit(100))
}
