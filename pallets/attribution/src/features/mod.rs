//! The pallet's logic, one file per capability.

mod assignment;
mod challenge;
mod committee;
mod deadlines;
mod decide;
mod decline;
mod escrow;
mod invariants;
mod params;
mod queries;
mod request;
mod retention;
mod settle;
mod submit;
mod validation;
