//! Avro object container files: the header (magic, metadata, sync marker),
//! then blocks of (row count, byte size, compressed rows, sync marker).
//!
//! Opening a file reads its header and walks the block headers once (seeking
//! over the data), so that every block's position is known, the sync markers
//! are checked, and groups of blocks can be decoded in parallel. Every length
//! is checked against the file's size before anything is allocated for it.

use std::collections::HashMap;
use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use apache_avro::Schema;
use arrow::array::RecordBatch;
use rayon::prelude::*;

use super::binary::{Input, put_bytes, put_long};
use super::codec::{Codec, MAX_BLOCK_BYTES};
use super::decode::Plan;
use super::encode::Encoder;
use super::limits::{MAX_EXPANSION, MAX_ZERO_WIDTH_ROWS, inflate_budget, min_datum_bytes};
use crate::error::{Error, StorageError};
use crate::io::io_error;

/// The four bytes every Avro container file starts with.
pub const MAGIC: [u8; 4] = *b"Obj\x01";
/// A header larger than this is refused (schemas are kilobytes).
const MAX_HEADER_BYTES: u64 = 64 << 20;
/// Blocks are decoded in groups of about this many rows (the unit of parallelism).
pub const GROUP_ROWS: usize = 64 * 1024;
/// Rows per byte of (compressed) data beyond which a file's row counts are
/// not trusted for preallocation.
const MAX_ROWS_PER_BYTE: usize = 16;
/// Our writer cuts a block at this many rows ...
const BLOCK_ROWS: usize = 16 * 1024;
/// ... or this many uncompressed bytes, whichever comes first.
const BLOCK_BYTES: usize = 4 << 20;

fn write_error(path: &Path, message: String) -> Error {
    Error::Write { path: path.to_path_buf(), message }
}

fn corrupt(path: &Path, message: impl Into<String>) -> Error {
    StorageError::Corrupt { path: path.to_path_buf(), message: message.into() }.into()
}

/// One block's place in the file.
#[derive(Debug, Clone, Copy)]
pub struct Block {
    /// Rows in the block.
    pub rows: usize,
    /// Offset of its (compressed) data.
    pub offset: u64,
    /// Size of its (compressed) data.
    pub size: usize,
}

/// An opened Avro container file: header parsed, blocks indexed.
#[derive(Debug)]
pub struct AvroFile {
    /// The file's path, or its URL (how errors name it).
    path: PathBuf,
    /// An object's bytes, fetched whole (`None`: the local file at `path`,
    /// opened by each read).
    fetched: Option<bytes::Bytes>,
    schema: Schema,
    schema_json: String,
    codec: Codec,
    metadata: HashMap<String, Vec<u8>>,
    blocks: Vec<Block>,
    groups: Vec<Range<usize>>,
    /// The fewest bytes a row of the writer schema takes.
    min_row_bytes: usize,
    /// What the blocks may decompress to in all ([`inflate_budget`]) ...
    inflate_budget: u64,
    /// ... what those read so far did, each counted once ...
    inflated: AtomicU64,
    /// ... and which have been counted.
    counted: Vec<AtomicBool>,
}

impl AvroFile {
    /// Opens `path`, parsing its header and indexing its blocks.
    pub fn open(path: &Path) -> Result<AvroFile, Error> {
        let file = File::open(path).map_err(io_error("opening", path))?;
        let len = file.metadata().map_err(io_error("reading metadata of", path))?.len();
        Self::index(path, BufReader::with_capacity(64 * 1024, file), len, None)
    }

    /// The container file whose bytes are `bytes` (an object fetched from a
    /// bucket), named `name` in errors.
    pub fn from_bytes(name: &Path, bytes: bytes::Bytes) -> Result<AvroFile, Error> {
        let len = bytes.len() as u64;
        Self::index(name, std::io::Cursor::new(bytes.clone()), len, Some(bytes))
    }

