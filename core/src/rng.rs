//! Seeded random numbers that are the same on every machine and backend.
//!
//! Noise for weights, Gumbel samples and initial values is drawn here on the host with
//! ChaCha8 (a portable, versioned stream) and uploaded as tensors, so that a seed means the
//! same numbers on CPU, wgpu and CUDA, and independent of thread scheduling.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded random stream.
#[derive(Clone, Debug)]
pub struct SeededRng {
    rng: ChaCha8Rng,
}

impl SeededRng {
    /// A stream from a seed.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// An independent child stream (for a task, a thread, a layer), advancing this one.
    pub fn fork(&mut self) -> Self {
        Self::new(self.rng.random::<u64>())
    }

    /// A uniform number in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// A uniform number in [low, high).
    pub fn uniform_range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// A uniform integer in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n.max(1))
    }

    /// A raw 64-bit value (for seeding other generators).
    pub fn next_u64(&mut self) -> u64 {
        self.rng.random::<u64>()
    }

    /// A standard normal number (Box-Muller on a uniform in (0, 1]).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// `n` standard normal numbers.
    pub fn normal_vec(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.normal() as f32).collect()
    }

    /// A standard Gumbel(0, 1) number: `-ln(-ln u)`, u uniform in (0, 1).
    pub fn gumbel(&mut self) -> f64 {
        // Keep u away from 0 and 1 so both logarithms stay finite.
        let u = self.uniform().clamp(1e-12, 1.0 - 1e-12);
        -(-u.ln()).ln()
    }

    /// `n` Gumbel(0, 1) numbers.
    pub fn gumbel_vec(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.gumbel() as f32).collect()
    }

    /// `n` uniform numbers in [-bound, bound).
    pub fn symmetric_vec(&mut self, n: usize, bound: f64) -> Vec<f32> {
        (0..n)
            .map(|_| self.uniform_range(-bound, bound) as f32)
            .collect()
    }

    /// A random permutation of 0..n (Fisher-Yates).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.below(i + 1);
            p.swap(i, j);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let a = SeededRng::new(7).normal_vec(5);
        let b = SeededRng::new(7).normal_vec(5);
        assert_eq!(a, b);
        assert_ne!(a, SeededRng::new(8).normal_vec(5));
    }

    #[test]
    fn normal_and_gumbel_moments() {
        let mut rng = SeededRng::new(1);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((var - 1.0).abs() < 0.02, "{var}");
        // Gumbel(0,1): mean is the Euler-Mascheroni constant, variance pi^2/6.
        let gs: Vec<f64> = (0..n).map(|_| rng.gumbel()).collect();
        let gmean = gs.iter().sum::<f64>() / n as f64;
        let gvar = gs.iter().map(|x| (x - gmean).powi(2)).sum::<f64>() / n as f64;
        assert!((gmean - 0.577_215_66).abs() < 0.01, "{gmean}");
        assert!(
            (gvar - std::f64::consts::PI.powi(2) / 6.0).abs() < 0.03,
            "{gvar}"
        );
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut p = SeededRng::new(3).permutation(50);
        p.sort_unstable();
        assert_eq!(p, (0..50).collect::<Vec<_>>());
    }
}
