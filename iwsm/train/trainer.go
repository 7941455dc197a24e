package train

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/pkg/errors"
	"github.com/schollz/progressbar/v3"

	"github.com/iwsm-go/iwsm/iwsm/estimator"
	"github.com/iwsm-go/iwsm/iwsm/gmath"
	"github.com/iwsm-go/iwsm/iwsm/sde"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// EpochStats summarises one outer round.
type EpochStats struct {
	Epoch int `json:"epoch"`
	// Loss is the mean training loss over the epoch's steps.
	Loss float64 `json:"loss"`
	// ESS is the mean normalised effective sample size of the importance weights
	// ((Σw)²/(n Σw²) within each noise level, averaged; 1 for iDEM, whose weights are equal).
	ESS float64 `json:"ess"`
	// ESSByLevel is ESS per stratified noise level (TimeGroups entries, from low to high
	// noise; see Trainer.LevelSigmas), averaged over the epoch's steps.
	ESSByLevel []float64 `json:"ess_by_level,omitempty"`
	// SkippedSteps counts steps whose loss was not finite (their update was zeroed).
	SkippedSteps int `json:"skipped_steps"`
	// ValLoss is the validation loss computed at the end of this epoch (every
	// Config.ValidateEvery epochs; absent otherwise): iDEM's val/loss, the unweighted
	// score-matching loss on noised validation samples, or, for a target without validation
	// samples, the mean training loss since the previous check.
	ValLoss *float64 `json:"val_loss,omitempty"`
	// LearningRate is the rate the epoch's steps used (lowered by the plateau schedule).
	LearningRate float64 `json:"learning_rate"`
	// Seconds is the wall time of the epoch.
	Seconds float64 `json:"seconds"`
}

// Trainer holds the state of an IWSM/iDEM run: network and optimiser variables (in a GoMLX
// model.Store, with the graph RNG), the replay buffer and the host RNG. Call Run, or Epoch
// repeatedly, then Sample.
type Trainer struct {
	Config  Config
	Target  *target.Target
	backend compute.Backend
	store   *model.Store
	sched   sde.Geometric

	stepExec  *model.Exec
	valExec   *model.Exec // validation loss (no update)
	sdeExec   *model.Exec // reverse-SDE step with the network's score
	mcSDEExec *model.Exec // reverse-SDE step with the Monte Carlo score (first buffer, unless InitFromPrior)
	negExec   *Exec       // "negative time" gradient step on the target's energy

	generation int // of the last checkpoint saved or resumed (see Save)

	validation   []float32 // flat [chunks·BatchSize, Dim] validation samples (nil: none)
	learningRate float64   // current rate of the optimiser (Config.LearningRate until lowered)
	plateau      Plateau

	buffer []float32 // flat [n, Dim], FIFO: the oldest rows are dropped first
	rng    *rand.Rand
	pcg    *rand.PCG

	// EpochsDone counts the outer rounds finished (it survives checkpoints).
	EpochsDone int
	// History has one entry per finished epoch.
	History []EpochStats
	// LastStep holds the outputs of the last gradient step taken in this process (zero
	// before the first): the importance-weight diagnostics written as weights.npy.
	LastStep StepStats
	// Progress, if non-nil, receives a progress bar.
	Progress io.Writer
}

