package target

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
)

// pairDistances returns the distances d_ij between all particles of configurations x of
// shape [..., n*spatial] as [..., n, n], and the mask [n, n] that is 1 for i<j pairs.
// The diagonal is shifted to 1 before the square root so that gradients stay finite.
func pairDistances(x *Node, n, spatial int) (dist *Node, upper *Node) {
	g, dt := x.Graph(), x.DType()
	dims := x.Shape().Dimensions
	batch := dims[:len(dims)-1]
	p := Reshape(x, append(append([]int{}, batch...), n, spatial)...) // [..., n, s]
	rank := p.Rank()
	xi := InsertAxes(p, rank-1)              // [..., n, 1, s]
	xj := InsertAxes(p, rank-2)              // [..., 1, n, s]
	sq := ReduceSum(Square(Sub(xi, xj)), -1) // [..., n, n]
	eye := make([]float64, n*n)
	mask := make([]float64, n*n)
	for i := 0; i < n; i++ {
		eye[i*n+i] = 1
		for j := i + 1; j < n; j++ {
			mask[i*n+j] = 1
		}
	}
	sq = Add(sq, ExpandLeftToRank(Reshape(ConstAsDType(g, dt, eye), n, n), sq.Rank()))
	return Sqrt(sq), ExpandLeftToRank(Reshape(ConstAsDType(g, dt, mask), n, n), sq.Rank())
}

// DoubleWellEnergy is the multi-particle double-well energy of Köhler et al. (2020) as
// used by FAB and iDEM: E(x) = (1/τ) Σ_{i<j} [a (d_ij - d0) + b (d_ij - d0)² + c (d_ij - d0)⁴]
// with a=0, b=-4, c=0.9, d0=4, τ=1 for DW-4.
func DoubleWellEnergy(n, spatial int, a, b, c, d0, tau float64) EnergyFunc {
	return func(x *Node) *Node {
		d, upper := pairDistances(x, n, spatial)
		r := AddScalar(d, -d0)
		r2 := Square(r)
		e := Add(Add(MulScalar(r, a), MulScalar(r2, b)), MulScalar(Square(r2), c))
		return MulScalar(ReduceSum(Mul(e, upper), -1, -2), 1/tau)
	}
}

// DW4 is the 4-particle, 2-dimensional double-well system (dimension 8).
func DW4() *Target {
	return &Target{Name: "dw4", Dim: 8, Particles: 4, SpatialDim: 2, Scale: 1,
		Energy:      DoubleWellEnergy(4, 2, 0, -4, 0.9, 4, 1),
		Description: "double well, 4 particles in 2D: Σ_{i<j} 0.9(d-4)⁴ - 4(d-4)²"}
}

// LennardJonesEnergy is the Lennard-Jones cluster energy as in iDEM:
// E(x) = ε Σ_{i≠j} [(r_m/d_ij)¹² - 2 (r_m/d_ij)⁶] + (c/2) Σ_i ||x_i - x̄||²,
// the pair sum running over ordered pairs (each pair counted twice, as iDEM does) and the
// harmonic term (oscillator scale c=1) keeping the cluster together.
func LennardJonesEnergy(n, spatial int, eps, rm, oscillator float64) EnergyFunc {
	return func(x *Node) *Node {
		d, upper := pairDistances(x, n, spatial)
		inv2 := Inverse(Square(MulScalar(d, 1/rm)))
		inv6 := Mul(Mul(inv2, inv2), inv2)
		lj := MulScalar(Sub(Square(inv6), MulScalar(inv6, 2)), eps)
		pairs := MulScalar(ReduceSum(Mul(lj, upper), -1, -2), 2) // ordered pairs i≠j
		dims := x.Shape().Dimensions
		batch := dims[:len(dims)-1]
		p := Reshape(x, append(append([]int{}, batch...), n, spatial)...)
		centred := Sub(p, ReduceAndKeep(p, ReduceMean, -2))
		harmonic := MulScalar(ReduceSum(Square(centred), -1, -2), 0.5*oscillator)
		return Add(pairs, harmonic)
	}
}

// LJ returns the n-particle Lennard-Jones cluster in 3D (LJ-13, LJ-55).
func LJ(n int) *Target {
	return &Target{Name: fmt.Sprintf("lj%d", n), Dim: 3 * n, Particles: n, SpatialDim: 3, Scale: 1,
		Energy:      LennardJonesEnergy(n, 3, 1, 1, 1),
		Description: fmt.Sprintf("Lennard-Jones cluster, %d particles in 3D (ε=1, r_m=1, harmonic scale 1)", n)}
}
