//! Deletion vectors: which rows of a data file are deleted, as Delta stores
//! them (PROTOCOL.md, "Deletion Vector Format").
//!
//! A vector is a `RoaringBitmapArray` in the portable format: the magic
//! number 1681511377 (little-endian u32), then a roaring treemap (the number
//! of 32-bit bitmaps as a u64, then each one's high key and portable
//! bitmap). Small vectors are stored inline in the log, Z85-encoded; larger
//! ones in a file `deletion_vector_<uuid>.bin` in the table directory: a
//! version byte (1), then per vector its size (big-endian u32), the bytes,
//! and a CRC-32 of them (big-endian). One file holds every vector of a commit.

use std::path::{Path, PathBuf};

use deltalake_core::kernel::{DeletionVectorDescriptor, StorageType};
use roaring::RoaringTreemap;

use crate::error::{Error, StorageError};
use crate::io::{self, Location, io_error};

const MAGIC: u32 = 1_681_511_377;

/// Vectors up to this many bytes go inline into the log; larger ones into a
/// file. 4 KiB holds about 2,000 scattered rows: a stream of small upserts
/// into a large file then costs no extra file and fsync per commit, and the
/// log a reader replays (at most 10 entries past a checkpoint) stays small.
pub(crate) const INLINE_MAX_BYTES: usize = 4096;

fn corrupt(path: &Path, message: impl Into<String>) -> Error {
    StorageError::Corrupt { path: path.to_path_buf(), message: message.into() }.into()
}

/// The serialized form: magic and treemap.
pub(crate) fn encode(rows: &RoaringTreemap) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(4 + rows.serialized_size());
    out.extend_from_slice(&MAGIC.to_le_bytes());
    rows.serialize_into(&mut out)
        .map_err(|e| Error::Storage(StorageError::Catalog(format!("encoding a deletion vector: {e}"))))?;
    Ok(out)
}

/// Parses the serialized form; `from` names where it came from in errors.
pub(crate) fn decode(bytes: &[u8], from: &Path) -> Result<RoaringTreemap, Error> {
    let magic = bytes.get(..4).map(|m| u32::from_le_bytes([m[0], m[1], m[2], m[3]]));
    if magic != Some(MAGIC) {
        return Err(corrupt(from, format!("deletion vector: bad magic number {magic:?}")));
    }
    RoaringTreemap::deserialize_from(&bytes[4..]).map_err(|e| corrupt(from, format!("deletion vector: {e}")))
}

/// The descriptor of an inline vector.
pub(crate) fn inline(rows: &RoaringTreemap) -> Result<DeletionVectorDescriptor, Error> {
    let mut bytes = encode(rows)?;
    let size = bytes.len();
    // Z85 encodes groups of 4 bytes: pad with zeros (the treemap's own length
    // fields say where it ends).
    bytes.resize(size.div_ceil(4) * 4, 0);
    Ok(DeletionVectorDescriptor {
        storage_type: StorageType::Inline,
        path_or_inline_dv: z85::encode(&bytes),
        offset: None,
        size_in_bytes: i32::try_from(size).unwrap_or(i32::MAX),
        cardinality: i64::try_from(rows.len()).unwrap_or(i64::MAX),
    })
}

/// A deletion-vector file being assembled for one commit.
pub(crate) struct DvFile {
    uuid: [u8; 16],
    bytes: Vec<u8>,
}

impl DvFile {
    /// An empty file with a fresh name.
    pub(crate) fn new() -> Self {
        Self { uuid: random_uuid(), bytes: vec![1] }
    }

