// Package method owns the training methods: a Method is a name, a description and the
// weights of a batch's score-matching errors. IWSM (importance weights p_t/p_{B,t},
// self-normalised per noise level) and iDEM (equal weights) are its two built-in values;
// the command line (`iwsm methods`), the trainer and the notebooks read the list from its
// registry (each method is a sampler kind of the diffusion trainer, experiment.Kind), so an
// ablation (tempered or clipped weights, another normalisation) is one new file and one
// Register call, and needs no change anywhere else.
//
// In the data path it sits after the estimator, whose log-densities it combines, and before
// the training loop, which multiplies the errors by its weights. BlackJAX's SMC, which takes
// its weighting as an argument (log_weight_fn), is the model.
package method
