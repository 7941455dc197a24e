package target

import (
	_ "embed"
	"math"

	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/pkg/errors"
)

// The reference data shipped with the library (copied from the iDEM benchmark files).
var (
	//go:embed data/gmm40_means.npy
	gmm40MeansNPY []byte
	//go:embed data/test_split_DW4.npy
	dw4TestNPY []byte
	//go:embed data/test_split_LJ13-1000.npy
	lj13TestNPY []byte
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
// (test_split_DW4.npy) and 10,000 LJ-13 configurations (test_split_LJ13-1000.npy). For
// mixtures use Target.Mixture.Sample instead. Other targets have no shipped reference.
func ReferenceSamples(name string) ([][]float64, error) {
	var raw []byte
	var t *Target
	switch name {
	case "dw4":
		raw, t = dw4TestNPY, DW4()
	case "lj13":
		raw, t = lj13TestNPY, LJ(13)
	default:
		return nil, errors.Errorf("no shipped reference samples for target %q (mixtures draw exact samples; dw4 and lj13 ship iDEM's test split)", name)
	}
	rows, err := readMatrix(raw, t.Dim)
	if err != nil {
		return nil, errors.WithMessagef(err, "reference samples of %s", name)
	}
	for _, r := range rows {
		RemoveCentreOfMass(r, t.Particles, t.SpatialDim)
	}
	return rows, nil
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
	means, err := readMatrix(gmm40MeansNPY, 2)
	if err != nil {
		return nil, errors.WithMessage(err, "GMM-40 means")
	}
	mix, err := NewMixture(means, math.Log1p(math.E), nil)
	if err != nil {
		return nil, errors.WithMessage(err, "GMM-40")
	}
	scaled := mix.Scaled(50)
	return &Target{Name: "gmm40", Dim: 2, Scale: 50, Mixture: scaled, Energy: scaled.Energy(),
		Description: "40-mode Gaussian mixture (FAB/iDEM), means in [-40,40]², std 1.3133, trained on x/50"}, nil
}
