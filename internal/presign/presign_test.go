package presign

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

var testNow = time.Date(2026, 12, 4, 23, 30, 15, 0, time.UTC)

// testClient is an s3.Client for region with creds and, unless endpoint
// is "", that custom endpoint, addressed path-style as a local
// S3-compatible store is.
func testClient(creds aws.CredentialsProvider, region, endpoint string) *s3.Client {
	o := s3.Options{Region: region, Credentials: creds}
	if endpoint != "" {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
	}
	return s3.New(o)
}

func mustService(tb testing.TB, acl, token string) *Service {
	tb.Helper()
	client := testClient(credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", token), "eu-west-1", "http://127.0.0.1:8333")
	return New(s3.NewPresignClient(client), Options{
		Bucket: "videos", ACL: acl, MaxBytes: 1000, Expires: time.Hour,
		Now: func() time.Time { return testNow },
	})
}

type policy struct {
	Expiration string `json:"expiration"`
	Conditions []any  `json:"conditions"`
}

func mustPolicy(tb testing.TB, p Post) policy {
	tb.Helper()
	b64, ok := p.Fields.Get("policy")
	if !ok {
		tb.Fatal("no policy field")
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		tb.Fatal(err)
	}
	var pol policy
	if err := json.Unmarshal(raw, &pol); err != nil {
		tb.Fatal(err)
	}
	return pol
}

// exactConditions returns the policy's {"name": "value"} conditions, with
// names lower-cased as S3 compares them.
func exactConditions(tb testing.TB, pol policy) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for _, c := range pol.Conditions {
		if m, ok := c.(map[string]any); ok {
			for k, v := range m {
				out[strings.ToLower(k)] = fmt.Sprint(v)
			}
		}
	}
	return out
}

func TestEveryFieldHasACondition(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, acl, token string }{
		{"acl", "public-read", ""},
		{"no acl", "", ""},
		{"session token", "public-read", "FQoGZXIvYXdzEBc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := mustService(t, tt.acl, tt.token).Presign(context.Background(), "a/b.webm", "video/webm")
			if err != nil {
				t.Fatal(err)
			}
			conds := exactConditions(t, mustPolicy(t, p))
			for _, f := range p.Fields {
				switch f.Name {
				case "policy", "X-Amz-Signature":
					continue
				}
				if got, ok := conds[strings.ToLower(f.Name)]; !ok || got != f.Value {
					t.Errorf("field %s=%q has no matching condition (got %q)", f.Name, f.Value, got)
				}
			}
			if conds["bucket"] != "videos" || conds["key"] != "a/b.webm" || conds["content-type"] != "video/webm" {
				t.Errorf("conditions = %v", conds)
			}
			_, hasACL := p.Fields.Get("acl")
			if hasACL != (tt.acl != "") || (conds["acl"] != tt.acl) {
				t.Errorf("acl field present=%v, condition=%q, want %q", hasACL, conds["acl"], tt.acl)
			}
			tok, hasTok := p.Fields.Get("X-Amz-Security-Token")
			if hasTok != (tt.token != "") || tok != tt.token {
				t.Errorf("token field = %q, %v", tok, hasTok)
			}
		})
	}
}

func TestPolicyLimitsAndExpiry(t *testing.T) {
	t.Parallel()
	p, err := mustService(t, "public-read", "").Presign(context.Background(), "k.mp4", "video/mp4")
	if err != nil {
		t.Fatal(err)
	}
	pol := mustPolicy(t, p)
	var rng []any
	for _, c := range pol.Conditions {
		if a, ok := c.([]any); ok && len(a) == 3 && a[0] == "content-length-range" {
			rng = a
		}
	}
	if rng == nil || rng[1] != float64(1) || rng[2] != float64(1000) {
		t.Errorf("content-length-range = %v", rng)
	}
	wantExp := testNow.Add(time.Hour)
	if pol.Expiration != wantExp.Format(time.RFC3339) || !p.ExpiresAt.Equal(wantExp) {
		t.Errorf("expiration %s / ExpiresAt %s, want %s", pol.Expiration, p.ExpiresAt, wantExp)
	}
	if d, _ := p.Fields.Get("X-Amz-Date"); d != "20261204T233015Z" {
		t.Errorf("X-Amz-Date = %s", d)
	}
	if c, _ := p.Fields.Get("X-Amz-Credential"); c != "AKIDEXAMPLE/20261204/eu-west-1/s3/aws4_request" {
		t.Errorf("X-Amz-Credential = %s", c)
	}
	if p.URL != "http://127.0.0.1:8333/videos" {
		t.Errorf("URL = %s", p.URL)
	}
}

