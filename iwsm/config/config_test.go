package config_test

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/preset"
)

// Overrides go through JSON names, nested keys with a dot; bad keys and values name
// themselves; config.Diff lists exactly what changed; a resume may change only epochs (upwards),
// checkpoint_every and eval_samples.
func TestOverrides(t *testing.T) {
	base := preset.Base("iwsm")
	base.SigmaMin, base.SigmaMax = 1e-5, 1
	c := base
	if err := c.Apply([]byte(`{"k": 250, "net": {"hidden": 32}}`), []string{"epochs=180", "lambda_h=true", "augment_distribution=uniform", "egnn.layers=4"}); err != nil {
		t.Fatal(err)
	}
	if c.K != 250 || c.Net.Hidden != 32 || c.Net.Layers != base.Net.Layers || c.Epochs != 180 || !c.LambdaH ||
		c.AugmentDistribution != "uniform" || c.EGNN.Layers != 4 {
		t.Errorf("after overrides: %+v", c)
	}
	want := []string{"k=250", "lambda_h=true", "epochs=180", "augment_distribution=uniform", "net.Hidden=32", "egnn.layers=4"}
	if got := config.Diff(base, c); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("config.Diff = %v, want %v", got, want)
	}
	for o, msg := range map[string]string{
		"foo=1":        `unknown setting "foo"`,
		"k=abc":        `"k" must be a int`,
		"k":            "want key=value",
		"target=dw4":   "use -target",
		"BUDGET=paper": "use -budget",
		"epochs=null":  "cannot be null",
		"net.widthx=3": `unknown setting "widthx"`,
		"k=-1":         "k (Monte Carlo samples) must be positive",
	} {
		c := base
		err := c.Apply(nil, []string{o})
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("override %q: error %v, want it to say %q", o, err, msg)
		}
	}
	more := base
	more.Epochs, more.EvalSamples = 2000, 50
	if err := config.CheckResume(base, more, 1000); err != nil {
		t.Errorf("more epochs: %v", err)
	}
	old := base // a checkpoint written before the augmentation settings existed
	old.AugmentDistribution, old.AugmentScale = "", 0
	withAug := base
	withAug.AugmentDistribution, withAug.AugmentScale = config.AugmentUniform, 0.8
	if err := config.CheckResume(old, withAug, 0); err != nil {
		t.Errorf("augmentation off in both, settings differ: %v", err)
	}
	withAug.AugmentFraction = 0.1
	if err := config.CheckResume(old, withAug, 0); err == nil {
		t.Error("turning the augmentation on when resuming: no error")
	}
	if err := config.CheckResume(base, base, 1001); err == nil {
		t.Error("resuming to fewer epochs than done: no error")
	}
	other := base
	other.K, other.Seed = 7, 3
	if err := config.CheckResume(base, other, 0); err == nil || !strings.Contains(err.Error(), "k=7, seed=3") {
		t.Errorf("another K and seed: %v", err)
	}
}

// The parallel-tempering section: config.Diff names its changed keys (and a missing section compares
// as zero), a failed override leaves the configuration as it was, Shrink copies it rather
// than changing a shared one, and Validate needs it for method pt.
func TestParallelTemperingSection(t *testing.T) {
	base := preset.Base(config.ParallelTempering)
	base.SigmaMin, base.SigmaMax, base.PT = 1e-3, 1, preset.DefaultPT(20)
	c := base
	if err := c.Set("pt.sweeps=60"); err != nil {
		t.Fatal(err)
	}
	if d := config.Diff(base, c); !slices.Equal(d, []string{"pt.sweeps=60"}) || base.PT.Sweeps != 10000 {
		t.Errorf("config.Diff %v (base sweeps %d), want [pt.sweeps=60] with the base unchanged", d, base.PT.Sweeps)
	}
	if err := c.Set("pt.move=7"); err == nil || c.PT.Move != config.MoveMALA {
		t.Errorf("a bad override: error %v, move %q afterwards", err, c.PT.Move)
	}
	noPT := base
	noPT.PT = nil
	if d := config.Diff(noPT, base); !slices.Contains(d, "pt.chains=512") {
		t.Errorf("config.Diff against a configuration without pt: %v", d)
	}
	shrunk := base
	if err := preset.Shrink(&shrunk, "smoke"); err != nil {
		t.Fatal(err)
	}
	if shrunk.PT == base.PT || base.PT.Sweeps != 10000 || shrunk.PT.Sweeps != 100 {
		t.Errorf("Shrink: shared %v, sweeps %d and %d", shrunk.PT == base.PT, base.PT.Sweeps, shrunk.PT.Sweeps)
	}
	if err := noPT.Validate(); err == nil || !strings.Contains(err.Error(), `"pt"`) {
		t.Errorf("method pt without settings: %v", err)
	}
	if got := (config.PT{Temperatures: 3, MaxTemperature: 100}).Ladder(); math.Abs(got[1]-10) > 1e-12 || got[0] != 1 || math.Abs(got[2]-100) > 1e-9 {
		t.Errorf("ladder %v, want 1, 10, 100", got)
	}
}