    fn index(
        path: &Path,
        mut reader: impl Read + Seek,
        len: u64,
        fetched: Option<bytes::Bytes>,
    ) -> Result<AvroFile, Error> {
        let header = read_header(&mut reader, len).map_err(|m| corrupt(path, m))?;
        let schema_json = match header.metadata.get("avro.schema") {
            Some(s) => String::from_utf8(s.clone()).map_err(|_| corrupt(path, "avro.schema is not UTF-8"))?,
            None => return Err(corrupt(path, "the header has no avro.schema")),
        };
        let schema = Schema::parse_str(&schema_json)
            .map_err(|e| corrupt(path, format!("invalid writer schema in the header: {e}")))?;
        let codec = match header.metadata.get("avro.codec").map(|c| String::from_utf8_lossy(c).into_owned()) {
            None => Codec::Null,
            Some(name) => match Codec::from_name(&name) {
                Some(c) if c.is_available() => c,
                Some(_) => {
                    return Err(corrupt(
                        path,
                        format!("codec `{name}` needs parquetframe's cargo feature `{name}`"),
                    ));
                }
                None => return Err(corrupt(path, format!("unknown codec `{name}`"))),
            },
        };
        let min_row_bytes = min_datum_bytes(&schema);
        let index = Index { start: header.len, file_len: len, sync: &header.sync, min_row_bytes, codec };
        let blocks = index_blocks(&mut reader, &index).map_err(|m| corrupt(path, m))?;
        let groups = group_blocks(&blocks);
        let counted = blocks.iter().map(|_| AtomicBool::new(false)).collect();
        Ok(AvroFile {
            path: path.to_path_buf(),
            fetched,
            schema,
            schema_json,
            codec,
            metadata: header.metadata,
            blocks,
            groups,
            min_row_bytes,
            inflate_budget: inflate_budget(len),
            inflated: AtomicU64::new(0),
            counted,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The writer schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The writer schema as the file spells it.
    pub fn schema_json(&self) -> &str {
        &self.schema_json
    }

    /// The block codec.
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// Header metadata (including `avro.schema` and `avro.codec`).
    pub fn metadata(&self) -> &HashMap<String, Vec<u8>> {
        &self.metadata
    }

    /// The blocks in file order.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// Rows in the file.
    pub fn rows(&self) -> usize {
        self.blocks.iter().map(|b| b.rows).sum()
    }

    /// The rows of each group of blocks (groups are read as one batch).
    pub fn group_rows(&self) -> Vec<usize> {
        self.groups.iter().map(|g| self.blocks[g.clone()].iter().map(|b| b.rows).sum()).collect()
    }

    /// Decodes group `group` with `plan` into one batch.
    pub(crate) fn read_group(&self, group: usize, plan: &Plan) -> Result<RecordBatch, Error> {
        let range = self.groups.get(group).cloned().unwrap_or(0..0);
        self.read_blocks(range, plan)
    }

    /// Decodes every block with `plan` into one batch.
    pub(crate) fn read_all(&self, plan: &Plan) -> Result<RecordBatch, Error> {
        self.read_blocks(0..self.blocks.len(), plan)
    }

    fn read_blocks(&self, range: Range<usize>, plan: &Plan) -> Result<RecordBatch, Error> {
        let blocks = self.blocks.get(range.clone()).unwrap_or(&[]);
        let mut decoding = plan.start(self.row_capacity(blocks));
        let mut file = self.reader()?;
        // One block in memory at a time: this thread's buffers, reused.
        with_buffers(|raw, plain| {
            for (i, block) in blocks.iter().enumerate() {
                let index = range.start + i;
                let data = self.read_block(&mut file, index, block, raw, plain)?;
                decoding.block(block.rows, data, index).map_err(|m| corrupt(&self.path, m))?;
            }
            Ok::<_, Error>(())
        })?;
        decoding.finish().map_err(|m| corrupt(&self.path, m))
    }

    /// Hands each block of group `group` to `each`, in order: its index, the
    /// block, and its decompressed datums. The typed path of the file-format
    /// floor decodes rows from them; the buffers are this thread's, reused.
    pub(crate) fn for_each_block(
        &self,
        group: usize,
        mut each: impl FnMut(usize, &Block, &[u8]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let range = self.groups.get(group).cloned().unwrap_or(0..0);
        let blocks = self.blocks.get(range.clone()).unwrap_or(&[]);
        let mut file = self.reader()?;
        with_buffers(|raw, plain| {
            for (i, block) in blocks.iter().enumerate() {
                let index = range.start + i;
                let data = self.read_block(&mut file, index, block, raw, plain)?;
                each(index, block, data)?;
            }
            Ok(())
        })
    }

    /// Whether the rows the blocks claim are plausible for the bytes they
    /// hold, so that memory may be reserved on the file's word.
    pub(crate) fn row_counts_plausible(&self) -> bool {
        let rows: usize = self.blocks.iter().map(|b| b.rows).sum();
        let bytes: usize = self.blocks.iter().map(|b| b.size).sum();
        rows <= bytes.saturating_mul(MAX_ROWS_PER_BYTE).max(GROUP_ROWS)
    }

    /// Estimated bytes of the file's data once decoded: the block sizes
    /// times a typical compression ratio (Avro records no decoded size).
    pub fn decoded_bytes_estimate(&self) -> u64 {
        let stored: u64 = self.blocks.iter().map(|b| b.size as u64).sum();
        let ratio = if self.codec == Codec::Null { 1 } else { 3 };
        stored.saturating_mul(ratio)
    }

    /// Rows to preallocate for `blocks`: what they claim, within what their
    /// stored bytes can hold (every row takes `min_row_bytes` once
    /// decompressed; compressed data is trusted up to [`MAX_ROWS_PER_BYTE`]).
    fn row_capacity(&self, blocks: &[Block]) -> usize {
        let rows = blocks.iter().fold(0usize, |sum, b| sum.saturating_add(b.rows));
        let bytes = blocks.iter().fold(0usize, |sum, b| sum.saturating_add(b.size));
        let per_row = self.min_row_bytes.max(1);
        let held = if self.codec == Codec::Null {
            bytes / per_row
        } else {
            (bytes.saturating_mul(MAX_ROWS_PER_BYTE) / per_row).max(GROUP_ROWS)
        };
        rows.min(held)
    }

    /// Checks block `index`'s decompressed size against its rows and the
    /// file's budget, counting each block once however often it is read.
    fn check_inflated(&self, index: usize, block: &Block, len: usize) -> Result<(), Error> {
        if block.rows == 0 && len > 0 {
            return Err(corrupt(&self.path, format!("block {index} holds no rows but {len} bytes of data")));
        }
        if let Some(least) = block.rows.checked_mul(self.min_row_bytes)
            && least > len
        {
            return Err(corrupt(
                &self.path,
                format!(
                    "block {index} claims {} rows, but its {len} bytes of data hold at most {} \
                     (each row takes at least {} bytes)",
                    block.rows,
                    len / self.min_row_bytes.max(1),
                    self.min_row_bytes
                ),
            ));
        }
        if self.codec == Codec::Null
            || self.counted.get(index).is_none_or(|c| c.swap(true, Ordering::Relaxed))
        {
            return Ok(());
        }
        let total = self.inflated.fetch_add(len as u64, Ordering::Relaxed).saturating_add(len as u64);
        if total > self.inflate_budget {
            let stored: u64 = self.blocks.iter().map(|b| b.size as u64).sum();
            return Err(corrupt(
                &self.path,
                format!(
                    "block {index}: the blocks decompress to more than {} MiB, over {MAX_EXPANSION} times \
                     the file's {} KiB of data (refused as a decompression bomb)",
                    self.inflate_budget >> 20,
                    stored >> 10
                ),
            ));
        }
        Ok(())
    }

    /// Reads block `index` into `raw` and returns its decompressed data
    /// (`raw` itself when uncompressed, else `plain`), checked against the
    /// rows it claims and the file's budget ([`check_inflated`](Self::check_inflated)).
    fn read_block<'b>(
        &self,
        file: &mut Reader,
        index: usize,
        block: &Block,
        raw: &'b mut Vec<u8>,
        plain: &'b mut Vec<u8>,
    ) -> Result<&'b [u8], Error> {
        raw.resize(block.size, 0);
        file.seek(SeekFrom::Start(block.offset)).map_err(io_error("seeking in", &self.path))?;
        file.read_exact(raw).map_err(io_error("reading", &self.path))?;
        if self.codec == Codec::Null {
            self.check_inflated(index, block, raw.len())?;
            return Ok(raw);
        }
        self.codec.decompress(raw, plain).map_err(|m| corrupt(&self.path, format!("block {index}: {m}")))?;
        self.check_inflated(index, block, plain.len())?;
        Ok(plain)
    }

    /// A reader of the file's bytes from its start.
    fn reader(&self) -> Result<Reader, Error> {
        Ok(match &self.fetched {
            Some(bytes) => Reader::Fetched(std::io::Cursor::new(bytes.clone())),
            None => Reader::File(File::open(&self.path).map_err(io_error("opening", &self.path))?),
        })
    }

    /// The decompressed data of block `index`: its rows' datums, back to back.
    pub fn block_data(&self, index: usize) -> Result<Vec<u8>, Error> {
        if index >= self.blocks.len() {
            return Err(corrupt(&self.path, format!("no block {index}: the file has {}", self.blocks.len())));
        }
        Ok(self.decompress(index..index + 1)?.pop().unwrap_or_default())
    }

    /// Reads and decompresses blocks `range`, each into its own buffer.
    fn decompress(&self, range: Range<usize>) -> Result<Vec<Vec<u8>>, Error> {
        let blocks = self.blocks.get(range.clone()).unwrap_or(&[]);
        let mut file = self.reader()?;
        let mut decoded: Vec<Vec<u8>> = Vec::with_capacity(blocks.len());
        for (index, block) in range.zip(blocks) {
            let (mut raw, mut plain) = (Vec::new(), Vec::new());
            self.read_block(&mut file, index, block, &mut raw, &mut plain)?;
            decoded.push(if self.codec == Codec::Null { raw } else { plain });
        }
        Ok(decoded)
    }
}

/// The bytes of a file being read: the local file, or an object's bytes.
enum Reader {
    File(File),
    Fetched(std::io::Cursor<bytes::Bytes>),
}

impl Read for Reader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Reader::File(f) => f.read(buf),
            Reader::Fetched(c) => c.read(buf),
        }
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
        match self {
            Reader::File(f) => f.read_exact(buf),
            Reader::Fetched(c) => c.read_exact(buf),
        }
    }
}

