package evaluate

import (
	"math"
	"math/rand/v2"
	"strings"

	"github.com/gomlx/compute"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/metrics"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// Protocol names an evaluation protocol: which samples are compared with which reference,
// and by which metrics. Each registered Metric belongs to one protocol, and the name of a
// metric of a protocol other than IDEM ends in that protocol's Suffix, so that one
// metrics.json can hold the values of both protocols and every table column says which
// protocol produced it ("w2_paper" beside iDEM's "x_w2").
type Protocol string

const (
	// IDEM is iDEM's protocol, the default: the generated samples as they are (a
	// non-finite one is an error) against as many reference samples (exact draws, or a
	// random subset of the test split), x-W2, E-W2, the 200-bin histogram TVDs and the mode
	// metrics. Its metric names carry no suffix.
	IDEM Protocol = "idem"
	// Paper is the protocol of the IWSM code's evaluation script (plot_and_metric.py in
	// the repository Wastedzz/DEM, which appears to be the paper's code): for mixtures,
	// generated samples with a non-finite coordinate are dropped and the rest clamped to
	// ± the target's normalisation factor (Target.Scale in target coordinates); the samples
	// are then drawn with replacement to the reference's size (PaperReference) and compared
	// by exact W1 and W2 and √N-bin histogram TVs (see the Paper metrics of the registry).
	// Its metric names end in "_paper".
	Paper Protocol = "paper"
)

// Protocols lists the protocols, the default first.
func Protocols() []Protocol { return []Protocol{IDEM, Paper} }

// ParseProtocol returns the protocol called name (case-insensitive; "" is IDEM) or an error
// naming the known protocols.
func ParseProtocol(name string) (Protocol, error) {
	if name == "" {
		return IDEM, nil
	}
	for _, p := range Protocols() {
		if strings.EqualFold(name, string(p)) {
			return p, nil
		}
	}
	return "", errors.Errorf("unknown evaluation protocol %q: the protocols are idem (iDEM's, the default) and paper (the IWSM code's plot_and_metric.py)", name)
}

// Suffix is the ending of the names of p's metrics: "" for IDEM, "_paper" for Paper.
func (p Protocol) Suffix() string {
	if p.orDefault() == IDEM {
		return ""
	}
	return "_" + string(p)
}

// orDefault maps the zero Protocol to IDEM.
func (p Protocol) orDefault() Protocol {
	if p == "" {
		return IDEM
	}
	return p
}

// ProtocolOf returns the protocol that produced the metric called name, from its suffix
// (IDEM when it has none): a table reads it to label a column.
func ProtocolOf(name string) Protocol {
	for _, p := range Protocols() {
		if s := p.Suffix(); s != "" && strings.HasSuffix(name, s) {
			return p
		}
	}
	return IDEM
}

// PaperReferenceSize is the number of exact draws the Paper protocol compares a mixture
// with (plot_and_metric.py builds its mixtures with test_set_size=10000).
const PaperReferenceSize = 10000

// PaperMaxTransport is the most generated samples the code's W1 and W2 use
// (randperm(N)[:10000]); the Paper protocol supports references of at most this size,
// where the two sets have the same size.
const PaperMaxTransport = 10000

// PaperReference returns the reference samples of the Paper protocol in the sampler's
// coordinates: PaperReferenceSize exact draws for seed for mixtures (the seed's
// reference stream, as Reference), the whole ReferenceSet otherwise (the code compares
// particle systems with their full test split).
func PaperReference(t *target.Target, seed int64) ([][]float64, error) {
	if t.Mixture != nil {
		return Reference(t, PaperReferenceSize, seed)
	}
	if t.ReferenceSet == nil {
		return Reference(t, 1, seed) // the error that says how to give a reference
	}
	return t.ReferenceSet()
}

// PaperResampleStream is the PCG stream from which the Paper protocol draws its resampling
// indices for a seed.
const PaperResampleStream = 0x9a9e5

// PaperResample prepares generated rows of t (sampler coordinates) as the Paper protocol
// does, and returns n rows drawn from them uniformly with replacement (the code's
// samples[torch.randint(0, N, (n,))]), reproducibly for seed, with the number of rows
// dropped. For mixtures, rows with a NaN or ±Inf coordinate are dropped first and, when
// clamp is true, every coordinate of the others is clamped to [−1, 1] in the sampler's
// coordinates, ± the normalisation factor Target.Scale in the target's (torch.clamp in
// plot_and_metric.py, which clamps in the units of the samples file: ± Scale for samples
// stored in the target's coordinates, as baselines' were; DEM's own samples, stored in the
// sampler's coordinates, were clamped to ± Scale there, in effect not at all).
// Particle systems are neither filtered nor clamped, as in the code: a non-finite
// coordinate there is an error naming the row. The returned rows are new slices; the
// input is not modified.
func PaperResample(t *target.Target, generated [][]float64, n int, seed int64, clamp bool) (rows [][]float64, dropped int, err error) {
	rows, _, dropped, err = paperResample(t, generated, n, seed, clamp)
	return rows, dropped, err
}

// paperResample is PaperResample, also returning the row of generated each resampled row
// comes from. Rows it keeps unclamped must lie within MaxCoordinate (target coordinates).
func paperResample(t *target.Target, generated [][]float64, n int, seed int64, clamp bool) (rows [][]float64, source []int, dropped int, err error) {
	if n < 1 {
		return nil, nil, 0, errors.Errorf("paper protocol: the number of resampled rows must be positive, got %d", n)
	}
	if len(generated) == 0 {
		return nil, nil, 0, &InputError{generatedSet, errors.Errorf("target %s: no samples given", t.Name)}
	}
	clamp = clamp && t.Mixture != nil
	var kept []int
	for i, r := range generated {
		if len(r) != t.Dim {
			return nil, nil, 0, &InputError{generatedSet, errors.Errorf("target %s expects dimension %d, but row %d has %d values", t.Name, t.Dim, i, len(r))}
		}
		if j := nonFinite(r); j >= 0 {
			if t.Mixture == nil {
				return nil, nil, 0, &InputError{generatedSet, errors.Errorf("row %d, column %d is %v: the paper protocol drops non-finite samples of mixtures only", i, j, r[j])}
			}
			dropped++
			continue
		}
		if !clamp {
			for j, v := range r {
				if math.Abs(v*t.Scale) > MaxCoordinate {
					return nil, nil, 0, &InputError{generatedSet, errors.Errorf("row %d, column %d is %g: coordinates beyond ±%g overflow the distances of the metrics", i, j, v*t.Scale, MaxCoordinate)}
				}
			}
		}
		kept = append(kept, i)
	}
	if len(kept) == 0 {
		return nil, nil, dropped, &InputError{generatedSet, errors.Errorf("all %d rows have a NaN or ±Inf coordinate", len(generated))}
	}
	rng := rand.New(rand.NewPCG(uint64(seed), PaperResampleStream))
	rows, source = make([][]float64, n), make([]int, n)
	for i := range rows {
		source[i] = kept[rng.IntN(len(kept))]
		row := append([]float64(nil), generated[source[i]]...)
		if clamp {
			for c, v := range row {
				row[c] = math.Max(-1, math.Min(1, v))
			}
		}
		rows[i] = row
	}
	return rows, source, dropped, nil
}

// nonFinite returns the index of the first NaN or ±Inf value of r, -1 if none.
func nonFinite(r []float64) int {
	for j, v := range r {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return j
		}
	}
	return -1
}

