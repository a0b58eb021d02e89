//! The one way cargo-tune runs a process it waits on and measures: a build, a workload, a PGO
//! step. The process leads a process group of its own, so that a timeout or Ctrl-C stops it
//! and everything it started; its stdout is read line by line or discarded, its stderr kept
//! (whole, or its last lines); its wall time, the CPU and largest process the kernel accounted
//! to its tree, and the tree's whole peak memory (sampled) are returned. Whatever the leader
//! leaves running when it exits is stopped with it.

use std::io::{self, BufRead, BufReader, Read};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use super::memory::{SAMPLE_INTERVAL_MS, TreeSampler, whole_tree_peak};
use super::process;
use super::stopwatch::Stopwatch;

/// How often the watchdog looks at the cancel flag and the clock when it samples no memory.
const WATCH_INTERVAL_MS: u64 = 20;

/// What to keep of stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// The last this many non-blank lines.
    Tail(usize),
    /// All of it.
    All,
}

/// How to run a process.
pub struct Supervision<'a> {
    /// Set by Ctrl-C: the group is killed and the run ends as [`Finished::interrupted`].
    pub cancel: &'a AtomicBool,
    /// Killed after this long, ending as [`Finished::timed_out`].
    pub timeout: Option<Duration>,
    /// Sample the tree's memory.
    pub memory: bool,
    /// What to keep of stderr.
    pub stderr: Keep,
    /// Also keep, apart, every stderr line that holds this text (cargo's `Running` lines of a
    /// verbose build), however many there are.
    pub stderr_matching: Option<&'static str>,
}

impl<'a> Supervision<'a> {
    /// Memory sampled, no timeout, the last `tail` lines of stderr kept.
    pub fn new(cancel: &'a AtomicBool) -> Self {
        Supervision {
            cancel,
            timeout: None,
            memory: true,
            stderr: Keep::Tail(20),
            stderr_matching: None,
        }
    }
}

/// How a supervised process ended, and what it used.
#[derive(Debug)]
pub struct Finished {
    /// Its exit status (after a kill, the signal's).
    pub status: ExitStatus,
    /// Killed because it ran past the timeout.
    pub timed_out: bool,
    /// Killed because of Ctrl-C.
    pub interrupted: bool,
    /// Wall time from spawn to exit.
    pub wall: Duration,
    /// User CPU of the tree.
    pub user: Duration,
    /// System CPU of the tree.
    pub sys: Duration,
    /// The largest single process of the tree, bytes, from the kernel.
    pub max_process_rss: Option<u64>,
    /// The tree's whole peak, bytes: sampled, never below the largest process.
    pub peak_tree_rss: Option<u64>,
    /// CPU cargo-tune itself used meanwhile (reading output, sampling).
    pub harness_cpu: Duration,
    /// The kept stderr: its last lines, or every line.
    pub stderr: Vec<String>,
    /// The stderr lines holding [`Supervision::stderr_matching`].
    pub matched: Vec<String>,
}

impl Finished {
    /// Exited by itself, successfully.
    pub fn success(&self) -> bool {
        self.status.success() && !self.timed_out && !self.interrupted
    }

    /// The last `n` non-blank lines of the kept stderr.
    pub fn tail(&self, n: usize) -> Vec<String> {
        let lines: Vec<&String> = self
            .stderr
            .iter()
            .filter(|l| !l.trim().is_empty())
            .collect();
        lines[lines.len().saturating_sub(n)..]
            .iter()
            .map(|l| (*l).clone())
            .collect()
    }

    /// How it ended, in words: `exit status: 3`, `timed out`, `interrupted`.
    pub fn status_text(&self) -> String {
        if self.timed_out {
            "timed out".to_owned()
        } else if self.interrupted {
            "interrupted".to_owned()
        } else {
            self.status.to_string()
        }
    }
}

