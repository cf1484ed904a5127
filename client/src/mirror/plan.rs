//! Planning a mirror: two trees in, the list of actions out. Pure (no I/O), so every rule is a unit
//! test: what is copied, what is skipped by `--only-newer`, what `--delete` removes, and in which order
//! (directories before their files, deletions deepest first, after the copies).

use std::collections::BTreeMap;

/// A file or directory, by its path relative to the mirrored root (`/`-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    File(FileInfo),
    Dir,
}

/// What a tree says about one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileInfo {
    pub size: u64,
    /// Modification time, Unix seconds, when known.
    pub mtime: Option<i64>,
    /// How coarse `mtime` is, in seconds: 0 when exact (MLSD, MDTM, a local file), 60 for LIST's
    /// `HH:MM`, a day for LIST's year-only dates. Times closer than this count as equal.
    pub slack: i64,
}

/// A whole tree: relative path to node. A `BTreeMap` so that a directory sorts before its contents.
pub type Tree = BTreeMap<String, Node>;

/// What the user asked of the comparison.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Copy a file only when the destination lacks it, its size differs, or the source is newer.
    pub only_newer: bool,
    /// Remove destination files and directories that the source lacks.
    pub delete: bool,
}

/// One file to copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    pub path: String,
    pub size: u64,
    /// The source's time, set on the destination afterwards when the destination allows it.
    pub mtime: Option<i64>,
}

/// The plan, in the order it runs: `make_dirs`, then `copies`, then `delete_files`, then `remove_dirs`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Directories to create, parents first.
    pub make_dirs: Vec<String>,
    pub copies: Vec<Copy>,
    /// Destination files the source lacks (only with `delete`).
    pub delete_files: Vec<String>,
    /// Destination directories the source lacks, deepest first (only with `delete`).
    pub remove_dirs: Vec<String>,
    /// Files left alone because the destination is up to date (`only_newer`).
    pub up_to_date: usize,
    /// Paths that are a file on one side and a directory on the other: never overwritten, each
    /// counts as a failure.
    pub conflicts: Vec<String>,
}

impl Plan {
    /// Bytes the copies move.
    pub fn bytes(&self) -> u64 {
        self.copies.iter().map(|copy| copy.size).sum()
    }

    /// True when nothing would change.
    pub fn is_empty(&self) -> bool {
        self.make_dirs.is_empty()
            && self.copies.is_empty()
            && self.delete_files.is_empty()
            && self.remove_dirs.is_empty()
    }
}

/// Compares `source` with `destination`.
pub fn plan(source: &Tree, destination: &Tree, options: PlanOptions) -> Plan {
    let mut plan = Plan::default();
    for (path, node) in source {
        match (node, destination.get(path)) {
            (Node::Dir, None) => plan.make_dirs.push(path.clone()),
            (Node::Dir, Some(Node::Dir)) => {}
            (Node::File(file), None) => plan.copies.push(copy(path, file)),
            (Node::File(file), Some(Node::File(existing))) => {
                if options.only_newer && is_up_to_date(file, existing) {
                    plan.up_to_date += 1;
                } else {
                    plan.copies.push(copy(path, file));
                }
            }
            (Node::Dir, Some(Node::File(_))) | (Node::File(_), Some(Node::Dir)) => {
                plan.conflicts.push(path.clone())
            }
        }
    }
    if options.delete {
        // Inside a conflicting path nothing is removed: the user must sort that out.
        let extras = destination
            .iter()
            .filter(|(path, _)| !source.contains_key(*path))
            .filter(|(path, _)| !plan.conflicts.iter().any(|c| is_inside(path, c)));
        for (path, node) in extras {
            match node {
                Node::File(_) => plan.delete_files.push(path.clone()),
                Node::Dir => plan.remove_dirs.push(path.clone()),
            }
        }
        // Reverse order puts `a/b` before `a`: children are removed first.
        plan.remove_dirs.reverse();
    }
    plan
}

fn copy(path: &str, file: &FileInfo) -> Copy {
    Copy {
        path: path.to_string(),
        size: file.size,
        mtime: file.mtime,
    }
}

