//! The workbench: driven through its labels (egui_kittest), rendered to snapshots, its GPU
//! views and shaders checked, and the real window opened. One test binary for all of them
//! (docs/architecture.md, "Test binaries").

mod flows;
mod gpu_views;
mod launch;
mod retrain;
mod setup_to_adapt;
mod shaders;
mod snapshots;