// New creates a trainer for target t with configuration cfg on backend.
func New(backend compute.Backend, t *target.Target, cfg Config) (*Trainer, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(t); err != nil {
		return nil, err
	}
	if err := target.CheckEnergy(backend, t); err != nil {
		return nil, err
	}
	tr := &Trainer{Config: cfg, Target: t, backend: backend, store: model.NewStore(),
		sched: sde.Geometric{SigmaMin: cfg.SigmaMin, SigmaMax: cfg.SigmaMax}}
	tr.learningRate = cfg.LearningRate
	tr.plateau = Plateau{Factor: cfg.LRFactor, Patience: cfg.LRPatience, Threshold: 1e-4}
	if cfg.ValidateEvery > 0 {
		if err := tr.loadValidation(); err != nil {
			return nil, err
		}
	}
	tr.pcg = rand.NewPCG(uint64(cfg.Seed), 0x1a2b3c)
	tr.rng = rand.New(tr.pcg)
	if err := tr.store.SetRNGStateFromSeed(cfg.Seed); err != nil {
		return nil, errors.Wrap(err, "seeding the graph RNG")
	}
	var err error
	tr.stepExec, err = model.NewExec(backend, tr.store, tr.trainStepGraph)
	if err != nil {
		return nil, errors.WithMessage(err, "building the training step")
	}
	tr.valExec, err = model.NewExec(backend, tr.store, tr.validationGraph)
	if err != nil {
		return nil, errors.WithMessage(err, "building the validation loss")
	}
	tr.sdeExec, err = model.NewExec(backend, tr.store, tr.reverseStepGraph)
	if err != nil {
		return nil, errors.WithMessage(err, "building the reverse-SDE step")
	}
	tr.mcSDEExec, err = model.NewExec(backend, tr.store, tr.mcReverseStepGraph)
	if err != nil {
		return nil, errors.WithMessage(err, "building the Monte Carlo reverse-SDE step")
	}
	tr.negExec, err = NewExec(backend, tr.negativeTimeStepGraph)
	if err != nil {
		return nil, errors.WithMessage(err, "building the negative-time step")
	}
	return tr, nil
}

// normal draws standard normal noise shaped like `like`, projected onto the zero-centre-
// of-mass subspace for particle systems.
func (tr *Trainer) normal(scope *model.Scope, like shapes.Shape, g *Graph) *Node {
	z := scope.RandomNormal(g, like)
	if tr.Target.IsParticleSystem() {
		z = gmath.RemoveMean(z, tr.Target.Particles, tr.Target.SpatialDim)
	}
	return z
}

// score is the network s_θ(x, t), evaluated in `chunks` independent pieces of the batch
// that share the network's variables (gmath.InBatchChunks). The reverse-SDE step uses
// gmath.ParallelChunks pieces, which the Go backend runs on several cores at once (DW-4:
// 0.76 s → 0.47 s, LJ-13: 13.6 s → 9.4 s on 2 cores); training graphs use one piece: their
// backward pass already keeps the cores busy, and 4 pieces measured the same or slower.
func (tr *Trainer) score(scope *model.Scope, x, t *Node, chunks int) *Node {
	name, net := "score", tr.Config.Net.Score
	if tr.Target.IsParticleSystem() {
		name, net = "egnn", tr.Config.EGNN.Score // already centre-of-mass free
	}
	return gmath.InBatchChunks(chunks, []*Node{x, t}, func(chunk int, in []*Node) []*Node {
		var sub *model.Scope
		if chunk == 0 {
			sub = scope.In("%s", name)
		} else {
			sub = scope.Shared("%s", name) // the variables the first piece created
		}
		return []*Node{net(sub, in[0], in[1])}
	})[0]
}

