//! When to try a failed delivery again: the Standard Webhooks schedule, as
//! a pure function of the attempts made.

use std::time::Duration;

/// The waits after the 1st, 2nd, ... failed attempt: the first attempt is
/// immediate, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h later. After
/// the 8th failure the event is dead.
pub const RETRY_DELAYS: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// The retry schedule, its delays multiplied by `scale`: 1 in service;
/// tests shrink it (`treaty serve --webhook-backoff-scale`, hidden) so
/// that hours pass in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// What every delay is multiplied by; at least 0.
    pub scale: f64,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff { scale: 1.0 }
    }
}

impl Backoff {
    /// How long to wait after `failed` attempts have failed (the one just
    /// made included) before the next; `None`: give up, the event is dead.
    pub fn after_failures(&self, failed: i64) -> Option<Duration> {
        let index = usize::try_from(failed.checked_sub(1)?).ok()?;
        let delay = RETRY_DELAYS.get(index)?;
        let scale = if self.scale.is_finite() && self.scale >= 0.0 {
            self.scale
        } else {
            1.0
        };
        Some(delay.mul_f64(scale))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_webhooks_schedule_then_dead() {
        let b = Backoff::default();
        let minutes = |m: u64| Duration::from_secs(m * 60);
        assert_eq!(b.after_failures(0), None);
        assert_eq!(b.after_failures(1), Some(Duration::from_secs(5)));
        assert_eq!(b.after_failures(2), Some(minutes(5)));
        assert_eq!(b.after_failures(3), Some(minutes(30)));
        assert_eq!(b.after_failures(4), Some(minutes(120)));
        assert_eq!(b.after_failures(5), Some(minutes(300)));
        assert_eq!(b.after_failures(6), Some(minutes(600)));
        assert_eq!(b.after_failures(7), Some(minutes(600)));
        assert_eq!(b.after_failures(8), None);
        assert_eq!(b.after_failures(-1), None);
        let total: Duration = (1..8).filter_map(|n| b.after_failures(n)).sum();
        assert_eq!(
            total,
            Duration::from_secs(5 + 300 + 1800 + 7200 + 18000 + 72000)
        );
    }

    #[test]
    fn a_scale_shrinks_every_delay_and_a_bad_one_is_ignored() {
        let fast = Backoff { scale: 0.001 };
        assert_eq!(fast.after_failures(1), Some(Duration::from_millis(5)));
        assert_eq!(fast.after_failures(7), Some(Duration::from_secs(36)));
        assert_eq!(fast.after_failures(8), None);
        let nan = Backoff { scale: f64::NAN };
        assert_eq!(nan.after_failures(1), Some(Duration::from_secs(5)));
    }
}
