//! Compile-fail cases for every macro error (`tests/ui/<topic>/`), and cases
//! that must compile (`tests/ui-pass/`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/*.rs");
    t.pass("tests/ui-pass/*.rs");
}
