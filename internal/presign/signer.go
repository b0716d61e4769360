package presign

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithy "github.com/aws/smithy-go"
	smithyauth "github.com/aws/smithy-go/auth"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/vidrop/vidrop/internal/jsonstr"
)

// ErrCredentials marks a failure to obtain AWS credentials: the signer
// cannot work until the credential source answers again.
var ErrCredentials = errors.New("AWS credentials unavailable")

// ErrEmptyKey is returned for an empty object key, which S3 (and the SDK)
// refuse.
var ErrEmptyKey = errors.New("presign: empty object key")

// credentialsExpiryWindow is how long before their expiry the Signer's own
// credentials cache refreshes credentials, as the SDK's default chain does
// for container credentials.
const credentialsExpiryWindow = 5 * time.Minute

const (
	algorithm = "AWS4-HMAC-SHA256"
	// maxPooledBuffer bounds the buffers kept for reuse: a huge key should
	// not pin its buffer.
	maxPooledBuffer = 64 << 10
)

// Signer makes the same presigned POST as Service, byte for byte, without
// the SDK's operation stack: it keeps the credentials cached, derives the
// SigV4 signing key once a day, and builds the policy document by hand. It
// is safe for concurrent use and takes no lock while signing.
type Signer struct {
	creds   aws.CredentialsProvider
	opts    Options
	url     string
	region  string // signing region, as PresignPostObject hands it over
	service string // signing name, likewise

	// policyTail follows the Content-Type value up to the key value.
	policyTail []byte

	scope   atomic.Pointer[scope]
	buffers sync.Pool // of *[]byte
}

// NewSignerFromClient returns a Signer that signs POSTs exactly as
// New(s3.NewPresignClient(client), o) does, with client's credentials.
// Where the POST goes and what it is signed for (URL, signing region and
// name) are not worked out here: they are what client's own
// PresignPostObject makes of its settings (region, FIPS, dual-stack,
// accelerate, custom endpoint, path style, ARN region) for o.Bucket, asked
// once. Buckets that need another auth scheme than SigV4 (multi-region
// access points, Outposts, S3 Express directory buckets) are refused: a
// POST policy is signed with SigV4 only.
func NewSignerFromClient(client *s3.Client, o Options) (*Signer, error) {
	creds := client.Options().Credentials
	switch {
	case creds == nil:
		return nil, errors.New("presign: no credentials provider")
	case o.Bucket == "":
		return nil, errors.New("presign: no bucket")
	case o.Expires <= 0:
		return nil, fmt.Errorf("presign: expiry %s is not positive", o.Expires)
	}
	t, err := resolvePost(client, o.Bucket)
	if err != nil {
		return nil, err
	}
	if t.scheme != smithyauth.SchemeIDSigV4 {
		return nil, fmt.Errorf("presign: bucket %s needs auth scheme %s; POST policies are signed with SigV4 only", o.Bucket, t.scheme)
	}
	if _, ok := creds.(*aws.CredentialsCache); !ok {
		creds = aws.NewCredentialsCache(creds, func(co *aws.CredentialsCacheOptions) {
			co.ExpiryWindow = credentialsExpiryWindow
		})
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Signer{
		creds:   creds,
		opts:    o,
		url:     t.url,
		region:  t.region,
		service: t.service,
	}

	// The policy is createPolicyDocument's json.Marshal of
	//   {"conditions": [algorithm, bucket, credential, date, token?,
	//     acl?, Content-Type, content-length-range, key], "expiration": …}
	// with the object's keys sorted and each condition a one-entry map.
	s.policyTail = append([]byte(nil), `},["content-length-range",1,`...)
	s.policyTail = strconv.AppendInt(s.policyTail, o.MaxBytes, 10)
	s.policyTail = append(s.policyTail, `],{"key":`...)
	s.buffers.New = func() any {
		b := make([]byte, 0, 4096)
		return &b
	}
	return s, nil
}

// URL is where the Signer's POSTs go: what PostURL gives for its client
// and bucket.
func (s *Signer) URL() string { return s.url }

// PostURL is the URL a presigned POST to bucket goes to with client's
// region and endpoint settings: what PresignPostObject, and so a Signer
// made from client, returns.
func PostURL(client *s3.Client, bucket string) (string, error) {
	t, err := resolvePost(client, bucket)
	return t.url, err
}

// postTarget is what a presigned POST's URL and signature depend on
// besides credentials, time and policy.
type postTarget struct {
	url             string
	region, service string // the SigV4 signing region and name
	// scheme is the auth scheme the SDK chose for the bucket's endpoint:
	// smithyauth.SchemeIDSigV4 unless the bucket needs another.
	scheme string
}

// resolvePost asks client's PresignPostObject for a POST to bucket and
// records the URL it returns and the signing region and name it hands its
// POST signer: the SDK's endpoint rules and client settings, applied by
// the SDK itself. The call runs with placeholder credentials, so it never
// asks client's credential source (or S3 Express) for any, and the POST
// it makes is thrown away.
func resolvePost(client *s3.Client, bucket string) (postTarget, error) {
	var t postTarget
	pc := s3.NewPresignClient(client, func(po *s3.PresignOptions) {
		po.ClientOptions = append(po.ClientOptions, func(o *s3.Options) {
			o.Credentials = probeCredentials
			schemes := make([]smithyhttp.AuthScheme, len(o.AuthSchemes))
			for i, s := range o.AuthSchemes {
				schemes[i] = probeScheme{AuthScheme: s, chosen: &t.scheme}
			}
			o.AuthSchemes = schemes
		})
	})
	out, err := pc.PresignPostObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket),
		Key:    aws.String("probe"),
	}, func(o *s3.PresignPostOptions) {
		o.PostPresigner = (*probePoster)(&t)
	})
	if err != nil {
		return postTarget{}, fmt.Errorf("presign: resolve endpoint for bucket %s: %w", bucket, err)
	}
	t.url = out.URL
	if t.scheme == "" {
		// None of client's auth schemes was asked for an identity: the
		// SDK chose to sign anonymously.
		t.scheme = smithyauth.SchemeIDAnonymous
	}
	return t, nil
}

