package presign

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func mustSigner(tb testing.TB, creds aws.CredentialsProvider, o Options) *Signer {
	tb.Helper()
	s, err := NewSignerFromClient(testClient(creds, "us-east-1", ""), o)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestNewSignerRejects(t *testing.T) {
	t.Parallel()
	static := credentials.NewStaticCredentialsProvider("AKID", "secret", "")
	ok := Options{Bucket: "videos", MaxBytes: 1, Expires: time.Hour}
	tests := []struct {
		name   string
		client *s3.Client
		opts   Options
		want   string
	}{
		{"no credentials", testClient(nil, "us-east-1", ""), ok, "no credentials"},
		{"no bucket", testClient(static, "us-east-1", ""), Options{Expires: time.Hour}, "no bucket"},
		{"no expiry", testClient(static, "us-east-1", ""), Options{Bucket: "b"}, "not positive"},
		{"bad region", testClient(static, "not a region!", ""), ok, "resolve endpoint"},
		{"bad endpoint", testClient(static, "us-east-1", "::"), ok, "resolve endpoint"},
		{
			"multi-region access point (SigV4A)",
			testClient(static, "us-east-1", ""),
			Options{Bucket: "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap", Expires: time.Hour},
			"SigV4 only",
		},
		{
			"S3 Express directory bucket",
			testClient(static, "us-east-1", ""),
			Options{Bucket: "videos--use1-az4--x-s3", Expires: time.Hour},
			"SigV4 only",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewSignerFromClient(tt.client, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestSignerEmptyKey(t *testing.T) {
	t.Parallel()
	s := mustSigner(t, credentials.NewStaticCredentialsProvider("AKID", "secret", ""), Options{Bucket: "videos", Expires: time.Hour})
	if _, err := s.Presign(context.Background(), "", "video/mp4"); !errors.Is(err, ErrEmptyKey) {
		t.Errorf("err = %v", err)
	}
}

func TestSignerCredentialFailure(t *testing.T) {
	t.Parallel()
	s := mustSigner(t, failingProvider{}, Options{Bucket: "b", MaxBytes: 1, Expires: time.Minute})
	_, err := s.Presign(context.Background(), "k", "video/mp4")
	if !errors.Is(err, ErrCredentials) || !strings.Contains(err.Error(), "no credentials here") {
		t.Errorf("err = %v, want ErrCredentials wrapping the provider's error", err)
	}
}

// countingProvider hands out credentials that expire after ttl, each set
// with a new access key.
type countingProvider struct {
	ttl   time.Duration
	calls atomic.Int64
}

func (p *countingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	n := p.calls.Add(1)
	return aws.Credentials{
		AccessKeyID: fmt.Sprintf("AKID%d", n), SecretAccessKey: "secret", SessionToken: "token",
		CanExpire: true, Expires: time.Now().Add(p.ttl),
	}, nil
}

func TestSignerCachesCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		ttl       time.Duration
		wantCalls int64
	}{
		// Long-lived credentials are fetched once.
		{"valid", time.Hour, 1},
		// Credentials within five minutes of expiry are refreshed: each
		// of these is already inside that window when it arrives.
		{"about to expire", 4 * time.Minute, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &countingProvider{ttl: tt.ttl}
			s := mustSigner(t, p, Options{Bucket: "b", MaxBytes: 1, Expires: time.Minute})
			var last Post
			for range 10 {
				post, err := s.Presign(context.Background(), "k", "video/mp4")
				if err != nil {
					t.Fatal(err)
				}
				last = post
			}
			if got := p.calls.Load(); got != tt.wantCalls {
				t.Errorf("provider called %d times, want %d", got, tt.wantCalls)
			}
			cred, _ := last.Fields.Get("X-Amz-Credential")
			if want := fmt.Sprintf("AKID%d/", tt.wantCalls); !strings.HasPrefix(cred, want) {
				t.Errorf("X-Amz-Credential = %s, want the latest credentials %s…", cred, want)
			}
		})
	}
}

func TestSignerKeepsGivenCache(t *testing.T) {
	t.Parallel()
	cache := aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("AKID", "secret", ""))
	s := mustSigner(t, cache, Options{Bucket: "b", Expires: time.Minute})
	if s.creds != cache {
		t.Errorf("credentials cache wrapped again")
	}
}

// switchingProvider returns whichever credentials the test set last.
type switchingProvider struct {
	mu    sync.Mutex
	creds aws.Credentials
}

func (p *switchingProvider) set(c aws.Credentials) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.creds = c
}

