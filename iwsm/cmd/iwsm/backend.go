package main

import (
	"flag"
	"fmt"

	"github.com/iwsm-go/iwsm/xla"
)

// cmdBackend prints the backend IWSM_BACKEND selects here: the choice and why, the plugin
// file with its wheel and PJRT version, and the device count. A strict request that cannot
// be met (IWSM_BACKEND='xla:cpu!' without a usable plugin) is an
// error, so scripts and CI can check that XLA really runs.
func cmdBackend(args []string) error {
	fs := flag.NewFlagSet("backend", flag.ContinueOnError)
	if err := parse(fs, args); err != nil {
		return err
	}
	info, err := xla.Current()
	if err != nil {
		return err
	}
	for _, line := range info.Lines() {
		fmt.Println(line)
	}
	return nil
}
