// Package plot draws the figures of the IWSM experiments with gonum/plot: a 2-D target's
// energy contours with generated samples on top (the papers' GMM figure), and training
// curves. Figures are returned as *plot.Plot and encoded to PNG, SVG or PDF for notebooks
// (inline PNG) and papers (vector formats sized for a two-column layout).
package plot
