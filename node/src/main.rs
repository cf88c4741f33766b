//! The OpenLedger attribution appchain node.

// `sc_cli::Error` and `sc_service::Error` are polkadot-sdk's large error enums; every node built on them returns
// them by value, as the solochain template does.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() {
	if let Err(error) = command::run() {
		// Display, not Debug: operators should read "error: chain spec '…' not found", not a Rust enum.
		eprintln!("error: {error}");
		std::process::exit(1);
	}
}
