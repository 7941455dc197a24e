package notebook

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The notebooks in notebooks/ are generated from notebooks/src/ (scripts/make_notebooks.py):
// a notebook edited by hand, or a source edited without regenerating, fails here, so that the
// notebooks that share a template cannot drift apart.
func TestNotebooksMatchTheirSources(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, "scripts", "make_notebooks.py")
	if _, err := os.Stat(script); err != nil {
		t.Fatalf("no generator at %s: %v", script, err)
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3 is needed to check the generated notebooks: %v", err)
		}
		t.Skip("python3 not found: cannot check that notebooks/*.ipynb match notebooks/src/")
	}
	out, err := exec.Command(python, script, "--check").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --check: %v\n%s", script, err, out)
	}
}
