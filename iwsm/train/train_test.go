package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/method"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/sampler"
	"github.com/iwsm-go/iwsm/xla/xlatest"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/gmath"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

func smokeConfig(t *testing.T, method string) config.Config {
	c, err := preset.ByName("gmm40", method, "smoke")
	if err != nil {
		t.Fatal(err)
	}
	c.Epochs, c.StepsPerEpoch, c.IntegrationSteps = 2, 5, 20
	return c
}

// gmm40Setup returns the Go backend and GMM-40, what most training tests run on.
func gmm40Setup(t *testing.T) (compute.Backend, *target.Target) {
	t.Helper()
	backend := xlatest.Backend(t)
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	return backend, tg
}

// Training must be reproducible from the seed, and a run interrupted after a checkpoint
// and resumed must end exactly where the uninterrupted run ends.
func TestResumeMatchesUninterruptedRun(t *testing.T) {
	backend, tg := gmm40Setup(t)
	cfg := smokeConfig(t, "iwsm")

	full, err := New(backend, tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := sampler.Run(full); err != nil {
		t.Fatal(err)
	}
	want, err := full.Samples(50)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	first, err := New(backend, tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.Epoch(); err != nil {
		t.Fatal(err)
	}
	if err := first.Save(dir); err != nil {
		t.Fatal(err)
	}
	resumed, err := Resume(backend, tg, dir)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.EpochsDone != 1 || resumed.BufferLen() != first.BufferLen() {
		t.Fatalf("resumed at epoch %d with %d buffer samples, want 1 and %d", resumed.EpochsDone, resumed.BufferLen(), first.BufferLen())
	}
	if err := sampler.Run(resumed); err != nil {
		t.Fatal(err)
	}
	got, err := resumed.Samples(50)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		for j := range want[i] {
			if math.Abs(want[i][j]-got[i][j]) > 1e-6 {
				t.Fatalf("sample %d differs after resume: %v vs %v", i, got[i], want[i])
			}
		}
	}
	if len(resumed.History) != 2 || !(resumed.History[1].ESS > 0 && resumed.History[1].ESS <= 1) {
		t.Errorf("history %+v: want 2 epochs with ESS in (0, 1]", resumed.History)
	}
}

func TestConfigErrors(t *testing.T) {
	tg, _ := target.GMM40()
	base := smokeConfig(t, "idem")
	for name, mutate := range map[string]func(*config.Config){
		"K=0":                    func(c *config.Config) { c.K = 0 },
		"negative sigma":         func(c *config.Config) { c.SigmaMin = -1 },
		"batch larger than init": func(c *config.Config) { c.BatchSize = c.InitialSamples + 1 },
		"time groups":            func(c *config.Config) { c.TimeGroups = 7 },
	} {
		c := base
		mutate(&c)
		if err := validate(c, method.IDEM, tg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := preset.ByName("gmm40", "iwsm", "huge"); err == nil {
		t.Error("unknown budget: no error")
	}
}

// A particle system trains end to end with the EGNN, and its samples stay on the
// zero-centre-of-mass subspace.
func TestDW4SmokeRunStaysMeanFree(t *testing.T) {
	backend := xlatest.Backend(t)
	cfg, err := preset.ByName("dw4", "iwsm", "smoke")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Epochs, cfg.StepsPerEpoch, cfg.IntegrationSteps = 1, 3, 10
	tr, err := New(backend, target.DW4(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := sampler.Run(tr); err != nil {
		t.Fatal(err)
	}
	samples, err := tr.Samples(20)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range samples {
		for k := 0; k < 2; k++ {
			com := 0.0
			for p := 0; p < 4; p++ {
				com += r[p*2+k]
			}
			if math.Abs(com) > 1e-4 {
				t.Fatalf("sample %d: centre of mass %v on axis %d", i, com/4, k)
			}
		}
	}
}

func TestConfigForUserTargets(t *testing.T) {
	plane := target.New("plane", 3, func(x *Node) *Node { return ReduceSum(Square(x), -1) })
	c, err := preset.For(plane, "iwsm", "cpu")
	if err != nil {
		t.Fatal(err)
	}
	if c.Target != "plane" || c.EGNN.Particles != 0 || c.SigmaMax != 3 || validate(c, method.IWSM, plane) != nil {
		t.Errorf("generic config %+v (validate: %v)", c, validate(c, method.IWSM, plane))
	}
	gas := target.NewParticles("gas", 5, 3, func(x *Node) *Node { return ReduceSum(Square(x), -1) })
	c, err = preset.For(gas, "idem", "smoke")
	if err != nil {
		t.Fatal(err)
	}
	if c.EGNN.Particles != 5 || c.EGNN.SpatialDim != 3 || validate(c, method.IDEM, gas) != nil {
		t.Errorf("particle config EGNN %+v (validate: %v)", c.EGNN, validate(c, method.IDEM, gas))
	}
	dw := target.DW4()
	c, _ = preset.For(dw, "iwsm", "paper")
	want, _ := preset.ByName("dw4", "iwsm", "paper")
	if c != want {
		t.Errorf("ConfigFor(dw4) differs from DefaultConfig")
	}
	if _, err := preset.For(plane, "iwsm", "huge"); err == nil {
		t.Error("unknown budget gave no error")
	}
}

// TestChunkedScoreMatchesWholeBatch checks the network evaluated in gmath.ParallelChunks
// pieces (the reverse-SDE step) against one piece, on the same variables: the pieces must
// share the first piece's variables, not create their own.
func TestChunkedScoreMatchesWholeBatch(t *testing.T) {
	backend := xlatest.Backend(t)
	for _, name := range []string{"gmm40", "dw4"} {
		tr, tg := smokeTrainer(t, backend, name)
		const B = 37 // not a multiple of the number of pieces
		x := make([]float32, B*tg.Dim)
		times := make([]float32, B)
		for i := range x {
			x[i] = float32(math.Sin(float64(i))) * 0.8
		}
		for i := range times {
			times[i] = float32(i+1) / B
		}
		eval := func(chunks int) []float32 {
			exec, err := model.NewExec(backend, tr.store, func(scope *model.Scope, x, t *Node) *Node {
				return tr.score(scope, x, t, chunks)
			})
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Exec1(tensors.FromFlatDataAndDimensions(x, B, tg.Dim), tensors.FromFlatDataAndDimensions(times, B))
			if err != nil {
				t.Fatal(err)
			}
			return tensors.MustCopyFlatData[float32](out)
		}
		nVars := func() (n int) {
			for range tr.store.IterVariables() {
				n++
			}
			return n
		}
		eval(1) // creates the variables; then give every weight a visible random value
		randomiseWeights(tr, rand.New(rand.NewPCG(1, 2)))
		whole := eval(1)
		before := nVars()
		chunked := eval(gmath.ParallelChunks)
		if after := nVars(); after != before {
			t.Errorf("%s: the chunked network created %d new variables", name, after-before)
		}
		// Tolerance: XLA compiles the pieces' loops differently (vector bodies and scalar
		// remainders, with and without fused multiply-adds), and the EGNN with these large
		// random weights amplifies the rounding differences to ~1e-5 relative; a piece with its
		// own variables would differ by O(1).
		for i := range whole {
			if d := math.Abs(float64(chunked[i] - whole[i])); d > 1e-4*(1+math.Abs(float64(whole[i]))) {
				t.Fatalf("%s [%d]: chunked score %v, whole batch %v", name, i, chunked[i], whole[i])
			}
		}
	}
}

// smokeTrainer is a trainer of "iwsm" at the smoke budget on the named built-in target.
func smokeTrainer(t *testing.T, backend compute.Backend, name string) (*Trainer, *target.Target) {
	t.Helper()
	cfg, err := preset.ByName(name, "iwsm", "smoke")
	if err != nil {
		t.Fatal(err)
	}
	tg, err := target.ByName(name)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := New(backend, tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr, tg
}

// randomiseWeights gives every trainable weight of tr a random value of scale 0.3, so that
// every part of the network visibly shapes its output (the EGNN starts with a near-zero gate).
func randomiseWeights(tr *Trainer, rng *rand.Rand) {
	for v := range tr.store.IterVariables() {
		if v.Trainable && v.Shape().DType.IsFloat() {
			vals := make([]float32, v.Shape().Size())
			for i := range vals {
				vals[i] = float32(0.3 * rng.NormFloat64())
			}
			v.MustSetValue(tensors.FromFlatDataAndDimensions(vals, v.Shape().Dimensions...))
		}
	}
}

// A training step's loss and gradients over StepPieces pieces of the batch, one after the
// other, are those of the whole batch: every trainable variable's gradient agrees to float32
// rounding, for the MLP (GMM-40) and the EGNN (DW-4), with a number of points that the pieces
// do not divide. A piece left out, counted twice or given its own variables would change the
// gradients by O(1) of their size.
func TestStepPiecesGiveTheWholeBatchGradients(t *testing.T) {
	backend := xlatest.Backend(t)
	for _, name := range []string{"gmm40", "dw4"} {
		tr, tg := smokeTrainer(t, backend, name)
		const P = 38 // points; 4 pieces of 9 or 10
		rng := rand.New(rand.NewPCG(3, 4))
		normal := func(n int, scale float64) []float32 {
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(scale * rng.NormFloat64())
			}
			return v
		}
		xt, target := normal(P*tg.Dim, 1), normal(P*tg.Dim, 2)
		times, sigma, weights := make([]float32, P), make([]float32, P), make([]float32, P)
		for i := range times {
			times[i] = float32(i+1) / P
			sigma[i] = float32(tr.sde.Schedule.Sigma(float64(times[i])))
			weights[i] = float32(0.5 + rng.Float64())
		}
		lossAndGrads := func(pieces int) [][]float32 {
			exec, err := model.NewExec(backend, tr.store, func(scope *model.Scope, xt, t, sigma, target, w *Node) []*Node {
				loss, grads := tr.weightedLossAndGradients(scope, xt, t, sigma, target, w, pieces)
				return append([]*Node{loss}, grads...)
			})
			if err != nil {
				t.Fatal(err)
			}
			outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(xt, P, tg.Dim), tensors.FromFlatDataAndDimensions(times, P),
				tensors.FromFlatDataAndDimensions(sigma, P), tensors.FromFlatDataAndDimensions(target, P, tg.Dim),
				tensors.FromFlatDataAndDimensions(weights, P))
			if err != nil {
				t.Fatal(err)
			}
			var vals [][]float32
			for _, o := range outs {
				vals = append(vals, tensors.MustCopyFlatData[float32](o))
			}
			return vals
		}
		lossAndGrads(1) // creates the variables; then give every weight a visible random value
		randomiseWeights(tr, rng)
		whole, pieces := lossAndGrads(1), lossAndGrads(4)
		if len(whole) != len(pieces) || len(whole) < 3 {
			t.Fatalf("%s: %d outputs with pieces, %d without", name, len(pieces), len(whole))
		}
		// Tolerance: relative to each output's largest entry, 1e-3. XLA compiles the pieces'
		// loops differently, and the EGNN with these large random weights amplifies the
		// rounding (xla:cpu: up to 4e-4 on DW-4, the Go backend 5e-7); a piece left out moves the
		// loss by ~25 %.
		worst := 0.0
		for k := range whole {
			size := 1e-30 // the output's largest entry: the scale of its rounding (some gradients are 0)
			for _, v := range whole[k] {
				size = math.Max(size, math.Abs(float64(v)))
			}
			for i := range whole[k] {
				d := math.Abs(float64(pieces[k][i]-whole[k][i])) / size
				if worst = math.Max(worst, d); d > 1e-3 {
					t.Fatalf("%s output %d [%d]: %v in 4 pieces, %v whole (largest entry %.3g)", name, k, i, pieces[k][i], whole[k][i], size)
				}
			}
		}
		t.Logf("%s: loss %v whole, %v in 4 pieces; %d gradients agree within %.2g of their largest entry",
			name, whole[0][0], pieces[0][0], len(whole)-1, worst)
	}
}