// trainStepGraph builds one gradient step. x0 [B, d] are buffer samples, buffer [N, d] the
// whole buffer (the IWSM proposal). Outputs: loss, normalised ESS, finite flag.
func (tr *Trainer) trainStepGraph(scope *model.Scope, x0, buffer *Node) []*Node {
	g := x0.Graph()
	cfg := tr.Config
	B := x0.Shape().Dimensions[0]
	// Stratified noise levels: TimeGroups levels t_g = (g + u_g)/G, each shared by B/G
	// points (marginally still uniform on [0, 1]); importance weights are normalised per level.
	G := cfg.TimeGroups
	u := scope.RandomUniform(g, shapes.Make(x0.DType(), G))
	tg := DivScalar(Add(Iota(g, shapes.Make(x0.DType(), G), 0), u), float64(G))
	t := Reshape(BroadcastToDims(InsertAxes(tg, 1), G, B/G), B)
	xt, sigma, target, logp := tr.noisedTarget(scope, x0, t)

	var weights, ess, essLevels *Node
	if cfg.Method == IWSM {
		logq := estimator.BufferLogDensity(xt, sigma, buffer, estimator.EffectiveDim(tr.Target))
		logw := Sub(logp, logq)
		// Points whose density estimate failed get zero weight instead of NaN.
		logw = Where(IsFinite(logw), logw, Infinity(g, logw.DType(), -1))
		weights = estimator.GroupedSelfNormalisedWeights(logw, G)
		essLevels = estimator.ESSPerGroup(logw, G)
		ess = ReduceAllMean(essLevels)
	} else {
		weights = OnesLike(t)
		essLevels = Ones(g, shapes.Make(t.DType(), G))
		ess = ScalarOne(g, t.DType())
	}
	perPoint := tr.scoreError(scope, xt, t, sigma, target)
	loss := ReduceAllMean(Mul(StopGradient(weights), perPoint))

	grads := scope.BuildTrainableVariablesGradientsGraph(loss)
	finite := IsFinite(loss)
	sq := ScalarZero(g, loss.DType())
	for _, gr := range grads {
		sq = Add(sq, ReduceAllSum(Square(gr)))
	}
	norm := Sqrt(sq)
	scale := Where(finite, OnesLike(norm), ZerosLike(norm))
	if cfg.GradClip > 0 {
		scale = Mul(scale, gmath.ClipScale(norm, cfg.GradClip))
	}
	for i := range grads {
		grads[i] = Where(finite, Mul(grads[i], scale), ZerosLike(grads[i]))
	}
	opt := optimizer.Adam().LearningRate(cfg.LearningRate).Done()
	opt.(interface {
		UpdateGraphWithGradients(*model.Scope, []*Node, dtypes.DType)
	}).UpdateGraphWithGradients(scope, grads, loss.DType())
	return []*Node{loss, ess, ConvertDType(finite, loss.DType()), essLevels, sigma, weights}
}

// noisedTarget noises the clean points x0 [B, d] to times t [B] with the forward kernel and
// returns x_t, σ(t), the clipped K-sample Monte Carlo score at x_t (the regression target)
// and the Monte Carlo log-density estimate log p̂_t(x_t).
func (tr *Trainer) noisedTarget(scope *model.Scope, x0, t *Node) (xt, sigma, target, logp *Node) {
	g := x0.Graph()
	B, d := x0.Shape().Dimensions[0], x0.Shape().Dimensions[1]
	sigma = tr.sched.SigmaNode(t)
	xt = Add(x0, Mul(InsertAxes(sigma, -1), tr.normal(scope, x0.Shape(), g)))
	z := tr.normal(scope, shapes.Make(x0.DType(), B, tr.Config.K, d), g)
	target, logp = estimator.MonteCarlo(tr.Target, xt, sigma, z, tr.Config.MaxScoreNorm)
	return
}

// scoreError is each point's squared error ‖s_θ(x_t, t) − target‖² averaged over the
// dimensions (as iDEM), times λ(t) = σ(t)² + 10⁻³ when Config.LambdaH.
func (tr *Trainer) scoreError(scope *model.Scope, xt, t, sigma, target *Node) *Node {
	perPoint := ReduceMean(Square(Sub(tr.score(scope, xt, t, 1), target)), -1)
	if tr.Config.LambdaH {
		perPoint = Mul(perPoint, AddScalar(Square(sigma), 1e-3))
	}
	return perPoint
}

// validationGraph is iDEM's validation loss on clean validation samples x0 [B, d]: times
// uniform on [0, 1], the unweighted score-matching loss (the samples come from the target,
// so no importance weights are needed for either method). Nothing is updated.
func (tr *Trainer) validationGraph(scope *model.Scope, x0 *Node) *Node {
	t := scope.RandomUniform(x0.Graph(), shapes.Make(x0.DType(), x0.Shape().Dimensions[0]))
	xt, sigma, target, _ := tr.noisedTarget(scope, x0, t)
	return ReduceAllMean(tr.scoreError(scope, xt, t, sigma, target))
}

// reverseStepGraph takes one Euler–Maruyama step of the reverse VE SDE from time t to t-dt
// with the network's score: see eulerStep.
func (tr *Trainer) reverseStepGraph(scope *model.Scope, x, t, dt, last *Node) *Node {
	return tr.eulerStep(scope, x, t, dt, last, tr.score(scope, x, BroadcastToDims(t, x.Shape().Dimensions[0]), gmath.ParallelChunks))
}

