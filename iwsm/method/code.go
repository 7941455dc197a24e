package method

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/estimator"
)

// IWSMCode is IWSM as the paper's public code computes it (Wastedzz/DEM,
// dem/models/dem_module.py training_step at commit 6787b2c; that repository appears to be
// the paper's code, the paper does not link it): each buffer point gets one t ~ U(0, 1) and
// Config.Copies noised copies x_t at that t; every copy gets iDEM's K-sample score target and
// log-density estimate log p̂_t; the copies of one point are weighted by a softmax over the
// copies of log p̂_t − log q (Config.Denominator: the code's own "as-coded" expression by
// default, see config.DenominatorAsCoded), with the code's NaN and Inf rules
// (estimator.CopyWeights); a point's loss is the weighted sum over its copies and the step's
// loss the mean over points. Each step therefore evaluates the energy Config.Copies times as
// often as iDEM's. The preset "iwsm-code" sets L = 10, M = 10 and the as-coded denominator,
// as the code's configuration does. It is not in the notebooks' default comparison (it is
// listed as an ablation, the code's variant of IWSM): the notebook on the paper's code runs
// it.
var IWSMCode = Method{
	Name:        "iwsm-code",
	Description: "IWSM as its public code runs it: L noised copies per buffer point, weights over the copies (Wastedzz/DEM)",
	Times:       PerPoint,
	Copies:      true,
	Ablation:    true,
	Weights: func(b Batch) (weights, essByLevel *Node) {
		logq := copyLogDenominator(b)
		w := estimator.CopyWeights(Sub(b.LogP, logq), b.Groups)
		return w, estimator.WeightsESSPerGroup(w, b.Groups)
	},
}

// IWSMCodeEqual is IWSMCode without its weights: the same Config.Copies noised copies of
// every buffer point at the point's time, each with iDEM's K-sample score target, but every
// copy weighs 1, so the loss is iDEM's over L times the points. It costs what IWSMCode costs
// (the same energy evaluations) and, for a seed, draws the same random numbers in the same
// order (the as-coded denominator's buffer rows are drawn and left unused), so IWSMCode
// against IWSMCodeEqual measures what the code's copy-wise weights do at equal cost, where
// IWSMCode against iDEM measures the weights and the L-fold evaluations together. The preset
// gives it IWSMCode's settings.
var IWSMCodeEqual = Method{
	Name:        "iwsm-code-equal",
	Description: "the paper code's IWSM with its weights removed: L noised copies per buffer point, each weighing 1 (what the weights do at equal cost)",
	Times:       PerPoint,
	Copies:      true,
	Ablation:    true,
	Weights: func(b Batch) (weights, essByLevel *Node) {
		w := OnesLike(b.LogP)
		return w, estimator.WeightsESSPerGroup(w, b.Groups)
	},
}

// copyLogDenominator is log q of the copy-wise weights, by Batch.Denominator.
func copyLogDenominator(b Batch) *Node {
	switch b.Denominator {
	case config.DenominatorAsCoded:
		return estimator.AsCodedLogDenominator(b.Xt, b.Sigma, b.Draws)
	case config.DenominatorOwnKernel:
		return estimator.OwnKernelLogDensity(b.Xt, b.X0, b.Sigma, estimator.EffectiveDim(b.Target))
	case config.DenominatorBufferDensity:
		return estimator.PaddedBufferLogDensity(b.Xt, b.Sigma, b.Buffer, b.BufferRows, estimator.EffectiveDim(b.Target))
	}
	panic(fmt.Sprintf("copy-wise weights: denominator %q (config.Validate refuses it)", b.Denominator))
}
