//! The tasks of a meta-batch on the CPU thread pool, results back in task order.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::types::LearnerError;

/// Runs `run(i)` for `i in 0..count`, at most `threads` tasks at a time (0: one per core):
/// task i in group `i % threads`, each group one job on rayon's pool, its tasks one after
/// another. The CPU kernels' own parallel loops run on the same pool, so a task's kernels
/// spread over the cores the other groups leave idle, and no thread waits on another pool.
/// A task that panics (inside Burn, say) becomes an error; the others go on. The tasks run
/// inside [`crate::interrupt::uninterruptible`] when the calling thread is.
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
    let shielded = crate::interrupt::is_shielded();
    let guarded = |i: usize| {
        catch_unwind(AssertUnwindSafe(|| {
            crate::interrupt::shielded_if(shielded, || run(i))
        }))
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

/// [`run_tasks`] for work that fails as a whole when one task fails: once a task has failed,
/// tasks not yet begun are skipped. The results in task order, or the error of the first
/// task (in task order) that failed.
pub fn run_all_tasks<T: Send>(
    count: usize,
    threads: usize,
    run: impl Fn(usize) -> Result<T, LearnerError> + Sync,
) -> Result<Vec<T>, LearnerError> {
    let failed = AtomicBool::new(false);
    let results = run_tasks(count, threads, |i| {
        if failed.load(Ordering::SeqCst) {
            return Ok(None);
        }
        let r = run(i);
        if r.is_err() {
            failed.store(true, Ordering::SeqCst);
        }
        r.map(Some)
    });
    let mut out = Vec::with_capacity(count);
    let mut skipped = false;
    for r in results {
        match r? {
            Some(v) => out.push(v),
            None => skipped = true,
        }
    }
    if skipped {
        // Only a failure skips tasks, and its error came first above; kept for safety.
        return Err(LearnerError::Task(
            "a task was skipped after another failed".into(),
        ));
    }
    Ok(out)
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

    #[test]
    fn all_tasks_give_the_first_failure_in_task_order() {
        for threads in [1, 2, 3] {
            let ok = run_all_tasks(6, threads, |i| Ok(i * i)).unwrap();
            assert_eq!(ok, [0, 1, 4, 9, 16, 25], "{threads}");
            let err = run_all_tasks(6, threads, |i| match i {
                2 => Err(LearnerError::Task(format!("task {i} fails"))),
                _ => Ok(i),
            })
            .unwrap_err();
            assert_eq!(
                err.to_string(),
                LearnerError::Task("task 2 fails".into()).to_string()
            );
        }
        // On one thread, tasks after a failure are not begun.
        let begun = std::sync::atomic::AtomicUsize::new(0);
        let err = run_all_tasks(6, 1, |i| {
            begun.fetch_add(1, Ordering::SeqCst);
            match i {
                2 | 4 => Err(LearnerError::Task(format!("task {i} fails"))),
                _ => Ok(i),
            }
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            LearnerError::Task("task 2 fails".into()).to_string()
        );
        assert_eq!(begun.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn tasks_carry_the_callers_interrupt_shield() {
        // Outside a shield every task sees the shield off; inside, every task sees it on,
        // whichever pool thread runs it.
        let seen = |expect: bool| {
            run_all_tasks(4, 2, |_| Ok(crate::interrupt::is_shielded())).unwrap() == [expect; 4]
        };
        assert!(seen(false));
        assert!(crate::interrupt::uninterruptible(|| seen(true)));
    }
}
