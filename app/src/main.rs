//! `metanas`: the headless command line (train, adapt, eval, export, inspect); with no command
//! it prints an overview of the defaults.

mod cli;
mod overview;

fn main() -> std::process::ExitCode {
    cli::main()
}