/// Runs `cmd` to its end, or until the timeout passes or the cancel flag is set. Each line of
/// stdout goes to `stdout` when given (on a thread of its own), else stdout is discarded. stdin
/// is closed.
pub fn run(
    mut cmd: Command,
    how: &Supervision<'_>,
    stdout: Option<&mut (dyn FnMut(io::Result<String>) + Send)>,
) -> io::Result<Finished> {
    cmd.stdin(Stdio::null())
        .stdout(if stdout.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stderr(Stdio::piped());
    let cpu_before = process::self_cpu();
    let watch = Stopwatch::start();
    let mut child = process::spawn_group(&mut cmd)?;
    let pid = child.id();
    let out_pipe = child.stdout.take();
    let err_pipe = child.stderr.take().expect("piped stderr");
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let (cancel, timeout, memory, keep, matching) = (
        how.cancel,
        how.timeout,
        how.memory,
        how.stderr,
        how.stderr_matching,
    );
    let (waited, wall, stderr, (peak, timed_out, interrupted)) = std::thread::scope(|s| {
        if let (Some(pipe), Some(each)) = (out_pipe, stdout) {
            s.spawn(move || {
                for line in BufReader::new(pipe).lines() {
                    each(line);
                }
            });
        }
        let stderr = s.spawn(move || keep_stderr(err_pipe, keep, matching));
        let watchdog = s.spawn(move || {
            let mut sampler = memory.then(|| TreeSampler::new(pid));
            let mut peak: Option<u64> = None;
            let tick = if memory {
                SAMPLE_INTERVAL_MS
            } else {
                WATCH_INTERVAL_MS
            };
            loop {
                if cancel.load(Ordering::SeqCst) {
                    process::kill_group(pid);
                    return (peak, false, true);
                }
                if timeout.is_some_and(|t| watch.elapsed() >= t) {
                    process::kill_group(pid);
                    return (peak, true, false);
                }
                if let Some(sample) = sampler.as_mut().and_then(TreeSampler::sample) {
                    peak = Some(peak.map_or(sample.total_rss, |p| p.max(sample.total_rss)));
                }
                match done_rx.recv_timeout(Duration::from_millis(tick)) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    _ => return (peak, false, false),
                }
            }
        });
        let waited = process::wait(&mut child);
        let wall = watch.elapsed();
        let _ = done_tx.send(());
        let stopped = watchdog.join().expect("watchdog thread");
        // Descendants that outlived the leader (a workload that forks a server) would keep
        // running and hold the pipes open, so that the readers waited for them.
        process::kill_group(pid);
        (waited, wall, stderr.join().expect("stderr reader"), stopped)
    });
    let (status, usage) = waited?;
    let (stderr, matched) = stderr;
    Ok(Finished {
        status,
        timed_out,
        interrupted,
        wall,
        user: usage.user,
        sys: usage.sys,
        max_process_rss: usage.max_rss,
        peak_tree_rss: whole_tree_peak(peak, usage.max_rss),
        harness_cpu: process::self_cpu().saturating_sub(cpu_before),
        stderr,
        matched,
    })
}

