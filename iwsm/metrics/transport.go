package metrics

import (
	"math"

	"github.com/pkg/errors"
)

// Transport solves the transportation problem in which each of n rows sends one unit and
// column o receives exactly capacity[o] units: for the n×m cost matrix stored row-major in
// cost (cost[p*m+o] is the cost of sending row p to column o) it returns the column of
// every row, rowToCol, minimising Σ_p cost[p*m+rowToCol[p]] subject to column o receiving
// capacity[o] rows, together with that minimal total. The capacities must be positive and
// sum to n.
//
// It is the assignment problem (Assign) in which column o is repeated capacity[o] times,
// solved without repeating it: with integer capacities the transportation polytope has
// integral vertices (a network-flow matrix is totally unimodular), so the optimum over
// fractional plans equals the optimum over assignments, and both equal the optimum of the
// n×n assignment problem on the repeated columns. Exact optimal transport between an
// empirical measure with integer multiplicities (a sample set resampled with replacement)
// and a uniform one is therefore Transport with m = the number of distinct points.
//
// The algorithm: an ε-scaling forward auction with
// similar objects (Bertsekas and Castañon, "The auction algorithm for the transportation
// problem", 1989: each column holds capacity[o] slots with their own prices, and a row
// bids for the cheapest slot of a column) computes column prices, then the successive
// shortest augmenting paths of Jonker and Volgenant, run from every row on reduced costs
// with one price per column, assign the rows exactly: a column with free capacity ends a
// path, a full column passes the search on to every row it holds. The auction only
// shortens the paths; the result is exactly optimal (up to floating-point rounding in the
// comparisons). Memory is O(n + m) besides the cost matrix (and a float32 copy of it for
// the auction on large problems); every full sweep of a row costs O(m).
//
// Transport returns an error if n or m is not positive, len(cost) != n*m, len(capacity)
// != m, a capacity is not positive, the capacities do not sum to n, or a cost is NaN or
// ±Inf.
func Transport(cost []float64, n, m int, capacity []int) (rowToCol []int, total float64, err error) {
	if n < 1 || m < 1 {
		return nil, 0, errors.Errorf("metrics.Transport: n and m must be positive, got %d and %d", n, m)
	}
	if len(cost) != n*m {
		return nil, 0, errors.Errorf("metrics.Transport: cost has %d entries, want n*m = %d*%d", len(cost), n, m)
	}
	if len(capacity) != m {
		return nil, 0, errors.Errorf("metrics.Transport: %d capacities for %d columns", len(capacity), m)
	}
	sum := 0
	for o, c := range capacity {
		if c < 1 {
			return nil, 0, errors.Errorf("metrics.Transport: capacity[%d] is %d, capacities must be positive", o, c)
		}
		sum += c
	}
	if sum != n {
		return nil, 0, errors.Errorf("metrics.Transport: capacities sum to %d, want the number of rows %d", sum, n)
	}
	for k, c := range cost {
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return nil, 0, errors.Errorf("metrics.Transport: cost[%d][%d] is %v, costs must be finite", k/m, k%m, c)
		}
	}
	assign := transport(cost, n, m, capacity)
	rowToCol = make([]int, n)
	for p, o := range assign {
		rowToCol[p] = int(o)
		total += cost[p*m+int(o)]
	}
	return rowToCol, total, nil
}

