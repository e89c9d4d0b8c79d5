//! The one result structure every output is fed from. `schema` is the JSON
//! interface `ptear/1` (docs/json-schema.md); `build` fills it from a
//! measurement. Exporters (crate::export) only read it.

pub mod build;
pub mod hunt_schema;
pub mod schema;
pub mod stats;
pub mod sweep_schema;

pub use build::build;
pub use hunt_schema::{HuntRecord, HUNT_SCHEMA};
pub use schema::*;
pub use sweep_schema::{SweepRecord, SWEEP_SCHEMA};
