package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/internal/hostref"
	"gonum.org/v1/gonum/stat/combin"
)

// randRows returns n rows of dim standard normal values (scaled), optionally rounded to
// small integers to create ties.
func randRows(rng *rand.Rand, n, dim int, scale float64, integer bool) [][]float64 {
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, dim)
		for c := range rows[i] {
			v := scale * rng.NormFloat64()
			if integer {
				v = math.Round(v)
			}
			rows[i][c] = v
		}
	}
	return rows
}

func sqDist(p, q []float64) float64 {
	var s float64
	for k := range p {
		d := p[k] - q[k]
		s += d * d
	}
	return s
}

// bruteW2 enumerates every permutation (independent of the transport code).
func bruteW2(a, b [][]float64) float64 {
	n := len(a)
	best := math.Inf(1)
	for _, perm := range combin.Permutations(n, n) {
		var s float64
		for i, j := range perm {
			s += sqDist(a[i], b[j])
		}
		best = math.Min(best, s)
	}
	return math.Sqrt(best / float64(n))
}

// hungarianRef is an independent textbook O(n³) Hungarian algorithm with explicit row
// and column potentials (Kuhn–Munkres in the shortest-path form), returning the optimal
// total cost.
func hungarianRef(c []float64, n int) float64 {
	inf := math.Inf(1)
	u := make([]float64, n+1)
	v := make([]float64, n+1)
	p := make([]int, n+1) // p[j]: row (1-based) matched to column j, 0 if none
	way := make([]int, n+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		minv := make([]float64, n+1)
		used := make([]bool, n+1)
		for j := range minv {
			minv[j] = inf
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], inf, 0
			for j := 1; j <= n; j++ {
				if used[j] {
					continue
				}
				cur := c[(i0-1)*n+j-1] - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	var total float64
	for j := 1; j <= n; j++ {
		total += c[(p[j]-1)*n+j-1]
	}
	return total
}

func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

func TestW2BruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	defer func(minN int) { auctionMinN = minN }(auctionMinN)
	for _, minN := range []int{auctionMinN, 2} { // default path, then auction warm start
		auctionMinN = minN
		testW2BruteForce(t, rng)
	}
}

func testW2BruteForce(t *testing.T, rng *rand.Rand) {
	for _, tc := range []struct {
		n, dim  int
		integer bool
	}{
		{1, 1, false}, {2, 1, false}, {2, 3, false}, {3, 2, false}, {4, 2, false},
		{5, 3, false}, {6, 2, false}, {7, 2, false}, {7, 5, false},
		{5, 2, true}, {6, 1, true}, {7, 2, true}, {7, 3, true},
	} {
		for rep := range 20 {
			a := randRows(rng, tc.n, tc.dim, 2, tc.integer)
			b := randRows(rng, tc.n, tc.dim, 2, tc.integer)
			got, err := W2(a, b)
			if err != nil {
				t.Fatal(err)
			}
			if want := bruteW2(a, b); !near(got, want, 1e-12) {
				t.Errorf("auctionMinN=%d n=%d dim=%d integer=%v rep=%d: W2 = %.15g, brute force %.15g",
					auctionMinN, tc.n, tc.dim, tc.integer, rep, got, want)
			}
		}
	}
}

func TestW2OneDimensionalMatchesSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 10, 57, 300} {
		a := randRows(rng, n, 1, 3, false)
		b := randRows(rng, n, 1, 1, false)
		for i := range b {
			b[i][0] += 2 // a shifted, narrower distribution
		}
		got, err := W2(a, b)
		if err != nil {
			t.Fatal(err)
		}
		ua, ub := make([]float64, n), make([]float64, n)
		for i := range a {
			ua[i], ub[i] = a[i][0], b[i][0]
		}
		sort.Float64s(ua)
		sort.Float64s(ub)
		var s float64
		for i := range ua {
			s += (ua[i] - ub[i]) * (ua[i] - ub[i])
		}
		if want := math.Sqrt(s / float64(n)); !near(got, want, 1e-12) {
			t.Errorf("n=%d: W2 = %.15g, sorted matching %.15g", n, got, want)
		}
	}
}

