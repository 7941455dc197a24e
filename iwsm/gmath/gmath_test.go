package gmath

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/iwsm-go/iwsm/xla"
)

func TestLogSumExpClipAndRemoveMean(t *testing.T) {
	b, err := xla.NewGoBackend()
	if err != nil {
		t.Fatal(err)
	}
	// Large values overflow a naive exp; -Inf entries must be ignored.
	x := [][]float64{{1000, 1001, 999}, {-3, math.Inf(-1), 0.5}}
	out := tensors.MustCopyFlatData[float64](MustExecOnce(b, func(x *Node) *Node { return LogSumExp(x, 1) }, x))
	for i, row := range x {
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, v)
		}
		s := 0.0
		for _, v := range row {
			s += math.Exp(v - mx)
		}
		if want := mx + math.Log(s); math.Abs(out[i]-want) > 1e-12 {
			t.Errorf("row %d: LogSumExp %v, want %v", i, out[i], want)
		}
	}
	// Gradient of LogSumExp is softmax.
	g := tensors.MustCopyFlatData[float64](MustExecOnce(b, func(x *Node) *Node {
		return Gradient(ReduceAllSum(LogSumExp(x, 0)), x)[0]
	}, []float64{0, math.Log(3)}))
	if math.Abs(g[0]-0.25) > 1e-12 || math.Abs(g[1]-0.75) > 1e-12 {
		t.Errorf("gradient %v, want softmax [0.25 0.75]", g)
	}
	clipped := tensors.MustCopyFlatData[float64](MustExecOnce(b, func(x *Node) *Node { return ClipByNorm(x, 5) },
		[][]float64{{3, 4}, {30, 40}, {0, 0}}))
	want := []float64{3, 4, 3, 4, 0, 0}
	for i := range want {
		if math.Abs(clipped[i]-want[i]) > 1e-12 {
			t.Fatalf("ClipByNorm = %v, want %v", clipped, want)
		}
	}
	centred := tensors.MustCopyFlatData[float64](MustExecOnce(b, func(x *Node) *Node { return RemoveMean(x, 3, 2) },
		[][]float64{{1, 2, 3, 4, 5, 9}}))
	want = []float64{-2, -3, 0, -1, 2, 4}
	for i := range want {
		if math.Abs(centred[i]-want[i]) > 1e-12 {
			t.Fatalf("RemoveMean = %v, want %v", centred, want)
		}
	}
}