// mcReverseStepGraph is the reverse-SDE step with the K-sample Monte Carlo estimate of the
// noised score (clipped) in place of the network: iDEM's way to fill the first buffer of a
// GMM run without relying on an untrained network.
func (tr *Trainer) mcReverseStepGraph(scope *model.Scope, x, t, dt, last *Node) *Node {
	N, d := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	sigma := BroadcastToDims(tr.sched.SigmaNode(t), N)
	z := tr.normal(scope, shapes.Make(x.DType(), N, tr.Config.K, d), x.Graph())
	score, _ := estimator.MonteCarlo(tr.Target, x, sigma, z, tr.Config.MaxScoreNorm)
	return tr.eulerStep(scope, x, t, dt, last, score)
}

// eulerStep is x ← x + g(t)² s dt + diffusion_scale · g(t) √dt z, the noise omitted when
// last != 0, projected onto the zero-centre-of-mass subspace for particle systems.
func (tr *Trainer) eulerStep(scope *model.Scope, x, t, dt, last, score *Node) *Node {
	g := x.Graph()
	sigma := tr.sched.SigmaNode(t)
	g2 := MulScalar(Square(sigma), 2*math.Log(tr.Config.SigmaMax/tr.Config.SigmaMin))
	drift := Mul(score, Mul(g2, dt))
	noise := Mul(tr.normal(scope, x.Shape(), g), MulScalar(Sqrt(Mul(g2, dt)), tr.Config.DiffusionScale))
	noise = Mul(noise, OneMinus(last))
	out := Add(Add(x, drift), noise)
	if tr.Target.IsParticleSystem() {
		out = gmath.RemoveMean(out, tr.Target.Particles, tr.Target.SpatialDim)
	}
	return out
}

// negativeTimeStepGraph is one of iDEM's LJ-55 "negative time" steps after the SDE:
// x ← x + 10⁻⁴ clip(-∇E(x)) (the whole vector clipped to MaxScoreNorm), mean removed.
func (tr *Trainer) negativeTimeStepGraph(x *Node) *Node {
	e := tr.Target.Energy(x)
	grad := Gradient(ReduceAllSum(Where(IsFinite(e), e, ZerosLike(e))), x)[0]
	grad = Where(IsFinite(grad), grad, ZerosLike(grad))
	out := Add(x, MulScalar(gmath.ClipByNorm(Neg(grad), tr.Config.MaxScoreNorm), 1e-4))
	if tr.Target.IsParticleSystem() {
		out = gmath.RemoveMean(out, tr.Target.Particles, tr.Target.SpatialDim)
	}
	return out
}

// prior returns n draws of the prior N(0, σ_max² I) (centre of mass removed for particle
// systems) from the host RNG, flat [n·Dim].
func (tr *Trainer) prior(n int) []float32 {
	d := tr.Target.Dim
	flat := make([]float32, n*d)
	row := make([]float64, d)
	for i := 0; i < n; i++ {
		for j := range row {
			row[j] = tr.Config.SigmaMax * tr.rng.NormFloat64()
		}
		if tr.Target.IsParticleSystem() {
			target.RemoveCentreOfMass(row, tr.Target.Particles, tr.Target.SpatialDim)
		}
		for j, v := range row {
			flat[i*d+j] = float32(v)
		}
	}
	return flat
}

// Sample generates n samples with the reverse SDE from the prior N(0, σ_max² I) (followed
// by NegativeTimeSteps gradient steps where configured), in the sampler's coordinates
// (multiply by Target.Scale for the target's own).
func (tr *Trainer) Sample(n int) (rows [][]float64, err error) {
	return tr.integrate(n, tr.sdeExec, tr.Config.NegativeTimeSteps)
}

// initialSamples returns the first buffer's content: prior draws when InitFromPrior, else
// reverse-SDE samples driven by the Monte Carlo score.
func (tr *Trainer) initialSamples(n int) ([][]float64, error) {
	if tr.Config.InitFromPrior {
		flat, d := tr.prior(n), tr.Target.Dim
		rows := make([][]float64, n)
		for i := range rows {
			rows[i] = make([]float64, d)
			for j := range rows[i] {
				rows[i][j] = float64(flat[i*d+j])
			}
		}
		return rows, nil
	}
	return tr.integrate(n, tr.mcSDEExec, 0)
}

