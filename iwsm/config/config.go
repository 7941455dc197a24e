package config

import (
	"math"
	"slices"
	"strings"

	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/net"
)

// Budgets are the named run sizes: smoke (seconds, what CI runs), cpu (fits a laptop) and
// paper (iDEM's published settings, meant for XLA on a GPU).
var Budgets = []string{"smoke", "cpu", "paper"}

// CheckBudget reports an unknown budget name with the list of valid ones.
func CheckBudget(budget string) error {
	if !slices.Contains(Budgets, budget) {
		return errors.Errorf("unknown budget %q: use %s", budget, strings.Join(Budgets, ", "))
	}
	return nil
}

// Config is everything that determines a run; together with the seed it makes a run
// reproducible. It is written as config.json next to the results.
type Config struct {
	Target string `json:"target"`
	// Method names a training method of the method package ("iwsm", "idem", ...).
	Method string `json:"method"`
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
	// validation samples (iDEM's val/loss; see target.Target.Validation) is recorded in the
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
	// AugmentFraction of every buffer refresh (the first fill included) is drawn from a flat
	// distribution instead of the sampler: the replay-buffer augmentation the IWSM paper's
	// reviewers describe (OpenReview hvT2vfxD84, reviewer 3, question 10), so that the
	// proposal p_{B,t} covers regions the sampler has not reached. 0 (iDEM) disables it.
	AugmentFraction float64 `json:"augment_fraction"`
	// AugmentDistribution is the flat distribution, in the sampler's coordinates: "uniform"
	// on the box [-AugmentScale, AugmentScale]^d (the mixtures' box), or "gaussian",
	// N(0, AugmentScale² I) with the centre of mass removed for particle systems.
	AugmentDistribution string  `json:"augment_distribution"`
	AugmentScale        float64 `json:"augment_scale"`
	// SelectBestEvery, when positive, selects the model as iDEM's code reports its test
	// numbers: every this many steps the sampler draws EvalSamples samples, their x-W2 against
	// ValidationSamples validation samples of the target is computed, and the final samples
	// come from the state with the lowest (iDEM: ModelCheckpoint on val/2-Wasserstein, every
	// 10 epochs). The selection looks at samples of the target, so the numbers of such a run
	// are not those of a sampler that had only the energy; 0 (the default, left out of
	// config.json) scores the final state.
	SelectBestEvery int `json:"select_best_every,omitempty"`
	// CheckpointEvery saves a checkpoint every this many epochs (and always at the end).
	CheckpointEvery int `json:"checkpoint_every"`
	// EvalSamples is the number of samples generated at the end for metrics.
	EvalSamples int `json:"eval_samples"`

	// Devices is the number of devices a training step runs on (data parallel: the batch is
	// split over the devices, the network and optimiser state are copied on each, and XLA
	// sums the gradients; see train.Trainer). 0 and 1 both mean one device, the default, and
	// are left out of config.json. More than one needs an XLA backend with that many devices
	// (xla.ForDevices makes them from one CPU with the CPU plugin) and must divide batch_size
	// and time_groups. It does not change what is trained (the random draws are the same on
	// any number of devices; the sums are rounded differently), so a run may resume on
	// another number of devices, and it is not part of a run's label (Diff).
	Devices int `json:"devices,omitempty"`

	// StepPieces is the number of pieces of a training step's batch whose network passes
	// (forward and backward) run one after the other, their gradients summed: memory for the
	// network's activations divided by about StepPieces, at some speed (LJ-55's paper-size
	// step, whose EGNN edge activations fill 9.9 GB at once, uses 4). 0 and 1 both mean one
	// piece, and are left out of config.json. It does not change what is trained (the sums are
	// rounded differently), so, like Devices, it is not part of a run's label (Diff). A step
	// runs either in pieces or on several devices, not both.
	StepPieces int `json:"step_pieces,omitempty"`

	// Copies is the number L of noised copies of each buffer point a training step makes, at
	// one time t per point: the IWSM paper code's num_samples_to_snis, whose copy-wise
	// weights are self-normalised over the copies of a point (method iwsm-code). 0 (left out
	// of config.json) is one copy, as every other method trains.
	Copies int `json:"copies,omitempty"`
	// Denominator is log q of the copy-wise weights w ∝ p̂_t(x_t)/q(x_t): DenominatorAsCoded,
	// DenominatorOwnKernel or DenominatorBufferDensity (see there); used when Copies > 1.
	Denominator string `json:"denominator,omitempty"`
	// DenominatorDraws is the number M of fresh buffer draws of the as-coded denominator (the
	// code's num_samples_to_snis_denominator).
	DenominatorDraws int `json:"denominator_draws,omitempty"`

	// Net is the score network of low-dimensional targets; EGNN that of particle systems.
	Net  net.MLP  `json:"net"`
	EGNN net.EGNN `json:"egnn"`

	// PT holds the settings of the parallel-tempering baseline (method ParallelTempering);
	// nil for the diffusion methods, whose config.json therefore has no "pt" key.
	PT *PT `json:"pt,omitempty"`
}

