package loadtest

import (
	"context"
	"testing"
	"time"

	"github.com/vidrop/vidrop/internal/app/apptest"
	"github.com/vidrop/vidrop/internal/seaweedtest"
)

func TestRefusesOtherHosts(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"http://10.0.0.1:8080", "http://example.com", "https://127.0.0.1:1", "http://192.168.1.1"} {
		_, err := Run(context.Background(), Config{BaseURL: u, Concurrency: 1, Duration: time.Second, Mails: 1})
		if err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}

// TestShortLoadLosesNothing is the short run `make test` does: a few
// seconds against vidrop signing for SeaweedFS, with a sample uploaded.
func TestShortLoadLosesNothing(t *testing.T) {
	sw := seaweedtest.Start(t, "videos")
	vd := apptest.Start(t, apptest.SeaweedEnv(sw,
		// The limits stay on, high enough for one client to load.
		"PRESIGN_RATE_PER_IP=100000000/1m", "PRESIGN_RATE_PER_MAIL=100000000/1m",
		"STORE_MAX_KEYS_PER_MAIL=1000000",
	), apptest.SeaweedKeys())

	rep, err := Run(t.Context(), Config{
		BaseURL: vd.URL, Concurrency: 8, Duration: 2 * time.Second,
		Mails: 50, User: "test", Password: "test", Uploads: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + rep.String())
	if !rep.Clean() || rep.UploadsOK != 5 || rep.Requests < 100 {
		t.Errorf("run not clean: %s\nfirst error: %s", rep, rep.FirstError)
	}
}