impl Seek for Reader {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        match self {
            Reader::File(f) => f.seek(to),
            Reader::Fetched(c) => c.seek(to),
        }
    }
}

thread_local! {
    /// Per-thread block buffers, reused across groups and files: fresh
    /// megabyte buffers per block cost more in page faults than the decoding.
    static BUFFERS: std::cell::RefCell<(Vec<u8>, Vec<u8>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// Runs `f` with this thread's two block buffers (fresh ones if they are in use).
fn with_buffers<R>(f: impl FnOnce(&mut Vec<u8>, &mut Vec<u8>) -> R) -> R {
    BUFFERS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffers) => {
            let (raw, plain) = &mut *buffers;
            let out = f(raw, plain);
            // Keep at most a few blocks' worth between calls.
            for b in [raw, plain] {
                if b.capacity() > 2 * BLOCK_BYTES {
                    *b = Vec::new();
                }
            }
            out
        }
        Err(_) => f(&mut Vec::new(), &mut Vec::new()),
    })
}

struct Header {
    metadata: HashMap<String, Vec<u8>>,
    sync: [u8; 16],
    len: u64,
}

/// Reads the header, growing the buffer until it parses (or the file ends).
fn read_header(reader: &mut impl Read, file_len: u64) -> Result<Header, String> {
    let mut buf = Vec::new();
    let mut want: u64 = 4096;
    loop {
        let target = want.min(file_len).min(MAX_HEADER_BYTES);
        let have = buf.len() as u64;
        if target > have {
            let mut more = vec![0u8; (target - have) as usize];
            reader.read_exact(&mut more).map_err(|e| format!("reading the header: {e}"))?;
            buf.extend_from_slice(&more);
        }
        if buf.len() < 4 || buf[..4] != MAGIC {
            let found = buf.get(..4.min(buf.len())).unwrap_or(&[]);
            return Err(format!(
                "not an Avro container file: starts with {found:02x?}, expected {MAGIC:02x?} (\"Obj\\x01\")"
            ));
        }
        match parse_header(&buf) {
            Ok(h) => return Ok(h),
            Err(e) if buf.len() as u64 >= file_len => return Err(format!("truncated header: {e}")),
            Err(e) if buf.len() as u64 >= MAX_HEADER_BYTES => {
                return Err(format!("header larger than {} MiB: {e}", MAX_HEADER_BYTES >> 20));
            }
            Err(_) => want = want.saturating_mul(4),
        }
    }
}

