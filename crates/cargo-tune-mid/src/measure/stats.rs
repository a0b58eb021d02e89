//! Summaries and the comparison of a candidate with the baseline.
//!
//! Build times are positive and their noise is multiplicative (a busy machine slows every step
//! by some factor), so the per-pair ratios candidate ÷ baseline are compared on a log scale: the
//! estimate is their geometric mean and the interval a Student-t interval of the mean log ratio.
//! Unlike an order-statistics interval, which cannot reach 95 % with fewer than six pairs, it can
//! exclude 1 at three pairs when the effect is large and consistent, and stays wide when it is
//! not. A sign count cross-checks it, so that one extreme pair cannot carry a verdict the other
//! pairs contradict.

use cargo_tune_schema::{Interval, Summary3, Verdict};

/// The confidence of one comparison; divided among the candidates of a run (Bonferroni).
pub const CONFIDENCE: f64 = 0.95;

/// An interval inside `[1 / (1 + NEGLIGIBLE), 1 + NEGLIGIBLE]` rules out any effect worth
/// acting on: the verdict is `noise` rather than `inconclusive`.
pub const NEGLIGIBLE: f64 = 0.03;

/// Beyond this many more pairs, the estimate of the runs needed is not given.
pub const MAX_MORE_RUNS: usize = 200;

/// The median of `values` and a distribution-free interval for it from the order statistics:
/// the widest pair `(x(k), x(n+1-k))` whose coverage reaches 95 %, or the range of the values
/// when `n` is too small for that (75 % at 3 values). For one series measured against a fixed
/// limit (`cargo tune guard`), where there are no pairs to compare.
pub fn median_interval(values: &[f64]) -> Option<(f64, Interval)> {
    let summary = summarize(values)?;
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    // P(Binomial(n, 1/2) <= k) by summing the terms.
    let cdf = |k: usize| -> f64 {
        let mut term = 0.5f64.powi(n as i32);
        let mut sum = term;
        for i in 0..k {
            term *= (n - i) as f64 / (i + 1) as f64;
            sum += term;
        }
        sum
    };
    let mut k = 1;
    while k < n / 2 && cdf(k) <= 0.025 {
        k += 1;
    }
    let confidence = if n < 2 { 0.0 } else { 1.0 - 2.0 * cdf(k - 1) };
    Some((
        summary.median,
        Interval {
            low: sorted[k - 1],
            high: sorted[n - k],
            confidence,
        },
    ))
}

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

/// What the pairs of one candidate say.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RatioEstimate {
    /// Geometric mean of the per-pair ratios.
    pub ratio: f64,
    /// Interval of the geometric mean; `None` with a single pair.
    pub interval: Option<Interval>,
    /// The verdict, never contradicting the interval.
    pub verdict: Verdict,
    /// Pairs whose ratio is below 1.
    pub faster_pairs: usize,
    /// Pairs whose ratio is above 1.
    pub slower_pairs: usize,
    /// For `inconclusive`: about how many more pairs would separate the observed effect from
    /// 1 if its size and spread held; `None` when beyond [`MAX_MORE_RUNS`].
    pub more_runs: Option<usize>,
}

/// The ratio candidate ÷ baseline of each pair of runs, in run order.
pub fn pair_ratios(baseline: &[f64], candidate: &[f64]) -> Vec<f64> {
    baseline.iter().zip(candidate).map(|(b, c)| c / b).collect()
}

