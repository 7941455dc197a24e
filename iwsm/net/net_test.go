package net

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/iwsm-go/iwsm/xla"
)

// rotation returns a 3-D rotation matrix from three angles.
func rotation(a, b, c float64) [3][3]float64 {
	rz := [3][3]float64{{math.Cos(a), -math.Sin(a), 0}, {math.Sin(a), math.Cos(a), 0}, {0, 0, 1}}
	ry := [3][3]float64{{math.Cos(b), 0, math.Sin(b)}, {0, 1, 0}, {-math.Sin(b), 0, math.Cos(b)}}
	rx := [3][3]float64{{1, 0, 0}, {0, math.Cos(c), -math.Sin(c)}, {0, math.Sin(c), math.Cos(c)}}
	mul := func(p, q [3][3]float64) (r [3][3]float64) {
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				for k := 0; k < 3; k++ {
					r[i][j] += p[i][k] * q[k][j]
				}
			}
		}
		return
	}
	return mul(mul(rz, ry), rx)
}

func TestEGNNIsEquivariant(t *testing.T) {
	backend, err := gobackend.New(xla.GoBackendOptions)
	if err != nil {
		t.Fatal(err)
	}
	const B, n, s = 3, 5, 3
	net := EGNN{Particles: n, SpatialDim: s, Hidden: 16, Layers: 2}
	store := model.NewStore()
	exec := model.MustNewExec(backend, store, func(scope *model.Scope, x, tt *Node) *Node {
		return net.Score(scope, x, tt)
	})
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, B*n*s)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	times := []float64{0.1, 0.5, 0.9}
	run := func(x []float64) []float64 {
		out := exec.MustCall1(tensors.FromFlatDataAndDimensions(x, B, n*s), tensors.FromFlatDataAndDimensions(times, B))
		return tensors.MustCopyFlatData[float64](out)
	}
	s1 := run(x)
	R := rotation(0.3, -1.1, 2.0)
	shift := [3]float64{1.5, -2, 0.7}
	perm := rng.Perm(n)
	transform := func(v []float64, translate bool) []float64 {
		out := make([]float64, len(v))
		for b := 0; b < B; b++ {
			for i := 0; i < n; i++ {
				src := v[(b*n+perm[i])*s : (b*n+perm[i]+1)*s]
				for k := 0; k < 3; k++ {
					acc := 0.0
					for j := 0; j < 3; j++ {
						acc += R[k][j] * src[j]
					}
					if translate {
						acc += shift[k]
					}
					out[(b*n+i)*s+k] = acc
				}
			}
		}
		return out
	}
	s2 := run(transform(x, true))
	want := transform(s1, false)
	nonzero := 0.0
	for i := range want {
		if math.Abs(s2[i]-want[i]) > 1e-9 {
			t.Fatalf("component %d: score of transformed input %v, transformed score %v", i, s2[i], want[i])
		}
		nonzero += math.Abs(want[i])
	}
	if nonzero == 0 {
		t.Fatal("score is identically zero: the test would not detect anything")
	}
	// The score has no centre-of-mass component.
	for b := 0; b < B; b++ {
		for k := 0; k < s; k++ {
			sum := 0.0
			for i := 0; i < n; i++ {
				sum += s1[(b*n+i)*s+k]
			}
			if math.Abs(sum) > 1e-9 {
				t.Errorf("batch %d axis %d: centre of mass of the score is %v", b, k, sum)
			}
		}
	}
}

func TestMLPShape(t *testing.T) {
	backend, _ := gobackend.New(xla.GoBackendOptions)
	out := model.MustExecOnce(backend, model.NewStore(), func(scope *model.Scope, x, tt *Node) *Node {
		return DefaultMLP().Score(scope, x, tt)
	}, [][]float32{{0.1, 0.2}, {0.3, -0.4}}, []float32{0.2, 0.7})
	if got := out.Shape().Dimensions; len(got) != 2 || got[0] != 2 || got[1] != 2 {
		t.Fatalf("MLP output shape %v, want [2 2]", got)
	}
}
