//! Running one measured cargo process: its own process group (so that Ctrl-C can stop the
//! whole build), the kernel's resource accounting of the waited-for tree, and cargo-tune's own
//! CPU time.

use std::io;
use std::process::{Child, Command, ExitStatus};
use std::time::Duration;

/// CPU and memory the kernel accounted to a finished child and every descendant it waited for.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    /// User CPU.
    pub user: Duration,
    /// System CPU.
    pub sys: Duration,
    /// Largest resident set size of any one process of the tree, bytes.
    pub max_rss: Option<u64>,
}

/// Spawns `cmd` as the leader of a new process group.
pub fn spawn_group(cmd: &mut Command) -> io::Result<Child> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    cmd.spawn()
}

/// Waits for `child` and returns its status with the tree's usage.
#[cfg(unix)]
pub fn wait(child: &mut Child) -> io::Result<(ExitStatus, Usage)> {
    use std::os::unix::process::ExitStatusExt;
    let pid = libc::pid_t::try_from(child.id()).map_err(io::Error::other)?;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pointers to live locals; `pid` is our unreaped child.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    let max_rss = u64::try_from(usage.ru_maxrss).ok().map(|kib| kib * 1024);
    Ok((
        ExitStatus::from_raw(status),
        Usage {
            user: tv(usage.ru_utime),
            sys: tv(usage.ru_stime),
            max_rss,
        },
    ))
}

/// Waits for `child`; no accounting on this platform.
#[cfg(not(unix))]
pub fn wait(child: &mut Child) -> io::Result<(ExitStatus, Usage)> {
    Ok((child.wait()?, Usage::default()))
}

/// The last `keep` non-blank lines `reader` gives before it ends: what a failed command said last.
pub fn last_lines(reader: impl io::Read, keep: usize) -> Vec<String> {
    use std::io::BufRead;
    let mut tail = std::collections::VecDeque::with_capacity(keep);
    for line in io::BufReader::new(reader).lines().map_while(Result::ok) {
        if line.trim().is_empty() {
            continue;
        }
        if tail.len() == keep {
            tail.pop_front();
        }
        tail.push_back(line);
    }
    Vec::from(tail)
}

/// Kills the process group `leader` leads (cargo and every rustc, linker and test under it).
/// Elsewhere than Unix there is no group to kill; the caller's wait then ends with the build.
pub fn kill_group(leader: u32) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(leader) {
        // SAFETY: kill has no memory-safety preconditions; the group is ours.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = leader;
}

/// CPU time (user + system) this process has used so far, all threads.
pub fn self_cpu() -> Duration {
    #[cfg(unix)]
    {
        // SAFETY: an all-zero rusage is valid; getrusage fills it.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pointer to a live local.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
            return Duration::ZERO;
        }
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
        tv(usage.ru_utime) + tv(usage.ru_stime)
    }
    #[cfg(not(unix))]
    {
        Duration::ZERO
    }
}

/// Nice value of work that must not slow a build it runs beside.
pub const BACKGROUND_NICE: i32 = 19;

/// Lowers the calling thread, and every thread and process it starts afterwards, to the lowest
/// CPU priority: its work then runs on the cores a build leaves idle (the tail of its critical
/// path, a link) instead of taking turns with rustc. Linux keeps a nice value per thread, so the
/// rest of the process keeps its own; elsewhere this does nothing, since lowering the whole
/// process would slow what it measures.
pub fn yield_to_builds() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid and setpriority have no memory-safety preconditions. Raising one's own nice
    // value needs no privilege; should it fail, the work merely runs at normal priority.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, BACKGROUND_NICE);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod priority {
    use super::*;

    /// The nice value the kernel reports for a process, field 19 of `/proc/PID/stat`.
    fn nice_of(stat: &str) -> i32 {
        // The command name may hold spaces; the fields after it do not.
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        after.split(' ').nth(16).unwrap().parse().unwrap()
    }

    #[test]
    fn the_lowered_thread_and_its_children_yield_and_the_rest_does_not() {
        let own = || nice_of(&std::fs::read_to_string("/proc/thread-self/stat").unwrap());
        let before = own();
        let (thread, child) = std::thread::spawn(move || {
            yield_to_builds();
            let child = crate::cargo::ToolCommand::new("cat")
                .arg("/proc/self/stat")
                .output()
                .unwrap();
            (own(), nice_of(&String::from_utf8(child.stdout).unwrap()))
        })
        .join()
        .unwrap();
        assert_eq!(thread, BACKGROUND_NICE);
        assert_eq!(child, BACKGROUND_NICE);
        assert_eq!(own(), before, "the calling process keeps its priority");
    }
}
