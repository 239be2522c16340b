//! Pair and instance ids to positions in the list of pairs, without a
//! copy of every id: the table holds each id's hash and position, and
//! compares against the pairs themselves (at 100 000 pairs the copies
//! were 300 000 small allocations).

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::pair::Pair;

/// Which ids of a pair an index finds it by.
#[derive(Debug, Clone, Copy)]
pub(super) enum Keys {
    Pair,
    Instances,
}

impl Keys {
    fn holds(self, p: &Pair, id: &str) -> bool {
        match self {
            Self::Pair => p.id == id,
            Self::Instances => p.primary.id == id || p.standby.as_ref().is_some_and(|s| s.id == id),
        }
    }
}

#[derive(Debug)]
pub(super) struct Index {
    keys: Keys,
    table: HashTable<(u64, usize)>,
    hasher: RandomState,
}

impl Index {
    pub fn new(keys: Keys) -> Self {
        Self {
            keys,
            table: HashTable::new(),
            hasher: RandomState::new(),
        }
    }

    pub fn clear(&mut self) {
        self.table.clear();
    }

    /// The position of the pair that holds `id` (an id no pair holds any
    /// more is not found).
    pub fn get(&self, pairs: &[Pair], id: &str) -> Option<usize> {
        let h = self.hasher.hash_one(id);
        self.table
            .find(h, |&(hh, i)| {
                hh == h && pairs.get(i).is_some_and(|p| self.keys.holds(p, id))
            })
            .map(|&(_, i)| i)
    }

    /// Files `id` under position `i`; a later position for the same id
    /// wins, as in a map.
    pub fn insert(&mut self, pairs: &[Pair], id: &str, i: usize) {
        let h = self.hasher.hash_one(id);
        let keys = self.keys;
        match self.table.entry(
            h,
            |&(hh, j)| hh == h && pairs.get(j).is_some_and(|p| keys.holds(p, id)),
            |&(hh, _)| hh,
        ) {
            hashbrown::hash_table::Entry::Occupied(mut e) => e.get_mut().1 = i,
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert((h, i));
            }
        }
    }
}
