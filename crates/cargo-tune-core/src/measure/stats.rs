//! Summaries and the A/B comparison: medians, and a distribution-free interval for the median
//! of the per-pair ratios (order statistics, so no random resampling and no normality
//! assumption for a handful of noisy builds).

use cargo_tune_schema::{Interval, Summary3, Verdict};

/// Below this achieved confidence the verdict is always `noise`.
pub const MIN_CONFIDENCE: f64 = 0.9;

/// Median, min and max; `None` for no values.
pub fn summarize(values: &[f64]) -> Option<Summary3> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    Some(Summary3 {
        median: median_of_sorted(&sorted),
        min: sorted[0],
        max: sorted[sorted.len() - 1],
    })
}

fn median_of_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// P(X ≤ k) for X ~ Binomial(n, 1/2).
fn binomial_cdf_half(n: usize, k: usize) -> f64 {
    let mut coeff = 1.0_f64;
    let mut sum = 0.0;
    for i in 0..=k.min(n) {
        if i > 0 {
            coeff = coeff * (n - i + 1) as f64 / i as f64;
        }
        sum += coeff;
    }
    sum / 2f64.powi(n as i32)
}

/// The median of `ratios` and an interval `[r(k), r(n-k+1)]` of the sorted ratios, with the
/// largest `k` whose two-sided coverage is at least 95 %; with fewer than six pairs no such `k`
/// exists and the interval is `[min, max]` with its (lower) achieved confidence.
pub fn ratio_interval(ratios: &[f64]) -> Option<(f64, Interval)> {
    let summary = summarize(ratios)?;
    let mut sorted: Vec<f64> = ratios.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let mut k = 1;
    while k < n / 2 && binomial_cdf_half(n, k) <= 0.025 {
        k += 1;
    }
    let confidence = if n < 2 {
        0.0
    } else {
        1.0 - 2.0 * binomial_cdf_half(n, k - 1)
    };
    Some((
        summary.median,
        Interval {
            low: sorted[k - 1],
            high: sorted[n - k],
            confidence,
        },
    ))
}

/// `faster` when the whole interval is below 1, `slower` when above, else `noise`.
pub fn verdict(interval: &Interval) -> Verdict {
    if interval.confidence < MIN_CONFIDENCE {
        Verdict::Noise
    } else if interval.high < 1.0 {
        Verdict::Faster
    } else if interval.low > 1.0 {
        Verdict::Slower
    } else {
        Verdict::Noise
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_uses_the_middle_values() {
        let s = summarize(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        assert_eq!(summarize(&[4.0, 1.0, 2.0, 3.0]).unwrap().median, 2.5);
        assert!(summarize(&[]).is_none());
    }

    #[test]
    fn binomial_cdf_matches_known_values() {
        assert!((binomial_cdf_half(10, 1) - 11.0 / 1024.0).abs() < 1e-12);
        assert!((binomial_cdf_half(10, 10) - 1.0).abs() < 1e-12);
        assert!((binomial_cdf_half(5, 0) - 1.0 / 32.0).abs() < 1e-12);
    }

    #[test]
    fn interval_uses_order_statistics() {
        let ratios: Vec<f64> = (1..=10).map(|i| 0.8 + 0.01 * f64::from(i)).collect();
        let (median, interval) = ratio_interval(&ratios).unwrap();
        assert!((median - 0.855).abs() < 1e-9);
        // n = 10: P(X ≤ 1) = 11/1024 ≤ 0.025 < P(X ≤ 2), so the 2nd and 9th order statistics.
        assert!(
            (interval.low - 0.82).abs() < 1e-9 && (interval.high - 0.89).abs() < 1e-9,
            "{interval:?}"
        );
        assert!((interval.confidence - (1.0 - 22.0 / 1024.0)).abs() < 1e-9);
        assert_eq!(verdict(&interval), Verdict::Faster);
    }

    #[test]
    fn few_pairs_fall_back_to_the_range_and_one_pair_is_noise() {
        let (_, interval) = ratio_interval(&[1.2, 1.3, 1.1, 1.25, 1.4]).unwrap();
        assert_eq!((interval.low, interval.high), (1.1, 1.4));
        assert!((interval.confidence - 0.9375).abs() < 1e-9);
        assert_eq!(verdict(&interval), Verdict::Slower);
        let (_, one) = ratio_interval(&[0.5]).unwrap();
        assert_eq!(one.confidence, 0.0);
        assert_eq!(verdict(&one), Verdict::Noise);
        let (_, three) = ratio_interval(&[0.5, 0.6, 0.7]).unwrap();
        assert_eq!(
            verdict(&three),
            Verdict::Noise,
            "75 % is too little confidence"
        );
    }

    #[test]
    fn an_interval_containing_one_is_noise() {
        let ratios = [0.9, 1.1, 0.95, 1.05, 1.0, 0.97, 1.02, 0.99, 1.01, 1.03];
        let (_, interval) = ratio_interval(&ratios).unwrap();
        assert!(interval.low < 1.0 && interval.high > 1.0);
        assert_eq!(verdict(&interval), Verdict::Noise);
    }
}
