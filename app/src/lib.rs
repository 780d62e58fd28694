//! metanas-app: the `metanas` binary's two faces over metanas-core — the eframe workbench
//! ([`workbench`]) and the headless command line ([`cli`]).

pub mod cli;
pub mod gpu;
mod overview;
pub mod plots;
pub mod workbench;
