//! Output formats, one module each, all fed from [`crate::report::Report`].

pub mod file;
pub mod hunt;
pub mod json;
pub mod junit;
pub mod ktap;
pub mod matrix;
pub mod plot;
pub mod sweep;
pub mod text;
