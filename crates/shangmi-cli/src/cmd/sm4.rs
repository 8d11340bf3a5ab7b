//! `shangmi sm4`.
