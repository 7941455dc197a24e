package rundir

import (
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/npyfile"
)

// WriteSamples writes a run's generated samples (target coordinates) and their energies as
// samples.npy and energies.npy.
func WriteSamples(dir string, rows [][]float64, energies []float64) error {
	if len(rows) != len(energies) {
		return errors.Errorf("writing %s: %d samples but %d energies", dir, len(rows), len(energies))
	}
	if err := npyfile.Write(filepath.Join(dir, SamplesFile), rows); err != nil {
		return err
	}
	return npyfile.WriteVector(filepath.Join(dir, EnergiesFile), energies)
}

// ReadSamples reads a finished run's samples (target coordinates) and their energies.
func ReadSamples(dir string) (rows [][]float64, energies []float64, err error) {
	if rows, err = npyfile.Read(filepath.Join(dir, SamplesFile)); err != nil {
		return nil, nil, err
	}
	if energies, err = npyfile.ReadVector(filepath.Join(dir, EnergiesFile)); err != nil {
		return nil, nil, err
	}
	if len(energies) != len(rows) {
		return nil, nil, errors.Errorf("%s: %d samples but %d energies", dir, len(rows), len(energies))
	}
	return rows, energies, nil
}

// WriteReference writes the reference samples a run's metrics used (target coordinates).
func WriteReference(dir string, rows [][]float64) error {
	return npyfile.Write(filepath.Join(dir, ReferenceFile), rows)
}

// ReadReference reads the reference samples of a finished run (target coordinates); ok is
// false when the run had none (a target without reference samples).
func ReadReference(dir string) (rows [][]float64, ok bool, err error) {
	path := filepath.Join(dir, ReferenceFile)
	if !exists(path) {
		return nil, false, nil
	}
	rows, err = npyfile.Read(path)
	return rows, err == nil, err
}

// WriteWeights writes the last training batch's importance weights as weights.npy: one row
// (σ(t), weight) per point.
func WriteWeights(dir string, sigmas, weights []float64) error {
	if len(sigmas) != len(weights) {
		return errors.Errorf("writing %s: %d noise levels but %d weights", dir, len(sigmas), len(weights))
	}
	rows := make([][]float64, len(weights))
	for i := range rows {
		rows[i] = []float64{sigmas[i], weights[i]}
	}
	return npyfile.Write(filepath.Join(dir, WeightsFile), rows)
}
