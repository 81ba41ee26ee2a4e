//! The threads that run one stage's core.
//!
//! Why not `tokio::task::spawn_blocking`: the blocking pool hands each job
//! to whichever of its (many, short-lived) threads is free, so chunks
//! wander over a dozen threads, and the stages of one `rasd run` take turns
//! on every one of them. Each wander costs: the allocator's thread-local
//! heaps go cold, and idle threads' pages are returned to the OS and
//! faulted back in. Each turn costs too: the cleaner's and the tagger's
//! tables evict each other from the core's caches (the two stages
//! interleaved on one core run 30% slower than each on its own).
//!
//! So each CPU-bound stage gets a fixed set of threads of its own, and the
//! machine's cores are shared out among the stages of one process (see
//! `ConsumerArgs::cpu_threads_for`): a thread that only ever runs the
//! tagger keeps the tagger's tables warm on whatever core it runs.
//! Measured end to end on 2 cores (`rasd-bench`): 4,800 articles/s with the
//! blocking pool, 5,400 with one shared pool of 2 threads, 5,800 with one
//! thread per stage.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads fed from one FIFO queue.
pub(crate) struct CpuPool {
    queue: mpsc::Sender<Job>,
}

impl CpuPool {
    /// Start `threads` threads named `rasd-<name>-<i>`. They end when the
    /// pool is dropped.
    pub(crate) fn new(name: &str, threads: usize) -> CpuPool {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("rasd-{name}-{i}"))
                .spawn(move || loop {
                    // The lock is held only while waiting for the next job.
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        // A panic drops the job's result sender (the caller
                        // sees the job as lost); the thread lives on.
                        Ok(job) => {
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                        Err(_) => return,
                    }
                })
                .expect("spawning a CPU pool thread");
        }
        CpuPool { queue: tx }
    }

    /// Run `f` on a pool thread and wait for its result. Callers catch
    /// panics per input; one that escapes `f` is reported as a lost job.
    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T, &'static str>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        self.queue
            .send(job)
            .map_err(|_| "the CPU pool has stopped")?;
        rx.await.map_err(|_| "the CPU pool job was lost")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_on_a_fixed_set_of_named_threads() {
        let pool = CpuPool::new("test", 2);
        let mut names = std::collections::HashSet::new();
        for i in 0..50u32 {
            let (n, name) = pool
                .run(move || (i * 2, std::thread::current().name().map(String::from)))
                .await
                .unwrap();
            assert_eq!(n, i * 2);
            names.insert(name.unwrap());
        }
        assert!(names.len() <= 2, "{names:?}");
        assert!(
            names.iter().all(|n| n.starts_with("rasd-test-")),
            "{names:?}"
        );
    }

    #[tokio::test]
    async fn a_panicking_job_is_reported_and_its_thread_survives() {
        let pool = CpuPool::new("test", 1);
        let lost = pool.run(|| -> u32 { panic!("boom") }).await;
        assert_eq!(lost, Err("the CPU pool job was lost"));
        assert_eq!(pool.run(|| 7).await, Ok(7));
    }
}