// For b = a + c (rows in any order) the identity pairing costs n‖c‖², and every other
// pairing costs Σ‖a_i − a_σ(i)‖² + n‖c‖² (the cross term vanishes because Σ_i(a_i − a_σ(i)) = 0),
// so W2 = ‖c‖ exactly.
func TestW2ShiftedCopy(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		n   int
		c   []float64
		int bool
	}{
		{1, []float64{3, -4}, false},
		{10, []float64{0.5, 0.25}, false},
		{200, []float64{0.1, -0.2, 0.3}, false},
		{200, []float64{1, 0}, true}, // many ties
		{500, []float64{0, 0}, false},
	} {
		a := randRows(rng, tc.n, len(tc.c), 1, tc.int)
		b := make([][]float64, tc.n)
		for i, p := range rng.Perm(tc.n) {
			b[i] = slices.Clone(a[p])
			for k := range b[i] {
				b[i][k] += tc.c[k]
			}
		}
		got, err := W2(a, b)
		if err != nil {
			t.Fatal(err)
		}
		var want float64
		for _, v := range tc.c {
			want += v * v
		}
		want = math.Sqrt(want)
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("n=%d c=%v: W2 = %.15g, want ‖c‖ = %.15g", tc.n, tc.c, got, want)
		}
	}
}

// W2 must not exceed the cost of the identity or of any random pairing.
func TestW2NotAboveOtherAssignments(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{20, 150, 400} {
		a := randRows(rng, n, 3, 1, false)
		b := randRows(rng, n, 3, 1.5, false)
		got, err := W2(a, b)
		if err != nil {
			t.Fatal(err)
		}
		opt := got * got * float64(n)
		perms := [][]int{rng.Perm(n)}
		id := make([]int, n)
		for i := range id {
			id[i] = i
		}
		perms = append(perms, id, rng.Perm(n), rng.Perm(n))
		for _, p := range perms {
			var s float64
			for i, j := range p {
				s += sqDist(a[i], b[j])
			}
			if opt > s*(1+1e-12) {
				t.Errorf("n=%d: optimal cost %.15g exceeds a pairing of cost %.15g", n, opt, s)
			}
		}
	}
}

// Assign against an independent Hungarian implementation on larger, harder instances.
func TestAssignMatchesHungarian(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	type gen func(n int) []float64
	uniform := func(n int) []float64 {
		c := make([]float64, n*n)
		for k := range c {
			c[k] = rng.Float64()
		}
		return c
	}
	smallInts := func(n int) []float64 {
		c := make([]float64, n*n)
		for k := range c {
			c[k] = float64(rng.IntN(4))
		}
		return c
	}
	geometric := func(n int) []float64 {
		return sqDistMatrix(randRows(rng, n, 2, 1, false), randRows(rng, n, 2, 1, false))
	}
	clustered := func(n int) []float64 {
		// Two far-apart clusters with unequal occupancy force long augmenting paths.
		a := randRows(rng, n, 2, 0.1, false)
		b := randRows(rng, n, 2, 0.1, false)
		for i := range a {
			if i%3 == 0 {
				a[i][0] += 10
			}
			if i%2 == 0 {
				b[i][0] += 10
			}
		}
		return sqDistMatrix(a, b)
	}
	constant := func(n int) []float64 {
		c := make([]float64, n*n)
		for k := range c {
			c[k] = 1
		}
		return c
	}
	// Exercise the start from the column minima alone, the auction warm start at every size,
	// and an auction cut short by its bid budget.
	defer func(minN, bids int) { auctionMinN, auctionBidsPerRow = minN, bids }(auctionMinN, auctionBidsPerRow)
	for _, mode := range []struct {
		name       string
		minN, bids int
	}{{"default", auctionMinN, auctionBidsPerRow}, {"noAuction", math.MaxInt, 0}, {"alwaysAuction", 2, 200}, {"shortAuction", 2, 1}} {
		auctionMinN, auctionBidsPerRow = mode.minN, mode.bids
		for gname, g := range map[string]gen{"uniform": uniform, "smallInts": smallInts, "geometric": geometric, "clustered": clustered, "constant": constant} {
			for _, n := range []int{2, 3, 8, 50, 200} {
				name := mode.name + "/" + gname
				c := g(n)
				perm, total, err := Assign(c, n)
				if err != nil {
					t.Fatal(err)
				}
				seen := make([]bool, n)
				var sum float64
				for i, j := range perm {
					if j < 0 || j >= n || seen[j] {
						t.Fatalf("%s n=%d: assignment %v is not a permutation", name, n, perm)
					}
					seen[j] = true
					sum += c[i*n+j]
				}
				if sum != total {
					t.Errorf("%s n=%d: reported total %v, assignment sums to %v", name, n, total, sum)
				}
				if want := hungarianRef(c, n); !near(total, want, 1e-11) {
					t.Errorf("%s n=%d: Assign total %.15g, Hungarian %.15g", name, n, total, want)
				}
			}
		}
	}
}