    /// Appends `rows`; returns the descriptor pointing at them.
    pub(crate) fn push(&mut self, rows: &RoaringTreemap) -> Result<DeletionVectorDescriptor, Error> {
        let data = encode(rows)?;
        let offset = self.bytes.len();
        let size = u32::try_from(data.len())
            .map_err(|_| Error::Storage(StorageError::Catalog("a deletion vector over 4 GiB".into())))?;
        self.bytes.extend_from_slice(&size.to_be_bytes());
        self.bytes.extend_from_slice(&data);
        self.bytes.extend_from_slice(&crc32fast::hash(&data).to_be_bytes());
        Ok(DeletionVectorDescriptor {
            storage_type: StorageType::UuidRelativePath,
            path_or_inline_dv: z85::encode(self.uuid),
            offset: Some(i32::try_from(offset).unwrap_or(i32::MAX)),
            size_in_bytes: size as i32,
            cardinality: i64::try_from(rows.len()).unwrap_or(i64::MAX),
        })
    }

    /// Whether nothing was pushed.
    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.len() == 1
    }

    /// Writes the file into `table` (synced, put-if-absent); returns its location.
    pub(crate) fn write(&self, table: &Location) -> Result<Location, Error> {
        let at = table.join(&file_name(&self.uuid));
        match at.put_new(bytes::Bytes::from(self.bytes.clone()))? {
            io::PutNew::Created => Ok(at),
            io::PutNew::Exists => Err(corrupt(&at.name(), "a deletion vector file of this new name exists")),
        }
    }
}

fn file_name(uuid: &[u8; 16]) -> String {
    let h = |r: std::ops::Range<usize>| uuid[r].iter().map(|b| format!("{b:02x}")).collect::<String>();
    format!("deletion_vector_{}-{}-{}-{}-{}.bin", h(0..4), h(4..6), h(6..8), h(8..10), h(10..16))
}

/// 16 random bytes shaped as a version-4 UUID, from the OS-seeded hasher
/// keys, the clock, the process and a counter.
fn random_uuid() -> [u8; 16] {
    use std::hash::{BuildHasher, Hasher};
    let suffix = io::unique_suffix();
    let mut out = [0u8; 16];
    for (i, half) in out.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write(suffix.as_bytes());
        h.write_usize(i);
        half.copy_from_slice(&h.finish().to_le_bytes());
    }
    out[6] = (out[6] & 0x0f) | 0x40;
    out[8] = (out[8] & 0x3f) | 0x80;
    out
}

/// The file of a vector stored beside the table (`u`: a prefix and a Z85
/// UUID), relative to the table directory.
pub(crate) fn relative_file(dv: &DeletionVectorDescriptor) -> Result<PathBuf, &'static str> {
    let encoded = dv.path_or_inline_dv.as_bytes();
    let split = encoded.len().checked_sub(20).ok_or("deletion vector path too short")?;
    let uuid: [u8; 16] = z85::decode(&encoded[split..])
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("deletion vector path is not a Z85 UUID")?;
    let prefix = std::str::from_utf8(&encoded[..split]).unwrap_or_default();
    Ok(Path::new(prefix).join(file_name(&uuid)))
}

/// Reads the rows a descriptor marks deleted; `table` is the table directory.
pub(crate) fn read(dv: &DeletionVectorDescriptor, table: &Location) -> Result<RoaringTreemap, Error> {
    let name = table.name();
    match dv.storage_type {
        StorageType::Inline => {
            let bytes = z85::decode(&dv.path_or_inline_dv)
                .map_err(|e| corrupt(&name, format!("inline deletion vector: {e}")))?;
            let size = usize::try_from(dv.size_in_bytes).unwrap_or(0).min(bytes.len());
            decode(&bytes[..size], &name)
        }
        StorageType::UuidRelativePath => {
            let relative = relative_file(dv).map_err(|m| corrupt(&name, m))?;
            read_from_file(&table.join(&relative.to_string_lossy()), dv)
        }
        StorageType::AbsolutePath => match dv.path_or_inline_dv.strip_prefix("file://") {
            Some(path) => read_from_file(&Location::Local(PathBuf::from(path)), dv),
            None if io::is_url(&dv.path_or_inline_dv) => {
                read_from_file(&Location::parse(&dv.path_or_inline_dv, &[])?, dv)
            }
            None => read_from_file(&Location::Local(PathBuf::from(&dv.path_or_inline_dv)), dv),
        },
    }
}

