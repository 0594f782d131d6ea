//! Latency samples and their percentiles.

use std::time::Duration;

use serde_json::{json, Value};

/// A set of latency samples in milliseconds.
#[derive(Clone, Debug, Default)]
pub struct Latencies {
    ms: Vec<f64>,
    sorted: bool,
}

impl Latencies {
    /// Adds one sample.
    pub fn push(&mut self, d: Duration) {
        self.push_ms(d.as_secs_f64() * 1e3);
    }

    /// Adds one sample given in milliseconds.
    pub fn push_ms(&mut self, ms: f64) {
        self.ms.push(ms);
        self.sorted = false;
    }

    /// Merges another set into this one.
    pub fn extend(&mut self, other: &Latencies) {
        self.ms.extend_from_slice(&other.ms);
        self.sorted = false;
    }

    /// How many samples.
    pub fn len(&self) -> usize {
        self.ms.len()
    }

    /// True when there is no sample.
    pub fn is_empty(&self) -> bool {
        self.ms.is_empty()
    }

    fn sort(&mut self) {
        if !self.sorted {
            self.ms.sort_by(f64::total_cmp);
            self.sorted = true;
        }
    }

    /// The `q` quantile (0..=1), nearest rank; 0 when empty.
    pub fn quantile(&mut self, q: f64) -> f64 {
        self.sort();
        if self.ms.is_empty() {
            return 0.0;
        }
        let rank = ((q * self.ms.len() as f64).ceil() as usize).clamp(1, self.ms.len());
        self.ms[rank - 1]
    }

    /// The largest sample; 0 when empty.
    pub fn max(&mut self) -> f64 {
        self.quantile(1.0)
    }

    /// The mean; 0 when empty.
    pub fn mean(&self) -> f64 {
        if self.ms.is_empty() {
            0.0
        } else {
            self.ms.iter().sum::<f64>() / self.ms.len() as f64
        }
    }

    /// `p50 / p99 / max` in milliseconds, for a table cell.
    pub fn summary(&mut self) -> String {
        format!(
            "{} / {} / {} ms",
            ms(self.quantile(0.5)),
            ms(self.quantile(0.99)),
            ms(self.max())
        )
    }

    /// The distribution as JSON (milliseconds).
    pub fn to_json(&mut self) -> Value {
        json!({
            "count": self.len(),
            "mean_ms": self.mean(),
            "p50_ms": self.quantile(0.5),
            "p90_ms": self.quantile(0.9),
            "p99_ms": self.quantile(0.99),
            "p999_ms": self.quantile(0.999),
            "max_ms": self.max(),
        })
    }

    /// A compact distribution line: p10 … max.
    pub fn distribution(&mut self) -> String {
        let qs = [0.1, 0.5, 0.9, 0.99, 0.999];
        let mut parts: Vec<String> = qs
            .iter()
            .map(|q| format!("p{}={}", q * 100.0, ms(self.quantile(*q))))
            .collect();
        parts.push(format!("max={}", ms(self.max())));
        parts.join(" ")
    }
}

/// Milliseconds with sensible precision.
pub fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut l = Latencies::default();
        for i in 1..=100 {
            l.push_ms(i as f64);
        }
        assert_eq!(l.quantile(0.5), 50.0);
        assert_eq!(l.quantile(0.99), 99.0);
        assert_eq!(l.max(), 100.0);
        assert_eq!(Latencies::default().quantile(0.5), 0.0);
    }
}
