/// Cores and memory of the machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostInfo {
    /// Logical cores available to this process.
    pub cores: usize,
    /// Total memory in bytes, where the platform tells.
    pub memory_bytes: Option<u64>,
    /// `std::env::consts::OS`.
    pub os: &'static str,
}

impl HostInfo {
    /// Reads the host.
    pub fn probe() -> HostInfo {
        HostInfo {
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            memory_bytes: total_memory(),
            os: std::env::consts::OS,
        }
    }
}

#[cfg(target_os = "linux")]
fn total_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(not(target_os = "linux"))]
fn total_memory() -> Option<u64> {
    None
}
