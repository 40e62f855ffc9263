// Package bench holds the performance benchmarks of the kessai adapters
// and the [Listener] they count TCP connections with. The benchmarks live
// in its test files and only run with -bench; see README.md in this
// directory for how to run and read them, and for the figures measured.
//
// Every end-to-end benchmark runs an adapter call and a raw net/http
// baseline (prebuilt request bodies, answers only read) against the same
// loopback simulator in the same run. The "interleaved" variants alternate
// the two in one loop and report their ratio (adapter/raw, target ≤ 1.10),
// which stays meaningful on a shared, noisy machine where absolute times
// do not.
package bench
