//! Byte counts as people write them: `4096`, `4KiB`, `256 MiB`, `1GiB` (binary multiples), `1GB`
//! (decimal), and back again for tables.

use std::fmt;
use std::str::FromStr;

/// A number of bytes given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

/// Why a size did not parse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SizeError {
    /// No number in front of the suffix.
    #[error("size {0:?}: expected a number, e.g. 4KiB, 256MiB, 1GiB")]
    NoNumber(String),
    /// A suffix this parser does not know.
    #[error("size {0:?}: unknown suffix (use B, KiB, MiB, GiB, TiB, KB, MB, GB)")]
    BadSuffix(String),
    /// The value does not fit in 64 bits.
    #[error("size {0:?}: too large")]
    Overflow(String),
}

const SUFFIXES: &[(&str, u64)] = &[
    ("", 1),
    ("b", 1),
    ("k", 1 << 10),
    ("kib", 1 << 10),
    ("m", 1 << 20),
    ("mib", 1 << 20),
    ("g", 1 << 30),
    ("gib", 1 << 30),
    ("t", 1 << 40),
    ("tib", 1 << 40),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("tb", 1_000_000_000_000),
];

impl FromStr for ByteSize {
    type Err = SizeError;

    fn from_str(text: &str) -> Result<ByteSize, SizeError> {
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(trimmed.len());
        let (digits, suffix) = trimmed.split_at(split);
        if digits.is_empty() {
            return Err(SizeError::NoNumber(text.to_string()));
        }
        let number: u64 = digits
            .parse()
            .map_err(|_| SizeError::Overflow(text.to_string()))?;
        let suffix = suffix.trim().to_ascii_lowercase();
        let multiplier = SUFFIXES
            .iter()
            .find(|(name, _)| *name == suffix)
            .map(|(_, multiplier)| *multiplier)
            .ok_or_else(|| SizeError::BadSuffix(text.to_string()))?;
        number
            .checked_mul(multiplier)
            .map(ByteSize)
            .ok_or_else(|| SizeError::Overflow(text.to_string()))
    }
}

impl fmt::Display for ByteSize {
    /// The largest binary unit that divides the value exactly (`1 GiB`, `1536 KiB`, `100 B`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: &[(&str, u64)] = &[
            ("TiB", 1 << 40),
            ("GiB", 1 << 30),
            ("MiB", 1 << 20),
            ("KiB", 1 << 10),
        ];
        for (name, unit) in UNITS {
            if self.0 >= *unit && self.0.is_multiple_of(*unit) {
                return write!(f, "{} {name}", self.0 / unit);
            }
        }
        write!(f, "{} B", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_are_binary_unless_decimal_is_spelled_out() {
        let cases = [
            ("4096", 4096),
            ("4KiB", 4096),
            ("4k", 4096),
            ("256 MiB", 256 << 20),
            ("1GiB", 1 << 30),
            ("1gib", 1 << 30),
            ("1G", 1 << 30),
            ("1GB", 1_000_000_000),
            ("10B", 10),
            ("0", 0),
        ];
        for (text, bytes) in cases {
            assert_eq!(text.parse::<ByteSize>(), Ok(ByteSize(bytes)), "{text}");
        }
    }

    #[test]
    fn errors_name_the_input() {
        assert!(matches!(
            "".parse::<ByteSize>(),
            Err(SizeError::NoNumber(_))
        ));
        assert!(matches!(
            "MiB".parse::<ByteSize>(),
            Err(SizeError::NoNumber(_))
        ));
        assert!(matches!(
            "4 parsecs".parse::<ByteSize>(),
            Err(SizeError::BadSuffix(_))
        ));
        assert!(matches!(
            "99999999999TiB".parse::<ByteSize>(),
            Err(SizeError::Overflow(_))
        ));
        assert!(matches!(
            "99999999999999999999999".parse::<ByteSize>(),
            Err(SizeError::Overflow(_))
        ));
    }

    #[test]
    fn displays_the_largest_exact_unit() {
        assert_eq!(ByteSize(1 << 30).to_string(), "1 GiB");
        assert_eq!(ByteSize(1536 << 10).to_string(), "1536 KiB");
        assert_eq!(ByteSize(100).to_string(), "100 B");
        assert_eq!(ByteSize(0).to_string(), "0 B");
    }
}
