package pt

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pkg/errors"
	"github.com/schollz/progressbar/v3"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/gmath"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// Block summarises a block of consecutive sweeps: the run's history, from which cost curves
// (energy evaluations against sweeps) and the adaptation of the step sizes are drawn.
type Block struct {
	// Sweep is the number of sweeps done at the end of the round (burn-in included).
	Sweep int `json:"sweep"`
	// BurnIn is true for a round of burn-in sweeps (step sizes still adapting).
	BurnIn bool `json:"burn_in"`
	// Acceptance is the move's acceptance rate per temperature (coldest first) in the round.
	Acceptance []float64 `json:"acceptance"`
	// SwapAcceptance is the acceptance rate of the swaps between temperatures l and l+1, per
	// adjacent pair (coldest pair first), in the round.
	SwapAcceptance []float64 `json:"swap_acceptance"`
	// StepSizes are the step sizes per temperature at the end of the round.
	StepSizes []float64 `json:"step_sizes"`
	// MeanEnergy is the mean energy of the T = 1 replicas at the end of the round.
	MeanEnergy float64 `json:"mean_energy"`
	// EnergyEvaluations and GradientEvaluations count, cumulatively from the first sweep,
	// the points at which E and ∇E were evaluated (see Sampler.Run).
	EnergyEvaluations   int64 `json:"energy_evaluations"`
	GradientEvaluations int64 `json:"gradient_evaluations"`
	// Seconds is the wall time of the round.
	Seconds float64 `json:"seconds"`
}

// Stats describe a finished run: the ladder, the adapted step sizes, the acceptance rates of
// the moves and of the swaps over the sweeps after burn-in, the evaluation counts, and the
// per-round history. It is written into metrics.json as "parallel_tempering".
type Stats struct {
	Temperatures []float64 `json:"temperatures"`
	StepSizes    []float64 `json:"step_sizes"`
	// Acceptance is the move's acceptance rate per temperature after burn-in.
	Acceptance []float64 `json:"acceptance"`
	// SwapAcceptance is the swap acceptance rate per adjacent pair of temperatures after
	// burn-in (pair l exchanges temperatures l and l+1).
	SwapAcceptance      []float64 `json:"swap_acceptance"`
	EnergyEvaluations   int64     `json:"energy_evaluations"`
	GradientEvaluations int64     `json:"gradient_evaluations"`
	Seconds             float64   `json:"seconds"`
	History             []Block   `json:"history"`
}

// Result is what Run returns: the samples of the T = 1 replicas (sampler coordinates) with
// their energies, and the statistics.
type Result struct {
	Samples  [][]float64
	Energies []float64
	Stats    Stats
}

// Sampler is a compiled parallel-tempering run of one target and configuration.
type Sampler struct {
	Target *target.Target
	Config config.Config
	move   *Exec // one move of every replica
	start  *Exec // energies (and gradients) of the starting points
}

// rounds is the number of history entries a run aims at (one per block of sweeps).
const rounds = 20

// New validates cfg (its PT section) and compiles the replica move of cfg.PT.Move with t's
// energy on backend, in float64.
func New(backend compute.Backend, t *target.Target, cfg config.Config) (*Sampler, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.PT == nil {
		return nil, errors.Errorf("parallel tempering: configuration of %s has no \"pt\" settings", t.Name)
	}
	if t.Name != cfg.Target {
		return nil, errors.Errorf("parallel tempering: config is for target %q but got %q", cfg.Target, t.Name)
	}
	if err := target.CheckEnergy(backend, t); err != nil {
		return nil, err
	}
	s := &Sampler{Target: t, Config: cfg}
	mala := cfg.PT.Move == config.MoveMALA
	var err error
	s.move, err = NewExec(backend, func(in []*Node) []*Node { return s.moveGraph(mala, in) })
	if err != nil {
		return nil, errors.WithMessage(err, "building the parallel-tempering move")
	}
	s.move.SetMaxCache(-1)
	s.start, err = NewExec(backend, func(x *Node) []*Node {
		if !mala {
			e := s.Target.Energy(x)
			return []*Node{e, ZerosLike(x)}
		}
		e, g := s.energyAndGradient(x)
		return []*Node{e, g}
	})
	if err != nil {
		return nil, errors.WithMessage(err, "building the energy and its gradient")
	}
	s.start.SetMaxCache(-1)
	return s, nil
}

