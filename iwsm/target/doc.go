// Package target defines the unnormalised target densities π(x) ∝ exp(-E(x)) that IWSM
// learns to sample: Gaussian mixtures (GMM-40, its unequal-weight variant GMM-40w, GMM-120), the double-well particle system
// DW-4 and the Lennard-Jones clusters LJ-13 and LJ-55, plus user-defined energies. A target is
// what a density is (energy, dimension, particle structure, reference and validation data)
// and what it can do (Project, DrawsExactly, Plots2D); how runs on it are configured is its
// preset (package preset).
//
// An energy is a Go function over GoMLX graph nodes, so scores come from autodiff and a
// user can write a new target in one notebook cell:
//
//	ring := target.New("ring", 2, func(x *graph.Node) *graph.Node {
//		r := graph.L2Norm(x, -1)               // [..., 1]
//		return graph.Squeeze(graph.MulScalar(graph.Square(graph.AddScalar(r, -3)), 8), -1)
//	})
package target
