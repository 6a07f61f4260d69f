// Package e2e runs the clients (H5 storefront, operations console,
// mini-program) against the real fenxiao binary: built once per test run,
// started on a temp data dir and a free port, driven by Node scripts
// (Playwright over Debian's Chromium, miniprogram-simulate) that exit non-zero
// when an assertion fails.
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

// TestMain removes the binary built for the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// repoRoot is the module root (the parent of e2e/).
func repoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

// binary builds the shop once for the whole run, as a merchant would run it.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "fenxiao-e2e-bin")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "fenxiao")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Dir = repoRoot(t)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out.String())
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Shop is one running fenxiao process on its own data dir.
type Shop struct {
	URL           string
	Dir           string
	AdminEmail    string
	AdminPassword string
	Log           *bytes.Buffer
	cmd           *exec.Cmd
}

// ShopOptions say how to start the shop.
type ShopOptions struct {
	Demo bool     // serve --demo
	Env  []string // extra KEY=VALUE (sandbox pay, fake provider URLs...)
	Args []string // extra serve flags
}

// StartShop builds and starts the binary, creates a superuser, excludes
// loopback from the rate limiter through the settings API (the rules stay on)
// and stops the process when the test ends.
func StartShop(t *testing.T, opts ShopOptions) *Shop {
	t.Helper()
	bin := binary(t)
	dir := t.TempDir()
	s := &Shop{Dir: dir, AdminEmail: "admin@e2e.test", AdminPassword: "e2e-Admin-12345", Log: &bytes.Buffer{}}

	env := append(os.Environ(), opts.Env...)
	up := exec.Command(bin, "superuser", "upsert", s.AdminEmail, s.AdminPassword, "--dir", dir)
	up.Env = env
	if out, err := up.CombinedOutput(); err != nil {
		t.Fatalf("superuser upsert: %v\n%s", err, out)
	}

	port := freePort(t)
	s.URL = fmt.Sprintf("http://127.0.0.1:%d", port)
	args := []string{"serve", "--http", fmt.Sprintf("127.0.0.1:%d", port), "--dir", dir}
	if opts.Demo {
		args = append(args, "--demo")
	}
	args = append(args, opts.Args...)
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = env
	s.cmd.Stdout, s.cmd.Stderr = s.Log, s.Log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.Log.String())
		}
	})

	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.URL + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("shop did not start: %v\n%s", err, s.Log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	token := s.AdminToken(t)
	s.Do(t, token, "PATCH", "/api/settings",
		map[string]any{"rateLimits": map[string]any{"excludedIPs": []string{"127.0.0.1", "::1"}}}, nil)
	return s
}

// AdminToken signs in as the superuser.
func (s *Shop) AdminToken(t *testing.T) string {
	t.Helper()
	var auth struct {
		Token string `json:"token"`
	}
	s.Do(t, "", "POST", "/api/collections/_superusers/auth-with-password",
		map[string]any{"identity": s.AdminEmail, "password": s.AdminPassword}, &auth)
	return auth.Token
}

// Do sends a JSON request and fails the test on a non-2xx answer.
func (s *Shop) Do(t *testing.T, token, method, path string, body, out any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, s.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var raw bytes.Buffer
	raw.ReadFrom(res.Body)
	if res.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw.String())
	}
	if out != nil {
		if err := json.Unmarshal(raw.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// RunNode runs a Node script of this folder (or below) against the shop.
// The script gets BASE_URL, ADMIN_EMAIL, ADMIN_PASSWORD, CHROMIUM and
// SHOT_DIR (screenshots, kept under e2e/screenshots/ for people to look at).
func RunNode(t *testing.T, s *Shop, script string, env ...string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not installed (.ci/run installs it)")
	}
	scriptDir := filepath.Dir(script)
	if _, err := os.Stat(filepath.Join(nodeModulesFor(scriptDir), "node_modules")); err != nil {
		t.Fatalf("node_modules missing next to %s: run npm ci there (.ci/run does)", script)
	}
	shots, _ := filepath.Abs(filepath.Join("screenshots", strings.TrimSuffix(filepath.Base(script), filepath.Ext(script))))
	os.MkdirAll(shots, 0o755)

	cmd := exec.Command(node, script)
	cmd.Env = append(os.Environ(),
		"BASE_URL="+s.URL,
		"ADMIN_EMAIL="+s.AdminEmail,
		"ADMIN_PASSWORD="+s.AdminPassword,
		"CHROMIUM="+Chromium(t),
		"SHOT_DIR="+shots,
	)
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	t.Logf("%s:\n%s", script, out.String())
	if err != nil {
		t.Fatalf("%s failed: %v", script, err)
	}
}

// nodeModulesFor walks up from dir to the folder holding package.json.
func nodeModulesFor(dir string) string {
	for d := dir; d != "." && d != "/"; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "package.json")); err == nil {
			return d
		}
	}
	return "."
}

// Chromium is Debian's chromium (installed by .ci/run).
func Chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not installed (.ci/run installs Debian's chromium)")
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