// project removes the centre of mass of particle-system configurations (identity otherwise).
func (s *Sampler) project(x *Node) *Node {
	if t := s.Target; t.IsParticleSystem() {
		return gmath.RemoveMean(x, t.Particles, t.SpatialDim)
	}
	return x
}

// energyAndGradient returns E(x) [R] and the projected ∇E(x) [R, d]; non-finite energies
// (overlapping particles) contribute no gradient.
func (s *Sampler) energyAndGradient(x *Node) (e, g *Node) {
	e = s.Target.Energy(x)
	g = Gradient(ReduceAllSum(Where(IsFinite(e), e, ZerosLike(e))), x)[0]
	return e, s.project(g)
}

// moveGraph is one Metropolis(-adjusted Langevin) step of every replica. Inputs: states x
// [R, d], their energies e [R] and gradients g [R, d] (MALA only: zeros for random-walk
// moves), standard normal draws ξ [R, d], log-uniforms log u [R], inverse temperatures β [R]
// and step sizes ε [R]. The proposal is y = x − ½ε²β∇E(x) + εξ (MALA) or y = x + εξ, both
// projected for particle systems, accepted when log u < −β(E(y) − E(x)) + log q(x|y) −
// log q(y|x) with E(y) and ∇E(y) finite. Outputs: new states, energies, gradients and the
// accepted flags (1 or 0).
func (s *Sampler) moveGraph(mala bool, in []*Node) []*Node {
	x, e, g, xi, logu, beta, eps := in[0], in[1], in[2], in[3], in[4], in[5], in[6]
	epsCol, betaCol := InsertAxes(eps, -1), InsertAxes(beta, -1)
	drift := func(x, g *Node) *Node {
		if !mala {
			return x
		}
		return Sub(x, Mul(MulScalar(Mul(Square(epsCol), betaCol), 0.5), g))
	}
	y := s.project(Add(drift(x, g), Mul(epsCol, s.project(xi))))
	var ey, gy *Node
	logAlpha := func() *Node { return Neg(Mul(beta, Sub(ey, e))) }
	var ok *Node
	if mala {
		ey, gy = s.energyAndGradient(y)
		twoVar := MulScalar(Square(eps), 2)
		forward := Div(ReduceSum(Square(Sub(y, drift(x, g))), -1), twoVar)
		backward := Div(ReduceSum(Square(Sub(x, drift(y, gy))), -1), twoVar)
		ok = And(And(IsFinite(ey), IsFinite(ReduceSum(gy, -1))), LessThan(logu, Add(logAlpha(), Sub(forward, backward))))
	} else { // the energy alone: random-walk moves need no gradient (g stays as given)
		ey, gy = s.Target.Energy(y), g
		ok = And(IsFinite(ey), LessThan(logu, logAlpha()))
	}
	okCol := BroadcastToShape(InsertAxes(ok, -1), x.Shape())
	return []*Node{Where(okCol, y, x), Where(ok, ey, e), Where(okCol, gy, g), ConvertDType(ok, x.DType())}
}