// probeCredentials stand in for the client's own during resolvePost.
var probeCredentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "PROBE", SecretAccessKey: "PROBE", Source: "presign.resolvePost"}, nil
})

// probePoster is the POST signer resolvePost hands PresignPostObject: it
// records the signing region and name and signs nothing.
type probePoster postTarget

func (p *probePoster) PresignPost(_ aws.Credentials, _, _, region, service string, _ time.Time, _ []any, _ time.Time, _ ...func(*v4.SignerOptions)) (map[string]string, error) {
	p.region, p.service = region, service
	return map[string]string{}, nil
}

// probeScheme wraps one of the client's auth schemes to record whether
// the SDK chose it: the SDK asks only the chosen scheme's identity
// resolver for an identity. It hands out a placeholder identity: the
// presigned POST is signed with the operation's credentials, never with
// the identity.
type probeScheme struct {
	smithyhttp.AuthScheme
	chosen *string
}

func (s probeScheme) IdentityResolver(o smithyauth.IdentityResolverOptions) smithyauth.IdentityResolver {
	if s.AuthScheme.IdentityResolver(o) == nil {
		return nil // the SDK skips a scheme without one
	}
	return probeIdentityResolver(s)
}

type probeIdentityResolver probeScheme

func (r probeIdentityResolver) GetIdentity(context.Context, smithy.Properties) (smithyauth.Identity, error) {
	*r.chosen = r.AuthScheme.SchemeID()
	return &smithyauth.AnonymousIdentity{}, nil
}

// scope is what the signer derives from one set of credentials for one
// UTC day: the credential scope and the SigV4 signing key, held as a pool
// of HMACs keyed with it.
type scope struct {
	day                      int64 // days since 1970-01-01
	accessKey, secret, token string
	credential               string // the X-Amz-Credential value
	date                     string // "20060102"
	// policyHead is the policy up to the X-Amz-Date value;
	// policyAfterDate follows that value up to the Content-Type value
	// (token and ACL conditions included).
	policyHead, policyAfterDate []byte
	macs                        sync.Pool // of hash.Hash
}

// scopeFor returns the scope for creds on day, deriving it when the cached
// one is for another day or other credentials. Concurrent callers may
// derive the same scope twice; either result is correct.
func (s *Signer) scopeFor(creds *aws.Credentials, day int64, t time.Time) *scope {
	if sc := s.scope.Load(); sc != nil && sc.day == day &&
		sc.accessKey == creds.AccessKeyID && sc.secret == creds.SecretAccessKey && sc.token == creds.SessionToken {
		return sc
	}
	sc := s.newScope(creds, day, t)
	s.scope.Store(sc)
	return sc
}

