// Package net holds the score networks s_θ(x, t): a time-conditioned MLP for low-dimensional
// targets (sinusoidal embeddings of each coordinate and of time, followed by a plain SiLU MLP
// or, with StyleIDEM, iDEM's own MyMLP: residual GELU blocks with PyTorch's initialisation)
// and the E(n)-equivariant graph network (EGNN) for particle systems.
package net
