// Package suite holds the shop-wide test suites that cross packages: the
// authorization matrix over every collection and route, the races between
// money actions on one order or wallet (each ending with the audit), and
// graceful shutdown of the built binary. It has no code of its own.
package suite
