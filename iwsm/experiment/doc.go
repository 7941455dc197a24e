// Package experiment runs one IWSM or iDEM experiment end to end (train with checkpoints,
// sample, evaluate against the target's reference, draw the figures) and writes it as a
// self-describing results folder. The command line (`iwsm train`) and the notebooks call
// the same Run, so a notebook's numbers and a script's numbers come from one code path.
//
// A results folder holds:
//
//	config.json     the training configuration (with the seed)
//	metrics.json    metrics, per-epoch history, wall time, backend, Go and library versions
//	samples.npy     generated samples, N×d in the target's coordinates
//	energies.npy    their energies E(x)
//	reference.npy   the reference samples the metrics used (target coordinates), if any
//	weights.npy     the last training batch's importance weights: B×2 rows (σ(t), weight),
//	                self-normalised per noise level (mean 1 within a level; all 1 for iDEM)
//	checkpoint/     model, optimiser state, replay buffer, host RNG (resumable)
//	figures/        every figure as PNG, SVG and PDF, one paper column wide
package experiment
