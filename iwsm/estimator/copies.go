package estimator

import (
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/pkg/errors"
)

// AsCodedLogDenominator is the IWSM paper code's log q (config.DenominatorAsCoded): for each
// point x_t [N, d] at noise level sigma [N], the mean over its M buffer draws [N, M, d] of
// −‖x̃_m − x_t‖/(2σ), with the Euclidean norm (not its square) and σ (not σ²), as
// dem/models/dem_module.py computes it at commit 6787b2c. It is not a log-density; it is what
// that code divides the estimated target density by.
func AsCodedLogDenominator(xt, sigma, draws *Node) *Node {
	diff := Sub(draws, InsertAxes(xt, 1))                    // [N, M, d]
	dist := Sqrt(ReduceSum(Square(diff), -1))                // [N, M]
	perDraw := Div(dist, MulScalar(InsertAxes(sigma, 1), 2)) // ‖x̃ − x_t‖/(2σ)
	return Neg(ReduceMean(perDraw, 1))
}

// OwnKernelLogDensity is log N(x_t; x_0, σ² I) over dEff dimensions (config.DenominatorOwnKernel):
// the density of the forward kernel that drew each point x_t [N, d] from its own buffer point
// x0 [N, d] at noise level sigma [N]. The difference is formed before it is squared, so that
// it keeps its precision at the smallest σ in float32.
func OwnKernelLogDensity(xt, x0, sigma *Node, dEff int) *Node {
	s2 := Square(sigma)
	quad := Div(ReduceSum(Square(Sub(xt, x0)), -1), MulScalar(s2, 2))
	return Neg(Add(quad, MulScalar(Log(MulScalar(s2, 2*math.Pi)), 0.5*float64(dEff))))
}

// CopyWeights turns log weights [G·L] of G consecutive groups of L copies into weights that
// are self-normalised within each group (they sum to L, mean 1, so that a weighted mean loss
// has the scale of an unweighted one), as the IWSM paper's code does it: a softmax over the
// copies, then NaN → 1, +Inf → 5, −Inf → 0, then renormalised. In effect a group with a NaN
// log weight, or whose log weights are all −Inf, weighs its copies equally; a group with +Inf
// log weights puts all its weight on those, equally; any other group gets the softmax.
// Weights are constants for the gradient.
func CopyWeights(logW *Node, groups int) *Node {
	n := logW.Shape().Dimensions[0]
	L := n / groups
	lw := Reshape(logW, groups, L)
	g, dt := lw.Graph(), lw.DType()
	zero, one := ScalarZero(g, dt), ScalarOne(g, dt)
	count := func(mask *Node) *Node { return ReduceSum(Where(mask, OnesLike(lw), ZerosLike(lw)), 1) } // [G]
	isNaN, posInf := IsNaN(lw), Equal(lw, Infinity(g, dt, 1))
	usable := And(LogicalNot(isNaN), LogicalNot(posInf))
	safe := Where(usable, lw, Infinity(g, dt, -1)) // −Inf: weight 0 in the softmax
	mx := ReduceAndKeep(safe, ReduceMax, 1)
	mx = Where(IsFinite(mx), mx, ZerosLike(mx))
	e := Exp(Sub(safe, mx))
	soft := Div(e, ReduceAndKeep(e, ReduceSum, 1))
	nNaN, nPosInf := count(isNaN), count(posInf)
	nFinite := count(IsFinite(lw))
	equal := InsertAxes(Or(GreaterThan(nNaN, zero), And(Equal(nFinite, zero), Equal(nPosInf, zero))), 1) // [G, 1]
	onInf := Div(Where(posInf, OnesLike(lw), ZerosLike(lw)), InsertAxes(Max(nPosInf, one), 1))
	w := Where(BroadcastToShape(equal, lw.Shape()), DivScalar(OnesLike(lw), float64(L)),
		Where(BroadcastToShape(InsertAxes(GreaterThan(nPosInf, zero), 1), lw.Shape()), onInf, soft))
	return StopGradient(Reshape(MulScalar(w, float64(L)), n))
}

// WeightsESSPerGroup returns the normalised effective sample size (Σw)²/(n Σw²) of each of
// `groups` consecutive equal groups of weights [B] (not log weights): shape [groups].
func WeightsESSPerGroup(w *Node, groups int) *Node {
	B := w.Shape().Dimensions[0]
	per := B / groups
	ww := Reshape(w, groups, per)
	s1, s2 := ReduceSum(ww, 1), ReduceSum(Square(ww), 1)
	return DivScalar(Div(Square(s1), s2), float64(per))
}

