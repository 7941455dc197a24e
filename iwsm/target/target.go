package target

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/pkg/errors"
)

// EnergyFunc maps configurations x of shape [..., Dim] to energies of shape [...].
// It must be differentiable in x (scores are -∇E, computed by autodiff) and work for any
// number of leading batch axes.
type EnergyFunc func(x *Node) *Node

// EnergyGradFunc maps configurations x of shape [..., Dim] to their energies E(x) [...] and
// gradients ∇E(x) [..., Dim], computed together (see Target.EnergyAndGradient).
type EnergyGradFunc func(x *Node) (energy, grad *Node)

// Target is an unnormalised density π(x) ∝ exp(-E(x)) on R^Dim.
type Target struct {
	// Name identifies the target on the command line and in results folders.
	Name string
	// Dim is the dimension of a configuration (Particles*SpatialDim for particle systems).
	Dim int
	// Particles and SpatialDim are set for particle systems (e.g. 4 and 2 for DW-4); such
	// targets live on the zero-centre-of-mass subspace, so noise and samples are projected
	// onto it. Both are 0 for ordinary densities.
	Particles, SpatialDim int
	// Energy is E(x).
	Energy EnergyFunc
	// EnergyAndGradient, when non-nil, computes E(x) and ∇E(x) in closed form in one pass,
	// for the Monte Carlo estimator, which needs both at every draw: the built-in targets
	// set it (fewer operations than automatic differentiation of Energy). It must agree with
	// Energy and its gradient (CheckEnergy compares them): a copy of a built-in target whose
	// Energy is replaced must replace or clear it. nil (user targets) differentiates Energy
	// automatically. See EnergyGrad.
	EnergyAndGradient EnergyGradFunc
	// Scale is the factor from the coordinates the sampler works in to the target's
	// natural coordinates (iDEM trains GMM-40 on x/50, so Scale is 50 there); plots and
	// metrics multiply samples by it. 1 for most targets.
	Scale float64
	// Mixture, when non-nil, is the exact Gaussian mixture behind Energy (in the sampler's
	// coordinates): it gives exact samples, noised densities and scores for tests and metrics.
	Mixture *Mixture
	// Description is a one-line summary shown by `iwsm targets`.
	Description string

	// ReferenceSet, when non-nil, loads the reference samples the metrics compare against
	// (sampler coordinates; mixtures draw exact samples instead): see Reference.
	ReferenceSet func() ([][]float64, error)
	// ValidationSet, when non-nil, loads samples kept apart from the reference for iDEM's
	// validation loss: see Validation.
	ValidationSet func() ([][]float64, error)
	// TrainingSet, when non-nil, loads samples kept apart from the reference and validation
	// samples, the data of a sampler trained on data (see Training).
	TrainingSet func() ([][]float64, error)
	// PlotHalfWidth is the half-width, in target coordinates, of the square in which 2-D
	// plots draw the target (0: derived from the samples and Scale).
	PlotHalfWidth float64
}

// IsParticleSystem reports whether the target is a system of interacting particles that
// lives on the zero-centre-of-mass subspace.
func (t *Target) IsParticleSystem() bool { return t.Particles > 0 }

// New returns a user-defined target on R^dim with energy E.
func New(name string, dim int, energy EnergyFunc) *Target {
	return &Target{Name: name, Dim: dim, Energy: energy, Scale: 1, Description: "user-defined"}
}

// NewParticles returns a user-defined system of n particles in spatialDim dimensions whose
// energy is invariant to translations (it lives on the zero-centre-of-mass subspace).
func NewParticles(name string, n, spatialDim int, energy EnergyFunc) *Target {
	return &Target{Name: name, Dim: n * spatialDim, Particles: n, SpatialDim: spatialDim,
		Energy: energy, Scale: 1, Description: "user-defined particle system"}
}

