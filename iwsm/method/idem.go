package method

import (
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
)

// IDEM is iDEM (Akhound-Sadegh et al. 2024, arXiv 2402.06121), the baseline: the same
// score-matching loss against the same Monte Carlo score, with every point weighted equally
// (its ESS is 1 at every noise level).
var IDEM = Method{
	Name:        "idem",
	Description: "iDEM: the same loss with equal weights (arXiv 2402.06121), the baseline",
	Weights: func(b Batch) (weights, essByLevel *Node) {
		return OnesLike(b.Sigma), Ones(b.Sigma.Graph(), shapes.Make(b.Sigma.DType(), b.Groups))
	},
}
