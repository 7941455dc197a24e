// Package metrics implements the sample-quality metrics used to evaluate Boltzmann
// samplers in iDEM (Akhound-Sadegh et al. 2024, arXiv 2402.06121, code github.com/jarridrb/DEM)
// and IWSM (arXiv 2505.19431): the 2-Wasserstein distance between sample sets (x-W2), the
// 1-D Wasserstein distance between energies (E-W2), histogram total-variation distances
// (energy TVD, interatomic-distance TVD) and mixture mode coverage; and, for the evaluation
// script of the IWSM code (plot_and_metric.py in Wastedzz/DEM), exact W1 and W2 between
// sets with repeated rows (W1W2, on the transportation solver Transport) and the TV of
// 2-D sample histograms (ReferenceHistogram2DTVD). Package evaluate names
// them (its metric registry) and applies them to a run; the effective sample size of the
// importance weights is computed in the training graph (package estimator).
//
// Everything is plain float64 Go with no accelerator. Where iDEM's Python code fixes a
// convention (square root or not, bin edges, normalisation), the doc comment of the
// function that reproduces it quotes the convention and the DEM file it comes from, so
// that numbers computed here are directly comparable with the published tables.
//
// Sample sets are [][]float64: one row per sample, all rows of the same length. Particle
// configurations are flattened row-major as [particle][coordinate], as in DEM.
//
// Invalid input (empty sets, mismatched sizes or dimensions, NaN or ±Inf values) is
// reported as an error rather than propagated as NaN.
package metrics
