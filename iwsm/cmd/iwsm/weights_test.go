package main

import (
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// `iwsm weights` on GMM-40 in the target's coordinates: the proposal column against a
// float64 direct sum there, the log p_t column against the exact noised mixture density
// there (K = 20000, within 0.05 nats: the Monte Carlo standard error at this σ is below 0.01),
// the weight column as their difference; and -coords sampler on rows/50 and σ/50 gives the
// same weights with both densities larger by 2·log 50 (the Jacobian of x → x/50).
func TestWeightsCommand(t *testing.T) {
	gmm, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	const sigma, n = 0.5, 12 // target coordinates: σ/50 = 0.01 in the sampler's
	buffer := gmm.ToTargetCoords(gmm.Mixture.Sample(rng, 300))
	points := make([][]float64, n)
	for i := range points {
		b := buffer[rng.IntN(len(buffer))]
		points[i] = []float64{b[0] + sigma*rng.NormFloat64(), b[1] + sigma*rng.NormFloat64()}
	}
	dir := t.TempDir()
	path := func(s string) string { return filepath.Join(dir, s) }
	for name, rows := range map[string][][]float64{"b.npy": buffer, "x.npy": points,
		"bs.npy": gmm.FromTargetCoords(buffer), "xs.npy": gmm.FromTargetCoords(points)} {
		if err := npyfile.Write(path(name), rows); err != nil {
			t.Fatal(err)
		}
	}
	run := func(coords, buf, pts, sig, out string) [][]float64 {
		if err := cmdWeights([]string{"-target", "gmm40", "-buffer", path(buf), "-points", path(pts), "-sigma", sig,
			"-k", "20000", "-coords", coords, "-seed", "3", "-out", path(out)}); err != nil {
			t.Fatal(err)
		}
		w, err := npyfile.Read(path(out))
		if err != nil {
			t.Fatal(err)
		}
		if len(w) != n || len(w[0]) != 3 {
			t.Fatalf("%s: output is %d×%d, want %d×3", out, len(w), len(w[0]), n)
		}
		return w
	}
	wt := run("target", "b.npy", "x.npy", "0.5", "wt.npy")
	ws := run("sampler", "bs.npy", "xs.npy", "0.01", "ws.npy")
	jac := 2 * math.Log(50)
	for i, x := range points {
		q := 0.0
		for _, b := range buffer {
			q += math.Exp(-((x[0]-b[0])*(x[0]-b[0])+(x[1]-b[1])*(x[1]-b[1]))/(2*sigma*sigma)) / (2 * math.Pi * sigma * sigma)
		}
		q = math.Log(q / float64(len(buffer)))
		p := gmm.Mixture.NoisedLogDensity([]float64{x[0] / 50, x[1] / 50}, sigma/50) - jac
		if e := math.Abs(wt[i][0] - q); !(e <= 1e-3) {
			t.Errorf("point %d: log q %v, direct sum %v", i, wt[i][0], q)
		}
		if e := math.Abs(wt[i][1] - p); !(e <= 0.05) {
			t.Errorf("point %d: log p̂ %v, exact %v", i, wt[i][1], p)
		}
		if e := math.Abs(wt[i][2] - (wt[i][1] - wt[i][0])); !(e <= 1e-9) {
			t.Errorf("point %d: log w %v ≠ log p̂ − log q = %v", i, wt[i][2], wt[i][1]-wt[i][0])
		}
		for c, shift := range []float64{jac, jac, 0} {
			if e := math.Abs(ws[i][c] - (wt[i][c] + shift)); !(e <= 1e-4) {
				t.Errorf("point %d column %d: %v in sampler coordinates, %v in the target's (shift %v)", i, c, ws[i][c], wt[i][c], shift)
			}
		}
	}
}

// Bad input gets one line, and (except for flag misuse) exit status 1, not the usage status.
func TestWeightsCommandErrors(t *testing.T) {
	dir := t.TempDir()
	path := func(s string) string { return filepath.Join(dir, s) }
	files := map[string][][]float64{
		"good.npy": {{1, 2}, {3, 4}},
		"wide.npy": {{1, 2, 3}},
		"nan.npy":  {{1, math.NaN()}},
	}
	for name, rows := range files {
		if err := npyfile.Write(path(name), rows); err != nil {
			t.Fatal(err)
		}
	}
	args := func(tg, buf, pts, sigma string) []string {
		return []string{"-target", tg, "-buffer", path(buf), "-points", path(pts), "-sigma", sigma, "-k", "10", "-out", path("o.npy")}
	}
	for name, c := range map[string]struct {
		args  []string
		usage bool
	}{
		"unknown target":      {args("nope", "good.npy", "good.npy", "0.1"), false},
		"buffer dimension":    {args("gmm40", "wide.npy", "good.npy", "0.1"), false},
		"points dimension":    {args("gmm40", "good.npy", "wide.npy", "0.1"), false},
		"buffer vs points":    {args("dw4", "good.npy", "good.npy", "0.1"), false},
		"NaN point":           {args("gmm40", "good.npy", "nan.npy", "0.1"), false},
		"missing file":        {args("gmm40", "none.npy", "good.npy", "0.1"), false},
		"zero sigma":          {args("gmm40", "good.npy", "good.npy", "0"), false},
		"negative sigma":      {args("gmm40", "good.npy", "good.npy", "-0.5"), false},
		"NaN sigma":           {args("gmm40", "good.npy", "good.npy", "NaN"), false},
		"sigma not a number":  {args("gmm40", "good.npy", "good.npy", "abc"), false},
		"negative k":          {append(args("gmm40", "good.npy", "good.npy", "0.1"), "-k", "-3"), false},
		"unknown coordinates": {append(args("gmm40", "good.npy", "good.npy", "0.1"), "-coords", "polar"), true},
		"missing flag":        {[]string{"-target", "gmm40"}, true},
	} {
		err := cmdWeights(c.args)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || strings.Contains(msg, "goroutine") {
			t.Errorf("%s: error is not one line: %q", name, msg)
		}
		var ue usageError
		if errors.As(err, &ue) != c.usage {
			t.Errorf("%s: usage error %v, want %v (%v)", name, !c.usage, c.usage, err)
		}
	}
}

// `iwsm weights -copies L -denominator own-kernel` on GMM-40 in target coordinates: groups of
// L consecutive noised copies of a clean point; the log q column is the Gaussian kernel of the
// copy's clean point (host float64, target coordinates), the 4th column the softmax of the log
// weights over each group's copies (sums to 1 per group); bad settings are one line each.
func TestWeightsCommandCopies(t *testing.T) {
	gmm, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	const sigma, groups, L = 0.5, 4, 3
	clean := gmm.ToTargetCoords(gmm.Mixture.Sample(rng, groups))
	var points [][]float64
	for _, c := range clean {
		for range L {
			points = append(points, []float64{c[0] + sigma*rng.NormFloat64(), c[1] + sigma*rng.NormFloat64()})
		}
	}
	dir := t.TempDir()
	path := func(s string) string { return filepath.Join(dir, s) }
	for name, rows := range map[string][][]float64{"b.npy": gmm.ToTargetCoords(gmm.Mixture.Sample(rng, 100)), "x.npy": points, "c.npy": clean} {
		if err := npyfile.Write(path(name), rows); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"-target", "gmm40", "-buffer", path("b.npy"), "-points", path("x.npy"), "-sigma", "0.5", "-k", "500", "-out", path("w.npy")}
	if err := cmdWeights(append(args, "-copies", "3", "-denominator", "own-kernel", "-clean", path("c.npy"))); err != nil {
		t.Fatal(err)
	}
	w, err := npyfile.Read(path("w.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(w) != groups*L || len(w[0]) != 4 {
		t.Fatalf("output is %d×%d, want %d×4", len(w), len(w[0]), groups*L)
	}
	for g := range groups {
		sum := 0.0
		for l := range L {
			i := g*L + l
			dx, dy := points[i][0]-clean[g][0], points[i][1]-clean[g][1]
			want := -(dx*dx+dy*dy)/(2*sigma*sigma) - math.Log(2*math.Pi*sigma*sigma)
			if math.Abs(w[i][0]-want) > 1e-3*math.Max(1, math.Abs(want)) {
				t.Errorf("point %d: log q %v, host %v", i, w[i][0], want)
			}
			sum += w[i][3]
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Errorf("group %d: weights sum to %v", g, sum)
		}
	}
	for name, extra := range map[string][]string{
		"one copy":            {"-copies", "1"},
		"unknown denominator": {"-copies", "3", "-denominator", "kde"},
		"no draws":            {"-copies", "3", "-draws", "0"},
		"no clean points":     {"-copies", "3", "-denominator", "own-kernel"},
	} {
		if err := cmdWeights(append(append([]string{}, args...), extra...)); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line", name, err)
		}
	}
}
