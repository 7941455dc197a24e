package experiment

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/gomlx/compute"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/method"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/pt"
	"github.com/iwsm-go/iwsm/iwsm/report"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/iwsm/train"
)

// Options are the optional parts of an experiment.
type Options struct {
	// Out is the results folder. When it already holds a checkpoint of the same
	// configuration, training resumes from it; a checkpoint of another configuration is an
	// error (nothing is overwritten). Empty: keep everything in memory.
	Out string
	// Progress receives the training progress bar (os.Stderr on the command line, os.Stdout
	// in notebooks); nil for none.
	Progress io.Writer
	// Log, if non-nil, receives one-line status messages (resuming from a checkpoint).
	Log io.Writer
	// Reference, when set, replaces the target's built-in reference samples (target
	// coordinates). User-defined targets have no built-in reference: without one the metrics
	// are skipped and only the samples, energies and training curves are produced.
	Reference [][]float64
	// Backend names the backend in metrics.json (e.g. xla.Selected's Config); informative.
	Backend string
	// Hooks run after the default ones (validation, checkpoints, progress bar) at every
	// epoch: see train.Hook.
	Hooks []train.Hook
}

// Result is a finished experiment.
type Result struct {
	Target *target.Target
	Config config.Config
	// Trainer is the diffusion method's trainer; nil for the parallel-tempering baseline,
	// whose statistics are PT.
	Trainer *train.Trainer
	// PT describes a parallel-tempering run (ladder, step sizes, acceptance and swap
	// rates, history); nil for the diffusion methods.
	PT *pt.Stats
	// EnergyEvaluations and GradientEvaluations are the points at which the method
	// evaluated E and ∇E, training and the final samples included (report.Record).
	EnergyEvaluations, GradientEvaluations int64
	// Samples are the generated samples (Rows in the target's coordinates) with their
	// energies, computed once.
	Samples evaluate.SampleSet
	// Evaluation compares the samples with the reference; nil when the target has none.
	Evaluation *evaluate.Evaluation
	// Metrics are Evaluation's metrics (nil without a reference).
	Metrics evaluate.Metrics
	// TrainSeconds is the wall time of training in this call (not of a resumed earlier part).
	TrainSeconds float64
	// Resumed is the epoch a checkpoint resumed from (0 for a fresh run).
	Resumed int
	// Dir is the results folder ("" when Options.Out was empty).
	Dir string

	backend compute.Backend
	figures []Figure // drawn once by Figures
}

// Run trains cfg on t, samples cfg.EvalSamples points, evaluates them and, when opt.Out is
// set, writes the results folder (see the package documentation). A run interrupted at any
// moment and started again with the same arguments resumes from its last checkpoint.
func Run(backend compute.Backend, t *target.Target, cfg config.Config, opt Options) (*Result, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	var reference [][]float64 // sampler coordinates
	if opt.Reference != nil { // before training, not after it
		var err error
		if reference, err = evaluate.ReferenceFromTarget(t, opt.Reference); err != nil {
			return nil, err
		}
	}
	if opt.Out != "" { // one run per results folder, for the whole run
		lock, err := LockFolder(opt.Out, opt.Log)
		if err != nil {
			return nil, err
		}
		defer lock.Release()
	}
	res := &Result{Target: t, Config: cfg, Dir: opt.Out, backend: backend}
	ckptDir := ""
	if opt.Out != "" {
		ckptDir = filepath.Join(opt.Out, "checkpoint")
	}
	if m, err := method.ByName(cfg.Method); err == nil && m.MCMC {
		return res.runMCMC(reference, opt)
	}
	var err error
	if ckptDir != "" && train.HasCheckpoint(ckptDir) {
		saved, err := train.ReadConfig(ckptDir)
		if err != nil {
			return nil, err
		}
		if err := config.CheckResume(saved, cfg, 0); err != nil {
			return nil, errors.WithMessagef(err, "%s: use another results folder or delete it", opt.Out)
		}
		if res.Trainer, err = train.ResumeLog(backend, t, ckptDir, opt.Log); err != nil {
			return nil, err
		}
		if err := res.Trainer.Extend(cfg); err != nil { // more epochs continue the run
			return nil, errors.WithMessage(err, opt.Out)
		}
		res.Resumed = res.Trainer.EpochsDone
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, "resuming %s from epoch %d of %d\n", ckptDir, res.Resumed, cfg.Epochs)
		}
	} else if res.Trainer, err = train.New(backend, t, cfg); err != nil {
		return nil, err
	}
	start := time.Now()
	if err := res.Trainer.Run(append(train.DefaultHooks(ckptDir, opt.Progress), opt.Hooks...)...); err != nil {
		return nil, err
	}
	res.TrainSeconds = time.Since(start).Seconds()

	gen, err := res.Trainer.Sample(cfg.EvalSamples)
	if err != nil {
		return nil, err
	}
	res.EnergyEvaluations, res.GradientEvaluations = res.Trainer.EnergyEvaluations, res.Trainer.GradientEvaluations
	return res.finish(gen, reference, opt)
}

