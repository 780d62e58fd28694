//! The tasks of a meta-batch on the CPU thread pool, results back in task order.

use std::panic::{catch_unwind, AssertUnwindSafe};

use rayon::prelude::*;

use super::types::LearnerError;

/// Runs `run(i)` for `i in 0..count`, at most `threads` tasks at a time (0: one per core):
/// task i in group `i % threads`, each group one job on rayon's pool, its tasks one after
/// another. The CPU kernels' own parallel loops run on the same pool, so a task's kernels
/// spread over the cores the other groups leave idle, and no thread waits on another pool.
/// A task that panics (inside Burn, say) becomes an error; the others go on.
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
    let guarded = |i: usize| {
        catch_unwind(AssertUnwindSafe(|| run(i)))
            .unwrap_or_else(|_| Err(LearnerError::Task(format!("task {i} panicked"))))
    };
    let groups: Vec<Vec<(usize, Result<T, LearnerError>)>> = (0..threads)
        .into_par_iter()
        .map(|w| {
            (w..count)
                .step_by(threads)
                .map(|i| (i, guarded(i)))
                .collect()
        })
        .collect();
    let mut results: Vec<Option<Result<T, LearnerError>>> = (0..count).map(|_| None).collect();
    for (i, r) in groups.into_iter().flatten() {
        results[i] = Some(r);
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(LearnerError::Task("a task did not run".into()))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_task_order_and_a_panic_is_an_error() {
        for threads in [0, 1, 2, 5] {
            let out = run_tasks(5, threads, |i| {
                if i == 3 {
                    panic!("task three breaks");
                }
                Ok(i * 10)
            });
            let values: Vec<Option<usize>> = out.iter().map(|r| r.as_ref().ok().copied()).collect();
            assert_eq!(
                values,
                [Some(0), Some(10), Some(20), None, Some(40)],
                "{threads}"
            );
            match &out[3] {
                Err(LearnerError::Task(msg)) => assert!(msg.contains("task 3"), "{msg}"),
                other => panic!("expected a task error, got {other:?}"),
            }
        }
        assert!(run_tasks(0, 2, Ok).is_empty());
    }
}
