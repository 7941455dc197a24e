package metrics

import "math"

// ESS returns the effective sample size of self-normalised importance weights given by
// their logarithms:
//
//	ESS = (Σ_i w_i)² / Σ_i w_i² = 1 / Σ_i ŵ_i²,   ŵ = softmax(logWeights),
//
// which ranges from 1 (one weight dominates) to n (uniform weights). It is computed
// stably by shifting the log-weights by their maximum, so log-weights of any magnitude
// (for example log p(x) − log q(x) of high-dimensional samples) are fine. Entries equal to
// −Inf are zero weights.
//
// ESS returns NaN when it is undefined: an empty slice, any NaN or +Inf entry, or all
// entries −Inf.
func ESS(logWeights []float64) float64 {
	if len(logWeights) == 0 {
		return math.NaN()
	}
	m := math.Inf(-1)
	for _, l := range logWeights {
		if math.IsNaN(l) || math.IsInf(l, 1) {
			return math.NaN()
		}
		m = math.Max(m, l)
	}
	if math.IsInf(m, -1) {
		return math.NaN()
	}
	var s1, s2 float64
	for _, l := range logWeights {
		w := math.Exp(l - m)
		s1 += w
		s2 += w * w
	}
	return s1 * s1 / s2
}

// ESSFraction returns ESS(logWeights)/n, the normalised effective sample size in
// [1/n, 1]. This is the "ess" iDEM logs (dem/models/dem_module.py, compute_log_z:
// (softmax(logp − logq)**2).sum()**−1 / N, with log-weights log p − log q of the model's
// samples under the target and the model). It returns NaN where ESS does.
func ESSFraction(logWeights []float64) float64 {
	return ESS(logWeights) / float64(len(logWeights))
}
