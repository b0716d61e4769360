// Package config reads vidrop's settings from environment variables and
// checks them before anything starts.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Limits imposed by S3 and SigV4.
const (
	// MaxPostBytes is the largest object a browser POST upload may carry.
	MaxPostBytes = 5 << 30
	// MaxExpires is the longest lifetime of a SigV4 signature.
	MaxExpires = 7 * 24 * time.Hour
)

// DefaultACL is the canned ACL uploads get when UPLOAD_ACL is not set.
const DefaultACL = "public-read"

// aclVar is read by hand, not through an env tag: set but empty means "no
// ACL", where env would fall back to the default.
const aclVar = "UPLOAD_ACL"

// cannedACLs are the ACLs S3 accepts in a POST policy's acl condition.
var cannedACLs = []string{
	"private", "public-read", "public-read-write", "authenticated-read",
	"aws-exec-read", "bucket-owner-read", "bucket-owner-full-control",
}

// Config is every setting vidrop reads. Field tags name the variables; the
// README's configuration table documents the same list.
type Config struct {
	ListenAddr string `env:"LISTEN_ADDR" envDefault:":8080"`

	Bucket         string `env:"S3_BUCKET"`
	Region         string `env:"AWS_REGION" envDefault:"us-east-1"`
	Endpoint       string `env:"S3_ENDPOINT"`
	PublicEndpoint string `env:"S3_PUBLIC_ENDPOINT"`
	PathStyle      bool   `env:"S3_PATH_STYLE" envDefault:"false"`

	// UploadACL is "" when uploads carry no ACL. Parsed by hand: env
	// would give an empty variable the default.
	UploadACL      string        `env:"-"`
	UploadExpires  time.Duration `env:"UPLOAD_EXPIRES" envDefault:"1h"`
	UploadMaxBytes int64         `env:"UPLOAD_MAX_BYTES" envDefault:"1073741824"`
	KeyPrefix      string        `env:"KEY_PREFIX"`
	// PresignSigner is "direct" (vidrop's own SigV4 signer, identical
	// output) or "sdk" (PresignPostObject per request, for comparison).
	PresignSigner string `env:"PRESIGN_SIGNER" envDefault:"direct"`

	CORSAllowedOrigins []string `env:"CORS_ALLOWED_ORIGINS" envDefault:"*" envSeparator:","`
	// CSPConnectSrc are origins the recorder page may also connect to and
	// play videos from: another API's and its bucket's, for a page used
	// with ?api=.
	CSPConnectSrc []string `env:"CSP_CONNECT_SRC" envSeparator:","`

	BasicAuthUsers string `env:"BASIC_AUTH_USERS"`
	BasicAuthFile  string `env:"BASIC_AUTH_FILE"`

	// Abuse controls; see the README for what each one counts.
	PresignRatePerIP   Rate     `env:"PRESIGN_RATE_PER_IP" envDefault:"60/1m"`
	PresignRatePerMail Rate     `env:"PRESIGN_RATE_PER_MAIL" envDefault:"20/1m"`
	AuthFailRatePerIP  Rate     `env:"AUTH_FAIL_RATE_PER_IP" envDefault:"10/1m"`
	TrustedProxies     []string `env:"TRUSTED_PROXIES" envSeparator:","`
	// TrustedPrefixes is TrustedProxies parsed, bare IPs as /32 or /128.
	TrustedPrefixes []netip.Prefix `env:"-"`

	StoreMaxMails       int `env:"STORE_MAX_MAILS" envDefault:"100000"`
	StoreMaxKeysPerMail int `env:"STORE_MAX_KEYS_PER_MAIL" envDefault:"100"`

	MaxHeaderBytes int `env:"MAX_HEADER_BYTES" envDefault:"16384"`
	MaxQueryBytes  int `env:"MAX_QUERY_BYTES" envDefault:"2048"`

	LogLevel  string `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat string `env:"LOG_FORMAT" envDefault:"json"`

	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"20s"`
}

