package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/go-xla/installer"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/metrics"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/plot"
	"github.com/iwsm-go/iwsm/iwsm/report"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/iwsm/train"
	"github.com/iwsm-go/iwsm/xla"
)

func parse(fs *flag.FlagSet, args []string, required ...string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	for _, name := range required {
		if fs.Lookup(name).Value.String() == "" {
			return usageError{fmt.Sprintf("%s: flag -%s is required", fs.Name(), name)}
		}
	}
	return nil
}

func cmdTargets(args []string) error {
	fs := flag.NewFlagSet("targets", flag.ContinueOnError)
	if err := parse(fs, args); err != nil {
		return err
	}
	for _, name := range target.Names() {
		t, err := target.ByName(name)
		if err != nil {
			return err
		}
		fmt.Printf("%-8s dim %-4d %s\n", t.Name, t.Dim, t.Description)
	}
	return nil
}

func cmdEnergy(args []string) error {
	fs := flag.NewFlagSet("energy", flag.ContinueOnError)
	name := fs.String("target", "", "target name (see 'iwsm targets')")
	in := fs.String("in", "", "input .npy, N×d, float32 or float64")
	out := fs.String("out", "", "output .npy of N float64 energies")
	if err := parse(fs, args, "target", "in", "out"); err != nil {
		return err
	}
	t, err := target.ByName(*name)
	if err != nil {
		return err
	}
	rows, err := npyfile.Read(*in)
	if err != nil {
		return err
	}
	backend, err := xla.Backend()
	if err != nil {
		return err
	}
	e, err := target.Energies(backend, t, rows)
	if err != nil {
		return errors.WithMessage(err, *in)
	}
	return npyfile.WriteVector(*out, e)
}

func cmdTrain(args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	name := fs.String("target", "", "target name")
	method := fs.String("method", "iwsm", "iwsm or idem")
	budget := fs.String("budget", "smoke", "smoke, cpu or paper")
	seed := fs.Int64("seed", 12345, "random seed")
	out := fs.String("out", "", "results folder (resumes from its checkpoint if present)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parse(fs, args, "target", "out"); err != nil {
		return err
	}
	t, err := target.ByName(*name)
	if err != nil {
		return err
	}
	cfg, err := train.DefaultConfig(t.Name, train.Method(*method), *budget)
	if err != nil {
		return err
	}
	cfg.Seed = *seed
	backend, err := xla.Backend()
	if err != nil {
		return err
	}
	choice, _ := xla.Selected()
	ckptDir := filepath.Join(*out, "checkpoint")
	var tr *train.Trainer
	if train.HasCheckpoint(ckptDir) {
		saved, err := train.ReadConfig(ckptDir)
		if err != nil {
			return err
		}
		if saved != cfg {
			return errors.Errorf("%s holds a checkpoint of a different run (%s %s %s seed %d): use another -out or delete it",
				*out, saved.Target, saved.Method, saved.Budget, saved.Seed)
		}
		if tr, err = train.Resume(backend, t, ckptDir); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "iwsm: resuming %s from epoch %d\n", ckptDir, tr.EpochsDone)
	} else if tr, err = train.New(backend, t, cfg); err != nil {
		return err
	}
	if !*quiet {
		tr.Progress = os.Stderr
	}
	start := time.Now()
	if err := tr.Run(ckptDir); err != nil {
		return err
	}
	trainSeconds := time.Since(start).Seconds()
	samples, err := tr.Sample(cfg.EvalSamples)
	if err != nil {
		return err
	}
	ref, err := evaluate.Reference(t, cfg.EvalSamples, rand.New(rand.NewPCG(uint64(cfg.Seed), 99)))
	if err != nil {
		return err
	}
	m, err := evaluate.Evaluate(backend, t, samples, ref)
	if err != nil {
		return err
	}
	scaled := t.ToTargetCoords(samples)
	if err := npyfile.Write(filepath.Join(*out, "samples.npy"), scaled); err != nil {
		return err
	}
	result := map[string]any{
		"target": t.Name, "method": cfg.Method, "budget": cfg.Budget, "seed": cfg.Seed,
		"metrics": m, "history": tr.History, "train_seconds": trainSeconds,
		"backend": choice.Config, "go": runtime.Version(), "versions": versions(),
		"samples_coordinates": fmt.Sprintf("target coordinates (sampler coordinates × %g)", t.Scale),
	}
	if err := writeJSON(filepath.Join(*out, "metrics.json"), result); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(*out, "config.json"), cfg); err != nil {
		return err
	}
	if err := writeFigures(backend, t, tr, scaled, ref, filepath.Join(*out, "figures")); err != nil {
		return err
	}
	fmt.Printf("%s %s (%s, seed %d): x-W2 %.4g  E-W2 %.4g", t.Name, cfg.Method, cfg.Budget, cfg.Seed, m.XW2, m.EW2)
	if m.Modes > 0 {
		fmt.Printf("  modes %d/%d", m.ModesCovered, m.Modes)
	}
	fmt.Printf("  (%.0f s, %s) -> %s\n", trainSeconds, choice.Config, *out)
	return nil
}

