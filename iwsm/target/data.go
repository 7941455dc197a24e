package target

import (
	_ "embed"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/pkg/errors"
)

// The reference data shipped with the library: GMM-40's means, the DW-4 and LJ-13 test
// splits and the first 1024 rows of their validation splits are copied from the iDEM
// benchmark files; GMM-120's means were drawn with FAB's recipe by scripts/gmm_means.py (the
// same script reproduces gmm40_means.npy byte for byte); the LJ-55 reference was drawn by this
// project with `iwsm mcmc -target lj55 -chains 8 -burnin 200000 -thin 1000 -n 125 -seed 1`
// (Metropolis, package mcmc; the same sampler reproduces iDEM's LJ-13 split, see its tests).
var (
	//go:embed data/gmm40_means.npy
	gmm40MeansNPY []byte
	//go:embed data/gmm120_means.npy
	gmm120MeansNPY []byte
	//go:embed data/test_split_DW4.npy
	dw4TestNPY []byte
	//go:embed data/test_split_LJ13-1000.npy
	lj13TestNPY []byte
	//go:embed data/lj55_mcmc.npy
	lj55MCMCNPY []byte
	//go:embed data/val_split_DW4-1024.npy
	dw4ValNPY []byte
	//go:embed data/val_split_LJ13-1024.npy
	lj13ValNPY []byte
)

// readMatrix decodes an embedded .npy file into rows of length cols.
func readMatrix(raw []byte, cols int) ([][]float64, error) {
	rows, err := npyfile.DecodeBytes(raw)
	if err != nil {
		return nil, errors.WithMessage(err, "embedded data")
	}
	if len(rows) == 0 || len(rows[0]) != cols {
		return nil, errors.Errorf("embedded matrix does not have %d columns", cols)
	}
	return rows, nil
}

// shippedSplit returns a loader of an embedded split of particle configurations of the
// n-particle system in spatial dimensions, with each configuration's centre of mass removed
// (iDEM's benchmark files are not mean-free on disk for DW-4).
func shippedSplit(raw []byte, name string, n, spatial int) func() ([][]float64, error) {
	return func() ([][]float64, error) {
		rows, err := readMatrix(raw, n*spatial)
		if err != nil {
			return nil, errors.WithMessagef(err, "samples of %s", name)
		}
		for _, r := range rows {
			RemoveCentreOfMass(r, n, spatial)
		}
		return rows, nil
	}
}

// HasReference reports whether t has reference samples for the metrics: exact draws for
// mixtures, or a ReferenceSet (iDEM's test splits for DW-4 and LJ-13, the project's
// Metropolis reference for LJ-55, or one a user attached).
func (t *Target) HasReference() bool { return t.Mixture != nil || t.ReferenceSet != nil }

// Reference returns n reference samples of t in the sampler's coordinates, drawn with rng:
// exact draws for mixtures, a random subset (without replacement) of ReferenceSet otherwise.
// The metrics of every run and of `iwsm eval` compare against these.
func (t *Target) Reference(n int, rng *rand.Rand) ([][]float64, error) {
	if t.Mixture != nil {
		return t.Mixture.Sample(rng, n), nil
	}
	if t.ReferenceSet == nil {
		return nil, errors.Errorf("target %s has no reference samples (mixtures draw exact samples; dw4 and lj13 ship iDEM's test split, lj55 an MCMC reference; "+
			"set Target.ReferenceSet or pass reference samples)", t.Name)
	}
	ref, err := t.ReferenceSet()
	if err != nil {
		return nil, err
	}
	if n > len(ref) {
		return nil, errors.Errorf("asked for %d reference samples, %s has %d", n, t.Name, len(ref))
	}
	perm := rng.Perm(len(ref))[:n]
	out := make([][]float64, n)
	for i, j := range perm {
		out[i] = ref[j]
	}
	return out, nil
}

