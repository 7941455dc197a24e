package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

func TestEnergyCommand(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "x.npy"), filepath.Join(dir, "e.npy")
	// Two DW-4 configurations: a square of side 4 has four pairs at d=4 (energy 0 each) and
	// two diagonals at d=4√2.
	square := []float64{0, 0, 4, 0, 4, 4, 0, 4}
	if err := npyfile.Write(in, [][]float64{square, square}); err != nil {
		t.Fatal(err)
	}
	if err := cmdEnergy([]string{"-target", "dw4", "-in", in, "-out", out}); err != nil {
		t.Fatal(err)
	}
	e, err := npyfile.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	r := 4*math.Sqrt2 - 4
	want := 2 * (0.9*math.Pow(r, 4) - 4*r*r)
	if len(e) != 2 || math.Abs(e[0][0]-want) > 1e-9 {
		t.Fatalf("energies %v, want %v", e, want)
	}
}

func TestCommandErrorsAreOneLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.npy")
	os.WriteFile(bad, []byte("not numpy"), 0o644)
	wrongDim := filepath.Join(dir, "w.npy")
	npyfile.Write(wrongDim, [][]float64{{1, 2, 3}})
	nan := filepath.Join(dir, "nan.npy")
	npyfile.Write(nan, [][]float64{{1, math.NaN()}})
	huge := filepath.Join(dir, "huge.npy")
	npyfile.Write(huge, [][]float64{{1, 2}, {1e300, 0}, {3, 4}, {-1e300, 1e300}})
	for name, args := range map[string][]string{
		"unknown target":  {"-target", "nope", "-in", bad, "-out", filepath.Join(dir, "o.npy")},
		"unreadable file": {"-target", "dw4", "-in", bad, "-out", filepath.Join(dir, "o.npy")},
		"missing file":    {"-target", "dw4", "-in", filepath.Join(dir, "none.npy"), "-out", filepath.Join(dir, "o.npy")},
		"wrong dimension": {"-target", "dw4", "-in", wrongDim, "-out", filepath.Join(dir, "o.npy")},
		"NaN input":       {"-target", "gmm40", "-in", nan, "-out", filepath.Join(dir, "o.npy")},
		"infinite energy": {"-target", "gmm40", "-in", huge, "-out", filepath.Join(dir, "o.npy")},
		"missing flag":    {"-target", "dw4"},
	} {
		err := cmdEnergy(args)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || strings.Contains(msg, "goroutine") {
			t.Errorf("%s: error is not one line: %q", name, msg)
		}
	}
	if err := cmdTrain([]string{"-target", "gmm40", "-budget", "huge", "-out", dir}); err == nil {
		t.Error("unknown budget: no error")
	}
}

// Evaluating held-out DW-4 reference configurations against the built-in test split must
// give a much smaller x-W2 and distance TVD than a stretched copy of the same samples.
func TestEvalCommandOnReferenceData(t *testing.T) {
	dir := t.TempDir()
	ref, err := npyfile.Read("../../target/data/test_split_DW4.npy")
	if err != nil {
		t.Fatal(err)
	}
	eval := func(rows [][]float64, name string) map[string]float64 {
		path := filepath.Join(dir, name+".npy")
		if err := npyfile.Write(path, rows); err != nil {
			t.Fatal(err)
		}
		return evalMetrics(t, "-target", "dw4", "-samples", path)
	}
	good := eval(ref[9500:], "good")
	stretched := make([][]float64, 500)
	for i, r := range ref[9500:] {
		stretched[i] = make([]float64, len(r))
		for j, v := range r {
			stretched[i][j] = 1.5 * v
		}
	}
	bad := eval(stretched, "bad")
	if !(good["x_w2"] < bad["x_w2"]) || !(good["dist_tvd"] < 0.2) || !(bad["dist_tvd"] > 2*good["dist_tvd"]) {
		t.Errorf("reference samples: %v; stretched: %v", good, bad)
	}
}

