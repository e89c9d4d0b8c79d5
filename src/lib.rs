//! ptear: measures torn reads of split 64-bit page-table entries.
//!
//! Layout: `pte` (the entry, its encoding, the kernel's read and write
//! sequences), `arch` (barrier instructions, one file per architecture),
//! `engine` (shared memory, threads, the hammer loops), `report` (the one
//! result structure, schema ptear/1), `export` (text, JSON, matrix), `cli`.

#![cfg_attr(
    any(target_arch = "mips", target_arch = "mips32r6"),
    feature(asm_experimental_arch)
)]

pub mod arch;
pub mod cli;
pub mod config;
pub mod engine;
pub mod export;
pub mod host;
pub mod pte;
pub mod report;
pub mod selftest;
pub mod signals;
