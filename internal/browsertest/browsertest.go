// Package browsertest runs Debian's Chromium headless for tests, with a
// fake camera and microphone, and collects what each page logs so that a
// test can fail on any console error, CSP violation or failed load.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Package is the Debian package that provides the browser.
const Package = "chromium"

// Path returns the Chromium binary: $VIDROP_CHROMIUM, else chromium on
// the PATH. Without one the test fails, saying what to install: browser
// tests are never skipped.
func Path(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("VIDROP_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	tb.Fatalf("browsertest: no Chromium found: install the Debian package %q (`make test` does, as root), or set VIDROP_CHROMIUM", Package)
	return ""
}

// Browser is one running Chromium, stopped when the test ends.
type Browser struct {
	ctx context.Context
}

// Start runs Chromium headless with a fake camera and microphone that
// need no permission prompt, in a fresh profile, kept off the network.
// extra adds or overrides flags.
func Start(tb testing.TB, width, height int, extra ...chromedp.ExecAllocatorOption) *Browser {
	tb.Helper()
	bin := Path(tb)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(width, height),
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
	)
	opts = append(opts, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	tb.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Do starts the browser; its life is bound to ctx, which
	// has no timeout.
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("browsertest: start %s: %v", bin, err)
	}
	return &Browser{ctx: ctx}
}

// Tab is one page in its own browser context (its own storage), with
// everything it logs recorded.
type Tab struct {
	// Ctx runs chromedp actions in the tab.
	Ctx context.Context

	mu     sync.Mutex
	msgs   []chromedp.ConsoleMessage
	logged chan struct{} // gets a value after each new message
}

// NewTab opens a tab in a fresh browser context, closed when the test
// ends.
func (b *Browser) NewTab(tb testing.TB) *Tab {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	tb.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("browsertest: new tab: %v", err)
	}
	t := &Tab{Ctx: ctx, logged: make(chan struct{}, 1)}
	// Console covers console calls, uncaught exceptions and the
	// browser's log (Log.entryAdded), where CSP violations and failed
	// loads arrive.
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			t.mu.Lock()
			t.msgs = append(t.msgs, m)
			t.mu.Unlock()
			select {
			case t.logged <- struct{}{}:
			default: // a wake-up is already pending
			}
		}
	}()
	return t
}

// Problems returns the error messages and exceptions logged so far, less
// those matching one of allowed.
func (t *Tab) Problems(allowed ...*regexp.Regexp) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, m := range t.msgs {
		if m.Type != chromedp.ConsoleError && !m.IsException() {
			continue
		}
		line := m.String()
		if m.Source != "" {
			line = m.Source + " " + line
		}
		if m.URL != "" {
			line += " (" + m.URL + ")"
		}
		if !matchesAny(line, allowed) {
			out = append(out, line)
		}
	}
	return out
}

// WaitLogged waits until the page has logged an error matching re, which
// arrives on its own stream, not necessarily before the page's state
// changes; it fails the test if none has within limit.
func (t *Tab) WaitLogged(tb testing.TB, re *regexp.Regexp, limit time.Duration) {
	tb.Helper()
	timeout := time.After(limit)
	for {
		for _, p := range t.Problems() {
			if re.MatchString(p) {
				return
			}
		}
		select {
		case <-t.logged:
		case <-timeout:
			tb.Fatalf("the page logged no error matching %s within %s; logged: %q", re, limit, t.Problems())
		}
	}
}

// CheckClean fails the test for every problem Problems reports.
func (t *Tab) CheckClean(tb testing.TB, allowed ...*regexp.Regexp) {
	tb.Helper()
	if p := t.Problems(allowed...); len(p) > 0 {
		tb.Errorf("the page logged %d error(s):\n%s", len(p), strings.Join(p, "\n"))
	}
}

func matchesAny(s string, res []*regexp.Regexp) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// WaitFor evaluates expr in the page every 50 ms until it is true, and
// fails the test with describe's value if it is not within limit. It
// uses Runtime.evaluate, which the page's CSP (no 'unsafe-eval') allows,
// unlike chromedp.Poll's new Function.
func (t *Tab) WaitFor(tb testing.TB, expr string, limit time.Duration, describe string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(t.Ctx, limit)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("Boolean("+expr+")"))
		if err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			state, _ := chromedp.Run(t.Ctx, chromedp.Evaluate[string](describe))
			tb.Fatalf("waited %s for %s: %v; page: %s; logged: %q", limit, expr, err, state, t.Problems())
		case <-tick.C:
		}
	}
}

// Eval evaluates expr in the page and decodes its value.
func Eval[T any](tb testing.TB, t *Tab, expr string) T {
	tb.Helper()
	v, err := chromedp.Run(t.Ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// Do runs actions in the tab and fails the test on an error.
func (t *Tab) Do(tb testing.TB, actions ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	if err := chromedp.Do(t.Ctx, actions...); err != nil {
		tb.Fatalf("browser: %v; logged: %q", err, t.Problems())
	}
}
