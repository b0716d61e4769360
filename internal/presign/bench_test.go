package presign

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The benchmarks sign the same POST (bucket, ACL, Content-Type, size
// range, one-hour expiry, no session token) at the real clock, each
// iteration for another key:
//
//	go test -run '^$' -bench . -benchmem ./internal/presign/
//
// `make bench` (.ci/bench) runs BenchmarkPresignPostObject, BenchmarkService
// and BenchmarkSigner; BenchmarkPresignPostObject is the one bare-SDK
// baseline the README's ratios divide by.

// benchClient is the client every benchmark signs with, built as
// internal/httpapi's benchClient is: credentials in the SDK's cache, as
// LoadDefaultConfig gives them.
func benchClient() *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("AKIDBENCH", "bench-secret", "")),
		BaseEndpoint: aws.String("http://127.0.0.1:8333"),
		UsePathStyle: true,
	})
}

var benchOptions = Options{Bucket: "videos", ACL: "public-read", MaxBytes: 1 << 30, Expires: time.Hour}

func benchKeys() []string {
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "e78b913d3d3d5eb5162a/" + strconv.Itoa(i) + ".mp4"
	}
	return keys
}

// BenchmarkPresignPostObject is the bare SDK call: the baseline.
func BenchmarkPresignPostObject(b *testing.B) {
	pc := s3.NewPresignClient(benchClient())
	ctx := context.Background()
	keys := benchKeys()
	conds := []any{
		map[string]string{"acl": benchOptions.ACL},
		map[string]string{"Content-Type": "video/mp4"},
		[]any{"content-length-range", 1, benchOptions.MaxBytes},
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, err := pc.PresignPostObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(benchOptions.Bucket),
			Key:    aws.String(keys[i%len(keys)]),
		}, func(o *s3.PresignPostOptions) {
			o.Expires = benchOptions.Expires
			o.Conditions = conds
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkService is the SDK call wrapped as the handler uses it.
func BenchmarkService(b *testing.B) {
	benchPresigner(b, New(s3.NewPresignClient(benchClient()), benchOptions))
}

// BenchmarkSigner is the direct path.
func BenchmarkSigner(b *testing.B) {
	s, err := NewSignerFromClient(benchClient(), benchOptions)
	if err != nil {
		b.Fatal(err)
	}
	benchPresigner(b, s)
}

// BenchmarkSignerParallel is the direct path from every P at once: no
// lock is shared between them.
func BenchmarkSignerParallel(b *testing.B) {
	s, err := NewSignerFromClient(benchClient(), benchOptions)
	if err != nil {
		b.Fatal(err)
	}
	keys := benchKeys()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		i := 0
		for pb.Next() {
			if _, err := s.Presign(ctx, keys[i%len(keys)], "video/mp4"); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

type presigner interface {
	Presign(ctx context.Context, key, contentType string) (Post, error)
}

var (
	_ presigner = (*Service)(nil)
	_ presigner = (*Signer)(nil)
)

func benchPresigner(b *testing.B, p presigner) {
	ctx := context.Background()
	keys := benchKeys()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := p.Presign(ctx, keys[i%len(keys)], "video/mp4"); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