// Validate checks that the target is usable and returns a clear error otherwise.
func (t *Target) Validate() error {
	switch {
	case t == nil:
		return errors.New("target is nil")
	case t.Name == "":
		return errors.New("target has no name")
	case t.Dim <= 0:
		return errors.Errorf("target %q: dimension must be positive, got %d", t.Name, t.Dim)
	case t.Energy == nil:
		return errors.Errorf("target %q has no energy function", t.Name)
	case t.Particles < 0 || t.SpatialDim < 0:
		return errors.Errorf("target %q: negative particle count or spatial dimension", t.Name)
	case t.Particles > 0 && t.Particles*t.SpatialDim != t.Dim:
		return errors.Errorf("target %q: %d particles × %d spatial dimensions ≠ dimension %d",
			t.Name, t.Particles, t.SpatialDim, t.Dim)
	case t.Scale <= 0:
		return errors.Errorf("target %q: scale must be positive, got %g", t.Name, t.Scale)
	}
	return nil
}

// String describes the target in one line.
func (t *Target) String() string {
	if t.IsParticleSystem() {
		return fmt.Sprintf("%s (dim %d: %d particles in %dD) %s", t.Name, t.Dim, t.Particles, t.SpatialDim, t.Description)
	}
	return fmt.Sprintf("%s (dim %d) %s", t.Name, t.Dim, t.Description)
}

var registry = map[string]func() (*Target, error){
	"gmm40":        GMM40,
	"gmm80":        GMM80,
	"gmm120":       GMM120,
	"gmm120-dense": GMM120Dense,
	"gmm40w":       GMM40W,
	"dw4":          func() (*Target, error) { return DW4(), nil },
	"lj13":         func() (*Target, error) { return LJ(13), nil },
	"lj55":         func() (*Target, error) { return LJ(55), nil },
}

func init() {
	for _, d := range TwoModesDims {
		registry[TwoModesName(d, TwoModesWeight, TwoModesSeparation)] = func() (*Target, error) {
			return TwoModes(d, TwoModesWeight, TwoModesSeparation)
		}
	}
}

// Names lists the built-in targets.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ByName returns a built-in target ("gmm40", "gmm40w", "gmm80", "gmm120", "gmm120-dense",
// "dw4", "lj13", "lj55", the
// two-mode family "two-d2" … "two-d64"), one added with Register, or a two-mode target of any
// dimension, weight and separation by its name ("two-d128", "two-d16-w0.5-sep6": TwoModes).
func ByName(name string) (*Target, error) {
	make, ok := registry[strings.ToLower(name)]
	if !ok && strings.HasPrefix(strings.ToLower(name), TwoModesPrefix) {
		return parseTwoModes(name)
	}
	if !ok {
		return nil, errors.Errorf("unknown target %q: built-in targets are %s", name, strings.Join(Names(), ", "))
	}
	return make()
}

// Register adds a user-defined target to the registry so that ByName and the command line
// find it. It fails if the name is taken.
func Register(name string, constructor func() (*Target, error)) error {
	name = strings.ToLower(name)
	if _, taken := registry[name]; taken || slices.Contains(Names(), name) {
		return errors.Errorf("target %q is already registered", name)
	}
	registry[name] = constructor
	return nil
}

// ToTargetCoords returns copies of rows (sampler coordinates) multiplied by Scale: the
// coordinates in which the target is usually stated, plotted and evaluated.
func (t *Target) ToTargetCoords(rows [][]float64) [][]float64 { return scaleRows(rows, t.Scale) }

// FromTargetCoords returns copies of rows (target coordinates) divided by Scale.
func (t *Target) FromTargetCoords(rows [][]float64) [][]float64 { return scaleRows(rows, 1/t.Scale) }

func scaleRows(rows [][]float64, c float64) [][]float64 {
	out := make([][]float64, len(rows))
	for i, r := range rows {
		out[i] = make([]float64, len(r))
		for j, v := range r {
			out[i][j] = v * c
		}
	}
	return out
}
