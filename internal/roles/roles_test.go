package roles

import "testing"

func TestAllows(t *testing.T) {
	cases := []struct {
		role   string
		custom []string
		perm   string
		want   bool
	}{
		{Owner, nil, WithdrawalsPay, true},
		{Owner, nil, JobsRun, true},
		{Warehouse, nil, OrdersShip, true},
		{Warehouse, nil, WithdrawalsReview, false},
		{Warehouse, nil, ExportFinance, false},
		{Warehouse, nil, ReportsView, false},
		{Finance, nil, WithdrawalsPay, true},
		{Finance, nil, OrdersShip, false},
		{Support, nil, AftersalesProcess, true},
		{Support, nil, WalletsAdjust, false},
		{Operations, nil, OrdersShip, true},
		{Operations, nil, WithdrawalsPay, false},
		{Custom, []string{JobsRun}, JobsRun, true},
		{Custom, []string{JobsRun}, OrdersShip, false},
		{Custom, []string{"made.up"}, "made.up", false},
		{"", nil, OrdersShip, false},
		{"janitor", nil, OrdersShip, false},
		// custom permissions only count for the custom role
		{Warehouse, []string{WithdrawalsPay}, WithdrawalsPay, false},
	}
	for _, c := range cases {
		if got := Allows(c.role, c.custom, c.perm); got != c.want {
			t.Errorf("Allows(%q, %v, %q) = %v, want %v", c.role, c.custom, c.perm, got, c.want)
		}
	}
}

func TestAllowsAnyOf(t *testing.T) {
	if !Allows(Finance, nil, OrdersShip, WithdrawalsPay) {
		t.Fatal("finance should pass when any of the permissions is granted")
	}
	if Allows(Warehouse, nil) {
		t.Fatal("no permission asked must not pass")
	}
}
