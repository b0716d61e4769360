package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/vidrop/vidrop/internal/app"
	"github.com/vidrop/vidrop/internal/app/apptest"
	"github.com/vidrop/vidrop/internal/browsertest"
	"github.com/vidrop/vidrop/internal/seaweedtest"
)

// How long a page step may take: generous, as the machine is shared.
const stepLimit = 60 * time.Second

// describe is what a failed wait reports about the page.
const describe = `document.body.dataset.state + " | " + document.getElementById("error").innerText + " | " + document.getElementById("status").innerText`

func origin(ln net.Listener) string { return "http://" + ln.Addr().String() }

// serve runs vidrop configured by env on ln, signing with the SeaweedFS
// test keys, until the test ends; it returns its origin.
func serve(t *testing.T, ln net.Listener, env []string, opts ...app.Option) string {
	t.Helper()
	return apptest.Serve(t, ln, env, append([]app.Option{apptest.SeaweedKeys()}, opts...)...).URL
}

// recorded is what the page reports after a successful upload.
type recorded struct {
	Key, Format    string
	Sent, Max      float64
	ResultVisible  bool
	ResultVideoSrc string
}

// openRecorder loads the page, enters mail and waits for the live camera.
func openRecorder(t *testing.T, tab *browsertest.Tab, pageURL, mail string) {
	t.Helper()
	enterMail(t, tab, pageURL, mail, "ready")
}

// enterMail loads the page, enters mail and waits for the page to reach
// state.
func enterMail(t *testing.T, tab *browsertest.Tab, pageURL, mail, state string) {
	t.Helper()
	tab.Do(t,
		chromedp.Navigate(pageURL),
		chromedp.WaitVisible(chromedp.CSS(`body[data-state="mail"] #mail`)),
		chromedp.SendKeys(chromedp.CSS(`#mail`), mail),
		chromedp.Click(chromedp.CSS(`#mail-form button[type="submit"]`)),
	)
	tab.WaitFor(t, `document.body.dataset.state === "`+state+`"`, stepLimit, describe)
}

// shownError is the error the page shows.
func shownError(t *testing.T, tab *browsertest.Tab) string {
	t.Helper()
	return browsertest.Eval[string](t, tab, `document.getElementById("error").innerText`)
}

// nothingStored checks that mail was issued one key and that no object
// was stored under it.
func nothingStored(t *testing.T, sw *seaweedtest.Server, api, mail string) {
	t.Helper()
	keys := videos(t, api, mail)
	if len(keys) != 1 {
		t.Fatalf("keys issued: %q", keys)
	}
	if ok, err := sw.Exists(t.Context(), keys[0]); ok || err != nil {
		t.Errorf("object %s exists=%v (%v), want none", keys[0], ok, err)
	}
}

// record records from the fake camera until the timer shows seconds (at
// most 59).
func record(t *testing.T, tab *browsertest.Tab, seconds int) {
	t.Helper()
	tab.Do(t, chromedp.Click(chromedp.CSS(`#record`)))
	tab.WaitFor(t, `document.body.dataset.state === "recording"`, stepLimit, describe)
	// The page's own timer says when enough was recorded.
	tab.WaitFor(t, fmt.Sprintf(`document.getElementById("timer-text").textContent >= "00:%02d"`, seconds), stepLimit, describe)
	tab.Do(t, chromedp.Click(chromedp.CSS(`#stop`)))
	tab.WaitFor(t, `document.body.dataset.state === "review"`, stepLimit, describe)
}

// upload presses Upload and waits for the page to finish, either way.
func upload(t *testing.T, tab *browsertest.Tab) string {
	t.Helper()
	tab.Do(t, chromedp.Click(chromedp.CSS(`#upload`)))
	tab.WaitFor(t, `["done", "failed"].includes(document.body.dataset.state)`, stepLimit, describe)
	return browsertest.Eval[string](t, tab, `document.body.dataset.state`)
}

// uploadFails presses Upload and checks that the upload fails.
func uploadFails(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	if state := upload(t, tab); state != "failed" {
		t.Fatalf("state %s, want failed", state)
	}
}

