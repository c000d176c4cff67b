//! A bounded walk over the Thrift compact encoding of a Parquet file's
//! structures (footer, page headers, page index) before the parquet crate
//! decodes them.
//!
//! Why: the crate (59.x) skips fields it does not know without bounding the
//! element count of a list of booleans, whose elements it skips as zero
//! bytes each: a five-byte list header claiming 2^31 elements costs 2^31
//! iterations, and a 5 KiB file found by fuzzing
//! (`tests/fixtures/parquet_thrift_skip_hang.parquet`) kept the readers
//! busy for minutes. The walk reads the encoding the way the crate skips
//! it, counts every field and element, and refuses a structure whose
//! elements outnumber its bytes: every element of a valid structure takes
//! at least a byte on the wire (a boolean in a list is a byte), so no valid
//! file is refused, and the crate's work on one that passes is bounded by
//! its size.

/// What a walk found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fault {
    /// The bytes end inside the structure.
    Truncated,
    /// Nesting deeper than the crate's skip allows.
    TooDeep,
    /// A type code, size or length no valid encoding has.
    Invalid(&'static str),
    /// More fields and elements than bytes: a claimed count with nothing behind it.
    Counts {
        /// Fields and elements walked when the walk stopped.
        elements: u64,
        /// Bytes available to the structure.
        bytes: usize,
    },
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::Truncated => write!(f, "the structure runs past its bytes"),
            Fault::TooDeep => write!(f, "it nests deeper than {MAX_DEPTH} levels"),
            Fault::Invalid(what) => write!(f, "{what}"),
            Fault::Counts { elements, bytes } => write!(
                f,
                "it claims more than {elements} fields and list elements in {bytes} bytes \
                 (each takes at least one byte)"
            ),
        }
    }
}

/// The crate's skip depth.
const MAX_DEPTH: u8 = 64;
/// Elements allowed beyond one per byte (booleans the crate reads from a
/// field's type code take no byte of their own).
const SLACK: u64 = 64;

/// One walked structure: its length in bytes, and the value of the top-level
/// integer field asked for, if present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Walked {
    pub len: usize,
    pub field: Option<i64>,
}

/// How the structure's top level is read.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Top {
    /// A top-level integer field whose value the walk returns.
    pub want: Option<i16>,
    /// A top-level field that the crate decodes as a list of booleans, one
    /// byte each (the page index's `null_pages`), rather than skipping.
    pub bool_list: Option<i16>,
}

struct Walker<'a> {
    buf: &'a [u8],
    pos: usize,
    elements: u64,
    limit: u64,
}

/// Walks the struct at the start of `buf` (which may hold more after it).
pub(crate) fn walk_struct(buf: &[u8], top: Top) -> Result<Walked, Fault> {
    let mut w = Walker { buf, pos: 0, elements: 0, limit: (buf.len() as u64).saturating_add(SLACK) };
    let field = w.top_struct(top)?;
    // The crate's work on what follows is bounded by the bytes it takes.
    if w.elements > (w.pos as u64).saturating_add(SLACK) {
        return Err(Fault::Counts { elements: w.elements, bytes: w.pos });
    }
    Ok(Walked { len: w.pos, field })
}

