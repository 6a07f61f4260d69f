// Package roles says which console actions a staff role may perform.
//
// A staff member has one role; the role "custom" takes its permissions from
// the member's own list instead, so a merchant can make any combination.
// Superusers are not staff: they may do everything and never reach here.
package roles

// Permissions, one per group of console actions. The codes are stored in
// staff records (custom permission sets), so they never change.
const (
	ReportsView       = "reports.view"       // figures, charts, rankings
	OrdersShip        = "orders.ship"        // ship single / batch, packing lists
	OrdersCancel      = "orders.cancel"      // cancel an unpaid order
	PaymentsConfirm   = "payments.confirm"   // confirm a bank transfer arrived
	AftersalesProcess = "aftersales.process" // approve, reject, receive, reship, refund
	WithdrawalsReview = "withdrawals.review" // approve or reject a withdrawal
	WithdrawalsPay    = "withdrawals.pay"    // mark a bank payout paid, retry a transfer
	RewardsGrant      = "rewards.grant"      // reward a distributor
	WalletsAdjust     = "wallets.adjust"     // booked wallet corrections
	ReferralMove      = "referral.move"      // move a user and their subtree
	JobsRun           = "jobs.run"           // see and run scheduled jobs
	ExportOrders      = "export.orders"      // orders and order lines (shipping lists)
	ExportFinance     = "export.finance"     // commissions and withdrawals (bank details)
	ExportUsers       = "export.users"       // users with phone numbers
)

// All lists every permission with its Chinese label, in console order.
var All = []struct{ Code, Label string }{
	{ReportsView, "查看报表"},
	{OrdersShip, "订单发货"},
	{OrdersCancel, "取消订单"},
	{PaymentsConfirm, "确认银行转账"},
	{AftersalesProcess, "处理售后"},
	{WithdrawalsReview, "审核提现"},
	{WithdrawalsPay, "提现打款"},
	{RewardsGrant, "发放奖励"},
	{WalletsAdjust, "钱包调账"},
	{ReferralMove, "调整推荐关系"},
	{JobsRun, "运行定时任务"},
	{ExportOrders, "导出订单"},
	{ExportFinance, "导出佣金与提现"},
	{ExportUsers, "导出用户"},
}

// Role names stored in staff.role.
const (
	Owner      = "owner"
	Operations = "operations"
	Warehouse  = "warehouse"
	Finance    = "finance"
	Support    = "support"
	Custom     = "custom"
)

// Names lists the roles in the order the dashboard offers them.
var Names = []string{Owner, Operations, Warehouse, Finance, Support, Custom}

// grants are the fixed roles. A warehouse clerk ships and prints lists but
// never touches money; finance moves money but does not ship.
var grants = map[string][]string{
	Operations: {ReportsView, OrdersShip, OrdersCancel, AftersalesProcess, RewardsGrant, ReferralMove, ExportOrders, ExportUsers},
	Warehouse:  {OrdersShip, ExportOrders},
	Finance:    {ReportsView, PaymentsConfirm, WithdrawalsReview, WithdrawalsPay, RewardsGrant, WalletsAdjust, ExportOrders, ExportFinance},
	Support:    {OrdersCancel, AftersalesProcess},
}

// Permissions returns what a member with role (and, for "custom", the
// listed permissions) may do. Unknown roles and codes grant nothing.
func Permissions(role string, custom []string) []string {
	var list []string
	switch role {
	case Owner:
		for _, p := range All {
			list = append(list, p.Code)
		}
	case Custom:
		for _, c := range custom {
			if known(c) {
				list = append(list, c)
			}
		}
	default:
		list = append(list, grants[role]...)
	}
	return list
}

// Allows reports whether role (with custom for "custom") grants any of perms.
func Allows(role string, custom []string, perms ...string) bool {
	for _, have := range Permissions(role, custom) {
		for _, want := range perms {
			if have == want {
				return true
			}
		}
	}
	return false
}

func known(code string) bool {
	for _, p := range All {
		if p.Code == code {
			return true
		}
	}
	return false
}
