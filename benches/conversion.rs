//! Conversion benchmark under the system allocator (glibc on Linux).
//! `cargo bench --bench conversion`; cases in `support/conversion_cases.rs`.

#[path = "support/conversion_cases.rs"]
mod conversion_cases;
mod support;

fn main() {
    conversion_cases::run("system");
}