// Run runs the ladder: cfg.PT.Chains chains of cfg.PT.Temperatures replicas, started from the
// diffusion prior N(0, σ_max² I) (centre of mass removed for particle systems), for BurnIn +
// Sweeps sweeps. A sweep is one move of every replica, then one round of swaps between
// neighbouring temperatures (the even pairs on even sweeps, the odd ones on odd sweeps), each
// accepted with min(1, exp((β_l − β_{l+1})(E_l − E_{l+1}))). During burn-in the log step size
// of each temperature moves by (a − a*)·n^{−0.6} after sweep n, a being the temperature's
// acceptance over the chains and a* the target; after it the step sizes are fixed, so the
// chain is a proper Markov chain. Samples are the T = 1 states of every chain at
// ⌈EvalSamples/Chains⌉ evenly spaced sweeps after burn-in, EvalSamples in all.
//
// Counted (Stats, Block): every replica's proposal is one energy evaluation and, for MALA,
// one gradient evaluation; the starting points are one of each per replica. Swaps reuse the
// energies and cost nothing. All random numbers come from a host PCG seeded by cfg.Seed, so a
// run is reproducible and the same draws go to either backend. progress, when not nil,
// receives a progress bar.
func (s *Sampler) Run(progress io.Writer) (*Result, error) {
	start := time.Now()
	cfg, p, t := s.Config, *s.Config.PT, s.Target
	C, L, d := p.Chains, p.Temperatures, t.Dim
	R := C * L
	temps := p.Ladder()
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x7074))
	beta, eps := make([]float64, R), make([]float64, R)
	logStep := make([]float64, L)
	for l, T := range temps {
		logStep[l] = math.Log(p.StepSize * math.Sqrt(T))
	}
	x := make([]float64, R*d)
	row := make([]float64, d)
	for r := 0; r < R; r++ {
		for j := range row {
			row[j] = cfg.SigmaMax * rng.NormFloat64()
		}
		if t.IsParticleSystem() {
			target.RemoveCentreOfMass(row, t.Particles, t.SpatialDim)
		}
		copy(x[r*d:], row)
	}
	outs, err := s.start.Exec(tensors.FromFlatDataAndDimensions(x, R, d))
	if err != nil {
		return nil, errors.WithMessage(err, "energies of the starting points")
	}
	e, g := flat(outs[0]), flat(outs[1]) // g is zero for random-walk moves
	mala := p.Move == config.MoveMALA
	st := Stats{Temperatures: temps}
	st.EnergyEvaluations = int64(R)
	if mala {
		st.GradientEvaluations = int64(R)
	}

	total := p.BurnIn + p.Sweeps
	perChain := (cfg.EvalSamples + C - 1) / C
	keepAt := map[int]bool{}
	for k := 1; k <= perChain; k++ {
		keepAt[p.BurnIn+int(math.Round(float64(p.Sweeps)*float64(k)/float64(perChain)))] = true
	}
	roundLen := max(2, (total+rounds-1)/rounds)
	var kept [][]float64
	var keptE []float64
	accRound, swapTry, swapAcc := make([]float64, L), make([]float64, L-1), make([]float64, L-1)
	accAll, swapTryAll, swapAccAll := make([]float64, L), make([]float64, L-1), make([]float64, L-1)
	roundStart, roundSweeps := time.Now(), 0
	var bar *progressbar.ProgressBar
	if progress != nil {
		bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(progress),
			progressbar.OptionSetDescription(fmt.Sprintf("pt %s", t.Name)), progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(500*time.Millisecond))
	}
	xi, logu := make([]float64, R*d), make([]float64, R)
	for sweep := 1; sweep <= total; sweep++ {
		for l := 0; l < L; l++ {
			for c := 0; c < C; c++ {
				beta[l*C+c], eps[l*C+c] = 1/temps[l], math.Exp(logStep[l])
			}
		}
		for i := range xi {
			xi[i] = rng.NormFloat64()
		}
		for i := range logu {
			logu[i] = math.Log(rng.Float64())
		}
		outs, err := s.move.Exec(tensors.FromFlatDataAndDimensions(x, R, d), tensors.FromFlatDataAndDimensions(e, R),
			tensors.FromFlatDataAndDimensions(g, R, d), tensors.FromFlatDataAndDimensions(xi, R, d),
			tensors.FromFlatDataAndDimensions(logu, R), tensors.FromFlatDataAndDimensions(beta, R),
			tensors.FromFlatDataAndDimensions(eps, R))
		if err != nil {
			return nil, errors.WithMessagef(err, "parallel-tempering sweep %d", sweep)
		}
		x, e, g = flat(outs[0]), flat(outs[1]), flat(outs[2])
		acc := flat(outs[3])
		st.EnergyEvaluations += int64(R)
		if mala {
			st.GradientEvaluations += int64(R)
		}
		burn := sweep <= p.BurnIn
		for l := 0; l < L; l++ {
			a := 0.0
			for c := 0; c < C; c++ {
				a += acc[l*C+c]
			}
			a /= float64(C)
			accRound[l] += a
			if burn {
				logStep[l] += (a - p.Acceptance()) * math.Pow(float64(sweep), -0.6)
			} else {
				accAll[l] += a
			}
		}
		for l := sweep % 2; l+1 < L; l += 2 {
			dBeta := 1/temps[l] - 1/temps[l+1]
			for c := 0; c < C; c++ {
				i, j := l*C+c, (l+1)*C+c
				swapTry[l]++
				if !burn {
					swapTryAll[l]++
				}
				logA := dBeta * (e[i] - e[j])
				if math.IsNaN(logA) || math.Log(rng.Float64()) >= logA {
					continue
				}
				swapAcc[l]++
				if !burn {
					swapAccAll[l]++
				}
				e[i], e[j] = e[j], e[i]
				for k := 0; k < d; k++ {
					x[i*d+k], x[j*d+k] = x[j*d+k], x[i*d+k]
					g[i*d+k], g[j*d+k] = g[j*d+k], g[i*d+k]
				}
			}
		}
		if keepAt[sweep] {
			for c := 0; c < C; c++ {
				kept = append(kept, append([]float64(nil), x[c*d:(c+1)*d]...))
				keptE = append(keptE, e[c])
			}
		}
		roundSweeps++
		if sweep%roundLen == 0 || sweep == total || sweep == p.BurnIn {
			r := Block{Sweep: sweep, BurnIn: burn, Acceptance: scaled(accRound, 1/float64(roundSweeps)),
				SwapAcceptance: ratios(swapAcc, swapTry), StepSizes: exps(logStep),
				EnergyEvaluations: st.EnergyEvaluations, GradientEvaluations: st.GradientEvaluations,
				Seconds: time.Since(roundStart).Seconds()}
			for c := 0; c < C; c++ {
				r.MeanEnergy += e[c] / float64(C)
			}
			st.History = append(st.History, r)
			clear(accRound)
			clear(swapTry)
			clear(swapAcc)
			roundStart, roundSweeps = time.Now(), 0
		}
		if bar != nil {
			_ = bar.Add(1)
		}
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(progress)
	}
	st.StepSizes = exps(logStep)
	st.Acceptance = scaled(accAll, 1/float64(p.Sweeps))
	st.SwapAcceptance = ratios(swapAccAll, swapTryAll)
	st.Seconds = time.Since(start).Seconds()
	n := cfg.EvalSamples
	for i, r := range kept[:n] {
		for _, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errors.Errorf("parallel tempering produced a non-finite value (sample %d)", i)
			}
		}
	}
	return &Result{Samples: kept[:n], Energies: keptE[:n], Stats: st}, nil
}

// Run compiles and runs parallel tempering on t with cfg (see Sampler.Run).
func Run(backend compute.Backend, t *target.Target, cfg config.Config, progress io.Writer) (*Result, error) {
	s, err := New(backend, t, cfg)
	if err != nil {
		return nil, err
	}
	return s.Run(progress)
}

// flat copies a float64 tensor to the host and frees it.
func flat(t *tensors.Tensor) []float64 {
	out := tensors.MustCopyFlatData[float64](t)
	t.MustFinalizeAll()
	return out
}

func scaled(v []float64, c float64) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		out[i] = v[i] * c
	}
	return out
}

// ratios is num/den per entry (0 where nothing was tried).
func ratios(num, den []float64) []float64 {
	out := make([]float64, len(num))
	for i := range num {
		if den[i] > 0 {
			out[i] = num[i] / den[i]
		}
	}
	return out
}

func exps(v []float64) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		out[i] = math.Exp(v[i])
	}
	return out
}
