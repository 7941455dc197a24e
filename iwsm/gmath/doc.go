// Package gmath holds the small graph-level numerical helpers that GoMLX does not provide
// and that several IWSM packages need: a stable log-sum-exp, norm clipping, the
// centre-of-mass projection used by particle systems, InBatchChunks, which cuts a row-wise
// computation into independent pieces that the Go backend runs in parallel, and the host's
// rows ↔ row-major tensor data (AppendFlat32, Rows).
package gmath
