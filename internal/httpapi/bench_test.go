package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vidrop/vidrop/internal/auth"
	"github.com/vidrop/vidrop/internal/config"
	"github.com/vidrop/vidrop/internal/presign"
	"github.com/vidrop/vidrop/internal/store"
)

func benchClient() *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDBENCH", "bench-secret", ""),
		BaseEndpoint: aws.String("http://127.0.0.1:8333"),
		UsePathStyle: true,
	})
}

var benchPresignOptions = presign.Options{Bucket: "videos", ACL: "public-read", MaxBytes: 1 << 30, Expires: time.Hour}

// BenchmarkPresignHandler is a whole GET /presignedurl as served: every
// middleware (request id, client address, logging, recovery, query limit,
// CORS, both rate limits, set high enough never to refuse), the store
// update, vidrop's own signer and the JSON answer.
func BenchmarkPresignHandler(b *testing.B) {
	signer, err := presign.NewSignerFromClient(benchClient(), benchPresignOptions)
	if err != nil {
		b.Fatal(err)
	}
	benchHandler(b, signer)
}

// BenchmarkPresignHandlerSDK is the same with PresignPostObject per request
// (PRESIGN_SIGNER=sdk).
func BenchmarkPresignHandlerSDK(b *testing.B) {
	benchHandler(b, presign.New(s3.NewPresignClient(benchClient()), benchPresignOptions))
}

func benchHandler(b *testing.B, p Presigner) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	h := NewServer(logger, Options{
		Store:              store.NewMemory(store.Limits{MaxMails: 100_000, MaxKeysPerMail: 1 << 30}),
		Presigner:          p,
		Verifier:           auth.SameAsUser{},
		CORSAllowedOrigins: []string{"*"},
		PresignRatePerIP:   config.Rate{N: 1 << 30, Per: time.Minute},
		PresignRatePerMail: config.Rate{N: 1 << 30, Per: time.Minute},
		AuthFailRatePerIP:  config.Rate{N: 10, Per: time.Minute},
		MaxQueryBytes:      2048,
	})
	targets := make([]string, 1024)
	for i := range targets {
		targets[i] = "/presignedurl?mail=user" + strconv.Itoa(i) + "@example.com"
	}
	b.ReportAllocs()
	i := 0
	w := &discardWriter{header: http.Header{}}
	for b.Loop() {
		// http.NewRequest, not httptest's, which parses a whole request
		// and would make the harness part of the measure.
		req, err := http.NewRequest(http.MethodGet, targets[i%len(targets)], nil)
		if err != nil {
			b.Fatal(err)
		}
		req.RemoteAddr = "192.0.2.1:1234"
		req.Header["Origin"] = []string{"https://page.example"}
		clear(w.header)
		w.status = 0
		h.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
		i++
	}
}

// discardWriter is a ResponseWriter that keeps only the status.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}

// BenchmarkSDKPresignPostObject is the bare SDK call with the same
// conditions: the floor the handler is compared with.
func BenchmarkSDKPresignPostObject(b *testing.B) {
	pc := s3.NewPresignClient(benchClient())
	ctx := context.Background()
	conds := []any{
		map[string]string{"acl": "public-read"},
		map[string]string{"Content-Type": "video/mp4"},
		[]any{"content-length-range", 1, int64(1 << 30)},
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, err := pc.PresignPostObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String("videos"),
			Key:    aws.String("e78b913d3d3d5eb5162a" + strconv.Itoa(i) + ".mp4"),
		}, func(o *s3.PresignPostOptions) {
			o.Expires = time.Hour
			o.Conditions = conds
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}
