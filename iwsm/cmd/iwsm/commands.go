package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gomlx/go-xla/installer"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/experiment"
	"github.com/iwsm-go/iwsm/iwsm/mcmc"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/report"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/sampler"
	"github.com/iwsm-go/iwsm/iwsm/sde"
	"github.com/iwsm-go/iwsm/iwsm/target"
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

// settings are the -config FILE and repeated -set key=value flags of train and config: a
// full or partial configuration over the budget's defaults, then single overrides, as iDEM's
// Hydra users write them.
type settings struct {
	file string
	sets []string
}

func (s *settings) register(fs *flag.FlagSet) {
	fs.StringVar(&s.file, "config", "", "JSON file with a full or partial configuration (as 'iwsm config' prints it) over the budget's defaults")
	fs.Func("set", "override one setting, key=value (repeatable; e.g. -set epochs=180 -set k=500; nested keys: net.Hidden, egnn.layers)",
		func(v string) error { s.sets = append(s.sets, v); return nil })
}

// apply applies the file and the overrides to cfg and validates it.
func (s *settings) apply(cfg *config.Config) error {
	var raw []byte
	if s.file != "" {
		var err error
		if raw, err = os.ReadFile(s.file); err != nil {
			return errors.Wrapf(err, "reading -config %s", s.file)
		}
	}
	if err := cfg.Apply(raw, s.sets); err != nil {
		if s.file != "" {
			return errors.WithMessagef(err, "-config %s", s.file)
		}
		return err
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
	coords := fs.String("coords", "target", "coordinates of the input rows: target (as samples.npy, the target's own) or sampler "+
		"(the coordinates the sampler trains in: x/50 for gmm40, x/100 for gmm80, x/150 for gmm120; the same for the particle systems)")
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
	switch *coords {
	case "target":
		rows = t.FromTargetCoords(rows)
	case "sampler":
	default:
		return usageError{fmt.Sprintf("energy: -coords must be target or sampler, got %q", *coords)}
	}
	backend, err := xla.Backend()
	if err != nil {
		return err
	}
	e, err := target.Energies(backend, t, rows)
	if err != nil {
		return errors.WithMessage(err, *in)
	}
	if bad := nonFinite(e); len(bad) > 0 {
		return errors.Errorf("%s: %s of %d have a non-finite energy (E = %g at row %d): a point outside the range the energy is defined on, or coordinates too large for float32; nothing written",
			*in, rowList(bad), len(e), e[bad[0]], bad[0])
	}
	return npyfile.WriteVector(*out, e)
}

// nonFinite returns the indices of the NaN and infinite values of v.
func nonFinite(v []float64) []int {
	var out []int
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			out = append(out, i)
		}
	}
	return out
}

// rowList names rows for an error: "row 3", "rows 0, 4, 7", or the first five and how many.
func rowList(rows []int) string {
	if len(rows) == 1 {
		return fmt.Sprintf("row %d", rows[0])
	}
	parts := make([]string, 0, 6)
	for _, r := range rows[:min(len(rows), 5)] {
		parts = append(parts, fmt.Sprint(r))
	}
	if len(rows) > 5 {
		parts = append(parts, fmt.Sprintf("… (%d rows)", len(rows)))
	}
	return "rows " + strings.Join(parts, ", ")
}

