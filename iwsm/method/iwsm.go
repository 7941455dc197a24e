package method

import (
	. "github.com/gomlx/gomlx/core/graph"

	"github.com/iwsm-go/iwsm/iwsm/estimator"
)

// IWSM (Importance Weighted Score Matching, arXiv 2505.19431) weighs each point's
// score-matching error by the self-normalised importance weight w ∝ p_t(x_t)/p_{B,t}(x_t):
// the Monte Carlo estimate of the noised target density over the density of the replay
// buffer convolved with the forward kernel, normalised within each noise level (see
// estimator.GroupedSelfNormalisedWeights), so that the loss estimates the expectation under
// the target rather than under the sampler's own samples.
var IWSM = Method{
	Name:        "iwsm",
	Description: "importance-weighted score matching: weights p_t/p_B,t self-normalised per noise level (arXiv 2505.19431)",
	Times:       Levels,
	Weights: func(b Batch) (weights, essByLevel *Node) {
		logw := iwsmLogWeights(b)
		return estimator.GroupedSelfNormalisedWeights(logw, b.Groups), estimator.ESSPerGroup(logw, b.Groups)
	},
}

// iwsmLogWeights are IWSM's log importance weights log p̂_t(x_t) − log p_{B,t}(x_t) [B];
// points whose density estimate failed get −Inf (weight zero) instead of NaN.
func iwsmLogWeights(b Batch) *Node {
	logq := estimator.PaddedBufferLogDensity(b.Xt, b.Sigma, b.Buffer, b.BufferRows, estimator.EffectiveDim(b.Target))
	logw := Sub(b.LogP, logq)
	return Where(IsFinite(logw), logw, Infinity(logw.Graph(), logw.DType(), -1))
}
