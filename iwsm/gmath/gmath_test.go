package gmath

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

func TestLogSumExpClipAndRemoveMean(t *testing.T) {
	b := xlatest.Backend(t)
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

// TestInBatchChunksMatchesWholeBatch compares a chunked row-wise function with the same
// function on the whole batch, for a batch that does not divide evenly, and checks the
// chunk indices f is called with.
func TestInBatchChunksMatchesWholeBatch(t *testing.T) {
	b := xlatest.Backend(t)
	const B, d = 11, 3
	x := make([]float64, B*d)
	for i := range x {
		x[i] = math.Sin(float64(i)) * 3
	}
	rowWise := func(x, y *Node) []*Node { // two outputs of different ranks
		return []*Node{LogSumExp(Mul(x, y), 1), Add(Square(x), y)}
	}
	for _, chunks := range []int{1, 2, 4, 6} {
		var calls []int
		exec := MustNewExec(b, func(x *Node) []*Node {
			calls = nil
			return InBatchChunks(chunks, []*Node{x, AddScalar(x, 1)}, func(c int, in []*Node) []*Node {
				calls = append(calls, c)
				return rowWise(in[0], in[1])
			})
		})
		whole := MustNewExec(b, func(x *Node) []*Node { return rowWise(x, AddScalar(x, 1)) })
		in := tensors.FromFlatDataAndDimensions(x, B, d)
		got, want := exec.MustExec(in), whole.MustExec(in)
		for o := range want {
			g, w := tensors.MustCopyFlatData[float64](got[o]), tensors.MustCopyFlatData[float64](want[o])
			if len(g) != len(w) {
				t.Fatalf("chunks=%d output %d: %d values, want %d", chunks, o, len(g), len(w))
			}
			for i := range w {
				if math.Abs(g[i]-w[i]) > 1e-12*math.Max(1, math.Abs(w[i])) {
					t.Fatalf("chunks=%d output %d [%d]: %v, whole batch %v", chunks, o, i, g[i], w[i])
				}
			}
		}
		wantCalls := chunks
		if chunks < 2 || B < 2*chunks {
			wantCalls = 1
		}
		if len(calls) != wantCalls || calls[0] != 0 || calls[len(calls)-1] != wantCalls-1 {
			t.Errorf("chunks=%d: f called with chunks %v, want 0..%d", chunks, calls, wantCalls-1)
		}
	}
}

// AppendFlat32 and Rows are each other's inverse on float32-representable rows, row-major.
func TestFlatRows(t *testing.T) {
	rows := [][]float64{{1, 2.5, -3}, {0.25, 5, 6}}
	flat := AppendFlat32([]float32{9}, rows)
	if want := []float32{9, 1, 2.5, -3, 0.25, 5, 6}; !slices.Equal(flat, want) {
		t.Fatalf("AppendFlat32 = %v, want %v", flat, want)
	}
	back := Rows(flat[1:], 3)
	if len(back) != 2 || !slices.Equal(back[0], rows[0]) || !slices.Equal(back[1], rows[1]) {
		t.Errorf("Rows = %v, want %v", back, rows)
	}
}

// TestMaterialiseIsIdentity checks that Materialise returns its inputs bit for bit (finite
// values of every magnitude, signed zeros aside), whatever their shapes, on the test backend.
func TestMaterialiseIsIdentity(t *testing.T) {
	backend := xlatest.Backend(t)
	rng := rand.New(rand.NewPCG(5, 6))
	a, b := make([]float32, 7*3*2), make([]float32, 7)
	for i := range a {
		a[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(60)-30)))
	}
	for i := range b {
		b[i] = float32(rng.NormFloat64())
	}
	outs := MustExecOnceN(backend, func(a, b *Node) []*Node {
		m := Materialise(a, b)
		return []*Node{m[0], m[1], Materialise(b)[0]}
	}, tensors.FromFlatDataAndDimensions(a, 7, 3, 2), tensors.FromFlatDataAndDimensions(b, 7))
	for k, want := range [][]float32{a, b, b} {
		got := tensors.MustCopyFlatData[float32](outs[k])
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("output %d, value %d: %v, want %v", k, i, got[i], want[i])
			}
		}
	}
}
