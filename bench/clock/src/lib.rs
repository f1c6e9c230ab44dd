//! The clock every Parapet benchmark reads: CPU time of the calling thread
//! (`CLOCK_THREAD_CPUTIME_ID`). The machines are shared; wall time would count the time other
//! jobs hold the core as the measured work's cost, thread CPU time does not.
//!
//! ```
//! let per_call = parapet_bench_clock::sample(8, || {
//!     std::hint::black_box((0..1000u64).sum::<u64>());
//! });
//! assert!(per_call < std::time::Duration::from_secs(1));
//! ```

use std::time::{Duration, Instant};

/// CPU time consumed by the calling thread so far; where the thread clock is missing (not on
/// Linux), wall time since the first call.
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes into it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        static START: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);
        return START.elapsed();
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Per-call CPU time of `f` over one sample of `iters` calls.
pub fn sample(iters: u32, mut f: impl FnMut()) -> Duration {
    let t = thread_cpu_time();
    for _ in 0..iters {
        f();
    }
    (thread_cpu_time() - t) / iters
}
