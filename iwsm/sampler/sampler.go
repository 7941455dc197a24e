package sampler

import (
	"io"

	"github.com/gomlx/compute"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// Sampler is one sampling algorithm running on one target with one configuration.
type Sampler interface {
	// Init prepares the first state (a diffusion method's first replay buffer, parallel
	// tempering's starting replicas). Run calls it before the first Step, when no step is
	// done; a sampler that already has its first state keeps it.
	Init() error
	// Step advances the state by one unit (an epoch of training, a block of sweeps) and
	// reports it.
	Step() (Info, error)
	// Samples draws n samples from the current state, in the sampler's coordinates
	// (target.Target.ToTargetCoords gives the target's own).
	Samples(n int) ([][]float64, error)
	// Progress returns the number of steps done and the number the configuration asks for.
	Progress() (done, total int)
	// Save writes the state into the checkpoint folder dir (created if missing) so that
	// the Kind's Resume continues from it; an interrupted Save leaves the previous
	// checkpoint usable.
	Save(dir string) error
	// Report fills what the sampler knows of a run into its record: the evaluation counts,
	// the history, its diagnostics (rundir.Record's History, LevelSigmas, PT, ...).
	Report(rec *rundir.Record)
}

// Info is what one Step reports.
type Info struct {
	// Step is the number of steps done, this one included.
	Step int
	// Summary is a short line for a progress bar ("loss 0.31 ess 0.22").
	Summary string
	// Seconds is the step's wall time.
	Seconds float64
	// EnergyEvaluations and GradientEvaluations are the sampler's cumulative counts of the
	// points at which it evaluated E and ∇E, at the end of the step.
	EnergyEvaluations, GradientEvaluations int64
}

// Role says where a Kind appears by default.
type Role int

const (
	// Compared kinds are the methods every comparison trains (IWSM, iDEM, and a method a
	// user adds): the notebooks' Methods.
	Compared Role = iota
	// Ablation kinds isolate one part of a method: the command line and the ablation
	// notebook run them; the default comparison leaves them out.
	Ablation
	// Reference kinds are not methods under test but measures to read the methods
	// against (parallel tempering, the Monte Carlo oracle, the data-trained sampler): run
	// where a notebook asks for them.
	Reference
)

// Kind is a registered sampling algorithm: its name on the command line, in config.json and
// in results folders, a one-line description, where it appears by default, and how to make
// one for a target and configuration or resume one from a checkpoint folder.
type Kind struct {
	Name        string
	Description string
	Role        Role
	// New makes a sampler of cfg on t, checking cfg (config.Config.Validate and what the
	// kind needs of it).
	New func(backend compute.Backend, t *target.Target, cfg config.Config) (Sampler, error)
	// Resume continues the sampler saved in the checkpoint folder dir with cfg (the saved
	// configuration, or one config.CheckResume allows: more epochs continue a run); log, if
	// not nil, gets a line when it had to fall back to an older checkpoint.
	Resume func(backend compute.Backend, t *target.Target, cfg config.Config, dir string, log io.Writer) (Sampler, error)
	// HasCheckpoint reports whether dir holds a checkpoint Resume can continue from; nil
	// means "dir holds a config.json".
	HasCheckpoint func(dir string) bool
}

// Validate reports a Kind that cannot be registered.
func (k Kind) Validate() error {
	switch {
	case k.Name == "" || !plainName(k.Name):
		return errors.Errorf("sampler name %q must be a non-empty lower-case word (letters, digits, . _ -)", k.Name)
	case k.New == nil:
		return errors.Errorf("sampler %q has no New function", k.Name)
	case k.Resume == nil:
		return errors.Errorf("sampler %q has no Resume function", k.Name)
	}
	return nil
}

// Checkpointed reports whether dir holds a checkpoint of this kind to resume from.
func (k Kind) Checkpointed(dir string) bool {
	if k.HasCheckpoint != nil {
		return k.HasCheckpoint(dir)
	}
	return rundir.HasConfig(dir)
}

func plainName(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
