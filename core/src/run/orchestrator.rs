//! The global orchestrator of Burn's collective: the one process that the processes of a
//! multi-machine run register with (`metanas orchestrator --port P`).

/// Serves the orchestrator on `port` (all interfaces, WebSocket) until the process is
/// interrupted (Ctrl-C / SIGTERM).
pub fn serve_orchestrator(port: u16) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the orchestrator's runtime: {e}"))?;
    runtime.block_on(burn_collective::start_global_orchestrator(port));
    Ok(())
}
