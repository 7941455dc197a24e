package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

// iwsm rundir prints the folder of the rule for the flags iwsm train takes.
func TestRunDirCommand(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-results", "R", "-target", "gmm40", "-method", "idem", "-budget", "cpu", "-seed", "2", "-set", "augment_fraction=0.1"}, "R/gmm40/cpu/idem+augment_fraction=0.1-seed2"},
		{[]string{"-results", "R", "-target", "gmm120", "-method", "iwsm", "-budget", "cpu", "-seed", "3"}, "R/gmm120/cpu/iwsm-seed3"},
		{[]string{"-results", "R", "-target", "gmm40", "-budget", "cpu", "-seed", "1", "-set", "augment_fraction=0.05", "-set", "time_groups=4"}, "R/gmm40/cpu/iwsm+time_groups=4,augment_fraction=0.05-seed1"},
	} {
		r, w, _ := os.Pipe()
		old := os.Stdout
		os.Stdout = w
		err := cmdRunDir(c.args)
		os.Stdout = old
		w.Close()
		var out bytes.Buffer
		io.Copy(&out, r)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if got := strings.TrimSpace(out.String()); got != c.want {
			t.Errorf("%v: %q, want %q", c.args, got, c.want)
		}
	}
	if err := cmdRunDir([]string{"-target", "gmm40", "-set", "kk=1"}); err == nil || !strings.Contains(err.Error(), "kk") {
		t.Errorf("a bad override: %v", err)
	}
}
