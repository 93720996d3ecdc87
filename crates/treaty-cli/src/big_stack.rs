//! Deep work on a thread of its own: recursive schemas are compared
//! recursively, deeper than the main thread's stack allows.

/// Runs `f` on a thread with a 256 MiB stack; `None` if the thread could
/// not start or panicked.
pub fn run<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(f)
        .ok()?
        .join()
        .ok()
}
