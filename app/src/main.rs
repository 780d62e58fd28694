//! `metanas`: with no command, the desktop workbench; with one, the headless command line
//! (train, adapt, eval, export, inspect, info).

/// The system allocator, counting heap bytes for `metanas bench`'s memory per task.
#[global_allocator]
static ALLOCATOR: metanas_core::memory_use::CountingAllocator =
    metanas_core::memory_use::CountingAllocator;

fn main() -> std::process::ExitCode {
    metanas_app::cli::main()
}
