//! Completion for a typed path, as a shell does it: the entries of the folder the text points
//! into whose names start with what follows its last `/`, and the longest prefix they share.

use std::path::{Path, PathBuf};

/// `~` and `~/...` with the home folder put in.
pub fn expand_home(text: &str) -> PathBuf {
    let home = || std::env::var_os("HOME").filter(|h| !h.is_empty());
    if text == "~" {
        if let Some(h) = home() {
            return PathBuf::from(h);
        }
    }
    if let Some(rest) = text.strip_prefix("~/") {
        if let Some(h) = home() {
            return Path::new(&h).join(rest);
        }
    }
    PathBuf::from(text)
}

/// The paths `text` can complete to (folders end with `/`), sorted, at most `limit`. Hidden
/// entries only when the typed name starts with a dot.
pub fn candidates(text: &str, limit: usize) -> Vec<String> {
    let expanded = expand_home(text).to_string_lossy().into_owned();
    let (folder, name) = match expanded.rfind('/') {
        Some(i) => (&expanded[..=i], &expanded[i + 1..]),
        None => ("", expanded.as_str()),
    };
    let listed = if folder.is_empty() { "." } else { folder };
    let Ok(entries) = std::fs::read_dir(listed) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let entry_name = e.file_name().to_string_lossy().into_owned();
            let shown = entry_name.starts_with(name)
                && (!entry_name.starts_with('.') || name.starts_with('.'));
            shown.then(|| {
                let slash = if e.path().is_dir() { "/" } else { "" };
                format!("{folder}{entry_name}{slash}")
            })
        })
        .collect();
    out.sort();
    out.truncate(limit);
    out
}

/// What Tab completes `text` to: the longest prefix every candidate shares, when it is longer
/// than the text (after `~` is expanded).
pub fn complete(text: &str) -> Option<String> {
    let all = candidates(text, usize::MAX);
    let first = all.first()?;
    let mut shared = first.len();
    for c in &all[1..] {
        shared = shared.min(common_prefix_len(first, c));
    }
    let prefix = &first[..shared];
    (prefix.len() > expand_home(text).to_string_lossy().len()).then(|| prefix.to_string())
}

/// The length in bytes of the longest common prefix, on a character boundary.
fn common_prefix_len(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder_with(names: &[&str], dirs: &[&str]) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        for n in names {
            std::fs::write(t.path().join(n), "x").unwrap();
        }
        for d in dirs {
            std::fs::create_dir(t.path().join(d)).unwrap();
        }
        t
    }

    #[test]
    fn completes_to_the_shared_prefix_and_marks_folders() {
        let t = folder_with(&["omniglot.zip", "omni.csv", ".hidden"], &["omniglot_runs"]);
        let base = format!("{}/", t.path().display());
        assert_eq!(
            candidates(&format!("{base}omni"), 10),
            [
                format!("{base}omni.csv"),
                format!("{base}omniglot.zip"),
                format!("{base}omniglot_runs/"),
            ]
        );
        assert_eq!(complete(&format!("{base}o")), Some(format!("{base}omni")));
        assert_eq!(
            complete(&format!("{base}omnig")),
            Some(format!("{base}omniglot"))
        );
        // One candidate: completes whole, a folder with its slash.
        assert_eq!(
            complete(&format!("{base}omniglot_")),
            Some(format!("{base}omniglot_runs/"))
        );
        // Nothing longer to add, nothing that matches, hidden entries only when asked for.
        assert_eq!(complete(&format!("{base}omni")), None);
        assert_eq!(complete(&format!("{base}zzz")), None);
        assert_eq!(candidates(&base, 10).len(), 3);
        assert_eq!(
            candidates(&format!("{base}."), 10),
            [format!("{base}.hidden")]
        );
        assert!(candidates("/no/such/folder/x", 10).is_empty());
    }

    #[test]
    fn shared_prefixes_stop_on_character_boundaries() {
        assert_eq!(common_prefix_len("daté", "datè"), 3);
        assert_eq!(common_prefix_len("abc", "ab"), 2);
    }
}
