package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/combin"
)

// expandColumns repeats column o of the n×m matrix c capacity[o] times: the n×n assignment
// problem whose optimum Transport must reach.
func expandColumns(c []float64, n, m int, capacity []int) []float64 {
	var cols []int
	for o, k := range capacity {
		for range k {
			cols = append(cols, o)
		}
	}
	out := make([]float64, 0, n*n)
	for p := range n {
		for _, o := range cols {
			out = append(out, c[p*m+o])
		}
	}
	return out
}

// randCapacities splits n into m positive parts at random.
func randCapacities(rng *rand.Rand, n, m int) []int {
	capacity := make([]int, m)
	for o := range capacity {
		capacity[o] = 1
	}
	for range n - m {
		capacity[rng.IntN(m)]++
	}
	return capacity
}

// checkTransport verifies that rowToCol fills every column to its capacity and that total
// is its cost.
func checkTransport(t *testing.T, c []float64, n, m int, capacity, rowToCol []int, total float64) {
	t.Helper()
	got := make([]int, m)
	var s float64
	for p, o := range rowToCol {
		got[o]++
		s += c[p*m+o]
	}
	if !slices.Equal(got, capacity) {
		t.Fatalf("columns receive %v, capacities %v", got, capacity)
	}
	if s != total {
		t.Fatalf("total %v, sum of the assigned costs %v", total, s)
	}
}

// Transport reaches the optimum of the assignment problem on repeated columns, computed
// by the independent textbook Hungarian algorithm (hungarianRef), with no auction warm
// start, with one on the costs and with one on their float32 copy, on random and on tie-heavy integer costs, for shapes from one column
// to one column per row.
func TestTransportMatchesHungarianOnRepeatedColumns(t *testing.T) {
	defer func(old, old32 int) { auctionMinN, transportFloat32MinSize = old, old32 }(auctionMinN, transportFloat32MinSize)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, minN := range []int{1 << 30, 1, 0} {
		auctionMinN = max(minN, 1)
		transportFloat32MinSize = 1 << 30
		if minN == 0 { // the auction on a float32 copy of the costs
			transportFloat32MinSize = 0
		}
		for _, n := range []int{1, 2, 3, 7, 20, 45} {
			for _, m := range []int{1, 2, n / 3, n} {
				if m < 1 || m > n {
					continue
				}
				for rep := range 6 {
					integer := rep%2 == 1
					c := make([]float64, n*m)
					for k := range c {
						if integer {
							c[k] = float64(rng.IntN(4))
						} else {
							c[k] = 10 * rng.Float64()
						}
					}
					capacity := randCapacities(rng, n, m)
					rowToCol, total, err := Transport(c, n, m, capacity)
					if err != nil {
						t.Fatal(err)
					}
					checkTransport(t, c, n, m, capacity, rowToCol, total)
					want := hungarianRef(expandColumns(c, n, m, capacity), n)
					if !near(total, want, 1e-12) {
						t.Errorf("auction from n=%d, n=%d m=%d integer=%v: total %.15g, Hungarian on repeated columns %.15g",
							minN, n, m, integer, total, want)
					}
				}
			}
		}
	}
}

// bruteW1W2 enumerates every permutation (independent of the transport code).
func bruteW1W2(a, b [][]float64) (w1, w2 float64) {
	n := len(a)
	best1, best2 := math.Inf(1), math.Inf(1)
	for _, perm := range combin.Permutations(n, n) {
		var s1, s2 float64
		for i, j := range perm {
			d := sqDist(a[i], b[j])
			s1 += math.Sqrt(d)
			s2 += d
		}
		best1, best2 = math.Min(best1, s1), math.Min(best2, s2)
	}
	return best1 / float64(n), math.Sqrt(best2 / float64(n))
}

// resampleRows draws n rows of rows with replacement.
func resampleRows(rng *rand.Rand, rows [][]float64, n int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		out[i] = rows[rng.IntN(len(rows))]
	}
	return out
}

// W1 and W2 of small sets, with repeated rows on either side, against every permutation.
func TestW1W2BruteForce(t *testing.T) {
	defer func(old int) { auctionMinN = old }(auctionMinN)
	rng := rand.New(rand.NewPCG(9, 10))
	for _, minN := range []int{1 << 30, 1} {
		auctionMinN = minN
		for _, n := range []int{1, 2, 5, 8} {
			for _, dim := range []int{1, 2, 3} {
				for rep := range 4 {
					a := randRows(rng, n, dim, 3, rep%2 == 1)
					b := randRows(rng, n, dim, 3, false)
					if rep >= 2 { // resampled: repeats on the generated side
						a = resampleRows(rng, a[:max(1, n/2)], n)
					}
					if rep == 3 {
						b = resampleRows(rng, b, n)
					}
					w1, w2, err := W1W2(a, b)
					if err != nil {
						t.Fatal(err)
					}
					want1, want2 := bruteW1W2(a, b)
					if !near(w1, want1, 1e-12) || !near(w2, want2, 1e-12) {
						t.Errorf("n=%d dim=%d rep=%d: W1 %.15g W2 %.15g, brute force %.15g %.15g", n, dim, rep, w1, w2, want1, want2)
					}
					r1, r2, _ := W1W2(b, a)
					if !near(r1, w1, 1e-12) || !near(r2, w2, 1e-12) {
						t.Errorf("n=%d dim=%d rep=%d: not symmetric: %v %v and %v %v", n, dim, rep, w1, w2, r1, r2)
					}
				}
			}
		}
	}
}