func (tr *Trainer) integrate(n int, step *model.Exec, negativeSteps int) (rows [][]float64, err error) {
	if n <= 0 {
		return nil, errors.Errorf("number of samples must be positive, got %d", n)
	}
	d := tr.Target.Dim
	x := tensors.FromFlatDataAndDimensions(tr.prior(n), n, d)
	steps := tr.Config.IntegrationSteps
	dt := float32(1.0 / float64(steps))
	for k := steps; k >= 1; k-- {
		tNow := float32(float64(k) / float64(steps))
		last := float32(0)
		if k == 1 {
			last = 1
		}
		out, err := step.Call1(x, tNow, dt, last)
		if err != nil {
			return nil, errors.WithMessage(err, "reverse-SDE step")
		}
		x.MustFinalizeAll()
		x = out
	}
	for k := 0; k < negativeSteps; k++ {
		out, err := tr.negExec.Call1(x)
		if err != nil {
			return nil, errors.WithMessage(err, "negative-time step")
		}
		x.MustFinalizeAll()
		x = out
	}
	data := tensors.MustCopyFlatData[float32](x)
	x.MustFinalizeAll()
	rows = make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, d)
		for j := range rows[i] {
			v := float64(data[i*d+j])
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errors.Errorf("sampling produced a non-finite value (sample %d): the score network diverged", i)
			}
			rows[i][j] = v
		}
	}
	return rows, nil
}

// addToBuffer appends rows, dropping the oldest beyond BufferSize.
func (tr *Trainer) addToBuffer(rows [][]float64) {
	for _, r := range rows {
		for _, v := range r {
			tr.buffer = append(tr.buffer, float32(v))
		}
	}
	d := tr.Target.Dim
	if extra := len(tr.buffer)/d - tr.Config.BufferSize; extra > 0 {
		tr.buffer = append(tr.buffer[:0:0], tr.buffer[extra*d:]...)
	}
}

// loadValidation draws the validation samples (target.ValidationSamples) and keeps as many
// whole batches of BatchSize as fit, at least one (repeating samples if there are fewer), so
// that the validation graph compiles once for the training batch shape.
func (tr *Trainer) loadValidation() error {
	rows, err := target.ValidationSamples(tr.Target, tr.Config.ValidationSamples, uint64(tr.Config.Seed))
	if err != nil || len(rows) == 0 {
		return err // none: the schedule monitors the training loss
	}
	B, d := tr.Config.BatchSize, tr.Target.Dim
	n := max(1, len(rows)/B) * B
	tr.validation = make([]float32, 0, n*d)
	for i := 0; i < n; i++ {
		for _, v := range rows[i%len(rows)] {
			tr.validation = append(tr.validation, float32(v))
		}
	}
	return nil
}

// ValidationLoss returns the validation loss (see EpochStats.ValLoss) of the current network,
// averaged over the validation batches; ok is false for a target without validation samples
// or when validation is disabled.
func (tr *Trainer) ValidationLoss() (loss float64, ok bool, err error) {
	if len(tr.validation) == 0 {
		return 0, false, nil
	}
	B, d := tr.Config.BatchSize, tr.Target.Dim
	chunks := len(tr.validation) / (B * d)
	for c := 0; c < chunks; c++ {
		x := tensors.FromFlatDataAndDimensions(tr.validation[c*B*d:(c+1)*B*d], B, d)
		out, err := tr.valExec.Call1(x)
		if err != nil {
			return 0, false, errors.WithMessage(err, "validation loss")
		}
		loss += float64(tensors.MustCopyFlatData[float32](out)[0]) / float64(chunks)
		out.MustFinalizeAll()
	}
	return loss, true, nil
}

