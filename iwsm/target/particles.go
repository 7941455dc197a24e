package target

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
)

// pairSquaredDistances returns |x_i − x_j|² for the n(n−1)/2 pairs i<j of configurations
// x of shape [..., n*spatial], as [..., n(n−1)/2] in the order (0,1), (0,2), …, (0,n−1),
// (1,2), …. Pair energies sum over exactly these pairs; the full [..., n, n] matrix has
// 2n/(n−1) times more entries (2.7× for DW-4, 2.2× for LJ-13), each of which every
// elementwise op of the energy and its gradient would visit, and a diagonal of zeros whose
// square root has no gradient. Row i's pairs are one slice and one broadcast subtraction.
func pairSquaredDistances(x *Node, n, spatial int) *Node {
	return ReduceSum(Square(pairDifferences(x, n, spatial)), -1)
}

// pairDifferences returns x_j − x_i for the n(n−1)/2 pairs i<j of configurations x of shape
// [..., n*spatial], as [..., n(n−1)/2, spatial], in pairSquaredDistances' order.
func pairDifferences(x *Node, n, spatial int) *Node {
	dims := x.Shape().Dimensions
	batch := dims[:len(dims)-1]
	p := Reshape(x, append(append([]int{}, batch...), n, spatial)...) // [..., n, s]
	axis := p.Rank() - 2
	rows := make([]*Node, 0, n-1)
	for i := 0; i < n-1; i++ {
		xi := SliceAxis(p, axis, AxisRange(i, i+1))      // [..., 1, s]
		later := SliceAxis(p, axis, AxisRangeToEnd(i+1)) // [..., n−1−i, s]
		rows = append(rows, Sub(later, xi))
	}
	if len(rows) == 1 {
		return rows[0]
	}
	return Concatenate(rows, axis) // [..., n(n−1)/2, s]
}

// pairGradient returns the gradient [..., n*spatial] of a sum of pair terms Σ_{i<j} f(|x_i −
// x_j|²) from the pair differences diff [..., P, spatial] (pairDifferences: x_j − x_i) and the
// derivatives df [..., P] of each term with respect to its squared distance: particle j
// receives 2 f' (x_j − x_i) and particle i its negative. The scatter onto particles is one
// product with the constant [P, n] incidence matrix of the pairs.
func pairGradient(diff, df *Node, n, spatial int) *Node {
	dims := diff.Shape().Dimensions
	batch := dims[:len(dims)-2]
	P := n * (n - 1) / 2
	incidence := make([]float64, P*n) // +1 for j, −1 for i
	p := 0
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			incidence[p*n+j], incidence[p*n+i] = 1, -1
			p++
		}
	}
	g := Mul(diff, InsertAxes(MulScalar(df, 2), -1))                        // [..., P, s]
	flat := Reshape(g, -1, P, spatial)                                      // [N, P, s]
	A := Reshape(ConstAsDType(diff.Graph(), diff.DType(), incidence), P, n) // [P, n]
	grad := Einsum("bps,pn->bns", flat, A)                                  // [N, n, s]
	return Reshape(grad, append(append([]int{}, batch...), n*spatial)...)
}

// DoubleWellEnergy is the multi-particle double-well energy of Köhler et al. (2020) as
// used by FAB and iDEM: E(x) = (1/τ) Σ_{i<j} [a (d_ij - d0) + b (d_ij - d0)² + c (d_ij - d0)⁴]
// with a=0, b=-4, c=0.9, d0=4, τ=1 for DW-4.
func DoubleWellEnergy(n, spatial int, a, b, c, d0, tau float64) EnergyFunc {
	return func(x *Node) *Node {
		r := AddScalar(Sqrt(pairSquaredDistances(x, n, spatial)), -d0)
		r2 := Square(r)
		e := Add(Add(MulScalar(r, a), MulScalar(r2, b)), MulScalar(Square(r2), c))
		return MulScalar(ReduceSum(e, -1), 1/tau)
	}
}

