// Package net holds the score networks s_θ(x, t): a time-conditioned MLP for low-dimensional
// targets (iDEM's MyMLP design: sinusoidal embeddings of each coordinate and of time,
// followed by a SiLU MLP) and the E(n)-equivariant graph network (EGNN) for particle systems.
package net