// In one dimension the sorted (monotone) matching is optimal for every convex cost: W1 is
// the mean absolute difference of the sorted values and W2 the root mean square one.
func TestW1W2OneDimensionalMatchesSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{40, 400} {
		a := resampleRows(rng, randRows(rng, n/4, 1, 5, false), n)
		b := randRows(rng, n, 1, 5, false)
		var u, v []float64
		for i := range a {
			u, v = append(u, a[i][0]), append(v, b[i][0])
		}
		slices.Sort(u)
		slices.Sort(v)
		var s1, s2 float64
		for k := range u {
			s1 += math.Abs(u[k] - v[k])
			s2 += (u[k] - v[k]) * (u[k] - v[k])
		}
		w1, w2, err := W1W2(a, b)
		if err != nil {
			t.Fatal(err)
		}
		if !near(w1, s1/float64(n), 1e-12) || !near(w2, math.Sqrt(s2/float64(n)), 1e-12) {
			t.Errorf("n=%d: W1 %.15g W2 %.15g, sorted %.15g %.15g", n, w1, w2, s1/float64(n), math.Sqrt(s2/float64(n)))
		}
	}
}

// W1W2's W2 (on the merged distinct points, with capacities) equals W2 (the n×n assignment
// with repeated rows) on a mixture-like resampled set,
// and W1 ≤ W2 (Jensen).
func TestW1W2AgreesWithW2(t *testing.T) {
	x, y := benchSets(400)
	rng := rand.New(rand.NewPCG(13, 14))
	x = resampleRows(rng, x[:100], 400)
	w1, w2, err := W1W2(x, y)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := W2(x, y)
	if !near(w2, want, 1e-12) || w1 > w2 {
		t.Errorf("W1W2 gives W1 %.15g, W2 %.15g; W2 %.15g", w1, w2, want)
	}
}

func TestTransportErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		c        []float64
		n, m     int
		capacity []int
		want     string
	}{
		"no rows":        {nil, 0, 1, []int{1}, "positive"},
		"short matrix":   {[]float64{1, 2, 3}, 2, 2, []int{1, 1}, "entries"},
		"capacity count": {[]float64{1, 2}, 1, 2, []int{1}, "capacities for"},
		"zero capacity":  {[]float64{1, 2}, 2, 1, []int{0}, "positive"},
		"wrong sum":      {[]float64{1, 2, 3, 4}, 2, 2, []int{1, 2}, "sum to 3"},
		"NaN cost":       {[]float64{1, math.NaN()}, 2, 1, []int{2}, "cost[1][0] is NaN"},
	} {
		if _, _, err := Transport(tc.c, tc.n, tc.m, tc.capacity); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", name, err, tc.want)
		}
	}
	if _, _, err := W1W2([][]float64{{1e200, 0}}, [][]float64{{-1e200, 0}}); err == nil || !strings.Contains(err.Error(), "overflows") {
		t.Errorf("overflowing distances: error %v", err)
	}
	if _, _, err := W1W2([][]float64{{1}}, [][]float64{{1}, {2}}); err == nil {
		t.Error("sets of different sizes: no error")
	}
}

// benchmarkW1W2 times W1W2 for n reference points of the GMM-40-like benchmark against n
// draws with replacement from unique generated points (about 0.63·n distinct when unique
// = n), optionally from a sampler that covers only a quarter of the modes.
func benchmarkW1W2(b *testing.B, n, unique int, missModes bool) {
	x, y := benchSets(max(n, unique))
	gen := x[:unique]
	if missModes {
		gen = gen[:0:0]
		for _, r := range x {
			if r[0] < 0 && r[1] < 0 && len(gen) < unique {
				gen = append(gen, r)
			}
		}
	}
	gen = resampleRows(rand.New(rand.NewPCG(1, 2)), gen, n)
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := W1W2(gen, y[:n]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkW1W2_10000from1000(b *testing.B)        { benchmarkW1W2(b, 10000, 1000, false) }
func BenchmarkW1W2_10000from10000(b *testing.B)       { benchmarkW1W2(b, 10000, 10000, false) }
func BenchmarkW1W2_10000from1000Missing(b *testing.B) { benchmarkW1W2(b, 10000, 1000, true) }
func BenchmarkW1W2_1000from1000(b *testing.B)         { benchmarkW1W2(b, 1000, 1000, false) }
