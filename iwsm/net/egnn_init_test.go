package net

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// TestEGNNStartsAsIDEM checks the untrained LJ-13 EGNN (5 layers of 64, the cpu budget's)
// against iDEM's: every layer initialised as PyTorch's nn.Linear (weights and biases uniform
// in ±1/√fan_in, the edge MLP's first layer with the fan-in 2H+2 of its concatenated input),
// the last layer of φ_x as Xavier with gain 0.001; and, what that initialisation is for, a
// score near zero at every noise level, strongly noised LJ-13 configurations included
// (σ = 2: squared distances of tens). With GoMLX's default He initialisation the distance
// weights alone had a standard deviation of √2, and the score at σ = 2 had an rms of about
// 16 per coordinate: the data-trained LJ-13 run's loss started and stayed above a zero
// predictor's.
func TestEGNNStartsAsIDEM(t *testing.T) {
	backend := xlatest.Backend(t)
	const n, s, H, L = 13, 3, 64, 5
	cfg := EGNN{Particles: n, SpatialDim: s, Hidden: H, Layers: L}
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	exec := model.MustNewExec(backend, store, func(scope *model.Scope, x, tt *Node) *Node {
		return cfg.Score(scope, x, tt)
	})
	// Configurations: 13 particles on a cubic lattice of spacing 1.1 (LJ-13's distances),
	// noised with σ(t) of the cpu budget's schedule (0.01 to 2) at t = 0, 0.5 and 1.
	times := []float64{0, 0.5, 1, 1}
	B := len(times)
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float64, B*n*s)
	for b, tb := range times {
		sigma := 0.01 * math.Pow(200, tb)
		for i := 0; i < n; i++ {
			lattice := [3]float64{float64(i % 3), float64(i / 3 % 3), float64(i / 9)}
			for k := 0; k < s; k++ {
				x[(b*n+i)*s+k] = 1.1*lattice[k] + sigma*rng.NormFloat64()
			}
		}
	}
	out := exec.MustCall1(tensors.FromFlatDataAndDimensions(x, B, n*s), tensors.FromFlatDataAndDimensions(times, B))
	score := tensors.MustCopyFlatData[float64](out)
	for b, tb := range times {
		sq := 0.0
		for _, v := range score[b*n*s : (b+1)*n*s] {
			sq += v * v
		}
		// The denoising target −ε/σ has an rms of 1/σ ≥ 0.5 per coordinate: 0.05 is near 0.
		rms := math.Sqrt(sq / float64(n*s))
		t.Logf("t = %v: untrained score's rms per coordinate %.3g", tb, rms)
		if !(rms < 0.05) {
			t.Errorf("t = %v: untrained score has rms %.3g per coordinate, want near 0 (< 0.05)", tb, rms)
		}
	}

	// The initial values, layer by layer, against PyTorch's bounds computed here.
	fanIn := map[string]int{
		"embed": 32, "edge/from_i": 2*H + 2, "edge/from_j": 2*H + 2, "edge/from_dist": 2*H + 2,
		"edge/from_dist0": 2*H + 2, "edge/out": H, "attention": H, "coord/hidden": H, "node/hidden": 2 * H, "node/out": H,
	}
	checked := 0
	for v := range store.IterVariables() {
		if v.Shape().DType != dtypes.Float64 { // the random number generator's state
			continue
		}
		path := strings.TrimPrefix(v.Scope(), "/")
		if i := strings.Index(path, "/"); strings.HasPrefix(path, "layer_") && i > 0 {
			path = path[i+1:] // the layer's own name
		}
		path = strings.TrimSuffix(path, "/dense")
		var bound float64
		switch fi, ok := fanIn[path]; {
		case ok:
			bound = 1 / math.Sqrt(float64(fi))
		case path == "coord/out":
			bound = 0.001 * math.Sqrt(6/float64(H+1)) // Xavier uniform, gain 0.001, fan-out 1
		default:
			t.Errorf("variable %s/%s: not an EGNN layer this test knows", v.Scope(), v.Name())
			continue
		}
		tv, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		vals := tensors.MustCopyFlatData[float64](tv)
		largest := 0.0
		for _, a := range vals {
			largest = max(largest, math.Abs(a))
		}
		// Uniform in ±bound: none beyond it, and (for 64 or more values) the largest near it.
		if largest > bound || (len(vals) >= 64 && largest < 0.9*bound) {
			t.Errorf("%s/%s (%d values): largest |value| %.4g, want uniform in ±%.4g", v.Scope(), v.Name(), len(vals), largest, bound)
		}
		checked++
	}
	// Per layer 16: weights and biases of from_i, edge/out, attention, coord/hidden,
	// node/hidden and node/out, the weights of from_j, from_dist, from_dist0 and coord/out;
	// plus the embedding's 2.
	if want := 2 + L*16; checked != want {
		t.Errorf("checked %d variables, the EGNN has %d", checked, want)
	}
}