// ParallelTempering names the parallel-tempering baseline (package pt): the one method that
// is not a diffusion loss, and whose settings are Config.PT.
const ParallelTempering = "pt"

// The moves of a parallel-tempering replica (PT.Move).
const (
	// MoveMALA is the Metropolis-adjusted Langevin algorithm: a gradient step on −βE plus
	// Gaussian noise, accepted with the Metropolis–Hastings ratio.
	MoveMALA = "mala"
	// MoveRWM is random-walk Metropolis: a Gaussian step, accepted with exp(−βΔE).
	MoveRWM = "rwm"
)

// PT configures replica-exchange Monte Carlo: Chains independent ladders of Temperatures
// replicas at temperatures T_l = MaxTemperature^{l/(Temperatures−1)} (geometric from 1; one
// temperature is plain Metropolis, the comparison that shows what the swaps buy),
// each sweep one move per replica and one round of neighbour swaps. The step sizes adapt
// towards TargetAcceptance during the BurnIn sweeps only; the samples are the T = 1 replicas'
// states at evenly spaced sweeps of the Sweeps that follow (Config.EvalSamples in all).
type PT struct {
	Chains         int     `json:"chains"`
	Temperatures   int     `json:"temperatures"`
	MaxTemperature float64 `json:"max_temperature"`
	Sweeps         int     `json:"sweeps"`
	BurnIn         int     `json:"burn_in"`
	// Move is MoveMALA or MoveRWM.
	Move string `json:"move"`
	// StepSize is the first step size (sampler coordinates) at T = 1; the replica at T starts
	// at StepSize·√T, and each temperature's step adapts on its own during burn-in.
	StepSize float64 `json:"step_size"`
	// TargetAcceptance is the acceptance rate the step sizes adapt to (0: 0.574 for MALA,
	// 0.234 for random-walk Metropolis, the optimal-scaling rates).
	TargetAcceptance float64 `json:"target_acceptance"`
}

