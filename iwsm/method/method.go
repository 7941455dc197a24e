package method

import (
	"slices"
	"strings"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/target"
)

// Batch is what a method sees of one training batch when it weighs the loss: the noised
// points, their noise levels, the Monte Carlo estimate of the noised target's log-density,
// and the replay buffer the points were drawn from.
type Batch struct {
	// Target is the density being learned.
	Target *target.Target
	// Xt [B, d] are the noised points x_t = x_0 + σ(t) z, in the sampler's coordinates.
	Xt *Node
	// Sigma [B] is each point's noise level σ(t).
	Sigma *Node
	// LogP [B] is the K-sample estimate of log p_t(x_t) + log Z (estimator.MonteCarlo).
	LogP *Node
	// Buffer [N, d] is the whole replay buffer: convolved with the forward kernel it is the
	// proposal p_{B,t} the batch was drawn from.
	Buffer *Node
	// BufferRows, a scalar integer, is how many of Buffer's first rows are the buffer; the
	// rows after them are padding (the trainer pads the buffer to one size per run, see
	// estimator.PaddedBufferLogDensity). nil: every row is the buffer.
	BufferRows *Node
	// Groups is the number of noise levels: consecutive groups of B/Groups points share one.
	// For a copy-wise method (Method.Copies) a group is the Config.Copies noised copies of
	// one buffer point.
	Groups int
	// X0 [B, d] is the clean buffer point each noised point was drawn from.
	X0 *Node
	// Draws [B, M, d] are fresh buffer draws for the as-coded denominator of the copy-wise
	// weights (Config.DenominatorDraws of them per point); nil otherwise.
	Draws *Node
	// Denominator names the copy-wise weights' denominator (Config.Denominator).
	Denominator string
}

// TimeSampling is how a method draws the noise levels t of a batch.
type TimeSampling int

const (
	// Levels draws Config.TimeGroups stratified levels t_g = (g + u_g)/G, u_g ~ U[0, 1), each
	// shared by B/G consecutive points of the batch (marginally still uniform on [0, 1]); a
	// method's weights can then be normalised per level (IWSM).
	Levels TimeSampling = iota
	// PerPoint draws t ~ U[0, 1] independently for every point, as iDEM does
	// (dem/models/dem_module.py); Batch.Groups then splits the batch into consecutive groups
	// of independent times.
	PerPoint
)

// String names the time sampling as config tables print it.
func (s TimeSampling) String() string {
	if s == PerPoint {
		return "independent per point"
	}
	return "stratified levels"
}

// Method is a training method: a name, a one-line description, how it draws the noise levels,
// and the weight of each point's score-matching error. IWSM and iDEM are two values of this type; an ablation is a
// third (for example weights tempered as w^β), added with one file and one Register call.
// This follows BlackJAX's SMC, whose weighting is an argument (log_weight_fn).
type Method struct {
	// Name identifies the method on the command line, in config.json and in results folders.
	Name string
	// Description is the one line `iwsm methods` prints.
	Description string
	// Times is how the batch's noise levels are drawn.
	Times TimeSampling
	// Ablation marks a variant that isolates one part of a method: the command line lists and
	// trains it, but the notebooks' default comparison leaves it out.
	Ablation bool
	// Reference marks a method that is not under test but a measure to read the others
	// against (the data-trained sampler): run where a notebook asks for it.
	Reference bool
	// FromData marks a method trained on samples of the target (target.Target.Training)
	// instead of a replay buffer of its own samples, by denoising score matching: its
	// regression target is the denoising score −(x_t − x_0)/σ², known exactly, and it makes
	// no energy evaluations in training.
	FromData bool
	// Copies marks a copy-wise method: each step draws Config.Copies (≥ 2) noised copies of
	// every buffer point at that point's time, and the weights compare the copies of one
	// point (Batch.Groups groups of Config.Copies).
	Copies bool
	// Weights returns the loss weight of every point [B] (the loss is their mean times the
	// squared errors; weights are treated as constants) and the normalised effective sample
	// size (Σw)²/(n Σw²) of each noise level's weights [Groups], the weight diagnostics.
	Weights func(b Batch) (weights, essByLevel *Node)
}

// registry holds the methods in the order they were registered (built-in ones first).
var registry []Method

func init() {
	for _, m := range []Method{IWSM, IDEM, IWSMCode, IWSMCodeEqual, IDEMLevels, must(Tempered(0.5)), must(Defensive(0.1)), DSM} {
		if err := Register(m); err != nil {
			panic(err)
		}
	}
}

// must returns the built-in variant m; its constant parameter is valid, so err is nil.
func must(m Method, err error) Method {
	if err != nil {
		panic(err)
	}
	return m
}

// Register adds a method so that ByName, the command line and the notebooks find it (each
// method is a sampler run by the diffusion trainer: experiment.Kind). It fails for an empty
// or taken name or a method without Weights.
func Register(m Method) error {
	switch {
	case m.Name == "" || strings.ToLower(m.Name) != m.Name || strings.ContainsAny(m.Name, " \t/="):
		return errors.Errorf("method name %q must be a non-empty lower-case word", m.Name)
	case m.Weights == nil:
		return errors.Errorf("method %q has no Weights function", m.Name)
	case slices.ContainsFunc(registry, func(o Method) bool { return o.Name == m.Name }):
		return errors.Errorf("method %q is already registered", m.Name)
	}
	registry = append(registry, m)
	return nil
}

// ByName returns a registered method.
func ByName(name string) (Method, error) {
	for _, m := range registry {
		if m.Name == name {
			return m, nil
		}
	}
	return Method{}, errors.Errorf("unknown method %q: use %s", name, strings.Join(Names(), ", "))
}

// All returns the registered methods in registration order (IWSM, iDEM, then any others).
func All() []Method { return slices.Clone(registry) }

// Names returns the registered methods' names in registration order.
func Names() []string {
	out := make([]string, len(registry))
	for i, m := range registry {
		out[i] = m.Name
	}
	return out
}
