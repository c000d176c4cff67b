//! Q15, top supplier: the revenue view, and the suppliers whose revenue is
//! its maximum (a scalar subquery).
//!
//! The maximum is a float sum computed a second time by the subquery; two
//! runs may add in another order and differ in the last bits, so "equal to
//! the maximum" is "within one part in 10^12 of it".

use parquetframe::prelude::*;

use super::{Api, date};
use crate::entities::{LineItem, Supplier};

pub(super) const API: Api =
    Api::Mixed("the maximum is an untyped scalar subquery, joined back to the suppliers");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let revenue = || {
        store
            .query::<LineItem>()
            .filter(LineItem::L_SHIPDATE.ge(date(1996, 1, 1)))
            .filter(LineItem::L_SHIPDATE.lt(date(1996, 4, 1)))
            .group_by([LineItem::L_SUPPKEY])
            .proxy([(LineItem::L_EXTENDEDPRICE * (1.0 - LineItem::L_DISCOUNT)).sum().alias("total_revenue")])
    };
    let top = revenue().select([(col("total_revenue").max() * lit(1.0 - 1e-12)).alias("top")]).scalar();
    Ok(store
        .query::<Supplier>()
        .proxy()
        .join(revenue().filter(col("total_revenue").ge(top)), ["s_suppkey"], ["l_suppkey"], JoinKind::Inner)
        .select([col("s_suppkey"), col("s_name"), col("s_address"), col("s_phone"), col("total_revenue")])
        .sort([col("s_suppkey")]))
}
