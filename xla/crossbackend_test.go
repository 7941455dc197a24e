package xla_test

// Cross-backend tests: the same graphs, fed the same inputs and the same noise, must give the
// same numbers on GoMLX's pure-Go backend and on XLA's CPU plugin, to float32 tolerance.
//
// The noise is drawn on the host and fed in because the graph RNG is not the same generator
// on the two backends: compute's Go backend fills RNGBitGenerator with math/rand/v2's PCG,
// XLA with Philox, so the same seed gives different draws and trainer steps that draw their
// noise in the graph (train.Trainer.Step) cannot agree number for number.
//
// Tolerances: float32 has a relative precision of 6e-8. XLA fuses, reorders reductions and
// uses its own polynomial exp/log; the Go backend rounds after every op. Measured here the
// energies differed by ≤ 3e-5 relative (GMM-40; ≤ 1e-6 for DW-4 and LJ-13), the estimator by
// ≤ 1e-5; the bounds below are a few times the measured differences, far below anything a
// wrong graph (a dropped term, a transposed axis, a wrong constant) produces.

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/iwsm-go/iwsm/iwsm/estimator"
	"github.com/iwsm-go/iwsm/iwsm/net"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/sde"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/iwsm/train"
	"github.com/iwsm-go/iwsm/xla"
)

// backends returns the Go backend and the XLA CPU backend, or skips the test when no CPU
// plugin is installed.
func backends(t *testing.T) (goB, xlaB compute.Backend) {
	t.Helper()
	if !slices.Contains(xla.InstalledPlugins(), "cpu") {
		t.Skip("no XLA CPU plugin installed (make install puts the pinned one into .venv): cross-backend test skipped")
	}
	var err error
	if goB, err = xla.NewGoBackend(); err != nil {
		t.Fatal(err)
	}
	xlaB, c, err := xla.New("xla:cpu!", false, nil)
	if err != nil {
		t.Fatalf("the CPU plugin is installed but does not start: %v", err)
	}
	t.Logf("%s; plugin %s", c, c.Plugin)
	t.Cleanup(func() { goB.Finalize() })
	return goB, xlaB
}

func normals(rng *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(scale * rng.NormFloat64())
	}
	return v
}

// configs returns B configurations of tg in the sampler's coordinates: draws of the mixture
// for GMM-40, and for particle systems a grid of spacing `spacing` with small noise (so that no
// pair is closer than the energy's repulsive core makes sensible).
func configs(tg *target.Target, rng *rand.Rand, B int) []float32 {
	if tg.Mixture != nil {
		var flat []float32
		for _, r := range tg.Mixture.Sample(rng, B) {
			for _, v := range r {
				flat = append(flat, float32(v+0.3*rng.NormFloat64()))
			}
		}
		return flat
	}
	spacing := 1.1 // LJ minimum at 2^(1/6) ≈ 1.12
	if tg.Name == "dw4" {
		spacing = 3.5 // DW-4 minimum near 4
	}
	flat := make([]float32, 0, B*tg.Dim)
	side := int(math.Ceil(math.Cbrt(float64(tg.Particles))))
	for range B {
		for p := range tg.Particles {
			c := []int{p % side, (p / side) % side, p / (side * side)}
			for k := range tg.SpatialDim {
				flat = append(flat, float32(spacing*float64(c[k])+0.08*rng.NormFloat64()))
			}
		}
	}
	return flat
}

// maxRelDiff is max_i |a_i - b_i| / max(1, |b_i|), NaN if any value is NaN.
func maxRelDiff(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		d := math.Abs(float64(a[i])-float64(b[i])) / math.Max(1, math.Abs(float64(b[i])))
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return math.NaN()
		}
		m = math.Max(m, d)
	}
	return m
}

// maxRowRelDiff is the largest ‖a_i − b_i‖ / max(1, ‖b_i‖) over the rows of width d (NaN if
// any row's is not finite).
func maxRowRelDiff(a, b []float32, d int) float64 {
	m := 0.0
	for i := 0; i+d <= len(a); i += d {
		diff, norm := 0.0, 0.0
		for j := i; j < i+d; j++ {
			diff += (float64(a[j]) - float64(b[j])) * (float64(a[j]) - float64(b[j]))
			norm += float64(b[j]) * float64(b[j])
		}
		r := math.Sqrt(diff) / math.Max(1, math.Sqrt(norm))
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return math.NaN()
		}
		m = math.Max(m, r)
	}
	return m
}

func crossTargets(t *testing.T) []*target.Target {
	gmm, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	return []*target.Target{gmm, target.DW4(), target.LJ(13)}
}

