package metrics

import (
	"math"

	"github.com/pkg/errors"
)

// TVDBins is the number of histogram bins iDEM uses for its total-variation metrics
// (np.histogram(..., bins=200) in DEM's dem/models/dem_module.py, _compute_total_var).
const TVDBins = 200

// HistogramTVD returns the total-variation distance between the normalised histograms
// of a and b on bins equal-width bins spanning [lo, hi]:
//
//	TVD = ½ Σ_k | A_k / Σ A − B_k / Σ B |,
//
// where A_k, B_k count the values in bin k. Bin edges and bin membership follow
// numpy.histogram exactly: edge_k = lo + k·(hi−lo)/bins for k < bins, edge_bins = hi; bin k
// holds edge_k ≤ x < edge_{k+1}, except the last bin, which also holds x = hi. Values
// outside [lo, hi] (including ±Inf) are dropped before normalising, as numpy does, so each
// histogram is normalised by its own in-range count. The result lies in [0, 1]: 0 for
// identical histograms, 1 for histograms with disjoint occupied bins.
//
// HistogramTVD returns an error if bins < 1, lo and hi are not finite with lo < hi, a or
// b holds NaN, or either set has no value inside [lo, hi] (numpy would give NaN).
func HistogramTVD(a, b []float64, bins int, lo, hi float64) (float64, error) {
	if bins < 1 {
		return 0, errors.Errorf("metrics.HistogramTVD: bins must be positive, got %d", bins)
	}
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || !(lo < hi) {
		return 0, errors.Errorf("metrics.HistogramTVD: range [%v, %v] must be finite with lo < hi", lo, hi)
	}
	edges := binEdges(bins, lo, hi)
	ha, na, err := histogram(a, edges)
	if err != nil {
		return 0, errors.WithMessage(err, "metrics.HistogramTVD: first set")
	}
	hb, nb, err := histogram(b, edges)
	if err != nil {
		return 0, errors.WithMessage(err, "metrics.HistogramTVD: second set")
	}
	var s float64
	for k := range ha {
		s += math.Abs(float64(ha[k])/float64(na) - float64(hb[k])/float64(nb))
	}
	return s / 2, nil
}

