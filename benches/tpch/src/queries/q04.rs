//! Q4, order priority checking: EXISTS is a semi join.
//!
//! The quarter's orders (57 thousand at SF 1) first narrow the late line
//! items to their own (a semi join whose hash table holds the quarter's
//! order keys), and those lines then keep the orders: the second semi join
//! builds its table from the 140 thousand matching lines instead of the
//! 3.8 million late ones of every order.

use parquetframe::engine::len;
use parquetframe::prelude::*;

use super::{Api, date};
use crate::entities::{LineItem, Orders};

pub(super) const API: Api = Api::Mixed("EXISTS is an untyped semi join");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let quarter = || {
        store
            .query::<Orders>()
            .filter(Orders::O_ORDERDATE.ge(date(1993, 7, 1)))
            .filter(Orders::O_ORDERDATE.lt(date(1993, 10, 1)))
            .proxy()
    };
    let late = store
        .query::<LineItem>()
        .filter(LineItem::L_COMMITDATE.lt(LineItem::L_RECEIPTDATE))
        .proxy()
        .select([col("l_orderkey")])
        .join(quarter().select([col("o_orderkey")]), ["l_orderkey"], ["o_orderkey"], JoinKind::Semi);
    Ok(quarter()
        .join(late, ["o_orderkey"], ["l_orderkey"], JoinKind::Semi)
        .group_by([col("o_orderpriority")])
        .agg([len().alias("order_count")])
        .sort([col("o_orderpriority")]))
}