func cmdTrain(args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	var run runFlags
	run.register(fs)
	seed := fs.Int64("seed", 1, "random seed (the notebooks run seeds 1, 2, 3)")
	out := fs.String("out", "", "results folder (resumes from its checkpoint if present; more -set epochs continue a finished run)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	restart := fs.Bool("restart", false, "delete the checkpoint in -out first and train from the first epoch")
	devices := fs.Int("devices", 0, "train on this many devices of an XLA backend, the batch split over them "+
		"(= -set devices=N; the CPU plugin makes them from one CPU; must divide the batch and the noise levels; 0: one device)")
	if err := parse(fs, args, "target", "out"); err != nil {
		return err
	}
	if *devices != 0 {
		run.set.sets = append(run.set.sets, fmt.Sprintf("devices=%d", *devices))
	}
	t, cfg, err := run.config(func(c *config.Config) { c.Seed = *seed })
	if err != nil {
		return err
	}
	backend, err := xla.Backend()
	if err != nil {
		return err
	}
	if backend, err = xla.ForDevices(backend, cfg.Devices); err != nil {
		return err
	}
	if *restart { // only once every flag is known to be good: a typo must not cost the run
		if err := rundir.RemoveCheckpoint(*out, os.Stderr); err != nil {
			return err
		}
	}
	choice, _ := xla.Selected()
	opt := experiment.Options{Out: *out, Backend: choice.Config, Log: os.Stderr}
	if !*quiet {
		opt.Progress = os.Stderr
	}
	res, err := experiment.Run(backend, t, cfg, opt)
	if err != nil {
		return err
	}
	where := choice.Config
	if cfg.Devices > 1 {
		where += fmt.Sprintf(", %d devices", cfg.Devices)
	}
	fmt.Printf("%s (%s) -> %s\n", res.Summary(), where, *out)
	return nil
}

func cmdMCMC(args []string) error {
	fs := flag.NewFlagSet("mcmc", flag.ContinueOnError)
	name := fs.String("target", "lj55", "Lennard-Jones target: lj13 or lj55")
	chains := fs.Int("chains", 8, "independent chains (run in parallel)")
	burnIn := fs.Int("burnin", 200000, "burn-in sweeps per chain (one sweep = one move per particle)")
	thin := fs.Int("thin", 1000, "sweeps between kept samples")
	n := fs.Int("n", 125, "samples kept per chain")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "", "output .npy (chains·n × d, centre of mass removed)")
	if err := parse(fs, args, "out"); err != nil {
		return err
	}
	t, err := target.ByName(*name)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(t.Name, "lj") {
		return usageError{fmt.Sprintf("mcmc: only the Lennard-Jones targets (lj13, lj55) are supported, got %q", t.Name)}
	}
	start := time.Now()
	res, err := mcmc.LJ{N: t.Particles, Dim: t.SpatialDim}.Sample(mcmc.Options{
		Chains: *chains, BurnIn: *burnIn, Thin: *thin, SamplesPerChain: *n, Seed: *seed})
	if err != nil {
		return err
	}
	if err := npyfile.Write(*out, res.Samples); err != nil {
		return err
	}
	fmt.Printf("%s: %d samples in %.0f s; acceptance %.2f…%.2f; mean energy per chain %v -> %s\n", t.Name, len(res.Samples),
		time.Since(start).Seconds(), slices.Min(res.Acceptance), slices.Max(res.Acceptance), roundAll(res.ChainMeanEnergy), *out)
	return nil
}

func roundAll(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Round(x*100) / 100
	}
	return out
}

// cmdRunDir prints the results folder a run of these flags belongs in (experiment.RunDir,
// the rule the notebooks load runs by): iwsm train -out "$(iwsm rundir -results R ...)" ...
func cmdRunDir(args []string) error {
	fs := flag.NewFlagSet("rundir", flag.ContinueOnError)
	root := fs.String("results", "results", "results root (the notebooks' IWSM_RESULTS)")
	seed := fs.Int64("seed", 1, "random seed (the notebooks run seeds 1, 2, 3)")
	fs.Int("devices", 0, "accepted so that train's flags can be given as they are: the folder does not depend on the device count")
	var run runFlags
	run.register(fs)
	if err := parse(fs, args, "target"); err != nil {
		return err
	}
	t, cfg, err := run.config(func(c *config.Config) { c.Seed = *seed })
	if err != nil {
		return err
	}
	dir, err := experiment.RunDir(*root, t, cfg)
	if err != nil {
		return err
	}
	fmt.Println(dir)
	return nil
}

// runFlags are the flags that name a run's configuration, shared by train, config and rundir:
// -target, -method, -budget and the -config/-set overrides.
type runFlags struct {
	target, method, budget *string
	set                    settings
}

func (r *runFlags) register(fs *flag.FlagSet) {
	r.target = fs.String("target", "", "target name")
	r.method = fs.String("method", "iwsm", "sampler: a training method or a reference (see 'iwsm methods')")
	r.budget = fs.String("budget", "cpu", "smoke (seconds, CI), cpu (a laptop, as the notebooks) or paper")
	r.set.register(fs)
}

// config is the target's configuration for the method at the budget, with before applied
// ahead of the overrides (so that an override may change what it set).
func (r *runFlags) config(before func(*config.Config)) (*target.Target, config.Config, error) {
	t, err := target.ByName(*r.target)
	if err != nil {
		return nil, config.Config{}, err
	}
	if _, err := experiment.Kind(*r.method); err != nil {
		return nil, config.Config{}, err
	}
	cfg, err := preset.For(t, *r.method, *r.budget)
	if err != nil {
		return nil, config.Config{}, err
	}
	if before != nil {
		before(&cfg)
	}
	if err := r.set.apply(&cfg); err != nil {
		return nil, config.Config{}, err
	}
	return t, cfg, nil
}

