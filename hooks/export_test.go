package hooks

// SetJobCommandExit replaces the exit of `jobs run` for a test.
func SetJobCommandExit(exit func(int)) (restore func()) {
	old := exitJobCommand
	exitJobCommand = exit
	return func() { exitJobCommand = old }
}
