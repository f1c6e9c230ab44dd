//! JSON numbers and values compared the JSON Schema way: `1 == 1.0`, integers exact beyond
//! 2^53, floats compared without converting large integers lossily where it matters.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use serde_json::{Number, Value};

/// A number as an exact integer when it is one (including floats with no fraction that fit).
fn as_i128(n: &Number) -> Option<i128> {
    if let Some(i) = n.as_i64() {
        return Some(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Some(i128::from(u));
    }
    let f = n.as_f64()?;
    // 2^100 is exact in f64 and far beyond every u64; past it, compare as floats.
    if f.fract() == 0.0 && f.abs() < 1.267_650_600_228_229_4e30 {
        Some(f as i128)
    } else {
        None
    }
}

fn as_f64(n: &Number) -> f64 {
    n.as_f64().unwrap_or(f64::NAN)
}

/// Orders two numbers; `None` only for NaN (which JSON cannot carry).
pub(crate) fn compare(a: &Number, b: &Number) -> Option<Ordering> {
    match (as_i128(a), as_i128(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        (Some(x), None) => compare_int_float(x, as_f64(b)),
        (None, Some(y)) => compare_int_float(y, as_f64(a)).map(Ordering::reverse),
        (None, None) => as_f64(a).partial_cmp(&as_f64(b)),
    }
}

fn compare_int_float(i: i128, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f >= 1.7e38 {
        return Some(Ordering::Less);
    }
    if f <= -1.7e38 {
        return Some(Ordering::Greater);
    }
    let floor = f.floor();
    match i.cmp(&(floor as i128)) {
        Ordering::Equal if f > floor => Some(Ordering::Less),
        other => Some(other),
    }
}

/// Whether `x` is an integer multiple of `m` (`m > 0`).
pub(crate) fn is_multiple_of(x: &Number, m: &Number) -> bool {
    if let (Some(a), Some(b)) = (as_i128(x), as_i128(m)) {
        if b != 0 {
            return a % b == 0;
        }
    }
    let (a, b) = (as_f64(x), as_f64(m));
    if b <= 0.0 || !a.is_finite() {
        return false;
    }
    if a == 0.0 {
        return true;
    }
    let q = a / b;
    if !q.is_finite() {
        // Overflowed: an integral `a` is a multiple of any `b` that divides 1.
        return a.fract() == 0.0 && (1.0 / b).fract() == 0.0;
    }
    let r = q.round();
    (q - r).abs() <= q.abs() * 4.0 * f64::EPSILON
}

/// Whether a number has no fractional part (`1.0` is an integer).
pub(crate) fn is_integer(n: &Number) -> bool {
    n.is_i64()
        || n.is_u64()
        || n.as_f64()
            .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
}

/// How deep [`equal`] and [`hash_value`] descend: values nested deeper compare unequal
/// (serde_json's parser stops at 128 levels; this only guards hand-built values).
const MAX_COMPARE_DEPTH: usize = 256;

/// JSON equality with numbers compared by value.
pub(crate) fn equal(a: &Value, b: &Value) -> bool {
    equal_within(a, b, 0)
}

fn equal_within(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > MAX_COMPARE_DEPTH {
        return false;
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => compare(x, y) == Some(Ordering::Equal),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal_within(a, b, depth + 1))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| equal_within(v, w, depth + 1)))
        }
        _ => a == b,
    }
}

/// A hash consistent with [`equal`] (numbers hashed by value).
pub(crate) fn hash_value<H: Hasher>(v: &Value, h: &mut H) {
    hash_within(v, h, 0)
}

fn hash_within<H: Hasher>(v: &Value, h: &mut H, depth: usize) {
    if depth > MAX_COMPARE_DEPTH {
        return;
    }
    match v {
        Value::Null => 0u8.hash(h),
        Value::Bool(b) => (1u8, b).hash(h),
        Value::Number(n) => {
            2u8.hash(h);
            match as_i128(n) {
                Some(i) => i.hash(h),
                None => as_f64(n).to_bits().hash(h),
            }
        }
        Value::String(s) => (3u8, s).hash(h),
        Value::Array(items) => {
            (4u8, items.len()).hash(h);
            for i in items {
                hash_within(i, h, depth + 1);
            }
        }
        Value::Object(map) => {
            // Order-independent: maps may iterate in any order.
            let mut sum = 0u64;
            for (k, v) in map {
                let mut inner = std::collections::hash_map::DefaultHasher::new();
                k.hash(&mut inner);
                hash_within(v, &mut inner, depth + 1);
                sum = sum.wrapping_add(inner.finish());
            }
            (5u8, map.len(), sum).hash(h);
        }
    }
}

/// Whether all items differ; pairwise for short arrays, hashed beyond.
pub(crate) fn all_unique(items: &[Value]) -> bool {
    if items.len() <= 16 {
        for (i, a) in items.iter().enumerate() {
            if items[i + 1..].iter().any(|b| equal(a, b)) {
                return false;
            }
        }
        return true;
    }
    let mut seen: std::collections::HashMap<u64, Vec<usize>> = std::collections::HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        hash_value(item, &mut h);
        let bucket = seen.entry(h.finish()).or_default();
        if bucket.iter().any(|&j| equal(&items[j], item)) {
            return false;
        }
        bucket.push(i);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_compare_by_value() {
        assert!(equal(&json!(1), &json!(1.0)));
        assert!(equal(&json!([1, {"a": 2.0}]), &json!([1.0, {"a": 2}])));
        assert!(!equal(
            &json!(9007199254740993u64),
            &json!(9007199254740992u64)
        ));
        let n = |v: Value| v.as_number().cloned().unwrap();
        assert_eq!(
            compare(&n(json!(2)), &n(json!(1.5))),
            Some(Ordering::Greater)
        );
        assert_eq!(
            compare(&n(json!(-2)), &n(json!(-1.5))),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare(&n(json!(u64::MAX)), &n(json!(1e300))),
            Some(Ordering::Less)
        );
        assert!(!all_unique(
            &(0..40).map(|i| json!(i % 39)).collect::<Vec<_>>()
        ));
        assert!(!all_unique(&[json!(1), json!(1.0)]));
        let mut many: Vec<Value> = (0..40).map(|i| json!({"k": i})).collect();
        assert!(all_unique(&many));
        many.push(json!({"k": 3.0}));
        assert!(!all_unique(&many));
    }

    #[test]
    fn multiples_of_floats_and_big_integers() {
        let n = |v: Value| v.as_number().cloned().unwrap();
        assert!(is_multiple_of(&n(json!(0.0075)), &n(json!(0.0001))));
        assert!(!is_multiple_of(&n(json!(0.00751)), &n(json!(0.0001))));
        assert!(is_multiple_of(&n(json!(4.5)), &n(json!(1.5))));
        assert!(!is_multiple_of(&n(json!(35)), &n(json!(1.5))));
        assert!(is_multiple_of(&n(json!(1e308)), &n(json!(0.5))));
        assert!(!is_multiple_of(&n(json!(1e308)), &n(json!(0.123456789))));
        assert!(is_multiple_of(&n(json!(u64::MAX)), &n(json!(5))));
    }
}
