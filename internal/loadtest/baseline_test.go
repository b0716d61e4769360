package loadtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vidrop/vidrop/internal/naming"
	"github.com/vidrop/vidrop/internal/presign"
	"github.com/vidrop/vidrop/internal/seaweedtest"
)

// TestBaselineIssuesWorkingPosts checks that what vidrop is measured
// against does the real work, with either signer: keys named as vidrop
// names them, and presigned POSTs that SeaweedFS accepts; and that the
// fixed answer, the ceiling, is one such POST.
func TestBaselineIssuesWorkingPosts(t *testing.T) {
	sw := seaweedtest.Start(t, "videos")
	opts := presign.Options{Bucket: sw.Bucket, ACL: "public-read", MaxBytes: 1 << 20, Expires: 10 * time.Minute}
	signer, err := presign.NewSignerFromClient(sw.Client(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for name, sign := range map[string]BaselineSigner{
		"sdk":    SDKSigner(s3.NewPresignClient(sw.Client()), opts),
		"direct": DirectSigner(signer),
	} {
		t.Run(name, func(t *testing.T) { testBaseline(t, sw, NewBaseline(sign)) })
	}
	t.Run("fixed", func(t *testing.T) { testFixed(t, DirectSigner(signer)) })
}

func testBaseline(t *testing.T, sw *seaweedtest.Server, b *Baseline) {
	srv := httptest.NewServer(b.Handler())
	t.Cleanup(srv.Close)
	client := srv.Client()

	stem := naming.Stem("ann@example.com")
	var first presignAnswer
	for i, want := range []string{stem + ".mp4", stem + "1.mp4"} {
		ans, status, err := presignOnce(t.Context(), client, srv.URL, "ann@example.com")
		if err != nil || status != http.StatusOK {
			t.Fatalf("presign %d: %d %v", i, status, err)
		}
		if ans.Key != want {
			t.Errorf("presign %d: key %q, want %q", i, ans.Key, want)
		}
		if k, _ := ans.Fields.Get("key"); k != want {
			t.Errorf("presign %d: key field %q, want %q", i, k, want)
		}
		if i == 0 {
			first = ans
		}
	}
	if err := upload(t.Context(), client, first); err != nil {
		t.Fatalf("SeaweedFS refused the baseline's POST: %v", err)
	}
	if ok, err := sw.Exists(t.Context(), first.Key); err != nil || !ok {
		t.Errorf("uploaded object %s: exists %v, %v", first.Key, ok, err)
	}
	keys, err := videos(t.Context(), client, Config{BaseURL: srv.URL}, "ann@example.com")
	if want := []string{stem + ".mp4", stem + "1.mp4"}; err != nil || !slices.Equal(keys, want) {
		t.Errorf("videos: %v %v, want %v", keys, err, want)
	}

	// vidrop-load's checks hold for it as for vidrop.
	rep, err := Run(t.Context(), Config{
		BaseURL: srv.URL, Concurrency: 4, Duration: 10 * time.Second, MaxRequests: 200, Mails: 10, Uploads: 2,
	})
	if err != nil || !rep.Clean() || rep.OK != 200 {
		t.Errorf("load: %v\n%s\nfirst error: %s", err, rep, rep.FirstError)
	}

	resp, err := client.Get(srv.URL + "/presignedurl")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusBadRequest || body["error"] == "" {
		t.Errorf("no mail: %d %v %v", resp.StatusCode, body, err)
	}
}

// testFixed checks that Fixed serves every mail the one answer sign signed,
// and that the answer is a POST SeaweedFS accepts.
func testFixed(t *testing.T, sign BaselineSigner) {
	body, err := FixedAnswer(t.Context(), sign, "fixed.mp4")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Fixed(body))
	t.Cleanup(srv.Close)
	for _, mail := range []string{"ann@example.com", "bob@example.com"} {
		ans, status, err := presignOnce(t.Context(), srv.Client(), srv.URL, mail)
		if err != nil || status != http.StatusOK || ans.Key != "fixed.mp4" {
			t.Fatalf("%s: %d %+v %v", mail, status, ans, err)
		}
		if err := upload(t.Context(), srv.Client(), ans); err != nil {
			t.Errorf("%s: SeaweedFS refused the fixed POST: %v", mail, err)
		}
	}
}