fn parse_header(buf: &[u8]) -> Result<Header, String> {
    let mut input = Input::new(buf);
    input.take(4)?;
    let mut metadata = HashMap::new();
    loop {
        let n = input.block_count()?;
        if n == 0 {
            break;
        }
        for _ in 0..n {
            let key = String::from_utf8(input.bytes()?.to_vec()).map_err(|_| "metadata key is not UTF-8")?;
            let value = input.bytes()?.to_vec();
            metadata.insert(key, value);
        }
    }
    let mut sync = [0u8; 16];
    sync.copy_from_slice(input.take(16)?);
    Ok(Header { metadata, sync, len: input.position() as u64 })
}

/// Reads a varint from a file; `None` at a clean end of file.
fn file_long(reader: &mut impl Read) -> Result<Option<i64>, String> {
    let mut value: u64 = 0;
    let mut shift = 0;
    let mut first = true;
    loop {
        let mut byte = [0u8];
        match reader.read(&mut byte) {
            Ok(0) if first => return Ok(None),
            Ok(0) => return Err("truncated inside a block header".into()),
            Ok(_) => {}
            Err(e) => return Err(format!("reading a block header: {e}")),
        }
        first = false;
        value |= u64::from(byte[0] & 0x7f) << shift;
        if byte[0] & 0x80 == 0 {
            return Ok(Some(((value >> 1) as i64) ^ -((value & 1) as i64)));
        }
        shift += 7;
        if shift > 63 {
            return Err("varint longer than 10 bytes in a block header".into());
        }
    }
}

