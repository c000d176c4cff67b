//! Q22, global sales opportunity: a scalar average, NOT EXISTS as an anti
//! join, and country codes from a substring.

use parquetframe::engine::len;
use parquetframe::prelude::*;

use super::Api;
use crate::entities::{Customer, Orders};

pub(super) const API: Api = Api::Mixed("NOT EXISTS is an untyped anti join");

const CODES: [&str; 7] = ["13", "31", "23", "29", "30", "18", "17"];

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let code = || col("c_phone").substring(1, 2);
    let average = store
        .query::<Customer>()
        .filter(Customer::C_ACCTBAL.gt(0.0))
        .proxy()
        .filter(code().is_in(CODES))
        .select([col("c_acctbal").mean()])
        .scalar();
    let ordering = store.query::<Orders>().proxy().select([col("o_custkey")]);
    Ok(store
        .query::<Customer>()
        .proxy()
        .filter(code().is_in(CODES))
        .filter(col("c_acctbal").gt(average))
        .join(ordering, ["c_custkey"], ["o_custkey"], JoinKind::Anti)
        .select([code().alias("cntrycode"), col("c_acctbal")])
        .group_by([col("cntrycode")])
        .agg([len().alias("numcust"), col("c_acctbal").sum().alias("totacctbal")])
        .sort([col("cntrycode")]))
}