// ReferenceHistogramTVD reproduces iDEM's histogram total-variation distance between
// generated values gen and reference values ref. DEM (dem/models/dem_module.py,
// _compute_total_var) does
//
//	H_ref, edges = np.histogram(ref, bins=bins)   # bins = 200
//	H_gen, _     = np.histogram(gen, bins=edges)
//	tv = 0.5 * |H_ref/H_ref.sum() − H_gen/H_gen.sum()|.sum()
//
// so the bins span [min(ref), max(ref)] (widened to [v−0.5, v+0.5] when all reference
// values equal v, as numpy does) and generated values outside that range are dropped
// before normalisation. This is HistogramTVD(ref, gen, bins, min(ref), max(ref)). Note
// the consequence inherited from iDEM: generated samples falling outside the reference
// range do not count against the sampler.
//
// When no generated value falls inside the reference range the two distributions share
// no bin and the distance is 1 (numpy would divide by zero; a sampler that misses the
// reference entirely must score worst, not fail the evaluation).
//
// ReferenceHistogramTVD returns an error if bins < 1, ref is empty or not finite, gen is
// empty or holds NaN.
func ReferenceHistogramTVD(gen, ref []float64, bins int) (float64, error) {
	if err := checkScalars(ref); err != nil {
		return 0, errors.WithMessage(err, "metrics.ReferenceHistogramTVD: reference set")
	}
	lo, hi := ref[0], ref[0]
	for _, v := range ref {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	inRange := 0
	for _, v := range gen {
		if math.IsNaN(v) {
			return 0, errors.New("metrics.ReferenceHistogramTVD: generated set holds NaN")
		}
		if v >= lo && v <= hi {
			inRange++
		}
	}
	if len(gen) == 0 {
		return 0, errors.New("metrics.ReferenceHistogramTVD: generated set is empty")
	}
	if inRange == 0 && bins >= 1 {
		return 1, nil
	}
	tvd, err := HistogramTVD(ref, gen, bins, lo, hi)
	if err != nil {
		return 0, errors.WithMessage(err, "metrics.ReferenceHistogramTVD")
	}
	return tvd, nil
}

// EnergyTVD is the energy total-variation distance (E-TVD): ReferenceHistogramTVD of the
// generated energies against the reference energies with TVDBins = 200 bins. DEM itself
// only applies the recipe to interatomic distances; follow-up evaluation code for the
// same benchmarks applies the identical recipe (torch.histogram(ref, bins=200), the
// generated values binned on the reference edges, ½ L1 of the normalised counts) to
// energies, which is what this function computes.
func EnergyTVD(genEnergies, refEnergies []float64) (float64, error) {
	return ReferenceHistogramTVD(genEnergies, refEnergies, TVDBins)
}

// DistanceTVD reproduces iDEM's "dist_total_var" (dem/models/dem_module.py,
// _log_dist_total_var and _compute_total_var): the interatomic distances of all generated
// configurations, flattened into one set, against those of all reference configurations,
// compared by ReferenceHistogramTVD with TVDBins = 200 bins spanning the reference range.
// Each row of gen and ref is one configuration flattened as in InteratomicDistances.
func DistanceTVD(gen, ref [][]float64, nParticles, dim int) (float64, error) {
	dg, err := allDistances(gen, nParticles, dim)
	if err != nil {
		return 0, errors.WithMessage(err, "metrics.DistanceTVD: generated set")
	}
	dr, err := allDistances(ref, nParticles, dim)
	if err != nil {
		return 0, errors.WithMessage(err, "metrics.DistanceTVD: reference set")
	}
	return ReferenceHistogramTVD(dg, dr, TVDBins)
}

// InteratomicDistances returns the nParticles·(nParticles−1)/2 Euclidean distances
// ‖x_j − x_i‖ between the particles of one configuration x, flattened row-major as
// x[p*dim+c] = coordinate c of particle p. The pairs are ordered i < j, row by row:
// (0,1), (0,2), …, (0,n−1), (1,2), …, the order of DEM's interatomic_dist (the
// torch.triu(…, diagonal=1) mask in dem/energies/lennardjones_energy.py and
// multi_double_well_energy.py), so per-pair statistics line up with iDEM's.
//
// InteratomicDistances panics if nParticles < 1, dim < 1 or len(x) != nParticles*dim:
// a shape mismatch here is a programming error, as in gonum.
func InteratomicDistances(x []float64, nParticles, dim int) []float64 {
	if nParticles < 1 || dim < 1 || len(x) != nParticles*dim {
		panic(errors.Errorf("metrics.InteratomicDistances: len(x) = %d, want nParticles*dim = %d*%d",
			len(x), nParticles, dim))
	}
	out := make([]float64, 0, nParticles*(nParticles-1)/2)
	return appendDistances(out, x, nParticles, dim)
}

func appendDistances(out, x []float64, nParticles, dim int) []float64 {
	for i := 0; i < nParticles; i++ {
		xi := x[i*dim : (i+1)*dim]
		for j := i + 1; j < nParticles; j++ {
			xj := x[j*dim : (j+1)*dim]
			var s float64
			for c := range xi {
				d := xj[c] - xi[c]
				s += d * d
			}
			out = append(out, math.Sqrt(s))
		}
	}
	return out
}

// allDistances validates a set of configurations and returns all their interatomic
// distances, configuration after configuration (DEM's .reshape(-1)).
func allDistances(rows [][]float64, nParticles, dim int) ([]float64, error) {
	if nParticles < 2 || dim < 1 {
		return nil, errors.Errorf("need nParticles >= 2 and dim >= 1, got %d and %d", nParticles, dim)
	}
	if _, err := checkRows(rows, nParticles*dim); err != nil {
		return nil, err
	}
	out := make([]float64, 0, len(rows)*nParticles*(nParticles-1)/2)
	for _, r := range rows {
		out = appendDistances(out, r, nParticles, dim)
	}
	return out, nil
}

// binEdges returns numpy.linspace(lo, hi, bins+1): lo + k·step with the last edge set to
// hi exactly.
func binEdges(bins int, lo, hi float64) []float64 {
	edges := make([]float64, bins+1)
	step := (hi - lo) / float64(bins)
	for k := range edges {
		edges[k] = float64(k)*step + lo
	}
	edges[bins] = hi
	return edges
}

// histogram counts x into the bins delimited by the increasing edges with numpy's rule
// (edge_k ≤ x < edge_{k+1}, last bin closed) and returns the counts and their total.
// Values outside [edges[0], edges[len-1]] are dropped; NaN is an error, and so is an empty
// in-range total.
func histogram(x []float64, edges []float64) (counts []int, total int, err error) {
	bins := len(edges) - 1
	lo, hi := edges[0], edges[bins]
	counts = make([]int, bins)
	scale := float64(bins) / (hi - lo)
	for i, v := range x {
		if math.IsNaN(v) {
			return nil, 0, errors.Errorf("value %d is NaN", i)
		}
		if v < lo || v > hi {
			continue
		}
		// Guess the bin arithmetically, then settle it against the actual edges.
		k := min(int((v-lo)*scale), bins-1)
		for k > 0 && v < edges[k] {
			k--
		}
		for k < bins-1 && v >= edges[k+1] {
			k++
		}
		counts[k]++
		total++
	}
	if total == 0 {
		return nil, 0, errors.Errorf("none of the %d values lies in the histogram range [%v, %v]", len(x), lo, hi)
	}
	return counts, total, nil
}

// ReferenceHistogram2DTVD is the total-variation distance between the two-dimensional
// histograms of the first two coordinates of gen and ref, on bins × bins cells whose edges
// the reference sets, as the IWSM code's plot_and_metric.py (compute_gaussian_tvd) computes
// its "tv_sample" of the 2-D mixtures:
//
//	H_ref, xedges, yedges = np.histogram2d(ref[:,0], ref[:,1], bins=bins)
//	H_gen, _, _           = np.histogram2d(gen[:,0], gen[:,1], bins=[xedges, yedges])
//	tv = 0.5 * |H_ref/H_ref.sum() − H_gen/H_gen.sum()|.sum()
//
// The edges of each axis are numpy.linspace(min, max, bins+1) of the reference's values on
// that axis (widened to [v−0.5, v+0.5] when they all equal v); a point falls in cell (i, j)
// when edge_i ≤ x < edge_{i+1} and edge_j ≤ y < edge_{j+1}, the last cell of an axis also
// holding its upper edge (numpy's rule); generated points outside the reference's box are
// dropped before normalising. Rows with more than two coordinates are binned on their first
// two, as the code does. The result lies in [0, 1]; when no generated point falls inside
// the reference's box it is 1 (numpy would divide by zero).
//
// ReferenceHistogram2DTVD returns an error if bins < 1, either set is empty, a row has
// fewer than two coordinates, or the first two coordinates hold NaN or ±Inf.
func ReferenceHistogram2DTVD(gen, ref [][]float64, bins int) (float64, error) {
	if bins < 1 {
		return 0, errors.Errorf("metrics.ReferenceHistogram2DTVD: bins must be positive, got %d", bins)
	}
	axes := func(rows [][]float64, which string) (xs, ys []float64, err error) {
		if len(rows) == 0 {
			return nil, nil, errors.Errorf("metrics.ReferenceHistogram2DTVD: %s set is empty", which)
		}
		xs, ys = make([]float64, len(rows)), make([]float64, len(rows))
		for i, r := range rows {
			if len(r) < 2 {
				return nil, nil, errors.Errorf("metrics.ReferenceHistogram2DTVD: %s row %d has %d coordinates, want at least 2", which, i, len(r))
			}
			for c, v := range r[:2] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, nil, errors.Errorf("metrics.ReferenceHistogram2DTVD: %s row %d, column %d is %v: values must be finite", which, i, c, v)
				}
			}
			xs[i], ys[i] = r[0], r[1]
		}
		return xs, ys, nil
	}
	gx, gy, err := axes(gen, "generated")
	if err != nil {
		return 0, err
	}
	rx, ry, err := axes(ref, "reference")
	if err != nil {
		return 0, err
	}
	ex, ey := referenceEdges(rx, bins), referenceEdges(ry, bins)
	hr, nr := histogram2D(rx, ry, ex, ey)
	hg, ng := histogram2D(gx, gy, ex, ey)
	if ng == 0 {
		return 1, nil
	}
	var s float64
	for k := range hr {
		s += math.Abs(float64(hr[k])/float64(nr) - float64(hg[k])/float64(ng))
	}
	return s / 2, nil
}

