package oracle

import (
	"io"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/estimator"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/sampler"
	"github.com/iwsm-go/iwsm/iwsm/sde"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// chunkElements bounds the points × K × (components or particle pairs) of one reverse step,
// so that a large K (10,000) samples in pieces of a few hundred MB.
const chunkElements = 1 << 24

// Sampler draws samples with the Monte Carlo score: cfg's reverse SDE (its steps, diffusion
// scale, negative-time steps and score clipping max_score_norm, 0 for none as the code's
// oracle) with the K = cfg.K sample estimate of the score (estimator.MonteCarlo).
type Sampler struct {
	Target *target.Target
	Config config.Config
	gen    *sde.Generator
	rng    *rand.Rand
	// EnergyEvaluations and GradientEvaluations count the points at which the samples so far
	// evaluated E and ∇E: K per sample and SDE step, and one per negative-time step.
	EnergyEvaluations, GradientEvaluations int64
}

// New compiles the oracle of cfg on t (cfg is checked by config.Config.Validate).
func New(backend compute.Backend, t *target.Target, cfg config.Config) (*Sampler, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if t.Name != cfg.Target {
		return nil, errors.Errorf("oracle: config is for target %q but got %q", cfg.Target, t.Name)
	}
	if cfg.Devices > 1 {
		return nil, errors.Errorf("the oracle runs on one device: devices=%d is for the diffusion methods' data-parallel training", cfg.Devices)
	}
	if err := target.CheckEnergy(backend, t); err != nil {
		return nil, err
	}
	s := &Sampler{Target: t, Config: cfg, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x0ac1e))}
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(cfg.Seed); err != nil {
		return nil, errors.Wrap(err, "seeding the graph RNG")
	}
	reverse := &sde.SDE{Schedule: sde.Geometric{SigmaMin: cfg.SigmaMin, SigmaMax: cfg.SigmaMax}, Target: t,
		Steps: cfg.IntegrationSteps, DiffusionScale: cfg.DiffusionScale,
		NegativeTimeSteps: cfg.NegativeTimeSteps, MaxScoreNorm: cfg.MaxScoreNorm}
	score := func(scope *model.Scope, x, tt *Node) *Node {
		n, d := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
		z := reverse.Noise(scope, x.Graph(), shapes.Make(x.DType(), n, cfg.K, d))
		sc, _ := estimator.MonteCarlo(t, x, reverse.Schedule.SigmaNode(tt), z, cfg.MaxScoreNorm)
		return sc
	}
	var err error
	if s.gen, err = sde.NewGenerator(backend, store, reverse, score); err != nil {
		return nil, errors.WithMessage(err, "the oracle's reverse SDE")
	}
	return s, nil
}

// Init does nothing: the oracle has no state but its random streams.
func (s *Sampler) Init() error { return nil }

// Step is never called: the oracle has no steps (Progress).
func (s *Sampler) Step() (sampler.Info, error) {
	return sampler.Info{}, errors.New("the Monte Carlo oracle has no steps: it trains nothing")
}

// Progress is (0, 0): nothing to run before sampling.
func (s *Sampler) Progress() (done, total int) { return 0, 0 }

// Samples integrates the reverse SDE with the Monte Carlo score for n samples (sampler
// coordinates), in pieces small enough for the estimator's [points, K, ...] terms. Samples that
// diverge are left out and reported, numbered among the n, by a *sde.NonFiniteError.
func (s *Sampler) Samples(n int) ([][]float64, error) {
	if n <= 0 {
		return nil, errors.Errorf("number of samples must be positive, got %d", n)
	}
	perPoint := s.Config.K * max(s.Target.Dim, 1)
	if s.Target.IsParticleSystem() {
		perPoint = s.Config.K * s.Target.Particles * s.Target.Particles
	} else if s.Target.Mixture != nil {
		perPoint = s.Config.K * len(s.Target.Mixture.Means)
	}
	chunk := max(1, min(n, chunkElements/perPoint))
	var out [][]float64
	var dropped []int // samples that diverged, numbered among the n drawn
	for drawn := 0; drawn < n; drawn += chunk {
		m := min(chunk, n-drawn)
		rows, err := s.gen.Generate(m, s.rng)
		var nonFinite *sde.NonFiniteError
		if errors.As(err, &nonFinite) {
			for _, i := range nonFinite.Samples {
				dropped = append(dropped, drawn+i)
			}
		} else if err != nil {
			return nil, errors.WithMessagef(err, "oracle samples %d to %d", drawn, drawn+m)
		}
		out = append(out, rows...)
		c := s.Config
		s.EnergyEvaluations += int64(m) * (int64(c.IntegrationSteps)*int64(c.K) + int64(c.NegativeTimeSteps))
		s.GradientEvaluations = s.EnergyEvaluations
	}
	if len(dropped) > 0 {
		return out, &sde.NonFiniteError{Samples: dropped, Total: n}
	}
	return out, nil
}

// Save writes the configuration into dir: the oracle has no other state to resume.
func (s *Sampler) Save(dir string) error { return rundir.WriteConfig(dir, s.Config) }

// Report records the evaluation counts.
func (s *Sampler) Report(rec *rundir.Record) {
	rec.EnergyEvaluations, rec.GradientEvaluations = s.EnergyEvaluations, s.GradientEvaluations
}

// Kind is the oracle's sampler.Kind ("oracle"), a reference for the trained methods.
var Kind = sampler.Kind{Name: "oracle", Role: sampler.Reference,
	Description: "reference: the reverse SDE driven by the K-sample Monte Carlo score itself, no network (K = 1000)",
	New: func(backend compute.Backend, t *target.Target, cfg config.Config) (sampler.Sampler, error) {
		return New(backend, t, cfg)
	},
	Resume: func(backend compute.Backend, t *target.Target, cfg config.Config, _ string, _ io.Writer) (sampler.Sampler, error) {
		return New(backend, t, cfg)
	},
}
