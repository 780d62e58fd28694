//! Every `metanas` command shown in a code block of the README or docs/ names a subcommand
//! the CLI has, and every option it uses is one that subcommand's `--help` lists: the docs
//! cannot drift from the CLI unnoticed.

use std::collections::BTreeMap;

use metanas_tests::{metanas, workspace_root};

/// The invocations of metanas in the ```sh blocks of `text`: (subcommand, options), with
/// continued lines joined.
fn invocations(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut line = String::new();
    for raw in text.lines() {
        if raw.trim_start().starts_with("```") {
            in_block = raw.trim_start().starts_with("```sh") && !in_block;
            continue;
        }
        if !in_block {
            continue;
        }
        line.push_str(raw.trim_end().trim_end_matches('\\'));
        line.push(' ');
        if raw.trim_end().ends_with('\\') {
            continue;
        }
        let command = std::mem::take(&mut line);
        let command = command.split('#').next().unwrap_or_default();
        for part in command.split([';', '&', '|']) {
            let words: Vec<&str> = part.split_whitespace().collect();
            let cargo_run = words.contains(&"metanas-app");
            let start = words.iter().position(|w| {
                *w == "metanas" || w.ends_with("/metanas") || (cargo_run && *w == "--")
            });
            let Some(start) = start else { continue };
            let Some(sub) = words.get(start + 1) else {
                continue;
            };
            if sub.starts_with('-') || sub.starts_with('<') {
                continue;
            }
            let options = words[start + 2..]
                .iter()
                .filter(|w| w.starts_with("--"))
                .map(|w| w.split('=').next().unwrap_or(w).to_string())
                .collect();
            out.push((sub.to_string(), options));
        }
    }
    out
}

#[test]
fn every_documented_command_parses() {
    let root = workspace_root();
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut help: BTreeMap<String, String> = BTreeMap::new();
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (sub, options) in invocations(&text) {
            let page = help.entry(sub.clone()).or_insert_with(|| {
                let out = metanas(&[&sub, "--help"]);
                assert!(
                    out.status.success(),
                    "{}: `metanas {sub}` is not a command",
                    file.display()
                );
                String::from_utf8_lossy(&out.stdout).into_owned()
            });
            for option in options {
                let listed = page
                    .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
                    .any(|w| w == option);
                assert!(
                    listed,
                    "{}: `metanas {sub}` has no option {option}",
                    file.display()
                );
                checked += 1;
            }
        }
    }
    // The README's tour alone uses more than a dozen options.
    assert!(checked > 40, "only {checked} options found in the docs");
}

#[test]
fn the_parser_joins_lines_and_finds_every_form() {
    let text = "```sh\nmetanas train --config a.toml \\\n  --run r  # c --x\n\
                for l in a b; do target/release/metanas eval --run $l --json; done\n\
                cargo run --release -p metanas-app -- adapt --tasks=3\n```\nmetanas bench --no\n";
    assert_eq!(
        invocations(text),
        vec![
            ("train".into(), vec!["--config".into(), "--run".into()]),
            ("eval".into(), vec!["--run".into(), "--json".into()]),
            ("adapt".into(), vec!["--tasks".into()]),
        ]
    );
}