// Validation returns up to n samples of t in the sampler's coordinates, kept apart from the
// references the metrics use, for monitoring a validation loss as iDEM does: exact draws for
// mixtures (from seed), the first rows of ValidationSet otherwise (iDEM's DW-4 and LJ-13
// validation splits, 1024 rows of each shipped). Targets without a validation set (LJ-55,
// user targets) return nil and no error.
func (t *Target) Validation(n int, seed uint64) ([][]float64, error) {
	if n <= 0 {
		return nil, errors.Errorf("number of validation samples must be positive, got %d", n)
	}
	if t.Mixture != nil {
		return t.Mixture.Sample(rand.New(rand.NewPCG(seed, 0x7a11d)), n), nil
	}
	if t.ValidationSet == nil {
		return nil, nil
	}
	rows, err := t.ValidationSet()
	if err != nil {
		return nil, errors.WithMessagef(err, "validation samples of %s", t.Name)
	}
	return rows[:min(n, len(rows))], nil
}

// RemoveCentreOfMass subtracts the mean particle position from a flattened configuration.
func RemoveCentreOfMass(x []float64, n, spatial int) {
	for s := 0; s < spatial; s++ {
		mean := 0.0
		for i := 0; i < n; i++ {
			mean += x[i*spatial+s]
		}
		mean /= float64(n)
		for i := 0; i < n; i++ {
			x[i*spatial+s] -= mean
		}
	}
}

// GMM40 is the 40-component 2D mixture of FAB and iDEM: means uniform in [-40, 40]² (the
// fixed means drawn with torch seed 0, shipped as gmm40_means.npy), each component
// N(μ_k, softplus(1)² I) with softplus(1) = 1.3133, equal weights. As in iDEM the sampler
// works in x/50 coordinates (Scale = 50); Energy is the exact negative log density there.
func GMM40() (*Target, error) {
	return fabMixture("gmm40", gmm40MeansNPY, 40, nil)
}

// GMM120 is the 120-component 2D mixture built with FAB's recipe: the same box [-40, 40]²,
// the same torch seed 0 (so its first 40 means are GMM-40's), std 1.3133 and equal weights,
// trained on x/50 like GMM-40. The IWSM paper evaluates a 120-mode mixture but its
// construction is not in any source readable here; this is the natural extension of the
// benchmark it builds on, not a copy of the paper's definition. With three times the modes
// in the same box, neighbouring components overlap (median nearest-mean distance 3.2 = 2.4
// standard deviations), so mode coverage is harder to reach and to read off than on GMM-40.
func GMM120() (*Target, error) {
	return fabMixture("gmm120", gmm120MeansNPY, 120, nil)
}

// GMM40WeightRatio is the ratio of the heavy to the light components' weights in GMM40W.
const GMM40WeightRatio = 5

// GMM40WeightLink is the distance, in standard deviations, below which two components of
// GMM40W are put into the same weight class (GroupedWeights).
const GMM40WeightLink = 5

