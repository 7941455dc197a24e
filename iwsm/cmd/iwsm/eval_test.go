package main

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/npyfile"
)

// `iwsm eval` errors are one line naming the file, its role and the row: rows of 1e300
// (finite, but their squared distances overflow), NaN rows, rows of the wrong dimension
// (the samples file is not called the reference), a reference of the wrong dimension, an
// unknown protocol.
func TestEvalCommandErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, rows [][]float64) string {
		path := filepath.Join(dir, name)
		if err := npyfile.Write(path, rows); err != nil {
			t.Fatal(err)
		}
		return path
	}
	huge := write("huge.npy", [][]float64{{1, 2}, {1e300, 1e300}})
	nan := write("nan.npy", [][]float64{{1, 2}, {3, 4}, {math.NaN(), 0}})
	flat := write("flat.npy", [][]float64{{1, 2}, {3, 4}})
	good := write("good.npy", [][]float64{{1, 2}, {3, 4}, {5, 6}})
	lj := make([][]float64, 4)
	for i := range lj { // three spread configurations, then all 13 particles at one point
		lj[i] = make([]float64, 39)
		for j := range lj[i] {
			if i < 3 {
				lj[i][j] = float64((7*i+j)%5) + 0.1*float64(j)
			}
		}
	}
	coincident := write("lj.npy", lj)
	out := filepath.Join(dir, "m.json")
	for name, tc := range map[string]struct {
		args []string
		want []string
	}{
		"huge rows":             {[]string{"-target", "gmm40", "-samples", huge}, []string{"huge.npy (generated samples)", "row 1, column 0"}},
		"NaN rows":              {[]string{"-target", "gmm40", "-samples", nan}, []string{"nan.npy (generated samples)", "row 2, column 0 is NaN"}},
		"paper wrong dimension": {[]string{"-target", "lj13", "-samples", flat, "-protocol", "paper"}, []string{"flat.npy (generated samples)", "dimension 39"}},
		"wrong dimension":       {[]string{"-target", "dw4", "-samples", flat}, []string{"flat.npy (generated samples)", "dimension 8, but row 0 has 2"}},
		"reference dimension":   {[]string{"-target", "gmm40", "-samples", good, "-reference", write("r3.npy", [][]float64{{1, 2, 3}})}, []string{"r3.npy (reference samples)", "dimension 2"}},
		"paper reference dim":   {[]string{"-target", "gmm40", "-samples", good, "-protocol", "paper", "-reference", write("r1.npy", [][]float64{{1}})}, []string{"r1.npy (reference samples)", "dimension 2"}},
		"paper unclamped huge":  {[]string{"-target", "gmm40", "-samples", huge, "-protocol", "paper", "-no-clamp"}, []string{"huge.npy (generated samples)", "row 1, column 0"}},
		"coincident particles":  {[]string{"-target", "lj13", "-samples", coincident, "-reference", coincident}, []string{"lj.npy (generated samples)", "row 3 has energy"}},
		"paper coincident":      {[]string{"-target", "lj13", "-samples", coincident, "-reference", coincident, "-protocol", "paper", "-seed", "12345"}, []string{"lj.npy (generated samples)", "row 3 has energy"}}, // a seed whose resampling draws row 3
		"unknown protocol":      {[]string{"-target", "gmm40", "-samples", good, "-protocol", "pot"}, []string{`unknown evaluation protocol "pot"`}},
		"paper all rows NaN":    {[]string{"-target", "gmm40", "-samples", write("allnan.npy", [][]float64{{math.NaN(), 1}}), "-protocol", "paper"}, []string{"allnan.npy (generated samples)", "all 1 rows"}},
		"paper particle NaN":    {[]string{"-target", "dw4", "-samples", write("dwnan.npy", [][]float64{{0, 0, 0, 0, 0, math.Inf(1), 0, 0}}), "-protocol", "paper"}, []string{"dwnan.npy (generated samples)", "row 0, column 5"}},
		"samples checked first": {[]string{"-target", "dw4", "-samples", good, "-reference", flat}, []string{"good.npy (generated samples)"}},
	} {
		err := cmdEval(append(tc.args, "-out", out))
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") {
			t.Errorf("%s: error spans several lines: %q", name, msg)
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q does not say %q", name, msg, w)
			}
		}
	}
}

// `iwsm eval -protocol paper` on GMM-40: the NaN row is dropped, the 1e300 row clamped, the
// rest resampled to a given reference's size; the JSON holds the paper metrics only.
func TestEvalCommandPaperProtocol(t *testing.T) {
	dir := t.TempDir()
	samples, ref := filepath.Join(dir, "s.npy"), filepath.Join(dir, "r.npy")
	rows := [][]float64{{math.NaN(), 0}, {1e300, 0}, {-3.1, 21}, {-33, -29}}
	refRows := [][]float64{{-0.3, 21.5}, {-32.9, -29.4}, {-15.4, 10.7}, {-0.8, 31.7}, {-3.5, 10.6}, {-12, -7.9}, {36, -37}, {-25, -10}, {14, 33}}
	if err := npyfile.Write(samples, rows); err != nil {
		t.Fatal(err)
	}
	if err := npyfile.Write(ref, refRows); err != nil {
		t.Fatal(err)
	}
	m := evalMetrics(t, "-target", "gmm40", "-samples", samples, "-reference", ref, "-protocol", "paper")
	if m["n_paper"] != 9 || m["dropped_paper"] != 1 || len(m) != 6 {
		t.Errorf("metrics %v: want 6 paper metrics, n 9, 1 dropped", m)
	}
	for _, k := range []string{"w1_paper", "w2_paper", "energy_tv_paper", "sample_tv_paper"} {
		if v, ok := m[k]; !ok || !(v >= 0) || math.IsInf(v, 0) {
			t.Errorf("%s = %v", k, v)
		}
	}
	// Every generated point lies within 50 of the origin after clamping, every reference
	// point within 52: no transport cost can exceed their diameter.
	if m["w2_paper"] > 2*52*math.Sqrt2 {
		t.Errorf("W2 %v: the 1e300 row was not clamped", m["w2_paper"])
	}
}
