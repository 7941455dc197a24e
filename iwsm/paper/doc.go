// Package paper exports the runs of one target as a paper's figure and table, in one call
// (Write) or one command (`iwsm export -out DIR RESULTS_DIR...`):
//
//	TARGET-figure-1col.pdf/.svg/.png   3.3 in wide (one column of a two-column paper)
//	TARGET-figure-2col.pdf/.svg/.png   6.9 in wide (both columns, figure*)
//	TARGET-table.tex                   booktabs table: mean ± std over seeds, \caption, \label
//	TARGET-figure.tex                  the figure environment with its caption and \label
//
// The figure compares one run per method (the first seed unless one is chosen): for 2-D
// targets each method's samples over the target's contours on the same axes, and for every
// target the energy histograms (particle systems: and the interatomic-distance histograms) of
// the methods over the reference's, each method in the same colour in every panel. The table
// averages every run of the target at the budget over its seeds. Fonts are embedded in the
// PDF and sized for print at the figure's real width (7–9 pt).
package paper
