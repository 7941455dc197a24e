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

// DSM is the data-trained reference sampler: the same network, optimiser, budget and
// reverse SDE as the other methods, trained by denoising score matching on samples of the
// target (target.Target.Training: exact draws for the mixtures, iDEM's DW-4 training split,
// ...) instead of a replay buffer of its own samples and the Monte Carlo score. It measures
// what this network, SDE and budget reach when the data are perfect; it makes no energy
// evaluations in training. Every point weighs 1 and t is drawn per point, as iDEM's.
var DSM = Method{
	Name:        "dsm",
	Description: "reference: denoising score matching on samples of the target (perfect data), no energy evaluations in training",
	Times:       PerPoint,
	Reference:   true,
	FromData:    true,
	Weights:     equalWeights,
}
