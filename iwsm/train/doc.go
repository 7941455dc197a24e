// Package train owns the training loop of IWSM and of its baseline iDEM: the replay buffer
// of the sampler's own samples, the gradient step on the method-weighted score-matching
// loss (Adam, gradient clipping, skipped non-finite steps), iDEM's validation loss and
// learning-rate schedule, and checkpoints with exact resume. A Trainer is a sampler.Sampler
// whose steps are epochs (refresh the buffer with the sampler, then gradient steps, then the
// validation every ValidateEvery epochs); sampler.Run drives it, and what happens around an
// epoch (checkpoints, the progress bar, a user's own callback) is a sampler.Hook attached from
// outside. Kind makes any method of the method registry a sampler kind.
//
// With Config.Devices > 1 the gradient step runs data parallel on that many devices of an
// XLA backend (Trainer.SetDevices, GoMLX's AutoSharding): the batch is split over the
// devices, the variables are replicated, and XLA reduces the gradients. The step's random
// numbers are drawn replicated, as one device draws them, so a run's numbers do not depend
// on the device count beyond rounding. Sampling, validation and evaluation run on one
// device.
//
// It uses the stages before it (config, target, sde, estimator, method) and the types of the
// run's record (rundir's history entries); evaluation, figures and results folders are in
// packages evaluate, report and experiment.
package train
