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

// ReferenceSamples returns the reference samples that the iDEM benchmarks evaluate
// against, with each sample's centre of mass removed: 10,000 DW-4 configurations
// (test_split_DW4.npy), 10,000 LJ-13 configurations (test_split_LJ13-1000.npy) and 1,000
// LJ-55 configurations from 8 long Metropolis chains of this project (lj55_mcmc.npy; iDEM's
// LJ-55 split is not shipped). For mixtures use Target.Mixture.Sample instead. Other targets
// have no shipped reference.
func ReferenceSamples(name string) ([][]float64, error) {
	var raw []byte
	var t *Target
	switch name {
	case "dw4":
		raw, t = dw4TestNPY, DW4()
	case "lj13":
		raw, t = lj13TestNPY, LJ(13)
	case "lj55":
		raw, t = lj55MCMCNPY, LJ(55)
	default:
		return nil, errors.Errorf("no shipped reference samples for target %q (mixtures draw exact samples; dw4 and lj13 ship iDEM's test split, lj55 an MCMC reference)", name)
	}
	rows, err := meanFreeRows(raw, t)
	return rows, errors.WithMessagef(err, "reference samples of %s", name)
}

// meanFreeRows decodes an embedded split of particle configurations of t and removes each
// one's centre of mass.
func meanFreeRows(raw []byte, t *Target) ([][]float64, error) {
	rows, err := readMatrix(raw, t.Dim)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		RemoveCentreOfMass(r, t.Particles, t.SpatialDim)
	}
	return rows, nil
}

// ValidationSamples returns up to n samples of t in the sampler's coordinates, kept apart
// from the references the metrics use, for monitoring a validation loss as iDEM does: exact
// draws for mixtures (from seed), the first rows of iDEM's DW-4 and LJ-13 validation splits
// (1024 of each are shipped, val_split_*-1024.npy) with the centre of mass removed. Targets
// without a validation set (LJ-55, user targets) return nil and no error.
func ValidationSamples(t *Target, n int, seed uint64) ([][]float64, error) {
	if n <= 0 {
		return nil, errors.Errorf("number of validation samples must be positive, got %d", n)
	}
	if t.Mixture != nil {
		return t.Mixture.Sample(rand.New(rand.NewPCG(seed, 0x7a11d)), n), nil
	}
	var raw []byte
	switch t.Name {
	case "dw4":
		raw = dw4ValNPY
	case "lj13":
		raw = lj13ValNPY
	default:
		return nil, nil
	}
	rows, err := meanFreeRows(raw, t)
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
	scaled := mix.Scaled(50)
	return &Target{Name: name, Dim: 2, Scale: 50, Mixture: scaled, Energy: scaled.Energy(),
		Description: fmt.Sprintf("%d-mode Gaussian mixture (FAB recipe), means in [-40,40]², std 1.3133, trained on x/50", modes)}, nil
}
