//! Avro's binary encoding of primitive values: zig-zag varints, length-prefixed
//! bytes, little-endian floats. Reading is bounded: a length never reaches past
//! the end of the input, so a lying prefix cannot cause a large allocation.

/// A bounded reader over one decoded block (or a header).
#[derive(Debug, Clone)]
pub(crate) struct Input<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// What went wrong while reading bytes; the caller adds file, block and column.
pub(crate) type Malformed = String;

impl<'a> Input<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The read position.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    #[inline]
    pub(crate) fn long(&mut self) -> Result<i64, Malformed> {
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
    pub(crate) fn len(&mut self) -> Result<usize, Malformed> {
        let v = self.long()?;
        match usize::try_from(v) {
            Ok(n) if n <= self.remaining() => Ok(n),
            Ok(n) => Err(format!("length prefix {n} exceeds the {} bytes left", self.remaining())),
            Err(_) => Err(format!("negative length prefix {v}")),
        }
    }

    #[inline]
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
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
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], Malformed> {
        let n = self.len()?;
        self.take(n)
    }

    #[inline]
    pub(crate) fn boolean(&mut self) -> Result<bool, Malformed> {
        match self.take(1)? {
            [0] => Ok(false),
            [1] => Ok(true),
            other => Err(format!("boolean byte {:?} is neither 0 nor 1", other.first())),
        }
    }

    #[inline]
    pub(crate) fn float(&mut self) -> Result<f32, Malformed> {
        let b = self.take(4)?;
        Ok(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    #[inline]
    pub(crate) fn double(&mut self) -> Result<f64, Malformed> {
        let b = self.take(8)?;
        Ok(f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
    }

    /// The item count of the next array or map block; a negative count is
    /// followed by the block's byte size, which we do not need.
    #[inline]
    pub(crate) fn block_count(&mut self) -> Result<usize, Malformed> {
        let n = self.long()?;
        if n >= 0 {
            return usize::try_from(n).map_err(|_| format!("block count {n} too large"));
        }
        self.long()?;
        n.checked_neg().and_then(|n| usize::try_from(n).ok()).ok_or_else(|| format!("block count {n}"))
    }

    /// Reads the next array or map block header for skipping: `Some(n)` when
    /// `n` items follow (0 ends the array), `None` when the writer gave the
    /// block's byte size and the block was skipped whole.
    #[inline]
    pub(crate) fn skip_sized_block(&mut self) -> Result<Option<usize>, Malformed> {
        let n = self.long()?;
        if n >= 0 {
            return usize::try_from(n).map(Some).map_err(|_| format!("block count {n} too large"));
        }
        let size = self.len()?;
        self.take(size)?;
        Ok(None)
    }
}

/// Appends `v` as a zig-zag varint.
#[inline]
pub(crate) fn put_long(out: &mut Vec<u8>, v: i64) {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    while z >= 0x80 {
        out.push((z as u8) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

/// Appends length-prefixed bytes.
#[inline]
pub(crate) fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_long(out, b.len() as i64);
    out.extend_from_slice(b);
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
        assert!(Input::new(&buf).len().is_err());
        assert!(Input::new(&[0xff; 11]).long().is_err());
    }
}
