package target

import (
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pkg/errors"
)

// CheckRows validates host data for a target: every row has the target's dimension and
// only finite values. The error names the first offending row and column.
func (t *Target) CheckRows(rows [][]float64) error {
	if len(rows) == 0 {
		return errors.Errorf("target %s: no samples given", t.Name)
	}
	for i, r := range rows {
		if len(r) != t.Dim {
			return errors.Errorf("target %s expects dimension %d, but row %d has %d values", t.Name, t.Dim, i, len(r))
		}
		for j, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return errors.Errorf("row %d, column %d is %v: inputs must be finite", i, j, v)
			}
		}
	}
	return nil
}

// Energies evaluates E on the rows (each of length Dim) with the given backend, in float64,
// batching to bound memory. It returns an error for malformed input or a panic inside the
// energy graph (e.g. a user energy with the wrong output shape).
func Energies(backend compute.Backend, t *Target, rows [][]float64) (energies []float64, err error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if err := t.CheckRows(rows); err != nil {
		return nil, err
	}
	if err := CheckEnergy(backend, t); err != nil {
		return nil, err
	}
	exec, err := NewExec(backend, func(x *Node) *Node { return t.Energy(x) })
	if err != nil {
		return nil, errors.WithMessage(err, "building energy graph")
	}
	defer exec.Finalize()
	const chunk = 4096
	energies = make([]float64, 0, len(rows))
	for start := 0; start < len(rows); start += chunk {
		end := min(start+chunk, len(rows))
		flat := make([]float64, 0, (end-start)*t.Dim)
		for _, r := range rows[start:end] {
			flat = append(flat, r...)
		}
		out, err := exec.Exec1(tensors.FromFlatDataAndDimensions(flat, end-start, t.Dim))
		if err != nil {
			return nil, errors.WithMessagef(err, "evaluating energy of target %s", t.Name)
		}
		energies = append(energies, tensors.MustCopyFlatData[float64](out)...)
		out.MustFinalizeAll()
	}
	return energies, nil
}

// CheckEnergy builds the energy graph once on a throw-away graph and reports, as an error,
// a panic inside the user's energy function or an output of the wrong shape. Checking on
// a separate graph keeps such failures out of GoMLX's executors.
func CheckEnergy(backend compute.Backend, t *Target) (err error) {
	g := NewGraph(backend, "check_energy_"+t.Name)
	defer g.Finalize()
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("energy of target %s failed on input of shape [2, 3, %d]: %v", t.Name, t.Dim, r)
		}
	}()
	x := Parameter(g, "x", shapes.Make(dtypes.Float32, 2, 3, t.Dim))
	e := t.Energy(x)
	if e == nil {
		return errors.Errorf("energy of target %s returned nil", t.Name)
	}
	if want := shapes.Make(dtypes.Float32, 2, 3); !e.Shape().Equal(want) {
		return errors.Errorf("energy of target %s returned shape %s for input %s: it must return one value per configuration (%s)",
			t.Name, e.Shape(), x.Shape(), want)
	}
	return nil
}
