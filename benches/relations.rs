use polars::prelude::*;
fn main() {
    let lf = LazyFrame::scan_parquet(PlRefPath::new("x"), ScanArgsParquet::default()).unwrap();
    let users = LazyFrame::scan_parquet(PlRefPath::new("y"), ScanArgsParquet::default()).unwrap();
    let out = lf
        .select([col("user_id")])
        .join(
            users.select([col("user_id")]),
            [col("user_id")],
            [col("user_id")],
            JoinArgs::new(JoinType::Anti),
        )
        .select([len()])
        .collect()
        .unwrap();
    println!("{out}");
}
