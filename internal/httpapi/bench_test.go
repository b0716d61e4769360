package httpapi

import (
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

// benchClient is built as internal/presign's benchClient is, so that the
// handler compares with BenchmarkPresignPostObject there (the bare SDK
// call `make bench` divides by): credentials in the SDK's cache, as
// LoadDefaultConfig gives them.
func benchClient() *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("AKIDBENCH", "bench-secret", "")),
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
