//! Fixed-size history so memory stays bounded however long baton runs.
//! Kept as runs of equal values: a pair whose lag reads the same poll
//! after poll holds one run, not 240 samples (at 100 000 pairs that is
//! 100 MB of a fleet's memory).

use std::collections::VecDeque;

#[derive(Debug, Clone)]
pub struct Ring<T> {
    /// Each value and how many samples in a row it was.
    runs: VecDeque<(T, u32)>,
    len: usize,
    cap: usize,
}

impl<T: Copy + PartialEq> Ring<T> {
    pub fn new(cap: usize) -> Self {
        Self {
            runs: VecDeque::new(),
            len: 0,
            cap: cap.max(1),
        }
    }

    pub fn push(&mut self, v: T) {
        match self.runs.back_mut() {
            Some((last, n)) if *last == v && *n < u32::MAX => *n += 1,
            _ => self.runs.push_back((v, 1)),
        }
        self.len += 1;
        if self.len > self.cap
            && let Some((_, n)) = self.runs.front_mut()
        {
            *n -= 1;
            if *n == 0 {
                self.runs.pop_front();
            }
            self.len -= 1;
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The samples, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.runs
            .iter()
            .flat_map(|&(v, n)| std::iter::repeat_n(v, n as usize))
    }

    pub fn last(&self) -> Option<T> {
        self.runs.back().map(|&(v, _)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_newest() {
        let mut r = Ring::new(3);
        for i in 0..5 {
            r.push(i);
        }
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![2, 3, 4]);
        // Runs of one value are cut from the oldest end sample by sample.
        for v in [7, 7, 7, 7, 8, 7] {
            r.push(v);
        }
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![7, 8, 7]);
        assert_eq!((r.len(), r.last()), (3, Some(7)));
        r.push(7);
        r.push(7);
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![7, 7, 7]);
        assert_eq!(r.runs.len(), 1);
    }
}