// Validate reports impossible parallel-tempering settings, naming them as config.json does.
func (p PT) Validate(evalSamples int) error {
	check := func(ok bool, format string, args ...any) error {
		if ok {
			return nil
		}
		return errors.Errorf("invalid parallel-tempering configuration: "+format, args...)
	}
	samplesPerChain := (evalSamples + max(p.Chains, 1) - 1) / max(p.Chains, 1)
	for _, err := range []error{
		check(p.Chains > 0, "pt.chains must be positive, got %d", p.Chains),
		check(p.Temperatures >= 1, "pt.temperatures (the ladder's size) must be positive (1: plain Metropolis without swaps), got %d", p.Temperatures),
		check(p.Temperatures == 1 || (p.MaxTemperature > 1 && !math.IsInf(p.MaxTemperature, 0)), "pt.max_temperature must be finite and above 1, got %g", p.MaxTemperature),
		check(p.Sweeps > 0, "pt.sweeps (after burn-in) must be positive, got %d", p.Sweeps),
		check(p.BurnIn >= 0, "pt.burn_in must not be negative, got %d", p.BurnIn),
		check(p.Move == MoveMALA || p.Move == MoveRWM, "pt.move must be %q or %q, got %q", MoveMALA, MoveRWM, p.Move),
		check(p.StepSize > 0 && !math.IsInf(p.StepSize, 0), "pt.step_size must be positive and finite, got %g", p.StepSize),
		check(p.TargetAcceptance >= 0 && p.TargetAcceptance < 1, "pt.target_acceptance must lie in [0, 1) (0: the move's optimal rate), got %g", p.TargetAcceptance),
		check(samplesPerChain <= p.Sweeps, "pt.sweeps (%d) must be at least eval_samples/pt.chains (%d samples per chain, one per sweep at most)", p.Sweeps, samplesPerChain),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// Acceptance is the acceptance rate the step sizes adapt to: TargetAcceptance, or the move's
// optimal-scaling rate when it is 0.
func (p PT) Acceptance() float64 {
	switch {
	case p.TargetAcceptance > 0:
		return p.TargetAcceptance
	case p.Move == MoveRWM:
		return 0.234
	default:
		return 0.574
	}
}

// Ladder returns the temperatures T_l = MaxTemperature^{l/(Temperatures−1)}, l = 0 … L−1
// ([1] for a single temperature).
func (p PT) Ladder() []float64 {
	if p.Temperatures == 1 {
		return []float64{1}
	}
	out := make([]float64, p.Temperatures)
	for l := range out {
		out[l] = math.Pow(p.MaxTemperature, float64(l)/float64(p.Temperatures-1))
	}
	return out
}

// The denominators of the copy-wise weights (Config.Denominator).
const (
	// DenominatorAsCoded is what the IWSM paper's code computes (Wastedzz/DEM,
	// dem/models/dem_module.py at 6787b2c): the mean over M fresh uniform buffer draws x̃_m of
	// −‖x̃_m − x_t‖/(2σ_t), a norm rather than its square and σ rather than σ², averaged
	// rather than log-summed.
	DenominatorAsCoded = "as-coded"
	// DenominatorOwnKernel is the forward kernel of the copy's own buffer point,
	// log N(x_t; x_0, σ_t² I) (an earlier version of the same file): the proposal the copy
	// was drawn from.
	DenominatorOwnKernel = "own-kernel"
	// DenominatorBufferDensity is the whole buffer convolved with the forward kernel,
	// log p_{B,t}(x_t), the proposal our IWSM uses.
	DenominatorBufferDensity = "buffer-density"
)

// The flat distributions of the buffer augmentation (Config.AugmentDistribution).
const (
	AugmentUniform  = "uniform"
	AugmentGaussian = "gaussian"
)

// Validate reports impossible settings with the name of the offending field. What depends on
// the target (the network's particle count) and on the method registry (the method's name)
// is checked by the trainer, which knows both.
func (c Config) Validate() error {
	check := func(ok bool, format string, args ...any) error {
		if ok {
			return nil
		}
		return errors.Errorf("invalid training configuration: "+format, args...)
	}
	for _, err := range []error{
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
		check(c.CheckpointEvery > 0, "checkpoint_every must be positive, got %d", c.CheckpointEvery),
		check(c.AugmentFraction >= 0 && c.AugmentFraction < 1, "augment_fraction must lie in [0, 1), got %g", c.AugmentFraction),
		check(c.AugmentFraction == 0 || c.AugmentDistribution == AugmentUniform || c.AugmentDistribution == AugmentGaussian,
			"augment_distribution must be %q or %q, got %q", AugmentUniform, AugmentGaussian, c.AugmentDistribution),
		check(c.AugmentFraction == 0 || c.AugmentScale > 0, "augment_scale must be positive, got %g", c.AugmentScale),
		check(c.EvalSamples > 0, "eval_samples must be positive, got %d", c.EvalSamples),
		check(c.Net.Hidden > 0 && c.Net.Layers > 0 && c.Net.EmbedSize >= 2, "network sizes must be positive"),
		check(c.Method != ParallelTempering || c.PT != nil, "method %q needs its settings (the \"pt\" object of config.json)", ParallelTempering),
		check(c.Devices >= 0, "devices must not be negative, got %d", c.Devices),
		check(c.Devices <= 1 || c.BatchSize%c.Devices == 0,
			"devices (%d) must divide batch_size (%d): each device takes an equal share of the batch", c.Devices, c.BatchSize),
		check(c.Devices <= 1 || c.TimeGroups%c.Devices == 0,
			"devices (%d) must divide time_groups (%d): each device takes whole noise levels", c.Devices, c.TimeGroups),
		check(c.StepPieces >= 0, "step_pieces must not be negative, got %d", c.StepPieces),
		check(c.StepPieces <= 1 || c.Devices <= 1, "step_pieces (%d) and devices (%d): a step runs in pieces on one device; set one of them to 0", c.StepPieces, c.Devices),
		check(c.Copies >= 0, "copies must not be negative, got %d", c.Copies),
		check(c.SelectBestEvery >= 0, "select_best_every must not be negative, got %d", c.SelectBestEvery),
		check(c.SelectBestEvery == 0 || c.ValidationSamples > 0, "select_best_every needs validation_samples > 0 (the selection scores against them)"),
		check(c.Copies <= 1 || c.Denominator == DenominatorAsCoded || c.Denominator == DenominatorOwnKernel || c.Denominator == DenominatorBufferDensity,
			"denominator must be %q, %q or %q, got %q", DenominatorAsCoded, DenominatorOwnKernel, DenominatorBufferDensity, c.Denominator),
		check(c.Copies <= 1 || c.Denominator != DenominatorAsCoded || c.DenominatorDraws >= 1,
			"denominator_draws (M) must be at least 1 for the as-coded denominator, got %d", c.DenominatorDraws),
		check(c.Copies <= 1 || c.Devices <= 1, "copies (%d) train on one device: devices must be 0 or 1, got %d", c.Copies, c.Devices),
	} {
		if err != nil {
			return err
		}
	}
	if c.PT != nil {
		return c.PT.Validate(c.EvalSamples)
	}
	return nil
}
