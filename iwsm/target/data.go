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
	return fabMixture("gmm40", gmm40MeansNPY, 40)
}

// GMM120 is the 120-component 2D mixture built with FAB's recipe: the same box [-40, 40]²,
// the same torch seed 0 (so its first 40 means are GMM-40's), std 1.3133 and equal weights,
// trained on x/50 like GMM-40. The IWSM paper evaluates a 120-mode mixture but its
// construction is not in any source readable here; this is the natural extension of the
// benchmark it builds on, not a copy of the paper's definition. With three times the modes
// in the same box, neighbouring components overlap (median nearest-mean distance 3.2 = 2.4
// standard deviations), so mode coverage is harder to reach and to read off than on GMM-40.
func GMM120() (*Target, error) {
	return fabMixture("gmm120", gmm120MeansNPY, 120)
}

// fabMixture builds FAB's equal-weight 2D mixture with std softplus(1) from embedded means,
// in x/50 sampler coordinates.
func fabMixture(name string, meansNPY []byte, modes int) (*Target, error) {
	means, err := readMatrix(meansNPY, 2)
	if err != nil {
		return nil, errors.WithMessagef(err, "%s means", name)
	}
	if len(means) != modes {
		return nil, errors.Errorf("%s: embedded means have %d rows, want %d", name, len(means), modes)
	}
	mix, err := NewMixture(means, math.Log1p(math.E), nil)
	if err != nil {
		return nil, errors.WithMessage(err, name)
	}
	mix.Box = 40 // FAB's means are (U[0, 1) − 0.5)·80
	scaled := mix.Scaled(50)
	return &Target{Name: name, Dim: 2, Scale: 50, Mixture: scaled, Energy: scaled.Energy(),
		PlotHalfWidth: 50, Defaults: mixtureDefaults,
		Description: fmt.Sprintf("%d-mode Gaussian mixture (FAB recipe), means in [-40,40]², std 1.3133, trained on x/50", modes)}, nil
}
