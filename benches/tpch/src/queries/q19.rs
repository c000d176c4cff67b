//! Q19, discounted revenue: three alternative part/quantity conditions.

use parquetframe::prelude::*;

use super::{Api, disc_price};
use crate::entities::{LineItem, Part};

pub(super) const API: Api = Api::Mixed("the three alternatives combine columns of both entities in one OR");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let branch = |brand: &str, containers: [&str; 4], low: f64, size: i32| {
        col("p_brand")
            .eq(lit(brand))
            .and(col("p_container").is_in(containers))
            .and(col("l_quantity").between(lit(low), lit(low + 10.0)))
            .and(col("p_size").between(lit(1), lit(size)))
    };
    Ok(store
        .query::<LineItem>()
        .filter(LineItem::L_SHIPMODE.is_in(["AIR", "AIR REG"]))
        .filter(LineItem::L_SHIPINSTRUCT.eq("DELIVER IN PERSON"))
        .join::<Part>()?
        .proxy()
        .filter(
            branch("Brand#12", ["SM CASE", "SM BOX", "SM PACK", "SM PKG"], 1.0, 5)
                .or(branch("Brand#23", ["MED BAG", "MED BOX", "MED PKG", "MED PACK"], 10.0, 10))
                .or(branch("Brand#34", ["LG CASE", "LG BOX", "LG PACK", "LG PKG"], 20.0, 15)),
        )
        .select([disc_price().sum().alias("revenue")]))
}
