package evaluate_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/combin"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/internal/hostref"
	"github.com/iwsm-go/iwsm/iwsm/metrics"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

func TestParseProtocol(t *testing.T) {
	for in, want := range map[string]evaluate.Protocol{"": evaluate.IDEM, "idem": evaluate.IDEM, "PAPER": evaluate.Paper, "paper": evaluate.Paper} {
		if got, err := evaluate.ParseProtocol(in); err != nil || got != want {
			t.Errorf("ParseProtocol(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := evaluate.ParseProtocol("pot"); err == nil || !strings.Contains(err.Error(), "idem") || strings.Contains(err.Error(), "\n") {
		t.Errorf("unknown protocol: error %v, want one line naming the protocols", err)
	}
	if evaluate.ProtocolOf("w2_paper") != evaluate.Paper || evaluate.ProtocolOf("x_w2") != evaluate.IDEM || evaluate.Paper.Suffix() != "_paper" || evaluate.IDEM.Suffix() != "" {
		t.Error("protocol suffixes")
	}
	for _, m := range evaluate.Registered() {
		if evaluate.ProtocolOf(m.Name) != m.Protocol && !(m.Protocol == "" && evaluate.ProtocolOf(m.Name) == evaluate.IDEM) {
			t.Errorf("metric %s of protocol %q has the suffix of %q", m.Name, m.Protocol, evaluate.ProtocolOf(m.Name))
		}
	}
	for _, m := range []evaluate.Metric{
		{Name: "foo_paper", Compute: func(*evaluate.Evaluation) (float64, error) { return 0, nil }},
		{Name: "foo", Protocol: evaluate.Paper, Compute: func(*evaluate.Evaluation) (float64, error) { return 0, nil }},
		{Name: "foo_pot", Protocol: "pot", Compute: func(*evaluate.Evaluation) (float64, error) { return 0, nil }},
	} {
		if err := evaluate.Register(m); err == nil {
			t.Errorf("registered %s of protocol %q", m.Name, m.Protocol)
		}
	}
}

func TestPaperBins(t *testing.T) {
	for n, want := range map[int]int{1: 1, 3: 1, 4: 2, 99: 9, 100: 10, 1000: 31, 8000: 89, 10000: 100} {
		if got := evaluate.PaperBins(n); got != want {
			t.Errorf("PaperBins(%d) = %d, want int(sqrt) = %d", n, got, want)
		}
	}
}

// PaperResample drops a mixture's non-finite rows, clamps the others to ±1 (sampler
// coordinates), draws with replacement, reproducibly for a seed, every kept row about
// equally often; a particle system's non-finite row is an error naming it.
func TestPaperResample(t *testing.T) {
	gmm, _ := target.GMM40()
	in := [][]float64{{0.1, -0.2}, {math.NaN(), 0}, {3, -7}, {0.5, math.Inf(1)}, {-0.3, 0.9}}
	rows, dropped, err := evaluate.PaperResample(gmm, in, 30000, 7, true)
	if err != nil {
		t.Fatal(err)
	}
	if dropped != 2 || len(rows) != 30000 {
		t.Fatalf("dropped %d, %d rows; want 2 and 30000", dropped, len(rows))
	}
	counts := map[[2]float64]int{}
	for _, r := range rows {
		counts[[2]float64{r[0], r[1]}]++
	}
	want := [][2]float64{{0.1, -0.2}, {1, -1}, {-0.3, 0.9}} // (3, −7) clamped
	if len(counts) != 3 {
		t.Fatalf("drew %d distinct rows %v, want the 3 finite ones clamped %v", len(counts), counts, want)
	}
	for _, w := range want {
		// 10,000 expected of each; the binomial std is 82.
		if c := counts[w]; math.Abs(float64(c)-10000) > 500 {
			t.Errorf("row %v drawn %d times of 30000, want about 10000", w, c)
		}
	}
	again, _, _ := evaluate.PaperResample(gmm, in, 30000, 7, true)
	other, _, _ := evaluate.PaperResample(gmm, in, 30000, 8, true)
	if !slices.EqualFunc(rows, again, slices.Equal) || slices.EqualFunc(rows, other, slices.Equal) {
		t.Error("the resampling does not follow the seed")
	}
	if in[2][0] != 3 {
		t.Error("PaperResample modified its input")
	}
	if _, _, err := evaluate.PaperResample(gmm, in[1:2], 10, 1, true); err == nil {
		t.Error("only non-finite rows: no error")
	}
	dw := target.DW4()
	bad := [][]float64{make([]float64, 8), {0, 0, 0, math.NaN(), 0, 0, 0, 0}}
	var ie *evaluate.InputError
	if _, _, err := evaluate.PaperResample(dw, bad, 10, 1, true); !errors.As(err, &ie) || ie.Set != "generated samples" || !strings.Contains(err.Error(), "row 1, column 3") {
		t.Errorf("a particle system's NaN row: error %v, want an InputError naming row 1, column 3", err)
	}
}

// bruteW1W2 enumerates every permutation.
func bruteW1W2(a, b [][]float64) (w1, w2 float64) {
	best1, best2 := math.Inf(1), math.Inf(1)
	for _, perm := range combin.Permutations(len(a), len(a)) {
		var s1, s2 float64
		for i, j := range perm {
			var d float64
			for c := range a[i] {
				d += (a[i][c] - b[j][c]) * (a[i][c] - b[j][c])
			}
			s1 += math.Sqrt(d)
			s2 += d
		}
		best1, best2 = min(best1, s1), min(best2, s2)
	}
	n := float64(len(a))
	return best1 / n, math.Sqrt(best2 / n)
}

// gmmLogDensity is GMM-40's log-density in target coordinates, written out: the mean of
// the components N(50 μ_k, (50 σ)² I), up to the constant −log(2π (50σ)²).
func gmmLogDensity(gmm *target.Target, x []float64) float64 {
	s := gmm.Mixture.Std * gmm.Scale
	var terms []float64
	for _, mu := range gmm.Mixture.Means {
		dx, dy := x[0]-gmm.Scale*mu[0], x[1]-gmm.Scale*mu[1]
		terms = append(terms, -(dx*dx+dy*dy)/(2*s*s))
	}
	m := slices.Max(terms)
	var sum float64
	for _, v := range terms {
		sum += math.Exp(v - m)
	}
	return m + math.Log(sum/float64(len(terms)))
}

// The Paper protocol on GMM-40 against a reference of 7 exact draws, by independent
// computations: the generated set is the finite rows resampled to 7, the far row clamped
// to 50 (target coordinates); W1 and W2 equal the brute-force optimal transport over all
// permutations of the resampled set; the energy TV equals the searchsorted histogram TV
// of a written-out log-density on int(√7) = 2 bins; the 2-D TV is the metrics package's on
// those sets; the IDEM metrics are not computed.
func TestEvaluatePaperMixtureByHand(t *testing.T) {
	backend := xlatest.Backend(t)
	gmm, _ := target.GMM40()
	ref, _ := evaluate.Reference(gmm, 7, 3)
	gen := append(slices.Clone(ref[:2]), []float64{math.NaN(), 0}, []float64{1e300, -0.2})
	ev, err := evaluate.EvaluateRows(backend, gmm, gen, evaluate.Options{Protocol: evaluate.Paper, Seed: 5, Reference: ref})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"n_paper", "dropped_paper", "w1_paper", "w2_paper", "energy_tv_paper", "sample_tv_paper"}; !slices.Equal(names(ev.Metrics), want) {
		t.Fatalf("metrics %v, want %v", names(ev.Metrics), want)
	}
	m := ev.Metrics
	if m.Of(evaluate.CountPaper) != 7 || m.Of(evaluate.DroppedPaper) != 1 || ev.Protocol != evaluate.Paper {
		t.Errorf("n %v, dropped %v, protocol %q", m.Of(evaluate.CountPaper), m.Of(evaluate.DroppedPaper), ev.Protocol)
	}
	resampled, _, _ := evaluate.PaperResample(gmm, gen, 7, 5, true)
	rows := gmm.ToTargetCoords(resampled)
	if !slices.EqualFunc(rows, ev.Generated.Rows, slices.Equal) {
		t.Fatal("the evaluation's generated set is not PaperResample's")
	}
	for _, r := range rows {
		if r[0] > 50 {
			t.Errorf("row %v was not clamped to 50", r)
		}
	}
	// Unclamped, the 1e300 row is too large for the distances, and (3, 0.1) stays at 150.
	if _, err := evaluate.EvaluateRows(backend, gmm, gen, evaluate.Options{Protocol: evaluate.Paper, Seed: 5, Reference: ref, NoClamp: true}); err == nil || !strings.Contains(err.Error(), "overflow") {
		t.Errorf("unclamped 1e300 row: error %v", err)
	}
	far, err := evaluate.EvaluateRows(backend, gmm, [][]float64{{3, 0.1}}, evaluate.Options{Protocol: evaluate.Paper, Reference: ref, NoClamp: true})
	if err != nil || far.Generated.Rows[0][0] != 150 {
		t.Errorf("unclamped (3, 0.1): %v, %v; want 150 in target coordinates", far.Generated.Rows, err)
	}
	w1, w2 := bruteW1W2(rows, gmm.ToTargetCoords(ref))
	if math.Abs(m.Of(evaluate.W1Paper)-w1) > 1e-12*w1 || math.Abs(m.Of(evaluate.W2Paper)-w2) > 1e-12*w2 {
		t.Errorf("W1 %v W2 %v, brute force %v %v", m.Of(evaluate.W1Paper), m.Of(evaluate.W2Paper), w1, w2)
	}
	var lg, lr []float64
	for _, r := range rows {
		lg = append(lg, gmmLogDensity(gmm, r))
	}
	for _, r := range gmm.ToTargetCoords(ref) {
		lr = append(lr, gmmLogDensity(gmm, r))
	}
	if got, want := m.Of(evaluate.EnergyTVPaper), hostref.HistogramTV(lr, lg, 2); math.Abs(got-want) > 1e-12 {
		t.Errorf("energy TV %v, by hand %v", got, want)
	}
	want2D, _ := metrics.ReferenceHistogram2DTVD(rows, gmm.ToTargetCoords(ref), 2)
	if got := m.Of(evaluate.SampleTVPaper); got != want2D {
		t.Errorf("sample TV %v, metrics.ReferenceHistogram2DTVD %v", got, want2D)
	}
}

// The built-in Paper reference of a mixture is 10,000 exact draws; exact draws scored
// against it reach the finite-sample floor (W2 of 10,000 against 10,000 draws is well below
// the 4.9 of 1000 against 1000); the 100-bin TVs are small.
func TestEvaluatePaperExactDraws(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 × 10,000 transport")
	}
	backend := xlatest.Backend(t)
	gmm, _ := target.GMM40()
	ref, err := evaluate.PaperReference(gmm, 1)
	if err != nil || len(ref) != evaluate.PaperReferenceSize {
		t.Fatalf("%d reference rows (%v), want %d", len(ref), err, evaluate.PaperReferenceSize)
	}
	gen, _ := evaluate.Reference(gmm, 2000, 2)
	ev, err := evaluate.EvaluateRows(backend, gmm, gen, evaluate.Options{Protocol: evaluate.Paper, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := ev.Metrics
	if w1, w2 := m.Of(evaluate.W1Paper), m.Of(evaluate.W2Paper); !(w1 > 0 && w1 <= w2 && w2 < 4) {
		t.Errorf("exact draws: W1 %v, W2 %v; want 0 < W1 ≤ W2 < 4", w1, w2)
	}
	if e, x := m.Of(evaluate.EnergyTVPaper), m.Of(evaluate.SampleTVPaper); !(e < 0.1 && x < 0.6) {
		t.Errorf("exact draws: energy TV %v, sample TV %v", e, x)
	}
	if !slices.EqualFunc(ev.Reference.Sampler, ref, slices.Equal) {
		t.Error("the evaluation did not use PaperReference for the same seed")
	}
}

// The Paper protocol on DW-4: the distance and energy TVs on int(√N) bins, no mixture
// metrics, W1 and W2 by brute force on a small reference; non-finite rows are errors.
func TestEvaluatePaperParticles(t *testing.T) {
	backend := xlatest.Backend(t)
	dw := target.DW4()
	ref, _ := evaluate.Reference(dw, 6, 1)
	gen, _ := evaluate.Reference(dw, 3, 2)
	ev, err := evaluate.EvaluatePaper(backend, dw, gen, evaluate.Options{Reference: ref, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"n_paper", "w1_paper", "w2_paper", "energy_tv_paper", "dist_tv_paper"}; !slices.Equal(names(ev.Metrics), want) {
		t.Fatalf("metrics %v, want %v", names(ev.Metrics), want)
	}
	w1, w2 := bruteW1W2(ev.Generated.Rows, ev.Reference.Rows)
	if m := ev.Metrics; math.Abs(m.Of(evaluate.W1Paper)-w1) > 1e-12*w1 || math.Abs(m.Of(evaluate.W2Paper)-w2) > 1e-12*w2 {
		t.Errorf("W1 %v W2 %v, brute force %v %v", m.Of(evaluate.W1Paper), m.Of(evaluate.W2Paper), w1, w2)
	}
	var dg, dr []float64
	for _, r := range ev.Generated.Rows {
		dg = append(dg, metrics.InteratomicDistances(r, 4, 2)...)
	}
	for _, r := range ev.Reference.Rows {
		dr = append(dr, metrics.InteratomicDistances(r, 4, 2)...)
	}
	if got, want := ev.Metrics.Of(evaluate.DistTVPaper), hostref.HistogramTV(dr, dg, 2); math.Abs(got-want) > 1e-12 {
		t.Errorf("distance TV %v, by hand %v", got, want)
	}
	if got, want := ev.Metrics.Of(evaluate.EnergyTVPaper), hostref.HistogramTV(negate(ev.Reference.Energies), negate(ev.Generated.Energies), 2); math.Abs(got-want) > 1e-12 {
		t.Errorf("energy TV %v, by hand %v", got, want)
	}
	full, err := evaluate.PaperReference(dw, 1)
	if err != nil || len(full) != 10000 {
		t.Errorf("DW-4's paper reference has %d rows (%v), want the whole test split of 10000", len(full), err)
	}
}

func negate(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = -v
	}
	return out
}

// Bad input gets one line naming the set (and row): an unknown protocol, a reference of the
// wrong dimension, a reference above 10,000 rows, rows too large for the distances.
func TestEvaluateRowsErrors(t *testing.T) {
	backend := xlatest.Backend(t)
	gmm, _ := target.GMM40()
	gen, _ := evaluate.Reference(gmm, 20, 1)
	threeD := [][]float64{{1, 2, 3}}
	big := make([][]float64, evaluate.PaperMaxTransport+1)
	for i := range big {
		big[i] = []float64{0, 0}
	}
	huge := append(slices.Clone(gen), []float64{1e200, 0})
	for name, tc := range map[string]struct {
		gen  [][]float64
		opt  evaluate.Options
		set  string
		want string
	}{
		"unknown protocol":        {gen, evaluate.Options{Protocol: "pot"}, "", "unknown evaluation protocol"},
		"idem reference dim":      {gen, evaluate.Options{Reference: threeD}, "reference samples", "dimension 2"},
		"paper reference dim":     {gen, evaluate.Options{Protocol: evaluate.Paper, Reference: threeD}, "reference samples", "dimension 2"},
		"paper reference size":    {gen, evaluate.Options{Protocol: evaluate.Paper, Reference: big}, "reference samples", "at most 10000"},
		"idem generated dim":      {threeD, evaluate.Options{}, "generated samples", "dimension 2"},
		"idem overflowing row":    {huge, evaluate.Options{}, "generated samples", "row 20, column 0"},
		"idem non-finite":         {[][]float64{{0, math.Inf(-1)}}, evaluate.Options{}, "generated samples", "row 0, column 1"},
		"paper all rows dropped":  {[][]float64{{math.NaN(), 0}}, evaluate.Options{Protocol: evaluate.Paper}, "generated samples", "all 1 rows"},
		"paper generated dim":     {threeD, evaluate.Options{Protocol: evaluate.Paper}, "generated samples", "dimension 2"},
		"idem reference overflow": {gen, evaluate.Options{Reference: huge}, "reference samples", "row 20"},
	} {
		_, err := evaluate.EvaluateRows(backend, gmm, tc.gen, tc.opt)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		var ie *evaluate.InputError
		if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q, want one line with %q", name, msg, tc.want)
		}
		if tc.set != "" && (!errors.As(err, &ie) || ie.Set != tc.set) {
			t.Errorf("%s: error %v does not name the %s", name, err, tc.set)
		}
	}
}

// One metrics.json can hold both protocols: an IDEM evaluation restored with stored Paper
// values keeps them in registry order and computes only the missing IDEM metrics.
func TestCompleteKeepsOtherProtocols(t *testing.T) {
	backend := xlatest.Backend(t)
	gmm, _ := target.GMM40()
	ref, _ := evaluate.Reference(gmm, 100, 1)
	gen, _ := evaluate.Reference(gmm, 100, 2)
	gs, _ := evaluate.NewSampleSet(backend, gmm, gen)
	rs, _ := evaluate.NewSampleSet(backend, gmm, ref)
	stored := evaluate.Metrics{{Name: "w2_paper", Value: 3}, {Name: "x_w2", Value: 5}}
	ev := evaluate.Restore(gmm, gs, rs, stored)
	if err := ev.Complete(); err != nil {
		t.Fatal(err)
	}
	got := slices.DeleteFunc(names(ev.Metrics), func(n string) bool { return n == "max_energy" }) // TestRegisterMetric's
	if want := []string{"n", "x_w2", "e_w2", "modes_covered", "modes", "mode_tv", "near_pct", "out_pct", "energy_tvd", "w2_paper"}; !slices.Equal(got, want) {
		t.Errorf("metrics %v, want %v", got, want)
	}
	if v, _ := ev.Metrics.Get("w2_paper"); v != 3 {
		t.Errorf("stored w2_paper became %v", v)
	}
	merged := evaluate.Metrics{{Name: "n", Value: 1}, {Name: "x_w2", Value: 2}}.Merged(evaluate.Metrics{{Name: "x_w2", Value: 9}, {Name: "w1_paper", Value: 4}})
	if want := (evaluate.Metrics{{Name: "n", Value: 1}, {Name: "x_w2", Value: 2}, {Name: "w1_paper", Value: 4}}); !slices.Equal(merged, want) {
		t.Errorf("Merged: %v, want %v", merged, want)
	}
}

// benchmarkPaper times a whole Paper evaluation (energies, resampling, W1, W2, TVs) of
// unique generated samples drawn from the target's own reference against its built-in
// Paper reference (10,000 rows).
func benchmarkPaper(b *testing.B, name string, unique int) {
	backend := xlatest.Backend(b)
	tg, err := target.ByName(name)
	if err != nil {
		b.Fatal(err)
	}
	gen, err := evaluate.Reference(tg, unique, 77)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := evaluate.EvaluateRows(backend, tg, gen, evaluate.Options{Protocol: evaluate.Paper, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPaperGMM40From1000(b *testing.B)  { benchmarkPaper(b, "gmm40", 1000) }
func BenchmarkPaperGMM40From10000(b *testing.B) { benchmarkPaper(b, "gmm40", 10000) }
func BenchmarkPaperDW4From1000(b *testing.B)    { benchmarkPaper(b, "dw4", 1000) }
func BenchmarkPaperLJ13From1000(b *testing.B)   { benchmarkPaper(b, "lj13", 1000) }
