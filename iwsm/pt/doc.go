// Package pt is the classical baseline of the diffusion samplers: parallel tempering (replica
// exchange Monte Carlo). Many independent ladders of replicas at a geometric ladder of
// temperatures move by Metropolis-adjusted Langevin (or random-walk Metropolis) steps on
// exp(−E/T), with the target's compiled GoMLX energy and its autodiff gradient evaluated for
// all replicas at once (in float64, on either backend), and neighbouring temperatures swap
// states; the T = 1 replicas are the samples. The step sizes adapt per temperature during
// burn-in only; the swap acceptance per adjacent pair, the move acceptance per temperature
// and the number of energy and gradient evaluations are recorded per round of sweeps, so
// that its cost can be set against the diffusion methods' (experiment writes them into
// metrics.json).
//
// A Sampler is a sampler.Sampler whose steps are blocks of sweeps (the history's entries),
// checkpointed and resumed like a training run; Kind registers it as config.ParallelTempering
// ("pt"). It sits above target (whose energies it runs) and imports nothing above it.
package pt
