//! Avro data files in the store: the same interface as Parquet data files,
//! over [`crate::avro`]. Blocks are grouped into "row groups" for parallel
//! reading; there are no statistics, so point lookups read the key column.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use arrow::array::{ArrayRef, RecordBatch, UInt32Array};
use arrow::compute::{filter_record_batch, take_record_batch};

use super::Target;
use super::claims::Deleted;
use crate::avro::AvroFile;
use crate::avro::decode::Plan;
use crate::error::{Error, StorageError};

/// An open Avro data file and the plans that read it as the target.
pub struct DataFile {
    file: AvroFile,
    target: Target,
    full: OnceLock<Result<Plan, String>>,
    /// Single-column plans, built once per column (lookups read the key column of every group).
    columns: Mutex<HashMap<String, Arc<Plan>>>,
}

impl DataFile {
    /// Opens `path`: reads its header and indexes its blocks.
    pub fn open(path: &Path, target: &Target) -> Result<Self, Error> {
        Ok(Self::of(AvroFile::open(path)?, target))
    }

    /// Opens the file at `location`: a local file as [`open`](Self::open),
    /// an object in a bucket fetched whole (one GET; Avro has no footer to
    /// read parts by).
    pub fn open_at(location: &crate::io::Location, target: &Target) -> Result<Self, Error> {
        match location {
            crate::io::Location::Local(path) => Self::open(path, target),
            crate::io::Location::Object(_) => {
                Ok(Self::of(AvroFile::from_bytes(&location.name(), location.read()?)?, target))
            }
        }
    }

    fn of(file: AvroFile, target: &Target) -> Self {
        Self { file, target: target.clone(), full: OnceLock::new(), columns: Mutex::new(HashMap::new()) }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The underlying container file.
    pub fn file(&self) -> &AvroFile {
        &self.file
    }

    fn resolution(&self, message: String) -> Error {
        Error::Resolution { path: self.file.path().to_path_buf(), entity: self.target.name, message }
    }

    fn plan(&self, only: Option<&str>) -> Result<Plan, Error> {
        Plan::new(self.file.schema(), self.target.avro, &self.target.arrow, only)
            .map_err(|m| self.resolution(m))
    }

    fn column_plan(&self, name: &str) -> Result<Arc<Plan>, Error> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still valid.
        let cached = self.columns.lock().unwrap_or_else(|e| e.into_inner()).get(name).cloned();
        if let Some(plan) = cached {
            return Ok(plan);
        }
        let plan = Arc::new(self.plan(Some(name))?);
        self.columns.lock().unwrap_or_else(|e| e.into_inner()).insert(name.to_owned(), plan.clone());
        Ok(plan)
    }

    fn full_plan(&self) -> Result<&Plan, Error> {
        self.full
            .get_or_init(|| self.plan(None).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|m| self.resolution(m.clone()))
    }

    /// Rows in each group of blocks.
    pub fn row_group_rows(&self) -> Vec<usize> {
        self.file.group_rows()
    }

    /// Column `name`, decoded alone (the other fields are skipped).
    pub fn read_column(&self, name: &str, group: Option<usize>) -> Result<Vec<ArrayRef>, Error> {
        let plan = self.column_plan(name)?;
        let batch = match group {
            Some(g) => self.file.read_group(g, &plan)?,
            None => self.file.read_all(&plan)?,
        };
        match batch.columns().first() {
            Some(c) => Ok(vec![c.clone()]),
            None => Err(StorageError::Corrupt {
                path: self.path().to_path_buf(),
                message: format!("its schema has no field `{name}`"),
            }
            .into()),
        }
    }

    /// Row `offset` of group `group`.
    pub fn read_row(&self, group: usize, offset: usize) -> Result<Vec<RecordBatch>, Error> {
        let batch = self.file.read_group(group, self.full_plan()?)?;
        if offset >= batch.num_rows() {
            return Ok(Vec::new());
        }
        Ok(vec![batch.slice(offset, 1)])
    }

    /// The rows at `offsets` of group `group` (offsets past its rows are none).
    pub fn read_rows(&self, group: usize, offsets: &[usize]) -> Result<Vec<RecordBatch>, Error> {
        let batch = self.file.read_group(group, self.full_plan()?)?;
        let n = batch.num_rows();
        let indices: UInt32Array =
            offsets.iter().filter(|&&o| o < n).filter_map(|&o| u32::try_from(o).ok()).collect();
        let batch = take_record_batch(&batch, &indices).map_err(|source| Error::Arrow {
            context: format!("selecting rows of `{}`", self.path().display()),
            source,
        })?;
        Ok(if batch.num_rows() > 0 { vec![batch] } else { Vec::new() })
    }

    /// The rows of group `group` that `deleted` does not mark (all when `None`).
    pub fn read_row_group(
        &self,
        group: usize,
        deleted: Option<Deleted<'_>>,
    ) -> Result<Vec<RecordBatch>, Error> {
        let batch = self.file.read_group(group, self.full_plan()?)?;
        let batch = match deleted.and_then(|d| d.flags(0, batch.num_rows())) {
            None => batch,
            Some(mask) => filter_record_batch(&batch, &mask).map_err(|source| Error::Arrow {
                context: format!("filtering `{}`", self.path().display()),
                source,
            })?,
        };
        Ok(if batch.num_rows() > 0 { vec![batch] } else { Vec::new() })
    }
}
