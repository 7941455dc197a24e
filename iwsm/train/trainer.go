package train

import (
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/estimator"
	"github.com/iwsm-go/iwsm/iwsm/gmath"
	"github.com/iwsm-go/iwsm/iwsm/method"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/sde"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// Trainer holds the state of an IWSM/iDEM run: network and optimiser variables (in a GoMLX
// model.Store, with the graph RNG), the replay buffer and the host RNG. It is a
// sampler.Sampler whose steps are epochs: run it with sampler.Run (or call Epoch
// repeatedly), then draw Samples.
type Trainer struct {
	Config  config.Config
	Target  *target.Target
	Method  method.Method
	backend compute.Backend
	store   *model.Store
	sde     *sde.SDE

	stepExec  *model.Exec
	valExec   *model.Exec    // validation loss (no update)
	sampling  *sde.Generator // reverse SDE with the network's score
	scoreExec *model.Exec    // the network's score alone (Score), built on first use
	mcInit    *sde.Generator // reverse SDE with the Monte Carlo score (first buffer, unless InitFromPrior)

	parallel *dataParallel // the training step on Config.Devices devices (nil: one device)

	generation int // of the last checkpoint saved or resumed (see Save)

	validation   []float32 // flat [chunks·BatchSize, Dim] validation samples (nil: none)
	learningRate float64   // current rate of the optimiser (Config.LearningRate until lowered)
	plateau      Plateau

	buffer []float32 // flat [n, Dim], FIFO: the oldest rows are dropped first
	rng    *rand.Rand
	pcg    *rand.PCG
	// droppedSamples counts the new samples left out of the buffer since the last epoch
	// ended (they diverged); Epoch moves the count into its history entry.
	droppedSamples int

	// EpochsDone counts the outer rounds finished (it survives checkpoints).
	EpochsDone int
	// History has one entry per finished epoch.
	History []rundir.Epoch
	// LastStep holds the outputs of the last gradient step taken in this process (zero
	// before the first): the importance-weight diagnostics written as weights.npy.
	LastStep StepStats

	// EnergyEvaluations and GradientEvaluations count the points at which the run has
	// evaluated the target's energy E and its gradient ∇E since its first epoch (restored on
	// resume from the history), points × calls:
	//   - each training step: BatchSize·K of each (the Monte Carlo estimator's K draws per
	//     point; its log-density and score come from the same evaluations);
	//   - the first buffer, unless InitFromPrior: InitialSamples·IntegrationSteps·K of each
	//     (the reverse SDE driven by the Monte Carlo score; augmentation rows excluded);
	//   - every validation check: the validation batches' points ·K of each;
	//   - every Sample call (buffer refreshes and the final samples): n·NegativeTimeSteps of
	//     each (iDEM's gradient steps after the SDE); the SDE with the network needs none.
	// Not counted: CheckEnergy's 16 test points and the metrics' energies of the final
	// samples (evaluation, not the method's cost).
	EnergyEvaluations, GradientEvaluations int64
}

// New creates a trainer for target t with configuration cfg on backend. The method is
// cfg.Method, looked up in the method registry.
func New(backend compute.Backend, t *target.Target, cfg config.Config) (*Trainer, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	m, err := method.ByName(cfg.Method)
	if err != nil {
		return nil, err
	}
	if err := validate(cfg, m, t); err != nil {
		return nil, err
	}
	if err := target.CheckEnergy(backend, t); err != nil {
		return nil, err
	}
	tr := &Trainer{Config: cfg, Target: t, Method: m, backend: backend, store: model.NewStore(),
		sde: &sde.SDE{Schedule: sde.Geometric{SigmaMin: cfg.SigmaMin, SigmaMax: cfg.SigmaMax}, Target: t,
			Steps: cfg.IntegrationSteps, DiffusionScale: cfg.DiffusionScale,
			NegativeTimeSteps: cfg.NegativeTimeSteps, MaxScoreNorm: cfg.MaxScoreNorm}}
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
	tr.stepExec, err = model.NewExec(backend, tr.store, tr.trainStepGraph)
	if err != nil {
		return nil, errors.WithMessage(err, "building the training step")
	}
	tr.valExec, err = model.NewExec(backend, tr.store, tr.validationGraph)
	if err != nil {
		return nil, errors.WithMessage(err, "building the validation loss")
	}
	if tr.sampling, err = sde.NewGenerator(backend, tr.store, tr.sde, tr.networkScore); err != nil {
		return nil, err
	}
	// The first buffer of a mixture run comes from the Monte Carlo score, without the
	// negative-time steps.
	mcSDE := *tr.sde
	mcSDE.NegativeTimeSteps = 0
	if tr.mcInit, err = sde.NewGenerator(backend, tr.store, &mcSDE, tr.monteCarloScore); err != nil {
		return nil, errors.WithMessage(err, "Monte Carlo score")
	}
	if err := tr.SetDevices(cfg.Devices); err != nil {
		return nil, err
	}
	return tr, nil
}

// validate checks cfg (config.Config.Validate), what the method m needs of it and what
// depends on the target.
func validate(c config.Config, m method.Method, t *target.Target) error {
	if err := c.Validate(); err != nil {
		return err
	}
	switch {
	case m.Copies && c.Copies < 2:
		return errors.Errorf("invalid training configuration: method %s weighs noised copies of each buffer point against each other: copies (L) must be at least 2, got %d", m.Name, c.Copies)
	case !m.Copies && c.Copies > 1:
		return errors.Errorf("invalid training configuration: copies=%d is for a copy-wise method (iwsm-code), not %s", c.Copies, m.Name)
	case m.FromData && !t.HasTrainingData():
		return errors.Errorf("invalid training configuration: method %s trains on samples of the target, and %s has none (mixtures draw them; dw4, lj13 and lj55 ship them; set Target.TrainingSet)", m.Name, t.Name)
	case m.FromData && c.Devices > 1:
		return errors.Errorf("invalid training configuration: method %s trains on one device, got devices=%d", m.Name, c.Devices)
	}
	if t.IsParticleSystem() && (c.EGNN.Particles != t.Particles || c.EGNN.SpatialDim != t.SpatialDim || c.EGNN.Hidden <= 0 || c.EGNN.Layers <= 0) {
		return errors.Errorf("invalid training configuration: particle target %s needs an EGNN for %d particles in %dD, got %+v",
			t.Name, t.Particles, t.SpatialDim, c.EGNN)
	}
	if t.Name != c.Target {
		return errors.Errorf("invalid training configuration: config is for target %q but trainer got %q", c.Target, t.Name)
	}
	return nil
}

// networkScore is the score network s_θ(x, t) in the reverse-SDE step, evaluated in
// gmath.ParallelChunks independent pieces (see score).
func (tr *Trainer) networkScore(scope *model.Scope, x, t *Node) *Node {
	return tr.score(scope, x, t, gmath.ParallelChunks)
}

// monteCarloScore is the K-sample Monte Carlo estimate of the noised score (clipped), used
// in place of the network to fill the first buffer of a GMM run (iDEM) without relying on an
// untrained network.
func (tr *Trainer) monteCarloScore(scope *model.Scope, x, t *Node) *Node {
	N, d := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	sigma := tr.sde.Schedule.SigmaNode(t)
	z := tr.sde.Noise(scope, x.Graph(), shapes.Make(x.DType(), N, tr.Config.K, d))
	score, _ := estimator.MonteCarlo(tr.Target, x, sigma, z, tr.Config.MaxScoreNorm)
	return score
}

// score is the network s_θ(x, t), evaluated in `chunks` independent pieces of the batch
// that share the network's variables (gmath.InBatchChunks). The reverse-SDE step uses
// gmath.ParallelChunks pieces, which the Go backend runs on several cores at once (the
// README's Performance section has the gain); training graphs use one piece: their backward
// pass already keeps the cores busy, and more pieces were no faster.
func (tr *Trainer) score(scope *model.Scope, x, t *Node, chunks int) *Node {
	return tr.scoreShared(scope, x, t, chunks, false)
}

// scoreShared is score; with shared, every piece reuses the variables that an earlier
// application of the network in the same graph created.
func (tr *Trainer) scoreShared(scope *model.Scope, x, t *Node, chunks int, shared bool) *Node {
	name, net := "score", tr.Config.Net.Score
	if tr.Target.IsParticleSystem() {
		name, net = "egnn", tr.Config.EGNN.Score // already centre-of-mass free
	}
	return gmath.InBatchChunks(chunks, []*Node{x, t}, func(chunk int, in []*Node) []*Node {
		var sub *model.Scope
		if chunk == 0 && !shared {
			sub = scope.In("%s", name)
		} else {
			sub = scope.Shared("%s", name) // the variables the first piece created
		}
		return []*Node{net(sub, in[0], in[1])}
	})[0]
}

// trainStepGraph builds one gradient step. x0 [B, d] are buffer samples, buffer [N, d] the
// whole buffer (the IWSM proposal), of which the first rows (a scalar int32) are in use and
// the rest padding (see stepBuffer). Outputs: loss, normalised ESS, finite flag, ESS per
// level, σ(t) and the weights per point (see stepGraphWith).
func (tr *Trainer) trainStepGraph(scope *model.Scope, x0, buffer, rows *Node) []*Node {
	g, B := x0.Graph(), x0.Shape().Dimensions[0]
	t, eps, z := tr.stepDraws(scope, g, x0.DType(), B)
	var drawn *Node
	if tr.Method.Copies && tr.Config.Denominator == config.DenominatorAsCoded { // one device: copies train on one
		n := B * tr.copies() * tr.Config.DenominatorDraws
		drawn = scope.RandomIntN(g, rows, shapes.Make(dtypes.Int32, n, 1))
	}
	return tr.stepGraphWith(scope, x0, buffer, rows, t, eps, z, drawn)
}

// copies is the number of noised copies of each buffer point a step makes: Config.Copies for
// a copy-wise method, else 1.
func (tr *Trainer) copies() int {
	if tr.Method.Copies {
		return max(tr.Config.Copies, 1)
	}
	return 1
}

// stepDraws draws the random numbers of one gradient step on a batch of B buffer points from
// scope's random state, in this order: the times t (by the method: per point, or
// Config.TimeGroups stratified levels), the forward noise eps and the Monte Carlo estimator's
// noise z [·, K, d] (both projected for particle systems; no z for a method trained on data,
// which needs no estimator). A copy-wise method repeats each point's time for its L copies
// (copies), so t, eps and z have B·L rows, a point's copies consecutive. The one-device step
// draws them inside its graph; the data-parallel step (parallel.go) in a graph of its own,
// replicated, so that both draw the same numbers.
func (tr *Trainer) stepDraws(scope *model.Scope, g *Graph, dtype dtypes.DType, B int) (t, eps, z *Node) {
	G := tr.Config.TimeGroups
	switch tr.Method.Times {
	case method.PerPoint: // iDEM: t ~ U[0, 1] for every point
		t = scope.RandomUniform(g, shapes.Make(dtype, B))
	default:
		// Stratified noise levels: TimeGroups levels t_g = (g + u_g)/G, each shared by B/G
		// points (marginally still uniform on [0, 1]); importance weights are normalised per
		// level.
		u := scope.RandomUniform(g, shapes.Make(dtype, G))
		tg := DivScalar(Add(Iota(g, shapes.Make(dtype, G), 0), u), float64(G))
		t = Reshape(BroadcastToDims(InsertAxes(tg, 1), G, B/G), B)
	}
	L := tr.copies()
	t = repeatRows(t, L)
	d := tr.Target.Dim
	eps = tr.sde.Noise(scope, g, shapes.Make(dtype, B*L, d))
	if !tr.Method.FromData {
		z = tr.sde.Noise(scope, g, shapes.Make(dtype, B*L, tr.Config.K, d))
	}
	return t, eps, z
}

// repeatRows repeats each row of x [B, ...] n times, consecutively: [B·n, ...].
func repeatRows(x *Node, n int) *Node {
	if n == 1 {
		return x
	}
	dims := x.Shape().Dimensions
	inner := append([]int{dims[0], n}, dims[1:]...)
	out := append([]int{dims[0] * n}, dims[1:]...)
	return Reshape(BroadcastToDims(InsertAxes(x, 1), inner...), out...)
}

// stepGraphWith builds one gradient step from its random draws (stepDraws): x0 [B, d] buffer
// samples, buffer [N, d] the whole buffer (the IWSM proposal) with its first rows in use, t,
// eps and z for the B·L noised points (L = copies), and, for the as-coded denominator of a
// copy-wise method, the buffer rows drawn [B·L·M, 1] (nil otherwise). Outputs: loss,
// normalised ESS, finite flag, ESS per level, σ(t) and the weights per noised point. Nothing in it is random, so that the
// data-parallel step can split it over devices.
func (tr *Trainer) stepGraphWith(scope *model.Scope, x0, buffer, rows, t, eps, z, drawn *Node) []*Node {
	g := x0.Graph()
	cfg := tr.Config
	L := tr.copies()
	x0 = repeatRows(x0, L)
	xt, sigma := tr.sde.ForwardWith(x0, t, eps)
	var target, logp *Node
	if tr.Method.FromData { // the denoising score of x_t given its clean point: −(x_t − x_0)/σ² = −ε/σ
		target = Neg(Div(eps, InsertAxes(sigma, 1)))
		logp = ZerosLike(sigma)
	} else {
		target, logp = estimator.MonteCarlo(tr.Target, xt, sigma, z, cfg.MaxScoreNorm)
	}
	batch := method.Batch{Target: tr.Target, Xt: xt, Sigma: sigma, LogP: logp, Buffer: buffer, BufferRows: rows, Groups: cfg.TimeGroups, X0: x0}
	if tr.Method.Copies {
		batch.Groups, batch.Denominator = x0.Shape().Dimensions[0]/L, cfg.Denominator
		if drawn != nil {
			N, d := x0.Shape().Dimensions[0], tr.Target.Dim
			batch.Draws = Reshape(Gather(buffer, drawn), N, cfg.DenominatorDraws, d)
		}
	}
	weights, essLevels := tr.Method.Weights(batch)
	if tr.Method.Copies { // one ESS per point's copies: averaged per noise level
		essLevels = levelMeans(essLevels, Reshape(t, -1, L), cfg.TimeGroups)
	}
	ess := ReduceAllMean(essLevels)
	loss, grads := tr.weightedLossAndGradients(scope, xt, t, sigma, target, StopGradient(weights), max(1, cfg.StepPieces))
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

// weightedLossAndGradients returns the loss mean_i w_i·scoreError_i over the P noised points
// and its gradients with respect to the trainable variables. With pieces > 1 (Config.
// StepPieces) the network's forward and backward passes run over that many consecutive pieces
// of the points, one after the other, and the pieces' gradients are summed: the same loss and
// gradients (rounded differently), with only one piece's activations alive at a time. XLA would
// otherwise schedule the pieces' forward passes side by side and keep all their activations
// for the backward passes (LJ-55's paper-size step: 9.9 GB of temporaries), so each piece's
// input waits, through a term that adds zero, for the gradients of the pieces before it (a
// non-finite gradient makes the next piece's loss non-finite, and the step is skipped).
func (tr *Trainer) weightedLossAndGradients(scope *model.Scope, xt, t, sigma, target, weights *Node, pieces int) (*Node, []*Node) {
	P := xt.Shape().Dimensions[0]
	if pieces < 2 || P < 2*pieces {
		loss := ReduceAllMean(Mul(weights, tr.scoreError(scope, xt, t, sigma, target)))
		return loss, scope.BuildTrainableVariablesGradientsGraph(loss)
	}
	var loss *Node
	var grads []*Node
	for c := range pieces {
		r := AxisRange(c*P/pieces, (c+1)*P/pieces)
		xp := SliceAxis(xt, 0, r)
		if grads != nil { // ordering: this piece's forward pass waits for all the gradients so far
			xp = Add(xp, StopGradient(MulScalar(sumAll(grads), 0)))
		}
		part := tr.scoreErrorShared(scope, xp, SliceAxis(t, 0, r), SliceAxis(sigma, 0, r), SliceAxis(target, 0, r), c > 0)
		lp := DivScalar(ReduceAllSum(Mul(SliceAxis(weights, 0, r), part)), float64(P))
		gp := scope.BuildTrainableVariablesGradientsGraph(lp)
		if loss == nil {
			loss, grads = lp, gp
			continue
		}
		loss = Add(loss, lp)
		for i := range grads {
			grads[i] = Add(grads[i], gp[i])
		}
	}
	return loss, grads
}

// sumAll is the sum of every entry of the nodes xs, a scalar that depends on all of them.
func sumAll(xs []*Node) *Node {
	total := ReduceAllSum(xs[0])
	for _, x := range xs[1:] {
		total = Add(total, ReduceAllSum(x))
	}
	return total
}

// levelMeans averages values [P], one per point whose copies share the time t [P, L], over
// the points whose t falls in each of G equal bins of [0, 1]: shape [G]. A bin without a
// point gets the mean over all points.
func levelMeans(values, t *Node, G int) *Node {
	g, dt := values.Graph(), values.DType()
	tp := Slice(t, AxisRange(), AxisElem(0)) // [P, 1]: each point's time
	bin := Floor(MulScalar(tp, float64(G)))
	levels := Iota(g, shapes.Make(dt, 1, G), 1)
	onehot := Where(Equal(BroadcastToDims(bin, bin.Shape().Dimensions[0], G), BroadcastToDims(levels, bin.Shape().Dimensions[0], G)),
		Ones(g, shapes.Make(dt, bin.Shape().Dimensions[0], G)), Zeros(g, shapes.Make(dt, bin.Shape().Dimensions[0], G)))
	counts := ReduceSum(onehot, 0)
	sums := ReduceSum(Mul(onehot, InsertAxes(values, 1)), 0)
	overall := BroadcastToDims(ReduceAllMean(values), G)
	return Where(GreaterThan(counts, ZerosLike(counts)), Div(sums, Max(counts, OnesLike(counts))), overall)
}

// noisedTarget noises the clean points x0 [B, d] to times t [B] with the forward kernel and
// returns x_t, σ(t), the clipped K-sample Monte Carlo score at x_t (the regression target)
// and the Monte Carlo log-density estimate log p̂_t(x_t).
func (tr *Trainer) noisedTarget(scope *model.Scope, x0, t *Node) (xt, sigma, target, logp *Node) {
	B, d := x0.Shape().Dimensions[0], x0.Shape().Dimensions[1]
	xt, sigma = tr.sde.Forward(scope, x0, t)
	z := tr.sde.Noise(scope, x0.Graph(), shapes.Make(x0.DType(), B, tr.Config.K, d))
	target, logp = estimator.MonteCarlo(tr.Target, xt, sigma, z, tr.Config.MaxScoreNorm)
	return
}

// scoreError is each point's squared error ‖s_θ(x_t, t) − target‖² averaged over the
// dimensions (as iDEM), times λ(t) = σ(t)² + 10⁻³ when Config.LambdaH. A method trained on
// data weighs by λ(t) = σ(t)², denoising score matching's own weight: its target −ε/σ grows
// as 1/σ at small noise, where iDEM's bounded Monte Carlo target stays below the score clip,
// and λ = σ² keeps every noise level's error of order one (‖σ s_θ + ε‖²) where σ² + 10⁻³
// (or 1) would let the smallest noise levels' 10¹⁰-sized targets swamp the loss.
func (tr *Trainer) scoreError(scope *model.Scope, xt, t, sigma, target *Node) *Node {
	return tr.scoreErrorShared(scope, xt, t, sigma, target, false)
}

// scoreErrorShared is scoreError; with shared, the network reuses variables created earlier in
// the same graph (see scoreShared).
func (tr *Trainer) scoreErrorShared(scope *model.Scope, xt, t, sigma, target *Node, shared bool) *Node {
	perPoint := ReduceMean(Square(Sub(tr.scoreShared(scope, xt, t, 1, shared), target)), -1)
	switch {
	case tr.Method.FromData:
		perPoint = Mul(perPoint, Square(sigma))
	case tr.Config.LambdaH:
		perPoint = Mul(perPoint, AddScalar(Square(sigma), 1e-3))
	}
	return perPoint
}

// validationGraph is iDEM's validation loss on clean validation samples x0 [B, d]: times
// uniform on [0, 1], the unweighted score-matching loss (the samples come from the target,
// so no importance weights are needed for either method). Nothing is updated.
func (tr *Trainer) validationGraph(scope *model.Scope, x0 *Node) *Node {
	t := scope.RandomUniform(x0.Graph(), shapes.Make(x0.DType(), x0.Shape().Dimensions[0]))
	if tr.Method.FromData { // the denoising loss, as it trains: no energy evaluations
		B, d := x0.Shape().Dimensions[0], x0.Shape().Dimensions[1]
		eps := tr.sde.Noise(scope, x0.Graph(), shapes.Make(x0.DType(), B, d))
		xt, sigma := tr.sde.ForwardWith(x0, t, eps)
		return ReduceAllMean(tr.scoreError(scope, xt, t, sigma, Neg(Div(eps, InsertAxes(sigma, 1)))))
	}
	xt, sigma, target, _ := tr.noisedTarget(scope, x0, t)
	return ReduceAllMean(tr.scoreError(scope, xt, t, sigma, target))
}

// Samples generates n samples with the reverse SDE from the prior N(0, σ_max² I) and the
// network's score (followed by NegativeTimeSteps gradient steps where configured), in the
// sampler's coordinates (multiply by Target.Scale for the target's own).
//
// Samples that diverge are left out of rows and reported by a *sde.NonFiniteError.
func (tr *Trainer) Samples(n int) (rows [][]float64, err error) {
	rows, err = tr.sampling.Generate(n, tr.rng)
	var nonFinite *sde.NonFiniteError
	if err == nil || errors.As(err, &nonFinite) { // the negative-time steps evaluated them all
		tr.count(int64(n) * int64(tr.Config.NegativeTimeSteps))
	}
	return rows, err
}

// stepEvaluations is the number of points at which one gradient step evaluates the energy and
// its gradient: K for each of the batch's noised points (BatchSize·Copies of them), none for a
// method trained on data.
func (tr *Trainer) stepEvaluations() int64 {
	if tr.Method.FromData {
		return 0
	}
	return int64(tr.Config.BatchSize) * int64(tr.copies()) * int64(tr.Config.K)
}

// count adds n evaluations of both the energy and its gradient (see EnergyEvaluations).
func (tr *Trainer) count(n int64) {
	tr.EnergyEvaluations += n
	tr.GradientEvaluations += n
}

// loadValidation draws the validation samples (target.Target.Validation) and keeps as many
// whole batches of BatchSize as fit, at least one (repeating samples if there are fewer), so
// that the validation graph compiles once for the training batch shape.
func (tr *Trainer) loadValidation() error {
	rows, err := tr.Target.Validation(tr.Config.ValidationSamples, uint64(tr.Config.Seed))
	if err != nil || len(rows) == 0 {
		return err // none: the schedule monitors the training loss
	}
	B, d := tr.Config.BatchSize, tr.Target.Dim
	n := max(1, len(rows)/B) * B
	tr.validation = make([]float32, 0, n*d)
	for i := 0; i < n; i++ {
		tr.validation = gmath.AppendFlat32(tr.validation, rows[i%len(rows):i%len(rows)+1])
	}
	return nil
}

// ValidationLoss returns the validation loss (see rundir.Epoch.ValLoss) of the current network,
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
		if !tr.Method.FromData {
			tr.count(int64(B) * int64(tr.Config.K))
		}
	}
	return loss, true, nil
}