// Embedded reports whether vidrop runs its own in-memory S3 store, which it
// does when no bucket is configured.
func (c Config) Embedded() bool { return c.Bucket == "" }

// Load parses environ (as from os.Environ) and validates the result. The
// error lists every problem found, with two exceptions that stop Load
// early: values that cannot be parsed at all are reported first, on their
// own (all of them together), and so is an unreadable BASIC_AUTH_FILE.
func Load(environ []string) (Config, error) {
	vars := env.ToMap(environ)
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Environment: vars}); err != nil {
		return Config{}, fmt.Errorf("config: %w", explain(err))
	}
	acl, set := vars[aclVar]
	if !set {
		acl = DefaultACL
	}
	c.UploadACL = strings.TrimSpace(acl)
	c.CORSAllowedOrigins = trimAll(c.CORSAllowedOrigins)
	c.CSPConnectSrc = trimAll(c.CSPConnectSrc)
	if c.BasicAuthUsers == "" && c.BasicAuthFile != "" {
		b, err := os.ReadFile(c.BasicAuthFile)
		if err != nil {
			return Config{}, fmt.Errorf("config: BASIC_AUTH_FILE: %w", err)
		}
		c.BasicAuthUsers = string(b)
	}
	if err := c.validate(vars); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return c, nil
}

func (c *Config) validate(vars map[string]string) error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	if c.ListenAddr == "" {
		bad("LISTEN_ADDR must not be empty")
	}
	if vars["BASIC_AUTH_USERS"] != "" && vars["BASIC_AUTH_FILE"] != "" {
		bad("set BASIC_AUTH_USERS or BASIC_AUTH_FILE, not both")
	}
	if c.Region == "" {
		bad("AWS_REGION must not be empty")
	}
	for _, e := range []struct{ name, val string }{
		{"S3_ENDPOINT", c.Endpoint}, {"S3_PUBLIC_ENDPOINT", c.PublicEndpoint},
	} {
		if e.val == "" {
			continue
		}
		u, err := url.Parse(e.val)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			bad("%s must be an http(s) URL without query, got %q", e.name, e.val)
		}
	}
	if c.Embedded() && c.Endpoint != "" {
		bad("S3_ENDPOINT is set but S3_BUCKET is not: set the bucket too, or neither for the embedded store")
	}
	if c.UploadACL != "" && !slices.Contains(cannedACLs, c.UploadACL) {
		bad("UPLOAD_ACL must be empty or one of %s, got %q", strings.Join(cannedACLs, ", "), c.UploadACL)
	}
	if c.PresignSigner != "direct" && c.PresignSigner != "sdk" {
		bad("PRESIGN_SIGNER must be direct or sdk, got %q", c.PresignSigner)
	}
	if c.UploadExpires <= 0 {
		bad("UPLOAD_EXPIRES must be positive, got %s", c.UploadExpires)
	}
	if c.UploadExpires > MaxExpires {
		bad("UPLOAD_EXPIRES must be at most 168h (SigV4's 7-day limit), got %s", c.UploadExpires)
	}
	if c.UploadExpires%time.Second != 0 {
		bad("UPLOAD_EXPIRES must be whole seconds, got %s", c.UploadExpires)
	}
	if c.UploadMaxBytes < 1 || c.UploadMaxBytes > MaxPostBytes {
		bad("UPLOAD_MAX_BYTES must be between 1 and %d (5 GiB, S3's POST limit), got %d", int64(MaxPostBytes), c.UploadMaxBytes)
	}
	if err := validPrefix(c.KeyPrefix); err != nil {
		bad("KEY_PREFIX %v", err)
	}
	if len(c.CORSAllowedOrigins) == 0 {
		bad("CORS_ALLOWED_ORIGINS must name at least one origin, or *")
	}
	for _, o := range c.CORSAllowedOrigins {
		if o != "*" && !isOrigin(o) {
			bad("CORS_ALLOWED_ORIGINS entry %q is not an origin such as https://app.example.com", o)
		}
	}
	for _, o := range c.CSPConnectSrc {
		// A quote, space or ";" would change the policy's meaning.
		if !isOrigin(o) || strings.ContainsAny(o, " ;,'\"*") {
			bad("CSP_CONNECT_SRC entry %q is not an origin such as https://api.example.com", o)
		}
	}
	if _, err := c.SlogLevel(); err != nil {
		bad("LOG_LEVEL %v", err)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		bad("LOG_FORMAT must be json or text, got %q", c.LogFormat)
	}
	for _, p := range c.TrustedProxies {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		prefix, err := parsePrefix(p)
		if err != nil {
			bad("TRUSTED_PROXIES entry %q is not an IP address or CIDR", p)
			continue
		}
		c.TrustedPrefixes = append(c.TrustedPrefixes, prefix)
	}
	if c.StoreMaxMails < 1 {
		bad("STORE_MAX_MAILS must be at least 1, got %d", c.StoreMaxMails)
	}
	if c.StoreMaxKeysPerMail < 1 || c.StoreMaxKeysPerMail > 1<<31 {
		bad("STORE_MAX_KEYS_PER_MAIL must be between 1 and 2147483648, got %d", c.StoreMaxKeysPerMail)
	}
	if c.MaxHeaderBytes < 1024 || c.MaxHeaderBytes > 1<<20 {
		bad("MAX_HEADER_BYTES must be between 1024 and 1048576, got %d", c.MaxHeaderBytes)
	}
	if c.MaxQueryBytes < 256 || c.MaxQueryBytes > 1<<16 {
		bad("MAX_QUERY_BYTES must be between 256 and 65536, got %d", c.MaxQueryBytes)
	}
	if c.ShutdownTimeout <= 0 {
		bad("SHUTDOWN_TIMEOUT must be positive, got %s", c.ShutdownTimeout)
	}
	return errors.Join(errs...)
}

