package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ivrbox/ivrbox/firmware/disk/smbtest"
	"github.com/ivrbox/ivrbox/media/tone"
	"github.com/ivrbox/ivrbox/webui"
)

// TestWebUIDisks: a Samba guest share is added from the Network disks page.
// Test with a wrong server shows the connection error; with the right one
// it works; after Save and Mount the disk shows mounted with a file count;
// the file browser lists the tone WAV; the IVR editor's prompt picker offers
// it; and when the server stops the dashboard shows the disk fault.
func TestWebUIDisks(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	smb := smbtest.Start(t)
	smb.WriteGuest("greeting.wav", tone.WAV(tone.Sine([]float64{1400}, 500, 0.4)))
	smb.WriteGuest("exam/0001.wav", tone.WAV(tone.Sine([]float64{1600}, 300, 0.4)))
	smb.WriteGuest("readme.txt", []byte("not audio"))

	br := newBrowser(t, b, 1280, 900, false)
	br.setup()
	br.until("the disk probe", 10*time.Second, `S.disks !== undefined`)
	if !js[bool](br, `S.disks`) {
		t.Fatal("GET /api/admin/disks answers 404 or 501: the page hides Network disks")
	}
	br.do("menu entry", chromedp.WaitVisible(chromedp.ID("nav-disks")), chromedp.Click(chromedp.ID("nav-disks")))
	br.untilText("#main h1", "Network disks")
	br.untilText("#disk-list", "No network disks yet.")
	br.do("add a disk", chromedp.Click(chromedp.ID("disk-new")))
	br.untilText("#main h1", "New network disk")
	br.until("the form", 10*time.Second, `document.querySelector("#disk-server")`)

	// A server where nothing listens: Test shows the failure and its cause.
	br.fill("#disk-number", "1")
	br.fill("#disk-name", "NAS")
	br.fill("#disk-server", fmt.Sprintf("127.0.0.1:%d", freePort(t)))
	br.fill("#disk-share", smbtest.GuestShare)
	br.do("test the wrong server", chromedp.Click(chromedp.ID("disk-test")))
	br.until("the failure", 30*time.Second, `(m => m.textContent.includes("Connection failed:") &&
		!m.classList.contains("ok"))(document.querySelector("#disk-form-msg"))`)
	if msg := js[string](br, `document.querySelector("#disk-form-msg").textContent`); len(msg) < len("Connection failed: x") {
		t.Errorf("the failure says no cause: %q", msg)
	}
	br.shot("webui-disk-test-failed")

	br.fill("#disk-server", smb.Addr)
	br.do("test the share", chromedp.Click(chromedp.ID("disk-test")))
	br.untilText("#disk-form-msg", "Connection works.")
	br.shot("webui-disk-test-ok")
	br.do("save", chromedp.Click(chromedp.ID("disk-save")))
	br.untilText("#main h1", "Disk 1")

	br.until("the status card", 10*time.Second, `document.querySelector("#disk-status .disk")`)
	if js[bool](br, `!!document.querySelector("#disk-status button.mount")`) {
		br.do("mount", chromedp.Click(chromedp.CSS("#disk-status button.mount")))
	}
	br.until("mounted", 40*time.Second, `document.querySelector("#disk-status .disk .st-mounted")`)
	br.do("warm the cache", chromedp.Click(chromedp.CSS("#disk-status button.warm")))
	br.until("a file count", 40*time.Second, `[...document.querySelectorAll("#disk-status .stat")].some(s =>
		/^(Files|Cached)/.test(s.textContent) && /^[1-9]/.test(s.querySelector("b").textContent))`)

	br.route("disks", "Network disks")
	br.untilText("#disk-list .disk[data-number='1']", "NAS")
	br.untilText("#disk-list .disk[data-number='1']", "mounted")
	br.shot("webui-disks")

	br.browseDisk()
	br.pickDiskPrompt()

	// The server goes away: the dashboard shows the fault.
	smb.Stop()
	br.leaveUnsaved("dashboard", "Dashboard") // the IVR with the disk prompt is not saved
	br.until("the disk fault banner", 90*time.Second,
		`document.querySelector("#disk-fault")?.textContent.includes("Network disk fault")`)
	br.shot("webui-disk-fault")
}