// CopyLogWeights computes the copy-wise weights of method iwsm-code on the host, with the
// graph functions training uses: points are n consecutive groups of copies noised copies
// (len(points) = n·copies) at noise level sigma, each group drawn from its clean point
// (clean, n rows; needed by config.DenominatorOwnKernel), buffer the replay buffer the
// as-coded denominator draws from (draws rows per point, uniformly, from seed) and the
// buffer-density denominator convolves. It returns, per point, log q by the denominator, the
// K-sample log p̂_t (LogWeights), log w = log p̂_t − log q, and the normalised weight of the
// point within its group (CopyWeights, summing to 1 over the group). Rows and sigma are in
// the sampler's coordinates.
func CopyLogWeights(backend compute.Backend, t *target.Target, buffer, clean, points [][]float64, sigma float64,
	K, copies int, denominator string, draws int, seed uint64) (logq, logp, logw, weights []float64, err error) {
	n := len(points) / max(copies, 1)
	switch {
	case copies < 2:
		return nil, nil, nil, nil, errors.Errorf("copies (L) must be at least 2, got %d", copies)
	case len(points)%copies != 0:
		return nil, nil, nil, nil, errors.Errorf("%d points do not make groups of %d copies", len(points), copies)
	case denominator == config.DenominatorOwnKernel && len(clean) != n:
		return nil, nil, nil, nil, errors.Errorf("the own-kernel denominator needs one clean point per group: %d groups, %d clean points", n, len(clean))
	case denominator == config.DenominatorAsCoded && draws < 1:
		return nil, nil, nil, nil, errors.Errorf("the as-coded denominator needs at least 1 buffer draw (M), got %d", draws)
	case denominator != config.DenominatorAsCoded && denominator != config.DenominatorOwnKernel && denominator != config.DenominatorBufferDensity:
		return nil, nil, nil, nil, errors.Errorf("unknown denominator %q: use %s, %s or %s", denominator,
			config.DenominatorAsCoded, config.DenominatorOwnKernel, config.DenominatorBufferDensity)
	}
	if denominator == config.DenominatorOwnKernel {
		if err := t.CheckRows(clean); err != nil {
			return nil, nil, nil, nil, errors.WithMessage(err, "clean points")
		}
	}
	bufferLogq, logp, _, err := LogWeights(backend, t, buffer, points, sigma, K, seed)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	N, d, M := len(points), t.Dim, max(draws, 1)
	rng := rand.New(rand.NewPCG(seed, 0xd7a4))
	xt, x0, drawn := make([]float32, 0, N*d), make([]float32, 0, N*d), make([]float32, 0, N*M*d)
	for i, p := range points {
		for _, v := range p {
			xt = append(xt, float32(v))
		}
		if denominator == config.DenominatorOwnKernel {
			for _, v := range clean[i/copies] {
				x0 = append(x0, float32(v))
			}
		}
		for range M {
			for _, v := range buffer[rng.IntN(len(buffer))] {
				drawn = append(drawn, float32(v))
			}
		}
	}
	if denominator != config.DenominatorOwnKernel {
		x0 = append(x0, xt...) // unused
	}
	sig, lp, lqb := make([]float32, N), make([]float32, N), make([]float32, N)
	for i := range sig {
		sig[i], lp[i], lqb[i] = float32(sigma), float32(logp[i]), float32(bufferLogq[i])
	}
	exec, err := NewExec(backend, func(xtN, x0N, sigmaN, drawsN, logpN, bufferLogqN *Node) []*Node {
		var lq *Node
		switch denominator {
		case config.DenominatorAsCoded:
			lq = AsCodedLogDenominator(xtN, sigmaN, drawsN)
		case config.DenominatorOwnKernel:
			lq = OwnKernelLogDensity(xtN, x0N, sigmaN, EffectiveDim(t))
		default:
			lq = bufferLogqN
		}
		return []*Node{lq, DivScalar(CopyWeights(Sub(logpN, lq), n), float64(copies))}
	})
	if err != nil {
		return nil, nil, nil, nil, errors.WithMessage(err, "building the copy-wise weights")
	}
	defer exec.Finalize()
	outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(xt, N, d), tensors.FromFlatDataAndDimensions(x0, N, d),
		tensors.FromFlatDataAndDimensions(sig, N), tensors.FromFlatDataAndDimensions(drawn, N, M, d),
		tensors.FromFlatDataAndDimensions(lp, N), tensors.FromFlatDataAndDimensions(lqb, N))
	if err != nil {
		return nil, nil, nil, nil, errors.WithMessage(err, "copy-wise weights")
	}
	lq, w := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
	for _, o := range outs {
		o.MustFinalizeAll()
	}
	logq, logw, weights = make([]float64, N), make([]float64, N), make([]float64, N)
	for i := range N {
		logq[i], weights[i] = float64(lq[i]), float64(w[i])
		logw[i] = logp[i] - logq[i]
	}
	return logq, logp, logw, weights, nil
}
