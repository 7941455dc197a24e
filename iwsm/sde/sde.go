package sde

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/gmath"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// ScoreFunc is a score s(x, t) ≈ ∇ log p_t(x) for points x [N, d] at times t [N], built in
// scope (a network's variables live there; a closed-form or Monte Carlo score may ignore
// it, or draw its random numbers from it).
type ScoreFunc func(scope *model.Scope, x, t *Node) *Node

// SDE is the VE diffusion of one target: its noise schedule, the reverse-time SDE
// integrated with Euler–Maruyama (or the probability-flow ODE), the prior N(0, σ_max² I)
// and iDEM's optional "negative time" steps. Particle systems live on the zero-centre-of-
// mass subspace: noise, steps and prior draws are projected onto it.
type SDE struct {
	// Schedule is σ(t).
	Schedule Geometric
	// Target supplies the particle structure (projection) and, for negative-time steps,
	// the energy.
	Target *target.Target
	// Steps is the number of integration steps from t = 1 to t = 0.
	Steps int
	// DiffusionScale multiplies the noise of each reverse-SDE step (iDEM: 1 for GMM and
	// DW-4, 0.9 for LJ-13, 0.5 for LJ-55); the drift is unchanged.
	DiffusionScale float64
	// NegativeTimeSteps gradient steps x ← x + 10⁻⁴ clip(-∇E(x)) follow the integration
	// (iDEM's LJ-55 "negative time": 10), the gradient clipped to MaxScoreNorm.
	NegativeTimeSteps int
	MaxScoreNorm      float64
	// ProbabilityFlow integrates the deterministic probability-flow ODE instead of the SDE.
	ProbabilityFlow bool
}

// Validate reports impossible settings.
func (s *SDE) Validate() error {
	if err := s.Schedule.Validate(); err != nil {
		return err
	}
	if s.Target == nil {
		return errors.New("SDE has no target")
	}
	if s.Steps <= 0 {
		return errors.Errorf("integration steps must be positive, got %d", s.Steps)
	}
	if !(s.DiffusionScale > 0) {
		return errors.Errorf("diffusion scale must be positive, got %g", s.DiffusionScale)
	}
	if s.NegativeTimeSteps < 0 {
		return errors.Errorf("negative-time steps must not be negative, got %d", s.NegativeTimeSteps)
	}
	return nil
}

// Project removes the centre of mass of particle-system configurations x [..., d] (the
// identity for other targets).
func (s *SDE) Project(x *Node) *Node {
	if s.Target.IsParticleSystem() {
		return gmath.RemoveMean(x, s.Target.Particles, s.Target.SpatialDim)
	}
	return x
}

// Noise draws standard normal noise of the given shape from scope's random state (the
// stream of GoMLX's RandomNormal, see normal), projected onto the zero-centre-of-mass
// subspace for particle systems.
func (s *SDE) Noise(scope *model.Scope, g *Graph, shape shapes.Shape) *Node {
	return s.Project(normal(scope, g, shape))
}

// Forward noises clean points x0 [B, d] to times t [B] with the forward kernel:
// x_t = x0 + σ(t) z, z ~ N(0, I) (projected). It returns x_t and σ(t).
func (s *SDE) Forward(scope *model.Scope, x0, t *Node) (xt, sigma *Node) {
	return s.ForwardWith(x0, t, s.Noise(scope, x0.Graph(), x0.Shape()))
}

// ForwardWith is Forward with the noise z [B, d] given (drawn by Noise): x_t = x0 + σ(t) z.
// The data-parallel training step draws its noise in a graph of its own (see train).
func (s *SDE) ForwardWith(x0, t, z *Node) (xt, sigma *Node) {
	sigma = s.Schedule.SigmaNode(t)
	xt = Add(x0, Mul(InsertAxes(sigma, -1), z))
	return xt, sigma
}

// ReverseStep takes one Euler–Maruyama step of the reverse VE SDE from time t to t − dt
// with score [N, d]: x ← x + g(t)² s dt + DiffusionScale · g(t) √dt z, the noise omitted
// when last != 0 (the final step returns the mean), projected for particle systems. With
// ProbabilityFlow it is the ODE step x ← x + ½ g(t)² s dt instead. t, dt and last are
// scalars.
func (s *SDE) ReverseStep(scope *model.Scope, x, t, dt, last, score *Node) *Node {
	g2 := s.Schedule.G2Node(t)
	if s.ProbabilityFlow {
		return s.Project(Add(x, Mul(score, MulScalar(Mul(g2, dt), 0.5))))
	}
	drift := Mul(score, Mul(g2, dt))
	noise := Mul(s.Noise(scope, x.Graph(), x.Shape()), MulScalar(Sqrt(Mul(g2, dt)), s.DiffusionScale))
	noise = Mul(noise, OneMinus(last))
	return s.Project(Add(Add(x, drift), noise))
}

// NegativeTimeStep is one of iDEM's "negative time" steps after the integration:
// x ← x + 10⁻⁴ clip(-∇E(x)) (the whole vector clipped to MaxScoreNorm), projected.
// Non-finite energies and gradients (overlapping particles) contribute nothing.
func (s *SDE) NegativeTimeStep(x *Node) *Node {
	_, grad := s.Target.FiniteEnergyGrad(x)
	return s.Project(Add(x, MulScalar(gmath.ClipByNorm(Neg(grad), s.MaxScoreNorm), 1e-4)))
}

// Prior returns n draws of the prior N(0, σ_max² I) from the host rng (centre of mass
// removed for particle systems), flat [n·d].
func (s *SDE) Prior(rng *rand.Rand, n int) []float32 {
	flat := make([]float32, 0, n*s.Target.Dim)
	row := make([][]float64, 1)
	row[0] = make([]float64, s.Target.Dim)
	for i := 0; i < n; i++ {
		s.Target.NormalRow(rng, s.Schedule.SigmaMax, row[0])
		flat = gmath.AppendFlat32(flat, row)
	}
	return flat
}

