package method

import (
	"fmt"
	"strconv"

	"github.com/pkg/errors"

	. "github.com/gomlx/gomlx/core/graph"

	"github.com/iwsm-go/iwsm/iwsm/estimator"
)

// The IWSM variants below are ours, not the paper's: ablations that address what experiment
// E2 (estimator's TestE2MonteCarloWeights) shows: far from every mode, at large σ, the K-sample log p̂_t falls tens of
// nats below the truth, so IWSM's weight there is ≈ 0 and the network is not trained where
// the reverse SDE starts. Both keep IWSM's stratified levels and per-level normalisation.

// Tempered returns IWSM with tempered weights w^β (0 < β ≤ 1), self-normalised per level:
// β = 1 is IWSM, β → 0 approaches equal weights; a smaller β lowers the weights' variance
// (and the tails' neglect) at the price of bias. Named "iwsm-betaB". A β outside (0, 1] (or
// NaN) is an error naming it.
func Tempered(beta float64) (Method, error) {
	if !(beta > 0 && beta <= 1) {
		return Method{}, errors.Errorf("method.Tempered: beta = %g, want 0 < beta <= 1 (1 is IWSM)", beta)
	}
	return Method{
		Name:        "iwsm-beta" + strconv.FormatFloat(beta, 'g', -1, 64),
		Description: fmt.Sprintf("ablation (ours): IWSM with tempered weights w^%g, self-normalised per level", beta),
		Times:       Levels,
		Ablation:    true,
		Weights: func(b Batch) (weights, essByLevel *Node) {
			logw := MulScalar(iwsmLogWeights(b), beta)
			return estimator.GroupedSelfNormalisedWeights(logw, b.Groups), estimator.ESSPerGroup(logw, b.Groups)
		},
	}, nil
}

// Defensive returns IWSM with defensive weights (1 − λ) w + λ, w IWSM's self-normalised
// weights (mean 1 per level) and 0 < λ < 1: every point keeps at least weight λ, as in
// defensive importance sampling (Hesterberg 1995). Named "iwsm-defL". A λ outside (0, 1) (or
// NaN) is an error naming it.
func Defensive(lambda float64) (Method, error) {
	if !(lambda > 0 && lambda < 1) {
		return Method{}, errors.Errorf("method.Defensive: lambda = %g, want 0 < lambda < 1 (0 is IWSM, 1 iDEM's equal weights)", lambda)
	}
	return Method{
		Name:        "iwsm-def" + strconv.FormatFloat(lambda, 'g', -1, 64),
		Description: fmt.Sprintf("ablation (ours): IWSM's weights mixed with equal weights, (1-%g) w + %g", lambda, lambda),
		Times:       Levels,
		Ablation:    true,
		Weights: func(b Batch) (weights, essByLevel *Node) {
			w := estimator.GroupedSelfNormalisedWeights(iwsmLogWeights(b), b.Groups)
			w = AddScalar(MulScalar(w, 1-lambda), lambda)
			return w, estimator.ESSPerGroup(Log(w), b.Groups)
		},
	}, nil
}
