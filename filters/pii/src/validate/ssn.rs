/// US Social Security Number structure: area 001–899 except 666, group 01–99, serial
/// 0001–9999, and not one of the numbers published in advertising (078-05-1120, 219-09-9999)
/// or the well-known 123-45-6789. `digits` are the nine ASCII digits.
pub fn is_valid_ssn(digits: &[u8]) -> bool {
    if digits.len() != 9 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| {
        digits[r]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let area = num(0..3);
    let group = num(3..5);
    let serial = num(5..9);
    if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
        return false;
    }
    !matches!(digits, b"078051120" | b"219099999" | b"123456789")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(is_valid_ssn(b"536228745"));
        assert!(!is_valid_ssn(b"000228745"));
        assert!(!is_valid_ssn(b"666228745"));
        assert!(!is_valid_ssn(b"936228745"));
        assert!(!is_valid_ssn(b"536008745"));
        assert!(!is_valid_ssn(b"536220000"));
        assert!(!is_valid_ssn(b"078051120"));
    }
}
