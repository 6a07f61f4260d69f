package distribution

import "github.com/pocketbase/pocketbase/core"

// BookQueued books every queued order that is due, as the worker's passes
// do, and returns how many orders it took off the queue.
func BookQueued(app core.App) (int, error) {
	p := app.Store().Get(storeKey).(*plugin)
	total := 0
	for {
		n, _, err := p.bookQueued(app, queueBatch)
		total += n
		if err != nil || n < queueBatch {
			return total, err
		}
	}
}

// StartBooking starts the booking worker as the server does.
func StartBooking(app core.App) (stop func()) {
	return app.Store().Get(storeKey).(*plugin).startBooking(app)
}

// QueueBatch is the most orders one booking transaction takes.
const QueueBatch = queueBatch

// DrainQueue runs one pass of the worker.
func DrainQueue(app core.App) {
	app.Store().Get(storeKey).(*plugin).drainQueue(app)
}

// QueuedLinesKept counts the orders whose lines the plugin keeps for their
// booking.
func QueuedLinesKept(app core.App) int {
	q := &app.Store().Get(storeKey).(*plugin).queuedLines
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.orders)
}