// MaxCoordinate bounds the absolute value of a coordinate, in the target's coordinates,
// that the metrics accept: beyond it squared distances can overflow float64.
const MaxCoordinate = 1e150

// checkMagnitude returns an error naming the first row of rows (target coordinates) with a
// coordinate beyond MaxCoordinate.
func checkMagnitude(rows [][]float64, what string) error {
	for i, r := range rows {
		for j, v := range r {
			if math.Abs(v) > MaxCoordinate {
				return &InputError{what, errors.Errorf("row %d, column %d is %g: coordinates beyond ±%g overflow the distances of the metrics", i, j, v, MaxCoordinate)}
			}
		}
	}
	return nil
}

// checkEnergies returns an error naming the first sample of s whose energy is NaN or ±Inf.
func checkEnergies(s SampleSet, what string) error {
	for i, e := range s.Energies {
		if math.IsNaN(e) || math.IsInf(e, 0) {
			return &InputError{what, errors.Errorf("row %d has energy %v: the metrics need finite energies", i, e)}
		}
	}
	return nil
}

// InputError is an error in one of the sets an evaluation compares: Set is "generated
// samples" or "reference samples", so that a caller can name the file it read the set from.
type InputError struct {
	Set string
	Err error
}

// Error returns "SET: ERR".
func (e *InputError) Error() string { return e.Set + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *InputError) Unwrap() error { return e.Err }

