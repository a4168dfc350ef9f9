//! A set of classes `0..len`, as the evaluator and the table lowering use it.

/// A set of classes `0..len`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BitSet {
    len: usize,
    words: Vec<u64>,
}

impl BitSet {
    /// The empty set over `len` classes.
    pub fn empty(len: usize) -> Self {
        BitSet {
            len,
            words: vec![0; len.div_ceil(64)],
        }
    }

    /// Every class.
    pub fn full(len: usize) -> Self {
        BitSet::empty(len).complement()
    }

    /// Adds a class.
    pub fn insert(&mut self, i: usize) {
        if i < self.len {
            self.words[i / 64] |= 1 << (i % 64);
        }
    }

    /// Whether the class is in.
    pub fn contains(&self, i: usize) -> bool {
        i < self.len && self.words[i / 64] & (1 << (i % 64)) != 0
    }

    /// The number of classes (the universe, not the members).
    pub fn universe(&self) -> usize {
        self.len
    }

    /// How many classes are in.
    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The classes in, ascending.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(w, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    w * 64 + bit
                })
            })
        })
    }

    /// The 64-bit words of the set, low classes first (a key equal for
    /// equal sets over the same classes).
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// The set whose words are `f` of the words of both (same `len`).
    pub fn zip(&self, other: &BitSet, f: impl Fn(u64, u64) -> u64) -> BitSet {
        let words = self
            .words
            .iter()
            .zip(&other.words)
            .map(|(a, b)| f(*a, *b))
            .collect();
        BitSet {
            len: self.len,
            words,
        }
    }

    /// Whether some class is in both.
    pub fn intersects(&self, other: &BitSet) -> bool {
        self.words.iter().zip(&other.words).any(|(a, b)| a & b != 0)
    }

    /// Whether every class of `self` is in `other`.
    pub fn is_subset(&self, other: &BitSet) -> bool {
        self.words
            .iter()
            .zip(&other.words)
            .all(|(a, b)| a & !b == 0)
    }

    /// The classes not in.
    pub fn complement(&self) -> BitSet {
        let mut out = self.zip(self, |a, _| !a);
        if !self.len.is_multiple_of(64)
            && let Some(last) = out.words.last_mut()
        {
            *last &= (1u64 << (self.len % 64)) - 1;
        }
        out
    }
}
