//! `hotline-benchmarks`: the benchmarks run by `hotline bench`.