// The two sets an InputError can name.
const (
	generatedSet = "generated samples"
	referenceSet = "reference samples"
)

// GeneratedFromTarget prepares generated samples given in the target's own coordinates (a
// samples file) for EvaluateRows under protocol p: checks their dimension, converts them to
// the sampler's coordinates and removes each configuration's centre of mass for particle
// systems. A NaN or ±Inf value is an error naming its row and column, except for the rows
// of a mixture under Paper, which that protocol drops. Errors are InputErrors.
func GeneratedFromTarget(t *target.Target, rows [][]float64, p Protocol) ([][]float64, error) {
	if len(rows) == 0 {
		return nil, &InputError{generatedSet, errors.Errorf("target %s: no samples given", t.Name)}
	}
	for i, r := range rows {
		if len(r) != t.Dim {
			return nil, &InputError{generatedSet, errors.Errorf("target %s expects dimension %d, but row %d has %d values", t.Name, t.Dim, i, len(r))}
		}
		if j := nonFinite(r); j >= 0 && !(p.orDefault() == Paper && t.Mixture != nil) {
			return nil, &InputError{generatedSet, errors.Errorf("row %d, column %d is %v: samples must be finite", i, j, r[j])}
		}
	}
	return t.SamplerRows(rows), nil
}

// Options choose how EvaluateRows evaluates.
type Options struct {
	// Protocol is the evaluation protocol ("" is IDEM).
	Protocol Protocol
	// Seed draws the built-in reference samples and the Paper protocol's resampling.
	Seed int64
	// Reference, when non-nil, replaces the target's own reference samples (sampler
	// coordinates; a user's file goes through ReferenceFromTarget first). Under IDEM the
	// first min(len) rows of each side are compared.
	Reference [][]float64
	// NoClamp keeps, under Paper, a mixture's samples beyond ± its normalisation factor
	// as they are (see PaperResample).
	NoClamp bool
}

// EvaluateRows evaluates generated rows of t, given in the sampler's coordinates, under
// opt.Protocol: under IDEM against opt.Reference or as many reference samples drawn for
// opt.Seed (Reference), with the IDEM metrics (Evaluate); under Paper as EvaluatePaper
// does. Energies are computed on backend. Bad input gets an error naming the set, row and
// column: rows of the wrong dimension, non-finite values (under Paper, non-finite rows of
// a mixture are dropped instead), coordinates beyond MaxCoordinate, non-finite energies.
func EvaluateRows(backend compute.Backend, t *target.Target, generated [][]float64, opt Options) (*Evaluation, error) {
	switch opt.Protocol.orDefault() {
	case Paper:
		return EvaluatePaper(backend, t, generated, opt)
	case IDEM:
	default:
		_, err := ParseProtocol(string(opt.Protocol))
		return nil, err
	}
	if err := t.CheckRows(generated); err != nil {
		return nil, &InputError{generatedSet, err}
	}
	ref := opt.Reference
	if ref == nil {
		var err error
		if ref, err = Reference(t, len(generated), opt.Seed); err != nil {
			return nil, err
		}
	} else if err := t.CheckRows(ref); err != nil {
		return nil, &InputError{referenceSet, err}
	}
	gen, refSet, err := sampleSets(backend, t, generated, ref)
	if err != nil {
		return nil, err
	}
	return Evaluate(t, gen, refSet)
}

