package experiment

import (
	"path/filepath"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// The folder of a run follows from (target, budget, method, overrides, seed) alone, written
// out here by hand: overrides in config.Diff's order (Config's field order, not the order of
// the -set flags), values as Diff prints them, so that -set augment_fraction=0.10 and
// -set augment_fraction=0.1 name one folder, and a setting set to its default names none.
func TestRunDirFollowsTheRule(t *testing.T) {
	gmm, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		method string
		sets   []string
		seed   int64
		want   string
	}{
		{"iwsm", nil, 1, "iwsm-seed1"},
		{"idem", []string{"augment_fraction=0.1"}, 2, "idem+augment_fraction=0.1-seed2"},
		{"idem", []string{"augment_fraction=0.10"}, 2, "idem+augment_fraction=0.1-seed2"},
		{"iwsm", []string{"augment_fraction=0"}, 3, "iwsm-seed3"},
		{"iwsm", []string{"augment_fraction=0.05", "time_groups=4"}, 1, "iwsm+time_groups=4,augment_fraction=0.05-seed1"},
		{"iwsm", []string{"time_groups=4", "augment_fraction=0.05"}, 1, "iwsm+time_groups=4,augment_fraction=0.05-seed1"},
		{"iwsm-def0.1", nil, 12, "iwsm-def0.1-seed12"},
		{"idem-levels", []string{"net.hidden=32"}, 1, "idem-levels+net.Hidden=32-seed1"}, // Diff names the field as config.json does,
	} {
		cfg, err := preset.For(gmm, c.method, "cpu") // as `iwsm train` builds it
		if err != nil {
			t.Fatal(err)
		}
		cfg.Seed = c.seed
		if err := cfg.Apply(nil, c.sets); err != nil {
			t.Fatal(err)
		}
		got, err := RunDir("/r", gmm, cfg)
		if err != nil {
			t.Fatalf("%s %v: %v", c.method, c.sets, err)
		}
		if want := filepath.Join("/r", "gmm40", "cpu", c.want); got != want {
			t.Errorf("%s %v seed %d: %s, want %s", c.method, c.sets, c.seed, got, want)
		}
	}
}

// Collect averages the runs' metrics per (target, method, budget, overrides): the means and
// sample standard deviations below are computed by hand.
func TestCollectAveragesLoadedRunsByHand(t *testing.T) {
	gmm, _ := target.GMM40()
	run := func(method string, seed int64, xw2, out float64, sets ...string) *Result {
		cfg, _ := preset.For(gmm, method, "smoke")
		cfg.Seed = seed
		if err := cfg.Apply(nil, sets); err != nil {
			t.Fatal(err)
		}
		overrides, err := preset.Overrides(gmm, cfg)
		if err != nil {
			t.Fatal(err)
		}
		m := evaluate.Metrics{{Name: "x_w2", Value: xw2}, {Name: "out_pct", Value: out}}
		rec := rundir.Record{Target: gmm.Name, Method: method, Budget: cfg.Budget, Seed: seed, Overrides: overrides, Metrics: m}
		return &Result{Target: gmm, Config: cfg, Record: rec, Metrics: m}
	}
	tab := Collect([]*Result{
		run("iwsm", 1, 10, 0), run("iwsm", 2, 14, 1), run("iwsm", 3, 18, 5),
		run("iwsm", 1, 30, 2, "augment_fraction=0.1"), run("iwsm", 2, 40, 4, "augment_fraction=0.1"),
		run("idem", 1, 7, 3),
	}, []string{"x_w2", "out_pct"})
	twice := run("idem", 2, 9, 0)
	twice.Dir = "/r/gmm40/smoke/idem-seed2"
	if rows := Collect([]*Result{twice, twice}, []string{"x_w2"}).Rows; len(rows) != 1 || rows[0].Seeds != 1 {
		t.Errorf("a folder given twice: %+v, want one row of one seed", rows)
	}
	if len(tab.Rows) != 3 {
		t.Fatalf("%d rows, want 3: %+v", len(tab.Rows), tab.Rows)
	}
	want := []struct {
		method, overrides        string
		seeds                    int
		xMean, xStd, oMean, oStd float64
	}{
		{"idem", "", 1, 7, 0, 3, 0},
		// 10, 14, 18: mean 14, std √((16+0+16)/2) = 4; 0, 1, 5: mean 2, std √((4+1+9)/2) = √7
		{"iwsm", "", 3, 14, 4, 2, 2.6457513110645907},
		// 30, 40: mean 35, std √((25+25)/1) = √50; 2, 4: mean 3, std √2
		{"iwsm", "augment_fraction=0.1", 2, 35, 7.0710678118654755, 3, 1.4142135623730951},
	}
	for i, w := range want {
		r := tab.Rows[i]
		if r.Method != w.method || r.Overrides != w.overrides || r.Seeds != w.seeds || r.Budget != "smoke" || r.Target != "gmm40" {
			t.Errorf("row %d: %s %s %q %d seeds, want %s %q %d", i, r.Target, r.Method, r.Overrides, r.Seeds, w.method, w.overrides, w.seeds)
		}
		for _, c := range []struct {
			got, want float64
		}{{r.Mean["x_w2"], w.xMean}, {r.Std["x_w2"], w.xStd}, {r.Mean["out_pct"], w.oMean}, {r.Std["out_pct"], w.oStd}} {
			if d := c.got - c.want; d > 1e-12 || d < -1e-12 {
				t.Errorf("row %d (%s %s): %v, want %v", i, r.Method, r.Overrides, c.got, c.want)
			}
		}
	}
}
