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
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyauth "github.com/aws/smithy-go/auth"
	smithyendpoints "github.com/aws/smithy-go/endpoints"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/vidrop/vidrop/internal/jsonstr"
)

// ErrCredentials marks a failure to obtain AWS credentials: the signer
// cannot work until the credential source answers again.
var ErrCredentials = errors.New("AWS credentials unavailable")

// ErrEmptyKey is returned for an empty object key, which S3 (and the SDK)
// refuse.
var ErrEmptyKey = errors.New("presign: empty object key")

// credentialsExpiryWindow is how long before their expiry NewSigner's own
// credentials cache refreshes credentials, as the SDK's default chain does
// for container credentials.
const credentialsExpiryWindow = 5 * time.Minute

const (
	algorithm = "AWS4-HMAC-SHA256"
	// sigv4 is the only auth scheme a POST policy can be signed with, as
	// S3's endpoint rules name it.
	sigv4 = "sigv4"
	// policyMid follows the X-Amz-Credential value up to the X-Amz-Date
	// value in the policy document.
	policyMid = `"},{"X-Amz-Date":"`
	// maxPooledBuffer bounds the buffers kept for reuse: a huge key should
	// not pin its buffer.
	maxPooledBuffer = 64 << 10
)

// SignerConfig says whose credentials sign and where browsers post to. The
// URL is resolved from it once, with the SDK's own endpoint rules, so it is
// the URL PresignPostObject returns for an s3.Client with the same Region,
// BaseEndpoint and UsePathStyle.
type SignerConfig struct {
	// Credentials sign every policy. Unless it already is one, it is
	// wrapped in an aws.CredentialsCache that refreshes them five minutes
	// before they expire.
	Credentials aws.CredentialsProvider
	// Region is the bucket's region: it scopes the signature and, without
	// an Endpoint, picks AWS's endpoint.
	Region string
	// Endpoint is a custom S3 endpoint such as "http://127.0.0.1:8333" or
	// "http://host:8080/s3" (its path is kept); "" means AWS.
	Endpoint string
	// PathStyle puts the bucket in the URL's path, not its host name.
	PathStyle bool
}

// Signer makes the same presigned POST as Service, byte for byte, without
// the SDK's operation stack: it keeps the credentials cached, derives the
// SigV4 signing key once a day, and builds the policy document by hand. It
// is safe for concurrent use and takes no lock while signing.
type Signer struct {
	creds   aws.CredentialsProvider
	opts    Options
	url     string
	region  string // signing region, from the endpoint's auth scheme
	service string // signing name, likewise

	// policyTail follows the Content-Type value up to the key value.
	policyTail []byte

	scope   atomic.Pointer[scope]
	buffers sync.Pool // of *[]byte
}

// NewSigner returns a Signer for c that signs POSTs as Service does for o
// with an s3.Client made from the same settings.
func NewSigner(c SignerConfig, o Options) (*Signer, error) {
	so := s3.Options{Region: c.Region, Credentials: c.Credentials, UsePathStyle: c.PathStyle}
	if c.Endpoint != "" {
		so.BaseEndpoint = aws.String(c.Endpoint)
	}
	return NewSignerFromClient(s3.New(so), o)
}

// NewSignerFromClient returns a Signer that signs POSTs exactly as
// New(s3.NewPresignClient(client), o) does: with client's credentials,
// and its region and endpoint settings (including FIPS, dual-stack,
// accelerate and ARN region), resolved once with client's endpoint
// resolver.
func NewSignerFromClient(client *s3.Client, o Options) (*Signer, error) {
	co := client.Options()
	return newSigner(co.Credentials, co.EndpointResolverV2, endpointParams(co), o)
}

// PostURL is the URL a presigned POST to bucket goes to with client's
// region and endpoint settings: what PresignPostObject and a Signer made
// from client return.
func PostURL(client *s3.Client, bucket string) (string, error) {
	co := client.Options()
	ep, err := resolveEndpoint(co.EndpointResolverV2, endpointParams(co), bucket)
	if err != nil {
		return "", err
	}
	return ep.URI.String(), nil
}