// `iwsm energy` reads rows in the target's coordinates by default (as samples.npy holds
// them): for GMM-40 a mode's centre given as x and as x/50 with -coords sampler must give
// the same energy, the lowest of a few nearby points.
func TestEnergyCommandCoordinates(t *testing.T) {
	gmm, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	mu := gmm.Mixture.Means[0] // sampler coordinates
	dir := t.TempDir()
	path := func(s string) string { return filepath.Join(dir, s) }
	tc := [][]float64{{50 * mu[0], 50 * mu[1]}, {50*mu[0] + 2, 50 * mu[1]}}
	sc := [][]float64{{mu[0], mu[1]}, {mu[0] + 2.0/50, mu[1]}}
	if err := npyfile.Write(path("t.npy"), tc); err != nil {
		t.Fatal(err)
	}
	if err := npyfile.Write(path("s.npy"), sc); err != nil {
		t.Fatal(err)
	}
	if err := cmdEnergy([]string{"-target", "gmm40", "-in", path("t.npy"), "-out", path("et.npy")}); err != nil {
		t.Fatal(err)
	}
	if err := cmdEnergy([]string{"-target", "gmm40", "-coords", "sampler", "-in", path("s.npy"), "-out", path("es.npy")}); err != nil {
		t.Fatal(err)
	}
	et, _ := npyfile.Read(path("et.npy"))
	es, _ := npyfile.Read(path("es.npy"))
	for i := range et {
		if math.Abs(et[i][0]-es[i][0]) > 1e-4*math.Abs(es[i][0])+1e-4 {
			t.Errorf("row %d: energy %v from target coordinates, %v from sampler coordinates", i, et[i][0], es[i][0])
		}
	}
	if !(et[0][0] < et[1][0]) {
		t.Errorf("energy at the mode %v is not below the energy 2 units away %v", et[0][0], et[1][0])
	}
	if err := cmdEnergy([]string{"-target", "gmm40", "-coords", "polar", "-in", path("t.npy"), "-out", path("x.npy")}); err == nil {
		t.Error("-coords polar gave no error")
	}
}

func TestMCMCCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ref.npy")
	if err := cmdMCMC([]string{"-target", "lj13", "-chains", "2", "-burnin", "100", "-thin", "10", "-n", "5", "-out", out}); err != nil {
		t.Fatal(err)
	}
	rows, err := npyfile.Read(out)
	if err != nil || len(rows) != 10 || len(rows[0]) != 39 {
		t.Fatalf("wrote %d rows (%v), want 10×39", len(rows), err)
	}
	if err := cmdMCMC([]string{"-target", "dw4", "-out", out}); err == nil || !strings.Contains(err.Error(), "Lennard-Jones") {
		t.Errorf("mcmc on dw4: error %v, want one naming the supported targets", err)
	}
}

// Rows whose energy overflows are named, and nothing is written.
func TestEnergyCommandNamesNonFiniteRows(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "x.npy"), filepath.Join(dir, "e.npy")
	npyfile.Write(in, [][]float64{{1, 2}, {1e300, 0}, {3, 4}, {-1e300, 1e300}})
	err := cmdEnergy([]string{"-target", "gmm40", "-in", in, "-out", out})
	if err == nil || !strings.Contains(err.Error(), "rows 1, 3 of 4 have a non-finite energy") {
		t.Errorf("error %v, want one naming rows 1 and 3", err)
	}
	if _, serr := os.Stat(out); serr == nil {
		t.Error("energies written despite the error")
	}
}

// evalMetrics runs `iwsm eval` with args and -out to a temporary file, and returns the
// metrics the command wrote there.
func evalMetrics(t *testing.T, args ...string) map[string]float64 {
	t.Helper()
	out := filepath.Join(t.TempDir(), "metrics.json")
	if err := cmdEval(append(args, "-out", out)); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]float64{}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