func (p *switchingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.creds, nil
}

// TestLongLivedSignerMatchesSDK runs one Signer, with its cached signing
// key, through days and credential changes, comparing every POST with the
// SDK's made at the same instant with the same credentials.
func TestLongLivedSignerMatchesSDK(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 6))
	now := time.Date(2026, 12, 4, 22, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	provider := &switchingProvider{}
	newCreds := func() {
		c := aws.Credentials{AccessKeyID: "AKIA" + randString(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16), SecretAccessKey: randString(rng, b64chars, 40)}
		if rng.IntN(2) == 0 {
			c.SessionToken = randString(rng, b64chars, 300)
		}
		provider.set(c)
	}
	newCreds()
	cache := aws.NewCredentialsCache(provider)
	opts := Options{Bucket: "videos", ACL: "public-read", MaxBytes: 1 << 30, Expires: 2 * time.Hour, Now: clock}
	client := testClient(cache, "eu-west-1", "")
	ref := New(s3.NewPresignClient(client), opts)
	s, err := NewSignerFromClient(client, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 500 {
		switch rng.IntN(20) {
		case 0:
			newCreds()
			cache.Invalidate()
		case 1, 2:
			now = now.Add(time.Duration(rng.Int64N(int64(30 * time.Hour))))
		default:
			now = now.Add(time.Duration(rng.Int64N(int64(10 * time.Minute))))
		}
		key, ct := genKey(rng), pick(rng, types)
		want, err := ref.Presign(ctx, key, ct)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Presign(ctx, key, ct)
		if err != nil {
			t.Fatal(err)
		}
		if d := diffPosts(want, got); d != "" {
			t.Fatalf("step %d at %s: Signer differs from %s %s PresignPostObject:\n%s", i, now, sdkModule, sdkVersion(), d)
		}
	}
}

// TestSignerConcurrent signs from many goroutines while the clock moves
// across midnight, so that the day's signing key is replaced while in use.
func TestSignerConcurrent(t *testing.T) {
	t.Parallel()
	midnight := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	var tick atomic.Int64
	// Each call moves the clock on 97 s; the clock wraps in a window of
	// ±2 h around midnight, so days alternate many times.
	clock := func() time.Time {
		n := tick.Add(1)
		return midnight.Add(time.Duration(n*97%14400-7200) * time.Second)
	}
	creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "tok")
	s := mustSigner(t, creds, Options{Bucket: "videos", MaxBytes: 1000, Expires: time.Hour, Now: clock})

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				key := fmt.Sprintf("g%d/%d.webm", g, i)
				p, err := s.Presign(context.Background(), key, "video/webm")
				if err != nil {
					errs <- err
					return
				}
				// Re-sign at the same instant with the SDK.
				date, _ := p.Fields.Get("X-Amz-Date")
				at, err := time.Parse("20060102T150405Z", date)
				if err != nil {
					errs <- err
					return
				}
				c := diffCase{
					Region: "us-east-1", Bucket: "videos", MaxBytes: 1000, Expires: time.Hour,
					AccessKey: "AKIDEXAMPLE", Secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Token: "tok",
					Now: at, Key: key, ContentType: "video/webm",
				}
				want, err := c.reference(context.Background())
				if err != nil {
					errs <- err
					return
				}
				if d := diffPosts(want, p); d != "" {
					errs <- fmt.Errorf("%s at %s: %s", key, at, d)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestSignerURL checks that a Signer's URL is PostURL's for its client and
// bucket, and the URL its POSTs carry: vidrop's page is told to post there.
func TestSignerURL(t *testing.T) {
	t.Parallel()
	for _, c := range []diffCase{
		{Region: "eu-west-1"},
		{Region: "eu-west-1", DualStack: true},
		{Region: "us-east-1", Endpoint: "http://127.0.0.1:8333", PathStyle: true},
		{Region: "us-east-1", Endpoint: "https://minio.example.com"},
	} {
		c.Bucket, c.Expires, c.AccessKey, c.Secret = "videos", time.Hour, "AKIDEXAMPLE", "secret"
		s, err := NewSignerFromClient(c.client(), c.options())
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		want, err := PostURL(c.client(), c.Bucket)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		p, err := s.Presign(context.Background(), "k.mp4", "video/mp4")
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if s.URL() != want || p.URL != want {
			t.Errorf("URL() = %s, POST to %s, PostURL %s\ncase: %s", s.URL(), p.URL, want, c)
		}
	}
}