// DoubleWellEnergyAndGradient is DoubleWellEnergy together with its gradient in closed
// form: with u = d_ij − d0, each pair contributes f'(d)/(2d) = (a + 2b u + 4c u³)/(2τ d) per
// unit of squared distance (pairGradient). Coinciding particles (d = 0) give a NaN gradient,
// as automatic differentiation of the square root does.
func DoubleWellEnergyAndGradient(n, spatial int, a, b, c, d0, tau float64) EnergyGradFunc {
	return func(x *Node) (energy, grad *Node) {
		x = StopGradient(x)
		diff := pairDifferences(x, n, spatial)
		dist := Sqrt(ReduceSum(Square(diff), -1))
		r := AddScalar(dist, -d0)
		r2 := Square(r)
		e := Add(Add(MulScalar(r, a), MulScalar(r2, b)), MulScalar(Square(r2), c))
		energy = MulScalar(ReduceSum(e, -1), 1/tau)
		dEdd := AddScalar(Add(MulScalar(r, 2*b), MulScalar(Mul(r2, r), 4*c)), a) // f'(d)·τ
		df := Div(MulScalar(dEdd, 0.5/tau), dist)                                // ∂f/∂(d²)
		return energy, pairGradient(diff, df, n, spatial)
	}
}

// DW4 is the 4-particle, 2-dimensional double-well system (dimension 8).
func DW4() *Target {
	return &Target{Name: "dw4", Dim: 8, Particles: 4, SpatialDim: 2, Scale: 1,
		Energy:            DoubleWellEnergy(4, 2, 0, -4, 0.9, 4, 1),
		EnergyAndGradient: DoubleWellEnergyAndGradient(4, 2, 0, -4, 0.9, 4, 1),
		ReferenceSet:      shippedSplit(dw4TestNPY, "dw4", 4, 2),
		ValidationSet:     shippedSplit(dw4ValNPY, "dw4", 4, 2),
		TrainingSet:       shippedSplit(dw4TrainNPY, "dw4", 4, 2),
		Description:       "double well, 4 particles in 2D: Σ_{i<j} 0.9(d-4)⁴ - 4(d-4)²"}
}

// LennardJonesEnergy is the Lennard-Jones cluster energy as in iDEM:
// E(x) = ε Σ_{i≠j} [(r_m/d_ij)¹² - 2 (r_m/d_ij)⁶] + (c/2) Σ_i ||x_i - x̄||²,
// the pair sum running over ordered pairs (each pair counted twice, as iDEM does) and the
// harmonic term (oscillator scale c=1) keeping the cluster together.
func LennardJonesEnergy(n, spatial int, eps, rm, oscillator float64) EnergyFunc {
	return func(x *Node) *Node {
		inv2 := Inverse(MulScalar(pairSquaredDistances(x, n, spatial), 1/(rm*rm))) // (r_m/d)²
		inv6 := Mul(Mul(inv2, inv2), inv2)
		lj := MulScalar(Sub(Square(inv6), MulScalar(inv6, 2)), eps)
		pairs := MulScalar(ReduceSum(lj, -1), 2) // ordered pairs i≠j
		dims := x.Shape().Dimensions
		batch := dims[:len(dims)-1]
		p := Reshape(x, append(append([]int{}, batch...), n, spatial)...)
		centred := Sub(p, ReduceAndKeep(p, ReduceMean, -2))
		harmonic := MulScalar(ReduceSum(Square(centred), -1, -2), 0.5*oscillator)
		return Add(pairs, harmonic)
	}
}

