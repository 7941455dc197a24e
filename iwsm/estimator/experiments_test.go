package estimator_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/iwsm/train"
	"github.com/iwsm-go/iwsm/xla"
)

// TestE1ESSPerLevel is experiment E1 of issue 14 (skipped unless IWSM_E1 is set; about two
// minutes on 2 cores): the importance weights' normalised ESS per noise level, averaged over
// each of the first IWSM_E1_EPOCHS (default 2) epochs of GMM-40 IWSM at the cpu budget, seed 1.
// Run it on the code before and after a change of the weights to compare:
//
//	IWSM_E1=1 go test ./iwsm/estimator/ -run TestE1ESSPerLevel -v -timeout 30m
func TestE1ESSPerLevel(t *testing.T) {
	if os.Getenv("IWSM_E1") == "" {
		t.Skip("experiment E1: set IWSM_E1=1 to run")
	}
	epochs := 2
	if v := os.Getenv("IWSM_E1_EPOCHS"); v != "" {
		fmt.Sscan(v, &epochs)
	}
	backend, err := xla.NewGoBackend()
	if err != nil {
		t.Fatal(err)
	}
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := target.DefaultConfig("gmm40", "iwsm", "cpu")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Seed, cfg.Epochs = 1, epochs
	tr, err := train.New(backend, tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for e := 0; e < epochs; e++ {
		st, err := tr.Epoch()
		if err != nil {
			t.Fatal(err)
		}
		row := []string{fmt.Sprintf("epoch %d ESS %.3f:", st.Epoch, st.ESS)}
		for _, v := range st.ESSByLevel {
			row = append(row, fmt.Sprintf("%.3f", v))
		}
		lines = append(lines, strings.Join(row, " "))
	}
	sig := []string{"sigma:"}
	for _, s := range tr.LevelSigmas() {
		sig = append(sig, fmt.Sprintf("%.3g", s))
	}
	t.Log(strings.Join(sig, " "))
	for _, l := range lines {
		t.Log(l)
	}
}
