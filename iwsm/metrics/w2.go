package metrics

import (
	"math"
	"runtime"
	"sync"

	"github.com/pkg/errors"
)

// W2 returns the exact 2-Wasserstein distance between the empirical measures
// (1/n) Σ_i δ(a_i) and (1/n) Σ_i δ(b_i) of two equal-size sample sets, with the Euclidean
// ground metric:
//
//	W2(a, b) = sqrt( min_σ (1/n) Σ_i ‖a_i − b_σ(i)‖² ),
//
// the minimum running over all permutations σ of {0..n-1}. For equal sizes and uniform
// weights the optimal transport plan can be taken to be a permutation (Birkhoff–von
// Neumann), so this is exactly what iDEM reports as "2-Wasserstein" (x-W2): DEM's
// dem/models/components/optimal_transport.py, wasserstein(x0, x1, power=2), builds
// M = torch.cdist(x0, x1)**2 (squared Euclidean cost on the flattened samples), calls
// pot.emd2(unif(n), unif(n), M) and returns math.sqrt of the result. W2 likewise returns the
// square root, so W2(a, b)² is the value of POT's emd2. iDEM calls it from
// dem/models/components/distribution_distances.py (compute_distribution_distances) with
// the generated samples mapped back to the target's original (unnormalised) coordinates
// and the reference set, both of eval_batch_size rows; for particle systems the rows are
// the flattened, mean-free configurations (no rotation, reflection or particle
// permutation is applied). POT's network simplex runs with numItermax = 1e7 there and can
// stop short of the optimum on large sets; W2 is always the exact optimum.
//
// The optimal assignment is computed by Assign on a dense n×n float64 cost matrix built
// in parallel on GOMAXPROCS goroutines: 8n² bytes of memory (200 MB for n = 5000),
// O(n³) time in the worst case, a few seconds for n = 5000 in practice.
//
// W2 returns an error if either set is empty, the sizes or row lengths differ, a row is
// empty or any coordinate is NaN or ±Inf.
func W2(a, b [][]float64) (float64, error) {
	if len(a) != len(b) {
		return 0, errors.Errorf("metrics.W2: sample sets must have the same size, got %d and %d", len(a), len(b))
	}
	dim, err := checkRows(a, 0)
	if err != nil {
		return 0, errors.WithMessage(err, "metrics.W2: first set")
	}
	if _, err := checkRows(b, dim); err != nil {
		return 0, errors.WithMessage(err, "metrics.W2: second set")
	}
	n := len(a)
	cost := sqDistMatrix(a, b)
	_, total, err := Assign(cost, n)
	if err != nil {
		return 0, errors.WithMessage(err, "metrics.W2")
	}
	return math.Sqrt(total / float64(n)), nil
}

// Assign solves the dense linear assignment problem: for the n×n cost matrix stored
// row-major in cost (cost[i*n+j] is the cost of giving column j to row i) it returns a
// permutation rowToCol minimising Σ_i cost[i*n+rowToCol[i]], together with that minimal
// total. It is the solver behind W2 and is exported for other exact matchings (for
// example optimal-transport pairing of equal-size minibatches).
//
// The algorithm is Jonker & Volgenant (1987), "A shortest augmenting path algorithm for
// dense and sparse linear assignment problems": column reduction, reduction transfer and
// two rounds of augmenting row reduction build a partial assignment cheaply, then each
// remaining free row is assigned by a Dijkstra-like shortest augmenting path search on
// reduced costs, which makes the result exactly optimal (up to floating-point rounding
// in the comparisons). For n ≥ 32 the column prices are first warmed up by an ε-scaling
// auction (see auction), which only shortens the augmenting paths. Worst-case time is
// O(n³); geometric costs typically need far less.
//
// Assign returns an error if n < 1, len(cost) != n*n or any cost is NaN or ±Inf.
func Assign(cost []float64, n int) (rowToCol []int, total float64, err error) {
	if n < 1 {
		return nil, 0, errors.Errorf("metrics.Assign: n must be positive, got %d", n)
	}
	if len(cost) != n*n {
		return nil, 0, errors.Errorf("metrics.Assign: cost has %d entries, want n*n = %d", len(cost), n*n)
	}
	for k, c := range cost {
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return nil, 0, errors.Errorf("metrics.Assign: cost[%d][%d] is %v, costs must be finite", k/n, k%n, c)
		}
	}
	rowToCol, _ = lapjv(cost, n)
	for i, j := range rowToCol {
		total += cost[i*n+j]
	}
	return rowToCol, total, nil
}