// validate runs at the end of every ValidateEvery-th epoch: it records the validation loss
// (or, without validation samples, the mean training loss since the last check) and lets the
// plateau schedule lower the learning rate.
func (tr *Trainer) validate(stats *EpochStats) error {
	every := tr.Config.ValidateEvery
	if every <= 0 || tr.EpochsDone%every != 0 {
		return nil
	}
	v, ok, err := tr.ValidationLoss()
	if err != nil {
		return err
	}
	if !ok {
		recent := append(slices.Clone(tr.History[max(0, len(tr.History)-every+1):]), *stats)
		for _, h := range recent {
			v += h.Loss / float64(len(recent))
		}
	}
	stats.ValLoss = &v
	if tr.Config.LRPatience == 0 {
		return nil
	}
	if next := tr.plateau.Step(v, tr.learningRate); next != tr.learningRate {
		return tr.setLearningRate(next)
	}
	return nil
}

// setLearningRate changes the optimiser's learning-rate variable (saved with the model, so a
// resumed run keeps it).
func (tr *Trainer) setLearningRate(lr float64) error {
	v := tr.store.RootScope().At(optimizer.Scope).GetVariable(optimizer.ParamLearningRate)
	if v == nil {
		return errors.New("setting the learning rate: the optimiser's variable does not exist yet (no step taken)")
	}
	if err := v.SetValue(tensors.FromScalar(float32(lr))); err != nil {
		return errors.Wrap(err, "setting the learning rate")
	}
	tr.learningRate = lr
	return nil
}

// LearningRate is the optimiser's current learning rate.
func (tr *Trainer) LearningRate() float64 { return tr.learningRate }

// LevelSigmas returns σ(t) at the centres t = (g + ½)/G of the TimeGroups stratified noise
// levels, the x axis of EpochStats.ESSByLevel.
func (tr *Trainer) LevelSigmas() []float64 {
	G := tr.Config.TimeGroups
	out := make([]float64, G)
	for g := range out {
		out[g] = tr.sched.Sigma((float64(g) + 0.5) / float64(G))
	}
	return out
}

// BufferLen is the number of samples in the replay buffer.
func (tr *Trainer) BufferLen() int { return len(tr.buffer) / tr.Target.Dim }

// Epoch runs one outer round: refresh the buffer with new samples from the current model
// (the first round fills it with InitialSamples), then StepsPerEpoch gradient steps.
func (tr *Trainer) Epoch() (stats EpochStats, err error) {
	start := time.Now()
	cfg := tr.Config
	var rows [][]float64
	if tr.BufferLen() == 0 {
		rows, err = tr.initialSamples(cfg.InitialSamples)
	} else {
		rows, err = tr.Sample(cfg.SamplesPerEpoch)
	}
	if err != nil {
		return stats, err
	}
	tr.addToBuffer(rows)
	bufT := tensors.FromFlatDataAndDimensions(tr.buffer, tr.BufferLen(), tr.Target.Dim)
	defer bufT.MustFinalizeAll()
	consecutiveBad := 0
	for s := 0; s < cfg.StepsPerEpoch; s++ {
		st, err := tr.step(bufT)
		if err != nil {
			return stats, errors.WithMessagef(err, "training step %d of epoch %d", s, tr.EpochsDone+1)
		}
		if !st.Finite {
			stats.SkippedSteps++
			consecutiveBad++
			if consecutiveBad >= 10 {
				return stats, errors.Errorf("training diverged: 10 consecutive steps with a non-finite loss in epoch %d "+
					"(check the energy for NaN/Inf, lower the learning rate or the score clipping max_score_norm); "+
					"the last checkpoint is kept", tr.EpochsDone+1)
			}
			continue
		}
		consecutiveBad = 0
		stats.Loss += st.Loss
		stats.ESS += st.ESS
		if stats.ESSByLevel == nil {
			stats.ESSByLevel = make([]float64, len(st.ESSByLevel))
		}
		for i, v := range st.ESSByLevel {
			stats.ESSByLevel[i] += v
		}
	}
	good := float64(cfg.StepsPerEpoch - stats.SkippedSteps)
	stats.Loss /= good
	stats.ESS /= good
	for i := range stats.ESSByLevel {
		stats.ESSByLevel[i] /= good
	}
	tr.EpochsDone++
	stats.Epoch = tr.EpochsDone
	stats.LearningRate = tr.learningRate
	if err := tr.validate(&stats); err != nil {
		return stats, err
	}
	stats.Seconds = time.Since(start).Seconds()
	tr.History = append(tr.History, stats)
	return stats, nil
}

