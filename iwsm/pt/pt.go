package pt

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/sampler"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// Result is what Run returns: the samples of the T = 1 replicas (sampler coordinates) with
// their energies, and the statistics.
type Result struct {
	Samples  [][]float64
	Energies []float64
	Stats    rundir.PTStats
}

// Sampler is a compiled parallel-tempering run of one target and configuration.
type Sampler struct {
	Target *target.Target
	Config config.Config
	move   *Exec // one move of every replica
	start  *Exec // energies (and gradients) of the starting points
	mala   bool
	temps  []float64

	total    int          // sweeps, burn-in included
	roundLen int          // sweeps in a block, but for the end of burn-in and the last one
	blocks   int          // blocks in a run: Steps
	keepAt   map[int]bool // the sweeps after which the T = 1 states are kept

	pcg *rand.PCG
	rng *rand.Rand
	st  state
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
	if cfg.Devices > 1 {
		return nil, errors.Errorf("parallel tempering runs on one device: devices=%d is for the diffusion methods' data-parallel training", cfg.Devices)
	}
	if err := target.CheckEnergy(backend, t); err != nil {
		return nil, err
	}
	s := &Sampler{Target: t, Config: cfg, mala: cfg.PT.Move == config.MoveMALA, temps: cfg.PT.Ladder()}
	p := cfg.PT
	s.total = p.BurnIn + p.Sweeps
	s.roundLen = max(2, (s.total+rounds-1)/rounds)
	for sweep := 1; sweep <= s.total; sweep++ {
		if s.blockEnd(sweep) {
			s.blocks++
		}
	}
	perChain := (cfg.EvalSamples + p.Chains - 1) / p.Chains
	s.keepAt = map[int]bool{}
	for k := 1; k <= perChain; k++ {
		s.keepAt[p.BurnIn+int(math.Round(float64(p.Sweeps)*float64(k)/float64(perChain)))] = true
	}
	s.pcg = rand.NewPCG(uint64(cfg.Seed), 0x7074)
	s.rng = rand.New(s.pcg)
	mala := s.mala
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

// energyAndGradient returns E(x) [R] and the projected ∇E(x) [R, d] (target.EnergyGrad: a
// non-finite gradient stays so, and the move refuses it).
func (s *Sampler) energyAndGradient(x *Node) (e, g *Node) {
	e, g = s.Target.EnergyGrad(x)
	return e, s.Target.Project(g)
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
	y := s.Target.Project(Add(drift(x, g), Mul(epsCol, s.Target.Project(xi))))
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

// state is what a run carries from sweep to sweep; Save writes it as the checkpoint's
// state.json, so that a run resumes at the block where it stopped.
type state struct {
	// Sweep is the number of sweeps done (burn-in included).
	Sweep int `json:"sweep"`
	// X [R·d], E [R] and G [R·d] are the replicas' states, energies and projected energy
	// gradients (zeros for random-walk moves), replica r = l·Chains + c.
	X []float64 `json:"x"`
	E []float64 `json:"e"`
	G []float64 `json:"g"`
	// LogStep is the log step size per temperature.
	LogStep []float64 `json:"log_step"`
	// RNG is the host PCG's state.
	RNG []byte `json:"rng"`
	// Kept and KeptE are the T = 1 states kept as samples so far, with their energies.
	Kept  [][]float64 `json:"kept"`
	KeptE []float64   `json:"kept_energies"`
	// AccAll, SwapTryAll and SwapAccAll sum the move acceptance per temperature and the swap
	// trials and acceptances per pair over the sweeps after burn-in.
	AccAll     []float64 `json:"acc_after_burn_in"`
	SwapTryAll []float64 `json:"swap_tries_after_burn_in"`
	SwapAccAll []float64 `json:"swap_accepted_after_burn_in"`
	// Stats holds the evaluation counts and the history of finished blocks.
	Stats rundir.PTStats `json:"stats"`
}

// Init draws the starting points of every replica from the diffusion prior N(0, σ_max² I)
// (centre of mass removed for particle systems) and evaluates their energies (and
// gradients, for MALA), unless the run has started.
func (s *Sampler) Init() error {
	if s.st.X != nil {
		return nil
	}
	cfg, p, t := s.Config, *s.Config.PT, s.Target
	R, d := p.Chains*p.Temperatures, t.Dim
	s.st.LogStep = make([]float64, p.Temperatures)
	for l, T := range s.temps {
		s.st.LogStep[l] = math.Log(p.StepSize * math.Sqrt(T))
	}
	x := make([]float64, R*d)
	for r := 0; r < R; r++ {
		t.NormalRow(s.rng, cfg.SigmaMax, x[r*d:(r+1)*d])
	}
	outs, err := s.start.Exec(tensors.FromFlatDataAndDimensions(x, R, d))
	if err != nil {
		return errors.WithMessage(err, "energies of the starting points")
	}
	s.st.X, s.st.E, s.st.G = x, flat(outs[0]), flat(outs[1]) // G is zero for random-walk moves
	s.st.Stats = rundir.PTStats{Temperatures: s.temps, EnergyEvaluations: int64(R)}
	if s.mala {
		s.st.Stats.GradientEvaluations = int64(R)
	}
	L := p.Temperatures
	s.st.AccAll, s.st.SwapTryAll, s.st.SwapAccAll = make([]float64, L), make([]float64, L-1), make([]float64, L-1)
	return nil
}

// blockEnd reports whether a block of sweeps (a Step, a history entry) ends after sweep:
// every roundLen sweeps, at the end of burn-in and at the last sweep.
func (s *Sampler) blockEnd(sweep int) bool {
	return sweep%s.roundLen == 0 || sweep == s.total || sweep == s.Config.PT.BurnIn
}

// Step runs one block of sweeps. A sweep is one move of every replica, then one round of
// swaps between neighbouring temperatures (the even pairs on even sweeps, the odd ones on
// odd sweeps), each accepted with min(1, exp((β_l − β_{l+1})(E_l − E_{l+1}))). During burn-in
// the log step size of each temperature moves by (a − a*)·n^{−0.6} after sweep n, a being the
// temperature's acceptance over the chains and a* the target; after it the step sizes are
// fixed, so the chain is a proper Markov chain. The T = 1 states of every chain are kept at
// ⌈EvalSamples/Chains⌉ evenly spaced sweeps after burn-in.
//
// Counted: every replica's proposal is one energy evaluation and, for MALA, one gradient
// evaluation; the starting points (Init) are one of each per replica. Swaps reuse the
// energies and cost nothing. All random numbers come from a host PCG seeded by the
// configuration's seed, so a run is reproducible and the same draws go to either backend.
func (s *Sampler) Step() (sampler.Info, error) {
	if s.st.X == nil {
		if err := s.Init(); err != nil {
			return sampler.Info{}, err
		}
	}
	if s.st.Sweep >= s.total {
		return sampler.Info{}, errors.New("parallel tempering: every sweep is done")
	}
	start := time.Now()
	p, st := *s.Config.PT, &s.st
	C, L, d := p.Chains, p.Temperatures, s.Target.Dim
	R := C * L
	accRound, swapTry, swapAcc := make([]float64, L), make([]float64, L-1), make([]float64, L-1)
	beta, eps := make([]float64, R), make([]float64, R)
	xi, logu := make([]float64, R*d), make([]float64, R)
	sweeps := 0
	for {
		st.Sweep++
		sweeps++
		sweep := st.Sweep
		for l := 0; l < L; l++ {
			for c := 0; c < C; c++ {
				beta[l*C+c], eps[l*C+c] = 1/s.temps[l], math.Exp(st.LogStep[l])
			}
		}
		for i := range xi {
			xi[i] = s.rng.NormFloat64()
		}
		for i := range logu {
			logu[i] = math.Log(s.rng.Float64())
		}
		outs, err := s.move.Exec(tensors.FromFlatDataAndDimensions(st.X, R, d), tensors.FromFlatDataAndDimensions(st.E, R),
			tensors.FromFlatDataAndDimensions(st.G, R, d), tensors.FromFlatDataAndDimensions(xi, R, d),
			tensors.FromFlatDataAndDimensions(logu, R), tensors.FromFlatDataAndDimensions(beta, R),
			tensors.FromFlatDataAndDimensions(eps, R))
		if err != nil {
			return sampler.Info{}, errors.WithMessagef(err, "parallel-tempering sweep %d", sweep)
		}
		st.X, st.E, st.G = flat(outs[0]), flat(outs[1]), flat(outs[2])
		acc := flat(outs[3])
		st.Stats.EnergyEvaluations += int64(R)
		if s.mala {
			st.Stats.GradientEvaluations += int64(R)
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
				st.LogStep[l] += (a - p.Acceptance()) * math.Pow(float64(sweep), -0.6)
			} else {
				st.AccAll[l] += a
			}
		}
		s.swap(sweep, burn, swapTry, swapAcc)
		if s.keepAt[sweep] {
			for c := 0; c < C; c++ {
				st.Kept = append(st.Kept, append([]float64(nil), st.X[c*d:(c+1)*d]...))
				st.KeptE = append(st.KeptE, st.E[c])
			}
		}
		if s.blockEnd(sweep) {
			b := rundir.PTBlock{Sweep: sweep, BurnIn: burn, Acceptance: scaled(accRound, 1/float64(sweeps)),
				SwapAcceptance: ratios(swapAcc, swapTry), StepSizes: exps(st.LogStep),
				EnergyEvaluations: st.Stats.EnergyEvaluations, GradientEvaluations: st.Stats.GradientEvaluations,
				Seconds: time.Since(start).Seconds()}
			for c := 0; c < C; c++ {
				b.MeanEnergy += st.E[c] / float64(C)
			}
			st.Stats.History = append(st.Stats.History, b)
			summary := fmt.Sprintf("sweep %d acceptance %.2f", sweep, b.Acceptance[0])
			if len(b.SwapAcceptance) > 0 {
				summary += fmt.Sprintf(" swaps %.2f", b.SwapAcceptance[0])
			}
			return sampler.Info{Step: len(st.Stats.History), Summary: summary, Seconds: b.Seconds,
				EnergyEvaluations: st.Stats.EnergyEvaluations, GradientEvaluations: st.Stats.GradientEvaluations}, nil
		}
	}
}

// swap runs the sweep's round of swaps between neighbouring temperatures, counting trials and
// acceptances per pair in tries and accepted (and, after burn-in, in the run's totals).
func (s *Sampler) swap(sweep int, burn bool, tries, accepted []float64) {
	st, C, d := &s.st, s.Config.PT.Chains, s.Target.Dim
	for l := sweep % 2; l+1 < len(s.temps); l += 2 {
		dBeta := 1/s.temps[l] - 1/s.temps[l+1]
		for c := 0; c < C; c++ {
			i, j := l*C+c, (l+1)*C+c
			tries[l]++
			if !burn {
				st.SwapTryAll[l]++
			}
			logA := dBeta * (st.E[i] - st.E[j])
			if math.IsNaN(logA) || math.Log(s.rng.Float64()) >= logA {
				continue
			}
			accepted[l]++
			if !burn {
				st.SwapAccAll[l]++
			}
			st.E[i], st.E[j] = st.E[j], st.E[i]
			for k := 0; k < d; k++ {
				st.X[i*d+k], st.X[j*d+k] = st.X[j*d+k], st.X[i*d+k]
				st.G[i*d+k], st.G[j*d+k] = st.G[j*d+k], st.G[i*d+k]
			}
		}
	}
}

// Progress returns the blocks of sweeps done and the number a run has (about 20: every
// roundLen sweeps, the end of burn-in and the last sweep end one).
func (s *Sampler) Progress() (done, total int) { return len(s.st.Stats.History), s.blocks }

// Samples returns the first n of the T = 1 states kept after burn-in (sampler coordinates);
// the run must be finished and n at most Config.EvalSamples.
func (s *Sampler) Samples(n int) ([][]float64, error) {
	if done, total := s.Progress(); done < total {
		return nil, errors.Errorf("parallel tempering has done %d of %d blocks of sweeps: run it to the end first", done, total)
	}
	if n <= 0 || n > len(s.st.Kept) {
		return nil, errors.Errorf("parallel tempering kept %d samples (eval_samples); asked for %d", len(s.st.Kept), n)
	}
	for i, r := range s.st.Kept[:n] {
		for _, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errors.Errorf("parallel tempering produced a non-finite value (sample %d)", i)
			}
		}
	}
	return s.st.Kept[:n], nil
}

