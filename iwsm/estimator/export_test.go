package estimator

import . "github.com/gomlx/gomlx/core/graph"

// BufferLogDensityDirect, PaddedBufferLogDensityDirect and DirectDim expose BufferLogDensity's
// direct float32 path (which it takes on XLA) to the tests, so that both backends test it.
var (
	BufferLogDensityDirect = func(xt, sigma, buffer *Node, dEff int) *Node {
		return bufferLogDensityDirect(xt, sigma, buffer, nil, dEff)
	}
	PaddedBufferLogDensityDirect = bufferLogDensityDirect
	DirectDim                    = directDim
)
