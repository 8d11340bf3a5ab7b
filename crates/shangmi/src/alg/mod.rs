//! Algorithms as values. STUB: replaced by the algorithms work.
