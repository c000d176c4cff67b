//! Fuzzes the Parquet read paths with arbitrary file contents (footers,
//! page headers, pages): the typed readers (which read the footer, cast
//! table types back and decode by column name), whole and by row group.
//! Every input must give rows or an error, never a panic or a hang.

#![no_main]

use libfuzzer_sys::fuzz_target;
use parquetframe::prelude::*;
use parquetframe_fuzz::{Shapes, ShapesSubset};

static HOOK: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys's panic hook aborts at once, even for a panic the
    // library catches and turns into an error (arrow-ipc's, see
    // `formats::parquet::load_footer`); the default hook leaves that to the
    // library, and a panic it does not catch still fails the run.
    HOOK.call_once(|| {
        let _ = std::panic::take_hook();
    });
    let path = std::env::temp_dir().join(format!("parquetframe-fuzz-{}.parquet", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let _ = Shapes::read_file(&path);
    let _ = ShapesSubset::read_file(&path);
    if let Ok(file) = parquetframe::formats::parquet::DataFile::open(&path) {
        for group in 0..file.row_group_rows().len().min(8) {
            let _ = file.read_row_group(group, None);
        }
    }
});
