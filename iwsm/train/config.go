// Package train runs IWSM and its baseline iDEM: a replay buffer of the sampler's own
// samples, outer rounds that generate new samples with the reverse SDE, inner gradient
// steps on the (importance-weighted) score-matching loss, checkpoints and resume.
package train

import (
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/net"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// Method selects the loss.
type Method string

const (
	// IWSM weights each point's score-matching error by the self-normalised importance
	// weight p_t(x_t)/p_{B,t}(x_t) (arXiv 2505.19431).
	IWSM Method = "iwsm"
	// IDEM is iDEM (arXiv 2402.06121): the same loss with all weights equal.
	IDEM Method = "idem"
)

// Budgets are the named run sizes: smoke (seconds, what CI runs), cpu (fits a laptop) and
// paper (iDEM's published settings, meant for XLA on a GPU).
var Budgets = []string{"smoke", "cpu", "paper"}

// Config is everything that determines a run; together with the seed it makes a run
// reproducible. It is written as config.json next to the results.
type Config struct {
	Target string `json:"target"`
	Method Method `json:"method"`
	Budget string `json:"budget"`
	Seed   int64  `json:"seed"`

	SigmaMin float64 `json:"sigma_min"` // geometric VE schedule
	SigmaMax float64 `json:"sigma_max"`
	// K is the number of Monte Carlo samples of the score/density estimator.
	K int `json:"k"`
	// MaxScoreNorm clips the estimated score's norm (iDEM: 70 for GMM, 20 for particles).
	MaxScoreNorm float64 `json:"max_score_norm"`
	// LambdaH weights the loss at time t by λ(t) = σ(t)² + 1e-3 (iDEM's GMM setting)
	// instead of 1.
	LambdaH bool `json:"lambda_h"`

	BatchSize int `json:"batch_size"`
	// TimeGroups is the number of stratified noise levels per batch; BatchSize/TimeGroups
	// points share each level and IWSM's weights are self-normalised per level (see
	// estimator.GroupedSelfNormalisedWeights).
	TimeGroups       int     `json:"time_groups"`
	BufferSize       int     `json:"buffer_size"`
	InitialSamples   int     `json:"initial_samples"`
	SamplesPerEpoch  int     `json:"samples_per_epoch"`
	StepsPerEpoch    int     `json:"steps_per_epoch"`
	Epochs           int     `json:"epochs"`
	IntegrationSteps int     `json:"integration_steps"`
	LearningRate     float64 `json:"learning_rate"`
	// GradClip clips the global gradient norm (iDEM/Lightning: 0.5); <= 0 disables it.
	GradClip float64 `json:"grad_clip"`
	// InitFromPrior fills the first replay buffer with prior draws N(0, σ_max² I) (iDEM's
	// particle systems); otherwise with reverse-SDE samples that use the clipped Monte Carlo
	// score estimate instead of the untrained network (iDEM's GMM setting).
	InitFromPrior bool `json:"init_from_prior"`
	// DiffusionScale multiplies the noise of each reverse-SDE step (iDEM: 1 for GMM and
	// DW-4, 0.9 for LJ-13, 0.5 for LJ-55); the drift is unchanged.
	DiffusionScale float64 `json:"diffusion_scale"`
	// NegativeTimeSteps gradient steps x ← x + 10⁻⁴ clip(-∇E(x)) follow the reverse SDE
	// (iDEM's LJ-55 "negative time": 10).
	NegativeTimeSteps int `json:"negative_time_steps"`
	// ValidateEvery: every this many epochs the unweighted score-matching loss on noised
	// validation samples (iDEM's val/loss; see target.ValidationSamples) is recorded in the
	// history and drives the learning-rate schedule (iDEM: check_val_every_n_epoch 10). 0
	// disables validation; targets without validation samples monitor the mean training loss
	// of the last ValidateEvery epochs instead.
	ValidateEvery int `json:"validate_every"`
	// ValidationSamples is the number of validation samples (iDEM: eval_batch_size ≈ 1000).
	ValidationSamples int `json:"validation_samples"`
	// LRFactor and LRPatience configure ReduceLROnPlateau on the validation loss (iDEM: 0.1
	// and 10 checks, PyTorch's relative threshold 1e-4); LRPatience 0 disables the schedule.
	LRFactor   float64 `json:"lr_factor"`
	LRPatience int     `json:"lr_patience"`
	// CheckpointEvery saves a checkpoint every this many epochs (and always at the end).
	CheckpointEvery int `json:"checkpoint_every"`
	// EvalSamples is the number of samples generated at the end for metrics.
	EvalSamples int `json:"eval_samples"`

	// Net is the score network of low-dimensional targets; EGNN that of particle systems.
	Net  net.MLP  `json:"net"`
	EGNN net.EGNN `json:"egnn"`
}

// DefaultConfig returns the configuration of a target at a named budget. The paper budget
// uses iDEM's published settings (see ../shared/DESIGN.md); cpu and smoke shrink the number
// of epochs, integration steps and K to fit 2 CPU cores.
func DefaultConfig(targetName string, method Method, budget string) (Config, error) {
	c := Config{Target: targetName, Method: method, Budget: budget, Seed: 12345,
		BufferSize: 10000, InitialSamples: 1024, SamplesPerEpoch: 1000, StepsPerEpoch: 100,
		BatchSize: 512, TimeGroups: 16, IntegrationSteps: 1000, LearningRate: 1e-3, GradClip: 0.5, K: 1000,
		MaxScoreNorm: 20, CheckpointEvery: 10, EvalSamples: 1000, Net: net.DefaultMLP(), Epochs: 1000,
		DiffusionScale: 1, ValidateEvery: 10, ValidationSamples: 1024, LRFactor: 0.1, LRPatience: 10}
	switch targetName {
	case "gmm40", "gmm120":
		c.SigmaMin, c.SigmaMax, c.K, c.MaxScoreNorm, c.LambdaH, c.LearningRate = 1e-5, 1, 500, 70, true, 5e-4
	case "dw4":
		c.SigmaMin, c.SigmaMax, c.InitFromPrior = 1e-5, 3, true
		c.EGNN = net.EGNN{Particles: 4, SpatialDim: 2, Hidden: 128, Layers: 3}
	case "lj13":
		c.SigmaMin, c.SigmaMax, c.InitFromPrior, c.DiffusionScale = 0.01, 2, true, 0.9
		c.EGNN = net.EGNN{Particles: 13, SpatialDim: 3, Hidden: 128, Layers: 5}
	case "lj55":
		c.SigmaMin, c.SigmaMax, c.K, c.BatchSize, c.SamplesPerEpoch, c.Epochs = 0.5, 4, 100, 128, 128, 2000
		c.InitFromPrior, c.DiffusionScale, c.NegativeTimeSteps = true, 0.5, 10
		c.EGNN = net.EGNN{Particles: 55, SpatialDim: 3, Hidden: 128, Layers: 5}
	default:
		return c, errors.Errorf("no training configuration for target %q: built-in configurations exist for "+
			"gmm40, gmm120, dw4, lj13 and lj55", targetName)
	}
	switch budget {
	case "paper":
	case "cpu":
		c.Epochs, c.StepsPerEpoch, c.IntegrationSteps, c.K, c.BatchSize = 60, 50, 200, min(c.K, 200), min(c.BatchSize, 256)
		c.CheckpointEvery = 5
		if c.EGNN.Particles > 0 {
			// Sampling dominates an epoch of a particle system on 2 cores (one reverse-SDE
			// step of the EGNN per sample and step), so fewer samples and steps per epoch.
			c.EGNN.Hidden, c.Epochs, c.K = 64, 30, min(c.K, 100)
			c.SamplesPerEpoch, c.IntegrationSteps = 500, 100
		}
	case "smoke":
		c.Epochs, c.StepsPerEpoch, c.IntegrationSteps, c.K, c.BatchSize = 3, 10, 50, 64, 128
		c.InitialSamples, c.SamplesPerEpoch, c.EvalSamples, c.CheckpointEvery = 256, 256, 500, 1
		c.Net.Hidden, c.Net.EmbedSize = 64, 32
		c.EGNN.Hidden, c.EGNN.Layers = 32, 2
		c.K = min(c.K, 64)
		if c.EGNN.Particles > 20 {
			// LJ-55: the EGNN's 55² edges make one reverse-SDE step of one sample cost ~40 ms
			// on the Go backend (2 cores), so the smoke run stays at about a minute.
			c.Epochs, c.StepsPerEpoch, c.IntegrationSteps, c.K, c.BatchSize, c.TimeGroups = 2, 3, 10, 16, 32, 4
			c.InitialSamples, c.SamplesPerEpoch, c.EvalSamples = 32, 32, 32
		}
	default:
		return c, errors.Errorf("unknown budget %q: use smoke, cpu or paper", budget)
	}
	switch method {
	case IWSM, IDEM:
	default:
		return c, errors.Errorf("unknown method %q: use iwsm or idem", method)
	}
	return c, nil
}

// ConfigFor returns the configuration of target t at a named budget: the built-in one for
// the paper's targets, and for a user-defined target iDEM's generic settings with σ from
// 1e-3 to 3 and an MLP whose coordinate embedding suits |x| up to about 10 (fit for
// densities whose modes lie within a few units of the origin: set SigmaMax to about the
// target's diameter, as iDEM does, for wider ones) and, for particle systems, an EGNN sized
// to the particles.
func ConfigFor(t *target.Target, method Method, budget string) (Config, error) {
	if t == nil {
		return Config{}, errors.New("ConfigFor: target is nil")
	}
	if c, err := DefaultConfig(t.Name, method, budget); err == nil {
		return c, nil
	}
	c, err := DefaultConfig("dw4", method, budget) // the generic settings, then adapted
	if err != nil {
		return c, err
	}
	c.Target, c.SigmaMin, c.SigmaMax = t.Name, 1e-3, 3
	c.InitFromPrior, c.DiffusionScale, c.NegativeTimeSteps = t.IsParticleSystem(), 1, 0
	// iDEM's coordinate embedding (scale 25) is tuned to GMM-40's x/50 coordinates (|x| < 1);
	// for targets a few units wide a scale of 2.5 gives the same range of phases.
	c.Net.CoordScale = 2.5
	if t.IsParticleSystem() {
		c.EGNN.Particles, c.EGNN.SpatialDim = t.Particles, t.SpatialDim
	} else {
		c.EGNN = net.EGNN{}
	}
	return c, nil
}

// Validate reports impossible settings with the name of the offending field.
func (c Config) Validate(t *target.Target) error {
	check := func(ok bool, format string, args ...any) error {
		if ok {
			return nil
		}
		return errors.Errorf("invalid training configuration: "+format, args...)
	}
	for _, err := range []error{
		check(c.Method == IWSM || c.Method == IDEM, "method %q (use iwsm or idem)", c.Method),
		check(c.SigmaMin > 0 && c.SigmaMax > c.SigmaMin, "need 0 < sigma_min < sigma_max, got %g, %g", c.SigmaMin, c.SigmaMax),
		check(c.K > 0, "k (Monte Carlo samples) must be positive, got %d", c.K),
		check(c.BatchSize > 0, "batch_size must be positive, got %d", c.BatchSize),
		check(c.TimeGroups > 0 && c.BatchSize%c.TimeGroups == 0, "time_groups (%d) must be positive and divide batch_size (%d)", c.TimeGroups, c.BatchSize),
		check(c.InitialSamples >= c.BatchSize, "initial_samples (%d) must be at least batch_size (%d): the batch is drawn from the buffer", c.InitialSamples, c.BatchSize),
		check(c.BufferSize >= c.InitialSamples, "buffer_size (%d) must hold the initial_samples (%d)", c.BufferSize, c.InitialSamples),
		check(c.SamplesPerEpoch > 0 && c.StepsPerEpoch > 0 && c.Epochs > 0, "samples_per_epoch, steps_per_epoch and epochs must be positive"),
		check(c.IntegrationSteps > 0, "integration_steps must be positive, got %d", c.IntegrationSteps),
		check(c.DiffusionScale > 0, "diffusion_scale must be positive, got %g", c.DiffusionScale),
		check(c.NegativeTimeSteps >= 0, "negative_time_steps must not be negative, got %d", c.NegativeTimeSteps),
		check(c.LearningRate > 0, "learning_rate must be positive, got %g", c.LearningRate),
		check(c.ValidateEvery >= 0, "validate_every must not be negative, got %d", c.ValidateEvery),
		check(c.ValidateEvery == 0 || c.ValidationSamples > 0, "validation_samples must be positive when validate_every is set, got %d", c.ValidationSamples),
		check(c.LRPatience >= 0, "lr_patience must not be negative, got %d", c.LRPatience),
		check(c.LRPatience == 0 || (c.LRFactor > 0 && c.LRFactor < 1), "lr_factor must lie in (0, 1) when lr_patience is set, got %g", c.LRFactor),
		check(c.LRPatience == 0 || c.ValidateEvery > 0, "lr_patience needs validate_every > 0 (the schedule acts on validation checks)"),
		check(c.EvalSamples > 0, "eval_samples must be positive, got %d", c.EvalSamples),
		check(c.Net.Hidden > 0 && c.Net.Layers > 0 && c.Net.EmbedSize >= 2, "network sizes must be positive"),
		check(t == nil || !t.IsParticleSystem() || (c.EGNN.Particles == t.Particles && c.EGNN.SpatialDim == t.SpatialDim &&
			c.EGNN.Hidden > 0 && c.EGNN.Layers > 0), "particle target %s needs an EGNN for %d particles in %dD, got %+v",
			nameOf(t), particlesOf(t), spatialOf(t), c.EGNN),
		check(t == nil || t.Name == c.Target, "config is for target %q but trainer got %q", c.Target, nameOf(t)),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

func nameOf(t *target.Target) string {
	if t == nil {
		return ""
	}
	return t.Name
}

func particlesOf(t *target.Target) int {
	if t == nil {
		return 0
	}
	return t.Particles
}

func spatialOf(t *target.Target) int {
	if t == nil {
		return 0
	}
	return t.SpatialDim
}