/// Same size, and the destination is not older than the source (within the coarser time's slack).
/// Unknown times with equal sizes count as up to date: there is nothing better to go on.
fn is_up_to_date(source: &FileInfo, destination: &FileInfo) -> bool {
    if source.size != destination.size {
        return false;
    }
    match (source.mtime, destination.mtime) {
        (Some(source_time), Some(destination_time)) => {
            let slack = source.slack.max(destination.slack);
            destination_time + slack >= source_time
        }
        _ => true,
    }
}

fn is_inside(path: &str, directory: &str) -> bool {
    path.strip_prefix(directory)
        .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(size: u64, mtime: i64) -> Node {
        Node::File(FileInfo {
            size,
            mtime: Some(mtime),
            slack: 0,
        })
    }

    fn tree(nodes: &[(&str, Node)]) -> Tree {
        nodes
            .iter()
            .map(|(path, node)| (path.to_string(), node.clone()))
            .collect()
    }

    #[test]
    fn everything_is_copied_into_an_empty_destination_parents_first() {
        let source = tree(&[
            ("a", Node::Dir),
            ("a/b", Node::Dir),
            ("a/b/f", file(3, 10)),
            ("g", file(5, 10)),
        ]);
        let plan = plan(&source, &Tree::new(), PlanOptions::default());
        assert_eq!(plan.make_dirs, ["a", "a/b"]);
        let copied: Vec<&str> = plan.copies.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(copied, ["a/b/f", "g"]);
        assert_eq!(plan.bytes(), 8);
        assert!(plan.delete_files.is_empty() && plan.remove_dirs.is_empty());
    }

    #[test]
    fn without_only_newer_every_file_is_copied_again() {
        let both = tree(&[("f", file(3, 10))]);
        assert_eq!(plan(&both, &both, PlanOptions::default()).copies.len(), 1);
    }

    #[test]
    fn only_newer_compares_size_and_time() {
        let options = PlanOptions {
            only_newer: true,
            delete: false,
        };
        let source = tree(&[
            ("same", file(3, 100)),
            ("resized", file(4, 100)),
            ("newer", file(3, 200)),
            ("older", file(3, 50)),
            ("coarse", file(3, 130)),
        ]);
        let mut destination = tree(&[
            ("same", file(3, 100)),
            ("resized", file(3, 100)),
            ("newer", file(3, 100)),
            ("older", file(3, 100)),
        ]);
        // A LIST time to the minute: 130 is within its slack of 100.
        destination.insert(
            "coarse".into(),
            Node::File(FileInfo {
                size: 3,
                mtime: Some(100),
                slack: 60,
            }),
        );
        let plan = plan(&source, &destination, options);
        let copied: Vec<&str> = plan.copies.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(copied, ["newer", "resized"]);
        assert_eq!(plan.up_to_date, 3);
    }

    #[test]
    fn delete_removes_extras_files_then_deepest_directories() {
        let source = tree(&[("keep", file(1, 1))]);
        let destination = tree(&[
            ("keep", file(1, 1)),
            ("x", Node::Dir),
            ("x/y", Node::Dir),
            ("x/y/z", file(1, 1)),
            ("stray", file(1, 1)),
        ]);
        let options = PlanOptions {
            only_newer: true,
            delete: true,
        };
        let plan = plan(&source, &destination, options);
        assert_eq!(plan.delete_files, ["stray", "x/y/z"]);
        assert_eq!(plan.remove_dirs, ["x/y", "x"]);
        assert!(plan.copies.is_empty());
        let kept = super::plan(&source, &destination, PlanOptions::default());
        assert!(kept.delete_files.is_empty() && kept.remove_dirs.is_empty());
    }

    #[test]
    fn a_file_against_a_directory_is_a_conflict_left_alone() {
        let source = tree(&[("d", file(1, 1))]);
        let destination = tree(&[("d", Node::Dir), ("d/inner", file(1, 1))]);
        let options = PlanOptions {
            only_newer: false,
            delete: true,
        };
        let plan = plan(&source, &destination, options);
        assert_eq!(plan.conflicts, ["d"]);
        assert!(plan.copies.is_empty());
        assert!(
            plan.delete_files.is_empty(),
            "nothing inside a conflict is deleted"
        );
    }

    #[test]
    fn a_plan_of_identical_trees_with_only_newer_is_empty() {
        let both = tree(&[("a", Node::Dir), ("a/f", file(9, 5))]);
        let options = PlanOptions {
            only_newer: true,
            delete: true,
        };
        assert!(plan(&both, &both, options).is_empty());
    }
}
