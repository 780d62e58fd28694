//! The KL terms of BASE's objective (eq. 9) in closed form, and the Gumbel-softmax (concrete)
//! log-density for Monte-Carlo estimates of the categorical term.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;

/// KL( N(μq, σq²) ‖ N(μp, σp²) ), summed over all entries:
/// `Σ ln(σp/σq) + (σq² + (μq − μp)²) / (2σp²) − 1/2`.
pub fn gaussian_kl<B: Backend>(
    mu_q: Tensor<B, 1>,
    sigma_q: Tensor<B, 1>,
    mu_p: Tensor<B, 1>,
    sigma_p: Tensor<B, 1>,
) -> Tensor<B, 1> {
    let var_p = sigma_p.clone().powi_scalar(2);
    let ratio = (sigma_q.clone().powi_scalar(2) + (mu_q - mu_p).powi_scalar(2)) / (var_p * 2.0);
    ((sigma_p / sigma_q).log() + ratio - 0.5).sum()
}

/// KL( Cat(softmax(φq)) ‖ Cat(softmax(φp)) ), summed over the rows (edges) of `[edges, ops]`
/// logits: `Σ_e Σ_o πq ln(πq / πp)`.
///
/// The papers write this term as `log q_φ(z|D) / p(z; α)` for the relaxed sample z. The
/// Gumbel-softmax density has no closed-form KL; like SNAS and most implementations we use
/// the KL of the underlying categoricals (exact for the discrete z the relaxation
/// approximates). [`concrete_log_density`] gives the Monte-Carlo alternative.
pub fn categorical_kl<B: Backend>(logits_q: Tensor<B, 2>, logits_p: Tensor<B, 2>) -> Tensor<B, 1> {
    let log_q = log_softmax(logits_q, 1);
    let log_p = log_softmax(logits_p, 1);
    (log_q.clone().exp() * (log_q - log_p)).sum()
}

/// Log-density of a Gumbel-softmax (concrete) sample `z` (each row on the simplex) with
/// logits `φ` and temperature `τ` (BASE 002 eq. 6, with r = L), one value per row:
/// `ln Γ(L) + (L−1) ln τ + Σ_l (ln π_l − (τ+1) ln z_l) − L ln Σ_l π_l z_l^(−τ)`.
pub fn concrete_log_density<B: Backend>(
    z: Tensor<B, 2>,
    logits: Tensor<B, 2>,
    tau: f64,
) -> Tensor<B, 1> {
    let [rows, l] = z.dims();
    let log_pi = log_softmax(logits, 1);
    let log_z = z.log();
    // ln Σ_l π_l z_l^(−τ), computed in log space.
    let terms = log_pi.clone() - log_z.clone() * tau;
    let max = terms.clone().max_dim(1);
    let lse = (terms - max.clone()).exp().sum_dim(1).log() + max;
    let per_row = (log_pi - log_z * (tau + 1.0)).sum_dim(1) - lse * l as f64;
    let constant = ln_gamma(l) + (l as f64 - 1.0) * tau.ln();
    per_row.reshape([rows]) + constant
}

/// ln Γ(n) = ln (n−1)! for a positive integer n.
fn ln_gamma(n: usize) -> f64 {
    (1..n).map(|k| (k as f64).ln()).sum()
}
