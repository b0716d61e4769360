// Package buildtest builds vidrop for tests exactly as the Dockerfile does,
// and runs the result, so that tests exercise the binary the image ships.
package buildtest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Dockerfile is what the tests need from the Dockerfile.
type Dockerfile struct {
	// BuildEnv and BuildArgs are the `go build` line's variables and
	// words ("go", "build", flags…), with ${…} still unexpanded.
	BuildEnv  []string
	BuildArgs []string
	// Args are the ARG defaults.
	Args map[string]string
	// HealthCheck and Entrypoint are the exec-form commands;
	// HealthCheckFlags are the options before HEALTHCHECK's CMD.
	HealthCheck      []string
	HealthCheckFlags string
	Entrypoint       []string
}

// ParseDockerfile reads the parts of path the tests use.
func ParseDockerfile(path string) (Dockerfile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Dockerfile{}, err
	}
	d := Dockerfile{Args: map[string]string{}}
	// Join continuation lines; drop comments.
	var lines []string
	var cur strings.Builder
	for _, l := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "#") {
			continue
		}
		if s, ok := strings.CutSuffix(t, "\\"); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(t)
		lines = append(lines, cur.String())
		cur.Reset()
	}
	var builds int
	for _, l := range lines {
		instr, rest, _ := strings.Cut(l, " ")
		switch strings.ToUpper(instr) {
		case "ARG":
			name, val, _ := strings.Cut(strings.TrimSpace(rest), "=")
			d.Args[name] = val
		case "RUN":
			words, err := shellWords(rest)
			if err != nil {
				return Dockerfile{}, fmt.Errorf("%s: RUN %s: %w", path, rest, err)
			}
			i := slices.IndexFunc(words, func(w string) bool { return !isAssign(w) })
			if i >= 0 && i+1 < len(words) && words[i] == "go" && words[i+1] == "build" {
				d.BuildEnv, d.BuildArgs = words[:i], words[i:]
				builds++
			}
		case "HEALTHCHECK":
			flags, cmd, ok := strings.Cut(rest, "CMD ")
			d.HealthCheckFlags = strings.TrimSpace(flags)
			if !ok || json.Unmarshal([]byte(cmd), &d.HealthCheck) != nil {
				return Dockerfile{}, fmt.Errorf("%s: HEALTHCHECK must be CMD in exec form, got %q", path, rest)
			}
		case "ENTRYPOINT":
			if json.Unmarshal([]byte(rest), &d.Entrypoint) != nil {
				return Dockerfile{}, fmt.Errorf("%s: ENTRYPOINT must be in exec form, got %q", path, rest)
			}
		}
	}
	if builds != 1 {
		return Dockerfile{}, fmt.Errorf("%s: want exactly one RUN … go build line, found %d", path, builds)
	}
	return d, nil
}

func isAssign(w string) bool { return assignment.MatchString(w) }

var assignment = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=`)

// shellWords splits a command line into words, honouring double quotes;
// that is all the Dockerfile's build line uses.
func shellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	in, quoted := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, in = !quoted, true
		case (r == ' ' || r == '\t') && !quoted:
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		case strings.ContainsRune(`'\;&|`, r) && !quoted:
			return nil, fmt.Errorf("unsupported shell syntax %q", r)
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("unterminated quote")
	}
	if in {
		words = append(words, w.String())
	}
	return words, nil
}

