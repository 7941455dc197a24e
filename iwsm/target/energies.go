package target

import (
	"math"
	"math/rand/v2"
	"sync"

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
// energy graph (e.g. a user energy with the wrong output shape). The compiled graph is cached
// per backend and target: change a target's Energy by making a new Target, not by assigning
// the field of one already evaluated.
func Energies(backend compute.Backend, t *Target, rows [][]float64) (energies []float64, err error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if err := t.CheckRows(rows); err != nil {
		return nil, err
	}
	exec, err := energyExec(backend, t)
	if err != nil {
		return nil, err
	}
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

// energyExecs caches the compiled energy of each (backend, target): on XLA a compilation
// costs far more than a call, and compiling per call dominated a run's evaluation and the
// test suite. A target is identified by its pointer; the cache is cleared when it reaches
// maxEnergyExecs entries (a sweep that builds many targets).
var (
	energyExecsMu sync.Mutex
	energyExecs   = map[energyKey]*Exec{}
)

type energyKey struct {
	backend compute.Backend
	target  *Target
}

const maxEnergyExecs = 64

// energyExec returns the cached executable of t's energy on backend, building it (after
// CheckEnergy, once per cache entry) if needed. Its shape cache is unlimited: every distinct
// row count is one small compiled graph, and GoMLX's default limit of 32 would make a long
// session fail on its 33rd. Evicted entries are dropped, not finalised: another goroutine may
// still be running one (the garbage collector frees them).
func energyExec(backend compute.Backend, t *Target) (*Exec, error) {
	energyExecsMu.Lock()
	defer energyExecsMu.Unlock()
	k := energyKey{backend, t}
	if e, ok := energyExecs[k]; ok {
		return e, nil
	}
	if err := CheckEnergy(backend, t); err != nil {
		return nil, err
	}
	e, err := NewExec(backend, func(x *Node) *Node { return t.Energy(x) })
	if err != nil {
		return nil, errors.WithMessage(err, "building energy graph")
	}
	e.SetMaxCache(-1)
	if len(energyExecs) >= maxEnergyExecs {
		clear(energyExecs)
	}
	energyExecs[k] = e
	return e, nil
}

// checkPoints is the number of random configurations CheckEnergy evaluates.
const checkPoints = 16

// CheckEnergy tries the energy once, before any training, and reports in one line what
// would otherwise surface later as a panic trace or a silent failure:
//   - a panic inside the user's energy function, or an output of the wrong shape;
//   - an energy without a gradient (an operation GoMLX cannot differentiate);
//   - an energy or gradient that is NaN/Inf at every one of 16 standard-normal test points
//     (sampler coordinates, centre of mass removed for particle systems), or a gradient
//     that is exactly zero at all of them (built from piecewise-constant operations, so the
//     score -∇E carries no information).
//
// Non-finite values at some points are allowed: Lennard-Jones energies overflow where
// particles overlap, and the estimator gives such points zero weight. The graph is built
// on a throw-away graph, which keeps failures out of GoMLX's executors.
func CheckEnergy(backend compute.Backend, t *Target) (err error) {
	g := NewGraph(backend, "check_energy_"+t.Name)
	defer g.Finalize()
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("energy of target %s failed on input of shape [2, %d, %d]: %v", t.Name, checkPoints/2, t.Dim, r)
		}
	}()
	x := Parameter(g, "x", shapes.Make(dtypes.Float32, 2, checkPoints/2, t.Dim))
	e := t.Energy(x)
	if e == nil {
		return errors.Errorf("energy of target %s returned nil", t.Name)
	}
	if want := shapes.Make(dtypes.Float32, 2, checkPoints/2); !e.Shape().Equal(want) {
		return errors.Errorf("energy of target %s returned shape %s for input %s: it must return one value per configuration (%s)",
			t.Name, e.Shape(), x.Shape(), want)
	}
	var grad *Node
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = errors.Errorf("energy of target %s is not differentiable (its score -∇E is computed by autodiff): %v", t.Name, r)
			}
		}()
		grad = Gradient(ReduceAllSum(e), x)[0]
	}()
	if err != nil {
		return err
	}
	outputs := []*Node{e, ReduceSum(Abs(grad), -1), ReduceSum(grad, -1)}
	if t.EnergyAndGradient != nil {
		// The closed form must agree with Energy: it would not if Energy was replaced on a
		// copy of a built-in target and EnergyAndGradient kept.
		e2, g2 := t.EnergyAndGradient(x)
		if !e2.Shape().Equal(e.Shape()) || !g2.Shape().Equal(grad.Shape()) {
			return errors.Errorf("EnergyAndGradient of target %s returned shapes %s and %s for input %s, want %s and %s",
				t.Name, e2.Shape(), g2.Shape(), x.Shape(), e.Shape(), grad.Shape())
		}
		outputs = append(outputs, e2, Sqrt(ReduceSum(Square(Sub(g2, grad)), -1)), Sqrt(ReduceSum(Square(grad), -1)))
	}
	if err := g.Compile(outputs...); err != nil {
		return errors.WithMessagef(err, "compiling the energy of target %s", t.Name)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	flat := make([]float32, checkPoints*t.Dim)
	for i := 0; i < checkPoints; i++ {
		row := make([]float64, t.Dim)
		for j := range row {
			row[j] = rng.NormFloat64()
		}
		if t.IsParticleSystem() {
			RemoveCentreOfMass(row, t.Particles, t.SpatialDim)
		}
		for j, v := range row {
			flat[i*t.Dim+j] = float32(v)
		}
	}
	outs := g.Run(tensors.FromFlatDataAndDimensions(flat, 2, checkPoints/2, t.Dim))
	energies := tensors.MustCopyFlatData[float32](outs[0])
	gradAbs := tensors.MustCopyFlatData[float32](outs[1])
	gradSum := tensors.MustCopyFlatData[float32](outs[2])
	if t.EnergyAndGradient != nil {
		closed := tensors.MustCopyFlatData[float32](outs[3])
		gradDiff, gradNorm := tensors.MustCopyFlatData[float32](outs[4]), tensors.MustCopyFlatData[float32](outs[5])
		for i := range energies {
			if !isFinite32(energies[i]) || !isFinite32(gradNorm[i]) {
				continue // overlapping particles: nothing to compare
			}
			eTol := 1e-3 * math.Max(1, math.Abs(float64(energies[i])))
			if math.Abs(float64(closed[i]-energies[i])) > eTol || !(float64(gradDiff[i]) <= 1e-3*math.Max(1, float64(gradNorm[i]))) {
				for _, o := range outs {
					o.MustFinalizeAll()
				}
				return errors.Errorf("EnergyAndGradient of target %s disagrees with Energy and its gradient at a test point "+
					"(energy %g against %g, gradient off by %g of norm %g): a target whose Energy is replaced must replace "+
					"or clear (nil) EnergyAndGradient too", t.Name, closed[i], energies[i], gradDiff[i], gradNorm[i])
			}
		}
	}
	for _, o := range outs {
		o.MustFinalizeAll()
	}
	finite, nonzero := 0, 0
	for i := range energies {
		if isFinite32(energies[i]) && isFinite32(gradAbs[i]) && isFinite32(gradSum[i]) {
			finite++
			if gradAbs[i] != 0 {
				nonzero++
			}
		}
	}
	switch {
	case finite == 0:
		return errors.Errorf("energy of target %s (or its gradient) is NaN or Inf at all %d test points x ~ N(0, I): "+
			"check the formula (log of a negative number, division by zero, overflow)", t.Name, checkPoints)
	case nonzero == 0:
		return errors.Errorf("the gradient of the energy of target %s is zero at all %d test points x ~ N(0, I): "+
			"the score -∇E would carry no information (is the energy built from piecewise-constant operations such as Floor, Round or Sign?)",
			t.Name, checkPoints)
	}
	return nil
}

func isFinite32(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// EnergyGrad returns the energies E(x) [...] and their gradients ∇E(x) [..., Dim] of
// configurations x [..., Dim]: from EnergyAndGradient when the target has it, otherwise
// Energy differentiated automatically. In the automatic path, a configuration whose energy
// is not finite does not pass its value on to the others' gradients (each configuration's
// gradient is its own), but its own gradient may be NaN: callers that sum gradients take
// FiniteEnergyGrad.
func (t *Target) EnergyGrad(x *Node) (energy, grad *Node) {
	if t.EnergyAndGradient != nil {
		return t.EnergyAndGradient(x)
	}
	energy = t.Energy(x)
	grad = Gradient(ReduceAllSum(Where(IsFinite(energy), energy, ZerosLike(energy))), x)[0]
	return energy, grad
}

// FiniteEnergyGrad is EnergyGrad with every non-finite gradient entry set to zero, so that a
// configuration whose energy or force overflows (overlapping particles) pushes nothing: the
// forces the Monte Carlo estimator averages and the negative-time steps follow.
func (t *Target) FiniteEnergyGrad(x *Node) (energy, grad *Node) {
	energy, grad = t.EnergyGrad(x)
	return energy, Where(IsFinite(grad), grad, ZerosLike(grad))
}
