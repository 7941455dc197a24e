package preset

import (
	"strings"

	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/method"
	"github.com/iwsm-go/iwsm/iwsm/net"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// Preset is how the runs on one target are configured.
type Preset struct {
	// Paper returns the configuration of a method at the paper budget (Target and Method
	// are filled in by For).
	Paper func(t *target.Target, method string) config.Config
	// Shrink reduces a paper configuration to a budget; nil is the shared rule (Shrink).
	Shrink func(c *config.Config, budget string) error
	// MaxTemperature is the hottest temperature of the parallel-tempering baseline's ladder
	// (config.PT.MaxTemperature): high enough that exp(−E/T) crosses the target's energy
	// barriers. 0 gives 10, enough for barriers of a few tens of nats (DW-4's 6 pairs of
	// 4.4 among them).
	MaxTemperature float64
}

// registry maps a target's name, or a name prefix ending in "*", to its preset.
var registry = map[string]Preset{}

// Register sets the preset of the target called name (any user-defined target, e.g. a
// notebook's), or of every target whose name starts with prefix when name is "prefix*".
// Registering a name again replaces its preset, so that a notebook cell can be run twice.
func Register(name string, p Preset) error {
	if strings.TrimSuffix(name, "*") == "" {
		return errors.New("preset: empty target name")
	}
	if p.Paper == nil {
		return errors.Errorf("preset of %q has no Paper function", name)
	}
	registry[strings.ToLower(name)] = p
	return nil
}

// Of returns the preset of t: the one registered for its name, else for the longest
// registered prefix of it, else Generic.
func Of(t *target.Target) Preset {
	name := strings.ToLower(t.Name)
	if p, ok := registry[name]; ok {
		return p
	}
	best := ""
	for k := range registry {
		if prefix, ok := strings.CutSuffix(k, "*"); ok && strings.HasPrefix(name, prefix) && len(prefix) > len(best) {
			best = prefix
		}
	}
	if best != "" {
		return registry[best+"*"]
	}
	return Preset{Paper: Generic}
}

// For returns the configuration of a run of method on t at a named budget: the preset's
// paper configuration reduced to the budget. The method's name is recorded, not checked
// (experiment.Kind knows the samplers).
func For(t *target.Target, method, budget string) (config.Config, error) {
	if err := t.Validate(); err != nil {
		return config.Config{}, err
	}
	if err := config.CheckBudget(budget); err != nil {
		return config.Config{}, err
	}
	p := Of(t)
	c := p.Paper(t, method)
	c.Target, c.Method = t.Name, method
	if method == config.ParallelTempering && c.PT == nil {
		maxT := p.MaxTemperature
		if maxT <= 0 {
			maxT = 10
		}
		c.PT = DefaultPT(maxT)
	}
	copyWise := isCopyWise(method)
	if copyWise {
		c.Copies, c.DenominatorDraws, c.Denominator = CodeCopies, CodeDenominatorDraws, config.DenominatorAsCoded
	}
	shrink := p.Shrink
	if shrink == nil {
		shrink = Shrink
	}
	if err := shrink(&c, budget); err != nil {
		return c, errors.WithMessagef(err, "configuration of %s", t.Name)
	}
	if copyWise && budget == "smoke" {
		c.Copies = smokeCopies // smoke only checks that it runs
	}
	if method == OracleMethod && budget != "smoke" {
		c.K = OracleK // the oracle is the estimator at the code's own K; smoke only checks that it runs
	}
	return c, nil
}

// The method-specific settings For adds to a target's preset.
const (
	// CodeCopies and CodeDenominatorDraws are what every copy-wise method (method.IWSMCode,
	// method.IWSMCodeEqual) is trained with: CodeCopies noised copies of each buffer point and
	// the as-coded denominator over CodeDenominatorDraws buffer draws, as Wastedzz/DEM's
	// configs/model/dem.yaml sets them (num_samples_to_snis 10,
	// num_samples_to_snis_denominator 10).
	CodeCopies           = 10
	CodeDenominatorDraws = 10
	smokeCopies          = 3
	// OracleMethod is the Monte Carlo oracle (package oracle), whose K is OracleK at the cpu
	// and paper budgets, as the code's eval.yaml sets num_estimator_mc_samples for its
	// test_oracle mode.
	OracleMethod = "oracle"
	OracleK      = 1000
)

// isCopyWise reports whether the named method is a registered copy-wise method (method.Method
// Copies: iwsm-code and its ablations), which For gives the code's copies, denominator and
// denominator draws.
func isCopyWise(name string) bool {
	m, err := method.ByName(name)
	return err == nil && m.Copies
}

// ByName is For of the registered target of that name (target.ByName).
func ByName(targetName, method, budget string) (config.Config, error) {
	t, err := target.ByName(targetName)
	if err != nil {
		return config.Config{}, err
	}
	return For(t, method, budget)
}

// Overrides lists, as "key=value" in the order of the fields (config.Diff), the settings in
// which cfg differs from its preset for its method at its budget: the run's label in tables
// and part of its results folder's name (rundir.Name).
func Overrides(t *target.Target, cfg config.Config) ([]string, error) {
	base, err := For(t, cfg.Method, cfg.Budget)
	if err != nil {
		return nil, errors.WithMessagef(err, "the defaults of %s %s at budget %s", t.Name, cfg.Method, cfg.Budget)
	}
	return config.Diff(base, cfg), nil
}

// Base returns iDEM's settings shared by every target at the paper budget (replay buffer of
// 10,000, 1,024 initial samples, 1,000 new samples and 100 steps per epoch, batch 512, 1,000
// SDE steps, Adam at 1e-3 with gradient clipping 0.5, K = 1000, score clip 20, validation
// every 10 epochs with ReduceLROnPlateau); a preset starts from it and sets the schedule,
// the estimator and the network.
func Base(method string) config.Config {
	return config.Config{Method: method, Budget: "paper", Seed: 1,
		BufferSize: 10000, InitialSamples: 1024, SamplesPerEpoch: 1000, StepsPerEpoch: 100,
		BatchSize: 512, TimeGroups: 16, IntegrationSteps: 1000, LearningRate: 1e-3, GradClip: 0.5, K: 1000,
		MaxScoreNorm: 20, CheckpointEvery: 10, EvalSamples: 1000, Net: net.DefaultMLP(), Epochs: 1000,
		DiffusionScale: 1, ValidateEvery: 10, ValidationSamples: 1024, LRFactor: 0.1, LRPatience: 10}
}

// DefaultPT returns parallel tempering's paper-budget settings for a target whose hottest
// replica needs maxTemperature to cross between its modes: 10 temperatures, 512 chains,
// 10,000 sweeps after 2,000 of burn-in, MALA from step 0.01·√T (Shrink cuts the sweeps).
func DefaultPT(maxTemperature float64) *config.PT {
	return &config.PT{Chains: 512, Temperatures: 10, MaxTemperature: maxTemperature, Sweeps: 10000, BurnIn: 2000,
		Move: config.MoveMALA, StepSize: 0.01}
}

// Shrink reduces a paper-budget configuration to the named budget, the rule every preset
// without its own uses (and most own ones start from): paper leaves it as it is; cpu and
// smoke cut epochs, steps, integration steps, K and the batch to fit 2 CPU cores (particle
// systems, whose epochs are dominated by EGNN sampling, further). It records the budget in
// c.Budget.
func Shrink(c *config.Config, budget string) error {
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
	default:
		return config.CheckBudget(budget)
	}
	if p := c.PT; p != nil {
		q := *p // never change a PT another Config shares
		switch budget {
		case "cpu":
			q.Sweeps, q.BurnIn = min(q.Sweeps, 2000), min(q.BurnIn, 500)
		case "smoke":
			q.Chains, q.Sweeps, q.BurnIn = min(q.Chains, 100), min(q.Sweeps, 100), min(q.BurnIn, 50)
		}
		c.PT = &q
	}
	c.Budget = budget
	return nil
}

// Generic is the paper-budget configuration of a target without a preset of its own: iDEM's
// shared settings with σ from 1e-3 to 3 and an MLP whose coordinate embedding suits |x| up
// to about 10 (fit for densities whose modes lie within a few units of the origin: set
// SigmaMax to about the target's diameter, as iDEM does, for wider ones) and, for particle
// systems, an EGNN sized to the particles (3 layers of 128, as DW-4), starting from prior
// draws.
func Generic(t *target.Target, method string) config.Config {
	c := Base(method)
	c.SigmaMin, c.SigmaMax = 1e-3, 3
	// iDEM's coordinate embedding (scale 25) is tuned to GMM-40's x/50 coordinates (|x| < 1);
	// for targets a few units wide a scale of 2.5 gives the same range of phases.
	c.Net.CoordScale = 2.5
	c.AugmentDistribution, c.AugmentScale = config.AugmentGaussian, c.SigmaMax
	if t.IsParticleSystem() {
		c.InitFromPrior = true
		c.EGNN = net.EGNN{Particles: t.Particles, SpatialDim: t.SpatialDim, Hidden: 128, Layers: 3}
	}
	return c
}