/// What indexing a file's blocks checks them against.
struct Index<'a> {
    /// Where the first block starts.
    start: u64,
    file_len: u64,
    sync: &'a [u8; 16],
    /// The fewest bytes a row of the writer schema takes.
    min_row_bytes: usize,
    codec: Codec,
}

/// Walks the block headers, checking each claim that can be checked
/// without decompressing: sizes against the file, rows against the most a
/// block's data can hold, zero-width rows against [`MAX_ZERO_WIDTH_ROWS`].
fn index_blocks(reader: &mut (impl Read + Seek), at: &Index<'_>) -> Result<Vec<Block>, String> {
    let Index { start, file_len, sync, min_row_bytes, codec } = *at;
    reader.seek(SeekFrom::Start(start)).map_err(|e| format!("seeking: {e}"))?;
    let mut blocks = Vec::new();
    let mut zero_width_rows = 0usize;
    loop {
        let index = blocks.len();
        let Some(rows) = file_long(reader)? else { break };
        let size =
            file_long(reader)?.ok_or_else(|| format!("block {index}: truncated after its row count"))?;
        let after = reader.stream_position().map_err(|e| e.to_string())?;
        let rows = usize::try_from(rows).map_err(|_| format!("block {index}: negative row count {rows}"))?;
        let size = u64::try_from(size).map_err(|_| format!("block {index}: negative byte size {size}"))?;
        let left = file_len.saturating_sub(after);
        if size.saturating_add(16) > left {
            return Err(format!(
                "block {index} at offset {after} claims {size} bytes, but only {left} remain \
                 (a truncated file or a corrupt block size)"
            ));
        }
        if size as usize > MAX_BLOCK_BYTES {
            return Err(format!("block {index} is larger than {} MiB", MAX_BLOCK_BYTES >> 20));
        }
        if rows > 0 && size == 0 && min_row_bytes > 0 {
            return Err(format!("block {index} claims {rows} rows in 0 bytes"));
        }
        // Decompressed, a block holds at most MAX_BLOCK_BYTES (uncompressed:
        // its size), and each row takes min_row_bytes of it.
        let most = if codec == Codec::Null { size as usize } else { MAX_BLOCK_BYTES };
        if min_row_bytes > 0 && rows > most / min_row_bytes {
            return Err(format!(
                "block {index} claims {rows} rows, more than {} bytes of data can hold \
                 (each row takes at least {min_row_bytes} bytes)",
                most
            ));
        }
        if min_row_bytes == 0 {
            zero_width_rows = zero_width_rows.saturating_add(rows);
            if zero_width_rows > MAX_ZERO_WIDTH_ROWS {
                return Err(format!(
                    "block {index}: more than {MAX_ZERO_WIDTH_ROWS} rows of a writer schema whose rows \
                     take no bytes (no fields, or only null ones); such a file is refused"
                ));
            }
        }
        reader.seek_relative(size as i64).map_err(|e| format!("seeking: {e}"))?;
        let mut marker = [0u8; 16];
        reader.read_exact(&mut marker).map_err(|e| format!("block {index}: reading its sync marker: {e}"))?;
        if &marker != sync {
            return Err(format!(
                "block {index}: sync marker mismatch at offset {} (corrupt block, or a lying block size)",
                after + size
            ));
        }
        blocks.push(Block { rows, offset: after, size: size as usize });
    }
    Ok(blocks)
}