// isOrigin reports whether o is an http(s) origin: a scheme and a host,
// with no path (trimAll has removed a trailing "/"), query or fragment.
func isOrigin(o string) bool {
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		u.Path == "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil
}

// validPrefix accepts "" or a run of path-safe characters that does not
// start with "/" and contains no "." or ".." segment.
func validPrefix(p string) error {
	if p == "" {
		return nil
	}
	if len(p) > 256 {
		return errors.New("must be at most 256 bytes")
	}
	if strings.HasPrefix(p, "/") {
		return errors.New("must not start with /")
	}
	for _, seg := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("has an empty, . or .. segment: %q", p)
		}
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/!-_.*'()", r)) {
			return fmt.Errorf("may hold only letters, digits and / ! - _ . * ' ( ), got %q", p)
		}
	}
	return nil
}

// Names lists, sorted, every environment variable Load reads: the env tags
// of Config plus the variables read by hand. Deployment files are checked
// against it, so a variable read any other way must be added here.
func Names() []string {
	params, err := env.GetFieldParams(&Config{})
	if err != nil {
		panic(fmt.Sprintf("config: Config's env tags: %v", err)) // Load would fail the same way
	}
	names := []string{aclVar}
	for _, p := range params {
		names = append(names, p.Key)
	}
	slices.Sort(names)
	return names
}

// parsePrefix reads a CIDR or a bare IP (as a single-address prefix).
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// SlogLevel parses LOG_LEVEL.
func (c Config) SlogLevel() (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(c.LogLevel))
	return l, err
}

// explain rewrites env's parse errors, which name Go fields, to name the
// variables instead.
func explain(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return err
	}
	t := reflect.TypeFor[Config]()
	var out []error
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			if f, ok := t.FieldByName(pe.Name); ok {
				out = append(out, fmt.Errorf("%s: %w", f.Tag.Get("env"), pe.Err))
				continue
			}
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}

func trimAll(ss []string) []string {
	out := ss[:0]
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, strings.TrimSuffix(s, "/"))
		}
	}
	return out
}