// checkRows verifies that rows is non-empty, that every row has the same non-zero length
// (equal to dim when dim > 0) and that every value is finite. It returns the row length.
func checkRows(rows [][]float64, dim int) (int, error) {
	if len(rows) == 0 {
		return 0, errors.New("empty sample set")
	}
	if dim <= 0 {
		dim = len(rows[0])
		if dim == 0 {
			return 0, errors.New("row 0 is empty")
		}
	}
	for i, r := range rows {
		if len(r) != dim {
			return 0, errors.Errorf("row %d has %d values, want %d", i, len(r), dim)
		}
		for j, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, errors.Errorf("row %d, column %d is %v: values must be finite", i, j, v)
			}
		}
	}
	return dim, nil
}

// sqDistMatrix returns the row-major len(a)×len(b) matrix of squared Euclidean distances
// ‖a_i − b_j‖², computed from coordinate differences (not from ‖a‖²+‖b‖²−2a·b, which
// cancels catastrophically for nearby points). Rows are split across GOMAXPROCS goroutines.
func sqDistMatrix(a, b [][]float64) []float64 {
	n, m := len(a), len(b)
	out := make([]float64, n*m)
	workers := min(runtime.GOMAXPROCS(0), n)
	if n*m < 1<<14 {
		workers = 1
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		wg.Add(1)
		go func(start, end int) {
			defer wg.Done()
			for i := start; i < end; i++ {
				ai := a[i]
				row := out[i*m : (i+1)*m]
				for j, bj := range b {
					row[j] = sqEuclid(ai, bj)
				}
			}
		}(start, end)
	}
	wg.Wait()
	return out
}

