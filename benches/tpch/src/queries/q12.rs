//! Q12, shipping modes and order priority: CASE inside sums.

use parquetframe::prelude::*;

use super::{Api, date};
use crate::entities::{LineItem, Orders};

pub(super) const API: Api = Api::Mixed("CASE is untyped");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let high = col("o_orderpriority").eq(lit("1-URGENT")).or(col("o_orderpriority").eq(lit("2-HIGH")));
    Ok(store
        .query::<LineItem>()
        .filter(LineItem::L_SHIPMODE.is_in(["MAIL", "SHIP"]))
        .filter(LineItem::L_COMMITDATE.lt(LineItem::L_RECEIPTDATE))
        .filter(LineItem::L_SHIPDATE.lt(LineItem::L_COMMITDATE))
        .filter(LineItem::L_RECEIPTDATE.ge(date(1994, 1, 1)))
        .filter(LineItem::L_RECEIPTDATE.lt(date(1995, 1, 1)))
        .join::<Orders>()?
        .group_by([LineItem::L_SHIPMODE])
        .proxy([
            when(high.clone()).then(lit(1i64)).otherwise(lit(0i64)).sum().alias("high_line_count"),
            when(high.not()).then(lit(1i64)).otherwise(lit(0i64)).sum().alias("low_line_count"),
        ])
        .sort([col("l_shipmode")]))
}
