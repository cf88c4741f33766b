//! Measuring attribution the way the literature does, on data nobody here wrote: the statistics, the
//! ablation-based faithfulness measures (linear datamodeling score, top-k log-probability drop), the
//! ContextCite surrogate as a method to compare against, and the PubMedQA DataNet.
//!
//! Nothing here is part of the protocol: it decides which method and which weights the protocol uses.

pub mod faithfulness;
pub mod influence_task;
pub mod pubmedqa;
pub mod question;
pub mod report;
pub mod stats;
pub mod surrogate;
pub mod transformations;
pub mod tuning;