fn group_blocks(blocks: &[Block]) -> Vec<Range<usize>> {
    let mut groups = Vec::new();
    let mut start = 0;
    let mut rows = 0;
    for (i, b) in blocks.iter().enumerate() {
        rows += b.rows;
        if rows >= GROUP_ROWS {
            groups.push(start..i + 1);
            start = i + 1;
            rows = 0;
        }
    }
    if start < blocks.len() {
        groups.push(start..blocks.len());
    }
    groups
}

/// Rows that can be written as Avro datums, one at a time.
pub(crate) trait RowSource: Sync {
    /// The number of rows.
    fn len(&self) -> usize;
    /// Appends row `row`'s datum.
    fn write_row(&self, row: usize, out: &mut Vec<u8>) -> Result<(), RowError>;
}

/// Why a row could not be written.
pub(crate) enum RowError {
    /// The data does not fit the writer schema (a message for [`Error::Write`]).
    Message(String),
    /// A value its type cannot write (reported as [`Error::Encode`]).
    Value(Box<Error>),
}

impl From<String> for RowError {
    fn from(m: String) -> Self {
        RowError::Message(m)
    }
}

impl RowSource for Encoder<'_> {
    fn len(&self) -> usize {
        Encoder::len(self)
    }

    #[inline]
    fn write_row(&self, row: usize, out: &mut Vec<u8>) -> Result<(), RowError> {
        Ok(Encoder::write_row(self, row, out)?)
    }
}

