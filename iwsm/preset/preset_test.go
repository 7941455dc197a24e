package preset

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// Every budget shrinks the paper settings to a valid configuration, cpu and smoke are smaller
// than paper, and each impossible setting names its field.
func TestShrinkAndValidate(t *testing.T) {
	for _, b := range config.Budgets {
		c := Base("iwsm")
		c.SigmaMin, c.SigmaMax = 1e-3, 1
		if err := Shrink(&c, b); err != nil {
			t.Fatal(err)
		}
		if c.Budget != b || c.Validate() != nil {
			t.Errorf("%s: budget %q, validate %v", b, c.Budget, c.Validate())
		}
		if b != "paper" && (c.Epochs >= 1000 || c.IntegrationSteps >= 1000) {
			t.Errorf("%s: %d epochs, %d SDE steps: not reduced", b, c.Epochs, c.IntegrationSteps)
		}
	}
	c := Base("iwsm")
	if err := Shrink(&c, "huge"); err == nil || !strings.Contains(err.Error(), "smoke, cpu, paper") {
		t.Errorf("unknown budget: %v", err)
	}
	ok := Base("iwsm")
	ok.SigmaMin, ok.SigmaMax = 1e-3, 1
	for field, mutate := range map[string]func(*config.Config){
		"sigma_min":        func(c *config.Config) { c.SigmaMin = 0 },
		"k":                func(c *config.Config) { c.K = 0 },
		"time_groups":      func(c *config.Config) { c.TimeGroups = 7 },
		"initial_samples":  func(c *config.Config) { c.InitialSamples = c.BatchSize - 1 },
		"checkpoint_every": func(c *config.Config) { c.CheckpointEvery = 0 },
		"lr_factor":        func(c *config.Config) { c.LRFactor = 1 },
		"diffusion_scale":  func(c *config.Config) { c.DiffusionScale = 0 },
	} {
		c := ok
		mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: error %v does not name the field", field, err)
		}
	}
}

// TestParticleBudgets: every budget of the particle systems validates, and the cpu budgets
// keep LJ-13's and LJ-55's runs to the size the README's wall times were measured at (issue
// 15: ≤ 20 minutes on 2 cores). The check is a cost model, not a clock: the EGNN's edge work
// of a run (reverse-SDE steps of the new and evaluation samples plus three passes per
// training point, times the edges and the edge network's h² per layer) of LJ-55 at cpu may
// not exceed LJ-13's, which its 55² edges would make ~20× larger with LJ-13's settings.
func TestParticleBudgets(t *testing.T) {
	work := func(tg *target.Target, c config.Config) float64 {
		perEpoch := float64(c.SamplesPerEpoch*(c.IntegrationSteps+c.NegativeTimeSteps) + 3*c.StepsPerEpoch*c.BatchSize)
		eval := float64(c.EvalSamples * (c.IntegrationSteps + c.NegativeTimeSteps))
		edges := float64(tg.Particles * (tg.Particles - 1))
		h := float64(c.EGNN.Hidden)
		return (float64(c.Epochs)*perEpoch + eval) * edges * 3 * h * h * float64(c.EGNN.Layers)
	}
	cpu, targets := map[string]config.Config{}, map[string]*target.Target{}
	for _, name := range []string{"dw4", "lj13", "lj55"} {
		tg, err := target.ByName(name)
		if err != nil {
			t.Fatal(err)
		}
		targets[name] = tg
		for _, b := range config.Budgets {
			for _, m := range []string{"iwsm", "idem"} {
				c, err := For(tg, m, b)
				if err == nil {
					err = c.Validate()
				}
				if err != nil {
					t.Errorf("%s %s %s: %v", name, m, b, err)
				}
				if b == "cpu" {
					cpu[name] = c
				}
			}
		}
	}
	if c := cpu["lj13"]; c.Epochs != 20 || c.SamplesPerEpoch != 300 || c.EGNN.Hidden != 64 || c.EGNN.Layers != 5 {
		t.Errorf("lj13 cpu: %d epochs of %d samples, EGNN %d × %d; the README documents 20 × 300, 5 × 64", c.Epochs, c.SamplesPerEpoch, c.EGNN.Layers, c.EGNN.Hidden)
	}
	lj13, lj55 := targets["lj13"], targets["lj55"]
	w13, w55 := work(lj13, cpu["lj13"]), work(lj55, cpu["lj55"])
	if w55 > w13 {
		t.Errorf("LJ-55's cpu run does %.3g edge-network work, more than LJ-13's %.3g", w55, w13)
	}
	paper55, err := For(lj55, "iwsm", "paper")
	if err == nil {
		err = Shrink(&paper55, "cpu") // the particle systems' shared cpu settings, without LJ-55's own
	}
	if err != nil {
		t.Fatal(err)
	}
	if w := work(lj55, paper55); w < 10*w13 {
		t.Errorf("the shared particle cpu settings on LJ-55 (%.3g) should cost ≥ 10× LJ-13's (%.3g): the cost model is off", w, w13)
	}
}

