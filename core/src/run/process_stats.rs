//! What Linux says of this process: its peak resident memory and its minor page faults,
//! read from `/proc/self`. `metanas bench` reports both.

/// Peak resident memory of this process (Linux's `VmHWM`).
pub fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Minor page faults of this process so far (Linux's `/proc/self/stat`).
pub(crate) fn minor_page_faults() -> Option<u64> {
    minor_faults_of(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// The `minflt` field of a `/proc/<pid>/stat` line: the eighth after the command name, which
/// is in parentheses and may itself hold spaces and parentheses.
fn minor_faults_of(stat: &str) -> Option<u64> {
    let (_, after_name) = stat.rsplit_once(')')?;
    after_name.split_whitespace().nth(7)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fault_count_is_read_after_the_command_name() {
        // A line of Linux's proc(5) layout, written out by hand: pid, (comm), state, ppid,
        // pgrp, session, tty_nr, tpgid, flags, minflt = 4242, cminflt, majflt, ...
        let line = "917 (metanas) R 1 917 917 0 -1 4194304 4242 0 3 0 120 35";
        assert_eq!(minor_faults_of(line), Some(4242));
        // A command name with spaces and parentheses moves every field after it.
        let odd = "917 (a (b) c) R 1 917 917 0 -1 4194304 77 0 3 0 120 35";
        assert_eq!(minor_faults_of(odd), Some(77));
        assert_eq!(minor_faults_of("917 (metanas) R 1 2"), None);
        assert_eq!(minor_faults_of("no name here"), None);
    }
}
