package deploy

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vidrop/vidrop/internal/buildtest"
	"github.com/vidrop/vidrop/internal/presign"
	"github.com/vidrop/vidrop/internal/seaweedtest"
)

// TestComposeFlow runs docker-compose.yml's two services without Docker:
// SeaweedFS with the s3 service's command line and identities file, and
// vidrop built as the Dockerfile builds it with the vidrop service's
// environment; only addresses and ports are moved to free loopback ones.
// Then it does what the browser at http://localhost:8080 does: load the
// page (whose CSP must allow the store), presign, POST the file to the
// public endpoint, play it back anonymously.
func TestComposeFlow(t *testing.T) {
	t.Parallel()
	_, vidrop, s3svc := mustCompose(t)
	env := vidrop.Environment
	bucket := env["S3_BUCKET"]
	origin := env["CORS_ALLOWED_ORIGINS"]

	// The s3 service, reading the identities file compose mounts.
	mount := commandFlags(s3svc.Command)["-s3.config"]
	ids := hostPath(s3svc, mount)
	if ids == "" {
		t.Fatalf("s3 volumes %v mount nothing at -s3.config=%s", s3svc.Volumes, mount)
	}
	idsAbs, err := filepath.Abs(filepath.Join(root, ids))
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, a := range s3svc.Command {
		if strings.HasPrefix(a, "-s3.config=") {
			a = "-s3.config=" + idsAbs
		}
		args = append(args, a)
	}
	store := seaweedtest.StartMini(t, args, bucket, env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
	storeURL, _ := url.Parse(store.Endpoint)

	// The s3 service's health check, pointed at this server: it passes
	// now that the bucket exists.
	hc := s3svc.Healthcheck.Test
	check, err := url.Parse(hc[len(hc)-1])
	if err != nil {
		t.Fatal(err)
	}
	check.Host = storeURL.Host
	if resp, err := http.Get(check.String()); err != nil {
		t.Errorf("s3 health check GET %s: %v", check, err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("s3 health check GET %s: %s, want 200", check, resp.Status)
		}
	}

	// The vidrop service: the server reaches the store by one name, the
	// browser by another (localhost), as in compose.
	var venv []string
	for _, kv := range mapEnv(env) {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "S3_ENDPOINT":
			kv = k + "=" + store.Endpoint
		case "S3_PUBLIC_ENDPOINT":
			kv = k + "=http://localhost:" + storeURL.Port()
		}
		venv = append(venv, kv)
	}
	bin := buildtest.Build(t, root, "compose-flow")
	srv := buildtest.Serve(t, bin, venv...)
	base := "http://" + srv.Addr

	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz = %d: vidrop cannot reach the bucket with compose's keys and endpoint", resp.StatusCode)
	}

	// The page may post to, and play from, the origin the browser reaches
	// the store by.
	publicOrigin := "http://localhost:" + storeURL.Port()
	resp, err = http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, dir := range []string{"connect-src", "media-src"} {
		_, rest, _ := strings.Cut(csp, dir+" ")
		list, _, _ := strings.Cut(rest, ";")
		if resp.StatusCode != http.StatusOK || !slices.Contains(strings.Fields(list), publicOrigin) {
			t.Errorf("GET /: %d, Content-Security-Policy %s %q lacks %s", resp.StatusCode, dir, list, publicOrigin)
		}
	}

	// Presign, as the page does.
	req, _ := http.NewRequest(http.MethodGet, base+"/presignedurl?mail=compose@example.com&type=video/webm", nil)
	req.Header.Set("Origin", origin)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var presigned struct {
		URL    string         `json:"url"`
		Fields presign.Fields `json:"fields"`
		Key    string         `json:"key"`
	}
	err = json.NewDecoder(resp.Body).Decode(&presigned)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("presign: %d %v", resp.StatusCode, err)
	}
	if !strings.HasPrefix(presigned.URL, publicOrigin+"/") {
		t.Errorf("presigned url %s, want the public endpoint the browser reaches", presigned.URL)
	}
	if acl, _ := presigned.Fields.Get("acl"); acl != "public-read" {
		t.Errorf("acl field %q: compose should run the default ACL", acl)
	}

	// Upload from the page's origin: the fields in order, the file last.
	video := bytes.Repeat([]byte("vidrop compose flow "), 5000)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range presigned.Fields {
		_ = mw.WriteField(f.Name, f.Value)
	}
	fw, _ := mw.CreateFormFile("file", "clip.webm")
	_, _ = fw.Write(video)
	mw.Close()
	req, _ = http.NewRequest(http.MethodPost, presigned.URL, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", origin)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d %s", resp.StatusCode, msg)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != origin && got != "*" {
		t.Errorf("upload answer Access-Control-Allow-Origin %q: the page at %s could not read it", got, origin)
	}

	// Play it back as anyone can.
	resp, err = http.Get(presigned.URL + "/" + presigned.Key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, video) {
		t.Errorf("anonymous GET of the upload: %d, %d bytes; want 200 and the %d bytes sent", resp.StatusCode, len(got), len(video))
	}
}
