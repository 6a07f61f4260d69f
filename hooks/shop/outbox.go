package shop

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Outbox tuning. A delivery is tried at most OutboxMaxAttempts times,
// waiting OutboxBackoff(n) after the n-th failure.
const (
	OutboxMaxAttempts = 8
	outboxBatch       = 50
	outboxSendTimeout = 15 * time.Second
)

// OutboxBackoff is the wait after the n-th failed attempt (n >= 1):
// 30 s doubling up to 2 hours, so eight attempts span about four hours.
func OutboxBackoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < 2*time.Hour; i++ {
		d *= 2
	}
	return min(d, 2*time.Hour)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// WakeOutbox asks the outbox worker for a pass now (no-op without a worker).
func (s *Shop) WakeOutbox() {
	select {
	case s.outboxWake <- struct{}{}:
	default: // a pass is already asked for
	}
}

// StartOutbox runs the outbox worker until the returned stop function is
// called: a pass on every [Shop.WakeOutbox] (each commit that queued a
// delivery) and every sweep interval (retries that came due, deliveries a
// crash left pending). stop waits for the pass in progress; a send it
// interrupts is left pending and sent again by the next start.
func (s *Shop) StartOutbox(app core.App, sweep time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(sweep)
		defer t.Stop()
		for {
			if _, err := s.DeliverDue(ctx, app); err != nil && ctx.Err() == nil {
				app.Logger().Warn("notification outbox pass failed", "error", err.Error())
			}
			select {
			case <-ctx.Done():
				return
			case <-s.outboxWake:
			case <-t.C:
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// DeliverDue sends every pending delivery that is due, oldest first, and
// records each outcome; it returns how many it handled. One pass runs at
// a time. When ctx ends mid-send the delivery keeps its pending state.
func (s *Shop) DeliverDue(ctx context.Context, app core.App) (int, error) {
	s.outboxRun.Lock()
	defer s.outboxRun.Unlock()

	handled := 0
	for ctx.Err() == nil {
		var due []*core.Record
		err := app.RecordQuery(deliveriesCollection).
			AndWhere(dbx.HashExp{"status": "pending"}).
			AndWhere(dbx.NewExp("[[next_at]] <= {:now}", dbx.Params{"now": types.NowDateTime().String()})).
			OrderBy("next_at", "id").
			Limit(outboxBatch).
			All(&due)
		if err != nil {
			return handled, fmt.Errorf("due deliveries: %w", err)
		}
		if len(due) == 0 {
			return handled, nil
		}
		for _, d := range due {
			if ctx.Err() != nil {
				return handled, nil
			}
			if err := s.deliver(ctx, app, d); err != nil {
				return handled, err
			}
			handled++
		}
		if len(due) < outboxBatch {
			return handled, nil
		}
	}
	return handled, nil
}

// deliver makes one attempt at d and records its outcome.
func (s *Shop) deliver(ctx context.Context, app core.App, d *core.Record) error {
	attempt := d.GetInt("attempts") + 1
	n, err := loadNotification(app, d.GetString("notification"))
	if err != nil {
		return err
	}
	var sendErr error
	ch, ok := s.Channel(d.GetString("channel"))
	if !ok {
		// note: the plugin was switched off after the delivery was queued
		sendErr = fmt.Errorf("%w: channel %q is not registered", ErrSkip, d.GetString("channel"))
	} else {
		sendCtx, cancel := context.WithTimeout(ctx, outboxSendTimeout)
		sendErr = safeSend(sendCtx, app, ch, Delivery{Id: d.Id, Channel: ch.Name(), Attempt: attempt, Notification: n})
		cancel()
		if ctx.Err() != nil {
			// shutting down: the outcome is unknown, the next start sends again
			return nil
		}
	}

	now := types.NowDateTime()
	d.Set("attempts", attempt)
	var retry *RetryAfterError
	var perm permanentError
	switch {
	case sendErr == nil:
		d.Set("status", "sent")
		d.Set("sent_at", now)
		d.Set("last_error", "")
	case errors.Is(sendErr, ErrSkip):
		d.Set("status", "skipped")
		d.Set("last_error", cut(sendErr.Error(), 1000))
	case errors.As(sendErr, &perm) || attempt >= OutboxMaxAttempts:
		d.Set("status", "failed")
		d.Set("last_error", cut(sendErr.Error(), 1000))
	default:
		wait := OutboxBackoff(attempt)
		if errors.As(sendErr, &retry) && retry.Delay > wait {
			wait = retry.Delay
		}
		d.Set("next_at", now.Add(wait))
		d.Set("last_error", cut(sendErr.Error(), 1000))
	}
	if sendErr != nil && !errors.Is(sendErr, ErrSkip) {
		app.Logger().Warn("notification not delivered", "channel", d.GetString("channel"),
			"delivery", d.Id, "attempt", attempt, "error", sendErr.Error())
	}
	if err := app.SaveNoValidate(d); err != nil {
		return fmt.Errorf("record delivery %s: %w", d.Id, err)
	}
	return nil
}

// safeSend calls ch.Send; a panicking channel fails its delivery, not the worker.
func safeSend(ctx context.Context, app core.App, ch Channel, d Delivery) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("channel %s panicked: %v\n%s", ch.Name(), r, debug.Stack())
		}
	}()
	return ch.Send(ctx, app, d)
}

// loadNotification reads a notifications row back into a [Notification].
func loadNotification(app core.App, id string) (Notification, error) {
	r, err := app.FindRecordById(notificationsCollection, id)
	if err != nil {
		return Notification{}, fmt.Errorf("notification %s: %w", id, err)
	}
	n := Notification{
		Id:      r.Id,
		UserId:  r.GetString("user"),
		Kind:    r.GetString("kind"),
		Title:   r.GetString("title"),
		Body:    r.GetString("body"),
		RefId:   r.GetString("ref"),
		Created: r.GetDateTime("created").Time(),
	}
	if raw, ok := r.GetRaw("data").(types.JSONRaw); ok && len(raw) > 0 {
		_ = json.Unmarshal(raw, &n.Data)
	}
	return n, nil
}