// GMM40W is GMM-40 with unequal component weights: the same 40 means (iDEM's file) and std
// 1.3133, with the components in two weight classes 5:1 (GroupedWeights with
// GMM40WeightRatio and GMM40WeightLink). It asks whether a sampler weights the modes it
// covers correctly, i.e. recovers the free-energy differences between them (log 5 = 1.6
// nats here), which mode coverage cannot see and W2 blurs.
//
// Why two classes 5:1. 22 components are heavy (weight 5/128) and 18 light (1/128). With
// the 1000 samples every run is evaluated on, a heavy mode expects 39 samples (± 6) and a
// light one 8 (± 3): the classes are several Monte Carlo standard deviations apart on every
// mode, so a sampler that gives every covered mode the same mass (25) is visibly wrong on
// each one, and its mode TV (0.31 in expectation) is about four times that of 1000 exact
// draws (≈ 0.07). Every mode still expects enough samples
// for "covered" (≥ 10 % of its weight) to be decided by the sampler and not by chance.
// Weights proportional to 1..40 would span a wider range, but the lightest modes would
// expect 1–3 samples, so exact draws would themselves "miss" some of them.
//
// Why classes by groups. GMM-40's means were drawn uniformly in the box and some nearly
// coincide (components 10 and 36, 22 and 29 are 0.9 std apart; 9, 16, 22, 29 and 35 form a
// chain): a light component on top of a heavy one would be no mode of its own, and its
// share of the samples nearest its mean would be set by its heavy neighbour's tail, not by
// its weight. So components closer than 5 std (chained) share a class, and the groups, in
// the order of their lowest index, alternate heavy and light: heavy and light modes are
// interleaved all over the box, no coarse left/right balance gets the weights right, and
// the nearest-mean masses of exact draws match the weights (a tested property). Everything
// else (Scale 50, plotting box, Defaults) is GMM-40's: the target differs only in its
// weights, so its runs compare with GMM-40's directly.
func GMM40W() (*Target, error) {
	means, err := readMatrix(gmm40MeansNPY, 2)
	if err != nil {
		return nil, errors.WithMessage(err, "gmm40w means")
	}
	std := math.Log1p(math.E)
	t, err := fabMixture("gmm40w", gmm40MeansNPY, 40, GroupedWeights(means, std, GMM40WeightLink, GMM40WeightRatio))
	if err != nil {
		return nil, err
	}
	t.Description = fmt.Sprintf("GMM-40's means and std, weights of two classes %d:1 (groups of close modes alternate), trained on x/50", GMM40WeightRatio)
	return t, nil
}

// GroupedWeights returns mixture weights in two classes: the components whose means lie
// closer than link standard deviations std, chained (single linkage), form groups; the
// groups, in the order of their lowest component index, are alternately heavy (weight ratio
// times a light one's) and light, the first heavy. The weights sum to 1.
func GroupedWeights(means [][]float64, std, link, ratio float64) []float64 {
	n := len(means)
	group := make([]int, n)
	for i := range group {
		group[i] = -1
	}
	groups := 0
	for i := range means {
		if group[i] >= 0 {
			continue
		}
		group[i] = groups
		for stack := []int{i}; len(stack) > 0; {
			a := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for b := range means {
				if group[b] < 0 && distance(means[a], means[b]) < link*std {
					group[b] = groups
					stack = append(stack, b)
				}
			}
		}
		groups++
	}
	w := make([]float64, n)
	total := 0.0
	for k, g := range group {
		w[k] = 1
		if g%2 == 0 {
			w[k] = ratio
		}
		total += w[k]
	}
	for k := range w {
		w[k] /= total
	}
	return w
}

func distance(a, b []float64) float64 {
	s := 0.0
	for j := range a {
		s += (a[j] - b[j]) * (a[j] - b[j])
	}
	return math.Sqrt(s)
}

// fabMixture builds FAB's 2D mixture with std softplus(1) from embedded means, in x/50
// sampler coordinates; nil weights are FAB's equal weights.
func fabMixture(name string, meansNPY []byte, modes int, weights []float64) (*Target, error) {
	means, err := readMatrix(meansNPY, 2)
	if err != nil {
		return nil, errors.WithMessagef(err, "%s means", name)
	}
	if len(means) != modes {
		return nil, errors.Errorf("%s: embedded means have %d rows, want %d", name, len(means), modes)
	}
	mix, err := NewMixture(means, math.Log1p(math.E), weights)
	if err != nil {
		return nil, errors.WithMessage(err, name)
	}
	mix.Box = 40 // FAB's means are (U[0, 1) − 0.5)·80
	scaled := mix.Scaled(50)
	return &Target{Name: name, Dim: 2, Scale: 50, Mixture: scaled, Energy: scaled.Energy(), EnergyAndGradient: scaled.EnergyAndGradient(),
		PlotHalfWidth: 50, Defaults: mixtureDefaults, MaxTemperature: 50,
		Description: fmt.Sprintf("%d-mode Gaussian mixture (FAB recipe), means in [-40,40]², std 1.3133, trained on x/50", modes)}, nil
}
