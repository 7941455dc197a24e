package method

import (
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
)

// IDEM is iDEM (Akhound-Sadegh et al. 2024, arXiv 2402.06121), the baseline as its authors
// run it: the same score-matching loss against the same Monte Carlo score, every point
// weighted equally (its ESS is 1 at every noise level), and t drawn independently for every
// point (dem/models/dem_module.py), not in IWSM's shared levels.
var IDEM = Method{
	Name:        "idem",
	Description: "iDEM: the same loss with equal weights and t independent per point (arXiv 2402.06121), the baseline",
	Times:       PerPoint,
	Weights:     equalWeights,
}

// IDEMLevels is iDEM with IWSM's stratified noise levels instead of its own independent t:
// the ablation that separates the effect of the weights from that of the time sampling.
var IDEMLevels = Method{
	Name:        "idem-levels",
	Description: "ablation: iDEM's equal weights with IWSM's stratified noise levels",
	Times:       Levels,
	Ablation:    true,
	Weights:     equalWeights,
}

// equalWeights gives every point weight 1 and every level an ESS of 1.
func equalWeights(b Batch) (weights, essByLevel *Node) {
	return OnesLike(b.Sigma), Ones(b.Sigma.Graph(), shapes.Make(b.Sigma.DType(), b.Groups))
}
