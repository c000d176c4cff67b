//! What a file or a log claims about its rows, used without trusting it:
//! memory is reserved on a count's word only when it can be had (a lying
//! count costs no more than address space), and deleted rows are applied to
//! the rows actually decoded, never to a mask sized from a claimed count.

use arrow::array::BooleanArray;
use roaring::RoaringTreemap;

/// An empty vector with room for `claimed` items when the allocator grants
/// it; an empty one otherwise (it grows as the real items arrive). For
/// counts read from files and logs: a footer or block claiming 2^40 rows is
/// an error when the rows are decoded, not an abort on a huge allocation.
pub fn claimed_vec<T>(claimed: usize) -> Vec<T> {
    let mut out = Vec::new();
    if out.try_reserve_exact(claimed).is_err() {
        tracing::debug!(claimed, "not reserving room for a claimed count");
    }
    out
}

/// The rows of one row group that its file's deletion vector marks: the
/// file's deleted row numbers, and the row group's first row in the file.
#[derive(Debug, Clone, Copy)]
pub struct Deleted<'a> {
    rows: &'a RoaringTreemap,
    first: u64,
}

impl<'a> Deleted<'a> {
    /// The deleted rows of the row group starting at row `first` of the file.
    pub fn new(rows: &'a RoaringTreemap, first: u64) -> Self {
        Self { rows, first }
    }

    /// Whether row `row` of the row group is live.
    #[inline]
    pub fn is_live(&self, row: usize) -> bool {
        !self.rows.contains(self.first.saturating_add(row as u64))
    }

    /// How many of rows `start..start + len` of the row group are deleted.
    pub fn count(&self, start: usize, len: usize) -> u64 {
        let from = self.first.saturating_add(start as u64);
        self.rows.range_cardinality(from..from.saturating_add(len as u64))
    }

    /// Keep-flags of rows `start..start + len` of the row group, `None` when
    /// all of them are live: sized by the rows decoded, not by any count.
    pub fn flags(&self, start: usize, len: usize) -> Option<BooleanArray> {
        if self.count(start, len) == 0 {
            return None;
        }
        Some((start..start + len).map(|r| Some(self.is_live(r))).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_cover_the_decoded_rows_only() {
        let rows: RoaringTreemap = [3u64, 5, 1 << 40].into_iter().collect();
        let d = Deleted::new(&rows, 2);
        assert!(d.is_live(0) && !d.is_live(1) && !d.is_live(3));
        assert_eq!(d.count(0, 10), 2);
        assert!(d.flags(4, 6).is_none());
        let flags = d.flags(0, 4).unwrap();
        assert_eq!(flags.iter().collect::<Vec<_>>(), [Some(true), Some(false), Some(true), Some(false)]);
    }

    #[test]
    fn a_claim_too_large_to_reserve_reserves_nothing() {
        let v: Vec<u64> = claimed_vec(usize::MAX / 2);
        assert_eq!(v.capacity(), 0);
        let v: Vec<u64> = claimed_vec(10);
        assert!(v.capacity() >= 10);
    }
}