// validate runs at the end of every ValidateEvery-th epoch, whose entry is the last of
// History: it records the validation loss there (or, without validation samples, the mean
// training loss since the last check) and lets the plateau schedule lower the learning rate.
func (tr *Trainer) validate(stats *rundir.Epoch) error {
	every := tr.Config.ValidateEvery
	if every <= 0 || tr.EpochsDone%every != 0 {
		return nil
	}
	v, ok, err := tr.ValidationLoss()
	if err != nil {
		return err
	}
	if !ok {
		recent := tr.History[max(0, len(tr.History)-every):]
		for _, h := range recent {
			v += h.Loss / float64(len(recent))
		}
	}
	stats.ValLoss = &v
	stats.EnergyEvaluations, stats.GradientEvaluations = tr.EnergyEvaluations, tr.GradientEvaluations
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
// levels, the x axis of rundir.Epoch.ESSByLevel.
func (tr *Trainer) LevelSigmas() []float64 {
	G := tr.Config.TimeGroups
	out := make([]float64, G)
	for g := range out {
		out[g] = tr.sde.Schedule.Sigma((float64(g) + 0.5) / float64(G))
	}
	return out
}

// BufferLen is the number of samples in the replay buffer.
func (tr *Trainer) BufferLen() int { return len(tr.buffer) / tr.Target.Dim }

// Epoch runs one outer round: refresh the buffer with new samples from the current model
// (unless Init has just filled it with the first buffer; an empty buffer is filled with
// InitialSamples), then StepsPerEpoch gradient steps, and appends the epoch's statistics to
// History. Step adds the validation and the learning-rate schedule; checkpoints are hooks of
// sampler.Run.
func (tr *Trainer) Epoch() (stats rundir.Epoch, err error) {
	start := time.Now()
	cfg := tr.Config
	if tr.EpochsDone > 0 || tr.BufferLen() == 0 {
		if err := tr.refreshBuffer(); err != nil {
			return stats, err
		}
	}
	buf := tr.newStepBuffer()
	defer buf.finalize()
	consecutiveBad := 0
	for s := 0; s < cfg.StepsPerEpoch; s++ {
		st, err := tr.step(buf)
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
	if stats.SkippedSteps == cfg.StepsPerEpoch {
		return stats, errors.Errorf("training diverged: all %d steps of epoch %d had a non-finite loss "+
			"(check the energy for NaN/Inf, lower the learning rate or the score clipping max_score_norm); "+
			"the last checkpoint is kept", cfg.StepsPerEpoch, tr.EpochsDone+1)
	}
	good := float64(cfg.StepsPerEpoch - stats.SkippedSteps)
	stats.Loss /= good
	stats.ESS /= good
	for i := range stats.ESSByLevel {
		stats.ESSByLevel[i] /= good
	}
	tr.EpochsDone++
	stats.Epoch = tr.EpochsDone
	stats.DroppedSamples, tr.droppedSamples = tr.droppedSamples, 0
	stats.LearningRate = tr.learningRate
	stats.Seconds = time.Since(start).Seconds()
	stats.EnergyEvaluations, stats.GradientEvaluations = tr.EnergyEvaluations, tr.GradientEvaluations
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

// GradientStep takes one gradient step on a batch drawn from the replay buffer (filled by
// Init, Epoch or Resume; an empty buffer is an error). Epoch takes StepsPerEpoch of them.
func (tr *Trainer) GradientStep() (StepStats, error) {
	if tr.BufferLen() < 1 {
		return StepStats{}, errors.New("the replay buffer is empty: run an Epoch (or Resume a checkpoint) first")
	}
	buf := tr.newStepBuffer()
	defer buf.finalize()
	return tr.step(buf)
}

// stepBuffer is the replay buffer as the training step reads it: its rows padded with zeros
// to Config.BufferSize, the most it holds, and the number of rows in use. XLA compiles a graph
// anew for every new shape of its inputs (seconds for a network's training step), so a step
// that took the buffer as it is would be compiled again at every epoch until the buffer is
// full (three times in a 3-epoch smoke run); padded, it keeps one shape. The padding counts
// for nothing: the proposal density leaves it out (estimator.PaddedBufferLogDensity) and the
// as-coded denominator draws rows in use only. The size does not depend on the number of
// epochs, so that a run continued to more epochs computes, on XLA too, exactly what a longer
// run does (a sum over more rows rounds differently).
type stepBuffer struct {
	data *tensors.Tensor // [capacity, d], float32
	rows *tensors.Tensor // scalar int32: the first rows of data in use
}

// newStepBuffer copies the replay buffer into a stepBuffer.
func (tr *Trainer) newStepBuffer() stepBuffer {
	n, d := tr.BufferLen(), tr.Target.Dim
	capacity := max(n, tr.Config.BufferSize) // a method trained on data holds all of its data
	data := make([]float32, capacity*d)
	copy(data, tr.buffer)
	return stepBuffer{data: tensors.FromFlatDataAndDimensions(data, capacity, d), rows: tensors.FromScalar(int32(n))}
}

func (b stepBuffer) finalize() {
	b.data.MustFinalizeAll()
	b.rows.MustFinalizeAll()
}

// step draws a batch uniformly from the buffer and runs the training graph on it with the
// whole buffer buf as the proposal.
func (tr *Trainer) step(buf stepBuffer) (StepStats, error) {
	B, d, N := tr.Config.BatchSize, tr.Target.Dim, tr.BufferLen()
	batch := make([]float32, B*d)
	for i := 0; i < B; i++ {
		j := tr.rng.IntN(N)
		copy(batch[i*d:(i+1)*d], tr.buffer[j*d:(j+1)*d])
	}
	var outs []*tensors.Tensor
	var err error
	if tr.parallel != nil {
		x := tensors.FromFlatDataAndDimensions(batch, B, d)
		outs, err = tr.parallel.run(tr, x, buf)
		x.MustFinalizeAll()
	} else {
		outs, err = tr.stepExec.Call(tensors.FromFlatDataAndDimensions(batch, B, d), buf.data, buf.rows)
	}
	if err != nil {
		return StepStats{}, err
	}
	tr.count(tr.stepEvaluations())
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