// status is the HTTP status of a GET of path from the page (with its session).
func status(br *browser, path string) int {
	return int(js[float64](br, fmt.Sprintf(`(x => (x.open("GET", %q, false), x.send(), x.status))(new XMLHttpRequest())`, path)))
}

// browseDisk opens disk 1's file browser from the list: the tone WAV has a
// Listen button, and a folder opens.
func (br *browser) browseDisk() {
	br.t.Helper()
	br.do("browse", chromedp.Click(chromedp.CSS("#disk-list .disk[data-number='1'] a.files")))
	br.untilText("#main h1", "Files on disk 1")
	br.until("the WAV listed", 15*time.Second, `document.querySelector("#file-list tr[data-name='greeting.wav'] button.listen")`)
	br.until("the folder listed", 5*time.Second, `document.querySelector("#file-list tr.dir[data-name='exam'] a")`)
	if js[bool](br, `!!document.querySelector("#file-list tr[data-name='readme.txt']")`) {
		br.t.Error("the file browser lists readme.txt, which is not audio")
	}
	if code := status(br, "/api/admin/disks/1/files/greeting.wav/audio"); code != http.StatusOK {
		br.t.Errorf("GET the WAV's audio: %d", code)
	}
	br.do("listen", chromedp.Click(chromedp.CSS("#file-list tr[data-name='greeting.wav'] button.listen")))
	br.until("the player", 5*time.Second,
		`document.querySelector("#file-list audio")?.getAttribute("src") === "/api/admin/disks/1/files/greeting.wav/audio"`)
	br.shot("webui-disk-files")
	br.do("open the folder", chromedp.Click(chromedp.CSS("#file-list tr.dir[data-name='exam'] a")))
	br.until("the file in the folder", 15*time.Second, `document.querySelector("#file-list tr[data-name='0001.wav']")`)
	br.untilText("#files-path", "exam")
}

// pickDiskPrompt adds a file of disk 1 to IVR 6500 with the prompt picker.
func (br *browser) pickDiskPrompt() {
	br.t.Helper()
	// The IVR editor offers the disk's files, grouped under the disk.
	br.route("ivrs/6500", "IVR 6500")
	br.until("the disk group in the picker", 15*time.Second,
		`document.querySelector("#pl-prompts select.pick-list optgroup[label='Network disk 1'] option")`)
	v := js[string](br, `document.querySelector("#pl-prompts select.pick-list optgroup[label='Network disk 1'] option").value`)
	br.pick("#pl-prompts select.pick-list", v)
	br.until("the disk prompt added", 5*time.Second,
		fmt.Sprintf(`document.querySelector('#pl-prompts li[data-name=%q]')`, v))
}

// fakeDisks is a stand-in for the box's disk endpoints (and the few others
// the page needs) that serves the real embedded page: it checks the page
// against the disk API contract without a box or a Samba server.
type fakeDisks struct {
	mu    sync.Mutex
	on    bool             // false: GET disks answers 404 (firmware without disks)
	disks []map[string]any // as GET disks lists them
}