/// A container file being written: the header is out, blocks are appended.
pub(crate) struct ContainerWriter {
    path: PathBuf,
    out: BufWriter<File>,
    sync: [u8; 16],
    codec: Codec,
    rows: u64,
    bytes: u64,
    /// Encoding buffers: the wave being written and the wave being encoded.
    slots: Vec<Slot>,
    spare: Vec<Slot>,
}

/// One encoding task's output: the rows' datums, cut into blocks, and the
/// blocks compressed (unless the codec is null).
#[derive(Default)]
struct Slot {
    raw: Vec<u8>,
    packed: Vec<u8>,
    /// Rows and byte range (in `raw`, or `packed` when compressed) of each block.
    blocks: Vec<(usize, Range<usize>)>,
}

impl Slot {
    fn clear(&mut self) {
        self.raw.clear();
        self.packed.clear();
        self.blocks.clear();
    }

    /// Encodes `rows`, cutting a block at [`BLOCK_BYTES`], then compresses each block.
    fn encode(&mut self, source: &impl RowSource, rows: Range<usize>, codec: Codec) -> Result<(), RowError> {
        self.clear();
        let (mut block_start, mut count) = (0, 0);
        for row in rows {
            source.write_row(row, &mut self.raw)?;
            count += 1;
            if self.raw.len() - block_start >= BLOCK_BYTES {
                self.blocks.push((count, block_start..self.raw.len()));
                (block_start, count) = (self.raw.len(), 0);
            }
        }
        if count > 0 {
            self.blocks.push((count, block_start..self.raw.len()));
        }
        if codec != Codec::Null {
            for (_, range) in &mut self.blocks {
                let at = self.packed.len();
                codec.compress(self.raw.get(range.clone()).unwrap_or(&[]), &mut self.packed)?;
                *range = at..self.packed.len();
            }
        }
        Ok(())
    }

    fn data(&self, codec: Codec) -> &[u8] {
        if codec == Codec::Null { &self.raw } else { &self.packed }
    }
}

impl ContainerWriter {
    /// Creates `path` (which must not exist) and writes the header.
    pub(crate) fn create(
        path: &Path,
        schema_json: &str,
        codec: Codec,
        metadata: &[(&str, &[u8])],
    ) -> Result<Self, Error> {
        if !codec.is_available() {
            let name = codec.avro_name();
            return Err(write_error(
                path,
                format!("codec `{name}` needs parquetframe's cargo feature `{name}`"),
            ));
        }
        let file =
            File::options().write(true).create_new(true).open(path).map_err(io_error("creating", path))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let sync = sync_marker(path);
        let mut header = Vec::with_capacity(schema_json.len() + 128);
        header.extend_from_slice(&MAGIC);
        put_long(&mut header, 2 + metadata.len() as i64);
        put_bytes(&mut header, b"avro.schema");
        put_bytes(&mut header, schema_json.as_bytes());
        put_bytes(&mut header, b"avro.codec");
        put_bytes(&mut header, codec.avro_name().as_bytes());
        for (k, v) in metadata {
            put_bytes(&mut header, k.as_bytes());
            put_bytes(&mut header, v);
        }
        put_long(&mut header, 0);
        header.extend_from_slice(&sync);
        out.write_all(&header).map_err(io_error("writing", path))?;
        Ok(Self {
            path: path.to_path_buf(),
            out,
            sync,
            codec,
            rows: 0,
            bytes: header.len() as u64,
            slots: Vec::new(),
            spare: Vec::new(),
        })
    }

