package metrics

import (
	"cmp"
	"encoding/binary"
	"math"
	"runtime"
	"sync"

	"github.com/pkg/errors"
)

// W1W2 returns the exact 1- and 2-Wasserstein distances between the empirical measures
// (1/n) Σ_i δ(a_i) and (1/n) Σ_i δ(b_i) of two equal-size sample sets, with the Euclidean
// ground metric and no alignment:
//
//	W1(a, b) = min_σ (1/n) Σ_i ‖a_i − b_σ(i)‖,
//	W2(a, b) = sqrt( min_σ (1/n) Σ_i ‖a_i − b_σ(i)‖² ),
//
// the minima running over all permutations σ. These are the values of the "1-Wasserstein"
// and "2-Wasserstein" of iDEM's optimal_transport.py, wasserstein(x0, x1, power) (pot.emd2
// of uniform weights on torch.cdist, squared for power 2, then math.sqrt for power 2), as
// the IWSM code's plot_and_metric.py calls it through compute_full_dataset_distribution_
// distances; W1W2's W2 equals W2 (the iDEM-protocol solver) on the same sets.
//
// Sets drawn with replacement repeat rows; W1W2 exploits it. Identical rows (bit for bit)
// are merged into one point with an integer multiplicity on the side with fewer distinct
// rows, and the problem is solved by Transport between those m points and the n rows of
// the other side: the same optimum as the n×n assignment on the sets as given (see
// Transport), on an n×m cost matrix (8·n·m bytes: 500 MB for n = 10,000 against the
// m ≈ 6,300 distinct rows of a resample of 10,000). The cost matrix is computed once, in
// float64, for W2, and its square roots for W1; the two problems are solved concurrently
// when GOMAXPROCS > 1 and the matrix has at most 2^26 entries.
//
// W1W2 returns an error if either set is empty, the sizes or row lengths differ, a row is
// empty, any coordinate is NaN or ±Inf, or a squared distance overflows.
func W1W2(a, b [][]float64) (w1, w2 float64, err error) {
	if len(a) != len(b) {
		return 0, 0, errors.Errorf("metrics.W1W2: sample sets must have the same size, got %d and %d", len(a), len(b))
	}
	dim, err := checkRows(a, 0)
	if err != nil {
		return 0, 0, errors.WithMessage(err, "metrics.W1W2: first set")
	}
	if _, err := checkRows(b, dim); err != nil {
		return 0, 0, errors.WithMessage(err, "metrics.W1W2: second set")
	}
	n := len(a)
	ua, ca := distinctRows(a)
	ub, cb := distinctRows(b)
	persons, objects, capacity := b, ua, ca // rows of the cost matrix: the side not merged
	if len(ub) < len(ua) {
		persons, objects, capacity = a, ub, cb
	}
	m := len(objects)
	cost := sqDistMatrix(persons, objects)
	for k, h := range cost {
		if math.IsInf(h, 0) {
			return 0, 0, errors.Errorf("metrics.W1W2: the squared distance between %v and %v overflows", persons[k/m], objects[k%m])
		}
	}
	// The two problems are independent: solve them at once when two cores are available
	// and the second set of matrices is not too large.
	cost1 := make([]float64, len(cost))
	for k, h := range cost {
		cost1[k] = math.Sqrt(h)
	}
	var t1, t2 float64
	var err1, err2 error
	if runtime.GOMAXPROCS(0) > 1 && n*m <= w1w2ConcurrentMaxSize {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, t1, err1 = Transport(cost1, n, m, capacity)
		}()
		_, t2, err2 = Transport(cost, n, m, capacity)
		wg.Wait()
	} else {
		_, t2, err2 = Transport(cost, n, m, capacity)
		_, t1, err1 = Transport(cost1, n, m, capacity)
	}
	if err := cmp.Or(err2, err1); err != nil {
		return 0, 0, errors.WithMessage(err, "metrics.W1W2")
	}
	return t1 / float64(n), math.Sqrt(t2 / float64(n)), nil
}

// distinctRows returns the distinct rows of rows (bit-for-bit equality), in order of first
// appearance, and how many times each appears.
func distinctRows(rows [][]float64) (distinct [][]float64, count []int) {
	index := make(map[string]int, len(rows))
	key := make([]byte, 0, 8*len(rows[0]))
	for _, r := range rows {
		key = key[:0]
		for _, v := range r {
			key = binary.LittleEndian.AppendUint64(key, math.Float64bits(v))
		}
		if k, ok := index[string(key)]; ok {
			count[k]++
			continue
		}
		index[string(key)] = len(distinct)
		distinct = append(distinct, r)
		count = append(count, 1)
	}
	return distinct, count
}

// w1w2ConcurrentMaxSize is the largest cost matrix (entries) for which W1W2 solves its two
// problems concurrently, holding two float64 matrices and two float32 copies at once.
const w1w2ConcurrentMaxSize = 1 << 26
