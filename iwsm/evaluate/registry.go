package evaluate

import (
	"bytes"
	"encoding/json"
	"math"

	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/metrics"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// Metric is a named measure of generated samples against reference samples, as GoMLX's
// train/metric gives each metric a Name and a ShortName: Name is its key in metrics.json and
// in tables, ShortName the column header a paper prints.
type Metric struct {
	// Name is the metric's key; it ends in its protocol's Suffix ("_paper").
	// ShortName is a column header; that of a metric of a protocol other than IDEM names
	// the protocol ("W2 (paper)").
	Name, ShortName string
	// Protocol is the protocol whose evaluations compute the metric ("" is IDEM).
	Protocol Protocol
	// Description says what is measured, in one line.
	Description string
	// Applies reports whether the metric is defined for a target (nil: always).
	Applies func(t *target.Target) bool
	// Compute evaluates the metric.
	Compute func(e *Evaluation) (float64, error)
}

// MinModeShare: a mode counts as covered when it holds at least this fraction of its
// expected share of the samples (its true weight: 1/K for K equal weights).
const MinModeShare = 0.1

// NearStds is the radius of NearReference in component standard deviations, OutBoxFactor
// the multiple of the mixture's box beyond which OutOfBox counts a sample.
const (
	NearStds     = 4
	OutBoxFactor = 1.5
)

func isMixture(t *target.Target) bool   { return t.Mixture != nil }
func isParticles(t *target.Target) bool { return t.IsParticleSystem() }

// The registered metrics, in the order metrics.json and default tables list them. Keys follow
// iDEM's names.
var (
	// Count is the number of generated and of reference samples compared.
	Count = Metric{Name: "n", ShortName: "n", Description: "number of generated and of reference samples compared",
		Compute: func(e *Evaluation) (float64, error) { return float64(e.N()), nil }}
	// XW2 is the exact 2-Wasserstein distance between generated and reference samples in the
	// target's own coordinates (√ of the optimal mean squared-Euclidean cost, as iDEM).
	XW2 = Metric{Name: "x_w2", ShortName: "x-W2", Description: "exact 2-Wasserstein distance of the samples (target coordinates)",
		Compute: func(e *Evaluation) (float64, error) { return metrics.W2(e.Generated.Rows, e.Reference.Rows) }}
	// EW2 is iDEM's energy W2: the squared 1-D W2 between the two sets of energies.
	EW2 = Metric{Name: "e_w2", ShortName: "E-W2", Description: "squared 1-D 2-Wasserstein distance of the energies (iDEM's E-W2)",
		Compute: func(e *Evaluation) (float64, error) {
			return metrics.EnergyW2(e.Generated.Energies, e.Reference.Energies)
		}}
	// ModesCovered counts mixture components holding at least MinModeShare of the mass they
	// should hold.
	ModesCovered = Metric{Name: "modes_covered", ShortName: "modes", Description: "mixture components holding ≥ 10 % of their expected share of the samples",
		Applies: isMixture, Compute: func(e *Evaluation) (float64, error) {
			m, err := e.modeCoverage()
			return float64(m.Covered), err
		}}
	// Modes is the number of mixture components.
	Modes = Metric{Name: "modes", ShortName: "K", Description: "number of mixture components",
		Applies: isMixture, Compute: func(e *Evaluation) (float64, error) { return float64(len(e.Target.Mixture.Means)), nil }}
	// ModeTV is the total variation between per-mode mass (samples assigned to the most
	// likely component) and the true weights.
	ModeTV = Metric{Name: "mode_tv", ShortName: "mode TV", Description: "total variation between the modes' sample mass and the true weights",
		Applies: isMixture, Compute: func(e *Evaluation) (float64, error) {
			m, err := e.modeCoverage()
			return m.TV, err
		}}
	// NearReference is the share of samples, in %, within NearStds component standard
	// deviations (Euclidean, target coordinates) of at least one reference sample (exact
	// draws): the part of the samples inside the region the mixture's mass occupies. Exact
	// draws against exact draws score about 100 % in 2-D; in d dimensions the nearest of n
	// draws lies about √(2d) standard deviations away, so the metric applies to 2-D mixtures
	// only (exact draws of two-d32 would score 0 %). scripts/summarize_runs.py's "near".
	NearReference = Metric{Name: "near_pct", ShortName: "near (%)", Description: "share of samples within 4 component standard deviations of some reference sample, in %",
		Applies: func(t *target.Target) bool { return isMixture(t) && t.Dim == 2 }, Compute: func(e *Evaluation) (float64, error) {
			t := e.Target
			share, err := metrics.NearShare(e.Generated.Rows, e.Reference.Rows, NearStds*t.Mixture.Std*t.Scale)
			return 100 * share, err
		}}
	// OutOfBox is the share of samples, in %, outside OutBoxFactor times the mixture's box
	// (target.Mixture.BoxHalfWidth: ‖x‖∞ > 60 for GMM-40 and GMM-120, whose means lie in
	// [-40, 40]²): samples thrown far from every mode. scripts/summarize_runs.py's "out".
	OutOfBox = Metric{Name: "out_pct", ShortName: "out (%)", Description: "share of samples outside 1.5× the mixture's box, in %",
		Applies: isMixture, Compute: func(e *Evaluation) (float64, error) {
			t := e.Target
			share, err := metrics.OutsideBox(e.Generated.Rows, OutBoxFactor*t.Mixture.BoxHalfWidth()*t.Scale)
			return 100 * share, err
		}}
	// DistTVD is the total variation between interatomic-distance histograms (200 bins).
	DistTVD = Metric{Name: "dist_tvd", ShortName: "D-TVD", Description: "total variation of the interatomic-distance histograms (200 bins)",
		Applies: isParticles, Compute: func(e *Evaluation) (float64, error) {
			return metrics.ReferenceHistogramTVD(e.Generated.Distances, e.Reference.Distances, metrics.TVDBins)
		}}
	// DistW2 is the 1-D 2-Wasserstein distance between the interatomic distances of the
	// generated and the reference configurations (all pairs of every configuration, pooled),
	// the "interatomic distance W2" of Aggarwal et al.'s tables.
	DistW2 = Metric{Name: "dist_w2", ShortName: "D-W2", Description: "2-Wasserstein distance of the interatomic distances (1-D, pooled)",
		Applies: isParticles, Compute: func(e *Evaluation) (float64, error) {
			return metrics.W2Scalar(e.Generated.Distances, e.Reference.Distances)
		}}
	// EnergyTVD is the total variation between energy histograms (200 bins).
	EnergyTVD = Metric{Name: "energy_tvd", ShortName: "E-TVD", Description: "total variation of the energy histograms (200 bins)",
		Compute: func(e *Evaluation) (float64, error) {
			return metrics.EnergyTVD(e.Generated.Energies, e.Reference.Energies)
		}}
)

// The metrics of the Paper protocol (plot_and_metric.py in Wastedzz/DEM), computed by
// EvaluatePaper on the generated samples resampled to the reference's size. Bins: PaperBins
// of the reference's size (100 for 10,000 samples), edges from the reference.
var (
	// CountPaper is the number of samples compared on each side: the reference's size.
	CountPaper = Metric{Name: "n_paper", ShortName: "n (paper)", Protocol: Paper,
		Description: "number of samples compared on each side (the reference's size; generated samples drawn with replacement)",
		Compute:     func(e *Evaluation) (float64, error) { return float64(e.N()), nil }}
	// DroppedPaper counts the generated samples of a mixture dropped for a non-finite
	// coordinate before resampling.
	DroppedPaper = Metric{Name: "dropped_paper", ShortName: "dropped (paper)", Protocol: Paper, Applies: isMixture,
		Description: "generated samples dropped for a NaN or ±Inf coordinate before resampling",
		Compute:     func(e *Evaluation) (float64, error) { return float64(e.Dropped), nil }}
	// W1Paper is the exact 1-Wasserstein distance with the Euclidean ground metric, target
	// coordinates, no alignment (the code's "1-Wasserstein": POT's emd2 on torch.cdist).
	W1Paper = Metric{Name: "w1_paper", ShortName: "W1 (paper)", Protocol: Paper,
		Description: "exact 1-Wasserstein distance of the samples (target coordinates, no alignment)",
		Compute: func(e *Evaluation) (float64, error) {
			w, err := e.wasserstein()
			return w[0], err
		}}
	// W2Paper is the exact 2-Wasserstein distance (the code's "2-Wasserstein": the square
	// root of POT's emd2 on the squared distances), as XW2 but on the Paper protocol's sets.
	W2Paper = Metric{Name: "w2_paper", ShortName: "W2 (paper)", Protocol: Paper,
		Description: "exact 2-Wasserstein distance of the samples (target coordinates, no alignment)",
		Compute: func(e *Evaluation) (float64, error) {
			w, err := e.wasserstein()
			return w[1], err
		}}
	// EnergyTVPaper is the TV distance between the histograms of the log-densities (the
	// negated energies) of generated and reference samples, on the reference's √N bins (the
	// code's "tv_energy").
	EnergyTVPaper = Metric{Name: "energy_tv_paper", ShortName: "E-TV (paper)", Protocol: Paper,
		Description: "total variation of the energy histograms (√N bins over the reference's range)",
		Compute: func(e *Evaluation) (float64, error) {
			return metrics.ReferenceHistogramTVD(negated(e.Generated.Energies), negated(e.Reference.Energies), PaperBins(e.Reference.Len()))
		}}
	// SampleTVPaper is the TV distance between the 2-D histograms of the first two
	// coordinates of a mixture's samples (target coordinates), on √N × √N cells over the
	// reference's box (the code's "tv_sample").
	SampleTVPaper = Metric{Name: "sample_tv_paper", ShortName: "x-TV (paper)", Protocol: Paper,
		Applies:     func(t *target.Target) bool { return isMixture(t) && t.Dim >= 2 },
		Description: "total variation of the 2-D sample histograms (√N × √N cells over the reference's box)",
		Compute: func(e *Evaluation) (float64, error) {
			return metrics.ReferenceHistogram2DTVD(e.Generated.Rows, e.Reference.Rows, PaperBins(e.Reference.Len()))
		}}
	// DistTVPaper is the TV distance between the histograms of all interatomic distances of
	// a particle system, on √N bins (N configurations) over the reference's range (the
	// code's "tv_dist").
	DistTVPaper = Metric{Name: "dist_tv_paper", ShortName: "D-TV (paper)", Protocol: Paper, Applies: isParticles,
		Description: "total variation of the interatomic-distance histograms (√N bins over the reference's range)",
		Compute: func(e *Evaluation) (float64, error) {
			return metrics.ReferenceHistogramTVD(e.Generated.Distances, e.Reference.Distances, PaperBins(e.Reference.Len()))
		}}
)

var registry = []Metric{Count, XW2, EW2, ModesCovered, Modes, ModeTV, NearReference, OutOfBox, DistTVD, DistW2, EnergyTVD,
	CountPaper, DroppedPaper, W1Paper, W2Paper, EnergyTVPaper, SampleTVPaper, DistTVPaper}

// Registered returns the registered metrics in order.
func Registered() []Metric { return append([]Metric(nil), registry...) }

// Register adds a metric, computed for every later evaluation under its protocol of the
// targets it applies to. The name of a metric of a protocol other than IDEM must end in the
// protocol's Suffix, and an IDEM metric's name in no protocol's suffix.
func Register(m Metric) error {
	if m.Name == "" || m.Compute == nil {
		return errors.New("a metric needs a Name and a Compute function")
	}
	if _, err := ParseProtocol(string(m.Protocol)); err != nil {
		return errors.WithMessagef(err, "metric %q", m.Name)
	}
	if p := m.Protocol.orDefault(); ProtocolOf(m.Name) != p {
		if p == IDEM {
			return errors.Errorf("metric %q: the name of an idem metric must not end in %q, the suffix of protocol %s", m.Name, ProtocolOf(m.Name).Suffix(), ProtocolOf(m.Name))
		}
		return errors.Errorf("metric %q of protocol %s: its name must end in %q", m.Name, p, p.Suffix())
	}
	for _, o := range registry {
		if o.Name == m.Name {
			return errors.Errorf("metric %q is already registered", m.Name)
		}
	}
	registry = append(registry, m)
	return nil
}

// Value is one metric's value.
type Value struct {
	Name  string
	Value float64
}

// Metrics are the values of an evaluation in registry order. In JSON they are one object,
// {"n": 1000, "x_w2": 4.9, ...}, in that order.
type Metrics []Value

// Get returns the value of the metric named name.
func (m Metrics) Get(name string) (float64, bool) {
	for _, v := range m {
		if v.Name == name {
			return v.Value, true
		}
	}
	return 0, false
}

// Of returns the value of metric, NaN when it was not computed (it does not apply to the
// target, or the results predate it).
func (m Metrics) Of(metric Metric) float64 {
	if v, ok := m.Get(metric.Name); ok {
		return v
	}
	return math.NaN()
}

// Merged returns m followed by the values of other whose names m lacks (m's values win):
// the metrics of one run's evaluations under two protocols, for one metrics.json.
func (m Metrics) Merged(other Metrics) Metrics {
	out := append(Metrics(nil), m...)
	for _, v := range other {
		if _, ok := m.Get(v.Name); !ok {
			out = append(out, v)
		}
	}
	return out
}

// MarshalJSON writes the values as one JSON object in order.
func (m Metrics) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, v := range m {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(v.Name)
		x, err := json.Marshal(v.Value)
		if err != nil {
			return nil, errors.Wrapf(err, "metric %s", v.Name)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(x)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads a JSON object of numbers, keeping its order.
func (m *Metrics) UnmarshalJSON(raw []byte) error {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		*m = nil // absent metrics (a target without reference samples)
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("metrics: want a JSON object of numbers")
	}
	*m = (*m)[:0]
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return errors.Wrap(err, "metrics")
		}
		name, _ := tok.(string)
		var v float64
		if err := dec.Decode(&v); err != nil {
			return errors.Wrapf(err, "metric %q", name)
		}
		*m = append(*m, Value{Name: name, Value: v})
	}
	if _, err := dec.Token(); err != nil {
		return errors.Wrap(err, "metrics")
	}
	return nil
}
