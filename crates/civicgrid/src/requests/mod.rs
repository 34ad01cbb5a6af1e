//! Resident requests on the command line: the intake and work-queue benchmarks.

pub mod intake_bench;
pub mod queue_bench;
