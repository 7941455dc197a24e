// Package config owns the settings of one training run: the plain data that, with a target
// and a seed, makes a run reproducible, written as config.json next to its results. It knows
// nothing about targets or methods by name: each target supplies its own defaults per budget
// (target.Target.Config), and each method is a value of the method package; this package
// holds the shared defaults and the budget reductions they start from.
package config
