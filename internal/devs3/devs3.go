// Package devs3 is the in-memory S3 store vidrop runs when no bucket is
// configured, so that the whole upload flow works on a laptop with no AWS
// account. It does not verify signatures or POST policies: it is for
// development only.
package devs3

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// The bucket and the throw-away credentials the embedded store is used with.
// They open nothing: the store checks no signatures.
const (
	Bucket    = "videos"
	AccessKey = "VIDROPDEVACCESSKEY"
	SecretKey = "vidrop-dev-secret-key-not-a-secret"
)

// formOverhead is what the form fields of a POST upload may add to the
// file's size.
const formOverhead = 64 << 10

// formMemory is how much of an upload is held in memory before the rest
// goes to a temporary file.
const formMemory = 32 << 20

// Store is an in-memory S3 bucket served over HTTP.
type Store struct {
	backend  *s3mem.Backend
	handler  http.Handler
	maxBytes int64
}

// New creates the store with its bucket. Uploads over maxBytes are refused.
func New(maxBytes int64) (*Store, error) {
	backend := s3mem.New()
	if err := backend.CreateBucket(Bucket); err != nil {
		return nil, fmt.Errorf("devs3: create bucket: %w", err)
	}
	fake := gofakes3.New(backend, gofakes3.WithoutVersioning())
	return &Store{backend: backend, handler: fake.Server(), maxBytes: maxBytes}, nil
}

// Check reports whether the bucket exists; it is the store's readiness.
func (s *Store) Check(context.Context) error {
	ok, err := s.backend.BucketExists(Bucket)
	if err != nil {
		return fmt.Errorf("devs3: %w", err)
	}
	if !ok {
		return errors.New("devs3: bucket is missing")
	}
	return nil
}

// Handler serves the bucket under prefix (such as "/s3"). It allows only
// what the recorder needs: browser POST uploads to the bucket and reads of
// single objects.
func (s *Store) Handler(prefix string) http.Handler {
	return http.StripPrefix(prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, "/"+Bucket)
		if rest == r.URL.Path { // not this bucket
			s3Error(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist.")
			return
		}
		isBucket := rest == "" || rest == "/"
		switch {
		case r.Method == http.MethodPost && isBucket && r.URL.RawQuery == "":
			if r.ContentLength > s.maxBytes+formOverhead {
				s3Error(w, http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, s.maxBytes+formOverhead)
			if err := r.ParseMultipartForm(formMemory); err != nil {
				s3Error(w, http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
				return
			}
			defer r.MultipartForm.RemoveAll()
			// The store keeps every X-Amz-* field as object metadata and
			// would serve the signature back on every read.
			for name := range r.MultipartForm.Value {
				if n := strings.ToLower(name); strings.HasPrefix(n, "x-amz-") || n == "policy" {
					delete(r.MultipartForm.Value, name)
				}
			}
		case (r.Method == http.MethodGet || r.Method == http.MethodHead) && !isBucket:
		default:
			s3Error(w, http.StatusForbidden, "AccessDenied", "The embedded store allows only POST uploads and object reads.")
			return
		}
		s.handler.ServeHTTP(w, r)
	}))
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error><Code>%s</Code><Message>%s</Message></Error>", code, msg)
}