/// Compares the per-pair ratios candidate ÷ baseline at `confidence` (two-sided). `None`
/// without a usable ratio.
pub fn compare_ratios(ratios: &[f64], confidence: f64) -> Option<RatioEstimate> {
    let logs: Vec<f64> = ratios
        .iter()
        .filter(|r| r.is_finite() && **r > 0.0)
        .map(|r| r.ln())
        .collect();
    let n = logs.len();
    if n == 0 {
        return None;
    }
    let mean = logs.iter().sum::<f64>() / n as f64;
    let faster_pairs = logs.iter().filter(|l| **l < 0.0).count();
    let slower_pairs = logs.iter().filter(|l| **l > 0.0).count();
    let mut estimate = RatioEstimate {
        ratio: mean.exp(),
        interval: None,
        verdict: Verdict::Inconclusive,
        faster_pairs,
        slower_pairs,
        // One pair shows no spread; three are the fewest that can show a consistent effect.
        more_runs: Some(3 - n.min(2)),
    };
    if n < 2 {
        return Some(estimate);
    }
    let sd = (logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let q = 1.0 - (1.0 - confidence) / 2.0;
    let half = t_quantile(q, (n - 1) as f64) * sd / (n as f64).sqrt();
    let interval = Interval {
        low: (mean - half).exp(),
        high: (mean + half).exp(),
        confidence,
    };
    estimate.interval = Some(interval);
    // A majority of pairs must agree with the interval's side of 1.
    estimate.verdict = if interval.high < 1.0 && 2 * faster_pairs > n {
        Verdict::Faster
    } else if interval.low > 1.0 && 2 * slower_pairs > n {
        Verdict::Slower
    } else if interval.low >= 1.0 / (1.0 + NEGLIGIBLE) && interval.high <= 1.0 + NEGLIGIBLE {
        Verdict::Noise
    } else {
        Verdict::Inconclusive
    };
    estimate.more_runs = (estimate.verdict == Verdict::Inconclusive)
        .then(|| more_runs(n, mean.abs(), sd, q))
        .flatten();
    Some(estimate)
}

/// The fewest extra pairs after which an effect of `effect` (log scale) with spread `sd` would
/// lie outside the interval.
fn more_runs(n: usize, effect: f64, sd: f64, q: f64) -> Option<usize> {
    if effect == 0.0 {
        return None;
    }
    (n + 1..=n + MAX_MORE_RUNS)
        .find(|&m| t_quantile(q, (m - 1) as f64) * sd / (m as f64).sqrt() < effect)
        .map(|m| m - n)
}

/// The `p` quantile (`p` > 0.5) of Student's t distribution with `df` degrees of freedom.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    // The CDF is monotonic: bisect on [0, hi] after growing hi past the quantile.
    let mut hi = 1.0;
    while t_cdf(hi, df) < p && hi < 1e12 {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// P(T ≤ t) for Student's t with `df` degrees of freedom.
fn t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t));
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The regularized incomplete beta function I_x(a, b), by its continued fraction (modified
/// Lentz), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..500 {
        let m = f64::from(m);
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        for coeff in [even, odd] {
            d = 1.0 + coeff * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + coeff / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, nine coefficients; relative error below 1e-13).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEFFS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFS[0];
    for (i, c) in COEFFS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod median_tests {
    use super::*;

    #[test]
    fn the_median_interval_is_the_range_at_three_values_and_narrows_with_more() {
        let (median, i) = median_interval(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((median, i.low, i.high), (2.0, 1.0, 3.0));
        assert!((i.confidence - 0.75).abs() < 1e-9);
        let many: Vec<f64> = (1..=10).map(f64::from).collect();
        let (_, i) = median_interval(&many).unwrap();
        assert_eq!((i.low, i.high), (2.0, 9.0));
        assert!(i.confidence >= 0.95, "{i:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn summary_uses_the_middle_values() {
        let s = summarize(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        assert_eq!(summarize(&[4.0, 1.0, 2.0, 3.0]).unwrap().median, 2.5);
        assert!(summarize(&[]).is_none());
    }

    #[test]
    fn t_quantiles_match_published_tables() {
        // Two-sided 95 % and 99 % critical values.
        for (p, df, expected) in [
            (0.975, 1.0, 12.706),
            (0.975, 2.0, 4.303),
            (0.975, 4.0, 2.776),
            (0.975, 9.0, 2.262),
            (0.975, 30.0, 2.042),
            (0.995, 4.0, 4.604),
            (0.995, 2.0, 9.925),
            (0.9, 10.0, 1.372),
        ] {
            let t = t_quantile(p, df);
            assert!(
                close(t, expected, 5e-4),
                "t({p}, {df}) = {t}, not {expected}"
            );
        }
        assert!(close(ln_gamma(5.0), 24f64.ln(), 1e-12));
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-12
        ));
    }

    #[test]
    fn a_large_consistent_effect_is_seen_with_three_to_five_pairs() {
        for ratios in [
            &[0.80, 0.82, 0.79][..],
            &[0.80, 0.83, 0.78, 0.81],
            &[0.76, 0.84, 0.80, 0.79, 0.82],
        ] {
            let e = compare_ratios(ratios, CONFIDENCE).unwrap();
            let i = e.interval.unwrap();
            assert!(i.high < 1.0, "{ratios:?}: {i:?}");
            assert_eq!(e.verdict, Verdict::Faster, "{ratios:?}");
            assert!(close(e.ratio, 0.80, 0.01), "{e:?}");
        }
        let slower = [1.30, 1.33, 1.29];
        let e = compare_ratios(&slower, CONFIDENCE).unwrap();
        assert!(e.interval.unwrap().low > 1.0);
        assert_eq!(e.verdict, Verdict::Slower);
        // The footer's own example: [1.291, 1.355] must never be called noise.
        let e = compare_ratios(&[1.29, 1.36, 1.32, 1.30, 1.35], CONFIDENCE).unwrap();
        assert_eq!(e.verdict, Verdict::Slower, "{e:?}");
    }

    #[test]
    fn mixed_signs_are_inconclusive_or_noise_never_a_direction() {
        let e = compare_ratios(&[0.7, 1.25, 0.65, 1.2, 0.9], CONFIDENCE).unwrap();
        let i = e.interval.unwrap();
        assert!(i.low < 1.0 && i.high > 1.0, "{i:?}");
        assert_eq!(e.verdict, Verdict::Inconclusive);
        assert!(e.more_runs.is_some_and(|m| m > 0), "{e:?}");
        // Tight around 1: the effect, if any, is below the negligible band.
        let e = compare_ratios(
            &[0.995, 1.004, 0.998, 1.003, 1.0, 0.997, 1.002, 1.001],
            CONFIDENCE,
        )
        .unwrap();
        assert_eq!(e.verdict, Verdict::Noise, "{e:?}");
        assert_eq!(e.more_runs, None);
    }

    #[test]
    fn one_extreme_pair_does_not_carry_a_verdict_the_others_contradict() {
        // The mean log ratio is far below 0 thanks to one pair; most pairs are slower.
        let ratios = [0.05, 1.01, 1.02, 1.01, 1.02, 1.01, 1.02];
        let e = compare_ratios(&ratios, 0.5).unwrap();
        assert!(e.interval.unwrap().high < 1.0, "{e:?}");
        assert_eq!(e.verdict, Verdict::Inconclusive);
    }

    #[test]
    fn one_pair_asks_for_more() {
        let e = compare_ratios(&[0.5], CONFIDENCE).unwrap();
        assert_eq!(e.interval, None);
        assert_eq!(e.verdict, Verdict::Inconclusive);
        assert_eq!(e.more_runs, Some(2));
        assert!(compare_ratios(&[], CONFIDENCE).is_none());
        assert!(compare_ratios(&[f64::NAN, 0.0], CONFIDENCE).is_none());
    }

    #[test]
    fn the_verdict_never_contradicts_the_interval() {
        // Deterministic pseudo-random ratio sets of every size and spread.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for n in 1..=12 {
            for _ in 0..200 {
                let center = 0.6 + 0.8 * next();
                let spread = 0.3 * next();
                let ratios: Vec<f64> = (0..n)
                    .map(|_| center * (1.0 + spread * (next() - 0.5)))
                    .collect();
                let e = compare_ratios(&ratios, CONFIDENCE).unwrap();
                match (e.verdict, e.interval) {
                    (Verdict::Faster, Some(i)) => assert!(i.high < 1.0),
                    (Verdict::Slower, Some(i)) => assert!(i.low > 1.0),
                    (Verdict::Noise, Some(i)) => {
                        assert!(i.low >= 1.0 / (1.0 + NEGLIGIBLE) && i.high <= 1.0 + NEGLIGIBLE);
                    }
                    (Verdict::Inconclusive, _) => {}
                    other => panic!("{ratios:?}: {other:?}"),
                }
                assert!(e.verdict != Verdict::Faster || 2 * e.faster_pairs > n);
                assert!(e.verdict != Verdict::Slower || 2 * e.slower_pairs > n);
            }
        }
    }

    #[test]
    fn a_smaller_confidence_per_candidate_widens_the_interval() {
        let ratios = [0.80, 0.85, 0.78, 0.83];
        let one = compare_ratios(&ratios, CONFIDENCE)
            .unwrap()
            .interval
            .unwrap();
        let three = compare_ratios(&ratios, 1.0 - (1.0 - CONFIDENCE) / 3.0)
            .unwrap()
            .interval
            .unwrap();
        assert!(three.low < one.low && three.high > one.high);
    }
}