// finish evaluates the generated samples gen (sampler coordinates) against the reference and
// writes the results folder when there is one.
func (r *Result) finish(gen, reference [][]float64, opt Options) (*Result, error) {
	var err error
	if r.Samples, err = evaluate.NewSampleSet(r.backend, r.Target, gen); err != nil {
		return nil, errors.WithMessage(err, "generated samples")
	}
	if err := r.compare(reference); err != nil {
		return nil, err
	}
	if opt.Out != "" {
		if err := r.write(opt.Backend); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// runMCMC runs the parallel-tempering baseline (package pt) in place of training. A results
// folder that already holds a finished run of the same configuration is loaded instead
// (checkpoint/config.json marks it finished: there are no mid-run checkpoints, an
// interrupted run starts again, and `iwsm train -restart` runs it again); one of another
// configuration is an error naming the settings that differ.
func (r *Result) runMCMC(reference [][]float64, opt Options) (*Result, error) {
	ckpt := ""
	if opt.Out != "" {
		ckpt = filepath.Join(opt.Out, "checkpoint")
	}
	if ckpt != "" && fileExists(filepath.Join(ckpt, "config.json")) && fileExists(filepath.Join(opt.Out, "metrics.json")) {
		saved, err := train.ReadConfig(ckpt)
		if err != nil {
			return nil, err
		}
		if d := config.Diff(saved, r.Config); len(d) > 0 || saved.Seed != r.Config.Seed {
			return nil, errors.Errorf("%s holds a finished %s run of other settings (%s seed %d; now %v, seed %d): use another results folder or -restart",
				opt.Out, saved.Method, saved.Budget, saved.Seed, d, r.Config.Seed)
		}
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, "loading the finished %s run in %s\n", saved.Method, opt.Out)
		}
		return Load(r.backend, r.Target, opt.Out)
	}
	start := time.Now()
	out, err := pt.Run(r.backend, r.Target, r.Config, opt.Progress)
	if err != nil {
		return nil, err
	}
	r.TrainSeconds = time.Since(start).Seconds()
	r.PT = &out.Stats
	r.EnergyEvaluations, r.GradientEvaluations = out.Stats.EnergyEvaluations, out.Stats.GradientEvaluations
	if _, err := r.finish(out.Samples, reference, opt); err != nil {
		return nil, err
	}
	if ckpt != "" { // last: the run is finished
		if err := os.MkdirAll(ckpt, 0o755); err != nil {
			return nil, errors.Wrapf(err, "creating %s", ckpt)
		}
		if err := WriteJSON(filepath.Join(ckpt, "config.json"), r.Config); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// compare fills Evaluation and Metrics against reference (sampler coordinates), or against
// the target's own reference samples when reference is nil.
func (r *Result) compare(reference [][]float64) error {
	t := r.Target
	if reference == nil {
		if !t.HasReference() {
			return nil
		}
		var err error
		if reference, err = evaluate.Reference(t, r.Samples.Len(), r.Config.Seed); err != nil {
			return err
		}
	}
	ref, err := evaluate.NewSampleSet(r.backend, t, reference)
	if err != nil {
		return errors.WithMessage(err, "reference samples")
	}
	if r.Evaluation, err = evaluate.Evaluate(t, r.Samples, ref); err != nil {
		return err
	}
	r.Metrics = r.Evaluation.Metrics
	return nil
}

// Summary is a one-line account of the run: target, method, budget, seed, the main metrics
// and the wall time.
func (r *Result) Summary() string {
	s := fmt.Sprintf("%s %s (%s, seed %d):", r.Target.Name, r.Config.Method, r.Config.Budget, r.Config.Seed)
	if m := r.Metrics; m != nil {
		s += fmt.Sprintf(" x-W2 %.4g  E-W2 %.4g", m.Of(evaluate.XW2), m.Of(evaluate.EW2))
		if r.Target.Mixture != nil {
			s += fmt.Sprintf("  modes %g/%g", m.Of(evaluate.ModesCovered), m.Of(evaluate.Modes))
		}
		if r.Target.IsParticleSystem() {
			s += fmt.Sprintf("  E-TVD %.3g  D-TVD %.3g", m.Of(evaluate.EnergyTVD), m.Of(evaluate.DistTVD))
		}
	} else {
		s += fmt.Sprintf(" no reference samples; mean energy %.4g", mean(r.Samples.Energies))
	}
	s += fmt.Sprintf("  (%.0f s training)", r.TrainSeconds)
	return s
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(max(len(v), 1))
}

func (r *Result) write(backend string) error {
	dir := r.Dir
	if err := npyfile.Write(filepath.Join(dir, "samples.npy"), r.Samples.Rows); err != nil {
		return err
	}
	if err := npyfile.WriteVector(filepath.Join(dir, "energies.npy"), r.Samples.Energies); err != nil {
		return err
	}
	if r.Evaluation != nil {
		if err := npyfile.Write(filepath.Join(dir, "reference.npy"), r.Evaluation.Reference.Rows); err != nil {
			return err
		}
	}
	if r.Trainer != nil && len(r.Trainer.LastStep.Weights) > 0 {
		last := r.Trainer.LastStep
		rows := make([][]float64, len(last.Weights))
		for i := range rows {
			rows[i] = []float64{last.Sigmas[i], last.Weights[i]}
		}
		if err := npyfile.Write(filepath.Join(dir, "weights.npy"), rows); err != nil {
			return err
		}
	}
	figs, err := r.Figures()
	if err != nil {
		return err
	}
	written, err := SaveFigures(figs, filepath.Join(dir, "figures"))
	if err != nil {
		return err
	}
	rec := r.Record()
	rec.Backend, rec.Files = backend, map[string][]string{"figures": written}
	if err := WriteJSON(filepath.Join(dir, "metrics.json"), rec); err != nil {
		return err
	}
	return WriteJSON(filepath.Join(dir, "config.json"), r.Config)
}

// Record is the run's metrics.json record (without Dir, Backend and Files, which writing the
// folder adds): what tables group and average (report.Collect; see Collect).
func (r *Result) Record() report.Record {
	rec := report.Record{Target: r.Target.Name, Method: r.Config.Method, Budget: r.Config.Budget, Seed: r.Config.Seed,
		Overrides: r.Overrides(), Metrics: r.Metrics, TrainSeconds: r.TrainSeconds, ResumedFrom: r.Resumed, Go: runtime.Version(),
		Versions: Versions(), Coordinates: fmt.Sprintf("target coordinates (sampler coordinates × %g)", r.Target.Scale),
		History:           []train.EpochStats{},
		EnergyEvaluations: r.EnergyEvaluations, GradientEvaluations: r.GradientEvaluations, PT: r.PT}
	if r.Trainer != nil {
		rec.History, rec.LevelSigmas = r.Trainer.History, r.Trainer.LevelSigmas()
	}
	return rec
}

// Collect groups finished runs by (target, method, budget, overrides) and averages each of
// metrics over the seeds (report.Collect: mean and sample standard deviation), from the
// runs' metrics as loaded, so that a metric registered after a run was written (filled in by
// Load) has its column too. A results folder given twice counts once. metrics nil: every
// metric found.
func Collect(runs []*Result, metrics []string) report.Table {
	var recs []report.Record
	seen := map[string]bool{}
	for _, r := range runs {
		if r.Dir != "" && seen[r.Dir] {
			continue
		}
		seen[r.Dir] = true
		rec := r.Record()
		rec.Dir = r.Dir
		recs = append(recs, rec)
	}
	return report.Collect(recs, metrics)
}

// Overrides lists the run's settings that differ from its target's defaults for the method
// at the budget (config.Diff), as "key=value": the label tables show next to the method.
func (r *Result) Overrides() []string {
	base, err := r.Target.Config(r.Config.Method, r.Config.Budget)
	if err != nil {
		return nil
	}
	return config.Diff(base, r.Config)
}

// Versions lists the versions of the compute libraries this binary was built with.
func Versions() map[string]string {
	out := map[string]string{}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/gomlx/gomlx", "github.com/gomlx/compute", "github.com/gomlx/go-xla":
				out[d.Path] = d.Version
			}
		}
	}
	return out
}

