// Package sde owns the variance-exploding (VE) diffusion that IWSM and iDEM train and
// sample with: the geometric noise schedule σ(t), the forward kernel x_t = x_0 + σ(t) z, the
// reverse-time SDE integrated with Euler–Maruyama, the probability-flow ODE, the prior
// N(0, σ_max² I), and iDEM's "negative time" gradient steps. It takes a score function
// (ScoreFunc): the trainer passes its network, tests a closed-form score, and the first
// buffer of a mixture run the Monte Carlo estimate; it knows nothing about training.
//
// It is the second stage of the data path: target → sde → estimator → method → train →
// evaluate → report/experiment. As GoMLX's diffusion example keeps generate.go apart from
// train.go, generation here is apart from the training loop.
package sde
