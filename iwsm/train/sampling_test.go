package train

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/graph"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// iDEM's first buffer: prior draws for particle systems (variance σ_max² on the
// zero-centre-of-mass subspace: σ_max² (n-1)/n per coordinate), Monte Carlo score SDE
// samples for GMM-40 (most of them near a mode, where prior draws almost never are).
func TestInitialBuffer(t *testing.T) {
	backend := xlatest.Backend(t)
	dw := target.DW4()
	cfg, _ := preset.ByName("dw4", "iwsm", "smoke")
	tr, err := New(backend, dw, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := tr.initialSamples(2000)
	if err != nil {
		t.Fatal(err)
	}
	ms := 0.0
	for _, r := range rows {
		for _, v := range r {
			ms += v * v
		}
	}
	ms /= float64(len(rows) * dw.Dim)
	if want := cfg.SigmaMax * cfg.SigmaMax * 3 / 4; math.Abs(ms-want) > 0.05*want {
		t.Errorf("DW-4 initial buffer: mean square %.3f, want %.3f (prior draws)", ms, want)
	}

	gmm, _ := target.GMM40()
	gcfg, _ := preset.ByName("gmm40", "iwsm", "smoke")
	gtr, err := New(backend, gmm, gcfg)
	if err != nil {
		t.Fatal(err)
	}
	samples, err := gtr.initialSamples(300)
	if err != nil {
		t.Fatal(err)
	}
	near := 0
	for _, s := range samples {
		k := gmm.Mixture.Component(s)
		mu := gmm.Mixture.Means[k]
		if math.Hypot(s[0]-mu[0], s[1]-mu[1]) < 3*gmm.Mixture.Std {
			near++
		}
	}
	if frac := float64(near) / float64(len(samples)); frac < 0.5 {
		t.Errorf("GMM-40 initial buffer: %.2f of the Monte Carlo-score SDE samples lie within 3 std of a mode, want > 0.5", frac)
	}
}

// The reverse-SDE step's noise is scaled by DiffusionScale and nothing else changes: with
// the same seed, the difference of the steps with scales 1 and 0.5 is half the noise, whose
// variance is g(t)² dt on the zero-centre-of-mass subspace.
func TestDiffusionScale(t *testing.T) {
	backend := xlatest.Backend(t)
	dw := target.DW4()
	cfg, _ := preset.ByName("dw4", "iwsm", "smoke")
	half := cfg
	half.DiffusionScale = 0.5
	n, d := 4000, dw.Dim
	x := make([]float32, n*d)
	for i := range x {
		x[i] = float32(i%7) * 0.3
	}
	step := func(c config.Config) []float32 {
		tr, err := New(backend, dw, c)
		if err != nil {
			t.Fatal(err)
		}
		out, err := tr.sampling.Step(tensors.FromFlatDataAndDimensions(x, n, d), float32(0.5), float32(0.01), float32(0))
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](out)
	}
	a, b := step(cfg), step(half)
	v := 0.0
	for i := range a {
		diff := float64(a[i] - b[i]) // = 0.5 · noise
		v += diff * diff
	}
	v /= float64(len(a))
	sched := cfg.SigmaMax * math.Pow(cfg.SigmaMin/cfg.SigmaMax, 0.5) // σ(0.5)
	g2dt := sched * sched * 2 * math.Log(cfg.SigmaMax/cfg.SigmaMin) * 0.01
	if want := 0.25 * g2dt * 3 / 4; math.Abs(v-want) > 0.05*want {
		t.Errorf("variance of the noise difference %.4g, want %.4g", v, want)
	}
}

// LJ-55's negative-time steps are small gradient-descent steps on the energy: every
// configuration's energy goes down and no particle moves more than 1e-4 · MaxScoreNorm.
func TestNegativeTimeStepsDescend(t *testing.T) {
	backend := xlatest.Backend(t)
	lj := target.LJ(13)
	cfg, _ := preset.ByName("lj13", "iwsm", "smoke")
	tr, err := New(backend, lj, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := target.LJ(13).ReferenceSet()
	if err != nil {
		t.Fatal(err)
	}
	rows := ref[:50]
	x := make([]float32, 0, len(rows)*lj.Dim)
	for _, r := range rows {
		for _, v := range r {
			x = append(x, float32(v))
		}
	}
	neg, err := graph.NewExec(backend, tr.sde.NegativeTimeStep)
	if err != nil {
		t.Fatal(err)
	}
	out, err := neg.Call1(tensors.FromFlatDataAndDimensions(x, len(rows), lj.Dim))
	if err != nil {
		t.Fatal(err)
	}
	y := tensors.MustCopyFlatData[float32](out)
	moved := make([][]float64, len(rows))
	for i := range rows {
		moved[i] = make([]float64, lj.Dim)
		step := 0.0
		for j := range moved[i] {
			moved[i][j] = float64(y[i*lj.Dim+j])
			step += (moved[i][j] - rows[i][j]) * (moved[i][j] - rows[i][j])
		}
		if math.Sqrt(step) > 1e-4*cfg.MaxScoreNorm*1.001 {
			t.Fatalf("row %d moved %.3g, more than 1e-4 · %g", i, math.Sqrt(step), cfg.MaxScoreNorm)
		}
	}
	before, _ := target.Energies(backend, lj, rows)
	after, _ := target.Energies(backend, lj, moved)
	for i := range before {
		if !(after[i] < before[i]) {
			t.Errorf("row %d: energy %.6g after the step, %.6g before", i, after[i], before[i])
		}
	}
}

// A buffer refresh in which some new samples diverge adds the others, counts the ones left out
// for the epoch's statistics, and goes on. Here the energy is ‖x‖² for x₀ < 3 and NaN beyond
// (0·log(3 − x₀)): the Monte Carlo score is NaN where all K noised copies of a point land in
// the NaN half, so the first buffer's reverse SDE loses the prior draws (σ_max = 3) that are
// still there when σ_t has shrunk.
func TestBufferRefreshLeavesOutDivergedSamples(t *testing.T) {
	backend := xlatest.Backend(t)
	halfNaN := target.New("half-nan", 2, func(x *graph.Node) *graph.Node {
		x0 := graph.Squeeze(graph.SliceAxis(x, -1, graph.AxisElem(0)), -1)
		return graph.Add(graph.ReduceSum(graph.Square(x), -1), graph.MulScalar(graph.Log(graph.Neg(graph.AddScalar(x0, -3))), 0))
	})
	cfg, err := preset.For(halfNaN, "idem", "smoke")
	if err != nil {
		t.Fatal(err)
	}
	cfg.InitFromPrior, cfg.AugmentFraction = false, 0
	cfg.IntegrationSteps, cfg.InitialSamples = 20, 400
	tr, err := New(backend, halfNaN, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.refreshBuffer(); err != nil {
		t.Fatalf("first buffer with diverging samples: %v", err)
	}
	added, dropped := tr.BufferLen(), tr.droppedSamples
	if added+dropped != cfg.InitialSamples || dropped < cfg.InitialSamples/20 || added < cfg.InitialSamples/5 {
		t.Fatalf("%d samples added and %d left out of %d; want both parts and nothing else lost",
			added, dropped, cfg.InitialSamples)
	}
	for i, v := range tr.buffer {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("buffer value %d is %v", i, v)
		}
	}
	t.Logf("%d of %d samples left out", dropped, cfg.InitialSamples)
}
