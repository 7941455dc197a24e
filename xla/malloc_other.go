//go:build !linux || !cgo

package xla

// mallocTuned is false without cgo or off Linux (see MallocTuned).
func mallocTuned() bool { return false }
