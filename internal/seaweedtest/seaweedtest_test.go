package seaweedtest

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestMakefilePinsVersion: the Makefile builds the SeaweedFS the tests
// run, and Binary looks for it under Version; both must name one version.
func TestMakefilePinsVersion(t *testing.T) {
	t.Parallel()
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^SEAWEEDFS_VERSION := (\S+)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("Makefile sets no SEAWEEDFS_VERSION")
	}
	if got := string(m[1]); got != Version {
		t.Errorf("Makefile builds SeaweedFS %s, Version is %s: change both", got, Version)
	}
}

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
