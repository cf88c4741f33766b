//! The OpenLedger attribution appchain node.

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
