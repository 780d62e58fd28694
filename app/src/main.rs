//! `metanas`: with no command, the desktop workbench; with one, the headless command line
//! (train, adapt, eval, export, inspect, info).

fn main() -> std::process::ExitCode {
    metanas_app::cli::main()
}
