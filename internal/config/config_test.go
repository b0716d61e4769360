package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.ListenAddr != ":8080" || c.Region != "us-east-1" || c.UploadACL != "public-read" ||
		c.UploadExpires != time.Hour || c.UploadMaxBytes != 1<<30 || c.ShutdownTimeout != 20*time.Second ||
		c.LogLevel != "info" || c.LogFormat != "json" || !slices.Equal(c.CORSAllowedOrigins, []string{"*"}) || !c.Embedded() || c.PathStyle {
		t.Errorf("defaults = %+v", c)
	}
}

func TestEmptyACLMeansNone(t *testing.T) {
	t.Parallel()
	c, err := Load([]string{"UPLOAD_ACL="})
	if err != nil {
		t.Fatal(err)
	}
	if c.UploadACL != "" {
		t.Errorf("UPLOAD_ACL= gave %q, want no ACL", c.UploadACL)
	}
}

func TestValues(t *testing.T) {
	t.Parallel()
	c, err := Load([]string{
		"S3_BUCKET=b", "S3_ENDPOINT=http://127.0.0.1:8333", "S3_PATH_STYLE=true",
		"UPLOAD_ACL=private", "UPLOAD_EXPIRES=168h", "UPLOAD_MAX_BYTES=5368709120",
		"KEY_PREFIX=videos/", "CORS_ALLOWED_ORIGINS=https://a.example, http://localhost:3000/",
		"CSP_CONNECT_SRC=https://api.example.com,https://bucket.s3.eu-west-1.amazonaws.com/",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Embedded() || !c.PathStyle || c.UploadACL != "private" || c.UploadExpires != 168*time.Hour ||
		c.UploadMaxBytes != 5<<30 || c.KeyPrefix != "videos/" ||
		strings.Join(c.CORSAllowedOrigins, " ") != "https://a.example http://localhost:3000" ||
		strings.Join(c.CSPConnectSrc, " ") != "https://api.example.com https://bucket.s3.eu-west-1.amazonaws.com" {
		t.Errorf("got %+v", c)
	}
}

func TestInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  string
		want string
	}{
		{"UPLOAD_ACL=public", "UPLOAD_ACL"},
		{"UPLOAD_EXPIRES=169h", "168h"},
		{"UPLOAD_EXPIRES=168h0m1s", "168h"},
		{"UPLOAD_EXPIRES=0s", "UPLOAD_EXPIRES must be positive"},
		{"UPLOAD_EXPIRES=1500ms", "whole seconds"},
		{"UPLOAD_EXPIRES=soon", "UPLOAD_EXPIRES"},
		{"UPLOAD_MAX_BYTES=0", "UPLOAD_MAX_BYTES"},
		{"UPLOAD_MAX_BYTES=5368709121", "5 GiB"},
		{"KEY_PREFIX=/abs", "KEY_PREFIX"},
		{"KEY_PREFIX=a/../b", "KEY_PREFIX"},
		{"KEY_PREFIX=a b/", "KEY_PREFIX"},
		{"S3_ENDPOINT=localhost:9000", "S3_ENDPOINT"},
		{"S3_PUBLIC_ENDPOINT=ftp://x", "S3_PUBLIC_ENDPOINT"},
		{"CORS_ALLOWED_ORIGINS=example.com", "CORS_ALLOWED_ORIGINS"},
		{"CORS_ALLOWED_ORIGINS= , ", "CORS_ALLOWED_ORIGINS"},
		{"CSP_CONNECT_SRC=*", "CSP_CONNECT_SRC"},
		{"CSP_CONNECT_SRC=api.example.com", "CSP_CONNECT_SRC"},
		{"CSP_CONNECT_SRC=https://api.example.com/v1", "CSP_CONNECT_SRC"},
		{"CSP_CONNECT_SRC=https://a.example 'unsafe-inline'", "CSP_CONNECT_SRC"},
		{"LOG_LEVEL=loud", "LOG_LEVEL"},
		{"LOG_FORMAT=xml", "LOG_FORMAT"},
		{"SHUTDOWN_TIMEOUT=-1s", "SHUTDOWN_TIMEOUT"},
		{"S3_PATH_STYLE=maybe", "S3_PATH_STYLE"},
	}
	for _, tt := range tests {
		env := []string{"S3_BUCKET=b"}
		if tt.env != "" {
			env = append(env, tt.env)
		}
		_, err := Load(env)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load(%q) error = %v, want one mentioning %q", tt.env, err, tt.want)
		}
	}
}

func TestEndpointWithoutBucket(t *testing.T) {
	t.Parallel()
	if _, err := Load([]string{"S3_ENDPOINT=http://127.0.0.1:9000"}); err == nil || !strings.Contains(err.Error(), "S3_BUCKET") {
		t.Errorf("error = %v", err)
	}
}

func TestBasicAuthFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(p, []byte("alice:$2y$10$abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{"BASIC_AUTH_FILE=" + p})
	if err != nil {
		t.Fatal(err)
	}
	if c.BasicAuthUsers != "alice:$2y$10$abc\n" {
		t.Errorf("users = %q", c.BasicAuthUsers)
	}
	if _, err := Load([]string{"BASIC_AUTH_FILE=" + p + ".missing"}); err == nil {
		t.Error("missing file accepted")
	}
	if _, err := Load([]string{"BASIC_AUTH_FILE=" + p, "BASIC_AUTH_USERS=bob:x"}); err == nil {
		t.Error("both set accepted")
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	names := Names()
	if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Errorf("Names() = %v, want sorted and unique", names)
	}
	for _, want := range []string{
		"LISTEN_ADDR", "S3_BUCKET", "AWS_REGION", "S3_ENDPOINT", "S3_PUBLIC_ENDPOINT", "S3_PATH_STYLE",
		"UPLOAD_ACL", "UPLOAD_EXPIRES", "UPLOAD_MAX_BYTES", "KEY_PREFIX", "CORS_ALLOWED_ORIGINS",
		"BASIC_AUTH_USERS", "BASIC_AUTH_FILE", "LOG_LEVEL", "LOG_FORMAT", "SHUTDOWN_TIMEOUT",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("Names() lacks %s: %v", want, names)
		}
	}
	for _, n := range names {
		if n == "" || n == "-" || strings.ContainsAny(n, ",= ") {
			t.Errorf("Names() holds %q, not a variable name", n)
		}
	}
}

func TestAbuseControls(t *testing.T) {
	t.Parallel()
	c, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.PresignRatePerIP != (Rate{60, time.Minute}) || c.PresignRatePerMail != (Rate{20, time.Minute}) ||
		c.AuthFailRatePerIP != (Rate{10, time.Minute}) || len(c.TrustedPrefixes) != 0 ||
		c.StoreMaxMails != 100000 || c.StoreMaxKeysPerMail != 100 || c.MaxHeaderBytes != 16384 || c.MaxQueryBytes != 2048 {
		t.Errorf("defaults = %+v", c)
	}
	c, err = Load([]string{
		"PRESIGN_RATE_PER_IP=0", "PRESIGN_RATE_PER_MAIL=5/10s", "AUTH_FAIL_RATE_PER_IP=3/1h",
		"TRUSTED_PROXIES=10.0.0.0/16, 192.0.2.7,::1,::ffff:198.51.100.1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !c.PresignRatePerIP.Off() || c.PresignRatePerMail != (Rate{5, 10 * time.Second}) || c.AuthFailRatePerIP != (Rate{3, time.Hour}) {
		t.Errorf("rates = %v %v %v", c.PresignRatePerIP, c.PresignRatePerMail, c.AuthFailRatePerIP)
	}
	var got []string
	for _, p := range c.TrustedPrefixes {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "10.0.0.0/16 192.0.2.7/32 ::1/128 198.51.100.1/32" {
		t.Errorf("prefixes = %v", got)
	}
	for _, tt := range []struct{ env, want string }{
		{"PRESIGN_RATE_PER_IP=60", "PRESIGN_RATE_PER_IP"},
		{"PRESIGN_RATE_PER_IP=-1/1m", "PRESIGN_RATE_PER_IP"},
		{"PRESIGN_RATE_PER_MAIL=5/fast", "PRESIGN_RATE_PER_MAIL"},
		{"AUTH_FAIL_RATE_PER_IP=5/1ms", "at least 1s"},
		{"TRUSTED_PROXIES=10.0.0.0/33", "TRUSTED_PROXIES"},
		{"TRUSTED_PROXIES=proxy.internal", "TRUSTED_PROXIES"},
		{"STORE_MAX_MAILS=0", "STORE_MAX_MAILS"},
		{"STORE_MAX_KEYS_PER_MAIL=0", "STORE_MAX_KEYS_PER_MAIL"},
		{"MAX_HEADER_BYTES=10", "MAX_HEADER_BYTES"},
		{"MAX_QUERY_BYTES=1", "MAX_QUERY_BYTES"},
	} {
		if _, err := Load([]string{tt.env}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load(%q) = %v, want an error mentioning %q", tt.env, err, tt.want)
		}
	}
}

func TestPresignSigner(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		env  string
		want string
		ok   bool
	}{{"", "direct", true}, {"PRESIGN_SIGNER=sdk", "sdk", true}, {"PRESIGN_SIGNER=fast", "", false}} {
		var env []string
		if tt.env != "" {
			env = []string{tt.env}
		}
		c, err := Load(env)
		if (err == nil) != tt.ok || (tt.ok && c.PresignSigner != tt.want) {
			t.Errorf("Load(%q) = %q, %v", tt.env, c.PresignSigner, err)
		}
	}
}
