//! `tpch generate DIR SF`: loads the 8 TPC-H tables at scale factor SF into
//! a store at DIR (what `scripts/tpch-answers.sh` and the benchmark run).
//! `tpch run DIR N [ENGINE]`: runs query N there and prints the result.

use std::process::ExitCode;

use parquetframe::{Engine, Store};
use parquetframe_tpch::{generate, queries};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["generate", dir, sf] => {
            sf.parse::<f64>().map_err(|e| format!("scale factor `{sf}`: {e}")).and_then(|sf| {
                let store = Store::open(dir).map_err(|e| e.to_string())?;
                let started = std::time::Instant::now();
                let counts = generate::load(&store, sf).map_err(|e| e.to_string())?;
                for (table, rows) in counts {
                    println!("{table}: {rows} rows");
                }
                println!("loaded in {:.1} s", started.elapsed().as_secs_f64());
                Ok(())
            })
        }
        ["run", dir, n, rest @ ..] => run(dir, n, rest.first().copied(), false),
        ["sql", dir, n, rest @ ..] => run(dir, n, rest.first().copied(), true),
        _ => {
            Err("usage: tpch generate DIR SF | tpch run DIR N [memory|lazy|streaming|datafusion]".to_owned())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tpch: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs query `n` (its plan, or its SQL text through `store.sql`).
fn run(dir: &str, n: &str, engine: Option<&str>, sql: bool) -> Result<(), String> {
    let store = Store::open(dir).map_err(|e| e.to_string())?;
    let number: usize = n.parse().map_err(|e| format!("query `{n}`: {e}"))?;
    let query =
        queries::ALL.get(number.wrapping_sub(1)).ok_or_else(|| format!("no query {number}: 1 to 22"))?;
    let engine: Option<Engine> =
        engine.map(|name| name.parse().map_err(|e: parquetframe::Error| e.to_string())).transpose()?;
    let started = std::time::Instant::now();
    let frame = if sql {
        let q = store.sql(query.sql);
        let q = match engine {
            Some(e) => q.engine(e),
            None => q,
        };
        println!("{}", q.explain().map_err(|e| e.to_string())?);
        q.collect().map_err(|e| e.to_string())?
    } else {
        let mut q = (query.build)(&store).map_err(|e| e.to_string())?;
        if let Some(e) = engine {
            q = q.engine(e);
        }
        println!("{}", q.explain().map_err(|e| e.to_string())?);
        q.collect().map_err(|e| e.to_string())?
    };
    println!("{frame}\nin {:.3} s", started.elapsed().as_secs_f64());
    Ok(())
}
