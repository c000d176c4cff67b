//! Avro's binary encoding of primitive values: zig-zag varints, length-prefixed
//! bytes, little-endian floats. Reading is bounded: a length never reaches past
//! the end of the input, so a lying prefix cannot cause a large allocation.

/// A bounded reader over Avro binary data: one decompressed block, or a
/// header. Every read checks the bytes left, so malformed data is an error,
/// never a panic or an allocation larger than the data.
///
/// Generated [`Column::avro_decode`](crate::Column::avro_decode) impls read
/// through it.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Array and map items the data may still claim (see [`MAX_ZERO_WIDTH_ITEMS`]).
    items_left: usize,
}

/// How many array or map items beyond one per byte one input (a block of
/// rows) may claim in all, nested arrays and every block of an array
/// counted together. Every item takes at least one byte except items of a
/// type that encodes to nothing (`null`, a record without fields), so
/// honest data stays within its length plus these; a lying count cannot
/// make a reader loop or allocate beyond them.
pub const MAX_ZERO_WIDTH_ITEMS: usize = 4096;

/// What went wrong while reading bytes; the caller adds file, block and column.
pub type Malformed = String;

impl<'a> Input<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0, items_left: buf.len().saturating_add(MAX_ZERO_WIDTH_ITEMS) }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The read position.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// A zig-zag varint (Avro `int` and `long`).
    #[inline]
    pub fn long(&mut self) -> Result<i64, Malformed> {
        // Fast path: ten bytes are left, so only the continuation bits are checked.
        if let Some(chunk) = self.buf.get(self.pos..self.pos + 10) {
            let mut value: u64 = 0;
            for (i, &byte) in chunk.iter().enumerate() {
                value |= u64::from(byte & 0x7f) << (7 * i);
                if byte & 0x80 == 0 {
                    self.pos += i + 1;
                    return Ok(((value >> 1) as i64) ^ -((value & 1) as i64));
                }
            }
            return Err("varint longer than 10 bytes".into());
        }
        self.long_near_end()
    }

    #[cold]
    fn long_near_end(&mut self) -> Result<i64, Malformed> {
        let mut value: u64 = 0;
        let mut shift = 0u32;
        loop {
            let Some(&byte) = self.buf.get(self.pos) else {
                return Err("unexpected end of data inside a varint".into());
            };
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 63 {
                return Err("varint longer than 10 bytes".into());
            }
        }
        Ok(((value >> 1) as i64) ^ -((value & 1) as i64))
    }

    /// A non-negative length no larger than the bytes left.
    #[inline]
    pub fn length(&mut self) -> Result<usize, Malformed> {
        let v = self.long()?;
        match usize::try_from(v) {
            Ok(n) if n <= self.remaining() => Ok(n),
            Ok(n) => Err(format!("length prefix {n} exceeds the {} bytes left", self.remaining())),
            Err(_) => Err(format!("negative length prefix {v}")),
        }
    }

    /// The next `n` bytes.
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return Err(format!("{n} bytes needed, {} left", self.remaining()));
        };
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// Length-prefixed bytes (Avro `bytes` and `string`).
    #[inline]
    pub fn bytes(&mut self) -> Result<&'a [u8], Malformed> {
        let n = self.length()?;
        self.take(n)
    }

    /// One byte, 0 or 1 (Avro `boolean`).
    #[inline]
    pub fn boolean(&mut self) -> Result<bool, Malformed> {
        match self.take(1)? {
            [0] => Ok(false),
            [1] => Ok(true),
            other => Err(format!("boolean byte {:?} is neither 0 nor 1", other.first())),
        }
    }

    /// Four little-endian bytes (Avro `float`).
    #[inline]
    pub fn float(&mut self) -> Result<f32, Malformed> {
        let b = self.take(4)?;
        Ok(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Eight little-endian bytes (Avro `double`).
    #[inline]
    pub fn double(&mut self) -> Result<f64, Malformed> {
        let b = self.take(8)?;
        Ok(f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
    }

    /// The item count of the next array or map block; a negative count is
    /// followed by the block's byte size, which we do not need.
    ///
    /// The items every block of this input claims are counted together and
    /// may not exceed its length plus [`MAX_ZERO_WIDTH_ITEMS`]: a lying count
    /// cannot make the reader loop or allocate without bound.
    #[inline]
    pub fn block_count(&mut self) -> Result<usize, Malformed> {
        let n = self.long()?;
        let count = if n >= 0 {
            usize::try_from(n).map_err(|_| format!("block count {n} too large"))?
        } else {
            self.long()?;
            n.checked_neg().and_then(|n| usize::try_from(n).ok()).ok_or_else(|| format!("block count {n}"))?
        };
        self.claim_items(count)?;
        Ok(count)
    }

    /// Counts `count` more items against the input's allowance.
    #[inline]
    fn claim_items(&mut self, count: usize) -> Result<(), Malformed> {
        match self.items_left.checked_sub(count) {
            Some(left) => {
                self.items_left = left;
                Ok(())
            }
            None => Err(format!(
                "an array or map block claims {count} items, more than the data's {} bytes can hold \
                 (at most {} items, each but a zero-width one taking a byte)",
                self.buf.len(),
                self.items_left
            )),
        }
    }

    /// Reads the next array or map block header for skipping: `Some(n)` when
    /// `n` items follow (0 ends the array; counted like [`block_count`](Self::block_count)),
    /// `None` when the writer gave the block's byte size and the block was skipped whole.
    #[inline]
    pub(crate) fn skip_sized_block(&mut self) -> Result<Option<usize>, Malformed> {
        let n = self.long()?;
        if n >= 0 {
            let count = usize::try_from(n).map_err(|_| format!("block count {n} too large"))?;
            self.claim_items(count)?;
            return Ok(Some(count));
        }
        let size = self.length()?;
        self.take(size)?;
        Ok(None)
    }
}

/// Appends `v` as a zig-zag varint (Avro `int` and `long`).
#[inline]
pub fn put_long(out: &mut Vec<u8>, v: i64) {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    while z >= 0x80 {
        out.push((z as u8) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

/// Appends length-prefixed bytes (Avro `bytes` and `string`).
#[inline]
pub fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_long(out, b.len() as i64);
    out.extend_from_slice(b);
}

/// Appends an Avro decimal's unscaled value: length-prefixed, minimal
/// big-endian two's complement.
pub fn put_decimal(out: &mut Vec<u8>, v: i128) {
    let bytes = v.to_be_bytes();
    let sign = if v < 0 { 0xff } else { 0 };
    let mut start = 0;
    while start < 15 && bytes[start] == sign && (bytes[start + 1] & 0x80 == sign & 0x80) {
        start += 1;
    }
    put_bytes(out, &bytes[start..]);
}

/// The unscaled value of a decimal given as big-endian two's complement.
pub fn decimal_value(b: &[u8]) -> Result<i128, Malformed> {
    if b.len() > 16 {
        // Longer encodings are fine while the extra bytes only repeat the sign.
        let (head, tail) = b.split_at(b.len() - 16);
        let sign = if tail.first().is_some_and(|t| t & 0x80 != 0) { 0xff } else { 0 };
        if head.iter().any(|&h| h != sign) {
            return Err(format!("a decimal of {} bytes does not fit in 128 bits", b.len()));
        }
        return decimal_value(tail);
    }
    let fill = if b.first().is_some_and(|f| f & 0x80 != 0) { 0xff } else { 0 };
    let mut full = [fill; 16];
    full[16 - b.len()..].copy_from_slice(b);
    Ok(i128::from_be_bytes(full))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_at_the_edges() {
        for v in [0, 1, -1, 63, -64, 64, i64::from(i32::MAX), i64::from(i32::MIN), i64::MAX, i64::MIN] {
            let mut buf = Vec::new();
            put_long(&mut buf, v);
            let mut input = Input::new(&buf);
            assert_eq!(input.long(), Ok(v));
            assert_eq!(input.remaining(), 0);
        }
    }

    #[test]
    fn lying_lengths_are_errors_not_allocations() {
        let mut buf = Vec::new();
        put_long(&mut buf, i64::MAX);
        assert!(Input::new(&buf).bytes().is_err());
        let mut buf = Vec::new();
        put_long(&mut buf, -5);
        assert!(Input::new(&buf).length().is_err());
        assert!(Input::new(&[0xff; 11]).long().is_err());
    }

    #[test]
    fn decimals_use_the_fewest_bytes_and_read_back() {
        let enc = |v: i128| {
            let mut out = Vec::new();
            put_decimal(&mut out, v);
            out[1..].to_vec()
        };
        assert_eq!(enc(0), vec![0]);
        assert_eq!(enc(127), vec![0x7f]);
        assert_eq!(enc(128), vec![0x00, 0x80]);
        assert_eq!(enc(-1), vec![0xff]);
        assert_eq!(enc(-129), vec![0xff, 0x7f]);
        assert_eq!(enc(i128::from(u64::MAX)), vec![0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        for v in [0, 1, -1, 127, 128, -129, i128::from(u64::MAX), i128::MAX, i128::MIN] {
            assert_eq!(decimal_value(&enc(v)), Ok(v));
        }
        assert_eq!(decimal_value(&[0xff; 20]), Ok(-1));
        assert!(decimal_value(&[1; 17]).is_err());
    }

    #[test]
    fn block_counts_are_bounded_by_the_bytes_left() {
        let mut buf = Vec::new();
        put_long(&mut buf, i64::MAX / 2);
        assert!(Input::new(&buf).block_count().is_err());
        let mut buf = Vec::new();
        put_long(&mut buf, 3);
        assert_eq!(Input::new(&buf).block_count(), Ok(3));
    }

    #[test]
    fn zero_width_items_are_counted_across_blocks_and_arrays() {
        // Blocks of 4,000 items each, with nothing after them: the first
        // fits the allowance, the second does not, however the claims are
        // split. Before, each block had its own allowance of 2^20, so a
        // 1 MiB datum of such headers looped ~2^40 times.
        let mut buf = Vec::new();
        for _ in 0..4 {
            put_long(&mut buf, 4000);
        }
        let mut input = Input::new(&buf);
        assert_eq!(input.block_count(), Ok(4000));
        let err = input.block_count().unwrap_err();
        assert!(err.contains("more than the data's 8 bytes can hold"), "{err}");
        let mut input = Input::new(&buf);
        assert_eq!(input.skip_sized_block(), Ok(Some(4000)));
        assert!(input.skip_sized_block().is_err(), "skipped arrays are bounded the same way");
    }
}
