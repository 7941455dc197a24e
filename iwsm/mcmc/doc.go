// Package mcmc draws reference samples of Lennard-Jones clusters by long Metropolis
// Monte Carlo runs, for targets without published reference data (LJ-55). It is plain host
// Go: single-particle moves need only the n pair terms of the moved particle, so a sweep of
// an LJ-55 cluster costs microseconds and a converged chain seconds.
//
// The energy is the one the sampler learns (target.LennardJonesEnergy with ε = r_m = 1 and
// harmonic scale 1): E(x) = 2 Σ_{i<j} [d_ij⁻¹² − 2 d_ij⁻⁶] + ½ Σ_i ||x_i − x̄||², the density
// exp(−E). The same code run on LJ-13 reproduces iDEM's published LJ-13 test split (see the
// package test), which is how the LJ-55 reference is checked.
package mcmc
