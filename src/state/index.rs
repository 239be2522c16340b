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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Instance;

    fn pair(id: &str, a: &str, b: &str) -> Pair {
        Pair::new(
            id,
            Instance::new(a, "r", "p"),
            Some(Instance::new(b, "r", "p")),
        )
    }

    #[test]
    fn finds_pairs_by_id_and_by_either_instance_and_follows_the_list() {
        let mut pairs = vec![pair("p0", "a0", "b0"), pair("p1", "a1", "b1")];
        let (mut by_pair, mut by_inst) = (Index::new(Keys::Pair), Index::new(Keys::Instances));
        for (i, p) in pairs.iter().enumerate() {
            by_pair.insert(&pairs, &p.id, i);
            by_inst.insert(&pairs, &p.primary.id, i);
            by_inst.insert(&pairs, &p.standby.as_ref().expect("standby").id, i);
        }
        assert_eq!(by_pair.get(&pairs, "p1"), Some(1));
        assert_eq!(by_inst.get(&pairs, "a0"), Some(0));
        assert_eq!(by_inst.get(&pairs, "b1"), Some(1));
        assert_eq!(by_pair.get(&pairs, "p9"), None);
        assert_eq!(
            by_pair.get(&pairs, "a0"),
            None,
            "a pair index holds pair ids only"
        );
        // The index compares against the pairs: an id whose pair left the
        // list is not found, even before a reindex.
        pairs.truncate(1);
        assert_eq!(by_pair.get(&pairs, "p1"), None);
        // A role swap keeps both instances found at their pair.
        let p0 = &mut pairs[0];
        std::mem::swap(
            &mut p0.primary.id,
            &mut p0.standby.as_mut().expect("standby").id,
        );
        assert_eq!(by_inst.get(&pairs, "a0"), Some(0));
        assert_eq!(by_inst.get(&pairs, "b0"), Some(0));
        // The same id filed again: the later position wins.
        pairs.push(pair("p0", "x", "y"));
        by_pair.insert(&pairs, "p0", 1);
        assert_eq!(by_pair.get(&pairs, "p0"), Some(1));
    }
}