fn read_from_file(at: &Location, dv: &DeletionVectorDescriptor) -> Result<RoaringTreemap, Error> {
    let name = at.name();
    let path = name.as_path();
    let size =
        usize::try_from(dv.size_in_bytes).map_err(|_| corrupt(path, "negative deletion vector size"))?;
    let offset = u64::try_from(dv.offset.unwrap_or(1)).map_err(|_| corrupt(path, "negative offset"))?;
    let past_end =
        || corrupt(path, format!("deletion vector at {offset} (+{size} bytes) runs past the file's end"));
    let buf = match at {
        Location::Local(path) => {
            use std::io::{Read, Seek, SeekFrom};
            let mut file = std::fs::File::open(path).map_err(io_error("opening deletion vector", path))?;
            let len = file.metadata().map_err(io_error("reading", path))?.len();
            // Bounded by the file's real size before anything is allocated.
            if offset.saturating_add(8).saturating_add(size as u64) > len {
                return Err(past_end());
            }
            let mut buf = vec![0u8; size + 8];
            file.seek(SeekFrom::Start(offset)).map_err(io_error("reading", path))?;
            file.read_exact(&mut buf).map_err(io_error("reading", path))?;
            buf
        }
        Location::Object(_) => {
            // One ranged GET of this vector (a file holds every vector of a commit).
            let end = offset.saturating_add(size as u64).saturating_add(8);
            let got = at.read_range(offset..end)?;
            if got.len() != size + 8 {
                return Err(past_end());
            }
            got.to_vec()
        }
    };
    let stored = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    if stored != size {
        return Err(corrupt(path, format!("deletion vector size {stored}, the log says {size}")));
    }
    let data = &buf[4..4 + size];
    let crc = u32::from_be_bytes([buf[4 + size], buf[5 + size], buf[6 + size], buf[7 + size]]);
    if crc != crc32fast::hash(data) {
        return Err(corrupt(path, "deletion vector checksum mismatch"));
    }
    decode(data, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(r: &[u64]) -> RoaringTreemap {
        r.iter().copied().collect()
    }

    #[test]
    fn inline_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        for set in [rows(&[]), rows(&[0]), rows(&[1, 5, 7]), rows(&[3, 1 << 33])] {
            let d = inline(&set).unwrap();
            assert_eq!(d.cardinality as u64, set.len());
            assert_eq!(read(&d, &Location::Local(dir.path().to_path_buf())).unwrap(), set);
        }
    }

    #[test]
    fn file_round_trip_with_several_vectors() {
        let dir = tempfile::tempdir().unwrap();
        let a: RoaringTreemap = (0..10_000).step_by(3).collect();
        let b = rows(&[2, 4]);
        let mut file = DvFile::new();
        let da = file.push(&a).unwrap();
        let db = file.push(&b).unwrap();
        file.write(&Location::Local(dir.path().to_path_buf())).unwrap();
        assert_eq!(da.offset, Some(1));
        assert_eq!(read(&da, &Location::Local(dir.path().to_path_buf())).unwrap(), a);
        assert_eq!(read(&db, &Location::Local(dir.path().to_path_buf())).unwrap(), b);
    }

    #[test]
    fn corrupt_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut file = DvFile::new();
        let d = file.push(&rows(&[1, 2, 3])).unwrap();
        let path = file.write(&Location::Local(dir.path().to_path_buf())).unwrap().name();
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 6;
        bytes[last] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let err = read(&d, &Location::Local(dir.path().to_path_buf())).unwrap_err().to_string();
        assert!(err.contains("deletion_vector_") && err.contains("checksum"), "{err}");
        // A size claim past the file's end is refused before allocating.
        let huge = DeletionVectorDescriptor { size_in_bytes: i32::MAX, ..d };
        assert!(
            read(&huge, &Location::Local(dir.path().to_path_buf()))
                .unwrap_err()
                .to_string()
                .contains("past the file's end")
        );
    }
}