func (s *Signer) newScope(creds *aws.Credentials, day int64, t time.Time) *scope {
	date := t.Format("20060102")
	credential := creds.AccessKeyID + "/" + date + "/" + s.region + "/" + s.service + "/aws4_request"
	key := hmacSHA256([]byte("AWS4"+creds.SecretAccessKey), date)
	key = hmacSHA256(key, s.region)
	key = hmacSHA256(key, s.service)
	key = hmacSHA256(key, "aws4_request")

	sc := &scope{
		day:        day,
		accessKey:  creds.AccessKeyID,
		secret:     creds.SecretAccessKey,
		token:      creds.SessionToken,
		credential: credential,
		date:       date,
	}
	sc.macs.New = func() any { return hmac.New(sha256.New, key) }

	h := append([]byte(nil), `{"conditions":[{"X-Amz-Algorithm":"AWS4-HMAC-SHA256"},{"bucket":`...)
	h = jsonstr.Append(h, s.opts.Bucket)
	h = append(h, `},{"X-Amz-Credential":`...)
	h = jsonstr.Append(h, credential)
	sc.policyHead = append(h, `},{"X-Amz-Date":"`...)

	a := append([]byte(nil), `"}`...)
	if creds.SessionToken != "" {
		a = append(a, `,{"X-Amz-Security-Token":`...)
		a = jsonstr.Append(a, creds.SessionToken)
		a = append(a, '}')
	}
	if s.opts.ACL != "" {
		a = append(a, `,{"acl":`...)
		a = jsonstr.Append(a, s.opts.ACL)
		a = append(a, '}')
	}
	sc.policyAfterDate = append(a, `,{"Content-Type":`...)
	return sc
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// Presign returns a POST that lets a browser upload one object of
// contentType at key. Errors getting credentials match ErrCredentials.
func (s *Signer) Presign(ctx context.Context, key, contentType string) (Post, error) {
	if key == "" {
		return Post{}, ErrEmptyKey
	}
	creds, err := s.creds.Retrieve(ctx)
	if err != nil {
		return Post{}, fmt.Errorf("presign %s: %w: %w", key, ErrCredentials, err)
	}
	now := s.opts.Now().UTC().Truncate(time.Second)
	expires := now.Add(s.opts.Expires)
	unix := now.Unix()
	day := unix / 86400
	if unix%86400 < 0 {
		day--
	}
	sc := s.scopeFor(&creds, day, now)

	bp := s.buffers.Get().(*[]byte)
	b := (*bp)[:0]

	// The policy document.
	b = append(b, sc.policyHead...)
	dateAt := len(b)
	b = appendAmzDate(b, sc.date, unix-day*86400)
	date := b[dateAt:]
	b = append(b, sc.policyAfterDate...)
	b = jsonstr.Append(b, contentType)
	b = append(b, s.policyTail...)
	b = jsonstr.Append(b, key)
	b = append(b, `}],"expiration":"`...)
	b = expires.AppendFormat(b, time.RFC3339)
	b = append(b, `"}`...)
	doc := len(b)

	// Then, after it, the field values: date, policy (the document in
	// base64) and signature (hex HMAC of the policy).
	b = append(b, date...)
	policyAt := len(b)
	b = base64.StdEncoding.AppendEncode(b, b[:doc])
	sigAt := len(b)
	mac := sc.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write(b[policyAt:sigAt])
	// The document is no longer needed: its first bytes hold the MAC.
	sum := mac.Sum(b[:0])
	sc.macs.Put(mac)
	b = hex.AppendEncode(b, sum)

	values := string(b[doc:]) // one allocation for all three
	if cap(b) <= maxPooledBuffer {
		*bp = b
		s.buffers.Put(bp)
	}

	fields := make(Fields, 0, 9)
	fields = append(fields, Field{"key", key})
	if s.opts.ACL != "" {
		fields = append(fields, Field{"acl", s.opts.ACL})
	}
	fields = append(fields,
		Field{"Content-Type", contentType},
		Field{"X-Amz-Algorithm", algorithm},
		Field{"X-Amz-Credential", sc.credential},
		Field{"X-Amz-Date", values[:policyAt-doc]},
	)
	if creds.SessionToken != "" {
		fields = append(fields, Field{"X-Amz-Security-Token", creds.SessionToken})
	}
	fields = append(fields,
		Field{"policy", values[policyAt-doc : sigAt-doc]},
		Field{"X-Amz-Signature", values[sigAt-doc:]},
	)
	return Post{URL: s.url, Fields: fields, Key: key, ExpiresAt: expires}, nil
}

// appendAmzDate appends date and the time of day secs as time.Format's
// "20060102T150405Z" would.
func appendAmzDate(b []byte, date string, secs int64) []byte {
	h, m, sec := secs/3600, secs/60%60, secs%60
	return append(append(b, date...), 'T',
		byte('0'+h/10), byte('0'+h%10),
		byte('0'+m/10), byte('0'+m%10),
		byte('0'+sec/10), byte('0'+sec%10), 'Z')
}
