//! `/proc`: descendants through `/proc/<pid>/task/<tid>/children` (one small read per thread)
//! or, on kernels without it, a scan of every `/proc/<pid>/stat`; RSS from `statm`.

use std::collections::HashMap;
use std::path::Path;

use super::TreeSample;

#[derive(Debug)]
pub(super) struct Sampler {
    page_size: u64,
    children_files: bool,
}

impl Sampler {
    pub(super) fn new() -> Self {
        let tid = std::process::id();
        let children_files = Path::new(&format!("/proc/{tid}/task/{tid}/children")).exists();
        Sampler {
            page_size: page_size(),
            children_files,
        }
    }

    pub(super) fn sample(&mut self, root: u32) -> Option<TreeSample> {
        let root_rss = self.rss(root)?;
        let mut sample = TreeSample {
            processes: 1,
            total_rss: root_rss,
            max_rss: root_rss,
        };
        let descendants = if self.children_files {
            descendants_by_children(root)
        } else {
            descendants_by_scan(root)
        };
        for pid in descendants {
            // A process may exit between listing and reading; it simply no longer counts.
            if let Some(rss) = self.rss(pid) {
                sample.processes += 1;
                sample.total_rss += rss;
                sample.max_rss = sample.max_rss.max(rss);
            }
        }
        Some(sample)
    }

    fn rss(&self, pid: u32) -> Option<u64> {
        let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
        let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
        Some(pages * self.page_size)
    }
}

fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(size).ok().filter(|s| *s > 0).unwrap_or(4096)
}

fn descendants_by_children(root: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for task in tasks.filter_map(Result::ok) {
            let Ok(text) = std::fs::read_to_string(task.path().join("children")) else {
                continue;
            };
            for child in text
                .split_whitespace()
                .filter_map(|c| c.parse::<u32>().ok())
            {
                out.push(child);
                stack.push(child);
            }
        }
    }
    out
}

fn descendants_by_scan(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    for entry in entries.filter_map(Result::ok) {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The command name may hold spaces and parentheses; fields resume after the last ')'.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        if let Some(ppid) = rest
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok())
        {
            children.entry(ppid).or_default().push(pid);
        }
    }
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        for child in children.get(&pid).into_iter().flatten() {
            out.push(*child);
            stack.push(*child);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cargo::ToolCommand;

    #[test]
    fn sees_every_process_of_a_real_tree_and_sums_their_memory() {
        // Two grandchildren each fill a 40 MiB block, then block writing it into a pipe nobody
        // reads until `sleep` exits; the tree's sum must exceed either of them.
        let holder = "dd if=/dev/zero bs=40M count=1 2>/dev/null | sleep 1.5";
        let mut child = ToolCommand::new("sh")
            .args(["-c", &format!("{holder} & {holder} & wait")])
            .to_command()
            .spawn()
            .unwrap();
        let mut sampler = Sampler::new();
        let mut by_children = TreeSample::default();
        let mut by_scan = 0;
        for _ in 0..40 {
            std::thread::sleep(std::time::Duration::from_millis(50));
            if let Some(s) = sampler.sample(child.id())
                && s.total_rss > by_children.total_rss
            {
                by_children = s;
            }
            by_scan = by_scan.max(descendants_by_scan(child.id()).len());
        }
        child.wait().unwrap();
        // sh, two dd and two sleep, plus a subshell per pipeline in some shells.
        assert!(by_children.processes >= 5, "{by_children:?}");
        assert!(by_scan >= 4, "{by_scan}");
        assert!(by_children.max_rss >= 40 << 20, "{by_children:?}");
        assert!(by_children.total_rss >= 80 << 20, "{by_children:?}");
        assert!(
            sampler.sample(child.id()).is_none(),
            "a reaped process has no sample"
        );
    }
}
