//! The global orchestrator of Burn's collective: the one process that the processes of a
//! multi-machine run register with (`metanas orchestrator --port P`).

/// Serves the orchestrator on `port` (all interfaces, WebSocket) until the process is
/// interrupted (Ctrl-C / SIGTERM).
/// The error is the system's, when the orchestrator's async runtime cannot start.
pub fn serve_orchestrator(port: u16) -> Result<(), std::io::Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(burn_collective::start_global_orchestrator(port));
    Ok(())
}
