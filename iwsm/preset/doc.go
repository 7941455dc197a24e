// Package preset maps a run's (target, method, budget) to its configuration: the settings a
// target's runs use at the paper budget (iDEM's published ones for the benchmark targets,
// ../shared/DESIGN.md), and how each budget shrinks them to fit (smoke for CI, cpu for two
// cores). Targets hold what a density is (energy, dimension, symmetry, reference data);
// how to train on it lives here, so a built-in target is its file in package target and its
// entry in this package's registry.
//
// It sits above target and config and below everything that runs: `iwsm config`, `iwsm
// train`, experiment.RunDir and the notebooks' Config all start from For.
package preset