func cmdConfig(args []string) error {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	var run runFlags
	run.register(fs)
	if err := parse(fs, args, "target"); err != nil {
		return err
	}
	_, cfg, err := run.config(nil)
	if err != nil {
		return err
	}
	raw, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return errors.Wrap(err, "encoding the configuration")
	}
	fmt.Println(string(raw))
	return nil
}

// cmdSample draws samples from a run's checkpoint into an .npy file (target coordinates);
// samples that diverged are left out, with a line saying how many.
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
	cfg, err := rundir.ReadConfig(*dir)
	if err != nil {
		return err
	}
	t, err := target.ByName(cfg.Target)
	if err != nil {
		return err
	}
	kind, err := experiment.Kind(cfg.Method)
	if err != nil {
		return err
	}
	backend, err := xla.Backend()
	if err != nil {
		return err
	}
	s, err := kind.Resume(backend, t, cfg, *dir, os.Stderr)
	if err != nil {
		return err
	}
	rows, err := s.Samples(*n)
	left, err := sde.LeaveOutNonFinite(rows, err) // written without them, and said
	if err != nil {
		return err
	}
	if left != nil {
		fmt.Fprintf(os.Stderr, "iwsm: %v; writing the other %d\n", left, len(rows))
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

func cmdEval(args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	name := fs.String("target", "", "target name")
	samplesPath := fs.String("samples", "", "generated samples .npy, N×d in the target's coordinates")
	refPath := fs.String("reference", "", "reference samples .npy (default: the built-in reference: exact draws for mixtures, iDEM's test split for dw4/lj13)")
	out := fs.String("out", "", "metrics .json")
	seed := fs.Int64("seed", 1, "seed for drawing/subsampling the built-in reference and for the paper protocol's resampling")
	protocolName := fs.String("protocol", "idem", "evaluation protocol: idem (iDEM's: N generated against N reference samples) or paper "+
		"(the IWSM code's plot_and_metric.py: non-finite mixture samples dropped, the rest clamped to ± the normalisation factor, "+
		"drawn with replacement to the reference's size (10,000 exact draws for mixtures, the whole test split otherwise); W1, W2 and √N-bin histogram TVs)")
	noClamp := fs.Bool("no-clamp", false, "paper protocol: keep mixture samples beyond ± the normalisation factor (the code clamps in the units of its samples file; DEM's own samples, in normalised units, were in effect not clamped)")
	if err := parse(fs, args, "target", "samples", "out"); err != nil {
		return err
	}
	protocol, err := evaluate.ParseProtocol(*protocolName)
	if err != nil {
		return usageError{err.Error()}
	}
	t, err := target.ByName(*name)
	if err != nil {
		return err
	}
	// fileError names the file an evaluation error comes from.
	fileError := func(err error) error {
		var ie *evaluate.InputError
		if !errors.As(err, &ie) {
			return err
		}
		switch {
		case ie.Set == "generated samples":
			return errors.Errorf("%s (%s): %v", *samplesPath, ie.Set, ie.Err)
		case *refPath != "":
			return errors.Errorf("%s (%s): %v", *refPath, ie.Set, ie.Err)
		}
		return errors.Errorf("built-in %s of %s: %v", ie.Set, t.Name, ie.Err)
	}
	rows, err := npyfile.Read(*samplesPath)
	if err != nil {
		return err
	}
	samples, err := evaluate.GeneratedFromTarget(t, rows, protocol)
	if err != nil {
		return fileError(err)
	}
	var ref [][]float64
	if *refPath != "" {
		if ref, err = npyfile.Read(*refPath); err != nil {
			return err
		}
		if ref, err = evaluate.ReferenceFromTarget(t, ref); err != nil {
			return fileError(err)
		}
	}
	backend, err := xla.Backend()
	if err != nil {
		return err
	}
	ev, err := evaluate.EvaluateRows(backend, t, samples, evaluate.Options{Protocol: protocol, Seed: *seed, Reference: ref, NoClamp: *noClamp})
	if err != nil {
		return fileError(err)
	}
	if err := rundir.WriteJSON(*out, ev.Metrics); err != nil {
		return err
	}
	line := fmt.Sprintf("%s (%s protocol): n %d", t.Name, protocol, ev.N())
	for _, v := range ev.Metrics {
		for _, m := range evaluate.Registered() {
			if m.Name == v.Name && evaluate.ProtocolOf(m.Name) == protocol && m.Name != evaluate.Count.Name && m.Name != evaluate.CountPaper.Name {
				line += fmt.Sprintf("  %s %.4g", m.ShortName, v.Value)
			}
		}
	}
	fmt.Printf("%s -> %s\n", line, *out)
	return nil
}

// cmdMethods lists the registered samplers (the diffusion methods, then the others), one
// line each, with where they appear by default.
func cmdMethods(args []string) error {
	fs := flag.NewFlagSet("methods", flag.ContinueOnError)
	if err := parse(fs, args); err != nil {
		return err
	}
	roles := map[sampler.Role]string{sampler.Compared: "compared", sampler.Ablation: "ablation", sampler.Reference: "reference"}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 1, ' ', 0)
	for _, k := range experiment.Kinds() {
		fmt.Fprintf(w, "%s\t%s\t%s\n", k.Name, roles[k.Role], k.Description)
	}
	return w.Flush()
}

