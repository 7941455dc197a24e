// Package evaluate owns the evaluation of generated samples against a target's reference:
// a SampleSet computes the energies (and interatomic distances) of a set once, Evaluate
// compares two sets with every registered Metric that applies to the target (x-W2, E-W2,
// energy and distance TVD, mode coverage and mode TV, in iDEM's conventions), and Metrics
// holds the named values that metrics.json, the tables and the notebooks read. Reference
// draws the reference samples for a seed, the same for a run and for `iwsm eval`.
//
// The numerical definitions live in package metrics (plain float64 host code); this package
// names them and applies them to a run. Figures are drawn from an Evaluation's sets, never
// recomputed.
package evaluate