// Stats returns the run's statistics so far: the ladder, the step sizes, the acceptance of
// the moves and swaps after burn-in, the evaluation counts, the wall time and the history.
func (s *Sampler) Stats() rundir.PTStats {
	st := s.st.Stats
	st.Temperatures = s.temps
	st.StepSizes = exps(s.st.LogStep)
	after := max(0, s.st.Sweep-s.Config.PT.BurnIn)
	st.Acceptance = scaled(s.st.AccAll, 1/float64(max(after, 1)))
	st.SwapAcceptance = ratios(s.st.SwapAccAll, s.st.SwapTryAll)
	st.Seconds = 0
	for _, b := range st.History {
		st.Seconds += b.Seconds
	}
	st.History = append([]rundir.PTBlock{}, st.History...)
	return st
}

// Report records the evaluation counts and the statistics (rundir.Record.PT).
func (s *Sampler) Report(rec *rundir.Record) {
	st := s.Stats()
	rec.PT, rec.EnergyEvaluations, rec.GradientEvaluations = &st, st.EnergyEvaluations, st.GradientEvaluations
}

// stateFile is the checkpoint's state.
const stateFile = "state.json"

// Save writes the configuration and the state into the checkpoint folder dir, each
// atomically (write, then rename).
func (s *Sampler) Save(dir string) error {
	raw, err := s.pcg.MarshalBinary()
	if err != nil {
		return errors.Wrap(err, "saving the host RNG")
	}
	s.st.RNG = raw
	if err := rundir.WriteConfig(dir, s.Config); err != nil {
		return err
	}
	return rundir.WriteJSON(filepath.Join(dir, stateFile), s.st)
}