fn keep_stderr(pipe: impl Read, keep: Keep, matching: Option<&str>) -> (Vec<String>, Vec<String>) {
    let Some(needle) = matching else {
        return match keep {
            Keep::Tail(n) => (process::last_lines(pipe, n), Vec::new()),
            Keep::All => (
                BufReader::new(pipe).lines().map_while(Result::ok).collect(),
                Vec::new(),
            ),
        };
    };
    let mut kept = std::collections::VecDeque::new();
    let mut matched = Vec::new();
    for line in BufReader::new(pipe).lines().map_while(Result::ok) {
        if line.contains(needle) {
            matched.push(line.clone());
        }
        match keep {
            Keep::Tail(n) => {
                if line.trim().is_empty() {
                    continue;
                }
                if kept.len() == n {
                    kept.pop_front();
                }
                kept.push_back(line);
            }
            Keep::All => kept.push_back(line),
        }
    }
    (Vec::from(kept), matched)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::cargo::ToolCommand;

    /// A killed process may linger as a zombie until its new parent reaps it.
    fn alive(pid: i32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            !stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
    }

    /// Whether `pid` is dead, allowing a SIGKILL sent to it a moment to be delivered: on a busy
    /// machine the kernel may not have finished it when the run returns.
    fn gone(pid: i32) -> bool {
        let until = std::time::Instant::now() + Duration::from_secs(10);
        while alive(pid) {
            if std::time::Instant::now() > until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    /// Runs `script`, which starts `sleep 30` in the background and writes its pid to the
    /// returned file.
    fn with_background_sleep(
        exit: &str,
        timeout: Option<Duration>,
    ) -> (Finished, i32, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let script = format!("sleep 30 & echo $! > {}; {exit}", pid_file.display());
        let cmd = ToolCommand::new("sh").args(["-c", &script]).to_command();
        let cancel = AtomicBool::new(false);
        let how = Supervision {
            timeout,
            ..Supervision::new(&cancel)
        };
        let done = run(cmd, &how, None).unwrap();
        let pid = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        (done, pid, dir)
    }

    #[test]
    fn a_timeout_kills_the_whole_group_and_reports_it() {
        // The grandchild would outlive a kill of the shell alone.
        let (done, pid, _dir) = with_background_sleep("wait", Some(Duration::from_millis(300)));
        assert!(done.timed_out && !done.success(), "{done:?}");
        assert!(done.wall < Duration::from_secs(20), "{done:?}");
        assert!(gone(pid), "sleep {pid} survived the timeout");
    }

    #[test]
    fn what_a_successful_run_leaves_behind_is_stopped() {
        let (done, pid, _dir) = with_background_sleep("exit 0", None);
        assert!(done.success(), "{done:?}");
        assert!(done.wall < Duration::from_secs(20), "{done:?}");
        assert!(gone(pid), "sleep {pid} outlived the run");
    }

    #[test]
    fn a_failure_keeps_stderr_and_stdout_reaches_the_reader() {
        let cmd = ToolCommand::new("sh")
            .args(["-c", "echo out; echo one >&2; echo two >&2; exit 4"])
            .to_command();
        let cancel = AtomicBool::new(false);
        let how = Supervision {
            stderr: Keep::All,
            ..Supervision::new(&cancel)
        };
        let mut lines = Vec::new();
        let done = run(cmd, &how, Some(&mut |l| lines.push(l.unwrap()))).unwrap();
        assert!(!done.success() && !done.timed_out);
        assert_eq!(done.stderr, ["one", "two"]);
        assert_eq!(done.tail(1), ["two"]);
        assert_eq!(lines, ["out"]);
        assert!(done.status_text().contains('4'), "{}", done.status_text());
    }

    #[test]
    fn ctrl_c_kills_the_group_and_says_so() {
        let cancel = AtomicBool::new(true);
        let how = Supervision::new(&cancel);
        let done = run(ToolCommand::new("sleep").arg("30").to_command(), &how, None).unwrap();
        assert!(done.interrupted && !done.success(), "{done:?}");
        assert_eq!(done.status_text(), "interrupted");
    }

    #[test]
    fn whole_tree_peak_is_never_below_the_largest_process() {
        // dd fills a 64 MiB buffer and exits within a few tens of milliseconds: samples 50 ms
        // apart often miss it, the kernel's accounting never does.
        let cancel = AtomicBool::new(false);
        for _ in 0..5 {
            let cmd = ToolCommand::new("sh")
                .args([
                    "-c",
                    "dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; true",
                ])
                .to_command();
            let done = run(cmd, &Supervision::new(&cancel), None).unwrap();
            let largest = done.max_process_rss.unwrap();
            assert!(largest >= 64 << 20, "{done:?}");
            assert!(done.peak_tree_rss.unwrap() >= largest, "{done:?}");
        }
    }
}
