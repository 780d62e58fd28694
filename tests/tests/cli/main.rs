//! The `metanas` binary end to end, one module per subcommand or story. One test binary for
//! all of them: each test binary links the whole engine, so a binary per file made the test
//! build many times larger (docs/architecture.md, "Test binaries").

mod baselines;
mod bench;
mod cluster;
mod commands;
mod docs_commands;
mod episodes;
mod learners;
mod reliability;
mod resume;
mod retrain;
mod validation;
