//! Property: whatever sequence of path commands a client sends (CWD, MKD, RNFR/RNTO, DELE, with `..`, `/`
//! and the names of symlinks that stay inside or lead out), the outside directory is never touched, every
//! reply is one the command may give, and the server's answers agree with a model of where things are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ftp_server::jail::VirtualPath;
use ftp_testkit::TestServer;
use proptest::prelude::*;

/// Names the generated paths are made of: a real directory and file, a link that stays inside, links
/// that lead out (to a directory and to a file), a fresh name, and the special ones.
const NAMES: &[&str] = &["d", "f.txt", "in", "out", "outfile", "new", "..", "."];

#[derive(Debug, Clone)]
enum Op {
    Cwd(String),
    Mkd(String),
    Rnfr(String),
    Rnto(String),
    Dele(String),
}

fn path() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::collection::vec(prop::sample::select(NAMES), 1..=3),
    )
        .prop_map(|(absolute, parts)| {
            let joined = parts.join("/");
            if absolute {
                format!("/{joined}")
            } else {
                joined
            }
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        path().prop_map(Op::Cwd),
        path().prop_map(Op::Mkd),
        path().prop_map(Op::Rnfr),
        path().prop_map(Op::Rnto),
        path().prop_map(Op::Dele),
    ]
}

/// Every entry under `dir` (links not followed) with a file's contents.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut seen = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let contents = if meta.is_dir() {
                pending.push(path.clone());
                Vec::new()
            } else if meta.is_file() {
                std::fs::read(&path).unwrap()
            } else {
                b"(link)".to_vec()
            };
            seen.insert(path, contents);
        }
    }
    seen
}

/// The real place a virtual path names, if it resolves (links followed) and stays inside `root`.
fn resolves_inside(root: &Path, path: &VirtualPath) -> bool {
    let canonical_root = std::fs::canonicalize(root).unwrap();
    std::fs::canonicalize(root.join(path.relative()))
        .is_ok_and(|real| real.starts_with(&canonical_root))
}

async fn run(ops: Vec<Op>) {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"outside").unwrap();
    std::fs::create_dir(outside.path().join("sub")).unwrap();
    let server = TestServer::start().await;
    std::fs::create_dir(server.path("d")).unwrap();
    server.write("d/f.txt", b"inside");
    std::os::unix::fs::symlink("d", server.path("in")).unwrap();
    std::os::unix::fs::symlink(outside.path(), server.path("out")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret"), server.path("outfile")).unwrap();
    let outside_before = snapshot(outside.path());
    let root = server.root.path().to_path_buf();

    let mut control = server.login().await;
    let mut cwd = VirtualPath::root();
    for op in ops {
        let (line, allowed): (String, &[u16]) = match &op {
            Op::Cwd(path) => (format!("CWD {path}"), &[250, 550]),
            Op::Mkd(path) => (format!("MKD {path}"), &[257, 550, 553]),
            Op::Rnfr(path) => (format!("RNFR {path}"), &[350, 550, 553]),
            Op::Rnto(path) => (format!("RNTO {path}"), &[250, 503, 550, 553]),
            Op::Dele(path) => (format!("DELE {path}"), &[250, 550, 553]),
        };
        let reply = control.command(&line).await;
        assert!(allowed.contains(&reply.code), "{line} -> {reply:?}");
        let argument = match &op {
            Op::Cwd(path) | Op::Mkd(path) | Op::Rnfr(path) | Op::Rnto(path) | Op::Dele(path) => {
                path
            }
        };
        let target = cwd.join(argument.as_bytes());
        match (&op, reply.code) {
            (Op::Cwd(_), 250) => {
                assert!(resolves_inside(&root, &target), "{line}: CWD outside");
                cwd = target;
            }
            (Op::Mkd(_), 257) => assert!(resolves_inside(&root, &target), "{line}"),
            (Op::Rnto(_), 250) => assert!(
                std::fs::symlink_metadata(root.join(target.relative())).is_ok()
                    && resolves_inside(&root, &target.parent()),
                "{line}"
            ),
            (Op::Dele(_), 250) => assert!(
                std::fs::symlink_metadata(root.join(target.relative())).is_err(),
                "{line}: still there"
            ),
            _ => {}
        }
        let pwd = control.expect("PWD", 257).await;
        assert_eq!(
            pwd.text(),
            format!("\"{}\" is the current directory.", cwd.display())
        );
        assert_eq!(snapshot(outside.path()), outside_before, "after {line}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn path_commands_never_touch_anything_outside(ops in prop::collection::vec(op(), 1..16)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(run(ops));
    }
}
