package target

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// The two-mode family's defaults (TwoModes): the weight of the first mode and the distance
// between the two means, in units of the components' standard deviation (which is 1).
const (
	TwoModesWeight     = 2.0 / 3
	TwoModesSeparation = 8.0
	// TwoModesPrefix starts the names of the family's targets: "two-d16" is TwoModes(16,
	// TwoModesWeight, TwoModesSeparation); "two-d16-w0.5-sep6" sets the weight and separation.
	TwoModesPrefix = "two-d"
)

// TwoModesDims are the dimensions registered by name (two-d2 … two-d64), the dimensions of
// the dimension study (notebooks/09_dimension); ByName parses any other dimension too.
var TwoModesDims = []int{2, 4, 8, 16, 32, 64}

// TwoModes is the mixture w N(+a e₁, I_d) + (1 − w) N(−a e₁, I_d) in dimension d, with
// a = separation/2: two modes of unequal weight (default 2/3 and 1/3) whose means lie on
// the first axis, separation standard deviations apart (default 8), the same in every d.
// It is the family of the dimension study: what changes with d is only the d − 1 Gaussian
// directions around the modes, in which a sampler's samples, the Monte Carlo estimate of
// log p_t and the importance weights p_t/p_{B,t} all spread, so any degradation with d is that
// of the estimators, not of a harder landscape (Grenioux et al., arXiv 2504.08916, argue that
// importance sampling degrades with d; the IWSM paper's reviewers ask for this study).
//
// Why these numbers. Separation 8 makes the problem multi-modal: the density between the
// modes falls to e⁻⁸ ≈ 3·10⁻⁴ of a peak, so a sampler can settle in one mode, and the
// relative weight it gives the modes is a clear measure (evaluate.ModeTV equals |ŵ₁ − w₁|
// for two modes). It is reachable: at the largest noise σ_max = separation the noised
// marginal is unimodal (two Gaussians of common variance 1 + σ² are unimodal once their
// separation is at most 2√(1 + σ²)), so the reverse SDE starts from one basin and the modes
// split on its way down, as on GMM-40. The means lie on e₁ rather than the diagonal so that
// one input coordinate of the network carries the separation at every d (the MLP embeds
// each coordinate on its own); the density is the same up to a rotation.
//
// Coordinates: the sampler works in x/separation (Scale = separation), so that GMM-40's
// settings (iDEM's, on x/50) carry over (preset.TwoModes).
func TwoModes(d int, weight, separation float64) (*Target, error) {
	if d <= 0 {
		return nil, errors.Errorf("two-mode target: dimension must be positive, got %d", d)
	}
	if !(weight > 0 && weight < 1) {
		return nil, errors.Errorf("two-mode target: the first mode's weight must lie in (0, 1), got %g", weight)
	}
	if !(separation > 0) || math.IsInf(separation, 0) {
		return nil, errors.Errorf("two-mode target: separation must be positive and finite, got %g", separation)
	}
	a := separation / 2
	plus, minus := make([]float64, d), make([]float64, d)
	plus[0], minus[0] = a, -a
	mix, err := NewMixture([][]float64{plus, minus}, 1, []float64{weight, 1 - weight})
	if err != nil {
		return nil, errors.WithMessage(err, "two-mode target")
	}
	scaled := mix.Scaled(separation)
	name := TwoModesName(d, weight, separation)
	return &Target{Name: name, Dim: d, Scale: separation, Mixture: scaled, Energy: scaled.Energy(), EnergyAndGradient: scaled.EnergyAndGradient(),
		PlotHalfWidth: a + 4,
		Description: fmt.Sprintf("two Gaussians in %d-D, weights %.3g and %.3g, means ±%g e₁ (std 1), trained on x/%g",
			d, weight, 1-weight, a, separation)}, nil
}

// TwoModesName is the registry name of TwoModes(d, weight, separation): "two-dD" with the
// default weight and separation, "two-dD-wW-sepS" otherwise (ByName parses both).
func TwoModesName(d int, weight, separation float64) string {
	name := fmt.Sprintf("%s%d", TwoModesPrefix, d)
	if weight != TwoModesWeight || separation != TwoModesSeparation {
		name += fmt.Sprintf("-w%g-sep%g", weight, separation)
	}
	return name
}

// parseTwoModes builds the two-mode target a name "two-dD[-wW][-sepS]" describes.
func parseTwoModes(name string) (*Target, error) {
	bad := func(why string, args ...any) error {
		return errors.Errorf("target %q: %s (two-mode targets are named %sD, e.g. two-d16, or %sD-wW-sepS, e.g. two-d16-w0.5-sep6)",
			name, fmt.Sprintf(why, args...), TwoModesPrefix, TwoModesPrefix)
	}
	parts := strings.Split(strings.TrimPrefix(strings.ToLower(name), TwoModesPrefix), "-")
	d, err := strconv.Atoi(parts[0])
	if err != nil {
		return nil, bad("dimension %q is not an integer", parts[0])
	}
	if d <= 0 {
		return nil, bad("dimension must be positive, got %d", d)
	}
	weight, separation := TwoModesWeight, TwoModesSeparation
	for _, p := range parts[1:] {
		var v float64
		var err error
		switch {
		case strings.HasPrefix(p, "sep"):
			separation, err = strconv.ParseFloat(p[3:], 64)
			v = separation
		case strings.HasPrefix(p, "w"):
			weight, err = strconv.ParseFloat(p[1:], 64)
			v = weight
		default:
			return nil, bad("unknown part %q", p)
		}
		if err != nil || math.IsNaN(v) {
			return nil, bad("%q is not a number", p)
		}
	}
	t, err := TwoModes(d, weight, separation)
	if err != nil {
		return nil, errors.WithMessagef(err, "target %q", name)
	}
	return t, nil
}
