package gmath

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// TestSinCosMatchesMath checks SinCos in float32 against math.Sin and math.Cos (float64) on
// the test backend, on a dense grid of |x| ≤ 100 (the sinusoidal embeddings' arguments: a
// coordinate times at most 25, or a time in [0, 1]) and at quadrant boundaries, and against
// the graph's own Sin and Cos, which it replaces.
func TestSinCosMatchesMath(t *testing.T) {
	backend := xlatest.Backend(t)
	var xs []float32
	for i := -200000; i <= 200000; i++ {
		xs = append(xs, float32(i)*5e-4)
	}
	for k := -64; k <= 64; k++ { // multiples of π/4 and their neighbours
		c := float32(float64(k) * math.Pi / 4)
		xs = append(xs, c, math.Nextafter32(c, 1e9), math.Nextafter32(c, -1e9))
	}
	outs := MustExecOnceN(backend, func(x *Node) []*Node {
		s, c := SinCos(x)
		return []*Node{s, c, Sin(x), Cos(x)}
	}, tensors.FromFlatDataAndDimensions(xs, len(xs)))
	s, c := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
	gs, gc := tensors.MustCopyFlatData[float32](outs[2]), tensors.MustCopyFlatData[float32](outs[3])
	worst, worstOp := 0.0, 0.0
	for i, x := range xs {
		tol := 2e-7 + 1e-8*math.Abs(float64(x)) // the reduction's rounding grows with |x|
		es := math.Abs(float64(s[i]) - math.Sin(float64(x)))
		ec := math.Abs(float64(c[i]) - math.Cos(float64(x)))
		if es > tol || ec > tol {
			t.Fatalf("x = %v: sin %v (want %v), cos %v (want %v)", x, s[i], math.Sin(float64(x)), c[i], math.Cos(float64(x)))
		}
		worst = math.Max(worst, math.Max(es, ec))
		worstOp = math.Max(worstOp, math.Max(math.Abs(float64(s[i]-gs[i])), math.Abs(float64(c[i]-gc[i]))))
	}
	t.Logf("%d points: largest error %.2g against float64, largest difference from the Sin/Cos ops %.2g", len(xs), worst, worstOp)
}

// TestSinCosGradient checks that SinCos can be differentiated (the networks' training steps
// differentiate through their embeddings) and that its derivatives are cos and −sin.
func TestSinCosGradient(t *testing.T) {
	backend := xlatest.Backend(t)
	xs := make([]float32, 2001)
	for i := range xs {
		xs[i] = float32(i-1000) * 0.05
	}
	outs := MustExecOnceN(backend, func(x *Node) []*Node {
		s, c := SinCos(x)
		return []*Node{Gradient(ReduceAllSum(s), x)[0], Gradient(ReduceAllSum(c), x)[0]}
	}, tensors.FromFlatDataAndDimensions(xs, len(xs)))
	ds, dc := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
	for i, x := range xs {
		if math.Abs(float64(ds[i])-math.Cos(float64(x))) > 1e-6 || math.Abs(float64(dc[i])+math.Sin(float64(x))) > 1e-6 {
			t.Fatalf("x = %v: d sin = %v (want %v), d cos = %v (want %v)", x, ds[i], math.Cos(float64(x)), dc[i], -math.Sin(float64(x)))
		}
	}
}
