//! Error of the estimator against the exact tokenizer, per category.

use parapet_tokens::{estimate_tokens, Encoding};

use super::corpus::Sample;

/// Relative errors `(estimate - exact) / exact` of one category.
pub struct CategoryError {
    pub category: &'static str,
    pub samples: usize,
    pub exact_tokens: u64,
    pub estimated_tokens: u64,
    /// Signed relative errors, sorted ascending.
    pub errors: Vec<f64>,
}

impl CategoryError {
    pub fn mean(&self) -> f64 {
        self.errors.iter().sum::<f64>() / self.errors.len().max(1) as f64
    }

    pub fn mean_abs(&self) -> f64 {
        self.errors.iter().map(|e| e.abs()).sum::<f64>() / self.errors.len().max(1) as f64
    }

    /// 95th percentile of the absolute error.
    pub fn p95_abs(&self) -> f64 {
        let mut a: Vec<f64> = self.errors.iter().map(|e| e.abs()).collect();
        a.sort_by(f64::total_cmp);
        a.get(((a.len() as f64 * 0.95).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0.0)
    }

    /// Worst under-estimate (most negative error), 0 when none.
    pub fn worst_under(&self) -> f64 {
        self.errors.first().copied().unwrap_or(0.0).min(0.0)
    }

    pub fn under_count(&self) -> usize {
        self.errors.iter().filter(|e| **e < 0.0).count()
    }
}

/// Measures every sample with `exact` as the reference; the last entry is "all".
pub fn measure(
    samples: &[Sample],
    encoding: Encoding,
    exact: impl Fn(&str) -> usize,
) -> Vec<CategoryError> {
    let mut out: Vec<CategoryError> = Vec::new();
    let mut all = CategoryError {
        category: "all",
        samples: 0,
        exact_tokens: 0,
        estimated_tokens: 0,
        errors: Vec::new(),
    };
    for s in samples {
        let x = exact(&s.text) as u64;
        let e = estimate_tokens(&s.text, encoding);
        let err = (e as f64 - x as f64) / (x.max(1) as f64);
        let cat = match out.iter_mut().find(|c| c.category == s.category) {
            Some(c) => c,
            None => {
                out.push(CategoryError {
                    category: s.category,
                    samples: 0,
                    exact_tokens: 0,
                    estimated_tokens: 0,
                    errors: Vec::new(),
                });
                out.last_mut().expect("just pushed")
            }
        };
        for c in [&mut *cat, &mut all] {
            c.samples += 1;
            c.exact_tokens += x;
            c.estimated_tokens += e;
            c.errors.push(err);
        }
    }
    out.push(all);
    for c in &mut out {
        c.errors.sort_by(f64::total_cmp);
    }
    out
}

/// A markdown table of the measurement.
pub fn table(title: &str, rows: &[CategoryError]) -> String {
    let mut s = format!(
        "{title}\n\n| category | samples | exact tokens | estimated | mean error | mean abs error | p95 abs error | under-estimated samples | worst under |\n|---|---|---|---|---|---|---|---|---|\n"
    );
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {:+.1}% | {:.1}% | {:.1}% | {} | {:.1}% |\n",
            r.category,
            r.samples,
            r.exact_tokens,
            r.estimated_tokens,
            r.mean() * 100.0,
            r.mean_abs() * 100.0,
            r.p95_abs() * 100.0,
            r.under_count(),
            r.worst_under() * 100.0
        ));
    }
    s
}
