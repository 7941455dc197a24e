package target

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// energyGradPoints returns points y = x + σ z of tg as the Monte Carlo estimator evaluates
// them, in float32 and the sampler's coordinates: x from the reference samples (exact draws
// for mixtures), at σ from σ_min (the smallest noise level training uses: 1e-5 for the
// mixtures on x/50 and DW-4, 0.01 for LJ-13) to σ_max, n points per σ.
func energyGradPoints(t *testing.T, tg *Target, sigmas []float64, n int) []float32 {
	t.Helper()
	rng := rand.New(rand.NewPCG(11, 12))
	base, err := tg.Reference(n, rng)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, 0, len(sigmas)*n*tg.Dim)
	row := make([]float64, tg.Dim)
	for _, s := range sigmas {
		for i := 0; i < n; i++ {
			for j := range row {
				row[j] = base[i%len(base)][j] + s*rng.NormFloat64()
			}
			if tg.IsParticleSystem() {
				RemoveCentreOfMass(row, tg.Particles, tg.SpatialDim)
			}
			for _, v := range row {
				out = append(out, float32(v))
			}
		}
	}
	return out
}

// TestEnergyAndGradientMatchAutodiff checks every built-in target's closed-form
// EnergyAndGradient against Energy and its automatic gradient (the path it replaces in the
// Monte Carlo estimator), both in float32 on the test backend, at points the estimator
// evaluates from σ_min to σ_max. The float32 energies of the mixtures carry rounding errors of
// the order of the ulp of ||x||²/(2s²), so both are measured against the float64 evaluation of
// Energy and its gradient at the same points: the closed form must be as accurate as the path
// it replaces (its largest error at most twice the old one's, plus 1e-6 relative for energies
// and 1e-5 of the gradient's norm).
func TestEnergyAndGradientMatchAutodiff(t *testing.T) {
	b := testBackend(t)
	two2, err := TwoModes(2, TwoModesWeight, TwoModesSeparation)
	if err != nil {
		t.Fatal(err)
	}
	two16, err := TwoModes(16, TwoModesWeight, TwoModesSeparation) // matrix-product path
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		sigmaMin float64
		sigmaMax float64
		make     func() (*Target, error)
	}{
		{"gmm40", 1e-5, 1, GMM40},
		{"gmm40w", 1e-5, 1, GMM40W},
		{"gmm120", 1e-5, 1, GMM120},
		{"two-d2", 1e-5, 1, func() (*Target, error) { return two2, nil }},
		{"two-d16", 1e-5, 1, func() (*Target, error) { return two16, nil }},
		{"dw4", 1e-5, 3, func() (*Target, error) { return DW4(), nil }},
		{"lj13", 0.01, 2, func() (*Target, error) { return LJ(13), nil }},
		{"lj55", 0.01, 2, func() (*Target, error) { return LJ(55), nil }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg, err := c.make()
			if err != nil {
				t.Fatal(err)
			}
			if tg.EnergyAndGradient == nil {
				t.Fatalf("built-in target %s has no closed-form EnergyAndGradient", tg.Name)
			}
			sigmas := []float64{c.sigmaMin, math.Sqrt(c.sigmaMin * c.sigmaMax), c.sigmaMax}
			const n = 64
			pts := energyGradPoints(t, tg, sigmas, n)
			N := len(pts) / tg.Dim
			exec := MustNewExec(b, func(x *Node) []*Node {
				e1, g1 := tg.EnergyAndGradient(x)
				e2 := tg.Energy(x)
				g2 := Gradient(ReduceAllSum(e2), x)[0]
				x64 := ConvertDType(x, dtypes.Float64)
				e3 := tg.Energy(x64)
				g3 := Gradient(ReduceAllSum(e3), x64)[0]
				return []*Node{e1, g1, e2, g2, e3, g3}
			})
			outs := exec.MustExec(tensors.FromFlatDataAndDimensions(pts, N/4, 4, tg.Dim)) // two batch axes
			e1, g1 := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
			e2, g2 := tensors.MustCopyFlatData[float32](outs[2]), tensors.MustCopyFlatData[float32](outs[3])
			e3, g3 := tensors.MustCopyFlatData[float64](outs[4]), tensors.MustCopyFlatData[float64](outs[5])
			var newE, oldE, newG, oldG float64 // largest errors against float64
			for i := 0; i < N; i++ {
				if math.IsInf(e3[i], 0) || math.IsNaN(e3[i]) {
					continue // overlapping particles: no finite reference
				}
				scale := math.Max(1, math.Abs(e3[i]))
				newE = math.Max(newE, math.Abs(float64(e1[i])-e3[i])/scale)
				oldE = math.Max(oldE, math.Abs(float64(e2[i])-e3[i])/scale)
				norm, d1, d2 := 0.0, 0.0, 0.0
				for j := 0; j < tg.Dim; j++ {
					ref := g3[i*tg.Dim+j]
					norm += ref * ref
					d1 += math.Pow(float64(g1[i*tg.Dim+j])-ref, 2)
					d2 += math.Pow(float64(g2[i*tg.Dim+j])-ref, 2)
				}
				norm = math.Max(1, math.Sqrt(norm))
				newG, oldG = math.Max(newG, math.Sqrt(d1)/norm), math.Max(oldG, math.Sqrt(d2)/norm)
				if math.IsNaN(d1) || math.IsNaN(float64(e1[i])) {
					t.Fatalf("point %d (σ = %g): closed form gives NaN where float64 gives energy %g", i, sigmas[i/n], e3[i])
				}
			}
			t.Logf("%d points, largest error against float64: energy %.2g closed form, %.2g autodiff path (relative); gradient %.2g, %.2g (of its norm)",
				N, newE, oldE, newG, oldG)
			if newE > 2*oldE+1e-6 {
				t.Errorf("closed-form energies are off by up to %.3g (relative), the autodiff path's by %.3g", newE, oldE)
			}
			if newG > 2*oldG+1e-5 {
				t.Errorf("closed-form gradients are off by up to %.3g of their norm, the autodiff path's by %.3g", newG, oldG)
			}
		})
	}
}

// TestCheckEnergyCatchesStaleClosedForm checks that CheckEnergy refuses a target whose
// Energy was replaced while the built-in closed form was kept, and accepts it once the closed
// form is cleared.
func TestCheckEnergyCatchesStaleClosedForm(t *testing.T) {
	b := testBackend(t)
	tg := DW4()
	if err := CheckEnergy(b, tg); err != nil {
		t.Fatalf("built-in DW-4: %v", err)
	}
	tg.Energy = func(x *Node) *Node { return MulScalar(ReduceSum(Square(x), -1), 0.5) }
	err := CheckEnergy(b, tg)
	if err == nil || !strings.Contains(err.Error(), "EnergyAndGradient") {
		t.Fatalf("replaced energy with the closed form kept: got %v, want an error naming EnergyAndGradient", err)
	}
	tg.EnergyAndGradient = nil
	if err := CheckEnergy(b, tg); err != nil {
		t.Fatalf("replaced energy, closed form cleared: %v", err)
	}
}
