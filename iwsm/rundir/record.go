package rundir

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
)

// Record is a results folder's metrics.json, declared once: the run's identity, its metrics
// (see evaluate.Registered for the keys), its sampler's history (per-epoch statistics of a
// diffusion method, per-block statistics of parallel tempering), wall time, backend, Go and
// library versions, and the files written. experiment writes it; tables, figures and the
// notebooks read it, without rebuilding the sampler.
type Record struct {
	// Dir is the results folder the record was read from (not stored).
	Dir    string `json:"-"`
	Target string `json:"target"`
	Method string `json:"method"`
	Budget string `json:"budget"`
	Seed   int64  `json:"seed"`
	// Overrides are the settings that differ from the preset at the budget ("epochs=180"):
	// part of the run's label in tables.
	Overrides []string `json:"overrides,omitempty"`
	// Metrics is absent when the target has no reference samples.
	Metrics evaluate.Metrics `json:"metrics,omitempty"`
	// History has one entry per epoch of a diffusion method (loss, ESS, ESS per noise level,
	// validation loss, ...); empty for samplers that do not train.
	History []Epoch `json:"history"`
	// LevelSigmas are σ(t) at the centres of the stratified noise levels, the x axis of
	// the history's ess_by_level.
	LevelSigmas  []float64 `json:"level_sigmas"`
	TrainSeconds float64   `json:"train_seconds"`
	// SampleSeconds is the wall time of drawing the final samples (the whole work of a
	// sampler without steps, the Monte Carlo oracle).
	SampleSeconds float64 `json:"sample_seconds,omitempty"`
	ResumedFrom   int     `json:"resumed_from_epoch,omitempty"`
	Backend       string  `json:"backend,omitempty"`
	Go            string  `json:"go"`
	// Versions are the compute libraries' module versions.
	Versions    map[string]string   `json:"versions"`
	Coordinates string              `json:"samples_coordinates"`
	Files       map[string][]string `json:"files"`
	// EnergyEvaluations and GradientEvaluations count the points at which the sampler
	// evaluated the target's energy and its gradient, training and the final samples
	// included (each sampler's documentation lists what it counts); the history has the
	// cumulative counts per step. 0 for a sampler trained on data alone (dsm), and in runs
	// written before they were counted.
	EnergyEvaluations   int64 `json:"energy_evaluations"`
	GradientEvaluations int64 `json:"gradient_evaluations"`
	// SelectedStep and SelectedXW2 say, for a run with config.SelectBestEvery, which step's
	// state drew the final samples and its validation x-W2 (absent otherwise).
	SelectedStep int     `json:"selected_step,omitempty"`
	SelectedXW2  float64 `json:"selected_x_w2,omitempty"`
	// SelectionChecks are every check's validation x-W2, in step order: how the sampler's
	// distance to the target moved during training (absent without config.SelectBestEvery).
	SelectionChecks []ValidationCheck `json:"selection_checks,omitempty"`
	// DroppedSamples counts the final samples that ended with a non-finite coordinate and
	// were left out of Samples and of the evaluation, which used the others.
	DroppedSamples int `json:"dropped_samples,omitempty"`
	// PT holds the parallel-tempering baseline's ladder, step sizes, move and swap
	// acceptance rates (per temperature and per adjacent pair) and its per-block history;
	// absent for the other samplers.
	PT *PTStats `json:"parallel_tempering,omitempty"`
}

// Epoch summarises one epoch (outer round) of a diffusion method's training.
type Epoch struct {
	Epoch int `json:"epoch"`
	// Loss is the mean training loss over the epoch's steps.
	Loss float64 `json:"loss"`
	// ESS is the mean normalised effective sample size of the importance weights
	// ((Σw)²/(n Σw²) within each noise level, averaged; 1 for iDEM, whose weights are equal).
	ESS float64 `json:"ess"`
	// ESSByLevel is ESS per stratified noise level (TimeGroups entries, from low to high
	// noise; see Record.LevelSigmas), averaged over the epoch's steps.
	ESSByLevel []float64 `json:"ess_by_level,omitempty"`
	// SkippedSteps counts steps whose loss was not finite (their update was zeroed).
	SkippedSteps int `json:"skipped_steps"`
	// DroppedSamples counts the new buffer samples of this epoch that ended with a non-finite
	// coordinate (the network's score diverged along their path): they were left out of the
	// buffer, as the paper code's evaluation leaves them out of its metrics.
	DroppedSamples int `json:"dropped_samples,omitempty"`
	// ValLoss is the validation loss computed at the end of this epoch (every
	// Config.ValidateEvery epochs; absent otherwise): iDEM's val/loss, the unweighted
	// score-matching loss on noised validation samples, or, for a target without validation
	// samples, the mean training loss since the previous check.
	ValLoss *float64 `json:"val_loss,omitempty"`
	// LearningRate is the rate the epoch's steps used (lowered by the plateau schedule).
	LearningRate float64 `json:"learning_rate"`
	// Seconds is the wall time of the epoch.
	Seconds float64 `json:"seconds"`
	// EnergyEvaluations and GradientEvaluations are the trainer's counts at the end of this
	// epoch, its validation included: cumulative from the first epoch, the x axis of cost
	// curves (0 in histories written before they were counted).
	EnergyEvaluations   int64 `json:"energy_evaluations"`
	GradientEvaluations int64 `json:"gradient_evaluations"`
}

