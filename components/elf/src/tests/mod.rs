//! Host tests: hand-built ELF files for every refusal and every fact, and property tests that no
//! input makes the crate panic.

mod builder;
mod layout;
mod parse;
mod properties;
mod stack;
