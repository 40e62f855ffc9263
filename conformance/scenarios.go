package conformance

type scenario struct {
	name string
	run  func(e *env)
}

// scenarios is the suite, in order.
var scenarios []scenario
