//! Q3, shipping priority: lineitem → orders → customer, a top 10.

use parquetframe::prelude::*;

use super::{Api, date};
use crate::entities::{Customer, LineItem, Orders};

pub(super) const API: Api = Api::Typed;

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let day = date(1995, 3, 15);
    let keys: [Expr; 3] =
        [LineItem::L_ORDERKEY.into(), Orders::O_ORDERDATE.into(), Orders::O_SHIPPRIORITY.into()];
    Ok(store
        .query::<LineItem>()
        .filter(LineItem::L_SHIPDATE.gt(day))
        .join::<Orders>()?
        .filter(Orders::O_ORDERDATE.lt(day))
        .join::<Customer>()?
        .filter(Customer::C_MKTSEGMENT.eq("BUILDING"))
        .group_by(keys)
        .proxy([(LineItem::L_EXTENDEDPRICE * (1.0 - LineItem::L_DISCOUNT)).sum().alias("revenue")])
        .sort([col("revenue").desc(), col("o_orderdate").asc()])
        .limit(10)
        .select([col("l_orderkey"), col("revenue"), col("o_orderdate"), col("o_shippriority")]))
}
