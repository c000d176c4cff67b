//! Q2, minimum cost supplier. The correlated subquery (the lowest supply
//! cost of each part in the region) is a group-by, over the offers of the
//! parts the query asks about, joined back on the part and the cost:
//! untyped, being a join on two columns.

use parquetframe::prelude::*;

use super::Api;
use crate::entities::{Nation, Part, PartSupp, Region, Supplier};

pub(super) const API: Api = Api::Mixed("the correlated minimum is a group-by joined back on two columns");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    // Supply offers of European suppliers for the parts asked about: the
    // lowest cost of a part needs that part's offers only.
    let chosen = || -> Result<_> {
        Ok(store
            .query::<PartSupp>()
            .join::<Part>()?
            .filter(Part::P_SIZE.eq(15))
            .filter(Part::P_TYPE.like("%BRASS"))
            .join::<Supplier>()?
            .join::<Nation>()?
            .join::<Region>()?
            .filter(Region::R_NAME.eq("EUROPE")))
    };
    let cheapest = chosen()?
        .group_by([PartSupp::PS_PARTKEY])
        .proxy([PartSupp::PS_SUPPLYCOST.min().alias("min_cost")])
        .select([col("ps_partkey").alias("min_partkey"), col("min_cost")]);
    Ok(chosen()?
        .proxy()
        .join(cheapest, ["ps_partkey", "ps_supplycost"], ["min_partkey", "min_cost"], JoinKind::Inner)
        .select([
            col("s_acctbal"),
            col("s_name"),
            col("n_name"),
            col("ps_partkey").alias("p_partkey"),
            col("p_mfgr"),
            col("s_address"),
            col("s_phone"),
            col("s_comment"),
        ])
        .sort([col("s_acctbal").desc(), col("n_name").asc(), col("s_name").asc(), col("p_partkey").asc()])
        .limit(100))
}
