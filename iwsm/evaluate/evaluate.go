package evaluate

import (
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/metrics"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// SampleSet is a set of configurations of a target with what every metric and figure needs
// of them, computed once: the rows in the sampler's and in the target's coordinates, their
// energies and, for particle systems, their interatomic distances.
type SampleSet struct {
	// Sampler holds the rows in the coordinates the diffusion runs in; Rows the same rows
	// in the target's own coordinates (Sampler × Target.Scale).
	Sampler, Rows [][]float64
	// Energies are E(x) of each row.
	Energies []float64
	// Distances are the interatomic distances of every row, concatenated (particle systems
	// only).
	Distances []float64
}

// NewSampleSet validates rows of t given in the sampler's coordinates and computes their
// energies (and distances) on backend.
func NewSampleSet(backend compute.Backend, t *target.Target, samplerRows [][]float64) (SampleSet, error) {
	energies, err := target.Energies(backend, t, samplerRows) // checks the rows (target.Target.CheckRows)
	if err != nil {
		return SampleSet{}, err
	}
	s := SampleSet{Sampler: samplerRows, Rows: t.ToTargetCoords(samplerRows), Energies: energies}
	if t.IsParticleSystem() {
		s.Distances = Distances(t, s.Rows)
	}
	return s, nil
}

// Len is the number of rows.
func (s SampleSet) Len() int { return len(s.Sampler) }

// head returns the first n rows of s (n ≤ Len).
func (s SampleSet) head(n int) SampleSet {
	if n >= s.Len() {
		return s
	}
	out := SampleSet{Sampler: s.Sampler[:n], Rows: s.Rows[:n], Energies: s.Energies[:n]}
	if s.Distances != nil {
		per := len(s.Distances) / s.Len()
		out.Distances = s.Distances[:n*per]
	}
	return out
}

// ReferenceSeedStream is the PCG stream from which reference samples are drawn for a seed:
// the same seed always compares against the same reference, whoever asks (a run, `iwsm
// eval`).
const ReferenceSeedStream = 99

// Reference returns n reference samples of t for seed in the sampler's coordinates
// (target.Target.Reference, drawn from the seed's reference stream).
func Reference(t *target.Target, n int, seed int64) ([][]float64, error) {
	return t.Reference(n, rand.New(rand.NewPCG(uint64(seed), ReferenceSeedStream)))
}

// ReferenceFromTarget prepares reference samples given in the target's own coordinates (a
// user's file): checks them, converts them to the sampler's coordinates and removes each
// configuration's centre of mass for particle systems. Errors are InputErrors.
func ReferenceFromTarget(t *target.Target, rows [][]float64) ([][]float64, error) {
	if err := t.CheckRows(rows); err != nil {
		return nil, &InputError{referenceSet, err}
	}
	return t.SamplerRows(rows), nil
}

// Evaluation compares generated samples with reference samples of the same target under a
// protocol, with every registered metric of that protocol that applies to the target.
type Evaluation struct {
	Target *target.Target
	// Protocol is the evaluation protocol ("" is IDEM).
	Protocol Protocol
	// Generated and Reference are the compared sets (N rows each): under IDEM the first N
	// of each, under Paper the generated samples resampled to the reference's size.
	Generated, Reference SampleSet
	// Dropped is the number of generated samples the Paper protocol dropped for a
	// non-finite coordinate.
	Dropped int
	// Metrics holds every metric of the protocol that applies to the target, in registry
	// order, and any stored values of other metrics (Complete).
	Metrics Metrics

	modes *metrics.Modes // mode coverage, computed once for the metrics that share it
	w1w2  *[2]float64    // exact W1 and W2, computed once for the metrics that share them
}

// Evaluate compares generated with reference (the first min(len) rows of each) under the
// IDEM protocol and computes every registered IDEM metric that applies to the target
// (EvaluateRows and EvaluatePaper choose the protocol). A coordinate beyond MaxCoordinate
// or a non-finite energy in either set is an InputError naming the row.
func Evaluate(t *target.Target, generated, reference SampleSet) (*Evaluation, error) {
	if generated.Len() == 0 || reference.Len() == 0 {
		return nil, errors.Errorf("target %s: nothing to evaluate (%d generated and %d reference samples)", t.Name, generated.Len(), reference.Len())
	}
	n := min(generated.Len(), reference.Len())
	e := &Evaluation{Target: t, Generated: generated.head(n), Reference: reference.head(n)}
	for _, s := range []struct {
		set  SampleSet
		what string
	}{{e.Generated, generatedSet}, {e.Reference, referenceSet}} {
		if err := checkMagnitude(s.set.Rows, s.what); err != nil {
			return nil, err
		}
		if err := checkEnergies(s.set, s.what); err != nil {
			return nil, err
		}
	}
	if err := e.Complete(); err != nil {
		return nil, err
	}
	return e, nil
}

// Complete computes every registered metric of e.Protocol that applies to the target and
// is missing from e.Metrics, keeping the values already there: a finished run read back
// (Restore) gets the metrics registered after it was written, computed from its stored
// samples. The metrics come out in registry order (stored values of other protocols'
// metrics keep their place in it), followed by stored values of metrics not registered in
// this process.
func (e *Evaluation) Complete() error {
	var out Metrics
	for _, m := range registry {
		if m.Applies != nil && !m.Applies(e.Target) {
			continue
		}
		if v, ok := e.Metrics.Get(m.Name); ok {
			out = append(out, Value{Name: m.Name, Value: v})
			continue
		}
		if m.Protocol.orDefault() != e.Protocol.orDefault() {
			continue
		}
		v, err := m.Compute(e)
		if err != nil {
			return errors.WithMessagef(err, "metric %s", m.Name)
		}
		out = append(out, Value{Name: m.Name, Value: v})
	}
	for _, v := range e.Metrics {
		if _, ok := out.Get(v.Name); !ok {
			out = append(out, v)
		}
	}
	e.Metrics = out
	return nil
}

// N is the number of samples compared on each side.
func (e *Evaluation) N() int { return e.Generated.Len() }

// modeCoverage computes the mixture's mode coverage once (assignModes).
func (e *Evaluation) modeCoverage() (metrics.Modes, error) {
	if e.modes != nil {
		return *e.modes, nil
	}
	modes, err := assignModes(e.Target.Mixture, e.Generated.Sampler)
	if err != nil {
		return modes, errors.WithMessage(err, "mode coverage")
	}
	e.modes = &modes
	return modes, nil
}

// Restore rebuilds the IDEM evaluation of a finished run from its stored sets and metrics
// (experiment.Load), without computing the metrics again.
func Restore(t *target.Target, generated, reference SampleSet, m Metrics) *Evaluation {
	n := min(generated.Len(), reference.Len())
	return &Evaluation{Target: t, Generated: generated.head(n), Reference: reference.head(n), Metrics: m}
}

// Distances returns the interatomic distances of every row of a particle system (target
// coordinates), concatenated.
func Distances(t *target.Target, rows [][]float64) []float64 {
	var d []float64
	for _, r := range rows {
		d = append(d, metrics.InteratomicDistances(r, t.Particles, t.SpatialDim)...)
	}
	return d
}

// Floor evaluates n samples of the target itself against the reference a run of seed is
// scored on, as a run's samples are: exact draws for mixtures (from another stream than the
// reference's), held-out validation samples otherwise (target.Target.Validation). No sampler
// can score much below it with n samples: the finite-sample floor every distance is read
// against. A target without either is an error.
func Floor(backend compute.Backend, t *target.Target, n int, seed int64) (*Evaluation, error) {
	var own [][]float64
	var err error
	if t.DrawsExactly() {
		own, err = t.Reference(n, rand.New(rand.NewPCG(uint64(seed), ReferenceSeedStream+1)))
	} else {
		own, err = t.Validation(n, uint64(seed))
	}
	if err == nil && len(own) == 0 {
		err = errors.Errorf("target %s has no validation samples to read a floor from", t.Name)
	}
	if err != nil {
		return nil, errors.WithMessagef(err, "the floor of %s", t.Name)
	}
	ref, err := Reference(t, len(own), seed)
	if err != nil {
		return nil, err
	}
	gen, err := NewSampleSet(backend, t, own)
	if err != nil {
		return nil, err
	}
	rs, err := NewSampleSet(backend, t, ref)
	if err != nil {
		return nil, err
	}
	return Evaluate(t, gen, rs)
}