// PTBlock summarises a block of consecutive sweeps of parallel tempering: the run's
// history, from which cost curves (energy evaluations against sweeps) and the adaptation of
// the step sizes are drawn.
type PTBlock struct {
	// Sweep is the number of sweeps done at the end of the block (burn-in included).
	Sweep int `json:"sweep"`
	// BurnIn is true for a block of burn-in sweeps (step sizes still adapting).
	BurnIn bool `json:"burn_in"`
	// Acceptance is the move's acceptance rate per temperature (coldest first) in the block.
	Acceptance []float64 `json:"acceptance"`
	// SwapAcceptance is the acceptance rate of the swaps between temperatures l and l+1, per
	// adjacent pair (coldest pair first), in the block.
	SwapAcceptance []float64 `json:"swap_acceptance"`
	// StepSizes are the step sizes per temperature at the end of the block.
	StepSizes []float64 `json:"step_sizes"`
	// MeanEnergy is the mean energy of the T = 1 replicas at the end of the block.
	MeanEnergy float64 `json:"mean_energy"`
	// EnergyEvaluations and GradientEvaluations count, cumulatively from the first sweep,
	// the points at which E and ∇E were evaluated.
	EnergyEvaluations   int64 `json:"energy_evaluations"`
	GradientEvaluations int64 `json:"gradient_evaluations"`
	// Seconds is the wall time of the block.
	Seconds float64 `json:"seconds"`
}

// PTStats describe a parallel-tempering run: the ladder, the adapted step sizes, the
// acceptance rates of the moves and of the swaps over the sweeps after burn-in, the
// evaluation counts, and the per-block history.
type PTStats struct {
	Temperatures []float64 `json:"temperatures"`
	StepSizes    []float64 `json:"step_sizes"`
	// Acceptance is the move's acceptance rate per temperature after burn-in.
	Acceptance []float64 `json:"acceptance"`
	// SwapAcceptance is the swap acceptance rate per adjacent pair of temperatures after
	// burn-in (pair l exchanges temperatures l and l+1).
	SwapAcceptance      []float64 `json:"swap_acceptance"`
	EnergyEvaluations   int64     `json:"energy_evaluations"`
	GradientEvaluations int64     `json:"gradient_evaluations"`
	Seconds             float64   `json:"seconds"`
	History             []PTBlock `json:"history"`
}

// ValidationCheck is one check of iDEM's model selection: after step Step, the exact W2 of
// the sampler's samples to the target's validation samples (target coordinates), or, when
// NonFinite of those samples diverged, no score (the state is not selected).
type ValidationCheck struct {
	Step      int     `json:"step"`
	XW2       float64 `json:"x_w2,omitempty"`
	NonFinite int     `json:"non_finite,omitempty"`
}

// ReadRecord reads dir/metrics.json.
func ReadRecord(dir string) (Record, error) {
	var r Record
	path := filepath.Join(dir, MetricsFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		return r, errors.Wrapf(err, "%s is not a finished results folder (no %s)", dir, MetricsFile)
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, errors.Wrapf(err, "decoding %s", path)
	}
	if r.Target == "" || r.Method == "" {
		return r, errors.Errorf("%s has no target or method", path)
	}
	r.Dir = dir
	return r, nil
}

// WriteRecord writes rec as dir/metrics.json, atomically.
func WriteRecord(dir string, rec Record) error {
	return WriteJSON(filepath.Join(dir, MetricsFile), rec)
}
