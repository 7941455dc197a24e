// Package train owns the training loop of IWSM and of its baseline iDEM: the replay buffer
// of the sampler's own samples, the gradient step on the method-weighted score-matching
// loss (Adam, gradient clipping, skipped non-finite steps), iDEM's validation loss and
// learning-rate schedule, and checkpoints with exact resume. A run is Epoch after Epoch
// (refresh the buffer with the sampler, then gradient steps), and what happens around an
// epoch (validation, checkpoints, the progress bar, a user's own callback) is a Hook
// attached from outside, as GoMLX's train.Loop takes its callbacks.
//
// It uses the stages before it (target, sampler, estimator, method, config) and none after
// it: evaluation, figures and results folders are in packages evaluate, report and
// experiment.
package train
