// Package notebook holds the few helpers every reproduction notebook shares: the run budget
// (one setting, overridable from the environment so CI runs every notebook at `smoke`), the
// results folder, the seeds, stopping a cell with one readable line instead of a panic
// trace, and inline Markdown. Outside a notebook the display calls print plain text.
//
// # Results folders
//
// Every run lives in a folder named by its target, budget, method, overrides and seed alone
// (experiment.RunDir, rundir.Path; RunDirOf here), under IWSM_RESULTS (default "results"):
//
//	RESULTS/TARGET/BUDGET/METHOD-seedS                          the budget's default settings
//	RESULTS/TARGET/BUDGET/METHOD+KEY=VALUE,KEY=VALUE,...-seedS  with overrides
//
// The overrides are config.Diff of the run's configuration against its preset for the method
// at the budget (preset.Overrides): "key=value" in the order of config.Config's fields (not the order
// they were given in), nested keys with a dot and the field name as config.json writes it
// (net.Hidden), values as Go's %v prints them (0.1, 4, 1e-05, true), joined by commas with
// no spaces; a setting given its default value is no override. So
// `iwsm train -out DIR -target gmm40 -method idem -budget cpu -seed 2 -set augment_fraction=0.1`
// belongs in DIR = RESULTS/gmm40/cpu/idem+augment_fraction=0.1-seed2, and
// `iwsm train -out DIR -target gmm40 -method iwsm -budget cpu -seed 1 -set augment_fraction=0.05
// -set time_groups=4` in RESULTS/gmm40/cpu/iwsm+time_groups=4,augment_fraction=0.05-seed1; `iwsm rundir` with the
// same flags prints the folder. A notebook that finds a finished run of the same settings
// there loads it instead of training (TrainOrLoad).
package notebook
