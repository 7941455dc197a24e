// Package experiment runs one IWSM or iDEM experiment end to end (train with checkpoints,
// sample, evaluate against the target's reference, draw the figures) and writes it as a
// self-describing results folder. The command line (`iwsm train`) and the notebooks call
// the same Run, so a notebook's numbers and a script's numbers come from one code path.
//
// A results folder holds:
//
//	config.json     the training configuration (with the seed)
//	metrics.json    metrics, per-epoch history, wall time, backend, Go and library versions
//	samples.npy     generated samples, N×d in the target's coordinates
//	energies.npy    their energies E(x)
//	reference.npy   the reference samples the metrics used (target coordinates), if any
//	weights.npy     the last training batch's importance weights: B×2 rows (σ(t), weight),
//	                self-normalised per noise level (mean 1 within a level; all 1 for iDEM)
//	checkpoint/     model, optimiser state, replay buffer, host RNG (resumable)
//	figures/        every figure as PNG, SVG and PDF, one paper column wide
package experiment

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/gomlx/compute"
	"github.com/pkg/errors"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/metrics"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/plot"
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
}

// Result is a finished experiment.
type Result struct {
	Target  *target.Target
	Config  train.Config
	Trainer *train.Trainer
	// Samples are the generated samples in the target's coordinates; Energies their E(x).
	Samples  [][]float64
	Energies []float64
	// Reference holds the reference samples the metrics used (target coordinates); nil when
	// the target has none.
	Reference [][]float64
	// Metrics is nil when there was no reference to compare with.
	Metrics *evaluate.Metrics
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
func Run(backend compute.Backend, t *target.Target, cfg train.Config, opt Options) (*Result, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if opt.Reference != nil { // before training, not after it
		if err := t.CheckRows(opt.Reference); err != nil {
			return nil, errors.WithMessage(err, "reference samples")
		}
	}
	res := &Result{Target: t, Config: cfg, Dir: opt.Out, backend: backend}
	ckptDir := ""
	if opt.Out != "" {
		ckptDir = filepath.Join(opt.Out, "checkpoint")
	}
	var err error
	if ckptDir != "" && train.HasCheckpoint(ckptDir) {
		saved, err := train.ReadConfig(ckptDir)
		if err != nil {
			return nil, err
		}
		if saved != cfg {
			return nil, errors.Errorf("%s holds a checkpoint of a different run (%s %s %s seed %d): use another results folder or delete it",
				opt.Out, saved.Target, saved.Method, saved.Budget, saved.Seed)
		}
		if res.Trainer, err = train.Resume(backend, t, ckptDir); err != nil {
			return nil, err
		}
		res.Resumed = res.Trainer.EpochsDone
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, "resuming %s from epoch %d of %d\n", ckptDir, res.Resumed, cfg.Epochs)
		}
	} else if res.Trainer, err = train.New(backend, t, cfg); err != nil {
		return nil, err
	}
	res.Trainer.Progress = opt.Progress
	start := time.Now()
	if err := res.Trainer.Run(ckptDir); err != nil {
		return nil, err
	}
	res.TrainSeconds = time.Since(start).Seconds()

	gen, err := res.Trainer.Sample(cfg.EvalSamples)
	if err != nil {
		return nil, err
	}
	res.Samples = t.ToTargetCoords(gen)
	if res.Energies, err = target.Energies(backend, t, gen); err != nil {
		return nil, errors.WithMessage(err, "energies of the generated samples")
	}
	if err := res.evaluate(gen, opt.Reference); err != nil {
		return nil, err
	}
	if opt.Out != "" {
		if err := res.write(opt.Backend); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// evaluate fills Reference and Metrics; gen is in sampler coordinates.
func (r *Result) evaluate(gen, reference [][]float64) error {
	t := r.Target
	var ref [][]float64
	switch {
	case reference != nil:
		if err := t.CheckRows(reference); err != nil {
			return errors.WithMessage(err, "reference samples")
		}
		ref = t.FromTargetCoords(reference)
		if t.IsParticleSystem() {
			for _, row := range ref {
				target.RemoveCentreOfMass(row, t.Particles, t.SpatialDim)
			}
		}
		if len(ref) > len(gen) {
			ref = ref[:len(gen)]
		} else if len(ref) < len(gen) {
			gen = gen[:len(ref)]
		}
	case HasReference(t):
		var err error
		ref, err = evaluate.Reference(t, len(gen), rand.New(rand.NewPCG(uint64(r.Config.Seed), 99)))
		if err != nil {
			return err
		}
	default:
		return nil
	}
	m, err := evaluate.Evaluate(r.backend, t, gen, ref)
	if err != nil {
		return err
	}
	r.Metrics = &m
	r.Reference = t.ToTargetCoords(ref)
	return nil
}

// HasReference reports whether t has built-in reference samples (exact draws for mixtures,
// iDEM's test split for DW-4 and LJ-13).
func HasReference(t *target.Target) bool {
	if t.Mixture != nil {
		return true
	}
	_, err := target.ReferenceSamples(t.Name)
	return err == nil
}

// Summary is a one-line account of the run: target, method, budget, seed, the main metrics
// and the wall time.
func (r *Result) Summary() string {
	s := fmt.Sprintf("%s %s (%s, seed %d):", r.Target.Name, r.Config.Method, r.Config.Budget, r.Config.Seed)
	if m := r.Metrics; m != nil {
		s += fmt.Sprintf(" x-W2 %.4g  E-W2 %.4g", m.XW2, m.EW2)
		if m.Modes > 0 {
			s += fmt.Sprintf("  modes %d/%d", m.ModesCovered, m.Modes)
		}
		if r.Target.IsParticleSystem() {
			s += fmt.Sprintf("  E-TVD %.3g  D-TVD %.3g", m.EnergyTVD, m.DistTVD)
		}
	} else {
		s += fmt.Sprintf(" no reference samples; mean energy %.4g", mean(r.Energies))
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

// record is metrics.json.
type record struct {
	Target       string              `json:"target"`
	Method       train.Method        `json:"method"`
	Budget       string              `json:"budget"`
	Seed         int64               `json:"seed"`
	Metrics      *evaluate.Metrics   `json:"metrics,omitempty"`
	History      []train.EpochStats  `json:"history"`
	LevelSigmas  []float64           `json:"level_sigmas"`
	TrainSeconds float64             `json:"train_seconds"`
	ResumedFrom  int                 `json:"resumed_from_epoch,omitempty"`
	Backend      string              `json:"backend,omitempty"`
	Go           string              `json:"go"`
	Versions     map[string]string   `json:"versions"`
	Coordinates  string              `json:"samples_coordinates"`
	Files        map[string][]string `json:"files"`
}

func (r *Result) write(backend string) error {
	dir := r.Dir
	if err := npyfile.Write(filepath.Join(dir, "samples.npy"), r.Samples); err != nil {
		return err
	}
	if err := npyfile.WriteVector(filepath.Join(dir, "energies.npy"), r.Energies); err != nil {
		return err
	}
	if r.Reference != nil {
		if err := npyfile.Write(filepath.Join(dir, "reference.npy"), r.Reference); err != nil {
			return err
		}
	}
	if last := r.Trainer.LastStep; len(last.Weights) > 0 {
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
	rec := record{Target: r.Target.Name, Method: r.Config.Method, Budget: r.Config.Budget, Seed: r.Config.Seed,
		Metrics: r.Metrics, History: r.Trainer.History, LevelSigmas: r.Trainer.LevelSigmas(),
		TrainSeconds: r.TrainSeconds, ResumedFrom: r.Resumed, Backend: backend, Go: runtime.Version(),
		Versions: Versions(), Coordinates: fmt.Sprintf("target coordinates (sampler coordinates × %g)", r.Target.Scale),
		Files: map[string][]string{"figures": written}}
	if err := WriteJSON(filepath.Join(dir, "metrics.json"), rec); err != nil {
		return err
	}
	return WriteJSON(filepath.Join(dir, "config.json"), r.Config)
}

// Figure is a named plot with its size for a paper.
type Figure struct {
	Name string
	Plot *gplot.Plot
	W, H vg.Length
}

// Figures draws the run's figures: training loss and ESS per epoch, the importance-weight
// diagnostics (ESS per noise level at the first, middle and last epoch), for 2-D targets the
// samples over the target's contours, and with a reference the energy histograms (and for
// particle systems the interatomic-distance histograms) of samples against reference.
// They are drawn on the first call and the same plots are returned afterwards.
func (r *Result) Figures() ([]Figure, error) {
	if r.figures != nil {
		return r.figures, nil
	}
	t, tr := r.Target, r.Trainer
	title := fmt.Sprintf("%s %s", t.Name, r.Config.Method)
	var figs []Figure
	add := func(name string, p *gplot.Plot, err error, square bool) error {
		if err != nil {
			return errors.WithMessagef(err, "figure %s", name)
		}
		h := 0.75 * plot.ColumnWidth
		if square {
			h = plot.ColumnWidth
		}
		figs = append(figs, Figure{Name: name, Plot: p, W: plot.ColumnWidth, H: h})
		return nil
	}
	epochs := make([]float64, len(tr.History))
	var loss, ess []float64
	val := plot.Series{Label: "validation"}
	for i, h := range tr.History {
		epochs[i] = float64(h.Epoch)
		loss, ess = append(loss, h.Loss), append(ess, h.ESS)
		if h.ValLoss != nil {
			val.X, val.Y = append(val.X, float64(h.Epoch)), append(val.Y, *h.ValLoss)
		}
	}
	if len(epochs) > 0 {
		curves := []plot.Series{{X: epochs, Y: loss}}
		if len(val.X) > 0 { // iDEM's val/loss, which drives the learning-rate schedule
			curves[0].Label = "training"
			curves = append(curves, val)
		}
		p, err := plot.Lines(title, "epoch", "score-matching loss", false, curves...)
		if err := add("loss", p, err, false); err != nil {
			return nil, err
		}
		p, err = plot.Lines(title, "epoch", "normalised ESS of the weights", false, plot.Series{X: epochs, Y: ess})
		if err := add("ess", p, err, false); err != nil {
			return nil, err
		}
		var levels []plot.Series
		sig := tr.LevelSigmas()
		for _, i := range distinct(0, len(tr.History)/2, len(tr.History)-1) {
			h := tr.History[i]
			if len(h.ESSByLevel) == len(sig) {
				levels = append(levels, plot.Series{Label: fmt.Sprintf("epoch %d", h.Epoch), X: sig, Y: h.ESSByLevel})
			}
		}
		if len(levels) > 0 {
			p, err = plot.Lines(title+": importance weights", "noise level σ(t)", "ESS / batch per level", true, levels...)
			if err := add("weights_ess_by_sigma", p, err, false); err != nil {
				return nil, err
			}
		}
	}
	if t.Dim == 2 {
		half := 1.2 * t.Scale
		if r.Reference != nil {
			half = 1.1 * maxAbs(r.Reference)
		}
		p, err := plot.Energy2D(r.backend, t, -half, half, 150)
		if err == nil {
			err = plot.AddSamples(p, r.Samples, string(r.Config.Method)+" samples")
		}
		if err := add("samples", p, err, true); err != nil {
			return nil, err
		}
	}
	if r.Reference != nil {
		er, err := target.Energies(r.backend, t, t.FromTargetCoords(r.Reference))
		if err != nil {
			return nil, err
		}
		p, err := plot.Histograms(t.Name+": energy", "E(x)", r.Energies, er, 60)
		if err := add("energy_hist", p, err, false); err != nil {
			return nil, err
		}
		if t.IsParticleSystem() {
			dg, dr := distances(t, r.Samples), distances(t, r.Reference)
			p, err := plot.Histograms(t.Name+": interatomic distances", "distance", dg, dr, 60)
			if err := add("distance_hist", p, err, false); err != nil {
				return nil, err
			}
		}
	}
	r.figures = figs
	return figs, nil
}

func distances(t *target.Target, rows [][]float64) []float64 {
	var d []float64
	for _, r := range rows {
		d = append(d, metrics.InteratomicDistances(r, t.Particles, t.SpatialDim)...)
	}
	return d
}

func maxAbs(rows [][]float64) float64 {
	m := 0.0
	for _, r := range rows {
		for _, v := range r {
			m = max(m, v, -v)
		}
	}
	return m
}

// distinct returns the distinct values of idx in order.
func distinct(idx ...int) []int {
	var out []int
	for _, i := range idx {
		if len(out) == 0 || out[len(out)-1] != i {
			out = append(out, i)
		}
	}
	return out
}

// SaveFigures writes each figure to dir as NAME.png, NAME.svg and NAME.pdf and returns the
// file names written.
func SaveFigures(figs []Figure, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, errors.Wrapf(err, "creating %s", dir)
	}
	var names []string
	for _, f := range figs {
		for _, ext := range []string{".png", ".svg", ".pdf"} {
			if err := plot.Save(f.Plot, f.W, f.H, filepath.Join(dir, f.Name+ext)); err != nil {
				return nil, err
			}
			names = append(names, f.Name+ext)
		}
	}
	return names, nil
}

// Show displays the figures inline in a notebook (a no-op elsewhere).
func Show(figs []Figure) error {
	for _, f := range figs {
		if err := plot.Show(f.Plot); err != nil {
			return err
		}
	}
	return nil
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
// reference and metrics, without training or sampling again. Notebooks train in one cell
// and draw from the folder in the next.
func Load(backend compute.Backend, t *target.Target, dir string) (*Result, error) {
	var rec record
	raw, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		return nil, errors.Wrapf(err, "%s is not a finished results folder (run the training first)", dir)
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, errors.Wrapf(err, "decoding %s/metrics.json", dir)
	}
	if rec.Target != t.Name {
		return nil, errors.Errorf("%s holds a run of target %q, not %q", dir, rec.Target, t.Name)
	}
	tr, err := train.Resume(backend, t, filepath.Join(dir, "checkpoint"))
	if err != nil {
		return nil, err
	}
	res := &Result{Target: t, Config: tr.Config, Trainer: tr, Metrics: rec.Metrics, TrainSeconds: rec.TrainSeconds,
		Resumed: rec.ResumedFrom, Dir: dir, backend: backend}
	if res.Samples, err = npyfile.Read(filepath.Join(dir, "samples.npy")); err != nil {
		return nil, err
	}
	if res.Energies, err = npyfile.ReadVector(filepath.Join(dir, "energies.npy")); err != nil {
		return nil, err
	}
	if path := filepath.Join(dir, "reference.npy"); fileExists(path) {
		if res.Reference, err = npyfile.Read(path); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