// devices is a setting like any other in JSON and overrides (left out of config.json when
// 0), must not be negative and must divide the batch and the noise levels; it is not part of
// a run's label (config.Diff) and a run may resume on another number of devices.
func TestDevicesSetting(t *testing.T) {
	base := preset.Base("iwsm")
	base.SigmaMin, base.SigmaMax = 1e-5, 1 // batch 512, 16 levels
	raw, err := json.Marshal(base)
	if err != nil || strings.Contains(string(raw), "devices") {
		t.Errorf("one device: JSON %s (%v) names devices", raw, err)
	}
	c := base
	if err := c.Apply([]byte(`{"devices": 4}`), nil); err != nil || c.Devices != 4 {
		t.Fatalf("devices from JSON: %v, devices %d", err, c.Devices)
	}
	if raw, _ := json.Marshal(c); !strings.Contains(string(raw), `"devices":4`) {
		t.Errorf("4 devices: JSON %s", raw)
	}
	if err := c.Apply(nil, []string{"devices=8"}); err != nil || c.Devices != 8 {
		t.Errorf("-set devices=8: %v, devices %d", err, c.Devices)
	}
	if d := config.Diff(base, c); len(d) != 0 {
		t.Errorf("config.Diff names %v; devices is not part of a run's label", d)
	}
	if err := config.CheckResume(c, base, 0); err != nil {
		t.Errorf("resuming a run of 8 devices on one: %v", err)
	}
	for o, msg := range map[string]string{
		"devices=-1": "devices must not be negative, got -1",
		"devices=3":  "devices (3) must divide batch_size (512)",
		"devices=32": "devices (32) must divide time_groups (16)",
	} {
		c := base
		if err := c.Apply(nil, []string{o}); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v, want it to say %q", o, err, msg)
		}
	}
}

// step_pieces, like devices, says how a step is computed, not what: left out of config.json
// when 0, not part of a run's label (config.Diff), free to change on resumption, and never
// negative.
func TestStepPiecesSetting(t *testing.T) {
	base := preset.Base("iwsm")
	base.SigmaMin, base.SigmaMax = 1e-5, 1
	if raw, err := json.Marshal(base); err != nil || strings.Contains(string(raw), "step_pieces") {
		t.Errorf("one piece: JSON %s (%v) names step_pieces", raw, err)
	}
	c := base
	if err := c.Apply(nil, []string{"step_pieces=4"}); err != nil || c.StepPieces != 4 {
		t.Fatalf("-set step_pieces=4: %v, step_pieces %d", err, c.StepPieces)
	}
	if raw, _ := json.Marshal(c); !strings.Contains(string(raw), `"step_pieces":4`) {
		t.Errorf("4 pieces: JSON %s", raw)
	}
	if d := config.Diff(base, c); len(d) != 0 {
		t.Errorf("config.Diff names %v; step_pieces is not part of a run's label", d)
	}
	if err := config.CheckResume(c, base, 0); err != nil {
		t.Errorf("resuming a run of 4 pieces with one: %v", err)
	}
	for o, msg := range map[string]string{
		"step_pieces=-2": "step_pieces must not be negative, got -2",
		"devices=4":      "step_pieces (4) and devices (4): a step runs in pieces on one device",
	} {
		c := c
		if err := c.Apply(nil, []string{o}); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v, want it to say %q", o, err, msg)
		}
	}
}
