package ledger

import "fmt"

// Error codes.
const (
	CodeUnknownKind         = "ledger_unknown_kind"
	CodeBadAmount           = "ledger_bad_amount"
	CodeNegativeFrozen      = "ledger_negative_frozen"
	CodeInsufficientBalance = "ledger_insufficient_balance"
	CodeWalletMismatch      = "ledger_wallet_mismatch"
	CodeSeqGap              = "ledger_seq_gap"
	CodePrevHashMismatch    = "ledger_prev_hash_mismatch"
	CodeHashMismatch        = "ledger_hash_mismatch"
	CodeBalanceMismatch     = "ledger_balance_mismatch"
	CodeFrozenMismatch      = "ledger_frozen_mismatch"
	CodeFinalMismatch       = "ledger_final_mismatch"
)

// Error is a ledger check failure: the first bad entry and why.
type Error struct {
	// Seq is the Seq stored on the bad entry (for CodeFinalMismatch, the
	// last entry's; 0 for an empty ledger or an Apply error).
	Seq int64

	// Index is the bad entry's position in the slice given to Verify
	// (-1 for an empty ledger).
	Index int

	// Reason says what is wrong, for a human.
	Reason string

	code string
}

// Code returns the stable machine readable code, one of the Code* constants.
func (e *Error) Code() string {
	return e.code
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("ledger entry seq %d: %s (%s)", e.Seq, e.Reason, e.code)
}
