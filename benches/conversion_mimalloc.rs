//! Conversion benchmark with every implementation under mimalloc, which keeps
//! freed memory instead of returning it to the kernel: what is left is the
//! conversion work itself. `cargo bench --bench conversion_mimalloc`.

#[path = "support/conversion_cases.rs"]
mod conversion_cases;
mod support;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    conversion_cases::run("mimalloc");
}