// StepStats are the outputs of one gradient step.
type StepStats struct {
	Loss, ESS  float64
	ESSByLevel []float64
	// Finite is false when the loss was not finite; the update was then skipped.
	Finite bool
	// Sigmas and Weights are, per point of the batch, its noise level σ(t) and its
	// self-normalised importance weight (mean 1 within each noise level; all 1 for iDEM).
	Sigmas, Weights []float64
}

// Step takes one gradient step on a batch drawn from the replay buffer (filled by Epoch
// or Resume; an empty buffer is an error). Epoch calls it StepsPerEpoch times.
func (tr *Trainer) Step() (StepStats, error) {
	if tr.BufferLen() < 1 {
		return StepStats{}, errors.New("the replay buffer is empty: run an Epoch (or Resume a checkpoint) first")
	}
	bufT := tensors.FromFlatDataAndDimensions(tr.buffer, tr.BufferLen(), tr.Target.Dim)
	defer bufT.MustFinalizeAll()
	return tr.step(bufT)
}

// step draws a batch uniformly from the buffer and runs the training graph on it with the
// whole buffer bufT as the proposal.
func (tr *Trainer) step(bufT *tensors.Tensor) (StepStats, error) {
	B, d, N := tr.Config.BatchSize, tr.Target.Dim, tr.BufferLen()
	batch := make([]float32, B*d)
	for i := 0; i < B; i++ {
		j := tr.rng.IntN(N)
		copy(batch[i*d:(i+1)*d], tr.buffer[j*d:(j+1)*d])
	}
	outs, err := tr.stepExec.Call(tensors.FromFlatDataAndDimensions(batch, B, d), bufT)
	if err != nil {
		return StepStats{}, err
	}
	defer func() {
		for _, o := range outs {
			o.MustFinalizeAll()
		}
	}()
	st := StepStats{
		Loss:   float64(tensors.MustCopyFlatData[float32](outs[0])[0]),
		ESS:    float64(tensors.MustCopyFlatData[float32](outs[1])[0]),
		Finite: tensors.MustCopyFlatData[float32](outs[2])[0] != 0,
	}
	for _, v := range tensors.MustCopyFlatData[float32](outs[3]) {
		st.ESSByLevel = append(st.ESSByLevel, float64(v))
	}
	sig, w := tensors.MustCopyFlatData[float32](outs[4]), tensors.MustCopyFlatData[float32](outs[5])
	st.Sigmas, st.Weights = make([]float64, len(sig)), make([]float64, len(w))
	for i := range sig {
		st.Sigmas[i], st.Weights[i] = float64(sig[i]), float64(w[i])
	}
	tr.LastStep = st
	return st, nil
}

// Run trains until Config.Epochs epochs are done (continuing a resumed run), saving a
// checkpoint to checkpointDir (if not empty) every CheckpointEvery epochs and at the end.
func (tr *Trainer) Run(checkpointDir string) error {
	var bar *progressbar.ProgressBar
	if tr.Progress != nil {
		bar = progressbar.NewOptions(tr.Config.Epochs,
			progressbar.OptionSetWriter(tr.Progress),
			progressbar.OptionSetDescription(fmt.Sprintf("%s %s", tr.Config.Method, tr.Target.Name)),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(500*time.Millisecond))
		_ = bar.Set(tr.EpochsDone)
	}
	for tr.EpochsDone < tr.Config.Epochs {
		st, err := tr.Epoch()
		if err != nil {
			return err
		}
		if bar != nil {
			bar.Describe(fmt.Sprintf("%s %s loss %.4g ess %.2f", tr.Config.Method, tr.Target.Name, st.Loss, st.ESS))
			_ = bar.Add(1)
		}
		if checkpointDir != "" && (tr.EpochsDone%tr.Config.CheckpointEvery == 0 || tr.EpochsDone == tr.Config.Epochs) {
			if err := tr.Save(checkpointDir); err != nil {
				return err
			}
		}
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(tr.Progress)
	}
	return nil
}
