package xla_test

import (
	"fmt"

	"github.com/iwsm-go/iwsm/xla"
)

// Resolve explains which backend a request gets on a machine without PJRT plugins.
func ExampleResolve() {
	c, _ := xla.Resolve("xla:cpu", nil, false, func(string) bool { return false })
	fmt.Println(c.Config, c.FellBack)
	// Output: go true
}