// HasCheckpoint reports whether dir holds a parallel-tempering checkpoint.
func HasCheckpoint(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, stateFile))
	return err == nil && rundir.HasConfig(dir)
}

// Resume continues the run saved in the checkpoint folder dir with cfg (the saved
// configuration, checked by the caller with config.CheckResume).
func Resume(backend compute.Backend, t *target.Target, cfg config.Config, dir string) (*Sampler, error) {
	path := filepath.Join(dir, stateFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrapf(err, "reading %s", path)
	}
	s, err := New(backend, t, cfg)
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, errors.Wrapf(err, "decoding %s", path)
	}
	R, d := cfg.PT.Chains*cfg.PT.Temperatures, t.Dim
	if len(st.X) != R*d || len(st.E) != R || len(st.G) != R*d || len(st.LogStep) != cfg.PT.Temperatures ||
		len(st.AccAll) != cfg.PT.Temperatures || len(st.Kept) != len(st.KeptE) || st.Sweep > s.total {
		return nil, errors.Errorf("%s does not hold a state of this configuration (%d replicas of dimension %d, %d sweeps)", path, R, d, s.total)
	}
	if err := s.pcg.UnmarshalBinary(st.RNG); err != nil {
		return nil, errors.Wrapf(err, "restoring the host RNG from %s", path)
	}
	s.st = st
	return s, nil
}

