//! Conversion benchmark under the system allocator (glibc on Linux).
//! `cargo bench --bench conversion`; cases in `support/conversion_cases.rs`.

mod support;

fn main() {
    support::conversion_cases::run("system");
}
