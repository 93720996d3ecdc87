//! Help and usage texts a new user reads first: every broker command says
//! what it does, and every option what it takes.

mod common;

use std::process::Output;

fn run(args: &[&str]) -> Output {
    common::treaty()
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"))
}

#[test]
fn broker_commands_describe_themselves_not_their_broker_options() {
    for command in [&["team", "create"][..], &["environment", "create"][..]] {
        let mut args = command.to_vec();
        args.push("--help");
        let help = String::from_utf8_lossy(&run(&args).stdout).into_owned();
        let first = help.lines().next().unwrap_or_default();
        assert!(
            !first.contains("Where the broker is"),
            "{command:?} describes itself as its broker options:\n{help}"
        );
        assert!(first.contains("(admin)"), "{command:?}:\n{help}");
    }
}

#[test]
fn every_option_of_the_broker_commands_says_what_it_takes() {
    for command in [
        &["verify"][..],
        &["record-deployment"][..],
        &["record-undeployment"][..],
        &["record-release"][..],
        &["record-support-ended"][..],
        &["can-i-release"][..],
        &["token", "create"][..],
        &["token", "revoke"][..],
        &["team", "create"][..],
        &["environment", "create"][..],
        &["serve"][..],
        &["log", "export"][..],
        &["log", "verify"][..],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let help = String::from_utf8_lossy(&run(&args).stdout).into_owned();
        let undescribed = undescribed_items(&help);
        assert!(
            undescribed.is_empty(),
            "{command:?}: no description for {undescribed:?}:\n{help}"
        );
    }
}

/// The options and arguments of a help text that have no description.
/// clap writes an item as `  --name <VALUE>  Description` on one line, or
/// as the item alone with its description on the next, further indented.
fn undescribed_items(help: &str) -> Vec<String> {
    let lines: Vec<&str> = help.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let item = line.trim_start();
        if !(item.starts_with('-') || item.starts_with('<')) || item.starts_with("-h, --help") {
            continue;
        }
        // The item's own text ends at the first run of two spaces.
        let same_line = item
            .trim_end()
            .split_once("  ")
            .is_some_and(|(_, rest)| !rest.trim().is_empty());
        let next_line = lines
            .get(i + 1)
            .is_some_and(|next| !next.trim().is_empty() && indent(next) > indent(line));
        if !same_line && !next_line {
            out.push(item.trim_end().to_owned());
        }
    }
    out
}

#[test]
fn verify_without_a_result_names_both_flags() {
    let out = run(&[
        "verify",
        "--interface",
        "a",
        "--provider-version",
        "1",
        "--consumer",
        "c",
        "--consumer-version",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--success|--failure"), "{stderr}");
}
