package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/vidrop/vidrop/internal/auth"
	"github.com/vidrop/vidrop/internal/config"
	"github.com/vidrop/vidrop/internal/presign"
	"github.com/vidrop/vidrop/internal/store"
)

type nopPresigner struct{}

func (nopPresigner) Presign(_ context.Context, key, ct string) (presign.Post, error) {
	return presign.Post{URL: "http://127.0.0.1:8333/videos", Key: key, Fields: presign.Fields{{Name: "key", Value: key}, {Name: "Content-Type", Value: ct}, {Name: "policy", Value: "eyJjb25kaXRpb25zIjpbeyJYLUFtei1BbGdvcml0aG0iOiJBV1M0LUhNQUMtU0hBMjU2In0seyJidWNrZXQiOiJ2aWRlb3MifSx7IlgtQW16LUNyZWRlbnRpYWwiOiJWSURST1BERVZBQ0NFU1NLRVkvMjAyNjEyMDQvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LHsiWC1BbXotRGF0ZSI6IjIwMjYxMjA0VDE2NDExM1oifSx7ImFjbCI6InB1YmxpYy1yZWFkIn0seyJDb250ZW50LVR5cGUiOiJ2aWRlby9tcDQifSxbImNvbnRlbnQtbGVuZ3RoLXJhbmdlIiwxLDEwNzM3NDE4MjRdLHsia2V5IjoiZTc4YjkxM2QzZDNkNWViNTE2MmEubXA0In1dLCJleHBpcmF0aW9uIjoiMjAyNi0xMi0wNFQxNzo0MToxM1oifQ=="}}, ExpiresAt: time.Now()}, nil
}

func BenchmarkOverhead(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	h := NewServer(logger, Options{
		Store:              store.NewMemory(store.Limits{MaxMails: 100000, MaxKeysPerMail: 1 << 30}),
		Presigner:          nopPresigner{},
		Verifier:           auth.SameAsUser{},
		CORSAllowedOrigins: []string{"*"},
		PresignRatePerIP:   config.Rate{N: 1 << 30, Per: time.Minute},
		PresignRatePerMail: config.Rate{N: 1 << 30, Per: time.Minute},
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
		req, _ := http.NewRequest(http.MethodGet, targets[i%len(targets)], nil)
		req.RemoteAddr = "192.0.2.1:1234"
		req.Header["Origin"] = []string{"https://page.example"}
		clear(w.header)
		w.status = 0
		h.ServeHTTP(w, req)
		i++
	}
}