// WriteJSON writes v as indented JSON to path, atomically (write then rename).
func WriteJSON(path string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return errors.Wrapf(err, "encoding %s", path)
	}
	return npyfile.WriteFileAtomic(path, append(raw, '\n'))
}

// Load reads a results folder written by Run for target t (which must be the folder's
// target): configuration, trainer state (from the checkpoint), samples, energies,
// reference and metrics, without training or sampling again. Metrics registered after the
// run was written (evaluate.Register, or a newer version of this library) are computed from
// the stored samples and reference; metrics.json is not changed. Notebooks train in one cell
// and draw from the folder in the next.
func Load(backend compute.Backend, t *target.Target, dir string) (*Result, error) {
	rec, err := report.ReadRun(dir)
	if err != nil {
		return nil, errors.WithMessagef(err, "%s is not a finished results folder (run the training first)", dir)
	}
	if rec.Target != t.Name {
		return nil, errors.Errorf("%s holds a run of target %q, not %q", dir, rec.Target, t.Name)
	}
	res := &Result{Target: t, Metrics: rec.Metrics, TrainSeconds: rec.TrainSeconds, Resumed: rec.ResumedFrom, Dir: dir,
		backend: backend, PT: rec.PT, EnergyEvaluations: rec.EnergyEvaluations, GradientEvaluations: rec.GradientEvaluations}
	if rec.PT != nil { // the parallel-tempering baseline: no trainer
		if res.Config, err = train.ReadConfig(filepath.Join(dir, "checkpoint")); err != nil {
			return nil, err
		}
	} else {
		if res.Trainer, err = train.Resume(backend, t, filepath.Join(dir, "checkpoint")); err != nil {
			return nil, err
		}
		res.Config = res.Trainer.Config
	}
	rows, err := npyfile.Read(filepath.Join(dir, "samples.npy"))
	if err != nil {
		return nil, err
	}
	energies, err := npyfile.ReadVector(filepath.Join(dir, "energies.npy"))
	if err != nil {
		return nil, err
	}
	if len(energies) != len(rows) {
		return nil, errors.Errorf("%s: %d samples but %d energies", dir, len(rows), len(energies))
	}
	res.Samples = evaluate.SampleSet{Sampler: t.FromTargetCoords(rows), Rows: rows, Energies: energies}
	if t.IsParticleSystem() {
		res.Samples.Distances = evaluate.Distances(t, rows)
	}
	if path := filepath.Join(dir, "reference.npy"); fileExists(path) {
		refRows, err := npyfile.Read(path)
		if err != nil {
			return nil, err
		}
		ref, err := evaluate.NewSampleSet(backend, t, t.FromTargetCoords(refRows))
		if err != nil {
			return nil, errors.WithMessagef(err, "reference samples in %s", dir)
		}
		ref.Rows = refRows // as stored, not rounded through the sampler's coordinates
		res.Evaluation = evaluate.Restore(t, res.Samples, ref, rec.Metrics)
		if err := res.Evaluation.Complete(); err != nil { // metrics registered since the run was written
			return nil, errors.WithMessagef(err, "evaluating the stored samples of %s", dir)
		}
		res.Metrics = res.Evaluation.Metrics
	}
	return res, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
