//! Shell-style globs for case ids and server names: `*` matches any run of characters (slashes too, so
//! `rfc959/*` selects a whole RFC), `?` one character; everything else matches itself.

/// True when `text` matches `pattern`.
pub fn matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    // Iterative matching with one backtrack point: linear in practice, never exponential.
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        assert!(matches("rfc959/*", "rfc959/4.1.3/abor-idle"));
        assert!(matches("*abor*", "rfc959/4.1.3/abor-idle"));
        assert!(matches("rfc959/4.1.?/abor-idle", "rfc959/4.1.3/abor-idle"));
        assert!(matches("exact", "exact"));
        assert!(!matches("exact", "exactly"));
        assert!(!matches("rfc2577/*", "rfc959/4.1.3/abor-idle"));
        assert!(matches("*", ""));
        assert!(!matches("a*b", "acd"));
    }
}