impl Walker<'_> {
    fn byte(&mut self) -> Result<u8, Fault> {
        let b = *self.buf.get(self.pos).ok_or(Fault::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    fn skip(&mut self, n: usize) -> Result<(), Fault> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len()).ok_or(Fault::Truncated)?;
        self.pos = end;
        Ok(())
    }

    /// An unsigned varint, read as the crate reads it (no length limit; the
    /// bytes bound it).
    fn varint(&mut self) -> Result<u64, Fault> {
        let mut value = 0u64;
        let mut shift = 0u32;
        loop {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f).wrapping_shl(shift);
            if b & 0x80 == 0 {
                return Ok(value);
            }
            shift = shift.wrapping_add(7);
        }
    }

    fn zigzag(&mut self) -> Result<i64, Fault> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn count(&mut self) -> Result<(), Fault> {
        self.elements += 1;
        if self.elements > self.limit {
            return Err(Fault::Counts { elements: self.elements, bytes: self.buf.len() });
        }
        Ok(())
    }

    /// A field header: `None` at the struct's end, else its type and id.
    fn field(&mut self, last: i16) -> Result<Option<(u8, i16)>, Fault> {
        let b = self.byte()?;
        let kind = b & 0x0f;
        if kind == 0 {
            return Ok(None);
        }
        if kind > 13 {
            return Err(Fault::Invalid("a field of an unknown Thrift type"));
        }
        let delta = b >> 4;
        let id = if delta != 0 {
            last.checked_add(i16::from(delta)).ok_or(Fault::Invalid("a field id beyond 32767"))?
        } else {
            i16::try_from(self.zigzag()?).map_err(|_| Fault::Invalid("a field id beyond 16 bits"))?
        };
        self.count()?;
        Ok(Some((kind, id)))
    }

    fn top_struct(&mut self, top: Top) -> Result<Option<i64>, Fault> {
        let mut found = None;
        let mut last = 0i16;
        while let Some((kind, id)) = self.field(last)? {
            if Some(id) == top.want && matches!(kind, 3..=6) {
                found = Some(if kind == 3 { i64::from(self.byte()? as i8) } else { self.zigzag()? });
            } else if Some(id) == top.bool_list && kind == 9 {
                let (_, size) = self.list_header()?;
                for _ in 0..size {
                    self.count()?;
                    self.byte()?;
                }
            } else {
                self.value(kind, MAX_DEPTH)?;
            }
            last = id;
        }
        Ok(found)
    }

    /// A list or set header: element type and size.
    fn list_header(&mut self) -> Result<(u8, u64), Fault> {
        let h = self.byte()?;
        if h == 0 {
            return Ok((3, 0));
        }
        let element = element_kind(h & 0x0f)?;
        let size = match h >> 4 {
            15 => {
                let n = self.varint()?;
                i32::try_from(n).map_err(|_| Fault::Invalid("a list size beyond 2^31"))? as u64
            }
            n => u64::from(n),
        };
        Ok((element, size))
    }

    /// Skips a value of type `kind` as the crate's skip does (booleans in
    /// lists and maps take no byte there).
    fn value(&mut self, kind: u8, depth: u8) -> Result<(), Fault> {
        if depth == 0 {
            return Err(Fault::TooDeep);
        }
        match kind {
            1 | 2 => Ok(()),
            3 => self.byte().map(|_| ()),
            4..=6 => self.varint().map(|_| ()),
            7 => self.skip(8),
            8 => {
                let len = usize::try_from(self.varint()?).map_err(|_| Fault::Truncated)?;
                self.skip(len)
            }
            9 | 10 => {
                let (element, size) = self.list_header()?;
                for _ in 0..size {
                    self.count()?;
                    self.value(element, depth - 1)?;
                }
                Ok(())
            }
            11 => {
                let size =
                    i32::try_from(self.varint()?).map_err(|_| Fault::Invalid("a map size beyond 2^31"))?;
                if size > 0 {
                    let kv = self.byte()?;
                    let (key, val) = (element_kind(kv >> 4)?, element_kind(kv & 0x0f)?);
                    for _ in 0..size {
                        self.count()?;
                        self.value(key, depth - 1)?;
                        self.count()?;
                        self.value(val, depth - 1)?;
                    }
                }
                Ok(())
            }
            12 => {
                // The crate skips nested structs' field ids relative to 0.
                while let Some((kind, _)) = self.field(0)? {
                    self.value(kind, depth - 1)?;
                }
                Ok(())
            }
            13 => self.skip(16),
            _ => Err(Fault::Invalid("a value of an unknown Thrift type")),
        }
    }
}

/// A list element's type code as a field type (booleans are 1 or 2).
fn element_kind(code: u8) -> Result<u8, Fault> {
    match code {
        1 | 2 => Ok(1),
        3..=13 => Ok(code),
        _ => Err(Fault::Invalid("a list element of an unknown Thrift type")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_booleans_claiming_more_elements_than_bytes_is_refused() {
        // field 1, type list; list header: bool elements, size in a varint (2^31 - 1).
        let bytes = [0x19, 0xf1, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00];
        assert!(matches!(walk_struct(&bytes, Top::default()), Err(Fault::Counts { .. })));
    }

    #[test]
    fn valid_structures_walk_to_their_end_and_give_the_field_asked_for() {
        // field 1: i32 7; field 3: i32 -2; field 4: binary "ab"; field 5: struct { field 1: bool true }; stop.
        let bytes = [0x15, 0x0e, 0x25, 0x03, 0x18, 0x02, b'a', b'b', 0x1c, 0x11, 0x00, 0x00, 0xff];
        let walked = walk_struct(&bytes, Top { want: Some(3), bool_list: None }).unwrap();
        assert_eq!(walked, Walked { len: 12, field: Some(-2) });
    }

    #[test]
    fn a_list_of_booleans_the_crate_decodes_takes_a_byte_per_element() {
        // field 1: list of 3 bools (one byte each), then stop.
        let bytes = [0x19, 0x31, 1, 0, 1, 0x00];
        let top = Top { want: None, bool_list: Some(1) };
        assert_eq!(walk_struct(&bytes, top).unwrap().len, 6);
        // Skipped the crate's way, the same bytes are 3 zero-byte elements and then garbage.
        assert!(walk_struct(&bytes, Top::default()).is_err());
    }

    #[test]
    fn nesting_beyond_the_skip_depth_and_truncation_are_faults() {
        let mut deep = vec![0x1c; 70];
        deep.extend(vec![0x00; 71]);
        assert_eq!(walk_struct(&deep, Top::default()), Err(Fault::TooDeep));
        assert_eq!(walk_struct(&[0x18, 0x05, b'a'], Top::default()), Err(Fault::Truncated));
    }
}
