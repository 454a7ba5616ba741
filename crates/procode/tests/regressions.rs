//! Inputs found by fuzzing (`fuzz/`), kept as regression tests: each must give
//! an answer or a typed error, never a panic.