// Tuning of the auction warm start in transport. auctionMinN and auctionBidsPerRow are
// variables only so that the tests can force either code path.
var (
	// auctionMinN is the size from which transport warms its prices up with an auction.
	// Below it the column minima are a good enough start.
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

// transport solves a validated problem (see Transport) and returns the column of each row.
func transport(c []float64, n, m int, capacity []int) []int32 {
	// Column prices, in the usual sign convention: the reduced cost of (p, o) is
	// c[p][o] − v[o]. Start from the column minima.
	v := make([]float64, m)
	copy(v, c[:m])
	for p := 1; p < n; p++ {
		for o, h := range c[p*m : (p+1)*m] {
			if h < v[o] {
				v[o] = h
			}
		}
	}
	if n >= auctionMinN && m > 1 {
		if n*m >= transportFloat32MinSize {
			// The auction only warms the prices up and reads the whole matrix at every
			// full scan: on large problems it reads a float32 copy, half the memory traffic.
			c32 := make([]float32, len(c))
			for k, h := range c {
				c32[k] = float32(h)
			}
			transportAuction(c32, n, m, capacity, v)
		} else {
			transportAuction(c, n, m, capacity, v)
		}
	}
	return transportExact(c, n, m, capacity, v)
}

// transportExact assigns every row by a shortest augmenting path (Jonker–Volgenant's
// augmentation phase with column capacities), starting from the prices v and an empty
// assignment, and returns the column of each row. It keeps the invariant that every
// assigned row holds a column of least reduced cost c[p][o] − v[o], which makes the final
// assignment optimal.
func transportExact(c []float64, n, m int, capacity []int, v []float64) []int32 {
	x := make([]int32, n) // column of each row, -1 while free
	for p := range x {
		x[p] = -1
	}
	// The rows a column holds: holder[off[o] : off[o]+count[o]], with at[p] the index of
	// row p in that range.
	off := make([]int, m+1)
	for o, k := range capacity {
		off[o+1] = off[o] + k
	}
	count := make([]int, m)
	holder := make([]int32, n)
	at := make([]int, n)
	add := func(p int32, o int32) {
		k := off[o] + count[o]
		holder[k], at[p] = p, k
		count[o]++
		x[p] = o
	}
	remove := func(p int32) {
		o := x[p]
		count[o]--
		last := off[o] + count[o]
		q := holder[last]
		holder[at[p]], at[q] = q, at[p]
		x[p] = -1
	}

	negInf := math.Inf(-1)
	d := make([]float64, m)
	pred := make([]int32, m)
	todo := make([]int32, 0, m)
	settled := make([]int32, 0, m)
	settledD := make([]float64, 0, m)
	for f := range n {
		row := c[f*m : (f+1)*m]
		for o := range m {
			d[o] = row[o] - v[o]
			pred[o] = int32(f)
		}
		todo, settled, settledD = todo[:0], settled[:0], settledD[:0]
		end := int32(-1)
		var dMin float64
		for end < 0 {
			if len(todo) == 0 {
				// Move every unreached column at the new minimum distance to todo.
				dMin = math.Inf(1)
				for o, h := range d {
					if h <= dMin && h != negInf {
						if h < dMin {
							todo = todo[:0]
							dMin = h
						}
						todo = append(todo, int32(o))
					}
				}
				if len(todo) == 0 {
					panic("metrics: transport search ran out of columns")
				}
				for _, o := range todo {
					d[o] = negInf
					if count[o] < capacity[o] {
						end = o
					}
				}
				if end >= 0 {
					break
				}
			}
			// Settle one full column and relax the distances through every row it holds:
			// each of them is reached at dMin by its tight edge.
			o1 := todo[len(todo)-1]
			todo = todo[:len(todo)-1]
			settled = append(settled, o1)
			settledD = append(settledD, dMin)
		holders:
			for _, i := range holder[off[o1] : off[o1]+count[o1]] {
				ri := c[int(i)*m : (int(i)+1)*m]
				h := ri[o1] - v[o1] - dMin
				vv, dd := v[:len(ri)], d[:len(ri)]
				for o, cio := range ri {
					v2 := cio - vv[o] - h
					if v2 < dd[o] {
						pred[o] = i
						if v2 == dMin {
							if count[o] < capacity[o] {
								end = int32(o)
								break holders
							}
							todo = append(todo, int32(o))
							v2 = negInf
						}
						dd[o] = v2
					}
				}
			}
		}
		for k, o := range settled {
			v[o] += settledD[k] - dMin
		}
		// Flip the path: each row on it moves to the column it reached, the first row f
		// takes a column, the last column takes one more row.
		o := end
		for {
			p := pred[o]
			prev := x[p]
			if prev >= 0 {
				remove(p)
			}
			add(p, o)
			if int(p) == f {
				break
			}
			o = prev
		}
	}
	return x
}

// transportAuction improves the column prices v by the forward auction algorithm with
// ε-scaling (see auction), with similar objects: column o is capacity[o] slots, each with
// its own price, kept as a max-heap on their values (the cheapest slot on top); a row
// bids for the top slot of its cheapest column, lowering that slot's value by the gap to
// its second-best choice (another column's top slot or the column's second slot) plus ε
// and evicting the slot's holder. When the rounds end, or the budget of
// auctionBidsPerRow·n bids runs out, v[o] is the value of column o's cheapest slot.
func transportAuction[F float32 | float64](c []F, n, m int, capacity []int, v []float64) {
	lo, hi := c[0], c[0]
	for _, h := range c {
		lo, hi = min(lo, h), max(hi, h)
	}
	spread := float64(hi - lo)
	if spread == 0 {
		return
	}
	off := make([]int, m+1)
	for o, k := range capacity {
		off[o+1] = off[o] + k
	}
	slotV := make([]float64, n)    // slot values, a max-heap per column
	slotHolder := make([]int32, n) // row holding each slot, -1 if none
	for o := range m {
		for k := off[o]; k < off[o+1]; k++ {
			slotV[k] = v[o]
		}
	}
	top := v // top[o] = slotV[off[o]], the value a newcomer sees; v is updated in place
	// siftDown restores column o's heap after its slot k lost value.
	siftDown := func(o, k int) {
		base, size := off[o], off[o+1]-off[o]
		i := k - base
		for {
			l := 2*i + 1
			if l >= size {
				break
			}
			j := l
			if r := l + 1; r < size && slotV[base+r] > slotV[base+l] {
				j = r
			}
			if slotV[base+j] <= slotV[base+i] {
				break
			}
			slotV[base+i], slotV[base+j] = slotV[base+j], slotV[base+i]
			slotHolder[base+i], slotHolder[base+j] = slotHolder[base+j], slotHolder[base+i]
			i = j
		}
	}

	eps, epsFinal := spread/auctionEps0, spread*auctionEpsFinal
	cands := newCandidates(n, m)
	free := make([]int32, 0, n)
	budget := auctionBidsPerRow * n
	for {
		for k := range slotHolder {
			slotHolder[k] = -1
		}
		free = free[:0]
		for p := n - 1; p >= 0; p-- {
			free = append(free, int32(p))
		}
		for len(free) > 0 {
			if budget--; budget < 0 {
				return
			}
			p := free[len(free)-1]
			free = free[:len(free)-1]
			row := c[int(p)*m : (int(p)+1)*m]
			o1, uMin, uSub := best2(cands, int(p), row, top)
			base, size := off[o1], off[o1+1]-off[o1]
			if size >= 2 { // the column's second slot is a choice too
				second := slotV[base+1]
				if size >= 3 {
					second = max(second, slotV[base+2])
				}
				uSub = min(uSub, float64(row[o1])-second)
			}
			slotV[base] -= uSub - uMin + eps
			if q := slotHolder[base]; q >= 0 {
				free = append(free, q)
			}
			slotHolder[base] = p
			siftDown(o1, base)
			top[o1] = slotV[base]
		}
		if eps <= epsFinal {
			return
		}
		eps = math.Max(eps/auctionTheta, epsFinal)
	}
}

// candidateLists remember, for every row p of an auction, the candidateCount columns of
// least reduced cost c[p][o] − top[o] found by its last full scan, and the next smallest
// reduced cost then, thr[p]. Auction prices only fall (top[o] never grows), so reduced
// costs only grow: every column outside the list still has a reduced cost ≥ thr[p]. When
// the two best columns of the list are both within thr[p] they are the two best of the
// row, and a bid costs candidateCount reduced costs instead of m.
type candidateLists struct {
	m     int
	cols  []int32   // cols[p*candidateCount:(p+1)*candidateCount], -1 before the first scan
	thr   []float64 // +Inf when the list holds every column
	Scans int       // full scans, for tests and tuning
}

// candidateCount is the length of each row's candidate list.
const candidateCount = 16

func newCandidates(n, m int) *candidateLists {
	l := &candidateLists{m: m, cols: make([]int32, n*candidateCount), thr: make([]float64, n)}
	for k := range l.cols {
		l.cols[k] = -1
	}
	return l
}

// best2 returns row p's column of least reduced cost, that cost and the second least,
// from its list when the list decides them, from a full scan otherwise.
func best2[F float32 | float64](l *candidateLists, p int, row []F, top []float64) (o1 int, uMin, uSub float64) {
	cols := l.cols[p*candidateCount : (p+1)*candidateCount]
	if cols[0] >= 0 {
		uMin, uSub = math.Inf(1), math.Inf(1)
		for _, o := range cols {
			if o < 0 {
				break
			}
			h := float64(row[o]) - top[o]
			if h < uSub {
				if h >= uMin {
					uSub = h
				} else {
					uSub, uMin = uMin, h
					o1 = int(o)
				}
			}
		}
		if uSub <= l.thr[p] {
			return o1, uMin, uSub
		}
	}
	l.Scans++
	// Keep the candidateCount+1 smallest reduced costs, sorted, by insertion: the first
	// ones fill the buffer, then four columns at a time are checked against its largest
	// value, which most of them exceed.
	var hs [candidateCount + 1]float64
	var os [candidateCount + 1]int32
	insert := func(k int, h float64, o int) {
		i := k - 1
		for i > 0 && hs[i-1] > h {
			hs[i], os[i] = hs[i-1], os[i-1]
			i--
		}
		hs[i], os[i] = h, int32(o)
	}
	tt := top[:len(row)]
	k := min(len(row), len(hs))
	for o := range k {
		insert(o+1, float64(row[o])-tt[o], o)
	}
	if k == len(hs) {
		thr := hs[k-1]
		o := k
		for ; o+4 <= len(row); o += 4 {
			h0, h1, h2, h3 := float64(row[o])-tt[o], float64(row[o+1])-tt[o+1], float64(row[o+2])-tt[o+2], float64(row[o+3])-tt[o+3]
			if h0 < thr || h1 < thr || h2 < thr || h3 < thr {
				for j, h := range [4]float64{h0, h1, h2, h3} {
					if h < hs[k-1] {
						insert(k, h, o+j)
					}
				}
				thr = hs[k-1]
			}
		}
		for ; o < len(row); o++ {
			if h := float64(row[o]) - tt[o]; h < hs[k-1] {
				insert(k, h, o)
			}
		}
	}
	for i := range cols {
		cols[i] = -1
	}
	if k <= candidateCount {
		copy(cols, os[:k])
		l.thr[p] = math.Inf(1)
	} else {
		copy(cols, os[:candidateCount])
		l.thr[p] = hs[candidateCount]
	}
	uSub = math.Inf(1)
	if k > 1 {
		uSub = hs[1]
	}
	return int(os[0]), hs[0], uSub
}

// transportFloat32MinSize is the matrix size from which transport's auction reads a float32
// copy of the costs (a variable so that the tests can force either path).
var transportFloat32MinSize = 1 << 20
