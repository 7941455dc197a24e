// Package evaluate owns the evaluation of generated samples against a target's reference:
// a SampleSet computes the energies (and interatomic distances) of a set once, Evaluate
// compares two sets with every registered Metric that applies to the target (x-W2, E-W2,
// energy and distance TVD, mode coverage and mode TV, in iDEM's conventions), and Metrics
// holds the named values that metrics.json, the tables and the notebooks read. Reference
// draws the reference samples for a seed, the same for a run and for `iwsm eval`.
//
// Two protocols decide what is compared (Protocol): IDEM, iDEM's (the default: N generated
// samples against N reference samples, the metrics above), and Paper, that of the IWSM
// code's evaluation script (mixture samples filtered and clamped, everything resampled to
// the reference's size, exact W1 and W2, √N-bin histogram TVs). EvaluateRows evaluates
// rows under either; every metric belongs to one protocol, and the names of Paper's end in
// "_paper", so one metrics.json and one table can hold both.
//
// The numerical definitions live in package metrics (plain float64 host code); this package
// names them and applies them to a run. Figures are drawn from an Evaluation's sets, never
// recomputed.
package evaluate
