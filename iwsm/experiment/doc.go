// Package experiment runs one sampler end to end (step it with checkpoints, draw its
// samples, evaluate them against the target's reference, draw the figures) and writes it as
// a self-describing results folder (package rundir). The command line (`iwsm train`) and the
// notebooks call the same Run, so a notebook's numbers and a script's numbers come from one
// code path.
//
// It owns the list of samplers a run can name (Kind, Kinds, Register): every diffusion method
// of the method registry (run by train.Kind) and the others (parallel tempering, and what a
// user registers). Load reads a finished run back from its record and samples alone.
package experiment
