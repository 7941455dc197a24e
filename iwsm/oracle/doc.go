// Package oracle is the Monte Carlo oracle: samples from the reverse SDE driven, at every
// step, by the K-sample Monte Carlo estimate of the noised score itself, with no network
// (the test_oracle mode of the IWSM paper's code, configs/eval.yaml, K = 1000). What a
// network trained on this estimator could at best learn, with this SDE: the distance of its
// samples to the target is what the estimator and the SDE cost; a trained method's distance
// beyond it is what the training costs.
//
// It is a sampler.Sampler with no steps (nothing is trained): Samples integrates the SDE.
package oracle
