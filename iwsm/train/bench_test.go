package train

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/preset"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/iwsm-go/iwsm/iwsm/estimator"
	"github.com/iwsm-go/iwsm/iwsm/net"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla"
)

// benchBackend is the backend IWSM_BACKEND selects (the Go backend unless a PJRT plugin is
// installed), so the same benchmarks measure XLA where it is present.
func benchBackend(b *testing.B) compute.Backend {
	backend, err := xla.Backend()
	if err != nil {
		b.Fatal(err)
	}
	if backend == nil {
		backend, err = xla.NewGoBackend()
		if err != nil {
			b.Fatal(err)
		}
	}
	return backend
}

// gaussianRows returns n rows of N(0, scale² I) (centre of mass removed for particles):
// a stand-in replay buffer of the right shape for timing.
func gaussianRows(t *target.Target, n int, scale float64, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, t.Dim)
		for j := range rows[i] {
			rows[i][j] = scale * rng.NormFloat64()
		}
		if t.IsParticleSystem() {
			target.RemoveCentreOfMass(rows[i], t.Particles, t.SpatialDim)
		}
	}
	return rows
}

func flat32(rows [][]float64) []float32 {
	out := make([]float32, 0, len(rows)*len(rows[0]))
	for _, r := range rows {
		for _, v := range r {
			out = append(out, float32(v))
		}
	}
	return out
}

// benchmarkPaper times, at a target's paper configuration (batch size, K, network, a full
// replay buffer of BufferSize samples), the three costs of "iwsm":
//   - step: one training step (batch draw, Monte Carlo estimator, buffer proposal density,
//     weights, network forward/backward, Adam), what scripts/peer_torch.py does in PyTorch;
//   - step_one_piece, for a preset whose steps run in pieces (Config.StepPieces; LJ-55):
//     the same step in one piece, to show what the pieces cost in time;
//   - estimator: one call of the K-sample Monte Carlo estimator on a batch;
//   - sde_step: one reverse-SDE step for SamplesPerEpoch samples (a sampling run takes
//     IntegrationSteps of them).
//
// `make bench` runs these next to the PyTorch peer and prints the ratios.
func benchmarkPaper(b *testing.B, name string) {
	backend := benchBackend(b)
	tg, err := target.ByName(name)
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := preset.ByName(name, "iwsm", "paper")
	if err != nil {
		b.Fatal(err)
	}
	// filled is a trainer of c with a full replay buffer of Gaussian rows.
	filled := func(b *testing.B, c config.Config) *Trainer {
		tr, err := New(backend, tg, c)
		if err != nil {
			b.Fatal(err)
		}
		tr.addToBuffer(gaussianRows(tg, c.BufferSize, 0.5*c.SigmaMax, 1))
		return tr
	}
	tr := filled(b, cfg)

	b.Run("step", func(b *testing.B) {
		timeCalls(b, func() error { _, err := tr.GradientStep(); return err })
	})
	if cfg.StepPieces > 1 { // what the pieces cost in time: the same step in one piece
		b.Run("step_one_piece", func(b *testing.B) {
			one := cfg
			one.StepPieces = 0
			whole := filled(b, one)
			timeCalls(b, func() error { _, err := whole.GradientStep(); return err })
		})
	}

	b.Run("estimator", func(b *testing.B) {
		sig := make([]float32, cfg.BatchSize)
		for i := range sig {
			sig[i] = float32(tr.sde.Schedule.Sigma(float64(i+1) / float64(len(sig))))
		}
		benchEstimator(b, backend, tg, cfg.K, cfg.MaxScoreNorm, 0.5*cfg.SigmaMax, sig)
	})

	b.Run("sde_step", func(b *testing.B) {
		n := cfg.SamplesPerEpoch
		x := tensors.FromFlatDataAndDimensions(flat32(gaussianRows(tg, n, cfg.SigmaMax, 4)), n, tg.Dim)
		timeCalls(b, func() error {
			out, err := tr.sampling.Step(x, float32(0.5), float32(1.0/float64(cfg.IntegrationSteps)), float32(0))
			if err == nil {
				out.MustFinalizeAll()
			}
			return err
		})
	})
}

// benchEstimator times one K-sample Monte Carlo estimator call on len(sigmas) points of tg
// drawn from N(0, scale² I), the i-th at noise level sigmas[i].
func benchEstimator(b *testing.B, backend compute.Backend, tg *target.Target, K int, maxNorm, scale float64, sigmas []float32) {
	B, d := len(sigmas), tg.Dim
	exec, err := NewExec(backend, func(xt, sigma, z *Node) []*Node {
		score, logp := estimator.MonteCarlo(tg, xt, sigma, z, maxNorm)
		return []*Node{score, logp}
	})
	if err != nil {
		b.Fatal(err)
	}
	xt := tensors.FromFlatDataAndDimensions(flat32(gaussianRows(tg, B, scale, 2)), B, d)
	sigma := tensors.FromFlatDataAndDimensions(sigmas, B)
	z := tensors.FromFlatDataAndDimensions(flat32(gaussianRows(tg, B*K, 1, 3)), B, K, d)
	timeCalls(b, func() error {
		outs, err := exec.Call(xt, sigma, z)
		for _, o := range outs {
			o.MustFinalizeAll()
		}
		return err
	})
}

