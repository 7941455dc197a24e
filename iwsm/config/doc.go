// Package config owns the settings of one run: the plain data that, with a target and a
// seed, makes a run reproducible, written as config.json next to its results, with the
// overrides (-config, -set), the difference of two configurations (Diff, a run's label) and
// what a resumed run may change (CheckResume). It knows nothing about targets or methods by
// name: package preset maps them to a configuration per budget.
package config
