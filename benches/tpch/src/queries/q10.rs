//! Q10, returned item reporting: lineitem → orders → customer → nation.

use parquetframe::prelude::*;

use super::{Api, date};
use crate::entities::{Customer, LineItem, Nation, Orders};

pub(super) const API: Api = Api::Typed;

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let keys: [Expr; 7] = [
        Customer::C_CUSTKEY.into(),
        Customer::C_NAME.into(),
        Customer::C_ACCTBAL.into(),
        Customer::C_PHONE.into(),
        Nation::N_NAME.into(),
        Customer::C_ADDRESS.into(),
        Customer::C_COMMENT.into(),
    ];
    Ok(store
        .query::<LineItem>()
        .filter(LineItem::L_RETURNFLAG.eq("R"))
        .join::<Orders>()?
        .filter(Orders::O_ORDERDATE.ge(date(1993, 10, 1)))
        .filter(Orders::O_ORDERDATE.lt(date(1994, 1, 1)))
        .join::<Customer>()?
        .join::<Nation>()?
        .group_by(keys)
        .proxy([(LineItem::L_EXTENDEDPRICE * (1.0 - LineItem::L_DISCOUNT)).sum().alias("revenue")])
        .sort([col("revenue").desc()])
        .limit(20)
        .select([
            // The join merged `c_custkey` into `o_custkey`.
            col("o_custkey").alias("c_custkey"),
            col("c_name"),
            col("revenue"),
            col("c_acctbal"),
            col("n_name"),
            col("c_address"),
            col("c_phone"),
            col("c_comment"),
        ]))
}
