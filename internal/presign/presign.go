// Package presign makes the S3 presigned POST a browser uploads a video
// with: the policy pins the bucket, the exact key, the ACL, the exact
// Content-Type and a size range, and the returned form fields are exactly
// those the policy covers.
//
// Two implementations make the same POST, byte for byte:
//
//   - Signer signs the policy itself: credentials come from an
//     aws.CredentialsCache, the SigV4 signing key is derived once per day
//     and credentials, and the policy JSON is appended by hand. Build it
//     from the s3.Client a PresignClient would wrap, so that the URL and
//     credentials are the client's own:
//
//     signer, err := presign.NewSignerFromClient(client, presign.Options{…})
//
//     The URL and the signing region and name are what the client's own
//     PresignPostObject returns for the bucket, asked once. A failure to
//     get credentials matches ErrCredentials.
//
//   - Service calls aws-sdk-go-v2's PresignPostObject. It is the reference
//     the Signer is tested against (diff_test.go), and costs some thirty
//     times as much per POST, in hundreds of allocations (BENCHMARKS.md).
package presign

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vidrop/vidrop/internal/jsonstr"
)

// Poster is the one SDK call this package makes; *s3.PresignClient
// implements it.
type Poster interface {
	PresignPostObject(ctx context.Context, params *s3.PutObjectInput, optFns ...func(*s3.PresignPostOptions)) (*s3.PresignedPostRequest, error)
}

var _ Poster = (*s3.PresignClient)(nil)

// Options fix what every presigned POST allows.
type Options struct {
	Bucket string
	// ACL is the canned ACL the upload must carry; "" for none.
	ACL string
	// MaxBytes is the upper bound of the content-length-range condition.
	MaxBytes int64
	// Expires is the policy's lifetime.
	Expires time.Duration
	// Now is the signing clock; nil means time.Now.
	Now func() time.Time
}

// Field is one form field, in the order a form should send it.
type Field struct {
	Name, Value string
}

// Fields is an ordered list of form fields. It encodes as a JSON object
// whose members keep that order.
type Fields []Field

// Get returns the value of the named field and whether it is present.
func (fs Fields) Get(name string) (string, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// AppendJSON appends fs to b as a JSON object whose members keep fs's
// order, and returns the extended buffer.
func (fs Fields) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	for i, f := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonstr.Append(b, f.Name)
		b = append(b, ':')
		b = jsonstr.Append(b, f.Value)
	}
	return append(b, '}')
}

// MarshalJSON writes fs as an object in order.
func (fs Fields) MarshalJSON() ([]byte, error) {
	return fs.AppendJSON(nil), nil
}

// UnmarshalJSON reads an object of string members into fs, keeping their
// order: the order a form must send them in.
func (fs *Fields) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("presign: fields are not a JSON object")
	}
	out := (*fs)[:0]
	for dec.More() {
		t, err := dec.Token() // a member name, so a string
		if err != nil {
			return fmt.Errorf("presign: field name: %w", err)
		}
		f := Field{Name: t.(string)}
		if err := dec.Decode(&f.Value); err != nil {
			return fmt.Errorf("presign: field %s: %w", f.Name, err)
		}
		out = append(out, f)
	}
	*fs = out
	return nil
}

// Post is a presigned POST: send every field in order, then the file last,
// as multipart/form-data to URL.
type Post struct {
	URL       string
	Fields    Fields
	Key       string
	ExpiresAt time.Time
}

// fieldOrder is the order fields are returned in; any other field the SDK
// returns follows, sorted by name.
var fieldOrder = []string{
	"key", "acl", "Content-Type",
	"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Security-Token",
	"policy", "X-Amz-Signature",
}

// Service presigns uploads with fixed Options. It is safe for concurrent
// use.
type Service struct {
	poster Poster
	opts   Options
}

// New returns a Service that signs with p.
func New(p Poster, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{poster: p, opts: o}
}

// Presign returns a POST that lets a browser upload one object of
// contentType at key.
func (s *Service) Presign(ctx context.Context, key, contentType string) (Post, error) {
	var conds []any
	if s.opts.ACL != "" {
		conds = append(conds, map[string]string{"acl": s.opts.ACL})
	}
	conds = append(conds,
		map[string]string{"Content-Type": contentType},
		[]any{"content-length-range", 1, s.opts.MaxBytes},
	)
	clock := &fixedClock{now: s.opts.Now().UTC().Truncate(time.Second), expires: s.opts.Expires}
	out, err := s.poster.PresignPostObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.opts.Bucket),
		Key:    aws.String(key),
	}, func(o *s3.PresignPostOptions) {
		o.Expires = s.opts.Expires
		o.Conditions = conds
		clock.inner = o.PostPresigner
		o.PostPresigner = clock
	})
	if err != nil {
		return Post{}, fmt.Errorf("presign %s: %w", key, err)
	}
	values := maps.Clone(out.Values)
	values["key"] = key
	if s.opts.ACL != "" {
		values["acl"] = s.opts.ACL
	}
	values["Content-Type"] = contentType

	fields := make(Fields, 0, len(values))
	for _, name := range fieldOrder {
		if v, ok := values[name]; ok {
			fields = append(fields, Field{name, v})
			delete(values, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		fields = append(fields, Field{name, values[name]})
	}
	return Post{URL: out.URL, Fields: fields, Key: key, ExpiresAt: clock.expiration}, nil
}

// fixedClock wraps the SDK's POST signer so that the signing time comes
// from our clock (the SDK reads a package-level one) and the expiry it
// signs is known to us: the SDK does not return it.
type fixedClock struct {
	inner      s3.PresignPost
	now        time.Time
	expires    time.Duration
	expiration time.Time
}

func (c *fixedClock) PresignPost(creds aws.Credentials, bucket, key, region, service string, _ time.Time, conds []any, _ time.Time, optFns ...func(*v4.SignerOptions)) (map[string]string, error) {
	c.expiration = c.now.Add(c.expires).UTC()
	return c.inner.PresignPost(creds, bucket, key, region, service, c.now, conds, c.expiration, optFns...)
}
