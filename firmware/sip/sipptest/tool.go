package sipptest

import (
	"os"
	"os/exec"
	"testing"
)

// NeedTool returns the path of the command name, for a test that runs it.
// When it is missing the test is skipped, except under CI=true, where a
// missing tool is a failure: CI must install what the tests need
// (./build.sh test does), and a skip would hide a missing install step.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (CI=true: a missing tool is a failure; ./build.sh test installs it)", name)
	}
	t.Skipf("%s is not installed (./build.sh test installs it)", name)
	return ""
}
