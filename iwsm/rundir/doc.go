// Package rundir owns a run's results folder: where it lies (ROOT/TARGET/BUDGET/RUN, Name),
// what it holds and in which files, who may write it (Lock), the record of a finished run
// (Record, metrics.json, with the history types of every sampler), and finding finished runs
// below a folder (Find). Everything else reads and writes a results folder through it, so
// the layout is spelled once:
//
//	config.json     the run's configuration (with the seed)
//	metrics.json    Record: metrics, per-step history, wall time, backend, versions, files
//	samples.npy     generated samples, N×d in the target's coordinates
//	energies.npy    their energies E(x)
//	reference.npy   the reference samples the metrics used (target coordinates), if any
//	weights.npy     the last training batch's importance weights: B×2 rows (σ(t), weight),
//	                self-normalised per noise level (mean 1 within a level; all 1 for iDEM)
//	checkpoint/     the sampler's state (Sampler.Save), from which a run resumes
//	figures/        every figure as PNG, SVG and PDF, one paper column wide
//	run.lock        present while a process writes the folder (Lock)
//
// It sits below the samplers (their histories are its types) and above evaluate (whose
// metrics a Record holds).
package rundir