// endpointParams are the parameters the SDK binds for every operation;
// see bindEndpointParams in service/s3.
func endpointParams(co s3.Options) s3.EndpointParameters {
	return s3.EndpointParameters{
		Region:                         aws.String(co.Region),
		UseFIPS:                        aws.Bool(co.EndpointOptions.UseFIPSEndpoint == aws.FIPSEndpointStateEnabled),
		UseDualStack:                   aws.Bool(co.EndpointOptions.UseDualStackEndpoint == aws.DualStackEndpointStateEnabled),
		Endpoint:                       co.BaseEndpoint,
		ForcePathStyle:                 aws.Bool(co.UsePathStyle),
		Accelerate:                     aws.Bool(co.UseAccelerate),
		DisableMultiRegionAccessPoints: aws.Bool(co.DisableMultiRegionAccessPoints),
		UseArnRegion:                   aws.Bool(co.UseARNRegion),
		DisableS3ExpressSessionAuth:    co.DisableS3ExpressSessionAuth,
	}
}

// resolveEndpoint resolves bucket's endpoint with resolver (the SDK's
// default when nil).
func resolveEndpoint(resolver s3.EndpointResolverV2, params s3.EndpointParameters, bucket string) (smithyendpoints.Endpoint, error) {
	if resolver == nil {
		resolver = s3.NewDefaultEndpointResolverV2()
	}
	params.Bucket = aws.String(bucket)
	ep, err := resolver.ResolveEndpoint(context.Background(), params)
	if err != nil {
		return ep, fmt.Errorf("presign: resolve endpoint for bucket %s: %w", bucket, err)
	}
	return ep, nil
}

func newSigner(creds aws.CredentialsProvider, resolver s3.EndpointResolverV2, params s3.EndpointParameters, o Options) (*Signer, error) {
	switch {
	case creds == nil:
		return nil, errors.New("presign: no credentials provider")
	case o.Bucket == "":
		return nil, errors.New("presign: no bucket")
	case o.Expires <= 0:
		return nil, fmt.Errorf("presign: expiry %s is not positive", o.Expires)
	}
	if _, ok := creds.(*aws.CredentialsCache); !ok {
		creds = aws.NewCredentialsCache(creds, func(co *aws.CredentialsCacheOptions) {
			co.ExpiryWindow = credentialsExpiryWindow
		})
	}
	if o.Now == nil {
		o.Now = time.Now
	}

	ep, err := resolveEndpoint(resolver, params, o.Bucket)
	if err != nil {
		return nil, err
	}
	s := &Signer{
		creds:   creds,
		opts:    o,
		url:     ep.URI.String(),
		region:  aws.ToString(params.Region),
		service: "s3",
	}
	// The SDK signs with the endpoint's SigV4 signing name and region
	// when it names them.
	if opts, ok := smithyauth.GetAuthOptions(&ep.Properties); ok && len(opts) > 0 {
		if id := opts[0].SchemeID; id != sigv4 && id != "aws.auth#sigv4" {
			return nil, fmt.Errorf("presign: bucket %s needs auth scheme %s; POST policies are signed with SigV4 only", o.Bucket, opts[0].SchemeID)
		}
		if name, ok := smithyhttp.GetSigV4SigningName(&opts[0].SignerProperties); ok {
			s.service = name
		}
		if region, ok := smithyhttp.GetSigV4SigningRegion(&opts[0].SignerProperties); ok {
			s.region = region
		}
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

// scope is what the signer derives from one set of credentials for one
// UTC day: the credential scope and the SigV4 signing key, held as a pool
// of HMACs keyed with it.
type scope struct {
	day                      int64 // days since 1970-01-01
	accessKey, secret, token string
	credential               string // the X-Amz-Credential value
	date                     string // "20060102"
	// policyHead is the policy up to the X-Amz-Credential value's end
	// quote; policyAfterDate follows the X-Amz-Date value up to the
	// Content-Type value (token and ACL conditions included).
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
	sc.policyHead = h[:len(h)-1] // the date follows the closing quote's place

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
	b = append(b, policyMid...)
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
