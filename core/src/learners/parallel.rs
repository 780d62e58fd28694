//! The tasks of a meta-batch on named worker threads, results back in task order.

use super::types::LearnerError;

/// Runs `run(i)` for `i in 0..count` on `threads` workers (0: one per core), task i on
/// worker `i % threads` (always on spawned threads, so that a panic inside Burn stays a
/// reported error even with one worker). A worker that panics or cannot start turns its tasks into errors.
pub fn run_tasks<T: Send>(
    count: usize,
    threads: usize,
    run: impl Fn(usize) -> Result<T, LearnerError> + Sync,
) -> Vec<Result<T, LearnerError>> {
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .clamp(1, count.max(1));
    let mut results: Vec<Option<Result<T, LearnerError>>> = (0..count).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|w| {
                let run = &run;
                std::thread::Builder::new()
                    .name(format!("metanas-task-{w}"))
                    .spawn_scoped(scope, move || {
                        (w..count)
                            .step_by(threads)
                            .map(|i| (i, run(i)))
                            .collect::<Vec<_>>()
                    })
            })
            .collect();
        for h in handles {
            match h {
                Ok(h) => {
                    // A worker that panicked leaves its tasks empty: reported below.
                    if let Ok(done) = h.join() {
                        done.into_iter().for_each(|(i, r)| results[i] = Some(r));
                    }
                }
                Err(e) => results.iter_mut().filter(|r| r.is_none()).for_each(|r| {
                    *r = Some(Err(LearnerError::Task(format!(
                        "cannot start a worker thread: {e}"
                    ))))
                }),
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(LearnerError::Task("a task worker panicked".into()))))
        .collect()
}