func (f *fakeDisks) handler() http.Handler {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(v)
	}
	fixed := map[string]any{
		"GET /api/admin/session": map[string]any{"logged_in": true, "lang": "en"},
		"GET /api/admin/status":  map[string]any{"version": "test", "board": "sim", "uptime_s": 5, "calls": 0},
		"GET /api/admin/calls":   []any{},
		"GET /api/admin/ivrs":    []any{map[string]any{"number": "6500", "name": "Welcome", "prompts": []string{"notice"}}},
		"GET /api/admin/prompts": []any{map[string]any{"name": "notice", "builtin": true},
			map[string]any{"name": "/tmp/media/networkdisk1/greeting", "disk": 1, "file": "greeting.wav", "size": 8044}},
	}
	for pat, v := range fixed {
		mux.HandleFunc(pat, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, v) })
	}
	mux.HandleFunc("/api/admin/", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 404, map[string]string{"error": "no such endpoint"})
	})
	mux.HandleFunc("/api/admin/disks", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		switch {
		case !f.on:
			reply(w, 404, map[string]string{"error": "no such endpoint"})
		case r.Method == "GET":
			reply(w, 200, f.disks)
		case r.Method == "POST":
			var d map[string]any
			if err := json.NewDecoder(r.Body).Decode(&d); err != nil || d["enabled"] != nil {
				reply(w, 400, map[string]string{"error": fmt.Sprintf("bad disk: %v %v", err, d)})
				return
			}
			delete(d, "password")
			d["status"] = map[string]any{"state": "unmounted"}
			f.disks = append(f.disks, d)
			reply(w, 201, d)
		}
	})
	mux.HandleFunc("POST /api/admin/disks/{n}", func(w http.ResponseWriter, r *http.Request) {
		var d map[string]any
		_ = json.NewDecoder(r.Body).Decode(&d)
		if d["server"] != "nas.lan" {
			reply(w, 200, map[string]any{"ok": false, "error": fmt.Sprintf("dial tcp %v:445: connect: connection refused", d["server"])})
			return
		}
		reply(w, 200, map[string]any{"ok": true})
	})
	mux.HandleFunc("POST /api/admin/disks/{n}/{op}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		switch r.PathValue("op") {
		case "mount":
			f.disks[0]["status"] = map[string]any{"state": "mounted", "last_seen": time.Now().Format(time.RFC3339),
				"free_bytes": 3 << 30, "files": 2, "cached": 1}
			reply(w, 200, map[string]any{})
		default:
			reply(w, 404, map[string]string{"error": "no such endpoint"})
		}
	})
	mux.HandleFunc("GET /api/admin/disks/{n}/files", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("path") == "exam" {
			reply(w, 200, []any{map[string]any{"name": "0001.wav", "path": "exam/0001.wav", "size": 4844, "audio": true}})
			return
		}
		reply(w, 200, []any{map[string]any{"name": "greeting.wav", "path": "greeting.wav", "size": 8044, "modified": "2025-03-12T08:00:00Z", "audio": true},
			map[string]any{"name": "exam", "path": "exam", "dir": true}, map[string]any{"name": "readme.txt", "size": 10}})
	})
	mux.Handle("/", webui.Handler())
	return mux
}

