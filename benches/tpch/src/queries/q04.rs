//! Q4, order priority checking: EXISTS is a semi join.

use parquetframe::engine::len;
use parquetframe::prelude::*;

use super::{Api, date};
use crate::entities::{LineItem, Orders};

pub(super) const API: Api = Api::Mixed("EXISTS is an untyped semi join");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let late = store
        .query::<LineItem>()
        .filter(LineItem::L_COMMITDATE.lt(LineItem::L_RECEIPTDATE))
        .proxy()
        .select([col("l_orderkey")]);
    Ok(store
        .query::<Orders>()
        .filter(Orders::O_ORDERDATE.ge(date(1993, 7, 1)))
        .filter(Orders::O_ORDERDATE.lt(date(1993, 10, 1)))
        .proxy()
        .join(late, ["o_orderkey"], ["l_orderkey"], JoinKind::Semi)
        .group_by([col("o_orderpriority")])
        .agg([len().alias("order_count")])
        .sort([col("o_orderpriority")]))
}
