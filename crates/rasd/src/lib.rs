//! The `rasd` binary's library: command-line handling and the stage
//! adapters, kept in a library so tests and benchmarks can drive the same
//! code the binary runs.

pub mod cli;
mod eval;
pub mod input;
pub mod logging;
pub mod process;
pub mod publish;
pub mod serve;
pub mod stages;
pub mod status;
pub mod subscribe;