// Kind is parallel tempering's sampler.Kind ("pt"): a reference that every comparison can
// read the diffusion methods against.
var Kind = sampler.Kind{Name: config.ParallelTempering, Role: sampler.Reference,
	Description: "parallel tempering: replica exchange over a geometric temperature ladder, MALA moves (baseline, no network)",
	New: func(backend compute.Backend, t *target.Target, cfg config.Config) (sampler.Sampler, error) {
		return New(backend, t, cfg)
	},
	Resume: func(backend compute.Backend, t *target.Target, cfg config.Config, dir string, _ io.Writer) (sampler.Sampler, error) {
		return Resume(backend, t, cfg, dir)
	},
	HasCheckpoint: HasCheckpoint,
}

// Run compiles and runs parallel tempering on t with cfg to the end (sampler.Run, with a
// progress bar on progress when it is not nil) and returns its EvalSamples samples with their
// energies and its statistics.
func Run(backend compute.Backend, t *target.Target, cfg config.Config, progress io.Writer) (*Result, error) {
	s, err := New(backend, t, cfg)
	if err != nil {
		return nil, err
	}
	var hooks []sampler.Hook
	if progress != nil {
		hooks = append(hooks, sampler.ProgressBar(progress, "pt "+t.Name))
	}
	if err := sampler.Run(s, hooks...); err != nil {
		return nil, err
	}
	rows, err := s.Samples(cfg.EvalSamples)
	if err != nil {
		return nil, err
	}
	return &Result{Samples: rows, Energies: s.st.KeptE[:cfg.EvalSamples], Stats: s.Stats()}, nil
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