// TestCrossBackendEnergies: E(x) and ∇E(x) of GMM-40, DW-4 and LJ-13 agree between go and
// xla:cpu.
func TestCrossBackendEnergies(t *testing.T) {
	goB, xlaB := backends(t)
	for _, tg := range crossTargets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			const B = 32
			x := configs(tg, rand.New(rand.NewPCG(1, 2)), B)
			run := func(b compute.Backend) (e, grad []float32) {
				exec := MustNewExec(b, func(x *Node) (*Node, *Node) {
					e := tg.Energy(x)
					return e, Gradient(ReduceAllSum(e), x)[0]
				})
				out := exec.MustExec(tensors.FromFlatDataAndDimensions(x, B, tg.Dim))
				return tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])
			}
			eGo, gGo := run(goB)
			eX, gX := run(xlaB)
			// GMM-40 works in x/50 with component std 1/50: its quadratic terms reach 1e3, so
			// float32 rounding of them alone is ~1e-4 of E.
			if d := maxRelDiff(eX, eGo); !(d <= 1e-4) {
				t.Errorf("energies differ by %.3g relative (go %v, xla %v)", d, eGo[:4], eX[:4])
			}
			// Gradients row by row, relative to the row's norm: a mixture's ∇E is a weighted
			// sum of (x − μ_k)/s², whose small components are differences of nearly equal
			// float32 terms, so one component's own relative error says nothing (it reached
			// 1.03e-4 under load where the row's stayed far below).
			if d := maxRowRelDiff(gX, gGo, tg.Dim); !(d <= 1e-4) {
				t.Errorf("energy gradients differ by %.3g of the row's norm", d)
			}
			if slices.Equal(eGo, make([]float32, B)) {
				t.Fatal("all energies are 0: the test compares nothing")
			}
		})
	}
}

// TestCrossBackendMonteCarlo: the K-sample estimator of the noised score and log-density
// (estimator.MonteCarlo), fed the same z, agrees between go and xla:cpu.
func TestCrossBackendMonteCarlo(t *testing.T) {
	goB, xlaB := backends(t)
	for _, tg := range crossTargets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			const B, K = 16, 128
			rng := rand.New(rand.NewPCG(3, 4))
			x := configs(tg, rng, B)
			z := normals(rng, B*K*tg.Dim, 1)
			sigma := make([]float32, B)
			for i := range sigma {
				sigma[i] = float32(0.01 * math.Pow(50, float64(i)/B)) // 0.01 .. 0.5
			}
			run := func(b compute.Backend) (score, logp []float32) {
				exec := MustNewExec(b, func(x, sigma, z *Node) (*Node, *Node) {
					return estimator.MonteCarlo(tg, x, sigma, z, 0)
				})
				out := exec.MustExec(tensors.FromFlatDataAndDimensions(x, B, tg.Dim),
					tensors.FromFlatDataAndDimensions(sigma, B), tensors.FromFlatDataAndDimensions(z, B, K, tg.Dim))
				return tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])
			}
			sGo, lGo := run(goB)
			sX, lX := run(xlaB)
			// The score is compared row-wise, relative to the row's norm: its components
			// are differences of large, nearly cancelling terms.
			worst := 0.0
			for i := range B {
				a, b := sX[i*tg.Dim:(i+1)*tg.Dim], sGo[i*tg.Dim:(i+1)*tg.Dim]
				diff, norm := 0.0, 0.0
				for j := range a {
					diff += math.Pow(float64(a[j]-b[j]), 2)
					norm += float64(b[j]) * float64(b[j])
				}
				worst = math.Max(worst, math.Sqrt(diff)/math.Max(1, math.Sqrt(norm)))
			}
			if !(worst <= 1e-4) {
				t.Errorf("scores differ by %.3g relative to their norm", worst)
			}
			if d := maxRelDiff(lX, lGo); !(d <= 1e-4) {
				t.Errorf("log-densities differ by %.3g relative (go %v, xla %v)", d, lGo[:3], lX[:3])
			}
		})
	}
}

