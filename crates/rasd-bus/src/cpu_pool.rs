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
    /// Start `threads` threads named `<name>-<i>` (Linux keeps 15 bytes of
    /// a thread's name: `aggregate-0` fits, `rasd-aggregate-0` would not).
    /// They end when the pool is dropped. Called within a tokio runtime,
    /// the threads enter it, so a core may still use tokio (a timer, a
    /// handle) as it could on the blocking pool.
    pub(crate) fn new(name: &str, threads: usize) -> std::io::Result<CpuPool> {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let runtime = tokio::runtime::Handle::try_current().ok();
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let runtime = runtime.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || {
                    let _entered = runtime.as_ref().map(|r| r.enter());
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            // A panic drops the job's result sender (the
                            // caller sees the job as lost); the thread lives on.
                            Ok(job) => {
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            }
                            Err(_) => return,
                        }
                    }
                })?;
        }
        Ok(CpuPool { queue: tx })
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
        let pool = CpuPool::new("test", 2).unwrap();
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
        assert!(names.iter().all(|n| n.starts_with("test-")), "{names:?}");
    }

    #[tokio::test]
    async fn a_panicking_job_is_reported_and_its_thread_survives() {
        let pool = CpuPool::new("test", 1).unwrap();
        let lost = pool.run(|| -> u32 { panic!("boom") }).await;
        assert_eq!(lost, Err("the CPU pool job was lost"));
        assert_eq!(pool.run(|| 7).await, Ok(7));
    }

    #[tokio::test]
    async fn the_threads_run_jobs_at_the_same_time() {
        // Two jobs that can only finish together: a pool that ran one job
        // at a time (or kept its queue locked while running) would hang.
        let pool = CpuPool::new("test", 2).unwrap();
        let meet = Arc::new(std::sync::Barrier::new(2));
        let (a, b) = (meet.clone(), meet);
        let both = async {
            tokio::join!(
                pool.run(move || a.wait().is_leader()),
                pool.run(move || b.wait().is_leader())
            )
        };
        let (a, b) = tokio::time::timeout(std::time::Duration::from_secs(10), both)
            .await
            .expect("the two jobs never ran at the same time");
        assert!(a.unwrap() ^ b.unwrap(), "one leader");
    }

    #[tokio::test]
    async fn a_job_can_use_the_runtime_it_was_sent_from() {
        let pool = CpuPool::new("test", 1).unwrap();
        let ok = pool
            .run(|| tokio::runtime::Handle::try_current().is_ok())
            .await
            .unwrap();
        assert!(ok, "the pool thread did not enter the runtime");
    }
}
