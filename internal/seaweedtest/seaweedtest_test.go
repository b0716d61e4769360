package seaweedtest

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestRelease keeps Release, and so docker-compose.yml's image tag, in step
// with the binary the tests run.
func TestRelease(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(Binary(t), "version").Output()
	if err != nil {
		t.Fatalf("weed version: %v", err)
	}
	// "version 30GB 4.53  linux amd64"
	if !slices.Contains(strings.Fields(string(out)), Release) {
		t.Errorf("weed version = %q, want release %s: update Release and the compose image tag", out, Release)
	}
}