func TestW2Errors(t *testing.T) {
	ok := [][]float64{{0, 1}, {2, 3}}
	for _, tc := range []struct {
		name string
		a, b [][]float64
		want string
	}{
		{"sizes", ok, [][]float64{{0, 1}}, "same size"},
		{"empty", nil, nil, "empty sample set"},
		{"dims", ok, [][]float64{{0, 1}, {2}}, "row 1 has 1 values"},
		{"emptyRow", [][]float64{{}}, [][]float64{{}}, "row 0 is empty"},
		{"nan", ok, [][]float64{{0, 1}, {math.NaN(), 3}}, "NaN"},
		{"inf", [][]float64{{0, math.Inf(1)}, {2, 3}}, ok, "+Inf"},
	} {
		if _, err := W2(tc.a, tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	if _, _, err := Assign([]float64{1, 2, 3}, 2); err == nil {
		t.Error("Assign accepted a cost slice of the wrong length")
	}
	if _, _, err := Assign([]float64{1, math.NaN(), 3, 4}, 2); err == nil {
		t.Error("Assign accepted a NaN cost")
	}
}

// bruteEnergyW2 replicates each of the n values m times and each of the m values n times,
// which leaves both uniform measures unchanged and makes the sets equal-sized (n·m), then
// solves the assignment by enumeration (small) or by the reference Hungarian algorithm.
// Either way it is the 1-D optimal transport cost computed without sorting.
func bruteEnergyW2(u, v []float64) float64 {
	n, m := len(u), len(v)
	var ru, rv []float64
	for _, x := range u {
		for range m {
			ru = append(ru, x)
		}
	}
	for _, x := range v {
		for range n {
			rv = append(rv, x)
		}
	}
	N := n * m
	c := make([]float64, N*N)
	for i := range ru {
		for j := range rv {
			c[i*N+j] = (ru[i] - rv[j]) * (ru[i] - rv[j])
		}
	}
	if N <= 7 {
		best := math.Inf(1)
		for _, perm := range combin.Permutations(N, N) {
			var s float64
			for i, j := range perm {
				s += c[i*N+j]
			}
			best = math.Min(best, s)
		}
		return best / float64(N)
	}
	return hungarianRef(c, N) / float64(N)
}

func TestEnergyW2(t *testing.T) {
	// Documented example of POT's ot.emd2_1d: x_a = [2, 0], x_b = [0, 3] gives 0.5.
	got, err := EnergyW2([]float64{2, 0}, []float64{0, 3})
	if err != nil || got != 0.5 {
		t.Errorf("EnergyW2([2 0], [0 3]) = %v, %v; want 0.5 as POT's emd2_1d", got, err)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct{ n, m int }{
		{1, 1}, {1, 5}, {2, 3}, {3, 2}, {7, 1}, {4, 4}, {7, 7}, {5, 7}, {6, 9}, {10, 3},
	} {
		for rep := range 5 {
			u := make([]float64, tc.n)
			v := make([]float64, tc.m)
			for i := range u {
				u[i] = 3 * rng.NormFloat64()
			}
			for i := range v {
				v[i] = 1 + rng.NormFloat64()
			}
			if rep == 0 && tc.n > 1 {
				u[1] = u[0] // a tie
			}
			got, err := EnergyW2(u, v)
			if err != nil {
				t.Fatal(err)
			}
			if want := bruteEnergyW2(u, v); !near(got, want, 1e-11) {
				t.Errorf("n=%d m=%d rep=%d: EnergyW2 = %.15g, brute force %.15g", tc.n, tc.m, rep, got, want)
			}
			sym, _ := EnergyW2(v, u)
			if !near(sym, got, 1e-12) {
				t.Errorf("n=%d m=%d: EnergyW2 not symmetric: %v vs %v", tc.n, tc.m, got, sym)
			}
			w, _ := W2Scalar(u, v)
			if !near(w*w, got, 1e-12) {
				t.Errorf("n=%d m=%d: W2Scalar² = %v, EnergyW2 = %v", tc.n, tc.m, w*w, got)
			}
		}
	}
	for _, bad := range [][2][]float64{{nil, {1}}, {{1}, {}}, {{math.NaN()}, {1}}, {{1}, {math.Inf(-1)}}} {
		if _, err := EnergyW2(bad[0], bad[1]); err == nil {
			t.Errorf("EnergyW2(%v, %v) gave no error", bad[0], bad[1])
		}
	}
}

func TestHistogramTVD(t *testing.T) {
	for _, tc := range []struct {
		name   string
		a, b   []float64
		bins   int
		lo, hi float64
		want   float64
	}{
		{"identical", []float64{0.1, 0.5, 0.9, 0.3}, []float64{0.9, 0.3, 0.1, 0.5}, 10, 0, 1, 0},
		{"sameBins", []float64{0.11, 0.12}, []float64{0.15, 0.19}, 10, 0, 1, 0},
		{"disjoint", []float64{0.1, 0.2, 0.3}, []float64{2.1, 2.5}, 3, 0, 3, 1},
		// a: bins {0: 2, 1: 2}, b: bins {1: 1, 3: 3} → ½(|½−0| + |½−¼| + 0 + |0−¾|) = 0.75.
		{"handComputed", []float64{0, 0.5, 1, 1.5}, []float64{1.2, 3, 3.5, 4}, 4, 0, 4, 0.75},
		// The right edge belongs to the last bin; an interior edge to the bin above it.
		{"rightEdge", []float64{4}, []float64{3.5}, 4, 0, 4, 0},
		{"interiorEdge", []float64{1}, []float64{1.5}, 4, 0, 4, 0},
		// Out-of-range values (and ±Inf) are dropped before normalising, as in numpy.
		{"dropped", []float64{0.5, -1, math.Inf(1)}, []float64{0.6, 7, math.Inf(-1)}, 2, 0, 2, 0},
	} {
		got, err := HistogramTVD(tc.a, tc.b, tc.bins, tc.lo, tc.hi)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !near(got, tc.want, 1e-15) {
			t.Errorf("%s: TVD = %v, want %v", tc.name, got, tc.want)
		}
	}
	for name, f := range map[string]func() (float64, error){
		"bins":       func() (float64, error) { return HistogramTVD([]float64{1}, []float64{1}, 0, 0, 2) },
		"range":      func() (float64, error) { return HistogramTVD([]float64{1}, []float64{1}, 3, 2, 2) },
		"infRange":   func() (float64, error) { return HistogramTVD([]float64{1}, []float64{1}, 3, 0, math.Inf(1)) },
		"nan":        func() (float64, error) { return HistogramTVD([]float64{math.NaN()}, []float64{1}, 3, 0, 2) },
		"noneInside": func() (float64, error) { return HistogramTVD([]float64{1}, []float64{5}, 3, 0, 2) },
		"emptyRef":   func() (float64, error) { return ReferenceHistogramTVD([]float64{1}, nil, 3) },
	} {
		if _, err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}

	rng := rand.New(rand.NewPCG(15, 16))
	for _, tc := range []struct {
		n, m  int
		shift float64
	}{{1000, 1000, 0}, {1000, 700, 0.3}, {500, 500, 2}, {200, 1, 0}} {
		ref := make([]float64, tc.n)
		gen := make([]float64, tc.m)
		for i := range ref {
			ref[i] = rng.NormFloat64()
		}
		for i := range gen {
			gen[i] = tc.shift + 1.2*rng.NormFloat64()
		}
		got, err := ReferenceHistogramTVD(gen, ref, TVDBins)
		if err != nil {
			t.Fatal(err)
		}
		if want := hostref.HistogramTV(ref, gen, TVDBins); !near(got, want, 1e-12) {
			t.Errorf("n=%d m=%d shift=%v: TVD = %v, searchsorted reference %v", tc.n, tc.m, tc.shift, got, want)
		}
		same, _ := ReferenceHistogramTVD(ref, ref, TVDBins)
		if same != 0 {
			t.Errorf("TVD of a set with itself = %v", same)
		}
		e, _ := EnergyTVD(gen, ref)
		if e != got {
			t.Errorf("EnergyTVD = %v, ReferenceHistogramTVD with 200 bins = %v", e, got)
		}
	}
	// A constant reference gets numpy's widened range [v−0.5, v+0.5].
	// Generated 2.4 lies outside it and is dropped; 3 shares the reference bin, 3.2 does not.
	if got, err := ReferenceHistogramTVD([]float64{3, 3.2, 2.4}, []float64{3, 3}, 10); err != nil || got != 0.5 {
		t.Errorf("constant reference: TVD = %v, %v; want 0.5", got, err)
	}
}

func TestInteratomicDistances(t *testing.T) {
	// Three particles in 2-D: p0 = (0,0), p1 = (3,4), p2 = (0,1).
	x := []float64{0, 0, 3, 4, 0, 1}
	got := InteratomicDistances(x, 3, 2)
	want := []float64{5, 1, math.Sqrt(9 + 9)} // (0,1), (0,2), (1,2)
	if !slices.Equal(got, want) {
		t.Errorf("InteratomicDistances = %v, want %v", got, want)
	}
	// Four particles in 3-D: order (0,1) (0,2) (0,3) (1,2) (1,3) (2,3).
	y := []float64{0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3}
	got = InteratomicDistances(y, 4, 3)
	want = []float64{1, 2, 3, math.Sqrt(5), math.Sqrt(10), math.Sqrt(13)}
	for k := range want {
		if !near(got[k], want[k], 1e-15) {
			t.Errorf("pair %d: distance %v, want %v", k, got[k], want[k])
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("InteratomicDistances accepted a configuration of the wrong length")
		}
	}()
	InteratomicDistances(x, 4, 2)
}

func TestDistanceMetrics(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	const nP, dim = 4, 2
	ref := randRows(rng, 50, nP*dim, 1, false)
	gen := randRows(rng, 50, nP*dim, 1.3, false)
	var dr, dg []float64
	for _, r := range ref {
		dr = append(dr, InteratomicDistances(r, nP, dim)...)
	}
	for _, r := range gen {
		dg = append(dg, InteratomicDistances(r, nP, dim)...)
	}
	tvd, err := DistanceTVD(gen, ref, nP, dim)
	if err != nil {
		t.Fatal(err)
	}
	if want := hostref.HistogramTV(dr, dg, TVDBins); !near(tvd, want, 1e-12) {
		t.Errorf("DistanceTVD = %v, want %v", tvd, want)
	}
	if _, err := DistanceTVD(gen, [][]float64{{1, 2}}, nP, dim); err == nil {
		t.Error("DistanceTVD accepted a malformed configuration")
	}
	if _, err := DistanceTVD(gen, ref, 1, dim); err == nil {
		t.Error("DistanceTVD accepted a single particle")
	}
}

func TestModeCoverage(t *testing.T) {
	means := [][]float64{{0, 0}, {10, 0}, {0, 10}, {10, 10}}
	// 6 samples near mode 0, 3 near mode 1, 1 near mode 2, none near mode 3.
	var samples [][]float64
	add := func(k, count int) {
		for i := range count {
			samples = append(samples, []float64{means[k][0] + 0.1*float64(i), means[k][1] - 0.2})
		}
	}
	add(0, 6)
	add(1, 3)
	add(2, 1)
	for _, tc := range []struct {
		name     string
		weights  []float64
		minShare float64
		covered  int
		tv, kl   float64
	}{
		{"uniform", nil, 0.1, 3, 0.5 * (0.35 + 0.05 + 0.15 + 0.25), 0.6*math.Log(2.4) + 0.3*math.Log(1.2) + 0.1*math.Log(0.4)},
		{"uniformStrict", nil, 0.2, 2, 0.4, 0.6*math.Log(2.4) + 0.3*math.Log(1.2) + 0.1*math.Log(0.4)},
		{"exactWeights", []float64{6, 3, 1, 0}, 0, 4, 0, 0},
		{"missingWeight", []float64{1, 1, 0, 2}, 0.05, 3, 0.5 * (math.Abs(0.6-0.25) + math.Abs(0.3-0.25) + 0.1 + 0.5), math.Inf(1)},
	} {
		got, err := ModeCoverage(samples, means, tc.weights, tc.minShare)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Counts, []int{6, 3, 1, 0}) {
			t.Errorf("%s: counts %v", tc.name, got.Counts)
		}
		if !slices.Equal(got.Mass, []float64{0.6, 0.3, 0.1, 0}) {
			t.Errorf("%s: mass %v", tc.name, got.Mass)
		}
		if got.Covered != tc.covered {
			t.Errorf("%s: covered %d, want %d", tc.name, got.Covered, tc.covered)
		}
		if !near(got.TV, tc.tv, 1e-12) {
			t.Errorf("%s: TV %v, want %v", tc.name, got.TV, tc.tv)
		}
		if math.IsInf(tc.kl, 1) != math.IsInf(got.KL, 1) || (!math.IsInf(tc.kl, 1) && !near(got.KL, tc.kl, 1e-12)) {
			t.Errorf("%s: KL %v, want %v", tc.name, got.KL, tc.kl)
		}
	}
	// A sample equidistant from two means goes to the lower index.
	got, _ := ModeCoverage([][]float64{{5, 0}}, means, nil, 0.5)
	if got.Counts[0] != 1 || got.Covered != 1 {
		t.Errorf("tie: counts %v covered %d", got.Counts, got.Covered)
	}
	for name, f := range map[string]func() (Modes, error){
		"noSamples":  func() (Modes, error) { return ModeCoverage(nil, means, nil, 0) },
		"noMeans":    func() (Modes, error) { return ModeCoverage(samples, nil, nil, 0) },
		"dims":       func() (Modes, error) { return ModeCoverage([][]float64{{1}}, means, nil, 0) },
		"weightsLen": func() (Modes, error) { return ModeCoverage(samples, means, []float64{1}, 0) },
		"negWeight":  func() (Modes, error) { return ModeCoverage(samples, means, []float64{1, -1, 1, 1}, 0) },
		"zeroWeight": func() (Modes, error) { return ModeCoverage(samples, means, []float64{0, 0, 0, 0}, 0) },
		"share":      func() (Modes, error) { return ModeCoverage(samples, means, nil, 1.5) },
	} {
		if _, err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// benchSets returns two 2-D sample sets shaped like the GMM-40 benchmark: 40 Gaussian
// modes with means uniform in [-40, 40]², the second set from slightly displaced modes.
func benchSets(n int) (a, b [][]float64) {
	rng := rand.New(rand.NewPCG(21, 22))
	means := make([][2]float64, 40)
	for k := range means {
		means[k] = [2]float64{80*rng.Float64() - 40, 80*rng.Float64() - 40}
	}
	draw := func(shift float64) [][]float64 {
		rows := make([][]float64, n)
		for i := range rows {
			mu := means[rng.IntN(len(means))]
			rows[i] = []float64{mu[0] + shift + rng.NormFloat64(), mu[1] + rng.NormFloat64()}
		}
		return rows
	}
	return draw(0), draw(0.5)
}

func benchmarkW2(b *testing.B, n int) {
	x, y := benchSets(n)
	b.ResetTimer()
	for b.Loop() {
		if _, err := W2(x, y); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkW2_1000(b *testing.B) { benchmarkW2(b, 1000) }
func BenchmarkW2_5000(b *testing.B) { benchmarkW2(b, 5000) }

func TestReferenceHistogramTVDWhenGeneratedMissesTheRange(t *testing.T) {
	got, err := ReferenceHistogramTVD([]float64{10, 11, 12}, []float64{0, 1, 2}, 20)
	if err != nil || got != 1 {
		t.Fatalf("all generated values outside the reference range: got %v, %v; want 1, nil", got, err)
	}
	if _, err := ReferenceHistogramTVD(nil, []float64{0, 1}, 20); err == nil {
		t.Error("empty generated set: no error")
	}
}