// sampleSets builds and checks the generated and reference sets of an evaluation.
func sampleSets(backend compute.Backend, t *target.Target, generated, reference [][]float64) (gen, ref SampleSet, err error) {
	for _, s := range []struct {
		rows [][]float64
		set  *SampleSet
		what string
	}{{generated, &gen, generatedSet}, {reference, &ref, referenceSet}} {
		if err := checkMagnitude(t.ToTargetCoords(s.rows), s.what); err != nil {
			return gen, ref, err
		}
		if *s.set, err = NewSampleSet(backend, t, s.rows); err != nil {
			return gen, ref, &InputError{s.what, err}
		}
		if err := checkEnergies(*s.set, s.what); err != nil {
			return gen, ref, err
		}
	}
	return gen, ref, nil
}

// EvaluatePaper evaluates generated rows of t (sampler coordinates) under the Paper
// protocol, whatever opt.Protocol says: the reference is opt.Reference (sampler
// coordinates) or, when nil, PaperReference(t, opt.Seed); the generated rows go through
// PaperResample to the reference's size (seeded by opt.Seed, clamped unless opt.NoClamp);
// then every registered Paper metric that applies to t is computed. The Evaluation's
// Generated set is the resampled one and Dropped counts the rows dropped. The reference
// must have at most PaperMaxTransport rows.
func EvaluatePaper(backend compute.Backend, t *target.Target, generated [][]float64, opt Options) (*Evaluation, error) {
	reference := opt.Reference
	if reference == nil {
		var err error
		if reference, err = PaperReference(t, opt.Seed); err != nil {
			return nil, err
		}
	}
	if err := t.CheckRows(reference); err != nil {
		return nil, &InputError{referenceSet, err}
	}
	if len(reference) > PaperMaxTransport {
		return nil, &InputError{referenceSet, errors.Errorf("%d rows; the paper protocol's W1 and W2 compare %d generated samples with the whole reference, so it takes at most %d reference rows",
			len(reference), PaperMaxTransport, PaperMaxTransport)}
	}
	rows, source, dropped, err := paperResample(t, generated, len(reference), opt.Seed, !opt.NoClamp)
	if err != nil {
		return nil, err
	}
	gen, err := NewSampleSet(backend, t, rows)
	if err != nil {
		return nil, &InputError{generatedSet, err}
	}
	for k, en := range gen.Energies { // name the row of the given set, not of the resampled one
		if math.IsNaN(en) || math.IsInf(en, 0) {
			return nil, &InputError{generatedSet, errors.Errorf("row %d has energy %v: the metrics need finite energies", source[k], en)}
		}
	}
	if err := checkMagnitude(t.ToTargetCoords(reference), referenceSet); err != nil {
		return nil, err
	}
	ref, err := NewSampleSet(backend, t, reference)
	if err != nil {
		return nil, &InputError{referenceSet, err}
	}
	if err := checkEnergies(ref, referenceSet); err != nil {
		return nil, err
	}
	e := &Evaluation{Target: t, Protocol: Paper, Generated: gen, Reference: ref, Dropped: dropped}
	if err := e.Complete(); err != nil {
		return nil, err
	}
	return e, nil
}

// PaperBins is the number of histogram bins of the Paper protocol's TVs for a reference
// of n samples: int(sqrt(n)), 100 for 10,000 (plot_and_metric.py's bins).
func PaperBins(n int) int {
	b := int(math.Sqrt(float64(n)))
	for (b+1)*(b+1) <= n { // guard against rounding below an exact square
		b++
	}
	return max(b, 1)
}

// wasserstein computes the exact W1 and W2 of the compared sets (target coordinates) once
// for the metrics that share them.
func (e *Evaluation) wasserstein() ([2]float64, error) {
	if e.w1w2 != nil {
		return *e.w1w2, nil
	}
	w1, w2, err := metrics.W1W2(e.Generated.Rows, e.Reference.Rows)
	if err != nil {
		return [2]float64{}, err
	}
	e.w1w2 = &[2]float64{w1, w2}
	return *e.w1w2, nil
}

// negated returns −x: the code histograms log-densities, the negated energies, and numpy's
// half-open bins make the sign matter on bin edges.
func negated(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = -v
	}
	return out
}