func cmdSample(args []string) error {
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	dir := fs.String("checkpoint", "", "checkpoint folder (RESULTS/checkpoint)")
	n := fs.Int("n", 1000, "number of samples")
	out := fs.String("out", "", "output .npy, N×d in the target's coordinates")
	if err := parse(fs, args, "checkpoint", "out"); err != nil {
		return err
	}
	if *n <= 0 {
		return usageError{fmt.Sprintf("sample: -n must be positive, got %d", *n)}
	}
	cfg, err := train.ReadConfig(*dir)
	if err != nil {
		return err
	}
	t, err := target.ByName(cfg.Target)
	if err != nil {
		return err
	}
	backend, err := xla.Backend()
	if err != nil {
		return err
	}
	tr, err := train.Resume(backend, t, *dir)
	if err != nil {
		return err
	}
	rows, err := tr.Sample(*n)
	if err != nil {
		return err
	}
	return npyfile.Write(*out, t.ToTargetCoords(rows))
}

func cmdInstallXLA(args []string) error {
	fs := flag.NewFlagSet("install-xla", flag.ContinueOnError)
	plugin := fs.String("plugin", "cpu", "PJRT plugin to install: cpu or cuda")
	path := fs.String("path", "", "install directory (default ~/.local/lib); a go-xla folder is created in it")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "iwsm: downloading the %s PJRT plugin (needs internet access)...\n", *plugin)
	if err := installer.AutoInstallPlugin(*plugin, *path, true, installer.Normal); err != nil {
		return errors.WithMessagef(err, "installing PJRT plugin %s", *plugin)
	}
	fmt.Fprintf(os.Stderr, "iwsm: done; IWSM_BACKEND=auto (the default) now picks xla:%s\n", *plugin)
	return nil
}

func writeJSON(path string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return errors.Wrapf(err, "encoding %s", path)
	}
	return npyfile.WriteFileAtomic(path, append(raw, '\n'))
}

