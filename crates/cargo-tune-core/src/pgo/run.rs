//! Running one step's process: in its own process group, so that a timeout or Ctrl-C stops it
//! and everything it started; stdout discarded or kept, stderr kept.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use crate::measure::process;
use crate::measure::stopwatch::Stopwatch;

/// How a process ended.
#[derive(Debug)]
pub(crate) struct Finished {
    /// Exit status.
    pub status: Option<std::process::ExitStatus>,
    /// Stopped because it ran past the timeout.
    pub timed_out: bool,
    /// Stopped because of Ctrl-C.
    pub interrupted: bool,
    /// Wall time.
    pub wall: Duration,
    /// Its stderr.
    pub stderr: String,
}

impl Finished {
    pub(crate) fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success()) && !self.timed_out && !self.interrupted
    }

    /// The last `n` non-empty lines of stderr.
    pub(crate) fn tail(&self, n: usize) -> Vec<String> {
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        lines[lines.len().saturating_sub(n)..]
            .iter()
            .map(|l| (*l).to_owned())
            .collect()
    }

    pub(crate) fn status_text(&self) -> String {
        match self.status {
            _ if self.timed_out => "timed out".to_owned(),
            _ if self.interrupted => "interrupted".to_owned(),
            Some(s) => s.to_string(),
            None => "stopped".to_owned(),
        }
    }
}

/// Runs `cmd` to its end, or until `timeout` passes or `cancel` is set; then the whole process
/// group is killed and reaped before this returns, so nothing is left running.
pub(crate) fn run(
    mut cmd: Command,
    timeout: Option<Duration>,
    cancel: &AtomicBool,
) -> std::io::Result<Finished> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let watch = Stopwatch::start();
    let mut child = process::spawn_group(&mut cmd)?;
    let pid = child.id();
    let mut stderr_pipe = child.stderr.take().expect("piped stderr");
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let (waited, stderr, (timed_out, interrupted)) = std::thread::scope(|s| {
        let reader = s.spawn(move || {
            let mut buf = Vec::new();
            let _ = stderr_pipe.read_to_end(&mut buf);
            buf
        });
        let watchdog = s.spawn(move || {
            loop {
                if cancel.load(Ordering::SeqCst) {
                    process::kill_group(pid);
                    return (false, true);
                }
                if timeout.is_some_and(|t| watch.elapsed() >= t) {
                    process::kill_group(pid);
                    return (true, false);
                }
                match done_rx.recv_timeout(Duration::from_millis(20)) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    _ => return (false, false),
                }
            }
        });
        let waited = process::wait(&mut child);
        let _ = done_tx.send(());
        let stopped = watchdog.join().expect("watchdog thread");
        // Descendants that outlived the leader (a workload that forks a server, say) would
        // keep running and hold stderr open, so that the read below waited for them: the group
        // goes with its leader.
        process::kill_group(pid);
        (waited, reader.join().expect("stderr reader"), stopped)
    });
    let wall = watch.elapsed();
    let (status, _) = waited?;
    Ok(Finished {
        status: Some(status),
        timed_out,
        interrupted,
        wall,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    })
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
        let done = run(cmd, timeout, &AtomicBool::new(false)).unwrap();
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
    fn a_failure_keeps_stderr() {
        let cmd = ToolCommand::new("sh")
            .args(["-c", "echo one >&2; echo two >&2; exit 4"])
            .to_command();
        let done = run(cmd, None, &AtomicBool::new(false)).unwrap();
        assert!(!done.success() && !done.timed_out);
        assert_eq!(done.tail(1), ["two"]);
        assert!(done.status_text().contains('4'), "{}", done.status_text());
    }
}
