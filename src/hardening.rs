//! Process hardening applied before anything else runs: a leasehold process holds
//! client secrets and leased passwords in memory, so it must not leave them in a core
//! file, let another process of the same user read its memory, or print them in a
//! panic message.

/// Makes this process undumpable and unable to write a core file, and replaces the
/// panic message printer with one that does not echo the panic's message (which may
/// quote request input).
///
/// On Linux: `prctl(PR_SET_DUMPABLE, 0)` (no core file, no `ptrace` attach or
/// `/proc/<pid>/mem` read by the same user) and `setrlimit(RLIMIT_CORE, 0)` (no core
/// file even if something makes the process dumpable again). Elsewhere only the panic
/// printer changes. Failures are reported, not fatal: a hardened process that cannot
/// start helps nobody, and the operator sees the warning.
pub fn harden_process() {
    for problem in disable_core_dumps() {
        eprintln!("leasehold: warning: {problem}");
    }
    quiet_panics();
}

/// Disables core dumps; returns what could not be done.
#[cfg(target_os = "linux")]
pub fn disable_core_dumps() -> Vec<String> {
    let mut problems = Vec::new();
    let no_core = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: setrlimit reads the struct we pass by pointer and touches nothing else.
    if unsafe { libc::setrlimit(libc::RLIMIT_CORE, &no_core) } != 0 {
        problems.push(format!(
            "could not set RLIMIT_CORE to 0: {}",
            std::io::Error::last_os_error()
        ));
    }
    // SAFETY: PR_SET_DUMPABLE takes one integer argument; the rest are ignored.
    if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } != 0 {
        problems.push(format!(
            "could not mark the process undumpable: {}",
            std::io::Error::last_os_error()
        ));
    }
    problems
}

/// Disables core dumps; a no-op where leasehold does not know how.
#[cfg(not(target_os = "linux"))]
pub fn disable_core_dumps() -> Vec<String> {
    Vec::new()
}

/// Prints where a panic happened, never its message: a request handler's panic can
/// quote the request (a slicing panic prints the string it sliced).
fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "an unknown location".to_string());
        let thread = std::thread::current();
        eprintln!(
            "leasehold: thread '{}' panicked at {at} (message withheld: it may quote secret input)",
            thread.name().unwrap_or("<unnamed>")
        );
    }));
}
