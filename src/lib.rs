//! ptear: measures torn reads of split 64-bit page-table entries.
//!
//! Layout, bottom up (dependencies point one way, downwards):
//! `names` (the enums' names and help, one table each; a leaf), `arch`
//! (barrier instructions and 64-bit atomics, one file per architecture;
//! depends on nothing else here but `names`), `host`, `affinity`, `seed`,
//! `signals`, `error` (leaves), `pte` (the entry, its encoding, the
//! kernel's read and write sequences), `config` (a run's options, checked),
//! `engine` (shared memory, threads, the hammer loops), `report` (the
//! result structures: schema ptear/1 and those around it, hunt's and
//! sweep's among them), `export` (text, JSON, matrix, hunt's and sweep's
//! tables and plot panels), `selftest` (the control table), `kernel` (the
//! kernel engine: loads kmod/'s module, turns its results into a
//! `Measurement` and a report; its selftest reuses `selftest`'s
//! `Control`), `knob`, `trial` (one child `ptear run`), `hunt` and `sweep`
//! (the search and the grid, through trials), `cli`.

#![warn(missing_docs)]
#![cfg_attr(
    any(target_arch = "mips", target_arch = "mips32r6"),
    feature(asm_experimental_arch)
)]

pub mod affinity;
pub mod arch;
pub mod cli;
pub mod config;
pub mod engine;
pub mod error;
pub mod export;
pub mod host;
pub mod hunt;
pub mod kernel;
pub mod knob;
pub mod names;
pub mod pte;
pub mod report;
pub mod seed;
pub mod selftest;
pub mod signals;
pub mod sweep;
pub mod trial;
