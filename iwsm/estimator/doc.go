// Package estimator computes, from energy evaluations alone, the quantities IWSM trains
// on: the K-sample Monte Carlo estimates of the noised target's score ∇ log p_t(x_t) and
// log-density log p_t(x_t) (iDEM's estimator), the density of the replay-buffer proposal
// p_{B,t}, the self-normalised importance weights w ∝ p_t / p_{B,t}, and the IWSM paper
// code's copy-wise weights over the noised copies of a point (CopyWeights, with its
// denominators).
//
// With the VE kernel, p_t(x) = ∫ π(x_0) N(x; x_0, σ_t² I) dx_0 = E_{z~N(0,I)}[exp(-E(x + σ_t z))]/Z,
// so with z_1..z_K
//
//	log p_t(x) ≈ logsumexp_k(-E(x + σ_t z_k)) - log K - log Z
//	∇ log p_t(x) ≈ Σ_k softmax_k(-E(x + σ_t z_k)) (-∇E(x + σ_t z_k))
//
// The unknown log Z is the same for every x and t, so it cancels in self-normalised weights.
package estimator