// LennardJonesEnergyAndGradient is LennardJonesEnergy together with its gradient in closed
// form: with u = (r_m/d)², each (doubly counted) pair term 2ε(u⁶ − 2u³) changes by
// −12ε(u⁶ − u³)/d² per unit of squared distance (pairGradient), and the harmonic term's
// gradient is c (x_i − x̄).
func LennardJonesEnergyAndGradient(n, spatial int, eps, rm, oscillator float64) EnergyGradFunc {
	return func(x *Node) (energy, grad *Node) {
		x = StopGradient(x)
		diff := pairDifferences(x, n, spatial)
		inv2 := Inverse(MulScalar(ReduceSum(Square(diff), -1), 1/(rm*rm))) // (r_m/d)²
		inv6 := Mul(Mul(inv2, inv2), inv2)
		lj := MulScalar(Sub(Square(inv6), MulScalar(inv6, 2)), eps)
		pairs := MulScalar(ReduceSum(lj, -1), 2)
		df := MulScalar(Mul(Sub(Square(inv6), inv6), inv2), -12*eps/(rm*rm)) // ∂(pair term)/∂(d²)
		dims := x.Shape().Dimensions
		batch := dims[:len(dims)-1]
		p := Reshape(x, append(append([]int{}, batch...), n, spatial)...)
		centred := Sub(p, ReduceAndKeep(p, ReduceMean, -2))
		harmonic := MulScalar(ReduceSum(Square(centred), -1, -2), 0.5*oscillator)
		energy = Add(pairs, harmonic)
		grad = Add(pairGradient(diff, df, n, spatial), Reshape(MulScalar(centred, oscillator), dims...))
		return energy, grad
	}
}

// LJ returns the n-particle Lennard-Jones cluster in 3D. LJ-13 and LJ-55 carry their
// reference samples (iDEM's LJ-13 test and validation splits; for LJ-55 the project's
// Metropolis reference, see package mcmc); other n have none.
func LJ(n int) *Target {
	name := fmt.Sprintf("lj%d", n)
	t := &Target{Name: name, Dim: 3 * n, Particles: n, SpatialDim: 3, Scale: 1,
		Energy:            LennardJonesEnergy(n, 3, 1, 1, 1),
		EnergyAndGradient: LennardJonesEnergyAndGradient(n, 3, 1, 1, 1),
		Description:       fmt.Sprintf("Lennard-Jones cluster, %d particles in 3D (ε=1, r_m=1, harmonic scale 1)", n)}
	switch n {
	case 13:
		t.ReferenceSet = shippedSplit(lj13TestNPY, name, 13, 3)
		t.ValidationSet = shippedRows(lj13ValNPY, name, 13, 3, 0, lj13Validation)
		t.TrainingSet = shippedRows(lj13ValNPY, name, 13, 3, lj13Validation, -1)
	case 55:
		t.ReferenceSet, t.TrainingSet = shippedSplit(lj55MCMCNPY, name, 55, 3), shippedSplit(lj55TrainNPY, name, 55, 3)
	}
	return t
}

// LennardJonesPair is the Lennard-Jones energy of one pair of particles at squared distance
// r2, counted for both orderings as LennardJonesEnergy (and iDEM) counts it:
// 2ε[(r_m²/r2)⁶ − 2(r_m²/r2)³]. Host code (package mcmc) uses it for single-particle moves.
func LennardJonesPair(r2, eps, rm float64) float64 {
	rm2 := rm * rm
	inv6 := rm2 * rm2 * rm2 / (r2 * r2 * r2) // for r_m = 1 exactly 1/r2³, as the shipped LJ-55 reference was drawn
	return 2 * eps * (inv6*inv6 - 2*inv6)
}

// LennardJonesHost is LennardJonesEnergy in float64 host code, for one configuration x of n
// particles in spatial dimensions: the pair sum of LennardJonesPair plus (c/2) Σ_i ||x_i − x̄||².
func LennardJonesHost(n, spatial int, eps, rm, oscillator float64) func(x []float64) float64 {
	return func(x []float64) float64 {
		e := 0.0
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				r2 := 0.0
				for k := 0; k < spatial; k++ {
					d := x[i*spatial+k] - x[j*spatial+k]
					r2 += d * d
				}
				e += LennardJonesPair(r2, eps, rm)
			}
		}
		spread := 0.0
		for k := 0; k < spatial; k++ {
			m := 0.0
			for i := 0; i < n; i++ {
				m += x[i*spatial+k]
			}
			m /= float64(n)
			for i := 0; i < n; i++ {
				d := x[i*spatial+k] - m
				spread += d * d
			}
		}
		return e + 0.5*oscillator*spread
	}
}