// TestWebUIDisksPage drives the disk pages against fakeDisks: the menu entry
// hides while the box has no disks; a disk is tested (error, then ok),
// saved, mounted and browsed; the IVR picker groups the disk's prompts; a
// disk in error shows on the dashboard; the pages fit a phone's width.
func TestWebUIDisksPage(t *testing.T) {
	t.Parallel()
	f := &fakeDisks{}
	srv := httptest.NewServer(f.handler())
	t.Cleanup(srv.Close)
	port, _ := strconv.Atoi(srv.URL[strings.LastIndex(srv.URL, ":")+1:])
	br := newBrowser(t, &box{httpPort: port}, 1280, 900, false)
	br.untilText("#main h1", "Dashboard")
	br.until("the disk probe", 10*time.Second, `S.disks === false`)
	if !js[bool](br, `document.querySelector("#nav-disks").hidden && document.querySelector("#disk-fault").textContent === ""`) {
		t.Fatal("the menu shows Network disks though GET disks answers 404")
	}

	f.mu.Lock()
	f.on = true
	f.mu.Unlock()
	br.do("reload", chromedp.Reload())
	br.do("menu entry", chromedp.WaitVisible(chromedp.ID("nav-disks")), chromedp.Click(chromedp.ID("nav-disks")))
	br.untilText("#disk-list", "No network disks yet.")
	br.do("add", chromedp.Click(chromedp.ID("disk-new")))
	br.untilText("#main h1", "New network disk")
	br.until("the form", 10*time.Second, `document.querySelector("#disk-server")`)
	br.fill("#disk-server", "nas.example")
	br.fill("#disk-share", "media")
	br.fill("#disk-password", "pw")
	br.do("test", chromedp.Click(chromedp.ID("disk-test")))
	br.untilText("#disk-form-msg", "Connection failed: The server refused the connection (dial tcp nas.example:445: connect: connection refused)")
	br.fill("#disk-server", "nas.lan")
	br.do("test", chromedp.Click(chromedp.ID("disk-test")))
	br.untilText("#disk-form-msg", "Connection works.")
	br.do("save", chromedp.Click(chromedp.ID("disk-save")))
	br.untilText("#main h1", "Disk 1")
	br.do("mount", chromedp.Click(chromedp.CSS("#disk-status button.mount")))
	br.until("mounted", 10*time.Second, `document.querySelector("#disk-status .st-mounted") &&
		document.querySelector("#disk-status").textContent.includes("3.0 GB")`)
	if !js[bool](br, `!!document.querySelector("#disk-status button.unmount")`) {
		t.Error("no Unmount button on a mounted disk")
	}
	br.shot("webui-fake-disk-1")

	br.do("browse", chromedp.Click(chromedp.CSS("#disk-status a.files")))
	br.untilText("#main h1", "Files on disk 1")
	br.until("the listing", 10*time.Second, `document.querySelectorAll("#file-list tr[data-name]").length === 3 &&
		!document.querySelector("#file-list tr[data-name='readme.txt'] button.listen")`)
	br.do("listen", chromedp.Click(chromedp.CSS("#file-list tr[data-name='greeting.wav'] button.listen")))
	br.until("the player", 5*time.Second,
		`document.querySelector("#file-list audio")?.getAttribute("src") === "/api/admin/disks/1/files/greeting.wav/audio"`)
	br.do("open the folder", chromedp.Click(chromedp.CSS("#file-list tr.dir[data-name='exam'] a")))
	br.until("the folder", 10*time.Second, `document.querySelector("#file-list tr[data-name='0001.wav']")`)
	br.untilText("#file-list", "/tmp/media/networkdisk1/exam/0001")
	br.shot("webui-fake-disk-files")

	br.route("ivrs/6500", "IVR 6500")
	br.until("the picker", 10*time.Second, `document.querySelector("#pl-prompts select.pick-list optgroup")`)
	br.pick("#pl-prompts select.pick-list", "/tmp/media/networkdisk1/greeting")
	br.until("the disk prompt added", 5*time.Second, `document.querySelector("#pl-prompts li[data-name='/tmp/media/networkdisk1/greeting']")`)
	if g := js[string](br, `document.querySelector("#pl-prompts option[value='/tmp/media/networkdisk1/greeting']").parentNode.label`); g != "Network disk 1" {
		t.Errorf("the disk prompt is in group %q", g)
	}

	f.mu.Lock()
	f.disks[0]["status"] = map[string]any{"state": "error", "error": "read tcp: i/o timeout"}
	f.mu.Unlock()
	br.leaveUnsaved("dashboard", "Dashboard")
	br.untilText("#disk-fault", "read tcp: i/o timeout")
	br.shot("webui-fake-disk-fault")
	br.route("disks/1", "Disk 1")
	br.until("the disk in error", 10*time.Second, `document.querySelector("#disk-status .st-error")`)
	if js[bool](br, `!!document.querySelector("#disk-status button.mount")`) {
		t.Error("a disk in error offers Mount")
	}

	br.do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	for _, p := range []struct{ route, h1 string }{{"disks", "Network disks"}, {"disks/1", "Disk 1"}, {"disks/1/files", "Files on disk 1"}} {
		br.route(p.route, p.h1)
		br.until(p.route, 10*time.Second, `document.querySelector("#main .card")`)
		if w := js[float64](br, "document.documentElement.scrollWidth"); w > 390 {
			t.Errorf("%s is %.0f px wide on a 390 px screen", p.route, w)
		}
		br.shot("webui-fake-phone-" + strings.ReplaceAll(p.route, "/", "-"))
	}
}
