package sde

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// TestNormalIsRandomNormal checks that normal draws the same numbers as GoMLX's
// RandomNormal from the same random state (the same stream, to float32 rounding of the
// cosine) and leaves the state where RandomNormal leaves it, on the test backend.
func TestNormalIsRandomNormal(t *testing.T) {
	backend := xlatest.Backend(t)
	shape := shapes.Make(dtypes.Float32, 64, 50, 3)
	draw := func(ours bool) (first, second []float32) {
		store := model.NewStore()
		if err := store.SetRNGStateFromSeed(7); err != nil {
			t.Fatal(err)
		}
		exec := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
			if ours {
				return Add(normal(scope, x.Graph(), shape), x)
			}
			return Add(scope.RandomNormal(x.Graph(), shape), x)
		})
		zero := tensors.FromScalar(float32(0))
		first = tensors.MustCopyFlatData[float32](exec.MustCall1(zero))
		second = tensors.MustCopyFlatData[float32](exec.MustCall1(zero)) // the state advanced alike
		return first, second
	}
	a1, a2 := draw(true)
	b1, b2 := draw(false)
	worst := 0.0
	for i := range a1 {
		for _, p := range [][2]float32{{a1[i], b1[i]}, {a2[i], b2[i]}} {
			d := math.Abs(float64(p[0] - p[1]))
			worst = math.Max(worst, d)
			if d > 1e-6*(1+math.Abs(float64(p[1]))) {
				t.Fatalf("draw %d: normal %v, RandomNormal %v", i, p[0], p[1])
			}
		}
	}
	if a1[0] == a2[0] && a1[1] == a2[1] {
		t.Fatal("the random state did not advance between calls")
	}
	t.Logf("largest difference %.2g over %d draws", worst, 2*len(a1))
}
