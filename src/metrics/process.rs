//! The standard `process_*` series (as Prometheus' own client libraries name them), read
//! from `/proc` on each scrape. On other systems nothing is reported.

use std::sync::atomic::AtomicU64;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// One reading of the process's resources.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Process {
    /// User + system CPU time.
    pub cpu_seconds: f64,
    /// Resident set size.
    pub resident_memory_bytes: i64,
    /// Virtual memory size.
    pub virtual_memory_bytes: i64,
    /// Start time, seconds since the Unix epoch.
    pub start_time_seconds: f64,
    /// Open file descriptors.
    pub open_fds: i64,
    /// The open-files limit.
    pub max_fds: i64,
    /// OS threads.
    pub threads: i64,
}

/// Reads the current process, or `None` where `/proc` is not available.
#[cfg(target_os = "linux")]
pub fn read() -> Option<Process> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // Field N of proc(5) is fields[N - 3] here (pid and comm are cut off).
    let field = |n: usize| fields.get(n - 3)?.parse::<f64>().ok();
    // SAFETY: sysconf only reads a configuration value.
    let (ticks, page) = unsafe {
        (
            libc::sysconf(libc::_SC_CLK_TCK) as f64,
            libc::sysconf(libc::_SC_PAGESIZE) as f64,
        )
    };
    let boot = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime ")?.trim().parse::<f64>().ok())?;
    let open_fds = std::fs::read_dir("/proc/self/fd").ok()?.count() as i64;
    Some(Process {
        cpu_seconds: (field(14)? + field(15)?) / ticks,
        threads: field(20)? as i64,
        start_time_seconds: boot + field(22)? / ticks,
        virtual_memory_bytes: field(23)? as i64,
        resident_memory_bytes: (field(24)? * page) as i64,
        open_fds,
        max_fds: max_fds().unwrap_or(-1),
    })
}

#[cfg(not(target_os = "linux"))]
pub fn read() -> Option<Process> {
    None
}

#[cfg(target_os = "linux")]
fn max_fds() -> Option<i64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct it is given.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    (rc == 0).then(|| i64::try_from(limit.rlim_cur).unwrap_or(i64::MAX))
}

/// Registers the reading's series in `registry`.
pub fn register(process: &Process, registry: &mut Registry) {
    let cpu = Counter::<f64, AtomicU64>::default();
    cpu.inc_by(process.cpu_seconds);
    registry.register(
        "process_cpu_seconds",
        "Total user and system CPU time spent in seconds",
        cpu,
    );
    let start = Gauge::<f64, AtomicU64>::default();
    start.set(process.start_time_seconds);
    registry.register(
        "process_start_time_seconds",
        "Start time of the process since unix epoch in seconds",
        start,
    );
    let gauges = [
        (
            "process_resident_memory_bytes",
            "Resident memory size in bytes",
            process.resident_memory_bytes,
        ),
        (
            "process_virtual_memory_bytes",
            "Virtual memory size in bytes",
            process.virtual_memory_bytes,
        ),
        (
            "process_open_fds",
            "Number of open file descriptors",
            process.open_fds,
        ),
        (
            "process_max_fds",
            "Maximum number of open file descriptors",
            process.max_fds,
        ),
        ("process_threads", "Number of OS threads", process.threads),
    ];
    for (name, help, value) in gauges {
        let gauge = Gauge::<i64>::default();
        gauge.set(value);
        registry.register(name, help, gauge);
    }
}