// Build compiles vidrop from the module at root with the Dockerfile's own
// build line, stamped with version, for the platform running the tests,
// and returns the binary's path. It fails the test if the line lacks what
// the image needs: CGO_ENABLED=0, -trimpath and -X main.version.
func Build(tb testing.TB, root, version string) string {
	tb.Helper()
	d, err := ParseDockerfile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		tb.Fatal(err)
	}
	out := filepath.Join(tb.TempDir(), "vidrop")
	expand := func(s string) string {
		return os.Expand(s, func(k string) string {
			if k == "VERSION" {
				return version
			}
			return d.Args[k]
		})
	}
	var env, args []string
	for _, e := range d.BuildEnv {
		env = append(env, expand(e))
	}
	for i := 0; i < len(d.BuildArgs); i++ {
		a := expand(d.BuildArgs[i])
		if a == "-o" && i+1 < len(d.BuildArgs) {
			args = append(args, a, out)
			i++
			continue
		}
		args = append(args, a)
	}
	ldflags := ""
	if i := slices.Index(args, "-ldflags"); i >= 0 && i+1 < len(args) {
		ldflags = args[i+1]
	}
	switch {
	case !slices.Contains(env, "CGO_ENABLED=0"):
		tb.Fatalf("Dockerfile build line %v: want CGO_ENABLED=0 (distroless/static has no libc)", d.BuildEnv)
	case !slices.Contains(args, "-trimpath"):
		tb.Fatalf("Dockerfile build line %v: want -trimpath", d.BuildArgs)
	case !strings.Contains(ldflags, "-X main.version="+version):
		tb.Fatalf("Dockerfile build line %v: want -ldflags \"-X main.version=${VERSION}\"", d.BuildArgs)
	case !slices.Contains(args, out):
		tb.Fatalf("Dockerfile build line %v: want -o", d.BuildArgs)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", strings.Join(env, " "), strings.Join(args, " "), err, b)
	}
	return out
}

// Healthcheck runs bin with args (e.g. "healthcheck") and only
// LISTEN_ADDR=listenAddr in its environment, as a container health check
// runs it, and returns its exit code. It fails the test if bin cannot run.
func Healthcheck(tb testing.TB, bin, listenAddr string, args ...string) int {
	tb.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"LISTEN_ADDR=" + listenAddr}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	default:
		tb.Fatalf("%s %q: %v", bin, args, err)
		return -1
	}
}

// Server is the built binary serving.
type Server struct {
	// Addr is where it listens, e.g. 127.0.0.1:41234.
	Addr string

	cmd  *exec.Cmd
	done chan struct{} // closed once the process exited and all its output was read
	err  error         // cmd.Wait's, once done

	mu    sync.Mutex
	lines []string
}

// Serve starts bin with LISTEN_ADDR=127.0.0.1:0 plus env, and returns once
// its "listening" log line says where. The log is read as JSON, so
// LOG_FORMAT=json overrides env's. It is stopped when the test ends.
func Serve(tb testing.TB, bin string, env ...string) *Server {
	tb.Helper()
	cmd := exec.Command(bin)
	// The last of a variable set twice wins.
	cmd.Env = append(append([]string{"LISTEN_ADDR=127.0.0.1:0"}, env...), "LOG_FORMAT=json")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s := &Server{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			s.mu.Lock()
			s.lines = append(s.lines, lines.Text())
			s.mu.Unlock()
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(lines.Bytes(), &rec) == nil && rec.Msg == "listening" {
				addr <- rec.Addr
			}
		}
		_, _ = io.Copy(io.Discard, stdout) // a line too long for the scanner
		// Only now: Wait closes the pipe.
		s.err = cmd.Wait()
		close(s.done)
	}()
	tb.Cleanup(func() { _ = s.Stop() })
	select {
	case s.Addr = <-addr:
	case <-s.done:
		tb.Fatalf("%s printed no listening line; it exited: %v\n%s", bin, s.err, strings.Join(s.Lines(), "\n"))
	case <-time.After(30 * time.Second):
		tb.Fatalf("%s printed no listening line in 30 s", bin)
	}
	return s
}

// Lines returns the log lines printed so far.
func (s *Server) Lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.lines)
}

// Signal sends sig to the process.
func (s *Server) Signal(sig os.Signal) error { return s.cmd.Process.Signal(sig) }

// Wait waits for the process to exit, with all its output read, and
// returns how it ended (an *exec.ExitError for a non-zero exit).
func (s *Server) Wait() error {
	<-s.done
	return s.err
}

// Stop sends SIGTERM, as ECS and docker do, and waits for the exit.
func (s *Server) Stop() error {
	select {
	case <-s.done:
		return s.err
	default:
	}
	_ = s.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return s.err
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		return fmt.Errorf("no exit 30 s after SIGTERM: %v", s.Wait())
	}
}
