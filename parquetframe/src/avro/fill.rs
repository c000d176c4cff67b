//! Filling one vector from parallel tasks, each owning a disjoint range of
//! its spare capacity: the rows of every block group land where they belong,
//! with no per-group vectors to concatenate afterwards (that copy and its
//! page faults cost a fifth of reading a file).
//!
//! The only `unsafe` in the crate is here, in two places: dropping the values
//! a failed task wrote, and setting the vector's length once every slot is
//! known to be written.

use std::mem::MaybeUninit;

/// The values written so far into one task's range.
pub(crate) struct Filled<'a, T> {
    slots: &'a mut [MaybeUninit<T>],
    len: usize,
}

impl<'a, T> Filled<'a, T> {
    /// Pushes `value`; `Err(value)` when the range is full.
    #[inline]
    pub(crate) fn push(&mut self, value: T) -> Result<(), T> {
        match self.slots.get_mut(self.len) {
            Some(slot) => {
                slot.write(value);
                self.len += 1;
                Ok(())
            }
            None => Err(value),
        }
    }

    /// Whether every slot of the range is written.
    pub(crate) fn is_full(&self) -> bool {
        self.len == self.slots.len()
    }
}

impl<T> Drop for Filled<'_, T> {
    fn drop(&mut self) {
        // SAFETY: slots[..len] were written by `push` and not handed over
        // (a handed-over range is forgotten, never dropped).
        for slot in self.slots.iter_mut().take(self.len) {
            unsafe { slot.assume_init_drop() };
        }
    }
}

/// Returns a vector of `sizes.iter().sum()` values, the values of range `i`
/// written by `fill(i, range)`, the ranges filled in parallel. On any error
/// every written value is dropped and the first error (by range) is returned.
pub(crate) fn fill_parallel<T, E>(
    sizes: &[usize],
    fill: impl Fn(usize, &mut Filled<'_, T>) -> Result<(), E> + Sync,
    incomplete: impl Fn(usize) -> E + Sync,
) -> Result<Vec<T>, E>
where
    T: Send,
    E: Send,
{
    use rayon::prelude::*;
    let total: usize = sizes.iter().sum();
    let mut out: Vec<T> = Vec::with_capacity(total);
    let mut ranges = Vec::with_capacity(sizes.len());
    let mut rest = out.spare_capacity_mut();
    for &size in sizes {
        let (head, tail) = rest.split_at_mut(size.min(rest.len()));
        ranges.push(Filled { slots: head, len: 0 });
        rest = tail;
    }
    let results: Vec<Result<Filled<'_, T>, E>> = ranges
        .into_par_iter()
        .enumerate()
        .map(|(i, mut filled)| {
            fill(i, &mut filled)?;
            if filled.is_full() { Ok(filled) } else { Err(incomplete(i)) }
        })
        .collect();
    let mut done = Vec::with_capacity(results.len());
    for result in results {
        // An error drops `done` and the rest of `results`, and with them every written value.
        done.push(result?);
    }
    let written: usize = done.iter().map(|f| f.len).sum();
    // The values now belong to `out`: never drop them through their ranges.
    done.into_iter().for_each(std::mem::forget);
    if written == total {
        // SAFETY: the ranges split out[0..total] without gaps or overlap (each
        // `size` fit, since the capacity is `total`), and every range is full,
        // so out[0..total] is initialised.
        unsafe { out.set_len(total) };
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn ranges_land_in_order() {
        let sizes = [3, 0, 2, 4];
        let out = fill_parallel(
            &sizes,
            |i, f| {
                for j in 0..sizes[i] {
                    f.push(format!("{i}.{j}")).map_err(|_| "full")?;
                }
                Ok::<(), &str>(())
            },
            |_| "incomplete",
        )
        .unwrap();
        assert_eq!(out, ["0.0", "0.1", "0.2", "2.0", "2.1", "3.0", "3.1", "3.2", "3.3"]);
    }

    #[test]
    fn a_failed_range_drops_every_written_value() {
        let counter = Arc::new(());
        let result = fill_parallel(
            &[2, 2, 2],
            |i, f| {
                f.push(counter.clone()).map_err(|_| "full")?;
                if i == 1 { Err("bad range") } else { f.push(counter.clone()).map_err(|_| "full") }
            },
            |_| "incomplete",
        );
        assert_eq!(result.unwrap_err(), "bad range");
        assert_eq!(Arc::strong_count(&counter), 1, "nothing leaked");
        let short = fill_parallel(&[1, 2], |_, f| f.push(counter.clone()).map_err(|_| usize::MAX), |i| i);
        assert_eq!(short.unwrap_err(), 1);
        assert_eq!(Arc::strong_count(&counter), 1, "nothing leaked");
    }
}