// storeRefuses records a clip for mail on api's page and checks that the
// store refuses its upload: the page fails showing every one of wants,
// nothing is stored, and the only console error is the refused load.
func storeRefuses(t *testing.T, tab *browsertest.Tab, sw *seaweedtest.Server, api, mail string, wants ...string) {
	t.Helper()
	openRecorder(t, tab, api+"/", mail)
	record(t, tab, 1)
	uploadFails(t, tab)
	msg := shownError(t, tab)
	for _, want := range wants {
		if !strings.Contains(msg, want) {
			t.Errorf("error shown: %q, want %q in it", msg, want)
		}
	}
	nothingStored(t, sw, api, mail)
	tab.CheckClean(t, refusedLoad)
}

// uploaded checks the page's success state and returns what it shows.
func uploaded(t *testing.T, tab *browsertest.Tab) recorded {
	t.Helper()
	if state := upload(t, tab); state != "done" {
		t.Fatalf("upload ended in state %s: %s", state, browsertest.Eval[string](t, tab, describe))
	}
	return browsertest.Eval[recorded](t, tab, `({
		Key: document.body.dataset.key,
		Format: document.body.dataset.format,
		Sent: document.getElementById("progress").value,
		Max: document.getElementById("progress").max,
		ResultVisible: !document.getElementById("result").hidden,
		ResultVideoSrc: document.getElementById("result-video").src,
	})`)
}

var extensions = map[string]string{"video/webm": ".webm", "video/mp4": ".mp4"}

// readObject reads a stored object back: its bytes and content type.
// seaweedtest.Server.Object is one.
type readObject func(ctx context.Context, key string) ([]byte, string, error)

// embeddedObject reads objects from api's embedded store, as the page's
// player does.
func embeddedObject(api string) readObject {
	return func(ctx context.Context, key string) ([]byte, string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, api+"/s3/videos/"+key, nil)
		if err != nil {
			return nil, "", err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: %s", req.URL, resp.Status)
		}
		return body, resp.Header.Get("Content-Type"), err
	}
}

// checkStored proves the upload landed: read finds the object with a
// video type matching the recorded format, the key has that format's
// extension, the bar reached the file's size, and /videos lists it.
func checkStored(t *testing.T, read readObject, api, mail string, got recorded) []byte {
	t.Helper()
	ext, ok := extensions[got.Format]
	if !ok {
		t.Fatalf("the page reports format %q", got.Format)
	}
	if !strings.HasSuffix(got.Key, ext) {
		t.Errorf("key %s does not end in %s for the recorded %s", got.Key, ext, got.Format)
	}
	body, ct, err := read(t.Context(), got.Key)
	if err != nil {
		t.Fatalf("object %s: %v", got.Key, err)
	}
	if len(body) == 0 || ct != got.Format {
		t.Errorf("object %s: %d bytes of %q, want some bytes of %s", got.Key, len(body), ct, got.Format)
	}
	if got.Max != float64(len(body)) || got.Sent != got.Max {
		t.Errorf("progress bar at %v of %v, want the file's %d bytes", got.Sent, got.Max, len(body))
	}
	listed := videos(t, api, mail)
	if len(listed) == 0 || listed[len(listed)-1] != got.Key {
		t.Errorf("/videos lists %q, want it to end with %s", listed, got.Key)
	}
	return body
}

func videos(t *testing.T, api, mail string) []string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, api+"/videos?mail="+mail, nil)
	req.SetBasicAuth("tester", "tester") // the dev rule: password == user name
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var listed map[string][]string
	if err := json.NewDecoder(resp.Body).Decode(&listed); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/videos: %d %v", resp.StatusCode, err)
	}
	return listed[mail]
}

