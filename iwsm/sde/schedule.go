package sde

import (
	"math"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/pkg/errors"
)

// Geometric is the VE schedule σ(t) = σ_min^(1-t) σ_max^t, t ∈ [0, 1] (Song et al. 2021,
// iDEM's GeometricNoiseSchedule). Its diffusion coefficient is
// g(t)² = dσ²/dt = 2 σ(t)² log(σ_max/σ_min).
type Geometric struct {
	SigmaMin, SigmaMax float64
}

// Validate reports impossible settings (non-positive or inverted σ's).
func (s Geometric) Validate() error {
	if !(s.SigmaMin > 0) || !(s.SigmaMax > s.SigmaMin) || math.IsInf(s.SigmaMax, 0) {
		return errors.Errorf("noise schedule needs 0 < sigma_min < sigma_max < ∞, got sigma_min=%g sigma_max=%g",
			s.SigmaMin, s.SigmaMax)
	}
	return nil
}

// Sigma returns σ(t) on the host.
func (s Geometric) Sigma(t float64) float64 {
	return s.SigmaMin * math.Pow(s.SigmaMax/s.SigmaMin, t)
}

// G2 returns g(t)² = dσ²/dt on the host.
func (s Geometric) G2(t float64) float64 {
	sig := s.Sigma(t)
	return 2 * sig * sig * math.Log(s.SigmaMax/s.SigmaMin)
}

// G2Node returns g(t)² = 2 σ(t)² log(σ_max/σ_min) for a node t of any shape.
func (s Geometric) G2Node(t *Node) *Node {
	return MulScalar(Square(s.SigmaNode(t)), 2*math.Log(s.SigmaMax/s.SigmaMin))
}

// SigmaNode returns σ(t) for a node t of any shape.
func (s Geometric) SigmaNode(t *Node) *Node {
	return MulScalar(Exp(MulScalar(t, math.Log(s.SigmaMax/s.SigmaMin))), s.SigmaMin)
}