// referenceEdges returns numpy.histogram's bins+1 edges for the finite values x: linspace
// over [min, max], widened by 0.5 on each side when min == max.
func referenceEdges(x []float64, bins int) []float64 {
	lo, hi := x[0], x[0]
	for _, v := range x {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	return binEdges(bins, lo, hi)
}

// histogram2D counts the points (x[i], y[i]) into the cells of the edges ex × ey (row-major,
// x first) with numpy's rule and returns the counts and their total; points outside are
// dropped.
func histogram2D(x, y, ex, ey []float64) (counts []int, total int) {
	bx, by := len(ex)-1, len(ey)-1
	counts = make([]int, bx*by)
	for i := range x {
		kx, okx := bin(x[i], ex)
		ky, oky := bin(y[i], ey)
		if okx && oky {
			counts[kx*by+ky]++
			total++
		}
	}
	return counts, total
}

// bin returns the bin of v among the increasing edges (edge_k ≤ v < edge_{k+1}, the last
// bin closed), and false when v lies outside [edges[0], edges[len-1]].
func bin(v float64, edges []float64) (int, bool) {
	bins := len(edges) - 1
	lo, hi := edges[0], edges[bins]
	if !(v >= lo && v <= hi) {
		return 0, false
	}
	// Guess the bin arithmetically, then settle it against the actual edges.
	k := min(int((v-lo)*(float64(bins)/(hi-lo))), bins-1)
	for k > 0 && v < edges[k] {
		k--
	}
	for k < bins-1 && v >= edges[k+1] {
		k++
	}
	return k, true
}