// TestCrossBackendTrainingStep takes one IWSM gradient step on GMM-40 as train's step does
// (stratified noise levels, x_t = x_0 + σ z, the Monte Carlo regression target, buffer
// importance weights per level, the MLP's weighted score-matching loss, global gradient norm,
// Adam), with the noise fed in and the same initial variables on both backends, then
// evaluates the loss again after the update. Loss, gradient norm and the loss after the step
// must agree.
func TestCrossBackendTrainingStep(t *testing.T) {
	goB, xlaB := backends(t)
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	const B, G, K, N = 64, 4, 64, 256
	d := tg.Dim
	// σ ≥ 0.01 here: estimator.BufferLogDensity expands ‖x−b‖² = ‖x‖² − 2x·b + ‖b‖², whose
	// float32 rounding (~6e-8·‖x‖²) divided by 2σ² swamps the log-density below σ ≈ 1e-3
	// (at GMM-40's σ_min = 1e-5 the two backends' log q differed by hundreds): the weights are
	// then rounding noise on either backend, which no tolerance can compare.
	sched := sde.Geometric{SigmaMin: 1e-2, SigmaMax: 1}
	mlp := net.MLP{Hidden: 64, Layers: 2, EmbedSize: 32, CoordScale: 25, TimeScale: 1}
	rng := rand.New(rand.NewPCG(5, 6))
	buffer := configs(tg, rng, N)
	x0 := buffer[:B*d]
	eps := normals(rng, B*d, 1)
	z := normals(rng, B*K*d, 1)
	u := make([]float32, G)
	for i := range u {
		u[i] = float32(rng.Float64())
	}
	step := func(scope *model.Scope, x0, buffer, eps, z, u *Node) []*Node {
		g := x0.Graph()
		tg0 := DivScalar(Add(Iota(g, u.Shape(), 0), u), G)
		tt := Reshape(BroadcastToDims(InsertAxes(tg0, 1), G, B/G), B)
		sigma := sched.SigmaNode(tt)
		xt := Add(x0, Mul(InsertAxes(sigma, -1), eps))
		score, logp := estimator.MonteCarlo(tg, xt, sigma, z, 70)
		logq := estimator.BufferLogDensity(xt, sigma, buffer, estimator.EffectiveDim(tg))
		w := estimator.GroupedSelfNormalisedWeights(Sub(logp, logq), G)
		perPoint := ReduceMean(Square(Sub(mlp.Score(scope.In("score"), xt, tt), score)), -1)
		loss := ReduceAllMean(Mul(StopGradient(w), perPoint))
		grads := scope.BuildTrainableVariablesGradientsGraph(loss)
		sq := ScalarZero(g, loss.DType())
		for _, gr := range grads {
			sq = Add(sq, ReduceAllSum(Square(gr)))
		}
		opt := optimizer.Adam().LearningRate(1e-3).Done()
		opt.(interface {
			UpdateGraphWithGradients(*model.Scope, []*Node, dtypes.DType)
		}).UpdateGraphWithGradients(scope, grads, loss.DType())
		return []*Node{loss, Sqrt(sq)}
	}
	inputs := func() []any { // fresh tensors per backend: a tensor is bound to one backend
		return []any{
			tensors.FromFlatDataAndDimensions(x0, B, d), tensors.FromFlatDataAndDimensions(buffer, N, d),
			tensors.FromFlatDataAndDimensions(eps, B, d), tensors.FromFlatDataAndDimensions(z, B, K, d),
			tensors.FromFlatDataAndDimensions(u, G),
		}
	}
	// Initial variables: created (randomly) on the Go backend, then copied, so that both
	// backends start from the same network.
	goStore := model.NewStore()
	init := model.MustNewExec(goB, goStore, func(scope *model.Scope, x, tt *Node) *Node {
		return mlp.Score(scope.In("score"), x, tt)
	})
	init.MustCall1(tensors.FromFlatDataAndDimensions(x0, B, d), tensors.FromFlatDataAndDimensions(make([]float32, B), B))
	xlaStore, err := goStore.Clone()
	if err != nil {
		t.Fatal(err)
	}
	for v := range xlaStore.IterVariables() {
		v.MustValue().ToLocal() // detach the copies from the Go backend
	}
	run := func(b compute.Backend, store *model.Store) (loss, gnorm, after float32) {
		exec := model.MustNewExec(b, store, step)
		out := exec.MustCall(inputs()...)
		loss, gnorm = out[0].Value().(float32), out[1].Value().(float32)
		out = exec.MustCall(inputs()...)
		return loss, gnorm, out[0].Value().(float32)
	}
	lGo, nGo, aGo := run(goB, goStore)
	lX, nX, aX := run(xlaB, xlaStore)
	t.Logf("loss %v → %v, grad norm %v (go); %v → %v, %v (xla:cpu)", lGo, aGo, nGo, lX, aX, nX)
	rel := func(a, b float32) float64 { return math.Abs(float64(a-b)) / math.Abs(float64(b)) }
	if !(rel(lX, lGo) <= 1e-4) || !(rel(nX, nGo) <= 1e-4) || !(rel(aX, aGo) <= 1e-4) {
		t.Errorf("the step differs: loss %v vs %v, gradient norm %v vs %v, loss after the update %v vs %v (xla:cpu vs go)",
			lX, lGo, nX, nGo, aX, aGo)
	}
	if !(aGo < lGo) {
		t.Errorf("the Adam step did not lower the loss on the Go backend (%v → %v): the step compares nothing", lGo, aGo)
	}
}

// TestTrainerStepOnXLA runs train.New, one epoch and a few Trainer steps on xla:cpu: the
// trainer's own graphs compile and run there and give finite, positive losses. (They draw
// their noise with the graph RNG, which differs between the backends, so their numbers are
// compared in TestCrossBackendTrainingStep instead, with the noise fed in; IWSM's GMM-40
// losses are too heavy-tailed for a statistical comparison of a few steps.)
func TestTrainerStepOnXLA(t *testing.T) {
	_, xlaB := backends(t)
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := preset.ByName("gmm40", "iwsm", "smoke")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Epochs = 1
	tr, err := train.New(xlaB, tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Epoch(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		st, err := tr.GradientStep()
		if err != nil || !st.Finite || !(st.Loss > 0) || len(st.Weights) != cfg.BatchSize {
			t.Fatalf("step %d on xla:cpu: %v (loss %v, finite %v, %d weights)", i, err, st.Loss, st.Finite, len(st.Weights))
		}
	}
}