// sqEuclid returns ‖p − q‖² for len(q) ≥ len(p), summing with four independent
// accumulators so that long rows (particle systems) are not bound by addition latency.
func sqEuclid(p, q []float64) float64 {
	q = q[:len(p)]
	var s0, s1, s2, s3 float64
	k := 0
	for ; k+4 <= len(p); k += 4 {
		d0, d1, d2, d3 := p[k]-q[k], p[k+1]-q[k+1], p[k+2]-q[k+2], p[k+3]-q[k+3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; k < len(p); k++ {
		d := p[k] - q[k]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// lapjv is the Jonker–Volgenant solver on a validated dense row-major n×n cost matrix. It
// returns the row→column assignment x and the column duals v; the row duals are implicit,
// u_i = c[i][x_i] − v[x_i], and at the optimum c[i][j] − u_i − v_j ≥ 0 for all i, j (up to
// rounding), which the tests use as an optimality certificate.
func lapjv(c []float64, n int) (x []int, v []float64) {
	x = make([]int, n)  // column assigned to each row, -1 if free
	y := make([]int, n) // row assigned to each column, -1 if free
	v = make([]float64, n)
	for i := range x {
		x[i], y[i] = -1, -1
	}
	if n == 1 {
		x[0], y[0], v[0] = 0, 0, c[0]
		return x, v
	}

	// Column reduction: v_j = min_i c_ij; assign each column to its minimising row unless
	// that row already holds a column of smaller v. The column minima are found row by row
	// to walk the matrix in memory order; ties go to the lowest row index.
	colMin := make([]float64, n)
	argMin := make([]int, n)
	copy(colMin, c[:n])
	for i := 1; i < n; i++ {
		for j, h := range c[i*n : (i+1)*n] {
			if h < colMin[j] {
				colMin[j], argMin[j] = h, i
			}
		}
	}
	matches := make([]int, n)
	for j := n - 1; j >= 0; j-- {
		i := argMin[j]
		v[j] = colMin[j]
		matches[i]++
		switch {
		case matches[i] == 1:
			x[i], y[j] = j, i
		case v[j] < v[x[i]]:
			y[x[i]] = -1
			x[i], y[j] = j, i
		}
	}

	// Reduction transfer: for a row holding exactly one column j1, lower v_j1 so that j1
	// is still the row's cheapest column but with no slack left against the second best.
	free := make([]int, 0, n)
	for i := 0; i < n; i++ {
		switch matches[i] {
		case 0:
			free = append(free, i)
		case 1:
			j1 := x[i]
			m := math.Inf(1)
			for j, cij := range c[i*n : (i+1)*n] {
				if j != j1 {
					m = math.Min(m, cij-v[j])
				}
			}
			v[j1] -= m
		}
	}

	// On larger problems keep only the prices: refine them by auction and restart from an
	// empty assignment. The invariant of the exact phases below (every assigned row holds
	// a column of least reduced cost) then holds trivially.
	if n >= auctionMinN {
		auction(c, n, v)
		for i := range x {
			x[i], y[i] = -1, -1
		}
		free = free[:0]
		for i := range n {
			free = append(free, i)
		}
	}

	// Augmenting row reduction, two rounds. A free row takes its cheapest reduced column,
	// evicting its owner; when the cheapest is strictly below the second cheapest the
	// column price drops by the gap and the evicted row is processed at once. The number of
	// such immediate re-processings is capped: floating-point gaps can be tiny, and a
	// deferred row is simply left to the exact augmentation phase below.
	numFree := len(free)
	free = free[:n]
	for round := 0; round < 2 && numFree > 0; round++ {
		budget := 10 * n
		k, prevFree := 0, numFree
		numFree = 0
		for k < prevFree {
			i := free[k]
			k++
			row := c[i*n : (i+1)*n]
			uMin, j1 := row[0]-v[0], 0
			uSub, j2 := math.Inf(1), 0
			for j := 1; j < n; j++ {
				h := row[j] - v[j]
				if h < uSub {
					if h >= uMin {
						uSub, j2 = h, j
					} else {
						uSub, uMin = uMin, h
						j2, j1 = j1, j
					}
				}
			}
			i0 := y[j1]
			if uMin < uSub {
				v[j1] -= uSub - uMin
			} else if i0 >= 0 {
				j1 = j2
				i0 = y[j2]
			}
			x[i], y[j1] = j1, i
			if i0 >= 0 {
				if uMin < uSub && budget > 0 {
					budget--
					k--
					free[k] = i0
				} else {
					free[numFree] = i0
					numFree++
				}
			}
		}
	}

	// Augmentation: Dijkstra on reduced costs from each remaining free row until a free
	// column is reached, then update the prices of the settled columns and flip the path.
	//
	// Columns are unreached (d[j] is the tentative distance), waiting in todo at the
	// current minimum distance dMin, or settled (scanned). To keep the hot scan loop a
	// branch-light sequential sweep over the whole row, columns that leave the unreached
	// state get d[j] = −Inf, so that no tentative distance can improve them.
	negInf := math.Inf(-1)
	d := make([]float64, n)
	pred := make([]int, n)
	todo := make([]int, 0, n)
	settled := make([]int, 0, n)
	settledD := make([]float64, 0, n)
	for _, f := range free[:numFree] {
		row := c[f*n : (f+1)*n]
		for j := range n {
			d[j] = row[j] - v[j]
			pred[j] = f
		}
		todo, settled, settledD = todo[:0], settled[:0], settledD[:0]
		end := -1
		var dMin float64
		for end < 0 {
			if len(todo) == 0 {
				// Move every unreached column at the new minimum distance to todo.
				dMin = math.Inf(1)
				for j, h := range d {
					if h <= dMin && h != negInf {
						if h < dMin {
							todo = todo[:0]
							dMin = h
						}
						todo = append(todo, j)
					}
				}
				if len(todo) == 0 {
					panic("metrics: assignment search ran out of columns")
				}
				for _, j := range todo {
					d[j] = negInf
					if y[j] < 0 {
						end = j
					}
				}
				if end >= 0 {
					break
				}
			}
			// Settle one column and relax the distances through its row.
			j1 := todo[len(todo)-1]
			todo = todo[:len(todo)-1]
			settled = append(settled, j1)
			settledD = append(settledD, dMin)
			i := y[j1]
			ri := c[i*n : (i+1)*n]
			h := ri[j1] - v[j1] - dMin
			vv, dd := v[:len(ri)], d[:len(ri)]
			for j, cij := range ri {
				v2 := cij - vv[j] - h
				if v2 < dd[j] {
					pred[j] = i
					if v2 == dMin {
						if y[j] < 0 {
							end = j
							break
						}
						todo = append(todo, j)
						v2 = negInf
					}
					dd[j] = v2
				}
			}
		}
		for k, j := range settled {
			v[j] += settledD[k] - dMin
		}
		for {
			i := pred[end]
			y[end] = i
			j := end
			end, x[i] = x[i], j
			if i == f {
				break
			}
		}
	}
	return x, v
}

// Tuning of the auction warm start in lapjv. auctionMinN and auctionBidsPerRow are
// variables only so that the tests can force either code path.
var (
	// auctionMinN is the size from which lapjv warms its prices up with an auction.
	// Below it the Jonker–Volgenant initialisation alone is cheap enough.
	auctionMinN = 32
	// auctionBidsPerRow bounds the total number of auction bids to auctionBidsPerRow·n
	// (typical geometric problems need about 60·n).
	auctionBidsPerRow = 200
)

const (
	auctionEps0     = 4.0  // first ε is (max cost − min cost) / auctionEps0
	auctionEpsFinal = 1e-7 // last ε is (max cost − min cost) · auctionEpsFinal
	auctionTheta    = 5.0  // ε shrinks by this factor per round
)

// auction improves the column prices v with the forward auction algorithm and ε-scaling
// (Bertsekas 1988): every unassigned row bids for its cheapest reduced column j1,
// lowering v_j1 by the gap to its second cheapest column plus ε and evicting the owner,
// until all rows are assigned; then ε shrinks, all rows are released and bidding starts
// again. Only the prices are kept. They leave every row within ε of its cheapest column,
// so the exact phases of lapjv that follow need only short augmenting paths; this turns
// instances with long paths (for example a sampler that misses most modes of a mixture)
// from minutes into seconds. Each bid lowers a price by at least ε, so the rounds end; a
// budget of auctionBidsPerRow·n bids also stops it early, which costs time in the exact
// phases but never correctness.
func auction(c []float64, n int, v []float64) {
	lo, hi := c[0], c[0]
	for _, h := range c {
		if h < lo {
			lo = h
		}
		if h > hi {
			hi = h
		}
	}
	spread := hi - lo
	if spread == 0 {
		return
	}
	eps, epsFinal := spread/auctionEps0, spread*auctionEpsFinal
	y := make([]int, n) // row holding each column, -1 if none
	free := make([]int, 0, n)
	budget := auctionBidsPerRow * n
	for {
		for j := range y {
			y[j] = -1
		}
		free = free[:0]
		for i := n - 1; i >= 0; i-- {
			free = append(free, i)
		}
		for len(free) > 0 {
			if budget--; budget < 0 {
				return
			}
			i := free[len(free)-1]
			free = free[:len(free)-1]
			row := c[i*n : (i+1)*n]
			vv := v[:len(row)]
			uMin, j1 := row[0]-vv[0], 0
			uSub := math.Inf(1)
			for j := 1; j < len(row); j++ {
				h := row[j] - vv[j]
				if h < uSub {
					if h >= uMin {
						uSub = h
					} else {
						uSub, uMin = uMin, h
						j1 = j
					}
				}
			}
			v[j1] -= uSub - uMin + eps
			if i0 := y[j1]; i0 >= 0 {
				free = append(free, i0)
			}
			y[j1] = i
		}
		if eps <= epsFinal {
			return
		}
		eps = math.Max(eps/auctionTheta, epsFinal)
	}
}