func BenchmarkPaperGMM40(b *testing.B) { benchmarkPaper(b, "gmm40") }
func BenchmarkPaperDW4(b *testing.B)   { benchmarkPaper(b, "dw4") }
func BenchmarkPaperLJ13(b *testing.B)  { benchmarkPaper(b, "lj13") }
func BenchmarkPaperLJ55(b *testing.B)  { benchmarkPaper(b, "lj55") }

// benchmarkEpoch times one outer round (buffer refresh by reverse SDE + 10 gradient steps)
// at a target's cpu budget: what a notebook's progress bar advances by.
func benchmarkEpoch(b *testing.B, name string, method string) {
	backend := benchBackend(b)
	tg, err := target.ByName(name)
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := preset.ByName(name, method, "cpu")
	if err != nil {
		b.Fatal(err)
	}
	cfg.StepsPerEpoch = 10
	tr, err := New(backend, tg, cfg)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tr.Epoch(); err != nil { // compile graphs and fill the buffer
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tr.Epoch(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEpochGMM40IWSM(b *testing.B) { benchmarkEpoch(b, "gmm40", "iwsm") }
func BenchmarkEpochGMM40IDEM(b *testing.B) { benchmarkEpoch(b, "gmm40", "idem") }
func BenchmarkEpochDW4IWSM(b *testing.B)   { benchmarkEpoch(b, "dw4", "iwsm") }

// BenchmarkScaling shows how the cost grows with the three sizes that set it (`make
// bench-scaling` prints the table):
//   - estimator/dw4/K=…: one Monte Carlo estimator call on DW-4 at batch 512, K from 100 to 1000;
//   - step/dw4/batch=…: one "iwsm" training step on DW-4 (paper network, K = 1000), batch 64 to 512;
//   - step/lj/particles=…: one "iwsm" training step on an n-particle LJ system (EGNN 5 × 128,
//     batch 64, K = 100), n from 8 to 26: the EGNN's edges grow as n².
func BenchmarkScaling(b *testing.B) {
	backend := benchBackend(b)
	dw4 := target.DW4()
	for _, K := range []int{100, 250, 500, 1000} {
		b.Run(fmt.Sprintf("estimator/dw4/K=%d", K), func(b *testing.B) {
			sig := make([]float32, 512)
			for i := range sig {
				sig[i] = float32(0.01 + 3*float64(i)/float64(len(sig)))
			}
			benchEstimator(b, backend, dw4, K, 20, 1.5, sig)
		})
	}
	step := func(b *testing.B, tg *target.Target, mutate func(*config.Config)) {
		cfg, err := preset.ByName("dw4", "iwsm", "paper")
		if err != nil {
			b.Fatal(err)
		}
		mutate(&cfg)
		tr, err := New(backend, tg, cfg)
		if err != nil {
			b.Fatal(err)
		}
		tr.addToBuffer(gaussianRows(tg, cfg.BufferSize, 1, 1))
		timeCalls(b, func() error { _, err := tr.GradientStep(); return err })
	}
	for _, B := range []int{64, 128, 256, 512} {
		b.Run(fmt.Sprintf("step/dw4/batch=%d", B), func(b *testing.B) {
			step(b, dw4, func(c *config.Config) { c.BatchSize = B })
		})
	}
	for _, n := range []int{8, 13, 19, 26} {
		b.Run(fmt.Sprintf("step/lj/particles=%d", n), func(b *testing.B) {
			lj := target.LJ(n)
			step(b, lj, func(c *config.Config) {
				c.Target, c.BatchSize, c.K, c.BufferSize = lj.Name, 64, 100, 2048
				c.EGNN = net.EGNN{Particles: n, SpatialDim: 3, Hidden: 128, Layers: 5}
			})
		})
	}
}

// timeCalls runs call once untimed (compilation) and then b.N times.
func timeCalls(b *testing.B, call func() error) {
	if err := call(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchTable runs scripts/bench_table.py's self-test: the go test -bench and peer output it
// parses, every ratio of results/bench.json against a hand computation, the table's cells and
// the JSON keys (make bench's report, which nothing else in the suite runs).
func TestBenchTable(t *testing.T) {
	script, err := filepath.Abs(filepath.Join("..", "..", "scripts", "bench_table.py"))
	if err != nil {
		t.Fatal(err)
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3 is needed to test %s: %v", script, err)
		}
		t.Skip("python3 not found: cannot test scripts/bench_table.py")
	}
	out, err := exec.Command(python, script, "--self-test").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --self-test: %v\n%s", script, err, out)
	}
}