// screenshot saves the page as a test artifact and, when
// VIDROP_SCREENSHOT names a file, there too (docs/recorder.png is made so).
func screenshot(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	png, err := chromedp.Run(tab.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(t.TempDir(), "recorder.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	if dst := os.Getenv("VIDROP_SCREENSHOT"); dst != "" {
		if err := os.WriteFile(dst, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// What the browser logs when a request is refused: a 4xx answer as a
// failed load, and a CORS or CSP block. Where a test expects the refusal,
// that line is not a page error.
var (
	refusedLoad = regexp.MustCompile(`Failed to load resource: the server responded with a status of 4\d\d`)
	corsBlocked = regexp.MustCompile(`blocked by CORS policy|Failed to load resource: net::ERR_FAILED`)
	cspBlocked  = regexp.MustCompile(`Content Security Policy`)
)

// TestRecorder drives the page in headless Chromium with a fake camera
// against vidrop and a real S3 server (SeaweedFS), all on loopback.
func TestRecorder(t *testing.T) {
	sw := seaweedtest.Start(t, "videos")
	// vidrop.test reaches loopback by a name that is not a secure context.
	browser := browsertest.Start(t, 1000, 900, chromedp.Flag("host-resolver-rules", "MAP vidrop.test 127.0.0.1"))

	t.Run("records and uploads to S3", func(t *testing.T) {
		api := serve(t, apptest.Listen(t), apptest.SeaweedEnv(sw))
		tab := browser.NewTab(t)
		const mail = "camera@orkei.com"
		openRecorder(t, tab, api+"/", mail)
		record(t, tab, 2)
		got := uploaded(t, tab)
		checkStored(t, sw.Object, api, mail, got)
		if !got.ResultVisible || got.ResultVideoSrc != sw.Endpoint+"/videos/"+got.Key {
			t.Errorf("result shown %v with player %q", got.ResultVisible, got.ResultVideoSrc)
		}
		// The public player loads the stored video; show a frame from its
		// middle in the screenshot.
		tab.WaitFor(t, `document.getElementById("result-video").readyState >= 1`, stepLimit, describe)
		browsertest.Eval[chromedp.Void](t, tab, `(() => { const v = document.getElementById("result-video"); v.currentTime = v.duration / 2; })()`)
		tab.WaitFor(t, `(v => !v.seeking && v.readyState >= 2)(document.getElementById("result-video"))`, stepLimit, describe)
		screenshot(t, tab)
		tab.CheckClean(t)

		// The mail is remembered for the next visit.
		tab.Do(t, chromedp.Navigate(api+"/"), chromedp.WaitVisible(chromedp.CSS(`body[data-state="mail"] #mail`)))
		if v := browsertest.Eval[string](t, tab, `document.getElementById("mail").value`); v != mail {
			t.Errorf("mail field holds %q on return, want %q", v, mail)
		}
		tab.CheckClean(t)
	})

	t.Run("records and uploads to the embedded store", func(t *testing.T) {
		api := serve(t, apptest.Listen(t), nil)
		tab := browser.NewTab(t)
		const mail = "embedded@orkei.com"
		openRecorder(t, tab, api+"/", mail)
		record(t, tab, 1)
		checkStored(t, embeddedObject(api), api, mail, uploaded(t, tab))
		tab.CheckClean(t)
	})

	t.Run("uploads a chosen file", func(t *testing.T) {
		api := serve(t, apptest.Listen(t), apptest.SeaweedEnv(sw))
		tab := browser.NewTab(t)
		const mail = "file@orkei.com"
		openRecorder(t, tab, api+"/", mail)
		want := chooseVideo(t, tab, browser, api)
		got := uploaded(t, tab)
		if got.Format != "video/webm" {
			t.Errorf("chosen .webm file sent as %q", got.Format)
		}
		if body := checkStored(t, sw.Object, api, mail, got); !bytes.Equal(body, want) {
			t.Errorf("stored %d bytes, the file has %d", len(body), len(want))
		}
		tab.CheckClean(t)
	})

	t.Run("a denied camera is explained and a file can be sent instead", func(t *testing.T) {
		api := serve(t, apptest.Listen(t), apptest.SeaweedEnv(sw))
		// Chromium's fake permission prompt answers "Block" in this one.
		denying := browsertest.Start(t, 1000, 900, chromedp.Flag("use-fake-ui-for-media-stream", "deny"))
		tab := denying.NewTab(t)
		const mail = "denied@orkei.com"
		enterMail(t, tab, api+"/", mail, "nocamera")
		msg := shownError(t, tab)
		if !strings.Contains(msg, "Access to the camera was denied") {
			t.Errorf("error shown: %q", msg)
		}
		chooseVideo(t, tab, browser, api)
		checkStored(t, sw.Object, api, mail, uploaded(t, tab))
		tab.CheckClean(t)
	})

	t.Run("no camera is explained", func(t *testing.T) {
		api := serve(t, apptest.Listen(t), nil)
		// Without the fake devices this machine has no camera at all.
		bare := browsertest.Start(t, 1000, 900, chromedp.Flag("use-fake-device-for-media-stream", false))
		tab := bare.NewTab(t)
		enterMail(t, tab, api+"/", "nocam@orkei.com", "nocamera")
		msg := shownError(t, tab)
		if !strings.Contains(msg, "No camera was found") {
			t.Errorf("error shown: %q", msg)
		}
		tab.CheckClean(t)
	})

	t.Run("a page that is not a secure context says so", func(t *testing.T) {
		ln := apptest.Listen(t)
		serve(t, ln, nil)
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		tab := browser.NewTab(t)
		enterMail(t, tab, "http://vidrop.test:"+port+"/", "insecure@orkei.com", "nocamera")
		msg := shownError(t, tab)
		if !strings.Contains(msg, "not in a secure context") || !strings.Contains(msg, "HTTPS") {
			t.Errorf("error shown: %q", msg)
		}
		if visible := browsertest.Eval[bool](t, tab, `!document.getElementById("choose-file").closest("[hidden]")`); !visible {
			t.Error("no file picker offered without a camera")
		}
		// The picker offers every type the API takes, by type and by
		// each extension the page knows it by.
		accept := strings.Split(browsertest.Eval[string](t, tab, `document.getElementById("file").accept`), ",")
		for _, want := range []string{"video/mp4", ".mp4", ".m4v", "video/webm", ".webm",
			"video/quicktime", ".mov", ".qt", "video/x-matroska", ".mkv"} {
			if !slices.Contains(accept, want) {
				t.Errorf("file picker accepts %q, lacks %s", accept, want)
			}
		}
		tab.CheckClean(t)
	})

	t.Run("an expired upload permission is explained", func(t *testing.T) {
		past := func() time.Time { return time.Now().Add(-2 * time.Hour) }
		api := serve(t, apptest.Listen(t), apptest.SeaweedEnv(sw, "UPLOAD_EXPIRES=1h"), app.WithClock(past))
		storeRefuses(t, browser.NewTab(t), sw, api, "late@orkei.com", "permission expired", "AccessDenied")
	})

	t.Run("cross-origin API allowed by CORS", func(t *testing.T) {
		pageLn, apiLn := apptest.Listen(t), apptest.Listen(t)
		page := serve(t, pageLn, []string{"CSP_CONNECT_SRC=" + origin(apiLn) + "," + sw.Endpoint})
		api := serve(t, apiLn, apptest.SeaweedEnv(sw, "CORS_ALLOWED_ORIGINS="+page))
		tab := browser.NewTab(t)
		const mail = "cross@orkei.com"
		openRecorder(t, tab, page+"/?api="+api, mail)
		record(t, tab, 1)
		got := uploaded(t, tab)
		checkStored(t, sw.Object, api, mail, got)
		tab.CheckClean(t)
	})

	t.Run("cross-origin API that does not allow the page", func(t *testing.T) {
		pageLn, apiLn := apptest.Listen(t), apptest.Listen(t)
		page := serve(t, pageLn, []string{"CSP_CONNECT_SRC=" + origin(apiLn) + "," + sw.Endpoint})
		api := serve(t, apiLn, apptest.SeaweedEnv(sw, "CORS_ALLOWED_ORIGINS=https://elsewhere.example"))
		tab := browser.NewTab(t)
		openRecorder(t, tab, page+"/?api="+api, "refused@orkei.com")
		record(t, tab, 1)
		uploadFails(t, tab)
		msg := shownError(t, tab)
		if !strings.Contains(msg, "Could not reach the API at "+api) || !strings.Contains(msg, "CORS_ALLOWED_ORIGINS") {
			t.Errorf("error shown: %q", msg)
		}
		tab.WaitLogged(t, regexp.MustCompile(`blocked by CORS policy`), stepLimit)
		tab.CheckClean(t, corsBlocked)
	})

	t.Run("an API origin missing from the page's CSP is blocked", func(t *testing.T) {
		pageLn, apiLn := apptest.Listen(t), apptest.Listen(t)
		page := serve(t, pageLn, nil)
		api := serve(t, apiLn, apptest.SeaweedEnv(sw, "CORS_ALLOWED_ORIGINS="+page))
		tab := browser.NewTab(t)
		openRecorder(t, tab, page+"/?api="+api, "csp@orkei.com")
		record(t, tab, 1)
		uploadFails(t, tab)
		// The browser reports the violation, and the harness sees it.
		tab.WaitLogged(t, regexp.MustCompile(regexp.QuoteMeta(api)+`.*Content Security Policy`), stepLimit)
		tab.CheckClean(t, cspBlocked)
	})

	t.Run("cancel aborts an upload under way", func(t *testing.T) {
		api := serve(t, apptest.Listen(t), apptest.SeaweedEnv(sw))
		tab := browser.NewTab(t)
		const mail = "cancel@orkei.com"
		openRecorder(t, tab, api+"/", mail)
		record(t, tab, 1)
		// Slow the POST to the store to 8 KB/s, so that it is still
		// under way when Cancel is pressed.
		if _, err := chromedp.Call(tab.Ctx, network.Enable, network.EnableParams{}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(tab.Ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{
				URLPattern: sw.Endpoint + "/*", DownloadThroughput: -1, UploadThroughput: 8 << 10,
			}},
		}); err != nil {
			t.Fatal(err)
		}
		tab.Do(t, chromedp.Click(chromedp.CSS(`#upload`)))
		// Once the bar has moved, the POST is under way: Cancel aborts
		// it, not the presign before it.
		tab.WaitFor(t, `document.body.dataset.state === "uploading" && document.getElementById("progress").value > 0`, stepLimit, describe)
		tab.Do(t, chromedp.Click(chromedp.CSS(`#cancel`)))
		tab.WaitFor(t, `document.body.dataset.state === "review"`, stepLimit, describe)
		if msg := browsertest.Eval[string](t, tab, `document.getElementById("status").innerText`); !strings.Contains(msg, "cancelled") {
			t.Errorf("status after Cancel: %q", msg)
		}
		nothingStored(t, sw, api, mail)
		tab.CheckClean(t)
	})

	t.Run("a file over UPLOAD_MAX_BYTES is refused", func(t *testing.T) {
		api := serve(t, apptest.Listen(t), apptest.SeaweedEnv(sw, "UPLOAD_MAX_BYTES=1000"))
		storeRefuses(t, browser.NewTab(t), sw, api, "toolarge@orkei.com", "too large", "1.0 KB")
	})
}

// chooseVideo picks a small WebM file (makeVideo's) with the page's file
// input, waits for the review and returns the file's bytes.
func chooseVideo(t *testing.T, tab *browsertest.Tab, browser *browsertest.Browser, pageURL string) []byte {
	t.Helper()
	video := makeVideo(t, browser, pageURL)
	path := filepath.Join(t.TempDir(), "clip.webm")
	if err := os.WriteFile(path, video, 0o600); err != nil {
		t.Fatal(err)
	}
	tab.Do(t, chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{path}, chromedp.NodeReady))
	tab.WaitFor(t, `document.body.dataset.state === "review"`, stepLimit, describe)
	return video
}

// makeVideo records half a second from the fake camera in a tab of its
// own on pageURL and returns it: a real, small WebM file to choose.
func makeVideo(t *testing.T, browser *browsertest.Browser, pageURL string) []byte {
	t.Helper()
	tab := browser.NewTab(t)
	tab.Do(t, chromedp.Navigate(pageURL+"/"), chromedp.WaitVisible(chromedp.CSS(`#mail`)))
	b64 := browsertest.Eval[string](t, tab, `(async () => {
		const stream = await navigator.mediaDevices.getUserMedia({ video: true });
		const rec = new MediaRecorder(stream, { mimeType: "video/webm" });
		const chunks = [];
		rec.ondataavailable = (e) => chunks.push(e.data);
		const stopped = new Promise((r) => (rec.onstop = r));
		rec.start();
		await new Promise((r) => setTimeout(r, 500));
		rec.stop();
		await stopped;
		stream.getTracks().forEach((tr) => tr.stop());
		const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
		let s = "";
		for (const b of bytes) s += String.fromCharCode(b);
		return btoa(s);
	})()`)
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) == 0 {
		t.Fatalf("test video: %d bytes, %v", len(b), err)
	}
	return b
}
