// Package seaweedtest starts a real, policy-enforcing S3 server (SeaweedFS
// in "mini" mode) on loopback for tests. The weed binary is built once by
// `make seaweedfs` (see .ci/build-seaweedfs); tests find it through the
// VIDROP_SEAWEEDFS variable or the default cache path.
package seaweedtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Version is the pinned SeaweedFS module version.
const Version = "v0.0.0-20261109003541-7506e5f91cd6"

// Release is the release that Version reports itself as (`weed version`):
// docker-compose.yml runs the published image with this tag, so that
// compose runs the server the tests run.
const Release = "4.53"

// The static keys of the test identity. Without identities SeaweedFS checks
// no signatures at all.
const (
	AccessKey = "VIDROPTESTACCESSKEY"
	SecretKey = "vidrop-test-secret-key"
)

// Binary returns the path of the weed binary, or fails the test with what
// to do about it.
func Binary(tb testing.TB) string {
	tb.Helper()
	p := os.Getenv("VIDROP_SEAWEEDFS")
	if p == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			tb.Fatalf("seaweedtest: no cache dir: %v", err)
		}
		p = filepath.Join(cache, "vidrop", "seaweedfs", Version, "weed")
	}
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("seaweedtest: SeaweedFS binary %s not found: run `make seaweedfs` (or `make test`, which builds it)", p)
	}
	return p
}

// Server is a running SeaweedFS with one bucket.
type Server struct {
	// Endpoint is the S3 API's base URL, e.g. http://127.0.0.1:41234.
	Endpoint string
	Bucket   string

	tb    testing.TB
	bin   string
	args  []string
	dir   string
	log   *os.File
	cmd   *exec.Cmd
	done  chan struct{}
	s3cli *s3.Client
}

// Start runs SeaweedFS with bucket on free loopback ports and waits until a
// signed PutObject succeeds. It is stopped when the test ends.
func Start(tb testing.TB, bucket string) *Server {
	tb.Helper()
	ids := map[string]any{"identities": []any{
		map[string]any{
			"name":        "vidrop-test",
			"credentials": []any{map[string]string{"accessKey": AccessKey, "secretKey": SecretKey}},
			"actions":     []string{"Admin", "Read", "Write", "List", "Tagging"},
		},
		// Public playback: SeaweedFS checks the POST's acl condition but
		// does not store the ACL, so reads are granted here instead.
		map[string]any{"name": "anonymous", "actions": []string{"Read:" + bucket}},
	}}
	idsPath := filepath.Join(tb.TempDir(), "identities.json")
	b, _ := json.Marshal(ids)
	if err := os.WriteFile(idsPath, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	return StartMini(tb, []string{
		"mini",
		"-ip=127.0.0.1",
		"-s3.config=" + idsPath,
		"-bucket=" + bucket,
		"-webdav=false", "-admin.ui=false",
		"-s3.port.iceberg=0", "-s3.port.lance=0",
	}, bucket, AccessKey, SecretKey)
}

// StartMini runs `weed` with args (a mini command line, such as
// docker-compose.yml's), whose identities include accessKey/secretKey
// with write access to bucket, and waits until a signed PutObject
// succeeds. The data directory, the bind address (loopback) and free ports
// are appended, so they override args. It is stopped when the test ends.
func StartMini(tb testing.TB, args []string, bucket, accessKey, secretKey string) *Server {
	tb.Helper()
	bin := Binary(tb)
	dir := tb.TempDir()
	ports := freePorts(tb, 5)
	s := &Server{
		Endpoint: "http://127.0.0.1:" + strconv.Itoa(ports[0]),
		Bucket:   bucket,
		tb:       tb,
		bin:      bin,
		dir:      dir,
		args: append(slices.Clone(args),
			"-dir="+filepath.Join(dir, "data"),
			"-ip.bind=127.0.0.1",
			"-s3.port="+strconv.Itoa(ports[0]),
			"-master.port="+strconv.Itoa(ports[1]),
			"-volume.port="+strconv.Itoa(ports[2]),
			"-filer.port="+strconv.Itoa(ports[3]),
			"-admin.port="+strconv.Itoa(ports[4]),
			"-admin.port.legacy=0",
		),
	}
	s.s3cli = s3.New(s3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
	})
	tb.Cleanup(s.Stop)
	s.Restart()
	return s
}

// Client returns an S3 client with the keys the server was started with.
func (s *Server) Client() *s3.Client { return s.s3cli }

// Restart starts the server again after Stop, on the same ports and data,
// and waits until it is ready.
func (s *Server) Restart() {
	s.tb.Helper()
	if s.cmd != nil {
		s.tb.Fatal("seaweedtest: Restart while running")
	}
	logf, err := os.OpenFile(filepath.Join(s.dir, "weed.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.tb.Fatal(err)
	}
	cmd := exec.Command(s.bin, s.args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		s.tb.Fatalf("seaweedtest: start: %v", err)
	}
	s.cmd, s.log, s.done = cmd, logf, make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.done) }()
	if err := s.waitReady(90 * time.Second); err != nil {
		s.Stop()
		s.tb.Fatalf("seaweedtest: %v\n--- weed log (tail) ---\n%s", err, s.logTail())
	}
}

// waitReady polls with a signed PutObject: SeaweedFS answers its health
// endpoint before the bucket and the volume are usable.
func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, last = s.s3cli.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(s.Bucket), Key: aws.String(".ready"), Body: strings.NewReader("ok"),
		})
		cancel()
		if last == nil {
			_, last = s.s3cli.DeleteObject(context.Background(), &s3.DeleteObjectInput{
				Bucket: aws.String(s.Bucket), Key: aws.String(".ready"),
			})
			if last == nil {
				return nil
			}
		}
		select {
		case <-s.done:
			return errors.New("weed exited while starting")
		case <-tick.C:
		}
	}
	return fmt.Errorf("not ready after %s: %v", limit, last)
}

// Stop ends the server and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	s.log.Close()
	s.cmd = nil
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "weed.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(bytes.TrimSpace(b))
}

// Object reads back key with the server's keys, with its content type.
func (s *Server) Object(ctx context.Context, key string) ([]byte, string, error) {
	out, err := s.s3cli.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)})
	if err != nil {
		return nil, "", err
	}
	defer out.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(out.Body); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), aws.ToString(out.ContentType), nil
}

// Exists reports whether key is in the bucket.
func (s *Server) Exists(ctx context.Context, key string) (bool, error) {
	_, err := s.s3cli.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)})
	if err == nil {
		return true, nil
	}
	var nf interface{ ErrorCode() string }
	if errors.As(err, &nf) && (nf.ErrorCode() == "NotFound" || nf.ErrorCode() == "NoSuchKey") {
		return false, nil
	}
	return false, err
}

// freePorts finds n loopback ports that are free, and whose gRPC twins
// (port+10000, which SeaweedFS also binds) are free too.
func freePorts(tb testing.TB, n int) []int {
	tb.Helper()
	var ports []int
	var hold []net.Listener
	defer func() {
		for _, l := range hold {
			l.Close()
		}
	}()
	for tries := 0; len(ports) < n && tries < 200; tries++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		if p+10000 > 65535 {
			l.Close()
			continue
		}
		twin, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000))
		if err != nil {
			l.Close()
			continue
		}
		hold = append(hold, l, twin)
		ports = append(ports, p)
	}
	if len(ports) < n {
		tb.Fatal("seaweedtest: no free ports")
	}
	return ports
}