func versions() map[string]string {
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

func cmdEval(args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	name := fs.String("target", "", "target name")
	samplesPath := fs.String("samples", "", "generated samples .npy, N×d in the target's coordinates")
	refPath := fs.String("reference", "", "reference samples .npy (default: the built-in reference: exact draws for mixtures, iDEM's test split for dw4/lj13)")
	out := fs.String("out", "", "metrics .json")
	seed := fs.Int64("seed", 12345, "seed for drawing/subsampling the built-in reference")
	if err := parse(fs, args, "target", "samples", "out"); err != nil {
		return err
	}
	t, err := target.ByName(*name)
	if err != nil {
		return err
	}
	samples, err := npyfile.Read(*samplesPath)
	if err != nil {
		return err
	}
	if err := t.CheckRows(samples); err != nil {
		return errors.WithMessage(err, *samplesPath)
	}
	samples = t.FromTargetCoords(samples)
	var ref [][]float64
	if *refPath != "" {
		if ref, err = npyfile.Read(*refPath); err != nil {
			return err
		}
		if err := t.CheckRows(ref); err != nil {
			return errors.WithMessage(err, *refPath)
		}
		ref = t.FromTargetCoords(ref)
		if t.IsParticleSystem() {
			for _, r := range ref {
				target.RemoveCentreOfMass(r, t.Particles, t.SpatialDim)
			}
		}
	} else if ref, err = evaluate.Reference(t, len(samples), rand.New(rand.NewPCG(uint64(*seed), 99))); err != nil {
		return err
	}
	if t.IsParticleSystem() {
		for _, r := range samples {
			target.RemoveCentreOfMass(r, t.Particles, t.SpatialDim)
		}
	}
	backend, err := xla.Backend()
	if err != nil {
		return err
	}
	m, err := evaluate.Evaluate(backend, t, samples, ref)
	if err != nil {
		return err
	}
	if err := writeJSON(*out, m); err != nil {
		return err
	}
	fmt.Printf("%s: n %d  x-W2 %.4g  E-W2 %.4g -> %s\n", t.Name, m.N, m.XW2, m.EW2, *out)
	return nil
}

// writeFigures writes the training curves, for particle targets the energy and distance
// histograms against ref (the reference the metrics used, sampler coordinates), and for
// 2-D targets the samples over the target's contours, each as PNG, SVG and PDF sized for
// one paper column.
func writeFigures(backend compute.Backend, t *target.Target, tr *train.Trainer, samples, ref [][]float64, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrapf(err, "creating %s", dir)
	}
	formats := func(name string) []string {
		return []string{filepath.Join(dir, name+".png"), filepath.Join(dir, name+".svg"), filepath.Join(dir, name+".pdf")}
	}
	var loss, ess []float64
	for _, h := range tr.History {
		loss, ess = append(loss, h.Loss), append(ess, h.ESS)
	}
	for _, c := range []struct {
		name, label string
		ys          []float64
	}{{"loss", "training loss", loss}, {"ess", "normalised ESS of the weights", ess}} {
		p, err := plot.Curve(fmt.Sprintf("%s %s", t.Name, tr.Config.Method), c.label, c.ys)
		if err != nil {
			return err
		}
		if err := plot.Save(p, plot.ColumnWidth, 0.75*plot.ColumnWidth, formats(c.name)...); err != nil {
			return err
		}
	}
	if t.IsParticleSystem() {
		gen := t.FromTargetCoords(samples)
		eg, err := target.Energies(backend, t, gen)
		if err != nil {
			return err
		}
		er, err := target.Energies(backend, t, ref)
		if err != nil {
			return err
		}
		p, err := plot.Histograms(t.Name+": energy", "E(x)", eg, er, 60)
		if err != nil {
			return err
		}
		if err := plot.Save(p, plot.ColumnWidth, 0.75*plot.ColumnWidth, formats("energy_hist")...); err != nil {
			return err
		}
		var dg, dr []float64
		for _, r := range gen {
			dg = append(dg, metrics.InteratomicDistances(r, t.Particles, t.SpatialDim)...)
		}
		for _, r := range ref {
			dr = append(dr, metrics.InteratomicDistances(r, t.Particles, t.SpatialDim)...)
		}
		if p, err = plot.Histograms(t.Name+": interatomic distances", "distance", dg, dr, 60); err != nil {
			return err
		}
		if err := plot.Save(p, plot.ColumnWidth, 0.75*plot.ColumnWidth, formats("distance_hist")...); err != nil {
			return err
		}
	}
	if t.Dim == 2 {
		half := 1.2 * t.Scale
		p, err := plot.Energy2D(backend, t, -half, half, 150)
		if err != nil {
			return err
		}
		if err := plot.AddSamples(p, samples, string(tr.Config.Method)+" samples"); err != nil {
			return err
		}
		if err := plot.Save(p, plot.ColumnWidth, plot.ColumnWidth, formats("samples")...); err != nil {
			return err
		}
	}
	return nil
}

func cmdTable(args []string) error {
	fs := flag.NewFlagSet("table", flag.ContinueOnError)
	out := fs.String("out", "", "folder for table.md, table.csv and table.tex")
	caption := fs.String("caption", "Sampling metrics (mean ± std over seeds).", "LaTeX caption")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		return usageError{"table: usage: iwsm table -out DIR RESULTS_DIR..."}
	}
	var runs []report.Run
	for _, dir := range fs.Args() {
		r, err := report.ReadRun(dir)
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}
	tab := report.Collect(runs, []string{"x_w2", "e_w2", "energy_tvd", "dist_tvd", "modes_covered"})
	for name, body := range map[string]string{"table.md": tab.Markdown(), "table.csv": tab.CSV(), "table.tex": tab.LaTeX(*caption)} {
		if err := npyfile.WriteFileAtomic(filepath.Join(*out, name), []byte(body)); err != nil {
			return err
		}
	}
	fmt.Print(tab.Markdown())
	return nil
}
