//! The one result structure every output is fed from. `schema` is the JSON
//! interface `ptear/1` (docs/json-schema.md); `build` fills it from a
//! measurement. Exporters (crate::export) only read it.

pub mod build;
pub mod schema;
pub mod stats;

pub use build::build;
pub use schema::*;
