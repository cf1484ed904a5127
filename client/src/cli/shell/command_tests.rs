//! Tests of the shell's line parser and its help table.

use super::*;

#[test]
fn words_and_quotes() {
    assert_eq!(
        split_words(r#"put "my file.txt" 'a b' c\ d"#).unwrap(),
        ["put", "my file.txt", "a b", "c d"]
    );
    assert_eq!(split_words(r#"put """#).unwrap(), ["put", ""]);
    assert!(split_words("put \"open").is_err());
}

#[test]
fn parses_each_command_once() {
    let parse = |line: &str| ShellCommand::parse(line).unwrap().unwrap();
    assert_eq!(
        parse("get -c a b"),
        ShellCommand::Get {
            remote: "a".into(),
            local: Some("b".into()),
            resume: true
        }
    );
    assert_eq!(parse("DIR"), ShellCommand::Ls(None));
    assert_eq!(
        parse("mput *.txt *.bin"),
        ShellCommand::Mput(vec!["*.txt".into(), "*.bin".into()])
    );
    assert_eq!(parse("verbose off"), ShellCommand::Verbose(Some(false)));
    assert_eq!(ShellCommand::parse("  # note").unwrap(), None);
    for bad in [
        "cd",
        "cd a b",
        "pwd x",
        "get",
        "rename a",
        "frobnicate",
        "mget",
    ] {
        assert!(ShellCommand::parse(bad).is_err(), "{bad}");
    }
}

/// Each help line's own usage parses (with sample arguments), so the table names no command the parser
/// lacks; the parser dispatches on table names only, so it accepts no command the table lacks.
#[test]
fn every_help_entry_parses() {
    for (name, args, _) in COMMANDS {
        let samples: Vec<&str> = args
            .split_whitespace()
            .filter(|word| !word.starts_with('[') && !word.ends_with(']'))
            .map(|word| if word == "MODE" { "644" } else { "x" })
            .collect();
        let line = format!("{name} {}", samples.join(" "));
        let parsed = ShellCommand::parse(&line);
        assert!(matches!(parsed, Ok(Some(_))), "{line:?}: {parsed:?}");
        assert!(help(Some(name)).is_ok(), "{name}");
    }
    for (alias, name) in ALIASES {
        assert_eq!(canonical_name(alias), Some(*name), "{alias}");
    }
    assert!(help(Some("nope")).is_err());
    assert!(ShellCommand::parse("nope").is_err());
}

#[test]
fn raw_lines_and_local_commands_are_taken_as_typed() {
    let parse = |line: &str| ShellCommand::parse(line).unwrap().unwrap();
    assert_eq!(
        parse("quote  SITE  \"odd\" \\x "),
        ShellCommand::Quote("SITE  \"odd\" \\x".into())
    );
    assert_eq!(parse("LITERAL noop"), ShellCommand::Quote("noop".into()));
    assert_eq!(
        parse("!ls -l 'a b'"),
        ShellCommand::Local("ls -l 'a b'".into())
    );
    assert_eq!(parse("!"), ShellCommand::Local(String::new()));
    assert_eq!(
        parse("chmod 0755 bin/run"),
        ShellCommand::Chmod {
            mode: 0o755,
            path: "bin/run".into()
        }
    );
    assert_eq!(parse("modtime a"), ShellCommand::Mdtm("a".into()));
    assert_eq!(
        parse("set tls explicit"),
        ShellCommand::Set(Some(Setting::Tls(crate::tls::TlsMode::Explicit)))
    );
    for bad in [
        "quote",
        "chmod 999 a",
        "chmod rwx a",
        "set tls sometimes",
        "set nope 1",
        "lpwd x",
    ] {
        assert!(ShellCommand::parse(bad).is_err(), "{bad}");
    }
}
