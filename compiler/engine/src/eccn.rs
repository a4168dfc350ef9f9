//! ECCNs: their shape, and prefixes.

/// Checks the shape of an ECCN literal; `Err` says what is wrong.
pub fn eccn_problem(text: &str) -> Option<String> {
    if text == "EAR99" {
        return None;
    }
    let mut parts = text.split('.');
    let head: Vec<char> = parts.next().unwrap_or("").chars().collect();
    if head.len() != 5 {
        return Some(
            "an ECCN starts with five characters: a digit, a letter A–E and three digits".into(),
        );
    }
    if !head[0].is_ascii_digit() {
        return Some(format!("the category `{}` must be a digit 0–9", head[0]));
    }
    // 0Y521–9Y521 hold items temporarily controlled under EAR 742.6(a)(7).
    let y521 = head[1] == 'Y' && head[2..] == ['5', '2', '1'];
    if !('A'..='E').contains(&head[1]) && !y521 {
        return Some(format!(
            "the product group `{}` must be one of A, B, C, D, E",
            head[1]
        ));
    }
    if !head[2..].iter().all(char::is_ascii_digit) {
        return Some("the last three characters of an ECCN must be digits".into());
    }
    for p in parts {
        if p.is_empty()
            || !p
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return Some(format!(
                "the paragraph `{p}` must be lowercase letters or digits"
            ));
        }
    }
    None
}

/// Whether ECCN `x` lies under prefix `p` (`3A090.a` under `3A090`).
pub fn under(x: &str, p: &str) -> bool {
    x == p || (x.len() > p.len() && x.starts_with(p) && x.as_bytes()[p.len()] == b'.')
}
