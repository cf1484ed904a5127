//! What an account may do: the five rights a users file grants, and the command families they guard.

use std::fmt;

/// One right. `read`: RETR, LIST, NLST, SIZE, MDTM; `write`: STOR; `delete`: DELE, RMD; `mkdir`: MKD;
/// `rename`: RNFR/RNTO. Moving around (CWD, PWD) needs none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Right {
    Read,
    Write,
    Delete,
    Mkdir,
    Rename,
}

impl Right {
    pub const ALL: [Right; 5] = [
        Right::Read,
        Right::Write,
        Right::Delete,
        Right::Mkdir,
        Right::Rename,
    ];

    /// The name used in users files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Right::Read => "read",
            Right::Write => "write",
            Right::Delete => "delete",
            Right::Mkdir => "mkdir",
            Right::Rename => "rename",
        }
    }

    /// The right named `name`, or an error listing the names there are.
    pub fn parse(name: &str) -> Result<Right, String> {
        Right::ALL
            .into_iter()
            .find(|right| right.name() == name)
            .ok_or_else(|| {
                let names: Vec<_> = Right::ALL.iter().map(|right| right.name()).collect();
                format!("unknown right {name:?} (rights: {})", names.join(", "))
            })
    }
}

impl fmt::Display for Right {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of rights.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rights(u8);

impl Rights {
    pub const NONE: Rights = Rights(0);

    /// Every right.
    pub fn all() -> Rights {
        Rights::from_iter(Right::ALL)
    }

    /// The anonymous guest's: read, and everything when the server is writable (`--write`).
    pub fn anonymous(writable: bool) -> Rights {
        if writable {
            Rights::all()
        } else {
            Rights::from_iter([Right::Read])
        }
    }

    pub fn has(self, right: Right) -> bool {
        self.0 & Rights::bit(right) != 0
    }

    /// The rights held, in the canonical order.
    pub fn list(self) -> Vec<Right> {
        Right::ALL
            .into_iter()
            .filter(|right| self.has(*right))
            .collect()
    }

    fn bit(right: Right) -> u8 {
        1 << Right::ALL.iter().position(|r| *r == right).unwrap_or(0)
    }
}

impl FromIterator<Right> for Rights {
    fn from_iter<I: IntoIterator<Item = Right>>(rights: I) -> Rights {
        Rights(
            rights
                .into_iter()
                .fold(0, |bits, right| bits | Rights::bit(right)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rights_are_a_set() {
        let rights: Rights = [Right::Read, Right::Rename].into_iter().collect();
        assert!(rights.has(Right::Read) && rights.has(Right::Rename));
        assert!(!rights.has(Right::Write) && !rights.has(Right::Delete));
        assert_eq!(rights.list(), vec![Right::Read, Right::Rename]);
        assert_eq!(Rights::all().list(), Right::ALL.to_vec());
        assert_eq!(Rights::anonymous(false).list(), vec![Right::Read]);
        assert_eq!(Rights::anonymous(true), Rights::all());
        assert_eq!(Right::parse("mkdir"), Ok(Right::Mkdir));
        assert!(Right::parse("admin").unwrap_err().contains("read, write"));
    }
}