func TestFieldsOrderAndJSON(t *testing.T) {
	t.Parallel()
	p, err := mustService(t, "public-read", "tok").Presign(context.Background(), "k.mp4", "video/mp4")
	if err != nil {
		t.Fatal(err)
	}
	want := "key acl Content-Type X-Amz-Algorithm X-Amz-Credential X-Amz-Date X-Amz-Security-Token policy X-Amz-Signature"
	if got := names(p.Fields); strings.Join(got, " ") != want {
		t.Errorf("order = %v", got)
	}
	b, err := json.Marshal(p.Fields)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"key":"k.mp4","acl":"public-read","Content-Type":"video/mp4",`) {
		t.Errorf("JSON = %s", b)
	}
	var back map[string]string
	if err := json.Unmarshal(b, &back); err != nil || len(back) != len(p.Fields) {
		t.Errorf("JSON does not round-trip: %v %v", back, err)
	}
}

type failingProvider struct{}

func (failingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{}, errors.New("no credentials here")
}

func TestCredentialFailure(t *testing.T) {
	t.Parallel()
	client := testClient(failingProvider{}, "us-east-1", "")
	svc := New(s3.NewPresignClient(client), Options{Bucket: "b", MaxBytes: 1, Expires: time.Minute})
	if _, err := svc.Presign(context.Background(), "k", "video/mp4"); err == nil || !strings.Contains(err.Error(), "no credentials here") {
		t.Errorf("err = %v", err)
	}
}

// flakyProvider fails until ok is set.
type flakyProvider struct{ ok *atomic.Bool }

func (f flakyProvider) Retrieve(context.Context) (aws.Credentials, error) {
	if !f.ok.Load() {
		return aws.Credentials{}, errors.New("instance profile not reachable")
	}
	return aws.Credentials{AccessKeyID: "AKIDBACK", SecretAccessKey: "s", Source: "test"}, nil
}

func TestCredentialErrorsAreMarkedAndRecover(t *testing.T) {
	t.Parallel()
	var ok atomic.Bool
	// As app.go builds it: the SDK's cache, marked from outside.
	creds := MarkCredentials(aws.NewCredentialsCache(flakyProvider{&ok}))
	client := testClient(creds, "us-east-1", "")
	svc := New(s3.NewPresignClient(client), Options{Bucket: "b", MaxBytes: 1, Expires: time.Minute})
	_, err := svc.Presign(context.Background(), "k", "video/mp4")
	if !errors.Is(err, ErrCredentials) {
		t.Fatalf("err = %v, want ErrCredentials", err)
	}
	ok.Store(true)
	p, err := svc.Presign(context.Background(), "k", "video/mp4")
	if err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if c, _ := p.Fields.Get("X-Amz-Credential"); !strings.HasPrefix(c, "AKIDBACK/") {
		t.Errorf("credential = %s", c)
	}
}

func TestFieldsJSONRoundTripKeepsOrder(t *testing.T) {
	t.Parallel()
	in := Fields{{"key", "k<1>.mp4"}, {"acl", "public-read"}, {"Content-Type", "video/mp4"}, {"policy", "eyJ="}, {"X-Amz-Signature", "00"}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Fields
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(out) != fmt.Sprint(in) {
		t.Errorf("round trip = %v, want %v", out, in)
	}
	for _, bad := range []string{`[]`, `{"a":1}`, `{"a":"b"`, `"x"`} {
		if err := json.Unmarshal([]byte(bad), &out); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestFieldsAppendJSON(t *testing.T) {
	t.Parallel()
	in := Fields{{"key", "k<1>\u2028.mp4"}, {"policy", "eyJ="}}
	want, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := in.AppendJSON([]byte(`"fields":`)); string(got) != `"fields":`+string(want) {
		t.Errorf("AppendJSON = %s, want %q followed by %s", got, `"fields":`, want)
	}
	if got := Fields(nil).AppendJSON(nil); string(got) != "{}" {
		t.Errorf("empty fields = %s", got)
	}
}
