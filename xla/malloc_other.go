//go:build !linux || !cgo

package xla

// tuneMalloc does nothing without cgo or off Linux (see TuneMalloc).
func tuneMalloc() bool { return false }