// The settings: σ_max is one separation in target coordinates at every d, the score clip
// follows √d, and every budget gives a valid configuration; the cpu and smoke budgets are
// the two-mode family's own.
func TestTwoModesConfig(t *testing.T) {
	for _, d := range []int{2, 64} {
		tg, _ := target.TwoModes(d, target.TwoModesWeight, target.TwoModesSeparation)
		for _, b := range config.Budgets {
			for _, m := range []string{"iwsm", "idem"} {
				c, err := For(tg, m, b)
				if err != nil {
					t.Fatal(err)
				}
				if err := c.Validate(); err != nil {
					t.Errorf("d=%d %s %s: %v", d, m, b, err)
				}
				if c.SigmaMax*tg.Scale != target.TwoModesSeparation {
					t.Errorf("σ_max = %g in target coordinates, want the separation %g", c.SigmaMax*tg.Scale, target.TwoModesSeparation)
				}
				if want := (math.Sqrt(float64(d)) + 3) * target.TwoModesSeparation; math.Abs(c.MaxScoreNorm-want) > 1e-12 {
					t.Errorf("d=%d: score clip %g, want %g", d, c.MaxScoreNorm, want)
				}
				if b == "cpu" && (c.Epochs != 10 || c.K != 100 || c.IntegrationSteps != 50 || c.BatchSize != 128) {
					t.Errorf("cpu budget: %+v", c)
				}
			}
		}
	}
}

// gmm40w is GMM-40 with other weights: its configuration at every budget is GMM-40's.
func TestWeightedMixtureSharesGMM40sPreset(t *testing.T) {
	for _, b := range config.Budgets {
		cw, err1 := ByName("gmm40w", "iwsm", b)
		c40, err2 := ByName("gmm40", "iwsm", b)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		cw.Target = c40.Target
		if !reflect.DeepEqual(cw, c40) {
			t.Errorf("%s: gmm40w's configuration differs from gmm40's:\n%+v\n%+v", b, cw, c40)
		}
	}
}

// Of finds a target's preset by its name, else by the longest registered prefix, else the
// generic one; Register replaces a name's preset (a notebook cell run twice) and refuses an
// empty name or a preset without Paper; For records target, method and budget.
func TestRegistry(t *testing.T) {
	custom := func(sigmaMax float64) Preset {
		return Preset{Paper: func(t *target.Target, method string) config.Config {
			c := Generic(t, method)
			c.SigmaMax = sigmaMax
			return c
		}}
	}
	quad := target.New("quad-test", 2, nil)
	if c := Of(quad).Paper(quad, "iwsm"); c.SigmaMax != 3 || c.SigmaMin != 1e-3 {
		t.Errorf("an unregistered target: σ %g … %g, want the generic 1e-3 … 3", c.SigmaMin, c.SigmaMax)
	}
	if err := Register("quad-*", custom(5)); err != nil {
		t.Fatal(err)
	}
	if err := Register("quad-test*", custom(6)); err != nil {
		t.Fatal(err)
	}
	if c := Of(quad).Paper(quad, "iwsm"); c.SigmaMax != 6 {
		t.Errorf("longest prefix: σ_max %g, want 6", c.SigmaMax)
	}
	for _, sigmaMax := range []float64{7, 8} { // registered twice: the second wins
		if err := Register("quad-test", custom(sigmaMax)); err != nil {
			t.Fatal(err)
		}
	}
	if c := Of(quad).Paper(quad, "iwsm"); c.SigmaMax != 8 {
		t.Errorf("exact name: σ_max %g, want 8", c.SigmaMax)
	}
	for name, p := range map[string]Preset{"": custom(1), "*": custom(1), "x": {}} {
		if err := Register(name, p); err == nil {
			t.Errorf("Register(%q, %+v): no error", name, p)
		}
	}
	two, err := target.ByName("two-d128")
	if err != nil {
		t.Fatal(err)
	}
	c, err := For(two, "idem", "cpu")
	if err != nil {
		t.Fatal(err)
	}
	if c.Target != "two-d128" || c.Method != "idem" || c.Budget != "cpu" || c.Epochs != 10 {
		t.Errorf("two-d128 idem cpu: %s %s %s, %d epochs; want the two-mode family's cpu budget (10 epochs)", c.Target, c.Method, c.Budget, c.Epochs)
	}
	if _, err := ByName("nope", "iwsm", "cpu"); err == nil {
		t.Error("an unknown target: no error")
	}
}
