package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"fenxiao/sqlitedb"
)

// TestAuditExitCodes runs the built binary's audit: 0 on a sound shop, 1
// (mismatch) when a wallet disagrees with its ledger, 2 (could not run)
// when the database cannot be opened or holds no shop at all.
func TestAuditExitCodes(t *testing.T) {
	bin := binary(t)
	run := func(dir string) (int, string) {
		t.Helper()
		out, err := exec.Command(bin, "audit", "--dir", dir).CombinedOutput()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return 0, string(out)
		case errors.As(err, &exit):
			return exit.ExitCode(), string(out)
		default:
			t.Fatal(err)
			return -1, ""
		}
	}

	shop := t.TempDir()
	if out, err := exec.Command(bin, "migrate", "up", "--dir", shop).CombinedOutput(); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	if code, out := run(shop); code != 0 {
		t.Fatalf("sound shop: exit %d\n%s", code, out)
	}

	// a wallet holding money its (empty) ledger never gave it
	db, err := sqlitedb.Connect(filepath.Join(shop, "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Insert("users", dbx.Params{"id": "user0000000001", "email": "a@test.local", "password": "x", "tokenKey": "k0000000000001"}).Execute()
	if err == nil {
		_, err = db.Insert("wallets", dbx.Params{"id": "wallet00000001", "user": "user0000000001", "available": 100}).Execute()
	}
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if code, out := run(shop); code != 1 || !strings.Contains(out, "wallets/wallet00000001") {
		t.Fatalf("tampered wallet: exit %d\n%s", code, out)
	}

	// no shop schema: nothing was checked, so nothing is proven
	if code, out := run(t.TempDir()); code != 2 || !strings.Contains(out, "nothing to audit") {
		t.Fatalf("empty dir: exit %d\n%s", code, out)
	}

	// a database file that is not one
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "data.db"), []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := run(bad); code != 2 {
		t.Fatalf("unreadable database: exit %d\n%s", code, out)
	}
}