    /// Appends every row of `source`, encoded and compressed in parallel (a
    /// chunk of [`BLOCK_ROWS`] per task, a wave of tasks at a time), the blocks
    /// in order. While one wave is written out, the next is encoded; each
    /// task's buffers are reused from wave to wave, so memory stays at a few
    /// blocks per thread whatever the number of rows.
    pub(crate) fn append(&mut self, source: &impl RowSource) -> Result<(), Error> {
        let n = source.len();
        let wave = rayon::current_num_threads().max(1) * 2;
        let codec = self.codec;
        let waves: Vec<Vec<Range<usize>>> = (0..n)
            .step_by(BLOCK_ROWS)
            .map(|s| s..(s + BLOCK_ROWS).min(n))
            .collect::<Vec<_>>()
            .chunks(wave)
            .map(<[_]>::to_vec)
            .collect();
        let mut ready = std::mem::take(&mut self.slots);
        let mut next = std::mem::take(&mut self.spare);
        let Some(first) = waves.first() else { return Ok(()) };
        let path = self.path.clone();
        let encode = |slots: &mut Vec<Slot>, chunks: &[Range<usize>]| -> Result<(), Error> {
            if slots.len() < chunks.len() {
                slots.resize_with(chunks.len(), Slot::default);
            }
            slots.iter_mut().skip(chunks.len()).for_each(Slot::clear);
            slots
                .par_iter_mut()
                .zip(chunks.par_iter())
                .try_for_each(|(slot, rows)| slot.encode(source, rows.clone(), codec))
                .map_err(|e| match e {
                    RowError::Message(m) => write_error(&path, m),
                    RowError::Value(e) => *e,
                })
        };
        encode(&mut ready, first)?;
        for i in 0..waves.len() {
            let (written, encoded) = match waves.get(i + 1) {
                Some(chunks) => rayon::join(|| self.write_slots(&ready), || encode(&mut next, chunks)),
                None => (self.write_slots(&ready), Ok(())),
            };
            written?;
            encoded?;
            std::mem::swap(&mut ready, &mut next);
        }
        self.slots = ready;
        self.spare = next;
        Ok(())
    }

    /// Writes the blocks of `slots`, in order.
    fn write_slots(&mut self, slots: &[Slot]) -> Result<(), Error> {
        for slot in slots {
            for (count, range) in &slot.blocks {
                let data = slot.data(self.codec).get(range.clone()).unwrap_or(&[]);
                let mut head = Vec::with_capacity(20);
                put_long(&mut head, *count as i64);
                put_long(&mut head, data.len() as i64);
                let path = &self.path;
                self.out.write_all(&head).map_err(io_error("writing", path))?;
                self.out.write_all(data).map_err(io_error("writing", path))?;
                self.out.write_all(&self.sync).map_err(io_error("writing", path))?;
                self.rows += *count as u64;
                self.bytes += (head.len() + data.len() + 16) as u64;
            }
        }
        Ok(())
    }

    /// Flushes and syncs the file. Returns the rows written and the file size.
    pub(crate) fn finish(self) -> Result<(u64, u64), Error> {
        let path = self.path;
        let file = self.out.into_inner().map_err(|e| io_error("writing", &path)(e.into_error()))?;
        file.sync_all().map_err(io_error("syncing", &path))?;
        Ok((self.rows, self.bytes))
    }
}

/// Writes a new Avro container file at `path` (which must not exist) from
/// `batches`, then syncs it. Returns the rows written and the file size.
pub fn write(
    path: &Path,
    schema: &Schema,
    schema_json: &str,
    codec: Codec,
    metadata: &[(&str, &[u8])],
    batches: impl Iterator<Item = Result<RecordBatch, Error>>,
) -> Result<(u64, u64), Error> {
    let mut writer = ContainerWriter::create(path, schema_json, codec, metadata)?;
    for batch in batches {
        let batch = batch?;
        let encoder = Encoder::new(schema, &batch).map_err(|m| write_error(path, m))?;
        writer.append(&encoder)?;
    }
    writer.finish()
}

/// 16 bytes unlikely to occur in the data: a randomly keyed hash of the path and time.
fn sync_marker(path: &Path) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (i, half) in out.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write(path.as_os_str().as_encoded_bytes());
        h.write_usize(i);
        h.write_u128(
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()),
        );
        half.copy_from_slice(&h.finish().to_le_bytes());
    }
    out
}
