package train

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/iwsm-go/iwsm/iwsm/estimator"
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
		backend, err = gobackend.New(xla.GoBackendOptions)
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
// replay buffer of BufferSize samples), the three costs of IWSM:
//   - step: one training step (batch draw, Monte Carlo estimator, buffer proposal density,
//     weights, network forward/backward, Adam), what scripts/peer_torch.py does in PyTorch;
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
	cfg, err := DefaultConfig(name, IWSM, "paper")
	if err != nil {
		b.Fatal(err)
	}
	tr, err := New(backend, tg, cfg)
	if err != nil {
		b.Fatal(err)
	}
	tr.addToBuffer(gaussianRows(tg, cfg.BufferSize, 0.5*cfg.SigmaMax, 1))

	b.Run("step", func(b *testing.B) {
		if _, err := tr.Step(); err != nil { // compiles the graph
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := tr.Step(); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("estimator", func(b *testing.B) {
		B, K, d := cfg.BatchSize, cfg.K, tg.Dim
		exec, err := NewExec(backend, func(xt, sigma, z *Node) []*Node {
			score, logp := estimator.MonteCarlo(tg, xt, sigma, z, cfg.MaxScoreNorm)
			return []*Node{score, logp}
		})
		if err != nil {
			b.Fatal(err)
		}
		xt := tensors.FromFlatDataAndDimensions(flat32(gaussianRows(tg, B, 0.5*cfg.SigmaMax, 2)), B, d)
		sig := make([]float32, B)
		for i := range sig {
			sig[i] = float32(tr.sched.Sigma(float64(i+1) / float64(B)))
		}
		sigma := tensors.FromFlatDataAndDimensions(sig, B)
		z := tensors.FromFlatDataAndDimensions(flat32(gaussianRows(tg, B*K, 1, 3)), B, K, d)
		call := func() {
			outs, err := exec.Call(xt, sigma, z)
			if err != nil {
				b.Fatal(err)
			}
			for _, o := range outs {
				o.MustFinalizeAll()
			}
		}
		call()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			call()
		}
	})

	b.Run("sde_step", func(b *testing.B) {
		n := cfg.SamplesPerEpoch
		x := tensors.FromFlatDataAndDimensions(flat32(gaussianRows(tg, n, cfg.SigmaMax, 4)), n, tg.Dim)
		call := func() {
			out, err := tr.sdeExec.Call1(x, float32(0.5), float32(1.0/float64(cfg.IntegrationSteps)), float32(0))
			if err != nil {
				b.Fatal(err)
			}
			out.MustFinalizeAll()
		}
		call()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			call()
		}
	})
}

func BenchmarkPaperGMM40(b *testing.B) { benchmarkPaper(b, "gmm40") }
func BenchmarkPaperDW4(b *testing.B)   { benchmarkPaper(b, "dw4") }
func BenchmarkPaperLJ13(b *testing.B)  { benchmarkPaper(b, "lj13") }
func BenchmarkPaperLJ55(b *testing.B)  { benchmarkPaper(b, "lj55") }

// benchmarkEpoch times one outer round (buffer refresh by reverse SDE + 10 gradient steps)
// at a target's cpu budget: what a notebook's progress bar advances by.
func benchmarkEpoch(b *testing.B, name string, method Method) {
	backend := benchBackend(b)
	tg, err := target.ByName(name)
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := DefaultConfig(name, method, "cpu")
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

func BenchmarkEpochGMM40IWSM(b *testing.B) { benchmarkEpoch(b, "gmm40", IWSM) }
func BenchmarkEpochGMM40IDEM(b *testing.B) { benchmarkEpoch(b, "gmm40", IDEM) }
func BenchmarkEpochDW4IWSM(b *testing.B)   { benchmarkEpoch(b, "dw4", IWSM) }
