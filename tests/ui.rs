//! Compile-fail cases for every macro error (`tests/ui/<topic>/`), and cases
//! that must compile (`tests/ui-pass/`).

#[test]
fn ui() {
    // trybuild builds its own project and does not copy our `[profile]`
    // tables, so its dependencies (polars among them) would get full debug
    // info: 1.5 GB per pass-case binary, enough to fill a CI disk. Cargo reads
    // profile settings from the environment of the child it spawns.
    // SAFETY: this binary has a single test and nothing else reads the
    // environment while it is set.
    unsafe { std::env::set_var("CARGO_PROFILE_DEV_DEBUG", "false") };
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/*.rs");
    t.pass("tests/ui-pass/*.rs");
}
