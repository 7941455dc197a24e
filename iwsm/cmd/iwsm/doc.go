// Command iwsm runs and evaluates the samplers (IWSM, iDEM, their variants, parallel
// tempering, the Monte Carlo oracle, the data-trained reference) from the command line,
// through the same library calls the notebooks use.
//
//	iwsm targets
//	iwsm energy -target dw4 -in X.npy -out E.npy
//	iwsm methods
//	iwsm train -target gmm40 -method iwsm -budget smoke -seed 1 -out results/gmm40-iwsm [-set epochs=180]
//	iwsm sample -checkpoint results/gmm40-iwsm/checkpoint -n 1000 -out S.npy
//	iwsm eval -target dw4 -samples S.npy [-reference R.npy] [-protocol idem|paper] -out M.json
//	iwsm table [-out results/tables] [-protocol idem|paper] results
//	iwsm weights -target gmm40 -buffer B.npy -points X.npy -sigma 0.1 -out W.npy [-copies 10 -denominator as-coded]
//	iwsm export -out paper/ results/gmm40/cpu
//	iwsm index results          (writes results/index.html)
//	iwsm install-xla -plugin cpu      (on a connected machine; the only command that downloads)
//
// Errors print one line and exit with status 1 (2 for usage errors).
package main
