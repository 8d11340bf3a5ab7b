//! Key formats. STUB: replaced by the key-format work.
