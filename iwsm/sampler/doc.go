// Package sampler is the one interface every sampling algorithm of the project implements,
// in the spirit of BlackJAX's SamplingAlgorithm (an init and a step with plain data between
// them): the diffusion trainer of IWSM, iDEM and their variants (a step is an epoch),
// parallel tempering (a step is a block of sweeps), the Monte Carlo oracle (no steps: its
// samples come from the estimator itself), and whatever a user registers. A Kind names an
// algorithm and makes or resumes one; Run drives a Sampler step by step with Hooks
// (checkpoints, a progress bar, a notebook's own), so the loop is written once.
//
// The state lives in the Sampler value rather than in a value passed between calls: a
// diffusion trainer's network and optimiser live on the device. Save and a Kind's Resume make
// it a checkpoint and back, so a run can stop and continue anywhere between steps.
package sampler
