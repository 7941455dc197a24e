package experiment

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/gomlx/compute"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/report"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/sampler"
	"github.com/iwsm-go/iwsm/iwsm/sde"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// Options are the optional parts of an experiment.
type Options struct {
	// Out is the results folder (rundir). When it already holds the finished run of the same
	// configuration, Run loads it; when it holds a checkpoint of the same configuration (or
	// one with more epochs, which continues it), the run resumes from it; a checkpoint of
	// another configuration is an error (nothing is overwritten). Empty: keep everything in
	// memory.
	Out string
	// Progress receives the progress bar (os.Stderr on the command line, os.Stdout in
	// notebooks); nil for none.
	Progress io.Writer
	// Log, if non-nil, receives one-line status messages (resuming from a checkpoint,
	// loading a finished run, final samples that diverged).
	Log io.Writer
	// Reference, when set, replaces the target's built-in reference samples (target
	// coordinates). User-defined targets have no built-in reference: without one the metrics
	// are skipped and only the samples, energies and training curves are produced.
	Reference [][]float64
	// Backend names the backend in metrics.json (e.g. xla.Selected's Config); informative.
	Backend string
	// Hooks run after the default ones (checkpoints, progress bar) around every step of the
	// sampler: see sampler.Hook.
	Hooks []sampler.Hook
}

// Result is a finished experiment.
type Result struct {
	Target *target.Target
	Config config.Config
	// Sampler is the sampler that ran (a *train.Trainer for the diffusion methods, a
	// *pt.Sampler for parallel tempering, ...); nil for a run read back by Load.
	Sampler sampler.Sampler
	// Record is what metrics.json holds: identity, metrics, the sampler's history and
	// statistics, evaluation counts, wall time (TrainSeconds: of the steps run in this call,
	// not of a resumed earlier part; ResumedFrom: the step a checkpoint resumed from).
	Record rundir.Record
	// Samples are the generated samples (Rows in the target's coordinates) with their
	// energies, computed once.
	Samples evaluate.SampleSet
	// Evaluation compares the samples with the reference; nil when the target has none.
	Evaluation *evaluate.Evaluation
	// Metrics are Evaluation's metrics (nil without a reference).
	Metrics evaluate.Metrics
	// Dir is the results folder ("" when Options.Out was empty).
	Dir string

	backend compute.Backend
	figures []Figure // drawn once by Figures
}

