package app

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/vidrop/vidrop/internal/config"
)

func TestPageOrigins(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"embedded store is this server", nil, ""},
		{"embedded store behind a public endpoint", []string{"S3_PUBLIC_ENDPOINT=https://media.example.com/s3"}, "https://media.example.com"},
		{"AWS, virtual-hosted", []string{"S3_BUCKET=my-videos", "AWS_REGION=eu-west-1"}, "https://my-videos.s3.eu-west-1.amazonaws.com"},
		{"AWS, path style", []string{"S3_BUCKET=my-videos", "AWS_REGION=eu-west-1", "S3_PATH_STYLE=true"}, "https://s3.eu-west-1.amazonaws.com"},
		{"local server", []string{"S3_BUCKET=videos", "S3_ENDPOINT=http://127.0.0.1:8333", "S3_PATH_STYLE=true"}, "http://127.0.0.1:8333"},
		{"public endpoint wins", []string{"S3_BUCKET=videos", "S3_ENDPOINT=http://minio:9000", "S3_PUBLIC_ENDPOINT=https://s3.example.com", "S3_PATH_STYLE=true"}, "https://s3.example.com"},
		{"extra origins, once each", []string{"S3_BUCKET=videos", "S3_ENDPOINT=http://127.0.0.1:8333", "S3_PATH_STYLE=true",
			"CSP_CONNECT_SRC=https://api.example.com,http://127.0.0.1:8333"}, "http://127.0.0.1:8333 https://api.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Load(tt.env)
			if err != nil {
				t.Fatal(err)
			}
			a, err := New(t.Context(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)),
				WithCredentials(credentials.NewStaticCredentialsProvider("AKID", "secret", "")))
			if err != nil {
				t.Fatal(err)
			}
			// The origins the page's CSP lets it connect to, besides its own.
			rec := httptest.NewRecorder()
			a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			csp := rec.Header().Get("Content-Security-Policy")
			var connect []string
			for _, d := range strings.Split(csp, ";") {
				if f := strings.Fields(d); len(f) > 0 && f[0] == "connect-src" {
					connect = f[1:]
				}
			}
			if len(connect) == 0 || connect[0] != "'self'" {
				t.Fatalf("Content-Security-Policy %q: want connect-src 'self' and the origins", csp)
			}
			if got := strings.Join(connect[1:], " "); got != tt.want {
				t.Errorf("origins %q, want %q", got, tt.want)
			}
		})
	}
}
