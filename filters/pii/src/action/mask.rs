/// Replaces every letter and digit except the last `keep_tail` of them with `mask_char`,
/// keeping separators so the shape stays readable: `4242-4242-4242-4242` with 4 →
/// `****-****-****-4242`. Values with no more than `keep_tail` alphanumerics are masked
/// entirely (keeping them would reveal the whole value).
pub fn mask(value: &str, keep_tail: usize, mask_char: char) -> String {
    let total = value.chars().filter(|c| c.is_alphanumeric()).count();
    let keep = if total <= keep_tail { 0 } else { keep_tail };
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                seen += 1;
                if seen > total - keep {
                    c
                } else {
                    mask_char
                }
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_tail_and_separators() {
        assert_eq!(mask("4242-4242-4242-4242", 4, '*'), "****-****-****-4242");
        assert_eq!(mask("536-22-8745", 4, '#'), "###-##-8745");
    }

    #[test]
    fn short_values_are_fully_masked() {
        assert_eq!(mask("ab", 4, '*'), "**");
        assert_eq!(mask("abcd", 4, '*'), "****");
    }
}
