// Package gmath holds the small graph-level numerical helpers that GoMLX does not provide
// and that several IWSM packages need: a stable log-sum-exp, norm clipping and the
// centre-of-mass projection used by particle systems.
package gmath

import (
	. "github.com/gomlx/gomlx/core/graph"
)

// LogSumExp returns log Σ exp(x) over axis, computed stably by shifting with the maximum
// (GoMLX has no such op). The maximum is treated as a constant for autodiff, which leaves
// the gradient exact (it is softmax(x)) and avoids the sub-gradient of ReduceMax.
// Entries equal to -Inf are allowed as long as one entry per reduction is finite.
func LogSumExp(x *Node, axis int) *Node {
	m := StopGradient(ReduceAndKeep(x, ReduceMax, axis))
	// Guard all -Inf rows: keep the shift finite.
	m = Where(IsFinite(m), m, ZerosLike(m))
	s := ReduceSum(Exp(Sub(x, m)), axis)
	return Add(Log(s), Squeeze(m, axis))
}

// ClipByNorm rescales each vector along the last axis whose Euclidean norm exceeds maxNorm
// to have norm maxNorm (the score-norm clipping of iDEM and IWSM). maxNorm <= 0 disables it.
func ClipByNorm(x *Node, maxNorm float64) *Node {
	if maxNorm <= 0 {
		return x
	}
	return Mul(x, ClipScale(L2Norm(x, -1), maxNorm)) // L2Norm keeps the axis
}

// ClipScale returns min(1, maxNorm/norm), the factor that brings a vector of the given
// norm down to maxNorm (used for per-vector score clipping and global gradient clipping).
func ClipScale(norm *Node, maxNorm float64) *Node {
	return Min(OnesLike(norm), MulScalar(Inverse(Max(norm, Scalar(norm.Graph(), norm.DType(), 1e-12))), maxNorm))
}

// RemoveMean subtracts, for particle configurations flattened as [..., n*spatial], the
// centre of mass of the n particles, projecting onto the zero-centre-of-mass subspace.
func RemoveMean(x *Node, nParticles, spatialDim int) *Node {
	dims := x.Shape().Dimensions
	batch := dims[:len(dims)-1]
	p := Reshape(x, append(append([]int{}, batch...), nParticles, spatialDim)...)
	p = Sub(p, ReduceAndKeep(p, ReduceMean, -2))
	return Reshape(p, dims...)
}
