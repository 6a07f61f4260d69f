package shop

// ---------------------------------------------------------------
// collections of the core
// ---------------------------------------------------------------

// Names of the core's collections that plugins read (and write only
// through the functions listed in the package doc).
const (
	UsersCollection         = "users"
	ProductsCollection      = "products"
	SkusCollection          = "skus"
	CategoriesCollection    = "categories"
	OrdersCollection        = "orders"
	OrderItemsCollection    = "order_items"
	PaymentsCollection      = "payments"
	RefundsCollection       = "refunds"
	AftersalesCollection    = "aftersales"
	WalletsCollection       = "wallets"
	WalletEntriesCollection = "wallet_entries"
	NotificationsCollection = "notifications"
	AddressesCollection     = "addresses"
	ReferralPathsCollection = "referral_paths"
	ReferralStatsCollection = "referral_stats"
	BrandsCollection        = "brands"

	// CommissionsCollection (plugins/distribution) and
	// WithdrawalsCollection (plugins/withdrawal) are written by their
	// plugins; the console's reports and exports read them too.
	CommissionsCollection = "commissions"
	WithdrawalsCollection = "withdrawals"
)

// Order statuses (orders.status).
const (
	OrderPendingPayment = "pending_payment"
	OrderPaid           = "paid"
	OrderShipped        = "shipped"
	OrderCompleted      = "completed"
	OrderCancelled      = "cancelled"
	OrderRefunded       = "refunded"
)

// Payment statuses (payments.status).
const (
	// PaymentPaid is a payment that paid its order.
	PaymentPaid = "paid"

	// PaymentUnmatched is money that arrived for an order that could not
	// take it, kept for the merchant to return.
	PaymentUnmatched = "unmatched"
)

// Withdrawal statuses (withdrawals.status), moved by plugins/withdrawal.
const (
	WithdrawalPending         = "pending"
	WithdrawalApproved        = "approved"
	WithdrawalTransferring    = "transferring"
	WithdrawalWaitUserConfirm = "wait_user_confirm"
	WithdrawalPaid            = "paid"
	WithdrawalRejected        = "rejected"
	WithdrawalFailed          = "failed"
	WithdrawalClosed          = "closed"
)