// Generator integrates a SDE with a given score: its steps are compiled once on a
// backend, their random numbers come from the model store's random state (so a checkpointed
// store continues the same stream), and the prior draws from a host RNG given per call.
type Generator struct {
	sde  *SDE
	step *model.Exec
	neg  *Exec
}

// NewGenerator compiles the reverse step of s with score on backend, with the variables and
// random state of store.
func NewGenerator(backend compute.Backend, store *model.Store, s *SDE, score ScoreFunc) (*Generator, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	gen := &Generator{sde: s}
	var err error
	gen.step, err = model.NewExec(backend, store, func(scope *model.Scope, x, t, dt, last *Node) *Node {
		sc := score(scope, x, BroadcastToDims(t, x.Shape().Dimensions[0]))
		return s.ReverseStep(scope, x, t, dt, last, sc)
	})
	if err != nil {
		return nil, errors.WithMessage(err, "building the reverse-SDE step")
	}
	if s.NegativeTimeSteps > 0 {
		if gen.neg, err = NewExec(backend, s.NegativeTimeStep); err != nil {
			return nil, errors.WithMessage(err, "building the negative-time step")
		}
	}
	return gen, nil
}

// Step takes one compiled reverse step of x [n, d] from time t to t − dt (the noise omitted
// when last is 1): one iteration of Generate, for benchmarks and for drawing trajectories.
func (gen *Generator) Step(x *tensors.Tensor, t, dt, last float32) (*tensors.Tensor, error) {
	out, err := gen.step.Call1(x, t, dt, last)
	return out, errors.WithMessage(err, "reverse-SDE step")
}

// Generate draws n samples: prior draws from rng, Steps reverse steps from t = 1 to 0, then
// the negative-time steps. Rows are in the sampler's coordinates (multiply by Target.Scale
// for the target's own). Samples with a non-finite value are left out of the rows and
// reported by a *NonFiniteError (see GenerateFrom).
func (gen *Generator) Generate(n int, rng *rand.Rand) ([][]float64, error) {
	if n <= 0 {
		return nil, errors.Errorf("number of samples must be positive, got %d", n)
	}
	return gen.GenerateFrom(gen.sde.Prior(rng, n))
}

// GenerateFrom integrates from the given prior draws (flat [n·d], sampler coordinates, as
// Prior returns them): Generate with the starting points known, to see where a sample
// came from. When some samples end with a non-finite coordinate (the score diverged along
// their path), it returns the others and a *NonFiniteError naming them: a caller that can go
// on without them (the replay buffer's refresh) uses the rows, the others stop at the error.
func (gen *Generator) GenerateFrom(prior []float32) ([][]float64, error) {
	s := gen.sde
	d := s.Target.Dim
	n := len(prior) / d
	if n == 0 || len(prior)%d != 0 {
		return nil, errors.Errorf("prior draws: %d values do not make rows of dimension %d", len(prior), d)
	}
	x := tensors.FromFlatDataAndDimensions(prior, n, d)
	steps := s.Steps
	dt := float32(1.0 / float64(steps))
	for k := steps; k >= 1; k-- {
		tNow := float32(float64(k) / float64(steps))
		last := float32(0)
		if k == 1 {
			last = 1
		}
		out, err := gen.Step(x, tNow, dt, last)
		if err != nil {
			return nil, err
		}
		x.MustFinalizeAll()
		x = out
	}
	for k := 0; k < s.NegativeTimeSteps; k++ {
		out, err := gen.neg.Call1(x)
		if err != nil {
			return nil, errors.WithMessage(err, "negative-time step")
		}
		x.MustFinalizeAll()
		x = out
	}
	data := tensors.MustCopyFlatData[float32](x)
	x.MustFinalizeAll()
	rows := make([][]float64, 0, n)
	var bad []int
	for i := 0; i < n; i++ {
		row := make([]float64, d)
		finite := true
		for j := range row {
			row[j] = float64(data[i*d+j])
			finite = finite && !math.IsNaN(row[j]) && !math.IsInf(row[j], 0)
		}
		if !finite {
			bad = append(bad, i)
			continue
		}
		rows = append(rows, row)
	}
	if len(bad) > 0 {
		return rows, &NonFiniteError{Samples: bad, Total: n}
	}
	return rows, nil
}

// NonFiniteError reports the samples of one sampling run that ended with a non-finite
// coordinate: the score diverged along their paths.
type NonFiniteError struct {
	// Samples are the indices (among the Total drawn) of the samples left out.
	Samples []int
	// Total is the number of samples drawn.
	Total int
}

// LeftOut is the number of samples left out; 0 for a nil error, so that the result of
// LeaveOutNonFinite can be counted without a check.
func (e *NonFiniteError) LeftOut() int {
	if e == nil {
		return 0
	}
	return len(e.Samples)
}

// LeaveOutNonFinite accepts the result of a sampling call (Generate, a sampler's Samples) for a
// caller that can go on without the samples that diverged: when err is a *NonFiniteError and
// some rows are left, it returns that error as left (to count or report) and a nil error.
// Any other error, or a run in which every sample diverged, is returned as err with a nil left.
func LeaveOutNonFinite(rows [][]float64, err error) (left *NonFiniteError, _ error) {
	if errors.As(err, &left) && len(rows) > 0 {
		return left, nil
	}
	return nil, err
}

// Error names the first sample left out and how many there were.
func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("sampling produced a non-finite value in %d of %d samples (first: sample %d): the score diverged",
		len(e.Samples), e.Total, e.Samples[0])
}
