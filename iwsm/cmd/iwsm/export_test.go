package main

import (
	"errors"
	"strings"
	"testing"
)

// export and index refuse bad input with one line: no folders, a folder without runs.
func TestExportAndIndexErrors(t *testing.T) {
	empty := t.TempDir()
	var ue usageError
	if err := cmdExport([]string{"-out", empty}); !errors.As(err, &ue) {
		t.Errorf("export without results folders: %v, want a usage error", err)
	}
	for name, err := range map[string]error{
		"export": cmdExport([]string{"-out", t.TempDir(), empty}),
		"index":  cmdIndex([]string{empty}),
	} {
		if err == nil || !strings.Contains(err.Error(), "not a results folder") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s of a folder without runs: %v, want one line saying it is not a results folder", name, err)
		}
	}
}
