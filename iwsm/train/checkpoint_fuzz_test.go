package train

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/checkpoint"

	"github.com/iwsm-go/iwsm/iwsm/method"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// oneLineError fails t when err's message spans several lines.
func oneLineError(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Fatalf("error spans several lines: %q", err)
	}
}

// FuzzReadConfig decodes arbitrary bytes as a checkpoint's config.json (as `iwsm sample`
// and a resumed run do) and validates the result: an error or a configuration, never a
// panic. Seeds (testdata/fuzz/FuzzReadConfig): the config.json of a smoke results folder.
func FuzzReadConfig(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.json"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := ReadConfig(dir)
		oneLineError(t, err)
		if err != nil {
			return
		}
		oneLineError(t, cfg.Validate())
		if tg, err := target.ByName(cfg.Target); err == nil {
			oneLineError(t, validate(cfg, method.IWSM, tg))
		}
	})
}

// FuzzDecodeState decodes arbitrary bytes as a checkpoint's state.json: an error or a
// state whose RNG restores, never a panic. Seeds: a smoke run's state.json.
func FuzzDecodeState(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		st, err := decodeState(raw)
		oneLineError(t, err)
		if err != nil {
			return
		}
		if st.Generation <= 0 {
			t.Fatalf("accepted generation %d", st.Generation)
		}
	})
}

// FuzzCheckModel writes arbitrary bytes as a GoMLX model checkpoint (its .json and .bin)
// and checks it as Resume does; whatever checkModel accepts, GoMLX's loader must then read
// without a panic (its reader allocates what the JSON declares). Seeds: a smoke run's
// model files, whole and truncated.
func FuzzCheckModel(f *testing.F) {
	f.Fuzz(func(t *testing.T, meta, bin []byte) {
		dir := t.TempDir()
		base := filepath.Join(dir, "checkpoint-n0000000-20260101-000000-step-00000001")
		if err := os.WriteFile(base+".json", meta, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(base+".bin", bin, 0o644); err != nil {
			t.Fatal(err)
		}
		err := checkModel(dir)
		oneLineError(t, err)
		if err != nil {
			return
		}
		if _, err := checkpoint.Build(model.NewStore()).Dir(dir).Keep(1).Done(); err != nil {
			t.Fatalf("checkModel accepted a checkpoint that GoMLX cannot load: %v", err)
		}
	})
}