// Run runs the sampler cfg.Method names (Kind) on t with cfg, draws cfg.EvalSamples samples,
// evaluates them and, when opt.Out is set, writes the results folder (package rundir). A run
// interrupted at any moment and started again with the same arguments resumes from its last
// checkpoint; a finished one is loaded.
func Run(backend compute.Backend, t *target.Target, cfg config.Config, opt Options) (*Result, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	kind, err := Kind(cfg.Method)
	if err != nil {
		return nil, err
	}
	var reference [][]float64 // sampler coordinates
	if opt.Reference != nil { // before running, not after it
		if reference, err = evaluate.ReferenceFromTarget(t, opt.Reference); err != nil {
			return nil, err
		}
	}
	res := &Result{Target: t, Config: cfg, Dir: opt.Out, backend: backend}
	ckpt := ""
	if opt.Out != "" { // one run per results folder, for the whole run
		lock, err := rundir.Claim(opt.Out, opt.Log)
		if err != nil {
			return nil, err
		}
		defer lock.Release()
		if rundir.Finished(opt.Out, cfg) {
			if opt.Log != nil {
				fmt.Fprintf(opt.Log, "loading the finished %s run in %s\n", cfg.Method, opt.Out)
			}
			return Load(backend, t, opt.Out)
		}
		ckpt = rundir.Checkpoint(opt.Out)
	}
	if ckpt != "" && kind.Checkpointed(ckpt) {
		saved, err := rundir.ReadConfig(ckpt)
		if err != nil {
			return nil, err
		}
		if err := config.CheckResume(saved, cfg, 0); err != nil {
			return nil, errors.WithMessagef(err, "%s: use another results folder or delete it", opt.Out)
		}
		if res.Sampler, err = kind.Resume(backend, t, cfg, ckpt, opt.Log); err != nil {
			return nil, errors.WithMessage(err, opt.Out)
		}
		res.Record.ResumedFrom, _ = res.Sampler.Progress()
		if opt.Log != nil {
			_, total := res.Sampler.Progress()
			fmt.Fprintf(opt.Log, "resuming %s from step %d of %d\n", ckpt, res.Record.ResumedFrom, total)
		}
	} else if res.Sampler, err = kind.New(backend, t, cfg); err != nil {
		return nil, err
	}
	start := time.Now()
	label := fmt.Sprintf("%s %s", cfg.Method, t.Name)
	hooks := sampler.DefaultHooks(ckpt, cfg.CheckpointEvery, opt.Progress, label)
	var sel *selection
	if cfg.SelectBestEvery > 0 { // iDEM's model selection, first: a step is scored before it is checkpointed
		if sel, err = newSelection(t, cfg, opt.Out); err != nil {
			return nil, err
		}
		hooks = append([]sampler.Hook{sel.hook(t, cfg)}, hooks...)
	}
	if err := sampler.Run(res.Sampler, append(hooks, opt.Hooks...)...); err != nil {
		return nil, err
	}
	res.Record.TrainSeconds = time.Since(start).Seconds()
	final := res.Sampler
	if sel != nil {
		if final, err = sel.selected(backend, t, cfg, kind, res.Sampler); err != nil {
			return nil, err
		}
		res.Record.SelectedStep, res.Record.SelectedXW2, res.Record.SelectionChecks = sel.Step, sel.XW2, sel.Checks
	}
	sampling := time.Now()
	gen, err := final.Samples(cfg.EvalSamples)
	left, err := sde.LeaveOutNonFinite(gen, err) // evaluated without them, and counted
	if err != nil {
		return nil, err
	}
	if res.Record.DroppedSamples = left.LeftOut(); left != nil && opt.Log != nil {
		fmt.Fprintf(opt.Log, "%s %s: %v; the other %d are evaluated\n", t.Name, cfg.Method, left, len(gen))
	}
	res.Record.SampleSeconds = time.Since(sampling).Seconds()
	res.Sampler.Report(&res.Record)
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
	r.Record.Target, r.Record.Method, r.Record.Budget, r.Record.Seed = r.Target.Name, r.Config.Method, r.Config.Budget, r.Config.Seed
	if r.Record.Overrides, err = preset.Overrides(r.Target, r.Config); err != nil {
		r.Record.Overrides = nil // a target without a preset for this method: no label
	}
	r.Record.Metrics, r.Record.Go, r.Record.Versions = r.Metrics, runtime.Version(), Versions()
	r.Record.Coordinates = fmt.Sprintf("target coordinates (sampler coordinates × %g)", r.Target.Scale)
	r.Record.Backend = opt.Backend
	if r.Record.History == nil {
		r.Record.History = []rundir.Epoch{}
	}
	if opt.Out != "" {
		if err := r.write(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// compare fills Evaluation and Metrics against reference (sampler coordinates), or against
// the target's own reference samples when reference is nil.
//
// Both protocols score every run: iDEM's (the Evaluation, n samples against n reference
// samples) and the IWSM paper code's (evaluate.EvaluatePaper: against its whole reference, or
// against the given one), whose metrics join Metrics with their "_paper" keys.
func (r *Result) compare(reference [][]float64) error {
	t := r.Target
	given := reference
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
	paper, err := evaluate.EvaluatePaper(r.backend, t, r.Samples.Sampler, evaluate.Options{Protocol: evaluate.Paper, Seed: r.Config.Seed, Reference: given})
	if err != nil {
		return errors.WithMessage(err, "the paper protocol")
	}
	r.Metrics = r.Evaluation.Metrics.Merged(paper.Metrics)
	return nil
}

// Summary is a one-line account of the run: target, method, budget, seed, the main metrics
// and the wall times of training and of drawing the final samples (the oracle's whole work is
// the latter).
func (r *Result) Summary() string {
	s := fmt.Sprintf("%s %s (%s, seed %d):", r.Target.Name, r.Config.Method, r.Config.Budget, r.Config.Seed)
	if m := r.Metrics; m != nil {
		s += fmt.Sprintf(" x-W2 %.4g  E-W2 %.4g", m.Of(evaluate.XW2), m.Of(evaluate.EW2))
		if r.Target.DrawsExactly() {
			s += fmt.Sprintf("  modes %g/%g", m.Of(evaluate.ModesCovered), m.Of(evaluate.Modes))
		}
		if r.Target.IsParticleSystem() {
			s += fmt.Sprintf("  E-TVD %.3g  D-TVD %.3g", m.Of(evaluate.EnergyTVD), m.Of(evaluate.DistTVD))
		}
	} else {
		s += fmt.Sprintf(" no reference samples; mean energy %.4g", mean(r.Samples.Energies))
	}
	if k := r.Record.DroppedSamples; k > 0 {
		s += fmt.Sprintf("  (%d non-finite samples left out)", k)
	}
	s += fmt.Sprintf("  (train %.0f s, samples %.0f s)", r.Record.TrainSeconds, r.Record.SampleSeconds)
	return s
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(max(len(v), 1))
}

// lastWeights is implemented by samplers that weigh their training points (the diffusion
// trainer): the noise level and self-normalised weight of each point of the last batch,
// written as weights.npy.
type lastWeights interface {
	LastWeights() (sigmas, weights []float64)
}

func (r *Result) write() error {
	dir := r.Dir
	if err := rundir.WriteSamples(dir, r.Samples.Rows, r.Samples.Energies); err != nil {
		return err
	}
	if r.Evaluation != nil {
		if err := rundir.WriteReference(dir, r.Evaluation.Reference.Rows); err != nil {
			return err
		}
	}
	if lw, ok := r.Sampler.(lastWeights); ok {
		if sigmas, weights := lw.LastWeights(); len(weights) > 0 {
			if err := rundir.WriteWeights(dir, sigmas, weights); err != nil {
				return err
			}
		}
	}
	figs, err := r.Figures()
	if err != nil {
		return err
	}
	written, err := SaveFigures(figs, rundir.Figures(dir))
	if err != nil {
		return err
	}
	r.Record.Files = map[string][]string{"figures": written}
	if err := rundir.WriteRecord(dir, r.Record); err != nil {
		return err
	}
	return rundir.WriteConfig(dir, r.Config)
}

// Collect groups finished runs by (target, method, budget, overrides) and averages each of
// metrics over the seeds (report.Collect: mean and sample standard deviation), from the
// runs' metrics as loaded, so that a metric registered after a run was written (filled in by
// Load) has its column too. A results folder given twice counts once. metrics nil: every
// metric found.
func Collect(runs []*Result, metrics []string) report.Table {
	var recs []rundir.Record
	seen := map[string]bool{}
	for _, r := range runs {
		if r.Dir != "" && seen[r.Dir] {
			continue
		}
		seen[r.Dir] = true
		rec := r.Record
		rec.Metrics, rec.Dir = r.Metrics, r.Dir
		recs = append(recs, rec)
	}
	return report.Collect(recs, metrics)
}

// RunDir is the results folder of the run cfg of t under root: root/TARGET/BUDGET/NAME with
// the overrides of cfg against its preset (rundir.Path, preset.Overrides).
func RunDir(root string, t *target.Target, cfg config.Config) (string, error) {
	overrides, err := preset.Overrides(t, cfg)
	if err != nil {
		return "", err
	}
	return rundir.Path(root, cfg, overrides)
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

// Load reads the finished run in the results folder dir for target t (which must be the
// folder's target): configuration, record (metrics, history, statistics), samples, energies
// and reference, without running or sampling again and without rebuilding the sampler.
// Metrics registered after the run was written (evaluate.Register, or a newer version of
// this library) are computed from the stored samples and reference; metrics.json is not
// changed. Notebooks run in one cell and draw from the folder in the next.
func Load(backend compute.Backend, t *target.Target, dir string) (*Result, error) {
	rec, err := rundir.ReadRecord(dir)
	if err != nil {
		return nil, errors.WithMessage(err, "run the training first")
	}
	if rec.Target != t.Name {
		return nil, errors.Errorf("%s holds a run of target %q, not %q", dir, rec.Target, t.Name)
	}
	cfg, err := rundir.ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	res := &Result{Target: t, Config: cfg, Record: rec, Metrics: rec.Metrics, Dir: dir, backend: backend}
	rows, energies, err := rundir.ReadSamples(dir)
	if err != nil {
		return nil, err
	}
	res.Samples = evaluate.SampleSet{Sampler: t.FromTargetCoords(rows), Rows: rows, Energies: energies}
	if t.IsParticleSystem() {
		res.Samples.Distances = evaluate.Distances(t, rows)
	}
	refRows, ok, err := rundir.ReadReference(dir)
	if err != nil {
		return nil, err
	}
	if ok {
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
