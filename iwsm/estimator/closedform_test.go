package estimator

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// TestMonteCarloClosedFormMatchesAutodiff checks that the estimator on the built-in targets,
// which use their closed-form target.Target.EnergyAndGradient, computes what it computed
// with automatic differentiation of the energy (the same target without the closed form):
// float32 on the test backend, at the smallest noise level training uses (σ_min: 1e-5 for
// GMM-40 on x/50 and DW-4, 0.01 for LJ-13) and at larger ones, points from the reference
// samples, clipping off. Both float32 results are measured against the automatic path in
// float64: the closed form's largest error must be at most twice the old path's, plus 1e-5
// (relative to the score's norm, or to max(1, |log p|)).
func TestMonteCarloClosedFormMatchesAutodiff(t *testing.T) {
	backend := xlatest.Backend(t)
	gmm, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		tg     *target.Target
		sigmas []float64
	}{
		{gmm, []float64{1e-5, 1e-3, 0.3}},
		{target.DW4(), []float64{1e-5, 1e-2, 1}},
		{target.LJ(13), []float64{0.01, 0.1, 1}},
	}
	const B, K = 48, 64
	for _, c := range cases {
		t.Run(c.tg.Name, func(t *testing.T) {
			tg := c.tg
			auto := *tg
			auto.EnergyAndGradient = nil
			rng := rand.New(rand.NewPCG(21, 22))
			ref, err := tg.Reference(B, rng)
			if err != nil {
				t.Fatal(err)
			}
			d := tg.Dim
			x, sig, z := make([]float32, 0, B*d), make([]float32, B), make([]float32, 0, B*K*d)
			row := make([]float64, d)
			for i, r := range ref {
				x = append(x, f32(r)...)
				sig[i] = float32(c.sigmas[i%len(c.sigmas)])
				for k := 0; k < K; k++ {
					for j := range row {
						row[j] = rng.NormFloat64()
					}
					if tg.IsParticleSystem() {
						target.RemoveCentreOfMass(row, tg.Particles, tg.SpatialDim)
					}
					z = append(z, f32(row)...)
				}
			}
			exec := MustNewExec(backend, func(x, sigma, z *Node) []*Node {
				s1, l1 := MonteCarlo(tg, x, sigma, z, 0)
				s2, l2 := MonteCarlo(&auto, x, sigma, z, 0)
				f64 := func(n *Node) *Node { return ConvertDType(n, dtypes.Float64) }
				s3, l3 := MonteCarlo(&auto, f64(x), f64(sigma), f64(z), 0)
				return []*Node{s1, l1, s2, l2, s3, l3}
			})
			outs := exec.MustExec(tensors.FromFlatDataAndDimensions(x, B, d), tensors.FromFlatDataAndDimensions(sig, B),
				tensors.FromFlatDataAndDimensions(z, B, K, d))
			s1, l1 := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
			s2, l2 := tensors.MustCopyFlatData[float32](outs[2]), tensors.MustCopyFlatData[float32](outs[3])
			s3, l3 := tensors.MustCopyFlatData[float64](outs[4]), tensors.MustCopyFlatData[float64](outs[5])
			var newS, oldS, newL, oldL float64
			for i := 0; i < B; i++ {
				norm, d1, d2 := 0.0, 0.0, 0.0
				for j := 0; j < d; j++ {
					r := s3[i*d+j]
					norm += r * r
					d1 += math.Pow(float64(s1[i*d+j])-r, 2)
					d2 += math.Pow(float64(s2[i*d+j])-r, 2)
				}
				norm = math.Max(1, math.Sqrt(norm))
				scale := math.Max(1, math.Abs(l3[i]))
				if math.IsNaN(d1) || math.IsNaN(float64(l1[i])) {
					t.Fatalf("point %d (σ = %g): NaN estimate", i, sig[i])
				}
				newS, oldS = math.Max(newS, math.Sqrt(d1)/norm), math.Max(oldS, math.Sqrt(d2)/norm)
				newL = math.Max(newL, math.Abs(float64(l1[i])-l3[i])/scale)
				oldL = math.Max(oldL, math.Abs(float64(l2[i])-l3[i])/scale)
			}
			t.Logf("largest error against float64: score %.2g closed form, %.2g autodiff (of its norm); log p %.2g, %.2g (relative)",
				newS, oldS, newL, oldL)
			if newS > 2*oldS+1e-5 {
				t.Errorf("closed-form scores are off by up to %.3g of their norm, the autodiff path's by %.3g", newS, oldS)
			}
			if newL > 2*oldL+1e-5 {
				t.Errorf("closed-form log densities are off by up to %.3g (relative), the autodiff path's by %.3g", newL, oldL)
			}
		})
	}
}

func f32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
