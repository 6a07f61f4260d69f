package shop

import (
	"crypto/rand"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// idEpoch is where [NewId]'s clock starts: 8 base-36 digits of
// milliseconds from here last until 2109.
var idEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

var idSeq atomic.Uint32

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// NewId returns a new 15-character record id of PocketBase's default form
// ([a-z0-9]{15}) that sorts by creation time: 8 characters of
// milliseconds, 2 of a counter of this process and 5 random ones.
//
// Why: SQLite keeps every table's id in a B-tree. Random ids land on a
// random leaf page each, so a transaction that inserts a few dozen rows
// (an order with its lines, payment, commissions, ledger entries and
// notifications) dirtied a few dozen scattered pages of those indexes, and
// the commit writes every dirty page to the WAL. Ids that grow with time
// land on the last page, shared by the whole batch.
//
// Ids are not secrets here (every read is checked by the collection's
// rules and the routes' ownership checks), but the random part still keeps
// them from being counted through.
func NewId() string {
	ms := time.Now().UnixMilli() - idEpoch
	var b strings.Builder
	b.Grow(15)
	t := strconv.FormatInt(max(ms, 0), 36)
	for range 8 - len(t) {
		b.WriteByte('0')
	}
	b.WriteString(t[max(len(t)-8, 0):])
	seq := strconv.FormatUint(uint64(idSeq.Add(1)%1296), 36)
	if len(seq) < 2 {
		b.WriteByte('0')
	}
	b.WriteString(seq)
	writeRandom(&b, 5)
	return b.String()
}

// writeRandom appends n characters of idAlphabet drawn from crypto/rand,
// from one read of random bytes where PocketBase's RandomStringWithAlphabet
// makes a big.Int draw per character (a few percent of the writer's CPU,
// as every record a payment creates gets an id). A byte of 252 or more is
// skipped so that each character stays equally likely (252 = 7 × 36).
func writeRandom(b *strings.Builder, n int) {
	var buf [16]byte
	for n > 0 {
		_, _ = rand.Read(buf[:]) // never fails: crypto/rand panics instead
		for _, c := range buf {
			if n == 0 {
				break
			}
			if c < 252 {
				b.WriteByte(idAlphabet[c%36])
				n--
			}
		}
	}
}

// BindRecordIds gives new records of the shop's own collections a [NewId]
// when the caller set none and the collection keeps PocketBase's default
// id field; system collections and custom id patterns are left alone.
func BindRecordIds(app core.App) {
	app.OnRecordCreate().Bind(&hook.Handler[*core.RecordEvent]{
		Id:       "fenxiaoRecordIds",
		Priority: -1000, // before the hooks that might read the id
		Func: func(e *core.RecordEvent) error {
			if e.Record.Id == "" && defaultIdField(e.Record.Collection()) {
				e.Record.Id = NewId()
			}
			return e.Next()
		},
	})
}

// defaultIdField reports whether c is a shop collection whose id field is
// PocketBase's default: 15 characters of [a-z0-9].
func defaultIdField(c *core.Collection) bool {
	if c == nil || c.System {
		return false
	}
	f, ok := c.Fields.GetByName(core.FieldNameId).(*core.TextField)
	return ok && f.AutogeneratePattern == "[a-z0-9]{15}" && f.Min <= 15 && (f.Max == 0 || f.Max >= 15)
}