// tableColumns are the columns of `iwsm table` per protocol: for targets that draw exactly
// (the mixtures: modes and where the samples lie) and for the others (the particle systems:
// distances and energies); then every run's energy evaluations and its wall time (training
// and final samples, so that the oracle's sampling counts), the costs a comparison must match.
var tableColumns = map[evaluate.Protocol]map[bool][]string{
	evaluate.IDEM: {
		true:  {"x_w2", "e_w2", "modes_covered", "mode_tv", "near_pct", "out_pct", "energy_tvd", report.EnergyEvaluations, report.Minutes},
		false: {"x_w2", "e_w2", "dist_tvd", "energy_tvd", report.EnergyEvaluations, report.Minutes},
	},
	evaluate.Paper: {
		true:  {"w1_paper", "w2_paper", "energy_tv_paper", "sample_tv_paper", "dropped_paper", report.EnergyEvaluations, report.Minutes},
		false: {"w1_paper", "w2_paper", "energy_tv_paper", "dist_tv_paper", report.EnergyEvaluations, report.Minutes},
	},
}

// cmdTable prints the finished runs in or below the given folders as tables (mean ± std over
// seeds per target, method, budget and overrides), one for the mixtures and one for the other
// targets, and with -out writes them as Markdown, CSV and LaTeX. Each run is loaded
// (experiment.Load), so a metric registered after it was written is computed from its samples.
func cmdTable(args []string) error {
	fs := flag.NewFlagSet("table", flag.ContinueOnError)
	out := fs.String("out", "", "folder for table.md, table.csv and table.tex (mixtures/ and others/ when there are both)")
	caption := fs.String("caption", "Sampling metrics (mean ± std over seeds).", "LaTeX caption")
	protocolName := fs.String("protocol", "idem", "the protocol whose metrics are the columns: idem (iDEM's) or paper (the IWSM code's, keys ending in _paper)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"table: usage: iwsm table [-out DIR] [-protocol idem|paper] RESULTS_DIR..."}
	}
	protocol, err := evaluate.ParseProtocol(*protocolName)
	if err != nil {
		return usageError{"table: " + err.Error()}
	}
	recs, err := rundir.Find(fs.Args()...)
	if err != nil {
		return err
	}
	backend, err := xla.Backend()
	if err != nil {
		return err
	}
	groups := map[bool][]*experiment.Result{}
	for _, rec := range recs {
		t, err := target.ByName(rec.Target)
		if err != nil {
			return errors.WithMessagef(err, "%s", rec.Dir)
		}
		res, err := experiment.Load(backend, t, rec.Dir)
		if err != nil {
			return err
		}
		groups[t.DrawsExactly()] = append(groups[t.DrawsExactly()], res)
	}
	for _, mixtures := range []bool{true, false} {
		runs := groups[mixtures]
		if len(runs) == 0 {
			continue
		}
		tab := experiment.Collect(runs, tableColumns[protocol][mixtures])
		fmt.Print(tab.Markdown(), "\n")
		if *out == "" {
			continue
		}
		dir := *out
		if len(groups) == 2 {
			dir = filepath.Join(dir, map[bool]string{true: "mixtures", false: "others"}[mixtures])
		}
		if err := tab.WriteFiles(dir, *caption); err != nil {
			return err
		}
	}
	return nil
}
