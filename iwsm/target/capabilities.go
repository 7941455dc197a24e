package target

import (
	"math/rand/v2"

	. "github.com/gomlx/gomlx/core/graph"

	"github.com/iwsm-go/iwsm/iwsm/gmath"
)

// What a target can do, asked by the stages after it instead of testing which kind of target
// it is.

// Project maps configurations x [..., Dim] onto the space the target lives on: it removes
// the centre of mass of a particle system (whose energy is invariant to translations) and
// leaves other targets' points as they are.
func (t *Target) Project(x *Node) *Node {
	if t.IsParticleSystem() {
		return gmath.RemoveMean(x, t.Particles, t.SpatialDim)
	}
	return x
}

// ProjectRow is Project for one configuration on the host, in place.
func (t *Target) ProjectRow(row []float64) {
	if t.IsParticleSystem() {
		RemoveCentreOfMass(row, t.Particles, t.SpatialDim)
	}
}

// SamplerRows returns rows given in the target's own coordinates (a samples or reference
// file) in the sampler's coordinates, on the target's space: divided by Scale, and with each
// configuration's centre of mass removed for a particle system.
func (t *Target) SamplerRows(rows [][]float64) [][]float64 {
	out := t.FromTargetCoords(rows)
	for _, r := range out {
		t.ProjectRow(r)
	}
	return out
}

// NormalRow fills row with a draw of N(0, sigma² I) on the target's space (projected: a
// particle system's draw has its centre of mass removed), from rng.
func (t *Target) NormalRow(rng *rand.Rand, sigma float64, row []float64) {
	for j := range row {
		row[j] = sigma * rng.NormFloat64()
	}
	t.ProjectRow(row)
}

// DrawsExactly reports whether the target can draw exact samples (a Gaussian mixture), so
// that references, mode coverage and data-trained samplers need no stored data set.
func (t *Target) DrawsExactly() bool { return t.Mixture != nil }

// Plots2D reports whether the target's samples can be drawn as points over its energy's
// contours: a density on the plane.
func (t *Target) Plots2D() bool { return t.Dim == 2 && !t.IsParticleSystem() }
